// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox-mq - mq_open(), mq_close(), mq_unlink(), mq_send(),
 * mq_receive(), their timed forms, mq_getattr() and mq_setattr() over the
 * ioctls of <linux/msgbox.h>. mq_notify() is in notify.c, the descriptor
 * primitives both use in desc.c.
 *
 * Linux's own order of checks is kept (ipc/mqueue.c and glibc): a timeout
 * is validated before anything else, then the priority, then the
 * descriptor, then the length, and only then is the queue touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "desc.h"
#include "mq_internal.h"
#include "names.h"
#include "notify.h"

static int fail(int err)
{
	errno = -err;
	return -1;
}

/*
 * Check a queue name as glibc and the kernel do and return the mailbox name
 * in @mbname: no leading '/' is EINVAL; "/" alone is ENOENT (the kernel
 * sees an empty path); another '/', "/." and "/.." are EACCES (what
 * lookup_one_len() says); more than NAME_MAX bytes is ENAMETOOLONG.
 */
static int name_check(const char *name, const char **mbname)
{
	const char *p;

	if (!name || name[0] != '/')
		return -EINVAL;
	p = name + 1;
	if (!*p)
		return -ENOENT;
	if (strchr(p, '/') || !strcmp(p, ".") || !strcmp(p, ".."))
		return -EACCES;
	if (strnlen(p, MSGBOX_NAME_MAX + 1) > MSGBOX_NAME_MAX)
		return -ENAMETOOLONG;
	*mbname = p;
	return 0;
}

/* A module parameter, or @def when it cannot be read. */
static unsigned long param_read(const char *param, unsigned long def)
{
	char path[128], buf[32];
	unsigned long val;
	ssize_t len;
	char *end;
	int fd;

	snprintf(path, sizeof(path), MSGBOX_MQ_PARAM_DIR "/%s", param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return def;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return def;
	buf[len] = '\0';
	errno = 0;
	val = strtoul(buf, &end, 10);
	if (errno || end == buf)
		return def;
	return val;
}

/*
 * Linux uses min(msg_default, msg_max) and min(msgsize_default,
 * msgsize_max) when attr is NULL; the module parameters are msgbox's
 * msg_max and msgsize_max.
 */
static void attr_default(struct msgbox_open_args *args)
{
	unsigned long max;

	args->capacity = MSGBOX_MQ_DEF_MAXMSG;
	max = param_read("max_capacity", ULONG_MAX);
	if (max && max < args->capacity)
		args->capacity = max;

	args->max_msg_size = MSGBOX_MQ_DEF_MSGSIZE;
	max = param_read("max_msg_size", ULONG_MAX);
	if (max && max < args->max_msg_size)
		args->max_msg_size = max;
}

static bool attr_fits(const struct mq_attr *attr)
{
	return attr->mq_maxmsg > 0 && attr->mq_msgsize > 0 &&
	       (unsigned long)attr->mq_maxmsg <= UINT32_MAX &&
	       (unsigned long)attr->mq_msgsize <= UINT32_MAX;
}

/*
 * Open an existing queue after creation was refused for its attributes or
 * name: Linux checks the attributes only when it really creates a queue,
 * so O_CREAT with bad attributes still opens one that exists (and O_EXCL
 * then fails with EEXIST, as existence is checked first).
 */
static int open_existing(const char *mbname, int oflag, int create_err)
{
	struct msgbox_open_args args;
	int fd;

	memset(&args, 0, sizeof(args));
	fd = msgbox_mq_bind(mbname, oflag, &args);
	if (fd == -ENOENT || fd == -EINVAL)
		return create_err;
	if (fd >= 0 && (oflag & O_EXCL)) {
		close(fd);
		return -EEXIST;
	}
	return fd;
}

static int do_open(const char *name, int oflag, mode_t mode,
		   const struct mq_attr *attr)
{
	struct msgbox_open_args args;
	const char *mbname;
	int fd, err;

	err = name_check(name, &mbname);
	if (err)
		return err;
	if ((oflag & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;

	memset(&args, 0, sizeof(args));
	if (oflag & O_CREAT) {
		if (attr && !attr_fits(attr)) {
			fd = open_existing(mbname, oflag, -EINVAL);
			goto out;
		}
		args.flags = MSGBOX_OPEN_CREATE;
		/* Without O_CREAT Linux ignores O_EXCL; msgbox would refuse it. */
		if (oflag & O_EXCL)
			args.flags |= MSGBOX_OPEN_EXCL;
		if (attr) {
			args.capacity = (uint32_t)attr->mq_maxmsg;
			args.max_msg_size = (uint32_t)attr->mq_msgsize;
		} else {
			attr_default(&args);
		}
		args.mode = mode & 0777;
	}

	fd = msgbox_mq_bind(mbname, oflag, &args);
	if (fd == -EINVAL) {
		/*
		 * Attributes above the module's limits, or a name msgbox cannot
		 * hold (bytes below 0x21 or 0x7f): such a queue can only be
		 * opened if it exists, and cannot exist in the second case.
		 */
		fd = oflag & O_CREAT ? open_existing(mbname, oflag, -EINVAL) :
				       -ENOENT;
	}
	/* Over the creator's quota: Linux says EMFILE for RLIMIT_MSGQUEUE. */
	if (fd == -EDQUOT)
		fd = -EMFILE;
out:
	if (fd >= 0)
		msgbox_mq_names_set(fd, mbname);
	return fd;
}

MQ_EXPORT mqd_t mq_open(const char *name, int oflag, ...)
{
	struct mq_attr *attr = NULL;
	mode_t mode = 0;
	int ret;

	if (oflag & O_CREAT) {
		va_list ap;

		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}

	ret = do_open(name, oflag, mode, attr);
	return ret < 0 ? fail(ret) : ret;
}

/* What programs built with _FORTIFY_SOURCE call for a two-argument mq_open(). */
MQ_EXPORT mqd_t __mq_open_2(const char *name, int oflag)
{
	int ret;

	if (oflag & O_CREAT) {
		fputs("invalid mq_open call: O_CREAT without mode and attr\n",
		      stderr);
		abort();
	}
	ret = do_open(name, oflag, 0, NULL);
	return ret < 0 ? fail(ret) : ret;
}

MQ_EXPORT int mq_close(mqd_t mqdes)
{
	char *mbname;
	int err;

	/*
	 * Linux removes the caller's notification registration on any close
	 * of the queue (mqueue_flush_file()); the module only when the
	 * registering file goes away, so remove it here. A descriptor that
	 * is no queue is left open.
	 */
	mbname = msgbox_mq_names_take(mqdes);
	err = msgbox_mq_notify_drop(mqdes, mbname);
	free(mbname);
	if (err && err != -EIDRM)
		return fail(err);

	/* Linux releases the descriptor even when close() says EINTR. */
	if (close(mqdes) < 0 && errno != EINTR)
		return -1;
	return 0;
}

MQ_EXPORT int mq_unlink(const char *name)
{
	const char *mbname;
	int fd, err;

	err = name_check(name, &mbname);
	if (err)
		return fail(err);

	fd = msgbox_mq_dev_open(O_RDONLY);
	if (fd < 0)
		return fail(fd);
	/* Only the name goes: open descriptors keep the queue until closed. */
	err = msgbox_sys_destroy(fd, mbname, MSGBOX_DESTROY_UNLINK);
	close(fd);

	/* POSIX: EACCES for "not allowed"; a name msgbox rejects never exists. */
	if (err == -EPERM)
		err = -EACCES;
	else if (err == -EINVAL)
		err = -ENOENT;
	return err < 0 ? fail(err) : 0;
}

static int do_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
		   unsigned int msg_prio, const struct timespec *abs_timeout)
{
	struct msgbox_send_args args;
	int err;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	if (abs_timeout) {
		err = msgbox_deadline_realtime(abs_timeout, &args.deadline_ns);
		if (err)
			return err;
		args.flags |= MSGBOX_SEND_DEADLINE;
	}
	if (msg_prio >= MQ_PRIO_MAX)
		return -EINVAL;

	args.buf = msgbox_sys_ptr(msg_ptr);
	/* Beyond any mailbox's maximum either way: still EMSGSIZE. */
	args.len = msg_len > UINT32_MAX ? UINT32_MAX : (uint32_t)msg_len;
	args.prio = msg_prio;
	err = msgbox_sys_ioctl(mqdes, MSGBOX_IOC_SEND, &args);
	return err < 0 ? msgbox_mq_fd_err(err) : 0;
}

MQ_EXPORT int mq_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
		      unsigned int msg_prio)
{
	int err = do_send(mqdes, msg_ptr, msg_len, msg_prio, NULL);

	return err ? fail(err) : 0;
}

MQ_EXPORT int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
			   unsigned int msg_prio,
			   const struct timespec *abs_timeout)
{
	int err = do_send(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);

	return err ? fail(err) : 0;
}

static ssize_t do_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
			  unsigned int *msg_prio,
			  const struct timespec *abs_timeout)
{
	struct msgbox_recv_args args;
	struct msgbox_stat_args st;
	int ret, fl;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	if (abs_timeout) {
		ret = msgbox_deadline_realtime(abs_timeout, &args.deadline_ns);
		if (ret)
			return ret;
		args.flags |= MSGBOX_RECV_DEADLINE;
	}

	/*
	 * POSIX wants EMSGSIZE whenever the buffer is smaller than
	 * mq_msgsize, queue empty or not, but only after EBADF for a
	 * descriptor not open for reading.
	 */
	ret = msgbox_mq_stat(mqdes, &st);
	if (ret)
		return ret;
	if (msg_len < st.max_msg_size) {
		fl = fcntl(mqdes, F_GETFL);
		if (fl < 0)
			return -errno;
		return (fl & O_ACCMODE) == O_WRONLY ? -EBADF : -EMSGSIZE;
	}

	args.buf = msgbox_sys_ptr(msg_ptr);
	args.buf_len = msg_len > UINT32_MAX ? UINT32_MAX : (uint32_t)msg_len;
	ret = msgbox_sys_ioctl(mqdes, MSGBOX_IOC_RECV, &args);
	if (ret < 0)
		return msgbox_mq_fd_err(ret);
	if (msg_prio)
		*msg_prio = args.prio;
	return ret;
}

MQ_EXPORT ssize_t mq_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
			     unsigned int *msg_prio)
{
	ssize_t ret = do_receive(mqdes, msg_ptr, msg_len, msg_prio, NULL);

	return ret < 0 ? fail((int)ret) : ret;
}

MQ_EXPORT ssize_t mq_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
				  unsigned int *msg_prio,
				  const struct timespec *abs_timeout)
{
	ssize_t ret = do_receive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);

	return ret < 0 ? fail((int)ret) : ret;
}

/* mq_getsetattr(2): only O_NONBLOCK of the descriptor can change. */
static int do_getsetattr(mqd_t mqdes, const struct mq_attr *newattr,
			 struct mq_attr *oldattr)
{
	struct msgbox_stat_args st;
	int err, fl;

	if (newattr && (newattr->mq_flags & ~(long)O_NONBLOCK))
		return -EINVAL;
	err = msgbox_mq_stat(mqdes, &st);
	if (err)
		return err;
	fl = fcntl(mqdes, F_GETFL);
	if (fl < 0)
		return -errno;

	if (oldattr) {
		memset(oldattr, 0, sizeof(*oldattr));
		oldattr->mq_flags = fl & O_NONBLOCK;
		oldattr->mq_maxmsg = st.capacity;
		oldattr->mq_msgsize = st.max_msg_size;
		oldattr->mq_curmsgs = st.msgs;
	}
	if (newattr) {
		fl = (fl & ~O_NONBLOCK) | (newattr->mq_flags & O_NONBLOCK);
		if (fcntl(mqdes, F_SETFL, fl) < 0)
			return -errno;
	}
	return 0;
}

MQ_EXPORT int mq_getattr(mqd_t mqdes, struct mq_attr *mqstat)
{
	/* glibc: mq_setattr(mqdes, NULL, mqstat); NULL only checks mqdes. */
	int err = do_getsetattr(mqdes, NULL, mqstat);

	return err ? fail(err) : 0;
}

MQ_EXPORT int mq_setattr(mqd_t mqdes, const struct mq_attr *mqstat,
			 struct mq_attr *omqstat)
{
	int err = do_getsetattr(mqdes, mqstat, omqstat);

	return err ? fail(err) : 0;
}
