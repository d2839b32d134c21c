/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: msgbox-bench calls
 *
 * The call sections measure request/reply mechanisms, where a client
 * sends a request and waits for its reply and a server answers it:
 *   mech_call.c     msgbox calls (MSGBOX_IOC_CALL, answered by a receive
 *                   and MSGBOX_IOC_SETTLE, or by SETTLE|RECV), a POSIX mq
 *                   request/reply pair, and the round trips of struct mech
 *                   (msgbox send then receive, the futex floor) as calls
 *   mech_dbus.c     a D-Bus method call through a dbus-daemon of its own
 *   mech_rpc.c      the ONC RPC example (examples/rpc) over msgbox, TCP and
 *                   UDP: kv-server, and kv-client timing its own calls
 *   call.c          the call section and its tables
 *   call_threads.c  the call-threads section and its table
 *   held.c          the held section: streaming with held receives
 *
 * A server is a process of its own (several threads in call-threads); its
 * CPU time is read from outside, through its process CPU clock, while it
 * sleeps between blocks of calls, when that clock is up to date.
 */
#ifndef _MSGBOX_BENCH_CALL_H
#define _MSGBOX_BENCH_CALL_H

#include "bench.h"

#define CALL_SIZE	64	/* request and reply, bytes */
#define CALL_THREADS	8	/* client threads of call-threads */
#define CALL_SRV_THREADS 2	/* server threads of call-threads */
#define CALL_MAX_PIDS	2	/* processes on the server side of a call */
#define CALL_SETTLE	0.002	/* seconds for the servers to fall asleep */

/**
 * struct clink - one client/server pair of a call mechanism
 * @m: the mechanism
 * @l: queues, for mechanisms that use struct link's (mailbox, mq names)
 * @nclients: reply queues to make (mq: one per client thread)
 * @srv: processes on the server side whose CPU time counts (0: none):
 *	the server, and for D-Bus the daemon
 * @fd: the client's (or, in the server, the server's) descriptor
 * @priv: the mechanism's own state in the process that attached
 */
struct clink {
	const struct cmech *m;
	struct link l;
	int nclients;
	pid_t srv[CALL_MAX_PIDS];
	int fd;
	void *priv;
};

/**
 * struct cmech - a request/reply mechanism
 * @name: short name, in options and output
 * @what: one-line description
 * @threads: 1 when clients may call from several threads and servers
 *	serve from several (call-threads)
 * @create: in the parent, make what the pair needs and start the server
 *	on @cpu (with @nthreads threads); 0 or -errno
 * @attach: in the client process, connect; 0 or -errno
 * @call: in the client, from thread @t, send @len bytes of @buf and wait
 *	for the reply, into @buf; its length or -errno
 * @block: instead of @call, for a client that is a program of its own:
 *	make @n calls on @cpu; mean microseconds per call, and in @cpu_us
 *	the CPU us per call of the client and of the server side over the
 *	timed calls; NaN when it failed
 * @destroy: in the parent: stop the server, remove the queues
 */
struct cmech {
	const char *name;
	const char *what;
	int threads;
	int (*create)(struct clink *c, int cpu, int nthreads);
	int (*attach)(struct clink *c);
	ssize_t (*call)(struct clink *c, int t, char *buf, size_t len);
	double (*block)(struct clink *c, long n, int cpu, double cpu_us[2]);
	void (*destroy)(struct clink *c);
};

enum {
	CM_CALL,	/* msgbox call, server: receive, then settle */
	CM_CALL_SR,	/* msgbox call, server: SETTLE|RECV */
	CM_MSGBOX,	/* msgbox send, then receive */
	CM_MQ,		/* POSIX mq, a request queue and a reply queue */
	CM_FUTEX,	/* the futex floor's round trip */
	CM_DBUS,	/* D-Bus method call through dbus-daemon */
	CM_RPC_MSGBOX,	/* kv.x over msgbox */
	CM_RPC_TCP,	/* kv.x over TCP loopback */
	CM_RPC_UDP,	/* kv.x over UDP loopback */
	NCMECH
};

extern const struct cmech cmechs[NCMECH];
extern const char *cm_unavailable[NCMECH];

/* mech_call.c */
pid_t srv_fork(struct clink *c, int cpu, int nthreads,
	       int (*attach)(struct clink *c),
	       void (*serve)(struct clink *c, int t));
void __attribute__((noreturn)) srv_fail(struct clink *c, const char *what,
					int err);
int prog_path(const char *name, char *out, size_t len);
void srv_stop(struct clink *c);
double srv_cpu_secs(const struct clink *c);
double pid_cpu_secs(pid_t pid);
int cm_on(int m);
void cm_probe(void);

/* mech_dbus.c */
int dbus_create(struct clink *c, int cpu, int nthreads);
int dbus_attach(struct clink *c);
ssize_t dbus_call(struct clink *c, int t, char *buf, size_t len);
void dbus_destroy(struct clink *c);
const char *dbus_probe(void);

/* mech_rpc.c */
int rpc_create(struct clink *c, int cpu, int nthreads);
double rpc_block(struct clink *c, long n, int cpu, double cpu_us[2]);
void rpc_destroy(struct clink *c);
const char *rpc_probe(void);

/* call.c */
void section_call(void);
void print_call_header(void);
void print_call(void);
void call_bench_lines(void);

/* call_threads.c */
void section_call_threads(void);
void print_call_threads(void);
void call_threads_bench_lines(void);

/* held.c */
void section_held(void);
void print_held(void);
void held_bench_lines(void);

#endif /* _MSGBOX_BENCH_CALL_H */
