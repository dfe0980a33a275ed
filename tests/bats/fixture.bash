# A plain-directory tracefs look-alike for discovery and parsing tests only: it cannot show
# kernel behaviour (EBUSY, blocking reads), which the real-kernel and QEMU suites test.

# fixture_file PATH CONTENT
fixture_file() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" > "$1"
}

# fixture_event DIR SYSTEM EVENT ID [ENABLE]: ENABLE "-" makes no enable file (read-only).
fixture_event() {
	local d="$1/events/$2/$3"
	mkdir -p "$d"
	printf '%s\n' "$4" > "$d/id"
	printf 'name: %s\nID: %s\nformat:\n' "$3" "$4" > "$d/format"
	[ "${5:-0}" = "-" ] || printf '%s\n' "${5:-0}" > "$d/enable"
}

# fixture_cpus DIR N FILE...: per_cpu/cpu0..N-1 with the given files.
fixture_cpus() {
	local dir="$1" n="$2" cpu f
	shift 2
	for ((cpu = 0; cpu < n; cpu++)); do
		mkdir -p "$dir/per_cpu/cpu$cpu"
		for f in "$@"; do
			if [ "$f" = stats ]; then
				printf 'entries: %d\noverrun: %d\ncommit overrun: 0\nbytes: %d\noldest event ts: 0.000000\nnow ts: 1.000000\ndropped events: %d\nread events: 0\n' \
					$((cpu + 10)) $((cpu + 1)) $((cpu * 100)) $((cpu + 2)) \
					> "$dir/per_cpu/cpu$cpu/stats"
			else
				: > "$dir/per_cpu/cpu$cpu/$f"
			fi
		done
	done
}

# make_fixture DIR: a top level, remotes/test, hypervisor/, instances/backup (read-only) and
# instances/test (so that "test" is ambiguous).
make_fixture() {
	local root="$1"

	mkdir -p "$root"
	fixture_file "$root/tracing_on" 1
	fixture_file "$root/buffer_size_kb" "7 (expanded: 1408)"
	fixture_file "$root/trace_clock" "[local] global counter boot"
	: > "$root/trace_pipe"
	fixture_cpus "$root" 2 trace_pipe_raw trace_pipe trace stats
	fixture_event "$root" sched sched_switch 316 1
	fixture_event "$root" sched sched_wakeup 317 0
	mkdir -p "$root/events/ftrace/print"
	printf '5\n' > "$root/events/ftrace/print/id"
	printf 'name: print\n' > "$root/events/ftrace/print/format"
	mkdir -p "$root/options" "$root/instances"

	local r="$root/remotes/test"
	fixture_file "$r/tracing_on" 0
	fixture_file "$r/buffer_size_kb" "7 (unloaded)"
	: > "$r/trace"
	: > "$r/trace_pipe"
	: > "$r/write_event"
	fixture_cpus "$r" 4 trace trace_pipe
	fixture_file "$r/events/enable" 0
	fixture_file "$r/events/header_page" "	field: u64 timestamp;	offset:0;	size:8;	signed:0;"
	fixture_file "$r/events/header_event" "	type_len    :    5 bits"
	fixture_event "$r" test selftest 1 0

	local h="$root/hypervisor"
	fixture_file "$h/tracing_on" 1
	fixture_file "$h/buffer_size_kb" 4096
	fixture_file "$h/trace_clock" "[boot]"
	: > "$h/trace"
	fixture_cpus "$h" 2 trace_pipe_raw trace_pipe trace
	fixture_event "$h" hypervisor hyp_enter 0 1
	fixture_event "$h" hypervisor hyp_exit 1 1
	fixture_event "$h" hypervisor selftest 2 0

	local b="$root/instances/backup"
	fixture_file "$b/buffer_size_kb" 1408
	fixture_file "$b/trace_clock" "[local] global"
	: > "$b/trace"
	fixture_cpus "$b" 2 trace_pipe_raw trace_pipe trace stats
	fixture_event "$b" sched sched_switch 316 -

	local i="$root/instances/test"
	fixture_file "$i/tracing_on" 1
	fixture_file "$i/buffer_size_kb" 2048
	fixture_cpus "$i" 2 trace_pipe_raw trace_pipe
	fixture_event "$i" sched sched_switch 316 0
}

# make_hypervisor_remote ROOT: remotes/hypervisor as arm64 Linux 7.2.13 lays it out, with its
# real event formats (tests/data) and no events/hypervisor/enable; per_cpu/cpuN/trace_pipe are
# plain files that the test fills with the kernel's lines (a read ends at their end).
make_hypervisor_remote() {
	local r="$1/remotes/hypervisor" cpu
	mkdir -p "$r"
	cp -r "$BATS_TEST_DIRNAME/../data/hypervisor-7.2.13/events" "$r/"
	fixture_file "$r/tracing_on" 0
	fixture_file "$r/buffer_size_kb" "7 (unloaded)"
	fixture_file "$r/trace_clock" "[boot]"
	fixture_file "$r/events/enable" 1
	for cpu in hyp_enter hyp_exit selftest; do
		fixture_file "$r/events/hypervisor/$cpu/enable" 1
	done
	printf '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n' \
		> "$r/events/header_page"
	printf '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n\ttime_stamp : type == 31\n\tdata max type_len  == 28\n' \
		> "$r/events/header_event"
	: > "$r/trace"
	: > "$r/trace_pipe"
	: > "$r/write_event"
	fixture_cpus "$r" 2 trace trace_pipe
}
