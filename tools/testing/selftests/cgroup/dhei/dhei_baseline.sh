#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Baseline of the pipeline: the cgroup v2 cpuset interface and the built-in planning core are
# present, and an isolated partition does what stock 6.12 does (cpuset.cpus.isolated, no sched
# domains, unbound workqueue mask) and is released cleanly. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
P=$CG/dhei_baseline
WQ=/sys/devices/virtual/workqueue/cpumask

# Number of online CPUs (not nproc: that is this task's affinity, which isolation changes).
ncpus() { grep -c '^processor' /proc/cpuinfo; }

# Hex mask of all online CPUs but those in the list "a b ..." (CPU ids < 32).
mask_without() {
	m=0
	for c in $(seq 0 $(($(ncpus) - 1))); do m=$((m | (1 << c))); done
	for c in "$@"; do m=$((m & ~(1 << c))); done
	printf '%x\n' $m
}

echo "TAP version 13"
echo "1..14"

check "cgroup v2 is mounted" grep -q "^cgroup2 $CG cgroup2" /proc/mounts
check "cpuset controller is available" grep -qw cpuset $CG/cgroup.controllers
eq "8 CPUs online" 8 "$(ncpus)"
check "built-in planning core passed its boot self-check" \
	sh -c 'dmesg | grep -q "cpuset_isolation: planning core ready: 9 housekeeping types"'
check "nohz_full sysfs file is readable" cat /sys/devices/system/cpu/nohz_full
eq "no CPU isolated at boot" "" "$(cat $CG/cpuset.cpus.isolated)"

echo +cpuset >$CG/cgroup.subtree_control
rmdir $P 2>/dev/null
mkdir $P
echo 2-3 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
eq "partition 2-3 becomes isolated" isolated "$(cat $P/cpuset.cpus.partition)"
eq "cpuset.cpus.isolated lists 2-3" 2-3 "$(cat $CG/cpuset.cpus.isolated)"
eq "unbound workqueues leave CPUs 2-3" "$(mask_without 2 3)" "$(cat $WQ)"
if [ -d /sys/kernel/debug/sched/domains/cpu2 ]; then
	eq "CPU 2 has no sched domain" "" "$(ls /sys/kernel/debug/sched/domains/cpu2)"
else
	ok 1 "CPU 2 has no sched domain (no /sys/kernel/debug/sched/domains)"
fi

# Garbage is refused and changes nothing.
if echo bogus >$P/cpuset.cpus.partition 2>/dev/null; then
	ok 1 "garbage partition type is refused"
else
	ok 0 "garbage partition type is refused"
fi
eq "garbage write left the partition isolated" isolated "$(cat $P/cpuset.cpus.partition)"

echo member >$P/cpuset.cpus.partition
eq "release empties cpuset.cpus.isolated" "" "$(cat $CG/cpuset.cpus.isolated)"
eq "release gives CPUs 2-3 back to unbound workqueues" "$(mask_without)" "$(cat $WQ)"
rmdir $P

exit $((fails != 0))
