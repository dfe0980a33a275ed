#!/usr/bin/env bats
# The kernel's contract for trace remotes, checked on remotes/test in the guest (and, run with
# REMOTE_NAME=hypervisor in the arm64 guest, on the hypervisor's remote). Mirrors the kernel's
# selftests (tools/testing/selftests/ftrace/test.d/remotes/ and remotes/hypervisor/:
# buffer_size, trace, trace_pipe, reset, unloading, hotplug) in plain shell, so the harness
# proves itself against the real kernel before remotectl is tested on it.

load guest/remote

setup()
{
	[ -d "$REMOTE" ] || { echo "no $REMOTE: kernel without its remote?" >&2; return 1; }
	remote_setup
	out=$BATS_TEST_TMPDIR/out
}

teardown()
{
	remote_teardown
}

@test "layout: the remote has the documented files, one per_cpu dir per possible CPU" {
	for f in tracing_on buffer_size_kb trace trace_pipe write_event events/enable \
		events/header_page events/header_event "$SELFTEST/enable" \
		"$SELFTEST/id" "$SELFTEST/format"; do
		[ -e "$f" ] || { echo "missing $f" >&2; return 1; }
	done
	[ ! -e trace_pipe_raw ]
	if [ "$REMOTE_NAME" = hypervisor ]; then
		expect_eq "$(ls /sys/kernel/tracing/remotes | tr '\n' ' ')" "hypervisor test "
		# hyp_enter 0, hyp_exit 1, selftest 2.
		expect_eq "$(cat "$SELFTEST/id")" 2
	else
		expect_eq "$(ls /sys/kernel/tracing/remotes)" "test"
		expect_eq "$(cat "$SELFTEST/id")" 1
	fi
	expect_eq "$(cat tracing_on)" 1
	possible=$(cat /sys/devices/system/cpu/possible)
	expect_eq "$(cd per_cpu && ls -d cpu* | sed 's/cpu//' | sort -n | tr '\n' ' ')" \
		"$(seq -s ' ' "${possible%-*}" "${possible#*-}") "
	expect_eq "$(ls per_cpu/cpu0 | tr '\n' ' ')" "trace trace_pipe "
}

# write_dropped ID: a write_event that must record nothing. remotes/test refuses it (ENODEV);
# the hypervisor takes the hypercall and drops the event.
write_dropped()
{
	run bash -c "echo $1 >write_event"
	if [ "$REMOTE_NAME" = hypervisor ]; then
		expect_eq "$status" 0
	else
		expect_eq "$status" 1
		[[ $output == *"No such device"* ]]
	fi
}

@test "write_event: nothing with the event off or the buffer unloaded, EINVAL for text" {
	echo 0 >"$SELFTEST/enable"
	write_dropped 1
	echo 1 >"$SELFTEST/enable"
	echo 0 >tracing_on
	assert_unloaded
	write_dropped 2
	echo 1 >tracing_on
	run bash -c 'echo x >write_event'
	expect_eq "$status" 1
	[[ $output == *"Invalid argument"* ]]
	expect_eq "$(wc -l <trace)" 0
	write_events 3 3
	cat trace >"$out"
	check_ids 3 3 "$out"
}

@test "buffer_size: resizable only while unloaded; EBUSY while loaded, EINVAL for 0" {
	echo 0 >tracing_on
	assert_unloaded
	echo 4096 >buffer_size_kb
	assert_unloaded 4096
	echo 1 >tracing_on
	assert_loaded 4096

	run bash -c 'echo 8 >buffer_size_kb'
	expect_eq "$status" 1
	[[ $output == *"Device or resource busy"* ]]
	assert_loaded 4096

	echo 0 >tracing_on
	assert_unloaded 4096
	run bash -c 'echo 0 >buffer_size_kb'
	expect_eq "$status" 1
	[[ $output == *"Invalid argument"* ]]
	echo 7 >buffer_size_kb
	assert_unloaded
}

@test "trace: events 1..8 read back in order, without being consumed" {
	assert_loaded
	write_events 1 8
	cat trace >"$out"
	check_ids 1 8 "$out"
	cat trace >"$out"
	check_ids 1 8 "$out"
}

@test "trace: a consuming read of trace_pipe leaves trace empty; new events 16..32 show" {
	write_events 1 8
	read_pipe trace_pipe "$out"
	check_ids 1 8 "$out"
	expect_eq "$(wc -l <trace)" 0
	write_events 16 32
	cat trace >"$out"
	check_ids 16 32 "$out"
}

@test "trace: a write to trace resets the buffer" {
	write_events 1 8
	echo 0 >trace
	expect_eq "$(wc -l <trace)" 0
	write_events 1 8
	cat trace >"$out"
	check_ids 1 8 "$out"
}

@test "trace: an overflowing CPU keeps its newest events, consecutive up to the last" {
	cpu=$(first_cpu)
	n=$(($(events_per_page) * 2))
	write_events 1 "$n" "$cpu"
	cat trace >"$out"
	first=$(id_at 1 "$out")
	[ -n "$first" ] && [ "$first" -gt 1 ]
	check_ids "$first" "$n" "$out" "$cpu"
}

@test "trace: per_cpu/cpuN/trace holds only that CPU's events" {
	for cpu in $(cpu_ids); do
		write_events "$cpu" "$cpu" "$cpu"
	done
	cat trace >"$out"
	expect_eq "$(wc -l <"$out")" "$(cpu_ids | wc -l)"
	for cpu in $(cpu_ids); do
		cat "per_cpu/cpu$cpu/trace" >"$out"
		check_ids "$cpu" "$cpu" "$out" "$cpu"
	done
}

@test "trace_pipe: a reader running during 4 pages of writes gets every event in order" {
	echo 0 >tracing_on
	echo 1024 >buffer_size_kb
	echo 1 >tracing_on
	assert_loaded 1024
	cpu=$(first_cpu)
	n=$(($(events_per_page) * 4))
	cat trace_pipe >"$out" &
	pid=$!
	write_events 1 "$n" "$cpu"
	echo 0 >tracing_on
	sleep 1
	kill "$pid"
	wait "$pid" || true
	check_ids 1 "$n" "$out" "$cpu"
	# Consumed, tracing off and no reader left: the buffer is unloaded.
	assert_unloaded 1024
}

@test "trace_pipe: an overflow shows 'CPU:N [LOST n EVENTS]', then ids n+1..last" {
	cpu=$(first_cpu)
	n=$(($(events_per_page) * 2))
	write_events 1 "$n" "$cpu"
	read_pipe trace_pipe "$out"
	head -n 1 "$out" | grep -Eqx "CPU:$cpu \[LOST [0-9]+ EVENTS\]"
	lost=$(sed -n '1s/^.*\[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out")
	[ "$lost" -gt 0 ]
	expect_eq "$(id_at 2 "$out")" $((lost + 1))
	sed -i 1d "$out"
	check_ids $((lost + 1)) "$n" "$out" "$cpu"
}

@test "trace_pipe: per_cpu/cpuN/trace_pipe returns that CPU's event only" {
	for cpu in $(cpu_ids); do
		write_events "$cpu" "$cpu" "$cpu"
	done
	for cpu in $(cpu_ids); do
		read_pipe "per_cpu/cpu$cpu/trace_pipe" "$out"
		check_ids "$cpu" "$cpu" "$out" "$cpu"
	done
	read_pipe trace_pipe "$out"
	expect_eq "$(wc -l <"$out")" 0
}

# check_reset DIR [CPU]: after a reset through DIR/trace the pipe is empty, and one new event
# (from CPU when given) is read back alone.
check_reset()
{
	local dir=$1 cpu=${2:-}
	echo >"$dir/trace"
	read_pipe "$dir/trace_pipe" "$out"
	expect_eq "$(wc -l <"$out")" 0
	write_events 7890 7890 "$cpu"
	read_pipe "$dir/trace_pipe" "$out"
	check_ids 7890 7890 "$out" "$cpu"
}

@test "reset: a reset empties the buffer and the next event is read alone" {
	write_events 123456 123456
	read_pipe trace_pipe "$out"
	check_ids 123456 123456 "$out"
	write_events 1 1
	check_reset .
}

@test "reset: a reset after 10000 events (overflow, lost events) leaves a clean buffer" {
	write_events 1 10000
	check_reset .
}

@test "reset: per_cpu/cpuN/trace resets that CPU only" {
	[ "$(cpu_ids | wc -l)" -ge 2 ] || skip "needs 2 CPUs"
	for cpu in $(cpu_ids); do
		write_events 1 1 "$cpu"
	done
	first=$(first_cpu)
	check_reset "per_cpu/cpu$first" "$first"
	for cpu in $(cpu_ids); do
		[ "$cpu" = "$first" ] && continue
		read_pipe "per_cpu/cpu$cpu/trace_pipe" "$out"
		check_ids 1 1 "$out" "$cpu"
	done
}

@test "unloading: loaded while tracing or read or holding events, unloaded otherwise" {
	# Tracing on, nothing read: loaded.
	assert_loaded
	# Tracing off, empty: unloaded.
	echo 0 >tracing_on
	assert_unloaded
	# An open trace_pipe reader loads it; its exit unloads it.
	cat trace_pipe >/dev/null &
	pid=$!
	sleep 1
	assert_loaded
	kill "$pid"
	wait "$pid" || true
	assert_unloaded
	# Tracing off with events left: still loaded, until a reset.
	echo 1 >tracing_on
	echo 1 >write_event
	echo 0 >tracing_on
	assert_loaded
	echo >trace
	assert_unloaded
}

# 1..8 written anywhere read back from trace and, consumed, from trace_pipe.
check_read()
{
	write_events 1 8
	cat trace >"$out"
	check_ids 1 8 "$out"
	read_pipe trace_pipe "$out"
	check_ids 1 8 "$out"
}

@test "hotplug: reads work with cpu1 offline, after a reload without it, and after onlining" {
	[ "$(cpu_ids | wc -l)" -ge 2 ] || skip "needs 2 CPUs"
	# x86 cannot offline cpu0 (the selftest's first choice): take cpu1.
	cpu=1
	online=/sys/devices/system/cpu/cpu$cpu/online
	echo 0 >trace
	assert_loaded

	echo 0 >"$online"
	expect_eq "$(cat "$online")" 0
	check_read

	echo 0 >tracing_on
	echo >trace
	assert_unloaded
	echo 1 >tracing_on
	assert_loaded
	check_read

	echo 1 >"$online"
	expect_eq "$(cat "$online")" 1
	assert_loaded
	check_read

	write_events 1 8 "$cpu"
	cat "per_cpu/cpu$cpu/trace" >"$out"
	check_ids 1 8 "$out" "$cpu"
	read_pipe "per_cpu/cpu$cpu/trace_pipe" "$out"
	check_ids 1 8 "$out" "$cpu"
}
