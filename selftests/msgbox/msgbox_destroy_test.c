// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox destroy under blocked peers: who wakes and with what, what the
 * old descriptors see, a mailbox outliving its descriptors, and killed
 * waiters.
 */
#include "block_fixture.h"

/* After destroy the old descriptors only ever see EIDRM, without blocking. */
static void expect_stale(struct __test_metadata *_metadata, int fd)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 2, 0 },
	};
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_TIMEOUT, .timeout = { 2, 0 },
	};
	struct msgbox_stat_args st;
	char buf[8];

	EXPECT_EQ(-EIDRM, msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL));
	EXPECT_EQ(-EIDRM, msgbox_sendx(fd, "z", 1, &so, NULL));
	EXPECT_EQ(-EIDRM, msgbox_stat(fd, &st));
}

TEST_F(blk, destroy_wakes_receiver)
{
	struct cspec cs = { .op = CO_RECV, .fd = self->fd, .sigpipe = -1 };
	struct res r;
	char buf[8];
	int rfd, fd;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(-EIDRM, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	expect_stale(_metadata, self->fd);
	expect_stale(_metadata, self->nb);

	/* The name is free at once, for a new and empty mailbox. */
	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mb_msgs(fd));
	EXPECT_EQ(0, msgbox_send(fd, "new", 3, 0));
	EXPECT_EQ(-EIDRM, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(3, msgbox_recv(fd, buf, sizeof(buf), NULL));
	close(fd);
	close(rfd);
}

TEST_F(blk, destroy_wakes_sender)
{
	struct cspec cs = {
		.op = CO_SEND, .fd = self->fd, .data = "m2", .len = 2,
		.sigpipe = -1,
	};
	struct res r;
	int rfd;
	pid_t pid;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, msgbox_destroy_fd(self->nb));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(-EIDRM, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	expect_stale(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	close(rfd);
}

/*
 * A receiver and a sender blocked on the same mailbox at once: the mailbox
 * is full, and the receiver only takes messages from itself.
 */
TEST_F(blk, destroy_wakes_receiver_and_sender)
{
	struct cspec rs = {
		.op = CO_RECV_FROM_SELF, .fd = self->fd, .sigpipe = -1,
	};
	struct cspec ss = {
		.op = CO_SEND, .fd = self->fd, .data = "m2", .len = 2,
		.sigpipe = -1,
	};
	struct res r;
	int rrfd, srfd;
	pid_t rpid, spid;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	rpid = spawn(self, &rs, &rrfd);
	ASSERT_LT(0, rpid);
	spid = spawn(self, &ss, &srfd);
	ASSERT_LT(0, spid);
	ASSERT_TRUE(started(rrfd));
	ASSERT_TRUE(started(srfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 1));
	EXPECT_TRUE(still_blocked(rrfd, 50));
	EXPECT_TRUE(still_blocked(srfd, 0));

	ASSERT_EQ(0, msgbox_destroy(self->name));
	ASSERT_EQ(0, mb_read_all(rrfd, &r, sizeof(r)));
	EXPECT_EQ(-EIDRM, r.ret);
	ASSERT_EQ(0, mb_read_all(srfd, &r, sizeof(r)));
	EXPECT_EQ(-EIDRM, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(rpid)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(spid)));
	close(rrfd);
	close(srfd);
}

TEST_F(blk, destroy_discards_queued)
{
	char buf[8];
	int fd;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-EIDRM, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mb_msgs(fd));
	EXPECT_EQ(-EAGAIN, msgbox_recv(fd, buf, sizeof(buf), NULL));
	close(fd);
}

TEST_F(blk, mailbox_outlives_descriptors)
{
	struct msgbox_stat_args st;
	char buf[8];
	int fd;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 3));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 1));
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(0, close(self->nb));
	self->fd = self->nb = -1;

	fd = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(2U, st.sent);
	EXPECT_EQ((unsigned int)BLK_CAP, st.capacity);
	EXPECT_EQ(2, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m0", 2));
	EXPECT_EQ(2, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m1", 2));
	close(fd);
}

TEST_F(blk, sigkill_blocked_receiver)
{
	struct cspec cs = { .op = CO_RECV, .fd = self->fd, .sigpipe = -1 };
	char buf[8];
	int rfd, status;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = mb_wait_exit(pid);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(0, mb_wait_receivers_eq(self->fd, 0));

	/* The mailbox works, and the dead receiver took nothing. */
	EXPECT_EQ(0, msgbox_send(self->fd, "ok", 2, 0));
	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	close(rfd);
}

TEST_F(blk, sigkill_blocked_sender)
{
	struct cspec cs = {
		.op = CO_SEND, .fd = self->fd, .data = "xx", .len = 2,
		.sigpipe = -1,
	};
	struct msgbox_stat_args st;
	uint64_t start;
	char buf[8];
	int rfd, status;
	pid_t pid;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = mb_wait_exit(pid);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	start = mb_now_ns();
	do {
		ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	} while (st.waiting_senders && mb_ms_since(start) < MB_WAIT_MS);
	EXPECT_EQ(0U, st.waiting_senders);
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(2U, st.sent);

	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m0", 2));
	EXPECT_EQ(0, msgbox_send(self->nb, "m2", 2, 0));
	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m1", 2));
	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m2", 2));
	close(rfd);
}

TEST_HARNESS_MAIN
