#!/usr/bin/env bats
# record/stream -e on the real kernel: exactly the events asked for are captured, with as few
# enable writes as correct, and every enable file reads as before afterwards, however the
# capture ends. Tracing is off in the instance before each capture, so its buffer holds
# nothing from before the selection.
load helpers
load record_helpers

setup() {
	make_instance
	echo 0 > "$IDIR/tracing_on"
	TRIGGERS=()
}

teardown() {
	local t
	kill_record
	for t in "${TRIGGERS[@]}"; do
		echo '!stacktrace' > "$IDIR/events/$t/trigger" 2>/dev/null || true
	done
	remove_instance
}

# Every enable file of the instance (events/, systems, events), "path:value" per line.
enables() {
	(cd "$IDIR/events" && grep -r . --include=enable . | sort)
}

# The instance's settings record may change: every enable file, tracing_on, the buffer size.
settings() {
	enables
	echo "tracing_on:$(cat "$IDIR/tracing_on")"
	# The first word: 6.1 appends " (expanded: 1408)" until an enabled event grows the top level.
	echo "buffer_size_kb:$(awk '{print $1}' "$IDIR/buffer_size_kb")"
}

# The events whose own enable file reads 1, as system/event.
events_on() {
	(cd "$IDIR/events" && grep -lx 1 -- */*/enable | sed 's,/enable$,,' | sort)
}

# The distinct event names in a text capture.
event_names() {
	awk '{ for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { print $(i + 1); break } }' "$1" |
		sed 's/:$//' | sort -u
}

# A trigger that never fires, which holds its event in soft mode; removed by teardown.
add_trigger() {
	echo "stacktrace if common_pid < 0" > "$IDIR/events/$1/trigger"
	TRIGGERS+=("$1")
}

# Run /bin/true five times: five sched_process_exec events of /bin/true.
exec_load() {
	local i
	for i in 1 2 3 4 5; do /bin/true; done
}

@test "-e: only the events asked for are captured; all restored after SIGINT, SIGTERM, -d, stream" {
	local stop f
	echo 1 > "$IDIR/events/sched/sched_switch/enable"
	echo 1 > "$IDIR/events/sched/sched_wakeup/enable"
	settings > "$BATS_TEST_TMPDIR/before"
	for stop in INT TERM d stream; do
		f="$BATS_TEST_TMPDIR/$stop.txt"
		case $stop in
		d) start_record -v record -r "$INST" -e sched:sched_process_exec -d 3 -o "$f" ;;
		stream) start_record -v stream -r "$INST" -e sched:sched_process_exec ;;
		*) start_record -v record -r "$INST" -e sched:sched_process_exec -o "$f" ;;
		esac
		wait_capturing
		# Exactly the one asked for is on: two writes off, one on.
		[ "$(events_on)" = sched/sched_process_exec ]
		grep -qx "remotectl: instances/$INST: events matching -e: 1; enable files written: 3" "$ERR"
		exec_load
		case $stop in
		d) RC=0; wait "$RPID" || RC=$? ;;
		stream) sleep 1; stop_record INT; f=$OUT ;;
		*) sleep 1; stop_record "$stop" ;;
		esac
		[ "$RC" -eq 0 ]
		[ "$(event_names "$f")" = sched_process_exec ]
		[ "$(grep -c 'sched_process_exec: *filename=/bin/true ' "$f")" -ge 5 ]
		settings | diff "$BATS_TEST_TMPDIR/before" -
	done
}

@test "-e: a system that is all on is turned off in one write, and back on after" {
	echo 1 > "$IDIR/events/sched/enable"
	echo 1 > "$IDIR/events/timer/enable"
	settings > "$BATS_TEST_TMPDIR/before"
	grep -qx './sched/enable:1' "$BATS_TEST_TMPDIR/before"
	start_record -v record -r "$INST" -e sched:sched_process_exec -d 3 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	# sched off and sched_process_exec on, timer off: three writes for some forty events.
	[ "$(events_on)" = sched/sched_process_exec ]
	[ "$(cat "$IDIR/events/timer/enable")" = 0 ]
	grep -qx "remotectl: instances/$INST: events matching -e: 1; enable files written: 3" "$ERR"
	exec_load
	wait_record
	[ "$RC" -eq 0 ]
	[ "$(event_names "$BATS_TEST_TMPDIR/t.txt")" = sched_process_exec ]
	settings | diff "$BATS_TEST_TMPDIR/before" -
}

@test "-e: several globs, one of them a whole system; nothing written when all is as asked" {
	echo 1 > "$IDIR/events/sched/sched_switch/enable"
	echo 1 > "$IDIR/events/signal/enable"
	settings > "$BATS_TEST_TMPDIR/before"
	# Already exactly the events asked for: no write at all.
	run --separate-stderr "$RCTL" -v record -r "$INST" -e sched_switch -e 'signal' -d 0.5 -o /dev/null
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"remotectl: instances/$INST: events matching -e: 3; enable files written: 0"$'\n'* ]]
	settings | diff "$BATS_TEST_TMPDIR/before" -
	# What that capture's own exit left in the buffer, tracing still on then, goes.
	echo > "$IDIR/trace"
	# The two signal events and sched_process_exec: sched_switch off, exec on.
	start_record -v record -r "$INST" -e 'signal:*' -e 'sched:sched_process_e[x]ec' -d 3 \
		-o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	[ "$(events_on)" = "sched/sched_process_exec
signal/signal_deliver
signal/signal_generate" ]
	grep -qx "remotectl: instances/$INST: events matching -e: 3; enable files written: 2" "$ERR"
	exec_load
	wait_record
	[ "$RC" -eq 0 ]
	event_names "$BATS_TEST_TMPDIR/t.txt" | grep -qx sched_process_exec
	[ -z "$(event_names "$BATS_TEST_TMPDIR/t.txt" | grep -vx -e sched_process_exec -e 'signal_.*')" ]
	settings | diff "$BATS_TEST_TMPDIR/before" -
}

@test "-e: a glob that matches nothing is exit 2 and changes nothing, -b and the output included" {
	echo 1 > "$IDIR/events/sched/sched_switch/enable"
	echo 1 > "$IDIR/events/timer/enable"
	settings > "$BATS_TEST_TMPDIR/before"
	run --separate-stderr "$RCTL" record -r "$INST" -b 256K -e sched:sched_process_exec \
		-e sched:no_such_xyz -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "remotectl: instances/$INST: no event matches 'sched:no_such_xyz'" ]
	[ ! -e "$BATS_TEST_TMPDIR/t.txt" ]
	settings | diff "$BATS_TEST_TMPDIR/before" -
	run --separate-stderr "$RCTL" stream -r "$INST" -e 'nosuch*'
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "remotectl: instances/$INST: no event matches 'nosuch*'" ]
	settings | diff "$BATS_TEST_TMPDIR/before" -
}

@test "-e: an event a trigger holds in soft mode is left as it is, with a warning" {
	# sched_switch on with a trigger: 1*; sched_wakeup off with a trigger: 0*.
	echo 1 > "$IDIR/events/sched/sched_switch/enable"
	add_trigger sched/sched_switch
	add_trigger sched/sched_wakeup
	[ "$(cat "$IDIR/events/sched/sched_switch/enable")" = '1*' ]
	[ "$(cat "$IDIR/events/sched/sched_wakeup/enable")" = '0*' ]
	settings > "$BATS_TEST_TMPDIR/before"
	run --separate-stderr "$RCTL" -v record -r "$INST" -e sched_wakeup -e sched_process_exec \
		-d 0.5 -o /dev/null
	[ "$status" -eq 0 ]
	[ "$(grep -e 'soft mode' -e 'matching -e' <<< "$stderr")" = "\
remotectl: warning: instances/$INST: sched:sched_switch stays on: a trigger holds it in soft mode
remotectl: warning: instances/$INST: sched:sched_wakeup stays off: a trigger holds it in soft mode
remotectl: instances/$INST: events matching -e: 2; enable files written: 1" ]
	settings | diff "$BATS_TEST_TMPDIR/before" -
}
