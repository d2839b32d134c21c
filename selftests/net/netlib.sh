# SPDX-License-Identifier: GPL-2.0
#
# Shared by net-check.sh and bench/net/bench-net.sh (sourced, not run): a
# RabbitMQ broker of our own on loopback and QEMU VMs that reach only it.
#
# The sourcing script sets top (the repository), tmp (a fresh temporary
# directory), run (a unique marker), module (msgbox.ko) and KVER, and
# defines pretty and die. Sourcing picks free ports, prepares the broker's
# directory and the list of virtio-net modules, and installs net_cleanup
# as the EXIT trap.
#
# Flow of a user: broker_start; vm_boot NAME FILES...; vm_ready NAME;
# vm NAME TIMEOUT COMMAND...; broker_stop/broker_start at will; exit.

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
declare -A vm_pid vm_w vm_r
seq_id=0

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

# vm_boot NAME FILE...: boot VM NAME with the files given as scripts/vm.sh
# -f arguments (SRC:DEST), net-guest.sh as its payload.
vm_boot() {
	local name=$1 sock=$tmp/$1.ctl i
	shift
	local fwd="user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:5672-cmd:socat -lf $tmp/$name-socat.log STDIO TCP4:127.0.0.1:$port"
	MSGBOX_NET_RUN=$run VM_TIMEOUT=${VM_TIMEOUT:-900} VM_PIN=0 \
		nice "$top/scripts/vm.sh" -m "$module" "${netmods[@]}" "$@" \
		-q -netdev -q "$fwd" -q -device -q virtio-net-pci,netdev=n0 \
		-q -chardev -q "socket,id=ctl,path=$sock,server=on,wait=off" \
		-q -serial -q chardev:ctl \
		"$top/selftests/net/net-guest.sh" >"$tmp/$name.console" 2>&1 &
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

# net_cleanup: stop the VMs and the broker; keep the logs in
# build/net-logs when $net_keep is 1; remove the temporary directory.
net_cleanup() {
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
	if [ "${net_keep:-0}" = 1 ] || [ "${NET_KEEP:-0}" = 1 ]; then
		mkdir -p "$top/build"
		rm -rf "$top/build/net-logs"
		mkdir -p "$top/build/net-logs"
		cp "$tmp"/*.console "$tmp"/*.log "$B/broker.out" "$top/build/net-logs/" 2>/dev/null
		cp -r "$B/log" "$top/build/net-logs/broker-log" 2>/dev/null
		pretty "logs kept in build/net-logs"
	fi
	rm -rf "$tmp"
}
trap net_cleanup EXIT
trap 'exit 130' INT TERM
