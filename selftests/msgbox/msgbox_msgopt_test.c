// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox per-message options: peeking, receiving from one sender,
 * checksums, keys and duplicate detection, and mailboxes kept apart.
 */
#include "crc32c_ref.h"
#include "msg_fixture.h"

TEST_F(msg, peek_leaves_message)
{
	struct msgbox_recv_opts peek = { .flags = MSGBOX_RO_PEEK };
	struct msgbox_msg_info a, b, c;
	struct msgbox_recv_args r;
	struct msgbox_stat_args st;
	char buf[16];

	ASSERT_EQ(0, msgbox_send(self->fd, "first", 5, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "second", 6, 0));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, msgbox_recvx(self->fd, buf, sizeof(buf), &peek, &a));
	EXPECT_EQ(0, memcmp(buf, "first", 5));
	EXPECT_EQ(5, msgbox_recvx(self->fd, buf, sizeof(buf), &peek, &b));
	EXPECT_EQ(a.id, b.id);
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(0U, st.received);

	/* Peek with a short buffer: EMSGSIZE and the length. */
	mb_recv_args(&r, buf, 2);
	r.flags = MSGBOX_RECV_PEEK;
	EXPECT_EQ(-EMSGSIZE, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(5U, r.len);

	EXPECT_EQ(5, msgbox_recvx(self->fd, buf, sizeof(buf), NULL, &c));
	EXPECT_EQ(a.id, c.id);
	EXPECT_EQ(6, msgbox_recvx(self->fd, buf, sizeof(buf), &peek, &c));
	EXPECT_EQ(0, memcmp(buf, "second", 6));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

TEST_F(msg, recv_from_pid)
{
	struct msgbox_recv_opts from = { .flags = MSGBOX_RO_FROM_PID };
	struct msgbox_msg_info mi;
	struct msgbox_recv_args r;
	int rfd, wfd, go[2], ret;
	char buf[8], b;
	pid_t pid;

	ASSERT_EQ(0, msgbox_send(self->fd, "p1", 2, 0));
	ASSERT_EQ(0, pipe(go));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		ret = msgbox_send(self->fd, "c1", 2, 0);
		if (!ret)
			ret = msgbox_send(self->fd, "c2", 2, 5);
		if (!ret)
			ret = msgbox_send(self->fd, "c3", 2, 5);
		mb_write_all(wfd, &ret, sizeof(ret));
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, msgbox_send(self->fd, "p2", 2, 9));

	/*
	 * The child's in the usual order, not the oldest first: highest
	 * priority first, the oldest first within one priority. Ours, one of
	 * them above all of the child's, stay queued.
	 */
	from.pid = pid;
	EXPECT_EQ(2, msgbox_recvx(self->fd, buf, sizeof(buf), &from, &mi));
	EXPECT_EQ(0, memcmp(buf, "c2", 2));
	EXPECT_EQ(pid, mi.pid);
	EXPECT_EQ(5U, mi.prio);
	EXPECT_EQ(2, msgbox_recvx(self->fd, buf, sizeof(buf), &from, &mi));
	EXPECT_EQ(0, memcmp(buf, "c3", 2));
	EXPECT_EQ(5U, mi.prio);
	EXPECT_EQ(2, msgbox_recvx(self->fd, buf, sizeof(buf), &from, &mi));
	EXPECT_EQ(0, memcmp(buf, "c1", 2));
	EXPECT_EQ(0U, mi.prio);
	EXPECT_EQ(-EAGAIN, msgbox_recvx(self->fd, buf, sizeof(buf), &from,
					&mi));
	EXPECT_EQ(2, mb_msgs(self->fd));

	/* Ours, through the raw interface. */
	mb_recv_args(&r, buf, sizeof(buf));
	r.flags = MSGBOX_RECV_FROM_PID;
	r.from_pid = getpid();
	EXPECT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(0, memcmp(buf, "p2", 2));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(2, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(0, memcmp(buf, "p1", 2));
	EXPECT_EQ(0, mb_msgs(self->fd));

	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
}

TEST_F(msg, csum_library)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_CSUM };
	struct msgbox_msg_info mi;
	struct msgbox_recv_args r;
	char out[300], in[300];

	mb_fill(out, sizeof(out), 9);
	ASSERT_EQ(0, msgbox_sendx(self->fd, out, sizeof(out), &so, NULL));
	ASSERT_EQ(0, msgbox_sendx(self->fd, out, sizeof(out), &so, NULL));
	ASSERT_EQ(0, msgbox_send(self->fd, "plain", 5, 0));

	memset(&mi, 0, sizeof(mi));
	EXPECT_EQ(300, msgbox_recvx(self->fd, in, sizeof(in), NULL, &mi));
	EXPECT_EQ(1, mi.has_csum);
	EXPECT_TRUE(mb_check(in, sizeof(in), 9));

	EXPECT_EQ(300, mb_raw_recv(self->fd, in, sizeof(in), &r));
	EXPECT_EQ(MSGBOX_MSG_CSUM, r.msg_flags & MSGBOX_MSG_CSUM);
	EXPECT_EQ(crc32c_ref(out, sizeof(out)), r.csum);

	EXPECT_EQ(5, msgbox_recvx(self->fd, in, sizeof(in), NULL, &mi));
	EXPECT_EQ(0, mi.has_csum);
}

TEST_F(msg, csum_raw)
{
	struct msgbox_send_args s;
	struct msgbox_stat_args st;
	struct msgbox_recv_args r;
	char out[77], in[77];

	mb_fill(out, sizeof(out), 4);
	EXPECT_EQ(crc32c_ref(out, sizeof(out)),
		  msgbox_crc32c(out, sizeof(out)));

	/* A wrong checksum: EBADMSG, nothing queued. */
	mb_send_args(&s, out, sizeof(out), 0);
	s.flags = MSGBOX_SEND_CSUM;
	s.csum = crc32c_ref(out, sizeof(out)) ^ 1;
	EXPECT_EQ(-EBADMSG, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	s.csum = 0;
	EXPECT_EQ(-EBADMSG, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.sent);

	/* The right one, also for an empty payload. */
	s.csum = crc32c_ref(out, sizeof(out));
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	mb_send_args(&s, out, 0, 0);
	s.flags = MSGBOX_SEND_CSUM;
	s.csum = 0;	/* CRC32C of nothing */
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));

	EXPECT_EQ(77, mb_raw_recv(self->fd, in, sizeof(in), &r));
	EXPECT_EQ(MSGBOX_MSG_CSUM, r.msg_flags & MSGBOX_MSG_CSUM);
	EXPECT_EQ(crc32c_ref(out, sizeof(out)), r.csum);
	EXPECT_EQ(0, memcmp(in, out, sizeof(out)));
	EXPECT_EQ(0, mb_raw_recv(self->fd, in, sizeof(in), &r));
	EXPECT_EQ(MSGBOX_MSG_CSUM, r.msg_flags & MSGBOX_MSG_CSUM);
}

TEST_F(msg, key_attached)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY };
	struct msgbox_msg_info mi;
	struct msgbox_recv_args r;
	char buf[8];

	so.key = 0x1122334455667788ULL;
	ASSERT_EQ(0, msgbox_sendx(self->fd, "k", 1, &so, NULL));
	ASSERT_EQ(0, msgbox_sendx(self->fd, "k", 1, &so, NULL));
	ASSERT_EQ(0, msgbox_send(self->fd, "n", 1, 0));

	memset(&mi, 0, sizeof(mi));
	EXPECT_EQ(1, msgbox_recvx(self->fd, buf, sizeof(buf), NULL, &mi));
	EXPECT_EQ(1, mi.has_key);
	EXPECT_EQ(0x1122334455667788ULL, mi.key);
	EXPECT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(MSGBOX_MSG_KEY, r.msg_flags & MSGBOX_MSG_KEY);
	EXPECT_EQ(0x1122334455667788ULL, r.key);
	EXPECT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(0U, r.msg_flags & MSGBOX_MSG_KEY);
}

TEST_F(msg, dedup_drops_duplicates)
{
	struct msgbox_attr attr = {
		.capacity = 8, .max_msg_size = 64, .flags = MSGBOX_ATTR_DEDUP,
	};
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY };
	struct msgbox_send_info si;
	struct msgbox_send_args s;
	char buf[8];
	int fd;

	fd = msgbox_create(self->name2, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);

	so.key = 42;
	ASSERT_EQ(0, msgbox_sendx(fd, "1", 1, &so, &si));
	EXPECT_EQ(0, si.duplicate);
	ASSERT_EQ(0, msgbox_sendx(fd, "2", 1, &so, &si));
	EXPECT_EQ(1, si.duplicate);
	EXPECT_EQ(1, mb_msgs(fd));

	mb_send_args(&s, "3", 1, 0);
	s.flags = MSGBOX_SEND_KEY;
	s.key = 42;
	ASSERT_EQ(0, mb_ioctl(fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(MSGBOX_SENT_DUPLICATE, s.result & MSGBOX_SENT_DUPLICATE);
	EXPECT_EQ(1, mb_msgs(fd));

	/* Another key, and no key at all, are queued. */
	so.key = 43;
	ASSERT_EQ(0, msgbox_sendx(fd, "4", 1, &so, &si));
	EXPECT_EQ(0, si.duplicate);
	ASSERT_EQ(0, msgbox_send(fd, "5", 1, 0));
	ASSERT_EQ(0, msgbox_send(fd, "6", 1, 0));
	EXPECT_EQ(4, mb_msgs(fd));

	EXPECT_EQ(1, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ('1', buf[0]);
	EXPECT_EQ(1, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ('4', buf[0]);
	close(fd);
}

TEST_F(msg, no_dedup_without_flag)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY, .key = 7 };
	struct msgbox_send_info si;

	ASSERT_EQ(0, msgbox_sendx(self->fd, "a", 1, &so, &si));
	EXPECT_EQ(0, si.duplicate);
	ASSERT_EQ(0, msgbox_sendx(self->fd, "a", 1, &so, &si));
	EXPECT_EQ(0, si.duplicate);
	EXPECT_EQ(2, mb_msgs(self->fd));
}

TEST_F(msg, mailboxes_isolated)
{
	char buf[8];
	int fd;

	fd = msgbox_create(self->name2, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_send(self->fd, "A", 1, 0));
	ASSERT_EQ(0, msgbox_send(fd, "B", 1, 0));
	EXPECT_EQ(1, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ('B', buf[0]);
	EXPECT_EQ(-EAGAIN, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ('A', buf[0]);
	close(fd);
}

TEST_HARNESS_MAIN
