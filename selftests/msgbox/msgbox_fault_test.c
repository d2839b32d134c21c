// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox fault injection (root, /sys/kernel/debug/msgbox/faults): lost,
 * duplicated and corrupted messages and lost acknowledgements, and the
 * library's msgbox_send_reliable() delivering exactly once through them.
 * Rates of 1000 (every message) keep the tests deterministic.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define FAULTS		"/sys/kernel/debug/msgbox/faults"

FIXTURE(ft) {
	int fd;			/* plain mailbox, O_RDWR | O_NONBLOCK */
	int dd;			/* DEDUP mailbox, O_RDWR | O_NONBLOCK */
	char name[128];
	char dname[160];
	pid_t kid;
};

/* Writes one line to the faults file; 0 or -errno. */
static int set_faults(const char *line)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(FAULTS, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(line))
		ret = -EIO;
	close(fd);
	return ret;
}

static int set_faults_for(const char *name, const char *spec)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s\n", name, spec);
	return set_faults(line);
}

/* 1 if the faults file has a line starting with @text. */
static int faults_listed(const char *text)
{
	char line[512];
	FILE *f;
	int found = 0;

	f = fopen(FAULTS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, text, strlen(text)))
			found = 1;
	fclose(f);
	return found;
}

FIXTURE_SETUP(ft)
{
	struct msgbox_attr attr = { .capacity = 8, .max_msg_size = 256 };

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("fault injection needs root");
	if (access(FAULTS, W_OK))
		MB_SETUP_SKIP("no %s (debugfs not mounted?)", FAULTS);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->dname, sizeof(self->dname), "%s-dedup", self->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd);
	attr.flags = MSGBOX_ATTR_DEDUP;
	self->dd = msgbox_create(self->dname, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->dd);
}

FIXTURE_TEARDOWN(ft)
{
	set_faults_for(self->name, "");
	set_faults_for(self->dname, "");
	mb_destroy_name(self->name);
	mb_destroy_name(self->dname);
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
	close(self->dd);
}

TEST_F(ft, faults_file)
{
	char want[256];

	ASSERT_EQ(0, set_faults_for(self->name, "drop=1000 dup=5"));
	snprintf(want, sizeof(want),
		 "%s drop=1000 dup=5 corrupt=0 ackloss=0", self->name);
	EXPECT_EQ(1, faults_listed(want));
	/* A line sets all four: omitted ones go back to 0. */
	ASSERT_EQ(0, set_faults_for(self->name, "corrupt=7"));
	snprintf(want, sizeof(want),
		 "%s drop=0 dup=0 corrupt=7 ackloss=0", self->name);
	EXPECT_EQ(1, faults_listed(want));
	ASSERT_EQ(0, set_faults_for(self->name, ""));
	snprintf(want, sizeof(want), "%s ", self->name);
	EXPECT_EQ(0, faults_listed(want));

	EXPECT_EQ(-EINVAL, set_faults_for(self->name, "drop=1001"));
	EXPECT_EQ(-EINVAL, set_faults_for(self->name, "bogus=1"));
	EXPECT_EQ(-EINVAL, set_faults_for(self->name, "drop"));
	EXPECT_EQ(-EINVAL, set_faults("bad/name drop=1\n"));
	EXPECT_EQ(-ENOENT, set_faults("st-no-such-mailbox drop=1\n"));
	EXPECT_EQ(0, faults_listed(want));
}

TEST_F(ft, drop_all)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_ACK | MSGBOX_SO_TIMEOUT,
		.timeout = { 0, 200000000L },
	};
	int blk;

	ASSERT_EQ(0, set_faults_for(self->name, "drop=1000"));
	/* The sender cannot tell ... */
	EXPECT_EQ(0, msgbox_send(self->fd, "lost", 4, 0));
	EXPECT_EQ(0, mb_msgs(self->fd));
	/* ... unless it waits for the acknowledgement. */
	blk = msgbox_open(self->name, O_RDWR, NULL);
	ASSERT_LE(0, blk);
	EXPECT_EQ(-ETIMEDOUT, msgbox_sendx(blk, "lost", 4, &so, NULL));
	EXPECT_EQ(0, mb_msgs(self->fd));
	close(blk);

	ASSERT_EQ(0, set_faults_for(self->name, ""));
	EXPECT_EQ(0, msgbox_send(self->fd, "kept", 4, 0));
	EXPECT_EQ(1, mb_msgs(self->fd));
}

TEST_F(ft, dup_all)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY, .key = 5 };
	char a[8], b[8];

	ASSERT_EQ(0, set_faults_for(self->name, "dup=1000"));
	ASSERT_EQ(0, msgbox_send(self->fd, "twice", 5, 0));
	EXPECT_EQ(2, mb_msgs(self->fd));
	EXPECT_EQ(5, msgbox_recv(self->fd, a, sizeof(a), NULL));
	EXPECT_EQ(5, msgbox_recv(self->fd, b, sizeof(b), NULL));
	EXPECT_EQ(0, memcmp(a, "twice", 5));
	EXPECT_EQ(0, memcmp(b, "twice", 5));

	/* Duplicate detection suppresses the second copy. */
	ASSERT_EQ(0, set_faults_for(self->dname, "dup=1000"));
	ASSERT_EQ(0, msgbox_sendx(self->dd, "once", 4, &so, NULL));
	EXPECT_EQ(1, mb_msgs(self->dd));
}

TEST_F(ft, corrupt_all)
{
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_CSUM };
	unsigned char out[64], in[64];
	unsigned int i, bits = 0;

	mb_fill(out, sizeof(out), 11);
	ASSERT_EQ(0, set_faults_for(self->name, "corrupt=1000"));
	/* A checksum catches it at the door. */
	EXPECT_EQ(-EBADMSG, msgbox_sendx(self->fd, out, sizeof(out), &so,
					 NULL));
	EXPECT_EQ(0, mb_msgs(self->fd));
	/* Without one it arrives with one bit flipped. */
	ASSERT_EQ(0, msgbox_send(self->fd, out, sizeof(out), 0));
	ASSERT_EQ(64, msgbox_recv(self->fd, in, sizeof(in), NULL));
	for (i = 0; i < sizeof(in); i++)
		bits += __builtin_popcount(in[i] ^ out[i]);
	EXPECT_EQ(1U, bits);
}

TEST_F(ft, ackloss_all)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_ACK | MSGBOX_SO_TIMEOUT,
		.timeout = { 5, 0 },
	};
	int rfd, wfd, ret, blk;
	char buf[8];

	ASSERT_EQ(0, set_faults_for(self->name, "ackloss=1000"));
	blk = msgbox_open(self->name, O_RDWR, NULL);
	ASSERT_LE(0, blk);
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = msgbox_recv(blk, buf, sizeof(buf), NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	/* Delivered, yet reported as timed out. */
	EXPECT_EQ(-ETIMEDOUT, msgbox_sendx(blk, "acked", 5, &so, NULL));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(5, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
	close(blk);
}

/* A child counting what reaches @name until it is quiet for 2 s. */
static pid_t counter(const char *name, int *rfd)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 2, 0 },
	};
	int wfd, fd, n = 0, ret;
	char buf[64];
	pid_t pid;

	pid = mb_fork(rfd, &wfd);
	if (pid != 0)
		return pid;
	fd = msgbox_open(name, O_RDONLY, NULL);
	while (fd >= 0) {
		ret = msgbox_recvx(fd, buf, sizeof(buf), &ro, NULL);
		if (ret < 0)
			break;
		n++;
	}
	mb_write_all(wfd, &n, sizeof(n));
	_exit(0);
}

TEST_F(ft, reliable_through_lost_acks)
{
	struct timespec t = { 0, 300000000L };
	int rfd, n, blk;

	ASSERT_EQ(0, set_faults_for(self->dname, "ackloss=1000"));
	self->kid = counter(self->dname, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->dd, 1, 0));
	/* First attempt delivered but unconfirmed; the retry is a duplicate. */
	blk = msgbox_open(self->dname, O_WRONLY, NULL);
	ASSERT_LE(0, blk);
	EXPECT_EQ(2, msgbox_send_reliable(blk, "rel", 3, 0, 99, &t, 5));
	close(blk);
	ASSERT_EQ(0, mb_read_all(rfd, &n, sizeof(n)));
	EXPECT_EQ(1, n);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
}

TEST_F(ft, reliable_gives_up)
{
	struct timespec t = { 0, 100000000L };
	int rfd, n, blk;

	self->kid = counter(self->dname, &rfd);
	ASSERT_LT(0, self->kid);
	ASSERT_EQ(0, mb_wait_waiters(self->dd, 1, 0));
	blk = msgbox_open(self->dname, O_WRONLY, NULL);
	ASSERT_LE(0, blk);
	ASSERT_EQ(0, set_faults_for(self->dname, "drop=1000"));
	EXPECT_EQ(-ETIMEDOUT, msgbox_send_reliable(blk, "x", 1, 0, 1, &t, 3));
	ASSERT_EQ(0, set_faults_for(self->dname, "corrupt=1000"));
	EXPECT_EQ(-EBADMSG, msgbox_send_reliable(blk, "x", 1, 0, 2, &t, 3));
	close(blk);
	ASSERT_EQ(0, mb_read_all(rfd, &n, sizeof(n)));
	EXPECT_EQ(0, n);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
}

#define REL_PRODUCERS	3
#define REL_MSGS	40	/* per producer */

/* A producer sending REL_MSGS messages reliably, keyed (producer, seq). */
static void reliable_producer(const char *name, int id)
{
	struct timespec t = { 0, 100000000L };
	char text[32];
	int fd, seq, len;

	fd = msgbox_open(name, O_WRONLY, NULL);
	if (fd < 0)
		_exit(2);
	for (seq = 0; seq < REL_MSGS; seq++) {
		len = snprintf(text, sizeof(text), "%d:%d", id, seq);
		if (msgbox_send_reliable(fd, text, len + 1, 0,
					 ((uint64_t)id << 32) | seq, &t, 0) < 1)
			_exit(3);
	}
	_exit(0);
}

/*
 * The four faults at once, several producers: every message arrives
 * exactly once and intact, because msgbox_send_reliable() retries with the
 * same key and the mailbox's duplicate detection drops the extra copies.
 */
TEST_F(ft, reliable_exactly_once_all_faults)
{
	struct msgbox_recv_opts ro = {
		.flags = MSGBOX_RO_TIMEOUT, .timeout = { 3, 0 },
	};
	int seen[REL_PRODUCERS][REL_MSGS] = { { 0 } };
	pid_t kids[REL_PRODUCERS];
	int i, id, seq, got = 0, dups = 0, bad = 0, ret, rd;
	struct msgbox_msg_info info;
	char buf[64];

	ASSERT_EQ(0, set_faults_for(self->dname,
				    "drop=200 dup=200 corrupt=200 ackloss=200"));
	rd = msgbox_open(self->dname, O_RDONLY, NULL);
	ASSERT_LE(0, rd);
	for (i = 0; i < REL_PRODUCERS; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0) {
			alarm(25);
			reliable_producer(self->dname, i);
		}
	}

	/* Receive until everything came and then 3 s of quiet. */
	for (;;) {
		ret = msgbox_recvx(rd, buf, sizeof(buf), &ro, &info);
		if (ret == -ETIMEDOUT && got == REL_PRODUCERS * REL_MSGS)
			break;
		if (ret == -ETIMEDOUT)
			continue;
		ASSERT_LT(0, ret);
		if (sscanf(buf, "%d:%d", &id, &seq) != 2 || id < 0 ||
		    id >= REL_PRODUCERS || seq < 0 || seq >= REL_MSGS) {
			bad++;
			continue;
		}
		if (seen[id][seq]++)
			dups++;
		else
			got++;
	}
	for (i = 0; i < REL_PRODUCERS; i++)
		EXPECT_TRUE(mb_exited_ok(mb_wait_exit(kids[i])));
	EXPECT_EQ(REL_PRODUCERS * REL_MSGS, got);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(0, bad);
	close(rd);
}

TEST_HARNESS_MAIN
