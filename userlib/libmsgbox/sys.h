/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: calls into the module shared by libmsgbox and libmsgbox-mq
 *
 * Both libraries reach the module the same way: open /dev/msgbox, bind the
 * descriptor with MSGBOX_IOC_OPEN, make ioctls that return a negative errno
 * on failure. These helpers are that way, written once. They are internal:
 * hidden in libmsgbox.so and libmsgbox-mq.so, which link this object
 * (sys.o) in, and not part of <msgbox.h> or of any symbol version.
 */
#ifndef _MSGBOX_SYS_H
#define _MSGBOX_SYS_H

#include <stdint.h>
#include <linux/msgbox.h>

#define MSGBOX_INTERNAL	__attribute__((visibility("hidden")))

static inline uint64_t msgbox_sys_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/**
 * msgbox_sys_ioctl() - ioctl(2) with the error as the return value
 * @fd: the descriptor
 * @cmd: the MSGBOX_IOC_* command
 * @arg: its argument
 *
 * Return: what the ioctl returned, or a negative errno.
 */
MSGBOX_INTERNAL int msgbox_sys_ioctl(int fd, unsigned long cmd, void *arg);

/**
 * msgbox_sys_open() - open /dev/msgbox
 * @oflags: open(2) flags, passed as they are
 *
 * Return: the descriptor, or a negative errno of open(2).
 */
MSGBOX_INTERNAL int msgbox_sys_open(int oflags);

/**
 * msgbox_sys_bind() - bind a /dev/msgbox descriptor with MSGBOX_IOC_OPEN
 * @fd: a descriptor from msgbox_sys_open(), consumed: closed on failure
 * @args: the ioctl's arguments, filled in by the caller
 *
 * Return: @fd, or a negative errno of the ioctl (with @fd closed).
 */
MSGBOX_INTERNAL int msgbox_sys_bind(int fd, struct msgbox_open_args *args);

/**
 * msgbox_sys_destroy() - MSGBOX_IOC_DESTROY
 * @fd: a /dev/msgbox descriptor (bound, for MSGBOX_DESTROY_BOUND)
 * @name: the mailbox name, or NULL with MSGBOX_DESTROY_BOUND
 * @flags: MSGBOX_DESTROY_* bits
 *
 * Return: 0, or a negative errno of the ioctl.
 */
MSGBOX_INTERNAL int msgbox_sys_destroy(int fd, const char *name,
				       uint32_t flags);

#endif /* _MSGBOX_SYS_H */
