#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bad input on every cpuset file, and CPU hotplug that changes which partitions are valid,
# booted with nohz_full=dynamic (every housekeeping class that follows partitions is on).
#
# Bad input: out-of-range, reversed, malformed and over-long CPU lists, overlapping exclusive
# CPUs, unknown partition types, bad node lists, and writes to the root's read-only files.
# Each write fails with an error, the file keeps its value, and nothing global changes (the
# housekeeping masks, cpuset.cpus.isolated, nohz_full, sysfs isolated, the workqueue mask and
# the watchdog), on a member cgroup and on a valid isolated partition alike.
#
# Hotplug: offlining CPUs of an isolated partition, down to its last, with and without a
# task in it, offlining the last CPUs outside partitions, and onlining them again. After every step the kernel must be in a state the
# model accepts: cpuset.cpus.isolated's online CPUs are exactly the online CPUs of the valid
# isolated partitions, and every mask follows cpuset.cpus.isolated.
#
# Two writers at once: one releases a partition while another isolates the CPUs that the
# release left to the root cgroup. Prints TAP.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
HK=$CG/cpuset.housekeeping
ISO=$CG/cpuset.cpus.isolated
WQ=/sys/devices/virtual/workqueue/cpumask
WD=/proc/sys/kernel/watchdog_cpumask
NOHZ=/sys/devices/system/cpu/nohz_full
SYSISO=/sys/devices/system/cpu/isolated
ALL=$(cat /sys/devices/system/cpu/possible)
N=$((${ALL#0-} + 1))

# cpulist <-> one CPU number per line.
expand() {
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 1 && $1 != "" { print $1 }
		NF == 2 { for (c = $1; c <= $2; c++) print c }'
}
compress() {
	sort -n -u | awk 'NR == 1 { s = e = $1; next } $1 == e + 1 { e = $1; next }
		{ out = out (out == "" ? "" : ",") (s == e ? s : s "-" e); s = e = $1 }
		END { if (NR) out = out (out == "" ? "" : ",") (s == e ? s : s "-" e); print out }'
}
# and LIST LIST, minus LIST (from all possible CPUs), hexminus LIST (as a hex mask)
and() { { expand "$1"; expand "$2"; } | sort -n | uniq -d | compress; }
minus() { { seq 0 $((N - 1)); expand "$1"; expand "$1"; } | sort -n | uniq -u | compress; }
hexminus() {
	{ seq 0 $((N - 1)); expand "$1"; expand "$1"; } | sort -n | uniq -u |
		awk '{ x[$1] = 1 } END { v = 0; p = 1; for (c = 0; c < '$N'; c++) {
			if (x[c]) v += p; p *= 2 } printf "%x\n", v }'
}
hk() { awk -v t="$1" '$1 == t { print $2 }' $HK; }

global() { printf '%s|' "$(cat $HK | tr '\n' ' ')" "$(cat $ISO)" "$(cat $NOHZ)" "$(cat $SYSISO)" \
	"$(cat $WQ)" "$(cat $WD)"; }

# The state the model accepts, see above.
consistent() { # description
	online=$(cat /sys/devices/system/cpu/online)
	iso=$(cat $ISO)
	held=$(for d in $(find $CG -mindepth 1 -type d); do
		[ "$(cat $d/cpuset.cpus.partition 2>/dev/null)" = isolated ] &&
			expand "$(cat $d/cpuset.cpus.effective)"
	done | compress)
	want=$(minus "$iso")
	bad=
	[ "$(and "$iso" "$online")" = "$(and "$held" "$online")" ] ||
		bad="$bad isolated online CPUs '$(and "$iso" "$online")' but valid partitions hold '$held'"
	for t in timer misc sched domain wq kthread tick rcu; do
		[ "$(hk $t)" = "$want" ] || bad="$bad $t=$(hk $t)"
	done
	[ "$(hk managed_irq)" = "$ALL" ] || bad="$bad managed_irq=$(hk managed_irq)"
	[ "$(cat $NOHZ)" = "$iso" ] || bad="$bad nohz_full=$(cat $NOHZ)"
	[ "$(cat $SYSISO)" = "$iso" ] || bad="$bad sysfs_isolated=$(cat $SYSISO)"
	[ "$(cat $WQ)" = "$(hexminus "$iso")" ] || bad="$bad wq=$(cat $WQ)"
	if [ -z "$bad" ]; then ok 0 "$1 (isolated '$iso')"; else ok 1 "$1 (isolated '$iso':$bad)"; fi
}

# refused description file value: the write fails, the file and the global state keep
# their values. Reports the error the shell got.
refused() {
	g0=$(global)
	f0=$(cat "$2" 2>/dev/null)
	err=$( (echo "$3" >"$2") 2>&1)
	rc=$?
	g1=$(global)
	f1=$(cat "$2" 2>/dev/null)
	if [ $rc -eq 0 ]; then
		ok 1 "$1 (accepted)"
	elif [ "$f0" != "$f1" ]; then
		ok 1 "$1 (the file changed from '$f0' to '$f1')"
	elif [ "$g0" != "$g1" ]; then
		ok 1 "$1 (global state changed: '$g0' -> '$g1')"
	else
		ok 0 "$1 (${err##*: })"
	fi
}

echo "TAP version 13"
echo +cpuset >$CG/cgroup.subtree_control
BOOT=$(global)
consistent "boot state"

M=$CG/member
Q=$CG/iso
mkdir $M $Q
echo 4-5 >$M/cpuset.cpus
echo 2-3 >$Q/cpuset.cpus
echo isolated >$Q/cpuset.cpus.partition
eq "a valid isolated partition on 2-3" "isolated 2-3" "$(cat $Q/cpuset.cpus.partition) $(cat $ISO)"
consistent "with the partition"

# 80 kB, longer than any cpuset file takes (100 + 6 * NR_CPUS bytes; 49252 with 8192).
long=$(yes 0,1, | head -n 20000 | tr -d '\n')
long=${long%,}
for d in $M $Q; do
	w=${d#$CG/}
	refused "$w: cpuset.cpus beyond the last CPU" $d/cpuset.cpus "2-$N"
	refused "$w: cpuset.cpus far out of range" $d/cpuset.cpus 1000000
	refused "$w: cpuset.cpus reversed range" $d/cpuset.cpus 3-2
	refused "$w: cpuset.cpus negative" $d/cpuset.cpus -1
	refused "$w: cpuset.cpus open range" $d/cpuset.cpus 2-
	refused "$w: cpuset.cpus garbage" $d/cpuset.cpus 'two,three'
	refused "$w: cpuset.cpus a list longer than the file takes (${#long} bytes)" $d/cpuset.cpus "$long"
	refused "$w: cpuset.cpus.exclusive beyond the last CPU" $d/cpuset.cpus.exclusive "$N"
	refused "$w: cpuset.cpus.exclusive garbage" $d/cpuset.cpus.exclusive x
	refused "$w: unknown partition type" $d/cpuset.cpus.partition bogus
	refused "$w: empty partition type" $d/cpuset.cpus.partition ''
	refused "$w: partition type with trailing junk" $d/cpuset.cpus.partition isolatedx
	refused "$w: partition type in capitals" $d/cpuset.cpus.partition ISOLATED
	refused "$w: cpuset.mems beyond the last node" $d/cpuset.mems 7
	refused "$w: cpuset.mems garbage" $d/cpuset.mems node0
done
# Exclusive CPUs another partition holds.
refused "member: cpuset.cpus.exclusive overlapping the partition's" $M/cpuset.cpus.exclusive 3-4
for f in cpuset.cpus.effective cpuset.cpus.isolated cpuset.cpus.exclusive.effective \
	cpuset.mems.effective cpuset.housekeeping cpuset.isolation.features; do
	refused "root: read-only $f" $CG/$f 0
done
refused "root: it has no cpuset.cpus.partition" $CG/cpuset.cpus.partition isolated
refused "root: it has no cpuset.cpus" $CG/cpuset.cpus 0
# An offline CPU is no bad input: a member may list it, which changes nothing global.
echo 0 >/sys/devices/system/cpu/cpu5/online
g0=$(global)
echo 4-5 >$M/cpuset.cpus && echo 5 >$M/cpuset.cpus
eq "member: an offline CPU alone is accepted, effective falls back to the parent's" \
	"5 $(cat $CG/cpuset.cpus.effective)" "$(cat $M/cpuset.cpus) $(cat $M/cpuset.cpus.effective)"
eq "and nothing global changed" "$g0" "$(global)"
echo 1 >/sys/devices/system/cpu/cpu5/online
consistent "after all the bad input"

# Hotplug of an isolated partition's CPUs, without a task in it: the partition stays valid
# and keeps its CPUs isolated while they are offline, as a boot-time nohz_full= list does.
echo 0 >/sys/devices/system/cpu/cpu3/online
consistent "CPU 3 of the empty partition offline"
echo 0 >/sys/devices/system/cpu/cpu2/online
eq "its last CPU offline: the empty partition stays valid" isolated "$(cat $Q/cpuset.cpus.partition)"
consistent "both CPUs of the empty partition offline"
echo 1 >/sys/devices/system/cpu/cpu2/online
echo 1 >/sys/devices/system/cpu/cpu3/online
consistent "both back online"

# With a task: the last CPU going offline invalidates the partition (no CPU left to run
# the task), and its CPUs leave isolation; they come back when a CPU comes back.
sh -c "echo \$\$ >$Q/cgroup.procs && exec sh -c 'while :; do :; done'" &
task=$!
sleep 0.2
echo 0 >/sys/devices/system/cpu/cpu3/online
consistent "CPU 3 of the partition with a task offline"
echo 0 >/sys/devices/system/cpu/cpu2/online
case "$(cat $Q/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "its last CPU offline invalidates the partition ($(cat $Q/cpuset.cpus.partition))"
consistent "the invalid partition"
eq "the task runs outside it" "$(cat $CG/cpuset.cpus.effective)" \
	"$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/$task/status)"
echo 1 >/sys/devices/system/cpu/cpu2/online
eq "CPU 2 back: the partition is valid again" isolated "$(cat $Q/cpuset.cpus.partition)"
consistent "after CPU 2 came back"
echo 1 >/sys/devices/system/cpu/cpu3/online
consistent "after CPU 3 came back"
kill $task
wait $task 2>/dev/null

echo member >$Q/cpuset.cpus.partition

# A failure after cpuset committed the partition: each allocation of the update failing in
# turn (fail_alloc), then each step (fail_step). The partition turns invalid with the reason,
# and every mask matches what is then isolated: nothing is left half-applied.
FA=/sys/kernel/debug/cpuset_isolation/fail_alloc
FS=/sys/kernel/debug/cpuset_isolation/fail_step
if [ -e $FA ]; then
	failed="isolated invalid (Isolating the CPUs failed, see the kernel log)"
	a=1
	while [ $a -le 20 ]; do
		echo $a >$FA
		echo isolated >$Q/cpuset.cpus.partition
		pr=$(cat $Q/cpuset.cpus.partition)
		echo 0 >$FA
		[ "$pr" = isolated ] && break
		eq "allocation $a of the isolate failing: the partition is invalid" "$failed" "$pr"
		consistent "and the state is one the model accepts"
		echo member >$Q/cpuset.cpus.partition
		a=$((a + 1))
	done
	echo "# the isolate makes $((a - 1)) allocations"
	[ $a -gt 2 ] && [ $a -le 20 ]
	ok $? "an isolate allocates everything first, in a few allocations ($((a - 1)))"
	consistent "the isolate without a failure"
	echo member >$Q/cpuset.cpus.partition
	# Growing a valid partition: only the new CPU's isolation fails, the partition is
	# invalid, and the CPUs it held before are released too.
	echo 2 >$Q/cpuset.cpus
	echo isolated >$Q/cpuset.cpus.partition
	echo 1 >$FA
	echo 2-3 >$Q/cpuset.cpus
	eq "growing 2 to 2-3 with the allocation failing: the partition is invalid" "$failed" \
		"$(cat $Q/cpuset.cpus.partition)"
	consistent "and CPU 2 is released too"
	echo member >$Q/cpuset.cpus.partition
	for st in 1 2 3 4 5 6 7 8; do
		echo $st >$FS
		echo isolated >$Q/cpuset.cpus.partition
		pr=$(cat $Q/cpuset.cpus.partition)
		echo 0 >$FS
		eq "step $st of the isolate failing: the partition is invalid" "$failed" "$pr"
		consistent "and the state is one the model accepts"
		echo member >$Q/cpuset.cpus.partition
	done
	dmesg | grep -q "cpuset: isolation update failed: -12"
	ok $? "an allocation failure is logged as -ENOMEM"
	# The same failure one level down: under a root partition (a local partition) and
	# under a member (a remote, Kubernetes-style partition, isolation_invalidate()'s other
	# branch).
	for kind in local remote; do
		mkdir -p $CG/fr/r
		echo +cpuset >$CG/fr/cgroup.subtree_control
		if [ $kind = local ]; then
			echo 4 >$CG/fr/cpuset.cpus
			echo root >$CG/fr/cpuset.cpus.partition
		else
			echo 4 >$CG/fr/cpuset.cpus.exclusive
		fi
		echo 4 >$CG/fr/r/cpuset.cpus
		echo 1 >$FS
		echo isolated >$CG/fr/r/cpuset.cpus.partition
		echo 0 >$FS
		eq "a $kind partition whose isolation failed is invalid" "$failed" \
			"$(cat $CG/fr/r/cpuset.cpus.partition)"
		consistent "and the state is one the model accepts"
		rmdir $CG/fr/r
		echo member >$CG/fr/cpuset.cpus.partition
		rmdir $CG/fr
	done
else
	skip 1 "fault injection" "no fault injection (CONFIG_CPUSET_ISOLATION_FAULT_INJECTION=n)"
fi

rmdir $M $Q

# Offlining the last CPUs outside partitions: the root cgroup gets every online CPU back and
# the partitions turn invalid (cpuset_handle_hotplug()). Stock 6.12 first set the root's count
# of valid child partitions to 0, then took each invalidation off it, and warned when it went
# below 0 (update_parent_effective_cpumask(): nr_subparts < 0).
warns=$(dmesg | grep -c "WARNING:")
mkdir $CG/fa $CG/fb
echo 0-3 >$CG/fa/cpuset.cpus
echo root >$CG/fa/cpuset.cpus.partition
echo 4-5 >$CG/fb/cpuset.cpus
echo isolated >$CG/fb/cpuset.cpus.partition
eq "partitions on 0-3 and 4-5, the root cgroup on 6-7" "root isolated 6-7" \
	"$(cat $CG/fa/cpuset.cpus.partition) $(cat $CG/fb/cpuset.cpus.partition) $(cat $CG/cpuset.cpus.effective)"
echo 0 >/sys/devices/system/cpu/cpu6/online
echo 0 >/sys/devices/system/cpu/cpu7/online
pa=$(cat $CG/fa/cpuset.cpus.partition)
pb=$(cat $CG/fb/cpuset.cpus.partition)
case "$pa|$pb" in "root invalid"*"|isolated invalid"*) r=0 ;; *) r=1 ;; esac
ok $r "CPUs 6-7 offline: both partitions are invalid ('$pa', '$pb')"
eq "the root cgroup has the online CPUs" 0-5 "$(cat $CG/cpuset.cpus.effective)"
consistent "CPUs 6-7 offline"
echo 1 >/sys/devices/system/cpu/cpu6/online
echo 1 >/sys/devices/system/cpu/cpu7/online
consistent "CPUs 6-7 back online"
echo member >$CG/fb/cpuset.cpus.partition
echo member >$CG/fa/cpuset.cpus.partition
rmdir $CG/fa $CG/fb
eq "no kernel warning meanwhile" "$warns" "$(dmesg | grep -c "WARNING:")"

# Two writers at once. The state machine runs after cpuset_mutex is dropped, so a second
# write can rebuild the sched domains before the first write's state machine has published
# its domain housekeeping mask. With a partition on 4-7, the root cgroup on 0-1 and CPUs
# 2-3 released by one writer while another isolates 0-1, the root cgroup is left on 2-3,
# which the old domain mask (0-1,4-7) lacks: the sched domains took an empty span
# (WARNING in build_sched_domains()), and the next rebuild read the run queue of CPU
# nr_cpumask_bits. A background loop retries the isolation of 0-1, which cpuset accepts only
# once 2-3 are released; "overlap" counts the releases that returned after cpuset had
# accepted it, that is, the cycles whose second write ran inside the first one's state
# machine (a write returns only after its own state machine).
warns=$(dmesg | grep -c "WARNING:")
mkdir $CG/wa $CG/wb $CG/wc
echo 4-7 >$CG/wa/cpuset.cpus
echo root >$CG/wa/cpuset.cpus.partition
echo 2-3 >$CG/wb/cpuset.cpus
echo 0-1 >$CG/wc/cpuset.cpus
overlap=0
bad=
cycles_w=$(cycles 20 10)
for i in $(seq "$cycles_w"); do
	echo isolated >$CG/wb/cpuset.cpus.partition
	(
		j=0
		while [ $j -lt 5000 ]; do
			echo isolated >$CG/wc/cpuset.cpus.partition 2>/dev/null
			read -r p <$CG/wc/cpuset.cpus.partition
			[ "$p" = isolated ] && exit 0
			j=$((j + 1))
		done
		exit 1
	) &
	bg=$!
	echo member >$CG/wb/cpuset.cpus.partition
	read -r p <$CG/wc/cpuset.cpus.partition
	[ "$p" = isolated ] && overlap=$((overlap + 1))
	wait $bg || bad="$bad cycle $i: 0-1 never isolated ($(cat $CG/wc/cpuset.cpus.partition));"
	got="$(cat $CG/wa/cpuset.cpus.partition) $(cat $CG/wc/cpuset.cpus.partition) $(cat $ISO) $(cat $CG/cpuset.cpus.effective)"
	[ "$got" = "root isolated 0-1 2-3" ] || bad="$bad cycle $i: $got;"
	echo member >$CG/wc/cpuset.cpus.partition
done
eq "$cycles_w releases of 2-3 racing the isolation of 0-1 end with 0-1 isolated" "" "$bad"
[ "$overlap" -gt 0 ]
ok $? "the isolation of 0-1 ran inside the release's state machine in $overlap of $cycles_w cycles"
consistent "after the racing writers"
echo member >$CG/wa/cpuset.cpus.partition
rmdir $CG/wa $CG/wb $CG/wc
eq "no kernel warning meanwhile" "$warns" "$(dmesg | grep -c "WARNING:")"

# A partition changing its type keeps the type of its child partitions' CPUs: isolated -> root
# with an isolated child keeps the child's CPU isolated, root -> isolated with a root child
# isolates only the CPUs the parent holds itself. Stock 6.12 applied the new type to all of
# the parent's exclusive CPUs, children's included (the fuzzer, seed 602, shrunk to 6 steps).
N1=$CG/fn
# nested PCPUS PTYPE CCPUS CTYPE: $N1 a PTYPE partition on PCPUS, its child a CTYPE one on CCPUS.
nested() {
	echo "$1" >$N1/cpuset.cpus
	echo "$2" >$N1/cpuset.cpus.partition
	echo "$3" >$N1/a/cpuset.cpus
	echo "$4" >$N1/a/cpuset.cpus.partition
}
mkdir -p $N1/a
echo +cpuset >$N1/cgroup.subtree_control
nested 3 isolated 0,3,5,7 isolated
echo root >$N1/cpuset.cpus.partition
eq "isolated -> root with an isolated child on CPU 3: CPU 3 stays isolated" "root isolated 3" \
	"$(cat $N1/cpuset.cpus.partition) $(cat $N1/a/cpuset.cpus.partition) $(cat $ISO)"
consistent "the isolated child of a root partition"
echo member >$N1/a/cpuset.cpus.partition
echo member >$N1/cpuset.cpus.partition
nested 3-4 root 3 root
echo isolated >$N1/cpuset.cpus.partition
eq "root -> isolated on 3-4 with a root child on CPU 3: only CPU 4 is isolated" "isolated root 4" \
	"$(cat $N1/cpuset.cpus.partition) $(cat $N1/a/cpuset.cpus.partition) $(cat $ISO)"
consistent "the root child of an isolated partition"
echo member >$N1/a/cpuset.cpus.partition
eq "the child's release isolates CPU 3 with its parent" "3-4" "$(cat $ISO)"
echo member >$N1/cpuset.cpus.partition
rmdir $N1/a $N1
eq "released, nothing is isolated" "" "$(cat $ISO)"

# An invalid partition whose cpuset.cpus.exclusive lies outside its parent's exclusive CPUs
# stays invalid when its cpuset.cpus change. Stock 6.12 fell back to cpuset.cpus for its
# empty exclusive CPUs and made it valid on CPU 7, which its parent gave up, while it showed
# no effective CPUs (the fuzzer, seed 601, shrunk to 6 steps).
mkdir -p $N1/a
echo +cpuset >$N1/cgroup.subtree_control
echo 7 >$N1/cpuset.cpus.exclusive
echo isolated >$N1/a/cpuset.cpus.partition
echo 0-1 >$N1/a/cpuset.cpus.exclusive
echo root >$N1/cpuset.cpus.partition
echo 6-7 >$N1/a/cpuset.cpus
got="$(cat $N1/a/cpuset.cpus.partition) | $(cat $N1/cpuset.cpus.effective) | $(cat $ISO)"
eq "cpuset.cpus.exclusive 0-1 of a parent on 7: invalid after a cpuset.cpus write" \
	"isolated invalid (Invalid cpu list in cpuset.cpus.exclusive) | 7 | " "$got"
consistent "the invalid child with foreign exclusive CPUs"
echo member >$N1/a/cpuset.cpus.partition
echo member >$N1/cpuset.cpus.partition
rmdir $N1/a $N1

# Remote partitions (Kubernetes-style). A remote partition without cpuset.cpus.exclusive
# takes its exclusive CPUs from cpuset.cpus: moving it from 0-2 (CPU 2 of its parent's
# exclusive 2-3,7) to 6-7 moves it to CPU 7 (stock 6.12 kept CPU 2 isolated and gave CPU 7
# to the partition and the root at once; its release then warned and kept CPU 2 isolated).
F=$CG/fz
mkdir -p $F/b
echo +cpuset >$F/cgroup.subtree_control
echo 2-3,7 >$F/cpuset.cpus.exclusive
echo 0-2 >$F/b/cpuset.cpus
echo isolated >$F/b/cpuset.cpus.partition
eq "a remote partition on 0-2 of 2-3,7 isolates CPU 2" "isolated 2" \
	"$(cat $F/b/cpuset.cpus.partition) $(cat $ISO)"
echo 6-7 >$F/b/cpuset.cpus
eq "moved to 6-7 it isolates CPU 7, which the root gives up" "isolated 7 0-6" \
	"$(cat $F/b/cpuset.cpus.partition) $(cat $ISO) $(cat $CG/cpuset.cpus.effective)"
consistent "the moved remote partition"
echo member >$F/b/cpuset.cpus.partition
eq "its release isolates nothing" "|0-7" "$(cat $ISO)|$(cat $CG/cpuset.cpus.effective)"
rmdir $F/b $F
# A member sibling taking a remote partition's CPU invalidates it, which releases the CPU
# (stock 6.12 invalidated it as a local partition: it read "invalid" but kept CPU 2
# isolated, and stayed on the remote list after rmdir).
mkdir -p $F/a/c $F/a/d
echo +cpuset >$F/cgroup.subtree_control
echo +cpuset >$F/a/cgroup.subtree_control
echo 2-3 >$F/cpuset.cpus.exclusive
echo 2-3 >$F/a/cpuset.cpus.exclusive
echo 2 >$F/a/c/cpuset.cpus.exclusive
echo 2 >$F/a/c/cpuset.cpus
echo isolated >$F/a/c/cpuset.cpus.partition
eq "a remote partition on CPU 2" "isolated 2" "$(cat $F/a/c/cpuset.cpus.partition) $(cat $ISO)"
echo 2 >$F/a/d/cpuset.cpus
case "$(cat $F/a/c/cpuset.cpus.partition)" in "isolated invalid"*) r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && [ -z "$(cat $ISO)" ]
ok $? "a sibling taking its CPU invalidates it and releases CPU 2 ($(cat $F/a/c/cpuset.cpus.partition), isolated '$(cat $ISO)')"
consistent "the invalidated remote partition"
rmdir $F/a/c $F/a/d $F/a $F
mkdir $CG/fy
echo 2 >$CG/fy/cpuset.cpus
echo root >$CG/fy/cpuset.cpus.partition
eq "after removing it, CPU 2 makes a new partition" "root|" \
	"$(cat $CG/fy/cpuset.cpus.partition)|$(cat $ISO)"
echo member >$CG/fy/cpuset.cpus.partition
rmdir $CG/fy

eq "boot state at the end" "$BOOT" "$(global)"

done_testing
