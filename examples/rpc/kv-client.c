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
 *   bench N         N KV_GET calls; prints one line:
 *                   "bench TRANSPORT calls N threads T seconds S calls/s R"
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

struct kv_bench {
	CLIENT *cl;
	long calls;
	enum clnt_stat stat;
};

static void *kv_bench_thread(void *arg)
{
	struct kv_bench *b = arg;
	char *key = "bench";
	kv_lookup res;
	long i;

	for (i = 0; i < b->calls; i++) {
		memset(&res, 0, sizeof(res));
		b->stat = kv_get_1(&key, &res, b->cl);
		if (b->stat != RPC_SUCCESS)
			break;
		xdr_free((xdrproc_t)xdr_kv_lookup, (char *)&res);
	}
	return NULL;
}

static double kv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int kv_bench(CLIENT *cl, const char *transport, long calls,
		    int threads)
{
	struct kv_bench b[64];
	pthread_t tid[64];
	double t0, t;
	int i, ret = 0;

	if (threads < 1 || threads > 64 || calls < threads) {
		fprintf(stderr, "kv-client: bench: 1 to 64 threads, at least one call each\n");
		return 2;
	}
	t0 = kv_now();
	for (i = 0; i < threads; i++) {
		b[i].cl = cl;
		b[i].calls = calls / threads + (i < calls % threads);
		b[i].stat = RPC_SUCCESS;
		if (pthread_create(&tid[i], NULL, kv_bench_thread, &b[i])) {
			fprintf(stderr, "kv-client: pthread_create failed\n");
			exit(1);
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		if (b[i].stat != RPC_SUCCESS) {
			fprintf(stderr, "kv-client: bench: %s\n",
				clnt_sperrno(b[i].stat));
			ret = 1;
		}
	}
	t = kv_now() - t0;
	if (!ret)
		printf("bench %s calls %ld threads %d seconds %.3f calls/s %.0f\n",
		       transport, calls, threads, t, (double)calls / t);
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
