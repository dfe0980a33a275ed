#!/usr/bin/env bats
# Several targets in one capture on the 7.2 guest: remotes/test (a remote, read as text lines,
# stamped with the global clock) together with a tracefs instance (ring buffer, set to the
# remote's clock for the capture). One process alternates writes into both: the merged output
# holds each once, in the order written, which proves the clocks agree.

load guest/remote

INST=remotectl-targets
IDIR=$TRACEFS/instances/$INST

setup()
{
	remote_setup
	mkdir "$IDIR"
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
}

teardown()
{
	[ -z "${rpid:-}" ] || { kill -KILL "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; } || true
	[ -z "${wpid:-}" ] || { kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; } || true
	remote_teardown
	rmdir "$IDIR"
}

# alternate N: selftest id=i into the remote, then marker m-i into the instance, i = 1..N,
# from one shell through two open files.
alternate()
{
	bash -c "exec 3>$REMOTE/write_event 4>$IDIR/trace_marker
		for ((i = 1; i <= $1; i++)); do echo \$i >&3; echo m-\$i >&4; done"
}

# What the output must hold, in order: "test id=i" and " mix m-i" for i = 1..N.
expected()
{
	local i
	for ((i = 1; i <= $1; i++)); do
		printf 'test %d\n%s m-%d\n' "$i" "$INST" "$i"
	done
}

# The items of a text output in output order, as expected() writes them.
items()
{
	sed -nE -e 's/^ *test: .*selftest id=([0-9]+)$/test \1/p' \
		-e "s/^ *$INST: .*tracing_mark_write: (m-[0-9]+)\$/$INST \\1/p" "$1"
}

@test "remote and instance: every item once, in the order written, on the remote's clock" {
	local n=300 clock_before size_before
	clock_before=$(cat "$IDIR/trace_clock")
	size_before=$(cat "$REMOTE/buffer_size_kb")
	capture_start record -r test -e 'test:*' -b 64K -r "$INST" -e ftrace:print -o "$out"
	alternate "$n"
	capture_stop INT
	[ "$rc" -eq 0 ]
	expected "$n" >"$BATS_TEST_TMPDIR/want"
	items "$out" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# Nothing else: every line is one of the items.
	expect_eq "$(wc -l <"$out")" $((2 * n))
	grep -q '^remotectl: clock: global for every target$' "$err"
	grep -q "^remotectl: instances/$INST: trace_clock global for the capture (was local" "$err"
	# A block per target with its own counts, the remote's first.
	expect_eq "$(awk '$1 == "all" { print $2 }' "$err" | tr '\n' ' ')" "$n $n "
	grep -q "output: $((2 * n)) events" "$err"
	# Both put back: the instance's clock, the remote's tracing and buffer.
	expect_eq "$(cat "$IDIR/trace_clock")" "$clock_before"
	expect_eq "$(cat "$REMOTE/tracing_on")" 1
	expect_eq "$(cat "$REMOTE/buffer_size_kb")" "$size_before"
}

@test "remote and instance: stream prints what record prints; SIGTERM restores both" {
	local n=200 clock_before
	clock_before=$(cat "$IDIR/trace_clock")
	capture_start stream -r "$INST" -e ftrace:print -r test -e 'test:*'
	alternate "$n"
	capture_stop TERM
	[ "$rc" -eq 0 ]
	expected "$n" >"$BATS_TEST_TMPDIR/want"
	items "$out" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# The instance was named first: it prints first in the summary, its clock still follows
	# the remote's.
	grep -q '^remotectl: clock: global for every target$' "$err"
	expect_eq "$(cat "$IDIR/trace_clock")" "$clock_before"
	expect_eq "$(cat "$REMOTE/tracing_on")" 1
}

@test "remote and instance: losses stay exact per target" {
	local n=3000 captured_r captured_i lost_r lost_i
	# Small buffers, both readers stopped while the writer outruns them.
	capture_start record -r test -e 'test:*' -b 7K -r "$INST" -e ftrace:print -b 8K -o "$out"
	kill -STOP "$rpid" $(pgrep -P "$rpid")
	alternate "$n"
	kill -CONT "$rpid" $(pgrep -P "$rpid")
	capture_stop INT
	[ "$rc" -eq 0 ]
	captured_r=$(grep -c 'selftest id=' "$out")
	captured_i=$(grep -c 'tracing_mark_write: m-' "$out")
	lost_r=$(awk '$1 == "all" { print $4; exit }' "$err")
	lost_i=$(awk '$1 == "all" { n++; if (n == 2) { print $4; exit } }' "$err")
	echo "remote $captured_r + $lost_r, instance $captured_i + $lost_i" >&2
	[ "$lost_r" -gt 0 ]
	[ "$lost_i" -gt 0 ]
	expect_eq $((captured_r + lost_r)) "$n"
	expect_eq $((captured_i + lost_i)) "$n"
	# Each target's items that were kept are still in the order written, once.
	items "$out" | awk '$1 == "test" { if ($2 <= last) exit 1; last = $2 }'
	items "$out" | awk -v i="$INST" '$1 == i { sub("m-", "", $2); if ($2 + 0 <= last) exit 1; last = $2 + 0 }'
}

# items_dat FILE: the items of a trace.dat report: the remote's events re-encoded print as
# "selftest: id=N" after trace-cmd's columns.
items_dat()
{
	sed -nE -e 's/^ *test: .*selftest: +id=([0-9]+)$/test \1/p' \
		-e "s/^ *$INST: .*tracing_mark_write: (m-[0-9]+)\$/$INST \\1/p" "$1"
}

@test "remote and instance to trace.dat: a buffer each, merged alike by report and trace-cmd" {
	local n=300 f=$BATS_TEST_TMPDIR/x.dat
	capture_start record -r test -e 'test:*' -r "$INST" -e ftrace:print -o "$f"
	alternate "$n"
	capture_stop INT
	[ "$rc" -eq 0 ]
	expected "$n" >"$BATS_TEST_TMPDIR/want"
	remotectl report "$f" >"$f.rc"
	items_dat "$f.rc" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	expect_eq "$(wc -l <"$f.rc")" $((2 * n))
	expect_eq "$(remotectl report --stat "$f" | grep '^buffer: ' | tr '\n' ' ')" \
		"buffer: test (clock global) buffer: $INST (clock global) "
	# trace-cmd reads the remote's events under their new ids, merged the same way.
	trace-cmd report "$f" 2>/dev/null | grep -E ': (selftest|print): ' >"$f.tc"
	diff "$f.rc" "$f.tc"
}

# three_kinds TARGET_ARGS...: user_events_writer registers event $ev and, once the capture
# (remotectl record TARGET_ARGS) reads, writes N=$n rounds of selftest id=i (remotes/test),
# user event seq=i and marker m-i (the instance), i = 0..N-1, from one process.
three_kinds()
{
	local t=$BATS_TEST_TMPDIR
	user_events_writer -n "$ev" -c "$n" -r "$t/ready" -g "$t/go" -E "$REMOTE/write_event" \
		-M "$IDIR/trace_marker" >"$t/w.out" 2>"$t/w.err" &
	wpid=$!
	for _ in $(seq 200); do [ -e "$t/ready" ] && break; sleep 0.05; done
	capture_start record -r test -e 'test:*' -r "$INST" -e ftrace:print -e "user_events:$ev" "$@"
	touch "$t/go"
	wait "$wpid" || { cat "$t/w.err" >&2; return 1; }
	wpid=
	expect_eq "$(tail -n 1 "$t/w.out")" "written=$n enabled=$n refused=0"
	capture_stop INT
	[ "$rc" -eq 0 ]
	for ((i = 0; i < n; i++)); do
		printf 'test %d\n%s ue %d\n%s m-%d\n' "$i" "$INST" "$i" "$INST" "$i"
	done >"$t/want"
}

# items3 FILE: the three kinds of items of a text or trace.dat report, in output order.
items3()
{
	sed -nE -e 's/^ *test: .*selftest:? +id=([0-9]+)$/test \1/p' \
		-e "s/^ *$INST: .* $ev: +seq=0x[0-9a-f]+ \\(([0-9]+)\\) .*/$INST ue \\1/p" \
		-e "s/^ *$INST: .*tracing_mark_write: (m-[0-9]+)\$/$INST \\1/p" "$1"
}

@test "remote, instance and a user event: one process's items merged in the order written" {
	local n=150 ev=rctl_tg_$$
	three_kinds -o "$out"
	items3 "$out" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	expect_eq "$(wc -l <"$out")" $((3 * n))
}

@test "remote, instance and a user event to trace.dat: report and trace-cmd merge them alike" {
	local n=150 ev=rctl_tg_$$ f=$BATS_TEST_TMPDIR/x.dat
	three_kinds -o "$f"
	remotectl report "$f" >"$f.rc"
	items3 "$f.rc" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# trace-cmd prints the user event by the print fmt the kernel generated for it (not as
	# the kernel's trace file does): the same items in the same order, told by their time.
	trace-cmd report "$f" 2>/dev/null | grep -E ': (selftest|print|'"$ev"'): ' >"$f.tc"
	expect_eq "$(wc -l <"$f.tc")" $((3 * n))
	diff <(sed -E 's/: (selftest|print|'"$ev"'): .*//' "$f.rc") \
		<(sed -E 's/: (selftest|print|'"$ev"'): .*//' "$f.tc")
}
