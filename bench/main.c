// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench - msgbox measured against the other message-passing
 * mechanisms of Linux, in one run, on one machine.
 *
 * Mechanisms: a named msgbox mailbox (through libmsgbox, one message per
 * call or batched, and through write(2) and read(2)), a POSIX message
 * queue, a System V message queue, a pipe, Unix SOCK_SEQPACKET and
 * SOCK_DGRAM socket pairs, and two floors: a ring in shared memory driven by
 * FUTEX_WAIT/FUTEX_WAKE, the payload copied in by the sender and out by the
 * receiver (two copies, like the kernel queues), and a null system call.
 * Three more floors, for round trips only, are the futex ring with one
 * cheap call on a descriptor added to every send and receive: an ioctl(2)
 * on a mailbox (MSGBOX_IOC_STAT), a read(2) of an empty non-blocking one,
 * and mq_getattr(3) on a POSIX queue. Against one another they show what
 * a call costs by the path it enters the kernel through, with the same
 * context switches around it.
 *
 * Sections, each run in full before the next:
 *
 *   syscall  cost of syscall(SYS_getppid), timed in batches.
 *   rtt      round-trip latency. A sends, B echoes, A waits for the echo.
 *            First both processes on one vCPU (the figures that repeat best
 *            under emulation), then one process per vCPU. Round trips are
 *            timed in batches, because a clock read costs about as much as
 *            a system call under TCG; the figure of one run is the median of
 *            the batch means.
 *   paired-rtt  round trips on one vCPU again, every mechanism of one size
 *            at once: a responder each, and one initiator that times a
 *            block of about 1/25 of the measuring time on each in turn, for
 *            20 rounds whose order rotates by one place each round. The
 *            ratios to mq and to the futex floor are taken within each
 *            round, between blocks run a few milliseconds apart, and their
 *            median over the rounds is the figure of the run: a slow spell
 *            of the host hits neighbouring blocks alike and divides out,
 *            where it can land on one mechanism's separate run above.
 *   stream   one-way throughput, producer and consumer on different vCPUs,
 *            queue depth bounded by --depth (64). The consumer counts what
 *            it receives in shared memory; after a warm-up the parent
 *            samples that counter at the end of each of 10 windows of the
 *            measuring time, and the figure of one run is the median of the
 *            windows' rates.
 *   paired-stream  streaming likewise paired: every mechanism's producer
 *            and consumer started at once, and in each of 10 rounds each
 *            producer in turn sends for a fifth of the measuring time while
 *            the others wait; its consumer's counter is sampled over the
 *            last four fifths of the turn, and the ratios are taken within
 *            rounds as for paired-rtt.
 *   mpmc     2 producers and 2 consumers on one queue (one of each per
 *            vCPU), aggregate rate, for the mechanisms that allow it.
 *   pairs    1 producer/consumer pair on one vCPU against 2 pairs on
 *            separate queues, one pair per vCPU, paired: two queues of
 *            every mechanism and their pairs started at once, and in each
 *            of 20 rounds each mechanism in turn runs one pair and both
 *            (in either order), for a tenth of the measuring time each.
 *            The ratio of the aggregate rates within a round ("scale",
 *            ideally 2), median over the rounds, shows whether independent
 *            queues get in each other's way. A busy loop on each vCPU,
 *            measured the same way at the first size, shows how close to
 *            2 the host lets any work get.
 *   mem      kernel memory per queued message, at each size: a queue is
 *            filled with --mem-msgs messages (fewer when large, about 8 MiB
 *            at most) and the growth of the kernel memory that can hold
 *            them is divided by their count. That memory is the live slab
 *            objects (/proc/slabinfo, after flushing the per-CPU slabs
 *            through the shrink file of each cache in /sys/kernel/slab),
 *            plus the pages of kmallocs too large for a slab cache, plus
 *            vmalloc pages (both from /proc/meminfo).
 *   call     64 B request/reply calls, paired as paired-rtt is, with
 *            client and server on one vCPU and then on two: a msgbox call
 *            (msgbox_call(), the server answering with a held receive and
 *            msgbox_reply(), or with msgbox_reply_recv(), one SETTLE|RECV),
 *            msgbox send then receive, a POSIX mq request queue and reply
 *            queue, the futex floor, a D-Bus method call through a
 *            dbus-daemon started for it, and the RPC example's kv.x over
 *            msgbox, TCP and UDP loopback (examples/rpc, its kv-client
 *            timing one block per run). Every ratio between two of them is
 *            taken within rounds; a table of targets follows.
 *   call-threads  8 client threads against 1, calling one server process
 *            of 2 threads, one thread of each kind per vCPU in turn, paired
 *            as the pairs section is: calls per second and their ratio.
 *   held     64 B streaming across vCPUs where the consumer holds each
 *            message and settles it done, in two calls or in one
 *            SETTLE|RECV, against a plain receive and mq, paired.
 *
 * Beside every throughput (stream, paired-stream, mpmc, pairs) is the CPU
 * time each side spends per message: snd_cpu_us is the CPU time of the
 * producers (user and system, time polling in the kernel included) and
 * rcv_cpu_us that of the consumers, in microseconds, divided by the
 * messages received over the same interval. Where the parent samples the
 * consumers' counters it also asks the children for their CPU time, and
 * each answers after the call it is in with its own CPU clock
 * (CLOCK_PROCESS_CPUTIME_ID; another process's clock lags by up to a
 * scheduler tick while that process runs), so the time is that of the
 * measured interval, to within a call at each end: in stream and mpmc each
 * window gives a value and the run's figure is their median; in the paired
 * sections only the children working in the turn count, over the sampled
 * four fifths of it, and the run's figure is the median over the rounds. A side busy through the
 * whole interval costs about the interval over the messages, the wall time
 * per message (1e6 / msgs/s); less means it slept for the rest; mpmc's two
 * producers (consumers) together can reach twice that. In the pairs table
 * snd1_cpu and rcv1_cpu are those of the one pair, snd2_cpu and rcv2_cpu
 * those of both pairs together, per message of both. The round-trip tables
 * (rtt, paired-rtt) give likewise ini_cpu_us and rsp_cpu_us, the CPU us of
 * the initiator and of the responder per round trip: the initiator reads
 * its own CPU clock around each timed batch and asks the responder for its
 * CPU time, the median over the batches (rtt); in paired-rtt, where all
 * share one vCPU and the responder's clock is up to date whenever the
 * initiator runs, it reads both clocks around each block, the median over
 * the rounds. On one vCPU the two add up to about the round trip.
 *
 * --poll-ns sets msgbox's poll_ns for the run (and puts it back at exit),
 * so that a run with --poll-ns 0, where msgbox's blocking calls sleep at
 * once, can be set beside one with the default; the header and the
 * "BENCH module" line say what it was.
 *
 * Every figure is the median of --repeats runs (3), each on fresh queues, and
 * comes with its spread, (max - min) / median. Repeats are interleaved with
 * the mechanisms so that drift in the machine hits all of them alike. Each
 * figure is also given as a ratio to POSIX mq and to the futex floor of the
 * same size and placement ("x_mq", "x_futex"). Tables come first, then one
 * "BENCH ..." line per figure for scripts.
 *
 * The program is meant to run as root in a throw-away VM: it raises the
 * queue limits in /proc/sys (and puts them back on exit), lifts
 * RLIMIT_MSGQUEUE, mounts the mqueue file system on /dev/mqueue if nothing
 * is mounted there, and pins processes to CPUs. The call section runs
 * dbus-daemon, kv-server and kv-client from $PATH and brings the loopback
 * interface up. Mechanisms that cannot be set up (no /dev/msgbox, no
 * dbus-daemon, say) are reported and left out.
 */
#include "call.h"

static const char *const section_names[NSEC] = {
	"syscall", "rtt", "paired-rtt", "stream", "paired-stream", "mpmc",
	"pairs", "mem", "call", "call-threads", "held",
};

struct bench_opts opt;

static void usage(FILE *f)
{
	int m;

	fprintf(f,
		"usage: msgbox-bench [--quick] [options]\n"
		"  -q, --quick           short smoke run (also MSGBOX_BENCH_QUICK=1)\n"
		"  -m, --mech=LIST       mechanisms, comma-separated (default all)\n"
		"  -s, --sizes=LIST      message sizes, e.g. 64,4k,64k (default)\n"
		"  -S, --sections=LIST   syscall,rtt,paired-rtt,stream,paired-stream,mpmc,\n"
		"                        pairs,mem,call,call-threads,held (default all)\n"
		"  -r, --repeats=N       runs per figure (default 3)\n"
		"  -t, --time=SECS       measuring time per run (default 0.5, quick 0.1)\n"
		"  -w, --warmup=SECS     warm-up per run (default 0.1, quick 0.03)\n"
		"  -d, --depth=N         queue depth for streaming (default 64)\n"
		"  -k, --mem-msgs=N      messages queued by the mem section (default 1000)\n"
		"  -P, --poll-ns=NS      set msgbox's poll_ns module parameter for the run\n"
		"                        (0: blocking calls never poll); put back at exit\n"
		"  -h, --help\n"
		"Throughput tables also give snd_cpu_us and rcv_cpu_us (pairs: snd1_cpu,\n"
		"rcv1_cpu for one pair, snd2_cpu, rcv2_cpu for two): CPU microseconds\n"
		"(user + system, polling included) of the producers and of the consumers\n"
		"per message received, over the measured interval only; a side busy all\n"
		"of it costs about 1e6 / msgs/s. BENCH lines: send_cpu_us, recv_cpu_us\n"
		"(pairs: one_pair_ and two_pairs_ before them). Round-trip tables give\n"
		"ini_cpu_us and rsp_cpu_us, the CPU us of the initiator and of the\n"
		"responder per round trip (BENCH: initiator_cpu_us, responder_cpu_us).\n"
		"mechanisms:");
	for (m = 0; m < NMECH; m++)
		fprintf(f, " %s", mechs[m].name);
	fprintf(f, "\n");
}

static int parse_list(const char *arg, const char *const *names, int n,
		      unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int i, found;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(tok, names[i])) {
				*mask |= 1U << i;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "msgbox-bench: unknown name '%s'\n", tok);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static int parse_sizes(const char *arg)
{
	const char *p = arg;
	char *end;
	unsigned long v;

	opt.nsizes = 0;
	while (*p) {
		v = strtoul(p, &end, 10);
		if (end == p)
			return -1;
		if (*end == 'k' || *end == 'K') {
			v *= 1024;
			end++;
		}
		if (v < 1 || v > (1UL << 20) || opt.nsizes == MAX_SIZES)
			return -1;
		opt.sizes[opt.nsizes++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return opt.nsizes ? 0 : -1;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "mech", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "sections", required_argument, NULL, 'S' },
		{ "repeats", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "depth", required_argument, NULL, 'd' },
		{ "mem-msgs", required_argument, NULL, 'k' },
		{ "poll-ns", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mech_names[NMECH];
	const char *env = getenv("MSGBOX_BENCH_QUICK");
	double t = -1, w = -1;
	char *end;
	int c, m;

	for (m = 0; m < NMECH; m++)
		mech_names[m] = mechs[m].name;
	opt.quick = env && *env && strcmp(env, "0");
	opt.repeats = 3;
	opt.depth = 64;
	opt.mem_msgs = 1000;
	opt.poll_ns = -1;
	opt.mechs = (1U << NMECH) - 1;
	opt.sections = (1U << NSEC) - 1;
	opt.sizes[0] = 64;
	opt.sizes[1] = 4096;
	opt.sizes[2] = 65536;
	opt.nsizes = 3;

	while ((c = getopt_long(argc, argv, "qm:s:S:r:t:w:d:k:P:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = 1;
			break;
		case 'm':
			if (parse_list(optarg, mech_names, NMECH, &opt.mechs))
				exit(2);
			break;
		case 's':
			if (parse_sizes(optarg)) {
				fprintf(stderr, "msgbox-bench: bad --sizes '%s'\n", optarg);
				exit(2);
			}
			break;
		case 'S':
			if (parse_list(optarg, section_names, NSEC, &opt.sections))
				exit(2);
			break;
		case 'r':
			opt.repeats = atoi(optarg);
			break;
		case 't':
			t = atof(optarg);
			break;
		case 'w':
			w = atof(optarg);
			break;
		case 'd':
			opt.depth = (unsigned int)atoi(optarg);
			break;
		case 'k':
			opt.mem_msgs = (unsigned int)atoi(optarg);
			break;
		case 'P':
			opt.poll_ns = strtol(optarg, &end, 10);
			if (end == optarg || *end || opt.poll_ns < 0 ||
			    opt.poll_ns > 1000000) {
				fprintf(stderr, "msgbox-bench: --poll-ns 0..1000000\n");
				exit(2);
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
	opt.measure = t > 0 ? t : opt.quick ? 0.1 : 0.5;
	opt.warmup = w >= 0 ? w : opt.quick ? 0.03 : 0.1;
	if (opt.repeats < 1 || opt.repeats > MAX_REPEATS || opt.depth < 1 ||
	    opt.depth > 65536 || opt.mem_msgs < 1 || opt.mem_msgs > 65536) {
		fprintf(stderr, "msgbox-bench: --repeats 1..%d, --depth and "
			"--mem-msgs 1..65536\n", MAX_REPEATS);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static void (*const run[NSEC])(void) = {
		section_syscall, section_rtt, section_paired, section_stream,
		section_pstream, section_mpmc, section_pairs, section_mem,
		section_call, section_call_threads, section_held,
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	double start = now(), t;
	int s;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0)
		fprintf(stderr, "msgbox-bench: note: not root; queue limits "
			"cannot be raised and some runs may fail\n");

	/* No SA_RESTART: the alarm interrupts a waitpid() that hangs. */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	atexit(tunables_restore);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("msgbox-bench: mmap");
		return 1;
	}
	pick_cpus();
	setup_limits();
	probe_mechs();
	cm_probe();
	print_header();
	if (opt.sections & ((1U << SEC_CALL) | (1U << SEC_CALL_THREADS)))
		print_call_header();

	for (s = 0; s < NSEC; s++)
		if (opt.sections & (1U << s)) {
			t = now();
			run[s]();
			progress("%s: %.1f s", section_names[s], now() - t);
		}

	if (opt.sections & (1U << SEC_SYSCALL)) {
		char a[32], b[32], c[32];

		printf("\n== Null system call, syscall(SYS_getppid) ==\n");
		printf("median %s us, spread %s, runs %s\n",
		       fmt(a, sizeof(a), fig_median(&syscall_fig), 3, 0),
		       fmt_pct(b, sizeof(b), fig_spread(&syscall_fig)),
		       fmt_runs(c, sizeof(c), &syscall_fig));
	}
	if (opt.sections & (1U << SEC_RTT)) {
		print_rtt(0);
		print_rtt(1);
	}
	if (opt.sections & (1U << SEC_PAIRED))
		print_paired("Round-trip latency, both processes on one vCPU (us)",
			     "median_us", paired_fig, MC_NORTT, paired_cpu_fig,
			     "ini_cpu_us", "rsp_cpu_us");
	if (opt.sections & (1U << SEC_STREAM))
		print_rate("One-way streaming, producer and consumer on different "
			   "vCPUs", stream_fig, 0, stream_fig, stream_cpu_fig);
	if (opt.sections & (1U << SEC_PSTREAM))
		print_paired("One-way streaming, producer and consumer on different "
			     "vCPUs (msgs/s)", "msgs/s", pstream_fig, MC_RTTONLY,
			     pstream_cpu_fig, "snd_cpu_us", "rcv_cpu_us");
	if (opt.sections & (1U << SEC_MPMC))
		print_rate("2 producers x 2 consumers on one queue, aggregate",
			   mpmc_fig, MC_MPMC, stream_fig, mpmc_cpu_fig);
	if (opt.sections & (1U << SEC_PAIRS))
		print_pairs();
	if (opt.sections & (1U << SEC_MEM))
		print_mem();
	if (opt.sections & (1U << SEC_CALL))
		print_call();
	if (opt.sections & (1U << SEC_CALL_THREADS))
		print_call_threads();
	if (opt.sections & (1U << SEC_HELD))
		print_held();
	print_bench_lines();
	if (opt.sections & (1U << SEC_CALL))
		call_bench_lines();
	if (opt.sections & (1U << SEC_CALL_THREADS))
		call_threads_bench_lines();
	if (opt.sections & (1U << SEC_HELD))
		held_bench_lines();
	printf("BENCH done elapsed_s=%.1f\n", now() - start);
	return 0;
}
