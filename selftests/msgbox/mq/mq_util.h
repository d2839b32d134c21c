/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the POSIX message queue conformance tests.
 *
 * The tests speak <mqueue.h> only. Built normally they are linked with
 * libmsgbox-mq.a and run on msgbox; built with -DMQ_NATIVE and -lrt they
 * run the same checks on the kernel's own POSIX queues, which is how the
 * tests themselves are checked against Linux. MQT_MSGBOX tells the few
 * places where the two differ on purpose.
 *
 * Whether a thread is blocked in a call is read from
 * /proc/self/task/<tid>/{stat,syscall}, bounded by a timeout, never guessed
 * from a sleep.
 */
#ifndef _MSGBOX_MQ_UTIL_H
#define _MSGBOX_MQ_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The 6.1 harness has an unused parameter of its own; keep -Wextra quiet. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#ifdef MQ_NATIVE
#define MQT_MSGBOX		0
/* The system calls a blocked mq_receive()/mq_send() sits in. */
#define MQT_SYS_RECV		SYS_mq_timedreceive
#define MQT_SYS_SEND		SYS_mq_timedsend
#else
#define MQT_MSGBOX		1
#define MQT_SYS_RECV		SYS_ioctl
#define MQT_SYS_SEND		SYS_ioctl
#endif

#define MQT_DEV			"/dev/msgbox"

#define MQT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* What a two-argument mq_open() calls under _FORTIFY_SOURCE. */
mqd_t __mq_open_2(const char *name, int oflag);

/* How long to wait for something that must happen, and for one that must not. */
#define MQT_WAIT_MS		10000
#define MQT_QUIET_MS		300

/* A child still alive after this many seconds is killed by SIGALRM. */
#define MQT_CHILD_ALARM		25

/* The 6.1 harness still runs the body after SKIP() in a setup; exit 255 is "skip". */
#define MQT_SETUP_SKIP(fmt, ...) SKIP(_exit(255), fmt, ##__VA_ARGS__)

static inline bool mqt_backend_present(void)
{
	return !MQT_MSGBOX || access(MQT_DEV, F_OK) == 0;
}

/* A queue name unique to this test process. */
static inline void mqt_name(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "/mqt-%d-%s", (int)getpid(), tag);
}

static inline int64_t mqt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The absolute CLOCK_REALTIME time @ms milliseconds from now (may be < 0). */
static inline struct timespec mqt_abs_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	} else if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000L;
	}
	return ts;
}

static inline pid_t mqt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * Wait until thread @tid of this process sleeps in system call @nr. Returns
 * 0, or -ETIMEDOUT after MQT_WAIT_MS.
 */
static inline int mqt_wait_blocked(pid_t tid, long nr)
{
	char path[64], buf[512], *p;
	int64_t end = mqt_now_ms() + MQT_WAIT_MS;
	long cur;
	FILE *f;

	do {
		bool sleeping = false, in_call = false;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f)) {
				p = strrchr(buf, ')');
				sleeping = p && p[1] == ' ' && p[2] == 'S';
			}
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%ld", &cur) == 1)
				in_call = cur == nr;
			fclose(f);
		}
		if (sleeping && in_call)
			return 0;
		usleep(2000);
	} while (mqt_now_ms() < end);
	return -ETIMEDOUT;
}

/* Exit status of child @pid, or 128 + signal; -1 if waitpid() fails. */
static inline int mqt_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Wait up to @ms for signal @sig (blocked by the caller); its siginfo in @si. */
static inline int mqt_wait_signal(int sig, siginfo_t *si, long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, si, &ts);
}

static inline void mqt_block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

#endif /* _MSGBOX_MQ_UTIL_H */
