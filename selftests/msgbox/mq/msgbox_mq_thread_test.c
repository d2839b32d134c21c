// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq conformance: mq_notify() with SIGEV_THREAD: the callback,
 * its attributes, re-arming, cancelling, fork and descriptor duplicates.
 */
#include "mq_fixture.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	int value;
	pthread_t thread;
	size_t stacksize;
	int detached;
	int usr2_blocked;
	mqd_t rearm_q;
	struct sigevent rearm;
	int rearm_ret;
} cb = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.rearm_q = -1,
};

static void callback(union sigval v)
{
	pthread_attr_t a;
	sigset_t mask;
	int ret = 0;

	if (cb.rearm_q >= 0)
		ret = mq_notify(cb.rearm_q, &cb.rearm);

	pthread_mutex_lock(&cb.lock);
	cb.rearm_ret = ret;
	cb.value = v.sival_int;
	cb.thread = pthread_self();
	if (!pthread_getattr_np(pthread_self(), &a)) {
		pthread_attr_getstacksize(&a, &cb.stacksize);
		pthread_attr_getdetachstate(&a, &cb.detached);
		pthread_attr_destroy(&a);
	}
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	cb.usr2_blocked = sigismember(&mask, SIGUSR2);
	cb.calls++;
	pthread_cond_broadcast(&cb.cond);
	pthread_mutex_unlock(&cb.lock);
}

/* Wait up to @ms for cb.calls to reach @n; returns cb.calls. */
static int wait_calls(int n, long ms)
{
	struct timespec ts;
	int calls;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&cb.lock);
	while (cb.calls < n)
		if (pthread_cond_timedwait(&cb.cond, &cb.lock, &ts))
			break;
	calls = cb.calls;
	pthread_mutex_unlock(&cb.lock);
	return calls;
}

static void thread_sev(struct sigevent *sev, int value, pthread_attr_t *attr)
{
	memset(sev, 0, sizeof(*sev));
	sev->sigev_notify = SIGEV_THREAD;
	sev->sigev_notify_function = callback;
	sev->sigev_notify_attributes = attr;
	sev->sigev_value.sival_int = value;
}

TEST_F(mq, notify_thread)
{
	struct sigevent sev;
	pthread_attr_t attr;

	/* A blocked signal in the caller does not carry over. */
	mqt_block_signal(SIGUSR2);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	thread_sev(&sev, 77, &attr);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* The attributes are the caller's again once mq_notify() returns. */
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_attr_destroy(&attr);

	EXPECT_EQ(0, wait_calls(1, MQT_QUIET_MS));
	ASSERT_EQ(0, mq_send(self->q, "t", 1, 0));
	ASSERT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(77, cb.value);
	EXPECT_FALSE(pthread_equal(cb.thread, pthread_self()));
	EXPECT_LE((size_t)1 << 20, cb.stacksize);
	EXPECT_EQ(PTHREAD_CREATE_DETACHED, cb.detached);
	EXPECT_EQ(0, cb.usr2_blocked);

	/* One shot. */
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
	EXPECT_EQ(1, wait_calls(2, MQT_QUIET_MS));
}

TEST_F(mq, notify_thread_default_attr)
{
	struct sigevent sev;

	thread_sev(&sev, 5, NULL);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "t", 1, 0));
	ASSERT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(5, cb.value);
}

/* The callback registers again; the next arrival on empty calls it again. */
TEST_F(mq, notify_thread_rearm)
{
	char buf[Q_MSGSIZE];
	struct sigevent sev;

	thread_sev(&sev, 1, NULL);
	cb.rearm = sev;
	cb.rearm.sigev_value.sival_int = 2;
	cb.rearm_q = self->q;
	ASSERT_EQ(0, mq_notify(self->q, &sev));

	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(0, cb.rearm_ret);
	EXPECT_EQ(1, cb.value);
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));

	cb.rearm_q = -1;
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	ASSERT_EQ(2, wait_calls(2, MQT_WAIT_MS));
	EXPECT_EQ(2, cb.value);
}

TEST_F(mq, notify_thread_busy)
{
	struct sigevent sev;

	thread_sev(&sev, 1, NULL);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(1, wait_calls(2, MQT_QUIET_MS));
}

TEST_F(mq, notify_thread_null_cancels)
{
	struct sigevent sev;

	thread_sev(&sev, 1, NULL);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_NONE));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(0, wait_calls(1, MQT_QUIET_MS));
}

TEST_F(mq, notify_thread_close_cancels)
{
	struct sigevent sev;
	mqd_t q2;

	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	thread_sev(&sev, 1, NULL);
	ASSERT_EQ(0, mq_notify(q2, &sev));
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_NONE));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(0, wait_calls(1, MQT_QUIET_MS));
}

/* A registration through a dup() of a queue descriptor. */
TEST_F(mq, notify_thread_dup_descriptor)
{
	struct sigevent sev;
	mqd_t d;

	d = dup(self->q);
	ASSERT_LE(0, d);
	thread_sev(&sev, 9, NULL);
	ASSERT_EQ(0, mq_notify(d, &sev));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_NONE));
	EXPECT_EQ(0, mq_close(d));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_NONE));

	d = dup(self->q);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, mq_notify(d, &sev));
	ASSERT_EQ(0, mq_send(self->q, "d", 1, 0));
	ASSERT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(9, cb.value);
	mq_close(d);
}

/* A child of the registrant is not registered: its mq_notify(NULL) is a no-op. */
TEST_F(mq, notify_thread_fork)
{
	struct sigevent sev;
	pid_t pid;

	thread_sev(&sev, 3, NULL);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	pid = fork();
	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		if (mq_notify(self->q, NULL))
			_exit(1);
		/* Still the parent's. */
		_exit(mq_notify(self->q, &sev) == -1 && errno == EBUSY ? 0 : 2);
	}
	EXPECT_EQ(0, mqt_wait_child(pid));
	ASSERT_EQ(0, mq_send(self->q, "f", 1, 0));
	ASSERT_EQ(1, wait_calls(1, MQT_WAIT_MS));
	EXPECT_EQ(3, cb.value);
}

static int count_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!access(path, F_OK))
			n++;
	}
	return n;
}

/*
 * Rounds of register / fire and register / cancel: every callback comes
 * exactly once, a cancelled one never, and no descriptor is left behind.
 */
TEST_F(mq, notify_thread_rounds)
{
	char buf[Q_MSGSIZE];
	struct sigevent sev;
	int i, fired = 0, fds;
	int64_t end;

	fds = count_fds();
	thread_sev(&sev, 0, NULL);
	for (i = 0; i < 20; i++) {
		sev.sigev_value.sival_int = i;
		ASSERT_EQ(0, mq_notify(self->q, &sev));
		if (i % 2)
			ASSERT_EQ(0, mq_notify(self->q, NULL));
		ASSERT_EQ(0, mq_send(self->q, "r", 1, 0));
		if (!(i % 2)) {
			ASSERT_EQ(++fired, wait_calls(fired, MQT_WAIT_MS));
			EXPECT_EQ(i, cb.value);
		}
		ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	}
	EXPECT_EQ(fired, wait_calls(fired + 1, MQT_QUIET_MS));

	/*
	 * Watcher threads close their descriptors as they finish. (glibc
	 * keeps a netlink socket for good after the first registration.)
	 */
	if (!MQT_MSGBOX)
		return;
	end = mqt_now_ms() + MQT_WAIT_MS;
	while (count_fds() != fds && mqt_now_ms() < end)
		usleep(10000);
	EXPECT_EQ(fds, count_fds());
}

TEST_F(mq, notify_thread_null_function)
{
	struct sigevent sev;

	thread_sev(&sev, 1, NULL);
	sev.sigev_notify_function = NULL;
#if MQT_MSGBOX
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
#else
	SKIP(return, "glibc accepts it and calls through NULL later");
#endif
}

#if MQT_MSGBOX
/* A destroyed mailbox ends a SIGEV_THREAD watch without a call. */
TEST_F(mq, msgbox_notify_thread_destroyed)
{
	struct sigevent sev;

	thread_sev(&sev, 1, NULL);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_unlink(self->name));
	EXPECT_EQ(0, wait_calls(1, MQT_QUIET_MS));
	/* mq_notify(NULL) and mq_close() on the dead queue still succeed. */
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(0, mq_close(self->q));
	self->q = -1;
}
#endif

TEST_HARNESS_MAIN
