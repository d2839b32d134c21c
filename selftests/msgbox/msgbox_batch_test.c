// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox batch tests: MSGBOX_IOC_SEND_BATCH and MSGBOX_IOC_RECV_BATCH carry
 * arrays of ordinary argument structures. Entries run in order, each as its
 * single ioctl would; only the first may block (none with
 * MSGBOX_BATCH_NONBLOCK); the call returns how many completed, or the first
 * entry's error when none did, and reports the stopping error in @error.
 *
 * This program: whole batches, where they stop, counts, strides, access
 * and binding.
 */
#include "batch_fixture.h"

TEST_F(bt, send_all)
{
	struct msgbox_send_args e[BT_CAP];
	struct msgbox_batch_args a;
	char buf[16];
	unsigned int i;

	fill_send(e, BT_CAP);
	EXPECT_EQ(BT_CAP, send_batch(self->nb, e, BT_CAP, 0, &a));
	EXPECT_EQ((unsigned int)BT_CAP, a.done);
	EXPECT_EQ(0, a.error);
	for (i = 1; i < BT_CAP; i++)
		EXPECT_LT(e[i - 1].id, e[i].id);
	for (i = 0; i < BT_CAP; i++) {
		struct msgbox_recv_args r;
		int n = (int)strlen(words[i]);

		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(n, mb_raw_recv(self->nb, buf, sizeof(buf), &r));
		EXPECT_EQ(0, memcmp(buf, words[i], n));
		EXPECT_EQ(e[i].id, r.id);
	}
}

TEST_F(bt, send_stops_when_full)
{
	struct msgbox_send_args e[6];
	struct msgbox_batch_args a;

	fill_send(e, 6);
	EXPECT_EQ(BT_CAP, send_batch(self->nb, e, 6, 0, &a));
	EXPECT_EQ((unsigned int)BT_CAP, a.done);
	EXPECT_EQ(EAGAIN, a.error);
	EXPECT_EQ(BT_CAP, mb_msgs(self->nb));
	/* Full from the start: the first entry's error. */
	EXPECT_EQ(-EAGAIN, send_batch(self->nb, e, 6, 0, &a));
}

TEST_F(bt, send_stops_at_bad_entry)
{
	struct msgbox_send_args e[4];
	struct msgbox_batch_args a;

	fill_send(e, 4);
	e[2].prio = MSGBOX_PRIO_MAX;
	EXPECT_EQ(2, send_batch(self->nb, e, 4, 0, &a));
	EXPECT_EQ(2U, a.done);
	EXPECT_EQ(EINVAL, a.error);
	EXPECT_EQ(2, mb_msgs(self->nb));

	/* A bad first entry fails the call. */
	fill_send(e, 4);
	e[0].len = 65;			/* above max_msg_size */
	EXPECT_EQ(-EMSGSIZE, send_batch(self->nb, e, 4, 0, &a));
	EXPECT_EQ(2, mb_msgs(self->nb));

	/* An entry with a bad buffer stops it, queueing nothing for it. */
	fill_send(e, 2);
	e[1].buf = (uintptr_t)mb_unmapped();
	EXPECT_EQ(1, send_batch(self->nb, e, 2, 0, &a));
	EXPECT_EQ(EFAULT, a.error);
	EXPECT_EQ(3, mb_msgs(self->nb));
}

TEST_F(bt, count_zero_and_limits)
{
	struct msgbox_send_args e[2];
	struct msgbox_batch_args a;
	void *big;

	fill_send(e, 2);
	EXPECT_EQ(0, send_batch(self->nb, e, 0, 0, &a));
	EXPECT_EQ(0U, a.done);
	EXPECT_EQ(0, mb_msgs(self->nb));

	/* More than MSGBOX_BATCH_MAX entries. */
	big = calloc(MSGBOX_BATCH_MAX + 1, sizeof(struct msgbox_send_args));
	ASSERT_NE(NULL, big);
	EXPECT_EQ(-EINVAL, batch(self->nb, MSGBOX_IOC_SEND_BATCH, big,
				 MSGBOX_BATCH_MAX + 1,
				 sizeof(struct msgbox_send_args), 0, &a));
	free(big);

	/* Entries closer together than the smallest struct. */
	EXPECT_EQ(-EINVAL, batch(self->nb, MSGBOX_IOC_SEND_BATCH, e, 2,
				 MSGBOX_SEND_SIZE_VER0 - 8, 0, &a));
	EXPECT_EQ(-EINVAL, batch(self->nb, MSGBOX_IOC_RECV_BATCH, e, 2,
				 MSGBOX_RECV_SIZE_VER0 - 8, 0, &a));
	/* Unknown batch flags. */
	EXPECT_EQ(-EINVAL, send_batch(self->nb, e, 2, 1U << 31, &a));
	EXPECT_EQ(0, mb_msgs(self->nb));
	/* The entries pointer itself is bad. */
	EXPECT_EQ(-EFAULT, batch(self->nb, MSGBOX_IOC_SEND_BATCH,
				 mb_unmapped(), 2,
				 sizeof(struct msgbox_send_args), 0, &a));
}

TEST_F(bt, wider_entry_stride)
{
	/* Entries 128 bytes apart, each a larger struct with a zero tail. */
	unsigned char ent[3][128];
	struct msgbox_batch_args a;
	unsigned int i;
	char buf[16];

	memset(ent, 0, sizeof(ent));
	for (i = 0; i < 3; i++) {
		struct msgbox_send_args *s = (void *)ent[i];

		mb_send_args(s, words[i], strlen(words[i]), 0);
		s->size = 96;
	}
	EXPECT_EQ(3, batch(self->nb, MSGBOX_IOC_SEND_BATCH, ent, 3, 128, 0,
			   &a));
	EXPECT_EQ(3, mb_msgs(self->nb));
	EXPECT_EQ(4, msgbox_recv(self->nb, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "zero", 4));

	/* A nonzero tail in the second entry stops the batch there. */
	ent[1][90] = 1;
	EXPECT_EQ(1, batch(self->nb, MSGBOX_IOC_SEND_BATCH, ent, 3, 128, 0,
			   &a));
	EXPECT_EQ(E2BIG, a.error);
}

/* An entry larger than the stride would reach into the next: EINVAL. */
TEST_F(bt, entry_larger_than_stride)
{
	unsigned char ent[2][MSGBOX_RECV_SIZE_VER1];
	struct msgbox_send_args *s = (void *)ent[0];
	struct msgbox_recv_args *r = (void *)ent[0];
	struct msgbox_batch_args a;
	char buf[16];

	/* Version 1 sends (72 bytes) 64 bytes apart. */
	memset(ent, 0, sizeof(ent));
	mb_send_args(s, "one", 3, 0);
	s->size = MSGBOX_SEND_SIZE_VER1;
	EXPECT_EQ(-EINVAL, batch(self->nb, MSGBOX_IOC_SEND_BATCH, ent, 2,
				 MSGBOX_SEND_SIZE_VER0, 0, &a));
	EXPECT_EQ(0, mb_msgs(self->nb));

	/* Version 1 receives (96 bytes) 80 bytes apart: nothing written. */
	ASSERT_EQ(0, msgbox_send(self->nb, "two", 3, 0));
	memset(ent, 0, sizeof(ent));
	mb_recv_args(r, buf, sizeof(buf));
	r->flags = MSGBOX_RECV_PEEK;
	EXPECT_EQ(-EINVAL, batch(self->nb, MSGBOX_IOC_RECV_BATCH, ent, 2,
				 MSGBOX_RECV_SIZE_VER0, 0, &a));
	EXPECT_EQ(0U, r->len);
	EXPECT_EQ(0ULL, r->id);
	EXPECT_EQ(1, mb_msgs(self->nb));
}

TEST_F(bt, recv_all_and_stop_when_empty)
{
	struct msgbox_recv_args e[6];
	struct msgbox_batch_args a;
	char bufs[6][16];
	unsigned int i;

	ASSERT_EQ(0, msgbox_send(self->nb, "low", 3, 1));
	ASSERT_EQ(0, msgbox_send(self->nb, "high", 4, 9));
	ASSERT_EQ(0, msgbox_send(self->nb, "mid", 3, 5));
	for (i = 0; i < 6; i++)
		mb_recv_args(&e[i], bufs[i], sizeof(bufs[i]));
	EXPECT_EQ(3, recv_batch(self->nb, e, 6, 0, &a));
	EXPECT_EQ(3U, a.done);
	EXPECT_EQ(EAGAIN, a.error);
	EXPECT_EQ(4U, e[0].len);
	EXPECT_EQ(9U, e[0].prio);
	EXPECT_EQ(0, memcmp(bufs[0], "high", 4));
	EXPECT_EQ(3U, e[1].len);
	EXPECT_EQ(5U, e[1].prio);
	EXPECT_EQ(0, memcmp(bufs[1], "mid", 3));
	EXPECT_EQ(0, memcmp(bufs[2], "low", 3));
	EXPECT_EQ(getpid(), e[2].pid);
	EXPECT_LT(e[0].id, e[1].id);
	EXPECT_EQ(0, mb_msgs(self->nb));
	/* Empty from the start: the first entry's error. */
	EXPECT_EQ(-EAGAIN, recv_batch(self->nb, e, 6, 0, &a));
}

TEST_F(bt, recv_stops_at_small_buffer)
{
	struct msgbox_recv_args e[3];
	struct msgbox_batch_args a;
	char b0[16], b1[2], b2[16];

	ASSERT_EQ(0, msgbox_send(self->nb, "a", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->nb, "longer", 6, 0));
	ASSERT_EQ(0, msgbox_send(self->nb, "c", 1, 0));
	mb_recv_args(&e[0], b0, sizeof(b0));
	mb_recv_args(&e[1], b1, sizeof(b1));
	mb_recv_args(&e[2], b2, sizeof(b2));
	EXPECT_EQ(1, recv_batch(self->nb, e, 3, 0, &a));
	EXPECT_EQ(EMSGSIZE, a.error);
	/* The one that did not fit stays, in its place. */
	EXPECT_EQ(2, mb_msgs(self->nb));
	EXPECT_EQ(6, msgbox_recv(self->nb, b0, sizeof(b0), NULL));
	EXPECT_EQ(0, memcmp(b0, "longer", 6));
}

TEST_F(bt, only_first_entry_blocks)
{
	struct msgbox_send_args e[3];
	struct msgbox_batch_args a;
	char buf[16];
	int rfd, wfd, ret;

	/* Full; a child makes room for exactly one once we are blocked. */
	fill_send(e, 3);
	for (ret = 0; ret < BT_CAP; ret++)
		ASSERT_EQ(0, msgbox_send(self->nb, "f", 1, 0));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = mb_wait_waiters(self->nb, 0, 1);
		if (!ret)
			ret = msgbox_recv(self->nb, buf, sizeof(buf), NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	EXPECT_EQ(1, send_batch(self->fd, e, 3, 0, &a));
	EXPECT_EQ(1U, a.done);
	EXPECT_EQ(EAGAIN, a.error);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_EQ(BT_CAP, mb_msgs(self->nb));
	close(rfd);
}

TEST_F(bt, nonblock_flag)
{
	struct msgbox_recv_args r[2];
	struct msgbox_send_args e[2];
	struct msgbox_batch_args a;
	char b[2][16];
	uint64_t start;
	int i;

	/* On a blocking descriptor nothing waits with BATCH_NONBLOCK. */
	mb_recv_args(&r[0], b[0], sizeof(b[0]));
	mb_recv_args(&r[1], b[1], sizeof(b[1]));
	start = mb_now_ns();
	EXPECT_EQ(-EAGAIN, recv_batch(self->fd, r, 2,
				      MSGBOX_BATCH_NONBLOCK, &a));
	for (i = 0; i < BT_CAP; i++)
		ASSERT_EQ(0, msgbox_send(self->nb, "f", 1, 0));
	fill_send(e, 2);
	EXPECT_EQ(-EAGAIN, send_batch(self->fd, e, 2, MSGBOX_BATCH_NONBLOCK,
				      &a));
	EXPECT_GT(2000U, mb_ms_since(start));
	EXPECT_EQ(2, recv_batch(self->fd, r, 2, MSGBOX_BATCH_NONBLOCK, &a));
	EXPECT_EQ(2U, a.done);
	EXPECT_EQ(0, a.error);
}

TEST_F(bt, library_batches)
{
	struct msgbox_mmsg out[3] = {
		{ .buf = "aa", .len = 2, .prio = 1 },
		{ .buf = "bbb", .len = 3, .prio = 7 },
		{ .buf = "c", .len = 1, .prio = 1 },
	};
	struct msgbox_mmsg in[4];
	char bufs[4][16];
	unsigned int i;

	EXPECT_EQ(0, msgbox_send_batch(self->nb, out, 0));
	EXPECT_EQ(3, msgbox_send_batch(self->nb, out, 3));
	memset(in, 0, sizeof(in));
	for (i = 0; i < 4; i++) {
		in[i].buf = bufs[i];
		in[i].len = sizeof(bufs[i]);
	}
	EXPECT_EQ(3, msgbox_recv_batch(self->nb, in, 4));
	EXPECT_EQ(3U, in[0].msg_len);
	EXPECT_EQ(7U, in[0].prio);
	EXPECT_EQ(0, memcmp(bufs[0], "bbb", 3));
	EXPECT_EQ(2U, in[1].msg_len);
	EXPECT_EQ(0, memcmp(bufs[1], "aa", 2));
	EXPECT_EQ(1U, in[2].msg_len);
	EXPECT_EQ(0, memcmp(bufs[2], "c", 1));
	EXPECT_EQ(-EAGAIN, msgbox_recv_batch(self->nb, in, 4));

	/* A partial send into a nearly full mailbox. */
	ASSERT_EQ(0, msgbox_send(self->nb, "x", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->nb, "x", 1, 0));
	EXPECT_EQ(2, msgbox_send_batch(self->nb, out, 3));
	EXPECT_EQ(-EAGAIN, msgbox_send_batch(self->nb, out, 3));
}

TEST_F(bt, access_and_binding)
{
	struct msgbox_send_args e[1];
	struct msgbox_recv_args r[1];
	struct msgbox_batch_args a;
	char buf[8];
	int rd, dev;

	fill_send(e, 1);
	mb_recv_args(&r[0], buf, sizeof(buf));
	rd = msgbox_open(self->name, O_RDONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EBADF, send_batch(rd, e, 1, 0, &a));
	dev = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENOTCONN, send_batch(dev, e, 1, 0, &a));
	EXPECT_EQ(-ENOTCONN, recv_batch(dev, r, 1, 0, &a));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-EIDRM, send_batch(self->nb, e, 1, 0, &a));
	EXPECT_EQ(-EIDRM, recv_batch(self->nb, r, 1, 0, &a));
	close(dev);
	close(rd);
}

TEST_HARNESS_MAIN
