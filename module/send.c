// SPDX-License-Identifier: GPL-2.0
/*
 * The send core.
 */
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <linux/msgbox.h>

#include "call.h"
#include "dedup.h"
#include "direct.h"
#include "fault.h"
#include "mailbox.h"
#include "message.h"
#include "notify.h"
#include "queue.h"
#include "send.h"
#include "spares.h"
#include "trace.h"

/* One copy, straight into a waiting receiver's buffer: 0, 1 (not), -errno. */
static int msgbox_send_direct(struct msgbox_mailbox *mb,
			      struct msgbox_send_req *req)
{
	struct msgbox_msg *hdr;
	int err;

	/* A header only: the payload goes from @req->buf to the receiver. */
	hdr = msgbox_msg_new(NULL, NULL, 0);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	hdr->prio = req->prio;
	err = msgbox_direct_send(mb, hdr, req->buf, req->len, &req->id);
	if (!err)
		req->result = MSGBOX_SENT_DELIVERED;
	return err;
}

/* Copy the payload in, into a spare object of @mb's or a new one. */
static struct msgbox_msg *msgbox_send_copy_in(struct msgbox_mailbox *mb,
					      struct msgbox_spares *spares,
					      const struct msgbox_send_req *req)
{
	struct msgbox_msg *msg;

	msg = msgbox_msg_new(msgbox_spares_take(spares, req->len), req->buf,
			     req->len);
	if (IS_ERR(msg))
		return msg;
	msg->prio = req->prio;
	if (req->has_key) {
		msg->key = req->key;
		msg->flags |= MSGBOX_MSG_KEY;
	}
	return msg;
}

/* Verify the caller's checksum against the bytes copied in. */
static int msgbox_send_check(struct msgbox_msg *msg,
			     const struct msgbox_send_req *req)
{
	if (!req->has_csum)
		return 0;
	if (msgbox_compat_crc32c(msgbox_msg_data(msg), msg->len) != req->csum)
		return -EBADMSG;
	msg->csum = req->csum;
	msg->flags |= MSGBOX_MSG_CSUM;
	return 0;
}

/*
 * Wait for room, under the mailbox lock. A blocking rendezvous send offers
 * its message once no other is on offer (see queue.h).
 */
static int msgbox_send_wait_room(struct msgbox_mailbox *mb,
				 const struct msgbox_wait *w)
	__must_hold(&mb->lock)
{
	bool polled = false;
	int err = 0;

	for (;;) {
		if (mb->dead)
			return -EIDRM;
		if (msgbox_queue_has_room(mb) ||
		    (!mb->capacity && !w->nonblock &&
		     msgbox_queue_offer_free(mb)))
			return 0;
		if (err)
			return err;
		if (w->nonblock)
			return -EAGAIN;
		if (!polled) {
			polled = true;
			msgbox_wait_poll(mb, true, w->deadline);
			continue;
		}
		mb->nr_send_waiting++;
		err = msgbox_wait_sleep(mb, &mb->send_wq, w->deadline,
					TASK_INTERRUPTIBLE, false, true);
		mb->nr_send_waiting--;
	}
}

/*
 * Queue @msg once there is room, and wake a receiver. Returns 0 when it
 * is queued (the queue holds the caller's reference, and an acknowledged
 * send one more), 1 for a duplicate, or -errno; in the last two cases the
 * caller keeps its reference.
 */
static int msgbox_send_insert(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
			      struct msgbox_send_req *req, bool ack)
{
	struct msgbox_notify notify = { };
	bool call = msg->flags & MSGBOX_MSGF_CALL;
	int err;

	spin_lock(&mb->lock);
	err = msgbox_send_wait_room(mb, &req->w);
	if (err)
		goto out_unlock;
	msg->id = mb->next_id;
	if (mb->dedup && (req->has_token || (msg->flags & MSGBOX_MSG_KEY)) &&
	    msgbox_dedup_seen(mb, msg, req->has_token ? &req->token : NULL)) {
		req->result = MSGBOX_SENT_DUPLICATE;
		err = 1;
		goto out_unlock;
	}
	mb->next_id++;
	if (call) {
		mb->nr_calls++;
		trace_msgbox_call(mb, msg);
	}
	/*
	 * An acknowledged message may be withdrawn: it does not notify. A
	 * call may be too, but a server must learn of it.
	 */
	if ((!ack || req->call) && msgbox_notify_due(mb))
		msgbox_notify_take(mb, &notify);
	req->id = msg->id;
	if (ack)
		msgbox_msg_get(msg);
	msgbox_queue_add(mb, msg);
	spin_unlock(&mb->lock);

	/*
	 * The sender usually blocks next (a reply, a full mailbox): sync. A
	 * call wakes a receiver that can take it (see queue.h).
	 */
	if (wq_has_sleeper(&mb->recv_wq)) {
		if (call)
			wake_up_interruptible_sync_poll(&mb->recv_wq,
							MSGBOX_POLL_CALL);
		else
			wake_up_interruptible_sync(&mb->recv_wq);
	}
	msgbox_notify_fire(&notify);
	return 0;

out_unlock:
	spin_unlock(&mb->lock);
	return err;
}

/*
 * Wait until a receiver has copied @msg out. Once the deadline passed or a
 * signal came (at once, for a non-blocking send), the message is withdrawn
 * if it is still queued. If a receiver is copying it out, which can stall
 * on a page fault for as long as the receiver's memory takes, the outcome
 * is not known yet: -EINPROGRESS says so, and the message stays the
 * receiver's, delivered or queued again. So it does, and stays queued,
 * when a duplicate of it was reported to another send (dedup.h). Drops
 * the sender's reference.
 */
static int msgbox_send_wait_ack(struct msgbox_mailbox *mb,
				struct msgbox_msg *msg,
				struct msgbox_send_req *req)
{
	bool withdrawn = false;
	int err = 0;

	spin_lock(&mb->lock);
	for (;;) {
		if (msg->state == MSGBOX_MSG_TAKEN) {
			req->result |= MSGBOX_SENT_DELIVERED;
			err = 0;
			break;
		}
		if (msg->state == MSGBOX_MSG_GONE) {
			err = -EIDRM;
			break;
		}
		if (!err && req->w.nonblock)
			err = -EAGAIN;
		if (msg->state == MSGBOX_MSG_QUEUED && err &&
		    !msgbox_dedup_vouched(mb, msg)) {
			msgbox_queue_withdraw(mb, msg);
			withdrawn = true;
			break;
		}
		if (err) {
			/*
			 * In flight, or vouched for by a duplicate: neither
			 * withdrawn nor known delivered.
			 */
			err = -EINPROGRESS;
			break;
		}
		mb->nr_send_waiting++;
		err = msgbox_wait_sleep(mb, &mb->send_wq, req->w.deadline,
					TASK_INTERRUPTIBLE, false, true);
		mb->nr_send_waiting--;
	}
	spin_unlock(&mb->lock);

	if (withdrawn) {
		/* Room for another sender; drop the queue's reference. */
		msgbox_queue_wake(&mb->send_wq);
		msgbox_spares_put(&mb->spares, msg);
	}
	/* Usually the last reference, once delivered: keep the object. */
	msgbox_spares_put(&mb->spares, msg);
	return err;
}

/* Wait for what a message lost on the way never brings. */
static int msgbox_send_lost(const struct msgbox_send_req *req)
{
	struct msgbox_wait w = req->w;

	/* A call queued waits for its reply whatever O_NONBLOCK says. */
	if (req->call)
		w.nonblock = false;
	return msgbox_wait_lost(&w);
}

/*
 * A second copy of a message that a fault duplicated, if there is room,
 * with the original's token, as a sender's retry would carry it.
 */
static void msgbox_send_dup(struct msgbox_mailbox *mb, struct msgbox_msg *dup,
			    const struct msgbox_send_req *orig)
{
	struct msgbox_send_req req = {
		.w.nonblock = true,
		.has_token = orig->has_token,
		.token = orig->token,
	};

	if (msgbox_send_insert(mb, dup, &req, false))
		msgbox_msg_put(dup);
}

/**
 * msgbox_send_precheck() - what a send refuses before it queues anything
 * @mb: the mailbox
 * @req: the send
 *
 * Return: 0, or -EIDRM, -EMSGSIZE or -EOPNOTSUPP (a token for a mailbox
 * without duplicate detection).
 */
int msgbox_send_precheck(struct msgbox_mailbox *mb,
			 const struct msgbox_send_req *req)
{
	if (READ_ONCE(mb->dead))
		return -EIDRM;
	if (req->len > mb->max_msg_size)
		return -EMSGSIZE;
	if (req->has_token && !(mb->flags & MSGBOX_MBF_DEDUP))
		return -EOPNOTSUPP;
	return 0;
}

/* One send of any kind; 0 or -errno, with @req->id and @req->result. */
static int msgbox_send_one(struct msgbox_mailbox *mb,
			   struct msgbox_send_req *req)
{
	struct msgbox_msg *msg, *dup = NULL;
	bool faulty, plain, ack, dup_wanted = false;
	int err;

	err = msgbox_send_precheck(mb, req);
	if (err)
		return err;
	faulty = msgbox_faults_set(&mb->faults);
	plain = !faulty && msgbox_send_req_bare(req);
	if (msgbox_direct_ok(mb, req->len, plain)) {
		err = msgbox_send_direct(mb, req);
		if (err <= 0)
			return err;
	}

	msg = msgbox_send_copy_in(mb, &mb->spares, req);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	/*
	 * A blocking rendezvous send waits for its receiver as an ack does;
	 * a caller keeps a reference as an acknowledged sender does.
	 */
	ack = req->ack || req->call || (!mb->capacity && !req->w.nonblock);
	if (faulty && msgbox_fault_on_send(mb, msg, &dup_wanted)) {
		/* Lost on the way: its acknowledgment or reply never comes. */
		msgbox_msg_put(msg);
		return ack ? msgbox_send_lost(req) : 0;
	}
	err = msgbox_send_check(msg, req);
	if (err)
		goto err_put;
	if (req->call) {
		/* A request runs once: never duplicated. */
		msg->flags |= MSGBOX_MSGF_CALL;
		msg->call = req->call;
	} else if (dup_wanted) {
		dup = msgbox_msg_clone(msg);
	}

	err = msgbox_send_insert(mb, msg, req, ack);
	if (err)
		goto err_put;
	if (req->call)
		return msgbox_call_wait(mb, msg, req);
	if (ack)
		err = msgbox_send_wait_ack(mb, msg, req);
	if (dup && !err)
		msgbox_send_dup(mb, dup, req);
	else
		msgbox_msg_put(dup);
	if (!err && faulty && (req->result & MSGBOX_SENT_DELIVERED) &&
	    msgbox_fault_on_ack(mb))
		err = -ETIMEDOUT;
	return err;

err_put:
	/* A duplicate (err 1) queues nothing and succeeds. */
	msgbox_msg_put(dup);
	msgbox_msg_put(msg);
	return err > 0 ? 0 : err;
}

/*
 * Queue the messages of a run under one hold of the lock, as many as
 * there is room for, and wake as many receivers once. Returns how many.
 */
static unsigned int msgbox_send_insert_run(struct msgbox_mailbox *mb,
					   struct msgbox_msg **msgs,
					   struct msgbox_send_req *reqs,
					   unsigned int n)
{
	struct msgbox_notify notify = { };
	unsigned int i;

	spin_lock(&mb->lock);
	if (mb->dead) {
		spin_unlock(&mb->lock);
		return 0;
	}
	if (msgbox_queue_has_room(mb) && msgbox_notify_due(mb))
		msgbox_notify_take(mb, &notify);
	for (i = 0; i < n && msgbox_queue_has_room(mb); i++) {
		msgs[i]->id = mb->next_id++;
		reqs[i].id = msgs[i]->id;
		reqs[i].result = 0;
		msgbox_queue_add(mb, msgs[i]);
	}
	spin_unlock(&mb->lock);

	/* One receiver for each message (see msgbox_wait_sleep()). */
	if (i && wq_has_sleeper(&mb->recv_wq))
		wake_up_nr(&mb->recv_wq, i);
	msgbox_notify_fire(&notify);
	return i;
}

/*
 * A run of plain sends of a batch (see the DOC in send.h): copied in with
 * the mailbox's spare objects taken once, then queued together. Anything
 * a run does not suit (no room, a rendezvous, faults to inject, an entry
 * that cannot be copied in first) goes the single way, which also says
 * what is wrong with it.
 */
static int msgbox_send_run(struct msgbox_mailbox *mb,
			   struct msgbox_send_req *reqs, unsigned int n)
{
	struct msgbox_msg *msgs[MSGBOX_SEND_RUN];
	struct msgbox_spares spares;
	unsigned int i, k, sent;
	int err;

	if (!mb->capacity || READ_ONCE(mb->dead) ||
	    msgbox_faults_set(&mb->faults))
		goto one;
	/* Copy in no more than fits: the rest would only go back. */
	n = min3(n, (unsigned int)MSGBOX_SEND_RUN, msgbox_queue_room(mb));
	if (n < 2)
		goto one;

	msgbox_spares_init_local(&spares);
	msgbox_spares_move(&mb->spares, &spares);
	for (k = 0; k < n; k++) {
		if (reqs[k].len > mb->max_msg_size)
			break;
		msgs[k] = msgbox_send_copy_in(mb, &spares, &reqs[k]);
		if (IS_ERR(msgs[k]))
			break;
	}
	sent = k ? msgbox_send_insert_run(mb, msgs, reqs, k) : 0;
	/* What found no room goes back with the spares not used. */
	for (i = sent; i < k; i++)
		msgbox_spares_put(&spares, msgs[i]);
	msgbox_spares_move(&spares, &mb->spares);
	if (sent)
		return sent;
one:
	err = msgbox_send_one(mb, &reqs[0]);
	return err ? err : 1;
}

/**
 * msgbox_send() - send one message, or a run of plain ones
 * @mb: the mailbox
 * @reqs: the requests, checked by the dispatch layer; with more than one,
 *	plain (msgbox_send_req_plain()) and, after the first, non-blocking
 * @n: how many, at least 1
 *
 * A run sends its requests in order and stops at the first that cannot
 * go at once; the caller sends that one on its own to learn why.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: the number of messages sent, at least 1 (a duplicate counts as
 * sent, see @req->result), or -EIDRM, -EMSGSIZE, -EOPNOTSUPP, -EAGAIN,
 * -ERESTARTSYS, -ETIMEDOUT, -EINPROGRESS, -EBADMSG, -EFAULT or -ENOMEM for
 * the first.
 * With an acknowledgment, or on a rendezvous, an error means the message
 * was withdrawn (or discarded by destroy) and no receiver will see it,
 * except -EINPROGRESS: the wait ended while a receiver was copying it out,
 * and it may yet be delivered; its id is in @req->id.
 */
int msgbox_send(struct msgbox_mailbox *mb, struct msgbox_send_req *reqs,
		unsigned int n)
{
	int err;

	if (n > 1)
		return msgbox_send_run(mb, reqs, n);
	err = msgbox_send_one(mb, reqs);
	return err ? err : 1;
}
