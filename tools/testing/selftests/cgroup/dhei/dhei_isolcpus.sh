#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Partitions on a machine booted with isolcpus=2-7 (CPUs 2-7 isolated from sched domains at
# boot, as on many low-latency hosts; CPUs 0-1 are the domain housekeeping CPUs). A root
# partition may only take CPUs 0-1; once it holds them, the root cgroup keeps only
# boot-isolated CPUs and spans no sched domain. Stock 6.12 built an empty sched domain for
# the root cgroup then (WARNING in build_sched_domains()), and the next rebuild read the run
# queue of CPU nr_cpumask_bits (an Oops). The same through hotplug: a root partition on CPU 0,
# then CPU 1 offline. Needs sched_verbose for /sys/kernel/debug/sched/domains. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
P=$CG/p
DOM=/sys/kernel/debug/sched/domains
# The sched domain levels of CPU N, e.g. "domain0 domain1", empty for none.
domains() { ls $DOM/cpu$1 2>/dev/null | grep '^domain' | tr '\n' ' ' | sed 's/ $//'; }
allowed() { awk '/Cpus_allowed_list/ { print $2 }' /proc/$1/status; }

echo "TAP version 13"
warns=$(dmesg | grep -c "WARNING:")
echo +cpuset >$CG/cgroup.subtree_control
eq "booted with CPUs 2-7 isolated" "2-7" "$(cat /sys/devices/system/cpu/isolated)"
check "sched_verbose: $DOM is there" test -d $DOM/cpu0
[ -n "$(domains 0)" ]
ok $? "CPU 0 has a sched domain ('$(domains 0)')"
eq "CPU 2 has none" "" "$(domains 2)"

mkdir $P
echo 0-1 >$P/cpuset.cpus
echo root >$P/cpuset.cpus.partition
eq "a root partition on 0-1 is valid; the root cgroup keeps 2-7" "root 2-7" \
	"$(cat $P/cpuset.cpus.partition) $(cat $CG/cpuset.cpus.effective)"
[ -n "$(domains 0)" ]
ok $? "CPU 0 has a sched domain ('$(domains 0)')"
eq "CPU 2 still has none" "" "$(domains 2)"
sleep 100 &
t=$!
echo $t >$P/cgroup.procs
eq "a task in the partition runs on 0-1" "0-1" "$(allowed $t)"
echo $t >$CG/cgroup.procs
kill $t
eq "and one in the root cgroup on 2-7" "2-7" "$(allowed $$)"
echo member >$P/cpuset.cpus.partition
eq "released, the root cgroup has 0-7 again" "member 0-7" \
	"$(cat $P/cpuset.cpus.partition) $(cat $CG/cpuset.cpus.effective)"
[ -n "$(domains 0)" ]
ok $? "CPU 0 has a sched domain ('$(domains 0)')"

echo 0 >$P/cpuset.cpus
echo root >$P/cpuset.cpus.partition
eq "a root partition on CPU 0" "root 1-7" \
	"$(cat $P/cpuset.cpus.partition) $(cat $CG/cpuset.cpus.effective)"
echo 0 >/sys/devices/system/cpu/cpu1/online
eq "CPU 1 offline: the partition stays valid, the root cgroup has 2-7" "root 2-7" \
	"$(cat $P/cpuset.cpus.partition) $(cat $CG/cpuset.cpus.effective)"
echo 1 >/sys/devices/system/cpu/cpu1/online
eq "CPU 1 back: the root cgroup has 1-7" "1-7" "$(cat $CG/cpuset.cpus.effective)"
echo member >$P/cpuset.cpus.partition
rmdir $P
eq "released, the root cgroup has 0-7 again" "0-7" "$(cat $CG/cpuset.cpus.effective)"
[ -n "$(domains 1)" ]
ok $? "CPU 1 has a sched domain ('$(domains 1)')"
eq "no kernel warning" "$warns" "$(dmesg | grep -c "WARNING:")"

done_testing
