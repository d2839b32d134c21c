#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release msgbox builds against and boots by default: the
# newest installed Debian cloud kernel of the 6.1 LTS series
# (/boot/vmlinuz-6.1.*-cloud-amd64, from linux-image-cloud-amd64), or of
# the series given (6.1 or 6.12, the latter from
# linux-image-6.12-cloud-amd64).
#
# Flow: list /boot/vmlinuz-SERIES.*-cloud-amd64, sort by version, print the
# last one. Fails with a message on stderr when there is none; choose
# another installed kernel with KVER=<release> (see "ls /boot").
#
# Usage: scripts/kver.sh [6.1|6.12]
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" kver

series=${1:-6.1}
case $series in
6.1|6.12) ;;
*) pretty "unknown kernel series $series (6.1 or 6.12)"; exit 1 ;;
esac

newest=$(
	for f in /boot/vmlinuz-"$series".*-cloud-amd64; do
		[ -e "$f" ] && echo "${f#/boot/vmlinuz-}"
	done | sort -V | tail -n 1
)

if [ -z "$newest" ]; then
	pretty "no /boot/vmlinuz-$series.*-cloud-amd64 installed (run scripts/deps.sh, or set KVER)"
	exit 1
fi
echo "$newest"
