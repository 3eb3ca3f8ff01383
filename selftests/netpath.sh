#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# netpath.sh - xtcp on the IP layer's paths around it: netfilter hooks,
# path MTU discovery, NAT, IPsec policy and the route's MTU. Each case in
# fresh namespaces, 1 MiB transfers (256 KiB on the debug kernel; 64 KiB in
# 8, 9; XTCP_NETPATH_BYTES) checked by sha256:
#  1 postrouting-sees-every-segment: an iptables (legacy) rule in A's mangle
#    POSTROUTING counts at least the bytes transferred, in at least one and
#    at most as many packets as A sent segments (OutSegs delta: both stacks
#    pass GSO super-packets of many segments). (The module used to leave
#    its ACK flag where IP reads IPCB flags: IPSKB_REROUTED, so ip_output()
#    skipped POSTROUTING for every segment with ACK set.)
#  2 postrouting-dscp-on-wire: the same chain sets DSCP 10 (xt_DSCP); every
#    segment from A that B's capture sees carries it
#  3 pmtu-router-frag-needed (RFC 1191): A -(1500)- R -(1000)- B; R drops
#    A's 1500-byte DF packets and sends ICMP frag-needed quoting 1000: the
#    transfer completes and, from A's last oversize segment on, A sends
#    <= 960-byte payloads (960 exactly at most) for at least half the data
#  4 pmtu-own-mtu-lowered: A's own device MTU drops to 1200 on an
#    established connection, so A's IP layer refuses its DF segments
#    (FragFails) and sends itself the frag-needed: transfer completes,
#    segments then <= 1160 bytes (the klog scan catches any splat)
#  5 nat-masquerade-breaks-checksum: MASQUERADE of protocol 253 on R
#    rewrites only the addresses (netfilter knows no ports or checksum for
#    it), so the TCP checksum no longer matches: connect() times out, B's
#    InCsumErrors rises (xtcp only: kernel TCP is NATed properly)
#  6 nat-via-tcp-rewrite: the workaround. tc on R turns 253 into 6 on
#    ingress and 6 back into 253 on egress, both ways, so netfilter NATs
#    TCP (checksum and ports fixed); B has no route to A's subnet and sees
#    R's address as the source; sha256 match
#  7 ipsec-required-policy-blocks: a "level required" ESP policy (no SA)
#    for protocol 253 into B: connect() from A fails, B's PolicyDrop (and
#    XfrmInTmplMismatch, where /proc/net/xfrm_stat exists) rises
#  8 ipsec-policy-removed-connects: the policy deleted, the same connect
#    and a transfer work
#  9 mss-from-route: B's route to A has "mtu lock 1000" (device MTU 1500):
#    B's SYN-ACK offers MSS 960, A's TCP_MAXSEG (xtcp_tool's mss=) is 960
#    and A's segments carry 960 bytes at most
# 10 csum-completed-on-the-way: A's veth offloads checksums, so A's
#    segments leave with only the pseudo-header sum (CHECKSUM_PARTIAL);
#    R's ports have checksum offload off, so R's stack completes them in
#    software on the way out and B (and A, for B's ACKs) verifies real
#    sums: sha256 match, InCsumErrors unchanged on both ends
# 11 gso-super-packets-on-veth: A's veth with its default offloads (TSO
#    on): A's stack hands the device GSO super-packets (xtcp: offload.c),
#    so A's veth transmits at most a quarter as many packets as A sent
#    segments (OutSegs counts each segment); sha256 match
# 12 gso-cut-in-software: A's veth with checksum offload (and so TSO) off:
#    GSO super-packets still pass POSTROUTING (at most 4/5 as many
#    packets as segments), the device layer cuts them (xtcp: its own
#    gso_segment callback, with full software checksums) and B's capture
#    sees data segments of the MSS (1460, no timestamps) at most, at least
#    half as many as A's segments; B verifies the sums (InCsumErrors
#    unchanged), sha256 match
#
# Timestamps are off where segment sizes are compared (their 12 bytes
# would come off the MSS), and the veths have TSO off (tcp_ref). XTCP_PROTO=6
# runs the cases on the kernel's TCP; 5 is skipped there, 6 is plain NAT
# without the rewrite.
source "$(dirname "$0")/lib/topo.sh"

# 1 MiB, or a quarter of XTCP_XFER_BYTES where a run asks for less bulk
# volume (make check: 1 MiB on the KASAN/lockdep kernel, so 256 KiB here)
BYTES=$(( ${XTCP_XFER_BYTES:-4194304} / 4 ))
BYTES=${XTCP_NETPATH_BYTES:-$(( BYTES < 1048576 ? BYTES : 1048576 ))}
SMALL=65536	# cases 8 and 9 need a working connection, not volume
PORT=6001
IPT=""		# iptables-legacy (or iptables), empty if neither works

# ------------------------------------------------------------ helpers ----
fresh() { topo_del; topo_two_ns "$1" || { ktap_diag "cannot create netns/veth topology"; return 1; }; }
fresh_routed() { topo_del; topo_routed "$@" || { ktap_diag "cannot create the routed topology"; return 1; }; }

# ipt NS ARGS..: iptables in NS
ipt() { local ns=$1; shift; ip netns exec "$ns" "$IPT" -w "$@"; }
# ipt_counts NS TABLE CHAIN N: "PKTS BYTES" of rule N
ipt_counts() {
	ipt "$1" -t "$2" -L "$3" -n -v -x | awk -v n="$4" 'NR == n + 2 { print $1, $2 }'
}

# pcount NAME FILTER: packets of capture NAME that match the pcap FILTER
pcount() { tcpdump -r "$TMPD/$1.pcap" -n "$2" 2>/dev/null | wc -l; }
# pcap filter: a TCP segment (at the IHL-derived offset) that carries data
IHL_F='((ip[0] & 0xf) << 2)'
DATA_F="ip[2:2] - $IHL_F - ((ip[$IHL_F + 12] & 0xf0) >> 2) > 0"
# seg_lens NAME SRC: payload lengths of SRC's data segments, in order.
# Reads only the IP and TCP header lengths from each hex dump (cap_decode
# takes several seconds per thousand packets under TCG).
seg_lens() {
	tcpdump -r "$TMPD/$1.pcap" -n -x "src host $2 and ip proto $PROTO and $DATA_F" 2>/dev/null | awk '
	BEGIN { for (i = 0; i < 16; i++) H[substr("0123456789abcdef", i + 1, 1)] = i }
	function hx(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + H[substr(s, i, 1)]; return v }
	function flush(   ihl) {
		if (hex == "") return
		ihl = H[substr(hex, 2, 1)] * 4
		print hx(substr(hex, 5, 4)) - ihl - H[substr(hex, 2 * (ihl + 12) + 1, 1)] * 4
		hex = ""
	}
	/^[0-9]/ { flush(); n = 0; next }
	/^[ \t]+0x[0-9a-f]+:/ { if (n++ < 4) for (i = 2; i <= NF; i++) hex = hex tolower($i) }
	END { flush() }'
}

# snmp_get NS ROW FIELD: a field of /proc/net/snmp (Ip FragFails, ...)
snmp_get() {
	ip netns exec "$1" cat /proc/net/snmp | awk -v r="$2:" -v k="$3" '
		$1 == r && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == r && h { if (k in col) print $col[k]; exit }'
}
# xfrm_stat NS NAME: a counter of /proc/net/xfrm_stat, empty if absent
xfrm_stat() { ip netns exec "$1" cat /proc/net/xfrm_stat 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }

# tcp_ref NS..: segment sizes comparable to the MTU: no timestamps (MSS =
# MTU - 40), for xtcp and kernel TCP alike, and each namespace's veth
# (DEV_A, DEV_B) cuts GSO super-packets in software (TSO off), so a
# capture sees wire-sized segments. For xtcp that is its own offload
# callback (offload.c) at work; kernel TCP gets GSO off as well.
tcp_ref() {
	local ns dev off=(tso off)
	[[ $PROTO == 6 ]] && off=(tso off gso off)
	for ns in "$@"; do
		if [[ $PROTO != 6 ]]; then
			ns_sysctl "$ns" "${SYSCTL_DIR#/proc/sys/}timestamps" 0
		else
			ns_sysctl "$ns" net/ipv4/tcp_timestamps 0
		fi
		for dev in $DEV_A $DEV_B; do
			ip -n "$ns" link show "$dev" >/dev/null 2>&1 &&
				nsx "$ns" ethtool -K "$dev" "${off[@]}" >/dev/null 2>&1
		done
	done
	return 0
}

# srv_start LABEL NS IP [OPTS..]: a server receiving BYTES (until EOF)
srv_start() {
	local label=$1 ns=$2 ip=$3
	shift 3
	bg "$label-srv" "$ns" "$TOOL" server -l "$ip" -P $PORT --expect "$BYTES" --timeout 90 "$@"
	wait_listen "$ns" "$ip" $PORT || { ktap_diag "$label: no listener"; bg_diag "$label-srv"; return 1; }
}
# cli_start LABEL NS IP [OPTS..]: a client sending BYTES, then SHUT_WR
cli_start() {
	local label=$1 ns=$2 ip=$3
	shift 3
	bg "$label-cli" "$ns" "$TOOL" client -a "$ip" -P $PORT --send "$BYTES" --seed 7 \
		--shutdown-wr-after-send --timeout 90 "$@"
}
# xfer_end LABEL: both ends exit 0 and the bytes arrived intact
xfer_end() {
	local rc_c rc_s
	bg_wait "$1-cli" 100; rc_c=$?
	bg_wait "$1-srv" 100; rc_s=$?
	if [[ $rc_c -ne 0 || $rc_s -ne 0 ]]; then
		ktap_diag "$1: client rc=$rc_c server rc=$rc_s"
		bg_diag "$1-cli" "$1-srv"
		return 1
	fi
	sha_match "$1-cli" "$1-srv" "$BYTES"
}
# xfer LABEL NS_SRV SRV_IP NS_CLI [CLIENT OPTS..]: a whole transfer
xfer() {
	local label=$1 nss=$2 sip=$3 nsc=$4
	shift 4
	srv_start "$label" "$nss" "$sip" || return 1
	cli_start "$label" "$nsc" "$sip" "$@"
	xfer_end "$label"
}
# wait_a_tw LABEL SRV_IP: the client's end reached TIME_WAIT (its last ACK
# is out: the segment counts are final)
wait_a_tw() {
	local cport
	cport=$(conn_port "$1-cli")
	[[ -n $cport ]] && wait_st 10 "$NS_A" "$ADDR_A" "$cport" "$2" $PORT 06
}

# --------------------------------------------- 1, 2: POSTROUTING ----
case_postrouting() {
	local ok=1 dscp=1 s0 s1 segs cnt pkts bytes n_all n_mark

	if [[ -z $IPT ]]; then
		ktap_skip postrouting-sees-every-segment "no iptables (legacy) in this kernel or userland"
		ktap_skip postrouting-dscp-on-wire "no iptables (legacy)"
		return
	fi
	fresh 1 || { ktap_fail postrouting-sees-every-segment; ktap_fail postrouting-dscp-on-wire; return; }
	if ! ipt "$NS_A" -t mangle -A POSTROUTING -o "$DEV_A" -p "$PROTO"; then
		ktap_fail postrouting-sees-every-segment "cannot add a mangle POSTROUTING rule"
		ktap_fail postrouting-dscp-on-wire
		return
	fi
	ipt "$NS_A" -t mangle -A POSTROUTING -o "$DEV_A" -p "$PROTO" -j DSCP --set-dscp 10 \
		2>"$TMPD/dscp.err" || dscp=0
	cap_start pr "$NS_B" "$DEV_B" || ktap_diag "tcpdump did not start"
	s0=$(stat_get "$NS_A" OutSegs)
	xfer pr "$NS_B" "$ADDR_B" "$NS_A" || ok=0
	wait_a_tw pr "$ADDR_B" || ktap_diag "client not in TIME_WAIT"
	s1=$(stat_get "$NS_A" OutSegs)
	cap_stop pr
	cnt=$(ipt_counts "$NS_A" mangle POSTROUTING 1)
	read -r pkts bytes <<<"$cnt"
	segs=$(( ${s1:-0} - ${s0:-0} ))
	ktap_diag "A sent $segs segments (OutSegs $s0 -> $s1); mangle POSTROUTING counted ${pkts:-?} packets, ${bytes:-?} bytes"
	# Both stacks pass GSO super-packets through POSTROUTING (up to 64 KB
	# each, xtcp's offload.c): every byte is seen, in fewer packets.
	[[ -n $pkts && $bytes -ge $BYTES ]] || ok=0
	[[ $segs -gt 0 && ${pkts:-0} -gt 0 && $pkts -le $segs ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok postrouting-sees-every-segment
	else
		ktap_fail postrouting-sees-every-segment
		ipt "$NS_A" -t mangle -L POSTROUTING -n -v -x | sed 's/^/# /'
	fi

	if [[ $dscp == 0 ]]; then
		ktap_skip postrouting-dscp-on-wire "no DSCP target (xt_DSCP): $(head -n 1 "$TMPD/dscp.err")"
		return
	fi
	n_all=$(pcount pr "src host $ADDR_A and ip proto $PROTO")
	n_mark=$(pcount pr "src host $ADDR_A and ip proto $PROTO and (ip[1] & 0xfc) == 0x28")
	ktap_diag "B captured $n_all segments from A, $n_mark with DSCP 10"
	if [[ $n_all -gt 0 && $n_mark == "$n_all" ]]; then
		ktap_ok postrouting-dscp-on-wire
	else
		ktap_fail postrouting-dscp-on-wire
		tcpdump -r "$TMPD/pr.pcap" -n -v "src host $ADDR_A and (ip[1] & 0xfc) != 0x28" 2>/dev/null |
			head -n 10 | sed 's/^/# pkt /'
	fi
}

# ------------------------------------------------------- 3, 4: PMTU ----
# tail_after_big NAME SRC LIMIT: "BIG AFTER MAX_AFTER" over SRC's data
# segments: how many exceed LIMIT, payload bytes sent after the last of
# them, and the largest payload after it
tail_after_big() {
	seg_lens "$1" "$2" | awk -v lim="$3" '
		{ if ($1 > lim) { big++; after = 0; max = 0 } else { after += $1; if ($1 > max) max = $1 } }
		END { print big + 0, after + 0, max + 0 }'
}

case_pmtu_router() {
	local ok=1 big after max n_icmp mss=960

	fresh_routed 3 || { ktap_fail pmtu-router-frag-needed; return; }
	ip -n "$NS_R" link set "$DEV_RB" mtu 1000
	tcp_ref "$NS_A" "$NS_B"
	cap_start pma "$NS_A" "$DEV_A" "ip proto $PROTO or icmp" || ktap_diag "tcpdump did not start"
	xfer pm "$NS_B" "$ADDR_B2" "$NS_A" || ok=0
	cap_stop pma
	# ICMP type 3 code 4 whose next-hop MTU field (bytes 6-7) says 1000
	n_icmp=$(pcount pma "icmp[0] == 3 and icmp[1] == 4 and icmp[6:2] == 1000")
	read -r big after max <<<"$(tail_after_big pma "$ADDR_A" $mss)"
	ktap_diag "A got $n_icmp frag-needed (mtu 1000); A sent $big segments > $mss," \
		"then $after bytes in segments of <= $max"
	[[ $n_icmp -ge 1 && $big -ge 1 && $after -ge $((BYTES / 2)) ]] || ok=0
	# xtcp fills the new MSS exactly (TCP too, its timestamps being off)
	[[ $max == "$mss" ]] || { ok=0; ktap_diag "largest segment after the ICMP is $max, not $mss"; }
	if [[ $ok == 1 ]]; then
		ktap_ok pmtu-router-frag-needed
	else
		ktap_fail pmtu-router-frag-needed
		tcpdump -r "$TMPD/pma.pcap" -n icmp 2>/dev/null | head -n 5 | sed 's/^/# /'
	fi
}

case_pmtu_own() {
	local ok=1 f0 f1 big after max bmax mss=1160

	fresh 4 || { ktap_fail pmtu-own-mtu-lowered; return; }
	tcp_ref "$NS_A" "$NS_B"
	cap_start pob "$NS_B" "$DEV_B" || ktap_diag "tcpdump did not start"
	srv_start po "$NS_B" "$ADDR_B" || { ktap_fail pmtu-own-mtu-lowered; return; }
	# connected at MSS 1460; the MTU drops before the first byte is sent
	cli_start po "$NS_A" "$ADDR_B" --hold-before 30
	if ! out_wait po-cli "^holding" 20; then
		ktap_fail pmtu-own-mtu-lowered "client did not connect"
		bg_diag po-cli po-srv
		return
	fi
	f0=$(snmp_get "$NS_A" Ip FragFails)
	ip -n "$NS_A" link set "$DEV_A" mtu 1200 || ok=0
	bg_kill po-cli USR1
	xfer_end po || ok=0
	cap_stop pob
	f1=$(snmp_get "$NS_A" Ip FragFails)
	read -r big after max <<<"$(tail_after_big pob "$ADDR_A" $mss)"
	bmax=$(seg_lens pob "$ADDR_A" | sort -n | tail -n 1)
	ktap_diag "A's FragFails $f0 -> $f1; B saw $big segments > $mss, largest ${bmax:-none}," \
		"$after bytes in all"
	[[ $big == 0 && -n $bmax && $after -ge $BYTES ]] || ok=0
	if [[ $PROTO == 6 ]]; then
		# TCP follows the route's MTU itself (tcp_current_mss()) and may
		# never build an oversize segment
		ktap_diag "PROTO=6: FragFails not required"
		[[ $bmax -le $mss ]] || ok=0
	else
		[[ $((f1 - f0)) -ge 1 ]] || { ok=0; ktap_diag "A's IP layer refused no segment"; }
		[[ $bmax == "$mss" ]] || { ok=0; ktap_diag "largest segment $bmax, not $mss"; }
	fi
	if [[ $ok == 1 ]]; then ktap_ok pmtu-own-mtu-lowered; else ktap_fail pmtu-own-mtu-lowered; fi
}

# -------------------------------------------------------- 5, 6: NAT ----
# nat_rewrite: tc on both of R's ports turns IP protocol PROTO into 6 on
# ingress and 6 into PROTO on egress, fixing the IP header checksum (the
# TCP checksum names protocol 6 either way); the packet then goes on as
# usual. One tc -batch: each command costs ~0.6 s on the debug kernel.
nat_rewrite() {
	local dev rw='action pedit ex munge ip protocol set'
	for dev in "$DEV_RA" "$DEV_RB"; do
		echo "qdisc add dev $dev clsact"
		echo "filter add dev $dev ingress protocol ip prio 1 u32 match ip protocol $PROTO 0xff $rw 6 pipe action csum ip"
		echo "filter add dev $dev egress protocol ip prio 1 u32 match ip protocol 6 0xff $rw $PROTO pipe action csum ip"
	done | tc -n "$NS_R" -batch -
}

case_nat() {
	local ok=1 rc c0 c1 n_nat remote

	if [[ -z $IPT ]]; then
		ktap_skip nat-masquerade-breaks-checksum "no iptables (legacy)"
		ktap_skip nat-via-tcp-rewrite "no iptables (legacy)"
		return
	fi
	fresh_routed 5 noreturn || { ktap_fail nat-masquerade-breaks-checksum; ktap_fail nat-via-tcp-rewrite; return; }
	if ! ipt "$NS_R" -t nat -A POSTROUTING -o "$DEV_RB" -j MASQUERADE 2>"$TMPD/nat.err"; then
		ktap_skip nat-masquerade-breaks-checksum "no MASQUERADE: $(head -n 1 "$TMPD/nat.err")"
		ktap_skip nat-via-tcp-rewrite "no MASQUERADE"
		return
	fi

	# (a) protocol 253 through the NAT as it is. A's veth would leave the
	# checksum to the receiver (CHECKSUM_PARTIAL), which then trusts it:
	# summed on A, as a real NIC does, it is on the packet NAT rewrites.
	nsx "$NS_A" ethtool -K "$DEV_A" tx off >/dev/null 2>&1 ||
		ktap_diag "ethtool -K $DEV_A tx off failed"
	if [[ $PROTO == 6 ]]; then
		ktap_skip nat-masquerade-breaks-checksum "PROTO=6: netfilter NATs TCP correctly, nothing to show"
	else
		cap_start nata "$NS_B" "$DEV_B" || ktap_diag "tcpdump did not start"
		bg nata-srv "$NS_B" "$TOOL" server -l "$ADDR_B2" -P $PORT --timeout 30
		wait_listen "$NS_B" "$ADDR_B2" $PORT || ok=0
		c0=$(stat_get "$NS_B" InCsumErrors)
		bg nata-cli "$NS_A" "$TOOL" client -a "$ADDR_B2" -P $PORT --syncnt 1 --timeout 30
		bg_wait nata-cli 40; rc=$?
		c1=$(stat_get "$NS_B" InCsumErrors)
		bg_kill nata-srv
		bg_wait nata-srv 5
		cap_stop nata
		n_nat=$(pcount nata "src host $ADDR_RB and ip proto $PROTO")
		ktap_diag "connect through MASQUERADE: rc=$rc (11 = ETIMEDOUT); B got $n_nat segments" \
			"from R's address; B's InCsumErrors $c0 -> $c1"
		[[ $rc -eq 11 && $n_nat -ge 1 && $((c1 - c0)) -ge 1 ]] || ok=0
		if [[ $ok == 1 ]]; then
			ktap_ok nat-masquerade-breaks-checksum
		else
			ktap_fail nat-masquerade-breaks-checksum
			bg_diag nata-cli
		fi
	fi

	# (b) the workaround: R makes it TCP for netfilter and 253 again on
	# the wire. tc ingress runs before PREROUTING (conntrack, de-NAT), tc
	# egress after POSTROUTING (NAT): netfilter only ever sees protocol 6.
	# Offloads stay as they are: an xtcp segment is never GSO, GRO is off
	# on veth by default (and would not merge protocol 253 at ingress,
	# where GRO runs before tc), and R forwards each packet as it came.
	ok=1
	if [[ $PROTO != 6 ]]; then
		if ! nat_rewrite; then
			ktap_fail nat-via-tcp-rewrite "tc clsact/u32/pedit/csum unavailable"
			return
		fi
	else
		ktap_diag "PROTO=6: plain TCP through MASQUERADE, no rewrite"
	fi
	PORT=$((PORT + 1))
	cap_start natb "$NS_B" "$DEV_B" "ip" || ktap_diag "tcpdump did not start"
	xfer natb "$NS_B" "$ADDR_B2" "$NS_A" || ok=0
	cap_stop natb
	remote=$(out_field natb-srv connected remote)
	n_nat=$(pcount natb "src host $ADDR_RB and ip proto $PROTO")
	ktap_diag "B's peer: ${remote:-?}; B's capture: $n_nat protocol-$PROTO packets from R," \
		"$(pcount natb "not ip proto $PROTO") of another protocol"
	[[ ${remote%:*} == "$ADDR_RB" && $n_nat -gt 0 && $(pcount natb "not ip proto $PROTO") == 0 ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok nat-via-tcp-rewrite
	else
		ktap_fail nat-via-tcp-rewrite
		nsx "$NS_R" tc -s filter show dev "$DEV_RA" ingress | sed 's/^/# /'
		ipt "$NS_R" -t nat -L -n -v -x | sed 's/^/# /'
	fi
	PORT=$((PORT - 1))
}

# ---------------------------------------------------------- 7, 8: IPsec ----
case_ipsec() {
	local ok=1 rc p0 p1 x0 x1 sel BYTES=$SMALL

	fresh 7 || { ktap_fail ipsec-required-policy-blocks; ktap_fail ipsec-policy-removed-connects; return; }
	sel=(src "$ADDR_A/32" dst "$ADDR_B/32" proto "$PROTO" dir in)
	if ! ip -n "$NS_B" xfrm policy add "${sel[@]}" tmpl proto esp mode transport level required \
		2>"$TMPD/xfrm.err"; then
		ktap_skip ipsec-required-policy-blocks "no IPsec policies (xfrm_user): $(head -n 1 "$TMPD/xfrm.err")"
		ktap_skip ipsec-policy-removed-connects "no IPsec policies"
		return
	fi
	bg ips-srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --expect "$BYTES" --timeout 60
	wait_listen "$NS_B" "$ADDR_B" $PORT || ok=0
	p0=$(stat_get "$NS_B" PolicyDrop)
	x0=$(xfrm_stat "$NS_B" XfrmInTmplMismatch)
	bg ips1-cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --syncnt 1 --timeout 30
	bg_wait ips1-cli 40; rc=$?
	p1=$(stat_get "$NS_B" PolicyDrop)
	x1=$(xfrm_stat "$NS_B" XfrmInTmplMismatch)
	ktap_diag "connect under the policy: rc=$rc (11 = ETIMEDOUT); PolicyDrop ${p0:-n/a} -> ${p1:-n/a};" \
		"XfrmInTmplMismatch ${x0:-n/a} -> ${x1:-n/a}"
	[[ $rc -eq 11 || $rc -eq 10 ]] || ok=0
	if [[ $PROTO != 6 ]]; then
		[[ -n $p1 && $((p1 - p0)) -ge 1 ]] || ok=0
	fi
	if [[ -n $x1 ]]; then
		[[ $((x1 - x0)) -ge 1 ]] || ok=0
	fi
	if [[ $ok == 1 ]]; then
		ktap_ok ipsec-required-policy-blocks
	else
		ktap_fail ipsec-required-policy-blocks
		bg_diag ips1-cli
		ip -n "$NS_B" xfrm policy show | sed 's/^/# /'
	fi

	ok=1
	ip -n "$NS_B" xfrm policy delete "${sel[@]}" || ok=0
	bg ips-cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --syncnt 1 --send "$BYTES" \
		--seed 7 --shutdown-wr-after-send --timeout 60
	xfer_end ips || ok=0
	if [[ $ok == 1 ]]; then ktap_ok ipsec-policy-removed-connects; else ktap_fail ipsec-policy-removed-connects; fi
}

# --------------------------------------------------------------- 9: MSS ----
case_mss() {
	local ok=1 cmss smss n_sa n_sa960 bmax th BYTES=$SMALL

	fresh 9 || { ktap_fail mss-from-route; return; }
	ip -n "$NS_B" route add "$ADDR_A/32" dev "$DEV_B" mtu lock 1000 || ok=0
	tcp_ref "$NS_A" "$NS_B"
	cap_start mssa "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	xfer mss "$NS_B" "$ADDR_B" "$NS_A" || ok=0
	cap_stop mssa
	cmss=$(out_field mss-cli connected mss)
	smss=$(out_field mss-srv connected mss)
	# B's SYN-ACK: MSS is the first option (kind 2, length 4)
	th='((ip[0] & 0xf) << 2)'
	n_sa=$(pcount mssa "src host $ADDR_B and (ip[$th + 13] & 0x12) == 0x12")
	n_sa960=$(pcount mssa "src host $ADDR_B and (ip[$th + 13] & 0x12) == 0x12 and ip[$th + 20:2] == 0x0204 and ip[$th + 22:2] == 960")
	bmax=$(seg_lens mssa "$ADDR_A" | sort -n | tail -n 1)
	ktap_diag "route mtu lock 1000 in B: client mss=${cmss:-?}, server mss=${smss:-?};" \
		"SYN-ACKs $n_sa, offering 960: $n_sa960; A's largest segment ${bmax:-none}"
	[[ $cmss == 960 && $n_sa -ge 1 && $n_sa960 == "$n_sa" && -n $bmax && $bmax -le 960 ]] || ok=0
	if [[ $ok == 1 ]]; then ktap_ok mss-from-route; else ktap_fail mss-from-route; fi
}

case_csum() {
	local ok=1 ca0 cb0 ca1 cb1 txa

	fresh_routed 10 || { ktap_fail csum-completed-on-the-way; return; }
	txa=$(nsx "$NS_A" ethtool -k "$DEV_A" 2>/dev/null | sed -n 's/^tx-checksumming: //p')
	for d in "$DEV_RA" "$DEV_RB"; do
		nsx "$NS_R" ethtool -K "$d" tx off >/dev/null 2>&1 ||
			{ ok=0; ktap_diag "ethtool -K $d tx off failed"; }
	done
	ca0=$(stat_get "$NS_A" InCsumErrors)
	cb0=$(stat_get "$NS_B" InCsumErrors)
	xfer cs "$NS_B" "$ADDR_B2" "$NS_A" || ok=0
	ca1=$(stat_get "$NS_A" InCsumErrors)
	cb1=$(stat_get "$NS_B" InCsumErrors)
	ktap_diag "A's tx-checksumming: ${txa:-?}; InCsumErrors A $ca0 -> $ca1, B $cb0 -> $cb1"
	[[ -n $ca0 && -n $cb0 && $ca0 == "$ca1" && $cb0 == "$cb1" ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok csum-completed-on-the-way
	else
		ktap_fail csum-completed-on-the-way
	fi
}

# dev_tx NS DEV: packets DEV in NS has transmitted
dev_tx() { nsx "$1" cat "/sys/class/net/$2/statistics/tx_packets" 2>/dev/null; }

# --------------------------------------------- 11, 12: GSO ----
case_gso_veth() {
	local ok=1 s0 s1 t0 t1 segs tx

	fresh 11 || { ktap_fail gso-super-packets-on-veth; return; }
	s0=$(stat_get "$NS_A" OutSegs); t0=$(dev_tx "$NS_A" "$DEV_A")
	xfer gv "$NS_B" "$ADDR_B" "$NS_A" || ok=0
	wait_a_tw gv "$ADDR_B" || ktap_diag "client not in TIME_WAIT"
	s1=$(stat_get "$NS_A" OutSegs); t1=$(dev_tx "$NS_A" "$DEV_A")
	segs=$(( ${s1:-0} - ${s0:-0} )); tx=$(( ${t1:-0} - ${t0:-0} ))
	ktap_diag "A sent $segs segments in $tx packets of its veth (TSO: $(nsx "$NS_A" ethtool -k "$DEV_A" 2>/dev/null | sed -n 's/^tcp-segmentation-offload: //p'))"
	[[ -n $t0 && -n $t1 && $segs -ge 64 && $tx -gt 0 && $(( tx * 4 )) -le $segs ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok gso-super-packets-on-veth
	else
		ktap_fail gso-super-packets-on-veth
	fi
}

case_gso_cut() {
	local ok=1 s0 s1 segs pkts bytes c0 c1 lens n max

	if [[ -z $IPT ]]; then
		ktap_skip gso-cut-in-software "no iptables (legacy) in this kernel or userland"
		return
	fi
	fresh 12 || { ktap_fail gso-cut-in-software; return; }
	tcp_ref "$NS_A" "$NS_B"
	nsx "$NS_A" ethtool -K "$DEV_A" tx off >/dev/null 2>&1 ||
		{ ok=0; ktap_diag "ethtool -K $DEV_A tx off failed"; }
	ipt "$NS_A" -t mangle -A POSTROUTING -o "$DEV_A" -p "$PROTO" ||
		{ ktap_fail gso-cut-in-software "cannot add a mangle POSTROUTING rule"; return; }
	cap_start gc "$NS_B" "$DEV_B" || ktap_diag "tcpdump did not start"
	s0=$(stat_get "$NS_A" OutSegs); c0=$(stat_get "$NS_B" InCsumErrors)
	xfer gc "$NS_B" "$ADDR_B" "$NS_A" || ok=0
	wait_a_tw gc "$ADDR_B" || ktap_diag "client not in TIME_WAIT"
	s1=$(stat_get "$NS_A" OutSegs); c1=$(stat_get "$NS_B" InCsumErrors)
	cap_stop gc
	read -r pkts bytes <<<"$(ipt_counts "$NS_A" mangle POSTROUTING 1)"
	segs=$(( ${s1:-0} - ${s0:-0} ))
	lens=$(seg_lens gc "$ADDR_A")
	n=$(wc -w <<<"$lens")
	max=$(tr ' ' '\n' <<<"$lens" | sort -n | tail -n 1)
	ktap_diag "A sent $segs segments in ${pkts:-?} POSTROUTING packets; B saw $n data segments, the largest ${max:-?} bytes; B's InCsumErrors $c0 -> $c1"
	[[ $segs -ge 64 && ${pkts:-0} -gt 0 && $(( pkts * 5 )) -le $(( segs * 4 )) ]] || ok=0
	[[ $n -gt 0 && $(( n * 2 )) -ge $segs && ${max:-99999} -le 1460 ]] || ok=0
	[[ -n $c0 && $c0 == "$c1" ]] || ok=0
	if [[ $ok == 1 ]]; then ktap_ok gso-cut-in-software; else ktap_fail gso-cut-in-software; fi
}

# ------------------------------------------------------------------ main ----
topo_init
require_cmd tc tcpdump
if command -v modprobe >/dev/null 2>&1; then
	for m in ip_tables iptable_filter iptable_mangle iptable_nat nf_conntrack nf_nat \
		 xt_MASQUERADE xt_DSCP xt_dscp xfrm_user; do
		modprobe -q "$m" 2>/dev/null || true
	done
fi
ktap_plan 12
for c in iptables-legacy iptables; do
	command -v "$c" >/dev/null 2>&1 || continue
	# a table that answers in a scratch namespace: the kernel has it
	if ip netns add "xt-probe-$$" 2>/dev/null; then
		ip netns exec "xt-probe-$$" "$c" -w -t mangle -L -n >/dev/null 2>&1 && IPT=$c
		ip netns del "xt-probe-$$"
	fi
	[[ -n $IPT ]] && break
done
ktap_diag "protocol $PROTO, $BYTES bytes per transfer, iptables: ${IPT:-none}"

# timed CASE: run it, then say how long it took (the runtime budget)
timed() {
	local t0=$EPOCHREALTIME
	"$@"
	ktap_diag "$1: $(fdiff "$EPOCHREALTIME" "$t0") s"
}
timed case_postrouting
timed case_pmtu_router
timed case_pmtu_own
timed case_nat
timed case_ipsec
timed case_mss
timed case_csum
timed case_gso_veth
timed case_gso_cut

ktap_finish
