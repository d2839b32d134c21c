// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench section call: request/reply round trips of every call
 * mechanism, paired, with both processes on one vCPU and across vCPUs.
 */
#include "call.h"

#define CALL_ROUNDS	PAIRED_ROUNDS
/*
 * Blocks of a client that is a program of its own, started for each, are
 * this many times longer: its timing and CPU time leave its start-up out,
 * but its first call and its thread's start are in them.
 */
#define CALL_EXT_BLOCKS	2

/* What a call run's driver hands back; in a shared mapping. */
struct call_result {
	int ok[NCMECH];
	double us[NCMECH];		/* median us per call */
	double cpu[NCMECH][2];		/* CPU us per call: [END_SEND] client,
					 * [END_RECV] server side */
	double x[NCMECH][NCMECH];	/* median over rounds of us[u] / us[v] */
};

static struct call_result *cres;
static struct clink cl[NCMECH];	/* the pairs of the run, by mechanism */
static int cl_on[NCMECH];	/* created for the run */

/* [same, cross] */
static struct fig call_fig[2][NCMECH];
static struct fig call_cpu_fig[2][2][NCMECH];
static struct fig call_x_fig[2][NCMECH][NCMECH];

static void cres_map(void)
{
	if (cres)
		return;
	cres = mmap(NULL, sizeof(*cres), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cres == MAP_FAILED) {
		perror("msgbox-bench: mmap");
		exit(1);
	}
}

/* @n calls on @c from thread 0: mean us per call, NaN on failure. */
static double calls(struct clink *c, char *buf, long n)
{
	double t0 = now();
	ssize_t r;
	long i;

	for (i = 0; i < n; i++) {
		r = c->m->call(c, 0, buf, CALL_SIZE);
		if (r != CALL_SIZE) {
			fprintf(stderr, "msgbox-bench: %s: call: %s\n", c->m->name,
				r < 0 ? strerror((int)-r) : "short reply");
			return NANV;
		}
	}
	return (now() - t0) / (double)n * 1e6;
}

/*
 * One block of @n calls on pair @c, the client on @cpu: us per call, and
 * in @cpu_us the CPU us per call of the client and of the server side. The
 * server side's clocks are read while it sleeps, CALL_SETTLE after the
 * last reply.
 */
static double call_block(struct clink *c, char *buf, long n, int cpu,
			 double cpu_us[2])
{
	double s0, s1, u0, u1, us;

	if (c->m->block)
		return c->m->block(c, n, cpu, cpu_us);
	sleep_for(CALL_SETTLE);
	s0 = srv_cpu_secs(c);
	u0 = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
	us = calls(c, buf, n);
	u1 = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
	cpu_us[END_SEND] = (u1 - u0) / (double)n * 1e6;
	sleep_for(CALL_SETTLE);
	s1 = srv_cpu_secs(c);
	cpu_us[END_RECV] = (s1 - s0) / (double)n * 1e6;
	return us;
}

/*
 * The driver of a call run, on opt.cpu[0]: attach to every pair, warm each
 * up and size its blocks to about opt.measure / PAIRED_BLOCKS seconds
 * (CALL_EXT_BLOCKS times that, and 20 calls at least, for a client that
 * is a program of its own, started once per block), then CALL_ROUNDS rounds of one block
 * per pair, in an order rotated by one place each round. Ratios are taken
 * within rounds; medians over the rounds go to cres.
 */
static void call_driver(int cpu)
{
	static double us[NCMECH][CALL_ROUNDS], cus[NCMECH][2][CALL_ROUNDS];
	double x[CALL_ROUNDS], per, cu[2];
	int order[NCMECH], n = 0, k, r, m, v, i;
	long block[NCMECH];
	char *buf = buf_alloc(CALL_SIZE);

	for (m = 0; m < NCMECH; m++) {
		if (!cl_on[m])
			continue;
		if (cl[m].m->attach && cl[m].m->attach(&cl[m])) {
			fprintf(stderr, "msgbox-bench: %s: attach failed\n",
				cl[m].m->name);
			continue;
		}
		if (cl[m].m->block) {
			per = cl[m].m->block(&cl[m], 20, cpu, &cu[0]);
			block[m] = IS_NAN(per) ? 0 : (long)(CALL_EXT_BLOCKS *
				   opt.measure / PAIRED_BLOCKS / per * 1e6);
			if (block[m] < 20)
				block[m] = 20;
		} else {
			double t0 = now();
			long c = 0;

			do {
				per = calls(&cl[m], buf, 8);
				c += 8;
			} while (!IS_NAN(per) && now() - t0 < opt.warmup);
			per = (now() - t0) / (double)c * 1e6;
			block[m] = (long)(opt.measure / PAIRED_BLOCKS / per * 1e6);
			if (block[m] < 2)
				block[m] = 2;
		}
		if (IS_NAN(per))
			continue;
		order[n++] = m;
		cres->ok[m] = 1;
	}

	for (r = 0; r < CALL_ROUNDS; r++)
		for (k = 0; k < n; k++) {
			m = order[(k + r) % n];
			us[m][r] = call_block(&cl[m], buf, block[m], cpu, cu);
			cus[m][END_SEND][r] = cu[END_SEND];
			cus[m][END_RECV][r] = cu[END_RECV];
		}

	for (k = 0; k < n; k++) {
		m = order[k];
		for (i = 0; i < n; i++) {
			v = order[i];
			for (r = 0; r < CALL_ROUNDS; r++)
				x[r] = ratio(us[m][r], us[v][r]);
			cres->x[m][v] = median(x, CALL_ROUNDS);
		}
	}
	for (k = 0; k < n; k++) {
		m = order[k];
		cres->us[m] = median(us[m], CALL_ROUNDS);
		for (i = 0; i < 2; i++)
			cres->cpu[m][i] = median(cus[m][i], CALL_ROUNDS);
	}
}

/* One call run: the servers on the vCPU of placement @p, the driver. */
static void run_call(int p)
{
	int srv_cpu = opt.cpu[p ? 1 : 0], m, v, i, r = -1, status = 0, ok, okm;
	unsigned int limit;
	pid_t pid;

	memset(cres, 0, sizeof(*cres));
	for (m = 0; m < NCMECH; m++) {
		cl_on[m] = 0;
		if (!cm_on(m))
			continue;
		memset(&cl[m], 0, sizeof(cl[m]));
		cl[m].m = &cmechs[m];
		cl[m].nclients = 1;
		cl[m].fd = -1;
		r = cmechs[m].create(&cl[m], srv_cpu, 1);
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: call %s: create: %s\n",
				cmechs[m].name, strerror(-r));
			continue;
		}
		cl_on[m] = 1;
	}

	snprintf(child_what, sizeof(child_what), "call driver");
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pin_cpu(opt.cpu[0]))
			_exit(2);
		call_driver(opt.cpu[0]);
		_exit(0);
	}
	limit = time_limit() + (unsigned int)(4 * NCMECH * (opt.warmup + 1 +
				CALL_ROUNDS * CALL_EXT_BLOCKS * opt.measure /
				PAIRED_BLOCKS));
	if (pid > 0) {
		alarm(limit);
		r = waitpid(pid, &status, 0);
		alarm(0);
		if (r != pid)
			fprintf(stderr, "msgbox-bench: call: no result after %u s\n",
				limit);
		if (r != pid) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	ok = pid > 0 && r == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	for (m = 0; m < NCMECH; m++) {
		if (cl_on[m])
			cl[m].m->destroy(&cl[m]);
		if (!cm_on(m))
			continue;
		okm = ok && cres->ok[m];
		fig_add(&call_fig[p][m], okm ? cres->us[m] : NANV);
		for (i = 0; i < 2; i++)
			fig_add(&call_cpu_fig[p][i][m], okm ? cres->cpu[m][i] : NANV);
		for (v = 0; v < NCMECH; v++)
			if (cm_on(v))
				fig_add(&call_x_fig[p][m][v], okm && cres->ok[v] ?
					cres->x[m][v] : NANV);
	}
}

void section_call(void)
{
	int p, rep;

	cres_map();
	for (p = 0; p < 2; p++)
		for (rep = 0; rep < opt.repeats; rep++) {
			progress("call (%s): repeat %d/%d",
				 p ? "one process per vCPU" : "same vCPU", rep + 1,
				 opt.repeats);
			run_call(p);
		}
}

/*
 * The targets the call figures are read against: @a's time per call over
 * @b's (for a throughput target, @b's over @a's: the calls per second of
 * @a over those of @b), at most (@le) or at least @limit; no limit when
 * @limit is 0.
 */
static const struct call_target {
	const char *what;
	int a, b;
	int le;
	double limit;
} call_targets[] = {
	{ "call / msgbox send+receive, time", CM_CALL, CM_MSGBOX, 1, 1.00 },
	{ "call-sr / msgbox send+receive, time", CM_CALL_SR, CM_MSGBOX, 1, 1.00 },
	{ "call / mq request+reply, time", CM_CALL, CM_MQ, 1, 1.00 },
	{ "call-sr / mq request+reply, time", CM_CALL_SR, CM_MQ, 1, 1.00 },
	{ "call / dbus method call, time", CM_CALL, CM_DBUS, 1, 0.50 },
	{ "call-sr / call, time", CM_CALL_SR, CM_CALL, 1, 0 },
	{ "rpc-msgbox / rpc-tcp, calls/s", CM_RPC_TCP, CM_RPC_MSGBOX, 0, 2.00 },
	{ "rpc-msgbox / rpc-udp, calls/s", CM_RPC_UDP, CM_RPC_MSGBOX, 0, 1.50 },
};

static const char *const place_name[2] = { "same", "cross" };

/* "k/n": of the runs that gave figure @f, those meeting target @t. */
static const char *fmt_meeting(char *out, size_t len, const struct fig *f,
			       const struct call_target *t)
{
	int i, n = 0, met = 0;

	for (i = 0; i < f->n; i++) {
		if (IS_NAN(f->v[i]))
			continue;
		n++;
		met += t->le ? f->v[i] <= t->limit : f->v[i] >= t->limit;
	}
	if (!t->limit || !n)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%d/%d", met, n);
	return out;
}

void print_call(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32], l[32];
	const struct call_target *t;
	const struct fig *f;
	double v;
	size_t i;
	int p, m;

	for (p = 0; p < 2; p++) {
		printf("\n== Calls, %d B request and reply, %s, paired: every "
		       "mechanism in turn ==\n", CALL_SIZE,
		       p ? "client and server on different vCPUs" :
			   "client and server on one vCPU");
		printf("%-11s %9s %8s %9s %8s %8s %8s %5s %10s %10s\n", "mech",
		       "us/call", "calls/s", "x_msgbox", "spread", "x_mq", "spread",
		       "runs", "ini_cpu_us", "rsp_cpu_us");
		for (m = 0; m < NCMECH; m++) {
			if (!cm_on(m))
				continue;
			v = fig_median(&call_fig[p][m]);
			printf("%-11s %9s %8s %9s %8s %8s %8s %5s %10s %10s\n",
			       cmechs[m].name, fmt(a, sizeof(a), v, 2, 0),
			       fmt(b, sizeof(b), 1e6 / v, 0, 0),
			       fmt(c, sizeof(c), fig_median(&call_x_fig[p][m][CM_MSGBOX]),
				   3, !cm_on(CM_MSGBOX)),
			       fmt_pct(d, sizeof(d), fig_spread(&call_x_fig[p][m][CM_MSGBOX])),
			       fmt(e, sizeof(e), fig_median(&call_x_fig[p][m][CM_MQ]),
				   3, !cm_on(CM_MQ)),
			       fmt_pct(g, sizeof(g), fig_spread(&call_x_fig[p][m][CM_MQ])),
			       fmt_runs(h, sizeof(h), &call_fig[p][m]),
			       fmt(k, sizeof(k), fig_median(&call_cpu_fig[p][END_SEND][m]),
				   2, 0),
			       fmt(l, sizeof(l), fig_median(&call_cpu_fig[p][END_RECV][m]),
				   2, 0));
		}
	}
	printf("\n== Call targets: ratios within rounds, median of the runs, "
	       "spread over the runs ==\n");
	printf("%-38s %5s %7s %8s %7s %5s %7s\n", "ratio", "cpus", "median",
	       "spread", "target", "met", "runs_ok");
	for (i = 0; i < ARRAY_SIZE(call_targets); i++) {
		t = &call_targets[i];
		if (!cm_on(t->a) || !cm_on(t->b))
			continue;
		for (p = 0; p < 2; p++) {
			f = &call_x_fig[p][t->a][t->b];
			v = fig_median(f);
			snprintf(d, sizeof(d), "%s%.2f", t->le ? "<=" : ">=",
				 t->limit);
			printf("%-38s %5s %7s %8s %7s %5s %7s\n", t->what,
			       place_name[p], fmt(a, sizeof(a), v, 3, 0),
			       fmt_pct(b, sizeof(b), fig_spread(f)),
			       t->limit ? d : "-",
			       !t->limit || IS_NAN(v) ? "-" :
			       (t->le ? v <= t->limit : v >= t->limit) ? "yes" : "no",
			       fmt_meeting(c, sizeof(c), f, t));
		}
	}
}

void call_bench_lines(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32];
	int p, m;

	for (p = 0; p < 2; p++)
			for (m = 0; m < NCMECH; m++) {
				if (!cm_on(m))
					continue;
				printf("BENCH call cpus=%s mech=%s size=%d us_per_call=%s "
				       "ratio_msgbox=%s spread_msgbox=%s ratio_mq=%s "
				       "spread_mq=%s runs=%s client_cpu_us=%s "
				       "server_cpu_us=%s\n", place_name[p],
				       cmechs[m].name, CALL_SIZE,
				       fmt(a, sizeof(a), fig_median(&call_fig[p][m]), 2, 0),
				       fmt_ratio(b, sizeof(b),
						 fig_median(&call_x_fig[p][m][CM_MSGBOX])),
				       fmt_ratio(c, sizeof(c),
						 fig_spread(&call_x_fig[p][m][CM_MSGBOX])),
				       fmt_ratio(d, sizeof(d),
						 fig_median(&call_x_fig[p][m][CM_MQ])),
				       fmt_ratio(e, sizeof(e),
						 fig_spread(&call_x_fig[p][m][CM_MQ])),
				       fmt_runs(g, sizeof(g), &call_fig[p][m]),
				       fmt(h, sizeof(h),
					   fig_median(&call_cpu_fig[p][END_SEND][m]), 2, 0),
				       fmt(k, sizeof(k),
					   fig_median(&call_cpu_fig[p][END_RECV][m]), 2, 0));
			}
}

/* The call mechanisms, and why any is left out, for the run's header. */
void print_call_header(void)
{
	int m;

	printf("call mechanisms (%d B, sections call and call-threads):\n",
	       CALL_SIZE);
	for (m = 0; m < NCMECH; m++)
		printf("  %-12s %s%s%s\n", cmechs[m].name, cmechs[m].what,
		       cm_unavailable[m] ? ": LEFT OUT, " : "",
		       cm_unavailable[m] ? cm_unavailable[m] : "");
	fflush(stdout);
}
