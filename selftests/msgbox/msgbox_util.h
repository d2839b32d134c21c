/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msgbox selftests.
 *
 * Everything here talks to the kernel through the raw ioctls of
 * <linux/msgbox.h>, so the 32-bit compat test can use it without the
 * library. Helpers that talk to the kernel return a negative errno on
 * failure, like the library, so tests compare results directly
 * (EXPECT_EQ(-EAGAIN, ...)). It also includes kselftest_harness.h.
 *
 * Synchronisation with child processes never relies on sleeping alone: a
 * child reports through a pipe, and a parent that must know a child is
 * blocked polls the mailbox's waiting_receivers/waiting_senders counters or
 * the child's state in /proc/<pid>/stat, both bounded by a timeout.
 */
#ifndef _MSGBOX_SELFTEST_UTIL_H
#define _MSGBOX_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/msgbox.h>

/* The 6.1 harness has an unused parameter of its own; keep -Wextra quiet. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define MB_DEV			"/dev/msgbox"
#define MB_PARAM_DIR		"/sys/module/msgbox/parameters"

/* Defaults of the module parameters, used when sysfs cannot tell. */
#define MB_DEF_MAX_MAILBOXES	1024
#define MB_DEF_MAX_MSG_SIZE	1048576
#define MB_DEF_MAX_CAPACITY	4096

/* How long a parent waits for a child to reach a state or to report. */
#define MB_WAIT_MS		10000
/* Safety net: a child still alive after this many seconds is killed. */
#define MB_CHILD_ALARM		25

#define MB_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The 6.1 harness still runs the test body after SKIP() in FIXTURE_SETUP.
 * Its runner reads exit status 255 of the test process as "skipped", which
 * is what this macro produces, keeping the reason for the TAP line.
 */
#define MB_SETUP_SKIP(fmt, ...) SKIP(_exit(255), fmt, ##__VA_ARGS__)

static inline int mb_dev_present(void)
{
	return access(MB_DEV, F_OK) == 0;
}

/* Opens /dev/msgbox; -errno on failure. */
static inline int mb_dev_open(int oflags)
{
	int fd = open(MB_DEV, oflags);

	return fd < 0 ? -errno : fd;
}

/* A mailbox name unique to this test and process. */
static inline void mb_name(char *buf, size_t size, const char *tag)
{
	snprintf(buf, size, "st-%s-%d", tag, (int)getpid());
}

static inline uint64_t mb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mb_ms_since(uint64_t start_ns)
{
	return (mb_now_ns() - start_ns) / 1000000ULL;
}

static inline void mb_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ioctl() returning -errno. */
static inline int mb_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int mb_raw_open(int fd, const char *name, unsigned int flags,
			      unsigned int capacity, unsigned int max_msg_size,
			      unsigned int mode)
{
	struct msgbox_open_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.name = (uintptr_t)name;
	a.capacity = capacity;
	a.max_msg_size = max_msg_size;
	a.mode = mode;
	return mb_ioctl(fd, MSGBOX_IOC_OPEN, &a);
}

/*
 * Creates @name (CREATE|EXCL) on a fresh descriptor opened with @oflags and
 * returns that descriptor, or -errno.
 */
static inline int mb_new(const char *name, int oflags, unsigned int capacity,
			 unsigned int max_msg_size)
{
	int fd, ret;

	fd = mb_dev_open(oflags);
	if (fd < 0)
		return fd;
	ret = mb_raw_open(fd, name, MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL,
			  capacity, max_msg_size, 0600);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Opens the existing mailbox @name on a fresh descriptor. */
static inline int mb_attach(const char *name, int oflags)
{
	int fd, ret;

	fd = mb_dev_open(oflags);
	if (fd < 0)
		return fd;
	ret = mb_raw_open(fd, name, 0, 0, 0, 0);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

static inline int mb_raw_destroy(int fd, const char *name)
{
	struct msgbox_destroy_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.name = (uintptr_t)name;
	return mb_ioctl(fd, MSGBOX_IOC_DESTROY, &a);
}

/* Destroys @name through a temporary descriptor; -errno. */
static inline int mb_destroy_name(const char *name)
{
	int fd, ret;

	fd = mb_dev_open(O_RDWR);
	if (fd < 0)
		return fd;
	ret = mb_raw_destroy(fd, name);
	close(fd);
	return ret;
}

static inline int mb_raw_destroy_bound(int fd)
{
	struct msgbox_destroy_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_DESTROY_BOUND;
	return mb_ioctl(fd, MSGBOX_IOC_DESTROY, &a);
}

static inline void mb_send_args(struct msgbox_send_args *a, const void *buf,
				unsigned int len, unsigned int prio)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->buf = (uintptr_t)buf;
	a->len = len;
	a->prio = prio;
}

static inline int mb_raw_send(int fd, const void *buf, unsigned int len,
			      unsigned int prio)
{
	struct msgbox_send_args a;

	mb_send_args(&a, buf, len, prio);
	return mb_ioctl(fd, MSGBOX_IOC_SEND, &a);
}

static inline void mb_recv_args(struct msgbox_recv_args *a, void *buf,
				unsigned int buf_len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->buf = (uintptr_t)buf;
	a->buf_len = buf_len;
}

/* Receives into @buf; @out (may be NULL) gets the returned arguments. */
static inline int mb_raw_recv(int fd, void *buf, unsigned int buf_len,
			      struct msgbox_recv_args *out)
{
	struct msgbox_recv_args a;
	int ret;

	mb_recv_args(&a, buf, buf_len);
	ret = mb_ioctl(fd, MSGBOX_IOC_RECV, &a);
	if (out)
		*out = a;
	return ret;
}

static inline int mb_raw_stat(int fd, struct msgbox_stat_args *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return mb_ioctl(fd, MSGBOX_IOC_STAT, st);
}

/* Number of queued messages, or -errno. */
static inline int mb_msgs(int fd)
{
	struct msgbox_stat_args st;
	int ret = mb_raw_stat(fd, &st);

	return ret < 0 ? ret : (int)st.msgs;
}

/*
 * Waits until at least @receivers receivers and @senders senders are blocked
 * on the mailbox of @fd. 0, or -ETIMEDOUT / -errno of STAT.
 */
static inline int mb_wait_waiters(int fd, unsigned int receivers,
				  unsigned int senders)
{
	uint64_t start = mb_now_ns();
	struct msgbox_stat_args st;
	int ret;

	for (;;) {
		ret = mb_raw_stat(fd, &st);
		if (ret < 0)
			return ret;
		if (st.waiting_receivers >= receivers &&
		    st.waiting_senders >= senders)
			return 0;
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
}

/* Waits until the mailbox of @fd has exactly @n waiting receivers. */
static inline int mb_wait_receivers_eq(int fd, unsigned int n)
{
	uint64_t start = mb_now_ns();
	struct msgbox_stat_args st;
	int ret;

	for (;;) {
		ret = mb_raw_stat(fd, &st);
		if (ret < 0)
			return ret;
		if (st.waiting_receivers == n)
			return 0;
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
}

/* Waits until the mailbox of @fd holds exactly @n messages. */
static inline int mb_wait_msgs(int fd, unsigned int n)
{
	uint64_t start = mb_now_ns();
	int ret;

	for (;;) {
		ret = mb_msgs(fd);
		if (ret < 0)
			return ret;
		if ((unsigned int)ret == n)
			return 0;
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
}

/* The state letter of the stat file at @path, or 0. */
static inline char mb_stat_state(const char *path)
{
	char buf[512], *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* The state letter of /proc/<pid>/stat, or 0. */
static inline char mb_proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return mb_stat_state(path);
}

/* Waits until @pid sleeps interruptibly ('S'); 0 or -ETIMEDOUT. */
static inline int mb_wait_sleeping(pid_t pid)
{
	uint64_t start = mb_now_ns();

	while (mb_proc_state(pid) != 'S') {
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(1);
	}
	return 0;
}

/*
 * Forks a child that dies with its parent and after MB_CHILD_ALARM seconds
 * at the latest. *@rfd gets the read end of a pipe whose write end the
 * child finds in *@wfd (the parent's copy is closed).
 */
static inline pid_t mb_fork(int *rfd, int *wfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(MB_CHILD_ALARM);
		*wfd = p[1];
		*rfd = -1;
		return 0;
	}
	close(p[1]);
	*rfd = p[0];
	*wfd = -1;
	return pid;
}

static inline int mb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads exactly @len bytes, waiting at most @timeout_ms in total.
 * 0, -ETIMEDOUT, or -EPIPE when the writer went away first.
 */
static inline int mb_read_all_timeout(int fd, void *buf, size_t len,
				      int timeout_ms)
{
	uint64_t start = mb_now_ns();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *p = buf;
	ssize_t n;
	int left, ret;

	while (len) {
		left = timeout_ms - (int)mb_ms_since(start);
		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret == 0)
			return -ETIMEDOUT;
		if (ret < 0)
			return -errno;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int mb_read_all(int fd, void *buf, size_t len)
{
	return mb_read_all_timeout(fd, buf, len, MB_WAIT_MS);
}

/* 1 if @fd has something to read within @timeout_ms, else 0. */
static inline int mb_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) > 0;
}

/*
 * Waits for @pid to end, at most MB_WAIT_MS; kills it on timeout.
 * Returns the wait status, or -ETIMEDOUT.
 */
static inline int mb_wait_exit(pid_t pid)
{
	uint64_t start = mb_now_ns();
	int status;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			return status;
		if (ret < 0 && errno != EINTR)
			return -ECHILD;
		if (mb_ms_since(start) > MB_WAIT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		mb_sleep_ms(1);
	}
}

/* Child exited normally with status 0. */
static inline int mb_exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* An address that is certainly not mapped. */
static inline void *mb_unmapped(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)8;
	munmap(p, 4096);
	return p;
}

/* Reads a module parameter; 0 or -errno. */
static inline int mb_param_read(const char *param, unsigned long *val)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), MB_PARAM_DIR "/%s", param);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoul(buf, NULL, 0);
	return 0;
}

/* Writes a module parameter; 0 or -errno. */
static inline int mb_param_write(const char *param, unsigned long val)
{
	char path[128], buf[64];
	ssize_t n;
	int fd, len;

	snprintf(path, sizeof(path), MB_PARAM_DIR "/%s", param);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu\n", val);
	n = write(fd, buf, (size_t)len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return n == len ? 0 : -EIO;
}

/* A module parameter, or @def when it cannot be read. */
static inline unsigned long mb_param(const char *param, unsigned long def)
{
	unsigned long val;

	return mb_param_read(param, &val) ? def : val;
}

/* Fills @buf with a pattern derived from @seed. */
static inline void mb_fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

/* 1 if @buf holds the pattern of mb_fill(). */
static inline int mb_check(const void *buf, size_t len, unsigned int seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7 + (i >> 8)))
			return 0;
	return 1;
}

#endif /* _MSGBOX_SELFTEST_UTIL_H */
