# Shared helpers for the tests/vm scripts; source it, do not run it.
# shellcheck shell=bash

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT=$(cd "$VM_DIR/../.." && pwd)
# CI may run without HOME: bash's ~ then falls back to the password database.
CACHE_DIR=${REMOTECTL_CACHE:-${HOME:-$(cd ~ && pwd)}/.cache/remotectl}/vm
VM_START=${VM_START:-$(date +%s)}
export VM_START

# Progress lines carry the seconds since the first script started, so a CI log shows where
# the time went.
log()
{
	printf 'vm [%4ds]: %s\n' "$(($(date +%s) - VM_START))" "$*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

# apt-get/apt-cache against a private sid sources list and lists directory under the cache,
# so the system's apt sources and state stay untouched and nothing from sid is installed.
APT_DIR=$CACHE_DIR/apt
apt_sid()
{
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Dir::Etc::Preferences=/dev/null \
		-o Dir::Etc::PreferencesParts=/dev/null \
		-o APT::Sandbox::User=root \
		"$@"
}
