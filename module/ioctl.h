/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: ioctl dispatch
 *
 * Commands are dispatched on their number alone: the size encoded in the
 * command is that of the first version of each structure, and the size
 * field at the start of every structure says which version the caller was
 * built with. copy_struct_from_user() then accepts older and newer callers
 * alike. Each command has one handler.
 */
#ifndef _MSGBOX_IOCTL_H
#define _MSGBOX_IOCTL_H

#include <linux/fs.h>
#include <linux/mutex.h>

struct msgbox_mailbox;

/**
 * struct msgbox_file - per-file state of /dev/msgbox
 * @bind_lock: serialises MSGBOX_IOC_OPEN on this file
 * @mb: the mailbox the file is bound to, or NULL; written once under
 *	@bind_lock with smp_store_release(), read with smp_load_acquire()
 */
struct msgbox_file {
	struct mutex bind_lock;		/* serialises binding, see above */
	struct msgbox_mailbox *mb;
};

long msgbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
ssize_t msgbox_write(struct file *file, const char __user *ubuf, size_t len,
		     loff_t *ppos);
ssize_t msgbox_read(struct file *file, char __user *ubuf, size_t len,
		    loff_t *ppos);

/**
 * msgbox_file_mailbox() - the mailbox a file of /dev/msgbox is bound to
 * @file: the file
 *
 * The file's reference keeps the mailbox alive.
 *
 * Context: any; lockless.
 * Return: the mailbox, or NULL when the file is not bound.
 */
static inline struct msgbox_mailbox *msgbox_file_mailbox(struct file *file)
{
	struct msgbox_file *mf = file->private_data;

	/* Pairs with the release in msgbox_ioctl_open(): @mb is initialised. */
	return smp_load_acquire(&mf->mb);
}

#endif /* _MSGBOX_IOCTL_H */
