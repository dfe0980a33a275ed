#!/usr/bin/env bats
# remotectl record on the kernel's test remote (remotes/test): every written event exactly
# once, per-CPU order, merged time order, the kernel's own loss counts, restore of every
# setting, and the selftests' unloading after a capture.

load guest/remote

setup()
{
	[ -d "$REMOTE" ] || { echo "no $REMOTE" >&2; return 1; }
	remote_restore
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
}

teardown()
{
	remote_teardown
}

# The lines of CPU $1 in $out.
cpu_lines()
{
	awk -v p="$(printf '[%03d]\t' "$1")" 'index($0, p) == 1' "$out"
}

@test "record: ids 1..N on each CPU, each exactly once, per-CPU order, merged in time order" {
	local c n=60
	record_with int -e selftest -b 1M -- "for c in $(cpu_ids | tr '\n' ' '); do
		write_events \$((c * 1000 + 1)) \$((c * 1000 + $n)) \$c & done; wait"
	for c in $(cpu_ids); do
		cpu_lines "$c" >"$out.$c"
		check_ids $((c * 1000 + 1)) $((c * 1000 + n)) "$out.$c" "$c"
	done
	expect_eq "$(wc -l <"$out")" $((n * $(cpu_ids | wc -l)))
	# Merged: time stamps (seconds and microseconds as one number) never go back.
	sed 's/^\[[0-9]*\]\t *\([0-9]*\)\.\([0-9]*\):.*/\1\2/' "$out" >"$out.ts"
	expect_eq "$(awk '$1 < prev { print "back at line " NR } { prev = $1 }' "$out.ts")" ""
	expect_eq "$(sort -n "$out.ts" | uniq | wc -l)" "$(uniq "$out.ts" | wc -l)"
	grep -q "stopped by SIGINT, transport text" "$err"
	expect_eq "$(awk '$1 == "all" { print $2, $4, $5 }' "$err")" "$((n * $(cpu_ids | wc -l))) 0 0"
}

@test "record: the kernel's LOST counts appear in place; captured + lost == written" {
	local cpu written=4000
	cpu=$(first_cpu)
	record_with int -e selftest -- "write_burst 1 $written $cpu"
	local captured lost
	captured=$(grep -c 'selftest id=' "$out")
	lost=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
	[ "$lost" -gt 0 ]
	expect_eq "$((captured + lost))" "$written"
	expect_eq "$(awk '$1 == "all" { print $2, $4 }' "$err")" "$captured $lost"
	grep -q "events lost with 7K per CPU; record with -b" "$err"
	# Ids after each loss resume exactly where the loss says.
	awk '/LOST/ { n = $0; gsub(/[^0-9]+/, " ", n); split(n, a, " "); skip = a[2]; next }
	     { sub(/.*id=/, ""); if (skip) { if ($0 != prev + skip + 1) { print "bad resume at " NR; exit 1 } skip = 0 }
	       else if (prev && $0 != prev + 1) { print "gap at " NR; exit 1 } prev = $0 }' "$out"
}

@test "record: every setting it changed is restored, and the buffer unloads" {
	echo 0 >events/test/selftest/enable
	echo 16 >buffer_size_kb
	record_with int -e selftest -b 64K -- "echo 7 >$REMOTE/write_event"
	expect_eq "$(grep -c 'selftest id=7' "$out")" 1
	expect_eq "$(cat tracing_on)" 0
	expect_eq "$(cat events/test/selftest/enable)" 0
	assert_unloaded 16
	expect_eq "$(grep -c "still loaded" "$err")" 0
}

@test "record: tracing left on before is on again after, with the old size" {
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
	assert_loaded
	remotectl record -r test -b 32K -d 1 -q -o "$out"
	expect_eq "$(cat tracing_on)" 1
	assert_loaded 7
}

@test "record: SIGINT and SIGTERM end with complete output and a restored remote" {
	local sig pid
	for sig in INT TERM; do
		remotectl record -r test -e selftest -o "$out" 2>"$err" &
		pid=$!
		for _ in $(seq 100); do [ "$(cat tracing_on)" = 1 ] && break; sleep 0.05; done
		write_events 1 20
		sleep 0.5
		kill -$sig "$pid"
		wait "$pid"
		check_ids 1 20 "$out"
		grep -q "stopped by SIG$sig" "$err"
		expect_eq "$(cat tracing_on)" 0
		expect_eq "$(cat events/test/selftest/enable)" 0
		assert_unloaded
	done
}

@test "record: --max-size stops the capture at the output size" {
	# Writes fail with ENODEV once the capture has stopped at its size.
	record_with self -e selftest -b 1M --max-size 1K -- "write_events 1 200 2>/dev/null || true"
	[ "$(stat -c %s "$out")" -le 1024 ]
	[ "$(stat -c %s "$out")" -gt 900 ]
	grep -q "stopped by max size" "$err"
	expect_eq "$(cat tracing_on)" 0
}

@test "record: a resize refused because another reader holds the buffer is explained" {
	echo 1 >events/test/selftest/enable
	cat trace_pipe >/dev/null &
	local reader=$!
	sleep 0.2
	run remotectl record -r test -b 64K -d 1
	kill "$reader"
	wait "$reader" 2>/dev/null || true
	expect_eq "$status" 5
	[[ $output == *"cannot resize: the buffer stays loaded after stopping and clearing it, so another reader has its trace_pipe or trace open"* ]]
	expect_eq "$(cat tracing_on)" 0
	assert_unloaded
}

@test "record --cpu: only the CPUs asked for" {
	local cpus
	cpus=($(cpu_ids))
	[ "${#cpus[@]}" -ge 2 ] || skip "needs two CPUs"
	record_with int -e selftest --cpu "${cpus[1]}" -- \
		"write_events 1 5 ${cpus[0]}; write_events 11 15 ${cpus[1]}"
	check_ids 11 15 "$out" "${cpus[1]}"
}

@test "record to trace.dat: report and trace-cmd print the same events as the text capture" {
	local n=40 c
	record_with int -e selftest -b 256K -o "$out.dat" -- "for c in $(cpu_ids | tr '\n' ' '); do
		write_events \$((c * 1000 + 1)) \$((c * 1000 + $n)) \$c; done"
	grep -q "stopped by SIGINT, transport text" "$err"
	remotectl report "$out.dat" >"$out.report"
	# "test: <...>--1 [001] 12.345678: selftest: id=1001" -> "[001] 12.345678 id=1001"
	sed -n 's/^.*\(\[[0-9]*\]\) *\([0-9.]*\): selftest: *\(id=[0-9]*\)$/\1 \2 \3/p' "$out.report" >"$out.r"
	expect_eq "$(wc -l <"$out.r")" $((n * $(cpu_ids | wc -l)))
	for c in $(cpu_ids); do
		expect_eq "$(grep -c "^\[00$c\] " "$out.r")" "$n"
		expect_eq "$(grep "^\[00$c\] " "$out.r" | sed 's/.*id=//' | tr '\n' ' ')" \
			"$(seq -s ' ' $((c * 1000 + 1)) $((c * 1000 + n))) "
	done
	command -v trace-cmd >/dev/null || skip "no trace-cmd in the guest"
	trace-cmd report -i "$out.dat" 2>/dev/null |
		sed -n 's/^.*\(\[[0-9]*\]\) *\([0-9.]*\): selftest: *\(id=[0-9]*\)$/\1 \2 \3/p' >"$out.t"
	expect_eq "$(cat "$out.t")" "$(cat "$out.r")"
}

@test "record to trace.dat: the kernel's losses are stored and reported" {
	local cpu written=3000
	cpu=$(first_cpu)
	record_with int -e selftest -o "$out.dat" -- "write_burst 1 $written $cpu"
	local captured lost
	captured=$(awk '$1 == "all" { print $2 }' "$err")
	lost=$(awk '$1 == "all" { print $4 }' "$err")
	[ "$lost" -gt 0 ]
	expect_eq "$((captured + lost))" "$written"
	remotectl report --stat "$out.dat" >"$out.stat"
	remotectl report "$out.dat" >"$out.report"
	expect_eq "$(grep -c 'selftest: *id=' "$out.report")" "$captured"
	# Each stored loss shows before the first event after it, with the kernel's count, in the
	# kernel's form "CPU:0 [LOST 680 EVENTS]" (trace-cmd: "CPU:0 [680 EVENTS DROPPED]").
	expect_eq "$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out.report" | awk '{ s += $1 } END { print s }')" "$lost"
	expect_eq "$(awk '$1 == "0" || $1 == "1" || $1 == "2" || $1 == "3" { s += $4 } END { print s }' "$out.stat")" "$lost"
	if command -v trace-cmd >/dev/null; then
		expect_eq "$(trace-cmd report -i "$out.dat" 2>/dev/null | sed -n 's/^.*CPU:[0-9]* \[\([0-9]*\) EVENTS DROPPED\]$/\1/p' | awk '{ s += $1 } END { print s }')" "$lost"
	fi
}

@test "record: a CPU offline when the buffer loads is skipped and reported; hotplug back works" {
	[ "$(cpu_ids | wc -l)" -ge 2 ] || skip "needs 2 CPUs"
	local online=/sys/devices/system/cpu/cpu1/online others
	# x86 cannot offline cpu0: take cpu1 away before the capture loads the buffer.
	echo 0 >"$online"
	record_with int -e selftest -b 64K -- "write_events 1 5 0"
	check_ids 1 5 "$out" 0
	grep -q "remotes/test: CPU 1 is not in the buffer (offline when it was loaded): skipped" "$err"
	grep -Eq '^ +1 +\(not in the buffer\)$' "$err"
	assert_unloaded
	# Online again: a new capture loads a buffer with every CPU and reads cpu1 too.
	echo 1 >"$online"
	record_with int -e selftest -- "write_events 11 15 1"
	check_ids 11 15 "$out" 1
	expect_eq "$(grep -c "not in the buffer" "$err")" 0
}

@test "stream: live merged kernel lines on stdout until SIGINT, then the remote is restored" {
	local pid
	remotectl stream -r test -e selftest >"$out" 2>"$err" &
	pid=$!
	for _ in $(seq 100); do [ "$(cat tracing_on)" = 1 ] && break; sleep 0.05; done
	write_events 1 3 0
	# Live: the lines are out within the kernel's poll and the merge's bound, before the end.
	for _ in $(seq 40); do [ "$(wc -l <"$out")" -ge 3 ] && break; sleep 0.1; done
	expect_eq "$(wc -l <"$out")" 3
	kill -INT "$pid"
	wait "$pid"
	check_ids 1 3 "$out" 0
	expect_eq "$(cat tracing_on)" 0
	expect_eq "$(cat events/test/selftest/enable)" 0
}

@test "stream: its reader gone (| head), a clean stop: exit 0, the remote restored" {
	local pid rc
	# timeout: a stream that missed the closed pipe ends by SIGTERM after 30 s, not a hang.
	(timeout 30 remotectl stream -r test -e selftest 2>"$err" | head -n 2 >"$out"
		echo "${PIPESTATUS[0]}" >"$BATS_TEST_TMPDIR/rc") &
	pid=$!
	for _ in $(seq 100); do [ "$(cat tracing_on)" = 1 ] && break; sleep 0.05; done
	write_events 1 3 0
	wait "$pid"
	rc=$(cat "$BATS_TEST_TMPDIR/rc")
	expect_eq "$rc" 0
	check_ids 1 2 "$out" 0
	grep -q ", stopped by output closed, " "$err"
	expect_eq "$(cat tracing_on)" 0
	expect_eq "$(cat events/test/selftest/enable)" 0
}

# Every enable file of the remote, "path:value" per line (it has no system enable files).
remote_enables()
{
	(cd "$REMOTE/events" && find . -name enable | sort | while read -r f; do echo "$f:$(cat "$f")"; done)
}

@test "record -e: the remote's event is on for the capture only, with one write; typos change nothing" {
	expect_eq "$(remote_enables)" "./enable:0
./test/selftest/enable:0"
	record_with int -v -e 'test:self*' -- "echo 5 >$REMOTE/write_event"
	grep -qx "remotectl: remotes/test: events matching -e: 1; enable files written: 1" "$err"
	expect_eq "$(cat "$out")" "$(grep 'selftest id=5$' "$out")"
	expect_eq "$(grep -c 'selftest id=5$' "$out")" 1
	expect_eq "$(remote_enables)" "./enable:0
./test/selftest/enable:0"
	# Already on: nothing to write, and on again after.
	echo 1 >events/test/selftest/enable
	record_with int -v -e selftest -- "echo 6 >$REMOTE/write_event"
	grep -qx "remotectl: remotes/test: events matching -e: 1; enable files written: 0" "$err"
	expect_eq "$(grep -c 'selftest id=6$' "$out")" 1
	expect_eq "$(remote_enables)" "./enable:1
./test/selftest/enable:1"
	# A glob that matches nothing is found before anything is done: tracing stays on, the
	# size stays, the events in the buffer stay, and no output is created.
	echo 1 >tracing_on
	write_events 1 3
	run remotectl record -r test -b 64K -e selftest -e nosuch -o "$out.typo"
	expect_eq "$status" 2
	expect_eq "$output" "remotectl: no event of remotes/test matches 'nosuch' (see 'remotectl events -r remotes/test')"
	[ ! -e "$out.typo" ]
	expect_eq "$(cat tracing_on)" 1
	assert_loaded 7
	expect_eq "$(remote_enables)" "./enable:1
./test/selftest/enable:1"
	cat trace >"$out.trace"
	check_ids 1 3 "$out.trace"
}

@test "record --buffer-percent on a remote: exit 2 before anything is changed" {
	local on
	on=$(cat "$REMOTE/tracing_on")
	run remotectl record -r test --buffer-percent 5 -d 0.1
	expect_eq "$status" 2
	expect_eq "$output" "remotectl: remotes/test has no buffer_percent to set (--buffer-percent)"
	expect_eq "$(cat "$REMOTE/tracing_on")" "$on"
}

# sched_check MATCH OTHER MSG [ARGS...]: record on the remote with ARGS; exactly one thread per
# CPU matches the awk condition MATCH on its stat line (fields 19 nice, 40 rt_priority, 41
# policy), none matches OTHER; the events are exact and -v said "MSG".
sched_check() {
	local match=$1 other_cond=$2 msg=$3 pid ncpu matched other
	shift 3
	ncpu=$(ls -d "$REMOTE"/per_cpu/cpu* | wc -l)
	remotectl -v record -r test -e selftest "$@" -o "$out" 2>"$err" &
	pid=$!
	for _ in $(seq 100); do [ "$(cat "$REMOTE/tracing_on")" = 1 ] && break; sleep 0.05; done
	for _ in $(seq 100); do
		matched=$(awk "$match" /proc/"$pid"/task/*/stat | wc -l)
		[ "$matched" -ge "$ncpu" ] && break
		sleep 0.05
	done
	other=$(awk "$other_cond" /proc/"$pid"/task/*/stat | wc -l)
	expect_eq "$matched" "$ncpu"
	expect_eq "$other" 0
	write_events 1 20
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	check_ids 1 20 "$out"
	grep -qx "remotectl: $msg" "$err"
	assert_unloaded
}

@test "record on a remote: each CPU's trace_pipe reader at nice -10, nothing else; --reader-nice" {
	sched_check '$19 == -10' '$19 != -10 && $19 != 0' "readers at nice -10"
	sched_check '$19 == 4' '$19 != 4 && $19 != 0' "readers at nice 4" --reader-nice 4
}

@test "record --rt-priority on a remote: each CPU's trace_pipe reader at SCHED_FIFO, events exact" {
	sched_check '$41 == 1 && $40 == 6' '!($41 == 1 && $40 == 6) && !($41 == 0 && $40 == 0)' \
		"readers at SCHED_FIFO 6" --rt-priority 6
}
