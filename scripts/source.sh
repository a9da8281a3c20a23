#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the kernel source tree: the pinned Debian linux-source, our files copied over it at
# their kernel paths, then patches/ applied in series order. Only files whose content changed
# get a new mtime, so the out-of-tree build stays incremental.
. "$(dirname "$0")/lib.sh"

# Directories and files of ours that are copied over the kernel tree.
OVERLAY_PATHS="include kernel rust tools Documentation"

pristine() {
	[ -f "$PRISTINE/.done" ] && { log "pristine source: $PRISTINE"; return; }
	local deb
	deb=$(compgen -G "$DL/${LINUX_SOURCE_PKG}_${LINUX_SOURCE_VERSION/:/%3a}_all.deb" || true)
	if [ -z "$deb" ]; then
		(cd "$DL" && apt-get download -qq "$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION" 2>/dev/null) || {
			apt-get update -qq || true
			(cd "$DL" && apt-get download -qq "$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION" 2>/dev/null) || {
				local served
				served=$(apt-cache madison "$LINUX_SOURCE_PKG" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); printf "%s ", $2}' | sed "s/ $//")
				die "$LINUX_SOURCE_PKG $LINUX_SOURCE_VERSION (pinned in scripts/pins.env) is not served; served: ${served:-none}. Set LINUX_SOURCE_VERSION in scripts/pins.env to one of those."
			}
		}
		deb=$(compgen -G "$DL/${LINUX_SOURCE_PKG}_${LINUX_SOURCE_VERSION/:/%3a}_all.deb")
	fi
	rm -rf "$SRC" && mkdir -p "$SRC/unpack"
	dpkg -x "$deb" "$SRC/unpack"
	tar -C "$SRC" -xf "$SRC/unpack/usr/src/$LINUX_SOURCE_PKG.tar.xz"
	mv "$SRC/$LINUX_SOURCE_PKG" "$PRISTINE"
	rm -rf "$SRC/unpack"
	touch "$PRISTINE/.done"
	log "pristine source: $PRISTINE ($(make -s -C "$PRISTINE" kernelversion))"
}

# Files of ours, relative to $ROOT (excluding cargo build output).
overlay_files() {
	(cd "$ROOT" && for p in $OVERLAY_PATHS; do
		[ -e "$p" ] && find "$p" \( -name target -o -name Cargo.lock \) -prune -o -type f -print
	done) | sort
}

# Files a patch touches.
patch_files() {
	sed -n -e 's|^+++ b/\([^[:space:]]*\).*|\1|p' -e 's|^--- a/\([^[:space:]]*\).*|\1|p' "$1" | sort -u
}

series() { grep -v -e '^#' -e '^[[:space:]]*$' "$ROOT/patches/series" 2>/dev/null || true; }

tree() {
	[ -d "$TREE" ] || { log "creating tree (hard links to pristine)"; cp -al "$PRISTINE" "$TREE"; rm -f "$TREE/.done"; }
	local stage_dir=$SRC/stage touched=$SRC/touched.new prev=$SRC/touched p f n=0
	rm -rf "$stage_dir" && mkdir -p "$stage_dir"
	{ overlay_files; for p in $(series); do patch_files "$ROOT/patches/$p"; done; } | sort -u >"$touched"
	# Build the wanted content of every touched file in a staging directory.
	while read -r f; do
		[ -f "$PRISTINE/$f" ] && install -D -m "$(stat -c %a "$PRISTINE/$f")" "$PRISTINE/$f" "$stage_dir/$f"
	done <"$touched"
	while read -r f; do install -D -m "$(stat -c %a "$ROOT/$f")" "$ROOT/$f" "$stage_dir/$f"; done < <(overlay_files)
	for p in $(series); do
		[ -f "$ROOT/patches/$p" ] || die "patches/series names $p, which does not exist"
		patch -p1 -s -N -F0 -d "$stage_dir" <"$ROOT/patches/$p" >"$SRC/patch.log" 2>&1 ||
			{ cat "$SRC/patch.log" >&2; die "patch $p does not apply to $LINUX_SOURCE_PKG $LINUX_SOURCE_VERSION"; }
		n=$((n + 1))
	done
	# Bring the tree in line. Never write through a hard link: unlink, then copy (new mtime).
	while read -r f; do
		if [ -f "$stage_dir/$f" ]; then
			cmp -s "$stage_dir/$f" "$TREE/$f" 2>/dev/null && continue
			rm -f "$TREE/$f"; install -D -m "$(stat -c %a "$stage_dir/$f")" "$stage_dir/$f" "$TREE/$f"
			log "  updated $f"
		elif [ -e "$TREE/$f" ]; then
			rm -f "$TREE/$f"; log "  removed $f"
		fi
	done < <(sort -u "$touched" "$prev" 2>/dev/null || cat "$touched")
	# Files dropped from the overlay or the patches go back to pristine.
	if [ -f "$prev" ]; then
		while read -r f; do
			grep -qxF "$f" "$touched" && continue
			if [ -f "$PRISTINE/$f" ]; then
				cmp -s "$PRISTINE/$f" "$TREE/$f" 2>/dev/null || { rm -f "$TREE/$f"; cp "$PRISTINE/$f" "$TREE/$f"; log "  restored $f"; }
			fi
		done <"$prev"
	fi
	mv "$touched" "$prev"
	log "tree: $TREE ($(overlay_files | wc -l) files of ours, $n patches)"
}

stage "kernel source $LINUX_SOURCE_PKG $LINUX_SOURCE_VERSION" pristine
# The stock variant builds the pristine source itself.
[ "$VARIANT" = stock ] || stage "overlay and patches" tree
