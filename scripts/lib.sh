# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the dhei scripts. Source it; do not run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/pins.env
. "$ROOT/scripts/pins.env"

# Everything built or downloaded lives outside the clone, so a fresh clone reuses it.
CACHE=${DHEI_CACHE:-/var/cache/dhei}
DL=$CACHE/dl
TC=$CACHE/toolchain/rust-web-$RUST_WEB_VERSION
BINDGEN_ROOT=$CACHE/bindgen/$BINDGEN_VERSION
export CARGO_HOME=${DHEI_CARGO_HOME:-$CACHE/cargo-home}
SRC=$CACHE/src/$LINUX_SOURCE_VERSION
PRISTINE=$SRC/pristine
TREE=$SRC/tree
# DHEI_VARIANT: which kernel configuration (configs/variants/README):
#   lab      tinyconfig + configs/*.config: the fast test kernel (default)
#   lockdep  lab + configs/debug/lockdep.config
#   distro   lab + Debian's values of configs/variants/debian-options.txt (amd64 flavour)
#            + configs/debug/lockdep.config + configs/variants/distro.config
#   rt       the same from Debian's rt flavour + configs/variants/rt.config
#   kasan    distro + configs/variants/kasan.config (generic KASAN; not in ./dhei test)
#   kcsan    lab + configs/variants/kcsan.config (KCSAN; not in ./dhei test)
#   stock    the lab configuration built from the pristine source, without our patches and
#            overlay: what stock 6.12 does (./dhei fuzz, to tell its bugs from ours)
#   deb      Debian's full amd64 configuration, modules reduced (./dhei deb, configs/deb/)
# Each variant has its own build and output directories.
VARIANT=${DHEI_VARIANT:-lab}
case "$VARIANT" in
lab) OUT=$CACHE/out ;;
lockdep|distro|rt|kasan|kcsan|stock|deb) OUT=$CACHE/out-$VARIANT ;;
*) printf 'error: unknown DHEI_VARIANT %s (lab, lockdep, distro, rt, kasan, kcsan, stock, deb)\n' "$VARIANT" >&2; exit 1 ;;
esac
[ "$VARIANT" != stock ] || TREE=$PRISTINE
JOBS=${JOBS:-$(nproc)}
# The deb and kasan variants build with clang-19 and bindgen with its libclang, so that both
# match (scripts/pins.env says why not Debian 12's clang 14 or clang-22). With clang 14 and
# Debian's INIT_STACK_ALL_ZERO, bindgen fails ("unknown argument:
# -enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang").
# The other variants use Debian 12's clang, and bindgen must use that clang's libclang too:
# left to itself it loads the newest libclang on the machine (clang-19 from ./dhei deb, or
# any other), which rejects clang 14's flags.
# A LIBCLANG_PATH this file chose (DHEI_LIBCLANG_AUTO) is chosen again: ./dhei deb sources
# it as lab first, then as deb. One set by the user is kept.
if [ -z "${LIBCLANG_PATH:-}" ] || [ -n "${DHEI_LIBCLANG_AUTO:-}" ]; then
	if [ "$VARIANT" = kasan ] || [ "$VARIANT" = deb ]; then
		export LIBCLANG_PATH=/usr/lib/llvm-$DEB_LLVM_VERSION/lib DHEI_LIBCLANG_AUTO=1
	elif command -v clang >/dev/null; then
		export LIBCLANG_PATH=/usr/lib/llvm-$(clang -dumpversion | cut -d. -f1)/lib DHEI_LIBCLANG_AUTO=1
	fi
fi
if [ "$VARIANT" = kasan ] || [ "$VARIANT" = deb ]; then
	export KERNEL_LLVM=${KERNEL_LLVM:--$DEB_LLVM_VERSION}
fi

mkdir -p "$CACHE" "$DL" "$OUT"

# cargo builds bindgen and the host crates: the machine's own (rustup) if it is new enough,
# else Debian's cargo-web unpacked beside rustc-web (scripts/setup.sh, stage "cargo").
if ! command -v cargo >/dev/null && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
	export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
# Debian 12's own cargo (0.66) is too old for the lock files here.
cargo_usable() {
	local v
	v=$(cargo --version 2>/dev/null | awk '{ print $2 }') || return 1
	[ -n "$v" ] && [ "$(printf '%s\n1.74.0\n' "$v" | sort -V | head -1)" = 1.74.0 ]
}
if ! cargo_usable && [ -x "$TC/bin/cargo" ]; then
	export PATH="$TC/bin:$PATH"
fi

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# stage NAME CMD...: run CMD, saying what it does and how long it took.
stage() {
	local name=$1; shift
	local t0=$SECONDS
	log "==> $name"
	"$@"
	log "<== $name: $((SECONDS - t0))s"
}

# Host tools that build the kernel, with the project-local Rust toolchain. KERNEL_LLVM: the
# LLVM= of kbuild: 1 for Debian 12's default clang, -22 for clang-22 (./dhei deb).
kernel_make_vars() {
	printf '%s\n' ARCH=x86_64 "LLVM=${KERNEL_LLVM:-1}" \
		"RUSTC=$TC/bin/rustc" "RUSTDOC=$TC/bin/rustdoc" "HOSTRUSTC=$TC/bin/rustc" \
		"BINDGEN=$BINDGEN_ROOT/bin/bindgen" "RUST_LIB_SRC=$TC/usr/lib/rustlib/src/rust/library" \
		CLIPPY=1 "CLIPPY_DRIVER=$TC/bin/clippy-driver" \
		KBUILD_BUILD_VERSION=1 KBUILD_BUILD_USER=dhei KBUILD_BUILD_HOST=dhei \
		"KBUILD_BUILD_TIMESTAMP=2026-01-01 00:00:00 UTC"
}

# Debian's configuration of FLAVOUR (none_amd64, none_cloud-amd64, rt_amd64) from the
# pinned linux-config package, written to stdout.
debian_config() {
	local flavour=$1 deb dir
	deb=$(compgen -G "$DL/${LINUX_CONFIG_PKG}_${LINUX_SOURCE_VERSION/:/%3a}_amd64.deb" || true)
	if [ -z "$deb" ]; then
		(cd "$DL" && apt-get download -qq "$LINUX_CONFIG_PKG=$LINUX_SOURCE_VERSION" 2>/dev/null) ||
			die "cannot download $LINUX_CONFIG_PKG $LINUX_SOURCE_VERSION (pinned in scripts/pins.env)"
		deb=$(compgen -G "$DL/${LINUX_CONFIG_PKG}_${LINUX_SOURCE_VERSION/:/%3a}_amd64.deb")
	fi
	dir=$(mktemp -d)
	dpkg -x "$deb" "$dir"
	local src=$dir/usr/src/$LINUX_CONFIG_PKG/config.amd64_$flavour.xz
	[ -f "$src" ] || { rm -rf "$dir"; die "$LINUX_CONFIG_PKG has no config.amd64_$flavour.xz"; }
	xzcat "$src"
	rm -rf "$dir"
}

# Debian's value of every option in configs/variants/debian-options.txt, from Debian's
# configuration of FLAVOUR (none_amd64, rt_amd64): the path of the fragment, made once.
debian_fragment() {
	local flavour=$1 frag=$CACHE/variants/$LINUX_SOURCE_VERSION/debian-$1.config
	if [ ! -s "$frag" ]; then
		mkdir -p "${frag%/*}"
		debian_config "$flavour" >"$frag.full"
		python3 "$ROOT/scripts/debian-fragment.py" "$ROOT/configs/variants/debian-options.txt" \
			"$frag.full" "config.amd64_$flavour ($LINUX_CONFIG_PKG $LINUX_SOURCE_VERSION)" >"$frag.tmp"
		mv "$frag.tmp" "$frag"
		rm -f "$frag.full"
	fi
	echo "$frag"
}

# The kconfig fragments of this variant, in merge order (later ones win).
variant_fragments() {
	ls -1 "$ROOT"/configs/*.config
	case "$VARIANT" in
	lockdep) echo "$ROOT/configs/debug/lockdep.config" ;;
	kcsan) echo "$ROOT/configs/variants/kcsan.config" ;;
	distro|kasan)
		debian_fragment none_amd64
		echo "$ROOT/configs/debug/lockdep.config"
		echo "$ROOT/configs/variants/distro.config"
		[ "$VARIANT" = distro ] || echo "$ROOT/configs/variants/kasan.config" ;;
	rt)
		debian_fragment rt_amd64
		echo "$ROOT/configs/debug/lockdep.config"
		echo "$ROOT/configs/variants/rt.config" ;;
	esac
}

# What the deb variant's configuration is made of (scripts/deb.sh): it does not start
# from tinyconfig, so variant_fragments does not describe it.
deb_inputs() {
	echo "$ROOT/configs/deb/deb.config"
	echo "$ROOT/configs/deb/keep-modules.txt"
	echo "$ROOT/scripts/deb-config.py"
}

# The key of the build directory: source version, toolchain, config fragments.
build_key() {
	local frags
	if [ "$VARIANT" = deb ]; then mapfile -t frags < <(deb_inputs); else mapfile -t frags < <(variant_fragments); fi
	{
		echo "$LINUX_SOURCE_VERSION $RUST_WEB_VERSION $BINDGEN_VERSION"
		if [ "${KERNEL_LLVM:-1}" = 1 ]; then clang --version; else "clang$KERNEL_LLVM" --version; fi | head -1
		cat "${frags[@]}"
	} | sha256sum | cut -c1-16
}

# The build directory of this variant: the lab kernel's is named by its key alone.
build_dir() {
	case "$VARIANT" in
	lab) echo "$CACHE/build/$(build_key)" ;;
	*) echo "$CACHE/build/$VARIANT-$(build_key)" ;;
	esac
}
