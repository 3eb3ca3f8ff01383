#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# interop.sh - xtcp talks to the kernel's own TCP. xtcp segments are TCP
# segments with IP protocol 253, so a protocol translator between the two
# turns one into the other. It is a netns of its own, like a middlebox:
#   NS A (xtcp, 10.0.1.1) -veth- NS R -veth- NS B (native TCP, 10.0.1.2)
# tc on the ingress of R's two ports rewrites the protocol byte, fixes the
# IP header checksum and redirects the frame out of the other port (tc
# mirred: a wire, not a bridge -- the debug kernel has no bridge support):
#   from B (native -> xtcp): ip protocol 6   -> 253
#   from A (xtcp -> native): ip protocol 253 -> 6
# (the TCP checksum's pseudo-header uses protocol 6 on both sides, so only
# the IP header checksum changes). Each end host sees only its own protocol
# on its veth: 253 on A's, 6 on B's.
# Cases, each: connect, 10 MB each way with equal sha256, clean close, the
# active closer in TIME_WAIT in its own table (/proc/net/xtcp or
# /proc/net/tcp), the passive closer's entry gone, exit codes 0:
#  1 xtcp client -> native server, native closes first
#  2 xtcp client -> native server, xtcp closes first
#  3 native client -> xtcp server, native closes first
#  4 native client -> xtcp server, xtcp closes first
#  5 the capture on the xtcp side shows only protocol-253 segments in both
#    directions, and no RST in these clean closes
#
# Why not rewrite on B's own veth (egress 6 -> 253): kernel TCP always
# builds GSO skbs (sk_setup_caps() forces NETIF_F_GSO for TCP sockets, even
# with "gso off" on the device) and, on a device without TSO, they are
# segmented in software in validate_xmit_skb() -- after tc egress has run.
# By then the protocol byte says 253, inet_gso_segment() finds no offload
# for it, and every multi-segment skb is dropped (tx_dropped on the veth,
# kfree_skb in validate_xmit_skb). TCP has already counted such a segment's
# ACK as sent and leaves its data for the probe/RTO timer, so native TCP
# stalls ~200 ms at a time: 10 MB never finishes. With the translator in
# its own netns, native TCP's packets are segmented on B's veth while still
# protocol 6, and R rewrites finished MSS-sized packets.
#
# Offloads: the native side's veth gets "ethtool -K tx off tso off gso off",
# so segmentation and the TCP checksum are done in software on B's veth
# (validate_xmit_skb -> skb_gso_segment / skb_checksum_help), before any
# rewrite. With TSO on, veth would hand R (and then xtcp) CHECKSUM_PARTIAL
# GSO super-packets of up to 64 KB with only a pseudo-header checksum --
# nothing a real wire carries, and not what this test is about. The xtcp
# side keeps its defaults.
#
# XTCP_PROTO=6 (host validation) runs both sides as kernel TCP without the
# rewrite: only the script's mechanics are exercised then.
source "$(dirname "$0")/lib/topo.sh"

BYTES=${XTCP_XFER_BYTES:-10485760}
NATIVE=6
XPROC=$PROC_SOCKS
NPROC=/proc/net/tcp

DEV_RA=xvethra	# R's port towards A (xtcp)
DEV_RB=xvethrb	# R's port towards B (native)
NS_R=""

# topo_translator: NS_A(DEV_A) <-veth-> NS_R(DEV_RA, DEV_RB) <-veth->
# NS_B(DEV_B); A and B on one /24 with fixed neighbour entries, as in
# topo_two_ns. R forwards nothing yet: see translator_on.
topo_translator() {
	local ma mb
	ns_new NS_A a && ns_new NS_B b && ns_new NS_R r || return 1
	ip link add "$DEV_A" netns "$NS_A" type veth peer name "$DEV_RA" netns "$NS_R" &&
	ip link add "$DEV_B" netns "$NS_B" type veth peer name "$DEV_RB" netns "$NS_R" &&
	ip -n "$NS_R" link set "$DEV_RA" up &&
	ip -n "$NS_R" link set "$DEV_RB" up &&
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$DEV_A" &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$DEV_B" &&
	ip -n "$NS_A" link set "$DEV_A" up &&
	ip -n "$NS_B" link set "$DEV_B" up || return 1
	ma=$(ip -n "$NS_A" -o link show "$DEV_A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	mb=$(ip -n "$NS_B" -o link show "$DEV_B" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	ip -n "$NS_A" neigh replace "$ADDR_B" lladdr "$mb" dev "$DEV_A" nud permanent &&
	ip -n "$NS_B" neigh replace "$ADDR_A" lladdr "$ma" dev "$DEV_B" nud permanent
}

# translator_port IN OUT FROM TO: frames arriving on R's port IN leave by
# OUT; IPv4 protocol FROM becomes TO on the way (the issue's pedit + csum
# rule, plus the redirect). FROM == TO: forward only.
translator_port() {
	nsx "$NS_R" tc qdisc add dev "$1" clsact || return 1
	if [[ $3 != "$4" ]]; then
		nsx "$NS_R" tc filter add dev "$1" ingress protocol ip prio 1 u32 \
			match ip protocol "$3" 0xff \
			action pedit ex munge ip protocol set "$4" pipe action csum ip \
			pipe action mirred egress redirect dev "$2" || return 1
	fi
	nsx "$NS_R" tc filter add dev "$1" ingress prio 2 u32 match u32 0 0 \
		action mirred egress redirect dev "$2"
}

# translator_on: R joins A and B, rewriting 6 <-> PROTO in between
translator_on() {
	translator_port "$DEV_RB" "$DEV_RA" 6 "$PROTO" &&
	translator_port "$DEV_RA" "$DEV_RB" "$PROTO" 6
}

# st_in SIDE(x|n) ARGS..: sock_has_st against that side's table
st_in() {
	local side=$1
	shift
	if [[ $side == x ]]; then PROC_SOCKS=$XPROC wait_st 5 "$@"
	else PROC_SOCKS=$NPROC wait_st 5 "$@"; fi
}
gone_in() {
	local side=$1
	shift
	if [[ $side == x ]]; then PROC_SOCKS=$XPROC wait_for 5 sock_gone "$@"
	else PROC_SOCKS=$NPROC wait_for 5 sock_gone "$@"; fi
}

# interop_case LABEL CLIENT(x|n) FIRST(x|n) PORT
interop_case() {
	local label=$1 cside=$2 first=$3 port=$4
	local cns sns cip sip cp sp copt sopt rc_c rc_s cport ok=1 sside
	if [[ $cside == x ]]; then
		cns=$NS_A cip=$ADDR_A cp=$PROTO sns=$NS_B sip=$ADDR_B sp=$NATIVE sside=n
	else
		cns=$NS_B cip=$ADDR_B cp=$NATIVE sns=$NS_A sip=$ADDR_A sp=$PROTO sside=x
	fi
	copt=(--send "$BYTES" --seed 11)
	sopt=(--send "$BYTES" --seed 12)
	if [[ $first == "$cside" ]]; then
		copt+=(--expect "$BYTES" --close-first)
	else
		sopt+=(--expect "$BYTES" --close-first)
	fi
	bg "$label-srv" "$sns" "$TOOL" server -p "$sp" -l "$sip" -P "$port" "${sopt[@]}" --timeout 60
	if [[ $sside == x ]]; then PROC_SOCKS=$XPROC wait_listen "$sns" "$sip" "$port"
	else PROC_SOCKS=$NPROC wait_listen "$sns" "$sip" "$port"; fi
	bg "$label-cli" "$cns" "$TOOL" client -p "$cp" -a "$sip" -P "$port" "${copt[@]}" --timeout 60
	bg_wait "$label-cli" 70; rc_c=$?
	bg_wait "$label-srv" 70; rc_s=$?
	cport=$(conn_port "$label-cli")
	[[ $rc_c -eq 0 && $rc_s -eq 0 && -n $cport ]] || { ok=0; ktap_diag "rc cli=$rc_c srv=$rc_s"; }
	sha_match "$label-cli" "$label-srv" "$BYTES" || ok=0
	sha_match "$label-srv" "$label-cli" "$BYTES" || ok=0
	if [[ $ok == 1 ]]; then
		# first closer: TIME_WAIT; the other: gone
		if [[ $first == "$cside" ]]; then
			st_in "$first" "$cns" "$cip" "$cport" "$sip" "$port" 06 &&
				gone_in "$sside" "$sns" "$sip" "$port" "$cip" "$cport" || ok=0
		else
			st_in "$first" "$sns" "$sip" "$port" "$cip" "$cport" 06 &&
				gone_in "$cside" "$cns" "$cip" "$cport" "$sip" "$port" || ok=0
		fi
		[[ $ok == 1 ]] || ktap_diag "close states wrong"
	fi
	if [[ $ok == 1 ]]; then
		ktap_ok "$label"
	else
		ktap_fail "$label"
		bg_diag "$label-cli" "$label-srv"
		PROC_SOCKS=$XPROC sock_dump "$NS_A"; PROC_SOCKS=$NPROC sock_dump "$NS_B"
	fi
}

topo_init
require_cmd tc tcpdump
ktap_plan 5
topo_translator || ktap_skip_all "cannot create the netns/veth topology"
translator_on || ktap_skip_all "tc clsact/u32/pedit/csum/mirred unavailable"
if [[ $PROTO == 6 ]]; then
	ktap_diag "XTCP_PROTO=6: both sides kernel TCP, no rewrite (mechanics only)"
else
	if command -v ethtool >/dev/null 2>&1; then
		nsx "$NS_B" ethtool -K "$DEV_B" tx off tso off gso off >/dev/null 2>&1 ||
			ktap_diag "ethtool -K $DEV_B tx/tso/gso off failed"
	else
		ktap_diag "no ethtool: native side keeps TSO/GSO/csum offload"
	fi
fi
nsx "$NS_B" ethtool -k "$DEV_B" 2>/dev/null |
	grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload):' |
	sed 's/^/# native veth: /'

# unfiltered (all IPv4): stray protocol-6 segments on the xtcp side count too
cap_start interop "$NS_A" "$DEV_A" ip || ktap_diag "tcpdump did not start"
interop_case xtcp-client-native-server-native-closes-first x n 5601
interop_case xtcp-client-native-server-xtcp-closes-first x x 5602
interop_case native-client-xtcp-server-native-closes-first n n 5603
interop_case native-client-xtcp-server-xtcp-closes-first n x 5604
cap_stop interop

# on A's veth every segment must be protocol PROTO, in both directions.
# Counted with pcap filters (cap_decode's awk is far too slow for the ~90k
# packets of 4 x 2 x 10 MB under TCG); the RST test reads the TCP flags at
# the IHL-derived offset, so it works for protocol 253 too.
RST_F='(ip[((ip[0] & 0xf) << 2) + 13] & 4) != 0'
cap_count() { tcpdump -r "$TMPD/interop.pcap" -n "$1" 2>/dev/null | wc -l; }
n_out=$(cap_count "src host $ADDR_A and ip proto $PROTO")
n_in=$(cap_count "dst host $ADDR_A and ip proto $PROTO")
n_other=$(cap_count "not ip proto $PROTO")
n_rst=$(cap_count "$RST_F")
ktap_diag "xtcp side capture: $n_out out, $n_in in (protocol $PROTO), $n_other other, $n_rst RST"
if [[ $n_in -gt 0 && $n_out -gt 0 && $n_rst -eq 0 && $n_other -eq 0 ]]; then
	ktap_ok "wire-protocol-$PROTO-both-ways-no-rst"
else
	ktap_fail "wire-protocol-$PROTO-both-ways-no-rst"
	tcpdump -r "$TMPD/interop.pcap" -w "$TMPD/interop-bad.pcap" \
		"not ip proto $PROTO or $RST_F" 2>/dev/null
	cap_decode interop-bad | head -n 20 | sed 's/^/# pkt /'
fi

ktap_finish
