# shellcheck shell=bash
# topo.sh - shared helpers for the xtcp shell selftests (sourced, not run).
#
# Provides:
#  - protocol switch: PROTO (env XTCP_PROTO, default 253), PROC_SOCKS (the
#    socket table: /proc/net/xtcp, or /proc/net/tcp when PROTO=6),
#    SYSCTL_PREFIX/SYSCTL_DIR (net.xtcp. or net.ipv4.tcp_), TOOL (xtcp_tool)
#  - KTAP: ktap_plan N, ktap_ok/ktap_fail/ktap_skip NAME, ktap_check NAME CMD..,
#    ktap_diag, ktap_skip_all REASON, ktap_finish (exit 0 pass/1 fail/4 skip)
#  - topology: topo_two_ns [TAG] (netns A/B joined by veth, 10.0.1.1/24 <->
#    10.0.1.2/24), topo_routed [TAG] [noreturn] (A - router R - B on two
#    subnets, 10.0.1.1/24 and 10.0.2.2/24), topo_one_ns, topo_del (delete
#    them: the next topo_* starts afresh), nsx NS CMD.. , neigh_pin,
#    ns_sysctl; everything is torn down by an EXIT trap
#  - background jobs: bg NAME NS CMD.. (output in $TMPD/NAME.out/.err),
#    bg_wait NAME [TIMEOUT] (exit code), bg_kill NAME [SIG]
#  - waiting: wait_for TIMEOUT CMD.. (poll every 50 ms, no fixed sleeps)
#  - sockets: proc_hex IP PORT, sock_st NS LIP LPORT RIP RPORT, wait_st ..,
#    count_socks NS
#  - traffic control: delay_add NS DEV MS, drop_add NS DEV ingress|egress
#    all|syn|ackonly|fin, drop_del_all NS DEV (tc u32+gact; nft fallback)
#  - capture: cap_start NAME NS DEV, cap_stop NAME, cap_decode NAME
#    (one line per packet: "TIME SRC SPORT DST DPORT FLAGS SEQ ACK LEN",
#    decoded from the hex dump so it works for protocol 253 too)
#
# Tests call topo_init first (root/tools checks, trap, temp dir).

set -u

TOPO_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="${XTCP_REPO:-$(cd "$TOPO_LIB_DIR/../.." && pwd)}"
TOOL="${XTCP_TOOL:-$REPO/selftests/tools/xtcp_tool}"
PROTO="${XTCP_PROTO:-253}"
export XTCP_PROTO="$PROTO"
if [[ $PROTO == 6 ]]; then
	PROC_SOCKS=/proc/net/tcp
	SYSCTL_PREFIX=net.ipv4.tcp_
	SYSCTL_DIR=/proc/sys/net/ipv4/tcp_
else
	PROC_SOCKS=/proc/net/xtcp
	SYSCTL_PREFIX=net.xtcp.
	SYSCTL_DIR=/proc/sys/net/xtcp/
fi
TEST_NAME="${TEST_NAME:-$(basename "$0" .sh)}"
ADDR_A=10.0.1.1
ADDR_B=10.0.1.2
DEV_A=xveth0
DEV_B=xveth1
NS_A=""
NS_B=""
# topo_routed: R's ports towards A and B, their addresses, and B's
ADDR_RA=10.0.1.254
ADDR_RB=10.0.2.254
ADDR_B2=10.0.2.2
DEV_RA=xvethra
DEV_RB=xvethrb
NS_R=""

# ---------------------------------------------------------------- KTAP ----
KTAP_PLANNED=0
KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_plan() { # ktap_plan N
	KTAP_PLANNED=$1
	echo "KTAP version 1"
	echo "1..$1"
}
ktap_diag() { local l; for l in "$@"; do echo "# $l"; done; }
# ktap_diag_file FILE: print a file as diagnostics (for failure context)
ktap_diag_file() { [[ -s $1 ]] && sed 's/^/# /' "$1"; return 0; }
ktap_ok() { KTAP_N=$((KTAP_N + 1)); KTAP_PASS=$((KTAP_PASS + 1)); echo "ok $KTAP_N $1"; }
ktap_fail() {
	KTAP_N=$((KTAP_N + 1)); KTAP_FAIL=$((KTAP_FAIL + 1))
	echo "not ok $KTAP_N $1"
	shift
	[[ $# -gt 0 ]] && ktap_diag "$@"
	return 0
}
ktap_skip() { # ktap_skip NAME REASON
	KTAP_N=$((KTAP_N + 1)); KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $1 # SKIP ${2:-}"
}
# ktap_check NAME CMD..: ok if CMD succeeds, else not ok
ktap_check() {
	local name=$1
	shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name"; fi
}
ktap_skip_all() { # ktap_skip_all REASON: whole test skipped, exit 4
	echo "KTAP version 1"
	echo "1..0 # SKIP $TEST_NAME: $1"
	exit 4
}
# ktap_finish: totals + exit code (1 any failure or missing case, 4 all skipped)
ktap_finish() {
	if [[ $KTAP_N -lt $KTAP_PLANNED ]]; then
		while [[ $KTAP_N -lt $KTAP_PLANNED ]]; do
			ktap_fail "not-run" "a case was not run: the test ended early"
		done
	fi
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	if [[ $KTAP_FAIL -gt 0 || $KTAP_N -ne $KTAP_PLANNED ]]; then exit 1; fi
	if [[ $KTAP_PASS -eq 0 && $KTAP_SKIP -gt 0 ]]; then exit 4; fi
	exit 0
}

# ----------------------------------------------------------- set-up ------
TMPD=""
declare -A BG_PID=()
declare -a CLEANUP_HOOKS=()

# on_cleanup CMD: run CMD (a string, eval'd) at exit, after background jobs
# are killed and before the netns are deleted (last registered runs first)
on_cleanup() { CLEANUP_HOOKS+=("$1"); }

topo_cleanup() {
	local rc=$? name h i
	trap - EXIT INT TERM
	for name in "${!BG_PID[@]}"; do
		kill -TERM "${BG_PID[$name]}" 2>/dev/null || true
	done
	for name in "${!BG_PID[@]}"; do
		h=0
		while kill -0 "${BG_PID[$name]}" 2>/dev/null && [[ $h -lt 20 ]]; do
			sleep 0.05; h=$((h + 1))
		done
		kill -KILL "${BG_PID[$name]}" 2>/dev/null || true
		wait "${BG_PID[$name]}" 2>/dev/null || true
	done
	for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_HOOKS[$i]}" >/dev/null 2>&1 || true
	done
	for h in $NS_A $NS_B ${TOPO_EXTRA_NS:-}; do
		ip netns del "$h" 2>/dev/null || true
	done
	[[ -n $TMPD && -z ${XTCP_KEEP_TMP:-} ]] && rm -rf "$TMPD"
	exit "$rc"
}

# require_cmd CMD..: skip the whole test if a command is missing
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ktap_skip_all "missing command '$c'"
	done
}

# topo_init: root + tools + protocol available; installs the cleanup trap.
topo_init() {
	[[ $(id -u) -eq 0 ]] || ktap_skip_all "needs root"
	require_cmd ip
	[[ -x $TOOL ]] || ktap_skip_all "xtcp_tool not built ($TOOL): make -C selftests/tools"
	TMPD=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-$TEST_NAME.XXXXXX")
	trap topo_cleanup EXIT
	trap 'exit 130' INT TERM
	if [[ $PROTO != 6 && ! -e $PROC_SOCKS ]]; then
		# the table is per netns: check from a fresh one too (module maybe
		# loaded but init_net entry hidden by a mount); skip if absent
		ktap_skip_all "$PROC_SOCKS missing: xtcp module not loaded"
	fi
	# best effort: the guest's initramfs may ship these as modules
	if command -v modprobe >/dev/null 2>&1; then
		for m in veth sch_netem sch_ingress cls_u32 act_gact act_pedit act_csum \
			 act_mirred; do
			modprobe -q "$m" 2>/dev/null || true
		done
	fi
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ns_new VAR SUFFIX: create netns "xt-TEST-PID-SUFFIX" with lo up, name in VAR
ns_new() {
	local name="xt-$TEST_NAME-$$-$2"
	ip netns add "$name" || return 1
	TOPO_EXTRA_NS="${TOPO_EXTRA_NS:-} $name"
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# topo_one_ns: NS_A only (loopback tests)
topo_one_ns() {
	ns_new NS_A a || return 1
}

# topo_two_ns [TAG]: NS_A(DEV_A ADDR_A) <-veth-> NS_B(DEV_B ADDR_B), links up;
# TAG (default none) goes into the names, for tests that build several
topo_two_ns() {
	ns_new NS_A "a${1:-}" && ns_new NS_B "b${1:-}" || return 1
	ip link add "$DEV_A" netns "$NS_A" type veth peer name "$DEV_B" netns "$NS_B" || return 1
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$DEV_A" &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$DEV_B" &&
	ip -n "$NS_A" link set "$DEV_A" up &&
	ip -n "$NS_B" link set "$DEV_B" up || return 1
	# fixed neighbour entries: no ARP exchange racing with the first SYN
	local ma mb
	ma=$(ip -n "$NS_A" -o link show "$DEV_A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	mb=$(ip -n "$NS_B" -o link show "$DEV_B" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	ip -n "$NS_A" neigh replace "$ADDR_B" lladdr "$mb" dev "$DEV_A" nud permanent &&
	ip -n "$NS_B" neigh replace "$ADDR_A" lladdr "$ma" dev "$DEV_B" nud permanent
}

# link_mac NS DEV: DEV's MAC address
link_mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# neigh_pin NS1 DEV1 IP1 NS2 DEV2 IP2: fixed neighbour entries both ways
# across one veth (DEV1 in NS1 has IP1, its peer DEV2 in NS2 has IP2)
neigh_pin() {
	ip -n "$1" neigh replace "$6" lladdr "$(link_mac "$4" "$5")" dev "$2" nud permanent &&
	ip -n "$4" neigh replace "$3" lladdr "$(link_mac "$1" "$2")" dev "$5" nud permanent
}
# ns_sysctl NS PATH VALUE: write VALUE to /proc/sys/PATH (dots or slashes)
# inside NS
ns_sysctl() { ip netns exec "$1" sh -c 'echo "$1" > "/proc/sys/$2"' _ "$3" "${2//.//}"; }

# r_links MA MRA MB MRB: veth pairs NS_A(DEV_A, MAC MA) - NS_R(DEV_RA,
# MRA) and NS_B(DEV_B, MB) - NS_R(DEV_RB, MRB), down, unaddressed.
r_links() {
	ip -batch - <<-EOF
		link add $DEV_A netns $NS_A address $1 type veth peer name $DEV_RA netns $NS_R address $2
		link add $DEV_B netns $NS_B address $3 type veth peer name $DEV_RB netns $NS_R address $4
	EOF
}

# translator_port IN OUT FROM TO: frames arriving on R's port IN leave by
# OUT; IPv4 protocol FROM becomes TO on the way (the pedit + csum rule
# that lets xtcp meet the kernel's TCP, plus the redirect). FROM == TO:
# forward only.
translator_port() {
	nsx "$NS_R" tc qdisc add dev "$1" clsact || return 1
	if [[ $3 != "$4" ]]; then
		nsx "$NS_R" tc filter add dev "$1" ingress protocol ip prio 1 u32 \
			match ip protocol "$3" 0xff \
			action pedit ex munge ip protocol set "$4" pipe action csum ip \
			pipe action mirred egress redirect dev "$2" || return 1
	fi
	nsx "$NS_R" tc filter add dev "$1" ingress prio 2 u32 match u32 0 0 \
		action mirred egress redirect dev "$2"
}

# topo_routed [TAG] [noreturn]: a router between two subnets,
#   NS_A(DEV_A ADDR_A/24) <-veth-> (DEV_RA ADDR_RA/24) NS_R (DEV_RB ADDR_RB/24)
#   <-veth-> NS_B(DEV_B ADDR_B2/24)
# R forwards (ip_forward=1); A's default route is via R, and so is B's
# unless "noreturn" (then B knows only its own subnet: A is reachable only
# through a NAT on R). Fixed MAC addresses and neighbour entries on both
# links. One "ip -batch" per namespace: every command costs ~0.6 s on the
# debug kernel under TCG.
topo_routed() {
	local tag=${1:-} mode=${2:-} route=""
	local ma=02:00:0a:00:01:01 mra=02:00:0a:00:01:fe mrb=02:00:0a:00:02:fe mb=02:00:0a:00:02:02
	ns_new NS_A "a$tag" && ns_new NS_B "b$tag" && ns_new NS_R "r$tag" || return 1
	r_links "$ma" "$mra" "$mb" "$mrb" || return 1
	ip -n "$NS_A" -batch - <<-EOF || return 1
		addr add $ADDR_A/24 dev $DEV_A
		link set $DEV_A up
		route add default via $ADDR_RA dev $DEV_A
		neigh replace $ADDR_RA lladdr $mra dev $DEV_A nud permanent
	EOF
	ip -n "$NS_R" -batch - <<-EOF || return 1
		addr add $ADDR_RA/24 dev $DEV_RA
		addr add $ADDR_RB/24 dev $DEV_RB
		link set $DEV_RA up
		link set $DEV_RB up
		neigh replace $ADDR_A lladdr $ma dev $DEV_RA nud permanent
		neigh replace $ADDR_B2 lladdr $mb dev $DEV_RB nud permanent
	EOF
	[[ $mode == noreturn ]] || route="route add default via $ADDR_RB dev $DEV_B"
	ip -n "$NS_B" -batch - <<-EOF || return 1
		addr add $ADDR_B2/24 dev $DEV_B
		link set $DEV_B up
		$route
		neigh replace $ADDR_RB lladdr $mrb dev $DEV_B nud permanent
	EOF
	ns_sysctl "$NS_R" net/ipv4/ip_forward 1
}

# topo_del: delete NS_A, NS_B (and NS_R) now (their sockets with them), so
# that a test can run its next case in fresh namespaces: counters at zero,
# default sysctls, empty tables. Background jobs in them should be over.
topo_del() {
	local ns
	for ns in $NS_A $NS_B $NS_R; do
		ip netns del "$ns" 2>/dev/null
		TOPO_EXTRA_NS=${TOPO_EXTRA_NS// $ns/}
	done
	NS_A=""
	NS_B=""
	NS_R=""
	return 0
}

# ---------------------------------------------------------- waiting ------
# wait_for TIMEOUT_S CMD..: poll CMD every 50 ms until it succeeds (0) or
# TIMEOUT_S elapses (1).
wait_for() {
	local deadline now
	deadline=$(awk -v t="$1" -v n="${EPOCHREALTIME/./}" 'BEGIN { printf "%.0f", n + t * 1000000 }')
	shift
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/./}
		(( now >= deadline )) && return 1
		sleep 0.05
	done
}

# isleep S: sleep that a trapped SIGTERM/SIGINT interrupts at once (a plain
# foreground sleep delays the trap, and the cleanup, until it ends)
isleep() { sleep "$1" & wait $!; }

# now_s: wall clock seconds with microseconds
now_s() { echo "$EPOCHREALTIME"; }
# fdiff A B: A - B as a float
fdiff() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# fcmp "A OP B": float comparison via awk, e.g. fcmp "1.2 < 3"
fcmp() { awk "BEGIN { exit !($1) }"; }

# ---------------------------------------------------- background jobs ----
# bg NAME NS CMD..: run CMD in netns NS in the background (NS "-" = current);
# stdout/stderr in $TMPD/NAME.out / NAME.err, pid in BG_PID[NAME].
bg() {
	local name=$1 ns=$2
	shift 2
	if [[ $ns == - ]]; then
		"$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	else
		ip netns exec "$ns" "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	fi
	BG_PID[$name]=$!
}

# bg_wait NAME [TIMEOUT_S]: wait for job NAME; prints nothing, returns its exit
# code (124 and the job is killed if it runs past TIMEOUT_S, default 60).
bg_wait() {
	local name=$1 timeout=${2:-60} pid=${BG_PID[$1]:-} rc
	[[ -n $pid ]] || return 127
	if ! wait_for "$timeout" bg_done "$name"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "BG_PID[$name]"
		return 124
	fi
	wait "$pid"
	rc=$?
	unset "BG_PID[$name]"
	return $rc
}
bg_done() { ! kill -0 "${BG_PID[$1]}" 2>/dev/null; }
bg_kill() { # bg_kill NAME [SIG]
	local pid=${BG_PID[$1]:-}
	[[ -n $pid ]] && kill "-${2:-TERM}" "$pid" 2>/dev/null
	return 0
}
# bg_out NAME / bg_err NAME: paths of the job's output files
bg_out() { echo "$TMPD/$1.out"; }
bg_err() { echo "$TMPD/$1.err"; }
# bg_diag NAME..: dump jobs' output as KTAP diagnostics
bg_diag() {
	local n
	for n in "$@"; do
		echo "# --- $n stdout:"; ktap_diag_file "$TMPD/$n.out"
		echo "# --- $n stderr:"; ktap_diag_file "$TMPD/$n.err"
	done
}

# out_field NAME KEY WORD: value of WORD=... on the job's line starting with
# KEY, e.g. out_field srv recv sha256
out_field() {
	awk -v k="$2" -v w="$3=" '$1 == k { for (i = 2; i <= NF; i++)
		if (index($i, w) == 1) { print substr($i, length(w) + 1); exit } }' "$TMPD/$1.out"
}
# out_has NAME LINE-REGEX: the job printed a matching line
out_has() { grep -q -- "$2" "$TMPD/$1.out"; }

# sha_match SENDER RECEIVER BYTES: SENDER's "sent" line and RECEIVER's "recv"
# line carry the same sha256, both with BYTES bytes (diagnostics if not)
sha_match() {
	local ss sb rs rb
	ss=$(out_field "$1" sent sha256); sb=$(out_field "$1" sent bytes)
	rs=$(out_field "$2" recv sha256); rb=$(out_field "$2" recv bytes)
	[[ -n $ss && $ss == "$rs" && $sb == "$3" && $rb == "$3" ]] && return 0
	ktap_diag "$1 sent ${sb:-?} bytes sha256=${ss:-?}" \
		"$2 recv ${rb:-?} bytes sha256=${rs:-?} (want $3 bytes)"
	return 1
}
# conn_port NAME: local port on the job's "connected local=IP:PORT" line
conn_port() {
	sed -n 's/^connected local=[0-9.]*:\([0-9]*\) .*/\1/p' "$TMPD/$1.out" | head -n 1
}
# out_wait NAME REGEX [TIMEOUT]: wait until the job printed a matching line
out_wait() { wait_for "${3:-10}" out_has "$1" "$2"; }

# wait_listen NS IP PORT [TIMEOUT]: a LISTEN (0A) socket on IP:PORT exists
wait_listen() {
	wait_for "${4:-10}" sock_has_st "$1" "$2" "$3" 0.0.0.0 0 0A
}

# ---------------------------------------------------------- sockets ------
# proc_hex IP PORT: address as in /proc/net/tcp on a little-endian host
# (10.0.1.1 5000 -> 0101000A:1388)
proc_hex() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1 "$2"
	printf '%02X%02X%02X%02X:%04X' "$4" "$3" "$2" "$1" "$5"
}

# sock_table NS: the socket table of netns NS (PROC_SOCKS) minus the header
sock_table() { ip netns exec "$1" cat "$PROC_SOCKS" 2>/dev/null | tail -n +2; }

# sock_st NS LIP LPORT RIP RPORT: print the st field of matching entries
# (several lines if several; nothing if none). LPORT/RPORT "*" = any port.
sock_st() {
	local l r
	l=$(proc_hex "$2" "${3/\*/0}")
	r=$(proc_hex "$4" "${5/\*/0}")
	[[ $3 == "*" ]] && l=${l%:*}:
	[[ $5 == "*" ]] && r=${r%:*}:
	sock_table "$1" | awk -v l="$l" -v r="$r" '
		(index($2, l) == 1 && index($3, r) == 1) { print $4 }'
}
# sock_has_st NS LIP LPORT RIP RPORT ST: an entry with that state exists
sock_has_st() { sock_st "$1" "$2" "$3" "$4" "$5" | grep -qx "$6"; }
# sock_gone NS LIP LPORT RIP RPORT: no entry for that 4-tuple
sock_gone() { [[ -z $(sock_st "$@") ]]; }
# wait_st TIMEOUT NS LIP LPORT RIP RPORT ST
wait_st() { local t=$1; shift; wait_for "$t" sock_has_st "$@"; }
# count_socks NS [ST]: number of table entries (in state ST)
count_socks() {
	sock_table "$1" | awk -v s="${2:-}" 's == "" || $4 == s { n++ } END { print n + 0 }'
}
# sock_dump NS: table as KTAP diagnostics
sock_dump() { echo "# $PROC_SOCKS in $1:"; ip netns exec "$1" cat "$PROC_SOCKS" | sed 's/^/#   /'; }

# ---------------------------------------------------- sysctls ------------
# xsysctl_path NAME: /proc/sys path of the xtcp sysctl NAME (e.g. syn_retries)
xsysctl_path() { echo "$SYSCTL_DIR$1"; }
# nsnet NS CMD...: CMD in NS's network namespace only. Enough for
# /proc/sys/net (resolved in the opener's namespace), and far cheaper than
# "ip netns exec" (new mount namespace, sysfs remount) on the debug kernel.
nsnet() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
xsysctl_get() { nsnet "$1" cat "$(xsysctl_path "$2")"; }   # NS NAME
xsysctl_set() { nsnet "$1" sh -c 'echo "$1" > "$2"' _ "$3" "$(xsysctl_path "$2")"; } # NS NAME VAL

# ------------------------------------------------- traffic control -------
# delay_add NS DEV MS: netem delay on DEV's egress; 1 if netem is unavailable
delay_add() {
	ip netns exec "$1" tc qdisc replace dev "$2" root netem delay "$3ms" 2>/dev/null
}
delay_del() { ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null; return 0; }
# have_netem: netem can be attached (probed on a throw-away dummy namespace)
have_netem() {
	local ns="xt-probe-$$" ok=1
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" link add p0 type veth peer name p1 2>/dev/null &&
		ip netns exec "$ns" tc qdisc add dev p0 root netem delay 1ms 2>/dev/null && ok=0
	ip netns del "$ns"
	return $ok
}

# u32 matches for the TCP flags byte (IP header without options: TCP at 20,
# flags at 20 + 13 = 33). Values are (value mask).
declare -A DROP_U32=(
	[all]=""
	[syn]="match u8 0x02 0x12 at 33"	# SYN without ACK
	[ackonly]="match u8 0x10 0xff at 33"	# pure ACK, no other flag
	[fin]="match u8 0x01 0x01 at 33"	# any FIN
	[rst]="match u8 0x04 0x04 at 33"	# any RST
)
# same in nft (host fallback: no tc actions there)
declare -A DROP_NFT=(
	[all]=""
	[syn]="@th,104,8 & 0x12 == 0x02"
	[ackonly]="@th,104,8 == 0x10"
	[fin]="@th,104,8 & 0x01 == 0x01"
	[rst]="@th,104,8 & 0x04 == 0x04"
)
DROP_BACKEND=""	# tc or nft, chosen on first use

_drop_backend() {
	[[ -n $DROP_BACKEND ]] && return 0
	local ns="xt-probe-$$"
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" link add p0 type veth peer name p1
	if ip netns exec "$ns" tc qdisc add dev p0 clsact 2>/dev/null &&
	   ip netns exec "$ns" tc filter add dev p0 ingress protocol ip u32 \
		match ip protocol 6 0xff action drop 2>/dev/null; then
		DROP_BACKEND=tc
	elif command -v nft >/dev/null 2>&1 &&
	     ip netns exec "$ns" nft add table netdev probe 2>/dev/null; then
		DROP_BACKEND=nft
	fi
	ip netns del "$ns"
	[[ -n $DROP_BACKEND ]]
}

# drop_add NS DEV ingress|egress WHAT: drop PROTO packets matching WHAT
# (all|syn|ackonly|fin|rst) on DEV. Returns 1 if no backend can do it.
drop_add() {
	local ns=$1 dev=$2 dir=$3 what=$4
	_drop_backend || return 1
	if [[ $DROP_BACKEND == tc ]]; then
		ip netns exec "$ns" tc qdisc replace dev "$dev" clsact 2>/dev/null
		# shellcheck disable=SC2086
		ip netns exec "$ns" tc filter add dev "$dev" "$dir" protocol ip prio 1 u32 \
			match ip protocol "$PROTO" 0xff ${DROP_U32[$what]} action drop
	else
		local hook=$dir chain="xt_${dir}_$dev"
		chain=${chain//-/_}
		ip netns exec "$ns" nft add table netdev xtcp_test &&
		ip netns exec "$ns" nft add chain netdev xtcp_test "$chain" \
			"{ type filter hook $hook device \"$dev\" priority 0 ; }" &&
		ip netns exec "$ns" nft add rule netdev xtcp_test "$chain" \
			ip protocol "$PROTO" ${DROP_NFT[$what]} counter drop
	fi
}
# drop_del_all NS DEV: remove every drop filter of DEV
drop_del_all() {
	local ns=$1 dev=$2
	if [[ $DROP_BACKEND == tc ]]; then
		ip netns exec "$ns" tc qdisc del dev "$dev" clsact 2>/dev/null
	else
		ip netns exec "$ns" nft delete table netdev xtcp_test 2>/dev/null
	fi
	return 0
}

# ---------------------------------------------------------- capture ------
# cap_start NAME NS DEV [FILTER]: tcpdump of PROTO packets (or the pcap FILTER)
# on DEV into $TMPD/NAME.pcap;
# returns once tcpdump is capturing. --immediate-mode: without it packets
# still in a TPACKET_V3 ring block are lost when tcpdump is stopped.
cap_start() {
	local name=$1 ns=$2 dev=$3 filter=${4:-ip proto $PROTO}
	bg "cap_$name" "$ns" tcpdump -i "$dev" -n -U --immediate-mode -s 128 -w "$TMPD/$name.pcap" "$filter"
	wait_for 10 grep -qs "listening on" "$TMPD/cap_$name.err"
}
# cap_stop NAME: stop the capture (flushes the pcap)
cap_stop() {
	bg_kill "cap_$1" INT
	bg_wait "cap_$1" 10 >/dev/null 2>&1
	return 0
}
# cap_decode NAME: one line per captured packet (IPv4, no IP options assumed
# only for offsets inside the TCP header, IHL is honoured):
#   TIME SRC SPORT DST DPORT FLAGS SEQ ACK PAYLOAD_LEN IPPROTO
# FLAGS: letters of FIN SYN RST PSH ACK URG as F S R P A U, e.g. "SA", "FA".
# cap_decode NAME win: the same lines with the window field and, if the
# segment has one, the timestamp option's TSval and TSecr after them.
cap_decode() {
	tcpdump -r "$TMPD/$1.pcap" -n -tt -x 2>/dev/null | awk -v win="${2:-}" '
	function hexval(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function byte(i) { return hexval(substr(hex, 2 * i + 1, 2)) }
	function tsopt(t, doff,   o, k, l) {
		for (o = t + 20; o < t + doff; o += l) {
			k = byte(o)
			if (k == 0) break
			if (k == 1) { l = 1; continue }
			l = byte(o + 1)
			if (l < 2) break
			if (k == 8 && l == 10)
				return sprintf(" ts %.0f %.0f", byte(o + 2) * 16777216 + byte(o + 3) * 65536 + byte(o + 4) * 256 + byte(o + 5), byte(o + 6) * 16777216 + byte(o + 7) * 65536 + byte(o + 8) * 256 + byte(o + 9))
		}
		return ""
	}
	function flush(   ihl, t, f, s, plen, x) {
		if (hex == "") return
		ihl = (byte(0) % 16) * 4
		plen = byte(2) * 256 + byte(3)
		t = ihl
		f = byte(t + 13)
		s = ""
		if (f % 2) s = s "F"
		if (int(f / 2) % 2) s = s "S"
		if (int(f / 4) % 2) s = s "R"
		if (int(f / 8) % 2) s = s "P"
		if (int(f / 16) % 2) s = s "A"
		if (int(f / 32) % 2) s = s "U"
		x = ""
		if (win != "")
			x = sprintf(" win %d", byte(t + 14) * 256 + byte(t + 15)) tsopt(t, int(byte(t + 12) / 16) * 4)
		printf "%s %d.%d.%d.%d %d %d.%d.%d.%d %d %s %.0f %.0f %d %d%s\n", ts,
			byte(12), byte(13), byte(14), byte(15), byte(t) * 256 + byte(t + 1),
			byte(16), byte(17), byte(18), byte(19), byte(t + 2) * 256 + byte(t + 3),
			s,
			byte(t + 4) * 16777216 + byte(t + 5) * 65536 + byte(t + 6) * 256 + byte(t + 7),
			byte(t + 8) * 16777216 + byte(t + 9) * 65536 + byte(t + 10) * 256 + byte(t + 11),
			plen - ihl - int(byte(t + 12) / 16) * 4, byte(9), x
		hex = ""
	}
	/^[0-9]/ { flush(); ts = $1; next }
	/^[ \t]+0x[0-9a-f]+:/ {
		for (i = 2; i <= NF; i++) hex = hex tolower($i)
	}
	END { flush() }'
}

# st_trace TIMEOUT NS LIP LPORT RIP RPORT UNTIL: follow the 4-tuple's state
# until it is UNTIL (status 0) or TIMEOUT whole seconds pass (status 1),
# printing each new state on a line of its own as it is seen ("-" = no
# entry), so a caller can wait for the first line before it acts.  The
# loop runs inside the namespace on bash builtins only and samples every
# ~10 ms: a fork per sample is too slow on the debug kernel to catch a
# state that lasts one path delay (CLOSING).
st_trace() {
	local l r
	l=$(proc_hex "$3" "$4")
	r=$(proc_hex "$5" "$6")
	ip netns exec "$2" bash -c '
		file=$1 l=$2 r=$3 until=$4 last=""
		end=$(( ${EPOCHREALTIME/./} + $5 * 1000000 ))
		exec {nap}<> <(:)	# a pipe nobody writes: read -t naps
		while :; do
			st=-
			while read -r _ la ra s _; do
				[[ $la == "$l" && $ra == "$r" ]] && { st=$s; break; }
			done < "$file"
			[[ $st != "$last" ]] && { echo "$st"; last=$st; }
			[[ $st == "$until" ]] && exit 0
			(( ${EPOCHREALTIME/./} >= end )) && exit 1
			read -r -t 0.01 -u "$nap" _
		done' st_trace "$PROC_SOCKS" "$l" "$r" "$7" "$1"
}
# st_trace_wait NAME: wait until the st_trace job NAME took its first sample
st_trace_wait() { wait_for 10 test -s "$(bg_out "$1")"; }
# st_trace_seen NAME: the states the st_trace job NAME saw, on one line
st_trace_seen() { tr '\n' ' ' <"$(bg_out "$1")" | sed 's/ $//'; }

# With PROTO=6: where TCP counts what an xtcp counter counts, when the Tcp:
# row of /proc/net/snmp has no field of the same name (TcpExt: row of
# /proc/net/netstat; "sockstat tw" for the per-netns TIME_WAIT count).
declare -A STAT_TCPEXT=(
	[Timeouts]=TCPAbortOnTimeout		# connections given up, not each RTO
	[TimeWaitOverflow]=TCPTimeWaitOverflow
	[OrphanOverflow]=TCPAbortOnMemory
	[AbortOnLinger]=TCPAbortOnLinger
	[AbortOnClose]=TCPAbortOnClose
	[AbortOnData]=TCPAbortOnData
	[ChallengeAcks]=TCPChallengeACK
	[SynRetrans]=TCPSynRetrans
	[ListenOverflows]=ListenOverflows
	[ListenDrops]=ListenDrops
	[BacklogDrop]=TCPBacklogDrop
	[SyncookiesSent]=SyncookiesSent
	[SyncookiesRecv]=SyncookiesRecv
	[SyncookiesFailed]=SyncookiesFailed
	[ReqQFullDoCookies]=TCPReqQFullDoCookies
	[ReqQFullDrop]=TCPReqQFullDrop
	[OFOQueue]=TCPOFOQueue
	[PAWSEstab]=PAWSEstab
	[LossProbes]=TCPLossProbes
)

# stat_get NS NAME: a counter of /proc/net/xtcp_stats ("Name value" lines);
# with PROTO=6 the same-named Tcp: field of /proc/net/snmp (OutRsts,
# EstabResets, ActiveOpens, ...) or TCP's counterpart (STAT_TCPEXT,
# CurrTimeWait). Empty if unknown.
stat_get() {
	if [[ $PROTO == 6 && $2 == CurrTimeWait ]]; then
		ip netns exec "$1" cat /proc/net/sockstat |
			awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }'
	elif [[ $PROTO == 6 && -n ${STAT_TCPEXT[$2]:-} ]]; then
		ip netns exec "$1" cat /proc/net/netstat | awk -v k="${STAT_TCPEXT[$2]}" '
			$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
			$1 == "TcpExt:" && h { if (k in col) print $col[k]; exit }'
	elif [[ $PROTO == 6 ]]; then
		ip netns exec "$1" cat /proc/net/snmp | awk -v k="$2" '
			$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
			$1 == "Tcp:" && h { if (k in col) print $col[k]; exit }'
	else
		ip netns exec "$1" cat /proc/net/xtcp_stats 2>/dev/null |
			awk -v k="$2" '$1 == k { print $2; exit }'
	fi
}
