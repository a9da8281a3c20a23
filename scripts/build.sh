#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the kernel out of tree with LLVM=1 and the project-local Rust toolchain.
# The build directory is keyed by source version, toolchain and config fragments; anything
# else is an incremental build.
. "$(dirname "$0")/lib.sh"

BUILD=$CACHE/build/$(build_key)
mapfile -t MAKEVARS < <(kernel_make_vars)
kmake() { make -s -C "$TREE" O="$BUILD" "${MAKEVARS[@]}" "$@"; }

configure() {
	mkdir -p "$BUILD"
	if [ ! -f "$BUILD/.config" ]; then
		kmake rustavailable >/dev/null || { kmake rustavailable; die "the Rust toolchain is not usable for the kernel"; }
		kmake tinyconfig >/dev/null
		(cd "$BUILD" && KCONFIG_CONFIG=.config "$TREE/scripts/kconfig/merge_config.sh" -m -O "$BUILD" \
			.config "$ROOT"/configs/*.config ${EXTRA_CONFIG:+"$EXTRA_CONFIG"} >/dev/null)
	fi
	kmake olddefconfig >/dev/null
	local missing=() opt
	while read -r opt; do
		case "$opt" in ''|'#'*) continue ;; esac
		grep -qx "$opt=y" "$BUILD/.config" || missing+=("$opt")
	done <"$ROOT/configs/required.txt"
	[ ${#missing[@]} -eq 0 ] || die "required options lost after olddefconfig: ${missing[*]} (check their dependencies in $BUILD/.config)"
	log "config: $BUILD/.config ($(grep -c '=y' "$BUILD/.config") options =y)"
}

compile() {
	kmake -j"$JOBS" bzImage
	ln -sfn "$BUILD" "$OUT/build"
	# rustc has no -Wframe-larger-than: check the Rust frames against CONFIG_FRAME_WARN.
	python3 "$ROOT/scripts/stack-frames.py" "$BUILD" >&2
	cp "$BUILD/arch/x86/boot/bzImage" "$OUT/bzImage"
	log "kernel: $OUT/bzImage ($(stat -c %s "$OUT/bzImage") bytes) $(cat "$BUILD/include/config/kernel.release")"
}

# Keep the newest two build directories; older keys are stale configurations.
prune() {
	local old
	old=$(ls -1dt "$CACHE"/build/*/ 2>/dev/null | grep -v "^$BUILD/$" | tail -n +2 || true)
	[ -z "$old" ] || { log "pruning old build directories: $old"; rm -rf $old; }
}

prune
stage "kernel config ($BUILD)" configure
stage "kernel build" compile
