#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs: busybox-static, bash-static (the upstream selftest is bash),
# lscpu and fmt with their libraries, our test programs (shell and the static Rust harness)
# and the upstream cpuset selftest from the pinned source, unchanged.
. "$(dirname "$0")/lib.sh"

DHEI=$ROOT/tools/testing/selftests/cgroup/dhei
UPSTREAM=$PRISTINE/tools/testing/selftests/cgroup
IRD=$CACHE/initramfs

# Copy a dynamically linked program and the libraries it needs.
copy_dyn() {
	local prog=$1 lib
	install -D "$prog" "$IRD/root$prog"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		install -D "$lib" "$IRD/root$lib"
	done
}

build() {
	local r=$IRD/root
	rm -rf "$r" && mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,dhei,selftests/cgroup}
	install /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	install /bin/bash-static "$r/bin/bash"
	# Programs the upstream selftest calls that busybox lacks.
	copy_dyn /usr/bin/lscpu
	copy_dyn /usr/bin/fmt
	mknod -m 600 "$r/dev/console" c 5 1
	mknod -m 666 "$r/dev/null" c 1 3
	install -m 755 "$ROOT/scripts/guest/init" "$r/init"
	install -m 644 "$ROOT/scripts/guest/tests.list" "$r/dhei/tests.list"
	install -m 755 "$DHEI"/*.sh "$r/dhei/"
	# The Rust harness, statically linked (glibc, crt-static).
	(cd "$DHEI/harness" && CARGO_TARGET_DIR=$CACHE/target/harness RUSTFLAGS="-C target-feature=+crt-static" \
		cargo build --locked --quiet --release --target x86_64-unknown-linux-gnu)
	for b in dhei-harness dhei-bench dhei-fuzz dhei-as dhei-forker; do
		install -m 755 "$CACHE/target/harness/x86_64-unknown-linux-gnu/release/$b" "$r/dhei/"
	done
	# Upstream selftest, unchanged, with its helper built from the same source.
	install -m 755 "$UPSTREAM/test_cpuset_prs.sh" "$r/selftests/cgroup/"
	gcc -static -O2 -o "$r/selftests/cgroup/wait_inotify" "$UPSTREAM/wait_inotify.c"
	(cd "$r" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$OUT/initramfs.cpio.gz"
	log "initramfs: $OUT/initramfs.cpio.gz ($(stat -c %s "$OUT/initramfs.cpio.gz") bytes)"
}

stage "initramfs" build
