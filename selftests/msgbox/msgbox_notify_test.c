// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox arrival notification (MSGBOX_IOC_NOTIFY): one process at a time
 * registers for a signal, or for EPOLLPRI on its file, sent when a message
 * arrives on an empty mailbox with no receiver blocked on it; then the
 * registration is gone. Signals are kept blocked and collected with
 * sigtimedwait() so that their siginfo can be checked.
 */
#include "msgbox_util.h"

#include <msgbox.h>

#define NT_QUIET_MS	200	/* how long "no signal" is watched for */

FIXTURE(nt) {
	int fd;			/* O_RDWR | O_NONBLOCK */
	int blk;		/* O_RDWR, blocking */
	char name[128];
	pid_t kid;
};

FIXTURE_VARIANT(nt) {
	int signo;
};

FIXTURE_VARIANT_ADD(nt, sigusr1) { .signo = SIGUSR1 };
FIXTURE_VARIANT_ADD(nt, sig36_realtime) { .signo = 36 };
FIXTURE_VARIANT_ADD(nt, sig64_highest) { .signo = 64 };

FIXTURE_SETUP(nt)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 64,
				    .mode = 0666 };
	sigset_t set;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	sigemptyset(&set);
	sigaddset(&set, variant->signo);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = msgbox_create(self->name, &attr, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd);
	self->blk = msgbox_open(self->name, O_RDWR, NULL);
	ASSERT_LE(0, self->blk);
}

FIXTURE_TEARDOWN(nt)
{
	mb_destroy_name(self->name);
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->fd);
	close(self->blk);
}

static int notify(int fd, unsigned int flags, int signo, uint64_t value)
{
	struct msgbox_notify_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.signo = signo;
	a.value = value;
	return mb_ioctl(fd, MSGBOX_IOC_NOTIFY, &a);
}

/* Waits up to @ms for @signo; 1 with *@si filled, 0 when none came. */
static int got_signal(int signo, int ms, siginfo_t *si)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, signo);
	do {
		ret = sigtimedwait(&set, si, &ts);
	} while (ret < 0 && errno == EINTR);
	return ret == signo;
}

TEST_F(nt, signal_on_arrival)
{
	siginfo_t si;
	char buf[8];

	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 0x1234abcdULL));
	EXPECT_FALSE(got_signal(variant->signo, 0, &si));
	ASSERT_EQ(0, msgbox_send(self->fd, "n", 1, 0));
	ASSERT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
	EXPECT_EQ(variant->signo, si.si_signo);
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(0x1234abcdULL, (uint64_t)(uintptr_t)si.si_value.sival_ptr);
	EXPECT_EQ(getpid(), si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);

	/* One shot: the registration is gone. */
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, msgbox_send(self->fd, "n", 1, 0));
	EXPECT_FALSE(got_signal(variant->signo, NT_QUIET_MS, &si));
	/* And a new one can be made. */
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, notify(self->fd, 0, variant->signo, 7));
	ASSERT_EQ(0, msgbox_send(self->fd, "n", 1, 0));
	ASSERT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
	EXPECT_EQ(7ULL, (uint64_t)(uintptr_t)si.si_value.sival_ptr);
}

TEST_F(nt, sender_identity)
{
	int rfd, wfd, ret;
	siginfo_t si;
	uid_t uid = geteuid() == 0 ? 1000 : geteuid();

	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 1));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = 0;
		if (geteuid() == 0 && (setresgid(1000, 1000, 1000) ||
				       setresuid(1000, 1000, 1000)))
			ret = -1000;
		if (!ret)
			ret = msgbox_send(self->fd, "c", 1, 0);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
	EXPECT_EQ(self->kid, si.si_pid);
	EXPECT_EQ(uid, si.si_uid);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
}

TEST_F(nt, not_when_queue_nonempty)
{
	siginfo_t si;
	char buf[8];

	ASSERT_EQ(0, msgbox_send(self->fd, "1", 1, 0));
	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "2", 1, 0));
	EXPECT_FALSE(got_signal(variant->signo, NT_QUIET_MS, &si));
	/* Still registered: the next arrival on an empty mailbox fires. */
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, msgbox_send(self->fd, "3", 1, 0));
	EXPECT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
}

TEST_F(nt, not_when_receiver_blocked)
{
	int rfd, wfd, ret;
	siginfo_t si;
	char buf[8];

	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 0));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		ret = msgbox_recv(self->blk, buf, sizeof(buf), NULL);
		mb_write_all(wfd, &ret, sizeof(ret));
		_exit(0);
	}
	ASSERT_EQ(0, mb_wait_waiters(self->fd, 1, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "r", 1, 0));
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	EXPECT_FALSE(got_signal(variant->signo, NT_QUIET_MS, &si));
	/* Still registered. */
	ASSERT_EQ(0, mb_msgs(self->fd));
	ASSERT_EQ(0, msgbox_send(self->fd, "s", 1, 0));
	EXPECT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
	close(rfd);
}

TEST_F(nt, one_process_at_a_time)
{
	int rfd, wfd, res[3];
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 0));
	self->kid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, self->kid);
	if (self->kid == 0) {
		int fd = msgbox_open(self->name, O_RDWR, NULL);

		res[0] = fd < 0 ? fd : notify(fd, 0, SIGUSR2, 0);
		res[1] = notify(self->fd, 0, SIGUSR2, 0);
		/* Not the registered process: clearing does nothing. */
		notify(self->fd, MSGBOX_NOTIFY_CLEAR, 0, 0);
		res[2] = notify(self->fd, 0, SIGUSR2, 0);
		mb_write_all(wfd, res, sizeof(res));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, res, sizeof(res)));
	EXPECT_EQ(-EBUSY, res[0]);
	EXPECT_EQ(-EBUSY, res[1]);
	EXPECT_EQ(-EBUSY, res[2]);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(self->kid)));
	self->kid = 0;
	close(rfd);
	ASSERT_EQ(0, msgbox_send(self->fd, "x", 1, 0));
	EXPECT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
}

TEST_F(nt, clear)
{
	siginfo_t si;
	char buf[8];

	ASSERT_EQ(0, notify(self->fd, 0, variant->signo, 0));
	EXPECT_EQ(0, notify(self->fd, MSGBOX_NOTIFY_CLEAR, 0, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "x", 1, 0));
	EXPECT_FALSE(got_signal(variant->signo, NT_QUIET_MS, &si));
	/* Clearing frees the place for another registration. */
	ASSERT_EQ(1, msgbox_recv(self->fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, notify(self->blk, 0, variant->signo, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "x", 1, 0));
	EXPECT_TRUE(got_signal(variant->signo, MB_WAIT_MS, &si));
}

TEST_F(nt, gone_when_file_closed)
{
	siginfo_t si;
	int fd2;

	fd2 = msgbox_open(self->name, O_RDONLY, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, notify(fd2, 0, variant->signo, 0));
	EXPECT_EQ(-EBUSY, notify(self->fd, 0, variant->signo, 0));
	close(fd2);
	ASSERT_EQ(0, msgbox_send(self->fd, "x", 1, 0));
	EXPECT_FALSE(got_signal(variant->signo, NT_QUIET_MS, &si));
	EXPECT_EQ(0, notify(self->fd, 0, variant->signo, 0));
}

TEST_F(nt, epollpri_instead_of_signal)
{
	struct pollfd pfd[2] = {
		{ .fd = self->fd, .events = POLLPRI | POLLIN },
		{ .fd = self->blk, .events = POLLPRI | POLLIN },
	};
	siginfo_t si;

	ASSERT_EQ(0, notify(self->fd, 0, 0, 0));
	EXPECT_EQ(0, poll(pfd, 2, 0));
	ASSERT_EQ(0, msgbox_send(self->fd, "p", 1, 0));
	EXPECT_EQ(2, poll(pfd, 2, 0));
	EXPECT_EQ(POLLPRI | POLLIN, pfd[0].revents & (POLLPRI | POLLIN));
	/* Only on the registering file. */
	EXPECT_EQ(POLLIN, pfd[1].revents & (POLLPRI | POLLIN));
	/* Until the next NOTIFY call on it. */
	EXPECT_EQ(2, poll(pfd, 2, 0));
	EXPECT_EQ(POLLPRI, pfd[0].revents & POLLPRI);
	EXPECT_EQ(0, notify(self->fd, MSGBOX_NOTIFY_CLEAR, 0, 0));
	EXPECT_EQ(2, poll(pfd, 2, 0));
	EXPECT_EQ(0, pfd[0].revents & POLLPRI);
	EXPECT_FALSE(got_signal(variant->signo, 0, &si));
}

TEST_F(nt, invalid_requests)
{
	int dev;

	EXPECT_EQ(-EINVAL, notify(self->fd, 0, 65, 0));
	EXPECT_EQ(-EINVAL, notify(self->fd, 0, -1, 0));
	EXPECT_EQ(-EINVAL, notify(self->fd, 1U << 31, variant->signo, 0));
	dev = mb_dev_open(O_RDWR);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENOTCONN, notify(dev, 0, variant->signo, 0));
	close(dev);
	/* None of these registered anything. */
	EXPECT_EQ(0, notify(self->fd, 0, variant->signo, 0));
	ASSERT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-EIDRM, notify(self->fd, 0, variant->signo, 0));
}

TEST_HARNESS_MAIN
