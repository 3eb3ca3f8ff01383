#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh - xtcp against the kernel's TCP, side by side, as ratios: each
# xtcp_bench test (stream, rr, crr; see tools/xtcp_bench.c) on loopback,
# and stream over a veth pair between two namespaces, clean ("veth") and
# with netem's 1% random loss on both ends ("loss1", goodput), RUNS
# times per protocol, xtcp and TCP alternating so that drift in the host
# hits both; the table shows the medians, xtcp/TCP of the medians and the
# lowest and highest ratio of one xtcp run to the TCP run after it. Under emulation
# only the ratios mean anything. Run by "make bench" in the VM, with the
# module loaded. Env: BENCH_SECONDS (per run, default 3), BENCH_RUNS
# (default 3), XTCP_PROTO (default 253), BENCH_TESTS (the throughput
# tests to run, as "veth loss1", and then nothing else; default all). Every run has a network namespace
# of its own, so TIME_WAIT left by one (crr) does not slow the next, with
# max_tw_buckets raised for both protocols, so that neither skips TIME_WAIT
# for the faster one's extra connections (a namespace's default, half the
# guest's small connection table, is reached within seconds).
# Then the listener under attack, also side by side: legitimate clients'
# success and connect latency during a spoofed SYN flood at a fixed rate
# (tools/xtcp_synflood; syncookies 1, 2, 0; BENCH_RUNS runs each, the
# order of the protocols alternating), and the slab bytes one
# half-open connection costs (xtcp_request vs request_sock_TCP).
set -u
cd "$(dirname "$0")" || exit 1
SECS=${BENCH_SECONDS:-3}
RUNS=${BENCH_RUNS:-3}
XPROTO=${XTCP_PROTO:-253}
NS=xtcp-bench-$$

# veth_one TEST PROTO LOSS: one stream run from namespace $NS-c
# (10.0.8.1) to $NS (10.0.8.2) over a veth pair; LOSS (a netem "loss"
# argument, or "") on both ends' egress. Then each end's veth takes one
# segment per skb (gso_max_segs 1), so that netem drops segments, as a
# wire would, not GSO packets of up to 44 of them: the kernel's TCP builds
# GSO packets even with the device's GSO off, and netem drops them whole.
veth_one() {
	local out rc c=$NS-c dev
	ip netns add "$NS" && ip netns add "$c" &&
	ip link add bva netns "$c" type veth peer name bvb netns "$NS" &&
	ip -n "$c" addr add 10.0.8.1/24 dev bva && ip -n "$NS" addr add 10.0.8.2/24 dev bvb &&
	ip -n "$c" link set bva up && ip -n "$NS" link set bvb up || return 1
	if [[ -n $3 ]]; then
		for dev in "$c bva" "$NS bvb"; do
			read -r n d <<<"$dev"
			ip -n "$n" link set dev "$d" gso_max_segs 1 || return 1
			ip netns exec "$n" tc qdisc add dev "$d" root netem loss "$3" || return 1
		done
	fi
	out=$(ip netns exec "$NS" ../tools/xtcp_bench -p "$2" -t "$SECS" -a 10.0.8.2 -n "$c" "$1")
	rc=$?
	ip netns del "$c"
	ip netns del "$NS"
	[[ $rc == 0 ]] && sed -n 's/.* value=\([0-9.]*\) .*/\1/p' <<<"$out"
}

# one TEST PROTO: the value one run measures, in a fresh namespace
# (veth: stream over a veth pair; loss1: the same with 1% loss)
one() {
	local out rc
	case $1 in
	veth) veth_one stream "$2" ""; return ;;
	loss1) veth_one stream "$2" 1%; return ;;
	esac
	ip netns add "$NS" && ip -n "$NS" link set lo up || return 1
	ip netns exec "$NS" sh -c 'echo 262144 > /proc/sys/net/ipv4/tcp_max_tw_buckets &&
		echo 262144 > /proc/sys/net/xtcp/max_tw_buckets' || return 1
	out=$(ip netns exec "$NS" ../tools/xtcp_bench -p "$2" -t "$SECS" "$1")
	rc=$?
	ip netns del "$NS"
	[[ $rc == 0 ]] && sed -n 's/.* value=\([0-9.]*\) .*/\1/p' <<<"$out"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'xtcp (protocol %s) vs TCP (loopback; veth: stream between two namespaces; loss1: veth, 1%% loss each way), kernel %s, median of %s runs of %s s\n' \
	"$XPROTO" "$(uname -r)" "$RUNS" "$SECS"
printf '%-8s %-8s %12s %12s %9s  %s\n' test unit xtcp tcp xtcp/tcp "spread (ratio of each run pair)"
status=0
for t in stream:MB/s veth:MB/s loss1:MB/s rr:trans/s crr:conn/s accept:conn/s; do
	name=${t%%:*} unit=${t#*:} xs="" ns=""
	[[ " ${BENCH_TESTS:-$name} " == *" $name "* ]] || continue
	rs=""
	for ((i = 0; i < RUNS; i++)); do
		x=$(one "$name" "$XPROTO") && n=$(one "$name" 6) || { status=1; break; }
		xs+="$x"$'\n' ns+="$n"$'\n'
		rs+=$(awk -v a="$x" -v b="$n" 'BEGIN { print (b > 0 ? a / b : 0) }')$'\n'
	done
	[[ $status == 0 ]] || { echo "bench: $name failed" >&2; break; }
	xm=$(median <<<"${xs%$'\n'}") nm=$(median <<<"${ns%$'\n'}")
	printf '%-8s %-8s %12.1f %12.1f %9.2f  %s\n' "$name" "$unit" "$xm" "$nm" \
		"$(awk -v a="$xm" -v b="$nm" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
		"$(sort -g <<<"${rs%$'\n'}" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }')"
done

# a chosen subset of the throughput tests: nothing else
[[ -n ${BENCH_TESTS:-} ]] && exit $status

# ---- the listener under a SYN flood ------------------------------------
FLOOD=../tools/xtcp_synflood
FRATE=${BENCH_FLOOD_RATE:-20000}
FSECS=${BENCH_FLOOD_SECS:-4}
FCLIENTS=${BENCH_FLOOD_CLIENTS:-100}
A=$NS-fa B=$NS-fb

# flood_net: A (10.0.9.1, flooder and clients) -veth- B (10.0.9.2,
# server); B routes the spoofed 10.99.0.0/16 back to A, which drops it
flood_net() {
	ip netns add "$A" && ip netns add "$B" &&
	ip link add fla netns "$A" type veth peer name flb netns "$B" &&
	ip -n "$A" addr add 10.0.9.1/24 dev fla && ip -n "$B" addr add 10.0.9.2/24 dev flb &&
	ip -n "$A" link set fla up && ip -n "$B" link set flb up &&
	ip -n "$A" link set lo up && ip -n "$B" link set lo up &&
	ip -n "$B" route add 10.99.0.0/16 via 10.0.9.1 dev flb
}
flood_net_del() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; }
# cookies_path PROTO: the syncookies sysctl of that protocol, in B
sysctl_dir() { [[ $1 == 6 ]] && echo /proc/sys/net/ipv4/tcp_ || echo /proc/sys/net/xtcp/; }

# flood_one PROTO MODE: "ok p50 p99 cp50 cp99" of FCLIENTS clients during
# the flood (100, one every 34 ms: p99 is then the second slowest, not the
# slowest); p50/p99 from connect() to the echo of a byte, cp50/cp99 to
# connect()'s completion
flood_one() {
	local dir srv out fpid
	flood_net || { flood_net_del; return 1; }
	dir=$(sysctl_dir "$1")
	ip netns exec "$B" sh -c "echo $2 > ${dir}syncookies"
	ip netns exec "$B" env XTCP_PROTO="$1" "$FLOOD" -E -a 10.0.9.2 -P 7400 >/dev/null &
	srv=$!
	sleep 0.5
	ip netns exec "$A" env XTCP_PROTO="$1" "$FLOOD" -a 10.0.9.2 -P 7400 \
		-s 10.99.0.0/16 -r "$FRATE" -t "$FSECS" >/dev/null &
	fpid=$!
	sleep 0.5
	out=$(ip netns exec "$A" env XTCP_PROTO="$1" "$FLOOD" -C -a 10.0.9.2 -P 7400 \
		-n "$FCLIENTS" -i $((3400 / FCLIENTS)) -T 3000)
	wait "$fpid" 2>/dev/null
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	flood_net_del
	sed -n 's/.*ok=\([0-9]*\) of [0-9]* p50_ms=\([0-9.-]*\) p99_ms=\([0-9.-]*\) .*connect_p50_ms=\([0-9.-]*\) connect_p99_ms=\([0-9.-]*\).*/\1 \2 \3 \4 \5/p' <<<"$out"
}

# col N: the median of column N of the lines on stdin
col() { awk -v c="$1" '{ print $c }' | median; }
# ratio_spread: "lo-hi" of xtcp/tcp per line "x n" on stdin ("-" if none)
ratio_spread() {
	awk '$1 > 0 && $2 > 0 { print $1 / $2 }' | sort -g |
		awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f-%.2f", lo, hi; else print "-" }'
}

# Each mode RUNS times per protocol, alternating which goes first (the
# first of a pair ran slower in some series); the medians of the runs,
# and the lowest and highest xtcp/TCP p99 ratio of a run pair.
printf '\nspoofed SYN flood, %s SYN/s for %s s, %s clients (3 s each), backlog 128, median of %s runs\n' \
	"$FRATE" "$FSECS" "$FCLIENTS" "$RUNS"
printf '%-10s %9s %15s %15s %9s %15s %15s %13s\n' syncookies "xtcp ok" "xtcp p50/p99" \
	"xtcp connect" "tcp ok" "tcp p50/p99" "tcp connect" "p99 ratios"
for mode in 1 2 0; do
	xr="" nr="" pr=""
	for ((i = 0; i < RUNS; i++)); do
		if ((i % 2)); then
			n=$(flood_one 6 "$mode") x=$(flood_one "$XPROTO" "$mode")
		else
			x=$(flood_one "$XPROTO" "$mode") n=$(flood_one 6 "$mode")
		fi
		[[ -n $x && -n $n ]] || { status=1; continue; }
		xr+="$x"$'\n' nr+="$n"$'\n'
		pr+="$(cut -d' ' -f3 <<<"$x") $(cut -d' ' -f3 <<<"$n")"$'\n'
	done
	[[ -n $xr ]] || { printf '%-10s failed\n' "$mode"; continue; }
	xr=${xr%$'\n'} nr=${nr%$'\n'}
	printf '%-10s %9s %15s %15s %9s %15s %15s %13s\n' "$mode" \
		"$(col 1 <<<"$xr")/$FCLIENTS" "$(col 2 <<<"$xr")/$(col 3 <<<"$xr")" \
		"$(col 4 <<<"$xr")/$(col 5 <<<"$xr")" "$(col 1 <<<"$nr")/$FCLIENTS" \
		"$(col 2 <<<"$nr")/$(col 3 <<<"$nr")" "$(col 4 <<<"$nr")/$(col 5 <<<"$nr")" \
		"$(ratio_spread <<<"${pr%$'\n'}")"
done

# halfopen_bytes PROTO CACHE: slab bytes per half-open connection: 1000
# unanswered SYNs into a listener with room for all, the cache's objects
# before and after times its object size
halfopen_bytes() {
	local dir srv before after size
	flood_net || { flood_net_del; return 1; }
	dir=$(sysctl_dir "$1")
	ip netns exec "$B" sh -c "echo 0 > ${dir}syncookies; echo 8192 > ${dir}max_syn_backlog"
	ip netns exec "$B" sh -c 'echo 4096 > /proc/sys/net/core/somaxconn'
	ip netns exec "$B" env XTCP_PROTO="$1" "$FLOOD" -E -b 2048 -a 10.0.9.2 -P 7401 >/dev/null &
	srv=$!
	sleep 0.5
	before=$(awk -v c="$2" '$1 == c { print $2 }' /proc/slabinfo)
	size=$(awk -v c="$2" '$1 == c { print $4 }' /proc/slabinfo)
	ip netns exec "$A" env XTCP_PROTO="$1" "$FLOOD" -a 10.0.9.2 -P 7401 \
		-s 10.99.0.0/16 -r 5000 -n 1000 -t 10 >/dev/null
	sleep 0.3
	after=$(awk -v c="$2" '$1 == c { print $2 }' /proc/slabinfo)
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	flood_net_del
	awk -v a="${after:-0}" -v b="${before:-0}" -v s="${size:-0}" \
		'BEGIN { printf "%.0f %d", (a - b) * s / 1000, s }'
}

read -r xb xs <<<"$(halfopen_bytes "$XPROTO" xtcp_request)"
read -r nb ns <<<"$(halfopen_bytes 6 request_sock_TCP)"
printf '\nhalf-open connection: xtcp %s bytes (%s-byte objects), tcp %s bytes (%s-byte objects), xtcp/tcp %s\n' \
	"${xb:-?}" "${xs:-?}" "${nb:-?}" "${ns:-?}" \
	"$(awk -v a="${xb:-0}" -v b="${nb:-0}" 'BEGIN { print (b > 0 ? sprintf("%.2f", a / b) : "?") }')"
exit $status
