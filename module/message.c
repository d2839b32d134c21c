// SPDX-License-Identifier: GPL-2.0
/*
 * Message allocation and copy-in.
 */
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "message.h"

/**
 * msgbox_msg_new() - allocate a message and copy its payload in
 * @buf: user pointer to the payload
 * @len: payload length, already checked against the mailbox's maximum
 *
 * The memory is charged to the caller's memory cgroup. The message is
 * stamped with the caller's thread-group PID and effective UID and GID.
 *
 * Context: process context, may sleep; no locks held.
 * Return: the message with one reference, or ERR_PTR(-ENOMEM / -EFAULT).
 */
struct msgbox_msg *msgbox_msg_new(const void __user *buf, u32 len)
{
	struct msgbox_msg *msg;

	msg = kvmalloc(struct_size(msg, data, len), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return ERR_PTR(-ENOMEM);

	if (copy_from_user(msg->data, buf, len)) {
		kvfree(msg);
		return ERR_PTR(-EFAULT);
	}

	INIT_LIST_HEAD(&msg->node);
	msg->id = 0;
	msg->key = 0;
	msg->sender = get_pid(task_tgid(current));
	msg->uid = current_euid();
	msg->gid = current_egid();
	msg->len = len;
	msg->csum = 0;
	refcount_set(&msg->ref, 1);
	msg->prio = 0;
	msg->state = MSGBOX_MSG_NEW;
	msg->flags = 0;
	return msg;
}

/**
 * msgbox_msg_free() - free a message whose last reference is gone
 * @msg: the message
 *
 * Context: process context, may sleep.
 */
void msgbox_msg_free(struct msgbox_msg *msg)
{
	put_pid(msg->sender);
	kvfree(msg);
}

/**
 * msgbox_msg_clone() - copy a message not yet queued
 * @msg: the message
 *
 * Context: process context, may sleep.
 * Return: the copy with one reference, or NULL.
 */
struct msgbox_msg *msgbox_msg_clone(const struct msgbox_msg *msg)
{
	struct msgbox_msg *copy;
	size_t size = struct_size(msg, data, msg->len);

	copy = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!copy)
		return NULL;
	memcpy(copy, msg, size);
	INIT_LIST_HEAD(&copy->node);
	get_pid(copy->sender);
	refcount_set(&copy->ref, 1);
	copy->state = MSGBOX_MSG_NEW;
	return copy;
}
