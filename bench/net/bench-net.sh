#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# msgbox-bridge against the broker's own C client (rabbitmq-c), host a to
# host b, on one broker: messages per second streaming 64-byte messages,
# and 64-byte round trips (a -> b -> a) at the 50th and 99th percentiles.
#
# Flow: start a broker of our own on loopback and two VMs that reach only
# it (selftests/net/netlib.sh), a bridge in each; then for each row start
# the receiver (or echo) on b, run the sender (or pinger) on a, and read
# the receiver's rate; print the table and the bridge/direct ratios.
#
# Rows: the bridge's reliable class (spool, confirms, the distributor's
# transaction, journal) and best-effort class; rabbitmq-c publishing
# persistent messages with confirms (64 outstanding) and consuming with
# acks (prefetch 16); rabbitmq-c without confirms, with automatic acks.
# Figures are of QEMU TCG guests on a shared machine: compare rows of one
# run, not runs.
#
# The reliable rows stream in BENCH_NET_ROUNDS rounds (default 3), the
# bridge then rabbitmq-c in each, and the ratio is taken within a round:
# the table shows the median round, and the ratio line the median with the
# lowest and highest round.
#
# Environment: KVER, MSGBOX_KO, BENCH_NET_COUNT (streamed messages, default
# 2000), BENCH_NET_PINGS (round trips, default 200), BENCH_NET_ROUNDS.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/../../scripts/lib.sh" bench-net
module=${MSGBOX_KO:-$top/msgbox.ko}
bridge=$top/bridge/msgbox-bridge
nb=$here/netbench
count=${BENCH_NET_COUNT:-2000}
pings=${BENCH_NET_PINGS:-200}
rounds=${BENCH_NET_ROUNDS:-3}
KVER=${KVER:-$("$top/scripts/kver.sh")}
export KVER

[ "$(id -u)" -eq 0 ] || die "run as root (the broker and QEMU run here)"
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq-server missing: scripts/deps.sh rabbitmq-server"
command -v socat >/dev/null || die "socat missing: scripts/deps.sh socat"
[ -r "$module" ] || die "$module missing: make module"
for p in "$bridge" "$nb"; do
	[ -x "$p" ] || die "$p missing: make -C bench/net"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-bench-net.XXXXXX")
run=msgbox-bench-net-$$-$RANDOM
# shellcheck source=selftests/net/netlib.sh
. "$top/selftests/net/netlib.sh"

conf() {	# HOST DIRECTION-OF-a DIRECTION-OF-b
	cat <<EOF
broker 10.0.2.100:5672
host $1
hosts a b
state /var/lib/msgbox-bridge
EOF
	local m
	for m in stream ping bstream bping; do
		case $m in b*) class=" class=best-effort" ;; *) class= ;; esac
		case "$1:$m" in
		a:*stream|a:*ping) echo "mailbox $m out=$m$class create capacity=64" ;;
		b:*stream|b:*ping) echo "mailbox $m in=$m-in$class create capacity=64" ;;
		esac
	done
	for m in pong bpong; do
		case $m in b*) class=" class=best-effort" ;; *) class= ;; esac
		if [ "$1" = b ]; then
			echo "mailbox $m out=$m$class create capacity=64"
		else
			echo "mailbox $m in=$m-in$class create capacity=64"
		fi
	done
}

broker_start
conf a >"$tmp/a.conf"
conf b >"$tmp/b.conf"
for n in a b; do
	vm_boot "$n" -f "$bridge:/bin/msgbox-bridge" -f "$nb:/bin/netbench" \
		-f "$tmp/$n.conf:/etc/bridge.conf"
done
vm_ready a
vm_ready b
for n in a b; do
	vm "$n" 10 "msgbox-bridge -w -c /etc/bridge.conf -p /run/bridge.pid >>/tmp/bridge.log 2>&1 & sleep 1"
done
sleep 3

addr=10.0.2.100:5672
declare -A rate rtt got cpu bcpu

# ---- host CPU: the machine's busy time, and that of each VM and the broker ----

qemu_of() {	# NAME: PID of VM NAME's QEMU, found by its control socket
	local p
	for p in $(marked_pids qemu-system-x86); do
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -q "path=$tmp/$1.ctl," && echo "$p"
	done
	return 0
}

ticks_of() {	# PID...: user and system clock ticks of their threads, summed
	local p t=0 v
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

cpu_snap() {	# busy ticks: the host, VM a, VM b, the broker; then ms since epoch
	# shellcheck disable=SC2046 # one PID per word
	echo "$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)" \
		"$(ticks_of "$qa")" "$(ticks_of "$qb")" "$(ticks_of $(marked_pids beam.smp))" \
		"$(date +%s%3N)"
}

qa=$(qemu_of a)
qb=$(qemu_of b)
if [ -z "$qa" ] || [ -z "$qb" ]; then
	die "the VMs' QEMU processes not found"
fi
ncpu=$(nproc)
hz=$(getconf CLK_TCK)
# What the idle system costs (the bridges waiting, the guests' ticks), per second.
idle0=$(cpu_snap)
sleep 3
idle1=$(cpu_snap)
idle=$(awk -v a="$idle0" -v b="$idle1" 'BEGIN {
	split(a, x, " "); split(b, y, " "); s = (y[5] - x[5]) / 1000
	for (i = 1; i <= 4; i++) printf "%s%.3f", (i > 1 ? " " : ""), (y[i] - x[i]) / s }')

bridge_ticks() {	# NAME: user and system clock ticks of VM NAME's bridge, in the guest
	vm "$1" 10 'awk "{ print \$14 + \$15 }" /proc/$(pidof msgbox-bridge)/stat' || echo 0
}

cpu_row() {	# ROW SNAP-BEFORE SNAP-AFTER MESSAGES: host ms per 1000 messages
	cpu[$1]=$(awk -v a="$2" -v b="$3" -v idle="$idle" -v n="$4" -v hz="$hz" -v ncpu="$ncpu" 'BEGIN {
		split(a, x, " "); split(b, y, " "); split(idle, z, " ")
		s = (y[5] - x[5]) / 1000
		if (n <= 0 || s <= 0) { print "? ? ? ? ?"; exit }
		for (i = 1; i <= 4; i++) {
			d = y[i] - x[i] - z[i] * s
			printf "%.0f ", (d < 0 ? 0 : d) * 1000 / hz * 1000 / n
		}
		printf "%.0f\n", 100 * (y[1] - x[1]) / hz / s / ncpu }')
}

stream() {	# ROW SENDER-COMMAND RECEIVER-COMMAND
	local c0 c1 ga gb
	# The receiver says it is done through a FIFO: waiting for it then
	# costs the guest nothing, as polling for its exit did.
	vm b 10 "rm -f /tmp/rate.done; mkfifo /tmp/rate.done; ($3 >/tmp/rate 2>&1; echo >/tmp/rate.done) &"
	sleep 1
	ga=$(bridge_ticks a)
	gb=$(bridge_ticks b)
	c0=$(cpu_snap)
	vm a 600 "$2" || pretty "row $1: the sender failed"
	vm b 600 'read -r _ </tmp/rate.done' || true
	c1=$(cpu_snap)
	ga=$(( $(bridge_ticks a) - ga ))
	gb=$(( $(bridge_ticks b) - gb ))
	read -r "rate[$1]" "got[$1]" < <(vm b 10 'cat /tmp/rate' |
		awk '$1 == "rate" { print $2, $5 "/" $7 }') || true
	cpu_row "$1" "$c0" "$c1" "${got[$1]%/*}"
	bcpu[$1]=$(awk -v a="$ga" -v b="$gb" -v n="${got[$1]%/*}" -v hz="$hz" \
		'BEGIN { if (n > 0) printf "%.0f %.0f", a * 1000 / hz * 1000 / n, b * 1000 / hz * 1000 / n; else print "? ?" }')
	pretty "$1: ${rate[$1]} msg/s, ${got[$1]} delivered; host CPU ms per 1000 (all, VM a, VM b, broker), busy %: ${cpu[$1]}; the bridges' guest CPU ms per 1000 (a, b): ${bcpu[$1]}"
}

ping() {	# ROW PINGER-COMMAND ECHO-COMMAND
	vm b 10 "$3 >/tmp/echo 2>&1 &"
	sleep 1
	rtt[$1]=$(vm a 600 "$2" | awk '$1 == "rtt" { print $3 " " $6 }')
	vm b 10 'kill $(pidof netbench) 2>/dev/null; true' >/dev/null || true
	pretty "$1: round trip p50/p99 ${rtt[$1]} us"
}

ratios=()
for r in $(seq "$rounds"); do
	stream "bridge.$r" "netbench msgbox-send stream $count 64" "netbench msgbox-recv stream-in $count"
	stream "amqp.$r" "netbench amqp-send $addr bench.c $count 64 1" "netbench amqp-recv $addr bench.c $count 1"
	ratios+=("$(awk -v a="${rate[bridge.$r]:-0}" -v b="${rate[amqp.$r]:-0}" \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "0" }') $r")
done
# The median round by ratio gives the table's reliable rows.
mapfile -t ratios < <(printf '%s\n' "${ratios[@]}" | sort -n)
mid=${ratios[$(( ${#ratios[@]} / 2 ))]}
for k in bridge amqp; do
	rate[$k]=${rate[$k.${mid#* }]:-}
	got[$k]=${got[$k.${mid#* }]:-}
	cpu[$k]=${cpu[$k.${mid#* }]:-}
done
spread="median ${mid% *}, rounds ${ratios[0]% *} to ${ratios[-1]% *} (${#ratios[@]} rounds)"
stream bridge-be "netbench msgbox-send bstream $count 64" "netbench msgbox-recv bstream-in $count"
stream amqp-be "netbench amqp-send $addr bench.n $count 64 0" "netbench amqp-recv $addr bench.n $count 0"
ping bridge "netbench msgbox-ping ping pong-in $pings 64" "netbench msgbox-echo ping-in pong $pings"
ping bridge-be "netbench msgbox-ping bping bpong-in $pings 64" "netbench msgbox-echo bping-in bpong $pings"
ping amqp "netbench amqp-ping $addr bench.ping bench.pong $pings 64 1" "netbench amqp-echo $addr bench.ping bench.pong $pings 1"
ping amqp-be "netbench amqp-ping $addr bench.pingn bench.pongn $pings 64 0" "netbench amqp-echo $addr bench.pingn bench.pongn $pings 0"

row() {	# LABEL KEY
	local t=${rtt[$2]:-"? ?"} c
	read -r -a c <<<"${cpu[$2]:-? ? ? ? ?}"
	printf '%-42s %8s %11s %11s %11s %7s %6s %6s %6s %5s\n' "$1" "${rate[$2]:-?}" "${got[$2]:-?}" \
		"${t% *}" "${t#* }" "${c[0]}" "${c[1]}" "${c[2]}" "${c[3]}" "${c[4]}"
}
ratio() {
	awk -v a="${rate[$1]:-0}" -v b="${rate[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "?" }'
}

echo
echo "64-byte messages, host a to host b through one RabbitMQ broker (QEMU TCG guests)"
printf '%-42s %8s %11s %11s %11s %7s %6s %6s %6s %5s\n' "path" "msgs/s" "delivered" "rtt p50 us" "rtt p99 us" \
	"cpu/1k" "vm a" "vm b" "broker" "busy"
row "msgbox-bridge, reliable" bridge
row "rabbitmq-c, confirms + acks, persistent" amqp
row "msgbox-bridge, best-effort" bridge-be
row "rabbitmq-c, no confirms, automatic acks" amqp-be
echo "throughput ratio bridge/rabbitmq-c: reliable $spread; best-effort $(ratio bridge-be amqp-be)"
echo "cpu/1k: host CPU ms per 1000 messages delivered while streaming (the machine's $ncpu CPUs, idle cost taken out), of it VM a's QEMU, VM b's QEMU, the broker; busy: % of the host's CPUs busy over the row"
cpu_ratio() {
	awk -v a="${cpu[$1]%% *}" -v b="${cpu[$2]%% *}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "?" }'
}
echo "host CPU per message bridge/rabbitmq-c: reliable $(cpu_ratio bridge amqp); best-effort $(cpu_ratio bridge-be amqp-be)"
