#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ./dhei deb [all|config|build|guest]: linux-image and linux-headers packages for Debian 12
# from Debian's full amd64 configuration with Rust and CPUSET_ISOLATION, module set reduced
# (configs/deb/README), built with `make bindeb-pkg`; then the packages are checked (every
# module signed) and the packaged kernel image boots in the guest and runs the domain and
# nohz_full=dynamic tests. Packages end up in $DHEI_CACHE/out-deb/.
#   config  configure only; build  configure and package; guest  check and boot only
export DHEI_VARIANT=deb
. "$(dirname "$0")/lib.sh"

BUILD=$(build_dir)
mapfile -t MAKEVARS < <(kernel_make_vars)
kmake() { make -s -C "$TREE" O="$BUILD" "${MAKEVARS[@]}" "$@"; }

configure() {
	if [ ! -f "$BUILD/.config" ]; then
		mkdir -p "$BUILD"
		# A warning of rustavailable (a bindgen/libclang mismatch) is an error here.
		local ra
		ra=$(kmake rustavailable 2>&1) && ! grep -q '^\*\*\*' <<<"$ra" ||
			{ printf '%s\n' "$ra" >&2; die "the Rust toolchain is not usable for the kernel"; }
		debian_config none_amd64 >"$BUILD/debian-amd64.config"
		debian_config none_cloud-amd64 >"$BUILD/debian-cloud.config"
		python3 "$ROOT/scripts/deb-config.py" "$BUILD/debian-amd64.config" "$BUILD/debian-cloud.config" \
			"$ROOT/configs/deb/keep-modules.txt" "$BUILD/modules-left-out.txt" >"$BUILD/.config.reduced"
		(cd "$BUILD" && KCONFIG_CONFIG=.config "$TREE/scripts/kconfig/merge_config.sh" -m -O "$BUILD" \
			.config.reduced "$ROOT/configs/deb/deb.config" >/dev/null)
	fi
	kmake olddefconfig >/dev/null
	local opt missing=() lost=()
	while read -r opt; do
		case "$opt" in CONFIG_*) grep -qx "$opt" "$BUILD/.config" || missing+=("$opt") ;; esac
	done <"$ROOT/configs/deb/deb.required"
	[ ${#missing[@]} -eq 0 ] || die "deb: required values lost after olddefconfig: ${missing[*]}"
	while read -r opt; do
		case "$opt" in CONFIG_*) grep -qx "$opt=m" "$BUILD/.config" || lost+=("$opt") ;; esac
	done < <(sed 's/#.*//' "$ROOT/configs/deb/keep-modules.txt")
	[ ${#lost[@]} -eq 0 ] || die "deb: listed modules dropped by olddefconfig (add what they depend on to configs/deb/keep-modules.txt): ${lost[*]}"
	# Debian's built-in options this configuration does not have: those of the modules left
	# out, and what clang cannot build (X86_X32_ABI, gcc-only options).
	[ -s "$BUILD/debian-amd64.config" ] || debian_config none_amd64 >"$BUILD/debian-amd64.config"
	sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/\1/p' "$BUILD/debian-amd64.config" | sort >"$BUILD/debian-y"
	sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=[ym]$/\1/p' "$BUILD/.config" | sort | comm -23 "$BUILD/debian-y" - \
		>"$OUT/options-lost.txt"
	rm -f "$BUILD/debian-y"
	cp "$BUILD/modules-left-out.txt" "$OUT/modules-left-out.txt"
	log "config (deb): $BUILD/.config: $(grep -c '=m$' "$BUILD/.config") modules, $(grep -c '=y$' "$BUILD/.config") options =y;" \
		"$(wc -l <"$OUT/modules-left-out.txt") of Debian's modules left out ($OUT/modules-left-out.txt)," \
		"$(wc -l <"$OUT/options-lost.txt") of its =y options not set ($OUT/options-lost.txt)"
}

# The package version rises with every commit of this repository, so that apt upgrades an
# installed build (a new build directory restarts kbuild's own counter).
pkgversion() {
	local v
	v=$(make -s -C "$TREE" kernelversion)
	echo "$v-1+dhei$(git -C "$ROOT" rev-list --count HEAD 2>/dev/null || echo 0)"
}

package() {
	local rel
	rm -f "$CACHE"/build/linux-*.deb "$CACHE"/build/linux-upstream*
	kmake -j"$JOBS" KDEB_PKGVERSION="$(pkgversion)" bindeb-pkg >"$OUT/bindeb-pkg.log" 2>&1 ||
		{ tail -40 "$OUT/bindeb-pkg.log" >&2; die "make bindeb-pkg failed (log: $OUT/bindeb-pkg.log)"; }
	python3 "$ROOT/scripts/stack-frames.py" "$BUILD" >&2
	rm -f "$OUT"/linux-*.deb
	mv "$CACHE"/build/linux-image-*.deb "$CACHE"/build/linux-headers-*.deb "$OUT/"
	# bindeb-pkg also makes linux-libc-dev: installed, it would replace Debian 12's
	# userspace kernel headers (6.1) and hold them above Debian's updates. Not shipped.
	rm -f "$CACHE"/build/linux-libc-dev_*.deb "$CACHE"/build/linux-upstream*
	rel=$(cat "$BUILD/include/config/kernel.release")
	log "packages ($rel):"
	ls -1s --block-size=M "$OUT"/linux-*.deb >&2
}

# The image package as dpkg installs it: its kernel, and every module signed.
check_package() {
	local img=$OUT/image deb ko n=0 unsigned=0
	deb=$(compgen -G "$OUT/linux-image-*.deb" | grep -v -- '-dbg_' | head -1) ||
		die "no linux-image package in $OUT: run ./dhei deb build"
	rm -rf "$img" && mkdir -p "$img"
	dpkg -x "$deb" "$img"
	compgen -G "$img/boot/vmlinuz-*" >/dev/null || die "$(basename "$deb") has no /boot/vmlinuz-*"
	while read -r ko; do
		n=$((n + 1))
		case "$ko" in *.xz) xz -dc "$ko" ;; *) cat "$ko" ;; esac | tail -c 28 |
			grep -q 'Module signature appended' || { unsigned=$((unsigned + 1)); log "  unsigned: $ko"; }
	done < <(find "$img/lib/modules" -name '*.ko*')
	[ "$n" -gt 0 ] && [ "$unsigned" -eq 0 ] || die "$(basename "$deb"): $n modules, $unsigned unsigned"
	log "$(basename "$deb"): $(basename "$(compgen -G "$img/boot/vmlinuz-*")"), $n modules, all signed"
}

# Boot the kernel image of the package (unpacked by check_package).
guest() {
	local vmlinuz rc=0
	vmlinuz=$(compgen -G "$OUT/image/boot/vmlinuz-*" | head -1)
	# The package leaves out KUnit and fault injection (configs/deb/deb.config): the
	# fault-injection checks are reported as skipped, not passed; any other skip fails.
	# One host thread for all vCPUs: with one per vCPU, Debian 12's QEMU lets this kernel
	# run a text_poke_bp int3 after the patch completed (scripts/tcg-text-poke.sh).
	python3 "$ROOT/scripts/guest.py" --mode test --kernel "$vmlinuz" --initrd "$OUT/initramfs.cpio.gz" \
		--outdir "$OUT/guest-test" --summary-file "$OUT/guest.summary" --no-kunit \
		--accel tcg,thread=single \
		--allow-skip "no fault injection" --only dhei_domain,dhei_nohz_dynamic || rc=$?
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
	stage "package check" check_package
	stage "initramfs" bash "$ROOT/scripts/initramfs.sh"
	stage "guest tests on the packaged kernel" guest ;;
build)
	prune
	stage "deb config ($BUILD)" configure
	stage "make bindeb-pkg" package ;;
guest)
	stage "package check" check_package
	stage "initramfs" bash "$ROOT/scripts/initramfs.sh"
	stage "guest tests on the packaged kernel" guest ;;
*) die "usage: deb.sh [all|config|build|guest]" ;;
esac
