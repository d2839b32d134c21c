// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox blocking tests: O_NONBLOCK, blocking send and receive woken by a
 * peer, signals (EINTR and SA_RESTART) and deadlines.
 */
#include "block_fixture.h"

TEST_F(blk, nonblock_at_open)
{
	char buf[8];

	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, msgbox_send(self->nb, "1", 1, 0));
	EXPECT_EQ(0, msgbox_send(self->nb, "2", 1, 0));
	EXPECT_EQ(-EAGAIN, msgbox_send(self->nb, "3", 1, 0));
	EXPECT_EQ(-EAGAIN, mb_raw_send(self->nb, "3", 1, 0));
	EXPECT_EQ(BLK_CAP, mb_msgs(self->nb));
	EXPECT_EQ(1, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ('1', buf[0]);
	EXPECT_EQ(0, msgbox_send(self->nb, "3", 1, 0));
}

TEST_F(blk, nonblock_via_fcntl)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_TIMEOUT, .timeout = { 0, 100000000L },
	};
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 0, 100000000L },
	};
	char buf[8];
	int fl;

	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fl & O_NONBLOCK);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	EXPECT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	EXPECT_EQ(-EAGAIN, msgbox_send(self->fd, "3", 1, 0));

	/* Blocking again: it waits (until the timeout) instead. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl & ~O_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, msgbox_sendx(self->fd, "3", 1, &so, NULL));
	EXPECT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(self->fd, buf, sizeof(buf), &ro,
					   NULL));
}

TEST_F(blk, recv_woken_by_send)
{
	struct cspec cs = { .op = CO_RECV, .fd = self->fd, .sigpipe = -1 };
	struct msgbox_stat_args st;
	struct res r;
	int rfd;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	EXPECT_TRUE(still_blocked(rfd, 50));

	ASSERT_EQ(0, msgbox_send(self->fd, "wake", 4, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(4, r.ret);
	EXPECT_EQ(0, memcmp(r.data, "wake", 4));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.waiting_receivers);
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.received);
	close(rfd);
}

/*
 * A new message wakes one blocked receiver, the longest waiting. When
 * that one cannot take it (its buffer is too small), the wake-up passes on
 * to the next, which gets the message; nothing waits on a queued message.
 * Both must be asleep first: a receiver still polling before it sleeps
 * (counted as waiting) takes a message it sees, and the one woken then
 * finds nothing and sleeps on.
 */
TEST_F(blk, wakeup_passes_on_to_next_receiver)
{
	int rfd[2], wfd[2], ret[2], i;
	unsigned int size[2] = { 4, 64 };
	char buf[64];
	pid_t pid[2];

	for (i = 0; i < 2; i++) {
		pid[i] = mb_fork(&rfd[i], &wfd[i]);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			memset(buf, 0, sizeof(buf));
			ret[i] = msgbox_recv(self->fd, buf, size[i], NULL);
			if (ret[i] == 10 && memcmp(buf, "ten bytes!", 10))
				ret[i] = -EPROTO;
			mb_write_all(wfd[i], &ret[i], sizeof(ret[i]));
			_exit(0);
		}
		self->kids[self->nkids++] = pid[i];
		ASSERT_EQ(0, mb_wait_waiters(self->fd, i + 1, 0));
		ASSERT_EQ(0, mb_wait_sleeping(pid[i]));
	}
	ASSERT_EQ(0, msgbox_send(self->fd, "ten bytes!", 10, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mb_read_all(rfd[i], &ret[i], sizeof(ret[i])));
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid[i])));
		close(rfd[i]);
	}
	self->nkids = 0;
	EXPECT_EQ(-EMSGSIZE, ret[0]);
	EXPECT_EQ(10, ret[1]);
	EXPECT_EQ(0, mb_msgs(self->fd));
}

TEST_F(blk, send_woken_by_recv)
{
	struct cspec cs = {
		.op = CO_SEND, .fd = self->fd, .data = "m2", .len = 2,
		.sigpipe = -1,
	};
	struct msgbox_stat_args st;
	struct res r;
	char buf[8];
	int rfd;
	pid_t pid;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	EXPECT_TRUE(still_blocked(rfd, 50));

	ASSERT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m0", 2));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(0, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.waiting_senders);
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m1", 2));
	EXPECT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m2", 2));
	close(rfd);
}

TEST_F(blk, recv_eintr)
{
	struct cspec cs = {
		.op = CO_RECV, .fd = self->fd, .sig = CS_NORESTART,
		.sigpipe = -1, .twice = 1,
	};
	struct msgbox_stat_args st;
	struct res r;
	int rfd;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(-EINTR, r.ret);

	/* Blocked again; exactly one message reaches it, once. */
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "after", 5, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(5, r.ret);
	EXPECT_EQ(0, memcmp(r.data, "after", 5));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.sent);
	EXPECT_EQ(1U, st.received);
	EXPECT_EQ(0U, st.waiting_receivers);
	close(rfd);
}

TEST_F(blk, send_eintr)
{
	struct cspec cs = {
		.op = CO_SEND, .fd = self->fd, .data = "xx", .len = 2,
		.sig = CS_NORESTART, .sigpipe = -1,
	};
	struct msgbox_stat_args st;
	struct res r;
	char buf[8];
	int rfd;
	pid_t pid;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(-EINTR, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));

	/* The interrupted message was not queued. */
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(2U, st.sent);
	EXPECT_EQ(0U, st.waiting_senders);
	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m0", 2));
	EXPECT_EQ(2, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m1", 2));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	close(rfd);
}

TEST_F(blk, recv_sa_restart)
{
	struct cspec cs = {
		.op = CO_RECV, .fd = self->fd, .sig = CS_RESTART,
	};
	struct res r;
	int rfd, sp[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(sp));
	cs.sigpipe = sp[1];
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	close(sp[1]);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	/* The handler ran ... */
	ASSERT_EQ(0, mb_read_all(sp[0], &c, 1));
	/* ... and the receive went back to sleep instead of failing. */
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	EXPECT_TRUE(still_blocked(rfd, 100));
	ASSERT_EQ(0, msgbox_send(self->fd, "r", 1, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(1, r.ret);
	EXPECT_EQ('r', r.data[0]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	EXPECT_EQ(0, mb_msgs(self->fd));
	close(sp[0]);
	close(rfd);
}

TEST_F(blk, send_sa_restart)
{
	struct cspec cs = {
		.op = CO_SEND, .fd = self->fd, .data = "m2", .len = 2,
		.sig = CS_RESTART,
	};
	struct res r;
	char buf[8];
	int rfd, sp[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	ASSERT_EQ(0, pipe(sp));
	cs.sigpipe = sp[1];
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	close(sp[1]);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, mb_read_all(sp[0], &c, 1));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 0, 1));
	EXPECT_TRUE(still_blocked(rfd, 100));
	EXPECT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(0, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	/* Queued exactly once, after m1. */
	EXPECT_EQ(2, mb_msgs(self->fd));
	EXPECT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m1", 2));
	EXPECT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "m2", 2));
	close(sp[0]);
	close(rfd);
}

TEST_F(blk, recv_deadline)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 0, 200000000L },
	};
	struct msgbox_recv_args r;
	uint64_t start, ms;
	char buf[8];

	start = mb_now_ns();
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(self->fd, buf, sizeof(buf), &ro,
					   NULL));
	ms = mb_ms_since(start);
	EXPECT_LE(195U, ms);
	EXPECT_GT(5000U, ms);

	/* Raw: absolute CLOCK_MONOTONIC deadline 150 ms ahead. */
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_DEADLINE;
	start = mb_now_ns();
	r.deadline_ns = start + 150000000ULL;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	ms = mb_ms_since(start);
	EXPECT_LE(145U, ms);
	EXPECT_GT(5000U, ms);

	/* A deadline already past fails at once when it would block ... */
	r.deadline_ns = 1;
	start = mb_now_ns();
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_GT(2000U, mb_ms_since(start));
	/* ... and does not matter when a message is there. */
	ASSERT_EQ(0, msgbox_send(self->fd, "d", 1, 0));
	EXPECT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
}

TEST_F(blk, send_deadline)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_TIMEOUT, .timeout = { 0, 200000000L },
	};
	struct msgbox_stat_args st;
	struct msgbox_send_args s;
	uint64_t start, ms;
	char buf[8];

	ASSERT_EQ(0, msgbox_send(self->fd, "m0", 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "m1", 2, 0));
	start = mb_now_ns();
	EXPECT_EQ(-ETIMEDOUT, msgbox_sendx(self->fd, "m2", 2, &so, NULL));
	ms = mb_ms_since(start);
	EXPECT_LE(195U, ms);
	EXPECT_GT(5000U, ms);

	mb_send_args(&s, "m3", 2, 0);
	s.flags = MSGBOX_SEND_DEADLINE;
	s.deadline_ns = 1;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(2U, st.sent);

	/* With room, a past deadline does not matter. */
	ASSERT_EQ(2, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(2, mb_msgs(self->fd));
}

/* A child sends once the parent is blocked in a receive with a deadline. */
TEST_F(blk, deadline_receive_succeeds_in_time)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 8, 0 },
	};
	struct msgbox_msg_info mi;
	uint64_t start;
	char buf[8];
	int rfd, wfd, ret;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ret = mb_wait_waiters(self->fd, 1, 0);
		if (!ret)
			ret = msgbox_send(self->fd, "late", 4, 0);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	self->kids[self->nkids++] = pid;
	start = mb_now_ns();
	EXPECT_EQ(4, msgbox_recvx(self->fd, buf, sizeof(buf), &ro, &mi));
	EXPECT_GT(8000U, mb_ms_since(start));
	EXPECT_EQ(pid, mi.pid);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(0, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
}

TEST_HARNESS_MAIN
