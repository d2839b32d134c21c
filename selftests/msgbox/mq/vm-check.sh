#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libmsgbox-mq tests and the mq_demo proof in a VM
# ("make -C selftests/msgbox/mq vm-check").
#
# Flow:
#   1. Check that msgbox.ko and the programs are built.
#   2. Collect the files for the initramfs: the programs under /tests/mq,
#      libmsgbox-mq.so at /usr/lib/msgbox/, and the dynamic loader and
#      libraries mq_demo-dyn needs at their host paths
#      (scripts/initramfs-libs.sh).
#   3. Boot scripts/vm.sh with msgbox.ko and mq-guest.sh as the payload; its
#      exit status is the payload's (0 only when everything passed).
#
# Environment: MSGBOX_KO (module to load, default <repo>/msgbox.ko), KVER,
# VM_TIMEOUT (see scripts/vm.sh), TEST_TIMEOUT (seconds per test program in
# the guest, default 300).
set -e

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/../../../scripts/lib.sh" mq
module=${MSGBOX_KO:-$top/msgbox.ko}
so=$top/userlib/mq/libmsgbox-mq.so
mapfile -t tests < <(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make --no-print-directory -s -C "$here" print-progs print-native)
progs=("${tests[@]}" mq_demo mq_demo-dyn mq_probe)

# 1. Built?
[ -r "$module" ] || { pretty "$module missing: make module"; exit 1; }
[ -r "$so" ] || { pretty "$so missing: make -C userlib/mq"; exit 1; }
for p in "${progs[@]}"; do
	[ -x "$here/$p" ] || { pretty "$here/$p missing: make -C selftests/msgbox/mq all native"; exit 1; }
done

# 2. Files.
files=()
for p in "${progs[@]}"; do
	files+=(-f "$here/$p:/tests/mq/$p")
done
files+=(-f "$so:/usr/lib/msgbox/libmsgbox-mq.so")
while read -r lib; do
	files+=(-f "$lib:$lib")
done < <("$top/scripts/initramfs-libs.sh" "$here/mq_demo-dyn" "$so")

# 3. Boot.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-mq.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
{
	echo "export TEST_TIMEOUT=${TEST_TIMEOUT:-300}"
	cat "$here/mq-guest.sh"
} >"$tmp/payload"
pretty "booting with ${#progs[@]} programs and $(( ${#files[@]} / 2 - ${#progs[@]} )) shared objects"
"$top/scripts/vm.sh" -m "$module" "${files[@]}" "$tmp/payload"
