# SPDX-License-Identifier: GPL-2.0
#
# Guest half of "make check": scripts/check.sh prepends the settings
# (MSGBOX_MODULE, TEST_TIMEOUT, "set -- PROGRAM...") and hands the result
# to scripts/vm.sh as the payload, run by busybox sh inside the test VM with
# the module already loaded.
#
# Flow: run each program from /tests under busybox timeout, between
# "# msgbox-check: begin NAME" and "# msgbox-check: end NAME rc=N" lines,
# with the kernel messages it caused printed as "# dmesg: ..." lines; then
# unload the module ("# msgbox-check: rmmod rc=N"). The host counts the TAP
# lines between the markers. Exit status 1 if anything failed.
#
# A program that outlives its timeout's SIGKILL by STUCK_GRACE seconds is
# stuck in the kernel: the state of every user task, the kernel stack of
# every task neither sleeping nor idle, and the kernel's own view (SysRq w
# and l) are printed as "# stuck: ..." and "# dmesg: ..." lines, the
# program counts as failed with rc=stuck, and the run goes on without it.

stuck_grace=${STUCK_GRACE:-60}

# Where the tasks are: state and wait channel of every user task, and of
# every task neither sleeping nor idle, with its kernel stack.
show_tasks() {
	for d in /proc/[0-9]*; do
		for t in "$d"/task/*; do
			st=$(sed -n 's/^State:[[:space:]]*//p' "$t/status" 2>/dev/null)
			[ -n "$st" ] || continue
			what="${d#/proc/}/${t##*/} $(cat "$t/comm") $st $(cat "$t/wchan" 2>/dev/null)"
			case $st in
			S* | I*)
				# Kernel threads (no command line) only when busy.
				[ -z "$(head -c 1 "$d/cmdline")" ] ||
					echo "# stuck: $what"
				;;
			*)
				echo "# stuck: $what"
				sed 's/^/# stuck:     /' "$t/stack" 2>/dev/null
				;;
			esac
		done
	done
	echo w >/proc/sysrq-trigger
	echo l >/proc/sysrq-trigger
}

stuck=0
trap 'stuck=1' USR1
failed=0
for prog in "$@"; do
	before=$(dmesg | wc -l)
	echo "# msgbox-check: begin $prog"
	timeout -k 10 "$TEST_TIMEOUT" "/tests/$prog" </dev/null 2>&1 &
	pid=$!
	# The watchdog: polls once a second, so it ends soon after the program.
	(
		n=$((TEST_TIMEOUT + 10 + stuck_grace))
		while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 1
			n=$((n - 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "# msgbox-check: $prog did not end after SIGKILL; tasks:"
			show_tasks
			kill -USR1 $$
		fi
	) &
	dog=$!
	stuck=0
	wait "$pid"
	rc=$?
	kill "$dog" 2>/dev/null
	[ "$stuck" -eq 0 ] || rc=stuck
	dmesg | tail -n "+$((before + 1))" | sed 's/^/# dmesg: /'
	echo "# msgbox-check: end $prog rc=$rc"
	[ "$rc" = 0 ] || failed=1
done

rmmod msgbox 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "# lsmod after failed rmmod:"
	lsmod | sed 's/^/# /'
	failed=1
fi
echo "# msgbox-check: rmmod rc=$rc"
exit "$failed"
