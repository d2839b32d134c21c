// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox batch tests: MSGBOX_IOC_SEND_BATCH and MSGBOX_IOC_RECV_BATCH carry
 * arrays of ordinary argument structures. Entries run in order, each as its
 * single ioctl would; only the first may block (none with
 * MSGBOX_BATCH_NONBLOCK); the call returns how many completed, or the first
 * entry's error when none did, and reports the stopping error in @error.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define BT_CAP		4

FIXTURE(bt) {
	int fd;			/* O_RDWR, blocking */
	int nb;			/* O_RDWR | O_NONBLOCK */
	char name[128];
	pid_t kid;
};

FIXTURE_SETUP(bt)
{
	struct msgbox_attr attr = { .capacity = BT_CAP, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->nb = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, self->nb);
}

FIXTURE_TEARDOWN(bt)
{
	mb_destroy_name(self->name);
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
	close(self->nb);
}

static int batch(int fd, unsigned long cmd, void *entries, unsigned int count,
		 unsigned int entry_size, unsigned int flags,
		 struct msgbox_batch_args *out)
{
	struct msgbox_batch_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.entries = (uintptr_t)entries;
	a.count = count;
	a.entry_size = entry_size;
	a.done = 0xdead;
	a.error = -1;
	ret = mb_ioctl(fd, cmd, &a);
	if (out)
		*out = a;
	return ret;
}

static int send_batch(int fd, struct msgbox_send_args *e, unsigned int n,
		      unsigned int flags, struct msgbox_batch_args *out)
{
	return batch(fd, MSGBOX_IOC_SEND_BATCH, e, n, sizeof(*e), flags, out);
}

static int recv_batch(int fd, struct msgbox_recv_args *e, unsigned int n,
		      unsigned int flags, struct msgbox_batch_args *out)
{
	return batch(fd, MSGBOX_IOC_RECV_BATCH, e, n, sizeof(*e), flags, out);
}

static const char *const words[] = { "zero", "one", "two", "three", "four",
				     "five", "six", "seven" };

static void fill_send(struct msgbox_send_args *e, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		mb_send_args(&e[i], words[i], strlen(words[i]), 0);
}

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
