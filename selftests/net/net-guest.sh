#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of net-check.sh: bring up the one network interface, then run
# the commands the host sends on the third serial port (/dev/ttyS2), one
# per line as "ID COMMAND", answering each with its output and a line
# "@@DONE ID STATUS". "ID quit" ends it.
#
# Flow: load virtio-net and the modules it needs in dependency order (the
# cloud kernel has them as modules), give eth0 the address QEMU's user
# network expects (the broker is at 10.0.2.100:5672 through a guestfwd),
# put the serial port in raw mode, serve commands, stop what is left.

for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	 virtio_pci failover net_failover virtio_net; do
	insmod "/netmod/$m.ko" || { echo "net-guest: insmod $m failed"; exit 1; }
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ip link set lo up && ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up ||
	{ echo "net-guest: no eth0"; exit 1; }
mkdir -p /var/lib /run
stty -F /dev/ttyS2 raw -echo || exit 1
exec 3<>/dev/ttyS2
echo "@@READY" >&3
while IFS=' ' read -r id cmd <&3; do
	[ "$cmd" = quit ] && break
	sh -c "$cmd" </dev/null >&3 2>&1
	echo "@@DONE $id $?" >&3
done
[ -s /run/bridge.pid ] && kill "$(cat /run/bridge.pid)" 2>/dev/null
sleep 1
exit 0
