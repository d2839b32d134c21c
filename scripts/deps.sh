#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages msgbox needs to build, boot and test, and do
# nothing when they are all present.
#
# Flow: work out which packages are missing with dpkg-query, run
# "apt-get update" once only when something must be installed, then install
# exactly the missing ones non-interactively.
#
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" deps

pkgs=(
	build-essential gcc-multilib g++ make cpio gzip xz-utils kmod
	busybox-static qemu-system-x86
	linux-image-cloud-amd64 linux-headers-cloud-amd64
	linux-source-6.1 sparse pkg-config man-db groff-base
	libtirpc-dev rpcsvc-proto libdbus-1-dev dbus-daemon
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	pretty "missing packages: ${missing[*]} (run as root to install them)"
	exit 1
fi

pretty "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
pretty "done"
