#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot with nohz_full=4-7: CPUs 0-3 are the only timer/wq/kthread/misc housekeeping CPUs.
# An isolated partition may take some of them, but never all: that request is refused before
# cpuset commits anything ("isolated invalid (...)"), for local and remote partitions, and
# nothing changes. Also: CPU hotplug may not take the last online CPU of a housekeeping mask
# that a partition changed; a partition that becomes valid through a CPU list change is
# checked too, and never blocks the release of another partition; a user's affinity on
# kthreadd is intersected with the CPUs outside partitions, as in stock 6.12. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
HK=$CG/cpuset.housekeeping
WQ=/sys/devices/virtual/workqueue/cpumask

hk() { awk -v t="$1" '$1 == t { print $2 }' $HK; }
hks() { for t in timer wq kthread misc sched domain tick rcu; do printf '%s=%s ' $t "$(hk $t)"; done; }
snapshot() { cat $HK $CG/cpuset.cpus.isolated $WQ | tr '\n' ' '; }
allowed() { awk '/^Cpus_allowed_list/ { print $2 }' /proc/$1/status; }
invalid() { # description partition-file
	case "$(cat "$2")" in
	"isolated invalid"*housekeeping*) ok 0 "$1" ;;
	*) ok 1 "$1 (got '$(cat "$2")')" ;;
	esac
}

echo "TAP version 13"

echo +cpuset >$CG/cgroup.subtree_control
eq "a nohz_full= list is not the opt-in: rcu and tick unavailable" \
	"domain on|rcu unavailable (boot with rcu_nocbs=all or nohz_full=dynamic)|tick unavailable (boot with nohz_full=dynamic)|managed_irq unavailable (not implemented)|" \
	"$(tr '\n' '|' <$CG/cpuset.isolation.features)"
eq "boot housekeeping from nohz_full=4-7" \
	"timer=0-3 wq=0-3 kthread=0-3 misc=0-3 sched=0-7 domain=0-7 tick=0-3 rcu=0-3 " "$(hks)"
BOOT=$(snapshot)

P=$CG/rt
mkdir $P
echo 2-3 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
eq "isolating 2-3 is accepted" isolated "$(cat $P/cpuset.cpus.partition)"
eq "domain tier loses 2-3, tick and rcu keep the boot masks" \
	"timer=0-1 wq=0-1 kthread=0-1 misc=0-1 sched=0-1,4-7 domain=0-1,4-7 tick=0-3 rcu=0-3 " "$(hks)"
eq "unbound workqueues keep only 0-1" 03 "$(cat $WQ)"
eq "nohz_full still shows only the boot CPUs" 4-7 "$(cat /sys/devices/system/cpu/nohz_full)"
echo 1-3 >$P/cpuset.cpus
eq "growing to 1-3 is accepted, CPU 0 is the last timer CPU" "isolated 0" \
	"$(cat $P/cpuset.cpus.partition) $(hk timer)"
echo 0-3 >$P/cpuset.cpus
invalid "growing to 0-3 makes the partition invalid" $P/cpuset.cpus.partition
eq "the invalid partition isolates nothing" "$BOOT" "$(snapshot)"
dmesg | grep -q "cpuset_isolation: isolating 0-3 refused: no online housekeeping CPU left for timer"
ok $? "the refusal reason is logged"
echo 2-3 >$P/cpuset.cpus
eq "shrinking back to 2-3 makes it valid again" "isolated 0-1" \
	"$(cat $P/cpuset.cpus.partition) $(hk timer)"
echo member >$P/cpuset.cpus.partition
eq "release restores the boot snapshot" "$BOOT" "$(snapshot)"

echo 0-3 >$P/cpuset.cpus
echo isolated >$P/cpuset.cpus.partition
invalid "a new partition taking every timer CPU is invalid" $P/cpuset.cpus.partition
eq "and changes nothing" "$BOOT" "$(snapshot)"
echo 0-2 >$P/cpuset.cpus
eq "giving the invalid partition fewer CPUs makes it valid" "isolated 3" \
	"$(cat $P/cpuset.cpus.partition) $(hk timer)"
echo 0-3 >$P/cpuset.cpus
invalid "growing it back to every timer CPU makes it invalid again" $P/cpuset.cpus.partition
echo member >$P/cpuset.cpus.partition
echo root >$P/cpuset.cpus.partition
eq "a root partition may hold every timer CPU" root "$(cat $P/cpuset.cpus.partition)"
echo isolated >$P/cpuset.cpus.partition
invalid "but turning it isolated is refused" $P/cpuset.cpus.partition
eq "and gives its CPUs back: nothing changed" "$BOOT" "$(snapshot)"
eq "the top cpuset has every CPU again" "0-7" "$(cat $CG/cpuset.cpus.effective)"
echo member >$P/cpuset.cpus.partition
rmdir $P

# Remote partition (Kubernetes style) taking every timer CPU.
K=$CG/kubepods
mkdir -p $K/pod/ctr
echo +cpuset >$K/cgroup.subtree_control
echo +cpuset >$K/pod/cgroup.subtree_control
for d in $K $K/pod $K/pod/ctr; do echo 0-3 >$d/cpuset.cpus.exclusive; done
echo isolated >$K/pod/ctr/cpuset.cpus.partition
invalid "a remote partition taking every timer CPU is invalid" $K/pod/ctr/cpuset.cpus.partition
eq "and changes nothing" "$BOOT" "$(snapshot)"
rmdir $K/pod/ctr $K/pod $K

# CPU hotplug may not empty a housekeeping mask that a partition changed.
A=$CG/a
mkdir $A
echo 0-1 >$A/cpuset.cpus
echo isolated >$A/cpuset.cpus.partition
eq "isolating 0-1 leaves 2-3 as timer housekeeping" "isolated 2-3" \
	"$(cat $A/cpuset.cpus.partition) $(hk timer)"
echo 0 >/sys/devices/system/cpu/cpu2/online
ok $? "offlining timer housekeeping CPU 2 is accepted"
echo 0 >/sys/devices/system/cpu/cpu3/online 2>/dev/null
ok $((! $?)) "offlining CPU 3, the last online timer housekeeping CPU, is refused"
eq "CPU 3 stays online and timer housekeeping" "1 2-3" \
	"$(cat /sys/devices/system/cpu/cpu3/online) $(hk timer)"
dmesg | grep -q "Housekeeping: CPU 3 is the last online timer housekeeping CPU"
ok $? "the refusal names the type"
echo 1 >/sys/devices/system/cpu/cpu2/online
ok $? "CPU 2 comes back online"

# A partition made valid by a CPU list change is checked too, and a refusal never blocks
# another partition's release.
B=$CG/b
mkdir $B
echo 2-3 >$B/cpuset.cpus
echo isolated >$B/cpuset.cpus.partition
invalid "a second partition taking timer CPUs 2-3 is invalid" $B/cpuset.cpus.partition
echo 2-3,5 >$B/cpuset.cpus
invalid "changing its CPUs to 2-3,5 keeps it invalid" $B/cpuset.cpus.partition
eq "timer housekeeping keeps 2-3" 2-3 "$(hk timer)"
echo member >$A/cpuset.cpus.partition
eq "releasing the first partition gives 0-1 back" "timer=0-3 domain=0-7" \
	"timer=$(hk timer) domain=$(hk domain)"
echo member >$B/cpuset.cpus.partition
rmdir $A $B
eq "the boot state after hotplug and the second partition" "$BOOT" "$(snapshot)"

# A user's mask on kthreadd, which every later kthread inherits: stock 6.12 intersects it
# with the CPUs outside partitions.
taskset -p ff 2 >/dev/null
mkdir $A
echo 2-3 >$A/cpuset.cpus
echo isolated >$A/cpuset.cpus.partition
eq "kthreadd with a user mask of 0-7 leaves isolated 2-3" 0-1,4-7 "$(allowed 2)"
echo member >$A/cpuset.cpus.partition
eq "and gets 0-7 back on release" 0-7 "$(allowed 2)"
rmdir $A

done_testing
