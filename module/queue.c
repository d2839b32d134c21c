// SPDX-License-Identifier: GPL-2.0
/*
 * The message queue: list, room, poll, stat and kill.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include <linux/msgbox.h>

#include "call.h"
#include "debug_bug.h"
#include "dedup.h"
#include "hold.h"
#include "mailbox.h"
#include "message.h"
#include "queue.h"
#include "spares.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * msgbox_queue_room() - how many messages a buffered mailbox has room for
 * @mb: the mailbox
 *
 * Read without the lock, for a batch to size a run and for a poll to
 * wait on: the figure may be stale, and sending checks for room under the
 * lock.
 *
 * Return: the number of free slots seen, or 0.
 */
unsigned int msgbox_queue_room(const struct msgbox_mailbox *mb)
{
	s64 room;

	/* A hint only: the lock holders' updates may be seen half done. */
	room = data_race((s64)mb->capacity - mb->nr_msgs - mb->nr_inflight -
			 mb->nr_held);

	return room > 0 ? room : 0;
}

/**
 * msgbox_queue_offer_free() - is no message on offer in a rendezvous?
 * @mb: the mailbox, locked
 *
 * Return: true when nothing is queued, being copied out or held.
 */
bool msgbox_queue_offer_free(const struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&mb->lock);
	return !mb->nr_msgs && !mb->nr_inflight && !mb->nr_held;
}

/**
 * msgbox_queue_has_room() - may a send that cannot wait queue a message?
 * @mb: the mailbox, locked
 *
 * A rendezvous has room only for one message, and only while a receiver
 * waits for it (see the DOC in queue.h).
 *
 * Return: true when there is room.
 */
bool msgbox_queue_has_room(const struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&mb->lock);
	if (!mb->capacity)
		return mb->nr_recv_waiting && msgbox_queue_offer_free(mb);
	return mb->nr_msgs + mb->nr_inflight + mb->nr_held < mb->capacity;
}

/* Does @a go before @b? Higher priority first, then lower id. */
static bool msgbox_msg_before(const struct msgbox_msg *a,
			      const struct msgbox_msg *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->id < b->id;
}

/**
 * msgbox_queue_insert() - put a message in its place
 * @mb: the mailbox, locked
 * @msg: the message, with its id
 *
 * New messages have the highest id, so the walk from the tail stops at
 * once unless priorities are mixed. Also puts back a message whose copy
 * out failed.
 */
void msgbox_queue_insert(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	struct msgbox_msg *pos;

	lockdep_assert_held(&mb->lock);
	list_for_each_entry_reverse(pos, &mb->msgs, node) {
		if (!msgbox_msg_before(msg, pos)) {
			list_add(&msg->node, &pos->node);
			goto queued;
		}
	}
	list_add(&msg->node, &mb->msgs);
queued:
	msg->state = MSGBOX_MSG_QUEUED;
	mb->nr_msgs++;
}

/**
 * msgbox_queue_add() - queue a new message from a sender
 * @mb: the mailbox, locked
 * @msg: the message, with its id; the queue takes the caller's reference
 */
void msgbox_queue_add(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	msgbox_queue_insert(mb, msg);
	mb->bytes += msg->len;
	mb->sent++;
	trace_msgbox_send(mb, msg);
}

/**
 * msgbox_queue_unlink() - take a queued message off the queue
 * @mb: the mailbox, locked
 * @msg: the message
 */
void msgbox_queue_unlink(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	list_del_init(&msg->node);
	mb->nr_msgs--;
}

/**
 * msgbox_queue_unlink_head() - take the first messages off in one cut
 * @mb: the mailbox, locked
 * @last: the last of them
 * @n: how many
 * @list: where they go
 */
void msgbox_queue_unlink_head(struct msgbox_mailbox *mb,
			      struct msgbox_msg *last, unsigned int n,
			      struct list_head *list)
{
	lockdep_assert_held(&mb->lock);
	list_cut_position(list, &mb->msgs, &last->node);
	mb->nr_msgs -= n;
}

/**
 * msgbox_queue_withdraw() - take back a queued message that was never
 *	delivered
 * @mb: the mailbox, locked
 * @msg: the message, queued; the queue's reference passes to the caller
 *
 * It no longer counts as sent, and its key may be sent again.
 */
void msgbox_queue_withdraw(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	msgbox_queue_unlink(mb, msg);
	msgbox_dedup_forget(mb, msg);
	msgbox_hold_forget(mb, msg);
	msg->state = MSGBOX_MSG_GONE;
	mb->bytes -= msg->len;
	mb->sent--;
}

/**
 * msgbox_queue_taken() - a message off the queue is delivered
 * @mb: the mailbox, locked
 * @msg: the message
 */
void msgbox_queue_taken(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	trace_msgbox_recv(mb, msg);
	msgbox_hold_forget(mb, msg);
	msg->state = MSGBOX_MSG_TAKEN;
	mb->received++;
	mb->bytes -= msg->len;
}

/*
 * Was @msg sent by @from (a live process), or, when @from is NULL, by an
 * exited process that had the number @from_nr?
 */
static bool msgbox_msg_from(const struct msgbox_msg *msg, struct pid *from,
			    pid_t from_nr, struct pid_namespace *ns)
{
	if (from)
		return msg->sender == from;
	return !pid_has_task(msg->sender, PIDTYPE_TGID) &&
	       pid_nr_ns(msg->sender, ns) == from_nr;
}

/**
 * msgbox_queue_find() - the first message a receive may take
 * @mb: the mailbox, locked
 * @from: the sender a receive filters by, or NULL
 * @from_nr: that sender's number in @ns, or 0 for any sender
 * @ns: the receiver's PID namespace
 * @calls: the receive holds, and may take a call; any other passes calls
 *	by, leaving them for one that can answer them
 *
 * Return: the message, or NULL.
 */
struct msgbox_msg *msgbox_queue_find(struct msgbox_mailbox *mb,
				     struct pid *from, pid_t from_nr,
				     struct pid_namespace *ns, bool calls)
{
	struct msgbox_msg *msg;

	lockdep_assert_held(&mb->lock);
	list_for_each_entry(msg, &mb->msgs, node) {
		if (!calls && (msg->flags & MSGBOX_MSGF_CALL))
			continue;
		if (!from_nr || msgbox_msg_from(msg, from, from_nr, ns))
			return msg;
	}
	return NULL;
}

/**
 * msgbox_queue_wake_recv() - wake receivers for messages queued
 * @mb: the mailbox
 * @nr: how many messages, each for one receiver that takes what comes
 *	first (and every peek and filtered receive)
 * @call: they are calls: receivers that do not hold are passed over
 *
 * Context: no mailbox lock held.
 */
void msgbox_queue_wake_recv(struct msgbox_mailbox *mb, unsigned int nr,
			    bool call)
{
	if (!nr || !wq_has_sleeper(&mb->recv_wq))
		return;
	__wake_up(&mb->recv_wq, TASK_NORMAL, nr,
		  call ? poll_to_key(MSGBOX_POLL_CALL) : NULL);
}

/**
 * msgbox_queue_wake() - wake the sleepers of a wait queue, if any
 * @wq: the mailbox's recv_wq or send_wq
 *
 * Context: no mailbox lock held.
 */
void msgbox_queue_wake(struct wait_queue_head *wq)
{
	if (wq_has_sleeper(wq))
		wake_up(wq);
}

/**
 * msgbox_queue_poll() - poll readiness of a mailbox
 * @mb: the mailbox
 * @file: the file being polled
 * @pt: the poll table
 *
 * Context: process context; takes the mailbox lock.
 * Return: EPOLLIN when a message is queued, EPOLLOUT when a send would not
 * block, EPOLLPRI when its arrival notification fired, EPOLLERR | EPOLLHUP
 * once the mailbox is destroyed.
 */
__poll_t msgbox_queue_poll(struct msgbox_mailbox *mb, struct file *file,
			   poll_table *pt)
{
	__poll_t mask = 0;

	poll_wait(file, &mb->recv_wq, pt);
	poll_wait(file, &mb->send_wq, pt);

	msgbox_debug_bug_poll();
	spin_lock(&mb->lock);
	if (mb->dead) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		if (mb->nr_msgs)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (msgbox_queue_has_room(mb))
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (mb->notify.fired == file)
			mask |= EPOLLPRI;
	}
	spin_unlock(&mb->lock);
	return mask;
}

/**
 * msgbox_queue_stat() - attributes and live state of a mailbox
 * @mb: the mailbox
 * @st: filled, except @st->size and @st->flags
 *
 * Context: process context; takes the mailbox lock.
 */
void msgbox_queue_stat(struct msgbox_mailbox *mb, struct msgbox_stat_args *st)
{
	struct user_namespace *user_ns = current_user_ns();

	st->capacity = mb->capacity;
	st->max_msg_size = mb->max_msg_size;
	st->mode = mb->mode;
	st->uid = from_kuid_munged(user_ns, mb->uid);
	st->gid = from_kgid_munged(user_ns, mb->gid);
	st->owner_pid = mb->owner && pid_has_task(mb->owner, PIDTYPE_TGID) ?
			pid_vnr(mb->owner) : 0;
	st->mb_flags = mb->flags & (MSGBOX_STAT_PORT | MSGBOX_STAT_DEDUP);

	spin_lock(&mb->lock);
	msgbox_debug_bug_locked(mb->nr_msgs);
	st->msgs = mb->nr_msgs;
	st->bytes = mb->bytes;
	st->sent = mb->sent;
	st->received = mb->received;
	st->waiting_senders = mb->nr_send_waiting;
	st->waiting_receivers = mb->nr_recv_waiting;
	st->held = mb->nr_held;
	st->calls = mb->nr_calls;
	spin_unlock(&mb->lock);
}

/**
 * msgbox_queue_kill() - mark a mailbox dead and discard its queue
 * @mb: the mailbox
 *
 * Every sleeper wakes and fails with -EIDRM; senders waiting for an
 * acknowledgment learn that their message was discarded, and callers that
 * their call was, whether queued or held. Messages being
 * copied out are delivered or dropped by their receivers. The spare
 * objects are freed and no more are kept. The last reference calls this
 * again, which then does nothing.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 */
void msgbox_queue_kill(struct msgbox_mailbox *mb)
{
	struct msgbox_msg *msg, *tmp;
	struct pid *notify_pid;
	LIST_HEAD(discard);
	u32 discarded;

	spin_lock(&mb->lock);
	if (mb->dead) {
		spin_unlock(&mb->lock);
		return;
	}
	mb->dead = true;
	notify_pid = mb->notify.pid;
	mb->notify.pid = NULL;
	mb->notify.file = NULL;
	mb->notify.fired = NULL;
	list_for_each_entry_safe(msg, tmp, &mb->msgs, node) {
		if (msg->flags & MSGBOX_MSGF_CALL)
			msgbox_call_end(mb, msg, -EIDRM);
		msg->state = MSGBOX_MSG_GONE;
		mb->bytes -= msg->len;
		list_move_tail(&msg->node, &discard);
	}
	discarded = mb->nr_msgs + mb->nr_held;
	mb->nr_msgs = 0;
	msgbox_hold_kill(mb, &discard);
	spin_unlock(&mb->lock);

	trace_msgbox_destroy(mb, discarded);
	wake_up_all(&mb->recv_wq);
	wake_up_all(&mb->send_wq);
	put_pid(notify_pid);

	list_for_each_entry_safe(msg, tmp, &discard, node) {
		list_del_init(&msg->node);
		msgbox_msg_put(msg);
	}
	/* Nothing can be sent any more, and no object is kept after this. */
	msgbox_spares_close(&mb->spares);
}
