/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the call tests' mailbox
 *
 * msgbox_call_test, msgbox_call_server_test and msgbox_call_mp_test share
 * this fixture: a mailbox of CALL_CAP messages of at most CALL_MAX bytes,
 * opened twice O_RDWR | O_NONBLOCK (two open file descriptions, so two
 * holders), a second name for tests that need one, and the children a test
 * starts, killed and reaped in teardown. The test process is the server
 * unless a test says otherwise; callers are children (call_spawn()) with
 * descriptors of their own.
 */
#ifndef _MSGBOX_CALL_FIXTURE_H
#define _MSGBOX_CALL_FIXTURE_H

#include "hold_util.h"

#define CALL_CAP	8
#define CALL_MAX	256

FIXTURE(call) {
	int fd;			/* O_RDWR | O_NONBLOCK */
	int fd2;		/* another open file description, the same */
	char name[128];
	char name2[160];
	pid_t kids[16];
	int nkids;
};

FIXTURE_SETUP(call)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, CALL_CAP, CALL_MAX);
	ASSERT_LE(0, self->fd);
	self->fd2 = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd2);
}

FIXTURE_TEARDOWN(call)
{
	int i;

	/* Destroying first fails any call still waiting. */
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
	close(self->fd2);
}

static inline void add_kid(FIXTURE_DATA(call) *self, pid_t pid)
{
	if (pid > 0 && self->nkids < (int)MB_ARRAY_SIZE(self->kids))
		self->kids[self->nkids++] = pid;
}

/* The caller spec most tests start from: @text to the fixture's mailbox. */
static inline struct call_spec call_to(FIXTURE_DATA(call) *self,
				       const char *text)
{
	struct call_spec cs = {
		.name = self->name, .fd = -1, .buf = text,
		.len = (unsigned int)strlen(text), .reply_buf_len = 64,
		.sigpipe = -1,
	};

	return cs;
}

/*
 * Starts a caller child and waits until it is about to call; its pid, or
 * -1. *@rfd gets its report pipe.
 */
static inline pid_t start_call(FIXTURE_DATA(call) *self,
			       const struct call_spec *cs, int *rfd)
{
	pid_t pid = call_spawn(cs, rfd);

	if (pid <= 0)
		return -1;
	add_kid(self, pid);
	if (!call_started(*rfd))
		return -1;
	return pid;
}

/* Reaps a child started by the test itself and forgets it. */
static inline int reap_kid(FIXTURE_DATA(call) *self, pid_t pid)
{
	int i, status = mb_wait_exit(pid);

	for (i = 0; i < self->nkids; i++)
		if (self->kids[i] == pid)
			self->kids[i] = self->kids[--self->nkids];
	return status;
}

#endif /* _MSGBOX_CALL_FIXTURE_H */
