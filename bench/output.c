// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench output: the tables, then one BENCH line per figure.
 */
#include "bench.h"

static double ref(struct fig f[NMECH][MAX_SIZES], int m, int s)
{
	return mech_on(m) ? fig_median(&f[m][s]) : NANV;
}

/* The CPU us of side @side of mechanism @m at size index @s, from @f. */
static const char *fmt_cpu(char *out, size_t len,
			   struct fig f[2][NMECH][MAX_SIZES], int side, int m,
			   int s)
{
	return fmt(out, len, fig_median(&f[side][m][s]), 3, 0);
}

void print_rtt(int p)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
	double v, mq, fx;
	int s, m;

	printf("\n== Round-trip latency, %s (us per round trip) ==\n",
	       p ? "one process per vCPU" : "both processes on one vCPU");
	printf("%-12s %7s %11s %8s %5s %8s %8s %10s %10s\n", "mech", "size",
	       "median_us", "spread", "runs", "x_mq", "x_futex", "ini_cpu_us",
	       "rsp_cpu_us");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(rtt_fig[p], M_MQ, s);
		fx = ref(rtt_fig[p], M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & MC_NORTT))
				continue;
			v = fig_median(&rtt_fig[p][m][s]);
			printf("%-12s %7zu %11s %8s %5s %8s %8s %10s %10s\n",
			       mechs[m].name,
			       opt.sizes[s], fmt(a, sizeof(a), v, 2, 0),
			       fmt_pct(b, sizeof(b), fig_spread(&rtt_fig[p][m][s])),
			       fmt_runs(e, sizeof(e), &rtt_fig[p][m][s]),
			       fmt(c, sizeof(c), ratio(v, mq), 2, IS_NAN(mq)),
			       fmt(d, sizeof(d), ratio(v, fx), 2, IS_NAN(fx)),
			       fmt_cpu(g, sizeof(g), rtt_cpu_fig[p], END_SEND, m, s),
			       fmt_cpu(h, sizeof(h), rtt_cpu_fig[p], END_RECV, m, s));
		}
	}
}

/*
 * A paired table (@f: round trips in us, or messages/s, then the ratios to
 * mq and to the futex floor): the median of the runs' figures and the
 * spread over the runs. Each run's ratio is the median of ratios taken
 * within its rounds, not the ratio of medians. @skip: caps left out.
 * @fc: CPU us per message of each side, columns @cpu0 and @cpu1.
 */
void print_paired(const char *title, const char *unit,
		  struct fig f[3][NMECH][MAX_SIZES], unsigned int skip,
		  struct fig fc[2][NMECH][MAX_SIZES], const char *cpu0,
		  const char *cpu1)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32];
	int s, m;

	printf("\n== %s, paired: every mechanism in turn ==\n", title);
	printf("%-12s %7s %11s %8s %8s %8s %8s %5s %10s %10s\n", "mech", "size",
	       unit, "x_mq", "spread", "x_futex", "spread", "runs", cpu0, cpu1);
	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & skip))
				continue;
			printf("%-12s %7zu %11s %8s %8s %8s %8s %5s %10s %10s\n",
			       mechs[m].name, opt.sizes[s],
			       fmt(a, sizeof(a), fig_median(&f[0][m][s]),
				   skip == MC_NORTT ? 2 : 0, 0),
			       fmt(b, sizeof(b), fig_median(&f[1][m][s]), 3,
				   !mech_on(M_MQ)),
			       fmt_pct(c, sizeof(c), fig_spread(&f[1][m][s])),
			       fmt(d, sizeof(d), fig_median(&f[2][m][s]), 3,
				   !mech_on(M_FUTEX)),
			       fmt_pct(e, sizeof(e), fig_spread(&f[2][m][s])),
			       fmt_runs(g, sizeof(g), &f[0][m][s]),
			       fmt_cpu(h, sizeof(h), fc, END_SEND, m, s),
			       fmt_cpu(k, sizeof(k), fc, END_RECV, m, s));
		}
}

/*
 * BENCH lines of a paired table, as print_paired(), the CPU us of each
 * side in the fields @cpu0 and @cpu1 at the end.
 */
static void paired_lines(const char *sec, const char *unit,
			 struct fig f[3][NMECH][MAX_SIZES], unsigned int skip,
			 struct fig fc[2][NMECH][MAX_SIZES], const char *cpu0,
			 const char *cpu1)
{
	char a[32], b[32], c[32], d[32], e[32], h[32], k[32], l[32];
	int s, m;

	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & skip))
				continue;
			printf("BENCH %s mech=%s size=%zu %s=%s ratio_mq=%s "
			       "spread_mq=%s ratio_futex=%s spread_futex=%s "
			       "runs=%s %s=%s %s=%s\n", sec, mechs[m].name,
			       opt.sizes[s], unit,
			       fmt(a, sizeof(a), fig_median(&f[0][m][s]), 2, 0),
			       fmt_ratio(b, sizeof(b), fig_median(&f[1][m][s])),
			       fmt_ratio(c, sizeof(c), fig_spread(&f[1][m][s])),
			       fmt_ratio(d, sizeof(d), fig_median(&f[2][m][s])),
			       fmt_ratio(e, sizeof(e), fig_spread(&f[2][m][s])),
			       fmt_runs(h, sizeof(h), &f[0][m][s]), cpu0,
			       fmt_cpu(k, sizeof(k), fc, END_SEND, m, s), cpu1,
			       fmt_cpu(l, sizeof(l), fc, END_RECV, m, s));
		}
}

/*
 * A throughput table; @only: required caps, @fx_from: futex reference, @fc:
 * CPU us per message of the producers and of the consumers.
 */
void print_rate(const char *title, struct fig f[NMECH][MAX_SIZES],
		unsigned int only, struct fig fx_from[NMECH][MAX_SIZES],
		struct fig fc[2][NMECH][MAX_SIZES])
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32];
	double v, mq, fx;
	int s, m;

	printf("\n== %s ==\n", title);
	printf("%-12s %7s %11s %9s %8s %5s %8s %8s %10s %10s\n", "mech", "size",
	       "msgs/s", "MB/s", "spread", "runs", "x_mq", "x_futex",
	       "snd_cpu_us", "rcv_cpu_us");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(f, M_MQ, s);
		fx = ref(fx_from, M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & only) != only ||
			    (mechs[m].caps & MC_RTTONLY))
				continue;
			v = fig_median(&f[m][s]);
			printf("%-12s %7zu %11s %9s %8s %5s %8s %8s %10s %10s\n",
			       mechs[m].name,
			       opt.sizes[s], fmt(a, sizeof(a), v, 0, 0),
			       fmt(b, sizeof(b), v * (double)opt.sizes[s] / 1e6, 1, 0),
			       fmt_pct(c, sizeof(c), fig_spread(&f[m][s])),
			       fmt_runs(g, sizeof(g), &f[m][s]),
			       fmt(d, sizeof(d), ratio(v, mq), 2, IS_NAN(mq)),
			       fmt(e, sizeof(e), ratio(v, fx), 2, IS_NAN(fx)),
			       fmt_cpu(h, sizeof(h), fc, END_SEND, m, s),
			       fmt_cpu(k, sizeof(k), fc, END_RECV, m, s));
		}
	}
}

void print_pairs(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
	char k[4][32];
	double v1, v2, mq, fx;
	int s, m;

	printf("\n== Independent pairs, paired: 1 pair on one vCPU vs 2 pairs "
	       "on separate queues, one per vCPU (msgs/s) ==\n");
	printf("%-12s %7s %11s %11s %7s %8s %5s %8s %8s %10s %10s %10s %10s\n",
	       "mech", "size", "one_pair", "two_pairs", "scale", "spread", "runs",
	       "x_mq", "x_futex", "snd1_cpu", "rcv1_cpu", "snd2_cpu",
	       "rcv2_cpu");
	for (s = 0; s < opt.nsizes; s++) {
		mq = ref(pair2_fig, M_MQ, s);
		fx = ref(pair2_fig, M_FUTEX, s);
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || !(mechs[m].caps & MC_PAIRS))
				continue;
			v1 = fig_median(&pair1_fig[m][s]);
			v2 = fig_median(&pair2_fig[m][s]);
			printf("%-12s %7zu %11s %11s %7s %8s %5s %8s %8s "
			       "%10s %10s %10s %10s\n",
			       mechs[m].name, opt.sizes[s],
			       fmt(a, sizeof(a), v1, 0, 0),
			       fmt(b, sizeof(b), v2, 0, 0),
			       fmt(c, sizeof(c), fig_median(&scale_fig[m][s]), 2, 0),
			       fmt_pct(d, sizeof(d), fig_spread(&scale_fig[m][s])),
			       fmt_runs(h, sizeof(h), &scale_fig[m][s]),
			       fmt(e, sizeof(e), ratio(v2, mq), 2, IS_NAN(mq)),
			       fmt(g, sizeof(g), ratio(v2, fx), 2, IS_NAN(fx)),
			       fmt_cpu(k[0], 32, pair1_cpu_fig, END_SEND, m, s),
			       fmt_cpu(k[1], 32, pair1_cpu_fig, END_RECV, m, s),
			       fmt_cpu(k[2], 32, pair2_cpu_fig, END_SEND, m, s),
			       fmt_cpu(k[3], 32, pair2_cpu_fig, END_RECV, m, s));
		}
	}
	printf("parallel scale of a busy loop (2 vCPUs / 1; below 2: the host's "
	       "CPUs are busy): %s, spread %s\n",
	       fmt(a, sizeof(a), fig_median(&spin_fig), 2, 0),
	       fmt_pct(b, sizeof(b), fig_spread(&spin_fig)));
}

void print_mem(void)
{
	char a[32], b[32], c[32], d[32], e[32];
	double v, mq;
	int s, m;

	printf("\n== Kernel memory per queued message (live slab objects + large "
	       "kmalloc + vmalloc) ==\n");
	printf("%-12s %7s %6s %13s %12s %8s %5s %8s %8s\n", "mech", "size",
	       "msgs", "bytes_per_msg", "queue_bytes", "spread", "runs", "x_mq",
	       "x_futex");
	for (s = 0; s < opt.nsizes; s++) {
		mq = mech_on(M_MQ) ? fig_median(&mem_fig[M_MQ][s]) : NANV;
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || !(mechs[m].caps & MC_MEM))
				continue;
			v = fig_median(&mem_fig[m][s]);
			printf("%-12s %7zu %6u %13s %12s %8s %5s %8s %8s\n",
			       mechs[m].name, opt.sizes[s], mem_count(opt.sizes[s]),
			       fmt(a, sizeof(a), v, 1, 0),
			       fmt(b, sizeof(b), fig_median(&memq_fig[m][s]), 0, 0),
			       fmt_pct(c, sizeof(c), fig_spread(&mem_fig[m][s])),
			       fmt_runs(e, sizeof(e), &mem_fig[m][s]),
			       fmt(d, sizeof(d), ratio(v, mq), 2, IS_NAN(mq)), "-");
		}
	}
}

static void bench_rate_lines(const char *sec, struct fig f[NMECH][MAX_SIZES],
			     unsigned int only, const char *extra,
			     struct fig fx_from[NMECH][MAX_SIZES],
			     struct fig fc[2][NMECH][MAX_SIZES])
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32];
	double v;
	int s, m;

	for (s = 0; s < opt.nsizes; s++)
		for (m = 0; m < NMECH; m++) {
			if (!mech_on(m) || (mechs[m].caps & only) != only ||
			    (mechs[m].caps & MC_RTTONLY))
				continue;
			v = fig_median(&f[m][s]);
			printf("BENCH %s mech=%s size=%zu%s msgs_per_s=%s mb_per_s=%s "
			       "spread=%s runs=%s ratio_mq=%s ratio_futex=%s "
			       "send_cpu_us=%s recv_cpu_us=%s\n", sec,
			       mechs[m].name, opt.sizes[s], extra,
			       fmt(a, sizeof(a), v, 0, 0),
			       fmt(b, sizeof(b), v * (double)opt.sizes[s] / 1e6, 2, 0),
			       fmt_ratio(c, sizeof(c), fig_spread(&f[m][s])),
			       fmt_runs(g, sizeof(g), &f[m][s]),
			       fmt_ratio(d, sizeof(d), ratio(v, ref(f, M_MQ, s))),
			       fmt_ratio(e, sizeof(e),
					 ratio(v, ref(fx_from, M_FUTEX, s))),
			       fmt_cpu(h, sizeof(h), fc, END_SEND, m, s),
			       fmt_cpu(k, sizeof(k), fc, END_RECV, m, s));
		}
}

void print_bench_lines(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[4][32];
	static const char *const place[2] = { "same", "cross" };
	double v;
	int p, s, m;

	printf("\nBENCH module poll_ns=%ld\n",
	       read_long("/sys/module/msgbox/parameters/poll_ns"));
	if (opt.sections & (1U << SEC_SYSCALL))
		printf("BENCH syscall mech=getppid median_us=%s spread=%s runs=%s\n",
		       fmt(a, sizeof(a), fig_median(&syscall_fig), 3, 0),
		       fmt_ratio(b, sizeof(b), fig_spread(&syscall_fig)),
		       fmt_runs(h, sizeof(h), &syscall_fig));
	if (opt.sections & (1U << SEC_RTT))
		for (p = 0; p < 2; p++)
			for (s = 0; s < opt.nsizes; s++)
				for (m = 0; m < NMECH; m++) {
					if (!mech_on(m) ||
					    (mechs[m].caps & MC_NORTT))
						continue;
					v = fig_median(&rtt_fig[p][m][s]);
					printf("BENCH rtt cpus=%s mech=%s size=%zu "
					       "median_us=%s spread=%s runs=%s "
					       "ratio_mq=%s ratio_futex=%s "
					       "initiator_cpu_us=%s responder_cpu_us=%s\n",
					       place[p],
					       mechs[m].name, opt.sizes[s],
					       fmt(a, sizeof(a), v, 2, 0),
					       fmt_ratio(b, sizeof(b),
							 fig_spread(&rtt_fig[p][m][s])),
					       fmt_runs(h, sizeof(h), &rtt_fig[p][m][s]),
					       fmt_ratio(c, sizeof(c),
							 ratio(v, ref(rtt_fig[p], M_MQ, s))),
					       fmt_ratio(d, sizeof(d),
							 ratio(v, ref(rtt_fig[p], M_FUTEX, s))),
					       fmt_cpu(k[0], 32, rtt_cpu_fig[p], END_SEND,
						       m, s),
					       fmt_cpu(k[1], 32, rtt_cpu_fig[p], END_RECV,
						       m, s));
				}
	if (opt.sections & (1U << SEC_PAIRED))
		paired_lines("paired-rtt cpus=same", "median_us", paired_fig,
			     MC_NORTT, paired_cpu_fig, "initiator_cpu_us",
			     "responder_cpu_us");
	if (opt.sections & (1U << SEC_STREAM))
		bench_rate_lines("stream", stream_fig, 0, "", stream_fig,
				 stream_cpu_fig);
	if (opt.sections & (1U << SEC_PSTREAM))
		paired_lines("paired-stream", "msgs_per_s", pstream_fig,
			     MC_RTTONLY, pstream_cpu_fig, "send_cpu_us",
			     "recv_cpu_us");
	if (opt.sections & (1U << SEC_MPMC))
		bench_rate_lines("mpmc", mpmc_fig, MC_MPMC,
				 " producers=2 consumers=2", stream_fig,
				 mpmc_cpu_fig);
	if (opt.sections & (1U << SEC_PAIRS))
		printf("BENCH parallel mech=busyloop scale=%s spread=%s runs=%s\n",
		       fmt_ratio(a, sizeof(a), fig_median(&spin_fig)),
		       fmt_ratio(b, sizeof(b), fig_spread(&spin_fig)),
		       fmt_runs(h, sizeof(h), &spin_fig));
	if (opt.sections & (1U << SEC_PAIRS))
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || !(mechs[m].caps & MC_PAIRS))
					continue;
				v = fig_median(&pair2_fig[m][s]);
				printf("BENCH pairs mech=%s size=%zu one_pair_msgs_per_s=%s "
				       "two_pairs_msgs_per_s=%s scale=%s spread=%s runs=%s "
				       "ratio_mq=%s ratio_futex=%s one_pair_send_cpu_us=%s "
				       "one_pair_recv_cpu_us=%s two_pairs_send_cpu_us=%s "
				       "two_pairs_recv_cpu_us=%s\n", mechs[m].name,
				       opt.sizes[s],
				       fmt(a, sizeof(a), fig_median(&pair1_fig[m][s]), 0, 0),
				       fmt(b, sizeof(b), v, 0, 0),
				       fmt_ratio(c, sizeof(c), fig_median(&scale_fig[m][s])),
				       fmt_ratio(d, sizeof(d), fig_spread(&scale_fig[m][s])),
				       fmt_runs(h, sizeof(h), &scale_fig[m][s]),
				       fmt_ratio(e, sizeof(e),
						 ratio(v, ref(pair2_fig, M_MQ, s))),
				       fmt_ratio(g, sizeof(g),
						 ratio(v, ref(pair2_fig, M_FUTEX, s))),
				       fmt_cpu(k[0], 32, pair1_cpu_fig, END_SEND, m, s),
				       fmt_cpu(k[1], 32, pair1_cpu_fig, END_RECV, m, s),
				       fmt_cpu(k[2], 32, pair2_cpu_fig, END_SEND, m, s),
				       fmt_cpu(k[3], 32, pair2_cpu_fig, END_RECV, m, s));
			}
	if (opt.sections & (1U << SEC_MEM))
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || !(mechs[m].caps & MC_MEM))
					continue;
				v = fig_median(&mem_fig[m][s]);
				printf("BENCH mem mech=%s size=%zu msgs=%u bytes_per_msg=%s "
				       "queue_bytes=%s spread=%s runs=%s ratio_mq=%s "
				       "ratio_futex=-\n",
				       mechs[m].name, opt.sizes[s],
				       mem_count(opt.sizes[s]), fmt(a, sizeof(a), v, 1, 0),
				       fmt(b, sizeof(b), fig_median(&memq_fig[m][s]), 0, 0),
				       fmt_ratio(c, sizeof(c), fig_spread(&mem_fig[m][s])),
				       fmt_runs(h, sizeof(h), &mem_fig[m][s]),
				       fmt_ratio(d, sizeof(d),
						 ratio(v, mech_on(M_MQ) ?
						       fig_median(&mem_fig[M_MQ][s]) : NANV)));
			}
}
