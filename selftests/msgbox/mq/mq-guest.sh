#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of vm-check.sh (busybox sh, msgbox.ko already loaded): run the
# libmsgbox-mq tests and prove that POSIX queue programs really run on
# msgbox.
#
# Flow:
#   1. The msgbox_mq_*_test programs (on msgbox) and their -native builds
#      (the same tests on the kernel's POSIX queues, as a reference), each
#      under a timeout.
#   2. mq_demo linked with libmsgbox-mq.a, then mq_demo-dyn (glibc, -lrt)
#      with LD_PRELOAD=libmsgbox-mq.so. Each keeps its queue (-k); the queue
#      must then exist as a msgbox mailbox (mq_probe, /proc/driver/msgbox)
#      and not in the kernel's queue file system (/dev/mqueue).
#   3. Control: mq_demo-dyn without LD_PRELOAD must leave its queue in
#      /dev/mqueue and not in msgbox, so the check in 2 can tell the two
#      apart.
#   4. Print "mq-guest: N passed, N failed" and exit 1 if anything failed.
#
# Environment: MQ_DIR (programs, default /tests/mq), MQ_PRELOAD (path of
# libmsgbox-mq.so, default /usr/lib/msgbox/libmsgbox-mq.so), TEST_TIMEOUT
# (seconds per program, default 300).

dir=${MQ_DIR:-/tests/mq}
preload=${MQ_PRELOAD:-/usr/lib/msgbox/libmsgbox-mq.so}
tmo=${TEST_TIMEOUT:-300}
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "mq-guest: ok   $*"; }
fail() { failed=$((failed + 1)); echo "mq-guest: FAIL $*"; }

if ! grep -q ' /dev/mqueue mqueue ' /proc/mounts; then
	mkdir -p /dev/mqueue
	mount -t mqueue mqueue /dev/mqueue || fail "cannot mount /dev/mqueue"
fi

# 1. Conformance tests, and their runs on the kernel's queues.
for t in $(cd "$dir" && ls msgbox_mq_*_test msgbox_mq_*_test-native); do
	echo "mq-guest: ==== $t"
	timeout "$tmo" "$dir/$t"
	rc=$?
	[ "$rc" -eq 0 ] && pass "$t" || fail "$t (exit status $rc)"
done

in_msgbox() {
	"$dir/mq_probe" "$1" >/dev/null
}

in_proc_list() {
	[ -r /proc/driver/msgbox ] || return 2
	awk -v n="$1" 'NR > 1 && $1 == n { found = 1 } END { exit !found }' \
		/proc/driver/msgbox
}

in_kernel_mq() {
	[ -e "/dev/mqueue/$1" ]
}

# $1 label, $2 queue name without '/', then the command.
demo_on_msgbox() {
	label=$1 name=$2
	shift 2
	echo "mq-guest: ==== $label"
	timeout "$tmo" "$@" -k "/$name"
	rc=$?
	[ "$rc" -eq 0 ] && pass "$label: exit status 0" ||
		fail "$label: exit status $rc"
	in_msgbox "$name"
	rc=$?
	[ "$rc" -eq 0 ] && pass "$label: /$name is a msgbox mailbox" ||
		fail "$label: /$name is not a msgbox mailbox (mq_probe $rc)"
	in_proc_list "$name"
	case $? in
	0) pass "$label: /$name listed in /proc/driver/msgbox" ;;
	2) echo "mq-guest: (no /proc/driver/msgbox to look at)" ;;
	*) fail "$label: /$name not listed in /proc/driver/msgbox" ;;
	esac
	in_kernel_mq "$name" && fail "$label: /$name is in /dev/mqueue" ||
		pass "$label: /$name not in /dev/mqueue"
	"$@" -u "/$name" || fail "$label: mq_demo -u /$name"
	in_msgbox "$name"
	[ $? -eq 1 ] && pass "$label: /$name removed" ||
		fail "$label: /$name still there after mq_unlink"
}

# 2. The demo on msgbox, both ways.
demo_on_msgbox "mq_demo (static, libmsgbox-mq.a)" mq-demo-static "$dir/mq_demo"
if [ -r "$preload" ]; then
	demo_on_msgbox "mq_demo-dyn (LD_PRELOAD)" mq-demo-preload \
		env LD_PRELOAD="$preload" "$dir/mq_demo-dyn"
else
	fail "$preload missing"
fi

# 3. Control: glibc's own queues.
label="mq_demo-dyn (no preload, kernel POSIX queues)"
echo "mq-guest: ==== $label"
timeout "$tmo" "$dir/mq_demo-dyn" -k /mq-demo-kernel >/dev/null
rc=$?
[ "$rc" -eq 0 ] && pass "$label: exit status 0" || fail "$label: exit status $rc"
in_kernel_mq mq-demo-kernel && pass "$label: queue in /dev/mqueue" ||
	fail "$label: queue not in /dev/mqueue"
in_msgbox mq-demo-kernel
[ $? -eq 1 ] && pass "$label: no msgbox mailbox" ||
	fail "$label: a msgbox mailbox appeared"
"$dir/mq_demo-dyn" -u /mq-demo-kernel || fail "$label: mq_unlink"
left=$(ls -A /dev/mqueue)
[ -z "$left" ] && pass "/dev/mqueue empty at the end" ||
	fail "/dev/mqueue holds: $left"

echo "mq-guest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
