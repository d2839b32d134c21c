// SPDX-License-Identifier: GPL-2.0
/*
 * Calls: the caller's wait for its reply, and the reply.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "call.h"
#include "hold.h"
#include "mailbox.h"
#include "message.h"
#include "queue.h"
#include "send.h"
#include "spares.h"
#include "trace.h"
#include "wait.h"

/**
 * msgbox_call_orphan() - is @msg a call whose caller is gone?
 * @msg: a message, under its mailbox's lock
 *
 * Return: true for a call that has ended without being answered.
 */
bool msgbox_call_orphan(const struct msgbox_msg *msg)
{
	return (msg->flags & MSGBOX_MSGF_CALL) && !msg->call;
}

/**
 * msgbox_call_end() - end a call, once
 * @mb: the mailbox, locked
 * @msg: the call's message
 * @result: 1 (answered) or the caller's -errno, and the caller is woken;
 *	0 when the caller itself gives up
 *
 * Does nothing for a call that has ended already.
 */
void msgbox_call_end(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     int result)
{
	struct msgbox_call *call = msg->call;

	lockdep_assert_held(&mb->lock);
	if (!call)
		return;
	msg->call = NULL;
	mb->nr_calls--;
	if (!result)
		return;
	/* Read by the caller's poll without the lock. */
	WRITE_ONCE(call->result, result);
	/* The caller cannot return before it takes the lock we hold. */
	wake_up_process(call->task);
}

/**
 * msgbox_call_answer() - give a held call its reply
 * @mb: the mailbox, locked
 * @msg: the call's message, held by the replier
 * @req: the settle with the reply, which the call takes
 *
 * Return: 0; -ECANCELED when the caller gave up; -EMSGSIZE when the reply
 * is longer than the caller takes (the call goes on).
 */
int msgbox_call_answer(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		       struct msgbox_settle_req *req)
{
	struct msgbox_call *call = msg->call;

	if (!call)
		return -ECANCELED;
	if (req->len > call->buf_len)
		return -EMSGSIZE;
	call->reply = req->reply;
	req->reply = NULL;
	call->replier = pid_nr_ns(task_tgid(current), call->ns);
	call->uid = current_euid();
	call->gid = current_egid();
	msgbox_call_end(mb, msg, 1);
	return 0;
}

/*
 * Sleep until the call ends, a signal comes or the deadline passes. The
 * caller is woken by name; a poll may come first (see wait.h).
 *
 * First, when this CPU is to reschedule (usually because the server the
 * call woke is to run before the caller), the caller lets it, and stays
 * runnable meanwhile: an answer then finds it awake and wakes nobody, and
 * the caller usually returns without having slept, as a sender preempted
 * on its way back to user space finds the answer waiting for its
 * receive. It does not poll after that: the CPU had work for someone else.
 */
static int msgbox_call_sleep(struct msgbox_mailbox *mb,
			     const struct msgbox_call *call, ktime_t deadline,
			     bool *polled)
	__must_hold(&mb->lock)
{
	if (!*polled) {
		*polled = true;
		if (need_resched()) {
			spin_unlock(&mb->lock);
			cond_resched();
			spin_lock(&mb->lock);
			/* msgbox_call_wait() checks everything again. */
			return 0;
		}
		msgbox_wait_poll_result(mb, &call->result, deadline);
		if (call->result)
			return 0;
	}
	return msgbox_wait_task(mb, deadline);
}

/**
 * msgbox_call_wait() - wait for the reply to a call just queued
 * @mb: the mailbox
 * @msg: the call's message; the caller's reference is dropped
 * @req: the send, whose @call is the caller's
 *
 * On its deadline or a signal the caller gives up: a request still queued
 * is withdrawn (-ERESTARTSYS may then restart the call), one taken is
 * cancelled (-ERESTARTSYS becomes -EINTR: it must not run twice).
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: 0 with the reply in @req->call, or -ETIMEDOUT, -ERESTARTSYS,
 * -EINTR, -EIDRM or -ECONNRESET.
 */
int msgbox_call_wait(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     struct msgbox_send_req *req)
{
	struct msgbox_call *call = req->call;
	bool withdrawn = false, polled = false;
	int err = 0;

	spin_lock(&mb->lock);
	for (;;) {
		if (call->result) {
			err = call->result < 0 ? call->result : 0;
			break;
		}
		if (msg->state == MSGBOX_MSG_GONE) {
			msgbox_call_end(mb, msg, 0);
			err = -EIDRM;
			break;
		}
		if (err && msg->state == MSGBOX_MSG_QUEUED) {
			msgbox_call_end(mb, msg, 0);
			msgbox_queue_withdraw(mb, msg);
			withdrawn = true;
			break;
		}
		if (err) {
			/* Taken: the call is cancelled, its reply refused. */
			msgbox_call_end(mb, msg, 0);
			if (err == -ERESTARTSYS)
				err = -EINTR;
			break;
		}
		err = msgbox_call_sleep(mb, call, req->w.deadline, &polled);
	}
	spin_unlock(&mb->lock);

	if (withdrawn) {
		/* Room for another sender; drop the queue's reference. */
		msgbox_queue_wake(&mb->send_wq);
		msgbox_spares_put(&mb->spares, msg);
	}
	/* Usually the last reference: the object serves the next call. */
	msgbox_spares_put(&mb->spares, msg);
	return err;
}
