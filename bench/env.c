// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench environment: raising the queue limits and putting them
 * back, mounting mqueue, describing the machine.
 */
#include "bench.h"

/* A /proc/sys (or /sys) value raised for the run and put back at exit. */
struct tunable {
	char path[96];
	char old[32];
	size_t old_len;
};

static struct tunable tunables[16];
static int ntunables;

/* Set @path, whose value is @cur, to @want; remember @cur. 0 or -errno. */
static int tunable_set(const char *path, long cur, long want)
{
	struct tunable *t;
	char buf[32];
	int r;

	if (ntunables == (int)ARRAY_SIZE(tunables))
		return -ENOSPC;
	t = &tunables[ntunables];
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->old_len = (size_t)snprintf(t->old, sizeof(t->old), "%ld", cur);
	r = write_str(path, buf, (size_t)snprintf(buf, sizeof(buf), "%ld", want));
	if (r < 0)
		return r;
	ntunables++;
	return 0;
}

/* Make @path at least @want; remember the old value. */
static void tunable_raise(const char *path, long want)
{
	long cur = read_long(path);
	int r;

	if (cur < 0 || cur >= want)
		return;
	r = tunable_set(path, cur, want);
	if (r < 0)
		fprintf(stderr, "msgbox-bench: cannot raise %s from %ld to %ld: %s\n",
			path, cur, want, strerror(-r));
}

#define POLL_NS_PATH	"/sys/module/msgbox/parameters/poll_ns"

/* msgbox's poll_ns before --poll-ns changed it; -1 when it did not. */
static long poll_ns_was = -1;

/* Set msgbox's poll_ns to --poll-ns for the run, or exit. */
static void poll_ns_set(void)
{
	long cur = read_long(POLL_NS_PATH);
	int r;

	if (opt.poll_ns < 0)
		return;
	if (cur < 0) {
		fprintf(stderr, "msgbox-bench: --poll-ns: cannot read %s (is "
			"msgbox.ko loaded?)\n", POLL_NS_PATH);
		exit(2);
	}
	r = tunable_set(POLL_NS_PATH, cur, opt.poll_ns);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: --poll-ns: cannot set %s to %ld: "
			"%s\n", POLL_NS_PATH, opt.poll_ns, strerror(-r));
		exit(2);
	}
	poll_ns_was = cur;
}

/* Put the tunables back; only system calls, so a signal handler may call it. */
void tunables_restore(void)
{
	while (ntunables > 0) {
		struct tunable *t = &tunables[--ntunables];

		write_str(t->path, t->old, t->old_len);
	}
}

void on_fatal_signal(int sig)
{
	tunables_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mqueue_mount(void)
{
	struct statfs st;

	if (statfs("/dev/mqueue", &st) == 0 && st.f_type == MQUEUE_MAGIC)
		return;
	/* glibc's mq_open() does not need it; it is there for inspection. */
	mkdir("/dev/mqueue", 01777);
	if (mount("none", "/dev/mqueue", "mqueue", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "msgbox-bench: note: cannot mount mqueue on "
			"/dev/mqueue: %s\n", strerror(errno));
}

void setup_limits(void)
{
	size_t max = 0;
	long qmax = opt.depth > opt.mem_msgs ? opt.depth : opt.mem_msgs;
	long mnb;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int s;

	mnb = 0;
	for (s = 0; s < opt.nsizes; s++) {
		if (opt.sizes[s] > max)
			max = opt.sizes[s];
		/* System V: room for the mem section's messages too. */
		if (mnb < (long)(mem_count(opt.sizes[s]) * opt.sizes[s]))
			mnb = (long)(mem_count(opt.sizes[s]) * opt.sizes[s]);
	}
	if (mnb < (long)(opt.depth * max))
		mnb = (long)(opt.depth * max);

	tunable_raise("/proc/sys/fs/mqueue/msgsize_max", (long)max);
	tunable_raise("/proc/sys/fs/mqueue/msg_max", qmax);
	tunable_raise("/proc/sys/kernel/msgmax", (long)max);
	tunable_raise("/proc/sys/kernel/msgmnb", mnb);
	tunable_raise("/sys/module/msgbox/parameters/max_capacity", qmax);
	tunable_raise("/sys/module/msgbox/parameters/max_msg_size", (long)max);
	poll_ns_set();
	/* POSIX mq charges maxmsg * msgsize per queue against this limit. */
	if (setrlimit(RLIMIT_MSGQUEUE, &rl) < 0) {
		fprintf(stderr, "msgbox-bench: note: cannot lift RLIMIT_MSGQUEUE: %s\n",
			strerror(errno));
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_MSGQUEUE, &rl);
		}
	}
	mqueue_mount();
}

/* Create and destroy a small link of each selected mechanism. */
void probe_mechs(void)
{
	struct link l;
	int m, r;

	for (m = 0; m < NMECH; m++) {
		if (!(opt.mechs & (1U << m)))
			continue;
		link_init(&l, &mechs[m], opt.sizes[0], opt.depth);
		r = l.m->create(&l, 2);
		if (r < 0) {
			snprintf(unavailable_buf[m], sizeof(unavailable_buf[m]),
				 "%s%s", strerror(-r),
				 m == M_MSGBOX ? " (is msgbox.ko loaded?)" : "");
			unavailable[m] = unavailable_buf[m];
			continue;
		}
		l.m->destroy(&l);
	}
}

void pick_cpus(void)
{
	int c, n = 0;

	sched_getaffinity(0, sizeof(orig_affinity), &orig_affinity);
	opt.ncpu = CPU_COUNT(&orig_affinity);
	for (c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &orig_affinity))
			opt.cpu[n++] = c;
	if (n < 2)
		opt.cpu[1] = opt.cpu[0];
}

void print_header(void)
{
	struct utsname u;
	char params[256] = "", path[128];
	static const char *const names[] = {
		"max_mailboxes", "max_capacity", "max_msg_size", "poll_ns",
	};
	size_t i;
	int m, s;

	uname(&u);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "/sys/module/msgbox/parameters/%s",
			 names[i]);
		snprintf(params + strlen(params), sizeof(params) - strlen(params),
			 " %s=%ld", names[i], read_long(path));
	}
	printf("msgbox-bench: kernel %s %s, libmsgbox %s, %d CPUs (using %d and %d)\n",
	       u.release, u.machine, msgbox_version(), opt.ncpu, opt.cpu[0],
	       opt.cpu[1]);
	if (poll_ns_was >= 0)
		snprintf(params + strlen(params), sizeof(params) - strlen(params),
			 " (poll_ns set by --poll-ns, %ld before the run)",
			 poll_ns_was);
	printf("msgbox module parameters:%s\n",
	       access("/sys/module/msgbox", F_OK) ? " (module not loaded)" : params);
	printf("%s run: %d repeats, %.2f s warm-up + %.2f s per measurement, "
	       "depth %u, sizes", opt.quick ? "quick" : "default", opt.repeats,
	       opt.warmup, opt.measure, opt.depth);
	for (s = 0; s < opt.nsizes; s++)
		printf(" %zu", opt.sizes[s]);
	printf("\n");
	for (m = 0; m < NMECH; m++)
		if (opt.mechs & (1U << m))
			printf("  %-12s %s%s%s\n", mechs[m].name, mechs[m].what,
			       unavailable[m] ? ": LEFT OUT, " : "",
			       unavailable[m] ? unavailable[m] : "");
	if (opt.ncpu < 2)
		printf("note: one CPU only; the cross-CPU figures run on one CPU\n");
	printf("Each figure: median of %d runs on fresh queues; spread = (max - min) / median;\n"
	       "runs: the runs that gave a figure (a failed or stalled run is left out).\n"
	       "x_mq, x_futex: the figure divided by POSIX mq's and the futex floor's\n"
	       "(latency: below 1 is faster; rates: above 1 is faster). mpmc compares with\n"
	       "the futex 1:1 stream (its ring has one producer and one consumer).\n"
	       "snd_cpu_us, rcv_cpu_us: CPU us (user + system) of the producers and of the\n"
	       "consumers per message, over the measured interval; a side busy all of it\n"
	       "costs about 1e6 / msgs/s, less means it slept. ini_cpu_us, rsp_cpu_us:\n"
	       "CPU us of the round-trip initiator and responder per round trip.\n",
	       opt.repeats);
	fflush(stdout);
}
