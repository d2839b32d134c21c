# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The project's one version, for the libraries' sonames, msgbox.pc and
# msgbox_version(): VERSION (e.g. 1.2.0) and MAJOR (1). Included with
# TOPDIR set to the top of the tree.

VERSION		:= $(shell cat $(TOPDIR)/VERSION 2>/dev/null)
ifeq ($(VERSION),)
ifneq ($(MAKECMDGOALS),clean)
$(error $(TOPDIR)/VERSION is missing or empty)
endif
endif
MAJOR		:= $(firstword $(subst ., ,$(VERSION)))
