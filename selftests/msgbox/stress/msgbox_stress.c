// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress - many producers and consumers over named mailboxes and
 * ports, with faults injected while they run, and every message accounted.
 *
 * DOC: model
 *
 * Workers are processes, so that each can be killed on its own: producers
 * send to every destination (named mailboxes, and ports reached by PID),
 * consumers receive from every named mailbox, and one port owner per port
 * receives from its own port. Blocking, O_NONBLOCK, timed, acknowledged and
 * batched calls are mixed at random. All bookkeeping lives in one shared
 * anonymous mapping.
 *
 * Every message carries a header (global message number "gid", stream,
 * sequence number, length) and a CRC32C of its body. A stream is one
 * producer incarnation's messages to one generation of one destination at
 * one priority, numbered from 0; a failed send is retried with the same
 * gid and sequence number, so sequence numbers stay dense and any second
 * delivery of the same message shows up. For each gid the table records
 * whether its send succeeded ("accepted") and how often it was received.
 *
 * While it runs, the conductor (the parent) injects faults: storms of
 * SIGUSR1 at the workers (half of them with SA_RESTART), SIGKILL of
 * workers blocked in a call (respawned as new incarnations), destroy and
 * re-create of named mailboxes, delete_module() attempts (must be refused)
 * and, through failslab with a task filter, failed kernel allocations in a
 * few workers (ENOMEM, never anything else, never a lost message).
 *
 * At the end producers stop, consumers drain every destination, and the
 * table is checked: no message received twice, none corrupted or delivered
 * to the wrong mailbox, per-consumer order increasing within each stream,
 * no message delivered whose send failed, and accepted messages missing
 * only where a destroy (at most its capacity per generation) or a killed
 * receiver (at most what its call was taking) explains it. Finally the
 * mailboxes are destroyed and kernel slab memory must be back near its
 * baseline.
 *
 * A destroyed mailbox gets a new generation. The conductor destroys it,
 * then bumps the generation, then creates it again; a worker reads the
 * generation before and after opening by name and retries when the two
 * differ, so the generation it records is the one of the mailbox it got.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "msgbox.h"
#include "stress_util.h"

#define MAX_DESTS	16
#define MAX_GENS	512
#define MAX_WORKERS	64
#define MAX_STREAMS	(1U << 17)
#define MAX_BATCH	8
#define NPRIO		4
#define MAX_ERRLOG	40
#define HDR_MAGIC	0x7862736dU	/* "msbx" */

static const unsigned int prios[NPRIO] = { 0, 1, 100, MSGBOX_PRIO_MAX - 1 };

/* The header at the start of every message. */
struct hdr {
	uint32_t magic;
	uint32_t gid;
	uint32_t stream;
	uint32_t seq;
	uint32_t len;
	uint32_t crc;		/* CRC32C of the bytes after the header */
	uint32_t prio;
	uint32_t pad;
};

enum { PRODUCER, CONSUMER, PORT_OWNER };

struct gen_state {
	uint32_t destroyed;	/* this generation was destroyed (or port died) */
	uint32_t rx_allow;	/* messages killed receivers may have taken */
	uint64_t accepted;	/* filled by the final check */
	uint64_t lost;
};

struct dest {
	char name[64];
	int port;
	uint32_t capacity;
	uint32_t max_msg_size;
	uint32_t gen;		/* current generation */
	uint64_t port_word;	/* port: gen << 32 | owner pid; 0: none */
	uint64_t drained_left;	/* port: messages left after the owner drained */
	struct gen_state gens[MAX_GENS];
};

struct stream {
	uint16_t dest;
	uint16_t prio_idx;
	uint32_t gen;
	int32_t pid;		/* the producer */
};

struct msgrec {
	uint32_t stream;
	uint32_t seq;
	uint8_t accepted;
	uint8_t seen;
	uint8_t maybe;		/* in flight when its producer was killed, or
				 * its acknowledged send ended EINPROGRESS */
	uint8_t pad;
};

struct worker {
	int kind;
	int dest;		/* port owner: its port */
	int failslab;
	int restart;		/* SIGUSR1 installed with SA_RESTART */
	pid_t pid;
	uint32_t incarnation;
	int blocked;		/* in a call that may block */
	int killed;		/* SIGKILLed by the conductor */
	/* producer: the messages of the call in progress */
	uint32_t tx_n;
	uint32_t tx_gid[MAX_BATCH];
	/* consumer: the receive in progress */
	uint32_t rx_n;
	int rx_dest;
	uint32_t rx_gen;
};

struct counters {
	uint64_t send_calls, send_msgs, send_batches, send_acks, send_bytes;
	uint64_t send_eagain, send_etimedout, send_eintr, send_eidrm;
	uint64_t send_einprogress;
	uint64_t send_esrch, send_enomem;
	uint64_t recv_calls, recv_msgs, recv_batches, recv_bytes;
	uint64_t recv_eagain, recv_etimedout, recv_eintr, recv_eidrm;
	uint64_t recv_enomem, open_enomem;
	uint64_t signals, kills_tx, kills_rx, kills_port, destroys;
	uint64_t rmmod_tries, rmmod_refused, rmmod_skipped;
	/* failures */
	uint64_t bad_payload, bad_route, bad_cred, dup, order, bad_errno;
	uint64_t bad_rmmod, worker_died, left_queued, bad_open, bad_setup;
};

struct shared {
	int stop_send;
	int drain;
	uint32_t ndests;
	uint32_t nworkers;
	uint32_t nstreams;
	uint32_t ngids;
	uint32_t max_gids;
	uint32_t nerrlog;
	struct counters c;
	struct dest dests[MAX_DESTS];
	struct worker workers[MAX_WORKERS];
	struct stream streams[MAX_STREAMS];
	struct msgrec msgs[];
};

static struct shared *S;

/* Options. */
static unsigned int opt_producers = 8, opt_consumers = 8, opt_ports = 2;
static unsigned int opt_seconds = 60, opt_messages = 1000000;
static unsigned int opt_failslab = 10;	/* percent, 0: off */
static unsigned int opt_slab_slack_kb;	/* 0: MemTotal / 32 + 8 MiB */
static int opt_rmmod = 1, opt_kill = 1, opt_destroy = 1, opt_signals = 1;
static uint64_t opt_seed;

#define inc(field)	__atomic_fetch_add(&S->c.field, 1, __ATOMIC_RELAXED)
#define add(field, n)	__atomic_fetch_add(&S->c.field, (n), __ATOMIC_RELAXED)
#define load(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define store(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* Report a failure: counted by the caller, the first few printed. */
static void report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (__atomic_fetch_add(&S->nerrlog, 1, __ATOMIC_RELAXED) >= MAX_ERRLOG)
		return;
	n = snprintf(buf, sizeof(buf), "# [%d] ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	if (write(2, buf, strlen(buf)) < 0)
		return;
}

/* xorshift64*: reproducible per worker from --seed, slot and incarnation. */
struct rng { uint64_t s; };

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static uint32_t rndn(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* splitmix64 of seed, worker and incarnation: distinct seeds, distinct runs. */
static void rng_init(struct rng *r, uint64_t a, uint64_t b)
{
	uint64_t x = opt_seed + 0x9E3779B97F4A7C15ULL * (a + 1) + (b << 40);

	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	r->s = (x ^ (x >> 31)) | 1;
}


static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct timespec ms_ts(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return ts;
}

/* --- Signals --------------------------------------------------------- */

static volatile sig_atomic_t got_stop;

static void on_usr1(int sig)
{
	(void)sig;
}

static void on_usr2(int sig)
{
	(void)sig;
	got_stop = 1;
}

/*
 * The conductor keeps SIGUSR1 and SIGUSR2 blocked, so a new worker cannot
 * die of one sent before its handlers are in place; it unblocks them here.
 */
static void block_usr(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(how, &set, NULL);
}

static void worker_signals(int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	block_usr(SIG_UNBLOCK);
}

/* --- Failslab ---------------------------------------------------------- */

#define FAILSLAB	"/sys/kernel/debug/failslab"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int failslab_setup(unsigned int percent)
{
	char p[16];

	snprintf(p, sizeof(p), "%u", percent);
	if (write_file(FAILSLAB "/task-filter", "Y") ||
	    write_file(FAILSLAB "/ignore-gfp-wait", "N") ||
	    write_file(FAILSLAB "/interval", "1") ||
	    write_file(FAILSLAB "/times", "-1") ||
	    write_file(FAILSLAB "/space", "0") ||
	    write_file(FAILSLAB "/verbose", "0") ||
	    write_file(FAILSLAB "/probability", p))
		return -1;
	return 0;
}

static void failslab_off(void)
{
	write_file(FAILSLAB "/probability", "0");
	write_file(FAILSLAB "/task-filter", "N");
}

/*
 * Make the calling worker's kernel allocations fail at random. Its memory
 * is faulted in and locked first, so that the failures hit msgbox calls
 * rather than page faults.
 */
static void failslab_enter(void)
{
	char stack[64 * 1024];

	memset(stack, 0, sizeof(stack));
	__asm__ volatile("" : : "r"(stack) : "memory");
	mlockall(MCL_CURRENT | MCL_FUTURE);
	write_file("/proc/self/make-it-fail", "1");
}

/* --- Messages -------------------------------------------------------- */

static void fill_body(uint8_t *p, size_t n, uint32_t gid)
{
	uint64_t x = gid * 0x9E3779B97F4A7C15ULL + 1;
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

static void build_msg(uint8_t *buf, uint32_t len, uint32_t gid)
{
	struct hdr h;

	fill_body(buf + sizeof(h), len - sizeof(h), gid);
	memset(&h, 0, sizeof(h));
	h.magic = HDR_MAGIC;
	h.gid = gid;
	h.stream = S->msgs[gid].stream;
	h.seq = S->msgs[gid].seq;
	h.len = len;
	h.crc = msgbox_crc32c(buf + sizeof(h), len - sizeof(h));
	h.prio = prios[S->streams[h.stream].prio_idx];
	memcpy(buf, &h, sizeof(h));
}

static uint32_t pick_size(struct rng *r, uint32_t max)
{
	uint32_t lo = sizeof(struct hdr), hi, k = rndn(r, 100);

	if (k < 60)
		hi = 256;
	else if (k < 92)
		hi = 4096;
	else
		hi = max;
	if (hi > max)
		hi = max;
	return lo + rndn(r, hi - lo + 1);
}

/* --- Opening named mailboxes by generation ----------------------------- */

/*
 * Open @d's current mailbox with @oflags and learn its generation. Returns
 * the fd, or -1 when told to stop first.
 */
static int open_named(struct worker *me, int d, int oflags, uint32_t *gen)
{
	struct dest *ds = &S->dests[d];
	uint32_t g1, g2;
	int fd;

	for (;;) {
		g1 = load(&ds->gen);
		fd = msgbox_open(ds->name, oflags, NULL);
		g2 = load(&ds->gen);
		if (fd >= 0 && g1 == g2) {
			*gen = g1;
			return fd;
		}
		if (fd >= 0) {
			close(fd);
		} else if (fd == -ENOMEM && me->failslab) {
			inc(open_enomem);
		} else if (fd != -ENOENT && fd != -EINTR) {
			inc(bad_open);
			report("open %s: %s", ds->name, strerror(-fd));
		}
		if (got_stop || load(&S->stop_send) > 1)
			return -1;
		sleep_ms(1);
	}
}

/* --- Producer ---------------------------------------------------------- */

struct pstream {
	int stream;		/* -1: none yet */
	uint32_t gen;
	uint32_t next_seq;
	int64_t pending;	/* gid of next_seq already built, or -1 */
};

static int new_stream(int d, int prio_idx, uint32_t gen)
{
	uint32_t i = __atomic_fetch_add(&S->nstreams, 1, __ATOMIC_RELAXED);

	if (i >= MAX_STREAMS)
		return -1;
	S->streams[i].dest = d;
	S->streams[i].prio_idx = prio_idx;
	S->streams[i].gen = gen;
	S->streams[i].pid = getpid();
	return (int)i;
}

static int64_t new_gid(int stream, uint32_t seq)
{
	uint32_t g = __atomic_fetch_add(&S->ngids, 1, __ATOMIC_RELAXED);

	if (g >= S->max_gids)
		return -1;
	S->msgs[g].stream = stream;
	S->msgs[g].seq = seq;
	return g;
}

enum { M_BLOCK, M_NONBLOCK, M_TIMED, M_ACK, M_BATCH };

static int pick_mode(struct rng *r, int allow_batch)
{
	uint32_t k = rndn(r, 100);

	if (k < 30)
		return M_BLOCK;
	if (k < 55)
		return M_NONBLOCK;
	if (k < 80)
		return M_TIMED;
	if (k < 90)
		return M_ACK;
	return allow_batch ? M_BATCH : M_TIMED;
}

static void producer(int w)
{
	struct worker *me = &S->workers[w];
	static struct pstream ps[MAX_DESTS][NPRIO];
	int fds[MAX_DESTS][2];
	uint32_t fdgen[MAX_DESTS][2];
	int devfd[2];
	struct msgbox_mmsg mm[MAX_BATCH];
	uint32_t gids[MAX_BATCH];
	uint8_t *buf;
	size_t slot = 65536 + 64;
	struct rng r;
	uint32_t d, i;

	rng_init(&r, 1000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	for (d = 0; d < MAX_DESTS; d++) {
		fds[d][0] = fds[d][1] = -1;
		for (i = 0; i < NPRIO; i++)
			ps[d][i] = (struct pstream){ .stream = -1, .pending = -1 };
	}
	if (me->failslab)
		failslab_enter();
	devfd[0] = devfd[1] = -1;

	while (!got_stop && !load(&S->stop_send)) {
		struct msgbox_send_opts o = { 0 };
		struct dest *ds;
		struct pstream *st;
		uint32_t gen, k, len, prio_idx, c;
		int mode, nb, fd, ret;
		pid_t pid = 0;

		d = rndn(&r, S->ndests);
		ds = &S->dests[d];
		prio_idx = rndn(&r, NPRIO);
		mode = pick_mode(&r, !ds->port);
		nb = mode == M_NONBLOCK || (mode == M_BATCH && rndn(&r, 2));

		if (ds->port) {
			uint64_t word = load(&ds->port_word);

			if (!word) {
				sleep_ms(1);
				continue;
			}
			gen = word >> 32;
			pid = (pid_t)(word & 0xffffffffU);
			if (devfd[nb] < 0) {
				devfd[nb] = msgbox_dev_open(O_WRONLY | (nb ? O_NONBLOCK : 0));
				if (devfd[nb] < 0) {
					if (devfd[nb] == -ENOMEM && me->failslab) {
						inc(open_enomem);
					} else {
						inc(bad_open);
						report("open %s: %s", MSGBOX_DEVICE, strerror(-devfd[nb]));
					}
					devfd[nb] = -1;
					continue;
				}
			}
			fd = devfd[nb];
		} else {
			if (fds[d][nb] < 0) {
				fds[d][nb] = open_named(me, d, O_WRONLY | (nb ? O_NONBLOCK : 0),
							&fdgen[d][nb]);
				if (fds[d][nb] < 0)
					break;
			}
			fd = fds[d][nb];
			gen = fdgen[d][nb];
		}

		st = &ps[d][prio_idx];
		if (st->stream < 0 || st->gen != gen) {
			st->stream = new_stream(d, prio_idx, gen);
			if (st->stream < 0)
				break;
			st->gen = gen;
			st->next_seq = 0;
			st->pending = -1;
		}

		k = mode == M_BATCH ? 2 + rndn(&r, MAX_BATCH - 1) : 1;
		for (i = 0; i < k; i++) {
			int64_t g = i == 0 && st->pending >= 0 ? st->pending :
				    new_gid(st->stream, st->next_seq + i);

			if (g < 0)
				break;
			gids[i] = (uint32_t)g;
			len = pick_size(&r, k > 1 && ds->max_msg_size > 1024 ?
					1024 : ds->max_msg_size);
			build_msg(buf + i * slot, len, gids[i]);
			mm[i] = (struct msgbox_mmsg){ .buf = buf + i * slot,
						      .len = len,
						      .prio = prios[prio_idx] };
		}
		if (i < k) {
			/* The gid table is full: this run has sent enough. */
			store(&S->stop_send, 1);
			break;
		}
		st->pending = gids[0];

		memcpy(me->tx_gid, gids, k * sizeof(gids[0]));
		store(&me->tx_n, k);
		me->blocked = !nb;

		o.prio = prios[prio_idx];
		if (ds->port) {
			o.flags |= MSGBOX_SO_TO_PID;
			o.pid = pid;
		}
		if (rndn(&r, 4) == 0)
			o.flags |= MSGBOX_SO_CSUM;
		if (mode == M_TIMED || mode == M_ACK) {
			o.flags |= MSGBOX_SO_TIMEOUT;
			o.timeout = ms_ts(rndn(&r, mode == M_ACK ? 50 : 20));
		}
		if (mode == M_ACK)
			o.flags |= MSGBOX_SO_ACK;

		inc(send_calls);
		if (mode == M_BATCH) {
			inc(send_batches);
			ret = msgbox_send_batch(fd, mm, k);
		} else {
			if (mode == M_ACK)
				inc(send_acks);
			ret = msgbox_sendx(fd, mm[0].buf, mm[0].len, &o, NULL);
			if (ret == 0)
				ret = 1;
		}
		me->blocked = 0;

		if (ret > 0) {
			c = (uint32_t)ret;
			if (c > k) {
				inc(bad_errno);
				report("send_batch of %u returned %u", k, c);
				c = k;
			}
			for (i = 0; i < c; i++) {
				store(&S->msgs[gids[i]].accepted, 1);
				add(send_bytes, mm[i].len);
			}
			add(send_msgs, c);
			st->next_seq += c;
			st->pending = c < k ? (int64_t)gids[c] : -1;
			store(&me->tx_n, 0);
			continue;
		}
		store(&me->tx_n, 0);

		switch (ret) {
		case -EAGAIN:
			inc(send_eagain);
			break;
		case -ETIMEDOUT:
			inc(send_etimedout);
			break;
		case -EINTR:
			inc(send_eintr);
			break;
		case -EINPROGRESS:
			/*
			 * The timeout or a signal came while a receiver was
			 * copying the message out: it may be delivered, once,
			 * or not at all, and is not sent again. Its stream
			 * ends here, so that no later message's order is
			 * measured against it.
			 */
			inc(send_einprogress);
			store(&S->msgs[gids[0]].maybe, 1);
			st->stream = -1;
			break;
		case -EIDRM:
		case -ESRCH:
			if (ret == -EIDRM)
				inc(send_eidrm);
			else
				inc(send_esrch);
			if (ret == -ESRCH && !ds->port)
				goto bad;
			/* That generation is gone: its stream ends here. */
			st->stream = -1;
			if (!ds->port) {
				close(fds[d][nb]);
				fds[d][nb] = -1;
			}
			break;
		case -ENOMEM:
			if (me->failslab) {
				inc(send_enomem);
				break;
			}
			/* fall through */
		default:
bad:
			inc(bad_errno);
			report("send to %s (mode %d, %u msgs, fd gen %u): %s",
			       ds->name, mode, k, gen, strerror(-ret));
			sleep_ms(1);
			break;
		}
	}
	_exit(0);
}

/* --- Consumer ---------------------------------------------------------- */

/* Per stream, the last message this consumer took from it. */
struct last {
	int32_t seq;		/* -1: none yet */
	uint32_t gid;
	uint64_t id;		/* kernel message id, 0 from a batch */
};
static struct last *last_seq;

static void last_init(void)
{
	uint32_t i;

	last_seq = malloc(MAX_STREAMS * sizeof(*last_seq));
	if (!last_seq)
		_exit(3);
	for (i = 0; i < MAX_STREAMS; i++)
		last_seq[i] = (struct last){ .seq = -1 };
}

static void check_msg(int d, uint32_t gen, const uint8_t *buf, int len,
		      unsigned int prio, const struct msgbox_msg_info *info)
{
	struct hdr h;
	struct msgrec *m;
	struct stream *s;
	uint8_t seen;

	if (len < (int)sizeof(h)) {
		inc(bad_payload);
		report("%s: message of %d bytes, shorter than the header",
		       S->dests[d].name, len);
		return;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != HDR_MAGIC || h.len != (uint32_t)len ||
	    h.gid >= load(&S->ngids) || h.stream >= MAX_STREAMS) {
		inc(bad_payload);
		report("%s: bad header (magic %#x gid %u len %u, got %d bytes)",
		       S->dests[d].name, h.magic, h.gid, h.len, len);
		return;
	}
	m = &S->msgs[h.gid];
	if (m->stream != h.stream || m->seq != h.seq ||
	    msgbox_crc32c(buf + sizeof(h), len - sizeof(h)) != h.crc) {
		inc(bad_payload);
		report("%s: gid %u corrupted (stream %u/%u seq %u/%u, crc)",
		       S->dests[d].name, h.gid, h.stream, m->stream, h.seq, m->seq);
		return;
	}
	s = &S->streams[h.stream];
	if (s->dest != d || s->gen != gen || prios[s->prio_idx] != prio ||
	    h.prio != prio) {
		inc(bad_route);
		report("gid %u for %s gen %u prio %u arrived at %s gen %u prio %u",
		       h.gid, S->dests[s->dest].name, s->gen, prios[s->prio_idx],
		       S->dests[d].name, gen, prio);
	}
	if (info && (info->pid != s->pid || info->uid != getuid() ||
		     info->gid != getgid())) {
		inc(bad_cred);
		report("gid %u: sender pid %d uid %u gid %u, expected pid %d",
		       h.gid, (int)info->pid, (unsigned)info->uid,
		       (unsigned)info->gid, (int)s->pid);
	}
	seen = __atomic_fetch_add(&m->seen, 1, __ATOMIC_SEQ_CST);
	if (seen) {
		inc(dup);
		report("gid %u (stream %u seq %u to %s) received %u times",
		       h.gid, h.stream, h.seq, S->dests[d].name, seen + 1);
	}
	if (last_seq[h.stream].seq >= (int32_t)h.seq) {
		inc(order);
		report("stream %u to %s gen %u prio %u: seq %u (gid %u, id %llu) "
		       "after seq %d (gid %u, id %llu)", h.stream, S->dests[d].name,
		       gen, prio, h.seq, h.gid,
		       (unsigned long long)(info ? info->id : 0),
		       last_seq[h.stream].seq, last_seq[h.stream].gid,
		       (unsigned long long)last_seq[h.stream].id);
	}
	last_seq[h.stream] = (struct last){ .seq = (int32_t)h.seq, .gid = h.gid,
					    .id = info ? info->id : 0 };
	inc(recv_msgs);
	add(recv_bytes, len);
}

/*
 * One receive from @fd (bound to generation @gen of @d). Returns 1 when
 * something was received, 0 when nothing was (EAGAIN and the like), -1 on
 * EIDRM (the caller reopens).
 */
static int consume_one(struct worker *me, struct rng *r, int d, int fd,
		       uint32_t gen, int mode, uint8_t *buf, size_t slot)
{
	struct msgbox_recv_opts o = { 0 };
	struct msgbox_msg_info info;
	struct msgbox_mmsg mm[MAX_BATCH];
	uint32_t k = 1, i;
	int ret;

	if (mode == M_BATCH) {
		k = 2 + rndn(r, MAX_BATCH - 1);
		for (i = 0; i < k; i++)
			mm[i] = (struct msgbox_mmsg){ .buf = buf + i * slot, .len = slot };
	}
	if (mode == M_TIMED) {
		o.flags = MSGBOX_RO_TIMEOUT;
		o.timeout = ms_ts(rndn(r, 30));
	}
	me->rx_dest = d;
	me->rx_gen = gen;
	store(&me->rx_n, k);
	me->blocked = mode == M_BLOCK || mode == M_TIMED;

	inc(recv_calls);
	if (mode == M_BATCH) {
		inc(recv_batches);
		ret = msgbox_recv_batch(fd, mm, k);
		me->blocked = 0;
		for (i = 0; ret > 0 && i < (uint32_t)ret && i < k; i++)
			check_msg(d, gen, mm[i].buf, (int)mm[i].msg_len, mm[i].prio, NULL);
	} else {
		ret = msgbox_recvx(fd, buf, slot, &o, &info);
		me->blocked = 0;
		if (ret >= 0)
			check_msg(d, gen, buf, ret, info.prio, &info);
	}
	store(&me->rx_n, 0);
	if (ret >= 0)
		return 1;

	switch (ret) {
	case -EAGAIN:
		inc(recv_eagain);
		return 0;
	case -ETIMEDOUT:
		inc(recv_etimedout);
		return 0;
	case -EINTR:
		inc(recv_eintr);
		return 0;
	case -EIDRM:
		inc(recv_eidrm);
		return -1;
	case -ENOMEM:
		if (me->failslab) {
			inc(recv_enomem);
			return 0;
		}
		break;
	}
	inc(bad_errno);
	report("recv from %s (mode %d, gen %u): %s", S->dests[d].name, mode,
	       gen, strerror(-ret));
	sleep_ms(1);
	return 0;
}

static void consumer(int w)
{
	struct worker *me = &S->workers[w];
	int fds[MAX_DESTS][2];
	uint32_t fdgen[MAX_DESTS][2];
	size_t slot = 65536 + 64;
	uint8_t *buf;
	struct rng r;
	uint32_t d;
	int nb, mode, ret, fd;

	rng_init(&r, 2000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	last_init();
	for (d = 0; d < MAX_DESTS; d++)
		fds[d][0] = fds[d][1] = -1;
	if (me->failslab)
		failslab_enter();

	while (!load(&S->drain)) {
		do {
			d = rndn(&r, S->ndests);
		} while (S->dests[d].port);
		mode = pick_mode(&r, 1);
		if (mode == M_ACK)
			mode = M_BLOCK;
		nb = mode == M_NONBLOCK || mode == M_BATCH;
		if (fds[d][nb] < 0) {
			fds[d][nb] = open_named(me, d, O_RDONLY | (nb ? O_NONBLOCK : 0),
						&fdgen[d][nb]);
			if (fds[d][nb] < 0)
				break;
		}
		ret = consume_one(me, &r, d, fds[d][nb], fdgen[d][nb], mode, buf, slot);
		if (ret < 0) {
			close(fds[d][nb]);
			fds[d][nb] = -1;
		}
		if (got_stop && !load(&S->drain))
			got_stop = 0;
	}

	/* Drain: producers are gone; empty every named mailbox. */
	for (;;) {
		int busy = 0;

		for (d = 0; d < S->ndests; d++) {
			if (S->dests[d].port)
				continue;
			if (fds[d][1] < 0) {
				got_stop = 0;
				fds[d][1] = open_named(me, d, O_RDONLY | O_NONBLOCK, &fdgen[d][1]);
				if (fds[d][1] < 0) {
					busy = 1;
					continue;
				}
			}
			fd = fds[d][1];
			while ((ret = consume_one(me, &r, d, fd, fdgen[d][1],
						  M_NONBLOCK, buf, slot)) > 0)
				busy = 1;
			if (ret < 0) {
				close(fd);
				fds[d][1] = -1;
				busy = 1;
			}
		}
		if (!busy)
			break;
	}
	_exit(0);
}

static void port_owner(int w)
{
	struct worker *me = &S->workers[w];
	struct dest *ds = &S->dests[me->dest];
	struct msgbox_attr attr = {
		.capacity = ds->capacity,
		.max_msg_size = ds->max_msg_size,
	};
	struct msgbox_stat_args st;
	size_t slot = 65536 + 64;
	uint32_t gen = load(&ds->gen);
	uint8_t *buf;
	struct rng r;
	int fd, mode, nb, ret;

	rng_init(&r, 3000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	last_init();
	if (me->failslab)
		failslab_enter();

	while ((fd = msgbox_port(&attr, O_RDONLY)) < 0) {
		if (fd != -ENOMEM || !me->failslab) {
			inc(bad_open);
			report("msgbox_port: %s", strerror(-fd));
			_exit(4);
		}
		inc(open_enomem);
	}
	store(&ds->port_word, (uint64_t)gen << 32 | (uint32_t)getpid());

	while (!load(&S->drain)) {
		mode = pick_mode(&r, 1);
		if (mode == M_ACK)
			mode = M_BLOCK;
		nb = mode == M_NONBLOCK || mode == M_BATCH;
		if (nb)
			fcntl(fd, F_SETFL, O_NONBLOCK);
		ret = consume_one(me, &r, me->dest, fd, gen, mode, buf, slot);
		if (nb)
			fcntl(fd, F_SETFL, 0);
		if (ret < 0) {
			inc(bad_errno);
			report("port of %d reports EIDRM to its owner", (int)getpid());
			sleep_ms(10);
		}
		if (got_stop && !load(&S->drain))
			got_stop = 0;
	}

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (consume_one(me, &r, me->dest, fd, gen, M_NONBLOCK, buf, slot) > 0)
		;
	if (msgbox_stat(fd, &st) == 0)
		store(&ds->drained_left, st.msgs);
	_exit(0);
}

/* --- Conductor ----------------------------------------------------------- */

static void spawn(int w)
{
	struct worker *me = &S->workers[w];
	pid_t pid;

	me->blocked = 0;
	me->killed = 0;
	me->tx_n = 0;
	me->rx_n = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		got_stop = 0;
		worker_signals(me->restart);
		me->pid = getpid();
		if (me->kind == PRODUCER)
			producer(w);
		else if (me->kind == CONSUMER)
			consumer(w);
		else
			port_owner(w);
		_exit(0);
	}
	me->pid = pid;
}

static int find_worker(pid_t pid)
{
	uint32_t w;

	for (w = 0; w < S->nworkers; w++)
		if (S->workers[w].pid == pid)
			return (int)w;
	return -1;
}

/* A worker died: account for what its call in progress may have done. */
static void worker_gone(int w, int status, int respawn)
{
	struct worker *me = &S->workers[w];
	uint32_t i;

	if (me->killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		for (i = 0; i < me->tx_n && i < MAX_BATCH; i++)
			S->msgs[me->tx_gid[i]].maybe = 1;
		if (me->rx_n)
			S->dests[me->rx_dest].gens[me->rx_gen % MAX_GENS].rx_allow += me->rx_n;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		   !load(&S->stop_send)) {
		inc(worker_died);
		if (WIFSIGNALED(status))
			report("worker %d (pid %d, kind %d) killed by signal %d",
			       w, (int)me->pid, me->kind, WTERMSIG(status));
		else
			report("worker %d (pid %d, kind %d) exited with %d early",
			       w, (int)me->pid, me->kind, WEXITSTATUS(status));
	}
	if (me->kind == PORT_OWNER) {
		struct dest *ds = &S->dests[me->dest];

		/*
		 * Its port went with it: what was queued is gone, unless it
		 * drained the port and exited as told.
		 */
		store(&ds->port_word, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		    !load(&S->drain))
			ds->gens[ds->gen % MAX_GENS].destroyed = 1;
		if (respawn)
			store(&ds->gen, ds->gen + 1);
	}
	me->pid = 0;
	if (respawn) {
		me->incarnation++;
		spawn(w);
	}
}

static void reap(int respawn)
{
	int status, w;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		w = find_worker(pid);
		if (w >= 0)
			worker_gone(w, status, respawn);
	}
}

static void settle(void)
{
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	sleep_ms(1500);
	write_file("/proc/sys/vm/drop_caches", "3");
}

/* delete_module() while descriptors are open must be refused. */
static void try_rmmod(void)
{
	long ret;

	inc(rmmod_tries);
	ret = syscall(SYS_delete_module, "msgbox", O_NONBLOCK);
	if (ret == 0) {
		inc(bad_rmmod);
		report("delete_module(msgbox) succeeded while in use");
	} else if (errno == EWOULDBLOCK || errno == EBUSY) {
		inc(rmmod_refused);
	} else if (errno == EPERM || errno == ENOENT) {
		inc(rmmod_skipped);
	} else {
		inc(bad_rmmod);
		report("delete_module(msgbox): %s", strerror(errno));
	}
}

static int create_dest(struct dest *ds)
{
	struct msgbox_attr attr = {
		.capacity = ds->capacity,
		.max_msg_size = ds->max_msg_size,
	};
	int fd = msgbox_create(ds->name, &attr, O_RDWR);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static void destroy_one(struct rng *r)
{
	struct dest *ds;
	uint32_t d;
	int ret;

	do {
		d = rndn(r, S->ndests);
	} while (S->dests[d].port);
	ds = &S->dests[d];
	if (ds->gen + 1 >= MAX_GENS)
		return;
	ret = msgbox_destroy(ds->name);
	if (ret) {
		inc(bad_setup);
		report("destroy %s: %s", ds->name, strerror(-ret));
		return;
	}
	ds->gens[ds->gen].destroyed = 1;
	store(&ds->gen, ds->gen + 1);
	ret = create_dest(ds);
	if (ret) {
		inc(bad_setup);
		report("re-create %s: %s", ds->name, strerror(-ret));
	}
	inc(destroys);
}

/* SIGKILL a worker, preferably one blocked in a call. */
static void kill_one(struct rng *r)
{
	uint32_t start = rndn(r, S->nworkers), i, w = start;
	struct worker *me;

	for (i = 0; i < S->nworkers; i++) {
		w = (start + i) % S->nworkers;
		if (S->workers[w].pid && load(&S->workers[w].blocked))
			break;
	}
	me = &S->workers[w];
	if (!me->pid)
		return;
	me->killed = 1;
	kill(me->pid, SIGKILL);
	if (me->kind == PRODUCER)
		inc(kills_tx);
	else if (me->kind == CONSUMER)
		inc(kills_rx);
	else
		inc(kills_port);
}

/* Send @sig to every live worker of @kind until all of them are gone. */
static int stop_kind(int kind, int sig, double limit)
{
	double end = now_s() + limit;
	uint32_t w;
	int alive;

	for (;;) {
		alive = 0;
		reap(0);
		for (w = 0; w < S->nworkers; w++) {
			if (S->workers[w].kind != kind || !S->workers[w].pid)
				continue;
			alive++;
			kill(S->workers[w].pid, sig);
		}
		if (!alive)
			return 0;
		if (now_s() > end) {
			for (w = 0; w < S->nworkers; w++)
				if (S->workers[w].kind == kind && S->workers[w].pid) {
					report("worker %u (pid %d) did not stop", w,
					       (int)S->workers[w].pid);
					kill(S->workers[w].pid, SIGKILL);
				}
			sleep_ms(100);
			reap(0);
			return -1;
		}
		sleep_ms(20);
	}
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seconds N] [--messages N] [--producers N] [--consumers N]\n"
		"          [--ports N] [--seed N] [--failslab PERCENT] [--slab-slack KB]\n"
		"          [--no-kill] [--no-destroy] [--no-rmmod] [--no-signals]\n"
		"Many producers and consumers over named mailboxes and ports with faults\n"
		"injected; every message is checked and accounted. Needs root for\n"
		"failslab and delete_module; prints TAP.\n", argv0);
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", 1, NULL, 's' }, { "messages", 1, NULL, 'm' },
		{ "producers", 1, NULL, 'p' }, { "consumers", 1, NULL, 'c' },
		{ "ports", 1, NULL, 'P' }, { "seed", 1, NULL, 'S' },
		{ "failslab", 1, NULL, 'f' }, { "slab-slack", 1, NULL, 'k' },
		{ "no-kill", 0, NULL, 'K' }, { "no-destroy", 0, NULL, 'D' },
		{ "no-rmmod", 0, NULL, 'R' }, { "no-signals", 0, NULL, 'G' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	int o;

	opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	while ((o = getopt_long(argc, argv, "s:m:p:c:P:S:f:k:KDRGh", lo, NULL)) != -1) {
		switch (o) {
		case 's': opt_seconds = strtoul(optarg, NULL, 0); break;
		case 'm': opt_messages = strtoul(optarg, NULL, 0); break;
		case 'p': opt_producers = strtoul(optarg, NULL, 0); break;
		case 'c': opt_consumers = strtoul(optarg, NULL, 0); break;
		case 'P': opt_ports = strtoul(optarg, NULL, 0); break;
		case 'S': opt_seed = strtoull(optarg, NULL, 0); break;
		case 'f': opt_failslab = strtoul(optarg, NULL, 0); break;
		case 'k': opt_slab_slack_kb = strtoul(optarg, NULL, 0); break;
		case 'K': opt_kill = 0; break;
		case 'D': opt_destroy = 0; break;
		case 'R': opt_rmmod = 0; break;
		case 'G': opt_signals = 0; break;
		default: usage(argv[0]);
		}
	}
	if (!opt_producers || !opt_consumers || opt_consumers <= opt_ports ||
	    opt_producers + opt_consumers > MAX_WORKERS || opt_ports > 4 ||
	    !opt_messages || opt_messages > 100000000 || opt_failslab > 100)
		usage(argv[0]);
}

/* Named mailboxes and ports: capacity, largest message. */
static const struct { const char *tag; uint32_t cap, size; } named_cfg[] = {
	{ "small", 256, 256 },
	{ "mid", 64, 4096 },
	{ "big", 8, 65536 },
	{ "rendezvous", 0, 1024 },
};
static const struct { uint32_t cap, size; } port_cfg[] = {
	{ 32, 8192 }, { 4, 512 }, { 128, 1024 }, { 1, 65536 },
};

static int tap_n;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct counters *c;
	uint64_t accepted = 0, received = 0, lost = 0, lost_destroy = 0;
	uint64_t lost_kill = 0, excess = 0, phantom = 0, maybe_seen = 0;
	uint64_t allow_destroy = 0, allow_kill = 0;
	long slab_base, slab_peak, slab_after, slack;
	double start, next_kill, next_destroy, next_rmmod, next_slab, t;
	int failslab_on = 0, rmmod_on, i, fd;
	size_t shm_size;
	struct rng r;
	uint32_t d, w, g;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	block_usr(SIG_BLOCK);

	fd = open(MSGBOX_DEVICE, O_RDWR);
	if (fd < 0) {
		printf("1..0 # SKIP %s: %s\n", MSGBOX_DEVICE, strerror(errno));
		return 4;
	}
	close(fd);

	shm_size = sizeof(struct shared) + (size_t)(opt_messages + 65536) * sizeof(struct msgrec);
	S = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(S, 0, shm_size);
	S->max_gids = opt_messages;
	c = &S->c;
	rng_init(&r, 0, 0);

	printf("# msgbox_stress: seed %llu, %u producers, %u consumers (%u port owners), "
	       "%u named mailboxes + %u ports, %u s, at most %u messages\n",
	       (unsigned long long)opt_seed, opt_producers, opt_consumers, opt_ports,
	       (unsigned)(sizeof(named_cfg) / sizeof(named_cfg[0])), opt_ports,
	       opt_seconds, opt_messages);

	settle();
	slab_base = slab_peak = meminfo_kb("Slab");

	for (d = 0; d < sizeof(named_cfg) / sizeof(named_cfg[0]); d++) {
		struct dest *ds = &S->dests[S->ndests++];

		snprintf(ds->name, sizeof(ds->name), "stress-%d-%s", (int)getpid(),
			 named_cfg[d].tag);
		ds->capacity = named_cfg[d].cap;
		ds->max_msg_size = named_cfg[d].size;
		i = create_dest(ds);
		if (i) {
			printf("not ok 1 create %s: %s\n", ds->name, strerror(-i));
			return 1;
		}
	}
	for (d = 0; d < opt_ports; d++) {
		struct dest *ds = &S->dests[S->ndests++];

		snprintf(ds->name, sizeof(ds->name), "port%u", d);
		ds->port = 1;
		ds->capacity = port_cfg[d].cap;
		ds->max_msg_size = port_cfg[d].size;
	}

	if (opt_failslab && getuid() == 0 && access(FAILSLAB, F_OK) == 0) {
		if (failslab_setup(opt_failslab) == 0)
			failslab_on = 1;
		else
			failslab_off();
	}
	rmmod_on = opt_rmmod && getuid() == 0;

	/* Workers: port owners, consumers, producers. */
	for (i = 0; i < (int)opt_consumers; i++) {
		struct worker *me = &S->workers[S->nworkers++];

		me->kind = i < (int)opt_ports ? PORT_OWNER : CONSUMER;
		me->dest = i < (int)opt_ports ? (int)(S->ndests - opt_ports + i) : -1;
		me->restart = i & 1;
		me->failslab = failslab_on && i == (int)opt_ports;
	}
	for (i = 0; i < (int)opt_producers; i++) {
		struct worker *me = &S->workers[S->nworkers++];

		me->kind = PRODUCER;
		me->restart = i & 1;
		me->failslab = failslab_on && i == 0;
	}
	for (w = 0; w < S->nworkers; w++)
		spawn(w);

	start = now_s();
	next_kill = start + 1.0;
	next_destroy = start + 1.5;
	next_rmmod = start + 0.5;
	next_slab = start;
	for (;;) {
		t = now_s();
		reap(1);
		if (t - start >= opt_seconds || load(&S->stop_send) ||
		    load(&S->ngids) >= S->max_gids)
			break;
		if (opt_signals) {
			for (i = 0; i < 4; i++) {
				w = rndn(&r, S->nworkers);
				if (S->workers[w].pid && !kill(S->workers[w].pid, SIGUSR1))
					inc(signals);
			}
		}
		if (opt_kill && t >= next_kill) {
			kill_one(&r);
			next_kill = t + 0.5 + rndn(&r, 1500) / 1000.0;
		}
		if (opt_destroy && t >= next_destroy) {
			destroy_one(&r);
			next_destroy = t + 1.0 + rndn(&r, 2000) / 1000.0;
		}
		if (rmmod_on && t >= next_rmmod) {
			try_rmmod();
			next_rmmod = t + 0.5;
		}
		if (t >= next_slab) {
			long kb = meminfo_kb("Slab");

			if (kb > slab_peak)
				slab_peak = kb;
			next_slab = t + 0.5;
		}
		sleep_ms(5);
	}
	t = now_s() - start;

	/* Stop producers, then let the consumers drain everything. */
	store(&S->stop_send, 1);
	stop_kind(PRODUCER, SIGUSR2, 30);
	if (rmmod_on)
		try_rmmod();
	store(&S->drain, 1);
	stop_kind(CONSUMER, SIGUSR2, 60);
	stop_kind(PORT_OWNER, SIGUSR2, 60);
	reap(0);
	if (failslab_on)
		failslab_off();

	/* Whatever is still queued was lost by the drain. */
	for (d = 0; d < S->ndests; d++) {
		struct dest *ds = &S->dests[d];
		struct msgbox_stat_args st;

		if (ds->port) {
			if (ds->drained_left) {
				inc(left_queued);
				report("%s: %llu messages left after its owner drained it",
				       ds->name, (unsigned long long)ds->drained_left);
			}
			continue;
		}
		fd = open_named(&S->workers[0], d, O_RDONLY, &g);
		if (fd < 0 || msgbox_stat(fd, &st)) {
			inc(bad_setup);
			report("%s: cannot stat after the drain", ds->name);
		} else if (st.msgs) {
			inc(left_queued);
			report("%s: %u messages left after the drain", ds->name, st.msgs);
		}
		if (fd >= 0)
			close(fd);
	}

	/* The books. */
	for (g = 0; g < load(&S->ngids); g++) {
		struct msgrec *m = &S->msgs[g];
		struct stream *s = &S->streams[m->stream];
		struct gen_state *gs = &S->dests[s->dest].gens[s->gen % MAX_GENS];

		if (m->accepted) {
			accepted++;
			gs->accepted++;
			if (!m->seen)
				gs->lost++;
		} else if (m->seen) {
			if (m->maybe) {
				maybe_seen++;
			} else {
				phantom++;
				if (phantom <= 5)
					report("gid %u (stream %u seq %u to %s gen %u) was "
					       "received but its send failed", g, m->stream,
					       m->seq, S->dests[s->dest].name, s->gen);
			}
		}
		if (m->seen)
			received++;
	}
	for (d = 0; d < S->ndests; d++) {
		struct dest *ds = &S->dests[d];

		for (g = 0; g < MAX_GENS; g++) {
			struct gen_state *gs = &ds->gens[g];
			/*
			 * A destroy discards what is queued: at most the
			 * capacity, and on a rendezvous mailbox what
			 * non-blocking sends handed to receivers that were
			 * waiting then but left before taking it.
			 */
			uint64_t allow_d = !gs->destroyed ? 0 :
					   ds->capacity ? ds->capacity : opt_consumers;
			uint64_t allow = allow_d + gs->rx_allow;

			allow_destroy += allow_d;
			allow_kill += gs->rx_allow;
			lost += gs->lost;
			if (gs->lost > allow) {
				excess += gs->lost - allow;
				report("%s gen %u: %llu accepted messages lost, at most %llu "
				       "explained (%s, %u taken by killed receivers)",
				       ds->name, g, (unsigned long long)gs->lost,
				       (unsigned long long)allow,
				       gs->destroyed ? "destroyed" : "alive", gs->rx_allow);
			}
			if (gs->destroyed)
				lost_destroy += gs->lost;
			else
				lost_kill += gs->lost;
		}
	}

	/* Cleanup, then kernel memory. */
	for (d = 0; d < S->ndests; d++)
		if (!S->dests[d].port)
			msgbox_destroy(S->dests[d].name);
	settle();
	slab_after = meminfo_kb("Slab");
	slack = opt_slab_slack_kb ? (long)opt_slab_slack_kb : meminfo_kb("MemTotal") / 32 + 8192;

	printf("# messages: %llu accepted, %llu received (%.0f msg/s), %llu MiB sent, "
	       "%llu MiB received\n",
	       (unsigned long long)accepted, (unsigned long long)received,
	       received / (t > 0 ? t : 1), (unsigned long long)(c->send_bytes >> 20),
	       (unsigned long long)(c->recv_bytes >> 20));
	printf("# lost: %llu in destroyed generations (bound %llu), %llu to killed "
	       "receivers (bound %llu), %llu in flight of killed or EINPROGRESS senders "
	       "delivered\n",
	       (unsigned long long)lost_destroy, (unsigned long long)allow_destroy,
	       (unsigned long long)lost_kill, (unsigned long long)allow_kill,
	       (unsigned long long)maybe_seen);
	printf("# send calls %llu (batches %llu, acknowledged %llu): EAGAIN %llu, "
	       "ETIMEDOUT %llu, EINTR %llu, EINPROGRESS %llu, EIDRM %llu, ESRCH %llu, "
	       "ENOMEM %llu\n",
	       (unsigned long long)c->send_calls, (unsigned long long)c->send_batches,
	       (unsigned long long)c->send_acks, (unsigned long long)c->send_eagain,
	       (unsigned long long)c->send_etimedout, (unsigned long long)c->send_eintr,
	       (unsigned long long)c->send_einprogress,
	       (unsigned long long)c->send_eidrm, (unsigned long long)c->send_esrch,
	       (unsigned long long)c->send_enomem);
	printf("# recv calls %llu (batches %llu): EAGAIN %llu, ETIMEDOUT %llu, "
	       "EINTR %llu, EIDRM %llu, ENOMEM %llu; open ENOMEM %llu\n",
	       (unsigned long long)c->recv_calls, (unsigned long long)c->recv_batches,
	       (unsigned long long)c->recv_eagain, (unsigned long long)c->recv_etimedout,
	       (unsigned long long)c->recv_eintr, (unsigned long long)c->recv_eidrm,
	       (unsigned long long)c->recv_enomem, (unsigned long long)c->open_enomem);
	printf("# faults: %llu signals, SIGKILL of %llu senders, %llu receivers, "
	       "%llu port owners; %llu destroys; %llu delete_module refused of %llu; "
	       "failslab %s\n",
	       (unsigned long long)c->signals, (unsigned long long)c->kills_tx,
	       (unsigned long long)c->kills_rx, (unsigned long long)c->kills_port,
	       (unsigned long long)c->destroys, (unsigned long long)c->rmmod_refused,
	       (unsigned long long)c->rmmod_tries,
	       failslab_on ? "on" : "off");
	printf("# slab: baseline %ld kB, peak %ld kB, after cleanup %ld kB (slack %ld kB)\n",
	       slab_base, slab_peak, slab_after, slack);
	printf("# stress: %llu messages, %llu calls, %.1f seconds\n",
	       (unsigned long long)received,
	       (unsigned long long)(c->send_calls + c->recv_calls), t);

	printf("1..10\n");
	tap(accepted > 0 && received > 0, "traffic: %llu messages accepted, %llu received",
	    (unsigned long long)accepted, (unsigned long long)received);
	tap(!c->bad_payload && !c->bad_route && !c->bad_cred,
	    "payloads intact and delivered where sent (%llu corrupted, %llu misrouted, "
	    "%llu bad credentials)", (unsigned long long)c->bad_payload,
	    (unsigned long long)c->bad_route, (unsigned long long)c->bad_cred);
	tap(!c->dup, "no message received twice (%llu duplicates)",
	    (unsigned long long)c->dup);
	tap(!c->order, "per-producer order kept within a priority (%llu inversions)",
	    (unsigned long long)c->order);
	tap(!excess && !c->left_queued,
	    "nothing accepted lost beyond destroys and killed receivers "
	    "(%llu unexplained, %llu left queued)", (unsigned long long)excess,
	    (unsigned long long)c->left_queued);
	tap(!phantom, "no delivery of a failed send (%llu)", (unsigned long long)phantom);
	tap(!c->bad_errno && !c->bad_open && !c->bad_setup && !c->worker_died,
	    "only documented errors (%llu unexpected errno, %llu open, %llu setup, "
	    "%llu workers died)", (unsigned long long)c->bad_errno,
	    (unsigned long long)c->bad_open, (unsigned long long)c->bad_setup,
	    (unsigned long long)c->worker_died);
	if (rmmod_on && c->rmmod_skipped < c->rmmod_tries)
		tap(!c->bad_rmmod, "delete_module refused under load (%llu of %llu)",
		    (unsigned long long)c->rmmod_refused, (unsigned long long)c->rmmod_tries);
	else
		printf("ok %d # SKIP delete_module under load (not root or no module)\n", ++tap_n);
	if (failslab_on)
		tap(c->send_enomem + c->recv_enomem + c->open_enomem > 0,
		    "failslab: %llu ENOMEM, all other outcomes as without it",
		    (unsigned long long)(c->send_enomem + c->recv_enomem + c->open_enomem));
	else
		printf("ok %d # SKIP failslab (needs root and %s)\n", ++tap_n, FAILSLAB);
	tap(slab_after >= 0 && slab_after - slab_base <= slack,
	    "slab back near baseline (%+ld kB, slack %ld kB)", slab_after - slab_base, slack);

	return c->bad_payload || c->bad_route || c->bad_cred || c->dup || c->order ||
	       excess || c->left_queued || phantom || c->bad_errno || c->bad_open ||
	       c->bad_setup || c->worker_died || c->bad_rmmod || !accepted ||
	       (failslab_on && !(c->send_enomem + c->recv_enomem + c->open_enomem)) ||
	       slab_after < 0 || slab_after - slab_base > slack;
}
