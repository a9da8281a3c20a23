#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""./dhei bench: boot the same kernel three ways, one after the other, and compare.

  off      cpuset_isolation=off, an isolated partition 2-3 (stock 6.12 behaviour)
  boot     isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 (boot-time isolation)
  dynamic  nohz_full=dynamic, an isolated partition 2-3 (this project)

Each boot runs dhei_bench.sh, which prints "BENCH key value" lines. Prints a table with the
targets of issue 5, writes bench.json and bench.png next to the guest logs. Interrupt counts
are the trustworthy signal under TCG; times are only compared within one boot (P2) or as a
ratio of two boots of the same kernel on the same host (P4).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import guest  # noqa: E402

MODES = [
    ("off", "cpuset_isolation=off"),
    ("boot", "isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3"),
    ("dynamic", "nohz_full=dynamic"),
]


def run(args, mode, params):
    ns = argparse.Namespace(mode="bench", kernel=args.kernel, initrd=args.initrd, smp=8,
                            accel="tcg", cpu="qemu64",
                            mem="1G", timeout=900, append="")
    outdir = os.path.join(args.outdir, mode)
    console, results, elapsed, _, timed_out = guest.boot(ns, outdir, f"{params} dhei.bench={mode}")
    tests, _, _, dmesg, done = guest.parse_results(guest.read(results))
    t = tests.get("bench")
    if timed_out or not done or not t or t[0] != 0:
        sys.exit(f"bench: the {mode} boot did not complete; see {console} and {results}")
    bad = [line for line in dmesg if guest.KERNEL_BAD.search(line)]
    if bad:
        sys.exit(f"bench: the {mode} boot logged kernel problems: {bad[:3]}")
    vals = {}
    for line in t[1]:
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] == "BENCH":
            vals[parts[1]] = parts[2] if len(parts) == 3 else ""
    print(f"bench: {mode:8} ({params}): booted and measured in {elapsed:.0f}s")
    return vals


def num(v, k):
    return int(v[k])


def rowdiff(v, before, after):
    """Per-row interrupt deltas ("LOC=3 CAL=1") of one boot's rows before/after lines."""
    b = dict(w.split("=") for w in v[before].split())
    a = dict(w.split("=") for w in v[after].split())
    return " ".join(f"{k}={int(a[k]) - int(b[k])}" for k in a if int(a[k]) != int(b.get(k, 0)))


def med(xs):
    return statistics.median(xs)


def plot(path, r):
    try:
        import matplotlib
    except ImportError:
        subprocess.run(["apt-get", "install", "-y", "-qq", "python3-matplotlib"], check=True,
                       stdout=subprocess.DEVNULL)
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    modes = [m for m, _ in MODES]
    fig, ax = plt.subplots(1, 4, figsize=(16, 4))
    ax[0].bar(modes, [r["p1_irqs"][m] for m in modes], color=["grey", "tab:blue", "tab:green"])
    ax[0].set_yscale("symlog")
    ax[0].set_title("P1: interrupts on busy isolated CPU 3, 10 s")
    p2 = ["isolate", "release", "offline", "online"]
    ax[1].bar(p2, [r["p2_us"]["dynamic"][k] / 1000 for k in p2],
              color=["tab:green", "tab:green", "grey", "grey"])
    ax[1].set_title("P2: dynamic boot, ms (CPUs 2-3)")
    ax[2].bar(modes, [r["p3_irqs"][m] for m in modes], color=["grey", "tab:blue", "tab:green"])
    ax[2].set_title("P3: CPU 3 interrupts, 20 partitions 4-5")
    ax[3].bar(modes, [r["p4_ns"][m] for m in modes], color=["grey", "tab:blue", "tab:green"])
    ax[3].set_title("P4: getppid() ns on CPU 1")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--repeat", type=int, default=2, help="boots per mode, interleaved")
    args = ap.parse_args()
    boots = {m: [] for m, _ in MODES}
    for i in range(args.repeat):
        sub = argparse.Namespace(**{**vars(args), "outdir": os.path.join(args.outdir, str(i))})
        for m, p in MODES:
            boots[m].append(run(sub, m, p))
    for m, vs in boots.items():
        for v in vs:
            for w in (1, 2, 3):
                if num(v, f"p1_busy_ticks_{w}") < 900:
                    sys.exit(f"bench: the busy task of a {m} boot did not run on CPU 3: "
                             f"{v[f'p1_busy_ticks_{w}']} of 1000 ticks busy")
            if m != "boot" and v.get("partition") != "isolated":
                sys.exit(f"bench: a {m} boot has no isolated partition: {v.get('partition')}")
    windows = {m: [num(v, f"p1_irqs_{w}") for v in vs for w in (1, 2, 3)] for m, vs in boots.items()}
    r = {
        "boots_per_mode": args.repeat,
        "p1_windows": windows,
        "p1_irqs": {m: med(windows[m]) for m in boots},
        "p1_loc": {m: med([num(v, f"p1_loc_{w}") for v in vs for w in (1, 2, 3)])
                   for m, vs in boots.items()},
        "p1_rows": {m: [rowdiff(v, "p1_rows_before", "p1_rows_after") for v in vs]
                    for m, vs in boots.items()},
        "p3_per_boot": {m: [num(v, "p3_irqs") for v in vs] for m, vs in boots.items()},
        "p3_irqs": {m: max(num(v, "p3_irqs") for v in vs) for m, vs in boots.items()},
        "p3_ms": {m: [num(v, "p3_ms") for v in vs] for m, vs in boots.items()},
        "p3_rows": {m: [rowdiff(v, "p3_rows_before", "p3_rows_after") for v in vs]
                    for m, vs in boots.items()},
        "p4_per_boot": {m: [num(v, "getppid_ns") for v in vs] for m, vs in boots.items()},
        "p4_ns": {m: med([num(v, "getppid_ns") for v in vs]) for m, vs in boots.items()},
        "p2_us": {m: {k: med([num(v, f"p2_{k}_us") for v in boots[m]])
                      for k in ("isolate", "release", "offline", "online")}
                  for m in ("off", "dynamic")},
        "nohz_full": {m: boots[m][0]["nohz_full"] for m in boots},
    }
    p1, p3, p4 = r["p1_irqs"], r["p3_irqs"], r["p4_ns"]
    # What CPU 3 gets anyway in the time the 20 cycles take, at its P1 rate (a busy isolated
    # CPU's residual interrupts); the excess is what the churn itself caused.
    r["p3_excess"] = {m: max(num(v, "p3_irqs") - p1[m] * num(v, "p3_ms") / 10000 for v in vs)
                      for m, vs in boots.items()}
    d2 = r["p2_us"]["dynamic"]
    cycle = d2["offline"] + d2["online"]
    r["ratios"] = {
        "p1_off_over_dynamic": p1["off"] / max(p1["dynamic"], 1),
        "p2_isolate_over_hotplug_cycle": d2["isolate"] / cycle,
        "p2_release_over_hotplug_cycle": d2["release"] / cycle,
        "p4_dynamic_over_off": p4["dynamic"] / p4["off"],
        "p4_boot_over_off": p4["boot"] / p4["off"],
    }
    x = r["ratios"]
    targets = [
        ("P1 dynamic <= boot-time + 1", p1["dynamic"] <= p1["boot"] + 1),
        ("P1 off / dynamic >= 50", x["p1_off_over_dynamic"] >= 50),
        ("P2 isolate <= 1/5 hotplug cycle", x["p2_isolate_over_hotplug_cycle"] <= 0.2),
        ("P2 release <= 1/5 hotplug cycle", x["p2_release_over_hotplug_cycle"] <= 0.2),
        ("P3 dynamic = 0", p3["dynamic"] == 0),
        ("P4 dynamic <= 1.03 x off", x["p4_dynamic_over_off"] <= 1.03),
    ]
    r["targets"] = {name: ok for name, ok in targets}

    print()
    print("| Measure | off | boot-time | dynamic |")
    print("|---|---|---|---|")
    print(f"| P1 interrupts on busy CPU 3 in 10 s (LOC) | {p1['off']:g} ({r['p1_loc']['off']:g}) | "
          f"{p1['boot']:g} ({r['p1_loc']['boot']:g}) | {p1['dynamic']:g} ({r['p1_loc']['dynamic']:g}) |")
    for k in ("isolate", "release", "offline", "online"):
        label = {"isolate": "P2 partition write: isolate 2-3", "release": "P2 partition write: release 2-3",
                 "offline": "P2 hotplug: offline 2-3", "online": "P2 hotplug: online 2-3"}[k]
        print(f"| {label} (ms) | {r['p2_us']['off'][k] / 1000:.1f} | - | {d2[k] / 1000:.1f} |")
    print(f"| P3 interrupts on CPU 3, 20 partitions created and destroyed | {p3['off']} | "
          f"{p3['boot']} | {p3['dynamic']} |")
    print(f"| P3 excess over CPU 3's P1 rate during the cycles | {r['p3_excess']['off']:.1f} | "
          f"{r['p3_excess']['boot']:.1f} | {r['p3_excess']['dynamic']:.1f} |")
    print(f"| P4 getppid() on CPU 1 (ns) | {p4['off']:g} | {p4['boot']:g} | {p4['dynamic']:g} |")
    print()
    print(f"P1 is the median of {3 * args.repeat} windows of 10 s, P2 and P4 medians over "
          f"{args.repeat} boots per mode, P3 the worst boot.")
    for m in boots:
        print(f"  {m:8} P1 windows {windows[m]}, rows {r['p1_rows'][m]}; P3 {r['p3_per_boot'][m]} "
              f"rows {r['p3_rows'][m]} in {r['p3_ms'][m]} ms; P4 {r['p4_per_boot'][m]}")
    print(f"P1 off/dynamic {x['p1_off_over_dynamic']:.0f}x; P2 isolate/cycle "
          f"{x['p2_isolate_over_hotplug_cycle']:.3f}, release/cycle {x['p2_release_over_hotplug_cycle']:.3f}; "
          f"P4 dynamic/off {x['p4_dynamic_over_off']:.3f}, boot/off {x['p4_boot_over_off']:.3f}")
    for name, ok in targets:
        print(f"  {'met   ' if ok else 'MISSED'} {name}")
    with open(os.path.join(args.outdir, "bench.json"), "w") as f:
        json.dump(r, f, indent=1)
    plot(os.path.join(args.outdir, "bench.png"), r)
    print(f"bench: {args.outdir}/bench.json, {args.outdir}/bench.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
