// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox resource limits against an ordinary user (root only: the test
 * process changes module parameters and runs the user's part as nobody).
 *
 *  - A mailbox whose name was removed (MSGBOX_DESTROY_UNLINK) still counts
 *    against the per-user quotas and max_mailboxes until it is freed.
 *  - Each slot costs its largest message plus the 64-byte header:
 *    user_max_bytes 0 allows nothing, and zero-length mailboxes are not
 *    free.
 *  - A rendezvous mailbox holds at most one offered message, however many
 *    senders block on it.
 */
#include "msgbox_unpriv.h"

#include <pthread.h>
#include <sched.h>

#include <msgbox.h>

#define MB_MSG_HDR	MSGBOX_QUOTA_HEADER	/* a slot's cost beyond its payload */

FIXTURE(limits) {
	char name[128];
	unsigned long saved[4];
	int have_saved[4];
};

static const char * const limit_params[] = {
	"max_mailboxes", "max_capacity", "user_max_mailboxes", "user_max_bytes",
};

FIXTURE_SETUP(limits)
{
	unsigned int i;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("needs root to change parameters and users");
	for (i = 0; i < MB_ARRAY_SIZE(limit_params); i++) {
		if (mb_param_read(limit_params[i], &self->saved[i]))
			MB_SETUP_SKIP("cannot read %s/%s", MB_PARAM_DIR,
				      limit_params[i]);
		self->have_saved[i] = 1;
	}
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(limits)
{
	unsigned int i;

	for (i = 0; i < MB_ARRAY_SIZE(limit_params); i++)
		if (self->have_saved[i])
			mb_param_write(limit_params[i], self->saved[i]);
}

/* Sends a short message on @fd and receives it back: 0 or -errno. */
static int round_trip(int fd, unsigned int seed)
{
	char out[16], in[16];
	int len, ret;

	len = snprintf(out, sizeof(out), "rt-%u", seed);
	ret = msgbox_send(fd, out, (size_t)len, 0);
	if (ret)
		return ret;
	ret = msgbox_recv(fd, in, sizeof(in), NULL);
	if (ret < 0)
		return ret;
	return ret == len && !memcmp(in, out, (size_t)len) ? 0 : -EIO;
}

/* Removes the name of the mailbox @fd is bound to, keeping it open. */
static int unlink_bound(int fd)
{
	struct msgbox_destroy_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_DESTROY_BOUND | MSGBOX_DESTROY_UNLINK;
	return mb_ioctl(fd, MSGBOX_IOC_DESTROY, &a);
}

/*
 * MSGBOX_DESTROY_UNLINK removes the name only: the mailbox lives on, and
 * stays charged, until its last descriptor is closed.
 */
struct unlink_report {
	int create[3];
	int unlink[3];
	int work[2];
	int after;
	int big_create[2];
	int big_work;
	int big_after;
};

static int unlink_hoard(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 2, .max_msg_size = 256 << 10 };
	/* 2 x (1 MiB - 64 + 64): exactly the 2 MiB byte quota. */
	struct msgbox_attr big = { .capacity = 2,
				   .max_msg_size = (1 << 20) - MB_MSG_HDR };
	struct unlink_report *r = out;
	const char *base = arg;
	char name[3][200];
	int fd[3], i;

	for (i = 0; i < 3; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%d", base, i);
		fd[i] = msgbox_create(name[i], &attr, O_RDWR);
		r->create[i] = fd[i] < 0 ? fd[i] : 0;
		r->unlink[i] = fd[i] < 0 ? fd[i] : unlink_bound(fd[i]);
	}
	/* The unlinked mailboxes still work through their descriptors. */
	for (i = 0; i < 2; i++)
		r->work[i] = fd[i] < 0 ? fd[i] : round_trip(fd[i], i);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	/* Closed, they are freed and uncharged. */
	fd[0] = msgbox_create(name[2], &attr, O_RDWR);
	r->after = fd[0] < 0 ? fd[0] : 0;
	if (fd[0] >= 0) {
		msgbox_destroy_fd(fd[0]);
		close(fd[0]);
	}

	/* The byte quota the same way. */
	fd[0] = msgbox_create(name[0], &big, O_RDWR);
	r->big_create[0] = fd[0] < 0 ? fd[0] : unlink_bound(fd[0]);
	fd[1] = msgbox_create(name[1], &big, O_RDWR);
	r->big_create[1] = fd[1] < 0 ? fd[1] : 0;
	if (fd[1] >= 0) {
		msgbox_destroy_fd(fd[1]);
		close(fd[1]);
	}
	r->big_work = fd[0] < 0 ? fd[0] : round_trip(fd[0], 7);
	if (fd[0] >= 0)
		close(fd[0]);
	fd[1] = msgbox_create(name[1], &big, O_RDWR);
	r->big_after = fd[1] < 0 ? fd[1] : 0;
	if (fd[1] >= 0) {
		msgbox_destroy_fd(fd[1]);
		close(fd[1]);
	}
	for (i = 0; i < 3; i++)
		msgbox_destroy(name[i]);
	return 0;
}

TEST_F(limits, unlinked_mailbox_stays_charged)
{
	struct unlink_report r;
	char name[160];
	int kept[8], n = 0, full_at = -1, fd, i;

	ASSERT_EQ(0, mb_param_write("user_max_mailboxes", 2));
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 2 << 20));
	ASSERT_EQ(0, mb_param_write("max_mailboxes", 4));

	ASSERT_EQ(0, mb_run_as(MB_NOBODY, unlink_hoard, self->name, &r,
			       sizeof(r), MB_WAIT_MS));
	EXPECT_EQ(0, r.create[0]);
	EXPECT_EQ(0, r.unlink[0]);
	EXPECT_EQ(0, r.create[1]);
	EXPECT_EQ(0, r.unlink[1]);
	EXPECT_EQ(-EDQUOT, r.create[2]) TH_LOG("a third mailbox past user_max_mailboxes 2");
	EXPECT_EQ(0, r.work[0]);
	EXPECT_EQ(0, r.work[1]);
	EXPECT_EQ(0, r.after);
	EXPECT_EQ(0, r.big_create[0]);
	EXPECT_EQ(-EDQUOT, r.big_create[1]) TH_LOG("4 MiB past user_max_bytes 2 MiB");
	EXPECT_EQ(0, r.big_work);
	EXPECT_EQ(0, r.big_after);

	/* max_mailboxes counts them too (root: no per-user quota). */
	for (i = 0; i < (int)MB_ARRAY_SIZE(kept); i++) {
		snprintf(name, sizeof(name), "%s-g%d", self->name, i);
		fd = mb_new(name, O_RDWR, 1, 16);
		if (fd == -ENOSPC) {
			full_at = i;
			break;
		}
		ASSERT_LE(0, fd);
		kept[n++] = fd;
		EXPECT_EQ(0, unlink_bound(fd));
	}
	ASSERT_LT(0, n) TH_LOG("4 or more other mailboxes exist");
	EXPECT_NE(-1, full_at)
		TH_LOG("%d unlinked mailboxes alive past max_mailboxes 4", n);
	EXPECT_GE(4, n);
	EXPECT_EQ(0, round_trip(kept[0], 3));
	for (i = 0; i < n; i++)
		close(kept[i]);
	/* Freed: room again. */
	snprintf(name, sizeof(name), "%s-g0", self->name);
	fd = mb_new(name, O_RDWR, 1, 16);
	EXPECT_LE(0, fd);
	if (fd >= 0) {
		mb_raw_destroy_bound(fd);
		close(fd);
	}
}

/* Byte quota: each slot costs its largest message plus the header. */
static int create_empty_4096(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 4096, .max_msg_size = 0 };
	int fd;

	(void)out;
	fd = msgbox_create(arg, &attr, O_RDWR);
	if (fd < 0)
		return fd;
	msgbox_destroy_fd(fd);
	close(fd);
	return 0;
}

/* Creates 1 x 16-byte mailboxes until refused: how many, or -errno. */
static int create_small_until_refused(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 16 };
	char name[200];
	int i, fd, ret = -E2BIG;

	(void)out;
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "%s-%d", (const char *)arg, i);
		fd = msgbox_create(name, &attr, O_RDWR);
		if (fd < 0) {
			ret = fd == -EDQUOT ? i : fd;
			break;
		}
		close(fd);	/* the mailbox stays */
	}
	if (i == 16)
		ret = i;
	while (i-- > 0) {
		snprintf(name, sizeof(name), "%s-%d", (const char *)arg, i);
		msgbox_destroy(name);
	}
	return ret;
}

TEST_F(limits, byte_quota_counts_headers)
{
	int dummy;

	ASSERT_EQ(0, mb_param_write("max_capacity", 4096));
	ASSERT_EQ(0, mb_param_write("user_max_mailboxes", 100));

	/* A zero byte quota means none at all. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 0));
	EXPECT_EQ(-EDQUOT, mb_run_as(MB_NOBODY, create_empty_4096, self->name,
				     &dummy, sizeof(dummy), MB_WAIT_MS));

	/* 10 x (16 + 64) bytes: exactly 10 mailboxes of 1 x 16. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 10 * (16 + MB_MSG_HDR)));
	EXPECT_EQ(10, mb_run_as(MB_NOBODY, create_small_until_refused,
				self->name, &dummy, sizeof(dummy), MB_WAIT_MS));

	/* 4096 empty messages still cost 4096 headers. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 4096 * MB_MSG_HDR - 1));
	EXPECT_EQ(-EDQUOT, mb_run_as(MB_NOBODY, create_empty_4096, self->name,
				     &dummy, sizeof(dummy), MB_WAIT_MS));
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 4096 * MB_MSG_HDR));
	EXPECT_EQ(0, mb_run_as(MB_NOBODY, create_empty_4096, self->name,
			       &dummy, sizeof(dummy), MB_WAIT_MS));
}

/*
 * Rendezvous: however many senders block, at most one offered message is
 * in the mailbox; the others wait without one. All are delivered, intact.
 */
#define RV_SENDERS	20
#define RV_LEN		65536

struct rv_sender {
	int fd;
	unsigned int seed;
	pid_t tid;
	int started;
	int done;
	int ret;
	unsigned char *buf;
};

static void *rv_send(void *arg)
{
	struct rv_sender *s = arg;

	s->tid = mb_gettid();
	__atomic_store_n(&s->started, 1, __ATOMIC_SEQ_CST);
	s->ret = msgbox_send(s->fd, s->buf, RV_LEN, 0);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Either the mailbox counts them all as waiting or all threads sleep. */
static int rv_all_blocked(int fd, struct rv_sender *s)
{
	struct msgbox_stat_args st;
	int i;

	if (!mb_raw_stat(fd, &st) && st.waiting_senders >= RV_SENDERS)
		return 1;
	for (i = 0; i < RV_SENDERS; i++)
		if (!__atomic_load_n(&s[i].started, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&s[i].done, __ATOMIC_SEQ_CST) ||
		    mb_thread_state(s[i].tid) != 'S')
			return 0;
	return 1;
}

struct rv_report {
	int create;
	int blocked;
	unsigned int msgs;
	unsigned long long bytes;
	int received;
	int intact;
	int distinct;
	int done;
	int sent_ok;
	int first_err;
	int nb_recv;
	int nb_send;
};

/*
 * A child blocks in a receive on @fd; once it waits, a non-blocking send
 * goes through @nfd. Returns the send's result, *@recv the receive's.
 */
static int rv_send_to_waiting(int fd, int nfd, int *recv)
{
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT,
				       .timeout = { 5, 0 } };
	int rfd, wfd, res = -ECHILD, ret;
	char buf[8];
	pid_t kid;

	kid = mb_fork(&rfd, &wfd);
	if (kid < 0)
		return -errno;
	if (kid == 0) {
		res = msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL);
		mb_write_all(wfd, &res, sizeof(res));
		_exit(0);
	}
	ret = mb_wait_waiters(fd, 1, 0);
	if (!ret)
		ret = msgbox_send(nfd, "nb", 2, 0);
	if (mb_read_all(rfd, &res, sizeof(res)))
		res = -ECHILD;
	*recv = res;
	close(rfd);
	mb_wait_exit(kid);
	return ret;
}

static int rv_flood(void *arg, void *out)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = RV_LEN };
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT,
				       .timeout = { 5, 0 } };
	struct rv_sender s[RV_SENDERS];
	struct rv_report *r = out;
	struct msgbox_stat_args st;
	unsigned int seen = 0, seed;
	pthread_t t[RV_SENDERS];
	unsigned char *in;
	uint64_t start;
	int fd, nfd, i, n;

	fd = msgbox_create(arg, &attr, O_RDWR);
	r->create = fd < 0 ? fd : 0;
	if (fd < 0)
		return 0;
	in = malloc(RV_LEN);
	if (!in)
		return -ENOMEM;
	memset(s, 0, sizeof(s));
	for (i = 0; i < RV_SENDERS; i++) {
		s[i].fd = fd;
		s[i].seed = (unsigned int)i;
		s[i].buf = malloc(RV_LEN);
		if (!s[i].buf)
			return -ENOMEM;
		mb_fill(s[i].buf, RV_LEN, s[i].seed);
		memcpy(s[i].buf, &s[i].seed, sizeof(s[i].seed));
		if (pthread_create(&t[i], NULL, rv_send, &s[i]))
			return -EAGAIN;
	}
	start = mb_now_ns();
	while (!(r->blocked = rv_all_blocked(fd, s)) &&
	       mb_ms_since(start) < MB_WAIT_MS)
		mb_sleep_ms(5);
	/* Give any offer still on its way the time to land. */
	mb_sleep_ms(100);
	if (!mb_raw_stat(fd, &st)) {
		r->msgs = st.msgs;
		r->bytes = st.bytes;
	}

	for (n = 0; n < RV_SENDERS; n++) {
		i = msgbox_recvx(fd, in, RV_LEN, &ro, NULL);
		if (i < 0) {
			r->first_err = i;
			break;
		}
		r->received++;
		memcpy(&seed, in, sizeof(seed));
		/* Each payload starts with its sender's seed. */
		if (i == RV_LEN && seed < RV_SENDERS &&
		    !memcmp(in, s[seed].buf, RV_LEN)) {
			r->intact++;
			if (!(seen & (1U << seed)))
				r->distinct++;
			seen |= 1U << seed;
		}
	}
	start = mb_now_ns();
	for (i = 0; i < RV_SENDERS; i++) {
		while (!__atomic_load_n(&s[i].done, __ATOMIC_SEQ_CST) &&
		       mb_ms_since(start) < MB_WAIT_MS)
			mb_sleep_ms(1);
		if (!__atomic_load_n(&s[i].done, __ATOMIC_SEQ_CST))
			continue;
		pthread_join(t[i], NULL);
		r->done++;
		if (!s[i].ret)
			r->sent_ok++;
	}
	if (r->done != RV_SENDERS)
		return 0;	/* the threads still blocked end with the child */

	/*
	 * A non-blocking send with a receiver waiting and nothing offered
	 * still succeeds.
	 */
	nfd = msgbox_open(arg, O_WRONLY | O_NONBLOCK, NULL);
	if (nfd < 0) {
		r->nb_send = nfd;
		return 0;
	}
	r->nb_send = rv_send_to_waiting(fd, nfd, &r->nb_recv);
	close(nfd);
	msgbox_destroy_fd(fd);
	close(fd);
	return 0;
}

TEST_F(limits, rendezvous_holds_one_offer)
{
	struct rv_report r;

	ASSERT_EQ(0, mb_run_as(MB_NOBODY, rv_flood, self->name, &r, sizeof(r),
			       25 * 1000));
	ASSERT_EQ(0, r.create);
	ASSERT_EQ(1, r.blocked) TH_LOG("the senders never all blocked");
	EXPECT_GE(1U, r.msgs)
		TH_LOG("%u messages offered at once by blocked senders", r.msgs);
	EXPECT_GE(65536ULL, r.bytes)
		TH_LOG("%llu bytes queued in a rendezvous mailbox", r.bytes);
	EXPECT_EQ(RV_SENDERS, r.received) TH_LOG("receive failed: %d", r.first_err);
	EXPECT_EQ(RV_SENDERS, r.intact);
	EXPECT_EQ(RV_SENDERS, r.distinct);
	EXPECT_EQ(RV_SENDERS, r.done);
	EXPECT_EQ(RV_SENDERS, r.sent_ok);
	EXPECT_EQ(0, r.nb_send);
	EXPECT_EQ(2, r.nb_recv);
}

TEST_HARNESS_MAIN
