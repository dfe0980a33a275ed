# zsh_complete.zsh LINE: start an interactive zsh on a pty with remotectl's completion, type
# LINE and a TAB, and print the raw screen output that follows.
# Environment: COMPDIR (the completions directory), BINDIR (where remotectl is).
zmodload zsh/zpty || exit 1
zpty -b z 'zsh -f -i'
zpty -w z "PS1='%% '; fpath=($COMPDIR \$fpath); autoload -Uz compinit; compinit -u -D; \
zstyle ':completion:*' menu no; PATH=$BINDIR:\$PATH; echo READY"
out=
for i in {1..100}; do
	zpty -r -t z chunk && out+=$chunk
	[[ $out == *READY*READY* ]] && break
	sleep 0.05
done
zpty -n -w z "$1"$'\t'
out=
for i in {1..20}; do
	sleep 0.1
	while zpty -r -t z chunk; do out+=$chunk; done
done
zpty -d z
print -r -- "$out"
