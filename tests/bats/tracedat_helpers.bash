# Helpers for tests/bats/tracedat*.bats (trace.dat writer, reader, report, recover).
# Real-kernel tests: they need root, tracefs and Debian's trace-cmd; otherwise they skip.

TD_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
TD_RC="$TD_ROOT/remotectl"
TD_ASAN="$TD_ROOT/build/asan/remotectl"
TD_CAP="$TD_ROOT/build/tools/tracedat_capture"
TD_TRACEFS=/sys/kernel/tracing
export LSAN_OPTIONS="suppressions=$TD_ROOT/tests/lsan.supp"
export ASAN_OPTIONS="exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=98:print_stacktrace=1"

td_build() {
	make -s -C "$TD_ROOT" remotectl tools >/dev/null
}

td_need_kernel() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$TD_TRACEFS/instances" ] || skip "no tracefs instances"
}

td_need_trace_cmd() {
	command -v trace-cmd >/dev/null || skip "no trace-cmd"
}

# A private instance remotectl-test-<pid>-<n>; its name in TD_INST, path in TD_IDIR.
td_instance() {
	TD_N=$((${TD_N:-0} + 1))
	TD_INST="remotectl-test-$$-$BATS_TEST_NUMBER-$TD_N"
	TD_IDIR="$TD_TRACEFS/instances/$TD_INST"
	mkdir "$TD_IDIR"
	echo "$TD_IDIR" >> "$BATS_TEST_TMPDIR/instances"
}

# remotectl record ARGS in the background (pid in TD_PID; its stderr with the summary in
# record.err); returns once it reads the buffers. td_cleanup ends it if the test did not.
td_record_bg() {
	local err="$BATS_TEST_TMPDIR/record.err" i
	: > "$err"
	"$TD_RC" record -v "$@" 2> "$err" &
	TD_PID=$!
	for i in $(seq 1 200); do
		grep -q ': capturing$' "$err" && return 0
		kill -0 "$TD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$err" >&2
	return 1
}

td_cleanup() {
	local d
	if [ -n "${TD_PID:-}" ] && kill -0 "$TD_PID" 2>/dev/null; then
		kill "$TD_PID"
		wait "$TD_PID" 2>/dev/null || true
	fi
	[ -f "$BATS_TEST_TMPDIR/instances" ] || return 0
	while read -r d; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done < "$BATS_TEST_TMPDIR/instances"
	rm -f "$BATS_TEST_TMPDIR/instances"
}

# trace-cmd report's text on stdin in remotectl's canonical form, for a file whose single
# buffer is named $1 ("" for none): no "NAME: " prefix (remotectl prefixes only when a file
# holds several buffers), and loss lines as the kernel prints them ("CPU:N [LOST n EVENTS]").
td_canonical() {
	awk -v p="$1: " '
		p != ": " && index($0, p) == 1 { $0 = substr($0, length(p) + 1) }
		/^CPU:[0-9]+ \[[0-9]+ EVENTS DROPPED\]$/ {
			sub(/ \[/, " [LOST "); sub(/ EVENTS DROPPED\]/, " EVENTS]")
		}
		/^CPU:[0-9]+ \[EVENTS DROPPED\]$/ { sub(/\[EVENTS DROPPED\]/, "[LOST EVENTS]") }
		{ print }'
}

# Both reports of FILE into FILE.tc / FILE.rc; fails unless they are identical (trace-cmd's
# in the canonical form when one buffer holds data: report --stat lists those).
td_same_report() {
	local f="$1" names
	names=$("$TD_RC" report --stat "$f" | sed -n 's/^buffer: \(.*\) (clock .*/\1/p')
	if [ "$(printf '%s\n' "$names" | wc -l)" -eq 1 ]; then
		[ "$names" = "(top)" ] && names=
		trace-cmd report -i "$f" 2>/dev/null | td_canonical "$names" > "$f.tc"
	else
		trace-cmd report -i "$f" > "$f.tc" 2>/dev/null
	fi
	"$TD_RC" report "$f" > "$f.rc"
	if ! cmp -s "$f.tc" "$f.rc"; then
		diff "$f.tc" "$f.rc" | head -20
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

# Run the ASan/UBSan remotectl; fail on a sanitizer report or an unexpected exit code.
td_asan_report() {
	local out rc
	out=$("$TD_ASAN" report "$@" 2>&1 >/dev/null) && rc=0 || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then
		echo "exit $rc on $*: $out" | head -30
		return 1
	fi
	if grep -q 'Sanitizer\|runtime error' <<<"$out"; then
		echo "$out" | head -30
		return 1
	fi
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
