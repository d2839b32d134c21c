// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress: what every worker and the conductor use: failure
 * reports, random numbers, signals, failslab, building and checking
 * messages' bodies, opening named mailboxes by generation.
 */
#include "stress.h"

/* Report a failure: counted by the caller, the first few printed. */
void report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (__atomic_fetch_add(&S->nerrlog, 1, __ATOMIC_RELAXED) >= MAX_ERRLOG)
		return;
	n = snprintf(buf, sizeof(buf), "# [%d] ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	if (write(2, buf, strlen(buf)) < 0)
		return;
}

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

uint32_t rndn(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* splitmix64 of seed, worker and incarnation: distinct seeds, distinct runs. */
void rng_init(struct rng *r, uint64_t a, uint64_t b)
{
	uint64_t x = opt_seed + 0x9E3779B97F4A7C15ULL * (a + 1) + (b << 40);

	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	r->s = (x ^ (x >> 31)) | 1;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct timespec ms_ts(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return ts;
}

/* --- Signals --------------------------------------------------------- */

volatile sig_atomic_t got_stop;

static void on_usr1(int sig)
{
	(void)sig;
}

static void on_usr2(int sig)
{
	(void)sig;
	got_stop = 1;
}

/*
 * The conductor keeps SIGUSR1 and SIGUSR2 blocked, so a new worker cannot
 * die of one sent before its handlers are in place; it unblocks them here.
 */
void block_usr(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(how, &set, NULL);
}

void worker_signals(int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	block_usr(SIG_UNBLOCK);
}

/* --- Failslab ---------------------------------------------------------- */

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int failslab_setup(unsigned int percent)
{
	char p[16];

	snprintf(p, sizeof(p), "%u", percent);
	if (write_file(FAILSLAB "/task-filter", "Y") ||
	    write_file(FAILSLAB "/ignore-gfp-wait", "N") ||
	    write_file(FAILSLAB "/interval", "1") ||
	    write_file(FAILSLAB "/times", "-1") ||
	    write_file(FAILSLAB "/space", "0") ||
	    write_file(FAILSLAB "/verbose", "0") ||
	    write_file(FAILSLAB "/probability", p))
		return -1;
	return 0;
}

void failslab_off(void)
{
	write_file(FAILSLAB "/probability", "0");
	write_file(FAILSLAB "/task-filter", "N");
}

/*
 * Make the calling worker's kernel allocations fail at random. Its memory
 * is faulted in and locked first, so that the failures hit msgbox calls
 * rather than page faults.
 */
void failslab_enter(void)
{
	char stack[64 * 1024];

	memset(stack, 0, sizeof(stack));
	__asm__ volatile("" : : "r"(stack) : "memory");
	mlockall(MCL_CURRENT | MCL_FUTURE);
	write_file("/proc/self/make-it-fail", "1");
}

/* --- Messages -------------------------------------------------------- */

static void fill_body(uint8_t *p, size_t n, uint32_t gid)
{
	uint64_t x = gid * 0x9E3779B97F4A7C15ULL + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7)) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		p[i] = (uint8_t)(x >> ((i & 7) * 8));
	}
}

void build_msg(uint8_t *buf, uint32_t len, uint32_t gid)
{
	struct hdr h;

	fill_body(buf + sizeof(h), len - sizeof(h), gid);
	memset(&h, 0, sizeof(h));
	h.magic = HDR_MAGIC;
	h.gid = gid;
	h.stream = S->msgs[gid].stream;
	h.seq = S->msgs[gid].seq;
	h.len = len;
	h.crc = msgbox_crc32c(buf + sizeof(h), len - sizeof(h));
	h.prio = prios[S->streams[h.stream].prio_idx];
	memcpy(buf, &h, sizeof(h));
}

uint32_t pick_size(struct rng *r, uint32_t max)
{
	uint32_t lo = sizeof(struct hdr), hi, k = rndn(r, 100);

	if (k < 60)
		hi = 256;
	else if (k < 92)
		hi = 4096;
	else
		hi = max;
	if (hi > max)
		hi = max;
	return lo + rndn(r, hi - lo + 1);
}

/* --- Opening named mailboxes by generation ----------------------------- */

/*
 * Open @d's current mailbox with @oflags and learn its generation. Returns
 * the fd, or -1 when told to stop first.
 */
int open_named(struct worker *me, int d, int oflags, uint32_t *gen)
{
	struct dest *ds = &S->dests[d];
	uint32_t g1, g2;
	int fd;

	for (;;) {
		g1 = load(&ds->gen);
		fd = msgbox_open(ds->name, oflags, NULL);
		g2 = load(&ds->gen);
		if (fd >= 0 && g1 == g2) {
			*gen = g1;
			return fd;
		}
		if (fd >= 0) {
			close(fd);
		} else if (fd == -ENOMEM && me->failslab) {
			inc(open_enomem);
		} else if (fd != -ENOENT && fd != -EINTR) {
			inc(bad_open);
			report("open %s: %s", ds->name, strerror(-fd));
		}
		if (got_stop || load(&S->stop_send) > 1)
			return -1;
		sleep_ms(1);
	}
}
