#!/bin/bash
# smoke-guest.sh - runs INSIDE the test VM (via smoke.sh): checks that the
# guest environment the xtcp selftests rely on works, printing KTAP.
# Usage (guest): smoke-guest.sh DIR   (DIR: shared dir with the host-built
# test binaries; a pcap is written back there)
set -u
D=${1:?usage: smoke-guest.sh DIR}
n=0
t() { # t NAME CMD...: run a check, print its KTAP result
	local name=$1; shift
	n=$((n + 1))
	out=$("$@" 2>&1); rc=$?
	if [[ $rc -eq 0 ]]; then echo "ok $n $name"
	elif [[ $rc -eq 4 ]]; then echo "ok $n $name # SKIP $out"
	else echo "not ok $n $name"; printf '# %s\n' "${out//$'\n'/$'\n'# }"; fi
}
check_hello() { grep -q '^hello ' /proc/modules && [[ $XTCP_MODULE == *hello.ko ]]; }
check_veth() {
	ip link add v0 type veth peer name v1 && ip addr add 10.99.0.1/24 dev v0 &&
	ip link set v0 up && ip netns add a && ip link set v1 netns a &&
	ip -n a addr add 10.99.0.2/24 dev v1 && ip -n a link set v1 up &&
	ip -n a link set lo up && ping -c1 -W5 10.99.0.2 >/dev/null
}
check_netns_exec() { [[ $(ip netns exec a cat /sys/class/net/v1/ifindex) -gt 0 ]] && ip netns exec a ip link show v1 >/dev/null; }
check_netem() { tc qdisc add dev v0 root netem delay 10ms 5ms distribution normal loss 0% && tc qdisc del dev v0 root; }
check_clsact() {
	tc qdisc add dev v0 clsact &&
	tc filter add dev v0 egress protocol ip u32 match ip protocol 253 0xff \
		action pedit ex munge ip ttl set 9 pipe action csum ip
}
check_tcpdump() {
	rm -f "$D/smoke.pcap"
	tcpdump -i v0 -w "$D/smoke.pcap" -U icmp 2>/dev/null & p=$!
	sleep 2; ping -c2 -W5 10.99.0.2 >/dev/null; sleep 1
	kill "$p"; wait "$p"
	[[ -s $D/smoke.pcap ]]
}
check_dyn_bin() { [[ $("$D/hello-dyn") == hello-dyn ]]; }
check_static_bin() { [[ $("$D/hello-static") == hello-static ]]; }
check_sysctl() { sysctl -w net.ipv4.tcp_syncookies=1 >/dev/null && [[ $(sysctl -n net.ipv4.tcp_syncookies) == 1 ]]; }
check_tools() { for c in sha256sum dd head timeout sleep insmod rmmod lsmod modinfo ss nstat ethtool bash; do command -v "$c" >/dev/null || { echo "missing $c"; return 1; }; done; }
check_modinfo() { modinfo "$XTCP_MODULE" | grep -q 'license: *GPL'; }
# modules not preloaded must autoload (kernel -> /sbin/modprobe -> modules.dep/alias)
check_autoload() {
	grep -q . "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null || { echo "no loadable modules (built-in kernel)"; return 4; }
	ip link add d0 type dummy && tc qdisc add dev d0 root tbf rate 1mbit burst 10k latency 50ms &&
	tc qdisc add dev d0 clsact && tc filter add dev d0 ingress matchall action drop
}

echo "TAP version 13"
echo "1..12"
t hello_module_loaded check_hello
t veth_netns_ping check_veth
t netns_exec check_netns_exec
t netem check_netem
t clsact_u32_pedit_csum check_clsact
t tcpdump_pcap_to_share check_tcpdump
t dynamic_host_binary check_dyn_bin
t static_host_binary check_static_bin
t sysctl check_sysctl
t guest_tools_present check_tools
t modinfo check_modinfo
t module_autoload check_autoload
