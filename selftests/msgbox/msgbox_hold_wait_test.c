// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox held messages and those who wait: a held message keeps its slot,
 * so senders find the mailbox full; a hold timeout returns the message to
 * a receiver waiting for it; an acknowledged sender waits until its
 * message is done, and learns EINPROGRESS when its deadline comes while
 * the message is held; a destroy fails them all. A settle with the next
 * receive in the same call wakes a sender blocked on the slot it frees.
 */
#include "hold_fixture.h"

/* Held messages take room: senders see a full mailbox. */
TEST_F(hold, held_counts_against_capacity)
{
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	struct send_res res;
	char buf[HOLD_MAX];
	uint64_t first;
	int fd, rfd;
	pid_t pid;

	fd = mb_new(self->name2, O_RDWR | O_NONBLOCK, 2, HOLD_MAX);
	ASSERT_LE(0, fd);
	first = send_id(fd, "1", 0);
	ASSERT_NE(0ULL, first);
	ASSERT_NE(0ULL, send_id(fd, "2", 0));
	ASSERT_EQ(1, mb_hold(fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(first, r.id);
	ASSERT_EQ(1, mb_hold(fd, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(2U, st.held);
	EXPECT_EQ(-EAGAIN, mb_raw_send(fd, "3", 1, 0));

	pid = send_spawn(self->name2, "late", 0, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	EXPECT_EQ(0, mb_wait_waiters(fd, 0, 1));
	EXPECT_FALSE(mb_readable(rfd, 200)) TH_LOG("a send got into a full mailbox");

	EXPECT_EQ(0, mb_done(fd, first));
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(-EAGAIN, mb_raw_send(fd, "3", 1, 0));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
	close(fd);
}

/*
 * SETTLE|RECV on a full mailbox with a sender blocked on it: the settle
 * frees the slot, the sender is woken before the receive waits, and the
 * receive gets the sender's message.
 */
TEST_F(hold, settle_recv_wakes_blocked_sender)
{
	struct msgbox_recv_args r, next;
	struct msgbox_settle_args a;
	struct send_res res;
	char buf[HOLD_MAX];
	int fd, bfd, rfd;
	pid_t pid;

	fd = mb_new(self->name2, O_RDWR | O_NONBLOCK, 1, HOLD_MAX);
	ASSERT_LE(0, fd);
	bfd = mb_attach(self->name2, O_RDWR);
	ASSERT_LE(0, bfd);
	ASSERT_NE(0ULL, send_id(fd, "1", 0));
	ASSERT_EQ(1, mb_hold(bfd, buf, sizeof(buf), 0, &r));

	pid = send_spawn(self->name2, "late", 0, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	EXPECT_EQ(0, mb_wait_waiters(fd, 0, 1));

	/* Blocking, with a deadline so that a lost wake-up fails, not hangs. */
	mb_recv_args(&next, buf, sizeof(buf));
	next.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
	next.deadline_ns = mb_now_ns() + 5000000000ULL;
	mb_settle_args(&a, r.id, MSGBOX_SETTLE_RECV, NULL, 0);
	a.settle_error = SETTLE_ERROR_UNSET;
	a.recv = (uintptr_t)&next;
	EXPECT_EQ(4, mb_ioctl(bfd, MSGBOX_IOC_SETTLE, &a));
	EXPECT_EQ(0, a.settle_error);
	EXPECT_EQ(0, memcmp(buf, "late", 4));
	EXPECT_NE(0U, next.msg_flags & MSGBOX_MSG_HELD);
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	EXPECT_EQ(0, mb_done(bfd, next.id));
	close(rfd);
	close(bfd);
	close(fd);
}

#define HOLD_NS		200000000ULL	/* 200 ms */

/* After hold_ns the message returns by itself; settling it is too late. */
TEST_F(hold, hold_timeout_returns_message)
{
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t id, start, ms;

	id = send_id(self->fd, "timed", 0);
	ASSERT_NE(0ULL, id);
	start = mb_now_ns();
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), HOLD_NS, &r));
	ASSERT_EQ(id, r.id);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ms = mb_ms_since(start);
	EXPECT_LE(HOLD_NS / 1000000, ms) TH_LOG("returned after %llu ms",
						 (unsigned long long)ms);
	EXPECT_GT(HOLD_NS / 1000000 + 500, ms) TH_LOG("returned after %llu ms",
						       (unsigned long long)ms);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));

	ASSERT_EQ(5, mb_raw_recv(self->fd2, buf, sizeof(buf), &r));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);

	/* Settled in time, it does not come back. */
	id = send_id(self->fd, "quick", 0);
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), HOLD_NS, &r));
	EXPECT_EQ(0, mb_done(self->fd, id));
	mb_sleep_ms(HOLD_NS / 1000000 + 100);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

#define WAKE_HOLD_MS	800ULL

/* A receiver blocked on the mailbox gets the message the timer returns. */
TEST_F(hold, hold_timeout_wakes_blocked_receiver)
{
	struct {
		int ret;
		struct msgbox_recv_args r;
		uint64_t done_ns;
	} res;
	char buf[HOLD_MAX];
	uint64_t id, start;
	int rfd, wfd;
	pid_t pid;

	id = send_id(self->fd, "wake", 0);
	ASSERT_NE(0ULL, id);
	start = mb_now_ns();
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf),
			     WAKE_HOLD_MS * 1000000ULL, NULL));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_attach(self->name, O_RDWR);

		memset(&res, 0, sizeof(res));
		mb_recv_args(&res.r, buf, sizeof(buf));
		res.r.flags = MSGBOX_RECV_DEADLINE;
		res.r.deadline_ns = mb_now_ns() + 10000000000ULL;
		res.ret = fd < 0 ? fd : mb_ioctl(fd, MSGBOX_IOC_RECV, &res.r);
		res.done_ns = mb_now_ns();
		mb_write_all(wfd, &res, sizeof(res));
		_exit(0);
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	/* The receiver must be blocked before the hold runs out. */
	ASSERT_GT(WAKE_HOLD_MS, mb_ms_since(start));

	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(id, res.r.id);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, res.r.msg_flags);
	EXPECT_EQ(1U, res.r.deliveries);
	EXPECT_LE(WAKE_HOLD_MS, (res.done_ns - start) / 1000000);
	EXPECT_GT(WAKE_HOLD_MS + 500, (res.done_ns - start) / 1000000)
		TH_LOG("woken %llu ms after the hold",
		       (unsigned long long)((res.done_ns - start) / 1000000));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* An acknowledged send whose receiver holds returns only once it is done. */
TEST_F(hold, acked_send_waits_for_done)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	int rfd;
	pid_t pid;

	pid = send_spawn(self->name, "ack", MSGBOX_SEND_ACK, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(pid, r.pid);
	EXPECT_FALSE(mb_readable(rfd, 300))
		TH_LOG("the acknowledged send returned while its message was held");
	EXPECT_EQ('S', mb_proc_state(pid));

	EXPECT_EQ(0, mb_done(self->fd, r.id));
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	EXPECT_EQ(MSGBOX_SENT_DELIVERED, res.result & MSGBOX_SENT_DELIVERED);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* Its deadline while the message is held: EINPROGRESS, outcome unknown. */
TEST_F(hold, acked_send_deadline_while_held)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	uint64_t deadline;
	int rfd;
	pid_t pid;

	deadline = mb_now_ns() + 1500000000ULL;
	pid = send_spawn(self->name, "ack", MSGBOX_SEND_ACK |
			 MSGBOX_SEND_DEADLINE, deadline, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_GT(deadline, mb_now_ns()) TH_LOG("held only after the deadline");

	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(-EINPROGRESS, res.ret);
	EXPECT_LE(deadline, res.done_ns);
	/* The message is still held and settles normally. */
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 0, NULL));
	EXPECT_EQ(0, mb_done(self->fd, r.id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* Released, the message is queued again and its sender keeps waiting. */
TEST_F(hold, acked_send_release_keeps_waiting)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	int rfd;
	pid_t pid;

	pid = send_spawn(self->name, "ack", MSGBOX_SEND_ACK, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_release(self->fd, r.id));
	EXPECT_FALSE(mb_readable(rfd, 200))
		TH_LOG("the acknowledged send returned on a release");
	EXPECT_EQ(1, mb_msgs(self->fd));

	ASSERT_EQ(3, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED, r.msg_flags);
	EXPECT_FALSE(mb_readable(rfd, 200));
	EXPECT_EQ(0, mb_done(self->fd2, r.id));
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* Released and not taken again: the sender's deadline withdraws it. */
TEST_F(hold, acked_send_release_then_timeout)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	uint64_t deadline;
	int rfd;
	pid_t pid;

	deadline = mb_now_ns() + 1500000000ULL;
	pid = send_spawn(self->name, "ack", MSGBOX_SEND_ACK |
			 MSGBOX_SEND_DEADLINE, deadline, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_release(self->fd, r.id));
	ASSERT_GT(deadline, mb_now_ns()) TH_LOG("released only after the deadline");

	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(-ETIMEDOUT, res.ret);
	EXPECT_LE(deadline, res.done_ns);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* Destroyed: held messages go, settling is EIDRM, acked senders too. */
TEST_F(hold, destroy_with_held_eidrm)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	uint64_t plain, acked;
	int rfd;
	pid_t pid;

	plain = send_id(self->fd, "plain", 0);
	ASSERT_NE(0ULL, plain);
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	pid = send_spawn(self->name, "ack", MSGBOX_SEND_ACK, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 1, 0, NULL));
	ASSERT_EQ(3, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	acked = r.id;

	ASSERT_EQ(0, mb_destroy_name(self->name));
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(-EIDRM, res.ret);
	EXPECT_EQ(-EIDRM, mb_done(self->fd, plain));
	EXPECT_EQ(-EIDRM, mb_release(self->fd, plain));
	EXPECT_EQ(-EIDRM, mb_done(self->fd2, acked));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/*
 * A rendezvous offers nothing new while its message is held. (When its
 * blocking sender returns, at the hold or at the done, is not asserted.)
 */
TEST_F(hold, rendezvous_offers_nothing_while_held)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	int rv, rv2, rfd1, rfd2;
	pid_t p1, p2;

	rv = mb_new(self->name2, O_RDWR | O_NONBLOCK, 0, HOLD_MAX);
	ASSERT_LE(0, rv);
	rv2 = mb_attach(self->name2, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, rv2);
	p1 = send_spawn(self->name2, "r1", 0, 0, &rfd1);
	ASSERT_LE(0, p1);
	add_kid(self, p1);
	ASSERT_TRUE(started(rfd1));
	ASSERT_EQ(0, mb_wait_waiters(rv, 0, 1));
	ASSERT_EQ(2, mb_hold(rv, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, memcmp(buf, "r1", 2));

	p2 = send_spawn(self->name2, "r2", 0, 0, &rfd2);
	ASSERT_LE(0, p2);
	add_kid(self, p2);
	ASSERT_TRUE(started(rfd2));
	ASSERT_EQ(0, mb_wait_sleeping(p2));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(rv2, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(rv, buf, sizeof(buf), NULL));
	EXPECT_FALSE(mb_readable(rfd2, 100));

	EXPECT_EQ(0, mb_done(rv, r.id));
	ASSERT_EQ(0, mb_read_all(rfd1, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	/* Once the first is done, the second sender offers its message. */
	ASSERT_EQ(0, mb_wait_counts(rv, 1, 0, 0, NULL));
	ASSERT_EQ(2, mb_raw_recv(rv2, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "r2", 2));
	ASSERT_EQ(0, mb_read_all(rfd2, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(p1)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(p2)));
	self->nkids = 0;
	close(rfd1);
	close(rfd2);
	close(rv2);
	close(rv);
}

TEST_HARNESS_MAIN
