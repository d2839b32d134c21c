// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox done-and-receive: MSGBOX_RECV_DONE and msgbox_done_recv(). A
 * receive that first finishes with a message its open file description
 * holds (the id goes in, the next message's id comes back), clears the
 * flag in the caller's arguments once the done is made and only then, and
 * never settles twice: not after a failed receive, not after a restart.
 */
#include <sys/mman.h>
#include <sys/time.h>

#include <msgbox.h>

#include "hold_fixture.h"

/* A held receive that is done with @id first; *@out the arguments after. */
static int mb_done_recv(int fd, uint64_t id, void *buf, unsigned int len,
			unsigned int flags, struct msgbox_recv_args *out)
{
	struct msgbox_recv_args a;
	int ret;

	mb_recv_args(&a, buf, len);
	a.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE | flags;
	a.id = id;
	ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &a);
	if (out)
		*out = a;
	return ret;
}

/* Queued and held messages now: 0, or the -errno of STAT. */
static int counts(int fd, unsigned int *msgs, unsigned int *held)
{
	struct msgbox_stat_args st;
	int ret = mb_raw_stat(fd, &st);

	if (ret)
		return ret;
	*msgs = st.msgs;
	*held = st.held;
	return 0;
}

/* Each message done with as the next is held: in order, one slot held. */
TEST_F(hold, done_recv_walks_the_queue)
{
	static const char *const text[] = { "a", "bb", "ccc", "dddd", "eeeee" };
	struct msgbox_recv_args r;
	unsigned int msgs, held, i;
	uint64_t ids[5];
	char buf[HOLD_MAX];

	for (i = 0; i < 5; i++) {
		ids[i] = send_id(self->fd, text[i], 0);
		ASSERT_NE(0ULL, ids[i]);
	}
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(ids[0], r.id);
	for (i = 1; i < 5; i++) {
		ASSERT_EQ((int)i + 1,
			  mb_done_recv(self->fd, r.id, buf, sizeof(buf), 0, &r));
		EXPECT_EQ(ids[i], r.id);
		EXPECT_EQ(0, memcmp(buf, text[i], i + 1));
		EXPECT_EQ(MSGBOX_MSG_HELD, r.msg_flags);
		/* Done: the flag is gone from the caller's copy. */
		EXPECT_EQ(MSGBOX_RECV_HOLD, r.flags);
		ASSERT_EQ(0, counts(self->fd, &msgs, &held));
		EXPECT_EQ(4 - i, msgs);
		EXPECT_EQ(1U, held);
	}
	/* The last one done, and nothing left to receive: EAGAIN, done made. */
	EXPECT_EQ(-EAGAIN, mb_done_recv(self->fd, r.id, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(MSGBOX_RECV_HOLD, r.flags);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(0U, msgs);
	EXPECT_EQ(0U, held);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, ids[4]));
}

/* A done that cannot be made receives nothing and leaves the flag. */
TEST_F(hold, done_recv_not_held_enoent)
{
	struct msgbox_recv_args r, h;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	uint64_t id;

	id = send_id(self->fd, "one", 0);
	ASSERT_NE(0ULL, send_id(self->fd, "two", 0));

	/* Queued, never received. */
	EXPECT_EQ(-ENOENT, mb_done_recv(self->fd, id, buf, sizeof(buf), 0, &r));
	EXPECT_NE(0U, r.flags & MSGBOX_RECV_DONE);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(2U, msgs);
	EXPECT_EQ(0U, held);

	/* Held by the other open file description: still its. */
	ASSERT_EQ(3, mb_hold(self->fd2, buf, sizeof(buf), 0, &h));
	EXPECT_EQ(-ENOENT, mb_done_recv(self->fd, h.id, buf, sizeof(buf), 0, &r));
	EXPECT_NE(0U, r.flags & MSGBOX_RECV_DONE);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(1U, held);
	EXPECT_EQ(0, mb_done(self->fd2, h.id));

	/* Done already: not a second time. */
	EXPECT_EQ(-ENOENT, mb_done_recv(self->fd2, h.id, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(0U, held);
}

/* A call is answered with SETTLE: a done in a receive refuses it. */
TEST_F(hold, done_recv_refuses_a_call)
{
	struct call_spec cs = {
		.name = self->name, .fd = -1, .buf = "ping", .len = 4,
		.reply_buf_len = 16, .sigpipe = -1,
	};
	struct msgbox_recv_args r, c;
	struct msgbox_stat_args st;
	struct call_res res;
	char buf[HOLD_MAX];
	int rfd;
	pid_t pid;

	pid = call_spawn(&cs, &rfd);
	ASSERT_LT(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(call_started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_NE(0ULL, send_id(self->fd, "next", 0));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &c));
	ASSERT_NE(0U, c.msg_flags & MSGBOX_MSG_CALL);

	EXPECT_EQ(-EINVAL, mb_done_recv(self->fd, c.id, buf, sizeof(buf), 0, &r));
	EXPECT_NE(0U, r.flags & MSGBOX_RECV_DONE);
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(1U, st.calls);

	/* Still held, and answered as a call is. */
	EXPECT_EQ(0, mb_reply(self->fd, c.id, "pong", 4));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	EXPECT_EQ(0, memcmp(res.reply, "pong", 4));
	close(rfd);
}

/* Where a done in a receive is not taken, and a receive that does not hold. */
TEST_F(hold, done_recv_argument_errors)
{
	struct msgbox_recv_args r, next, *ro;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	int settle_error;

	ASSERT_NE(0ULL, send_id(self->fd, "one", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "two", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "three", 0));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));

	/* In the receive of a SETTLE|RECV: the settle alone is made. */
	EXPECT_EQ(-EINVAL, mb_settle_recv(self->fd, r.id, 0, NULL, 0, &next,
					  MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE,
					  buf, sizeof(buf), &settle_error));
	EXPECT_EQ(0, settle_error);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(2U, msgs);
	EXPECT_EQ(0U, held);

	/* Arguments the module cannot write back: nothing is done. */
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	mb_recv_args(ro, buf, sizeof(buf));
	ro->flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE;
	ro->id = r.id;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, mb_ioctl(self->fd, MSGBOX_IOC_RECV, ro));
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(1U, held);
	munmap(ro, 4096);

	/* Without MSGBOX_RECV_HOLD: done, then a plain receive. */
	mb_recv_args(&next, buf, sizeof(buf));
	next.flags = MSGBOX_RECV_DONE;
	next.id = r.id;
	EXPECT_EQ(5, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &next));
	EXPECT_EQ(0, memcmp(buf, "three", 5));
	EXPECT_EQ(0U, next.flags);
	EXPECT_EQ(0U, next.msg_flags & MSGBOX_MSG_HELD);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(0U, msgs);
	EXPECT_EQ(0U, held);

	/* A receive of the first version takes it too. */
	ASSERT_NE(0ULL, send_id(self->fd, "four", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "five", 0));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	mb_recv_args(&next, buf, sizeof(buf));
	next.size = MSGBOX_RECV_SIZE_VER0;
	next.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE;
	next.id = r.id;
	EXPECT_EQ(4, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &next));
	EXPECT_EQ(MSGBOX_RECV_HOLD, next.flags);
	EXPECT_EQ(0, mb_done(self->fd, next.id));
}

/* Once done, a failed or timed-out receive does not undo it. */
TEST_F(hold, done_recv_done_stands_when_receive_fails)
{
	struct msgbox_recv_args r;
	unsigned int msgs, held;
	char buf[4];

	ASSERT_NE(0ULL, send_id(self->fd, "one", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "too long", 0));
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));

	/* The next does not fit: it stays queued, the first is done. */
	EXPECT_EQ(-EMSGSIZE, mb_done_recv(self->fd, r.id, buf, sizeof(buf), 0,
					  &r));
	EXPECT_EQ(8U, r.len);
	EXPECT_EQ(MSGBOX_RECV_HOLD, r.flags);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(0U, held);
}

/* A deadline that passes after the done: ETIMEDOUT, the done made. */
TEST_F(hold, done_recv_deadline_after_done)
{
	struct msgbox_recv_args r;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	int bfd;

	bfd = mb_attach(self->name, O_RDWR);
	ASSERT_LE(0, bfd);
	ASSERT_NE(0ULL, send_id(self->fd, "one", 0));
	ASSERT_EQ(3, mb_hold(bfd, buf, sizeof(buf), 0, &r));
	r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE | MSGBOX_RECV_DEADLINE;
	r.deadline_ns = mb_now_ns() + 50000000ULL;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(bfd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE, r.flags);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(0U, msgs);
	EXPECT_EQ(0U, held);
	close(bfd);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * Blocked after the done, interrupted by handlers: with SA_RESTART the
 * receive restarts without the done (no ENOENT) and gets the message sent
 * later; without it, EINTR with the done made.
 */
static void restart_case(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hold) *self, int restart)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct msgbox_recv_args r;
	struct sigaction sa;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	int bfd, ret, wfd, rfd;
	uint64_t first;
	pid_t pid;

	bfd = mb_attach(self->name, O_RDWR);
	ASSERT_LE(0, bfd);
	first = send_id(self->fd, "one", 0);
	ASSERT_NE(0ULL, first);
	ASSERT_EQ(3, mb_hold(bfd, buf, sizeof(buf), 0, &r));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_attach(self->name, O_WRONLY);

		mb_sleep_ms(300);
		_exit(fd < 0 || mb_raw_send(fd, "later", 5, 0) ? 1 : 0);
	}
	add_kid(self, pid);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarms = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE;
	r.id = first;
	ret = mb_ioctl(bfd, MSGBOX_IOC_RECV, &r);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);

	EXPECT_LT(0, alarms);
	EXPECT_EQ(MSGBOX_RECV_HOLD, r.flags);
	if (restart) {
		EXPECT_EQ(5, ret);
		EXPECT_EQ(0, memcmp(buf, "later", 5));
		EXPECT_NE(first, r.id);
		EXPECT_EQ(0, mb_done(bfd, r.id));
	} else {
		EXPECT_EQ(-EINTR, ret);
	}
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	/* The first is gone either way, done once. */
	EXPECT_EQ(-ENOENT, mb_done(bfd, first));
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(restart ? 0U : 1U, msgs);
	EXPECT_EQ(0U, held);
	close(rfd);
	close(bfd);
}

TEST_F(hold, done_recv_restarts_without_the_done)
{
	restart_case(_metadata, self, 1);
}

TEST_F(hold, done_recv_eintr_after_the_done)
{
	restart_case(_metadata, self, 0);
}

/* An acknowledged sender hears of its message at the done. */
TEST_F(hold, done_recv_acknowledges_the_sender)
{
	struct msgbox_recv_args r;
	struct send_res res;
	char buf[HOLD_MAX];
	int rfd;
	pid_t pid;

	pid = send_spawn(self->name, "acked", MSGBOX_SEND_ACK, 0, &rfd);
	ASSERT_LE(0, pid);
	add_kid(self, pid);
	ASSERT_TRUE(started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, -1, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	/* Held: the sender still waits. */
	EXPECT_EQ(0, mb_wait_sleeping(pid));
	EXPECT_EQ(-EAGAIN, mb_done_recv(self->fd, r.id, buf, sizeof(buf), 0,
					&r));
	ASSERT_EQ(0, mb_read_all(rfd, &res, sizeof(res)));
	EXPECT_EQ(0, res.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);
}

/* In a batch, an entry with the flag is received on its own, done first. */
TEST_F(hold, done_recv_in_a_batch)
{
	struct msgbox_recv_args e[2], r1, r2;
	struct msgbox_batch_args b;
	unsigned int msgs, held;
	char b1[HOLD_MAX], b2[HOLD_MAX];

	ASSERT_NE(0ULL, send_id(self->fd, "1", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "2", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "33", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "444", 0));
	ASSERT_EQ(1, mb_hold(self->fd, b1, sizeof(b1), 0, &r1));
	ASSERT_EQ(1, mb_hold(self->fd, b2, sizeof(b2), 0, &r2));

	mb_recv_args(&e[0], b1, sizeof(b1));
	e[0].flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE;
	e[0].id = r1.id;
	mb_recv_args(&e[1], b2, sizeof(b2));
	e[1].flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DONE;
	e[1].id = r2.id;
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.entries = (uintptr_t)e;
	b.entry_size = sizeof(e[0]);
	b.count = 2;
	EXPECT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV_BATCH, &b));
	EXPECT_EQ(2U, b.done);
	EXPECT_EQ(2U, e[0].len);
	EXPECT_EQ(0, memcmp(b1, "33", 2));
	EXPECT_EQ(3U, e[1].len);
	EXPECT_EQ(0, memcmp(b2, "444", 3));
	EXPECT_EQ(MSGBOX_RECV_HOLD, e[0].flags);
	EXPECT_EQ(MSGBOX_RECV_HOLD, e[1].flags);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(0U, msgs);
	EXPECT_EQ(2U, held);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, r1.id));
	EXPECT_EQ(0, mb_done(self->fd, e[0].id));
	EXPECT_EQ(0, mb_done(self->fd, e[1].id));
}

/* The library: *done tells which half failed. */
TEST_F(hold, done_recv_library)
{
	struct msgbox_held_info info;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	uint64_t first;
	int done = -1;

	first = send_id(self->fd, "one", 0);
	ASSERT_NE(0ULL, first);
	ASSERT_NE(0ULL, send_id(self->fd, "two", 0));
	ASSERT_EQ(3, msgbox_recv_held(self->fd, buf, sizeof(buf), NULL, &info));

	EXPECT_EQ(-EINVAL, msgbox_done_recv(self->fd, info.msg.id, NULL, buf,
					    sizeof(buf), NULL, &info));
	EXPECT_EQ(-EINVAL, msgbox_done_recv(self->fd, info.msg.id, &done, buf,
					    sizeof(buf), NULL, NULL));
	EXPECT_EQ(0, done);
	done = -1;
	EXPECT_EQ(-ENOENT, msgbox_done_recv(self->fd, first + 100, &done, buf,
					    sizeof(buf), NULL, &info));
	EXPECT_EQ(0, done);
	EXPECT_EQ(first, info.msg.id);

	done = -1;
	EXPECT_EQ(3, msgbox_done_recv(self->fd, first, &done, buf, sizeof(buf),
				      NULL, &info));
	EXPECT_EQ(1, done);
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	EXPECT_NE(first, info.msg.id);
	EXPECT_EQ(0, info.redelivered);

	done = -1;
	EXPECT_EQ(-EAGAIN, msgbox_done_recv(self->fd, info.msg.id, &done, buf,
					    sizeof(buf), NULL, &info));
	EXPECT_EQ(1, done);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(0U, msgs);
	EXPECT_EQ(0U, held);
}

/* A holder that dies after done-and-receive returns only what it held. */
TEST_F(hold, done_recv_killed_holder_returns_the_last)
{
	struct msgbox_recv_args r;
	unsigned int msgs, held;
	char buf[HOLD_MAX];
	int got, wfd, rfd;
	pid_t pid;

	ASSERT_NE(0ULL, send_id(self->fd, "1", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "2", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "3", 0));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);

		got = fd < 0 ? fd : mb_hold(fd, buf, sizeof(buf), 0, &r);
		if (got > 0)
			got = mb_done_recv(fd, r.id, buf, sizeof(buf), 0, &r);
		mb_write_all(wfd, &got, sizeof(got));
		for (;;)
			pause();
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &got, sizeof(got)));
	ASSERT_EQ(1, got);
	ASSERT_EQ(0, counts(self->fd, &msgs, &held));
	EXPECT_EQ(1U, msgs);
	EXPECT_EQ(1U, held);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	self->nkids = 0;
	close(rfd);

	/* "2" comes back, marked, ahead of "3"; "1" is gone. */
	ASSERT_EQ(0, mb_wait_counts(self->fd, 2, 0, -1, NULL));
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ('2', buf[0]);
	EXPECT_NE(0U, r.msg_flags & MSGBOX_MSG_REDELIVERED);
	EXPECT_EQ(1U, r.deliveries);
	ASSERT_EQ(1, mb_done_recv(self->fd, r.id, buf, sizeof(buf), 0, &r));
	EXPECT_EQ('3', buf[0]);
	EXPECT_EQ(0U, r.msg_flags & MSGBOX_MSG_REDELIVERED);
	EXPECT_EQ(0, mb_done(self->fd, r.id));
}

TEST_HARNESS_MAIN
