// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox trace events: turning msgbox:msgbox_send and msgbox:msgbox_recv on
 * in tracefs makes a send and a receive show up in the trace buffer with
 * the mailbox, id and length (root only). Calls, holds and every way of
 * settling a held message have their events too.
 *
 * Each case turns tracefs's options/record-cmd and options/record-tgid off
 * for its length and puts them back after. With either on, enabling the
 * first event hooks sched_switch and sched_wakeup as well, and turning
 * those on and off rewrites the scheduler's code while the other CPUs run
 * it. The msgbox events need neither; under QEMU's multi-threaded TCG, a
 * CPU sometimes kept running the breakpoint of such a rewrite after it was
 * undone, and the guest stopped (Documentation/testing.rst).
 */
#include "hold_util.h"

#include <sys/mount.h>

#include <msgbox.h>

static const char *tracefs(void)
{
	if (!access("/sys/kernel/tracing/events/msgbox", F_OK))
		return "/sys/kernel/tracing";
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    !access("/sys/kernel/tracing/events/msgbox", F_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/events/msgbox", F_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The first character of @file, or 0 when it cannot be read. */
static char read_char(const char *dir, const char *file)
{
	char path[256], c = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

/* Does the trace buffer hold a line with @event and all of @a and @b? */
static int trace_has(const char *dir, const char *event, const char *a,
		     const char *b)
{
	char path[256], line[1024];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, event) && strstr(line, a) && strstr(line, b))
			found = 1;
	fclose(f);
	return found;
}

FIXTURE(trace) {
	const char *dir;
	char name[128];
	char record_cmd[2], record_tgid[2];
	int fd;
};

FIXTURE_SETUP(trace)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("tracing needs root");
	self->dir = tracefs();
	if (!self->dir)
		MB_SETUP_SKIP("no tracefs with msgbox events");
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = mb_new(self->name, O_RDWR | O_NONBLOCK, 4, 64);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, write_file(self->dir, "trace", ""));
	/* Last: a setup that fails gets no teardown to put these back. */
	self->record_cmd[0] = read_char(self->dir, "options/record-cmd");
	self->record_tgid[0] = read_char(self->dir, "options/record-tgid");
	ASSERT_EQ(0, write_file(self->dir, "options/record-cmd", "0"));
	ASSERT_EQ(0, write_file(self->dir, "options/record-tgid", "0"));
}

FIXTURE_TEARDOWN(trace)
{
	write_file(self->dir, "events/msgbox/enable", "0");
	if (self->record_cmd[0])
		write_file(self->dir, "options/record-cmd", self->record_cmd);
	if (self->record_tgid[0])
		write_file(self->dir, "options/record-tgid", self->record_tgid);
	close(self->fd);
	mb_destroy_name(self->name);
}

TEST_F(trace, send_and_recv_fire)
{
	char want_mb[160], buf[16];
	struct msgbox_stat_args st;

	snprintf(want_mb, sizeof(want_mb), "mailbox=%s ", self->name);
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/msgbox_send/enable", "1"));
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/msgbox_recv/enable", "1"));

	ASSERT_EQ(0, msgbox_send(self->fd, "hello", 5, 7));
	ASSERT_EQ(5, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, msgbox_stat(self->fd, &st));

	EXPECT_EQ(1, trace_has(self->dir, "msgbox_send:", want_mb, "len=5 prio=7"));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_recv:", want_mb, "len=5 prio=7"));
}

TEST_F(trace, disabled_events_stay_quiet)
{
	char want_mb[160], buf[16];

	snprintf(want_mb, sizeof(want_mb), "mailbox=%s ", self->name);
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/enable", "0"));
	ASSERT_EQ(0, msgbox_send(self->fd, "quiet", 5, 0));
	ASSERT_EQ(5, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, trace_has(self->dir, "msgbox_send:", want_mb, "len=5"));
}

TEST_F(trace, destroy_and_block_fire)
{
	char want_mb[160], buf[16];
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 0, 20000000L },
	};
	int fd;

	snprintf(want_mb, sizeof(want_mb), "mailbox=%s ", self->name);
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/enable", "1"));
	fd = msgbox_open(self->name, O_RDONLY, NULL);
	ASSERT_LE(0, fd);
	/* A blocking receive that times out blocks and wakes once. */
	EXPECT_EQ(-ETIMEDOUT, msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL));
	close(fd);
	ASSERT_EQ(0, msgbox_send(self->fd, "x", 1, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));

	EXPECT_EQ(1, trace_has(self->dir, "msgbox_block:", want_mb, "who=receiver"));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_wake:", want_mb, "who=receiver"));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_destroy:", want_mb, "discarded=1"));
}

/* With @id, the text "id=<id> <rest>" that an event line carries. */
static const char *id_is(char *buf, size_t size, uint64_t id, const char *rest)
{
	snprintf(buf, size, "id=%llu %s", (unsigned long long)id, rest);
	return buf;
}

TEST_F(trace, hold_call_settle_fire)
{
	struct call_spec cs = {
		.name = self->name, .fd = -1, .buf = "ping", .len = 4,
		.reply_buf_len = 16, .sigpipe = -1,
	};
	char want_mb[160], buf[64], t[64];
	struct msgbox_recv_args r;
	struct call_res res;
	uint64_t id, call1, call2;
	int h, rfd;
	pid_t pid;

	snprintf(want_mb, sizeof(want_mb), "mailbox=%s ", self->name);
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/msgbox_call/enable", "1"));
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/msgbox_hold/enable", "1"));
	ASSERT_EQ(0, write_file(self->dir, "events/msgbox/msgbox_settle/enable", "1"));

	/* A plain message held and settled each way but a reply. */
	ASSERT_EQ(0, mb_raw_send(self->fd, "plain", 5, 0));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	id = r.id;
	ASSERT_EQ(0, mb_release(self->fd, id));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 20000000, NULL));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	h = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, h);
	ASSERT_EQ(5, mb_hold(h, buf, sizeof(buf), 0, NULL));
	close(h);
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 0, NULL));
	ASSERT_EQ(5, mb_hold(self->fd, buf, sizeof(buf), 0, NULL));
	ASSERT_EQ(0, mb_done(self->fd, id));

	/* A call answered. */
	pid = call_spawn(&cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(call_started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	call1 = r.id;
	ASSERT_EQ(0, mb_reply(self->fd, call1, "pong", 4));
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(4, res.ret);
	close(rfd);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));

	/* A call whose caller gave up while it was held. */
	cs.flags = MSGBOX_CALL_DEADLINE;
	cs.deadline_ns = mb_now_ns() + 1000000000ULL;
	pid = call_spawn(&cs, &rfd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(call_started(rfd));
	ASSERT_EQ(0, mb_wait_counts(self->fd, 1, 0, 1, NULL));
	ASSERT_EQ(4, mb_hold(self->fd, buf, sizeof(buf), 0, &r));
	call2 = r.id;
	ASSERT_EQ(0, call_result(rfd, &res));
	EXPECT_EQ(-ETIMEDOUT, res.ret);
	EXPECT_EQ(-ECANCELED, mb_reply(self->fd, call2, "late", 4));
	close(rfd);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));

	EXPECT_EQ(1, trace_has(self->dir, "msgbox_hold:", want_mb,
			       id_is(t, sizeof(t), id, "len=5")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), id, "how=release")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), id, "how=expire")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), id, "how=close")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), id, "how=done")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_call:", want_mb,
			       id_is(t, sizeof(t), call1, "len=4")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_hold:", want_mb,
			       id_is(t, sizeof(t), call1, "len=4")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), call1, "how=reply")));
	EXPECT_EQ(1, trace_has(self->dir, "msgbox_settle:", want_mb,
			       id_is(t, sizeof(t), call2, "how=cancel")));
	/* A plain send is no call. */
	EXPECT_EQ(0, trace_has(self->dir, "msgbox_call:", want_mb,
			       id_is(t, sizeof(t), id, "len=5")));
}

TEST_HARNESS_MAIN
