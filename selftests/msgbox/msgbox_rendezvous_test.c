// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox rendezvous mailboxes (capacity 0) and acknowledged sends: a send
 * that completes only when a receiver took the message, and one withdrawn
 * when none does in time.
 */
#include <sched.h>

#include "block_fixture.h"

/* Capacity 0: a send completes only when a receiver takes the message. */
TEST_F(blk, rendezvous_blocking_send)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = 64 };
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 5, 0 },
	};
	struct cspec cs = { .op = CO_SEND, .data = "rv", .len = 2,
			    .sigpipe = -1 };
	struct msgbox_stat_args st;
	struct res r;
	char buf[8];
	int fd, rfd;
	pid_t pid;

	fd = msgbox_create(self->name2, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(0U, st.capacity);
	cs.fd = fd;
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	EXPECT_TRUE(still_blocked(rfd, 200));
	EXPECT_EQ(0, mb_wait_waiters(fd, 0, 1));

	EXPECT_EQ(2, msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL));
	EXPECT_EQ(0, memcmp(buf, "rv", 2));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(0, r.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.received);
	close(fd);
	close(rfd);
}

TEST_F(blk, rendezvous_nonblocking_send)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = 64 };
	struct cspec cs = { .op = CO_RECV, .sigpipe = -1 };
	struct res r;
	int fd, nb, rfd;
	pid_t pid;

	fd = msgbox_create(self->name2, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	nb = msgbox_open(self->name2, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, nb);

	/* Nobody waiting: nowhere to put it. */
	EXPECT_EQ(-EAGAIN, msgbox_send(nb, "no", 2, 0));
	EXPECT_EQ(0, mb_msgs(nb));

	cs.fd = fd;
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(fd, 1, 0));
	EXPECT_EQ(0, msgbox_send(nb, "yes", 3, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(3, r.ret);
	EXPECT_EQ(0, memcmp(r.data, "yes", 3));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));

	/* The receiver is gone again. */
	EXPECT_EQ(-EAGAIN, msgbox_send(nb, "no", 2, 0));
	close(nb);
	close(fd);
	close(rfd);
}

/*
 * Capacity 0 queues nothing: a non-blocking receive finds nothing, and a
 * blocking one with a deadline waits it out when no sender comes.
 */
TEST_F(blk, rendezvous_empty_receive)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = 64 };
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 0, 100000000L },
	};
	struct msgbox_stat_args st;
	char buf[8];
	int fd, nb;

	fd = msgbox_create(self->name2, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	nb = msgbox_open(self->name2, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, nb);
	EXPECT_EQ(-EAGAIN, msgbox_recv(nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL));
	/* A receiver that gave up no longer counts as waiting. */
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(0U, st.waiting_receivers);
	EXPECT_EQ(-EAGAIN, msgbox_send(nb, "x", 1, 0));
	close(nb);
	close(fd);
}

TEST_F(blk, ack_send_delivered)
{
	struct cspec cs = {
		.op = CO_SEND_ACK, .fd = self->fd, .data = "ack", .len = 3,
		.sigpipe = -1, .timeout_ms = 8000,
	};
	struct res r;
	char buf[8];
	int rfd;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_msgs(self->fd, 1));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	/* Queued, but the sender waits for a receiver. */
	EXPECT_TRUE(still_blocked(rfd, 200));
	EXPECT_EQ(3, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "ack", 3));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(1, r.delivered);
	EXPECT_GT(8000U, r.ms);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
}

TEST_F(blk, ack_send_raw_result)
{
	struct msgbox_send_args s;
	int rfd, wfd, ret;
	char buf[8];
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ret = mb_wait_msgs(self->fd, 1);
		if (!ret)
			ret = msgbox_recv(self->nb, buf, sizeof(buf), NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	self->kids[self->nkids++] = pid;
	mb_send_args(&s, "raw", 3, 0);
	s.flags = MSGBOX_SEND_ACK | MSGBOX_SEND_DEADLINE;
	s.deadline_ns = mb_now_ns() + 8000000000ULL;
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(MSGBOX_SENT_DELIVERED, s.result & MSGBOX_SENT_DELIVERED);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(3, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
}

TEST_F(blk, ack_timeout_withdrawn)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_ACK | MSGBOX_SO_TIMEOUT,
		.timeout = { 0, 200000000L },
	};
	struct msgbox_send_info si;
	struct msgbox_send_args s;
	uint64_t start, ms;
	char buf[8];

	start = mb_now_ns();
	EXPECT_EQ(-ETIMEDOUT, msgbox_sendx(self->fd, "gone", 4, &so, &si));
	ms = mb_ms_since(start);
	EXPECT_LE(195U, ms);
	EXPECT_GT(5000U, ms);
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));

	mb_send_args(&s, "gone2", 5, 0);
	s.flags = MSGBOX_SEND_ACK | MSGBOX_SEND_DEADLINE;
	s.deadline_ns = mb_now_ns() + 100000000ULL;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	/* The slot is free again. */
	EXPECT_EQ(0, msgbox_send(self->nb, "a", 1, 0));
	EXPECT_EQ(0, msgbox_send(self->nb, "b", 1, 0));
}

TEST_F(blk, ack_eintr_withdrawn)
{
	struct cspec cs = {
		.op = CO_SEND_ACK, .fd = self->fd, .data = "int", .len = 3,
		.sig = CS_NORESTART, .sigpipe = -1,
	};
	struct res r;
	char buf[8];
	int rfd;
	pid_t pid;

	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_msgs(self->fd, 1));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(-EINTR, r.ret);
	EXPECT_EQ(0, r.delivered);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
}

/* Runs the calling process on CPU 0 only. */
static int on_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * O_NONBLOCK never waits for another process: a non-blocking acknowledged
 * send is acknowledged only if its message is delivered within the call.
 * With a receiver blocked on the same CPU, a queued message is not taken
 * before the sender looks (the wake-up does not preempt it): withdrawn,
 * EAGAIN, and the receiver goes on waiting; without acknowledgment the
 * same send is taken by that receiver. A message of 2 KiB or more, copied
 * straight into a waiting receiver's buffer, is delivered within the call.
 */
TEST_F(blk, ack_nonblocking_only_within_the_call)
{
	struct msgbox_attr attr = { .capacity = 2, .max_msg_size = 4096 };
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_ACK };
	struct cspec cs = { .op = CO_RECV, .fd = self->fd, .sigpipe = -1 };
	struct msgbox_send_info si;
	char out[3000], in[4096];
	int fd, nb, rfd, wfd, ret;
	struct res r;
	pid_t pid;

	ASSERT_EQ(0, on_cpu0());
	pid = spawn(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	memset(&si, 0xff, sizeof(si));
	EXPECT_EQ(-EAGAIN, msgbox_sendx(self->nb, "soon", 4, &so, &si));
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_TRUE(still_blocked(rfd, 200));
	EXPECT_EQ(0, msgbox_send(self->nb, "taken", 5, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(5, r.ret);
	EXPECT_EQ(0, memcmp(r.data, "taken", 5));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);

	fd = msgbox_create(self->name2, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	nb = msgbox_open(self->name2, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, nb);
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ret = msgbox_recv(fd, in, sizeof(in), NULL);
		if (ret == (int)sizeof(out) && !mb_check(in, sizeof(out), 7))
			ret = -EILSEQ;
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	self->kids[self->nkids++] = pid;
	ASSERT_EQ(0, mb_wait_waiters(fd, 1, 0));
	mb_fill(out, sizeof(out), 7);
	memset(&si, 0, sizeof(si));
	EXPECT_EQ(0, msgbox_sendx(nb, out, sizeof(out), &so, &si));
	EXPECT_EQ(1, si.delivered);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ((int)sizeof(out), ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	close(nb);
	close(fd);
}

TEST_HARNESS_MAIN
