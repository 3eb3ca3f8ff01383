#!/bin/bash
# get-kernel.sh - fetch and extract a test kernel (image + headers .debs) into
# REPO/.cache/kernels/NAME/ and print that directory. Cached: a populated dir
# returns at once. The dir holds boot/vmlinuz-VER (+ boot/vmlinux-VER for
# direct PVH boot when possible), lib/modules/VER/,
# usr/src/linux-headers-VER/ (a KDIR) and kernel.env (KVER/VMLINUZ/KDIR/MODDIR).
#
# Usage: get-kernel.sh [--kdir|--vmlinuz|--kver|--env] [NAME]
#   NAME: 6.1 (default; bookworm's current 6.1 ABI), 6.12 (bookworm-backports,
#         fetched via a private apt config; host apt sources untouched),
#         debug (the .debs in REPO/../shared/kernels), or a directory holding
#         linux-image-*.deb and linux-headers-*.deb.
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
6.1|6.12|debug) key=$NAME ;;
*)	[[ -d $NAME ]] || die "unknown kernel '$NAME' (6.1, 6.12, debug or a dir of .debs)"
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

# fetch_debian APT_OPTS...: resolve image ABI via linux-image-amd64, download
# image + headers + headers' linux-headers-*/linux-kbuild-* dependencies.
fetch_debian() {
	local img hdr deps
	img=$(apt-cache "$@" depends linux-image-amd64 |
		awk '/Depends: linux-image-/{print $2; exit}')
	[[ -n $img ]] || die "cannot resolve linux-image-amd64 (run apt-get update?)"
	hdr=${img/linux-image-/linux-headers-}
	mapfile -t deps < <(apt-cache "$@" depends "$hdr" |
		awk '/Depends: linux-(headers|kbuild)-/{print $2}' | sort -u)
	log "downloading $img $hdr ${deps[*]}"
	apt_dl "$@" -- "$img" "$hdr" "${deps[@]}"
}

case $NAME in
6.1)
	# host apt lists; refresh them once if they are missing or stale
	if ! (fetch_debian) 2>"$TMP/err"; then
		cat "$TMP/err" >&2
		log "retrying after apt-get update"
		$([[ $(id -u) -eq 0 ]] || echo sudo) apt-get -q update >&2
		rm -f "$TMP"/debs/*
		fetch_debian
	fi ;;
6.12)
	A=$CACHE/apt-bpo
	mkdir -p "$A/lists/partial" "$A/archives/partial"
	echo "deb http://deb.debian.org/debian bookworm-backports main" >"$A/sources.list"
	O=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
	   -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache"
	   -o Dir::Cache::archives="$A/archives" -o APT::Get::List-Cleanup=0)
	mkdir -p "$A/cache"
	apt-get "${O[@]}" -q update >&2
	fetch_debian "${O[@]}" ;;
debug)
	compgen -G "$src/linux-image-*.deb" >/dev/null ||
		die "no debug kernel .debs in $src"
	cp "$src"/linux-image-*.deb "$src"/linux-headers-*.deb "$TMP/debs/" ;;
*)
	compgen -G "$src/linux-image-*.deb" >/dev/null || die "no linux-image-*.deb in $src"
	cp "$src"/linux-image-*.deb "$src"/linux-headers-*.deb "$src"/linux-kbuild-*.deb \
		"$TMP/debs/" 2>/dev/null || true ;;
esac

for d in "$TMP"/debs/*.deb; do
	case ${d##*/} in *-dbg_*) continue ;; esac
	dpkg-deb -x "$d" "$TMP/root"
done

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
for mk in "$TMP"/root/usr/src/linux-headers-*/Makefile; do
	sed -i 's|^include /usr/src/|include $(abspath $(dir $(lastword $(MAKEFILE_LIST))))/../|' "$mk"
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
if ! make -s -C "$TMP/root/$kdir" M="$TMP/hello" modules >"$TMP/hello.log" 2>&1 ||
   [[ ! -f $TMP/hello/hello.ko ]]; then
	cat "$TMP/hello.log" >&2
	die "test module does not build against $kdir"
fi
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
ENV
echo "$stamp" >"$TMP/root/.stamp"
rm -rf "$DIR"
mv "$TMP/root" "$DIR"
log "kernel $kver ready in $DIR"
emit
