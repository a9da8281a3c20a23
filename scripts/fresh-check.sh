#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ./dhei fresh-check: the README's two commands on a fresh Debian 12. Builds a clean
# Debian 12 root filesystem from the archive with mmdebstrap (unpacked from its .deb, not
# installed), clones this repository into it, and runs `./dhei demo` and `./dhei test` there
# in a chroot (with /proc, /sys and /dev bound) with an empty cache and no Rust installed.
# Prints the time of each. Not part of ./dhei test: it rebuilds everything from nothing.
#   DHEI_FRESH_DIR   where the root filesystem goes (default $DHEI_CACHE/fresh)
#   DHEI_FRESH_ONLY  "demo" to run only the demo
. "$(dirname "$0")/lib.sh"

FRESH=${DHEI_FRESH_DIR:-$CACHE/fresh}
TOOLS=$FRESH/tools
RFS=$FRESH/rootfs

mmdebstrap_tool() {
	[ -x "$TOOLS/usr/bin/mmdebstrap" ] && return
	rm -rf "$TOOLS" && mkdir -p "$TOOLS/deb"
	(cd "$TOOLS/deb" && apt-get download -qq mmdebstrap 2>/dev/null) || die "cannot download mmdebstrap"
	dpkg -x "$TOOLS"/deb/mmdebstrap_*.deb "$TOOLS"
}

rootfs() {
	umount_all
	# Never remove a tree that still has /dev or /sys bound into it.
	! grep -q " $RFS/" /proc/mounts || die "still mounted under $RFS: $(grep " $RFS/" /proc/mounts | cut -d' ' -f2 | head -3)"
	rm -rf "$RFS"
	# What a fresh Debian 12 has: the "important" priority set, with the security and
	# updates suites a Debian 12 installation enables. No Rust, no cargo, no clang.
	PATH=$TOOLS/usr/bin:$PATH mmdebstrap --quiet --variant=important \
		--hook-dir="$TOOLS/usr/share/mmdebstrap/hooks/merged-usr" \
		--include=ca-certificates bookworm "$RFS" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main"
	for x in cargo rustc clang; do
		[ ! -e "$RFS/usr/bin/$x" ] || die "the fresh root filesystem has $x"
	done
	git clone -q --no-local "$ROOT" "$RFS/root/dhei"
	cp /etc/resolv.conf "$RFS/etc/resolv.conf"
	# The network of this machine: certificate authorities installed locally (an egress
	# proxy's, where there is one) are trusted in the fresh root as well.
	if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
		cp /usr/local/share/ca-certificates/*.crt "$RFS/usr/local/share/ca-certificates/"
		chroot "$RFS" update-ca-certificates >/dev/null
	fi
	log "root filesystem: $RFS ($(du -sh "$RFS" | cut -f1)), clone at $(git -C "$ROOT" rev-parse --short HEAD)"
}

umount_all() {
	local m
	for m in dev/pts dev sys proc; do
		mountpoint -q "$RFS/$m" 2>/dev/null && umount -l "$RFS/$m"
	done
	return 0
}

in_chroot() { # command
	mount --bind /proc "$RFS/proc"
	mount --rbind /sys "$RFS/sys"
	mount --rbind /dev "$RFS/dev"
	local rc=0
	chroot "$RFS" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/dhei && $1" || rc=$?
	umount_all
	return $rc
}

trap umount_all EXIT
stage "mmdebstrap" mmdebstrap_tool
stage "fresh Debian 12 root filesystem" rootfs
t=$SECONDS
stage "./dhei demo in the fresh root" in_chroot "./dhei demo"
demo=$((SECONDS - t))
log "fresh-check: ./dhei demo passed in ${demo}s"
[ "${DHEI_FRESH_ONLY:-}" = demo ] && exit 0
t=$SECONDS
stage "./dhei test in the fresh root" in_chroot "./dhei test"
log "fresh-check: ./dhei demo ${demo}s, ./dhei test $((SECONDS - t))s (after the demo's setup and lab build)"
