#!/usr/bin/env bats
# remotectl's control commands on the kernel's test remote (remotes/test), each outcome
# checked against the kernel's own files.

load guest/remote

setup()
{
	command -v remotectl >/dev/null ||
		{ echo "no remotectl in the guest: run make first" >&2; return 1; }
	[ -d "$REMOTE" ] || { echo "no $REMOTE" >&2; return 1; }
	remote_restore
	cpus=$(cat /sys/devices/system/cpu/possible)
}

teardown()
{
	remote_teardown
}

# The remote's row of `remotectl list`, single-spaced.
list_row()
{
	remotectl list | awk '$1 == "remote" && $2 == "test"' | tr -s ' '
}

@test "remotectl list: remotes/test with its state, following the kernel's" {
	expect_eq "$(list_row)" "remote test off 7K unloaded $cpus 0/1 text"
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
	expect_eq "$(list_row)" "remote test on 7K loaded $cpus 1/1 text"
}

@test "remotectl list --json: the remote's fields match the kernel's files" {
	echo 1 >tracing_on
	run remotectl list --json
	expect_eq "$status" 0
	remote=$(jq -c '.targets[] | select(.kind == "remote" and .name == "test")' <<<"$output")
	expect_eq "$(jq -r '[.dir, .tracing_on, .buffer_size_kb, .loaded, .events_enabled,
		.events_available, .transport, .clock] | map(tostring) | join(" ")' <<<"$remote")" \
		"$REMOTE true 7 true 0 1 text null"
	expect_eq "$(jq -r '.cpus | map(tostring) | join(" ")' <<<"$remote")" \
		"$(ls -d per_cpu/cpu* | sed 's|per_cpu/cpu||' | sort -n | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "$(jq -r '.remotes.count' <<<"$output")" 1
}

@test "remotectl status -r test: state, size, CPUs, events, text transport, no stats" {
	run remotectl status -r test
	expect_eq "$status" 0
	expect_eq "$output" "target:     remotes/test
kind:       remote
directory:  $REMOTE
tracing:    off
buffer:     7K per CPU (unloaded)
cpus:       $cpus
events:     0 of 1 enabled
clock:      - (no trace_clock)
read-only:  no
transport:  text (no trace_pipe_raw: text trace_pipe only)
statistics: none (the kernel gives no per_cpu/cpuN/stats here)"
}

@test "remotectl start/stop: tracing_on follows; the empty buffer unloads on stop" {
	remotectl start -r test
	expect_eq "$(cat tracing_on)" 1
	assert_loaded
	remotectl stop -r test
	expect_eq "$(cat tracing_on)" 0
	assert_unloaded
}

@test "remotectl size: shows and sets the per-CPU size while unloaded" {
	expect_eq "$(remotectl size -r test)" "7K (unloaded)"
	remotectl size -r test 64K
	expect_eq "$(cat buffer_size_kb)" "64 (unloaded)"
	expect_eq "$(remotectl size -r test)" "64K (unloaded)"
	run remotectl size -r test 0
	expect_eq "$status" 2
	assert_unloaded 64
}

@test "remotectl size while loaded: exit 5 with the EBUSY explanation, size unchanged" {
	echo 1 >tracing_on
	run remotectl size -r test 64K
	expect_eq "$status" 5
	[[ $output == *"cannot resize a loaded remote buffer"* ]]
	assert_loaded
	expect_eq "$(remotectl size -r test)" "7K (loaded)"
}

@test "remotectl size --force: stops, clears, resizes and restores tracing" {
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
	write_events 1 3
	remotectl size -r test --force 64K
	expect_eq "$(cat tracing_on)" 1
	assert_loaded 64
	expect_eq "$(wc -l <trace)" 0
}

@test "remotectl size --force with a trace_pipe reader open: exit 5, still loaded" {
	cat trace_pipe >/dev/null &
	sleep 1
	run remotectl size -r test --force 64K
	expect_eq "$status" 5
	[[ $output == *"still loaded after stopping and clearing it"* ]]
	assert_loaded
}

@test "remotectl reset: empties every CPU; the idle buffer unloads" {
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
	write_events 1 5
	echo 0 >tracing_on
	assert_loaded
	remotectl reset -r test
	expect_eq "$(wc -l <trace)" 0
	assert_unloaded
}

@test "remotectl reset --cpu N: empties that CPU only; unknown CPU exits 3" {
	[ "$(cpu_ids | wc -l)" -ge 2 ] || skip "needs 2 CPUs"
	echo 1 >events/test/selftest/enable
	echo 1 >tracing_on
	for cpu in $(cpu_ids); do
		write_events "$cpu" "$cpu" "$cpu"
	done
	remotectl reset -r test --cpu 1
	expect_eq "$(wc -l <per_cpu/cpu1/trace)" 0
	for cpu in $(cpu_ids); do
		[ "$cpu" = 1 ] && continue
		cat "per_cpu/cpu$cpu/trace" >"$BATS_TEST_TMPDIR/out"
		check_ids "$cpu" "$cpu" "$BATS_TEST_TMPDIR/out" "$cpu"
	done
	run remotectl reset -r test --cpu 99
	expect_eq "$status" 3
	[[ $output == *"has no CPU 99"* ]]
}

@test "remotectl events: lists test:selftest with its id; enables and disables it" {
	run remotectl events -r test
	expect_eq "$status" 0
	expect_eq "$(tr -s ' ' <<<"$output" | sed 's/^ //')" "ID STATE EVENT
1 off test:selftest"
	remotectl events -r test --enable selftest
	expect_eq "$(cat events/test/selftest/enable)" 1
	expect_eq "$(remotectl events -r test | awk '$3 == "test:selftest" { print $1, $2 }')" "1 on"
	remotectl events -r test --disable 'test:*'
	expect_eq "$(cat events/test/selftest/enable)" 0
}

@test "remotectl events --enable with an unknown name: exit 2, nothing changed" {
	run remotectl events -r test --enable selftest --enable nosuch
	expect_eq "$status" 2
	[[ $output == *"matches 'nosuch'"* ]]
	expect_eq "$(cat events/test/selftest/enable)" 0
}

@test "remotectl clock -r test: exit 3, a remote has no trace_clock" {
	run remotectl clock -r test
	expect_eq "$status" 3
	[[ $output == *"has no trace_clock"* ]]
}

@test "remotectl with an unknown target: exit 3 and a pointer to list" {
	run remotectl status -r nosuch
	expect_eq "$status" 3
	[[ $output == *"no target 'nosuch'"* ]]
}

@test "bug-report line on a kernel without a hypervisor remote: exit 3, one line, no output" {
	# What a bug report's script runs, without a tty: x86 has no remotes/hypervisor.
	[ ! -e /sys/kernel/tracing/remotes/hypervisor ]
	timeout 20 remotectl record -r hypervisor -e 'hypervisor:*' -b 1M -d 3 --fail-on-loss -o - \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" </dev/null && status=0 || status=$?
	expect_eq "$status" 3
	expect_eq "$(cat "$BATS_TEST_TMPDIR/err")" "remotectl: no target 'hypervisor': this kernel has no remotes/hypervisor, hypervisor/ or hyp/ in /sys/kernel/tracing (arm64 KVM makes remotes/hypervisor in nVHE or protected mode when built with CONFIG_NVHE_EL2_TRACING; Android's pKVM kernels hypervisor/ or hyp/)"
	expect_eq "$(wc -c <"$BATS_TEST_TMPDIR/out")" 0
}
