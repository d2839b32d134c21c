#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU with a throw-away busybox initramfs, load a module,
# run a payload script inside the guest and exit with the payload's status.
#
# Usage:
#   scripts/vm.sh [-k KVER] [-m MODULE.ko] [-f SRC[:DEST]]... [-t SECS]
#                 [-q QEMU_ARG]... (-c 'COMMAND' | PAYLOAD_SCRIPT)
#
#   -k KVER      kernel release to boot, /boot/vmlinuz-KVER (env KVER;
#                default: newest installed 6.1 cloud kernel, scripts/kver.sh).
#                The module must have been built against
#                /lib/modules/KVER/build, so its headers must be installed.
#   -m FILE.ko   module to put at /FILE.ko and insmod before the payload
#                (env VM_MODULE; none: nothing is loaded). Module parameters
#                come from env VM_MODULE_PARAMS.
#   -f SRC[:DEST] extra file or directory for the initramfs, copied
#                (symlinks followed) to DEST, default /<basename of SRC>.
#                Repeatable; env VM_FILES adds more, separated by spaces.
#   -t SECS      overall limit for the QEMU run (env VM_TIMEOUT, default 600).
#   -c COMMAND   payload given inline instead of as a script file.
#   -q QEMU_ARG  one more argument for qemu-system-x86_64, passed as is
#                (repeatable), e.g. a -netdev/-device pair or a third
#                serial port; the guest has no network unless given one.
#   PAYLOAD_SCRIPT  shell script (busybox sh) run by /init.
#   Other environment: VM_KERNEL (image to boot, default /boot/vmlinuz-KVER),
#   VM_APPEND (extra kernel command line), VM_PIN=0 (do not pin vCPUs).
#
# Flow:
#   1. Check the kernel image, its headers and the module's vermagic.
#   2. Stage the initramfs: static busybox with every applet linked, /init
#      (below), the payload at /payload, the module and the extra files;
#      pack it with "cpio -o -H newc | gzip".
#   3. Boot it with qemu-system-x86_64 (TCG, 2 vCPUs, 1 GiB) under timeout,
#      console on the first serial port (shown on stdout), a status channel
#      on the second, the monitor on FIFOs. Pin the "CPU n/TCG" threads to
#      host CPU n. At the time limit, an NMI through the monitor panics the
#      guest, which prints every CPU's backtrace; one line per CPU, "cpu N
#      was at RIP < caller < ...", sums them up under the verdict.
#   4. In the guest, /init mounts proc, sys, devtmpfs, debugfs and a tmpfs
#      on /tmp, insmods the module, runs "sh /payload" in /tmp with stdin
#      from /dev/null, then scans dmesg (and kmemleak when the kernel has
#      it) for splats, printing the log around any it finds. It writes
#      "MSGBOX-VM status=N splat=0|1" to /dev/ttyS1 and powers off.
#   5. The host reads that line and exits with N, or with 1 when N is 0 but
#      the kernel log has a splat. No status line (timeout, panic, QEMU
#      failure) is exit status 125 with a message saying which.
#
# The console also shows "msgbox-vm: ..." lines, which scripts/check.sh reads.
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" vm
die() { pretty "error: $*"; exit 125; }

module=${VM_MODULE:-}
timeout_s=${VM_TIMEOUT:-600}
command=
files=()
qemu_extra=()
for f in ${VM_FILES:-}; do
	files+=("$f")
done

while getopts "k:m:f:t:c:q:h" opt; do
	case $opt in
	k) KVER=$OPTARG ;;
	m) module=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	t) timeout_s=$OPTARG ;;
	c) command=$OPTARG ;;
	q) qemu_extra+=("$OPTARG") ;;
	h) sed -n '3,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -e/d'; exit 0 ;;
	*) die "bad option (see $0 -h)" ;;
	esac
done
shift $((OPTIND - 1))

payload_file=
if [ -z "$command" ]; then
	[ $# -eq 1 ] || die "need exactly one payload script, or -c COMMAND (see $0 -h)"
	payload_file=$1
	[ -r "$payload_file" ] || die "cannot read payload $payload_file"
elif [ $# -ne 0 ]; then
	die "-c COMMAND and a payload script are exclusive"
fi

# 1. Kernel, headers, module.
if [ -z "${KVER:-}" ]; then
	KVER=$("$top/scripts/kver.sh") || die "no default kernel; set KVER"
fi
kernel=${VM_KERNEL:-/boot/vmlinuz-$KVER}
[ -r "$kernel" ] || die "cannot read kernel image $kernel (installed: $(cd /boot && echo vmlinuz-* | sed 's/vmlinuz-//g'))"
[ -n "${VM_KERNEL:-}" ] || [ -e "/lib/modules/$KVER/build/Makefile" ] ||
	die "headers for $KVER are not installed (/lib/modules/$KVER/build): apt-get install linux-headers-$KVER"

if [ -n "$module" ]; then
	[ -r "$module" ] || die "cannot read module $module (build it first: make module)"
	if command -v modinfo >/dev/null; then
		magic=$(modinfo -F vermagic "$module" | awk '{ print $1 }')
		[ "$magic" = "$KVER" ] ||
			die "$module was built for '$magic', not $KVER: rebuild with KVER=$KVER"
	fi
fi

busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; install busybox-static"
fi

tmp=
qemu_pid=
watch_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null || true
	if [ -n "$tmp" ] && [ -s "$tmp/qemu.pid" ]; then
		qemu_pid=$(cat "$tmp/qemu.pid" 2>/dev/null || true)
		if [ -n "$qemu_pid" ] && grep -q '^qemu' "/proc/$qemu_pid/comm" 2>/dev/null; then
			kill "$qemu_pid" 2>/dev/null || true
		fi
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msgbox-vm.XXXXXX")
root=$tmp/root

# 2. Stage the initramfs.
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,run}
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$root/$applet"
done

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	echo "VM_MODULE=$( [ -n "$module" ] && sq "/$(basename "$module")" || echo "''")"
	echo "VM_MODULE_PARAMS=$(sq "${VM_MODULE_PARAMS:-}")"
} >"$root/etc/vm.conf"
[ -z "$module" ] || cp -L "$module" "$root/$(basename "$module")"

if [ -n "$payload_file" ]; then
	cp -L "$payload_file" "$root/payload"
else
	printf '%s\n' "$command" >"$root/payload"
fi

for spec in "${files[@]}"; do
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" != "$spec" ] || dest=/$(basename "$src")
	case $dest in */) dest=$dest$(basename "$src") ;; esac
	[ -e "$src" ] || die "extra file $src does not exist"
	mkdir -p "$root$(dirname "$dest")"
	rm -rf "${root:?}$dest"
	cp -RL "$src" "$root$dest"
done

cat >"$root/init" <<'EOF'
#!/bin/sh
# msgbox test VM init: mount, load the module, run /payload, check the log.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
hostname msgbox-vm
. /etc/vm.conf

status=0
if [ -n "$VM_MODULE" ]; then
	# shellcheck disable=SC2086
	insmod "$VM_MODULE" $VM_MODULE_PARAMS || {
		status=$?
		echo "msgbox-vm: insmod $VM_MODULE failed with status $status"
	}
fi
if [ "$status" -eq 0 ]; then
	(cd /tmp && exec sh /payload </dev/null)
	status=$?
fi

splat=0
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	if grep -q . /sys/kernel/debug/kmemleak; then
		echo "msgbox-vm: kmemleak reports leaks:"
		cat /sys/kernel/debug/kmemleak
		splat=1
	fi
fi
pattern='BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|circular locking|Call Trace'
if dmesg | grep -qE "$pattern"; then
	echo "msgbox-vm: kernel log has a splat; dmesg around it follows"
	dmesg | grep -E -B 20 -A 60 "$pattern"
	echo "msgbox-vm: end of dmesg; matching lines:"
	dmesg | grep -E "$pattern"
	splat=1
fi

echo "msgbox-vm: payload exit status $status"
echo "MSGBOX-VM status=$status splat=$splat" >/dev/ttyS1
sync
poweroff -f
sleep 5
reboot -f
EOF
chmod +x "$root/init" "$root/payload"

(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$tmp/initrd.gz"

# 3. Boot.
pin_vcpus() {
	local pid='' t comm n ncpu pinned _
	ncpu=$(nproc)
	for _ in $(seq 100); do
		pid=$(cat "$tmp/qemu.pid" 2>/dev/null || true)
		[ -z "$pid" ] || break
		sleep 0.05
	done
	[ -n "$pid" ] || return 0
	for _ in $(seq 100); do
		pinned=0
		for t in /proc/"$pid"/task/*; do
			comm=$(cat "$t/comm" 2>/dev/null) || continue
			case $comm in
			"CPU "*/TCG)
				n=${comm#CPU }
				n=${n%/TCG}
				taskset -p -c $((n % ncpu)) "${t##*/}" >/dev/null 2>&1 &&
					pinned=$((pinned + 1))
				;;
			esac
		done
		[ "$pinned" -lt 2 ] || return 0
		sleep 0.05
	done
	pretty "warning: could not pin the vCPU threads"
}

# A soft lockup, or an NMI from QEMU's monitor, panics the guest, and the
# panic prints every CPU's backtrace: what watch_timeout() uses on a guest
# that stopped.
append="console=ttyS0 panic_on_warn=1 panic=-1 oops=panic unknown_nmi_panic"
append="$append panic_print=0x40 softlockup_panic=1 quiet ${VM_APPEND:-}"

# A command for QEMU's monitor; bounded, as a FIFO nobody reads blocks.
monitor() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout 5 sh -c 'echo "$1" >"$2"' sh "$1" "$tmp/mon.in" || true
}

# QEMU's threads, one "name state CPU-seconds" each: whether a guest that
# does not answer is QEMU's own hang.
qemu_threads() {
	local pid t comm st hz

	pid=$(cat "$tmp/qemu.pid" 2>/dev/null) || return 0
	hz=$(getconf CLK_TCK)
	for t in /proc/"$pid"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		# Fields after the ")" closing the name: 1 state, 12 utime, 13 stime.
		st=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
		echo "$st" | awk -v c="$comm" -v hz="$hz" \
			'{ printf "%s %s %ds; ", c, $1, ($12 + $13) / hz }'
	done
	echo
}

# At the time limit, make the guest say where each CPU is (an NMI, see
# above), give it a moment to print, then stop QEMU. Polls once a second,
# so it ends soon after QEMU does.
watch_timeout() {
	local left=$timeout_s

	while [ -d "$tmp" ] && [ ! -e "$tmp/qemu.rc" ] && [ "$left" -gt 0 ]; do
		sleep 1
		left=$((left - 1))
	done
	[ -d "$tmp" ] && [ ! -e "$tmp/qemu.rc" ] || return 0
	qemu_threads >"$tmp/timed-out"
	monitor nmi
	for left in $(seq 20); do
		[ ! -e "$tmp/qemu.rc" ] || return 0
		sleep 1
	done
	monitor quit
}

# Where each CPU was, from the backtraces the NMI printed: one line per
# CPU, its RIP and then the frames of the task or interrupt it stopped.
cpu_summary() {
	awk '
	/NMI backtrace for cpu [0-9]+ skipped: idling/ {
		c = $0; sub(/.*for cpu /, "", c); sub(/ .*/, "", c)
		print "msgbox-vm: cpu " c " was idle"; cur = ""; next
	}
	/NMI backtrace for cpu [0-9]+$/ { flush(); cur = $NF; line = ""; n = 0; nmi = 0; next }
	cur == "" { next }
	/<NMI>/ { nmi = 1; next }
	/<\/NMI>/ { nmi = 0; next }
	/RIP: 0010:/ && line == "" { r = $0; sub(/.*RIP: 0010:/, "", r); line = r; next }
	/<\/TASK>/ || /Kernel Offset/ || /Sending NMI/ { flush(); next }
	nmi || / \? / || /<[A-Z]+>/ || /<\/[A-Z]+>/ { next }
	/\] +[a-z_][a-zA-Z0-9_.]*\+0x/ && n < 8 {
		f = $0; sub(/.*\] +/, "", f); sub(/\/0x[0-9a-f]+/, "", f)
		line = line " < " f; n++
	}
	function flush() {
		if (cur != "") print "msgbox-vm: cpu " cur " was at " line
		cur = ""
	}
	END { flush() }
	' "$tmp/console.log"
}

mkfifo "$tmp/mon.in" "$tmp/mon.out"
pretty "booting $kernel (timeout ${timeout_s}s)"
start=$(date +%s.%N)
{
	rc=0
	timeout -k 10 $((timeout_s + 60)) qemu-system-x86_64 \
		-name msgbox,debug-threads=on \
		-accel tcg -cpu max -smp 2 -m 1024 \
		-nographic -no-reboot -nic none -monitor "pipe:$tmp/mon" \
		-serial stdio -serial "file:$tmp/status" \
		-pidfile "$tmp/qemu.pid" \
		-kernel "$kernel" -initrd "$tmp/initrd.gz" \
		-append "$append" ${qemu_extra[@]+"${qemu_extra[@]}"} </dev/null || rc=$?
	echo "$rc" >"$tmp/qemu.rc"
} 2>&1 | sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' |
	tee "$tmp/console.log" &
job=$!
watch_timeout >/dev/null 2>&1 &
watch_pid=$!
[ "${VM_PIN:-1}" = 0 ] || pin_vcpus
wait "$job" || true
elapsed=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')

# 5. Verdict.
qemu_rc=$(cat "$tmp/qemu.rc" 2>/dev/null || echo '?')
line=$(tr -d '\r' <"$tmp/status" 2>/dev/null | grep -a '^MSGBOX-VM status=' | tail -n 1 || true)
if [ -z "$line" ]; then
	if [ -e "$tmp/timed-out" ] || [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		why="timed out after ${timeout_s}s"
		if ! cpu_summary | grep .; then
			echo "msgbox-vm: the guest did not answer the NMI; QEMU's threads then: $(cat "$tmp/timed-out" 2>/dev/null)"
		fi
	elif grep -q 'Kernel panic' "$tmp/console.log"; then
		why="the guest kernel panicked"
		cpu_summary
	else
		why="QEMU exited with status $qemu_rc"
	fi
	echo "msgbox-vm: no exit status from the guest: $why"
	pretty "FAIL: no exit status from the guest: $why (after ${elapsed}s)"
	exit 125
fi

status=$(echo "$line" | sed -n 's/.*status=\([0-9]*\).*/\1/p')
splat=$(echo "$line" | sed -n 's/.*splat=\([0-9]*\).*/\1/p')
pretty "guest finished in ${elapsed}s: payload status $status, splat $splat"
if [ "$splat" != 0 ]; then
	pretty "FAIL: the guest kernel log has a splat (see above)"
	[ "$status" != 0 ] || status=1
fi
exit "$status"
