/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: helpers for held messages and calls
 *
 * Raw-ioctl helpers for MSGBOX_RECV_HOLD, MSGBOX_IOC_SETTLE and
 * MSGBOX_IOC_CALL, shared by the hold and call tests. Like msgbox_util.h
 * they return a negative errno on failure, so that tests compare results
 * directly.
 *
 * A call blocks until it is answered, so the tests make calls from child
 * processes (call_spawn()) or threads. A caller child writes 'b' to its
 * report pipe just before it calls, then a struct call_res when the call
 * returns; a parent that must know the call is queued or waiting looks at
 * the mailbox's counters (mb_wait_counts()) and the child's /proc state.
 */
#ifndef _MSGBOX_HOLD_UTIL_H
#define _MSGBOX_HOLD_UTIL_H

#include "msgbox_unpriv.h"

/* The largest reply a caller child can take. */
#define CALL_REPLY_MAX		512

/* What mb_settle_recv() puts in settle_error before the ioctl. */
#define SETTLE_ERROR_UNSET	(-12345)

/* Receives with MSGBOX_RECV_HOLD (VER1 struct); @hold_ns 0: no limit. */
static inline int mb_hold(int fd, void *buf, unsigned int buf_len,
			  uint64_t hold_ns, struct msgbox_recv_args *out)
{
	struct msgbox_recv_args a;
	int ret;

	mb_recv_args(&a, buf, buf_len);
	a.flags = MSGBOX_RECV_HOLD;
	a.hold_ns = hold_ns;
	ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &a);
	if (out)
		*out = a;
	return ret;
}

static inline void mb_settle_args(struct msgbox_settle_args *a, uint64_t id,
				  unsigned int flags, const void *buf,
				  unsigned int len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = flags;
	a->id = id;
	a->buf = (uintptr_t)buf;
	a->len = len;
}

static inline int mb_settle(int fd, uint64_t id, unsigned int flags,
			    const void *buf, unsigned int len)
{
	struct msgbox_settle_args a;

	mb_settle_args(&a, id, flags, buf, len);
	return mb_ioctl(fd, MSGBOX_IOC_SETTLE, &a);
}

/* Done with a held message (no reply). */
static inline int mb_done(int fd, uint64_t id)
{
	return mb_settle(fd, id, 0, NULL, 0);
}

/* Back to the queue. */
static inline int mb_release(int fd, uint64_t id)
{
	return mb_settle(fd, id, MSGBOX_SETTLE_RELEASE, NULL, 0);
}

/* Answers the held call @id with @len bytes of @buf. */
static inline int mb_reply(int fd, uint64_t id, const void *buf,
			   unsigned int len)
{
	return mb_settle(fd, id, 0, buf, len);
}

/*
 * SETTLE|RECV: settles @id with @buf/@len (@flags may add RELEASE), then
 * receives into @rbuf with @r (filled here, @rflags as RECV flags).
 * *@settle_error gets the settle_error field.
 */
static inline int mb_settle_recv(int fd, uint64_t id, unsigned int flags,
				 const void *buf, unsigned int len,
				 struct msgbox_recv_args *r,
				 unsigned int rflags, void *rbuf,
				 unsigned int rbuf_len, int *settle_error)
{
	struct msgbox_settle_args a;
	int ret;

	mb_recv_args(r, rbuf, rbuf_len);
	r->flags = rflags;
	mb_settle_args(&a, id, flags | MSGBOX_SETTLE_RECV, buf, len);
	a.settle_error = SETTLE_ERROR_UNSET;
	a.recv = (uintptr_t)r;
	ret = mb_ioctl(fd, MSGBOX_IOC_SETTLE, &a);
	if (settle_error)
		*settle_error = a.settle_error;
	return ret;
}

static inline void mb_call_args(struct msgbox_call_args *a, const void *buf,
				unsigned int len, void *reply,
				unsigned int reply_len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->buf = (uintptr_t)buf;
	a->len = len;
	a->reply_buf = (uintptr_t)reply;
	a->reply_buf_len = reply_len;
}

/* A call that gives up at once: validates, queues and withdraws. */
static inline int mb_call_expired(int fd, const void *buf, unsigned int len)
{
	struct msgbox_call_args a;
	char reply[8];

	mb_call_args(&a, buf, len, reply, sizeof(reply));
	a.flags = MSGBOX_CALL_DEADLINE;
	a.deadline_ns = mb_now_ns();
	return mb_ioctl(fd, MSGBOX_IOC_CALL, &a);
}

/*
 * Waits until STAT of @fd shows @msgs queued messages, @held held ones and
 * @calls unanswered calls; -1 leaves a count unchecked. 0, -ETIMEDOUT
 * (with *@st the last answer) or the -errno of STAT.
 */
static inline int mb_wait_counts(int fd, int msgs, int held, int calls,
				 struct msgbox_stat_args *st)
{
	uint64_t start = mb_now_ns();
	struct msgbox_stat_args tmp;
	int ret;

	if (!st)
		st = &tmp;
	for (;;) {
		ret = mb_raw_stat(fd, st);
		if (ret < 0)
			return ret;
		if ((msgs < 0 || st->msgs == (unsigned int)msgs) &&
		    (held < 0 || st->held == (unsigned int)held) &&
		    (calls < 0 || st->calls == (unsigned int)calls))
			return 0;
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
}

/* What a caller child did. */
struct call_res {
	int ret;		/* the ioctl's result */
	int sigs;		/* signal handler runs */
	uint64_t done_ns;	/* CLOCK_MONOTONIC when the call returned */
	struct msgbox_call_args a;	/* as the kernel left it */
	char reply[CALL_REPLY_MAX];
};

enum call_sig { CALL_SIG_NONE, CALL_SIG_NORESTART, CALL_SIG_RESTART };

/* What a caller child does. */
struct call_spec {
	const char *name;	/* attached O_RDWR in the child when @fd <= 0 */
	int fd;			/* else the descriptor to call through */
	unsigned int flags;	/* MSGBOX_CALL_* */
	const void *buf;
	unsigned int len;
	unsigned int prio;
	uint64_t deadline_ns;	/* absolute; with MSGBOX_CALL_DEADLINE */
	unsigned int reply_buf_len;
	pid_t pid;		/* with MSGBOX_CALL_TO_PID */
	enum call_sig sig;	/* a SIGUSR1 handler, and how */
	int sigpipe;		/* the handler writes a byte here; -1: none */
	uid_t uid;		/* 0: keep the credentials; else drop to it */
};

static volatile sig_atomic_t call_sigs;
static int call_sigpipe = -1;

static inline void call_on_usr1(int sig)
{
	char c = 's';
	ssize_t n;

	(void)sig;
	call_sigs++;
	if (call_sigpipe >= 0) {
		n = write(call_sigpipe, &c, 1);
		(void)n;
	}
}

static inline void call_sig_install(enum call_sig how, int sigpipe)
{
	struct sigaction sa;

	if (how == CALL_SIG_NONE)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = call_on_usr1;
	sa.sa_flags = how == CALL_SIG_RESTART ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	call_sigpipe = sigpipe;
	sigaction(SIGUSR1, &sa, NULL);
}

/* Makes the call of @cs with @fd; fills @r. */
static inline void call_do(const struct call_spec *cs, int fd,
			   struct call_res *r)
{
	struct msgbox_call_args *a = &r->a;

	mb_call_args(a, cs->buf, cs->len, r->reply,
		     cs->reply_buf_len < CALL_REPLY_MAX ? cs->reply_buf_len :
		     CALL_REPLY_MAX);
	a->flags = cs->flags;
	a->prio = cs->prio;
	a->deadline_ns = cs->deadline_ns;
	a->pid = cs->pid;
	r->ret = mb_ioctl(fd, MSGBOX_IOC_CALL, a);
	r->done_ns = mb_now_ns();
	r->sigs = call_sigs;
}

/*
 * Forks a caller child doing @cs; its pid, *@rfd its report pipe. The
 * child writes 'b' (or 'e' when it could not set up) before it calls,
 * then its struct call_res.
 */
static inline pid_t call_spawn(const struct call_spec *cs, int *rfd)
{
	struct call_res r;
	int wfd, fd;
	pid_t pid;
	char b = 'b';

	pid = mb_fork(rfd, &wfd);
	if (pid != 0)
		return pid;
	memset(&r, 0, sizeof(r));
	fd = cs->fd > 0 ? cs->fd : mb_attach(cs->name, O_RDWR);
	if (fd >= 0 && cs->uid && mb_drop_to(cs->uid))
		fd = -EPERM;
	if (fd < 0) {
		b = 'e';
		mb_write_all(wfd, &b, 1);
		_exit(1);
	}
	call_sig_install(cs->sig, cs->sigpipe);
	mb_write_all(wfd, &b, 1);
	call_do(cs, fd, &r);
	mb_write_all(wfd, &r, sizeof(r));
	_exit(0);
}

/* Waits for the caller child's "about to call" byte. */
static inline int call_started(int rfd)
{
	char b = 0;

	return mb_read_all(rfd, &b, 1) == 0 && b == 'b';
}

/* Reads the caller child's result; 0 or -ETIMEDOUT/-EPIPE. */
static inline int call_result(int rfd, struct call_res *r)
{
	return mb_read_all(rfd, r, sizeof(*r));
}

#endif /* _MSGBOX_HOLD_UTIL_H */
