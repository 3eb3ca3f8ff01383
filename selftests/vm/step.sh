#!/bin/bash
# step.sh - run one setup step as one line of output, for "make demo":
# "TITLE ... done (Ns)". The step's output goes to
# .cache/steps/NAME.log; when the step fails it is printed in full after
# "TITLE ... FAILED (exit N)", and step.sh exits with the step's status.
# Usage: step.sh TITLE COMMAND [ARGS...]
set -uo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 2 ]] || die "usage: step.sh TITLE COMMAND [ARGS...]"
title=$1; shift
mkdir -p "$CACHE/steps" || exit 1
out=$CACHE/steps/$(tr -cs 'a-zA-Z0-9.' '-' <<<"$title" | sed 's/^-*//; s/-*$//').log
printf '%s ... ' "$title"
t0=$SECONDS
"$@" >"$out" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
	echo "done ($((SECONDS - t0))s)"
	exit 0
fi
echo "FAILED (exit $rc, $((SECONDS - t0))s); its output ($out):"
cat "$out"
exit $rc
