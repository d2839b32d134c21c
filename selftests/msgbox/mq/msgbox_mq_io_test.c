// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq conformance: mq_send() and mq_receive() and their timed
 * forms: priorities, sizes, full and empty queues, timeouts, blocking,
 * signals, and descriptors that are no queue.
 */
#include "mq_fixture.h"

TEST_F(mq, send_receive)
{
	char buf[Q_MSGSIZE];
	unsigned int prio = 99;

	ASSERT_EQ(0, mq_send(self->q, "hello", 5, 7));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(7U, prio);

	/* msg_prio may be NULL. */
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 1));
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
}

TEST_F(mq, priority_order)
{
	static const unsigned int sent[Q_MAXMSG] = { 5, 1, 9, 5 };
	static const char want[Q_MAXMSG] = { 'c', 'a', 'd', 'b' };
	char buf[Q_MSGSIZE], tag;
	unsigned int prio, i;

	for (i = 0; i < Q_MAXMSG; i++) {
		tag = 'a' + i;
		ASSERT_EQ(0, mq_send(self->q, &tag, 1, sent[i]));
	}
	/* Highest priority first, oldest first within a priority. */
	for (i = 0; i < Q_MAXMSG; i++) {
		ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), &prio));
		EXPECT_EQ(want[i], buf[0]);
	}
	EXPECT_EQ(1U, prio);
}

TEST_F(mq, priority_limits)
{
	char buf[Q_MSGSIZE];
	unsigned int prio;

	EXPECT_EQ(32768, sysconf(_SC_MQ_PRIO_MAX));
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 32767));
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(32767U, prio);

	EXPECT_EQ(-1, mq_send(self->q, "x", 1, 32768));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mq_send(self->q, "x", 1, UINT_MAX));
	EXPECT_EQ(EINVAL, errno);
	/* The priority is checked before the descriptor. */
	EXPECT_EQ(-1, mq_send(-1, "x", 1, 32768));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mq, send_msgsize)
{
	char buf[Q_MSGSIZE + 1];

	memset(buf, 'm', sizeof(buf));
	EXPECT_EQ(0, mq_send(self->q, buf, Q_MSGSIZE, 0));
	EXPECT_EQ(-1, mq_send(self->q, buf, Q_MSGSIZE + 1, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(Q_MSGSIZE, mq_receive(self->q, buf, sizeof(buf), NULL));
}

TEST_F(mq, receive_short_buffer)
{
	char buf[Q_MSGSIZE];
	struct mq_attr a;

	/* EMSGSIZE below mq_msgsize even on an empty queue, at once. */
	EXPECT_EQ(-1, mq_receive(self->q, buf, Q_MSGSIZE - 1, NULL));
	EXPECT_EQ(EMSGSIZE, errno);

	/* A message that would fit stays queued. */
	ASSERT_EQ(0, mq_send(self->q, "ab", 2, 0));
	EXPECT_EQ(-1, mq_receive(self->q, buf, 2, NULL));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
	EXPECT_EQ(2, mq_receive(self->q, buf, sizeof(buf), NULL));
}

TEST_F(mq, zero_length)
{
	char buf[Q_MSGSIZE];
	unsigned int prio;

	ASSERT_EQ(0, mq_send(self->q, "", 0, 4));
	EXPECT_EQ(0, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(4U, prio);
}

TEST_F(mq, send_full_nonblock)
{
	struct mq_attr a = { .mq_flags = O_NONBLOCK };

	ASSERT_EQ(0, fill(self->q));
	ASSERT_EQ(0, mq_setattr(self->q, &a, NULL));
	EXPECT_EQ(-1, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_curmsgs);
}

TEST_F(mq, receive_empty_nonblock)
{
	struct mq_attr a = { .mq_flags = O_NONBLOCK };
	char buf[Q_MSGSIZE];

	ASSERT_EQ(0, mq_setattr(self->q, &a, NULL));
	EXPECT_EQ(-1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(mq, timedreceive_timeout)
{
	char buf[Q_MSGSIZE];
	struct timespec ts = mqt_abs_ms(200);
	int64_t start = mqt_now_ms();

	EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(190, mqt_now_ms() - start);
}

TEST_F(mq, timedsend_timeout)
{
	struct timespec ts;
	int64_t start;

	ASSERT_EQ(0, fill(self->q));
	ts = mqt_abs_ms(200);
	start = mqt_now_ms();
	EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(190, mqt_now_ms() - start);
}

/* Linux validates the timeout first, whether or not the call would block. */
TEST_F(mq, timed_invalid_timespec)
{
	static const struct timespec bad[] = {
		{ .tv_sec = 0, .tv_nsec = -1 },
		{ .tv_sec = 0, .tv_nsec = 1000000000L },
		{ .tv_sec = -1, .tv_nsec = 0 },
	};
	char buf[Q_MSGSIZE];
	unsigned int i;

	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	for (i = 0; i < MQT_ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("send case %u", i);
		EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("receive case %u", i);
		/* Before the descriptor, and before the priority. */
		EXPECT_EQ(-1, mq_timedsend(-1, "x", 1, 40000, &bad[i]));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mq_timedreceive(-1, buf, 0, NULL, &bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(mq, timed_past_deadline_succeeds)
{
	struct timespec past = { .tv_sec = 1, .tv_nsec = 0 };
	struct timespec ago = mqt_abs_ms(-5000);
	char buf[Q_MSGSIZE];

	EXPECT_EQ(0, mq_timedsend(self->q, "p", 1, 2, &past));
	EXPECT_EQ(0, mq_timedsend(self->q, "q", 1, 1, &ago));
	EXPECT_EQ(1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &past));
	EXPECT_EQ('p', buf[0]);
	EXPECT_EQ(1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &ago));
	EXPECT_EQ('q', buf[0]);
	/* Empty now: the past deadline fails at once. */
	EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &past));
	EXPECT_EQ(ETIMEDOUT, errno);
}

TEST_F(mq, timed_nonblock)
{
	struct mq_attr a = { .mq_flags = O_NONBLOCK };
	struct timespec ts = mqt_abs_ms(5000);
	char buf[Q_MSGSIZE];
	int64_t start = mqt_now_ms();

	ASSERT_EQ(0, mq_setattr(self->q, &a, NULL));
	EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fill(self->q));
	EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &ts));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_GT(2000, mqt_now_ms() - start);
}

TEST_F(mq, receive_blocks_until_send)
{
	struct blocker b;
	pthread_t t;

	ASSERT_EQ(0, start_blocked(&b, self->q, receiver_main, MQT_SYS_RECV, &t));
	ASSERT_EQ(0, mq_send(self->q, "wake", 4, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(4, b.ret);
	EXPECT_EQ(0, memcmp(b.buf, "wake", 4));
}

TEST_F(mq, send_blocks_until_receive)
{
	char buf[Q_MSGSIZE];
	struct blocker b;
	pthread_t t;
	int i;

	ASSERT_EQ(0, fill(self->q));
	ASSERT_EQ(0, start_blocked(&b, self->q, sender_main, MQT_SYS_SEND, &t));
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(0, b.ret);
	for (i = 0; i < Q_MAXMSG - 1; i++)
		ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(4, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "late", 4));
}

static void on_signal(int sig)
{
	(void)sig;
}

static void no_restart(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(sig, &sa, NULL);
}

TEST_F(mq, receive_eintr)
{
	struct blocker b;
	pthread_t t;

	no_restart(SIGUSR1);
	ASSERT_EQ(0, start_blocked(&b, self->q, receiver_main, MQT_SYS_RECV, &t));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(EINTR, b.err);
}

TEST_F(mq, send_eintr)
{
	struct blocker b;
	pthread_t t;

	ASSERT_EQ(0, fill(self->q));
	no_restart(SIGUSR1);
	ASSERT_EQ(0, start_blocked(&b, self->q, sender_main, MQT_SYS_SEND, &t));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(EINTR, b.err);
}

static volatile sig_atomic_t restart_hits;

static void on_restart_signal(int sig)
{
	(void)sig;
	restart_hits++;
}

/* With SA_RESTART the blocked call goes on after the handler. */
TEST_F(mq, receive_sa_restart)
{
	struct sigaction sa;
	struct blocker b;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_restart_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, start_blocked(&b, self->q, receiver_main, MQT_SYS_RECV, &t));
	pthread_kill(t, SIGUSR1);
	while (!restart_hits)
		usleep(1000);
	ASSERT_EQ(0, mqt_wait_blocked(b.tid, MQT_SYS_RECV));
	ASSERT_EQ(0, mq_send(self->q, "after", 5, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(5, b.ret);
}

/* Every call on descriptors that are no message queue: EBADF. */
TEST_F(mq, bad_descriptors)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct timespec ts = mqt_abs_ms(1000);
	struct mq_attr a = { 0 };
	char buf[Q_MSGSIZE];
	int fds[8], n = 0, pipefd[2], i, closed;

	/* A descriptor number nothing below will take. */
	closed = 900;
	ASSERT_EQ(-1, fcntl(closed, F_GETFD));
	ASSERT_EQ(0, pipe(pipefd));
	fds[n++] = -1;
	fds[n++] = closed;
	fds[n++] = pipefd[0];
	fds[n++] = open("/dev/null", O_RDWR);
#if MQT_MSGBOX
	/* A /dev/msgbox descriptor bound to no mailbox. */
	fds[n++] = open(MQT_DEV, O_RDWR);
#endif
	for (i = 0; i < n; i++) {
		ASSERT_LE(-1, fds[i]);
		EXPECT_EQ(-1, mq_send(fds[i], "x", 1, 0));
		EXPECT_EQ(EBADF, errno) TH_LOG("send, case %d", i);
		EXPECT_EQ(-1, mq_timedsend(fds[i], "x", 1, 0, &ts));
		EXPECT_EQ(EBADF, errno) TH_LOG("timedsend, case %d", i);
		EXPECT_EQ(-1, mq_receive(fds[i], buf, sizeof(buf), NULL));
		EXPECT_EQ(EBADF, errno) TH_LOG("receive, case %d", i);
		EXPECT_EQ(-1, mq_timedreceive(fds[i], buf, sizeof(buf), NULL, &ts));
		EXPECT_EQ(EBADF, errno) TH_LOG("timedreceive, case %d", i);
		EXPECT_EQ(-1, mq_getattr(fds[i], &a));
		EXPECT_EQ(EBADF, errno) TH_LOG("getattr, case %d", i);
		EXPECT_EQ(-1, mq_setattr(fds[i], &a, NULL));
		EXPECT_EQ(EBADF, errno) TH_LOG("setattr, case %d", i);
		EXPECT_EQ(-1, mq_notify(fds[i], &sev));
		EXPECT_EQ(EBADF, errno) TH_LOG("notify, case %d", i);
	}
	EXPECT_EQ(-1, mq_close(-1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_close(closed));
	EXPECT_EQ(EBADF, errno);
}

TEST_HARNESS_MAIN
