# SPDX-License-Identifier: GPL-2.0
#
# msgbox: kernel module, userspace library and selftests.
#
#   make                 check build dependencies, build msgbox.ko, userlib,
#                        the examples and the selftests
#   make module          msgbox.ko against $(KDIR) (kbuild reads ./Kbuild)
#   make lib             userlib: libmsgbox.a/.so, msgbox.pc, libmsgbox-mq,
#                        libmsgbox-rpc (ONC RPC over msgbox), the msgbox
#                        command-line tool
#   make examples        examples/: msgbox-hello, msgbox-demo, rpc/ (kv.x
#                        over msgbox, TCP and UDP)
#   make selftests       selftests/msgbox (static programs)
#   make run             boot a VM, load msgbox.ko, run msgbox-hello,
#                        msgbox-demo and the RPC example (examples/rpc)
#   make check-lib       host tests of libmsgbox against a mock device
#                        (no module, no VM), 64- and 32-bit
#   make check           boot a VM, run every selftest, unload the module;
#                        last line "N passed, N failed, N skipped"
#   make check-all       make check on the newest 6.1 and 6.12 cloud kernels
#   make check-debug     make check, a stress and a fuzz run under a debug
#                        kernel (KASAN, lockdep, kmemleak, UBSAN, failslab)
#                        built from linux-source-6.1; "N splats, N leaks"
#   make bench           msgbox against pipes, Unix sockets, POSIX mq, SysV
#                        queues and a futex floor, one VM run (BENCH_ARGS=)
#   make bench-profile   64 B round trips on one vCPU (mq, msgbox, calls)
#                        under perf in the VM: where their time goes
#   make bridge          bridge/msgbox-bridge, mailboxes across hosts over
#                        RabbitMQ (needs librabbitmq-dev)
#   make check-net       two VMs, a broker on loopback, the bridge on each:
#                        kills, broker restarts, cut connections, corrupted
#                        payloads, back-pressure, calls across hosts; last
#                        line "N passed, N failed"
#   make bench-net       the bridge against rabbitmq-c between two VMs: msgs/s
#                        and 64 B round trips, reliable and best-effort
#   make lint            sparse (C=2) + W=1 build, checkpatch --strict,
#                        libmsgbox-rpc's warnings, header and exports,
#                        and lint-man
#   make lint-man        the libraries' man pages: groff warnings, sections,
#                        a page for every symbol of libmsgbox.map and
#                        libmsgbox-rpc.map
#   make install         module, udev rule, library, header, pkg-config file
#                        and man pages (DESTDIR, PREFIX); make uninstall
#   make dkms-check      dkms add/build/install/remove against KVER's headers
#   make clean
#
# Variables: KVER (kernel release; default: newest installed 6.1 cloud
# kernel, see scripts/kver.sh), KDIR (default /lib/modules/$(KVER)/build),
# W (kbuild extra warnings), TEST_TIMEOUT, VM_TIMEOUT (see scripts/check.sh
# and scripts/vm.sh).
#
# Two passes. The default kernel release is the newest one installed, and
# on a fresh machine none is until scripts/deps.sh has run; so every goal
# but the ones below first runs deps.sh and then makes the same goals again
# in a sub-make (MSGBOX_DEPS_DONE=1), which computes KVER from what is
# installed by then.

no_deps_goals := deps clean module-clean uninstall
goals := $(or $(MAKECMDGOALS),all)

ifeq ($(MSGBOX_DEPS_DONE)$(if $(filter-out $(no_deps_goals),$(goals)),,none),)

$(goals): deps-then-make
	@:

deps-then-make:
	@$(CURDIR)/scripts/deps.sh
	+@$(MAKE) --no-print-directory MSGBOX_DEPS_DONE=1 $(MAKECMDGOALS)

.PHONY: $(goals) deps-then-make

else

ifeq ($(KVER),)
KVER := $(shell $(CURDIR)/scripts/kver.sh $(if $(MSGBOX_DEPS_DONE),,2>/dev/null))
endif
KDIR ?= /lib/modules/$(KVER)/build
export KVER

KSFT_DIR := $(CURDIR)/build/ksft

all: module lib examples selftests

deps:
	@$(CURDIR)/scripts/deps.sh

kdir-check:
	@test -n "$(KVER)" || { echo "No kernel release: set KVER" >&2; exit 1; }
	@test -f "$(KDIR)/Makefile" || { \
		echo "No kernel build tree at $(KDIR):" \
		     "apt-get install linux-headers-$(KVER)" >&2; exit 1; }

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) modules

lib:
	$(MAKE) -C userlib

examples: lib
	$(MAKE) -C examples

ksft:
	@$(CURDIR)/scripts/ksft.sh $(CURDIR)/build

selftests: lib ksft
	$(MAKE) -C selftests/msgbox KSFT_DIR=$(KSFT_DIR)

run: all
	$(CURDIR)/scripts/vm.sh -m $(CURDIR)/msgbox.ko \
		-f $(CURDIR)/examples/msgbox-hello:/bin/msgbox-hello \
		-f $(CURDIR)/examples/msgbox-demo:/bin/msgbox-demo \
		$$($(MAKE) -s --no-print-directory -C examples/rpc print-vm-files | \
		   sed 's/^/-f /') \
		-c '/bin/msgbox-hello && /bin/msgbox-demo && sh /bin/kv-run.sh'

check: all
	@$(CURDIR)/scripts/check.sh

check-lib:
	$(MAKE) -C selftests/msgbox/lib run

lint: kdir-check ksft
	@KDIR=$(KDIR) $(CURDIR)/scripts/lint.sh

lint-man:
	@$(CURDIR)/scripts/man-lint.sh

check-all:
	@$(CURDIR)/scripts/check-all.sh

# Everything again under a KASAN/lockdep/kmemleak/UBSAN kernel, plus the
# stress and fuzz programs (the kernel is built once, in build/).
check-debug: lib ksft
	@$(CURDIR)/scripts/debug/check-debug.sh

# The bridge and its two-VM test; their packages are installed here only.
NET_DEPS := rabbitmq-server librabbitmq-dev socat

bridge: lib
	@$(CURDIR)/scripts/deps.sh $(NET_DEPS)
	$(MAKE) -C bridge

check-net: module lib
	@$(CURDIR)/scripts/deps.sh $(NET_DEPS)
	$(MAKE) -C bridge all bridge-unit
	$(MAKE) -C selftests/net
	@$(CURDIR)/selftests/net/net-check.sh

bench-net: module lib
	@$(CURDIR)/scripts/deps.sh $(NET_DEPS)
	$(MAKE) -C bench/net run

# msgbox against its peers in one VM run; options in BENCH_ARGS.
bench: module lib examples
	$(MAKE) -C bench run

# Where a round trip's time goes on one vCPU: mq, msgbox, calls, under perf.
bench-profile: module lib
	$(MAKE) -C bench profile

PREFIX ?= /usr/local
MODDIR := /lib/modules/$(KVER)/extra
UDEVDIR := /lib/udev/rules.d

install: all
	install -D -m 644 msgbox.ko $(DESTDIR)$(MODDIR)/msgbox.ko
	install -D -m 644 scripts/60-msgbox.rules $(DESTDIR)$(UDEVDIR)/60-msgbox.rules
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); \
	else echo "DESTDIR set: run depmod -a $(KVER) on the target"; fi
	$(MAKE) -C userlib install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/msgbox.ko $(DESTDIR)$(UDEVDIR)/60-msgbox.rules
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi
	$(MAKE) -C userlib uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

dkms-check: kdir-check
	@$(CURDIR)/scripts/deps.sh dkms
	@KVER=$(KVER) $(CURDIR)/scripts/dkms.sh

module-clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

clean: module-clean
	$(MAKE) -C userlib clean
	$(MAKE) -C examples clean
	$(MAKE) -C bench clean
	$(MAKE) -C bridge clean
	$(MAKE) -C bench/net clean
	$(MAKE) -C selftests/net clean
	$(MAKE) -C selftests/msgbox/lib clean
	$(MAKE) -C selftests/msgbox KSFT_DIR=$(KSFT_DIR) clean
	rm -rf build

.PHONY: all deps kdir-check module lib examples ksft selftests run check check-lib check-all \
	check-debug bench bench-profile lint lint-man bridge check-net bench-net \
	install uninstall dkms-check module-clean clean

endif
