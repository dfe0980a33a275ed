# Helpers for tests/bats/tracedat*.bats (trace.dat writer, reader, report, recover), on top of
# helpers.bash (instances, the top-level guard) and record_helpers.bash (a capture in the
# background). Real-kernel tests need root, tracefs and Debian's trace-cmd; otherwise they skip.
load helpers
load record_helpers

TD_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
TD_ASAN="$TD_ROOT/build/asan/remotectl"
TD_CAP="$TD_ROOT/build/tools/tracedat_capture"
TD_BUF="$TD_ROOT/build/tools/tracedat_buffers"
export LSAN_OPTIONS="suppressions=$TD_ROOT/tests/lsan.supp"
export ASAN_OPTIONS="exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=98:print_stacktrace=1"

td_need_trace_cmd() {
	command -v trace-cmd >/dev/null || skip "no trace-cmd"
}

# remotectl record -v ARGS in the background (record_helpers.bash: pid in RPID, stdout in OUT,
# stderr with the summary in ERR); returns once it reads the buffers. The suite's teardown
# (kill_record) ends it if the test did not.
td_record_bg() {
	start_record record -v "$@"
	wait_capturing
}

# trace-cmd report's text on stdin in remotectl's form: no "cpus=N" first line, loss lines as
# the kernel prints them ("CPU:N [LOST n EVENTS]" for trace-cmd's "CPU:N [n EVENTS DROPPED]"),
# and, for a file whose single buffer with data is named $1 ("" for the top level), no
# "NAME: " prefix (remotectl prefixes lines only when several buffers hold data).
td_canonical() {
	awk -v p="$1: " '
		NR == 1 && /^cpus=[0-9]+$/ { next }
		p != ": " && index($0, p) == 1 { $0 = substr($0, length(p) + 1) }
		/(^|: )CPU:[0-9]+ \[[0-9]+ EVENTS DROPPED\]$/ {
			sub(/ \[/, " [LOST "); sub(/ EVENTS DROPPED\]$/, " EVENTS]")
		}
		/(^|: )CPU:[0-9]+ \[EVENTS DROPPED\]$/ { sub(/\[EVENTS DROPPED\]$/, "[LOST EVENTS]") }
		{ print }'
}

# Both reports of FILE into FILE.tc / FILE.rc, and report --jobs 3 into FILE.rcj; fails unless
# all are identical (trace-cmd's in remotectl's form; report --stat lists the buffers with data).
td_same_report() {
	local f="$1" names=""
	names=$("$RCTL" report --stat "$f" | awk '
		/^buffer: / { name = $2; if (name == "(top)") name = "" }
		$1 ~ /^[0-9]+$/ && $3 > 0 { has[name] = 1 }
		END { for (n in has) { print (n == "" ? "-" : n) } }')
	if [ "$(printf '%s' "$names" | grep -c .)" -le 1 ]; then
		[ "$names" = "-" ] && names=
		trace-cmd report -i "$f" 2>/dev/null | td_canonical "$names" > "$f.tc"
	else
		trace-cmd report -i "$f" 2>/dev/null | td_canonical "" > "$f.tc"
	fi
	"$RCTL" report "$f" > "$f.rc"
	if ! cmp -s "$f.tc" "$f.rc"; then
		diff "$f.tc" "$f.rc" | head -20
		return 1
	fi
	# Lines made on several threads are the same bytes.
	"$RCTL" report --jobs 3 "$f" > "$f.rcj"
	if ! cmp -s "$f.rc" "$f.rcj"; then
		echo "report --jobs 3 differs from report:"
		diff "$f.rc" "$f.rcj" | head -20
		return 1
	fi
}

# How many lines of FILE contain "WORD N" for each N in 0..COUNT-1, exactly once each.
td_each_once() {
	local f="$1" word="$2" count="$3"
	local got
	got=$(grep -o "$word [0-9]*" "$f" | sort | uniq -c | awk '$1 == 1' | wc -l)
	[ "$got" -eq "$count" ] || { echo "$word: $got of $count exactly once"; return 1; }
	[ "$(grep -c "$word " "$f")" -eq "$count" ]
}

# Offsets of every v7 section start, header end and end in FILE (one per line).
td_section_boundaries() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = 10
pos = d.index(b'\0', pos) + 1 + 2 + 4
if d[10:12] == b'7\0':
    pos = d.index(b'\0', pos) + 1
    pos = d.index(b'\0', pos) + 1
    pos += 8
    while pos + 16 <= len(d):
        size = struct.unpack_from('<Q', d, pos + 8)[0]
        print(pos); print(pos + 16)
        if size > len(d) - pos - 16:
            break
        pos += 16 + size
        print(pos)
else:
    print(pos)
PY
}

# Run the ASan/UBSan remotectl; fail on a sanitizer report or an unexpected exit code, or when
# report --jobs 2 prints other lines or exits otherwise.
td_asan_report() {
	local out rc jout jrc
	out=$("$TD_ASAN" report "$@" 2>&1 >"$BATS_TEST_TMPDIR/asan.1") && rc=0 || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then
		echo "exit $rc on $*: $out" | head -30
		return 1
	fi
	if grep -q 'Sanitizer\|runtime error' <<<"$out"; then
		echo "$out" | head -30
		return 1
	fi
	# On several threads: as safe, the same lines and the same exit status.
	jout=$("$TD_ASAN" report --jobs 2 "$@" 2>&1 >"$BATS_TEST_TMPDIR/asan.2") && jrc=0 ||
		jrc=$?
	if [ $jrc -ne $rc ] || grep -q 'Sanitizer\|runtime error' <<<"$jout" ||
	   ! cmp -s "$BATS_TEST_TMPDIR/asan.1" "$BATS_TEST_TMPDIR/asan.2"; then
		echo "--jobs 2: exit $jrc (not $rc) on $*: $jout" | head -30
		return 1
	fi
}

# Does FILE hold a KALLSYMS section (trace-cmd's view)?
td_has_kallsyms() {
	trace-cmd dump --summary "$1" 2>/dev/null | grep -q '^	\[Kallsyms, [0-9]* bytes\]$'
}

# RC_CHUNK sections (remotectl's journal) in FILE.
td_journal_chunks() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = d.index(b'\0', 10) + 1 + 2 + 4
pos = d.index(b'\0', pos) + 1
pos = d.index(b'\0', pos) + 1 + 8
n = 0
while pos + 16 <= len(d):
    sid, size = struct.unpack_from('<H', d, pos)[0], struct.unpack_from('<Q', d, pos + 8)[0]
    if pos + 16 + size > len(d):
        break
    n += sid == 0x7263
    pos += 16 + size
print(n)
PY
}

# formats_of FILE: the events whose formats FILE stores, but ftrace's (all always), sorted.
formats_of() {
	trace-cmd report -i "$1" -E 2>/dev/null | grep -v '^ftrace:' | sort
}

# A syscall nothing else makes, with an argument to recognise: prio_max N [CPU] calls it N
# times (on CPU).
SYS_EV=sys_enter_sched_get_priority_max
prio_max() {
	${2:+taskset -c "$2"} python3 -c 'import os, sys
for _ in range(int(sys.argv[1])):
    os.sched_get_priority_max(os.SCHED_RR)' "$1"
}
