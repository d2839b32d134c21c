// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kv-client - calls the key-value service of kv.x over msgbox, TCP or UDP.
 *
 *   kv-client [-T msgbox|tcp|udp] [-m MAILBOX] [-p PORT] [-c UID:GID]
 *             [-j THREADS] COMMAND [ARG...]
 *
 *   put KEY VALUE   store VALUE under KEY
 *   get KEY         print the value of KEY (exit status 3 when absent)
 *   whoami          the credentials the server sees for this process
 *   bench N         N KV_GET calls, timed once each thread has made up to
 *                   KV_BENCH_WARM untimed ones (a new process's first
 *                   calls fault its code in). Prints "bench TRANSPORT
 *                   warmed" once those are made, then pauses for
 *                   KV_BENCH_PAUSE_NS (the server falls asleep, and its
 *                   CPU clock can be read), and at the end "bench TRANSPORT
 *                   calls N threads T seconds S calls/s R cpu C", C being
 *                   the CPU seconds the calling threads spent in the timed
 *                   calls
 *
 *   -T          the transport (default msgbox)
 *   -m MAILBOX  the server's mailbox (default "kv")
 *   -p PORT     the server's TCP and UDP port on 127.0.0.1 (no rpcbind)
 *   -c UID:GID  claim these IDs: AUTH_SYS credentials made up by the
 *               client (authunix_create), which TCP and UDP servers take
 *               on trust and a msgbox server ignores
 *   -j THREADS  bench: THREADS threads sharing the one client handle
 *
 * The calls are rpcgen's client stubs ("rpcgen -M -l kv.x"); only
 * kv_connect() depends on the transport.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox_rpc.h>

#include "kv.h"

static CLIENT *kv_connect(const char *transport, const char *mailbox,
			  int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval retry = { 1, 0 };
	int sock = RPC_ANYSOCK;

	if (!strcmp(transport, "msgbox"))
		return clnt_msgbox_create(mailbox, KV_PROG, KV_VERS);
	if (!port) {
		fprintf(stderr, "kv-client: %s needs -p PORT\n", transport);
		exit(2);
	}
	if (!strcmp(transport, "tcp"))
		return clnttcp_create(&sin, KV_PROG, KV_VERS, &sock, 0, 0);
	if (!strcmp(transport, "udp"))
		return clntudp_create(&sin, KV_PROG, KV_VERS, retry, &sock);
	fprintf(stderr, "kv-client: unknown transport %s\n", transport);
	exit(2);
}

/* Untimed calls each bench thread makes first, at most. */
#define KV_BENCH_WARM		100
/* The pause between the warm-up and the timed calls. */
#define KV_BENCH_PAUSE_NS	20000000L

struct kv_bench {
	CLIENT *cl;
	long calls;
	pthread_barrier_t *go;
	enum clnt_stat stat;
	double cpu;
};

static double kv_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* @n KV_GET calls; the status of the first that fails, or RPC_SUCCESS. */
static enum clnt_stat kv_bench_calls(CLIENT *cl, long n)
{
	char *key = "bench";
	enum clnt_stat stat;
	kv_lookup res;
	long i;

	for (i = 0; i < n; i++) {
		memset(&res, 0, sizeof(res));
		stat = kv_get_1(&key, &res, cl);
		if (stat != RPC_SUCCESS)
			return stat;
		xdr_free((xdrproc_t)xdr_kv_lookup, (char *)&res);
	}
	return RPC_SUCCESS;
}

static void *kv_bench_thread(void *arg)
{
	struct kv_bench *b = arg;
	double t0;

	b->stat = kv_bench_calls(b->cl, b->calls < KV_BENCH_WARM ?
					b->calls : KV_BENCH_WARM);
	/* Every thread reaches both, so that none waits for ever. */
	pthread_barrier_wait(b->go);
	pthread_barrier_wait(b->go);
	if (b->stat != RPC_SUCCESS)
		return NULL;
	t0 = kv_clock(CLOCK_THREAD_CPUTIME_ID);
	b->stat = kv_bench_calls(b->cl, b->calls);
	b->cpu = kv_clock(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

static int kv_bench(CLIENT *cl, const char *transport, long calls,
		    int threads)
{
	struct timespec pause = { 0, KV_BENCH_PAUSE_NS };
	struct kv_bench b[64];
	pthread_barrier_t go;
	pthread_t tid[64];
	double t0, t, cpu = 0;
	int i, ret = 0;

	if (threads < 1 || threads > 64 || calls < threads) {
		fprintf(stderr, "kv-client: bench: 1 to 64 threads, at least one call each\n");
		return 2;
	}
	if (pthread_barrier_init(&go, NULL, (unsigned int)threads + 1)) {
		fprintf(stderr, "kv-client: pthread_barrier_init failed\n");
		exit(1);
	}
	for (i = 0; i < threads; i++) {
		b[i].cl = cl;
		b[i].calls = calls / threads + (i < calls % threads);
		b[i].go = &go;
		b[i].stat = RPC_SUCCESS;
		b[i].cpu = 0;
		if (pthread_create(&tid[i], NULL, kv_bench_thread, &b[i])) {
			fprintf(stderr, "kv-client: pthread_create failed\n");
			exit(1);
		}
	}
	/* The warm-up calls are made: say so, pause, then time from here. */
	pthread_barrier_wait(&go);
	printf("bench %s warmed\n", transport);
	fflush(stdout);
	nanosleep(&pause, NULL);
	pthread_barrier_wait(&go);
	t0 = kv_clock(CLOCK_MONOTONIC);
	for (i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		if (b[i].stat != RPC_SUCCESS) {
			fprintf(stderr, "kv-client: bench: %s\n",
				clnt_sperrno(b[i].stat));
			ret = 1;
		}
		cpu += b[i].cpu;
	}
	t = kv_clock(CLOCK_MONOTONIC) - t0;
	pthread_barrier_destroy(&go);
	if (!ret)
		printf("bench %s calls %ld threads %d seconds %.3f calls/s %.0f cpu %.6f\n",
		       transport, calls, threads, t, (double)calls / t, cpu);
	return ret;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kv-client [-T msgbox|tcp|udp] [-m MAILBOX] [-p PORT] [-c UID:GID]\n"
		"                 [-j THREADS] put KEY VALUE | get KEY | whoami | bench N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *transport = "msgbox", *mailbox = "kv", *cmd;
	unsigned int uid = 0, gid = 0;
	int port = 0, threads = 1, forge = 0, opt, ret = 0;
	enum clnt_stat stat;
	CLIENT *cl;

	while ((opt = getopt(argc, argv, "T:m:p:c:j:")) != -1) {
		switch (opt) {
		case 'T':
			transport = optarg;
			break;
		case 'm':
			mailbox = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			if (sscanf(optarg, "%u:%u", &uid, &gid) != 2)
				usage();
			forge = 1;
			break;
		case 'j':
			threads = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind++];

	cl = kv_connect(transport, mailbox, port);
	if (!cl) {
		fprintf(stderr, "%s\n", clnt_spcreateerror("kv-client"));
		return 1;
	}
	if (forge) {
		auth_destroy(cl->cl_auth);
		cl->cl_auth = authunix_create("made-up", uid, gid, 0, NULL);
	}

	if (!strcmp(cmd, "put") && argc - optind == 2) {
		kv_pair pair = { argv[optind], argv[optind + 1] };
		int added;

		stat = kv_put_1(&pair, &added, cl);
		if (stat == RPC_SUCCESS)
			printf("%s: %s\n", pair.key, added ? "added" : "replaced");
	} else if (!strcmp(cmd, "get") && argc - optind == 1) {
		kv_key key = argv[optind];
		kv_lookup res;

		memset(&res, 0, sizeof(res));
		stat = kv_get_1(&key, &res, cl);
		if (stat == RPC_SUCCESS && res.found) {
			printf("%s\n", res.kv_lookup_u.value);
		} else if (stat == RPC_SUCCESS) {
			fprintf(stderr, "kv-client: %s: no such key\n", key);
			ret = 3;
		}
		clnt_freeres(cl, (xdrproc_t)xdr_kv_lookup, (char *)&res);
	} else if (!strcmp(cmd, "whoami") && argc - optind == 0) {
		kv_caller who;

		memset(&who, 0, sizeof(who));
		stat = kv_whoami_1(NULL, &who, cl);
		if (stat == RPC_SUCCESS && forge)
			printf("%s, claiming uid %u gid %u: ", transport, uid,
			       gid);
		else if (stat == RPC_SUCCESS)
			printf("%s: ", transport);
		if (stat == RPC_SUCCESS && who.flavor == AUTH_SYS)
			printf("the server sees AUTH_SYS uid %u gid %u machine %s\n",
			       who.uid, who.gid, who.machine);
		else if (stat == RPC_SUCCESS && who.flavor == AUTH_NONE)
			printf("the server sees AUTH_NONE\n");
		else if (stat == RPC_SUCCESS)
			printf("the server sees flavor %d\n", who.flavor);
		clnt_freeres(cl, (xdrproc_t)xdr_kv_caller, (char *)&who);
	} else if (!strcmp(cmd, "bench") && argc - optind == 1) {
		ret = kv_bench(cl, transport, atol(argv[optind]), threads);
		stat = RPC_SUCCESS;
	} else {
		usage();
	}

	if (stat != RPC_SUCCESS) {
		clnt_perror(cl, "kv-client");
		ret = 1;
	}
	auth_destroy(cl->cl_auth);
	clnt_destroy(cl);
	return ret;
}
