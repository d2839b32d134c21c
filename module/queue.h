/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the message queue of a mailbox
 *
 * Messages are kept on one list, highest priority first and by id within a
 * priority, so that the head is always the next message to deliver. This
 * file holds the list and what is counted with it (room, bytes, totals),
 * poll, stat and kill; it touches no user memory. The send and receive
 * cores (send.c, recv.c), and the hand-off (direct.c), call it under the
 * mailbox lock.
 *
 * A message taken off the list by a receiver keeps its slot in the
 * capacity while it is copied out (nr_inflight), so that putting it back
 * after a fault never overfills the mailbox. A mailbox of capacity 0 holds
 * one message at a time: a blocking sender offers its message when no
 * other is offered and waits until a receiver has copied it out; a
 * non-blocking one needs a receiver waiting. What its creator was charged
 * for, one message, is then all it ever holds.
 *
 * Senders sleep on @send_wq and receivers on @recv_wq; pollers sleep on
 * both. Wake-ups are issued after the mailbox lock is dropped.
 *
 * Calls are taken only by receives that hold (hold.h): any other passes
 * them by. A wake-up for a call is keyed MSGBOX_POLL_CALL, which pollers
 * read as input ready and which passes over the receivers that do not
 * hold, so that it reaches one that can take the call.
 */
#ifndef _MSGBOX_QUEUE_H
#define _MSGBOX_QUEUE_H

#include <linux/list.h>
#include <linux/poll.h>
#include <linux/types.h>

struct file;
struct pid;
struct pid_namespace;
struct msgbox_mailbox;
struct msgbox_msg;
struct msgbox_stat_args;

/* The key of a wake-up for a call, see the DOC above. */
#define MSGBOX_POLL_CALL	(EPOLLIN | EPOLLRDNORM | EPOLLRDBAND)

unsigned int msgbox_queue_room(const struct msgbox_mailbox *mb);
bool msgbox_queue_has_room(const struct msgbox_mailbox *mb);
bool msgbox_queue_offer_free(const struct msgbox_mailbox *mb);
void msgbox_queue_add(struct msgbox_mailbox *mb, struct msgbox_msg *msg);
void msgbox_queue_insert(struct msgbox_mailbox *mb, struct msgbox_msg *msg);
void msgbox_queue_unlink(struct msgbox_mailbox *mb, struct msgbox_msg *msg);
void msgbox_queue_unlink_head(struct msgbox_mailbox *mb,
			      struct msgbox_msg *last, unsigned int n,
			      struct list_head *list);
void msgbox_queue_withdraw(struct msgbox_mailbox *mb, struct msgbox_msg *msg);
void msgbox_queue_taken(struct msgbox_mailbox *mb, struct msgbox_msg *msg);
struct msgbox_msg *msgbox_queue_find(struct msgbox_mailbox *mb,
				     struct pid *from, pid_t from_nr,
				     struct pid_namespace *ns, bool calls);
void msgbox_queue_wake(struct wait_queue_head *wq);
void msgbox_queue_wake_recv(struct msgbox_mailbox *mb, unsigned int nr,
			    bool call);
__poll_t msgbox_queue_poll(struct msgbox_mailbox *mb, struct file *file,
			   poll_table *pt);
void msgbox_queue_stat(struct msgbox_mailbox *mb, struct msgbox_stat_args *st);
void msgbox_queue_kill(struct msgbox_mailbox *mb);

#endif /* _MSGBOX_QUEUE_H */
