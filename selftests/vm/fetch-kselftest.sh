#!/bin/bash
# fetch-kselftest.sh - extract the kselftest framework headers and checkpatch
# and kernel-doc from Debian's linux-source-6.1 tarball into
# REPO/.cache/linux-src/ (cached) and print that directory. Members:
# tools/testing/selftests/kselftest.h, kselftest_harness.h, scripts/checkpatch.pl,
# spelling.txt, const_structs.checkpatch, kernel-doc (perl, core modules only).
# Use: CFLAGS += -I$(.../fetch-kselftest.sh)/tools/testing/selftests
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OUT=$CACHE/linux-src
MEMBERS=(tools/testing/selftests/kselftest.h tools/testing/selftests/kselftest_harness.h
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
	scripts/kernel-doc)
have() { local m; for m in "${MEMBERS[@]}"; do [[ -f $OUT/$m ]] || return 1; done; }
have && { echo "$OUT"; exit 0; }

TAR=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1 || true)
[[ -n $TAR ]] || die "no /usr/src/linux-source-6.1.tar.*: run selftests/vm/install-deps.sh"
mkdir -p "$CACHE"
TMP=$(mktemp -d "$CACHE/.linux-src.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "extracting ${#MEMBERS[@]} files from $TAR (takes a minute, once)"
tar -xaf "$TAR" -C "$TMP" --strip-components=1 --wildcards "${MEMBERS[@]/#/*/}"
chmod +x "$TMP/scripts/checkpatch.pl" "$TMP/scripts/kernel-doc"
mkdir -p "$OUT"
cp -r "$TMP"/. "$OUT"/
have || die "extraction incomplete"
echo "$OUT"
