#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Domain tier: isolated partitions drive the runtime housekeeping masks. Checks, from outside,
# cpuset.housekeeping, cpuset.cpus.isolated and the unbound workqueue mask through plain,
# systemd-style and Kubernetes-style (remote partition) layouts, growing, shrinking,
# invalidation, removal, CPU hotplug, bad input, fault injection at every step, tasks forking
# meanwhile, and 200 isolate/release cycles. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
HK=$CG/cpuset.housekeeping
ISO=$CG/cpuset.cpus.isolated
WQ=/sys/devices/virtual/workqueue/cpumask
FAIL=/sys/kernel/debug/cpuset_isolation/fail_step
DOMAIN_TYPES="timer misc sched domain wq kthread"
OTHER_TYPES="rcu tick managed_irq"

# Possible CPUs (0-N): the housekeeping masks are made of possible, not online, CPUs.
ALL=$(cat /sys/devices/system/cpu/possible)
ncpus() { echo $((${ALL#0-} + 1)); }

# cpulist arithmetic: "all CPUs minus LIST" as a cpulist, and as a hex mask.
minus() {
	echo "$1" | awk -v n="$(ncpus)" '
	{ split($0, parts, ","); for (i in parts) { if (parts[i] == "") continue;
	  m = split(parts[i], r, "-"); lo = r[1]; hi = (m == 2) ? r[2] : r[1];
	  for (c = lo; c <= hi; c++) x[c] = 1 } }
	END { out = ""; c = 0; while (c < n) { if (x[c]) { c++; continue }
	  s = c; while (c + 1 < n && !x[c + 1]) c++;
	  out = out (out == "" ? "" : ",") (s == c ? s : s "-" c); c++ } print out }'
}
hexminus() {
	echo "$1" | awk -v n="$(ncpus)" '
	{ split($0, parts, ","); for (i in parts) { if (parts[i] == "") continue;
	  m = split(parts[i], r, "-"); lo = r[1]; hi = (m == 2) ? r[2] : r[1];
	  for (c = lo; c <= hi; c++) x[c] = 1 } }
	END { v = 0; p = 1; for (c = 0; c < n; c++) { if (!x[c]) v += p; p *= 2 } printf "%x\n", v }'
}
hk() { awk -v t="$1" '$1 == t { print $2 }' $HK; }

# The invariant: the domain-tier types are exactly "all minus isolated", the others are
# untouched, unbound workqueues avoid the isolated CPUs, and /sys/devices/system/cpu/isolated
# tells the truth.
state_ok() { # description
	iso=$(cat $ISO)
	want=$(minus "$iso")
	bad=""
	for t in $DOMAIN_TYPES; do [ "$(hk $t)" = "$want" ] || bad="$bad $t=$(hk $t)"; done
	for t in $OTHER_TYPES; do [ "$(hk $t)" = "$ALL" ] || bad="$bad $t=$(hk $t)"; done
	[ "$(cat $WQ)" = "$(hexminus "$iso")" ] || bad="$bad wq_cpumask=$(cat $WQ)"
	[ "$(cat /sys/devices/system/cpu/isolated)" = "$iso" ] ||
		bad="$bad sysfs_isolated=$(cat /sys/devices/system/cpu/isolated)"
	if [ -z "$bad" ]; then ok 0 "$1 (isolated '$iso')"; else ok 1 "$1 (isolated '$iso':$bad)"; fi
}
snapshot() { cat $HK $ISO $WQ | tr '\n' ' '; }
WD=/proc/sys/kernel/watchdog_cpumask
# The watchdog follows from a work item: wait up to 5 s for the expected mask.
wd_is() { # description expected
	i=0
	while [ "$(cat $WD)" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	eq "$1" "$2" "$(cat $WD)"
}

mkpart() { # dir cpus type
	mkdir -p "$1"
	echo "$2" >"$1/cpuset.cpus"
	echo "$3" >"$1/cpuset.cpus.partition"
}

echo "TAP version 13"
echo "1..64"

echo +cpuset >$CG/cgroup.subtree_control
[ -r $HK ] ; ok $? "cpuset.housekeeping exists in the root cgroup"
eq "it lists the 9 housekeeping types" 9 "$(wc -l <$HK)"
[ ! -e $CG/init.scope/cpuset.housekeeping ] 2>/dev/null; ok $? "it exists only in the root cgroup"
BOOT=$(snapshot)
state_ok "boot state"

# Plain mkdir partition.
P=$CG/rt
mkpart $P 2-3 isolated
eq "plain partition is isolated" isolated "$(cat $P/cpuset.cpus.partition)"
eq "domain housekeeping loses 2-3" "0-1,4-7" "$(hk domain)"
state_ok "after isolating 2-3"
wd_is "the watchdog leaves 2-3" "0-1,4-7"
echo 2-4 >$P/cpuset.cpus
state_ok "after growing to 2-4"
echo 3 >$P/cpuset.cpus
state_ok "after shrinking to 3"
echo root >$P/cpuset.cpus.partition
state_ok "after turning it into a root partition"
echo isolated >$P/cpuset.cpus.partition
echo member >$P/cpuset.cpus.partition
state_ok "after release"
eq "release restores the boot snapshot exactly" "$BOOT" "$(snapshot)"
wd_is "the watchdog gets 2-3 back" "$ALL"
# A CPU the admin excluded from the watchdog stays excluded after release.
echo 0-2,4-7 >$WD
mkpart $P 2-3 isolated
wd_is "isolating 2-3 with CPU 3 excluded by the admin" "0-1,4-7"
echo 1,5 >$WD
wd_is "an admin write while isolated keeps 2-3 out" "1,5"
echo 0-2,4-7 >$WD
echo member >$P/cpuset.cpus.partition
wd_is "release gives back CPU 2 only" "0-2,4-7"
echo "$ALL" >$WD
wd_is "admin restores the full watchdog mask" "$ALL"
rmdir $P

# Kthreads: a user-pinned kthread stays where the user put it; others leave and come back.
pid_of() {
	for d in /proc/[0-9]*; do
		c=
		{ read -r c <"$d/comm"; } 2>/dev/null
		[ "$c" = "$1" ] && { echo "${d#/proc/}"; return; }
	done
}
allowed() { awk '/Cpus_allowed_list/ { print $2 }' /proc/$1/status; }
PINNED=$(pid_of kswapd0)
OTHER=$(pid_of kthreadd)
taskset -p -c 2 "$PINNED" >/dev/null
mkpart $P 2-3 isolated
eq "a kthread pinned to CPU 2 with taskset stays on it" 2 "$(allowed $PINNED)"
eq "other kthreads leave 2-3" "0-1,4-7" "$(allowed $OTHER)"
echo member >$P/cpuset.cpus.partition
eq "the pinned kthread keeps the user's mask on release" 2 "$(allowed $PINNED)"
eq "other kthreads get 2-3 back" "$ALL" "$(allowed $OTHER)"
taskset -p -c "$ALL" "$PINNED" >/dev/null
rmdir $P

# systemd-style: machine.slice/x.scope with AllowedCPUs= (cpuset.cpus) on both.
S=$CG/machine.slice
mkpart $S 4-5 root
echo +cpuset >$S/cgroup.subtree_control
mkpart $S/x.scope 4-5 isolated
eq "systemd-style scope is isolated" isolated "$(cat $S/x.scope/cpuset.cpus.partition)"
state_ok "after isolating machine.slice/x.scope"
rmdir $S/x.scope
state_ok "after removing the scope"
echo member >$S/cpuset.cpus.partition
rmdir $S

# Kubernetes-style: a remote partition, exclusive CPUs written down the tree by the runtime.
K=$CG/kubepods
mkdir -p $K/burstable/pod1/ctr
echo +cpuset >$K/cgroup.subtree_control
echo +cpuset >$K/burstable/cgroup.subtree_control
echo +cpuset >$K/burstable/pod1/cgroup.subtree_control
for d in $K $K/burstable $K/burstable/pod1 $K/burstable/pod1/ctr; do echo 6-7 >$d/cpuset.cpus.exclusive; done
echo 6-7 >$K/burstable/pod1/ctr/cpuset.cpus
echo isolated >$K/burstable/pod1/ctr/cpuset.cpus.partition
eq "remote container partition is isolated" isolated "$(cat $K/burstable/pod1/ctr/cpuset.cpus.partition)"
state_ok "after isolating the container"
mkpart $CG/rt 2-3 isolated
state_ok "with a second partition 2-3"
rmdir $CG/rt
rmdir $K/burstable/pod1/ctr $K/burstable/pod1 $K/burstable $K
state_ok "after removing the pod"
eq "boot snapshot after the pod" "$BOOT" "$(snapshot)"

# Bad input: each refused or invalid, and nothing else changed.
P=$CG/bad
mkdir $P
echo 2-3 >$P/cpuset.cpus
before=$(snapshot)
echo bogus >$P/cpuset.cpus.partition 2>/dev/null; ok $((! $?)) "garbage partition type is refused"
echo "" >$P/cpuset.cpus.partition 2>/dev/null; ok $((! $?)) "empty partition type is refused"
eq "refused writes changed nothing" "$before" "$(snapshot)"
echo 2-9 >$P/cpuset.cpus 2>/dev/null; ok $((! $?)) "CPUs beyond nr_cpu_ids are refused"
echo xyz >$P/cpuset.cpus 2>/dev/null; ok $((! $?)) "garbage cpu list is refused"
eq "refused cpu lists changed nothing" "$before" "$(snapshot)"
echo "$ALL" >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition 2>/dev/null
case "$(cat $P/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "isolating every CPU gives an invalid partition ($(cat $P/cpuset.cpus.partition))"
state_ok "the invalid partition isolates nothing"
echo member >$P/cpuset.cpus.partition
echo 2-3 >$P/cpuset.cpus

# Offline CPU in the requested set, then hotplug of an isolated CPU.
echo 0 >/sys/devices/system/cpu/cpu3/online
echo isolated >$P/cpuset.cpus.partition
state_ok "isolating 2-3 with CPU 3 offline"
echo 1 >/sys/devices/system/cpu/cpu3/online
state_ok "after CPU 3 comes back"
# Stock kcompactd_cpu_online() gives kcompactd its whole node back when a CPU comes online.
eq "kswapd0 and kcompactd0 stay off 2-3 when CPU 3 comes back" "0-1,4-7 0-1,4-7" \
	"$(allowed "$(pid_of kswapd0)") $(allowed "$(pid_of kcompactd0)")"
echo 0 >/sys/devices/system/cpu/cpu2/online
state_ok "after unplugging isolated CPU 2"
echo 1 >/sys/devices/system/cpu/cpu2/online
state_ok "after re-plugging CPU 2"
eq "kswapd0 and kcompactd0 stay off 2-3 when CPU 2 comes back" "0-1,4-7 0-1,4-7" \
	"$(allowed "$(pid_of kswapd0)") $(allowed "$(pid_of kcompactd0)")"
echo member >$P/cpuset.cpus.partition

# Fault injection: fail each step of an isolate (rolled back whole), then a release.
if [ -e $FAIL ]; then
	before=$(snapshot)
	for step in 1 2 3 4 5 6; do
		echo $step >$FAIL
		echo isolated >$P/cpuset.cpus.partition
		# The housekeeping state is rolled back whole, and the partition is invalid.
		d=$(hk domain)
		w=$(cat $WQ)
		pr=$(cat $P/cpuset.cpus.partition)
		iso=$(cat $ISO)
		echo 0 >$FAIL
		echo member >$P/cpuset.cpus.partition
		if [ "$d" = "$ALL" ] && [ "$w" = "$(hexminus "")" ] && [ -z "$iso" ] &&
			[ "$pr" = "isolated invalid (Isolating the CPUs failed, see the kernel log)" ]; then
			ok 0 "isolate with step $step failing rolls back and invalidates the partition"
		else
			ok 1 "isolate with step $step failing rolls back and invalidates the partition (domain '$d', wq '$w', '$pr', isolated '$iso')"
		fi
	done
	eq "fault injection left the boot state" "$before" "$(snapshot)"
	echo isolated >$P/cpuset.cpus.partition
	echo 1 >$FAIL
	echo member >$P/cpuset.cpus.partition
	# A release is never rolled back: the steps after the failing one still run.
	eq "a release failing at step 1 still gives 2-3 back to domain housekeeping" "$ALL" "$(hk domain)"
	echo 0 >$FAIL
	echo isolated >$P/cpuset.cpus.partition
	echo member >$P/cpuset.cpus.partition
	state_ok "the next change resynchronises"
else
	skip 9 "fault injection" "no fault injection (CONFIG_CPUSET_ISOLATION_FAULT_INJECTION=n)"
fi
rmdir $P

# Defects the cpuset fuzzer (dhei-fuzz) found, each as its shortest reproducer.
# An invalid child partition whose CPUs are none of its new partition parent's stays invalid
# (stock 6.12 made it valid, sharing the parent's CPUs; generate_sched_domains() warned).
F=$CG/fz
mkdir -p $F
echo +cpuset >$F/cgroup.subtree_control
mkdir $F/a
echo 1,3 >$F/a/cpuset.cpus
echo 7 >$F/cpuset.cpus
echo root >$F/a/cpuset.cpus.partition
echo root >$F/cpuset.cpus.partition
case "$(cat $F/a/cpuset.cpus.partition)" in "root invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "a child partition with none of its new parent's CPUs stays invalid ($(cat $F/a/cpuset.cpus.partition))"
echo member >$F/a/cpuset.cpus.partition
echo member >$F/cpuset.cpus.partition
rmdir $F/a $F
# A task moved to a child cgroup and back to the root while a CPU is offline gets that CPU
# back when it comes online (stock 6.12 skipped the move back: equal effective CPUs).
mkdir $CG/mv
sh -c 'while :; do :; done' &
busy=$!
echo $busy >$CG/mv/cgroup.procs
echo 0 >/sys/devices/system/cpu/cpu7/online
echo $busy >$CG/cgroup.procs
echo 1 >/sys/devices/system/cpu/cpu7/online
eq "a task moved back to the root runs on CPU 7 again once it is online" "$ALL" "$(allowed $busy)"
kill $busy
wait $busy 2>/dev/null
rmdir $CG/mv
# Invalid partitions whose CPUs change: fz's CPU 5 is in its invalid sibling fy's 0-7, so
# fz stays invalid (stock 6.12 made it valid, see below); fy moved to 2-4 turns valid (stock
# 6.12 kept it invalid, judging by the CPUs it asked for before). Stock 6.12 then gave fz's
# CPU back to the root while fz still read "isolated" (patch 0026).
mkdir $CG/fy $CG/fz
echo 0-7 >$CG/fy/cpuset.cpus
echo isolated >$CG/fy/cpuset.cpus.partition
echo isolated >$CG/fz/cpuset.cpus.partition
echo 5 >$CG/fz/cpuset.cpus
echo 2-4 >$CG/fy/cpuset.cpus
eq "invalid partitions whose CPUs change turn valid only when exclusive" \
	"isolated invalid (Cpu list in cpuset.cpus not exclusive)|isolated|2-4|0-1,5-7" \
	"$(cat $CG/fz/cpuset.cpus.partition)|$(cat $CG/fy/cpuset.cpus.partition)|$(cat $ISO)|$(cat $CG/cpuset.cpus.effective)"
rmdir $CG/fy $CG/fz
# An invalid partition that gets new CPUs takes those, not the ones it held while valid
# (stock 6.12 isolated its old CPUs 2-3 again, which no partition held any more).
mkdir $CG/fz $CG/fy
echo 2-3 >$CG/fz/cpuset.cpus
echo isolated >$CG/fz/cpuset.cpus.partition
sh -c 'while :; do :; done' &
busy=$!
echo $busy >$CG/fz/cgroup.procs
echo 1-3 >$CG/fy/cpuset.cpus
echo 0 >$CG/fz/cpuset.cpus
eq "an invalidated partition moved to CPU 0 isolates CPU 0, not its old 2-3" \
	"isolated 0 1-7" \
	"$(cat $CG/fz/cpuset.cpus.partition) $(cat $ISO) $(cat $CG/cpuset.cpus.effective)"
kill $busy
wait $busy 2>/dev/null
rmdir $CG/fz $CG/fy
# An invalid partition whose new CPUs overlap a sibling's stays invalid, through cpuset.cpus
# and through cpuset.cpus.exclusive (stock 6.12 made it valid without CS_CPU_EXCLUSIVE; its
# next switch to root then failed and left its CPUs isolated and out of the root for good).
mkdir $CG/fz $CG/fy
echo 1-2 >$CG/fz/cpuset.cpus
echo isolated >$CG/fz/cpuset.cpus.partition
echo 2-3 >$CG/fy/cpuset.cpus
echo 2,4 >$CG/fz/cpuset.cpus
p1=$(cat $CG/fz/cpuset.cpus.partition)
echo root >$CG/fz/cpuset.cpus.partition
echo member >$CG/fz/cpuset.cpus.partition
echo 1-2 >$CG/fz/cpuset.cpus
echo isolated >$CG/fz/cpuset.cpus.partition
echo 2 >$CG/fz/cpuset.cpus.exclusive 2>/dev/null
p2=$(cat $CG/fz/cpuset.cpus.partition)
echo root >$CG/fz/cpuset.cpus.partition
echo member >$CG/fz/cpuset.cpus.partition
rmdir $CG/fz $CG/fy
case "$p1|$p2" in "isolated invalid"*"|isolated invalid"*) r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && [ -z "$(cat $ISO)" ] && [ "$(cat $CG/cpuset.cpus.effective)" = "$ALL" ]
ok $? "an invalid partition made to overlap a sibling stays invalid and leaks nothing ('$p1', '$p2', isolated '$(cat $ISO)', root '$(cat $CG/cpuset.cpus.effective)')"
# RCU's per-node kthreads stay off isolated CPUs when a CPU goes offline or online (stock
# 6.12 gave them every RCU housekeeping CPU, isolated ones included, without rcu_nocbs=).
P=$CG/rcu
mkpart $P 2-3 isolated
EXP=$(pid_of rcu_exp_par_gp_kthread_worker/0)
echo 0 >/sys/devices/system/cpu/cpu5/online
eq "CPU 5 offline: the expedited RCU kworker stays off 2-3" "0-1,4,6-7" "$(allowed "$EXP")"
echo 1 >/sys/devices/system/cpu/cpu5/online
eq "CPU 5 online: the expedited RCU kworker stays off 2-3" "0-1,4-7" "$(allowed "$EXP")"
echo member >$P/cpuset.cpus.partition
rmdir $P

# Tasks forked in the root cgroup while a partition changes take the new CPUs. A child copies
# its parent's CPUs early in fork() and joins the parent's cgroup late. Stock 6.12 gave a child
# of the root cgroup nothing then, so a child that cpuset's update of the cgroup's tasks missed
# kept the CPUs of before: those of a new isolated partition, or without the CPUs a released
# one gave back (patch 0037).
# root_strays CPUS: the root cgroup's user tasks that may run on other CPUs than CPUS, as
# pid:cpus lines.
root_strays() {
	awk -v want="$1" '
	FNR == 1 { pid = ""; kt = "" }
	$1 == "Pid:" { pid = $2 }
	$1 == "Kthread:" { kt = $2 }
	$1 == "Cpus_allowed_list:" && kt == "0" && $2 != want {
		f = "/proc/" pid "/cgroup"; cg = ""
		if ((getline cg < f) > 0 && cg == "0::/") print pid ":" $2
		close(f)
	}' /proc/[0-9]*/status 2>/dev/null
}
# The children a write's update missed are done forking 0.3 s later. A child between its fork
# and its joining the cgroup is in /proc already: a stray counts only when it is still there,
# with the same CPUs, half a second later.
lasting_strays() { # CPUS
	sleep 0.3
	a=$(root_strays "$1")
	[ -n "$a" ] || return 0
	sleep 0.5
	b=$(root_strays "$1")
	for x in $a; do
		case " $(echo $b) " in *" $x "*) echo "$x" ;; esac
	done
}
P=$CG/forks
mkdir $P
echo 2-3 >$P/cpuset.cpus
# Two processes fork children that live 2 s each (dhei-forker.rs).
SPAWNERS=""
for s in 1 2; do
	/dhei/dhei-forker 4000 2000 &
	SPAWNERS="$SPAWNERS $!"
done
sleep 2
N=$(cycles 50 20)
leak=0 stale=0 firstleak="" firststale=""
i=0
while [ $i -lt "$N" ]; do
	echo isolated >$P/cpuset.cpus.partition
	s=$(lasting_strays "0-1,4-7")
	[ -z "$s" ] || { leak=$((leak + 1)); firstleak=${firstleak:-$(echo $s)}; }
	echo member >$P/cpuset.cpus.partition
	s=$(lasting_strays "$ALL")
	[ -z "$s" ] || { stale=$((stale + 1)); firststale=${firststale:-$(echo $s)}; }
	i=$((i + 1))
done
kill $SPAWNERS
wait $SPAWNERS 2>/dev/null
eq "$N isolates with tasks forking in the root cgroup: no new task keeps the isolated CPUs${firstleak:+ (first: $firstleak)}" 0 "$leak"
eq "$N releases with tasks forking in the root cgroup: every new task gets the CPUs back${firststale:+ (first: $firststale)}" 0 "$stale"
sleep 2.2
rmdir $P

# 200 isolate/release cycles (40 in the quick mode).
P=$CG/cycle
mkdir $P
echo 2-3 >$P/cpuset.cpus
N=$(cycles 200)
bad=0
i=0
while [ $i -lt "$N" ]; do
	echo isolated >$P/cpuset.cpus.partition
	[ "$(hk domain)" = "0-1,4-7" ] || bad=$((bad + 1))
	echo member >$P/cpuset.cpus.partition
	[ "$(hk domain)" = "$ALL" ] || bad=$((bad + 1))
	i=$((i + 1))
done
eq "$N isolate/release cycles, every state right" 0 "$bad"
rmdir $P
eq "boot snapshot after everything" "$BOOT" "$(snapshot)"

exit $((fails != 0))
