// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_fuzz worker: one process making random calls until its count
 * or the deadline, counting the results.
 */
#include "fuzz.h"

/* --- Worker -------------------------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM in @ms milliseconds, again every 5 ms until disarmed; 0: off. */
static void arm_timer(unsigned int ms)
{
	struct itimerval it = {
		.it_interval = { 0, ms ? 5000 : 0 },
		.it_value = { 0, (long)ms * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * A short-lived process making calls to, or serving, a mailbox the
 * workers share, killed by its worker at a random moment: callers die
 * with requests queued or held, servers with calls held or half settled.
 */
static void call_storm(void)
{
	struct msgbox_open_args o = { .size = sizeof(o) };
	struct msgbox_call_args ca;
	struct msgbox_recv_args r;
	struct msgbox_settle_args st;
	char buf[256], reply[256];
	int fd, i, serve = chance(50);
	struct timespec ts;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		if (chance(80)) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)rn(20) * 1000000L;
			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	fd = open(MSGBOX_DEVICE, O_RDWR);
	o.flags = MSGBOX_OPEN_CREATE;
	o.name = (uint64_t)(uintptr_t)names[rn(2)];
	o.capacity = 8;
	o.max_msg_size = 256;
	o.mode = 0666;
	if (fd < 0 || ioctl(fd, MSGBOX_IOC_OPEN, &o))
		_exit(0);
	for (i = 0; i < 50; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!serve) {
			memset(&ca, 0, sizeof(ca));
			ca.size = sizeof(ca);
			ca.flags = MSGBOX_CALL_DEADLINE;
			ca.deadline_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
					 ts.tv_nsec + rn(20000000);
			ca.buf = (uint64_t)(uintptr_t)buf;
			ca.len = rn(sizeof(buf));
			ca.reply_buf = (uint64_t)(uintptr_t)reply;
			ca.reply_buf_len = rn(sizeof(reply) + 1);
			ioctl(fd, MSGBOX_IOC_CALL, &ca);
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.size = sizeof(r);
		r.flags = MSGBOX_RECV_HOLD | MSGBOX_RECV_DEADLINE;
		r.deadline_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
				rn(10000000);
		r.hold_ns = chance(20) ? rn(5000000) : 0;
		r.buf = (uint64_t)(uintptr_t)buf;
		r.buf_len = sizeof(buf);
		if (ioctl(fd, MSGBOX_IOC_RECV, &r) < 0)
			continue;
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.id = r.id;
		if (chance(15)) {
			st.flags = MSGBOX_SETTLE_RELEASE;
		} else if (r.msg_flags & MSGBOX_MSG_CALL) {
			st.buf = (uint64_t)(uintptr_t)reply;
			st.len = rn(sizeof(reply));
		}
		if (chance(40)) {
			/* Answer and take the next one at once. */
			st.flags |= MSGBOX_SETTLE_RECV;
			st.recv = (uint64_t)(uintptr_t)&r;
			r.flags = MSGBOX_RECV_HOLD;
			r.hold_ns = 0;
		}
		if (chance(90))
			ioctl(fd, MSGBOX_IOC_SETTLE, &st);
	}
	_exit(0);
}

void count(struct wstate *ws, long ret)
{
	if (ret >= 0)
		ws->ok++;
	else
		ws->err[errno > 0 && errno < MAX_ERRNO ? errno : MAX_ERRNO]++;
}

static void other_op(struct wstate *ws)
{
	char buf[512];
	int i = rn(NFDS), fd, n;
	struct pollfd pfd[NFDS];
	long ret = 0;

	switch (rn(13)) {
	case 0:
	case 1:
		snprintf(ws->last, sizeof(ws->last), "close slot %d", i);
		if (fds[i] >= 0)
			ret = close(fds[i]);
		fds[i] = -1;
		break;
	case 2:
	case 3:
		snprintf(ws->last, sizeof(ws->last), "open slot %d", i);
		if (fds[i] >= 0)
			close(fds[i]);
		ret = fds[i] = open_dev();
		break;
	case 4:
		snprintf(ws->last, sizeof(ws->last), "dup into slot %d", i);
		fd = fds[rn(NFDS)];
		if (fd >= 0) {
			if (fds[i] >= 0)
				close(fds[i]);
			ret = fds[i] = dup(fd);
		}
		break;
	case 5:
	case 6:
		snprintf(ws->last, sizeof(ws->last), "destroy by name");
		ret = msgbox_destroy(names[rn(nnames)]);
		if (ret < 0) {
			errno = (int)-ret;
			ret = -1;
		}
		break;
	case 7:
		snprintf(ws->last, sizeof(ws->last), "poll");
		for (n = 0; n < NFDS; n++) {
			pfd[n].fd = fds[n];
			pfd[n].events = POLLIN | POLLOUT | POLLPRI;
		}
		ret = poll(pfd, NFDS, 0);
		break;
	case 8:
		snprintf(ws->last, sizeof(ws->last), "read/write");
		fd = pick_fd();
		ret = chance(50) ? read(fd, buf, rn(sizeof(buf))) :
				   write(fd, buf, rn(sizeof(buf)));
		break;
	case 9:
		snprintf(ws->last, sizeof(ws->last), "read %s", PROC_FILE);
		fd = open(PROC_FILE, O_RDONLY);
		ret = fd;
		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		break;
	case 10:
		snprintf(ws->last, sizeof(ws->last), "write %s", FAULTS_FILE);
		fd = open(FAULTS_FILE, O_RDWR);
		ret = fd;
		if (fd >= 0) {
			if (chance(80))
				n = snprintf(buf, sizeof(buf), "%s drop=%u dup=%u corrupt=%u ackloss=%u\n",
					     names[rn(nnames)], rn(2) ? rn(1001) : r32(),
					     rn(1002), rn(1002), rn(2) ? rn(1001) : r32());
			else
				for (n = 0; n < (int)rn(sizeof(buf)); n++)
					buf[n] = (char)rnd();
			ret = write(fd, buf, n);
			lseek(fd, 0, SEEK_SET);
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		break;
	case 12:
		snprintf(ws->last, sizeof(ws->last), "a caller or server killed");
		if (chance(30))
			call_storm();
		break;
	default:
		snprintf(ws->last, sizeof(ws->last), "fcntl/ioctl on other fd");
		ret = ioctl(other_fd, rcmd((unsigned int *)&n), rptr(64, 1, 50));
		break;
	}
	count(ws, ret);
}

void worker(int w, uint64_t calls, double deadline)
{
	struct wstate *ws = &W[w];
	struct sigaction sa;
	char desc[128];
	unsigned int nr;
	unsigned long cmd;
	uint64_t arg, c;
	int fd, sig;
	long ret;
	struct timespec ts;

	wid = w;
	/* splitmix64 of seed and worker: every seed gives its own stream. */
	rs = opt_seed + 0x9E3779B97F4A7C15ULL * (w + 1);
	rs = (rs ^ (rs >> 30)) * 0xBF58476D1CE4E5B9ULL;
	rs = (rs ^ (rs >> 27)) * 0x94D049BB133111EBULL;
	rs = (rs ^ (rs >> 31)) | 1;

	/*
	 * Notification signals (any number the fuzzer registers) must
	 * neither kill nor stop us. A real fault still kills: the kernel
	 * restores the default action of a synchronous signal that is
	 * ignored. The C library keeps 32 and 33 to itself: ask the kernel
	 * directly for those.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (sig = 1; sig < 65; sig++) {
		struct { void *handler; unsigned long flags, restorer, mask; } ksa = {
			.handler = SIG_IGN,
		};

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &sa, NULL))
			syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8);
	}
	/* The timer that ends a call's wait: a handler, no SA_RESTART. */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	if (w > 0) {
		/* Unprivileged: quotas apply; worker 1 in its own user namespace. */
		if (setgid(65534) || setuid(65534)) {
			/* Not root to begin with: carry on as we are. */
		}
		if (w == 1)
			unshare(CLONE_NEWUSER);
	}
	arena_init();
	names_init();
	other_fd = open("/dev/null", O_RDWR);
	for (fd = 0; fd < NFDS; fd++)
		fds[fd] = chance(80) ? open_dev() : -1;

	for (c = 0; c < calls; c++) {
		if (!(c & 1023)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (deadline && ts.tv_sec + ts.tv_nsec / 1e9 > deadline)
				break;
		}
		if (chance(6)) {
			other_op(ws);
		} else {
			cmd = rcmd(&nr);
			/* A settle, or a receive that may settle first. */
			fd = nr == 11 || (nr == 4 && chance(40)) ?
			     settle_fd() : pick_fd();
			arg = build(nr, desc, sizeof(desc));
			snprintf(ws->last, sizeof(ws->last), "ioctl(%d, %#lx, %#llx) %s",
				 fd, cmd, (unsigned long long)arg, desc);
			if (opt_verbose)
				fprintf(stderr, "# w%d %llu: %s\n", w,
					(unsigned long long)c, ws->last);
			/*
			 * A call once queued waits for its reply whatever
			 * O_NONBLOCK says: a timer's signal ends the wait.
			 */
			if (nr == 10)
				arm_timer(1 + rn(5));
			ret = ioctl(fd, cmd, (void *)(uintptr_t)arg);
			if (nr == 10)
				arm_timer(0);
			observe(nr, fd, arg, ret);
			count(ws, ret);
			ws->ioctls++;
		}
		__atomic_store_n(&ws->calls, c + 1, __ATOMIC_RELAXED);
	}

	/* Leave nothing behind: our names, then our descriptors. */
	strcpy(ws->last, "cleanup");
	for (nr = 0; nr < NNAMES; nr++)
		msgbox_destroy(names[nr]);
	for (fd = 0; fd < NFDS; fd++)
		if (fds[fd] >= 0)
			close(fds[fd]);
	ws->done = 1;
	_exit(0);
}
