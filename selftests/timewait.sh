#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timewait.sh - TIME_WAIT behaviour over veth:
#  1 after a close the active closer's 4-tuple is listed with st 06
#  2 the passive closer (LAST_ACK, 09) retransmits its FIN while the TIME_WAIT
#    side's ACKs are dropped (tc ingress filter on the LAST_ACK side's veth,
#    pure-ACK segments only); a capture on the TIME_WAIT side's veth shows
#    >= 2 FIN copies and an ACK (ack = FIN seq + 1) answering each one
#  3 once the filter is removed the LAST_ACK side's entry goes away
#  4 the TIME_WAIT entry of case 1 disappears after about 60 s (TCP's fixed
#    TIME_WAIT length; checked to vanish between 50 s and 75 s)
#  5 each retransmitted FIN restarts 2MSL (RFC 9293 §3.10.7.4): the filter of
#    case 2 stays until 5 FIN copies came (>= 3 s of backoff), so the
#    last one arrives seconds into TIME_WAIT; right after it the entry's
#    timer (/proc tm->when) must reach past the original end by >= 2 s
# The filter sits on the receiving side's ingress, not on the sender's egress,
# so that tcpdump (which taps egress after tc) still sees the dropped ACKs.
source "$(dirname "$0")/lib/topo.sh"

PORT1=5101
PORT2=5102

# fin_acks_ok: from the capture so far, print "NFIN NACK" where NFIN counts
# FINs sent by B (server) and NACK counts A's pure ACKs answering them
fin_ack_counts() {
	cap_decode tw | awk -v a="$ADDR_A" -v b="$ADDR_B" '
		$2 == b && $6 ~ /F/ { nfin++; want = $7 + $9 + 1 }
		$2 == a && $6 == "A" && nfin > 0 && $8 == want { nack++ }
		END { print nfin + 0, nack + 0 }'
}
fins_and_acks() {
	local n
	read -r -a n <<<"$(fin_ack_counts)"
	[[ ${n[0]} -ge $1 && ${n[1]} -ge $1 ]]
}

# tw_left NS LIP LPORT RIP RPORT: seconds left on the TIME_WAIT entry's
# timer ("03:<hex clock ticks>" in the tr:tm->when column, USER_HZ 100)
tw_left() {
	local l r t
	l=$(proc_hex "$2" "$3")
	r=$(proc_hex "$4" "$5")
	t=$(sock_table "$1" | awk -v l="$l" -v r="$r" '
		$2 == l && $3 == r && $4 == "06" { sub(/^.*:/, "", $6); print $6; exit }')
	[[ -n $t ]] && fdiff "$((16#$t))" 0 | awk '{ printf "%.2f", $1 / 100 }'
}

topo_init
require_cmd tcpdump tc
ktap_plan 5
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"

# --- 1: TIME_WAIT entry after an active close ---------------------------
bg srv1 "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT1 --send 4096 --timeout 20
wait_listen "$NS_B" "$ADDR_B" $PORT1
bg cli1 "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT1 --expect 4096 --close-first --timeout 20
bg_wait cli1 25; rc_c=$?
bg_wait srv1 25; rc_s=$?
t_close=$(now_s)
cport1=$(conn_port cli1)
if [[ $rc_c -eq 0 && $rc_s -eq 0 && -n $cport1 ]] &&
   wait_st 5 "$NS_A" "$ADDR_A" "$cport1" "$ADDR_B" $PORT1 06; then
	ktap_ok "active-closer-in-time-wait"
	tw_ok=1
else
	ktap_fail "active-closer-in-time-wait" "rc cli=$rc_c srv=$rc_s"
	bg_diag cli1 srv1; sock_dump "$NS_A"
	tw_ok=0
fi

# --- 2/3: retransmitted FIN answered from TIME_WAIT ---------------------
bg srv2 "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT2 --timeout 40
wait_listen "$NS_B" "$ADDR_B" $PORT2
bg cli2 "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT2 --close-first --hold 30 --timeout 40
out_wait cli2 "^recv " 10
cport2=$(conn_port cli2)
ok=1
if ! drop_add "$NS_B" "$DEV_B" ingress ackonly; then
	ktap_skip "time-wait-acks-each-retransmitted-fin" "no drop filter backend"
	ktap_skip "last-ack-side-leaves-after-filter-removed" "no drop filter backend"
	bg_kill cli2 USR1
else
	cap_start tw "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg_kill cli2 USR1			# client closes first: its FIN goes out
	# server reads EOF, closes: LAST_ACK; the client's final ACK is dropped
	wait_st 5 "$NS_B" "$ADDR_B" $PORT2 "$ADDR_A" "$cport2" 09 ||
		{ ok=0; ktap_diag "server not seen in LAST_ACK"; }
	wait_st 5 "$NS_A" "$ADDR_A" "$cport2" "$ADDR_B" $PORT2 06 ||
		{ ok=0; ktap_diag "client not in TIME_WAIT"; }
	t_tw2=$(now_s)
	# the FIN is retransmitted after ~RTO (>= 200 ms), then backs off:
	# 5 copies take >= 3 s, the next comes >= 3.2 s later (case 5)
	wait_for 30 fins_and_acks 5 || { ok=0; ktap_diag "fewer than 5 FINs/ACKs captured"; }
	sock_has_st "$NS_B" "$ADDR_B" $PORT2 "$ADDR_A" "$cport2" 09 ||
		{ ok=0; ktap_diag "server left LAST_ACK although every ACK was dropped"; }
	drop_del_all "$NS_B" "$DEV_B"
	# next FIN copy is answered and this ACK gets through
	if wait_for 20 sock_gone "$NS_B" "$ADDR_B" $PORT2 "$ADDR_A" "$cport2"; then
		gone=1
		# 2MSL as first started ends 60 s after t_tw2 at the latest
		left=$(tw_left "$NS_A" "$ADDR_A" "$cport2" "$ADDR_B" $PORT2)
		over=$(fdiff "${left:-0}" "$(fdiff 60 "$(fdiff "$(now_s)" "$t_tw2")")")
	else
		gone=0
	fi
	cap_stop tw
	read -r nfin nack <<<"$(fin_ack_counts)"
	ktap_diag "server FIN copies: $nfin, client ACKs answering them: $nack"
	[[ $nfin -ge 2 && $nack -ge $nfin ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok "time-wait-acks-each-retransmitted-fin"
	else
		ktap_fail "time-wait-acks-each-retransmitted-fin"
		cap_decode tw | sed 's/^/# pkt /'
		sock_dump "$NS_A"; sock_dump "$NS_B"
	fi
	if [[ $gone == 1 ]]; then
		ktap_ok "last-ack-side-leaves-after-filter-removed"
	else
		ktap_fail "last-ack-side-leaves-after-filter-removed"; sock_dump "$NS_B"
	fi
fi
bg_wait cli2 10 >/dev/null
bg_wait srv2 10 >/dev/null
if [[ ${gone:-0} == 1 && -n ${left:-} ]] && fcmp "$over >= 2"; then
	ktap_ok "time-wait-restarted-by-retransmitted-fin"
else
	ktap_fail "time-wait-restarted-by-retransmitted-fin" \
		"timer left ${left:-none}s: ${over:-?}s past the first 2MSL, want >= 2"
fi
ktap_diag "TIME_WAIT timer after the last FIN: ${left:-none}s left, ${over:-?}s past the first 2MSL"

# --- 4: TIME_WAIT expires after ~60 s -----------------------------------
if [[ $tw_ok != 1 ]]; then
	ktap_fail "time-wait-expires-after-60s" "no TIME_WAIT entry to watch"
elif wait_for 75 sock_gone "$NS_A" "$ADDR_A" "$cport1" "$ADDR_B" $PORT1; then
	took=$(fdiff "$(now_s)" "$t_close")
	if fcmp "$took >= 50 && $took <= 75"; then
		ktap_ok "time-wait-expires-after-60s"
	else
		ktap_fail "time-wait-expires-after-60s" "gone after ${took}s, want 50..75"
	fi
	ktap_diag "TIME_WAIT lasted ${took}s"
else
	ktap_fail "time-wait-expires-after-60s" "still present after 75 s"
	sock_dump "$NS_A"
fi

ktap_finish
