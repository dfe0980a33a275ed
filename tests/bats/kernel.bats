#!/usr/bin/env bats
# Every command against this machine's real tracefs, each test in its own private instance.
# The top level is never changed: the whole file checks that at its end.
load helpers

setup() {
	make_instance
}

teardown() {
	remove_instance
}

@test "list shows the top level and the instance with its real state" {
	echo 0 > "$IDIR/tracing_on"
	run --separate-stderr "$RCTL" -q list
	[ "$status" -eq 0 ]
	[ "${lines[0]:0:26}" = "top        top            " ]
	local kib ncpu line
	# 6.1 adds " (expanded: 1408)" to every instance while the top level is unexpanded.
	kib=$(awk '{print $1}' "$IDIR/buffer_size_kb")
	ncpu=$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)
	line=$(printf '%s\n' "${lines[@]}" | awk -v n="$INST" '$1 == "instance" && $2 == n')
	[ "$(echo "$line" | awk '{print $3}')" = off ]
	[ "$(echo "$line" | awk '{print $4}')" = "${kib}K" ] ||
		[ "$(echo "$line" | awk '{print $4}')" = "$((kib / 1024))M" ]
	[ "$(echo "$line" | awk '{print $5}')" = - ]
	[ "$(echo "$line" | awk '{print $6}')" = "0-$((ncpu - 1))" ] || [ "$ncpu" -eq 1 ]
	[ "$(echo "$line" | awk '{print $7}')" = "0/$(find "$IDIR/events" -mindepth 2 -maxdepth 2 -type d | wc -l)" ]
	[ "$(echo "$line" | awk '{print $8}')" = "$(auto_transport)" ]
	# An instance never grows: no "grows to" hint, whatever the kernel appends to its size.
	run "$RCTL" status -r "$INST"
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "buffer:     ${kib}K per CPU" ] || [ "${lines[4]}" = "buffer:     $((kib / 1024))M per CPU" ]
}

@test "list --json and status --json agree with the instance's files" {
	run "$RCTL" list --json
	[ "$status" -eq 0 ]
	local obj
	obj=$(echo "$output" | jq -c --arg l "instances/$INST" '.targets[] | select(.label == $l)')
	echo "$obj" | jq -e --argjson kib "$(awk '{print $1}' "$IDIR/buffer_size_kb")" \
		'.kind == "instance" and .tracing_on == true and .buffer_size_kb == $kib and .loaded == null and .read_only == false and .events_enabled == 0 and (has("expanded_size_kb") | not)'
	if kernel_maps_buffer; then
		echo "$obj" | jq -e '.transport == "mmap" and .transports == ["mmap","read"]'
	else
		echo "$obj" | jq -e --arg why "$NO_MMAP_WHY" \
			'.transport == "read" and .transports == ["read"] and .transport_reason == $why'
	fi
	echo "$obj" | jq -e --arg c "$(sed 's/.*\[\(.*\)\].*/\1/' "$IDIR/trace_clock")" '.clock == $c'
	echo "$obj" | jq -e --argjson n "$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)" '.cpus | length == $n'
	run "$RCTL" status -r "$INST" --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --argjson n "$(ls -d "$IDIR"/per_cpu/cpu* | wc -l)" '.stats | length == $n'
}

@test "status counts the entries written on each CPU" {
	marker_on_cpu 0 a
	marker_on_cpu 0 b
	marker_on_cpu 0 c
	marker_on_cpu 1 d
	run "$RCTL" status -r "$INST"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "target:     instances/$INST" ]
	[ "${lines[2]}" = "directory:  $IDIR" ]
	[ "${lines[3]}" = "tracing:    on" ]
	[ "${lines[8]}" = "read-only:  no" ]
	if kernel_maps_buffer; then
		[ "${lines[9]}" = "transport:  mmap (zero-copy mapping of trace_pipe_raw)" ]
	else
		[ "${lines[9]}" = "transport:  read ($NO_MMAP_WHY)" ]
	fi
	[ "$(printf '%s\n' "${lines[@]}" | awk '$1 == "0" {print $2}')" = 3 ]
	[ "$(printf '%s\n' "${lines[@]}" | awk '$1 == "1" {print $2}')" = 1 ]
}

@test "start and stop set tracing_on" {
	run "$RCTL" stop -r "$INST"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(cat "$IDIR/tracing_on")" = 0 ]
	run "$RCTL" stop -r "$INST"
	[ "$status" -eq 0 ]
	[ "$(cat "$IDIR/tracing_on")" = 0 ]
	run "$RCTL" start -r "instances/$INST"
	[ "$status" -eq 0 ]
	[ "$(cat "$IDIR/tracing_on")" = 1 ]
	run --separate-stderr "$RCTL" -v stop -r "$IDIR"
	[ "$stderr" = "remotectl: instances/$INST: tracing off" ]
}

@test "size shows and sets the per-CPU size in human units" {
	run "$RCTL" size -r "$INST"
	[ "$status" -eq 0 ]
	[ "$output" = "$(awk '{print $1}' "$IDIR/buffer_size_kb")K" ]
	run "$RCTL" size -r "$INST" 4M
	[ "$status" -eq 0 ]
	local kib
	kib=$(cat "$IDIR/buffer_size_kb")
	# The kernel rounds up to whole pages plus its bookkeeping.
	[ "$kib" -ge 4096 ] && [ "$kib" -lt 4200 ]
	run "$RCTL" size -r "$INST" 512
	kib=$(cat "$IDIR/buffer_size_kb")
	[ "$kib" -ge 512 ] && [ "$kib" -lt 600 ]
	run "$RCTL" size -r "$INST" 1m
	kib=$(cat "$IDIR/buffer_size_kb")
	[ "$kib" -ge 1024 ] && [ "$kib" -lt 1100 ]
}

@test "size rejects bad values and leaves the size alone" {
	local before
	before=$(cat "$IDIR/buffer_size_kb")
	run --separate-stderr "$RCTL" size -r "$INST" 0
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid size '0' (use e.g. 512K, 4M, 1G, or a number of KiB; at least 1K)" ]
	run --separate-stderr "$RCTL" size -r "$INST" abc
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid size 'abc' (use e.g. 512K, 4M, 1G, or a number of KiB; at least 1K)" ]
	run --separate-stderr "$RCTL" size -r "$INST" 4X
	[ "$status" -eq 2 ]
	run --separate-stderr "$RCTL" size -r "$INST" -1
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: invalid value '-1' (negative)" ]
	run --separate-stderr "$RCTL" size -r "$INST" 99999999999G
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: size '99999999999G' is too large" ]
	[ "$(cat "$IDIR/buffer_size_kb")" = "$before" ]
}

@test "size: the kernel's EBUSY on a mapped buffer is explained (exit 5)" {
	require_mmap
	# A mapped buffer cannot be resized: hold a mapping open with a tiny helper.
	local prog="$BATS_TEST_TMPDIR/holdmap"
	cat > "$prog.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
		return 1;
	puts("mapped");
	fflush(stdout);
	pause();
	return 0;
}
C
	cc -o "$prog" "$prog.c"
	"$prog" "$IDIR/per_cpu/cpu0/trace_pipe_raw" > "$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q mapped "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	run --separate-stderr "$RCTL" size -r "$INST" 2M
	kill "$pid"
	wait "$pid" || true
	[ "$status" -eq 5 ]
	[ "$stderr" = "remotectl: instances/$INST: the kernel refuses to resize the buffer now (a reader has it mapped?)" ]
}

@test "reset clears all CPUs, or only the one given" {
	marker_on_cpu 0 first-cpu0
	marker_on_cpu 1 first-cpu1
	run "$RCTL" reset -r "$INST" --cpu 1
	[ "$status" -eq 0 ]
	grep -q first-cpu0 "$IDIR/per_cpu/cpu0/trace"
	[ "$(grep -c first-cpu1 "$IDIR/per_cpu/cpu1/trace")" -eq 0 ]
	grep -c first-cpu "$IDIR/trace" | grep -qx 1
	marker_on_cpu 1 second-cpu1
	run "$RCTL" reset -r "$INST"
	[ "$status" -eq 0 ]
	[ "$(grep -c -e first-cpu -e second-cpu "$IDIR/trace")" -eq 0 ]
	[ "$(awk '/^entries:/ {print $2}' "$IDIR/per_cpu/cpu0/stats")" = 0 ]
}

@test "events lists ids and states, enables and disables by glob" {
	run "$RCTL" events -r "$INST"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "    ID  STATE  EVENT" ]
	[ "$((${#lines[@]} - 1))" -eq "$(find "$IDIR/events" -mindepth 2 -maxdepth 2 -type d | wc -l)" ]
	local id
	id=$(cat "$IDIR/events/sched/sched_switch/id")
	printf '%s\n' "${lines[@]}" | grep -qx "$(printf '%6d  %-5s  %s' "$id" off sched:sched_switch)"
	run "$RCTL" events -r "$INST" --enable sched:sched_switch --enable 'sched_wak*'
	[ "$status" -eq 0 ]
	[ "$(sort "$IDIR/set_event")" = "$( (echo sched_switch; ls "$IDIR/events/sched" | grep '^sched_wak') | sed 's/^/sched:/' | sort)" ]
	run "$RCTL" events -r "$INST" --disable 'sched:*wak*'
	[ "$(cat "$IDIR/set_event")" = "sched:sched_switch" ]
	run "$RCTL" -q events -r "$INST"
	[ "$(printf '%s\n' "${lines[@]}" | awk '$2 == "on"' | wc -l)" -eq 1 ]
	run "$RCTL" events -r "$INST" --json
	echo "$output" | jq -e --argjson id "$id" 'map(select(.enabled)) == [{"system":"sched","name":"sched_switch","id":$id,"enabled":true}]'
}

@test "events: a glob that matches nothing is exit 2 and changes nothing" {
	run --separate-stderr "$RCTL" events -r "$INST" --enable sched:sched_switch --enable 'nosuch*'
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: no event of instances/$INST matches 'nosuch*' (see 'remotectl events -r instances/$INST')" ]
	[ -z "$(cat "$IDIR/set_event")" ]
}

@test "clock shows, lists and sets the instance clock" {
	run "$RCTL" clock -r "$INST"
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed 's/.*\[\(.*\)\].*/\1/' "$IDIR/trace_clock")" ]
	run "$RCTL" clock -r "$INST" global
	[ "$status" -eq 0 ]
	grep -q '\[global\]' "$IDIR/trace_clock"
	run "$RCTL" clock -r "$INST" --list
	printf '%s\n' "${lines[@]}" | grep -qx "global \*"
	[ "${#lines[@]}" -eq "$(tr -d '[]' < "$IDIR/trace_clock" | wc -w)" ]
	run --separate-stderr "$RCTL" clock -r "$INST" sundial
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: unknown clock 'sundial' for instances/$INST (available: $(cat "$IDIR/trace_clock"))" ]
	grep -q '\[global\]' "$IDIR/trace_clock"
}

@test "an unknown target is exit 3" {
	run --separate-stderr "$RCTL" start -r "remotectl-nosuch-$$"
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: no target 'remotectl-nosuch-$$' in remotes/, instances/ or the root of $TRACEFS (see 'remotectl list')" ]
}

@test "list, status and record where the kernel lacks newer files (remotes/, buffer_subbuf_size_kb)" {
	[ ! -d "$TRACEFS/remotes" ] || skip "this kernel has remotes/ (trace remotes, 7.1+)"
	local note="no remotes/ directory: kernel $(uname -r) is older than 7.1, which added trace remotes"
	run --separate-stderr "$RCTL" list
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[-1]}" = "remotes: none ($note)" ]
	run --separate-stderr "$RCTL" list --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg n "$note" '.remotes == {"count": 0, "note": $n}'
	run --separate-stderr "$RCTL" status -r "$INST"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[9]}" = "transport:  $(auto_transport) ($(kernel_maps_buffer &&
		echo "zero-copy mapping of trace_pipe_raw" || echo "$NO_MMAP_WHY"))" ]
	# Without buffer_subbuf_size_kb (before 6.8) sub-buffers are one page: record takes the
	# geometry from events/header_page, and the file says so.
	local subbuf
	subbuf=$(getconf PAGESIZE)
	[ ! -e "$IDIR/buffer_subbuf_size_kb" ] || subbuf=$(($(cat "$IDIR/buffer_subbuf_size_kb") * 1024))
	marker_on_cpu 0 older-1
	marker_on_cpu 1 older-2
	run --separate-stderr "$RCTL" -v record -r "$INST" -d 0.3 -o "$BATS_TEST_TMPDIR/t.dat"
	[ "$status" -eq 0 ]
	grep -qx "remotectl: instances/$INST: 2 events were in the buffer before the capture: they are captured too" <<< "$stderr"
	grep -qF ", stopped by duration, $(auto_said)" <<< "$stderr"
	run "$RCTL" report --stat "$BATS_TEST_TMPDIR/t.dat"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "file: trace.dat v7, compression zstd, page size $subbuf, cpus="* ]]
	[ "$("$RCTL" report "$BATS_TEST_TMPDIR/t.dat" | grep -c 'tracing_mark_write: older-[12]$')" -eq 2 ]
}
