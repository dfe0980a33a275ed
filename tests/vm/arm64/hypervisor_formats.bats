#!/usr/bin/env bats
# remotectl on the arm64 hypervisor's own remote (remotes/hypervisor, Linux 7.2, nVHE): its
# event formats that libtraceevent cannot use as they are, stored repaired as binary events;
# its clock fault while a KVM vCPU is loaded; --fail-on-loss. Run in the arm64 guest
# (tests/vm/test); skipped where a guest has no hypervisor remote.

H=/sys/kernel/tracing/remotes/hypervisor

setup()
{
	[ -d "$H" ] || skip "no remotes/hypervisor in this guest"
	echo 0 >"$H/tracing_on"
	echo >"$H/trace"
	echo 0 >"$H/events/enable"
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
}

teardown()
{
	[ -d "$H" ] || return 0
	echo 0 >"$H/tracing_on"
	echo >"$H/trace"
	echo 0 >"$H/events/enable"
}

expect_eq()
{
	if [ "$1" != "$2" ]; then
		echo "expected: '$2'" >&2
		echo "     got: '$1'" >&2
		return 1
	fi
}

# hyp_record ARGS... -- CMD: remotectl record -r hypervisor ARGS in the background, CMD once
# tracing is on; the capture ends by its own -d. Sets $status.
hyp_record()
{
	local args=() pid
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	remotectl record -r hypervisor "${args[@]}" >"$out" 2>"$err" &
	pid=$!
	for _ in $(seq 200); do [ "$(cat "$H/tracing_on")" = 1 ] && break; sleep 0.05; done
	expect_eq "$(cat "$H/tracing_on")" 1
	bash -c "$*"
	status=0
	wait "$pid" || status=$?
}

# write_ids FIRST LAST: one hypercall each (hyp_enter hvc, selftest id=N, hyp_exit eret_host).
write_ids()
{
	echo "exec 3>$H/write_event; for ((i = $1; i <= $2; i++)); do echo \$i >&3; done"
}

@test "hypervisor to trace.dat: every line a binary event with its fields, the print fmts repaired" {
	hyp_record -v -e 'hypervisor:*' -b 1M -d 4 -o "$BATS_TEST_TMPDIR/h.dat" -- "$(write_ids 1 300)"
	cat "$err" >&2
	expect_eq "$status" 0
	grep -q '^remotectl: remotes/hypervisor: [0-9]* events stored with their fields, 0 as text$' "$err"
	grep -q "^remotectl: hypervisor:hyp_enter: print fmt calls __hyp_enter_exit_reason_str(); stored with its fields and a symbol table of Linux 7.2's enum hyp_enter_exit_reason (9 names, [1-9] seen; 0 more learnt from the lines): [1-9][0-9]* events with their fields, 0 as text$" "$err"
	grep -q '^remotectl: hypervisor:selftest: print fmt is quoted twice (""id=%llu", REC->id", ); stored with its fields and the print fmt repaired: 300 events with their fields, 0 as text$' "$err"
	remotectl report "$BATS_TEST_TMPDIR/h.dat" >"$out"
	# The kernel's text after each event name; --event selects binary events, none is text.
	expect_eq "$(remotectl report "$BATS_TEST_TMPDIR/h.dat" --event remotectl:text | wc -l)" 0
	remotectl report "$BATS_TEST_TMPDIR/h.dat" --event hypervisor:selftest >"$BATS_TEST_TMPDIR/s"
	expect_eq "$(sed 's/.*id=//' "$BATS_TEST_TMPDIR/s" | sort -n | uniq | wc -l)" 300
	expect_eq "$(sed 's/.*id=//' "$BATS_TEST_TMPDIR/s" | sort -n | sed -n '1p;$p' | tr '\n' ' ')" "1 300 "
	expect_eq "$(grep -c ' hyp_enter: *reason=hvc vcpu=0$' "$out")" \
		"$(remotectl report "$BATS_TEST_TMPDIR/h.dat" --event hypervisor:hyp_enter | grep -c 'reason=hvc vcpu=0$')"
	expect_eq "$(grep -c ' hyp_exit: *reason=eret_host vcpu=0$' "$out")" \
		"$(grep -c ' hyp_enter: *reason=hvc vcpu=0$' "$out")"
	expect_eq "$(grep -vcE ' (hyp_enter|hyp_exit): +reason=[a-z_]+ vcpu=-?[0-9]+$| selftest: +id=[0-9]+$' "$out")" 0
}

# Per CPU of text capture $out: how often the printed stamp went back (sec and usec compared
# as two integers: awk's doubles cannot hold 2^64 ns exactly; busybox awk reads a leading 0
# as octal).
back_steps()
{
	awk -v p="$(printf '[%03d]\t' "$1")" 'index($0, p) == 1 {
		t = substr($0, length(p) + 1); sub(/:.*/, "", t); sub(/^ +/, "", t)
		split(t, a, "."); sub(/^0+/, "", a[2]); s = a[1] + 0; u = a[2] + 0
		if (n++ && (s < ps || (s == ps && u < pu))) back++
		ps = s; pu = u
	} END { print back + 0 }' "$out"
}

@test "hypervisor clock fault (a KVM vCPU loaded): every event once, each CPU in the kernel's order, one warning per CPU that went back" {
	hyp_record -e 'hypervisor:*' -b 1M -d 6 -o - -- "$(write_ids 1 100); kvm_exits 300 >/dev/null; $(write_ids 101 200)"
	cat "$err" >&2
	expect_eq "$status" 0
	expect_eq "$(grep -c ' selftest id=' "$out")" 200
	expect_eq "$(sed -n 's/.* selftest id=//p' "$out" | sort -n | uniq | wc -l)" 200
	[ "$(grep -c ' hyp_enter reason=guest_exit vcpu=[1-9]' "$out")" -ge 300 ]
	local cpu n warned=0
	for cpu in 0 1; do
		n=$(back_steps "$cpu")
		# ids per CPU in the order they were written
		expect_eq "$(grep "^\[00$cpu\]" "$out" | sed -n 's/.* selftest id=//p' | sort -n -c 2>&1)" ""
		if [ "$n" -gt 0 ]; then
			echo "CPU $cpu: $n steps back" >&2
			grep -qE "^remotectl: warning: remotes/hypervisor: CPU $cpu: time stamps went back $n times?, by up to [0-9]+ s \(a clock fault of the remote: arm64 nVHE stamps wrongly while a KVM vCPU is loaded; the CPU's events kept in the kernel's order\)$" "$err"
			warned=$((warned + 1))
		fi
	done
	expect_eq "$(grep -c 'time stamps went back' "$err")" "$warned"
	# nVHE (as the guest boots) has the fault every time; protected hVHE would not.
	if grep -q 'kvm-arm.mode=nvhe' /proc/cmdline; then
		[ "$warned" -ge 1 ]
	fi
}

@test "record --fail-on-loss: a burst into the default 7K buffer is exit 6 with the kernel's count; without it 0" {
	hyp_record -e hypervisor:selftest -d 3 --fail-on-loss -o - -- "$(write_ids 1 3000)"
	cat "$err" >&2
	expect_eq "$status" 6
	local lost
	lost=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
	[ "$lost" -gt 0 ]
	expect_eq "$(tail -n 1 "$err")" "remotectl: remotes/hypervisor: $lost events lost (--fail-on-loss)"
	expect_eq "$(( $(grep -c ' selftest id=' "$out") + lost ))" 3000
	hyp_record -e hypervisor:selftest -d 3 -o - -- "$(write_ids 1 3000)"
	expect_eq "$status" 0
	grep -q 'LOST' "$out"
}
