#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few kernel-tree files msgbox borrows at build time from the
# Debian linux-source tarball, once, into the build tree (never into the
# repository):
#
#   build/ksft/                kselftest_harness.h, kselftest.h,
#                              kselftest_module.h (for selftests/msgbox)
#   build/ksrc/scripts/        checkpatch.pl, spelling.txt,
#                              const_structs.checkpatch (for "make lint")
#
# Flow: if every file is already there, exit at once. Otherwise unpack just
# those members with one "tar --wildcards" pass (xz dominates, ~8 s) into a
# temporary directory, move them into place and drop the temporary one.
#
# Usage: scripts/ksft.sh [BUILD_DIR]      (default: <repo>/build)
# Environment: KSRC_TARBALL   the tarball (default /usr/src/linux-source-6.1.tar.xz)
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" ksft
build=${1:-$top/build}
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

ksft_files=(kselftest_harness.h kselftest.h kselftest_module.h)
ksrc_files=(checkpatch.pl spelling.txt const_structs.checkpatch)

have_all() {
	local f
	for f in "${ksft_files[@]}"; do
		[ -s "$build/ksft/$f" ] || return 1
	done
	for f in "${ksrc_files[@]}"; do
		[ -s "$build/ksrc/scripts/$f" ] || return 1
	done
}

have_all && exit 0

if [ ! -r "$tarball" ]; then
	pretty "cannot read $tarball (install linux-source-6.1: scripts/deps.sh)"
	exit 1
fi

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

mkdir -p "$build"
tmp=$(mktemp -d "$build/.ksft.XXXXXX")

# The tarball has one top directory (linux-source-6.1/); strip it.
pretty "extracting kselftest headers and checkpatch from $(basename "$tarball")"
members=()
for f in "${ksft_files[@]}"; do
	members+=("*/tools/testing/selftests/$f")
done
for f in "${ksrc_files[@]}"; do
	members+=("*/scripts/$f")
done
tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards "${members[@]}"

mkdir -p "$build/ksft" "$build/ksrc/scripts"
for f in "${ksft_files[@]}"; do
	mv -f "$tmp/tools/testing/selftests/$f" "$build/ksft/$f"
done
for f in "${ksrc_files[@]}"; do
	mv -f "$tmp/scripts/$f" "$build/ksrc/scripts/$f"
done
chmod +x "$build/ksrc/scripts/checkpatch.pl"

have_all
pretty "done: $build/ksft $build/ksrc/scripts"
