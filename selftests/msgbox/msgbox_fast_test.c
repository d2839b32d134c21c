// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox fast-path tests: the objects of delivered messages are reused for
 * the next messages sent to the same mailbox, a blocking call polls
 * briefly (module parameter poll_ns) before it sleeps, and a plain send or
 * receive of a short message reads its arguments and moves its payload in
 * one pass over user memory.
 *
 * A reused object must never show its previous message: not past the new
 * payload's end, not the previous sender's identity. Polling must spare a
 * process whose peer runs on another CPU the sleep and wake-up, and must
 * not delay one whose peer waits for the same CPU.
 */
#include "msgbox_util.h"

#include <sched.h>
#include <sys/resource.h>

#include <msgbox.h>

#define FAST_CAP	8
#define FAST_MAX	2048
#define POLL_NS_MAX	1000000UL
#define ROUND_TRIPS	400

FIXTURE(fast) {
	char name[128];
	char name2[160];
	int fd;			/* O_RDWR | O_NONBLOCK */
	unsigned long poll_ns;
	int have_poll_ns;
	pid_t kid;
};

FIXTURE_SETUP(fast)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, FAST_CAP, FAST_MAX);
	ASSERT_LE(0, self->fd);
	self->have_poll_ns = !mb_param_read("poll_ns", &self->poll_ns);
}

FIXTURE_TEARDOWN(fast)
{
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	if (self->have_poll_ns)
		mb_param_write("poll_ns", self->poll_ns);
	close(self->fd);
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
}

/*
 * Sends @len bytes of @fill, receives them into a buffer of FAST_MAX bytes
 * of 0xa5 and checks that exactly the payload changed.
 */
static int fast_round(int fd, unsigned int len, unsigned char fill)
{
	static unsigned char out[FAST_MAX], in[FAST_MAX];
	unsigned int i;
	int ret;

	memset(out, fill, len);
	memset(in, 0xa5, sizeof(in));
	ret = mb_raw_send(fd, out, len, 0);
	if (ret)
		return ret;
	ret = mb_raw_recv(fd, in, sizeof(in), NULL);
	if (ret != (int)len)
		return ret < 0 ? ret : -EPROTO;
	for (i = 0; i < sizeof(in); i++)
		if (in[i] != (i < len ? fill : 0xa5))
			return -EBADMSG;
	return 0;
}

/* A shorter message in a reused object shows none of the longer one. */
TEST_F(fast, reused_object_shows_no_stale_bytes)
{
	/* 64 then 40 bytes share the 128-byte class; 1900 and 1000 the 2 KiB. */
	ASSERT_EQ(0, fast_round(self->fd, 64, 0x11));
	ASSERT_EQ(0, fast_round(self->fd, 40, 0x22));
	ASSERT_EQ(0, fast_round(self->fd, 33, 0x23));
	ASSERT_EQ(0, fast_round(self->fd, 1900, 0x33));
	ASSERT_EQ(0, fast_round(self->fd, 1000, 0x44));
	ASSERT_EQ(0, fast_round(self->fd, 0, 0x55));
}

/* Payloads of every size class, queued two at a time, arrive intact. */
TEST_F(fast, sizes_across_classes)
{
	static const unsigned int sizes[] = {
		0, 1, 31, 32, 33, 63, 64, 65, 191, 192, 193, 447, 448, 449,
		959, 960, 961, 1983, 1984, 1985, 2048, 64, 1984, 33, 0, 2047,
	};
	static unsigned char buf[FAST_MAX];
	unsigned int i, j;

	for (i = 0; i + 1 < MB_ARRAY_SIZE(sizes); i++) {
		for (j = i; j <= i + 1; j++) {
			mb_fill(buf, sizes[j], j);
			ASSERT_EQ(0, mb_raw_send(self->fd, buf, sizes[j], 0));
		}
		for (j = i; j <= i + 1; j++) {
			memset(buf, 0, sizeof(buf));
			ASSERT_EQ((int)sizes[j],
				  mb_raw_recv(self->fd, buf, sizeof(buf), NULL))
				TH_LOG("size %u", sizes[j]);
			ASSERT_TRUE(mb_check(buf, sizes[j], j))
				TH_LOG("size %u", sizes[j]);
		}
	}
}

/*
 * A message sent by another process, with other credentials, in an object
 * the caller's own message used before, carries the new sender's PID, UID
 * and GID.
 */
TEST_F(fast, reused_object_stamped_anew)
{
	struct msgbox_recv_args r;
	char buf[64];
	int rfd, wfd, status;
	pid_t pid;

	ASSERT_EQ(0, fast_round(self->fd, 64, 0x66));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Root drops to nobody; others send as themselves. */
		if (geteuid() == 0 &&
		    (setresgid(65534, 65534, 65534) ||
		     setresuid(65534, 65534, 65534)))
			_exit(2);
		memset(buf, 0x77, sizeof(buf));
		_exit(mb_raw_send(self->fd, buf, sizeof(buf), 0) ? 3 : 0);
	}
	close(rfd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(mb_exited_ok(status));
	ASSERT_EQ(64, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(pid, r.pid);
	if (geteuid() == 0) {
		EXPECT_EQ(65534U, r.uid);
		EXPECT_EQ(65534U, r.gid);
	} else {
		EXPECT_EQ(geteuid(), r.uid);
		EXPECT_EQ(getegid(), r.gid);
	}
}

/* poll_ns takes 0 to 1 ms and refuses anything else. */
TEST_F(fast, poll_ns_bounds)
{
	unsigned long v;

	if (!self->have_poll_ns)
		SKIP(return, "cannot read %s/poll_ns", MB_PARAM_DIR);
	if (geteuid() != 0)
		SKIP(return, "changing module parameters needs root");
	ASSERT_EQ(0, mb_param_write("poll_ns", POLL_NS_MAX));
	ASSERT_EQ(0, mb_param_read("poll_ns", &v));
	EXPECT_EQ(POLL_NS_MAX, v);
	EXPECT_EQ(-EINVAL, mb_param_write("poll_ns", POLL_NS_MAX + 1));
	ASSERT_EQ(0, mb_param_read("poll_ns", &v));
	EXPECT_EQ(POLL_NS_MAX, v);
	ASSERT_EQ(0, mb_param_write("poll_ns", 0));
	ASSERT_EQ(0, mb_param_read("poll_ns", &v));
	EXPECT_EQ(0UL, v);
}

static int fast_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/*
 * @rounds round trips from CPU 0 to an echo process on @peer_cpu, through
 * two blocking mailboxes. Returns the voluntary context switches of the
 * caller during them, or -1; *@ms gets the time they took.
 */
static long fast_ping(FIXTURE_DATA(fast) *self, int peer_cpu, int rounds,
		      uint64_t *ms)
{
	char buf[64] = "ping";
	struct rusage r0, r1;
	int a, b, rfd, wfd, i;
	uint64_t start;
	pid_t pid;

	a = msgbox_open(self->name, O_RDWR, NULL);
	b = mb_new(self->name2, O_RDWR, FAST_CAP, FAST_MAX);
	if (a < 0 || b < 0)
		return -1;
	pid = mb_fork(&rfd, &wfd);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (fast_pin(peer_cpu))
			_exit(2);
		for (;;) {
			int n = msgbox_recv(a, buf, sizeof(buf), NULL);

			if (n < 0 || msgbox_send(b, buf, n, 0))
				_exit(3);
		}
	}
	self->kid = pid;
	close(rfd);
	if (fast_pin(0))
		return -1;
	/* Warm up: the echo process is running and its pages are in. */
	for (i = 0; i < 20; i++)
		if (msgbox_send(a, buf, 4, 0) != 0 ||
		    msgbox_recv(b, buf, sizeof(buf), NULL) != 4)
			return -1;
	getrusage(RUSAGE_SELF, &r0);
	start = mb_now_ns();
	for (i = 0; i < rounds; i++)
		if (msgbox_send(a, buf, 4, 0) != 0 ||
		    msgbox_recv(b, buf, sizeof(buf), NULL) != 4)
			return -1;
	*ms = mb_ms_since(start);
	getrusage(RUSAGE_SELF, &r1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	self->kid = 0;
	close(a);
	close(b);
	mb_destroy_name(self->name2);
	return r1.ru_nvcsw - r0.ru_nvcsw;
}

/*
 * With the peer on another CPU, a receive polls and finds the reply
 * without sleeping; with polling off, nearly every receive sleeps. The
 * window is the largest allowed (1 ms), so that only a stall of the
 * machine itself makes a poll miss.
 */
TEST_F(fast, peer_on_other_cpu_no_sleep)
{
	long with, without;
	uint64_t ms;

	if (!self->have_poll_ns || geteuid() != 0)
		SKIP(return, "needs root and %s/poll_ns", MB_PARAM_DIR);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, mb_param_write("poll_ns", POLL_NS_MAX));
	with = fast_ping(self, 1, ROUND_TRIPS, &ms);
	ASSERT_LE(0, with);
	ASSERT_EQ(0, mb_param_write("poll_ns", 0));
	without = fast_ping(self, 1, ROUND_TRIPS, &ms);
	ASSERT_LE(0, without);
	TH_LOG("sleeps in %d round trips: %ld polling, %ld not", ROUND_TRIPS,
	       with, without);
	EXPECT_GT(ROUND_TRIPS / 4, with);
	EXPECT_LT(ROUND_TRIPS / 2, without);
}

/*
 * With the peer on the same CPU, a receive does not poll: the peer could
 * not run meanwhile. A receive that polled would wait out the whole
 * window (1 ms) each time, twice per round trip; the round trips are
 * timed against the same number with polling off, so that a slow
 * (debug) kernel does not matter.
 */
TEST_F(fast, peer_on_same_cpu_no_poll)
{
	uint64_t with, without;

	if (!self->have_poll_ns || geteuid() != 0)
		SKIP(return, "needs root and %s/poll_ns", MB_PARAM_DIR);
	ASSERT_EQ(0, mb_param_write("poll_ns", 0));
	ASSERT_LE(0, fast_ping(self, 0, ROUND_TRIPS, &without));
	ASSERT_EQ(0, mb_param_write("poll_ns", POLL_NS_MAX));
	ASSERT_LE(0, fast_ping(self, 0, ROUND_TRIPS, &with));
	TH_LOG("%d round trips on one CPU: %llu ms polling, %llu ms not",
	       ROUND_TRIPS, (unsigned long long)with,
	       (unsigned long long)without);
	/* Polling each time would add at least 2 * ROUND_TRIPS ms. */
	EXPECT_GT(without * 3 / 2 + ROUND_TRIPS / 2, with);
}

/*
 * A memfd of @pages pages holding @init (may be NULL) at @off, mapped at
 * @at (NULL: anywhere) without touching it: its pages are in the page
 * cache but not mapped into this process yet, so the kernel's first access
 * to each one faults.
 */
static void *fast_cold_map(void *at, size_t pages, const void *init,
			   size_t len, off_t off)
{
	size_t size = pages * 4096;
	void *p;
	int fd;

	fd = memfd_create("msgbox-fast", 0);
	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, size) ||
	    (init && pwrite(fd, init, len, off) != (ssize_t)len)) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(at, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
	close(fd);
	return p;
}

/* MSGBOX_SEND_NORESULT: nothing is written back, success or failure. */
TEST_F(fast, noresult_writes_nothing_back)
{
	struct msgbox_send_args a;
	struct msgbox_recv_args r;
	char buf[64] = "no result";

	mb_send_args(&a, buf, 10, 2);
	a.flags = MSGBOX_SEND_NORESULT;
	a.id = 0x1122334455667788ULL;
	a.result = 0x99;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
	EXPECT_EQ(0x1122334455667788ULL, a.id);
	EXPECT_EQ(0x99U, a.result);
	EXPECT_EQ(MSGBOX_SEND_NORESULT, a.flags);

	/* With a key, and through the general way (a long payload). */
	a.flags = MSGBOX_SEND_NORESULT | MSGBOX_SEND_KEY;
	a.key = 5;
	a.len = sizeof(buf);
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
	EXPECT_EQ(0x1122334455667788ULL, a.id);
	EXPECT_EQ(0x99U, a.result);

	/* A failed send leaves them alone too. */
	a.len = FAST_MAX + 1;
	EXPECT_EQ(-EMSGSIZE, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
	EXPECT_EQ(0x1122334455667788ULL, a.id);

	/* Both arrived, with ids; the plain send still reports its id. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(10, mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_STREQ("no result", buf);
	EXPECT_EQ(2U, r.prio);
	EXPECT_NE(0ULL, r.id);
	ASSERT_EQ((int)sizeof(buf), mb_raw_recv(self->fd, buf, sizeof(buf), &r));
	EXPECT_EQ(MSGBOX_MSG_KEY, r.msg_flags);
	EXPECT_EQ(5ULL, r.key);
	mb_send_args(&a, buf, 1, 0);
	a.id = 7;
	a.result = 7;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
	EXPECT_GT(a.id, r.id);
	EXPECT_EQ(0U, a.result);

	/* The bit above the last flag is still refused. */
	a.flags = MSGBOX_SEND_TOKEN << 1;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
}

/*
 * A plain receive of a queued message writes every field a general one
 * does, and leaves the fields it only reads as they were.
 */
TEST_F(fast, plain_receive_fills_every_field)
{
	struct msgbox_send_args a;
	struct msgbox_recv_args r;
	unsigned char out[100], in[128];

	mb_fill(out, sizeof(out), 7);
	mb_send_args(&a, out, sizeof(out), 9);
	a.flags = MSGBOX_SEND_KEY | MSGBOX_SEND_CSUM;
	a.key = 0xabcdef;
	a.csum = msgbox_crc32c(out, sizeof(out));
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));

	memset(&r, 0xee, sizeof(r));
	mb_recv_args(&r, in, sizeof(in));
	r.deadline_ns = 12345;		/* ignored without its flag */
	r.from_pid = -3;		/* ignored without its flag */
	ASSERT_EQ((int)sizeof(out), mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_TRUE(mb_check(in, sizeof(out), 7));
	EXPECT_EQ(sizeof(r), r.size);
	EXPECT_EQ(0U, r.flags);
	EXPECT_EQ((uintptr_t)in, r.buf);
	EXPECT_EQ(sizeof(in), r.buf_len);
	EXPECT_EQ(sizeof(out), r.len);
	EXPECT_EQ(12345ULL, r.deadline_ns);
	EXPECT_EQ(-3, r.from_pid);
	EXPECT_EQ(9U, r.prio);
	EXPECT_EQ(a.id, r.id);
	EXPECT_EQ(0xabcdefULL, r.key);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(geteuid(), r.uid);
	EXPECT_EQ(getegid(), r.gid);
	EXPECT_EQ(a.csum, r.csum);
	EXPECT_EQ(MSGBOX_MSG_KEY | MSGBOX_MSG_CSUM, r.msg_flags);
	EXPECT_EQ(0U, r.__reserved);

	/* Too small a buffer: -EMSGSIZE with the length, the message stays. */
	ASSERT_EQ(0, mb_raw_send(self->fd, out, sizeof(out), 0));
	ASSERT_EQ(-EMSGSIZE, mb_raw_recv(self->fd, in, sizeof(out) - 1, &r));
	EXPECT_EQ(sizeof(out), r.len);
	EXPECT_EQ(1, mb_msgs(self->fd));
	/* Reserved bits and unknown flags are refused, not ignored. */
	mb_recv_args(&r, in, sizeof(in));
	r.__reserved = 1;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	mb_recv_args(&r, in, sizeof(in));
	r.flags = MSGBOX_RECV_FLAGS + 1;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

/*
 * Arguments, payloads and buffers in memory the process has not touched
 * yet: a receive that finds it not resident goes the general way, which
 * faults it in; a send faults its payload in as it copies.
 */
TEST_F(fast, memory_not_yet_mapped)
{
	struct msgbox_send_args a;
	struct msgbox_recv_args r;
	unsigned char pay[200], *m;

	mb_fill(pay, sizeof(pay), 3);
	/* Page 0: the payload; page 1: send arguments; page 2: receive's. */
	mb_send_args(&a, NULL, sizeof(pay), 1);
	m = fast_cold_map(NULL, 4, pay, sizeof(pay), 0);
	ASSERT_NE(MAP_FAILED, m);
	a.buf = (uintptr_t)m;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &a));
	munmap(m, 4 * 4096);

	/*
	 * Receive arguments and buffer both on pages not mapped in yet: the
	 * place is reserved first, so that the arguments can point into it
	 * before they are written to the file.
	 */
	m = mmap(NULL, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	mb_recv_args(&r, m + 2 * 4096, 4096);
	ASSERT_EQ(m, fast_cold_map(m, 4, &r, sizeof(r), 4096));
	ASSERT_EQ((int)sizeof(pay),
		  mb_ioctl(self->fd, MSGBOX_IOC_RECV, m + 4096));
	EXPECT_TRUE(mb_check(m + 2 * 4096, sizeof(pay), 3));
	EXPECT_EQ(1U, ((struct msgbox_recv_args *)(m + 4096))->prio);
	EXPECT_EQ(sizeof(pay), ((struct msgbox_recv_args *)(m + 4096))->len);
	munmap(m, 4 * 4096);
	EXPECT_EQ(0, mb_msgs(self->fd));
}

/*
 * A short plain send copies its payload in with its arguments, but fails
 * as before: a mailbox's size limit and its destruction come before a bad
 * payload pointer, and a bad pointer queues nothing.
 */
TEST_F(fast, short_send_errors_in_order)
{
	void *bad = mb_unmapped();
	int fd;

	fd = mb_new(self->name2, O_RDWR | O_NONBLOCK, FAST_CAP, 16);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EMSGSIZE, mb_raw_send(fd, bad, 17, 0));
	EXPECT_EQ(-EFAULT, mb_raw_send(fd, bad, 16, 0));
	EXPECT_EQ(-EFAULT, mb_raw_send(fd, (char *)bad + 4090, 12, 0));
	EXPECT_EQ(0, mb_msgs(fd));
	ASSERT_EQ(0, mb_raw_destroy_bound(fd));
	EXPECT_EQ(-EIDRM, mb_raw_send(fd, bad, 8, 0));
	close(fd);
}

TEST_HARNESS_MAIN
