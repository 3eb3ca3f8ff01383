#!/usr/bin/env python3
"""console-view.py - the parts of a test VM console log that a reader needs
(run-vm.sh --quiet uses it; the log itself is never changed).

  console-view.py --command [LOG]
      Only the guest command's own output: the lines between XTCP-VM-CMD-BEGIN
      and XTCP-VM-CMD-END, without kernel console lines ("[  1.23] ...").
      Reads LOG or stdin line by line and flushes each line, so it can follow
      a console being written (tail -f LOG | console-view.py --command).

  console-view.py --failure [--anchor LINE] [--lines N] LOG
      The part of LOG that explains a failed run, at most N lines (60):
      - with --anchor (the first line scan-klog.sh reported): the log from 5
        lines before that line, in the kernel-log section if there is one;
      - otherwise the last N lines of the console from XTCP-VM-INIT on, with
        the command's output (already shown) and the boot messages of the
        dmesg dump each folded into one "[...]" line. A guest that never
        reached /init keeps its whole boot console.
"""
import re
import sys

KMSG = re.compile(r'^\[\s*\d+\.\d+\]')
RUN_INIT = re.compile(r'^\[\s*\d+\.\d+\] Run /init as init process')


def clean(raw):
    return raw.decode('utf-8', 'replace').rstrip('\r\n').replace('\r', '')


def command(f):
    inside = False
    out = sys.stdout
    for raw in iter(f.readline, b''):
        line = clean(raw)
        if line.startswith('XTCP-VM-CMD-BEGIN'):
            inside = True
        elif line.startswith('XTCP-VM-CMD-END'):
            inside = False
        elif inside and not KMSG.match(line):
            out.write(line + '\n')
            out.flush()


def failure(lines, anchor, nmax):
    begin = next((i for i, l in enumerate(lines)
                  if l.startswith('XTCP-VM-KLOG-BEGIN')), None)
    if anchor is not None:
        anchor = anchor.strip()
        scope = range(begin or 0, len(lines))
        hit = next((i for i in scope if lines[i].strip() == anchor), None)
        if hit is None:  # not verbatim (e.g. kmsg prefix): a substring
            hit = next((i for i in scope if anchor in lines[i]), None)
        if hit is not None:
            start = max(hit - 5, 0 if begin is None else begin + 1)
            return lines[start:start + nmax]
    init = next((i for i, l in enumerate(lines)
                 if l.startswith('XTCP-VM-INIT')), None)
    if init is None:
        return lines[-nmax:]
    # the dmesg dump repeats the boot: fold it up to "Run /init"
    has_boot = any(RUN_INIT.match(l) for l in lines[init:])
    view = []
    section = None  # None, 'cmd' or 'klog'
    boot = False
    left = [0, '']  # lines left out, and what they are

    def leave_out(what):
        if left[0] and left[1] != what:
            flush()
        left[0] += 1
        left[1] = what

    def flush():
        n, what = left
        if n:
            view.append(f'[... {n} line{"s" if n > 1 else ""} of {what}'
                        ' left out ...]')
        left[0] = 0

    for line in lines[init:]:
        if line.startswith('XTCP-VM-CMD-BEGIN'):
            section = 'cmd'
        elif line.startswith('XTCP-VM-CMD-END'):
            section = None
        elif line.startswith('XTCP-VM-KLOG-BEGIN'):
            section, boot = 'klog', has_boot
        elif line.startswith('XTCP-VM-KLOG-END'):
            section = None
        elif section == 'cmd' and not KMSG.match(line):
            leave_out("the command's output (shown above)")
            continue
        elif section == 'klog' and boot and KMSG.match(line):
            if RUN_INIT.match(line):
                boot = False
            else:
                leave_out('boot messages')
                continue
        flush()
        view.append(line)
    flush()
    return view[-nmax:]


def main(argv):
    if argv[:1] == ['--command'] and len(argv) <= 2:
        if len(argv) == 2:
            with open(argv[1], 'rb') as f:
                command(f)
        else:
            command(sys.stdin.buffer)
        return 0
    if argv[:1] == ['--failure']:
        anchor, nmax, args = None, 60, argv[1:]
        while len(args) > 1 and args[0] in ('--anchor', '--lines'):
            if args[0] == '--anchor':
                anchor = args[1]
            else:
                nmax = int(args[1])
            args = args[2:]
        if len(args) == 1:
            with open(args[0], 'rb') as f:
                lines = [clean(raw) for raw in f]
            for line in failure(lines, anchor, nmax):
                print(line)
            return 0
    print(__doc__, file=sys.stderr, end='')
    return 2


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(0)
