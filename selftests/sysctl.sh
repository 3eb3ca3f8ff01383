#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sysctl.sh - the net.xtcp.* sysctls of PLAN.md, per network namespace.
# For each sysctl (run in a fresh netns A; B is a second fresh netns):
#  NAME-default       value == net.ipv4.tcp_NAME of the same netns
#                     (max_orphans: init_net's net.ipv4.tcp_max_orphans, as
#                     TCP's is global)
#  NAME-rejects-bad   each out-of-range/garbage write fails (EINVAL) and the
#                     value stays unchanged
#  NAME-boundaries    the range's end values are accepted and read back
#  NAME-per-netns     a value set in A is not seen in B nor in init_net
# plus: sysctl -w of a bad value exits non-zero; a netns created after the
# writes starts with the defaults.
# XTCP_PROTO=6 runs it against net.ipv4.tcp_* (max_orphans is not per netns
# there: its per-netns cases are skipped).
source "$(dirname "$0")/lib/topo.sh"

# name | rejected writes | accepted boundary writes | isolation value
# (a comma stands for a space between a vector's values: rmem, wmem; only
# the first value is ever bad, since a later one is refused after the
# earlier ones were stored, in Linux's and xtcp's alike)
SYSCTLS=(
	"syn_retries|0 128 -1 256 abc|1 127|3"
	"fin_timeout|abc 2147483647 2147483648|1 2147483|30"
	"orphan_retries|256 -1 abc|0 255|5"
	"max_orphans|abc 2147483648 1x|0 2147483647|4096"
	"max_tw_buckets|abc 2147483648 1x|0 2147483647|4096"
	"tw_reuse|3 -1 abc|0 2|1"
	"rfc1337|256 -1 abc|0 255|1"
	"invalid_ratelimit|abc 1x|0 2000000|100"
	"challenge_ack_limit|abc 2147483648 1x|0 2147483647|100"
	"synack_retries|256 -1 abc|0 255|3"
	"max_syn_backlog|abc 2147483648 1x|-2147483648 2147483647|64"
	"abort_on_overflow|256 -1 abc|0 255|1"
	"syncookies|256 -1 abc|0 255|2"
	"timestamps|3 256 -1 abc|0 2|0"
	"sack|2 256 -1 abc|0 1|0"
	"dsack|2 256 -1 abc|0 1|0"
	"early_retrans|5 256 -1 abc|0 4|0"
	"recovery|8 256 -1 abc|0 7|0"
	"window_scaling|2 256 -1 abc|0 1|0"
	"moderate_rcvbuf|2 256 -1 abc|0 1|0"
	"rmem|4095,131072,6291456 -1,1,1 abc|4096,4096,4096 2147483647,2147483647,2147483647|8192,65536,1048576"
	"wmem|0,16384,4194304 -1,1,1 abc|1,1,1 2147483647,2147483647,2147483647|8192,32768,1048576"
	"keepalive_time|abc 2147483647 2147483648|1 2147483|30"
	"keepalive_intvl|abc 2147483647 2147483648|1 2147483|30"
	"keepalive_probes|256 -1 abc|0 255|5"
	"retries1|256 -1 abc|0 255|5"
	"retries2|256 -1 abc|0 255|5"
)

# sys_get NS NAME ("-" = init_net); a vector's values joined by commas
sys_get() {
	if [[ $1 == - ]]; then cat "$(xsysctl_path "$2")"; else xsysctl_get "$1" "$2"; fi |
		tr -s '\t ' ','
}
# sys_write NS NAME VALUE: 0 if the write was accepted
sys_write() { xsysctl_set "$1" "$2" "${3//,/ }" 2>/dev/null; }

# tcp_default NS NAME: the kernel TCP value the xtcp default must equal
tcp_default() {
	if [[ $2 == max_orphans ]]; then
		cat /proc/sys/net/ipv4/tcp_max_orphans
	else
		nsnet "$1" cat "/proc/sys/net/ipv4/tcp_$2" | tr -s '\t ' ','
	fi
}

# per_netns NAME: the sysctl exists in a child netns
per_netns() { nsnet "$NS_B" test -e "$(xsysctl_path "$1")"; }

topo_init
ktap_plan $((${#SYSCTLS[@]} * 4 + 2))
ns_new NS_A a && ns_new NS_B b || ktap_skip_all "cannot create network namespaces"
[[ -d ${SYSCTL_DIR%/*} ]] || ktap_skip_all "${SYSCTL_DIR%/*} missing"

declare -A DEF=() INIT=()
for row in "${SYSCTLS[@]}"; do
	IFS='|' read -r name bad good iso <<<"$row"
	INIT[$name]=$(sys_get - "$name" 2>/dev/null)
	if ! per_netns "$name"; then
		if [[ $PROTO == 6 ]]; then
			for c in default rejects-bad boundaries per-netns; do
				ktap_skip "$name-$c" "net.ipv4.tcp_$name is global in Linux"
			done
		else
			for c in default rejects-bad boundaries per-netns; do
				ktap_fail "$name-$c" "$(xsysctl_path "$name") missing in a child netns"
			done
		fi
		continue
	fi

	# default
	DEF[$name]=$(sys_get "$NS_A" "$name")
	want=$(tcp_default "$NS_A" "$name")
	if [[ -n ${DEF[$name]} && ${DEF[$name]} == "$want" ]]; then
		ktap_ok "$name-default"
	else
		ktap_fail "$name-default" "got '${DEF[$name]}' want '$want' (net.ipv4.tcp_$name)"
	fi

	# rejected writes leave the value unchanged
	ok=1
	for v in $bad; do
		if sys_write "$NS_A" "$name" "$v"; then
			ok=0; ktap_diag "write '$v' accepted"
		fi
		now=$(sys_get "$NS_A" "$name")
		[[ $now == "${DEF[$name]}" ]] || { ok=0; ktap_diag "after '$v': value '$now'"; }
	done
	ktap_check "$name-rejects-bad" test $ok = 1

	# boundary values accepted
	ok=1
	for v in $good; do
		if ! sys_write "$NS_A" "$name" "$v"; then
			ok=0; ktap_diag "write '$v' rejected"
		fi
		now=$(sys_get "$NS_A" "$name")
		[[ $now == "$v" ]] || { ok=0; ktap_diag "wrote '$v' read '$now'"; }
	done
	ktap_check "$name-boundaries" test $ok = 1

	# per-netns isolation
	ok=1
	sys_write "$NS_A" "$name" "$iso" || { ok=0; ktap_diag "write '$iso' rejected"; }
	[[ $(sys_get "$NS_A" "$name") == "$iso" ]] || { ok=0; ktap_diag "A does not read back $iso"; }
	b=$(sys_get "$NS_B" "$name")
	[[ $b == "${DEF[$name]}" ]] || { ok=0; ktap_diag "B changed: '$b'"; }
	i=$(sys_get - "$name" 2>/dev/null)
	[[ $i == "${INIT[$name]}" ]] || { ok=0; ktap_diag "init_net changed: '$i' (was '${INIT[$name]}')"; }
	ktap_check "$name-per-netns" test $ok = 1
done

# sysctl(8) reports the failure too (busybox or procps)
if command -v sysctl >/dev/null 2>&1; then
	if nsx "$NS_A" sysctl -w "${SYSCTL_PREFIX}syn_retries=0" >/dev/null 2>&1; then
		ktap_fail "sysctl-w-bad-value-fails" "sysctl -w ${SYSCTL_PREFIX}syn_retries=0 succeeded"
	else
		ktap_ok "sysctl-w-bad-value-fails"
	fi
else
	ktap_skip "sysctl-w-bad-value-fails" "no sysctl command"
fi

# a netns created now gets the defaults, not A's values
ok=1
ns_new NS_C c || ok=0
for name in "${!DEF[@]}"; do
	v=$(sys_get "$NS_C" "$name")
	[[ $v == "${DEF[$name]}" ]] || { ok=0; ktap_diag "fresh netns $name='$v' want '${DEF[$name]}'"; }
done
ktap_check "fresh-netns-gets-defaults" test $ok = 1

ktap_finish
