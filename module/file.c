// SPDX-License-Identifier: GPL-2.0
/*
 * A descriptor of /dev/msgbox: its binding to a mailbox, and read(2) and
 * write(2), a plain receive and a plain send on it.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <linux/msgbox.h>

#include "file.h"
#include "hold.h"
#include "mailbox.h"
#include "notify.h"
#include "recv.h"
#include "send.h"

/**
 * msgbox_file_open() - set up a new, unbound file
 * @file: the file
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int msgbox_file_open(struct file *file)
{
	struct msgbox_file *mf;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		return -ENOMEM;
	mutex_init(&mf->bind_lock);
	file->private_data = mf;
	return 0;
}

/**
 * msgbox_file_release() - the last reference to a file is gone
 * @file: the file
 *
 * Returns the messages it holds to the queue and fails the calls it holds
 * (see hold.h), removes its notification registration, destroys the port
 * it registered, and drops its reference on its mailbox.
 *
 * Context: process context, may sleep.
 */
void msgbox_file_release(struct file *file)
{
	struct msgbox_file *mf = file->private_data;
	struct msgbox_mailbox *mb = mf->mb;

	if (mb) {
		/* What it holds goes back, and its calls fail at once. */
		msgbox_hold_close(mb, file);
		msgbox_notify_release(mb, file);
		if (mb->flags & MSGBOX_MBF_PORT)
			msgbox_port_release(mb, file);
		msgbox_mailbox_put(mb);
	}
	mutex_destroy(&mf->bind_lock);
	kfree(mf);
}

/**
 * msgbox_file_bind() - bind a file to a named mailbox or to a new port
 * @file: the file, opened for reading, writing or both
 * @name: a checked name, or NULL for the caller's port
 * @flags: MSGBOX_OPEN_* flags, checked
 * @capacity: of a mailbox created
 * @max_msg_size: of a mailbox created
 * @mode: of a mailbox created, umask applied
 *
 * Context: process context, may sleep; takes the file's bind_lock.
 * Return: 0, -EBUSY (bound already), or what msgbox_mailbox_open() or
 * msgbox_port_new() return.
 */
int msgbox_file_bind(struct file *file, const char *name, u32 flags,
		     u32 capacity, u32 max_msg_size, umode_t mode)
{
	struct msgbox_file *mf = file->private_data;
	struct msgbox_mailbox *mb;
	int err;

	mutex_lock(&mf->bind_lock);
	if (mf->mb) {
		err = -EBUSY;
		goto out_unlock;
	}
	if (!name)
		err = msgbox_port_new(file, flags, capacity, max_msg_size,
				      mode, &mb);
	else
		err = msgbox_mailbox_open(name, flags, capacity, max_msg_size,
					  mode,
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
ssize_t msgbox_write(struct file *file, const char __user *ubuf, size_t len,
		     loff_t *ppos)
{
	struct msgbox_send_req req = {
		.buf = ubuf,
		.w.nonblock = file->f_flags & O_NONBLOCK,
	};
	struct msgbox_mailbox *mb;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mb = msgbox_file_mailbox(file);
	if (!mb)
		return -ENOTCONN;
	/* No mailbox takes more; the core checks the mailbox's own limit. */
	if (len > U32_MAX)
		return -EMSGSIZE;
	req.len = len;
	ret = msgbox_send(mb, &req, 1);
	if (ret < 0)
		return ret;
	return len;
}

/**
 * msgbox_read() - read(2): receive the next message
 * @file: a file bound to a mailbox, open for reading
 * @ubuf: the buffer
 * @len: its size
 * @ppos: unused: the file is a stream
 *
 * Takes the next message as MSGBOX_IOC_RECV does with no flags, blocking
 * unless the file is O_NONBLOCK; a call it takes is held, as any receive
 * holds one. A message larger than @len stays queued and the call fails
 * with -EMSGSIZE; nothing is ever truncated.
 *
 * Context: process context, may sleep.
 * Return: the message's length, or -ENOTCONN, -EIDRM, -EMSGSIZE, -EAGAIN,
 * -ERESTARTSYS or -EFAULT.
 */
ssize_t msgbox_read(struct file *file, char __user *ubuf, size_t len,
		    loff_t *ppos)
{
	struct msgbox_recv_req req = {
		.buf = ubuf,
		.buf_len = min_t(size_t, len, U32_MAX),
		.holder = file,
		.w.nonblock = file->f_flags & O_NONBLOCK,
	};
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);
	int ret;

	if (!mb)
		return -ENOTCONN;
	ret = msgbox_recv(mb, &req, 1);
	if (ret < 0)
		return ret;
	return req.desc.len;
}
