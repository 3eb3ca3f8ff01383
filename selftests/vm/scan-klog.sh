#!/bin/bash
# scan-klog.sh - scan a test VM console log for kernel bug reports (oops, BUG,
# WARN, KASAN/UBSAN/KFENCE, lockdep, RCU/hung-task, list/refcount/debugobjects
# corruption, kmemleak leaks, panics). Prints each matching line and exits 1
# on any match, 0 when clean, 2 on usage error.
#
# Only the kernel-log section that the guest init prints between
# XTCP-VM-KLOG-BEGIN and XTCP-VM-KLOG-END (kmemleak report + dmesg) is
# scanned, so test output on the console can't false-positive. A log without
# that section (crashed guest, or a plain dmesg file) is scanned whole.
#
# Usage: scan-klog.sh [--all|--boot] LOGFILE
#   --all: ignore the markers; --boot: only the boot, up to the guest init's
#   XTCP-VM-INIT line (before xtcp is loaded: run-vm.sh boots again)
# Env:   XTCP_KLOG_IGNORE  extra extended regex of lines to ignore
set -euo pipefail

all=0 boot=0
[[ ${1:-} == --all ]] && { all=1; shift; }
[[ ${1:-} == --boot ]] && { boot=1; shift; }
[[ $# -eq 1 && -r $1 ]] || { echo "usage: ${0##*/} [--all|--boot] LOGFILE" >&2; exit 2; }

BAD=(
	'Oops(:| -|#)' 'BUG:' 'kernel BUG at' 'BUG [^ ]+ \((Not t|T)ainted\)'
	'WARNING:' 'KASAN:' 'UBSAN:' 'KFENCE:' 'KCSAN:' 'KMSAN:'
	'general protection fault' 'Kernel panic' 'Unable to handle kernel'
	'refcount_t:' 'list_(add|del) corruption' 'ODEBUG:'
	'possible (circular|recursive) locking' 'inconsistent lock state'
	'suspicious RCU usage' 'held when returning' 'bad unlock balance'
	'possible irq lock inversion' 'held lock freed'
	'INFO: task .* blocked for more than' 'detected stalls? on' 'hard LOCKUP'
	'unreferenced object 0x' 'suspected memory leak'
	'Attempted to kill init' 'stack-protector:' 'Stack corruption'
)
# Known-benign lines; KTAP lines that a test may have written to /dev/kmsg.
IGNORE='Spectre V2 : WARNING: Unprivileged eBPF|^(\[[ 0-9.]+\] )?(not )?ok [0-9]+|^(\[[ 0-9.]+\] )?# '
[[ -n ${XTCP_KLOG_IGNORE:-} ]] && IGNORE+="|$XTCP_KLOG_IGNORE"

pat=$(IFS='|'; echo "${BAD[*]}")
section() {
	if [[ $boot -eq 1 ]]; then
		tr -d '\r' <"$1" | sed '/^XTCP-VM-INIT/q'
	elif [[ $all -eq 0 ]] && grep -q '^XTCP-VM-KLOG-BEGIN' <(tr -d '\r' <"$1"); then
		tr -d '\r' <"$1" | sed -n '/^XTCP-VM-KLOG-BEGIN/,/^XTCP-VM-KLOG-END/p'
	else
		tr -d '\r' <"$1"
	fi
}
hits=$(section "$1" | grep -E -- "$pat" | grep -Ev -- "$IGNORE" || true)
if [[ -n $hits ]]; then
	echo "scan-klog: kernel problems found in $1:"
	sed 's/^/  /' <<<"$hits"
	exit 1
fi
exit 0
