#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Reproducer for the "Oops: int3" of configs/deb/README: toggles two scheduler tracepoints
# (static keys, patched with text_poke_bp) N times while every CPU switches tasks, in one
# boot of KERNEL (it needs tracefs: the distro, rt or packaged kernel) under QEMU TCG with
# ACCEL (tcg: one host thread per vCPU; tcg,thread=single: one thread for all).
#   scripts/tcg-text-poke.sh KERNEL INITRD [ACCEL] [N]
# Prints "int3 Oops: K" and exits 1 when the guest took any.
set -euo pipefail
kernel=$1 initrd=$2 accel=${3:-tcg} n=${4:-1500}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/root/dhei"
cat >"$w/root/dhei/poke.sh" <<EOS
#!/bin/sh
T=/sys/kernel/debug/tracing
[ -d \$T/events/sched ] || { echo "not ok 1 no tracefs"; exit 1; }
for c in 0 1 2 3 4 5 6 7; do taskset -c \$c sh -c 'while :; do /bin/true; done' & done
i=0
while [ \$i -lt $n ]; do
	for e in sched_switch sched_wakeup; do echo 1 >\$T/events/sched/\$e/enable; done
	for e in sched_switch sched_wakeup; do echo 0 >\$T/events/sched/\$e/enable; done
	i=\$((i + 1))
done
echo "ok 1 $n rounds of tracepoint toggles"
EOS
chmod +x "$w/root/dhei/poke.sh"
echo "poke tap 900 - /dhei/poke.sh" >"$w/root/dhei/tests.list"
(cd "$w/root" && find dhei | cpio -o -H newc 2>/dev/null | gzip) | cat "$initrd" - >"$w/initrd"
t0=$SECONDS
timeout 1000 qemu-system-x86_64 -accel "$accel" -smp 8 -m 1G -kernel "$kernel" -initrd "$w/initrd" \
	-append "console=ttyS0 dhei.mode=test panic=-1 dhei.only=poke" -display none -no-reboot \
	-monitor none -serial "file:$w/console" -serial "file:$w/results" </dev/null || true
k=$(grep -c 'Oops: int3' "$w/console" || true)
echo "accel $accel: $(grep -c '^ok 1' "$w/results" || true) of 1 rounds finished," \
	"$((SECONDS - t0)) s; int3 Oops: $k"
grep -m1 -A1 'Oops: int3' "$w/console" || true
[ "$k" -eq 0 ]
