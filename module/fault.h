/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: fault injection
 *
 * Root can make a named mailbox lose, duplicate or corrupt a chosen share of
 * the messages sent to it, or lose the acknowledgment of a delivered one,
 * by writing to /sys/kernel/debug/msgbox/faults:
 *
 *   <name> drop=<n> dup=<n> corrupt=<n> ackloss=<n>
 *
 * where each <n> is in thousandths (0 to 1000) and omitted ones are 0.
 * Reading the file lists the mailboxes with faults set. Faults act as if on
 * the way from the sender to the mailbox: a dropped message never arrives
 * (an acknowledged send times out), a duplicated one arrives twice (and
 * duplicate detection suppresses the second copy), a corrupted one has a
 * bit flipped before its checksum is verified (EBADMSG), and a lost
 * acknowledgment turns a delivered acknowledged send into ETIMEDOUT.
 */
#ifndef _MSGBOX_FAULT_H
#define _MSGBOX_FAULT_H

#include <linux/types.h>

struct msgbox_mailbox;
struct msgbox_msg;

/**
 * struct msgbox_faults - fault rates of a mailbox, in thousandths
 * @drop: messages lost before they reach the mailbox
 * @dup: messages that arrive twice
 * @corrupt: messages with one payload bit flipped
 * @ackloss: delivered acknowledged sends reported as timed out
 *
 * Each field is written and read with WRITE_ONCE()/READ_ONCE().
 */
struct msgbox_faults {
	u16 drop;
	u16 dup;
	u16 corrupt;
	u16 ackloss;
};

/* Which faults hit one message. */
enum msgbox_fault {
	MSGBOX_FAULT_DROP,
	MSGBOX_FAULT_DUP,
	MSGBOX_FAULT_CORRUPT,
	MSGBOX_FAULT_ACKLOSS,
};

bool msgbox_fault_on_send(const struct msgbox_mailbox *mb,
			  struct msgbox_msg *msg, bool *dup);
bool msgbox_fault_on_ack(const struct msgbox_mailbox *mb);
int msgbox_fault_init(void);
void msgbox_fault_exit(void);

/**
 * msgbox_faults_set() - are any faults set on a mailbox?
 * @f: its fault rates
 *
 * Every send asks, so this is inline; the hooks above are called only
 * when it says yes.
 *
 * Return: true when some rate is not zero.
 */
static inline bool msgbox_faults_set(const struct msgbox_faults *f)
{
	return READ_ONCE(f->drop) || READ_ONCE(f->dup) ||
	       READ_ONCE(f->corrupt) || READ_ONCE(f->ackloss);
}

#endif /* _MSGBOX_FAULT_H */
