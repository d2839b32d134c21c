#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Tests of the msgbox command-line tool, run as root inside the test VM
# (busybox sh) with the module loaded:
#
#   scripts/vm.sh -m msgbox.ko -f userlib/cli/msgbox:/bin/msgbox \
#       -f selftests/msgbox/cli_test.sh:/cli_test.sh \
#       -f selftests/msgbox/cli_lib.sh:/cli_lib.sh -c 'sh /cli_test.sh'
#
# Flow: every subcommand is run against real mailboxes, checking its exit
# status, its exact standard output and its diagnostics on standard error;
# several processes are used where blocking, acknowledgement, rendezvous,
# ports, destroy and signals matter. The checks that need another user
# (su) or a user namespace (unshare) are skipped when those are missing;
# the last group unloads and reloads the module to see the tool without it.
# Each check prints a TAP line; the plan comes last. Exit status 1 when any
# check failed.

# shellcheck disable=SC2016,SC2034,SC2154 # see cli_lib.sh

MSGBOX=$(command -v "${MSGBOX:-msgbox}") || {
	echo "1..0 # SKIP msgbox not found"
	exit 1
}
[ -c /dev/msgbox ] || {
	echo "1..0 # SKIP /dev/msgbox missing: load msgbox.ko"
	exit 1
}

# The checks and helpers, next to this script: T, run, check, bg, join, ...
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/cli_lib.sh"

cd "$T" || exit 1
umask 022

pretty "general"
run "$MSGBOX" --help
check "--help prints the usage on stdout" \
	'rc_is 0 && out_has "Usage: msgbox COMMAND" && err_empty'
run "$MSGBOX" --version
check "--version prints the version" \
	'rc_is 0 && grep -q "^msgbox [0-9][0-9.]*$" out && err_empty'
run "$MSGBOX"
check "no command is a usage error" \
	'rc_is 2 && out_empty && err_has "Usage: msgbox"'
fails "an unknown command is a usage error" 2 \
	"msgbox: unknown command 'bogus'
Try 'msgbox --help'." "$MSGBOX" bogus
fails "an unknown global option is a usage error" 2 \
	"msgbox: unrecognized option '--bogus'
Try 'msgbox --help'." "$MSGBOX" --bogus
for sub in list create destroy send recv stat; do
	run "$MSGBOX" "$sub" --help
	check "$sub --help prints its usage" \
		'rc_is 0 && grep -q "^Usage: msgbox $sub" out && err_empty'
	fails "$sub rejects an unknown option" 2 \
		"msgbox: $sub: unrecognized option '--no-such-option'
Try 'msgbox $sub --help'." "$MSGBOX" "$sub" --no-such-option
done

pretty "create"
ok_run "create makes a mailbox" "$MSGBOX" create t1
fails "create of an existing mailbox fails with EEXIST" 1 \
	"msgbox: create: t1: File exists" "$MSGBOX" create t1
ok_run "create --exist-ok accepts an existing mailbox" \
	"$MSGBOX" create --exist-ok t1
usage "create without NAME" "$MSGBOX" create
fails "create rejects a name with a slash" 1 \
	"msgbox: create: a/b: Invalid argument" "$MSGBOX" create a/b
long=$(head -c 256 /dev/zero | tr '\0' x)
fails "create rejects a 256-byte name" 1 \
	"msgbox: create: $long: File name too long" "$MSGBOX" create "$long"
usage "create rejects a bad capacity" "$MSGBOX" create -c 12x t2
usage "create rejects a negative capacity" "$MSGBOX" create -c -1 t2
usage "create rejects a non-octal mode" "$MSGBOX" create --mode 0800 t2
usage "create rejects a mode above 0777" "$MSGBOX" create --mode 1777 t2
usage "create rejects a bad size" "$MSGBOX" create --max-size 1G t2
usage "create --capacity needs an argument" "$MSGBOX" create t2 --capacity
fails "create above max_capacity fails with EINVAL" 1 \
	"msgbox: create: t2: Invalid argument" "$MSGBOX" create -c 100000 t2
ok_run "create with every attribute" "$MSGBOX" create q --capacity 2 \
	--max-size 16 --mode 0640 --dedup
ok_run "create takes a K size suffix and several names" \
	"$MSGBOX" create -s 1K k1 m1 m2
ok_run "create makes a rendezvous mailbox" "$MSGBOX" create rv -c 0
run "$MSGBOX" create m1 m3
check "create goes on after a failed name" \
	'rc_is 1 && err_is "msgbox: create: m1: File exists" && [ "$(field m3 capacity)" = 64 ]'

pretty "stat"
run "$MSGBOX" stat q
check "stat prints every field" \
	'rc_is 0 && err_empty && [ "$(awk "{ print \$1 }" out | tr "\n" " ")" = "name capacity max_msg_size msgs mode bytes sent received waiting_senders waiting_receivers uid gid owner_pid mb_flags held calls " ]'
check "stat shows the attributes create was given" \
	'[ "$(field q capacity)/$(field q max_msg_size)/$(field q mode)/$(field q mb_flags)/$(field q uid)/$(field q owner_pid)" = 2/16/0640/dedup/0/0 ]'
check "stat shows the defaults and the K suffix" \
	'[ "$(field t1 capacity)/$(field t1 max_msg_size)/$(field t1 mode)/$(field t1 mb_flags)/$(field k1 max_msg_size)/$(field rv capacity)" = 64/8192/0600/none/1024/0 ]'
run "$MSGBOX" stat --json q
check "stat --json prints one object" \
	'rc_is 0 && err_empty && [ "$(wc -l <out)" = 1 ] && out_has "{\"name\":\"q\",\"capacity\":2,\"max_msg_size\":16,\"msgs\":0,\"mode\":\"0640\",\"bytes\":0,\"sent\":0,\"received\":0,\"waiting_senders\":0,\"waiting_receivers\":0,\"uid\":0,\"gid\":0,\"owner_pid\":0,\"mb_flags\":2,\"port\":false,\"dedup\":true,\"held\":0,\"calls\":0}"'
fails "stat of a missing mailbox fails with ENOENT" 1 \
	"msgbox: stat: nope: No such file or directory" "$MSGBOX" stat nope
usage "stat without NAME" "$MSGBOX" stat
usage "stat with two names" "$MSGBOX" stat q t1

pretty "list"
run "$MSGBOX" list
check "list prints a header and the mailboxes" \
	'rc_is 0 && err_empty && head -n 1 out | grep -q "^NAME  *TYPE  *UID  *GID  *MODE  *CAPACITY  *MSGSIZE  *MSGS  *BYTES  *WSEND  *WRECV  *SENT  *RECV  *HELD  *CALLS$" && grep -q "^q  *named  *0  *0  *0640  *2  *16  *0  *0  *0  *0  *0  *0  *0  *0$" out && grep -q "^t1 " out && grep -q "^rv " out'
check "list aligns its columns" \
	'[ "$(awk "{ print length(\$0) }" out | sort -u | wc -l)" = 1 ] && [ "$(awk "{ match(\$0, /^[^ ]+ +/); print RLENGTH }" out | sort -u | wc -l)" = 1 ]'
run "$MSGBOX" list --json
check "list --json prints an array of objects" \
	'rc_is 0 && err_empty && head -n 1 out | grep -q "^\[$" && tail -n 1 out | grep -q "^\]$" && out_has "{\"name\":\"q\",\"type\":\"named\",\"pid\":0,\"uid\":0,\"gid\":0,\"mode\":\"0640\",\"capacity\":2,\"max_msg_size\":16,\"msgs\":0,\"bytes\":0,\"waiting_senders\":0,\"waiting_receivers\":0,\"sent\":0,\"received\":0,\"held\":0,\"calls\":0}"'
rows=$(($("$MSGBOX" list | wc -l) - 1))
check "list --json has one object per mailbox" \
	'[ "$(grep -c "^,*{\"name\"" out)" = "$rows" ] && [ "$rows" = 7 ]'
usage "list rejects an argument" "$MSGBOX" list q
run "$MSGBOX" list -j
"$MSGBOX" list --json >"$T/list2"
check "list -j is --json" 'rc_is 0 && cmp -s out "$T/list2"'

pretty "send and recv"
ok_run "send a message from the argument" "$MSGBOX" send t1 hello
check "the message is queued" \
	'[ "$(field t1 msgs)/$(field t1 bytes)/$(field t1 sent)" = 1/5/1 ]'
run "$MSGBOX" recv t1
check "recv writes the message and a newline" \
	'rc_is 0 && out_eq "hello\n" && err_empty'
printf 'a\nb' | "$MSGBOX" send t1 >"$T/out" 2>"$T/err"
rc=$?
check "send reads all of stdin as one message" \
	'rc_is 0 && out_empty && err_empty && [ "$(field t1 msgs)" = 1 ]'
run "$MSGBOX" recv --null t1
check "recv --null ends the message with a NUL" \
	'rc_is 0 && out_eq "a\nb\000" && err_empty'
printf 'x\000y\377' | "$MSGBOX" send t1
run "$MSGBOX" recv -0 t1
check "binary messages pass unchanged" 'rc_is 0 && out_eq "x\000y\377\000"'
ok_run "send an empty message" "$MSGBOX" send t1 ''
"$MSGBOX" send t1 </dev/null
run "$MSGBOX" recv t1 -c 2
check "empty messages from the argument and from stdin" \
	'rc_is 0 && out_eq "\n\n" && err_empty'
ok_run "send -- passes a message starting with a dash" \
	"$MSGBOX" send t1 -- -dash
run "$MSGBOX" recv t1
check "the dash message arrives" 'rc_is 0 && out_eq "%s\n" -dash'
"$MSGBOX" send t1 low --prio 1
"$MSGBOX" send t1 high -p 5
"$MSGBOX" send t1 mid -p 3
"$MSGBOX" send t1 mid2 -p 3
run "$MSGBOX" recv t1 --count 4
check "recv --count takes by priority, FIFO within one" \
	'rc_is 0 && out_eq "high\nmid\nmid2\nlow\n" && err_empty'
"$MSGBOX" send t1 top -p 32767
run "$MSGBOX" recv t1
check "priority 32767 is accepted" 'rc_is 0 && out_eq "top\n"'
usage "send rejects priority 32768" "$MSGBOX" send t1 x --prio 32768
usage "send rejects a negative priority" "$MSGBOX" send t1 x --prio -1
usage "send without NAME" "$MSGBOX" send
usage "send with too many arguments" "$MSGBOX" send t1 a b
fails "send to a missing mailbox fails with ENOENT" 1 \
	"msgbox: send: nope: No such file or directory" "$MSGBOX" send nope x
fails "recv from a missing mailbox fails with ENOENT" 1 \
	"msgbox: recv: nope: No such file or directory" "$MSGBOX" recv nope
usage "recv without NAME" "$MSGBOX" recv
usage "recv with two names" "$MSGBOX" recv t1 q
usage "recv rejects --count 0" "$MSGBOX" recv t1 --count 0
usage "recv rejects --count with --follow" "$MSGBOX" recv t1 -c 2 -f
usage "recv rejects --json with --null" "$MSGBOX" recv t1 --json --null
usage "recv rejects a bad timeout" "$MSGBOX" recv t1 --timeout 1s

pretty "peek, non-blocking, timeouts, full and oversized"
"$MSGBOX" send t1 pk
run "$MSGBOX" recv --peek t1
check "recv --peek copies the message out" 'rc_is 0 && out_eq "pk\n"'
check "recv --peek leaves it queued" '[ "$(field t1 msgs)" = 1 ]'
run "$MSGBOX" recv t1
check "the peeked message is received after" \
	'rc_is 0 && out_eq "pk\n" && [ "$(field t1 msgs)" = 0 ]'
usage "recv --peek takes one message" "$MSGBOX" recv --peek -c 2 t1
usage "recv --peek does not --follow" "$MSGBOX" recv --peek -f t1
fails "recv --nonblock on an empty mailbox fails with EAGAIN" 1 \
	"msgbox: recv: t1: Resource temporarily unavailable" \
	"$MSGBOX" recv --nonblock t1
fails "recv --timeout expires with status 3" 3 \
	"msgbox: recv: t1: Connection timed out" "$MSGBOX" recv -t 0.3 t1
"$MSGBOX" send t1 one
"$MSGBOX" send t1 two
run "$MSGBOX" recv t1 -c 3 -t 0.2
check "recv --count with --timeout writes what came, then status 3" \
	'rc_is 3 && out_eq "one\ntwo\n" && err_is "msgbox: recv: t1: Connection timed out"'
"$MSGBOX" send q 1
"$MSGBOX" send q 2
fails "send --nonblock to a full mailbox fails with EAGAIN" 1 \
	"msgbox: send: q: Resource temporarily unavailable" \
	"$MSGBOX" send -n q 3
fails "send --timeout to a full mailbox ends with status 3" 3 \
	"msgbox: send: q: Connection timed out" "$MSGBOX" send -t 0.3 q 3
check "the full mailbox kept its two messages" '[ "$(field q msgs)" = 2 ]'
run "$MSGBOX" recv --follow --nonblock q
check "recv --follow --nonblock drains the mailbox and succeeds" \
	'rc_is 0 && out_eq "1\n2\n" && err_empty'
run "$MSGBOX" recv -f -n q
check "recv --follow --nonblock on an empty mailbox succeeds" \
	'rc_is 0 && out_empty && err_empty'
head -c 1025 /dev/zero | tr '\0' z >"$T/big"
run "$MSGBOX" send k1 <"$T/big"
check "send above the largest message size fails with EMSGSIZE" \
	'rc_is 1 && out_empty && err_is "msgbox: send: k1: Message too long"'
head -c 1024 "$T/big" | "$MSGBOX" send k1
run "$MSGBOX" recv k1
check "a message of the largest size passes" \
	'rc_is 0 && [ "$(wc -c <out)" = 1025 ] && [ "$(tr -d z <out)" = "" ]'

pretty "JSON"
printf 'q"b\\s\tn\nc\001' | "$MSGBOX" send t1
run "$MSGBOX" recv --json t1
check "recv --json escapes quotes, backslashes and controls" \
	'rc_is 0 && err_empty && [ "$(wc -l <out)" = 1 ] && out_has "\"len\":10,\"csum\":false,\"key\":null,\"utf8\":true,\"data\":\"q\\\"b\\\\s\\tn\\nc\\u0001\"}"'
check "recv --json reports id, priority and the sender" \
	'grep -q "^{\"id\":[0-9][0-9]*,\"prio\":0,\"pid\":[0-9][0-9]*,\"uid\":0,\"gid\":0," out'
printf 'h\303\251' | "$MSGBOX" send t1
run "$MSGBOX" recv -j t1
check "recv --json keeps UTF-8 text" \
	"rc_is 0 && out_has \"\\\"utf8\\\":true,\\\"data\\\":\\\"h$(printf '\303\251')\\\"}\""
printf 'a\377\000' | "$MSGBOX" send t1 -p 7
run "$MSGBOX" recv -j t1
check "recv --json writes other bytes as \\u00XX" \
	'rc_is 0 && out_has "\"prio\":7," && out_has "\"len\":3," && out_has "\"utf8\":false,\"data\":\"a\\u00ff\\u0000\"}"'
"$MSGBOX" send t1 ''
run "$MSGBOX" recv -j t1
check "recv --json of an empty message" \
	'rc_is 0 && out_has "\"len\":0," && out_has "\"data\":\"\"}"'
"$MSGBOX" send t1 a
"$MSGBOX" send t1 b
run "$MSGBOX" recv -j -c 2 t1
check "recv --json prints one line per message, ids increasing" \
	'rc_is 0 && [ "$(wc -l <out)" = 2 ] && [ "$(sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p" out | sort -n -c && echo sorted)" = sorted ]'

pretty "senders, checksums, acknowledgement"
bg s1 "$MSGBOX" send t1 who
join s1 "$s1"
run "$MSGBOX" recv -j t1
check "the kernel stamps the sender's pid" \
	'rc_is 0 && out_has "\"pid\":$s1,\"uid\":0,\"gid\":0,"'
bg s1 "$MSGBOX" send t1 from1
wait "$s1"
bg s2 "$MSGBOX" send t1 from2
wait "$s2"
run "$MSGBOX" recv --from "$s2" t1
check "recv --from takes that sender's message" \
	'rc_is 0 && out_eq "from2\n"'
run "$MSGBOX" recv --from "$s2" -n t1
check "recv --from finds nothing more from it" \
	'rc_is 1 && err_is "msgbox: recv: t1: Resource temporarily unavailable"'
run "$MSGBOX" recv t1
check "the other sender's message stayed queued" 'rc_is 0 && out_eq "from1\n"'
usage "recv rejects --from 0" "$MSGBOX" recv --from 0 t1
usage "recv rejects a bad --from" "$MSGBOX" recv --from x t1
ok_run "send --csum" "$MSGBOX" send --csum t1 checked
run "$MSGBOX" recv -j t1
check "recv --json shows the verified checksum" \
	'rc_is 0 && out_has "\"csum\":true," && out_has "\"data\":\"checked\""'
bg ack "$MSGBOX" send --ack t1 acked
wait_for '[ "$(field t1 msgs)" = 1 ]'
sleep 0.2
check "send --ack waits while the message is queued" 'alive "$ack"'
run "$MSGBOX" recv t1
check "the acknowledged message is received" 'rc_is 0 && out_eq "acked\n"'
join ack "$ack"
check "send --ack returns 0 once it was taken" \
	'rc_is 0 && out_empty && err_empty'
fails "send --ack --timeout withdraws the message, status 3" 3 \
	"msgbox: send: t1: Connection timed out" \
	"$MSGBOX" send --ack --timeout 0.3 t1 never
check "the withdrawn message is not queued" '[ "$(field t1 msgs)" = 0 ]'
fails "send --ack --nonblock without a receiver fails with EAGAIN" 1 \
	"msgbox: send: t1: Resource temporarily unavailable" \
	"$MSGBOX" send --ack -n t1 never
check "nothing is left queued" '[ "$(field t1 msgs)" = 0 ]'

pretty "rendezvous"
fails "send --nonblock to a rendezvous mailbox without a receiver" 1 \
	"msgbox: send: rv: Resource temporarily unavailable" \
	"$MSGBOX" send -n rv x
bg r1 "$MSGBOX" recv rv
wait_for '[ "$(field rv waiting_receivers)" = 1 ]'
ok_run "send --nonblock to a waiting receiver succeeds" \
	"$MSGBOX" send -n rv now
join r1 "$r1"
check "the rendezvous receiver got it" 'rc_is 0 && out_eq "now\n"'
bg s1 "$MSGBOX" send rv blocked
wait_for '[ "$(field rv waiting_senders)" = 1 ]'
check "a rendezvous send waits for a receiver" 'alive "$s1"'
run "$MSGBOX" recv rv
check "the receiver takes the waiting sender's message" \
	'rc_is 0 && out_eq "blocked\n"'
join s1 "$s1"
check "the rendezvous send completes" 'rc_is 0 && err_empty'

pretty "follow, destroy and signals"
"$MSGBOX" create fw
bg f "$MSGBOX" recv fw --follow
for m in m1 m2 m3; do
	"$MSGBOX" send fw "$m"
done
wait_for '[ "$(field fw received)" = 3 ]'
check "recv --follow keeps receiving" 'alive "$f"'
ok_run "destroy the followed mailbox" "$MSGBOX" destroy fw
join f "$f"
check "recv --follow ends with status 0 when the mailbox is destroyed" \
	'rc_is 0 && out_eq "m1\nm2\nm3\n" && err_empty'
"$MSGBOX" create dz
bg r1 "$MSGBOX" recv dz
wait_for '[ "$(field dz waiting_receivers)" = 1 ]'
"$MSGBOX" destroy dz
join r1 "$r1"
check "a blocked recv fails with EIDRM on destroy" \
	'rc_is 1 && out_empty && err_is "msgbox: recv: dz: Identifier removed"'
"$MSGBOX" create ds -c 1
"$MSGBOX" send ds first
bg s1 "$MSGBOX" send ds second
wait_for '[ "$(field ds waiting_senders)" = 1 ]'
"$MSGBOX" destroy ds
join s1 "$s1"
check "a blocked send fails with EIDRM on destroy" \
	'rc_is 1 && out_empty && err_is "msgbox: send: ds: Identifier removed"'
bg f "$MSGBOX" recv t1 --follow
wait_for '[ "$(field t1 waiting_receivers)" = 1 ]'
kill -HUP "$f"
join f "$f"
check "SIGHUP ends recv --follow by that signal" \
	'[ "$rc" = 129 ] && out_empty'
"$MSGBOX" send t1 after
run "$MSGBOX" recv -n t1
check "the interrupted receive took nothing" 'rc_is 0 && out_eq "after\n"'
bg f "$MSGBOX" recv t1 -c 5
wait_for '[ "$(field t1 waiting_receivers)" = 1 ]'
"$MSGBOX" send t1 got
wait_for '[ -s "$T/f.out" ]'
kill -TERM "$f"
join f "$f"
check "SIGTERM after a message keeps what was written" \
	'[ "$rc" = 143 ] && out_eq "got\n"'

# A signal may come at any moment, also just before the receive sleeps.
"$MSGBOX" create sg
bad=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	bg f "$MSGBOX" recv sg --follow
	[ $((i % 2)) = 0 ] || sleep "0.0$i"
	kill -TERM "$f"
	if ! wait_for '! alive "$f"'; then
		bad=$((bad + 1))
		kill -KILL "$f"
	fi
	wait "$f"
	rc=$?
	[ "$rc" = 143 ] || bad=$((bad + 1))
done
: >"$T/out"
: >"$T/err"
check "SIGTERM at any moment ends recv --follow" '[ "$bad" = 0 ]'
check "nothing was taken meanwhile" '[ "$(field sg received)" = 0 ]'
"$MSGBOX" destroy sg

pretty "ports"
bg p "$MSGBOX" recv --port
wait_for '"$MSGBOX" list | grep -q " port:$p "'
run "$MSGBOX" list
check "list shows the port" \
	'rc_is 0 && grep -q "^-  *port:$p  *0  *0  *0600  *64  *8192 " out'
run "$MSGBOX" list --json
check "list --json shows the port" \
	'rc_is 0 && out_has "{\"name\":null,\"type\":\"port\",\"pid\":$p,\"uid\":0,"'
ok_run "send --pid sends to a port" "$MSGBOX" send --pid "$p" "to port"
join p "$p"
check "recv --port receives it" 'rc_is 0 && out_eq "to port\n" && err_empty'
fails "send --pid to a process without a port fails with ESRCH" 1 \
	"msgbox: send: pid $$: No such process" "$MSGBOX" send --pid $$ x
usage "send --pid rejects pid 0" "$MSGBOX" send --pid 0 x
usage "send --pid with NAME and MESSAGE" "$MSGBOX" send --pid 1 t1 x
usage "recv --port with NAME" "$MSGBOX" recv --port t1

pretty "output errors"
if [ -w /dev/full ]; then
	"$MSGBOX" send t1 lost
	"$MSGBOX" recv t1 >/dev/full 2>"$T/err"
	rc=$?
	: >"$T/out"
	check "recv reports a failed write to stdout" \
		'rc_is 1 && err_is "msgbox: recv: stdout: No space left on device"'
	"$MSGBOX" list >/dev/full 2>"$T/err"
	rc=$?
	check "list reports a failed write to stdout" \
		'rc_is 1 && err_is "msgbox: list: stdout: No space left on device"'
	"$MSGBOX" stat t1 --json >/dev/full 2>"$T/err"
	rc=$?
	check "stat reports a failed write to stdout" \
		'rc_is 1 && err_is "msgbox: stat: stdout: No space left on device"'
else
	skip "failed writes to stdout" "no /dev/full"
fi

pretty "destroy"
ok_run "destroy removes several mailboxes" "$MSGBOX" destroy m1 m2
check "they are gone" \
	'! "$MSGBOX" stat m1 >/dev/null 2>&1 && ! "$MSGBOX" list | grep -q "^m2 "'
fails "destroy of a missing mailbox fails with ENOENT" 1 \
	"msgbox: destroy: nope: No such file or directory" \
	"$MSGBOX" destroy nope
"$MSGBOX" create m4
run "$MSGBOX" destroy m3 nope m4
check "destroy goes on after a failed name" \
	'rc_is 1 && err_is "msgbox: destroy: nope: No such file or directory" && ! "$MSGBOX" stat m3 2>/dev/null && ! "$MSGBOX" stat m4 2>/dev/null'
usage "destroy without NAME" "$MSGBOX" destroy
ok_run "the name is free again at once" "$MSGBOX" create m1
"$MSGBOX" destroy m1

pretty "permissions"
if su -s /bin/sh nobody -c true 2>/dev/null; then
	as_nobody() { su -s /bin/sh nobody -c "$*"; }
	"$MSGBOX" create pm --mode 0600
	(umask 0 && "$MSGBOX" create pw --mode 0622)
	fails "another user may not send to a 0600 mailbox" 1 \
		"msgbox: send: pm: Permission denied" as_nobody "$MSGBOX" send pm x
	fails "another user may not stat a 0600 mailbox" 1 \
		"msgbox: stat: pm: Permission denied" as_nobody "$MSGBOX" stat pm
	fails "another user may not destroy it" 1 \
		"msgbox: destroy: pm: Operation not permitted" \
		as_nobody "$MSGBOX" destroy pm
	run as_nobody "$MSGBOX" list
	check "another user's list leaves it out" \
		'rc_is 0 && ! grep -q "^pm " out && grep -q "^pw " out'
	ok_run "another user may send to a 0622 mailbox" \
		as_nobody "$MSGBOX" send pw hi
	fails "but not receive from it" 1 \
		"msgbox: recv: pw: Permission denied" as_nobody "$MSGBOX" recv pw
	run as_nobody "$MSGBOX" stat pw
	check "stat needs only write permission" \
		'rc_is 0 && grep -q "^msgs  *1$" out'
	run "$MSGBOX" recv -j pw
	check "the other user's uid is stamped" \
		'rc_is 0 && out_has "\"uid\":65534,\"gid\":65534,"'
	run as_nobody "$MSGBOX" create own --mode 0666
	check "another user creates and owns a mailbox" \
		'rc_is 0 && [ "$(field own uid)/$(field own mode)" = 65534/0644 ]'
	ok_run "its owner destroys it" as_nobody "$MSGBOX" destroy own
	"$MSGBOX" destroy pm pw
else
	skip "permissions" "su cannot run commands as nobody"
fi

pretty "namespaces"
if unshare -U true 2>/dev/null; then
	run unshare -U "$MSGBOX" list
	check "another user namespace sees no mailbox" \
		'rc_is 0 && [ "$(wc -l <out)" = 1 ]'
	run unshare -U -r sh -c "'$MSGBOX' create t1 -c 3 && '$MSGBOX' stat t1 && '$MSGBOX' destroy t1"
	check "another user namespace has its own names" \
		'rc_is 0 && grep -q "^capacity  *3$" out && [ "$(field t1 capacity)" = 64 ]'
else
	skip "namespaces" "no user namespaces"
fi

pretty "the EXAMPLES of msgbox(1), as written there"
# A work queue with two consumers.
ok_run "example: create the work queue" \
	"$MSGBOX" create jobs --capacity 16 --mode 0660 --exist-ok
bg ea "$MSGBOX" recv jobs --follow
bg eb "$MSGBOX" recv jobs --follow
wait_for '[ "$(field jobs waiting_receivers)" = 2 ]'
mkdir ex && touch ex/a.png ex/b.png ex/c.png ex/d.png
for f in ex/*.png; do "$MSGBOX" send jobs "$f"; done
wait_for '[ "$(field jobs received)" = 4 ]'
ok_run "example: destroy the work queue" "$MSGBOX" destroy jobs
join ea "$ea"
ea_rc=$rc
join eb "$eb"
cat ea.out eb.out | sort >"$T/out"
check "example: both consumers exit 0 and took each file once" \
	'[ "$ea_rc/$rc" = 0/0 ] && out_eq "ex/a.png\nex/b.png\nex/c.png\nex/d.png\n"'
# A file as one message, acknowledged and checksummed: the mailbox's
# largest message is the default max_msg_size, 1 MiB.
ok_run "example: create files with the default largest size allowed" \
	"$MSGBOX" create files --max-size 1M
head -c 300000 /dev/urandom >report.pdf
# (bg would give the send /dev/null for its standard input)
"$MSGBOX" send files --ack --csum <report.pdf >es.out 2>es.err &
es=$!
pids="$pids $es"
"$MSGBOX" recv files | head -c -1 >copy.pdf
join es "$es"
check "example: the file arrives byte for byte, the send acknowledged" \
	'rc_is 0 && err_empty && cmp -s report.pdf copy.pdf'
ok_run "example: destroy files" "$MSGBOX" destroy files
# A request to a port, by the PID of the receiving msgbox process.
bg ep "$MSGBOX" recv --port --timeout 5 --json
wait_for '"$MSGBOX" list | grep -q "^-  *port:$ep "'
ok_run "example: send to the port by PID" "$MSGBOX" send --pid "$ep" 'status?'
join ep "$ep"
check "example: the port's owner gets the request" \
	'rc_is 0 && out_has "\"len\":7," && out_has "\"data\":\"status?\"}"'
# The messages queued in every mailbox.
"$MSGBOX" create counted
"$MSGBOX" send counted one
"$MSGBOX" send counted two
run sh -c "'$MSGBOX' list | awk 'NR > 1 { print \$1, \$8 }'"
check "example: list and awk count the queued messages" \
	'rc_is 0 && grep -qx "counted 2" out'
"$MSGBOX" destroy counted

pretty "cleanup"
ok_run "destroy every mailbox created" "$MSGBOX" destroy t1 q k1 rv
run "$MSGBOX" list
check "list is back to the header alone" 'rc_is 0 && [ "$(wc -l <out)" = 1 ]'

pretty "without the module"
wait
pids=
module=
# shellcheck disable=SC1091 # written by scripts/vm.sh in the guest
[ -r /etc/vm.conf ] && . /etc/vm.conf && module=$VM_MODULE
if [ -n "$module" ] && [ -r "$module" ] && rmmod msgbox 2>/dev/null; then
	fails "list without the module names /proc/driver/msgbox" 1 \
		"msgbox: list: /proc/driver/msgbox: No such file or directory" \
		"$MSGBOX" list
	fails "create without the module names /dev/msgbox" 1 \
		"msgbox: create: /dev/msgbox: No such file or directory" \
		"$MSGBOX" create x
	# shellcheck disable=SC2086 # a list of parameters
	insmod "$module" $VM_MODULE_PARAMS
	check "the module loads again" '[ -c /dev/msgbox ]'
else
	skip "without the module" "cannot unload and reload msgbox"
fi

echo "1..$n"
pretty "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
