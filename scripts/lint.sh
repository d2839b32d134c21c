#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the kernel module ("make lint"):
#   - sparse on every source file (kbuild C=2, CF=-D__CHECK_ENDIAN__),
#     in the same pass as a W=1 build (extra compiler warnings);
#   - checkpatch.pl --strict --no-tree -f on module/*.[ch] and the uapi
#     header, from build/ksrc/scripts (scripts/ksft.sh extracts it);
#   - the uapi header compiled on its own as C and as C++, 64- and 32-bit,
#     with -Wall -Wextra -pedantic -Werror;
#   - libmsgbox-rpc: its sources with more warnings than its build's, its
#     header alone as C and C++, the symbols its shared object exports
#     against its map;
#   - the libraries' man pages (scripts/man-lint.sh).
#
# Flow: run each check, keep its output in build/lint/, count the
# "warning:"/"error:" lines of the build and checkpatch's verdict, print a
# summary and exit 1 when anything was reported.
#
# Usage: scripts/lint.sh      (env KDIR: kernel build tree, required)
set -e

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh" lint
out=$top/build/lint
checkpatch=$top/build/ksrc/scripts/checkpatch.pl
: "${KDIR:?set KDIR to the kernel build tree}"

cleanup() { :; }
trap cleanup EXIT

"$top/scripts/ksft.sh" "$top/build"
mkdir -p "$out"
cd "$top"

problems=0

pretty "sparse (C=2) and W=1 build"
set +e
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$KDIR" M="$top" C=2 CF=-D__CHECK_ENDIAN__ W=1 modules \
	>"$out/build.log" 2>&1
rc=$?
set -e
# kbuild's own notes (BTF skipped without vmlinux) are not findings.
grep -E 'warning:|error:' "$out/build.log" | grep -v 'Skipping BTF' \
	>"$out/build.findings" || true
n=$(wc -l <"$out/build.findings")
if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
	cat "$out/build.log"
	pretty "build: status $rc, $n warnings/errors"
	problems=$((problems + n + (rc != 0)))
else
	pretty "build: clean"
fi

pretty "checkpatch --strict"
# The uapi header cannot use BIT(); in a kernel tree checkpatch skips that
# check for include/uapi/ itself, which --no-tree cannot see.
sources=(module/*.[ch])
cp_flags=(--strict --no-tree --no-summary --show-types --terse)
set +e
{
	"$checkpatch" "${cp_flags[@]}" -f "${sources[@]}"
	r1=$?
	"$checkpatch" "${cp_flags[@]}" --ignore BIT_MACRO -f uapi/linux/msgbox.h
	r2=$?
	[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]
} >"$out/checkpatch.log" 2>&1
rc=$?
set -e
sources+=(uapi/linux/msgbox.h)
n=$(grep -cE '^[^:]+:[0-9]+: (ERROR|WARNING|CHECK):' "$out/checkpatch.log" || true)
if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
	cat "$out/checkpatch.log"
	pretty "checkpatch: status $rc, $n findings"
	problems=$((problems + n + (rc != 0 && n == 0)))
else
	pretty "checkpatch: clean (${#sources[@]} files)"
fi

# The uapi header alone, as userspace sees it.
uapi_rc=0
: >"$out/uapi.log"
for lang in c c++; do
	for bits in 64 32; do
		printf '#include <linux/msgbox.h>\nint main(void) { return 0; }\n' |
			gcc -x "$lang" -m"$bits" -std="$([ "$lang" = c ] && echo c11 || echo c++11)" \
				-Wall -Wextra -pedantic -Werror -Iuapi -fsyntax-only - \
				>>"$out/uapi.log" 2>&1 || {
			pretty "uapi header fails as $lang, $bits-bit"
			uapi_rc=1
		}
	done
done
if [ "$uapi_rc" -ne 0 ]; then
	cat "$out/uapi.log"
	problems=$((problems + 1))
else
	pretty "uapi header: compiles alone as C and C++, 64- and 32-bit"
fi

# libmsgbox-rpc, a userspace library: what checkpatch cannot judge there.
rpc_rc=0
rpc_log=$out/rpc.log
: >"$rpc_log"
tirpc=$(pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
for f in userlib/rpc/*.c; do
	# shellcheck disable=SC2086 # $tirpc is a list of flags
	gcc -fsyntax-only -std=gnu11 -Wall -Wextra -Werror -Wshadow \
		-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
		-Wformat=2 -Wundef -Wcast-qual -Wwrite-strings -D_GNU_SOURCE \
		-Iuapi -Iuserlib/libmsgbox $tirpc "$f" >>"$rpc_log" 2>&1 || {
		pretty "$f has warnings"
		rpc_rc=1
	}
done
for lang in c c++; do
	# shellcheck disable=SC2086
	printf '#include <msgbox_rpc.h>\nint main(void) { return 0; }\n' |
		gcc -x "$lang" -Wall -Wextra -pedantic -Werror -Iuserlib/rpc $tirpc \
			-fsyntax-only - >>"$rpc_log" 2>&1 || {
		pretty "msgbox_rpc.h fails alone as $lang"
		rpc_rc=1
	}
done
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C userlib/rpc libmsgbox-rpc.so \
	>>"$rpc_log" 2>&1 || rpc_rc=1
want=$(sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);$/\1@@MSGBOX_RPC_1.0/p' \
	userlib/rpc/libmsgbox-rpc.map | sort)
got=$(nm -D --defined-only userlib/rpc/libmsgbox-rpc.so 2>>"$rpc_log" |
	awk '$2 == "T" { print $3 }' | sort)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
	{ echo "exported:"; echo "$got"; echo "libmsgbox-rpc.map:"; echo "$want"; } >>"$rpc_log"
	pretty "libmsgbox-rpc.so exports other symbols than its map"
	rpc_rc=1
fi
if [ "$rpc_rc" -ne 0 ]; then
	cat "$rpc_log"
	problems=$((problems + 1))
else
	pretty "libmsgbox-rpc: clean (warnings, header, exports)"
fi

pretty "man pages"
if ! "$top/scripts/man-lint.sh" >"$out/man.log" 2>&1; then
	cat "$out/man.log"
	n=$(grep -vc '^\[' "$out/man.log" || true)
	problems=$((problems + (n > 0 ? n : 1)))
else
	pretty "man pages: clean"
fi

if [ "$problems" -ne 0 ]; then
	pretty "FAIL: $problems findings (logs in build/lint/)"
	exit 1
fi
pretty "all clean"
