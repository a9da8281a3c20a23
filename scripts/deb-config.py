#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reduce Debian's full amd64 kernel configuration to a module set that builds in about
an hour on two cores, for ./dhei deb (configs/deb/README).

usage: deb-config.py FULL CLOUD KEEP LEFT_OUT > .config

FULL and CLOUD are Debian's config.amd64_none_amd64 and config.amd64_none_cloud-amd64
(from the pinned linux-config package). Every option FULL builds as a module (=m) stays
a module if CLOUD builds it too (=m or =y: the set Debian itself ships for virtual
machines) or if KEEP names it (bare-metal server drivers, one CONFIG_ name per line);
every other =m becomes "is not set". Nothing else changes. The options turned off are
written, sorted, to LEFT_OUT.
"""
import re
import sys


def options(text, values):
    return {m.group(1) for m in re.finditer(r"^(CONFIG_\w+)=(\S+)$", text, re.M)
            if m.group(2) in values}


def main():
    paths = sys.argv[1:5]
    if len(paths) != 4:
        sys.exit(__doc__)
    full_path, cloud_path, keep_file, left_out = paths
    with open(full_path) as f:
        full = f.read()
    with open(cloud_path) as f:
        keep = options(f.read(), ("m", "y"))
    with open(keep_file) as f:
        listed = {l.split("#")[0].strip() for l in f} - {""}
    bad = [x for x in sorted(listed) if not x.startswith("CONFIG_")]
    if bad:
        sys.exit(f"{keep_file}: not a CONFIG_ name: {bad[0]}")
    modules = options(full, ("m",))
    missing = sorted(listed - modules)
    if missing:
        sys.exit(f"{keep_file}: not a module in Debian's configuration: {' '.join(missing)}")
    keep |= listed
    dropped = []
    for line in full.splitlines(keepends=True):
        m = re.match(r"^(CONFIG_\w+)=m$", line)
        if m and m.group(1) not in keep:
            dropped.append(m.group(1))
            line = f"# {m.group(1)} is not set\n"
        sys.stdout.write(line)
    with open(left_out, "w") as f:
        f.write("".join(f"{x}\n" for x in sorted(dropped)))
    print(f"deb-config: {len(modules)} modules in Debian's configuration, "
          f"{len(modules) - len(dropped)} kept ({len(listed)} listed in {keep_file}), "
          f"{len(dropped)} left out", file=sys.stderr)


if __name__ == "__main__":
    main()
