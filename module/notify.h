/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: arrival notification
 *
 * One process per mailbox may register, through one of its files, to be
 * told when a message arrives on the empty mailbox while no receiver is
 * waiting for it, as mq_notify() does: by a signal with si_code SI_MESGQ
 * and the sender's PID and UID, or by EPOLLPRI on that file. The
 * registration fires once. It lives in struct msgbox_mailbox.notify, under
 * the mailbox lock; the signal is sent after the lock is dropped.
 * Registering needs a file open for reading (see ioctl.c).
 */
#ifndef _MSGBOX_NOTIFY_H
#define _MSGBOX_NOTIFY_H

#include <linux/types.h>

struct file;
struct msgbox_mailbox;
struct msgbox_notify_args;
struct pid;

/**
 * struct msgbox_notify - who is told when a message arrives on an empty
 *	mailbox
 * @pid: the registered process (a reference is held), or NULL
 * @file: the file it registered through
 * @fired: a file whose EPOLLPRI notification fired and was not re-armed
 * @signo: the signal to send, or 0 for EPOLLPRI on @file
 * @value: si_value of the signal
 */
struct msgbox_notify {
	struct pid *pid;
	const struct file *file;
	const struct file *fired;
	int signo;
	u64 value;
};

bool msgbox_notify_due(const struct msgbox_mailbox *mb);
void msgbox_notify_take(struct msgbox_mailbox *mb, struct msgbox_notify *n);
void msgbox_notify_send(struct msgbox_notify *n);
int msgbox_notify_register(struct msgbox_mailbox *mb, const struct file *file,
			   const struct msgbox_notify_args *args);
void msgbox_notify_release(struct msgbox_mailbox *mb, const struct file *file);

/**
 * msgbox_notify_fire() - fire a registration taken, if any
 * @n: what msgbox_notify_take() filled, or left zeroed
 *
 * Nearly every send has none, and returns here without a call.
 *
 * Context: process context, no mailbox lock held.
 */
static inline void msgbox_notify_fire(struct msgbox_notify *n)
{
	if (n->pid)
		msgbox_notify_send(n);
}

#endif /* _MSGBOX_NOTIFY_H */
