#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Delegation, booted with nohz_full=4-7 (CPUs 0-3 are the only timer housekeeping CPUs). The
# admin makes cgroup "deleg" a partition root on 0-3 and delegates it to user 1000 the way
# cgroup-v2.rst describes (chown of the directory, cgroup.procs, cgroup.subtree_control and
# cgroup.threads). Files of cgroups the user creates below belong to the user, so in 6.12 the
# user may make local partitions there, isolated ones included, which changes global state:
# housekeeping masks, the unbound workqueue mask, the watchdog. Checks what the user can and
# cannot do, that a refusal the user triggers is logged rate-limited, and that the admin can
# take everything back. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
HK=$CG/cpuset.housekeeping
WD=/proc/sys/kernel/watchdog_cpumask
WQ=/sys/devices/virtual/workqueue/cpumask
D=$CG/deleg
AS="$(dirname "$0")/dhei-as 1000"

hk() { awk -v t="$1" '$1 == t { print $2 }' $HK; }
snapshot() { cat $HK $CG/cpuset.cpus.isolated $WQ $WD | tr '\n' ' '; }
# The watchdog follows from a work item: wait up to 5 s for the expected mask.
wd_is() { # description expected
	i=0
	while [ "$(cat $WD)" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	eq "$1" "$2" "$(cat $WD)"
}
can() { $AS "$2" 2>/dev/null; ok $? "the user can $1"; }
# The write fails with EACCES or EPERM, not for another reason.
cannot() {
	err=$($AS "$2" 2>&1)
	case "$err" in
	*"Permission denied"* | *"Operation not permitted"*) ok 0 "the user cannot $1" ;;
	*) ok 1 "the user cannot $1 (got '$err')" ;;
	esac
}

echo "TAP version 13"
echo +cpuset >$CG/cgroup.subtree_control
BOOT=$(snapshot)

# The admin's side.
mkdir $D
echo 0-3 >$D/cpuset.cpus
echo root >$D/cpuset.cpus.partition
echo +cpuset >$D/cgroup.subtree_control
chown 1000:1000 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads
eq "the admin's partition root on 0-3 is valid" root "$(cat $D/cpuset.cpus.partition)"
ADMIN=$(snapshot)
eq "a root partition changes no housekeeping mask" "$BOOT" "$ADMIN"
eq "dhei-as runs as user 1000, without capabilities" "1000 0000000000000000" \
	"$($AS 'id -u; grep CapEff /proc/self/status' | awk '{ print $NF }' | tr '\n' ' ' | sed 's/ $//')"

# What the user cannot do.
cannot "change the CPUs of the cgroup it was given" "echo 0-7 >$D/cpuset.cpus"
cannot "change its partition type" "echo isolated >$D/cpuset.cpus.partition"
cannot "change its exclusive CPUs" "echo 0-1 >$D/cpuset.cpus.exclusive"
cannot "write cpuset.housekeeping" "echo 0 >$CG/cpuset.housekeeping"
cannot "write the root's subtree_control" "echo -cpuset >$CG/cgroup.subtree_control"
cannot "write watchdog_cpumask" "echo 0 >$WD"
cannot "offline a CPU" "echo 0 >/sys/devices/system/cpu/cpu3/online"
cannot "arm the fault injection" "echo 1 >/sys/kernel/debug/cpuset_isolation/fail_step"
eq "and nothing changed" "$ADMIN" "$(snapshot)"

# What it can do: an isolated partition inside its delegation, a global change.
can "create a cgroup below" "mkdir $D/job"
eq "whose cpuset files it owns" 1000 "$(stat -c %u $D/job/cpuset.cpus.partition)"
can "give it CPUs 2-3" "echo 2-3 >$D/job/cpuset.cpus"
can "make it isolated" "echo isolated >$D/job/cpuset.cpus.partition"
eq "the partition is isolated" isolated "$(cat $D/job/cpuset.cpus.partition)"
eq "2-3 leave the domain and timer housekeeping and the workqueues" "0-1,4-7 0-1 03" \
	"$(hk domain) $(hk timer) $(cat $WQ)"
wd_is "and the watchdog" 0-1
can "release it" "echo member >$D/job/cpuset.cpus.partition"
eq "which restores the state the admin left" "$ADMIN" "$(snapshot)"

# Not outside its delegation, not a remote partition, not every timer CPU.
$AS "mkdir $D/out && echo 4-5 >$D/out/cpuset.cpus && echo isolated >$D/out/cpuset.cpus.partition"
case "$(cat $D/out/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "isolating CPUs outside the delegation gives an invalid partition ($(cat $D/out/cpuset.cpus.partition))"
$AS "mkdir -p $D/m/r && echo +cpuset >$D/m/cgroup.subtree_control &&
	echo 1 >$D/m/cpuset.cpus.exclusive && echo 1 >$D/m/r/cpuset.cpus.exclusive &&
	echo isolated >$D/m/r/cpuset.cpus.partition"
eq "a remote partition is not permitted" "isolated invalid (Enable partition not permitted)" \
	"$(cat $D/m/r/cpuset.cpus.partition)"
eq "and neither changed anything" "$ADMIN" "$(snapshot)"
$AS "rmdir $D/out $D/m/r $D/m $D/job"

# A refusal the user triggers is logged, rate-limited (a burst of 10 per 5 s).
before=$(dmesg | grep -c "cpuset_isolation: isolating 0-3 refused")
$AS "mkdir $D/all && echo 0-3 >$D/all/cpuset.cpus && i=0 && while [ \$i -lt 100 ]; do
	echo isolated >$D/all/cpuset.cpus.partition; echo member >$D/all/cpuset.cpus.partition;
	i=\$((i + 1)); done"
logged=$(($(dmesg | grep -c "cpuset_isolation: isolating 0-3 refused") - before))
echo "# 100 refused writes logged $logged times"
[ "$logged" -ge 1 ] && [ "$logged" -le 20 ]
ok $? "100 refusals the user triggers are logged 1 to 20 times ($logged)"
$AS "echo isolated >$D/all/cpuset.cpus.partition"
case "$(cat $D/all/cpuset.cpus.partition)" in "isolated invalid"*housekeeping*) r=0 ;; *) r=1 ;; esac
ok $r "isolating every timer CPU is refused for the user too ($(cat $D/all/cpuset.cpus.partition))"
eq "and changes nothing" "$ADMIN" "$(snapshot)"
$AS "echo member >$D/all/cpuset.cpus.partition; rmdir $D/all"

# The admin takes it back while the user's partition is isolated. Stock 6.12 left the
# CPUs of the invalidated partition in cpuset.cpus.isolated for good (patch 0028).
$AS "mkdir $D/job && echo 2-3 >$D/job/cpuset.cpus && echo isolated >$D/job/cpuset.cpus.partition"
eq "the user's partition is isolated again" "isolated 0-1" "$(cat $D/job/cpuset.cpus.partition) $(hk timer)"
echo member >$D/cpuset.cpus.partition
case "$(cat $D/job/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "when the admin turns the delegation into a member, the user's partition is invalid ($(cat $D/job/cpuset.cpus.partition))"
eq "and isolates nothing" "$BOOT" "$(snapshot)"
wd_is "the watchdog has 0-3 back" 0-3
$AS "echo isolated >$D/job/cpuset.cpus.partition"
case "$(cat $D/job/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "the user cannot make it valid again ($(cat $D/job/cpuset.cpus.partition))"
rmdir $D/job $D
eq "boot state at the end" "$BOOT" "$(snapshot)"

done_testing
