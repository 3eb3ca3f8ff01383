#!/bin/bash
# kbuild-root.sh - run a command in a minimal Debian SUITE root (chroot) that
# has the toolchain a kernel's headers need. Newer Debian kernels' kbuild
# wants a newer glibc and gcc than the host has (sid's 7.x: glibc >= 2.38,
# gcc-16), so their modules are built in such a root. Made on first use with
# debootstrap --variant=minbase into REPO/.cache/kbuild-root/SUITE (about a
# minute, ~600 MB); PKGS missing from it are installed with its own apt.
#
# Usage: kbuild-root.sh [--bind DIR]... SUITE [PKG...] -- COMMAND [ARGS...]
# COMMAND runs in a private mount namespace (mounts vanish with it) with
# /proc, /dev, the repo, the cache, the current directory and every --bind
# DIR mounted at their host paths, in the current directory, as the calling
# user. Needs root (or sudo).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BINDS=()
while [[ ${1:-} == --bind ]]; do BINDS+=("$2"); shift 2; done
SUITE=${1:?usage: kbuild-root.sh [--bind DIR]... SUITE [PKG...] -- COMMAND...}
shift
PKGS=(make)
while [[ $# -gt 0 && $1 != -- ]]; do PKGS+=("$1"); shift; done
[[ ${1:-} == -- && $# -gt 1 ]] || die "no command (see --help in the script)"
shift
ROOT=$CACHE/kbuild-root/$SUITE
STAMP=$ROOT/.xtcp-pkgs
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)

# missing: print the PKGS not yet installed in ROOT (by this script).
missing() {
	local p
	for p in "${PKGS[@]}"; do
		grep -qsxF "$p" "$STAMP" || echo "$p"
	done
}

# in_root [--user] COMMAND...: run COMMAND in ROOT with the mounts above.
in_root() {
	local user=() dirs=() d
	if [[ $1 == --user ]]; then
		shift
		[[ $(id -u) -eq 0 ]] || user=(--userspec="$(id -u):$(id -g)")
	fi
	# Parents before children, each once; nothing the repo bind covers.
	for d in "$REPO" "$CACHE" "$PWD" "${BINDS[@]}"; do
		[[ -d $d ]] && dirs+=("$(realpath "$d")")
	done
	mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | LC_ALL=C sort -u |
		awk 'NR == 1 || index($0, last "/") != 1 { print; last = $0 }')
	"${SUDO[@]}" unshare --mount --propagation private -- /bin/bash -euc '
		root=$1 n=$2; shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		for ((i = 0; i < n; i++)); do
			mkdir -p "$root$1"
			mount --bind "$1" "$root$1"
			shift
		done
		exec chroot "$@"' kbuild-root "$ROOT" "${#dirs[@]}" "${dirs[@]}" \
		"${user[@]}" "$ROOT" /usr/bin/env -u LD_LIBRARY_PATH -C "$PWD" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# create: debootstrap SUITE into a temporary dir, then move it in place.
create() {
	local tmp t0
	if ! command -v debootstrap >/dev/null; then
		log "installing debootstrap"
		"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q install \
			--no-install-recommends debootstrap >&2 ||
			die "cannot install debootstrap"
	fi
	t0=$(date +%s)
	tmp=$(mktemp -d "$CACHE/kbuild-root/.$SUITE.XXXXXX")
	# shellcheck disable=SC2064
	trap "${SUDO[*]} rm -rf '$tmp'" EXIT
	log "creating the $SUITE build root (debootstrap, once)"
	# In its own mount namespace: a failed run leaves no /proc mounted in $tmp.
	"${SUDO[@]}" unshare --mount --propagation private -- \
		debootstrap --variant=minbase "$SUITE" "$tmp" \
		http://deb.debian.org/debian >"$tmp.log" 2>&1 ||
		{ tail -20 "$tmp.log" >&2; die "debootstrap $SUITE failed (log $tmp.log)"; }
	rm -f "$tmp.log"
	"${SUDO[@]}" chmod 755 "$tmp"	# mktemp's 700 would lock the user out
	"${SUDO[@]}" mv "$tmp" "$ROOT"
	trap - EXIT
	log "$SUITE build root made in $(($(date +%s) - t0))s"
}

# install_missing: add the missing PKGS with the root's apt.
install_missing() {
	local need apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -qq
		-o APT::Sandbox::User=root)
	mapfile -t need < <(missing)
	[[ ${#need[@]} -gt 0 ]] || return 0
	log "installing in the $SUITE build root: ${need[*]}"
	"${SUDO[@]}" cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
	# Lists go stale in a long-lived root: update once before giving up.
	if ! in_root "${apt[@]}" install --no-install-recommends "${need[@]}" >&2; then
		in_root "${apt[@]}" update >&2 || true
		in_root "${apt[@]}" install --no-install-recommends "${need[@]}" >&2 ||
			die "cannot install ${need[*]} in the $SUITE build root"
	fi
	printf '%s\n' "${need[@]}" | "${SUDO[@]}" tee -a "$STAMP" >/dev/null
}

if [[ ! -d $ROOT || -n $(missing) ]]; then
	mkdir -p "$CACHE/kbuild-root"
	exec 9>"$CACHE/kbuild-root/.$SUITE.lock"
	flock 9
	[[ -d $ROOT ]] || create
	install_missing
	exec 9>&-
fi
in_root --user "$@"
