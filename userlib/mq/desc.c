// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Queue descriptors: opening and binding one, its mailbox's attributes, and
 * the POSIX error for a descriptor that is not a queue. mq.c and notify.c
 * both build on these; the device and ioctl calls themselves are
 * libmsgbox's (sys.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "desc.h"

int msgbox_mq_fd_err(int err)
{
	return err == -ENOTTY || err == -ENOTCONN ? -EBADF : err;
}

int msgbox_mq_stat(int fd, struct msgbox_stat_args *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	err = msgbox_sys_ioctl(fd, MSGBOX_IOC_STAT, st);
	return err < 0 ? msgbox_mq_fd_err(err) : 0;
}

int msgbox_mq_dev_open(int oflag)
{
	int fd = msgbox_sys_open((oflag & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);

	/* No device: this system has no msgbox message queues. */
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
		return -ENOSYS;
	return fd;
}

int msgbox_mq_bind(const char *mbname, int oflag, struct msgbox_open_args *args)
{
	int fd = msgbox_mq_dev_open(oflag);

	if (fd < 0)
		return fd;
	args->size = sizeof(*args);
	args->name = msgbox_sys_ptr(mbname);
	return msgbox_sys_bind(fd, args);
}
