// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox batch runs: how a batch goes through in runs of entries around
 * flagged and faulting ones, a blocked batch taking a whole run at once,
 * destroy ending a blocked batch, and large, mixed and long batches.
 */
#include "batch_fixture.h"

/*
 * Plain entries go through the mailbox lock in runs; an entry with flags
 * goes alone between them. Order and ids follow the entries either way.
 */
TEST_F(bt, runs_around_flagged_entries)
{
	struct msgbox_send_args e[BT_CAP];
	struct msgbox_recv_args r;
	struct msgbox_batch_args a;
	char buf[16];
	unsigned int i;

	fill_send(e, BT_CAP);
	e[1].flags = MSGBOX_SEND_KEY;
	e[1].key = 7;
	e[2].flags = MSGBOX_SEND_CSUM;
	e[2].csum = msgbox_crc32c(words[2], strlen(words[2]));
	EXPECT_EQ(BT_CAP, send_batch(self->nb, e, BT_CAP, 0, &a));
	EXPECT_EQ(0, a.error);
	for (i = 1; i < BT_CAP; i++)
		EXPECT_LT(e[i - 1].id, e[i].id);
	for (i = 0; i < BT_CAP; i++) {
		int n = (int)strlen(words[i]);

		EXPECT_EQ(n, mb_raw_recv(self->nb, buf, sizeof(buf), &r));
		EXPECT_EQ(0, memcmp(buf, words[i], n));
		EXPECT_EQ(e[i].id, r.id);
		EXPECT_EQ(i == 1 ? 7U : 0U, r.key);
		EXPECT_EQ(i == 1 ? MSGBOX_MSG_KEY : i == 2 ? MSGBOX_MSG_CSUM : 0U,
			  r.msg_flags);
	}
}

/* A receive buffer that is not mapped stops the batch; nothing is lost. */
TEST_F(bt, recv_stops_at_unmapped_buffer)
{
	struct msgbox_recv_args e[3];
	struct msgbox_batch_args a;
	char b[3][16];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, msgbox_send(self->nb, words[i], strlen(words[i]), 0));
		mb_recv_args(&e[i], b[i], sizeof(b[i]));
	}
	e[2].buf = (uintptr_t)mb_unmapped();
	EXPECT_EQ(2, recv_batch(self->nb, e, 3, 0, &a));
	EXPECT_EQ(EFAULT, a.error);
	EXPECT_EQ(0, memcmp(b[0], "zero", 4));
	EXPECT_EQ(0, memcmp(b[1], "one", 3));
	EXPECT_EQ(1, mb_msgs(self->nb));
	EXPECT_EQ(3, msgbox_recv(self->nb, b[2], sizeof(b[2]), NULL));
	EXPECT_EQ(0, memcmp(b[2], "two", 3));
}

/*
 * A blocked batch waits for the other side without moving anything, then
 * moves everything there is in one go: the receiver gets a whole batch
 * sent while it slept, and a blocked sender fills all the room a batched
 * receive made.
 */
TEST_F(bt, blocked_batch_moves_whole_run)
{
	struct msgbox_send_args e[BT_CAP];
	struct msgbox_recv_args r[8];
	struct msgbox_batch_args a;
	char b[8][16];
	int rfd, wfd, ret;
	unsigned int i;

	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	/* As below: buffers written after fork() are the process's own. */
	for (i = 0; i < 8; i++) {
		memset(b[i], 0, sizeof(b[i]));
		mb_recv_args(&r[i], b[i], sizeof(b[i]));
	}
	if (self->kid == 0) {
		fill_send(e, 3);
		ret = mb_wait_waiters(self->nb, 1, 0);
		if (!ret)
			ret = send_batch(self->nb, e, 3, 0, NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	EXPECT_EQ(3, recv_batch(self->fd, r, 8, 0, &a));
	EXPECT_EQ(EAGAIN, a.error);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, memcmp(b[i], words[i], strlen(words[i])));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(3, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	close(rfd);

	/* Full; the child empties it with one batch while we block. */
	for (i = 0; i < BT_CAP; i++)
		ASSERT_EQ(0, msgbox_send(self->nb, "f", 1, 0));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		/*
		 * Write to the buffers first: pages still shared with the
		 * parent after fork() cannot take a copy under the mailbox
		 * lock, which would split the receive into two runs.
		 */
		for (i = 0; i < BT_CAP; i++) {
			memset(b[i], 0, sizeof(b[i]));
			mb_recv_args(&r[i], b[i], sizeof(b[i]));
		}
		ret = mb_wait_waiters(self->nb, 0, 1);
		if (!ret)
			ret = recv_batch(self->nb, r, BT_CAP, 0, NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	fill_send(e, BT_CAP);
	EXPECT_EQ(BT_CAP, send_batch(self->fd, e, BT_CAP, 0, &a));
	EXPECT_EQ(0, a.error);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(BT_CAP, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_EQ(BT_CAP, mb_msgs(self->nb));
	close(rfd);
}

/* Destroying the mailbox ends a batch blocked before its first entry. */
TEST_F(bt, destroy_ends_blocked_batch)
{
	struct msgbox_recv_args r[2];
	struct msgbox_batch_args a;
	char b[2][16];
	int rfd, wfd, ret;

	mb_recv_args(&r[0], b[0], sizeof(b[0]));
	mb_recv_args(&r[1], b[1], sizeof(b[1]));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = mb_wait_waiters(self->nb, 1, 0);
		if (!ret)
			ret = msgbox_destroy(self->name);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	EXPECT_EQ(-EIDRM, recv_batch(self->fd, r, 2, 0, &a));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(0, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
}

/*
 * Sizes on both sides of every boundary of the batched path: payloads
 * stored with their header and on their own, runs of receives split over
 * several holds of the lock, and messages too large to copy under it.
 */
TEST_F(bt, large_and_mixed_sizes)
{
	static const unsigned int sizes[] = {
		0, 100, 1984, 1985, 4096, 4096, 4096, 4096, 4096, 4097, 20000,
		64, 65536,
	};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	struct msgbox_attr attr = { .capacity = N, .max_msg_size = 65536 };
	struct msgbox_send_args e[N];
	struct msgbox_recv_args r[N];
	struct msgbox_batch_args a;
	char name[128];
	char *out, *in;
	size_t off;
	unsigned int i;
	int fd;

	mb_name(name, sizeof(name), "batch_sizes");
	fd = msgbox_create(name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	out = malloc(N * 65536);
	in = malloc(N * 65536);
	ASSERT_TRUE(out && in);
	for (i = 0, off = 0; i < N; i++, off += 65536) {
		mb_fill(out + off, sizes[i], i);
		mb_send_args(&e[i], out + off, sizes[i], 0);
		mb_recv_args(&r[i], in + off, 65536);
	}
	EXPECT_EQ(N, send_batch(fd, e, N, 0, &a));
	EXPECT_EQ(N, recv_batch(fd, r, N, 0, &a));
	for (i = 0, off = 0; i < N; i++, off += 65536) {
		EXPECT_EQ(sizes[i], r[i].len);
		EXPECT_EQ(e[i].id, r[i].id);
		EXPECT_TRUE(mb_check(in + off, sizes[i], i)) {
			TH_LOG("message %u of %u bytes differs", i, sizes[i]);
		}
	}
	EXPECT_EQ(0, mb_msgs(fd));
	free(out);
	free(in);
	mb_destroy_name(name);
	close(fd);
}

/*
 * Batches longer than one hold of the mailbox lock, on both sides: every
 * message arrives once and in order with its id, a receive takes exactly
 * what it asks for, and a send into a mailbox with less room sends what
 * fits and leaves the rest to the caller.
 */
TEST_F(bt, long_batches_span_runs)
{
	enum { N = 150, CAP = 100, LEN = 48 };
	struct msgbox_attr attr = { .capacity = CAP, .max_msg_size = LEN };
	struct msgbox_send_args e[N];
	struct msgbox_recv_args r[N], more;
	struct msgbox_batch_args a;
	static char out[N][LEN], in[N][LEN];
	char spare[LEN];
	unsigned int i, got, sent;
	char name[128];
	int fd;

	mb_name(name, sizeof(name), "batch_long");
	fd = msgbox_create(name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	for (i = 0; i < N; i++) {
		mb_fill(out[i], LEN, i);
		mb_send_args(&e[i], out[i], LEN, 0);
		mb_recv_args(&r[i], in[i], LEN);
	}

	/* Room for CAP: the send stops there and says why. */
	EXPECT_EQ(CAP, send_batch(fd, e, N, 0, &a));
	EXPECT_EQ((unsigned int)CAP, a.done);
	EXPECT_EQ(EAGAIN, a.error);
	EXPECT_EQ(CAP, mb_msgs(fd));

	/* 37 of them; the next send fills the 37 slots freed, no more. */
	EXPECT_EQ(37, recv_batch(fd, r, 37, 0, &a));
	EXPECT_EQ(0, a.error);
	got = 37;
	EXPECT_EQ(CAP - 37, mb_msgs(fd));
	sent = CAP;
	EXPECT_EQ(37, send_batch(fd, e + sent, N - sent, 0, &a));
	EXPECT_EQ(EAGAIN, a.error);
	sent += 37;
	EXPECT_EQ(CAP, mb_msgs(fd));

	/* Asked for more than there is: all of it, then EAGAIN. */
	EXPECT_EQ(CAP, recv_batch(fd, r + got, N - got, 0, &a));
	EXPECT_EQ((unsigned int)CAP, a.done);
	EXPECT_EQ(EAGAIN, a.error);
	got += CAP;
	EXPECT_EQ((int)(N - sent), send_batch(fd, e + sent, N - sent, 0, &a));
	EXPECT_EQ(0, a.error);
	EXPECT_EQ((int)(N - got), recv_batch(fd, r + got, N - got, 0, &a));
	EXPECT_EQ(0, a.error);
	EXPECT_EQ(0, mb_msgs(fd));
	mb_recv_args(&more, spare, sizeof(spare));
	EXPECT_EQ(-EAGAIN, recv_batch(fd, &more, 1, 0, &a));

	for (i = 0; i < N; i++) {
		EXPECT_EQ((unsigned int)LEN, r[i].len);
		EXPECT_EQ(e[i].id, r[i].id);
		EXPECT_TRUE(mb_check(in[i], LEN, i)) {
			TH_LOG("message %u differs", i);
		}
	}
	for (i = 1; i < N; i++)
		EXPECT_LT(e[i - 1].id, e[i].id);
	mb_destroy_name(name);
	close(fd);
}

TEST_HARNESS_MAIN
