// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox host tests: the mock /dev/msgbox. open() and ioctl() are
 * defined here, so the library's calls land here; see msgbox_lib_test.c.
 */
#include "lib_test.h"

int mock_on;
int mock_fd = -1;
int opens, last_oflags;
int ioctls;
unsigned long last_cmd;

union mock_last last;
int (*hook)(unsigned long cmd, void *arg);

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (mock_on && !strcmp(path, MSGBOX_DEVICE)) {
		opens++;
		last_oflags = flags;
		mock_fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", flags, 0);
		return mock_fd;
	}
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (!mock_on || fd != mock_fd)
		return syscall(SYS_ioctl, fd, cmd, arg);

	ioctls++;
	last_cmd = cmd;
	memset(&last, 0, sizeof(last));
	memcpy(&last, arg, _IOC_SIZE(cmd));
	ret = hook ? hook(cmd, arg) : 0;
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

void reset(int (*h)(unsigned long, void *))
{
	mock_on = 1;
	mock_fd = -1;
	opens = ioctls = 0;
	last_oflags = -1;
	last_cmd = 0;
	hook = h;
}

int fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
