/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: sleeping, and the bounded poll before it
 *
 * A blocking send or receive sleeps on one of its mailbox's wait queues
 * with the mailbox lock dropped, and checks its condition again under the
 * lock when it wakes, whatever woke it: a wake-up racing with a signal or
 * a timeout is never lost.
 *
 * Before it sleeps, a blocking call on a buffered mailbox polls for up to
 * msgbox_poll_ns with the lock dropped, provided its CPU has nothing else
 * to run and no signal is pending: a peer busy on another CPU then serves
 * it in a few microseconds, without the sleep and the wake-up, which cost
 * more (an idle CPU halts and must be sent an interrupt to run the woken
 * task). The kernel's haltpoll cpuidle governor, and KVM before it halts a
 * virtual CPU, poll for the same reason. Polling stops as soon as another
 * task wants the CPU, and never goes past the call's deadline.
 */
#ifndef _MSGBOX_WAIT_H
#define _MSGBOX_WAIT_H

#include <linux/ktime.h>
#include <linux/types.h>
#include <linux/wait.h>

struct msgbox_mailbox;

#define MSGBOX_POLL_NS_DEFAULT	20000
#define MSGBOX_POLL_NS_MAX	1000000

extern unsigned int msgbox_poll_ns;

/**
 * struct msgbox_wait - how a call may block
 * @nonblock: never sleep, fail with -EAGAIN instead
 * @deadline: absolute host CLOCK_MONOTONIC time, or 0 for none
 */
struct msgbox_wait {
	bool nonblock;
	ktime_t deadline;
};

int msgbox_wait_sleep(struct msgbox_mailbox *mb, struct wait_queue_head *wq,
		      ktime_t deadline, unsigned int state, bool exclusive,
		      bool calls);
void msgbox_wait_poll(struct msgbox_mailbox *mb, bool send, ktime_t deadline);
void msgbox_wait_poll_result(struct msgbox_mailbox *mb, const int *result,
			     ktime_t deadline);
int msgbox_wait_task(struct msgbox_mailbox *mb, ktime_t deadline);
int msgbox_wait_lost(const struct msgbox_wait *w);

#endif /* _MSGBOX_WAIT_H */
