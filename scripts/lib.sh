# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared preamble of the msgbox scripts. Sourced, never run:
#
#   . "$(dirname "$0")/lib.sh" TAG [COLOUR]        (from scripts/)
#   . "$(dirname "$0")/../lib.sh" TAG [COLOUR]     (from scripts/debug/ etc.)
#
# Sets:
#   top      the repository's top directory (absolute), found from this
#            file's own place, whatever the caller's working directory
#   pretty   pretty MESSAGE...: "[TAG] MESSAGE" on stderr, the tag in the
#            ANSI colour COLOUR (34 blue by default, 35 magenta, ...) when
#            stderr is a terminal, plain otherwise (logs, CI)
#   die      die MESSAGE...: pretty "error: MESSAGE", exit 1; a script that
#            needs another status or a last line of its own redefines it
#
# It sets no shell options: each script says "set -e" (and more) itself.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

msgbox_log_tag=${1:?lib.sh: a log tag is needed}
if [ -t 2 ]; then
	msgbox_log_colour=${2:-34}
else
	msgbox_log_colour=
fi

pretty() {
	if [ -n "$msgbox_log_colour" ]; then
		printf '\033[1;%sm[%s]\033[0m %s\n' "$msgbox_log_colour" "$msgbox_log_tag" "$*" >&2
	else
		printf '[%s] %s\n' "$msgbox_log_tag" "$*" >&2
	fi
}

die() {
	pretty "error: $*"
	exit 1
}
