#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# module.sh - xtcp.ko as a module: metadata, unload refusal while in use,
# load/unload cycles. Leaves the module loaded (or not) as it found it.
#  1 modinfo XTCP_KO shows description, license GPL, author and parm protocol
#  2 rmmod is refused (non-zero, module stays) while xtcp sockets are open
#    (a listener + an established pair on loopback in a netns)
#  3 after those sockets are closed with SO_LINGER {1,0} (RST, nothing left
#    in TIME_WAIT) rmmod succeeds and socket(AF_INET, SOCK_STREAM, 253)
#    then fails (xtcp_tool exit 18)
#  4-6 three insmod / connect + 64 KB each way / linger0 close / rmmod cycles
#  7 protocol= outside 1..255 or 6 (TCP's) is refused: insmod fails and
#    nothing is registered (inet_protos[] has 256 slots: 256 and above
#    used to pass and index past it); 254, the other RFC 3692 number,
#    works and serves a connection on protocol 254
#  8 final state restored (module loaded again if it was loaded at start)
#    and it serves a connection
# Env: XTCP_KO (default: the module the VM loaded, XTCP_MODULE, else
# module/xtcp.ko under the repo), XTCP_KO_PARAMS.
# Kernel TCP cannot be unloaded: skipped with XTCP_PROTO=6.
source "$(dirname "$0")/lib/topo.sh"

KO=${XTCP_KO:-${XTCP_MODULE:-$REPO/module/xtcp.ko}}
KO_PARAMS=${XTCP_KO_PARAMS:-}
# The module's name (what /proc/modules and rmmod use), not its file name.
MOD=$(modinfo -F name "$KO" 2>/dev/null)
[[ -n $MOD ]] || MOD=$(basename "$KO" .ko)
MOD=${MOD//-/_}
PORT=5401

loaded() { [[ -d /sys/module/$MOD ]]; }
do_insmod() {
	# shellcheck disable=SC2086
	insmod "$KO" $KO_PARAMS
}
do_rmmod() { rmmod "$MOD" 2>/dev/null; }
no_socks() { [[ $(count_socks "$1") -eq 0 ]]; }

# restore_module: put the module back the way the test found it
restore_module() {
	if [[ $WAS_LOADED == 1 ]] && ! loaded; then
		do_insmod
	elif [[ $WAS_LOADED == 0 ]] && loaded; then
		wait_for 10 do_rmmod
	fi
}

# modinfo_text: modinfo output, or the raw .modinfo strings in the same
# "key: value" shape when modinfo is missing or cannot read the file
modinfo_text() {
	local out
	if command -v modinfo >/dev/null 2>&1 && out=$(modinfo "$KO" 2>/dev/null) &&
	   grep -q '^description:' <<<"$out"; then
		echo "$out"
	else
		tr '\0' '\n' <"$KO" |
			sed -n -E 's/^(description|license|author|parm|parmtype|name)=/\1: /p'
	fi
}

# connect_pair NS PREFIX: listener + established loopback pair on PORT, both
# ends holding with SO_LINGER {1,0}; 0 once both report "recv"
connect_pair() {
	local ns=$1 p=$2
	bg "$p-srv" "$ns" "$TOOL" server -l 127.0.0.1 -P $PORT --send 64K --seed 2 --expect 64K \
		--close-first --linger0 --hold 60 --timeout 70
	wait_listen "$ns" 127.0.0.1 $PORT || return 1
	bg "$p-cli" "$ns" "$TOOL" client -a 127.0.0.1 -P $PORT --send 64K --seed 1 --expect 64K \
		--close-first --linger0 --hold 60 --timeout 70
	out_wait "$p-cli" "^recv " 10 && out_wait "$p-srv" "^recv " 10
}
# close_pair PREFIX: kill both holders (the kernel closes with RST)
close_pair() {
	bg_kill "$1-cli" TERM; bg_kill "$1-srv" TERM
	bg_wait "$1-cli" 10; bg_wait "$1-srv" 10
}

[[ $PROTO == 6 ]] && ktap_skip_all "kernel TCP is not a module (XTCP_PROTO=6)"
[[ $(id -u) -eq 0 ]] || ktap_skip_all "needs root"
[[ -f $KO ]] || ktap_skip_all "$KO not built"
require_cmd insmod rmmod
WAS_LOADED=0
loaded && WAS_LOADED=1
if [[ $WAS_LOADED == 0 ]]; then
	do_insmod || ktap_skip_all "insmod $KO failed"
fi
topo_init
on_cleanup restore_module
ktap_plan 8
ktap_diag "module $MOD from $KO (loaded at start: $WAS_LOADED)"

# --- 1: metadata ---
info=$(modinfo_text)
ok=1
for re in '^description: *[^ ]' '^license: *GPL' '^author: *[^ ]' '^parm: *protocol[: ]'; do
	grep -q -E "$re" <<<"$info" || { ok=0; ktap_diag "modinfo lacks /$re/"; }
done
if [[ $ok == 1 ]]; then ktap_ok "modinfo-description-license-author-parm"; else
	ktap_fail "modinfo-description-license-author-parm"; echo "$info" | sed 's/^/# /'; fi

# --- 2/3: rmmod refused while in use, accepted after linger0 close ---
ns_new NS_A a || ktap_skip_all "cannot create a netns"
if connect_pair "$NS_A" busy; then
	if do_rmmod; then
		ktap_fail "rmmod-refused-while-sockets-open" "rmmod succeeded with open sockets"
		do_insmod
	elif loaded; then
		ktap_ok "rmmod-refused-while-sockets-open"
	else
		ktap_fail "rmmod-refused-while-sockets-open" "module gone although rmmod failed"
	fi
else
	ktap_fail "rmmod-refused-while-sockets-open" "could not set up the connection"
	bg_diag busy-cli busy-srv
fi
close_pair busy
ok=1
wait_for 10 no_socks "$NS_A" || { ok=0; ktap_diag "sockets left:"; sock_dump "$NS_A"; }
if wait_for 10 do_rmmod && ! loaded; then
	"$TOOL" client -a 127.0.0.1 -P $PORT >/dev/null 2>&1
	rc=$?
	[[ $rc -eq 18 ]] || { ok=0; ktap_diag "socket() after unload: exit $rc, want 18"; }
else
	ok=0; ktap_diag "rmmod failed after every socket was closed"
	[[ -r /sys/module/$MOD/refcnt ]] && ktap_diag "refcnt $(cat "/sys/module/$MOD/refcnt")"
fi
ktap_check "rmmod-succeeds-after-linger0-close" test $ok = 1

# --- 4-6: load/unload cycles ---
for cycle in 1 2 3; do
	ok=1
	if ! loaded && ! do_insmod; then
		ktap_fail "cycle-$cycle-insmod-connect-rmmod" "insmod failed"
		continue
	fi
	ns_new NS_C "c$cycle" || ok=0
	if [[ $ok == 1 ]] && connect_pair "$NS_C" "cyc$cycle" &&
	   sha_match "cyc$cycle-cli" "cyc$cycle-srv" 65536 &&
	   sha_match "cyc$cycle-srv" "cyc$cycle-cli" 65536; then
		:
	else
		ok=0; ktap_diag "connection failed"; bg_diag "cyc$cycle-cli" "cyc$cycle-srv"
	fi
	close_pair "cyc$cycle"
	ip netns del "$NS_C" 2>/dev/null
	if ! wait_for 15 do_rmmod; then
		ok=0; ktap_diag "rmmod failed"
	fi
	ktap_check "cycle-$cycle-insmod-connect-rmmod" test $ok = 1
done

# --- 7: the protocol parameter ---
ok=1
loaded && { wait_for 15 do_rmmod || ok=0; }
for bad in 0 -1 6 256 263 300; do
	if insmod "$KO" protocol=$bad 2>/dev/null; then
		ok=0; ktap_diag "insmod protocol=$bad succeeded"
		wait_for 15 do_rmmod
	elif loaded; then
		ok=0; ktap_diag "protocol=$bad: module loaded although insmod failed"
	fi
done
if insmod "$KO" protocol=254; then
	ns_new NS_P p || ok=0
	bg p254-srv "$NS_P" "$TOOL" server -p 254 -l 127.0.0.1 -P $PORT --send 1K --seed 5 \
		--expect 1K --close-first --linger0 --timeout 20
	PROC_SOCKS=/proc/net/xtcp wait_listen "$NS_P" 127.0.0.1 $PORT || ok=0
	bg p254-cli "$NS_P" "$TOOL" client -p 254 -a 127.0.0.1 -P $PORT --send 1K --seed 6 \
		--expect 1K --close-first --linger0 --timeout 20
	bg_wait p254-cli 30 && bg_wait p254-srv 30 || { ok=0; bg_diag p254-cli p254-srv; }
	ip netns del "$NS_P" 2>/dev/null
	wait_for 15 do_rmmod || { ok=0; ktap_diag "rmmod after protocol=254 failed"; }
else
	ok=0; ktap_diag "insmod protocol=254 failed"
fi
ktap_check "protocol-parameter-range" test $ok = 1

# --- 8: back to the starting state ---
ok=1
restore_module || { ok=0; ktap_diag "could not restore the module"; }
if [[ $WAS_LOADED == 1 ]]; then
	loaded || ok=0
	ns_new NS_D d || ok=0
	if [[ $ok == 1 ]] && connect_pair "$NS_D" final; then :; else
		ok=0; ktap_diag "reloaded module does not serve"; fi
	close_pair final
else
	! loaded || ok=0
fi
ktap_check "module-state-restored" test $ok = 1

ktap_finish
