#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# netns_veth.sh - xtcp across two network namespaces joined by veth
# (10.0.1.1/24 <-> 10.0.1.2/24) and over loopback inside one namespace:
# handshake, 8 MB each way with equal sha256 on both ends, clean close
# (the active closer ends in TIME_WAIT, the passive closer's entry goes away);
# then again over veth with netem reordering both ways (a quarter of the
# packets overtake the rest, delayed 10 ms), 1 MB each way: the receivers
# keep what arrives early (OFOQueue) and the streams still match.
#
# Env: XTCP_PROTO (6 = run against kernel TCP), XTCP_TOOL, XTCP_XFER_BYTES.
source "$(dirname "$0")/lib/topo.sh"

BYTES=${XTCP_XFER_BYTES:-8388608}
PORT=5001

# xfer_case LABEL NS_SRV SRV_IP NS_CLI CLI_IP: 4 KTAP cases (3 with
# NO_CLOSE_CHECK=1: under reordering a duplicate that arrives after the
# server's LAST_ACK ended draws a RST, which rightly ends the client's
# TIME_WAIT early, RFC 1337, as in Linux's TCP)
xfer_case() {
	local label=$1 nss=$2 sip=$3 nsc=$4 cip=$5 rc_s rc_c cport

	bg "$label-srv" "$nss" "$TOOL" server -l "$sip" -P $PORT --send "$BYTES" --seed 2 \
		--timeout 60
	if ! wait_listen "$nss" "$sip" $PORT; then
		bg_diag "$label-srv"
		ktap_fail "$label-listen"
		return 1
	fi
	bg "$label-cli" "$nsc" "$TOOL" client -a "$sip" -P $PORT --send "$BYTES" --seed 1 \
		--shutdown-wr-after-send --timeout 60
	bg_wait "$label-cli" 70; rc_c=$?
	bg_wait "$label-srv" 70; rc_s=$?
	cport=$(conn_port "$label-cli")

	if [[ $rc_c -eq 0 && $rc_s -eq 0 ]] && out_has "$label-srv" "^connected " &&
	   out_has "$label-cli" "^connected local=$cip:"; then
		ktap_ok "$label-handshake-and-exit-codes"
	else
		ktap_fail "$label-handshake-and-exit-codes" "client rc=$rc_c server rc=$rc_s"
		bg_diag "$label-cli" "$label-srv"
	fi
	ktap_check "$label-client-to-server-sha256" sha_match "$label-cli" "$label-srv" "$BYTES"
	ktap_check "$label-server-to-client-sha256" sha_match "$label-srv" "$label-cli" "$BYTES"

	[[ ${NO_CLOSE_CHECK:-0} == 1 ]] && return 0
	# client shut down first: it is the active closer -> TIME_WAIT (06);
	# the server (LAST_ACK) disappears once the client's last ACK arrives.
	if [[ -n $cport ]] && wait_st 5 "$nsc" "$cip" "$cport" "$sip" $PORT 06 &&
	   wait_for 5 sock_gone "$nss" "$sip" $PORT "$cip" "$cport"; then
		ktap_ok "$label-close-client-time-wait-server-gone"
	else
		ktap_fail "$label-close-client-time-wait-server-gone" "client port '${cport}'"
		sock_dump "$nsc"
		[[ $nss != "$nsc" ]] && sock_dump "$nss"
	fi
}

topo_init
ktap_plan 12
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"
ktap_diag "protocol $PROTO, $BYTES bytes each way"

xfer_case veth "$NS_B" "$ADDR_B" "$NS_A" "$ADDR_A"
xfer_case loopback "$NS_A" 127.0.0.1 "$NS_A" 127.0.0.1

if nsx "$NS_A" tc qdisc add dev "$DEV_A" root netem delay 10ms reorder 25% 50% &&
   nsx "$NS_B" tc qdisc add dev "$DEV_B" root netem delay 10ms reorder 25% 50%; then
	o0=$(( $(stat_get "$NS_A" OFOQueue) + $(stat_get "$NS_B" OFOQueue) ))
	BYTES=$(( BYTES < 1048576 ? BYTES : 1048576 )) PORT=5002 NO_CLOSE_CHECK=1 \
		xfer_case reorder "$NS_B" "$ADDR_B" "$NS_A" "$ADDR_A"
	o1=$(( $(stat_get "$NS_A" OFOQueue) + $(stat_get "$NS_B" OFOQueue) ))
	ktap_diag "out-of-order segments kept: $((o1 - o0))"
	if (( o1 > o0 )); then ktap_ok reorder-segments-kept-out-of-order
	else ktap_fail reorder-segments-kept-out-of-order; fi
else
	for c in handshake-and-exit-codes client-to-server-sha256 \
		 server-to-client-sha256 segments-kept-out-of-order; do
		ktap_fail "reorder-$c" "tc netem unavailable"
	done
fi

ktap_finish
