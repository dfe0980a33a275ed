# bash completion for remotectl

_remotectl_targets()
{
	remotectl "${_remotectl_global[@]}" -q list 2>/dev/null | awk '
		$1 == "remote" { print $2; print "remotes/" $2 }
		$1 == "instance" { print $2; print "instances/" $2 }
		$1 == "top" || $1 == "hypervisor" { print $2 }'
}

# The -r target the word being completed belongs to: the last one before it (record and
# stream bind -e to the -r before it), else the first one after it; none if there is none.
_remotectl_target()
{
	local i t=
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		[ -n "$t" ] && [ "$i" -ge "$COMP_CWORD" ] && break
		case "${COMP_WORDS[i]}" in
		-r | --target) t="${COMP_WORDS[i + 1]}" ;;
		--target=*) t="${COMP_WORDS[i]#--target=}" ;;
		esac
	done
	echo "$t"
}

_remotectl()
{
	local cur prev cmd i target
	local commands="list status start stop size reset events clock record stream report recover"
	local global="--tracefs --quiet --verbose --help --version -q -v"
	_remotectl_global=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev="${COMP_WORDS[COMP_CWORD - 1]}"

	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		--tracefs) _remotectl_global=(--tracefs "${COMP_WORDS[i + 1]}"); ((i++)) ;;
		-*) ;;
		*) [ -z "$cmd" ] && cmd="${COMP_WORDS[i]}" ;;
		esac
	done

	case "$prev" in
	--tracefs)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-r | --target)
		COMPREPLY=($(compgen -W "$(_remotectl_targets)" -- "$cur"))
		return ;;
	--enable | --disable | -e | --event)
		target=$(_remotectl_target)
		[ -n "$target" ] && COMPREPLY=($(compgen -W "$(remotectl "${_remotectl_global[@]}" \
			-q events -r "$target" 2>/dev/null | awk '{print $3}')" -- "$cur"))
		return ;;
	--cpu | -d | --duration | -z)
		return ;;
	-o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--transport)
		COMPREPLY=($(compgen -W "auto mmap read text" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "text dat" -- "$cur"))
		return ;;
	-b | --buffer-size | --max-size)
		COMPREPLY=($(compgen -W "512K 1M 4M 16M 64M" -- "$cur"))
		return ;;
	esac

	case "$cmd" in
	report | recover)
		if [[ "$cur" == -* ]]; then
			[ "$cmd" = report ] && COMPREPLY=($(compgen -W "--cpu --event --target --from \
				--to --stat --jobs --help $global" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -X '!*.dat' -- "$cur") $(compgen -d -- "$cur"))
		fi
		return ;;
	esac

	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
		return
	fi

	local opts="-r --target --help $global"
	case "$cmd" in
	list) opts="--json --help $global" ;;
	status) opts="$opts --json" ;;
	size) opts="$opts --force" ;;
	reset) opts="$opts --cpu" ;;
	events) opts="$opts --enable --disable --json" ;;
	clock) opts="$opts --list" ;;
	record) opts="$opts -e --event -b --buffer-size -d --duration --max-size --cpu --transport
		--clear --buffer-percent --rt-priority --reader-nice -o --output --format --compression -z
		-j --jobs --fail-on-loss" ;;
	stream) opts="$opts -e --event --cpu --transport --clear --buffer-percent --rt-priority
		--reader-nice --spool-size -j --jobs --fail-on-loss" ;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ "$cmd" = clock ] && target=$(_remotectl_target) && [ -n "$target" ]; then
		COMPREPLY=($(compgen -W "$(remotectl "${_remotectl_global[@]}" clock -r "$target" \
			--list 2>/dev/null | awk '{print $1}')" -- "$cur"))
	elif [ "$cmd" = size ]; then
		COMPREPLY=($(compgen -W "512K 1M 4M 16M 64M" -- "$cur"))
	fi
}

complete -F _remotectl remotectl
