// SPDX-License-Identifier: GPL-2.0
/*
 * Spare message objects: take, give back, move, and free on destroy.
 */
#include <linux/kasan.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "message.h"
#include "spares.h"

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

/* Poison a kept object but for its link word; see the DOC in spares.h. */
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

/* The size class of a kept (poisoned) object, read with reports off. */
static unsigned int msgbox_spare_class(const struct msgbox_msg *msg)
{
	unsigned int class;

	kasan_disable_current();
	class = msgbox_msg_class(msg);
	kasan_enable_current();
	return class;
}

/**
 * msgbox_spares_take() - a spare object for a message of @len bytes
 * @spares: the set of the mailbox the message is for
 * @len: the payload length
 *
 * Only the top object is looked at: a stream of messages of one class
 * finds its class there.
 *
 * Context: process context; takes the set's lock.
 * Return: an object for msgbox_msg_new(), or NULL for a new one.
 */
struct msgbox_msg *msgbox_spares_take(struct msgbox_spares *spares, u32 len)
{
	unsigned int class = msgbox_msg_class_for(len);
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
			   spares->bytes - msgbox_msg_class_size(class));
	} else {
		msg = NULL;
	}
	msgbox_spares_unlock(spares);
	if (msg)
		msgbox_spare_unpoison(msg, msgbox_msg_class_size(class));
	return msg;
}

/* Put @msg, of @size bytes, on top of @spares, locked or local. */
static void msgbox_spares_push(struct msgbox_spares *spares,
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

/**
 * msgbox_spares_put() - drop a reference on a message, keeping its object
 * for reuse on the last
 * @spares: the set of the mailbox it was sent to
 * @msg: the message
 *
 * Like msgbox_msg_put(), except that an object of a class that is kept
 * goes to @spares while they have room for it (@spares->max).
 *
 * Context: process context, may sleep; never under a mailbox lock.
 */
void msgbox_spares_put(struct msgbox_spares *spares, struct msgbox_msg *msg)
{
	u32 size;

	if (!refcount_dec_and_test(&msg->ref))
		return;
	if (!msgbox_msg_keepable(msg)) {
		msgbox_msg_free(msg);
		return;
	}
	size = msgbox_msg_class_size(msgbox_msg_class(msg));
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
 * msgbox_spares_put_list() - drop the references on delivered messages,
 * keeping their objects for reuse
 * @spares: the set of the mailbox they were delivered from
 * @list: the messages, linked by their @node; emptied
 *
 * msgbox_spares_put() for a list: the objects kept go to @spares in one
 * step. A message whose only reference is the caller's is off every
 * queue, so nobody can take a new one: its object is kept with no atomic
 * decrement of the count. Any other has its @node reset before its
 * reference is dropped, since another holder may free it then.
 *
 * Context: process context, may sleep; never under a mailbox lock.
 */
void msgbox_spares_put_list(struct msgbox_spares *spares,
			    struct list_head *list)
{
	struct msgbox_spares local;
	struct list_head *pos, *next;
	struct msgbox_msg *msg;
	u32 size;

	/* One message, as a settle leaves: no set of its own for it. */
	if (list_is_singular(list)) {
		msg = list_first_entry(list, struct msgbox_msg, node);
		INIT_LIST_HEAD(list);
		INIT_LIST_HEAD(&msg->node);
		msgbox_spares_put(spares, msg);
		return;
	}
	msgbox_spares_init_local(&local);
	for (pos = list->next; pos != list; pos = next) {
		next = pos->next;
		msg = list_entry(pos, struct msgbox_msg, node);
		size = msgbox_msg_class_size(msgbox_msg_class(msg));
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
static u32 msgbox_spares_take_all(struct msgbox_spares *spares,
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
				      msgbox_msg_class_size(msgbox_spare_class(top)));
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
void msgbox_spares_move(struct msgbox_spares *from, struct msgbox_spares *to)
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
		size = msgbox_msg_class_size(msgbox_spare_class(top));
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
	u32 len = min_t(u32, max_msg_size, MSGBOX_MSG_INLINE_MAX);

	return min_t(u64, MSGBOX_SPARES_BYTES,
		     (u64)max(capacity, 1U) *
		     msgbox_msg_class_size(msgbox_msg_class_for(len)));
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
 * @spares: the set of a mailbox being destroyed
 *
 * Its limit drops to zero, so that an object given back afterwards is
 * freed at once instead of kept. Closing twice is harmless.
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
