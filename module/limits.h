/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: limits and per-user quotas
 *
 * Every limit has three tiers, as the kernel's own IPC limits do: a
 * default that lets an application run untuned, a module parameter root
 * may change, and a hard limit the parameter may not exceed, which keeps
 * every count in 32 bits and every message allocation within kvmalloc()'s
 * reach. The numbers are written here once; the parameter descriptions,
 * the tests and the tool take them from here or from what the parameters
 * say.
 *
 * A mailbox is charged to the effective UID of its creator for everything
 * it can hold, at creation: its capacity (at least 1) times its largest
 * message plus the message header. The charge, and the mailbox's place in
 * max_mailboxes, last until the mailbox is freed. Callers with
 * CAP_SYS_RESOURCE are not charged.
 *
 * The per-user records and msgbox_nr_mailboxes are protected by
 * msgbox_table_lock (see mailbox.h); the parameters are read with
 * READ_ONCE() wherever they are used.
 */
#ifndef _MSGBOX_LIMITS_H
#define _MSGBOX_LIMITS_H

#include <linux/sizes.h>
#include <linux/types.h>

#include <linux/msgbox.h>

struct msgbox_mailbox;
struct msgbox_user;

/*
 * Defaults: an application may queue 4096 messages of up to 1 MiB in
 * each of 1024 mailboxes without tuning; per user, 256 mailboxes of the
 * library's default size (64 messages of 8 KiB) fit in 128 MiB, half the
 * byte quota.
 */
#define MSGBOX_DEF_MAX_MAILBOXES	1024
#define MSGBOX_DEF_MAX_MSG_SIZE		SZ_1M
#define MSGBOX_DEF_MAX_CAPACITY		4096
#define MSGBOX_DEF_USER_MAX_MAILBOXES	256
#define MSGBOX_DEF_USER_MAX_BYTES	((u64)SZ_256M)

/* Hard limits: what the parameters above may be raised to. */
#define MSGBOX_HARD_MAX_MAILBOXES	65536
#define MSGBOX_HARD_MAX_MSG_SIZE	SZ_16M
#define MSGBOX_HARD_MAX_CAPACITY	65536

/* What one message costs in the quota beyond its payload: the uapi's. */
#define MSGBOX_QUOTA_MSG_HEADER		MSGBOX_QUOTA_HEADER

/**
 * struct msgbox_limits - the module's limits, set by module parameters
 * @max_mailboxes: mailboxes and ports alive at once
 * @max_msg_size: largest max_msg_size a mailbox may be created with
 * @max_capacity: largest capacity a mailbox may be created with
 * @user_max_mailboxes: mailboxes and ports one user may have at once
 * @user_max_bytes: bytes one user's mailboxes and ports may hold at most,
 *	see msgbox_quota_bytes()
 */
struct msgbox_limits {
	unsigned int max_mailboxes;
	unsigned int max_msg_size;
	unsigned int max_capacity;
	unsigned int user_max_mailboxes;
	unsigned long long user_max_bytes;
};

extern struct msgbox_limits msgbox_limits;

int msgbox_limits_check(u32 capacity, u32 max_msg_size);
u64 msgbox_quota_bytes(u32 capacity, u32 max_msg_size);
int msgbox_limits_count(struct msgbox_mailbox *mb, struct msgbox_user **spare);
void msgbox_limits_uncount(struct msgbox_mailbox *mb);
struct msgbox_user *msgbox_user_spare(void);

#endif /* _MSGBOX_LIMITS_H */
