#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh - xtcp against the kernel's TCP, side by side, as ratios: each
# xtcp_bench test (stream, rr, crr; see tools/xtcp_bench.c) on loopback, RUNS
# times per protocol, xtcp and TCP alternating so that drift in the host
# hits both; the table shows the medians and xtcp/TCP. Under emulation
# only the ratios mean anything. Run by "make bench" in the VM, with the
# module loaded. Env: BENCH_SECONDS (per run, default 3), BENCH_RUNS
# (default 3), XTCP_PROTO (default 253). Every run has a network namespace
# of its own, so TIME_WAIT left by one (crr) does not slow the next.
set -u
cd "$(dirname "$0")" || exit 1
SECS=${BENCH_SECONDS:-3}
RUNS=${BENCH_RUNS:-3}
XPROTO=${XTCP_PROTO:-253}
NS=xtcp-bench-$$

# one TEST PROTO: the value one run measures, in a fresh namespace
one() {
	local out rc
	ip netns add "$NS" && ip -n "$NS" link set lo up || return 1
	out=$(ip netns exec "$NS" ../tools/xtcp_bench -p "$2" -t "$SECS" "$1")
	rc=$?
	ip netns del "$NS"
	[[ $rc == 0 ]] && sed -n 's/.* value=\([0-9.]*\) .*/\1/p' <<<"$out"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'xtcp (protocol %s) vs TCP on loopback, kernel %s, median of %s runs of %s s\n' \
	"$XPROTO" "$(uname -r)" "$RUNS" "$SECS"
printf '%-8s %-8s %12s %12s %9s\n' test unit xtcp tcp xtcp/tcp
status=0
for t in stream:MB/s rr:trans/s crr:conn/s; do
	name=${t%%:*} unit=${t#*:} xs="" ns=""
	for ((i = 0; i < RUNS; i++)); do
		x=$(one "$name" "$XPROTO") && n=$(one "$name" 6) || { status=1; break; }
		xs+="$x"$'\n' ns+="$n"$'\n'
	done
	[[ $status == 0 ]] || { echo "bench: $name failed" >&2; break; }
	xm=$(median <<<"${xs%$'\n'}") nm=$(median <<<"${ns%$'\n'}")
	printf '%-8s %-8s %12.1f %12.1f %9.2f\n' "$name" "$unit" "$xm" "$nm" \
		"$(awk -v a="$xm" -v b="$nm" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
exit $status
