// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox from a 32-bit process (built with -m32): the uapi structures have
 * the same layout for 32-bit and 64-bit callers, so the raw ioctls must work
 * unchanged through the compat path. No library: raw ioctls only.
 */
#include "msgbox_util.h"

#include <stddef.h>

/* The layout is the contract: same sizes and offsets as on 64-bit. */
_Static_assert(sizeof(struct msgbox_open_args) == MSGBOX_OPEN_SIZE_VER0,
	       "open args size");
_Static_assert(sizeof(struct msgbox_destroy_args) == MSGBOX_DESTROY_SIZE_VER0,
	       "destroy args size");
_Static_assert(sizeof(struct msgbox_send_args) == MSGBOX_SEND_SIZE_VER1,
	       "send args size");
_Static_assert(sizeof(struct msgbox_recv_args) == MSGBOX_RECV_SIZE_VER1,
	       "recv args size");
_Static_assert(sizeof(struct msgbox_stat_args) == MSGBOX_STAT_SIZE_VER1,
	       "stat args size");
_Static_assert(sizeof(struct msgbox_call_args) == MSGBOX_CALL_SIZE_VER0,
	       "call args size");
_Static_assert(sizeof(struct msgbox_settle_args) == MSGBOX_SETTLE_SIZE_VER0,
	       "settle args size");
_Static_assert(offsetof(struct msgbox_open_args, name) == 8, "open name");
_Static_assert(offsetof(struct msgbox_open_args, __reserved) == 28,
	       "open reserved");
_Static_assert(offsetof(struct msgbox_destroy_args, name) == 8,
	       "destroy name");
_Static_assert(offsetof(struct msgbox_send_args, buf) == 8, "send buf");
_Static_assert(offsetof(struct msgbox_send_args, deadline_ns) == 24,
	       "send deadline");
_Static_assert(offsetof(struct msgbox_send_args, key) == 32, "send key");
_Static_assert(offsetof(struct msgbox_send_args, pid) == 40, "send pid");
_Static_assert(offsetof(struct msgbox_send_args, id) == 48, "send id");
_Static_assert(offsetof(struct msgbox_send_args, result) == 56,
	       "send result");
_Static_assert(offsetof(struct msgbox_send_args, token) ==
	       MSGBOX_SEND_SIZE_VER0, "send token");
_Static_assert(offsetof(struct msgbox_recv_args, deadline_ns) == 24,
	       "recv deadline");
_Static_assert(offsetof(struct msgbox_recv_args, id) == 40, "recv id");
_Static_assert(offsetof(struct msgbox_recv_args, key) == 48, "recv key");
_Static_assert(offsetof(struct msgbox_recv_args, pid) == 56, "recv pid");
_Static_assert(offsetof(struct msgbox_recv_args, __reserved) == 76,
	       "recv reserved");
_Static_assert(offsetof(struct msgbox_recv_args, hold_ns) ==
	       MSGBOX_RECV_SIZE_VER0, "recv hold_ns");
_Static_assert(offsetof(struct msgbox_recv_args, deliveries) == 88,
	       "recv deliveries");
_Static_assert(offsetof(struct msgbox_recv_args, __reserved2) == 92,
	       "recv reserved2");
_Static_assert(offsetof(struct msgbox_stat_args, bytes) == 24, "stat bytes");
_Static_assert(offsetof(struct msgbox_stat_args, received) == 40,
	       "stat received");
_Static_assert(offsetof(struct msgbox_stat_args, mb_flags) == 68,
	       "stat mb_flags");
_Static_assert(offsetof(struct msgbox_stat_args, held) ==
	       MSGBOX_STAT_SIZE_VER0, "stat held");
_Static_assert(offsetof(struct msgbox_stat_args, calls) == 76, "stat calls");
_Static_assert(offsetof(struct msgbox_call_args, buf) == 8, "call buf");
_Static_assert(offsetof(struct msgbox_call_args, deadline_ns) == 24,
	       "call deadline");
_Static_assert(offsetof(struct msgbox_call_args, reply_buf) == 32,
	       "call reply_buf");
_Static_assert(offsetof(struct msgbox_call_args, pid) == 44, "call pid");
_Static_assert(offsetof(struct msgbox_call_args, id) == 48, "call id");
_Static_assert(offsetof(struct msgbox_call_args, reply_gid) == 68,
	       "call reply_gid");
_Static_assert(offsetof(struct msgbox_settle_args, id) == 8, "settle id");
_Static_assert(offsetof(struct msgbox_settle_args, buf) == 16, "settle buf");
_Static_assert(offsetof(struct msgbox_settle_args, settle_error) == 28,
	       "settle settle_error");
_Static_assert(offsetof(struct msgbox_settle_args, recv) == 32,
	       "settle recv");
/* So the ioctl numbers are the 64-bit ones too. */
_Static_assert(_IOC_SIZE(MSGBOX_IOC_OPEN) == MSGBOX_OPEN_SIZE_VER0, "OPEN");
_Static_assert(_IOC_SIZE(MSGBOX_IOC_SEND) == MSGBOX_SEND_SIZE_VER1, "SEND");
_Static_assert(_IOC_SIZE(MSGBOX_IOC_RECV) == MSGBOX_RECV_SIZE_VER1, "RECV");
_Static_assert(_IOC_SIZE(MSGBOX_IOC_STAT) == MSGBOX_STAT_SIZE_VER1, "STAT");
_Static_assert(_IOC_SIZE(MSGBOX_IOC_CALL) == MSGBOX_CALL_SIZE_VER0, "CALL");
_Static_assert(_IOC_SIZE(MSGBOX_IOC_SETTLE) == MSGBOX_SETTLE_SIZE_VER0,
	       "SETTLE");

/*
 * The SEND, RECV and STAT commands of a program built before the
 * structures grew: the same numbers with the old sizes, which the module
 * does not look at.
 */
#define SEND_CMD_VER0	_IOC(_IOC_READ | _IOC_WRITE, MSGBOX_IOC_MAGIC, \
			     _IOC_NR(MSGBOX_IOC_SEND), MSGBOX_SEND_SIZE_VER0)
#define RECV_CMD_VER0	_IOC(_IOC_READ | _IOC_WRITE, MSGBOX_IOC_MAGIC, \
			     _IOC_NR(MSGBOX_IOC_RECV), MSGBOX_RECV_SIZE_VER0)
#define STAT_CMD_VER0	_IOC(_IOC_READ | _IOC_WRITE, MSGBOX_IOC_MAGIC, \
			     _IOC_NR(MSGBOX_IOC_STAT), MSGBOX_STAT_SIZE_VER0)

FIXTURE(c32) {
	int fd;			/* O_RDWR | O_NONBLOCK */
	char name[128];
};

FIXTURE_SETUP(c32)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, 4, 256);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(c32)
{
	close(self->fd);
	mb_destroy_name(self->name);
}

TEST_F(c32, is_32bit)
{
	EXPECT_EQ(4U, sizeof(void *));
	EXPECT_EQ(4U, sizeof(long));
	/* 64-bit ioctl command values, computed by hand. */
	EXPECT_EQ(0xc048e703UL, (unsigned long)MSGBOX_IOC_SEND);
	EXPECT_EQ(0xc040e703UL, (unsigned long)SEND_CMD_VER0);
	EXPECT_EQ(0xc060e704UL, (unsigned long)MSGBOX_IOC_RECV);
	EXPECT_EQ(0xc050e705UL, (unsigned long)MSGBOX_IOC_STAT);
	EXPECT_EQ(0xc048e70aUL, (unsigned long)MSGBOX_IOC_CALL);
	EXPECT_EQ(0xc028e70bUL, (unsigned long)MSGBOX_IOC_SETTLE);
	EXPECT_EQ(0xc050e704UL, (unsigned long)RECV_CMD_VER0);
	EXPECT_EQ(0xc048e705UL, (unsigned long)STAT_CMD_VER0);
	EXPECT_EQ(0x4020e701UL, (unsigned long)MSGBOX_IOC_OPEN);
	EXPECT_EQ(0x4010e702UL, (unsigned long)MSGBOX_IOC_DESTROY);
}

TEST_F(c32, send_recv_roundtrip)
{
	struct msgbox_send_args s;
	struct msgbox_recv_args r;
	char out[200], in[256];

	mb_fill(out, sizeof(out), 32);
	mb_send_args(&s, out, sizeof(out), 17);
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	memset(in, 0, sizeof(in));
	EXPECT_EQ(200, mb_raw_recv(self->fd, in, sizeof(in), &r));
	EXPECT_EQ(200U, r.len);
	EXPECT_EQ(17U, r.prio);
	EXPECT_EQ(s.id, r.id);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);
	EXPECT_TRUE(mb_check(in, 200, 32));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, in, sizeof(in), NULL));
}

TEST_F(c32, high_address_buffers)
{
	struct msgbox_recv_args r;
	char *p;

	/* Buffers above 2 GiB: the pointer must not be sign-extended. */
	p = mmap((void *)0xd0000000UL, 8192, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE((uintptr_t)MAP_FAILED, (uintptr_t)p);
	if ((uintptr_t)p < 0x80000000UL) {
		munmap(p, 8192);
		SKIP(return, "no mapping above 2 GiB (got %p)", p);
	}
	mb_fill(p, 100, 8);
	ASSERT_EQ(0, mb_raw_send(self->fd, p, 100, 0));
	memset(p + 4096, 0, 100);
	EXPECT_EQ(100, mb_raw_recv(self->fd, p + 4096, 256, &r));
	EXPECT_TRUE(mb_check(p + 4096, 100, 8));
	munmap(p, 8192);
}

TEST_F(c32, stat_counters)
{
	struct msgbox_stat_args st;
	char buf[64];

	ASSERT_EQ(0, mb_raw_send(self->fd, buf, 10, 0));
	ASSERT_EQ(0, mb_raw_send(self->fd, buf, 20, 0));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(4U, st.capacity);
	EXPECT_EQ(256U, st.max_msg_size);
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(30U, st.bytes);
	EXPECT_EQ(2U, st.sent);
	EXPECT_EQ(0U, st.received);
	EXPECT_EQ(geteuid(), st.uid);
	EXPECT_EQ(10, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(20U, st.bytes);
	EXPECT_EQ(1U, st.received);
}

TEST_F(c32, errors)
{
	struct msgbox_recv_args r;
	char buf[300];

	EXPECT_EQ(-EMSGSIZE, mb_raw_send(self->fd, buf, 257, 0));
	ASSERT_EQ(0, mb_raw_send(self->fd, buf, 100, 0));
	EXPECT_EQ(-EMSGSIZE, mb_raw_recv(self->fd, buf, 50, &r));
	EXPECT_EQ(100U, r.len);
	EXPECT_EQ(-EFAULT, mb_raw_recv(self->fd, mb_unmapped(), 200, NULL));
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ(-EINVAL, mb_raw_send(self->fd, buf, 1, MSGBOX_PRIO_MAX));
	EXPECT_EQ(-ENOTTY, mb_ioctl(self->fd, _IO(MSGBOX_IOC_MAGIC, 0x7f),
				    NULL));
}

TEST_F(c32, struct_sizes)
{
	unsigned char big[sizeof(struct msgbox_stat_args) + 16];
	struct msgbox_stat_args *st = (void *)big;

	memset(big, 0, sizeof(big));
	st->size = sizeof(big);
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_STAT, big));
	EXPECT_EQ(4U, st->capacity);
	big[sizeof(big) - 1] = 1;
	EXPECT_EQ(-E2BIG, mb_ioctl(self->fd, MSGBOX_IOC_STAT, big));
	st->size = MSGBOX_STAT_SIZE_VER0 - 4;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_STAT, big));
}

/*
 * A program built with the first SEND, RECV and STAT keeps working
 * unchanged.
 */
TEST_F(c32, ver0_commands)
{
	unsigned char rbuf[MSGBOX_RECV_SIZE_VER1], sbuf[MSGBOX_STAT_SIZE_VER1];
	unsigned char obuf[MSGBOX_SEND_SIZE_VER1];
	struct msgbox_send_args *s = (void *)obuf;
	struct msgbox_recv_args *r = (void *)rbuf;
	struct msgbox_stat_args *st = (void *)sbuf;
	char in[16];

	/* What follows a VER0 structure is not the caller's: not read. */
	memset(obuf, 0xa5, sizeof(obuf));
	memset(obuf, 0, MSGBOX_SEND_SIZE_VER0);
	s->size = MSGBOX_SEND_SIZE_VER0;
	s->buf = (uintptr_t)"old";
	s->len = 3;
	EXPECT_EQ(0, mb_ioctl(self->fd, SEND_CMD_VER0, s));
	EXPECT_NE(0U, s->id);
	/* A token needs the structure that holds it. */
	s->flags = MSGBOX_SEND_TOKEN;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, SEND_CMD_VER0, s));
	EXPECT_EQ(1, mb_msgs(self->fd));
	memset(sbuf, 0xa5, sizeof(sbuf));
	memset(sbuf, 0, MSGBOX_STAT_SIZE_VER0);
	st->size = MSGBOX_STAT_SIZE_VER0;
	EXPECT_EQ(0, mb_ioctl(self->fd, STAT_CMD_VER0, st));
	EXPECT_EQ(1U, st->msgs);
	EXPECT_EQ(4U, st->capacity);
	/* Nothing written past the size it was given. */
	EXPECT_EQ(0xa5a5a5a5U, st->held);
	EXPECT_EQ(0xa5a5a5a5U, st->calls);

	memset(rbuf, 0xa5, sizeof(rbuf));
	memset(rbuf, 0, MSGBOX_RECV_SIZE_VER0);
	r->size = MSGBOX_RECV_SIZE_VER0;
	r->buf = (uintptr_t)in;
	r->buf_len = sizeof(in);
	EXPECT_EQ(3, mb_ioctl(self->fd, RECV_CMD_VER0, r));
	EXPECT_EQ(0, memcmp(in, "old", 3));
	EXPECT_EQ(0U, r->msg_flags);
	EXPECT_EQ(0xa5a5a5a5U, r->deliveries);
}

/* Hold, release, redeliver and settle, through the compat path. */
TEST_F(c32, hold_settle)
{
	struct msgbox_settle_args s;
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char in[16];

	ASSERT_EQ(0, mb_raw_send(self->fd, "held", 4, 0));
	mb_recv_args(&r, in, sizeof(in));
	r.flags = MSGBOX_RECV_HOLD;
	r.hold_ns = 60ULL * 1000000000ULL;
	ASSERT_EQ(4, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ((__u32)MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(0U, r.deliveries);
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.held);

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = MSGBOX_SETTLE_RELEASE;
	s.id = r.id;
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SETTLE, &s));
	EXPECT_EQ(-ENOENT, mb_ioctl(self->fd, MSGBOX_IOC_SETTLE, &s));

	mb_recv_args(&r, in, sizeof(in));
	r.flags = MSGBOX_RECV_HOLD;
	ASSERT_EQ(4, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ((__u32)(MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED),
		  r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
	s.flags = 0;
	s.id = r.id;
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SETTLE, &s));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.held);
}

/* A call answered by another process: pointers and ids both ways. */
TEST_F(c32, call_reply)
{
	struct msgbox_call_args c;
	char reply[16];
	int rfd, wfd, status;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct msgbox_settle_args s;
		struct msgbox_recv_args r;
		char in[16];
		int fd = mb_attach(self->name, O_RDWR);

		mb_recv_args(&r, in, sizeof(in));
		r.flags = MSGBOX_RECV_DEADLINE | MSGBOX_RECV_HOLD;
		r.deadline_ns = mb_now_ns() + 10000000000ULL;
		if (fd < 0 || mb_ioctl(fd, MSGBOX_IOC_RECV, &r) != 4 ||
		    memcmp(in, "ping", 4) ||
		    !(r.msg_flags & MSGBOX_MSG_CALL) ||
		    !(r.msg_flags & MSGBOX_MSG_HELD))
			_exit(1);
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.id = r.id;
		s.buf = (uintptr_t)"pong!";
		s.len = 5;
		_exit(mb_ioctl(fd, MSGBOX_IOC_SETTLE, &s) ? 2 : 0);
	}
	close(rfd);

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = MSGBOX_CALL_DEADLINE;
	c.deadline_ns = mb_now_ns() + 10000000000ULL;
	c.buf = (uintptr_t)"ping";
	c.len = 4;
	c.reply_buf = (uintptr_t)reply;
	c.reply_buf_len = sizeof(reply);
	EXPECT_EQ(5, mb_ioctl(self->fd, MSGBOX_IOC_CALL, &c));
	EXPECT_EQ(5U, c.reply_len);
	EXPECT_EQ(0, memcmp(reply, "pong!", 5));
	EXPECT_EQ(pid, c.reply_pid);
	EXPECT_EQ(geteuid(), c.reply_uid);
	EXPECT_NE(0U, c.id);
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status)) TH_LOG("status %d", status);
}

TEST_F(c32, deadline_64bit_time)
{
	struct msgbox_recv_args r;
	uint64_t start, ms;
	char buf[8];

	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_DEADLINE;
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, 0));	/* blocking */
	start = mb_now_ns();
	r.deadline_ns = start + 150000000ULL;
	EXPECT_EQ(-ETIMEDOUT, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	ms = mb_ms_since(start);
	EXPECT_LE(145U, ms);
	EXPECT_GT(5000U, ms);
}

TEST_F(c32, port_send_to_pid)
{
	struct msgbox_open_args a;
	struct msgbox_send_args s;
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[8];
	int port;

	port = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, port);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_OPEN_PORT;
	a.capacity = 2;
	a.max_msg_size = 16;
	ASSERT_EQ(0, mb_ioctl(port, MSGBOX_IOC_OPEN, &a));
	ASSERT_EQ(0, mb_raw_stat(port, &st));
	EXPECT_EQ(getpid(), st.owner_pid);

	mb_send_args(&s, "pp", 2, 0);
	s.flags = MSGBOX_SEND_TO_PID;
	s.pid = getpid();
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(2, mb_raw_recv(port, buf, sizeof(buf), &r));
	EXPECT_EQ(0, memcmp(buf, "pp", 2));
	EXPECT_EQ(0, mb_msgs(self->fd));
	close(port);
}

TEST_F(c32, destroy)
{
	char buf[8];

	EXPECT_EQ(0, mb_raw_destroy_bound(self->fd));
	EXPECT_EQ(-EIDRM, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ENOENT, mb_destroy_name(self->name));
	close(self->fd);
	self->fd = mb_new(self->name, O_RDWR, 1, 8);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, mb_destroy_name(self->name));
	EXPECT_EQ(-ENOENT, mb_attach(self->name, O_RDWR));
}

TEST_HARNESS_MAIN
