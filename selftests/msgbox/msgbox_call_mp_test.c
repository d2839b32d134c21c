// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox calls that fail, and calls across processes, users and
 * namespaces. A caller that gives up (deadline, signal, death) withdraws a
 * request still queued, so no server ever sees it, or cancels one already
 * received, whose reply then gets ECANCELED; a server that dies or closes
 * fails its callers at once with ECONNRESET; a destroyed mailbox fails
 * every call with EIDRM. Credentials are those of the caller and the
 * replier, each in the other's namespaces (those tests, and the one that
 * calls as another user, need root).
 */
#include "call_fixture.h"

#include <sched.h>

/* A caller whose deadline is far away. */
#define FAR_MS		20000ULL
/* "At once": a woken caller returns within this of the event. */
#define AT_ONCE_MS	500ULL

static uint64_t far_deadline(void)
{
	return mb_now_ns() + FAR_MS * 1000000ULL;
}

/* Killed while the server holds its call: the reply goes nowhere. */
TEST_F(call, caller_killed_while_held)
{
	struct call_spec cs = call_to(self, "dying");
	struct msgbox_recv_args r;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	kill(pid, SIGKILL);
	EXPECT_LE(0, reap_kid(self, pid));
	close(rfd);

	EXPECT_EQ(-ECANCELED, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, r.id));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* Killed while its request is queued: withdrawn, no server sees it. */
TEST_F(call, caller_killed_while_queued)
{
	struct call_spec cs = call_to(self, "dying");
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	kill(pid, SIGKILL);
	EXPECT_LE(0, reap_kid(self, pid));
	close(rfd);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
}

#define NCALLERS	4

/*
 * A server killed holding calls (and a plain message): every caller fails
 * at once with ECONNRESET, long before its deadline; the plain message
 * comes back.
 */
TEST_F(call, server_killed_callers_econnreset)
{
	struct call_spec cs[NCALLERS];
	struct call_res res;
	int rfd[NCALLERS], srfd, swfd, i, held;
	pid_t pid[NCALLERS], server;
	struct msgbox_recv_args r;
	char buf[CALL_MAX];
	uint64_t killed, ms;

	ASSERT_EQ(0, mb_raw_send(self->fd, "plain", 5, 0));
	for (i = 0; i < NCALLERS; i++) {
		cs[i] = call_to(self, "call");
		cs[i].flags = MSGBOX_CALL_DEADLINE;
		cs[i].deadline_ns = far_deadline();
		pid[i] = start_call(self, &cs[i], &rfd[i]);
		ASSERT_LT(0, pid[i]);
	}
	ASSERT_EQ(0, mb_wait_counts(self->fd, NCALLERS + 1, 0, NCALLERS, NULL));

	server = mb_fork(&srfd, &swfd);
	ASSERT_LE(0, server);
	if (server == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);

		for (held = 0; fd >= 0 && held < NCALLERS + 1; held++)
			if (mb_hold(fd, buf, sizeof(buf), 0, NULL) < 0)
				break;
		mb_write_all(swfd, &held, sizeof(held));
		for (;;)
			pause();
	}
	add_kid(self, server);
	ASSERT_EQ(0, mb_read_all(srfd, &held, sizeof(held)));
	ASSERT_EQ(NCALLERS + 1, held);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 0, NCALLERS + 1, NCALLERS, NULL));
	for (i = 0; i < NCALLERS; i++)
		EXPECT_FALSE(mb_readable(rfd[i], 0));

	killed = mb_now_ns();
	kill(server, SIGKILL);
	for (i = 0; i < NCALLERS; i++) {
		ASSERT_EQ(0, call_result(rfd[i], &res));
		ms = (res.done_ns - killed) / 1000000;
		EXPECT_EQ(-ECONNRESET, res.ret) TH_LOG("caller %d", i);
		EXPECT_GT(AT_ONCE_MS, ms) TH_LOG("caller %d woke %llu ms after the kill",
						 i, (unsigned long long)ms);
		close(rfd[i]);
	}
	EXPECT_LE(0, reap_kid(self, server));
	close(srfd);

	/* The calls are gone; the plain message is back, marked. */
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(5, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
}

/* The same when the holder closes its last descriptor; a dup keeps it. */
TEST_F(call, server_close_callers_econnreset)
{
	struct call_spec cs[2];
	struct call_res res;
	char buf[CALL_MAX];
	int rfd[2], s, d, i;
	uint64_t closed;
	pid_t pid[2];

	for (i = 0; i < 2; i++) {
		cs[i] = call_to(self, "call");
		cs[i].flags = MSGBOX_CALL_DEADLINE;
		cs[i].deadline_ns = far_deadline();
		pid[i] = start_call(self, &cs[i], &rfd[i]);
		ASSERT_LT(0, pid[i]);
	}
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, 2, NULL));
	s = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, s);
	ASSERT_EQ(4, mb_hold(s, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(4, mb_hold(s, buf, sizeof(buf), 0, NULL));
	d = dup(s);
	ASSERT_LE(0, d);
	close(s);
	for (i = 0; i < 2; i++)
		EXPECT_FALSE(mb_readable(rfd[i], 100)) TH_LOG("caller %d", i);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 2, 2, NULL));

	closed = mb_now_ns();
	close(d);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, call_result(rfd[i], &res));
		EXPECT_EQ(-ECONNRESET, res.ret);
		EXPECT_GT(AT_ONCE_MS, (res.done_ns - closed) / 1000000);
		close(rfd[i]);
	}
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* A deadline while queued: ETIMEDOUT, withdrawn, never seen by a server. */
TEST_F(call, deadline_while_queued)
{
	struct msgbox_call_args a;
	char reply[16], buf[CALL_MAX];
	uint64_t start, deadline;

	mb_call_args(&a, "late", 4, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_DEADLINE;
	start = mb_now_ns();
	deadline = start + 200000000ULL;
	a.deadline_ns = deadline;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	EXPECT_LE(deadline, mb_now_ns());
	EXPECT_GT(200 + AT_ONCE_MS, mb_ms_since(start));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));

	/* A deadline already past: the same. */
	EXPECT_EQ(-ETIMEDOUT, mb_call_expired(self->fd, "past", 4));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
}

/* A deadline while held: ETIMEDOUT, and the server's reply is refused. */
TEST_F(call, deadline_while_held)
{
	struct call_spec cs = call_to(self, "slow");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.flags = MSGBOX_CALL_DEADLINE;
	cs.deadline_ns = mb_now_ns() + 1000000000ULL;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_GT(cs.deadline_ns, mb_now_ns()) TH_LOG("received only after the deadline");

	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(-ETIMEDOUT, res.ret);
	EXPECT_LE(cs.deadline_ns, res.done_ns);
	EXPECT_GT(AT_ONCE_MS, (res.done_ns - cs.deadline_ns) / 1000000);
	EXPECT_EQ(-ECANCELED, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	close(rfd);
}

/* A signal without SA_RESTART while queued: EINTR, withdrawn. */
TEST_F(call, signal_while_queued_eintr)
{
	struct call_spec cs = call_to(self, "sig");
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.sig = CALL_SIG_NORESTART;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	kill(pid, SIGUSR1);
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(-EINTR, res.ret);
	EXPECT_EQ(1, res.sigs);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	close(rfd);
}

/* With SA_RESTART while queued: the call starts again and completes once. */
TEST_F(call, signal_while_queued_restarts)
{
	struct call_spec cs = call_to(self, "again");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX], b;
	int rfd, sp[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(sp));
	cs.sig = CALL_SIG_RESTART;
	cs.sigpipe = sp[1];
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	close(sp[1]);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	kill(pid, SIGUSR1);
	/* The handler ran, so the request was withdrawn; it is queued again. */
	ASSERT_EQ(0, mb_read_all(sp[0], &b, 1));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_FALSE(mb_readable(rfd, 100)) TH_LOG("not restarted");

	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, memcmp(buf, "again", 5));
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "once", 4));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(1, res.sigs);
	EXPECT_EQ(r.id, res.a.id);
	EXPECT_EQ(0, memcmp(res.reply, "once", 4));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	close(sp[0]);
	close(rfd);
}

/* A signal once the request was received: EINTR even with SA_RESTART. */
TEST_F(call, signal_while_held_eintr)
{
	static const enum call_sig how[] = {
		CALL_SIG_NORESTART, CALL_SIG_RESTART,
	};
	struct msgbox_recv_args r;
	struct call_spec cs;
	struct call_res res;
	char buf[CALL_MAX];
	unsigned int i;
	int rfd;
	pid_t pid;

	for (i = 0; i < MB_ARRAY_SIZE(how); i++) {
		cs = call_to(self, "held");
		cs.sig = how[i];
		pid = start_call(self, &cs, &rfd);
		ASSERT_LT(0, pid);
		ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
		ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
		ASSERT_EQ(0, mb_wait_sleeping(pid));
		kill(pid, SIGUSR1);
		ASSERT_EQ(0, call_result(rfd, &res));
		EXPECT_EQ(-EINTR, res.ret) TH_LOG("SA_RESTART %s",
						  i ? "set" : "not set");
		EXPECT_EQ(1, res.sigs);
		EXPECT_EQ(-ECANCELED, mb_reply(self->fd, r.id, "late", 4));
		EXPECT_EQ(-ENOENT, mb_reply(self->fd, r.id, "late", 4));
		EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
		/* And it is not queued again either. */
		EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
		EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid)));
		close(rfd);
	}
}

/* A released call is queued again: its caller's deadline withdraws it. */
TEST_F(call, released_call_deadline_withdraws)
{
	struct call_spec cs = call_to(self, "back");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd;
	pid_t pid;

	cs.flags = MSGBOX_CALL_DEADLINE;
	cs.deadline_ns = mb_now_ns() + 1000000000ULL;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mb_release(self->fd, r.id));
	ASSERT_GT(cs.deadline_ns, mb_now_ns()) TH_LOG("released only after the deadline");

	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(-ETIMEDOUT, res.ret);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	close(rfd);
}

/* Queued again after a release, a call restarts on a signal under SA_RESTART. */
TEST_F(call, released_call_signal_restarts)
{
	struct call_spec cs = call_to(self, "back");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX], b;
	int rfd, sp[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(sp));
	cs.sig = CALL_SIG_RESTART;
	cs.sigpipe = sp[1];
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	close(sp[1]);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mb_release(self->fd, r.id));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	kill(pid, SIGUSR1);
	ASSERT_EQ(0, mb_read_all(sp[0], &b, 1));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	EXPECT_FALSE(mb_readable(rfd, 100)) TH_LOG("not restarted");

	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "fine", 4));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(1, res.sigs);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
	close(sp[0]);
	close(rfd);
}

/* Destroyed: queued and held calls fail with EIDRM, settling too. */
TEST_F(call, destroy_fails_calls_eidrm)
{
	struct call_spec cs1 = call_to(self, "held"), cs2 = call_to(self, "queued");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int rfd1, rfd2;
	pid_t p1, p2;

	p1 = start_call(self, &cs1, &rfd1);
	ASSERT_LT(0, p1);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	p2 = start_call(self, &cs2, &rfd2);
	ASSERT_LT(0, p2);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, 2, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));

	ASSERT_EQ(0, mb_destroy_name(self->name));
	ASSERT_EQ(0, call_result(rfd1, &res));
	EXPECT_EQ(-EIDRM, res.ret);
	ASSERT_EQ(0, call_result(rfd2, &res));
	EXPECT_EQ(-EIDRM, res.ret);
	EXPECT_EQ(-EIDRM, mb_reply(self->fd, r.id, "late", 4));
	EXPECT_EQ(-EIDRM, mb_call_expired(self->fd, "after", 5));
	close(rfd1);
	close(rfd2);
}

/*
 * Calling a port whose mode denies the caller write access: EACCES. With
 * write access for others, an unprivileged caller is served.
 */
TEST_F(call, port_mode_denies_unprivileged_caller)
{
	struct call_spec cs = call_to(self, "let me");
	struct msgbox_recv_args r;
	struct call_res res;
	char buf[CALL_MAX];
	int port, dev, rfd;
	mode_t old;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to change users");
	port = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, port);
	ASSERT_EQ(0, mb_raw_open(port, NULL, MSGBOX_OPEN_PORT, 4, 64, 0600));
	dev = mb_dev_open(O_RDWR);
	ASSERT_LE(0, dev);
	cs.fd = dev;
	cs.flags = MSGBOX_CALL_TO_PID;
	cs.pid = getpid();
	cs.uid = MB_NOBODY;
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(-EACCES, res.ret);
	EXPECT_EQ(0, mb_msgs(port));
	/* The port goes with its last descriptor, the child's copy too. */
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid)));
	close(rfd);
	close(port);

	old = umask(0);
	port = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, port) umask(old);
	ASSERT_EQ(0, mb_raw_open(port, NULL, MSGBOX_OPEN_PORT, 4, 64, 0622))
		umask(old);
	umask(old);
	pid = start_call(self, &cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_wait_counts(port, 1, 0, 1, NULL));
	ASSERT_EQ(6, mb_hold(port, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ((unsigned int)MB_NOBODY, r.uid);
	EXPECT_EQ((unsigned int)MB_NOBODY, r.gid);
	EXPECT_EQ(0, mb_reply(port, r.id, "in", 2));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(2, res.ret);
	EXPECT_EQ(0U, res.a.reply_uid);
	EXPECT_EQ(getpid(), res.a.reply_pid);
	close(rfd);
	close(port);
	close(dev);
}

/* What a caller or server in another namespace saw. */
struct ns_report {
	int ret;
	pid_t inner;		/* the process, as its own namespace numbers it */
	pid_t outer;		/* ... and as the parent's does */
	struct msgbox_call_args a;
	struct msgbox_recv_args r;
	char data[32];
};

/*
 * A caller in a new PID namespace: the server sees its outside PID; the
 * caller sees PID 0 for a replier its namespace cannot see.
 */
TEST_F(call, caller_in_pid_namespace)
{
	struct msgbox_recv_args r;
	struct ns_report rep;
	char buf[CALL_MAX];
	int rfd, wfd, status;
	pid_t mid, kid;

	if (geteuid() != 0)
		SKIP(return, "needs root for namespaces");
	mid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, mid);
	if (mid == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(2);
		kid = fork();
		if (kid == 0) {
			int fd = mb_attach(self->name, O_RDWR);

			memset(&rep, 0, sizeof(rep));
			rep.inner = getpid();
			mb_call_args(&rep.a, "inside", 6, rep.data, sizeof(rep.data));
			rep.a.flags = MSGBOX_CALL_DEADLINE;
			rep.a.deadline_ns = far_deadline();
			rep.ret = fd < 0 ? fd :
				  mb_ioctl(fd, MSGBOX_IOC_CALL, &rep.a);
			mb_write_all(wfd, &rep, sizeof(rep));
			_exit(0);
		}
		mb_write_all(wfd, &kid, sizeof(kid));
		waitpid(kid, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
	}
	add_kid(self, mid);
	ASSERT_EQ(0, mb_read_all(rfd, &kid, sizeof(kid)));
	ASSERT_LT(0, kid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(6, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(kid, r.pid);
	EXPECT_NE(1, r.pid);
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "outside", 7));

	ASSERT_EQ(0, mb_read_all(rfd, &rep, sizeof(rep)));
	EXPECT_EQ(1, rep.inner);
	EXPECT_EQ(7, rep.ret);
	EXPECT_EQ(0, memcmp(rep.data, "outside", 7));
	/* The replier is outside the caller's namespace. */
	EXPECT_EQ(0, rep.a.reply_pid);
	EXPECT_EQ(r.id, rep.a.id);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, mid)));
	close(rfd);
}

/*
 * A server in a new PID namespace: the caller sees the replier's outside
 * PID; the server sees PID 0 for a caller it cannot see.
 */
TEST_F(call, server_in_pid_namespace)
{
	struct msgbox_call_args a;
	struct ns_report rep;
	char reply[32], buf[CALL_MAX];
	int rfd, wfd, status;
	pid_t mid, kid;

	if (geteuid() != 0)
		SKIP(return, "needs root for namespaces");
	mid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, mid);
	if (mid == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(2);
		kid = fork();
		if (kid == 0) {
			int fd = mb_attach(self->name, O_RDWR);

			memset(&rep, 0, sizeof(rep));
			rep.inner = getpid();
			mb_recv_args(&rep.r, buf, sizeof(buf));
			rep.r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
			rep.r.deadline_ns = far_deadline();
			rep.ret = fd < 0 ? fd :
				  mb_ioctl(fd, MSGBOX_IOC_RECV, &rep.r);
			if (rep.ret >= 0)
				rep.ret = mb_reply(fd, rep.r.id, "from inside", 11);
			mb_write_all(wfd, &rep, sizeof(rep));
			_exit(0);
		}
		mb_write_all(wfd, &kid, sizeof(kid));
		waitpid(kid, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
	}
	add_kid(self, mid);
	ASSERT_EQ(0, mb_read_all(rfd, &kid, sizeof(kid)));
	ASSERT_LT(0, kid);

	mb_call_args(&a, "outside", 7, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_DEADLINE;
	a.deadline_ns = far_deadline();
	EXPECT_EQ(11, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	EXPECT_EQ(0, memcmp(reply, "from inside", 11));
	EXPECT_EQ(kid, a.reply_pid);

	ASSERT_EQ(0, mb_read_all(rfd, &rep, sizeof(rep)));
	EXPECT_EQ(0, rep.ret);
	EXPECT_EQ(1, rep.inner);
	EXPECT_EQ(0, rep.r.pid);
	EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, rep.r.msg_flags);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, mid)));
	close(rfd);
}

#define NS_UID		40001
#define OVERFLOW_ID	65534

/* Becomes root of a new user namespace mapped onto @uid outside. */
static int enter_userns(uid_t uid)
{
	char map[64];
	int fd, len;

	if (mb_drop_to(uid) || unshare(CLONE_NEWUSER))
		return -1;
	len = snprintf(map, sizeof(map), "0 %u 1\n", uid);
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return -1;
	close(fd);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, len) != len)
		return -1;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, len) != len)
		return -1;
	close(fd);
	return 0;
}

/*
 * A caller in a user namespace whose root is NS_UID outside: the server
 * sees NS_UID; the caller sees the server's root as the overflow id.
 */
TEST_F(call, caller_in_user_namespace)
{
	struct msgbox_recv_args r;
	struct ns_report rep;
	char buf[CALL_MAX];
	int rfd, wfd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root for namespaces");
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The descriptor is opened first, then carried in. */
		int fd = mb_attach(self->name, O_RDWR);

		memset(&rep, 0, sizeof(rep));
		rep.ret = -EPERM;
		if (fd >= 0 && !enter_userns(NS_UID)) {
			rep.inner = (pid_t)geteuid();
			mb_call_args(&rep.a, "user", 4, rep.data, sizeof(rep.data));
			rep.a.flags = MSGBOX_CALL_DEADLINE;
			rep.a.deadline_ns = far_deadline();
			rep.ret = mb_ioctl(fd, MSGBOX_IOC_CALL, &rep.a);
		}
		mb_write_all(wfd, &rep, sizeof(rep));
		_exit(0);
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ((unsigned int)NS_UID, r.uid);
	EXPECT_EQ((unsigned int)NS_UID, r.gid);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(0, mb_reply(self->fd, r.id, "root", 4));

	ASSERT_EQ(0, mb_read_all(rfd, &rep, sizeof(rep)));
	EXPECT_EQ(0, rep.inner);
	EXPECT_EQ(4, rep.ret);
	EXPECT_EQ((unsigned int)OVERFLOW_ID, rep.a.reply_uid);
	EXPECT_EQ((unsigned int)OVERFLOW_ID, rep.a.reply_gid);
	EXPECT_EQ(getpid(), rep.a.reply_pid);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid)));
	close(rfd);
}

/* The other way round: a server in a user namespace answers root. */
TEST_F(call, server_in_user_namespace)
{
	struct msgbox_call_args a;
	struct ns_report rep;
	char reply[32], buf[CALL_MAX];
	int rfd, wfd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root for namespaces");
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_attach(self->name, O_RDWR);

		memset(&rep, 0, sizeof(rep));
		rep.ret = -EPERM;
		if (fd >= 0 && !enter_userns(NS_UID)) {
			mb_recv_args(&rep.r, buf, sizeof(buf));
			rep.r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
			rep.r.deadline_ns = far_deadline();
			rep.ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &rep.r);
			if (rep.ret >= 0)
				rep.ret = mb_reply(fd, rep.r.id, "ns", 2);
		}
		mb_write_all(wfd, &rep, sizeof(rep));
		_exit(0);
	}
	add_kid(self, pid);
	mb_call_args(&a, "hello", 5, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_DEADLINE;
	a.deadline_ns = far_deadline();
	EXPECT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &a));
	EXPECT_EQ((unsigned int)NS_UID, a.reply_uid);
	EXPECT_EQ((unsigned int)NS_UID, a.reply_gid);
	EXPECT_EQ(pid, a.reply_pid);

	ASSERT_EQ(0, mb_read_all(rfd, &rep, sizeof(rep)));
	EXPECT_EQ(0, rep.ret);
	EXPECT_EQ((unsigned int)OVERFLOW_ID, rep.r.uid);
	EXPECT_EQ((unsigned int)OVERFLOW_ID, rep.r.gid);
	EXPECT_EQ(getpid(), rep.r.pid);
	EXPECT_TRUE(mb_exited_ok(reap_kid(self, pid)));
	close(rfd);
}

TEST_HARNESS_MAIN
