#!/bin/bash
# install-deps.sh - idempotently install every host package the xtcp VM test
# infrastructure needs (QEMU, busybox, guest userland, kernel build tools,
# debootstrap for kbuild-root.sh, packet decoders). Fast path: does nothing
# when all packages are present.
# Also extracts the kselftest headers + checkpatch (fetch-kselftest.sh, cached)
# that the selftest and unit-test Makefiles build against, and unpacks
# Debian's nginx for selftests/nginx.sh (fetch-nginx.sh, cached).
# Usage: selftests/vm/install-deps.sh   (needs root or sudo for the slow path)
set -euo pipefail
VMDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PKGS=(
	qemu-system-x86 busybox-static cpio xz-utils zstd gzip kmod
	tshark tcpdump iproute2 ethtool strace iptables
	gcc make bc flex bison libelf-dev libssl-dev dwarves
	debootstrap
	linux-source-6.1 linux-headers-amd64
	python3 file ca-certificates coreutils util-linux
)

mapfile -t missing < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PKGS[@]}" 2>/dev/null |
	awk -v want="${PKGS[*]}" '$2 == "installed" {ok[$1] = 1}
		END {n = split(want, w, " "); for (i = 1; i <= n; i++) if (!ok[w[i]]) print w[i]}')
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	"$VMDIR/fetch-kselftest.sh" >/dev/null
	"$VMDIR/fetch-nginx.sh" >/dev/null
	exit 0
fi
echo "install-deps: installing: ${missing[*]}"

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# tshark asks whether non-root users may capture; answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	"${SUDO[@]}" debconf-set-selections

# Refresh package lists only when apt does not know a missing package.
need_update=0
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
	need_update=1
else
	for p in "${missing[@]}"; do
		if [[ -z $(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/{print $2}' | grep -v none) ]]; then
			need_update=1
			break
		fi
	done
fi
[[ $need_update -eq 0 ]] || "${APT[@]}" update

if ! "${APT[@]}" install --no-install-recommends "${missing[@]}"; then
	echo "install-deps: install failed, refreshing package lists and retrying" >&2
	"${APT[@]}" update
	"${APT[@]}" install --no-install-recommends "${missing[@]}"
fi
"$VMDIR/fetch-kselftest.sh" >/dev/null
"$VMDIR/fetch-nginx.sh" >/dev/null
echo "install-deps: done"
