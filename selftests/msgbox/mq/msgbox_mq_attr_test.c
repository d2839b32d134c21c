// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq conformance: mq_getattr(), mq_setattr(), mq_close() and
 * mq_unlink().
 */
#include "mq_fixture.h"

TEST_F(mq, getattr_curmsgs)
{
	char buf[Q_MSGSIZE];
	struct mq_attr a;

	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(2, a.mq_curmsgs);
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
}

TEST_F(mq, setattr_nonblock)
{
	struct mq_attr set = { .mq_flags = O_NONBLOCK }, old, a;
	char buf[Q_MSGSIZE];

	memset(&old, 0xa5, sizeof(old));
	ASSERT_EQ(0, mq_setattr(self->q, &set, &old));
	/* The old attributes come back. */
	EXPECT_EQ(0, old.mq_flags);
	EXPECT_EQ(Q_MAXMSG, old.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, old.mq_msgsize);
	EXPECT_EQ(0, old.mq_curmsgs);

	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(-1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);

	set.mq_flags = 0;
	ASSERT_EQ(0, mq_setattr(self->q, &set, &old));
	EXPECT_EQ(O_NONBLOCK, old.mq_flags);
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(0, a.mq_flags);
}

TEST_F(mq, setattr_ignores_other_fields)
{
	struct mq_attr set = { .mq_flags = 0, .mq_maxmsg = 99,
			       .mq_msgsize = 99, .mq_curmsgs = 99 };
	struct mq_attr a;

	ASSERT_EQ(0, mq_setattr(self->q, &set, NULL));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
}

TEST_F(mq, setattr_invalid_flags)
{
	struct mq_attr set = { .mq_flags = O_NONBLOCK | O_APPEND };
	struct mq_attr a;

	EXPECT_EQ(-1, mq_setattr(self->q, &set, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Checked before the descriptor. */
	EXPECT_EQ(-1, mq_setattr(-1, &set, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing changed. */
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(0, a.mq_flags);
}

/* ---- mq_close / mq_unlink --------------------------------------------- */

TEST_F(mq, close_then_ebadf)
{
	struct mq_attr a;
	mqd_t q = self->q;

	self->q = -1;
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(-1, mq_getattr(q, &a));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_close(q));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(mq, unlink_missing)
{
	char name[80];

	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mq_unlink(self->name));
	EXPECT_EQ(-1, mq_unlink(self->name));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, unlink_then_recreate)
{
	struct mq_attr a;
	mqd_t q2;

	ASSERT_EQ(0, mq_send(self->q, "old", 3, 0));
	ASSERT_EQ(0, mq_unlink(self->name));
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);

	/* The name is free at once, for a new, empty queue. */
	q2 = mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(0, a.mq_curmsgs);
	mq_close(q2);
}

static int unlink_it(const char *name)
{
	return mq_unlink(name);
}

TEST_F(mq, unlink_permission)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to switch to nobody");
	EXPECT_EQ(EACCES, as_nobody(self->name, unlink_it));
	/* Still there. */
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
}

/*
 * POSIX keeps an unlinked queue usable through open descriptors; msgbox
 * destroys the mailbox at once and the descriptors fail with EIDRM.
 */
TEST_F(mq, unlink_open_descriptor)
{
	char buf[Q_MSGSIZE];

	ASSERT_EQ(0, mq_send(self->q, "kept", 4, 0));
	ASSERT_EQ(0, mq_unlink(self->name));
	/* The name is gone at once... */
	EXPECT_EQ((mqd_t)-1, mq_open(self->name, O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	/* ...but the open queue works until it is closed. */
	EXPECT_EQ(4, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	/* Closing works either way. */
	EXPECT_EQ(0, mq_close(self->q));
	self->q = -1;
}

TEST_HARNESS_MAIN
