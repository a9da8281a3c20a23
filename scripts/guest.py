#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel in QEMU (TCG), collect results from the second serial port, and judge.

A run fails when a test program fails or does not finish, when KUnit reports a failure or
does not run, when the guest does not finish in time (its last console lines are shown), or
when the kernel log holds a warning, BUG, Oops, lockdep report or RCU stall.
"""
import argparse
import base64
import binascii
import os
import re
import socket
import queue
import subprocess
import sys
import threading
import time
import zlib

KERNEL_BAD = re.compile(
    r"WARNING:|BUG:|Oops|Kernel panic|general protection fault|"
    r"possible recursive locking|possible circular locking|inconsistent lock state|"
    r"suspicious RCU usage|rcu_\w+ detected stalls|rcu: INFO: .*stall|"
    r"watchdog: BUG: soft lockup|hung_task|UBSAN:|KASAN:|refcount_t: ")
TAP_LINE = re.compile(r"^(not ok|ok) (\d+)\b(.*)$")
KUNIT_TOTALS = re.compile(r"# Totals: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)")
KUNIT_CASE = re.compile(r"^\s+(not ok|ok) \d+ (\S+)", re.M)
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")


# Tests that count local timer interrupts against HZ: a boot that runs one of them never
# shares the host with another such boot (--jobs), so that its vCPU threads get the host's
# CPUs. The other boots run beside it; their load takes at most about one host CPU.
TIMING = {"dhei_timers", "dhei_nohz_dynamic", "dhei_busy_machine"}

# A guest whose result port has been silent this long is hung: the guest's init writes a
# heartbeat every 10 s while its tests run.
SILENCE = 120


def boot(args, outdir, extra="", only="", deadline=None):
    """Boot once; return (console, results, seconds, qemu rc, timed_out).

    The run ends at `deadline` seconds (args.timeout by default) or after SILENCE seconds
    without output on the result port. A hung guest then gets an NMI, which panics it
    (unknown_nmi_panic) and prints every task's stack (panic_print=1) on the console
    before it is killed, so that a silent freeze is shown, not only reported.
    """
    os.makedirs(outdir, exist_ok=True)
    console = os.path.join(outdir, "console.log")
    results = os.path.join(outdir, "results.log")
    monitor = os.path.join(outdir, "monitor.sock")
    for f in (console, results, monitor):
        if os.path.exists(f):
            os.unlink(f)
    append = (f"console=ttyS0 log_buf_len=8M dhei.mode={args.mode} panic=-1 "
              f"unknown_nmi_panic panic_print=1 {args.append} {extra}").strip()
    if only:
        append += f" dhei.only={only}"
    # dhei.numa=2: two NUMA nodes, the first half of the CPUs and of the memory on node 0,
    # one socket each (CPUs of one last-level cache must share a node).
    numa, smp = [], str(args.smp)
    if "dhei.numa=2" in extra.split():
        half = args.smp // 2
        smp = f"{args.smp},sockets=2,cores={half},threads=1"
        size = int(args.mem.rstrip("G")) * 512
        for n, cpus in ((0, f"0-{half - 1}"), (1, f"{half}-{args.smp - 1}")):
            numa += ["-object", f"memory-backend-ram,id=m{n},size={size}M",
                     "-numa", f"node,nodeid={n},cpus={cpus},memdev=m{n}"]
    # --jobs: a boot without timing checks runs at nice 10 beside one with them, whose
    # vCPU threads then get about 90% of a host CPU when both want the same one.
    nice = ["nice", "-n", "10"] if getattr(args, "nice", False) else []
    cmd = [*nice, "qemu-system-x86_64", "-accel", args.accel, "-cpu", args.cpu, "-smp", smp, "-m", args.mem, *numa,
           "-kernel", args.kernel, "-initrd", args.initrd, "-append", append,
           "-display", "none", "-monitor", f"unix:{monitor},server=on,wait=off", "-no-reboot",
           "-serial", f"file:{console}", "-serial", f"file:{results}"]
    deadline = deadline or args.timeout
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    timed_out = False
    last, last_size = t0, -1
    while proc.poll() is None:
        time.sleep(2)
        now = time.time()
        size = os.path.getsize(results) if os.path.exists(results) else 0
        if size != last_size:
            last, last_size = now, size
        why = ("deadline" if now - t0 > deadline else
               "silence" if now - last > SILENCE else None)
        if why:
            timed_out = True
            print(f"guest: {why}: no result for {now - last:.0f}s after {now - t0:.0f}s;"
                  " sending an NMI to show the tasks")
            nmi(monitor)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            break
    return console, results, time.time() - t0, proc.returncode, timed_out


def nmi(monitor):
    """Inject an NMI into every vCPU through the QEMU monitor."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(monitor)
            sock.sendall(b"nmi\n")
            time.sleep(1)
    except OSError as e:
        print(f"guest: cannot reach the QEMU monitor: {e}")


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        return ""


def parse_results(text):
    """Split the framed results into {name: (rc, lines)}, plus dmesg and completion."""
    tests, order, cur, lines, dmesg, done, in_dmesg = {}, [], None, [], [], False, False
    packed = False
    for line in text.splitlines():
        if line.startswith("### BEGIN "):
            cur, lines = line[10:].strip(), []
        elif line.startswith("### END ") and cur:
            m = re.search(r"rc=(\d+)", line)
            tests[cur] = (int(m.group(1)) if m else None, lines, line)
            order.append(cur)
            cur = None
        elif line.startswith("### DMESG"):
            in_dmesg, packed = True, "gzip" in line
        elif line.startswith("### DONE"):
            done, in_dmesg = True, False
        elif in_dmesg:
            dmesg.append(line)
        elif cur is not None:
            lines.append(line)
    if dmesg and packed:
        dmesg = unpack(dmesg)
    return tests, order, cur, dmesg, done


def unpack(b64_lines):
    """The guest's "dmesg | gzip | base64", as text lines; as much as arrived of a cut one."""
    parts = []
    for line in b64_lines:
        try:
            parts.append(base64.b64decode(line.strip()))
        except (binascii.Error, ValueError):
            break
    data = b"".join(parts)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        text = d.decompress(data)
    except zlib.error:
        text = b""
    return text.decode("utf-8", "replace").replace("\r", "").splitlines()


def entries(with_timeout=False):
    """(name, kind, boot args[, timeout]) of every test in scripts/guest/tests.list, in order."""
    out = []
    with open(os.path.join(os.path.dirname(__file__), "guest", "tests.list")) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                e = (parts[0], parts[1], "" if parts[3] == "-" else parts[3].replace(",", " "))
                out.append(e + (int(parts[2]),) if with_timeout else e)
    return out


def judge(args, expected, count_kunit, console, results, elapsed, rc, timed_out):
    passed = failed = 0
    args.skipped = getattr(args, "skipped", 0)
    problems = []
    ctext, rtext = read(console), read(results)
    tests, order, unfinished, dmesg, done = parse_results(rtext)
    dmesg_log = os.path.join(os.path.dirname(results), "dmesg.log")
    with open(dmesg_log, "w") as f:
        f.write("\n".join(dmesg) + "\n")
    print(f"guest: booted {args.smp} CPUs, finished in {elapsed:.0f}s"
          + (" (TIMED OUT)" if timed_out else ""))
    if args.mode == "demo":
        t = tests.get("demo")
        for line in (t[1] if t else []):
            print(line)
        if not t or t[0] != 0:
            problems.append("demo did not complete")
    else:
        kind = {n: k for n, k, _ in entries()}
        for name in expected:
            if name not in tests:
                failed += 1
                print(f"not ok - {name}: did not finish" + (" (was running at the end)" if name == unfinished else ""))
                continue
            trc, lines, endline = tests[name]
            secs = ""
            m = re.search(r"start=([\d.]+) end=([\d.]+)", endline)
            if m:
                secs = f" [{float(m.group(2)) - float(m.group(1)):.0f}s]"
            if kind[name].rstrip("*") == "tap":
                p = f = sk = 0
                for line in lines:
                    mt = TAP_LINE.match(line)
                    if mt:
                        if mt.group(1) == "ok" and "# SKIP" not in mt.group(3):
                            p += 1
                        elif (mt.group(1) == "ok" and args.allow_skip
                              and args.allow_skip in mt.group(3).partition("# SKIP")[2]):
                            sk += 1
                            print(f"  {name}: {line}")
                        else:
                            f += 1
                            print(f"  {name}: {line}")
                plans = [int(m.group(1)) for m in (re.match(r"^1\.\.(\d+)$", l) for l in lines) if m]
                if plans and plans[0] != p + f + sk:
                    f += 1
                    print(f"  {name}: planned {plans[0]} results, printed {p + f + sk - 1}")
                if trc != 0:
                    f += 1
                    print(f"  {name}: exit status {trc}")
                if p + f + sk == 0:
                    f += 1
                    print(f"  {name}: printed no TAP result")
                print(f"{'ok' if f == 0 else 'not ok'} - {name}: {p} passed, {f} failed"
                      + (f", {sk} skipped" if sk else "") + secs)
                passed, failed, args.skipped = passed + p, failed + f, args.skipped + sk
            else:
                rows = [int(x) for x in re.findall(r"All (\d+) tests of \w+ PASSED", "\n".join(lines))]
                extra = f" ({sum(rows)} table rows)" if rows else ""
                skipped = [l for l in lines if re.search(r"\bSKIP", l)]
                if trc == 0 and skipped:
                    failed += 1
                    print(f"not ok - {name}: exit 0 but skipped part: {skipped[0]}")
                elif trc == 0:
                    passed += 1
                    print(f"ok - {name}: exit 0{extra}{secs}")
                else:
                    failed += 1
                    print(f"not ok - {name}: exit {trc}{secs}; last lines:")
                    for line in lines[-15:]:
                        print(f"    {line}")
        # KUnit (Rust doctests among them), from the kernel log. The console log has every
        # message up to KERN_INFO from the start of boot; the dmesg ring buffer may have
        # wrapped. KUnit runs, and is counted, in every boot.
        klog = "\n".join(TS.sub("", l) for l in ctext.splitlines())
        if args.no_kunit and KUNIT_TOTALS.search(klog):
            failed += 1
            print("not ok - kunit: --no-kunit, but this kernel ran KUnit")
        count_kunit = count_kunit and not args.no_kunit
        tot = KUNIT_TOTALS.findall(klog) if count_kunit else [("0", "0", "0", "0")]
        cases = KUNIT_CASE.findall(klog)
        if not tot:
            failed += 1
            print("not ok - kunit: no KUnit results in the kernel log")
        else:
            kp = sum(int(t[0]) for t in tot)
            kf = sum(int(t[1]) for t in tot)
            ks = sum(int(t[2]) for t in tot)
            ours = [c for c in cases if re.search(r"rust_doctest_kernel_(cpu|cpumask|cpuset_hk)_rs", c[1])]
            ours_ok = sum(1 for c in ours if c[0] == "ok")
            for c in cases:
                if c[0] != "ok":
                    print(f"  kunit: not ok {c[1]}")
            if args.no_kunit:
                print("kunit: not run (--no-kunit: the kernel has no KUnit)")
            if count_kunit:
                print(f"{'ok' if kf + ks == 0 else 'not ok'} - kunit: {kp} passed, {kf} failed, {ks} skipped"
                      f" (cpu, cpumask, cpuset_hk doctests: {ours_ok}/{len(ours)})")
            passed, failed = passed + kp, failed + kf + ks
            if count_kunit and not ours:
                failed += 1
                print("not ok - kunit: none of our doctests (cpu, cpumask, cpuset_hk) ran")
    if timed_out or not done:
        problems.append("guest did not finish" + (f" within {args.timeout}s" if timed_out else ""))
        print("last console lines:")
        for line in ctext.splitlines()[-25 if not timed_out else -400:]:
            print(f"    {line}")
    bad = sorted({l for l in dmesg + ctext.splitlines() if KERNEL_BAD.search(l)})
    if bad:
        problems.append(f"kernel log has {len(bad)} warning/BUG/lockdep/stall lines")
        for l in bad[:20]:
            print(f"    {l}")
    for p in problems:
        failed += 1
        print(f"not ok - guest: {p}")
    print(f"logs: {console} {results} {dmesg_log}")
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="test", choices=["test", "demo"])
    ap.add_argument("--kernel")
    ap.add_argument("--initrd")
    ap.add_argument("--outdir")
    ap.add_argument("--smp", type=int, default=8)
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--accel", default="tcg", help="QEMU -accel (tcg,thread=single: one host thread)")
    ap.add_argument("--cpu", default="qemu64", help="QEMU -cpu model")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--only", default="", help="comma-separated test names (tests.list)")
    ap.add_argument("--append", default="")
    ap.add_argument("--summary-file", default="")
    ap.add_argument("--no-kunit", action="store_true",
                    help="the kernel has no KUnit: do not require KUnit results")
    ap.add_argument("--allow-skip", default="", metavar="REASON",
                    help="count TAP results marked '# SKIP ...REASON...' as skipped (reported),"
                         " not failed")
    ap.add_argument("--runs", default="", metavar="FILE",
                    help="several kernels in one schedule: one line per run, tab-separated:"
                         " label kernel initrd append outdir summary-file only ('-': empty)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="boots at a time (never two with timing checks, see TIMING)")
    args = ap.parse_args()
    if not args.runs and not (args.kernel and args.initrd and args.outdir):
        ap.error("--kernel, --initrd and --outdir are required without --runs")
    if args.mode == "demo":
        passed, failed = judge(args, [], False, *boot(args, args.outdir))
        return 1 if failed else 0
    runs = [args]
    if args.runs:
        runs = []
        with open(args.runs) as f:
            for line in f:
                if line.strip():
                    label, kernel, initrd, append, outdir, summary, only = [
                        "" if x == "-" else x for x in line.rstrip("\n").split("\t")]
                    runs.append(argparse.Namespace(**{
                        **vars(args), "label": label, "kernel": kernel, "initrd": initrd,
                        "append": append, "outdir": outdir, "summary_file": summary,
                        "only": only}))
    for r in runs:
        r.passed = r.failed = r.skipped = 0
        r.label = getattr(r, "label", "")
    t0 = time.time()
    schedule(runs, max(1, args.jobs))
    for r in runs:
        if r.summary_file:
            with open(r.summary_file, "w") as f:
                f.write(f"{r.passed} {r.failed} {r.skipped}\n")
        print(f"guest: {r.label + ': ' if r.label else ''}{r.passed} passed, {r.failed} failed"
              + (f", {r.skipped} skipped" if r.skipped else ""))
    if len(runs) > 1:
        print(f"guest: {len(runs)} runs in {time.time() - t0:.0f}s (--jobs {args.jobs})")
    return 1 if any(r.failed for r in runs) else 0


def boots(r):
    """The boots of run r: one per distinct set of extra kernel parameters, in tests.list
    order, as (outdir, extra, names, deadline, timing)."""
    groups, budget = {}, {}
    # dhei.timeout=N (./dhei fuzz --soak): every test's timeout, in the guest too.
    longer = [int(w.split("=", 1)[1]) for w in r.append.split() if w.startswith("dhei.timeout=")]
    for name, kind, extra, t in entries(with_timeout=True):
        t = longer[-1] if longer else t
        # A kind ending in "*" runs only when named (./dhei fuzz).
        if (not r.only and not kind.endswith("*")) or name in r.only.split(","):
            groups.setdefault(extra, []).append(name)
            budget[extra] = budget.get(extra, 0) + t
    # Each test is killed by the guest at its own timeout; the boot gets their sum plus time
    # to boot and dump the log.
    return [(r.outdir if i == 0 else f"{r.outdir}-{i}", extra, names, budget[extra] + 180,
             bool(TIMING & set(names))) for i, (extra, names) in enumerate(groups.items())]


def schedule(runs, jobs):
    """Boot every run's boots, up to `jobs` at a time and one with timing checks at a time;
    judge each as it finishes (in order when jobs is 1)."""
    pending = [(r, b) for r in runs for b in boots(r)]
    done = queue.Queue()
    running = []

    def start(item):
        r, (outdir, extra, names, deadline, timing) = item
        ns = argparse.Namespace(**{**vars(r), "nice": jobs > 1 and not timing})
        def go():
            done.put((item, boot(ns, outdir, extra, ",".join(names), deadline=deadline)))
        running.append(item)
        threading.Thread(target=go, daemon=True).start()

    while pending or running:
        while pending and len(running) < jobs:
            timing_busy = any(b[4] for _, b in running)
            # A timing boot as soon as none runs (they make the critical path), else the
            # next other one; one at a time, in order.
            pick = pending[0] if jobs == 1 else next(
                (x for x in pending if x[1][4] and not timing_busy), None)
            if pick is None:
                # The longest other boot first (by its tests' timeouts), the later run's
                # first among equals: the matrix kernels with debug options are slower.
                plain = [x for x in pending if not x[1][4]]
                pick = max(plain, key=lambda x: (x[1][3], runs.index(x[0])), default=None)
            if pick is None:
                break
            pending.remove(pick)
            start(pick)
        item, result = done.get()
        running.remove(item)
        r, (_, extra, names, _, _) = item
        tag = f"[{r.label}] " if r.label else ""
        if extra or tag:
            print(f"guest: {tag}boot with {extra or 'no extra parameters'}")
        p, f = judge(r, names, True, *result)
        r.passed, r.failed = r.passed + p, r.failed + f
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
