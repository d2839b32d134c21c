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
#   3. Run bridge/bridge-unit here (the spool's and the journal's
#      bookkeeping, each case counted), then the scenarios. Producers send CRC-tagged messages with
#      per-producer sequence numbers; consumers on both hosts list what
#      they got; every message must be there exactly once and whole.
#      Callers on a call a bridged mailbox that a server on b answers,
#      or does not (net_call), and each outcome is checked.
#   4. Stop the VMs and the broker; print "N passed, N failed" and exit 1
#      when anything failed.
#
# Environment: KVER, MSGBOX_KO (default <repo>/msgbox.ko), NET_COUNT
# (messages per producer, default 150), VM_TIMEOUT (default 900),
# NET_ONLY (the scenarios to run, by number, default all), NET_KEEP=1
# (keep the logs in build/net-logs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/../../scripts/lib.sh" net
module=${MSGBOX_KO:-$top/msgbox.ko}
bridge=$top/bridge/msgbox-bridge
count=${NET_COUNT:-150}
KVER=${KVER:-$("$top/scripts/kver.sh")}
export KVER

[ "$(id -u)" -eq 0 ] || die "run as root (the broker and QEMU run here)"
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq-server missing: scripts/deps.sh rabbitmq-server"
command -v socat >/dev/null || die "socat missing: scripts/deps.sh socat"
[ -r "$module" ] || die "$module missing: make module"
for p in "$bridge" "$top/bridge/bridge-unit" "$here/net_prod" "$here/net_cons" "$here/net_call"; do
	[ -x "$p" ] || die "$p missing: make -C selftests/net"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-net.XXXXXX")
run=msgbox-net-$$-$RANDOM
passed=0
failed=0
# shellcheck source=selftests/net/netlib.sh
. "$here/netlib.sh"

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
		echo "mailbox crc out=crc in=crc-in create envelope test-corrupt=7"
		echo "mailbox fast out=fast in=fast-in class=best-effort create capacity=64"
		echo "mailbox mixed out=mixed in=mixed-in create capacity=16 prefetch=8 spool=32 test-kill-held=37"
		echo "mailbox svc out=svc create envelope calls=4 call-timeout=8"
		echo "mailbox ghost out=ghost create calls=2 call-timeout=8"
		echo "mailbox nobody out=nobody create calls=2 call-timeout=8"
	} >"$tmp/a.conf"
	{
		conf_common b
		echo "mailbox orders in=orders-in create capacity=16 prefetch=8"
		echo "mailbox tiny in=tiny-in create capacity=4 queue-length=8 prefetch=2"
		echo "mailbox crc in=crc-in create envelope"
		echo "mailbox fast in=fast-in class=best-effort create capacity=64"
		echo "mailbox mixed in=mixed-in create capacity=16 prefetch=8"
		echo "mailbox svc in=svc-in create envelope calls=4 call-timeout=8 test-kill-in=23"
		echo "mailbox ghost in=ghost-in create calls=2 call-timeout=8"
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
	net_keep=1
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

# The whole run is one function, read before it starts.
main() {
	local line

	# The bridge's own bookkeeping first, on this machine (bridge/unit.c).
	while read -r line; do
		case $line in
		"ok "*) pass "bridge-unit: ${line#ok }" ;;
		"FAIL "*) failed=$((failed + 1)); pretty "FAIL: bridge-unit: ${line#FAIL }" ;;
		esac
	done < <("$top/bridge/bridge-unit" 2>&1 || true)

	pretty "broker: ports $port (AMQP), $dist_port (distribution), $epmd_port (epmd), all on 127.0.0.1"
	broker_start
	pretty "booting VMs a and b ($KVER)"
	write_confs
	for n in a b; do
		vm_boot "$n" -f "$bridge:/bin/msgbox-bridge" -f "$here/net_prod:/bin/net_prod" \
			-f "$here/net_cons:/bin/net_cons" -f "$here/net_call:/bin/net_call" \
			-f "$tmp/$n.conf:/etc/bridge.conf"
	done
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

	# 3. The bridge on b (consumer side) killed mid-stream. Besides, a
	#    stream to svc, whose in mailbox on b also carries the bridge's
	#    calls: callers on a that nobody on b answers, so that up to
	#    calls= of them are queued in svc-in at every instant, and are
	#    withdrawn when the bridge dies or their deadline passes. The
	#    bridge on b kills itself right after every 23rd send into svc-in
	#    (test-kill-in), before the end of its round is recorded, and a
	#    loop in the guest starts it again. Every message of both streams
	#    must arrive once. A restart that judged how much of the round was
	#    sent from the mailbox's "sent" counter would count the calls
	#    queued since the round began as messages (losing as many), and
	#    the calls withdrawn as messages not sent (sending them twice);
	#    the round's tokens make it independent of the counter.
	s3() {
		local self known
		bridge_kill b
		vm b 10 ': >/tmp/keep3; (i=0; while [ -e /tmp/keep3 ] && [ $i -lt 100 ]; do msgbox-bridge -w -c /etc/bridge.conf -p /run/bridge.pid >>/tmp/bridge.log 2>&1; i=$((i + 1)); done) >/dev/null 2>&1 &'
		consume a orders-in c3
		consume b orders-in c3
		consume b svc-in c3s
		vm a 10 ': >/tmp/calling3; for i in 1 2 3 4 5 6; do (while [ -e /tmp/calling3 ]; do net_call call svc unanswered 1500 >/dev/null 2>&1; sleep 0.1; done) >/dev/null 2>&1 & done'
		vm a 10 "net_prod orders k2 $count >/tmp/p3 2>&1 & net_prod svc k3 $count >/tmp/p3s 2>&1 &"
		sleep 2
		vm b 10 'kill -9 $(cat /run/bridge.pid)' || true
		vm a 180 'i=0; while pidof net_prod >/dev/null && [ $i -lt 360 ]; do sleep 0.5; i=$((i + 1)); done' || true
		vm a 10 'rm -f /tmp/calling3' || true
		collect "$tmp/s3" c3 c3s
		self=$(vm b 10 'grep -c "test mode: killed in a round of svc-in" /tmp/bridge.log' || true)
		# The last message sent before each kill comes again, and the
		# mailbox knows its token.
		known=$(vm b 10 'grep -c "svc: message [^ ]* sent again with token [0-9]*: mailbox svc-in had it" /tmp/bridge.log' || true)
		if [ "${self:-0}" -gt 0 ] && [ "${known:-0}" -ge "$self" ]; then
			check "bridge on b killed and restarted, and killed in $self rounds into svc-in while it carried calls there ($known sent again and dropped by token)" "$tmp/s3" k2:$count k3:$count
		else
			fail "bridge on b killed itself in ${self:-0} rounds into svc-in, ${known:-0} messages recognised by token on restart"
		fi
		vm b 10 'rm -f /tmp/keep3; kill -9 $(cat /run/bridge.pid) 2>/dev/null; sleep 1' || true
		bridge_start b
	}

	# 4. Corrupted payloads (every 7th first publish) are sent again.
	s4() {
		consume a crc-in c4
		consume b crc-in c4
		vm a 120 "net_prod crc x1 $count" || true
		collect "$tmp/s4" c4
		check "corrupted payloads sent again" "$tmp/s4" x1:$count
		n=$(grep -c '^got .* from=a/[0-9]*/guest ' "$tmp/s4" || true)
		if [ "$n" -eq "$(grep -c '^got ' "$tmp/s4" || true)" ] && [ "$n" -gt 0 ]; then
			pass "envelope: each of $n messages names its sender on a and the login the broker vouched for"
		else
			fail "envelope: $n messages name their sender"
		fi
		n=$(vm a 10 'grep -c "corrupting" /tmp/bridge.log' || true)
		pretty "  the bridge on a corrupted $n payloads"
	}

	# 5. Broker stopped and started mid-stream.
	#    The consumers start once it is back: the in mailboxes keep what came
	#    before, and an idle consumer would not wait out the broker's start.
	s5() {
		vm a 10 "net_prod orders r1 $count >/tmp/p5 2>&1 &"
		sleep 2
		broker_stop
		sleep 2
		broker_start
		consume a orders-in c5
		consume b orders-in c5
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
			if tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q -- "-lf $tmp/a-socat.log "; then
				echo "${d#/proc/}"
			fi
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
	# 10. Bridges on both hosts and the broker killed at random moments while
	#     two producers stream, each restarted at once.
	s10() {
		local k victim
		vm a 10 "net_prod orders z1 $((2 * count)) >/tmp/p10 2>&1 & net_prod orders z2 $((2 * count)) >/tmp/p10b 2>&1 &"
		for k in 1 2 3 4 5; do
			sleep "$((RANDOM % 3)).$((RANDOM % 10))"
			case $((RANDOM % 5)) in
			0|1) victim=a ;;
			2|3) victim=b ;;
			*) victim=broker ;;
			esac
			pretty "  kill $k: $victim"
			if [ "$victim" = broker ]; then
				broker_stop
				broker_start
			else
				bridge_kill "$victim"
				bridge_start "$victim"
			fi
		done
		consume a orders-in c10
		consume b orders-in c10
		vm a 240 'i=0; while pidof net_prod >/dev/null && [ $i -lt 400 ]; do sleep 0.5; i=$((i + 1)); done' || true
		collect "$tmp/s10" c10
		check "random kills of bridges and broker" "$tmp/s10" z1:$((2 * count)) z2:$((2 * count))
	}

	# 11. The bridge on a killed with SIGKILL while messages of mixed
	#     priorities flow: it kills itself while holding every 37th message
	#     it takes (test-kill-held), after spooling it, and is killed from
	#     here at random moments besides; a loop in the guest starts it
	#     again each time. A message spooled and not yet done comes back
	#     from the mailbox on restart and must be recognised, not sent twice.
	s11() {
		local k n n0 self back landed=0
		n0=$(vm a 10 'grep -c "connected to broker" /tmp/bridge.log' || true)
		bridge_kill a
		vm a 10 ': >/tmp/keep; (i=0; while [ -e /tmp/keep ] && [ $i -lt 150 ]; do msgbox-bridge -w -c /etc/bridge.conf -p /run/bridge.pid >>/tmp/bridge.log 2>&1; i=$((i + 1)); done) >/dev/null 2>&1 &'
		consume a mixed-in c11
		consume b mixed-in c11
		vm a 10 "net_prod -m 8 mixed m1 $((2 * count)) >/tmp/p11 2>&1 & net_prod -m 3 mixed m2 $((2 * count)) >/tmp/p11b 2>&1 &"
		k=0
		while [ $k -lt 16 ] && vm a 10 'pidof net_prod >/dev/null'; do
			sleep "$((RANDOM % 2)).$((RANDOM % 10))"
			if vm a 10 'kill -9 $(cat /run/bridge.pid) 2>/dev/null'; then
				landed=$((landed + 1))
			fi
			k=$((k + 1))
		done
		vm a 240 'i=0; while pidof net_prod >/dev/null && [ $i -lt 400 ]; do sleep 0.5; i=$((i + 1)); done' || true
		collect "$tmp/s11" c11
		check "bridge on a killed at random instants, mixed priorities" "$tmp/s11" m1:$((2 * count)) m2:$((2 * count))
		self=$(vm a 10 'grep -c "test mode: killed holding message [0-9]* of mixed," /tmp/bridge.log' || true)
		back=$(vm a 10 'grep -c "mixed: message [0-9]* came back to mailbox mixed, spooled already" /tmp/bridge.log' || true)
		n=$(vm a 10 'grep -c "connected to broker" /tmp/bridge.log' || true)
		if [ "${self:-0}" -gt 0 ] && [ "${back:-0}" -ge "$self" ]; then
			pass "killed holding a spooled message $self times: each came back and was only done ($back recognised; $landed SIGKILLs from outside, $((n - n0)) connections)"
		else
			fail "killed holding a spooled message ${self:-0} times, ${back:-0} recognised on restart"
		fi
		vm a 10 'rm -f /tmp/keep; kill -9 $(cat /run/bridge.pid) 2>/dev/null; sleep 1' || true
		bridge_start a
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

	# 12. Calls: a process on a calls the bridged mailbox svc, a server on
	#     b answers; then a server that never answers (the caller's own
	#     deadline), a server killed holding the call (ECONNRESET long
	#     before the deadline), a mailbox removed on b and a name no host
	#     serves (ECONNRESET at once).
	s12() {
		local pid out n i ms ok
		vm b 10 "net_call serve svc-in echo 6 >/tmp/srv12 2>&1 &"
		sleep 1
		pid=$(vm b 10 'head -n 1 /tmp/srv12' | awk '$1 == "serving" { print $2 }' || true)
		out=$(vm a 90 'for i in 1 2 3 4 5 6; do net_call call svc ping-$i 30000 >/tmp/call12-$i 2>&1 & done; wait; cat /tmp/call12-*; rm -f /tmp/call12-*' || true)
		ok=1
		for i in 1 2 3 4 5 6; do
			grep -q "^reply from=b/$pid/guest body=echo ping-$i by $pid after " <<<"$out" || ok=0
		done
		n=$(vm b 10 'cat /tmp/srv12' | grep -c '^call [0-9]* from=a/[0-9]*/guest body=ping-[1-6]$' || true)
		if [ -n "$pid" ] && [ "$ok" = 1 ] && [ "$n" = 6 ]; then
			pass "calls across hosts: 6 concurrent calls on a answered by pid $pid on b, the reply naming b, $pid and the broker login, each request naming its caller on a"
		else
			fail "calls across hosts: server ${pid:-none}, $n requests seen on b, callers: $out"
		fi
		vm b 10 "kill $pid 2>/dev/null" || true

		vm b 10 "net_call serve svc-in hold 1 >/tmp/srv12b 2>&1 &"
		out=$(vm a 30 'net_call call svc slow 3000' || true)
		ms=$(sed -n 's/^error ETIMEDOUT after \([0-9]*\) ms$/\1/p' <<<"$out")
		if [ -n "$ms" ] && [ "$ms" -ge 2900 ] && [ "$ms" -le 6000 ] &&
		   vm b 10 'grep -q "body=slow$" /tmp/srv12b'; then
			pass "call the far server holds unanswered: ETIMEDOUT at the caller's deadline ($ms ms of 3000)"
		else
			fail "call the far server holds unanswered: $out"
		fi
		vm b 10 'kill -9 $(awk "\$1 == \"serving\" { print \$2 }" /tmp/srv12b)' || true

		vm b 10 "net_call serve svc-in hold 1 >/tmp/srv12c 2>&1 &"
		vm a 10 "net_call call svc doomed 30000 >/tmp/call12c 2>&1 &"
		vm b 30 'i=0; while ! grep -q "body=doomed$" /tmp/srv12c && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done' || true
		vm b 10 'kill -9 $(awk "\$1 == \"serving\" { print \$2 }" /tmp/srv12c)' || true
		out=$(vm a 60 'i=0; while [ ! -s /tmp/call12c ] && [ $i -lt 200 ]; do sleep 0.2; i=$((i + 1)); done; cat /tmp/call12c' || true)
		ms=$(sed -n 's/^error ECONNRESET after \([0-9]*\) ms$/\1/p' <<<"$out")
		if [ -n "$ms" ] && [ "$ms" -lt 15000 ] &&
		   vm b 10 'grep -q "body=doomed$" /tmp/srv12c' &&
		   vm a 10 'grep -q "svc: call [0-9]* from pid [0-9]*: ECONNRESET on host b" /tmp/bridge.log'; then
			pass "far server killed holding the call: ECONNRESET after $ms ms, deadline 30000"
		else
			fail "far server killed holding the call: $out"
		fi

		vm b 10 'net_call unlink ghost-in' >/dev/null || true
		out=$(vm a 30 'net_call call ghost anyone 20000' || true)
		ms=$(sed -n 's/^error ECONNRESET after \([0-9]*\) ms$/\1/p' <<<"$out")
		if [ -n "$ms" ] && [ "$ms" -lt 10000 ] &&
		   vm a 10 'grep -q "ghost: call [0-9]* from pid [0-9]*: ENOENT on host b" /tmp/bridge.log'; then
			pass "call to a mailbox missing on the far host: ECONNRESET after $ms ms, ENOENT logged"
		else
			fail "call to a mailbox missing on the far host: $out"
		fi

		out=$(vm a 30 'net_call call nobody anyone 20000' || true)
		ms=$(sed -n 's/^error ECONNRESET after \([0-9]*\) ms$/\1/p' <<<"$out")
		if [ -n "$ms" ] && [ "$ms" -lt 10000 ] &&
		   vm a 10 'grep -q "no host serves calls to nobody" /tmp/bridge.log'; then
			pass "call to a name no host serves: ECONNRESET after $ms ms"
		else
			fail "call to a name no host serves: $out"
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
	for s in ${NET_ONLY:-1 2 3 4 5 6 10 11 7 8 9 12}; do
		"s$s"
	done

	vm a 10 'cat /tmp/bridge.log' >"$tmp/bridge-a.log" || true
	vm b 10 'cat /tmp/bridge.log' >"$tmp/bridge-b.log" || true
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main "$@"
