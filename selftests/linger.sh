#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# linger.sh - close() with SO_LINGER {1,0} aborts the connection over veth:
#  1 the closer sends an RST and no FIN (capture on its veth)
#  2 the peer's next read fails with ECONNRESET (xtcp_tool exit 12) after it
#    has read the data that arrived before the RST
#  3 neither side keeps an entry (no TIME_WAIT for the closer)
#  4 counters: OutRsts grows on the closer, EstabResets on the peer
#    (/proc/net/xtcp_stats; /proc/net/snmp with XTCP_PROTO=6)
source "$(dirname "$0")/lib/topo.sh"

PORT=5701

topo_init
require_cmd tcpdump
ktap_plan 4
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"

rst0=$(stat_get "$NS_A" OutRsts)
er0=$(stat_get "$NS_B" EstabResets)
cap_start linger "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
# server waits for EOF that never comes: the RST ends its read
bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --timeout 20
wait_listen "$NS_B" "$ADDR_B" $PORT
bg cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --send 4K --close-first --linger0 \
	--hold 20 --timeout 20
out_wait cli "^recv " 10
cport=$(conn_port cli)
# let the 4 KB be acknowledged before the abort (nothing unsent at close)
wait_for 5 sock_has_st "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$cport" 01
bg_kill cli USR1
bg_wait cli 10; rc_c=$?
bg_wait srv 10; rc_s=$?
cap_stop linger
dec=$(cap_decode linger)

if echo "$dec" | awk -v a="$ADDR_A" '$2 == a && $6 ~ /R/ { r = 1 } $2 == a && $6 ~ /F/ { f = 1 }
	END { exit !(r && !f) }'; then
	ktap_ok "linger0-close-sends-rst-not-fin"
else
	ktap_fail "linger0-close-sends-rst-not-fin" "client rc=$rc_c"
	echo "$dec" | sed 's/^/# pkt /'
fi
if [[ $rc_s -eq 12 ]] && grep -q "read after 4096 bytes: ECONNRESET" "$(bg_err srv)"; then
	ktap_ok "peer-read-econnreset"
else
	ktap_fail "peer-read-econnreset" "server rc=$rc_s, want 12"
	bg_diag srv cli
fi
if [[ -n $cport ]] && wait_for 5 sock_gone "$NS_A" "$ADDR_A" "$cport" "$ADDR_B" $PORT &&
   wait_for 5 sock_gone "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$cport"; then
	ktap_ok "no-entry-left-no-time-wait"
else
	ktap_fail "no-entry-left-no-time-wait"; sock_dump "$NS_A"; sock_dump "$NS_B"
fi
rst1=$(stat_get "$NS_A" OutRsts)
er1=$(stat_get "$NS_B" EstabResets)
ktap_diag "OutRsts $rst0 -> $rst1 (closer), EstabResets $er0 -> $er1 (peer)"
if [[ -n $rst0 && -n $rst1 && -n $er0 && -n $er1 ]] && ((rst1 > rst0 && er1 > er0)); then
	ktap_ok "counters-outrsts-estabresets"
else
	ktap_fail "counters-outrsts-estabresets"
fi

ktap_finish
