// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox send tokens: duplicate detection by (sender's user, token), which
 * outlives the sending process, keeps users apart, shares the window with
 * keys, forgets withdrawn messages, and is refused where it cannot hold.
 */
#include "msgbox_unpriv.h"

#include <msgbox.h>

#define TOK_CAP		16
#define TOK_MAX		64

FIXTURE(tok) {
	int fd;			/* O_RDWR | O_NONBLOCK, duplicate detection */
	char name[128];
	char plain[160];	/* a mailbox without duplicate detection */
};

FIXTURE_SETUP(tok)
{
	struct msgbox_attr attr = {
		.capacity = TOK_CAP, .max_msg_size = TOK_MAX, .mode = 0666,
		.flags = MSGBOX_ATTR_DEDUP,
	};
	mode_t old;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->plain, sizeof(self->plain), "%s-p", self->name);
	/* Mode 0666 as asked: other users send to it. */
	old = umask(0);
	self->fd = msgbox_create(self->name, &attr, O_RDWR | O_NONBLOCK);
	umask(old);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(tok)
{
	close(self->fd);
	mb_destroy_name(self->name);
	mb_destroy_name(self->plain);
}

/* Send @c with @token: 1 for a duplicate, 0 when queued, or -errno. */
static int tok_send(int fd, char c, uint64_t token)
{
	struct msgbox_send_info si;
	int ret = msgbox_sendx_token(fd, &c, 1, NULL, token, &si);

	return ret ? ret : si.duplicate;
}

/* Receive one message: its byte, or -errno. */
static int tok_recv(int fd)
{
	char c;
	int ret = msgbox_recv(fd, &c, 1, NULL);

	return ret == 1 ? c : ret < 0 ? ret : -EPROTO;
}

/* In a child process, of the same user: send @c with token @token. */
static int tok_send_in_child(const char *name, char c, uint64_t token)
{
	int rfd, wfd, fd, ret;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = msgbox_open(name, O_WRONLY | O_NONBLOCK, NULL);
		ret = fd < 0 ? fd : tok_send(fd, c, token);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	if (mb_read_all(rfd, &ret, sizeof(ret)))
		ret = -ECHILD;
	close(rfd);
	if (mb_wait_exit(pid) < 0)
		ret = -ECHILD;
	return ret;
}

/*
 * The key point: a process sends with a token and exits; another process
 * of the same user sends the same token again, and nothing is queued.
 */
TEST_F(tok, duplicate_after_sender_exits)
{
	ASSERT_EQ(0, tok_send_in_child(self->name, 'a', 7));
	EXPECT_EQ(1, tok_send_in_child(self->name, 'b', 7));
	EXPECT_EQ(1, tok_send(self->fd, 'c', 7));
	EXPECT_EQ(1, mb_msgs(self->fd));
	/* Received, the message is still remembered. */
	EXPECT_EQ('a', tok_recv(self->fd));
	EXPECT_EQ(1, tok_send_in_child(self->name, 'd', 7));
	EXPECT_EQ(0, mb_msgs(self->fd));
	EXPECT_EQ(0, tok_send(self->fd, 'e', 8));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

struct tok_unpriv {
	char name[160];
	uint64_t token;
};

/* As nobody: send the token twice; out gets both results. */
static int tok_send_twice(void *arg, void *out)
{
	const struct tok_unpriv *u = arg;
	int *res = out, fd;

	fd = msgbox_open(u->name, O_WRONLY | O_NONBLOCK, NULL);
	if (fd < 0)
		return fd;
	res[0] = tok_send(fd, 'n', u->token);
	res[1] = tok_send(fd, 'm', u->token);
	close(fd);
	return 0;
}

/* Another user's identical token is not a duplicate, either way round. */
TEST_F(tok, other_user_not_suppressed)
{
	struct tok_unpriv u;
	int res[2];

	if (geteuid() != 0)
		SKIP(return, "needs root to act as another user");
	snprintf(u.name, sizeof(u.name), "%s", self->name);

	/* Root first, then nobody. */
	ASSERT_EQ(0, tok_send(self->fd, 'r', 9));
	u.token = 9;
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, tok_send_twice, &u, res,
			       sizeof(res), 5000));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(1, res[1]);

	/* Nobody first, then root. */
	u.token = 10;
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, tok_send_twice, &u, res,
			       sizeof(res), 5000));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(1, res[1]);
	EXPECT_EQ(0, tok_send(self->fd, 'R', 10));
	EXPECT_EQ(1, tok_send(self->fd, 'S', 10));

	EXPECT_EQ(4, mb_msgs(self->fd));
	EXPECT_EQ('r', tok_recv(self->fd));
	EXPECT_EQ('n', tok_recv(self->fd));
	EXPECT_EQ('n', tok_recv(self->fd));
	EXPECT_EQ('R', tok_recv(self->fd));
}

/*
 * The window holds MSGBOX_DEDUP_WINDOW keyed or tokened messages: the
 * oldest token goes when one more comes, keys and tokens alike.
 */
TEST_F(tok, window_eviction)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY };
	unsigned int i;

	ASSERT_EQ(0, tok_send(self->fd, 'x', 1000));
	ASSERT_EQ(0, tok_send(self->fd, 'y', 1001));
	ASSERT_EQ('x', tok_recv(self->fd));
	ASSERT_EQ('y', tok_recv(self->fd));
	/* 1022 more: a full window, 1000 the oldest in it. */
	for (i = 0; i < MSGBOX_DEDUP_WINDOW - 2; i++) {
		if (i % 2) {
			so.key = i;
			ASSERT_EQ(0, msgbox_sendx(self->fd, "k", 1, &so, NULL));
		} else {
			ASSERT_EQ(0, tok_send(self->fd, 't', 2000 + i));
		}
		ASSERT_LT(0, tok_recv(self->fd));
	}
	EXPECT_EQ(1, tok_send(self->fd, 'x', 1000));
	/* One more pushes 1000 out; 1001 stays. */
	ASSERT_EQ(0, tok_send(self->fd, 'z', 5000));
	ASSERT_EQ('z', tok_recv(self->fd));
	EXPECT_EQ(1, tok_send(self->fd, 'y', 1001));
	/* 1000 is queued again, and remembered in 1001's place. */
	EXPECT_EQ(0, tok_send(self->fd, 'x', 1000));
	EXPECT_EQ(0, tok_send(self->fd, 'w', 1001));
	EXPECT_EQ(1, tok_send(self->fd, 'v', 1000));
	EXPECT_EQ('x', tok_recv(self->fd));
	EXPECT_EQ('w', tok_recv(self->fd));
	EXPECT_EQ(0, mb_msgs(self->fd));
}

/* A withdrawn message forgets its token, and only its own. */
TEST_F(tok, withdrawn_forgets_token)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_ACK };
	struct msgbox_send_info si;

	ASSERT_EQ(0, tok_send(self->fd, 'a', 50));
	/*
	 * Nobody receives: the acknowledged send on a non-blocking
	 * descriptor is withdrawn at once.
	 */
	EXPECT_EQ(-EAGAIN, msgbox_sendx_token(self->fd, "b", 1, &so, 51, &si));
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ(0, tok_send(self->fd, 'c', 51));
	EXPECT_EQ(1, tok_send(self->fd, 'd', 50));
	EXPECT_EQ(1, tok_send(self->fd, 'e', 51));
	EXPECT_EQ(2, mb_msgs(self->fd));
	EXPECT_EQ('a', tok_recv(self->fd));
	EXPECT_EQ('c', tok_recv(self->fd));
}

/*
 * A duplicate reported against a message still queued pins it there: its
 * acknowledged sender giving up then gets EINPROGRESS, not a withdrawal
 * that would leave the message nowhere, and it is delivered once.
 */
TEST_F(tok, duplicate_pins_pending_original)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_ACK | MSGBOX_SO_TIMEOUT,
		.timeout = { .tv_sec = 0, .tv_nsec = 600 * 1000 * 1000 },
	};
	struct msgbox_send_info si;
	int rfd, wfd, fd, ret, i;
	pid_t pid;

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = msgbox_open(self->name, O_WRONLY, NULL);
		ret = fd < 0 ? fd : msgbox_sendx_token(fd, "a", 1, &so, 60, &si);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	/* The acknowledged send is queued, its sender waiting. */
	for (i = 0; i < 200 && mb_msgs(self->fd) < 1; i++)
		usleep(5000);
	ASSERT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ(1, tok_send(self->fd, 'b', 60));

	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	close(rfd);
	EXPECT_LE(0, mb_wait_exit(pid));
	EXPECT_EQ(-EINPROGRESS, ret);
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ('a', tok_recv(self->fd));
	EXPECT_EQ(-EAGAIN, tok_recv(self->fd));
	/* Delivered, and still remembered. */
	EXPECT_EQ(1, tok_send(self->fd, 'c', 60));
}

/* Receivers never see a token; with a key too, the token decides. */
TEST_F(tok, key_carried_token_decides)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY, .key = 5 };
	struct msgbox_send_info si;
	struct msgbox_recv_args r;
	char buf[8];

	ASSERT_EQ(0, msgbox_sendx_token(self->fd, "a", 1, &so, 100, &si));
	EXPECT_EQ(0, si.duplicate);
	/* Same key, another token: not a duplicate. */
	ASSERT_EQ(0, msgbox_sendx_token(self->fd, "b", 1, &so, 101, &si));
	EXPECT_EQ(0, si.duplicate);
	/* The key alone was not remembered by the tokened sends. */
	ASSERT_EQ(0, msgbox_sendx(self->fd, "c", 1, &so, &si));
	EXPECT_EQ(0, si.duplicate);
	/* Same token, another key: a duplicate. */
	so.key = 6;
	ASSERT_EQ(0, msgbox_sendx_token(self->fd, "d", 1, &so, 100, &si));
	EXPECT_EQ(1, si.duplicate);
	/* A token alone, equal to a key: not the key's pair. */
	ASSERT_EQ(0, tok_send(self->fd, 'e', 5));
	EXPECT_EQ(4, mb_msgs(self->fd));

	mb_recv_args(&r, buf, sizeof(buf));
	ASSERT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ(MSGBOX_MSG_KEY, r.msg_flags);
	EXPECT_EQ(5U, r.key);
	EXPECT_EQ(0U, r.__reserved);
	EXPECT_EQ(0U, r.__reserved2);
	ASSERT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	ASSERT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	mb_recv_args(&r, buf, sizeof(buf));
	ASSERT_EQ(1, mb_ioctl(self->fd, MSGBOX_IOC_RECV, &r));
	EXPECT_EQ('e', buf[0]);
	EXPECT_EQ(0U, r.msg_flags);
	EXPECT_EQ(0U, r.key);
}

/* Priority plays no part; the result is the existing DUPLICATE bit. */
TEST_F(tok, raw_priority_and_result)
{
	struct msgbox_send_args s;
	uint64_t id;

	mb_send_args(&s, "a", 1, 0);
	s.flags = MSGBOX_SEND_TOKEN;
	s.token = 200;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(0U, s.result);
	id = s.id;
	mb_send_args(&s, "b", 1, 9);
	s.flags = MSGBOX_SEND_TOKEN;
	s.token = 200;
	ASSERT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(MSGBOX_SENT_DUPLICATE, s.result);
	EXPECT_EQ(0U, s.id);
	EXPECT_NE(0U, id);
	EXPECT_EQ(1, mb_msgs(self->fd));
	EXPECT_EQ('a', tok_recv(self->fd));
}

/* Batch entries carry tokens; a duplicate entry completes, not queued. */
TEST_F(tok, batch_entries)
{
	struct msgbox_send_args e[4];
	struct msgbox_batch_args b;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		mb_send_args(&e[i], "abcd" + i, 1, 0);
		e[i].flags = MSGBOX_SEND_TOKEN;
		e[i].token = 300 + (i == 2 ? 0 : i);
	}
	e[3].flags = 0;
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.entries = (uintptr_t)e;
	b.count = 4;
	b.entry_size = sizeof(e[0]);
	EXPECT_EQ(4, mb_ioctl(self->fd, MSGBOX_IOC_SEND_BATCH, &b));
	EXPECT_EQ(4U, b.done);
	EXPECT_EQ(0, b.error);
	EXPECT_EQ(0U, e[0].result);
	EXPECT_EQ(0U, e[1].result);
	EXPECT_EQ(MSGBOX_SENT_DUPLICATE, e[2].result);
	EXPECT_EQ(0U, e[3].result);
	EXPECT_EQ(3, mb_msgs(self->fd));
	EXPECT_EQ('a', tok_recv(self->fd));
	EXPECT_EQ('b', tok_recv(self->fd));
	EXPECT_EQ('d', tok_recv(self->fd));
}

/* Without duplicate detection a token is refused, and nothing is sent. */
TEST_F(tok, no_dedup_eopnotsupp)
{
	struct msgbox_send_args s;
	struct msgbox_send_info si;
	int fd;

	fd = mb_new(self->plain, O_RDWR | O_NONBLOCK, 4, TOK_MAX);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, msgbox_sendx_token(fd, "a", 1, NULL, 1, &si));
	mb_send_args(&s, "a", 1, 0);
	s.flags = MSGBOX_SEND_TOKEN | MSGBOX_SEND_KEY;
	s.token = 1;
	s.id = 77;
	EXPECT_EQ(-EOPNOTSUPP, mb_ioctl(fd, MSGBOX_IOC_SEND, &s));
	/* Refused before the results were touched. */
	EXPECT_EQ(77U, s.id);
	EXPECT_EQ(0, mb_msgs(fd));
	/* The same send without the token goes. */
	s.flags = MSGBOX_SEND_KEY;
	EXPECT_EQ(0, mb_ioctl(fd, MSGBOX_IOC_SEND, &s));
	EXPECT_EQ(1, mb_msgs(fd));
	close(fd);
}

/* Unknown flags, and a token in a structure too small to hold it. */
TEST_F(tok, bad_flags_einval)
{
	unsigned char big[MSGBOX_SEND_SIZE_VER1 + 8];
	struct msgbox_send_args s, *bs = (void *)big;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if (MSGBOX_SEND_FLAGS & (1U << bit))
			continue;
		mb_send_args(&s, "a", 1, 0);
		s.flags = MSGBOX_SEND_TOKEN | (1U << bit);
		EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	}
	mb_send_args(&s, "a", 1, 0);
	s.size = MSGBOX_SEND_SIZE_VER0;
	s.flags = MSGBOX_SEND_TOKEN;
	EXPECT_EQ(-EINVAL, mb_ioctl(self->fd, MSGBOX_IOC_SEND, &s));
	/* A larger structure, zero beyond: the token is read. */
	memset(big, 0, sizeof(big));
	memcpy(big, &s, sizeof(s));
	bs->size = sizeof(big);
	bs->token = 400;
	EXPECT_EQ(0, mb_ioctl(self->fd, MSGBOX_IOC_SEND, big));
	EXPECT_EQ(0U, bs->result);
	EXPECT_EQ(1, tok_send(self->fd, 'b', 400));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

TEST_HARNESS_MAIN
