/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the hold tests' mailbox
 *
 * msgbox_hold_test and msgbox_hold_wait_test share this fixture: a mailbox
 * of HOLD_CAP messages of at most HOLD_MAX bytes, opened twice O_RDWR |
 * O_NONBLOCK (two open file descriptions, so two holders), a second name
 * for tests that need one, the children a test starts (killed and reaped
 * in teardown), and a sender child for the tests that block a sender.
 */
#ifndef _MSGBOX_HOLD_FIXTURE_H
#define _MSGBOX_HOLD_FIXTURE_H

#include "hold_util.h"

#define HOLD_CAP	8
#define HOLD_MAX	64

FIXTURE(hold) {
	int fd;			/* O_RDWR | O_NONBLOCK */
	int fd2;		/* another open file description, the same */
	char name[128];
	char name2[160];
	pid_t kids[4];
	int nkids;
};

FIXTURE_SETUP(hold)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, HOLD_CAP, HOLD_MAX);
	ASSERT_LE(0, self->fd);
	self->fd2 = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd2);
}

FIXTURE_TEARDOWN(hold)
{
	int i;

	/* Destroying first wakes any child still blocked. */
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
	close(self->fd2);
}

static inline void add_kid(FIXTURE_DATA(hold) *self, pid_t pid)
{
	if (pid > 0 && self->nkids < (int)MB_ARRAY_SIZE(self->kids))
		self->kids[self->nkids++] = pid;
}

/* Sends @text (without its NUL) at @prio; the message id, or 0. */
static inline uint64_t send_id(int fd, const char *text, unsigned int prio)
{
	struct msgbox_send_args s;

	mb_send_args(&s, text, (unsigned int)strlen(text), prio);
	return mb_ioctl(fd, MSGBOX_IOC_SEND, &s) ? 0 : s.id;
}

/* What a sender child did. */
struct send_res {
	int ret;
	unsigned int result;
	uint64_t done_ns;
};

/*
 * Forks a child that sends @text to @name through a blocking O_WRONLY
 * descriptor of its own, with @flags (MSGBOX_SEND_ACK, DEADLINE) and
 * @deadline_ns. It writes 'b' before it sends, then its struct send_res.
 */
static inline pid_t send_spawn(const char *name, const char *text,
			unsigned int flags, uint64_t deadline_ns, int *rfd)
{
	struct msgbox_send_args s;
	struct send_res r;
	int wfd, fd;
	pid_t pid;
	char b = 'b';

	pid = mb_fork(rfd, &wfd);
	if (pid != 0)
		return pid;
	fd = mb_attach(name, O_WRONLY);
	if (fd < 0)
		b = 'e';
	mb_write_all(wfd, &b, 1);
	mb_send_args(&s, text, (unsigned int)strlen(text), 0);
	s.flags = flags;
	s.deadline_ns = deadline_ns;
	memset(&r, 0, sizeof(r));
	r.ret = mb_ioctl(fd, MSGBOX_IOC_SEND, &s);
	r.result = s.result;
	r.done_ns = mb_now_ns();
	mb_write_all(wfd, &r, sizeof(r));
	_exit(0);
}

static inline int started(int rfd)
{
	char b = 0;

	return mb_read_all(rfd, &b, 1) == 0 && b == 'b';
}

#endif /* _MSGBOX_HOLD_FIXTURE_H */
