// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench mechanisms on the other kernel queues: POSIX and
 * System V message queues.
 */
#include "bench.h"

/* POSIX message queues. */

int mq_create(struct link *l, int ndirs)
{
	struct mq_attr attr = {
		.mq_maxmsg = l->depth,
		.mq_msgsize = (long)l->size,
	};
	int d, r;
	mqd_t q;

	name_seq++;
	for (d = 0; d < ndirs; d++) {
		link_name(l, d, "/");
		q = mq_open(l->name[d], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
			    0600, &attr);
		if (q == (mqd_t)-1) {
			r = -errno;
			while (--d >= 0)
				mq_unlink(l->name[d]);
			return r;
		}
		mq_close(q);
	}
	l->ndirs = ndirs;
	return 0;
}

int mq_attach(struct link *l, int send_dir, int recv_dir)
{
	mqd_t q;

	if (send_dir >= 0) {
		q = mq_open(l->name[send_dir], O_WRONLY | O_CLOEXEC);
		if (q == (mqd_t)-1)
			return -errno;
		l->fd[send_dir][END_SEND] = q;
	}
	if (recv_dir >= 0) {
		q = mq_open(l->name[recv_dir], O_RDONLY | O_CLOEXEC);
		if (q == (mqd_t)-1)
			return -errno;
		l->fd[recv_dir][END_RECV] = q;
	}
	return 0;
}

int mq_send1(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = mq_send(l->fd[dir][END_SEND], buf, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

ssize_t mq_recv1(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = mq_receive(l->fd[dir][END_RECV], buf, len, NULL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

void mq_destroy(struct link *l)
{
	int d;

	link_close_fds(l);
	for (d = 0; d < l->ndirs; d++)
		mq_unlink(l->name[d]);
}

/*
 * System V message queues. msgsnd() wants the type just before the text:
 * it goes in the headroom of the buffer, so the payload is not copied an
 * extra time in user space. The queue's byte limit is set to @depth
 * messages, which also caps the message count at @depth.
 */
int sysv_create(struct link *l, int ndirs)
{
	struct msqid_ds ds;
	int d, r;

	for (d = 0; d < ndirs; d++) {
		l->msqid[d] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (l->msqid[d] < 0)
			goto err;
		if (msgctl(l->msqid[d], IPC_STAT, &ds) < 0)
			goto err;
		ds.msg_qbytes = (msglen_t)l->depth * l->size;
		if (msgctl(l->msqid[d], IPC_SET, &ds) < 0)
			goto err;
	}
	l->ndirs = ndirs;
	return 0;
err:
	r = -errno;
	for (; d >= 0; d--)
		if (l->msqid[d] >= 0)
			msgctl(l->msqid[d], IPC_RMID, NULL);
	return r;
}

int sysv_send(struct link *l, int dir, char *buf, size_t len)
{
	long *mtype = (long *)(void *)(buf - sizeof(long));
	int r;

	*mtype = 1;
	do
		r = msgsnd(l->msqid[dir], mtype, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

ssize_t sysv_recv(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = msgrcv(l->msqid[dir], buf - sizeof(long), len, 0, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

void sysv_destroy(struct link *l)
{
	int d;

	for (d = 0; d < l->ndirs; d++)
		msgctl(l->msqid[d], IPC_RMID, NULL);
}
