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
#  6 a passive close with xtcp's bare ACKs delayed 20 ms on the path (a
#    "delay lane" in R: tc sends pure ACKs through a veth pair with netem),
#    so a bare ACK of the peer's FIN would arrive after xtcp's own FIN:
#    the native peer's TIME_WAIT then answers the late ACK, xtcp (closed)
#    owes a RST for that, and the RST ends the TIME_WAIT early. xtcp holds
#    the ACK of a FIN back (Linux's pingpong), so its FIN carries it; the
#    native side must keep its TIME_WAIT and no RST may leave xtcp. This is
#    the reordering that a busy host produced by chance (per-CPU backlogs).
#    The native server waits 0.3 s before its FIN, so that the bare ACKs of
#    the data are long through the lane by then: any bare ACK sent just
#    before a FIN is exposed like this, Linux's own included.
#  7 SYN cookies against the kernel's TCP, 16 KB each way per connection:
#    native clients (with and without timestamps) to an xtcp listener with
#    net.xtcp.syncookies 0, 1 and 2 (2: every handshake completes from a
#    cookie, SyncookiesRecv counts them), and xtcp clients to a native
#    listener with tcp_syncookies 2 (the kernel's cookies, with and
#    without timestamps on its side)
#  + timestamps-negotiated-with-kernel-tcp-both-roles (after case 5): in
#    the capture of cases 1-4 every segment past the handshake, both ways,
#    carries the aligned timestamp option, and xtcp's SYNs and SYN-ACKs
#    offer it
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

# delay_lane_on MS: pure ACKs from A (flag byte 0x10 exactly: xtcp's and
# TCP's bare ACKs, never data, which carries PSH or arrives in-window
# anyway) take a detour through a veth pair in R with netem delay MS on
# its way to B; everything else goes straight on, rewritten as before.
DEV_L1=xdlya
DEV_L2=xdlyb
delay_lane_on() {
	local rw=()
	[[ $PROTO != 6 ]] && rw=(action pedit ex munge ip protocol set 6 pipe action csum ip pipe)
	nsx "$NS_R" ip link add "$DEV_L1" type veth peer name "$DEV_L2" &&
	nsx "$NS_R" ip link set "$DEV_L1" up && nsx "$NS_R" ip link set "$DEV_L2" up &&
	nsx "$NS_R" tc qdisc add dev "$DEV_L1" root netem delay "${1}ms" &&
	nsx "$NS_R" tc qdisc add dev "$DEV_L2" clsact &&
	nsx "$NS_R" tc filter add dev "$DEV_L2" ingress prio 1 u32 match u32 0 0 \
		action mirred egress redirect dev "$DEV_RB" &&
	nsx "$NS_R" tc filter del dev "$DEV_RA" ingress &&
	nsx "$NS_R" tc filter add dev "$DEV_RA" ingress protocol ip prio 1 u32 \
		match ip protocol "$PROTO" 0xff match u8 0x10 0xff at 33 \
		"${rw[@]}" action mirred egress redirect dev "$DEV_L1" &&
	if [[ $PROTO != 6 ]]; then
		nsx "$NS_R" tc filter add dev "$DEV_RA" ingress protocol ip prio 2 u32 \
			match ip protocol "$PROTO" 0xff "${rw[@]}" \
			action mirred egress redirect dev "$DEV_RB"
	fi &&
	nsx "$NS_R" tc filter add dev "$DEV_RA" ingress prio 3 u32 match u32 0 0 \
		action mirred egress redirect dev "$DEV_RB"
}

# reorder_case: three passive closes by xtcp behind a native first closer,
# 1 KB each way, with the delay lane on; each native socket must be in
# TIME_WAIT afterwards and the capture on A must hold no RST.
reorder_case() {
	local i port cport ok=1 n_rst
	cap_start reorder "$NS_A" "$DEV_A" ip || ktap_diag "tcpdump did not start"
	for i in 1 2 3; do
		port=$((5610 + i))
		bg "ro$i-srv" "$NS_B" "$TOOL" server -p "$NATIVE" -l "$ADDR_B" -P "$port" \
			--send 1K --seed 3 --expect 1K --close-first --hold 0.3 --timeout 30
		PROC_SOCKS=$NPROC wait_listen "$NS_B" "$ADDR_B" "$port" || ok=0
		bg "ro$i-cli" "$NS_A" "$TOOL" client -p "$PROTO" -a "$ADDR_B" -P "$port" \
			--send 1K --seed 4 --timeout 30
		bg_wait "ro$i-cli" 40 && bg_wait "ro$i-srv" 40 || { ok=0; bg_diag "ro$i-cli" "ro$i-srv"; }
		cport=$(conn_port "ro$i-cli")
		if ! st_in n "$NS_B" "$ADDR_B" "$port" "$ADDR_A" "$cport" 06; then
			ok=0
			ktap_diag "connection $i: no TIME_WAIT left on the native side"
		fi
	done
	cap_stop reorder
	n_rst=$(tcpdump -r "$TMPD/reorder.pcap" -n "src host $ADDR_A and $RST_F" 2>/dev/null | wc -l)
	ktap_diag "delayed bare ACKs: $n_rst RST from the xtcp side"
	[[ $n_rst -eq 0 ]] || { ok=0; cap_decode reorder | tail -n 24 | sed 's/^/# pkt /'; }
	if [[ $ok == 1 ]]; then ktap_ok passive-close-acks-delayed-peer-keeps-time-wait
	else ktap_fail passive-close-acks-delayed-peer-keeps-time-wait; fi
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
ktap_plan 8
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

# Timestamps negotiated with the kernel's TCP in both roles (both sides
# at their default, on): every segment after the handshake, both ways,
# starts its options with the aligned timestamp (NOP NOP TS; SACK blocks
# may follow), and the xtcp side's SYNs and SYN-ACKs carry one too
# (after its MSS option, alone or beside SACK-permitted).
TCPH='((ip[0] & 0xf) << 2)'
NOSYN_F="(ip[$TCPH + 13] & 2) = 0"
TSONLY_F="(ip[$TCPH + 12] & 0xf0) >= 0x80 and ip[$TCPH + 20:4] = 0x0101080a"
SYNTS_F="(ip[$TCPH + 13] & 2) != 0 and (ip[$TCPH + 24:4] = 0x0101080a or ip[$TCPH + 24:4] = 0x0402080a)"
n_ts_out=$(cap_count "src host $ADDR_A and ip proto $PROTO and $NOSYN_F and $TSONLY_F")
n_ts_in=$(cap_count "dst host $ADDR_A and ip proto $PROTO and $NOSYN_F and $TSONLY_F")
n_nots=$(cap_count "ip proto $PROTO and $NOSYN_F and not ($TSONLY_F)")
n_syn_ts=$(cap_count "src host $ADDR_A and ip proto $PROTO and $SYNTS_F")
ktap_diag "timestamps: $n_ts_out out and $n_ts_in in with, $n_nots without; $n_syn_ts SYN/SYN-ACKs of A with"
# Two kernel TCPs (XTCP_PROTO=6) also agree on SACK and lay out SYNs their
# own way: only the timestamps both ways are theirs to show.
if [[ $PROTO == 6 ]]; then n_nots=0 n_syn_ts=4; fi
if [[ $n_ts_out -gt 0 && $n_ts_in -gt 0 && $n_nots -eq 0 && $n_syn_ts -ge 4 ]]; then
	ktap_ok timestamps-negotiated-with-kernel-tcp-both-roles
else
	ktap_fail timestamps-negotiated-with-kernel-tcp-both-roles
	tcpdump -r "$TMPD/interop.pcap" -w "$TMPD/interop-nots.pcap" \
		"ip proto $PROTO and $NOSYN_F and not ($TSONLY_F)" 2>/dev/null
	cap_decode interop-nots | head -n 10 | sed 's/^/# pkt /'
fi

# cookie_cases: the seven SYN cookie connections of case 7 (one KTAP case)
cookie_cases() {
	local BYTES=16384 mode ts port=5700 ok=1 recv0 recv1 ncook0 ncook1
	for mode in 0 1 2; do
		for ts in 1 0; do
			port=$((port + 1))
			ns_sysctl "$NS_A" "${SYSCTL_DIR#/proc/sys/}syncookies" "$mode"
			ns_sysctl "$NS_B" net/ipv4/tcp_timestamps "$ts"
			recv0=$(stat_get "$NS_A" SyncookiesRecv)
			# a subshell: its KTAP line is ours to judge, not the plan's
			(interop_case "cookies$mode-ts$ts-native-client-xtcp-server" n n "$port") \
				>"$TMPD/cookie.ktap" 2>&1
			recv1=$(stat_get "$NS_A" SyncookiesRecv)
			if ! grep -q '^ok ' "$TMPD/cookie.ktap" ||
			   { [[ $mode == 2 ]] && (( ${recv1:-0} <= ${recv0:-0} )); }; then
				ok=0
				ktap_diag "syncookies=$mode, native timestamps=$ts: failed" \
					"(SyncookiesRecv ${recv0:-?} -> ${recv1:-?})"
				sed 's/^/# /' "$TMPD/cookie.ktap"
			fi
		done
	done
	ns_sysctl "$NS_A" "${SYSCTL_DIR#/proc/sys/}syncookies" 1
	ns_sysctl "$NS_B" net/ipv4/tcp_syncookies 2
	for ts in 1 0; do
		port=$((port + 1))
		ns_sysctl "$NS_B" net/ipv4/tcp_timestamps "$ts"
		ncook0=$(PROTO=6 stat_get "$NS_B" SyncookiesRecv)
		(interop_case "native-cookies-ts$ts-xtcp-client" x x "$port") \
			>"$TMPD/cookie.ktap" 2>&1
		ncook1=$(PROTO=6 stat_get "$NS_B" SyncookiesRecv)
		if ! grep -q '^ok ' "$TMPD/cookie.ktap" ||
		   { [[ $PROTO != 6 ]] && (( ${ncook1:-0} <= ${ncook0:-0} )); }; then
			ok=0
			ktap_diag "native tcp_syncookies=2, timestamps=$ts: failed" \
				"(its SyncookiesRecv ${ncook0:-?} -> ${ncook1:-?})"
			sed 's/^/# /' "$TMPD/cookie.ktap"
		fi
	done
	ns_sysctl "$NS_B" net/ipv4/tcp_syncookies 1
	ns_sysctl "$NS_B" net/ipv4/tcp_timestamps 1
	if [[ $ok == 1 ]]; then ktap_ok syncookies-all-modes-both-directions
	else ktap_fail syncookies-all-modes-both-directions; fi
}

cookie_cases

if delay_lane_on 20; then
	reorder_case
else
	ktap_fail passive-close-acks-delayed-peer-keeps-time-wait "cannot build the delay lane"
fi

ktap_finish
