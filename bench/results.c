// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench results: figures of several repeats, their medians and
 * spreads, and their formatting.
 */
#include "bench.h"

void fig_add(struct fig *f, double v)
{
	if (f->n < MAX_REPEATS)
		f->v[f->n++] = v;
}

double fig_median(const struct fig *f)
{
	double v[MAX_REPEATS];

	memcpy(v, f->v, sizeof(v));
	return median(v, f->n);
}

/* (max - min) / median over the runs that worked. */
double fig_spread(const struct fig *f)
{
	double med = fig_median(f), lo = NANV, hi = NANV;
	int i;

	for (i = 0; i < f->n; i++) {
		if (IS_NAN(f->v[i]))
			continue;
		if (IS_NAN(lo) || f->v[i] < lo)
			lo = f->v[i];
		if (IS_NAN(hi) || f->v[i] > hi)
			hi = f->v[i];
	}
	if (IS_NAN(med) || med == 0)
		return NANV;
	return (hi - lo) / med;
}

/* "N/M": runs that gave a figure, of those made; "-" when none was made. */
const char *fmt_runs(char *out, size_t len, const struct fig *f)
{
	int i, ok = 0;

	for (i = 0; i < f->n; i++)
		ok += !IS_NAN(f->v[i]);
	if (f->n)
		snprintf(out, len, "%d/%d", ok, f->n);
	else
		snprintf(out, len, "-");
	return out;
}

struct fig syscall_fig;
struct fig rtt_fig[2][NMECH][MAX_SIZES];	/* [same, cross] */
/* [same, cross] */
struct fig rtt_cpu_fig[2][2][NMECH][MAX_SIZES];	/* [same, cross][side] */
struct fig paired_fig[3][NMECH][MAX_SIZES];	/* [us, x_mq, x_futex] */
struct fig paired_cpu_fig[2][NMECH][MAX_SIZES];	/* [side] */
/* [us, x_mq, x_futex] */
struct fig stream_fig[NMECH][MAX_SIZES];
/* CPU us per message, [END_SEND, END_RECV], here and in the other _cpu_ */
struct fig stream_cpu_fig[2][NMECH][MAX_SIZES];
struct fig pstream_fig[3][NMECH][MAX_SIZES];	/* [msgs/s, x_mq, x_futex] */
/* [msgs/s, x_mq, x_futex] */
struct fig pstream_cpu_fig[2][NMECH][MAX_SIZES];
struct fig mpmc_fig[NMECH][MAX_SIZES];
struct fig mpmc_cpu_fig[2][NMECH][MAX_SIZES];
struct fig pair1_fig[NMECH][MAX_SIZES];
struct fig pair2_fig[NMECH][MAX_SIZES];
struct fig pair1_cpu_fig[2][NMECH][MAX_SIZES];
struct fig pair2_cpu_fig[2][NMECH][MAX_SIZES];
struct fig scale_fig[NMECH][MAX_SIZES];
struct fig spin_fig;			/* busy loop: 2 vCPUs / 1 */
/* busy loop: 2 vCPUs / 1 */
struct fig mem_fig[NMECH][MAX_SIZES];	/* bytes per message */
/* bytes per message */
struct fig memq_fig[NMECH][MAX_SIZES];	/* bytes per empty queue */
/* bytes per empty queue */

/* Format @v with @prec decimals into @out; "fail" for NaN, "-" if absent. */
const char *fmt(char *out, size_t len, double v, int prec, int absent)
{
	if (absent)
		snprintf(out, len, "-");
	else if (IS_NAN(v))
		snprintf(out, len, "fail");
	else
		snprintf(out, len, "%.*f", prec, v);
	return out;
}

const char *fmt_pct(char *out, size_t len, double v)
{
	if (IS_NAN(v))
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f%%", v * 100);
	return out;
}

/* A ratio for a BENCH line: "-" when there is none. */
const char *fmt_ratio(char *out, size_t len, double v)
{
	return fmt(out, len, v, 3, IS_NAN(v));
}
