// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The client side: a CLIENT whose clnt_call() is one msgbox call.
 *
 * DOC: a call
 *
 * clnt_call() encodes the RPC call message (header, credentials,
 * arguments) into a request buffer, hands it to msgbox_call() and decodes
 * the RPC reply message that call returns. The kernel pairs each reply with
 * its call, so the xid only confirms it, and threads sharing a handle never
 * see each other's replies. A batched call (no result procedure and a zero
 * timeout, as libtirpc's stream clients have it) is sent as a plain message
 * and not waited for.
 *
 * Threads: each call takes a buffer pair of its own from the handle's free
 * list, which the handle is created with one pair on (another is allocated
 * when the list is empty, for a thread calling while others do), so the
 * encoding and the decoding need no lock, and a caller of one thread at a
 * time never allocates. A call takes the lock once to read the timeout and
 * take a pair, once to put the pair back and record its outcome, and once
 * each around the credentials' marshal and validate. The xid comes from an atomic counter, and the
 * program and version numbers are atomic too, for CLSET_PROG/CLSET_VERS.
 * @lock guards the timeout, the free list, the handle's last error and the
 * calls into cl_auth that may change it (marshal, validate, refresh).
 * clnt_geterr() reports the calling thread's last call on the handle when
 * it made one, else the handle's last call from any thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#include "msgbox_rpc.h"

/* A request and a reply buffer, each of the mailbox's largest message. */
struct clnt_msgbox_buf {
	struct clnt_msgbox_buf *next;
	char *req;
	char *rep;
};

/**
 * struct clnt_msgbox - the private part of a handle (cl_private)
 * @fd: the mailbox, opened for writing
 * @close_fd: close @fd in clnt_destroy() (CLSET_FD_CLOSE, the default)
 * @bufsz: the size of each buffer: the mailbox's largest message
 * @xid: the xid of the next call
 * @prog: the program number in the calls
 * @vers: the version number in the calls
 * @lock: guards the fields below it, and cl_auth's state
 * @timeout: with @timeout_set, the timeout of every call (CLSET_TIMEOUT)
 * @timeout_set: whether CLSET_TIMEOUT was used
 * @free: buffer pairs not in use
 * @last_err: the outcome of the handle's last call, from any thread
 */
struct clnt_msgbox {
	int fd;
	int close_fd;
	u_int bufsz;
	_Atomic uint32_t xid;
	_Atomic uint32_t prog;
	_Atomic uint32_t vers;

	pthread_mutex_t lock;
	struct timeval timeout;
	int timeout_set;
	struct clnt_msgbox_buf *free;
	struct rpc_err last_err;
};

/* The calling thread's last call: on which handle, and how it ended. */
static __thread struct {
	const CLIENT *cl;
	struct rpc_err err;
} clnt_msgbox_last;

static struct clnt_msgbox *clnt_msgbox_of(const CLIENT *cl)
{
	return (struct clnt_msgbox *)cl->cl_private;
}

/*
 * The one place msgbox errors become RPC errors (clnt_msgbox_create(3)
 * documents the table). RPC_CANTSEND and RPC_CANTRECV carry the errno, so
 * clnt_sperror() prints the msgbox error after "errno = ".
 */
static void clnt_msgbox_seterr(struct rpc_err *err, int error)
{
	memset(err, 0, sizeof(*err));
	err->re_errno = error;
	switch (error) {
	case ETIMEDOUT:
		err->re_status = RPC_TIMEDOUT;
		break;
	case ECONNRESET:	/* the server closed the mailbox holding it */
	case EINTR:		/* a signal, the call cancelled or withdrawn */
		err->re_status = RPC_CANTRECV;
		break;
	default:		/* EIDRM, EMSGSIZE, EACCES, EAGAIN, ENOMEM, ... */
		err->re_status = RPC_CANTSEND;
		break;
	}
}

/* Records how a call ended, and puts its buffer pair @b (if any) back. */
static enum clnt_stat clnt_msgbox_done(CLIENT *cl, const struct rpc_err *err,
				       struct clnt_msgbox_buf *b)
{
	struct clnt_msgbox *ct = clnt_msgbox_of(cl);

	clnt_msgbox_last.cl = cl;
	clnt_msgbox_last.err = *err;
	pthread_mutex_lock(&ct->lock);
	ct->last_err = *err;
	if (b) {
		b->next = ct->free;
		ct->free = b;
	}
	pthread_mutex_unlock(&ct->lock);
	return err->re_status;
}

static void clnt_msgbox_buf_free(struct clnt_msgbox_buf *b)
{
	if (!b)
		return;
	free(b->req);
	free(b->rep);
	free(b);
}

static struct clnt_msgbox_buf *clnt_msgbox_buf_new(struct clnt_msgbox *ct)
{
	struct clnt_msgbox_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->req = malloc(ct->bufsz);
	b->rep = malloc(ct->bufsz);
	if (!b->req || !b->rep) {
		clnt_msgbox_buf_free(b);
		return NULL;
	}
	return b;
}

/* A timeval as a timespec; negative parts count as zero. */
static struct timespec clnt_msgbox_ts(struct timeval tv)
{
	struct timespec ts = { 0, 0 };

	if (tv.tv_sec < 0 || tv.tv_usec < 0)
		return ts;
	ts.tv_sec = tv.tv_sec + tv.tv_usec / 1000000;
	ts.tv_nsec = (tv.tv_usec % 1000000) * 1000;
	return ts;
}

/*
 * Encodes the call message for @proc into @buf. Returns its length, or 0
 * when it does not fit or an XDR routine fails.
 */
static u_int clnt_msgbox_encode(CLIENT *cl, struct clnt_msgbox *ct,
				char *buf, uint32_t xid, rpcproc_t proc,
				xdrproc_t xargs, void *argsp)
{
	struct rpc_msg call;
	XDR xdrs;
	bool_t ok;
	u_int len = 0;

	memset(&call, 0, sizeof(call));
	call.rm_xid = xid;
	call.rm_direction = CALL;
	call.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	call.rm_call.cb_prog = atomic_load(&ct->prog);
	call.rm_call.cb_vers = atomic_load(&ct->vers);

	xdrmem_create(&xdrs, buf, ct->bufsz, XDR_ENCODE);
	ok = xdr_callhdr(&xdrs, &call) && xdr_u_int32_t(&xdrs, &proc);
	if (ok) {
		pthread_mutex_lock(&ct->lock);
		ok = AUTH_MARSHALL(cl->cl_auth, &xdrs);
		pthread_mutex_unlock(&ct->lock);
	}
	if (ok)
		ok = AUTH_WRAP(cl->cl_auth, &xdrs, xargs, argsp);
	if (ok)
		len = XDR_GETPOS(&xdrs);
	XDR_DESTROY(&xdrs);
	return len;
}

/*
 * Decodes the reply in @buf (@len bytes) to the call @xid into @err, and
 * its results with @xresults into @resultsp. Returns 1 when the caller
 * should call again with refreshed credentials.
 */
static int clnt_msgbox_decode(CLIENT *cl, struct clnt_msgbox *ct,
			      char *buf, u_int len, uint32_t xid,
			      xdrproc_t xresults, void *resultsp,
			      int may_refresh, struct rpc_err *err)
{
	struct rpc_msg reply;
	XDR xdrs;
	int again = 0;

	memset(&reply, 0, sizeof(reply));
	memset(err, 0, sizeof(*err));
	reply.acpted_rply.ar_verf = _null_auth;
	reply.acpted_rply.ar_results.where = NULL;
	reply.acpted_rply.ar_results.proc = (xdrproc_t)(void (*)(void))xdr_void;

	xdrmem_create(&xdrs, buf, len, XDR_DECODE);
	if (!xdr_replymsg(&xdrs, &reply) || reply.rm_xid != xid) {
		err->re_status = RPC_CANTDECODERES;
		goto out;
	}
	_seterr_reply(&reply, err);
	if (err->re_status == RPC_SUCCESS) {
		bool_t valid;

		pthread_mutex_lock(&ct->lock);
		valid = AUTH_VALIDATE(cl->cl_auth, &reply.acpted_rply.ar_verf);
		pthread_mutex_unlock(&ct->lock);
		if (!valid) {
			err->re_status = RPC_AUTHERROR;
			err->re_why = AUTH_INVALIDRESP;
		} else if (!AUTH_UNWRAP(cl->cl_auth, &xdrs, xresults,
					resultsp)) {
			err->re_status = RPC_CANTDECODERES;
		}
	} else if (may_refresh) {
		pthread_mutex_lock(&ct->lock);
		again = AUTH_REFRESH(cl->cl_auth, &reply);
		pthread_mutex_unlock(&ct->lock);
	}
out:
	if (reply.acpted_rply.ar_verf.oa_base) {
		xdrs.x_op = XDR_FREE;
		xdr_opaque_auth(&xdrs, &reply.acpted_rply.ar_verf);
	}
	XDR_DESTROY(&xdrs);
	return again;
}

static enum clnt_stat clnt_msgbox_call(CLIENT *cl, rpcproc_t proc,
				       xdrproc_t xargs, void *argsp,
				       xdrproc_t xresults, void *resultsp,
				       struct timeval timeout)
{
	struct clnt_msgbox *ct = clnt_msgbox_of(cl);
	struct msgbox_call_opts opts = { .flags = MSGBOX_CO_TIMEOUT };
	struct clnt_msgbox_buf *b;
	struct rpc_err err;
	int refreshes = 2, batched, ret;
	uint32_t xid;
	u_int len;

	/* The timeout and a buffer pair, under one lock. */
	pthread_mutex_lock(&ct->lock);
	if (ct->timeout_set)
		timeout = ct->timeout;
	b = ct->free;
	if (b)
		ct->free = b->next;
	pthread_mutex_unlock(&ct->lock);
	batched = !xresults && !timeout.tv_sec && !timeout.tv_usec;
	if (!xresults)
		xresults = (xdrproc_t)(void (*)(void))xdr_void;
	opts.timeout = clnt_msgbox_ts(timeout);

	if (!b)
		b = clnt_msgbox_buf_new(ct);
	if (!b) {
		clnt_msgbox_seterr(&err, ENOMEM);
		return clnt_msgbox_done(cl, &err, NULL);
	}
again:
	memset(&err, 0, sizeof(err));
	xid = atomic_fetch_add(&ct->xid, 1);
	len = clnt_msgbox_encode(cl, ct, b->req, xid, proc, xargs, argsp);
	if (!len) {
		err.re_status = RPC_CANTENCODEARGS;
		goto out;
	}
	if (batched) {
		/* Sent, not waited for: RPC_TIMEDOUT, as for libtirpc's. */
		ret = msgbox_send(ct->fd, b->req, len, 0);
		clnt_msgbox_seterr(&err, ret ? -ret : ETIMEDOUT);
		goto out;
	}
	ret = msgbox_call(ct->fd, b->req, len, b->rep, ct->bufsz, &opts, NULL);
	if (ret < 0) {
		clnt_msgbox_seterr(&err, -ret);
		goto out;
	}
	if (clnt_msgbox_decode(cl, ct, b->rep, (u_int)ret, xid, xresults,
			       resultsp, refreshes-- > 0, &err))
		goto again;
out:
	return clnt_msgbox_done(cl, &err, b);
}

static void clnt_msgbox_geterr(CLIENT *cl, struct rpc_err *errp)
{
	struct clnt_msgbox *ct = clnt_msgbox_of(cl);

	if (clnt_msgbox_last.cl == cl) {
		*errp = clnt_msgbox_last.err;
		return;
	}
	pthread_mutex_lock(&ct->lock);
	*errp = ct->last_err;
	pthread_mutex_unlock(&ct->lock);
}

static bool_t clnt_msgbox_freeres(CLIENT *cl, xdrproc_t xres, void *resp)
{
	XDR xdrs;

	(void)cl;
	memset(&xdrs, 0, sizeof(xdrs));
	xdrs.x_op = XDR_FREE;
	return xres(&xdrs, resp);
}

static void clnt_msgbox_abort(CLIENT *cl)
{
	(void)cl;
}

/* As libtirpc's clients check a timeout given to clnt_control(). */
static int clnt_msgbox_timeout_ok(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static bool_t clnt_msgbox_control(CLIENT *cl, u_int request, void *info)
{
	struct clnt_msgbox *ct = clnt_msgbox_of(cl);
	struct timeval *tv = info;

	switch (request) {
	case CLSET_FD_CLOSE:
		ct->close_fd = 1;
		return TRUE;
	case CLSET_FD_NCLOSE:
		ct->close_fd = 0;
		return TRUE;
	}
	if (!info)
		return FALSE;

	switch (request) {
	case CLSET_TIMEOUT:
		if (!clnt_msgbox_timeout_ok(tv))
			return FALSE;
		pthread_mutex_lock(&ct->lock);
		ct->timeout = *tv;
		ct->timeout_set = 1;
		pthread_mutex_unlock(&ct->lock);
		return TRUE;
	case CLGET_TIMEOUT:
		/* Not set: tv_sec -1, each call's own timeout applies. */
		pthread_mutex_lock(&ct->lock);
		if (ct->timeout_set) {
			*tv = ct->timeout;
		} else {
			tv->tv_sec = -1;
			tv->tv_usec = -1;
		}
		pthread_mutex_unlock(&ct->lock);
		return TRUE;
	case CLGET_FD:
		*(int *)info = ct->fd;
		return TRUE;
	case CLGET_XID:
		/* The xid of the last call made, as libtirpc's clients. */
		*(uint32_t *)info = atomic_load(&ct->xid) - 1;
		return TRUE;
	case CLSET_XID:
		/* The xid of the next call. */
		atomic_store(&ct->xid, *(uint32_t *)info);
		return TRUE;
	case CLGET_VERS:
		*(uint32_t *)info = atomic_load(&ct->vers);
		return TRUE;
	case CLSET_VERS:
		atomic_store(&ct->vers, *(uint32_t *)info);
		return TRUE;
	case CLGET_PROG:
		*(uint32_t *)info = atomic_load(&ct->prog);
		return TRUE;
	case CLSET_PROG:
		atomic_store(&ct->prog, *(uint32_t *)info);
		return TRUE;
	default:
		return FALSE;
	}
}

static void clnt_msgbox_destroy(CLIENT *cl)
{
	struct clnt_msgbox *ct;
	struct clnt_msgbox_buf *b;

	if (!cl)
		return;
	ct = clnt_msgbox_of(cl);
	if (ct) {
		while ((b = ct->free)) {
			ct->free = b->next;
			clnt_msgbox_buf_free(b);
		}
		if (ct->close_fd && ct->fd >= 0)
			msgbox_close(ct->fd);
		pthread_mutex_destroy(&ct->lock);
		free(ct);
	}
	if (clnt_msgbox_last.cl == cl)
		clnt_msgbox_last.cl = NULL;
	free(cl->cl_netid);
	free(cl->cl_tp);
	free(cl);
}

static struct clnt_ops clnt_msgbox_ops = {
	.cl_call = clnt_msgbox_call,
	.cl_abort = clnt_msgbox_abort,
	.cl_geterr = clnt_msgbox_geterr,
	.cl_freeres = clnt_msgbox_freeres,
	.cl_destroy = clnt_msgbox_destroy,
	.cl_control = clnt_msgbox_control,
};

/* A first xid that differs between processes and runs, as libtirpc's. */
static uint32_t clnt_msgbox_xid0(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)getpid() ^ (uint32_t)now.tv_sec ^
	       (uint32_t)now.tv_nsec;
}

CLIENT *clnt_msgbox_create(const char *mailbox, rpcprog_t prog,
			   rpcvers_t vers)
{
	struct msgbox_stat_args st;
	struct clnt_msgbox *ct = NULL;
	CLIENT *cl;
	int fd, ret;

	if (!mailbox) {
		ret = -EINVAL;
		goto err;
	}
	fd = msgbox_open(mailbox, O_WRONLY | O_CLOEXEC, NULL);
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	ret = msgbox_stat(fd, &st);
	if (ret < 0)
		goto err_close;

	ret = -ENOMEM;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		goto err_close;
	ct = calloc(1, sizeof(*ct));
	if (!ct)
		goto err_free_cl;
	cl->cl_netid = strdup(MSGBOX_RPC_NETID);
	cl->cl_tp = strdup(mailbox);
	if (!cl->cl_netid || !cl->cl_tp)
		goto err_free_cl;
	ret = -pthread_mutex_init(&ct->lock, NULL);
	if (ret)
		goto err_free_cl;

	ct->fd = fd;
	ct->close_fd = 1;
	/* A reply of up to the largest message the mailbox carries. */
	ct->bufsz = st.max_msg_size;
	/*
	 * The first pair now, from the creating thread: a caller that calls
	 * from one thread never allocates, and its first call does not make
	 * malloc set up an arena for a new thread.
	 */
	ct->free = clnt_msgbox_buf_new(ct);
	if (!ct->free) {
		ret = -ENOMEM;
		goto err_destroy_lock;
	}
	atomic_init(&ct->xid, clnt_msgbox_xid0());
	atomic_init(&ct->prog, prog);
	atomic_init(&ct->vers, vers);
	cl->cl_ops = &clnt_msgbox_ops;
	cl->cl_private = (caddr_t)ct;
	cl->cl_auth = authnone_create();
	if (!cl->cl_auth) {
		ret = -ENOMEM;
		goto err_destroy_lock;
	}
	return cl;

err_destroy_lock:
	clnt_msgbox_buf_free(ct->free);
	pthread_mutex_destroy(&ct->lock);
err_free_cl:
	free(ct);
	free(cl->cl_netid);
	free(cl->cl_tp);
	free(cl);
err_close:
	msgbox_close(fd);
err:
	rpc_createerr.cf_stat = RPC_SYSTEMERROR;
	rpc_createerr.cf_error.re_status = RPC_SYSTEMERROR;
	rpc_createerr.cf_error.re_errno = -ret;
	return NULL;
}
