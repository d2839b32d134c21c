#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every msgbox test, a stress run and a fuzzing run under a debug
# kernel (KASAN, lockdep, kmemleak, UBSAN, failslab): "make check-debug".
#
# Flow:
#   1. Build the debug kernel (scripts/debug/build-kernel.sh, cached).
#   2. Build msgbox.ko against it in build/debug-module, a copy of Kbuild,
#      VERSION, uapi/ and module/ (kbuild writes its objects next to the
#      sources, and the source tree must stay clean). MSGBOX_DEBUG_BUG is
#      passed to kbuild when set (test-only deliberate bug).
#   3. Build the library, the selftests and the stress programs.
#   4. Stage build/debug-tests, a test directory for scripts/check.sh: the
#      selftests in their order, then msgbox_stress, msgbox_fuzz and
#      kmemleak_check before msgbox_rmmod_test, and kmemleak_baseline
#      first. kmemleak_baseline scans and clears what boot left;
#      kmemleak_check scans twice, 5 s apart, while the module is still
#      loaded, fails on any report whose backtrace names msgbox (printed)
#      and clears the rest; after rmmod the VM's init scans once more and
#      any report then fails the run too (the module's frames are
#      anonymous by then).
#   5. Run scripts/check.sh on it with the debug kernel (VM_KERNEL, KVER)
#      and "loglevel=5 kmemleak=on" on the command line (vm.sh adds
#      panic_on_warn=1 oops=panic): the first KASAN, UBSAN or WARN report
#      ends the run with a panic, which is the failure. Lockdep reports
#      once and carries on. kasan_multi_shot (DEBUG_APPEND) shows every
#      KASAN report instead, but a bug on a hot path then floods the
#      serial console for as long as the timeouts allow.
#   6. From the console log: print the stress and fuzz figures, count the
#      kernel reports (KASAN, lockdep, UBSAN, WARN, BUG, list or object
#      debugging, hung tasks, allocation-failure traces) and the kmemleak
#      leaks, print them, then "N splats, N leaks" and, last, check.sh's
#      "N passed, N failed, N skipped" with the splats and leaks counted as
#      failures. Exit 0 only when nothing failed.
#
# Usage: scripts/debug/check-debug.sh
# Environment: DEBUG_SEED (seed of the stress and fuzz runs, default from
# the date; printed), DEBUG_STRESS_SECONDS (default 90), DEBUG_FUZZ_CALLS
# (default 10000000) and DEBUG_FUZZ_SECONDS (its time cap, default 720),
# DEBUG_FUZZ_WORKERS (default 2), DEBUG_APPEND (more kernel command line),
# MSGBOX_DEBUG_BUG (space-separated test-only bugs, see Kbuild),
# TEST_TIMEOUT (per program, default 1000), VM_TIMEOUT (default 3000), both
# raised when too short for the fuzzing run, CHECK_DEBUG_LOG (keep the
# console log in this file).
#
# Time on 2 cores (measured): kernel build 5.5 minutes the first time
# (nothing afterwards), selftests about 2, stress 1.5, fuzzing 10 to 12
# (13k to 19k calls/s under TCG; capped), boot and kmemleak scans about 1:
# about 14 minutes with the kernel cached, 20 from scratch.
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh" check-debug 35
die() { pretty "error: $*"; echo "0 passed, 1 failed"; exit 1; }
seed=${DEBUG_SEED:-$(date +%s)}
stress_seconds=${DEBUG_STRESS_SECONDS:-90}
fuzz_calls=${DEBUG_FUZZ_CALLS:-10000000}
fuzz_seconds=${DEBUG_FUZZ_SECONDS:-720}
fuzz_workers=${DEBUG_FUZZ_WORKERS:-2}
export TEST_TIMEOUT=${TEST_TIMEOUT:-1000}
export VM_TIMEOUT=${VM_TIMEOUT:-3000}
# The fuzzing run must fit in one program's time, and everything in the VM's.
if [ "$TEST_TIMEOUT" -lt $((fuzz_seconds + 180)) ]; then
	TEST_TIMEOUT=$((fuzz_seconds + 180))
fi
if [ "$VM_TIMEOUT" -lt $((fuzz_seconds + stress_seconds + 1800)) ]; then
	VM_TIMEOUT=$((fuzz_seconds + stress_seconds + 1800))
fi
moddir=$top/build/debug-module
testdir=$top/build/debug-tests
started=$(date +%s)

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT
tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-check-debug.XXXXXX")

# 1. Kernel.
"$top/scripts/debug/build-kernel.sh" >"$tmp/kernel"
image=$(sed -n 's/^image //p' "$tmp/kernel")
release=$(sed -n 's/^release //p' "$tmp/kernel")
tree=$(sed -n 's/^tree //p' "$tmp/kernel")
{ [ -r "$image" ] && [ -n "$release" ]; } || die "build-kernel.sh gave no image"

# 2. Module, built in a copy.
pretty "building msgbox.ko for $release in $moddir${MSGBOX_DEBUG_BUG:+ (MSGBOX_DEBUG_BUG=$MSGBOX_DEBUG_BUG)}"
rm -rf "$moddir"
mkdir -p "$moddir"
cp -a "$top/Kbuild" "$top/VERSION" "$top/uapi" "$top/module" "$moddir/"
find "$moddir" \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' -o -name '*.mod*' \) \
	-delete
if ! make -C "$tree" M="$moddir" ${MSGBOX_DEBUG_BUG:+"MSGBOX_DEBUG_BUG=$MSGBOX_DEBUG_BUG"} \
	modules >"$tmp/module.log" 2>&1; then
	cat "$tmp/module.log" >&2
	die "msgbox.ko does not build against the debug kernel"
fi
grep -E 'warning:' "$tmp/module.log" >&2 || true

# 3. Userspace.
pretty "building the library, the selftests and the stress programs"
make --no-print-directory -s -C "$top" lib selftests >"$tmp/user.log" 2>&1 ||
	{ cat "$tmp/user.log" >&2; die "make lib selftests failed"; }
make --no-print-directory -s -C "$top/selftests/msgbox/stress" >>"$tmp/user.log" 2>&1 ||
	{ cat "$tmp/user.log" >&2; die "the stress programs do not build"; }

# 4. Test directory for check.sh.
rm -rf "$testdir"
mkdir -p "$testdir"
mapfile -t selftests < <(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make --no-print-directory -s -C "$top/selftests/msgbox" print-progs)
[ ${#selftests[@]} -gt 0 ] || die "selftests/msgbox lists no programs"

progs=(kmemleak_baseline)
for p in "${selftests[@]}"; do
	if [ "$p" = msgbox_rmmod_test ]; then
		progs+=(msgbox_stress msgbox_fuzz kmemleak_check)
	fi
	progs+=("$p")
	mkdir -p "$testdir/$(dirname "$p")"
	ln -s "$top/selftests/msgbox/$p" "$testdir/$p"
done
case " ${progs[*]} " in
*" msgbox_stress "*) ;;
*) progs+=(msgbox_stress msgbox_fuzz kmemleak_check) ;;
esac

cat >"$testdir/msgbox_stress" <<EOF
#!/bin/sh
exec /tests/bin/msgbox_stress --seconds $stress_seconds --seed $seed
EOF
cat >"$testdir/msgbox_fuzz" <<EOF
#!/bin/sh
exec /tests/bin/msgbox_fuzz --calls $fuzz_calls --seconds $fuzz_seconds --workers $fuzz_workers --seed $seed
EOF
cat >"$testdir/kmemleak_baseline" <<'EOF'
#!/bin/sh
# Forget what boot left unreferenced: later reports are the tests' doing.
K=/sys/kernel/debug/kmemleak
echo "1..1"
if [ ! -w $K ]; then
	echo "ok 1 # SKIP kmemleak not available"
	exit 0
fi
echo scan >$K
n=$(grep -c '^unreferenced object' $K)
echo clear >$K
echo "ok 1 kmemleak baseline ($n objects from boot set aside)"
EOF
cat >"$testdir/kmemleak_check" <<'EOF'
#!/bin/sh
# Scan twice while msgbox is loaded, so that its frames have names; fail on
# any unreferenced object allocated from msgbox, set the others aside.
K=/sys/kernel/debug/kmemleak
echo "1..1"
if [ ! -w $K ]; then
	echo "ok 1 # SKIP kmemleak not available"
	exit 0
fi
echo scan >$K
sleep 5
echo scan >$K
cat $K >/tmp/kmemleak.txt
echo clear >$K
awk '
	/^unreferenced object/ { if (blk != "") done(); blk = $0 "\n"; ours = 0; next }
	blk != "" { blk = blk $0 "\n"; if (/\[msgbox\]/) ours = 1 }
	function done() {
		if (ours) { n++; printf "%s", blk > "/tmp/kmemleak-msgbox.txt" } else m++
		blk = ""
	}
	END {
		if (blk != "") done()
		printf "# kmemleak: %d leaks from msgbox, %d other unreferenced objects\n", n, m
		exit n > 0
	}
' /tmp/kmemleak.txt
rc=$?
if [ $rc -ne 0 ]; then
	# The first ten reports; the count is above.
	awk '/^unreferenced object/ && ++n > 10 { exit } { print }' \
		/tmp/kmemleak-msgbox.txt | sed 's/^/# kmemleak: /'
	echo "not ok 1 kmemleak: leaks from msgbox (above)"
else
	echo "ok 1 kmemleak: no leak from msgbox"
fi
exit $rc
EOF
chmod +x "$testdir/msgbox_stress" "$testdir/msgbox_fuzz" \
	"$testdir/kmemleak_baseline" "$testdir/kmemleak_check"
printf '%s\n' "${progs[@]}" >"$testdir/progs.txt"
{
	echo "$top/selftests/msgbox/stress/msgbox_stress:/tests/bin/msgbox_stress"
	echo "$top/selftests/msgbox/stress/msgbox_fuzz:/tests/bin/msgbox_fuzz"
} >"$testdir/files.txt"
cat >"$testdir/Makefile" <<EOF
# Written by scripts/debug/check-debug.sh for scripts/check.sh.
print-progs:
	@cat progs.txt
print-files:
	@\$(MAKE) --no-print-directory -s -C $top/selftests/msgbox print-files
	@cat files.txt
EOF

# 5. Boot the debug kernel.
pretty "seed $seed: stress ${stress_seconds}s, fuzz $fuzz_calls calls (at most ${fuzz_seconds}s)"
set +e
CHECK_TESTDIR=$testdir CHECK_MODULE=$moddir/msgbox.ko CHECK_LOG=$tmp/console.log \
	KVER=$release VM_KERNEL=$image \
	VM_APPEND="loglevel=5 kmemleak=on ${DEBUG_APPEND:-}" \
	"$top/scripts/check.sh" </dev/null 2>&1 | tee "$tmp/check.out"
check_rc=${PIPESTATUS[0]}
set -e
[ -z "${CHECK_DEBUG_LOG:-}" ] || cp "$tmp/console.log" "$CHECK_DEBUG_LOG"
[ -s "$tmp/console.log" ] || cp "$tmp/check.out" "$tmp/console.log"

# 6. Figures, kernel reports, leaks, verdict.
echo
echo "== msgbox debug kernel summary ($release, seed $seed)"
grep -E '^# (stress|fuzz): ' "$tmp/console.log" | sed 's/^# /  /' || true
grep -E '^# msgbox_fuzz: seed .*calls/s' "$tmp/console.log" | sed 's/^# msgbox_fuzz: /  fuzz: /' || true

# Kernel reports as the console showed them, not the copies that
# check-guest.sh ("# dmesg: ") and vm.sh's init (after "kernel log has a
# splat") print again. Each counts as a splat; each distinct first line
# as one failed case.
awk -v list="$tmp/splats.txt" '
	/msgbox-vm: kernel log has a splat/ { stop = 1 }
	stop || /^# dmesg: / { next }
	/BUG: KASAN:/ { k = "KASAN" }
	/UBSAN:/ { k = "UBSAN" }
	/WARNING: possible circular locking|WARNING: possible recursive locking|inconsistent lock state|WARNING: bad unlock balance|lock held when returning to user|suspicious RCU usage|WARNING: possible irq lock inversion|WARNING: held lock freed/ { k = "lockdep" }
	/BUG: sleeping function called from invalid context|BUG: scheduling while atomic/ { k = "atomic sleep" }
	/------------\[ cut here \]------------/ { k = "WARN" }
	/kernel BUG at|BUG: unable to handle|general protection fault|Oops:/ { k = "BUG/oops" }
	/Kernel panic/ { k = "panic" }
	/list_add corruption|list_del corruption/ { k = "list corruption" }
	/ODEBUG:/ { k = "object debugging" }
	/INFO: task .* blocked for more than|soft lockup|rcu_preempt detected stalls|rcu: INFO/ { k = "hang" }
	/vmalloc error:|page allocation failure:/ { k = "allocation failure trace" }
	k != "" {
		n++
		key = $0
		gsub(/0x[0-9a-f]+|[0-9]+/, "#", key)
		if (!(key in seen)) { seen[key] = 1; d++; print k ": " $0 > list }
		count[k]++
		k = ""
	}
	END {
		printf "%d %d", n, d
		for (c in count) printf " %s=%d", c, count[c]
		printf "\n"
	}
' "$tmp/console.log" >"$tmp/splats"
read -r splats distinct kinds <"$tmp/splats"
if [ "$splats" -gt 0 ]; then
	echo "  kernel reports: $splats ($kinds), $distinct distinct:"
	head -n 10 "$tmp/splats.txt" | sed 's/^/    /'
	[ "$distinct" -le 10 ] || echo "    ... and $((distinct - 10)) more"
	pretty "kernel reports: see the console log above around each line"
fi

# Leaks: those kmemleak_check attributed to msgbox, and all of the final
# scan after rmmod; each distinct allocation site is one failed case.
read -r leaks sites < <(awk '
	/^# kmemleak: [0-9]+ leaks from msgbox/ { n += $3; next }
	/^# kmemleak: unreferenced object/ { taken = 0; next }
	/^# kmemleak: .*\[msgbox\]/ && !taken {
		fn = $0; sub(/.*\] /, "", fn); sub(/\+.*/, "", fn)
		taken = 1
		if (!(fn in site)) { site[fn] = 1; s++ }
	}
	/^msgbox-vm: kmemleak reports leaks/ { final = 1; next }
	final && /^unreferenced object/ { n++; m++ }
	final && /^msgbox-vm: / { final = 0 }
	END { print n + 0, s + (m > 0) }
' "$tmp/console.log")
echo "  time: $(( $(date +%s) - started ))s in all (kernel build included)"
echo "$splats splats, $leaks leaks"

last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/check.out" | tail -n 1)
[ -n "$last" ] || last="0 passed, 1 failed, 0 skipped"
passed=$(echo "$last" | awk '{ print $1 }')
failed=$(echo "$last" | awk '{ print $3 }')
skipped=$(echo "$last" | awk '{ print $5 + 0 }')
# check.sh charged one case for any splat or final kmemleak report, and
# kmemleak_check one for msgbox leaks; count distinct reports and sites.
extra=$((distinct + sites))
if grep -q 'kernel log .*FAIL' "$tmp/check.out"; then
	extra=$((extra - 1))
fi
if [ "$leaks" -gt 0 ] && grep -q '^not ok 1 kmemleak' "$tmp/console.log"; then
	extra=$((extra - 1))
fi
[ "$extra" -ge 0 ] || extra=0
failed=$((failed + extra))
[ "$check_rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
