# Helpers for the record/stream suites (on top of helpers.bash).

# Start remotectl in the background with stderr to $ERR and stdout to $OUT; sets RPID.
start_record() {
	ERR="$BATS_TEST_TMPDIR/err"
	OUT="$BATS_TEST_TMPDIR/out"
	: > "$ERR"	# not the last capture's "capturing" line, before this one truncates it
	"$RCTL" "$@" > "$OUT" 2> "$ERR" &
	RPID=$!
}

# Wait until the capture reads (-v prints "capturing" just before the readers start).
wait_capturing() {
	local i
	for i in $(seq 1 200); do
		grep -q ': capturing$' "$ERR" && return 0
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$ERR" >&2
	return 1
}

# SIGKILL the capture and the process started, and wait until both are gone (teardown, or a kill
# the test means).
kill_record() {
	local p pids i
	[ -n "${RPID:-}" ] || return 0
	# No child where the capture runs without a session of its own (a CI runner's root autogroup).
	pids="$(pgrep -P "$RPID" -x remotectl || true) $RPID"
	for p in $pids; do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	for i in $(seq 1 100); do
		kill -0 $pids 2>/dev/null || break
		sleep 0.05
	done
	wait "$RPID" 2>/dev/null || true
}

# Wait for remotectl (RPID) to end; its exit status in RC.
wait_record() {
	RC=0
	wait "$RPID" || RC=$?
}

# Send a signal and wait for the exit status in RC.
stop_record() {
	kill -"$1" "$RPID"
	wait_record
}

# write_markers CPU N PREFIX: N trace_marker lines "PREFIX-i" from CPU, i = 1..N.
write_markers() {
	taskset -c "$1" sh -c 'i=1; while [ $i -le '"$2"' ]; do echo "'"$3"'-$i"; i=$((i + 1)); done > "'"$IDIR"'/trace_marker"' &&
		true
}

# write_raw CPU N BASE: N trace_marker_raw writes with ids BASE+1..BASE+N and 16 bytes each.
write_raw() {
	taskset -c "$1" python3 -c '
import os, struct, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
base, n = int(sys.argv[2]), int(sys.argv[3])
for i in range(base + 1, base + n + 1):
    os.write(fd, struct.pack("<I", i) + b"0123456789abcdef")
' "$IDIR/trace_marker_raw" "$3" "$2"
}

# write_raw_for CPU SECONDS BASE: raw markers as write_raw's for SECONDS, 500 at a time with a
# millisecond's pause (some 10 MB/s, well below what the readers take); prints how many.
write_raw_for() {
	taskset -c "$1" python3 -c '
import os, struct, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
base, end, i = int(sys.argv[2]), time.monotonic() + float(sys.argv[3]), 0
while time.monotonic() < end:
    for _ in range(500):
        i += 1
        os.write(fd, struct.pack("<I", base + i) + b"0123456789abcdef")
    time.sleep(0.001)
print(i)
' "$IDIR/trace_marker_raw" "$3" "$2"
}

# raw_ids FILE CPU: the ids of CPU's raw markers in FILE's text, in decimal, in order. The line
# reads "raw_data: # <id in hex> <bytes>" on 6.18 and, by the event's print fmt,
# "raw_data: id:<id in hex> <first byte>" on 6.1 (whose format differs only in buf's signed:1).
# Converted in awk: a shell loop over every line crawls under bats' per-command trap in an
# emulated guest (tests/vm).
raw_ids() {
	grep "\[$(printf '%03d' "$2")\] .*raw_data: " "$1" |
		sed -E 's/.*raw_data: *(# |id:)([0-9a-f]+) .*/\2/' |
		awk '{ n = 0; for (i = 1; i <= length($0); i++)
			n = n * 16 + index("0123456789abcdef", substr($0, i, 1)) - 1; print n }'
}

# The lost count the summary reports for CPU $1.
summary_lost() {
	awk -v c="$1" '$1 == c && NF >= 4 { print $4; exit }' "$ERR"
}

summary_events() {
	awk -v c="$1" '$1 == c && NF >= 4 { print $2; exit }' "$ERR"
}

# Every output line is a whole event line or a loss line, timestamps never go back.
check_sorted_complete() {
	local f="$1"
	[ -s "$f" ]
	[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]
	awk '
		/^CPU:[0-9]+ \[LOST/ { next }
		{
			if (!match($0, / \[[0-9][0-9][0-9]\] +[0-9]+\.[0-9]+: /)) { print "bad line: " $0; exit 1 }
			s = substr($0, RSTART, RLENGTH); sub(/^ \[[0-9]+\] +/, "", s); sub(/: $/, "", s)
			if (s + 0 < last) { print "not sorted: " $0; exit 1 }
			last = s + 0
		}' "$f"
}

# Do autogroups weigh this shell's threads? Switched on, and the shell in the root cpu cgroup
# (v1), or cpu not delegated below the root (v2). If not, says why on stdout and fails.
autogroups_apply() {
	if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" != 1 ]; then
		echo "autogroup scheduling is off"
		return 1
	fi
	if grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup; then
		grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/$' /proc/self/cgroup && return 0
		echo "not in the root cpu cgroup"
		return 1
	fi
	if ! grep -qx '0::/' /proc/self/cgroup &&
		grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		echo "cpu is delegated below the root cgroup"
		return 1
	fi
}
