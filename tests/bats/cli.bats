#!/usr/bin/env bats
# The command line: help, version, usage errors (one line on stderr, exit 2).
load helpers

@test "--version prints the version and which build it is" {
	run "$RCTL" --version
	[ "$status" -eq 0 ]
	kind=dynamic
	case $RCTL in */build/static-*) kind=static ;; esac
	[ "$output" = "remotectl $(cat "$BATS_TEST_DIRNAME/../../VERSION") ($kind, $(uname -m))" ]
}

@test "--help lists every command and the exit codes" {
	run "$RCTL" --help
	[ "$status" -eq 0 ]
	for c in list status start stop size reset events clock; do
		echo "$output" | grep -qE "^  $c +[A-Z]"
	done
	echo "$output" | grep -q "5 target busy"
}

@test "a command's --help shows its options and the global ones" {
	run "$RCTL" size --help
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "Usage: remotectl size \[OPTION...\] \[SIZE\]"
	echo "$output" | grep -q -- "--force"
	echo "$output" | grep -q -- "--tracefs=DIR"
}

@test "no command: one line, exit 2" {
	run --separate-stderr "$RCTL"
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: no command given (try 'remotectl --help')" ]
	[ -z "$output" ]
}

@test "unknown command: one line, exit 2" {
	run --separate-stderr "$RCTL" frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: unknown command 'frobnicate' (try 'remotectl --help')" ]
}

@test "unknown global option: one line, exit 2" {
	run --separate-stderr "$RCTL" --bogus list
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: unrecognized option '--bogus'" ]
}

@test "unknown command option: one line, exit 2" {
	run --separate-stderr "$RCTL" list --bogus
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl list: unrecognized option '--bogus'" ]
	run --separate-stderr "$RCTL" status -r top -x
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl status: invalid option -- 'x'" ]
}

@test "missing option argument and missing target: one line, exit 2" {
	run --separate-stderr "$RCTL" --tracefs
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl: option '--tracefs' requires an argument" ]
	run --separate-stderr "$RCTL" start
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl start: no target given (-r NAME; see 'remotectl list')" ]
	run --separate-stderr "$RCTL" status
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl status: no target given (-r NAME; see 'remotectl list')" ]
}

@test "extra arguments: one line, exit 2" {
	run --separate-stderr "$RCTL" start -r top extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl start: unexpected argument 'extra'" ]
	run --separate-stderr "$RCTL" list extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "remotectl list: unexpected argument 'extra'" ]
}

@test "--tracefs pointing nowhere: one line, exit 3" {
	run --separate-stderr "$RCTL" --tracefs /nonexistent/tracefs list
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: tracefs directory /nonexistent/tracefs: No such file or directory" ]
}

@test "recover refuses what it cannot complete, in one line: missing 3, not a v7 file or cut 1" {
	local d="$BATS_TEST_TMPDIR"
	run --separate-stderr "$RCTL" recover "$d/none.dat"
	[ "$status" -eq 3 ]
	[ "$stderr" = "remotectl: $d/none.dat: No such file or directory" ]
	echo hello > "$d/text"
	run --separate-stderr "$RCTL" recover "$d/text"
	[ "$status" -eq 1 ]
	[ "$stderr" = "remotectl: not a trace.dat file" ]
	printf '\027\010Dtracing6\0\0\010\0\020\0\0' > "$d/v6.dat"
	run --separate-stderr "$RCTL" recover "$d/v6.dat"
	[ "$status" -eq 1 ]
	[ "$stderr" = "remotectl: only trace.dat v7 files written by remotectl can be recovered" ]
	# v7, the header cut in the codec's name.
	printf '\027\010Dtracing7\0\0\010\0\020\0\0zst' > "$d/cut.dat"
	run --separate-stderr "$RCTL" recover "$d/cut.dat"
	[ "$status" -eq 1 ]
	[ "$stderr" = "remotectl: file header is damaged" ]
	# A whole header whose options offset is still 0: killed before the first section.
	printf '\027\010Dtracing7\0\0\010\0\020\0\0zstd\0001\0%b' '\0\0\0\0\0\0\0\0' \
		> "$d/early.dat"
	run --separate-stderr "$RCTL" recover "$d/early.dat"
	[ "$status" -eq 1 ]
	[ "$stderr" = "remotectl: no usable options section: the record stopped before any data" ]
	[ -z "$output" ]
}
