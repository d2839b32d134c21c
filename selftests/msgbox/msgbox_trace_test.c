// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox trace events: turning msgbox:msgbox_send and msgbox:msgbox_recv on
 * in tracefs makes a send and a receive show up in the trace buffer with
 * the mailbox, id and length (root only).
 */
#include "msgbox_util.h"

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
}

FIXTURE_TEARDOWN(trace)
{
	write_file(self->dir, "events/msgbox/enable", "0");
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

TEST_HARNESS_MAIN
