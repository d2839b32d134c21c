// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_unlink(): the name goes, the mailbox stays for the descriptors
 * open on it until the last is closed, the name is free at once; and each
 * error the call documents.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sys/wait.h>

#include <msgbox.h>

FIXTURE(unlink_name) {
	char name[128];
};

FIXTURE_SETUP(unlink_name)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(unlink_name)
{
	mb_destroy_name(self->name);
}

TEST_F(unlink_name, descriptors_keep_working)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 64 };
	struct msgbox_stat_args st;
	char buf[64];
	int rd, wr;

	rd = msgbox_create(self->name, &attr, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, rd);
	wr = msgbox_open(self->name, O_WRONLY, NULL);
	ASSERT_LE(0, wr);
	ASSERT_EQ(0, msgbox_send(wr, "before", 6, 0));

	EXPECT_EQ(0, msgbox_unlink(self->name));
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));

	/* The queued message survived and both ends still work. */
	EXPECT_EQ(0, msgbox_stat(rd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(4U, st.capacity);
	EXPECT_EQ(64U, st.max_msg_size);
	EXPECT_EQ(6, msgbox_recv(rd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "before", 6));
	EXPECT_EQ(0, msgbox_send(wr, "after", 5, 0));
	EXPECT_EQ(5, msgbox_recv(rd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "after", 5));
	EXPECT_EQ(-EAGAIN, msgbox_recv(rd, buf, sizeof(buf), NULL));

	/* The mailbox has no name any more: it cannot be unlinked again. */
	EXPECT_EQ(-ENOENT, msgbox_unlink(self->name));
	EXPECT_EQ(-EIDRM, msgbox_destroy_fd(rd));
	EXPECT_EQ(0, msgbox_close(wr));
	EXPECT_EQ(0, msgbox_close(rd));
}

TEST_F(unlink_name, name_reusable_at_once)
{
	struct msgbox_attr small = { .capacity = 2, .max_msg_size = 32 };
	struct msgbox_attr big = { .capacity = 8, .max_msg_size = 256 };
	struct msgbox_stat_args st;
	char buf[256];
	int old, new;

	old = msgbox_create(self->name, &small, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, msgbox_send(old, "old", 3, 0));
	ASSERT_EQ(0, msgbox_unlink(self->name));

	/* A new mailbox under the same name shares nothing with the old. */
	new = msgbox_create(self->name, &big, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, new);
	EXPECT_EQ(0, msgbox_stat(new, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(8U, st.capacity);
	EXPECT_EQ(256U, st.max_msg_size);
	EXPECT_EQ(-EAGAIN, msgbox_recv(new, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, msgbox_send(new, "new", 3, 0));

	EXPECT_EQ(3, msgbox_recv(old, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "old", 3));
	EXPECT_EQ(-EAGAIN, msgbox_recv(old, buf, sizeof(buf), NULL));
	EXPECT_EQ(3, msgbox_recv(new, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "new", 3));

	EXPECT_EQ(0, msgbox_close(old));
	EXPECT_EQ(0, msgbox_unlink(self->name));
	EXPECT_EQ(0, msgbox_close(new));
}

TEST_F(unlink_name, blocked_receiver_not_woken)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 64 };
	int rfd, wfd, fd, status, got;
	char buf[64];
	pid_t pid;

	fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		got = msgbox_recv(fd, buf, sizeof(buf), NULL);
		mb_write_all(wfd, &got, sizeof(got));
		_exit(0);
	}
	ASSERT_EQ(0, mb_wait_waiters(fd, 1, 0));
	EXPECT_EQ(0, msgbox_unlink(self->name));
	/* Still asleep: an unlink is no destroy, nobody gets EIDRM. */
	EXPECT_EQ(0, mb_readable(rfd, 200));
	EXPECT_EQ(0, msgbox_send(fd, "late", 4, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &got, sizeof(got)));
	EXPECT_EQ(4, got);
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status));
	close(rfd);
	EXPECT_EQ(0, msgbox_close(fd));
}

TEST_F(unlink_name, missing_enoent)
{
	int fd;

	EXPECT_EQ(-ENOENT, msgbox_unlink(self->name));
	fd = msgbox_create(self->name, NULL, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, msgbox_unlink(self->name));
	EXPECT_EQ(-ENOENT, msgbox_unlink(self->name));
	/* A destroyed mailbox has no name either. */
	EXPECT_EQ(-ENOENT, msgbox_destroy(self->name));
	EXPECT_EQ(0, msgbox_close(fd));

	fd = msgbox_create(self->name, NULL, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-ENOENT, msgbox_unlink(self->name));
	EXPECT_EQ(0, msgbox_close(fd));
}

TEST_F(unlink_name, bad_names)
{
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/abs", "a b", "tab\there", "del\x7f",
		"nl\n",
	};
	char longest[MSGBOX_NAME_MAX + 2];
	unsigned int i;

	EXPECT_EQ(-EINVAL, msgbox_unlink(NULL));
	for (i = 0; i < MB_ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, msgbox_unlink(bad[i]))
			TH_LOG("name #%u", i);

	/* MSGBOX_NAME_MAX bytes is a name; one more is too long. */
	memset(longest, 'n', sizeof(longest));
	longest[MSGBOX_NAME_MAX] = '\0';
	EXPECT_EQ(-ENOENT, msgbox_unlink(longest));
	longest[MSGBOX_NAME_MAX] = 'n';
	longest[MSGBOX_NAME_MAX + 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, msgbox_unlink(longest));

	EXPECT_EQ(-EFAULT, msgbox_unlink(mb_unmapped()));
}

/* Another user's mailbox: -EPERM, and nothing changes. */
TEST_F(unlink_name, other_user_eperm)
{
	int rfd, wfd, fd, status, ret;
	mode_t old;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "switching to another user needs root");
	old = umask(0);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	/* Open to everyone: the owner alone may still remove the name. */
	ASSERT_EQ(0, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE, 4, 64,
				 0666));
	umask(old);

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		ret = msgbox_unlink(self->name);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status));
	close(rfd);
	EXPECT_EQ(-EPERM, ret);

	/* The name is still there, and its owner may remove it. */
	ret = msgbox_open(self->name, O_RDONLY, NULL);
	EXPECT_LE(0, ret);
	if (ret >= 0)
		close(ret);
	EXPECT_EQ(0, msgbox_unlink(self->name));
	close(fd);
}

/* CAP_IPC_OWNER may remove the name of a mailbox it does not own. */
TEST_F(unlink_name, cap_ipc_owner_may)
{
	int rfd, wfd, status, ret;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "switching to another user needs root");
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		/* A named mailbox outlives its creator's descriptors. */
		ret = msgbox_create(self->name, NULL, O_RDWR);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status));
	close(rfd);
	ASSERT_LE(0, ret);
	EXPECT_EQ(0, msgbox_unlink(self->name));
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDONLY, NULL));
}

TEST_HARNESS_MAIN
