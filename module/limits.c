// SPDX-License-Identifier: GPL-2.0
/*
 * Limits, their module parameters, and per-user quotas.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "limits.h"
#include "mailbox.h"
#include "wait.h"

struct msgbox_limits msgbox_limits = {
	.max_mailboxes = MSGBOX_DEF_MAX_MAILBOXES,
	.max_msg_size = MSGBOX_DEF_MAX_MSG_SIZE,
	.max_capacity = MSGBOX_DEF_MAX_CAPACITY,
	.user_max_mailboxes = MSGBOX_DEF_USER_MAX_MAILBOXES,
	.user_max_bytes = MSGBOX_DEF_USER_MAX_BYTES,
};

/* The hard limit of the module parameter backed by @arg. */
static unsigned int msgbox_param_hard_limit(const void *arg)
{
	if (arg == &msgbox_limits.max_msg_size)
		return MSGBOX_HARD_MAX_MSG_SIZE;
	if (arg == &msgbox_limits.max_capacity)
		return MSGBOX_HARD_MAX_CAPACITY;
	return MSGBOX_HARD_MAX_MAILBOXES;
}

static int msgbox_param_set_limit(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0,
				     msgbox_param_hard_limit(kp->arg));
}

static const struct kernel_param_ops msgbox_param_limit_ops = {
	.set = msgbox_param_set_limit,
	.get = param_get_uint,
};

module_param_cb(max_mailboxes, &msgbox_param_limit_ops,
		&msgbox_limits.max_mailboxes, 0644);
MODULE_PARM_DESC(max_mailboxes,
		 "Most mailboxes and ports alive at once (default "
		 __stringify(MSGBOX_DEF_MAX_MAILBOXES) ", at most "
		 __stringify(MSGBOX_HARD_MAX_MAILBOXES) ")");
module_param_cb(max_msg_size, &msgbox_param_limit_ops,
		&msgbox_limits.max_msg_size, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest message size of a new mailbox in bytes (default 1 MiB, at most 16 MiB)");
module_param_cb(max_capacity, &msgbox_param_limit_ops,
		&msgbox_limits.max_capacity, 0644);
MODULE_PARM_DESC(max_capacity,
		 "Largest capacity of a new mailbox (default "
		 __stringify(MSGBOX_DEF_MAX_CAPACITY) ", at most "
		 __stringify(MSGBOX_HARD_MAX_CAPACITY) ")");
module_param_cb(user_max_mailboxes, &msgbox_param_limit_ops,
		&msgbox_limits.user_max_mailboxes, 0644);
MODULE_PARM_DESC(user_max_mailboxes,
		 "Mailboxes and ports one user may have (default "
		 __stringify(MSGBOX_DEF_USER_MAX_MAILBOXES) ", at most "
		 __stringify(MSGBOX_HARD_MAX_MAILBOXES) ")");

/* Any byte count goes; 0 stops unprivileged users creating mailboxes. */
module_param_named(user_max_bytes, msgbox_limits.user_max_bytes, ullong, 0644);
MODULE_PARM_DESC(user_max_bytes,
		 "Bytes one user's mailboxes may hold, capacity x (message size + "
		 __stringify(MSGBOX_QUOTA_HEADER) ") (default 256 MiB)");

static int msgbox_param_set_poll_ns(const char *val,
				    const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, MSGBOX_POLL_NS_MAX);
}

static const struct kernel_param_ops msgbox_param_poll_ns_ops = {
	.set = msgbox_param_set_poll_ns,
	.get = param_get_uint,
};

module_param_cb(poll_ns, &msgbox_param_poll_ns_ops, &msgbox_poll_ns, 0644);
MODULE_PARM_DESC(poll_ns,
		 "How long a blocking send or receive polls before it sleeps, when its CPU has nothing else to run (ns; default "
		 __stringify(MSGBOX_POLL_NS_DEFAULT) ", at most "
		 __stringify(MSGBOX_POLL_NS_MAX) "; 0: never)");

/**
 * struct msgbox_user - what one user's mailboxes are charged
 * @node: entry in msgbox_users
 * @uid: the user
 * @mailboxes: mailboxes and ports alive
 * @bytes: the sum of their quota_bytes
 *
 * Protected by msgbox_table_lock; freed when nothing is charged.
 */
struct msgbox_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int mailboxes;
	u64 bytes;
};

#define MSGBOX_USERS_BITS	8

/* Under msgbox_table_lock. */
static DEFINE_HASHTABLE(msgbox_users, MSGBOX_USERS_BITS);
static unsigned int msgbox_nr_mailboxes;

/**
 * msgbox_limits_check() - may a mailbox be created with these sizes?
 * @capacity: its capacity
 * @max_msg_size: its largest message size
 *
 * Return: 0, or -EINVAL above the max_capacity or max_msg_size limit.
 */
int msgbox_limits_check(u32 capacity, u32 max_msg_size)
{
	if (capacity > READ_ONCE(msgbox_limits.max_capacity) ||
	    max_msg_size > READ_ONCE(msgbox_limits.max_msg_size))
		return -EINVAL;
	return 0;
}

/**
 * msgbox_quota_bytes() - what a mailbox is charged
 * @capacity: its capacity
 * @max_msg_size: its largest message size
 *
 * Every message it can hold (at least one, for a rendezvous), each its
 * largest payload plus its header, so that a mailbox of empty messages is
 * not free.
 *
 * Return: the charge in bytes.
 */
u64 msgbox_quota_bytes(u32 capacity, u32 max_msg_size)
{
	return (u64)max(capacity, 1U) *
	       ((u64)max_msg_size + MSGBOX_QUOTA_MSG_HEADER);
}

/**
 * msgbox_user_spare() - allocate what msgbox_limits_count() may need
 *
 * Context: process context, may sleep; before msgbox_table_lock.
 * Return: a record for msgbox_limits_count() to consume, or NULL.
 */
struct msgbox_user *msgbox_user_spare(void)
{
	return kmalloc(sizeof(struct msgbox_user), GFP_KERNEL_ACCOUNT);
}

/* Charge the caller's user for @mb, unless exempt. */
static int msgbox_user_charge(struct msgbox_mailbox *mb,
			      struct msgbox_user **spare)
{
	kuid_t uid = current_euid();
	struct msgbox_user *u;
	u32 hash = from_kuid(&init_user_ns, uid);

	if (capable(CAP_SYS_RESOURCE))
		return 0;

	hash_for_each_possible(msgbox_users, u, node, hash)
		if (uid_eq(u->uid, uid))
			goto found;
	if (!*spare)
		return -ENOMEM;
	u = *spare;
	*spare = NULL;
	u->uid = uid;
	u->mailboxes = 0;
	u->bytes = 0;
	hash_add(msgbox_users, &u->node, hash);
found:
	if (u->mailboxes >= READ_ONCE(msgbox_limits.user_max_mailboxes) ||
	    u->bytes + mb->quota_bytes > READ_ONCE(msgbox_limits.user_max_bytes)) {
		if (!u->mailboxes) {
			hash_del(&u->node);
			kfree(u);
		}
		return -EDQUOT;
	}
	u->mailboxes++;
	u->bytes += mb->quota_bytes;
	mb->quota_user = u;
	return 0;
}

/**
 * msgbox_limits_count() - count a new mailbox and charge its creator
 * @mb: the mailbox, not yet in a table
 * @spare: a record from msgbox_user_spare(), consumed (set to NULL) when a
 *	new user is recorded
 *
 * Context: under msgbox_table_lock.
 * Return: 0, -ENOSPC (max_mailboxes), -EDQUOT or -ENOMEM.
 */
int msgbox_limits_count(struct msgbox_mailbox *mb, struct msgbox_user **spare)
{
	int err;

	lockdep_assert_held(&msgbox_table_lock);
	if (msgbox_nr_mailboxes >= READ_ONCE(msgbox_limits.max_mailboxes))
		return -ENOSPC;
	err = msgbox_user_charge(mb, spare);
	if (err)
		return err;
	msgbox_nr_mailboxes++;
	mb->counted = true;
	return 0;
}

/**
 * msgbox_limits_uncount() - give back what msgbox_limits_count() took
 * @mb: the mailbox being freed
 *
 * Context: under msgbox_table_lock.
 */
void msgbox_limits_uncount(struct msgbox_mailbox *mb)
{
	struct msgbox_user *u = mb->quota_user;

	lockdep_assert_held(&msgbox_table_lock);
	if (!mb->counted)
		return;
	mb->counted = false;
	msgbox_nr_mailboxes--;
	if (!u)
		return;
	mb->quota_user = NULL;
	u->mailboxes--;
	u->bytes -= mb->quota_bytes;
	if (!u->mailboxes) {
		hash_del(&u->node);
		kfree(u);
	}
}
