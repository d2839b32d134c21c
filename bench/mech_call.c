// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench call mechanisms: msgbox calls answered two ways, a POSIX
 * mq request/reply pair, and the round trips of struct mech as calls; the
 * server processes and the table of call mechanisms.
 */
#include "call.h"

#include <pthread.h>

struct srv_thread {
	struct clink *c;
	int t;
	int cpu;
	void (*serve)(struct clink *c, int t);
};

/* Server thread @t on @cpu, or with @cpu < 0 on the t-th of the two vCPUs. */
static int srv_pin(int cpu, int t)
{
	return pin_cpu(cpu < 0 ? opt.cpu[t % 2] : cpu);
}

static void *srv_thread_main(void *arg)
{
	struct srv_thread *st = arg;
	int r = srv_pin(st->cpu, st->t);

	if (r)
		srv_fail(st->c, "pin", -r);
	st->serve(st->c, st->t);
	return NULL;
}

/*
 * A server: a child process pinned to @cpu that runs @attach once and then
 * @serve on @nthreads threads (the first on the process's own thread), all
 * sharing what @attach opened. With @cpu < 0, thread t runs on the t-th of
 * the two vCPUs (opt.cpu). It never returns; the parent kills it.
 * Returns its PID or -errno.
 */
pid_t srv_fork(struct clink *c, int cpu, int nthreads,
		      int (*attach)(struct clink *c),
		      void (*serve)(struct clink *c, int t))
{
	struct srv_thread st[CALL_SRV_THREADS];
	pthread_t tid;
	pid_t pid;
	int t, r;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid < 0 ? -errno : pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	r = srv_pin(cpu, 0);
	if (!r)
		r = attach(c);
	if (r) {
		fprintf(stderr, "msgbox-bench: %s server: %s\n", c->m->name,
			strerror(-r));
		_exit(2);
	}
	if (nthreads > CALL_SRV_THREADS)
		nthreads = CALL_SRV_THREADS;
	for (t = 0; t < nthreads; t++)
		st[t] = (struct srv_thread){ c, t, cpu, serve };
	for (t = 1; t < nthreads; t++)
		if (pthread_create(&tid, NULL, srv_thread_main, &st[t])) {
			fprintf(stderr, "msgbox-bench: %s server: no thread\n",
				c->m->name);
			_exit(2);
		}
	serve(c, 0);
	_exit(2);
}

/* Kill and reap the server-side processes of @c. */
void srv_stop(struct clink *c)
{
	int i;

	for (i = 0; i < CALL_MAX_PIDS; i++)
		if (c->srv[i] > 0)
			kill(c->srv[i], SIGKILL);
	for (i = 0; i < CALL_MAX_PIDS; i++)
		if (c->srv[i] > 0) {
			while (waitpid(c->srv[i], NULL, 0) < 0 && errno == EINTR)
				;
			c->srv[i] = 0;
		}
}

/*
 * The CPU seconds so far of the server side of @c, from the processes' CPU
 * clocks: exact while they sleep, up to a scheduler tick short while one
 * runs (see call.h). NaN when one cannot be read.
 */
double srv_cpu_secs(const struct clink *c)
{
	double sum = 0;
	clockid_t clk;
	int i;

	for (i = 0; i < CALL_MAX_PIDS; i++) {
		if (c->srv[i] <= 0)
			continue;
		if (clock_getcpuclockid(c->srv[i], &clk))
			return NANV;
		sum += cpu_secs(clk);
	}
	return sum;
}

/* CPU seconds of process @pid, NaN when it cannot be read. */
double pid_cpu_secs(pid_t pid)
{
	clockid_t clk;

	return clock_getcpuclockid(pid, &clk) ? NANV : cpu_secs(clk);
}

int cm_on(int m)
{
	return !cm_unavailable[m];
}

void srv_fail(struct clink *c, const char *what, int err)
{
	fprintf(stderr, "msgbox-bench: %s server: %s: %s\n", c->m->name, what,
		strerror(err));
	_exit(2);
}

/* msgbox calls: one mailbox; the client calls, the server answers. */

static int call_create(struct clink *c, int cpu, int nthreads,
		       void (*serve)(struct clink *c, int t));

static int call_srv_attach(struct clink *c)
{
	c->fd = msgbox_open(c->l.name[0], O_RDONLY | O_CLOEXEC, NULL);
	return c->fd < 0 ? c->fd : 0;
}

/*
 * Take a call with a held receive (only those take calls), answer it with
 * MSGBOX_IOC_SETTLE: two system calls per call.
 */
static void call_serve(struct clink *c, int t)
{
	char *buf = buf_alloc(c->l.size);
	struct msgbox_held_info info;
	int n, r;

	(void)t;
	for (;;) {
		n = msgbox_recv_held(c->fd, buf, c->l.size, NULL, &info);
		if (n == -EINTR)
			continue;
		if (n < 0)
			srv_fail(c, "receive", -n);
		r = msgbox_reply(c->fd, info.msg.id, buf, (size_t)n);
		/* ECANCELED: the caller is gone, killed at the end of a run. */
		if (r < 0 && r != -ECANCELED)
			srv_fail(c, "reply", -r);
	}
}

/*
 * The same, answering each call and receiving the next in one system call
 * (MSGBOX_SETTLE_RECV); the first call is taken with a held receive.
 */
static void call_serve_sr(struct clink *c, int t)
{
	char *buf = buf_alloc(c->l.size);
	struct msgbox_held_info info;
	int n, err;

	(void)t;
	n = -EINTR;
	for (;;) {
		/* A receive interrupted after its settle is made again alone. */
		while (n == -EINTR)
			n = msgbox_recv_held(c->fd, buf, c->l.size, NULL, &info);
		if (n < 0)
			srv_fail(c, "receive", -n);
		n = msgbox_reply_recv(c->fd, info.msg.id, buf, (size_t)n, &err,
				      buf, c->l.size, NULL, &info);
		if (err && err != -ECANCELED)
			srv_fail(c, "reply", -err);
	}
}

static int call_create_plain(struct clink *c, int cpu, int nthreads)
{
	return call_create(c, cpu, nthreads, call_serve);
}

static int call_create_sr(struct clink *c, int cpu, int nthreads)
{
	return call_create(c, cpu, nthreads, call_serve_sr);
}

static int call_create(struct clink *c, int cpu, int nthreads,
		       void (*serve)(struct clink *c, int t))
{
	pid_t pid;
	int r;

	link_init(&c->l, NULL, CALL_SIZE, opt.depth);
	r = mb_create(&c->l, 1);
	if (r < 0)
		return r;
	pid = srv_fork(c, cpu, nthreads, call_srv_attach, serve);
	if (pid < 0) {
		msgbox_destroy(c->l.name[0]);
		return pid;
	}
	c->srv[0] = pid;
	return 0;
}

static int call_attach(struct clink *c)
{
	c->fd = msgbox_open(c->l.name[0], O_WRONLY | O_CLOEXEC, NULL);
	return c->fd < 0 ? c->fd : 0;
}

static ssize_t call_call(struct clink *c, int t, char *buf, size_t len)
{
	int r;

	(void)t;
	do
		r = msgbox_call(c->fd, buf, len, buf, c->l.size, NULL, NULL);
	while (r == -EINTR);
	return r;
}

static void call_destroy(struct clink *c)
{
	srv_stop(c);
	msgbox_destroy(c->l.name[0]);
}

/*
 * POSIX mq request/reply: one request queue that the server threads
 * receive from, and a reply queue per client thread, whose number the
 * request carries in its first bytes.
 */
struct mqrr {
	mqd_t req;
	mqd_t reply[CALL_THREADS];
};

static void mqrr_name(const struct clink *c, int q, char *name, size_t len)
{
	/* l.name[0] is the base; q < 0 names the request queue. */
	if (q < 0)
		snprintf(name, len, "%s.rq", c->l.name[0]);
	else
		snprintf(name, len, "%s.r%d", c->l.name[0], q);
}

static void mqrr_unlink(struct clink *c, int nreply)
{
	char name[96];
	int q;

	for (q = -1; q < nreply; q++) {
		mqrr_name(c, q, name, sizeof(name));
		mq_unlink(name);
	}
}

/* Open the request queue with @req_flags, the reply queues with @reply_flags. */
static int mqrr_open(struct clink *c, int req_flags, int reply_flags)
{
	struct mqrr *q = calloc(1, sizeof(*q));
	char name[96];
	int i;

	if (!q)
		return -ENOMEM;
	mqrr_name(c, -1, name, sizeof(name));
	q->req = mq_open(name, req_flags | O_CLOEXEC);
	if (q->req == (mqd_t)-1)
		return -errno;
	for (i = 0; i < c->nclients; i++) {
		mqrr_name(c, i, name, sizeof(name));
		q->reply[i] = mq_open(name, reply_flags | O_CLOEXEC);
		if (q->reply[i] == (mqd_t)-1)
			return -errno;
	}
	c->priv = q;
	return 0;
}

static int mqrr_srv_attach(struct clink *c)
{
	return mqrr_open(c, O_RDONLY, O_WRONLY);
}

static void mqrr_serve(struct clink *c, int t)
{
	struct mqrr *q = c->priv;
	char *buf = buf_alloc(c->l.size);
	uint32_t who;
	ssize_t n;

	(void)t;
	for (;;) {
		n = mq_receive(q->req, buf, c->l.size, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(who))
			srv_fail(c, "receive", n < 0 ? errno : EPROTO);
		memcpy(&who, buf, sizeof(who));
		if (who >= (uint32_t)c->nclients)
			srv_fail(c, "request", EPROTO);
		while (mq_send(q->reply[who], buf, (size_t)n, 0) < 0)
			if (errno != EINTR)
				srv_fail(c, "reply", errno);
	}
}

static int mqrr_create(struct clink *c, int cpu, int nthreads)
{
	struct mq_attr attr = { .mq_maxmsg = opt.depth, .mq_msgsize = CALL_SIZE };
	char name[96];
	mqd_t mq;
	pid_t pid;
	int i, r;

	link_init(&c->l, NULL, CALL_SIZE, opt.depth);
	name_seq++;
	link_name(&c->l, 0, "/");
	if (c->nclients < 1 || c->nclients > CALL_THREADS)
		return -EINVAL;
	for (i = -1; i < c->nclients; i++) {
		mqrr_name(c, i, name, sizeof(name));
		mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600,
			     &attr);
		if (mq == (mqd_t)-1) {
			r = -errno;
			mqrr_unlink(c, i);
			return r;
		}
		mq_close(mq);
	}
	pid = srv_fork(c, cpu, nthreads, mqrr_srv_attach, mqrr_serve);
	if (pid < 0) {
		mqrr_unlink(c, c->nclients);
		return pid;
	}
	c->srv[0] = pid;
	return 0;
}

static int mqrr_attach(struct clink *c)
{
	return mqrr_open(c, O_WRONLY, O_RDONLY);
}

static ssize_t mqrr_call(struct clink *c, int t, char *buf, size_t len)
{
	struct mqrr *q = c->priv;
	uint32_t who = (uint32_t)t;
	ssize_t n;

	memcpy(buf, &who, sizeof(who));
	while (mq_send(q->req, buf, len, 0) < 0)
		if (errno != EINTR)
			return -errno;
	do
		n = mq_receive(q->reply[t], buf, c->l.size, NULL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void mqrr_destroy(struct clink *c)
{
	srv_stop(c);
	mqrr_unlink(c, c->nclients);
}

/*
 * A round trip of struct mech as a call: the client sends on direction 0
 * and receives on direction 1, the server echoes, as in the rtt section.
 */
static int rt_srv_attach(struct clink *c)
{
	return c->l.m->attach(&c->l, 1, 0);
}

static void rt_serve(struct clink *c, int t)
{
	char *buf = buf_alloc(c->l.size);
	ssize_t n;
	int r;

	(void)t;
	for (;;) {
		n = c->l.m->recv(&c->l, 0, buf, c->l.size);
		if (n < 0)
			srv_fail(c, "receive", (int)-n);
		r = c->l.m->send(&c->l, 1, buf, (size_t)n);
		if (r < 0)
			srv_fail(c, "send", -r);
	}
}

static int rt_create(struct clink *c, int m, int cpu)
{
	pid_t pid;
	int r;

	link_init(&c->l, &mechs[m], CALL_SIZE, opt.depth);
	r = mechs[m].create(&c->l, 2);
	if (r < 0)
		return r;
	pid = srv_fork(c, cpu, 1, rt_srv_attach, rt_serve);
	if (pid < 0) {
		mechs[m].destroy(&c->l);
		return pid;
	}
	c->srv[0] = pid;
	return 0;
}

static int rt_create_msgbox(struct clink *c, int cpu, int nthreads)
{
	(void)nthreads;
	return rt_create(c, M_MSGBOX, cpu);
}

static int rt_create_futex(struct clink *c, int cpu, int nthreads)
{
	(void)nthreads;
	return rt_create(c, M_FUTEX, cpu);
}

static int rt_attach(struct clink *c)
{
	return c->l.m->attach(&c->l, 0, 1);
}

static ssize_t rt_call(struct clink *c, int t, char *buf, size_t len)
{
	int r;

	(void)t;
	r = c->l.m->send(&c->l, 0, buf, len);
	if (r < 0)
		return r;
	return c->l.m->recv(&c->l, 1, buf, c->l.size);
}

static void rt_destroy(struct clink *c)
{
	srv_stop(c);
	c->l.m->destroy(&c->l);
}

const struct cmech cmechs[NCMECH] = {
	[CM_CALL] = {
		.name = "call", .what = "msgbox call; server: held receive, settle",
		.threads = 1, .create = call_create_plain, .attach = call_attach,
		.call = call_call, .destroy = call_destroy,
	},
	[CM_CALL_SR] = {
		.name = "call-sr", .what = "msgbox call; server: SETTLE|RECV",
		.threads = 1, .create = call_create_sr, .attach = call_attach,
		.call = call_call, .destroy = call_destroy,
	},
	[CM_MSGBOX] = {
		.name = "msgbox", .what = "msgbox send, then receive (two mailboxes)",
		.create = rt_create_msgbox, .attach = rt_attach,
		.call = rt_call, .destroy = rt_destroy,
	},
	[CM_MQ] = {
		.name = "mq", .what = "POSIX mq request queue, reply queue per client",
		.threads = 1, .create = mqrr_create, .attach = mqrr_attach,
		.call = mqrr_call, .destroy = mqrr_destroy,
	},
	[CM_FUTEX] = {
		.name = "futex", .what = "floor: futex ring round trip",
		.create = rt_create_futex, .attach = rt_attach,
		.call = rt_call, .destroy = rt_destroy,
	},
	[CM_DBUS] = {
		.name = "dbus", .what = "D-Bus method call via dbus-daemon (libdbus)",
		.create = dbus_create, .attach = dbus_attach,
		.call = dbus_call, .destroy = dbus_destroy,
	},
	[CM_RPC_MSGBOX] = {
		.name = "rpc-msgbox", .what = "kv.x KV_GET, libmsgbox-rpc (kv-client)",
		.create = rpc_create, .block = rpc_block, .destroy = rpc_destroy,
	},
	[CM_RPC_TCP] = {
		.name = "rpc-tcp", .what = "kv.x KV_GET, libtirpc TCP loopback",
		.create = rpc_create, .block = rpc_block, .destroy = rpc_destroy,
	},
	[CM_RPC_UDP] = {
		.name = "rpc-udp", .what = "kv.x KV_GET, libtirpc UDP loopback",
		.create = rpc_create, .block = rpc_block, .destroy = rpc_destroy,
	},
};

/* Why a call mechanism is left out, NULL when it works. */
const char *cm_unavailable[NCMECH];

/*
 * The path of program @name in $PATH into @out; 0, or -ENOENT when there is
 * none.
 */
int prog_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	for (p = path ? path : "/bin:/usr/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), p, name);
		if (end > p && !access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* Leave out what cannot run here: no msgbox, no dbus-daemon, no kv-client. */
void cm_probe(void)
{
	const char *why;
	int m;

	if (unavailable[M_MSGBOX] || !(opt.mechs & (1U << M_MSGBOX)))
		for (m = CM_CALL; m <= CM_MSGBOX; m++)
			cm_unavailable[m] = "msgbox left out";
	if (unavailable[M_MQ] || !(opt.mechs & (1U << M_MQ)))
		cm_unavailable[CM_MQ] = "mq left out";
	if (unavailable[M_FUTEX] || !(opt.mechs & (1U << M_FUTEX)))
		cm_unavailable[CM_FUTEX] = "futex left out";
	why = dbus_probe();
	if (why)
		cm_unavailable[CM_DBUS] = why;
	why = rpc_probe();
	for (m = CM_RPC_MSGBOX; m <= CM_RPC_UDP; m++)
		if (why || unavailable[M_MSGBOX])
			cm_unavailable[m] = why ? why : "msgbox left out";
}
