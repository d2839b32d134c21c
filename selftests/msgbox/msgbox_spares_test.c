// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox spare message objects against an ordinary user (root only: the
 * test process reads the slab counts and runs the user's part as nobody).
 * A mailbox destroyed while batches and receives run on it frees every
 * message object it kept for reuse: the live objects of the message
 * caches come back to where they were.
 */
#include "msgbox_unpriv.h"

#include <pthread.h>
#include <sched.h>

#include <msgbox.h>

/*
 * Spare objects and destroy. Each round creates a mailbox, races a thread
 * sending non-blocking batches whose payloads fault part of the way (the
 * run then gives back the objects it took) against a destroy, while a
 * blocking receiver and a batch receiver give delivered objects back to
 * the mailbox's spares. After all rounds every object must be freed.
 */
#define RACE_ROUNDS	400
#define RACE_BATCH	32
#define RACE_LEN	192
#define RACE_CAP	32
#define RACE_SLACK	128	/* objects per-CPU slabs may still account */

static const char * const msg_caches[] = {
	"msgbox_msg_256", "msgbox_msg_512", "msgbox_msg_1024", "msgbox_msg_2048",
};

/*
 * Live objects of the module's message caches: each is shrunk first, so
 * that objects free in per-CPU slabs are counted as free. -1 when the
 * first cache has no sysfs directory.
 */
static long msg_objects(void)
{
	char path[128], buf[256];
	long total = 0;
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < MB_ARRAY_SIZE(msg_caches); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 msg_caches[i]);
		fd = open(path, O_WRONLY);
		if (fd >= 0) {
			/* Not shrunk: counted as it is. */
			n = write(fd, "1", 1);
			close(fd);
		}
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objects",
			 msg_caches[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			if (!i)
				return -1;
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return -1;
		buf[n] = '\0';
		total += strtol(buf, NULL, 10);
	}
	return total;
}

struct race {
	int sfd;		/* O_WRONLY | O_NONBLOCK: the batches */
	int rfd;		/* O_RDONLY: blocking receives */
	int bfd;		/* O_RDONLY: blocking batch receives */
	int dfd;		/* O_RDWR: the destroy */
	unsigned int round;
	unsigned char *good;	/* payloads that copy */
	unsigned char *fresh;	/* pages dropped before each batch */
	unsigned char *bad;	/* a readable page, then a PROT_NONE one */
	unsigned char *rbuf;	/* the blocking receiver's buffer */
	unsigned char *bbuf;	/* the batch receiver's buffers */
	int batches;
	int sending;		/* a batch is under way */
	int err;
};

static void race_error(struct race *r, int err)
{
	__atomic_compare_exchange_n(&r->err, &(int){ 0 }, err, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void *race_sender(void *arg)
{
	struct race *r = arg;
	struct msgbox_mmsg m[RACE_BATCH];
	uint64_t start = mb_now_ns();
	unsigned int b, i, f;
	int ret;

	/* Until the destroy ends it; bounded should the destroy fail. */
	for (b = 0; b < 100000 && mb_ms_since(start) < 5000; b++) {
		/* The next copies from these pages take a page fault. */
		madvise(r->fresh, 8 * 4096, MADV_DONTNEED);
		f = RACE_BATCH / 2 + (r->round * 7 + b * 5) % (RACE_BATCH / 2);
		for (i = 0; i < RACE_BATCH; i++) {
			m[i].len = RACE_LEN;
			m[i].msg_len = 0;
			m[i].prio = 0;
			if (i == f)		/* straddles into PROT_NONE, or in it */
				m[i].buf = r->bad + ((b & 1) ? 4096 - 64 : 4096 + 64);
			else if (i & 1)
				m[i].buf = r->fresh + (i % 8) * 4096 +
					   (i / 8) * RACE_LEN;
			else
				m[i].buf = r->good + i * RACE_LEN;
		}
		__atomic_store_n(&r->sending, 1, __ATOMIC_SEQ_CST);
		ret = msgbox_send_batch(r->sfd, m, RACE_BATCH);
		__atomic_store_n(&r->sending, 0, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&r->batches, 1, __ATOMIC_SEQ_CST);
		if (ret == -EIDRM)
			break;
		if (ret < 0 && ret != -EAGAIN && ret != -EFAULT) {
			race_error(r, ret);
			break;
		}
		if (!(b & 3))
			sched_yield();
	}
	return NULL;
}

/*
 * The receivers' buffers are dropped before each receive: the copy out
 * then faults, and takes the way with the mailbox lock dropped.
 */
static void *race_receiver(void *arg)
{
	struct race *r = arg;
	unsigned char *buf = r->rbuf;
	int i, ret;

	for (i = 0; i < 100000; i++) {
		madvise(buf, 4096, MADV_DONTNEED);
		ret = msgbox_recv(r->rfd, buf, RACE_LEN, NULL);
		if (ret == -EIDRM)
			break;
		if (ret < 0 && ret != -EINTR) {
			race_error(r, ret);
			break;
		}
	}
	return NULL;
}

static void *race_batch_receiver(void *arg)
{
	struct race *r = arg;
	struct msgbox_mmsg m[16];
	int i, j, ret;

	for (i = 0; i < 100000; i++) {
		madvise(r->bbuf, 16 * RACE_LEN, MADV_DONTNEED);
		for (j = 0; j < 16; j++) {
			m[j].buf = r->bbuf + j * RACE_LEN;
			m[j].len = RACE_LEN;
			m[j].msg_len = 0;
			m[j].prio = 0;
		}
		ret = msgbox_recv_batch(r->bfd, m, 16);
		if (ret == -EIDRM)
			break;
		if (ret < 0 && ret != -EINTR) {
			race_error(r, ret);
			break;
		}
	}
	return NULL;
}

/* Destroys the mailbox while a batch is under way, some time into it. */
static void *race_destroyer(void *arg)
{
	struct race *r = arg;
	int target = (int)(r->round % 3);
	unsigned int spin = (r->round * 37) % 500;
	uint64_t start = mb_now_ns();
	volatile unsigned int i;
	int ret;

	while ((__atomic_load_n(&r->batches, __ATOMIC_SEQ_CST) < target ||
		!__atomic_load_n(&r->sending, __ATOMIC_SEQ_CST)) &&
	       mb_ms_since(start) < 2000)
		;
	for (i = 0; i < spin; i++)
		;
	ret = msgbox_destroy_fd(r->dfd);
	if (ret)
		race_error(r, ret);
	return NULL;
}

struct race_report {
	int rounds;
	int ms;
	int err;
	int err_round;
};

static int race_rounds(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = RACE_CAP,
				    .max_msg_size = RACE_LEN };
	void *(*fns[4])(void *) = { race_sender, race_receiver,
				    race_batch_receiver, race_destroyer };
	struct race_report *rep = out;
	const char *name = arg;
	struct race r;
	pthread_t t[4];
	unsigned char *good, *fresh, *bad, *rbuf, *bbuf;
	uint64_t start;
	unsigned int i;

	good = mmap(NULL, RACE_BATCH * RACE_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fresh = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bbuf = mmap(NULL, 16 * RACE_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (good == MAP_FAILED || fresh == MAP_FAILED || bad == MAP_FAILED ||
	    rbuf == MAP_FAILED || bbuf == MAP_FAILED ||
	    mprotect(bad + 4096, 4096, PROT_NONE))
		return -ENOMEM;
	mb_fill(good, RACE_BATCH * RACE_LEN, 1);
	memset(bad, 0x5a, 4096);

	start = mb_now_ns();
	for (rep->rounds = 0; rep->rounds < RACE_ROUNDS; rep->rounds++) {
		memset(&r, 0, sizeof(r));
		r.round = (unsigned int)rep->rounds;
		r.good = good;
		r.fresh = fresh;
		r.bad = bad;
		r.rbuf = rbuf;
		r.bbuf = bbuf;
		r.dfd = msgbox_create(name, &attr, O_RDWR);
		if (r.dfd < 0)
			return r.dfd;
		r.sfd = msgbox_open(name, O_WRONLY | O_NONBLOCK, NULL);
		r.rfd = msgbox_open(name, O_RDONLY, NULL);
		r.bfd = msgbox_open(name, O_RDONLY, NULL);
		if (r.sfd < 0 || r.rfd < 0 || r.bfd < 0)
			return r.sfd < 0 ? r.sfd : r.rfd < 0 ? r.rfd : r.bfd;
		/* Delivered messages leave their objects as spares. */
		for (i = 0; i < RACE_CAP; i++)
			if (msgbox_send(r.sfd, good, RACE_LEN, 0))
				break;
		while (i--)
			msgbox_recv(r.rfd, rbuf, RACE_LEN, NULL);
		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, fns[i], &r))
				return -EAGAIN;
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		close(r.sfd);
		close(r.rfd);
		close(r.bfd);
		close(r.dfd);
		if (r.err && !rep->err) {
			rep->err = r.err;
			rep->err_round = rep->rounds;
		}
		rep->ms = (int)mb_ms_since(start);
	}
	return 0;
}

FIXTURE(spares) {
	char name[128];
};

FIXTURE_SETUP(spares)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("needs root to read slab counts and change users");
	if (access("/sys/kernel/slab/msgbox_msg_256", F_OK))
		MB_SETUP_SKIP("no /sys/kernel/slab/msgbox_msg_256");
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(spares)
{
	mb_destroy_name(self->name);
}

TEST_F_TIMEOUT(spares, freed_after_destroy_during_batches, 240)
{
	struct race_report rep;
	long before, after;
	int ret;

	before = msg_objects();
	ASSERT_LE(0, before);
	ret = mb_run_as(MB_NOBODY, race_rounds, self->name, &rep, sizeof(rep),
			200 * 1000);
	ASSERT_EQ(0, ret) TH_LOG("the rounds failed after %d (%d ms)", rep.rounds, rep.ms);
	ASSERT_EQ(RACE_ROUNDS, rep.rounds);
	EXPECT_EQ(0, rep.err) TH_LOG("unexpected error in round %d",
				     rep.err_round);
	after = msg_objects();
	ASSERT_LE(0, after);
	TH_LOG("live message objects: %ld before, %ld after %d rounds (%d ms)",
	       before, after, RACE_ROUNDS, rep.ms);
	EXPECT_GT(before + RACE_SLACK, after);
}

TEST_HARNESS_MAIN
