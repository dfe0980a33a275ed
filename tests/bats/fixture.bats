#!/usr/bin/env bats
# Discovery and parsing on a plain-directory fixture laid out like remotes/test, Android's
# hypervisor/ and a read-only backup instance. Kernel behaviour is tested on real kernels.
load helpers
load fixture

setup() {
	FX="$BATS_TEST_TMPDIR/tracefs"
	make_fixture "$FX"
	R() { "$RCTL" --tracefs "$FX" "$@"; }
}

@test "list: every kind of target, in order, with its state" {
	run --separate-stderr R list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "KIND       NAME                 TRACING SIZE    LOADED   CPUS   EVENTS      TRANSPORT" ]
	[ "${lines[1]}" = "top        top                  on      7K      -        0-1    1/3         read" ]
	[ "${lines[2]}" = "hypervisor hypervisor           on      4M      -        0-1    2/3         read" ]
	[ "${lines[3]}" = "instance   backup               -       1408K   -        0-1    -/1         read (read-only)" ]
	[ "${lines[4]}" = "instance   test                 on      2M      -        0-1    0/1         read" ]
	[ "${lines[5]}" = "remote     test                 off     7K      unloaded 0-3    0/1         text" ]
	[ "${#lines[@]}" -eq 6 ]
}

@test "list -q drops the header" {
	run R -q list
	[ "$status" -eq 0 ]
	[ "${lines[0]:0:4}" = "top " ]
}

@test "list: no remotes/ directory is explained in one line" {
	rm -rf "$FX/remotes"
	run R list
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^"remotes: none (no remotes/ directory: kernel "[^\ ]+" is older than 7.1, which added trace remotes)"$ ]] ||
	[ "${lines[-1]}" = "remotes: none (no remotes/ directory: no trace remote is registered (the kernel creates it with the first))" ]
}

@test "list: an empty remotes/ says no remote is registered" {
	rm -rf "$FX/remotes/test"
	run R list
	[ "${lines[-1]}" = "remotes: none (remotes/ is empty: no trace remote is registered)" ]
}

@test "list --json: every target with its fields" {
	run --separate-stderr R list --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.targets | length == 5'
	echo "$output" | jq -e '[.targets[].label] == ["top","hypervisor","instances/backup","instances/test","remotes/test"]'
	echo "$output" | jq -e '.targets[4] | .kind == "remote" and .loaded == false and .buffer_size_kb == 7 and .cpus == [0,1,2,3] and .transport == "text" and .transports == ["text"] and .events_enabled == 0 and .events_available == 1 and .clock == null and .tracing_on == false'
	echo "$output" | jq -e '.targets[2] | .read_only == true and .tracing_on == null and .events_enabled == null and .buffer_size_kb == 1408'
	echo "$output" | jq -e '.targets[0] | .buffer_size_kb == 7 and .expanded_size_kb == 1408 and .clock == "local"'
	echo "$output" | jq -e '.targets[1] | .clock == "boot" and .transports == ["read"]'
	echo "$output" | jq -e '.remotes.count == 1 and .remotes.note == null'
	echo "$output" | jq -e --arg fx "$FX" '.tracefs == $fx'
}

@test "status of a remote: every line" {
	run --separate-stderr R status -r remotes/test
	[ "$status" -eq 0 ]
	[ "$output" = "target:     remotes/test
kind:       remote
directory:  $FX/remotes/test
tracing:    off
buffer:     7K per CPU (unloaded)
cpus:       0-3
events:     0 of 1 enabled
clock:      - (no trace_clock)
read-only:  no
transport:  text (no trace_pipe_raw: text trace_pipe only)
statistics: none (the kernel gives no per_cpu/cpuN/stats here)" ]
}

@test "status of a backup instance: read-only, per-CPU statistics" {
	run R status -r backup
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "buffer:     1408K per CPU" ]
	[ "${lines[6]}" = "events:     1 (no enable files)" ]
	[ "${lines[8]}" = "read-only:  yes (backup instance)" ]
	[ "${lines[10]}" = "CPU       ENTRIES      OVERRUN COMMIT_OVERRUN          BYTES      DROPPED         READ" ]
	[ "${lines[11]}" = "0              10            1              0              0            2            0" ]
	[ "${lines[12]}" = "1              11            2              0            100            3            0" ]
	[ "${#lines[@]}" -eq 13 ]
}

@test "status: only the top level grows when first used, though 6.1 says so on instances too" {
	run R status -r top
	[ "${lines[4]}" = "buffer:     7K per CPU (grows to 1408K when first used)" ]
	# 6.1's form for an instance (allocated in full) while the top level is not.
	echo "1410 (expanded: 1408)" > "$FX/instances/test/buffer_size_kb"
	run --separate-stderr R status -r instances/test
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "buffer:     1410K per CPU" ]
	run R list --json
	echo "$output" | jq -e '.targets[3] | .label == "instances/test" and .buffer_size_kb == 1410 and (has("expanded_size_kb") | not)'
}

@test "status --json carries the per-CPU statistics" {
	run R status -r backup --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.stats == [{"cpu":0,"entries":10,"overrun":1,"commit_overrun":0,"bytes":0,"dropped":2,"read":0},{"cpu":1,"entries":11,"overrun":2,"commit_overrun":0,"bytes":100,"dropped":3,"read":0}]'
	run R status -r remotes/test --json
	echo "$output" | jq -e '.stats == null'
}

@test "resolution: a name in two places is ambiguous" {
	run --separate-stderr R status -r test
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: target 'test' is ambiguous: remotes/test, instances/test (name one of those)" ]
}

@test "resolution: remotes/, instances/, hypervisor, top and paths" {
	run R status -r remotes/test
	[ "${lines[1]}" = "kind:       remote" ]
	run R status -r instances/test
	[ "${lines[1]}" = "kind:       instance" ]
	run R status -r hypervisor
	[ "${lines[1]}" = "kind:       hypervisor" ]
	run R status -r top
	[ "${lines[1]}" = "kind:       top" ]
	run R status -r "$FX/remotes/test"
	[ "${lines[0]}" = "target:     remotes/test" ]
	(cd "$FX/instances" && "$RCTL" --tracefs "$FX" status -r ./backup) | head -1 |
		grep -qx "target:     instances/backup"
}

@test "resolution: unknown names and bad forms" {
	run --separate-stderr R status -r nosuch
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: no target 'nosuch' in remotes/, instances/ or the root of $FX (see 'remotectl list')" ]
	run --separate-stderr R status -r remotes/nosuch
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: no target remotes/nosuch in $FX (see 'remotectl list')" ]
	run --separate-stderr R status -r events
	[ "$status" -eq 3 ]
	run --separate-stderr R status -r a/b
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: bad target name 'a/b' (a name, remotes/NAME, instances/NAME or a path)" ]
	run --separate-stderr R status -r "$FX/nosuch"
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: target $FX/nosuch: No such file or directory" ]
}

@test "read-only instance: every change is refused with exit 4" {
	local msg="remotectl: instances/backup is a read-only instance (a backup of an earlier boot): cannot change"
	run --separate-stderr R start -r backup
	[ "$status" -eq 4 ]
	[ "$stderr" = "$msg tracing_on" ]
	run --separate-stderr R size -r backup 4M
	[ "$status" -eq 4 ]
	[ "$stderr" = "$msg buffer_size_kb" ]
	run --separate-stderr R clock -r backup global
	[ "$status" -eq 4 ]
	[ "$stderr" = "$msg trace_clock" ]
	run --separate-stderr R events -r backup --enable sched_switch
	[ "$status" -eq 4 ]
	[ "$stderr" = "$msg events/sched/sched_switch/enable" ]
	[ "$(cat "$FX/instances/backup/buffer_size_kb")" = 1408 ]
}

@test "events of a remote and of the hypervisor" {
	run R events -r remotes/test
	[ "$status" -eq 0 ]
	[ "$output" = "    ID  STATE  EVENT
     1  off    test:selftest" ]
	run R -q events -r hypervisor
	[ "$output" = "     0  on     hypervisor:hyp_enter
     1  on     hypervisor:hyp_exit
     2  off    hypervisor:selftest" ]
	run R events -r hypervisor --json
	echo "$output" | jq -e '.[2] == {"system":"hypervisor","name":"selftest","id":2,"enabled":false}'
}

@test "events: globs, a whole system, and a typo that changes nothing" {
	run R events -r hypervisor --disable 'hyp_*' --enable selftest
	[ "$status" -eq 0 ]
	[ "$(cat "$FX/hypervisor/events/hypervisor/hyp_enter/enable")" = 0 ]
	[ "$(cat "$FX/hypervisor/events/hypervisor/hyp_exit/enable")" = 0 ]
	[ "$(cat "$FX/hypervisor/events/hypervisor/selftest/enable")" = 1 ]
	run R events -r hypervisor --enable hypervisor
	[ "$(cat "$FX/hypervisor/events/hypervisor/hyp_enter/enable")" = 1 ]
	run --separate-stderr R events -r hypervisor --disable 'hypervisor:*' --enable nosuch
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: no event of hypervisor matches 'nosuch' (see 'remotectl events -r hypervisor')" ]
	[ "$(cat "$FX/hypervisor/events/hypervisor/hyp_enter/enable")" = 1 ]
}

@test "size shows remote load state; clock shows and lists" {
	run R size -r remotes/test
	[ "$output" = "7K (unloaded)" ]
	run R size -r hypervisor
	[ "$output" = "4M" ]
	run R clock -r hypervisor
	[ "$output" = "boot" ]
	run R clock -r top --list
	[ "$output" = "local *
global
counter
boot" ]
	run --separate-stderr R clock -r remotes/test
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: remotes/test has no trace_clock (its timestamps come from the writer's clock)" ]
}

@test "reset: --cpu must name a CPU of the target" {
	run --separate-stderr R reset -r remotes/test --cpu 9
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: remotes/test has no CPU 9" ]
	run --separate-stderr R reset -r remotes/test --cpu x
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl reset: invalid CPU 'x'" ]
}
