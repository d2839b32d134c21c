// SPDX-License-Identifier: GPL-2.0
/*
 * The receive core.
 */
#include <linux/cred.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <linux/msgbox.h>

#include "call.h"
#include "debug_bug.h"
#include "direct.h"
#include "hold.h"
#include "mailbox.h"
#include "message.h"
#include "queue.h"
#include "recv.h"
#include "spares.h"

/*
 * Describe @msg for @req as seen from the receiver's namespaces (@ns and
 * its user's). Under the mailbox lock.
 */
static void msgbox_recv_describe(struct msgbox_mailbox *mb,
				 const struct msgbox_msg *msg,
				 struct msgbox_recv_req *req,
				 struct pid_namespace *ns)
{
	struct user_namespace *user_ns = current_user_ns();
	struct msgbox_recv_desc *desc = &req->desc;

	desc->len = msg->len;
	desc->prio = msg->prio;
	desc->id = msg->id;
	desc->key = (msg->flags & MSGBOX_MSG_KEY) ? msg->key : 0;
	desc->pid = pid_nr_ns(msg->sender, ns);
	desc->uid = from_kuid_munged(user_ns, msg->uid);
	desc->gid = from_kgid_munged(user_ns, msg->gid);
	desc->csum = (msg->flags & MSGBOX_MSG_CSUM) ? msg->csum : 0;
	desc->msg_flags = msg->flags & (MSGBOX_MSG_CSUM | MSGBOX_MSG_KEY);
	if (msg->flags & MSGBOX_MSGF_CALL)
		desc->msg_flags |= MSGBOX_MSG_CALL;
	if (req->hold)
		desc->msg_flags |= MSGBOX_MSG_HELD;
	desc->deliveries = msgbox_hold_deliveries(mb, msg);
	if (desc->deliveries)
		desc->msg_flags |= MSGBOX_MSG_REDELIVERED;
}

/* Copy @msg's payload, then its description (@req->desc), out. */
static int msgbox_recv_copy(const struct msgbox_msg *msg,
			    struct msgbox_recv_req *req)
{
	if (copy_to_user(req->buf, msgbox_msg_data(msg), msg->len))
		return -EFAULT;
	return req->out ? req->out(req, false) : 0;
}

/*
 * Copy a short @msg and its description out under the mailbox lock, page
 * faults disabled (see the DOC in recv.h): true when all of it went.
 */
static bool msgbox_recv_copy_locked(const struct msgbox_msg *msg,
				    struct msgbox_recv_req *req)
{
	int err;

	if (msg->len > MSGBOX_COPY_LOCKED_MAX)
		return false;
	pagefault_disable();
	err = msgbox_recv_copy(msg, req);
	pagefault_enable();
	return !err;
}

/* Probe @req's description with the lock dropped: 0 when it can go. */
static int msgbox_recv_probe(struct msgbox_mailbox *mb,
			     struct msgbox_recv_req *req)
	__must_hold(&mb->lock)
{
	int err;

	spin_unlock(&mb->lock);
	err = req->out(req, true);
	spin_lock(&mb->lock);
	return err;
}

/*
 * Finish the settle made before this receive, once the lock is dropped,
 * and give back a reply that went nowhere.
 */
static void msgbox_recv_settled(struct msgbox_mailbox *mb,
				struct msgbox_recv_req *req)
{
	if (!req->settled)
		return;
	msgbox_hold_wake(mb, req->settled);
	req->settled = NULL;
	if (req->settle->reply) {
		msgbox_spares_put(&mb->spares, req->settle->reply);
		req->settle->reply = NULL;
	}
}

/*
 * Wait, under the mailbox lock, until a message @req may take is queued,
 * and set *@msgp. A plain receive with a large buffer registers it for a
 * hand-off first (*@dp); a sender may then put a message straight into
 * the buffer: return 1 for that.
 */
static int msgbox_recv_wait(struct msgbox_mailbox *mb,
			    struct msgbox_recv_req *req, struct pid *from,
			    struct pid_namespace *ns, struct msgbox_direct **dp,
			    struct msgbox_msg **msgp)
	__must_hold(&mb->lock)
{
	bool plain = msgbox_recv_req_plain(req), tried_direct = false;
	bool first = !req->peek && !req->from_pid, polled = false;
	int err = 0;

	for (;;) {
		if (msgbox_direct_settle(mb, *dp))
			return 1;
		if (mb->dead)
			return -EIDRM;
		/* A message that came with the timeout or the signal is taken. */
		*msgp = msgbox_queue_find(mb, from, req->from_pid, ns,
					  req->hold);
		if (*msgp)
			return 0;
		/*
		 * Nothing to take at once: finish a settle before waiting, and
		 * let whoever it woke on this CPU run first (a caller answered
		 * sends its next call meanwhile, a sender fills the slot).
		 */
		if (req->settled) {
			spin_unlock(&mb->lock);
			msgbox_recv_settled(mb, req);
			cond_resched();
			spin_lock(&mb->lock);
			continue;
		}
		if (err)
			return err;
		if (req->w.nonblock)
			return -EAGAIN;
		if (plain && !tried_direct) {
			tried_direct = true;
			/*
			 * A hand-off puts the payload in place before this
			 * call returns: make sure the description can follow.
			 */
			if (!req->out || !msgbox_recv_probe(mb, req))
				*dp = msgbox_direct_prepare(mb, req->buf,
							    req->buf_len);
			continue;
		}
		/* Not while registered for a hand-off: senders queue then. */
		if (!polled && !*dp) {
			polled = true;
			msgbox_wait_poll(mb, false, req->w.deadline);
			continue;
		}
		msgbox_direct_arm(mb, *dp);
		mb->nr_recv_waiting++;
		/* Non-blocking rendezvous senders may now go: tell pollers. */
		if (!mb->capacity)
			msgbox_queue_wake(&mb->send_wq);
		/*
		 * Each new message wakes one receiver that takes whatever
		 * comes first (a call, one that holds); peeks and receives
		 * filtered by sender all wake.
		 */
		err = msgbox_wait_sleep(mb, &mb->recv_wq, req->w.deadline,
					TASK_INTERRUPTIBLE, first, req->hold);
		mb->nr_recv_waiting--;
	}
}

/*
 * Copy @msg out with the lock dropped, where a fault may be taken: the
 * message keeps its slot meanwhile, and goes back to its place if the copy
 * fails. Called with the lock held, returns with it dropped.
 */
static int msgbox_recv_copy_unlocked(struct msgbox_mailbox *mb,
				     struct msgbox_msg *msg,
				     struct msgbox_recv_req *req)
	__releases(&mb->lock)
{
	bool call = msg->flags & MSGBOX_MSGF_CALL;
	bool delivered;
	int err = 0;

	msgbox_queue_unlink(mb, msg);
	msg->state = MSGBOX_MSG_INFLIGHT;
	mb->nr_inflight++;
	spin_unlock(&mb->lock);
	msgbox_recv_settled(mb, req);

	err = msgbox_recv_copy(msg, req);

	spin_lock(&mb->lock);
	mb->nr_inflight--;
	delivered = !err;
	if (!err && mb->dead) {
		/* Copied out as the mailbox went: delivered, held by nobody. */
		if (msg->flags & MSGBOX_MSGF_CALL)
			msgbox_call_end(mb, msg, -EIDRM);
		msgbox_queue_taken(mb, msg);
	} else if (!err && req->hold) {
		msgbox_hold_add(mb, msg, req);
		spin_unlock(&mb->lock);
		return 0;
	} else if (!err) {
		msgbox_queue_taken(mb, msg);
	} else if (!mb->dead && !msgbox_call_orphan(msg)) {
		msgbox_queue_insert(mb, msg);
	} else {
		/*
		 * Discarded by destroy, or a call its caller gave up, which
		 * is dropped as if withdrawn: either way never delivered.
		 */
		if (msg->flags & MSGBOX_MSGF_CALL)
			msgbox_call_end(mb, msg, -EIDRM);
		if (!mb->dead)
			mb->sent--;
		msgbox_hold_forget(mb, msg);
		msg->state = MSGBOX_MSG_GONE;
		mb->bytes -= msg->len;
		delivered = true;	/* no longer queued: drop it */
	}
	spin_unlock(&mb->lock);

	/* A slot is free (or an acknowledgment is due) either way. */
	msgbox_queue_wake(&mb->send_wq);
	if (delivered)
		msgbox_spares_put(&mb->spares, msg);
	else
		msgbox_queue_wake_recv(mb, 1, call);
	msgbox_debug_bug_after_put(msg, delivered);
	return err;
}

/*
 * Take @msg, copied out under the lock; unlock, wake, keep its object. A
 * message @req holds goes to its record instead: it keeps its slot.
 */
static void msgbox_recv_deliver(struct msgbox_mailbox *mb,
				struct msgbox_msg *msg,
				struct msgbox_recv_req *req)
	__releases(&mb->lock)
{
	msgbox_queue_unlink(mb, msg);
	if (req->hold) {
		msgbox_hold_add(mb, msg, req);
		spin_unlock(&mb->lock);
		msgbox_recv_settled(mb, req);
		return;
	}
	msgbox_queue_taken(mb, msg);
	spin_unlock(&mb->lock);
	msgbox_recv_settled(mb, req);
	msgbox_queue_wake(&mb->send_wq);
	msgbox_spares_put(&mb->spares, msg);
	msgbox_debug_bug_after_put(msg, true);
}

/* Copy a message out and leave it queued. */
static int msgbox_recv_peek(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
			    struct msgbox_recv_req *req)
	__releases(&mb->lock)
{
	int err;

	msgbox_msg_get(msg);
	spin_unlock(&mb->lock);
	msgbox_recv_settled(mb, req);
	err = msgbox_recv_copy(msg, req);
	msgbox_msg_put(msg);
	return err;
}

/* One receive of any kind: 0 or -errno, with @req->desc. */
static int msgbox_recv_one(struct msgbox_mailbox *mb,
			   struct msgbox_recv_req *req)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct pid *from = req->from_pid ? find_get_pid(req->from_pid) : NULL;
	bool pass_on = false, pass_call = false;
	struct msgbox_hold_returns settled;
	struct msgbox_direct *d = NULL;
	struct msgbox_msg *msg;
	int err;

	/* A done before the receive gives back a record: no other needed. */
	if (req->hold && !(req->settle && !req->settle->release)) {
		req->rec = msgbox_hold_alloc(mb);
		if (!req->rec) {
			err = -ENOMEM;
			goto out_put;
		}
	}
	if (req->settle)
		msgbox_hold_returns_init(&settled);
	spin_lock(&mb->lock);
	if (req->settle) {
		/* A settle that fails leaves everything as it was. */
		err = msgbox_hold_settle_locked(mb, req->holder, req->settle,
						&settled);
		req->settle_err = err;
		if (!msgbox_hold_settled(err))
			goto out_unlock;
		req->settled = &settled;
		if (req->hold && !req->rec) {
			req->rec = settled.rec;
			settled.rec = NULL;
		}
	}
	err = msgbox_recv_wait(mb, req, from, ns, &d, &msg);
	if (err > 0) {
		/* Handed over: the payload is in the buffer, describe it. */
		msgbox_recv_describe(mb, d->msg, req, ns);
		/* A wake-up meant for a message queued meanwhile goes on. */
		pass_on = mb->nr_msgs;
		msgbox_direct_leave(d);
		spin_unlock(&mb->lock);
		msgbox_recv_settled(mb, req);
		if (pass_on)
			msgbox_queue_wake_recv(mb, 1, false);
		/* Probed before the hand-off: only an unmap can fail it. */
		err = req->out ? req->out(req, false) : 0;
		goto out_put;
	}
	if (err)
		goto out_unlock;
	msgbox_direct_leave(d);
	msgbox_recv_describe(mb, msg, req, ns);
	if (msg->len > req->buf_len) {
		/* The message that did not fit may be for another receiver. */
		req->desc.msg_flags &= ~MSGBOX_MSG_HELD;
		err = -EMSGSIZE;
		pass_on = true;
		pass_call = msg->flags & MSGBOX_MSGF_CALL;
		goto out_unlock;
	}
	if (req->peek)
		err = msgbox_recv_peek(mb, msg, req);
	else if (msgbox_recv_copy_locked(msg, req))
		msgbox_recv_deliver(mb, msg, req);
	else
		err = msgbox_recv_copy_unlocked(mb, msg, req);
	goto out_put;

out_unlock:
	msgbox_direct_leave(d);
	spin_unlock(&mb->lock);
	msgbox_recv_settled(mb, req);
	if (pass_on)
		msgbox_queue_wake_recv(mb, 1, pass_call);
out_put:
	put_pid(from);
	msgbox_direct_put(d);
	msgbox_hold_free(mb, req->rec);
	req->rec = NULL;
	return err;
}

/*
 * A run of plain receives of a batch (see the DOC in recv.h): as many
 * messages as are queued, fit their entries and can be copied out under
 * the lock. Anything else, the first entry included, goes the single way,
 * which waits if it may and says what is wrong, if anything.
 */
static int msgbox_recv_run(struct msgbox_mailbox *mb,
			   struct msgbox_recv_req *reqs, unsigned int n)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct msgbox_msg *msg, *last = NULL;
	LIST_HEAD(taken);
	size_t bytes = 0;
	unsigned int i;
	int err;

	n = min_t(unsigned int, n, MSGBOX_RECV_RUN);
	spin_lock(&mb->lock);
	/* The messages taken stay at the head of the queue until the end. */
	for (i = 0; i < n && !mb->dead; i++) {
		msg = last ? list_next_entry(last, node) :
			     list_first_entry(&mb->msgs, struct msgbox_msg, node);
		if (list_entry_is_head(msg, &mb->msgs, node) ||
		    (msg->flags & MSGBOX_MSGF_CALL) ||
		    msg->len > reqs[i].buf_len ||
		    bytes + msg->len > MSGBOX_BATCH_LOCKED_BYTES)
			break;
		msgbox_recv_describe(mb, msg, &reqs[i], ns);
		if (!msgbox_recv_copy_locked(msg, &reqs[i]))
			break;
		bytes += msg->len;
		msgbox_queue_taken(mb, msg);
		last = msg;
	}
	if (last)
		msgbox_queue_unlink_head(mb, last, i, &taken);
	spin_unlock(&mb->lock);

	if (!i) {
		err = msgbox_recv_one(mb, &reqs[0]);
		return err ? err : 1;
	}
	msgbox_queue_wake(&mb->send_wq);
	msgbox_spares_put_list(&mb->spares, &taken);
	return i;
}

/**
 * msgbox_recv() - receive (or peek at) the next message, or a run of them
 * @mb: the mailbox
 * @reqs: the requests, checked by the dispatch layer; with more than one,
 *	plain (msgbox_recv_req_plain()) and, after the first, non-blocking
 * @n: how many, at least 1
 *
 * A taken message counts as delivered once its payload and its
 * description (through @req->out) were copied out; if either faults it
 * goes back to its place and the receive fails with -EFAULT. For
 * -EMSGSIZE the first request's description says what did not fit, and
 * the message stays queued. A message handed over directly is in the
 * buffer before its description is written; that was probed writable
 * before the hand-off, so only the caller unmapping it meanwhile can make
 * that write fail.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: the number of messages received, at least 1, or -EIDRM,
 * -EAGAIN, -ERESTARTSYS, -ETIMEDOUT, -EMSGSIZE or -EFAULT for the first.
 */
int msgbox_recv(struct msgbox_mailbox *mb, struct msgbox_recv_req *reqs,
		unsigned int n)
{
	int err;

	if (n > 1)
		return msgbox_recv_run(mb, reqs, n);
	err = msgbox_recv_one(mb, reqs);
	return err ? err : 1;
}
