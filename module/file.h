/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: a descriptor and its binding
 *
 * Every open of /dev/msgbox gets a struct msgbox_file, unbound. Binding it
 * (MSGBOX_IOC_OPEN, by name or as the caller's port) happens once: a
 * second bind is -EBUSY. @bind_lock serialises binding only; once @mb is
 * set it never changes until the file is released, so every other call
 * reads it without a lock, through msgbox_file_mailbox(), whose acquire
 * pairs with the release that published it. The binding holds a reference
 * on the mailbox, dropped when the file is released; releasing the file
 * that registered a port destroys the port, and a file's arrival
 * notification registration goes with it.
 *
 * A file opened with neither read nor write access cannot be bound.
 * read(2) and write(2) on a bound file are a plain receive and a plain
 * send (recv.h, send.h).
 */
#ifndef _MSGBOX_FILE_H
#define _MSGBOX_FILE_H

#include <linux/fs.h>
#include <linux/mutex.h>

struct msgbox_mailbox;

/**
 * struct msgbox_file - what /dev/msgbox keeps per open file
 * @bind_lock: serialises binding, see the DOC above
 * @mb: the mailbox bound to, or NULL; set once
 */
struct msgbox_file {
	struct mutex bind_lock;		/* serialises binding; see the DOC */
	struct msgbox_mailbox *mb;
};

int msgbox_file_open(struct file *file);
void msgbox_file_release(struct file *file);
int msgbox_file_bind(struct file *file, const char *name, u32 flags,
		     u32 capacity, u32 max_msg_size, umode_t mode);
ssize_t msgbox_write(struct file *file, const char __user *ubuf, size_t len,
		     loff_t *ppos);
ssize_t msgbox_read(struct file *file, char __user *ubuf, size_t len,
		    loff_t *ppos);

/**
 * msgbox_file_mailbox() - the mailbox a file is bound to
 * @file: a file of /dev/msgbox
 *
 * Return: the mailbox, or NULL while unbound.
 */
static inline struct msgbox_mailbox *msgbox_file_mailbox(struct file *file)
{
	struct msgbox_file *mf = file->private_data;

	/* Pairs with the release in msgbox_file_bind(): @mb is set up. */
	return smp_load_acquire(&mf->mb);
}

#endif /* _MSGBOX_FILE_H */
