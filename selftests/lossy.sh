#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lossy.sh - the netem loss matrix (issue 8): bulk transfers both ways at
# once across an impaired path, against xtcp and against the kernel's TCP.
#   NS A (xtcp, 10.0.1.1) -veth- NS R -veth- NS B (10.0.1.2)
# R is a wire (tc mirred from each port's ingress to the other port) with
# a netem qdisc on the egress of both its ports, so every impairment acts
# in both directions and the end hosts' own stacks are untouched. B runs
# xtcp ("xtcp peer": R only forwards) or the kernel's TCP ("native peer":
# R rewrites the IP protocol byte 253 <-> 6 on the way, as in interop.sh,
# whose header comment explains the translator and why the native side's
# veth has "ethtool -K tx off tso off gso off"). The xtcp ends' veths get
# "tx off tso off": xtcp's GSO super-packets are cut into segments there,
# by xtcp's offload callback, with checksums summed in software.
# Every case: client and server each send N bytes (--send N, --expect N)
# at the same time; both exit 0 and the sha256 of each direction is the
# same at both ends. A is client and server in turn. Per case the time,
# A's and B's RetransSegs deltas and netem's drops go out as diagnostics.
#  1 defaults (window scaling, SACK, timestamps on), each impairment with
#    each peer:
#      loss1    loss random 1%
#      loss5    loss random 5% (half the bytes, at least 256 KiB)
#      reorder  delay 10ms reorder 25% 50%
#      dup      duplicate 5%
#      delay    delay 50ms 10ms (RTT ~100 ms, jitter reorders too)
#      burst    loss gemodel 1% 30% 70% 0.1% (runs of drops, ~2.4% of
#               the packets; "loss state 1% 30%" where the kernel has no
#               gemodel, skipped where it has neither)
#  2 with each loss impairment (loss1, loss5, burst): "...-retransmitted",
#    A's RetransSegs rose during the case, i.e. netem really dropped A's
#    data and xtcp recovered it
#  3 options off: net.xtcp.window_scaling, .sack and .timestamps set to 0
#    in A in turn (the SYNs negotiate, so off on A is off for the
#    connection), each under loss1 and under reorder, with each peer; plus
#    "...-retransmitted" for the loss1 ones
#  4 for each case of 3, "...-off-in-handshake": in a capture of only the
#    SYNs on A's veth, neither A's SYN/SYN-ACK nor any SYN-ACK carries the
#    option (kind 3, 4 or 8), while the SYN-ACKs do carry the two options
#    left on (so the option parser is seen working). xtcp_tool has no
#    TCP_INFO output, the handshake is what decides.
# XTCP_LOSSY_IMPS="delay burst" runs only those impairments (rows 1-2).
# A case still running after XTCP_LOSSY_SLOW s (default 60) gets its
# evidence taken while it stalls (socket tables, xtcp_stats, netem stats,
# the last packets on A's veth); the tools give up after 240 s.
#
# Size: XTCP_XFER_BYTES / 8 each way per case, at most 1 MiB (make check's
# debug kernel: XTCP_XFER_BYTES=1 MiB -> 128 KiB, and only rows 1-2, for
# loss1, reorder and burst, run when XTCP_XFER_BYTES <= 1 MiB, ~2 min
# there, setup dominating); loss1 and burst move at least 1 MiB:
# a few hundred segments from A could all get through 1% loss, and the
# retransmission check would fail for nothing. XTCP_LOSSY_BYTES sets the
# size of every case, without those floors. On Debian's 6.1 under TCG the
# whole test takes ~60 s (XTCP_PROTO=6 ~90 s).
#
# XTCP_PROTO=6 runs both ends as kernel TCP, without the rewrite (both
# peers are then the same; the end veths get the native-side offloads):
# the mechanics and a baseline of the kernel's own retransmissions.
source "$(dirname "$0")/lib/topo.sh"

NATIVE=6
ANAME=xtcp			# what A runs, for the diagnostics
[[ $PROTO == 6 ]] && ANAME=tcp
XPROC=$PROC_SOCKS
NPROC=/proc/net/tcp
MAC_A=02:00:0a:00:01:01
MAC_B=02:00:0a:00:01:02
MAC_RA=02:00:0a:00:01:fa
MAC_RB=02:00:0a:00:01:fb

MIB=1048576
XB=${XTCP_XFER_BYTES:-8388608}
BYTES=${XTCP_LOSSY_BYTES:-$(( XB / 8 < MIB ? XB / 8 : MIB ))}
FULL=1
(( XB <= MIB )) && FULL=0
TMO=240				# the tools' own limit, per case
SLOW=${XTCP_LOSSY_SLOW:-60}	# then take stall evidence
# XTCP_LOSSY_PCAP=DIR (for debugging): every case's traffic on A's veth is
# captured, and a stalled case's decoded there (DIR/LABEL.txt, with windows
# and timestamps)
PCAP_DIR=${XTCP_LOSSY_PCAP:-}

# XTCP_LOSSY_IMPS: the impairments to run (default: all; with the small
# XTCP_XFER_BYTES of the debug kernel, the three that drive loss recovery
# and reordering detection hardest), e.g. "delay"
IMPS_DEFAULT="loss1 loss5 reorder dup delay burst"
[[ $FULL == 0 ]] && IMPS_DEFAULT="loss1 reorder burst"
read -ra IMPS <<<"${XTCP_LOSSY_IMPS:-$IMPS_DEFAULT}"
declare -A NETEM=(
	[loss1]="loss random 1%"
	[loss5]="loss random 5%"
	[reorder]="delay 10ms reorder 25% 50%"
	[dup]="duplicate 5%"
	[delay]="delay 50ms 10ms"
	[burst]="loss gemodel 1% 30% 70% 0.1%"
)
BURST_FALLBACK="loss state 1% 30%"
declare -A LOSSY=([loss1]=1 [loss5]=1 [burst]=1)
# bytes per impairment: a divisor of BYTES, and a floor where the
# retransmission check needs enough of A's segments to lose some
declare -A DIV=([loss5]=2)
declare -A FLOOR=([loss1]=$MIB [loss5]=262144 [burst]=$MIB)
[[ -n ${XTCP_LOSSY_BYTES:-} ]] && FLOOR=()
# option -> sysctl name, TCP option kind
declare -A OPT_SYSCTL=([ws]=window_scaling [sack]=sack [ts]=timestamps)
declare -A OPT_KIND=([ws]=3 [sack]=4 [ts]=8)
OPTS=(ws sack ts)

# ----------------------------------------------------------- topology ----
# topo_lossy PEER(x|n): fresh NS_A(DEV_A) -veth- NS_R(DEV_RA, DEV_RB)
# -veth- NS_B(DEV_B), A and B on one /24 with fixed MACs and neighbours;
# R joins its ports with tc mirred, rewriting 253 <-> 6 for a native peer.
topo_lossy() {
	local peer=$1 bp
	topo_del
	ns_new NS_A a && ns_new NS_B b && ns_new NS_R r || return 1
	r_links "$MAC_A" "$MAC_RA" "$MAC_B" "$MAC_RB" || return 1
	ip -n "$NS_A" -batch - <<-EOF || return 1
		addr add $ADDR_A/24 dev $DEV_A
		link set $DEV_A up
		neigh replace $ADDR_B lladdr $MAC_B dev $DEV_A nud permanent
	EOF
	ip -n "$NS_B" -batch - <<-EOF || return 1
		addr add $ADDR_B/24 dev $DEV_B
		link set $DEV_B up
		neigh replace $ADDR_A lladdr $MAC_A dev $DEV_B nud permanent
	EOF
	ip -n "$NS_R" -batch - <<-EOF || return 1
		link set $DEV_RA up
		link set $DEV_RB up
	EOF
	bp=$PROTO
	[[ $peer == n ]] && bp=$NATIVE
	translator_port "$DEV_RB" "$DEV_RA" "$bp" "$PROTO" &&
	translator_port "$DEV_RA" "$DEV_RB" "$PROTO" "$bp" || return 2
	# the kernel TCP ends: software segmentation and checksums on their
	# veth, before R (see interop.sh); the xtcp ends too, through xtcp's
	# own offload callback, so that netem drops segments, not 64 KB
	# super-packets
	if [[ $peer == n || $PROTO == 6 ]]; then
		offloads_off "$NS_B" "$DEV_B"
	else
		offloads_off "$NS_B" "$DEV_B" xtcp
	fi
	offloads_off "$NS_A" "$DEV_A" "$ANAME"
	return 0
}

# offloads_off NS DEV [xtcp]: checksums and segmentation in software on
# DEV. xtcp keeps GSO on: it builds super-packets and the veth cuts them
# with xtcp_gso_segment(); kernel TCP builds them whatever "gso" says.
offloads_off() {
	local off=(tx off tso off gso off)
	[[ ${3:-} == xtcp ]] && off=(tx off tso off)
	if ! command -v ethtool >/dev/null 2>&1; then
		ktap_diag "no ethtool: $2 keeps TSO/GSO/csum offload"
	elif ! nsx "$1" ethtool -K "$2" "${off[@]}" >/dev/null 2>&1; then
		ktap_diag "ethtool -K $2 ${off[*]} failed"
	fi
}

# netem_set IMP: the impairment on the egress of both of R's ports (fresh
# qdiscs: their counters start at 0). Prints the netem arguments used;
# status 2: the kernel has no burst loss model, 1: another failure.
netem_set() {
	local args=${NETEM[$1]} d
	for d in "$DEV_RA" "$DEV_RB"; do
		nsx "$NS_R" tc qdisc del dev "$d" root 2>/dev/null
	done
	# shellcheck disable=SC2086
	if ! nsx "$NS_R" tc qdisc add dev "$DEV_RA" root netem $args 2>/dev/null; then
		[[ $1 == burst ]] || return 1
		args=$BURST_FALLBACK
		# shellcheck disable=SC2086
		nsx "$NS_R" tc qdisc add dev "$DEV_RA" root netem $args 2>/dev/null || return 2
	fi
	# shellcheck disable=SC2086
	nsx "$NS_R" tc qdisc add dev "$DEV_RB" root netem $args >&2 || return 1
	echo "$args"
}
# netem_drops DEV: packets netem dropped on R's DEV so far
netem_drops() {
	nsx "$NS_R" tc -s qdisc show dev "$1" root |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1
}
netem_off() {
	local d
	for d in "$DEV_RA" "$DEV_RB"; do
		nsx "$NS_R" tc qdisc del dev "$d" root 2>/dev/null
	done
	return 0
}

# ------------------------------------------------------------ checks -----
# SYNs only (any SYN flag, at the IHL-derived offset: protocol 253 too)
SYN_F="ip proto $PROTO and (ip[((ip[0] & 0xf) << 2) + 13] & 2) != 0"

# syn_opts NAME: one line per packet of capture NAME, "SRC FLAGS KINDS"
# (FLAGS S or SA; KINDS the TCP option kinds in order, comma-separated,
# NOPs left out)
syn_opts() {
	tcpdump -r "$TMPD/$1.pcap" -n -x 2>/dev/null | awk '
	BEGIN { for (i = 0; i < 16; i++) H[substr("0123456789abcdef", i + 1, 1)] = i }
	function byte(i) { return H[substr(hex, 2 * i + 1, 1)] * 16 + H[substr(hex, 2 * i + 2, 1)] }
	function flush(   ihl, doff, i, k, l, s) {
		if (hex == "") return
		ihl = (byte(0) % 16) * 4
		doff = int(byte(ihl + 12) / 16) * 4
		s = ""
		for (i = ihl + 20; i < ihl + doff; ) {
			k = byte(i)
			if (k == 0) break
			if (k == 1) { i++; continue }
			s = s (s == "" ? "" : ",") k
			l = byte(i + 1)
			if (l < 2) break
			i += l
		}
		printf "%d.%d.%d.%d %s %s\n", byte(12), byte(13), byte(14), byte(15),
			(int(byte(ihl + 13) / 16) % 2) ? "SA" : "S", s == "" ? "-" : s
		hex = ""
	}
	/^[0-9]/ { flush(); next }
	/^[ \t]+0x[0-9a-f]+:/ { for (i = 2; i <= NF; i++) hex = hex tolower($i) }
	END { flush() }'
}

# handshake_check NAME OPT: the option is off in the SYNs of capture NAME
# (see 4 in the header); diagnostics name each SYN's options
handshake_check() {
	local name=$1 kind=${OPT_KIND[$2]} o want=() src fl kinds ok=1 n_sa=0 n_a=0
	for o in "${OPTS[@]}"; do
		[[ $o == "$2" ]] || want+=("${OPT_KIND[$o]}")
	done
	syn_opts "$name" >"$TMPD/$name.syns"
	while read -r src fl kinds; do
		ktap_diag "  SYN: $src $fl options $kinds"
		[[ $src == "$ADDR_A" ]] && n_a=$((n_a + 1))
		[[ $fl == SA ]] && n_sa=$((n_sa + 1))
		if [[ ,$kinds, == *,$kind,* ]] && [[ $src == "$ADDR_A" || $fl == SA ]]; then
			ok=0
			ktap_diag "  option kind $kind still there"
		fi
		if [[ $fl == SA ]]; then
			for o in "${want[@]}"; do
				[[ ,$kinds, == *,$o,* ]] || { ok=0; ktap_diag "  SYN-ACK without kind $o"; }
			done
		fi
	done <"$TMPD/$name.syns"
	(( n_a > 0 && n_sa > 0 )) || { ok=0; ktap_diag "  captured $n_a SYNs of A, $n_sa SYN-ACKs"; }
	[[ $ok == 1 ]]
}

# stall_evidence LABEL: what a case that is taking long looks like now
stall_evidence() {
	local label=$1 n
	ktap_diag "$label: still running after ${SLOW}s, evidence:"
	PROC_SOCKS=$XPROC sock_dump "$NS_A"
	if [[ $PROTO != 6 ]]; then
		PROC_SOCKS=$XPROC sock_dump "$NS_B"
		for n in NS_A NS_B; do
			echo "# /proc/net/xtcp_stats in ${n#NS_} (non-zero):"
			# shellcheck disable=SC2016
			nsx "${!n}" awk '$2 != 0 { print "#   " $0 }' /proc/net/xtcp_stats 2>/dev/null
		done
	fi
	PROC_SOCKS=$NPROC sock_dump "$NS_B"
	if [[ -n $PCAP_DIR ]]; then
		cap_stop "all$CASE_N"
		cap_decode "all$CASE_N" win >"$PCAP_DIR/$label.txt"
		ktap_diag "the whole case's traffic: $PCAP_DIR/$label.txt"
	fi
	nsx "$NS_R" tc -s qdisc show dev "$DEV_RA" root | sed 's/^/# RA /'
	nsx "$NS_R" tc -s qdisc show dev "$DEV_RB" root | sed 's/^/# RB /'
	# a 3 s window of A's traffic (a sample, not a wait for a condition)
	n="stall$CASE_N"
	if cap_start "$n" "$NS_A" "$DEV_A" "ip proto $PROTO"; then
		isleep 3
		cap_stop "$n"
		ktap_diag "last packets on A's veth (time src sport dst dport flags seq ack len proto win, ts):"
		cap_decode "$n" win | tail -n 20 | sed 's/^/# pkt /'
	fi
}

# ------------------------------------------------------------- cases -----
CASE_N=0

# lossy_case PEER(x|n) IMP OPT(-|ws|sack|ts) AROLE(client|server)
lossy_case() {
	local peer=$1 imp=$2 opt=$3 arole=$4
	local pname bname label bytes port args cns sns cp sp sproc sip rc_c rc_s ok=1
	local ra0 ra1 rb0 rb1 t0 t1 dt d_ra d_rb capname=""
	CASE_N=$((CASE_N + 1))
	port=$((7000 + CASE_N))
	pname=xtcp
	[[ $peer == n ]] && pname=native
	label=$imp
	[[ $opt != - ]] && label+="-no-$opt"
	label+="-xtcp-$arole-$pname-peer"
	bname=$pname		# what B runs, for the diagnostics
	[[ $PROTO == 6 ]] && bname=tcp
	bytes=$(( BYTES / ${DIV[$imp]:-1} ))
	(( bytes < ${FLOOR[$imp]:-0} )) && bytes=${FLOOR[$imp]}

	args=$(netem_set "$imp")
	rc_c=$?
	if [[ $rc_c != 0 ]]; then
		if [[ $rc_c == 2 ]]; then
			ktap_skip "$label" "netem has neither 'loss gemodel' nor 'loss state'"
			ktap_skip "$label-retransmitted" "no burst loss model"
		else
			ktap_fail "$label" "tc qdisc add ... netem ${NETEM[$imp]} failed"
			[[ -n ${LOSSY[$imp]:-} ]] && ktap_fail "$label-retransmitted" "no netem"
		fi
		if [[ $opt != - ]]; then ktap_fail "$label-off-in-handshake" "no netem"; fi
		return
	fi
	if [[ $opt != - ]]; then
		xsysctl_set "$NS_A" "${OPT_SYSCTL[$opt]}" 0
		capname="syn$CASE_N"
		cap_start "$capname" "$NS_A" "$DEV_A" "$SYN_F" || ktap_diag "tcpdump did not start"
	fi

	# B's protocol and socket table
	sp=$PROTO sproc=$XPROC
	if [[ $peer == n ]]; then sp=$NATIVE sproc=$NPROC; fi
	if [[ $arole == client ]]; then
		cns=$NS_A cp=$PROTO sns=$NS_B sip=$ADDR_B
	else
		cns=$NS_B cp=$sp sns=$NS_A sip=$ADDR_A sp=$PROTO sproc=$XPROC
	fi
	ra0=$(stat_get "$NS_A" RetransSegs)
	rb0=$(b_retrans "$peer")
	if [[ -n $PCAP_DIR ]]; then
		cap_start "all$CASE_N" "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	fi

	bg "$label-srv" "$sns" "$TOOL" server -p "$sp" -l "$sip" -P "$port" \
		--send "$bytes" --seed 2 --expect "$bytes" --timeout "$TMO"
	if ! PROC_SOCKS=$sproc wait_listen "$sns" "$sip" "$port" 20; then
		ktap_diag "$label: no listener"
		bg_diag "$label-srv"
	fi
	t0=$EPOCHREALTIME
	bg "$label-cli" "$cns" "$TOOL" client -p "$cp" -a "$sip" -P "$port" \
		--send "$bytes" --seed 1 --expect "$bytes" --shutdown-wr-after-send \
		--timeout "$TMO"
	wait_for "$SLOW" both_done "$label-cli" "$label-srv" || stall_evidence "$label"
	bg_wait "$label-cli" $((TMO + 20)); rc_c=$?
	bg_wait "$label-srv" $((TMO + 20)); rc_s=$?
	t1=$EPOCHREALTIME
	dt=$(fdiff "$t1" "$t0")
	ra1=$(stat_get "$NS_A" RetransSegs)
	rb1=$(b_retrans "$peer")
	d_ra=$(netem_drops "$DEV_RA")
	d_rb=$(netem_drops "$DEV_RB")
	ktap_diag "$label: $bytes bytes each way, netem $args: ${dt}s," \
		"RetransSegs A($ANAME) +$(( ${ra1:-0} - ${ra0:-0} )) B($bname) +$(( ${rb1:-0} - ${rb0:-0} ))," \
		"netem dropped ${d_rb:-?} toward B, ${d_ra:-?} toward A"

	[[ $rc_c -eq 0 && $rc_s -eq 0 ]] || { ok=0; ktap_diag "rc client=$rc_c server=$rc_s"; }
	sha_match "$label-cli" "$label-srv" "$bytes" || ok=0
	sha_match "$label-srv" "$label-cli" "$bytes" || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok "$label"
	else
		ktap_fail "$label"
		bg_diag "$label-cli" "$label-srv"
		PROC_SOCKS=$XPROC sock_dump "$NS_A"
		PROC_SOCKS=$sproc sock_dump "$NS_B"
		[[ $peer == n && $sproc != "$NPROC" ]] && PROC_SOCKS=$NPROC sock_dump "$NS_B"
	fi
	if [[ -n ${LOSSY[$imp]:-} ]]; then
		if [[ -n $ra0 && -n $ra1 ]] && (( ra1 > ra0 )); then
			ktap_ok "$label-retransmitted"
		else
			ktap_fail "$label-retransmitted" "RetransSegs of A ${ra0:-?} -> ${ra1:-?}"
		fi
	fi
	[[ -n $PCAP_DIR ]] && cap_stop "all$CASE_N"
	if [[ $opt != - ]]; then
		cap_stop "$capname"
		xsysctl_set "$NS_A" "${OPT_SYSCTL[$opt]}" 1
		if handshake_check "$capname" "$opt"; then
			ktap_ok "$label-off-in-handshake"
		else
			ktap_fail "$label-off-in-handshake"
		fi
	fi
	netem_off
}
# shellcheck disable=SC2317
both_done() { bg_done "$1" && bg_done "$2"; }
# b_retrans PEER: B's RetransSegs (the kernel's counter for a native peer)
b_retrans() {
	if [[ $1 == n ]]; then PROTO=6 stat_get "$NS_B" RetransSegs
	else stat_get "$NS_B" RetransSegs; fi
}

# --------------------------------------------------------------- main ----
# The case list, "PEER IMP OPT AROLE", grouped by peer (one topology
# each). A's role alternates along the defaults row and flips with the
# peer, so every impairment meets the native peer with xtcp in one role
# and the xtcp peer with it in the other; in the options rows it
# alternates over option and impairment.
CASES=()
for peer in x n; do
	i=0
	[[ $peer == n ]] && i=1
	for imp in "${IMPS[@]}"; do
		role=client
		(( i % 2 )) && role=server
		CASES+=("$peer $imp - $role")
		i=$((i + 1))
	done
	if [[ $FULL == 1 ]]; then
		j=0
		[[ $peer == n ]] && j=1
		for opt in "${OPTS[@]}"; do
			for imp in loss1 reorder; do
				[[ " ${IMPS[*]} " == *" $imp "* ]] || continue
				role=client
				(( j % 2 )) && role=server
				CASES+=("$peer $imp $opt $role")
				j=$((j + 1))
			done
			j=$((j + 1))
		done
	fi
done
plan=0
for c in "${CASES[@]}"; do
	read -r peer imp opt role <<<"$c"
	plan=$((plan + 1))
	[[ -n ${LOSSY[$imp]:-} ]] && plan=$((plan + 1))
	[[ $opt != - ]] && plan=$((plan + 1))
done

topo_init
require_cmd tc tcpdump
have_netem || ktap_skip_all "tc netem unavailable"
read -r cur _ <<<"${CASES[0]}"
topo_lossy "$cur"
case $? in
0) ;;
1) ktap_skip_all "cannot create the netns/veth topology" ;;
*) ktap_skip_all "tc clsact/u32/pedit/csum/mirred unavailable" ;;
esac
ktap_plan "$plan"
ktap_diag "protocol $PROTO, $BYTES bytes each way per case (loss5 half, at least 256 KiB;" \
	"loss1, burst at least 1 MiB), $( [[ $FULL == 1 ]] && echo "with" || echo "without") the options rows"
T_START=$EPOCHREALTIME
for c in "${CASES[@]}"; do
	read -r peer imp opt role <<<"$c"
	if [[ $peer != "$cur" ]]; then
		cur=$peer
		# the rest is "not run" (failed) by ktap_finish
		topo_lossy "$peer" || { ktap_diag "cannot build the topology for peer $peer"; break; }
	fi
	lossy_case "$peer" "$imp" "$opt" "$role"
done
ktap_diag "total $(fdiff "$EPOCHREALTIME" "$T_START")s"
ktap_finish
