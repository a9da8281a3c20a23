# SPDX-License-Identifier: GPL-2.0
# Open: found by dhei-fuzz (seed 1663526464, --without nested), not yet fixed. Two remote
# (Kubernetes-style) partitions under kp, whose cpuset.cpus.exclusive the second runtime
# write replaces, and a top-level isolated partition: fz ends valid with
# cpuset.cpus.exclusive.effective 5-6 but effective CPU 6 only, and CPU 5 is in
# cpuset.cpus.isolated although no partition's effective CPUs hold it. Run: ./dhei repro FILE
mkdir -p /sys/fs/cgroup/kp/pod2/ctr; echo +cpuset > /sys/fs/cgroup/kp/cgroup.subtree_control; echo +cpuset > /sys/fs/cgroup/kp/pod2/cgroup.subtree_control; for d in /sys/fs/cgroup/kp /sys/fs/cgroup/kp/pod2 /sys/fs/cgroup/kp/pod2/ctr; do echo '1-3' > $d/cpuset.cpus.exclusive; done; echo '1-3' > /sys/fs/cgroup/kp/pod2/ctr/cpuset.cpus; echo isolated > /sys/fs/cgroup/kp/pod2/ctr/cpuset.cpus.partition
mkdir -p /sys/fs/cgroup/fz
mkdir -p /sys/fs/cgroup/kp/pod/ctr; echo +cpuset > /sys/fs/cgroup/kp/pod/cgroup.subtree_control; for d in /sys/fs/cgroup/kp /sys/fs/cgroup/kp/pod /sys/fs/cgroup/kp/pod/ctr; do echo '0-2,5,7' > $d/cpuset.cpus.exclusive; done; echo '0-2,5,7' > /sys/fs/cgroup/kp/pod/ctr/cpuset.cpus; echo isolated > /sys/fs/cgroup/kp/pod/ctr/cpuset.cpus.partition
echo isolated > /sys/fs/cgroup/fz/cpuset.cpus.partition
echo '5-6' > /sys/fs/cgroup/fz/cpuset.cpus
