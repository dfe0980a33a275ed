#!/usr/bin/env bats
# record on a private instance of the guest kernel where the host kernel cannot show a case:
# a snapshot in use makes the kernel refuse to map the instance (EBUSY, trace.c's
# get_snapshot_map(); the host kernel is built without CONFIG_TRACER_SNAPSHOT). An armed
# snapshot trigger holds the snapshot in use; writing 1 to the snapshot file does not (checked
# on 7.2: it only allocates). The trigger's filter never matches, so no snapshot is taken and
# the instance's buffer is never swapped away under the capture. And how this kernel answers
# a readv() of several sub-buffers of trace_pipe_raw (the read() transport's one call for a run
# of them), which the host suites see only on the host's kernel and Debian's 6.1.

load guest/remote

setup()
{
	NAME=remotectl-vm-$$
	INST=$TRACEFS/instances/$NAME
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
	TRIGGER=$INST/events/sched/sched_switch/trigger
	mkdir "$INST"
}

arm_snapshot()
{
	echo 'snapshot if next_pid == -2' >"$TRIGGER"
}

disarm_snapshot()
{
	echo '!snapshot if next_pid == -2' >"$TRIGGER"
}

teardown()
{
	local pid
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	disarm_snapshot 2>/dev/null || true
	echo 0 >"$INST/snapshot"
	echo 0 >"$INST/tracing_on"
	rmdir "$INST"
}

# markers CPU N: N markers "mk-CPU-i" written on CPU.
markers()
{
	taskset -c "$1" bash -c "exec 3>$INST/trace_marker; for ((i = 1; i <= $2; i++)); do echo mk-$1-\$i >&3; done"
}

# record_markers ARGS...: record the instance with ARGS while 25 markers go to CPUs 0 and 1.
record_markers()
{
	local pid
	remotectl -v record -r "$NAME" "$@" >"$BATS_TEST_TMPDIR/stdout" 2>"$err" &
	pid=$!
	for _ in $(seq 200); do grep -q ': capturing$' "$err" && break; sleep 0.05; done
	grep -q ': capturing$' "$err"
	markers 0 25
	markers 1 25
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
}

# Each CPU's markers exactly once and in order, 50 in all.
check_markers()
{
	local c
	expect_eq "$(grep -c 'tracing_mark_write: mk-' "$out")" 50
	for c in 0 1; do
		expect_eq "$(grep -o "tracing_mark_write: mk-$c-[0-9]*" "$out" | sed 's/.*-//' | tr '\n' ' ')" \
			"$(seq -s ' ' 25) "
	done
}

@test "instance with a snapshot in use: mmap refused (EBUSY), record falls back to read() and says why" {
	arm_snapshot
	record_markers --format text -o "$out"
	grep -qx "remotectl: instances/$NAME: transport read (mmap refused: Device or resource busy)" "$err"
	grep -q "^remotectl: instances/$NAME: .* s, stopped by SIGINT, transport read (mmap refused: Device or resource busy)$" "$err"
	check_markers
	# The trigger is the test's, untouched by the capture: still armed, its event soft-off.
	expect_eq "$(cat "$TRIGGER")" "snapshot:unlimited if next_pid == -2"
	expect_eq "$(cat "$INST/events/sched/sched_switch/enable")" "0*"
}

@test "instance with a snapshot in use: --transport mmap is refused with the kernel's reason, exit 5, nothing changed" {
	arm_snapshot
	echo 1 >"$INST/tracing_on"
	run remotectl record -r "$NAME" --transport mmap -d 1 -o "$out" --format text
	expect_eq "$status" 5
	expect_eq "$output" \
		"remotectl: instances/$NAME: mmap of $INST/per_cpu/cpu0/trace_pipe_raw refused: Device or resource busy"
	expect_eq "$(cat "$INST/tracing_on")" 1
}

@test "the same instance maps again once the trigger is gone: record uses mmap, trace.dat too" {
	arm_snapshot
	disarm_snapshot
	record_markers -o "$BATS_TEST_TMPDIR/cap.dat"
	grep -qx "remotectl: instances/$NAME: transport mmap" "$err"
	remotectl report "$BATS_TEST_TMPDIR/cap.dat" >"$out"
	check_markers
}

@test "read(): a backlog taken in runs of sub-buffers, several per readv(); every marker once and in order" {
	local subbufs calls
	echo 1 >"$INST/tracing_on"
	markers 0 12000
	run remotectl -v record -r "$NAME" --transport read -d 1 --format text -o "$out"
	expect_eq "$status" 0
	grep -o 'tracing_mark_write: mk-0-[0-9]*' "$out" | sed 's/.*-//' >"$BATS_TEST_TMPDIR/ids"
	seq 12000 | cmp - "$BATS_TEST_TMPDIR/ids"
	read -r subbufs calls < <(sed -En "s/^remotectl: instances\/$NAME: CPU 0: \
([0-9]+) sub-buffers in ([0-9]+) calls\$/\1 \2/p" <<<"$output")
	# ~30 bytes a marker: some 90 sub-buffers. One call each would be as many calls and the
	# idle looks (~20 in the second); doubling from one while they come full, up to 64, takes
	# 7 for the backlog.
	[ "$subbufs" -ge 80 ]
	[ $((calls * 2)) -lt "$subbufs" ]
}
