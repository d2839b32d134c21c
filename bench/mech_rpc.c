// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: the ONC RPC example (examples/rpc, kv.x) over msgbox, TCP
 * and UDP loopback.
 *
 * The programs are the example's, found in $PATH: one kv-server serves the
 * program on a mailbox and on a TCP and a UDP port of 127.0.0.1, and a
 * block of calls is one run of "kv-client -T TRANSPORT bench N", N KV_GET
 * calls of rpcgen's client stub, which times its own loop, once it has
 * made up to 100 untimed calls (the first calls of a new process fault
 * its code in, which the long-lived peers of the other mechanisms have
 * long done), and prints calls per second and the CPU time its calling
 * thread spent in the timed calls. The server's CPU clock is read when
 * kv-client says it is warmed (it then pauses while the server falls
 * asleep) and CALL_SETTLE after it ends, so that only the timed calls
 * count on either side.
 */
#include "call.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

/* The one kv-server of the rpc pairs; set in the parent. */
static struct {
	pid_t pid;
	int users;		/* rpc pairs created and not destroyed */
	int port;
	char mailbox[64];
} kv;

static const char *const kv_transport[3] = { "msgbox", "tcp", "udp" };

const char *rpc_probe(void)
{
	char path[PATH_MAX];

	if (prog_path("kv-server", path, sizeof(path)) ||
	    prog_path("kv-client", path, sizeof(path)))
		return "no kv-server and kv-client in PATH (examples/rpc)";
	return NULL;
}

/* Bring the loopback interface up, as a VM's init may not have. */
static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			fprintf(stderr, "msgbox-bench: cannot bring lo up: %s\n",
				strerror(errno));
	}
	close(s);
}

/* 1 when 127.0.0.1:@port accepts a TCP connection. */
static int tcp_listening(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (s < 0)
		return 0;
	ok = !connect(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return ok;
}

/* Start kv-server on @cpu; 0 once it serves, or -errno. */
static int kv_start(int cpu)
{
	char path[PATH_MAX], port[16];
	double limit;
	pid_t pid;

	if (prog_path("kv-server", path, sizeof(path)))
		return -ENOENT;
	loopback_up();
	name_seq++;
	kv.port = 20000 + (int)((getpid() * 31U + name_seq) % 30000);
	snprintf(kv.mailbox, sizeof(kv.mailbox), "msgbox-bench-kv.%d.%u",
		 (int)getpid(), name_seq);
	snprintf(port, sizeof(port), "%d", kv.port);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin_cpu(cpu);
		execl(path, "kv-server", "-m", kv.mailbox, "-p", port,
		      (char *)NULL);
		_exit(127);
	}
	kv.pid = pid;
	/* The mailbox comes first, then TCP, then UDP, then svc_run(). */
	limit = now() + 20;
	while (!tcp_listening(kv.port)) {
		if (waitpid(pid, NULL, WNOHANG) == pid || now() > limit) {
			fprintf(stderr, "msgbox-bench: kv-server does not "
				"listen on port %d\n", kv.port);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			kv.pid = 0;
			return -ECONNREFUSED;
		}
		sleep_for(0.01);
	}
	sleep_for(0.05);
	return 0;
}

int rpc_create(struct clink *c, int cpu, int nthreads)
{
	int r;

	(void)nthreads;
	link_init(&c->l, NULL, CALL_SIZE, opt.depth);
	if (!kv.users) {
		r = kv_start(cpu);
		if (r)
			return r;
	}
	kv.users++;
	c->srv[0] = kv.pid;
	return 0;
}

/*
 * One run of kv-client: @n calls on @cpu over @c's transport. Calls per
 * second as it prints them, and in @cpu_secs the CPU seconds of its
 * calling thread and of the server over the timed calls; NaN when it
 * failed.
 */
static double kv_run(const struct clink *c, long n, int cpu,
		     double cpu_secs[2])
{
	char path[PATH_MAX], port[16], calls[24], out[256];
	int t = (int)(c->m - &cmechs[CM_RPC_MSGBOX]), pfd[2], status;
	double rate = NANV, secs, s0 = NANV;
	const char *p;
	ssize_t got;
	size_t len = 0;
	pid_t pid;

	cpu_secs[END_SEND] = NANV;
	cpu_secs[END_RECV] = NANV;
	if (prog_path("kv-client", path, sizeof(path)) || pipe2(pfd, O_CLOEXEC))
		return NANV;
	snprintf(port, sizeof(port), "%d", kv.port);
	snprintf(calls, sizeof(calls), "%ld", n);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NANV;
	}
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin_cpu(cpu);
		dup2(pfd[1], 1);
		execl(path, "kv-client", "-T", kv_transport[t], "-m", kv.mailbox,
		      "-p", port, "bench", calls, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (len + 1 < sizeof(out) &&
	       (got = read(pfd[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		len += (size_t)got;
		out[len] = 0;
		/* Warmed, and pausing while the server falls asleep. */
		if (IS_NAN(s0) && strstr(out, " warmed\n"))
			s0 = srv_cpu_secs(c);
	}
	out[len] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return NANV;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "msgbox-bench: kv-client -T %s failed: %s\n",
			kv_transport[t], out);
		return NANV;
	}
	/* "bench TRANSPORT calls N threads T seconds S calls/s R cpu C" */
	p = strstr(out, "calls/s ");
	if (p)
		rate = strtod(p + 8, NULL);
	p = strstr(out, " cpu ");
	if (p) {
		secs = strtod(p + 5, NULL);
		if (secs > 0)
			cpu_secs[END_SEND] = secs;
	}
	if (!IS_NAN(s0)) {
		sleep_for(CALL_SETTLE);
		cpu_secs[END_RECV] = srv_cpu_secs(c) - s0;
	}
	return rate > 0 ? rate : NANV;
}

double rpc_block(struct clink *c, long n, int cpu, double cpu_us[2])
{
	double rate, secs[2];
	int i;

	cpu_us[END_SEND] = NANV;
	cpu_us[END_RECV] = NANV;
	rate = kv_run(c, n, cpu, secs);
	if (IS_NAN(rate))
		return NANV;
	for (i = 0; i < 2; i++)
		cpu_us[i] = secs[i] / (double)n * 1e6;
	return 1e6 / rate;
}

void rpc_destroy(struct clink *c)
{
	c->srv[0] = 0;
	if (--kv.users > 0)
		return;
	if (kv.pid > 0) {
		kill(kv.pid, SIGKILL);
		while (waitpid(kv.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	kv.pid = 0;
	msgbox_destroy(kv.mailbox);
}
