# Shared helpers for the host Bats suites.
RCTL=${RCTL:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/remotectl}
TRACEFS=${TRACEFS:-/sys/kernel/tracing}

# Skip a real-kernel test, with the reason, when tracefs instances cannot be made here.
require_tracefs() {
	if [ ! -d "$TRACEFS/instances" ]; then
		mount -t tracefs nodev "$TRACEFS" 2>/dev/null ||
			skip "tracefs is not mounted at $TRACEFS and cannot be mounted (not root?)"
	fi
	[ -w "$TRACEFS/instances" ] || skip "cannot create tracefs instances (not root)"
}

# A private instance for this test: instances/remotectl-test-<pid>-<test number>.
make_instance() {
	require_tracefs
	INST="remotectl-test-$$-${BATS_TEST_NUMBER}${1:-}"
	IDIR="$TRACEFS/instances/$INST"
	mkdir "$IDIR"
}

# Remove the test's instance even when the test failed half way.
remove_instance() {
	[ -n "${IDIR:-}" ] && [ -d "$IDIR" ] || return 0
	echo 0 > "$IDIR/tracing_on" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$IDIR" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "could not remove $IDIR" >&2
	return 1
}

# Write one trace_marker line from CPU $1.
marker_on_cpu() {
	taskset -c "$1" sh -c "echo '$2' > '$IDIR/trace_marker'"
}

# setup_file and teardown_file of every real-kernel suite: note the top-level settings before
# the file's tests and fail the file if any of them changed.
setup_file() {
	if [ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null; then
		top_state > "$BATS_FILE_TMPDIR/top.before"
	fi
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/top.before" ] || return 0
	top_state > "$BATS_FILE_TMPDIR/top.after"
	diff "$BATS_FILE_TMPDIR/top.before" "$BATS_FILE_TMPDIR/top.after"
}

# Snapshot of the top-level settings tests must never change.
top_state() {
	local f
	for f in tracing_on buffer_size_kb trace_clock set_event current_tracer buffer_percent; do
		printf '%s=%s\n' "$f" "$(cat "$TRACEFS/$f" 2>/dev/null)"
	done
}
bats_require_minimum_version 1.5.0
