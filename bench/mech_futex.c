// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench floors: the futex ring, and the call floors that add one
 * cheap call on a descriptor to each of its sends and receives.
 */
#include "bench.h"

static size_t ring_hdr(unsigned int depth)
{
	return (sizeof(struct ring) + depth * sizeof(uint32_t) + 63) & ~(size_t)63;
}

static char *ring_slot(struct link *l, struct ring *r, uint32_t i)
{
	return (char *)r + ring_hdr(l->depth) + (size_t)(i % l->depth) * l->size;
}

int futex_create(struct link *l, int ndirs)
{
	int d;

	l->ring_len = ring_hdr(l->depth) + (size_t)l->depth * l->size;
	for (d = 0; d < ndirs; d++) {
		void *p = mmap(NULL, l->ring_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED) {
			while (--d >= 0)
				munmap(l->ring[d], l->ring_len);
			return -ENOMEM;
		}
		l->ring[d] = p;
	}
	l->ndirs = ndirs;
	return 0;
}

int futex_send(struct link *l, int dir, char *buf, size_t len)
{
	struct ring *r = l->ring[dir];
	uint32_t head = r->head, tail;

	for (;;) {
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (head - tail < l->depth)
			break;
		__atomic_store_n(&r->pwait, 1, __ATOMIC_SEQ_CST);
		tail = __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST);
		if (head - tail >= l->depth)
			futex_op(&r->tail, FUTEX_WAIT, tail);
		__atomic_store_n(&r->pwait, 0, __ATOMIC_RELAXED);
	}
	memcpy(ring_slot(l, r, head), buf, len);
	r->len[head % l->depth] = (uint32_t)len;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->cwait, __ATOMIC_SEQ_CST))
		futex_op(&r->head, FUTEX_WAKE, 1);
	return 0;
}

ssize_t futex_recv(struct link *l, int dir, char *buf, size_t len)
{
	struct ring *r = l->ring[dir];
	uint32_t tail = r->tail, head, n;

	for (;;) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (head != tail)
			break;
		__atomic_store_n(&r->cwait, 1, __ATOMIC_SEQ_CST);
		head = __atomic_load_n(&r->head, __ATOMIC_SEQ_CST);
		if (head == tail)
			futex_op(&r->head, FUTEX_WAIT, head);
		__atomic_store_n(&r->cwait, 0, __ATOMIC_RELAXED);
	}
	n = r->len[tail % l->depth];
	if (n > len)
		return -EMSGSIZE;
	memcpy(buf, ring_slot(l, r, tail), n);
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->pwait, __ATOMIC_SEQ_CST))
		futex_op(&r->tail, FUTEX_WAKE, 1);
	return n;
}

void futex_destroy(struct link *l)
{
	int d;

	for (d = 0; d < l->ndirs; d++)
		munmap(l->ring[d], l->ring_len);
}

/*
 * Two floors for the cost of a system call on a descriptor, next to the same
 * context switches: the futex ring again, with one cheap call on each send
 * and each receive. "futex+stat" makes MSGBOX_IOC_STAT on a mailbox
 * descriptor: ioctl(2) looks the descriptor up, runs the security modules'
 * ioctl hooks and dispatches to the device, which takes the mailbox lock and
 * copies a structure out. "futex+mqattr" makes mq_getattr(3) on a POSIX
 * queue: its own system call looks the descriptor up, takes the queue lock
 * and copies a structure out. The difference between their round trips is
 * what four calls cost more as a device's ioctl than as system calls of
 * their own, before any message is queued. "futex+read" makes a read(2) of
 * the same (empty, non-blocking) mailbox instead, which fails with EAGAIN:
 * the read/write path, with the security modules' file permission hooks.
 */
int fxstat_create(struct link *l, int ndirs)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 64 };
	int fd, r;

	r = futex_create(l, ndirs);
	if (r < 0)
		return r;
	name_seq++;
	link_name(l, 0, "");
	fd = msgbox_create(l->name[0], &attr,
			   O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		futex_destroy(l);
		return fd;
	}
	l->fd[0][END_SEND] = fd;
	return 0;
}

int fxstat_call(struct link *l)
{
	struct msgbox_stat_args st;

	return msgbox_stat(l->fd[0][END_SEND], &st);
}

int fxread_call(struct link *l)
{
	char c;

	if (read(l->fd[0][END_SEND], &c, 1) >= 0 || errno != EAGAIN)
		return -EPROTO;
	return 0;
}

void fxstat_destroy(struct link *l)
{
	link_close_fds(l);
	msgbox_destroy(l->name[0]);
	futex_destroy(l);
}

int fxmq_create(struct link *l, int ndirs)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 64 };
	mqd_t q;
	int r;

	r = futex_create(l, ndirs);
	if (r < 0)
		return r;
	name_seq++;
	link_name(l, 0, "/");
	q = mq_open(l->name[0], O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0600,
		    &attr);
	if (q == (mqd_t)-1) {
		r = -errno;
		futex_destroy(l);
		return r;
	}
	l->fd[0][END_SEND] = q;
	return 0;
}

int fxmq_call(struct link *l)
{
	struct mq_attr attr;

	return mq_getattr(l->fd[0][END_SEND], &attr) < 0 ? -errno : 0;
}

/* A call floor's send and receive: the mechanism's call, then the ring's. */
int fxcall_send(struct link *l, int dir, char *buf, size_t len)
{
	int r = l->m->call(l);

	return r < 0 ? r : futex_send(l, dir, buf, len);
}

ssize_t fxcall_recv(struct link *l, int dir, char *buf, size_t len)
{
	int r = l->m->call(l);

	return r < 0 ? r : futex_recv(l, dir, buf, len);
}

void fxmq_destroy(struct link *l)
{
	link_close_fds(l);
	mq_unlink(l->name[0]);
	futex_destroy(l);
}
