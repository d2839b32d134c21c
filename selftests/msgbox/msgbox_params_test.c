// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox module parameters: lowered limits, max_mailboxes, and the per-user
 * quotas on mailboxes and queued bytes.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sched.h>

#include <msgbox.h>

/* Tests that change module parameters and restore them in teardown. */
FIXTURE(params) {
	char name[128];
	unsigned long saved[5];
	int have_saved[5];
	int nextra;
};

/* The first three are required, the per-user quotas optional. */
static const char * const param_names[] = {
	"max_mailboxes", "max_msg_size", "max_capacity",
	"user_max_mailboxes", "user_max_bytes",
};

FIXTURE_SETUP(params)
{
	unsigned int i;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("changing module parameters needs root");
	for (i = 0; i < MB_ARRAY_SIZE(param_names); i++) {
		if (!mb_param_read(param_names[i], &self->saved[i]))
			self->have_saved[i] = 1;
		else if (i < 3)
			MB_SETUP_SKIP("cannot read %s/%s", MB_PARAM_DIR,
				      param_names[i]);
	}
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(params)
{
	char name[160];
	unsigned int i;
	int n;

	for (i = 0; i < MB_ARRAY_SIZE(param_names); i++)
		if (self->have_saved[i])
			mb_param_write(param_names[i], self->saved[i]);
	mb_destroy_name(self->name);
	for (n = 0; n < self->nextra; n++) {
		snprintf(name, sizeof(name), "%s-%d", self->name, n);
		mb_destroy_name(name);
	}
}

TEST_F(params, lowered_limits)
{
	int fd;

	ASSERT_EQ(0, mb_param_write("max_msg_size", 4096));
	ASSERT_EQ(0, mb_param_write("max_capacity", 8));

	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				       4, 4097, 0600));
	EXPECT_EQ(-EINVAL, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				       9, 64, 0600));
	EXPECT_EQ(0, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				 8, 4096, 0600));
	close(fd);
	EXPECT_EQ(0, mb_destroy_name(self->name));

	/* Raising them again lets the larger mailbox be created. */
	ASSERT_EQ(0, mb_param_write("max_msg_size", 8192));
	ASSERT_EQ(0, mb_param_write("max_capacity", 16));
	fd = mb_new(self->name, O_RDWR, 16, 8192);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

TEST_F(params, max_mailboxes_enospc)
{
	const int limit = 8;
	char name[160];
	int fd, n, created = 0, full_at = -1;

	ASSERT_EQ(0, mb_param_write("max_mailboxes", limit));
	for (n = 0; n <= limit; n++) {
		snprintf(name, sizeof(name), "%s-%d", self->name, n);
		self->nextra = n + 1;
		fd = mb_new(name, O_RDWR, 1, 16);
		if (fd == -ENOSPC) {
			full_at = n;
			break;
		}
		ASSERT_LE(0, fd);
		close(fd);
		created++;
	}
	ASSERT_LT(0, created) TH_LOG("%d other mailboxes exist", limit);
	ASSERT_EQ(created, full_at) TH_LOG("no ENOSPC at the limit");

	/* Existing mailboxes can still be opened at the limit. */
	snprintf(name, sizeof(name), "%s-0", self->name);
	fd = msgbox_open(name, O_RDWR | O_CREAT, NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-ENOSPC, msgbox_create(self->name, NULL, O_RDWR));

	/* Destroying one frees a slot. */
	EXPECT_EQ(0, mb_destroy_name(name));
	fd = mb_new(name, O_RDWR, 1, 16);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s-%d", self->name, full_at);
	EXPECT_EQ(-ENOSPC, mb_new(name, O_RDWR, 1, 16));

	/* Raising the limit again allows more. */
	ASSERT_EQ(0, mb_param_write("max_mailboxes", self->saved[0]));
	fd = mb_new(name, O_RDWR, 1, 16);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

/* What an unprivileged user (uid/gid 65534) got when creating mailboxes. */
struct quota_report {
	int drop;
	int ret[6];
};

static void quota_drop(struct quota_report *r)
{
	r->drop = setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		  setresuid(65534, 65534, 65534);
}

TEST_F(params, user_quota_mailboxes)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 16 };
	struct quota_report r;
	char n[3][160];
	int rfd, wfd, fd, i, port;
	pid_t pid;

	if (!self->have_saved[3])
		SKIP(return, "no user_max_mailboxes parameter");
	for (i = 0; i < 3; i++)
		snprintf(n[i], sizeof(n[i]), "%s-%d", self->name, i);
	self->nextra = 3;
	ASSERT_EQ(0, mb_param_write("user_max_mailboxes", 2));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		for (i = 0; i < 3; i++) {
			fd = msgbox_create(n[i], &attr, O_RDWR);
			r.ret[i] = fd < 0 ? fd : 0;
			if (fd >= 0)
				close(fd);
		}
		port = msgbox_port(&attr, 0);
		r.ret[3] = port < 0 ? port : 0;
		r.ret[4] = msgbox_destroy(n[0]);
		fd = msgbox_create(n[2], &attr, O_RDWR);
		r.ret[5] = fd < 0 ? fd : 0;
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(0, r.ret[0]);
	EXPECT_EQ(0, r.ret[1]);
	EXPECT_EQ(-EDQUOT, r.ret[2]);
	EXPECT_EQ(-EDQUOT, r.ret[3]);	/* ports count too */
	EXPECT_EQ(0, r.ret[4]);
	EXPECT_EQ(0, r.ret[5]);		/* destroy gave the slot back */

	/* Root (CAP_SYS_RESOURCE) is not held to it. */
	for (i = 0; i < 3; i++) {
		snprintf(n[i], sizeof(n[i]), "%s-root%d", self->name, i);
		fd = mb_new(n[i], O_RDWR, 1, 16);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < 3; i++)
		mb_destroy_name(n[i]);
}

TEST_F(params, user_quota_bytes)
{
	struct msgbox_attr big = { .capacity = 4, .max_msg_size = 4096 };
	struct msgbox_attr one = { .capacity = 1, .max_msg_size = 1 };
	struct quota_report r;
	char n[2][160];
	int rfd, wfd, fd, i;
	pid_t pid;

	if (!self->have_saved[4])
		SKIP(return, "no user_max_bytes parameter");
	for (i = 0; i < 2; i++)
		snprintf(n[i], sizeof(n[i]), "%s-%d", self->name, i);
	self->nextra = 2;
	/* Each slot costs its largest message plus a 64-byte header. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes",
				    4 * (4096 + MSGBOX_QUOTA_HEADER)));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		fd = msgbox_create(n[0], &big, O_RDWR);	/* exactly the quota */
		r.ret[0] = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[1] = fd < 0 ? fd : 0;
		r.ret[2] = msgbox_destroy(n[0]);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[3] = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(0, r.ret[0]);
	EXPECT_EQ(-EDQUOT, r.ret[1]);
	EXPECT_EQ(0, r.ret[2]);
	EXPECT_EQ(0, r.ret[3]);
	mb_destroy_name(n[1]);

	/* 0 bytes: no unprivileged creation at all. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 0));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[0] = fd < 0 ? fd : 0;
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(-EDQUOT, r.ret[0]);
}

TEST_HARNESS_MAIN
