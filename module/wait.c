// SPDX-License-Identifier: GPL-2.0
/*
 * Sleeping on a mailbox, and polling before it.
 */
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/spinlock.h>

#include "mailbox.h"
#include "queue.h"
#include "trace.h"
#include "wait.h"

/* How long a blocking call polls before it sleeps, in ns; 0: never. */
unsigned int msgbox_poll_ns = MSGBOX_POLL_NS_DEFAULT;

/* A sleeper's wait entry, and whether it may take a call. */
struct msgbox_waiter {
	struct wait_queue_entry entry;
	bool calls;
};

/*
 * A wake-up for a call (keyed MSGBOX_POLL_CALL, see queue.h) passes over
 * a receiver that does not hold, and so cannot take it: it does not count
 * among the exclusive waiters woken, and the next one is tried.
 */
static int msgbox_wait_wake(struct wait_queue_entry *entry, unsigned int mode,
			    int sync, void *key)
{
	struct msgbox_waiter *w = container_of(entry, struct msgbox_waiter,
					       entry);

	if (!w->calls && key && (key_to_poll(key) & EPOLLRDBAND))
		return 0;
	return autoremove_wake_function(entry, mode, sync, key);
}

/**
 * msgbox_wait_sleep() - sleep on one of a mailbox's wait queues
 * @mb: the mailbox, locked
 * @wq: its recv_wq or send_wq
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 * @state: TASK_INTERRUPTIBLE, or TASK_UNINTERRUPTIBLE for a wait that is
 *	bounded by another task's memcpy (see direct.h)
 * @exclusive: the caller is one of the receivers a new message wakes only
 *	one of: it must take a message when it finds one, whatever else
 *	happened meanwhile, or else pass the wake-up on by waking @wq
 * @calls: the caller may take a call; a receiver that may not is not woken
 *	for one
 *
 * The caller checks its condition again either way.
 *
 * Context: process context, may sleep; called and returns with @mb->lock
 * held, which it drops while it sleeps.
 * Return: 0, -ERESTARTSYS for a signal, or -ETIMEDOUT once the deadline
 * has passed.
 */
int msgbox_wait_sleep(struct msgbox_mailbox *mb, struct wait_queue_head *wq,
		      ktime_t deadline, unsigned int state, bool exclusive,
		      bool calls)
	__must_hold(&mb->lock)
{
	struct msgbox_waiter w = {
		.entry = {
			.private = current,
			.func = msgbox_wait_wake,
			.entry = LIST_HEAD_INIT(w.entry.entry),
		},
		.calls = calls,
	};
	int ret = 0;

	if (exclusive)
		prepare_to_wait_exclusive(wq, &w.entry, state);
	else
		prepare_to_wait(wq, &w.entry, state);
	spin_unlock(&mb->lock);
	trace_msgbox_block(mb, wq == &mb->send_wq);

	if (state == TASK_INTERRUPTIBLE && signal_pending(current)) {
		ret = -ERESTARTSYS;
	} else if (deadline) {
		ktime_t expires = deadline;

		if (!schedule_hrtimeout_range(&expires, 0, HRTIMER_MODE_ABS))
			ret = -ETIMEDOUT;
	} else {
		schedule();
	}

	finish_wait(wq, &w.entry);
	trace_msgbox_wake(mb, wq == &mb->send_wq);
	spin_lock(&mb->lock);
	return ret;
}

/* Room for a message (@send) or a message, or a dead mailbox. */
static bool msgbox_wait_ready_hint(const struct msgbox_mailbox *mb, bool send)
{
	/* Read without the lock: a hint, which the caller checks under it. */
	return data_race(mb->dead ||
			 (send ? msgbox_queue_room(mb) > 0 : mb->nr_msgs));
}

/*
 * How long a call about to sleep may poll first, in ns: msgbox_poll_ns, no
 * further than @deadline, and 0 (no poll) while another task wants the CPU.
 */
static u64 msgbox_wait_poll_budget(ktime_t deadline)
{
	u64 poll_ns = READ_ONCE(msgbox_poll_ns);
	s64 left;

	if (!poll_ns || !single_task_running())
		return 0;
	if (deadline) {
		left = ktime_to_ns(ktime_sub(deadline, ktime_get()));
		if (left <= 0)
			return 0;
		poll_ns = min_t(u64, poll_ns, left);
	}
	return poll_ns;
}

/* May a poll begun at @start go on: its CPU not wanted, no signal? */
static bool msgbox_wait_poll_on(u64 start, u64 poll_ns)
{
	return single_task_running() && !need_resched() &&
	       !signal_pending(current) && local_clock() - start < poll_ns;
}

/**
 * msgbox_wait_poll() - poll for room or a message before sleeping
 * @mb: the mailbox, locked, of capacity 1 or more
 * @send: poll for room (senders), or for a message (receivers)
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 *
 * See the DOC above. A polling caller counts as waiting, as a sleeping one
 * does: arrival notification is not due while a receiver polls.
 *
 * Context: process context; called and returns with @mb->lock held, which
 * it drops while it polls.
 */
void msgbox_wait_poll(struct msgbox_mailbox *mb, bool send, ktime_t deadline)
	__must_hold(&mb->lock)
{
	u32 *waiting = send ? &mb->nr_send_waiting : &mb->nr_recv_waiting;
	u64 poll_ns = mb->capacity ? msgbox_wait_poll_budget(deadline) : 0;
	u64 start;

	if (!poll_ns)
		return;
	(*waiting)++;
	spin_unlock(&mb->lock);
	start = local_clock();
	while (!msgbox_wait_ready_hint(mb, send) &&
	       msgbox_wait_poll_on(start, poll_ns))
		cpu_relax();
	spin_lock(&mb->lock);
	(*waiting)--;
}

/**
 * msgbox_wait_poll_result() - poll for a call's end before sleeping
 * @mb: the mailbox, locked
 * @result: the call's result, set under the lock when it ends
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 *
 * As msgbox_wait_poll(), for a caller waiting for its reply: a server
 * busy on another CPU usually answers within the poll.
 *
 * Context: process context; called and returns with @mb->lock held, which
 * it drops while it polls.
 */
void msgbox_wait_poll_result(struct msgbox_mailbox *mb, const int *result,
			     ktime_t deadline)
	__must_hold(&mb->lock)
{
	u64 poll_ns = msgbox_wait_poll_budget(deadline);
	u64 start;

	if (!poll_ns)
		return;
	spin_unlock(&mb->lock);
	start = local_clock();
	while (!READ_ONCE(*result) && msgbox_wait_poll_on(start, poll_ns))
		cpu_relax();
	spin_lock(&mb->lock);
}

/**
 * msgbox_wait_task() - sleep until woken by name
 * @mb: the mailbox, locked
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 *
 * For a caller waiting for its reply, which the one who ends the call
 * wakes with wake_up_process() under the lock: the caller's state is set
 * before the lock is dropped, so that wake-up is never lost. The caller
 * checks its condition again either way.
 *
 * Context: process context, may sleep; called and returns with @mb->lock
 * held, which it drops while it sleeps.
 * Return: 0, -ERESTARTSYS for a signal, or -ETIMEDOUT once the deadline
 * has passed.
 */
int msgbox_wait_task(struct msgbox_mailbox *mb, ktime_t deadline)
	__must_hold(&mb->lock)
{
	ktime_t expires = deadline;
	int ret = 0;

	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&mb->lock);
	trace_msgbox_block(mb, true);
	if (signal_pending(current))
		ret = -ERESTARTSYS;
	else if (!expires)
		schedule();
	else if (!schedule_hrtimeout_range(&expires, 0, HRTIMER_MODE_ABS))
		ret = -ETIMEDOUT;
	__set_current_state(TASK_RUNNING);
	trace_msgbox_wake(mb, true);
	spin_lock(&mb->lock);
	return ret;
}

/**
 * msgbox_wait_lost() - wait for the acknowledgment of a lost message
 * @w: how the call may block
 *
 * The acknowledgment never comes: sleep until the deadline or a signal, as
 * the sender of a message lost in transit would.
 *
 * Context: process context, may sleep; no locks held.
 * Return: -EAGAIN (non-blocking), -ETIMEDOUT or -ERESTARTSYS.
 */
int msgbox_wait_lost(const struct msgbox_wait *w)
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
