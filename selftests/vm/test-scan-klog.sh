#!/bin/bash
# test-scan-klog.sh - unit test of scan-klog.sh (and ktap-count.sh,
# console-view.py): feeds it a clean log, a log with each kind of kernel
# report, and logs that must not false-positive. Prints KTAP; exits non-zero
# on any failure. No VM needed.
set -uo pipefail
VM="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0 fails=0
result() { # result OK NAME
	n=$((n + 1))
	if [[ $1 -eq 1 ]]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}
# mklog FILE KLOG-LINE...: a run-vm style log with noisy test output outside
# the kernel-log section and the given lines inside it
mklog() {
	local f=$1; shift
	{
		printf '[    0.000000] Linux version 6.1.0\r\n'
		echo "XTCP-VM-CMD-BEGIN"
		echo "ok 1 WARNING: a test whose name looks bad"
		echo "# BUG: this is test output, not a kernel report"
		echo "Kernel panic - says a test's log message"
		echo "XTCP-VM-CMD-END status=0"
		echo "XTCP-VM-KLOG-BEGIN"
		echo "[    1.000000] xtcp: loaded"
		echo "[    1.100000] xtcp: module verification failed: signature and/or required key missing - tainting kernel"
		printf '%s\n' "$@"
		echo "[    9.000000] xtcp: unloaded"
		echo "XTCP-VM-KLOG-END"
		echo "XTCP-VM-EXIT 0"
	} >"$f"
}
expect() { # expect RC NAME FILE [scan-klog args]
	local want=$1 name=$2 f=$3 got
	shift 3
	"$VM/scan-klog.sh" "$@" "$f" >"$T/out" 2>&1
	got=$?
	result "$([[ $got -eq $want ]] && echo 1 || echo 0)" "$name"
	[[ $got -eq $want ]] || { echo "# expected rc $want, got $got:"; sed 's/^/# /' "$T/out"; }
}

echo "TAP version 13"
mklog "$T/clean" \
	'[    2.000000] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!' \
	'[    2.100000] clocksource: timekeeping watchdog on CPU0: Marking clocksource '"'tsc'"' as unstable because the skew is too large:' \
	'[    2.200000] FAULT_INJECTION: forcing a failure.' \
	'[    2.300000] Call Trace:' \
	'[    2.400000] ok 3 WARNING: ktap line a test wrote to /dev/kmsg' \
	'[    2.500000] # BUG: diagnostic a test wrote to /dev/kmsg' \
	'[    2.600000] rcu: Hierarchical RCU implementation.' \
	'[    2.700000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15723)'
expect 0 "clean log with benign lines passes" "$T/clean"

BAD=(
	'[   12.345678] WARNING: CPU: 1 PID: 123 at net/xtcp/foo.c:42 xtcp_foo+0x12/0x40 [xtcp]'
	'[   12.345678] ------------[ cut here ]------------ WARNING: at net/xtcp/x.c:1'
	'[   12.345678] BUG: KASAN: slab-use-after-free in xtcp_close+0x1a/0x2b [xtcp]'
	'[   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008'
	'[   12.345678] Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI'
	'[   12.345678] kernel BUG at net/core/skbuff.c:123!'
	'[   12.345678] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN'
	'[   12.345678] UBSAN: array-index-out-of-bounds in net/xtcp/x.c:10:5'
	'[   12.345678] WARNING: possible circular locking dependency detected'
	'[   12.345678] WARNING: inconsistent lock state'
	'[   12.345678] WARNING: possible recursive locking detected'
	'[   12.345678] WARNING: suspicious RCU usage'
	'[   12.345678] WARNING: lock held when returning to user space!'
	'[   12.345678] WARNING: bad unlock balance detected!'
	'[   12.345678] INFO: task xtcp_test:123 blocked for more than 120 seconds.'
	'[   12.345678] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
	'unreferenced object 0xffff888003a4b200 (size 64):'
	'[   12.345678] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'[   12.345678] Kernel panic - not syncing: Fatal exception in interrupt'
	'[   12.345678] refcount_t: underflow; use-after-free.'
	'[   12.345678] list_add corruption. next->prev should be prev (ffff88800a0b0c00), but was 0000000000000000.'
	'[   12.345678] list_del corruption, ffff88800a0b0c00->next is LIST_POISON1 (dead000000000100)'
	'[   12.345678] ODEBUG: free active (active state 0) object: ffff88800a0b0c00 object type: timer_list hint: xtcp_timer+0x0/0x10 [xtcp]'
	'[   12.345678] BUG: KFENCE: out-of-bounds read in xtcp_x+0x1/0x2 [xtcp]'
	'[   12.345678] BUG: sleeping function called from invalid context at mm/slab.h:1'
	'[   12.345678] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:1]'
	'[   12.345678] BUG kmalloc-64 (Not tainted): Poison overwritten'
)
i=0
for b in "${BAD[@]}"; do
	i=$((i + 1))
	mklog "$T/bad$i" "$b"
	expect 1 "detects: ${b#\[*\] }" "$T/bad$i"
done

# A crashed guest leaves no kernel-log section: the whole log is scanned.
printf '%s\n' "XTCP-VM-CMD-BEGIN" "ok 1 foo" \
	"[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000" >"$T/crash"
expect 1 "no-marker (crashed) log is scanned whole" "$T/crash"
printf '%s\n' "[    1.000000] xtcp: loaded" "ok 1 foo" >"$T/plain"
expect 0 "clean plain dmesg passes" "$T/plain"
mklog "$T/ign" '[   12.345678] WARNING: CPU: 0 PID: 1 at drivers/foo.c:1 foo_probe+0x1/0x2'
XTCP_KLOG_IGNORE='at drivers/foo\.c' expect 0 "XTCP_KLOG_IGNORE suppresses a known line" "$T/ign"
expect 1 "--all also scans test output" "$T/clean" --all
expect 2 "usage error on a missing file" "$T/does-not-exist"
# --boot: only what the kernel said before the guest's /init (run-vm.sh
# boots again then: xtcp was not loaded yet)
printf '%s\r\n' '[    0.000000] Linux version 7.0.0' \
	'[    2.411257] Oops: int3: 0000 [#1] SMP NOPTI' \
	'[    2.414227] Kernel panic - not syncing: Fatal exception in interrupt' >"$T/bootoops"
expect 1 "--boot: a report during boot, no /init" "$T/bootoops" --boot
printf '%s\r\n' '[    0.000000] Linux version 7.0.0' '[    2.4] Oops: int3: 0000 [#1] SMP NOPTI' \
	XTCP-VM-INIT 'XTCP-VM: loaded xtcp.ko (xtcp)' >"$T/bootoops2"
expect 1 "--boot: a report before XTCP-VM-INIT" "$T/bootoops2" --boot
printf '%s\r\n' '[    0.000000] Linux version 6.1.0' XTCP-VM-INIT \
	'[   12.3] WARNING: CPU: 1 PID: 123 at net/xtcp/foo.c:42 xtcp_foo+0x12/0x40 [xtcp]' \
	XTCP-VM-KLOG-BEGIN '[   12.3] WARNING: CPU: 1 PID: 123 at net/xtcp/foo.c:42' XTCP-VM-KLOG-END >"$T/lateoops"
expect 0 "--boot: a report after XTCP-VM-INIT is not the boot's" "$T/lateoops" --boot
expect 1 "... but the run's (scanned without --boot)" "$T/lateoops"

# ktap-count.sh on a nested kselftest-style log
cat >"$T/ktap" <<'EOF'
XTCP-VM-CMD-BEGIN
TAP version 13
1..3
# selftests: xtcp: basic
# TAP version 13
# 1..3
# #  RUN           global.a ...
# #            OK  global.a
# ok 1 global.a
# not ok 2 global.b
# ok 3 global.c # SKIP no ipv6
not ok 1 selftests: xtcp: basic # exit=1
# selftests: xtcp: crashy
# TAP version 13
# 1..2
# ok 1 global.x
not ok 2 selftests: xtcp: crashy # exit=139
    KTAP version 1
    1..2
    ok 1 case_one
    ok 2 case_two # XFAIL
ok 3 kunit_style
[   10.000000] ok 99 kernel line ignored
XTCP-VM-CMD-END status=1
XTCP-VM-EXIT 1
TAP version 13
1..1
ok 1 host-side test outside the markers
EOF
got=$("$VM/ktap-count.sh" --vm-only "$T/ktap")
# a, x, case_one, case_two pass; b fails; crashy: 1 missing; c skipped
result "$([[ $got == "4 2 1" ]] && echo 1 || echo 0)" "ktap-count --vm-only nested log: '$got' == '4 2 1'"
got=$("$VM/ktap-count.sh" "$T/ktap")
result "$([[ $got == "5 2 1" ]] && echo 1 || echo 0)" "ktap-count counts host-side KTAP too: '$got' == '5 2 1'"
printf '%s\n' XTCP-VM-CMD-BEGIN 'TAP version 13' '1..5' 'ok 1 a' 'ok 2 b' >"$T/crashed"
got=$("$VM/ktap-count.sh" "$T/crashed")
result "$([[ $got == "2 4 0" ]] && echo 1 || echo 0)" "ktap-count crashed run: '$got' == '2 4 0'"
printf '%s\n' XTCP-VM-CMD-BEGIN 'echo only' 'XTCP-VM-CMD-END status=2' >"$T/notap"
got=$("$VM/ktap-count.sh" "$T/notap")
result "$([[ $got == "0 1 0" ]] && echo 1 || echo 0)" "ktap-count failed command without TAP: '$got' == '0 1 0'"

# console-view.py: what run-vm.sh --quiet shows of a console
printf '%s\r\n' '[    0.000000] Linux version 6.1.0' '[    0.500000] boot chatter' \
	XTCP-VM-INIT 'XTCP-VM: loaded xtcp.ko (xtcp)' XTCP-VM-CMD-BEGIN '=== 1. stage' \
	'[    2.000000] xtcp: a kernel message mid-command' 'table line' \
	'XTCP-VM-CMD-END status=1' 'XTCP-VM: guest command took 1s, status 1' \
	XTCP-VM-KLOG-BEGIN '[    0.000000] Linux version 6.1.0' '[    0.500000] boot chatter' \
	'[    1.000000] Run /init as init process' \
	'[    2.000000] xtcp: a kernel message mid-command' XTCP-VM-KLOG-END \
	'XTCP-VM-EXIT 1' >"$T/view"
view_is() { # view_is NAME EXPECTED console-view.py ARGS...
	local name=$1 want=$2 got
	shift 2
	got=$("$VM/console-view.py" "$@" 2>&1)
	result "$([[ $got == "$want" ]] && echo 1 || echo 0)" "console-view: $name"
	[[ $got == "$want" ]] || { echo "# got:"; sed 's/^/# /' <<<"$got"; }
}
view_is "--command: only the command's own output" $'=== 1. stage\ntable line' \
	--command "$T/view"
view_is "--command reads a stream" $'=== 1. stage\ntable line' --command <"$T/view"
view_is "--failure: console after /init, command output and boot folded" \
"XTCP-VM-INIT
XTCP-VM: loaded xtcp.ko (xtcp)
XTCP-VM-CMD-BEGIN
[... 1 line of the command's output (shown above) left out ...]
[    2.000000] xtcp: a kernel message mid-command
[... 1 line of the command's output (shown above) left out ...]
XTCP-VM-CMD-END status=1
XTCP-VM: guest command took 1s, status 1
XTCP-VM-KLOG-BEGIN
[... 2 lines of boot messages left out ...]
[    1.000000] Run /init as init process
[    2.000000] xtcp: a kernel message mid-command
XTCP-VM-KLOG-END
XTCP-VM-EXIT 1" --failure "$T/view"
view_is "--failure --lines 2: the last 2" $'XTCP-VM-KLOG-END\nXTCP-VM-EXIT 1' \
	--failure --lines 2 "$T/view"
w=${BAD[0]}
view_is "--failure --anchor: from 5 lines before the report, in the KLOG section" \
"[    1.000000] xtcp: loaded
[    1.100000] xtcp: module verification failed: signature and/or required key missing - tainting kernel
$w
[    9.000000] xtcp: unloaded" --failure --anchor "$w" --lines 4 "$T/bad1"
view_is "--failure of a guest that never reached /init: its last lines" \
	'[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000' \
	--failure --lines 1 "$T/crash"

echo "1..$n"
echo "# test-scan-klog: $((n - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
