// SPDX-License-Identifier: GPL-2.0
/*
 * Calls made on this host for callers on other hosts: one thread per call
 * in progress. The main thread owns the broker connection (a rabbitmq-c
 * connection is not thread-safe), so a thread only opens the local
 * mailbox, makes the call with msgbox_call() and a deadline, and hands the
 * job back on a list the main thread takes, woken through a pipe it polls.
 * How many threads run at once is the main thread's to bound: it starts
 * at most "calls=" per mailbox, and every call ends by its deadline.
 *
 * Errors travel between bridges by name (x-msgbox-error), not by number,
 * since numbers differ between architectures.
 */
#define _GNU_SOURCE	/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgbox.h>

#include "bridge.h"

#define CALL_STACK	(128 * 1024)

static pthread_mutex_t finished_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bridge_call_job *finished;	/* guarded by finished_lock */
static int wake[2] = { -1, -1 };

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EACCES, "EACCES" }, { EAGAIN, "EAGAIN" }, { EBADMSG, "EBADMSG" },
	{ ECANCELED, "ECANCELED" }, { ECONNRESET, "ECONNRESET" },
	{ EIDRM, "EIDRM" }, { EINTR, "EINTR" }, { EINVAL, "EINVAL" },
	{ EIO, "EIO" }, { EMSGSIZE, "EMSGSIZE" }, { ENOENT, "ENOENT" },
	{ ENOMEM, "ENOMEM" }, { EPERM, "EPERM" }, { ESRCH, "ESRCH" },
	{ ETIMEDOUT, "ETIMEDOUT" },
};

/**
 * bridge_errno_name() - the name of an errno value
 * @err: a positive errno value
 *
 * Return: its name, or "EIO" for one this table does not know.
 */
const char *bridge_errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

/**
 * bridge_errno_value() - the errno value of a name
 * @name: as bridge_errno_name() gives it
 *
 * Return: the positive value, EIO for a name not known here.
 */
int bridge_errno_value(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].err;
	return EIO;
}

/**
 * bridge_calls_init() - prepare for call threads
 *
 * Return: the descriptor the main loop polls for finished jobs, or a
 * negative errno.
 */
int bridge_calls_init(void)
{
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return wake[0];
}

static void *call_thread(void *arg)
{
	struct bridge_call_job *job = arg;
	struct msgbox_call_opts co = {
		.flags = MSGBOX_CO_TIMEOUT,
		.prio = job->prio,
		.timeout = {
			.tv_sec = job->timeout_ms / 1000,
			.tv_nsec = (long)(job->timeout_ms % 1000) * 1000000,
		},
	};
	struct msgbox_call_info info;
	struct msgbox_stat_args st;
	char byte = 0;
	int fd, ret;

	/* Opened per call: a mailbox removed since shows as ENOENT. */
	fd = msgbox_open(job->mailbox, O_WRONLY | O_CLOEXEC, NULL);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	memset(&st, 0, sizeof(st));
	ret = msgbox_stat(fd, &st);
	if (!ret) {
		/* No reply can be longer than the mailbox's largest message. */
		job->reply = malloc(st.max_msg_size ? st.max_msg_size : 1);
		if (!job->reply)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = msgbox_call(fd, job->data, job->len, job->reply,
				  st.max_msg_size, &co, &info);
	close(fd);
	if (ret >= 0) {
		job->reply_len = ret;
		job->id = info.id;
		job->pid = info.pid;
		job->uid = info.uid;
		job->gid = info.gid;
		ret = 0;
	}
out:
	job->err = ret;
	pthread_mutex_lock(&finished_lock);
	job->next = finished;
	finished = job;
	pthread_mutex_unlock(&finished_lock);
	/* A full pipe has a wake-up pending already. */
	if (write(wake[1], &byte, 1) < 0 && errno != EAGAIN)
		abort();
	return NULL;
}

/**
 * bridge_calls_start() - make a job's call in a thread of its own
 * @job: the job; the thread has it until bridge_calls_finished() returns it
 *
 * The thread blocks every signal: a signal delivered to it during the
 * call would cancel the call.
 *
 * Return: 0, or a negative errno (no thread, the job is the caller's).
 */
int bridge_calls_start(struct bridge_call_job *job)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int ret;

	ret = pthread_attr_init(&attr);
	if (ret)
		return -ret;
	ret = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!ret)
		ret = pthread_attr_setstacksize(&attr, CALL_STACK);
	if (!ret) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		ret = pthread_create(&t, &attr, call_thread, job);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_attr_destroy(&attr);
	return -ret;
}

/**
 * bridge_calls_finished() - take the jobs whose calls ended
 *
 * Return: a list linked by @next, oldest first, or NULL.
 */
struct bridge_call_job *bridge_calls_finished(void)
{
	struct bridge_call_job *list, *rev = NULL, *next;
	char buf[64];

	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&finished_lock);
	list = finished;
	finished = NULL;
	pthread_mutex_unlock(&finished_lock);
	for (; list; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
	}
	return rev;
}

/**
 * bridge_call_job_free() - free a job
 * @job: the job, or NULL
 */
void bridge_call_job_free(struct bridge_call_job *job)
{
	if (!job)
		return;
	free(job->data);
	free(job->reply);
	free(job);
}
