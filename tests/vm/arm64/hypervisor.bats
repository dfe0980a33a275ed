#!/usr/bin/env bats
# remotectl on the real hypervisor: the arm64 guest's KVM in nVHE mode registers its EL2 ring
# buffer as remotes/hypervisor (events hyp_enter, hyp_exit, selftest). Run only in the arm64
# guest (tests/vm/test), with the static arm64 build. Each write_event is one hypercall: the
# hypervisor logs hyp_enter reason=hvc, selftest id=N and hyp_exit reason=eret_host on the
# writer's CPU; kvm_exits makes real guest exits (reason=guest_exit/eret_guest, vcpu=<pid>).

REMOTE_NAME=hypervisor
load ../guest/remote

setup()
{
	[ -d "$REMOTE" ] || { echo "no $REMOTE: not the arm64 guest in nVHE mode?" >&2; return 1; }
	command -v remotectl >/dev/null || { echo "no remotectl in the guest" >&2; return 1; }
	remote_restore
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
	ncpu=$(cpu_ids | wc -l)
}

teardown()
{
	remote_teardown
}

# record_with ARGS... -- CMD: remotectl record -r hypervisor ARGS (to $out, summary in $err)
# in the background; CMD runs once the capture has turned tracing on, and SIGINT ends the
# capture after the kernel's 100 ms poll has passed.
record_with()
{
	local args=() pid
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	remotectl record -r hypervisor "${args[@]}" >"$out" 2>"$err" </dev/null &
	pid=$!
	for _ in $(seq 100); do [ "$(cat "$REMOTE/tracing_on")" = 1 ] && break; sleep 0.05; done
	expect_eq "$(cat "$REMOTE/tracing_on")" 1
	bash -c "$*"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
}

# write_ids FIRST LAST CPU: ids FIRST..LAST to write_event from CPU, through one open file.
write_ids()
{
	taskset -c "$3" bash -c "exec 3>$REMOTE/write_event
		for ((i = $1; i <= $2; i++)); do echo \$i >&3; done"
}

# A writer per CPU, CPU c writing ids c*1000+1 .. c*1000+N, all at once.
write_all_cpus()
{
	local n=$1 c
	for c in $(cpu_ids); do
		write_ids $((c * 1000 + 1)) $((c * 1000 + n)) "$c" &
	done
	wait
}

# cpu_events FILE CPU: "EVENT ARGS" of CPU's lines in FILE (kernel form), in file order.
cpu_events()
{
	awk -v p="$(printf '[%03d]\t' "$2")" 'index($0, p) == 1 { sub(/^[^:]*: /, ""); print }' "$1"
}

# expect_writes FILE CPU FIRST LAST: CPU's events in FILE hold ids FIRST..LAST in order, each
# exactly once and inside its own hypercall, as the kernel prints them: hyp_enter reason=hvc,
# selftest id=N, hyp_exit reason=eret_host. Between them only whole hypercalls without an
# event: reading a remote swaps its pages by hypercall, on the reader's CPU, and turning
# tracing or events on and off is one too (the first line may be such a call's return, the
# last its entry).
expect_writes()
{
	local file=$1 cpu=$2 first=$3 last=$4
	local enter="hyp_enter reason=hvc vcpu=0" exit="hyp_exit reason=eret_host vcpu=0"
	cpu_events "$file" "$cpu" >"$file.cpu$cpu"
	awk -v want="$first" -v last="$last" -v enter="$enter" -v exit_="$exit" '
	function fail(why) {
		printf "CPU %d line %d: %s: \"%s\"\n", cpu, NR, why, $0 > "/dev/stderr"
		bad = 1
		exit 1
	}
	/^selftest id=/ {
		if (substr($0, 13) != want)
			fail("expected selftest id=" want)
		if (prev != enter)
			fail("not inside a hypercall")
		want++
	}
	$0 == exit_ && NR > 1 && prev != enter && prev !~ /^selftest id=/ {
		fail("a return without entry")
	}
	$0 == enter && NR > 1 && prev != exit_ { fail("an entry inside a hypercall") }
	$0 != enter && $0 != exit_ && $0 !~ /^selftest id=/ { fail("not a hypercall of the host") }
	{ prev = $0 }
	END {
		if (bad)
			exit 1
		if (prev ~ /^selftest id=/ || want != last + 1) {
			printf "CPU %d: ids %d..%d expected, the last whole one is %d\n", cpu,
				'"$first"', last, want - 1 > "/dev/stderr"
			exit 1
		}
	}' cpu="$cpu" "$file.cpu$cpu"
}

# expect_time_order FILE: the merged lines' time stamps never go back.
expect_time_order()
{
	expect_eq "$(sed 's/^\[[0-9]*\]\t *\([0-9]*\)\.\([0-9]*\):.*/\1\2/' "$1" |
		awk '$1 < prev { print "back at line " NR } { prev = $1 }')" ""
}

# The summary's "all" row: events, lost.
summary_all()
{
	awk '$1 == "all" { print $2, $4 }' "$err"
}

@test "--version: the static aarch64 build" {
	run remotectl --version
	expect_eq "$status" 0
	[[ $output =~ ^remotectl\ [0-9]+\.[0-9]+\.[0-9]+\ \(static,\ aarch64\)$ ]]
}

@test "list, status, size, events, clock: the hypervisor's state as its files say" {
	expect_eq "$(remotectl list | awk '$2 == "hypervisor"' | tr -s ' ')" \
		"remote hypervisor off 7K unloaded 0-$((ncpu - 1)) 0/3 text"
	run remotectl status -r hypervisor
	expect_eq "$status" 0
	expect_eq "$output" "target:     remotes/hypervisor
kind:       remote
directory:  $REMOTE
tracing:    off
buffer:     7K per CPU (unloaded)
cpus:       0-$((ncpu - 1))
events:     0 of 3 enabled
clock:      boot
read-only:  no
transport:  text (no trace_pipe_raw: text trace_pipe only)
statistics: none (the kernel gives no per_cpu/cpuN/stats here)"
	expect_eq "$(remotectl size -r hypervisor)" "7K (unloaded)"
	expect_eq "$(cat trace_clock)" "[boot]"
	expect_eq "$(remotectl clock -r hypervisor)" "boot"
	expect_eq "$(remotectl clock -r hypervisor --list)" "boot *"
	expect_eq "$(remotectl events -r hypervisor | tr -s ' ' | sed 's/^ //')" "ID STATE EVENT
0 off hypervisor:hyp_enter
1 off hypervisor:hyp_exit
2 off hypervisor:selftest"
}

@test "events --enable/--disable: each event's own enable file (no events/hypervisor/enable)" {
	[ ! -e events/hypervisor/enable ]
	remotectl events -r hypervisor --enable 'hypervisor:hyp_*'
	expect_eq "$(cat events/hypervisor/hyp_enter/enable events/hypervisor/hyp_exit/enable \
		events/hypervisor/selftest/enable | tr '\n' ' ')" "1 1 0 "
	expect_eq "$(remotectl list | awk '$2 == "hypervisor" { print $7 }')" "2/3"
	remotectl events -r hypervisor --enable selftest --disable hyp_enter
	expect_eq "$(cat events/hypervisor/hyp_enter/enable events/hypervisor/hyp_exit/enable \
		events/hypervisor/selftest/enable | tr '\n' ' ')" "0 1 1 "
	remotectl events -r hypervisor --disable 'hypervisor:*'
	expect_eq "$(cat events/enable)" 0
}

@test "size and reset: resized while unloaded; reset empties the buffer" {
	remotectl size -r hypervisor 1M
	expect_eq "$(cat buffer_size_kb)" "1024 (unloaded)"
	expect_eq "$(remotectl size -r hypervisor)" "1M (unloaded)"
	echo 1 >"$SELFTEST/enable"
	echo 1 >tracing_on
	write_ids 1 5 "$(first_cpu)"
	run remotectl reset -r hypervisor
	expect_eq "$status" 0
	# (trace_pipe: with more than 7 KiB per CPU the non-consuming trace file of 7.2.13 shows
	# none or only some of the hypervisor's events.)
	read_pipe trace_pipe "$out"
	expect_eq "$(wc -l <"$out")" 0
	write_ids 6 6 "$(first_cpu)"
	read_pipe trace_pipe "$out"
	check_ids 6 6 "$out"
	echo 0 >tracing_on
	remotectl size -r hypervisor 7
	assert_unloaded
}

@test "record -b 1M to text: every id once per CPU, each a whole hypercall, merged in time order" {
	local n=200 c
	record_with -e 'hypervisor:*' -b 1M -- "$(declare -f write_ids write_all_cpus cpu_ids)
		REMOTE=$REMOTE; write_all_cpus $n"
	grep -q "stopped by SIGINT, transport text" "$err"
	for c in $(cpu_ids); do
		expect_writes "$out" "$c" $((c * 1000 + 1)) $((c * 1000 + n))
	done
	expect_eq "$(grep -c 'selftest id=' "$out")" $((n * ncpu))
	expect_time_order "$out"
	# captured + lost == written: every line is an event, none lost.
	expect_eq "$(summary_all)" "$(wc -l <"$out") 0"
	# Restored: events off, tracing off, 7K, unloaded.
	expect_eq "$(cat events/enable tracing_on buffer_size_kb | tr '\n' ' ')" "0 0 7 (unloaded) "
}

@test "record with the default 7K: captured + lost == written, LOST lines where the kernel says" {
	local written=3000 cpu captured lost
	cpu=$(first_cpu)
	record_with -e selftest -- "$(declare -f write_ids); REMOTE=$REMOTE
		write_ids 1 $written $cpu"
	captured=$(grep -c 'selftest id=' "$out")
	lost=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out" |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$lost" -gt 0 ]
	expect_eq "$((captured + lost))" "$written"
	expect_eq "$(summary_all)" "$captured $lost"
	# After each loss the ids resume exactly where the loss says.
	awk '/LOST/ { n = $0; gsub(/[^0-9]+/, " ", n); split(n, a, " "); skip = a[2]; next }
	{
		sub(/.*id=/, "")
		if (skip) {
			if ($0 != prev + skip + 1) { print "bad resume at " NR; exit 1 }
			skip = 0
		} else if (prev && $0 != prev + 1) {
			print "gap at " NR
			exit 1
		}
		prev = $0
	}' "$out"
}

@test "record to trace.dat: report prints the kernel's lines, every id once, as text did" {
	local n=100 c
	record_with -e 'hypervisor:*' -b 1M -o "$out.dat" -- \
		"$(declare -f write_ids write_all_cpus cpu_ids); REMOTE=$REMOTE; write_all_cpus $n"
	grep -q "stopped by SIGINT, transport text" "$err"
	remotectl report "$out.dat" >"$out.report" 2>"$out.report.err"
	kernel_lines "$out.report" >"$out.k"
	expect_eq "$(wc -l <"$out.k")" "$(awk '$1 == "all" { print $2 }' "$err")"
	for c in $(cpu_ids); do
		expect_writes "$out.k" "$c" $((c * 1000 + 1)) $((c * 1000 + n))
	done
	expect_time_order "$out.k"
	# For the host: trace-cmd report must print the same events (tests/vm/test checks it).
	export_file hypervisor.dat "$out.dat"
	export_file hypervisor.report "$out.report"
}

@test "KVM guest exits: every exit of a real vCPU captured, the vCPU's pid, kernel order per CPU" {
	local n=1000 pid guest_exits cpu=1
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs"
	record_with -e 'hypervisor:*' -b 1M -- "taskset -c $cpu kvm_exits $n >$out.kvm"
	pid=$(sed -n 's/^vcpu_pid=\([0-9]*\) exits='"$n"'$/\1/p' "$out.kvm")
	[ -n "$pid" ]
	expect_eq "$(awk '$1 == "all" { print $4 }' "$err")" 0
	expect_eq "$(summary_all)" "$(wc -l <"$out") 0"
	cpu_events "$out" "$cpu" >"$out.cpu"
	guest_exits=$(grep -cx "hyp_enter reason=guest_exit vcpu=$pid" "$out.cpu")
	# Each KVM_RUN that returned made one exit; interrupts add a few more (never fewer).
	[ "$guest_exits" -ge "$n" ]
	expect_eq "$(grep -cx "hyp_exit reason=eret_guest vcpu=$pid" "$out.cpu")" "$guest_exits"
	# Only these four kinds, the guest's with the vCPU thread's pid, the host's with 0.
	expect_eq "$(sed 's/ vcpu=[0-9]*$//; s/^hyp_//' "$out.cpu" | sort -u | tr '\n' ',')" \
		"enter reason=guest_exit,enter reason=hvc,exit reason=eret_guest,exit reason=eret_host,"
	expect_eq "$(grep -v " vcpu=0$" "$out.cpu" | grep -vc " vcpu=$pid$")" 0
	# The CPU's own order is the kernel's, whatever the clock did: each entry into the guest is
	# followed by that guest's exit, each hypercall entry by its return.
	awk -v p="$pid" '
	$0 == "hyp_exit reason=eret_guest vcpu=" p {
		if (want) { bad = NR; exit }
		want = "hyp_enter reason=guest_exit vcpu=" p
		next
	}
	want { if ($0 != want) { bad = NR; exit } want = "" }
	END { if (bad) { print "out of order at line " bad; exit 1 } }' "$out.cpu"
}

@test "KVM guest exits in nVHE: the hypervisor's clock jumps while the vCPU is loaded" {
	local cpu=1
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs"
	record_with -e 'hypervisor:*' -b 1M -- "taskset -c $cpu kvm_exits 200 >/dev/null"
	# The kernel's bug (CNTVOFF_EL2 applies to the hypervisor's clock in nVHE): stamps of
	# 2^59 ns and more. The capture keeps them as they are, ends normally and loses nothing.
	big=$(cpu_events "$out" "$cpu" | wc -l)
	[ "$big" -gt 0 ]
	jumped=$(awk -v p="$(printf '[%03d]\t' "$cpu")" 'index($0, p) == 1 {
		t = substr($0, 7); sub(/^ +/, "", t); sub(/\..*/, "", t); if (length(t) >= 9) n++ }
		END { print n + 0 }' "$out")
	[ "$jumped" -gt 0 ]
	grep -q "stopped by SIGINT, transport text" "$err"
	expect_eq "$(awk '$1 == "all" { print $4 }' "$err")" 0
}

@test "bug-report line: record -d 3 -o - without a tty, output and status" {
	local cpu
	cpu=$(first_cpu)
	(sleep 1; write_ids 1 50 "$cpu") &
	timeout 20 remotectl record -r hypervisor -e 'hypervisor:*' -b 1M -d 3 --fail-on-loss -o - \
		>"$out" 2>"$err" </dev/null && status=0 || status=$?
	wait
	expect_eq "$status" 0
	grep -q "stopped by duration, transport text" "$err"
	expect_writes "$out" "$cpu" 1 50
	expect_eq "$(summary_all)" "$(wc -l <"$out") 0"
	grep -q "output: $(wc -l <"$out") events, $(wc -c <"$out") bytes to stdout" "$err"
	expect_eq "$(cat events/enable tracing_on buffer_size_kb | tr '\n' ' ')" "0 0 7 (unloaded) "
}

@test "trace.dat: binary hypervisor events; report --event selects each by name" {
	local cpu n=30
	cpu=$(first_cpu)
	record_with -e 'hypervisor:*' -b 1M -o "$out.dat" -- "$(declare -f write_ids); REMOTE=$REMOTE
		write_ids 1 $n $cpu"
	remotectl report "$out.dat" >"$out.all"
	# Binary events: no line is a remotectl:text event.
	expect_eq "$(grep -c ' text: ' "$out.all")" 0
	kernel_lines "$out.all" >"$out.k"
	expect_writes "$out.k" "$cpu" 1 "$n"
	remotectl report --event hypervisor:selftest "$out.dat" >"$out.sel"
	kernel_lines "$out.sel" >"$out.sel.k"
	expect_eq "$(sed 's/^[^:]*: //' "$out.sel.k" | tr '\n' ' ')" \
		"$(seq 1 "$n" | sed 's/^/selftest id=/' | tr '\n' ' ')"
	for ev in hyp_enter hyp_exit; do
		remotectl report --event "hypervisor:$ev" "$out.dat" >"$out.$ev"
		kernel_lines "$out.$ev" >"$out.$ev.k"
		expect_eq "$(wc -l <"$out.$ev.k")" "$(grep -c ": $ev " "$out.k")"
		expect_eq "$(grep -vc ": $ev reason=" "$out.$ev.k")" 0
	done
}

@test "KVM exits in nVHE: the clock fault is named per CPU, every event kept once" {
	local cpu=1
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs"
	record_with -e 'hypervisor:*' -b 1M -- "taskset -c $cpu kvm_exits 300 >/dev/null"
	grep -q "^remotectl: warning: remotes/hypervisor: CPU $cpu: time stamps went back [0-9]* times\?, by up to [0-9]* s (a clock fault of the remote: arm64 nVHE stamps wrongly while a KVM vCPU is loaded; the CPU's events kept in the kernel's order)$" \
		"$err"
	expect_eq "$(summary_all)" "$(wc -l <"$out") 0"
}

@test "--fail-on-loss: exit 6 after the whole output when the kernel lost events, 0 without" {
	local cpu written=3000 status captured lost
	cpu=$(first_cpu)
	remotectl record -r hypervisor -e selftest --fail-on-loss -o "$out" 2>"$err" </dev/null &
	pid=$!
	for _ in $(seq 100); do [ "$(cat tracing_on)" = 1 ] && break; sleep 0.05; done
	write_ids 1 "$written" "$cpu"
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" && status=0 || status=$?
	expect_eq "$status" 6
	captured=$(grep -c 'selftest id=' "$out")
	lost=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' "$out" |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$lost" -gt 0 ]
	expect_eq "$((captured + lost))" "$written"
	(sleep 1; write_ids 1 50 "$cpu") &
	timeout 20 remotectl record -r hypervisor -e selftest -b 1M -d 3 --fail-on-loss -o - \
		>"$out" 2>"$err" </dev/null && status=0 || status=$?
	wait
	expect_eq "$status" 0
	expect_eq "$(grep -c 'selftest id=' "$out")" 50
}
