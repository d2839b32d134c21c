// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox host tests: what the sends, receives and msgbox_stat() hand
 * the kernel and how they map its answers, and the errors of the real
 * system without the module.
 */
#include "lib_test.h"

void test_send(void)
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

void test_recv(void)
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

/* As the kernel does, nothing is written beyond the size it was given. */
static int answer_stat(unsigned long cmd, void *arg)
{
	struct msgbox_stat_args *a = arg;

	(void)cmd;
	a->capacity = 3;
	a->msgs = 2;
	a->waiting_senders = 1;
	if (a->size >= MSGBOX_STAT_SIZE_VER1) {
		a->held = 4;
		a->calls = 5;
	}
	return 0;
}

/* msgbox_stat() as a program linked against MSGBOX_1.0 calls it. */
int msgbox_stat_1_0(int fd, struct msgbox_stat_args *st);
__asm__(".symver msgbox_stat_1_0, msgbox_stat@MSGBOX_1.0");

void test_stat(void)
{
	struct msgbox_stat_args st;
	unsigned char *tail = (unsigned char *)&st + MSGBOX_STAT_SIZE_VER0;
	size_t i;
	int fd, untouched;

	reset(answer_stat);
	fd = open(MSGBOX_DEVICE, O_RDWR);

	/* The default version asks for, and fills, the second version. */
	memset(&st, 0xff, sizeof(st));
	CHECK(msgbox_stat(fd, &st) == 0);
	CHECK(last_cmd == MSGBOX_IOC_STAT);
	CHECK(last.stat.size == MSGBOX_STAT_SIZE_VER1 &&
	      last.stat.size == sizeof(st) && last.stat.flags == 0 &&
	      last.stat.capacity == 0 && last.stat.held == 0 &&
	      last.stat.calls == 0);
	CHECK(st.capacity == 3 && st.msgs == 2 && st.waiting_senders == 1);
	CHECK(st.held == 4 && st.calls == 5);
	CHECK(msgbox_stat(fd, NULL) == -EINVAL);

	/* MSGBOX_1.0: the first version only, command size included. */
	memset(&st, 0xff, sizeof(st));
	CHECK(msgbox_stat_1_0(fd, &st) == 0);
	CHECK(_IOC_NR(last_cmd) == _IOC_NR(MSGBOX_IOC_STAT) &&
	      _IOC_TYPE(last_cmd) == MSGBOX_IOC_MAGIC &&
	      _IOC_DIR(last_cmd) == (_IOC_READ | _IOC_WRITE) &&
	      _IOC_SIZE(last_cmd) == MSGBOX_STAT_SIZE_VER0);
	CHECK(last.stat.size == MSGBOX_STAT_SIZE_VER0 &&
	      last.stat.flags == 0 && last.stat.capacity == 0);
	CHECK(st.capacity == 3 && st.msgs == 2 && st.waiting_senders == 1);
	untouched = 1;
	for (i = 0; i < sizeof(st) - MSGBOX_STAT_SIZE_VER0; i++)
		if (tail[i] != 0xff)
			untouched = 0;
	CHECK(untouched);
	CHECK(msgbox_stat_1_0(fd, NULL) == -EINVAL);

	hook = answer_enotty;
	ioctls = 0;
	CHECK(msgbox_stat(fd, &st) == -ENOTTY && ioctls == 1);
	CHECK(msgbox_stat_1_0(fd, &st) == -ENOTTY && ioctls == 2);
	close(fd);
}

/* Errors of the real system when the module is not loaded. */
void test_no_device(void)
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
	CHECK(msgbox_unlink("orders") == -ENOENT);
}

/* Not a msgbox descriptor: the real ioctl answers, as -errno. */
void test_not_msgbox(void)
{
	int fd;

	mock_on = 0;
	fd = open("/dev/null", O_RDWR);
	CHECK(msgbox_send(fd, "x", 1, 0) == -ENOTTY);
	CHECK(msgbox_recv(fd, NULL, 0, NULL) == -ENOTTY);
	close(fd);
	CHECK(msgbox_send(fd, "x", 1, 0) == -EBADF);
}
