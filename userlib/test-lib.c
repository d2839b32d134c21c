// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of libmsgbox that need no kernel module.
 *
 * The program defines open() and ioctl() itself, so the library's calls land
 * here: an open of MSGBOX_DEVICE yields a descriptor of /dev/null, and an
 * ioctl on such a descriptor is recorded and answered by the current test's
 * hook. The tests then check what the library would have handed the kernel
 * (sizes, flags, pointers, deadlines, checksums) and how it maps the answer.
 * With the mock off, calls go to the real system, which checks the errors of
 * a missing device. Output is TAP; the exit status is 1 if any test failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "msgbox.h"

static int mock_on;
static int mock_fd = -1;
static int opens, last_oflags;
static int ioctls;
static unsigned long last_cmd;
static union {
	struct msgbox_open_args open;
	struct msgbox_destroy_args destroy;
	struct msgbox_send_args send;
	struct msgbox_recv_args recv;
	struct msgbox_stat_args stat;
	unsigned char raw[256];
} last;
static int (*hook)(unsigned long cmd, void *arg);

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (mock_on && !strcmp(path, MSGBOX_DEVICE)) {
		opens++;
		last_oflags = flags;
		mock_fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", flags, 0);
		return mock_fd;
	}
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (!mock_on || fd != mock_fd)
		return syscall(SYS_ioctl, fd, cmd, arg);

	ioctls++;
	last_cmd = cmd;
	memset(&last, 0, sizeof(last));
	memcpy(&last, arg, _IOC_SIZE(cmd));
	ret = hook ? hook(cmd, arg) : 0;
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int failures, testno;

static void check(int cond, const char *what, int line)
{
	testno++;
	if (cond) {
		printf("ok %d - %s\n", testno, what);
	} else {
		printf("not ok %d - %s (line %d)\n", testno, what, line);
		failures++;
	}
}

#define CHECK(cond)	check(!!(cond), #cond, __LINE__)

static void reset(int (*h)(unsigned long, void *))
{
	mock_on = 1;
	mock_fd = -1;
	opens = ioctls = 0;
	last_oflags = -1;
	last_cmd = 0;
	hook = h;
}

static int fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint32_t crc32c_bitwise(const unsigned char *p, size_t len)
{
	uint32_t crc = ~0U;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78U & -(crc & 1));
	}
	return ~crc;
}

static void test_crc32c(void)
{
	static unsigned char buf[1100];
	int ok = 1;
	size_t off, len;

	CHECK(msgbox_crc32c("123456789", 9) == 0xE3069283U);
	CHECK(msgbox_crc32c(NULL, 0) == 0);
	/* RFC 3720 B.4: 32 bytes of zeroes, of 0xff. */
	memset(buf, 0, 32);
	CHECK(msgbox_crc32c(buf, 32) == 0x8A9136AAU);
	memset(buf, 0xff, 32);
	CHECK(msgbox_crc32c(buf, 32) == 0x62A8AB43U);

	srand(1);
	for (off = 0; off < sizeof(buf); off++)
		buf[off] = rand();
	for (off = 0; off < 9; off++)
		for (len = 0; len + off <= 1024; len += 1 + len / 8)
			if (msgbox_crc32c(buf + off, len) !=
			    crc32c_bitwise(buf + off, len))
				ok = 0;
	CHECK(ok);
}

static void test_version(void)
{
	CHECK(!strcmp(msgbox_version(), MSGBOX_VERSION));
}

static int answer_ok(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return 0;
}

static int answer_eexist(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -EEXIST;
}

static int answer_einval(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -EINVAL;
}

static int answer_enotty(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

static void test_open(void)
{
	struct msgbox_attr attr = {
		.capacity = 5, .max_msg_size = 100, .mode = 0640,
		.flags = MSGBOX_ATTR_DEDUP,
	};
	struct msgbox_attr bad = { .flags = 2 };
	int fd;

	reset(answer_ok);
	CHECK(msgbox_open(NULL, O_RDWR, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_TRUNC, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_APPEND, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_ACCMODE, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_CREAT, &bad) == -EINVAL);
	CHECK(msgbox_create(NULL, NULL, O_RDWR) == -EINVAL);
	CHECK(opens == 0 && ioctls == 0);

	reset(answer_ok);
	fd = msgbox_open("orders", O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC,
			 &attr);
	CHECK(fd >= 0 && fd == mock_fd);
	CHECK(last_oflags == (O_WRONLY | O_NONBLOCK | O_CLOEXEC));
	CHECK(last_cmd == MSGBOX_IOC_OPEN);
	CHECK(last.open.size == sizeof(struct msgbox_open_args));
	CHECK(last.open.flags == (MSGBOX_OPEN_CREATE | MSGBOX_OPEN_DEDUP));
	CHECK(last.open.name == (uintptr_t)"orders" ||
	      !strcmp((const char *)(uintptr_t)last.open.name, "orders"));
	CHECK(last.open.capacity == 5 && last.open.max_msg_size == 100 &&
	      last.open.mode == 0640 && last.open.__reserved == 0);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDONLY | O_CREAT, NULL);
	CHECK(last_oflags == O_RDONLY);
	CHECK(last.open.flags == MSGBOX_OPEN_CREATE);
	CHECK(last.open.capacity == MSGBOX_DEFAULT_CAPACITY &&
	      last.open.max_msg_size == MSGBOX_DEFAULT_MSG_SIZE &&
	      last.open.mode == MSGBOX_DEFAULT_MODE);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDWR, &attr);
	CHECK(last_oflags == O_RDWR);
	CHECK(last.open.flags == 0 && last.open.capacity == 0 &&
	      last.open.max_msg_size == 0 && last.open.mode == 0);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDWR | O_EXCL, NULL);
	CHECK(last.open.flags == MSGBOX_OPEN_EXCL);
	close(fd);

	reset(answer_ok);
	fd = msgbox_create("orders", NULL, O_RDWR);
	CHECK(last.open.flags == (MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL));
	close(fd);

	reset(answer_eexist);
	CHECK(msgbox_create("orders", NULL, O_RDWR) == -EEXIST);
	CHECK(opens == 1 && !fd_is_open(mock_fd));
}

static void test_port_dev(void)
{
	struct msgbox_attr attr = { .capacity = 7, .max_msg_size = 9 };
	int fd;

	reset(answer_ok);
	CHECK(msgbox_port(NULL, O_WRONLY) == -EINVAL);
	CHECK(msgbox_port(NULL, O_CREAT) == -EINVAL);
	CHECK(msgbox_dev_open(O_CREAT) == -EINVAL);
	CHECK(msgbox_dev_open(O_ACCMODE) == -EINVAL);
	CHECK(opens == 0);

	reset(answer_ok);
	fd = msgbox_port(&attr, O_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(last_oflags == (O_RDWR | O_NONBLOCK));
	CHECK(last.open.flags == MSGBOX_OPEN_PORT && last.open.name == 0);
	CHECK(last.open.capacity == 7 && last.open.max_msg_size == 9);
	close(fd);

	reset(answer_ok);
	fd = msgbox_port(NULL, O_RDWR | O_CLOEXEC);
	CHECK(last_oflags == (O_RDWR | O_CLOEXEC));
	CHECK(last.open.capacity == MSGBOX_DEFAULT_CAPACITY);
	close(fd);

	reset(answer_ok);
	fd = msgbox_dev_open(O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && last_oflags == (O_WRONLY | O_CLOEXEC) && ioctls == 0);
	close(fd);
}

static void test_destroy(void)
{
	reset(answer_ok);
	CHECK(msgbox_destroy(NULL) == -EINVAL && opens == 0);
	CHECK(msgbox_destroy("done") == 0);
	CHECK(last_cmd == MSGBOX_IOC_DESTROY);
	CHECK(last.destroy.size == sizeof(struct msgbox_destroy_args) &&
	      last.destroy.flags == 0 && last.destroy.name != 0);
	CHECK(!fd_is_open(mock_fd));

	reset(answer_ok);
	mock_fd = open(MSGBOX_DEVICE, O_RDWR);
	CHECK(msgbox_destroy_fd(mock_fd) == 0);
	CHECK(last.destroy.flags == MSGBOX_DESTROY_BOUND && last.destroy.name == 0);
	hook = answer_enotty;
	CHECK(msgbox_destroy_fd(mock_fd) == -ENOTTY);
	close(mock_fd);
	CHECK(msgbox_close(mock_fd) == -EBADF);
}

static int answer_send(unsigned long cmd, void *arg)
{
	struct msgbox_send_args *a = arg;

	(void)cmd;
	a->id = 42;
	a->result = MSGBOX_SENT_DUPLICATE | MSGBOX_SENT_DELIVERED;
	return 0;
}

static void test_send(void)
{
	static const char msg[] = "hello, mailbox";
	struct msgbox_send_opts opts;
	struct msgbox_send_info info = { 0 };
	uint64_t t0;
	int fd;

	reset(answer_send);
	fd = open(MSGBOX_DEVICE, O_RDWR);

	CHECK(msgbox_send(fd, msg, sizeof(msg), 3) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND);
	CHECK(last.send.size == sizeof(struct msgbox_send_args));
	CHECK(last.send.flags == MSGBOX_SEND_NORESULT && last.send.prio == 3 &&
	      last.send.len == sizeof(msg) && last.send.buf == (uintptr_t)msg);
	CHECK(last.send.__reserved == 0 && last.send.result == 0);

	/* Priority 0 and no options: one MSGBOX_IOC_SEND, nothing written back. */
	ioctls = 0;
	CHECK(msgbox_send(fd, msg, sizeof(msg), 0) == 0);
	CHECK(ioctls == 1 && last_cmd == MSGBOX_IOC_SEND &&
	      last.send.flags == MSGBOX_SEND_NORESULT && last.send.prio == 0 &&
	      last.send.buf == (uintptr_t)msg);
	CHECK(msgbox_sendx(fd, msg, 5, NULL, NULL) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND && last.send.len == 5 &&
	      last.send.flags == MSGBOX_SEND_NORESULT);
	memset(&opts, 0, sizeof(opts));
	CHECK(msgbox_sendx(fd, msg, 5, &opts, NULL) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND && last.send.len == 5 &&
	      last.send.flags == MSGBOX_SEND_NORESULT);
	/* Its errors are the caller's, from the one call, never retried. */
	hook = answer_eexist;
	ioctls = 0;
	CHECK(msgbox_send(fd, msg, 1, 0) == -EEXIST && ioctls == 1);
	hook = answer_enotty;
	ioctls = 0;
	CHECK(msgbox_send(fd, msg, 1, 0) == -ENOTTY && ioctls == 1);
	hook = answer_send;

	CHECK(msgbox_send_to(fd, 1234, msg, 5, 1) == 0);
	CHECK(last.send.flags == (MSGBOX_SEND_TO_PID | MSGBOX_SEND_NORESULT) &&
	      last.send.pid == 1234 &&
	      last.send.len == 5 && last.send.prio == 1);

	memset(&opts, 0, sizeof(opts));
	opts.flags = MSGBOX_SO_KEY | MSGBOX_SO_CSUM | MSGBOX_SO_ACK |
		     MSGBOX_SO_TIMEOUT;
	opts.prio = 7;
	opts.key = 0x1122334455667788ULL;
	opts.timeout.tv_sec = 2;
	opts.timeout.tv_nsec = 500000000;
	t0 = now_ns();
	CHECK(msgbox_sendx(fd, msg, sizeof(msg), &opts, &info) == 0);
	CHECK(last.send.flags == (MSGBOX_SEND_KEY | MSGBOX_SEND_CSUM |
				  MSGBOX_SEND_ACK | MSGBOX_SEND_DEADLINE));
	CHECK(last.send.key == 0x1122334455667788ULL && last.send.prio == 7);
	CHECK(last.send.csum == msgbox_crc32c(msg, sizeof(msg)));
	CHECK(last.send.deadline_ns >= t0 + 2500000000ULL &&
	      last.send.deadline_ns <= now_ns() + 2500000000ULL);
	CHECK(info.id == 42 && info.duplicate == 1 && info.delivered == 1);

	/* Far timeouts saturate instead of wrapping. */
	opts.flags = MSGBOX_SO_TIMEOUT;
	opts.timeout.tv_sec = sizeof(time_t) > 4 ? (time_t)INT64_MAX : INT_MAX;
	opts.timeout.tv_nsec = 999999999;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == 0);
	if (sizeof(time_t) > 4)
		CHECK(last.send.deadline_ns == (uint64_t)INT64_MAX);
	else
		CHECK(last.send.deadline_ns > (uint64_t)INT_MAX * 1000000000ULL);

	opts.timeout.tv_sec = 0;
	opts.timeout.tv_nsec = 0;
	t0 = now_ns();
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == 0);
	CHECK(last.send.deadline_ns >= t0 && last.send.deadline_ns <= now_ns());

	ioctls = 0;
	opts.timeout.tv_sec = -1;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == -EINVAL);
	opts.timeout.tv_sec = 0;
	opts.timeout.tv_nsec = 1000000000;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == -EINVAL);
	opts.timeout.tv_nsec = -1;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == -EINVAL);
	opts.flags = 1U << 5;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == -EINVAL);
	if (sizeof(size_t) > 4)
		CHECK(msgbox_send(fd, msg, (size_t)UINT32_MAX + 1, 0) == -EMSGSIZE);
	CHECK(ioctls == 0);

	/* Without @info nothing reads the results: the kernel skips them. */
	CHECK(msgbox_sendx(fd, NULL, 0, NULL, NULL) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND &&
	      last.send.flags == MSGBOX_SEND_NORESULT && last.send.len == 0);
	memset(&opts, 0, sizeof(opts));
	opts.prio = 1;
	CHECK(msgbox_sendx(fd, NULL, 0, &opts, NULL) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND &&
	      last.send.flags == MSGBOX_SEND_NORESULT && last.send.len == 0 &&
	      last.send.prio == 1);
	CHECK(msgbox_sendx(fd, NULL, 0, NULL, &info) == 0);
	CHECK(last_cmd == MSGBOX_IOC_SEND && last.send.flags == 0);

	/* An EINVAL is the caller's: sent once, not again without the flag. */
	opts.flags = MSGBOX_SO_TO_PID;
	opts.pid = 1;
	opts.prio = 0;
	hook = answer_einval;
	ioctls = 0;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, NULL) == -EINVAL);
	CHECK(ioctls == 1 &&
	      last.send.flags == (MSGBOX_SEND_TO_PID | MSGBOX_SEND_NORESULT));
	ioctls = 0;
	CHECK(msgbox_sendx(fd, msg, 1, &opts, &info) == -EINVAL && ioctls == 1);

	hook = answer_enotty;
	info.id = 7;
	CHECK(msgbox_sendx(fd, msg, 1, NULL, &info) == -ENOTTY && info.id == 7);
	close(fd);
}

static const char payload[] = "order #17";
static uint32_t answer_csum, answer_msg_flags;

static int answer_recv(unsigned long cmd, void *arg)
{
	struct msgbox_recv_args *a = arg;

	(void)cmd;
	a->len = sizeof(payload);
	if (a->buf_len < sizeof(payload))
		return -EMSGSIZE;
	memcpy((void *)(uintptr_t)a->buf, payload, sizeof(payload));
	a->prio = 9;
	a->id = 1001;
	a->key = 77;
	a->pid = 4321;
	a->uid = 1000;
	a->gid = 100;
	a->csum = answer_csum;
	a->msg_flags = answer_msg_flags;
	return sizeof(payload);
}

static void test_recv(void)
{
	struct msgbox_recv_opts opts;
	struct msgbox_msg_info info;
	char buf[64];
	unsigned int prio = 0;
	uint64_t t0;
	int fd;

	reset(answer_recv);
	fd = open(MSGBOX_DEVICE, O_RDWR);

	answer_msg_flags = 0;
	CHECK(msgbox_recv(fd, buf, sizeof(buf), &prio) == sizeof(payload));
	CHECK(last_cmd == MSGBOX_IOC_RECV);
	CHECK(last.recv.size == sizeof(struct msgbox_recv_args));
	CHECK(last.recv.flags == 0 && last.recv.buf == (uintptr_t)buf &&
	      last.recv.buf_len == sizeof(buf) && last.recv.__reserved == 0);
	CHECK(prio == 9 && !strcmp(buf, payload));

	answer_msg_flags = MSGBOX_MSG_CSUM | MSGBOX_MSG_KEY;
	answer_csum = msgbox_crc32c(payload, sizeof(payload));
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_recvx(fd, buf, sizeof(buf), NULL, &info) == sizeof(payload));
	CHECK(info.id == 1001 && info.key == 77 && info.prio == 9 &&
	      info.pid == 4321 && info.uid == 1000 && info.gid == 100 &&
	      info.len == sizeof(payload) && info.has_key && info.has_csum);

	answer_csum ^= 1;
	CHECK(msgbox_recvx(fd, buf, sizeof(buf), NULL, &info) == -EBADMSG);
	CHECK(!info.has_csum && info.pid == 4321);
	CHECK(msgbox_recv(fd, buf, sizeof(buf), NULL) == -EBADMSG);

	answer_msg_flags = 0;
	memset(&info, 0, sizeof(info));
	CHECK(msgbox_recvx(fd, buf, 4, NULL, &info) == -EMSGSIZE);
	CHECK(info.len == sizeof(payload));

	memset(&opts, 0, sizeof(opts));
	opts.flags = MSGBOX_RO_PEEK | MSGBOX_RO_FROM_PID | MSGBOX_RO_TIMEOUT;
	opts.pid = 99;
	opts.timeout.tv_nsec = 1000;
	t0 = now_ns();
	CHECK(msgbox_recvx(fd, buf, sizeof(buf), &opts, NULL) == sizeof(payload));
	CHECK(last.recv.flags == (MSGBOX_RECV_PEEK | MSGBOX_RECV_FROM_PID |
				  MSGBOX_RECV_DEADLINE));
	CHECK(last.recv.from_pid == 99);
	CHECK(last.recv.deadline_ns >= t0 + 1000 &&
	      last.recv.deadline_ns <= now_ns() + 1000);

	ioctls = 0;
	opts.flags = 1U << 3;
	CHECK(msgbox_recvx(fd, buf, sizeof(buf), &opts, NULL) == -EINVAL);
	opts.flags = MSGBOX_RO_TIMEOUT;
	opts.timeout.tv_nsec = 1000000000;
	CHECK(msgbox_recvx(fd, buf, sizeof(buf), &opts, NULL) == -EINVAL);
	CHECK(ioctls == 0);

	/* The 32-bit buffer length is clamped, never truncated. */
	if (sizeof(size_t) > 4) {
		hook = answer_ok;
		msgbox_recvx(fd, buf, (size_t)UINT32_MAX + 2, NULL, NULL);
		CHECK(last.recv.buf_len == UINT32_MAX);
	}
	close(fd);
}

static int answer_stat(unsigned long cmd, void *arg)
{
	struct msgbox_stat_args *a = arg;

	(void)cmd;
	a->capacity = 3;
	a->msgs = 2;
	a->waiting_senders = 1;
	return 0;
}

static void test_stat(void)
{
	struct msgbox_stat_args st;
	int fd;

	reset(answer_stat);
	fd = open(MSGBOX_DEVICE, O_RDWR);
	memset(&st, 0xff, sizeof(st));
	CHECK(msgbox_stat(fd, &st) == 0);
	CHECK(last_cmd == MSGBOX_IOC_STAT);
	CHECK(last.stat.size == sizeof(st) && last.stat.flags == 0 &&
	      last.stat.capacity == 0);
	CHECK(st.capacity == 3 && st.msgs == 2 && st.waiting_senders == 1);
	CHECK(msgbox_stat(fd, NULL) == -EINVAL);
	close(fd);
}

/* Errors of the real system when the module is not loaded. */
static void test_no_device(void)
{
	struct stat sb;

	mock_on = 0;
	if (!stat(MSGBOX_DEVICE, &sb)) {
		printf("ok %d # SKIP %s exists\n", ++testno, MSGBOX_DEVICE);
		return;
	}
	CHECK(msgbox_open("orders", O_RDWR, NULL) == -ENOENT);
	CHECK(msgbox_create("orders", NULL, O_RDWR) == -ENOENT);
	CHECK(msgbox_port(NULL, 0) == -ENOENT);
	CHECK(msgbox_dev_open(O_RDWR) == -ENOENT);
	CHECK(msgbox_destroy("orders") == -ENOENT);
}

/* Not a msgbox descriptor: the real ioctl answers, as -errno. */
static void test_not_msgbox(void)
{
	int fd;

	mock_on = 0;
	fd = open("/dev/null", O_RDWR);
	CHECK(msgbox_send(fd, "x", 1, 0) == -ENOTTY);
	CHECK(msgbox_recv(fd, NULL, 0, NULL) == -ENOTTY);
	close(fd);
	CHECK(msgbox_send(fd, "x", 1, 0) == -EBADF);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	test_crc32c();
	test_version();
	test_open();
	test_port_dev();
	test_destroy();
	test_send();
	test_recv();
	test_stat();
	test_no_device();
	test_not_msgbox();
	printf("1..%d\n", testno);
	printf("# %d failed of %d (%s, %zu-bit)\n", failures, testno,
	       msgbox_version(), sizeof(void *) * 8);
	return failures ? 1 : 0;
}
