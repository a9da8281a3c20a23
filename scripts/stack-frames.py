#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the stack frames of the project's Rust code against CONFIG_FRAME_WARN.

Usage: stack-frames.py BUILD_DIR

The C compiler enforces CONFIG_FRAME_WARN (-Wframe-larger-than, an error with CONFIG_WERROR);
rustc has no such check. This disassembles the Rust objects of the feature
(kernel/cgroup/cpuset_isolation and the kernel crate's cpu, cpumask and cpuset_hk modules),
takes each function's stack adjustment (sub $N,%rsp) and fails if one is larger than
CONFIG_FRAME_WARN. It prints the largest frames either way.
"""
import re
import subprocess
import sys

# Mangled-name fragments of the kernel crate modules that are ours.
KERNEL_CRATE_MODULES = (b"3cpu", b"7cpumask", b"9cpuset_hk")


def frames(obj, keep):
    out = subprocess.run(["llvm-objdump", "-d", "--no-show-raw-insn", obj],
                         check=True, capture_output=True).stdout
    sizes = {}
    func = None
    for line in out.splitlines():
        m = re.match(rb"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            func = m.group(1) if keep(m.group(1)) else None
            continue
        if func is None:
            continue
        m = re.search(rb"\bsubq?\s+\$(0x[0-9a-f]+|\d+),\s*%rsp", line)
        if m:
            n = int(m.group(1), 0)
            sizes[func] = max(sizes.get(func, 0), n)
    return sizes


def main():
    build = sys.argv[1]
    limit = 0
    for line in open(f"{build}/.config"):
        m = re.match(r"CONFIG_FRAME_WARN=(\d+)", line)
        if m:
            limit = int(m.group(1))
    sizes = frames(f"{build}/kernel/cgroup/cpuset_isolation/cpuset_isolation.o", lambda f: True)
    sizes.update(frames(f"{build}/rust/kernel.o",
                        lambda f: f.startswith(b"_R") and any(m in f for m in KERNEL_CRATE_MODULES)))
    if not sizes:
        sys.exit("stack-frames: no functions found")
    top = sorted(sizes.items(), key=lambda kv: -kv[1])
    print(f"stack frames: {len(sizes)} Rust functions, largest {top[0][1]} bytes "
          f"(CONFIG_FRAME_WARN={limit or 'off'})")
    for f, n in top[:3]:
        print(f"  {n:6d}  {f.decode()[:140]}")
    over = [(f, n) for f, n in top if limit and n > limit]
    if over:
        for f, n in over:
            print(f"error: {f.decode()}: stack frame of {n} bytes is larger than {limit}")
        sys.exit(1)


if __name__ == "__main__":
    main()
