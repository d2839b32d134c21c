// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench section held: one-way streaming of 64 B messages where the
 * consumer holds each message and settles it done, against plain receives.
 *
 *   msgbox     msgbox_recv(): a plain receive, the message goes at once
 *   held       msgbox_recv_held() (MSGBOX_RECV_HOLD), then msgbox_done()
 *              (MSGBOX_IOC_SETTLE): two system calls per message
 *   held-sr    msgbox_reply_recv() with no reply: the previous message done
 *              and the next received held in one MSGBOX_IOC_SETTLE with
 *              MSGBOX_SETTLE_RECV, one system call per message
 *   held-dr    msgbox_done_recv(): the same in one MSGBOX_IOC_RECV with
 *              MSGBOX_RECV_DONE, one argument structure per message
 *   mq         POSIX mq, the peer of the stream sections
 *
 * Paired as the pairs section is: every mechanism's producer (opt.cpu[0])
 * and consumer (opt.cpu[1]) are started at once; in each of PAIRS_ROUNDS
 * rounds each producer in turn sends for opt.measure / PSTREAM_BLOCKS while
 * the others wait, its consumer's count is sampled over the last four
 * fifths of the turn, and after the turn, once both sides sleep, the CPU
 * time of both is read from outside, per message of the whole turn. The
 * time per message over msgbox's is taken within rounds.
 */
#include "call.h"

/*
 * The consumer's state: one consumer per process, so it lives here. The id
 * of the message held since the last receive, for held-sr to settle.
 */
static uint64_t held_id;
static int held_have;

static ssize_t held_recv(struct link *l, int dir, char *buf, size_t len)
{
	struct msgbox_held_info info;
	int n, r;

	do
		n = msgbox_recv_held(l->fd[dir][END_RECV], buf, len, NULL, &info);
	while (n == -EINTR);
	if (n < 0)
		return n;
	r = msgbox_done(l->fd[dir][END_RECV], info.msg.id);
	return r < 0 ? r : n;
}

/*
 * After a settle made with the receive that returned @n: keep what it
 * received, or, when a signal interrupted it, receive alone.
 */
static ssize_t held_take(int fd, int n, char *buf, size_t len,
			 struct msgbox_held_info *info)
{
	while (n == -EINTR)
		n = msgbox_recv_held(fd, buf, len, NULL, info);
	if (n < 0)
		return n;
	held_id = info->msg.id;
	held_have = 1;
	return n;
}

static ssize_t held_recv_sr(struct link *l, int dir, char *buf, size_t len)
{
	struct msgbox_held_info info;
	int fd = l->fd[dir][END_RECV], n, err = 0;

	if (held_have)
		n = msgbox_reply_recv(fd, held_id, NULL, 0, &err, buf, len, NULL,
				      &info);
	else
		n = -EINTR;
	if (err)
		return err;
	return held_take(fd, n, buf, len, &info);
}

static ssize_t held_recv_dr(struct link *l, int dir, char *buf, size_t len)
{
	struct msgbox_held_info info;
	int fd = l->fd[dir][END_RECV], n, done = 0;

	if (held_have)
		n = msgbox_done_recv(fd, held_id, &done, buf, len, NULL, &info);
	else
		n = -EINTR;
	if (held_have && !done)
		return n;
	return held_take(fd, n, buf, len, &info);
}

static const struct mech held_mechs[] = {
	{
		.name = "held", .what = "msgbox, held receive, then done",
		.create = mb_create, .attach = mb_attach, .send = mb_send,
		.recv = held_recv, .destroy = mb_destroy,
	},
	{
		.name = "held-sr", .what = "msgbox, done and the next held receive "
			"in one SETTLE|RECV",
		.create = mb_create, .attach = mb_attach, .send = mb_send,
		.recv = held_recv_sr, .destroy = mb_destroy,
	},
	{
		.name = "held-dr", .what = "msgbox, done and the next held receive "
			"in one RECV|DONE",
		.create = mb_create, .attach = mb_attach, .send = mb_send,
		.recv = held_recv_dr, .destroy = mb_destroy,
	},
};

enum { HU_MSGBOX, HU_HELD, HU_HELD_SR, HU_HELD_DR, HU_MQ, NHU };

static const char *const hu_name[NHU] = {
	"msgbox", "held", "held-sr", "held-dr", "mq",
};

static struct fig held_fig[NHU];		/* msgs/s */
static struct fig held_x_fig[NHU];		/* time per message / msgbox's */
static struct fig held_xmq_fig[NHU];		/* time per message / mq's */
static struct fig held_cpu_fig[2][NHU];		/* CPU us per message */

static const struct mech *hu_mech(int u)
{
	switch (u) {
	case HU_MSGBOX:
		return &mechs[M_MSGBOX];
	case HU_MQ:
		return &mechs[M_MQ];
	default:
		return &held_mechs[u - HU_HELD];
	}
}

static int hu_on(int u)
{
	return mech_on(u == HU_MQ ? M_MQ : M_MSGBOX);
}

static void run_held(void)
{
	static double rate[NHU][PAIRS_ROUNDS], cpu[NHU][2][PAIRS_ROUNDS];
	double block = opt.measure / PSTREAM_BLOCKS, t0, t1, x[PAIRS_ROUNDS];
	double a0[2], a1[2], us[2];
	struct link links[NHU];
	struct job jobs[2 * NHU];
	pid_t pids[2 * NHU] = { 0 };
	int unit[NHU], jc[NHU], jp[NHU], made[NHU] = { 0 };
	int n = 0, nj = 0, u, k, r, i, failed = 0;
	uint64_t n0, c0, c1, n1;

	snprintf(child_what, sizeof(child_what), "held %d", CALL_SIZE);
	for (u = 0; u < NHU; u++) {
		if (!hu_on(u))
			continue;
		link_init(&links[u], hu_mech(u), CALL_SIZE, opt.depth);
		r = links[u].m->create(&links[u], 1);
		if (r < 0) {
			fprintf(stderr, "msgbox-bench: held %s: create: %s\n",
				hu_name[u], strerror(-r));
			failed = 1;
			goto out;
		}
		made[u] = 1;
		unit[n++] = u;
		jc[u] = nj;
		jobs[nj++] = (struct job){ &links[u], opt.cpu[1], -1, 0, u, 0, 0 };
		jp[u] = nj;
		jobs[nj++] = (struct job){ &links[u], opt.cpu[0], 0, -1, -1,
					   GATE(u + 1), 0 };
	}
	if (!n)
		return;
	if (start_all(jobs, nj, stream_child, pids)) {
		failed = 1;
		goto out;
	}

	for (r = 0; r < PAIRS_ROUNDS; r++)
		for (k = 0; k < n; k++) {
			u = unit[(k + r) % n];
			n0 = rx_sum(u, 1);
			a0[END_SEND] = pid_cpu_secs(pids[jp[u]]);
			a0[END_RECV] = pid_cpu_secs(pids[jc[u]]);
			__atomic_store_n(&sh->turn, (uint32_t)u + 1, __ATOMIC_SEQ_CST);
			futex_op(&sh->turn, FUTEX_WAKE, INT_MAX);
			sleep_for(block / 5);
			c0 = rx_sum(u, 1);
			t0 = now();
			sleep_for(block * 4 / 5);
			c1 = rx_sum(u, 1);
			t1 = now();
			__atomic_store_n(&sh->turn, 0, __ATOMIC_SEQ_CST);
			/* Let the consumer drain the queue and both sleep. */
			sleep_for(CALL_SETTLE * 5);
			n1 = rx_sum(u, 1);
			a1[END_SEND] = pid_cpu_secs(pids[jp[u]]);
			a1[END_RECV] = pid_cpu_secs(pids[jc[u]]);
			rate[u][r] = (double)(c1 - c0) / (t1 - t0);
			cpu_per_msg(a0, a1, n1 - n0, us);
			cpu[u][END_SEND][r] = us[END_SEND];
			cpu[u][END_RECV][r] = us[END_RECV];
			if (any_ended(pids, nj)) {
				failed = 1;
				goto out;
			}
		}
out:
	reap_all(pids, nj);
	for (u = 0; u < NHU; u++) {
		if (made[u])
			links[u].m->destroy(&links[u]);
		if (!hu_on(u))
			continue;
		/* Time per message over the reference's: its rate over ours. */
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = hu_on(HU_MSGBOX) ? ratio(rate[HU_MSGBOX][r],
							rate[u][r]) : NANV;
		fig_add(&held_x_fig[u], failed ? NANV : median(x, PAIRS_ROUNDS));
		for (r = 0; r < PAIRS_ROUNDS; r++)
			x[r] = hu_on(HU_MQ) ? ratio(rate[HU_MQ][r], rate[u][r]) : NANV;
		fig_add(&held_xmq_fig[u], failed ? NANV : median(x, PAIRS_ROUNDS));
	}
	/* Last: median() sorts, and the ratios need the rounds in order. */
	for (u = 0; u < NHU; u++) {
		if (!hu_on(u))
			continue;
		fig_add(&held_fig[u], failed ? NANV : median(rate[u], PAIRS_ROUNDS));
		for (i = 0; i < 2; i++)
			fig_add(&held_cpu_fig[i][u],
				failed ? NANV : median(cpu[u][i], PAIRS_ROUNDS));
	}
}

void section_held(void)
{
	int rep;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("held: repeat %d/%d", rep + 1, opt.repeats);
		run_held();
	}
}

void print_held(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32], l[32];
	double v;
	int u;

	printf("\n== Streaming %d B with held receives, producer and consumer on "
	       "different vCPUs, paired ==\n", CALL_SIZE);
	printf("%-8s %9s %9s %10s %8s %8s %8s %5s %10s %10s\n", "mech", "msgs/s",
	       "us/msg", "x_msgbox", "spread", "x_mq", "spread", "runs",
	       "snd_cpu_us", "rcv_cpu_us");
	for (u = 0; u < NHU; u++) {
		if (!hu_on(u))
			continue;
		v = fig_median(&held_fig[u]);
		printf("%-8s %9s %9s %10s %8s %8s %8s %5s %10s %10s\n", hu_name[u],
		       fmt(a, sizeof(a), v, 0, 0), fmt(b, sizeof(b), 1e6 / v, 2, 0),
		       fmt(c, sizeof(c), fig_median(&held_x_fig[u]), 3,
			   !hu_on(HU_MSGBOX)),
		       fmt_pct(d, sizeof(d), fig_spread(&held_x_fig[u])),
		       fmt(e, sizeof(e), fig_median(&held_xmq_fig[u]), 3, !hu_on(HU_MQ)),
		       fmt_pct(g, sizeof(g), fig_spread(&held_xmq_fig[u])),
		       fmt_runs(h, sizeof(h), &held_fig[u]),
		       fmt(k, sizeof(k), fig_median(&held_cpu_fig[END_SEND][u]), 2, 0),
		       fmt(l, sizeof(l), fig_median(&held_cpu_fig[END_RECV][u]), 2, 0));
	}
	printf("x_msgbox, x_mq: time per message over that of msgbox's plain "
	       "receive (mq's), within rounds; target for a held receive and "
	       "its done: <= 1.2\n");
}

void held_bench_lines(void)
{
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
	int u;

	for (u = 0; u < NHU; u++) {
		if (!hu_on(u))
			continue;
		printf("BENCH held mech=%s size=%d msgs_per_s=%s ratio_msgbox=%s "
		       "spread_msgbox=%s ratio_mq=%s runs=%s send_cpu_us=%s "
		       "recv_cpu_us=%s\n", hu_name[u], CALL_SIZE,
		       fmt(a, sizeof(a), fig_median(&held_fig[u]), 0, 0),
		       fmt_ratio(b, sizeof(b), fig_median(&held_x_fig[u])),
		       fmt_ratio(c, sizeof(c), fig_spread(&held_x_fig[u])),
		       fmt_ratio(d, sizeof(d), fig_median(&held_xmq_fig[u])),
		       fmt_runs(e, sizeof(e), &held_fig[u]),
		       fmt(g, sizeof(g), fig_median(&held_cpu_fig[END_SEND][u]), 2, 0),
		       fmt(h, sizeof(h), fig_median(&held_cpu_fig[END_RECV][u]), 2, 0));
	}
}
