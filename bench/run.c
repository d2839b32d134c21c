// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: running the children of a measurement, timing them and
 * reaping them.
 */
#include "bench.h"

void on_alarm(int sig)
{
	(void)sig;
}

/* Kill and reap every child in @pids that is still there (pid > 0). */
void reap_all(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
			pids[i] = 0;
		}
}

/* 1 when a child in @pids has already ended (it failed), which is reaped. */
int any_ended(pid_t *pids, int n)
{
	int i, ended = 0;

	for (i = 0; i < n; i++)
		if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
			pids[i] = 0;
			ended = 1;
		}
	return ended;
}

unsigned int time_limit(void)
{
	return 30 + (unsigned int)(10 * (opt.warmup + opt.measure));
}

/*
 * Round trip on @m with @size bytes, A on @cpu_a, B on @cpu_b: us or NaN;
 * @cpu_us gets the CPU us per round trip of A and of B.
 */
double run_rtt(int m, size_t size, int cpu_a, int cpu_b, double cpu_us[2])
{
	struct link l;
	struct job ja, jb;
	pid_t pids[2] = { 0, 0 };
	double result = NANV;
	int r, status;

	cpu_us[0] = cpu_us[1] = NANV;
	link_init(&l, &mechs[m], size, opt.depth);
	r = l.m->create(&l, 2);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: rtt %s %zu: create: %s\n",
			l.m->name, size, strerror(-r));
		return NANV;
	}
	snprintf(child_what, sizeof(child_what), "rtt %s %zu", l.m->name, size);
	shared_reset();
	ja = (struct job){ &l, cpu_a, 0, 1, -1, 0, 0 };
	jb = (struct job){ &l, cpu_b, 1, 0, -1, 0, 0 };
	pids[1] = spawn(&jb, rtt_responder);
	if (pids[1] < 0)
		goto out;
	pids[0] = spawn(&ja, rtt_initiator);
	if (pids[0] < 0)
		goto out;

	alarm(time_limit());
	r = waitpid(pids[0], &status, 0);
	alarm(0);
	if (r == pids[0]) {
		pids[0] = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			result = sh->result;
			cpu_us[0] = sh->cpu[m][0];
			cpu_us[1] = sh->cpu[m][1];
		}
	} else {
		fprintf(stderr, "msgbox-bench: %s: no result after %u s\n",
			child_what, time_limit());
	}
out:
	if (pids[0] < 0 || pids[1] < 0)
		fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
	reap_all(pids, 2);
	l.m->destroy(&l);
	return result;
}

/*
 * Start @n children running @fn on @jobs into @pids, wait until all are
 * attached, and let them go: 0, or -1 when one could not be started or
 * ended first.
 */
int start_all(struct job *jobs, int n, void (*fn)(struct job *),
	      pid_t *pids)
{
	double limit;
	int i;

	shared_reset();
	for (i = 0; i < n; i++) {
		jobs[i].watch = i;
		pids[i] = spawn(&jobs[i], fn);
		if (pids[i] < 0) {
			fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
			pids[i] = 0;
			return -1;
		}
	}
	limit = now() + 30;
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < (uint32_t)n) {
		if (any_ended(pids, n) || now() > limit)
			return -1;
		sleep_for(0.002);
	}
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	futex_op(&sh->go, FUTEX_WAKE, INT_MAX);
	return 0;
}

/*
 * The children of @w that work while sh->turn is @turn (any turn for a
 * child with no gates): the producers, the consumers on their links; bit i
 * for @w->jobs[i]. Busy loops (no link) are left out.
 */
uint64_t cpu_watch_mask(const struct cpu_watch *w, uint32_t turn)
{
	const struct job *j, *p;
	uint64_t mask = 0;
	int i, k;

	for (i = 0; i < w->n; i++) {
		j = &w->jobs[i];
		if (!j->l)
			continue;
		for (k = 0; k < w->n; k++) {
			p = &w->jobs[k];
			if (p->l == j->l && p->send_dir >= 0 &&
			    (!p->gates || ((p->gates >> turn) & 1)))
				break;
		}
		if (k < w->n)
			mask |= 1ULL << i;
	}
	return mask;
}

/* Ask the children of @w in @mask for their CPU time (see cpu_ask()). */
void cpu_watch_ask(const struct cpu_watch *w, uint64_t mask)
{
	int i;

	for (i = 0; i < w->n; i++)
		if ((mask >> i) & 1)
			cpu_ask(w->jobs[i].watch);
}

/*
 * @t[END_SEND] (@t[END_RECV]): the CPU seconds of the children of @w in
 * @mask that send (receive), as they answer the last cpu_watch_ask().
 */
void cpu_watch_read(const struct cpu_watch *w, uint64_t mask, double t[2])
{
	const struct job *j;
	int i;

	t[END_SEND] = t[END_RECV] = 0;
	for (i = 0; i < w->n; i++) {
		j = &w->jobs[i];
		if (!((mask >> i) & 1))
			continue;
		t[j->send_dir >= 0 ? END_SEND : END_RECV] +=
			cpu_answer_wait(j->watch);
	}
}

/*
 * @us[side]: microseconds of CPU per message of each side between the
 * readings @t0 and @t1, over which @msgs messages were received; NaN when
 * none was.
 */
void cpu_per_msg(const double t0[2], const double t1[2], uint64_t msgs,
		 double us[2])
{
	int i;

	for (i = 0; i < 2; i++)
		us[i] = msgs ? (t1[i] - t0[i]) / (double)msgs * 1e6 : NANV;
}

/*
 * Start @n children running @fn on @jobs and after opt.warmup sample the
 * consumers' counters, and ask all the children for their CPU time, at the
 * end of each of STREAM_WINDOWS windows that split opt.measure. Return the
 * median of the windows' rates, in messages per second, so that one stall
 * of the emulated machine does not decide the figure, and set @cpu_us to
 * the median of the windows' CPU microseconds per message of the sending
 * and the receiving side; NaN when a child failed.
 */
double run_windows(struct job *jobs, int n, void (*fn)(struct job *),
		   double cpu_us[2])
{
	pid_t pids[MAX_PROCS] = { 0 };
	double t0, t1, result = NANV, rate[STREAM_WINDOWS];
	double cpu[2][STREAM_WINDOWS], u0[2], u1[2], us[2];
	struct cpu_watch w = { jobs, n };
	uint64_t c0, c1, mask;
	int i, k, failed = 0;

	cpu_us[0] = cpu_us[1] = NANV;
	if (start_all(jobs, n, fn, pids)) {
		failed = 1;
		goto out;
	}
	mask = cpu_watch_mask(&w, 0);

	sleep_for(opt.warmup);
	c0 = rx_sum(0, RX_SLOTS);
	t0 = now();
	cpu_watch_ask(&w, mask);
	cpu_watch_read(&w, mask, u0);
	for (i = 0; i < STREAM_WINDOWS; i++) {
		sleep_for(opt.measure / STREAM_WINDOWS);
		c1 = rx_sum(0, RX_SLOTS);
		t1 = now();
		cpu_watch_ask(&w, mask);
		cpu_watch_read(&w, mask, u1);
		rate[i] = (double)(c1 - c0) / (t1 - t0);
		cpu_per_msg(u0, u1, c1 - c0, us);
		for (k = 0; k < 2; k++) {
			cpu[k][i] = us[k];
			u0[k] = u1[k];
		}
		c0 = c1;
		t0 = t1;
	}
	if (any_ended(pids, n)) {
		failed = 1;
		goto out;
	}
	/* Most windows empty: the machine stalled, the run says nothing. */
	result = median(rate, STREAM_WINDOWS);
	if (result == 0) {
		fprintf(stderr, "msgbox-bench: %s: nothing received in most of "
			"%.2f s, run left out\n", child_what, opt.measure);
		result = NANV;
	} else {
		for (k = 0; k < 2; k++)
			cpu_us[k] = median(cpu[k], STREAM_WINDOWS);
	}
out:
	reap_all(pids, n);
	return failed ? NANV : result;
}
