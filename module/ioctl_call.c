// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch of calls and settles: MSGBOX_IOC_CALL and
 * MSGBOX_IOC_SETTLE.
 */
#include <linux/build_bug.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <linux/msgbox.h>

#include "call.h"
#include "file.h"
#include "hold.h"
#include "ioctl.h"
#include "mailbox.h"
#include "message.h"
#include "send.h"
#include "spares.h"

/* Fill a call's send request from arguments of this module's version. */
static int msgbox_call_req_in(struct msgbox_send_req *req,
			      const struct msgbox_call_args *args,
			      bool nonblock)
{
	if ((args->flags & ~MSGBOX_CALL_FLAGS) || args->prio >= MSGBOX_PRIO_MAX)
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->buf = u64_to_user_ptr(args->buf);
	req->len = args->len;
	req->prio = args->prio;
	req->w.nonblock = nonblock;
	if (args->flags & MSGBOX_CALL_DEADLINE)
		return msgbox_deadline_in(args->deadline_ns, &req->w.deadline);
	return 0;
}

/*
 * The reply buffer, checked writable at both ends before the request is
 * queued: a reply that cannot be copied out is lost once it was given.
 */
static int msgbox_call_probe_reply(const struct msgbox_call_args *args)
{
	u8 __user *buf = u64_to_user_ptr(args->reply_buf);

	if (!args->reply_buf_len)
		return 0;
	if (!access_ok(buf, args->reply_buf_len) || put_user(0, buf) ||
	    put_user(0, buf + args->reply_buf_len - 1))
		return -EFAULT;
	return 0;
}

/*
 * The results, @id to the end: every caller's structure has them, and
 * nothing before them is written back.
 */
static int msgbox_call_results_out(void __user *uarg,
				   const struct msgbox_call_args *args)
{
	const size_t from = offsetof(struct msgbox_call_args, id);

	BUILD_BUG_ON(sizeof(*args) != MSGBOX_CALL_SIZE_VER0);
	if (copy_to_user(uarg + from, (const void *)args + from,
			 sizeof(*args) - from))
		return -EFAULT;
	return 0;
}

/* Copy an answered call's reply out, then its description. */
static int msgbox_call_out(struct msgbox_call_args *args, void __user *uarg,
			   const struct msgbox_send_req *req,
			   const struct msgbox_call *call)
{
	struct user_namespace *user_ns = current_user_ns();
	const struct msgbox_msg *reply = call->reply;
	u32 len = reply ? reply->len : 0;

	if (len && copy_to_user(u64_to_user_ptr(args->reply_buf),
				msgbox_msg_data(reply), len))
		return -EFAULT;
	args->id = req->id;
	args->reply_len = len;
	args->reply_pid = call->replier;
	args->reply_uid = from_kuid_munged(user_ns, call->uid);
	args->reply_gid = from_kgid_munged(user_ns, call->gid);
	return msgbox_call_results_out(uarg, args);
}

/**
 * msgbox_ioctl_call() - MSGBOX_IOC_CALL: send a request, wait for the reply
 * @file: the caller's file, open for writing
 * @uarg: its struct msgbox_call_args
 *
 * The request is queued by the send core and the calling thread waits
 * there for its answer (call.h). O_NONBLOCK applies to queuing only.
 *
 * Context: process context, may sleep.
 * Return: the reply's length, or -errno as struct msgbox_call_args says.
 */
int msgbox_ioctl_call(struct file *file, void __user *uarg)
{
	struct msgbox_call call = {
		.task = current,
		.ns = task_active_pid_ns(current),
	};
	struct msgbox_call_args args;
	struct msgbox_send_req req;
	struct msgbox_mailbox *mb;
	u32 usize;
	bool put;
	int ret;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_CALL_SIZE_VER0);
	ret = msgbox_args_in(&args, sizeof(args), MSGBOX_CALL_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	ret = msgbox_call_req_in(&req, &args, file->f_flags & O_NONBLOCK);
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mb = msgbox_send_target(file, args.flags & MSGBOX_CALL_TO_PID, args.pid,
				&put);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	/* Where the results go must be writable before the request runs. */
	ret = msgbox_call_results_out(uarg, &args);
	if (!ret)
		ret = msgbox_call_probe_reply(&args);
	call.buf_len = args.reply_buf_len;
	req.call = &call;
	if (!ret)
		ret = msgbox_send(mb, &req, 1);
	if (ret > 0) {
		ret = msgbox_call_out(&args, uarg, &req, &call);
		if (!ret)
			ret = args.reply_len;
	}
	if (call.reply)
		msgbox_spares_put(&mb->spares, call.reply);
	if (put)
		msgbox_mailbox_put(mb);
	return ret;
}

/**
 * msgbox_ioctl_settle() - MSGBOX_IOC_SETTLE: done, reply or release
 * @file: the holder's file, open for reading
 * @uarg: its struct msgbox_settle_args
 *
 * A reply is copied in before anything is looked up, as a message is. With
 * MSGBOX_SETTLE_RECV a receive follows once the message is settled, under
 * the same hold of the mailbox lock when a message is there (recv.h); it
 * is never restarted, since the settle could not be made again.
 *
 * Context: process context, may sleep.
 * Return: 0, the receive's result, or -errno as struct msgbox_settle_args
 * says.
 */
int msgbox_ioctl_settle(struct file *file, void __user *uarg)
{
	struct msgbox_settle_args __user *ua = uarg;
	struct msgbox_settle_req req = { };
	struct msgbox_settle_args args;
	struct msgbox_mailbox *mb;
	bool recv;
	u32 usize;
	int err, ret;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_SETTLE_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_SETTLE_SIZE_VER0,
			     uarg, &usize);
	if (err)
		return err;
	recv = args.flags & MSGBOX_SETTLE_RECV;
	req.release = args.flags & MSGBOX_SETTLE_RELEASE;
	if ((args.flags & ~MSGBOX_SETTLE_FLAGS) || (req.release && args.len) ||
	    (!recv && args.recv))
		return -EINVAL;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	/*
	 * How it was settled must be writable before it is; what is there
	 * stays until then, for a caller to tell a refused settle.
	 */
	if (recv && put_user(args.settle_error, &ua->settle_error))
		return -EFAULT;
	if (args.len > mb->max_msg_size)
		return -EMSGSIZE;
	if (args.len) {
		/* From the mailbox's spares, to which the caller gives it back. */
		req.reply = msgbox_msg_new(msgbox_spares_take(&mb->spares,
							      args.len),
					   u64_to_user_ptr(args.buf), args.len);
		if (IS_ERR(req.reply))
			return PTR_ERR(req.reply);
	}
	req.id = args.id;
	req.len = args.len;

	if (recv) {
		ret = msgbox_ioctl_settle_recv(file, u64_to_user_ptr(args.recv),
					       &req, &err);
	} else {
		err = msgbox_hold_settle(mb, file, &req);
		ret = err;
	}
	if (req.reply)
		msgbox_spares_put(&mb->spares, req.reply);
	if (!recv || !msgbox_hold_settled(err))
		return ret;
	/*
	 * Probed above: only an unmap meanwhile can make this fail, and a
	 * message received then is not lost for it.
	 */
	if (put_user(-err, &ua->settle_error) && ret < 0 && ret != -EMSGSIZE)
		return -EFAULT;
	/* Settled: the receive is never restarted, as that would settle again. */
	return ret == -ERESTARTSYS ? -EINTR : ret;
}
