// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox information leaks: every structure the kernel writes back is
 * fully defined. The out fields are filled with a pattern before each
 * call; afterwards none may still hold it, each must hold the value the
 * call defines, and no byte past the structure the caller passed may be
 * written. A receive buffer larger than the message keeps its tail.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define PAT8	0xa5
#define PAT32	0xa5a5a5a5U
#define PAT64	0xa5a5a5a5a5a5a5a5ULL

FIXTURE(leak) {
	char name[128];
	int fd;
};

FIXTURE_SETUP(leak)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, 8, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(leak)
{
	close(self->fd);
	mb_destroy_name(self->name);
}

/* A receive defines every out field, for plain and keyed messages. */
TEST_F(leak, recv_out_fields)
{
	struct {
		struct msgbox_recv_args a;
		unsigned char guard[32];
	} r;
	unsigned char buf[64];
	unsigned int i;

	ASSERT_EQ(0, mb_raw_send(self->fd, "abc", 3, 5));
	memset(&r, PAT8, sizeof(r));
	memset(buf, PAT8, sizeof(buf));
	r.a.size = sizeof(r.a);
	r.a.flags = 0;
	r.a.buf = (uintptr_t)buf;
	r.a.buf_len = sizeof(buf);
	r.a.deadline_ns = 0;
	r.a.from_pid = 0;
	r.a.__reserved = 0;
	r.a.hold_ns = 0;
	r.a.__reserved2 = 0;
	ASSERT_EQ(3, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r.a));
	EXPECT_EQ(3U, r.a.len);
	EXPECT_EQ(5U, r.a.prio);
	EXPECT_NE(PAT64, r.a.id);
	EXPECT_EQ(0ULL, r.a.key);		/* no key sent */
	EXPECT_EQ(getpid(), r.a.pid);
	EXPECT_EQ(geteuid(), r.a.uid);
	EXPECT_EQ(getegid(), r.a.gid);
	EXPECT_EQ(0U, r.a.csum);		/* no checksum sent */
	EXPECT_EQ(0U, r.a.msg_flags);
	EXPECT_EQ(0U, r.a.__reserved);
	for (i = 0; i < sizeof(r.guard); i++)
		ASSERT_EQ(PAT8, r.guard[i]);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	for (i = 3; i < sizeof(buf); i++)
		ASSERT_EQ(PAT8, buf[i]) TH_LOG("receive buffer byte %u", i);
}

/* EMSGSIZE describes the message and still leaves nothing undefined. */
TEST_F(leak, emsgsize_out_fields)
{
	struct msgbox_recv_args r;
	unsigned char buf[2];

	ASSERT_EQ(0, mb_raw_send(self->fd, "abcdef", 6, 1));
	memset(&r, PAT8, sizeof(r));
	r.size = sizeof(r);
	r.flags = 0;
	r.buf = (uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.deadline_ns = 0;
	r.from_pid = 0;
	r.__reserved = 0;
	r.hold_ns = 0;
	r.__reserved2 = 0;
	ASSERT_EQ(-EMSGSIZE, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(6U, r.len);
	EXPECT_EQ(1U, r.prio);
	EXPECT_EQ(0ULL, r.key);
	EXPECT_EQ(0U, r.csum);
	EXPECT_EQ(0U, r.msg_flags);
	EXPECT_EQ(getpid(), r.pid);
}

/* A send writes back only id and result, both defined. */
TEST_F(leak, send_out_fields)
{
	struct {
		struct msgbox_send_args a;
		unsigned char guard[32];
	} s;
	unsigned int i;

	memset(&s, PAT8, sizeof(s));
	mb_send_args(&s.a, "xyz", 3, 0);
	s.a.id = PAT64;
	s.a.result = PAT32;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s.a));
	EXPECT_NE(PAT64, s.a.id);
	EXPECT_EQ(0U, s.a.result);
	for (i = 0; i < sizeof(s.guard); i++)
		ASSERT_EQ(PAT8, s.guard[i]);
}

/* Every stat field is defined, and a shorter (older) caller gets no more. */
TEST_F(leak, stat_out_fields)
{
	struct {
		struct msgbox_stat_args a;
		unsigned char guard[32];
	} st;
	unsigned int i;

	ASSERT_EQ(0, mb_raw_send(self->fd, "q", 1, 0));
	memset(&st, PAT8, sizeof(st));
	st.a.size = sizeof(st.a);
	st.a.flags = 0;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_STAT, &st.a));
	EXPECT_EQ(8U, st.a.capacity);
	EXPECT_EQ(64U, st.a.max_msg_size);
	EXPECT_EQ(1U, st.a.msgs);
	EXPECT_EQ(1ULL, st.a.bytes);
	EXPECT_EQ(1ULL, st.a.sent);
	EXPECT_EQ(0ULL, st.a.received);
	EXPECT_EQ(0U, st.a.waiting_senders);
	EXPECT_EQ(0U, st.a.waiting_receivers);
	EXPECT_EQ(geteuid(), st.a.uid);
	EXPECT_EQ(getegid(), st.a.gid);
	EXPECT_EQ(0, st.a.owner_pid);
	EXPECT_EQ(0U, st.a.mb_flags);
	EXPECT_NE(PAT32, st.a.mode);
	for (i = 0; i < sizeof(st.guard); i++)
		ASSERT_EQ(PAT8, st.guard[i]);
}

/* A batch header and its entries are defined after a partial batch. */
TEST_F(leak, batch_out_fields)
{
	struct msgbox_recv_args e[3];
	struct msgbox_batch_args b;
	unsigned char buf[3][64];
	int i;

	ASSERT_EQ(0, mb_raw_send(self->fd, "one", 3, 0));
	ASSERT_EQ(0, mb_raw_send(self->fd, "two", 3, 0));
	memset(e, PAT8, sizeof(e));
	for (i = 0; i < 3; i++) {
		e[i].size = sizeof(e[i]);
		e[i].flags = 0;
		e[i].buf = (uintptr_t)buf[i];
		e[i].buf_len = sizeof(buf[i]);
		e[i].deadline_ns = 0;
		e[i].from_pid = 0;
		e[i].hold_ns = 0;
		e[i].__reserved2 = 0;
		e[i].__reserved = 0;
	}
	memset(&b, PAT8, sizeof(b));
	b.size = sizeof(b);
	b.flags = 0;
	b.entries = (uintptr_t)e;
	b.count = 3;
	b.entry_size = sizeof(e[0]);
	ASSERT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV_BATCH, &b));
	EXPECT_EQ(2U, b.done);
	EXPECT_EQ(EAGAIN, b.error);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(3U, e[i].len);
		EXPECT_EQ(0ULL, e[i].key);
		EXPECT_EQ(0U, e[i].csum);
		EXPECT_EQ(0U, e[i].msg_flags);
		EXPECT_EQ(getpid(), e[i].pid);
	}
	/* The entry that was not reached is untouched. */
	EXPECT_EQ(PAT32, e[2].len);
	EXPECT_EQ(PAT64, e[2].id);
}

TEST_HARNESS_MAIN
