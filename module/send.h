/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the send core
 *
 * Every send, whatever its entry (MSGBOX_IOC_SEND, write(2), a batch), is
 * a struct msgbox_send_req that the dispatch layer (ioctl.c) filled from
 * the caller's checked arguments, and goes through msgbox_send(), which
 * reads top to bottom as one direction. A large plain message first tries
 * a direct hand-off into a receiver already waiting (direct.h): one copy,
 * no allocation. Otherwise it copies the payload in and allocates (before
 * any lock), injects faults and verifies the checksum, then locks, waits
 * for room, detects a duplicate, inserts, unlocks and wakes, and waits for
 * the acknowledgment when asked to. A call goes the same way, never by
 * hand-off, and then waits for its reply instead (call.h). It sees no user
 * argument structure: only the payload, with copy_from_user().
 *
 * A run of plain sends from a batch is one call for several requests:
 * copied in one after the other, then queued under one hold of the
 * mailbox lock, with one wake-up.
 */
#ifndef _MSGBOX_SEND_H
#define _MSGBOX_SEND_H

#include <linux/types.h>

#include "wait.h"

struct msgbox_call;
struct msgbox_mailbox;

/* Plain sends of a batch copied in, then queued under one lock hold. */
#define MSGBOX_SEND_RUN		32

/**
 * struct msgbox_send_req - one send, as the core sees it
 * @buf: the payload, in the caller's memory
 * @len: its length
 * @prio: priority, below MSGBOX_PRIO_MAX
 * @ack: wait until a receiver has copied it out
 * @has_key: @key is valid
 * @has_csum: @csum is valid
 * @has_token: @token is valid
 * @csum: the caller's CRC32C of the payload
 * @key: the caller's key, carried to the receiver, and for duplicate
 *	detection unless @has_token
 * @token: the caller's duplicate-detection token (dedup.h)
 * @call: a call's caller, waiting for the reply (call.h), or NULL
 * @w: how the send may block; for a call, how it may wait to be queued
 * @id: out: the message's id
 * @result: out: MSGBOX_SENT_* bits
 */
struct msgbox_send_req {
	const void __user *buf;
	u32 len;
	u16 prio;
	bool ack;
	bool has_key;
	bool has_csum;
	bool has_token;
	u32 csum;
	u64 key;
	u64 token;
	struct msgbox_call *call;
	struct msgbox_wait w;
	u64 id;
	u32 result;
};

/* Nothing to check or remember on the way: no key, token, checksum or call. */
static inline bool msgbox_send_req_bare(const struct msgbox_send_req *req)
{
	return !req->has_key && !req->has_token && !req->has_csum &&
	       !req->call;
}

/* A plain send: bare, and no acknowledgment; may join a run. */
static inline bool msgbox_send_req_plain(const struct msgbox_send_req *req)
{
	return !req->ack && msgbox_send_req_bare(req);
}

int msgbox_send_precheck(struct msgbox_mailbox *mb,
			 const struct msgbox_send_req *req);
int msgbox_send(struct msgbox_mailbox *mb, struct msgbox_send_req *reqs,
		unsigned int n);

#endif /* _MSGBOX_SEND_H */
