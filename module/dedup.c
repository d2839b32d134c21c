// SPDX-License-Identifier: GPL-2.0
/*
 * Duplicate detection: the window of (sender, key) pairs a mailbox remembers.
 */
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "dedup.h"
#include "mailbox.h"
#include "message.h"

/**
 * struct msgbox_dedup_entry - one remembered (sender, key) pair
 * @node: entry in the hash table
 * @sender: the sender (a reference is held), NULL when the slot is free
 * @key: the sender's key
 * @id: the id of the message accepted with it
 */
struct msgbox_dedup_entry {
	struct hlist_node node;
	struct pid *sender;
	u64 key;
	u64 id;
};

/**
 * struct msgbox_dedup - the duplicate-detection window of a mailbox
 * @next: the ring slot reused next
 * @table: entries by (sender, key)
 * @ring: the last MSGBOX_DEDUP_WINDOW keyed messages accepted
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

	dedup = kvzalloc(sizeof(*dedup), GFP_KERNEL_ACCOUNT);
	if (dedup)
		hash_init(dedup->table);
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

static u32 msgbox_dedup_hash(const struct pid *sender, u64 key)
{
	return hash_64(key ^ (u64)(uintptr_t)sender, 32);
}

static struct msgbox_dedup_entry *
msgbox_dedup_find(struct msgbox_dedup *dedup, const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e;

	hash_for_each_possible(dedup->table, e, node,
			       msgbox_dedup_hash(msg->sender, msg->key))
		if (e->sender == msg->sender && e->key == msg->key)
			return e;
	return NULL;
}

/**
 * msgbox_dedup_seen() - was this message's (sender, key) accepted before?
 * @mb: the mailbox, with duplicate detection
 * @msg: a keyed message about to be queued, its id set
 *
 * If the pair was not accepted within the window, remember it, forgetting
 * the oldest pair.
 *
 * Context: under @mb->lock.
 * Return: true for a duplicate.
 */
bool msgbox_dedup_seen(struct msgbox_mailbox *mb, const struct msgbox_msg *msg)
{
	struct msgbox_dedup *dedup = mb->dedup;
	struct msgbox_dedup_entry *e;

	lockdep_assert_held(&mb->lock);
	if (msgbox_dedup_find(dedup, msg))
		return true;

	e = &dedup->ring[dedup->next];
	dedup->next = (dedup->next + 1) % MSGBOX_DEDUP_WINDOW;
	if (e->sender) {
		hash_del(&e->node);
		put_pid(e->sender);
	}
	e->sender = get_pid(msg->sender);
	e->key = msg->key;
	e->id = msg->id;
	hash_add(dedup->table, &e->node, msgbox_dedup_hash(e->sender, e->key));
	return false;
}

/**
 * msgbox_dedup_forget() - forget the key of a withdrawn message
 * @mb: the mailbox
 * @msg: the message, withdrawn: never delivered, so its key may be sent
 *	again
 *
 * The entry is forgotten only if it is still this message's: once pushed
 * out of the window, the key may have been accepted again with another one.
 *
 * Context: under @mb->lock.
 */
void msgbox_dedup_forget(struct msgbox_mailbox *mb,
			 const struct msgbox_msg *msg)
{
	struct msgbox_dedup_entry *e;

	lockdep_assert_held(&mb->lock);
	if (!mb->dedup || !(msg->flags & MSGBOX_MSG_KEY))
		return;
	e = msgbox_dedup_find(mb->dedup, msg);
	if (!e || e->id != msg->id)
		return;
	hash_del(&e->node);
	put_pid(e->sender);
	e->sender = NULL;
}
