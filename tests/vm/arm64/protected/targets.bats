#!/usr/bin/env bats
# The hypervisor and the host kernel on one timeline: arm64 guest booted with
# kvm-arm.mode=protected (pKVM in hVHE, where the hypervisor's clock stays right while a vCPU
# runs; tests/vm/test boots it for this directory). remotectl records remotes/hypervisor (boot
# clock) and the top level (set to boot for the capture) at once.

REMOTE_NAME=hypervisor
load ../../guest/remote

setup()
{
	[ -d "$REMOTE" ] || { echo "no $REMOTE: not the arm64 guest?" >&2; return 1; }
	grep -q 'kvm-arm.mode=protected' /proc/cmdline ||
		{ echo "not booted with kvm-arm.mode=protected" >&2; return 1; }
	remote_restore
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
	clock_before=$(cat "$TRACEFS/trace_clock")
}

teardown()
{
	[ -z "${rpid:-}" ] || { kill -KILL "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; } || true
	remote_teardown
	expect_eq "$(cat "$TRACEFS/trace_clock")" "$clock_before"
}

# cpu_items FILE CPU: CPU's events of both targets in output order, as "EVENT ARGS" (the
# hypervisor's in the kernel's form, the host's after trace-cmd's columns; a marker as "print
# TEXT": the guest kernel has no kallsyms to name the writer's ip).
cpu_items()
{
	local c
	c=$(printf '%03d' "$2")
	sed -nE -e "s/^hypervisor: \\[$c\\]\t *[0-9.]+: (.*)$/\\1/p" \
		-e "s/^ *[^ ].*\\[$c\\] +[0-9.]+: +print: +[^ ]+: (.*)$/print \\1/p" \
		-e "s/^ *[^ ].*\\[$c\\] +[0-9.]+: +(kvm_entry|kvm_exit): +(.*)$/\\1 \\2/p" "$1"
}

@test "hVHE: each guest exit lies between the host's kvm_entry and kvm_exit that bracket it" {
	local n=200 cpu=1 pid windows exits
	capture_start record -r hypervisor -e 'hypervisor:*' -b 1M \
		-r top -e kvm:kvm_entry -e kvm:kvm_exit
	taskset -c "$cpu" kvm_exits "$n" >"$out.kvm"
	capture_stop INT
	[ "$rc" -eq 0 ]
	grep -q '^remotectl: clock: boot for every target$' "$err"
	grep -q '^remotectl: top: trace_clock boot for the capture (was ' "$err"
	pid=$(sed -n 's/^vcpu_pid=\([0-9]*\) exits='"$n"'$/\1/p' "$out.kvm")
	[ -n "$pid" ]
	cpu_items "$out" "$cpu" >"$out.cpu"
	# Walk the CPU's merged events: a guest's entry and exit at EL2 only inside a window
	# the host opened with kvm_entry and had not yet closed with kvm_exit.
	awk -v pid="$pid" '
		function fail(why) { printf "line %d: %s: %s\n", NR, why, $0 > "/dev/stderr"; bad = 1; exit 1 }
		/^kvm_entry / { if (open) fail("kvm_entry inside a window"); open = 1; seen = 0; windows++ }
		/^kvm_exit / { if (!open) fail("kvm_exit without kvm_entry"); if (!seen) fail("a window without a guest exit"); open = 0 }
		$0 == "hyp_enter reason=guest_exit vcpu=" pid { if (!open) fail("guest exit outside a window"); seen = 1; exits++ }
		$0 == "hyp_exit reason=eret_guest vcpu=" pid { if (!open) fail("guest entry outside a window") }
		END { if (!bad) print windows, exits }' "$out.cpu" >"$out.count"
	read -r windows exits <"$out.count"
	echo "windows $windows, guest exits $exits" >&2
	# Every KVM_RUN that returned is a window; interrupts add a few more (never fewer).
	[ "$windows" -ge "$n" ]
	[ "$exits" -ge "$windows" ]
	expect_eq "$(awk '$1 == "all" { print $4 }' "$err" | tr '\n' ' ')" "0 0 "
}

@test "hVHE: write_event ids interleave with the host's markers in the order written" {
	local n=100 i
	capture_start record -r hypervisor -e 'hypervisor:*' -b 1M -r top
	taskset -c 1 bash -c "exec 3>$REMOTE/write_event 4>$TRACEFS/trace_marker
		for ((i = 1; i <= $n; i++)); do echo \$i >&3; echo m-\$i >&4; done"
	capture_stop INT
	[ "$rc" -eq 0 ]
	for ((i = 1; i <= n; i++)); do printf 'selftest id=%d\nprint m-%d\n' "$i" "$i"; done \
		>"$out.want"
	cpu_items "$out" 1 | grep -E '^(selftest id=|print m-)' >"$out.got"
	diff "$out.want" "$out.got"
}

@test "two remotes on different clocks: refused before anything changes" {
	local size_before
	# remote_test stamps with the global clock, the hypervisor with boot; neither can change.
	[ -d "$TRACEFS/remotes/test" ] || skip "no remotes/test in this guest"
	size_before=$(cat "$REMOTE/buffer_size_kb")
	run remotectl record -r hypervisor -b 64K -r test -o "$BATS_TEST_TMPDIR/x.txt"
	expect_eq "$status" 2
	expect_eq "$output" "remotectl: remotes/hypervisor stamps with the boot clock and remotes/test with global: their events cannot be merged"
	[ ! -e "$BATS_TEST_TMPDIR/x.txt" ]
	expect_eq "$(cat "$REMOTE/buffer_size_kb")" "$size_before"
}

@test "hVHE: the hypervisor and the top level in one trace.dat, merged in the order written" {
	local n=100 i f=$out.dat
	capture_start record -r hypervisor -e 'hypervisor:*' -b 1M -r top -o "$f"
	taskset -c 1 bash -c "exec 3>$REMOTE/write_event 4>$TRACEFS/trace_marker
		for ((i = 1; i <= $n; i++)); do echo \$i >&3; echo m-\$i >&4; done"
	capture_stop INT
	[ "$rc" -eq 0 ]
	remotectl report "$f" >"$f.txt"
	for ((i = 1; i <= n; i++)); do printf 'selftest: id=%d\nprint: m-%d\n' "$i" "$i"; done \
		>"$out.want"
	# The hypervisor's events re-encoded print after trace-cmd's columns, like the host's.
	sed -nE -e 's/^hypervisor: .*\[001\] +[0-9.]+: selftest: +(id=[0-9]+)$/selftest: \1/p' \
		-e 's/^ +[^ ].*\[001\] +[0-9.]+: print: +[^ ]+: (m-[0-9]+)$/print: \1/p' \
		"$f.txt" >"$out.got"
	diff "$out.want" "$out.got"
	expect_eq "$(remotectl report --stat "$f" | grep '^buffer: ' | tr '\n' ' ')" \
		"buffer: hypervisor (clock boot) buffer: (top) (clock boot) "
}
