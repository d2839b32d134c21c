/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the message queue of a mailbox
 *
 * Messages are kept on one list, highest priority first and by id within a
 * priority, so that the head is always the next message to deliver.
 *
 * A receive takes a message off the list under the mailbox lock, marks it
 * in flight, and copies it out with the lock dropped. If the copy faults the
 * message goes back to its place, so a bad buffer loses nothing; until the
 * copy is done the message keeps its slot in the capacity, so putting it
 * back never overfills the mailbox.
 *
 * A sender sleeps while there is no room. A mailbox of capacity 0 has room
 * only for as many messages as there are receivers asleep on it, and its
 * blocking senders then wait, as acknowledged sends do, until a receiver
 * has copied their message out. A waiting sender that is interrupted or
 * times out withdraws its message if it is still queued; if a receiver is
 * copying it, the sender waits for the outcome so that it can say which of
 * the two happened.
 *
 * Senders sleep on @send_wq and receivers on @recv_wq; pollers sleep on
 * both. Wake-ups are issued after the mailbox lock is dropped.
 */
#ifndef _MSGBOX_QUEUE_H
#define _MSGBOX_QUEUE_H

#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/types.h>

#include <linux/msgbox.h>

struct file;
struct msgbox_mailbox;
struct msgbox_msg;
struct msgbox_dedup;

/* Number of keyed messages a mailbox with duplicate detection remembers. */
#define MSGBOX_DEDUP_WINDOW	1024

/*
 * Messages up to this long are copied out to a receiver under the mailbox
 * lock (page faults disabled): a bounded copy, short next to a wake-up.
 */
#define MSGBOX_COPY_LOCKED_MAX	4096

/*
 * A plain send's payload up to this long is copied in together with its
 * arguments, onto the stack, and from there into the message.
 */
#define MSGBOX_SEND_BOUNCE_MAX	256

/* Plain sends of a batch copied in, then queued under one lock hold. */
#define MSGBOX_BATCH_RUN	32

/* Messages one batched receive takes per hold of the mailbox lock. */
#define MSGBOX_RECV_RUN		16

/* Payload bytes one batched receive copies out per hold of the lock. */
#define MSGBOX_BATCH_LOCKED_BYTES	(16 * 1024)

/**
 * struct msgbox_wait - how a call may block
 * @nonblock: never sleep, fail with -EAGAIN instead
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 */
struct msgbox_wait {
	bool nonblock;
	ktime_t deadline;
};

int msgbox_queue_send(struct msgbox_mailbox *mb, struct msgbox_msg *msg,
		      const struct msgbox_wait *w, bool ack, u64 *id,
		      u32 *result);
int msgbox_queue_send_direct(struct msgbox_mailbox *mb, struct msgbox_msg *hdr,
			     const void __user *ubuf, u32 len, u64 *id,
			     u32 *result);
bool msgbox_queue_direct_ok(struct msgbox_mailbox *mb,
			    const struct msgbox_send_args *args);
int msgbox_queue_recv(struct msgbox_mailbox *mb, struct msgbox_recv_args *args,
		      const struct msgbox_wait *w,
		      struct msgbox_recv_args __user *uargs, u32 usize);
bool msgbox_queue_recv_fast(struct msgbox_mailbox *mb,
			    struct msgbox_recv_args __user *uargs, int *len);
unsigned int msgbox_queue_send_many(struct msgbox_mailbox *mb,
				    struct msgbox_msg **msgs, unsigned int n,
				    u64 *ids);
unsigned int msgbox_queue_recv_many(struct msgbox_mailbox *mb,
				    void __user *uentries, unsigned int n,
				    u32 stride);
int msgbox_queue_wait(struct msgbox_mailbox *mb, bool send);
unsigned int msgbox_queue_room(const struct msgbox_mailbox *mb);

#define MSGBOX_POLL_NS_DEFAULT	20000
#define MSGBOX_POLL_NS_MAX	1000000
extern unsigned int msgbox_poll_ns;
int msgbox_queue_sleep_lost(const struct msgbox_wait *w);
__poll_t msgbox_queue_poll(struct msgbox_mailbox *mb, struct file *file,
			   poll_table *pt);
void msgbox_queue_stat(struct msgbox_mailbox *mb, struct msgbox_stat_args *st);
void msgbox_queue_kill(struct msgbox_mailbox *mb);
int msgbox_queue_notify(struct msgbox_mailbox *mb, const struct file *file,
			const struct msgbox_notify_args *args);
void msgbox_queue_notify_release(struct msgbox_mailbox *mb,
				 const struct file *file);

struct msgbox_dedup *msgbox_dedup_new(void);
void msgbox_dedup_free(struct msgbox_dedup *dedup);

#endif /* _MSGBOX_QUEUE_H */
