#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the README's two commands on a fresh Debian 12 system, as the first
# commands after cloning, to prove that they install what they need
# themselves (the fresh-root leg of .ci/run).
#
# Flow:
#   1. Install debootstrap through scripts/deps.sh, and take the Debian
#      mirror (and the security mirror, if any) from this machine's own apt
#      sources, so that the new system reads the same archive.
#   2. debootstrap a minimal bookworm (--variant=minbase) with the two
#      packages the README asks for before its commands, git to clone with
#      and make to type them, into a temporary directory ROOT, and give it
#      the apt sources of this machine: bookworm, bookworm-updates,
#      bookworm-security.
#   3. Mount proc, sysfs, /dev and /dev/pts into ROOT. The EXIT trap
#      unmounts them in reverse order and removes ROOT only once nothing is
#      mounted under it any more.
#   4. Clone this checkout's HEAD into ROOT/root/msgbox with ROOT's git
#      (through a bare copy put in ROOT/var/tmp: the checkout itself may be
#      a worktree whose git directory lies outside).
#   5. In ROOT, in the clone, with an empty environment but HOME, PATH and
#      TERM: "make run", then "make check" (or the targets given), nothing
#      else first. The QEMU of those commands runs under TCG as everywhere;
#      the chroot shares the host's kernel but loads nothing into it.
#   6. Check the exit statuses, that make run's guest payload exited 0, and
#      that make check's closing line is "N passed, 0 failed, N skipped"
#      with N > 0; print the time of each step and, last, that line.
#
# Usage: scripts/fresh-root.sh [TARGET...]     (default: run check)
# Each TARGET is one make command line in the fresh root, split at blanks:
# scripts/fresh-root.sh lint, or scripts/fresh-root.sh "bench BENCH_ARGS=--quick".
# Environment: FRESH_ROOT_MIRROR (Debian mirror URL, default the one apt
# uses here), FRESH_ROOT_TARBALL (a debootstrap --make-tarball file: made
# there when missing, then unpacked, so that several runs in one CI run
# download the base system once), FRESH_ROOT_KEEP=1 (keep ROOT, unmounted,
# for a look afterwards). Needs root. Measured on 2 shared cores: 196 s
# (debootstrap 40 s, make run with the package installs and the build
# 115 s, make check 41 s) to 9 minutes when other builds ran beside it;
# most of it goes to the package installs and the build.
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" fresh-root 32

suite=bookworm
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(run check)

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"

started=$(date +%s)
step_start=$started
times=()
step_done() {
	local now
	now=$(date +%s)
	times+=("$1: $((now - step_start))s")
	pretty "$1 took $((now - step_start))s"
	step_start=$now
}

# 1. Tools and mirror.
"$top/scripts/deps.sh" debootstrap debian-archive-keyring gpgv git </dev/null

apt_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			/^[[:space:]]*#/ { next }
			$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i; next }
			$1 == "deb" {
				for (i = 2; i <= NF; i++)
					if ($i ~ /^[a-z+]+:\/\//) { print $i; break }
			}
		' "$f"
	done
}
mirror=${FRESH_ROOT_MIRROR:-$(apt_uris | grep -E '/debian/?$' | head -n 1 || true)}
security=$(apt_uris | grep -E '/debian-security/?$' | head -n 1 || true)
[ -n "$mirror" ] ||
	die "no Debian mirror in /etc/apt/sources.list*: set FRESH_ROOT_MIRROR"
mirror=${mirror%/}
security=${security%/}
pretty "mirror $mirror${security:+, security $security}"

# 2. to 3. The root, its mounts and their cleanup.
root=
mounts=()
mounted_under_root() {
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local i m rc=$?
	[ -n "$root" ] || exit "$rc"
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount "$m" 2>/dev/null || umount -l "$m" || pretty "cannot unmount $m"
	done
	m=$(mounted_under_root)
	if [ -n "$m" ]; then
		pretty "still mounted, $root left in place: $m"
	elif [ "${FRESH_ROOT_KEEP:-0}" = 1 ]; then
		pretty "kept $root (unmounted)"
	else
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$(mktemp -d "${TMPDIR:-/var/tmp}/msgbox-fresh-root.XXXXXX")
chmod 755 "$root"

# shellcheck disable=SC2054 # the list of --include is comma-separated
bootstrap=(--variant=minbase --include=git,make)
if [ -n "${FRESH_ROOT_TARBALL:-}" ]; then
	if [ ! -s "$FRESH_ROOT_TARBALL" ]; then
		pretty "downloading the base system into $FRESH_ROOT_TARBALL"
		debootstrap "${bootstrap[@]}" --make-tarball="$FRESH_ROOT_TARBALL" \
			"$suite" "$root/.tarball" "$mirror" >"$root.debootstrap.log" 2>&1 || {
			tail -n 30 "$root.debootstrap.log" >&2
			die "debootstrap --make-tarball failed (log: $root.debootstrap.log)"
		}
		rm -rf --one-file-system "$root/.tarball"
	fi
	bootstrap+=(--unpack-tarball="$FRESH_ROOT_TARBALL")
fi
pretty "debootstrap $suite (minbase, git, make) into $root"
debootstrap "${bootstrap[@]}" "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
	tail -n 30 "$root.debootstrap.log" >&2
	die "debootstrap failed (log: $root.debootstrap.log)"
}
rm -f "$root.debootstrap.log"
{
	echo "deb $mirror $suite main"
	echo "deb $mirror $suite-updates main"
	[ -z "$security" ] || echo "deb $security $suite-security main"
} >"$root/etc/apt/sources.list"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
step_done "debootstrap"

mount -t proc proc "$root/proc"
mounts+=("$root/proc")
mount -t sysfs sysfs "$root/sys"
mounts+=("$root/sys")
mount --bind /dev "$root/dev"
mounts+=("$root/dev")
mount --bind /dev/pts "$root/dev/pts"
mounts+=("$root/dev/pts")

# 4. The clone.
git clone -q --bare "$top" "$root/var/tmp/msgbox.git"
chroot "$root" git clone -q /var/tmp/msgbox.git /root/msgbox
pretty "cloned $(git -C "$top" rev-parse --short HEAD) into $root/root/msgbox"

# 5. The commands, as a new user types them.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c 'cd /root/msgbox && exec "$@"' sh "$@" </dev/null
}
logs=$root/var/tmp
for t in "${targets[@]}"; do
	read -ra words <<<"$t"
	pretty "in the fresh root: make $t"
	set +e
	in_root make "${words[@]}" 2>&1 | tee "$logs/make-${words[0]}.log"
	rc=${PIPESTATUS[0]}
	set -e
	step_done "make $t"
	[ "$rc" -eq 0 ] || die "make $t failed with status $rc in the fresh root"
done

# 6. Verdict.
for t in "${targets[@]}"; do
	case ${t%% *} in
	run)
		grep -q 'msgbox-vm: payload exit status 0$' "$logs/make-run.log" ||
			die "make run: the demo in the VM did not exit 0"
		;;
	check)
		last=$(tail -n 1 "$logs/make-check.log")
		echo "$last" | grep -qE '^[1-9][0-9]* passed, 0 failed, [0-9]+ skipped$' ||
			die "make check's closing line is \"$last\", not \"N passed, 0 failed, N skipped\""
		;;
	esac
done

echo
echo "== msgbox fresh Debian 12 root: make ${targets[*]}"
for t in "${times[@]}"; do
	echo "  $t"
done
echo "  total: $(($(date +%s) - started))s"
[ ! -f "$logs/make-check.log" ] || tail -n 1 "$logs/make-check.log"
