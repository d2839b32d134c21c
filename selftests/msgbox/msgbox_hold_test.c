// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox held messages: MSGBOX_RECV_HOLD and MSGBOX_IOC_SETTLE on plain
 * messages. A held message stays the mailbox's until its open file
 * description says it is done, or returns to the queue (release, last
 * close, the holder's death) ahead of what came after it, marked
 * redelivered; only its holder, or a process sharing the holder's open
 * file description, can settle it.
 */
#include "hold_fixture.h"
#include "crc32c_ref.h"

TEST_F(hold, hold_then_done)
{
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[HOLD_MAX];
	uint64_t id;

	id = send_id(self->fd, "one", 2);
	ASSERT_NE(0ULL, id);
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(2U, r.prio);
	EXPECT_EQ(3U, r.len);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(MSGBOX_MSG_HELD, r.msg_flags);
	EXPECT_EQ(0U, r.deliveries);
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(0U, st.calls);

	/* Held: no receive sees it, here or elsewhere, not even a peek. */
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd2, buf, sizeof(buf), NULL));
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_PEEK;
	EXPECT_EQ(-EAGAIN, mb_ioctl(self->fd2, MSGBOX_IOC_RECV, &r));

	/* Done: it is gone. */
	EXPECT_EQ(0, mb_done(self->fd, id));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.held);
	EXPECT_EQ(0ULL, st.bytes);
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd2, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
}

/* Release: the same message again, with the same id, sender and options. */
TEST_F(hold, release_redelivers_same_message)
{
	struct msgbox_recv_args h, r;
	struct msgbox_send_args s;
	struct msgbox_stat_args st;
	const unsigned int opt = MSGBOX_MSG_KEY | MSGBOX_MSG_CSUM;
	char buf[HOLD_MAX];

	mb_send_args(&s, "payload", 7, 3);
	s.flags = MSGBOX_SEND_KEY | MSGBOX_SEND_CSUM;
	s.key = 0x1122334455667788ULL;
	s.csum = crc32c_ref("payload", 7);
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	ASSERT_EQ(7, mb_hold(self->fd, buf, sizeof(buf), 0, &h));
	EXPECT_EQ(s.id, h.id);
	EXPECT_EQ(MSGBOX_MSG_HELD | opt, h.msg_flags);
	EXPECT_EQ(0U, h.deliveries);

	EXPECT_EQ(0, mb_release(self->fd, h.id));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(0U, st.held);
	EXPECT_EQ(7ULL, st.bytes);
	/* Returned: this description holds it no more. */
	EXPECT_EQ(-ENOENT, mb_release(self->fd, h.id));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, h.id));

	/* A plain receive elsewhere gets it back, marked. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(7, mb_raw_recv(self->fd2, buf, sizeof(buf), &r));
	EXPECT_EQ(0, memcmp(buf, "payload", 7));
	EXPECT_EQ(s.id, r.id);
	EXPECT_EQ(3U, r.prio);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);
	EXPECT_EQ(s.key, r.key);
	EXPECT_EQ(s.csum, r.csum);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED | opt, r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(-ENOENT, mb_done(self->fd2, r.id));
}

/* deliveries counts every return to the queue. */
TEST_F(hold, deliveries_count_returns)
{
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t id;
	unsigned int i;

	id = send_id(self->fd, "again", 0);
	ASSERT_NE(0ULL, id);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(5, mb_hold(i & 1 ? self->fd2 : self->fd, buf,
				     sizeof(buf), 0, &r)) TH_LOG("round %u", i);
		EXPECT_EQ(id, r.id);
		EXPECT_EQ(i, r.deliveries);
		EXPECT_EQ(MSGBOX_MSG_HELD | (i ? MSGBOX_MSG_REDELIVERED : 0),
			  r.msg_flags) TH_LOG("round %u", i);
		EXPECT_EQ(0, mb_release(i & 1 ? self->fd2 : self->fd, id));
	}
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(4U, r.deliveries);
	EXPECT_EQ(0, mb_done(self->fd, id));
	EXPECT_EQ(0, mb_msgs(self->fd));
}

/* ENOENT for an id this description does not hold; nothing happens. */
TEST_F(hold, settle_not_held_enoent)
{
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t id;

	/* Queued, never received; and ids no message has. */
	id = send_id(self->fd, "queued", 0);
	ASSERT_NE(0ULL, id);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id + 1000));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, 0));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, ~0ULL));
	EXPECT_EQ(1, mb_msgs(self->fd));

	/* Received without HOLD: gone, not held. */
	ASSERT_EQ(6, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(0U, r.msg_flags);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));

	/* Done twice. */
	id = send_id(self->fd, "twice", 0);
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));

	/* Released twice; the message stays queued once. */
	id = send_id(self->fd, "rel", 0);
	ASSERT_EQ(3, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, mb_release(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(1, mb_msgs(self->fd));
	ASSERT_EQ(3, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
}

/*
 * Holds belong to the open file description: another description of the
 * same mailbox cannot settle them, a dup of the holder can.
 */
TEST_F(hold, settle_other_description_enoent)
{
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[HOLD_MAX];
	uint64_t id;
	int d;

	id = send_id(self->fd, "mine", 0);
	ASSERT_EQ(4, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(id, r.id);
	EXPECT_EQ(-ENOENT, mb_done(self->fd, id));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, id));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(0U, st.msgs);

	d = dup(self->fd2);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, mb_done(d, id));
	EXPECT_EQ(-ENOENT, mb_done(self->fd2, id));
	close(d);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* A plain message takes no reply: len != 0 is EINVAL and changes nothing. */
TEST_F(hold, settle_with_len_einval)
{
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[HOLD_MAX];
	uint64_t id;

	id = send_id(self->fd, "plain", 0);
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(-EINVAL, mb_settle(self->fd, id, 0, "abc", 3));
	EXPECT_EQ(-EINVAL, mb_settle(self->fd, id, MSGBOX_SETTLE_RELEASE,
				     "abc", 3));
	EXPECT_EQ(-EINVAL, mb_settle(self->fd, id, 0, buf, 1));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(0U, st.msgs);
	/* Still held, still settles; a buffer with len 0 is no reply. */
	EXPECT_EQ(0, mb_settle(self->fd, id, 0, "abc", 0));
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 0, 0, NULL));
}

/* RECV's new fields are checked; VER0 still holds (without a timeout). */
TEST_F(hold, recv_hold_argument_errors)
{
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[HOLD_MAX];
	uint64_t id;

	id = send_id(self->fd, "x", 0);
	ASSERT_NE(0ULL, id);
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_PEEK | MSGBOX_RECV_HOLD;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));

	mb_recv_args(&r, buf, sizeof(buf));
	r.hold_ns = 1000000;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	r.flags = MSGBOX_RECV_PEEK;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));

	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_HOLD;
	r.__reserved2 = 1;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	mb_recv_args(&r, buf, sizeof(buf));
	r.__reserved2 = 0x80000000U;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));

	/* A hold timeout longer than MSGBOX_HOLD_NS_MAX. */
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_HOLD;
	r.hold_ns = MSGBOX_HOLD_NS_MAX + 1;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	r.hold_ns = ~0ULL;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));

	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(0U, st.held);

	/* The longest hold timeout is one. */
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), MSGBOX_HOLD_NS_MAX, &r));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(0, mb_release(self->fd, id));

	/* An 80-byte (VER0) struct holds too. */
	mb_recv_args(&r, buf, sizeof(buf));
	r.size = MSGBOX_RECV_SIZE_VER0;
	r.flags = MSGBOX_RECV_HOLD;
	r.deliveries = 0xa5a5a5a5U;
	EXPECT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(MSGBOX_MSG_HELD | MSGBOX_MSG_REDELIVERED, r.msg_flags);
	/* The kernel wrote no further than the 80 bytes it was given. */
	EXPECT_EQ(0xa5a5a5a5U, r.deliveries);
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(0, mb_done(self->fd, id));
}

/*
 * Closing the last descriptor of the holding description returns its
 * messages; closing a dup does not.
 */
TEST_F(hold, last_close_returns_held)
{
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t a, b;
	int h, d;

	a = send_id(self->fd, "a", 0);
	b = send_id(self->fd, "b", 0);
	ASSERT_TRUE(a && b);
	h = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, h);
	ASSERT_EQ(1, mb_hold(h, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(1, mb_hold(h, buf, sizeof(buf), 0, NULL));
	d = dup(h);
	ASSERT_LE(0, d);
	close(h);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 2, 0, NULL));

	close(d);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, 0, 0, NULL));
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(a, r.id);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(b, r.id);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
	EXPECT_EQ(1U, r.deliveries);
}

#define KILL_HELD	4

/*
 * A consumer killed holding KILL_HELD messages: each comes back once, in
 * its original order, ahead of the messages of its priority that were
 * queued behind it or sent later.
 */
TEST_F(hold, killed_holder_redelivers_in_order)
{
	uint64_t ids[7], got[KILL_HELD];
	struct msgbox_recv_args r;
	char buf[HOLD_MAX], text[8];
	int rfd, wfd, i;
	pid_t pid;

	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		ids[i] = send_id(self->fd, text, 0);
		ASSERT_NE(0ULL, ids[i]);
	}
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = mb_attach(self->name, O_RDWR | O_NONBLOCK);

		memset(got, 0, sizeof(got));
		for (i = 0; i < KILL_HELD && fd >= 0; i++) {
			if (mb_hold(fd, buf, sizeof(buf), 0, &r) != 2)
				break;
			got[i] = r.id;
		}
		mb_write_all(wfd, got, sizeof(got));
		for (;;)
			pause();
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, got, sizeof(got)));
	for (i = 0; i < KILL_HELD; i++)
		ASSERT_EQ(ids[i], got[i]) TH_LOG("child's hold %d", i);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 2, KILL_HELD, 0, NULL));
	ids[6] = send_id(self->fd, "m6", 0);
	ASSERT_NE(0ULL, ids[6]);

	kill(pid, SIGKILL);
	EXPECT_LE(0, mb_wait_exit(pid));
	self->nkids = 0;
	close(rfd);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 7, 0, 0, NULL));

	for (i = 0; i < 7; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(2, mb_raw_recv(self->fd, buf, sizeof(buf), &r))
			TH_LOG("message %d", i);
		EXPECT_EQ(ids[i], r.id) TH_LOG("message %d", i);
		EXPECT_EQ(0, memcmp(buf, text, 2)) TH_LOG("message %d", i);
		if (i < KILL_HELD) {
			EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
			EXPECT_EQ(1U, r.deliveries);
		} else {
			EXPECT_EQ(0U, r.msg_flags);
			EXPECT_EQ(0U, r.deliveries);
		}
	}
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
}

/* A returned message goes back to its own priority, not to the front. */
TEST_F(hold, redelivery_keeps_priority)
{
	static const unsigned int prio[] = { 5, 5, 3, 1, 1 };
	static const int redelivered[] = { 1, 0, 0, 1, 0 };
	struct msgbox_recv_args r;
	uint64_t a, b, c, d, e, want[5];
	char buf[HOLD_MAX];
	unsigned int i;

	a = send_id(self->fd, "A", 1);
	b = send_id(self->fd, "B", 5);
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(b, r.id);
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(a, r.id);
	c = send_id(self->fd, "C", 5);
	d = send_id(self->fd, "D", 3);
	e = send_id(self->fd, "E", 1);
	ASSERT_TRUE(c && d && e);
	EXPECT_EQ(0, mb_release(self->fd, a));
	EXPECT_EQ(0, mb_release(self->fd, b));

	want[0] = b;
	want[1] = c;
	want[2] = d;
	want[3] = a;
	want[4] = e;
	for (i = 0; i < MB_ARRAY_SIZE(want); i++) {
		ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
		EXPECT_EQ(want[i], r.id) TH_LOG("receive %u: '%c'", i, buf[0]);
		EXPECT_EQ(prio[i], r.prio);
		EXPECT_EQ(redelivered[i] ? MSGBOX_MSG_REDELIVERED : 0U,
			  r.msg_flags) TH_LOG("receive %u", i);
	}
	EXPECT_EQ(-EAGAIN, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
}

/* Within a priority, returned messages line up by id, not by release. */
TEST_F(hold, release_order_is_id_order)
{
	struct msgbox_recv_args r;
	uint64_t x, y, z;
	char buf[HOLD_MAX];

	x = send_id(self->fd, "X", 2);
	y = send_id(self->fd, "Y", 2);
	z = send_id(self->fd, "Z", 2);
	ASSERT_TRUE(x && y && z);
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(1, mb_hold(self->fd2, buf, sizeof(buf), 0, NULL));
	EXPECT_EQ(0, mb_release(self->fd2, y));
	EXPECT_EQ(0, mb_release(self->fd, x));
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(x, r.id);
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(y, r.id);
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(z, r.id);
	EXPECT_EQ(0U, r.msg_flags);
}

/* stat.msgs counts queued messages only, stat.held the held ones. */
TEST_F(hold, stat_counts_held)
{
	struct msgbox_stat_args st;
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t a, b;

	ASSERT_NE(0ULL, send_id(self->fd, "a", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "bb", 0));
	ASSERT_NE(0ULL, send_id(self->fd, "ccc", 0));
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	a = r.id;
	ASSERT_EQ(2, mb_hold(self->fd2, buf, sizeof(buf), 0, &r));
	b = r.id;
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(2U, st.held);
	EXPECT_EQ(0U, st.calls);

	EXPECT_EQ(0, mb_release(self->fd2, b));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(1U, st.held);
	EXPECT_EQ(0, mb_done(self->fd, a));
	ASSERT_EQ(0, mb_raw_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(0U, st.held);

	/* A 72-byte (VER0) STAT still works and writes no further. */
	memset(&st, 0xa5, sizeof(st));
	st.size = MSGBOX_STAT_SIZE_VER0;
	st.flags = 0;
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_STAT, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(0xa5a5a5a5U, st.held);
	EXPECT_EQ(0xa5a5a5a5U, st.calls);
}

/*
 * A description shared across fork(): the child settles what the parent
 * held, and its exit returns nothing the parent still holds.
 */
TEST_F(hold, fork_shares_holds)
{
	struct msgbox_recv_args r;
	char buf[HOLD_MAX];
	uint64_t a, b, c;
	int rfd, wfd, res[2];
	pid_t pid;

	a = send_id(self->fd, "a", 0);
	b = send_id(self->fd, "b", 0);
	c = send_id(self->fd, "c", 0);
	ASSERT_TRUE(a && b && c);
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		res[0] = mb_done(self->fd, a);
		res[1] = mb_release(self->fd, b);
		mb_write_all(wfd, res, sizeof(res));
		_exit(0);
	}
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);

	EXPECT_EQ(-ENOENT, mb_done(self->fd, a));
	EXPECT_EQ(-ENOENT, mb_release(self->fd, b));
	/* c is still the parent's. */
	EXPECT_EQ(0, mb_wait_counts(self->fd, 1, 1, 0, NULL));
	EXPECT_EQ(0, mb_done(self->fd, c));
	ASSERT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(b, r.id);
	EXPECT_EQ(MSGBOX_MSG_REDELIVERED, r.msg_flags);
}

/* SETTLE needs read access and a bound descriptor. */
TEST_F(hold, settle_access_errors)
{
	struct msgbox_recv_args r, rr;
	char buf[HOLD_MAX];
	int wr, un, serr;
	uint64_t id;

	id = send_id(self->fd, "x", 0);
	ASSERT_NE(0ULL, id);
	ASSERT_EQ(1, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	wr = mb_attach(self->name, O_WRONLY | O_NONBLOCK);
	ASSERT_LE(0, wr);
	EXPECT_EQ(-EBADF, mb_done(wr, id));
	EXPECT_EQ(-EBADF, mb_release(wr, id));
	EXPECT_EQ(-EBADF, mb_settle_recv(wr, id, 0, NULL, 0, &rr, 0, buf,
					 sizeof(buf), &serr));
	close(wr);
	un = mb_dev_open(O_RDWR);
	ASSERT_LE(0, un);
	EXPECT_EQ(-ENOTCONN, mb_done(un, id));
	EXPECT_EQ(-ENOTCONN, mb_release(un, id));
	close(un);
	EXPECT_EQ(0, mb_wait_counts(self->fd, 0, 1, 0, NULL));
	EXPECT_EQ(0, mb_done(self->fd, id));
}

TEST_HARNESS_MAIN
