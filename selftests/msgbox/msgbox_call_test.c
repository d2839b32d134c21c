// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox calls, as a server sees them: MSGBOX_IOC_CALL queues a request
 * that only a holding receive takes (every other receive passes calls by),
 * and MSGBOX_IOC_SETTLE answers it.
 * The reply reaches the caller once, with the replier's credentials; a
 * reply that does not fit leaves the call held; a released call goes to
 * another server. The arguments of a call are checked before it is queued.
 */
#include "call_fixture.h"

/* A server's reply to request @req: "r" and the request after its first byte. */
static unsigned int echo_reply(const char *req, unsigned int len, char *out)
{
	out[0] = 'r';
	memcpy(out + 1, req + 1, len - 1);
	return len;
}

TEST_F(call, call_answered_with_reply)
{
	struct call_spec cs = call_to(self, "ping");
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.prio = 3;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, &st));
	EXPECT_EQ(4ULL, st.bytes);

	/* A holding receive takes it. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);
	EXPECT_EQ(3U, r.prio);
	EXPECT_EQ(4U, r.len);
	EXPECT_EQ(0U, r.deliveries);
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(1U, st.calls);
	EXPECT_FALSE(mb_readable(rfd, 100)) TH_LOG("the call returned unanswered");

	EXPECT_EQ(0, mb_reply(self->fd, r.id, "pong!", 5));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(5, res.ret);
	EXPECT_EQ(5U, res.a.reply_len);
	EXPECT_EQ(0, memcmp(res.reply, "pong!", 5));
	EXPECT_EQ(r.id, res.a.id);
	EXPECT_EQ(getpid(), res.a.reply_pid);
	EXPECT_EQ(geteuid(), res.a.reply_uid);
	EXPECT_EQ(getegid(), res.a.reply_gid);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));

	/* Answered: a second reply finds nothing. */
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "again", 5));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, r.id));
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid)));
	close(rfd);
}

/*
 * The receives that do not hold, numbered as the test logs them: RECV,
 * RECV with a VER0 struct, PEEK, RECV FROM_PID, read(2), RECV_BATCH.
 */
enum {
	PASS_RECV, PASS_RECV_VER0, PASS_PEEK, PASS_FROM_PID, PASS_READ,
	PASS_BATCH, NPASS
};

/* Receive into @buf the @k-th non-holding way (@from for FROM_PID). */
static int pass_recv(int fd, int k, pid_t from, char *buf, unsigned int len,
		     struct msgbox_recv_args *r)
{
	struct msgbox_recv_args ent;
	struct msgbox_batch_args b;
	ssize_t n;
	int ret;

	memset(buf, 0, len);
	mb_recv_args(r, buf, len);
	switch (k) {
	case PASS_RECV_VER0:
		r->size = MSGBOX_RECV_SIZE_VER0;
		break;
	case PASS_PEEK:
		r->flags = MSGBOX_RECV_PEEK;
		break;
	case PASS_FROM_PID:
		r->flags = MSGBOX_RECV_FROM_PID;
		r->from_pid = from;
		break;
	case PASS_READ:
		n = read(fd, buf, len);
		return n < 0 ? -errno : (int)n;
	case PASS_BATCH:
		mb_recv_args(&ent, buf, len);
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.entries = (uintptr_t)&ent;
		b.count = 1;
		b.entry_size = sizeof(ent);
		ret = mb_ioctl(fd, MSGBOX_IOC_RECV_BATCH, &b);
		*r = ent;
		return ret == 1 ? (int)ent.len : ret;
	}
	return mb_ioctl(fd, MSGBOX_IOC_RECV, r);
}

/*
 * Only a receive with MSGBOX_RECV_HOLD takes a call. Every other one (RECV
 * without HOLD, VER0 or VER1, a peek, a FROM_PID receive, read(2), a batch
 * entry) passes calls by: EAGAIN with only a call queued, the plain
 * messages behind it otherwise, in order; the call stays queued until a
 * holding receive, of either version and filtered by its caller too,
 * takes it.
 */
TEST_F(call, only_holding_receives_take_calls)
{
	struct msgbox_recv_args r;
	struct call_spec cs[2];
	struct call_res res;
	char buf[CALL_MAX], rep[CALL_MAX], want[8];
	int rfd[2], i, k;
	pid_t pid[2];

	cs[0] = call_to(self, "c0");
	pid[0] = start_call(self, &cs[0], &rfd[0]);
	ASSERT_LT(0, pid[0]);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	for (k = 0; k < NPASS; k++)
		EXPECT_EQ(-EAGAIN, pass_recv(self->fd, k, pid[0], buf, sizeof(buf), &r))
			TH_LOG("receive way %d took a call", k);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));

	for (k = 0; k < NPASS; k++) {
		snprintf(want, sizeof(want), "p%d", k);
		ASSERT_EQ(0, mb_raw_send(self->fd, want, 2, 0));
	}
	for (k = 0; k < NPASS; k++) {
		snprintf(want, sizeof(want), "p%d", k);
		EXPECT_EQ(2, pass_recv(self->fd, k, getpid(), buf, sizeof(buf), &r))
			TH_LOG("receive way %d", k);
		EXPECT_STREQ(want, buf) TH_LOG("receive way %d", k);
		if (k != PASS_READ)
			EXPECT_EQ(0U, r.msg_flags) TH_LOG("receive way %d", k);
		if (k == PASS_PEEK) {
			ASSERT_EQ(2, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
			EXPECT_STREQ(want, buf);
		}
	}
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));

	/* A holding receive takes it, from a VER0 struct too. */
	cs[1] = call_to(self, "c1");
	pid[1] = start_call(self, &cs[1], &rfd[1]);
	ASSERT_LT(0, pid[1]);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, 2, NULL));
	memset(buf, 0, sizeof(buf));
	mb_recv_args(&r, buf, sizeof(buf));
	r.size = MSGBOX_RECV_SIZE_VER0;
	r.flags = MSGBOX_RECV_HOLD;
	ASSERT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_STREQ("c0", buf);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(pid[0], r.pid);
	EXPECT_EQ(0, mb_reply(self->fd, r.id, rep, echo_reply(buf, 2, rep)));
	/* And filtered by its caller. */
	memset(buf, 0, sizeof(buf));
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_FROM_PID;
	r.from_pid = pid[1];
	ASSERT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_STREQ("c1", buf);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(0, mb_reply(self->fd, r.id, rep, echo_reply(buf, 2, rep)));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, call_result(rfd[i], &res));
		EXPECT_EQ(2, res.ret);
		EXPECT_EQ(0, memcmp(res.reply, i ? "r1" : "r0", 2)) TH_LOG("caller %d", i);
		EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid[i])));
		close(rfd[i]);
	}
}

/*
 * A call wakes only a receiver that holds: one blocked without HOLD keeps
 * sleeping through calls and wakes for a plain message.
 */
TEST_F(call, call_wakes_only_holding_receivers)
{
	struct {
		int ret;
		int reply;
		struct msgbox_recv_args r;
		char data[16];
	} got;
	struct call_spec cs[2];
	struct call_res res;
	struct msgbox_recv_args r;
	char buf[CALL_MAX];
	int rfd[2], prfd, hrfd, wfd, i;
	pid_t pid[2], rpid[2];	/* the plain receiver, the holding one */

	/* Two receivers block: one plain, one holding (which answers). */
	for (i = 0; i < 2; i++) {
		pid_t kid = mb_fork(i ? &hrfd : &prfd, &wfd);

		ASSERT_LE(0, kid);
		if (kid == 0) {
			int fd = mb_attach(self->name, O_RDWR);

			memset(&got, 0, sizeof(got));
			mb_recv_args(&got.r, got.data, sizeof(got.data));
			got.r.flags = MSGBOX_RECV_DEADLINE | (i ? MSGBOX_RECV_HOLD : 0);
			got.r.deadline_ns = mb_now_ns() + 10000000000ULL;
			got.ret = fd < 0 ? fd : mb_ioctl(fd, MSGBOX_IOC_RECV, &got.r);
			if (got.ret >= 0 && (got.r.msg_flags & MSGBOX_MSG_CALL))
				got.reply = mb_reply(fd, got.r.id, "held", 4);
			mb_write_all(wfd, &got, sizeof(got));
			_exit(0);
		}
		add_kid(self, kid);
		rpid[i] = kid;
		ASSERT_EQ(0, mb_wait_waiters(self->fd, i + 1, 0));
	}

	cs[0] = call_to(self, "first");
	pid[0] = start_call(self, &cs[0], &rfd[0]);
	ASSERT_LT(0, pid[0]);
	ASSERT_EQ(0, mb_read_all(hrfd, &got, sizeof(got)));
	EXPECT_EQ(5, got.ret);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, got.r.msg_flags);
	EXPECT_EQ(0, got.reply);
	ASSERT_EQ(0, call_result(rfd[0], &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(rpid[1], res.a.reply_pid);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, rpid[1])));

	/* With no holder waiting, the next call stays queued. */
	cs[1] = call_to(self, "second");
	pid[1] = start_call(self, &cs[1], &rfd[1]);
	ASSERT_LT(0, pid[1]);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_FALSE(mb_readable(prfd, 200)) TH_LOG("a plain receiver took a call");
	EXPECT_EQ(0, mb_wait_receivers_eq(self->fd, 1));

	/* A plain message wakes it. */
	ASSERT_EQ(0, mb_raw_send(self->fd, "wake", 4, 0));
	ASSERT_EQ(0, mb_read_all(prfd, &got, sizeof(got)));
	EXPECT_EQ(4, got.ret);
	EXPECT_EQ(0, memcmp(got.data, "wake", 4));
	EXPECT_EQ(0U, got.r.msg_flags);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, rpid[0])));

	ASSERT_EQ(6, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "late", 4));
	ASSERT_EQ(0, call_result(rfd[1], &res));
	EXPECT_EQ(4, res.ret);
	close(prfd);
	close(hrfd);
	for (i = 0; i < 2; i++)
		close(rfd[i]);
}

/* Replies only go to calls this description holds. */
TEST_F(call, reply_to_foreign_call_enoent)
{
	struct call_spec cs = call_to(self, "mine");
	struct msgbox_recv_args r;
	struct call_res res;
	struct {
		int ret;
		uint64_t id;
	} srv;
	char buf[CALL_MAX];
	int rfd, srfd, swfd, go[2];
	pid_t pid, server;
	uint64_t id;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));

	/* Ids no message has. */
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, ~0ULL, "x", 1));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, 0, "x", 1));
	ASSERT_EQ(4, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	id = r.id;
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id + 1, "x", 1));
	/* Released, queued again: nobody holds it either. */
	ASSERT_EQ(0, mb_release(self->fd2, id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id, "x", 1));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd2, id, "x", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));

	/* Held by another process's description. */
	ASSERT_EQ(0, pipe(go));
	server = mb_fork(&srfd, &swfd);
	ASSERT_LE(0, server);
	if (server == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);
		char b;

		close(go[1]);
		srv.ret = fd < 0 ? fd : mb_hold(fd, buf, sizeof(buf), 0, &r);
		srv.id = r.id;
		mb_write_all(swfd, &srv, sizeof(srv));
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		srv.ret = mb_reply(fd, r.id, "theirs", 6);
		mb_write_all(swfd, &srv, sizeof(srv));
		_exit(0);
	}
	add_kid(self, server);
	close(go[0]);
	ASSERT_EQ(0, mb_read_all(srfd, &srv, sizeof(srv)));
	ASSERT_EQ(4, srv.ret);
	ASSERT_EQ(id, srv.id);
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id, "x", 1));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd2, id, "x", 1));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));
	EXPECT_FALSE(mb_readable(rfd, 100));

	/* Its holder answers. */
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, mb_read_all(srfd, &srv, sizeof(srv)));
	EXPECT_EQ(0, srv.ret);
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(6, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "theirs", 6));
	EXPECT_EQ(server, res.a.reply_pid);
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id, "x", 1));
	close(go[1]);
	close(srfd);
	close(rfd);
}

/* Held by the other description of this process: the same. */
TEST_F(call, reply_through_other_description_enoent)
{
	struct call_spec cs = call_to(self, "two");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(3, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "no", 2));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 1, NULL));
	EXPECT_EQ(0, mb_reply(self->fd2, r.id, "yes", 3));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(3, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "yes", 3));
	close(rfd);
}

/* A reply longer than the caller's buffer or the mailbox's largest
 * message: EMSGSIZE, and the call stays held for a shorter one.
 */
TEST_F(call, reply_too_long_stays_held)
{
	struct call_spec cs = call_to(self, "small");
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	struct call_res res;
	char buf[CALL_MAX + 2], big[CALL_REPLY_MAX];
	int rfd;
	pid_t pid;

	mb_fill(big, sizeof(big), 7);
	cs.reply_buf_len = 8;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(-EMSGSIZE, mb_reply(self->fd, r.id, big, 9));
	EXPECT_EQ(-EMSGSIZE, mb_reply(self->fd, r.id, big, CALL_MAX + 1));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(1U, st.calls);
	EXPECT_FALSE(mb_readable(rfd, 100));
	/* Exactly the caller's buffer fits. */
	EXPECT_EQ(0, mb_reply(self->fd, r.id, big, 8));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(8, res.ret);
	EXPECT_EQ(8U, res.a.reply_len);
	EXPECT_TRUE(mb_check(res.reply, 8, 7));
	close(rfd);

	/* A caller's buffer larger than the mailbox's largest message. */
	cs = call_to(self, "large");
	cs.reply_buf_len = CALL_REPLY_MAX;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(-EMSGSIZE, mb_reply(self->fd, r.id, big, CALL_MAX + 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 1, NULL));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, big, CALL_MAX));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(CALL_MAX, res.ret);
	EXPECT_EQ((unsigned int)CALL_MAX, res.a.reply_len);
	EXPECT_TRUE(mb_check(res.reply, CALL_MAX, 7));
	close(rfd);
}

/* reply_buf_len 0: only an empty reply fits, and it is one. */
TEST_F(call, empty_reply_to_empty_buffer)
{
	struct call_spec cs = call_to(self, "");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.reply_buf_len = 0;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(0, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(-EMSGSIZE, mb_reply(self->fd, r.id, "x", 1));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, NULL, 0));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(0, res.ret);
	EXPECT_EQ(0U, res.a.reply_len);
	EXPECT_EQ(r.id, res.a.id);
	close(rfd);
}

/* A reply the kernel cannot read: EFAULT, the call still held. */
TEST_F(call, reply_bad_buffer_stays_held)
{
	struct call_spec cs = call_to(self, "fault");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(-EFAULT, mb_reply(self->fd, r.id, mb_unmapped(), 4));
	EXPECT_EQ(-EFAULT, mb_reply(self->fd, r.id, NULL, 4));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 1, NULL));
	EXPECT_FALSE(mb_readable(rfd, 100));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "ok", 2));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(2, res.ret);
	close(rfd);
}

/* A released call goes to another server, and its answer to the caller. */
TEST_F(call, released_call_answered_by_another_server)
{
	struct call_spec cs = call_to(self, "hop");
	struct msgbox_recv_args r;
	struct call_res res;
	struct {
		int ret;
		int reply;
		struct msgbox_recv_args r;
	} srv;
	char buf[CALL_MAX];
	int rfd, srfd, swfd;
	pid_t pid, server;
	uint64_t id;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	id = r.id;
	/* A release carries no reply. */
	EXPECT_EQ(-EINVAL, mb_settle(self->fd, id, MSGBOX_SETTLE_RELEASE,
				     "x", 1));
	EXPECT_EQ(0, mb_release(self->fd, id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_FALSE(mb_readable(rfd, 100)) TH_LOG("a release answered the call");

	server = mb_fork(&srfd, &swfd);
	ASSERT_LE(0, server);
	if (server == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);

		memset(&srv, 0, sizeof(srv));
		srv.ret = fd < 0 ? fd : mb_hold(fd, buf, sizeof(buf), 0, &srv.r);
		srv.reply = mb_reply(fd, srv.r.id, "there", 5);
		mb_write_all(swfd, &srv, sizeof(srv));
		_exit(0);
	}
	add_kid(self, server);
	ASSERT_EQ(0, mb_read_all(srfd, &srv, sizeof(srv)));
	EXPECT_EQ(3, srv.ret);
	EXPECT_EQ(id, srv.r.id);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED,
		  srv.r.msg_flags);
	EXPECT_EQ(1U, srv.r.deliveries);
	EXPECT_EQ(pid, srv.r.pid);
	EXPECT_EQ(0, srv.reply);

	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(5, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "there", 5));
	EXPECT_EQ(server, res.a.reply_pid);
	EXPECT_EQ(id, res.a.id);
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id, "late", 4));
	close(srfd);
	close(rfd);
}

/* O_NONBLOCK: EAGAIN when the request cannot be queued at once. */
TEST_F(call, nonblocking_call_full_eagain)
{
	struct msgbox_call_args a;
	struct msgbox_stat_args st;
	char reply[16];
	uint64_t start;
	int fd;

	fd = mb_new(self->name2, O_RDWR | O_NONBLOCK, 2, CALL_MAX);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_raw_send(fd, "1", 1, 0));
	ASSERT_EQ(0, mb_raw_send(fd, "2", 1, 0));
	mb_call_args(&a, "call", 4, reply, sizeof(reply));
	start = mb_now_ns();
	EXPECT_EQ(-EAGAIN, mb_ioctl(fd, MSGBOX_IOC_CALL, &a));
	EXPECT_GT(1000ULL, mb_ms_since(start));
	/* With a deadline too: nothing waits for room. */
	a.flags = MSGBOX_CALL_DEADLINE;
	a.deadline_ns = mb_now_ns() + 5000000000ULL;
	EXPECT_EQ(-EAGAIN, mb_ioctl(fd, MSGBOX_IOC_CALL, &a));
	EXPECT_GT(1000ULL, mb_ms_since(start));
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(0U, st.calls);
	EXPECT_EQ(0U, st.held);
	close(fd);
}

/* O_NONBLOCK: a call that was queued still waits for its reply. */
TEST_F(call, nonblocking_call_waits_for_reply)
{
	struct call_spec cs = call_to(self, "nb");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.fd = self->fd;	/* O_NONBLOCK; the server uses fd2 */
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	EXPECT_FALSE(mb_readable(rfd, 200)) TH_LOG("returned before the reply");
	ASSERT_EQ(2, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_reply(self->fd2, r.id, "done", 4));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "done", 4));
	close(rfd);
}

/* A call needs write access and a target. */
TEST_F(call, call_access_errors)
{
	struct msgbox_call_args a;
	char reply[16];
	int rd, un;

	rd = mb_attach(self->name, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, rd);
	mb_call_args(&a, "x", 1, reply, sizeof(reply));
	EXPECT_EQ(-EBADF, mb_ioctl(rd, MSGBOX_IOC_CALL, &a));
	a.flags = MSGBOX_CALL_DEADLINE;
	a.deadline_ns = mb_now_ns() + 1000000000ULL;
	EXPECT_EQ(-EBADF, mb_ioctl(rd, MSGBOX_IOC_CALL, &a));
	close(rd);

	un = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, un);
	mb_call_args(&a, "x", 1, reply, sizeof(reply));
	EXPECT_EQ(-ENOTCONN, mb_ioctl(un, MSGBOX_IOC_CALL, &a));
	close(un);
	un = mb_dev_open(O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, un);
	a.flags = MSGBOX_CALL_TO_PID;
	a.pid = getpid();
	EXPECT_EQ(-EBADF, mb_ioctl(un, MSGBOX_IOC_CALL, &a));
	close(un);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* Arguments checked before anything is queued. */
TEST_F(call, call_argument_errors)
{
	struct msgbox_call_args a;
	char reply[16], big[CALL_MAX + 1];
	unsigned int bit;
	int dev, rfd, wfd;
	pid_t pid;

	memset(big, 'b', sizeof(big));
	for (bit = 0; bit < 32; bit++) {
		if (MSGBOX_CALL_FLAGS & (1U << bit))
			continue;
		mb_call_args(&a, "x", 1, reply, sizeof(reply));
		a.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a))
			TH_LOG("flag bit %u", bit);
	}
	mb_call_args(&a, "x", 1, reply, sizeof(reply));
	a.prio = MSGBOX_PRIO_MAX;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	a.prio = ~0U;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	mb_call_args(&a, big, CALL_MAX + 1, reply, sizeof(reply));
	EXPECT_EQ(-EMSGSIZE, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	mb_call_args(&a, mb_unmapped(), 4, reply, sizeof(reply));
	EXPECT_EQ(-EFAULT, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));

	/* TO_PID: a positive pid with a port. */
	dev = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, dev);
	mb_call_args(&a, "x", 1, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_TO_PID;
	a.pid = 0;
	EXPECT_EQ(-EINVAL, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	a.pid = -1;
	EXPECT_EQ(-EINVAL, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	a.pid = -(int)getpid();
	EXPECT_EQ(-EINVAL, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	a.pid = getpid();
	EXPECT_EQ(-ESRCH, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	/* A bound descriptor calls the port all the same. */
	EXPECT_EQ(-ESRCH, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	a.pid = pid;
	EXPECT_EQ(-ESRCH, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	close(dev);

	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	/* The same arguments, valid: queued and withdrawn at the deadline. */
	EXPECT_EQ(-ETIMEDOUT, mb_call_expired(self->fd, "x", 1));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* MSGBOX_CALL_TO_PID: the port of a process serves the call. */
TEST_F(call, call_to_pid_port)
{
	struct msgbox_call_args a;
	struct {
		int port;
		int ret;
		int reply;
		struct msgbox_recv_args r;
	} srv;
	char buf[CALL_MAX], reply[32];
	int rfd, wfd, dev;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_dev_open(O_RDWR);

		memset(&srv, 0, sizeof(srv));
		srv.port = fd < 0 ? fd : mb_raw_open(fd, NULL, MSGBOX_OPEN_PORT,
						     4, 64, 0600);
		mb_write_all(wfd, &srv, sizeof(srv));
		mb_recv_args(&srv.r, buf, sizeof(buf));
		srv.r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
		srv.r.deadline_ns = mb_now_ns() + 10000000000ULL;
		srv.ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &srv.r);
		srv.reply = mb_reply(fd, srv.r.id, "port-reply", 10);
		mb_write_all(wfd, &srv, sizeof(srv));
		_exit(0);
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &srv, sizeof(srv)));
	ASSERT_EQ(0, srv.port);

	dev = mb_dev_open(O_WRONLY);
	ASSERT_LE(0, dev);
	mb_call_args(&a, "hello", 5, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_TO_PID | MSGBOX_CALL_DEADLINE;
	a.pid = pid;
	a.deadline_ns = mb_now_ns() + 10000000000ULL;
	EXPECT_EQ(10, mb_ioctl(dev, MSGBOX_IOC_CALL, &a));
	EXPECT_EQ(0, memcmp(reply, "port-reply", 10));
	EXPECT_EQ(pid, a.reply_pid);
	ASSERT_EQ(0, mb_read_all(rfd, &srv, sizeof(srv)));
	EXPECT_EQ(5, srv.ret);
	EXPECT_EQ(0, srv.reply);
	EXPECT_EQ(getpid(), srv.r.pid);
	EXPECT_EQ(a.id, srv.r.id);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, srv.r.msg_flags);
	close(dev);
	close(rfd);
}

/*
 * Calls and plain messages in one mailbox: a plain receive takes the plain
 * ones in their order and passes the calls by; a holding receive takes
 * both in their order, calls and plain ones held alike.
 */
TEST_F(call, calls_mixed_with_plain_messages)
{
	struct call_spec cs1 = call_to(self, "c1"), cs2 = call_to(self, "c2");
	struct msgbox_recv_args r[3];
	struct call_res res;
	char buf[3][CALL_MAX];
	int rfd1, rfd2, i;
	pid_t p1, p2;

	ASSERT_EQ(0, mb_raw_send(self->fd, "p1", 2, 0));
	p1 = start_call(self, &cs1, &rfd1);
	ASSERT_LT(0, p1);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, 1, NULL));
	ASSERT_EQ(0, mb_raw_send(self->fd, "p2", 2, 0));
	p2 = start_call(self, &cs2, &rfd2);
	ASSERT_LT(0, p2);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 4, 0, 2, NULL));

	for (i = 0; i < 2; i++) {
		memset(buf[i], 0, sizeof(buf[i]));
		ASSERT_EQ(2, mb_raw_recv(self->fd, buf[i], sizeof(buf[i]), &r[i]));
		EXPECT_EQ(0U, r[i].msg_flags);
	}
	EXPECT_STREQ("p1", buf[0]);
	EXPECT_STREQ("p2", buf[1]);
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf[0], sizeof(buf[0]), NULL));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, r[0].id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, 0, 2, NULL));

	ASSERT_EQ(0, mb_raw_send(self->fd, "p3", 2, 0));
	for (i = 0; i < 3; i++) {
		memset(buf[i], 0, sizeof(buf[i]));
		ASSERT_EQ(2, mb_hold(self->fd, buf[i], sizeof(buf[i]), 0, &r[i]));
	}
	EXPECT_STREQ("c1", buf[0]);
	EXPECT_STREQ("c2", buf[1]);
	EXPECT_STREQ("p3", buf[2]);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r[0].msg_flags);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r[1].msg_flags);
	EXPECT_EQ(MSGBOX_MSG_HELD, r[2].msg_flags);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 3, 2, NULL));
	/* A plain held message takes no reply; a call does. */
	EXPECT_EQ(-EINVAL, mb_reply(self->fd, r[2].id, "x", 1));
	EXPECT_EQ(0, mb_done(self->fd, r[2].id));
	EXPECT_EQ(0, mb_reply(self->fd, r[1].id, "r2", 2));
	EXPECT_EQ(0, mb_reply(self->fd, r[0].id, "r1", 2));
	ASSERT_EQ(0, call_result(rfd1, &res));
	EXPECT_EQ(2, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "r1", 2));
	ASSERT_EQ(0, call_result(rfd2, &res));
	EXPECT_EQ(2, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "r2", 2));
	close(rfd1);
	close(rfd2);
}

/* A holding receive whose buffer is too small takes nothing: the call stays queued. */
TEST_F(call, short_receive_leaves_call_queued)
{
	struct call_spec cs = call_to(self, "longer");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_EQ(-EMSGSIZE, mb_hold(self->fd, buf, 3, 0, &r));
	EXPECT_EQ(6U, r.len);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "no", 2));
	ASSERT_EQ(6, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0U, r.deliveries);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(0, mb_reply(self->fd2, r.id, "ok", 2));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(2, res.ret);
	close(rfd);
}

/* A call's hold timeout returns it to the queue; its caller keeps waiting. */
TEST_F(call, call_hold_timeout_requeues)
{
	struct call_spec cs = call_to(self, "slowly");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	uint64_t id;
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(6, mb_hold(self->fd, buf, sizeof(buf), 100000000ULL, &r));
	id = r.id;
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, id, "late", 4));
	EXPECT_FALSE(mb_readable(rfd, 50));
	ASSERT_EQ(6, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED,
		  r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
	EXPECT_EQ(0, mb_reply(self->fd2, id, "in time", 7));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(7, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "in time", 7));
	close(rfd);
}

TEST_HARNESS_MAIN
