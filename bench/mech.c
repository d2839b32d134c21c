// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: a link between the processes of a measurement, and the
 * table of mechanisms that can carry one.
 */
#include "bench.h"

void link_init(struct link *l, const struct mech *m, size_t size,
	       unsigned int depth)
{
	int d;

	memset(l, 0, sizeof(*l));
	l->m = m;
	l->size = size;
	l->depth = depth;
	for (d = 0; d < 2; d++) {
		l->fd[d][END_SEND] = -1;
		l->fd[d][END_RECV] = -1;
		l->msqid[d] = -1;
	}
}

void link_close_fds(struct link *l)
{
	int d, e;

	for (d = 0; d < 2; d++)
		for (e = 0; e < 2; e++)
			if (l->fd[d][e] >= 0) {
				close(l->fd[d][e]);
				l->fd[d][e] = -1;
			}
}

unsigned int name_seq;

void link_name(struct link *l, int dir, const char *prefix)
{
	snprintf(l->name[dir], sizeof(l->name[dir]), "%smsgbox-bench.%d.%u.%d",
		 prefix, (int)getpid(), name_seq, dir);
}

static int no_attach(struct link *l, int send_dir, int recv_dir)
{
	(void)l;
	(void)send_dir;
	(void)recv_dir;
	return 0;
}

_Static_assert(NMECH <= MAX_MECHS, "struct shared has no room for NMECH");
_Static_assert(2 * NMECH + 2 < 64, "sh->turn values must fit job.gates");
_Static_assert(PSTREAM_ROUNDS <= PAIRED_ROUNDS, "paired_medians() takes rounds");

const struct mech mechs[NMECH] = {
	[M_MSGBOX] = {
		.name = "msgbox", .what = "named msgbox mailbox (libmsgbox)",
		.caps = MC_MPMC | MC_PAIRS | MC_MEM,
		.create = mb_create, .attach = mb_attach,
		.send = mb_send, .recv = mb_recv, .destroy = mb_destroy,
	},
	[M_MSGBOX_BATCH] = {
		.name = "msgbox-batch", .what = "msgbox, batched send/receive",
		.caps = MC_NORTT,
		.create = mb_create, .attach = mb_attach,
		.send = mb_send, .recv = mb_recv, .destroy = mb_destroy,
		.send_many = mb_send_many, .recv_many = mb_recv_many,
	},
	[M_MSGBOX_RW] = {
		.name = "msgbox-rw", .what = "msgbox, write(2) and read(2)",
		.caps = MC_MPMC | MC_PAIRS,
		.create = mb_create, .attach = mb_attach,
		.send = mb_write, .recv = mb_read, .destroy = mb_destroy,
	},
	[M_MQ] = {
		.name = "mq", .what = "POSIX message queue",
		.caps = MC_MPMC | MC_PAIRS | MC_MEM,
		.create = mq_create, .attach = mq_attach,
		.send = mq_send1, .recv = mq_recv1, .destroy = mq_destroy,
	},
	[M_SYSV] = {
		.name = "sysv", .what = "System V message queue",
		.caps = MC_MPMC | MC_MEM,
		.create = sysv_create, .attach = no_attach,
		.send = sysv_send, .recv = sysv_recv, .destroy = sysv_destroy,
	},
	[M_PIPE] = {
		.name = "pipe", .what = "pipe, fixed-size messages",
		.create = pipe_create, .attach = no_attach,
		.send = fd_send, .recv = pipe_recv, .destroy = fd_destroy,
	},
	[M_SEQPACKET] = {
		.name = "seqpacket", .what = "Unix SOCK_SEQPACKET socket pair",
		.caps = MC_MPMC,
		.create = seqpacket_create, .attach = no_attach,
		.send = sock_send, .recv = sock_recv, .destroy = fd_destroy,
	},
	[M_DGRAM] = {
		.name = "dgram", .what = "Unix SOCK_DGRAM socket pair",
		.caps = MC_MPMC,
		.create = dgram_create, .attach = no_attach,
		.send = sock_send, .recv = sock_recv, .destroy = fd_destroy,
	},
	[M_FUTEX] = {
		.name = "futex", .what = "floor: shared-memory ring, futex wake-ups",
		.caps = MC_PAIRS,
		.create = futex_create, .attach = no_attach,
		.send = futex_send, .recv = futex_recv, .destroy = futex_destroy,
	},
	[M_FUTEX_STAT] = {
		.name = "futex+stat",
		.what = "floor + MSGBOX_IOC_STAT per call (ioctl path)",
		.caps = MC_RTTONLY,
		.create = fxstat_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxstat_destroy, .call = fxstat_call,
	},
	[M_FUTEX_READ] = {
		.name = "futex+read",
		.what = "floor + read(2) of an empty mailbox per call",
		.caps = MC_RTTONLY,
		.create = fxstat_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxstat_destroy, .call = fxread_call,
	},
	[M_FUTEX_MQATTR] = {
		.name = "futex+mqattr",
		.what = "floor + mq_getattr() per call (mq's system calls)",
		.caps = MC_RTTONLY,
		.create = fxmq_create, .attach = no_attach,
		.send = fxcall_send, .recv = fxcall_recv,
		.destroy = fxmq_destroy, .call = fxmq_call,
	},
};

/* Why a selected mechanism is left out, NULL when it works. */
const char *unavailable[NMECH];
char unavailable_buf[NMECH][128];

int mech_on(int m)
{
	return (opt.mechs & (1U << m)) && !unavailable[m];
}
