# Helpers for guest tests on a trace remote: the kernel's test remote (remotes/test,
# CONFIG_TRACE_REMOTE_TEST) or, with REMOTE_NAME=hypervisor, the arm64 nVHE hypervisor's. They
# state the same facts the kernel's own remotes selftests check, in plain shell.
# shellcheck shell=bash

TRACEFS=/sys/kernel/tracing
REMOTE_NAME=${REMOTE_NAME:-test}
REMOTE=$TRACEFS/remotes/$REMOTE_NAME
# The event write_event writes, relative to $REMOTE: each remote has its own system name.
case $REMOTE_NAME in
hypervisor) SELFTEST=events/hypervisor/selftest ;;
*) SELFTEST=events/test/selftest ;;
esac

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
	cd "$REMOTE" || return 1
	echo 0 >tracing_on
	echo >trace
	echo 7 >buffer_size_kb
	echo 0 >events/enable
}

# The selftests' starting point: restored, the selftest event on, tracing on.
remote_setup()
{
	remote_restore
	echo 1 >"$SELFTEST/enable"
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
	ev=$(sed -n 's/^.*field:.*size:\([0-9]*\);.*$/\1/p' "$REMOTE/$SELFTEST/format" |
		awk '{ s += $1 } END { print s }')
	echo $((page / ev))
}

# on_cpu CPU CODE: the bash CODE in a bash of its own, pinned to CPU unless CPU is empty (the
# shell's builtin echo then runs pinned, like the selftests' `taskset echo`).
on_cpu()
{
	if [ -n "$1" ]; then
		taskset -c "$1" bash -c "$2"
	else
		bash -c "$2"
	fi
}

# write_events FIRST LAST [CPU]: write selftest events with ids FIRST..LAST, all from CPU
# when given, opening write_event for each as the selftests do.
write_events()
{
	on_cpu "${3:-}" "for ((i = $1; i <= $2; i++)); do echo \$i >$REMOTE/write_event; done"
}

# write_burst FIRST LAST [CPU]: like write_events, through one open file, as fast as the shell
# goes: faster than the kernel's 100 ms polls drain a 7 KiB buffer. On the hypervisor each write
# is one hypercall: hyp_enter reason=hvc, selftest id=N, hyp_exit reason=eret_host.
write_burst()
{
	on_cpu "${3:-}" "exec 3>$REMOTE/write_event; for ((i = $1; i <= $2; i++)); do echo \$i >&3; done"
}

# record_with STOP ARGS... -- CMD: remotectl record -r $REMOTE_NAME ARGS in the background
# (output to $out, messages and summary to $err, stdin not a tty), CMD in a bash of its own
# (which has $REMOTE, cpu_ids and the writers above) once the capture has turned tracing on,
# then the end: STOP "int" sends SIGINT once CMD is done and the kernel's 100 ms poll has passed
# (however long CMD took under emulation); "self" waits for the capture to end by itself (-d,
# --max-size). Sets $status to remotectl's exit status and returns it ($err shown when it is
# not 0); a test that expects a failure adds `|| true` and checks $status, which stays empty
# when tracing never came on or CMD failed.
record_with()
{
	local stop=$1 args=() pid
	shift
	case $stop in
	int | self) ;;
	*) echo "record_with: STOP is int or self, not '$stop'" >&2; return 1 ;;
	esac
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	status=
	remotectl record -r "$REMOTE_NAME" "${args[@]}" >"$out" 2>"$err" </dev/null &
	pid=$!
	for _ in $(seq 200); do [ "$(cat "$REMOTE/tracing_on")" = 1 ] && break; sleep 0.05; done
	# Explicit returns: these checks must fail the test under `|| true` too (no errexit there).
	expect_eq "$(cat "$REMOTE/tracing_on")" 1 || return 1
	bash -c "$(declare -f cpu_ids on_cpu write_events write_burst); REMOTE=$REMOTE; $*" || return 1
	if [ "$stop" = int ]; then
		sleep 0.3
		kill -INT "$pid"
	fi
	status=0
	wait "$pid" || status=$?
	[ "$status" = 0 ] || { echo "remotectl record exited $status:" >&2; cat "$err" >&2; }
	return "$status"
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
# in that order, with time stamps that never go back, all on CPU when given. (Two events may
# print the same microsecond: trace_pipe shows us, and the writer can be that fast: seen once.)
# (awk: a bash read loop takes seconds per thousand lines under TCG. Busybox awk reads
# numbers with a leading 0 as octal, so the zeros are stripped first.)
check_ids()
{
	local first=$1 last=$2 file=$3 cpu=${4:--1}
	[ -s "$file" ] || { echo "$file is empty" >&2; return 1; }
	awk -v first="$first" -v want="$first" -v last="$last" -v cpu="$cpu" '
	function fail(why) {
		printf "line %d: %s: \"%s\"\n", NR, why, $0 > "/dev/stderr"
		bad = 1
		exit 1
	}
	{
		if ($0 !~ /^\[[0-9][0-9][0-9]\]\t *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]: selftest id=[0-9]+$/)
			fail("not an event line")
		c = substr($0, 2, 3)
		sub(/^0+/, "", c)
		if (cpu >= 0 && c + 0 != cpu)
			fail("not from CPU " cpu)
		rest = substr($0, 7)
		sub(/^ +/, "", rest)
		split(rest, t, /[.:]/)
		sub(/^0+/, "", t[2])
		ts = t[1] * 1000000 + t[2]
		if (NR > 1 && ts < prev)
			fail("time stamp before the previous line'"'"'s: \"" prevline "\"")
		id = rest
		sub(/^.*id=/, "", id)
		if (id + 0 != want)
			fail("expected id " want)
		prev = ts
		prevline = $0
		want++
	}
	END {
		if (bad)
			exit 1
		if (NR != last - first + 1 || want - 1 != last) {
			printf "expected %d events ending with id %d, got %d ending with id %d\n",
				last - first + 1, last, NR, want - 1 > "/dev/stderr"
			exit 1
		}
	}' "$file"
}

# The id of the event on line N of FILE.
id_at()
{
	sed -n "$1s/^.*: selftest id=\([0-9]*\)$/\1/p" "$2"
}

# export_file NAME FILE: send FILE to the host over the console (base64 between markers, with
# its sha256), where tests/vm/boot saves it as NAME in $REMOTECTL_VM_FILES for host-side checks.
export_file()
{
	{
		echo "REMOTECTL-VM-FILE-BEGIN $1"
		base64 "$2"
		echo "REMOTECTL-VM-FILE-END $1 $(sha256sum <"$2" | cut -d' ' -f1)"
	} >/dev/console
}

# kernel_lines FILE: the events of a text capture, of `remotectl report` or of `trace-cmd
# report` in the kernel's own form, "[CPU]<TAB>  SEC.USEC: EVENT ARGS". Text captures are that
# already; a report line either carries the kernel's line as a remotectl:text event or prints
# a binary event ("[001]  6.637288: selftest: id=1").
kernel_lines()
{
	awk '
	/^\[[0-9][0-9][0-9]\]\t/ { print; next }
	/ text: +\[[0-9][0-9][0-9]\]\t/ { sub(/^.* text: +/, ""); print; next }
	match($0, /\[[0-9][0-9][0-9]\] +[0-9]+\.[0-9]+: [a-z_]+: /) {
		s = substr($0, RSTART)
		cpu = substr(s, 1, 5)
		s = substr(s, 6)
		sub(/^ +/, "", s)
		ts = s
		sub(/:.*/, "", ts)
		s = substr(s, length(ts) + 3)
		ev = s
		sub(/:.*/, "", ev)
		args = substr(s, length(ev) + 2)
		sub(/^ +/, "", args)
		printf "%s\t%12s: %s %s\n", cpu, ts, ev, args
	}' "$1"
}

# capture_start ARGS...: remotectl -v ARGS in the background, stdout to $out, stderr to $err,
# pid in $rpid; returns once it reads (-v prints "capturing" just before the readers start).
capture_start()
{
	: >"$err"
	remotectl -v "$@" >"$out" 2>"$err" &
	rpid=$!
	for _ in $(seq 1 200); do
		grep -q ': capturing$' "$err" && return 0
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$err" >&2
	return 1
}

# capture_stop SIG: end capture_start's remotectl with SIG once the kernel's 100 ms poll and
# the half second after which a remote's lines go out have passed; its status in $rc ($err
# shown when it is not 0).
capture_stop()
{
	sleep 1
	kill -"$1" "$rpid"
	rc=0
	wait "$rpid" || rc=$?
	rpid=
	[ "$rc" -eq 0 ] || cat "$err" >&2
}
