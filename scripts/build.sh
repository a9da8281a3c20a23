#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the kernel out of tree with LLVM=1 and the project-local Rust toolchain.
# The build directory is keyed by source version, toolchain and config fragments; anything
# else is an incremental build.
. "$(dirname "$0")/lib.sh"

BUILD=$(build_dir)
mapfile -t FRAGMENTS < <(variant_fragments)
mapfile -t MAKEVARS < <(kernel_make_vars)
kmake() { make -s -C "$TREE" O="$BUILD" "${MAKEVARS[@]}" "$@"; }

configure() {
	mkdir -p "$BUILD"
	if [ ! -f "$BUILD/.config" ]; then
		kmake rustavailable >/dev/null || { kmake rustavailable; die "the Rust toolchain is not usable for the kernel"; }
		kmake tinyconfig >/dev/null
		(cd "$BUILD" && KCONFIG_CONFIG=.config "$TREE/scripts/kconfig/merge_config.sh" -m -O "$BUILD" \
			.config "${FRAGMENTS[@]}" >/dev/null)
	fi
	kmake olddefconfig >/dev/null
	local missing=() opt
	while read -r opt; do
		case "$opt" in ''|'#'*) continue ;; esac
		grep -qx "$opt=y" "$BUILD/.config" || missing+=("$opt")
	done < <([ "$VARIANT" = stock ] || cat "$ROOT/configs/required.txt")
	[ ${#missing[@]} -eq 0 ] || die "required options lost after olddefconfig: ${missing[*]} (check their dependencies in $BUILD/.config)"
	# The variant's own required values (configs/variants/VARIANT.required).
	local req=$ROOT/configs/variants/$VARIANT.required
	if [ -f "$req" ]; then
		while read -r opt; do
			case "$opt" in ''|'#'*) continue ;; esac
			grep -qx "$opt" "$BUILD/.config" || missing+=("$opt (have: $(grep "^${opt%%=*}=" "$BUILD/.config" || echo unset))")
		done <"$req"
		[ ${#missing[@]} -eq 0 ] || die "$VARIANT: required values lost after olddefconfig: ${missing[*]}"
	fi
	# Debian's values that the lab-based configuration could not keep (missing dependencies).
	local frag opt want have
	for frag in "${FRAGMENTS[@]}"; do
		case "$frag" in */debian-*.config) ;; *) continue ;; esac
		while read -r want; do
			case "$want" in CONFIG_*=*) opt=${want%%=*} ;; '# CONFIG_'*' is not set') opt=${want#\# }; opt=${opt%% *}; want="" ;; *) continue ;; esac
			have=$(grep "^$opt=" "$BUILD/.config" || true)
			[ "$have" = "$want" ] || log "  config: $opt: Debian ${want:-unset}, here ${have:-unset}"
		done <"$frag"
	done
	log "config ($VARIANT): $BUILD/.config ($(grep -c '=y' "$BUILD/.config") options =y)"
}

compile() {
	kmake -j"$JOBS" bzImage
	ln -sfn "$BUILD" "$OUT/build"
	# rustc has no -Wframe-larger-than: check the Rust frames against CONFIG_FRAME_WARN.
	[ "$VARIANT" = stock ] || python3 "$ROOT/scripts/stack-frames.py" "$BUILD" >&2
	cp "$BUILD/arch/x86/boot/bzImage" "$OUT/bzImage"
	log "kernel: $OUT/bzImage ($(stat -c %s "$OUT/bzImage") bytes) $(cat "$BUILD/include/config/kernel.release")"
}

# Drop this variant's build directories of older keys: stale configurations.
prune() {
	local pat old
	case "$VARIANT" in lab) pat='/[0-9a-f]\{16\}/$' ;; *) pat="/$VARIANT-[0-9a-f]\\{16\\}/\$" ;; esac
	old=$(ls -1d "$CACHE"/build/*/ 2>/dev/null | grep -v "^$BUILD/$" | grep "$pat" || true)
	[ -z "$old" ] || { log "pruning old build directories: $old"; rm -rf $old; }
}

prune
stage "kernel config ($BUILD)" configure
stage "kernel build" compile
