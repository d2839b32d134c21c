#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that DKMS can build and install msgbox for a kernel ("make dkms-check").
#
# Flow: check that dkms.conf and VERSION agree; stage the module sources in
# /usr/src/msgbox-VERSION; "dkms add", "dkms build -k KVER" and
# "dkms install -k KVER" against the installed Debian headers; check with
# modinfo that the installed module is ours and of that version; then
# "dkms remove" and delete the staged sources, leaving the machine as it
# was. Needs root and the dkms package (scripts/deps.sh dkms).
#
# Usage: KVER=<release> scripts/dkms.sh
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" dkms
kver=${KVER:-$("$top/scripts/kver.sh")}
version=$(cat "$top/VERSION")
src=/usr/src/msgbox-$version

grep -q "^PACKAGE_VERSION=\"$version\"$" "$top/dkms.conf" || {
	pretty "dkms.conf PACKAGE_VERSION does not match VERSION ($version)"
	exit 1
}

cleanup() {
	dkms remove "msgbox/$version" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
cleanup

pretty "staging $src"
mkdir -p "$src"
cp -r "$top/Kbuild" "$top/VERSION" "$top/dkms.conf" "$top/module" "$top/uapi" "$src/"
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete

pretty "dkms add / build / install for $kver"
dkms add "msgbox/$version"
dkms build "msgbox/$version" -k "$kver"
dkms install "msgbox/$version" -k "$kver" --force

ko=$(modinfo -k "$kver" -n msgbox)
got=$(modinfo -k "$kver" -F version msgbox)
pretty "installed $ko, version $got"
case $ko in
*/updates/dkms/msgbox.ko*) ;;
*) pretty "modinfo finds $ko, not the DKMS build"; exit 1 ;;
esac
[ "$got" = "$version" ] || { pretty "version $got, expected $version"; exit 1; }
pretty "ok"
