#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the guest need, once: Debian packages, the project-local Rust
# toolchain (Debian's rustc-web unpacked with dpkg -x) and bindgen. Reused on later runs.
. "$(dirname "$0")/lib.sh"

apt_packages() {
	local missing=()
	# DHEI_EXTRA_PACKAGES: what one command needs besides (./dhei deb: $DEB_APT_PACKAGES).
	for p in $APT_PACKAGES ${DHEI_EXTRA_PACKAGES:-}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { log "all Debian packages present"; return; }
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# apt-get download PKG=VERSION into $DL, or fail saying what the archive serves.
fetch_deb() {
	local pkg=$1 ver=$2
	compgen -G "$DL/${pkg}_${ver/:/%3a}_*.deb" >/dev/null && return
	if ! (cd "$DL" && apt-get download -qq "$pkg=$ver" 2>/dev/null); then
		apt-get update -qq || true
		if ! (cd "$DL" && apt-get download -qq "$pkg=$ver" 2>/dev/null); then
			local served
			served=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); printf "%s ", $2}' | sed "s/ $//")
			die "$pkg $ver (pinned in scripts/pins.env) is not served by the configured Debian archive; served: ${served:-none}. Change the pin in scripts/pins.env to one of those."
		fi
	fi
}

toolchain() {
	[ -f "$TC/.done" ] && { log "rust toolchain: $("$TC/bin/rustc" --version)"; return; }
	fetch_deb rustc-web "$RUST_WEB_VERSION"
	fetch_deb libstd-rust-web-dev "$RUST_WEB_VERSION"
	fetch_deb "libstd-rust-web-${RUST_WEB_VERSION%%.0+*}" "$RUST_WEB_VERSION"
	fetch_deb rust-web-src "$RUST_WEB_VERSION"
	fetch_deb rust-web-clippy "$RUST_WEB_VERSION"
	fetch_deb rustfmt-web "$RUST_WEB_VERSION"
	fetch_deb "$RUST_WEB_LLVM_PKG" "$(apt-cache policy "$RUST_WEB_LLVM_PKG" | awk '/Candidate:/ {print $2}')"
	rm -rf "$TC" && mkdir -p "$TC/bin"
	for d in rustc-web libstd-rust-web-dev "libstd-rust-web-${RUST_WEB_VERSION%%.0+*}" rust-web-src \
		rust-web-clippy rustfmt-web "$RUST_WEB_LLVM_PKG"; do
		dpkg -x "$(ls "$DL/${d}_"*.deb | tail -1)" "$TC"
	done
	for t in rustc rustdoc clippy-driver rustfmt; do
		cat >"$TC/bin/$t" <<EOW
#!/bin/sh
LD_LIBRARY_PATH=$TC/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} exec $TC/usr/bin/$t "\$@"
EOW
		chmod +x "$TC/bin/$t"
	done
	"$TC/bin/rustc" --version >/dev/null || die "unpacked rustc does not run"
	[ -d "$TC/usr/lib/rustlib/src/rust/library/core" ] || die "rust-web-src did not provide library/core"
	touch "$TC/.done"
	log "rust toolchain: $("$TC/bin/rustc" --version)"
}

# Without a usable cargo on the machine (a fresh Debian 12 has none, or 0.66), unpack Debian's
# cargo-web, which matches rustc-web, next to it; lib.sh then puts $TC/bin on PATH.
cargo_web() {
	if cargo_usable; then
		log "cargo: $(command -v cargo) ($(cargo --version))"
		return
	fi
	if [ ! -x "$TC/bin/cargo" ]; then
		fetch_deb cargo-web "$RUST_WEB_VERSION"
		dpkg -x "$(ls "$DL/cargo-web_"*.deb | tail -1)" "$TC"
		for t in cargo cargo-clippy cargo-fmt; do
			cat >"$TC/bin/$t" <<EOW
#!/bin/sh
PATH=$TC/bin:\$PATH LD_LIBRARY_PATH=$TC/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} exec $TC/usr/bin/$t "\$@"
EOW
			chmod +x "$TC/bin/$t"
		done
	fi
	export PATH="$TC/bin:$PATH"
	cargo_usable || die "Debian's cargo-web in $TC does not run"
	log "cargo: $TC/bin/cargo ($(cargo --version))"
}

bindgen() {
	[ -x "$BINDGEN_ROOT/bin/bindgen" ] && { log "bindgen: $("$BINDGEN_ROOT/bin/bindgen" --version)"; return; }
	cargo install --locked --quiet --root "$BINDGEN_ROOT" bindgen-cli --version "$BINDGEN_VERSION"
	log "bindgen: $("$BINDGEN_ROOT/bin/bindgen" --version)"
}

stage "Debian packages" apt_packages
stage "Rust toolchain (rustc-web $RUST_WEB_VERSION)" toolchain
stage "cargo" cargo_web
stage "bindgen $BINDGEN_VERSION" bindgen
