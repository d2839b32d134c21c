/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmsgbox-rpc - ONC RPC over msgbox calls, for libtirpc
 *
 * DOC: the transport
 *
 * Programs written for ONC RPC (a .x file, rpcgen's stubs and server
 * skeleton, libtirpc) run over a msgbox mailbox by changing only how the
 * client handle and the server transport are made:
 *
 *	CLIENT *cl = clnt_msgbox_create("calc", CALC_PROG, CALC_VERS);
 *	SVCXPRT *xprt = svc_msgbox_create("calc", 0, 0);
 *	svc_register(xprt, CALC_PROG, CALC_VERS, calc_prog_1, 0);
 *	svc_run();
 *
 * Each clnt_call() is one msgbox call (MSGBOX_IOC_CALL): the RPC call
 * message is the request and the RPC reply message is the reply, so every
 * call gets its own reply from the kernel, a handle serves any number of
 * threads at once, and a server that exits while it holds a call fails
 * that call at once (RPC_CANTRECV, ECONNRESET) rather than at the timeout.
 * Several server processes may serve one mailbox: each call goes to one.
 *
 * The server does not trust the credentials in the call: every request
 * reaches the service procedure as AUTH_SYS with the effective UID and GID
 * the kernel recorded for the calling process (see svc_msgbox_create(3)).
 *
 * This library depends on libmsgbox and libtirpc; libmsgbox itself does
 * not depend on libtirpc. Build with "pkg-config --cflags --libs
 * msgbox-rpc". Both functions are in symbol node MSGBOX_RPC_1.0.
 */
#ifndef _MSGBOX_RPC_H
#define _MSGBOX_RPC_H

#include <rpc/rpc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cl_netid of the clients and xp_netid of the transports made here. */
#define MSGBOX_RPC_NETID	"msgbox"

/* The machine name in the AUTH_SYS credentials a service procedure sees. */
#define MSGBOX_RPC_MACHNAME	"msgbox"

/**
 * clnt_msgbox_create() - an RPC client handle calling a mailbox
 * @mailbox: the name of the mailbox the server serves
 * @prog: the program number
 * @vers: the version number
 *
 * Opens @mailbox for writing (it must exist) and returns a handle for
 * clnt_call() and rpcgen's client stubs, with AUTH_NONE credentials
 * (the server ignores them). CLSET_TIMEOUT, CLGET_TIMEOUT, CLGET_FD,
 * CLGET_XID, CLSET_XID, CLGET_VERS, CLSET_VERS, CLGET_PROG, CLSET_PROG,
 * CLSET_FD_CLOSE and CLSET_FD_NCLOSE work through clnt_control().
 *
 * Return: the handle, or NULL with rpc_createerr set (RPC_SYSTEMERROR and
 * the msgbox errno in rpc_createerr.cf_error.re_errno).
 */
CLIENT *clnt_msgbox_create(const char *mailbox, rpcprog_t prog,
			   rpcvers_t vers);

/**
 * svc_msgbox_create() - an RPC server transport serving a mailbox
 * @mailbox: the name of the mailbox; created when it does not exist
 * @sendsz: the largest reply, 0 for the mailbox's largest message
 * @recvsz: the largest request, 0 for the mailbox's largest message;
 *	also the largest message of a mailbox created here
 *
 * The transport is registered with xprt_register(), so svc_run() serves
 * it once svc_register(xprt, prog, vers, dispatch, 0) has been called.
 *
 * Return: the transport, or NULL with errno set.
 */
SVCXPRT *svc_msgbox_create(const char *mailbox, u_int sendsz, u_int recvsz);

#ifdef __cplusplus
}
#endif

#endif /* _MSGBOX_RPC_H */
