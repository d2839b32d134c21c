/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: duplicate detection
 *
 * A mailbox created with MSGBOX_OPEN_DEDUP remembers the (sender process,
 * key) pairs of the last MSGBOX_DEDUP_WINDOW keyed messages it accepted,
 * in a ring with a hash table over it. A keyed send whose pair is in the
 * window queues nothing and reports MSGBOX_SENT_DUPLICATE; a withdrawn
 * message's key is forgotten, so that retrying after a lost
 * acknowledgment is safe. The window belongs to the mailbox lock.
 */
#ifndef _MSGBOX_DEDUP_H
#define _MSGBOX_DEDUP_H

#include <linux/types.h>

struct msgbox_dedup;
struct msgbox_mailbox;
struct msgbox_msg;

/* Number of keyed messages a mailbox with duplicate detection remembers. */
#define MSGBOX_DEDUP_WINDOW	1024

struct msgbox_dedup *msgbox_dedup_new(void);
void msgbox_dedup_free(struct msgbox_dedup *dedup);
bool msgbox_dedup_seen(struct msgbox_mailbox *mb, const struct msgbox_msg *msg);
void msgbox_dedup_forget(struct msgbox_mailbox *mb,
			 const struct msgbox_msg *msg);

#endif /* _MSGBOX_DEDUP_H */
