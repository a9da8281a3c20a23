# SPDX-License-Identifier: GPL-2.0
# Open: found by dhei-fuzz (seed 237667496, --without nested,remote,exclusive), not yet
# fixed. Top-level partitions, CPU hotplug and a task in the partition. After the last write
# fz is a valid isolated partition holding CPU 0, but cpuset.cpus.isolated still reads 2-3
# (fz's CPUs before the write), no partition holds 2-3 any more, and the housekeeping masks,
# which follow cpuset.cpus.isolated, keep 2-3 isolated until reboot. Run: ./dhei repro FILE
# ($BUSY is a busy loop's pid). Stock 6.12.117 ends the same (DHEI_VARIANT=stock).
mkdir -p /sys/fs/cgroup/fy
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo 0 > /sys/devices/system/cpu/cpu5/online
echo '1,3,5' > /sys/fs/cgroup/fz/cpuset.cpus
echo 1 > /sys/devices/system/cpu/cpu3/online
echo '6-7' > /sys/fs/cgroup/fz/cpuset.cpus
echo 1 > /sys/devices/system/cpu/cpu1/online
echo '' > /sys/fs/cgroup/fz/cpuset.cpus
rmdir /sys/fs/cgroup/fy
echo root > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo 1 > /sys/devices/system/cpu/cpu1/online
echo isolated > /sys/fs/cgroup/fy/cpuset.cpus.partition
rmdir /sys/fs/cgroup/fz
mkdir -p /sys/fs/cgroup/fz
echo root > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo $BUSY > /sys/fs/cgroup/fz/cgroup.procs
echo '0,2,4' > /sys/fs/cgroup/fy/cpuset.cpus
echo isolated > /sys/fs/cgroup/fy/cpuset.cpus.partition
rmdir /sys/fs/cgroup/fz
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo member > /sys/fs/cgroup/fz/cpuset.cpus.partition
mkdir -p /sys/fs/cgroup/fz
echo 0 > /sys/devices/system/cpu/cpu5/online
echo $BUSY > /sys/fs/cgroup/cgroup.procs
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo '6' > /sys/fs/cgroup/fz/cpuset.cpus
echo '7' > /sys/fs/cgroup/fz/cpuset.cpus
mkdir -p /sys/fs/cgroup/fz
echo isolated > /sys/fs/cgroup/fy/cpuset.cpus.partition
mkdir -p /sys/fs/cgroup/fz
echo isolated > /sys/fs/cgroup/fy/cpuset.cpus.partition
echo isolated > /sys/fs/cgroup/fy/cpuset.cpus.partition
mkdir -p /sys/fs/cgroup/fy
echo 0 > /sys/devices/system/cpu/cpu6/online
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo $BUSY > /sys/fs/cgroup/fz/cgroup.procs
echo '2-3' > /sys/fs/cgroup/fz/cpuset.cpus
echo '4-7' > /proc/sys/kernel/watchdog_cpumask
echo '1-3' > /sys/fs/cgroup/fy/cpuset.cpus
echo '0' > /sys/fs/cgroup/fz/cpuset.cpus
