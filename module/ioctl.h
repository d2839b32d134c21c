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

#include <linux/mutex.h>

struct file;
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
struct msgbox_mailbox *msgbox_file_mailbox(struct file *file);

#endif /* _MSGBOX_IOCTL_H */
