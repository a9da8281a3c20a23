#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Demo: the isolation state of the machine before CPUs 2-3 are isolated through a cpuset
# partition, while they are, and after they are released, as one table. ./dhei demo boots
# with nohz_full=dynamic, so the RCU and tick rows change too. One busy task runs on CPU 3
# throughout (in the partition's cgroup, the only one allowed there once it is isolated).

CG=/sys/fs/cgroup
P=$CG/demo_rt
KTHREADS="kthreadd rcu_preempt rcu_sched kswapd0 kcompactd0 rcuog/0 rcuos/2 rcuop/2"

pid_of() { # exact comm
	for d in /proc/[0-9]*; do
		c=
		{ read -r c <"$d/comm"; } 2>/dev/null
		[ "$c" = "$1" ] && { echo "${d#/proc/}"; return; }
	done
}
val() { # file
	if [ -r "$1" ]; then v=$(cat "$1" 2>/dev/null); echo "${v:-(empty)}"; else echo "(absent)"; fi
}
loc() { # LOC interrupts of CPU 2 (idle) and CPU 3 (busy)
	awk '$1 == "LOC:" { print $4, $5 }' /proc/interrupts
}

# snapshot PHASE: one "key|value" line per row into /tmp/demo.PHASE
snapshot() {
	{
		echo "cpuset.cpus.partition (demo_rt)|$(val $P/cpuset.cpus.partition)"
		echo "cpuset.cpus.isolated|$(val $CG/cpuset.cpus.isolated)"
		echo "/sys/devices/system/cpu/isolated|$(val /sys/devices/system/cpu/isolated)"
		echo "/sys/devices/system/cpu/nohz_full|$(val /sys/devices/system/cpu/nohz_full)"
		echo "unbound workqueue cpumask|$(val /sys/devices/virtual/workqueue/cpumask)"
		echo "watchdog_cpumask|$(val /proc/sys/kernel/watchdog_cpumask)"
		if [ -r $CG/cpuset.isolation.features ]; then
			while read -r f st; do echo "feature $f|${st%% *}"; done <$CG/cpuset.isolation.features
		fi
		if [ -r $CG/cpuset.housekeeping ]; then
			while read -r t l; do echo "housekeeping $t|${l:-(empty)}"; done <$CG/cpuset.housekeeping
		fi
		for k in $KTHREADS; do
			pid=$(pid_of "$k")
			[ -n "$pid" ] && echo "$k may run on|$(awk '/Cpus_allowed_list/ {print $2}' /proc/$pid/status)"
		done
		set -- $(loc)
		sleep 5
		set -- "$@" $(loc)
		echo "LOC irqs, idle CPU 2, 5 s|$(($3 - $1))"
		echo "LOC irqs, busy CPU 3, 5 s|$(($4 - $2))"
	} >/tmp/demo.$1
}

echo +cpuset >$CG/cgroup.subtree_control
rmdir $P 2>/dev/null
mkdir $P
sh -c "echo \$\$ >$P/cgroup.procs && exec taskset -c 3 sh -c 'while :; do :; done'" &
busy=$!
sleep 1
snapshot before
echo 2-3 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
snapshot isolated
echo member >$P/cpuset.cpus.partition
snapshot released
kill $busy
wait $busy 2>/dev/null
rmdir $P

printf '%-36s %-16s %-16s %-16s\n' "kernel $(uname -r)" "before" "isolated 2-3" "released"
printf '%-36s %-16s %-16s %-16s\n' "------------------------------------" "----------------" "----------------" "----------------"
cut -d'|' -f1 /tmp/demo.before | while read -r key; do
	b=$(grep -F "$key|" /tmp/demo.before | head -1 | cut -d'|' -f2)
	i=$(grep -F "$key|" /tmp/demo.isolated | head -1 | cut -d'|' -f2)
	r=$(grep -F "$key|" /tmp/demo.released | head -1 | cut -d'|' -f2)
	printf '%-36s %-16s %-16s %-16s\n' "$key" "$b" "$i" "$r"
done
