#!/usr/bin/env bats
# remotectl record on the real kernel: loss accounting, every way to stop, restoring the
# instance, and the read() fallback.
load helpers
load record_helpers

setup() {
	make_instance
}

teardown() {
	kill_record
	remove_instance
}

# A writer outruns a stopped reader on a small buffer (-b $2, KiB): captured + lost == written.
loss_check() {
	local n=5000 captured lost
	start_record -v record -r "$INST" --transport "$1" -b "${2:-8}" -o "$BATS_TEST_TMPDIR/trace.txt"
	wait_capturing
	kill -STOP "$(capture_pid)"
	write_markers 0 "$n" lost
	kill -CONT "$(capture_pid)"
	sleep 0.5
	stop_record INT
	[ "$RC" -eq 0 ]
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

@test "loss accounting via mmap: captured + reported lost == written, shown in place" {
	loss_check mmap
}

@test "loss accounting via read(): captured + reported lost == written, shown in place" {
	loss_check read
}

@test "loss accounting via read() with splice() batches: the same, losses flagged in the batches" {
	loss_check read 64
	cat "$ERR" >&2
	grep -Eq '^ +0 +[0-9]+ +[0-9]+ +[1-9][0-9]*  \([1-9][0-9]* of [0-9]+ sub-buffers spliced\)$' "$ERR"
}

# Settings before: tracing off, sched_switch off, the default size. record changes all three.
prepare_settings() {
	echo 0 > "$IDIR/tracing_on"
	SIZE0=$(cat "$IDIR/buffer_size_kb")
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 0 ]
	[ "$SIZE0" -gt 300 ]
}

check_applied() {
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 1 ]
	# The kernel rounds up to whole pages plus its bookkeeping (256 -> 258 here).
	local kib
	kib=$(cat "$IDIR/buffer_size_kb")
	[ "$kib" -ge 256 ] && [ "$kib" -lt 300 ]
}

check_restored() {
	[ "$(cat "$IDIR/tracing_on")" = 0 ]
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = 0 ]
	[ "$(cat "$IDIR/buffer_size_kb")" = "$SIZE0" ]
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
	grep -q "stopped by SIG$1, transport mmap" "$ERR"
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

@test "-d ends with complete output and restores tracing_on, events, buffer size" {
	prepare_settings
	start_record -v record -r "$INST" -e sched:sched_switch -b 256K -d 1.5 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	check_applied
	write_markers 0 100 dur
	RC=0
	wait "$RPID" || RC=$?
	[ "$RC" -eq 0 ]
	grep -q "stopped by duration, transport mmap" "$ERR"
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
	RC=0
	wait "$RPID" || RC=$?
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
