// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq conformance: mq_open(): attributes, sharing, the
 * _FORTIFY_SOURCE entry, O_EXCL, name rules and lengths, invalid
 * attributes, access modes, O_NONBLOCK, close-on-exec, permissions.
 */
#include "mq_fixture.h"

TEST_F(mq, open_default_attr)
{
	char name[80];
	struct mq_attr a;
	mqd_t q;

	snprintf(name, sizeof(name), "%s-d", self->name);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q) TH_LOG("mq_open: %s", strerror(errno));
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(10, a.mq_maxmsg);
	EXPECT_EQ(8192, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

TEST_F(mq, open_given_attr)
{
	struct mq_attr a;

	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
}

TEST_F(mq, open_existing_shares_queue)
{
	char buf[Q_MSGSIZE];
	mqd_t q2;

	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_send(self->q, "shared", 6, 3));
	EXPECT_EQ(6, mq_receive(q2, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "shared", 6));
	EXPECT_EQ(0, mq_close(q2));
}

TEST_F(mq, open_fortify_entry)
{
	char name[80];
	mqd_t q2;

	q2 = __mq_open_2(self->name, O_WRONLY);
	ASSERT_LE(0, q2) TH_LOG("__mq_open_2: %s", strerror(errno));
	EXPECT_EQ(0, mq_send(q2, "f", 1, 0));
	mq_close(q2);
	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, __mq_open_2(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, open_excl_exists)
{
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mq, open_missing)
{
	char name[80];

	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, open_excl_without_creat_is_ignored)
{
	mqd_t q2 = mq_open(self->name, O_RDWR | O_EXCL);

	EXPECT_LE(0, q2) TH_LOG("mq_open: %s", strerror(errno));
	mq_close(q2);
}

TEST_F(mq, open_name_rules)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "noslash", EINVAL },
		{ "", EINVAL },
		{ "/", ENOENT },
		{ "/a/b", EACCES },
		{ "//a", EACCES },
		{ "/a/", EACCES },
		{ "/.", EACCES },
		{ "/..", EACCES },
	};
	unsigned int i;

	for (i = 0; i < MQT_ARRAY_SIZE(cases); i++) {
		errno = 0;
		EXPECT_EQ(-1, mq_open(cases[i].name, O_RDWR | O_CREAT, 0600, NULL))
			TH_LOG("name \"%s\"", cases[i].name);
		EXPECT_EQ(cases[i].err, errno) TH_LOG("name \"%s\": %s",
						       cases[i].name, strerror(errno));
		errno = 0;
		EXPECT_EQ(-1, mq_unlink(cases[i].name));
		EXPECT_EQ(cases[i].err, errno) TH_LOG("unlink \"%s\": %s",
						       cases[i].name, strerror(errno));
	}
}

TEST_F(mq, open_name_length)
{
	char name[300];
	mqd_t q;

	name[0] = '/';
	memset(name + 1, 'n', 256);
	name[257] = '\0';
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, NULL));
	EXPECT_EQ(ENAMETOOLONG, errno);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(ENAMETOOLONG, errno);

	name[256] = '\0';	/* 255 bytes after the '/' */
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q) TH_LOG("mq_open of 255 bytes: %s", strerror(errno));
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

TEST_F(mq, open_attr_invalid)
{
	static const struct mq_attr bad[] = {
		{ .mq_maxmsg = 0, .mq_msgsize = 64 },
		{ .mq_maxmsg = -1, .mq_msgsize = 64 },
		{ .mq_maxmsg = 4, .mq_msgsize = 0 },
		{ .mq_maxmsg = 4, .mq_msgsize = -5 },
		{ .mq_maxmsg = LONG_MAX, .mq_msgsize = 64 },
		{ .mq_maxmsg = 4, .mq_msgsize = LONG_MAX },
		{ .mq_maxmsg = 0x100000001L, .mq_msgsize = 64 },
	};
	char name[80];
	unsigned int i;

	snprintf(name, sizeof(name), "%s-bad", self->name);
	for (i = 0; i < MQT_ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &bad[i]))
			TH_LOG("case %u", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u: %s", i, strerror(errno));
	}
	/* Nothing was created. */
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

/* Linux checks the attributes only when it creates the queue. */
TEST_F(mq, open_attr_invalid_existing)
{
	struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 0 };
	struct mq_attr a;
	mqd_t q2;

	q2 = mq_open(self->name, O_RDWR | O_CREAT, 0600, &bad);
	ASSERT_LE(0, q2) TH_LOG("mq_open: %s", strerror(errno));
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	mq_close(q2);

	/* Existence is checked first: O_EXCL still says EEXIST. */
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, &bad));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mq, open_accmode_invalid)
{
	EXPECT_EQ(-1, mq_open(self->name, O_ACCMODE));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mq, open_access_modes)
{
	char buf[Q_MSGSIZE];
	mqd_t r, w;

	r = mq_open(self->name, O_RDONLY);
	w = mq_open(self->name, O_WRONLY);
	ASSERT_LE(0, r);
	ASSERT_LE(0, w);

	EXPECT_EQ(-1, mq_send(r, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_receive(w, buf, sizeof(buf), NULL));
	EXPECT_EQ(EBADF, errno);
	/* EBADF comes before EMSGSIZE. */
	EXPECT_EQ(-1, mq_receive(w, buf, 1, NULL));
	EXPECT_EQ(EBADF, errno);

	EXPECT_EQ(0, mq_send(w, "x", 1, 0));
	EXPECT_EQ(1, mq_receive(r, buf, sizeof(buf), NULL));
	mq_close(r);
	mq_close(w);
}

TEST_F(mq, open_nonblock)
{
	char buf[Q_MSGSIZE];
	struct mq_attr a;
	mqd_t q2;

	q2 = mq_open(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(-1, mq_receive(q2, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
	mq_close(q2);
}

TEST_F(mq, open_cloexec)
{
	int fl = fcntl(self->q, F_GETFD);

	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & FD_CLOEXEC);
}

static int open_rd(const char *name)
{
	return mq_open(name, O_RDONLY) < 0 ? -1 : 0;
}

static int open_wr(const char *name)
{
	return mq_open(name, O_WRONLY) < 0 ? -1 : 0;
}

TEST_F(mq, open_permission)
{
	char name[80];
	mqd_t q;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to nobody");

	/* 0600, owned by root. */
	EXPECT_EQ(EACCES, as_nobody(self->name, open_rd));
	EXPECT_EQ(EACCES, as_nobody(self->name, open_wr));

	/* 0644 (umask 0): nobody may read, not write. */
	snprintf(name, sizeof(name), "%s-644", self->name);
	umask(0);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0644, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, as_nobody(name, open_rd));
	EXPECT_EQ(EACCES, as_nobody(name, open_wr));
	mq_close(q);
	mq_unlink(name);

	/* The umask applies: 0666 under 077 is 0600. */
	snprintf(name, sizeof(name), "%s-umask", self->name);
	umask(077);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0666, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(EACCES, as_nobody(name, open_rd));
	mq_close(q);
	mq_unlink(name);
}

TEST_HARNESS_MAIN
