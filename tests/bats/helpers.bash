# Shared helpers for the host Bats suites.
RCTL=${RCTL:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/remotectl}
TRACEFS=${TRACEFS:-/sys/kernel/tracing}

# build TARGET...: make what a suite runs. In a tests/vm guest (--kernel) the checkout at /repo
# comes built, and there is no compiler.
build() {
	[ -n "${REMOTECTL_VM:-}" ] || make -s -C "$(cd "$BATS_TEST_DIRNAME/../.." && pwd)" "$@" >/dev/null
}

# Does this kernel map the ring buffer (mmap of trace_pipe_raw, Linux 6.10+)? Decided by the
# release, never by asking remotectl: the suites also run on Debian 12's 6.1 (tests/vm).
kernel_maps_buffer() {
	local major minor
	IFS=.- read -r major minor _ <<< "$(uname -r)"
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 10 ]; }
}

# For tests of the mmap transport itself.
require_mmap() {
	kernel_maps_buffer ||
		skip "Linux $(uname -r) cannot map the ring buffer (6.10+): nothing to test via mmap"
}

# The transport auto picks for an instance here, and the reason it gives for read().
auto_transport() {
	if kernel_maps_buffer; then echo mmap; else echo read; fi
}
NO_MMAP_WHY="mmap refused: No such device (Linux $(uname -r) predates ring-buffer mapping, 6.10)"
# How record's summary and -v name the transport auto picks.
auto_said() {
	if kernel_maps_buffer; then echo "transport mmap"; else echo "transport read ($NO_MMAP_WHY)"; fi
}

# Kernel-independent tests (files only, ASan builds) run on the host, not in a tests/vm guest.
host_only() {
	[ -z "${REMOTECTL_VM:-}" ] || skip "kernel-independent; runs on the host"
}

# Skip a real-kernel test, with the reason, when tracefs instances cannot be made here.
require_tracefs() {
	if [ ! -d "$TRACEFS/instances" ]; then
		mount -t tracefs nodev "$TRACEFS" 2>/dev/null ||
			skip "tracefs is not mounted at $TRACEFS and cannot be mounted (not root?)"
	fi
	[ -w "$TRACEFS/instances" ] || skip "cannot create tracefs instances (not root)"
}

# A private instance for this test: instances/remotectl-test-<pid>-<test number>, and -2, -3...
# for more in the same test; its name in INST, its path in IDIR.
make_instance() {
	require_tracefs
	NR_INSTANCES=$((${NR_INSTANCES:-0} + 1))
	INST="remotectl-test-$$-${BATS_TEST_NUMBER}"
	[ "$NR_INSTANCES" -eq 1 ] || INST="$INST-$NR_INSTANCES"
	IDIR="$TRACEFS/instances/$INST"
	mkdir "$IDIR"
	echo "$IDIR" >> "$BATS_TEST_TMPDIR/instances"
}

# Remove every instance the test made, even when it failed half way.
remove_instance() {
	local d rc=0
	[ -f "$BATS_TEST_TMPDIR/instances" ] || return 0
	while read -r d; do
		[ -d "$d" ] || continue
		echo 0 > "$d/tracing_on" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$d" 2>/dev/null && break
			sleep 0.2
		done
		[ ! -d "$d" ] || { echo "could not remove $d" >&2; rc=1; }
	done < "$BATS_TEST_TMPDIR/instances"
	rm -f "$BATS_TEST_TMPDIR/instances"
	return $rc
}

# gone PID: the process has ended. (A bare "! kill -0" in a test fails nothing: set -e does not
# act on a negated command.)
gone() {
	! kill -0 "$1" 2>/dev/null
}

# wait_gone PID: wait up to 5 s for the process to end; fails if it does not.
wait_gone() {
	local _
	for _ in $(seq 1 100); do
		gone "$1" && return 0
		sleep 0.05
	done
	echo "process $1 still runs" >&2
	return 1
}

# capture_pid [PID]: the process that captures for remotectl PID (default RPID): with autogroup
# scheduling its child in a session of its own (src/cmd/own_session.h), else PID itself. Once the
# capture has begun.
capture_pid() {
	local p=${1:-$RPID} c
	c=$(pgrep -P "$p" -x remotectl | head -1)
	echo "${c:-$p}"
}

# Write one trace_marker line from CPU $1.
marker_on_cpu() {
	taskset -c "$1" sh -c "echo '$2' > '$IDIR/trace_marker'"
}

# setup_file and teardown_file of every real-kernel suite: note the top-level settings before
# the file's tests and fail the file if any of them changed. A suite with a setup_file of its
# own calls top_guard_start from it.
top_guard_start() {
	if [ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null; then
		top_state > "$BATS_FILE_TMPDIR/top.before"
	fi
}

setup_file() {
	top_guard_start
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/top.before" ] || return 0
	top_state > "$BATS_FILE_TMPDIR/top.after"
	# On older kernels (6.1) the first event enabled in any instance also grows the top level
	# from "7 (expanded: 1408)" to its full size: the kernel's doing, once per boot. Newer ones
	# grow each buffer on its own, so there the guard stays strict.
	if grep -q '^buffer_size_kb=[0-9]* (expanded: [0-9]*)$' "$BATS_FILE_TMPDIR/top.before" &&
		grep -q '^buffer_size_kb=[0-9]*$' "$BATS_FILE_TMPDIR/top.after" && ! kernel_maps_buffer; then
		sed -i 's/^buffer_size_kb=.*/buffer_size_kb=(grown by the kernel)/' \
			"$BATS_FILE_TMPDIR/top.before" "$BATS_FILE_TMPDIR/top.after"
	fi
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
