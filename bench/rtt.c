// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench sections: syscall, rtt and paired-rtt.
 */
#include "bench.h"

cpu_set_t orig_affinity;

void unpin(void)
{
	sched_setaffinity(0, sizeof(orig_affinity), &orig_affinity);
}

void progress(const char *fmt_str, ...)
{
	va_list ap;

	fprintf(stderr, "# ");
	va_start(ap, fmt_str);
	vfprintf(stderr, fmt_str, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Null system call, batches of SYSCALL_BATCH, median batch mean in us. */
static double run_syscall(void)
{
	double *mean = calloc(MAX_BATCHES, sizeof(*mean));
	double t0, t, end, result;
	int i, nb = 0;

	if (!mean)
		return NANV;
	pin_cpu(opt.cpu[0]);
	end = now() + opt.warmup;
	while (now() < end)
		syscall(SYS_getppid);
	end = now() + opt.measure / 2;
	do {
		t0 = now();
		for (i = 0; i < SYSCALL_BATCH; i++)
			syscall(SYS_getppid);
		t = now();
		mean[nb++] = (t - t0) / SYSCALL_BATCH * 1e6;
	} while (nb < MAX_BATCHES && (t < end || nb < MIN_BATCHES));
	unpin();
	result = median(mean, nb);
	free(mean);
	return result;
}

void section_syscall(void)
{
	int rep;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("syscall: repeat %d/%d", rep + 1, opt.repeats);
		fig_add(&syscall_fig, run_syscall());
	}
}

void section_rtt(void)
{
	double v, cpu[2];
	int p, rep, s, m, i;

	for (p = 0; p < 2; p++)
		for (rep = 0; rep < opt.repeats; rep++) {
			progress("rtt (%s): repeat %d/%d",
				 p ? "one process per vCPU" : "same vCPU",
				 rep + 1, opt.repeats);
			for (s = 0; s < opt.nsizes; s++)
				for (m = 0; m < NMECH; m++) {
					if (!mech_on(m) || (mechs[m].caps & MC_NORTT))
						continue;
					v = run_rtt(m, opt.sizes[s], opt.cpu[0],
						    opt.cpu[p ? 1 : 0], cpu);
					fig_add(&rtt_fig[p][m][s], v);
					for (i = 0; i < 2; i++)
						fig_add(&rtt_cpu_fig[p][i][m][s], cpu[i]);
				}
		}
}

/*
 * Start a paired run at size index @s, for @what: @nlinks links of @ndirs
 * directions, created afresh, of every selected mechanism with all the caps
 * @need and none of @skip. Returns how many mechanisms are in the run.
 */
int paired_begin(int s, int nlinks, int ndirs, unsigned int need,
		 unsigned int skip, const char *what)
{
	int m, i, r = 0;

	snprintf(child_what, sizeof(child_what), "%s %zu", what, opt.sizes[s]);
	paired_n = 0;
	paired_nlinks = nlinks;
	for (m = 0; m < NMECH; m++) {
		if (!mech_on(m) || (mechs[m].caps & need) != need ||
		    (mechs[m].caps & skip))
			continue;
		for (i = 0; i < nlinks; i++) {
			link_init(&paired_link[m][i], &mechs[m], opt.sizes[s],
				  opt.depth);
			r = mechs[m].create(&paired_link[m][i], ndirs);
			if (r < 0)
				break;
		}
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: %s %s: create: %s\n",
				child_what, mechs[m].name, strerror(-r));
			while (i--)
				mechs[m].destroy(&paired_link[m][i]);
			continue;
		}
		paired_order[paired_n++] = m;
	}
	return paired_n;
}

/* Remove the links of the paired run. */
void paired_destroy(void)
{
	int k, i, m;

	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		for (i = 0; i < paired_nlinks; i++)
			mechs[m].destroy(&paired_link[m][i]);
	}
}

/*
 * End a paired run at size index @s: add its figures @out (NaN for all
 * unless @ok) to @f, and remove its links.
 */
void paired_end(int s, int ok, double out[][3],
		struct fig f[3][NMECH][MAX_SIZES])
{
	int k, i;

	for (k = 0; k < paired_n; k++)
		for (i = 0; i < 3; i++)
			fig_add(&f[i][paired_order[k]][s],
				ok ? out[paired_order[k]][i] : NANV);
	paired_destroy();
}

/*
 * One paired run at size index @s: a link of every round-trip mechanism,
 * created afresh, each echoed by a responder on opt.cpu[0], and one
 * initiator on the same vCPU that drives them all (paired_initiator()).
 */
static void run_paired(int s)
{
	struct job jobs[NMECH], ji = { NULL, opt.cpu[0], 0, 1, -1, 0, 0 };
	pid_t pids[NMECH + 1] = { 0 };
	unsigned int limit;
	int k, m, r, n = 0, status, ok = 0;

	if (!paired_begin(s, 1, 2, 0, MC_NORTT, "paired rtt"))
		return;
	shared_reset();
	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		jobs[m] = (struct job){ &paired_link[m][0], opt.cpu[0], 1, 0, -1,
					0, 0 };
		pids[n] = spawn(&jobs[m], rtt_responder);
		peer_pid[m] = pids[n];
		if (pids[n++] < 0)
			goto out;
	}
	pids[n] = spawn(&ji, paired_initiator);
	if (pids[n++] < 0)
		goto out;

	limit = time_limit() + (unsigned int)(4 * paired_n * (opt.warmup +
				PAIRED_ROUNDS * opt.measure / PAIRED_BLOCKS));
	alarm(limit);
	r = waitpid(pids[n - 1], &status, 0);
	alarm(0);
	if (r == pids[n - 1]) {
		pids[n - 1] = 0;
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	} else {
		fprintf(stderr, "msgbox-bench: %s: no result after %u s\n",
			child_what, limit);
	}
out:
	if (n && pids[n - 1] < 0)
		fprintf(stderr, "msgbox-bench: fork: %s\n", strerror(errno));
	reap_all(pids, n);
	for (k = 0; k < paired_n; k++)
		for (r = 0; r < 2; r++)
			fig_add(&paired_cpu_fig[r][paired_order[k]][s],
				ok ? sh->cpu[paired_order[k]][r] : NANV);
	paired_end(s, ok, sh->paired, paired_fig);
}

/* A paired section: --repeats runs of @run at each size. */
void paired_section(const char *name, void (*run)(int s))
{
	int rep, s;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("%s: repeat %d/%d", name, rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			run(s);
	}
}

void section_paired(void)
{
	paired_section("paired-rtt", run_paired);
}
