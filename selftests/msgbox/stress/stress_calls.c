// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress calls: callers make numbered calls to a mailbox of their
 * own, servers answer them, and the books say what became of each.
 *
 * DOC: calls under stress
 *
 * A caller builds a request (struct callhdr with its call number, "cgid",
 * and a CRC32C of a body derived from it) and calls, blocking or not,
 * with or without a deadline, with a reply buffer of just the request's
 * size or of the largest message. A server receives holding (sometimes
 * with a hold timeout), checks the request, and answers with the same body under
 * a reply header naming itself; now and then it releases the call
 * instead, first tries a reply one byte too long for the caller's buffer
 * (EMSGSIZE), dawdles past short deadlines (ECANCELED), or answers and
 * takes the next call in one SETTLE|RECV, whose settle_error tells whether
 * the answer was settled whatever the receive then did. Signals, SIGKILL of callers and
 * servers, and destroys of the calls mailbox come from the conductor.
 *
 * The caller checks that a reply is the answer to its own call, intact,
 * from the server the reply names. The books (struct callrec) then hold
 * every call to the contract: answered at most once; a caller answered
 * only if a server's reply was accepted; a reply accepted only if its
 * caller got it (or was killed); ECANCELED only for a call that failed.
 */
#include "stress.h"

#include <sys/ioctl.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void fill_call(uint8_t *p, size_t n, uint32_t cgid)
{
	uint64_t x = cgid * 0xD1B54A32D192ED03ULL + 7;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7)) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (uint8_t)(x >> ((i & 7) * 8));
	}
}

/* Open the calls mailbox as it is now; -1 when told to stop first. */
static int open_calls(struct worker *me, int oflags)
{
	int fd;

	for (;;) {
		fd = msgbox_open(S->calls.name, oflags, NULL);
		if (fd >= 0)
			return fd;
		if (fd == -ENOMEM && me->failslab) {
			inc(open_enomem);
		} else if (fd != -ENOENT && fd != -EINTR) {
			inc(bad_open);
			report("open %s: %s", S->calls.name, strerror(-fd));
		}
		if (got_stop)
			return -1;
		sleep_ms(1);
	}
}

int calls_create(void)
{
	struct msgbox_attr attr = {
		.capacity = CALLS_CAP, .max_msg_size = CALLS_MAX,
	};
	int fd = msgbox_create(S->calls.name, &attr, O_RDWR);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* The conductor: destroy the calls mailbox under everyone, make it again. */
void calls_destroy(void)
{
	int ret = msgbox_destroy(S->calls.name);

	if (!ret)
		ret = calls_create();
	if (ret) {
		inc(bad_setup);
		report("destroy and create %s: %s", S->calls.name, strerror(-ret));
		return;
	}
	inc(calls_destroys);
}

/* --- Caller ------------------------------------------------------------ */

/* Check a reply to call @cgid; 0 when it is the answer. */
static int check_reply(uint32_t cgid, const uint8_t *rbuf, int len,
		       const struct msgbox_call_args *a)
{
	struct callhdr h;

	if (len < (int)sizeof(h))
		return -1;
	memcpy(&h, rbuf, sizeof(h));
	if (h.magic != REPLY_MAGIC || h.cgid != cgid || h.len != (uint32_t)len ||
	    a->reply_len != (uint32_t)len || h.from != a->reply_pid ||
	    a->reply_uid != getuid() ||
	    msgbox_crc32c(rbuf + sizeof(h), len - sizeof(h)) != h.crc)
		return -1;
	return 0;
}

/* One call; 1 made, 0 nothing made, -1 when the mailbox must be reopened. */
static int call_one(struct worker *me, struct rng *r, int fd, int nb,
		    uint8_t *buf, uint8_t *rbuf)
{
	struct msgbox_call_args a;
	struct callrec *rec;
	struct callhdr h;
	uint32_t cgid, len;
	int ret, timed;

	cgid = __atomic_fetch_add(&S->ncalls, 1, __ATOMIC_RELAXED);
	if (cgid >= MAX_CALLS)
		return 0;
	rec = &C[cgid];
	len = sizeof(h) + (rndn(r, 100) < 70 ? rndn(r, 65) :
			   rndn(r, CALLS_MAX - sizeof(h) + 1));
	memset(&h, 0, sizeof(h));
	h.magic = CALL_MAGIC;
	h.cgid = cgid;
	h.len = len;
	h.exact = rndn(r, 2);
	fill_call(buf + sizeof(h), len - sizeof(h), cgid);
	h.crc = msgbox_crc32c(buf + sizeof(h), len - sizeof(h));
	memcpy(buf, &h, sizeof(h));

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.buf = (uintptr_t)buf;
	a.len = len;
	a.prio = rndn(r, 3);
	a.reply_buf = (uintptr_t)rbuf;
	a.reply_buf_len = h.exact ? len : CALLS_MAX;
	timed = rndn(r, 100) < 50;
	if (timed) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		a.flags = MSGBOX_CALL_DEADLINE;
		a.deadline_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
				(5 + rndn(r, 300)) * 1000000ULL;
	}

	rec->restart = (uint8_t)me->restart;
	inc(call_calls);
	store(&me->call_gid, cgid + 1);
	me->blocked = 1;
	ret = ioctl(fd, MSGBOX_IOC_CALL, &a) < 0 ? -errno : 0;
	if (!ret)
		ret = (int)a.reply_len;
	rec->done_ns = now_ns();
	me->blocked = 0;
	if (ret >= 0) {
		rec->outcome = 1;
		if (check_reply(cgid, rbuf, ret, &a)) {
			inc(bad_call);
			report("call %u: a reply of %d bytes that is not its answer "
			       "(replier %d)", cgid, ret, (int)a.reply_pid);
		}
		inc(call_ok);
	} else {
		rec->err = (uint8_t)-ret;
		rec->outcome = 2;
	}
	store(&me->call_gid, 0);
	if (ret >= 0)
		return 1;

	switch (ret) {
	case -ETIMEDOUT:
		inc(call_etimedout);
		if (timed)
			return 1;
		break;
	case -EINTR:
		inc(call_eintr);
		return 1;
	case -ECONNRESET:
		inc(call_econnreset);
		return 1;
	case -EAGAIN:
		inc(call_eagain);
		if (nb)
			return 1;
		break;
	case -EIDRM:
		inc(call_eidrm);
		return -1;
	case -ENOMEM:
		if (me->failslab) {
			inc(call_enomem);
			return 1;
		}
		break;
	}
	inc(bad_errno);
	report("call %u (%s%s): %s", cgid, nb ? "non-blocking" : "blocking",
	       timed ? ", deadline" : "", strerror(-ret));
	return 1;
}

void caller(int w)
{
	struct worker *me = &S->workers[w];
	uint8_t *buf, *rbuf;
	int fd[2] = { -1, -1 }, nb, ret;
	struct rng r;

	rng_init(&r, 4000 + w, me->incarnation);
	buf = malloc(2 * CALLS_MAX);
	if (!buf)
		_exit(3);
	memset(buf, 0, 2 * CALLS_MAX);
	rbuf = buf + CALLS_MAX;
	if (me->failslab)
		failslab_enter();

	while (!got_stop && !load(&S->stop_send)) {
		nb = rndn(&r, 100) < 15;
		if (fd[nb] < 0) {
			fd[nb] = open_calls(me, (rndn(&r, 2) ? O_RDWR : O_WRONLY) |
					    (nb ? O_NONBLOCK : 0));
			if (fd[nb] < 0)
				break;
		}
		ret = call_one(me, &r, fd[nb], nb, buf, rbuf);
		if (ret < 0) {
			close(fd[nb]);
			fd[nb] = -1;
		} else if (!ret) {
			sleep_ms(10);	/* out of call numbers: wait to be stopped */
		}
	}
	_exit(0);
}

/* --- Server ------------------------------------------------------------ */

/*
 * Check a request received as @r; its cgid, or -1 (counted) when it is
 * not one of ours intact.
 */
static int64_t check_request(const uint8_t *buf, int len,
			     const struct msgbox_recv_args *r, struct callhdr *h)
{
	if (len < (int)sizeof(*h) ||
	    r->msg_flags & ~(MSGBOX_MSG_CALL | MSGBOX_MSG_HELD |
			     MSGBOX_MSG_REDELIVERED) ||
	    !(r->msg_flags & MSGBOX_MSG_CALL) || !(r->msg_flags & MSGBOX_MSG_HELD)) {
		inc(bad_call);
		report("calls mailbox: a message of %d bytes with flags %#x",
		       len, r->msg_flags);
		return -1;
	}
	memcpy(h, buf, sizeof(*h));
	if (h->magic != CALL_MAGIC || h->len != (uint32_t)len ||
	    h->cgid >= load(&S->ncalls) || h->cgid >= MAX_CALLS ||
	    msgbox_crc32c(buf + sizeof(*h), len - sizeof(*h)) != h->crc ||
	    r->uid != getuid()) {
		inc(bad_payload);
		report("calls mailbox: request %u of %d bytes corrupted",
		       h->cgid, len);
		return -1;
	}
	return h->cgid;
}

/* A reply's result for call @cgid (message @id): into the books. */
static void book_reply(struct worker *me, uint32_t cgid, uint64_t id, int ret,
		       int timed)
{
	struct callrec *rec = &C[cgid];

	switch (ret) {
	case 0:
		rec->id = id;
		rec->reply_ns = now_ns();
		if (__atomic_fetch_add(&rec->replied, 1, __ATOMIC_SEQ_CST)) {
			inc(bad_call);
			report("call %u answered twice", cgid);
		}
		inc(serve_replies);
		return;
	case -ECANCELED:
		__atomic_fetch_add(&rec->canceled, 1, __ATOMIC_SEQ_CST);
		inc(serve_ecanceled);
		return;
	case -ENOENT:
		/* Its hold ran out: back in the queue, someone else's now. */
		if (timed) {
			inc(serve_expired);
			return;
		}
		break;
	case -EIDRM:
		return;
	case -ENOMEM:
		if (me->failslab) {
			inc(serve_enomem);
			return;
		}
		break;
	}
	inc(bad_errno);
	report("reply to call %u: %s", cgid, strerror(-ret));
}

static int settle_one(int fd, uint64_t id, unsigned int flags, const void *buf,
		  uint32_t len, struct msgbox_recv_args *next, int *serr)
{
	struct msgbox_settle_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags | (next ? MSGBOX_SETTLE_RECV : 0);
	a.settle_error = serr ? *serr : 0;
	a.id = id;
	a.buf = (uintptr_t)buf;
	a.len = len;
	a.recv = (uintptr_t)next;
	ret = ioctl(fd, MSGBOX_IOC_SETTLE, &a) < 0 ? -errno : 0;
	/* Written when the settle was made, whatever the receive did. */
	if (serr)
		*serr = a.settle_error;
	if (ret)
		return ret;
	return next ? (int)next->len : 0;
}

static void recv_args(struct rng *r, struct msgbox_recv_args *a, uint8_t *buf,
		      int *timed, int block)
{
	struct timespec ts;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->buf = (uintptr_t)buf;
	a->buf_len = CALLS_MAX;
	/* Only a holding receive takes calls. */
	a->flags = MSGBOX_RECV_HOLD;
	*timed = rndn(r, 100) < 10;
	if (*timed)
		a->hold_ns = (1 + rndn(r, 20)) * 1000000ULL;
	if (block) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		a->flags |= MSGBOX_RECV_DEADLINE;
		a->deadline_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
				 (1 + rndn(r, 50)) * 1000000ULL;
	}
}

/* A receive's error: 0 when it is one a server may see, else counted. */
static int recv_error(struct worker *me, int ret)
{
	switch (ret) {
	case -EAGAIN:
	case -ETIMEDOUT:
	case -EINTR:
		return 0;
	case -EIDRM:
		return -1;
	case -ENOMEM:
		if (me->failslab)
			return 0;
		break;
	}
	inc(bad_errno);
	report("receive from %s: %s", S->calls.name, strerror(-ret));
	return 0;
}

/*
 * Answer the call received in @buf (@ret bytes, @r) and maybe take the
 * next one: returns that one's length (>= 0, then in @buf and @r again,
 * *@timed for it), or -1 when none was taken, -2 when the mailbox must be
 * reopened.
 */
static int answer(struct worker *me, struct rng *r, int fd, uint8_t *buf,
		  uint8_t *out, int ret, struct msgbox_recv_args *ra, int *timed,
		  int drain)
{
	struct msgbox_recv_args next;
	struct callhdr h;
	int64_t cgid;
	uint32_t k = rndn(r, 100);
	int serr = 0, ntimed, res;

	cgid = check_request(buf, ret, ra, &h);
	if (cgid < 0) {
		settle_one(fd, ra->id, 0, NULL, 0, NULL, NULL);
		return -1;
	}
	__atomic_fetch_add(&C[cgid].seen, 1, __ATOMIC_RELAXED);
	store(&me->call_gid, (uint32_t)cgid + 1);

	if (k < 5 && !drain) {
		/* Someone else's, then. */
		res = settle_one(fd, ra->id, MSGBOX_SETTLE_RELEASE, NULL, 0, NULL, NULL);
		store(&me->call_gid, 0);
		if (!res)
			inc(serve_releases);
		else if (res == -ECANCELED || res == -EIDRM ||
			 (res == -ENOENT && *timed))
			book_reply(me, (uint32_t)cgid, ra->id, res, *timed);
		else
			book_reply(me, (uint32_t)cgid, ra->id, res, 0);
		return -1;
	}
	if (k < 10 && !drain)
		sleep_ms(rndn(r, 30));	/* past short deadlines and holds */

	h.magic = REPLY_MAGIC;
	h.from = getpid();
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), buf + sizeof(h), ret - sizeof(h));
	if (k >= 10 && k < 15 && h.exact && (uint32_t)ret < CALLS_MAX) {
		/* One byte more than the caller can take. */
		h.len = ret + 1;
		memcpy(out, &h, sizeof(h));
		res = settle_one(fd, ra->id, 0, out, ret + 1, NULL, NULL);
		h.len = ret;
		memcpy(out, &h, sizeof(h));
		if (res == -EMSGSIZE) {
			inc(serve_emsgsize);
		} else if (res != -ECANCELED && res != -EIDRM &&
			   !(res == -ENOENT && *timed) &&
			   !(res == -ENOMEM && me->failslab)) {
			inc(bad_errno);
			report("too long a reply to call %u: %d", (uint32_t)cgid, res);
		}
		if (res != -EMSGSIZE && res != -ENOMEM) {
			store(&me->call_gid, 0);
			book_reply(me, (uint32_t)cgid, ra->id, res, *timed);
			return res == -EIDRM ? -2 : -1;
		}
	}

	if (!drain && rndn(r, 100) < 30) {
		/* settle_error is written once the call is settled, only then. */
		inc(serve_chained);
		recv_args(r, &next, buf, &ntimed, 1);
		serr = -1;
		res = settle_one(fd, ra->id, 0, out, ret, &next, &serr);
		if (serr != -1) {
			book_reply(me, (uint32_t)cgid, ra->id, serr ? -serr : 0,
				   *timed);
			store(&me->call_gid, 0);
			if (res >= 0) {
				inc(serve_recv);
				*ra = next;
				*timed = ntimed;
				return res;
			}
			return recv_error(me, res) < 0 ? -2 : -1;
		}
		if (res != -ENOMEM || !me->failslab) {
			store(&me->call_gid, 0);
			book_reply(me, (uint32_t)cgid, ra->id, res, *timed);
			return res == -EIDRM ? -2 : -1;
		}
		/* Not settled for want of memory: still held, tried below. */
	}
	/* A reply that cannot be allocated is tried again: the call is held. */
	k = 0;
	do {
		res = settle_one(fd, ra->id, 0, out, ret, NULL, NULL);
	} while (res == -ENOMEM && me->failslab && ++k < 1000);
	book_reply(me, (uint32_t)cgid, ra->id, res, *timed);
	store(&me->call_gid, 0);
	return res == -EIDRM ? -2 : -1;
}

void server(int w)
{
	struct worker *me = &S->workers[w];
	struct msgbox_recv_args ra;
	uint8_t *buf, *out;
	int fd = -1, ret, timed, drain;
	struct rng r;

	rng_init(&r, 5000 + w, me->incarnation);
	buf = malloc(2 * CALLS_MAX + 64);
	if (!buf)
		_exit(3);
	memset(buf, 0, 2 * CALLS_MAX + 64);
	out = buf + CALLS_MAX;
	if (me->failslab)
		failslab_enter();

	for (;;) {
		/* Draining, it takes what is left and ends when nothing is. */
		drain = load(&S->calls_drain);
		if (fd < 0) {
			if (drain)
				got_stop = 0;
			fd = open_calls(me, O_RDWR);
			if (fd < 0)
				continue;
		}
		recv_args(&r, &ra, buf, &timed, !drain);
		if (drain) {
			ra.hold_ns = 0;
			timed = 0;
			fcntl(fd, F_SETFL, O_NONBLOCK);
		}
		me->blocked = !drain;
		ret = ioctl(fd, MSGBOX_IOC_RECV, &ra) < 0 ? -errno : (int)ra.len;
		me->blocked = 0;
		if (drain)
			fcntl(fd, F_SETFL, 0);
		if (ret < 0) {
			if (recv_error(me, ret) < 0) {
				close(fd);
				fd = -1;
			} else if (drain && ret == -EAGAIN) {
				break;
			}
			if (got_stop && !drain)
				got_stop = 0;
			continue;
		}
		inc(serve_recv);
		while (ret >= 0)
			ret = answer(me, &r, fd, buf, out, ret, &ra, &timed, drain);
		if (ret == -2) {
			close(fd);
			fd = -1;
		}
		if (got_stop && !drain)
			got_stop = 0;
	}
	_exit(0);
}

/* --- The books ------------------------------------------------------------ */

/* Calls queued or held after the drain; counted and reported. */
int calls_left(void)
{
	struct msgbox_stat_args st = { .size = sizeof(st) };
	int fd = msgbox_open(S->calls.name, O_RDONLY, NULL);
	int ret = 0;

	if (fd < 0 || ioctl(fd, MSGBOX_IOC_STAT, &st)) {
		inc(bad_setup);
		report("%s: cannot stat after the drain", S->calls.name);
	} else if (st.msgs || st.held || st.calls) {
		inc(left_queued);
		report("%s: %u queued, %u held, %u calls unanswered after the drain",
		       S->calls.name, st.msgs, st.held, st.calls);
		ret = 1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Hold every call to the contract; the number of violations. */
uint64_t calls_books(uint64_t *answered, uint64_t *failed)
{
	uint32_t n = load(&S->ncalls), g;
	uint64_t bad = 0;

	if (n > MAX_CALLS)
		n = MAX_CALLS;
	*answered = *failed = 0;
	for (g = 0; g < n; g++) {
		struct callrec *rec = &C[g];
		const char *why = NULL;

		if (rec->outcome == 1)
			(*answered)++;
		else if (rec->outcome == 2)
			(*failed)++;
		if (rec->replied > 1)
			why = "answered twice";
		else if (rec->outcome == 1 && !rec->replied && !rec->maybe)
			why = "its caller got an answer no server gave";
		else if (rec->outcome == 1 && rec->canceled)
			why = "answered, and a reply to it was refused as cancelled";
		else if (rec->outcome == 2 && rec->replied)
			why = "a reply was accepted, and its caller failed";
		else if (rec->canceled && rec->outcome != 2 && !rec->killed)
			why = "a reply was refused as cancelled, and its caller did not fail";
		if (!why)
			continue;
		bad++;
		report("call %u: %s (outcome %u, errno %u, %u replies, %u cancelled, "
		       "seen %u times%s%s%s; reply to id %llu settled %lld us after "
		       "the caller returned)", g, why, rec->outcome, rec->err,
		       rec->replied, rec->canceled, rec->seen,
		       rec->restart ? ", SA_RESTART" : "",
		       rec->killed ? ", caller killed" : "",
		       rec->maybe ? ", a server's fate unknown" : "",
		       (unsigned long long)rec->id,
		       rec->reply_ns && rec->done_ns ?
		       ((long long)rec->reply_ns - (long long)rec->done_ns) / 1000 : 0LL);
	}
	return bad;
}
