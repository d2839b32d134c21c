// SPDX-License-Identifier: GPL-2.0
/*
 * Duplicate detection: the window of (sender, key) and (user, token)
 * pairs a mailbox remembers.
 */
#include <linux/build_bug.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include <linux/msgbox.h>

#include "dedup.h"
#include "mailbox.h"
#include "message.h"

/**
 * struct msgbox_dedup_entry - one remembered pair
 * @node: entry in the hash table; unhashed when the slot is free
 * @sender: for a key, the sender (a reference is held); NULL for a token
 * @value: the key or the token
 * @id: the id of the message accepted with it; kept when the slot is
 *	freed, so that the ring's ids stay in order (see dedup.h)
 * @uid: for a token, the sender's effective UID
 * @token: the pair is (@uid, token), not (@sender, key)
 * @vouched: a duplicate was reported against the message: it may no
 *	longer be withdrawn
 */
struct msgbox_dedup_entry {
	struct hlist_node node;
	struct pid *sender;
	u64 value;
	u64 id;
	kuid_t uid;
	bool token;
	bool vouched;
};

/**
 * struct msgbox_dedup - the duplicate-detection window of a mailbox
 * @next: the ring slot reused next, the oldest
 * @table: entries by pair
 * @ring: the last MSGBOX_DEDUP_WINDOW keyed or tokened messages accepted
 *
 * Protected by the lock of the mailbox it belongs to.
 */
struct msgbox_dedup {
	unsigned int next;
	DECLARE_HASHTABLE(table, 8);
	struct msgbox_dedup_entry ring[MSGBOX_DEDUP_WINDOW];
};

/**
 * msgbox_dedup_new() - allocate an empty duplicate-detection window
 *
 * Context: process context, may sleep.
 * Return: the window, or NULL.
 */
struct msgbox_dedup *msgbox_dedup_new(void)
{
	struct msgbox_dedup *dedup;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct msgbox_dedup_entry) > 48);
	dedup = kvzalloc(sizeof(*dedup), GFP_KERNEL_ACCOUNT);
	if (!dedup)
		return NULL;
	hash_init(dedup->table);
	for (i = 0; i < MSGBOX_DEDUP_WINDOW; i++)
		INIT_HLIST_NODE(&dedup->ring[i].node);
	return dedup;
}

/**
 * msgbox_dedup_free() - free a duplicate-detection window
 * @dedup: the window, or NULL
 *
 * Context: process context, may sleep.
 */
void msgbox_dedup_free(struct msgbox_dedup *dedup)
{
	unsigned int i;

	if (!dedup)
		return;
	for (i = 0; i < MSGBOX_DEDUP_WINDOW; i++)
		put_pid(dedup->ring[i].sender);
	kvfree(dedup);
}

/* The pair a send is remembered by; @e->node and @e->id unused. */
static void msgbox_dedup_pair(struct msgbox_dedup_entry *e,
			      const struct msgbox_msg *msg, const u64 *token)
{
	e->token = token;
	if (token) {
		e->sender = NULL;
		e->uid = msg->uid;
		e->value = *token;
	} else {
		e->sender = msg->sender;
		e->uid = GLOBAL_ROOT_UID;
		e->value = msg->key;
	}
}

static u32 msgbox_dedup_hash(const struct msgbox_dedup_entry *e)
{
	u64 scope = e->token ? ~(u64)__kuid_val(e->uid) :
			       (u64)(uintptr_t)e->sender;

	return hash_64(e->value ^ scope, 32);
}

static struct msgbox_dedup_entry *
msgbox_dedup_find(struct msgbox_dedup *dedup,
		  const struct msgbox_dedup_entry *pair)
{
	struct msgbox_dedup_entry *e;

	hash_for_each_possible(dedup->table, e, node, msgbox_dedup_hash(pair))
		if (e->token == pair->token && e->value == pair->value &&
		    e->sender == pair->sender && uid_eq(e->uid, pair->uid))
			return e;
	return NULL;
}

/**
 * msgbox_dedup_seen() - was this message's pair accepted before?
 * @mb: the mailbox, with duplicate detection
 * @msg: a message about to be queued, keyed unless @token, its id set
 * @token: the sender's token, or NULL to go by @msg's key
 *
 * If the pair was not accepted within the window, remember it, forgetting
 * the oldest pair.
 *
 * Context: under @mb->lock.
 * Return: true for a duplicate.
 */
bool msgbox_dedup_seen(struct msgbox_mailbox *mb, const struct msgbox_msg *msg,
		       const u64 *token)
{
	struct msgbox_dedup *dedup = mb->dedup;
	struct msgbox_dedup_entry pair, *e;

	lockdep_assert_held(&mb->lock);
	msgbox_dedup_pair(&pair, msg, token);
	e = msgbox_dedup_find(dedup, &pair);
	if (e) {
		/* Its sender was told it is there: it must stay there. */
		e->vouched = true;
		return true;
	}

	e = &dedup->ring[dedup->next];
	dedup->next = (dedup->next + 1) % MSGBOX_DEDUP_WINDOW;
	if (!hlist_unhashed(&e->node))
		hash_del(&e->node);
	put_pid(e->sender);
	e->sender = get_pid(pair.sender);
	e->value = pair.value;
	e->uid = pair.uid;
	e->token = pair.token;
	e->vouched = false;
	/* Ids only grow: the ring stays in their order (see dedup.h). */
	e->id = msg->id;
	hash_add(dedup->table, &e->node, msgbox_dedup_hash(e));
	return false;
}

/* The entry of the message of id @id, by bisection, or NULL. */
static struct msgbox_dedup_entry *
msgbox_dedup_find_id(struct msgbox_dedup *dedup, u64 id)
{
	unsigned int lo = 0, hi = MSGBOX_DEDUP_WINDOW, mid;
	struct msgbox_dedup_entry *e;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = &dedup->ring[(dedup->next + mid) % MSGBOX_DEDUP_WINDOW];
		if (e->id < id)
			lo = mid + 1;
		else if (e->id > id)
			hi = mid;
		else
			return hlist_unhashed(&e->node) ? NULL : e;
	}
	return NULL;
}

/* The entry of @msg in its mailbox's window, or NULL; under the lock. */
static struct msgbox_dedup_entry *
msgbox_dedup_entry_of(struct msgbox_mailbox *mb, const struct msgbox_msg *msg)
{
	lockdep_assert_held(&mb->lock);
	if (!mb->dedup || !msg->id)
		return NULL;
	return msgbox_dedup_find_id(mb->dedup, msg->id);
}

/**
 * msgbox_dedup_vouched() - may a queued message no longer be withdrawn?
 * @mb: the mailbox
 * @msg: a message still queued, whose sender gives up on it
 *
 * A send found to duplicate @msg queued nothing, and its sender was told
 * the message is there: withdrawing @msg now would leave it nowhere.
 *
 * Context: under @mb->lock.
 * Return: true when a duplicate was reported against @msg.
 */
bool msgbox_dedup_vouched(struct msgbox_mailbox *mb,
			  const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e = msgbox_dedup_entry_of(mb, msg);

	return e && e->vouched;
}

/**
 * msgbox_dedup_forget() - forget the key or token of a withdrawn message
 * @mb: the mailbox
 * @msg: the message, withdrawn: never delivered, so its key or token may
 *	be sent again
 *
 * The entry is found by the message's id: once pushed out of the window,
 * the pair may have been accepted again with another message, whose entry
 * stays.
 *
 * Context: under @mb->lock.
 */
void msgbox_dedup_forget(struct msgbox_mailbox *mb,
			 const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e = msgbox_dedup_entry_of(mb, msg);

	if (!e)
		return;
	hash_del(&e->node);
	put_pid(e->sender);
	e->sender = NULL;
}
