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

#include <linux/msgbox.h>

#include "debug_bug.h"
#include "message.h"

/*
 * Size classes of message objects, header and payload together, up to
 * 2 KiB (larger payloads get their own allocation): up to 96 bytes a
 * message comes from kmalloc() at its own size; up to 128 bytes (payloads
 * of 33 to 64 bytes) from kmalloc() too, as small as an object gets, so
 * that a 64-byte message takes what a POSIX queue's does; larger ones from
 * the smallest of four caches of 256 bytes to 2 KiB that fits. The class
 * is kept in MSGBOX_MSGF_CACHE. The caches have a constructor, so that the
 * allocator does not zero each object (init_on_alloc) before
 * msgbox_msg_new() writes every header field and the payload: nothing past
 * @len is ever copied out. (A constructor moves the allocator's free
 * pointer out of the object, 8 bytes more per object: too much for the
 * 128-byte class.) All of it is charged to the memory cgroup of the sender
 * that allocated it. Objects of 128 bytes and more may be kept for reuse
 * by their mailbox (see spares.h).
 */
#define MSGBOX_MSG_CLASSES	6
#define MSGBOX_MSG_CLASS_KEPT	1	/* the first class kept for reuse */
#define MSGBOX_MSG_CLASS_CACHE	2	/* the first class with its own cache */

static const u16 msgbox_msg_class_sizes[MSGBOX_MSG_CLASSES] = {
	96, 128, 256, 512, 1024, 2048,
};

/* Entries below MSGBOX_MSG_CLASS_CACHE stay NULL: those are kmalloc()'s. */
static struct kmem_cache *msgbox_msg_cache[MSGBOX_MSG_CLASSES];
static const char *const msgbox_msg_cache_name[MSGBOX_MSG_CLASSES] = {
	NULL, NULL, "msgbox_msg_256", "msgbox_msg_512", "msgbox_msg_1024",
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
 * Only the payload of an object is ever copied to or from user memory:
 * hardened usercopy refuses any copy into these caches' objects that
 * strays into the header.
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int msgbox_msg_init(void)
{
	const unsigned int off = offsetof(struct msgbox_msg, data);
	unsigned int i;

	/* The quota charges each slot the header of its message. */
	BUILD_BUG_ON(sizeof(struct msgbox_msg) != MSGBOX_QUOTA_HEADER);

	BUILD_BUG_ON(msgbox_msg_class_sizes[MSGBOX_MSG_CLASSES - 1] !=
		     MSGBOX_MSG_INLINE_MAX + sizeof(struct msgbox_msg));
	BUILD_BUG_ON(MSGBOX_MSG_CLASSES - 1 > FIELD_MAX(MSGBOX_MSGF_CACHE));
	for (i = MSGBOX_MSG_CLASS_CACHE; i < MSGBOX_MSG_CLASSES; i++) {
		msgbox_msg_cache[i] =
			kmem_cache_create_usercopy(msgbox_msg_cache_name[i],
						   msgbox_msg_class_sizes[i],
						   __alignof__(struct msgbox_msg),
						   SLAB_ACCOUNT, off,
						   msgbox_msg_class_sizes[i] - off,
						   msgbox_msg_ctor);
		if (!msgbox_msg_cache[i])
			goto err_destroy;
	}
	return 0;

err_destroy:
	while (--i >= MSGBOX_MSG_CLASS_CACHE)
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

	for (i = MSGBOX_MSG_CLASS_CACHE; i < MSGBOX_MSG_CLASSES; i++)
		kmem_cache_destroy(msgbox_msg_cache[i]);
}

/* The size of the object a payload of @len bytes takes. */
static size_t msgbox_msg_size(u32 len)
{
	if (len > MSGBOX_MSG_INLINE_MAX)
		return struct_size((struct msgbox_msg *)NULL, data, sizeof(u8 *));
	return struct_size((struct msgbox_msg *)NULL, data, len);
}

/**
 * msgbox_msg_class_for() - the size class of a message of @len bytes
 * @len: the payload length
 *
 * Return: the class, 0 to MSGBOX_MSG_CLASSES - 1.
 */
unsigned int msgbox_msg_class_for(u32 len)
{
	size_t size = msgbox_msg_size(len);
	unsigned int i = 0;

	while (msgbox_msg_class_sizes[i] < size)
		i++;
	return i;
}

/**
 * msgbox_msg_class_size() - the object size of a size class
 * @class: the class
 *
 * Return: its size in bytes.
 */
u32 msgbox_msg_class_size(unsigned int class)
{
	return msgbox_msg_class_sizes[class];
}

/**
 * msgbox_msg_class() - the size class of a message's object
 * @msg: the message
 *
 * Return: the class.
 */
unsigned int msgbox_msg_class(const struct msgbox_msg *msg)
{
	return FIELD_GET(MSGBOX_MSGF_CACHE, msg->flags);
}

/**
 * msgbox_msg_keepable() - may a delivered message's object be reused?
 * @msg: the message
 *
 * Payloads of their own are not kept, nor the smallest class.
 *
 * Return: true when the object may go to a set of spares.
 */
bool msgbox_msg_keepable(const struct msgbox_msg *msg)
{
	return msgbox_msg_class(msg) >= MSGBOX_MSG_CLASS_KEPT &&
	       !(msg->flags & MSGBOX_MSGF_EXT) &&
	       msgbox_debug_bug_keep_spares();
}

/* A new object of size class @class; ->sender NULL. */
static struct msgbox_msg *msgbox_msg_alloc(unsigned int class, u32 len)
{
	struct msgbox_msg *msg;

	if (class >= MSGBOX_MSG_CLASS_CACHE)
		msg = kmem_cache_alloc(msgbox_msg_cache[class], GFP_KERNEL);
	else
		msg = kmalloc(class ? msgbox_msg_class_sizes[class] :
				      msgbox_msg_size(len),
			      GFP_KERNEL_ACCOUNT);
	if (msg)
		msg->sender = NULL;
	return msg;
}

static void msgbox_msg_dealloc(struct msgbox_msg *msg)
{
	unsigned int i = msgbox_msg_class(msg);

	if (i >= MSGBOX_MSG_CLASS_CACHE)
		kmem_cache_free(msgbox_msg_cache[i], msg);
	else
		kfree(msg);
}

/**
 * msgbox_msg_new() - allocate a message and copy its payload in
 * @spare: an object of the right size class taken from the mailbox's
 *	spares (see msgbox_spares_take()), or NULL for a new one
 * @buf: user pointer to the payload
 * @len: payload length, already checked against the mailbox's maximum
 *
 * A new object is charged to the caller's memory cgroup, a spare one stays
 * charged to the cgroup of the sender that allocated it. The message is
 * stamped with the caller's thread-group PID and effective UID and GID.
 *
 * Context: process context, may sleep; no locks held.
 * Return: the message with one reference, or ERR_PTR(-ENOMEM / -EFAULT).
 * On error @spare is freed.
 */
struct msgbox_msg *msgbox_msg_new(struct msgbox_msg *spare,
				  const void __user *buf, u32 len)
{
	unsigned int class = msgbox_msg_class_for(len);
	bool ext = len > MSGBOX_MSG_INLINE_MAX;
	struct msgbox_msg *msg = spare;
	u8 *data;
	int err;

	if (!msg)
		msg = msgbox_msg_alloc(class, len);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	msg->flags = FIELD_PREP(MSGBOX_MSGF_CACHE, class);
	data = msg->data;
	if (ext) {
		data = kvmalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		err = -ENOMEM;
		if (!data)
			goto err_dealloc;
		*(u8 **)msg->data = data;
		msg->flags |= MSGBOX_MSGF_EXT;
	}

	err = -EFAULT;
	if (copy_from_user(data, buf, len))
		goto err_free_data;

	INIT_LIST_HEAD(&msg->node);
	msg->id = 0;
	msg->key = 0;
	/* A spare sent by the same process keeps its reference. */
	if (msg->sender != task_tgid(current)) {
		put_pid(msg->sender);
		msg->sender = get_pid(task_tgid(current));
	}
	msg->uid = current_euid();
	msg->gid = current_egid();
	msg->len = len;
	msg->csum = 0;
	refcount_set(&msg->ref, 1);
	msg->prio = 0;
	msg->state = MSGBOX_MSG_NEW;
	return msg;

err_free_data:
	if (ext)
		kvfree(data);
err_dealloc:
	/* A spare's last sender, or NULL. */
	put_pid(msg->sender);
	msgbox_msg_dealloc(msg);
	return ERR_PTR(err);
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
	size_t size = msgbox_msg_size(msg->len);
	struct msgbox_msg *copy;
	u8 *data;

	copy = msgbox_msg_alloc(msgbox_msg_class(msg), msg->len);
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
