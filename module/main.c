// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox: mailbox message passing through /dev/msgbox.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>

#include "fault.h"
#include "file.h"
#include "hold.h"
#include "ioctl.h"
#include "mailbox.h"
#include "main.h"
#include "message.h"
#include "proc.h"
#include "queue.h"

static int msgbox_fop_open(struct inode *inode, struct file *file)
{
	int err;

	err = msgbox_file_open(file);
	if (err)
		return err;
	return stream_open(inode, file);
}

static int msgbox_fop_release(struct inode *inode, struct file *file)
{
	msgbox_file_release(file);
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
	err = msgbox_hold_init();
	if (err)
		goto err_msg_exit;
	err = msgbox_fault_init();
	if (err)
		goto err_hold_exit;
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
err_hold_exit:
	msgbox_hold_exit();
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
	msgbox_hold_exit();
	msgbox_msg_exit();
	pr_info("unloaded\n");
}

module_init(msgbox_init);
module_exit(msgbox_exit);

MODULE_DESCRIPTION("Mailbox message passing through /dev/msgbox");
MODULE_LICENSE("GPL");
MODULE_VERSION(MSGBOX_VERSION);
