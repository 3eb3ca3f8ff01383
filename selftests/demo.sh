#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - a narrated xtcp connection for "make demo": two namespaces joined
# by veth, a capture into REPO/.cache/demo/xtcp-demo.pcap, and the socket
# table of both sides printed at each stage: listen, established after a
# small exchange, half-closed after the client's close, after the server's
# close (client in TIME_WAIT). Decode the capture on the host with
#   tshark -r .cache/demo/xtcp-demo.pcap -d ip.proto==253,tcp
# Exit 0 when every stage was reached, 1 otherwise (4: cannot run).
# Env: XTCP_PROTO, XTCP_DEMO_PCAP (capture path).
source "$(dirname "$0")/lib/topo.sh"

PCAP=${XTCP_DEMO_PCAP:-$REPO/.cache/demo/xtcp-demo.pcap}
PORT=7000
STEP=0

show() { # show TITLE: both tables
	STEP=$((STEP + 1))
	echo
	echo "=== $STEP. $1"
	echo "--- $PROC_SOCKS in A (client $ADDR_A):"
	nsx "$NS_A" cat "$PROC_SOCKS"
	echo "--- $PROC_SOCKS in B (server $ADDR_B):"
	nsx "$NS_B" cat "$PROC_SOCKS"
}
fail() { echo "demo: $*" >&2; bg_diag cli srv >&2; exit 1; }

topo_init
require_cmd tcpdump
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"
mkdir -p "$(dirname "$PCAP")"
echo "demo: protocol $PROTO, capture $PCAP"
bg cap "$NS_A" tcpdump -i "$DEV_A" -n -U --immediate-mode -w "$PCAP" "ip proto $PROTO"
wait_for 10 grep -qs "listening on" "$(bg_err cap)" || fail "tcpdump did not start"

# server: sends 1 KB, reads to EOF, then holds in CLOSE_WAIT until SIGUSR1
bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --send 1K --seed 2 --hold 30 --timeout 40
wait_listen "$NS_B" "$ADDR_B" $PORT || fail "no listener"
show "server listening (0A = LISTEN)"

# client: sends 1 KB, reads 1 KB, holds until SIGUSR1, then closes first
bg cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --send 1K --seed 1 --expect 1K \
	--close-first --hold 30 --timeout 40
out_wait cli "^recv " 10 || fail "no data exchange"
cport=$(conn_port cli)
show "handshake done, 1 KB each way (01 = ESTABLISHED)"

bg_kill cli USR1
bg_wait cli 10 || fail "client failed"
wait_st 5 "$NS_A" "$ADDR_A" "$cport" "$ADDR_B" $PORT 05 || fail "client not in FIN_WAIT2"
show "client closed: FIN sent and acked (05 = FIN_WAIT2, 08 = CLOSE_WAIT)"

bg_kill srv USR1
bg_wait srv 10 || fail "server failed"
wait_st 5 "$NS_A" "$ADDR_A" "$cport" "$ADDR_B" $PORT 06 || fail "client not in TIME_WAIT"
wait_for 5 sock_gone "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$cport" || fail "server entry left"
show "server closed: four-way close done (06 = TIME_WAIT on the active closer)"

bg_kill cap INT
bg_wait cap 10
echo
echo "--- transfer check:"
grep -h -E '^(sent|recv)' "$(bg_out cli)" | sed 's/^/client /'
grep -h -E '^(sent|recv)' "$(bg_out srv)" | sed 's/^/server /'
echo "--- capture: $PCAP"
tcpdump -r "$PCAP" -n -tt 2>/dev/null | sed 's/^/  /'
echo "decode on the host: tshark -r $PCAP -d ip.proto==$PROTO,tcp"
