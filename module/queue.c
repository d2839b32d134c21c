// SPDX-License-Identifier: GPL-2.0
/*
 * The message queue: blocking send and receive, acknowledgments,
 * duplicate detection and poll.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/signal.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include "direct.h"
#include "fault.h"
#include "mailbox.h"
#include "main.h"
#include "message.h"
#include "queue.h"
#include "debug_bug.h"
#include "uaccess.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * struct msgbox_dedup_entry - one remembered (sender, key) pair
 * @node: entry in the hash table
 * @sender: the sender (a reference is held), NULL when the slot is free
 * @key: the sender's key
 * @id: the id of the message accepted with it
 */
struct msgbox_dedup_entry {
	struct hlist_node node;
	struct pid *sender;
	u64 key;
	u64 id;
};

/**
 * struct msgbox_dedup - the duplicate-detection window of a mailbox
 * @next: the ring slot reused next
 * @table: entries by (sender, key)
 * @ring: the last MSGBOX_DEDUP_WINDOW keyed messages accepted
 *
 * Protected by the lock of the mailbox it belongs to.
 */
struct msgbox_dedup {
	unsigned int next;
	DECLARE_HASHTABLE(table, 8);
	struct msgbox_dedup_entry ring[MSGBOX_DEDUP_WINDOW];
};

/**
 * msgbox_dedup_new() - allocate an empty duplicate-detection window
 *
 * Context: process context, may sleep.
 * Return: the window, or NULL.
 */
struct msgbox_dedup *msgbox_dedup_new(void)
{
	struct msgbox_dedup *dedup;

	dedup = kvzalloc(sizeof(*dedup), GFP_KERNEL_ACCOUNT);
	if (dedup)
		hash_init(dedup->table);
	return dedup;
}

/**
 * msgbox_dedup_free() - free a duplicate-detection window
 * @dedup: the window, or NULL
 *
 * Context: process context, may sleep.
 */
void msgbox_dedup_free(struct msgbox_dedup *dedup)
{
	unsigned int i;

	if (!dedup)
		return;
	for (i = 0; i < MSGBOX_DEDUP_WINDOW; i++)
		put_pid(dedup->ring[i].sender);
	kvfree(dedup);
}

static u32 msgbox_dedup_hash(const struct pid *sender, u64 key)
{
	return hash_64(key ^ (u64)(uintptr_t)sender, 32);
}

static struct msgbox_dedup_entry *
msgbox_dedup_find(struct msgbox_dedup *dedup, const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e;

	hash_for_each_possible(dedup->table, e, node,
			       msgbox_dedup_hash(msg->sender, msg->key))
		if (e->sender == msg->sender && e->key == msg->key)
			return e;
	return NULL;
}

/*
 * Was (sender, key) of @msg accepted within the window? If not, remember it,
 * forgetting the oldest pair.
 */
static bool msgbox_dedup_seen(struct msgbox_mailbox *mb,
			      const struct msgbox_msg *msg)
{
	struct msgbox_dedup *dedup = mb->dedup;
	struct msgbox_dedup_entry *e;

	lockdep_assert_held(&mb->lock);
	if (msgbox_dedup_find(dedup, msg))
		return true;

	e = &dedup->ring[dedup->next];
	dedup->next = (dedup->next + 1) % MSGBOX_DEDUP_WINDOW;
	if (e->sender) {
		hash_del(&e->node);
		put_pid(e->sender);
	}
	e->sender = get_pid(msg->sender);
	e->key = msg->key;
	e->id = msg->id;
	hash_add(dedup->table, &e->node, msgbox_dedup_hash(e->sender, e->key));
	return false;
}

/*
 * A withdrawn message was never delivered: its key may be sent again. The
 * entry is forgotten only if it is still this message's: once pushed out
 * of the window, the key may have been accepted again with another one.
 */
static void msgbox_dedup_forget(struct msgbox_mailbox *mb,
				const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e;

	lockdep_assert_held(&mb->lock);
	if (!mb->dedup || !(msg->flags & MSGBOX_MSG_KEY))
		return;
	e = msgbox_dedup_find(mb->dedup, msg);
	if (!e || e->id != msg->id)
		return;
	hash_del(&e->node);
	put_pid(e->sender);
	e->sender = NULL;
}

/*
 * Sleep on @wq with the mailbox lock dropped. Returns with the lock held,
 * and -ERESTARTSYS for a signal (interruptible sleeps), -EINTR for a fatal
 * signal (killable sleeps), -ETIMEDOUT once the deadline has passed, or 0.
 * The caller re-checks its condition either way, so a wake-up racing with a
 * signal or a timeout is never lost.
 *
 * An @exclusive sleeper is one of the receivers a new message wakes only
 * one of: it must take a message when it finds one, whatever else happened
 * meanwhile, or else pass the wake-up on by waking the receive queue.
 */
static __msgbox_hot int msgbox_queue_sleep(struct msgbox_mailbox *mb,
					   struct wait_queue_head *wq,
					   ktime_t deadline, unsigned int state,
					   bool exclusive)
	__must_hold(&mb->lock)
{
	DEFINE_WAIT(wait);
	int ret = 0;

	if (exclusive)
		prepare_to_wait_exclusive(wq, &wait, state);
	else
		prepare_to_wait(wq, &wait, state);
	spin_unlock(&mb->lock);
	trace_msgbox_block(mb, wq == &mb->send_wq);

	if (state == TASK_INTERRUPTIBLE && signal_pending(current)) {
		ret = -ERESTARTSYS;
	} else if (state == TASK_KILLABLE && fatal_signal_pending(current)) {
		ret = -EINTR;
	} else if (deadline) {
		ktime_t expires = deadline;

		if (!schedule_hrtimeout_range(&expires, 0, HRTIMER_MODE_ABS))
			ret = -ETIMEDOUT;
	} else {
		schedule();
	}

	finish_wait(wq, &wait);
	trace_msgbox_wake(mb, wq == &mb->send_wq);
	spin_lock(&mb->lock);
	return ret;
}

/* How long a blocking call polls before it sleeps, in ns; 0: never. */
unsigned int msgbox_poll_ns = MSGBOX_POLL_NS_DEFAULT;

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
__msgbox_hot unsigned int msgbox_queue_room(const struct msgbox_mailbox *mb)
{
	s64 room;

	/* A hint only: the lock holders' updates may be seen half done. */
	room = data_race((s64)mb->capacity - mb->nr_msgs - mb->nr_inflight);

	return room > 0 ? room : 0;
}

/* Room for a message (@send) or a message, or a dead mailbox. */
static bool msgbox_queue_ready_unlocked(const struct msgbox_mailbox *mb,
					bool send)
{
	/* Read without the lock: a hint, which the caller checks under it. */
	return data_race(mb->dead ||
			 (send ? msgbox_queue_room(mb) > 0 : mb->nr_msgs));
}

/*
 * Before a blocking call on a buffered mailbox sleeps for room (@send) or
 * for a message, it polls for one for up to msgbox_poll_ns with the
 * mailbox lock dropped, provided that this CPU has nothing else to run
 * and no signal is pending. A peer busy on another CPU then serves it in
 * a few microseconds, without the sleep and the wake-up, which cost more:
 * an idle CPU halts and must be sent an interrupt to run the woken task.
 * (KVM polls before halting a virtual CPU for the same reason.) Polling
 * stops at once when another task wants the CPU, and never goes past
 * @deadline (0: none). A polling caller counts as waiting, as a sleeping
 * one does: arrival notification is not due while a receiver polls.
 * Returns with the lock held; the caller checks its condition again
 * either way.
 */
static __msgbox_hot void msgbox_queue_poll_wait(struct msgbox_mailbox *mb,
						bool send, ktime_t deadline)
	__must_hold(&mb->lock)
{
	u32 *waiting = send ? &mb->nr_send_waiting : &mb->nr_recv_waiting;
	u64 poll_ns = READ_ONCE(msgbox_poll_ns);
	u64 start;
	s64 left;

	if (!poll_ns || !mb->capacity || !single_task_running())
		return;
	if (deadline) {
		left = ktime_to_ns(ktime_sub(deadline, ktime_get()));
		if (left <= 0)
			return;
		poll_ns = min_t(u64, poll_ns, left);
	}
	(*waiting)++;
	spin_unlock(&mb->lock);
	start = local_clock();
	while (!msgbox_queue_ready_unlocked(mb, send) &&
	       single_task_running() && !need_resched() &&
	       !signal_pending(current) && local_clock() - start < poll_ns)
		cpu_relax();
	spin_lock(&mb->lock);
	(*waiting)--;
}

/*
 * A rendezvous holds one message at a time, offered or being copied out,
 * which is what its creator was charged for: one blocking sender offers
 * its message and waits for a receiver, the others wait for room. A
 * non-blocking send needs a receiver already waiting as well.
 */
static bool msgbox_queue_rendezvous_free(const struct msgbox_mailbox *mb)
{
	return !mb->nr_msgs && !mb->nr_inflight;
}

static bool msgbox_queue_has_room(const struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&mb->lock);
	if (!mb->capacity)
		return mb->nr_recv_waiting && msgbox_queue_rendezvous_free(mb);
	return mb->nr_msgs + mb->nr_inflight < mb->capacity;
}

/* Does @a go before @b? Higher priority first, then lower id. */
static bool msgbox_msg_before(const struct msgbox_msg *a,
			      const struct msgbox_msg *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->id < b->id;
}

/*
 * Put @msg in its place. New messages have the highest id, so the walk from
 * the tail stops at once unless priorities are mixed.
 */
static __msgbox_hot void msgbox_queue_insert(struct msgbox_mailbox *mb,
					     struct msgbox_msg *msg)
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

/* Take a queued message off the queue, undoing msgbox_queue_insert(). */
static void msgbox_queue_unlink(struct msgbox_mailbox *mb,
				struct msgbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	list_del_init(&msg->node);
	mb->nr_msgs--;
}

/*
 * Take the first @n queued messages, the last of which is @last, off the
 * queue onto @list in one cut.
 */
static void msgbox_queue_unlink_head(struct msgbox_mailbox *mb,
				     struct msgbox_msg *last, unsigned int n,
				     struct list_head *list)
{
	lockdep_assert_held(&mb->lock);
	list_cut_position(list, &mb->msgs, &last->node);
	mb->nr_msgs -= n;
}

/* Queue a new message from a sender: it counts as sent. */
static void msgbox_queue_add(struct msgbox_mailbox *mb, struct msgbox_msg *msg)
{
	msgbox_queue_insert(mb, msg);
	mb->bytes += msg->len;
	mb->sent++;
	trace_msgbox_send(mb, msg);
}

/*
 * Is arrival notification due for a message queued now? Only for the
 * first message, and only when no receiver is blocked to take it.
 */
static bool msgbox_queue_notify_due(const struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&mb->lock);
	return mb->notify.pid && !mb->nr_msgs && !mb->nr_recv_waiting;
}

static void msgbox_queue_wake(struct wait_queue_head *wq)
{
	if (wq_has_sleeper(wq))
		wake_up(wq);
}

/*
 * Take the registration for arrival notification off @mb into @n. A
 * registration for EPOLLPRI marks its file; a signal is sent by
 * msgbox_notify_fire() once the mailbox lock is dropped.
 */
static void msgbox_notify_take(struct msgbox_mailbox *mb,
			       struct msgbox_notify *n)
{
	lockdep_assert_held(&mb->lock);
	*n = mb->notify;
	if (!n->signo)
		mb->notify.fired = n->file;
	mb->notify.pid = NULL;
	mb->notify.file = NULL;
}

/*
 * send_sig_info() directs a signal at one thread, and no exported helper
 * sends a process-wide one with a chosen siginfo. Pick the thread the
 * kernel would: one that is not exiting and does not block @signo, or
 * failing that any live one, so the signal waits there until unblocked.
 */
static struct task_struct *msgbox_notify_target(struct task_struct *leader,
						int signo)
{
	struct task_struct *t, *live = NULL;

	for_each_thread(leader, t) {
		if (t->flags & PF_EXITING)
			continue;
		if (!sigismember(&t->blocked, signo))
			return t;
		if (!live)
			live = t;
	}
	return live;
}

/* Send the signal of a registration taken, and drop its reference. */
static void __cold msgbox_notify_send(struct msgbox_notify *n)
{
	struct kernel_siginfo info;
	struct task_struct *task;

	if (n->signo) {
		clear_siginfo(&info);
		info.si_signo = n->signo;
		info.si_code = SI_MESGQ;
		info.si_value.sival_ptr = (void __user *)(uintptr_t)n->value;

		rcu_read_lock();
		task = pid_task(n->pid, PIDTYPE_TGID);
		if (task)
			task = msgbox_notify_target(task, n->signo);
		if (task) {
			info.si_pid = task_tgid_nr_ns(current,
						      task_active_pid_ns(task));
			info.si_uid = from_kuid_munged(task_cred_xxx(task, user_ns),
						       current_uid());
			send_sig_info(n->signo, &info, task);
		}
		rcu_read_unlock();
	}
	put_pid(n->pid);
}

/*
 * Fire a registration taken by msgbox_notify_take(), if any: nearly every
 * send has none, and returns here without a call.
 */
static inline void msgbox_notify_fire(struct msgbox_notify *n)
{
	if (n->pid)
		msgbox_notify_send(n);
}

/**
 * msgbox_queue_notify() - register or clear arrival notification
 * @mb: the mailbox
 * @file: the file the caller registers through
 * @args: the request, already checked
 *
 * Context: process context; takes the mailbox lock.
 * Return: 0, -EIDRM or -EBUSY (another registration exists).
 */
int msgbox_queue_notify(struct msgbox_mailbox *mb, const struct file *file,
			const struct msgbox_notify_args *args)
{
	struct pid *me = task_tgid(current), *old = NULL;
	int err = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
		goto out_unlock;
	}
	if (mb->notify.fired == file)
		mb->notify.fired = NULL;
	if (args->flags & MSGBOX_NOTIFY_CLEAR) {
		if (mb->notify.pid == me) {
			old = mb->notify.pid;
			mb->notify.pid = NULL;
			mb->notify.file = NULL;
		}
	} else if (mb->notify.pid) {
		err = -EBUSY;
	} else {
		mb->notify.pid = get_pid(me);
		mb->notify.file = file;
		mb->notify.signo = args->signo;
		mb->notify.value = args->value;
	}
out_unlock:
	spin_unlock(&mb->lock);
	put_pid(old);
	return err;
}

/**
 * msgbox_queue_notify_release() - a file of @mb is being released
 * @mb: the mailbox
 * @file: the file
 *
 * Removes a registration made through @file, as closing a message queue
 * descriptor does.
 *
 * Context: process context; takes the mailbox lock.
 */
void msgbox_queue_notify_release(struct msgbox_mailbox *mb,
				 const struct file *file)
{
	struct pid *old = NULL;

	spin_lock(&mb->lock);
	if (mb->notify.file == file) {
		old = mb->notify.pid;
		mb->notify.pid = NULL;
		mb->notify.file = NULL;
	}
	if (mb->notify.fired == file)
		mb->notify.fired = NULL;
	spin_unlock(&mb->lock);
	put_pid(old);
}

/**
 * msgbox_queue_send() - queue a message, blocking as the mailbox requires
 * @mb: the mailbox
 * @msg: the message, whose single reference passes to the queue
 * @w: how the call may block
 * @ack: wait until a receiver has copied the message out
 * @id: out: the message's id
 * @result: out: MSGBOX_SENT_* bits
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: 0, or -EIDRM, -EAGAIN, -ERESTARTSYS, -ETIMEDOUT or -EINPROGRESS.
 * With @ack or on a rendezvous mailbox, an error means the message was
 * withdrawn (or discarded by destroy) and no receiver will see it, except
 * -EINPROGRESS: the wait ended while a receiver was copying the message
 * out, and it may yet be delivered.
 */
__msgbox_hot int msgbox_queue_send(struct msgbox_mailbox *mb,
				   struct msgbox_msg *msg,
				   const struct msgbox_wait *w, bool ack,
				   u64 *id, u32 *result)
{
	struct msgbox_notify notify = { };
	bool withdrawn = false, polled = false;
	int err = 0;

	*result = 0;
	spin_lock(&mb->lock);
	for (;;) {
		if (mb->dead) {
			err = -EIDRM;
			goto out_unlock;
		}
		/*
		 * A blocking rendezvous send offers its message once no other
		 * is offered, and then waits, as an acknowledged send does,
		 * until a receiver took it: receivers see it, poll says
		 * POLLIN, and nothing is buffered beyond that one message.
		 */
		if (msgbox_queue_has_room(mb) ||
		    (!mb->capacity && !w->nonblock &&
		     msgbox_queue_rendezvous_free(mb)))
			break;
		if (err)
			goto out_unlock;
		if (w->nonblock) {
			err = -EAGAIN;
			goto out_unlock;
		}
		if (!polled) {
			polled = true;
			msgbox_queue_poll_wait(mb, true, w->deadline);
			continue;
		}
		mb->nr_send_waiting++;
		err = msgbox_queue_sleep(mb, &mb->send_wq, w->deadline,
					 TASK_INTERRUPTIBLE, false);
		mb->nr_send_waiting--;
	}
	err = 0;

	msg->id = mb->next_id;
	if (mb->dedup && (msg->flags & MSGBOX_MSG_KEY) &&
	    msgbox_dedup_seen(mb, msg)) {
		*result = MSGBOX_SENT_DUPLICATE;
		goto out_unlock;
	}
	mb->next_id++;

	if (!mb->capacity && !w->nonblock)
		ack = true;
	/* An acknowledged message may be withdrawn: it does not notify. */
	if (!ack && msgbox_queue_notify_due(mb))
		msgbox_notify_take(mb, &notify);
	*id = msg->id;
	if (ack) {
		msg->flags |= MSGBOX_MSGF_ACK;
		msgbox_msg_get(msg);
	}
	msgbox_queue_add(mb, msg);
	spin_unlock(&mb->lock);

	/* The sender usually blocks next (a reply, a full mailbox): sync. */
	if (wq_has_sleeper(&mb->recv_wq))
		wake_up_interruptible_sync(&mb->recv_wq);
	msgbox_notify_fire(&notify);
	if (!ack)
		return 0;

	/*
	 * Wait for the outcome. Once the deadline passed or a signal came
	 * (at once, for a non-blocking send), the message is withdrawn if it
	 * is still queued. If a receiver is copying it out, which can stall
	 * on a page fault for as long as the receiver's memory takes, the
	 * outcome is not known yet: -EINPROGRESS says so, and the message
	 * stays the receiver's, delivered or queued again.
	 */
	spin_lock(&mb->lock);
	for (;;) {
		if (msg->state == MSGBOX_MSG_TAKEN) {
			*result |= MSGBOX_SENT_DELIVERED;
			err = 0;
			break;
		}
		if (msg->state == MSGBOX_MSG_GONE) {
			err = -EIDRM;
			break;
		}
		if (!err && w->nonblock)
			err = -EAGAIN;
		if (msg->state == MSGBOX_MSG_QUEUED && err) {
			msgbox_queue_unlink(mb, msg);
			msgbox_dedup_forget(mb, msg);
			msg->state = MSGBOX_MSG_GONE;
			mb->bytes -= msg->len;
			mb->sent--;
			withdrawn = true;
			break;
		}
		if (err) {
			/* In flight: neither withdrawn nor known delivered. */
			err = -EINPROGRESS;
			break;
		}
		mb->nr_send_waiting++;
		err = msgbox_queue_sleep(mb, &mb->send_wq, w->deadline,
					 TASK_INTERRUPTIBLE, false);
		mb->nr_send_waiting--;
	}
	spin_unlock(&mb->lock);

	if (withdrawn) {
		/* Room for another sender; drop the queue's reference. */
		msgbox_queue_wake(&mb->send_wq);
		msgbox_msg_put(msg);
	}
	msgbox_msg_put(msg);
	return err;

out_unlock:
	spin_unlock(&mb->lock);
	msgbox_msg_put(msg);
	return err;
}

/**
 * msgbox_queue_send_many() - queue several plain messages under one lock
 * @mb: the mailbox, not a rendezvous one
 * @msgs: messages stamped for the sender, without ack, key or checksum
 * @n: how many
 * @ids: out: the id given to each message queued
 *
 * Queues, in order, as many of @msgs as there is room for, and wakes the
 * receivers once. Never blocks. The queue takes the references of the
 * messages queued; the caller keeps those of the rest.
 *
 * Context: process context; takes the mailbox lock.
 * Return: the number of messages queued.
 */
__msgbox_hot unsigned int msgbox_queue_send_many(struct msgbox_mailbox *mb,
						 struct msgbox_msg **msgs,
						 unsigned int n, u64 *ids)
{
	struct msgbox_notify notify = { };
	struct msgbox_msg *msg;
	unsigned int i;

	spin_lock(&mb->lock);
	if (mb->dead || !mb->capacity) {
		spin_unlock(&mb->lock);
		return 0;
	}
	if (n && msgbox_queue_has_room(mb) && msgbox_queue_notify_due(mb))
		msgbox_notify_take(mb, &notify);
	for (i = 0; i < n && msgbox_queue_has_room(mb); i++) {
		msg = msgs[i];
		msg->id = mb->next_id++;
		ids[i] = msg->id;
		msgbox_queue_add(mb, msg);
	}
	spin_unlock(&mb->lock);

	/* One receiver for each message (see msgbox_queue_sleep()). */
	if (i && wq_has_sleeper(&mb->recv_wq))
		wake_up_nr(&mb->recv_wq, i);
	msgbox_notify_fire(&notify);
	return i;
}

/**
 * msgbox_queue_wait() - wait until a batch can make progress
 * @mb: the mailbox, not a rendezvous one
 * @send: wait for room for a message (sends), or for a message (receives)
 *
 * A blocking batch waits here before its first entry instead of moving
 * that entry alone: the run that follows moves as much as there is, and
 * the other side is woken once for all of it.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: 0 once there is room or a message, -EIDRM or -ERESTARTSYS.
 */
__msgbox_hot int msgbox_queue_wait(struct msgbox_mailbox *mb, bool send)
{
	u32 *waiting = send ? &mb->nr_send_waiting : &mb->nr_recv_waiting;
	bool polled = false;
	int err = 0;

	spin_lock(&mb->lock);
	for (;;) {
		if (mb->dead) {
			err = -EIDRM;
			break;
		}
		if (send ? msgbox_queue_has_room(mb) : mb->nr_msgs > 0) {
			err = 0;
			break;
		}
		if (err)
			break;
		if (!polled) {
			polled = true;
			msgbox_queue_poll_wait(mb, send, 0);
			continue;
		}
		/* A woken receiver goes on to take messages: exclusive. */
		(*waiting)++;
		err = msgbox_queue_sleep(mb, send ? &mb->send_wq : &mb->recv_wq,
					 0, TASK_INTERRUPTIBLE, !send);
		(*waiting)--;
	}
	spin_unlock(&mb->lock);
	return err;
}

/**
 * msgbox_queue_sleep_lost() - wait for the acknowledgment of a lost message
 * @w: how the call may block
 *
 * The acknowledgment never comes: sleep until the deadline or a signal, as
 * the sender of a message lost in transit would.
 *
 * Context: process context, may sleep.
 * Return: -EAGAIN (non-blocking), -ETIMEDOUT or -ERESTARTSYS.
 */
int msgbox_queue_sleep_lost(const struct msgbox_wait *w)
{
	ktime_t expires = w->deadline;
	int ret;

	if (w->nonblock)
		return -EAGAIN;
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (!expires) {
			schedule();
		} else if (!schedule_hrtimeout_range(&expires, 0,
						     HRTIMER_MODE_ABS)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
	return ret;
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

/* The first message the receive may take, or NULL. */
static __msgbox_hot struct msgbox_msg *
msgbox_queue_find(struct msgbox_mailbox *mb, struct pid *from, pid_t from_nr,
		  struct pid_namespace *ns)
{
	struct msgbox_msg *msg;

	lockdep_assert_held(&mb->lock);
	if (!from_nr)
		return list_first_entry_or_null(&mb->msgs, struct msgbox_msg,
						node);
	list_for_each_entry(msg, &mb->msgs, node)
		if (msgbox_msg_from(msg, from, from_nr, ns))
			return msg;
	return NULL;
}

static __msgbox_hot void msgbox_queue_describe(const struct msgbox_msg *msg,
					       struct msgbox_recv_args *args,
					       struct pid_namespace *ns)
{
	struct user_namespace *user_ns = current_user_ns();

	args->len = msg->len;
	args->prio = msg->prio;
	args->id = msg->id;
	args->key = (msg->flags & MSGBOX_MSG_KEY) ? msg->key : 0;
	/* The initial namespaces, by far the most common, map nothing. */
	args->pid = ns == &init_pid_ns ? pid_nr(msg->sender) :
		    pid_nr_ns(msg->sender, ns);
	if (user_ns == &init_user_ns) {
		args->uid = __kuid_val(msg->uid);
		args->gid = __kgid_val(msg->gid);
	} else {
		args->uid = from_kuid_munged(user_ns, msg->uid);
		args->gid = from_kgid_munged(user_ns, msg->gid);
	}
	args->csum = (msg->flags & MSGBOX_MSG_CSUM) ? msg->csum : 0;
	args->msg_flags = msg->flags & (MSGBOX_MSG_CSUM | MSGBOX_MSG_KEY);
}

/* A receiver is done with its registration, under the mailbox lock. */
static void msgbox_direct_leave(struct msgbox_direct *d)
{
	if (!d)
		return;
	if (d->state == MSGBOX_DIRECT_WAITING)
		list_del_init(&d->node);
	if (d->state != MSGBOX_DIRECT_CLAIMED)
		d->state = MSGBOX_DIRECT_GONE;
}

/**
 * msgbox_queue_direct_ok() - may this send try a direct hand-off?
 * @mb: the mailbox
 * @args: the send, of MSGBOX_DIRECT_MIN bytes or more
 *
 * Only plain large messages to an ordinary mailbox qualify: no checksum or
 * key to check, no fault to inject, and a receiver registered. The caller
 * checks the size, so that small sends make no call here.
 *
 * Return: true when msgbox_queue_send_direct() is worth a try.
 */
bool msgbox_queue_direct_ok(struct msgbox_mailbox *mb,
			    const struct msgbox_send_args *args)
{
	if (!mb->capacity ||
	    (args->flags & (MSGBOX_SEND_CSUM | MSGBOX_SEND_KEY)) ||
	    msgbox_fault_any(mb))
		return false;
	/*
	 * Unlocked peek, a hint only: msgbox_queue_send_direct() looks again
	 * under the lock, and a stale answer just queues the message.
	 */
	return !data_race(list_empty(&mb->direct_waiters));
}

/**
 * msgbox_queue_send_direct() - copy a message into a waiting receiver
 * @mb: the mailbox
 * @hdr: a header-only message stamped for the sender, whose reference
 *	passes to this function
 * @ubuf: the sender's payload
 * @len: its length
 * @id: out: the message's id
 * @result: out: MSGBOX_SENT_DELIVERED
 *
 * Succeeds only when the mailbox is empty, so that order is kept, and a
 * registered receiver's buffer is large enough.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: 0 when delivered, 1 when it was not (no receiver, or the payload
 * was not resident: queue it the usual way), or -EIDRM.
 */
int msgbox_queue_send_direct(struct msgbox_mailbox *mb, struct msgbox_msg *hdr,
			     const void __user *ubuf, u32 len, u64 *id,
			     u32 *result)
{
	struct msgbox_direct *d = NULL, *pos;
	int err;

	/* Fault the payload in now: the copy below may not fault. */
	if (fault_in_readable(ubuf, len)) {
		err = 1;
		goto out_put;
	}

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
		goto out_unlock;
	}
	err = 1;
	if (mb->nr_msgs || mb->nr_inflight)
		goto out_unlock;
	list_for_each_entry(pos, &mb->direct_waiters, node) {
		if (pos->len >= len) {
			d = pos;
			break;
		}
	}
	if (!d)
		goto out_unlock;
	list_del_init(&d->node);
	d->state = MSGBOX_DIRECT_CLAIMED;
	refcount_inc(&d->ref);
	/* The id is taken at the claim, so ids follow the order of arrival. */
	hdr->id = mb->next_id++;
	spin_unlock(&mb->lock);

	err = msgbox_direct_copy(d, ubuf, len) ? 1 : 0;

	spin_lock(&mb->lock);
	if (err || mb->dead) {
		/* Nothing delivered: the receiver waits on, or learns. */
		d->state = MSGBOX_DIRECT_WAITING;
		if (!mb->dead)
			list_add(&d->node, &mb->direct_waiters);
		else
			err = -EIDRM;
	} else {
		/* @hdr has no payload: only its description is ever used. */
		hdr->len = len;
		mb->sent++;
		mb->received++;
		trace_msgbox_send(mb, hdr);
		trace_msgbox_recv(mb, hdr);
		d->msg = hdr;
		hdr = NULL;
		d->state = MSGBOX_DIRECT_DONE;
		*id = d->msg->id;
		*result = MSGBOX_SENT_DELIVERED;
	}
	/* Under the lock: the receiver is still in its loop to see it. */
	wake_up_process(d->task);
	spin_unlock(&mb->lock);
	msgbox_direct_put(d);
	msgbox_msg_put(hdr);
	return err;

out_unlock:
	spin_unlock(&mb->lock);
out_put:
	msgbox_msg_put(hdr);
	return err;
}

/*
 * Drop the reference on the sender a receive filters by. Most receives
 * filter by none: no call then.
 */
static inline void msgbox_put_from(struct pid *from)
{
	if (from)
		put_pid(from);
}

/* @msg, off the queue, is delivered. */
static void msgbox_queue_taken(struct msgbox_mailbox *mb,
			       struct msgbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	trace_msgbox_recv(mb, msg);
	msg->state = MSGBOX_MSG_TAKEN;
	mb->received++;
	mb->bytes -= msg->len;
}

/* Write a receive's @args back to @uargs, if the caller has any. */
static int msgbox_recv_args_out(struct msgbox_recv_args __user *uargs,
				const struct msgbox_recv_args *args, u32 usize)
{
	if (!uargs)
		return 0;
	return msgbox_copy_to_user(uargs, args,
				   min_t(size_t, sizeof(*args), usize));
}

/*
 * Copy @msg and the receive's @args out with page faults disabled, under
 * the mailbox lock. Returns false when either copy came up short; the
 * caller then copies the unlocked way, which may fault pages in.
 */
static __msgbox_hot bool
msgbox_queue_copy_locked(const struct msgbox_msg *msg,
			 const struct msgbox_recv_args *args, void __user *ubuf,
			 struct msgbox_recv_args __user *uargs, u32 usize)
{
	int err;

	pagefault_disable();
	if (uargs)
		err = msgbox_copy_to_user_pair(ubuf, msgbox_msg_data(msg),
					       msg->len, uargs, args,
					       min_t(size_t, sizeof(*args),
						     usize));
	else
		err = msgbox_copy_to_user(ubuf, msgbox_msg_data(msg),
					  msg->len);
	pagefault_enable();
	return !err;
}

/*
 * Take @msg, copied out under the lock, off the queue as delivered; drop
 * the lock, wake a sender for the free slot and keep the object for reuse.
 */
static __msgbox_hot void msgbox_queue_deliver(struct msgbox_mailbox *mb,
					      struct msgbox_msg *msg)
	__releases(&mb->lock)
{
	msgbox_queue_unlink(mb, msg);
	msgbox_queue_taken(mb, msg);
	spin_unlock(&mb->lock);
	msgbox_queue_wake(&mb->send_wq);
	msgbox_msg_put_spare(&mb->spares, msg);
	msgbox_debug_bug_after_put(msg, true);
}

/*
 * A plain receive of @msg under the mailbox lock (msgbox_queue_recv_fast(),
 * and each entry of a batched run), in one user-access section with page
 * faults disabled: read the caller's arguments at @uargs and, when they
 * are a plain receive of this version with room for the message, write
 * its payload and its description, as seen from @ns, back. Returns 0 once
 * all is written, 1 when the arguments ask for something else, or -EFAULT;
 * after -EFAULT the buffer and the arguments may be written in part, which
 * the general way writes again.
 */
static __always_inline int
msgbox_recv_plain_out(struct msgbox_recv_args __user *uargs,
		      const struct msgbox_msg *msg, struct pid_namespace *ns)
{
	/* Filled by msgbox_queue_describe(): not cleared on entry. */
	struct msgbox_recv_args out __uninitialized;
	u32 size, flags, buf_len, reserved;
	u8 __user *ubuf;
	u64 buf;
	int ret = 1;

	msgbox_queue_describe(msg, &out, ns);
	pagefault_disable();
	if (!user_access_begin(uargs, sizeof(*uargs))) {
		ret = -EFAULT;
		goto out_enable;
	}
	unsafe_get_user(size, &uargs->size, efault);
	unsafe_get_user(flags, &uargs->flags, efault);
	unsafe_get_user(reserved, &uargs->__reserved, efault);
	unsafe_get_user(buf, &uargs->buf, efault);
	unsafe_get_user(buf_len, &uargs->buf_len, efault);
	ubuf = u64_to_user_ptr(buf);
	if (size != sizeof(*uargs) || flags || reserved ||
	    buf_len < out.len || !access_ok(ubuf, out.len))
		goto out;
	if (msgbox_copy_out_words(ubuf, msgbox_msg_data(msg), out.len))
		goto efault;
	unsafe_put_user(out.len, &uargs->len, efault);
	unsafe_put_user(out.prio, &uargs->prio, efault);
	unsafe_put_user(out.id, &uargs->id, efault);
	unsafe_put_user(out.key, &uargs->key, efault);
	unsafe_put_user(out.pid, &uargs->pid, efault);
	unsafe_put_user(out.uid, &uargs->uid, efault);
	unsafe_put_user(out.gid, &uargs->gid, efault);
	unsafe_put_user(out.csum, &uargs->csum, efault);
	unsafe_put_user(out.msg_flags, &uargs->msg_flags, efault);
	ret = 0;
out:
	user_access_end();
out_enable:
	pagefault_enable();
	return ret;

efault:
	user_access_end();
	pagefault_enable();
	return -EFAULT;
}

/**
 * msgbox_queue_recv_fast() - the common receive, of a message already queued
 * @mb: the mailbox
 * @uargs: the caller's struct msgbox_recv_args, not yet read
 * @len: the message length, on success
 *
 * A plain receive (no flags, this module's version) of the first queued
 * message, when it fits the caller's buffer and is short enough to copy
 * under the lock: the arguments are read, and the message and its
 * description written back, in one user-access section with page faults
 * disabled, under the mailbox lock. Under binary translation each section
 * costs about as much as the copies it holds, and a receive the general
 * way makes two. Anything else (no message, another kind of receive, a
 * message that does not fit, memory not resident) is left to
 * msgbox_queue_recv(), which reads the arguments again and says what is
 * wrong, if anything.
 *
 * Context: process context; takes the mailbox lock.
 * Return: true when the message was received.
 */
__msgbox_hot bool msgbox_queue_recv_fast(struct msgbox_mailbox *mb,
					 struct msgbox_recv_args __user *uargs,
					 int *len)
{
	struct msgbox_msg *msg;

	/* A hint, read without the lock: an empty mailbox goes the long way. */
	if (!data_race(mb->nr_msgs))
		return false;
	spin_lock(&mb->lock);
	msg = list_first_entry_or_null(&mb->msgs, struct msgbox_msg, node);
	if (!msg || mb->dead || msg->len > MSGBOX_COPY_LOCKED_MAX ||
	    msgbox_recv_plain_out(uargs, msg, task_active_pid_ns(current)))
		goto fallback;
	*len = msg->len;
	msgbox_queue_deliver(mb, msg);
	return true;

fallback:
	spin_unlock(&mb->lock);
	return false;
}

/**
 * msgbox_queue_recv() - receive (or peek at) the next message
 * @mb: the mailbox
 * @args: the caller's request; its out fields are filled on success and,
 *	for -EMSGSIZE, describe the message that did not fit
 * @w: how the call may block
 * @uargs: the caller's copy of @args, or NULL (read())
 * @usize: its size
 *
 * A taken message counts as delivered only once both its payload and @args
 * were copied out to the caller; if either copy faults the message goes
 * back to its place. For a peek or -EMSGSIZE the caller copies @args out.
 * A message handed over directly (see direct.h) is in the buffer before
 * @args are written; they were checked writable before the hand-off, so
 * only the caller unmapping them meanwhile can make that write fail.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: the message length, or -EIDRM, -EAGAIN, -ERESTARTSYS,
 * -ETIMEDOUT, -EMSGSIZE or -EFAULT. On -EMSGSIZE and -EFAULT the message
 * stays queued.
 */
__msgbox_hot int msgbox_queue_recv(struct msgbox_mailbox *mb,
				   struct msgbox_recv_args *args,
				   const struct msgbox_wait *w,
				   struct msgbox_recv_args __user *uargs,
				   u32 usize)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	void __user *ubuf = u64_to_user_ptr(args->buf);
	pid_t from_nr = (args->flags & MSGBOX_RECV_FROM_PID) ? args->from_pid : 0;
	struct pid *from = from_nr ? find_get_pid(from_nr) : NULL;
	bool delivered, tried_direct = false, pass_on = false, polled = false;
	struct msgbox_direct *d = NULL;
	struct msgbox_msg *msg;
	int err = 0;

	spin_lock(&mb->lock);
	for (;;) {
		if (d && d->state == MSGBOX_DIRECT_DONE)
			goto direct_done;
		if (d && d->state == MSGBOX_DIRECT_CLAIMED) {
			/* A sender is filling the buffer: one bounded memcpy. */
			msgbox_queue_sleep(mb, &mb->recv_wq, 0,
					   TASK_UNINTERRUPTIBLE, false);
			continue;
		}
		if (mb->dead) {
			err = -EIDRM;
			goto out_unlock;
		}
		msg = msgbox_queue_find(mb, from, from_nr, ns);
		if (msg)
			break;
		if (err)
			goto out_unlock;
		if (w->nonblock) {
			err = -EAGAIN;
			goto out_unlock;
		}
		if (!tried_direct && !from_nr &&
		    !(args->flags & MSGBOX_RECV_PEEK) &&
		    msgbox_direct_wanted(mb, args->buf_len)) {
			tried_direct = true;
			spin_unlock(&mb->lock);
			/*
			 * A hand-off puts the payload in place before this
			 * call returns: make sure the arguments can follow.
			 */
			if (!msgbox_recv_args_out(uargs, args, usize))
				d = msgbox_direct_new(ubuf,
						      min(args->buf_len,
							  mb->max_msg_size));
			spin_lock(&mb->lock);
			continue;
		}
		/* Not while registered for a hand-off: senders queue then. */
		if (!polled && !d) {
			polled = true;
			msgbox_queue_poll_wait(mb, false, w->deadline);
			continue;
		}
		if (d && d->state == MSGBOX_DIRECT_IDLE) {
			list_add_tail(&d->node, &mb->direct_waiters);
			d->state = MSGBOX_DIRECT_WAITING;
		}
		mb->nr_recv_waiting++;
		/* Non-blocking rendezvous senders may now go: tell pollers. */
		if (!mb->capacity)
			msgbox_queue_wake(&mb->send_wq);
		/*
		 * Each new message wakes one receiver that takes whatever
		 * comes first; peeks and receives filtered by sender all wake.
		 */
		err = msgbox_queue_sleep(mb, &mb->recv_wq, w->deadline,
					 TASK_INTERRUPTIBLE,
					 !from_nr && !(args->flags & MSGBOX_RECV_PEEK));
		mb->nr_recv_waiting--;
	}
	/* A message that came with the timeout or the signal is taken. */
	err = 0;
	msgbox_direct_leave(d);

	msgbox_queue_describe(msg, args, ns);
	if (msg->len > args->buf_len) {
		err = -EMSGSIZE;
		pass_on = true;
		goto out_unlock;
	}

	if (args->flags & MSGBOX_RECV_PEEK) {
		msgbox_msg_get(msg);
		spin_unlock(&mb->lock);
		msgbox_put_from(from);
		msgbox_direct_put(d);
		err = msgbox_copy_to_user(ubuf, msgbox_msg_data(msg), msg->len);
		msgbox_msg_put(msg);
		return err ? err : args->len;
	}

	/*
	 * A small message goes out under the lock when the caller's memory is
	 * resident, as it nearly always is: no second lock round trip. Faults
	 * are disabled, so a buffer that is not mapped in yet just takes the
	 * unlocked way below.
	 */
	if (msg->len <= MSGBOX_COPY_LOCKED_MAX &&
	    msgbox_queue_copy_locked(msg, args, ubuf, uargs, usize)) {
		msgbox_queue_deliver(mb, msg);
		msgbox_put_from(from);
		msgbox_direct_put(d);
		return args->len;
	}

	msgbox_queue_unlink(mb, msg);
	msg->state = MSGBOX_MSG_INFLIGHT;
	mb->nr_inflight++;
	spin_unlock(&mb->lock);
	msgbox_put_from(from);
	msgbox_direct_put(d);

	if (msgbox_copy_to_user(ubuf, msgbox_msg_data(msg), msg->len) ||
	    msgbox_recv_args_out(uargs, args, usize))
		err = -EFAULT;

	spin_lock(&mb->lock);
	mb->nr_inflight--;
	delivered = !err;
	if (!err) {
		msgbox_queue_taken(mb, msg);
	} else if (!mb->dead) {
		msgbox_queue_insert(mb, msg);
	} else {
		msg->state = MSGBOX_MSG_GONE;
		mb->bytes -= msg->len;
		delivered = true;	/* no longer queued: drop it */
	}
	spin_unlock(&mb->lock);

	/* A slot is free (or an acknowledgment is due) either way. */
	msgbox_queue_wake(&mb->send_wq);
	if (delivered)
		msgbox_msg_put_spare(&mb->spares, msg);
	else
		msgbox_queue_wake(&mb->recv_wq);
	msgbox_debug_bug_after_put(msg, delivered);
	return err ? err : args->len;

direct_done:
	/* The payload is in the buffer already: only describe it. */
	msgbox_queue_describe(d->msg, args, ns);
	d->state = MSGBOX_DIRECT_GONE;
	/* A wake-up meant for a message queued meanwhile goes on. */
	pass_on = mb->nr_msgs;
	spin_unlock(&mb->lock);
	if (pass_on)
		msgbox_queue_wake(&mb->recv_wq);
	msgbox_put_from(from);
	err = msgbox_recv_args_out(uargs, args, usize);
	msgbox_direct_put(d);
	return err ? err : args->len;

out_unlock:
	msgbox_direct_leave(d);
	spin_unlock(&mb->lock);
	/* The message that did not fit may be for another receiver. */
	if (pass_on)
		msgbox_queue_wake(&mb->recv_wq);
	msgbox_put_from(from);
	msgbox_direct_put(d);
	return err;
}

/*
 * One run of msgbox_queue_recv_many(): at most @n messages, and
 * MSGBOX_BATCH_LOCKED_BYTES of payload, under one hold of the lock. Sets
 * *@stopped when it stopped at an entry or a message it could not take
 * that way (or found none), rather than at one of those limits.
 */
static __msgbox_hot unsigned int
msgbox_queue_recv_run(struct msgbox_mailbox *mb, void __user *uentries,
		      unsigned int n, u32 stride, struct pid_namespace *ns,
		      bool *stopped)
{
	struct msgbox_msg *msg, *last = NULL;
	LIST_HEAD(taken);
	size_t bytes = 0;
	bool full = false;
	unsigned int i;

	spin_lock(&mb->lock);
	/* The messages taken stay at the head of the queue until the end. */
	for (i = 0; i < n && !mb->dead; i++, uentries += stride) {
		msg = last ? list_next_entry(last, node) :
			     list_first_entry(&mb->msgs, struct msgbox_msg, node);
		if (list_entry_is_head(msg, &mb->msgs, node) ||
		    msg->len > MSGBOX_COPY_LOCKED_MAX)
			break;
		if (bytes + msg->len > MSGBOX_BATCH_LOCKED_BYTES) {
			full = true;
			break;
		}
		if (msgbox_recv_plain_out(uentries, msg, ns))
			break;
		bytes += msg->len;
		msgbox_queue_taken(mb, msg);
		last = msg;
	}
	if (last)
		msgbox_queue_unlink_head(mb, last, i, &taken);
	*stopped = !i || (i < n && !full);
	spin_unlock(&mb->lock);

	if (!i)
		return 0;
	msgbox_queue_wake(&mb->send_wq);
	msgbox_msgs_put_spares(&mb->spares, &taken);
	return i;
}

/**
 * msgbox_queue_recv_many() - receive several messages, a run at a time
 * @mb: the mailbox
 * @uentries: the caller's array of struct msgbox_recv_args
 * @n: how many entries
 * @stride: distance in bytes between entries
 *
 * Takes messages in order, each into the next entry, while the entry is a
 * plain receive of this module's version (no flags), the message fits its
 * buffer and both can be copied out under the lock: faults are disabled,
 * so this stops at memory that is not resident. The lock is held for
 * MSGBOX_RECV_RUN messages and MSGBOX_BATCH_LOCKED_BYTES of payload at
 * most, then dropped and the senders woken, so that a sender on another
 * CPU refills the mailbox while the rest is copied out. Never blocks.
 * The caller takes the entry this stopped at the one-at-a-time way, which
 * says what is wrong with it, if anything.
 *
 * Context: process context; takes the mailbox lock.
 * Return: the number of messages received.
 */
__msgbox_hot unsigned int msgbox_queue_recv_many(struct msgbox_mailbox *mb,
						 void __user *uentries,
						 unsigned int n, u32 stride)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int done = 0, got, want;
	bool stopped = false;

	while (done < n && !stopped) {
		want = min_t(unsigned int, n - done, MSGBOX_RECV_RUN);
		got = msgbox_queue_recv_run(mb, uentries + (size_t)done * stride,
					    want, stride, ns, &stopped);
		done += got;
	}
	return done;
}

/**
 * msgbox_queue_poll() - poll readiness of a mailbox
 * @mb: the mailbox
 * @file: the file being polled
 * @pt: the poll table
 *
 * Context: process context; takes the mailbox lock.
 * Return: EPOLLIN when a message is queued, EPOLLOUT when a send would not
 * block, EPOLLERR | EPOLLHUP once the mailbox is destroyed.
 */
__poll_t msgbox_queue_poll(struct msgbox_mailbox *mb, struct file *file,
			   poll_table *pt)
{
	__poll_t mask = 0;

	poll_wait(file, &mb->recv_wq, pt);
	poll_wait(file, &mb->send_wq, pt);

	msgbox_debug_bug_poll(mb);
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
	msgbox_debug_bug_locked(mb);
	st->msgs = mb->nr_msgs;
	st->bytes = mb->bytes;
	st->sent = mb->sent;
	st->received = mb->received;
	st->waiting_senders = mb->nr_send_waiting;
	st->waiting_receivers = mb->nr_recv_waiting;
	spin_unlock(&mb->lock);
}

/**
 * msgbox_queue_kill() - mark a mailbox dead and discard its queue
 * @mb: the mailbox
 *
 * Every sleeper wakes and fails with -EIDRM; senders waiting for an
 * acknowledgment learn that their message was discarded. Messages being
 * copied out are delivered or dropped by their receivers. The spare
 * objects are freed and no more are kept (msgbox_spares_close()). The
 * last reference calls this again, which then does nothing.
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
		/* Destroyed before; its last reference is now going. */
		spin_unlock(&mb->lock);
		return;
	}
	mb->dead = true;
	notify_pid = mb->notify.pid;
	mb->notify.pid = NULL;
	mb->notify.file = NULL;
	mb->notify.fired = NULL;
	list_for_each_entry_safe(msg, tmp, &mb->msgs, node) {
		msg->state = MSGBOX_MSG_GONE;
		mb->bytes -= msg->len;
		list_move_tail(&msg->node, &discard);
	}
	discarded = mb->nr_msgs;
	mb->nr_msgs = 0;
	spin_unlock(&mb->lock);

	trace_msgbox_destroy(mb, discarded);
	wake_up_all(&mb->recv_wq);
	wake_up_all(&mb->send_wq);
	put_pid(notify_pid);

	list_for_each_entry_safe(msg, tmp, &discard, node) {
		list_del_init(&msg->node);
		msgbox_msg_put(msg);
	}
	/*
	 * Nothing can be sent any more: the spare objects go now, and those
	 * that receivers and batches give back later are freed, not kept.
	 */
	msgbox_spares_close(&mb->spares);
}
