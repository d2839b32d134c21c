/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: spare message objects
 *
 * When a message of 128 bytes of object or more is delivered, its object
 * is kept by its mailbox for the next message of the same size class sent
 * to it: a steady stream then allocates nothing, and a receiver on one CPU
 * does not free into the allocator what a sender on another took from it
 * (a remote free takes the allocator's slow path). A kept object keeps its
 * first owner's memory cgroup charge, and its last sender's PID reference
 * until a message from another process takes it.
 *
 * The whole life of a spare is here: msgbox_spares_take() before a send
 * (or a reply to a call) copies in, msgbox_spares_put() and
 * msgbox_spares_put_list() when a receive, a caller or an acknowledged
 * sender is done with a message, msgbox_spares_move() for a batch's own
 * set, and msgbox_spares_close() when the mailbox is destroyed. The one
 * lock rule: a set's @lock protects all of it, and is never nested with
 * any other lock; a batch's local set is used by one thread and not
 * locked. Once closed, a set keeps nothing more: an object given back
 * after the destroy, by a receive or a batch still running, is freed, so
 * nothing is left whatever order destroy, receives and closes come in.
 *
 * Under KASAN a kept object is poisoned as a freed one is, except its
 * link word, so that any use of a message after its last reference is
 * reported there as it would be without reuse.
 */
#ifndef _MSGBOX_SPARES_H
#define _MSGBOX_SPARES_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct msgbox_msg;

/* The most bytes of objects one set keeps. */
#define MSGBOX_SPARES_BYTES	8192

/**
 * struct msgbox_spares - message objects kept for reuse by one mailbox
 * @lock: protects @top, @bottom, @bytes and @max
 * @top: objects of messages that are gone, most recently freed first, linked
 *	by their @next_spare; their payload and header are stale, except
 *	@sender, whose reference they keep
 * @bottom: the last object of that chain, for a whole set to go under
 *	another in one step; NULL with @top
 * @bytes: the size of the objects on the chain, at most @max
 * @max: the most bytes of objects kept, see msgbox_spares_limit(); 0 once
 *	the set is closed
 * @local: a batch's own set, used by one thread only: @lock is not taken
 *
 * The chain is singly linked: taking the top object writes nothing in the
 * object under it, which the CPU that freed it may still hold in its cache.
 */
struct msgbox_spares {
	spinlock_t lock;		/* protects @top, @bottom, @bytes, @max */
	struct msgbox_msg *top;
	struct msgbox_msg *bottom;
	u32 bytes;
	u32 max;
	bool local;
};

u32 msgbox_spares_limit(u32 capacity, u32 max_msg_size);
void msgbox_spares_init(struct msgbox_spares *spares, u32 max);
void msgbox_spares_init_local(struct msgbox_spares *spares);
struct msgbox_msg *msgbox_spares_take(struct msgbox_spares *spares, u32 len);
void msgbox_spares_put(struct msgbox_spares *spares, struct msgbox_msg *msg);
void msgbox_spares_put_list(struct msgbox_spares *spares,
			    struct list_head *list);
void msgbox_spares_move(struct msgbox_spares *from, struct msgbox_spares *to);
void msgbox_spares_close(struct msgbox_spares *spares);

#endif /* _MSGBOX_SPARES_H */
