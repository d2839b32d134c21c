/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: held messages
 *
 * A receive with MSGBOX_RECV_HOLD, and any receive that takes a call,
 * copies the message out as usual but does not deliver it: the message
 * stays the mailbox's, held by the open file that received it, until that
 * file settles it with MSGBOX_IOC_SETTLE. Done delivers it (an
 * acknowledged sender learns of it then); a reply to a call is a done that
 * carries the answer (see call.h); release returns it to the queue. A held
 * message keeps its slot: what is queued, in flight and held together is
 * bounded by the capacity.
 *
 * Each held message has a record, struct msgbox_hold, on its mailbox's
 * @held list, allocated by the receive before it takes the mailbox lock,
 * or handed on by the done that a SETTLE|RECV makes first.
 * Settling looks the record up by the message id and the holding file, so
 * no file can settle what another holds, and no id can be settled twice.
 * A message returned to the queue (released, its hold timed out, or its
 * holder closed) goes back in id order within its priority, ahead of the
 * messages of that priority sent after it, and its record moves to the
 * mailbox's @returned list, where it keeps the delivery count until the
 * message is taken again: the next receiver sees MSGBOX_MSG_REDELIVERED
 * and that count. Such a message is marked MSGBOX_MSGF_RETURNED, so that
 * no other is looked up there. Returned messages wake a receiver each,
 * and one returned to the empty mailbox fires its arrival notification as
 * a message sent to it would. A call whose caller gave up is dropped, not
 * returned, and a call whose holder closes fails its caller with
 * -ECONNRESET.
 *
 * Only a receive that holds takes calls (see recv.h): a receiver that
 * does not hold could not answer one, and would keep its slot for ever.
 *
 * Timed holds are returned by a delayed work item of the mailbox, armed
 * for the earliest expiry; it takes the mailbox lock as any receive does.
 *
 * The records, both lists and the counts belong to the mailbox lock.
 */
#ifndef _MSGBOX_HOLD_H
#define _MSGBOX_HOLD_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/string.h>
#include <linux/types.h>

#include "notify.h"

struct file;
struct msgbox_mailbox;
struct msgbox_msg;
struct msgbox_recv_req;
struct work_struct;

/**
 * struct msgbox_hold - a held message, or one returned to the queue
 * @node: entry in the mailbox's @held or @returned list
 * @msg: the message; while held, the record has the queue's reference
 * @holder: the file holding it, NULL once returned; compared, never used
 * @expires: with @timed, the jiffies at which the hold ends
 * @timed: the hold ends by itself at @expires
 * @deliveries: times the message was returned to the queue so far
 */
struct msgbox_hold {
	struct list_head node;
	struct msgbox_msg *msg;
	const struct file *holder;
	unsigned long expires;
	bool timed;
	u32 deliveries;
};

/**
 * struct msgbox_settle_req - one settle, as the core sees it
 * @id: the id of the held message
 * @release: return it to the queue instead
 * @no_call: a done that may not settle a call (MSGBOX_RECV_DONE)
 * @reply: for a call, the reply's payload copied in, or NULL (an empty
 *	reply); the call takes it, and sets this to NULL, when it is
 *	answered
 * @len: the reply's length
 */
struct msgbox_settle_req {
	u64 id;
	bool release;
	bool no_call;
	struct msgbox_msg *reply;
	u32 len;
};

/**
 * struct msgbox_hold_returns - what settling or returning held messages
 *	leaves to do once the mailbox is unlocked (msgbox_hold_wake())
 * @gone: messages delivered or dropped, whose references are to go
 * @plain: plain messages returned to the queue, a receiver to wake each
 * @calls: calls returned to the queue, a holding receiver to wake each
 * @notify: the arrival notification, when a return fired it
 * @rec: the record of a message delivered, for the next hold of the same
 *	call (a settle and receive) or to be given back
 */
struct msgbox_hold_returns {
	struct list_head gone;
	unsigned int plain;
	unsigned int calls;
	struct msgbox_notify notify;
	struct msgbox_hold *rec;
};

/**
 * msgbox_hold_returns_init() - nothing left to do yet
 * @r: what settling or returning will leave to do
 */
static inline void msgbox_hold_returns_init(struct msgbox_hold_returns *r)
{
	INIT_LIST_HEAD(&r->gone);
	r->plain = 0;
	r->calls = 0;
	memset(&r->notify, 0, sizeof(r->notify));
	r->rec = NULL;
}

/* Was the message settled, for a settle that returned @err? */
static inline bool msgbox_hold_settled(int err)
{
	return !err || err == -ECANCELED;
}

int msgbox_hold_init(void);
void msgbox_hold_exit(void);
struct msgbox_hold *msgbox_hold_alloc(struct msgbox_mailbox *mb);
void msgbox_hold_free(struct msgbox_mailbox *mb, struct msgbox_hold *h);
void msgbox_hold_drop_spare(struct msgbox_mailbox *mb);
void msgbox_hold_work(struct work_struct *work);

u32 msgbox_hold_deliveries(struct msgbox_mailbox *mb,
			   const struct msgbox_msg *msg);
void msgbox_hold_add(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		     struct msgbox_recv_req *req);
void msgbox_hold_forget(struct msgbox_mailbox *mb, const struct msgbox_msg *msg);
void msgbox_hold_kill(struct msgbox_mailbox *mb, struct list_head *discard);

void msgbox_hold_wake(struct msgbox_mailbox *mb, struct msgbox_hold_returns *r);
int msgbox_hold_settle_locked(struct msgbox_mailbox *mb,
			      const struct file *holder,
			      struct msgbox_settle_req *req,
			      struct msgbox_hold_returns *r);
int msgbox_hold_settle(struct msgbox_mailbox *mb, const struct file *holder,
		       struct msgbox_settle_req *req);
void msgbox_hold_close(struct msgbox_mailbox *mb, const struct file *holder);

#endif /* _MSGBOX_HOLD_H */
