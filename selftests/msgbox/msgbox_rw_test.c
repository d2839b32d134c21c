// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox read(2)/write(2) tests: on a bound descriptor, write() sends the
 * bytes written as one message of priority 0 and read() takes the next
 * message whole, blocking as the ioctls do unless O_NONBLOCK. A message
 * larger than the read buffer stays queued (EMSGSIZE); nothing is ever
 * truncated or split.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define RW_CAP		2
#define RW_MAX		65536

FIXTURE(rw) {
	int fd;			/* O_RDWR, blocking */
	int nb;			/* O_RDWR | O_NONBLOCK */
	char name[128];
	pid_t kid;
};

FIXTURE_SETUP(rw)
{
	struct msgbox_attr attr = { .capacity = RW_CAP, .max_msg_size = RW_MAX };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->nb = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, self->nb);
}

FIXTURE_TEARDOWN(rw)
{
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	mb_destroy_name(self->name);
	close(self->fd);
	close(self->nb);
}

/* Returns the result of write(2) or read(2) as a count or -errno. */
static ssize_t rw_ret(ssize_t r)
{
	return r < 0 ? -errno : r;
}

/*
 * Forks a child that waits until a sender blocks on @nb, reads one message
 * and reports read()'s result on the pipe whose read end is *@rfd.
 */
static pid_t rw_fork_reader(int nb, int *rfd)
{
	char buf[16];
	int wfd, ret;
	pid_t kid = mb_fork(rfd, &wfd);

	if (kid == 0) {
		ret = mb_wait_waiters(nb, 0, 1);
		if (!ret)
			ret = (int)rw_ret(read(nb, buf, sizeof(buf)));
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	return kid;
}

TEST_F(rw, write_then_read)
{
	struct msgbox_msg_info info;
	char buf[16];

	EXPECT_EQ(5, rw_ret(write(self->fd, "hello", 5)));
	EXPECT_EQ(0, rw_ret(write(self->fd, "", 0)));
	EXPECT_EQ(2, mb_msgs(self->fd));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, rw_ret(read(self->fd, buf, sizeof(buf))));
	EXPECT_STREQ("hello", buf);
	/* An empty message reads as 0 bytes, and is gone after. */
	EXPECT_EQ(0, rw_ret(read(self->fd, buf, sizeof(buf))));
	EXPECT_EQ(0, mb_msgs(self->fd));

	/* A written message is stamped like any other: priority 0. */
	EXPECT_EQ(3, rw_ret(write(self->fd, "abc", 3)));
	EXPECT_EQ(3, msgbox_recvx(self->fd, buf, sizeof(buf), NULL, &info));
	EXPECT_EQ(0U, info.prio);
	EXPECT_EQ(getpid(), info.pid);
	EXPECT_EQ(getuid(), info.uid);
	EXPECT_EQ(0, info.has_key);
}

TEST_F(rw, mixes_with_ioctls)
{
	char buf[16];

	/* read() takes messages in priority order, like a receive. */
	ASSERT_EQ(0, msgbox_send(self->fd, "low", 3, 1));
	ASSERT_EQ(0, msgbox_send(self->fd, "high", 4, 9));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, rw_ret(read(self->fd, buf, sizeof(buf))));
	EXPECT_STREQ("high", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(3, rw_ret(read(self->fd, buf, sizeof(buf))));
	EXPECT_STREQ("low", buf);

	/* A written message goes after queued ones of priority 0 or more. */
	ASSERT_EQ(0, msgbox_send(self->fd, "first", 5, 0));
	EXPECT_EQ(6, rw_ret(write(self->fd, "second", 6)));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_STREQ("first", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(6, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_STREQ("second", buf);
}

TEST_F(rw, errors)
{
	char buf[16], *big;
	int rd, wr, dev;

	/* Too large to send: nothing queued. */
	big = calloc(1, RW_MAX + 1);
	ASSERT_NE(NULL, big);
	EXPECT_EQ(-EMSGSIZE, rw_ret(write(self->fd, big, RW_MAX + 1)));
	EXPECT_EQ(0, mb_msgs(self->fd));
	free(big);

	/* Too large to read: it stays, in its place, and reads later. */
	ASSERT_EQ(6, rw_ret(write(self->fd, "sizable", 6)));
	EXPECT_EQ(-EMSGSIZE, rw_ret(read(self->fd, buf, 5)));
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ(6, rw_ret(read(self->fd, buf, 6)));

	/* Bad buffers: nothing sent, nothing lost. */
	EXPECT_EQ(-EFAULT, rw_ret(write(self->fd, mb_unmapped(), 8)));
	EXPECT_EQ(0, mb_msgs(self->fd));
	ASSERT_EQ(4, rw_ret(write(self->fd, "kept", 4)));
	EXPECT_EQ(-EFAULT, rw_ret(read(self->fd, mb_unmapped(), 8)));
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ(4, rw_ret(read(self->fd, buf, sizeof(buf))));

	/* Access modes, an unbound descriptor, no seeking. */
	rd = msgbox_open(self->name, O_RDONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, rd);
	wr = msgbox_open(self->name, O_WRONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, wr);
	EXPECT_EQ(-EBADF, rw_ret(write(rd, "x", 1)));
	EXPECT_EQ(-EBADF, rw_ret(read(wr, buf, sizeof(buf))));
	dev = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENOTCONN, rw_ret(write(dev, "x", 1)));
	EXPECT_EQ(-ENOTCONN, rw_ret(read(dev, buf, sizeof(buf))));
	EXPECT_EQ(-ESPIPE, rw_ret(lseek(self->fd, 0, SEEK_SET)));
	EXPECT_EQ(-ESPIPE, rw_ret(pwrite(self->fd, "x", 1, 0)));

	/* A destroyed mailbox. */
	ASSERT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-EIDRM, rw_ret(write(wr, "x", 1)));
	EXPECT_EQ(-EIDRM, rw_ret(read(rd, buf, sizeof(buf))));
	close(dev);
	close(wr);
	close(rd);
}

TEST_F(rw, nonblocking)
{
	char buf[16];
	int i;

	EXPECT_EQ(-EAGAIN, rw_ret(read(self->nb, buf, sizeof(buf))));
	for (i = 0; i < RW_CAP; i++)
		ASSERT_EQ(1, rw_ret(write(self->nb, "f", 1)));
	EXPECT_EQ(-EAGAIN, rw_ret(write(self->nb, "f", 1)));
	EXPECT_EQ(RW_CAP, mb_msgs(self->nb));
}

/* A blocked read() wakes for a write(), a blocked write() for a read(). */
TEST_F(rw, blocking_both_ways)
{
	char buf[16];
	int rfd, wfd, ret, i;

	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = mb_wait_waiters(self->nb, 1, 0);
		if (!ret)
			ret = (int)rw_ret(write(self->nb, "wake", 4));
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, rw_ret(read(self->fd, buf, sizeof(buf))));
	EXPECT_STREQ("wake", buf);
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(4, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	close(rfd);

	for (i = 0; i < RW_CAP; i++)
		ASSERT_EQ(1, rw_ret(write(self->nb, "f", 1)));
	self->kid = rw_fork_reader(self->nb, &rfd);
	ASSERT_LE(0, self->kid);
	EXPECT_EQ(4, rw_ret(write(self->fd, "last", 4)));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_EQ(RW_CAP, mb_msgs(self->nb));
	close(rfd);
}

/*
 * A large message written while a reader is blocked goes straight into
 * the reader's buffer (the direct hand-off); it arrives whole either way.
 */
TEST_F(rw, large_message_to_blocked_reader)
{
	char *out, *in;
	int rfd, wfd, ret;

	out = malloc(RW_MAX);
	in = malloc(RW_MAX);
	ASSERT_TRUE(out && in);
	mb_fill(out, RW_MAX, 3);
	memset(in, 0, RW_MAX);
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = mb_wait_waiters(self->nb, 1, 0);
		if (!ret)
			ret = (int)rw_ret(write(self->nb, out, RW_MAX));
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	EXPECT_EQ(RW_MAX, rw_ret(read(self->fd, in, RW_MAX)));
	EXPECT_TRUE(mb_check(in, RW_MAX, 3));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(RW_MAX, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_EQ(0, mb_msgs(self->fd));
	close(rfd);
	free(out);
	free(in);
}

/* A rendezvous write() returns once a reader has the message. */
TEST_F(rw, rendezvous_write)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = 64 };
	char name[128], buf[16];
	int fd, nb, rfd, wfd, ret;
	pid_t kid;

	mb_name(name, sizeof(name), "rw_rendezvous");
	fd = msgbox_create(name, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	nb = msgbox_open(name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, nb);
	EXPECT_EQ(-EAGAIN, rw_ret(write(nb, "x", 1)));

	kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, kid);
	if (kid == 0) {
		ret = mb_wait_waiters(nb, 0, 1);
		if (!ret) {
			memset(buf, 0, sizeof(buf));
			ret = (int)rw_ret(read(nb, buf, sizeof(buf)));
			if (ret == 4 && strcmp(buf, "meet"))
				ret = -EPROTO;
		}
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	EXPECT_EQ(4, rw_ret(write(fd, "meet", 4)));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(4, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(kid)));
	EXPECT_EQ(0, mb_msgs(fd));
	close(rfd);
	close(nb);
	mb_destroy_name(name);
	close(fd);
}

/* A write() of @len bytes: 0 when all of it was sent, or -errno. */
static int plain(int fd, const void *buf, unsigned int len)
{
	ssize_t ret = write(fd, buf, len);

	if (ret < 0)
		return -errno;
	return ret == len ? 0 : -EIO;
}

#define RW_PLAIN_LONG	16383

/* A write() is a message of priority 0 like any other, stamped alike. */
TEST_F(rw, plain_send)
{
	struct msgbox_send_args a;
	struct msgbox_recv_args r;
	char *out, *in;

	out = malloc(RW_PLAIN_LONG);
	in = malloc(RW_MAX);
	ASSERT_TRUE(out && in);
	mb_send_args(&a, "first", 5, 0);
	ASSERT_EQ(0, mb_ioctl(self->nb, MSGBOX_IOC_SEND, &a));
	EXPECT_EQ(0, plain(self->nb, "hello", 6));
	EXPECT_EQ(5, mb_raw_recv(self->nb, in, RW_MAX, &r));
	EXPECT_EQ(a.id, r.id);

	memset(&r, 0xee, sizeof(r));
	EXPECT_EQ(6, mb_raw_recv(self->nb, in, RW_MAX, &r));
	EXPECT_STREQ("hello", in);
	EXPECT_EQ(6U, r.len);
	EXPECT_EQ(0U, r.prio);
	EXPECT_EQ(a.id + 1, r.id);
	EXPECT_EQ(0ULL, r.key);
	EXPECT_EQ(0U, r.csum);
	EXPECT_EQ(0U, r.msg_flags);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);

	/* Empty, and longer. */
	EXPECT_EQ(0, plain(self->nb, NULL, 0));
	mb_fill(out, RW_PLAIN_LONG, 11);
	EXPECT_EQ(0, plain(self->nb, out, RW_PLAIN_LONG));
	EXPECT_EQ(0, rw_ret(read(self->nb, in, RW_MAX)));
	memset(in, 0, RW_MAX);
	EXPECT_EQ(RW_PLAIN_LONG, rw_ret(read(self->nb, in, RW_MAX)));
	EXPECT_TRUE(mb_check(in, RW_PLAIN_LONG, 11));

	/* Behind a message of higher priority, as priority 0. */
	mb_send_args(&a, "urgent", 6, 1);
	ASSERT_EQ(0, mb_ioctl(self->nb, MSGBOX_IOC_SEND, &a));
	EXPECT_EQ(0, plain(self->nb, "later", 5));
	EXPECT_EQ(-EAGAIN, plain(self->nb, "full", 4));
	EXPECT_EQ(6, mb_raw_recv(self->nb, in, RW_MAX, &r));
	EXPECT_EQ(1U, r.prio);
	EXPECT_EQ(5, mb_raw_recv(self->nb, in, RW_MAX, &r));
	EXPECT_EQ(0U, r.prio);
	EXPECT_EQ(0, mb_msgs(self->nb));
	free(out);
	free(in);
}

/*
 * A write() fails with the mailbox's limit before a bad payload pointer,
 * and sends nothing. Command number 9, a send with the length in the
 * command in development versions, is no command of the interface.
 */
TEST_F(rw, plain_send_errors)
{
	struct msgbox_attr attr = { .capacity = RW_CAP, .max_msg_size = 16 };
	unsigned int nr = 9;
	char name[160], got[4], *bad = mb_unmapped(), *edge;
	int fd, rd, wr, dev;

	snprintf(name, sizeof(name), "%s-16", self->name);
	fd = msgbox_create(name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EMSGSIZE, plain(fd, bad, 17));
	EXPECT_EQ(-EFAULT, plain(fd, bad, 16));
	/* A payload whose last bytes are past the end of its mapping. */
	edge = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, edge);
	ASSERT_EQ(0, munmap(edge + 4096, 4096));
	EXPECT_EQ(-EFAULT, plain(fd, edge + 4096 - 4, 8));
	EXPECT_EQ(0, plain(fd, edge + 4096 - 4, 4));
	EXPECT_EQ(1, mb_msgs(fd));
	EXPECT_EQ(4, rw_ret(read(fd, got, sizeof(got))));
	munmap(edge, 4096);
	EXPECT_EQ(0, mb_msgs(fd));

	EXPECT_EQ(-ENOTTY, mb_ioctl(fd, _IOC(_IOC_NONE, MSGBOX_IOC_MAGIC, nr, 4),
				    "none"));
	EXPECT_EQ(-ENOTTY, mb_ioctl(fd, _IOC(_IOC_WRITE, MSGBOX_IOC_MAGIC, nr, 4),
				    "writ"));
	EXPECT_EQ(-ENOTTY, mb_ioctl(fd, _IOC(_IOC_READ, MSGBOX_IOC_MAGIC, nr, 4),
				    "read"));
	EXPECT_EQ(-ENOTTY,
		  mb_ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, MSGBOX_IOC_MAGIC,
				    nr, 4), "both"));
	EXPECT_EQ(0, mb_msgs(fd));

	rd = msgbox_open(name, O_RDONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, rd);
	wr = msgbox_open(name, O_WRONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, wr);
	EXPECT_EQ(-EBADF, plain(rd, "x", 1));
	EXPECT_EQ(0, plain(wr, "x", 1));
	EXPECT_EQ(1, mb_msgs(fd));
	dev = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENOTCONN, plain(dev, "x", 1));

	ASSERT_EQ(0, msgbox_destroy(name));
	EXPECT_EQ(-EIDRM, plain(wr, "x", 1));
	EXPECT_EQ(-EIDRM, plain(fd, bad, 17));
	close(dev);
	close(wr);
	close(rd);
	close(fd);
}

/* A plain send blocks on a full mailbox until a receive makes room. */
TEST_F(rw, plain_send_blocks)
{
	char buf[16];
	int rfd, ret, i;

	for (i = 0; i < RW_CAP; i++)
		ASSERT_EQ(0, plain(self->nb, "f", 1));
	EXPECT_EQ(-EAGAIN, plain(self->nb, "f", 1));
	self->kid = rw_fork_reader(self->nb, &rfd);
	ASSERT_LE(0, self->kid);
	EXPECT_EQ(0, plain(self->fd, "last", 4));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_EQ(RW_CAP, mb_msgs(self->nb));
	for (i = 1; i < RW_CAP; i++)
		EXPECT_EQ(1, rw_ret(read(self->nb, buf, sizeof(buf))));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, rw_ret(read(self->nb, buf, sizeof(buf))));
	EXPECT_STREQ("last", buf);
	close(rfd);
}

TEST_HARNESS_MAIN
