#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the host paths of the dynamic loader and the shared libraries that
# dynamically linked programs need, one per line. Each must be copied into
# the test initramfs at the same path (with symlinks resolved), e.g. with
# scripts/vm.sh -f "$p:$p".
#
# Usage: initramfs-files.sh [FILE...]
#   FILE  dynamic programs or libraries (default: mq_demo-dyn and
#         ../../../userlib/mq/libmsgbox-mq.so, next to this script)
#
# Flow: ldd each file; keep the "name => /path" targets and the absolute
# path of the loader; drop the vDSO; print each path once. A static or
# missing file is an error.
set -eo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- "$here/mq_demo-dyn" "$here/../../../userlib/mq/libmsgbox-mq.so"
fi

for f in "$@"; do
	if [ ! -e "$f" ]; then
		echo "initramfs-files.sh: $f does not exist (build it first)" >&2
		exit 1
	fi
	if ! out=$(ldd "$f" 2>&1) || ! grep -q '=>' <<<"$out"; then
		echo "initramfs-files.sh: $f is not dynamically linked" >&2
		exit 1
	fi
	awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }
	' <<<"$out"
done | sort -u
