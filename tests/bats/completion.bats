#!/usr/bin/env bats
# Shell completions: bash completion run for real on a fixture; zsh checked for syntax.
load helpers
load fixture

setup() {
	FX="$BATS_TEST_TMPDIR/tracefs"
	make_fixture "$FX"
	PATH="$(dirname "$RCTL"):$PATH"
	source "$BATS_TEST_DIRNAME/../../completions/remotectl.bash"
}

# complete_words WORD...: the completions bash offers for the last word.
complete_words() {
	COMP_WORDS=(remotectl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_remotectl
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

@test "bash: commands" {
	[ "$(complete_words s)" = "$(printf '%s\n' size start status stop stream)" ]
	[ "$(complete_words r)" = "$(printf '%s\n' record recover report reset)" ]
}

@test "bash: a command's options" {
	[ "$(complete_words size --f)" = "--force" ]
	[ "$(complete_words events -r x --e)" = "--enable" ]
	[ "$(complete_words reset --c)" = "--cpu" ]
	[ "$(complete_words record --trans)" = "--transport" ]
	[ "$(complete_words record --cle)" = "--clear" ]
	[ "$(complete_words stream --cle)" = "--clear" ]
	[ "$(complete_words record --buffer-p)" = "--buffer-percent" ]
	[ "$(complete_words stream --buffer-p)" = "--buffer-percent" ]
	[ "$(complete_words record --rt)" = "--rt-priority" ]
	[ "$(complete_words stream --rt)" = "--rt-priority" ]
	[ "$(complete_words record --rea)" = "--reader-nice" ]
	[ "$(complete_words stream --rea)" = "--reader-nice" ]
	[ "$(complete_words record --transport "")" = "$(printf '%s\n' auto mmap read text)" ]
	[ "$(complete_words stream --m)" = "" ]
	[ "$(complete_words stream --sp)" = "--spool-size" ]
	[ "$(complete_words stream --fail)" = "--fail-on-loss" ]
	[ "$(complete_words record --sp)" = "" ]
	[ "$(complete_words record --max)" = "--max-size" ]
	[ "$(complete_words report --j)" = "--jobs" ]
	[ "$(complete_words record --j)" = "--jobs" ]
	[ "$(complete_words stream --j)" = "--jobs" ]
}

@test "bash: target names from the tracefs given" {
	[ "$(complete_words --tracefs "$FX" status -r "")" = "$(printf '%s\n' backup hypervisor instances/backup instances/test remotes/test test test top | sort)" ]
	[ "$(complete_words --tracefs "$FX" start -r rem)" = "remotes/test" ]
}

@test "bash: events of the target for --enable" {
	[ "$(complete_words --tracefs "$FX" events -r hypervisor --enable hypervisor:h)" = "$(printf '%s\n' hypervisor:hyp_enter hypervisor:hyp_exit)" ]
}

@test "bash: record's -e completes the events of the -r before it" {
	[ "$(complete_words --tracefs "$FX" record -r hypervisor -r top -e sched:sched_s)" = "sched:sched_switch" ]
	[ "$(complete_words --tracefs "$FX" record -r top -r hypervisor -e hypervisor:hyp_en)" = "hypervisor:hyp_enter" ]
	# Before any -r: the first one's, as record binds it.
	COMP_WORDS=(remotectl --tracefs "$FX" record -e hypervisor:hyp_en -r hypervisor -r top)
	COMP_CWORD=5
	COMPREPLY=()
	_remotectl
	[ "${COMPREPLY[*]}" = "hypervisor:hyp_enter" ]
}

@test "bash: clocks of the target" {
	[ "$(complete_words --tracefs "$FX" clock -r top g)" = "global" ]
}

@test "zsh: the completion function parses" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -n "$BATS_TEST_DIRNAME/../../completions/_remotectl"
}

# zsh_complete LINE: what an interactive zsh shows after LINE and a TAB.
zsh_complete() {
	COMPDIR="$BATS_TEST_DIRNAME/../../completions" BINDIR="$(dirname "$RCTL")" \
		zsh -f "$BATS_TEST_DIRNAME/zsh_complete.zsh" "$1" |
		sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tr '\r' '\n'
}

@test "zsh: commands with their descriptions" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh_complete "remotectl s"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c -- ' -- ')" -eq 5 ]
	printf '%s\n' "${lines[@]}" | grep -qx 'size    -- show or set the per-CPU buffer size'
	printf '%s\n' "${lines[@]}" | grep -qx 'stream  -- print live merged events'
}

@test "zsh: a command's options" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh_complete "remotectl size --fo"
	printf '%s\n' "${lines[@]}" | grep -q 'remotectl size --force'
}

@test "zsh: target names of the real tracefs" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	make_instance
	run zsh_complete "remotectl status -r instances/remotectl-test-$$-$BATS_TEST_NUMBER"
	remove_instance
	printf '%s\n' "${lines[@]}" | grep -q "remotectl status -r instances/$INST "
}

@test "zsh: record's and stream's --rt-priority" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh_complete "remotectl record --rt-pr"
	printf '%s\n' "${lines[@]}" | grep -q 'remotectl record --rt-priority='
	run zsh_complete "remotectl stream --rt-pr"
	printf '%s\n' "${lines[@]}" | grep -q 'remotectl stream --rt-priority='
	run zsh_complete "remotectl record --reader-n"
	printf '%s\n' "${lines[@]}" | grep -q 'remotectl record --reader-nice='
}
