/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the batch tests' mailbox and calls
 *
 * msgbox_batch_test and msgbox_batch_run_test share this fixture, a
 * mailbox of BT_CAP messages opened blocking and O_NONBLOCK, and raw
 * MSGBOX_IOC_SEND_BATCH and MSGBOX_IOC_RECV_BATCH calls that fill in the
 * batch arguments and hand them back.
 */
#ifndef _MSGBOX_BATCH_FIXTURE_H
#define _MSGBOX_BATCH_FIXTURE_H

#include "msgbox_util.h"

#include <msgbox.h>

#define BT_CAP		4

FIXTURE(bt) {
	int fd;			/* O_RDWR, blocking */
	int nb;			/* O_RDWR | O_NONBLOCK */
	char name[128];
	pid_t kid;
};

FIXTURE_SETUP(bt)
{
	struct msgbox_attr attr = { .capacity = BT_CAP, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->nb = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, self->nb);
}

FIXTURE_TEARDOWN(bt)
{
	mb_destroy_name(self->name);
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
	close(self->nb);
}

static inline int batch(int fd, unsigned long cmd, void *entries,
			unsigned int count, unsigned int entry_size,
			unsigned int flags, struct msgbox_batch_args *out)
{
	struct msgbox_batch_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.entries = (uintptr_t)entries;
	a.count = count;
	a.entry_size = entry_size;
	a.done = 0xdead;
	a.error = -1;
	ret = mb_ioctl(fd, cmd, &a);
	if (out)
		*out = a;
	return ret;
}

static inline int send_batch(int fd, struct msgbox_send_args *e,
			     unsigned int n, unsigned int flags,
			     struct msgbox_batch_args *out)
{
	return batch(fd, MSGBOX_IOC_SEND_BATCH, e, n, sizeof(*e), flags, out);
}

static inline int recv_batch(int fd, struct msgbox_recv_args *e,
			     unsigned int n, unsigned int flags,
			     struct msgbox_batch_args *out)
{
	return batch(fd, MSGBOX_IOC_RECV_BATCH, e, n, sizeof(*e), flags, out);
}

static const char *const words[] = { "zero", "one", "two", "three", "four",
				     "five", "six", "seven" };

static inline void fill_send(struct msgbox_send_args *e, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		mb_send_args(&e[i], words[i], strlen(words[i]), 0);
}

#endif /* _MSGBOX_BATCH_FIXTURE_H */
