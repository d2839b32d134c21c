// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: the state a measurement's processes share, and what
 * each of them runs: responders, initiators, producers and consumers.
 */
#include "bench.h"

struct shared *sh;

void shared_reset(void)
{
	memset(sh, 0, sizeof(*sh));
}

/* The sum of the counters sh->rx[@slot] to sh->rx[@slot + @n - 1]. */
uint64_t rx_sum(int slot, int n)
{
	uint64_t sum = 0;

	while (n--)
		sum += __atomic_load_n(&sh->rx[slot + n].n, __ATOMIC_RELAXED);
	return sum;
}

/* What the current child is doing, for its error messages. */
char child_what[96];

static void __attribute__((format(printf, 1, 2), noreturn))
child_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "msgbox-bench: %s: ", child_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(2);
}

/*
 * CPU time on request. Another process's CPU clock leaves out the time
 * since its CPU last accounted it (up to a scheduler tick) while it runs,
 * so a child reads its own clock, between two of its calls, when asked:
 * cpu_ask() bumps the request of a struct cpu_slot, the child sees it in
 * cpu_answer() after its next call and answers with its CPU time, and
 * cpu_answer_wait() waits for that answer. The answer comes at most one
 * call late, and covers the CPU time up to the end of that call.
 */
void cpu_ask(int slot)
{
	__atomic_add_fetch(&sh->cpu_slot[slot].req, 1, __ATOMIC_SEQ_CST);
}

/* The answer to the last cpu_ask(@slot), in seconds; NaN after 1 s. */
double cpu_answer_wait(int slot)
{
	struct cpu_slot *c = &sh->cpu_slot[slot];
	uint32_t req = __atomic_load_n(&c->req, __ATOMIC_RELAXED);
	double limit = now() + 1;

	while (__atomic_load_n(&c->ack, __ATOMIC_ACQUIRE) != req) {
		if (now() > limit)
			return NANV;
		sleep_for(20e-6);
	}
	return c->secs;
}

/* In a child: answer a request for its CPU time, if there is one. */
static void cpu_answer(const struct job *j)
{
	struct cpu_slot *c = &sh->cpu_slot[j->watch];
	uint32_t req = __atomic_load_n(&c->req, __ATOMIC_ACQUIRE);

	if (req != __atomic_load_n(&c->ack, __ATOMIC_RELAXED)) {
		c->secs = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
		__atomic_store_n(&c->ack, req, __ATOMIC_RELEASE);
	}
}

static void job_attach(struct job *j)
{
	int r = j->l->m->attach(j->l, j->send_dir, j->recv_dir);

	if (r < 0)
		child_fail("attach: %s", strerror(-r));
}

pid_t spawn(struct job *j, void (*fn)(struct job *))
{
	pid_t pid;
	int r;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	r = pin_cpu(j->cpu);
	if (r)
		child_fail("pin to CPU %d: %s", j->cpu, strerror(-r));
	fn(j);
	_exit(0);
}

/* Responder of a round trip: echo direction 0 back on direction 1. */
void rtt_responder(struct job *j)
{
	struct link *l = j->l;
	char *buf = buf_alloc(l->size);
	ssize_t n;
	int r;

	job_attach(j);
	for (;;) {
		n = l->m->recv(l, 0, buf, l->size);
		if (n < 0)
			child_fail("echo receive: %s", strerror((int)-n));
		r = l->m->send(l, 1, buf, (size_t)n);
		if (r < 0)
			child_fail("echo send: %s", strerror(-r));
		cpu_answer(j);
	}
}

static void round_trip(struct link *l, char *buf)
{
	ssize_t n;
	int r;

	r = l->m->send(l, 0, buf, l->size);
	if (r < 0)
		child_fail("send: %s", strerror(-r));
	n = l->m->recv(l, 1, buf, l->size);
	if (n < 0)
		child_fail("receive: %s", strerror((int)-n));
	if ((size_t)n != l->size)
		child_fail("echo of %zd bytes, sent %zu", n, l->size);
}

/*
 * The responders of the paired round-trip runs, by mechanism, whose CPU
 * clocks the initiator reads: they share its vCPU, so whenever it runs
 * they are off the CPU and their clocks are up to date. Set by the parent
 * before it forks the initiator.
 */
pid_t peer_pid[NMECH];

/* The CPU clock of mechanism @m's responder. */
static clockid_t peer_clock(int m)
{
	clockid_t c;
	int r = clock_getcpuclockid(peer_pid[m], &c);

	if (r)
		child_fail("CPU clock of the responder: %s", strerror(r));
	return c;
}

/*
 * @t[END_SEND]: the CPU seconds so far of this process, the initiator;
 * @t[END_RECV]: those of the responder whose CPU clock is @peer.
 */
static void rt_cpu(clockid_t peer, double t[2])
{
	t[END_SEND] = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
	t[END_RECV] = cpu_secs(peer);
}

/* Round trips for opt.warmup seconds (8 at least): seconds per round trip. */
static double warm_up(struct link *l, char *buf)
{
	double t0 = now(), t;
	long n = 0;

	do {
		round_trip(l, buf);
		n++;
		t = now();
	} while (t - t0 < opt.warmup || n < 8);
	return (t - t0) / (double)n;
}

/*
 * Initiator of round trips: warm up for opt.warmup seconds, then time
 * batches of round trips for opt.measure seconds (at least MIN_BATCHES),
 * sized so that at least 16 batches fit; the median batch mean goes to
 * sh->result, in microseconds. Around each batch (outside its timing) it
 * reads its own CPU clock and asks the responder, whose job has @watch 0,
 * for its CPU time, answered after the batch's first echo: the difference
 * of two answers is the responder's time over a batch's worth of round
 * trips, one echo later. The medians over the batches of the CPU us per
 * round trip of both go to sh->cpu[m].
 */
void rtt_initiator(struct job *j)
{
	struct link *l = j->l;
	int m = (int)(l->m - mechs);
	char *buf = buf_alloc(l->size);
	double *mean = calloc(3 * MAX_BATCHES, sizeof(*mean));
	double *cpu[2] = { mean + MAX_BATCHES, mean + 2 * MAX_BATCHES };
	double t0, t, per, end, u0, u1, v, v0 = NANV;
	long batch, i;
	int nb = 0;

	if (!mean)
		child_fail("out of memory");
	job_attach(j);
	per = warm_up(l, buf);
	batch = (long)(opt.measure / (16 * per));
	if (batch > MAX_RTT_BATCH)
		batch = MAX_RTT_BATCH;
	if (batch < 1)
		batch = 1;

	end = now() + opt.measure;
	do {
		cpu_ask(0);
		u0 = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
		t0 = now();
		for (i = 0; i < batch; i++)
			round_trip(l, buf);
		t = now();
		u1 = cpu_secs(CLOCK_PROCESS_CPUTIME_ID);
		v = cpu_answer_wait(0);
		cpu[END_SEND][nb] = (u1 - u0) / (double)batch * 1e6;
		cpu[END_RECV][nb] = (v - v0) / (double)batch * 1e6;
		v0 = v;
		mean[nb++] = (t - t0) / (double)batch * 1e6;
	} while (nb < MAX_BATCHES && (t < end || nb < MIN_BATCHES));
	sh->cpu[m][END_SEND] = median(cpu[END_SEND], nb);
	sh->cpu[m][END_RECV] = median(cpu[END_RECV], nb);
	sh->result = median(mean, nb);
}

/*
 * The paired run in progress: paired_nlinks links of every mechanism in it,
 * at one size, and the mechanisms in the order of its first round (see
 * paired_begin()).
 * Set by the parent before it forks.
 */
struct link paired_link[NMECH][2];
int paired_order[NMECH], paired_n, paired_nlinks;

static int paired_has(int m)
{
	int k;

	for (k = 0; k < paired_n; k++)
		if (paired_order[k] == m)
			return 1;
	return 0;
}

/*
 * The figures of a paired run from @v[m][r], mechanism m's value in round r
 * of @rounds: @out[m][0] the median value, @out[m][1] and @out[m][2] the
 * medians of its ratios to mq's and to the futex floor's values in the
 * same rounds (NaN when that reference is not in the run).
 */
void paired_medians(double v[][PAIRED_ROUNDS], int rounds,
		    double out[][3])
{
	static const int refs[2] = { M_MQ, M_FUTEX };
	double x[PAIRED_ROUNDS];
	int k, i, r, m;

	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		for (i = 0; i < 2; i++) {
			out[m][i + 1] = NANV;
			if (!paired_has(refs[i]))
				continue;
			for (r = 0; r < rounds; r++)
				x[r] = ratio(v[m][r], v[refs[i]][r]);
			out[m][i + 1] = median(x, rounds);
		}
	}
	/* Last: median() sorts, and the ratios need the rounds in order. */
	for (k = 0; k < paired_n; k++)
		out[paired_order[k]][0] = median(v[paired_order[k]], rounds);
}

/* Mean of @n round trips on @l, in microseconds. */
static double round_trips(struct link *l, char *buf, long n)
{
	double t0 = now();
	long i;

	for (i = 0; i < n; i++)
		round_trip(l, buf);
	return (now() - t0) / (double)n * 1e6;
}

/*
 * Initiator of a paired run: warm up on each mechanism and size its blocks
 * to about opt.measure / PAIRED_BLOCKS seconds, then run PAIRED_ROUNDS
 * rounds of one timed block per mechanism, the order rotated by one place
 * each round. A mechanism's ratio to mq (to the futex floor) in one round
 * is its block's mean round trip over mq's (the floor's) in the same
 * round; sh->paired gets the medians over the rounds. The CPU us per round
 * trip of this process and of the mechanism's responder are read around
 * each block; sh->cpu gets their medians over the rounds.
 */
void paired_initiator(struct job *j)
{
	static double us[NMECH][PAIRED_ROUNDS], cpu[NMECH][2][PAIRED_ROUNDS];
	double u0[2], u1[2], x[2];
	clockid_t peer[NMECH];
	long block[NMECH], n;
	struct link *l;
	int r, k, m;
	char *buf;

	(void)j;
	buf = buf_alloc(paired_link[paired_order[0]][0].size);
	for (k = 0; k < paired_n; k++) {
		l = &paired_link[paired_order[k]][0];
		r = l->m->attach(l, 0, 1);
		if (r < 0)
			child_fail("%s: attach: %s", l->m->name, strerror(-r));
		n = (long)(opt.measure / PAIRED_BLOCKS / warm_up(l, buf));
		block[paired_order[k]] = n < 1 ? 1 : n;
		peer[paired_order[k]] = peer_clock(paired_order[k]);
	}

	for (r = 0; r < PAIRED_ROUNDS; r++)
		for (k = 0; k < paired_n; k++) {
			m = paired_order[(k + r) % paired_n];
			rt_cpu(peer[m], u0);
			us[m][r] = round_trips(&paired_link[m][0], buf, block[m]);
			rt_cpu(peer[m], u1);
			cpu_per_msg(u0, u1, (uint64_t)block[m], x);
			cpu[m][END_SEND][r] = x[END_SEND];
			cpu[m][END_RECV][r] = x[END_RECV];
		}
	paired_medians(us, PAIRED_ROUNDS, sh->paired);
	for (k = 0; k < paired_n; k++) {
		m = paired_order[k];
		sh->cpu[m][END_SEND] = median(cpu[m][END_SEND], PAIRED_ROUNDS);
		sh->cpu[m][END_RECV] = median(cpu[m][END_RECV], PAIRED_ROUNDS);
	}
}

/* Tell the parent this child is ready, and wait for its go. */
void ready_wait(void)
{
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		futex_op(&sh->go, FUTEX_WAIT, 0);
}

/* A gated child of a paired run: wait until sh->turn is one of @gates. */
void turn_wait(uint64_t gates)
{
	uint32_t t;

	while (!((gates >> (t = __atomic_load_n(&sh->turn, __ATOMIC_ACQUIRE))) & 1))
		futex_op(&sh->turn, FUTEX_WAIT, t);
}

/*
 * A busy loop counting in sh->rx[@j->slot], with no system calls: one per
 * vCPU against one alone shows how much parallel CPU the host really gives
 * the two vCPUs, which bounds what the pairs section can show.
 */
void spin_child(struct job *j)
{
	uint64_t n = 0;
	int i;

	ready_wait();
	for (;;) {
		if (j->gates)
			turn_wait(j->gates);
		for (i = 0; i < 4096; i++)
			__asm__ __volatile__("" ::: "memory");
		n += 4096;
		__atomic_store_n(&sh->rx[j->slot].n, n, __ATOMIC_RELAXED);
	}
}

/* Producer or consumer of a stream; see the "stream" section. */
void stream_child(struct job *j)
{
	struct link *l = j->l;
	const struct mech *m = l->m;
	unsigned int batch = m->send_many || m->recv_many ? l->depth : 1;
	char *buf = buf_alloc(l->size * batch);
	uint64_t n = 0;
	ssize_t got;
	int r;

	job_attach(j);
	ready_wait();

	if (j->slot < 0) {
		for (;;) {
			if (j->gates)
				turn_wait(j->gates);
			if (m->send_many)
				r = m->send_many(l, j->send_dir, buf, l->size, batch);
			else
				r = m->send(l, j->send_dir, buf, l->size);
			if (r < 0)
				child_fail("send: %s", strerror(-r));
			cpu_answer(j);
		}
	}
	for (;;) {
		if (m->recv_many) {
			r = m->recv_many(l, j->recv_dir, buf, l->size, batch);
			if (r < 0)
				child_fail("receive: %s", strerror(-r));
			n += (uint64_t)r;
		} else {
			got = m->recv(l, j->recv_dir, buf, l->size);
			if (got < 0)
				child_fail("receive: %s", strerror((int)-got));
			if ((size_t)got != l->size)
				child_fail("received %zd bytes, expected %zu",
					   got, l->size);
			n++;
		}
		__atomic_store_n(&sh->rx[j->slot].n, n, __ATOMIC_RELAXED);
		cpu_answer(j);
	}
}
