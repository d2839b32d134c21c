// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox message tests: payload round trips and sizes, EMSGSIZE and EFAULT
 * without loss, FIFO and priority order, ids, the sender's credentials and
 * counters.
 */
#include "msg_fixture.h"

TEST_F(msg, roundtrip)
{
	char buf[64];
	unsigned int prio = 0;

	EXPECT_EQ(0, msgbox_send(self->fd, "hello world", 11, 3));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(11, msgbox_recv(self->fd, buf, sizeof(buf), &prio));
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	EXPECT_EQ(3U, prio);
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
}

TEST_F(msg, raw_recv_outputs)
{
	struct msgbox_send_args s;
	struct msgbox_recv_args r;
	char buf[32];

	mb_send_args(&s, "payload", 7, 12);
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(0U, s.result);
	EXPECT_EQ(7, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(7U, r.len);
	EXPECT_EQ(12U, r.prio);
	EXPECT_EQ(s.id, r.id);
	EXPECT_EQ(0U, r.msg_flags);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(0, memcmp(buf, "payload", 7));
}

TEST_F(msg, zero_length)
{
	struct msgbox_stat_args st;
	char buf[8] = "zzzzzzz";
	unsigned int prio = 0;

	EXPECT_EQ(0, msgbox_send(self->fd, buf, 0, 1));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(1U, st.msgs);
	EXPECT_EQ(0U, st.bytes);
	EXPECT_EQ(0, msgbox_recv(self->fd, buf, sizeof(buf), &prio));
	EXPECT_EQ(1U, prio);
	EXPECT_EQ(0, memcmp(buf, "zzzzzzz", 8));	/* untouched */

	/* No buffer at all for an empty payload. */
	EXPECT_EQ(0, mb_raw_send(self->fd, NULL, 0, 0));
	EXPECT_EQ(0, mb_raw_recv(self->fd, NULL, 0, NULL));
	EXPECT_EQ(0, mb_msgs(self->fd));
}

TEST_F(msg, max_size_message)
{
	static char out[MSG_MAX], in[MSG_MAX + 64];

	mb_fill(out, sizeof(out), 7);
	EXPECT_EQ(0, msgbox_send(self->fd, out, MSG_MAX, 0));
	EXPECT_EQ(MSG_MAX, msgbox_recv(self->fd, in, sizeof(in), NULL));
	EXPECT_TRUE(mb_check(in, MSG_MAX, 7));
}

TEST_F(msg, module_max_size_message)
{
	unsigned long maxsz = mb_param("max_msg_size", MB_DEF_MAX_MSG_SIZE);
	struct msgbox_attr attr = { .capacity = 2 };
	char *out, *in;
	int fd;

	attr.max_msg_size = maxsz;
	out = malloc(maxsz);
	in = malloc(maxsz);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	fd = msgbox_create(self->name2, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	mb_fill(out, maxsz, 3);
	EXPECT_EQ(0, msgbox_send(fd, out, maxsz, 0));
	EXPECT_EQ(-EMSGSIZE, msgbox_send(fd, out, maxsz + 1, 0));
	memset(in, 0, maxsz);
	EXPECT_EQ((int)maxsz, msgbox_recv(fd, in, maxsz, NULL));
	EXPECT_TRUE(mb_check(in, maxsz, 3));
	close(fd);
	free(out);
	free(in);
}

TEST_F(msg, send_too_big_emsgsize)
{
	static char big[MSG_MAX + 1];
	struct msgbox_stat_args st;

	EXPECT_EQ(-EMSGSIZE, msgbox_send(self->fd, big, MSG_MAX + 1, 0));
	EXPECT_EQ(-EMSGSIZE, mb_raw_send(self->fd, big, MSG_MAX + 1, 0));
	/* Length checked before the buffer is read. */
	EXPECT_EQ(-EMSGSIZE, mb_raw_send(self->fd, big, 0xffffffffU, 0));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.sent);
	EXPECT_EQ(0U, st.bytes);
}

TEST_F(msg, recv_buffer_too_small)
{
	struct msgbox_msg_info info;
	struct msgbox_recv_args r;
	char out[100], in[100];

	mb_fill(out, sizeof(out), 1);
	ASSERT_EQ(0, msgbox_send(self->fd, out, sizeof(out), 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "next", 4, 0));

	memset(&info, 0, sizeof(info));
	EXPECT_EQ(-EMSGSIZE, msgbox_recvx(self->fd, in, 10, NULL, &info));
	EXPECT_EQ(100U, info.len);
	EXPECT_EQ(-EMSGSIZE, mb_raw_recv(self->fd, in, 99, &r));
	EXPECT_EQ(100U, r.len);
	EXPECT_EQ(-EMSGSIZE, mb_raw_recv(self->fd, in, 0, &r));
	EXPECT_EQ(100U, r.len);
	EXPECT_EQ(2, mb_msgs(self->fd));

	/* The message stayed at the head of the queue. */
	EXPECT_EQ(100, msgbox_recv(self->fd, in, sizeof(in), NULL));
	EXPECT_TRUE(mb_check(in, sizeof(in), 1));
	EXPECT_EQ(4, msgbox_recv(self->fd, in, sizeof(in), NULL));
	EXPECT_EQ(0, memcmp(in, "next", 4));
}

TEST_F(msg, recv_efault_keeps_message)
{
	struct msgbox_msg_info info;
	struct msgbox_recv_opts peek = { .flags = MSGBOX_RO_PEEK };
	char out[200], in[200], *page;
	uint64_t id;

	mb_fill(out, sizeof(out), 5);
	ASSERT_EQ(0, msgbox_send(self->fd, out, sizeof(out), 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "second", 6, 0));
	ASSERT_EQ(200, msgbox_recvx(self->fd, in, sizeof(in), &peek, &info));
	id = info.id;

	EXPECT_EQ(-EFAULT, msgbox_recv(self->fd, mb_unmapped(), 4096, NULL));
	EXPECT_EQ(2, mb_msgs(self->fd));

	/* The copy-out faults half way through. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	EXPECT_EQ(-EFAULT, mb_raw_recv(self->fd, page + 4096 - 100, 4096,
				       NULL));
	munmap(page, 4096);
	EXPECT_EQ(2, mb_msgs(self->fd));

	/* Same message, same place, intact. */
	memset(in, 0, sizeof(in));
	EXPECT_EQ(200, msgbox_recvx(self->fd, in, sizeof(in), NULL, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_TRUE(mb_check(in, sizeof(in), 5));
	EXPECT_EQ(6, msgbox_recv(self->fd, in, sizeof(in), NULL));
	EXPECT_EQ(0, mb_msgs(self->fd));
}

TEST_F(msg, send_efault_queues_nothing)
{
	struct msgbox_stat_args st;
	char buf[16], *page;

	EXPECT_EQ(-EFAULT, msgbox_send(self->fd, mb_unmapped(), 64, 0));
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	EXPECT_EQ(-EFAULT, mb_raw_send(self->fd, page + 4096 - 10, 100, 0));
	munmap(page, 4096);

	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.sent);
	EXPECT_EQ(0U, st.bytes);
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
}

TEST_F(msg, fifo_order)
{
	unsigned int i, v;

	for (i = 0; i < MSG_CAP; i++)
		ASSERT_EQ(0, msgbox_send(self->fd, &i, sizeof(i), 7));
	EXPECT_EQ(-EAGAIN, msgbox_send(self->fd, &i, sizeof(i), 7));
	for (i = 0; i < MSG_CAP; i++) {
		ASSERT_EQ((int)sizeof(v), msgbox_recv(self->fd, &v, sizeof(v),
						      NULL));
		EXPECT_EQ(i, v);
	}
}

TEST_F(msg, priority_order)
{
	static const struct { unsigned int prio; char tag; } in[] = {
		{ 1, 'a' }, { 5, 'b' }, { 3, 'c' }, { 5, 'd' }, { 0, 'e' },
		{ MSGBOX_PRIO_MAX - 1, 'f' }, { 3, 'g' }, { 0, 'h' },
	};
	static const char want[] = "fbdcgaeh";
	unsigned int i, prio;
	char c;

	for (i = 0; i < MB_ARRAY_SIZE(in); i++)
		ASSERT_EQ(0, msgbox_send(self->fd, &in[i].tag, 1, in[i].prio));
	for (i = 0; i < MB_ARRAY_SIZE(in); i++) {
		ASSERT_EQ(1, msgbox_recv(self->fd, &c, 1, &prio));
		EXPECT_EQ(want[i], c) TH_LOG("position %u", i);
	}
	EXPECT_EQ(0U, prio);
}

TEST_F(msg, prio_out_of_range_einval)
{
	EXPECT_EQ(-EINVAL, msgbox_send(self->fd, "x", 1, MSGBOX_PRIO_MAX));
	EXPECT_EQ(-EINVAL, mb_raw_send(self->fd, "x", 1, MSGBOX_PRIO_MAX + 1));
	EXPECT_EQ(-EINVAL, mb_raw_send(self->fd, "x", 1, 0xffffffffU));
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(0, msgbox_send(self->fd, "x", 1, MSGBOX_PRIO_MAX - 1));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

TEST_F(msg, ids_increasing)
{
	struct msgbox_send_info si;
	struct msgbox_msg_info mi;
	struct msgbox_send_opts so = { 0 };
	uint64_t ids[6];
	unsigned int i;
	char c;

	for (i = 0; i < MB_ARRAY_SIZE(ids); i++) {
		c = 'a' + i;
		so.prio = i % 2 ? 9 : 1;	/* receive order differs */
		ASSERT_EQ(0, msgbox_sendx(self->fd, &c, 1, &so, &si));
		ids[i] = si.id;
		if (i)
			EXPECT_LT(ids[i - 1], ids[i]);
	}
	for (i = 0; i < MB_ARRAY_SIZE(ids); i++) {
		ASSERT_EQ(1, msgbox_recvx(self->fd, &c, 1, NULL, &mi));
		EXPECT_EQ(ids[c - 'a'], mi.id) TH_LOG("message %c", c);
	}
	/* Ids are never reused. */
	ASSERT_EQ(0, msgbox_sendx(self->fd, "z", 1, NULL, &si));
	EXPECT_LT(ids[MB_ARRAY_SIZE(ids) - 1], si.id);
}

TEST_F(msg, sender_credentials_self)
{
	struct msgbox_msg_info mi;
	char c;

	ASSERT_EQ(0, msgbox_send(self->fd, "c", 1, 0));
	ASSERT_EQ(1, msgbox_recvx(self->fd, &c, 1, NULL, &mi));
	EXPECT_EQ(getpid(), mi.pid);
	EXPECT_EQ(geteuid(), mi.uid);
	EXPECT_EQ(getegid(), mi.gid);
}

struct cred_report {
	pid_t pid;
	int ret;
};

/*
 * A child sends one message, as another user when @uid is not -1, and
 * stays alive (so its PID stays valid) until @go is closed.
 */
static pid_t cred_child(int fd, int uid, int gid, int *rfd, int go[2])
{
	struct cred_report r;
	int wfd;
	char b;
	pid_t pid;

	if (pipe(go))
		return -1;
	pid = mb_fork(rfd, &wfd);
	if (pid != 0) {
		close(go[0]);
		return pid;
	}
	close(go[1]);
	r.pid = getpid();
	r.ret = 0;
	if (gid >= 0 && setresgid(gid, gid, gid))
		r.ret = -1000;
	if (!r.ret && uid >= 0 && setresuid(uid, uid, uid))
		r.ret = -1001;
	if (!r.ret)
		r.ret = msgbox_send(fd, "k", 1, 0);
	mb_write_all(wfd, &r, sizeof(r));
	while (read(go[0], &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

TEST_F(msg, sender_credentials_child)
{
	struct msgbox_msg_info mi;
	struct cred_report r;
	int rfd, go[2];
	pid_t pid;
	char c;

	pid = cred_child(self->fd, -1, -1, &rfd, go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(pid, r.pid);
	ASSERT_EQ(1, msgbox_recvx(self->fd, &c, 1, NULL, &mi));
	EXPECT_EQ(pid, mi.pid);
	EXPECT_EQ(geteuid(), mi.uid);
	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
}

TEST_F(msg, sender_credentials_other_user)
{
	struct msgbox_recv_opts peek = { .flags = MSGBOX_RO_PEEK };
	struct msgbox_msg_info mi;
	struct msgbox_recv_args r;
	struct cred_report rep;
	int rfd, go[2], fd;
	pid_t pid;
	char c;

	if (geteuid() != 0)
		SKIP(return, "switching to another user needs root");
	/* The child may write: a 0666 mailbox, opened before it switches. */
	fd = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_raw_open(fd, self->name2, MSGBOX_OPEN_CREATE, 4, 64,
				 0666));
	pid = cred_child(fd, 1000, 1001, &rfd, go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &rep, sizeof(rep)));
	EXPECT_EQ(0, rep.ret);
	ASSERT_EQ(1, msgbox_recvx(fd, &c, 1, &peek, &mi));
	EXPECT_EQ(pid, mi.pid);
	EXPECT_EQ(1000U, mi.uid);
	EXPECT_EQ(1001U, mi.gid);
	EXPECT_EQ(1, mb_raw_recv(fd, &c, 1, &r));
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(1000U, r.uid);
	EXPECT_EQ(1001U, r.gid);
	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	close(fd);
}

TEST_F(msg, stat_counters)
{
	struct msgbox_stat_args st;
	char buf[64];

	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ((unsigned int)MSG_CAP, st.capacity);
	EXPECT_EQ((unsigned int)MSG_MAX, st.max_msg_size);
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.bytes);
	EXPECT_EQ(0U, st.sent);
	EXPECT_EQ(0U, st.received);
	EXPECT_EQ(0U, st.waiting_senders);
	EXPECT_EQ(0U, st.waiting_receivers);
	EXPECT_EQ(0U, st.mb_flags);
	EXPECT_EQ(0, st.owner_pid);

	ASSERT_EQ(0, msgbox_send(self->fd, buf, 10, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, buf, 20, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, buf, 30, 0));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(3U, st.msgs);
	EXPECT_EQ(60U, st.bytes);
	EXPECT_EQ(3U, st.sent);
	EXPECT_EQ(0U, st.received);

	ASSERT_EQ(10, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(50U, st.bytes);
	EXPECT_EQ(3U, st.sent);
	EXPECT_EQ(1U, st.received);

	/* Failed calls change nothing. */
	EXPECT_EQ(-EMSGSIZE, msgbox_recv(self->fd, buf, 5, NULL));
	EXPECT_EQ(-EINVAL, msgbox_send(self->fd, buf, 5, MSGBOX_PRIO_MAX));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(2U, st.msgs);
	EXPECT_EQ(50U, st.bytes);
	EXPECT_EQ(3U, st.sent);
	EXPECT_EQ(1U, st.received);

	ASSERT_EQ(20, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(30, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.bytes);
	EXPECT_EQ(3U, st.sent);
	EXPECT_EQ(3U, st.received);
}

TEST_HARNESS_MAIN
