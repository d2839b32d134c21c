// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox direct hand-off: a large message sent while a receiver waits on an
 * empty mailbox is copied once, straight into the receiver's buffer. These
 * tests check it delivers intact and in place, that a sender's fault
 * delivers nothing and leaves the receiver waiting, that destroy still
 * wakes the receiver, and that a receiver killed while a sender is copying
 * into its buffer loses nothing: the message is queued for the next one.
 */
#include "msgbox_util.h"

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <msgbox.h>

#define BIG	65536

FIXTURE(direct) {
	char name[128];
	int fd;
	pid_t kid;
};

FIXTURE_SETUP(direct)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR, 4, BIG);
	ASSERT_LE(0, self->fd);
	self->kid = 0;
}

FIXTURE_TEARDOWN(direct)
{
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
	mb_destroy_name(self->name);
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

/*
 * A child receiving one message into an unaligned @len-byte buffer; it
 * reports the length and whether the bytes match fill(seed).
 */
static pid_t receiver(const char *name, size_t len, unsigned int seed,
		      int *rfd)
{
	unsigned char *buf, *want;
	int wfd, fd, res[2];
	pid_t pid;

	pid = mb_fork(rfd, &wfd);
	if (pid != 0)
		return pid;
	alarm(20);
	buf = malloc(len + 1);
	want = malloc(len);
	fd = msgbox_open(name, O_RDONLY, NULL);
	res[0] = fd < 0 ? fd : msgbox_recv(fd, buf + 1, len, NULL);
	fill(want, len, seed);
	res[1] = res[0] > 0 && !memcmp(buf + 1, want, res[0]);
	mb_write_all(wfd, res, sizeof(res));
	_exit(0);
}

TEST_F(direct, large_message_lands_in_waiting_receiver)
{
	struct msgbox_send_info info = { 0 };
	struct msgbox_stat_args st;
	unsigned char *msg;
	int rfd, res[2];

	msg = malloc(BIG);
	ASSERT_NE(NULL, msg);
	fill(msg, BIG, 3);
	self->kid = receiver(self->name, BIG, 3, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_sendx(self->fd, msg, BIG, NULL, &info));
	/* Handed over at once: the send knows it was taken. */
	EXPECT_EQ(1, info.delivered);
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(BIG, res[0]);
	EXPECT_EQ(1, res[1]);
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(1ULL, st.sent);
	EXPECT_EQ(1ULL, st.received);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	free(msg);
}

TEST_F(direct, small_message_takes_the_queue)
{
	struct msgbox_send_info info = { 0 };
	int rfd, res[2];
	unsigned char msg[100];

	fill(msg, sizeof(msg), 9);
	self->kid = receiver(self->name, BIG, 9, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_sendx(self->fd, msg, sizeof(msg), NULL, &info));
	EXPECT_EQ(0, info.delivered);
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ((int)sizeof(msg), res[0]);
	EXPECT_EQ(1, res[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
}

TEST_F(direct, sender_fault_delivers_nothing)
{
	unsigned char *page, *msg;
	int rfd, res[2];

	/* A payload whose second half is unmapped. */
	page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	self->kid = receiver(self->name, BIG, 5, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	EXPECT_EQ(-EFAULT, msgbox_send(self->fd, page, 8192, 0));
	/* The receiver is still waiting and takes the next message. */
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	msg = malloc(BIG);
	ASSERT_NE(NULL, msg);
	fill(msg, 4096, 5);
	ASSERT_EQ(0, msgbox_send(self->fd, msg, 4096, 0));
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(4096, res[0]);
	EXPECT_EQ(1, res[1]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	munmap(page, 4096);
	free(msg);
}

TEST_F(direct, destroy_wakes_registered_receiver)
{
	int rfd, res[2];

	self->kid = receiver(self->name, BIG, 1, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(-EIDRM, res[0]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
}

struct stalled_send {
	int fd;
	void *src;
	int ret;
};

static void *stalled_sender(void *arg)
{
	struct stalled_send *s = arg;

	s->ret = msgbox_send(s->fd, s->src, 8192, 0);
	return NULL;
}

/*
 * The sender's payload sits in a userfaultfd range, so its large send to
 * the registered receiver stalls on the first page (the kernel faults the
 * payload in before it claims a receiver's buffer) until the test resolves
 * the fault. Meanwhile the receiver is killed: the message must then be
 * queued, intact, not lost.
 */
TEST_F(direct, receiver_killed_during_handoff)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_copy copy = { 0 };
	struct stalled_send s = { 0 };
	struct uffd_msg ev;
	struct pollfd pfd;
	unsigned char *src, *page, *buf, *want;
	int uffd, rfd, status, n;
	pthread_t t;

	if (geteuid() != 0)
		SKIP(return, "userfaultfd on kernel copies needs privilege");
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	src = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	reg.range.start = (uintptr_t)src;
	reg.range.len = 2 * 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	self->kid = receiver(self->name, BIG, 11, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));

	s.fd = self->fd;
	s.src = src;
	ASSERT_EQ(0, pthread_create(&t, NULL, stalled_sender, &s));
	/* The sender is in its send, faulting on the payload. */
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	ASSERT_EQ((ssize_t)sizeof(ev), read(uffd, &ev, sizeof(ev)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, ev.event);

	kill(self->kid, SIGKILL);
	status = mb_wait_exit(self->kid);
	EXPECT_TRUE(WIFSIGNALED(status));
	self->kid = 0;
	close(rfd);

	/* Resolve both pages with the payload; the sender goes on. */
	page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	fill(page, 8192, 11);
	copy.dst = (uintptr_t)src;
	copy.src = (uintptr_t)page;
	copy.len = 2 * 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, s.ret);

	/* Nothing lost: the message waits in the queue, intact. */
	buf = malloc(BIG);
	want = malloc(8192);
	ASSERT_NE(NULL, buf);
	fill(want, 8192, 11);
	n = msgbox_recv(self->fd, buf, BIG, NULL);
	EXPECT_EQ(8192, n);
	EXPECT_EQ(0, memcmp(buf, want, 8192));
	free(buf);
	free(want);
	munmap(page, 2 * 4096);
	munmap(src, 2 * 4096);
	close(uffd);
}

TEST_HARNESS_MAIN
