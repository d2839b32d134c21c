/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the multi-process tests' mailbox
 *
 * msgbox_mp_test and msgbox_port_test share this fixture: a mailbox of 8
 * messages of 64 bytes, a second name for tests that need one, and the
 * children a test starts, killed and reaped in teardown.
 */
#ifndef _MSGBOX_MP_FIXTURE_H
#define _MSGBOX_MP_FIXTURE_H

#include "msgbox_util.h"

#include <msgbox.h>

FIXTURE(mp) {
	int fd;			/* O_RDWR, blocking */
	char name[128];
	char name2[160];
	pid_t kids[8];
	int nkids;
};

FIXTURE_SETUP(mp)
{
	struct msgbox_attr attr = { .capacity = 8, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mp)
{
	int i;

	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
}

static inline void add_kid(FIXTURE_DATA(mp) *self, pid_t pid)
{
	if (pid > 0 && self->nkids < (int)MB_ARRAY_SIZE(self->kids))
		self->kids[self->nkids++] = pid;
}

#endif /* _MSGBOX_MP_FIXTURE_H */
