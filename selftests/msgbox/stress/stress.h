/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: msgbox_stress internals
 *
 * msgbox_stress is one program in several files (msgbox_stress.c has the
 * model: workers, streams, generations and the accounting):
 *   msgbox_stress.c       options, the shared state, the command line and
 *                         the run itself
 *   stress_common.c       reports, random numbers, signals, failslab,
 *                         building messages, opening mailboxes by generation
 *   stress_producer.c     the producers
 *   stress_consumer.c     the consumers and the port owners
 *   stress_conductor.c    spawning and reaping workers, and the faults:
 *                         destroy, kill, rmmod
 *   stress_calls.c        the callers and the servers of the calls
 *                         mailbox, and the books of the calls
 */
#ifndef _MSGBOX_STRESS_H
#define _MSGBOX_STRESS_H

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

enum { PRODUCER, CONSUMER, PORT_OWNER, CALLER, SERVER };

/* Calls: their own mailbox, each call numbered ("cgid") and accounted. */
#define MAX_CALLS	(1U << 17)
#define CALLS_CAP	16
#define CALLS_MAX	1024
#define CALL_MAGIC	0x6c6c6163U	/* "call" */
#define REPLY_MAGIC	0x796c7072U	/* "rply" */

/* The header of every request and reply. */
struct callhdr {
	uint32_t magic;
	uint32_t cgid;
	uint32_t len;
	uint32_t crc;		/* CRC32C of the bytes after the header */
	int32_t from;		/* reply: the server's pid */
	uint32_t exact;		/* request: the caller's buffer is just its size */
};

/* What became of one call; in a shared mapping of its own. */
struct callrec {
	uint8_t outcome;	/* 0: none seen, 1: answered, 2: failed */
	uint8_t err;		/* failed: the caller's errno */
	uint8_t replied;	/* replies the kernel accepted */
	uint8_t canceled;	/* replies refused with ECANCELED */
	uint8_t maybe;		/* a reply whose fate its server could not learn */
	uint8_t killed;		/* its caller was killed in the call */
	uint8_t seen;		/* times a server received it */
	uint8_t restart;	/* its caller has SA_RESTART */
	uint64_t id;		/* the message id of the accepted reply's call */
	uint64_t done_ns;	/* when the caller's call returned */
	uint64_t reply_ns;	/* when the accepted reply's settle returned */
};

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
	/* caller: the call in progress, server: the one being settled; +1 */
	uint32_t call_gid;
};

struct counters {
	uint64_t send_calls, send_msgs, send_batches, send_acks, send_bytes;
	uint64_t send_eagain, send_etimedout, send_eintr, send_eidrm;
	uint64_t send_einprogress;
	uint64_t send_esrch, send_enomem;
	uint64_t recv_calls, recv_msgs, recv_batches, recv_bytes;
	uint64_t recv_eagain, recv_etimedout, recv_eintr, recv_eidrm;
	uint64_t recv_enomem, open_enomem;
	uint64_t call_calls, call_ok, call_etimedout, call_eintr, call_econnreset;
	uint64_t call_eagain, call_eidrm, call_enomem;
	uint64_t serve_recv, serve_replies, serve_ecanceled, serve_releases;
	uint64_t serve_expired, serve_emsgsize, serve_chained, serve_enomem;
	uint64_t kills_caller, kills_server, calls_destroys;
	uint64_t signals, kills_tx, kills_rx, kills_port, destroys;
	uint64_t rmmod_tries, rmmod_refused, rmmod_skipped;
	/* failures */
	uint64_t bad_payload, bad_route, bad_cred, dup, order, bad_errno;
	uint64_t bad_rmmod, worker_died, left_queued, bad_open, bad_setup;
	uint64_t bad_call;
};

struct shared {
	int stop_send;
	int drain;
	int calls_drain;	/* callers are gone: servers empty the mailbox */
	uint32_t ncalls;
	struct dest calls;	/* the calls mailbox (gens unused) */
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

#define inc(field)	__atomic_fetch_add(&S->c.field, 1, __ATOMIC_RELAXED)
#define add(field, n)	__atomic_fetch_add(&S->c.field, (n), __ATOMIC_RELAXED)
#define load(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define store(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* xorshift64*: reproducible per worker from --seed, slot and incarnation. */
struct rng { uint64_t s; };

#define FAILSLAB	"/sys/kernel/debug/failslab"

enum { M_BLOCK, M_NONBLOCK, M_TIMED, M_ACK, M_BATCH };

/* msgbox_stress.c */
extern struct shared *S;
extern struct callrec *C;
extern uint64_t opt_seed;

/* stress_common.c */
void report(const char *fmt, ...);
uint32_t rndn(struct rng *r, uint32_t n);
void rng_init(struct rng *r, uint64_t a, uint64_t b);
void sleep_ms(unsigned int ms);
struct timespec ms_ts(uint32_t ms);
extern volatile sig_atomic_t got_stop;
void block_usr(int how);
void worker_signals(int restart);
int write_file(const char *path, const char *val);
int failslab_setup(unsigned int percent);
void failslab_off(void);
void failslab_enter(void);
void build_msg(uint8_t *buf, uint32_t len, uint32_t gid);
uint32_t pick_size(struct rng *r, uint32_t max);
int open_named(struct worker *me, int d, int oflags, uint32_t *gen);

/* stress_producer.c */
int pick_mode(struct rng *r, int allow_batch);
void producer(int w);

/* stress_consumer.c */
void consumer(int w);
void port_owner(int w);

/* stress_conductor.c */
void spawn(int w);
void reap(int respawn);
void settle(void);
void try_rmmod(void);
int create_dest(struct dest *ds);
void destroy_one(struct rng *r);
void kill_one(struct rng *r);
int stop_kind(int kind, int sig, double limit);

/* stress_calls.c */
void caller(int w);
void server(int w);
int calls_create(void);
void calls_destroy(void);
int calls_left(void);
uint64_t calls_books(uint64_t *answered, uint64_t *failed);

#endif /* _MSGBOX_STRESS_H */
