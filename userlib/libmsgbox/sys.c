// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls into the module shared by libmsgbox and libmsgbox-mq; see sys.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "msgbox.h"
#include "sys.h"

int msgbox_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int msgbox_sys_open(int oflags)
{
	int fd = open(MSGBOX_DEVICE, oflags);

	return fd < 0 ? -errno : fd;
}

int msgbox_sys_bind(int fd, struct msgbox_open_args *args)
{
	int ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_OPEN, args);

	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int msgbox_sys_destroy(int fd, const char *name, uint32_t flags)
{
	struct msgbox_destroy_args args;
	int ret;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = flags;
	args.name = msgbox_sys_ptr(name);
	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_DESTROY, &args);
	return ret < 0 ? ret : 0;
}
