#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run "make check" on each supported kernel series ("make check-all").
#
# Flow: install the 6.12 kernel image and headers if missing; for 6.1 and
# then 6.12, clean the module objects, run "make check KVER=<newest of the
# series>" and keep its closing counts; clean again so the tree is left
# with no objects built for a kernel other than the default. Print one
# line per kernel and, last, the summed "N passed, N failed, N skipped".
# Exit 0 only when both passed.
#
# Usage: scripts/check-all.sh
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" check-all
"$top/scripts/deps.sh" linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-check-all.XXXXXX")
cleanup() {
	make -s -C "$top" module-clean >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0 status=0 summary=()
for series in 6.1 6.12; do
	kver=$("$top/scripts/kver.sh" "$series")
	pretty "kernel $kver"
	make -s -C "$top" module-clean >/dev/null
	rc=0
	make --no-print-directory -C "$top" check KVER="$kver" 2>&1 |
		tee "$tmp/$series.log" || rc=$?
	[ "$rc" -eq 0 ] || status=1
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/$series.log" | tail -n 1)
	if [ -z "$line" ]; then
		status=1
		failed=$((failed + 1))
		summary+=("$kver: no result")
		continue
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
	summary+=("$kver: $line")
done

echo
echo "== msgbox check-all summary"
for l in "${summary[@]}"; do
	echo "  $l"
done
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
