#!/bin/bash
# kmake.sh - make -C KDIR ARGS for a test kernel (get-kernel.sh NAME), in
# the build root its headers need when the host's toolchain is too old for
# them (KBUILD_SUITE in kernel.env, kbuild-root.sh), else on the host.
# Usage: kmake.sh NAME [MAKE ARGS...]     e.g. kmake.sh 7 M=$PWD/module modules
# Env:   XTCP_KBUILD_SUITE overrides the kernel's build root ('' = the host).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NAME=${1:?usage: kmake.sh NAME [MAKE ARGS...]}
shift
KD=$("$VMDIR/get-kernel.sh" "$NAME")
KBUILD_SUITE='' KBUILD_PKGS=''
# shellcheck source=/dev/null
source "$KD/kernel.env"
suite=${XTCP_KBUILD_SUITE-$KBUILD_SUITE}
[[ -n $suite ]] || exec make -C "$KDIR" "$@"

# The root must see the kernel and an M= directory at their host paths.
binds=(--bind "$KD" --bind "${KDIR%/usr/src/*}")
for a in "$@"; do
	[[ $a == M=* ]] && binds+=(--bind "${a#M=}")
done
# shellcheck disable=SC2086
exec "$VMDIR/kbuild-root.sh" "${binds[@]}" "$suite" $KBUILD_PKGS -- make -C "$KDIR" "$@"
