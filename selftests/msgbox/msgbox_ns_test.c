// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox isolation: sender PIDs translated across PID namespaces, and
 * per-user quotas that stop one unprivileged user's flood while another
 * user keeps working (root only: it changes users and namespaces).
 */
#include "msgbox_util.h"

#include <sched.h>
#include <sys/mount.h>

#include <msgbox.h>

#define UID_A	40001
#define UID_B	40002

FIXTURE(ns) {
	char name[128];
	int fd;
	unsigned int saved_mb;
	unsigned long long saved_bytes;
};

static int param_read(const char *name, unsigned long long *val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int param_write(const char *name, unsigned long long val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ok = fprintf(f, "%llu\n", val) > 0;
	return fclose(f) || !ok ? -EIO : 0;
}

FIXTURE_SETUP(ns)
{
	unsigned long long v;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("needs root to change users and namespaces");
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR, 16, 64);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, param_read("user_max_mailboxes", &v));
	self->saved_mb = (unsigned int)v;
	ASSERT_EQ(0, param_read("user_max_bytes", &self->saved_bytes));
}

FIXTURE_TEARDOWN(ns)
{
	param_write("user_max_mailboxes", self->saved_mb);
	param_write("user_max_bytes", self->saved_bytes);
	close(self->fd);
	mb_destroy_name(self->name);
}

/*
 * A process in a new PID namespace sends; the parent sees its PID as the
 * parent's namespace numbers it, not 1. The other way round, the parent is
 * not visible from inside, so the child sees sender PID 0.
 */
TEST_F(ns, pid_translated_across_pid_namespaces)
{
	struct msgbox_msg_info info;
	int rfd, wfd, res[3], status, inner, reply;
	char buf[16], back[160];
	pid_t mid, kid = -1;

	/* Replies go to a mailbox of their own: the child must not see its own. */
	snprintf(back, sizeof(back), "%s-back", self->name);
	reply = mb_new(back, O_RDWR, 4, 64);
	ASSERT_LE(0, reply);
	mid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, mid);
	if (mid == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(2);
		kid = fork();
		if (kid == 0) {
			int fd = msgbox_open(self->name, O_WRONLY, NULL);
			int bk = msgbox_open(back, O_RDONLY, NULL);
			struct msgbox_msg_info in;

			res[0] = getpid();		/* 1 inside */
			res[1] = fd < 0 ? fd : msgbox_send(fd, "in", 3, 0);
			/* Then wait for the parent's reply. */
			res[2] = bk < 0 ? bk :
				 msgbox_recvx(bk, buf, sizeof(buf), NULL, &in);
			if (res[2] > 0)
				res[2] = in.pid;
			mb_write_all(wfd, res, sizeof(res));
			_exit(0);
		}
		mb_write_all(wfd, &kid, sizeof(kid));
		waitpid(kid, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &inner, sizeof(inner)));
	ASSERT_LT(0, inner);
	/* The message from inside carries the outside number of the sender. */
	ASSERT_EQ(3, msgbox_recvx(self->fd, buf, sizeof(buf), NULL, &info));
	EXPECT_EQ(inner, info.pid);
	EXPECT_NE(1, info.pid);
	ASSERT_EQ(0, msgbox_send(reply, "out", 4, 0));
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(1, res[0]);
	EXPECT_EQ(0, res[1]);
	/* The parent is outside the child's namespace: PID 0. */
	EXPECT_EQ(0, res[2]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(mid)));
	close(rfd);
	close(reply);
	mb_destroy_name(back);
}

/* Run @fn as @uid (no capabilities left) in a child; its result. */
static int as_user(uid_t uid, int (*fn)(const char *), const char *arg)
{
	int rfd, wfd, ret = -ECHILD;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		ret = setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ?
		      -EPERM : fn(arg);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	mb_read_all(rfd, &ret, sizeof(ret));
	mb_wait_exit(pid);
	close(rfd);
	return ret;
}

/* Create mailboxes until the quota stops it: how many, or -errno. */
static int flood(const char *prefix)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 16 };
	char n[200];
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(n, sizeof(n), "%s-%d", prefix, i);
		fd = msgbox_create(n, &attr, O_RDWR);
		if (fd == -EDQUOT)
			return i;
		if (fd < 0)
			return fd;
		close(fd);	/* the mailbox stays */
	}
	return -E2BIG;	/* never stopped */
}

/* Another user's ordinary work: create, send, receive, destroy. */
static int work(const char *prefix)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 16 };
	char n[200], buf[16];
	int fd, ret;

	snprintf(n, sizeof(n), "%s-work", prefix);
	fd = msgbox_create(n, &attr, O_RDWR);
	if (fd < 0)
		return fd;
	ret = msgbox_send(fd, "ok", 3, 0);
	if (!ret)
		ret = msgbox_recv(fd, buf, sizeof(buf), NULL) == 3 ? 0 : -EIO;
	close(fd);
	msgbox_destroy(n);
	return ret;
}

static int unflood(const char *prefix)
{
	char n[200];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(n, sizeof(n), "%s-%d", prefix, i);
		msgbox_destroy(n);
	}
	return 0;
}

TEST_F(ns, flood_stops_at_quota_other_user_works)
{
	char a[160], b[160];

	snprintf(a, sizeof(a), "%s-a", self->name);
	snprintf(b, sizeof(b), "%s-b", self->name);
	ASSERT_EQ(0, param_write("user_max_mailboxes", 5));
	/* User A floods: stopped at its quota with EDQUOT, not sooner. */
	EXPECT_EQ(5, as_user(UID_A, flood, a));
	/* User B is not affected by A's flood. */
	EXPECT_EQ(0, as_user(UID_B, work, b));
	/*
	 * Byte quota: mailboxes of 1 x 16 bytes cost 16 + 64 (the message
	 * header) each, so 800 bytes hold 10.
	 */
	ASSERT_EQ(0, as_user(UID_A, unflood, a));
	ASSERT_EQ(0, param_write("user_max_bytes",
				 10 * (16 + MSGBOX_QUOTA_HEADER)));
	ASSERT_EQ(0, param_write("user_max_mailboxes", 100));
	EXPECT_EQ(10, as_user(UID_A, flood, a));
	EXPECT_EQ(0, as_user(UID_B, work, b));
	as_user(UID_A, unflood, a);
}

TEST_HARNESS_MAIN
