// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch of the commands on a mailbox itself: MSGBOX_IOC_OPEN,
 * MSGBOX_IOC_DESTROY, MSGBOX_IOC_STAT and MSGBOX_IOC_NOTIFY.
 */
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/uaccess.h>

#include <linux/msgbox.h>

#include "file.h"
#include "ioctl.h"
#include "limits.h"
#include "mailbox.h"
#include "notify.h"
#include "queue.h"

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

int msgbox_ioctl_open(struct file *file, void __user *uarg)
{
	struct msgbox_open_args args;
	char name[MSGBOX_NAME_MAX + 1];
	bool port;
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

	return msgbox_file_bind(file, port ? NULL : name, args.flags,
				args.capacity, args.max_msg_size,
				(args.mode ? args.mode : 0600) & ~current_umask());
}

int msgbox_ioctl_destroy(struct file *file, void __user *uarg)
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

int msgbox_ioctl_stat(struct file *file, void __user *uarg)
{
	struct msgbox_stat_args args;
	struct msgbox_mailbox *mb;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(args) != MSGBOX_STAT_SIZE_VER1);
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

int msgbox_ioctl_notify(struct file *file, void __user *uarg)
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
	return msgbox_notify_register(mb, file, &args);
}
