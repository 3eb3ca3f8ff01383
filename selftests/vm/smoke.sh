#!/bin/bash
# smoke.sh - self-test of the VM test infrastructure: builds a trivial hello
# module and host test binaries (dynamic + static) in .cache/smoke/KERNEL,
# boots KERNEL with run-vm.sh, runs smoke-guest.sh (KTAP) in the guest, then
# decodes the guest-written pcap on the host with tshark.
# Usage: smoke.sh [KERNEL]     (default 6.1; see get-kernel.sh)
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
K=${1:-6.1}
W=$CACHE/smoke/${K//\//_}
rm -rf "$W"; mkdir -p "$W"
printf '%s\n' '#include <linux/module.h>' \
	'static int __init h_init(void) { pr_info("hello: loaded\n"); return 0; }' \
	'static void __exit h_exit(void) { pr_info("hello: unloaded\n"); }' \
	'module_init(h_init); module_exit(h_exit);' 'MODULE_LICENSE("GPL");' >"$W/hello.c"
echo 'obj-m := hello.o' >"$W/Kbuild"
"$VMDIR/kmake.sh" "$K" -s M="$W" modules
echo 'int main(void){puts(NAME);return 0;}' >"$W/h.c"
gcc -include stdio.h -DNAME='"hello-dyn"' -o "$W/hello-dyn" "$W/h.c"
gcc -include stdio.h -DNAME='"hello-static"' -static -o "$W/hello-static" "$W/h.c"
rc=0
"$VMDIR/run-vm.sh" --kernel "$K" --module "$W/hello.ko" --timeout "${TIMEOUT:-600}" \
	-- "$VMDIR/smoke-guest.sh" "$W" | tee "$W/console.log" || rc=$?
echo "# host: tshark decode of the guest pcap:"
if tshark -r "$W/smoke.pcap" -d ip.proto==253,tcp 2>&1 | grep -q ICMP; then
	echo "ok 1 host_decodes_guest_pcap"
else
	echo "not ok 1 host_decodes_guest_pcap"; rc=1
fi
echo "smoke($K): $("$VMDIR/ktap-count.sh" "$W/console.log") (P F S), run-vm exit $rc"
exit $rc
