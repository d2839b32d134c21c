// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox - the functions of msgbox.h over the ioctls of <linux/msgbox.h>.
 *
 * Every argument structure is zeroed and its size set to sizeof() before the
 * ioctl, so reserved fields and the tail of a grown structure are always
 * zero. Relative timeouts become absolute CLOCK_MONOTONIC deadlines here,
 * once (deadline.c), so a call restarted after a signal does not wait
 * longer than asked. The device and ioctl calls are those of sys.c, which
 * libmsgbox-mq shares.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msgbox.h"
#include "deadline.h"
#include "recv.h"
#include "sys.h"

#ifndef MSGBOX_VERSION
#error "MSGBOX_VERSION must be defined by the build"
#endif

/* open(2) flags msgbox_open() understands; O_ACCMODE itself is checked apart. */
#define OPEN_OFLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC)
#define DEV_OFLAGS	(O_ACCMODE | O_NONBLOCK | O_CLOEXEC)

#define SO_FLAGS	(MSGBOX_SO_TO_PID | MSGBOX_SO_TIMEOUT | MSGBOX_SO_KEY | \
			 MSGBOX_SO_CSUM | MSGBOX_SO_ACK)
#define RO_FLAGS	(MSGBOX_RO_PEEK | MSGBOX_RO_FROM_PID | MSGBOX_RO_TIMEOUT)
#define ATTR_FLAGS	(MSGBOX_ATTR_DEDUP)

static int attr_check(const struct msgbox_attr *attr)
{
	return attr && (attr->flags & ~ATTR_FLAGS) ? -EINVAL : 0;
}

static void attr_fill(struct msgbox_open_args *args, const struct msgbox_attr *attr)
{
	if (!attr) {
		args->capacity = MSGBOX_DEFAULT_CAPACITY;
		args->max_msg_size = MSGBOX_DEFAULT_MSG_SIZE;
		args->mode = MSGBOX_DEFAULT_MODE;
		return;
	}
	args->capacity = attr->capacity;
	args->max_msg_size = attr->max_msg_size;
	args->mode = attr->mode;
	if (attr->flags & MSGBOX_ATTR_DEDUP)
		args->flags |= MSGBOX_OPEN_DEDUP;
}

static int dev_open(int oflags)
{
	return msgbox_sys_open(oflags & DEV_OFLAGS);
}

/* Bind a fresh descriptor with @args; the descriptor is closed on failure. */
static int dev_open_bind(int oflags, struct msgbox_open_args *args)
{
	int fd = dev_open(oflags);

	return fd < 0 ? fd : msgbox_sys_bind(fd, args);
}

const char *msgbox_version(void)
{
	return MSGBOX_VERSION;
}

int msgbox_dev_open(int oflags)
{
	if ((oflags & ~DEV_OFLAGS) || (oflags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	return dev_open(oflags);
}

int msgbox_open(const char *name, int oflags, const struct msgbox_attr *attr)
{
	struct msgbox_open_args args;

	if (!name || (oflags & ~OPEN_OFLAGS) ||
	    (oflags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (attr_check(attr))
		return -EINVAL;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.name = msgbox_sys_ptr(name);
	if (oflags & O_CREAT) {
		args.flags |= MSGBOX_OPEN_CREATE;
		attr_fill(&args, attr);
	}
	/* Alone, O_EXCL goes to the kernel, which rejects it. */
	if (oflags & O_EXCL)
		args.flags |= MSGBOX_OPEN_EXCL;

	return dev_open_bind(oflags, &args);
}

int msgbox_create(const char *name, const struct msgbox_attr *attr, int oflags)
{
	return msgbox_open(name, oflags | O_CREAT | O_EXCL, attr);
}

int msgbox_port(const struct msgbox_attr *attr, int oflags)
{
	struct msgbox_open_args args;

	if ((oflags & ~(O_NONBLOCK | O_CLOEXEC | O_ACCMODE)) ||
	    ((oflags & O_ACCMODE) != O_RDONLY && (oflags & O_ACCMODE) != O_RDWR))
		return -EINVAL;
	if (attr_check(attr))
		return -EINVAL;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = MSGBOX_OPEN_PORT;
	attr_fill(&args, attr);

	return dev_open_bind((oflags & ~O_ACCMODE) | O_RDWR, &args);
}

int msgbox_close(int fd)
{
	/*
	 * Linux releases the descriptor even when close() is interrupted;
	 * reporting EINTR would only invite a retry that may close a
	 * descriptor another thread has just been given.
	 */
	if (close(fd) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* MSGBOX_IOC_DESTROY of the mailbox called @name, with @flags. */
static int destroy_name(const char *name, uint32_t flags)
{
	int fd, ret;

	if (!name)
		return -EINVAL;

	fd = dev_open(O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = msgbox_sys_destroy(fd, name, flags);
	close(fd);
	return ret;
}

int msgbox_destroy(const char *name)
{
	return destroy_name(name, 0);
}

int msgbox_unlink(const char *name)
{
	return destroy_name(name, MSGBOX_DESTROY_UNLINK);
}

int msgbox_destroy_fd(int fd)
{
	return msgbox_sys_destroy(fd, NULL, MSGBOX_DESTROY_BOUND);
}

/* Plain send arguments for @len bytes at @buf; @len fits in 32 bits. */
static void send_args_init(struct msgbox_send_args *args, const void *buf,
			   size_t len)
{
	memset(args, 0, sizeof(*args));
	args->size = sizeof(*args);
	args->buf = msgbox_sys_ptr(buf);
	args->len = (uint32_t)len;
}

/* MSGBOX_IOC_SEND: 0 or -errno. */
static int send_ioctl(int fd, struct msgbox_send_args *args)
{
	int ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_SEND, args);

	return ret < 0 ? ret : 0;
}

/* msgbox_sendx(), with a token when @token is not NULL. */
static int sendx(int fd, const void *buf, size_t len,
		 const struct msgbox_send_opts *opts, const uint64_t *token,
		 struct msgbox_send_info *info)
{
	struct msgbox_send_args args;
	int ret;

	/* No mailbox can hold more than the 32-bit length field allows. */
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	send_args_init(&args, buf, len);
	if (token) {
		args.flags |= MSGBOX_SEND_TOKEN;
		args.token = *token;
	}

	if (opts) {
		if (opts->flags & ~SO_FLAGS)
			return -EINVAL;
		args.prio = opts->prio;
		if (opts->flags & MSGBOX_SO_TO_PID) {
			args.flags |= MSGBOX_SEND_TO_PID;
			args.pid = opts->pid;
		}
		if (opts->flags & MSGBOX_SO_TIMEOUT) {
			ret = msgbox_deadline_after(&opts->timeout, &args.deadline_ns);
			if (ret)
				return ret;
			args.flags |= MSGBOX_SEND_DEADLINE;
		}
		if (opts->flags & MSGBOX_SO_KEY) {
			args.flags |= MSGBOX_SEND_KEY;
			args.key = opts->key;
		}
		if (opts->flags & MSGBOX_SO_CSUM) {
			args.flags |= MSGBOX_SEND_CSUM;
			args.csum = msgbox_crc32c(buf, len);
		}
		if (opts->flags & MSGBOX_SO_ACK)
			args.flags |= MSGBOX_SEND_ACK;
	}
	/* Nobody reads the id and result: the kernel need not write them. */
	if (!info)
		args.flags |= MSGBOX_SEND_NORESULT;

	ret = send_ioctl(fd, &args);
	if (ret < 0)
		return ret;

	if (info) {
		info->id = args.id;
		info->duplicate = !!(args.result & MSGBOX_SENT_DUPLICATE);
		info->delivered = !!(args.result & MSGBOX_SENT_DELIVERED);
	}
	return 0;
}

int msgbox_sendx(int fd, const void *buf, size_t len,
		 const struct msgbox_send_opts *opts,
		 struct msgbox_send_info *info)
{
	return sendx(fd, buf, len, opts, NULL, info);
}

int msgbox_sendx_token(int fd, const void *buf, size_t len,
		       const struct msgbox_send_opts *opts, uint64_t token,
		       struct msgbox_send_info *info)
{
	return sendx(fd, buf, len, opts, &token, info);
}

/*
 * The plain send and receive are what most programs call, once per message:
 * they fill their arguments in place and make the system call themselves,
 * without going through the option handling of msgbox_sendx() and
 * msgbox_recvx().
 */
int msgbox_send(int fd, const void *buf, size_t len, unsigned int prio)
{
	struct msgbox_send_args args;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	send_args_init(&args, buf, len);
	args.flags = MSGBOX_SEND_NORESULT;
	args.prio = prio;
	return send_ioctl(fd, &args);
}

int msgbox_send_to(int fd, pid_t pid, const void *buf, size_t len,
		   unsigned int prio)
{
	struct msgbox_send_opts opts = {
		.flags = MSGBOX_SO_TO_PID,
		.prio = prio,
		.pid = pid,
	};

	return msgbox_sendx(fd, buf, len, &opts, NULL);
}

int msgbox_recvx(int fd, void *buf, size_t len,
		 const struct msgbox_recv_opts *opts,
		 struct msgbox_msg_info *info)
{
	struct msgbox_recv_args args;
	int ret;

	msgbox_recv_args_init(&args, buf, len);

	if (opts) {
		if (opts->flags & ~RO_FLAGS)
			return -EINVAL;
		if (opts->flags & MSGBOX_RO_PEEK)
			args.flags |= MSGBOX_RECV_PEEK;
		if (opts->flags & MSGBOX_RO_FROM_PID) {
			args.flags |= MSGBOX_RECV_FROM_PID;
			args.from_pid = opts->pid;
		}
		if (opts->flags & MSGBOX_RO_TIMEOUT) {
			ret = msgbox_deadline_after(&opts->timeout, &args.deadline_ns);
			if (ret)
				return ret;
			args.flags |= MSGBOX_RECV_DEADLINE;
		}
	}

	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_RECV, &args);
	if (ret == -EMSGSIZE && info)
		info->len = args.len;
	if (ret < 0)
		return ret;

	if (info)
		msgbox_msg_info_fill(info, &args);

	if (msgbox_recv_csum_bad(buf, len, ret, &args)) {
		if (info)
			info->has_csum = 0;
		return -EBADMSG;
	}
	return ret;
}

int msgbox_recv(int fd, void *buf, size_t len, unsigned int *prio)
{
	struct msgbox_recv_args args;
	int ret;

	msgbox_recv_args_init(&args, buf, len);
	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_RECV, &args);
	if (ret < 0)
		return ret;
	if (msgbox_recv_csum_bad(buf, len, ret, &args))
		return -EBADMSG;
	if (prio)
		*prio = args.prio;
	return ret;
}

/*
 * The structures a caller passes are those of the symbol version it was
 * linked against: msgbox_stat@MSGBOX_1.0 writes the MSGBOX_STAT_SIZE_VER0
 * bytes of the structure as it was then, whatever header this library was
 * built with, and asks the kernel for no more. A structure that grows gets
 * a new symbol version with the new size, the old one staying as it is,
 * so that a program built before never has more written than it holds.
 * The library's own option and info structures are fixed alike: checked
 * here, so that none changes size without a new symbol version.
 */
_Static_assert(sizeof(struct msgbox_stat_args) == MSGBOX_STAT_SIZE_VER1,
	       "msgbox_stat@@MSGBOX_1.2 writes the second version");
_Static_assert(MSGBOX_STAT_SIZE_VER0 < MSGBOX_STAT_SIZE_VER1,
	       "msgbox_stat@MSGBOX_1.0 writes the first version");
_Static_assert(sizeof(struct msgbox_attr) == 16, "MSGBOX_1.0 layout");
_Static_assert(sizeof(struct msgbox_send_info) == 16, "MSGBOX_1.0 layout");
_Static_assert(sizeof(struct msgbox_send_opts) ==
	       (sizeof(long) == 8 ? 40 : 28), "MSGBOX_1.0 layout");
_Static_assert(sizeof(struct msgbox_recv_opts) ==
	       (sizeof(long) == 8 ? 24 : 16), "MSGBOX_1.0 layout");
_Static_assert(sizeof(struct msgbox_msg_info) ==
	       (sizeof(long) == 8 ? 48 : 44), "MSGBOX_1.0 layout");
/*
 * The receive arguments go to the kernel (and into batches) at the size
 * this header gives them, which must be one the kernel knows.
 */
_Static_assert(sizeof(struct msgbox_recv_args) == MSGBOX_RECV_SIZE_VER1,
	       "MSGBOX_IOC_RECV size");

/*
 * MSGBOX_IOC_STAT with the size bits of the first version, for the first
 * version's structure: the module dispatches on the number alone, but the
 * command then says truly what it points to.
 */
#define STAT_CMD_VER0	_IOC(_IOC_READ | _IOC_WRITE, MSGBOX_IOC_MAGIC, \
			     _IOC_NR(MSGBOX_IOC_STAT), MSGBOX_STAT_SIZE_VER0)

/* MSGBOX_IOC_STAT into the first @size bytes of @st: 0 or -errno. */
static int stat_size(int fd, struct msgbox_stat_args *st, uint32_t size,
		     unsigned long cmd)
{
	int ret;

	if (!st)
		return -EINVAL;

	memset(st, 0, size);
	st->size = size;
	ret = msgbox_sys_ioctl(fd, cmd, st);
	return ret < 0 ? ret : 0;
}

/* msgbox_stat@MSGBOX_1.0, for programs linked before @held and @calls. */
int msgbox_stat_ver0(int fd, struct msgbox_stat_args *st);
__asm__(".symver msgbox_stat_ver0, msgbox_stat@MSGBOX_1.0");

int msgbox_stat_ver0(int fd, struct msgbox_stat_args *st)
{
	return stat_size(fd, st, MSGBOX_STAT_SIZE_VER0, STAT_CMD_VER0);
}

/* msgbox_stat@@MSGBOX_1.2, the default: what msgbox.h declares. */
int msgbox_stat_ver1(int fd, struct msgbox_stat_args *st);
__asm__(".symver msgbox_stat_ver1, msgbox_stat@@MSGBOX_1.2");

int msgbox_stat_ver1(int fd, struct msgbox_stat_args *st)
{
	return stat_size(fd, st, MSGBOX_STAT_SIZE_VER1, MSGBOX_IOC_STAT);
}

/* Entries per MSGBOX_IOC_*_BATCH call: arrays of this size live on the stack. */
#define BATCH_CHUNK	64

/* Issue one batch ioctl; returns the count done or a negative errno. */
static int batch_ioctl(int fd, unsigned long cmd, void *entries,
		       unsigned int count, size_t entry_size, int nonblock)
{
	struct msgbox_batch_args args;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = nonblock ? MSGBOX_BATCH_NONBLOCK : 0;
	args.entries = msgbox_sys_ptr(entries);
	args.count = count;
	args.entry_size = (uint32_t)entry_size;
	return msgbox_sys_ioctl(fd, cmd, &args);
}

int msgbox_send_batch(int fd, const struct msgbox_mmsg *msgs,
		      unsigned int count)
{
	struct msgbox_send_args args[BATCH_CHUNK];
	unsigned int done = 0, n, i;
	int ret;

	while (done < count) {
		n = count - done < BATCH_CHUNK ? count - done : BATCH_CHUNK;
		/* Entry by entry: a memset of the whole array costs more. */
		for (i = 0; i < n; i++) {
			const struct msgbox_mmsg *m = &msgs[done + i];

			if (m->len > UINT32_MAX)
				return done ? (int)done : -EMSGSIZE;
			/*
			 * No token: the first version's size, which a module
			 * older than tokens also sends as a run.
			 */
			args[i] = (struct msgbox_send_args){
				.size = MSGBOX_SEND_SIZE_VER0,
				.buf = msgbox_sys_ptr(m->buf),
				.len = (uint32_t)m->len,
				.prio = m->prio,
			};
		}
		/* Only the first entry of the whole batch may block. */
		ret = batch_ioctl(fd, MSGBOX_IOC_SEND_BATCH, args, n,
				  sizeof(args[0]), done > 0);
		if (ret < 0)
			return done ? (int)done : ret;
		done += (unsigned int)ret;
		if ((unsigned int)ret < n)
			break;
	}
	return (int)done;
}

int msgbox_recv_batch(int fd, struct msgbox_mmsg *msgs, unsigned int count)
{
	struct msgbox_recv_args args[BATCH_CHUNK];
	unsigned int done = 0, n, i;
	int ret;

	while (done < count) {
		n = count - done < BATCH_CHUNK ? count - done : BATCH_CHUNK;
		for (i = 0; i < n; i++) {
			struct msgbox_mmsg *m = &msgs[done + i];

			args[i] = (struct msgbox_recv_args){
				.size = sizeof(args[i]),
				.buf = msgbox_sys_ptr(m->buf),
				.buf_len = m->len > UINT32_MAX ?
					   UINT32_MAX : (uint32_t)m->len,
			};
		}
		ret = batch_ioctl(fd, MSGBOX_IOC_RECV_BATCH, args, n,
				  sizeof(args[0]), done > 0);
		if (ret < 0)
			return done ? (int)done : ret;
		for (i = 0; i < (unsigned int)ret; i++) {
			msgs[done + i].msg_len = args[i].len;
			msgs[done + i].prio = args[i].prio;
		}
		done += (unsigned int)ret;
		if ((unsigned int)ret < n)
			break;
	}
	return (int)done;
}

int msgbox_send_reliable(int fd, const void *buf, size_t len,
			 unsigned int prio, uint64_t key,
			 const struct timespec *attempt_timeout,
			 unsigned int max_attempts)
{
	struct msgbox_send_opts opts = {
		.flags = MSGBOX_SO_ACK | MSGBOX_SO_KEY | MSGBOX_SO_CSUM |
			 MSGBOX_SO_TIMEOUT,
		.prio = prio,
		.key = key,
	};
	unsigned int attempt;
	int ret = -ETIMEDOUT;

	if (!attempt_timeout)
		return -EINVAL;
	opts.timeout = *attempt_timeout;

	for (attempt = 1; !max_attempts || attempt <= max_attempts; attempt++) {
		ret = msgbox_sendx(fd, buf, len, &opts, NULL);
		if (!ret)
			return attempt > INT32_MAX ? INT32_MAX : (int)attempt;
		if (ret != -ETIMEDOUT && ret != -EBADMSG)
			return ret;
	}
	return ret;
}
