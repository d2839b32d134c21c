#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Guest side of "make run" for the RPC example (busybox sh, msgbox.ko
# loaded, kv-server and kv-client in /bin with the shared objects they
# need): one server serves kv.x over a mailbox and over TCP and UDP on
# loopback, and client processes call it over each.
#
# Flow: bring loopback up; start kv-server in the background; store and
# read keys across the three transports; show the credentials the server
# sees when the client claims made-up IDs (TCP believes them, msgbox gives
# the kernel's); time a few hundred calls on each; stop the server.
set -e

port=7411
ip link set lo up
pid=$(kv-server -d -m kv -p $port)
trap 'kill "$pid" 2>/dev/null' EXIT
echo "kv-run: kv-server $pid serves mailbox kv and 127.0.0.1:$port"

kv-client put colour blue
kv-client -T tcp -p $port get colour
kv-client -T udp -p $port put shape round
kv-client get shape
if kv-client get size; then
	echo "kv-run: a missing key was found"
	exit 1
fi

echo "kv-run: the caller as the server sees it, this process being root:"
kv-client whoami
kv-client -c 4242:4343 whoami
kv-client -T tcp -p $port -c 4242:4343 whoami
kv-client -T udp -p $port whoami

for t in msgbox tcp udp; do
	kv-client -T $t -p $port bench 500
done
kv-client -j 4 bench 500

echo "kv-run: done"
