# Helpers for guest tests on the kernel's test remote (remotes/test, CONFIG_TRACE_REMOTE_TEST).
# They state the same facts the kernel's own remotes selftests check, in plain shell.
# shellcheck shell=bash

TRACEFS=/sys/kernel/tracing
REMOTE=$TRACEFS/remotes/test
# Event lines: "[CPU]\tSEC.USEC: selftest id=N", CPU printed with three digits, seconds
# right-aligned in five columns ("[001]\t   13.239547: selftest id=1").
LINE_RE=$'^\\[([0-9]{3})\\]\t *([0-9]+)\\.([0-9]{6}): selftest id=([0-9]+)$'

# Fail with both values shown.
expect_eq()
{
	if [ "$1" != "$2" ]; then
		echo "expected: '$2'" >&2
		echo "     got: '$1'" >&2
		return 1
	fi
}

# The state every test starts from and leaves behind: tracing off, empty, 7 KiB per CPU,
# every event off (which also unloads the buffer).
remote_restore()
{
	cd "$REMOTE"
	echo 0 >tracing_on
	echo >trace
	echo 7 >buffer_size_kb
	echo 0 >events/enable
}

# The selftests' starting point: restored, the selftest event on, tracing on.
remote_setup()
{
	remote_restore
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
}

# Kill every background reader a test started, bring offlined CPUs back, then restore the
# remote.
remote_teardown()
{
	local pid online
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for online in /sys/devices/system/cpu/cpu*/online; do
		[ "$(cat "$online")" = 1 ] || echo 1 >"$online"
	done
	remote_restore
}

assert_loaded()
{
	expect_eq "$(cat "$REMOTE/buffer_size_kb")" "${1:-7} (loaded)"
}

assert_unloaded()
{
	expect_eq "$(cat "$REMOTE/buffer_size_kb")" "${1:-7} (unloaded)"
}

# The CPUs the guest runs, as listed in /proc/cpuinfo.
cpu_ids()
{
	sed -n 's/^processor[[:space:]]*:[[:space:]]*\([0-9]*\)$/\1/p' /proc/cpuinfo
}

first_cpu()
{
	cpu_ids | head -n 1
}

# Events of the selftest event that fit one sub-buffer page, as the selftests estimate it:
# the page's data size over the sum of the event's field sizes (time stamps ignored).
events_per_page()
{
	local page ev
	page=$(sed -n 's/^.*data.*size:\([0-9]*\).*$/\1/p' "$REMOTE/events/header_page")
	ev=$(sed -n 's/^.*field:.*size:\([0-9]*\);.*$/\1/p' "$REMOTE/events/test/selftest/format" |
		awk '{ s += $1 } END { print s }')
	echo $((page / ev))
}

# write_events FIRST LAST [CPU]: write selftest events with ids FIRST..LAST, all from CPU
# when given (the shell's builtin echo runs pinned, like the selftests' `taskset echo`).
write_events()
{
	local first=$1 last=$2 cpu=${3:-}
	local loop="for ((i = $first; i <= $last; i++)); do echo \$i >$REMOTE/write_event; done"
	if [ -n "$cpu" ]; then
		taskset -c "$cpu" bash -c "$loop"
	else
		bash -c "$loop"
	fi
}

# read_pipe FILE OUT [SECONDS]: read the consuming FILE for SECONDS (default 1) into OUT,
# then stop the reader: a remote's trace_pipe never returns EOF, only a signal ends a read.
read_pipe()
{
	local file=$1 out=$2 secs=${3:-1} pid
	cat "$file" >"$out" &
	pid=$!
	sleep "$secs"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

# check_ids FIRST LAST FILE [CPU]: FILE holds exactly the events FIRST..LAST, one per line,
# in that order, with strictly increasing time stamps, all on CPU when given.
check_ids()
{
	local first=$1 last=$2 file=$3 cpu=${4:-} line want=$1 prev=-1 ts n=0
	[ -s "$file" ] || { echo "$file is empty" >&2; return 1; }
	while IFS= read -r line; do
		if ! [[ $line =~ $LINE_RE ]]; then
			echo "line $((n + 1)) is not an event line: '$line'" >&2
			return 1
		fi
		if [ -n "$cpu" ] && [ $((10#${BASH_REMATCH[1]})) -ne "$cpu" ]; then
			echo "line $((n + 1)) is not from CPU $cpu: '$line'" >&2
			return 1
		fi
		ts=$((10#${BASH_REMATCH[2]} * 1000000 + 10#${BASH_REMATCH[3]}))
		if [ "$ts" -le "$prev" ]; then
			echo "line $((n + 1)): time stamp not after the previous one: '$line'" >&2
			return 1
		fi
		if [ "${BASH_REMATCH[4]}" -ne "$want" ]; then
			echo "line $((n + 1)): expected id $want: '$line'" >&2
			return 1
		fi
		prev=$ts
		want=$((want + 1))
		n=$((n + 1))
	done <"$file"
	expect_eq "$n events, last id $((want - 1))" "$((last - first + 1)) events, last id $last"
}

# The id of the event on line N of FILE.
id_at()
{
	sed -n "$1s/^.*: selftest id=\([0-9]*\)$/\1/p" "$2"
}
