/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the dispatch layer
 *
 * Commands are dispatched on their number alone, whatever size the
 * command encodes (that of the structure the caller was built with), and the size
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
#include <linux/ktime.h>
#include <linux/types.h>

struct msgbox_mailbox;
struct msgbox_settle_req;

long msgbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* The handlers, and what they share, in ioctl*.c. */
int msgbox_args_in_max(void *dst, size_t ksize, size_t ver0, u32 max,
		       const void __user *uarg, u32 *usize);
int msgbox_args_in(void *dst, size_t ksize, size_t ver0,
		   const void __user *uarg, u32 *usize);
int msgbox_args_out(void __user *uarg, const void *src, size_t ksize,
		    u32 usize);
int msgbox_deadline_in(u64 deadline_ns, ktime_t *deadline);
struct msgbox_mailbox *msgbox_send_target(struct file *file, bool to_pid,
					  pid_t pid, bool *put);
int msgbox_ioctl_recv(struct file *file, void __user *uarg, bool nonblock,
		      u32 max);
int msgbox_ioctl_settle_recv(struct file *file, void __user *uarg,
			     struct msgbox_settle_req *settle, int *settle_err);
int msgbox_ioctl_call(struct file *file, void __user *uarg);
int msgbox_ioctl_open(struct file *file, void __user *uarg);
int msgbox_ioctl_destroy(struct file *file, void __user *uarg);
int msgbox_ioctl_stat(struct file *file, void __user *uarg);
int msgbox_ioctl_notify(struct file *file, void __user *uarg);
int msgbox_ioctl_settle(struct file *file, void __user *uarg);

#endif /* _MSGBOX_IOCTL_H */
