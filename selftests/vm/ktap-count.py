#!/usr/bin/env python3
"""ktap-count.py - count KTAP/TAP13 results in a test VM console log.

Prints "PASSED FAILED SKIPPED" on one line (use ktap-count.sh as the CLI).
Counting rules:
- Every leaf result counts once: a kselftest-harness test case (a nested
  "ok N name", indented by spaces or "# ") is one test; a result that closes
  a block of nested results is only a summary and is not counted again,
  except that a "not ok" summary whose subtests all passed counts 1 failure
  (e.g. the test binary crashed after its last reported case).
- "# SKIP" and "# TODO" results count as skipped, "# XFAIL" as passed.
- Missing results against a plan ("1..N") count as failures; so does
  "Bail out!".
- Results anywhere in the log count (host-side KTAP, e.g. unit tests run by
  make, as well as the guest's). XTCP-VM-CMD-BEGIN/END (run-vm.sh) delimit
  the guest command's output: a block with a non-zero "XTCP-VM-CMD-END
  status=N" and no failure counted in it, or with no END marker (crashed or
  timed-out guest), counts 1 failure. Kernel console lines ("[  1.23] ...",
  including KTAP a test wrote to /dev/kmsg) are ignored.
Options: --vm-only (count only inside CMD blocks), -v (list failures on
stderr).
"""
import re
import sys

RESULT = re.compile(r'^(not ok|ok)(?:\s+(\d+))?(?:\s+-)?(?:\s+(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)')
VERSION = re.compile(r'^(TAP version \d+|KTAP version \d+)')
PREFIX = re.compile(r'^((?:#(?= |$) ?|\s)*)(.*)$')
DIRECTIVE = re.compile(r'#\s*(SKIP|TODO|XFAIL)\b', re.I)
KMSG = re.compile(r'^\[\s*\d+\.\d+\]')


class Counter:
    def __init__(self, verbose=False):
        self.p = self.f = self.s = 0
        self.verbose = verbose
        self.frames = {}  # depth -> {'plan', 'n', 'fails'}

    def fail(self, why, n=1):
        self.f += n
        if self.verbose:
            print(f'FAIL: {why}', file=sys.stderr)

    def _frame(self, d):
        return self.frames.setdefault(d, {'plan': None, 'n': 0, 'fails': 0})

    def _close(self, d):
        """Finalize and remove the frame at depth d; return its failures."""
        fr = self.frames.pop(d, None)
        if not fr:
            return 0
        missing = (fr['plan'] or 0) - fr['n']
        if missing > 0:
            self.fail(f'{missing} planned result(s) missing at depth {d}', missing)
            fr['fails'] += missing
        return fr['fails']

    def _close_deeper(self, d):
        """Close frames deeper than d; return (had results, failures)."""
        deeper = sorted((k for k in self.frames if k > d), reverse=True)
        had = any(self.frames[k]['n'] for k in deeper)
        fails = 0
        for k in deeper:
            fails += self._close(k)
        return had, fails

    def line(self, raw):
        if KMSG.match(raw):
            return
        m = PREFIX.match(raw.rstrip())
        depth, text = len(m.group(1).expandtabs(8)), m.group(2)
        if VERSION.match(text):
            self._close_deeper(depth - 1)
        elif PLAN.match(text):
            self._frame(depth)['plan'] = int(PLAN.match(text).group(1))
        elif text.startswith('Bail out!'):
            self.fail(text)
        elif RESULT.match(text):
            self.result(depth, RESULT.match(text))

    def result(self, d, m):
        ok = m.group(1) == 'ok'
        desc = m.group(3) or ''
        dm = DIRECTIVE.search(desc)
        directive = dm.group(1).upper() if dm else ''
        had_children, child_fails = self._close_deeper(d)
        fr = self._frame(d)
        fr['n'] += 1
        failed = 0
        if had_children:
            if not ok and directive not in ('SKIP', 'TODO') and child_fails == 0:
                failed = 1
                self.fail(f'not ok {desc} (subtests all passed)')
        elif directive in ('SKIP', 'TODO'):
            self.s += 1
        elif ok or directive == 'XFAIL':
            self.p += 1
        else:
            failed = 1
            self.fail(f'not ok {m.group(2) or ""} {desc}')
        fr['fails'] += failed + child_fails

    def end(self):
        fails = self._close_deeper(-1)[1]
        return fails


def main(argv):
    verbose = '-v' in argv
    vm_only = '--vm-only' in argv
    files = [a for a in argv if a not in ('-v', '--vm-only')]
    if len(files) != 1:
        print('usage: ktap-count.sh [--vm-only] [-v] LOGFILE|-', file=sys.stderr)
        return 2
    f = sys.stdin if files[0] == '-' else open(files[0], errors='replace')
    lines = [l.replace('\r', '').rstrip('\n') for l in f]
    c = Counter(verbose)
    inside, before = False, 0
    for l in lines:
        if l.startswith('XTCP-VM-CMD-BEGIN'):
            c.end()
            if inside:  # previous block never ended
                c.fail('guest command output ended without XTCP-VM-CMD-END')
            inside, before = True, c.f
            continue
        if l.startswith('XTCP-VM-CMD-END'):
            c.end()
            st = l.partition('status=')[2].strip()
            if inside and st not in ('', '0') and c.f == before:
                c.fail(f'guest command exited with status {st}')
            inside = False
            continue
        if inside or not vm_only:
            c.line(l)
    c.end()
    if inside:
        c.fail('guest command output ended without XTCP-VM-CMD-END (crash/timeout)')
    print(c.p, c.f, c.s)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
