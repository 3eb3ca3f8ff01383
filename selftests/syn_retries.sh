#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# syn_retries.sh - SYN retransmission and connect() timeout over veth.
# The peer's veth drops every PROTO packet on ingress (tc u32 + gact drop);
# a capture on the client's veth records the SYNs sent.
#  1 net.xtcp.syn_retries=2 (in the client netns): connect() fails with
#    ETIMEDOUT (xtcp_tool exit 11) after ~7 s (1+2+4; accepted 4.2..9.8 s)
#  2 exactly 3 SYNs went out
#  3 at ~0, 1, 3 s: gaps 1 s and 2 s, each within +-40 % (emulated guests)
#  4 TCP_SYNCNT=1 overrides the sysctl per socket (non-blocking connect):
#    ETIMEDOUT after ~3 s (1+2) and exactly 2 SYNs
# With XTCP_PROTO=6 net.ipv4.tcp_syn_linear_timeouts is set to 0 where it
# exists (6.7+), since kernel TCP's first retransmissions are otherwise linear.
source "$(dirname "$0")/lib/topo.sh"

PORT=5201

# syn_times NAME: capture timestamps of SYN-only segments from A
syn_times() { cap_decode "$1" | awk -v a="$ADDR_A" '$2 == a && $6 == "S" { print $1 }'; }

# connect_case CAP OPTS..: capture SYNs of one failing connect; sets RC, EL
connect_case() {
	local cap=$1
	shift
	cap_start "$cap" "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg "$cap-cli" "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --timeout 30 "$@"
	bg_wait "$cap-cli" 35; RC=$?
	EL=$(sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p' "$(bg_err "$cap-cli")" | tail -n 1)
	# the last SYN's retransmission timer expired: nothing more will come
	cap_stop "$cap"
	ktap_diag "connect $* -> exit $RC after ${EL:-?}s: $(head -c 200 "$(bg_err "$cap-cli")")"
}

topo_init
require_cmd tcpdump tc
ktap_plan 4
topo_two_ns || ktap_skip_all "cannot create netns/veth topology"
drop_add "$NS_B" "$DEV_B" ingress all || ktap_skip_all "no drop filter backend (tc gact / nft)"
if [[ $PROTO == 6 && -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts ]]; then
	nsx "$NS_A" sh -c 'echo 0 > /proc/sys/net/ipv4/tcp_syn_linear_timeouts'
fi
xsysctl_set "$NS_A" syn_retries 2 || ktap_diag "cannot set ${SYSCTL_PREFIX}syn_retries"

connect_case syn2
mapfile -t T < <(syn_times syn2)
ktap_diag "SYNs at: ${T[*]:-none}"
if [[ $RC -eq 11 ]] && grep -q ETIMEDOUT "$(bg_err syn2-cli)" && [[ -n $EL ]] &&
   fcmp "$EL >= 4.2 && $EL <= 9.8"; then
	ktap_ok "syn-retries-2-connect-etimedout-7s"
else
	ktap_fail "syn-retries-2-connect-etimedout-7s" "want exit 11 (ETIMEDOUT) after ~7 s"
fi
ktap_check "syn-retries-2-three-syns" test "${#T[@]}" -eq 3
if [[ ${#T[@]} -eq 3 ]]; then
	g1=$(fdiff "${T[1]}" "${T[0]}"); g2=$(fdiff "${T[2]}" "${T[1]}")
	if fcmp "$g1 >= 0.6 && $g1 <= 1.4 && $g2 >= 1.2 && $g2 <= 2.8"; then
		ktap_ok "syn-retransmit-gaps-1s-2s"
	else
		ktap_fail "syn-retransmit-gaps-1s-2s" "gaps ${g1}s ${g2}s, want ~1 and ~2 (+-40%)"
	fi
else
	ktap_fail "syn-retransmit-gaps-1s-2s" "need 3 SYNs"
fi

connect_case syncnt1 --syncnt 1 --nonblock-connect
mapfile -t T < <(syn_times syncnt1)
ktap_diag "SYNs at: ${T[*]:-none}"
if [[ $RC -eq 11 && ${#T[@]} -eq 2 && -n $EL ]] && fcmp "$EL >= 1.8 && $EL <= 4.2"; then
	ktap_ok "tcp-syncnt-1-two-syns-etimedout-3s"
else
	ktap_fail "tcp-syncnt-1-two-syns-etimedout-3s" "want exit 11, 2 SYNs, ~3 s"
fi

ktap_finish
