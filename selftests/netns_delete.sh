#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# netns_delete.sh - deleting a network namespace that holds xtcp sockets in
# every kind of state, then checking the module still works.
# Netns B (deleted) holds: a listener; an established veth connection to A
# whose B end is closed with SO_LINGER{1,0}; an established veth connection
# closed normally by B (B's end becomes an orphan in FIN_WAIT2 with
# fin_timeout 2 s); a loopback pair inside B; a TIME_WAIT entry (B closed
# first); a SYN_SENT socket to an address nobody answers.
#  1 the states LISTEN/ESTABLISHED/TIME_WAIT/SYN_SENT were all present in B
#  2 after the holders are killed and "ip netns del B", B is dismantled: its
#    veth peer disappears from A and, once A's ends are aborted too, the
#    module's reference count is back to its value before the test (every
#    socket of B freed, TIME_WAIT included)
#  3 the module serves a new connection (fresh netns pair, 1 MB each way)
#  4 B's TIME_WAIT would have expired by now (65 s after it was created) and
#    nothing blew up meanwhile (set XTCP_TW_WAIT=0 to skip the 60 s wait);
#    the VM runner scans dmesg for KASAN/lockdep/WARN afterwards.
source "$(dirname "$0")/lib/topo.sh"

MOD=xtcp
refcnt() { cat "/sys/module/$MOD/refcnt" 2>/dev/null; }
refcnt_le() { [[ $(refcnt) -le $1 ]]; }
veth_gone() { ! ip -n "$NS_A" link show "$DEV_A" >/dev/null 2>&1; }

topo_init
ktap_plan 4
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"
REF0=$(refcnt)
nsx "$NS_B" sh -c "echo 2 > $(xsysctl_path fin_timeout)" || ktap_diag "cannot set fin_timeout"

H=(--hold 120 --timeout 130)
# listener
bg listen "$NS_B" "$TOOL" server -l 0.0.0.0 -P 5501 --no-accept "${H[@]}"
# TIME_WAIT in B: B's server closes first
bg tw-srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P 5502 --send 1K --close-first --timeout 20
wait_listen "$NS_B" "$ADDR_B" 5502
bg tw-cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P 5502 --expect 1K --timeout 20
# established, B end aborts (linger0) when killed
bg e1-srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P 5503 --send 64K --linger0 --close-first "${H[@]}"
wait_listen "$NS_B" "$ADDR_B" 5503
bg e1-cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P 5503 --expect 64K --close-first --linger0 "${H[@]}"
# established, B end closes normally when told (orphan FIN_WAIT2)
bg e2-srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P 5504 --send 64K --close-first "${H[@]}"
wait_listen "$NS_B" "$ADDR_B" 5504
bg e2-cli "$NS_A" "$TOOL" client -a "$ADDR_B" -P 5504 --expect 64K --close-first --linger0 "${H[@]}"
# loopback pair inside B
bg lo-srv "$NS_B" "$TOOL" server -l 127.0.0.1 -P 5505 --send 64K --close-first "${H[@]}"
wait_listen "$NS_B" 127.0.0.1 5505
bg lo-cli "$NS_B" "$TOOL" client -a 127.0.0.1 -P 5505 --expect 64K --close-first "${H[@]}"
# SYN_SENT towards an address without a neighbour
bg syn "$NS_B" "$TOOL" client -a 10.0.1.3 -P 5506 --timeout 130

bg_wait tw-cli 20 >/dev/null; bg_wait tw-srv 20 >/dev/null
T_TW=$(now_s)
out_wait e1-cli "^recv " 10; out_wait e2-cli "^recv " 10; out_wait lo-cli "^recv " 10
have() { [[ $(count_socks "$NS_B" "$1") -ge $2 ]]; }
# LISTEN: 5501 + 5503..5505 listeners are closed after their one accept
if wait_for 10 have 0A 1 && wait_for 10 have 01 4 && wait_for 10 have 06 1 &&
   wait_for 10 have 02 1; then
	ktap_ok "sockets-in-all-states-before-delete"
else
	ktap_fail "sockets-in-all-states-before-delete"
	sock_dump "$NS_B"
fi

# close e2's B end normally first (becomes an orphan), kill the rest
bg_kill e2-srv USR1
wait_for 5 have 05 1 || wait_for 1 have 04 1 || ktap_diag "no FIN_WAIT orphan seen"
for j in listen e1-srv e2-srv lo-srv lo-cli syn; do bg_kill "$j" TERM; done
for j in listen e1-srv e2-srv lo-srv lo-cli syn; do bg_wait "$j" 5 >/dev/null; done
ip netns del "$NS_B"
ok=1
wait_for 30 veth_gone || { ok=0; ktap_diag "B's veth peer still in A after 30 s"; }
# A's ends abort (linger0): nothing of this test holds the module any more
for j in e1-cli e2-cli; do bg_kill "$j" TERM; bg_wait "$j" 5 >/dev/null; done
if [[ -n $REF0 ]]; then
	if ! wait_for 30 refcnt_le "$REF0"; then
		ok=0; ktap_diag "module refcnt $(refcnt), want <= $REF0 (its value at the start)"
	fi
elif [[ $PROTO != 6 ]]; then
	ktap_diag "no /sys/module/$MOD/refcnt: only the veth teardown is checked"
fi
ktap_check "netns-deleted-and-dismantled" test $ok = 1

# new connection in fresh namespaces
NS_B=""
ns_new NS_X x && ns_new NS_Y y &&
	ip link add xa netns "$NS_X" type veth peer name xb netns "$NS_Y" &&
	ip -n "$NS_X" addr add 10.0.2.1/24 dev xa && ip -n "$NS_Y" addr add 10.0.2.2/24 dev xb &&
	ip -n "$NS_X" link set xa up && ip -n "$NS_Y" link set xb up
bg n-srv "$NS_Y" "$TOOL" server -l 10.0.2.2 -P 5507 --send 1M --seed 2 --timeout 30
wait_listen "$NS_Y" 10.0.2.2 5507
bg n-cli "$NS_X" "$TOOL" client -a 10.0.2.2 -P 5507 --send 1M --shutdown-wr-after-send --timeout 30
bg_wait n-cli 35; rc_c=$?
bg_wait n-srv 35; rc_s=$?
if [[ $rc_c -eq 0 && $rc_s -eq 0 ]] && sha_match n-cli n-srv 1048576 && sha_match n-srv n-cli 1048576; then
	ktap_ok "module-serves-after-netns-delete"
else
	ktap_fail "module-serves-after-netns-delete" "rc cli=$rc_c srv=$rc_s"; bg_diag n-cli n-srv
fi

if [[ ${XTCP_TW_WAIT:-1} == 0 ]]; then
	ktap_skip "time-wait-timer-of-deleted-netns-passed" "XTCP_TW_WAIT=0"
else
	left=$(awk -v t="$T_TW" -v n="$(now_s)" -v w="${XTCP_TW_WAIT_S:-65}" \
		'BEGIN { d = t + w - n; printf "%d", (d > 0 ? d + 1 : 0) }')
	ktap_diag "waiting ${left}s until B's TIME_WAIT timer would have fired"
	isleep "$left"	# a timer deadline, not a condition: nothing to poll
	# still alive and serving: one more short connection
	bg n2-srv "$NS_Y" "$TOOL" server -l 10.0.2.2 -P 5508 --send 4K --timeout 10
	wait_listen "$NS_Y" 10.0.2.2 5508
	bg n2-cli "$NS_X" "$TOOL" client -a 10.0.2.2 -P 5508 --expect 4K --close-first --timeout 10
	bg_wait n2-cli 15; rc_c=$?
	bg_wait n2-srv 15; rc_s=$?
	if [[ $rc_c -eq 0 && $rc_s -eq 0 ]]; then
		ktap_ok "time-wait-timer-of-deleted-netns-passed"
	else
		ktap_fail "time-wait-timer-of-deleted-netns-passed" "rc cli=$rc_c srv=$rc_s"
		bg_diag n2-cli n2-srv
	fi
fi

ktap_finish
