// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_fuzz - seeded randomized fuzzer of the /dev/msgbox ioctls.
 *
 * DOC: model
 *
 * Forked workers issue random calls on a small table of descriptors of
 * /dev/msgbox (unbound, bound to named mailboxes, ports, destroyed ones),
 * all opened O_NONBLOCK so that nothing blocks. Most calls are msgbox
 * ioctls with argument structures built around valid values and then
 * broken one way or another: sizes below, at and above the known one with
 * zero or non-zero tails, unknown flags and reserved fields, names valid
 * and invalid, lengths and priorities at their limits, and pointers that
 * are NULL, unmapped, kernel addresses, misaligned, read-only, or straddle
 * into a PROT_NONE page. Receives hold (MSGBOX_RECV_HOLD, hold timeouts
 * included), and MSGBOX_IOC_SETTLE names mostly ids the worker received,
 * on the descriptor it received them on or another, with or without a
 * reply, a release, or a SETTLE|RECV whose receive structure is broken as
 * the others are. MSGBOX_IOC_CALL goes to the bound mailbox or a peer's
 * port; since a queued call waits for its reply whatever O_NONBLOCK says,
 * a timer signal ends the wait a few milliseconds on. The rest are unknown
 * ioctl numbers (msgbox's magic and others), open/dup/close, destroy by
 * name, poll, read/write on the device, reads of /proc/driver/msgbox, as
 * root writes to the fault injection file in debugfs, and short-lived
 * processes that call or serve a shared mailbox and are killed at a
 * random moment.
 *
 * Worker 0 runs as root; the others drop to nobody (per-user quotas then
 * bound the memory they can pin), and worker 1 also enters a new user
 * namespace. Each worker's calls follow from --seed and its number alone,
 * given the same kernel answers.
 *
 * What fails the run is a worker that crashes or makes no progress for
 * 60 seconds (a call that hangs); errno values are only counted. Kernel
 * reports (KASAN, lockdep, UBSAN, WARN) are caught by whoever runs this
 * under a debug kernel (scripts/debug/check-debug.sh).
 */
#include "fuzz.h"

struct wstate *W;
unsigned int opt_workers = 2, opt_seconds;
uint64_t opt_calls = 1000000, opt_seed;
int opt_verbose;

/* xorshift64*, one per worker, from --seed and the worker number. */
uint64_t rs;

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--calls N] [--seed S] [--workers N] [--seconds N] [--verbose]\n"
		"Randomized, seeded fuzzing of the /dev/msgbox ioctls; fails only when a\n"
		"worker crashes or hangs. Prints the seed, calls/s and errno counts.\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "calls", 1, NULL, 'n' }, { "seed", 1, NULL, 's' },
		{ "workers", 1, NULL, 'w' }, { "seconds", 1, NULL, 't' },
		{ "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t last[MAX_WORKERS] = { 0 }, total, ioctls, ok, e[MAX_ERRNO + 1] = { 0 };
	double start, lastmove[MAX_WORKERS], next_print, t, deadline = 0, hung = 0;
	int o, status, alive, failed = 0;
	unsigned int w, i;
	long slab;
	pid_t pid;

	opt_seed = (uint64_t)time(NULL);
	while ((o = getopt_long(argc, argv, "n:s:w:t:vh", lo, NULL)) != -1) {
		switch (o) {
		case 'n': opt_calls = strtoull(optarg, NULL, 0); break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); break;
		case 'w': opt_workers = strtoul(optarg, NULL, 0); break;
		case 't': opt_seconds = strtoul(optarg, NULL, 0); break;
		case 'v': opt_verbose = 1; break;
		default: usage(argv[0]);
		}
	}
	if (!opt_workers || opt_workers > MAX_WORKERS || !opt_calls)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	o = open(MSGBOX_DEVICE, O_RDWR);
	if (o < 0) {
		printf("1..0 # SKIP %s: %s\n", MSGBOX_DEVICE, strerror(errno));
		return 4;
	}
	close(o);

	W = mmap(NULL, sizeof(*W) * MAX_WORKERS, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (W == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("# msgbox_fuzz: seed %llu, %u workers, %llu calls%s\n",
	       (unsigned long long)opt_seed, opt_workers,
	       (unsigned long long)opt_calls, opt_seconds ? " at most" : "");
	if (opt_seconds)
		printf("# msgbox_fuzz: stopping after %u s at the latest\n", opt_seconds);

	slab = meminfo_kb("Slab");
	start = now_s();
	if (opt_seconds)
		deadline = start + opt_seconds;
		/* Likely pids of the workers, to send to each other's ports. */
	for (w = 0; w < opt_workers; w++)
		peers[w] = getpid() + 1 + w;
	for (w = 0; w < opt_workers; w++) {
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			worker(w, opt_calls / opt_workers +
			       (w < opt_calls % opt_workers), deadline);
		W[w].pid = pid;
		lastmove[w] = start;
	}

	next_print = start + 60;
	for (alive = opt_workers; alive;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (w = 0; w < opt_workers; w++)
				if (W[w].pid == pid)
					break;
			if (w == opt_workers)
				continue;
			alive--;
			W[w].pid = 0;
			if (WIFSIGNALED(status) || WEXITSTATUS(status) || !W[w].done) {
				failed = 1;
				printf("# worker %u died (%s %d) after %llu calls; last: %s\n",
				       w, WIFSIGNALED(status) ? "signal" : "status",
				       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				       (unsigned long long)W[w].calls, W[w].last);
			}
		}
		t = now_s();
		for (w = 0; w < opt_workers; w++) {
			uint64_t n = __atomic_load_n(&W[w].calls, __ATOMIC_RELAXED);

			if (!W[w].pid)
				continue;
			if (n != last[w]) {
				last[w] = n;
				lastmove[w] = t;
			} else if (t - lastmove[w] > HANG_SECONDS) {
				failed = 1;
				printf("# worker %u made no progress for %d s after %llu calls; "
				       "stuck in: %s\n", w, HANG_SECONDS,
				       (unsigned long long)n, W[w].last);
				kill(W[w].pid, SIGKILL);
				lastmove[w] = t + 3600;
				hung = t;
			}
		}
		if (t >= next_print) {
			for (total = 0, w = 0; w < opt_workers; w++)
				total += W[w].calls;
			printf("# msgbox_fuzz: %llu calls after %.0f s (%.0f/s)\n",
			       (unsigned long long)total, t - start, total / (t - start));
			next_print = t + 60;
		}
		/* A worker stuck in the kernel may not even die of SIGKILL. */
		if (hung && t - hung > 10) {
			printf("# a hung worker did not die; giving up on it\n");
			break;
		}
		usleep(100000);
	}
	t = now_s() - start;

	for (total = ioctls = ok = 0, w = 0; w < opt_workers; w++) {
		total += W[w].calls;
		ioctls += W[w].ioctls;
		ok += W[w].ok;
		for (i = 0; i <= MAX_ERRNO; i++)
			e[i] += W[w].err[i];
	}
	printf("# msgbox_fuzz: seed %llu: %llu calls (%llu ioctls) in %.1f s, %.0f calls/s\n",
	       (unsigned long long)opt_seed, (unsigned long long)total,
	       (unsigned long long)ioctls, t, total / (t > 0 ? t : 1));
	printf("# results: %llu succeeded", (unsigned long long)ok);
	for (i = 1; i <= MAX_ERRNO; i++)
		if (e[i])
			printf(", %s %llu", i == MAX_ERRNO ? "other" : strerrorname_np(i) ?
			       strerrorname_np(i) : "?", (unsigned long long)e[i]);
	printf("\n");
	/* For the record: kmemleak and the stress test judge memory. */
	printf("# slab: %ld kB before, %ld kB after\n", slab,
	       meminfo_kb("Slab"));
	printf("# fuzz: %llu calls, %.1f seconds\n", (unsigned long long)total, t);
	printf("1..1\n");
	printf("%sok 1 fuzz: %llu calls, seed %llu, no worker crashed or hung\n",
	       failed ? "not " : "", (unsigned long long)total,
	       (unsigned long long)opt_seed);
	return failed;
}
