// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench mechanisms on msgbox: one message per call, batched, and
 * through read(2) and write(2).
 */
#include "bench.h"

int mb_create(struct link *l, int ndirs)
{
	struct msgbox_attr attr = {
		.capacity = l->depth,
		.max_msg_size = (uint32_t)l->size,
		.mode = 0600,
	};
	int d, fd;

	name_seq++;
	for (d = 0; d < ndirs; d++) {
		link_name(l, d, "");
		fd = msgbox_create(l->name[d], &attr, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			while (--d >= 0)
				msgbox_destroy(l->name[d]);
			return fd;
		}
		close(fd);
	}
	l->ndirs = ndirs;
	return 0;
}

int mb_attach(struct link *l, int send_dir, int recv_dir)
{
	int fd;

	if (send_dir >= 0) {
		fd = msgbox_open(l->name[send_dir], O_WRONLY | O_CLOEXEC, NULL);
		if (fd < 0)
			return fd;
		l->fd[send_dir][END_SEND] = fd;
	}
	if (recv_dir >= 0) {
		fd = msgbox_open(l->name[recv_dir], O_RDONLY | O_CLOEXEC, NULL);
		if (fd < 0)
			return fd;
		l->fd[recv_dir][END_RECV] = fd;
	}
	return 0;
}

int mb_send(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = msgbox_send(l->fd[dir][END_SEND], buf, len, 0);
	while (r == -EINTR);
	return r < 0 ? r : 0;
}

ssize_t mb_recv(struct link *l, int dir, char *buf, size_t len)
{
	int r;

	do
		r = msgbox_recv(l->fd[dir][END_RECV], buf, len, NULL);
	while (r == -EINTR);
	return r;
}

/* The same mailboxes through write(2) and read(2): one message each. */
int mb_write(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = write(l->fd[dir][END_SEND], buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

ssize_t mb_read(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = read(l->fd[dir][END_RECV], buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

void mb_destroy(struct link *l)
{
	int d;

	link_close_fds(l);
	for (d = 0; d < l->ndirs; d++)
		msgbox_destroy(l->name[d]);
}

/*
 * msgbox with batched transfer: msgbox_send_batch() and msgbox_recv_batch()
 * move up to @n messages per system call (MSGBOX_IOC_SEND_BATCH and
 * MSGBOX_IOC_RECV_BATCH); only the first of a batch blocks.
 */
int mb_send_many(struct link *l, int dir, char *buf, size_t len,
		 unsigned int n)
{
	struct msgbox_mmsg mm[256];
	unsigned int i;
	int r;

	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		mm[i] = (struct msgbox_mmsg){ .buf = buf + i * len, .len = len };
	do
		r = msgbox_send_batch(l->fd[dir][END_SEND], mm, n);
	while (r == -EINTR);
	return r;
}

int mb_recv_many(struct link *l, int dir, char *buf, size_t len,
		 unsigned int n)
{
	struct msgbox_mmsg mm[256];
	unsigned int i;
	int r;

	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		mm[i] = (struct msgbox_mmsg){ .buf = buf + i * len, .len = len };
	do
		r = msgbox_recv_batch(l->fd[dir][END_RECV], mm, n);
	while (r == -EINTR);
	for (i = 0; r > 0 && i < (unsigned int)r; i++)
		if (mm[i].msg_len != len)
			return -EPROTO;
	return r;
}
