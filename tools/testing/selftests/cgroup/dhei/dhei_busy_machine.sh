#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot with nohz_full=dynamic. Isolate/release cycles on a machine that is being used:
# /proc/stat and /proc/uptime readers (top, node_exporter, cadvisor) on every housekeeping
# CPU, a busy task on an isolated CPU, and tasks that enter the partition while it changes,
# the way a container runtime starts the container's process and then writes the partition.
# Every reader and task must keep making progress. A frozen guest is caught by the run's
# deadline, a stalled CPU by the kernel-report check of the run. Prints TAP.
#   $1: isolate/release cycles of the long run (default 250, 100 with dhei.quick=1)

. "$(dirname "$0")/tap.sh"

CYCLES=${1:-$(cycles 250 100)}
CG=/sys/fs/cgroup
P=$CG/busy
T=/tmp/busy_machine
NCPU=$(nproc)

# Progress counter of a loop: the loop writes its iteration count to $T/<name>.new and
# renames it to $T/<name>, so that a read never sees a file being written.
count() { v=$(cat "$T/$1" 2>/dev/null); echo "${v:-0}"; }
# Starts a loop on CPU $1 that reads /proc/stat and /proc/uptime, counting in $T/r$1.
reader() {
	taskset -c "$1" sh -c "i=0; while :; do cat /proc/stat /proc/uptime >/dev/null; \
		i=\$((i + 1)); echo \$i >$T/r$1.new; mv $T/r$1.new $T/r$1; done" &
	echo $! >>$T/pids
}
# Starts a busy task that enters $P, then pins itself to CPU $1. Prints its pid.
enter_busy() {
	sh -c "echo \$\$ >$P/cgroup.procs && exec taskset -c $1 sh -c 'while :; do :; done'" \
		>/dev/null 2>&1 &
	echo $!
}
cycle() { # n
	j=0
	while [ $j -lt "$1" ]; do
		echo isolated >$P/cpuset.cpus.partition
		echo member >$P/cpuset.cpus.partition
		j=$((j + 1))
	done
}
# Ticks the process $1 ran in user and system mode (/proc/PID/stat fields 14 and 15).
ran() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Whether every loop named in "$@" advanced within 3 s; prints the stuck ones.
stuck() {
	for x in "$@"; do eval "b_$x=\$(count $x)"; done
	sleep 3
	for x in "$@"; do
		eval "b=\$b_$x"
		[ "$(count "$x")" -gt "$b" ] || printf '%s ' "$x"
	done
}
cleanup() {
	[ -f $T/pids ] && kill $(cat $T/pids) 2>/dev/null
	echo member >$P/cpuset.cpus.partition 2>/dev/null
	sleep 1
	for p in $(cat $P/cgroup.procs 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	sleep 1
	rmdir $P 2>/dev/null
}
trap cleanup EXIT

rm -rf $T && mkdir -p $T
echo +cpuset >$CG/cgroup.subtree_control
mkdir $P
echo 2-3 >$P/cpuset.cpus

echo "TAP version 13"

# The container-runtime order, right after the task starts: 20 tries of 10 cycles each
# (5 in the quick mode).
TRIES=$(cycles 20 5)
i=0
bad=
while [ $i -lt "$TRIES" ]; do
	pid=$(enter_busy 3)
	cycle 10
	a=$(ran "$pid")
	sleep 1
	[ "$(ran "$pid")" -gt "$a" ] || bad="$bad $i"
	kill "$pid"
	i=$((i + 1))
done
eq "a task entering the partition while it changes runs on ($TRIES x 10 cycles)" "" "$bad"

# Readers on every CPU outside the partition, a busy task on isolated CPU 3.
c=0
readers=
while [ $c -lt "$NCPU" ]; do
	case $c in 2|3) ;; *) reader $c; readers="$readers r$c" ;; esac
	c=$((c + 1))
done
busy=$(enter_busy 3)
echo "$busy" >>$T/pids
# Tasks that enter the partition and leave it during the cycles.
cat >$T/mover.sh <<EOF
i=0
while :; do
	sh -c 'echo \$\$ >$P/cgroup.procs && exec taskset -c 2 sh -c "while :; do :; done"' &
	p=\$!
	sleep 0.2
	echo \$p >$CG/cgroup.procs 2>/dev/null
	sleep 0.1
	kill \$p
	wait \$p 2>/dev/null
	i=\$((i + 1))
	echo \$i >$T/mover.new
	mv $T/mover.new $T/mover
done
EOF
sh $T/mover.sh >/dev/null 2>&1 &
echo $! >>$T/pids
sleep 2
eq "before the cycles, every reader and the mover make progress" "" "$(stuck $readers mover)"

t0=$(cut -d' ' -f1 /proc/uptime)
cycle "$CYCLES"
t1=$(cut -d' ' -f1 /proc/uptime)
eq "after $CYCLES cycles (${t0}s -> ${t1}s), every reader and the mover make progress" "" \
	"$(stuck $readers mover)"
a=$(ran "$busy")
sleep 2
b=$(ran "$busy")
ge() { if [ "$2" -ge "$3" ]; then ok 0 "$1 ($2 >= $3)"; else ok 1 "$1 ($2 < $3)"; fi; }
ge "the busy task on CPU 3 still runs (ticks in 2 s)" $((b - a)) 150
kill $(cat $T/pids) 2>/dev/null
rm -f $T/pids
sleep 1
dmesg | grep -E "rcu: INFO|stall|WARNING|BUG" >$T/reports
eq "no stall or warning in the kernel log" "" "$(head -3 $T/reports)"
done_testing
