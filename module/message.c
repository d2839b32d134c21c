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
#include "debug_bug.h"
#include "uaccess.h"

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
	bool ext = len > MSGBOX_MSG_INLINE_MAX;
	struct msgbox_msg *msg;
	u8 *data;

	msg = kmalloc(ext ? struct_size(msg, data, sizeof(u8 *)) :
			    struct_size(msg, data, len), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	data = msg->data;
	if (ext) {
		data = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!data) {
			kfree(msg);
			return ERR_PTR(-ENOMEM);
		}
		*(u8 **)msg->data = data;
	}

	if (msgbox_copy_from_user(data, buf, len)) {
		if (ext)
			kvfree(data);
		kfree(msg);
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
	msg->flags = ext ? MSGBOX_MSGF_EXT : 0;
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
	if (msgbox_debug_bug_leak(msg))
		return;
	put_pid(msg->sender);
	if (msg->flags & MSGBOX_MSGF_EXT)
		kvfree(msgbox_msg_data(msg));
	kfree(msg);
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
	bool ext = msg->flags & MSGBOX_MSGF_EXT;
	size_t size = ext ? struct_size(msg, data, sizeof(u8 *)) :
			    struct_size(msg, data, msg->len);
	struct msgbox_msg *copy;
	u8 *data;

	copy = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!copy)
		return NULL;
	memcpy(copy, msg, size);
	if (ext) {
		data = kvmalloc(msg->len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!data) {
			kfree(copy);
			return NULL;
		}
		memcpy(data, msgbox_msg_data(msg), msg->len);
		*(u8 **)copy->data = data;
	}
	INIT_LIST_HEAD(&copy->node);
	get_pid(copy->sender);
	refcount_set(&copy->ref, 1);
	copy->state = MSGBOX_MSG_NEW;
	return copy;
}
