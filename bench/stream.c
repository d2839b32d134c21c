// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench sections: stream, paired-stream, mpmc and pairs.
 */
#include "bench.h"

/*
 * Run a streaming measurement on @nlinks fresh links of mechanism @m: for
 * link i, @np producers and @nc consumers, producer k on cpu_p[i][k],
 * consumer k on cpu_c[i][k]. Messages per second, all consumers together;
 * @cpu_us gets the CPU microseconds per message of all producers and of all
 * consumers together (see run_windows()).
 */
static double stream_measure(int m, size_t size, int nlinks, int np, int nc,
			     const int cpu_p[2][2], const int cpu_c[2][2],
			     const char *what, double cpu_us[2])
{
	struct link links[2];
	struct job jobs[MAX_PROCS];
	double result;
	int i, k, n = 0, slot = 0, created = 0, r;

	cpu_us[0] = cpu_us[1] = NANV;
	snprintf(child_what, sizeof(child_what), "%s %s %zu", what,
		 mechs[m].name, size);
	for (i = 0; i < nlinks; i++) {
		link_init(&links[i], &mechs[m], size, opt.depth);
		r = links[i].m->create(&links[i], 1);
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: %s: create: %s\n",
				child_what, strerror(-r));
			result = NANV;
			goto out;
		}
		created++;
		for (k = 0; k < nc; k++)
			jobs[n++] = (struct job){ &links[i], cpu_c[i][k], -1, 0, slot++, 0, 0 };
		for (k = 0; k < np; k++)
			jobs[n++] = (struct job){ &links[i], cpu_p[i][k], 0, -1, -1, 0, 0 };
	}
	result = run_windows(jobs, n, stream_child, cpu_us);
out:
	for (i = 0; i < created; i++)
		links[i].m->destroy(&links[i]);
	return result;
}

/* Add a streaming run's figures: @rate to @f, @cpu_us to @fc. */
static void rate_add(struct fig *f, struct fig fc[2][NMECH][MAX_SIZES],
		     int m, int s, double rate, const double cpu_us[2])
{
	fig_add(f, rate);
	fig_add(&fc[END_SEND][m][s], cpu_us[END_SEND]);
	fig_add(&fc[END_RECV][m][s], cpu_us[END_RECV]);
}

void section_stream(void)
{
	const int cp[2][2] = { { opt.cpu[0] } }, cc[2][2] = { { opt.cpu[1] } };
	double v, cpu[2];
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("stream: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || (mechs[m].caps & MC_RTTONLY))
					continue;
				v = stream_measure(m, opt.sizes[s], 1, 1, 1, cp, cc,
						   "stream", cpu);
				rate_add(&stream_fig[m][s], stream_cpu_fig, m, s,
					 v, cpu);
			}
	}
}

/*
 * One block of a paired streaming run: set sh->turn to @turn for @block
 * seconds, and return the rate of the counters sh->rx[@slot] to
 * sh->rx[@slot + @n - 1] together over the last four fifths of it (the
 * first lets the children it wakes settle). @cpu_us gets the CPU
 * microseconds per message, over the same four fifths, of the producers
 * that work in the turn and of their consumers among the children of @w,
 * asked at both ends, before the turn ends.
 */
static double turn_block(uint32_t turn, int slot, int n, double block,
			 const struct cpu_watch *w, double cpu_us[2])
{
	uint64_t c0, c1, mask = cpu_watch_mask(w, turn);
	double t0, t1, u0[2], u1[2];

	__atomic_store_n(&sh->turn, turn, __ATOMIC_SEQ_CST);
	futex_op(&sh->turn, FUTEX_WAKE, INT_MAX);
	sleep_for(block / 5);
	c0 = rx_sum(slot, n);
	t0 = now();
	cpu_watch_ask(w, mask);
	cpu_watch_read(w, mask, u0);
	sleep_for(block * 4 / 5);
	c1 = rx_sum(slot, n);
	t1 = now();
	cpu_watch_ask(w, mask);
	cpu_watch_read(w, mask, u1);
	__atomic_store_n(&sh->turn, 0, __ATOMIC_SEQ_CST);
	cpu_per_msg(u0, u1, c1 - c0, cpu_us);
	return (double)(c1 - c0) / (t1 - t0);
}

/* Rounds of CPU per message: [side][round]; the paired runs have at most. */
#define CPU_ROUNDS	PAIRS_ROUNDS
_Static_assert(PSTREAM_ROUNDS <= CPU_ROUNDS, "CPU_ROUNDS too small");

/*
 * Add to @f, for mechanism @m at size index @s, the median over @rounds
 * rounds of @cpu[side][round] of each side (NaN unless @ok).
 */
static void cpu_medians(double cpu[2][CPU_ROUNDS], int rounds, int ok,
			int m, int s, struct fig f[2][NMECH][MAX_SIZES])
{
	int i;

	for (i = 0; i < 2; i++)
		fig_add(&f[i][m][s], ok ? median(cpu[i], rounds) : NANV);
}

/* Keep @us[side] of round @r in @cpu[side][r]. */
static void cpu_keep(double cpu[2][CPU_ROUNDS], int r, const double us[2])
{
	cpu[END_SEND][r] = us[END_SEND];
	cpu[END_RECV][r] = us[END_RECV];
}

/*
 * One paired streaming run at size index @s: a link of every streaming
 * mechanism, created afresh, with its producer on opt.cpu[0] and its
 * consumer on opt.cpu[1], all started at once. In each of PSTREAM_ROUNDS
 * rounds every mechanism gets a turn, in an order rotated by one place
 * each round: its producer runs while the others wait on sh->turn, and
 * after a settling fifth of the block its consumer's counter is sampled
 * over the rest. A mechanism's ratio to mq (to the futex floor) in a round
 * is its rate over mq's (the floor's) in that round; the figures of the
 * run are the medians over the rounds.
 */
static void run_pstream(int s)
{
	static double rate[NMECH][PAIRED_ROUNDS], out[NMECH][3];
	static double cpu[NMECH][2][CPU_ROUNDS];
	double block = opt.measure / PSTREAM_BLOCKS, us[2];
	struct job jobs[2 * NMECH];
	pid_t pids[2 * NMECH] = { 0 };
	struct cpu_watch w = { jobs, 0 };
	int n = 0, m, r, k, i, failed = 0;

	if (!paired_begin(s, 1, 1, 0, MC_RTTONLY, "paired stream"))
		return;
	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		jobs[n++] = (struct job){ &paired_link[m][0], opt.cpu[1], -1, 0, m,
					  0, 0 };
		jobs[n++] = (struct job){ &paired_link[m][0], opt.cpu[0], 0, -1, -1,
					  GATE(m + 1), 0 };
	}
	w.n = n;
	if (start_all(jobs, n, stream_child, pids)) {
		failed = 1;
		goto out;
	}

	for (r = 0; r < PSTREAM_ROUNDS; r++)
		for (k = 0; k < paired_n; k++) {
			m = paired_order[(k + r) % paired_n];
			rate[m][r] = turn_block((uint32_t)m + 1, m, 1, block, &w,
						us);
			cpu_keep(cpu[m], r, us);
			if (any_ended(pids, n)) {
				failed = 1;
				goto out;
			}
		}
	paired_medians(rate, PSTREAM_ROUNDS, out);
out:
	reap_all(pids, n);
	for (i = 0; i < paired_n; i++)
		cpu_medians(cpu[paired_order[i]], PSTREAM_ROUNDS, !failed,
			    paired_order[i], s, pstream_cpu_fig);
	paired_end(s, !failed, out, pstream_fig);
}

void section_pstream(void)
{
	paired_section("paired-stream", run_pstream);
}

void section_mpmc(void)
{
	const int cp[2][2] = { { opt.cpu[0], opt.cpu[1] } };
	const int cc[2][2] = { { opt.cpu[0], opt.cpu[1] } };
	double v, cpu[2];
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("mpmc: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++) {
				if (!mech_on(m) || !(mechs[m].caps & MC_MPMC))
					continue;
				v = stream_measure(m, opt.sizes[s], 1, 2, 2, cp, cc,
						   "mpmc", cpu);
				rate_add(&mpmc_fig[m][s], mpmc_cpu_fig, m, s, v, cpu);
			}
	}
}

/* A child of a pairs run: a stream's producer or consumer, or a busy loop. */
static void pairs_child(struct job *j)
{
	if (j->l)
		stream_child(j);
	else
		spin_child(j);
}

/*
 * In a pairs run, unit @u (a mechanism, or NMECH for the busy loop) works
 * on one pair while sh->turn is PAIRS_TURN(u, 0), on two while it is
 * PAIRS_TURN(u, 1). Pair @i of it counts in sh->rx[2 * u + i].
 */
#define PAIRS_TURN(u, two)	(2 * (u) + 1 + (two))

/*
 * One paired run of the pairs section at size index @s: two links of every
 * mechanism of the section, created afresh, pair i (the producer and the
 * consumer of link i) on opt.cpu[i]; at the first size also a busy loop on
 * each vCPU. All start at once. In each of PAIRS_ROUNDS rounds each of
 * them in turn, in an order rotated by one place each round, works on one
 * pair and then on both (the other way round in odd rounds), a block of a
 * tenth of the measuring time each, sampled as in run_pstream(). Its scale
 * in a round is the aggregate rate of two pairs over the rate of one in
 * that round; the figures of the run are medians over the rounds.
 */
static void run_pairs(int s)
{
	static double rate[NMECH + 1][2][PAIRS_ROUNDS];
	static double cpu[NMECH + 1][2][2][CPU_ROUNDS];	/* [u][two][side][r] */
	double block = opt.measure / PAIRS_BLOCKS, x[PAIRS_ROUNDS], us[2];
	struct job jobs[4 * (NMECH + 1)];
	pid_t pids[4 * (NMECH + 1)] = { 0 };
	struct cpu_watch w = { jobs, 0 };
	int unit[NMECH + 1], nunits, n = 0, u, r, k, i, two, failed = 0;

	paired_begin(s, 2, 1, MC_PAIRS, 0, "pairs");
	for (k = 0; k < paired_n; k++)
		unit[k] = paired_order[k];
	nunits = paired_n;
	if (s == 0)
		unit[nunits++] = NMECH;
	if (!nunits)
		return;
	for (k = 0; k < nunits; k++) {
		u = unit[k];
		for (i = 0; i < 2; i++) {
			struct link *l = u < NMECH ? &paired_link[u][i] : NULL;
			uint64_t gates = GATE(PAIRS_TURN(u, 1)) |
					 (i ? 0 : GATE(PAIRS_TURN(u, 0)));

			if (l)
				jobs[n++] = (struct job){ l, opt.cpu[i], -1, 0,
							  2 * u + i, 0, 0 };
			jobs[n++] = (struct job){ l, opt.cpu[i], l ? 0 : -1, -1,
						  l ? -1 : 2 * u + i, gates, 0 };
		}
	}
	w.n = n;
	if (start_all(jobs, n, pairs_child, pids)) {
		failed = 1;
		goto out;
	}

	for (r = 0; r < PAIRS_ROUNDS; r++)
		for (k = 0; k < nunits; k++) {
			u = unit[(k + r) % nunits];
			for (i = 0; i < 2; i++) {
				two = i ^ (r & 1);
				rate[u][two][r] = turn_block(PAIRS_TURN(u, two),
							     2 * u, 1 + two, block,
							     &w, us);
				cpu_keep(cpu[u][two], r, us);
			}
			if (any_ended(pids, n)) {
				failed = 1;
				goto out;
			}
		}
out:
	reap_all(pids, n);
	for (k = 0; k < nunits; k++) {
		u = unit[k];
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = ratio(rate[u][1][r], rate[u][0][r]);
		if (u == NMECH) {
			fig_add(&spin_fig, failed ? NANV : median(x, PAIRS_ROUNDS));
			continue;
		}
		fig_add(&scale_fig[u][s], failed ? NANV : median(x, PAIRS_ROUNDS));
		fig_add(&pair1_fig[u][s],
			failed ? NANV : median(rate[u][0], PAIRS_ROUNDS));
		fig_add(&pair2_fig[u][s],
			failed ? NANV : median(rate[u][1], PAIRS_ROUNDS));
		cpu_medians(cpu[u][0], PAIRS_ROUNDS, !failed, u, s,
			    pair1_cpu_fig);
		cpu_medians(cpu[u][1], PAIRS_ROUNDS, !failed, u, s,
			    pair2_cpu_fig);
	}
	paired_destroy();
}

void section_pairs(void)
{
	paired_section("pairs", run_pairs);
}
