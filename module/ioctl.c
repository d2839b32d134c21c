// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl handlers: argument copying and checking, then the mailbox and queue
 * code does the work.
 */
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include <linux/msgbox.h>

#include "direct.h"
#include "fault.h"
#include "ioctl.h"
#include "mailbox.h"
#include "main.h"
#include "message.h"
#include "queue.h"
#include "uaccess.h"

/*
 * Copy a versioned argument structure in. Returns the caller's size in
 * @usize for msgbox_args_out().
 */
static __msgbox_hot int msgbox_args_in(void *dst, size_t ksize, size_t ver0,
				       const void __user *uarg, u32 *usize)
{
	u32 size;

	/* The common case, in one user-access section: this version. */
	if (!msgbox_copy_from_user(dst, uarg, ksize) &&
	    *(const u32 *)dst == ksize) {
		*usize = ksize;
		return 0;
	}
	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < ver0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	*usize = size;
	return copy_struct_from_user(dst, ksize, uarg, size);
}

/* Copy a structure back out, no more than the caller's version holds. */
static int msgbox_args_out(void __user *uarg, const void *src, size_t ksize,
			   u32 usize)
{
	return msgbox_copy_to_user(uarg, src, min_t(size_t, ksize, usize));
}

/* Copy a name in and check it: -EFAULT, -ENAMETOOLONG or -EINVAL. */
static int msgbox_name_in(char *name, u64 uname)
{
	long len;

	len = strncpy_from_user(name, u64_to_user_ptr(uname),
				MSGBOX_NAME_MAX + 1);
	if (len < 0)
		return len;
	if (len > MSGBOX_NAME_MAX)
		return -ENAMETOOLONG;
	return msgbox_name_check(name);
}

/* Turn a user deadline on CLOCK_MONOTONIC into a host ktime. */
static int msgbox_deadline_in(u64 deadline_ns, ktime_t *deadline)
{
	if (deadline_ns > KTIME_MAX)
		return -EINVAL;
	*deadline = msgbox_compat_monotonic_to_host(ns_to_ktime(deadline_ns));
	/* 0 means "no deadline" internally; 1 ns has long passed anyway. */
	if (!*deadline)
		*deadline = 1;
	return 0;
}

static int msgbox_ioctl_open(struct file *file, void __user *uarg)
{
	struct msgbox_file *mf = file->private_data;
	struct msgbox_open_args args;
	char name[MSGBOX_NAME_MAX + 1];
	struct msgbox_mailbox *mb;
	bool port;
	umode_t mode;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_OPEN_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_OPEN_SIZE_VER0, uarg,
			     &usize);
	if (err)
		return err;
	if ((args.flags & ~MSGBOX_OPEN_FLAGS) || args.__reserved ||
	    (args.mode & ~0777))
		return -EINVAL;

	port = args.flags & MSGBOX_OPEN_PORT;
	if (port) {
		if (args.name || (args.flags & (MSGBOX_OPEN_CREATE |
						MSGBOX_OPEN_EXCL)))
			return -EINVAL;
	} else {
		if ((args.flags & (MSGBOX_OPEN_EXCL | MSGBOX_OPEN_DEDUP)) &&
		    !(args.flags & MSGBOX_OPEN_CREATE))
			return -EINVAL;
		err = msgbox_name_in(name, args.name);
		if (err)
			return err;
	}
	/*
	 * A descriptor opened with neither read nor write access (O_ACCMODE
	 * is accepted for device files) has nothing to be granted: binding it
	 * would skip the mode check, and stat, poll and notification with it.
	 */
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EBADF;
	/* A named mailbox's limits matter only if it is created: see there. */
	if (port && msgbox_limits_check(args.capacity, args.max_msg_size))
		return -EINVAL;
	mode = (args.mode ? args.mode : 0600) & ~current_umask();

	mutex_lock(&mf->bind_lock);
	if (mf->mb) {
		err = -EBUSY;
		goto out_unlock;
	}
	if (port)
		err = msgbox_port_new(file, args.flags, args.capacity,
				      args.max_msg_size, mode, &mb);
	else
		err = msgbox_mailbox_open(name, args.flags, args.capacity,
					  args.max_msg_size, mode,
					  file->f_mode & (FMODE_READ | FMODE_WRITE),
					  &mb);
	if (!err) {
		/* Publish the fully set-up binding to lockless readers. */
		smp_store_release(&mf->mb, mb);
	}
out_unlock:
	mutex_unlock(&mf->bind_lock);
	return err;
}

static int msgbox_ioctl_destroy(struct file *file, void __user *uarg)
{
	struct msgbox_destroy_args args;
	char name[MSGBOX_NAME_MAX + 1];
	struct msgbox_mailbox *mb;
	bool unlink_only;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_DESTROY_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_DESTROY_SIZE_VER0,
			     uarg, &usize);
	if (err)
		return err;
	if (args.flags & ~MSGBOX_DESTROY_FLAGS)
		return -EINVAL;
	unlink_only = args.flags & MSGBOX_DESTROY_UNLINK;

	if (args.flags & MSGBOX_DESTROY_BOUND) {
		if (args.name)
			return -EINVAL;
		mb = msgbox_file_mailbox(file);
		if (!mb)
			return -ENOTCONN;
		return msgbox_mailbox_destroy(mb, unlink_only);
	}

	err = msgbox_name_in(name, args.name);
	if (err)
		return err;
	return msgbox_mailbox_destroy_name(name, unlink_only);
}

/*
 * Write a send's results (@id, @result and the zero after them) back; the
 * rest of the caller's structure is left as it was.
 */
static __msgbox_hot int
msgbox_send_result_out(struct msgbox_send_args __user *uarg,
		       const struct msgbox_send_args *args)
{
	size_t off = offsetof(struct msgbox_send_args, id);

	BUILD_BUG_ON(sizeof(*args) - off != 2 * sizeof(u64));
	return msgbox_copy_to_user((void __user *)uarg + off,
				   (const void *)args + off, sizeof(*args) - off);
}

/*
 * Write the ids of @n sent entries, @stride bytes apart from @uentries,
 * back with a zero result, in one user-access section; stop at the first
 * fault.
 */
static __msgbox_hot void msgbox_send_ids_out(void __user *uentries, u32 stride,
					     const u64 *ids, u32 n)
{
	struct msgbox_send_args __user *e;
	u32 i;

	if (!n || !user_access_begin(uentries,
				     (size_t)(n - 1) * stride + sizeof(*e)))
		return;
	for (i = 0; i < n; i++) {
		e = uentries + (size_t)i * stride;
		unsafe_put_user(ids[i], &e->id, out);
		unsafe_put_user(0, &e->result, out);
	}
out:
	user_access_end();
}

/*
 * Read send arguments of this module's version and clear their results in
 * one user-access section: the results must be writable before the
 * message goes (see msgbox_do_send()). Clearing them in arguments that
 * turn out to be invalid, or of another version, is harmless; with
 * MSGBOX_SEND_NORESULT they are left alone.
 *
 * The payload of a plain send of up to MSGBOX_SEND_BOUNCE_MAX bytes comes
 * in the same section, into @bounce, and *@bounced says so: under binary
 * translation a user-access section costs about as much as the copies it
 * holds. A payload that faults is left for msgbox_do_send() to copy, and
 * to fail with -EFAULT in its turn, after the checks that come first.
 */
static __msgbox_hot int
msgbox_send_entry_in(struct msgbox_send_args *args,
		     struct msgbox_send_args __user *uentry, u8 *bounce,
		     bool *bounced)
{
	const u8 __user *ubuf;
	int err;

	*bounced = false;
	if (!user_access_begin(uentry, sizeof(*args)))
		return -EFAULT;
	err = msgbox_copy_in_words((u8 *)args, (const u8 __user *)uentry,
				   sizeof(*args));
	if (err)
		goto out;
	ubuf = u64_to_user_ptr(args->buf);
	if (args->size == sizeof(*args) &&
	    !(args->flags & ~MSGBOX_SEND_NORESULT) &&
	    args->len <= MSGBOX_SEND_BOUNCE_MAX && access_ok(ubuf, args->len))
		*bounced = !msgbox_copy_in_words(bounce, ubuf, args->len);
	if (!(args->flags & MSGBOX_SEND_NORESULT)) {
		unsafe_put_user(0, &uentry->id, efault);
		unsafe_put_user(0, &uentry->result, efault);
	}
	args->id = 0;
	args->result = 0;
out:
	user_access_end();
	return err;

efault:
	user_access_end();
	return -EFAULT;
}

/*
 * The send itself, once the arguments are checked and @mb is known: @args
 * as the caller gave them, @uarg where the results go back, or NULL for
 * write() and MSGBOX_SEND_NORESULT; @cleared when they were cleared there
 * already; @kbuf the payload when it was copied in with them, or NULL.
 * Returns 0 or a negative errno; @args->id and @args->result hold the
 * outcome.
 */
static __msgbox_hot int msgbox_do_send(struct msgbox_mailbox *mb,
				       struct msgbox_send_args *args,
				       const struct msgbox_wait *w,
				       struct msgbox_send_args __user *uarg,
				       bool cleared, const void *kbuf)
{
	struct msgbox_msg *msg, *dup = NULL;
	bool faulty;
	int err;

	if (READ_ONCE(mb->dead))
		return -EIDRM;
	if (args->len > mb->max_msg_size)
		return -EMSGSIZE;

	/*
	 * Make sure the results can be written back before sending: once
	 * the message is queued, failing the call would make a retry send
	 * it twice.
	 */
	args->id = 0;
	args->result = 0;
	if (uarg && !cleared) {
		err = msgbox_send_result_out(uarg, args);
		if (err)
			return err;
	}
	faulty = msgbox_fault_any(mb);

	if (args->len >= MSGBOX_DIRECT_MIN &&
	    msgbox_queue_direct_ok(mb, args)) {
		/* One copy, straight into a waiting receiver's buffer. */
		msg = msgbox_msg_new(NULL, NULL, NULL, 0);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		msg->prio = args->prio;
		err = msgbox_queue_send_direct(mb, msg,
					       u64_to_user_ptr(args->buf),
					       args->len, &args->id,
					       &args->result);
		if (err <= 0)
			goto out_copy;
	}

	msg = msgbox_msg_new(&mb->spares, u64_to_user_ptr(args->buf), kbuf,
			     args->len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	msg->prio = args->prio;
	if (args->flags & MSGBOX_SEND_KEY) {
		msg->key = args->key;
		msg->flags |= MSGBOX_MSG_KEY;
	}

	if (faulty && msgbox_fault_hit(mb, MSGBOX_FAULT_DROP)) {
		msgbox_msg_put(msg);
		/* A rendezvous send waits for its receiver as an ack does. */
		if ((args->flags & MSGBOX_SEND_ACK) ||
		    (!mb->capacity && !w->nonblock))
			err = msgbox_queue_sleep_lost(w);
		else
			err = 0;
		goto out_copy;
	}
	if (faulty && msg->len &&
	    msgbox_fault_hit(mb, MSGBOX_FAULT_CORRUPT)) {
		u32 bit = get_random_u32_below(msg->len * 8);

		msgbox_msg_data(msg)[bit / 8] ^= 1U << (bit % 8);
	}
	if (args->flags & MSGBOX_SEND_CSUM) {
		if (msgbox_compat_crc32c(msgbox_msg_data(msg), msg->len) !=
		    args->csum) {
			msgbox_msg_put(msg);
			return -EBADMSG;
		}
		msg->csum = args->csum;
		msg->flags |= MSGBOX_MSG_CSUM;
	}
	if (faulty && msgbox_fault_hit(mb, MSGBOX_FAULT_DUP))
		dup = msgbox_msg_clone(msg);

	err = msgbox_queue_send(mb, msg, w, args->flags & MSGBOX_SEND_ACK,
				&args->id, &args->result);
	if (dup && err) {
		/* The original did not arrive: neither does its copy. */
		msgbox_msg_put(dup);
		dup = NULL;
	}
	if (dup) {
		struct msgbox_wait dup_w = { .nonblock = true };
		u64 dup_id;
		u32 dup_result;

		/* The second copy arrives if there is room for it. */
		msgbox_queue_send(mb, dup, &dup_w, false, &dup_id, &dup_result);
	}
	if (!err && faulty && (args->result & MSGBOX_SENT_DELIVERED) &&
	    msgbox_fault_hit(mb, MSGBOX_FAULT_ACKLOSS))
		err = -ETIMEDOUT;
out_copy:
	/*
	 * The message is sent (or, -EINPROGRESS, in a receiver's hands): a
	 * late fault here must not say otherwise, and the id goes back.
	 */
	if ((!err || err == -EINPROGRESS) && uarg)
		msgbox_send_result_out(uarg, args);
	return err;
}

/* One send; @nonblock makes it non-blocking whatever the file's flags. */
static __msgbox_hot int msgbox_send_one(struct file *file, void __user *uarg,
					bool nonblock)
{
	struct msgbox_wait w = {
		.nonblock = nonblock || (file->f_flags & O_NONBLOCK),
	};
	struct msgbox_mailbox *mb, *port = NULL;
	/*
	 * __uninitialized: written before they are read, so not cleared on
	 * every call by the stack initialisation of hardened kernels
	 * (CONFIG_INIT_STACK_ALL_ZERO), a store of 320 bytes per send.
	 */
	u8 bounce[MSGBOX_SEND_BOUNCE_MAX] __aligned(8) __uninitialized;
	struct msgbox_send_args args __uninitialized;
	bool cleared, bounced;
	const void *kbuf;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_SEND_SIZE_VER0);
	/* Bounced payloads are small: never one for the direct hand-off. */
	BUILD_BUG_ON(MSGBOX_SEND_BOUNCE_MAX >= MSGBOX_DIRECT_MIN);
	cleared = !msgbox_send_entry_in(&args, uarg, bounce, &bounced) &&
		  args.size == sizeof(args);
	if (!cleared) {
		bounced = false;
		err = msgbox_args_in(&args, sizeof(args), MSGBOX_SEND_SIZE_VER0,
				     uarg, &usize);
		if (err)
			return err;
	}
	kbuf = bounced ? bounce : NULL;
	if ((args.flags & ~MSGBOX_SEND_FLAGS) || args.__reserved ||
	    args.prio >= MSGBOX_PRIO_MAX)
		return -EINVAL;
	if (args.flags & MSGBOX_SEND_DEADLINE) {
		err = msgbox_deadline_in(args.deadline_ns, &w.deadline);
		if (err)
			return err;
	}
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (args.flags & MSGBOX_SEND_NORESULT)
		uarg = NULL;

	if (!(args.flags & MSGBOX_SEND_TO_PID)) {
		mb = msgbox_file_mailbox(file);
		if (!mb)
			return -ENOTCONN;
		return msgbox_do_send(mb, &args, &w, uarg, cleared, kbuf);
	}

	if (args.pid <= 0)
		return -EINVAL;
	port = msgbox_port_find(args.pid);
	if (IS_ERR(port))
		return PTR_ERR(port);
	err = msgbox_mailbox_permission(port, FMODE_WRITE);
	if (!err)
		err = msgbox_do_send(port, &args, &w, uarg, cleared, kbuf);
	msgbox_mailbox_put(port);
	return err;
}

/*
 * A plain send of @len bytes at @ubuf: priority 0, no key, no checksum,
 * nothing written back. For write(2), whose caller the VFS has checked for
 * write access already, and MSGBOX_IOC_SEND_PLAIN.
 */
static __msgbox_hot int msgbox_send_plain(struct file *file,
					  const void __user *ubuf, size_t len)
{
	struct msgbox_wait w = { .nonblock = file->f_flags & O_NONBLOCK };
	struct msgbox_mailbox *mb;
	struct msgbox_send_args args = {
		.size = sizeof(args),
		.buf = (unsigned long)ubuf,
	};

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	/* No mailbox takes more; msgbox_do_send() checks its own limit. */
	if (len > U32_MAX)
		return -EMSGSIZE;
	args.len = len;
	return msgbox_do_send(mb, &args, &w, NULL, false, NULL);
}

/**
 * msgbox_write() - write(2): send the bytes written as one message
 * @file: a file bound to a mailbox, open for writing
 * @ubuf: the payload
 * @len: its length
 * @ppos: unused: the file is a stream
 *
 * The message has priority 0, no key and no checksum. The call blocks as
 * MSGBOX_IOC_SEND does, unless the file is O_NONBLOCK. There is no short
 * write: the whole message is sent, or nothing.
 *
 * Context: process context, may sleep.
 * Return: @len, or -ENOTCONN, -EIDRM, -EMSGSIZE, -EAGAIN, -ERESTARTSYS,
 * -EINPROGRESS (a rendezvous), -EFAULT or -ENOMEM.
 */
__msgbox_hot ssize_t msgbox_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	int err = msgbox_send_plain(file, ubuf, len);

	return err ? err : len;
}

/**
 * msgbox_read() - read(2): receive the next message
 * @file: a file bound to a mailbox, open for reading
 * @ubuf: the buffer
 * @len: its size
 * @ppos: unused: the file is a stream
 *
 * Takes the next message as MSGBOX_IOC_RECV does with no flags, blocking
 * unless the file is O_NONBLOCK. A message larger than @len stays queued
 * and the call fails with -EMSGSIZE; nothing is ever truncated.
 *
 * Context: process context, may sleep.
 * Return: the message's length, or -ENOTCONN, -EIDRM, -EMSGSIZE, -EAGAIN,
 * -ERESTARTSYS or -EFAULT.
 */
__msgbox_hot ssize_t msgbox_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct msgbox_wait w = { .nonblock = file->f_flags & O_NONBLOCK };
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	struct msgbox_recv_args args = {
		.size = sizeof(args),
		.buf = (unsigned long)ubuf,
		.buf_len = min_t(size_t, len, U32_MAX),
	};

	if (!mb)
		return -ENOTCONN;
	return msgbox_queue_recv(mb, &args, &w, NULL, 0);
}

/* One receive; @nonblock as for msgbox_send_one(). */
static __msgbox_hot int msgbox_recv_one(struct file *file, void __user *uarg,
					bool nonblock)
{
	struct msgbox_wait w = {
		.nonblock = nonblock || (file->f_flags & O_NONBLOCK),
	};
	/* Filled by msgbox_args_in() before use (see msgbox_send_one()). */
	struct msgbox_recv_args args __uninitialized;
	struct msgbox_mailbox *mb;
	u32 usize;
	int ret, err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_RECV_SIZE_VER0);
	/* A message is queued and this is a plain receive: the short way. */
	mb = msgbox_file_mailbox(file);
	if (mb && (file->f_mode & FMODE_READ) &&
	    msgbox_queue_recv_fast(mb, uarg, &ret))
		return ret;

	err = msgbox_args_in(&args, sizeof(args), MSGBOX_RECV_SIZE_VER0, uarg,
			     &usize);
	if (err)
		return err;
	if ((args.flags & ~MSGBOX_RECV_FLAGS) || args.__reserved)
		return -EINVAL;
	if ((args.flags & MSGBOX_RECV_FROM_PID) && args.from_pid <= 0)
		return -EINVAL;
	if (args.flags & MSGBOX_RECV_DEADLINE) {
		err = msgbox_deadline_in(args.deadline_ns, &w.deadline);
		if (err)
			return err;
	}
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!mb)
		return -ENOTCONN;

	ret = msgbox_queue_recv(mb, &args, &w, uarg, usize);
	/* A received message's arguments were copied out with it. */
	if (ret == -EMSGSIZE || (ret >= 0 && (args.flags & MSGBOX_RECV_PEEK))) {
		err = msgbox_args_out(uarg, &args, sizeof(args), usize);
		if (err)
			return err;
	}
	return ret;
}

/*
 * A run of plain sends from a batch, at most MSGBOX_BATCH_RUN and no more
 * than the mailbox has room for: each entry of this module's version
 * without flags is checked and copied in, then all go into the mailbox
 * under one hold of its lock. Never blocks.
 * Returns how many were sent; 0 leaves the entry to msgbox_send_one().
 */
static __msgbox_hot u32 msgbox_send_run(struct file *file,
					void __user *uentries, u32 count,
					u32 stride)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	/* Written before they are read (see msgbox_send_one()). */
	u8 bounce[MSGBOX_SEND_BOUNCE_MAX] __aligned(8) __uninitialized;
	struct msgbox_msg *msgs[MSGBOX_BATCH_RUN] __uninitialized;
	u64 ids[MSGBOX_BATCH_RUN] __uninitialized;
	struct msgbox_send_args args __uninitialized;
	struct msgbox_spares spares;
	void __user *entry = uentries;
	struct msgbox_msg *msg;
	u32 n, i, sent;
	bool bounced;

	if (!mb || !(file->f_mode & FMODE_WRITE) || !mb->capacity ||
	    READ_ONCE(mb->dead) || msgbox_fault_any(mb))
		return 0;
	/* Copy in no more than fits: the rest would only go back. */
	count = min3(count, (u32)MSGBOX_BATCH_RUN, msgbox_queue_room(mb));
	if (!count)
		return 0;
	/* The mailbox's spare objects, taken once for the whole run. */
	msgbox_spares_init_local(&spares);
	msgbox_spares_move(&mb->spares, &spares);
	for (n = 0; n < count; n++, entry += stride) {
		if (msgbox_send_entry_in(&args, entry, bounce, &bounced) ||
		    args.size != sizeof(args) || args.flags ||
		    args.__reserved || args.prio >= MSGBOX_PRIO_MAX ||
		    args.len > mb->max_msg_size)
			break;
		msg = msgbox_msg_new(&spares, u64_to_user_ptr(args.buf),
				     bounced ? bounce : NULL, args.len);
		if (IS_ERR(msg))
			break;
		msg->prio = args.prio;
		msgs[n] = msg;
	}
	sent = n ? msgbox_queue_send_many(mb, msgs, n, ids) : 0;
	/* What found no room goes back with the spares not used. */
	for (i = sent; i < n; i++)
		msgbox_msg_put_spare(&spares, msgs[i]);
	msgbox_spares_move(&spares, &mb->spares);
	/* Sent: a late fault writing an id back must not say otherwise. */
	msgbox_send_ids_out(uentries, stride, ids, sent);
	return sent;
}

/*
 * A run of plain receives from a batch (see msgbox_queue_recv_many()).
 * Never blocks. Returns how many were received; 0 leaves the entry to
 * msgbox_recv_one().
 */
static __msgbox_hot u32 msgbox_recv_run(struct file *file,
					void __user *uentries, u32 count,
					u32 stride)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);

	if (!mb || !(file->f_mode & FMODE_READ))
		return 0;
	return msgbox_queue_recv_many(mb, uentries, count, stride);
}

/*
 * Before the first entry of a blocking batch: when that entry is plain and
 * the mailbox has a capacity, wait for room (or a message) first; see
 * msgbox_queue_wait(). Returns 0 to go on, or the error that ends the
 * batch before any entry.
 */
static __msgbox_hot int msgbox_batch_wait(struct file *file, void __user *entry,
					  bool send)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	u32 head[2];	/* the entry's size and flags */

	if (!mb || !mb->capacity ||
	    !(file->f_mode & (send ? FMODE_WRITE : FMODE_READ)) ||
	    msgbox_copy_from_user(head, entry, sizeof(head)) || head[1] ||
	    head[0] != (send ? sizeof(struct msgbox_send_args) :
			       sizeof(struct msgbox_recv_args)))
		return 0;
	return msgbox_queue_wait(mb, send);
}

static __msgbox_hot int msgbox_ioctl_batch(struct file *file, void __user *uarg,
					   bool send)
{
	struct msgbox_batch_args args;
	void __user *entry;
	bool nonblock;
	u32 usize, i, n;
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
	if (err)
		return err;

	/*
	 * count * entry_size is at most 4 MiB: no overflow. Runs of plain
	 * entries that cannot block go through the mailbox lock together;
	 * any other entry, and the one a run stopped at, goes one at a time.
	 */
	entry = u64_to_user_ptr(args.entries);
	nonblock = (args.flags & MSGBOX_BATCH_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	if (args.count && !nonblock) {
		err = msgbox_batch_wait(file, entry, send);
		if (err)
			return err;
	}
	for (i = 0; i < args.count; ) {
		n = send ? msgbox_send_run(file, entry, args.count - i,
					   args.entry_size) :
			   msgbox_recv_run(file, entry, args.count - i,
					   args.entry_size);
		if (n) {
			i += n;
			entry += (size_t)n * args.entry_size;
			continue;
		}
		ret = send ? msgbox_send_one(file, entry, nonblock || i > 0) :
			     msgbox_recv_one(file, entry, nonblock || i > 0);
		if (ret < 0)
			break;
		i++;
		entry += args.entry_size;
	}
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

static int msgbox_ioctl_stat(struct file *file, void __user *uarg)
{
	struct msgbox_stat_args args;
	struct msgbox_mailbox *mb;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_STAT_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_STAT_SIZE_VER0, uarg,
			     &usize);
	if (err)
		return err;
	if (args.flags)
		return -EINVAL;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	if (READ_ONCE(mb->dead))
		return -EIDRM;

	msgbox_queue_stat(mb, &args);
	return msgbox_args_out(uarg, &args, sizeof(args), usize);
}

static int msgbox_ioctl_notify(struct file *file, void __user *uarg)
{
	struct msgbox_notify_args args;
	struct msgbox_mailbox *mb;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_NOTIFY_SIZE_VER0);
	err = msgbox_args_in(&args, sizeof(args), MSGBOX_NOTIFY_SIZE_VER0,
			     uarg, &usize);
	if (err)
		return err;
	if ((args.flags & ~MSGBOX_NOTIFY_FLAGS) || args.__reserved)
		return -EINVAL;
	if (!(args.flags & MSGBOX_NOTIFY_CLEAR) && !valid_signal(args.signo))
		return -EINVAL;
	if (args.signo < 0)
		return -EINVAL;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	/* Notification is for receivers: it tells who sent, and when. */
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	return msgbox_queue_notify(mb, file, &args);
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
__msgbox_hot long msgbox_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
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
		return msgbox_send_one(file, uarg, false);
	case _IOC_NR(MSGBOX_IOC_RECV):
		return msgbox_recv_one(file, uarg, false);
	case _IOC_NR(MSGBOX_IOC_SEND_BATCH):
		return msgbox_ioctl_batch(file, uarg, true);
	case _IOC_NR(MSGBOX_IOC_RECV_BATCH):
		return msgbox_ioctl_batch(file, uarg, false);
	case _IOC_NR(MSGBOX_IOC_STAT):
		return msgbox_ioctl_stat(file, uarg);
	case _IOC_NR(MSGBOX_IOC_NOTIFY):
		return msgbox_ioctl_notify(file, uarg);
	case _IOC_NR(MSGBOX_IOC_SEND_PLAIN(0)):
		/* The length is the command's size field (see the uapi). */
		if (_IOC_DIR(cmd) != _IOC_WRITE)
			return -ENOTTY;
		return msgbox_send_plain(file, uarg, _IOC_SIZE(cmd));
	}
	return -ENOTTY;
}
