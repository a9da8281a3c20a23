#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Timers: while timer-heavy work runs on the housekeeping CPUs, the CPUs of an isolated
# partition take under a tenth of the local timer interrupts that the same CPUs take when they
# are not isolated (the residue is their own timers and the clocksource watchdog). Interrupt
# counts from /proc/interrupts, the trustworthy signal under TCG. Without the boot opt-in
# (nohz_full=dynamic) the tick is not part of that: cpuset.isolation.features says so, and
# nohz_full in sysfs stays empty. Prints TAP, with the counts.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
P=$CG/timers_rt

# LOC (local timer) interrupts of CPUs 2 and 3.
loc() { awk '$1 == "LOC:" { print $4 + $5 }' /proc/interrupts; }

# Timer-heavy load on 0-1,4-7: short sleeps (hrtimers) and unpinned timers armed
# from those CPUs, 3 s.
load() {
	pids=""
	for c in 0 1 4 5 6 7; do
		taskset -c $c sh -c 'end=$(($(cut -d. -f1 /proc/uptime) + 3)); while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do usleep 2000; done' &
		pids="$pids $!"
	done
	a=$(loc)
	wait $pids
	b=$(loc)
	echo $((b - a))
}

echo "TAP version 13"
echo "1..5"
echo +cpuset >$CG/cgroup.subtree_control
mkdir -p $P
echo 2-3 >$P/cpuset.cpus

not_isolated=$(load)
echo "# LOC on CPUs 2-3 during 3 s of timer load elsewhere, not isolated: $not_isolated"
echo isolated >$P/cpuset.cpus.partition
isolated=$(load)
echo "# LOC on CPUs 2-3 during 3 s of timer load elsewhere, isolated: $isolated"
nohz=$(cat /sys/devices/system/cpu/nohz_full)
# The partition's CPUs are only allowed in it: start the task there.
sh -c "echo \$\$ >$P/cgroup.procs && exec taskset -c 3 sh -c 'while :; do :; done'" &
busy=$!
sleep 1
a=$(awk '$1 == "LOC:" { print $5 }' /proc/interrupts)
u=$(awk '$1 == "cpu3" { print $2 + $3 + $4 }' /proc/stat)
sleep 2
b=$(awk '$1 == "LOC:" { print $5 }' /proc/interrupts)
v=$(awk '$1 == "cpu3" { print $2 + $3 + $4 }' /proc/stat)
kill $busy
wait $busy 2>/dev/null
echo member >$P/cpuset.cpus.partition
rmdir $P

eq "without the opt-in, rcu and tick are reported unavailable" \
	"domain on|rcu unavailable (boot with rcu_nocbs=all or nohz_full=dynamic)|tick unavailable (boot with nohz_full=dynamic)|managed_irq unavailable (not implemented)|" \
	"$(tr '\n' '|' <$CG/cpuset.isolation.features)"
eq "and nohz_full stays empty with CPUs 2-3 isolated" "" "$nohz"
[ $((b - a)) -ge 250 ] && [ $((v - u)) -ge 150 ]
ok $? "so a busy isolated CPU 3 keeps its tick ($((b - a)) LOC in 2 s, busy $((v - u))/200)"

[ "$not_isolated" -ge 100 ]
ok $? "not isolated, CPUs 2-3 take local timer interrupts ($not_isolated in 3 s)"
[ $((isolated * 10)) -lt "$not_isolated" ]
ok $? "isolated, they take under a tenth of that ($isolated in 3 s)"

exit $((fails != 0))
