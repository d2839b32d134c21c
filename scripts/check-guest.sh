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

failed=0
for prog in "$@"; do
	before=$(dmesg | wc -l)
	echo "# msgbox-check: begin $prog"
	timeout -k 10 "$TEST_TIMEOUT" "/tests/$prog" </dev/null 2>&1
	rc=$?
	dmesg | tail -n "+$((before + 1))" | sed 's/^/# dmesg: /'
	echo "# msgbox-check: end $prog rc=$rc"
	[ "$rc" -eq 0 ] || failed=1
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
