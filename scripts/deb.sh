#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ./dhei deb: linux-image and linux-headers packages for Debian 12 from Debian's full amd64
# configuration with Rust and CPUSET_ISOLATION, module set reduced (configs/deb/README),
# built with `make bindeb-pkg`; then the packaged kernel image boots in the guest and runs
# the domain and nohz_full=dynamic tests. Packages end up in $DHEI_CACHE/out-deb/.
export DHEI_VARIANT=deb
. "$(dirname "$0")/lib.sh"

# clang-22 for C, and its libclang for bindgen, so that both match (scripts/pins.env).
export KERNEL_LLVM=-$DEB_LLVM_VERSION LIBCLANG_PATH=/usr/lib/llvm-$DEB_LLVM_VERSION/lib
BUILD=$(build_dir)
mapfile -t MAKEVARS < <(kernel_make_vars)
kmake() { make -s -C "$TREE" O="$BUILD" "${MAKEVARS[@]}" "$@"; }

# The options the packaged kernel must have, checked after olddefconfig.
REQUIRED="CONFIG_RUST=y CONFIG_CPUSETS=y CONFIG_CPU_ISOLATION=y CONFIG_CPUSET_ISOLATION=y
CONFIG_NO_HZ_FULL=y CONFIG_RCU_NOCB_CPU=y CONFIG_PREEMPT_DYNAMIC=y CONFIG_MAXSMP=y
CONFIG_MODULES=y CONFIG_MODULE_SIG_ALL=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_BLK_DEV_INITRD=y
CONFIG_MITIGATION_RETHUNK=y CONFIG_MITIGATION_SRSO=y CONFIG_MITIGATION_UNRET_ENTRY=y
CONFIG_MITIGATION_CALL_DEPTH_TRACKING=y CONFIG_MITIGATION_SLS=y"

configure() {
	if [ ! -f "$BUILD/.config" ]; then
		mkdir -p "$BUILD"
		kmake rustavailable >/dev/null || { kmake rustavailable; die "the Rust toolchain is not usable for the kernel"; }
		local tmp
		tmp=$(mktemp -d)
		debian_config none_amd64 >"$tmp/full"
		debian_config none_cloud-amd64 >"$tmp/cloud"
		python3 "$ROOT/scripts/deb-config.py" "$tmp/full" "$tmp/cloud" \
			"$ROOT/configs/deb/keep-modules.txt" "$BUILD/modules-left-out.txt" >"$BUILD/.config.reduced"
		rm -rf "$tmp"
		(cd "$BUILD" && KCONFIG_CONFIG=.config "$TREE/scripts/kconfig/merge_config.sh" -m -O "$BUILD" \
			.config.reduced "$ROOT/configs/deb/deb.config" >/dev/null)
	fi
	kmake olddefconfig >/dev/null
	local opt missing=() lost=()
	for opt in $REQUIRED; do
		grep -qx "$opt" "$BUILD/.config" || missing+=("$opt")
	done
	[ ${#missing[@]} -eq 0 ] || die "deb: required values lost after olddefconfig: ${missing[*]}"
	while read -r opt; do
		case "$opt" in CONFIG_*) grep -qx "$opt=m" "$BUILD/.config" || lost+=("$opt") ;; esac
	done < <(sed 's/#.*//' "$ROOT/configs/deb/keep-modules.txt")
	[ ${#lost[@]} -eq 0 ] || die "deb: listed modules dropped by olddefconfig (add what they depend on to configs/deb/keep-modules.txt): ${lost[*]}"
	log "config (deb): $BUILD/.config: $(grep -c '=m$' "$BUILD/.config") modules, $(grep -c '=y$' "$BUILD/.config") options =y;" \
		"$(wc -l <"$BUILD/modules-left-out.txt") of Debian's modules left out ($OUT/modules-left-out.txt)"
	cp "$BUILD/modules-left-out.txt" "$OUT/modules-left-out.txt"
}

package() {
	local rel
	rm -f "$CACHE"/build/linux-*.deb "$CACHE"/build/linux-upstream* "$OUT"/linux-*.deb
	kmake -j"$JOBS" bindeb-pkg >"$OUT/bindeb-pkg.log" 2>&1 ||
		{ tail -40 "$OUT/bindeb-pkg.log" >&2; die "make bindeb-pkg failed (log: $OUT/bindeb-pkg.log)"; }
	python3 "$ROOT/scripts/stack-frames.py" "$BUILD" >&2
	mv "$CACHE"/build/linux-*.deb "$OUT/"
	rm -f "$CACHE"/build/linux-upstream*
	rel=$(cat "$BUILD/include/config/kernel.release")
	log "packages ($rel):"
	ls -1s --block-size=M "$OUT"/linux-*.deb >&2
}

# Boot the kernel image as the package installs it.
guest() {
	local img=$OUT/image rc=0
	rm -rf "$img" && mkdir -p "$img"
	dpkg -x "$(ls "$OUT"/linux-image-*.deb | grep -v -- -dbg_ | head -1)" "$img"
	local vmlinuz
	vmlinuz=$(ls "$img"/boot/vmlinuz-* | head -1)
	[ -f "$vmlinuz" ] || die "the linux-image package has no /boot/vmlinuz-*"
	log "booting $vmlinuz from $(basename "$(ls "$OUT"/linux-image-*.deb | grep -v -- -dbg_ | head -1)")"
	# The package leaves out KUnit and fault injection (configs/deb/deb.config): the
	# fault-injection checks are reported as skipped, not passed.
	python3 "$ROOT/scripts/guest.py" --mode test --kernel "$vmlinuz" --initrd "$OUT/initramfs.cpio.gz" \
		--outdir "$OUT/guest-test" --summary-file "$OUT/guest.summary" --no-kunit --allow-skip \
		--only dhei_domain,dhei_nohz_dynamic || rc=$?
	return $rc
}

prune() {
	local old
	old=$(ls -1d "$CACHE"/build/deb-*/ 2>/dev/null | grep -v "^$BUILD/$" || true)
	[ -z "$old" ] || { log "pruning old build directories: $old"; rm -rf $old; }
}

case "${1:-all}" in
config) prune; stage "deb config ($BUILD)" configure ;;
all)
	prune
	stage "deb config ($BUILD)" configure
	stage "make bindeb-pkg" package
	stage "initramfs" bash "$ROOT/scripts/initramfs.sh"
	stage "guest tests on the packaged kernel" guest ;;
build)
	prune
	stage "deb config ($BUILD)" configure
	stage "make bindeb-pkg" package ;;
guest)
	stage "initramfs" bash "$ROOT/scripts/initramfs.sh"
	stage "guest tests on the packaged kernel" guest ;;
*) die "usage: deb.sh [all|config|build|guest]" ;;
esac
