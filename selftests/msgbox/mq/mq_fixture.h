/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the queue every libmsgbox-mq conformance test gets
 *
 * The conformance of libmsgbox-mq with POSIX message queues as Linux
 * implements them is tested by one program per group of calls
 * (msgbox_mq_*_test.c): every call, every error it documents, and the order
 * in which Linux checks for them. Each test gets a fresh queue of 4
 * messages of 64 bytes (within Linux's unprivileged limits, so that the
 * MQ_NATIVE build runs the same tests on the kernel's queues), made by the
 * fixture here.
 */
#ifndef _MSGBOX_MQ_FIXTURE_H
#define _MSGBOX_MQ_FIXTURE_H

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
static inline int fill(mqd_t q)
{
	int i;

	for (i = 0; i < Q_MAXMSG; i++)
		if (mq_send(q, "f", 1, 0))
			return -1;
	return 0;
}

/* Run @fn(name) as user nobody in a child; its exit status is errno. */
static inline int as_nobody(const char *name, int (*fn)(const char *))
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

/* A thread blocked in mq_receive() or mq_send() on a queue. */
struct blocker {
	mqd_t q;
	pid_t tid;
	int ret;
	int err;
	char buf[Q_MSGSIZE];
	int started;	/* __atomic */
};

static inline void *receiver_main(void *arg)
{
	struct blocker *b = arg;

	b->tid = mqt_gettid();
	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	b->ret = (int)mq_receive(b->q, b->buf, sizeof(b->buf), NULL);
	b->err = errno;
	return NULL;
}

static inline void *sender_main(void *arg)
{
	struct blocker *b = arg;

	b->tid = mqt_gettid();
	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	b->ret = mq_send(b->q, "late", 4, 0);
	b->err = errno;
	return NULL;
}

static inline int start_blocked(struct blocker *b, mqd_t q, void *(*fn)(void *),
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

static inline pid_t send_from_child(const char *name, const char *msg,
				    unsigned int prio)
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
static inline int notify_from_child(const char *name, int sigev_notify)
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

#endif /* _MSGBOX_MQ_FIXTURE_H */
