#!/bin/bash
# get-kernel.sh - fetch and extract a test kernel (image + headers .debs) into
# REPO/.cache/kernels/NAME/ and print that directory. Cached: a populated dir
# returns at once. The dir holds boot/vmlinuz-VER (+ boot/vmlinux-VER for
# direct PVH boot when possible), lib/modules/VER/,
# usr/src/linux-headers-VER/ (a KDIR) and kernel.env (KVER/VMLINUZ/KDIR/MODDIR,
# and KBUILD_SUITE/KBUILD_PKGS when modules build in a kbuild-root.sh root).
#
# Usage: get-kernel.sh [--kdir|--vmlinuz|--kver|--env] [NAME]
#   NAME: 6.1 (default; bookworm's current 6.1 ABI), 6.12 (bookworm-backports),
#         6.12-rt (bookworm-backports' PREEMPT_RT kernel), 7 (sid's newest
#         kernel; its modules build in a sid root: kbuild-root.sh), debug
#         (the .debs in REPO/../shared/kernels), or a directory holding
#         linux-image-*.deb and linux-headers-*.deb (XTCP_KBUILD_SUITE=SUITE
#         builds their modules in a SUITE root). Other suites than bookworm
#         are fetched via a private apt config; host apt sources untouched.
#   --kdir etc. print that single value instead of the directory.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

what=dir
case ${1:-} in
--kdir|--vmlinuz|--kver|--env) what=${1#--}; shift ;;
-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
esac
NAME=${1:-6.1}

case $NAME in
6.1|6.12|6.12-rt|7|debug) key=$NAME ;;
*)	[[ -d $NAME ]] || die "unknown kernel '$NAME' (6.1, 6.12, 6.12-rt, 7, debug or a dir of .debs)"
	src=$(cd "$NAME" && pwd)
	key=dir-$(basename "$src")-$(echo "$src" | sha256sum | cut -c1-8) ;;
esac
DIR=$CACHE/kernels/$key
[[ $NAME == debug ]] && src=$REPO/../shared/kernels
# For local .debs the cache is also keyed by the .debs' names/sizes/mtimes.
stamp=''
[[ -n ${src:-} ]] && stamp=$(cd "$src" && ls -l --time-style=+%s ./*.deb 2>/dev/null | awk '{print $5, $6, $7}')
fresh() { [[ -f $DIR/kernel.env && ( -z $stamp || "$(cat "$DIR/.stamp" 2>/dev/null)" == "$stamp" ) ]]; }

emit() {
	# shellcheck source=/dev/null
	source "$DIR/kernel.env"
	case $what in
	dir) echo "$DIR" ;;
	kdir) echo "$KDIR" ;;
	vmlinuz) echo "$VMLINUZ" ;;
	kver) echo "$KVER" ;;
	env) cat "$DIR/kernel.env" ;;
	esac
}

fresh && { emit; exit 0; }

mkdir -p "$CACHE/kernels"
exec 9>"$CACHE/kernels/.$key.lock"
flock 9
fresh && { emit; exit 0; }

TMP=$(mktemp -d "$CACHE/kernels/.$key.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/debs" "$TMP/root"

# apt_dl APT_OPTS... -- PKGS...: download .debs into $TMP/debs
apt_dl() {
	local opts=()
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	(cd "$TMP/debs" && apt-get "${opts[@]}" -q -o APT::Sandbox::User=root download "$@") >&2
}

# fetch_debian META APT_OPTS...: resolve the image ABI via the metapackage
# META (linux-image-amd64, linux-image-rt-amd64), download image + headers
# and the packages they depend on that hold the kernel: since 7.x the image
# is itself a metapackage over linux-binary-*, linux-modules-* and
# linux-base-*; headers need linux-headers-*-common and linux-kbuild-*.
fetch_debian() {
	local meta=$1 img hdr deps
	shift
	img=$(apt-cache "$@" depends "$meta" |
		awk '/Depends: linux-image-/{print $2; exit}')
	[[ -n $img ]] || die "cannot resolve $meta (run apt-get update?)"
	hdr=${img/linux-image-/linux-headers-}
	mapfile -t deps < <(apt-cache "$@" depends "$img" "$hdr" |
		awk '/Depends: linux-(binary|modules|base|headers|kbuild)-/{print $2}' | sort -u)
	log "downloading $img $hdr ${deps[*]}"
	apt_dl "$@" -- "$img" "$hdr" "${deps[@]}"
}

# apt_private NAME 'deb URL SUITE main': set O to apt options for a private
# apt config in CACHE/apt-NAME with that source, and refresh its lists.
apt_private() {
	local a=$CACHE/apt-$1
	mkdir -p "$a/lists/partial" "$a/archives/partial" "$a/cache"
	echo "$2" >"$a/sources.list"
	O=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
	   -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
	   -o Dir::Cache::archives="$a/archives" -o APT::Get::List-Cleanup=0)
	apt-get "${O[@]}" -q update >&2
}

# kbuild_pkgs: the packages the headers' kbuild needs besides the kernel's
# own (compiler, pahole, libraries), one a line, from the .debs' Depends.
kbuild_pkgs() {
	local d
	for d in "$TMP"/debs/linux-headers-*.deb "$TMP"/debs/linux-kbuild-*.deb; do
		[[ -f $d ]] && dpkg-deb -f "$d" Depends
	done | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:.*//; s/[[:space:]]//g' |
		grep -Ev '^(linux-(headers|kbuild|base)(-.*)?)?$' | sort -u
}

# kbuild SUITE ARGS...: make ARGS on the host or, with SUITE, in its root.
kbuild() {
	local suite=$1
	shift
	if [[ -z $suite ]]; then
		make "$@"
	else
		# shellcheck disable=SC2046
		"$VMDIR/kbuild-root.sh" --bind "$TMP" "$suite" $(kbuild_pkgs) -- make "$@"
	fi
}

# Where this kernel's modules build: '' is the host.
KBUILD_SUITE=${XTCP_KBUILD_SUITE:-}
case $NAME in
6.1)
	# host apt lists; refresh them once if they are missing or stale
	if ! (fetch_debian linux-image-amd64) 2>"$TMP/err"; then
		cat "$TMP/err" >&2
		log "retrying after apt-get update"
		$([[ $(id -u) -eq 0 ]] || echo sudo) apt-get -q update >&2
		rm -f "$TMP"/debs/*
		fetch_debian linux-image-amd64
	fi ;;
6.12|6.12-rt)
	apt_private bpo "deb http://deb.debian.org/debian bookworm-backports main"
	meta=linux-image-amd64
	[[ $NAME == 6.12-rt ]] && meta=linux-image-rt-amd64
	fetch_debian "$meta" "${O[@]}" ;;
7)
	# sid's kbuild needs its glibc and gcc: bookworm has neither.
	apt_private sid "deb http://deb.debian.org/debian sid main"
	fetch_debian linux-image-amd64 "${O[@]}"
	KBUILD_SUITE=${XTCP_KBUILD_SUITE-sid} ;;
debug)
	compgen -G "$src/linux-image-*.deb" >/dev/null ||
		die "no debug kernel .debs in $src"
	cp "$src"/linux-image-*.deb "$src"/linux-headers-*.deb "$TMP/debs/" ;;
*)
	compgen -G "$src/linux-image-*.deb" >/dev/null || die "no linux-image-*.deb in $src"
	# 7.x's image is split: linux-binary-*, linux-modules-*, linux-base-*
	cp "$src"/linux-image-*.deb "$src"/linux-headers-*.deb "$src"/linux-kbuild-*.deb \
		"$src"/linux-binary-*.deb "$src"/linux-modules-*.deb "$src"/linux-base-*.deb \
		"$TMP/debs/" 2>/dev/null || true ;;
esac

for d in "$TMP"/debs/*.deb; do
	case ${d##*/} in *-dbg_*) continue ;; esac
	dpkg-deb -x "$d" "$TMP/root"
done

# trixie and later install modules under /usr/lib/modules/VER, and sid also
# vmlinuz, config and System.map: back to bookworm's layout, which the rest
# (kernel.env, mkinitramfs.sh, run-vm.sh) expects.
if [[ -d $TMP/root/usr/lib/modules ]]; then
	mkdir -p "$TMP/root/lib/modules" "$TMP/root/boot"
	cp -a "$TMP/root/usr/lib/modules/." "$TMP/root/lib/modules/"
	rm -rf "$TMP/root/usr/lib/modules"
	for m in "$TMP"/root/lib/modules/*/; do
		v=$(basename "$m")
		[[ -f $m/vmlinuz ]] && mv "$m/vmlinuz" "$TMP/root/boot/vmlinuz-$v"
		[[ -f $m/config ]] && cp "$m/config" "$TMP/root/boot/config-$v"
		[[ -f $m/System.map ]] && cp "$m/System.map" "$TMP/root/boot/System.map-$v"
	done
fi

vmlinuz=$(find "$TMP/root/boot" -name 'vmlinuz-*' | sort | tail -1)
[[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in the image package"
kver=${vmlinuz##*/vmlinuz-}
kdir=usr/src/linux-headers-$kver
[[ -f $TMP/root/$kdir/Makefile ]] || die "no $kdir/Makefile in the headers packages"
[[ -d $TMP/root/lib/modules/$kver ]] || die "no lib/modules/$kver"
# .debs ship no modules.dep (made at install time): generate it.
/sbin/depmod -b "$TMP/root" "$kver" || die "depmod failed"

# Debian's headers Makefile includes /usr/src/linux-headers-*-common by an
# absolute path, and lib/modules/VER/build is absolute: make both relative.
# 7.x's also sets KBUILD_OUTPUT to its absolute path (':=' here: the value
# must be taken while this Makefile is the last one read).
for mk in "$TMP"/root/usr/src/linux-headers-*/Makefile; do
	sed -i -e 's|^include /usr/src/|include $(abspath $(dir $(lastword $(MAKEFILE_LIST))))/../|' \
		-e 's|^KBUILD_OUTPUT *:\{0,1\}= */usr/src/|KBUILD_OUTPUT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))/../|' "$mk"
done
for l in build source; do
	[[ -L $TMP/root/lib/modules/$kver/$l ]] &&
		ln -sfn "../../../$kdir" "$TMP/root/lib/modules/$kver/$l"
done

# Sanity check: a trivial module must build against these headers.
mkdir -p "$TMP/hello"
printf '%s\n' '#include <linux/module.h>' \
	'static int __init h_init(void) { return 0; }' \
	'static void __exit h_exit(void) { }' \
	'module_init(h_init); module_exit(h_exit);' \
	'MODULE_LICENSE("GPL");' >"$TMP/hello/hello.c"
echo 'obj-m := hello.o' >"$TMP/hello/Kbuild"
# A build root is made (or completed) first, its progress not in hello.log.
if [[ -n $KBUILD_SUITE ]]; then
	# shellcheck disable=SC2046
	"$VMDIR/kbuild-root.sh" "$KBUILD_SUITE" $(kbuild_pkgs) -- true </dev/null
fi
if ! kbuild "$KBUILD_SUITE" -s -C "$TMP/root/$kdir" M="$TMP/hello" modules >"$TMP/hello.log" 2>&1 ||
   [[ ! -f $TMP/hello/hello.ko ]]; then
	cat "$TMP/hello.log" >&2
	die "test module does not build against $kdir"
fi
kpkgs=''
[[ -z $KBUILD_SUITE ]] || kpkgs=$(kbuild_pkgs | tr '\n' ' ')
rm -rf "$TMP/debs" "$TMP/hello" "$TMP/hello.log"

# QEMU boots an uncompressed ELF vmlinux directly (PVH entry) when the kernel
# has CONFIG_PVH: skips the slow emulated self-decompression (~2-3 s).
vmlinux=''
if grep -q '^CONFIG_PVH=y' "$TMP/root/boot/config-$kver" 2>/dev/null; then
	for m in 'xz:\xfd7zXZ' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		off=$(LC_ALL=C grep -abo -m1 "$(printf '%b' "${m#*:}")" "$vmlinuz" | head -1 | cut -d: -f1 || true)
		[[ -n $off ]] || continue
		tail -c +"$((off + 1))" "$vmlinuz" | "${m%%:*}" -dc >"$TMP/vmlinux" 2>/dev/null || true
		if readelf -n "$TMP/vmlinux" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'; then
			mv "$TMP/vmlinux" "$TMP/root/boot/vmlinux-$kver"
			vmlinux=$DIR/boot/vmlinux-$kver
			break
		fi
	done
	rm -f "$TMP/vmlinux"
fi

cat >"$TMP/root/kernel.env" <<ENV
KNAME=$NAME
KVER=$kver
VMLINUZ=$DIR/boot/vmlinuz-$kver
VMLINUX=$vmlinux
KDIR=$DIR/$kdir
MODDIR=$DIR/lib/modules/$kver
KBUILD_SUITE=$KBUILD_SUITE
KBUILD_PKGS="${kpkgs% }"
ENV
echo "$stamp" >"$TMP/root/.stamp"
rm -rf "$DIR"
mv "$TMP/root" "$DIR"
log "kernel $kver ready in $DIR"
emit
