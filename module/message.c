// SPDX-License-Identifier: GPL-2.0
/*
 * Message allocation and copy-in.
 */
#include <linux/bitfield.h>
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

/*
 * A message whose header and payload fit in 2 KiB is one object. Up to
 * 128 bytes (payloads up to 64 bytes) it comes from kmalloc(), as small
 * as an object gets; larger ones come from the smallest of four caches of
 * 256 bytes to 2 KiB that it fits. The cache index, 0 for kmalloc(), is
 * kept in MSGBOX_MSGF_CACHE. The caches have a constructor, so that the
 * allocator does not zero each object (init_on_alloc) before
 * msgbox_msg_new() writes every header field and the payload: nothing
 * past @len is ever copied out. (A constructor moves the allocator's free
 * pointer out of the object, 8 bytes more per object: too much for the
 * 128-byte class, whose size matches a POSIX queue's 64-byte message.)
 * All of it is charged to the sender's memory cgroup.
 */
#define MSGBOX_MSG_CACHES	5
#define MSGBOX_MSG_CACHE_MIN	128

/* [0] stays NULL: the 128-byte class is kmalloc()'s. */
static struct kmem_cache *msgbox_msg_cache[MSGBOX_MSG_CACHES];
static const char *const msgbox_msg_cache_name[MSGBOX_MSG_CACHES] = {
	NULL, "msgbox_msg_256", "msgbox_msg_512", "msgbox_msg_1024",
	"msgbox_msg_2048",
};

static void msgbox_msg_ctor(void *obj)
{
	struct msgbox_msg *msg = obj;

	INIT_LIST_HEAD(&msg->node);
}

/**
 * msgbox_msg_init() - create the message caches
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int msgbox_msg_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(MSGBOX_MSG_CACHE_MIN << (MSGBOX_MSG_CACHES - 1) !=
		     MSGBOX_MSG_INLINE_MAX + sizeof(struct msgbox_msg));
	BUILD_BUG_ON(MSGBOX_MSG_CACHES - 1 >
		     FIELD_MAX(MSGBOX_MSGF_CACHE));
	for (i = 1; i < MSGBOX_MSG_CACHES; i++) {
		msgbox_msg_cache[i] =
			kmem_cache_create(msgbox_msg_cache_name[i],
					  MSGBOX_MSG_CACHE_MIN << i,
					  __alignof__(struct msgbox_msg),
					  SLAB_ACCOUNT, msgbox_msg_ctor);
		if (!msgbox_msg_cache[i])
			goto err_destroy;
	}
	return 0;

err_destroy:
	while (--i)
		kmem_cache_destroy(msgbox_msg_cache[i]);
	return -ENOMEM;
}

/**
 * msgbox_msg_exit() - destroy the message caches
 *
 * Context: module exit, once every message is freed.
 */
void msgbox_msg_exit(void)
{
	unsigned int i;

	for (i = 1; i < MSGBOX_MSG_CACHES; i++)
		kmem_cache_destroy(msgbox_msg_cache[i]);
}

/* A message object of @size bytes at most 2 KiB, its class in ->flags. */
static struct msgbox_msg *msgbox_msg_alloc(size_t size)
{
	unsigned int i = 0;
	struct msgbox_msg *msg;

	while ((size_t)MSGBOX_MSG_CACHE_MIN << i < size)
		i++;
	if (i)
		msg = kmem_cache_alloc(msgbox_msg_cache[i], GFP_KERNEL);
	else
		msg = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (msg)
		msg->flags = FIELD_PREP(MSGBOX_MSGF_CACHE, i);
	return msg;
}

static void msgbox_msg_dealloc(struct msgbox_msg *msg)
{
	unsigned int i = FIELD_GET(MSGBOX_MSGF_CACHE, msg->flags);

	if (i)
		kmem_cache_free(msgbox_msg_cache[i], msg);
	else
		kfree(msg);
}

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

	msg = msgbox_msg_alloc(ext ? struct_size(msg, data, sizeof(u8 *)) :
				     struct_size(msg, data, len));
	if (!msg)
		return ERR_PTR(-ENOMEM);
	data = msg->data;
	if (ext) {
		data = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!data) {
			msgbox_msg_dealloc(msg);
			return ERR_PTR(-ENOMEM);
		}
		*(u8 **)msg->data = data;
		msg->flags |= MSGBOX_MSGF_EXT;
	}

	if (msgbox_copy_from_user(data, buf, len)) {
		if (ext)
			kvfree(data);
		msgbox_msg_dealloc(msg);
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
	msgbox_msg_dealloc(msg);
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

	copy = msgbox_msg_alloc(size);
	if (!copy)
		return NULL;
	memcpy(copy, msg, size);
	if (ext) {
		data = kvmalloc(msg->len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!data) {
			msgbox_msg_dealloc(copy);
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
