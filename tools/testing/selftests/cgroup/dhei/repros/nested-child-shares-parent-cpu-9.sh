# SPDX-License-Identifier: GPL-2.0
# Found by dhei-fuzz on stock 6.12.117 (DHEI_VARIANT=stock, seed 1521026220, --without
# remote,exclusive,hotplug). Stock: fz/a ends "root" with effective CPU 2, which fz's effective
# CPUs hold too; the rmdir warns in generate_sched_domains(). Run: ./dhei repro FILE
# Fixed here by patch 0024: fz/a stays "invalid (Invalid cpu list in cpuset.cpus.exclusive)".
mkdir -p /sys/fs/cgroup/fy
echo '1' > /sys/fs/cgroup/fy/cpuset.cpus
mkdir -p /sys/fs/cgroup/fz/a; echo +cpuset > /sys/fs/cgroup/fz/cgroup.subtree_control
echo root > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo '2' > /sys/fs/cgroup/fz/cpuset.cpus
echo root > /sys/fs/cgroup/fy/cpuset.cpus.partition
echo '7' > /sys/fs/cgroup/fz/a/cpuset.cpus
echo root > /sys/fs/cgroup/fz/a/cpuset.cpus.partition
rmdir /sys/fs/cgroup/fy
