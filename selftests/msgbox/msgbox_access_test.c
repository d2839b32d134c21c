// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox access rules against an ordinary user (root only: the test
 * process runs the user's part as nobody).
 *
 *  - A descriptor opened with neither read nor write access (O_ACCMODE,
 *    which Linux accepts for device files) cannot bind to any mailbox nor
 *    register a port: EBADF.
 *  - Arrival notification needs read access; a writer cannot take the
 *    owner's registration. stat and poll keep working for a writer.
 *  - /proc/driver/msgbox lists what the opener of the file may see,
 *    whoever reads it.
 *  - exec ends the port of the process: the new image registers its own,
 *    and a descriptor of the old port kept by a child is dead.
 */
#include "msgbox_unpriv.h"

#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <msgbox.h>

/* The access mode with neither read nor write: open(2) flags 3. */
#define MB_NO_ACCESS	O_ACCMODE

/* What the agent returns when it did not answer. */
#define AGENT_LOST	INT_MIN

FIXTURE(access) {
	char name[128];
	int fd;
	mode_t umask;
};

FIXTURE_SETUP(access)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("needs root to act as another user");
	mb_name(self->name, sizeof(self->name), _metadata->name);
	self->fd = -1;
	self->umask = umask(0);
}

FIXTURE_TEARDOWN(access)
{
	char name[160];

	umask(self->umask);
	if (self->fd >= 0)
		close(self->fd);
	mb_destroy_name(self->name);
	snprintf(name, sizeof(name), "%s-own", self->name);
	mb_destroy_name(name);
	snprintf(name, sizeof(name), "%s-new", self->name);
	mb_destroy_name(name);
}

/* Binds @fd to @name with the raw ioctl, creating it with @flags. */
static int bind_name(int fd, const char *name, unsigned int flags)
{
	return mb_raw_open(fd, name, flags, 4, 64, 0600);
}

struct noaccess_report {
	int open;
	int bind_other;
	int own_create;
	int bind_own;
	int bind_create;
	int created;
	int port;
};

static int noaccess_bind(void *arg, void *out)
{
	struct noaccess_report *r = out;
	const char *victim = arg;
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 64 };
	char own[160], fresh[160];
	int fd, mine;

	snprintf(own, sizeof(own), "%s-own", victim);
	snprintf(fresh, sizeof(fresh), "%s-new", victim);

	/* Another user's 0600 mailbox. */
	fd = mb_dev_open(MB_NO_ACCESS);
	r->open = fd < 0 ? fd : 0;
	if (fd < 0)
		return 0;
	r->bind_other = bind_name(fd, victim, 0);
	close(fd);

	/* The caller's own mailbox. */
	mine = msgbox_create(own, &attr, O_RDWR);
	r->own_create = mine < 0 ? mine : 0;
	fd = mb_dev_open(MB_NO_ACCESS);
	r->bind_own = fd < 0 ? fd : bind_name(fd, own, 0);
	if (fd >= 0)
		close(fd);
	if (mine >= 0) {
		msgbox_destroy_fd(mine);
		close(mine);
	}

	/* Nor by creating one. */
	fd = mb_dev_open(MB_NO_ACCESS);
	r->bind_create = fd < 0 ? fd : bind_name(fd, fresh, MSGBOX_OPEN_CREATE);
	if (fd >= 0)
		close(fd);
	fd = msgbox_open(fresh, O_RDWR, NULL);
	r->created = fd >= 0;
	if (fd >= 0) {
		msgbox_destroy_fd(fd);
		close(fd);
	}

	/* Nor a port. */
	fd = mb_dev_open(MB_NO_ACCESS);
	r->port = fd < 0 ? fd : mb_raw_open(fd, NULL, MSGBOX_OPEN_PORT, 4, 64,
					    0600);
	if (fd >= 0)
		close(fd);
	return 0;
}

TEST_F(access, no_access_mode_cannot_bind)
{
	struct noaccess_report r;

	self->fd = mb_new(self->name, O_RDWR, 4, 64);	/* root's, 0600 */
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, noaccess_bind, self->name, &r,
			       sizeof(r), MB_WAIT_MS));
	ASSERT_EQ(0, r.open) TH_LOG("open(%s, O_ACCMODE) failed", MB_DEV);
	EXPECT_EQ(-EBADF, r.bind_other)
		TH_LOG("bound to another user's 0600 mailbox");
	ASSERT_EQ(0, r.own_create);
	EXPECT_EQ(-EBADF, r.bind_own);
	EXPECT_EQ(-EBADF, r.bind_create);
	EXPECT_EQ(0, r.created);
	EXPECT_EQ(-EBADF, r.port);
}

/*
 * A process running as nobody that does what it is told, one command at a
 * time, and answers each with an int.
 */
struct agent {
	pid_t pid;
	int cmd;
	int res;
};

static int agent_start(struct agent *a, uid_t uid,
		       int (*fn)(int cmd, void *ctx), void *ctx)
{
	int c[2], r[2], cmd, res, dropped;

	if (pipe(c))
		return -errno;
	if (pipe(r)) {
		close(c[0]);
		close(c[1]);
		return -errno;
	}
	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		close(c[1]);
		close(r[0]);
		alarm(MB_CHILD_ALARM);
		dropped = mb_drop_to(uid);
		while (!mb_read_all_timeout(c[0], &cmd, sizeof(cmd),
					    2 * MB_WAIT_MS) && cmd) {
			res = dropped ? dropped : fn(cmd, ctx);
			mb_write_all(r[1], &res, sizeof(res));
		}
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	a->cmd = c[1];
	a->res = r[0];
	return 0;
}

static int agent_do(struct agent *a, int cmd)
{
	int res;

	if (mb_write_all(a->cmd, &cmd, sizeof(cmd)) ||
	    mb_read_all(a->res, &res, sizeof(res)))
		return AGENT_LOST;
	return res;
}

static void agent_stop(struct agent *a)
{
	int cmd = 0;

	if (a->pid <= 0)
		return;
	mb_write_all(a->cmd, &cmd, sizeof(cmd));
	close(a->cmd);
	close(a->res);
	mb_wait_exit(a->pid);
	a->pid = 0;
}

/* The writer's side of the notification test. */
enum {
	W_OPEN = 1,	/* bind O_WRONLY */
	W_NOTIFY,	/* register for SIGUSR2 */
	W_STAT,		/* stat: 0 or -errno */
	W_POLL,		/* poll(0): the revents */
	W_SEND,		/* send "w" */
};

struct writer {
	const char *name;
	int fd;
};

static int notify_args(int fd, int signo, uint64_t value)
{
	struct msgbox_notify_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.signo = signo;
	a.value = value;
	return mb_ioctl(fd, MSGBOX_IOC_NOTIFY, &a);
}

static int writer_do(int cmd, void *ctx)
{
	struct writer *w = ctx;
	struct msgbox_stat_args st;
	struct pollfd pfd;
	sigset_t set;

	switch (cmd) {
	case W_OPEN:
		/* A notification that reached it must not kill it. */
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
		w->fd = mb_attach(w->name, O_WRONLY);
		return w->fd < 0 ? w->fd : 0;
	case W_NOTIFY:
		return notify_args(w->fd, SIGUSR2, 0x5eedULL);
	case W_STAT:
		return mb_raw_stat(w->fd, &st);
	case W_POLL:
		pfd.fd = w->fd;
		pfd.events = POLLIN | POLLOUT;
		pfd.revents = 0;
		return poll(&pfd, 1, 0) < 0 ? -errno : pfd.revents;
	case W_SEND:
		return mb_raw_send(w->fd, "w", 1, 0);
	}
	return -EINVAL;
}

/* Waits up to @ms for @signo, which is blocked; 1 with *@si filled. */
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

TEST_F(access, notify_needs_read_access)
{
	struct writer w = { .name = self->name, .fd = -1 };
	struct agent a = { 0 };
	sigset_t set;
	siginfo_t si;
	char buf[8];
	int revents;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	/* Others may send (write), not receive. */
	self->fd = mb_dev_open(O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mb_raw_open(self->fd, self->name,
				 MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL, 4, 64,
				 0602));
	ASSERT_EQ(0, agent_start(&a, MB_NOBODY, writer_do, &w));
	ASSERT_EQ(0, agent_do(&a, W_OPEN));

	/* Before the owner registers: still refused. */
	EXPECT_EQ(-EBADF, agent_do(&a, W_NOTIFY));
	EXPECT_EQ(0, notify_args(self->fd, SIGUSR1, 0x77))
		TH_LOG("the writer took the owner's registration");
	/* After: refused for want of access, not because it is taken. */
	EXPECT_EQ(-EBADF, agent_do(&a, W_NOTIFY));

	/* What the writer's descriptor was bound for still works. */
	EXPECT_EQ(0, agent_do(&a, W_STAT));
	revents = agent_do(&a, W_POLL);
	EXPECT_LE(0, revents);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_FALSE(revents & (POLLERR | POLLHUP | POLLNVAL));

	/* Its message notifies the owner, with the writer's identity. */
	EXPECT_EQ(0, agent_do(&a, W_SEND));
	ASSERT_TRUE(got_signal(SIGUSR1, MB_WAIT_MS, &si))
		TH_LOG("the owner was not notified");
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(0x77ULL, (uint64_t)(uintptr_t)si.si_value.sival_ptr);
	EXPECT_EQ(a.pid, si.si_pid);
	EXPECT_EQ((uid_t)MB_NOBODY, si.si_uid);
	EXPECT_EQ(1, mb_raw_recv(self->fd, buf, sizeof(buf), NULL));
	agent_stop(&a);
}

/* SCM_RIGHTS: pass @fd over the Unix socket @sock. */
static int send_fd(int sock, int fd)
{
	char data = 'f';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receives a descriptor from @sock within MB_WAIT_MS; it, or -errno. */
static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (!mb_readable(sock, MB_WAIT_MS))
		return -ETIMEDOUT;
	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

#define PROC_LIST	"/proc/driver/msgbox"

/* 1 if the listing read from @fd has a line for named mailbox @name. */
static int listing_has(int fd, const char *name)
{
	static char buf[1 << 16];
	char want[200];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	snprintf(want, sizeof(want), "\n%s named ", name);
	return strstr(buf, want) != NULL;
}

struct proc_arg {
	int sock;
	const char *name;
};

/* As nobody: open the listing and hand it over. */
static int proc_open_and_pass(void *arg, void *out)
{
	struct proc_arg *p = arg;
	int fd, ret;

	(void)out;
	fd = open(PROC_LIST, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = send_fd(p->sock, fd);
	close(fd);
	return ret;
}

/* As nobody: read the listing root opened (*out), and one of its own. */
static int proc_read_passed(void *arg, void *out)
{
	struct proc_arg *p = arg;
	int *found = out;
	int fd;

	fd = recv_fd(p->sock);
	if (fd < 0)
		return fd;
	found[0] = listing_has(fd, p->name);
	close(fd);
	fd = open(PROC_LIST, O_RDONLY);
	if (fd < 0)
		return -errno;
	found[1] = listing_has(fd, p->name);
	close(fd);
	return 0;
}

TEST_F(access, proc_listing_uses_opener_credentials)
{
	struct proc_arg p = { .name = self->name };
	int sv[2], fd, found[2];

	if (access(PROC_LIST, R_OK))
		SKIP(return, "no %s", PROC_LIST);
	self->fd = mb_new(self->name, O_RDWR, 4, 64);	/* root's, 0600 */
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	p.sock = sv[1];

	/* Root's own listing shows it. */
	fd = open(PROC_LIST, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, listing_has(fd, self->name));
	close(fd);

	/* Opened by nobody, read by root: hidden. */
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, proc_open_and_pass, &p, found,
			       sizeof(found), MB_WAIT_MS));
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, listing_has(fd, self->name))
		TH_LOG("a 0600 mailbox of root shown through nobody's open");
	close(fd);

	/* Opened by root, read by nobody: shown; nobody's own: hidden. */
	fd = open(PROC_LIST, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(0, mb_run_as(MB_NOBODY, proc_read_passed, &p, found,
			       sizeof(found), MB_WAIT_MS));
	EXPECT_EQ(1, found[0]) TH_LOG("root's open listed as nobody sees it");
	EXPECT_EQ(0, found[1]);
	close(sv[0]);
	close(sv[1]);
}

/*
 * exec ends the port. The process registers its port, forks a child that
 * keeps the descriptor, and re-executes this program, whose second stage
 * runs the commands of the test process from here on.
 */
#define PORT_STAGE2	"--port-exec-stage2"

static int port_exec_stage2(int rep, int cmd)
{
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT,
				       .timeout = { 5, 0 } };
	int ready = 1, c, ret, port;
	char buf[64];

	mb_write_all(rep, &ready, sizeof(ready));
	/* 1: register a port of its own. */
	if (mb_read_all(cmd, &c, sizeof(c)))
		return 1;
	port = msgbox_port(NULL, 0);
	ret = port < 0 ? port : 0;
	mb_write_all(rep, &ret, sizeof(ret));
	/* 2: receive what was sent to its PID. */
	if (mb_read_all(cmd, &c, sizeof(c)))
		return 1;
	ret = port < 0 ? port : msgbox_recvx(port, buf, sizeof(buf), &ro, NULL);
	if (ret == 5 && memcmp(buf, "hello", 5))
		ret = -EBADMSG;
	mb_write_all(rep, &ret, sizeof(ret));
	/* 3: end. */
	mb_read_all(cmd, &c, sizeof(c));
	return 0;
}

TEST_F(access, exec_ends_port)
{
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT,
				       .timeout = { 1, 0 } };
	int rep[2], cmd[2], crep[2], ccmd[2];
	int ret, c = 1, dev, port;
	char a1[16], a2[16], buf[64];
	pid_t pid, kid;

	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(crep));
	ASSERT_EQ(0, pipe(ccmd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(MB_CHILD_ALARM);
		port = msgbox_port(NULL, O_CLOEXEC);
		ret = port < 0 ? port : 0;
		mb_write_all(rep[1], &ret, sizeof(ret));
		if (port < 0)
			_exit(1);
		kid = fork();
		if (kid == 0) {
			/* Keeps the port's descriptor across the exec. */
			if (!mb_read_all_timeout(ccmd[0], &c, sizeof(c),
						 2 * MB_WAIT_MS))
				ret = msgbox_recvx(port, buf, sizeof(buf), &ro,
						   NULL);
			else
				ret = -ETIMEDOUT;
			mb_write_all(crep[1], &ret, sizeof(ret));
			_exit(0);
		}
		snprintf(a1, sizeof(a1), "%d", rep[1]);
		snprintf(a2, sizeof(a2), "%d", cmd[0]);
		execl("/proc/self/exe", "msgbox_access_test", PORT_STAGE2, a1,
		      a2, (char *)NULL);
		ret = -errno;
		mb_write_all(rep[1], &ret, sizeof(ret));
		_exit(1);
	}
	close(rep[1]);
	close(cmd[0]);
	close(crep[1]);
	close(ccmd[0]);
	ASSERT_EQ(0, mb_read_all(rep[0], &ret, sizeof(ret)));
	ASSERT_EQ(0, ret) TH_LOG("msgbox_port() failed");
	ASSERT_EQ(0, mb_read_all(rep[0], &ret, sizeof(ret)));
	ASSERT_EQ(1, ret) TH_LOG("exec failed: %d", ret);

	dev = msgbox_dev_open(O_WRONLY);
	ASSERT_LE(0, dev);
	/* The old port ended with the exec; no new one yet. */
	EXPECT_EQ(-ESRCH, msgbox_send_to(dev, pid, "early", 5, 0));
	/* The new image may register its own. */
	ASSERT_EQ(0, mb_write_all(cmd[1], &c, sizeof(c)));
	ASSERT_EQ(0, mb_read_all(rep[0], &ret, sizeof(ret)));
	EXPECT_EQ(0, ret) TH_LOG("the new image's msgbox_port() failed");
	/* And what is sent to the PID reaches it. */
	EXPECT_EQ(0, msgbox_send_to(dev, pid, "hello", 5, 0));
	ASSERT_EQ(0, mb_write_all(cmd[1], &c, sizeof(c)));
	ASSERT_EQ(0, mb_read_all(rep[0], &ret, sizeof(ret)));
	EXPECT_EQ(5, ret) TH_LOG("the new image did not get the message");
	/* The child's descriptor of the old port is dead. */
	ASSERT_EQ(0, mb_write_all(ccmd[1], &c, sizeof(c)));
	ASSERT_EQ(0, mb_read_all(crep[0], &ret, sizeof(ret)));
	EXPECT_EQ(-EIDRM, ret) TH_LOG("the child received on the old port");

	ASSERT_EQ(0, mb_write_all(cmd[1], &c, sizeof(c)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(dev);
	close(rep[0]);
	close(cmd[1]);
	close(crep[0]);
	close(ccmd[1]);
}

/* TEST_HARNESS_MAIN, with the second stage of exec_ends_port. */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], PORT_STAGE2))
		return port_exec_stage2(atoi(argv[2]), atoi(argv[3]));
	return test_harness_run(argc, argv);
}
