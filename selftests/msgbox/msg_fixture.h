/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the message tests' mailbox
 *
 * msgbox_msg_test and msgbox_msgopt_test share this fixture: a mailbox of
 * MSG_CAP messages of at most MSG_MAX bytes, open O_RDWR | O_NONBLOCK, and
 * a second name for tests that need one.
 */
#ifndef _MSGBOX_MSG_FIXTURE_H
#define _MSGBOX_MSG_FIXTURE_H

#include "msgbox_util.h"

#include <msgbox.h>

#define MSG_CAP		16
#define MSG_MAX		4096

FIXTURE(msg) {
	int fd;			/* O_RDWR | O_NONBLOCK on name */
	char name[128];
	char name2[160];
};

FIXTURE_SETUP(msg)
{
	struct msgbox_attr attr = {
		.capacity = MSG_CAP, .max_msg_size = MSG_MAX, .mode = 0600,
	};

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(msg)
{
	close(self->fd);
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
}

#endif /* _MSGBOX_MSG_FIXTURE_H */
