#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# limits.sh - the per-netns lifetime limits of closed connections over veth,
# each case in fresh namespaces A (client, 10.0.1.1) and B (server,
# 10.0.1.2), so counters start at zero and nothing carries over:
#  1 max_tw_buckets=0: an active closer skips TIME_WAIT: its entry goes at
#    once, CurrTimeWait stays 0, TimeWaitOverflow is 1; the peer's LAST_ACK
#    ends too
#  2 ... and its ACK of the peer's FIN still goes out, no RST (capture)
#  3 max_tw_buckets=2: after 5 active closes exactly 2 entries are in
#    TIME_WAIT (CurrTimeWait 2), TimeWaitOverflow is 3
#  4 max_tw_buckets lowered to 0 with a connection in TIME_WAIT: a
#    retransmitted FIN (A's ACKs dropped) restarts its 2MSL, it stays
#    (TimeWaitOverflow 0)
#  5 max_orphans=0: close() of an established connection sends FIN then RST,
#    OrphanOverflow is 1, both entries go although the peer's process still
#    holds its socket
#  6 ... the peer's next write fails (EPIPE/ECONNRESET)
#  7 max_orphans default: the same close is a plain FIN (no RST): FIN_WAIT2
#    (05) / CLOSE_WAIT (08), OrphanOverflow 0
#  8 max_orphans=1: 3 active closes one after the other all end in TIME_WAIT
#    without a RST: a connection in TIME_WAIT is no orphan (CurrOrphans 0)
#  9 fin_timeout=3: an orphan in FIN_WAIT2 whose peer keeps its socket open
#    is still there 1.5 s after it entered FIN_WAIT2 and gone within 14 s
#    (sampled from inside the netns); the peer is left in CLOSE_WAIT
# 10 ... the peer's later FIN finds no socket and is answered with an RST
# 11 TCP_LINGER2=2 with fin_timeout at its default 60: gone within 1..11 s
# 12 orphan_retries=2, every segment to B dropped: the orphan's FIN goes out
#    3 times (1 + 2 retransmissions, RetransSegs +2), then the socket is gone
#    and Timeouts is 1
# 13 orphan_retries=2 does not limit a socket its process still holds
#    (shutdown(SHUT_WR)): a 4th FIN goes out and it stays in FIN_WAIT1; once
#    the process exits the orphan gives up at its next timeout
# The drop filter sits on B's ingress, so a capture on A's veth sees every
# segment A sends (tcpdump taps egress after tc).
# XTCP_PROTO=6 runs it against net.ipv4.tcp_*; tcp_max_orphans is global
# there, so 5-8 are skipped, and Linux gives orphans up by elapsed time
# (tcp_model_timeout()), so 12 accepts up to two more FIN copies there.
source "$(dirname "$0")/lib/topo.sh"

PORT=5801
FIN_TIMEOUT=3
LINGER2=2
ORPHAN_RETRIES=2

# fresh TAG: new namespaces A and B for the next case
fresh() {
	topo_del
	topo_two_ns "$1" || { ktap_diag "cannot create netns/veth topology"; return 1; }
}

# set_limit NAME VALUE: set a sysctl of A (diagnostics if refused)
set_limit() {
	if ! xsysctl_set "$NS_A" "$1" "$2" || [[ $(xsysctl_get "$NS_A" "$1") != "$2" ]]; then
		ktap_diag "could not set $SYSCTL_PREFIX$1 to $2 in A"
	fi
}

# close_client NAME [OPTS..]: a client in A that connects, optionally holds,
# and closes first (an orphan once it has exited)
close_client() {
	local name=$1
	shift
	bg "$name" "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT --close-first "$@"
}

# a_st / b_st PORT: the client's / server's entry of the connection from
# client port PORT
a_st() { sock_st "$NS_A" "$ADDR_A" "$1" "$ADDR_B" $PORT; }
b_st() { sock_st "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$1"; }
a_gone() { [[ -z $(a_st "$1") ]]; }
b_gone() { [[ -z $(b_st "$1") ]]; }
# only_st NS ST: every entry of NS is in state ST (or there is none)
only_st() { [[ $(count_socks "$1") == "$(count_socks "$1" "$2")" ]]; }
no_socks() { [[ $(count_socks "$1") == 0 ]]; }

# pkts NAME SRC FLAGS-REGEX: captured segments from SRC whose flags match
pkts() {
	cap_decode "$1" | awk -v s="$2" -v f="$3" '$2 == s && $6 ~ f { n++ } END { print n + 0 }'
}
cap_diag() { cap_decode "$1" | sed 's/^/# pkt /'; }

# ----------------------------------------------------- max_tw_buckets ----
tw_zero() {
	local rc_c rc_s cport ok=1 fin_seq nack nrst

	fresh 1 || { ktap_fail tw-max-0-skips-time-wait; ktap_fail tw-max-0-acks-peer-fin; return; }
	set_limit max_tw_buckets 0
	cap_start tw0 "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --timeout 20
	wait_listen "$NS_B" "$ADDR_B" $PORT
	close_client cli --timeout 20
	bg_wait cli 25; rc_c=$?
	bg_wait srv 25; rc_s=$?
	cport=$(conn_port cli)
	[[ $rc_c -eq 0 && $rc_s -eq 0 && -n $cport ]] || { ok=0; ktap_diag "rc cli=$rc_c srv=$rc_s"; }
	# TIME_WAIT would keep the entry 60 s; LAST_ACK ends with A's ACK
	if [[ $ok == 1 ]]; then
		wait_for 10 a_gone "$cport" || { ok=0; ktap_diag "client entry still there: $(a_st "$cport")"; }
		wait_for 10 b_gone "$cport" || { ok=0; ktap_diag "server entry still there: $(b_st "$cport")"; }
	fi
	local tw curr ovf
	tw=$(count_socks "$NS_A" 06)
	curr=$(stat_get "$NS_A" CurrTimeWait)
	ovf=$(stat_get "$NS_A" TimeWaitOverflow)
	ktap_diag "TIME_WAIT entries $tw, CurrTimeWait ${curr:-?}, TimeWaitOverflow ${ovf:-?}"
	[[ $tw == 0 && $curr == 0 && $ovf == 1 ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok tw-max-0-skips-time-wait
	else
		ktap_fail tw-max-0-skips-time-wait
		bg_diag cli srv; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi

	# the final ACK answers B's FIN (ack = FIN's seq + len + 1)
	cap_stop tw0
	fin_seq=$(cap_decode tw0 | awk -v b="$ADDR_B" '$2 == b && $6 ~ /F/ { printf "%.0f\n", $7 + $9 + 1; exit }')
	nack=$(cap_decode tw0 | awk -v a="$ADDR_A" -v w="${fin_seq:--1}" '$2 == a && $6 == "A" && $8 == w { n++ } END { print n + 0 }')
	nrst=$(pkts tw0 "$ADDR_A" R)
	if [[ -n $fin_seq && $nack -ge 1 && $nrst == 0 ]]; then
		ktap_ok tw-max-0-acks-peer-fin
	else
		ktap_fail tw-max-0-acks-peer-fin "ACKs of B's FIN: $nack, RSTs from A: $nrst"
		cap_diag tw0
	fi
}

tw_small() {
	local n=5 max=2 i rc ok=1

	fresh 2 || { ktap_fail tw-max-2-keeps-2; return; }
	set_limit max_tw_buckets $max
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --count $n --timeout 60
	wait_listen "$NS_B" "$ADDR_B" $PORT
	for ((i = 1; i <= n; i++)); do
		close_client "cli$i" --timeout 20
		bg_wait "cli$i" 25; rc=$?
		[[ $rc -eq 0 ]] || { ok=0; ktap_diag "client $i rc=$rc"; bg_diag "cli$i"; }
	done
	bg_wait srv 25; rc=$?
	[[ $rc -eq 0 ]] || { ok=0; ktap_diag "server rc=$rc"; bg_diag srv; }
	# every close complete: B empty, A holds TIME_WAIT entries only
	wait_for 10 no_socks "$NS_B" || { ok=0; ktap_diag "server side not empty"; }
	wait_for 10 only_st "$NS_A" 06 || { ok=0; ktap_diag "client side not only TIME_WAIT"; }
	local tw curr ovf
	tw=$(count_socks "$NS_A" 06)
	curr=$(stat_get "$NS_A" CurrTimeWait)
	ovf=$(stat_get "$NS_A" TimeWaitOverflow)
	ktap_diag "$n active closes, max_tw_buckets $max: TIME_WAIT entries $tw," \
		"CurrTimeWait ${curr:-?}, TimeWaitOverflow ${ovf:-?}"
	[[ $tw == "$max" && $curr == "$max" && $ovf == $((n - max)) ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok tw-max-2-keeps-2
	else
		ktap_fail tw-max-2-keeps-2; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi
}

# b_fins: FIN copies B sent so far (capture twl); fin_answered N: B sent
# more than N and A has answered every one with an ACK
b_fins() { pkts twl "$ADDR_B" F; }
fin_answered() {
	local f
	f=$(b_fins)
	(( f > $1 && $(pkts twl "$ADDR_A" '^A$') >= f ))
}

# A limit lowered below the number of connections already in TIME_WAIT
# holds back new ones only: a retransmitted FIN that restarts 2MSL
# (RFC 9293 §3.10.7.4) is no new TIME_WAIT and is answered as usual.
tw_lowered() {
	local rc cport ok=1 n0 tw ovf curr

	fresh 10 || { ktap_fail tw-max-lowered-keeps-existing; return; }
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --timeout 40
	wait_listen "$NS_B" "$ADDR_B" $PORT
	close_client cli --hold 30 --timeout 40
	out_wait cli "^recv " 10
	cport=$(conn_port cli)
	if [[ -z $cport ]] || ! drop_add "$NS_B" "$DEV_B" ingress ackonly; then
		ktap_fail tw-max-lowered-keeps-existing "no connection or no drop filter"
		bg_diag cli srv; return
	fi
	cap_start twl "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	# A closes first; its ACK of B's FIN is dropped: B retransmits the FIN
	bg_kill cli USR1
	wait_st 10 "$NS_A" "$ADDR_A" "$cport" "$ADDR_B" $PORT 06 ||
		{ ok=0; ktap_diag "client not in TIME_WAIT: $(a_st "$cport")"; }
	set_limit max_tw_buckets 0
	n0=$(b_fins)
	wait_for 20 fin_answered "$n0" ||
		{ ok=0; ktap_diag "no FIN retransmitted and answered after the change"; }
	tw=$(count_socks "$NS_A" 06)
	curr=$(stat_get "$NS_A" CurrTimeWait)
	ovf=$(stat_get "$NS_A" TimeWaitOverflow)
	ktap_diag "B's FIN copies $(b_fins) ($n0 before max_tw_buckets=0): TIME_WAIT entries $tw," \
		"CurrTimeWait ${curr:-?}, TimeWaitOverflow ${ovf:-?}"
	[[ $tw == 1 && $curr == 1 && $ovf == 0 ]] || ok=0
	drop_del_all "$NS_B" "$DEV_B"
	wait_for 20 b_gone "$cport" || { ok=0; ktap_diag "server entry still there: $(b_st "$cport")"; }
	cap_stop twl
	bg_wait cli 10 >/dev/null
	bg_wait srv 10; rc=$?
	[[ $rc -eq 0 ]] || { ok=0; ktap_diag "server rc=$rc"; }
	if [[ $ok == 1 ]]; then
		ktap_ok tw-max-lowered-keeps-existing
	else
		ktap_fail tw-max-lowered-keeps-existing
		cap_diag twl; bg_diag cli srv; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi
}

# -------------------------------------------------------- max_orphans ----
orphans_zero() {
	local rc_c rc_s cport ok=1 fins rsts ovf curr

	fresh 3 || { ktap_fail orphans-max-0-close-resets; ktap_fail orphans-max-0-peer-write-fails; return; }
	set_limit max_orphans 0
	cap_start orph0 "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	# the server neither reads nor closes until SIGUSR1, then writes
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --hold-before 30 --send 4K --timeout 40
	wait_listen "$NS_B" "$ADDR_B" $PORT
	close_client cli --timeout 20
	bg_wait cli 25; rc_c=$?
	cport=$(conn_port cli)
	[[ $rc_c -eq 0 && -n $cport ]] || { ok=0; ktap_diag "client rc=$rc_c"; }
	out_wait srv "^holding" 10 || { ok=0; ktap_diag "server not holding"; }
	if [[ $ok == 1 ]]; then
		wait_for 10 a_gone "$cport" || { ok=0; ktap_diag "client entry still there: $(a_st "$cport")"; }
		wait_for 10 b_gone "$cport" || { ok=0; ktap_diag "server entry still there: $(b_st "$cport")"; }
	fi
	cap_stop orph0
	fins=$(pkts orph0 "$ADDR_A" F)
	rsts=$(pkts orph0 "$ADDR_A" R)
	ovf=$(stat_get "$NS_A" OrphanOverflow)
	curr=$(stat_get "$NS_A" CurrOrphans)
	ktap_diag "from A: $fins FIN, $rsts RST; OrphanOverflow ${ovf:-?}, CurrOrphans ${curr:-?}"
	[[ $rsts -ge 1 && $ovf == 1 && $curr == 0 ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok orphans-max-0-close-resets
	else
		ktap_fail orphans-max-0-close-resets
		cap_diag orph0; bg_diag cli; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi

	# FIN then RST: the read sees the end of stream, the write the reset
	bg_kill srv USR1
	bg_wait srv 20; rc_s=$?
	if [[ $rc_s -eq 13 || $rc_s -eq 12 ]] && grep -q "write after 0 bytes" "$(bg_err srv)"; then
		ktap_ok orphans-max-0-peer-write-fails
	else
		ktap_fail orphans-max-0-peer-write-fails "server rc=$rc_s, want 13 (EPIPE) or 12"
		bg_diag srv
	fi
}

orphans_default() {
	local rc_c rc_s cport ok=1 fins rsts ovf

	fresh 4 || { ktap_fail orphans-default-close-is-fin; return; }
	cap_start orphd "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --hold-before 30 --timeout 40
	wait_listen "$NS_B" "$ADDR_B" $PORT
	close_client cli --timeout 20
	bg_wait cli 25; rc_c=$?
	cport=$(conn_port cli)
	[[ $rc_c -eq 0 && -n $cport ]] || { ok=0; ktap_diag "client rc=$rc_c"; }
	if [[ $ok == 1 ]]; then
		wait_for 10 sock_has_st "$NS_A" "$ADDR_A" "$cport" "$ADDR_B" $PORT 05 ||
			{ ok=0; ktap_diag "client not in FIN_WAIT2: $(a_st "$cport")"; }
		wait_for 10 sock_has_st "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$cport" 08 ||
			{ ok=0; ktap_diag "server not in CLOSE_WAIT: $(b_st "$cport")"; }
	fi
	# the server reads the end of stream and closes: a normal end
	bg_kill srv USR1
	bg_wait srv 20; rc_s=$?
	[[ $rc_s -eq 0 ]] || { ok=0; ktap_diag "server rc=$rc_s"; }
	[[ -n $cport ]] && wait_for 10 b_gone "$cport"
	cap_stop orphd
	fins=$(pkts orphd "$ADDR_A" F)
	rsts=$(pkts orphd "$ADDR_A" R)
	ovf=$(stat_get "$NS_A" OrphanOverflow)
	ktap_diag "from A: $fins FIN, $rsts RST; OrphanOverflow ${ovf:-?}"
	[[ $fins -ge 1 && $rsts == 0 && $ovf == 0 ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok orphans-default-close-is-fin
	else
		ktap_fail orphans-default-close-is-fin
		cap_diag orphd; bg_diag cli srv; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi
}

# TIME_WAIT (and a FIN_WAIT2 that ends within TIME_WAIT's 60 s) is no orphan
# in Linux: the connection lives on in a timewait minisocket, not counted in
# tcp_max_orphans. So max_orphans=1 lets any number of active closes through
# when each completes before the next.
orphans_tw_not_counted() {
	local n=3 i rc ok=1 rsts tw ovf curr

	fresh 9 || { ktap_fail orphans-time-wait-not-counted; return; }
	set_limit max_orphans 1
	cap_start orphtw "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --count $n --timeout 60
	wait_listen "$NS_B" "$ADDR_B" $PORT
	for ((i = 1; i <= n; i++)); do
		close_client "cli$i" --timeout 20
		bg_wait "cli$i" 25; rc=$?
		[[ $rc -eq 0 ]] || { ok=0; ktap_diag "client $i rc=$rc"; bg_diag "cli$i"; }
		# this close is over (TIME_WAIT) before the next one starts
		wait_for 10 only_st "$NS_A" 06 || { ok=0; ktap_diag "close $i not in TIME_WAIT"; }
	done
	bg_wait srv 25; rc=$?
	[[ $rc -eq 0 ]] || { ok=0; ktap_diag "server rc=$rc"; bg_diag srv; }
	cap_stop orphtw
	tw=$(count_socks "$NS_A" 06)
	rsts=$(pkts orphtw "$ADDR_A" R)
	ovf=$(stat_get "$NS_A" OrphanOverflow)
	curr=$(stat_get "$NS_A" CurrOrphans)
	ktap_diag "max_orphans 1, $n active closes: TIME_WAIT entries $tw, RSTs from A $rsts," \
		"OrphanOverflow ${ovf:-?}, CurrOrphans ${curr:-?}"
	[[ $tw == "$n" && $rsts == 0 && $ovf == 0 && $curr == 0 ]] || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok orphans-time-wait-not-counted
	else
		ktap_fail orphans-time-wait-not-counted
		cap_diag orphtw; sock_dump "$NS_A"; sock_dump "$NS_B"
	fi
}

# -------------------------------------------------------- fin_timeout ----
# watch_fw2 NAME LPORT TIMEOUT: follow the client's entry (port LPORT) from
# inside A in one background process that reads the table with builtins,
# so it samples every ~50 ms even where each "ip netns exec" takes a second
# (debug kernel). Prints "ready", then once the entry has been seen in
# FIN_WAIT2 and is gone: "fw2 first=T1 last=T2 gone=T3" (EPOCHREALTIME of
# the first sample in 05, the last sample with the entry, the first
# without; gone=- if still there after TIMEOUT s, exit 1).
watch_fw2() {
	local key
	key="$(proc_hex "$ADDR_A" "$2") $(proc_hex "$ADDR_B" $PORT)"
	bg "$1" "$NS_A" bash -c '
		key=$1 end=$(( ${EPOCHREALTIME/./} + $2 * 1000000 )) first=- last=-
		echo ready
		while :; do
			now=$EPOCHREALTIME st=""
			while read -r _ l r s _; do
				[[ "$l $r" == "$key" ]] && st=$s
			done <"$3"
			[[ $st == 05 && $first == - ]] && first=$now
			if [[ -n $st ]]; then
				last=$now
			elif [[ $first != - ]]; then
				echo "fw2 first=$first last=$last gone=$now"; exit 0
			fi
			if (( ${now/./} > end )); then
				echo "fw2 first=$first last=$last gone=-"; exit 1
			fi
			sleep 0.05
		done' _ "$key" "$3" "$PROC_SOCKS"
}

# fin_wait2_life NAME T CLIENT-OPTS..: close a client whose peer holds on in
# CLOSE_WAIT, time its orphaned FIN_WAIT2 (T s expected): from the first
# sample in FIN_WAIT2 it must still be there after T/2 and gone by 3T+5 s.
# FW2_OK 1/0, the client port in FW2_PORT.
fin_wait2_life() {
	local name=$1 t=$2 rc first last gone lo hi
	shift 2
	FW2_OK=1
	FW2_PORT=""
	lo=$(awk -v t="$t" 'BEGIN { print t / 2 }')
	hi=$((3 * t + 5))
	# the server reads the end of stream, then holds its socket open
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --hold 80 --timeout 100
	wait_listen "$NS_B" "$ADDR_B" $PORT
	# the client connects and waits for SIGUSR1 to close
	close_client cli --hold-before 30 "$@" --timeout 40
	out_wait cli "^holding" 10 && FW2_PORT=$(conn_port cli)
	if [[ -z $FW2_PORT ]]; then
		FW2_OK=0; ktap_diag "client did not connect"; bg_diag cli; return
	fi
	watch_fw2 fw2 "$FW2_PORT" $((hi + 10))
	out_wait fw2 "^ready" 10
	bg_kill cli USR1
	bg_wait cli 20; rc=$?
	[[ $rc -eq 0 ]] || { FW2_OK=0; ktap_diag "client rc=$rc"; bg_diag cli; }
	bg_wait fw2 $((hi + 20)) || FW2_OK=0
	first=$(out_field fw2 fw2 first)
	last=$(out_field fw2 fw2 last)
	gone=$(out_field fw2 fw2 gone)
	if [[ $first == [0-9]* && $gone == [0-9]* ]]; then
		ktap_diag "$name: orphaned FIN_WAIT2 seen for $(fdiff "$last" "$first")s," \
			"gone after $(fdiff "$gone" "$first")s (want >= $lo, <= $hi)"
		fcmp "$last - $first >= $lo && $gone - $first <= $hi" || FW2_OK=0
	else
		FW2_OK=0
		ktap_diag "$name: FIN_WAIT2 not seen, or not gone within $hi s"
		bg_diag fw2; sock_dump "$NS_A"
	fi
	# the peer was not told: it still waits in CLOSE_WAIT
	sock_has_st "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$FW2_PORT" 08 ||
		{ FW2_OK=0; ktap_diag "server left CLOSE_WAIT: $(b_st "$FW2_PORT")"; }
}

fin_timeout_case() {
	local rc rsts0 rsts1 ok=1 seen

	fresh 5 || { ktap_fail fin-timeout-ends-orphan-fin-wait2; ktap_fail fin-wait2-gone-peer-fin-gets-rst; return; }
	set_limit fin_timeout $FIN_TIMEOUT
	fin_wait2_life "fin_timeout=$FIN_TIMEOUT" $FIN_TIMEOUT
	if [[ $FW2_OK == 1 ]]; then
		ktap_ok fin-timeout-ends-orphan-fin-wait2
	else
		ktap_fail fin-timeout-ends-orphan-fin-wait2; bg_diag srv
	fi

	# the server closes now: A has no socket for its FIN any more
	if [[ -z $FW2_PORT ]] || ! sock_has_st "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$FW2_PORT" 08; then
		ktap_fail fin-wait2-gone-peer-fin-gets-rst "no CLOSE_WAIT server to close"
		return
	fi
	rsts0=$(stat_get "$NS_A" OutRsts)
	cap_start fw2 "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	bg_kill srv USR1
	bg_wait srv 20; rc=$?
	[[ $rc -eq 0 ]] || { ok=0; ktap_diag "server rc=$rc"; }
	# the RST ends LAST_ACK before any retransmission of the FIN is needed
	wait_for 5 b_gone "$FW2_PORT" || { ok=0; ktap_diag "server entry still there: $(b_st "$FW2_PORT")"; }
	cap_stop fw2
	rsts1=$(stat_get "$NS_A" OutRsts)
	seen=$(cap_decode fw2 | awk -v a="$ADDR_A" -v b="$ADDR_B" '
		$2 == b && $6 ~ /F/ { fin = 1 } $2 == a && $6 ~ /R/ && fin { rst = 1 }
		END { print (fin ? "FIN" : "no-FIN"), (rst ? "RST" : "no-RST") }')
	ktap_diag "B: $seen after it; OutRsts of A $rsts0 -> $rsts1"
	[[ $seen == "FIN RST" && -n $rsts0 && -n $rsts1 ]] && ((rsts1 > rsts0)) || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok fin-wait2-gone-peer-fin-gets-rst
	else
		ktap_fail fin-wait2-gone-peer-fin-gets-rst; cap_diag fw2; bg_diag srv
	fi
}

linger2_case() {
	fresh 6 || { ktap_fail tcp-linger2-overrides-fin-timeout; return; }
	ktap_diag "fin_timeout $(xsysctl_get "$NS_A" fin_timeout), TCP_LINGER2 $LINGER2"
	fin_wait2_life "TCP_LINGER2=$LINGER2" $LINGER2 --linger2 $LINGER2
	if [[ $FW2_OK == 1 ]]; then
		ktap_ok tcp-linger2-overrides-fin-timeout
	else
		ktap_fail tcp-linger2-overrides-fin-timeout; bg_diag srv
	fi
	bg_kill srv USR1
	bg_wait srv 20 >/dev/null
}

# ----------------------------------------------------- orphan_retries ----
# est_and_drop NAME CLIENT-OPTS..: connect a holding client, wait for both
# ends ESTABLISHED, then drop every segment reaching B; client port in
# EST_PORT, 1 on failure
est_and_drop() {
	local name=$1
	shift
	bg srv "$NS_B" "$TOOL" server -l "$ADDR_B" -P $PORT --timeout 60
	wait_listen "$NS_B" "$ADDR_B" $PORT
	bg "$name" "$NS_A" "$TOOL" client -a "$ADDR_B" -P $PORT "$@" --timeout 60
	EST_PORT=""
	out_wait "$name" "^connected" 10 && EST_PORT=$(conn_port "$name")
	if [[ -z $EST_PORT ]] ||
	   ! wait_st 10 "$NS_A" "$ADDR_A" "$EST_PORT" "$ADDR_B" $PORT 01 ||
	   ! wait_st 10 "$NS_B" "$ADDR_B" $PORT "$ADDR_A" "$EST_PORT" 01; then
		ktap_diag "no established connection"; bg_diag "$name" srv
		return 1
	fi
	drop_add "$NS_B" "$DEV_B" ingress all || { ktap_diag "no drop filter backend"; return 1; }
}

orphan_retries_case() {
	local ok=1 fins rtx0 rtx1 to0 to1 pr0 pr1 probes lo hi t0 took

	fresh 7 || { ktap_fail orphan-retries-gives-up; return; }
	set_limit orphan_retries $ORPHAN_RETRIES
	# the client closes on SIGUSR1 and exits: its FIN goes into the void
	if ! est_and_drop cli --close-first --hold 30; then
		ktap_fail orphan-retries-gives-up; return
	fi
	cap_start orr "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	rtx0=$(stat_get "$NS_A" RetransSegs)
	to0=$(stat_get "$NS_A" Timeouts)
	pr0=$(stat_get "$NS_A" LossProbes)
	t0=$(now_s)
	bg_kill cli USR1
	bg_wait cli 10 || { ok=0; ktap_diag "client did not close"; bg_diag cli; }
	# 1 + 2 + 4 RTOs (>= 200 ms each) and more under emulation
	if ! wait_for 40 a_gone "$EST_PORT"; then
		ok=0; ktap_diag "orphan still there after 40 s"; sock_dump "$NS_A"
	fi
	took=$(fdiff "$(now_s)" "$t0")
	cap_stop orr
	fins=$(pkts orr "$ADDR_A" F)
	rtx1=$(stat_get "$NS_A" RetransSegs)
	to1=$(stat_get "$NS_A" Timeouts)
	pr1=$(stat_get "$NS_A" LossProbes)
	ktap_diag "orphan_retries=$ORPHAN_RETRIES: gone after ${took}s, FIN copies $fins," \
		"RetransSegs $rtx0 -> $rtx1, Timeouts $to0 -> $to1, LossProbes $pr0 -> $pr1"
	# a tail loss probe may resend the FIN once before the first RTO
	probes=$((${pr1:-0} - ${pr0:-0}))
	lo=$((ORPHAN_RETRIES + 1 + probes))
	hi=$lo
	# Linux compares elapsed time with a model of the backoff instead
	[[ $PROTO == 6 ]] && hi=$((lo + 2))
	[[ $fins -ge $lo && $fins -le $hi && -n $rtx0 && -n $to0 && -n $pr0 &&
	   $probes -le 1 ]] &&
		(( rtx1 - rtx0 == fins - 1 && to1 - to0 == 1 )) || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok orphan-retries-gives-up
	else
		ktap_fail orphan-retries-gives-up; cap_diag orr
	fi
	# let the server's FIN through: A answers with RST, nothing lingers
	drop_del_all "$NS_B" "$DEV_B"
	bg_kill srv TERM
	bg_wait srv 10 >/dev/null
}

# more_fins NAME N: A sent more than N FIN copies so far (capture NAME)
more_fins() { (( $(pkts "$1" "$ADDR_A" F) > $2 )); }

orphan_retries_owned() {
	local ok=1 fins to0 to1

	fresh 8 || { ktap_fail orphan-retries-only-for-orphans; return; }
	set_limit orphan_retries $ORPHAN_RETRIES
	# SIGUSR1: shutdown(SHUT_WR), then wait for the peer's FIN (never)
	if ! est_and_drop cli --hold-before 60 --shutdown-wr-after-send; then
		ktap_fail orphan-retries-only-for-orphans; return
	fi
	cap_start own "$NS_A" "$DEV_A" || ktap_diag "tcpdump did not start"
	to0=$(stat_get "$NS_A" Timeouts)
	bg_kill cli USR1
	# a 4th copy (3rd retransmission) after 1 + 2 + 4 RTOs
	if ! wait_for 40 more_fins own $((ORPHAN_RETRIES + 1)); then
		ok=0; ktap_diag "no retransmission beyond orphan_retries"
	fi
	sock_has_st "$NS_A" "$ADDR_A" "$EST_PORT" "$ADDR_B" $PORT 04 ||
		{ ok=0; ktap_diag "client socket not in FIN_WAIT1: $(a_st "$EST_PORT")"; }
	# now orphan it: it has used up its retries, the next timeout ends it
	bg_kill cli TERM
	bg_wait cli 10 >/dev/null
	wait_for 60 a_gone "$EST_PORT" || { ok=0; ktap_diag "orphan still there after 60 s"; }
	cap_stop own
	fins=$(pkts own "$ADDR_A" F)
	to1=$(stat_get "$NS_A" Timeouts)
	ktap_diag "FIN copies $fins, Timeouts $to0 -> $to1"
	[[ -n $to0 && -n $to1 ]] && (( to1 - to0 == 1 )) || ok=0
	if [[ $ok == 1 ]]; then
		ktap_ok orphan-retries-only-for-orphans
	else
		ktap_fail orphan-retries-only-for-orphans; cap_diag own; bg_diag cli; sock_dump "$NS_A"
	fi
	drop_del_all "$NS_B" "$DEV_B"
	bg_kill srv TERM
	bg_wait srv 10 >/dev/null
}

# run FUNC: run one case, report how long it took (emulation is slow)
run() {
	local t0
	t0=$(now_s)
	"$1"
	ktap_diag "$1 took $(fdiff "$(now_s)" "$t0")s"
}

topo_init
require_cmd tcpdump tc
ktap_plan 13

run tw_zero
run tw_small
run tw_lowered
if [[ $PROTO == 6 ]]; then
	for c in orphans-max-0-close-resets orphans-max-0-peer-write-fails \
		 orphans-default-close-is-fin orphans-time-wait-not-counted; do
		ktap_skip "$c" "net.ipv4.tcp_max_orphans is global in Linux"
	done
else
	run orphans_zero
	run orphans_default
	run orphans_tw_not_counted
fi
run fin_timeout_case
run linger2_case
run orphan_retries_case
run orphan_retries_owned

ktap_finish
