#!/bin/bash
# fetch-nginx.sh - put Debian's nginx binary (package nginx, bookworm) in
# REPO/.cache/nginx/usr/sbin/nginx (cached) and print its path. The package
# is downloaded and unpacked, not installed: no service starts on the host,
# no configuration is written. mkinitramfs.sh copies the binary and its
# libraries into the guest, where selftests/nginx.sh runs it over xtcp
# (tools/xtcp_preload.so). Its libraries (libpcre2, libssl, zlib, libcrypt)
# are on every Debian host already.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OUT=$CACHE/nginx
BIN=$OUT/usr/sbin/nginx
[[ -x $BIN ]] && { echo "$BIN"; exit 0; }
mkdir -p "$CACHE"
TMP=$(mktemp -d "$CACHE/.nginx.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"	# apt's _apt user downloads into it
log "downloading Debian's nginx package (once)"
if ! (cd "$TMP" && apt-get download -q nginx >&2); then
	SUDO=()
	[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
	"${SUDO[@]}" apt-get update -q >&2
	(cd "$TMP" && apt-get download -q nginx >&2) || die "cannot download nginx"
fi
dpkg-deb -x "$TMP"/nginx_*.deb "$TMP/root"
[[ -x $TMP/root/usr/sbin/nginx ]] || die "no usr/sbin/nginx in the package"
rm -rf "$OUT"
mv "$TMP/root" "$OUT"
echo "$BIN"
