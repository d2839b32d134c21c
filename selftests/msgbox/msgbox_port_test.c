// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox ports: direct addressing by PID. Sending to a child's port and
 * children sending to the parent's, ESRCH and EBUSY, a port's end with its
 * owner (and a sender blocked on it), and the write access a send needs.
 */
#include "mp_fixture.h"

/*
 * Ports. A port child registers its port, reports its result, then does
 * what @after says and holds on until the parent closes @go.
 */
struct port_report {
	int port;
	int recv_ret;
	pid_t from;
	char data[16];
	unsigned int mb_flags;
	pid_t owner;
};

static pid_t port_child(int *rfd, int go[2], const struct msgbox_attr *attr,
			int do_recv)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 8, 0 },
	};
	struct msgbox_stat_args st;
	struct msgbox_msg_info mi;
	struct port_report r;
	int wfd, fd;
	pid_t pid;
	char b;

	if (pipe(go))
		return -1;
	pid = mb_fork(rfd, &wfd);
	if (pid != 0) {
		close(go[0]);
		return pid;
	}
	close(go[1]);
	memset(&r, 0, sizeof(r));
	fd = msgbox_port(attr, 0);
	r.port = fd;
	if (fd >= 0 && !msgbox_stat(fd, &st)) {
		r.mb_flags = st.mb_flags;
		r.owner = st.owner_pid;
	}
	mb_write_all(wfd, &r, sizeof(r));
	if (do_recv && fd >= 0) {
		memset(&mi, 0, sizeof(mi));
		r.recv_ret = msgbox_recvx(fd, r.data, sizeof(r.data), &ro,
					  &mi);
		r.from = mi.pid;
		mb_write_all(wfd, &r, sizeof(r));
	}
	while (read(go[0], &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

TEST_F(mp, port_send_to_child)
{
	struct port_report r;
	int rfd, go[2], dev;
	pid_t pid;

	pid = port_child(&rfd, go, NULL, 1);
	ASSERT_LT(0, pid);
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	ASSERT_LE(0, r.port);
	EXPECT_EQ(MSGBOX_STAT_PORT, r.mb_flags & MSGBOX_STAT_PORT);
	EXPECT_EQ(pid, r.owner);

	dev = msgbox_dev_open(O_WRONLY);
	ASSERT_LE(0, dev);
	EXPECT_EQ(0, msgbox_send_to(dev, pid, "hi", 2, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_EQ(2, r.recv_ret);
	EXPECT_EQ(0, memcmp(r.data, "hi", 2));
	EXPECT_EQ(getpid(), r.from);
	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(dev);
	close(rfd);
}

TEST_F(mp, port_children_send_to_parent)
{
	struct msgbox_attr attr = { .capacity = 8, .max_msg_size = 64 };
	struct msgbox_msg_info mi;
	int port, rfd[3], wfd, go[2], i, j, ret, found;
	pid_t pid[3];
	char buf[8], b;

	port = msgbox_port(&attr, O_NONBLOCK);
	ASSERT_LE(0, port);
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < 3; i++) {
		pid[i] = mb_fork(&rfd[i], &wfd);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			int fd;

			close(go[1]);
			/* Unbound descriptors, and child 2 a bound one. */
			fd = i == 2 ? self->fd : msgbox_dev_open(O_WRONLY);
			b = (char)('0' + i);
			ret = fd < 0 ? fd :
				msgbox_send_to(fd, getppid(), &b, 1, 0);
			mb_write_all(wfd, &ret, sizeof(ret));
			while (read(go[0], &b, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		add_kid(self, pid[i]);
	}
	close(go[0]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mb_read_all(rfd[i], &ret, sizeof(ret)));
		EXPECT_EQ(0, ret) TH_LOG("child %d", i);
	}
	EXPECT_EQ(3, mb_msgs(port));
	/* Nothing went to the named mailbox of the bound descriptor. */
	EXPECT_EQ(0, mb_msgs(self->fd));
	for (j = 0; j < 3; j++) {
		ASSERT_EQ(1, msgbox_recvx(port, buf, sizeof(buf), NULL, &mi));
		found = 0;
		for (i = 0; i < 3; i++)
			if (mi.pid == pid[i] && buf[0] == '0' + i)
				found = 1;
		EXPECT_TRUE(found) TH_LOG("'%c' from %d", buf[0], mi.pid);
	}
	close(go[1]);
	for (i = 0; i < 3; i++) {
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid[i])));
		close(rfd[i]);
	}
	self->nkids = 0;
	close(port);
}

TEST_F(mp, port_esrch)
{
	struct msgbox_send_args s;
	int rfd, wfd, go[2], dev, status;
	pid_t pid;
	char b;

	ASSERT_EQ(0, pipe(go));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	add_kid(self, pid);
	close(go[0]);
	dev = msgbox_dev_open(O_RDWR);
	ASSERT_LE(0, dev);

	/* Alive, without a port. */
	EXPECT_EQ(-ESRCH, msgbox_send_to(dev, pid, "x", 1, 0));
	mb_send_args(&s, "x", 1, 0);
	s.flags = MSGBOX_SEND_TO_PID;
	s.pid = pid;
	EXPECT_EQ(-ESRCH, mb_ioctl(dev, MSGBOX_IOC_SEND, &s));
	/* Ourselves, without a port. */
	EXPECT_EQ(-ESRCH, msgbox_send_to(dev, getpid(), "x", 1, 0));

	/* Gone altogether. */
	close(go[1]);
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status));
	self->nkids = 0;
	EXPECT_EQ(-ESRCH, msgbox_send_to(dev, pid, "x", 1, 0));
	close(dev);
	close(rfd);
}

TEST_F(mp, port_ebusy)
{
	struct msgbox_open_args a;
	struct port_report r;
	int p1, p2, dev, rfd, go[2];
	pid_t pid;

	p1 = msgbox_port(NULL, 0);
	ASSERT_LE(0, p1);
	EXPECT_EQ(-EBUSY, msgbox_port(NULL, 0));
	dev = msgbox_dev_open(O_RDWR);
	ASSERT_LE(0, dev);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_OPEN_PORT;
	EXPECT_EQ(-EBUSY, mb_ioctl(dev, MSGBOX_IOC_OPEN, &a));

	/* Another process has its own. */
	pid = port_child(&rfd, go, NULL, 0);
	ASSERT_LT(0, pid);
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_LE(0, r.port);
	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rfd);

	/* The port goes with its last descriptor; a new one can be made. */
	close(p1);
	p2 = msgbox_port(NULL, 0);
	EXPECT_LE(0, p2);
	if (p2 >= 0)
		close(p2);
	close(dev);
}

TEST_F(mp, port_gone_when_owner_exits)
{
	struct port_report r;
	int rfd, go[2], dev;
	pid_t pid;

	pid = port_child(&rfd, go, NULL, 0);
	ASSERT_LT(0, pid);
	add_kid(self, pid);
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	ASSERT_LE(0, r.port);
	dev = msgbox_dev_open(O_WRONLY | O_NONBLOCK);
	ASSERT_LE(0, dev);
	EXPECT_EQ(0, msgbox_send_to(dev, pid, "1", 1, 0));

	close(go[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	EXPECT_EQ(-ESRCH, msgbox_send_to(dev, pid, "2", 1, 0));
	close(dev);
	close(rfd);
}

TEST_F(mp, port_blocked_sender_owner_exits)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 64 };
	struct port_report r;
	int rfd, go[2], dev, srfd, wfd, ret;
	pid_t owner, sender;
	char b;

	owner = port_child(&rfd, go, &attr, 0);
	ASSERT_LT(0, owner);
	add_kid(self, owner);
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	ASSERT_LE(0, r.port);
	dev = msgbox_dev_open(O_WRONLY);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, msgbox_send_to(dev, owner, "1", 1, 0));	/* full */

	sender = mb_fork(&srfd, &wfd);
	ASSERT_LE(0, sender);
	if (sender == 0) {
		close(go[1]);		/* only the parent may release the owner */
		b = 'b';
		mb_write_all(wfd, &b, 1);
		ret = msgbox_send_to(dev, owner, "2", 1, 0);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	add_kid(self, sender);
	ASSERT_EQ(0, mb_read_all(srfd, &b, 1));
	ASSERT_EQ(0, mb_wait_sleeping(sender));
	EXPECT_FALSE(mb_readable(srfd, 100));

	close(go[1]);			/* the owner exits */
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(owner)));
	ASSERT_EQ(0, mb_read_all(srfd, &ret, sizeof(ret)));
	EXPECT_TRUE(ret == -EIDRM || ret == -ESRCH)
		TH_LOG("blocked send to a vanished port returned %d", ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(sender)));
	self->nkids = 0;
	close(dev);
	close(rfd);
	close(srfd);
}

TEST_F(mp, port_send_needs_write_access)
{
	int port, rd;

	port = msgbox_port(NULL, O_NONBLOCK);
	ASSERT_LE(0, port);
	rd = msgbox_dev_open(O_RDONLY);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EBADF, msgbox_send_to(rd, getpid(), "x", 1, 0));
	EXPECT_EQ(0, mb_msgs(port));
	close(rd);
	close(port);
}

TEST_HARNESS_MAIN
