// SPDX-License-Identifier: GPL-2.0
/*
 * ONC RPC over msgbox (libmsgbox-rpc), with rpcgen's stubs and dispatch
 * routine for rpc_test.x and a server in a child process.
 *
 * FIXTURE(rpc) runs the same functional tests over msgbox and, as the
 * reference, over libtirpc's own TCP and UDP transports on loopback (no
 * rpcbind: the client is given the port), one server process serving all
 * three. FIXTURE(rpc_mb) tests what msgbox adds: credentials the client
 * cannot forge, a server's death seen at once, timeouts, a destroyed
 * mailbox, requests the server refuses, batched calls and the controls.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <msgbox.h>
#include <msgbox_rpc.h>

#include "../msgbox_unpriv.h"
#include "rpc_test.h"

/* The mailboxes made here: any user may call, requests up to 16 KiB. */
#define RT_MODE			0666
#define RT_MSG_SIZE		16384

/* Timing bounds (TCG is slow, these are generous). */
#define RT_PROMPT_MS		2000	/* "at once" */
#define RT_SLEEP_MS		20000	/* a call that outlives the test */

enum rt_transport { RT_MSGBOX, RT_TCP, RT_UDP };

static const struct timeval rt_25s = { 25, 0 };

/* xdr_void() is declared without parameters. */
#define RT_XDR_VOID	((xdrproc_t)(void (*)(void))xdr_void)

/* --- The server, in a child process --------------------------------- */

/* RT_SLEEP writes a byte here before it sleeps; RT_COUNT's counter. */
static int rt_started_fd = -1;
static int rt_counter;

void rt_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

bool_t rt_add_1_svc(rt_pair *p, int *res, struct svc_req *rq)
{
	(void)rq;
	*res = p->a + p->b;
	return TRUE;
}

bool_t rt_echo_1_svc(rt_str *s, rt_str *res, struct svc_req *rq)
{
	(void)rq;
	*res = strdup(*s);
	return *res != NULL;
}

bool_t rt_whoami_1_svc(void *arg, rt_who *who, struct svc_req *rq)
{
	const struct authunix_parms *aup;

	(void)arg;
	memset(who, 0, sizeof(*who));
	who->flavor = (int)rq->rq_cred.oa_flavor;
	if (rq->rq_cred.oa_flavor == AUTH_SYS) {
		aup = (const struct authunix_parms *)rq->rq_clntcred;
		who->uid = aup->aup_uid;
		who->gid = aup->aup_gid;
		who->ngids = aup->aup_len;
		who->machine = strdup(aup->aup_machname);
	} else {
		who->machine = strdup("");
	}
	return who->machine != NULL;
}

bool_t rt_sleep_1_svc(u_int *ms, void *res, struct svc_req *rq)
{
	char c = 's';

	(void)res;
	(void)rq;
	if (write(rt_started_fd, &c, 1) != 1)
		return FALSE;
	mb_sleep_ms(*ms);
	return TRUE;
}

bool_t rt_noreply_1_svc(void *arg, void *res, struct svc_req *rq)
{
	(void)arg;
	(void)res;
	(void)rq;
	return FALSE;
}

bool_t rt_count_1_svc(int *n, int *res, struct svc_req *rq)
{
	(void)rq;
	rt_counter += *n;
	*res = rt_counter;
	return TRUE;
}

bool_t rt_big_1_svc(u_int *n, rt_str *res, struct svc_req *rq)
{
	(void)rq;
	*res = malloc(*n + 1);
	if (!*res)
		return FALSE;
	memset(*res, 'x', *n);
	(*res)[*n] = '\0';
	return TRUE;
}

int rt_prog_1_freeresult(SVCXPRT *xprt, xdrproc_t xres, caddr_t res)
{
	(void)xprt;
	xdr_free(xres, res);
	return 1;
}

struct rt_server {
	pid_t pid;
	int started_fd;		/* read end of rt_started_fd */
	int tcp_port;
	int udp_port;
};

struct rt_report {
	int error;
	int tcp_port;
	int udp_port;
};

/* A socket on 127.0.0.1 with a port of the kernel's choice, and the port. */
static int rt_socket(int type, int *port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		close(fd);
		return -errno;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* The child: serve RT_PROG on @mailbox (and TCP and UDP with @inet). */
static void rt_server_main(const char *mailbox, int inet, int ready_fd)
{
	struct rt_report rep = { 0, 0, 0 };
	SVCXPRT *xprt;
	int fd;

	xprt = svc_msgbox_create(mailbox, 0, 0);
	if (!xprt) {
		rep.error = -errno;
		goto report;
	}
	if (!svc_register(xprt, RT_PROG, RT_VERS, rt_prog_1, 0)) {
		rep.error = -EINVAL;
		goto report;
	}
	if (inet) {
		fd = rt_socket(SOCK_STREAM, &rep.tcp_port);
		xprt = fd < 0 ? NULL : svctcp_create(fd, 0, 0);
		if (!xprt || !svc_register(xprt, RT_PROG, RT_VERS, rt_prog_1, 0)) {
			rep.error = fd < 0 ? fd : -EPROTO;
			goto report;
		}
		fd = rt_socket(SOCK_DGRAM, &rep.udp_port);
		xprt = fd < 0 ? NULL : svcudp_create(fd);
		if (!xprt || !svc_register(xprt, RT_PROG, RT_VERS, rt_prog_1, 0)) {
			rep.error = fd < 0 ? fd : -EPROTO;
			goto report;
		}
	}
report:
	mb_write_all(ready_fd, &rep, sizeof(rep));
	close(ready_fd);
	if (rep.error)
		_exit(1);
	svc_run();
	/* svc_run() returns once the mailbox is gone and nothing else is served. */
	_exit(0);
}

static int rt_server_start(struct rt_server *srv, const char *mailbox,
			   int inet)
{
	struct rt_report rep;
	int ready[2], started[2], ret;

	if (pipe(ready))
		return -errno;
	if (pipe(started)) {
		ret = -errno;
		close(ready[0]);
		close(ready[1]);
		return ret;
	}
	srv->pid = fork();
	if (srv->pid < 0)
		return -errno;
	if (srv->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(started[0]);
		rt_started_fd = started[1];
		rt_server_main(mailbox, inet, ready[1]);
	}
	close(ready[1]);
	close(started[1]);
	srv->started_fd = started[0];
	ret = mb_read_all(ready[0], &rep, sizeof(rep));
	close(ready[0]);
	if (!ret)
		ret = rep.error;
	srv->tcp_port = rep.tcp_port;
	srv->udp_port = rep.udp_port;
	return ret;
}

static void rt_server_stop(struct rt_server *srv)
{
	if (srv->pid > 0) {
		kill(srv->pid, SIGKILL);
		waitpid(srv->pid, NULL, 0);
		srv->pid = 0;
	}
	if (srv->started_fd > 0)
		close(srv->started_fd);
	srv->started_fd = 0;
}

/* --- The client side ----------------------------------------------- */

/* Brings the loopback interface up; 0 or -errno. */
static int rt_loopback_up(void)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
	close(fd);
	return ret;
}

static CLIENT *rt_client(enum rt_transport t, const char *mailbox,
			 const struct rt_server *srv)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval retry = { 1, 0 };
	int sock = RPC_ANYSOCK;

	switch (t) {
	case RT_MSGBOX:
		return clnt_msgbox_create(mailbox, RT_PROG, RT_VERS);
	case RT_TCP:
		sin.sin_port = htons((uint16_t)srv->tcp_port);
		return clnttcp_create(&sin, RT_PROG, RT_VERS, &sock, 0, 0);
	case RT_UDP:
		sin.sin_port = htons((uint16_t)srv->udp_port);
		return clntudp_create(&sin, RT_PROG, RT_VERS, retry, &sock);
	}
	return NULL;
}

/* Creates @name for the tests: any user may call it. */
static int rt_mailbox_new(const char *name)
{
	struct msgbox_attr attr = {
		.capacity = MSGBOX_DEFAULT_CAPACITY,
		.max_msg_size = RT_MSG_SIZE,
		.mode = RT_MODE,
	};
	mode_t old = umask(0);
	int fd;

	fd = msgbox_open(name, O_RDWR | O_CREAT | O_EXCL, &attr);
	umask(old);
	if (fd < 0)
		return fd;
	msgbox_close(fd);
	return 0;
}

static struct rpc_err rt_err(CLIENT *cl)
{
	struct rpc_err err;

	memset(&err, 0, sizeof(err));
	clnt_geterr(cl, &err);
	return err;
}

/* Reads the byte RT_SLEEP writes when it starts; 0 or -errno. */
static int rt_wait_started(const struct rt_server *srv)
{
	char c;

	return mb_read_all(srv->started_fd, &c, 1);
}

/* Waits up to @ms for @pid to exit; its wait status, or -ETIMEDOUT. */
static int rt_wait_exit(pid_t pid, int ms)
{
	uint64_t start = mb_now_ns();
	int status;

	while (waitpid(pid, &status, WNOHANG) != pid) {
		if ((int)mb_ms_since(start) > ms)
			return -ETIMEDOUT;
		mb_sleep_ms(5);
	}
	return status;
}

/* Setup shared by both fixtures. */
struct rt_ctx {
	char name[64];
	struct rt_server srv;
	CLIENT *cl;
};

static int rt_ctx_setup(struct __test_metadata *_metadata,
			struct rt_ctx *ctx, enum rt_transport t)
{
	int ret;

	if (!mb_dev_present())
		MB_SETUP_SKIP("no %s", MB_DEV);
	if (t != RT_MSGBOX && rt_loopback_up())
		MB_SETUP_SKIP("cannot bring the loopback interface up");
	mb_name(ctx->name, sizeof(ctx->name), "rpc");
	ret = rt_mailbox_new(ctx->name);
	if (ret)
		return ret;
	ret = rt_server_start(&ctx->srv, ctx->name, t != RT_MSGBOX);
	if (ret)
		return ret;
	ctx->cl = rt_client(t, ctx->name, &ctx->srv);
	if (!ctx->cl) {
		TH_LOG("%s", clnt_spcreateerror("client"));
		return -EPROTO;
	}
	return 0;
}

static void rt_ctx_teardown(struct rt_ctx *ctx)
{
	if (ctx->cl) {
		auth_destroy(ctx->cl->cl_auth);
		clnt_destroy(ctx->cl);
		ctx->cl = NULL;
	}
	rt_server_stop(&ctx->srv);
	if (ctx->name[0])
		msgbox_destroy(ctx->name);
}

/* --- The same functional tests on every transport -------------------- */

FIXTURE(rpc) {
	struct rt_ctx ctx;
};

FIXTURE_VARIANT(rpc) {
	enum rt_transport transport;
};

FIXTURE_VARIANT_ADD(rpc, msgbox) {
	.transport = RT_MSGBOX,
};

FIXTURE_VARIANT_ADD(rpc, tcp) {
	.transport = RT_TCP,
};

FIXTURE_VARIANT_ADD(rpc, udp) {
	.transport = RT_UDP,
};

FIXTURE_SETUP(rpc)
{
	ASSERT_EQ(0, rt_ctx_setup(_metadata, &self->ctx, variant->transport));
}

FIXTURE_TEARDOWN(rpc)
{
	rt_ctx_teardown(&self->ctx);
}

TEST_F(rpc, add)
{
	static const int cases[][3] = {
		{ 2, 3, 5 }, { -7, 4, -3 }, { 0, 0, 0 }, { 1 << 30, 1 << 29, 3 << 29 },
	};
	unsigned int i;
	int sum;

	for (i = 0; i < MB_ARRAY_SIZE(cases); i++) {
		rt_pair p = { cases[i][0], cases[i][1] };

		sum = 12345;
		ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
		EXPECT_EQ(cases[i][2], sum);
	}
}

TEST_F(rpc, echo_string)
{
	static char big[3001];
	const char *cases[] = { "hello", "", "a string\twith\nodd bytes", big };
	unsigned int i;

	memset(big, 'q', sizeof(big) - 1);
	for (i = 0; i < MB_ARRAY_SIZE(cases); i++) {
		rt_str arg = (char *)cases[i], res = NULL;

		ASSERT_EQ(RPC_SUCCESS, rt_echo_1(&arg, &res, self->ctx.cl));
		ASSERT_NE(NULL, res);
		EXPECT_STREQ(cases[i], res);
		clnt_freeres(self->ctx.cl, (xdrproc_t)xdr_rt_str, (char *)&res);
	}
}

TEST_F(rpc, null_procedure)
{
	EXPECT_EQ(RPC_SUCCESS,
		  clnt_call(self->ctx.cl, NULLPROC, RT_XDR_VOID, NULL,
			    RT_XDR_VOID, NULL, rt_25s));
}

TEST_F(rpc, unknown_procedure)
{
	EXPECT_EQ(RPC_PROCUNAVAIL,
		  clnt_call(self->ctx.cl, 99, RT_XDR_VOID, NULL,
			    RT_XDR_VOID, NULL, rt_25s));
}

TEST_F(rpc, wrong_version_then_right)
{
	rt_pair p = { 1, 1 };
	struct rpc_err err;
	u_int32_t vers = 9;
	int sum;

	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_VERS, (char *)&vers));
	ASSERT_EQ(RPC_PROGVERSMISMATCH, rt_add_1(&p, &sum, self->ctx.cl));
	err = rt_err(self->ctx.cl);
	EXPECT_EQ(RT_VERS, err.re_vers.low);
	EXPECT_EQ(RT_VERS, err.re_vers.high);

	vers = RT_VERS;
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_VERS, (char *)&vers));
	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	EXPECT_EQ(2, sum);
}

TEST_F(rpc, wrong_program)
{
	u_int32_t prog = RT_PROG + 1;
	rt_pair p = { 1, 1 };
	int sum;

	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_PROG, (char *)&prog));
	EXPECT_EQ(RPC_PROGUNAVAIL, rt_add_1(&p, &sum, self->ctx.cl));
}

/*
 * A string argument cut short: its length, and none of its bytes. The
 * length is beyond every server's receive buffer: libtirpc's UDP server
 * decodes from its whole buffer, not the datagram's length, and would take
 * a short string from the bytes an earlier request left there.
 */
static bool_t rt_xdr_cut_string(XDR *xdrs, void *unused)
{
	u_int len = 100000;

	(void)unused;
	return xdr_u_int(xdrs, &len);
}

TEST_F(rpc, undecodable_arguments)
{
	rt_str res = NULL;

	EXPECT_EQ(RPC_CANTDECODEARGS,
		  clnt_call(self->ctx.cl, RT_ECHO, (xdrproc_t)rt_xdr_cut_string,
			    NULL, (xdrproc_t)xdr_rt_str, (char *)&res, rt_25s));
	EXPECT_EQ(NULL, res);
}

#define RT_THREADS	8
#define RT_ROUNDS	60

struct rt_thread {
	CLIENT *cl;
	int id;
	int bad;	/* wrong answers */
	int failed;	/* calls that failed */
	enum clnt_stat stat;
};

static void *rt_thread_main(void *arg)
{
	struct rt_thread *t = arg;
	char want[64];
	int i, sum;

	for (i = 0; i < RT_ROUNDS; i++) {
		rt_pair p = { t->id * 1000, i };
		rt_str s = want, res = NULL;
		enum clnt_stat stat;

		stat = rt_add_1(&p, &sum, t->cl);
		if (stat != RPC_SUCCESS) {
			t->failed++;
			t->stat = stat;
		} else if (sum != t->id * 1000 + i) {
			t->bad++;
		}
		snprintf(want, sizeof(want), "thread %d round %d", t->id, i);
		stat = rt_echo_1(&s, &res, t->cl);
		if (stat != RPC_SUCCESS) {
			t->failed++;
			t->stat = stat;
		} else if (!res || strcmp(res, want)) {
			t->bad++;
		}
		xdr_free((xdrproc_t)xdr_rt_str, (char *)&res);
	}
	return NULL;
}

/* Threads sharing one handle, each call getting its own answer. */
TEST_F(rpc, threads_share_a_client)
{
	struct rt_thread t[RT_THREADS];
	pthread_t tid[RT_THREADS];
	int i;

	for (i = 0; i < RT_THREADS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].cl = self->ctx.cl;
		t[i].id = i + 1;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, rt_thread_main, &t[i]));
	}
	for (i = 0; i < RT_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(0, t[i].failed) {
			TH_LOG("thread %d: %s", t[i].id, clnt_sperrno(t[i].stat));
		}
		EXPECT_EQ(0, t[i].bad);
	}
}

/*
 * Claimed credentials: TCP and UDP servers take the client's word, the
 * msgbox transport gives the kernel's record of the caller instead.
 */
TEST_F(rpc, claimed_credentials)
{
	rt_who who;

	auth_destroy(self->ctx.cl->cl_auth);
	self->ctx.cl->cl_auth = authunix_create("forged", 4242, 4343, 0, NULL);
	ASSERT_NE(NULL, self->ctx.cl->cl_auth);

	memset(&who, 0, sizeof(who));
	ASSERT_EQ(RPC_SUCCESS, rt_whoami_1(NULL, &who, self->ctx.cl));
	EXPECT_EQ(AUTH_SYS, who.flavor);
	EXPECT_EQ(0, who.ngids);
	if (variant->transport == RT_MSGBOX) {
		EXPECT_EQ(geteuid(), who.uid);
		EXPECT_EQ(getegid(), who.gid);
		EXPECT_STREQ(MSGBOX_RPC_MACHNAME, who.machine);
	} else {
		EXPECT_EQ(4242, who.uid);
		EXPECT_EQ(4343, who.gid);
		EXPECT_STREQ("forged", who.machine);
	}
	clnt_freeres(self->ctx.cl, (xdrproc_t)xdr_rt_who, (char *)&who);
}

/* --- What only the msgbox transport does ----------------------------- */

FIXTURE(rpc_mb) {
	struct rt_ctx ctx;
};

FIXTURE_SETUP(rpc_mb)
{
	ASSERT_EQ(0, rt_ctx_setup(_metadata, &self->ctx, RT_MSGBOX));
}

FIXTURE_TEARDOWN(rpc_mb)
{
	rt_ctx_teardown(&self->ctx);
}

/* Without credentials the service still knows the caller. */
TEST_F(rpc_mb, auth_none_caller_known)
{
	rt_who who;

	memset(&who, 0, sizeof(who));
	ASSERT_EQ(RPC_SUCCESS, rt_whoami_1(NULL, &who, self->ctx.cl));
	EXPECT_EQ(AUTH_SYS, who.flavor);
	EXPECT_EQ(geteuid(), who.uid);
	EXPECT_EQ(getegid(), who.gid);
	clnt_freeres(self->ctx.cl, (xdrproc_t)xdr_rt_who, (char *)&who);
}

struct rt_unpriv_out {
	int stat;
	int flavor;
	unsigned int uid;
	unsigned int gid;
};

/* As nobody, claiming to be root. */
static int rt_unpriv_whoami(void *arg, void *out)
{
	struct rt_unpriv_out *o = out;
	rt_who who;
	CLIENT *cl;

	cl = clnt_msgbox_create(arg, RT_PROG, RT_VERS);
	if (!cl)
		return -rpc_createerr.cf_error.re_errno;
	cl->cl_auth = authunix_create("root-please", 0, 0, 0, NULL);
	memset(&who, 0, sizeof(who));
	o->stat = rt_whoami_1(NULL, &who, cl);
	o->flavor = who.flavor;
	o->uid = who.uid;
	o->gid = who.gid;
	clnt_freeres(cl, (xdrproc_t)xdr_rt_who, (char *)&who);
	auth_destroy(cl->cl_auth);
	clnt_destroy(cl);
	return 0;
}

TEST_F(rpc_mb, unprivileged_caller_cannot_claim_root)
{
	struct rt_unpriv_out out;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to nobody");
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, rt_unpriv_whoami, self->ctx.name,
			       &out, sizeof(out), MB_WAIT_MS));
	ASSERT_EQ(RPC_SUCCESS, out.stat);
	EXPECT_EQ(AUTH_SYS, out.flavor);
	EXPECT_EQ(MB_NOBODY, out.uid);
	EXPECT_EQ(MB_NOBODY, out.gid);
}

struct rt_killer {
	const struct rt_server *srv;
	int sig;		/* 0: destroy the mailbox instead */
	const char *name;
	uint64_t at_ns;		/* when it struck */
	int error;
};

static void *rt_killer_main(void *arg)
{
	struct rt_killer *k = arg;

	k->error = rt_wait_started(k->srv);
	if (k->error)
		return NULL;
	k->at_ns = mb_now_ns();
	if (k->sig)
		k->error = kill(k->srv->pid, k->sig) ? -errno : 0;
	else
		k->error = msgbox_destroy(k->name);
	return NULL;
}

/* A server killed while it holds a call: the caller knows at once. */
TEST_F(rpc_mb, server_killed_mid_call)
{
	struct rt_killer k = { &self->ctx.srv, SIGKILL, NULL, 0, 0 };
	u_int ms = RT_SLEEP_MS;
	struct rpc_err err;
	pthread_t tid;
	uint64_t start, late_ms;

	ASSERT_EQ(0, pthread_create(&tid, NULL, rt_killer_main, &k));
	start = mb_now_ns();
	EXPECT_EQ(RPC_CANTRECV, rt_sleep_1(&ms, NULL, self->ctx.cl));
	late_ms = (mb_now_ns() - k.at_ns) / 1000000;
	ASSERT_EQ(0, pthread_join(tid, NULL));
	ASSERT_EQ(0, k.error);
	err = rt_err(self->ctx.cl);
	EXPECT_EQ(RPC_CANTRECV, err.re_status);
	EXPECT_EQ(ECONNRESET, err.re_errno);
	EXPECT_NE(NULL, strstr(clnt_sperror(self->ctx.cl, "sleep"),
			       strerror(ECONNRESET)));
	EXPECT_LT(late_ms, RT_PROMPT_MS);
	TH_LOG("failed %llu ms after the kill, %llu ms into a call with a %ld s timeout",
	       (unsigned long long)late_ms,
	       (unsigned long long)mb_ms_since(start), (long)rt_25s.tv_sec);
}

TEST_F(rpc_mb, timeout)
{
	struct timeval tv = { 0, 0 }, set = { 0, 300000 }, ten = { 10, 0 };
	u_int ms = 3000;
	struct rpc_err err;
	rt_pair p = { 20, 22 };
	uint64_t start, took;
	int sum;

	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_TIMEOUT, (char *)&tv));
	EXPECT_EQ(-1, tv.tv_sec);
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_TIMEOUT, (char *)&set));
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_TIMEOUT, (char *)&tv));
	EXPECT_EQ(0, tv.tv_sec);
	EXPECT_EQ(300000, tv.tv_usec);

	start = mb_now_ns();
	EXPECT_EQ(RPC_TIMEDOUT, rt_sleep_1(&ms, NULL, self->ctx.cl));
	took = mb_ms_since(start);
	EXPECT_GE(took, 290);
	EXPECT_LT(took, 290 + RT_PROMPT_MS);
	err = rt_err(self->ctx.cl);
	EXPECT_EQ(RPC_TIMEDOUT, err.re_status);
	EXPECT_NE(NULL, strstr(clnt_sperror(self->ctx.cl, "sleep"), "Timed out"));

	/* The server lives on: its late reply goes nowhere. */
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_TIMEOUT, (char *)&ten));
	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	EXPECT_EQ(42, sum);
}

/* A destroyed mailbox: svc_run() returns, the callers fail. */
TEST_F(rpc_mb, destroyed_mailbox)
{
	rt_pair p = { 1, 2 };
	struct rpc_err err;
	int sum, status;

	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	ASSERT_EQ(0, msgbox_destroy(self->ctx.name));
	self->ctx.name[0] = '\0';

	status = rt_wait_exit(self->ctx.srv.pid, RT_PROMPT_MS);
	ASSERT_GE(status, 0) {
		TH_LOG("svc_run() did not return");
	}
	self->ctx.srv.pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	EXPECT_EQ(RPC_CANTSEND, rt_add_1(&p, &sum, self->ctx.cl));
	err = rt_err(self->ctx.cl);
	EXPECT_EQ(EIDRM, err.re_errno);
	EXPECT_NE(NULL, strstr(clnt_sperror(self->ctx.cl, "add"),
			       strerror(EIDRM)));
}

TEST_F(rpc_mb, destroyed_mid_call)
{
	struct rt_killer k = { &self->ctx.srv, 0, self->ctx.name, 0, 0 };
	u_int ms = 3000;
	struct rpc_err err;
	pthread_t tid;
	uint64_t late_ms;
	int status;

	ASSERT_EQ(0, pthread_create(&tid, NULL, rt_killer_main, &k));
	EXPECT_EQ(RPC_CANTSEND, rt_sleep_1(&ms, NULL, self->ctx.cl));
	late_ms = (mb_now_ns() - k.at_ns) / 1000000;
	ASSERT_EQ(0, pthread_join(tid, NULL));
	ASSERT_EQ(0, k.error);
	self->ctx.name[0] = '\0';
	err = rt_err(self->ctx.cl);
	EXPECT_EQ(EIDRM, err.re_errno);
	EXPECT_LT(late_ms, RT_PROMPT_MS);

	/* The server finds out when it replies, and stops. */
	status = rt_wait_exit(self->ctx.srv.pid, (int)ms + RT_PROMPT_MS);
	ASSERT_GE(status, 0);
	self->ctx.srv.pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct rt_sleeper {
	CLIENT *cl;
	enum clnt_stat stat;
};

static void *rt_sleeper_main(void *arg)
{
	struct rt_sleeper *t = arg;
	u_int ms = 500;

	t->stat = rt_sleep_1(&ms, NULL, t->cl);
	return NULL;
}

/* Two server processes on one mailbox: each call goes to one of them. */
TEST_F(rpc_mb, two_servers_share_a_mailbox)
{
	struct rt_server second = { 0, 0, 0, 0 };
	struct rt_sleeper t[4];
	pthread_t tid[4];
	uint64_t start, took;
	char c;
	int i;

	ASSERT_EQ(0, rt_server_start(&second, self->ctx.name, 0));
	start = mb_now_ns();
	for (i = 0; i < 4; i++) {
		t[i].cl = self->ctx.cl;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, rt_sleeper_main, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(RPC_SUCCESS, t[i].stat);
	}
	took = mb_ms_since(start);
	/* Each server slept at least once; alone, one would take 2 s. */
	EXPECT_EQ(0, rt_wait_started(&self->ctx.srv));
	EXPECT_EQ(0, mb_read_all_timeout(second.started_fd, &c, 1, 0));
	EXPECT_GE(took, 950);
	EXPECT_LT(took, 1900);
	rt_server_stop(&second);
}

/* A procedure that does not reply: answered for it, never a hang. */
TEST_F(rpc_mb, procedure_without_reply)
{
	uint64_t start = mb_now_ns();

	EXPECT_EQ(RPC_SYSTEMERROR, rt_noreply_1(NULL, NULL, self->ctx.cl));
	EXPECT_LT(mb_ms_since(start), RT_PROMPT_MS);
}

TEST_F(rpc_mb, reply_too_big_for_the_mailbox)
{
	u_int n = 1000;
	rt_str res = NULL;

	ASSERT_EQ(RPC_SUCCESS, rt_big_1(&n, &res, self->ctx.cl));
	EXPECT_EQ(n, strlen(res));
	clnt_freeres(self->ctx.cl, (xdrproc_t)xdr_rt_str, (char *)&res);

	n = RT_MSG_SIZE;
	EXPECT_EQ(RPC_SYSTEMERROR, rt_big_1(&n, &res, self->ctx.cl));
}

TEST_F(rpc_mb, request_too_big_for_the_mailbox)
{
	rt_str arg, res = NULL;

	arg = malloc(RT_MSG_SIZE + 1);
	ASSERT_NE(NULL, arg);
	memset(arg, 'r', RT_MSG_SIZE);
	arg[RT_MSG_SIZE] = '\0';
	EXPECT_EQ(RPC_CANTENCODEARGS, rt_echo_1(&arg, &res, self->ctx.cl));
	free(arg);
}

/* Calls whose header the server cannot read get a reply all the same. */
TEST_F(rpc_mb, undecodable_headers)
{
	uint32_t vers3[] = { htonl(77), htonl(CALL), htonl(3), htonl(RT_PROG),
			     htonl(RT_VERS), htonl(RT_ADD), 0, 0, 0, 0 };
	uint32_t badcred[] = { htonl(78), htonl(CALL), htonl(2), htonl(RT_PROG),
			       htonl(RT_VERS), htonl(RT_ADD), htonl(AUTH_SYS),
			       htonl(1000), 0, 0 };
	struct rpc_msg reply;
	struct rpc_err err;
	char buf[512];
	rt_pair p = { 3, 4 };
	int fd, n, sum;
	XDR xdrs;

	fd = msgbox_open(self->ctx.name, O_WRONLY, NULL);
	ASSERT_GE(fd, 0);

	/* Not RPC at all: an empty reply. */
	EXPECT_EQ(0, msgbox_call(fd, "junk!", 5, buf, sizeof(buf), NULL, NULL));

	/* RPC version 3: RPC_MISMATCH, versions 2 to 2. */
	n = msgbox_call(fd, vers3, sizeof(vers3), buf, sizeof(buf), NULL, NULL);
	ASSERT_GT(n, 0);
	memset(&reply, 0, sizeof(reply));
	xdrmem_create(&xdrs, buf, (u_int)n, XDR_DECODE);
	ASSERT_TRUE(xdr_replymsg(&xdrs, &reply));
	EXPECT_EQ(77, reply.rm_xid);
	_seterr_reply(&reply, &err);
	EXPECT_EQ(RPC_VERSMISMATCH, err.re_status);
	EXPECT_EQ(2, err.re_vers.low);
	EXPECT_EQ(2, err.re_vers.high);

	/* Credentials longer than any: AUTH_BADCRED. */
	n = msgbox_call(fd, badcred, sizeof(badcred), buf, sizeof(buf), NULL,
			NULL);
	ASSERT_GT(n, 0);
	memset(&reply, 0, sizeof(reply));
	xdrmem_create(&xdrs, buf, (u_int)n, XDR_DECODE);
	ASSERT_TRUE(xdr_replymsg(&xdrs, &reply));
	EXPECT_EQ(78, reply.rm_xid);
	_seterr_reply(&reply, &err);
	EXPECT_EQ(RPC_AUTHERROR, err.re_status);
	EXPECT_EQ(AUTH_BADCRED, err.re_why);
	msgbox_close(fd);

	/* And the server goes on. */
	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	EXPECT_EQ(7, sum);
}

/* Batched calls: sent without waiting, run in order before the next call. */
TEST_F(rpc_mb, batched_calls)
{
	struct timeval zero = { 0, 0 };
	int one = 1, none = 0, count = -1, i;

	for (i = 0; i < 5; i++)
		EXPECT_EQ(RPC_TIMEDOUT,
			  clnt_call(self->ctx.cl, RT_COUNT, (xdrproc_t)xdr_int,
				    (char *)&one, NULL, NULL, zero));
	ASSERT_EQ(RPC_SUCCESS, rt_count_1(&none, &count, self->ctx.cl));
	EXPECT_EQ(5, count);
}

TEST_F(rpc_mb, controls)
{
	u_int32_t xid = 1000, got = 0, vers = 0, prog = 0;
	rt_pair p = { 0, 1 };
	int fd = -1, sum;

	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_FD, (char *)&fd));
	EXPECT_GE(fd, 0);
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_VERS, (char *)&vers));
	EXPECT_EQ(RT_VERS, vers);
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_PROG, (char *)&prog));
	EXPECT_EQ(RT_PROG, prog);

	ASSERT_TRUE(clnt_control(self->ctx.cl, CLSET_XID, (char *)&xid));
	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	ASSERT_TRUE(clnt_control(self->ctx.cl, CLGET_XID, (char *)&got));
	EXPECT_EQ(xid, got);
	EXPECT_STREQ(MSGBOX_RPC_NETID, self->ctx.cl->cl_netid);
	EXPECT_FALSE(clnt_control(self->ctx.cl, CLGET_SVC_ADDR, (char *)&got));
}

struct rt_err_thread {
	CLIENT *cl;
	enum clnt_stat stat;
	struct rpc_err err;
};

static void *rt_err_thread_main(void *arg)
{
	struct rt_err_thread *t = arg;

	t->stat = clnt_call(t->cl, 99, RT_XDR_VOID, NULL,
			    RT_XDR_VOID, NULL, rt_25s);
	clnt_geterr(t->cl, &t->err);
	return NULL;
}

/* clnt_geterr() and clnt_perror() report the calling thread's last call. */
TEST_F(rpc_mb, errors_are_per_thread)
{
	struct rt_err_thread t = { self->ctx.cl, RPC_SUCCESS, { 0 } };
	rt_pair p = { 1, 1 };
	pthread_t tid;
	int sum;

	ASSERT_EQ(RPC_SUCCESS, rt_add_1(&p, &sum, self->ctx.cl));
	ASSERT_EQ(0, pthread_create(&tid, NULL, rt_err_thread_main, &t));
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(RPC_PROCUNAVAIL, t.stat);
	EXPECT_EQ(RPC_PROCUNAVAIL, t.err.re_status);
	EXPECT_EQ(RPC_SUCCESS, rt_err(self->ctx.cl).re_status);
}

/* The 6.1 harness's TEST() wrapper has an unused parameter of its own. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* No server: the creator fails with the msgbox error in rpc_createerr. */
TEST(rpc_no_mailbox)
{
	char name[64];
	CLIENT *cl;

	if (!mb_dev_present())
		SKIP(return, "no %s", MB_DEV);
	mb_name(name, sizeof(name), "rpc-none");
	cl = clnt_msgbox_create(name, RT_PROG, RT_VERS);
	ASSERT_EQ(NULL, cl);
	EXPECT_EQ(RPC_SYSTEMERROR, rpc_createerr.cf_stat);
	EXPECT_EQ(ENOENT, rpc_createerr.cf_error.re_errno);
	EXPECT_NE(NULL, strstr(clnt_spcreateerror("create"), strerror(ENOENT)));
}

/* svc_msgbox_create() creates a missing mailbox and keeps an existing one. */
TEST(rpc_server_creates_mailbox)
{
	struct msgbox_stat_args st;
	mode_t mask = umask(022);
	char name[64];
	SVCXPRT *xprt;
	int fd;

	umask(mask);
	if (!mb_dev_present())
		SKIP(return, "no %s", MB_DEV);
	mb_name(name, sizeof(name), "rpc-new");

	xprt = svc_msgbox_create(name, 1000, 3000);
	ASSERT_NE(NULL, xprt);
	EXPECT_STREQ(MSGBOX_RPC_NETID, xprt->xp_netid);
	EXPECT_NE(NULL, xprt->xp_p3);
	fd = msgbox_open(name, O_RDONLY, NULL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(MSGBOX_DEFAULT_CAPACITY, st.capacity);
	EXPECT_EQ(3000, st.max_msg_size);
	EXPECT_EQ(MSGBOX_DEFAULT_MODE & ~mask, st.mode);
	msgbox_close(fd);
	svc_destroy(xprt);

	/* It is still there, and used as it is. */
	xprt = svc_msgbox_create(name, 0, 9000);
	ASSERT_NE(NULL, xprt);
	fd = msgbox_open(name, O_RDONLY, NULL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(3000, st.max_msg_size);
	msgbox_close(fd);
	svc_destroy(xprt);
	EXPECT_EQ(0, msgbox_destroy(name));
}

#pragma GCC diagnostic pop

TEST_HARNESS_MAIN
