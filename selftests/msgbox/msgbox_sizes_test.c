// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox argument validation for every ioctl: the struct size matrix,
 * unknown flags, reserved fields and bad argument pointers.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sched.h>

#include <msgbox.h>

/*
 * The struct size matrix, unknown flags, reserved fields and bad argument
 * pointers, for every ioctl. prep() builds a valid argument struct of
 * ksize bytes in a zeroed buffer and returns the descriptor to use. The
 * valid struct's result is ok_ret: for CALL, whose reply nobody gives
 * here, the ETIMEDOUT of a deadline long past, which comes only once the
 * arguments were taken.
 */
enum {
	OP_OPEN, OP_DESTROY, OP_SEND, OP_RECV, OP_STAT, OP_NOTIFY,
	OP_SEND_BATCH, OP_RECV_BATCH, OP_CALL, OP_SETTLE,
};

FIXTURE(sizes) {
	int dev;		/* unbound, for DESTROY by name */
	int mb;			/* bound to name */
	int fd;			/* fresh unbound descriptor for OPEN */
	char name[128];
	char name2[160];
	char rbuf[64];
	struct msgbox_send_args sent;	/* batch entries */
	struct msgbox_recv_args rent;
	unsigned char *buf;	/* 2 pages + slack for oversize structs */
};

FIXTURE_VARIANT(sizes) {
	int op;
	unsigned long cmd;
	size_t ver0;
	size_t latest;		/* the newest MSGBOX_*_SIZE_VERn */
	size_t ksize;
	unsigned int known_flags;
	size_t reserved_off;	/* 0: no __reserved field */
	size_t reserved2_off;	/* 0: no second one */
	int ok_ret;
};

FIXTURE_VARIANT_ADD(sizes, open) {
	.op = OP_OPEN, .cmd = MSGBOX_IOC_OPEN,
	.ver0 = MSGBOX_OPEN_SIZE_VER0,
	.latest = MSGBOX_OPEN_SIZE_VER0,
	.ksize = sizeof(struct msgbox_open_args),
	.known_flags = MSGBOX_OPEN_FLAGS,
	.reserved_off = offsetof(struct msgbox_open_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, destroy) {
	.op = OP_DESTROY, .cmd = MSGBOX_IOC_DESTROY,
	.ver0 = MSGBOX_DESTROY_SIZE_VER0,
	.latest = MSGBOX_DESTROY_SIZE_VER0,
	.ksize = sizeof(struct msgbox_destroy_args),
	.known_flags = MSGBOX_DESTROY_FLAGS,
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, send) {
	.op = OP_SEND, .cmd = MSGBOX_IOC_SEND,
	.ver0 = MSGBOX_SEND_SIZE_VER0,
	.latest = MSGBOX_SEND_SIZE_VER1,
	.ksize = sizeof(struct msgbox_send_args),
	.known_flags = MSGBOX_SEND_FLAGS,
	.reserved_off = offsetof(struct msgbox_send_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, recv) {
	.op = OP_RECV, .cmd = MSGBOX_IOC_RECV,
	.ver0 = MSGBOX_RECV_SIZE_VER0,
	.latest = MSGBOX_RECV_SIZE_VER1,
	.ksize = sizeof(struct msgbox_recv_args),
	.known_flags = MSGBOX_RECV_FLAGS,
	.reserved_off = offsetof(struct msgbox_recv_args, __reserved),
	.reserved2_off = offsetof(struct msgbox_recv_args, __reserved2),
	.ok_ret = 4,
};

FIXTURE_VARIANT_ADD(sizes, stat) {
	.op = OP_STAT, .cmd = MSGBOX_IOC_STAT,
	.ver0 = MSGBOX_STAT_SIZE_VER0,
	.latest = MSGBOX_STAT_SIZE_VER1,
	.ksize = sizeof(struct msgbox_stat_args),
	.known_flags = 0,
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, notify) {
	.op = OP_NOTIFY, .cmd = MSGBOX_IOC_NOTIFY,
	.ver0 = MSGBOX_NOTIFY_SIZE_VER0,
	.latest = MSGBOX_NOTIFY_SIZE_VER0,
	.ksize = sizeof(struct msgbox_notify_args),
	.known_flags = MSGBOX_NOTIFY_FLAGS,
	.reserved_off = offsetof(struct msgbox_notify_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, send_batch) {
	.op = OP_SEND_BATCH, .cmd = MSGBOX_IOC_SEND_BATCH,
	.ver0 = MSGBOX_BATCH_SIZE_VER0,
	.latest = MSGBOX_BATCH_SIZE_VER0,
	.ksize = sizeof(struct msgbox_batch_args),
	.known_flags = MSGBOX_BATCH_FLAGS,
	.ok_ret = 1,
};

FIXTURE_VARIANT_ADD(sizes, recv_batch) {
	.op = OP_RECV_BATCH, .cmd = MSGBOX_IOC_RECV_BATCH,
	.ver0 = MSGBOX_BATCH_SIZE_VER0,
	.latest = MSGBOX_BATCH_SIZE_VER0,
	.ksize = sizeof(struct msgbox_batch_args),
	.known_flags = MSGBOX_BATCH_FLAGS,
	.ok_ret = 1,
};

FIXTURE_VARIANT_ADD(sizes, call) {
	.op = OP_CALL, .cmd = MSGBOX_IOC_CALL,
	.ver0 = MSGBOX_CALL_SIZE_VER0,
	.latest = MSGBOX_CALL_SIZE_VER0,
	.ksize = sizeof(struct msgbox_call_args),
	.known_flags = MSGBOX_CALL_FLAGS,
	.ok_ret = -ETIMEDOUT,
};

FIXTURE_VARIANT_ADD(sizes, settle) {
	.op = OP_SETTLE, .cmd = MSGBOX_IOC_SETTLE,
	.ver0 = MSGBOX_SETTLE_SIZE_VER0,
	.latest = MSGBOX_SETTLE_SIZE_VER0,
	.ksize = sizeof(struct msgbox_settle_args),
	.known_flags = MSGBOX_SETTLE_FLAGS,
	.ok_ret = 0,
};

#define SIZES_BUF	(3 * 4096 + 65536)

FIXTURE_SETUP(sizes)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = -1;
	self->dev = open(MB_DEV, O_RDWR);
	ASSERT_LE(0, self->dev);
	self->mb = mb_new(self->name, O_RDWR | O_NONBLOCK, 64, 64);
	ASSERT_LE(0, self->mb);
	self->buf = calloc(1, SIZES_BUF);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(sizes)
{
	if (self->fd >= 0)
		close(self->fd);
	close(self->mb);
	close(self->dev);
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	free(self->buf);
}

/* Builds a valid struct of @variant in self->buf; returns the fd to use. */
static int sizes_prep(FIXTURE_DATA(sizes) *self,
		      const FIXTURE_VARIANT(sizes) *variant)
{
	struct msgbox_open_args *o = (void *)self->buf;
	struct msgbox_destroy_args *d = (void *)self->buf;
	struct msgbox_send_args *s = (void *)self->buf;
	struct msgbox_recv_args *r = (void *)self->buf;
	struct msgbox_stat_args *st = (void *)self->buf;
	struct msgbox_notify_args *n = (void *)self->buf;
	struct msgbox_batch_args *b = (void *)self->buf;
	struct msgbox_call_args *c = (void *)self->buf;
	struct msgbox_settle_args *se = (void *)self->buf;
	struct msgbox_recv_args held;
	struct msgbox_notify_args clear = {
		.size = sizeof(clear), .flags = MSGBOX_NOTIFY_CLEAR,
	};
	int fd;

	memset(self->buf, 0, SIZES_BUF);
	switch (variant->op) {
	case OP_OPEN:
		mb_destroy_name(self->name2);
		if (self->fd >= 0)
			close(self->fd);
		self->fd = open(MB_DEV, O_RDWR);
		o->size = variant->ksize;
		o->flags = MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL;
		o->name = (uintptr_t)self->name2;
		o->capacity = 4;
		o->max_msg_size = 64;
		o->mode = 0600;
		return self->fd;
	case OP_DESTROY:
		fd = mb_new(self->name2, O_RDWR, 4, 64);
		if (fd >= 0)
			close(fd);
		d->size = variant->ksize;
		d->name = (uintptr_t)self->name2;
		return self->dev;
	case OP_SEND:
		mb_send_args(s, "abc", 3, 0);
		s->size = variant->ksize;
		return self->mb;
	case OP_RECV:
		mb_raw_send(self->mb, "abcd", 4, 0);
		mb_recv_args(r, self->rbuf, sizeof(self->rbuf));
		r->size = variant->ksize;
		return self->mb;
	case OP_NOTIFY:
		/* Drop an earlier registration; signo 0 asks for EPOLLPRI. */
		mb_ioctl(self->mb, MSGBOX_IOC_NOTIFY, &clear);
		n->size = variant->ksize;
		return self->mb;
	case OP_SEND_BATCH:
		mb_send_args(&self->sent, "abc", 3, 0);
		b->size = variant->ksize;
		b->entries = (uintptr_t)&self->sent;
		b->count = 1;
		b->entry_size = sizeof(self->sent);
		return self->mb;
	case OP_RECV_BATCH:
		mb_raw_send(self->mb, "abcd", 4, 0);
		mb_recv_args(&self->rent, self->rbuf, sizeof(self->rbuf));
		b->size = variant->ksize;
		b->entries = (uintptr_t)&self->rent;
		b->count = 1;
		b->entry_size = sizeof(self->rent);
		return self->mb;
	case OP_CALL:
		c->size = variant->ksize;
		c->flags = MSGBOX_CALL_DEADLINE;
		c->deadline_ns = 1;
		c->buf = (uintptr_t)"abc";
		c->len = 3;
		c->reply_buf = (uintptr_t)self->rbuf;
		c->reply_buf_len = sizeof(self->rbuf);
		return self->mb;
	case OP_SETTLE:
		/* A message held for the valid call to be done with. */
		mb_raw_send(self->mb, "abcd", 4, 0);
		mb_recv_args(&held, self->rbuf, sizeof(self->rbuf));
		held.flags = MSGBOX_RECV_HOLD;
		if (mb_ioctl(self->mb, MSGBOX_IOC_RECV, &held) != 4)
			return -1;
		se->size = variant->ksize;
		se->id = held.id;
		return self->mb;
	default:
		st->size = variant->ksize;
		return self->mb;
	}
}

static void sizes_set_size(FIXTURE_DATA(sizes) *self, uint32_t size)
{
	memcpy(self->buf, &size, sizeof(size));
}

static void sizes_set_flags(FIXTURE_DATA(sizes) *self, uint32_t flags)
{
	memcpy(self->buf + 4, &flags, sizeof(flags));
}

TEST_F(sizes, size_ver0_ok)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ver0);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

/* The header's structure is the newest published size, which works. */
TEST_F(sizes, size_latest_ok)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	ASSERT_EQ(variant->latest, variant->ksize);
	sizes_set_size(self, variant->latest);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_zero_einval)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, 0);
	EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_below_ver0_einval)
{
	uint32_t sizes[] = { 1, 4, 8, variant->ver0 - 8, variant->ver0 - 1 };
	unsigned int i;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	for (i = 0; i < MB_ARRAY_SIZE(sizes); i++) {
		sizes_set_size(self, sizes[i]);
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("size %u", sizes[i]);
	}
	/* The refused calls had no effect: the valid one still works. */
	sizes_set_size(self, variant->ksize);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_larger_zero_tail_ok)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 64);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
	fd = sizes_prep(self, variant);
	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 1);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_larger_nonzero_tail_e2big)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 8);
	self->buf[variant->ksize + 7] = 1;
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	self->buf[variant->ksize + 7] = 0;
	self->buf[variant->ksize] = 0x80;
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	self->buf[variant->ksize] = 0;
	/* Zero again: accepted. */
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_page_limit)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, 4097);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 65536);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 0xffffffffU);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 4096);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, unknown_flags_einval)
{
	unsigned int bit;
	uint32_t flags;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	memcpy(&flags, self->buf + 4, sizeof(flags));
	for (bit = 0; bit < 32; bit++) {
		if (variant->known_flags & (1U << bit))
			continue;
		sizes_set_flags(self, 1U << bit);
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("flag bit %u", bit);
	}
	sizes_set_flags(self, flags);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

/*
 * A struct with a __reserved field refuses a non-zero one. A struct without
 * one has only real fields: its out-only fields may hold garbage on the way
 * in, and the kernel overwrites them.
 */
TEST_F(sizes, reserved_or_out_fields)
{
	size_t offs[] = { variant->reserved_off, variant->reserved2_off };
	uint32_t one = 1, high = 0x80000000U;
	unsigned int i;
	int fd;

	if (!variant->reserved_off) {
		struct msgbox_stat_args *st = (void *)self->buf;
		struct msgbox_batch_args *b = (void *)self->buf;
		struct msgbox_call_args *c = (void *)self->buf;
		struct msgbox_settle_args *se = (void *)self->buf;

		fd = sizes_prep(self, variant);
		ASSERT_LE(0, fd);
		switch (variant->op) {
		case OP_STAT:
			memset(self->buf + 8, 0xa5, variant->ksize - 8);
			EXPECT_EQ(0, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(64U, st->capacity);
			EXPECT_EQ(64U, st->max_msg_size);
			EXPECT_EQ(0U, st->waiting_senders);
			EXPECT_EQ(0U, st->held);
			EXPECT_EQ(0U, st->calls);
			break;
		case OP_CALL:
			c->id = 0xa5a5a5a5a5a5a5a5ULL;
			c->reply_len = 0xa5a5a5a5U;
			c->reply_pid = -1;
			c->reply_uid = 0xa5a5a5a5U;
			c->reply_gid = 0xa5a5a5a5U;
			EXPECT_EQ(-ETIMEDOUT, mb_ioctl(fd, variant->cmd, self->buf));
			break;
		case OP_SETTLE:
			/* Written only with MSGBOX_SETTLE_RECV; any value in. */
			se->settle_error = -1;
			EXPECT_EQ(0, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(-ENOENT, mb_ioctl(fd, variant->cmd, self->buf));
			break;
		case OP_SEND_BATCH:
		case OP_RECV_BATCH:
			b->done = 0xa5a5a5a5U;
			b->error = -1;
			EXPECT_EQ(1, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(1U, b->done);
			EXPECT_EQ(0, b->error);
			break;
		default:
			/* destroy: in-only fields, all set; a second call finds nothing */
			EXPECT_EQ(0, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(-ENOENT, mb_ioctl(fd, variant->cmd, self->buf));
			break;
		}
		return;
	}
	fd = sizes_prep(self, variant);
	ASSERT_LE(0, fd);
	for (i = 0; i < MB_ARRAY_SIZE(offs) && offs[i]; i++) {
		memcpy(self->buf + offs[i], &one, sizeof(one));
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("offset %zu", offs[i]);
		memcpy(self->buf + offs[i], &high, sizeof(high));
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("offset %zu", offs[i]);
		memset(self->buf + offs[i], 0, sizeof(uint32_t));
	}
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, bad_pointer_efault)
{
	unsigned char *page;
	uint32_t size = variant->ksize;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, NULL));
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, mb_unmapped()));

	/* Only the size field is readable, the rest is not mapped. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memcpy(page + 4096 - 4, &size, sizeof(size));
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, page + 4096 - 4));
	munmap(page, 4096);

	/* The valid struct still works after the faults. */
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_HARNESS_MAIN
