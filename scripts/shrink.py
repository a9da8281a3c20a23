#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shrink a cpuset reproducer by delta debugging, one fresh boot per candidate.

dhei-fuzz shrinks in the guest it runs in, by replaying candidates after removing every
cgroup. That fails when the kernel state it found wrong survives the removal (a CPU left in
cpuset.cpus.isolated with no partition left): it then prints every operation. This tool
takes those operations (one shell command per line, "#   " prefixes allowed) and runs each
candidate in its own boot of dhei_repro.sh, two boots at a time, with a check appended: the
candidate diverges when cpuset.cpus.isolated's online CPUs are not the online CPUs of the
valid isolated partitions, or when the kernel warned. Classic ddmin over the lines; the
result goes to OUTDIR/shrunk.sh and stdout.

The script reaches the guest inside an initramfs overlay (/dhei/repro-input.sh), so it is
not limited by the kernel command line as ./dhei repro is.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# This tree's dhei_repro.sh goes into the overlay too: it reads /dhei/repro-input.sh.
REPRO = os.path.join(HERE, '..', 'tools', 'testing', 'selftests', 'cgroup', 'dhei',
                     'dhei_repro.sh')

CHECK = r'''
exp() { echo "$1" | tr ',' '\n' | awk -F- 'NF==1&&$1!=""{print $1} NF==2{for(c=$1;c<=$2;c++)print c}'; }
on=$(exp "$(cat /sys/devices/system/cpu/online)")
held=$(for d in $(find /sys/fs/cgroup -mindepth 1 -type d); do
	[ "$(cat $d/cpuset.cpus.partition 2>/dev/null)" = isolated ] && exp "$(cat $d/cpuset.cpus.effective)"
done | sort -n -u | tr '\n' ' ')
iso=$(for c in $(exp "$(cat /sys/fs/cgroup/cpuset.cpus.isolated)"); do
	echo "$on" | grep -qx "$c" && echo "$c"
done | sort -n -u | tr '\n' ' ')
[ "$iso" = "$held" ] || echo "RESULT-DIVERGED isolated online '$iso', valid isolated partitions '$held'"
dmesg | grep -q "WARNING:" && echo "RESULT-DIVERGED kernel warning"
echo RESULT-END
'''


class Runner:
    def __init__(self, a):
        self.a = a
        self.batch = 0
        self.boots = 0

    def run(self, cands):
        """Boots every candidate (two at a time); returns which diverged."""
        d = os.path.join(self.a.outdir, 'b%d' % self.batch)
        self.batch += 1
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        lines = []
        for i, c in enumerate(cands):
            ov = os.path.join(d, 'ov%d' % i)
            os.makedirs(os.path.join(ov, 'dhei'))
            with open(os.path.join(ov, 'dhei', 'repro-input.sh'), 'w') as f:
                f.write('\n'.join(c) + '\n' + CHECK)
            shutil.copy(REPRO, os.path.join(ov, 'dhei', 'dhei_repro.sh'))
            initrd = os.path.join(d, 'initrd%d.gz' % i)
            with open(initrd, 'wb') as out:
                with open(self.a.initrd, 'rb') as base:
                    shutil.copyfileobj(base, out)
                cpio = subprocess.run('find dhei | cpio -o -H newc --quiet | gzip -1', shell=True,
                                      cwd=ov, check=True, stdout=subprocess.PIPE)
                out.write(cpio.stdout)
            lines.append('\t'.join(['c%d' % i, self.a.kernel, initrd, self.a.append or '-',
                                    os.path.join(d, 'c%d' % i),
                                    os.path.join(d, 'c%d.summary' % i), 'dhei_repro']))
        runs = os.path.join(d, 'runs')
        with open(runs, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        subprocess.run([sys.executable, os.path.join(HERE, 'guest.py'), '--runs', runs,
                        '--jobs', '2'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=1800)
        self.boots += len(cands)
        res = []
        for i in range(len(cands)):
            try:
                with open(os.path.join(d, 'c%d' % i, 'results.log')) as f:
                    t = f.read()
            except OSError:
                t = ''
            if '# RESULT-END' not in t and '# RESULT-DIVERGED' not in t:
                sys.exit('shrink: candidate %d of batch %d did not finish (see %s)' % (i, self.batch - 1, d))
            res.append('# RESULT-DIVERGED' in t)
        shutil.rmtree(d, ignore_errors=True)
        return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--kernel', required=True)
    p.add_argument('--initrd', required=True)
    p.add_argument('--append', default='')
    p.add_argument('--outdir', required=True)
    p.add_argument('file')
    a = p.parse_args()
    ops = []
    with open(a.file) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('#   '):
                line = line[4:]
            if line.strip() and not line.startswith('#'):
                ops.append(line)
    os.makedirs(a.outdir, exist_ok=True)
    r = Runner(a)
    if not r.run([ops])[0]:
        sys.exit('shrink: the %d operations do not diverge in a fresh boot' % len(ops))
    print('shrink: %d operations diverge; shrinking' % len(ops), flush=True)
    n = 2
    while len(ops) >= 2:
        size = (len(ops) + n - 1) // n
        chunks = [ops[i:i + size] for i in range(0, len(ops), size)]
        comps = [sum(chunks[:k] + chunks[k + 1:], []) for k in range(len(chunks))]
        found = None
        for k in range(0, len(comps), 2):
            for c, bad in zip(comps[k:k + 2], r.run(comps[k:k + 2])):
                if bad:
                    found = c
                    break
            if found:
                break
        if found:
            ops = found
            n = max(n - 1, 2)
            print('shrink: %d operations' % len(ops), flush=True)
        elif n >= len(ops):
            break
        else:
            n = min(len(ops), 2 * n)
    out = os.path.join(a.outdir, 'shrunk.sh')
    with open(out, 'w') as f:
        f.write('\n'.join(ops) + '\n')
    print('shrink: %d operations after %d boots (%s):' % (len(ops), r.boots, out))
    print('\n'.join(ops))


if __name__ == '__main__':
    main()
