/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the dispatch layer
 *
 * Commands are dispatched on their number alone: the size encoded in the
 * command is that of the first version of each structure, and the size
 * field at the start of every structure says which version the caller was
 * built with; copy_struct_from_user() then accepts older and newer callers
 * alike. Each command has one handler, which copies its argument
 * structure in once, checks every field, fills a kernel-only request and
 * calls one core (send.h, recv.h, file.h, mailbox.h), then writes the
 * results back. Nothing below this layer sees a user argument structure.
 *
 * Results that must not be lost once a message has moved (a send's id, a
 * receive's description) are checked writable before the core is called:
 * only the caller unmapping them meanwhile can make the final write fail.
 */
#ifndef _MSGBOX_IOCTL_H
#define _MSGBOX_IOCTL_H

#include <linux/fs.h>

long msgbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _MSGBOX_IOCTL_H */
