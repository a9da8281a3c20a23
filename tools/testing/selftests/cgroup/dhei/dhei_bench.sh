#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of ./dhei bench. $1 says how this boot isolates CPUs 2-3:
#   off      cpuset_isolation=off: an isolated partition 2-3 as stock 6.12 makes it
#   boot     isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3, no partition
#   dynamic  nohz_full=dynamic: an isolated partition 2-3
# Prints "BENCH key value" lines: interrupts on CPU 3 while one busy task runs there (P1),
# while a second partition 4-5 is created and destroyed 20 times (P3), partition writes
# against CPU hotplug (P2, not in the boot mode) and getppid() on housekeeping CPU 1 (P4).
# Not a test: it asserts nothing, ./dhei bench judges the numbers.

mode=$1
CG=/sys/fs/cgroup
CPU=3
B=/dhei/dhei-bench

# Sum of every interrupt row of /proc/interrupts for CPU $1, and its LOC row.
irqs() {
	awk -v c=$(($1 + 2)) 'NR > 1 && $c ~ /^[0-9]+$/ { s += $c } END { print s }' /proc/interrupts
}
loc() { awk -v c=$(($1 + 2)) '$1 == "LOC:" { print $c }' /proc/interrupts; }
rows() { # per-row counts for CPU $1, "NAME=count" words
	awk -v c=$(($1 + 2)) 'NR > 1 && $c ~ /^[0-9]+$/ { sub(":", "", $1); printf "%s=%s ", $1, $c }' /proc/interrupts
}

echo +cpuset >$CG/cgroup.subtree_control
# The busy task lives in rt (2-3), an isolated partition except in the boot mode, where it is
# a member: either way cpuset leaves it alone when other partitions come and go.
mkdir $CG/rt
echo 2-3 >$CG/rt/cpuset.cpus
if [ "$mode" != boot ]; then
	echo isolated >$CG/rt/cpuset.cpus.partition
	echo "BENCH partition $(cat $CG/rt/cpuset.cpus.partition)"
fi
echo "BENCH nohz_full $(cat /sys/devices/system/cpu/nohz_full)"
echo "BENCH isolated $(cat /sys/devices/system/cpu/isolated)"

sh -c "echo \$\$ >$CG/rt/cgroup.procs && exec taskset -c $CPU sh -c 'while :; do :; done'" &
busy=$!
sleep 2

# P1: three windows of 10 s with one busy task; /proc/stat proves that it ran (USER_HZ
# ticks of CPU 3 busy).
cpubusy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 }' /proc/stat; }
r0=$(rows $CPU)
for w in 1 2 3; do
	a=$(irqs $CPU) l=$(loc $CPU) u=$(cpubusy $CPU)
	sleep 10
	echo "BENCH p1_irqs_$w $(($(irqs $CPU) - a))"
	echo "BENCH p1_loc_$w $(($(loc $CPU) - l))"
	echo "BENCH p1_busy_ticks_$w $(($(cpubusy $CPU) - u))"
done
echo "BENCH p1_rows_before $r0"
echo "BENCH p1_rows_after $(rows $CPU)"

# P3: another partition created and destroyed 20 times.
a=$(irqs $CPU) r0=$(rows $CPU) t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt 20 ]; do
	mkdir $CG/other
	echo 4-5 >$CG/other/cpuset.cpus
	echo isolated >$CG/other/cpuset.cpus.partition
	echo member >$CG/other/cpuset.cpus.partition
	rmdir $CG/other
	i=$((i + 1))
done
echo "BENCH p3_irqs $(($(irqs $CPU) - a))"
echo "BENCH p3_ms $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%d", (b - a) * 1000 }')"
echo "BENCH p3_rows_before $r0"
echo "BENCH p3_rows_after $(rows $CPU)"
kill $busy
wait $busy 2>/dev/null

# P2: the partition writes against a hotplug cycle of the same CPUs, same boot.
if [ "$mode" != boot ]; then
	echo member >$CG/rt/cpuset.cpus.partition
	$B p2 $CG/rt 2 3 -- 7
fi
rmdir $CG/rt

# P4: getppid() on housekeeping CPU 1.
$B getppid 1 200000 11
