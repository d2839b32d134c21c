// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox calls from many threads of one process on one descriptor: every
 * reply reaches the thread that made its call, no call is answered twice,
 * a server's death fails every waiting thread at once, and a signal to one
 * thread leaves the others' calls alone.
 */
#include "hold_util.h"

#include <pthread.h>

#define MT_CAP		8
#define MT_MAX		64
#define MT_MAGIC	0x6d74636cU	/* "mtcl" */
#define FAR_MS		20000ULL
#define AT_ONCE_MS	500ULL

struct mt_req {
	uint32_t magic;
	uint32_t thread;
	uint32_t seq;
	uint32_t pad;
};

struct mt_rep {
	uint32_t magic;
	uint32_t thread;
	uint32_t seq;
	uint32_t server;
};

FIXTURE(mt) {
	int fd;			/* O_RDWR, blocking: the callers' descriptor */
	int nb;			/* O_RDWR | O_NONBLOCK */
	char name[128];
	pid_t kids[4];
	int nkids;
};

FIXTURE_SETUP(mt)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR, MT_CAP, MT_MAX);
	ASSERT_LE(0, self->fd);
	self->nb = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->nb);
}

FIXTURE_TEARDOWN(mt)
{
	int i;

	mb_destroy_name(self->name);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
	close(self->nb);
}

/* One calling thread. */
struct caller {
	pthread_t th;
	int fd;
	uint32_t index;
	unsigned int ncalls;
	const pid_t *servers;	/* NULL: any replier */
	unsigned int nservers;
	pid_t tid;
	/* results */
	unsigned int ok;
	unsigned int bad;	/* wrong return, payload or replier */
	int first_err;		/* the first return value that was not a reply */
	uint64_t done_ns;	/* when the last call returned */
	uint64_t *ids;		/* the id of each call answered */
};

static void *caller_run(void *arg)
{
	struct caller *c = arg;
	struct msgbox_call_args a;
	struct mt_req req;
	struct mt_rep rep;
	unsigned int i;
	int ret;

	c->tid = mb_gettid();
	for (i = 0; i < c->ncalls; i++) {
		req.magic = MT_MAGIC;
		req.thread = c->index;
		req.seq = i;
		req.pad = 0;
		memset(&rep, 0, sizeof(rep));
		mb_call_args(&a, &req, sizeof(req), &rep, sizeof(rep));
		a.flags = MSGBOX_CALL_DEADLINE;
		a.deadline_ns = mb_now_ns() + FAR_MS * 1000000ULL;
		ret = mb_ioctl(c->fd, MSGBOX_IOC_CALL, &a);
		c->done_ns = mb_now_ns();
		if (ret != (int)sizeof(rep)) {
			if (!c->bad++)
				c->first_err = ret;
			continue;
		}
		if (rep.magic != MT_MAGIC || rep.thread != c->index ||
		    rep.seq != i || a.reply_len != sizeof(rep) ||
		    (c->servers && (rep.server >= c->nservers ||
				    a.reply_pid != c->servers[rep.server]))) {
			if (!c->bad++)
				c->first_err = 1;
			continue;
		}
		if (c->ids)
			c->ids[i] = a.id;
		c->ok++;
	}
	return NULL;
}

/* What a server process did. */
struct served {
	int n;
	int errors;
};

/*
 * A server process: receives holding (only such a receive takes calls),
 * answers each call with its request and @index until a plain message
 * comes, then writes struct served and the ids it answered.
 */
static void server_run(const char *name, uint32_t index, unsigned int max,
		       int wfd)
{
	struct served sv = { 0, 0 };
	struct msgbox_recv_args r;
	struct mt_req req;
	struct mt_rep rep;
	uint64_t *ids;
	int fd, ret;

	ids = calloc(max, sizeof(*ids));
	fd = mb_attach(name, O_RDWR);
	if (fd < 0 || !ids) {
		sv.errors = 1;
		mb_write_all(wfd, &sv, sizeof(sv));
		_exit(1);
	}
	for (;;) {
		mb_recv_args(&r, &req, sizeof(req));
		r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
		r.deadline_ns = mb_now_ns() + FAR_MS * 1000000ULL;
		ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &r);
		if (ret < 0) {
			sv.errors++;
			break;
		}
		if (!(r.msg_flags & MSGBOX_MSG_CALL)) {
			/* The end: a plain message, held like any here. */
			if (mb_done(fd, r.id))
				sv.errors++;
			break;
		}
		if (ret != (int)sizeof(req) || req.magic != MT_MAGIC ||
		    r.msg_flags != (MSGBOX_MSG_CALL | MSGBOX_MSG_HELD) ||
		    sv.n >= (int)max) {
			sv.errors++;
			mb_reply(fd, r.id, NULL, 0);
			continue;
		}
		rep.magic = MT_MAGIC;
		rep.thread = req.thread;
		rep.seq = req.seq;
		rep.server = index;
		if (mb_reply(fd, r.id, &rep, sizeof(rep)))
			sv.errors++;
		ids[sv.n++] = r.id;
	}
	mb_write_all(wfd, &sv, sizeof(sv));
	mb_write_all(wfd, ids, sizeof(*ids) * (size_t)sv.n);
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define NTHREADS	16
#define NCALLS		200
#define NSERVERS	2
#define NTOTAL		(NTHREADS * NCALLS)

/*
 * NTHREADS threads make NCALLS calls each on one descriptor; two server
 * processes answer. Every thread gets the answers to its own calls, from
 * the server that says it answered, and every call is answered once.
 */
TEST_F_TIMEOUT(mt, many_threads_two_servers, 300)
{
	static uint64_t caller_ids[NTOTAL], server_ids[NTOTAL];
	struct caller c[NTHREADS];
	struct served sv[NSERVERS];
	pid_t servers[NSERVERS];
	int rfd[NSERVERS], wfd, i, total = 0, dup = 0;
	uint64_t start;

	for (i = 0; i < NSERVERS; i++) {
		servers[i] = mb_fork(&rfd[i], &wfd);
		ASSERT_LE(0, servers[i]);
		if (servers[i] == 0)
			server_run(self->name, (uint32_t)i, NTOTAL, wfd);
		self->kids[self->nkids++] = servers[i];
	}

	start = mb_now_ns();
	memset(c, 0, sizeof(c));
	for (i = 0; i < NTHREADS; i++) {
		c[i].fd = self->fd;
		c[i].index = (uint32_t)i;
		c[i].ncalls = NCALLS;
		c[i].servers = servers;
		c[i].nservers = NSERVERS;
		c[i].ids = caller_ids + i * NCALLS;
		ASSERT_EQ(0, pthread_create(&c[i].th, NULL, caller_run, &c[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, pthread_join(c[i].th, NULL));
		EXPECT_EQ((unsigned int)NCALLS, c[i].ok)
			TH_LOG("thread %d: %u bad, the first %d", i, c[i].bad,
			       c[i].first_err);
		EXPECT_EQ(0U, c[i].bad);
	}
	TH_LOG("%d calls in %llu ms", NTOTAL,
	       (unsigned long long)mb_ms_since(start));

	/* Stop the servers; each takes one plain message. */
	for (i = 0; i < NSERVERS; i++)
		ASSERT_EQ(0, mb_raw_send(self->nb, "stop", 4, 0));
	for (i = 0; i < NSERVERS; i++) {
		ASSERT_EQ(0, mb_read_all(rfd[i], &sv[i], sizeof(sv[i])));
		EXPECT_EQ(0, sv[i].errors) TH_LOG("server %d", i);
		ASSERT_GE(NTOTAL - total, sv[i].n);
		ASSERT_EQ(0, mb_read_all(rfd[i], server_ids + total,
					 sizeof(uint64_t) * (size_t)sv[i].n));
		TH_LOG("server %d answered %d calls", i, sv[i].n);
		total += sv[i].n;
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(servers[i])));
		close(rfd[i]);
	}
	self->nkids = 0;
	ASSERT_EQ(NTOTAL, total);

	/* One answer per call: the two id lists are the same set, once each. */
	qsort(caller_ids, NTOTAL, sizeof(uint64_t), cmp_u64);
	qsort(server_ids, NTOTAL, sizeof(uint64_t), cmp_u64);
	for (i = 0; i < NTOTAL; i++) {
		if (i && server_ids[i] == server_ids[i - 1])
			dup++;
		if (caller_ids[i] != server_ids[i]) {
			EXPECT_EQ(caller_ids[i], server_ids[i])
				TH_LOG("the ids of calls and answers differ at %d", i);
			break;
		}
	}
	EXPECT_EQ(0, dup) TH_LOG("calls answered twice");
	EXPECT_EQ(0, mb_wait_counts(self->nb, 0, 0, 0, NULL));
}

#define NWAIT	8

/* A server killed holding every thread's call: all of them fail at once. */
TEST_F(mt, server_killed_all_threads_econnreset)
{
	struct caller c[NWAIT];
	int rfd, wfd, i, held;
	uint64_t killed, ms;
	pid_t server;

	memset(c, 0, sizeof(c));
	for (i = 0; i < NWAIT; i++) {
		c[i].fd = self->fd;
		c[i].index = (uint32_t)i;
		c[i].ncalls = 1;
		ASSERT_EQ(0, pthread_create(&c[i].th, NULL, caller_run, &c[i]));
	}
	ASSERT_EQ(0, mb_wait_counts(self->nb, NWAIT, 0, NWAIT, NULL));

	server = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, server);
	if (server == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);
		char buf[MT_MAX];

		for (held = 0; fd >= 0 && held < NWAIT; held++)
			if (mb_hold(fd, buf, sizeof(buf), 0, NULL) < 0)
				break;
		mb_write_all(wfd, &held, sizeof(held));
		for (;;)
			pause();
	}
	self->kids[self->nkids++] = server;
	ASSERT_EQ(0, mb_read_all(rfd, &held, sizeof(held)));
	ASSERT_EQ(NWAIT, held);
	ASSERT_EQ(0, mb_wait_counts(self->nb, 0, NWAIT, NWAIT, NULL));

	killed = mb_now_ns();
	kill(server, SIGKILL);
	for (i = 0; i < NWAIT; i++) {
		ASSERT_EQ(0, pthread_join(c[i].th, NULL));
		EXPECT_EQ(-ECONNRESET, c[i].first_err) TH_LOG("thread %d", i);
		ms = (c[i].done_ns - killed) / 1000000;
		EXPECT_GT(AT_ONCE_MS, ms) TH_LOG("thread %d woke %llu ms after the kill",
						 i, (unsigned long long)ms);
	}
	EXPECT_LE(0, mb_wait_exit(server));
	self->nkids = 0;
	close(rfd);
	EXPECT_EQ(0, mb_wait_counts(self->nb, 0, 0, 0, NULL));
}

/*
 * One descriptor for everything: threads call on it and the main thread
 * answers through it, holding the calls of its own process.
 */
TEST_F(mt, own_descriptor_serves_own_calls)
{
	struct msgbox_recv_args r;
	struct caller c[4];
	struct mt_req req;
	struct mt_rep rep;
	int i, n;

	memset(c, 0, sizeof(c));
	for (i = 0; i < 4; i++) {
		c[i].fd = self->fd;
		c[i].index = (uint32_t)i;
		c[i].ncalls = 3;
		ASSERT_EQ(0, pthread_create(&c[i].th, NULL, caller_run, &c[i]));
	}
	for (n = 0; n < 12; n++) {
		mb_recv_args(&r, &req, sizeof(req));
		r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
		r.deadline_ns = mb_now_ns() + FAR_MS * 1000000ULL;
		ASSERT_EQ((int)sizeof(req), mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
		EXPECT_EQ(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD, r.msg_flags);
		EXPECT_EQ(getpid(), r.pid);
		rep.magic = MT_MAGIC;
		rep.thread = req.thread;
		rep.seq = req.seq;
		rep.server = 0;
		EXPECT_EQ(0, mb_reply(self->fd, r.id, &rep, sizeof(rep)));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(c[i].th, NULL));
		EXPECT_EQ(3U, c[i].ok) TH_LOG("thread %d: first error %d", i,
					      c[i].first_err);
	}
	EXPECT_EQ(0, mb_wait_counts(self->nb, 0, 0, 0, NULL));
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Waits until thread @tid sleeps interruptibly. */
static int wait_thread_sleeping(pid_t tid)
{
	uint64_t start = mb_now_ns();

	while (mb_thread_state(tid) != 'S') {
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
	return 0;
}

/* A signal to one waiting thread withdraws its call only. */
TEST_F(mt, signal_one_thread_only)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct msgbox_recv_args r;
	struct caller c[2];
	struct mt_req req;
	struct mt_rep rep;
	int i;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 2; i++) {
		c[i].fd = self->fd;
		c[i].index = (uint32_t)i;
		c[i].ncalls = 1;
		ASSERT_EQ(0, pthread_create(&c[i].th, NULL, caller_run, &c[i]));
		ASSERT_EQ(0, mb_wait_counts(self->nb, i + 1, 0, i + 1, NULL));
	}
	ASSERT_EQ(0, wait_thread_sleeping(c[0].tid));
	ASSERT_EQ(0, pthread_kill(c[0].th, SIGUSR1));
	ASSERT_EQ(0, pthread_join(c[0].th, NULL));
	EXPECT_EQ(-EINTR, c[0].first_err);
	EXPECT_EQ(0U, c[0].ok);
	EXPECT_EQ(0, mb_wait_counts(self->nb, 1, 0, 1, NULL));

	ASSERT_EQ((int)sizeof(req), mb_hold(self->nb, &req, sizeof(req), 0, &r));
	EXPECT_EQ(1U, req.thread);
	rep.magic = MT_MAGIC;
	rep.thread = req.thread;
	rep.seq = req.seq;
	rep.server = 0;
	EXPECT_EQ(0, mb_reply(self->nb, r.id, &rep, sizeof(rep)));
	ASSERT_EQ(0, pthread_join(c[1].th, NULL));
	EXPECT_EQ(1U, c[1].ok);
	EXPECT_EQ(0U, c[1].bad);
	EXPECT_EQ(0, mb_wait_counts(self->nb, 0, 0, 0, NULL));
	signal(SIGUSR1, SIG_DFL);
}

TEST_HARNESS_MAIN
