/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the receive core
 *
 * Every receive, whatever its entry (MSGBOX_IOC_RECV, read(2), a batch),
 * is a struct msgbox_recv_req that the dispatch layer (ioctl.c) filled from
 * the caller's checked arguments, and goes through msgbox_recv(): lock,
 * wait for a message the request may take (or for a sender to hand one
 * straight into the buffer, see direct.h), copy it out, take it off the
 * queue, unlock, wake a sender, and give its object back to the spares.
 * The message's description goes back in the request, for the dispatch
 * layer to write out; the core sees no user argument structure, only the
 * receive buffer, with copy_to_user().
 *
 * A message of up to MSGBOX_COPY_LOCKED_MAX bytes is copied out under the
 * mailbox lock with page faults disabled: one lock round trip, and a
 * bounded copy, short next to a wake-up. If the buffer is not resident the
 * copy comes up short and the receive takes the other way: the message
 * leaves the queue marked in flight, keeping its slot, and is copied with
 * the lock dropped, where the fault is taken; if that copy fails the
 * message goes back to its place, so a bad buffer loses nothing. The
 * message's description goes out with the payload, through the dispatch
 * layer's writer (@out), and a description that cannot be written puts
 * the message back the same way.
 *
 * A receive that holds its message (MSGBOX_RECV_HOLD) goes the same way,
 * except that the message, once copied out, goes to its holder's record
 * (hold.h) instead of being delivered; the record is allocated before the
 * lock is taken. Only such a receive takes calls: any other passes them
 * by, since it could not answer them.
 *
 * A receive that follows a settle (MSGBOX_SETTLE_RECV) makes the settle
 * under the same hold of the lock, before it looks for a message: what
 * the settle leaves to do unlocked (waking senders for the slot it freed,
 * dropping the message) is done as soon as the lock is dropped, before
 * the receive copies with faults enabled, polls or sleeps.
 *
 * A run of plain receives from a batch takes up to MSGBOX_RECV_RUN
 * messages, and MSGBOX_BATCH_LOCKED_BYTES of payload, under one hold of
 * the lock, and wakes the senders once; it stops at a call.
 */
#ifndef _MSGBOX_RECV_H
#define _MSGBOX_RECV_H

#include <linux/types.h>

#include "wait.h"

struct file;
struct msgbox_hold;
struct msgbox_hold_returns;
struct msgbox_mailbox;
struct msgbox_settle_req;

/* Messages up to this long are copied out under the mailbox lock. */
#define MSGBOX_COPY_LOCKED_MAX	4096

/* Messages one batched receive takes per hold of the mailbox lock. */
#define MSGBOX_RECV_RUN		16

/* Payload bytes one batched receive copies out per hold of the lock. */
#define MSGBOX_BATCH_LOCKED_BYTES	(16 * 1024)

/**
 * struct msgbox_recv_desc - a message as its receiver sees it
 * @len: payload length
 * @prio: priority
 * @id: id
 * @key: the sender's key, or 0
 * @pid: the sender's PID in the receiver's PID namespace, or 0
 * @uid: the sender's effective UID in the receiver's user namespace
 * @gid: the sender's effective GID in the receiver's user namespace
 * @csum: the sender's CRC32C, or 0
 * @msg_flags: MSGBOX_MSG_* bits
 * @deliveries: times the message was returned to the queue before
 */
struct msgbox_recv_desc {
	u32 len;
	u32 prio;
	u64 id;
	u64 key;
	s32 pid;
	u32 uid;
	u32 gid;
	u32 csum;
	u32 msg_flags;
	u32 deliveries;
};

/**
 * struct msgbox_recv_req - one receive, as the core sees it
 * @buf: the buffer, in the caller's memory
 * @buf_len: its size
 * @peek: copy the message out and leave it queued
 * @from_pid: take only messages from this PID (the caller's namespace), or
 *	0 for any sender
 * @hold: hold the message taken (hold.h); only such a receive takes calls
 * @hold_ns: with @hold, how long, or 0 for no limit
 * @holder: the file the message is held by
 * @rec: a record for a hold, allocated by the core or given back by the
 *	done of @settle; the core frees it if unused
 * @settle: a settle to make first, or NULL; its outcome goes in
 *	@settle_err, and a settle that fails ends the receive with its error
 * @settle_err: out, with @settle: the settle's result, or 1 when it was
 *	not made
 * @settled: what the settle left to do once unlocked, NULL once done; the
 *	core's own
 * @w: how the receive may block
 * @desc: out: the message received, or, with -EMSGSIZE, the one that did
 *	not fit
 * @out: the dispatch layer's writer of @desc, or NULL (read(2)): called
 *	with @desc filled when a message is taken, as part of taking it (a
 *	failure puts the message back), possibly under the mailbox lock with
 *	page faults disabled; with @probe, before a direct hand-off, to
 *	check that the description can be written then
 * @out_arg: for @out
 *
 * The core hands @desc to @out and never sees where it goes.
 */
struct msgbox_recv_req {
	void __user *buf;
	u32 buf_len;
	bool peek;
	pid_t from_pid;
	bool hold;
	u64 hold_ns;
	const struct file *holder;
	struct msgbox_hold *rec;
	struct msgbox_settle_req *settle;
	int settle_err;
	struct msgbox_hold_returns *settled;
	struct msgbox_wait w;
	struct msgbox_recv_desc desc;
	int (*out)(struct msgbox_recv_req *req, bool probe);
	void *out_arg;
};

/* A plain receive: may join a run. */
static inline bool msgbox_recv_req_plain(const struct msgbox_recv_req *req)
{
	return !req->peek && !req->from_pid && !req->hold;
}

int msgbox_recv(struct msgbox_mailbox *mb, struct msgbox_recv_req *reqs,
		unsigned int n);

#endif /* _MSGBOX_RECV_H */
