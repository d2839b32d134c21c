// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox multi-process tests: producers and consumers on one mailbox,
 * threads sharing a descriptor, descriptors passed over a Unix socket,
 * O_NONBLOCK per open file, and ports (direct addressing by PID).
 */
#include "msgbox_util.h"

#include <pthread.h>
#include <sys/socket.h>

#include <msgbox.h>

#define MAX_PROD	4
#define MAX_CONS	4
#define MAX_PER		400
#define STOP_ID		0xffffU

/* Producers x consumers over one mailbox, in several shapes. */
FIXTURE(pc) {
	int fd;			/* O_RDWR, blocking */
	char name[128];
	pid_t kids[MAX_PROD + MAX_CONS];
	int nkids;
};

FIXTURE_VARIANT(pc) {
	int nprod;
	int ncons;
	unsigned int capacity;
	int per_prod;
};

FIXTURE_VARIANT_ADD(pc, p1_c1) {
	.nprod = 1, .ncons = 1, .capacity = 8, .per_prod = 400,
};
FIXTURE_VARIANT_ADD(pc, p4_c1) {
	.nprod = 4, .ncons = 1, .capacity = 8, .per_prod = 200,
};
FIXTURE_VARIANT_ADD(pc, p1_c4) {
	.nprod = 1, .ncons = 4, .capacity = 8, .per_prod = 400,
};
FIXTURE_VARIANT_ADD(pc, p3_c3) {
	.nprod = 3, .ncons = 3, .capacity = 16, .per_prod = 300,
};
FIXTURE_VARIANT_ADD(pc, p3_c3_capacity1) {
	.nprod = 3, .ncons = 3, .capacity = 1, .per_prod = 150,
};
FIXTURE_VARIANT_ADD(pc, p2_c2_rendezvous) {
	.nprod = 2, .ncons = 2, .capacity = 0, .per_prod = 100,
};

FIXTURE_SETUP(pc)
{
	struct msgbox_attr attr = { .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	attr.capacity = variant->capacity;
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(pc)
{
	int i;

	mb_destroy_name(self->name);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
}

struct pc_msg {
	uint32_t producer;
	uint32_t seq;
};

/* Shared between the consumers and the parent. */
struct pc_board {
	uint32_t count[MAX_PROD][MAX_PER];
	uint32_t got[MAX_CONS];
	uint32_t order_errors;
	uint32_t bad;
	int32_t last_err[MAX_CONS];
};

static void consumer(int fd, struct pc_board *b, int me)
{
	int32_t last[MAX_PROD];
	struct pc_msg m;
	int i, ret;

	for (i = 0; i < MAX_PROD; i++)
		last[i] = -1;
	for (;;) {
		ret = msgbox_recv(fd, &m, sizeof(m), NULL);
		if (ret != (int)sizeof(m)) {
			b->last_err[me] = ret;
			_exit(1);
		}
		if (m.producer == STOP_ID)
			_exit(0);
		if (m.producer >= MAX_PROD || m.seq >= MAX_PER) {
			__atomic_fetch_add(&b->bad, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		/* One producer's messages arrive in order at every consumer. */
		if ((int32_t)m.seq <= last[m.producer])
			__atomic_fetch_add(&b->order_errors, 1,
					   __ATOMIC_SEQ_CST);
		last[m.producer] = (int32_t)m.seq;
		__atomic_fetch_add(&b->count[m.producer][m.seq], 1,
				   __ATOMIC_SEQ_CST);
		b->got[me]++;
	}
}

static void producer(int fd, int me, int n)
{
	struct pc_msg m = { .producer = (uint32_t)me };
	int i;

	for (i = 0; i < n; i++) {
		m.seq = (uint32_t)i;
		if (msgbox_send(fd, &m, sizeof(m), 0))
			_exit(1);
	}
	_exit(0);
}

TEST_F(pc, producers_consumers)
{
	struct pc_msg stop = { .producer = STOP_ID };
	pid_t cons[MAX_CONS], prod[MAX_PROD];
	struct msgbox_stat_args st;
	struct pc_board *b;
	uint32_t total = 0, missing = 0, dup = 0;
	int i, j, rfd, wfd, status;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	for (i = 0; i < variant->ncons; i++) {
		cons[i] = mb_fork(&rfd, &wfd);
		ASSERT_LE(0, cons[i]);
		if (cons[i] == 0)
			consumer(self->fd, b, i);
		self->kids[self->nkids++] = cons[i];
		close(rfd);
	}
	for (i = 0; i < variant->nprod; i++) {
		prod[i] = mb_fork(&rfd, &wfd);
		ASSERT_LE(0, prod[i]);
		if (prod[i] == 0)
			producer(self->fd, i, variant->per_prod);
		self->kids[self->nkids++] = prod[i];
		close(rfd);
	}
	for (i = 0; i < variant->nprod; i++) {
		status = mb_wait_exit(prod[i]);
		EXPECT_TRUE(mb_exited_ok(status))
			TH_LOG("producer %d: status %d", i, status);
	}
	/* All data is queued ahead of the stops (same priority, FIFO). */
	for (i = 0; i < variant->ncons; i++)
		ASSERT_EQ(0, msgbox_send(self->fd, &stop, sizeof(stop), 0));
	for (i = 0; i < variant->ncons; i++) {
		status = mb_wait_exit(cons[i]);
		EXPECT_TRUE(mb_exited_ok(status))
			TH_LOG("consumer %d: status %d, last error %d", i,
			       status, b->last_err[i]);
	}
	self->nkids = 0;

	for (i = 0; i < variant->nprod; i++) {
		for (j = 0; j < variant->per_prod; j++) {
			if (b->count[i][j] == 0)
				missing++;
			else if (b->count[i][j] > 1)
				dup++;
		}
	}
	for (i = 0; i < variant->ncons; i++)
		total += b->got[i];
	EXPECT_EQ(0U, missing);
	EXPECT_EQ(0U, dup);
	EXPECT_EQ(0U, b->bad);
	EXPECT_EQ(0U, b->order_errors);
	EXPECT_EQ((uint32_t)(variant->nprod * variant->per_prod), total);
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(st.sent, st.received);
	EXPECT_EQ((uint64_t)(variant->nprod * variant->per_prod +
			     variant->ncons), st.sent);
	munmap(b, sizeof(*b));
}

/* The other multi-process tests. */
FIXTURE(mp) {
	int fd;			/* O_RDWR, blocking */
	char name[128];
	char name2[160];
	pid_t kids[8];
	int nkids;
};

FIXTURE_SETUP(mp)
{
	struct msgbox_attr attr = { .capacity = 8, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mp)
{
	int i;

	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	close(self->fd);
}

static void add_kid(FIXTURE_DATA(mp) *self, pid_t pid)
{
	if (pid > 0 && self->nkids < (int)MB_ARRAY_SIZE(self->kids))
		self->kids[self->nkids++] = pid;
}

/* Threads of one process receiving on one descriptor. */
struct thr_arg {
	int fd;
	uint32_t *count;
	int n;
	int err;
};

static void *thr_recv(void *p)
{
	struct thr_arg *a = p;
	struct pc_msg m;
	int ret;

	for (;;) {
		ret = msgbox_recv(a->fd, &m, sizeof(m), NULL);
		if (ret != (int)sizeof(m)) {
			a->err = ret;
			break;
		}
		if (m.producer == STOP_ID)
			break;
		if (m.seq < MAX_PER)
			__atomic_fetch_add(&a->count[m.seq], 1,
					   __ATOMIC_SEQ_CST);
		a->n++;
	}
	return NULL;
}

TEST_F(mp, threads_share_descriptor)
{
	struct pc_msg m = { .producer = 0 }, stop = { .producer = STOP_ID };
	static uint32_t count[MAX_PER];
	struct thr_arg args[4];
	pthread_t th[4];
	int i, n = 0, missing = 0;

	memset(count, 0, sizeof(count));
	for (i = 0; i < 4; i++) {
		args[i] = (struct thr_arg){ .fd = self->fd, .count = count };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thr_recv, &args[i]));
	}
	for (m.seq = 0; m.seq < MAX_PER; m.seq++)
		ASSERT_EQ(0, msgbox_send(self->fd, &m, sizeof(m), 0));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, msgbox_send(self->fd, &stop, sizeof(stop), 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_EQ(0, args[i].err);
		n += args[i].n;
	}
	for (i = 0; i < MAX_PER; i++)
		if (count[i] != 1)
			missing++;
	EXPECT_EQ(MAX_PER, n);
	EXPECT_EQ(0, missing);
}

static int send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	char b = 'f';

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = &b;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	char b;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &b;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return 0;
}

struct pass_report {
	int got_fds;
	int recv_ret;
	char data[16];
	int send_on_rd;
	int recv_on_wr;
	int send_ret;
	unsigned int capacity;
};

TEST_F(mp, fd_passing_scm_rights)
{
	struct pass_report r;
	struct msgbox_attr attr = { .capacity = 5, .max_msg_size = 64 };
	int sv[2], fds[2], rfd, wfd, rw;
	char buf[16];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	/* The child exists before the mailbox does. */
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct msgbox_stat_args st;

		memset(&r, 0, sizeof(r));
		close(sv[0]);
		r.got_fds = recv_fds(sv[1], fds, 2) == 0;
		if (r.got_fds) {
			r.recv_ret = msgbox_recv(fds[0], r.data,
						 sizeof(r.data), NULL);
			r.send_on_rd = msgbox_send(fds[0], "x", 1, 0);
			r.recv_on_wr = msgbox_recv(fds[1], buf, sizeof(buf),
						   NULL);
			r.send_ret = msgbox_send(fds[1], "reply", 5, 0);
			if (!msgbox_stat(fds[0], &st))
				r.capacity = st.capacity;
		}
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	add_kid(self, pid);
	close(sv[1]);

	rw = msgbox_create(self->name2, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, rw);
	fds[0] = msgbox_open(self->name2, O_RDONLY, NULL);
	ASSERT_LE(0, fds[0]);
	fds[1] = msgbox_open(self->name2, O_WRONLY, NULL);
	ASSERT_LE(0, fds[1]);
	ASSERT_EQ(0, msgbox_send(rw, "hello", 5, 0));
	ASSERT_EQ(0, send_fds(sv[0], fds, 2));
	close(fds[0]);
	close(fds[1]);

	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(r.got_fds);
	EXPECT_EQ(5, r.recv_ret);
	EXPECT_EQ(0, memcmp(r.data, "hello", 5));
	EXPECT_EQ(-EBADF, r.send_on_rd);
	EXPECT_EQ(-EBADF, r.recv_on_wr);
	EXPECT_EQ(0, r.send_ret);
	EXPECT_EQ(5U, r.capacity);
	EXPECT_EQ(5, msgbox_recv(rw, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "reply", 5));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	self->nkids = 0;
	close(rw);
	close(sv[0]);
	close(rfd);
}

TEST_F(mp, nonblock_is_per_open_file)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 0, 100000000L },
	};
	char buf[8];
	int nb, d, fl;

	nb = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, nb);
	EXPECT_EQ(-EAGAIN, msgbox_recv(nb, buf, sizeof(buf), NULL));
	/* The other descriptor still blocks (until the timeout). */
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(self->fd, buf, sizeof(buf), &ro,
					   NULL));

	/* Clearing it on one file leaves the other alone. */
	fl = fcntl(nb, F_GETFL);
	ASSERT_EQ(0, fcntl(nb, F_SETFL, fl & ~O_NONBLOCK));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL,
			   fcntl(self->fd, F_GETFL) | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(nb, buf, sizeof(buf), &ro, NULL));

	/* A dup shares the open file, and so the flag. */
	d = dup(self->fd);
	ASSERT_LE(0, d);
	EXPECT_EQ(O_NONBLOCK, fcntl(d, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(-EAGAIN, msgbox_recv(d, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL,
			   fcntl(self->fd, F_GETFL) & ~O_NONBLOCK));
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(d, buf, sizeof(buf), &ro, NULL));
	close(d);
	close(nb);
}

TEST_F(mp, one_receiver_per_message)
{
	int rfd[3], wfd, i, ret, seen = 0;
	char buf[8];
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		pid[i] = mb_fork(&rfd[i], &wfd);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			memset(buf, 0, sizeof(buf));
			ret = msgbox_recv(self->fd, buf, sizeof(buf), NULL);
			mb_write_all(wfd, &ret, sizeof(ret));
			mb_write_all(wfd, buf, sizeof(buf));
			_exit(0);
		}
		add_kid(self, pid[i]);
	}
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 3, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "A", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "B", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "C", 1, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mb_read_all(rfd[i], &ret, sizeof(ret)));
		ASSERT_EQ(0, mb_read_all(rfd[i], buf, sizeof(buf)));
		EXPECT_EQ(1, ret);
		if (buf[0] >= 'A' && buf[0] <= 'C')
			seen |= 1 << (buf[0] - 'A');
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid[i])));
		close(rfd[i]);
	}
	self->nkids = 0;
	EXPECT_EQ(7, seen);
	EXPECT_EQ(0, mb_msgs(self->fd));
}

TEST_F(mp, destroy_wakes_all_receivers)
{
	int rfd[3], wfd, i, ret;
	pid_t pid[3];

	for (i = 0; i < 3; i++) {
		pid[i] = mb_fork(&rfd[i], &wfd);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			char buf[8];

			ret = msgbox_recv(self->fd, buf, sizeof(buf), NULL);
			mb_write_all(wfd, &ret, sizeof(ret));
			_exit(0);
		}
		add_kid(self, pid[i]);
	}
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 3, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mb_read_all(rfd[i], &ret, sizeof(ret)));
		EXPECT_EQ(-EIDRM, ret);
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid[i])));
		close(rfd[i]);
	}
	self->nkids = 0;
}

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
