#!/usr/bin/env bats
# remotectl record/stream under autogroup scheduling: the capture runs in a child in a session
# of its own whose autogroup gets the readers' nice value (src/cmd/own_session.h); the process the
# user started passes signals on and ends as the capture did. tests/bats/run runs this file in
# a session of its own (setsid), so that where the runner's commands are in the root autogroup
# (a CI runner started without setsid) these tests still run; record.bats has that case.
# tests/bats/run: setsid
load helpers
load record_helpers

setup() {
	make_instance
	NCPU=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
}

teardown() {
	kill_record
	remove_instance
	rmdir /sys/fs/cgroup/cpu/remotectl-test-$$ 2>/dev/null || true
}

# Autogroups apply (record_helpers.bash), and this shell is in a session's autogroup, not the
# root one.
need_autogroup() {
	local why
	why=$(autogroups_apply) || skip "$why"
	[ -n "$(cat /proc/$$/autogroup)" ] || skip "in the root autogroup (run by tests/bats/run)"
}

# Field N of /proc/PID/stat (the comm of remotectl and bash has no spaces).
stat_field() {
	awk -v f="$2" '{ print $f }' /proc/"$1"/stat
}

# wait_state PID STATE: wait until the process's state letter is (or, with !X, is not) X.
wait_state() {
	local i s
	for i in $(seq 1 100); do
		s=$(stat_field "$1" 3)
		if [[ "$2" == !* ]]; then [ "$s" != "${2#!}" ] && return 0
		else [ "$s" = "$2" ] && return 0; fi
		sleep 0.05
	done
	echo "process $1 is in state $s, not $2" >&2
	return 1
}

# tstp_cont STATE PREFIX N: SIGTSTP to remotectl (RPID); it and its capture reach STATE (T, or
# !T where the kernel discards the signal) and stay so while N markers PREFIX-i are written;
# SIGCONT continues both, and SIGINT then ends the capture with exit 0 and every marker read.
tstp_cont() {
	local cpid
	cpid=$(capture_pid)
	kill -TSTP "$RPID"
	wait_state "$RPID" "$1"
	wait_state "$cpid" "$1"
	write_markers 1 "$3" "$2"
	sleep 0.3
	wait_state "$RPID" "$1"
	wait_state "$cpid" "$1"
	kill -CONT "$RPID"
	wait_state "$cpid" '!T'
	wait_state "$RPID" '!T'
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c "tracing_mark_write: $2-" "$BATS_TEST_TMPDIR/t.txt")" -eq "$3" ]
}

@test "the capture runs in a session of its own at the readers' autogroup nice; the caller's session is untouched" {
	local cpid own_ag
	need_autogroup
	own_ag=$(cat /proc/$$/autogroup)
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.dat"
	wait_capturing
	cpid=$(capture_pid)
	[ "$cpid" != "$RPID" ]
	[ "$(pgrep -P "$RPID" | wc -l)" -eq 1 ]
	# The child leads a session of its own; the parent stays in the caller's.
	[ "$(stat_field "$cpid" 6)" = "$cpid" ]
	[ "$(stat_field "$RPID" 6)" = "$(stat_field $$ 6)" ]
	[[ "$(cat /proc/"$cpid"/autogroup)" == "/autogroup-"*" nice -10" ]]
	[ "$(cat /proc/"$RPID"/autogroup)" = "$own_ag" ]
	[ "$(cat /proc/$$/autogroup)" = "$own_ag" ]
	grep -qx "remotectl: capturing in a session of its own (pid $cpid), autogroup nice -10" "$ERR"
	# The parent only waits: one thread. The readers are the child's, at nice -10.
	[ "$(ls /proc/"$RPID"/task | wc -l)" -eq 1 ]
	[ "$(awk '$19 == -10' /proc/"$cpid"/task/*/stat | wc -l)" -eq "$NCPU" ]
	write_markers 0 5 sess
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	gone "$cpid"
	grep -q ", stopped by SIGINT, " "$ERR"
	run "$RCTL" report "$BATS_TEST_TMPDIR/t.dat"
	[ "$(grep -c 'tracing_mark_write: sess-' <<< "$output")" -eq 5 ]
	[ "$(cat /proc/$$/autogroup)" = "$own_ag" ]

	# Relative to the process's nice value, as the readers: under nice 5, -5. stream too.
	: > "$ERR"	# not the last capture's "capturing" line (see start_record)
	nice -n 5 "$RCTL" -v stream -r "$INST" > "$BATS_TEST_TMPDIR/out" 2> "$ERR" &
	RPID=$!
	wait_capturing
	cpid=$(capture_pid)
	[ "$cpid" != "$RPID" ]
	[[ "$(cat /proc/"$cpid"/autogroup)" == *" nice -5" ]]
	grep -qx "remotectl: capturing in a session of its own (pid $cpid), autogroup nice -5" "$ERR"
	write_markers 1 3 live
	sleep 0.5
	stop_record INT
	[ "$RC" -eq 0 ]
	[ "$(grep -c 'tracing_mark_write: live-' "$BATS_TEST_TMPDIR/out")" -eq 3 ]
}

# SIGHUP ignored by this process (bit 0 of SigIgn), as under nohup.
hup_ignored() {
	local mask
	mask=$(awk '/^SigIgn:/ { print $2 }' "/proc/$BASHPID/status")
	(( 0x$mask & 1 ))
}

@test "the parent passes SIGTERM and SIGHUP on (a clean stop, all restored), SIGTSTP and SIGCONT stop and continue the capture" {
	local cpid size before_on sig sigs="TERM HUP"
	need_autogroup
	size=$(cat "$IDIR/buffer_size_kb")
	before_on=$(cat "$IDIR/tracing_on")
	# Started under nohup, SIGHUP stays ignored in every child: no shell can undo that.
	hup_ignored && sigs=TERM
	for sig in $sigs; do
		start_record -v record -r "$INST" -b 64 -o "$BATS_TEST_TMPDIR/t.txt"
		wait_capturing
		[ "$(capture_pid)" != "$RPID" ]
		[ "$(cat "$IDIR/buffer_size_kb")" != "$size" ]
		write_markers 0 4 "$sig"
		sleep 0.3
		stop_record "$sig"
		[ "$RC" -eq 0 ]
		grep -q ", stopped by SIG$sig, " "$ERR"
		[ "$(grep -c "tracing_mark_write: $sig-" "$BATS_TEST_TMPDIR/t.txt")" -eq 4 ]
		[ "$(cat "$IDIR/buffer_size_kb")" = "$size" ]
		[ "$(cat "$IDIR/tracing_on")" = "$before_on" ]
	done

	# Under nohup a hang-up is ignored by both; SIGINT still stops.
	ERR="$BATS_TEST_TMPDIR/err"
	# Emptied here: the background job's own 2> may come after wait_capturing has read the
	# last capture's "capturing" line (CI saw the child missing once).
	: > "$ERR"
	nohup "$RCTL" -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt" > /dev/null 2> "$ERR" &
	RPID=$!
	wait_capturing
	cpid=$(capture_pid)
	[ "$cpid" != "$RPID" ]
	kill -HUP "$RPID" "$cpid"
	sleep 0.3
	kill -0 "$RPID" "$cpid"
	write_markers 0 2 nohup
	sleep 0.3
	stop_record INT
	[ "$RC" -eq 0 ]
	grep -q ", stopped by SIGINT, " "$ERR"
	[ "$(grep -c 'tracing_mark_write: nohup-' "$BATS_TEST_TMPDIR/t.txt")" -eq 2 ]

	# SIGTSTP (Ctrl-Z) stops both, SIGCONT (fg, bg) continues both: markers written while
	# stopped are read after. As a job of a shell with job control: a process group of its
	# own, whose parent is in another group of the same session (not orphaned).
	set -m
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt"
	set +m
	[ "$(stat_field "$RPID" 5)" = "$RPID" ]
	wait_capturing
	[ "$(capture_pid)" != "$RPID" ]
	tstp_cont T job 5

	# In this shell's process group, which may be orphaned (no shell to continue it): then
	# the kernel discards SIGTSTP and neither stops, as a plain process here would not.
	local plain stops='!T'
	sleep 10 &
	plain=$!
	kill -TSTP "$plain"
	for _ in $(seq 1 20); do
		[ "$(stat_field "$plain" 3)" = T ] && stops=T && break
		sleep 0.05
	done
	kill -KILL "$plain"
	wait "$plain" || true
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	tstp_cont "$stops" stopped 6
}

# kill_parent_check CPID PREFIX N SIZE ON: kill -9 the parent (RPID); the capture CPID
# ends as on SIGTERM with all N markers PREFIX-i, and buffer size and tracing_on are back.
kill_parent_check() {
	kill -KILL "$RPID"
	wait_record
	[ "$RC" -eq $((128 + 9)) ]
	wait_gone "$1"
	grep -q ", stopped by SIGTERM, " "$ERR"
	[ "$(grep -c "tracing_mark_write: $2-" "$BATS_TEST_TMPDIR/t.txt")" -eq "$3" ]
	[ "$(cat "$IDIR/buffer_size_kb")" = "$4" ]
	[ "$(cat "$IDIR/tracing_on")" = "$5" ]
}

@test "the parent ends as the capture did: its exit status, or its signal; killed, even while stopped, it takes the capture along cleanly" {
	local cpid size before_on
	need_autogroup
	# An error found in the child: its exit status and message.
	run --separate-stderr "$RCTL" -v record -r "$INST" -e no_such_xyz -d 1
	[ "$status" -eq 2 ]
	grep -qx "remotectl: capturing in a session of its own (pid [0-9]*), autogroup nice -10" <<< "$stderr"
	grep -qx "remotectl: instances/$INST: no event matches 'no_such_xyz'" <<< "$stderr"

	# The capture killed: the parent dies of the same signal.
	start_record -v record -r "$INST" -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	cpid=$(capture_pid)
	kill -KILL "$cpid"
	wait_record
	[ "$RC" -eq $((128 + 9)) ]

	# The parent killed: the capture gets SIGTERM, stops cleanly and restores the instance.
	size=$(cat "$IDIR/buffer_size_kb")
	before_on=$(cat "$IDIR/tracing_on")
	start_record -v record -r "$INST" -b 64 -o "$BATS_TEST_TMPDIR/t.txt"
	wait_capturing
	cpid=$(capture_pid)
	write_markers 0 7 orphan
	sleep 0.3
	kill_parent_check "$cpid" orphan 7 "$size" "$before_on"

	# The same while both are stopped (Ctrl-Z of a job, then kill -9 of the job): the
	# capture, which nobody would continue any more, wakes, stops cleanly and restores.
	set -m
	start_record -v record -r "$INST" -b 64 -o "$BATS_TEST_TMPDIR/t.txt"
	set +m
	wait_capturing
	cpid=$(capture_pid)
	[ "$cpid" != "$RPID" ]
	write_markers 1 3 stopped
	sleep 0.3
	kill -TSTP "$RPID"
	wait_state "$RPID" T
	wait_state "$cpid" T
	kill_parent_check "$cpid" stopped 3 "$size" "$before_on"
}

@test "no session of its own where it would not help or is not allowed" {
	need_autogroup
	local group opt
	group=$(sed 's/.* nice //' /proc/$$/autogroup)
	[ "$group" -gt -10 ]
	# Readers not below the session's autogroup value, or real-time: no child, -v says why.
	for opt in "--reader-nice $group" "--reader-nice $((group + 4))" "--rt-priority 3"; do
		# shellcheck disable=SC2086
		start_record -v record -r "$INST" $opt -o "$BATS_TEST_TMPDIR/t.txt"
		wait_capturing
		[ "$(pgrep -P "$RPID" | wc -l)" -eq 0 ]
		stop_record INT
		[ "$RC" -eq 0 ]
		[ "$(grep -c 'session' "$ERR")" -eq 1 ]
		if [ "$opt" = "--rt-priority 3" ]; then
			grep -qx "remotectl: capturing in the caller's session: the readers are real-time" "$ERR"
		else
			grep -qx "remotectl: capturing in the caller's session: readers at nice ${opt#--reader-nice }, not below its autogroup nice $group" "$ERR"
		fi
	done
	# In a cpu cgroup below the root (v1 here; made for the test and removed): autogroups do
	# not apply there, so no child.
	local cg=/sys/fs/cgroup/cpu/remotectl-test-$$
	if [ -f /sys/fs/cgroup/cpu/cgroup.procs ]; then
		mkdir "$cg"
		run --separate-stderr sh -c 'echo $$ > "$1"/cgroup.procs && shift && exec "$@"' \
			sh "$cg" "$RCTL" -v record -r "$INST" -d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
		rmdir "$cg"
		[ "$status" -eq 0 ]
		grep -qx "remotectl: capturing in the caller's session: outside the root cpu cgroup, autogroups do not apply" <<< "$stderr"
		[ "$(grep -c 'session' <<< "$stderr")" -eq 1 ]
	fi
	# Not allowed (no CAP_SYS_NICE, RLIMIT_NICE 0): said with -v, the capture goes on here.
	run --separate-stderr setpriv --bounding-set=-sys_nice "$RCTL" -v record -r "$INST" \
		-d 0.2 -o "$BATS_TEST_TMPDIR/t.txt"
	[ "$status" -eq 0 ]
	grep -qx "remotectl: capturing in the caller's session: autogroup nice -10 not allowed" <<< "$stderr"
	[ "$(grep -c 'session of its own' <<< "$stderr")" -eq 0 ]
}
