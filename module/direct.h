/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: direct hand-off of large messages
 *
 * A receiver about to block on an empty mailbox with a large buffer pins
 * that buffer and registers it on the mailbox. The pinned pages are
 * charged to the receiver's user against RLIMIT_MEMLOCK, and only
 * anonymous and shmem memory is pinned; a receiver over its limit, or
 * with its buffer elsewhere, just waits the ordinary way. A sender of a large message
 * that finds the mailbox empty and such a receiver waiting claims it and
 * copies its payload straight from its own buffer into the receiver's
 * pages: one copy instead of two, and no allocation for the payload.
 *
 * A registration moves through these states, under the mailbox lock:
 *
 *   WAITING   on the mailbox's list; the receiver sleeps
 *   CLAIMED   off the list; a sender copies into the pages, unlocked
 *   DONE      the copy succeeded: @msg describes the delivered message
 *   GONE      the receiver is done with it
 *
 * The sender faults its payload in before claiming and copies with page
 * faults disabled, so a claim lasts one bounded memcpy: the receiver waits
 * it out whatever signal comes, and leaves only with DONE or with its
 * registration back WAITING. A copy that comes up short (the payload was
 * not resident after all, or is not mapped) puts the registration back and
 * the message goes through the queue, where a bad payload is EFAULT. A
 * receiver that gives up while WAITING marks it GONE. Both sides hold a
 * reference; the last one unpins the pages.
 */
#ifndef _MSGBOX_DIRECT_H
#define _MSGBOX_DIRECT_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "mailbox.h"

struct mm_struct;
struct msgbox_msg;
struct page;
struct user_struct;
struct task_struct;

/* Payloads at least this long go directly to a waiting receiver. */
#define MSGBOX_DIRECT_MIN	2048
/* Receive buffers pinned for a hand-off are at most this long. */
#define MSGBOX_DIRECT_MAX	SZ_1M

enum msgbox_direct_state {
	MSGBOX_DIRECT_IDLE,
	MSGBOX_DIRECT_WAITING,
	MSGBOX_DIRECT_CLAIMED,
	MSGBOX_DIRECT_DONE,
	MSGBOX_DIRECT_GONE,
};

/**
 * struct msgbox_direct - a receive buffer registered for direct hand-off
 * @node: entry in the mailbox's direct_waiters; under the mailbox lock
 * @ref: references: the receiver, and a sender that claimed it
 * @state: an enum msgbox_direct_state; under the mailbox lock
 * @task: the receiver (a reference is held)
 * @user: the user charged for the pinned pages (a reference is held), or
 *	NULL for a receiver with CAP_IPC_LOCK
 * @mm: the receiver's mm, whose pinned_vm shows the pages (grabbed)
 * @msg: with DONE, the header of the message delivered
 * @len: bytes of the buffer pinned
 * @offset: where the buffer starts in @pages[0]
 * @nr_pages: pages pinned
 * @pages: the pinned pages
 */
struct msgbox_direct {
	struct list_head node;
	refcount_t ref;
	u8 state;
	struct task_struct *task;
	struct user_struct *user;
	struct mm_struct *mm;
	struct msgbox_msg *msg;
	u32 len;
	u32 offset;
	u32 nr_pages;
	struct page **pages;
};

struct msgbox_direct *msgbox_direct_new(void __user *buf, u32 len);
void msgbox_direct_free(struct msgbox_direct *d);
int msgbox_direct_copy(struct msgbox_direct *d, const void __user *src,
		       u32 len);
struct msgbox_direct *msgbox_direct_prepare(struct msgbox_mailbox *mb,
					    void __user *buf, u32 buf_len);
void msgbox_direct_arm(struct msgbox_mailbox *mb, struct msgbox_direct *d);
bool msgbox_direct_settle(struct msgbox_mailbox *mb, struct msgbox_direct *d);
void msgbox_direct_leave(struct msgbox_direct *d);
bool msgbox_direct_ok(struct msgbox_mailbox *mb, u32 len, bool plain);
int msgbox_direct_send(struct msgbox_mailbox *mb, struct msgbox_msg *hdr,
		       const void __user *ubuf, u32 len, u64 *id);

/**
 * msgbox_direct_wanted() - is a hand-off worth pinning a receive buffer?
 * @mb: the mailbox
 * @buf_len: the receive buffer's size
 *
 * Only mailboxes that can carry large messages, and buffers that can take
 * one, are worth it; a rendezvous keeps its own protocol.
 *
 * Return: true when the receiver should register for a hand-off.
 */
static inline bool msgbox_direct_wanted(const struct msgbox_mailbox *mb,
					u32 buf_len)
{
	return mb->capacity && mb->max_msg_size >= MSGBOX_DIRECT_MIN &&
	       buf_len >= MSGBOX_DIRECT_MIN;
}

/**
 * msgbox_direct_put() - drop a reference, unpinning on the last
 * @d: the registration, or NULL (most receives have none)
 *
 * Context: process context, may sleep; no mailbox lock held.
 */
static inline void msgbox_direct_put(struct msgbox_direct *d)
{
	if (d && refcount_dec_and_test(&d->ref))
		msgbox_direct_free(d);
}

#endif /* _MSGBOX_DIRECT_H */
