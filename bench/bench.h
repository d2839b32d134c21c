/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: msgbox-bench internals
 *
 * msgbox-bench is one program in several files, by concern (main.c has
 * the description of what it measures and how):
 *   main.c          options and the command line
 *   util.c          small helpers: clocks, CPUs, files
 *   mech.c          a link between processes and the mechanism table
 *   mech_fd.c       pipes and Unix sockets
 *   mech_msgbox.c   msgbox, per call, batched, and by read(2)/write(2)
 *   mech_queue.c    POSIX and System V message queues
 *   mech_futex.c    the futex ring floor and the call floors on it
 *   children.c      what the processes of one measurement run
 *   run.c           starting, timing and reaping them
 *   results.c       figures: medians, spreads, formatting
 *   rtt.c           the syscall, rtt and paired-rtt sections
 *   stream.c        the stream, paired-stream, mpmc and pairs sections
 *   mem.c           the mem section
 *   output.c        tables and BENCH lines
 *   env.c           the environment: limits, mounts, the machine
 *   call.h          the call, call-threads and held sections (its own
 *                   files are listed there)
 */
#ifndef _MSGBOX_BENCH_H
#define _MSGBOX_BENCH_H

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
#define MAX_WATCH	64	/* children whose CPU time is asked for, at most */
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

enum {
	SEC_SYSCALL,
	SEC_RTT,
	SEC_PAIRED,
	SEC_STREAM,
	SEC_PSTREAM,
	SEC_MPMC,
	SEC_PAIRS,
	SEC_MEM,
	SEC_CALL,
	SEC_CALL_THREADS,
	SEC_HELD,
	NSEC
};

struct bench_opts {
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
	long poll_ns;		/* msgbox's poll_ns for the run, -1: as it is */
	int cpu[2];		/* the two CPUs used */
	int ncpu;
};

struct shared {
	uint32_t ready;		/* children attached to their queues */
	uint32_t go;		/* set by the parent: start */
	double result;		/* written by a round-trip initiator */
	double paired[MAX_MECHS][3];	/* paired run: us, x_mq, x_futex */
	double cpu[MAX_MECHS][2];	/* round trips: CPU us per round trip
					 * of [END_SEND] the initiator and
					 * [END_RECV] the responder */
	uint32_t turn;		/* paired runs: who works, see struct job */
	struct {
		uint64_t n;	/* messages received by consumer i */
		char pad[56];
	} rx[RX_SLOTS];
	struct cpu_slot {	/* see cpu_ask() */
		uint32_t req;	/* bumped by who asks for the CPU time */
		uint32_t ack;	/* set to req by the child when it answers */
		double secs;	/* the child's CPU seconds when it answered */
		char pad[48];
	} cpu_slot[MAX_WATCH];
};

/*
 * A link is the set of queues one measurement uses: one queue per direction,
 * direction 0 from A (initiator, producer) to B, direction 1 back. It is
 * created by the parent before fork; each child then attaches to the ends
 * it uses, in its own copy of the struct.
 */
enum { END_SEND, END_RECV };

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

/* The pairs section: 4 children per mechanism and the busy loops. */
_Static_assert(4 * (NMECH + 1) <= MAX_WATCH, "MAX_WATCH too small");

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
 * @watch: its struct cpu_slot in sh, where it answers requests for its
 *	CPU time (start_all() sets it to the job's index)
 */
struct job {
	struct link *l;
	int cpu;
	int send_dir;
	int recv_dir;
	int slot;
	uint64_t gates;
	int watch;
};

#define GATE(t)		(1ULL << (t))

/*
 * The children of a measurement whose CPU time the parent samples, at the
 * instants it samples their counters, so that the CPU time of each side
 * (user + system, polling included) covers the window the messages were
 * counted in. Sides are END_SEND for the children that send (producers)
 * and END_RECV for those that receive (consumers).
 */
struct cpu_watch {
	const struct job *jobs;
	int n;
};

/* One figure: a value per repeat (NaN for a failed run). */
struct fig {
	double v[MAX_REPEATS];
	int n;
};

/* main.c */
extern struct bench_opts opt;

/* util.c */
double now(void);
void sleep_for(double secs);
double median(double *v, int n);
double ratio(double a, double b);
char *buf_alloc(size_t len);
void buf_free(char *buf);
long futex_op(uint32_t *addr, int op, uint32_t val);
int pin_cpu(int cpu);
long read_long(const char *path);
int write_str(const char *path, const char *s, size_t len);
double cpu_secs(clockid_t clock);

/* children.c */
extern struct shared *sh;
void shared_reset(void);
uint64_t rx_sum(int slot, int n);
extern char child_what[96];
pid_t spawn(struct job *j, void (*fn)(struct job *));
void rtt_responder(struct job *j);
void rtt_initiator(struct job *j);
void cpu_ask(int slot);
double cpu_answer_wait(int slot);
extern pid_t peer_pid[NMECH];
extern struct link paired_link[NMECH][2];
extern int paired_order[NMECH], paired_n, paired_nlinks;
void paired_medians(double v[][PAIRED_ROUNDS], int rounds,
		    double out[][3]);
void paired_initiator(struct job *j);
void ready_wait(void);
void turn_wait(uint64_t gates);
void spin_child(struct job *j);
void stream_child(struct job *j);

/* mech.c */
void link_init(struct link *l, const struct mech *m, size_t size,
	       unsigned int depth);
void link_close_fds(struct link *l);
extern unsigned int name_seq;
void link_name(struct link *l, int dir, const char *prefix);
extern const struct mech mechs[NMECH];
extern const char *unavailable[NMECH];
extern char unavailable_buf[NMECH][128];
int mech_on(int m);

/* mech_fd.c */
int fd_send(struct link *l, int dir, char *buf, size_t len);
ssize_t pipe_recv(struct link *l, int dir, char *buf, size_t len);
int pipe_create(struct link *l, int ndirs);
void fd_destroy(struct link *l);
int seqpacket_create(struct link *l, int ndirs);
int dgram_create(struct link *l, int ndirs);
int sock_send(struct link *l, int dir, char *buf, size_t len);
ssize_t sock_recv(struct link *l, int dir, char *buf, size_t len);

/* mech_msgbox.c */
int mb_create(struct link *l, int ndirs);
int mb_attach(struct link *l, int send_dir, int recv_dir);
int mb_send(struct link *l, int dir, char *buf, size_t len);
ssize_t mb_recv(struct link *l, int dir, char *buf, size_t len);
int mb_write(struct link *l, int dir, char *buf, size_t len);
ssize_t mb_read(struct link *l, int dir, char *buf, size_t len);
void mb_destroy(struct link *l);
int mb_send_many(struct link *l, int dir, char *buf, size_t len,
		 unsigned int n);
int mb_recv_many(struct link *l, int dir, char *buf, size_t len,
		 unsigned int n);

/* mech_queue.c */
int mq_create(struct link *l, int ndirs);
int mq_attach(struct link *l, int send_dir, int recv_dir);
int mq_send1(struct link *l, int dir, char *buf, size_t len);
ssize_t mq_recv1(struct link *l, int dir, char *buf, size_t len);
void mq_destroy(struct link *l);
int sysv_create(struct link *l, int ndirs);
int sysv_send(struct link *l, int dir, char *buf, size_t len);
ssize_t sysv_recv(struct link *l, int dir, char *buf, size_t len);
void sysv_destroy(struct link *l);

/* mech_futex.c */
int futex_create(struct link *l, int ndirs);
int futex_send(struct link *l, int dir, char *buf, size_t len);
ssize_t futex_recv(struct link *l, int dir, char *buf, size_t len);
void futex_destroy(struct link *l);
int fxstat_create(struct link *l, int ndirs);
int fxstat_call(struct link *l);
int fxread_call(struct link *l);
void fxstat_destroy(struct link *l);
int fxmq_create(struct link *l, int ndirs);
int fxmq_call(struct link *l);
int fxcall_send(struct link *l, int dir, char *buf, size_t len);
ssize_t fxcall_recv(struct link *l, int dir, char *buf, size_t len);
void fxmq_destroy(struct link *l);

/* run.c */
void on_alarm(int sig);
void reap_all(pid_t *pids, int n);
int any_ended(pid_t *pids, int n);
unsigned int time_limit(void);
double run_rtt(int m, size_t size, int cpu_a, int cpu_b, double cpu_us[2]);
int start_all(struct job *jobs, int n, void (*fn)(struct job *),
	      pid_t *pids);
uint64_t cpu_watch_mask(const struct cpu_watch *w, uint32_t turn);
void cpu_watch_ask(const struct cpu_watch *w, uint64_t mask);
void cpu_watch_read(const struct cpu_watch *w, uint64_t mask, double t[2]);
void cpu_per_msg(const double t0[2], const double t1[2], uint64_t msgs,
		 double us[2]);
double run_windows(struct job *jobs, int n, void (*fn)(struct job *),
		   double cpu_us[2]);

/* results.c */
void fig_add(struct fig *f, double v);
double fig_median(const struct fig *f);
double fig_spread(const struct fig *f);
const char *fmt_runs(char *out, size_t len, const struct fig *f);
extern struct fig syscall_fig;
extern struct fig rtt_fig[2][NMECH][MAX_SIZES];
extern struct fig rtt_cpu_fig[2][2][NMECH][MAX_SIZES];
extern struct fig paired_fig[3][NMECH][MAX_SIZES];
extern struct fig paired_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig stream_fig[NMECH][MAX_SIZES];
extern struct fig stream_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig pstream_fig[3][NMECH][MAX_SIZES];
extern struct fig pstream_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig mpmc_fig[NMECH][MAX_SIZES];
extern struct fig mpmc_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig pair1_fig[NMECH][MAX_SIZES];
extern struct fig pair2_fig[NMECH][MAX_SIZES];
extern struct fig pair1_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig pair2_cpu_fig[2][NMECH][MAX_SIZES];
extern struct fig scale_fig[NMECH][MAX_SIZES];
extern struct fig spin_fig;
extern struct fig mem_fig[NMECH][MAX_SIZES];
extern struct fig memq_fig[NMECH][MAX_SIZES];
const char *fmt(char *out, size_t len, double v, int prec, int absent);
const char *fmt_pct(char *out, size_t len, double v);
const char *fmt_ratio(char *out, size_t len, double v);

/* rtt.c */
extern cpu_set_t orig_affinity;
void unpin(void);
void progress(const char *fmt_str, ...);
void section_syscall(void);
void section_rtt(void);
int paired_begin(int s, int nlinks, int ndirs, unsigned int need,
		 unsigned int skip, const char *what);
void paired_destroy(void);
void paired_end(int s, int ok, double out[][3],
		struct fig f[3][NMECH][MAX_SIZES]);
void paired_section(const char *name, void (*run)(int s));
void section_paired(void);

/* stream.c */
void section_stream(void);
void section_pstream(void);
void section_mpmc(void);
void section_pairs(void);

/* mem.c */
unsigned int mem_count(size_t size);
void section_mem(void);

/* output.c */
void print_rtt(int p);
void print_paired(const char *title, const char *unit,
		  struct fig f[3][NMECH][MAX_SIZES], unsigned int skip,
		  struct fig fc[2][NMECH][MAX_SIZES], const char *cpu0,
		  const char *cpu1);
void print_rate(const char *title, struct fig f[NMECH][MAX_SIZES],
		unsigned int only, struct fig fx_from[NMECH][MAX_SIZES],
		struct fig fc[2][NMECH][MAX_SIZES]);
void print_pairs(void);
void print_mem(void);
void print_bench_lines(void);

/* env.c */
void tunables_restore(void);
void on_fatal_signal(int sig);
void setup_limits(void);
void probe_mechs(void);
void pick_cpus(void);
void print_header(void);

#endif /* _MSGBOX_BENCH_H */
