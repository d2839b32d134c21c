/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: messages
 *
 * A message is one allocation: this header followed by the payload (or,
 * above MSGBOX_MSG_INLINE_MAX, a pointer to a payload of its own). It is
 * copied in from the sender with copy_from_user() before any lock is
 * taken. Objects of 256 bytes to 2 KiB come from message caches created
 * with kmem_cache_create_usercopy(), so that hardened usercopy refuses any
 * copy that strays from the payload into the header; smaller ones come
 * from kmalloc(), whose caches allow copies anywhere in an object, and
 * payloads above MSGBOX_MSG_INLINE_MAX have an allocation of their own,
 * which the copy is checked against. It is stamped with the
 * sender's identity and is immutable once queued, except for @node,
 * @state and a call's @call, which belong to the lock of the mailbox it is
 * queued on.
 *
 * A message is referenced by the queue (or by the receiver that took it
 * off the queue, or by the record of its hold), by a sender waiting for
 * its acknowledgment or its reply, and briefly by a receiver peeking at
 * it. The last msgbox_msg_put() frees it; the last reference dropped with
 * msgbox_spares_put() (a receiver's, a caller's, an acknowledged
 * sender's) may instead keep its object for the next message sent to the
 * same mailbox (see spares.h).
 */
#ifndef _MSGBOX_MESSAGE_H
#define _MSGBOX_MESSAGE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct msgbox_call;
struct pid;

/* struct msgbox_msg.state */
enum msgbox_msg_state {
	MSGBOX_MSG_NEW,		/* allocated, not queued yet */
	MSGBOX_MSG_QUEUED,	/* on its mailbox's queue */
	MSGBOX_MSG_INFLIGHT,	/* taken off by a receiver, being copied out */
	MSGBOX_MSG_TAKEN,	/* copied out: delivered */
	MSGBOX_MSG_GONE,	/* withdrawn or discarded: never delivered */
	MSGBOX_MSG_ONHOLD,	/* copied out, held by a receiver (hold.h) */
};

/* struct msgbox_msg.flags, internal bits above the uapi MSGBOX_MSG_* bits */
#define MSGBOX_MSGF_CACHE	GENMASK(4, 2)	/* size class, see message.c */
#define MSGBOX_MSGF_RETURNED	BIT(5)	/* has a returned record (hold.h) */
#define MSGBOX_MSGF_EXT		BIT(6)	/* payload in its own allocation */
#define MSGBOX_MSGF_CALL	BIT(7)	/* a call: @call, not @key (call.h) */

/*
 * Payloads up to this size share the header's allocation; larger ones get
 * their own, so that a 4 KiB payload takes one page rather than an 8 KiB
 * object for 4 KiB plus a 64-byte header.
 */
#define MSGBOX_MSG_INLINE_MAX	(2048 - 64)

/**
 * struct msgbox_msg - one message
 * @node: entry in the mailbox queue (under the mailbox lock), or in a list
 *	of its holder's
 * @next_spare: the next object down a set of spares, in place of @node
 *	while the object is spare (see spares.h)
 * @id: id, unique and increasing per mailbox; set when queued
 * @key: sender's duplicate-detection key, valid with MSGBOX_MSG_KEY
 * @call: with MSGBOX_MSGF_CALL, in place of @key, the caller waiting for
 *	the reply, or NULL once the call has ended; under the mailbox lock
 * @sender: thread-group PID of the sender (a reference is held)
 * @uid: sender's effective UID
 * @gid: sender's effective GID
 * @len: payload length
 * @csum: sender's CRC32C, valid with MSGBOX_MSG_CSUM
 * @ref: references, see DOC above
 * @prio: priority
 * @state: an enum msgbox_msg_state; under the mailbox lock
 * @flags: MSGBOX_MSG_* and MSGBOX_MSGF_* bits; immutable once queued,
 *	but for MSGBOX_MSGF_RETURNED, set under the mailbox lock while the
 *	message is held (a peek still copying it may read the other bits
 *	meanwhile, which do not change)
 * @data: the payload, or with MSGBOX_MSGF_EXT a pointer to it; use
 *	msgbox_msg_data()
 *
 * The header is kept at 64 bytes so that a 64-byte message fits a 128-byte
 * slab object.
 */
struct msgbox_msg {
	union {
		struct list_head node;
		struct msgbox_msg *next_spare;
	};
	u64 id;
	union {
		u64 key;
		struct msgbox_call *call;
	};
	struct pid *sender;
	kuid_t uid;
	kgid_t gid;
	u32 len;
	u32 csum;
	refcount_t ref;
	u16 prio;
	u8 state;
	u8 flags;
	u8 data[];
};

/**
 * msgbox_msg_data() - the payload of a message
 * @msg: the message
 *
 * Return: a pointer to its @msg->len bytes.
 */
static inline u8 *msgbox_msg_data(const struct msgbox_msg *msg)
{
	if (msg->flags & MSGBOX_MSGF_EXT)
		return *(u8 * const *)msg->data;
	return (u8 *)msg->data;
}

int msgbox_msg_init(void);
void msgbox_msg_exit(void);
unsigned int msgbox_msg_class_for(u32 len);
u32 msgbox_msg_class_size(unsigned int class);
unsigned int msgbox_msg_class(const struct msgbox_msg *msg);
bool msgbox_msg_keepable(const struct msgbox_msg *msg);
struct msgbox_msg *msgbox_msg_new(struct msgbox_msg *spare,
				  const void __user *buf, u32 len);
struct msgbox_msg *msgbox_msg_clone(const struct msgbox_msg *msg);
void msgbox_msg_free(struct msgbox_msg *msg);

/**
 * msgbox_msg_get() - take a reference on a message
 * @msg: the message
 *
 * Return: @msg.
 */
static inline struct msgbox_msg *msgbox_msg_get(struct msgbox_msg *msg)
{
	refcount_inc(&msg->ref);
	return msg;
}

/**
 * msgbox_msg_put() - drop a reference on a message, freeing it on the last
 * @msg: the message, or NULL
 *
 * Context: process context, may sleep (the payload may be vmalloc()ed);
 * never under a mailbox lock.
 */
static inline void msgbox_msg_put(struct msgbox_msg *msg)
{
	if (msg && refcount_dec_and_test(&msg->ref))
		msgbox_msg_free(msg);
}

#endif /* _MSGBOX_MESSAGE_H */
