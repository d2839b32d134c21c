// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kv-server - the key-value service of kv.x, over msgbox and, for
 * comparison, over TCP and UDP on loopback.
 *
 *   kv-server [-d] [-m MAILBOX] [-p PORT]
 *
 *   -m MAILBOX  serve this mailbox (default "kv"), created when missing
 *   -p PORT     also serve TCP and UDP on 127.0.0.1:PORT; the transports
 *               are not registered with rpcbind, clients name the port
 *   -d          go to the background once every transport is ready, and
 *               print the server's PID
 *
 * The dispatch routine kv_prog_1() is rpcgen's ("rpcgen -M -m kv.x"): one
 * svc_run() serves the same program on all three transports, and only the
 * lines that make the transports differ from any ONC RPC server. The
 * server stops when its mailbox is destroyed (svc_run() returns) or on
 * SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <msgbox_rpc.h>

#include "kv.h"

/* rpcgen -m's dispatch routine, in kv_svc.c. */
void kv_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

/* The store: a short list is plenty for an example. */
struct kv_entry {
	struct kv_entry *next;
	char *key;
	char *value;
};

static struct kv_entry *kv_store;

static struct kv_entry *kv_find(const char *key)
{
	struct kv_entry *e;

	for (e = kv_store; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

bool_t kv_put_1_svc(kv_pair *arg, int *result, struct svc_req *rq)
{
	struct kv_entry *e = kv_find(arg->key);
	char *value = strdup(arg->value);

	(void)rq;
	if (!value)
		return FALSE;	/* no reply: the transport says SYSTEM_ERR */
	if (e) {
		free(e->value);
		e->value = value;
		*result = 0;
		return TRUE;
	}
	e = calloc(1, sizeof(*e));
	if (e)
		e->key = strdup(arg->key);
	if (!e || !e->key) {
		free(e);
		free(value);
		return FALSE;
	}
	e->value = value;
	e->next = kv_store;
	kv_store = e;
	*result = 1;
	return TRUE;
}

bool_t kv_get_1_svc(kv_key *key, kv_lookup *result, struct svc_req *rq)
{
	struct kv_entry *e = kv_find(*key);

	(void)rq;
	memset(result, 0, sizeof(*result));
	if (!e)
		return TRUE;
	/* kv_prog_1_freeresult() frees what the reply carried. */
	result->kv_lookup_u.value = strdup(e->value);
	if (!result->kv_lookup_u.value)
		return FALSE;
	result->found = 1;
	return TRUE;
}

bool_t kv_whoami_1_svc(void *arg, kv_caller *result, struct svc_req *rq)
{
	const struct authunix_parms *aup;

	(void)arg;
	memset(result, 0, sizeof(*result));
	result->flavor = (int)rq->rq_cred.oa_flavor;
	if (rq->rq_cred.oa_flavor == AUTH_SYS) {
		aup = (const struct authunix_parms *)rq->rq_clntcred;
		result->uid = aup->aup_uid;
		result->gid = aup->aup_gid;
		result->machine = strdup(aup->aup_machname);
	} else {
		result->machine = strdup("");
	}
	return result->machine != NULL;
}

int kv_prog_1_freeresult(SVCXPRT *xprt, xdrproc_t xdr_result, caddr_t result)
{
	(void)xprt;
	xdr_free(xdr_result, result);
	return 1;
}

/* A socket on 127.0.0.1:@port, listening when it is a stream. */
static int kv_socket(int type, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void kv_serve(SVCXPRT *xprt, const char *what)
{
	/* Protocol 0: not registered with rpcbind. */
	if (!svc_register(xprt, KV_PROG, KV_VERS, kv_prog_1, 0)) {
		fprintf(stderr, "kv-server: svc_register (%s) failed\n", what);
		exit(1);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: kv-server [-d] [-m MAILBOX] [-p PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mailbox = "kv";
	int port = 0, daemonize = 0, opt, fd;
	SVCXPRT *xprt;
	pid_t pid;

	while ((opt = getopt(argc, argv, "dm:p:")) != -1) {
		switch (opt) {
		case 'd':
			daemonize = 1;
			break;
		case 'm':
			mailbox = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			if (port <= 0 || port > 65535)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* The one line that makes this an msgbox server. */
	xprt = svc_msgbox_create(mailbox, 0, 0);
	if (!xprt) {
		fprintf(stderr, "kv-server: svc_msgbox_create %s: %s\n",
			mailbox, strerror(errno));
		return 1;
	}
	kv_serve(xprt, "msgbox");

	if (port) {
		fd = kv_socket(SOCK_STREAM, port);
		xprt = fd < 0 ? NULL : svctcp_create(fd, 0, 0);
		if (!xprt) {
			fprintf(stderr, "kv-server: tcp port %d: %s\n", port,
				strerror(errno));
			return 1;
		}
		kv_serve(xprt, "tcp");
		fd = kv_socket(SOCK_DGRAM, port);
		xprt = fd < 0 ? NULL : svcudp_create(fd);
		if (!xprt) {
			fprintf(stderr, "kv-server: udp port %d: %s\n", port,
				strerror(errno));
			return 1;
		}
		kv_serve(xprt, "udp");
	}

	if (daemonize) {
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("kv-server: fork");
			return 1;
		}
		if (pid) {
			printf("%d\n", (int)pid);
			return 0;
		}
		/* Let go of the caller's stdout: "$(kv-server -d)" ends. */
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			perror("kv-server: /dev/null");
			return 1;
		}
		close(fd);
		setsid();
	}
	svc_run();
	fprintf(stderr, "kv-server: the mailbox %s is gone, stopping\n",
		mailbox);
	return 0;
}
