#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# interop.sh - xtcp talks to the kernel's own TCP. xtcp segments are TCP
# segments with IP protocol 253, so a tc rewrite on the native side's veth
# turns one into the other:
#   egress  (native -> xtcp): ip protocol 6   -> 253, then fix the IP checksum
#   ingress (xtcp -> native): ip protocol 253 -> 6,   then fix the IP checksum
# (the TCP checksum's pseudo-header uses protocol 6 on both sides, so only
# the IP header checksum changes). NS A = xtcp (10.0.1.1), NS B = native TCP
# (10.0.1.2).
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
# Offloads: the native side's veth gets "ethtool -K tx off tso off gso off".
# With them on, kernel TCP hands veth CHECKSUM_PARTIAL GSO super-packets
# (up to 64 KB, TCP checksum not yet computed). veth delivers such skbs to
# the peer as they are, so after the rewrite xtcp would receive 64 KB
# "segments" carrying gso metadata for SKB_GSO_TCPV4 and only a pseudo-header
# checksum -- nothing a real wire carries, and not what this test is about.
# With tx checksumming off the TCP checksum is completed in software after
# tc (validate_xmit_skb -> skb_checksum_help, pseudo-header still protocol 6)
# and TSO/GSO are off with it, so every segment crosses as an MSS-sized,
# fully checksummed packet, like on a NIC. The xtcp side keeps its defaults.
#
# XTCP_PROTO=6 (host validation) runs both sides as kernel TCP without the
# rewrite: only the script's mechanics are exercised then.
source "$(dirname "$0")/lib/topo.sh"

BYTES=${XTCP_XFER_BYTES:-10485760}
NATIVE=6
XPROC=$PROC_SOCKS
NPROC=/proc/net/tcp

# rewrite_setup: install the protocol rewrite on DEV_B (native side)
rewrite_setup() {
	nsx "$NS_B" tc qdisc add dev "$DEV_B" clsact &&
	nsx "$NS_B" tc filter add dev "$DEV_B" egress protocol ip prio 1 u32 \
		match ip protocol 6 0xff \
		action pedit ex munge ip protocol set "$PROTO" pipe action csum ip &&
	nsx "$NS_B" tc filter add dev "$DEV_B" ingress protocol ip prio 1 u32 \
		match ip protocol "$PROTO" 0xff \
		action pedit ex munge ip protocol set 6 pipe action csum ip
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
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"
if [[ $PROTO == 6 ]]; then
	ktap_diag "XTCP_PROTO=6: both sides kernel TCP, no rewrite (mechanics only)"
else
	if command -v ethtool >/dev/null 2>&1; then
		nsx "$NS_B" ethtool -K "$DEV_B" tx off tso off gso off >/dev/null 2>&1 ||
			ktap_diag "ethtool -K $DEV_B tx/tso/gso off failed"
	else
		ktap_diag "no ethtool: native side keeps TSO/GSO/csum offload"
	fi
	rewrite_setup || ktap_skip_all "tc clsact/u32/pedit/csum unavailable"
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

# on A's veth every segment must be protocol PROTO, in both directions
cap_decode interop >"$TMPD/interop.txt"
n_in=$(awk -v a="$ADDR_A" -v p="$PROTO" '$4 == a && $10 == p' "$TMPD/interop.txt" | wc -l)
n_out=$(awk -v a="$ADDR_A" -v p="$PROTO" '$2 == a && $10 == p' "$TMPD/interop.txt" | wc -l)
n_other=$(awk -v p="$PROTO" '$10 != p' "$TMPD/interop.txt" | wc -l)
n_rst=$(awk '$6 ~ /R/' "$TMPD/interop.txt" | wc -l)
ktap_diag "xtcp side capture: $n_out out, $n_in in (protocol $PROTO), $n_other other, $n_rst RST"
if [[ $n_in -gt 0 && $n_out -gt 0 && $n_rst -eq 0 && $n_other -eq 0 ]]; then
	ktap_ok "wire-protocol-$PROTO-both-ways-no-rst"
else
	ktap_fail "wire-protocol-$PROTO-both-ways-no-rst"
	awk '$6 ~ /R/ || $10 != '"$PROTO"'' "$TMPD/interop.txt" | head -n 20 | sed 's/^/# pkt /'
fi

ktap_finish
