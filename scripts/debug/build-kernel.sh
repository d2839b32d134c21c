#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the msgbox debug kernel: Debian's linux-source-6.1 configured as
# tinyconfig plus scripts/debug/debug.config (KASAN, lockdep, kmemleak,
# UBSAN, failslab, ...), with what the test VM needs put back.
#
# Flow:
#   1. Install the build dependencies through scripts/deps.sh.
#   2. Extract /usr/src/linux-source-6.1.tar.xz into
#      build/debug-kernel/linux-source-6.1 once; a later run reuses it
#      unless the tarball changed.
#   3. If the stamp (fragment, this script, tarball, compiler) matches the
#      last successful build, stop: nothing to do.
#   4. make tinyconfig, merge the fragment with merge_config.sh -m, make
#      olddefconfig, then check that every option the fragment sets ended
#      up set (and every one it unsets is unset); fail listing the others.
#   5. make -j3 bzImage modules (modules for Module.symvers, which
#      out-of-tree modules link against), log in build/debug-kernel/build.log.
#   6. Write the stamp and print the image, the release and the tree.
#
# Usage: scripts/debug/build-kernel.sh
# Environment: DEBUG_KERNEL_DIR (default build/debug-kernel), KSRC_TARBALL
# (default /usr/src/linux-source-6.1.tar.xz), JOBS (default 3).
# Output on stdout, last three lines: "image PATH", "release REL",
# "tree DIR". About 5 minutes on 2 cores the first time.
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh" debug-kernel 35
fragment=$top/scripts/debug/debug.config
outdir=${DEBUG_KERNEL_DIR:-$top/build/debug-kernel}
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
jobs=${JOBS:-3}
src=$outdir/linux-source-6.1
log=$outdir/build.log

# 1. Dependencies (linux-source-6.1 is among deps.sh's own packages).
"$top/scripts/deps.sh" flex bison bc libelf-dev libssl-dev dwarves </dev/null

[ -r "$tarball" ] || die "cannot read $tarball (apt-get install linux-source-6.1)"
[ -r "$fragment" ] || die "cannot read $fragment"

# 2. Source tree, extracted once per tarball.
mkdir -p "$outdir"
tar_id="$(stat -c '%n %s %Y' "$tarball")"
if [ ! -f "$src/.msgbox-extracted" ] || [ "$(cat "$src/.msgbox-extracted")" != "$tar_id" ]; then
	pretty "extracting $tarball into $outdir"
	rm -rf "$src" "$outdir/.stamp"
	tar -C "$outdir" -xf "$tarball"
	[ -f "$src/Makefile" ] || die "$tarball did not give $src"
	echo "$tar_id" >"$src/.msgbox-extracted"
fi

image=$src/arch/x86/boot/bzImage
report() {
	echo "image $image"
	echo "release $(make -s -C "$src" kernelrelease)"
	echo "tree $src"
}

# 3. Cached?
stamp=$( {
	cat "$fragment" "$0"
	echo "$tar_id"
	gcc --version | head -n 1
} | sha256sum | cut -d' ' -f1)
if [ -f "$outdir/.stamp" ] && [ "$(cat "$outdir/.stamp")" = "$stamp" ] &&
   [ -f "$image" ] && [ -f "$src/Module.symvers" ]; then
	pretty "up to date: $image"
	report
	exit 0
fi
rm -f "$outdir/.stamp"

# 4. Configure and verify.
pretty "configuring: tinyconfig + $(basename "$fragment")"
{
	make -C "$src" tinyconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment")
	make -C "$src" olddefconfig
} >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "configuration failed (full log: $log)"; }

missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$src/.config" ||
			missing+=("wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo 'absent')")
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -qE "^$opt=" "$src/.config"; then
			missing+=("wanted $opt unset, got: $(grep -E "^$opt=" "$src/.config")")
		fi
		;;
	esac
done <"$fragment"
if [ ${#missing[@]} -gt 0 ]; then
	for m in "${missing[@]}"; do
		pretty "config: $m"
	done
	die "${#missing[@]} option(s) of $(basename "$fragment") did not survive olddefconfig (see above; $src/.config)"
fi
pretty "config verified: every option of $(basename "$fragment") is as requested"

# 5. Build.
pretty "building bzImage and modules with -j$jobs (log: $log)"
start=$(date +%s)
if ! make -C "$src" -j"$jobs" bzImage modules >>"$log" 2>&1; then
	grep -E 'error|Error' "$log" | tail -n 20 >&2 || true
	tail -n 20 "$log" >&2
	die "kernel build failed (full log: $log)"
fi
{ [ -f "$image" ] && [ -f "$src/Module.symvers" ]; } || die "build finished without $image or Module.symvers"
pretty "built in $(($(date +%s) - start))s"

# 6. Done.
echo "$stamp" >"$outdir/.stamp"
report
