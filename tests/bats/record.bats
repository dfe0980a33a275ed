#!/usr/bin/env bats
# remotectl record/stream on the real kernel: marker injection through mmap and read().
load helpers
load record_helpers

setup() {
	make_instance
	NCPU=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	N=2000
}

teardown() {
	# Writers a failed test left running, before their instance goes.
	local p
	for p in ${WPIDS:-}; do
		pkill -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	kill_record
	remove_instance
	[ -z "${SHM_DIR:-}" ] || rm -rf "$SHM_DIR"
}

# Markers and raw markers on every CPU while recording with transport $1 (and options $2...).
inject_and_check() {
	local cpu i
	start_record -v record -r "$INST" --transport "$1" -b 4M -o "$BATS_TEST_TMPDIR/trace.txt" \
		"${@:2}"
	wait_capturing
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_markers "$cpu" "$N" "cpu$cpu" &
		write_raw "$cpu" "$N" $((cpu * 100000)) &
	done
	wait $(jobs -p | grep -v "^$RPID\$") 2>/dev/null || true
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	local f="$BATS_TEST_TMPDIR/trace.txt"
	grep -q "transport $1" "$ERR"
	[ "$(grep -c 'LOST' "$f")" -eq 0 ]
	check_sorted_complete "$f"
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		c=$(printf '%03d' "$cpu")
		# Each text marker exactly once, on its CPU, in the order written.
		grep -o "\[$c\] .*tracing_mark_write: cpu$cpu-[0-9]*\$" "$f" | sed 's/.*-//' > "$BATS_TEST_TMPDIR/seq"
		seq 1 "$N" | diff - "$BATS_TEST_TMPDIR/seq"
		# Each raw marker exactly once, in order.
		raw_ids "$f" "$cpu" > "$BATS_TEST_TMPDIR/raw"
		seq $((cpu * 100000 + 1)) $((cpu * 100000 + N)) | diff - "$BATS_TEST_TMPDIR/raw"
		[ "$(summary_events "$cpu")" -eq $((2 * N)) ]
		[ "$(summary_lost "$cpu")" -eq 0 ]
	done
}

@test "record via mmap: every marker exactly once, per-CPU order kept, output sorted" {
	require_mmap
	inject_and_check mmap
}

@test "record via read(): every marker exactly once, per-CPU order kept, output sorted" {
	inject_and_check read
}

@test "record --jobs 3: the text made on three threads, every marker exactly once, in order" {
	inject_and_check read --jobs 3
	grep -q "lines made by the fast path on 3 jobs" "$ERR"
}

@test "record: the default transport is mmap, or read() with the reason where the kernel cannot map" {
	run --separate-stderr "$RCTL" -v record -r "$INST" -d 0.2 -o /dev/null
	[ "$status" -eq 0 ]
	if kernel_maps_buffer; then
		grep -qx "remotectl: instances/$INST: transport mmap" <<< "$stderr"
		[[ "$stderr" == *", stopped by duration, transport mmap"$'\n'* ]]
	else
		grep -qx "remotectl: instances/$INST: transport read ($NO_MMAP_WHY)" <<< "$stderr"
		[[ "$stderr" == *", stopped by duration, transport read ($NO_MMAP_WHY)"$'\n'* ]]
	fi
}

@test "record --transport read: the summary names the transport, with no fallback reason" {
	run --separate-stderr "$RCTL" record -r "$INST" --transport read -d 0.2 -o /dev/null
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"stopped by duration, transport read"$'\n'* ]]
}

@test "record --transport text on an instance: refused before anything is changed" {
	echo 1 > "$IDIR/tracing_on"
	echo hello > "$IDIR/trace_marker"
	run "$RCTL" record -r "$INST" --transport text -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 2 ]
	[ "$output" = "remotectl: instances/$INST has trace_pipe_raw: --transport text is for remotes (auto, mmap or read here)" ]
	# not cleared, as a remote's capture would have
	[ "$(grep -c 'hello' "$IDIR/trace")" -eq 1 ]
	[ ! -e "$BATS_TEST_TMPDIR/t.txt" ]
}

@test "record -q prints no summary" {
	run --separate-stderr "$RCTL" -q record -r "$INST" -d 0.2 -o /dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "record: usage errors are exit 2 with one line" {
	run --separate-stderr "$RCTL" record -r "$INST" --transport carrier-pigeon
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid transport 'carrier-pigeon' (auto, mmap, read, text)" ]
	run --separate-stderr "$RCTL" record -r "$INST" -d -1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid duration '-1' (seconds, > 0)" ]
	run --separate-stderr "$RCTL" record -r "$INST" --cpu 4096
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: instances/$INST has no CPU 4096" ]
	run --separate-stderr "$RCTL" record -r "$INST" -e no_such_event_xyz -d 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: instances/$INST: no event matches 'no_such_event_xyz'" ]
	run --separate-stderr "$RCTL" record -r "$INST" --format xml -d 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid format 'xml' (text, dat)" ]
	run --separate-stderr "$RCTL" record -r "$INST" --jobs x -d 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: bad --jobs 'x' (0 to 1024)" ]
	run --separate-stderr "$RCTL" record -r "$INST" --jobs 2 -o "$BATS_TEST_TMPDIR/x.dat" -d 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: --jobs applies to text output (--format text)" ]
	[ ! -e "$BATS_TEST_TMPDIR/x.dat" ]
}

@test "record --cpu captures only the CPUs listed" {
	[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs"
	start_record -v record -r "$INST" --cpu 1 -o "$BATS_TEST_TMPDIR/trace.txt"
	wait_capturing
	write_markers 0 10 zero
	write_markers 1 10 one
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: one-' "$BATS_TEST_TMPDIR/trace.txt")" -eq 10 ]
	[ "$(grep -c 'tracing_mark_write: zero-' "$BATS_TEST_TMPDIR/trace.txt")" -eq 0 ]
	# CPU 0's markers are still in its buffer.
	[ "$(grep -c 'zero-' "$IDIR/per_cpu/cpu0/trace")" -eq 10 ]
}

# Five markers written on CPU 0 show in the running stream's $OUT within 2 s.
markers_show_live() {
	write_markers 0 5 live
	for _ in $(seq 1 40); do
		[ "$(grep -c 'tracing_mark_write: live-' "$OUT")" -eq 5 ] && break
		sleep 0.05
	done
	[ "$(grep -c 'tracing_mark_write: live-' "$OUT")" -eq 5 ]
}

@test "stream prints live merged text and ends cleanly on SIGINT" {
	start_record -v stream -r "$INST"
	wait_capturing
	# Live: the lines appear while the stream runs.
	markers_show_live
	stop_record INT
	[ "$RC" -eq 0 ]
	check_sorted_complete "$OUT"
	# Five lines are no burst: the text never waited.
	[ "$(grep -c 'held back in bursts' "$ERR")" -eq 0 ]
}

@test "stream --jobs 3: the text made on three threads as the capture runs; every marker once, in order" {
	local cpu
	start_record -v stream -r "$INST" --jobs 3
	wait_capturing
	markers_show_live
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_raw "$cpu" "$N" $((cpu * 100000)) &
	done
	wait $(jobs -p | grep -v "^$RPID\$") 2>/dev/null || true
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		[ "$(summary_lost "$cpu")" -eq 0 ]
		raw_ids "$OUT" "$cpu" > "$BATS_TEST_TMPDIR/ids"
		seq $((cpu * 100000 + 1)) $((cpu * 100000 + N)) | diff - "$BATS_TEST_TMPDIR/ids"
	done
	check_sorted_complete "$OUT"
	grep -q "lines made by the fast path on 3 jobs" "$ERR"
}

# cpu_kept_all CPU BASE N: the summary has CPU with N events and none lost, and $OUT its raw
# markers BASE+1..BASE+N, each once and in order.
cpu_kept_all() {
	[ "$(summary_lost "$1")" -eq 0 ]
	[ "$(summary_events "$1")" -eq "$3" ]
	raw_ids "$OUT" "$1" > "$BATS_TEST_TMPDIR/ids"
	seq $(($2 + 1)) $(($2 + $3)) | diff - "$BATS_TEST_TMPDIR/ids"
}

# The kernel's count of events read from the instance's buffers so far.
read_events() {
	awk '/^read events:/ { n += $3 } END { print n + 0 }' "$IDIR"/per_cpu/cpu*/stats
}

@test "stream: in a burst the text waits for the readers, then catches up; every event once, in order" {
	local cpu mid_read mid_shown
	WPIDS=
	# 256 KiB per CPU: a writer filling it within 0.25 s (about 33000 markers/s) is a burst.
	echo 256 > "$IDIR/buffer_size_kb"
	start_record -v stream -r "$INST"
	wait_capturing
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_raw_for "$cpu" 3 $((cpu * 1000000)) > "$BATS_TEST_TMPDIR/n$cpu" &
		WPIDS+=" $!"
	done
	# While they write (python starts slowly in an emulated guest): the readers took what
	# was written, the text holds back most of it.
	for _ in $(seq 1 40); do
		mid_read=$(read_events)
		[ "$mid_read" -gt 20000 ] && break
		sleep 0.05
	done
	sleep 0.3
	mid_read=$(read_events)
	mid_shown=$(grep -c 'raw_data: ' "$OUT" || true)
	echo "half way: read $mid_read, shown $mid_shown" >&2
	[ "$mid_read" -gt 20000 ]
	[ $((mid_shown * 4)) -lt "$mid_read" ]
	wait $WPIDS
	WPIDS=
	sleep 1
	stop_record INT
	[ "$RC" -eq 0 ]
	# Then everything: each CPU's markers once, in order, nothing lost.
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		cpu_kept_all "$cpu" $((cpu * 1000000)) "$(cat "$BATS_TEST_TMPDIR/n$cpu")"
	done
	[ "$(grep -c '\[LOST' "$OUT")" -eq 0 ]
	check_sorted_complete "$OUT"
	grep -Eq '^  output: [0-9]+ events, [0-9]+ bytes to stdout, formatted in [0-9.]+ s after the capture, held back in bursts for [0-9.]+ s$' "$ERR"
	! grep -q 'held back in bursts for 0.00 s' "$ERR"
}

# stream -v ARGS... with its output going to a reader that starts reading only after 2 s:
# meanwhile the text cannot be written, and N raw markers (32 bytes each in the ring buffer)
# go to every CPU's buffer of KIB KiB. Then SIGINT; the text in $OUT, the exit status in RC.
stream_stalled_output() {
	local cpu fifo="$BATS_TEST_TMPDIR/fifo" reader
	echo "$KIB" > "$IDIR/buffer_size_kb"
	mkfifo "$fifo"
	ERR="$BATS_TEST_TMPDIR/err"
	OUT="$BATS_TEST_TMPDIR/out"
	: > "$ERR"	# not a last capture's "capturing" line (see start_record)
	(sleep 2; cat) < "$fifo" > "$OUT" &
	reader=$!
	"$RCTL" -v stream -r "$INST" "$@" > "$fifo" 2> "$ERR" &
	RPID=$!
	wait_capturing
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_raw "$cpu" "$N" $((cpu * 100000)) &
	done
	wait $(jobs -p | grep -vx -e "$RPID" -e "$reader")
	# The reader has started and taken everything written so far.
	sleep 2.5
	stop_record INT
	wait "$reader"
}

@test "stream: readers spool while the text cannot be written; every event once, in order" {
	# A fifth more than the buffer holds: a stream whose readers waited for the text would lose.
	N=80000 KIB=2048
	stream_stalled_output
	[ "$RC" -eq 0 ] || { cat "$ERR"; false; }
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		cpu_kept_all "$cpu" $((cpu * 100000)) "$N"
	done
	[ "$(grep -c '\[LOST' "$OUT")" -eq 0 ]
	check_sorted_complete "$OUT"
	grep -q "^  output: $((NCPU * N)) events, [0-9]* bytes to stdout, formatted in " "$ERR"
}

@test "stream -v: a reader that says something while the text cannot be written goes on reading" {
	# The reader's message: going over from mmap to read().
	require_mmap
	[ "$NCPU" -ge 2 ] || skip "needs two CPUs"
	local fifo="$BATS_TEST_TMPDIR/fifo" reader
	echo 2048 > "$IDIR/buffer_size_kb"
	mkfifo "$fifo"
	ERR="$BATS_TEST_TMPDIR/err"
	OUT="$BATS_TEST_TMPDIR/out"
	: > "$ERR"
	(sleep 4; cat) < "$fifo" > "$OUT" &
	reader=$!
	"$RCTL" -v stream -r "$INST" > "$fifo" 2> "$ERR" &
	RPID=$!
	wait_capturing
	# CPU 0's 2000 lines (~240 KB) fill the pipe: from here the text waits in write().
	write_raw 0 2000 0
	sleep 1
	# Meanwhile CPU 1's reader says that it goes over to read() (127 markers a sub-buffer),
	# and 80000 markers are more than its 2 MiB buffer holds: a reader held up by its message
	# (it waited for stdout's lock to flush it) lost some 12,700 of them.
	write_raw 1 80000 100000
	sleep 3
	stop_record INT
	wait "$reader"
	[ "$RC" -eq 0 ] || { cat "$ERR"; false; }
	grep -Eqx "remotectl: instances/$INST: CPU 1: [0-9]+ events per sub-buffer: going over to read\(\) \(GET_READER steps over every event\)" "$ERR"
	cpu_kept_all 0 0 2000
	cpu_kept_all 1 100000 80000
	check_sorted_complete "$OUT"
}

@test "stream --spool-size: what the text is too far behind for is dropped, counted and shown as lost" {
	# All of it fits in the buffer: the kernel loses nothing, whatever the readers' speed.
	N=20000 KIB=4096
	stream_stalled_output --spool-size 64K --fail-on-loss
	[ "$RC" -eq 6 ]
	local captured=0 shown lagged lost_lines
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		[ "$(summary_lost "$cpu")" -eq 0 ]
		captured=$((captured + $(summary_events "$cpu")))
		# What is shown of a CPU is in order, none twice.
		raw_ids "$OUT" "$cpu" > "$BATS_TEST_TMPDIR/ids"
		sort -n -c "$BATS_TEST_TMPDIR/ids"
		[ -z "$(uniq -d "$BATS_TEST_TMPDIR/ids")" ]
	done
	[ "$captured" -eq $((NCPU * N)) ]
	lagged=$(sed -n 's/^  \([0-9]*\) events captured but not shown: the text fell more than --spool-size behind (loss lines mark where)$/\1/p' "$ERR")
	[ "$lagged" -gt 0 ]
	shown=$(grep -c 'raw_data: ' "$OUT")
	[ $((shown + lagged)) -eq "$captured" ]
	lost_lines=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$OUT" | awk '{ n += $1 } END { print n + 0 }')
	[ "$lost_lines" -eq "$lagged" ]
	grep -qx "remotectl: instances/$INST: $lagged events not shown, the text too far behind (--fail-on-loss)" "$ERR"
	check_sorted_complete "$OUT"
}

@test "stream ends as a clean stop when its reader goes away (| head), also with no event after" {
	local ev="$IDIR/events/sched/sched_process_exec/enable"
	[ "$(cat "$ev")" = 0 ]
	write_markers 0 3 early
	# head takes two lines and exits; no event comes after: the closed pipe alone ends it.
	run --separate-stderr bash -c "timeout 10 '$RCTL' stream -r '$INST' -e sched:sched_process_exec | head -n 2; echo \"rc=\${PIPESTATUS[0]}\""
	[ "$status" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: early-[12]$' <<< "$output")" -eq 2 ]
	[ "$(tail -n 1 <<< "$output")" = "rc=0" ]
	grep -q "^remotectl: instances/$INST: [0-9.]* s, stopped by output closed, transport " <<< "$stderr"
	[ "$(grep -c 'cannot write' <<< "$stderr")" -eq 0 ]
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	[ "$(cat "$ev")" = 0 ]
	# A writer still busy after head is gone: the next write finds the pipe closed.
	(for i in $(seq 1 100); do echo "late-$i"; sleep 0.05; done > "$IDIR/trace_marker") &
	local w=$!
	run --separate-stderr bash -c "timeout 10 '$RCTL' stream -r '$INST' | head -n 1; echo \"rc=\${PIPESTATUS[0]}\""
	kill "$w" 2>/dev/null || true
	wait "$w" || true
	[ "$(tail -n 1 <<< "$output")" = "rc=0" ]
	grep -q ", stopped by output closed, " <<< "$stderr"
}

@test "record shows a progress line only while stderr is a terminal" {
	command -v script > /dev/null || skip "script(1) is not installed"
	run --separate-stderr "$RCTL" record -r "$INST" -d 1.3 -o /dev/null
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"events/s"* ]]
	run script -qec "'$RCTL' record -r '$INST' -d 1.3 -o /dev/null" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\r\033[K1 s  '*" events/s  "*" MB  0 lost"* ]]
	# The time taken: an emulated guest (tests/vm) may overshoot -d by some milliseconds.
	[[ "$output" == *$'\r\033[K'"remotectl: instances/$INST: 1.3"[0-9]" s, stopped by duration"* ]]
}

# write_raw_big CPU N: N trace_marker_raw writes with ids 1..N and 1 KiB each.
write_raw_big() {
	taskset -c "$1" python3 -c '
import os, struct, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for i in range(1, int(sys.argv[2]) + 1):
    os.write(fd, struct.pack("<I", i) + bytes(1020))
' "$IDIR/trace_marker_raw" "$2"
}

# Record small text markers on CPU 0 and 1 KiB raw markers on CPU 1 with transport $1.
# record_small_and_big TRANSPORT [txt|dat]: trace.dat read back with report.
record_small_and_big() {
	local f="$BATS_TEST_TMPDIR/t.txt" out="$BATS_TEST_TMPDIR/t.${2:-txt}"
	start_record -v record -r "$INST" --transport "$1" -b 4M -o "$out"
	wait_capturing
	write_markers 0 20000 s
	write_raw_big 1 3000
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$out" = "$f" ] || "$RCTL" report "$out" > "$f"
	grep -o '\[000\] .*tracing_mark_write: s-[0-9]*$' "$f" | sed 's/.*-//' > "$BATS_TEST_TMPDIR/seq"
	seq 1 20000 | diff - "$BATS_TEST_TMPDIR/seq"
	raw_ids "$f" 1 > "$BATS_TEST_TMPDIR/raw"
	seq 1 3000 | diff - "$BATS_TEST_TMPDIR/raw"
	[ "$(summary_events 0)" -eq 20000 ]
	[ "$(summary_events 1)" -eq 3000 ]
	[ "$(summary_lost 0)" -eq 0 ]
	[ "$(summary_lost 1)" -eq 0 ]
}

@test "auto: small events go over from mmap to read(), nothing lost or repeated; large stay mmap" {
	# Without the mapping auto reads with read() from the start (the default transport test).
	require_mmap
	[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs"
	record_small_and_big auto
	# ~32-byte events: over 100 per sub-buffer; 1 KiB ones: 3.
	[ "$(grep -c 'going over to read()' "$ERR")" -eq 1 ]
	local why="going over to read\(\) \(GET_READER steps over every event\)"
	grep -Eqx "remotectl: instances/$INST: CPU 0: [0-9]{3} events per sub-buffer: $why" "$ERR"
	grep -Eq "^ +0 +20000 .*  \(then read\(\): [0-9]{3} events per sub-buffer\)$" "$ERR"
	grep -Eq '^ +1 +3000 +[0-9]+ +0$' "$ERR"
	grep -q "stopped by SIGINT, transport mmap$" "$ERR"
}

@test "auto to trace.dat: read() copies go straight to the file, nothing lost or repeated" {
	require_mmap
	[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs"
	record_small_and_big auto dat
	[ "$(grep -c 'going over to read()' "$ERR")" -eq 1 ]
	grep -Eq "^ +0 +20000 .*  \(then read\(\): [0-9]{3} events per sub-buffer\)$" "$ERR"
}

# A backlog of N raw markers on every CPU, then record --transport read -v -d 1 -o out.$1
# (or -o $2).
record_backlog() {
	local cpu
	echo 4096 > "$IDIR/buffer_size_kb"
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		write_raw "$cpu" "$N" $((cpu * 100000))
	done
	OUTF="${2:-$BATS_TEST_TMPDIR/out.$1}"
	run "$RCTL" -v record -r "$INST" --transport read -d 1 -o "$OUTF"
	[ "$status" -eq 0 ]
	ERR="$BATS_TEST_TMPDIR/err"
	echo "$output" > "$ERR"
}

# Every CPU's raw markers of record_backlog once, in order, in the text of $1, and in the
# summary.
check_backlog() {
	local cpu
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		raw_ids "$1" "$cpu" > "$BATS_TEST_TMPDIR/raw"
		seq $((cpu * 100000 + 1)) $((cpu * 100000 + N)) | diff - "$BATS_TEST_TMPDIR/raw"
		[ "$(summary_events "$cpu")" -eq "$N" ]
		[ "$(summary_lost "$cpu")" -eq 0 ]
	done
}

# The backlog came many sub-buffers per readv(), and whole: on every CPU exactly as many as its
# markers fill (4080 bytes of events per 4 KiB sub-buffer; a marker's size, from the bytes the
# summary counts, is 32 bytes on 6.18 and 36 on Debian's 6.1), in under half as many calls. One call per
# sub-buffer would be 158 or more and the idle looks (~20 in the second); doubling from one
# while they come full, up to 64, takes 8 for the backlog.
check_batched() {
	local cpu subbufs calls size per
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		read -r subbufs calls < <(sed -En "s/^remotectl: instances\/$INST: CPU $cpu: \
([0-9]+) sub-buffers in ([0-9]+) calls\$/\1 \2/p" "$ERR")
		size=$(($(awk -v c="$cpu" '$1 == c && NF >= 4 { print $3; exit }' "$ERR") / N))
		per=$((4080 / size))
		[ "$subbufs" -eq $(((N + per - 1) / per)) ]
		[ $((calls * 2)) -lt "$subbufs" ]
	done
}

@test "read(): a backlog, every marker once and in order (text)" {
	N=20000
	record_backlog txt
	check_backlog "$OUTF"
	check_batched
}

@test "read(): a backlog read in runs of sub-buffers straight into trace.dat chunks; trace-cmd agrees" {
	N=20000
	record_backlog dat
	check_batched
	"$RCTL" report "$OUTF" > "$BATS_TEST_TMPDIR/report.txt"
	check_backlog "$BATS_TEST_TMPDIR/report.txt"
	trace-cmd report "$OUTF" 2>/dev/null | sed -n 's/^ *//; /raw_data/p' |
		sed -E 's/^(.*) \[([0-9]*)\] .*raw_data: *(# |id:)([0-9a-f]*) .*/\2 \4/' > "$BATS_TEST_TMPDIR/tc"
	grep 'raw_data' "$BATS_TEST_TMPDIR/report.txt" |
		sed -E 's/^.* \[([0-9]*)\] .*raw_data: *(# |id:)([0-9a-f]*) .*/\1 \3/' > "$BATS_TEST_TMPDIR/rc"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/tc")" -eq $((NCPU * N)) ]
	diff "$BATS_TEST_TMPDIR/rc" "$BATS_TEST_TMPDIR/tc"
}

# The -v line of record's text file $1: "X of Y bytes written around the page cache".
direct_said() {
	sed -En "s|^remotectl: $1: ([0-9]+) of ([0-9]+) bytes written around the page cache \(O_DIRECT\)\$|\1 \2|p" "$ERR"
}

@test "record's text goes to a local disk around the page cache (O_DIRECT), to tmpfs through it; every marker once either way" {
	N=50000
	case "$(stat -f -c %T "$BATS_TEST_TMPDIR")" in
	ext2/ext3|xfs|btrfs|f2fs) ;;
	*) skip "$BATS_TEST_TMPDIR is not on a local disk file system" ;;
	esac
	record_backlog txt
	check_backlog "$OUTF"
	size=$(stat -c %s "$OUTF")
	# Every whole 8 MiB of stdio's buffer went with O_DIRECT, and of the last part its whole
	# 4 KiB blocks; the rest (under a block) through the cache.
	[ "$size" -gt $((8 << 20)) ]
	[ "$(direct_said "$OUTF")" = "$((size - size % 4096)) $size" ]
	# tmpfs: no O_DIRECT, the same lines.
	SHM_DIR=$(mktemp -d /dev/shm/remotectl-test-XXXXXX)
	record_backlog txt "$SHM_DIR/out.txt"
	check_backlog "$SHM_DIR/out.txt"
	size=$(stat -c %s "$SHM_DIR/out.txt")
	[ "$(direct_said "$SHM_DIR/out.txt")" = "0 $size" ]
}

# 1 M raw markers of 256 bytes (291 MB in the ring buffer) on CPU 0 as fast as it goes while
# record's text captures; with $1 = trickle, a marker every 20 ms on CPU 1 meanwhile. $output:
# the exit status and the peak RSS in KiB.
record_one_busy_cpu() {
	run python3 - "$RCTL" "$INST" "$IDIR" "$BATS_TEST_TMPDIR" "$BATS_TEST_DIRNAME/../../build/tools/bench_load" "$1" <<'EOF'
import resource, signal, subprocess, sys, time
rctl, inst, idir, tmp, load, mode = sys.argv[1:7]
with open(tmp + "/err", "w+") as err:
    p = subprocess.Popen([rctl, "-v", "record", "-r", inst, "-o", "/dev/null"], stderr=err)
    for _ in range(200):
        if ": capturing\n" in open(tmp + "/err").read():
            break
        time.sleep(0.05)
    t = None
    if mode == "trickle":
        t = subprocess.Popen(["taskset", "-c", "1", "sh", "-c",
                              "while :; do echo t > " + idir + "/trace_marker; sleep 0.02; done"])
    subprocess.run(["taskset", "-c", "0", load, "raw", "1000000", "256",
                    idir + "/trace_marker_raw"], check=True, stdout=subprocess.DEVNULL)
    if t:
        t.kill()
        t.wait()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    print(p.wait(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
	cat "$BATS_TEST_TMPDIR/err" >&2
	echo "$1: exit status and peak RSS (KiB): $output" >&2
	[ "$status" -eq 0 ]
	[ "${output% *}" -eq 0 ]
	grep -q ': capturing$' "$BATS_TEST_TMPDIR/err"
}

@test "record's text: an idle CPU holds the busy one's events back only briefly (peak memory)" {
	[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs"
	build build/tools/bench_load
	echo 4096 > "$IDIR/buffer_size_kb"
	# CPU 1 idle: its reader resting 200 ms kept 115-200 MB of CPU 0's markers in the merge
	# (how many are lost does not matter here).
	record_one_busy_cpu idle
	[ "${output#* }" -lt 90000 ]
	# A marker on CPU 1 now and then: its reader rested 200 ms too, having had data, and held
	# 2 M getpid events. Now 65-98 MB here (12 runs, 2026-12-06): the replay's merge holds
	# CPU 0's events up to CPU 1's next caught-up mark, and how long CPU 1 rested when the
	# burst began varies from run to run.
	record_one_busy_cpu trickle
	[ "${output#* }" -lt 110000 ]
}

@test "--transport mmap stays on mmap whatever the event size" {
	require_mmap
	[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs"
	record_small_and_big mmap
	[ "$(grep -c -e 'going over' -e 'then read()' "$ERR")" -eq 0 ]
}

@test "record -v says how many events were in the buffer before it started, and captures them" {
	write_markers 0 3 before
	write_markers 1 2 before
	run --separate-stderr "$RCTL" -v record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"remotectl: instances/$INST: 5 events were in the buffer before the capture: they are captured too"$'\n'* ]]
	[ "$(grep -c 'tracing_mark_write: before-' "$BATS_TEST_TMPDIR/t.txt")" -eq 5 ]
	run --separate-stderr "$RCTL" -v record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"were in the buffer before"* ]]
}

@test "record --clear empties the buffer first: only events written during the capture" {
	write_markers 0 3 before
	start_record -v record -r "$INST" --clear -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	write_markers 1 4 during
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -qx "remotectl: instances/$INST: buffer cleared (--clear)" "$ERR"
	[ "$(grep -c 'were in the buffer before' "$ERR")" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: before-' "$BATS_TEST_TMPDIR/t.txt")" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: during-' "$BATS_TEST_TMPDIR/t.txt")" -eq 4 ]
}

# threads_where N MATCH REST: wait until N of the capture's threads match the awk condition MATCH
# on their stat line (fields 19 nice, 40 rt_priority, 41 policy; comm "remotectl" has no
# spaces). MATCHED: how many do; REST: how many match the condition REST.
threads_where() {
	local i p
	for i in $(seq 1 40); do
		p=$(capture_pid)
		MATCHED=$(awk "$2" /proc/"$p"/task/*/stat | wc -l)
		REST=$(awk "$3" /proc/"$p"/task/*/stat | wc -l)
		[ "$MATCHED" -ge "$1" ] && return 0
		sleep 0.05
	done
}

# bad_values OPTION MESSAGE VALUE...: each VALUE of OPTION is exit 2 with the one line MESSAGE
# (%s: the value) for record, and exit 2 for stream.
bad_values() {
	local opt=$1 msg=$2 v
	shift 2
	for v in "$@"; do
		run --separate-stderr "$RCTL" record -r "$INST" -d 0.1 "$opt" "$v"
		[ "$status" -eq 2 ]
		# shellcheck disable=SC2059
		[ "$stderr" = "remotectl: $(printf "$msg" "$v")" ]
		run --separate-stderr "$RCTL" stream -r "$INST" "$opt" "$v"
		[ "$status" -eq 2 ]
	done
}

# fifo_threads N PRIO: threads_where for SCHED_FIFO PRIO; REST: threads not SCHED_OTHER 0.
fifo_threads() {
	threads_where "$1" "\$41 == 1 && \$40 == $2" "!(\$41 == 1 && \$40 == $2) && !(\$41 == 0 && \$40 == 0)"
}

@test "--rt-priority runs each CPU's reader at SCHED_FIFO N and nothing else; refused: a warning; default: the default slice" {
	local ncpu
	ncpu=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	start_record -v record -r "$INST" --rt-priority 7 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	fifo_threads "$ncpu" 7
	[ "$MATCHED" -eq "$ncpu" ]
	[ "$REST" -eq 0 ]
	write_markers 0 5 rt
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -qx "remotectl: readers at SCHED_FIFO 7" "$ERR"
	[ "$(grep -c 'tracing_mark_write: rt-' "$BATS_TEST_TMPDIR/t.txt")" -eq 5 ]

	# stream has record's readers; its main thread, which makes the text, stays SCHED_OTHER.
	start_record -v stream -r "$INST" --rt-priority 9
	wait_capturing
	fifo_threads "$ncpu" 9
	[ "$MATCHED" -eq "$ncpu" ]
	[ "$REST" -eq 0 ]
	[ "$(awk '{ print $41 ":" $40 }' /proc/"$(capture_pid)"/stat)" = "0:0" ]
	stop_record INT
	[ "$RC" -eq 0 ]

	# Without the option nothing runs at a real-time priority, and no thread asks for a
	# custom slice (Linux 6.12+, shown with SCHED_DEBUG): every one has the main thread's.
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	sleep 0.3
	local cpid
	cpid=$(capture_pid)
	[ "$(awk '$41 != 0 || $40 != 0' /proc/"$cpid"/task/*/stat | wc -l)" -eq 0 ]
	if grep -q '^se.slice' /proc/self/sched 2>/dev/null; then
		local main_slice
		main_slice=$(grep -h '^se.slice' /proc/"$cpid"/sched | awk '{ print $3 }')
		[ "$(grep -h '^se.slice' /proc/"$cpid"/task/*/sched | awk -v s="$main_slice" '$3 != s' | wc -l)" -eq 0 ]
	fi
	stop_record INT
	[ "$RC" -eq 0 ]

	# Without CAP_SYS_NICE the kernel refuses: said once, and the capture goes on.
	run --separate-stderr setpriv --bounding-set=-sys_nice "$RCTL" record -r "$INST" \
		--rt-priority 7 -d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'SCHED_FIFO' <<< "$stderr")" -eq 1 ]
	grep -qx "remotectl: warning: cannot run the readers at SCHED_FIFO 7 (Operation not permitted): they run at normal priority" <<< "$stderr"

	bad_values --rt-priority "invalid real-time priority '%s' (1-99)" 0 100 -3 x 5x ""
}

# nice_threads N VALUE: threads_where for nice VALUE; REST: threads at neither VALUE nor the
# process's own nice value (its main thread's).
nice_threads() {
	local own
	own=$(awk '{ print $19 }' /proc/"$(capture_pid)"/stat)
	threads_where "$1" "\$19 == $2" "\$19 != $2 && \$19 != $own"
}

@test "readers run 10 nice levels below the process, --reader-nice N sets it; refused: said, the capture goes on" {
	local ncpu
	ncpu=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	# Default: the reader threads (only they) at nice -10; trace.dat's compressor and the
	# main thread stay at the process's 0.
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.dat"
	wait_capturing
	nice_threads "$ncpu" -10
	[ "$MATCHED" -eq "$ncpu" ]
	[ "$REST" -eq 0 ]
	[ "$(awk '{ print $19 }' /proc/"$(capture_pid)"/stat)" = 0 ]
	write_markers 0 5 nice
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c 'readers at nice' "$ERR")" -eq 1 ]
	grep -qx "remotectl: readers at nice -10" "$ERR"
	run "$RCTL" report "$BATS_TEST_TMPDIR/t.dat"
	[ "$(grep -c 'tracing_mark_write: nice-' <<< "$output")" -eq 5 ]

	# Relative to the process's nice value: under nice 5, -5.
	ERR="$BATS_TEST_TMPDIR/err"
	: > "$ERR"	# not the last capture's "capturing" line (see start_record)
	nice -n 5 "$RCTL" -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt" 2> "$ERR" &
	RPID=$!
	wait_capturing
	nice_threads "$ncpu" -5
	[ "$MATCHED" -eq "$ncpu" ]
	[ "$REST" -eq 0 ]
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -qx "remotectl: readers at nice -5" "$ERR"

	# --reader-nice N: exactly N; stream's readers too, its main thread (the text) at nice 5.
	start_record -v record -r "$INST" --reader-nice 3 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	nice_threads "$ncpu" 3
	[ "$MATCHED" -eq "$ncpu" ]
	[ "$REST" -eq 0 ]
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -qx "remotectl: readers at nice 3" "$ERR"
	start_record -v stream -r "$INST" --reader-nice -7
	wait_capturing
	nice_threads "$ncpu" -7
	[ "$MATCHED" -eq "$ncpu" ]
	for _ in $(seq 1 40); do
		[ "$(awk '{ print $19 }' /proc/"$(capture_pid)"/stat)" = 5 ] && break
		sleep 0.05
	done
	[ "$(awk '{ print $19 }' /proc/"$(capture_pid)"/stat)" = 5 ]
	stop_record INT
	[ "$RC" -eq 0 ]

	# Without CAP_SYS_NICE a lower nice value is refused: the default says so with -v only,
	# an explicit --reader-nice warns; the capture goes on at the process's nice value.
	run --separate-stderr setpriv --bounding-set=-sys_nice "$RCTL" -v record -r "$INST" \
		-d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	grep -qx "remotectl: readers at nice 0: nice -10 refused (Permission denied)" <<< "$stderr"
	run --separate-stderr setpriv --bounding-set=-sys_nice "$RCTL" record -r "$INST" \
		-d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'nice' <<< "$stderr")" -eq 0 ]
	run --separate-stderr setpriv --bounding-set=-sys_nice "$RCTL" record -r "$INST" \
		--reader-nice -3 -d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'nice' <<< "$stderr")" -eq 1 ]
	grep -qx "remotectl: warning: cannot run the readers at nice -3 (Permission denied): they run at nice 0" <<< "$stderr"

	bad_values --reader-nice "invalid nice value '%s' (-20 to 19)" -21 20 x 5x ""
	run --separate-stderr "$RCTL" record -r "$INST" -d 0.1 --reader-nice 1 --rt-priority 5
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: --rt-priority and --reader-nice exclude each other" ]
}

@test "in the root autogroup (a CI runner's commands, started without setsid) the capture stays in the caller's session" {
	local why ncpu
	why=$(autogroups_apply) || skip "$why"
	[ -z "$(cat /proc/$$/autogroup)" ] ||
		skip "this shell is in a session's autogroup (record_session.bats tests that)"
	[ "$(nice)" -eq 0 ]
	ncpu=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	[ "$(pgrep -P "$RPID" | wc -l)" -eq 0 ]
	nice_threads "$ncpu" -10
	[ "$MATCHED" -eq "$ncpu" ]
	write_markers 0 4 root
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c 'session' "$ERR")" -eq 1 ]
	grep -qx "remotectl: capturing in the caller's session: in the root autogroup the readers' nice -10 counts against every other session" "$ERR"
	[ "$(grep -c 'tracing_mark_write: root-' "$BATS_TEST_TMPDIR/t.txt")" -eq 4 ]
}

@test "--buffer-percent sets the wake-up level for the capture only; bad values are exit 2" {
	local before
	before=$(cat "$IDIR/buffer_percent")
	[ "$before" != 7 ]
	start_record -v record -r "$INST" --buffer-percent 7 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	[ "$(cat "$IDIR/buffer_percent")" = 7 ]
	write_markers 0 5 bp
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -qx "remotectl: instances/$INST: buffer_percent 7" "$ERR"
	[ "$(cat "$IDIR/buffer_percent")" = "$before" ]
	[ "$(grep -c 'tracing_mark_write: bp-' "$BATS_TEST_TMPDIR/t.txt")" -eq 5 ]
	[ "$(grep -c 'hint:' "$ERR")" -eq 0 ]
	bad_values --buffer-percent "invalid buffer percent '%s' (0-100)" 101 -1 x 5x ""
	[ "$(cat "$IDIR/buffer_percent")" = "$before" ]
}
