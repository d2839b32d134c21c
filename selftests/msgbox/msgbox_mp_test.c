// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox multi-process tests: producers and consumers on one mailbox,
 * threads sharing a descriptor, descriptors passed over a Unix socket,
 * O_NONBLOCK per open file, one receiver per message, and destroy waking
 * every receiver.
 */
#include "mp_fixture.h"

#include <pthread.h>
#include <sys/socket.h>

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

/* The other multi-process tests: see mp_fixture.h. */

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

TEST_HARNESS_MAIN
