// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox readiness tests: poll, select and epoll report POLLIN when a
 * message is queued, POLLOUT when there is room, POLLERR|POLLHUP after
 * destroy, and wake waiters in other processes.
 */
#include "msgbox_util.h"

#include <sys/epoll.h>
#include <sys/select.h>

#include <msgbox.h>

#define PL_CAP		2
#define PL_MASK		(POLLIN | POLLOUT | POLLERR | POLLHUP)

FIXTURE(pl) {
	int fd;			/* O_RDWR | O_NONBLOCK */
	char name[128];
	pid_t kid;
};

FIXTURE_SETUP(pl)
{
	struct msgbox_attr attr = { .capacity = PL_CAP, .max_msg_size = 64 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(pl)
{
	mb_destroy_name(self->name);
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
}

/* revents of a zero-timeout poll for @events, masked; -1 on error. */
static int revents(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret = poll(&pfd, 1, 0);

	if (ret < 0)
		return -1;
	return ret ? pfd.revents & PL_MASK : 0;
}

TEST_F(pl, empty_timeout_zero)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	uint64_t start;

	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, revents(self->fd, POLLIN | POLLOUT));
	/* A real timeout elapses too. */
	start = mb_now_ns();
	EXPECT_EQ(0, poll(&pfd, 1, 100));
	EXPECT_LE(95U, mb_ms_since(start));
}

TEST_F(pl, tracks_queue)
{
	char buf[8];

	EXPECT_EQ(POLLOUT, revents(self->fd, POLLIN | POLLOUT));
	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, revents(self->fd, POLLIN | POLLOUT));
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	EXPECT_EQ(POLLIN, revents(self->fd, POLLIN | POLLOUT));
	EXPECT_EQ(0, revents(self->fd, POLLOUT));
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(POLLIN | POLLOUT, revents(self->fd, POLLIN | POLLOUT));
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(POLLOUT, revents(self->fd, POLLIN | POLLOUT));
	EXPECT_EQ(0, revents(self->fd, POLLIN));
}

TEST_F(pl, peek_keeps_pollin)
{
	struct msgbox_recv_opts peek = { .flags = MSGBOX_RO_PEEK };
	char buf[8];

	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	ASSERT_EQ(1, msgbox_recvx(self->fd, buf, sizeof(buf), &peek, NULL));
	EXPECT_EQ(POLLIN, revents(self->fd, POLLIN));
	/* A failed receive (buffer too small) leaves it readable. */
	EXPECT_EQ(-EMSGSIZE, msgbox_recv(self->fd, buf, 0, NULL));
	EXPECT_EQ(POLLIN, revents(self->fd, POLLIN));
}

TEST_F(pl, select_readiness)
{
	struct timeval tv;
	fd_set rd, wr;
	char buf[8];

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_EQ(1, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_FALSE(FD_ISSET(self->fd, &rd));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));

	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_EQ(1, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->fd, &rd));
	EXPECT_FALSE(FD_ISSET(self->fd, &wr));

	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT_EQ(2, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->fd, &rd));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));
}

static int epoll_events(int ep, uint32_t *ev, int timeout_ms)
{
	struct epoll_event e;
	int ret;

	memset(&e, 0, sizeof(e));
	ret = epoll_wait(ep, &e, 1, timeout_ms);
	*ev = ret > 0 ? e.events & (EPOLLIN | EPOLLOUT | EPOLLERR |
				    EPOLLHUP) : 0;
	return ret;
}

TEST_F(pl, epoll_level_triggered)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
	uint32_t ev;
	char buf[8];
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &e));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLOUT, ev);
	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLOUT), ev);
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLIN, ev);
	/* Level-triggered: reported again while it holds. */
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLIN, ev);
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLOUT, ev);
	close(ep);
}

TEST_F(pl, epoll_edge_triggered)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLET };
	uint32_t ev;
	char buf[8];
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &e));
	EXPECT_EQ(0, epoll_events(ep, &ev, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLIN, ev);
	/* The edge was consumed. */
	EXPECT_EQ(0, epoll_events(ep, &ev, 0));
	/* A new message is a new edge. */
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)EPOLLIN, ev);
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	close(ep);
}

/* A child that polls @fd for @events (poll or epoll) and reports. */
struct poll_report {
	int ret;
	int revents;
};

static pid_t poll_child(int fd, short events, int use_epoll, int *rfd)
{
	struct epoll_event e;
	struct poll_report r;
	struct pollfd pfd;
	int wfd, ep;
	pid_t pid;
	char b = 'b';

	pid = mb_fork(rfd, &wfd);
	if (pid != 0)
		return pid;
	memset(&r, 0, sizeof(r));
	if (use_epoll) {
		ep = epoll_create1(0);
		memset(&e, 0, sizeof(e));
		e.events = (uint32_t)events;
		mb_write_all(wfd, &b, 1);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)) {
			r.ret = -100;
		} else {
			memset(&e, 0, sizeof(e));
			r.ret = epoll_wait(ep, &e, 1, MB_WAIT_MS);
			r.revents = (int)e.events;
		}
	} else {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		mb_write_all(wfd, &b, 1);
		r.ret = poll(&pfd, 1, MB_WAIT_MS);
		r.revents = pfd.revents;
	}
	mb_write_all(wfd, &r, sizeof(r));
	_exit(0);
}

/* Starts the child, waits until it sleeps in poll, runs @act, checks. */
#define POLL_WAKE_CASE(events, use_epoll, act, want)			\
	do {								\
		struct poll_report r;					\
		int rfd;						\
		char b;							\
									\
		self->kid = poll_child(self->fd, events, use_epoll, &rfd); \
		ASSERT_LT(0, self->kid);				\
		ASSERT_EQ(0, mb_read_all(rfd, &b, 1));			\
		ASSERT_EQ(0, mb_wait_sleeping(self->kid));		\
		EXPECT_FALSE(mb_readable(rfd, 50));			\
		act;							\
		ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));		\
		EXPECT_EQ(1, r.ret);					\
		EXPECT_EQ((want), r.revents & (want));			\
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));	\
		self->kid = 0;						\
		close(rfd);						\
	} while (0)

TEST_F(pl, poll_wakes_on_send)
{
	POLL_WAKE_CASE(POLLIN, 0,
		       ASSERT_EQ(0, msgbox_send(self->fd, "w", 1, 0)),
		       POLLIN);
}

TEST_F(pl, poll_wakes_on_room)
{
	char buf[8];

	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	POLL_WAKE_CASE(POLLOUT, 0,
		       ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf),
						NULL)),
		       POLLOUT);
}

TEST_F(pl, epoll_wakes_other_process)
{
	POLL_WAKE_CASE(EPOLLIN, 1,
		       ASSERT_EQ(0, msgbox_send(self->fd, "e", 1, 0)),
		       EPOLLIN);
}

TEST_F(pl, poll_wakes_on_destroy)
{
	POLL_WAKE_CASE(POLLIN, 0,
		       ASSERT_EQ(0, msgbox_destroy(self->name)),
		       POLLERR | POLLHUP);
}

TEST_F(pl, epoll_wakes_on_destroy)
{
	POLL_WAKE_CASE(EPOLLIN, 1,
		       ASSERT_EQ(0, msgbox_destroy(self->name)),
		       EPOLLERR | EPOLLHUP);
}

TEST_F(pl, destroyed_pollerr_pollhup)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
	uint32_t ev;
	int ep, other;

	other = msgbox_open(self->name, O_RDONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(POLLERR | POLLHUP,
		  revents(self->fd, POLLIN | POLLOUT) & (POLLERR | POLLHUP));
	EXPECT_EQ(POLLERR | POLLHUP, revents(other, POLLIN) &
		  (POLLERR | POLLHUP));
	/* The discarded message is not readable any more. */
	EXPECT_EQ(0, revents(other, POLLIN) & POLLIN);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &e));
	EXPECT_EQ(1, epoll_events(ep, &ev, 0));
	EXPECT_EQ((uint32_t)(EPOLLERR | EPOLLHUP),
		  ev & (EPOLLERR | EPOLLHUP));
	close(ep);
	close(other);
}

TEST_HARNESS_MAIN
