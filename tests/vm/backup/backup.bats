#!/usr/bin/env bats
# A real read-only backup instance (Linux 7.1+): boot 1's persistent buffer, copied by the
# kernel at boot 2 (see job). The kernel refuses to map it (vmalloc'ed: ENODEV) and refuses
# every change (EACCES); read() of trace_pipe_raw returns EOF once it is drained, after which
# the kernel removes the instance. The tests run in file order: the last one drains it.

bats_require_minimum_version 1.5.0

load ../guest/remote

B=$TRACEFS/instances/backup

@test "backup: -b, -e, --clear and --buffer-percent are refused before anything is read (exit 4), the data stays" {
	run remotectl record -r backup -b 1M -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	expect_eq "$status" 4
	expect_eq "$output" \
		"remotectl: instances/backup is a read-only instance (a backup of an earlier boot): cannot change buffer_size_kb"
	run remotectl record -r backup -e 'ftrace:*' -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	expect_eq "$status" 4
	expect_eq "$output" \
		"remotectl: instances/backup is a read-only instance (a backup of an earlier boot): cannot change events (-e)"
	run remotectl record -r backup --clear -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	expect_eq "$status" 4
	expect_eq "$output" \
		"remotectl: instances/backup is a read-only instance (a backup of an earlier boot): --clear would erase it"
	run remotectl record -r backup --buffer-percent 5 -d 1 -o "$BATS_TEST_TMPDIR/t.txt"
	expect_eq "$status" 4
	expect_eq "$output" \
		"remotectl: instances/backup is a read-only instance (a backup of an earlier boot): cannot change buffer_percent"
	expect_eq "$(grep -c 'tracing_mark_write: bk-' "$B/trace")" 400
}

@test "backup: record reads it with read(), says why, ends at EOF with every marker once; the kernel then removes it" {
	local c
	run --separate-stderr remotectl -v record -r backup -o "$BATS_TEST_TMPDIR/t.txt" --format text
	expect_eq "$status" 0
	[[ "$stderr" == *"remotectl: instances/backup: transport read (mmap refused: No such device)"* ]]
	[[ "$stderr" == *"stopped by end of data, transport read (mmap refused: No such device)"* ]]
	for c in 0 1; do
		expect_eq "$(grep -o "tracing_mark_write: bk-$c-[0-9]*\$" "$BATS_TEST_TMPDIR/t.txt" |
			sed 's/.*-//' | tr '\n' ' ')" "$(seq -s ' ' 200) "
	done
	expect_eq "$(grep -c 'tracing_mark_write: remotectl-backup-boot1-done$' "$BATS_TEST_TMPDIR/t.txt")" 1
	for _ in $(seq 100); do [ -d "$B" ] || break; sleep 0.1; done
	[ ! -d "$B" ]
}
