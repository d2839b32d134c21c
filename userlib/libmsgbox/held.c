// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox - held messages and calls: msgbox_recv_held(), msgbox_done(),
 * msgbox_release(), msgbox_call(), msgbox_reply(), msgbox_reply_recv() and
 * msgbox_done_recv() over MSGBOX_RECV_HOLD, MSGBOX_RECV_DONE,
 * MSGBOX_IOC_SETTLE and MSGBOX_IOC_CALL.
 *
 * As in msgbox.c, every argument structure is zeroed and sized before the
 * ioctl, and relative timeouts become CLOCK_MONOTONIC deadlines once, here.
 * The hold timeout is the exception: the module takes it as a duration
 * (hold_ns), counted from the moment the message is held.
 *
 * Arguments are checked before any system call, so that a refused call has
 * done nothing: for msgbox_reply_recv() that means the call is still held.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "msgbox.h"
#include "deadline.h"
#include "recv.h"
#include "sys.h"

#define HO_FLAGS	(MSGBOX_HO_FROM_PID | MSGBOX_HO_TIMEOUT | \
			 MSGBOX_HO_HOLD_TIMEOUT)
#define CO_FLAGS	(MSGBOX_CO_TO_PID | MSGBOX_CO_TIMEOUT)

/*
 * What msgbox_reply_recv() presets settle_error to. The module writes 0 or
 * a positive errno there once the settling is done, so a value still
 * negative afterwards says the call was not answered and is held as before.
 */
#define SETTLE_NOT_DONE	(-1)

/*
 * The library's option and info structures are part of the ABI of the
 * symbol version that brought them: checked, so that none changes size
 * without a new version (i386 has a 32-bit time_t).
 */
_Static_assert(sizeof(struct msgbox_held_opts) ==
	       (sizeof(long) == 8 ? 40 : 24), "MSGBOX_1.2 layout");
_Static_assert(sizeof(struct msgbox_held_info) ==
	       (sizeof(long) == 8 ? 64 : 56), "MSGBOX_1.2 layout");
_Static_assert(sizeof(struct msgbox_call_opts) ==
	       (sizeof(long) == 8 ? 32 : 20), "MSGBOX_1.2 layout");
_Static_assert(sizeof(struct msgbox_call_info) ==
	       (sizeof(long) == 8 ? 24 : 20), "MSGBOX_1.2 layout");
/* The sizes handed to the kernel are ones it knows. */
_Static_assert(sizeof(struct msgbox_call_args) == MSGBOX_CALL_SIZE_VER0,
	       "MSGBOX_IOC_CALL size");
_Static_assert(sizeof(struct msgbox_settle_args) == MSGBOX_SETTLE_SIZE_VER0,
	       "MSGBOX_IOC_SETTLE size");

/*
 * Receive arguments for a held receive into @buf, from @opts (NULL: none).
 * Return: 0, or a negative errno, with nothing asked of the kernel.
 */
static int held_args_init(struct msgbox_recv_args *args, void *buf,
			  size_t len, const struct msgbox_held_opts *opts)
{
	int ret;

	if (!buf && len)
		return -EFAULT;
	msgbox_recv_args_init(args, buf, len);
	args->flags = MSGBOX_RECV_HOLD;
	if (!opts)
		return 0;

	if (opts->flags & ~HO_FLAGS)
		return -EINVAL;
	if (opts->flags & MSGBOX_HO_FROM_PID) {
		args->flags |= MSGBOX_RECV_FROM_PID;
		args->from_pid = opts->pid;
	}
	if (opts->flags & MSGBOX_HO_TIMEOUT) {
		ret = msgbox_deadline_after(&opts->timeout, &args->deadline_ns);
		if (ret)
			return ret;
		args->flags |= MSGBOX_RECV_DEADLINE;
	}
	if (opts->flags & MSGBOX_HO_HOLD_TIMEOUT) {
		ret = msgbox_timeout_ns(&opts->hold_timeout, &args->hold_ns);
		if (ret)
			return ret;
		/* To the module 0 means no limit, the opposite of what was asked. */
		if (!args->hold_ns)
			return -EINVAL;
	}
	return 0;
}

/*
 * The result of a held receive that returned @ret into @buf of @len bytes:
 * @info filled as msgbox_recv_held() says, and @ret, or -EBADMSG when the
 * copy does not match the sender's checksum (the message is held then).
 */
static int held_finish(int ret, const void *buf, size_t len,
		       const struct msgbox_recv_args *args,
		       struct msgbox_held_info *info)
{
	if (ret == -EMSGSIZE)
		info->msg.len = args->len;
	if (ret < 0)
		return ret;

	msgbox_msg_info_fill(&info->msg, args);
	info->deliveries = args->deliveries;
	info->redelivered = !!(args->msg_flags & MSGBOX_MSG_REDELIVERED);
	info->call = !!(args->msg_flags & MSGBOX_MSG_CALL);

	if (msgbox_recv_csum_bad(buf, len, ret, args)) {
		info->msg.has_csum = 0;
		return -EBADMSG;
	}
	return ret;
}

int msgbox_recv_held(int fd, void *buf, size_t len,
		     const struct msgbox_held_opts *opts,
		     struct msgbox_held_info *info)
{
	struct msgbox_recv_args args;
	int ret;

	if (!info)
		return -EINVAL;
	ret = held_args_init(&args, buf, len, opts);
	if (ret)
		return ret;

	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_RECV, &args);
	return held_finish(ret, buf, len, &args, info);
}

/*
 * Settle arguments for @id with @flags and a reply of @len bytes at @buf.
 * Return: 0, or a negative errno, with nothing asked of the kernel.
 */
static int settle_args_init(struct msgbox_settle_args *args, uint64_t id,
			    uint32_t flags, const void *buf, size_t len)
{
	/* As the module would answer, the call staying held. */
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if (!buf && len)
		return -EFAULT;

	memset(args, 0, sizeof(*args));
	args->size = sizeof(*args);
	args->flags = flags;
	args->id = id;
	args->buf = msgbox_sys_ptr(buf);
	args->len = (uint32_t)len;
	return 0;
}

/* MSGBOX_IOC_SETTLE of @id without a receive: 0 or -errno. */
static int settle(int fd, uint64_t id, uint32_t flags, const void *buf,
		  size_t len)
{
	struct msgbox_settle_args args;
	int ret;

	ret = settle_args_init(&args, id, flags, buf, len);
	if (ret)
		return ret;
	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_SETTLE, &args);
	return ret < 0 ? ret : 0;
}

int msgbox_done(int fd, uint64_t id)
{
	return settle(fd, id, 0, NULL, 0);
}

int msgbox_release(int fd, uint64_t id)
{
	return settle(fd, id, MSGBOX_SETTLE_RELEASE, NULL, 0);
}

int msgbox_reply(int fd, uint64_t id, const void *buf, size_t len)
{
	return settle(fd, id, 0, buf, len);
}

/*
 * Whether a MSGBOX_SETTLE_RECV that failed with @ret settled the message,
 * from the arguments as the module left them. The module may clear
 * settle_error before it settles, to be sure the outcome can be written,
 * so a 0 there is not proof: the errors that only the settling gives,
 * ENOENT and an EMSGSIZE without the length a receive writes back, say
 * "not settled" whatever the field holds.
 */
static int settle_done(int ret, const struct msgbox_settle_args *sargs,
		       const struct msgbox_recv_args *rargs)
{
	if (sargs->settle_error == SETTLE_NOT_DONE)
		return 0;
	return ret != -ENOENT && !(ret == -EMSGSIZE && !rargs->len);
}

int msgbox_reply_recv(int fd, uint64_t id, const void *reply,
		      size_t reply_len, int *reply_err, void *buf, size_t len,
		      const struct msgbox_held_opts *opts,
		      struct msgbox_held_info *info)
{
	struct msgbox_settle_args sargs;
	struct msgbox_recv_args rargs;
	int ret;

	if (!reply_err)
		return -EINVAL;
	ret = info ? 0 : -EINVAL;
	if (!ret)
		ret = settle_args_init(&sargs, id, MSGBOX_SETTLE_RECV, reply,
				       reply_len);
	if (!ret)
		ret = held_args_init(&rargs, buf, len, opts);
	if (ret) {
		*reply_err = ret;
		return ret;
	}
	sargs.recv = msgbox_sys_ptr(&rargs);
	sargs.settle_error = SETTLE_NOT_DONE;

	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_SETTLE, &sargs);
	if (ret < 0 && !settle_done(ret, &sargs, &rargs)) {
		/* Refused: the reply's error, and nothing was received. */
		*reply_err = ret;
		return ret;
	}
	/* Success is a settled reply and a receive. */
	*reply_err = sargs.settle_error > 0 ? -sargs.settle_error : 0;
	return held_finish(ret, buf, len, &rargs, info);
}

int msgbox_done_recv(int fd, uint64_t id, int *done, void *buf, size_t len,
		     const struct msgbox_held_opts *opts,
		     struct msgbox_held_info *info)
{
	struct msgbox_recv_args args;
	int ret;

	if (!done)
		return -EINVAL;
	*done = 0;
	if (!info)
		return -EINVAL;
	ret = held_args_init(&args, buf, len, opts);
	if (ret)
		return ret;
	args.flags |= MSGBOX_RECV_DONE;
	args.id = id;

	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_RECV, &args);
	/* The module clears the flag once the done is made, and only then. */
	*done = !(args.flags & MSGBOX_RECV_DONE);
	return held_finish(ret, buf, len, &args, info);
}

int msgbox_call(int fd, const void *req, size_t req_len,
		void *reply, size_t reply_size,
		const struct msgbox_call_opts *opts,
		struct msgbox_call_info *info)
{
	struct msgbox_call_args args;
	int ret;

	/* No mailbox can hold more than the 32-bit length field allows. */
	if (req_len > UINT32_MAX)
		return -EMSGSIZE;
	if ((!req && req_len) || (!reply && reply_size))
		return -EFAULT;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.buf = msgbox_sys_ptr(req);
	args.len = (uint32_t)req_len;
	args.reply_buf = msgbox_sys_ptr(reply);
	/* No reply can be longer than 32 bits say: clamping loses nothing. */
	args.reply_buf_len = reply_size > UINT32_MAX ?
			     UINT32_MAX : (uint32_t)reply_size;

	if (opts) {
		if (opts->flags & ~CO_FLAGS)
			return -EINVAL;
		args.prio = opts->prio;
		if (opts->flags & MSGBOX_CO_TO_PID) {
			args.flags |= MSGBOX_CALL_TO_PID;
			args.pid = opts->pid;
		}
		if (opts->flags & MSGBOX_CO_TIMEOUT) {
			ret = msgbox_deadline_after(&opts->timeout,
						    &args.deadline_ns);
			if (ret)
				return ret;
			args.flags |= MSGBOX_CALL_DEADLINE;
		}
	}

	ret = msgbox_sys_ioctl(fd, MSGBOX_IOC_CALL, &args);
	if (ret < 0)
		return ret;

	if (info) {
		info->id = args.id;
		info->pid = args.reply_pid;
		info->uid = args.reply_uid;
		info->gid = args.reply_gid;
	}
	return ret;
}
