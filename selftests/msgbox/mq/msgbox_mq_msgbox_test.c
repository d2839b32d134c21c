// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq on msgbox: the queue is a mailbox, names, limits and
 * quotas from the module, and a destroyed mailbox under a SIGEV_THREAD
 * registration. Only for the msgbox build.
 */
#include "mq_fixture.h"

#if MQT_MSGBOX
/* The queue is the msgbox mailbox of the same name without the '/'. */
TEST_F(mq, msgbox_backing)
{
	struct msgbox_stat_args st;
	char buf[Q_MSGSIZE];
	unsigned int prio;
	int fd;

	fd = msgbox_open(self->name + 1, O_RDWR, NULL);
	ASSERT_LE(0, fd) TH_LOG("msgbox_open: %s", strerror(-fd));
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ((unsigned int)Q_MAXMSG, st.capacity);
	EXPECT_EQ((unsigned int)Q_MSGSIZE, st.max_msg_size);
	EXPECT_EQ(0600U, st.mode);

	ASSERT_EQ(0, msgbox_send(fd, "from-lib", 8, 1234));
	EXPECT_EQ(8, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(1234U, prio);
	EXPECT_EQ(0, memcmp(buf, "from-lib", 8));

	ASSERT_EQ(0, mq_send(self->q, "from-mq", 7, 3));
	EXPECT_EQ(7, msgbox_recv(fd, buf, sizeof(buf), &prio));
	EXPECT_EQ(3U, prio);
	msgbox_close(fd);
}

/* Names Linux allows but msgbox cannot hold: never exist, cannot be made. */
TEST_F(mq, msgbox_name_bytes)
{
	EXPECT_EQ(-1, mq_open("/a b", O_RDWR | O_CREAT, 0600, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mq_open("/a\tb", O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mq_unlink("/a b"));
	EXPECT_EQ(ENOENT, errno);
}

/* mq_close() leaves a descriptor that is no queue open. */
TEST_F(mq, msgbox_close_not_queue)
{
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-1, mq_close(pipefd[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_LE(0, fcntl(pipefd[0], F_GETFD));
	close(pipefd[0]);
	close(pipefd[1]);
}

static long param(const char *name)
{
	char path[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* The module parameters are the limits of mq_maxmsg and mq_msgsize. */
TEST_F(mq, msgbox_limits)
{
	long max_cap = param("max_capacity"), max_size = param("max_msg_size");
	struct mq_attr a;
	char name[80];
	mqd_t q;

	if (max_cap < 1 || max_size < 1)
		SKIP(return, "module parameters not readable");
	snprintf(name, sizeof(name), "%s-lim", self->name);

	a = (struct mq_attr){ .mq_maxmsg = max_cap, .mq_msgsize = 16 };
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, q) TH_LOG("maxmsg %ld: %s", max_cap, strerror(errno));
	mq_close(q);
	mq_unlink(name);

	a.mq_maxmsg = max_cap + 1;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
	a = (struct mq_attr){ .mq_maxmsg = 1, .mq_msgsize = max_size + 1 };
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
}

static int param_write(const char *name, long val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", val) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* Over the creator's msgbox quota: EMFILE, as Linux for RLIMIT_MSGQUEUE. */
TEST_F(mq, msgbox_user_quota)
{
	long old = param("user_max_mailboxes");
	char n1[80], n2[80];
	pid_t pid;

	if (geteuid() != 0 || old < 0)
		SKIP(return, "needs root and the user_max_mailboxes parameter");
	snprintf(n1, sizeof(n1), "%s-u1", self->name);
	snprintf(n2, sizeof(n2), "%s-u2", self->name);
	ASSERT_EQ(0, param_write("user_max_mailboxes", 1));
	pid = fork();
	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		if (setgid(65534) || setuid(65534))
			_exit(200);
		if (mq_open(n1, O_RDWR | O_CREAT, 0600, NULL) < 0)
			_exit(201);
		_exit(mq_open(n2, O_RDWR | O_CREAT, 0600, NULL) < 0 ? errno : 0);
	}
	EXPECT_EQ(EMFILE, mqt_wait_child(pid));
	EXPECT_EQ(0, param_write("user_max_mailboxes", old));
	mq_unlink(n1);
	mq_unlink(n2);
}
#endif /* MQT_MSGBOX */

TEST_HARNESS_MAIN
