/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: duplicate detection
 *
 * A mailbox created with MSGBOX_OPEN_DEDUP remembers the last
 * MSGBOX_DEDUP_WINDOW (uapi) keyed or tokened messages it accepted, in a
 * ring with a hash table over it. A keyed send is remembered by (sender
 * process, key), a tokened one by (sender's effective kuid, token): a
 * token survives the process that sent it, and one user cannot suppress
 * another's messages by sending their tokens first. A send whose pair is
 * in the window queues nothing and reports MSGBOX_SENT_DUPLICATE.
 *
 * The ring is filled in the order messages are accepted, which is the
 * order of their ids, so that from its oldest slot on the ids increase: a
 * withdrawn message's entry is found by its id, by bisection, and
 * forgotten, so that retrying after a lost acknowledgment is safe. A
 * message against which a duplicate was reported is no longer withdrawn:
 * its acknowledged sender giving up gets -EINPROGRESS, and it stays
 * queued, since the duplicate's sender was told it is there. Tokens
 * are not kept on the message: receivers never see them, and the header
 * stays 64 bytes.
 *
 * The window is allocated when the mailbox is created (48 KiB and a
 * 2 KiB table), charged to the creator's memory cgroup; keys and tokens
 * share it and cost nothing more per message. It belongs to the mailbox
 * lock.
 */
#ifndef _MSGBOX_DEDUP_H
#define _MSGBOX_DEDUP_H

#include <linux/types.h>

struct msgbox_dedup;
struct msgbox_mailbox;
struct msgbox_msg;

struct msgbox_dedup *msgbox_dedup_new(void);
void msgbox_dedup_free(struct msgbox_dedup *dedup);
bool msgbox_dedup_seen(struct msgbox_mailbox *mb, const struct msgbox_msg *msg,
		       const u64 *token);
bool msgbox_dedup_vouched(struct msgbox_mailbox *mb,
			  const struct msgbox_msg *msg);
void msgbox_dedup_forget(struct msgbox_mailbox *mb,
			 const struct msgbox_msg *msg);

#endif /* _MSGBOX_DEDUP_H */
