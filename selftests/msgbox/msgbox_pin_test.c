// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox and user memory held on a caller's behalf (root only: the test
 * process mounts a ramfs, uses userfaultfd on kernel copies and runs the
 * user's part as nobody).
 *
 *  - A blocked receiver's buffer pinned for a direct hand-off is charged
 *    to RLIMIT_MEMLOCK and shown in VmPin; when the charge is refused the
 *    message takes the ordinary path. A buffer in a shared file mapping
 *    is never pinned.
 *  - An acknowledged sender whose receiver stalls while copying the
 *    message out is not held past its deadline, nor past a signal: it
 *    returns EINPROGRESS (the message may still be delivered), and the
 *    receiver still gets the message intact.
 */
#include "msgbox_unpriv.h"

#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/mount.h>

#include <msgbox.h>

#define MEMLOCK_LIMIT	(64 << 10)
#define ONE_MIB		(1 << 20)
#define SMALL_BUF	(16 << 10)

/* A receiving thread: one message into @buf, checked against @want. */
struct pin_rx {
	int fd;
	unsigned char *buf;
	size_t len;
	const unsigned char *want;
	size_t want_len;
	pthread_t t;
	int ret;
	int intact;
	int done;
};

static void *pin_receive(void *arg)
{
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT,
				       .timeout = { 20, 0 } };
	struct pin_rx *rx = arg;

	rx->ret = msgbox_recvx(rx->fd, rx->buf, rx->len, &ro, NULL);
	/* Without @want, the caller checks the buffer itself. */
	rx->intact = rx->want && rx->ret == (int)rx->want_len &&
		     !memcmp(rx->buf, rx->want, rx->want_len);
	__atomic_store_n(&rx->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Waits up to MB_WAIT_MS for @n receivers to finish; how many did. */
static int pin_join(struct pin_rx *rx, int n)
{
	uint64_t start = mb_now_ns();
	int i, joined = 0;

	for (i = 0; i < n; i++) {
		while (!__atomic_load_n(&rx[i].done, __ATOMIC_SEQ_CST) &&
		       mb_ms_since(start) < MB_WAIT_MS)
			mb_sleep_ms(1);
		if (!__atomic_load_n(&rx[i].done, __ATOMIC_SEQ_CST))
			continue;
		pthread_join(rx[i].t, NULL);
		joined++;
	}
	return joined;
}

/*
 * One receiver blocked on @fd with @buf (@len bytes), then a message of
 * @msg_len bytes. *@pinned gets VmPin while it was blocked; returns 1 when
 * the message arrived intact, else 0 or -errno.
 */
static int pin_one(int fd, unsigned char *buf, size_t len, size_t msg_len,
		   unsigned int seed, long *pinned)
{
	struct pin_rx rx = { .fd = fd, .buf = buf, .len = len,
			     .want_len = msg_len };
	unsigned char *msg;
	int ret;

	msg = malloc(msg_len);
	if (!msg)
		return -ENOMEM;
	mb_fill(msg, msg_len, seed);
	rx.want = msg;
	if (pthread_create(&rx.t, NULL, pin_receive, &rx))
		return -EAGAIN;
	ret = mb_wait_waiters(fd, 1, 0);
	*pinned = mb_status_kb("VmPin");
	if (!ret)
		ret = msgbox_send(fd, msg, msg_len, 0);
	if (pin_join(&rx, 1) != 1)
		return -ETIMEDOUT;	/* the thread ends with the child */
	free(msg);
	if (ret)
		return ret;
	return rx.ret < 0 ? rx.ret : rx.intact;
}

FIXTURE(pin) {
	char name[128];
	char dir[64];
	int mounted;
};

FIXTURE_SETUP(pin)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("needs root to change users and mount a ramfs");
	if (mb_status_kb("VmPin") < 0)
		MB_SETUP_SKIP("no VmPin in /proc/self/status");
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(pin)
{
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	if (self->dir[0])
		rmdir(self->dir);
	mb_destroy_name(self->name);
}

#define PIN_RECEIVERS	20

struct pin_report {
	int create;
	int limit;
	long base;
	long one;
	int one_ok;
	long after_one;
	int blocked;
	long many;
	int sent;
	int joined;
	int intact;
	long end;
};

static int pin_many(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = ONE_MIB };
	struct pin_rx rx[PIN_RECEIVERS];
	struct pin_report *r = out;
	unsigned char *small, *msg[PIN_RECEIVERS];
	int fd, i;

	r->limit = mb_set_rlimit(RLIMIT_MEMLOCK, MEMLOCK_LIMIT);
	fd = msgbox_create(arg, &attr, O_RDWR);
	r->create = fd < 0 ? fd : 0;
	if (fd < 0 || r->limit)
		return 0;
	r->base = mb_status_kb("VmPin");

	/* Within the limit: pinned, and shown, while it waits. */
	small = mmap(NULL, SMALL_BUF, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (small == MAP_FAILED)
		return -ENOMEM;
	r->one_ok = pin_one(fd, small, SMALL_BUF, SMALL_BUF, 1, &r->one);
	r->after_one = mb_status_kb("VmPin");

	/* 20 MiB of buffers against 64 KiB: never pinned beyond it. */
	memset(rx, 0, sizeof(rx));
	for (i = 0; i < PIN_RECEIVERS; i++) {
		msg[i] = malloc(ONE_MIB);
		rx[i].buf = mmap(NULL, ONE_MIB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!msg[i] || rx[i].buf == MAP_FAILED)
			return -ENOMEM;
		/* Each payload starts with its index. */
		mb_fill(msg[i], ONE_MIB, (unsigned int)i + 10);
		memcpy(msg[i], &i, sizeof(i));
		rx[i].fd = fd;
		rx[i].len = ONE_MIB;
		rx[i].want_len = ONE_MIB;
	}
	for (i = 0; i < PIN_RECEIVERS; i++)
		if (pthread_create(&rx[i].t, NULL, pin_receive, &rx[i]))
			return -EAGAIN;
	r->blocked = !mb_wait_waiters(fd, PIN_RECEIVERS, 0);
	r->many = mb_status_kb("VmPin");
	/*
	 * Which receiver gets which message is not known in advance: each
	 * checks its buffer against the message its first bytes name.
	 */
	for (i = 0; i < PIN_RECEIVERS; i++)
		if (!msgbox_send(fd, msg[i], ONE_MIB, 0))
			r->sent++;
	r->joined = pin_join(rx, PIN_RECEIVERS);
	for (i = 0; i < PIN_RECEIVERS; i++) {
		int idx;

		if (!rx[i].done || rx[i].ret != ONE_MIB)
			continue;
		memcpy(&idx, rx[i].buf, sizeof(idx));
		if (idx >= 0 && idx < PIN_RECEIVERS &&
		    !memcmp(rx[i].buf, msg[idx], ONE_MIB))
			r->intact++;
	}
	r->end = mb_status_kb("VmPin");
	msgbox_destroy_fd(fd);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(pin, pins_charged_to_memlock, 120)
{
	struct pin_report r;

	ASSERT_EQ(0, mb_run_as(MB_NOBODY, pin_many, self->name, &r, sizeof(r),
			       100 * 1000));
	ASSERT_EQ(0, r.limit);
	ASSERT_EQ(0, r.create);
	EXPECT_EQ(0, r.base);
	EXPECT_LT(0, r.one)
		TH_LOG("VmPin %ld kB with a 16 KiB buffer pinned", r.one);
	EXPECT_GE(MEMLOCK_LIMIT >> 10, r.one);
	EXPECT_EQ(1, r.one_ok);
	EXPECT_EQ(0, r.after_one);
	ASSERT_EQ(1, r.blocked) TH_LOG("the receivers never all blocked");
	EXPECT_GE(MEMLOCK_LIMIT >> 10, r.many)
		TH_LOG("VmPin %ld kB against RLIMIT_MEMLOCK 64 KiB", r.many);
	EXPECT_EQ(PIN_RECEIVERS, r.sent);
	EXPECT_EQ(PIN_RECEIVERS, r.joined);
	EXPECT_EQ(PIN_RECEIVERS, r.intact);
	EXPECT_EQ(0, r.end);
}

struct shared_arg {
	const char *name;
	int file;	/* a file on the ramfs, opened by root */
};

struct shared_report {
	int create;
	int limit;
	long anon_pin;
	int anon_ok;
	long file_pin;
	int file_ok;
	long memfd_pin;
	int memfd_ok;
};

static int pin_shared(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = ONE_MIB };
	struct shared_report *r = out;
	struct shared_arg *a = arg;
	unsigned char *buf;
	int fd, mfd;

	r->limit = mb_set_rlimit(RLIMIT_MEMLOCK, MEMLOCK_LIMIT);
	fd = msgbox_create(a->name, &attr, O_RDWR);
	r->create = fd < 0 ? fd : 0;
	if (fd < 0 || r->limit)
		return 0;

	/* Anonymous memory: pinned while it waits (VmPin says so). */
	buf = mmap(NULL, SMALL_BUF, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	r->anon_ok = pin_one(fd, buf, SMALL_BUF, SMALL_BUF, 2, &r->anon_pin);

	/* A shared mapping of a ramfs file: never pinned. */
	buf = mmap(NULL, SMALL_BUF, PROT_READ | PROT_WRITE, MAP_SHARED,
		   a->file, 0);
	if (buf == MAP_FAILED)
		return -errno;
	r->file_ok = pin_one(fd, buf, SMALL_BUF, SMALL_BUF, 3, &r->file_pin);

	/* Shared memory (memfd): may be pinned; delivered either way. */
	mfd = memfd_create("msgbox-pin", 0);
	if (mfd < 0 && errno == ENOSYS) {
		r->memfd_ok = -ENOSYS;	/* a kernel without memfd */
		goto out;
	}
	if (mfd < 0 || ftruncate(mfd, SMALL_BUF))
		return -errno;
	buf = mmap(NULL, SMALL_BUF, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (buf == MAP_FAILED)
		return -errno;
	r->memfd_ok = pin_one(fd, buf, SMALL_BUF, SMALL_BUF, 4, &r->memfd_pin);
out:
	msgbox_destroy_fd(fd);
	close(fd);
	return 0;
}

TEST_F(pin, shared_file_buffer_not_pinned)
{
	struct shared_arg a = { .name = self->name };
	struct shared_report r;
	char path[96];

	snprintf(self->dir, sizeof(self->dir), "/tmp/msgbox-pin.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	if (mount("ramfs", self->dir, "ramfs", 0, "mode=0755"))
		SKIP(return, "cannot mount a ramfs: %s", strerror(errno));
	self->mounted = 1;
	snprintf(path, sizeof(path), "%s/buf", self->dir);
	a.file = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, a.file);
	ASSERT_EQ(0, ftruncate(a.file, SMALL_BUF));

	ASSERT_EQ(0, mb_run_as(MB_NOBODY, pin_shared, &a, &r, sizeof(r),
			       25 * 1000));
	close(a.file);
	ASSERT_EQ(0, r.limit);
	ASSERT_EQ(0, r.create);
	/* VmPin shows pins at all: else 0 below would prove nothing. */
	EXPECT_LT(0, r.anon_pin)
		TH_LOG("VmPin %ld kB with an anonymous buffer pinned", r.anon_pin);
	EXPECT_EQ(1, r.anon_ok);
	EXPECT_EQ(0, r.file_pin)
		TH_LOG("VmPin %ld kB with a ramfs MAP_SHARED buffer", r.file_pin);
	EXPECT_EQ(1, r.file_ok);
	if (r.memfd_ok != -ENOSYS)
		EXPECT_EQ(1, r.memfd_ok);
}

/*
 * Acknowledged send against a receiver whose copy stalls: the receive
 * buffer lies on a userfaultfd page that stays missing until the test
 * resolves it. The mailbox's largest message is below the hand-off size,
 * so the receiver copies the message out itself.
 */
#define ACK_LEN		64
#define ACK_RETURN_MS	1000	/* how soon the sender must be back */

FIXTURE(ackwait) {
	char name[128];
	int fd;			/* the sender's, O_WRONLY */
	int rfd;		/* the receiver's, O_RDONLY */
	int uffd;
	unsigned char *area;	/* 2 pages registered, missing */
	int resolved;
};

FIXTURE_SETUP(ackwait)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	self->fd = -1;
	self->rfd = -1;
	self->uffd = -1;
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("userfaultfd on kernel copies needs privilege");
	self->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (self->uffd < 0)
		MB_SETUP_SKIP("no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	self->area = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->area);
	reg.range.start = (uintptr_t)self->area;
	reg.range.len = 2 * 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg));

	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->rfd = mb_new(self->name, O_RDONLY, 4, 256);
	ASSERT_LE(0, self->rfd);
	self->fd = mb_attach(self->name, O_WRONLY);
	ASSERT_LE(0, self->fd);
}

/* Resolves the first page of the area (zeros): the copy goes on. */
static int ack_resolve(int uffd, unsigned char *area)
{
	static unsigned char zero[4096];
	struct uffdio_copy copy = { 0 };

	copy.dst = (uintptr_t)area;
	copy.src = (uintptr_t)zero;
	copy.len = 4096;
	return ioctl(uffd, UFFDIO_COPY, &copy) ? -errno : 0;
}

FIXTURE_TEARDOWN(ackwait)
{
	if (self->uffd >= 0 && !self->resolved)
		ack_resolve(self->uffd, self->area);
	mb_destroy_name(self->name);
	if (self->fd >= 0)
		close(self->fd);
	if (self->rfd >= 0)
		close(self->rfd);
	if (self->uffd >= 0)
		close(self->uffd);
}

struct ack_rx {
	int fd;
	unsigned char *buf;
	int ret;
	int done;
};

static void *ack_receive(void *arg)
{
	struct ack_rx *rx = arg;

	rx->ret = msgbox_recv(rx->fd, rx->buf, ACK_LEN, NULL);
	__atomic_store_n(&rx->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct ack_tx {
	int fd;
	int deadline;	/* 0.2 s, or none */
	unsigned char msg[ACK_LEN];
	uint64_t end_ns;
	int ret;
	int done;
};

static void *ack_send(void *arg)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_ACK };
	struct msgbox_send_info info;
	struct ack_tx *tx = arg;

	if (tx->deadline) {
		so.flags |= MSGBOX_SO_TIMEOUT;
		so.timeout.tv_nsec = 200 * 1000 * 1000;
	}
	tx->ret = msgbox_sendx(tx->fd, tx->msg, ACK_LEN, &so, &info);
	tx->end_ns = mb_now_ns();
	__atomic_store_n(&tx->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void ack_on_signal(int sig)
{
	(void)sig;
}

/* Waits up to @ms for *@flag; 1 if it was set. */
static int wait_flag(int *flag, int ms)
{
	uint64_t start = mb_now_ns();

	while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST)) {
		if (mb_ms_since(start) > (uint64_t)ms)
			return 0;
		mb_sleep_ms(1);
	}
	return 1;
}

/*
 * The stalled acknowledged send: with a deadline (@by_signal 0) or ended
 * by a signal. Returns through the harness's expectations.
 */
static void ack_stall(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ackwait) *self, int by_signal)
{
	struct sigaction sa = { .sa_handler = ack_on_signal };
	struct ack_rx rx = { .fd = self->rfd, .buf = self->area + 100 };
	struct ack_tx tx = { .fd = self->fd, .deadline = !by_signal };
	struct pollfd pfd = { .fd = self->uffd, .events = POLLIN };
	struct uffd_msg ev;
	pthread_t rt, st;
	uint64_t since;
	int early, attempt;

	/* No SA_RESTART: the signal ends the call. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	mb_fill(tx.msg, ACK_LEN, 9);
	ASSERT_EQ(0, pthread_create(&rt, NULL, ack_receive, &rx));
	ASSERT_EQ(0, mb_wait_waiters(self->rfd, 1, 0));

	/*
	 * The receiver takes the message and stalls copying it out. Should
	 * the deadline pass before the receiver even took it, the message
	 * was withdrawn (ETIMEDOUT) and the receiver still waits: again.
	 */
	for (attempt = 0; ; attempt++) {
		since = mb_now_ns();
		tx.done = 0;
		ASSERT_EQ(0, pthread_create(&st, NULL, ack_send, &tx));
		if (poll(&pfd, 1, by_signal ? MB_WAIT_MS : 1000) == 1)
			break;
		ASSERT_TRUE(wait_flag(&tx.done, MB_WAIT_MS));
		pthread_join(st, NULL);
		ASSERT_EQ(-ETIMEDOUT, tx.ret)
			TH_LOG("the receiver never faulted on its buffer");
		ASSERT_GT(3, attempt) TH_LOG("the receiver is never in time");
	}
	ASSERT_EQ((ssize_t)sizeof(ev), read(self->uffd, &ev, sizeof(ev)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, ev.event);
	if (by_signal) {
		mb_sleep_ms(50);
		since = mb_now_ns();
		pthread_kill(st, SIGUSR1);
	}

	/* The sender comes back while the copy still stalls. */
	early = wait_flag(&tx.done, 2000);
	EXPECT_TRUE(early)
		TH_LOG("the acknowledged sender is still held by the stalled copy");
	if (early) {
		EXPECT_EQ(-EINPROGRESS, tx.ret);
		EXPECT_GT(ACK_RETURN_MS, (int)((tx.end_ns - since) / 1000000))
			TH_LOG("the sender took %llu ms",
			       (unsigned long long)(tx.end_ns - since) / 1000000);
	}
	EXPECT_FALSE(rx.done);

	/* Resolved, the copy completes: the message arrives intact. */
	ASSERT_EQ(0, ack_resolve(self->uffd, self->area));
	self->resolved = 1;
	ASSERT_TRUE(wait_flag(&rx.done, MB_WAIT_MS));
	pthread_join(rt, NULL);
	EXPECT_EQ(ACK_LEN, rx.ret);
	EXPECT_EQ(0, memcmp(rx.buf, tx.msg, ACK_LEN));
	ASSERT_TRUE(wait_flag(&tx.done, MB_WAIT_MS));
	if (!early)
		TH_LOG("the sender returned %d only once the copy ended",
		       tx.ret);
	pthread_join(st, NULL);
}

TEST_F(ackwait, deadline_ends_wait_for_stalled_copy)
{
	ack_stall(_metadata, self, 0);
}

TEST_F(ackwait, signal_ends_wait_for_stalled_copy)
{
	ack_stall(_metadata, self, 1);
}

TEST_HARNESS_MAIN
