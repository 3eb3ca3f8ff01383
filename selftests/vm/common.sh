# shellcheck shell=bash
# common.sh - shared helpers for the selftests/vm/ scripts (sourced, not run).
# Defines REPO (repo root, absolute), VMDIR (this dir) and CACHE (REPO/.cache).

VMDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$VMDIR/../.." && pwd)"
# shellcheck disable=SC2034
CACHE="${XTCP_CACHE:-$REPO/.cache}"

die() { echo "${0##*/}: error: $*" >&2; exit 1; }
log() { echo "${0##*/}: $*" >&2; }
