// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch layer: argument structures in, kernel requests to the
 * cores, results out.
 */
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include <linux/msgbox.h>

#include "file.h"
#include "hold.h"
#include "ioctl.h"
#include "mailbox.h"
#include "queue.h"
#include "recv.h"
#include "send.h"

/*
 * Copy a versioned argument structure in, its size read once and no larger
 * than @max, the room the caller has there (a batch's stride); U32_MAX for
 * none. Returns the caller's size in @usize for msgbox_args_out().
 */
int msgbox_args_in_max(void *dst, size_t ksize, size_t ver0, u32 max,
		       const void __user *uarg, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < ver0 || size > max)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	*usize = size;
	return copy_struct_from_user(dst, ksize, uarg, size);
}

/* Copy a versioned argument structure in, as above, with no room limit. */
int msgbox_args_in(void *dst, size_t ksize, size_t ver0,
		   const void __user *uarg, u32 *usize)
{
	return msgbox_args_in_max(dst, ksize, ver0, U32_MAX, uarg, usize);
}

/* Copy a structure back out, no more than the caller's version holds. */
int msgbox_args_out(void __user *uarg, const void *src, size_t ksize,
		    u32 usize)
{
	if (copy_to_user(uarg, src, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

/* Turn a user deadline on CLOCK_MONOTONIC into a host ktime. */
int msgbox_deadline_in(u64 deadline_ns, ktime_t *deadline)
{
	if (deadline_ns > KTIME_MAX)
		return -EINVAL;
	*deadline = msgbox_compat_monotonic_to_host(ns_to_ktime(deadline_ns));
	/* 0 means "no deadline" internally; 1 ns has long passed anyway. */
	if (!*deadline)
		*deadline = 1;
	return 0;
}

/* Fill a send request from arguments of this module's version. */
static int msgbox_send_req_in(struct msgbox_send_req *req,
			      const struct msgbox_send_args *args,
			      bool nonblock)
{
	if ((args->flags & ~MSGBOX_SEND_FLAGS) || args->__reserved ||
	    args->prio >= MSGBOX_PRIO_MAX)
		return -EINVAL;
	/* A structure without the field cannot say which token it means. */
	if ((args->flags & MSGBOX_SEND_TOKEN) &&
	    args->size < MSGBOX_SEND_SIZE_VER1)
		return -EINVAL;
	req->buf = u64_to_user_ptr(args->buf);
	req->len = args->len;
	req->prio = args->prio;
	req->ack = args->flags & MSGBOX_SEND_ACK;
	req->has_key = args->flags & MSGBOX_SEND_KEY;
	req->has_csum = args->flags & MSGBOX_SEND_CSUM;
	req->has_token = args->flags & MSGBOX_SEND_TOKEN;
	req->csum = args->csum;
	req->key = args->key;
	req->token = args->token;
	req->call = NULL;
	req->w.nonblock = nonblock;
	req->w.deadline = 0;
	req->id = 0;
	req->result = 0;
	if (args->flags & MSGBOX_SEND_DEADLINE)
		return msgbox_deadline_in(args->deadline_ns, &req->w.deadline);
	return 0;
}

/* Write a send's @id and @result back into the caller's entry at @uarg. */
static int msgbox_send_result_out(struct msgbox_send_args __user *uarg,
				  const struct msgbox_send_req *req)
{
	if (put_user(req->id, &uarg->id) || put_user(req->result, &uarg->result))
		return -EFAULT;
	return 0;
}

/*
 * The mailbox a send or a call goes to: the file's own, or with @to_pid
 * the port of @pid, which needs write permission (a reference is held on
 * it then: *@put).
 */
struct msgbox_mailbox *
msgbox_send_target(struct file *file, bool to_pid, pid_t pid, bool *put)
{
	struct msgbox_mailbox *mb;
	int err;

	*put = false;
	if (!to_pid) {
		mb = msgbox_file_mailbox(file);
		return mb ? mb : ERR_PTR(-ENOTCONN);
	}
	if (pid <= 0)
		return ERR_PTR(-EINVAL);
	mb = msgbox_port_find(pid);
	if (IS_ERR(mb))
		return mb;
	err = msgbox_mailbox_permission(mb, FMODE_WRITE);
	if (err) {
		msgbox_mailbox_put(mb);
		return ERR_PTR(err);
	}
	*put = true;
	return mb;
}

/*
 * One send; @nonblock makes it non-blocking whatever the file's flags, and
 * @max bounds the structure's size (see msgbox_args_in_max()).
 */
static int msgbox_ioctl_send(struct file *file, void __user *uarg,
			     bool nonblock, u32 max)
{
	struct msgbox_send_args args;
	struct msgbox_send_req req;
	struct msgbox_mailbox *mb;
	bool result, put;
	u32 usize;
	int ret;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_SEND_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct msgbox_send_args, __reserved) !=
		     MSGBOX_SEND_SIZE_VER0);
	ret = msgbox_args_in_max(&args, sizeof(args), MSGBOX_SEND_SIZE_VER0,
				 max, uarg, &usize);
	if (ret)
		return ret;
	ret = msgbox_send_req_in(&req, &args,
				 nonblock || (file->f_flags & O_NONBLOCK));
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mb = msgbox_send_target(file, args.flags & MSGBOX_SEND_TO_PID, args.pid,
				&put);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	/*
	 * What the core would refuse at once is checked before the results
	 * are cleared, so that those errors come first, as they do from it.
	 */
	ret = msgbox_send_precheck(mb, &req);
	/* Once the message is queued, failing the call would send it twice. */
	result = !(args.flags & MSGBOX_SEND_NORESULT);
	if (!ret && result && msgbox_send_result_out(uarg, &req))
		ret = -EFAULT;
	if (!ret)
		ret = msgbox_send(mb, &req, 1);
	if (put)
		msgbox_mailbox_put(mb);
	/* Sent (or in a receiver's hands): a late fault must not say otherwise. */
	if (result && (ret > 0 || ret == -EINPROGRESS))
		msgbox_send_result_out(uarg, &req);
	return ret < 0 ? ret : 0;
}

/*
 * Fill a receive request on @file from arguments of this module's
 * version.
 */
static int msgbox_recv_req_in(struct msgbox_recv_req *req,
			      const struct msgbox_recv_args *args,
			      struct file *file, bool nonblock)
{
	bool hold = args->flags & MSGBOX_RECV_HOLD;

	if ((args->flags & ~MSGBOX_RECV_FLAGS) || args->__reserved ||
	    args->__reserved2)
		return -EINVAL;
	if ((args->flags & MSGBOX_RECV_FROM_PID) && args->from_pid <= 0)
		return -EINVAL;
	/* A hold cannot peek, and a hold timeout needs a hold. */
	if (hold && ((args->flags & MSGBOX_RECV_PEEK) ||
		     args->hold_ns > MSGBOX_HOLD_NS_MAX))
		return -EINVAL;
	if (!hold && args->hold_ns)
		return -EINVAL;
	req->buf = u64_to_user_ptr(args->buf);
	req->buf_len = args->buf_len;
	req->peek = args->flags & MSGBOX_RECV_PEEK;
	req->from_pid = (args->flags & MSGBOX_RECV_FROM_PID) ?
			args->from_pid : 0;
	req->hold = hold;
	req->hold_ns = args->hold_ns;
	req->holder = file;
	req->rec = NULL;
	req->settle = NULL;
	req->settle_err = 1;
	req->settled = NULL;
	req->w.nonblock = nonblock;
	req->w.deadline = 0;
	if (args->flags & MSGBOX_RECV_DEADLINE)
		return msgbox_deadline_in(args->deadline_ns, &req->w.deadline);
	return 0;
}

/**
 * struct msgbox_recv_call - where a receive's description goes
 * @req: the request, for the core (a batch gives the core a copy)
 * @args: the caller's arguments, as copied in
 * @uarg: where they came from
 * @usize: their size
 * @entry: a batch entry: only the description's fields are written
 */
struct msgbox_recv_call {
	struct msgbox_recv_req req;
	struct msgbox_recv_args args;
	struct msgbox_recv_args __user *uarg;
	u32 usize;
	bool entry;
};

/*
 * The writer of a receive's description (see struct msgbox_recv_req): the
 * caller's whole structure for a single receive, as much of it as the
 * caller's version holds; for a batch entry its description's fields,
 * @len, @prio to @msg_flags and @deliveries. With @probe it writes back
 * what is there.
 */
static int msgbox_recv_out(struct msgbox_recv_req *req, bool probe)
{
	struct msgbox_recv_call *c = req->out_arg;
	const size_t from = offsetof(struct msgbox_recv_args, prio);
	const size_t to = offsetofend(struct msgbox_recv_args, msg_flags);
	struct msgbox_recv_args *a = &c->args;
	const struct msgbox_recv_desc *d = &req->desc;

	if (!probe) {
		a->len = d->len;
		a->prio = d->prio;
		a->id = d->id;
		a->key = d->key;
		a->pid = d->pid;
		a->uid = d->uid;
		a->gid = d->gid;
		a->csum = d->csum;
		a->msg_flags = d->msg_flags;
		a->deliveries = d->deliveries;
	}
	if (!c->entry)
		return msgbox_args_out(c->uarg, a, sizeof(*a), c->usize);
	if (put_user(a->len, &c->uarg->len) ||
	    copy_to_user((void __user *)c->uarg + from, (void *)a + from,
			 to - from))
		return -EFAULT;
	if (a->size >= MSGBOX_RECV_SIZE_VER1 &&
	    put_user(a->deliveries, &c->uarg->deliveries))
		return -EFAULT;
	return 0;
}

/*
 * Fill @c from the arguments at @uarg, at most @max bytes long; 0, or
 * -errno as the ioctl says.
 */
static int msgbox_recv_call_in(struct msgbox_recv_call *c, void __user *uarg,
			       u32 max, struct file *file, bool nonblock)
{
	int err;

	BUILD_BUG_ON(sizeof(c->args) != MSGBOX_RECV_SIZE_VER1);
	err = msgbox_args_in_max(&c->args, sizeof(c->args),
				 MSGBOX_RECV_SIZE_VER0, max, uarg, &c->usize);
	if (err)
		return err;
	c->uarg = uarg;
	c->entry = false;
	c->req.out = msgbox_recv_out;
	c->req.out_arg = c;
	return msgbox_recv_req_in(&c->req, &c->args, file, nonblock);
}

/*
 * Make the receive @c asks for: its length, or -errno. A message taken
 * was described as part of taking it; one that did not fit is described
 * here. A settle made first that failed received nothing.
 */
static int msgbox_recv_call_run(struct msgbox_mailbox *mb,
				struct msgbox_recv_call *c)
{
	int ret = msgbox_recv(mb, &c->req, 1);

	if (c->req.settle && !msgbox_hold_settled(c->req.settle_err))
		return ret;
	if (ret == -EMSGSIZE && msgbox_recv_out(&c->req, false))
		return -EFAULT;
	return ret < 0 ? ret : c->req.desc.len;
}

/*
 * A receive with MSGBOX_RECV_DONE: the message @id done with first, under
 * the receive's hold of the mailbox lock. Once it is, the flag goes from
 * the caller's @flags, so that neither the caller nor a restart after a
 * signal handler settles again; that @flags can be written is checked
 * before anything is done.
 */
static int msgbox_recv_done_run(struct msgbox_mailbox *mb,
				struct msgbox_recv_call *c)
{
	struct msgbox_settle_req settle = {
		.id = c->args.id,
		.no_call = true,
	};
	u32 flags = c->args.flags & ~MSGBOX_RECV_DONE;
	int ret;

	if (put_user(c->args.flags, &c->uarg->flags))
		return -EFAULT;
	/*
	 * Written back with the description, when there is one: a single
	 * receive's writer, msgbox_recv_out(), writes the whole structure.
	 */
	c->args.flags = flags;
	c->req.settle = &settle;
	ret = msgbox_recv_call_run(mb, c);
	if (ret >= 0 || !msgbox_hold_settled(c->req.settle_err))
		return ret;
	/* Only an unmap meanwhile can fail this: the probe above wrote it. */
	if (put_user(flags, &c->uarg->flags))
		return -EFAULT;
	return ret;
}

/* One receive; @nonblock and @max as for msgbox_ioctl_send(). */
int msgbox_ioctl_recv(struct file *file, void __user *uarg, bool nonblock,
		      u32 max)
{
	struct msgbox_recv_call c;
	struct msgbox_mailbox *mb;
	int ret;

	ret = msgbox_recv_call_in(&c, uarg, max, file,
				  nonblock || (file->f_flags & O_NONBLOCK));
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	if (c.args.flags & MSGBOX_RECV_DONE)
		return msgbox_recv_done_run(mb, &c);
	return msgbox_recv_call_run(mb, &c);
}

/**
 * msgbox_ioctl_settle_recv() - the receive of MSGBOX_SETTLE_RECV
 * @file: the holder's file, open for reading and bound to a mailbox
 * @uarg: its struct msgbox_recv_args
 * @settle: the settle, made first, under the receive's hold of the lock
 * @settle_err: out: the settle's result, or 1 when it was not made
 *
 * Receive arguments that cannot be used leave the settle to be made
 * alone, and their error is returned once it was.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: the settle's error when it failed (*@settle_err), -ENOMEM when
 * it could not be tried, or else what msgbox_ioctl_recv() returns.
 */
int msgbox_ioctl_settle_recv(struct file *file, void __user *uarg,
			     struct msgbox_settle_req *settle, int *settle_err)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	struct msgbox_recv_call c;
	int ret;

	ret = msgbox_recv_call_in(&c, uarg, U32_MAX, file,
				  file->f_flags & O_NONBLOCK);
	/* One settle per call: the receive cannot bring a second. */
	if (!ret && (c.args.flags & MSGBOX_RECV_DONE))
		ret = -EINVAL;
	if (ret) {
		*settle_err = msgbox_hold_settle(mb, file, settle);
		return msgbox_hold_settled(*settle_err) ? ret : *settle_err;
	}
	c.req.settle = settle;
	ret = msgbox_recv_call_run(mb, &c);
	*settle_err = c.req.settle_err;
	return ret;
}

/*
 * A run of a batch's send entries: as many plain entries of either version
 * as follow, up to MSGBOX_SEND_RUN and no more than the mailbox has
 * room for, each checked and its results cleared, then sent together. An
 * entry of another kind, and a run of one, go through msgbox_ioctl_send().
 * Returns how many entries were sent, or the error of the first.
 */
static int msgbox_batch_send(struct file *file, void __user *entry, u32 left,
			     u32 stride, bool nonblock,
			     struct msgbox_send_req *reqs)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	struct msgbox_send_args args, __user *e;
	/* Either version, as long as the entry holds it. */
	u32 usize = min_t(u32, stride, sizeof(args));
	u32 n = 0, i;
	int ret;

	if (mb)
		left = min3(left, (u32)MSGBOX_SEND_RUN,
			    max(msgbox_queue_room(mb), 1U));
	while (mb && (file->f_mode & FMODE_WRITE) && n < left) {
		e = entry + (size_t)n * stride;
		memset((void *)&args + MSGBOX_SEND_SIZE_VER0, 0,
		       sizeof(args) - MSGBOX_SEND_SIZE_VER0);
		if (copy_from_user(&args, e, usize) ||
		    (args.size != MSGBOX_SEND_SIZE_VER0 &&
		     args.size != MSGBOX_SEND_SIZE_VER1) ||
		    args.size > usize || args.flags ||
		    msgbox_send_req_in(&reqs[n], &args, nonblock || n) ||
		    msgbox_send_result_out(e, &reqs[n]))
			break;
		n++;
	}
	if (n < 2) {
		/* Read and written back at its size: no more than the stride. */
		ret = msgbox_ioctl_send(file, entry, nonblock, stride);
		return ret ? ret : 1;
	}
	ret = msgbox_send(mb, reqs, n);
	/* Sent: a late fault writing an id back must not say otherwise. */
	for (i = 0; ret > 0 && i < ret; i++)
		msgbox_send_result_out(entry + (size_t)i * stride, &reqs[i]);
	if (ret == -EINPROGRESS)
		msgbox_send_result_out(entry, &reqs[0]);
	return ret;
}

/*
 * A run of a batch's receive entries, as msgbox_batch_send() does it:
 * plain entries of this module's version, checked writable where their
 * description goes by writing back what they hold in its first and last
 * field (which bound it), so that an entry not received is left as it was.
 */
static int msgbox_batch_recv(struct file *file, void __user *entry, u32 left,
			     u32 stride, bool nonblock,
			     struct msgbox_recv_call *calls,
			     struct msgbox_recv_req *reqs)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	struct msgbox_recv_call *c;
	u32 n = 0, i;
	int ret;

	left = min_t(u32, left, MSGBOX_RECV_RUN);
	while (mb && (file->f_mode & FMODE_READ) && n < left) {
		c = &calls[n];
		c->uarg = entry + (size_t)n * stride;
		c->entry = true;
		/* Either version, as long as the entry holds it. */
		c->usize = min_t(u32, stride, sizeof(c->args));
		c->req.out = msgbox_recv_out;
		c->req.out_arg = c;
		memset((void *)&c->args + MSGBOX_RECV_SIZE_VER0, 0,
		       sizeof(c->args) - MSGBOX_RECV_SIZE_VER0);
		if (copy_from_user(&c->args, c->uarg, c->usize) ||
		    (c->args.size != MSGBOX_RECV_SIZE_VER0 &&
		     c->args.size != MSGBOX_RECV_SIZE_VER1) ||
		    c->args.size > c->usize || c->args.flags ||
		    msgbox_recv_req_in(&c->req, &c->args, file, nonblock || n) ||
		    put_user(c->args.len, &c->uarg->len) ||
		    put_user(c->args.msg_flags, &c->uarg->msg_flags))
			break;
		n++;
	}
	if (n < 2) {
		ret = msgbox_ioctl_recv(file, entry, nonblock, stride);
		return ret < 0 ? ret : 1;
	}
	for (i = 0; i < n; i++)
		reqs[i] = calls[i].req;
	ret = msgbox_recv(mb, reqs, n);
	if (ret == -EMSGSIZE)
		msgbox_recv_out(&reqs[0], false);
	return ret;
}

/* Requests of one run of a batch, too many for the stack. */
union msgbox_batch_reqs {
	struct msgbox_send_req send[MSGBOX_SEND_RUN];
	struct {
		struct msgbox_recv_call calls[MSGBOX_RECV_RUN];
		struct msgbox_recv_req reqs[MSGBOX_RECV_RUN];
	} recv;
};

static int msgbox_ioctl_batch(struct file *file, void __user *uarg, bool send)
{
	union msgbox_batch_reqs *reqs;
	struct msgbox_batch_args args;
	void __user *entry;
	bool nonblock;
	u32 usize, i;
	int ret = 0, err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_BATCH_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_BATCH_SIZE_VER0, uarg,
			     &usize);
	if (err)
		return err;
	if ((args.flags & ~MSGBOX_BATCH_FLAGS) || args.count > MSGBOX_BATCH_MAX ||
	    args.entry_size > PAGE_SIZE ||
	    args.entry_size < (send ? MSGBOX_SEND_SIZE_VER0 :
			       MSGBOX_RECV_SIZE_VER0))
		return -EINVAL;

	/* Check the header can take the results before doing anything. */
	args.done = 0;
	args.error = 0;
	err = msgbox_args_out(uarg, &args, sizeof(args), usize);
	if (err || !args.count)
		return err;

	/*
	 * count * entry_size is at most 4 MiB: no overflow. Only the first
	 * entry may block: the rest go when they can at once, or end the
	 * batch.
	 */
	reqs = kmalloc(sizeof(*reqs), GFP_KERNEL_ACCOUNT);
	if (!reqs)
		return -ENOMEM;
	entry = u64_to_user_ptr(args.entries);
	nonblock = (args.flags & MSGBOX_BATCH_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	for (i = 0; i < args.count; i += ret) {
		ret = send ? msgbox_batch_send(file, entry, args.count - i,
					       args.entry_size, nonblock || i,
					       reqs->send) :
			     msgbox_batch_recv(file, entry, args.count - i,
					       args.entry_size, nonblock || i,
					       reqs->recv.calls, reqs->recv.reqs);
		if (ret < 0)
			break;
		entry += (size_t)ret * args.entry_size;
	}
	kfree(reqs);
	if (!i && ret < 0)
		return ret;

	args.done = i;
	args.error = ret < 0 ? -ret : 0;
	/*
	 * -ERESTARTSYS cannot happen after the first entry: none blocks.
	 * The count returned is what counts; a late fault writing the header
	 * back must not hide the messages already moved.
	 */
	msgbox_args_out(uarg, &args, sizeof(args), usize);
	return i;
}

/**
 * msgbox_ioctl() - the unlocked_ioctl of /dev/msgbox
 * @file: the file
 * @cmd: the command
 * @arg: user pointer to the command's argument structure
 *
 * Context: process context, may sleep.
 * Return: the command's result, or -ENOTTY for an unknown command.
 */
long msgbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != MSGBOX_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(MSGBOX_IOC_OPEN):
		return msgbox_ioctl_open(file, uarg);
	case _IOC_NR(MSGBOX_IOC_DESTROY):
		return msgbox_ioctl_destroy(file, uarg);
	case _IOC_NR(MSGBOX_IOC_SEND):
		return msgbox_ioctl_send(file, uarg, false, U32_MAX);
	case _IOC_NR(MSGBOX_IOC_RECV):
		return msgbox_ioctl_recv(file, uarg, false, U32_MAX);
	case _IOC_NR(MSGBOX_IOC_SEND_BATCH):
		return msgbox_ioctl_batch(file, uarg, true);
	case _IOC_NR(MSGBOX_IOC_RECV_BATCH):
		return msgbox_ioctl_batch(file, uarg, false);
	case _IOC_NR(MSGBOX_IOC_STAT):
		return msgbox_ioctl_stat(file, uarg);
	case _IOC_NR(MSGBOX_IOC_NOTIFY):
		return msgbox_ioctl_notify(file, uarg);
	case _IOC_NR(MSGBOX_IOC_CALL):
		return msgbox_ioctl_call(file, uarg);
	case _IOC_NR(MSGBOX_IOC_SETTLE):
		return msgbox_ioctl_settle(file, uarg);
	}
	return -ENOTTY;
}
