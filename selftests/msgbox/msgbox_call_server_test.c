// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox calls in a server's loop: SETTLE|RECV answers one call and takes
 * the next in one ioctl, and says whether the answer reached anyone; calls
 * and plain messages share poll, the mailbox's counters and the proc
 * listing; a rendezvous takes a call as it takes a send.
 */
#include "call_fixture.h"

#include <sys/epoll.h>

/* SETTLE|RECV: answer one call and take the next in one ioctl. */
TEST_F(call, settle_recv_reply_then_receive)
{
	struct call_spec cs1 = call_to(self, "c1"), cs2 = call_to(self, "c2");
	struct msgbox_recv_args r, r2;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd1, rfd2, serr;
	pid_t p1, p2;
	uint64_t id;

	p1 = start_call(self, &cs1, &rfd1);
	ASSERT_LT(0, p1);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	p2 = start_call(self, &cs2, &rfd2);
	ASSERT_LT(0, p2);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, 2, NULL));

	ASSERT_EQ(2, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, memcmp(buf, "c1", 2));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(2, mb_settle_recv(self->fd, r.id, 0, "r1", 2, &r2,
				    MSGBOX_RECV_HOLD, buf, sizeof(buf), &serr));
	EXPECT_EQ(0, serr);
	EXPECT_EQ(0, memcmp(buf, "c2", 2));
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r2.msg_flags);
	EXPECT_EQ(p2, r2.pid);
	ASSERT_EQ(0, call_result(rfd1, &res));
	EXPECT_EQ(2, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "r1", 2));
	EXPECT_EQ(r.id, res.a.id);

	/* Nothing left to take: the reply went, the receive says EAGAIN. */
	id = r2.id;
	EXPECT_EQ(-EAGAIN, mb_settle_recv(self->fd, id, 0, "r2", 2, &r2,
					  MSGBOX_RECV_HOLD, buf, sizeof(buf),
					  &serr));
	EXPECT_EQ(0, serr);
	ASSERT_EQ(0, call_result(rfd2, &res));
	EXPECT_EQ(2, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "r2", 2));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));

	/* On a plain message: done then receive; release then receive again. */
	ASSERT_EQ(0, mb_raw_send(self->fd, "a", 1, 0));
	ASSERT_EQ(0, mb_raw_send(self->fd, "bb", 2, 0));
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(2, mb_settle_recv(self->fd, r.id, 0, NULL, 0, &r2,
				    MSGBOX_RECV_HOLD, buf, sizeof(buf), &serr));
	EXPECT_EQ(0, serr);
	EXPECT_EQ(MSGBOX_MSG_HELD, r2.msg_flags);
	id = r2.id;
	EXPECT_EQ(2, mb_settle_recv(self->fd, id, MSGBOX_SETTLE_RELEASE, NULL,
				    0, &r2, MSGBOX_RECV_HOLD, buf, sizeof(buf),
				    &serr));
	EXPECT_EQ(0, serr);
	EXPECT_EQ(id, r2.id);
	EXPECT_EQ(MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED, r2.msg_flags);
	EXPECT_EQ(1U, r2.deliveries);
	EXPECT_EQ(0, mb_done(self->fd, id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	close(rfd1);
	close(rfd2);
}

/* SETTLE|RECV whose caller is gone: settle_error ECANCELED, received all the same. */
TEST_F(call, settle_recv_cancelled_call)
{
	struct call_spec cs = call_to(self, "gone");
	struct msgbox_recv_args r, r2;
	char buf[CALL_MAX];
	int rfd, serr;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	kill(pid, SIGKILL);
	EXPECT_LE(0, reap_kid(self, pid));
	close(rfd);
	ASSERT_EQ(0, mb_raw_send(self->fd, "next", 4, 0));

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, mb_settle_recv(self->fd, r.id, 0, "late", 4, &r2, 0, buf,
				    sizeof(buf), &serr));
	EXPECT_EQ(ECANCELED, serr);
	EXPECT_EQ(0, memcmp(buf, "next", 4));
	EXPECT_EQ(0U, r2.msg_flags);
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/*
 * SETTLE|RECV whose settling fails with the message held or never held:
 * that error, settle_error left as it was, and nothing received.
 */
TEST_F(call, settle_recv_failed_settle_receives_nothing)
{
	struct call_spec cs = call_to(self, "held");
	struct msgbox_recv_args r, r2;
	struct call_res res;
	char buf[CALL_MAX], big[CALL_MAX + 1];
	int rfd, serr;
	uint64_t plain;
	pid_t pid;

	memset(big, 'x', sizeof(big));
	cs.reply_buf_len = 4;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mb_raw_send(self->fd, "queued", 6, 0));

	/* Not held: ENOENT. */
	EXPECT_EQ(-ENOENT, mb_settle_recv(self->fd, r.id + 1000, 0, NULL, 0,
					  &r2, 0, buf, sizeof(buf), &serr));
	EXPECT_EQ(SETTLE_ERROR_UNSET, serr);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 1, NULL));
	/* Too long for the caller: EMSGSIZE, still held. */
	EXPECT_EQ(-EMSGSIZE, mb_settle_recv(self->fd, r.id, 0, big, 5, &r2, 0,
					    buf, sizeof(buf), &serr));
	EXPECT_EQ(SETTLE_ERROR_UNSET, serr);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 1, NULL));
	/* A release with a reply: EINVAL, still held. */
	EXPECT_EQ(-EINVAL, mb_settle_recv(self->fd, r.id, MSGBOX_SETTLE_RELEASE,
					  "x", 1, &r2, 0, buf, sizeof(buf),
					  &serr));
	EXPECT_EQ(SETTLE_ERROR_UNSET, serr);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 1, NULL));
	/* An unreadable reply: EFAULT, still held. */
	EXPECT_EQ(-EFAULT, mb_settle_recv(self->fd, r.id, 0, mb_unmapped(), 4,
					  &r2, 0, buf, sizeof(buf), &serr));
	EXPECT_EQ(SETTLE_ERROR_UNSET, serr);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 1, NULL));
	EXPECT_FALSE(mb_readable(rfd, 50));

	/* A plain held message with a reply: EINVAL. */
	ASSERT_EQ(6, mb_hold(self->fd, buf, sizeof(buf), 0, &r2));
	plain = r2.id;
	ASSERT_EQ(0, mb_raw_send(self->fd, "third", 5, 0));
	EXPECT_EQ(-EINVAL, mb_settle_recv(self->fd, plain, 0, "x", 1, &r2, 0,
					  buf, sizeof(buf), &serr));
	EXPECT_EQ(SETTLE_ERROR_UNSET, serr);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 2, 1, NULL));

	/* And then it works. */
	EXPECT_EQ(5, mb_settle_recv(self->fd, r.id, 0, "fits", 4, &r2, 0, buf,
				    sizeof(buf), &serr));
	EXPECT_EQ(0, serr);
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(0, mb_done(self->fd, plain));
	close(rfd);
}

/*
 * SETTLE|RECV with a settle that succeeds and a receive that cannot be
 * made: the reply went (settle_error 0), the ioctl returns what RECV
 * returns for that @recv.
 */
TEST_F(call, settle_recv_bad_recv_after_reply)
{
	struct msgbox_settle_args a;
	struct msgbox_recv_args r, bad;
	struct call_spec cs[2];
	struct call_res res;
	char buf[CALL_MAX];
	int rfd[2], i;
	pid_t pid[2];

	for (i = 0; i < 2; i++) {
		cs[i] = call_to(self, "bad recv");
		pid[i] = start_call(self, &cs[i], &rfd[i]);
		ASSERT_LT(0, pid[i]);
		ASSERT_EQ(0, mb_wait_counts(self->fd, i + 1, 0, i + 1, NULL));
	}

	/* An unreadable @recv: EFAULT from the receive, after the reply. */
	ASSERT_EQ(8, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	mb_settle_args(&a, r.id, MSGBOX_SETTLE_RECV, "one", 3);
	a.settle_error = -1;
	a.recv = (uintptr_t)mb_unmapped();
	EXPECT_EQ(-EFAULT, mb_ioctl(self->fd, MSGBOX_IOC_SETTLE, &a));
	EXPECT_EQ(0, a.settle_error);
	ASSERT_EQ(0, call_result(rfd[0], &res));
	EXPECT_EQ(3, res.ret);
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "x", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));

	/* A @recv too short to be one: EINVAL from the receive, after the reply. */
	ASSERT_EQ(8, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mb_raw_send(self->fd, "left", 4, 0));
	mb_recv_args(&bad, buf, sizeof(buf));
	bad.size = MSGBOX_RECV_SIZE_VER0 - 8;
	mb_settle_args(&a, r.id, MSGBOX_SETTLE_RECV, "two", 3);
	a.settle_error = -1;
	a.recv = (uintptr_t)&bad;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_SETTLE, &a));
	EXPECT_EQ(0, a.settle_error);
	ASSERT_EQ(0, call_result(rfd[1], &res));
	EXPECT_EQ(3, res.ret);
	/* Nothing was received. */
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	for (i = 0; i < 2; i++)
		close(rfd[i]);
}

/* A server waiting in epoll sees EPOLLIN for a call. */
TEST_F(call, epoll_sees_call)
{
	struct call_spec cs = call_to(self, "poll");
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int ep, rfd;
	pid_t pid;

	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd2, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, MB_WAIT_MS));
	EXPECT_NE(0U, out.events & EPOLLIN);
	ASSERT_EQ(4, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	/* Held, no longer queued: nothing to read. */
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ(0, mb_reply(self->fd2, r.id, "ok", 2));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(2, res.ret);
	close(rfd);
	close(ep);
}

/* stat.calls counts unanswered calls, queued or held; stat.held all holds. */
TEST_F(call, stat_counts_calls)
{
	struct msgbox_recv_args r, p;
	struct call_spec cs[3];
	struct msgbox_stat_args st;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd[3], i;
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		cs[i] = call_to(self, "count");
		pid[i] = start_call(self, &cs[i], &rfd[i]);
		ASSERT_LT(0, pid[i]);
		ASSERT_EQ(0, mb_wait_counts(self->fd, i + 1, 0, i + 1, &st));
	}
	EXPECT_EQ(15ULL, st.bytes);
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, 1, 3, NULL));
	/* A plain message held beside it counts as held, not as a call. */
	ASSERT_EQ(0, mb_raw_send(self->fd, "plain", 5, 1));
	ASSERT_EQ(5, mb_hold(self->fd2, buf, sizeof(buf), 0, &p));
	ASSERT_EQ(0U, p.msg_flags & MSGBOX_MSG_CALL);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, 2, 3, NULL));

	EXPECT_EQ(0, mb_reply(self->fd, r.id, "a", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, 1, 2, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 2, 2, NULL));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "b", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "c", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 0, NULL));
	EXPECT_EQ(0, mb_done(self->fd2, p.id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, call_result(rfd[i], &res));
		EXPECT_EQ(1, res.ret);
		close(rfd[i]);
	}
}

/* /proc/driver/msgbox ends each line with the held and calls columns. */
TEST_F(call, proc_lists_held_and_calls)
{
	unsigned int uid, gid, mode, cap, size, msgs, ws, wr, held, calls;
	unsigned long long bytes, sent, received;
	struct call_spec cs[2];
	struct msgbox_recv_args r;
	char line[512], type[16], buf[CALL_MAX];
	size_t nlen = strlen(self->name);
	int rfd[2], i, found = 0, end = 0;
	pid_t pid[2];
	FILE *f;

	if (access("/proc/driver/msgbox", R_OK))
		SKIP(return, "no /proc/driver/msgbox");
	ASSERT_EQ(0, mb_raw_send(self->fd, "plain", 5, 0));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	for (i = 0; i < 2; i++) {
		cs[i] = call_to(self, "proc");
		pid[i] = start_call(self, &cs[i], &rfd[i]);
		ASSERT_LT(0, pid[i]);
	}
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 1, 2, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 2, 2, NULL));

	f = fopen("/proc/driver/msgbox", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, self->name, nlen) && line[nlen] == ' ') {
			found = 1;
			break;
		}
	fclose(f);
	ASSERT_TRUE(found);
	ASSERT_EQ(14, sscanf(line + nlen,
			     " %15s %u %u %o %u %u %u %llu %u %u %llu %llu %u %u%n",
			     type, &uid, &gid, &mode, &cap, &size, &msgs, &bytes,
			     &ws, &wr, &sent, &received, &held, &calls, &end))
		TH_LOG("line: %s", line);
	EXPECT_STREQ("\n", line + nlen + end) TH_LOG("line: %s", line);
	EXPECT_STREQ("named", type);
	EXPECT_EQ((unsigned int)CALL_CAP, cap);
	EXPECT_EQ((unsigned int)CALL_MAX, size);
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(2U, held);
	EXPECT_EQ(2U, calls);

	EXPECT_EQ(0, mb_reply(self->fd, r.id, "a", 1));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "b", 1));
	for (i = 0; i < 2; i++)
		close(rfd[i]);
}

/*
 * A rendezvous takes a blocking call as it takes a blocking send; a
 * non-blocking call needs a receiver already waiting.
 */
TEST_F(call, rendezvous_call)
{
	struct call_spec cs = call_to(self, "rv");
	struct msgbox_recv_args r;
	struct msgbox_call_args a;
	struct call_res res;
	struct {
		int ret;
		int reply;
	} srv;
	char buf[CALL_MAX], reply[16];
	int rv, rfd, srfd, swfd;
	pid_t pid, server;

	rv = mb_new(self->name2, O_RDWR | O_NONBLOCK, 0, CALL_MAX);
	ASSERT_LE(0, rv);
	mb_call_args(&a, "nb", 2, reply, sizeof(reply));
	EXPECT_EQ(-EAGAIN, mb_ioctl(rv, MSGBOX_IOC_CALL, &a));

	/* Blocking: offered, taken, answered. */
	cs.name = self->name2;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	ASSERT_EQ(2, mb_hold(rv, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(0, mb_reply(rv, r.id, "rv!", 3));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(3, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "rv!", 3));
	close(rfd);

	/* Non-blocking, with a receiver waiting. */
	server = mb_fork(&srfd, &swfd);
	ASSERT_LE(0, server);
	if (server == 0) {
		int fd = mb_attach(self->name2, O_RDWR);

		mb_recv_args(&r, buf, sizeof(buf));
		r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
		r.deadline_ns = mb_now_ns() + 10000000000ULL;
		srv.ret = fd < 0 ? fd : mb_ioctl(fd, MSGBOX_IOC_RECV, &r);
		srv.reply = mb_reply(fd, r.id, "served", 6);
		mb_write_all(swfd, &srv, sizeof(srv));
		_exit(0);
	}
	add_kid(self, server);
	ASSERT_EQ(0, mb_wait_waiters(rv, 1, 0));
	mb_call_args(&a, "nb", 2, reply, sizeof(reply));
	EXPECT_EQ(6, mb_ioctl(rv, MSGBOX_IOC_CALL, &a));
	EXPECT_EQ(0, memcmp(reply, "served", 6));
	EXPECT_EQ(server, a.reply_pid);
	ASSERT_EQ(0, mb_read_all(srfd, &srv, sizeof(srv)));
	EXPECT_EQ(2, srv.ret);
	EXPECT_EQ(0, srv.reply);
	close(srfd);
	close(rv);
}

TEST_HARNESS_MAIN
