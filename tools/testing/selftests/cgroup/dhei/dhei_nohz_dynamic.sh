#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot with nohz_full=dynamic: no CPU is nohz_full at boot, every CPU's RCU callbacks are
# offloaded, and an isolated partition makes its CPUs nohz_full at runtime and moves the
# rcuog/rcuo kthreads and the timekeeping duty off them. Checks the tick (local timer
# interrupts of a CPU running one busy task), nohz_full in sysfs, the kthreads, the timekeeper
# handoff, CPU hotplug, fault injection at every step of an isolate and of a release, and
# 500 isolate/release cycles. Prints TAP. The kernel is built with HZ=250.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
HK=$CG/cpuset.housekeeping
FEAT=$CG/cpuset.isolation.features
NOHZ=/sys/devices/system/cpu/nohz_full
SYSISO=/sys/devices/system/cpu/isolated
FAIL=/sys/kernel/debug/cpuset_isolation/fail_step
WD=/proc/sys/kernel/watchdog_cpumask
ALL=$(cat /sys/devices/system/cpu/possible)

hk() { awk -v t="$1" '$1 == t { print $2 }' $HK; }
loc() { awk -v c=$(($1 + 2)) '$1 == "LOC:" { print $c }' /proc/interrupts; }
busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 }' /proc/stat; }
# One busy task on CPU $1, in cgroup $3 (an isolated partition's CPUs are only allowed in
# it), for $2 seconds: prints the CPU's local timer interrupts and the USER_HZ ticks it spent
# running tasks (/proc/stat), which prove that the task ran there. With "settle" as $4 it
# first waits for the CPU to go quiet (see below) and prints the seconds that took as well.
busy_loc() {
	sh -c "echo \$\$ >$3/cgroup.procs && exec taskset -c $1 sh -c 'while :; do :; done'" &
	pid=$!
	sleep 1
	s=0
	if [ "$4" = settle ]; then
		# Wait (at most 30 s) for a 2 s window with at most 2 local timer interrupts.
		while [ $s -lt 30 ]; do
			a=$(loc "$1")
			sleep 2
			s=$((s + 2))
			[ $(($(loc "$1") - a)) -le 2 ] && break
		done
	fi
	trace_on "$1"
	a=$(loc "$1") u=$(busy "$1")
	sleep "$2"
	b=$(loc "$1") v=$(busy "$1")
	trace_off
	kill $pid
	wait $pid 2>/dev/null
	echo $((b - a)) $((v - u)) $s
}
# Where the kernel has timer and workqueue trace events (not the lab kernel), busy_loc
# records which timers and work items ran on the CPU, and a failing tick check prints them.
TR=/sys/kernel/debug/tracing
TEV="timer/timer_expire_entry timer/hrtimer_expire_entry workqueue/workqueue_execute_start"
trace_on() {
	rm -f /tmp/tick-trace
	[ -d $TR/events/timer ] || return 0
	echo 0 >$TR/tracing_on
	echo >$TR/trace
	TRMASK=$(cat $TR/tracing_cpumask)
	printf '%x' $((1 << $1)) >$TR/tracing_cpumask
	for e in $TEV; do echo 1 >$TR/events/$e/enable; done
	echo 1 >$TR/tracing_on
}
trace_off() {
	[ -d $TR/events/timer ] || return 0
	echo 0 >$TR/tracing_on
	for e in $TEV; do echo 0 >$TR/events/$e/enable; done
	echo "$TRMASK" >$TR/tracing_cpumask
	grep -o 'function[= ][^ ]*' $TR/trace | sort | uniq -c | sort -rn | head -8 >/tmp/tick-trace
}
# TAP check of a busy_loc result: the task ran (the CPU was busy >= 75% of the time: a CPU
# whose tick runs accounts by ticks, and under TCG a vCPU thread that waits for a host CPU
# loses some) and its LOC count is le/ge the limit.
tick() { # description seconds le|ge limit loc busy settle-seconds
	if [ "${6:-0}" -lt $(($2 * 75)) ]; then
		ok 1 "$1 (the busy task ran only ${6:-0} of $(($2 * 100)) ticks)"
		return
	fi
	if [ "$3" = le ]; then [ "$5" -le "$4" ]; else [ "$5" -ge "$4" ]; fi
	r=$?
	st=
	[ "$3" = le ] && st="; quiet after ${7:-0} s"
	ok $r "$1 ($5 LOC, $3 $4; busy $6/$(($2 * 100))$st)"
	[ $r -eq 0 ] || [ ! -s /tmp/tick-trace ] || sed 's/^ */# ran: /' /tmp/tick-trace
}
# Local timer interrupts of CPU $1 over $2 seconds, with nothing started on it.
idle_loc() { a=$(loc "$1"); sleep "$2"; b=$(loc "$1"); echo $((b - a)); }
# Distinct Cpus_allowed_list values of the RCU callback kthreads (rcuog/N, rcuop/N).
rcuo_affinity() {
	for p in /proc/[0-9]*; do
		c=
		{ read -r c <"$p/comm"; } 2>/dev/null
		case "$c" in
		rcuo*) awk '/^Cpus_allowed_list/ { print $2 }' $p/status ;;
		esac
	done | sort -u | tr '\n' ' '
}
# The housekeeping masks; the timekeeping line is checked on its own (the duty stays where it
# moved).
masks() { grep -v '^timekeeping ' $HK | tr '\n' ' '; }
snapshot() {
	printf '%s|' "$(masks)" "$(cat $CG/cpuset.cpus.isolated)" "$(cat $NOHZ)" \
		"$(rcuo_affinity)" "$(cat $WD)"
}
# What the state machine owns; cpuset.cpus.isolated and the partition are checked beside it
# (after a failed isolate, patch 0030 makes the partition invalid).
hkstate() { printf '%s|' "$(masks)" "$(cat $NOHZ)" "$(cat $WD)"; }
ge() { # description value limit
	if [ "$2" -ge "$3" ]; then ok 0 "$1 ($2 >= $3)"; else ok 1 "$1 ($2 < $3)"; fi
}

echo "TAP version 13"

echo +cpuset >$CG/cgroup.subtree_control
eq "features: domain, rcu and tick on, managed_irq unavailable" \
	"domain on|rcu on|tick on|managed_irq unavailable (not implemented)|" \
	"$(tr '\n' '|' <$FEAT)"
eq "no CPU is nohz_full at boot" "" "$(cat $NOHZ)"
dmesg | grep -q "Offload RCU callbacks from CPUs: $ALL."
ok $? "every CPU's RCU callbacks are offloaded from boot"
dmesg | grep -q "NO_HZ: Full dynticks CPUs: set by isolated cpuset partitions."
ok $? "full dynticks is set up for runtime CPUs"
eq "the rcuo kthreads may run anywhere" "$ALL " "$(rcuo_affinity)"
BOOT=$(snapshot)
tick "a busy CPU 3 that is not isolated ticks at HZ (5 s)" 5 ge 600 $(busy_loc 3 5 $CG)

P=$CG/rt
mkdir $P
echo 2-3 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
eq "isolating 2-3 is accepted" isolated "$(cat $P/cpuset.cpus.partition)"
eq "nohz_full shows 2-3" 2-3 "$(cat $NOHZ)"
eq "tick and rcu housekeeping lose 2-3" "tick=0-1,4-7 rcu=0-1,4-7" "tick=$(hk tick) rcu=$(hk rcu)"
eq "sysfs isolated shows 2-3" 2-3 "$(cat $SYSISO)"
eq "the rcuo kthreads leave 2-3" "0-1,4-7 " "$(rcuo_affinity)"
# A CPU that was busy before it was isolated goes quiet only after a while: vmstat_update,
# queued before, re-arms itself every second while decay_pcp_high() still shrinks the CPU's
# page list (30 interrupts in 10 s seen on distro, 27 on rt). Boot-time nohz_full CPUs never
# grew the list. So "le" checks first wait (at most 30 s, reported) for a quiet 2 s window,
# then count; a CPU whose tick never stops fails the count.
tick "one busy task on isolated CPU 3: the tick stops (10 s)" 10 le 25 $(busy_loc 3 10 $P settle)
tick "a busy housekeeping CPU 4 keeps ticking at HZ (5 s)" 5 ge 600 $(busy_loc 4 5 $CG)

echo member >$P/cpuset.cpus.partition
eq "release: nohz_full is empty again" "" "$(cat $NOHZ)"
eq "release restores the boot state" "$BOOT" "$(snapshot)"
tick "released CPU 3 ticks at HZ again (5 s)" 5 ge 600 $(busy_loc 3 5 $CG)

# Timekeeping handoff: CPU 0 holds the duty from boot.
echo 0-1 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
eq "isolating 0-1, which holds the timekeeper, is accepted" "isolated 0-1" \
	"$(cat $P/cpuset.cpus.partition) $(cat $NOHZ)"
n5=$(idle_loc 2 4)
ge "idle CPU 2 took the timekeeping duty: it keeps its tick (4 s)" "$n5" 600
tick "one busy task on the former timekeeper CPU 0: the tick stops (10 s)" 10 le 25 $(busy_loc 0 10 $P settle)
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 2
t1=$(cut -d' ' -f1 /proc/uptime)
ok $(awk -v a="$t0" -v b="$t1" 'BEGIN { print !(b - a >= 1.9 && b - a < 4) }') \
	"time goes on after the handoff (sleep 2 took $t0 -> $t1)"
eq "cpuset.housekeeping shows the duty on CPU 2" 2 "$(hk timekeeping)"
echo member >$P/cpuset.cpus.partition
eq "release of 0-1 restores the boot state" "$BOOT" "$(snapshot)"
# The duty stays on CPU 2, which may still go offline: the duty moves on first.
echo 0 >/sys/devices/system/cpu/cpu2/online
ok $? "the timekeeper, CPU 2, can be offlined"
tk=$(hk timekeeping)
case "$tk" in ""|2) ok 1 "the duty moved to an online CPU (got '$tk')" ;;
*) eq "the duty moved to an online CPU ($tk)" 1 "$(cat /sys/devices/system/cpu/cpu$tk/online 2>/dev/null || echo 1)" ;;
esac
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 2
t1=$(cut -d' ' -f1 /proc/uptime)
ok $(awk -v a="$t0" -v b="$t1" 'BEGIN { print !(b - a >= 1.9 && b - a < 4) }') \
	"time goes on with the duty on CPU $tk (sleep 2 took $t0 -> $t1)"
echo 1 >/sys/devices/system/cpu/cpu2/online

# Refusal: isolating every CPU.
echo "$ALL" >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
case "$(cat $P/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "isolating every CPU is invalid ($(cat $P/cpuset.cpus.partition))"
eq "and changes nothing" "$BOOT" "$(snapshot)"
dmesg | grep -q "cpuset_isolation: isolating $ALL refused: timekeeping CPU [0-9]* has no housekeeping successor"
ok $? "the refusal names the timekeeper without a successor"
echo member >$P/cpuset.cpus.partition
echo 2-3 >$P/cpuset.cpus

# CPU hotplug of an isolated CPU.
echo isolated >$P/cpuset.cpus.partition
echo 0 >/sys/devices/system/cpu/cpu3/online
# As with a boot-time nohz_full= list, an offline CPU keeps its nohz_full bit.
eq "offline isolated CPU 3 stays in the partition and nohz_full" "2-3 2-3" \
	"$(cat $CG/cpuset.cpus.isolated) $(cat $NOHZ)"
echo 1 >/sys/devices/system/cpu/cpu3/online
eq "onlined, it is still nohz_full" 2-3 "$(cat $NOHZ)"
eq "its rcuo kthreads stay off 2-3" "0-1,4-7 " "$(rcuo_affinity)"
tick "and its tick stops again under one busy task (5 s)" 5 le 15 $(busy_loc 3 5 $P settle)
echo member >$P/cpuset.cpus.partition
eq "hotplug left the boot state" "$BOOT" "$(snapshot)"

# An offline CPU isolated after a release: its idle task needs a fresh vtime when it comes
# back, or the first context switch warns (cputime.c, VTIME_INACTIVE) and accounts garbage.
warn0=$(dmesg | grep -c WARNING)
echo isolated >$P/cpuset.cpus.partition
echo member >$P/cpuset.cpus.partition
echo 0 >/sys/devices/system/cpu/cpu3/online
echo isolated >$P/cpuset.cpus.partition
echo 1 >/sys/devices/system/cpu/cpu3/online
tick "isolating offline CPU 3 after a release: its tick stops once online (5 s)" 5 le 15 \
	$(busy_loc 3 5 $P settle)
echo member >$P/cpuset.cpus.partition
eq "and no warning" "$warn0" "$(dmesg | grep -c WARNING)"
eq "and the boot state after it" "$BOOT" "$(snapshot)"

# Fault injection at each of the 8 steps of an isolate, then of a release.
if [ -e $FAIL ]; then
	BOOTHK=$(hkstate)
	for step in 1 2 3 4 5 6 7 8; do
		echo $step >$FAIL
		echo isolated >$P/cpuset.cpus.partition
		s="$(hkstate)$(cat $CG/cpuset.cpus.isolated)|$(cat $P/cpuset.cpus.partition)"
		echo 0 >$FAIL
		echo member >$P/cpuset.cpus.partition
		want="$BOOTHK|isolated invalid (Isolating the CPUs failed, see the kernel log)"
		if [ "$s" = "$want" ]; then ok 0 "isolate failing at step $step rolls back, the partition is invalid"
		else ok 1 "isolate failing at step $step rolls back, the partition is invalid (got '$s', want '$want')"; fi
	done
	# A release is never rolled back: only the failing step's part keeps the CPUs, until the
	# next change of the isolated set runs that step again.
	for step in 1 2 3 4 5 6 7 8; do
		echo isolated >$P/cpuset.cpus.partition
		echo $step >$FAIL
		echo member >$P/cpuset.cpus.partition
		echo 0 >$FAIL
		name=$(dmesg | sed -n "s/.*cpuset_isolation: release step $step (\([a-z_]*\)) failed: -5; continuing.*/\1/p" | tail -1)
		want_d=$ALL want_n=
		case $name in publish_masks) want_d=0-1,4-7 ;; tick) want_n=2-3 ;; esac
		got="domain=$(hk domain) nohz_full=$(cat $NOHZ)"
		if [ -n "$name" ] && [ "$got" = "domain=$want_d nohz_full=$want_n" ]; then
			ok 0 "release failing at step $step ($name) releases every other part"
		else
			ok 1 "release failing at step $step (${name:-no log}) releases every other part ($got)"
		fi
		echo isolated >$P/cpuset.cpus.partition
		echo member >$P/cpuset.cpus.partition
		s=$(snapshot)
		[ "$s" = "$BOOT" ] || ok 1 "the next change after a failure at step $step restores the boot state ($s)"
	done
	eq "fault injection left the boot state" "$BOOT" "$(snapshot)"
else
	skip 17 "fault injection" "no fault injection (CONFIG_CPUSET_ISOLATION_FAULT_INJECTION=n)"
fi

# 500 isolate/release cycles (200 in the quick mode).
N=$(cycles 500 200)
bad=0
i=0
while [ $i -lt "$N" ]; do
	echo isolated >$P/cpuset.cpus.partition
	[ "$(cat $NOHZ)" = 2-3 ] || bad=$((bad + 1))
	echo member >$P/cpuset.cpus.partition
	[ "$(cat $NOHZ)" = "" ] || bad=$((bad + 1))
	i=$((i + 1))
done
eq "$N isolate/release cycles, nohz_full right every time" 0 "$bad"
eq "and the boot state after them" "$BOOT" "$(snapshot)"
tick "CPU 3 still ticks at HZ after the cycles (5 s)" 5 ge 600 $(busy_loc 3 5 $CG)
rmdir $P
done_testing
