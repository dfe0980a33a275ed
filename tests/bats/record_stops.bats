#!/usr/bin/env bats
# remotectl record on the real kernel: loss accounting, every way to stop, restoring the
# instance, and the read() fallback, also where the kernel refuses a call (seccomp).
load helpers
load record_helpers

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
DENY="$ROOT/build/tools/deny_syscall"

setup_file() {
	top_guard_start
	build remotectl build/tools/deny_syscall
}

setup() {
	make_instance
}

teardown() {
	kill_record
	remove_instance
}

# loss_check TRANSPORT [KIB [STATUS [ARG...]]]: a writer outruns a stopped reader on a small
# buffer (-b KIB, default 8; more record ARGs): captured + lost == written, exit STATUS (0).
loss_check() {
	local n=5000 captured lost
	start_record -v record -r "$INST" --transport "$1" -b "${2:-8}" "${@:4}" \
		-o "$BATS_TEST_TMPDIR/trace.txt"
	wait_capturing
	kill -STOP "$(capture_pid)"
	write_markers 0 "$n" lost
	kill -CONT "$(capture_pid)"
	sleep 0.5
	stop_record INT
	[ "$RC" -eq "${3:-0}" ]
	captured=$(grep -c 'tracing_mark_write: lost-' "$BATS_TEST_TMPDIR/trace.txt")
	lost=$(summary_lost 0)
	echo "captured $captured lost $lost" >&2
	[ "$lost" -gt 0 ]
	[ $((captured + lost)) -eq "$n" ]
	[ "$(summary_events 0)" -eq "$captured" ]
	grep -qx "  hint: a larger -b, --buffer-percent below $(cat "$IDIR/buffer_percent") or --rt-priority gets the reader there before a burst fills the buffer" "$ERR"
	# The loss is shown in place, before the first marker that survived it.
	grep -q '^CPU:0 \[LOST [0-9]* EVENTS\]$\|^CPU:0 \[LOST EVENTS\]$' "$BATS_TEST_TMPDIR/trace.txt"
	# The survivors are the newest ones, in order, after the loss line.
	grep -A1 '^CPU:0 \[LOST' "$BATS_TEST_TMPDIR/trace.txt" | grep -q 'tracing_mark_write: lost-'
	check_sorted_complete "$BATS_TEST_TMPDIR/trace.txt"
}

@test "--fail-on-loss: a loss is exit status 6 after the whole output; no loss, 0" {
	loss_check read 8 6 --fail-on-loss
	[ "$(tail -n 1 "$ERR")" = "remotectl: instances/$INST: $(summary_lost 0) events lost (--fail-on-loss)" ]

	# The same option with nothing lost, to trace.dat: 0.
	start_record record -r "$INST" -b 1M -d 1 --fail-on-loss -o "$BATS_TEST_TMPDIR/t.dat"
	write_markers 0 100 kept
	RC=0
	wait "$RPID" || RC=$?
	[ "$RC" -eq 0 ]
	[ "$(summary_lost 0)" -eq 0 ]
}

@test "loss accounting via mmap: captured + reported lost == written, shown in place" {
	require_mmap
	loss_check mmap
}

@test "loss accounting via read(): captured + reported lost == written, shown in place" {
	loss_check read
}

@test "loss accounting via read() of a 64 KiB buffer: full sub-buffers one read() after the other, the same" {
	loss_check read 64
}

# Settings before: tracing off, sched_switch off, the default size. record changes all three.
prepare_settings() {
	echo 0 > "$IDIR/tracing_on"
	# The first word: 6.1 appends " (expanded: 1408)" until the top level grows.
	SIZE0=$(awk '{print $1}' "$IDIR/buffer_size_kb")
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 0 ]
	[ "$SIZE0" -gt 300 ]
}

check_applied() {
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 1 ]
	# The kernel rounds up to whole pages plus its bookkeeping (256 -> 258 here).
	local kib
	kib=$(awk '{print $1}' "$IDIR/buffer_size_kb")
	[ "$kib" -ge 256 ] && [ "$kib" -lt 300 ]
}

check_restored() {
	[ "$(cat "$IDIR/tracing_on")" = 0 ]
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 0 ]
	[ "$(awk '{print $1}' "$IDIR/buffer_size_kb")" = "$SIZE0" ]
}

# Tracing went off again before the final drain: nothing of the capture is left behind.
check_left_empty() {
	grep -qx "remotectl: instances/$INST: tracing off again before the final drain" "$ERR"
	[ "$(awk '/^entries:/ { n += $2 } END { print n + 0 }' "$IDIR"/per_cpu/cpu*/stats)" -eq 0 ]
}

signal_stop() {
	prepare_settings
	start_record -v record -r "$INST" -e sched:sched_switch -b 256K -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	check_applied
	write_markers 1 100 stop
	sleep 0.3
	stop_record "$1"
	[ "$RC" -eq 0 ]
	grep -qF "stopped by SIG$1, $(auto_said)" "$ERR"
	[ "$(grep -c 'tracing_mark_write: stop-' "$BATS_TEST_TMPDIR/t.txt")" -eq 100 ]
	grep -q 'sched_switch: ' "$BATS_TEST_TMPDIR/t.txt"
	check_sorted_complete "$BATS_TEST_TMPDIR/t.txt"
	check_restored
	check_left_empty
}

@test "SIGINT ends with complete output and restores tracing_on, events, buffer size" {
	signal_stop INT
}

@test "SIGTERM ends with complete output and restores tracing_on, events, buffer size" {
	signal_stop TERM
}

@test "tracing left on, events turned on by -e: off again before the final drain, nothing left behind" {
	# An instance traces from its creation: only the events are the capture's to turn off.
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	start_record -v record -r "$INST" -e sched:sched_wakeup -e sched:sched_switch \
		-o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	write_markers 1 100 on
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: on-' "$BATS_TEST_TMPDIR/t.txt")" -eq 100 ]
	grep -q 'sched_wakeup: ' "$BATS_TEST_TMPDIR/t.txt"
	grep -qx "remotectl: instances/$INST: events off again before the final drain" "$ERR"
	[ "$(grep -c 'tracing off again' "$ERR")" -eq 0 ]
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	[ "$(cat "$IDIR/events/sched/sched_wakeup/enable")" = 0 ]
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 0 ]
	[ "$(awk '/^entries:/ { n += $2 } END { print n + 0 }' "$IDIR"/per_cpu/cpu*/stats)" -eq 0 ]
}

@test "-d ends with complete output and restores tracing_on, events, buffer size" {
	prepare_settings
	start_record -v record -r "$INST" -e sched:sched_switch -b 256K -d 1.5 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	check_applied
	write_markers 0 100 dur
	wait_record
	[ "$RC" -eq 0 ]
	grep -qF "stopped by duration, $(auto_said)" "$ERR"
	[ "$(grep -c 'tracing_mark_write: dur-' "$BATS_TEST_TMPDIR/t.txt")" -eq 100 ]
	check_sorted_complete "$BATS_TEST_TMPDIR/t.txt"
	check_restored
	check_left_empty
}

@test "--max-size ends with whole lines within the size and restores everything" {
	prepare_settings
	start_record -v record -r "$INST" -e sched:sched_switch -b 256K --max-size 16K -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	write_markers 0 2000 big
	wait_record
	[ "$RC" -eq 0 ]
	grep -q "stopped by max size" "$ERR"
	local size
	size=$(stat -c %s "$BATS_TEST_TMPDIR/t.txt")
	[ "$size" -le 16384 ]
	[ "$size" -gt 15000 ]
	grep -q "output: [0-9]* events, $size bytes" "$ERR"
	check_sorted_complete "$BATS_TEST_TMPDIR/t.txt"
	check_restored
}

@test "a glob that matches nothing is found before -b or any other setting is changed" {
	prepare_settings
	run --separate-stderr "$RCTL" record -r "$INST" -b 256K -e sched:sched_switch -e no_such_xyz -d 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: instances/$INST: no event matches 'no_such_xyz'" ]
	check_restored
}

@test "fallback: where mmap is impossible, read() is used and -v says why; EOF of a backup ends" {
	# A read-only "backup" look-alike (no tracing_on) holding real sub-buffers from the
	# kernel: not on tracefs, so mapping is impossible; read() ends at EOF.
	local fix="$BATS_TEST_TMPDIR/backup"
	write_markers 0 3 saved
	mkdir -p "$fix/per_cpu/cpu0" "$fix/per_cpu/cpu1" "$fix/events/ftrace/print"
	dd if="$IDIR/per_cpu/cpu0/trace_pipe_raw" of="$fix/per_cpu/cpu0/trace_pipe_raw" bs=4096 count=1 iflag=nonblock status=none
	: > "$fix/per_cpu/cpu1/trace_pipe_raw"
	cp "$IDIR/events/header_page" "$IDIR/events/header_event" "$fix/events/"
	cp "$IDIR/events/ftrace/print/format" "$IDIR/events/ftrace/print/id" "$fix/events/ftrace/print/"
	echo '[local] global' > "$fix/trace_clock"
	run --separate-stderr timeout 10 "$RCTL" -v record -r "$fix" -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"$fix: transport read (mmap not possible: not on tracefs)"* ]]
	[[ "$stderr" == *"stopped by end of data, transport read (mmap not possible: not on tracefs)"* ]]
	[ "$(grep -c 'tracing_mark_write: saved-' "$BATS_TEST_TMPDIR/t.txt")" -eq 3 ]
	grep -q '^ *[^ ]*-[0-9]* *\[000\] .*print: *tracing_mark_write: saved-1$' "$BATS_TEST_TMPDIR/t.txt"
}

# deny RULE ERRNO ARGS...: remotectl ARGS with the calls of RULE refused (tests/tools).
deny() {
	local rule=$1 err=$2
	shift 2
	run --separate-stderr "$DENY" "$rule" "$err" "$RCTL" "$@"
	ERR="$BATS_TEST_TMPDIR/err"
	printf '%s\n' "$stderr" > "$ERR"
}

# Markers "$1-i" on every CPU, i = 1..$2, $3 of them written before the capture's fallback
# shows; the output must hold each once, in order per CPU.
check_markers() {
	local cpu c
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		c=$(printf '%03d' "$cpu")
		grep "\[$c\] .*tracing_mark_write: $1-$cpu-" "$BATS_TEST_TMPDIR/t.txt" |
			sed "s/.*tracing_mark_write: $1-$cpu-//" > "$BATS_TEST_TMPDIR/got"
		seq 1 "$2" | diff - "$BATS_TEST_TMPDIR/got"
		[ "$(summary_events "$cpu")" -eq "$2" ]
		[ "$(summary_lost "$cpu")" -eq 0 ]
	done
}

# write_each PREFIX N: N markers "PREFIX-CPU-i" from every CPU.
write_each() {
	local cpu
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_markers "$cpu" "$2" "$1-$cpu"
	done
}

@test "mmap of the data area refused: auto reads every CPU with read(), -v and the summary say why; --transport mmap is one line" {
	local why size
	require_mmap
	NCPU=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	why="mmap of $IDIR/per_cpu/cpu0/trace_pipe_raw data refused: Permission denied"
	write_each data 200
	deny mmap-offset EACCES -v record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	grep -qx "remotectl: instances/$INST: $why; falling back to read()" "$ERR"
	grep -qx "remotectl: instances/$INST: [0-9.]* s, stopped by duration, transport read ($why)" "$ERR"
	check_markers data 200
	# Forced: nothing else will do; exit 4 (refused), one line, -b undone, nothing taken.
	size=$(cat "$IDIR/buffer_size_kb")
	write_each more 3
	run --separate-stderr "$DENY" mmap-offset EACCES "$RCTL" record -r "$INST" \
		--transport mmap -b 64 -d 0.3 -o "$BATS_TEST_TMPDIR/t2.txt"
	[ "$status" -eq 4 ]
	[ "$stderr" = "remotectl: instances/$INST: $why" ]
	[ "$(cat "$IDIR/buffer_size_kb")" = "$size" ]
	run "$RCTL" record -r "$INST" -d 0.2 -o "$BATS_TEST_TMPDIR/t2.txt"
	[ "$(grep -c 'tracing_mark_write: more-' "$BATS_TEST_TMPDIR/t2.txt")" -eq $((3 * NCPU)) ]
}

@test "GET_READER refused: auto goes over to read() on every CPU, nothing lost or repeated; forced mmap ends in an error, restored" {
	local size cpu
	require_mmap
	NCPU=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	write_each get 150
	deny get-reader ENOTTY -v record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	grep -qx "remotectl: instances/$INST: transport mmap" "$ERR"
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		grep -qx "remotectl: instances/$INST: CPU $cpu: GET_READER refused (Inappropriate ioctl for device): going over to read()" "$ERR"
		grep -qE "^ +$cpu +150 .*  \(then read\(\): GET_READER refused\)$" "$ERR"
	done
	check_markers get 150
	# The same into trace.dat: both readers see every marker.
	write_each dat 20
	deny get-reader ENOTTY record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.dat"
	[ "$status" -eq 0 ]
	[ "$("$RCTL" report "$BATS_TEST_TMPDIR/t.dat" | grep -c 'tracing_mark_write: dat-')" -eq $((20 * NCPU)) ]
	[ "$(trace-cmd report "$BATS_TEST_TMPDIR/t.dat" 2>/dev/null | grep -c 'tracing_mark_write: dat-')" -eq $((20 * NCPU)) ]
	# Forced mmap: each CPU fails, the capture ends as an error and the instance is back.
	size=$(cat "$IDIR/buffer_size_kb")
	run --separate-stderr "$DENY" get-reader ENOTTY "$RCTL" record -r "$INST" \
		--transport mmap -b 64 -d 5 -o "$BATS_TEST_TMPDIR/t2.txt"
	[ "$status" -eq 1 ]
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		grep -qx "remotectl: instances/$INST: CPU $cpu: GET_READER: Inappropriate ioctl for device" <<< "$stderr"
	done
	grep -qx "remotectl: instances/$INST: [0-9.]* s, stopped by error, transport mmap" <<< "$stderr"
	[ "$(cat "$IDIR/buffer_size_kb")" = "$size" ]
}
