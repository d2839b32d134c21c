// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance of libmsgbox-mq with POSIX message queues as Linux implements
 * them: every call, every error it documents, and the order in which Linux
 * checks for them. Each test gets a fresh queue of 4 messages of 64 bytes
 * (within Linux's unprivileged limits, so that the MQ_NATIVE build runs the
 * same tests on the kernel's queues).
 */
#include "mq_util.h"

#include <poll.h>
#include <sys/stat.h>

#if MQT_MSGBOX
#include "msgbox.h"
#endif

#define Q_MAXMSG	4
#define Q_MSGSIZE	64

FIXTURE(mq) {
	char name[64];
	mqd_t q;
};

FIXTURE_SETUP(mq)
{
	struct mq_attr attr = { .mq_maxmsg = Q_MAXMSG, .mq_msgsize = Q_MSGSIZE };

	self->q = -1;
	if (!mqt_backend_present())
		MQT_SETUP_SKIP("%s missing: module not loaded", MQT_DEV);
	mqt_name(self->name, sizeof(self->name), "q");
	mq_unlink(self->name);
	self->q = mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (self->q < 0 && errno == ENOSYS)
		MQT_SETUP_SKIP("no POSIX message queues here");
	ASSERT_LE(0, self->q) TH_LOG("mq_open: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mq)
{
	if (self->q >= 0)
		mq_close(self->q);
	mq_unlink(self->name);
}

/* Fill the fixture's queue with messages of priority 0. */
static int fill(mqd_t q)
{
	int i;

	for (i = 0; i < Q_MAXMSG; i++)
		if (mq_send(q, "f", 1, 0))
			return -1;
	return 0;
}

/* ---- mq_open ---------------------------------------------------------- */

TEST_F(mq, open_default_attr)
{
	char name[80];
	struct mq_attr a;
	mqd_t q;

	snprintf(name, sizeof(name), "%s-d", self->name);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q) TH_LOG("mq_open: %s", strerror(errno));
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(10, a.mq_maxmsg);
	EXPECT_EQ(8192, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

TEST_F(mq, open_given_attr)
{
	struct mq_attr a;

	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
}

TEST_F(mq, open_existing_shares_queue)
{
	char buf[Q_MSGSIZE];
	mqd_t q2;

	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_send(self->q, "shared", 6, 3));
	EXPECT_EQ(6, mq_receive(q2, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "shared", 6));
	EXPECT_EQ(0, mq_close(q2));
}

TEST_F(mq, open_fortify_entry)
{
	char name[80];
	mqd_t q2;

	q2 = __mq_open_2(self->name, O_WRONLY);
	ASSERT_LE(0, q2) TH_LOG("__mq_open_2: %s", strerror(errno));
	EXPECT_EQ(0, mq_send(q2, "f", 1, 0));
	mq_close(q2);
	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, __mq_open_2(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, open_excl_exists)
{
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mq, open_missing)
{
	char name[80];

	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, open_excl_without_creat_is_ignored)
{
	mqd_t q2 = mq_open(self->name, O_RDWR | O_EXCL);

	EXPECT_LE(0, q2) TH_LOG("mq_open: %s", strerror(errno));
	mq_close(q2);
}

TEST_F(mq, open_name_rules)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "noslash", EINVAL },
		{ "", EINVAL },
		{ "/", ENOENT },
		{ "/a/b", EACCES },
		{ "//a", EACCES },
		{ "/a/", EACCES },
		{ "/.", EACCES },
		{ "/..", EACCES },
	};
	unsigned int i;

	for (i = 0; i < MQT_ARRAY_SIZE(cases); i++) {
		errno = 0;
		EXPECT_EQ(-1, mq_open(cases[i].name, O_RDWR | O_CREAT, 0600, NULL))
			TH_LOG("name \"%s\"", cases[i].name);
		EXPECT_EQ(cases[i].err, errno) TH_LOG("name \"%s\": %s",
						       cases[i].name, strerror(errno));
		errno = 0;
		EXPECT_EQ(-1, mq_unlink(cases[i].name));
		EXPECT_EQ(cases[i].err, errno) TH_LOG("unlink \"%s\": %s",
						       cases[i].name, strerror(errno));
	}
}

TEST_F(mq, open_name_length)
{
	char name[300];
	mqd_t q;

	name[0] = '/';
	memset(name + 1, 'n', 256);
	name[257] = '\0';
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, NULL));
	EXPECT_EQ(ENAMETOOLONG, errno);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(ENAMETOOLONG, errno);

	name[256] = '\0';	/* 255 bytes after the '/' */
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q) TH_LOG("mq_open of 255 bytes: %s", strerror(errno));
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

TEST_F(mq, open_attr_invalid)
{
	static const struct mq_attr bad[] = {
		{ .mq_maxmsg = 0, .mq_msgsize = 64 },
		{ .mq_maxmsg = -1, .mq_msgsize = 64 },
		{ .mq_maxmsg = 4, .mq_msgsize = 0 },
		{ .mq_maxmsg = 4, .mq_msgsize = -5 },
		{ .mq_maxmsg = LONG_MAX, .mq_msgsize = 64 },
		{ .mq_maxmsg = 4, .mq_msgsize = LONG_MAX },
		{ .mq_maxmsg = 0x100000001L, .mq_msgsize = 64 },
	};
	char name[80];
	unsigned int i;

	snprintf(name, sizeof(name), "%s-bad", self->name);
	for (i = 0; i < MQT_ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &bad[i]))
			TH_LOG("case %u", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u: %s", i, strerror(errno));
	}
	/* Nothing was created. */
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

/* Linux checks the attributes only when it creates the queue. */
TEST_F(mq, open_attr_invalid_existing)
{
	struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 0 };
	struct mq_attr a;
	mqd_t q2;

	q2 = mq_open(self->name, O_RDWR | O_CREAT, 0600, &bad);
	ASSERT_LE(0, q2) TH_LOG("mq_open: %s", strerror(errno));
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	mq_close(q2);

	/* Existence is checked first: O_EXCL still says EEXIST. */
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, &bad));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(mq, open_accmode_invalid)
{
	EXPECT_EQ(-1, mq_open(self->name, O_ACCMODE));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(mq, open_access_modes)
{
	char buf[Q_MSGSIZE];
	mqd_t r, w;

	r = mq_open(self->name, O_RDONLY);
	w = mq_open(self->name, O_WRONLY);
	ASSERT_LE(0, r);
	ASSERT_LE(0, w);

	EXPECT_EQ(-1, mq_send(r, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_receive(w, buf, sizeof(buf), NULL));
	EXPECT_EQ(EBADF, errno);
	/* EBADF comes before EMSGSIZE. */
	EXPECT_EQ(-1, mq_receive(w, buf, 1, NULL));
	EXPECT_EQ(EBADF, errno);

	EXPECT_EQ(0, mq_send(w, "x", 1, 0));
	EXPECT_EQ(1, mq_receive(r, buf, sizeof(buf), NULL));
	mq_close(r);
	mq_close(w);
}

TEST_F(mq, open_nonblock)
{
	char buf[Q_MSGSIZE];
	struct mq_attr a;
	mqd_t q2;

	q2 = mq_open(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(-1, mq_receive(q2, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
	mq_close(q2);
}

TEST_F(mq, open_cloexec)
{
	int fl = fcntl(self->q, F_GETFD);

	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & FD_CLOEXEC);
}

/* Run @fn(name) as user nobody in a child; its exit status is errno. */
static int as_nobody(const char *name, int (*fn)(const char *))
{
	pid_t pid = fork();

	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		if (setgid(65534) || setuid(65534))
			_exit(200);
		_exit(fn(name) ? errno : 0);
	}
	return mqt_wait_child(pid);
}

static int open_rd(const char *name)
{
	return mq_open(name, O_RDONLY) < 0 ? -1 : 0;
}

static int open_wr(const char *name)
{
	return mq_open(name, O_WRONLY) < 0 ? -1 : 0;
}

TEST_F(mq, open_permission)
{
	char name[80];
	mqd_t q;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to nobody");

	/* 0600, owned by root. */
	EXPECT_EQ(EACCES, as_nobody(self->name, open_rd));
	EXPECT_EQ(EACCES, as_nobody(self->name, open_wr));

	/* 0644 (umask 0): nobody may read, not write. */
	snprintf(name, sizeof(name), "%s-644", self->name);
	umask(0);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0644, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(0, as_nobody(name, open_rd));
	EXPECT_EQ(EACCES, as_nobody(name, open_wr));
	mq_close(q);
	mq_unlink(name);

	/* The umask applies: 0666 under 077 is 0600. */
	snprintf(name, sizeof(name), "%s-umask", self->name);
	umask(077);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0666, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(EACCES, as_nobody(name, open_rd));
	mq_close(q);
	mq_unlink(name);
}

/* ---- mq_send / mq_receive --------------------------------------------- */

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

struct blocker {
	mqd_t q;
	pid_t tid;
	int ret;
	int err;
	char buf[Q_MSGSIZE];
	int started;	/* __atomic */
};

static void *receiver_main(void *arg)
{
	struct blocker *b = arg;

	b->tid = mqt_gettid();
	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	b->ret = (int)mq_receive(b->q, b->buf, sizeof(b->buf), NULL);
	b->err = errno;
	return NULL;
}

static void *sender_main(void *arg)
{
	struct blocker *b = arg;

	b->tid = mqt_gettid();
	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	b->ret = mq_send(b->q, "late", 4, 0);
	b->err = errno;
	return NULL;
}

static int start_blocked(struct blocker *b, mqd_t q, void *(*fn)(void *),
			 long nr, pthread_t *t)
{
	memset(b, 0, sizeof(*b));
	b->q = q;
	if (pthread_create(t, NULL, fn, b))
		return -1;
	while (!__atomic_load_n(&b->started, __ATOMIC_ACQUIRE))
		usleep(1000);
	return mqt_wait_blocked(b->tid, nr);
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

/* ---- mq_getattr / mq_setattr ------------------------------------------ */

TEST_F(mq, getattr_curmsgs)
{
	char buf[Q_MSGSIZE];
	struct mq_attr a;

	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(2, a.mq_curmsgs);
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
}

TEST_F(mq, setattr_nonblock)
{
	struct mq_attr set = { .mq_flags = O_NONBLOCK }, old, a;
	char buf[Q_MSGSIZE];

	memset(&old, 0xa5, sizeof(old));
	ASSERT_EQ(0, mq_setattr(self->q, &set, &old));
	/* The old attributes come back. */
	EXPECT_EQ(0, old.mq_flags);
	EXPECT_EQ(Q_MAXMSG, old.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, old.mq_msgsize);
	EXPECT_EQ(0, old.mq_curmsgs);

	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(-1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);

	set.mq_flags = 0;
	ASSERT_EQ(0, mq_setattr(self->q, &set, &old));
	EXPECT_EQ(O_NONBLOCK, old.mq_flags);
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(0, a.mq_flags);
}

TEST_F(mq, setattr_ignores_other_fields)
{
	struct mq_attr set = { .mq_flags = 0, .mq_maxmsg = 99,
			       .mq_msgsize = 99, .mq_curmsgs = 99 };
	struct mq_attr a;

	ASSERT_EQ(0, mq_setattr(self->q, &set, NULL));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(Q_MAXMSG, a.mq_maxmsg);
	EXPECT_EQ(Q_MSGSIZE, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
}

TEST_F(mq, setattr_invalid_flags)
{
	struct mq_attr set = { .mq_flags = O_NONBLOCK | O_APPEND };
	struct mq_attr a;

	EXPECT_EQ(-1, mq_setattr(self->q, &set, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Checked before the descriptor. */
	EXPECT_EQ(-1, mq_setattr(-1, &set, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing changed. */
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(0, a.mq_flags);
}

/* ---- mq_close / mq_unlink --------------------------------------------- */

TEST_F(mq, close_then_ebadf)
{
	struct mq_attr a;
	mqd_t q = self->q;

	self->q = -1;
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(-1, mq_getattr(q, &a));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_close(q));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(mq, unlink_missing)
{
	char name[80];

	snprintf(name, sizeof(name), "%s-missing", self->name);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mq_unlink(self->name));
	EXPECT_EQ(-1, mq_unlink(self->name));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(mq, unlink_then_recreate)
{
	struct mq_attr a;
	mqd_t q2;

	ASSERT_EQ(0, mq_send(self->q, "old", 3, 0));
	ASSERT_EQ(0, mq_unlink(self->name));
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);

	/* The name is free at once, for a new, empty queue. */
	q2 = mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_getattr(q2, &a));
	EXPECT_EQ(0, a.mq_curmsgs);
	mq_close(q2);
}

static int unlink_it(const char *name)
{
	return mq_unlink(name);
}

TEST_F(mq, unlink_permission)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to switch to nobody");
	EXPECT_EQ(EACCES, as_nobody(self->name, unlink_it));
	/* Still there. */
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
}

/*
 * POSIX keeps an unlinked queue usable through open descriptors; msgbox
 * destroys the mailbox at once and the descriptors fail with EIDRM.
 */
TEST_F(mq, unlink_open_descriptor)
{
	char buf[Q_MSGSIZE];

	ASSERT_EQ(0, mq_send(self->q, "kept", 4, 0));
	ASSERT_EQ(0, mq_unlink(self->name));
	/* The name is gone at once... */
	EXPECT_EQ((mqd_t)-1, mq_open(self->name, O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	/* ...but the open queue works until it is closed. */
	EXPECT_EQ(4, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	/* Closing works either way. */
	EXPECT_EQ(0, mq_close(self->q));
	self->q = -1;
}

/* ---- mq_notify -------------------------------------------------------- */

static pid_t send_from_child(const char *name, const char *msg, unsigned int prio)
{
	pid_t pid = fork();

	if (pid == 0) {
		mqd_t q;

		alarm(MQT_CHILD_ALARM);
		q = mq_open(name, O_WRONLY);
		_exit(q >= 0 && !mq_send(q, msg, strlen(msg), prio) ? 0 : 1);
	}
	return pid;
}

/* Child that tries to register and exits with its errno (0 on success). */
static int notify_from_child(const char *name, int sigev_notify)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sigevent sev = { .sigev_notify = sigev_notify,
					.sigev_signo = SIGUSR2 };
		mqd_t q;

		alarm(MQT_CHILD_ALARM);
		q = mq_open(name, O_RDONLY);
		if (q < 0)
			_exit(200);
		_exit(mq_notify(q, &sev) ? errno : 0);
	}
	return mqt_wait_child(pid);
}

TEST_F(mq, notify_signal)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;
	pid_t child;

	mqt_block_signal(SIGUSR1);
	sev.sigev_value.sival_int = 4242;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	child = send_from_child(self->name, "n", 0);
	ASSERT_EQ(0, mqt_wait_child(child));

	ASSERT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(4242, si.si_value.sival_int);
	EXPECT_EQ(child, si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);
}

TEST_F(mq, notify_signal_pointer_value)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	static int cookie;
	siginfo_t si;

	mqt_block_signal(SIGRTMIN);
	sev.sigev_value.sival_ptr = &cookie;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "p", 1, 0));
	ASSERT_EQ(SIGRTMIN, mqt_wait_signal(SIGRTMIN, &si, MQT_WAIT_MS));
	EXPECT_EQ(&cookie, si.si_value.sival_ptr);
	EXPECT_EQ(getpid(), si.si_pid);
}

struct sig_waiter {
	pid_t tid;
	int sig;
	siginfo_t si;
	int started;	/* __atomic */
};

static void *sig_waiter_main(void *arg)
{
	struct sig_waiter *w = arg;

	w->tid = mqt_gettid();
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	w->sig = mqt_wait_signal(SIGUSR1, &w->si, MQT_WAIT_MS);
	return NULL;
}

/*
 * The notification is a signal to the process, not to one thread: a
 * thread waiting in sigtimedwait() gets it while every thread blocks it.
 */
TEST_F(mq, notify_signal_process_directed)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct sig_waiter w = { 0 };
	siginfo_t si;
	pthread_t t;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, pthread_create(&t, NULL, sig_waiter_main, &w));
	while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_EQ(0, mqt_wait_blocked(w.tid, SYS_rt_sigtimedwait));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(SIGUSR1, w.sig)
		TH_LOG("the waiting thread got no signal (sent to one thread only?)");
	if (w.sig != SIGUSR1)	/* then it is pending on the main thread */
		mqt_wait_signal(SIGUSR1, &si, 0);
}

TEST_F(mq, notify_one_shot)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	char buf[Q_MSGSIZE];
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));

	/* The registration is gone: no signal for the next empty->non-empty. */
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	/* And anyone may register again. */
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

TEST_F(mq, notify_busy)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* Even the registered process itself gets EBUSY. */
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_NONE));
}

TEST_F(mq, notify_null_removes)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	/* Not registered: still 0. */
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* mq_notify(NULL) by another process leaves the registration alone. */
TEST_F(mq, notify_null_other_process)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;
	pid_t pid;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	pid = fork();
	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		_exit(mq_notify(self->q, NULL) ? 1 : 0);
	}
	EXPECT_EQ(0, mqt_wait_child(pid));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

/* Only an arrival on an empty queue notifies. */
TEST_F(mq, notify_nonempty_queue)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	char buf[Q_MSGSIZE];
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_send(self->q, "3", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

/*
 * A receiver blocked in mq_receive() takes the message instead, and the
 * registration stays in effect.
 */
TEST_F(mq, notify_blocked_receiver)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct blocker b;
	siginfo_t si;
	pthread_t t;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, start_blocked(&b, self->q, receiver_main, MQT_SYS_RECV, &t));
	ASSERT_EQ(0, mq_send(self->q, "r", 1, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(1, b.ret);
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	ASSERT_EQ(0, mq_send(self->q, "s", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

TEST_F(mq, notify_none)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	/* The arrival ends the registration, silently. */
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

TEST_F(mq, notify_invalid)
{
	struct sigevent sev = { .sigev_notify = 99 };

	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	/* Checked before the descriptor. */
	EXPECT_EQ(-1, mq_notify(-1, &sev));
	EXPECT_EQ(EINVAL, errno);

	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 65;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	sev.sigev_signo = -1;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing got registered. */
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* Closing a descriptor of the queue ends the closer's registration. */
TEST_F(mq, notify_close_removes)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	mqd_t q2;

	mqt_block_signal(SIGUSR1);
	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(q2, &sev));
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* Even a close of another descriptor of the same queue, as on Linux. */
TEST_F(mq, notify_close_other_descriptor)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	mqd_t q2;

	mqt_block_signal(SIGUSR1);
	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
}

/* SIGEV_THREAD: what the callback saw. */
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

/* ---- msgbox specifics ------------------------------------------------- */

#if MQT_MSGBOX
/* The queue is the msgbox mailbox of the same name without the '/'. */
TEST_F(mq, msgbox_backing)
{
	struct msgbox_stat_args st;
	char buf[Q_MSGSIZE];
	unsigned int prio;
	int fd;

	fd = msgbox_open(self->name + 1, O_RDWR, NULL);
	ASSERT_LE(0, fd) TH_LOG("msgbox_open: %s", strerror(-fd));
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ((unsigned int)Q_MAXMSG, st.capacity);
	EXPECT_EQ((unsigned int)Q_MSGSIZE, st.max_msg_size);
	EXPECT_EQ(0600U, st.mode);

	ASSERT_EQ(0, msgbox_send(fd, "from-lib", 8, 1234));
	EXPECT_EQ(8, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(1234U, prio);
	EXPECT_EQ(0, memcmp(buf, "from-lib", 8));

	ASSERT_EQ(0, mq_send(self->q, "from-mq", 7, 3));
	EXPECT_EQ(7, msgbox_recv(fd, buf, sizeof(buf), &prio));
	EXPECT_EQ(3U, prio);
	msgbox_close(fd);
}

/* Names Linux allows but msgbox cannot hold: never exist, cannot be made. */
TEST_F(mq, msgbox_name_bytes)
{
	EXPECT_EQ(-1, mq_open("/a b", O_RDWR | O_CREAT, 0600, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mq_open("/a\tb", O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mq_unlink("/a b"));
	EXPECT_EQ(ENOENT, errno);
}

/* mq_close() leaves a descriptor that is no queue open. */
TEST_F(mq, msgbox_close_not_queue)
{
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-1, mq_close(pipefd[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_LE(0, fcntl(pipefd[0], F_GETFD));
	close(pipefd[0]);
	close(pipefd[1]);
}

static long param(const char *name)
{
	char path[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* The module parameters are the limits of mq_maxmsg and mq_msgsize. */
TEST_F(mq, msgbox_limits)
{
	long max_cap = param("max_capacity"), max_size = param("max_msg_size");
	struct mq_attr a;
	char name[80];
	mqd_t q;

	if (max_cap < 1 || max_size < 1)
		SKIP(return, "module parameters not readable");
	snprintf(name, sizeof(name), "%s-lim", self->name);

	a = (struct mq_attr){ .mq_maxmsg = max_cap, .mq_msgsize = 16 };
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, q) TH_LOG("maxmsg %ld: %s", max_cap, strerror(errno));
	mq_close(q);
	mq_unlink(name);

	a.mq_maxmsg = max_cap + 1;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
	a = (struct mq_attr){ .mq_maxmsg = 1, .mq_msgsize = max_size + 1 };
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
}

static int param_write(const char *name, long val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", val) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* Over the creator's msgbox quota: EMFILE, as Linux for RLIMIT_MSGQUEUE. */
TEST_F(mq, msgbox_user_quota)
{
	long old = param("user_max_mailboxes");
	char n1[80], n2[80];
	pid_t pid;

	if (geteuid() != 0 || old < 0)
		SKIP(return, "needs root and the user_max_mailboxes parameter");
	snprintf(n1, sizeof(n1), "%s-u1", self->name);
	snprintf(n2, sizeof(n2), "%s-u2", self->name);
	ASSERT_EQ(0, param_write("user_max_mailboxes", 1));
	pid = fork();
	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		if (setgid(65534) || setuid(65534))
			_exit(200);
		if (mq_open(n1, O_RDWR | O_CREAT, 0600, NULL) < 0)
			_exit(201);
		_exit(mq_open(n2, O_RDWR | O_CREAT, 0600, NULL) < 0 ? errno : 0);
	}
	EXPECT_EQ(EMFILE, mqt_wait_child(pid));
	EXPECT_EQ(0, param_write("user_max_mailboxes", old));
	mq_unlink(n1);
	mq_unlink(n2);
}

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
#endif /* MQT_MSGBOX */

TEST_HARNESS_MAIN
