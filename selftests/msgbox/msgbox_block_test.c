// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox blocking tests: O_NONBLOCK, blocking send and receive woken by a
 * peer, signals (EINTR and SA_RESTART), deadlines, destroy under blocked
 * peers, lifetime of a mailbox across its descriptors, killed waiters,
 * rendezvous mailboxes and acknowledged sends.
 *
 * A child that is going to block writes one byte to its report pipe first;
 * the parent then waits for the mailbox's waiting counters (or the child's
 * /proc state) before it acts, and reads the child's result from the pipe.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define BLK_CAP		2

FIXTURE(blk) {
	int fd;			/* O_RDWR, blocking */
	int nb;			/* O_RDWR | O_NONBLOCK, same mailbox */
	char name[128];
	char name2[160];
	pid_t kids[4];
	int nkids;
};

FIXTURE_SETUP(blk)
{
	struct msgbox_attr attr = { .capacity = BLK_CAP, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->nb = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, self->nb);
}

FIXTURE_TEARDOWN(blk)
{
	int i;

	/* Destroying first wakes any child still blocked. */
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
	close(self->nb);
}

/* What a child did. */
struct res {
	int ret;
	int delivered;
	uint64_t ms;
	char data[64];
};

enum child_op { CO_RECV, CO_SEND, CO_SEND_ACK, CO_RECV_FROM_SELF };
enum child_sig { CS_NONE, CS_NORESTART, CS_RESTART };

struct cspec {
	enum child_op op;
	int fd;
	const char *data;
	unsigned int len;
	enum child_sig sig;
	int sigpipe;		/* write end the handler reports to, or -1 */
	int twice;		/* do the operation a second time */
	int timeout_ms;		/* 0: none */
};

static int sig_fd = -1;

static void on_usr1(int sig)
{
	char c = 's';
	ssize_t n;

	(void)sig;
	if (sig_fd >= 0) {
		n = write(sig_fd, &c, 1);
		(void)n;
	}
}

static void child_op(const struct cspec *cs, struct res *r)
{
	struct msgbox_send_opts so;
	struct msgbox_recv_opts ro;
	struct msgbox_send_info si;
	uint64_t start;

	memset(r, 0, sizeof(*r));
	memset(&so, 0, sizeof(so));
	memset(&ro, 0, sizeof(ro));
	if (cs->timeout_ms) {
		so.flags |= MSGBOX_SO_TIMEOUT;
		ro.flags |= MSGBOX_RO_TIMEOUT;
		so.timeout.tv_sec = ro.timeout.tv_sec = cs->timeout_ms / 1000;
		so.timeout.tv_nsec = ro.timeout.tv_nsec =
			(cs->timeout_ms % 1000) * 1000000L;
	}
	start = mb_now_ns();
	switch (cs->op) {
	case CO_RECV_FROM_SELF:
		ro.flags |= MSGBOX_RO_FROM_PID;
		ro.pid = getpid();
		/* fall through */
	case CO_RECV:
		r->ret = msgbox_recvx(cs->fd, r->data, sizeof(r->data), &ro,
				      NULL);
		break;
	case CO_SEND_ACK:
		so.flags |= MSGBOX_SO_ACK;
		/* fall through */
	case CO_SEND:
		memset(&si, 0, sizeof(si));
		r->ret = msgbox_sendx(cs->fd, cs->data, cs->len, &so, &si);
		r->delivered = si.delivered;
		break;
	}
	r->ms = mb_ms_since(start);
}

/* Starts a child doing @cs; returns its pid, *@rfd its report pipe. */
static pid_t spawn(FIXTURE_DATA(blk) *self, const struct cspec *cs, int *rfd)
{
	struct sigaction sa;
	struct res r;
	int wfd;
	pid_t pid;
	char b = 'b';

	pid = mb_fork(rfd, &wfd);
	if (pid < 0)
		return pid;
	if (pid > 0) {
		if (self->nkids < (int)MB_ARRAY_SIZE(self->kids))
			self->kids[self->nkids++] = pid;
		return pid;
	}
	if (cs->sig != CS_NONE) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sa.sa_flags = cs->sig == CS_RESTART ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		sig_fd = cs->sigpipe;
	}
	mb_write_all(wfd, &b, 1);		/* about to block */
	child_op(cs, &r);
	mb_write_all(wfd, &r, sizeof(r));
	if (cs->twice) {
		child_op(cs, &r);
		mb_write_all(wfd, &r, sizeof(r));
	}
	_exit(0);
}

/* Waits for the child's "about to block" byte. */
static int started(int rfd)
{
	char b;

	return mb_read_all(rfd, &b, 1) == 0 && b == 'b';
}

/* 1 if the child has not reported within @ms. */
static int still_blocked(int rfd, int ms)
{
	return !mb_readable(rfd, ms);
}

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

TEST_HARNESS_MAIN
