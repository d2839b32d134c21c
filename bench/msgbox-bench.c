// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench - msgbox measured against the other message-passing
 * mechanisms of Linux, in one run, on one machine.
 *
 * Mechanisms: a named msgbox mailbox (through libmsgbox, one message per
 * call or batched, and through write(2) and read(2)), a POSIX message
 * queue, a System V message queue, a pipe, Unix SOCK_SEQPACKET and
 * SOCK_DGRAM socket pairs, and two floors: a ring in shared memory driven by
 * FUTEX_WAIT/FUTEX_WAKE, the payload copied in by the sender and out by the
 * receiver (two copies, like the kernel queues), and a null system call.
 * Three more floors, for round trips only, are the futex ring with one
 * cheap call on a descriptor added to every send and receive: an ioctl(2)
 * on a mailbox (MSGBOX_IOC_STAT), a read(2) of an empty non-blocking one,
 * and mq_getattr(3) on a POSIX queue. Against one another they show what
 * a call costs by the path it enters the kernel through, with the same
 * context switches around it.
 *
 * Sections, each run in full before the next:
 *
 *   syscall  cost of syscall(SYS_getppid), timed in batches.
 *   rtt      round-trip latency. A sends, B echoes, A waits for the echo.
 *            First both processes on one vCPU (the figures that repeat best
 *            under emulation), then one process per vCPU. Round trips are
 *            timed in batches, because a clock read costs about as much as
 *            a system call under TCG; the figure of one run is the median of
 *            the batch means.
 *   paired-rtt  round trips on one vCPU again, every mechanism of one size
 *            at once: a responder each, and one initiator that times a
 *            block of about 1/25 of the measuring time on each in turn, for
 *            20 rounds whose order rotates by one place each round. The
 *            ratios to mq and to the futex floor are taken within each
 *            round, between blocks run a few milliseconds apart, and their
 *            median over the rounds is the figure of the run: a slow spell
 *            of the host hits neighbouring blocks alike and divides out,
 *            where it can land on one mechanism's separate run above.
 *   stream   one-way throughput, producer and consumer on different vCPUs,
 *            queue depth bounded by --depth (64). The consumer counts what
 *            it receives in shared memory; after a warm-up the parent
 *            samples that counter at the end of each of 10 windows of the
 *            measuring time, and the figure of one run is the median of the
 *            windows' rates.
 *   paired-stream  streaming likewise paired: every mechanism's producer
 *            and consumer started at once, and in each of 10 rounds each
 *            producer in turn sends for a fifth of the measuring time while
 *            the others wait; its consumer's counter is sampled over the
 *            last four fifths of the turn, and the ratios are taken within
 *            rounds as for paired-rtt.
 *   mpmc     2 producers and 2 consumers on one queue (one of each per
 *            vCPU), aggregate rate, for the mechanisms that allow it.
 *   pairs    1 producer/consumer pair on one vCPU against 2 pairs on
 *            separate queues, one pair per vCPU, paired: two queues of
 *            every mechanism and their pairs started at once, and in each
 *            of 20 rounds each mechanism in turn runs one pair and both
 *            (in either order), for a tenth of the measuring time each.
 *            The ratio of the aggregate rates within a round ("scale",
 *            ideally 2), median over the rounds, shows whether independent
 *            queues get in each other's way. A busy loop on each vCPU,
 *            measured the same way at the first size, shows how close to
 *            2 the host lets any work get.
 *   mem      kernel memory per queued message, at each size: a queue is
 *            filled with --mem-msgs messages (fewer when large, about 8 MiB
 *            at most) and the growth of the kernel memory that can hold
 *            them is divided by their count. That memory is the live slab
 *            objects (/proc/slabinfo, after flushing the per-CPU slabs
 *            through the shrink file of each cache in /sys/kernel/slab),
 *            plus the pages of kmallocs too large for a slab cache, plus
 *            vmalloc pages (both from /proc/meminfo).
 *
 * Every figure is the median of --repeats runs (3), each on fresh queues, and
 * comes with its spread, (max - min) / median. Repeats are interleaved with
 * the mechanisms so that drift in the machine hits all of them alike. Each
 * figure is also given as a ratio to POSIX mq and to the futex floor of the
 * same size and placement ("x_mq", "x_futex"). Tables come first, then one
 * "BENCH ..." line per figure for scripts.
 *
 * The program is meant to run as root in a throw-away VM: it raises the
 * queue limits in /proc/sys (and puts them back on exit), lifts
 * RLIMIT_MSGQUEUE, mounts the mqueue file system on /dev/mqueue if nothing
 * is mounted there, and pins processes to CPUs. Mechanisms that cannot be
 * set up (no /dev/msgbox, say) are reported and left out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "msgbox.h"

#define MAX_SIZES	8
#define MAX_REPEATS	15
#define MAX_PROCS	8	/* children of one measurement */
#define MAX_BATCHES	20000	/* timed batches of one round-trip run */
#define MIN_BATCHES	5
#define MAX_RTT_BATCH	64	/* round trips per timed batch, at most */
#define MAX_MECHS	16	/* room in struct shared for per-mechanism results */
#define RX_SLOTS	(2 * MAX_MECHS + 2)	/* consumer counters in it */
#define PAIRED_ROUNDS	20	/* rounds of one paired round-trip run */
#define PAIRED_BLOCKS	25	/* paired blocks per --time, about */
#define PSTREAM_ROUNDS	10	/* rounds of one paired streaming run */
#define PSTREAM_BLOCKS	5	/* paired streaming blocks per --time */
#define PAIRS_ROUNDS	20	/* rounds of one paired run of the pairs section */
#define PAIRS_BLOCKS	10	/* its blocks per --time */
#define SYSCALL_BATCH	1000
#define STREAM_WINDOWS	10	/* sampling windows of one streaming run */
#define HEADROOM	64	/* bytes free before every message buffer */
#define MEM_BYTES	(8 << 20) /* payload queued per mem run, at most */
#define MQUEUE_MAGIC	0x19800202
#define NANV		__builtin_nan("")
#define IS_NAN(x)	__builtin_isnan(x)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Options                                                                 */

enum {
	SEC_SYSCALL,
	SEC_RTT,
	SEC_PAIRED,
	SEC_STREAM,
	SEC_PSTREAM,
	SEC_MPMC,
	SEC_PAIRS,
	SEC_MEM,
	NSEC
};

static const char *const section_names[NSEC] = {
	"syscall", "rtt", "paired-rtt", "stream", "paired-stream", "mpmc",
	"pairs", "mem",
};

static struct {
	double warmup;		/* seconds before each measurement */
	double measure;		/* seconds of each measurement */
	int repeats;
	unsigned int depth;	/* queue depth for streaming */
	unsigned int mem_msgs;	/* messages queued by the mem section */
	size_t sizes[MAX_SIZES];
	int nsizes;
	unsigned int mechs;	/* bit per mechanism */
	unsigned int sections;	/* bit per section */
	int quick;
	int cpu[2];		/* the two CPUs used */
	int ncpu;
} opt;

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_for(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values, NaNs ignored; sorts @v. NaN when none is left. */
static double median(double *v, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (!IS_NAN(v[i]))
			v[k++] = v[i];
	if (!k)
		return NANV;
	qsort(v, k, sizeof(*v), cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* @a / @b, NaN when either is NaN or @b is 0. */
static double ratio(double a, double b)
{
	if (IS_NAN(a) || IS_NAN(b) || b == 0)
		return NANV;
	return a / b;
}

/* A message buffer of @len bytes with HEADROOM writable bytes before it. */
static char *buf_alloc(size_t len)
{
	char *p = aligned_alloc(64, HEADROOM + ((len + 63) & ~(size_t)63));

	if (!p) {
		fprintf(stderr, "msgbox-bench: out of memory\n");
		_exit(2);
	}
	memset(p, 0x5a, HEADROOM + len);
	return p + HEADROOM;
}

static void buf_free(char *buf)
{
	free(buf - HEADROOM);
}

static long futex_op(uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static long read_long(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int write_str(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		r = -errno;
	close(fd);
	return r;
}

/* ---------------------------------------------------------------------- */
/* State shared between the parent and the children of one measurement     */

struct shared {
	uint32_t ready;		/* children attached to their queues */
	uint32_t go;		/* set by the parent: start */
	double result;		/* written by a round-trip initiator */
	double paired[MAX_MECHS][3];	/* paired run: us, x_mq, x_futex */
	uint32_t turn;		/* paired runs: who works, see struct job */
	struct {
		uint64_t n;	/* messages received by consumer i */
		char pad[56];
	} rx[RX_SLOTS];
};

static struct shared *sh;

static void shared_reset(void)
{
	memset(sh, 0, sizeof(*sh));
}

/* The sum of the counters sh->rx[@slot] to sh->rx[@slot + @n - 1]. */
static uint64_t rx_sum(int slot, int n)
{
	uint64_t sum = 0;

	while (n--)
		sum += __atomic_load_n(&sh->rx[slot + n].n, __ATOMIC_RELAXED);
	return sum;
}

/* What the current child is doing, for its error messages. */
static char child_what[96];

static void __attribute__((format(printf, 1, 2), noreturn))
child_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "msgbox-bench: %s: ", child_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(2);
}

/* ---------------------------------------------------------------------- */
/* Mechanisms                                                              */

/*
 * A link is the set of queues one measurement uses: one queue per direction,
 * direction 0 from A (initiator, producer) to B, direction 1 back. It is
 * created by the parent before fork; each child then attaches to the ends
 * it uses, in its own copy of the struct.
 */
enum { END_SEND, END_RECV };

struct ring;

struct link {
	const struct mech *m;
	size_t size;		/* message size */
	unsigned int depth;	/* most messages queued per direction */
	int ndirs;		/* directions created */
	char name[2][64];	/* msgbox and mq names */
	int fd[2][2];		/* [direction][END_*], -1 when unused */
	int msqid[2];		/* System V queue ids */
	struct ring *ring[2];	/* futex rings */
	size_t ring_len;
};

/* struct mech.caps */
#define MC_MPMC		(1U << 0)	/* several senders and receivers per queue */
#define MC_PAIRS	(1U << 1)	/* in the pairs section */
#define MC_MEM		(1U << 2)	/* queues messages in kernel memory */
#define MC_NORTT	(1U << 3)	/* streaming variant: no round trips */
#define MC_RTTONLY	(1U << 4)	/* round trips only: no streaming */

/**
 * struct mech - one mechanism under test
 * @name: short name, used in options and output
 * @what: one-line description
 * @caps: MC_* bits
 * @create: in the parent, create the queues of @ndirs directions; 0 or -errno
 * @attach: in the process that uses them, open the sending end of
 *	direction @send_dir and the receiving end of @recv_dir (-1: none)
 * @send: send @len bytes from @buf (HEADROOM bytes before @buf may be used)
 *	on direction @dir, blocking while the queue is full; 0 or -errno
 * @recv: receive one message of at most @len bytes into @buf; its length or
 *	-errno
 * @destroy: in the parent, close what it attached and remove the queues
 * @send_many: optional, streaming only: send up to @n messages of @len bytes
 *	from @n consecutive slots of @len bytes at @buf in one call; the number
 *	sent (at least 1) or -errno
 * @recv_many: optional, streaming only: receive up to @n messages into @n
 *	slots of @len bytes; the number received (at least 1) or -errno
 * @call: optional, for the call floors: the call on the link's descriptor
 *	that their @send and @recv make first; 0 or -errno
 */
struct mech {
	const char *name;
	const char *what;
	unsigned int caps;
	int (*create)(struct link *l, int ndirs);
	int (*attach)(struct link *l, int send_dir, int recv_dir);
	int (*send)(struct link *l, int dir, char *buf, size_t len);
	ssize_t (*recv)(struct link *l, int dir, char *buf, size_t len);
	void (*destroy)(struct link *l);
	int (*send_many)(struct link *l, int dir, char *buf, size_t len,
			 unsigned int n);
	int (*recv_many)(struct link *l, int dir, char *buf, size_t len,
			 unsigned int n);
	int (*call)(struct link *l);
};

static void link_init(struct link *l, const struct mech *m, size_t size,
		      unsigned int depth)
{
	int d;

	memset(l, 0, sizeof(*l));
	l->m = m;
	l->size = size;
	l->depth = depth;
	for (d = 0; d < 2; d++) {
		l->fd[d][END_SEND] = -1;
		l->fd[d][END_RECV] = -1;
		l->msqid[d] = -1;
	}
}

static void link_close_fds(struct link *l)
{
	int d, e;

	for (d = 0; d < 2; d++)
		for (e = 0; e < 2; e++)
			if (l->fd[d][e] >= 0) {
				close(l->fd[d][e]);
				l->fd[d][e] = -1;
			}
}

static unsigned int name_seq;

static void link_name(struct link *l, int dir, const char *prefix)
{
	snprintf(l->name[dir], sizeof(l->name[dir]), "%smsgbox-bench.%d.%u.%d",
		 prefix, (int)getpid(), name_seq, dir);
}

static int no_attach(struct link *l, int send_dir, int recv_dir)
{
	(void)l;
	(void)send_dir;
	(void)recv_dir;
	return 0;
}

/* Plain descriptors: pipes and sockets. */

static int fd_send(struct link *l, int dir, char *buf, size_t len)
{
	int fd = l->fd[dir][END_SEND];
	size_t done = 0;
	ssize_t r;

	do {
		r = write(fd, buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)r;
	} while (done < len);
	return 0;
}

/* A pipe carries bytes: read exactly one message of @len bytes. */
static ssize_t pipe_recv(struct link *l, int dir, char *buf, size_t len)
{
	int fd = l->fd[dir][END_RECV];
	size_t done = 0;
	ssize_t r;

	do {
		r = read(fd, buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		done += (size_t)r;
	} while (done < len);
	return (ssize_t)len;
}

static int pipe_create(struct link *l, int ndirs)
{
	size_t bytes = (size_t)l->depth * l->size;
	int d, p[2];

	for (d = 0; d < ndirs; d++) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			link_close_fds(l);
			return -errno;
		}
		l->fd[d][END_RECV] = p[0];
		l->fd[d][END_SEND] = p[1];
		/* Room for about @depth messages; the kernel rounds up. */
		if (bytes > 4096 && bytes <= INT_MAX)
			fcntl(p[1], F_SETPIPE_SZ, (int)bytes);
	}
	l->ndirs = ndirs;
	return 0;
}

static void fd_destroy(struct link *l)
{
	link_close_fds(l);
}

/*
 * A Unix socket pair carries both directions. Between the two ends of a
 * pair only the sender's buffer limits the queue (max_dgram_qlen does not
 * apply to a peer), so SO_SNDBUF is set to hold about @depth messages: the
 * kernel doubles the value, and charges each message its payload plus some
 * 700 bytes of skb.
 */
static int sock_create(struct link *l, int type)
{
	size_t want = (size_t)l->depth * (l->size + 768) / 2;
	int sv[2], i, val;

	if (want < 65536)
		want = 65536;
	val = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &val, sizeof(val)))
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &val, sizeof(val));
		if (setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)))
			setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
	}
	l->fd[0][END_SEND] = sv[0];
	l->fd[0][END_RECV] = sv[1];
	l->fd[1][END_SEND] = dup(sv[1]);
	l->fd[1][END_RECV] = dup(sv[0]);
	if (l->fd[1][END_SEND] < 0 || l->fd[1][END_RECV] < 0) {
		link_close_fds(l);
		return -EMFILE;
	}
	l->ndirs = 2;
	return 0;
}

static int seqpacket_create(struct link *l, int ndirs)
{
	(void)ndirs;
	return sock_create(l, SOCK_SEQPACKET);
}

static int dgram_create(struct link *l, int ndirs)
{
	(void)ndirs;
	return sock_create(l, SOCK_DGRAM);
}

static int sock_send(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = send(l->fd[dir][END_SEND], buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

static ssize_t sock_recv(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = recv(l->fd[dir][END_RECV], buf, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* msgbox: a named mailbox per direction, opened by name by each user. */

static int mb_create(struct link *l, int ndirs)
{
	struct msgbox_attr attr = {
		.capacity = l->depth,
		.max_msg_size = (uint32_t)l->size,
		.mode = 0600,
	};
	int d, fd;

	name_seq++;
	for (d = 0; d < ndirs; d++) {
		link_name(l, d, "");
		fd = msgbox_create(l->name[d], &attr, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			while (--d >= 0)
				msgbox_destroy(l->name[d]);
			return fd;
		}
		close(fd);
	}
	l->ndirs = ndirs;
	return 0;
}

static int mb_attach(struct link *l, int send_dir, int recv_dir)
{
	int fd;

	if (send_dir >= 0) {
		fd = msgbox_open(l->name[send_dir], O_WRONLY | O_CLOEXEC, NULL);
		if (fd < 0)
			return fd;
		l->fd[send_dir][END_SEND] = fd;
	}
	if (recv_dir >= 0) {
		fd = msgbox_open(l->name[recv_dir], O_RDONLY | O_CLOEXEC, NULL);
		if (fd < 0)
			return fd;
		l->fd[recv_dir][END_RECV] = fd;
	}
	return 0;
}

static int mb_send(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = msgbox_send(l->fd[dir][END_SEND], buf, len, 0);
	while (r == -EINTR);
	return r < 0 ? r : 0;
}

static ssize_t mb_recv(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = msgbox_recv(l->fd[dir][END_RECV], buf, len, NULL);
	while (r == -EINTR);
	return r;
}

/* The same mailboxes through write(2) and read(2): one message each. */
static int mb_write(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = write(l->fd[dir][END_SEND], buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static ssize_t mb_read(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = read(l->fd[dir][END_RECV], buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static void mb_destroy(struct link *l)
{
	int d;

	link_close_fds(l);
	for (d = 0; d < l->ndirs; d++)
		msgbox_destroy(l->name[d]);
}

/* POSIX message queues. */

static int mq_create(struct link *l, int ndirs)
{
	struct mq_attr attr = {
		.mq_maxmsg = l->depth,
		.mq_msgsize = (long)l->size,
	};
	int d, r;
	mqd_t q;

	name_seq++;
	for (d = 0; d < ndirs; d++) {
		link_name(l, d, "/");
		q = mq_open(l->name[d], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
			    0600, &attr);
		if (q == (mqd_t)-1) {
			r = -errno;
			while (--d >= 0)
				mq_unlink(l->name[d]);
			return r;
		}
		mq_close(q);
	}
	l->ndirs = ndirs;
	return 0;
}

static int mq_attach(struct link *l, int send_dir, int recv_dir)
{
	mqd_t q;

	if (send_dir >= 0) {
		q = mq_open(l->name[send_dir], O_WRONLY | O_CLOEXEC);
		if (q == (mqd_t)-1)
			return -errno;
		l->fd[send_dir][END_SEND] = q;
	}
	if (recv_dir >= 0) {
		q = mq_open(l->name[recv_dir], O_RDONLY | O_CLOEXEC);
		if (q == (mqd_t)-1)
			return -errno;
		l->fd[recv_dir][END_RECV] = q;
	}
	return 0;
}

static int mq_send1(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = mq_send(l->fd[dir][END_SEND], buf, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static ssize_t mq_recv1(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = mq_receive(l->fd[dir][END_RECV], buf, len, NULL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static void mq_destroy(struct link *l)
{
	int d;

	link_close_fds(l);
	for (d = 0; d < l->ndirs; d++)
		mq_unlink(l->name[d]);
}

/*
 * System V message queues. msgsnd() wants the type just before the text:
 * it goes in the headroom of the buffer, so the payload is not copied an
 * extra time in user space. The queue's byte limit is set to @depth
 * messages, which also caps the message count at @depth.
 */
static int sysv_create(struct link *l, int ndirs)
{
	struct msqid_ds ds;
	int d, r;

	for (d = 0; d < ndirs; d++) {
		l->msqid[d] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (l->msqid[d] < 0)
			goto err;
		if (msgctl(l->msqid[d], IPC_STAT, &ds) < 0)
			goto err;
		ds.msg_qbytes = (msglen_t)l->depth * l->size;
		if (msgctl(l->msqid[d], IPC_SET, &ds) < 0)
			goto err;
	}
	l->ndirs = ndirs;
	return 0;
err:
	r = -errno;
	for (; d >= 0; d--)
		if (l->msqid[d] >= 0)
			msgctl(l->msqid[d], IPC_RMID, NULL);
	return r;
}

static int sysv_send(struct link *l, int dir, char *buf, size_t len)
{
	long *mtype = (long *)(void *)(buf - sizeof(long));
	int r;

	*mtype = 1;
	do
		r = msgsnd(l->msqid[dir], mtype, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static ssize_t sysv_recv(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = msgrcv(l->msqid[dir], buf - sizeof(long), len, 0, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static void sysv_destroy(struct link *l)
{
	int d;

	for (d = 0; d < l->ndirs; d++)
		msgctl(l->msqid[d], IPC_RMID, NULL);
}

/*
 * The futex floor: a single-producer, single-consumer ring of @depth slots
 * in a shared mapping. The sender copies the payload into a slot and the
 * receiver copies it out. A side that finds the ring full (empty) announces
 * itself in pwait (cwait), checks again and sleeps in FUTEX_WAIT on the
 * other side's index; the other side wakes it after moving its index. The
 * sequentially consistent store of the flag and of the index, each followed
 * by a load of the other, make sure one of the two sees the other.
 */
struct ring {
	uint32_t head;		/* next slot to fill; written by the producer */
	uint32_t pwait;		/* the producer sleeps, or is about to */
	char pad0[56];
	uint32_t tail;		/* next slot to empty; written by the consumer */
	uint32_t cwait;		/* the consumer sleeps, or is about to */
	char pad1[56];
	uint32_t len[];		/* length of each slot's message */
};

static size_t ring_hdr(unsigned int depth)
{
	return (sizeof(struct ring) + depth * sizeof(uint32_t) + 63) & ~(size_t)63;
}

static char *ring_slot(struct link *l, struct ring *r, uint32_t i)
{
	return (char *)r + ring_hdr(l->depth) + (size_t)(i % l->depth) * l->size;
}

static int futex_create(struct link *l, int ndirs)
{
	int d;

	l->ring_len = ring_hdr(l->depth) + (size_t)l->depth * l->size;
	for (d = 0; d < ndirs; d++) {
		void *p = mmap(NULL, l->ring_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED) {
			while (--d >= 0)
				munmap(l->ring[d], l->ring_len);
			return -ENOMEM;
		}
		l->ring[d] = p;
	}
	l->ndirs = ndirs;
	return 0;
}

static int futex_send(struct link *l, int dir, char *buf, size_t len)
{
	struct ring *r = l->ring[dir];
	uint32_t head = r->head, tail;

	for (;;) {
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (head - tail < l->depth)
			break;
		__atomic_store_n(&r->pwait, 1, __ATOMIC_SEQ_CST);
		tail = __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST);
		if (head - tail >= l->depth)
			futex_op(&r->tail, FUTEX_WAIT, tail);
		__atomic_store_n(&r->pwait, 0, __ATOMIC_RELAXED);
	}
	memcpy(ring_slot(l, r, head), buf, len);
	r->len[head % l->depth] = (uint32_t)len;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->cwait, __ATOMIC_SEQ_CST))
		futex_op(&r->head, FUTEX_WAKE, 1);
	return 0;
}

static ssize_t futex_recv(struct link *l, int dir, char *buf, size_t len)
{
	struct ring *r = l->ring[dir];
	uint32_t tail = r->tail, head, n;

	for (;;) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (head != tail)
			break;
		__atomic_store_n(&r->cwait, 1, __ATOMIC_SEQ_CST);
		head = __atomic_load_n(&r->head, __ATOMIC_SEQ_CST);
		if (head == tail)
			futex_op(&r->head, FUTEX_WAIT, head);
		__atomic_store_n(&r->cwait, 0, __ATOMIC_RELAXED);
	}
	n = r->len[tail % l->depth];
	if (n > len)
		return -EMSGSIZE;
	memcpy(buf, ring_slot(l, r, tail), n);
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->pwait, __ATOMIC_SEQ_CST))
		futex_op(&r->tail, FUTEX_WAKE, 1);
	return n;
}

static void futex_destroy(struct link *l)
{
	int d;

	for (d = 0; d < l->ndirs; d++)
		munmap(l->ring[d], l->ring_len);
}

/*
 * Two floors for the cost of a system call on a descriptor, next to the same
 * context switches: the futex ring again, with one cheap call on each send
 * and each receive. "futex+stat" makes MSGBOX_IOC_STAT on a mailbox
 * descriptor: ioctl(2) looks the descriptor up, runs the security modules'
 * ioctl hooks and dispatches to the device, which takes the mailbox lock and
 * copies a structure out. "futex+mqattr" makes mq_getattr(3) on a POSIX
 * queue: its own system call looks the descriptor up, takes the queue lock
 * and copies a structure out. The difference between their round trips is
 * what four calls cost more as a device's ioctl than as system calls of
 * their own, before any message is queued. "futex+read" makes a read(2) of
 * the same (empty, non-blocking) mailbox instead, which fails with EAGAIN:
 * the read/write path, with the security modules' file permission hooks.
 */
static int fxstat_create(struct link *l, int ndirs)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 64 };
	int fd, r;

	r = futex_create(l, ndirs);
	if (r < 0)
		return r;
	name_seq++;
	link_name(l, 0, "");
	fd = msgbox_create(l->name[0], &attr,
			   O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		futex_destroy(l);
		return fd;
	}
	l->fd[0][END_SEND] = fd;
	return 0;
}

static int fxstat_call(struct link *l)
{
	struct msgbox_stat_args st;

	return msgbox_stat(l->fd[0][END_SEND], &st);
}

static int fxread_call(struct link *l)
{
	char c;

	if (read(l->fd[0][END_SEND], &c, 1) >= 0 || errno != EAGAIN)
		return -EPROTO;
	return 0;
}

static void fxstat_destroy(struct link *l)
{
	link_close_fds(l);
	msgbox_destroy(l->name[0]);
	futex_destroy(l);
}

static int fxmq_create(struct link *l, int ndirs)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 64 };
	mqd_t q;
	int r;

	r = futex_create(l, ndirs);
	if (r < 0)
		return r;
	name_seq++;
	link_name(l, 0, "/");
	q = mq_open(l->name[0], O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0600,
		    &attr);
	if (q == (mqd_t)-1) {
		r = -errno;
		futex_destroy(l);
		return r;
	}
	l->fd[0][END_SEND] = q;
	return 0;
}

static int fxmq_call(struct link *l)
{
	struct mq_attr attr;

	return mq_getattr(l->fd[0][END_SEND], &attr) < 0 ? -errno : 0;
}

/* A call floor's send and receive: the mechanism's call, then the ring's. */
static int fxcall_send(struct link *l, int dir, char *buf, size_t len)
{
	int r = l->m->call(l);

	return r < 0 ? r : futex_send(l, dir, buf, len);
}

static ssize_t fxcall_recv(struct link *l, int dir, char *buf, size_t len)
{
	int r = l->m->call(l);

	return r < 0 ? r : futex_recv(l, dir, buf, len);
}

static void fxmq_destroy(struct link *l)
{
	link_close_fds(l);
	mq_unlink(l->name[0]);
	futex_destroy(l);
}

/*
 * msgbox with batched transfer: msgbox_send_batch() and msgbox_recv_batch()
 * move up to @n messages per system call (MSGBOX_IOC_SEND_BATCH and
 * MSGBOX_IOC_RECV_BATCH); only the first of a batch blocks.
 */
static int mb_send_many(struct link *l, int dir, char *buf, size_t len,
			unsigned int n)
{
	struct msgbox_mmsg mm[256];
	unsigned int i;
	int r;

	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		mm[i] = (struct msgbox_mmsg){ .buf = buf + i * len, .len = len };
	do
		r = msgbox_send_batch(l->fd[dir][END_SEND], mm, n);
	while (r == -EINTR);
	return r;
}

static int mb_recv_many(struct link *l, int dir, char *buf, size_t len,
			unsigned int n)
{
	struct msgbox_mmsg mm[256];
	unsigned int i;
	int r;

	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		mm[i] = (struct msgbox_mmsg){ .buf = buf + i * len, .len = len };
	do
		r = msgbox_recv_batch(l->fd[dir][END_RECV], mm, n);
	while (r == -EINTR);
	for (i = 0; r > 0 && i < (unsigned int)r; i++)
		if (mm[i].msg_len != len)
			return -EPROTO;
	return r;
}

/*
 * The mechanism table. "msgbox-batch" is msgbox streaming with batches of
 * up to @depth messages per call; it has no round trips of its own.
 */
enum {
	M_MSGBOX,
	M_MSGBOX_BATCH,
	M_MSGBOX_RW,
	M_MQ,
	M_SYSV,
	M_PIPE,
	M_SEQPACKET,
	M_DGRAM,
	M_FUTEX,
	M_FUTEX_STAT,
	M_FUTEX_READ,
	M_FUTEX_MQATTR,
	NMECH
};

_Static_assert(NMECH <= MAX_MECHS, "struct shared has no room for NMECH");
_Static_assert(2 * NMECH + 2 < 64, "sh->turn values must fit job.gates");
_Static_assert(PSTREAM_ROUNDS <= PAIRED_ROUNDS, "paired_medians() takes rounds");

static const struct mech mechs[NMECH] = {
	[M_MSGBOX] = {
		.name = "msgbox", .what = "named msgbox mailbox (libmsgbox)",
		.caps = MC_MPMC | MC_PAIRS | MC_MEM,
		.create = mb_create, .attach = mb_attach,
		.send = mb_send, .recv = mb_recv, .destroy = mb_destroy,
	},
	[M_MSGBOX_BATCH] = {
		.name = "msgbox-batch", .what = "msgbox, batched send/receive",
		.caps = MC_NORTT,
		.create = mb_create, .attach = mb_attach,
		.send = mb_send, .recv = mb_recv, .destroy = mb_destroy,
		.send_many = mb_send_many, .recv_many = mb_recv_many,
	},
	[M_MSGBOX_RW] = {
		.name = "msgbox-rw", .what = "msgbox, write(2) and read(2)",
		.caps = MC_MPMC | MC_PAIRS,
		.create = mb_create, .attach = mb_attach,
		.send = mb_write, .recv = mb_read, .destroy = mb_destroy,
	},
	[M_MQ] = {
		.name = "mq", .what = "POSIX message queue",
		.caps = MC_MPMC | MC_PAIRS | MC_MEM,
		.create = mq_create, .attach = mq_attach,
		.send = mq_send1, .recv = mq_recv1, .destroy = mq_destroy,
	},
	[M_SYSV] = {
		.name = "sysv", .what = "System V message queue",
		.caps = MC_MPMC | MC_MEM,
		.create = sysv_create, .attach = no_attach,
		.send = sysv_send, .recv = sysv_recv, .destroy = sysv_destroy,
	},
	[M_PIPE] = {
		.name = "pipe", .what = "pipe, fixed-size messages",
		.create = pipe_create, .attach = no_attach,
		.send = fd_send, .recv = pipe_recv, .destroy = fd_destroy,
	},
	[M_SEQPACKET] = {
		.name = "seqpacket", .what = "Unix SOCK_SEQPACKET socket pair",
		.caps = MC_MPMC,
		.create = seqpacket_create, .attach = no_attach,
		.send = sock_send, .recv = sock_recv, .destroy = fd_destroy,
	},
	[M_DGRAM] = {
		.name = "dgram", .what = "Unix SOCK_DGRAM socket pair",
		.caps = MC_MPMC,
		.create = dgram_create, .attach = no_attach,
		.send = sock_send, .recv = sock_recv, .destroy = fd_destroy,
	},
	[M_FUTEX] = {
		.name = "futex", .what = "floor: shared-memory ring, futex wake-ups",
		.caps = MC_PAIRS,
		.create = futex_create, .attach = no_attach,
		.send = futex_send, .recv = futex_recv, .destroy = futex_destroy,
	},
	[M_FUTEX_STAT] = {
		.name = "futex+stat",
		.what = "floor + MSGBOX_IOC_STAT per call (ioctl path)",
		.caps = MC_RTTONLY,
		.create = fxstat_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxstat_destroy, .call = fxstat_call,
	},
	[M_FUTEX_READ] = {
		.name = "futex+read",
		.what = "floor + read(2) of an empty mailbox per call",
		.caps = MC_RTTONLY,
		.create = fxstat_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxstat_destroy, .call = fxread_call,
	},
	[M_FUTEX_MQATTR] = {
		.name = "futex+mqattr",
		.what = "floor + mq_getattr() per call (mq's system calls)",
		.caps = MC_RTTONLY,
		.create = fxmq_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxmq_destroy, .call = fxmq_call,
	},
};

/* Why a selected mechanism is left out, NULL when it works. */
static const char *unavailable[NMECH];
static char unavailable_buf[NMECH][128];

static int mech_on(int m)
{
	return (opt.mechs & (1U << m)) && !unavailable[m];
}

/* ---------------------------------------------------------------------- */
/* Children                                                                */

/**
 * struct job - what one child of a measurement does
 * @l: the link (the child attaches in its own copy)
 * @cpu: CPU to pin to
 * @send_dir: direction it sends on, -1 for none
 * @recv_dir: direction it receives from, -1 for none
 * @slot: for a streaming consumer, its counter in struct shared; else -1
 * @gates: for a producer or busy loop of a paired streaming run, the values
 *	of sh->turn (bit t for the value t, see GATE()) while which it works;
 *	it waits while sh->turn has any other; 0 for a child that never waits
 */
struct job {
	struct link *l;
	int cpu;
	int send_dir;
	int recv_dir;
	int slot;
	uint64_t gates;
};

#define GATE(t)		(1ULL << (t))

static void job_attach(struct job *j)
{
	int r = j->l->m->attach(j->l, j->send_dir, j->recv_dir);

	if (r < 0)
		child_fail("attach: %s", strerror(-r));
}

static pid_t spawn(struct job *j, void (*fn)(struct job *))
{
	pid_t pid;
	int r;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	r = pin_cpu(j->cpu);
	if (r)
		child_fail("pin to CPU %d: %s", j->cpu, strerror(-r));
	fn(j);
	_exit(0);
}

/* Responder of a round trip: echo direction 0 back on direction 1. */
static void rtt_responder(struct job *j)
{
	struct link *l = j->l;
	char *buf = buf_alloc(l->size);
	ssize_t n;
	int r;

	job_attach(j);
	for (;;) {
		n = l->m->recv(l, 0, buf, l->size);
		if (n < 0)
			child_fail("echo receive: %s", strerror((int)-n));
		r = l->m->send(l, 1, buf, (size_t)n);
		if (r < 0)
			child_fail("echo send: %s", strerror(-r));
	}
}

static void round_trip(struct link *l, char *buf)
{
	ssize_t n;
	int r;

	r = l->m->send(l, 0, buf, l->size);
	if (r < 0)
		child_fail("send: %s", strerror(-r));
	n = l->m->recv(l, 1, buf, l->size);
	if (n < 0)
		child_fail("receive: %s", strerror((int)-n));
	if ((size_t)n != l->size)
		child_fail("echo of %zd bytes, sent %zu", n, l->size);
}

/* Round trips for opt.warmup seconds (8 at least): seconds per round trip. */
static double warm_up(struct link *l, char *buf)
{
	double t0 = now(), t;
	long n = 0;

	do {
		round_trip(l, buf);
		n++;
		t = now();
	} while (t - t0 < opt.warmup || n < 8);
	return (t - t0) / (double)n;
}

/*
 * Initiator of round trips: warm up for opt.warmup seconds, then time
 * batches of round trips for opt.measure seconds (at least MIN_BATCHES),
 * sized so that at least 16 batches fit; the median batch mean goes to
 * sh->result, in microseconds.
 */
static void rtt_initiator(struct job *j)
{
	struct link *l = j->l;
	char *buf = buf_alloc(l->size);
	double *mean = calloc(MAX_BATCHES, sizeof(*mean));
	double t0, t, per, end;
	long batch, i;
	int nb = 0;

	if (!mean)
		child_fail("out of memory");
	job_attach(j);
	per = warm_up(l, buf);
	batch = (long)(opt.measure / (16 * per));
	if (batch > MAX_RTT_BATCH)
		batch = MAX_RTT_BATCH;
	if (batch < 1)
		batch = 1;

	end = now() + opt.measure;
	do {
		t0 = now();
		for (i = 0; i < batch; i++)
			round_trip(l, buf);
		t = now();
		mean[nb++] = (t - t0) / (double)batch * 1e6;
	} while (nb < MAX_BATCHES && (t < end || nb < MIN_BATCHES));
	sh->result = median(mean, nb);
}

/*
 * The paired run in progress: paired_nlinks links of every mechanism in it,
 * at one size, and the mechanisms in the order of its first round (see
 * paired_begin()).
 * Set by the parent before it forks.
 */
static struct link paired_link[NMECH][2];
static int paired_order[NMECH], paired_n, paired_nlinks;

static int paired_has(int m)
{
	int k;

	for (k = 0; k < paired_n; k++)
		if (paired_order[k] == m)
			return 1;
	return 0;
}

/*
 * The figures of a paired run from @v[m][r], mechanism m's value in round r
 * of @rounds: @out[m][0] the median value, @out[m][1] and @out[m][2] the
 * medians of its ratios to mq's and to the futex floor's values in the
 * same rounds (NaN when that reference is not in the run).
 */
static void paired_medians(double v[][PAIRED_ROUNDS], int rounds,
			   double out[][3])
{
	static const int refs[2] = { M_MQ, M_FUTEX };
	double x[PAIRED_ROUNDS];
	int k, i, r, m;

	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		for (i = 0; i < 2; i++) {
			out[m][i + 1] = NANV;
			if (!paired_has(refs[i]))
				continue;
			for (r = 0; r < rounds; r++)
				x[r] = ratio(v[m][r], v[refs[i]][r]);
			out[m][i + 1] = median(x, rounds);
		}
	}
	/* Last: median() sorts, and the ratios need the rounds in order. */
	for (k = 0; k < paired_n; k++)
		out[paired_order[k]][0] = median(v[paired_order[k]], rounds);
}

/* Mean of @n round trips on @l, in microseconds. */
static double round_trips(struct link *l, char *buf, long n)
{
	double t0 = now();
	long i;

	for (i = 0; i < n; i++)
		round_trip(l, buf);
	return (now() - t0) / (double)n * 1e6;
}

/*
 * Initiator of a paired run: warm up on each mechanism and size its blocks
 * to about opt.measure / PAIRED_BLOCKS seconds, then run PAIRED_ROUNDS
 * rounds of one timed block per mechanism, the order rotated by one place
 * each round. A mechanism's ratio to mq (to the futex floor) in one round
 * is its block's mean round trip over mq's (the floor's) in the same
 * round; sh->paired gets the medians over the rounds.
 */
static void paired_initiator(struct job *j)
{
	static double us[NMECH][PAIRED_ROUNDS];
	long block[NMECH], n;
	struct link *l;
	int r, k, m;
	char *buf;

	(void)j;
	buf = buf_alloc(paired_link[paired_order[0]][0].size);
	for (k = 0; k < paired_n; k++) {
		l = &paired_link[paired_order[k]][0];
		r = l->m->attach(l, 0, 1);
		if (r < 0)
			child_fail("%s: attach: %s", l->m->name, strerror(-r));
		n = (long)(opt.measure / PAIRED_BLOCKS / warm_up(l, buf));
		block[paired_order[k]] = n < 1 ? 1 : n;
	}

	for (r = 0; r < PAIRED_ROUNDS; r++)
		for (k = 0; k < paired_n; k++) {
			m = paired_order[(k + r) % paired_n];
			us[m][r] = round_trips(&paired_link[m][0], buf, block[m]);
		}
	paired_medians(us, PAIRED_ROUNDS, sh->paired);
}

/* Tell the parent this child is ready, and wait for its go. */
static void ready_wait(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		futex_op(&sh->go, FUTEX_WAIT, 0);
}

/* A gated child of a paired run: wait until sh->turn is one of @gates. */
static void turn_wait(uint64_t gates)
{
	uint32_t t;

	while (!((gates >> (t = __atomic_load_n(&sh->turn, __ATOMIC_ACQUIRE))) & 1))
		futex_op(&sh->turn, FUTEX_WAIT, t);
}

/*
 * A busy loop counting in sh->rx[@j->slot], with no system calls: one per
 * vCPU against one alone shows how much parallel CPU the host really gives
 * the two vCPUs, which bounds what the pairs section can show.
 */
static void spin_child(struct job *j)
{
	uint64_t n = 0;
	int i;

	ready_wait();
	for (;;) {
		if (j->gates)
			turn_wait(j->gates);
		for (i = 0; i < 4096; i++)
			__asm__ __volatile__("" ::: "memory");
		n += 4096;
		__atomic_store_n(&sh->rx[j->slot].n, n, __ATOMIC_RELAXED);
	}
}

/* Producer or consumer of a stream; see the "stream" section. */
static void stream_child(struct job *j)
{
	struct link *l = j->l;
	const struct mech *m = l->m;
	unsigned int batch = m->send_many || m->recv_many ? l->depth : 1;
	char *buf = buf_alloc(l->size * batch);
	uint64_t n = 0;
	ssize_t got;
	int r;

	job_attach(j);
	ready_wait();

	if (j->slot < 0) {
		for (;;) {
			if (j->gates)
				turn_wait(j->gates);
			if (m->send_many)
				r = m->send_many(l, j->send_dir, buf, l->size, batch);
			else
				r = m->send(l, j->send_dir, buf, l->size);
			if (r < 0)
				child_fail("send: %s", strerror(-r));
		}
	}
	for (;;) {
		if (m->recv_many) {
			r = m->recv_many(l, j->recv_dir, buf, l->size, batch);
			if (r < 0)
				child_fail("receive: %s", strerror(-r));
			n += (uint64_t)r;
		} else {
			got = m->recv(l, j->recv_dir, buf, l->size);
			if (got < 0)
				child_fail("receive: %s", strerror((int)-got));
			if ((size_t)got != l->size)
				child_fail("received %zd bytes, expected %zu",
					   got, l->size);
			n++;
		}
		__atomic_store_n(&sh->rx[j->slot].n, n, __ATOMIC_RELAXED);
	}
}

/* ---------------------------------------------------------------------- */
/* Running children                                                        */

static void on_alarm(int sig)
{
	(void)sig;
}

/* Kill and reap every child in @pids that is still there (pid > 0). */
static void reap_all(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
			pids[i] = 0;
		}
}

/* 1 when a child in @pids has already ended (it failed), which is reaped. */
static int any_ended(pid_t *pids, int n)
{
	int i, ended = 0;

	for (i = 0; i < n; i++)
		if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
			pids[i] = 0;
			ended = 1;
		}
	return ended;
}

static unsigned int time_limit(void)
{
	return 30 + (unsigned int)(10 * (opt.warmup + opt.measure));
}

/* Round trip on @m with @size bytes, A on @cpu_a, B on @cpu_b: us or NaN. */
static double run_rtt(int m, size_t size, int cpu_a, int cpu_b)
{
	struct link l;
	struct job ja, jb;
	pid_t pids[2] = { 0, 0 };
	double result = NANV;
	int r, status;

	link_init(&l, &mechs[m], size, opt.depth);
	r = l.m->create(&l, 2);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: rtt %s %zu: create: %s\n",
			l.m->name, size, strerror(-r));
		return NANV;
	}
	snprintf(child_what, sizeof(child_what), "rtt %s %zu", l.m->name, size);
	shared_reset();
	ja = (struct job){ &l, cpu_a, 0, 1, -1, 0 };
	jb = (struct job){ &l, cpu_b, 1, 0, -1, 0 };
	pids[1] = spawn(&jb, rtt_responder);
	if (pids[1] < 0)
		goto out;
	pids[0] = spawn(&ja, rtt_initiator);
	if (pids[0] < 0)
		goto out;

	alarm(time_limit());
	r = waitpid(pids[0], &status, 0);
	alarm(0);
	if (r == pids[0]) {
		pids[0] = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			result = sh->result;
	} else {
		fprintf(stderr, "msgbox-bench: %s: no result after %u s\n",
			child_what, time_limit());
	}
out:
	if (pids[0] < 0 || pids[1] < 0)
		fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
	reap_all(pids, 2);
	l.m->destroy(&l);
	return result;
}

/*
 * Start @n children running @fn on @jobs into @pids, wait until all are
 * attached, and let them go: 0, or -1 when one could not be started or
 * ended first.
 */
static int start_all(struct job *jobs, int n, void (*fn)(struct job *),
		     pid_t *pids)
{
	double limit;
	int i;

	shared_reset();
	for (i = 0; i < n; i++) {
		pids[i] = spawn(&jobs[i], fn);
		if (pids[i] < 0) {
			fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
			pids[i] = 0;
			return -1;
		}
	}
	limit = now() + 30;
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < (uint32_t)n) {
		if (any_ended(pids, n) || now() > limit)
			return -1;
		sleep_for(0.002);
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	futex_op(&sh->go, FUTEX_WAKE, INT_MAX);
	return 0;
}

/*
 * Start @n children running @fn on @jobs and after opt.warmup sample the
 * consumers' counters at the end of each of STREAM_WINDOWS windows that
 * split opt.measure. Return the median of the windows' rates, in messages
 * per second, so that one stall of the emulated machine does not decide
 * the figure; NaN when a child failed.
 */
static double run_windows(struct job *jobs, int n, void (*fn)(struct job *))
{
	pid_t pids[MAX_PROCS] = { 0 };
	double t0, t1, result = NANV, rate[STREAM_WINDOWS];
	uint64_t c0, c1;
	int i, failed = 0;

	if (start_all(jobs, n, fn, pids)) {
		failed = 1;
		goto out;
	}

	sleep_for(opt.warmup);
	c0 = rx_sum(0, RX_SLOTS);
	t0 = now();
	for (i = 0; i < STREAM_WINDOWS; i++) {
		sleep_for(opt.measure / STREAM_WINDOWS);
		c1 = rx_sum(0, RX_SLOTS);
		t1 = now();
		rate[i] = (double)(c1 - c0) / (t1 - t0);
		c0 = c1;
		t0 = t1;
	}
	if (any_ended(pids, n)) {
		failed = 1;
		goto out;
	}
	/* Most windows empty: the machine stalled, the run says nothing. */
	result = median(rate, STREAM_WINDOWS);
	if (result == 0) {
		fprintf(stderr, "msgbox-bench: %s: nothing received in most of "
			"%.2f s, run left out\n", child_what, opt.measure);
		result = NANV;
	}
out:
	reap_all(pids, n);
	return failed ? NANV : result;
}

/* ---------------------------------------------------------------------- */
/* Results                                                                 */

/* One figure: a value per repeat (NaN for a failed run). */
struct fig {
	double v[MAX_REPEATS];
	int n;
};

static void fig_add(struct fig *f, double v)
{
	if (f->n < MAX_REPEATS)
		f->v[f->n++] = v;
}

static double fig_median(const struct fig *f)
{
	double v[MAX_REPEATS];

	memcpy(v, f->v, sizeof(v));
	return median(v, f->n);
}

/* (max - min) / median over the runs that worked. */
static double fig_spread(const struct fig *f)
{
	double med = fig_median(f), lo = NANV, hi = NANV;
	int i;

	for (i = 0; i < f->n; i++) {
		if (IS_NAN(f->v[i]))
			continue;
		if (IS_NAN(lo) || f->v[i] < lo)
			lo = f->v[i];
		if (IS_NAN(hi) || f->v[i] > hi)
			hi = f->v[i];
	}
	if (IS_NAN(med) || med == 0)
		return NANV;
	return (hi - lo) / med;
}

/* "N/M": runs that gave a figure, of those made; "-" when none was made. */
static const char *fmt_runs(char *out, size_t len, const struct fig *f)
{
	int i, ok = 0;

	for (i = 0; i < f->n; i++)
		ok += !IS_NAN(f->v[i]);
	if (f->n)
		snprintf(out, len, "%d/%d", ok, f->n);
	else
		snprintf(out, len, "-");
	return out;
}

static struct fig syscall_fig;
static struct fig rtt_fig[2][NMECH][MAX_SIZES];	/* [same, cross] */
static struct fig paired_fig[3][NMECH][MAX_SIZES];	/* [us, x_mq, x_futex] */
static struct fig stream_fig[NMECH][MAX_SIZES];
static struct fig pstream_fig[3][NMECH][MAX_SIZES];	/* [msgs/s, x_mq, x_futex] */
static struct fig mpmc_fig[NMECH][MAX_SIZES];
static struct fig pair1_fig[NMECH][MAX_SIZES];
static struct fig pair2_fig[NMECH][MAX_SIZES];
static struct fig scale_fig[NMECH][MAX_SIZES];
static struct fig spin_fig;			/* busy loop: 2 vCPUs / 1 */
static struct fig mem_fig[NMECH][MAX_SIZES];	/* bytes per message */
static struct fig memq_fig[NMECH][MAX_SIZES];	/* bytes per empty queue */

/* Format @v with @prec decimals into @out; "fail" for NaN, "-" if absent. */
static const char *fmt(char *out, size_t len, double v, int prec, int absent)
{
	if (absent)
		snprintf(out, len, "-");
	else if (IS_NAN(v))
		snprintf(out, len, "fail");
	else
		snprintf(out, len, "%.*f", prec, v);
	return out;
}

static const char *fmt_pct(char *out, size_t len, double v)
{
	if (IS_NAN(v))
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f%%", v * 100);
	return out;
}

/* A ratio for a BENCH line: "-" when there is none. */
static const char *fmt_ratio(char *out, size_t len, double v)
{
	return fmt(out, len, v, 3, IS_NAN(v));
}

/* ---------------------------------------------------------------------- */
/* Sections                                                                */

static cpu_set_t orig_affinity;

static void unpin(void)
{
	sched_setaffinity(0, sizeof(orig_affinity), &orig_affinity);
}

static void progress(const char *fmt_str, ...)
{
	va_list ap;

	fprintf(stderr, "# ");
	va_start(ap, fmt_str);
	vfprintf(stderr, fmt_str, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Null system call, batches of SYSCALL_BATCH, median batch mean in us. */
static double run_syscall(void)
{
	double *mean = calloc(MAX_BATCHES, sizeof(*mean));
	double t0, t, end, result;
	int i, nb = 0;

	if (!mean)
		return NANV;
	pin_cpu(opt.cpu[0]);
	end = now() + opt.warmup;
	while (now() < end)
		syscall(SYS_getppid);
	end = now() + opt.measure / 2;
	do {
		t0 = now();
		for (i = 0; i < SYSCALL_BATCH; i++)
			syscall(SYS_getppid);
		t = now();
		mean[nb++] = (t - t0) / SYSCALL_BATCH * 1e6;
	} while (nb < MAX_BATCHES && (t < end || nb < MIN_BATCHES));
	unpin();
	result = median(mean, nb);
	free(mean);
	return result;
}

static void section_syscall(void)
{
	int rep;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("syscall: repeat %d/%d", rep + 1, opt.repeats);
		fig_add(&syscall_fig, run_syscall());
	}
}

static void section_rtt(void)
{
	int p, rep, s, m;

	for (p = 0; p < 2; p++)
		for (rep = 0; rep < opt.repeats; rep++) {
			progress("rtt (%s): repeat %d/%d",
				 p ? "one process per vCPU" : "same vCPU",
				 rep + 1, opt.repeats);
			for (s = 0; s < opt.nsizes; s++)
				for (m = 0; m < NMECH; m++)
					if (mech_on(m) &&
					    !(mechs[m].caps & MC_NORTT))
						fig_add(&rtt_fig[p][m][s],
							run_rtt(m, opt.sizes[s], opt.cpu[0],
								opt.cpu[p ? 1 : 0]));
		}
}

/*
 * Start a paired run at size index @s, for @what: @nlinks links of @ndirs
 * directions, created afresh, of every selected mechanism with all the caps
 * @need and none of @skip. Returns how many mechanisms are in the run.
 */
static int paired_begin(int s, int nlinks, int ndirs, unsigned int need,
			unsigned int skip, const char *what)
{
	int m, i, r = 0;

	snprintf(child_what, sizeof(child_what), "%s %zu", what, opt.sizes[s]);
	paired_n = 0;
	paired_nlinks = nlinks;
	for (m = 0; m < NMECH; m++) {
		if (!mech_on(m) || (mechs[m].caps & need) != need ||
		    (mechs[m].caps & skip))
			continue;
		for (i = 0; i < nlinks; i++) {
			link_init(&paired_link[m][i], &mechs[m], opt.sizes[s],
				  opt.depth);
			r = mechs[m].create(&paired_link[m][i], ndirs);
			if (r < 0)
				break;
		}
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: %s %s: create: %s\n",
				child_what, mechs[m].name, strerror(-r));
			while (i--)
				mechs[m].destroy(&paired_link[m][i]);
			continue;
		}
		paired_order[paired_n++] = m;
	}
	return paired_n;
}

/* Remove the links of the paired run. */
static void paired_destroy(void)
{
	int k, i, m;

	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		for (i = 0; i < paired_nlinks; i++)
			mechs[m].destroy(&paired_link[m][i]);
	}
}

/*
 * End a paired run at size index @s: add its figures @out (NaN for all
 * unless @ok) to @f, and remove its links.
 */
static void paired_end(int s, int ok, double out[][3],
		       struct fig f[3][NMECH][MAX_SIZES])
{
	int k, i;

	for (k = 0; k < paired_n; k++)
		for (i = 0; i < 3; i++)
			fig_add(&f[i][paired_order[k]][s],
				ok ? out[paired_order[k]][i] : NANV);
	paired_destroy();
}

/*
 * One paired run at size index @s: a link of every round-trip mechanism,
 * created afresh, each echoed by a responder on opt.cpu[0], and one
 * initiator on the same vCPU that drives them all (paired_initiator()).
 */
static void run_paired(int s)
{
	struct job jobs[NMECH], ji = { NULL, opt.cpu[0], 0, 1, -1, 0 };
	pid_t pids[NMECH + 1] = { 0 };
	unsigned int limit;
	int k, m, r, n = 0, status, ok = 0;

	if (!paired_begin(s, 1, 2, 0, MC_NORTT, "paired rtt"))
		return;
	shared_reset();
	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		jobs[m] = (struct job){ &paired_link[m][0], opt.cpu[0], 1, 0, -1, 0 };
		pids[n] = spawn(&jobs[m], rtt_responder);
		if (pids[n++] < 0)
			goto out;
	}
	pids[n] = spawn(&ji, paired_initiator);
	if (pids[n++] < 0)
		goto out;

	limit = time_limit() + (unsigned int)(4 * paired_n * (opt.warmup +
				PAIRED_ROUNDS * opt.measure / PAIRED_BLOCKS));
	alarm(limit);
	r = waitpid(pids[n - 1], &status, 0);
	alarm(0);
	if (r == pids[n - 1]) {
		pids[n - 1] = 0;
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	} else {
		fprintf(stderr, "msgbox-bench: %s: no result after %u s\n",
			child_what, limit);
	}
out:
	if (n && pids[n - 1] < 0)
		fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
	reap_all(pids, n);
	paired_end(s, ok, sh->paired, paired_fig);
}

/* A paired section: --repeats runs of @run at each size. */
static void paired_section(const char *name, void (*run)(int s))
{
	int rep, s;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("%s: repeat %d/%d", name, rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			run(s);
	}
}

static void section_paired(void)
{
	paired_section("paired-rtt", run_paired);
}

/*
 * Run a streaming measurement on @nlinks fresh links of mechanism @m: for
 * link i, @np producers and @nc consumers, producer k on cpu_p[i][k],
 * consumer k on cpu_c[i][k]. Messages per second, all consumers together.
 */
static double stream_measure(int m, size_t size, int nlinks, int np, int nc,
			     const int cpu_p[2][2], const int cpu_c[2][2],
			     const char *what)
{
	struct link links[2];
	struct job jobs[MAX_PROCS];
	double result;
	int i, k, n = 0, slot = 0, created = 0, r;

	snprintf(child_what, sizeof(child_what), "%s %s %zu", what,
		 mechs[m].name, size);
	for (i = 0; i < nlinks; i++) {
		link_init(&links[i], &mechs[m], size, opt.depth);
		r = links[i].m->create(&links[i], 1);
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: %s: create: %s\n",
				child_what, strerror(-r));
			result = NANV;
			goto out;
		}
		created++;
		for (k = 0; k < nc; k++)
			jobs[n++] = (struct job){ &links[i], cpu_c[i][k], -1, 0, slot++, 0 };
		for (k = 0; k < np; k++)
			jobs[n++] = (struct job){ &links[i], cpu_p[i][k], 0, -1, -1, 0 };
	}
	result = run_windows(jobs, n, stream_child);
out:
	for (i = 0; i < created; i++)
		links[i].m->destroy(&links[i]);
	return result;
}

static void section_stream(void)
{
	const int cp[2][2] = { { opt.cpu[0] } }, cc[2][2] = { { opt.cpu[1] } };
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("stream: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++)
				if (mech_on(m) && !(mechs[m].caps & MC_RTTONLY))
					fig_add(&stream_fig[m][s],
						stream_measure(m, opt.sizes[s], 1, 1, 1,
							       cp, cc, "stream"));
	}
}

/*
 * One block of a paired streaming run: set sh->turn to @turn for @block
 * seconds, and return the rate of the counters sh->rx[@slot] to
 * sh->rx[@slot + @n - 1] together over the last four fifths of it (the
 * first lets the children it wakes settle).
 */
static double turn_block(uint32_t turn, int slot, int n, double block)
{
	uint64_t c0;
	double t0, rate;

	__atomic_store_n(&sh->turn, turn, __ATOMIC_SEQ_CST);
	futex_op(&sh->turn, FUTEX_WAKE, INT_MAX);
	sleep_for(block / 5);
	c0 = rx_sum(slot, n);
	t0 = now();
	sleep_for(block * 4 / 5);
	rate = (double)(rx_sum(slot, n) - c0) / (now() - t0);
	__atomic_store_n(&sh->turn, 0, __ATOMIC_SEQ_CST);
	return rate;
}

/*
 * One paired streaming run at size index @s: a link of every streaming
 * mechanism, created afresh, with its producer on opt.cpu[0] and its
 * consumer on opt.cpu[1], all started at once. In each of PSTREAM_ROUNDS
 * rounds every mechanism gets a turn, in an order rotated by one place
 * each round: its producer runs while the others wait on sh->turn, and
 * after a settling fifth of the block its consumer's counter is sampled
 * over the rest. A mechanism's ratio to mq (to the futex floor) in a round
 * is its rate over mq's (the floor's) in that round; the figures of the
 * run are the medians over the rounds.
 */
static void run_pstream(int s)
{
	static double rate[NMECH][PAIRED_ROUNDS], out[NMECH][3];
	double block = opt.measure / PSTREAM_BLOCKS;
	struct job jobs[2 * NMECH];
	pid_t pids[2 * NMECH] = { 0 };
	int n = 0, m, r, k, failed = 0;

	if (!paired_begin(s, 1, 1, 0, MC_RTTONLY, "paired stream"))
		return;
	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		jobs[n++] = (struct job){ &paired_link[m][0], opt.cpu[1], -1, 0, m, 0 };
		jobs[n++] = (struct job){ &paired_link[m][0], opt.cpu[0], 0, -1, -1,
					  GATE(m + 1) };
	}
	if (start_all(jobs, n, stream_child, pids)) {
		failed = 1;
		goto out;
	}

	for (r = 0; r < PSTREAM_ROUNDS; r++)
		for (k = 0; k < paired_n; k++) {
			m = paired_order[(k + r) % paired_n];
			rate[m][r] = turn_block((uint32_t)m + 1, m, 1, block);
			if (any_ended(pids, n)) {
				failed = 1;
				goto out;
			}
		}
	paired_medians(rate, PSTREAM_ROUNDS, out);
out:
	reap_all(pids, n);
	paired_end(s, !failed, out, pstream_fig);
}

static void section_pstream(void)
{
	paired_section("paired-stream", run_pstream);
}

static void section_mpmc(void)
{
	const int cp[2][2] = { { opt.cpu[0], opt.cpu[1] } };
	const int cc[2][2] = { { opt.cpu[0], opt.cpu[1] } };
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("mpmc: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++)
				if (mech_on(m) && (mechs[m].caps & MC_MPMC))
					fig_add(&mpmc_fig[m][s],
						stream_measure(m, opt.sizes[s], 1, 2, 2,
							       cp, cc, "mpmc"));
	}
}

/* A child of a pairs run: a stream's producer or consumer, or a busy loop. */
static void pairs_child(struct job *j)
{
	if (j->l)
		stream_child(j);
	else
		spin_child(j);
}

/*
 * In a pairs run, unit @u (a mechanism, or NMECH for the busy loop) works
 * on one pair while sh->turn is PAIRS_TURN(u, 0), on two while it is
 * PAIRS_TURN(u, 1). Pair @i of it counts in sh->rx[2 * u + i].
 */
#define PAIRS_TURN(u, two)	(2 * (u) + 1 + (two))

/*
 * One paired run of the pairs section at size index @s: two links of every
 * mechanism of the section, created afresh, pair i (the producer and the
 * consumer of link i) on opt.cpu[i]; at the first size also a busy loop on
 * each vCPU. All start at once. In each of PAIRS_ROUNDS rounds each of
 * them in turn, in an order rotated by one place each round, works on one
 * pair and then on both (the other way round in odd rounds), a block of a
 * tenth of the measuring time each, sampled as in run_pstream(). Its scale
 * in a round is the aggregate rate of two pairs over the rate of one in
 * that round; the figures of the run are medians over the rounds.
 */
static void run_pairs(int s)
{
	static double rate[NMECH + 1][2][PAIRS_ROUNDS];
	double block = opt.measure / PAIRS_BLOCKS, x[PAIRS_ROUNDS];
	struct job jobs[4 * (NMECH + 1)];
	pid_t pids[4 * (NMECH + 1)] = { 0 };
	int unit[NMECH + 1], nunits, n = 0, u, r, k, i, two, failed = 0;

	paired_begin(s, 2, 1, MC_PAIRS, 0, "pairs");
	for (k = 0; k < paired_n; k++)
		unit[k] = paired_order[k];
	nunits = paired_n;
	if (s == 0)
		unit[nunits++] = NMECH;
	if (!nunits)
		return;
	for (k = 0; k < nunits; k++) {
		u = unit[k];
		for (i = 0; i < 2; i++) {
			struct link *l = u < NMECH ? &paired_link[u][i] : NULL;
			uint64_t gates = GATE(PAIRS_TURN(u, 1)) |
					 (i ? 0 : GATE(PAIRS_TURN(u, 0)));

			if (l)
				jobs[n++] = (struct job){ l, opt.cpu[i], -1, 0,
							  2 * u + i, 0 };
			jobs[n++] = (struct job){ l, opt.cpu[i], l ? 0 : -1, -1,
						  l ? -1 : 2 * u + i, gates };
		}
	}
	if (start_all(jobs, n, pairs_child, pids)) {
		failed = 1;
		goto out;
	}

	for (r = 0; r < PAIRS_ROUNDS; r++)
		for (k = 0; k < nunits; k++) {
			u = unit[(k + r) % nunits];
			for (i = 0; i < 2; i++) {
				two = i ^ (r & 1);
				rate[u][two][r] = turn_block(PAIRS_TURN(u, two),
							     2 * u, 1 + two, block);
			}
			if (any_ended(pids, n)) {
				failed = 1;
				goto out;
			}
		}
out:
	reap_all(pids, n);
	for (k = 0; k < nunits; k++) {
		u = unit[k];
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = ratio(rate[u][1][r], rate[u][0][r]);
		if (u == NMECH) {
			fig_add(&spin_fig, failed ? NANV : median(x, PAIRS_ROUNDS));
			continue;
		}
		fig_add(&scale_fig[u][s], failed ? NANV : median(x, PAIRS_ROUNDS));
		fig_add(&pair1_fig[u][s],
			failed ? NANV : median(rate[u][0], PAIRS_ROUNDS));
		fig_add(&pair2_fig[u][s],
			failed ? NANV : median(rate[u][1], PAIRS_ROUNDS));
	}
	paired_destroy();
}

static void section_pairs(void)
{
	paired_section("pairs", run_pairs);
}

/*
 * Flush the per-CPU slabs of every cache, so that /proc/slabinfo counts
 * exactly the objects in use (SLUB counts the free objects of per-CPU slabs
 * as active). The shrink files are opened once and kept open for the whole
 * section: opening them anew each time would itself allocate (and free
 * after an RCU grace period) a few hundred objects. Aliases are symbolic
 * links and are skipped.
 */
static int shrink_fd[1024];
static int nshrink = -1;

static void slab_flush(void)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int i, fd;

	if (nshrink < 0) {
		nshrink = 0;
		dir = opendir("/sys/kernel/slab");
		if (!dir)
			return;
		while ((de = readdir(dir)) && nshrink < (int)ARRAY_SIZE(shrink_fd)) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 de->d_name);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0)
				shrink_fd[nshrink++] = fd;
		}
		closedir(dir);
	}
	/* A cache that cannot be shrunk only makes the figure coarser. */
	for (i = 0; i < nshrink; i++)
		if (pwrite(shrink_fd[i], "1", 1, 0) < 0)
			continue;
}

static void slab_flush_done(void)
{
	while (nshrink > 0)
		close(shrink_fd[--nshrink]);
	nshrink = -1;
}

/* Messages the mem section queues at @size: --mem-msgs, or fewer large ones. */
static unsigned int mem_count(size_t size)
{
	size_t k = MEM_BYTES / size;

	if (k > opt.mem_msgs)
		k = opt.mem_msgs;
	return k < 16 ? 16 : (unsigned int)k;
}

/*
 * Kernel memory that queued messages can occupy, in bytes, or NaN: the live
 * objects of every slab cache (/proc/slabinfo after slab_flush(), exact),
 * plus the pages of kmallocs too large for a slab cache (the Slab line of
 * /proc/meminfo counts them with the slab pages; subtracting the slab pages
 * that /proc/slabinfo lists leaves them), plus vmalloc pages (VmallocUsed).
 * vm/stat_refresh first folds the per-CPU counters into /proc/meminfo.
 */
static double kmem_bytes(void)
{
	unsigned long active, num, objsize, perslab, pages, slabs, kb;
	double live = 0, slab_pages = 0, meminfo = 0;
	long page_size = sysconf(_SC_PAGESIZE);
	char line[512], name[128];
	int found = 0;
	FILE *f;

	slab_flush();
	write_str("/proc/sys/vm/stat_refresh", "1", 1);
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return NANV;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lu %lu %lu %lu %lu : tunables %*u %*u %*u "
			   ": slabdata %*u %lu", name, &active, &num, &objsize,
			   &perslab, &pages, &slabs) == 7) {
			live += (double)active * (double)objsize;
			slab_pages += (double)slabs * (double)pages * (double)page_size;
		}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return NANV;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lu kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lu kB", &kb) == 1) {
			meminfo += (double)kb * 1024;
			found++;
		}
	fclose(f);
	return found == 2 ? live + meminfo - slab_pages : NANV;
}

/*
 * Kernel memory of a queue of @m: the growth for creating and opening an
 * empty queue, then per message for mem_count(@size) messages of @size.
 */
static void run_mem(int m, size_t size, double *per_msg, double *per_queue)
{
	unsigned int i, k = mem_count(size);
	char *buf = buf_alloc(size);
	double s0, s1, s2;
	struct link l;
	int r = 0;

	*per_msg = *per_queue = NANV;
	pin_cpu(opt.cpu[0]);
	link_init(&l, &mechs[m], size, k);
	/* Let the RCU-deferred frees of earlier runs finish first. */
	kmem_bytes();
	sleep_for(0.2);
	s0 = kmem_bytes();
	r = l.m->create(&l, 1);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: create: %s\n",
			l.m->name, size, strerror(-r));
		goto out;
	}
	r = l.m->attach(&l, 0, -1);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: attach: %s\n",
			l.m->name, size, strerror(-r));
		goto destroy;
	}
	s1 = kmem_bytes();
	/* The queue holds them all; the alarm only guards against a hang. */
	alarm(time_limit());
	for (i = 0; i < k; i++) {
		r = l.m->send(&l, 0, buf, size);
		if (r < 0)
			break;
	}
	alarm(0);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: send %u: %s\n",
			l.m->name, size, i + 1, strerror(-r));
		goto destroy;
	}
	s2 = kmem_bytes();
	*per_queue = s1 - s0;
	*per_msg = (s2 - s1) / k;
destroy:
	l.m->destroy(&l);
out:
	unpin();
	buf_free(buf);
}

static void section_mem(void)
{
	double per_msg, per_queue;
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("mem: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++)
				if (mech_on(m) && (mechs[m].caps & MC_MEM)) {
					run_mem(m, opt.sizes[s], &per_msg, &per_queue);
					fig_add(&mem_fig[m][s], per_msg);
					fig_add(&memq_fig[m][s], per_queue);
				}
	}
	slab_flush_done();
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

static double ref(struct fig f[NMECH][MAX_SIZES], int m, int s)
{
	return mech_on(m) ? fig_median(&f[m][s]) : NANV;
}

static void print_rtt(int p)
{
	char a[32], b[32], c[32], d[32], e[32];
	double v, mq, fx;
	int s, m;

	printf("\n== Round-trip latency, %s (us per round trip) ==\n",
	       p ? "one process per vCPU" : "both processes on one vCPU");
	printf("%-12s %7s %11s %8s %5s %8s %8s\n", "mech", "size", "median_us",
	       "spread", "runs", "x_mq", "x_futex");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(rtt_fig[p], M_MQ, s);
		fx = ref(rtt_fig[p], M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & MC_NORTT))
				continue;
			v = fig_median(&rtt_fig[p][m][s]);
			printf("%-12s %7zu %11s %8s %5s %8s %8s\n", mechs[m].name,
			       opt.sizes[s], fmt(a, sizeof(a), v, 2, 0),
			       fmt_pct(b, sizeof(b), fig_spread(&rtt_fig[p][m][s])),
			       fmt_runs(e, sizeof(e), &rtt_fig[p][m][s]),
			       fmt(c, sizeof(c), ratio(v, mq), 2, IS_NAN(mq)),
			       fmt(d, sizeof(d), ratio(v, fx), 2, IS_NAN(fx)));
		}
	}
}

/*
 * A paired table (@f: round trips in us, or messages/s, then the ratios to
 * mq and to the futex floor): the median of the runs' figures and the
 * spread over the runs. Each run's ratio is the median of ratios taken
 * within its rounds, not the ratio of medians. @skip: caps left out.
 */
static void print_paired(const char *title, const char *unit,
			 struct fig f[3][NMECH][MAX_SIZES], unsigned int skip)
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	int s, m;

	printf("\n== %s, paired: every mechanism in turn ==\n", title);
	printf("%-12s %7s %11s %8s %8s %8s %8s %5s\n", "mech", "size", unit,
	       "x_mq", "spread", "x_futex", "spread", "runs");
	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & skip))
				continue;
			printf("%-12s %7zu %11s %8s %8s %8s %8s %5s\n",
			       mechs[m].name, opt.sizes[s],
			       fmt(a, sizeof(a), fig_median(&f[0][m][s]),
				   skip == MC_NORTT ? 2 : 0, 0),
			       fmt(b, sizeof(b), fig_median(&f[1][m][s]), 3,
				   !mech_on(M_MQ)),
			       fmt_pct(c, sizeof(c), fig_spread(&f[1][m][s])),
			       fmt(d, sizeof(d), fig_median(&f[2][m][s]), 3,
				   !mech_on(M_FUTEX)),
			       fmt_pct(e, sizeof(e), fig_spread(&f[2][m][s])),
			       fmt_runs(g, sizeof(g), &f[0][m][s]));
		}
}

/* BENCH lines of a paired table, as print_paired(). */
static void paired_lines(const char *sec, const char *unit,
			 struct fig f[3][NMECH][MAX_SIZES], unsigned int skip)
{
	char a[32], b[32], c[32], d[32], e[32], h[32];
	int s, m;

	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & skip))
				continue;
			printf("BENCH %s mech=%s size=%zu %s=%s ratio_mq=%s "
			       "spread_mq=%s ratio_futex=%s spread_futex=%s "
			       "runs=%s\n", sec, mechs[m].name, opt.sizes[s], unit,
			       fmt(a, sizeof(a), fig_median(&f[0][m][s]), 2, 0),
			       fmt_ratio(b, sizeof(b), fig_median(&f[1][m][s])),
			       fmt_ratio(c, sizeof(c), fig_spread(&f[1][m][s])),
			       fmt_ratio(d, sizeof(d), fig_median(&f[2][m][s])),
			       fmt_ratio(e, sizeof(e), fig_spread(&f[2][m][s])),
			       fmt_runs(h, sizeof(h), &f[0][m][s]));
		}
}

/* A throughput table; @only: required caps, @fx_from: futex reference. */
static void print_rate(const char *title, struct fig f[NMECH][MAX_SIZES],
		       unsigned int only, struct fig fx_from[NMECH][MAX_SIZES])
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	double v, mq, fx;
	int s, m;

	printf("\n== %s ==\n", title);
	printf("%-12s %7s %11s %9s %8s %5s %8s %8s\n", "mech", "size", "msgs/s",
	       "MB/s", "spread", "runs", "x_mq", "x_futex");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(f, M_MQ, s);
		fx = ref(fx_from, M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & only) != only ||
			    (mechs[m].caps & MC_RTTONLY))
				continue;
			v = fig_median(&f[m][s]);
			printf("%-12s %7zu %11s %9s %8s %5s %8s %8s\n", mechs[m].name,
			       opt.sizes[s], fmt(a, sizeof(a), v, 0, 0),
			       fmt(b, sizeof(b), v * (double)opt.sizes[s] / 1e6, 1, 0),
			       fmt_pct(c, sizeof(c), fig_spread(&f[m][s])),
			       fmt_runs(g, sizeof(g), &f[m][s]),
			       fmt(d, sizeof(d), ratio(v, mq), 2, IS_NAN(mq)),
			       fmt(e, sizeof(e), ratio(v, fx), 2, IS_NAN(fx)));
		}
	}
}

static void print_pairs(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
	double v1, v2, mq, fx;
	int s, m;

	printf("\n== Independent pairs, paired: 1 pair on one vCPU vs 2 pairs "
	       "on separate queues, one per vCPU (msgs/s) ==\n");
	printf("%-12s %7s %11s %11s %7s %8s %5s %8s %8s\n", "mech", "size",
	       "one_pair", "two_pairs", "scale", "spread", "runs", "x_mq",
	       "x_futex");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(pair2_fig, M_MQ, s);
		fx = ref(pair2_fig, M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || !(mechs[m].caps & MC_PAIRS))
				continue;
			v1 = fig_median(&pair1_fig[m][s]);
			v2 = fig_median(&pair2_fig[m][s]);
			printf("%-12s %7zu %11s %11s %7s %8s %5s %8s %8s\n",
			       mechs[m].name, opt.sizes[s],
			       fmt(a, sizeof(a), v1, 0, 0),
			       fmt(b, sizeof(b), v2, 0, 0),
			       fmt(c, sizeof(c), fig_median(&scale_fig[m][s]), 2, 0),
			       fmt_pct(d, sizeof(d), fig_spread(&scale_fig[m][s])),
			       fmt_runs(h, sizeof(h), &scale_fig[m][s]),
			       fmt(e, sizeof(e), ratio(v2, mq), 2, IS_NAN(mq)),
			       fmt(g, sizeof(g), ratio(v2, fx), 2, IS_NAN(fx)));
		}
	}
	printf("parallel scale of a busy loop (2 vCPUs / 1; below 2: the host's "
	       "CPUs are busy): %s, spread %s\n",
	       fmt(a, sizeof(a), fig_median(&spin_fig), 2, 0),
	       fmt_pct(b, sizeof(b), fig_spread(&spin_fig)));
}

static void print_mem(void)
{
	char a[32], b[32], c[32], d[32], e[32];
	double v, mq;
	int s, m;

	printf("\n== Kernel memory per queued message (live slab objects + large "
	       "kmalloc + vmalloc) ==\n");
	printf("%-12s %7s %6s %13s %12s %8s %5s %8s %8s\n", "mech", "size",
	       "msgs", "bytes_per_msg", "queue_bytes", "spread", "runs", "x_mq",
	       "x_futex");
	for (s = 0; s < opt.nsizes; s++) {
		mq = mech_on(M_MQ) ? fig_median(&mem_fig[M_MQ][s]) : NANV;
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || !(mechs[m].caps & MC_MEM))
				continue;
			v = fig_median(&mem_fig[m][s]);
			printf("%-12s %7zu %6u %13s %12s %8s %5s %8s %8s\n",
			       mechs[m].name, opt.sizes[s], mem_count(opt.sizes[s]),
			       fmt(a, sizeof(a), v, 1, 0),
			       fmt(b, sizeof(b), fig_median(&memq_fig[m][s]), 0, 0),
			       fmt_pct(c, sizeof(c), fig_spread(&mem_fig[m][s])),
			       fmt_runs(e, sizeof(e), &mem_fig[m][s]),
			       fmt(d, sizeof(d), ratio(v, mq), 2, IS_NAN(mq)), "-");
		}
	}
}

static void bench_rate_lines(const char *sec, struct fig f[NMECH][MAX_SIZES],
			     unsigned int only, const char *extra,
			     struct fig fx_from[NMECH][MAX_SIZES])
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	double v;
	int s, m;

	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & only) != only ||
			    (mechs[m].caps & MC_RTTONLY))
				continue;
			v = fig_median(&f[m][s]);
			printf("BENCH %s mech=%s size=%zu%s msgs_per_s=%s mb_per_s=%s "
			       "spread=%s runs=%s ratio_mq=%s ratio_futex=%s\n", sec,
			       mechs[m].name, opt.sizes[s], extra,
			       fmt(a, sizeof(a), v, 0, 0),
			       fmt(b, sizeof(b), v * (double)opt.sizes[s] / 1e6, 2, 0),
			       fmt_ratio(c, sizeof(c), fig_spread(&f[m][s])),
			       fmt_runs(g, sizeof(g), &f[m][s]),
			       fmt_ratio(d, sizeof(d), ratio(v, ref(f, M_MQ, s))),
			       fmt_ratio(e, sizeof(e),
					 ratio(v, ref(fx_from, M_FUTEX, s))));
		}
}

static void print_bench_lines(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
	static const char *const place[2] = { "same", "cross" };
	double v;
	int p, s, m;

	printf("\n");
	if (opt.sections & (1U << SEC_SYSCALL))
		printf("BENCH syscall mech=getppid median_us=%s spread=%s runs=%s\n",
		       fmt(a, sizeof(a), fig_median(&syscall_fig), 3, 0),
		       fmt_ratio(b, sizeof(b), fig_spread(&syscall_fig)),
		       fmt_runs(h, sizeof(h), &syscall_fig));
	if (opt.sections & (1U << SEC_RTT))
		for (p = 0; p < 2; p++)
			for (s = 0; s < opt.nsizes; s++)
				for (m = 0; m < NMECH; m++) {
					if (!mech_on(m) ||
					    (mechs[m].caps & MC_NORTT))
						continue;
					v = fig_median(&rtt_fig[p][m][s]);
					printf("BENCH rtt cpus=%s mech=%s size=%zu "
					       "median_us=%s spread=%s runs=%s "
					       "ratio_mq=%s ratio_futex=%s\n", place[p],
					       mechs[m].name, opt.sizes[s],
					       fmt(a, sizeof(a), v, 2, 0),
					       fmt_ratio(b, sizeof(b),
							 fig_spread(&rtt_fig[p][m][s])),
					       fmt_runs(h, sizeof(h), &rtt_fig[p][m][s]),
					       fmt_ratio(c, sizeof(c),
							 ratio(v, ref(rtt_fig[p], M_MQ, s))),
					       fmt_ratio(d, sizeof(d),
							 ratio(v, ref(rtt_fig[p], M_FUTEX, s))));
				}
	if (opt.sections & (1U << SEC_PAIRED))
		paired_lines("paired-rtt cpus=same", "median_us", paired_fig,
			     MC_NORTT);
	if (opt.sections & (1U << SEC_STREAM))
		bench_rate_lines("stream", stream_fig, 0, "", stream_fig);
	if (opt.sections & (1U << SEC_PSTREAM))
		paired_lines("paired-stream", "msgs_per_s", pstream_fig,
			     MC_RTTONLY);
	if (opt.sections & (1U << SEC_MPMC))
		bench_rate_lines("mpmc", mpmc_fig, MC_MPMC,
				 " producers=2 consumers=2", stream_fig);
	if (opt.sections & (1U << SEC_PAIRS))
		printf("BENCH parallel mech=busyloop scale=%s spread=%s runs=%s\n",
		       fmt_ratio(a, sizeof(a), fig_median(&spin_fig)),
		       fmt_ratio(b, sizeof(b), fig_spread(&spin_fig)),
		       fmt_runs(h, sizeof(h), &spin_fig));
	if (opt.sections & (1U << SEC_PAIRS))
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || !(mechs[m].caps & MC_PAIRS))
					continue;
				v = fig_median(&pair2_fig[m][s]);
				printf("BENCH pairs mech=%s size=%zu one_pair_msgs_per_s=%s "
				       "two_pairs_msgs_per_s=%s scale=%s spread=%s runs=%s "
				       "ratio_mq=%s ratio_futex=%s\n", mechs[m].name,
				       opt.sizes[s],
				       fmt(a, sizeof(a), fig_median(&pair1_fig[m][s]), 0, 0),
				       fmt(b, sizeof(b), v, 0, 0),
				       fmt_ratio(c, sizeof(c), fig_median(&scale_fig[m][s])),
				       fmt_ratio(d, sizeof(d), fig_spread(&scale_fig[m][s])),
				       fmt_runs(h, sizeof(h), &scale_fig[m][s]),
				       fmt_ratio(e, sizeof(e),
						 ratio(v, ref(pair2_fig, M_MQ, s))),
				       fmt_ratio(g, sizeof(g),
						 ratio(v, ref(pair2_fig, M_FUTEX, s))));
			}
	if (opt.sections & (1U << SEC_MEM))
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || !(mechs[m].caps & MC_MEM))
					continue;
				v = fig_median(&mem_fig[m][s]);
				printf("BENCH mem mech=%s size=%zu msgs=%u bytes_per_msg=%s "
				       "queue_bytes=%s spread=%s runs=%s ratio_mq=%s "
				       "ratio_futex=-\n",
				       mechs[m].name, opt.sizes[s],
				       mem_count(opt.sizes[s]), fmt(a, sizeof(a), v, 1, 0),
				       fmt(b, sizeof(b), fig_median(&memq_fig[m][s]), 0, 0),
				       fmt_ratio(c, sizeof(c), fig_spread(&mem_fig[m][s])),
				       fmt_runs(h, sizeof(h), &mem_fig[m][s]),
				       fmt_ratio(d, sizeof(d),
						 ratio(v, mech_on(M_MQ) ?
						       fig_median(&mem_fig[M_MQ][s]) : NANV)));
			}
}

/* ---------------------------------------------------------------------- */
/* Environment                                                             */

/* A /proc/sys (or /sys) value raised for the run and put back at exit. */
struct tunable {
	char path[96];
	char old[32];
	size_t old_len;
};

static struct tunable tunables[16];
static int ntunables;

/* Make @path at least @want; remember the old value. */
static void tunable_raise(const char *path, long want)
{
	struct tunable *t;
	char buf[32];
	long cur = read_long(path);
	int r;

	if (cur < 0 || cur >= want || ntunables == (int)ARRAY_SIZE(tunables))
		return;
	t = &tunables[ntunables];
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->old_len = (size_t)snprintf(t->old, sizeof(t->old), "%ld", cur);
	r = write_str(path, buf, (size_t)snprintf(buf, sizeof(buf), "%ld", want));
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: cannot raise %s from %ld to %ld: %s\n",
			path, cur, want, strerror(-r));
		return;
	}
	ntunables++;
}

/* Put the tunables back; only system calls, so a signal handler may call it. */
static void tunables_restore(void)
{
	while (ntunables > 0) {
		struct tunable *t = &tunables[--ntunables];

		write_str(t->path, t->old, t->old_len);
	}
}

static void on_fatal_signal(int sig)
{
	tunables_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mqueue_mount(void)
{
	struct statfs st;

	if (statfs("/dev/mqueue", &st) == 0 && st.f_type == MQUEUE_MAGIC)
		return;
	/* glibc's mq_open() does not need it; it is there for inspection. */
	mkdir("/dev/mqueue", 01777);
	if (mount("none", "/dev/mqueue", "mqueue", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "msgbox-bench: note: cannot mount mqueue on "
			"/dev/mqueue: %s\n", strerror(errno));
}

static void setup_limits(void)
{
	size_t max = 0;
	long qmax = opt.depth > opt.mem_msgs ? opt.depth : opt.mem_msgs;
	long mnb;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int s;

	mnb = 0;
	for (s = 0; s < opt.nsizes; s++) {
		if (opt.sizes[s] > max)
			max = opt.sizes[s];
		/* System V: room for the mem section's messages too. */
		if (mnb < (long)(mem_count(opt.sizes[s]) * opt.sizes[s]))
			mnb = (long)(mem_count(opt.sizes[s]) * opt.sizes[s]);
	}
	if (mnb < (long)(opt.depth * max))
		mnb = (long)(opt.depth * max);

	tunable_raise("/proc/sys/fs/mqueue/msgsize_max", (long)max);
	tunable_raise("/proc/sys/fs/mqueue/msg_max", qmax);
	tunable_raise("/proc/sys/kernel/msgmax", (long)max);
	tunable_raise("/proc/sys/kernel/msgmnb", mnb);
	tunable_raise("/sys/module/msgbox/parameters/max_capacity", qmax);
	tunable_raise("/sys/module/msgbox/parameters/max_msg_size", (long)max);
	/* POSIX mq charges maxmsg * msgsize per queue against this limit. */
	if (setrlimit(RLIMIT_MSGQUEUE, &rl) < 0) {
		fprintf(stderr, "msgbox-bench: note: cannot lift RLIMIT_MSGQUEUE: %s\n",
			strerror(errno));
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_MSGQUEUE, &rl);
		}
	}
	mqueue_mount();
}

/* Create and destroy a small link of each selected mechanism. */
static void probe_mechs(void)
{
	struct link l;
	int m, r;

	for (m = 0; m < NMECH; m++) {
		if (!(opt.mechs & (1U << m)))
			continue;
		link_init(&l, &mechs[m], opt.sizes[0], opt.depth);
		r = l.m->create(&l, 2);
		if (r < 0) {
			snprintf(unavailable_buf[m], sizeof(unavailable_buf[m]),
				 "%s%s", strerror(-r),
				 m == M_MSGBOX ? " (is msgbox.ko loaded?)" : "");
			unavailable[m] = unavailable_buf[m];
			continue;
		}
		l.m->destroy(&l);
	}
}

static void pick_cpus(void)
{
	int c, n = 0;

	sched_getaffinity(0, sizeof(orig_affinity), &orig_affinity);
	opt.ncpu = CPU_COUNT(&orig_affinity);
	for (c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &orig_affinity))
			opt.cpu[n++] = c;
	if (n < 2)
		opt.cpu[1] = opt.cpu[0];
}

static void print_header(void)
{
	struct utsname u;
	char params[256] = "", path[128];
	static const char *const names[] = {
		"max_mailboxes", "max_capacity", "max_msg_size", "poll_ns",
	};
	size_t i;
	int m, s;

	uname(&u);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s",
			 names[i]);
		snprintf(params + strlen(params), sizeof(params) - strlen(params),
			 " %s=%ld", names[i], read_long(path));
	}
	printf("msgbox-bench: kernel %s %s, libmsgbox %s, %d CPUs (using %d and %d)\n",
	       u.release, u.machine, msgbox_version(), opt.ncpu, opt.cpu[0],
	       opt.cpu[1]);
	printf("msgbox module parameters:%s\n",
	       access("/sys/module/msgbox", F_OK) ? " (module not loaded)" : params);
	printf("%s run: %d repeats, %.2f s warm-up + %.2f s per measurement, "
	       "depth %u, sizes", opt.quick ? "quick" : "default", opt.repeats,
	       opt.warmup, opt.measure, opt.depth);
	for (s = 0; s < opt.nsizes; s++)
		printf(" %zu", opt.sizes[s]);
	printf("\n");
	for (m = 0; m < NMECH; m++)
		if (opt.mechs & (1U << m))
			printf("  %-12s %s%s%s\n", mechs[m].name, mechs[m].what,
			       unavailable[m] ? ": LEFT OUT, " : "",
			       unavailable[m] ? unavailable[m] : "");
	if (opt.ncpu < 2)
		printf("note: one CPU only; the cross-CPU figures run on one CPU\n");
	printf("Each figure: median of %d runs on fresh queues; spread = (max - min) / median;\n"
	       "runs: the runs that gave a figure (a failed or stalled run is left out).\n"
	       "x_mq, x_futex: the figure divided by POSIX mq's and the futex floor's\n"
	       "(latency: below 1 is faster; rates: above 1 is faster). mpmc compares with\n"
	       "the futex 1:1 stream (its ring has one producer and one consumer).\n",
	       opt.repeats);
	fflush(stdout);
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

static void usage(FILE *f)
{
	int m;

	fprintf(f,
		"usage: msgbox-bench [--quick] [options]\n"
		"  -q, --quick           short smoke run (also MSGBOX_BENCH_QUICK=1)\n"
		"  -m, --mech=LIST       mechanisms, comma-separated (default all)\n"
		"  -s, --sizes=LIST      message sizes, e.g. 64,4k,64k (default)\n"
		"  -S, --sections=LIST   syscall,rtt,paired-rtt,stream,paired-stream,mpmc,\n"
		"                        pairs,mem (default all)\n"
		"  -r, --repeats=N       runs per figure (default 3)\n"
		"  -t, --time=SECS       measuring time per run (default 0.5, quick 0.1)\n"
		"  -w, --warmup=SECS     warm-up per run (default 0.1, quick 0.03)\n"
		"  -d, --depth=N         queue depth for streaming (default 64)\n"
		"  -k, --mem-msgs=N      messages queued by the mem section (default 1000)\n"
		"  -h, --help\n"
		"mechanisms:");
	for (m = 0; m < NMECH; m++)
		fprintf(f, " %s", mechs[m].name);
	fprintf(f, "\n");
}

static int parse_list(const char *arg, const char *const *names, int n,
		      unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int i, found;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(tok, names[i])) {
				*mask |= 1U << i;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "msgbox-bench: unknown name '%s'\n", tok);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static int parse_sizes(const char *arg)
{
	const char *p = arg;
	char *end;
	unsigned long v;

	opt.nsizes = 0;
	while (*p) {
		v = strtoul(p, &end, 10);
		if (end == p)
			return -1;
		if (*end == 'k' || *end == 'K') {
			v *= 1024;
			end++;
		}
		if (v < 1 || v > (1UL << 20) || opt.nsizes == MAX_SIZES)
			return -1;
		opt.sizes[opt.nsizes++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return opt.nsizes ? 0 : -1;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "mech", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "sections", required_argument, NULL, 'S' },
		{ "repeats", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "depth", required_argument, NULL, 'd' },
		{ "mem-msgs", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mech_names[NMECH];
	const char *env = getenv("MSGBOX_BENCH_QUICK");
	double t = -1, w = -1;
	int c, m;

	for (m = 0; m < NMECH; m++)
		mech_names[m] = mechs[m].name;
	opt.quick = env && *env && strcmp(env, "0");
	opt.repeats = 3;
	opt.depth = 64;
	opt.mem_msgs = 1000;
	opt.mechs = (1U << NMECH) - 1;
	opt.sections = (1U << NSEC) - 1;
	opt.sizes[0] = 64;
	opt.sizes[1] = 4096;
	opt.sizes[2] = 65536;
	opt.nsizes = 3;

	while ((c = getopt_long(argc, argv, "qm:s:S:r:t:w:d:k:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = 1;
			break;
		case 'm':
			if (parse_list(optarg, mech_names, NMECH, &opt.mechs))
				exit(2);
			break;
		case 's':
			if (parse_sizes(optarg)) {
				fprintf(stderr, "msgbox-bench: bad --sizes '%s'\n", optarg);
				exit(2);
			}
			break;
		case 'S':
			if (parse_list(optarg, section_names, NSEC, &opt.sections))
				exit(2);
			break;
		case 'r':
			opt.repeats = atoi(optarg);
			break;
		case 't':
			t = atof(optarg);
			break;
		case 'w':
			w = atof(optarg);
			break;
		case 'd':
			opt.depth = (unsigned int)atoi(optarg);
			break;
		case 'k':
			opt.mem_msgs = (unsigned int)atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
	opt.measure = t > 0 ? t : opt.quick ? 0.1 : 0.5;
	opt.warmup = w >= 0 ? w : opt.quick ? 0.03 : 0.1;
	if (opt.repeats < 1 || opt.repeats > MAX_REPEATS || opt.depth < 1 ||
	    opt.depth > 65536 || opt.mem_msgs < 1 || opt.mem_msgs > 65536) {
		fprintf(stderr, "msgbox-bench: --repeats 1..%d, --depth and "
			"--mem-msgs 1..65536\n", MAX_REPEATS);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static void (*const run[NSEC])(void) = {
		section_syscall, section_rtt, section_paired, section_stream,
		section_pstream, section_mpmc, section_pairs, section_mem,
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	double start = now(), t;
	int s;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0)
		fprintf(stderr, "msgbox-bench: note: not root; queue limits "
			"cannot be raised and some runs may fail\n");

	/* No SA_RESTART: the alarm interrupts a waitpid() that hangs. */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	atexit(tunables_restore);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("msgbox-bench: mmap");
		return 1;
	}
	pick_cpus();
	setup_limits();
	probe_mechs();
	print_header();

	for (s = 0; s < NSEC; s++)
		if (opt.sections & (1U << s)) {
			t = now();
			run[s]();
			progress("%s: %.1f s", section_names[s], now() - t);
		}

	if (opt.sections & (1U << SEC_SYSCALL)) {
		char a[32], b[32], c[32];

		printf("\n== Null system call, syscall(SYS_getppid) ==\n");
		printf("median %s us, spread %s, runs %s\n",
		       fmt(a, sizeof(a), fig_median(&syscall_fig), 3, 0),
		       fmt_pct(b, sizeof(b), fig_spread(&syscall_fig)),
		       fmt_runs(c, sizeof(c), &syscall_fig));
	}
	if (opt.sections & (1U << SEC_RTT)) {
		print_rtt(0);
		print_rtt(1);
	}
	if (opt.sections & (1U << SEC_PAIRED))
		print_paired("Round-trip latency, both processes on one vCPU (us)",
			     "median_us", paired_fig, MC_NORTT);
	if (opt.sections & (1U << SEC_STREAM))
		print_rate("One-way streaming, producer and consumer on different "
			   "vCPUs", stream_fig, 0, stream_fig);
	if (opt.sections & (1U << SEC_PSTREAM))
		print_paired("One-way streaming, producer and consumer on different "
			     "vCPUs (msgs/s)", "msgs/s", pstream_fig, MC_RTTONLY);
	if (opt.sections & (1U << SEC_MPMC))
		print_rate("2 producers x 2 consumers on one queue, aggregate",
			   mpmc_fig, MC_MPMC, stream_fig);
	if (opt.sections & (1U << SEC_PAIRS))
		print_pairs();
	if (opt.sections & (1U << SEC_MEM))
		print_mem();
	print_bench_lines();
	printf("BENCH done elapsed_s=%.1f\n", now() - start);
	return 0;
}
