// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox: mailbox message passing through /dev/msgbox.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "fault.h"
#include "ioctl.h"
#include "mailbox.h"
#include "message.h"
#include "main.h"
#include "proc.h"
#include "queue.h"

/*
 * Hard limits: what the module parameters may be raised to. They keep every
 * count in 32 bits and every message allocation within kvmalloc()'s reach.
 */
#define MSGBOX_HARD_MAX_MAILBOXES	65536
#define MSGBOX_HARD_MAX_MSG_SIZE	SZ_16M
#define MSGBOX_HARD_MAX_CAPACITY	65536

/* The hard limit of the module parameter backed by @arg. */
static unsigned int msgbox_param_hard_limit(const void *arg)
{
	if (arg == &msgbox_limits.max_msg_size)
		return MSGBOX_HARD_MAX_MSG_SIZE;
	if (arg == &msgbox_limits.max_capacity)
		return MSGBOX_HARD_MAX_CAPACITY;
	return MSGBOX_HARD_MAX_MAILBOXES;
}

static int msgbox_param_set_limit(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0,
				     msgbox_param_hard_limit(kp->arg));
}

static const struct kernel_param_ops msgbox_param_limit_ops = {
	.set = msgbox_param_set_limit,
	.get = param_get_uint,
};

module_param_cb(max_mailboxes, &msgbox_param_limit_ops,
		&msgbox_limits.max_mailboxes, 0644);
MODULE_PARM_DESC(max_mailboxes,
		 "Most mailboxes and ports alive at once (default 1024, at most 65536)");
module_param_cb(max_msg_size, &msgbox_param_limit_ops,
		&msgbox_limits.max_msg_size, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest message size of a new mailbox (default 1 MiB, at most 16 MiB)");
module_param_cb(max_capacity, &msgbox_param_limit_ops,
		&msgbox_limits.max_capacity, 0644);
MODULE_PARM_DESC(max_capacity,
		 "Largest capacity of a new mailbox (default 4096, at most 65536)");
module_param_cb(user_max_mailboxes, &msgbox_param_limit_ops,
		&msgbox_limits.user_max_mailboxes, 0644);
MODULE_PARM_DESC(user_max_mailboxes,
		 "Mailboxes and ports one user may have (default 256, at most 65536)");

/* Any byte count goes; 0 stops unprivileged users creating mailboxes. */
module_param_named(user_max_bytes, msgbox_limits.user_max_bytes, ullong, 0644);
MODULE_PARM_DESC(user_max_bytes,
		 "Bytes one user's mailboxes may hold, capacity x (message size + 64) (default 256 MiB)");

static int msgbox_param_set_poll_ns(const char *val,
				    const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, MSGBOX_POLL_NS_MAX);
}

static const struct kernel_param_ops msgbox_param_poll_ns_ops = {
	.set = msgbox_param_set_poll_ns,
	.get = param_get_uint,
};

module_param_cb(poll_ns, &msgbox_param_poll_ns_ops, &msgbox_poll_ns, 0644);
MODULE_PARM_DESC(poll_ns,
		 "How long a blocking send or receive polls before it sleeps, when its CPU has nothing else to run (ns; default 20000, at most 1000000; 0: never)");

static int msgbox_fop_open(struct inode *inode, struct file *file)
{
	struct msgbox_file *mf;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		return -ENOMEM;
	mutex_init(&mf->bind_lock);
	file->private_data = mf;
	return stream_open(inode, file);
}

static int msgbox_fop_release(struct inode *inode, struct file *file)
{
	struct msgbox_file *mf = file->private_data;
	struct msgbox_mailbox *mb = mf->mb;

	if (mb) {
		msgbox_queue_notify_release(mb, file);
		if (mb->flags & MSGBOX_MBF_PORT)
			msgbox_port_release(mb, file);
		msgbox_mailbox_put(mb);
	}
	mutex_destroy(&mf->bind_lock);
	kfree(mf);
	return 0;
}

static __poll_t msgbox_fop_poll(struct file *file, poll_table *pt)
{
	struct msgbox_mailbox *mb = msgbox_file_mailbox(file);

	if (!mb)
		return EPOLLERR;
	return msgbox_queue_poll(mb, file, pt);
}

static const struct file_operations msgbox_fops = {
	.owner = THIS_MODULE,
	.open = msgbox_fop_open,
	.release = msgbox_fop_release,
	.poll = msgbox_fop_poll,
	.read = msgbox_read,
	.write = msgbox_write,
	.unlocked_ioctl = msgbox_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice msgbox_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MSGBOX_DEVICE_NAME,
	.fops = &msgbox_fops,
	.mode = 0666,
};

static int __init msgbox_init(void)
{
	int err;

	err = msgbox_msg_init();
	if (err)
		return err;
	err = msgbox_fault_init();
	if (err)
		goto err_msg_exit;
	err = msgbox_proc_init();
	if (err)
		goto err_fault_exit;
	err = misc_register(&msgbox_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", MSGBOX_DEVICE_NAME, err);
		goto err_proc_exit;
	}
	pr_info("loaded, version %s\n", MSGBOX_VERSION);
	return 0;

err_proc_exit:
	msgbox_proc_exit();
err_fault_exit:
	msgbox_fault_exit();
err_msg_exit:
	msgbox_msg_exit();
	return err;
}

static void __exit msgbox_exit(void)
{
	misc_deregister(&msgbox_misc);
	msgbox_proc_exit();
	msgbox_fault_exit();
	msgbox_mailbox_destroy_all();
	msgbox_msg_exit();
	pr_info("unloaded\n");
}

module_init(msgbox_init);
module_exit(msgbox_exit);

MODULE_DESCRIPTION("Mailbox message passing through /dev/msgbox");
MODULE_LICENSE("GPL");
MODULE_VERSION(MSGBOX_VERSION);
