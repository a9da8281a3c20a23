#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write patches/NAME from edited copies of upstream files.
#   scripts/mkpatch.sh NAME HEADER_FILE OLD_DIR NEW_DIR FILE...
# OLD_DIR holds the pristine files and NEW_DIR the edited ones, both at kernel paths. The
# header (From:/Subject:/body/Signed-off-by:) comes first, then a diffstat-free unified diff.
set -euo pipefail
name=$1 header=$2 old=$3 new=$4; shift 4
out=$(cd "$(dirname "$0")/.." && pwd)/patches/$name
{
	cat "$header"
	echo "---"
	for f in "$@"; do
		diff -u -p --suppress-blank-empty --label "a/$f" --label "b/$f" "$old/$f" "$new/$f" || [ $? -eq 1 ]
	done
} >"$out"
echo "wrote $out"
