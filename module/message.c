// SPDX-License-Identifier: GPL-2.0
/*
 * Message allocation and copy-in.
 */
#include <linux/bitfield.h>
#include <linux/cred.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "main.h"
#include "message.h"
#include "debug_bug.h"
#include "uaccess.h"

/*
 * Size classes of message objects, header and payload together, up to
 * 2 KiB (larger payloads get their own allocation): up to 96 bytes a
 * message comes from kmalloc() at its own size and is freed once
 * delivered; up to 128 bytes (payloads of 33 to 64 bytes) from kmalloc()
 * too, as small as an object gets, so that a 64-byte message takes what a
 * POSIX queue's does; larger ones from the smallest of four caches of 256
 * bytes to 2 KiB that fits. The class is kept in MSGBOX_MSGF_CACHE. The
 * caches have a constructor, so that the allocator does not zero each
 * object (init_on_alloc) before msgbox_msg_new() writes every header field
 * and the payload: nothing past @len is ever copied out. (A constructor
 * moves the allocator's free pointer out of the object, 8 bytes more per
 * object: too much for the 128-byte class.) All of it is charged to the
 * memory cgroup of the sender that allocated it.
 *
 * Objects of 128 bytes and more are kept for reuse when their message is
 * delivered, up to msgbox_spares_limit() per mailbox (struct
 * msgbox_spares), and taken by the next message of the same class sent to
 * that mailbox.
 * A steady stream then allocates nothing, and a receiver on one CPU does
 * not free what a sender on another allocated (a remote free takes the
 * allocator's slow path). A reused object keeps its first owner's memory
 * cgroup charge, and its last sender's PID reference until a message from
 * another process takes it; the mailbox frees its spares when it goes
 * away.
 */
#define MSGBOX_MSG_CLASSES	6
#define MSGBOX_MSG_CLASS_KEPT	1	/* the first class kept for reuse */
#define MSGBOX_MSG_CLASS_CACHE	2	/* the first class with its own cache */

static const u16 msgbox_msg_class_size[MSGBOX_MSG_CLASSES] = {
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
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int msgbox_msg_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(msgbox_msg_class_size[MSGBOX_MSG_CLASSES - 1] !=
		     MSGBOX_MSG_INLINE_MAX + sizeof(struct msgbox_msg));
	BUILD_BUG_ON(MSGBOX_MSG_CLASSES - 1 > FIELD_MAX(MSGBOX_MSGF_CACHE));
	for (i = MSGBOX_MSG_CLASS_CACHE; i < MSGBOX_MSG_CLASSES; i++) {
		msgbox_msg_cache[i] =
			kmem_cache_create(msgbox_msg_cache_name[i],
					  msgbox_msg_class_size[i],
					  __alignof__(struct msgbox_msg),
					  SLAB_ACCOUNT, msgbox_msg_ctor);
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

static unsigned int msgbox_msg_class(const struct msgbox_msg *msg)
{
	return FIELD_GET(MSGBOX_MSGF_CACHE, msg->flags);
}

/* The size class of an object of @size bytes, at most 2 KiB. */
static unsigned int msgbox_msg_size_class(size_t size)
{
	unsigned int i = 0;

	while (msgbox_msg_class_size[i] < size)
		i++;
	return i;
}

/* A batch's own set (@spares->local) is used by one thread: no lock. */
static void msgbox_spares_lock(struct msgbox_spares *spares)
	__acquires(&spares->lock)
{
	if (spares->local)
		__acquire(&spares->lock);
	else
		spin_lock(&spares->lock);
}

static void msgbox_spares_unlock(struct msgbox_spares *spares)
	__releases(&spares->lock)
{
	if (spares->local)
		__release(&spares->lock);
	else
		spin_unlock(&spares->lock);
}

/*
 * A kept object is poisoned, as a freed one is, except for its first word,
 * the @next_spare link: KASAN then reports any use of a message after its
 * last reference as it would without reuse. The bookkeeping reads its
 * class with reports suppressed, and unpoisons it when it takes it.
 */
static void msgbox_spare_poison(struct msgbox_msg *msg, u32 size)
{
	BUILD_BUG_ON(offsetof(struct msgbox_msg, next_spare) != 0);
	msgbox_compat_poison((u8 *)msg + sizeof(msg->next_spare),
			     size - sizeof(msg->next_spare));
}

static void msgbox_spare_unpoison(struct msgbox_msg *msg, u32 size)
{
	msgbox_compat_unpoison(msg, size);
}

/* The size class of a kept (poisoned) object. */
static unsigned int msgbox_spare_class(const struct msgbox_msg *msg)
{
	unsigned int class;

	kasan_disable_current();
	class = msgbox_msg_class(msg);
	kasan_enable_current();
	return class;
}

/* A spare object of size class @class from @spares, or NULL. */
static __msgbox_hot struct msgbox_msg *
msgbox_spares_take(struct msgbox_spares *spares, unsigned int class)
{
	struct msgbox_msg *msg;

	/* Unlocked peek: a spare missed here only costs an allocation. */
	if (!READ_ONCE(spares->bytes))
		return NULL;
	msgbox_spares_lock(spares);
	msg = spares->top;
	if (msg && msgbox_spare_class(msg) == class) {
		spares->top = msg->next_spare;
		if (!spares->top)
			spares->bottom = NULL;
		WRITE_ONCE(spares->bytes,
			   spares->bytes - msgbox_msg_class_size[class]);
	} else {
		msg = NULL;
	}
	msgbox_spares_unlock(spares);
	if (msg)
		msgbox_spare_unpoison(msg, msgbox_msg_class_size[class]);
	return msg;
}

/* Put @msg, of @size bytes, on top of @spares, locked or local. */
static __msgbox_hot void msgbox_spares_push(struct msgbox_spares *spares,
					    struct msgbox_msg *msg, u32 size)
{
	msgbox_spare_poison(msg, size);
	msg->next_spare = spares->top;
	if (!spares->top)
		spares->bottom = msg;
	spares->top = msg;
	WRITE_ONCE(spares->bytes, spares->bytes + size);
}

/* Put the chain @top to @bottom, of @bytes, under the objects of @to. */
static void msgbox_spares_append(struct msgbox_spares *to,
				 struct msgbox_msg *top,
				 struct msgbox_msg *bottom, u32 bytes)
{
	bottom->next_spare = NULL;
	if (to->bottom)
		to->bottom->next_spare = top;
	else
		to->top = top;
	to->bottom = bottom;
	WRITE_ONCE(to->bytes, to->bytes + bytes);
}

/*
 * A message object of @size bytes at most 2 KiB, its class in ->flags:
 * a spare from @spares (which may be NULL) if one of that class is on
 * top, else a new one. ->sender is a spare's last sender, with its
 * reference, or NULL.
 */
static __msgbox_hot struct msgbox_msg *
msgbox_msg_alloc(struct msgbox_spares *spares, size_t size)
{
	unsigned int i = msgbox_msg_size_class(size);
	struct msgbox_msg *msg = NULL;

	if (spares && i >= MSGBOX_MSG_CLASS_KEPT)
		msg = msgbox_spares_take(spares, i);
	if (msg)
		goto out;
	if (i >= MSGBOX_MSG_CLASS_CACHE)
		msg = kmem_cache_alloc(msgbox_msg_cache[i], GFP_KERNEL);
	else
		msg = kmalloc(i ? msgbox_msg_class_size[i] : size,
			      GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	msg->sender = NULL;
out:
	msg->flags = FIELD_PREP(MSGBOX_MSGF_CACHE, i);
	return msg;
}

static __msgbox_hot void msgbox_msg_dealloc(struct msgbox_msg *msg)
{
	unsigned int i = msgbox_msg_class(msg);

	if (i >= MSGBOX_MSG_CLASS_CACHE)
		kmem_cache_free(msgbox_msg_cache[i], msg);
	else
		kfree(msg);
}

/**
 * msgbox_msg_new() - allocate a message and copy its payload in
 * @spares: the spare objects of the mailbox it is for, or NULL
 * @buf: user pointer to the payload
 * @kbuf: the payload already copied in, or NULL to copy it from @buf
 * @len: payload length, already checked against the mailbox's maximum
 *
 * A new object is charged to the caller's memory cgroup, a spare one stays
 * charged to the cgroup of the sender that allocated it. The message is
 * stamped with the caller's thread-group PID and effective UID and GID.
 *
 * Context: process context, may sleep; no locks held.
 * Return: the message with one reference, or ERR_PTR(-ENOMEM / -EFAULT).
 */
__msgbox_hot struct msgbox_msg *msgbox_msg_new(struct msgbox_spares *spares,
					       const void __user *buf,
					       const void *kbuf, u32 len)
{
	bool ext = len > MSGBOX_MSG_INLINE_MAX;
	struct msgbox_msg *msg;
	u8 *data;
	int err;

	msg = msgbox_msg_alloc(spares,
			       ext ? struct_size(msg, data, sizeof(u8 *)) :
				     struct_size(msg, data, len));
	if (!msg)
		return ERR_PTR(-ENOMEM);
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
	if (kbuf)
		msgbox_copy_words(data, kbuf, len);
	else if (msgbox_copy_from_user(data, buf, len))
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
__msgbox_hot void msgbox_msg_free(struct msgbox_msg *msg)
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

	copy = msgbox_msg_alloc(NULL, size);
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

/*
 * Is a delivered message's object kept for reuse? Payloads of their own
 * are not, nor the smallest class (see MSGBOX_MSG_CLASS_KEPT).
 */
static bool msgbox_msg_keepable(const struct msgbox_msg *msg)
{
	return msgbox_msg_class(msg) >= MSGBOX_MSG_CLASS_KEPT &&
	       !(msg->flags & MSGBOX_MSGF_EXT) &&
	       msgbox_debug_bug_keep_spares();
}

/**
 * msgbox_msg_put_spare() - drop a reference on a delivered message, keeping
 * its object for reuse on the last
 * @spares: the spare objects of the mailbox it was delivered from
 * @msg: the message
 *
 * Like msgbox_msg_put(), except that an object of a class that is kept
 * goes to @spares while they have room for it (@spares->max).
 *
 * Context: process context, may sleep; never under a mailbox lock.
 */
__msgbox_hot void msgbox_msg_put_spare(struct msgbox_spares *spares,
				       struct msgbox_msg *msg)
{
	u32 size;

	if (!refcount_dec_and_test(&msg->ref))
		return;
	if (!msgbox_msg_keepable(msg)) {
		msgbox_msg_free(msg);
		return;
	}
	size = msgbox_msg_class_size[msgbox_msg_class(msg)];
	msgbox_spares_lock(spares);
	if (spares->bytes + size <= spares->max) {
		msgbox_spares_push(spares, msg, size);
		msg = NULL;
	}
	msgbox_spares_unlock(spares);
	if (msg)
		msgbox_msg_free(msg);
}

/**
 * msgbox_msgs_put_spares() - drop the references on delivered messages,
 * keeping their objects for reuse
 * @spares: the spare objects of the mailbox they were delivered from
 * @list: the messages, linked by their @node; emptied
 *
 * msgbox_msg_put_spare() for a list: the objects kept go to @spares in one
 * step. The list is taken apart whole rather than entry by entry. A
 * message whose only reference is the caller's is off every queue, so
 * nobody can take a new one: its object is kept with no atomic decrement
 * of the count. Any other has its @node reset before its reference is
 * dropped, since another holder may free it then.
 *
 * Context: process context, may sleep; never under a mailbox lock.
 */
__msgbox_hot void msgbox_msgs_put_spares(struct msgbox_spares *spares,
					 struct list_head *list)
{
	struct msgbox_spares local;
	struct list_head *pos, *next;
	struct msgbox_msg *msg;
	u32 size;

	msgbox_spares_init_local(&local);
	for (pos = list->next; pos != list; pos = next) {
		next = pos->next;
		msg = list_entry(pos, struct msgbox_msg, node);
		size = msgbox_msg_class_size[msgbox_msg_class(msg)];
		if (refcount_read(&msg->ref) == 1 && msgbox_msg_keepable(msg) &&
		    local.bytes + size <= local.max) {
			msgbox_spares_push(&local, msg, size);
			continue;
		}
		INIT_LIST_HEAD(&msg->node);
		msgbox_msg_put(msg);
	}
	INIT_LIST_HEAD(list);
	msgbox_spares_move(&local, spares);
}

/*
 * Take every object off @spares: the chain from *@top to *@bottom (NULL
 * for none); returns their size.
 */
static __msgbox_hot u32 msgbox_spares_take_all(struct msgbox_spares *spares,
					       struct msgbox_msg **top,
					       struct msgbox_msg **bottom)
{
	u32 bytes;

	msgbox_spares_lock(spares);
	*top = spares->top;
	*bottom = spares->bottom;
	bytes = spares->bytes;
	spares->top = NULL;
	spares->bottom = NULL;
	WRITE_ONCE(spares->bytes, 0);
	msgbox_spares_unlock(spares);
	return bytes;
}

/* Free the spare objects of the chain from @top down. */
static void msgbox_spares_free_chain(struct msgbox_msg *top)
{
	struct msgbox_msg *next;

	for (; top; top = next) {
		next = top->next_spare;
		msgbox_spare_unpoison(top,
				      msgbox_msg_class_size[msgbox_spare_class(top)]);
		msgbox_msg_free(top);
	}
}

/**
 * msgbox_spares_move() - move every spare object of one set to another
 * @from: the set emptied
 * @to: the set that takes them, under its own, while it has room
 *	(@to->max); the others are freed
 *
 * A batch takes the spares of its mailbox into a set of its own once, and
 * gives back what it did not use (or what its receives freed) once.
 *
 * Context: process context; takes the two sets' locks one after the
 * other, never both.
 */
__msgbox_hot void msgbox_spares_move(struct msgbox_spares *from,
				     struct msgbox_spares *to)
{
	struct msgbox_msg *top, *bottom, *msg;
	u32 bytes, size;

	if (!READ_ONCE(from->bytes))
		return;
	bytes = msgbox_spares_take_all(from, &top, &bottom);
	if (!top)
		return;

	msgbox_spares_lock(to);
	/* Usually all of them fit: the whole chain in one step. */
	if (to->bytes + bytes <= to->max) {
		msgbox_spares_append(to, top, bottom, bytes);
		top = NULL;
	}
	while (top) {
		size = msgbox_msg_class_size[msgbox_spare_class(top)];
		if (to->bytes + size > to->max)
			break;
		msg = top;
		top = msg->next_spare;
		msgbox_spares_append(to, msg, msg, size);
	}
	msgbox_spares_unlock(to);
	msgbox_spares_free_chain(top);
}

/**
 * msgbox_spares_limit() - how many bytes of spare objects a mailbox keeps
 * @capacity: its capacity
 * @max_msg_size: its largest message size
 *
 * No more objects than the mailbox has slots (one for a rendezvous), of
 * the class its largest message takes, and at most MSGBOX_SPARES_BYTES:
 * what a mailbox keeps stays within what its quota allows it to queue.
 *
 * Return: the limit in bytes.
 */
u32 msgbox_spares_limit(u32 capacity, u32 max_msg_size)
{
	size_t size = min_t(size_t, sizeof(struct msgbox_msg) + max_msg_size,
			    msgbox_msg_class_size[MSGBOX_MSG_CLASSES - 1]);

	return min_t(u64, MSGBOX_SPARES_BYTES,
		     (u64)max(capacity, 1U) *
		     msgbox_msg_class_size[msgbox_msg_size_class(size)]);
}

/**
 * msgbox_spares_init() - set up an empty set of spare objects
 * @spares: the set
 * @max: the most bytes of objects it keeps
 */
void msgbox_spares_init(struct msgbox_spares *spares, u32 max)
{
	spin_lock_init(&spares->lock);
	spares->top = NULL;
	spares->bottom = NULL;
	spares->bytes = 0;
	spares->max = max;
	spares->local = false;
}

/**
 * msgbox_spares_init_local() - set up an empty set for one batch run
 * @spares: the set, used by the calling thread only
 *
 * It keeps up to MSGBOX_SPARES_BYTES and is never locked; give its objects
 * back with msgbox_spares_move() before it goes out of scope.
 */
void msgbox_spares_init_local(struct msgbox_spares *spares)
{
	msgbox_spares_init(spares, MSGBOX_SPARES_BYTES);
	spares->local = true;
}

/**
 * msgbox_spares_close() - free every spare object of a set and keep no more
 * @spares: the set of a mailbox that is going away
 *
 * Its limit drops to zero, so that an object a receive, a batch or a
 * withdrawn send gives back afterwards is freed at once instead of kept:
 * whatever order destroy, receives and closes come in, nothing is left on
 * the set when the mailbox is freed. Closing twice is harmless.
 *
 * Context: process context; takes the set's lock.
 */
void msgbox_spares_close(struct msgbox_spares *spares)
{
	struct msgbox_msg *top, *bottom;

	msgbox_spares_lock(spares);
	spares->max = 0;
	msgbox_spares_unlock(spares);
	msgbox_spares_take_all(spares, &top, &bottom);
	msgbox_spares_free_chain(top);
}
