#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the msgbox selftests in a VM and count the results ("make check").
#
# Flow:
#   1. Ask selftests/msgbox for its programs (make print-progs) and check
#      that they and msgbox.ko are built.
#   2. Build the guest payload: settings, then scripts/check-guest.sh, which
#      runs every program under a per-program timeout between marker lines
#      and finally unloads the module.
#   3. Boot it with scripts/vm.sh (module loaded by the VM's init, programs
#      under /tests), showing the console and keeping a copy.
#   4. Count test cases from the TAP between the markers: "ok" lines pass
#      (those with "# SKIP" are skipped), "not ok" lines fail, a program
#      that exits non-zero without a "not ok" line (crash, timeout) is one
#      failure, a program that never finished, or that the guest gave up
#      on as stuck in the kernel (check-guest.sh), is one failure. "rmmod
#      at end" is one more case. A kernel log splat is a failure.
#   5. Print a per-program summary, then, for a guest that stopped, where
#      its CPUs were (scripts/vm.sh's lines), and as the last line
#      "N passed, N failed, N skipped". Exit 0 only when nothing failed and
#      at least one test case passed.
#
# Usage: scripts/check.sh
# Environment: KVER (kernel to boot), TEST_TIMEOUT (seconds per program,
# default 300), VM_TIMEOUT (whole VM, default 1800), CHECK_LOG (keep the
# console log in this file), CHECK_TESTDIR and CHECK_MODULE (run another
# directory's programs and module, to test this script itself).
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" check
testdir=${CHECK_TESTDIR:-$top/selftests/msgbox}
module=${CHECK_MODULE:-$top/msgbox.ko}
test_timeout=${TEST_TIMEOUT:-300}
export VM_TIMEOUT=${VM_TIMEOUT:-1800}

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT
tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-check.XXXXXX")

# 1. Programs.
mapfile -t progs < <(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make --no-print-directory -s -C "$testdir" print-progs)
if [ ${#progs[@]} -eq 0 ]; then
	pretty "selftests/msgbox lists no programs"
	echo "0 passed, 1 failed"
	exit 1
fi
files=()
for p in "${progs[@]}"; do
	if [ ! -x "$testdir/$p" ]; then
		pretty "$testdir/$p is not built (run make selftests)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	files+=(-f "$testdir/$p:/tests/$p")
done
# Files the programs need besides themselves (libraries, helpers).
while read -r f; do
	[ -n "$f" ] && files+=(-f "$f")
done < <(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make --no-print-directory -s -C "$testdir" print-files 2>/dev/null)

# 2. Payload.
{
	echo "export MSGBOX_MODULE=/msgbox.ko TEST_TIMEOUT=$test_timeout"
	printf 'set --'
	printf ' %q' "${progs[@]}"
	echo
	cat "$top/scripts/check-guest.sh"
} >"$tmp/payload"

# 3. Boot.
pretty "running ${#progs[@]} programs: ${progs[*]}"
set +e
"$top/scripts/vm.sh" -m "$module" "${files[@]}" "$tmp/payload" 2>&1 |
	tee "$tmp/console.log"
vm_rc=${PIPESTATUS[0]}
set -e
[ -z "${CHECK_LOG:-}" ] || cp "$tmp/console.log" "$CHECK_LOG"

# 4. and 5. Count and report.
printf '%s\n' "${progs[@]}" >"$tmp/progs"
awk -v vm_rc="$vm_rc" '
	FNR == NR { order[++nprogs] = $0; next }
	# The console may glue a marker to firmware output: "ROM..# msgbox-check:".
	{
		i = index($0, "# msgbox-check: ")
		if (i > 1) $0 = substr($0, i)
		i = index($0, "msgbox-vm: ")
		if (i > 1) $0 = substr($0, i)
	}
	/^# msgbox-check: begin / { cur = $4; began[cur] = 1; next }
	/^# msgbox-check: end / {
		rc = $5; sub(/^rc=/, "", rc)
		ended[cur] = 1; exitrc[cur] = rc; cur = ""; next
	}
	/^# msgbox-check: rmmod rc=/ {
		rc = $4; sub(/^rc=/, "", rc); rmmod_rc = rc; next
	}
	/^msgbox-vm: kernel log has a splat/ || /^msgbox-vm: kmemleak reports/ { splat = 1; next }
	/^msgbox-vm: payload exit status/ { finished = 1; next }
	/^msgbox-vm: cpu [0-9]+ was / || /^msgbox-vm: the guest did not answer/ {
		cpus[++ncpus] = substr($0, 12); next
	}
	cur == "" { next }
	/^ok [0-9]+/ {
		if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skip[cur]++; else pass[cur]++
		next
	}
	/^not ok [0-9]+/ { fail[cur]++; next }
	END {
		printf "\n== msgbox check summary\n"
		for (i = 1; i <= nprogs; i++) {
			p = order[i]
			np = pass[p] + 0; nf = fail[p] + 0; ns = skip[p] + 0
			if (!began[p]) {
				note = "not run"; nf++
			} else if (!ended[p]) {
				note = "did not finish (VM died or timed out)"; nf++
			} else if (exitrc[p] == "stuck") {
				note = "stuck in the kernel after SIGKILL (see the # stuck: lines)"
				nf++
			} else if (exitrc[p] != 0 && nf == 0) {
				note = "exit " exitrc[p] " without a failed test"
				if (exitrc[p] >= 128)
					note = note " (signal " exitrc[p] - 128 ", timeout or crash)"
				nf++
			} else {
				note = "exit " exitrc[p]
			}
			printf "  %-28s pass %3d  fail %3d  skip %3d  %s\n", p, np, nf, ns, note
			tp += np; tf += nf; ts += ns
		}
		if (rmmod_rc == "") {
			printf "  %-28s FAIL (not reached)\n", "rmmod at end"; tf++
		} else if (rmmod_rc != 0) {
			printf "  %-28s FAIL (rmmod status %s)\n", "rmmod at end", rmmod_rc; tf++
		} else {
			printf "  %-28s ok\n", "rmmod at end"; rmmod_ok = 1
		}
		if (!finished) {
			printf "  %-28s not checked (the VM did not finish)\n", "kernel log"
		} else if (splat) {
			printf "  %-28s FAIL (splat, see dmesg above)\n", "kernel log"; tf++
		} else {
			printf "  %-28s clean\n", "kernel log"
		}
		for (i = 1; i <= ncpus; i++)
			printf "  %-28s %s\n", "where the guest stopped", cpus[i]
		if (vm_rc != 0 && tf == 0) {
			printf "  %-28s FAIL (scripts/vm.sh status %s)\n", "vm", vm_rc; tf++
		}
		printf "%d passed, %d failed, %d skipped\n", tp + rmmod_ok, tf, ts
		exit (tf == 0 && tp > 0) ? 0 : 1
	}
' "$tmp/progs" "$tmp/console.log"
