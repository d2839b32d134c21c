#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# msgbox-bridge end to end: two QEMU VMs ("hosts" a and b), each with
# msgbox.ko and a bridge, and a RabbitMQ broker on this machine.
#
# Flow:
#   1. Start a broker of our own as root without systemd: loopback only
#      (AMQP, distribution and epmd ports), free ports, data in a temporary
#      directory, every process marked in its environment so that it is
#      stopped by PID and nothing else is touched.
#   2. Boot two VMs with scripts/vm.sh. Their only network is QEMU user
#      networking with restrict=on and a guestfwd of 10.0.2.100:5672 to a
#      socat per connection ("cmd:" form) that reaches the broker. A third
#      serial port, a Unix socket here, carries commands to net-guest.sh.
#   3. Run the scenarios. Producers send CRC-tagged messages with
#      per-producer sequence numbers; consumers on both hosts list what
#      they got; every message must be there exactly once and whole.
#   4. Stop the VMs and the broker; print "N passed, N failed" and exit 1
#      when anything failed.
#
# Environment: KVER, MSGBOX_KO (default <repo>/msgbox.ko), NET_COUNT
# (messages per producer, default 150), VM_TIMEOUT (default 900).
set -euo pipefail

if [ -t 2 ]; then
	pretty() { printf '\033[1;34m[net]\033[0m %s\n' "$*" >&2; }
else
	pretty() { printf '[net] %s\n' "$*" >&2; }
fi
die() { pretty "error: $*"; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
module=${MSGBOX_KO:-$top/msgbox.ko}
bridge=$top/bridge/msgbox-bridge
count=${NET_COUNT:-150}
KVER=${KVER:-$("$top/scripts/kver.sh")}
export KVER

[ "$(id -u)" -eq 0 ] || die "run as root (the broker and QEMU run here)"
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq-server missing: scripts/deps.sh rabbitmq-server"
command -v socat >/dev/null || die "socat missing: scripts/deps.sh socat"
[ -r "$module" ] || die "$module missing: make module"
for p in "$bridge" "$here/net_prod" "$here/net_cons"; do
	[ -x "$p" ] || die "$p missing: make -C selftests/net"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-net.XXXXXX")
run=msgbox-net-$$-$RANDOM
passed=0
failed=0
declare -A vm_pid vm_w vm_r
seq_id=0

# ---- processes we started, found by the marker in their environment ----

marked_pids() {	# NAME: PIDs of processes named NAME that carry our marker
	local d pid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$(cat "$d/comm" 2>/dev/null)" = "$1" ] || continue
		tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "MSGBOX_NET_RUN=$run" &&
			echo "$pid"
	done
	return 0
}

stop_pids() {	# SIGNAL PID...: signal them and wait up to 15 s for them to go
	local sig=$1 p i
	shift
	for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
	for i in $(seq 150); do
		for p in "$@"; do
			[ -d "/proc/$p" ] && break
			p=
		done
		[ -z "${p:-}" ] && return 0
		sleep 0.1
	done
	for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
}

# ---- the broker ----

free_port() {	# FROM: the first port from FROM on that nothing listens on
	local p=$1
	while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
	echo "$p"
}

B=$tmp/broker
port=$(free_port 5672)
dist_port=$(free_port $((port + 20000)))
epmd_port=$(free_port 4370)
mkdir -p "$B/home" "$B/mnesia" "$B/log"
echo '[].' >"$B/enabled_plugins"

broker_start() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$B/home" \
		MSGBOX_NET_RUN="$run" \
		RABBITMQ_MNESIA_BASE="$B/mnesia" RABBITMQ_LOG_BASE="$B/log" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$B/enabled_plugins" \
		RABBITMQ_NODENAME="$run@localhost" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
		RABBITMQ_DIST_PORT="$dist_port" \
		ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port" \
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
		nice /usr/lib/rabbitmq/bin/rabbitmq-server >>"$B/broker.out" 2>&1 &
	local i
	for i in $(seq 120); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			pretty "broker answers on 127.0.0.1:$port after $((i / 2)) s"
			return 0
		fi
		sleep 0.5
	done
	tail -20 "$B/broker.out" >&2 || true
	die "the broker did not come up"
}

broker_stop() {	# the broker node itself; epmd stays until the end
	local pids
	pids=$(marked_pids beam.smp)
	[ -z "$pids" ] || stop_pids TERM $pids
}

# ---- the VMs ----

netmods=()
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	 virtio_pci failover net_failover virtio_net; do
	f=$(sed -n "s,^\(kernel/.*/$m\.ko[^:]*\):.*,\1,p" "/lib/modules/$KVER/modules.dep" | head -n 1)
	[ -n "$f" ] || die "module $m not found for $KVER"
	case $f in *.ko) ;; *) die "$f is compressed; this test needs plain .ko modules" ;; esac
	netmods+=(-f "/lib/modules/$KVER/$f:/netmod/$m.ko")
done

vm_boot() {	# NAME
	local name=$1 sock=$tmp/$1.ctl i
	local fwd="user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:5672-cmd:socat -lf $tmp/$name-socat.log STDIO TCP4:127.0.0.1:$port"
	MSGBOX_NET_RUN=$run VM_TIMEOUT=${VM_TIMEOUT:-900} VM_PIN=0 \
		nice "$top/scripts/vm.sh" -m "$module" "${netmods[@]}" \
		-f "$bridge:/bin/msgbox-bridge" -f "$here/net_prod:/bin/net_prod" \
		-f "$here/net_cons:/bin/net_cons" -f "$tmp/$name.conf:/etc/bridge.conf" \
		-q -netdev -q "$fwd" -q -device -q virtio-net-pci,netdev=n0 \
		-q -chardev -q "socket,id=ctl,path=$sock,server=on,wait=off" \
		-q -serial -q chardev:ctl \
		"$here/net-guest.sh" >"$tmp/$name.console" 2>&1 &
	vm_pid[$name]=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || die "VM $name: no control socket"
	mkfifo "$tmp/$name.to" "$tmp/$name.from"
	socat - "UNIX-CONNECT:$sock" <"$tmp/$name.to" >"$tmp/$name.from" 2>>"$tmp/$name.socat-ctl.log" &
	exec {w}>"$tmp/$name.to"
	exec {r}<"$tmp/$name.from"
	vm_w[$name]=$w
	vm_r[$name]=$r
}

# vm NAME TIMEOUT COMMAND: run COMMAND in the guest, print its output,
# return its status (124 when no answer came in TIMEOUT seconds).
vm() {
	local name=$1 limit=$2 line id end
	shift 2
	seq_id=$((seq_id + 1))
	id=$seq_id
	printf '%s %s\n' "$id" "$*" >&"${vm_w[$name]}"
	end=$((SECONDS + limit))
	while [ $SECONDS -lt $end ]; do
		IFS= read -r -t $((end - SECONDS + 1)) line <&"${vm_r[$name]}" || continue
		case $line in
		"@@DONE $id "*) return "${line##* }" ;;
		"@@DONE "*|"@@READY") ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	pretty "VM $name: no answer to '$*' in ${limit}s"
	return 124
}

vm_ready() {	# NAME: wait until the guest answers
	local i
	for i in $(seq 60); do
		if vm "$1" 5 true >/dev/null; then
			return 0
		fi
		[ -d "/proc/${vm_pid[$1]}" ] || break
	done
	tail -30 "$tmp/$1.console" >&2
	die "VM $1 did not come up"
}

cleanup() {
	local n p
	set +e
	for n in "${!vm_w[@]}"; do
		printf '0 quit\n' >&"${vm_w[$n]}" 2>/dev/null
	done
	for n in "${!vm_pid[@]}"; do
		p=${vm_pid[$n]}
		for _ in $(seq 100); do [ -d "/proc/$p" ] || break; sleep 0.1; done
		[ -d "/proc/$p" ] && kill "$p" 2>/dev/null
	done
	for n in "${!vm_pid[@]}"; do wait "${vm_pid[$n]}" 2>/dev/null; done
	p=$(marked_pids beam.smp)
	[ -z "$p" ] || stop_pids TERM $p
	p=$(marked_pids epmd)
	[ -z "$p" ] || stop_pids TERM $p
	if [ "$failed" -ne 0 ] || [ "${NET_KEEP:-0}" = 1 ]; then
		mkdir -p "$top/build"
		rm -rf "$top/build/net-logs"
		mkdir -p "$top/build/net-logs"
		cp "$tmp"/*.console "$tmp"/*.log "$B/broker.out" "$top/build/net-logs/" 2>/dev/null
		cp -r "$B/log" "$top/build/net-logs/broker-log" 2>/dev/null
		pretty "logs kept in build/net-logs"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- bridges ----

conf_common() {	# HOST
	cat <<EOF
broker 10.0.2.100:5672
host $1
hosts a b
state /var/lib/msgbox-bridge
direct yes
EOF
}

write_confs() {
	{
		conf_common a
		echo "mailbox orders out=orders in=orders-in create capacity=16 prefetch=8 spool=32"
		echo "mailbox tiny out=tiny in=tiny-in create capacity=4 queue-length=8 prefetch=2 spool=4"
		echo "mailbox crc out=crc in=crc-in create test-corrupt=7"
		echo "mailbox fast out=fast in=fast-in class=best-effort create capacity=64"
	} >"$tmp/a.conf"
	{
		conf_common b
		echo "mailbox orders in=orders-in create capacity=16 prefetch=8"
		echo "mailbox tiny in=tiny-in create capacity=4 queue-length=8 prefetch=2"
		echo "mailbox crc in=crc-in create"
		echo "mailbox fast in=fast-in class=best-effort create capacity=64"
	} >"$tmp/b.conf"
}

bridge_start() {	# NAME
	vm "$1" 10 "msgbox-bridge -w -c /etc/bridge.conf -p /run/bridge.pid >>/tmp/bridge.log 2>&1 & sleep 0.5; cat /run/bridge.pid >/dev/null"
}

bridge_kill() {	# NAME
	vm "$1" 10 'kill -9 $(cat /run/bridge.pid)'
}

# ---- counting ----

pass() { passed=$((passed + 1)); pretty "PASS: $*"; }
fail() {
	failed=$((failed + 1))
	pretty "FAIL: $*"
	local n
	for n in a b; do
		vm "$n" 10 'tail -n 15 /tmp/bridge.log' | sed "s/^/[$n] /" >&2 || true
	done
}

# check NAME FILE PRODUCER:COUNT...: every message of every producer once.
check() {
	local name=$1 file=$2 spec prod n missing dup bad
	shift 2
	bad=$(grep -c '^bad ' "$file" || true)
	missing=0
	dup=0
	for spec in "$@"; do
		prod=${spec%%:*}
		n=${spec#*:}
		read -r m d < <(awk -v p="$prod" -v n="$n" '
			$1 == "got" && $2 == p { c[$3]++ }
			END {
				for (i = 1; i <= n; i++) {
					if (!(i in c)) m++
					else if (c[i] > 1) d += c[i] - 1
				}
				for (k in c) if (k + 0 < 1 || k + 0 > n) d += c[k]
				print m + 0, d + 0
			}' "$file")
		missing=$((missing + m))
		dup=$((dup + d))
	done
	local total
	total=$(grep -c '^got ' "$file" || true)
	if [ "$missing" -eq 0 ] && [ "$dup" -eq 0 ] && [ "$bad" -eq 0 ]; then
		pass "$name: $total messages, each once (a got $(grep -c '^got .* host=a$' "$file" || true), b $(grep -c '^got .* host=b$' "$file" || true))"
	else
		fail "$name: $missing missing, $dup duplicated, $bad corrupted of $total"
	fi
}

consume() {	# NAME MAILBOX OUT: start a consumer in the background
	vm "$1" 10 "net_cons $2 ${IDLE_MS:-12000} >/tmp/$3 2>&1 &"
}

collect() {	# OUT FILE...: wait for the consumers, gather their lists
	local out=$1 n f
	shift
	: >"$out"
	for n in a b; do
		vm "$n" 120 'i=0; while pidof net_cons >/dev/null && [ $i -lt 200 ]; do sleep 0.5; i=$((i + 1)); done' || true
		for f in "$@"; do
			vm "$n" 20 "cat /tmp/$f 2>/dev/null; rm -f /tmp/$f" |
				sed "s/\$/ host=$n/" >>"$out" || true
		done
	done
}

# ---- run ----

pretty "broker: ports $port (AMQP), $dist_port (distribution), $epmd_port (epmd), all on 127.0.0.1"
broker_start
pretty "booting VMs a and b ($KVER)"
write_confs
vm_boot a
vm_boot b
vm_ready a
vm_ready b

# Configuration errors: one line and a non-zero exit each.
out=$(vm a 20 'printf "broker 10.0.2.100:5672\nhost a\nmailbox nosuch out=nosuch\n" >/tmp/bad.conf; msgbox-bridge -c /tmp/bad.conf; echo "exit $?"' || true)
if grep -q "does not exist" <<<"$out" && grep -q '^exit [1-9]' <<<"$out"; then
	pass "unknown mailbox: $(head -n 1 <<<"$out")"
else
	fail "unknown mailbox: $out"
fi
out=$(vm a 20 'printf "broker 10.0.2.100:5672\nuser guest\npassword wrong\nhost a\nmailbox x out=x create\n" >/tmp/bad.conf; msgbox-bridge -c /tmp/bad.conf; echo "exit $?"' || true)
if grep -q "refused the login" <<<"$out" && grep -q '^exit [1-9]' <<<"$out"; then
	pass "bad credentials: $(grep refused <<<"$out" | head -n 1)"
else
	fail "bad credentials: $out"
fi
out=$(vm a 20 'printf "broker 10.0.2.99:5672\nhost a\nmailbox x out=x create\n" >/tmp/bad.conf; msgbox-bridge -c /tmp/bad.conf; echo "exit $?"' || true)
if grep -q "unreachable" <<<"$out" && grep -q '^exit [1-9]' <<<"$out"; then
	pass "broker unreachable: $(grep unreachable <<<"$out" | head -n 1)"
else
	fail "broker unreachable: $out"
fi

# 1. Producers on a, consumers on both hosts.
s1() {
	consume a orders-in c1
	consume b orders-in c1
	vm a 120 "net_prod orders p1 $count & net_prod orders p2 $count & wait" || true
	collect "$tmp/s1" c1
	check "producers on a, consumers on a and b" "$tmp/s1" p1:$count p2:$count
}

# 2. The bridge on a (producer side, maybe distributor) killed mid-stream.
s2() {
	consume a orders-in c2
	consume b orders-in c2
	vm a 10 "net_prod orders k1 $count >/tmp/p2 2>&1 &"
	sleep 2
	bridge_kill a
	sleep 1
	bridge_start a
	vm a 120 'i=0; while pidof net_prod >/dev/null && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done' || true
	collect "$tmp/s2" c2
	check "bridge on a killed and restarted" "$tmp/s2" k1:$count
}

# 3. The bridge on b (consumer side) killed mid-stream.
s3() {
	consume a orders-in c3
	consume b orders-in c3
	vm a 10 "net_prod orders k2 $count >/tmp/p3 2>&1 &"
	sleep 2
	bridge_kill b
	sleep 1
	bridge_start b
	vm a 120 'i=0; while pidof net_prod >/dev/null && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done' || true
	collect "$tmp/s3" c3
	check "bridge on b killed and restarted" "$tmp/s3" k2:$count
}

# 4. Corrupted payloads (every 7th first publish) are sent again.
s4() {
	consume a crc-in c4
	consume b crc-in c4
	vm a 120 "net_prod crc x1 $count" || true
	collect "$tmp/s4" c4
	check "corrupted payloads sent again" "$tmp/s4" x1:$count
	n=$(vm a 10 'grep -c "corrupting" /tmp/bridge.log' || true)
	pretty "  the bridge on a corrupted $n payloads"
}

# 5. Broker stopped and started mid-stream.
s5() {
	consume a orders-in c5
	consume b orders-in c5
	vm a 10 "net_prod orders r1 $count >/tmp/p5 2>&1 &"
	sleep 2
	broker_stop
	sleep 2
	broker_start
	vm a 180 'i=0; while pidof net_prod >/dev/null && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done' || true
	collect "$tmp/s5" c5
	check "broker stopped and started" "$tmp/s5" r1:$count
}

# 6. The connection of a cut (its socat killed).
s6() {
	consume a orders-in c6
	consume b orders-in c6
	vm a 10 "net_prod orders u1 $count >/tmp/p6 2>&1 &"
	sleep 2
	cut=$(for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = socat ] || continue
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q -- "-lf $tmp/a-socat.log " && echo "${d#/proc/}"
	done)
	if [ -n "$cut" ]; then
		kill $cut
		pretty "  cut a's connection (socat $cut)"
	fi
	vm a 180 'i=0; while pidof net_prod >/dev/null && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done' || true
	collect "$tmp/s6" c6
	check "connection cut" "$tmp/s6" u1:$count
}

# 7. Back-pressure: nobody receives tiny-in on either host; once every
#    buffer on the way (a's mailbox, spool, the queue, the hosts' queues
#    and in mailboxes) is full, senders on a get EAGAIN or block.
s7() {
	out=$(vm a 200 "net_prod -n -w 5000 tiny t0 1000" || true)
	if grep -q '^eagain after' <<<"$out"; then
		held=${out##* }
		pass "full remote queue: O_NONBLOCK sender got EAGAIN for 5 s in a row after $held messages"
	else
		fail "full remote queue: no EAGAIN in 1000 sends ($out)"
		held=1000
	fi
	vm a 10 "net_prod tiny t1 20 >/tmp/p7 2>&1 &"
	sleep 5
	out=$(vm a 10 'cat /tmp/p7' || true)
	if [ -z "$out" ]; then
		pass "full remote queue: a blocking sender is still blocked after 5 s"
	else
		fail "full remote queue: the blocking sender finished: $out"
	fi
	consume a tiny-in c7
	consume b tiny-in c7
	vm a 120 'i=0; while pidof net_prod >/dev/null && [ $i -lt 240 ]; do sleep 0.5; i=$((i + 1)); done' || true
	collect "$tmp/s7" c7
	check "full remote queue drained" "$tmp/s7" t0:"$held" t1:20
}

# 8. Best-effort class: no duplicates, no corruption.
s8() {
	consume a fast-in c8
	consume b fast-in c8
	vm a 60 "net_prod fast f1 $count" || true
	collect "$tmp/s8" c8
	bad=$(grep -c '^bad ' "$tmp/s8" || true)
	dups=$(awk '$1 == "got" { c[$2 " " $3]++ } END { for (k in c) if (c[k] > 1) d++; print d + 0 }' "$tmp/s8")
	if [ "$bad" -eq 0 ] && [ "$dups" -eq 0 ]; then
		pass "best-effort: $(grep -c '^got' "$tmp/s8" || true) of $count delivered, none twice, none corrupted"
	else
		fail "best-effort: $dups duplicated, $bad corrupted"
	fi
}
# 9. Direct addressing: a sends to a process on b by host and PID.
s9() {
	local pid
	vm b 10 "net_cons - ${IDLE_MS:-12000} >/tmp/c9 2>&1 &"
	sleep 1
	pid=$(vm b 10 'head -n 1 /tmp/c9' | awk '$1 == "port" { print $2 }')
	if [ -z "$pid" ]; then
		fail "direct: no port on b"
		return
	fi
	vm a 120 "net_prod -d $pid @b d1 $count" || true
	collect "$tmp/s9" c9
	check "direct addressing to (b, $pid)" "$tmp/s9" d1:$count
	out=$(vm a 60 "net_prod -d 999999 -r 20000 @b d2 1" || true)
	if grep -q '^report ESRCH host=b pid=999999' <<<"$out"; then
		pass "direct to a PID without a port: the sender was told: $(grep '^report' <<<"$out")"
	else
		fail "direct to a PID without a port: $out"
	fi
}

bridge_start a
bridge_start b
sleep 2
out=$(vm b 20 'printf "broker 10.0.2.100:5672\nhost b\nstate /tmp/st\nmailbox orders in=x create queue-length=5\n" >/tmp/bad.conf; msgbox-bridge -c /tmp/bad.conf; echo "exit $?"' || true)
if grep -q "PRECONDITION_FAILED" <<<"$out" && grep -q '^exit 2' <<<"$out"; then
	pass "queue with other arguments: $(head -n 1 <<<"$out")"
else
	fail "queue with other arguments: $out"
fi
for s in ${NET_ONLY:-1 2 3 4 5 6 7 8 9}; do
	"s$s"
done

vm a 10 'cat /tmp/bridge.log' >"$tmp/bridge-a.log" || true
vm b 10 'cat /tmp/bridge.log' >"$tmp/bridge-b.log" || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
