#!/usr/bin/env bats
# The arm64 hypervisor remote's quirks on a fixture: its real Linux 7.2.13 event formats (a
# kernel function and a malformed string in their print fmts), its lines as trace_pipe gives
# them (plain files here), a clock that jumps near 2^64 ns and back, and finding it by name.
# Parsing only: the guest suite records the real one.
load helpers
load fixture

setup() {
	FX="$BATS_TEST_TMPDIR/tracefs"
	mkdir -p "$FX"
	R() { "$RCTL" --tracefs "$FX" "$@"; }
}

# The kernel's lines of one CPU.
cpu_lines() {
	local f="$FX/remotes/hypervisor/per_cpu/cpu$1/trace_pipe"
	: > "$f"
	[ $# -eq 1 ] || printf '%s\n' "${@:2}" > "$f"
}

hyp_lines() {
	make_hypervisor_remote "$FX"
	cpu_lines 0 $'[000]\t   11.625125: hyp_enter reason=hvc vcpu=0' \
		$'[000]\t   11.625126: selftest id=1' \
		$'[000]\t   11.625127: hyp_exit reason=eret_host vcpu=0' \
		$'[000]\t   11.700000: hyp_enter reason=new_reason vcpu=0'
	cpu_lines 1 $'[001]\t   11.625130: hyp_enter reason=guest_exit vcpu=321' \
		$'[001]\t18446744073.709551: hyp_exit reason=eret_guest vcpu=321' \
		$'[001]\t   11.625140: hyp_enter reason=hvc vcpu=0' \
		$'[001]\t576460752.303423: hyp_exit reason=eret_guest vcpu=321' \
		$'[001]\t   11.625150: selftest id=18446744073709551615'
}

# What record prints for those lines: merged by stamp, each CPU's in its own order.
EXPECTED=$'[000]\t   11.625125: hyp_enter reason=hvc vcpu=0
[000]\t   11.625126: selftest id=1
[000]\t   11.625127: hyp_exit reason=eret_host vcpu=0
[001]\t   11.625130: hyp_enter reason=guest_exit vcpu=321
[000]\t   11.700000: hyp_enter reason=new_reason vcpu=0
[001]\t18446744073.709551: hyp_exit reason=eret_guest vcpu=321
[001]\t   11.625140: hyp_enter reason=hvc vcpu=0
[001]\t576460752.303423: hyp_exit reason=eret_guest vcpu=321
[001]\t   11.625150: selftest id=18446744073709551615'

CLOCK_WARNING="remotectl: warning: remotes/hypervisor: CPU 1: time stamps went back 2 times, by up to 18446744062 s (a clock fault of the remote: arm64 nVHE stamps wrongly while a KVM vCPU is loaded; the CPU's events kept in the kernel's order)"

@test "hypervisor to text: the kernel's lines, every one once; the clock fault named once per CPU" {
	hyp_lines
	run --separate-stderr R record -r hypervisor -d 0.5 -o -
	[ "$status" -eq 0 ]
	[ "$output" = "$EXPECTED" ]
	[ "$(grep -c 'time stamps went back' <<< "$stderr")" -eq 1 ]
	grep -qxF "$CLOCK_WARNING" <<< "$stderr"
}

@test "hypervisor to trace.dat: binary events with their fields that report and trace-cmd print as the kernel did" {
	hyp_lines
	local dat="$BATS_TEST_TMPDIR/h.dat"
	run --separate-stderr R -v record -r hypervisor -d 0.5 -o "$dat"
	[ "$status" -eq 0 ]
	grep -qxF "remotectl: remotes/hypervisor: 9 events stored with their fields, 0 as text" <<< "$stderr"
	grep -qxF "remotectl: hypervisor:hyp_enter: print fmt calls __hyp_enter_exit_reason_str(); stored with its fields and a symbol table of Linux 7.2's enum hyp_enter_exit_reason (9 names, 2 seen; 1 more learnt from the lines): 4 events with their fields, 0 as text" <<< "$stderr"
	grep -qxF "remotectl: hypervisor:hyp_exit: print fmt calls __hyp_enter_exit_reason_str(); stored with its fields and a symbol table of Linux 7.2's enum hyp_enter_exit_reason (9 names, 2 seen; 0 more learnt from the lines): 3 events with their fields, 0 as text" <<< "$stderr"
	grep -qxF "remotectl: hypervisor:selftest: print fmt is quoted twice (\"\"id=%llu\", REC->id\", ); stored with its fields and the print fmt repaired: 2 events with their fields, 0 as text" <<< "$stderr"
	grep -qxF "$CLOCK_WARNING" <<< "$stderr"

	# report: the kernel's text after the stamp, each CPU in the kernel's order.
	run --separate-stderr "$RCTL" report "$dat"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 9 ]
	[ "$(sed -E 's/.*: +[a-z_]+: +//' <<< "$output" | sort)" = \
	  "$(sed -E 's/.*: [a-z_]+ //' <<< "$EXPECTED" | sort)" ]
	[ "$(grep -F '[001]' <<< "$output" | sed -E 's/.*\[001\] +//; s/: +([a-z_]+): +/ \1 /')" = \
	  "$(grep -F '[001]' <<< "$EXPECTED" | sed -E 's/.*\t *//; s/: ([a-z_]+) / \1 /')" ]
	[ "${lines[4]}" = "           <...>--1    [000]    11.700000: hyp_enter:            reason=new_reason vcpu=0" ]
	[ "${lines[5]}" = "           <...>--1    [001] 18446744073.709551: hyp_exit:             reason=eret_guest vcpu=321" ]

	# --event selects them: binary events, not remotectl:text.
	run --separate-stderr "$RCTL" report "$dat" --event hypervisor:hyp_enter
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	run --separate-stderr "$RCTL" report "$dat" --event 'hypervisor:*'
	[ "${#lines[@]}" -eq 9 ]
	run --separate-stderr "$RCTL" report "$dat" --event remotectl:text
	[ "${#lines[@]}" -eq 0 ]

	# trace-cmd reads the stored formats: the repaired one and the symbol tables.
	run --separate-stderr trace-cmd report "$dat"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'hypervisor: ' <<< "$output")" -eq 9 ]
	grep -qF 'hyp_enter:            reason=new_reason vcpu=0' <<< "$output"
	grep -qF 'hyp_exit:             reason=eret_guest vcpu=321' <<< "$output"
	grep -qF 'selftest:             id=18446744073709551615' <<< "$output"
	[ "$(grep -c 'hyp_enter: ' <<< "$output")" -eq 4 ]
	[ "$(grep -c 'remotectl:\|text: ' <<< "$output")" -eq 0 ]
}

@test "--fail-on-loss: a LOST line makes the status 6, with the output complete; without it 0" {
	make_hypervisor_remote "$FX"
	cpu_lines 0 $'[000]\t    1.000000: selftest id=1' 'CPU:0 [LOST 3 EVENTS]' \
		$'[000]\t    1.000010: selftest id=5'
	cpu_lines 1
	run --separate-stderr R record -r hypervisor -d 0.5 -o - --fail-on-loss
	[ "$status" -eq 6 ]
	[ "$output" = $'[000]\t    1.000000: selftest id=1\nCPU:0 [LOST 3 EVENTS]\n[000]\t    1.000010: selftest id=5' ]
	[ "${stderr_lines[-1]}" = "remotectl: remotes/hypervisor: 3 events lost (--fail-on-loss)" ]
	run --separate-stderr R record -r hypervisor -d 0.5 -o -
	[ "$status" -eq 0 ]
	run --separate-stderr R record -r hypervisor -d 0.5 -o - --fail-on-loss -q
	[ "$status" -eq 6 ]
	[ "$stderr" = "remotectl: remotes/hypervisor: 3 events lost (--fail-on-loss)" ]
	# Nothing lost: 0.
	cpu_lines 0 $'[000]\t    1.000000: selftest id=1'
	run --separate-stderr R record -r hypervisor -d 0.5 -o - --fail-on-loss
	[ "$status" -eq 0 ]
}

@test "-r hypervisor: remotes/hypervisor, hypervisor/ or hyp/, never an instance; none is exit 3" {
	run --separate-stderr R status -r hypervisor
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: no target 'hypervisor': this kernel has no remotes/hypervisor, hypervisor/ or hyp/ in $FX (arm64 KVM makes remotes/hypervisor in nVHE or protected mode when built with CONFIG_NVHE_EL2_TRACING; Android's pKVM kernels hypervisor/ or hyp/)" ]
	run --separate-stderr R record -r hypervisor -d 1 -o -
	[ "$status" -eq 3 ]
	run --separate-stderr R status -r hyp
	[ "$status" -eq 3 ]
	[[ "$stderr" == "remotectl: no target 'hyp': this kernel has no remotes/hypervisor, "* ]]

	# An instance of that name is never taken for the hypervisor.
	mkdir -p "$FX/instances/hypervisor" "$FX/instances/hyp"
	fixture_file "$FX/instances/hypervisor/tracing_on" 0
	run --separate-stderr R status -r hypervisor
	[ "$status" -eq 3 ]
	run R status -r instances/hypervisor
	[ "${lines[0]}" = "target:     instances/hypervisor" ]

	# Android's older hyp/ answers to both names, before any instance of that name.
	fixture_file "$FX/hyp/tracing_on" 0
	fixture_cpus "$FX/hyp" 2 trace_pipe_raw
	run R status -r hypervisor
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "target:     hyp" ]
	[ "${lines[1]}" = "kind:       hypervisor" ]
	run R status -r hyp
	[ "${lines[0]}" = "target:     hyp" ]

	# hypervisor/ is found before hyp/; with remotes/hypervisor as well, say which.
	fixture_file "$FX/hypervisor/tracing_on" 0
	run R status -r hypervisor
	[ "${lines[0]}" = "target:     hypervisor" ]
	make_hypervisor_remote "$FX"
	run --separate-stderr R status -r hypervisor
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: target 'hypervisor' is ambiguous: remotes/hypervisor, hypervisor (name one of those)" ]
	run R status -r remotes/hypervisor
	[ "${lines[1]}" = "kind:       remote" ]
}
