#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the shell script given gzip'ed and base64-encoded as dhei.repro= on the kernel command
# line (./dhei repro FILE), or else /dhei/repro-input.sh (./dhei shrink FILE), such as a
# reproducer the fuzzer printed: cpuset enabled in the root
# cgroup, a busy loop's pid in $BUSY. Prints every command (sh -x), then the cpuset state of
# every cgroup. One TAP check, that the script ran; guest.py fails the run on any kernel
# report in the log.

. "$(dirname "$0")/tap.sh"

CG=/sys/fs/cgroup
echo "TAP version 13"
script=
for a in $(cat /proc/cmdline); do
	case "$a" in dhei.repro=*) script=${a#dhei.repro=} ;; esac
done
if [ -n "$script" ]; then
	echo "$script" | base64 -d 2>/dev/null | gunzip >/tmp/repro.sh 2>/dev/null
else
	# scripts/shrink.py puts the script into an initramfs overlay instead.
	cp /dhei/repro-input.sh /tmp/repro.sh 2>/dev/null
fi
echo +cpuset >$CG/cgroup.subtree_control
sh -c 'while :; do :; done' &
BUSY=$!
export BUSY
sh -x /tmp/repro.sh 2>&1 | sed 's/^/# /'
echo "# online $(cat /sys/devices/system/cpu/online), isolated '$(cat $CG/cpuset.cpus.isolated)'," \
	"root effective '$(cat $CG/cpuset.cpus.effective)', busy task on" \
	"'$(awk '/Cpus_allowed_list/ { print $2 }' /proc/$BUSY/status)'"
find $CG -mindepth 1 -type d | while read -r d; do
	[ -e "$d/cpuset.cpus" ] || continue
	echo "# ${d#$CG/}: cpus '$(cat "$d/cpuset.cpus")' exclusive '$(cat "$d/cpuset.cpus.exclusive")'" \
		"partition '$(cat "$d/cpuset.cpus.partition")' effective '$(cat "$d/cpuset.cpus.effective")'"
done
kill $BUSY
[ -s /tmp/repro.sh ]
ok $? "the script given as dhei.repro ran"
done_testing
