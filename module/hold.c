// SPDX-License-Identifier: GPL-2.0
/*
 * Held messages: hold, settle, return to the queue, expire, close.
 */
#include <linux/bug.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <linux/msgbox.h>

#include "call.h"
#include "hold.h"
#include "mailbox.h"
#include "message.h"
#include "notify.h"
#include "queue.h"
#include "recv.h"
#include "spares.h"
#include "trace.h"

static struct kmem_cache *msgbox_hold_cache;

/**
 * msgbox_hold_init() - create the cache of hold records
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int msgbox_hold_init(void)
{
	msgbox_hold_cache = KMEM_CACHE(msgbox_hold, SLAB_ACCOUNT);
	return msgbox_hold_cache ? 0 : -ENOMEM;
}

/**
 * msgbox_hold_exit() - destroy the cache of hold records
 *
 * Context: module exit, once every mailbox is freed.
 */
void msgbox_hold_exit(void)
{
	kmem_cache_destroy(msgbox_hold_cache);
}

/**
 * msgbox_hold_alloc() - a record for a hold
 * @mb: the mailbox it is for
 *
 * The record the mailbox keeps (see msgbox_hold_free()), or a new one
 * charged to the receiver.
 *
 * Context: process context, may sleep.
 * Return: the record, or NULL.
 */
struct msgbox_hold *msgbox_hold_alloc(struct msgbox_mailbox *mb)
{
	struct msgbox_hold *h = xchg(&mb->spare_hold, NULL);

	return h ? h : kmem_cache_alloc(msgbox_hold_cache, GFP_KERNEL_ACCOUNT);
}

/**
 * msgbox_hold_free() - give a hold record back
 * @mb: the mailbox it was for
 * @h: the record, or NULL
 *
 * The mailbox keeps one, for the next hold: a consumer holding and
 * settling one message at a time allocates nothing. Once the mailbox is
 * dead nothing is kept.
 *
 * Context: any; may be called under the mailbox lock.
 */
void msgbox_hold_free(struct msgbox_mailbox *mb, struct msgbox_hold *h)
{
	if (!h)
		return;
	if (!READ_ONCE(mb->dead) && !cmpxchg(&mb->spare_hold, NULL, h))
		return;
	kmem_cache_free(msgbox_hold_cache, h);
}

/**
 * msgbox_hold_drop_spare() - free the record a mailbox keeps
 * @mb: the mailbox, dead, with its last reference gone
 */
void msgbox_hold_drop_spare(struct msgbox_mailbox *mb)
{
	struct msgbox_hold *h = xchg(&mb->spare_hold, NULL);

	if (h)
		kmem_cache_free(msgbox_hold_cache, h);
}

/*
 * The record of a queued message that was returned before, or NULL. Only
 * a message marked MSGBOX_MSGF_RETURNED has one; records are appended as
 * messages return, and messages are taken oldest first, so the walk is
 * short unless priorities reorder them.
 */
static struct msgbox_hold *msgbox_hold_returned(struct msgbox_mailbox *mb,
						const struct msgbox_msg *msg)
{
	struct msgbox_hold *h;

	lockdep_assert_held(&mb->lock);
	if (!(msg->flags & MSGBOX_MSGF_RETURNED))
		return NULL;
	list_for_each_entry(h, &mb->returned, node)
		if (h->msg == msg)
			return h;
	return NULL;
}

/**
 * msgbox_hold_deliveries() - how often a queued message was returned
 * @mb: the mailbox, locked
 * @msg: the message
 *
 * Return: the count, 0 for a message never held and returned.
 */
u32 msgbox_hold_deliveries(struct msgbox_mailbox *mb,
			   const struct msgbox_msg *msg)
{
	struct msgbox_hold *h = msgbox_hold_returned(mb, msg);

	return h ? h->deliveries : 0;
}

/**
 * msgbox_hold_forget() - a message taken or withdrawn drops its count
 * @mb: the mailbox, locked
 * @msg: the message, off the queue for good
 */
void msgbox_hold_forget(struct msgbox_mailbox *mb, const struct msgbox_msg *msg)
{
	struct msgbox_hold *h = msgbox_hold_returned(mb, msg);

	if (!h)
		return;
	list_del(&h->node);
	mb->nr_returned--;
	msgbox_hold_free(mb, h);
}

/* Have the work run at @expires, unless it is due sooner. */
static void msgbox_hold_arm(struct msgbox_mailbox *mb, unsigned long expires)
{
	unsigned long now = jiffies;

	if (mb->hold_armed && time_before_eq(mb->hold_next, expires))
		return;
	mb->hold_armed = true;
	mb->hold_next = expires;
	mod_delayed_work(system_wq, &mb->hold_work,
			 time_after(expires, now) ? expires - now : 0);
}

/**
 * msgbox_hold_add() - hold a message just copied out
 * @mb: the mailbox, locked
 * @msg: the message, off the queue (or in flight); its record gets the
 *	queue's reference
 * @req: the receive, with its record
 *
 * A message returned before keeps its record, and so its count; any other
 * takes the one @req brought.
 */
void msgbox_hold_add(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     struct msgbox_recv_req *req)
{
	struct msgbox_hold *h = msgbox_hold_returned(mb, msg);

	if (h) {
		list_del(&h->node);
		mb->nr_returned--;
	} else {
		h = req->rec;
		req->rec = NULL;
		h->deliveries = 0;
	}
	h->msg = msg;
	h->holder = req->holder;
	h->timed = req->hold && req->hold_ns;
	if (h->timed)
		h->expires = jiffies + nsecs_to_jiffies(req->hold_ns) + 1;
	list_add_tail(&h->node, &mb->held);
	msg->state = MSGBOX_MSG_ONHOLD;
	mb->nr_held++;
	mb->bytes -= msg->len;
	trace_msgbox_hold(mb, msg);
	if (h->timed)
		msgbox_hold_arm(mb, h->expires);
}

/*
 * Return a held message to the queue, as redelivered, counting it in @r;
 * a call whose caller gave up is dropped instead, onto @r->gone, whose
 * references are dropped once unlocked. It was received by its holder,
 * and counts as received.
 */
static void msgbox_hold_return(struct msgbox_mailbox *mb,
			       struct msgbox_hold *h,
			       struct msgbox_hold_returns *r, const char *how)
{
	struct msgbox_msg *msg = h->msg;

	list_del(&h->node);
	mb->nr_held--;
	trace_msgbox_settle(mb, msg, how);
	if (msgbox_call_orphan(msg)) {
		msg->state = MSGBOX_MSG_GONE;
		mb->received++;
		list_add_tail(&msg->node, &r->gone);
		msgbox_hold_free(mb, h);
		return;
	}
	/* Arrival notification, as for a message sent to the empty mailbox. */
	if (msgbox_notify_due(mb))
		msgbox_notify_take(mb, &r->notify);
	h->holder = NULL;
	h->timed = false;
	h->deliveries++;
	list_add_tail(&h->node, &mb->returned);
	mb->nr_returned++;
	/* Set while the message is held: no receiver looks at it now. */
	msg->flags |= MSGBOX_MSGF_RETURNED;
	msgbox_queue_insert(mb, msg);
	mb->bytes += msg->len;
	if (msg->flags & MSGBOX_MSGF_CALL)
		r->calls++;
	else
		r->plain++;
}

/*
 * Deliver a held message: it goes onto @r->gone, and its record to @r,
 * for the next hold or to be given back once unlocked.
 */
static void msgbox_hold_done(struct msgbox_mailbox *mb, struct msgbox_hold *h,
			     struct msgbox_hold_returns *r, const char *how)
	__must_hold(&mb->lock)
{
	struct msgbox_msg *msg = h->msg;

	list_del(&h->node);
	mb->nr_held--;
	trace_msgbox_settle(mb, msg, how);
	msg->state = MSGBOX_MSG_TAKEN;
	mb->received++;
	list_add_tail(&msg->node, &r->gone);
	/* One settle per @r: a second record would be lost. */
	if (WARN_ON_ONCE(r->rec))
		msgbox_hold_free(mb, r->rec);
	r->rec = h;
}

/* The record of the message @id that @holder holds, or NULL. */
static struct msgbox_hold *msgbox_hold_find(struct msgbox_mailbox *mb,
					    const struct file *holder, u64 id)
{
	struct msgbox_hold *h;

	list_for_each_entry(h, &mb->held, node)
		if (h->msg->id == id && h->holder == holder)
			return h;
	return NULL;
}

/**
 * msgbox_hold_wake() - finish settling or returning, once unlocked
 * @mb: the mailbox, unlocked
 * @r: what was left to do
 *
 * Wake a receiver for each message returned, and the senders (room, or an
 * acknowledgment), tell who asked to be told, and drop what went, with a
 * record left in @r.
 *
 * Context: process context, may sleep; no mailbox lock held.
 */
void msgbox_hold_wake(struct msgbox_mailbox *mb, struct msgbox_hold_returns *r)
{
	if (r->plain)
		msgbox_queue_wake_recv(mb, r->plain, false);
	if (r->calls)
		msgbox_queue_wake_recv(mb, r->calls, true);
	msgbox_queue_wake(&mb->send_wq);
	msgbox_notify_fire(&r->notify);
	if (!list_empty(&r->gone))
		msgbox_spares_put_list(&mb->spares, &r->gone);
	msgbox_hold_free(mb, r->rec);
	r->rec = NULL;
}

/**
 * msgbox_hold_settle_locked() - done with, reply to, or release a held
 *	message, under the mailbox lock
 * @mb: the mailbox, locked
 * @holder: the file settling it
 * @req: the settle; a reply the call takes is cleared from it
 * @r: what is left to do once unlocked, for msgbox_hold_wake(), when the
 *	message was settled (msgbox_hold_settled())
 *
 * Return: 0; -ECANCELED when a call's caller gave up: it is settled, and
 * the reply went nowhere; or, with nothing changed, -EIDRM, -ENOENT (not
 * held by @holder), -EINVAL (a reply to a message that is no call, or a
 * call for @req->no_call) or -EMSGSIZE (a reply longer than the caller
 * takes).
 */
int msgbox_hold_settle_locked(struct msgbox_mailbox *mb,
			      const struct file *holder,
			      struct msgbox_settle_req *req,
			      struct msgbox_hold_returns *r)
	__must_hold(&mb->lock)
{
	struct msgbox_hold *h;
	bool call;
	int err = 0;

	lockdep_assert_held(&mb->lock);
	if (mb->dead)
		return -EIDRM;
	h = msgbox_hold_find(mb, holder, req->id);
	if (!h)
		return -ENOENT;
	if (req->release) {
		msgbox_hold_return(mb, h, r, "release");
		return 0;
	}
	call = h->msg->flags & MSGBOX_MSGF_CALL;
	if (call && req->no_call)
		return -EINVAL;
	if (call)
		err = msgbox_call_answer(mb, h->msg, req);
	else if (req->len)
		err = -EINVAL;
	if (!msgbox_hold_settled(err))
		return err;
	msgbox_hold_done(mb, h, r, err ? "cancel" : call ? "reply" : "done");
	return err;
}

/**
 * msgbox_hold_settle() - done with, reply to, or release a held message
 * @mb: the mailbox
 * @holder: the file settling it
 * @req: the settle; a reply the call takes is cleared from it
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: as msgbox_hold_settle_locked().
 */
int msgbox_hold_settle(struct msgbox_mailbox *mb, const struct file *holder,
		       struct msgbox_settle_req *req)
{
	struct msgbox_hold_returns r;
	int err;

	msgbox_hold_returns_init(&r);
	spin_lock(&mb->lock);
	err = msgbox_hold_settle_locked(mb, holder, req, &r);
	spin_unlock(&mb->lock);
	if (msgbox_hold_settled(err))
		msgbox_hold_wake(mb, &r);
	return err;
}

/**
 * msgbox_hold_close() - a holder's file is released
 * @mb: the mailbox it is bound to
 * @holder: the file
 *
 * Every message it holds returns to the queue, as redelivered, and every
 * call it holds fails its caller with -ECONNRESET.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 */
void msgbox_hold_close(struct msgbox_mailbox *mb, const struct file *holder)
{
	struct msgbox_hold_returns r;
	struct msgbox_hold *h, *tmp;
	bool any = false;

	msgbox_hold_returns_init(&r);
	spin_lock(&mb->lock);
	list_for_each_entry_safe(h, tmp, &mb->held, node) {
		if (h->holder != holder)
			continue;
		if (h->msg->flags & MSGBOX_MSGF_CALL)
			msgbox_call_end(mb, h->msg, -ECONNRESET);
		msgbox_hold_return(mb, h, &r, "close");
		any = true;
	}
	spin_unlock(&mb->lock);
	if (any)
		msgbox_hold_wake(mb, &r);
}

/**
 * msgbox_hold_work() - return the messages whose hold timed out
 * @work: the mailbox's @hold_work
 *
 * Context: the system workqueue; takes the mailbox lock.
 */
void msgbox_hold_work(struct work_struct *work)
{
	struct msgbox_mailbox *mb = container_of(to_delayed_work(work),
						 struct msgbox_mailbox,
						 hold_work);
	unsigned long now = jiffies, next = 0;
	bool any = false, pending = false;
	struct msgbox_hold_returns r;
	struct msgbox_hold *h, *tmp;

	msgbox_hold_returns_init(&r);
	spin_lock(&mb->lock);
	mb->hold_armed = false;
	list_for_each_entry_safe(h, tmp, &mb->held, node) {
		if (!h->timed)
			continue;
		if (time_after_eq(now, h->expires)) {
			msgbox_hold_return(mb, h, &r, "expire");
			any = true;
		} else if (!pending || time_before(h->expires, next)) {
			next = h->expires;
			pending = true;
		}
	}
	if (pending)
		msgbox_hold_arm(mb, next);
	spin_unlock(&mb->lock);
	if (any)
		msgbox_hold_wake(mb, &r);
}

/**
 * msgbox_hold_kill() - discard the held messages of a dead mailbox
 * @mb: the mailbox, locked and marked dead
 * @discard: where the messages go, for the caller to drop
 *
 * Their calls fail with -EIDRM; the counts of returned messages go too.
 */
void msgbox_hold_kill(struct msgbox_mailbox *mb, struct list_head *discard)
{
	struct msgbox_hold *h, *tmp;

	lockdep_assert_held(&mb->lock);
	list_for_each_entry_safe(h, tmp, &mb->held, node) {
		if (h->msg->flags & MSGBOX_MSGF_CALL)
			msgbox_call_end(mb, h->msg, -EIDRM);
		h->msg->state = MSGBOX_MSG_GONE;
		list_add_tail(&h->msg->node, discard);
		list_del(&h->node);
		msgbox_hold_free(mb, h);
	}
	mb->nr_held = 0;
	list_for_each_entry_safe(h, tmp, &mb->returned, node) {
		list_del(&h->node);
		msgbox_hold_free(mb, h);
	}
	mb->nr_returned = 0;
}
