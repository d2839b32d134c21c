#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the library's man pages ("make lint-man", and part of
# "make lint"); host only, no kernel tree:
#   - every page renders with groff -man -ww without a warning;
#   - every page but a .so link has NAME, SYNOPSIS, DESCRIPTION,
#     RETURN VALUE and ERRORS, and a .so link's target exists;
#   - every global symbol of libmsgbox.map and libmsgbox-rpc.map has a
#     page of its name.
#
# Flow: render each page of userlib/libmsgbox/man, userlib/rpc/man,
# userlib/mq and userlib/cli (the last two are overviews: rendering only),
# check the sections of the libraries', then their maps; print one line
# per finding and exit 1 when there was any.
#
# Usage: scripts/man-lint.sh
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" man-lint

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

command -v groff >/dev/null || die "groff is missing (apt-get install groff-base)"

problems=0
finding() {
	echo "$*"
	problems=$((problems + 1))
}

# groff resolves ".so man3/x.3" from the top of a man tree.
mkdir -p "$tmp/man"
ln -s "$top/userlib/libmsgbox/man" "$tmp/man/man3"

pages=("$top"/userlib/libmsgbox/man/*.3 "$top"/userlib/rpc/man/*.3)
for page in "${pages[@]}" "$top"/userlib/mq/*.7 "$top"/userlib/cli/*.[17]; do
	name=${page#"$top"/}
	out=$(cd "$tmp/man" && LC_ALL=C groff -man -ww -z -Tutf8 "$page" 2>&1) ||
		finding "$name: groff failed"
	[ -z "$out" ] || finding "$name: $out"
done

for page in "${pages[@]}"; do
	name=${page#"$top"/}
	target=$(sed -n '1,3s|^\.so ||p' "$page")
	if [ -n "$target" ]; then
		[ -f "$tmp/man/$target" ] || finding "$name: .so target $target missing"
		continue
	fi
	for section in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS; do
		grep -q "^\.SH $section\$" "$page" ||
			finding "$name: no $section section"
	done
done

# The names between "global:" and "local:" or the node's end.
for map in userlib/libmsgbox/libmsgbox.map userlib/rpc/libmsgbox-rpc.map; do
	while read -r sym; do
		[ -f "$top/$(dirname "$map")/man/$sym.3" ] ||
			finding "$map: $sym has no man page"
	done < <(awk '/global:/ { g = 1; next } /local:|}/ { g = 0 }
		      g { gsub(/[;[:space:]]/, ""); if ($0 != "") print }' "$top/$map" |
		 sort -u)
done

if [ "$problems" -ne 0 ]; then
	pretty "FAIL: $problems findings"
	exit 1
fi
pretty "man pages: clean (${#pages[@]} in section 3)"
