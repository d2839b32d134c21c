// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The server side: an SVCXPRT that takes RPC calls from a mailbox.
 *
 * DOC: a request
 *
 * svc_run() polls the mailbox descriptor (xprt_register()) and calls
 * svc_getreq_common(), which runs the operations below in this order:
 *
 *   xp_recv	takes the next message, held (msgbox_recv_held()), decodes
 *		the call header and replaces the credentials with the
 *		kernel's record of the caller (below)
 *   dispatch	the service's routine; svc_getargs() and svc_sendreply()
 *		come back as xp_getargs and xp_reply, which answers the
 *		held call (msgbox_reply_recv(), see below)
 *   xp_stat	answers a call the routine left unanswered with SYSTEM_ERR,
 *		since its caller waits for an answer and nothing else would
 *		give it one; XPRT_MOREREQS when the reply brought the next
 *		request; XPRT_DIED once the mailbox is gone
 *
 * A request that is not a msgbox call (a batched call, sent as a plain
 * message) is done once the routine returns, and what it replies is
 * dropped, as nobody waits for it.
 *
 * A message that does not decode as a call header gets the RPC reply that
 * says why, when it has an xid to answer: RPC_MISMATCH for another RPC
 * version, AUTH_BADCRED for a header whose credentials or verifier do not
 * decode. A message too short for that, or not a call, gets an empty
 * reply, which the client cannot decode either; nothing is left held.
 *
 * DOC: the next request
 *
 * A reply is made with msgbox_reply_recv(), which also waits up to
 * SVC_MSGBOX_LINGER_NS for the next request, held; xp_stat then says
 * XPRT_MOREREQS and svc_getreq_common() serves it at once, without going
 * back to poll(). A client calling in a loop has its next call there
 * within that time, and the module's receive spins (its poll_ns) before it
 * sleeps, where poll() in svc_run() sleeps at once and must be woken, a
 * wake-up per request saved. So that svc_run() still gets to its other
 * descriptors, at most SVC_MSGBOX_STREAK requests are served so in a row;
 * no request is ever left held when control returns to svc_run(), since
 * poll() would not see it. Each receive is bounded by SVC_MSGBOX_LINGER_NS:
 * another server of the mailbox may have taken the request poll() saw.
 * The two requests in hand use one buffer each, in turn.
 *
 * DOC: credentials
 *
 * Whatever credentials and verifier a call carries are ignored. Each
 * request reaches the service as AUTH_SYS: machine name
 * MSGBOX_RPC_MACHNAME, the effective UID and GID the kernel recorded for
 * the calling process when it called, no supplementary groups (the kernel
 * records none), and an AUTH_NONE verifier. The client cannot forge them.
 *
 * DOC: the end of a mailbox
 *
 * When the mailbox is destroyed the descriptor polls ready, the receive
 * (or a reply) fails with EIDRM and xp_stat says XPRT_DIED, so
 * svc_getreq_common() destroys the transport. If nothing else is
 * registered, svc_run() would then poll nothing forever: the transport
 * calls svc_exit() and svc_run() returns. Any other error of the receive
 * but ETIMEDOUT and EINTR also ends the transport, with a message on
 * stderr naming it. svc_destroy() hands a request received ahead back to
 * the queue, for another server.
 *
 * One thread serves a transport, as for libtirpc's own.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#include "msgbox_rpc.h"

#include <rpc/svc_mt.h>

/*
 * How long a receive waits for a request: after a reply, the time a client
 * calling in a loop takes to call again (a round trip of the module is
 * 40-100 us under emulation, a few us on hardware), over the module's
 * default poll_ns of 20 us, so that the receive spins before it sleeps.
 */
#define SVC_MSGBOX_LINGER_NS	50000

/* The most requests served one after another without a poll(). */
#define SVC_MSGBOX_STREAK	32

/* A request held by the transport. */
struct svc_msgbox_req {
	char *buf;
	u_int len;
	struct msgbox_held_info info;
};

/**
 * struct svc_msgbox - the private part of a transport (xp_p1)
 * @ext: what xp_p3 points to; libtirpc keeps the request's authenticator
 *	there
 * @fd: the mailbox, opened for reading
 * @name: the mailbox's name
 * @bufsz: the size of each request buffer: the mailbox's largest message
 * @sendsz: the size of @outbuf: the largest reply
 * @outbuf: the reply
 * @cur: the request being served; its buffer is what @in decodes
 * @next: a request received with the last reply, served next
 * @in: decodes @cur's buffer; the arguments follow the header
 * @pending: @cur is held and not answered yet
 * @has_next: @next holds a request
 * @streak: requests served in a row without going back to poll()
 * @xid: @cur's RPC xid
 * @error: once the transport is dead, the errno that ended it, else 0
 */
struct svc_msgbox {
	SVCXPRT_EXT ext;
	int fd;
	char *name;
	u_int bufsz;
	u_int sendsz;
	char *outbuf;
	struct svc_msgbox_req cur;
	struct svc_msgbox_req next;
	XDR in;
	int pending;
	int has_next;
	unsigned int streak;
	uint32_t xid;
	int error;
};

/* xdr_authunix_parms() takes a char *, which encoding only reads. */
static char svc_msgbox_machname[] = MSGBOX_RPC_MACHNAME;

static const struct msgbox_held_opts svc_msgbox_linger = {
	.flags = MSGBOX_HO_TIMEOUT,
	.timeout = { 0, SVC_MSGBOX_LINGER_NS },
};

static struct svc_msgbox *svc_msgbox_of(SVCXPRT *xprt)
{
	return (struct svc_msgbox *)xprt->xp_p1;
}

static void svc_msgbox_die(struct svc_msgbox *s, int error, const char *what)
{
	if (s->error)
		return;
	s->error = error;
	if (error != EIDRM)
		warnx("svc_msgbox: %s: %s: %s", s->name, what, strerror(error));
}

/*
 * What a receive returned (@ret, the length or -errno) for @req. Returns
 * 1 when @req holds a request.
 */
static int svc_msgbox_received(struct svc_msgbox *s,
			       struct svc_msgbox_req *req, int ret)
{
	if (ret >= 0) {
		req->len = (u_int)ret;
		return 1;
	}
	if (ret == -EBADMSG) {
		/* A plain message whose checksum failed: held, drop it. */
		msgbox_done(s->fd, req->info.msg.id);
	} else if (ret != -ETIMEDOUT && ret != -EINTR) {
		svc_msgbox_die(s, -ret, "receive");
	}
	return 0;
}

/*
 * Answers the request being served with @len bytes of @outbuf (a call) or
 * as done (a plain message: the reply is dropped), receiving the next
 * request with it unless @last. Returns 1 when the caller has the reply.
 */
static int svc_msgbox_answer(struct svc_msgbox *s, u_int len, int last)
{
	int ret, err;

	if (!s->cur.info.call)
		len = 0;
	if (last || s->streak >= SVC_MSGBOX_STREAK) {
		ret = s->cur.info.call ?
		      msgbox_reply(s->fd, s->cur.info.msg.id, s->outbuf, len) :
		      msgbox_done(s->fd, s->cur.info.msg.id);
		err = ret;
	} else {
		ret = msgbox_reply_recv(s->fd, s->cur.info.msg.id, s->outbuf,
					len, &err, s->next.buf, s->bufsz,
					&svc_msgbox_linger, &s->next.info);
		if (err == 0 || err == -ECANCELED)
			s->has_next = svc_msgbox_received(s, &s->next, ret);
	}

	switch (err) {
	case 0:
		s->pending = 0;
		return s->cur.info.call;
	case -EMSGSIZE:
		/* Longer than the caller takes: still held, answer again. */
		return 0;
	case -ECANCELED:	/* the caller gave up: settled, went nowhere */
	case -ENOENT:		/* not held here any more */
		s->pending = 0;
		return 0;
	default:
		s->pending = 0;
		svc_msgbox_die(s, -err, "reply");
		return 0;
	}
}

/* Encodes @msg as the reply to the request being served and answers it. */
static int svc_msgbox_send(SVCXPRT *xprt, struct rpc_msg *msg, int last)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);
	xdrproc_t xresults = NULL;
	void *where = NULL;
	bool_t ok;
	XDR xdrs;

	if (!s->pending)
		return 0;
	if (msg->rm_reply.rp_stat == MSG_ACCEPTED &&
	    msg->acpted_rply.ar_stat == SUCCESS) {
		xresults = msg->acpted_rply.ar_results.proc;
		where = msg->acpted_rply.ar_results.where;
		msg->acpted_rply.ar_results.proc =
			(xdrproc_t)(void (*)(void))xdr_void;
		msg->acpted_rply.ar_results.where = NULL;
	}
	msg->rm_xid = s->xid;
	xdrmem_create(&xdrs, s->outbuf, s->sendsz, XDR_ENCODE);
	ok = xdr_replymsg(&xdrs, msg) &&
	     (!xresults || SVCAUTH_WRAP(&SVC_XP_AUTH(xprt), &xdrs, xresults,
					where));
	if (xresults) {
		msg->acpted_rply.ar_results.proc = xresults;
		msg->acpted_rply.ar_results.where = where;
	}
	if (ok)
		ok = svc_msgbox_answer(s, XDR_GETPOS(&xdrs), last) ||
		     !s->cur.info.call;
	XDR_DESTROY(&xdrs);
	return ok;
}

static bool_t svc_msgbox_reply(SVCXPRT *xprt, struct rpc_msg *msg)
{
	return svc_msgbox_send(xprt, msg, 0);
}

/* Answers the request being served with an error reply made from @rply. */
static void svc_msgbox_error_reply(SVCXPRT *xprt, struct rpc_msg *rply,
				   int last)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);

	rply->rm_direction = REPLY;
	if (!svc_msgbox_send(xprt, rply, last) && s->pending)
		svc_msgbox_answer(s, 0, last);
}

static void svc_msgbox_systemerr(SVCXPRT *xprt, int last)
{
	struct rpc_msg rply;

	memset(&rply, 0, sizeof(rply));
	rply.rm_reply.rp_stat = MSG_ACCEPTED;
	rply.acpted_rply.ar_verf = _null_auth;
	rply.acpted_rply.ar_stat = SYSTEM_ERR;
	svc_msgbox_error_reply(xprt, &rply, last);
}

/*
 * The request being served, whose call header does not decode: the reply
 * that says why, when it has an xid and is a call, else an empty one.
 */
static void svc_msgbox_refuse(SVCXPRT *xprt)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);
	struct rpc_msg rply;
	uint32_t word[3];

	memset(&rply, 0, sizeof(rply));
	if (s->cur.len < sizeof(word)) {
		svc_msgbox_answer(s, 0, 0);
		return;
	}
	memcpy(word, s->cur.buf, sizeof(word));
	if (ntohl(word[1]) != CALL) {
		svc_msgbox_answer(s, 0, 0);
		return;
	}
	s->xid = ntohl(word[0]);
	rply.rm_reply.rp_stat = MSG_DENIED;
	if (ntohl(word[2]) != RPC_MSG_VERSION) {
		rply.rjcted_rply.rj_stat = RPC_MISMATCH;
		rply.rjcted_rply.rj_vers.low = RPC_MSG_VERSION;
		rply.rjcted_rply.rj_vers.high = RPC_MSG_VERSION;
	} else {
		rply.rjcted_rply.rj_stat = AUTH_ERROR;
		rply.rjcted_rply.rj_why = AUTH_BADCRED;
	}
	svc_msgbox_error_reply(xprt, &rply, 0);
}

/*
 * Puts the kernel's record of the caller in place of the credentials the
 * call carries, in the space svc_getreq_common() gave the decoder
 * (MAX_AUTH_BYTES at cb_cred.oa_base).
 */
static bool_t svc_msgbox_stamp(struct rpc_msg *msg,
			       const struct msgbox_held_info *info)
{
	struct authunix_parms aup;
	struct opaque_auth *cred = &msg->rm_call.cb_cred;
	bool_t ok;
	XDR xdrs;

	memset(&aup, 0, sizeof(aup));
	aup.aup_time = (u_long)time(NULL);
	aup.aup_machname = svc_msgbox_machname;
	aup.aup_uid = info->msg.uid;
	aup.aup_gid = info->msg.gid;
	aup.aup_len = 0;
	aup.aup_gids = NULL;

	xdrmem_create(&xdrs, cred->oa_base, MAX_AUTH_BYTES, XDR_ENCODE);
	ok = xdr_authunix_parms(&xdrs, &aup);
	cred->oa_flavor = AUTH_SYS;
	cred->oa_length = ok ? XDR_GETPOS(&xdrs) : 0;
	XDR_DESTROY(&xdrs);

	msg->rm_call.cb_verf = _null_auth;
	return ok;
}

static bool_t svc_msgbox_recv(SVCXPRT *xprt, struct rpc_msg *msg)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);
	struct svc_msgbox_req req;

	if (s->pending)
		svc_msgbox_systemerr(xprt, 1);
	if (s->error)
		return FALSE;

	if (s->has_next) {
		/* Received with the last reply: swap the buffers. */
		req = s->cur;
		s->cur = s->next;
		s->next = req;
		s->has_next = 0;
		s->streak++;
	} else {
		s->streak = 0;
		if (!svc_msgbox_received(s, &s->cur,
					 msgbox_recv_held(s->fd, s->cur.buf,
							  s->bufsz,
							  &svc_msgbox_linger,
							  &s->cur.info)))
			return FALSE;
	}
	s->pending = 1;

	XDR_DESTROY(&s->in);
	xdrmem_create(&s->in, s->cur.buf, s->cur.len, XDR_DECODE);
	if (!xdr_callmsg(&s->in, msg)) {
		svc_msgbox_refuse(xprt);
		return FALSE;
	}
	s->xid = msg->rm_xid;
	if (!svc_msgbox_stamp(msg, &s->cur.info)) {
		svc_msgbox_systemerr(xprt, 0);
		return FALSE;
	}
	return TRUE;
}

static enum xprt_stat svc_msgbox_stat(SVCXPRT *xprt)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);

	if (s->pending)
		svc_msgbox_systemerr(xprt, 0);
	if (s->error)
		return XPRT_DIED;
	return s->has_next ? XPRT_MOREREQS : XPRT_IDLE;
}

static bool_t svc_msgbox_getargs(SVCXPRT *xprt, xdrproc_t xargs, void *argsp)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);

	if (SVCAUTH_UNWRAP(&SVC_XP_AUTH(xprt), &s->in, xargs, argsp))
		return TRUE;
	/* What was decoded before the failure is not the service's. */
	s->in.x_op = XDR_FREE;
	xargs(&s->in, argsp);
	s->in.x_op = XDR_DECODE;
	return FALSE;
}

static bool_t svc_msgbox_freeargs(SVCXPRT *xprt, xdrproc_t xargs, void *argsp)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);

	s->in.x_op = XDR_FREE;
	return xargs(&s->in, argsp);
}

static bool_t svc_msgbox_control(SVCXPRT *xprt, const u_int rq, void *in)
{
	(void)xprt;
	(void)rq;
	(void)in;
	return FALSE;
}

/* Whether svc_run() has any descriptor left to poll. */
static int svc_msgbox_any_registered(void)
{
	int i;

	for (i = 0; i < svc_max_pollfd; i++)
		if (svc_pollfd[i].fd >= 0)
			return 1;
	return 0;
}

static void svc_msgbox_free(SVCXPRT *xprt)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);

	if (s) {
		if (s->fd >= 0)
			msgbox_close(s->fd);
		free(s->cur.buf);
		free(s->next.buf);
		free(s->outbuf);
		free(s->name);
		free(s);
	}
	free(xprt->xp_netid);
	free(xprt);
}

static void svc_msgbox_destroy(SVCXPRT *xprt)
{
	struct svc_msgbox *s = svc_msgbox_of(xprt);
	int died = s->error != 0;

	xprt_unregister(xprt);
	if (s->pending)
		svc_msgbox_systemerr(xprt, 1);
	if (s->has_next)
		msgbox_release(s->fd, s->next.info.msg.id);
	XDR_DESTROY(&s->in);
	svc_msgbox_free(xprt);
	if (died && !svc_msgbox_any_registered())
		svc_exit();
}

static const struct xp_ops svc_msgbox_ops = {
	.xp_recv = svc_msgbox_recv,
	.xp_stat = svc_msgbox_stat,
	.xp_getargs = svc_msgbox_getargs,
	.xp_reply = svc_msgbox_reply,
	.xp_freeargs = svc_msgbox_freeargs,
	.xp_destroy = svc_msgbox_destroy,
};

static const struct xp_ops2 svc_msgbox_ops2 = {
	.xp_control = svc_msgbox_control,
};

SVCXPRT *svc_msgbox_create(const char *mailbox, u_int sendsz, u_int recvsz)
{
	struct msgbox_attr attr = {
		.capacity = MSGBOX_DEFAULT_CAPACITY,
		.max_msg_size = sendsz > recvsz ? sendsz : recvsz,
		.mode = MSGBOX_DEFAULT_MODE,
	};
	struct msgbox_stat_args st;
	struct svc_msgbox *s;
	SVCXPRT *xprt;
	int fd, ret;

	if (!mailbox) {
		errno = EINVAL;
		return NULL;
	}
	if (!attr.max_msg_size)
		attr.max_msg_size = MSGBOX_DEFAULT_MSG_SIZE;
	fd = msgbox_open(mailbox, O_RDONLY | O_CREAT | O_CLOEXEC, &attr);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	ret = msgbox_stat(fd, &st);
	if (ret < 0) {
		msgbox_close(fd);
		errno = -ret;
		return NULL;
	}

	xprt = calloc(1, sizeof(*xprt));
	s = calloc(1, sizeof(*s));
	if (!xprt || !s) {
		free(s);
		free(xprt);
		msgbox_close(fd);
		errno = ENOMEM;
		return NULL;
	}
	xprt->xp_p1 = (void *)s;
	s->fd = fd;
	/* Room for any request, so that none can block the queue. */
	s->bufsz = st.max_msg_size;
	s->sendsz = sendsz && sendsz < s->bufsz ? sendsz : s->bufsz;
	s->name = strdup(mailbox);
	s->cur.buf = malloc(s->bufsz);
	s->next.buf = malloc(s->bufsz);
	s->outbuf = malloc(s->sendsz);
	xprt->xp_netid = strdup(MSGBOX_RPC_NETID);
	if (!s->name || !s->cur.buf || !s->next.buf || !s->outbuf ||
	    !xprt->xp_netid) {
		svc_msgbox_free(xprt);
		errno = ENOMEM;
		return NULL;
	}
	xdrmem_create(&s->in, s->cur.buf, 0, XDR_DECODE);

	xprt->xp_fd = fd;
	xprt->xp_port = 0;
	xprt->xp_ops = &svc_msgbox_ops;
	xprt->xp_ops2 = &svc_msgbox_ops2;
	xprt->xp_tp = s->name;
	xprt->xp_verf = _null_auth;
	xprt->xp_p3 = (void *)&s->ext;
	xprt_register(xprt);
	return xprt;
}
