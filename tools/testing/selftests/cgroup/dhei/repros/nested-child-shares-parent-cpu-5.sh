# SPDX-License-Identifier: GPL-2.0
# Found by dhei-fuzz on stock 6.12.117 (DHEI_VARIANT=stock, seed 2397113212, --without
# remote,exclusive). Stock: fz/a ends "isolated" with effective CPU 2, which fz's effective
# CPUs hold too. Run: ./dhei repro FILE
# Fixed here by patch 0024: fz/a stays "invalid (Invalid cpu list in cpuset.cpus.exclusive)".
mkdir -p /sys/fs/cgroup/fz/a/d; echo +cpuset > /sys/fs/cgroup/fz/cgroup.subtree_control; echo +cpuset > /sys/fs/cgroup/fz/a/cgroup.subtree_control
echo '0-2,6-7' > /sys/fs/cgroup/fz/cpuset.cpus
echo isolated > /sys/fs/cgroup/fz/a/cpuset.cpus.partition
echo '2-4' > /sys/fs/cgroup/fz/a/cpuset.cpus
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
