#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the host paths of the dynamic loader and the shared libraries that
# dynamically linked programs need, one per line. Each must be copied into
# the test initramfs at the same path (with symlinks resolved), e.g. with
# scripts/vm.sh -f "$p:$p".
#
# Usage: scripts/initramfs-libs.sh FILE...
#   FILE  dynamic programs or libraries
#
# Flow: ldd each file; keep the "name => /path" targets and the absolute
# path of the loader; drop the vDSO; print each path once. A static or
# missing file is an error.
set -eo pipefail

if [ $# -eq 0 ]; then
	echo "usage: initramfs-libs.sh FILE..." >&2
	exit 2
fi

for f in "$@"; do
	if [ ! -e "$f" ]; then
		echo "initramfs-libs.sh: $f does not exist (build it first)" >&2
		exit 1
	fi
	if ! out=$(ldd "$f" 2>&1) || ! grep -q '=>' <<<"$out"; then
		echo "initramfs-libs.sh: $f is not dynamically linked" >&2
		exit 1
	fi
	awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }
	' <<<"$out"
done | sort -u
