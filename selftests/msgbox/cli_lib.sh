# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The helpers of cli_test.sh, sourced by it (busybox sh): a scratch
# directory removed at exit with the background processes, TAP checks
# that evaluate a condition on the last run's status, stdout and stderr,
# the conditions themselves, and running, waiting for and joining
# processes in the background.
#
# Expects MSGBOX (the tool) to be set; sets T, n, failed and pids.

# Conditions are strings that check and wait_for evaluate later, and the
# variables they name are set by bg through eval.
# shellcheck disable=SC2016,SC2034,SC2154

T=$(mktemp -d) || exit 1
n=0
failed=0
pids=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

pretty() { echo "# $*"; }

# run CMD...: run it, keeping stdout, stderr and the exit status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# check DESC COND: COND is evaluated; a failure shows the last run.
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
		return 0
	fi
	failed=$((failed + 1))
	echo "not ok $n - $1"
	echo "#   condition: $2"
	echo "#   status: $rc"
	head -c 600 "$T/out" | od -c | head -n 8 | sed 's/^/#   stdout: /'
	head -n 5 "$T/err" | sed 's/^/#   stderr: /'
	return 1
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Conditions for check.
rc_is() { [ "$rc" = "$1" ]; }
out_empty() { [ ! -s "$T/out" ]; }
err_empty() { [ ! -s "$T/err" ]; }
# shellcheck disable=SC2059 # the format is the point
out_eq() { printf "$@" >"$T/want"; cmp -s "$T/out" "$T/want"; }
out_has() { grep -qF -- "$1" "$T/out"; }
err_is() { [ "$(cat "$T/err")" = "$1" ]; }
err_has() { grep -qF -- "$1" "$T/err"; }

# ok_run DESC CMD...: the command succeeds with nothing on stdout or stderr.
ok_run() {
	desc=$1
	shift
	run "$@"
	check "$desc" 'rc_is 0 && out_empty && err_empty'
}

# fails DESC STATUS STDERR CMD...: exact status and diagnostic, no output.
fails() {
	desc=$1 want_rc=$2 want_err=$3
	shift 3
	run "$@"
	check "$desc" 'rc_is "$want_rc" && out_empty && err_is "$want_err"'
}

# usage DESC CMD...: a usage error (status 2) naming the subcommand's help.
usage() {
	desc=$1
	shift
	run "$@"
	check "$desc" 'rc_is 2 && out_empty && err_has "Try '\''msgbox"'
}

# field NAME KEY: one value of "msgbox stat NAME".
field() {
	"$MSGBOX" stat "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# wait_for COND: poll COND for up to 20 seconds.
wait_for() {
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ "$i" -lt 400 ] || return 1
		sleep 0.05
	done
}

alive() { kill -0 "$1" 2>/dev/null; }

# bg VAR CMD...: start CMD in the background with stdout/stderr in
# $T/VAR.out and $T/VAR.err, its PID in $VAR.
bg() {
	var=$1
	shift
	"$@" >"$T/$var.out" 2>"$T/$var.err" &
	eval "$var=\$!"
	pids="$pids $!"
}

# join PID: wait for it, its status in $rc; stdout and stderr of the run
# named VAR become the current ones for check.
join() {
	wait "$2"
	rc=$?
	cp "$T/$1.out" "$T/out"
	cp "$T/$1.err" "$T/err"
}
