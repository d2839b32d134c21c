// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench section call-threads: calls from 8 client threads against
 * 1, one server process with 2 threads.
 */
#include "call.h"

#include <pthread.h>

/*
 * call-threads: for each mechanism that allows it, one server process with
 * CALL_SRV_THREADS threads (thread t on the t-th vCPU) and one client
 * process with CALL_THREADS threads (likewise alternating), started at
 * once. In each of PAIRS_ROUNDS rounds each mechanism in turn runs its
 * first client thread alone and then all of them (the other way round in
 * odd rounds), a block of opt.measure / PAIRS_BLOCKS each: the calls are
 * counted over its last four fifths; then the clients wait, and once the
 * servers sleep the CPU time of both processes is read, per call made in
 * the whole turn. Thread t counts in sh->rx[CALL_THREADS * k + t].
 */
#define CT_TURN(k, all)	(2 * (k) + 1 + (all))

static const int ct_mechs[] = { CM_CALL, CM_CALL_SR, CM_MQ };
#define NCT	((int)ARRAY_SIZE(ct_mechs))
_Static_assert(NCT * CALL_THREADS <= RX_SLOTS, "sh->rx too small");

static struct fig ct_fig[2][NCT];	/* calls/s: [1 thread, all threads] */
static struct fig ct_scale_fig[NCT];	/* all / 1, within rounds */
static struct fig ct_xmq_fig[NCT];	/* all threads, / mq's, within rounds */
static struct fig ct_cpu_fig[2][2][NCT];	/* [1, all][side] */

struct ct_thread {
	struct clink *c;
	int k;
	int t;
};

static void *ct_client_thread(void *arg)
{
	struct ct_thread *ct = arg;
	uint64_t gates = GATE(CT_TURN(ct->k, 1)) |
			 (ct->t ? 0 : GATE(CT_TURN(ct->k, 0)));
	char *buf = buf_alloc(CALL_SIZE);
	uint64_t n = 0;
	ssize_t r;

	if (pin_cpu(opt.cpu[ct->t % 2]))
		_exit(2);
	ready_wait();
	for (;;) {
		turn_wait(gates);
		r = ct->c->m->call(ct->c, ct->t, buf, CALL_SIZE);
		if (r != CALL_SIZE) {
			fprintf(stderr, "msgbox-bench: call-threads %s: call: %s\n",
				ct->c->m->name,
				r < 0 ? strerror((int)-r) : "short reply");
			_exit(2);
		}
		__atomic_store_n(&sh->rx[CALL_THREADS * ct->k + ct->t].n, ++n,
				 __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The client process of mechanism @k: attach, then CALL_THREADS threads. */
static pid_t ct_client(struct clink *c, int k)
{
	static struct ct_thread ct[CALL_THREADS];
	pthread_t tid;
	pid_t pid;
	int t;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (c->m->attach(c))
		_exit(2);
	for (t = 0; t < CALL_THREADS; t++) {
		ct[t] = (struct ct_thread){ c, k, t };
		if (t && pthread_create(&tid, NULL, ct_client_thread, &ct[t]))
			_exit(2);
	}
	ct_client_thread(&ct[0]);
	_exit(2);
}

static void run_call_threads(void)
{
	static double rate[NCT][2][PAIRS_ROUNDS], cpu[NCT][2][2][PAIRS_ROUNDS];
	double block = opt.measure / PAIRS_BLOCKS, x[PAIRS_ROUNDS];
	double t0, t1, a0[2], a1[2], us[2];
	struct clink c[NCT];
	pid_t client[NCT] = { 0 };
	uint64_t n0, c0, c1, n1;
	int on[NCT] = { 0 }, order[NCT], n = 0, k, r, i, all, failed = 0, j;

	shared_reset();
	for (k = 0; k < NCT; k++) {
		if (!cm_on(ct_mechs[k]))
			continue;
		memset(&c[k], 0, sizeof(c[k]));
		c[k].m = &cmechs[ct_mechs[k]];
		c[k].nclients = CALL_THREADS;
		c[k].fd = -1;
		if (c[k].m->create(&c[k], -1, CALL_SRV_THREADS) < 0) {
			fprintf(stderr, "msgbox-bench: call-threads %s: create "
				"failed\n", c[k].m->name);
			continue;
		}
		on[k] = 1;
		client[k] = ct_client(&c[k], k);
		if (client[k] < 0) {
			client[k] = 0;
			failed = 1;
			goto out;
		}
		order[n++] = k;
	}
	t0 = now() + 30;
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) <
	       (uint32_t)(n * CALL_THREADS)) {
		if (any_ended(client, NCT) || now() > t0) {
			failed = 1;
			goto out;
		}
		sleep_for(0.002);
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	futex_op(&sh->go, FUTEX_WAKE, INT_MAX);

	for (r = 0; r < PAIRS_ROUNDS; r++)
		for (j = 0; j < n; j++) {
			k = order[(j + r) % n];
			for (i = 0; i < 2; i++) {
				all = i ^ (r & 1);
				n0 = rx_sum(CALL_THREADS * k, CALL_THREADS);
				a0[END_SEND] = pid_cpu_secs(client[k]);
				a0[END_RECV] = srv_cpu_secs(&c[k]);
				__atomic_store_n(&sh->turn, CT_TURN(k, all),
						 __ATOMIC_SEQ_CST);
				futex_op(&sh->turn, FUTEX_WAKE, INT_MAX);
				sleep_for(block / 5);
				c0 = rx_sum(CALL_THREADS * k, CALL_THREADS);
				t0 = now();
				sleep_for(block * 4 / 5);
				c1 = rx_sum(CALL_THREADS * k, CALL_THREADS);
				t1 = now();
				__atomic_store_n(&sh->turn, 0, __ATOMIC_SEQ_CST);
				sleep_for(CALL_SETTLE);
				n1 = rx_sum(CALL_THREADS * k, CALL_THREADS);
				a1[END_SEND] = pid_cpu_secs(client[k]);
				a1[END_RECV] = srv_cpu_secs(&c[k]);
				rate[k][all][r] = (double)(c1 - c0) / (t1 - t0);
				cpu_per_msg(a0, a1, n1 - n0, us);
				cpu[k][all][END_SEND][r] = us[END_SEND];
				cpu[k][all][END_RECV][r] = us[END_RECV];
			}
			if (any_ended(client, NCT)) {
				failed = 1;
				goto out;
			}
		}
out:
	reap_all(client, NCT);
	for (k = 0; k < NCT; k++) {
		if (on[k])
			c[k].m->destroy(&c[k]);
		if (!cm_on(ct_mechs[k]))
			continue;
		failed |= !on[k];
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = ratio(rate[k][1][r], rate[k][0][r]);
		fig_add(&ct_scale_fig[k], failed ? NANV : median(x, PAIRS_ROUNDS));
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = cm_on(CM_MQ) ? ratio(rate[k][1][r],
						   rate[NCT - 1][1][r]) : NANV;
		fig_add(&ct_xmq_fig[k], failed ? NANV : median(x, PAIRS_ROUNDS));
	}
	/* Last: median() sorts, and the ratios need the rounds in order. */
	for (k = 0; k < NCT; k++) {
		if (!cm_on(ct_mechs[k]))
			continue;
		for (all = 0; all < 2; all++) {
			fig_add(&ct_fig[all][k],
				failed ? NANV : median(rate[k][all], PAIRS_ROUNDS));
			for (i = 0; i < 2; i++)
				fig_add(&ct_cpu_fig[all][i][k], failed ? NANV :
					median(cpu[k][all][i], PAIRS_ROUNDS));
		}
	}
}

void section_call_threads(void)
{
	int rep;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("call-threads: repeat %d/%d", rep + 1, opt.repeats);
		run_call_threads();
	}
}

void print_call_threads(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[4][32];
	int k;

	printf("\n== Calls from %d client threads against 1, one server process "
	       "with %d threads, %d B, paired (calls/s) ==\n", CALL_THREADS,
	       CALL_SRV_THREADS, CALL_SIZE);
	printf("%-9s %9s %9s %7s %8s %5s %8s %9s %9s %9s %9s\n", "mech",
	       "1_thread", "8_threads", "scale", "spread", "runs", "x_mq",
	       "cli1_cpu", "srv1_cpu", "cli8_cpu", "srv8_cpu");
	for (k = 0; k < NCT; k++) {
		if (!cm_on(ct_mechs[k]))
			continue;
		printf("%-9s %9s %9s %7s %8s %5s %8s %9s %9s %9s %9s\n",
		       cmechs[ct_mechs[k]].name,
		       fmt(a, sizeof(a), fig_median(&ct_fig[0][k]), 0, 0),
		       fmt(b, sizeof(b), fig_median(&ct_fig[1][k]), 0, 0),
		       fmt(c, sizeof(c), fig_median(&ct_scale_fig[k]), 2, 0),
		       fmt_pct(d, sizeof(d), fig_spread(&ct_scale_fig[k])),
		       fmt_runs(e, sizeof(e), &ct_scale_fig[k]),
		       fmt(g, sizeof(g), fig_median(&ct_xmq_fig[k]), 2,
			   !cm_on(CM_MQ)),
		       fmt(h[0], 32, fig_median(&ct_cpu_fig[0][END_SEND][k]), 2, 0),
		       fmt(h[1], 32, fig_median(&ct_cpu_fig[0][END_RECV][k]), 2, 0),
		       fmt(h[2], 32, fig_median(&ct_cpu_fig[1][END_SEND][k]), 2, 0),
		       fmt(h[3], 32, fig_median(&ct_cpu_fig[1][END_RECV][k]), 2, 0));
	}
	printf("scale: calls/s of %d client threads over 1, within rounds "
	       "(target for call: >= 1.5); x_mq: %d threads, over mq's\n",
	       CALL_THREADS, CALL_THREADS);
}

void call_threads_bench_lines(void)
{
	char a[32], b[32], c[32], d[32], e[32];
	int k;

	for (k = 0; k < NCT; k++) {
		if (!cm_on(ct_mechs[k]))
			continue;
		printf("BENCH call-threads mech=%s size=%d threads=%d "
		       "server_threads=%d one_thread_calls_per_s=%s "
		       "calls_per_s=%s scale=%s spread=%s ratio_mq=%s\n",
		       cmechs[ct_mechs[k]].name, CALL_SIZE, CALL_THREADS,
		       CALL_SRV_THREADS,
		       fmt(a, sizeof(a), fig_median(&ct_fig[0][k]), 0, 0),
		       fmt(b, sizeof(b), fig_median(&ct_fig[1][k]), 0, 0),
		       fmt_ratio(c, sizeof(c), fig_median(&ct_scale_fig[k])),
		       fmt_ratio(d, sizeof(d), fig_spread(&ct_scale_fig[k])),
		       fmt_ratio(e, sizeof(e), fig_median(&ct_xmq_fig[k])));
	}
}
