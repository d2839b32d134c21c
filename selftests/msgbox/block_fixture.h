/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the blocking tests' mailbox and children
 *
 * The blocking tests (msgbox_block_test, msgbox_destroy_test and
 * msgbox_rendezvous_test) share this fixture, a mailbox of capacity
 * BLK_CAP opened twice (blocking and O_NONBLOCK), and the children they
 * block in a call.
 *
 * A child that is going to block writes one byte to its report pipe first;
 * the parent then waits for the mailbox's waiting counters (or the child's
 * /proc state) before it acts, and reads the child's result from the pipe.
 */
#ifndef _MSGBOX_BLOCK_FIXTURE_H
#define _MSGBOX_BLOCK_FIXTURE_H

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

static inline void on_usr1(int sig)
{
	char c = 's';
	ssize_t n;

	(void)sig;
	if (sig_fd >= 0) {
		n = write(sig_fd, &c, 1);
		(void)n;
	}
}

static inline void child_op(const struct cspec *cs, struct res *r)
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
static inline pid_t spawn(FIXTURE_DATA(blk) *self, const struct cspec *cs,
			  int *rfd)
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
static inline int started(int rfd)
{
	char b;

	return mb_read_all(rfd, &b, 1) == 0 && b == 'b';
}

/* 1 if the child has not reported within @ms. */
static inline int still_blocked(int rfd, int ms)
{
	return !mb_readable(rfd, ms);
}

#endif /* _MSGBOX_BLOCK_FIXTURE_H */
