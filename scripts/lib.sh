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
# DHEI_EXTRA_CONFIG: one more kconfig fragment (e.g. configs/debug/lockdep.config); such a
# kernel gets its own build and output directories.
EXTRA_CONFIG=${DHEI_EXTRA_CONFIG:+$ROOT/$DHEI_EXTRA_CONFIG}
OUT=$CACHE/out${DHEI_EXTRA_CONFIG:+-$(basename "$DHEI_EXTRA_CONFIG" .config)}
JOBS=${JOBS:-$(nproc)}

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

# Host tools that build the kernel, with the project-local Rust toolchain.
kernel_make_vars() {
	printf '%s\n' ARCH=x86_64 LLVM=1 \
		"RUSTC=$TC/bin/rustc" "RUSTDOC=$TC/bin/rustdoc" "HOSTRUSTC=$TC/bin/rustc" \
		"BINDGEN=$BINDGEN_ROOT/bin/bindgen" "RUST_LIB_SRC=$TC/usr/lib/rustlib/src/rust/library" \
		CLIPPY=1 "CLIPPY_DRIVER=$TC/bin/clippy-driver" \
		KBUILD_BUILD_VERSION=1 KBUILD_BUILD_USER=dhei KBUILD_BUILD_HOST=dhei \
		"KBUILD_BUILD_TIMESTAMP=2026-01-01 00:00:00 UTC"
}

# The key of the build directory: source version, toolchain, config fragments.
build_key() {
	{
		echo "$LINUX_SOURCE_VERSION $RUST_WEB_VERSION $BINDGEN_VERSION"
		clang --version | head -1
		cat "$ROOT"/configs/*.config ${EXTRA_CONFIG:+"$EXTRA_CONFIG"}
	} | sha256sum | cut -c1-16
}
