// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench mechanisms on plain descriptors: pipes and Unix sockets.
 */
#include "bench.h"

/* Plain descriptors: pipes and sockets. */

int fd_send(struct link *l, int dir, char *buf, size_t len)
{
	int fd = l->fd[dir][END_SEND];
	size_t done = 0;
	ssize_t r;

	do {
		r = write(fd, buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)r;
	} while (done < len);
	return 0;
}

/* A pipe carries bytes: read exactly one message of @len bytes. */
ssize_t pipe_recv(struct link *l, int dir, char *buf, size_t len)
{
	int fd = l->fd[dir][END_RECV];
	size_t done = 0;
	ssize_t r;

	do {
		r = read(fd, buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		done += (size_t)r;
	} while (done < len);
	return (ssize_t)len;
}

int pipe_create(struct link *l, int ndirs)
{
	size_t bytes = (size_t)l->depth * l->size;
	int d, p[2];

	for (d = 0; d < ndirs; d++) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			link_close_fds(l);
			return -errno;
		}
		l->fd[d][END_RECV] = p[0];
		l->fd[d][END_SEND] = p[1];
		/* Room for about @depth messages; the kernel rounds up. */
		if (bytes > 4096 && bytes <= INT_MAX)
			fcntl(p[1], F_SETPIPE_SZ, (int)bytes);
	}
	l->ndirs = ndirs;
	return 0;
}

void fd_destroy(struct link *l)
{
	link_close_fds(l);
}

/*
 * A Unix socket pair carries both directions. Between the two ends of a
 * pair only the sender's buffer limits the queue (max_dgram_qlen does not
 * apply to a peer), so SO_SNDBUF is set to hold about @depth messages: the
 * kernel doubles the value, and charges each message its payload plus some
 * 700 bytes of skb.
 */
static int sock_create(struct link *l, int type)
{
	size_t want = (size_t)l->depth * (l->size + 768) / 2;
	int sv[2], i, val;

	if (want < 65536)
		want = 65536;
	val = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &val, sizeof(val)))
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &val, sizeof(val));
		if (setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)))
			setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
	}
	l->fd[0][END_SEND] = sv[0];
	l->fd[0][END_RECV] = sv[1];
	l->fd[1][END_SEND] = dup(sv[1]);
	l->fd[1][END_RECV] = dup(sv[0]);
	if (l->fd[1][END_SEND] < 0 || l->fd[1][END_RECV] < 0) {
		link_close_fds(l);
		return -EMFILE;
	}
	l->ndirs = 2;
	return 0;
}

int seqpacket_create(struct link *l, int ndirs)
{
	(void)ndirs;
	return sock_create(l, SOCK_SEQPACKET);
}

int dgram_create(struct link *l, int ndirs)
{
	(void)ndirs;
	return sock_create(l, SOCK_DGRAM);
}

int sock_send(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = send(l->fd[dir][END_SEND], buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

ssize_t sock_recv(struct link *l, int dir, char *buf, size_t len)
{
	ssize_t r;

	do
		r = recv(l->fd[dir][END_RECV], buf, len, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* msgbox: a named mailbox per direction, opened by name by each user. */
