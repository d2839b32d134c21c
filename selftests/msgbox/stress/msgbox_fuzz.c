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
 * into a PROT_NONE page. The rest are unknown ioctl numbers (msgbox's magic
 * and others), open/dup/close, destroy by name, poll, read/write on the
 * device, reads of /proc/driver/msgbox and, as root, writes to the fault
 * injection file in debugfs.
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
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "msgbox.h"
#include "stress_util.h"

#define MAX_WORKERS	8
#define NFDS		16
#define NNAMES		8
#define MAX_ERRNO	134
#define PAGE		4096UL
#define DATA_SIZE	(2UL << 20)		/* payloads and receive buffers */
#define ENTRIES_SIZE	(1UL << 20)		/* batch entries, then PROT_NONE */
#define SCRATCH_SIZE	(16 * PAGE)		/* argument structures */
#define HANG_SECONDS	60

#define FAULTS_FILE	"/sys/kernel/debug/msgbox/faults"
#define PROC_FILE	"/proc/driver/msgbox"

/* Per worker, in shared memory: progress and what it is doing. */
struct wstate {
	uint64_t calls;
	uint64_t ioctls;
	uint64_t ok;
	uint64_t err[MAX_ERRNO + 1];	/* last slot: anything larger */
	char last[160];			/* the call in progress */
	pid_t pid;
	int done;
};

static struct wstate *W;
static unsigned int opt_workers = 2, opt_seconds;
static uint64_t opt_calls = 1000000, opt_seed;
static int opt_verbose;

/* xorshift64*, one per worker, from --seed and the worker number. */
static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545F4914F6CDD1DULL;
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* True with probability @pct percent. */
static int chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* Memory the worker points the kernel at. */
static uint8_t *data;		/* DATA_SIZE, random bytes */
static uint8_t *rodata;		/* 4 pages, read-only */
static uint8_t *entries;	/* ENTRIES_SIZE, then a PROT_NONE page */
static uint8_t *scratch;	/* SCRATCH_SIZE, then a PROT_NONE page */
static uint8_t *edge;		/* last page before a PROT_NONE page */
static uint8_t *unmapped;	/* was mapped, no longer is */

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		_exit(3);
	}
	return p;
}

/*
 * @len readable-writable bytes between two PROT_NONE pages: whatever the
 * kernel copies past either end faults instead of landing in another
 * mapping of ours.
 */
static uint8_t *map_guarded(size_t len)
{
	uint8_t *p = map(len + 2 * PAGE, PROT_READ | PROT_WRITE);

	mprotect(p, PAGE, PROT_NONE);
	mprotect(p + PAGE + len, PAGE, PROT_NONE);
	return p + PAGE;
}

static void arena_init(void)
{
	uint8_t *hole;
	size_t i;

	data = map_guarded(DATA_SIZE);
	for (i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = rnd();

		memcpy(data + i, &v, 8);
	}
	rodata = map_guarded(4 * PAGE);
	memset(rodata, 0x5a, 4 * PAGE);
	mprotect(rodata, 4 * PAGE, PROT_READ);
	entries = map_guarded(ENTRIES_SIZE);
	scratch = map_guarded(SCRATCH_SIZE);
	edge = scratch + SCRATCH_SIZE - PAGE;
	/* A hole between two PROT_NONE pages stays a hole. */
	hole = map_guarded(PAGE);
	munmap(hole, PAGE);
	unmapped = hole;
}

/* --- Interesting values ----------------------------------------------- */

static uint32_t r32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 7, 8, 63, 64, 255, 256, 4095, 4096, 4097, 65535, 65536,
		1U << 20, (1U << 20) + 1, 1U << 24, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};

	switch (rn(4)) {
	case 0:
		return v[rn(sizeof(v) / sizeof(v[0]))];
	case 1:
		return (uint32_t)rnd();
	default:
		return rn(300);
	}
}

static uint64_t r64(void)
{
	switch (rn(4)) {
	case 0:
		return (uint64_t)-1;
	case 1:
		return rnd();
	case 2:
		return 1ULL << rn(64);
	default:
		return r32();
	}
}

/*
 * A pointer for the kernel to read @len bytes from (@out: or write them
 * to). Mostly inside the arena, else something it must refuse gracefully.
 */
static uint64_t rptr(size_t len, int out, int valid_pct)
{
	static const uint64_t kernel[] = {
		0xffffffff81000000ULL, 0xffff888000000000ULL,
		0xffffffffff600000ULL, 0xffffc90000000000ULL,
		0x8000000000000000ULL, 0x00007ffffffff000ULL,
		0xfffffffffffff000ULL, 0xffffffffffffffffULL,
	};
	size_t off;

	if (chance(valid_pct)) {
		if (len > DATA_SIZE)
			len = DATA_SIZE;
		off = rn((uint32_t)(DATA_SIZE - len + 1));
		if (chance(70))
			off &= ~7UL;
		return (uint64_t)(uintptr_t)(data + off);
	}
	switch (rn(9)) {
	case 0:
		return 0;
	case 1:
		return 1 + rn(PAGE - 1);
	case 2:
		return (uint64_t)(uintptr_t)unmapped + rn(PAGE);
	case 3:
		return kernel[rn(sizeof(kernel) / sizeof(kernel[0]))];
	case 4:
		/* Runs into the PROT_NONE page after scratch. */
		return (uint64_t)(uintptr_t)(scratch + SCRATCH_SIZE - 1 -
					     rn(len < PAGE ? (uint32_t)len + 1 : PAGE));
	case 5:
		/* Read-only: fine to read from, a fault to write to. */
		return (uint64_t)(uintptr_t)(rodata + rn(out ? 4 * PAGE : PAGE));
	case 6:
		return (uint64_t)(uintptr_t)(data + 1 + rn(7));
	case 7:
		return (uint64_t)(uintptr_t)(data + DATA_SIZE - rn(64));
	default:
		return rnd();
	}
}

/* --- Names ---------------------------------------------------------- */

static int wid;		/* worker number */

static char names[NNAMES + 12][300];
static unsigned int nnames;

static void names_init(void)
{
	unsigned int i;

	for (i = 0; i < NNAMES; i++) {
		if (i < 2)
			snprintf(names[nnames++], 300, "fz-shared-%u", i);
		else
			snprintf(names[nnames++], 300, "fz%d-%u", wid, i);
	}
	strcpy(names[nnames++], "");
	strcpy(names[nnames++], ".");
	strcpy(names[nnames++], "..");
	strcpy(names[nnames++], "fz/slash");
	strcpy(names[nnames++], "fz space");
	strcpy(names[nnames++], "fz\x7f" "del");
	strcpy(names[nnames++], "fz\x01" "ctl");
	strcpy(names[nnames++], "\xff\xfe\x80high");
	memset(names[nnames], 'n', 255);
	names[nnames++][255] = 0;			/* longest valid */
	memset(names[nnames], 'n', 256);
	names[nnames++][256] = 0;			/* one too long */
	memset(names[nnames], 'x', 299);
	names[nnames++][299] = 0;
	strcpy(names[nnames++], "fz..dots");
}

/* The first NNAMES names are valid; the rest are not. */
static const char *valid_name(void)
{
	return names[rn(NNAMES)];
}

static uint64_t rname(void)
{
	size_t n;

	if (chance(80))
		return (uint64_t)(uintptr_t)(chance(85) ? valid_name() :
					     names[rn(nnames)]);
	if (chance(50)) {
		/* A name without its NUL, ending at the PROT_NONE page. */
		n = 1 + rn(300);
		memset(edge + PAGE - n, 'q', n);
		return (uint64_t)(uintptr_t)(edge + PAGE - n);
	}
	return rptr(256, 0, 0);
}

/* --- Descriptors ----------------------------------------------------- */

static int fds[NFDS];
static int other_fd = -1;	/* not a msgbox file */
static pid_t peers[MAX_WORKERS];

static int open_dev(void)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR, 3 };

	return open(MSGBOX_DEVICE, acc[rn(5)] | O_NONBLOCK |
		    (chance(20) ? O_CLOEXEC : 0));
}

static int pick_fd(void)
{
	int i = rn(NFDS);

	if (chance(2))
		return other_fd;
	if (chance(1))
		return -1;
	if (fds[i] < 0)
		fds[i] = open_dev();
	return fds[i];
}

static pid_t rpid(void)
{
	switch (rn(6)) {
	case 0:
		return getpid();
	case 1:
		return getppid();
	case 2:
		return peers[rn(opt_workers)];
	case 3:
		return (pid_t)r32();
	case 4:
		return 0;
	default:
		return 1 + rn(400);
	}
}

/* --- Argument structures --------------------------------------------- */

/*
 * Choose the size field of a structure whose current size is @cur and
 * first published size @ver0; @buf, with @room bytes writable, gets a zero
 * or non-zero tail accordingly.
 */
static uint32_t rsize(uint8_t *buf, uint32_t room, uint32_t cur, uint32_t ver0)
{
	uint32_t sz, at;
	int k = rn(100);

	if (k < 75)
		return cur;
	if (k < 80)
		return ver0;
	if (k < 87)
		return rn(ver0);
	if (k < 97) {
		sz = cur + 1 + rn(4096 - cur);
		at = cur + rn(sz - cur);
		if (chance(50) && at < room)
			buf[at] = (uint8_t)(1 + rn(255));
		return sz;
	}
	return chance(50) ? 4097 + rn(100000) : r32();
}

static uint32_t rprio(void)
{
	return chance(90) ? rn(8) : chance(50) ? MSGBOX_PRIO_MAX - 1 + rn(3) : r32();
}

static uint32_t rlen(void)
{
	uint32_t k = rn(100);

	if (k < 40)
		return rn(65);
	if (k < 80)
		return rn(4097);
	if (k < 95)
		return rn(65537);
	if (k < 99)
		return rn((1U << 20) + 2);
	return r32();
}

static uint64_t rdeadline(void)
{
	struct timespec ts;

	switch (rn(4)) {
	case 0:
		return 0;
	case 1:
		return r64();
	default:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
		       (rn(2) ? rn(1000000) : 0);
	}
}

static uint32_t rflags(uint32_t valid)
{
	if (chance(75))
		return (uint32_t)rnd() & valid;
	if (chance(50))
		return 1U << rn(32);
	return (uint32_t)rnd();
}

static void fill_send(struct msgbox_send_args *a)
{
	uint64_t buf;

	a->flags = rflags(MSGBOX_SEND_FLAGS);
	a->len = rlen();
	buf = rptr(a->len, 0, 92);
	a->buf = buf;
	a->prio = rprio();
	a->deadline_ns = rdeadline();
	a->key = chance(50) ? rn(16) : r64();
	a->pid = rpid();
	if ((a->flags & MSGBOX_SEND_CSUM) && chance(70) && a->len <= DATA_SIZE &&
	    buf >= (uint64_t)(uintptr_t)data &&
	    buf - (uint64_t)(uintptr_t)data <= DATA_SIZE - a->len)
		a->csum = msgbox_crc32c((void *)(uintptr_t)buf, a->len);
	else
		a->csum = (uint32_t)rnd();
	a->id = r64();
	a->result = chance(90) ? 0 : r32();
	a->__reserved = chance(95) ? 0 : r32();
}

static void fill_recv(struct msgbox_recv_args *a)
{
	a->flags = rflags(MSGBOX_RECV_FLAGS);
	a->buf_len = chance(80) ? rlen() : r32();
	a->buf = rptr(a->buf_len, 1, 90);
	a->len = r32();
	a->deadline_ns = rdeadline();
	a->from_pid = rpid();
	a->prio = r32();
	a->id = r64();
	a->__reserved = chance(95) ? 0 : r32();
}

/*
 * Build the argument of @nr in scratch and return the pointer to pass,
 * which is usually it. @desc gets a short description.
 */
static uint64_t build(unsigned int nr, char *desc, size_t dlen)
{
	uint8_t *p = scratch + SCRATCH_SIZE - 2 * PAGE - 4096 - 64;
	uint32_t sz = 0, i;

	memset(p, 0, 4096 + 64);
	switch (nr) {
	case 1: {
		struct msgbox_open_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_OPEN_SIZE_VER0);
		a->flags = rflags(MSGBOX_OPEN_FLAGS);
		if (chance(60))
			a->flags |= MSGBOX_OPEN_CREATE;
		a->name = (a->flags & MSGBOX_OPEN_PORT) && chance(70) ? 0 : rname();
		a->capacity = chance(80) ? rn(65) : r32();
		a->max_msg_size = chance(80) ? rn(70000) : r32();
		a->mode = chance(80) ? 0600 | (chance(50) ? 0066 : 0) : r32();
		/*
		 * Root has no quota: keep what its mailboxes may pin within
		 * reach of a small VM; invalid limits still go through.
		 */
		if (!wid && a->capacity <= 65536 && a->max_msg_size <= (16U << 20) &&
		    (uint64_t)a->capacity * a->max_msg_size > (32U << 20))
			a->capacity = (32U << 20) / a->max_msg_size;
		a->__reserved = chance(95) ? 0 : r32();
		a->size = sz;
		snprintf(desc, dlen, "OPEN size %u flags %#x cap %u max %u", sz,
			 a->flags, a->capacity, a->max_msg_size);
		break;
	}
	case 2: {
		struct msgbox_destroy_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_DESTROY_SIZE_VER0);
		a->flags = rflags(MSGBOX_DESTROY_FLAGS);
		a->name = (a->flags & MSGBOX_DESTROY_BOUND) && chance(70) ? 0 : rname();
		a->size = sz;
		snprintf(desc, dlen, "DESTROY size %u flags %#x", sz, a->flags);
		break;
	}
	case 3: {
		struct msgbox_send_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_SEND_SIZE_VER0);
		fill_send(a);
		a->size = sz;
		snprintf(desc, dlen, "SEND size %u flags %#x len %u prio %u pid %d",
			 sz, a->flags, a->len, a->prio, a->pid);
		break;
	}
	case 4: {
		struct msgbox_recv_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_RECV_SIZE_VER0);
		fill_recv(a);
		a->size = sz;
		snprintf(desc, dlen, "RECV size %u flags %#x buf_len %u from %d",
			 sz, a->flags, a->buf_len, a->from_pid);
		break;
	}
	case 5: {
		struct msgbox_stat_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_STAT_SIZE_VER0);
		a->flags = chance(90) ? 0 : rflags(0xffffffff);
		a->size = sz;
		snprintf(desc, dlen, "STAT size %u flags %#x", sz, a->flags);
		break;
	}
	case 6: {
		struct msgbox_notify_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_NOTIFY_SIZE_VER0);
		a->flags = rflags(MSGBOX_NOTIFY_FLAGS);
		/* Never SIGKILL or SIGSTOP to ourselves; the rest is ignored. */
		do {
			a->signo = chance(90) ? (int32_t)rn(70) : (int32_t)r32();
		} while (a->signo == SIGKILL || a->signo == SIGSTOP);
		a->__reserved = chance(95) ? 0 : r32();
		a->value = r64();
		a->size = sz;
		snprintf(desc, dlen, "NOTIFY size %u flags %#x signo %d", sz,
			 a->flags, a->signo);
		break;
	}
	case 7:
	case 8: {
		struct msgbox_batch_args *a = (void *)p;
		uint32_t esz, cur = nr == 7 ? sizeof(struct msgbox_send_args) :
					      sizeof(struct msgbox_recv_args);
		uint8_t *e;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_BATCH_SIZE_VER0);
		a->flags = rflags(MSGBOX_BATCH_FLAGS);
		a->count = chance(80) ? rn(17) : chance(80) ? rn(MSGBOX_BATCH_MAX + 2) : r32();
		esz = chance(80) ? cur : chance(50) ? cur + 8 * rn(64) : r32() % (PAGE + 64);
		a->entry_size = esz;
		/* Place the array so that a long one runs into PROT_NONE. */
		if (esz && a->count && (uint64_t)esz * a->count < ENTRIES_SIZE && chance(80))
			e = entries + ENTRIES_SIZE - (uint64_t)esz * a->count;
		else
			e = entries + 8 * rn(64);
		if (esz >= 16) {
			for (i = 0; i < a->count && e + (uint64_t)(i + 1) * esz <=
				    entries + ENTRIES_SIZE && i < 64; i++) {
				uint8_t *ent = e + (uint64_t)i * esz;
				union {
					struct msgbox_send_args s;
					struct msgbox_recv_args r;
				} u;
				uint32_t esize;

				/* Entries may be misaligned: build, then copy. */
				memset(&u, 0, sizeof(u));
				if (nr == 7)
					fill_send(&u.s);
				else
					fill_recv(&u.r);
				memset(ent, 0, esz);
				memcpy(ent, &u, esz < cur ? esz : cur);
				esize = chance(90) ? cur : rsize(ent, esz, cur, cur) % (esz + 1);
				memcpy(ent, &esize, sizeof(esize));
				if (esz > cur && chance(10))
					ent[cur + rn(esz - cur)] = 1;
			}
		}
		a->entries = chance(90) ? (uint64_t)(uintptr_t)e : rptr(64, 0, 0);
		a->done = r32();
		a->error = (int32_t)r32();
		a->size = sz;
		snprintf(desc, dlen, "%s size %u flags %#x count %u entry_size %u",
			 nr == 7 ? "SEND_BATCH" : "RECV_BATCH", sz, a->flags, a->count,
			 a->entry_size);
		break;
	}
	default:
		for (i = 0; i < 64; i++)
			p[i] = (uint8_t)rnd();
		snprintf(desc, dlen, "nr %u", nr);
		break;
	}

	/* Where the kernel finds it. */
	if (chance(88))
		return (uint64_t)(uintptr_t)p;
	if (chance(40)) {
		/* Straddling: the tail of the structure is PROT_NONE. */
		size_t cut = 1 + rn(sz && sz < 200 ? sz : 64);
		uint8_t *q = scratch + SCRATCH_SIZE - cut;

		memcpy(q, p, cut);
		return (uint64_t)(uintptr_t)q;
	}
	if (chance(30)) {
		/* Misaligned copy. */
		uint8_t *q = p - 1 - rn(7);

		memmove(q, p, 256);
		return (uint64_t)(uintptr_t)q;
	}
	return rptr(sz, 1, 0);
}

static unsigned long rcmd(unsigned int *nr)
{
	static const unsigned long cmds[] = {
		MSGBOX_IOC_OPEN, MSGBOX_IOC_DESTROY, MSGBOX_IOC_SEND,
		MSGBOX_IOC_RECV, MSGBOX_IOC_STAT, MSGBOX_IOC_NOTIFY,
		MSGBOX_IOC_SEND_BATCH, MSGBOX_IOC_RECV_BATCH,
	};
	static const unsigned long others[] = {
		FIONREAD, FIOCLEX, FIONCLEX, TCGETS, 0x1261 /* BLKFLSBUF */,
		0x80086601 /* FS_IOC_GETFLAGS */, 0xc0185879, 0, 0xffffffff,
	};
	unsigned long cmd;
	int k = rn(100);

	if (k < 80) {
		*nr = 1 + rn(8);
		cmd = cmds[*nr - 1];
		/* Weight the calls that move messages. */
		if (chance(30)) {
			*nr = chance(50) ? 3 : 4;
			cmd = cmds[*nr - 1];
		}
		return cmd;
	}
	if (k < 88) {
		/* The right number, the wrong direction or size. */
		*nr = 1 + rn(9);
		return _IOC(rn(4), MSGBOX_IOC_MAGIC, *nr, rn(1U << 14));
	}
	if (k < 95) {
		*nr = chance(50) ? rn(256) : 10 + rn(8);
		return _IOC(rn(4), MSGBOX_IOC_MAGIC, *nr, rn(1U << 14));
	}
	*nr = 0;
	cmd = chance(50) ? others[rn(sizeof(others) / sizeof(others[0]))] :
			   (unsigned long)(uint32_t)rnd();
	/* Never FIONBIO or FIOASYNC: descriptors stay non-blocking. */
	if (cmd == FIONBIO || cmd == FIOASYNC)
		cmd = FIONREAD;
	return cmd;
}

/* --- Worker -------------------------------------------------------------- */

static void count(struct wstate *ws, long ret)
{
	if (ret >= 0)
		ws->ok++;
	else
		ws->err[errno > 0 && errno < MAX_ERRNO ? errno : MAX_ERRNO]++;
}

static void other_op(struct wstate *ws)
{
	char buf[512];
	int i = rn(NFDS), fd, n;
	struct pollfd pfd[NFDS];
	long ret = 0;

	switch (rn(12)) {
	case 0:
	case 1:
		snprintf(ws->last, sizeof(ws->last), "close slot %d", i);
		if (fds[i] >= 0)
			ret = close(fds[i]);
		fds[i] = -1;
		break;
	case 2:
	case 3:
		snprintf(ws->last, sizeof(ws->last), "open slot %d", i);
		if (fds[i] >= 0)
			close(fds[i]);
		ret = fds[i] = open_dev();
		break;
	case 4:
		snprintf(ws->last, sizeof(ws->last), "dup into slot %d", i);
		fd = fds[rn(NFDS)];
		if (fd >= 0) {
			if (fds[i] >= 0)
				close(fds[i]);
			ret = fds[i] = dup(fd);
		}
		break;
	case 5:
	case 6:
		snprintf(ws->last, sizeof(ws->last), "destroy by name");
		ret = msgbox_destroy(names[rn(nnames)]);
		if (ret < 0) {
			errno = (int)-ret;
			ret = -1;
		}
		break;
	case 7:
		snprintf(ws->last, sizeof(ws->last), "poll");
		for (n = 0; n < NFDS; n++) {
			pfd[n].fd = fds[n];
			pfd[n].events = POLLIN | POLLOUT | POLLPRI;
		}
		ret = poll(pfd, NFDS, 0);
		break;
	case 8:
		snprintf(ws->last, sizeof(ws->last), "read/write");
		fd = pick_fd();
		ret = chance(50) ? read(fd, buf, rn(sizeof(buf))) :
				   write(fd, buf, rn(sizeof(buf)));
		break;
	case 9:
		snprintf(ws->last, sizeof(ws->last), "read %s", PROC_FILE);
		fd = open(PROC_FILE, O_RDONLY);
		ret = fd;
		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		break;
	case 10:
		snprintf(ws->last, sizeof(ws->last), "write %s", FAULTS_FILE);
		fd = open(FAULTS_FILE, O_RDWR);
		ret = fd;
		if (fd >= 0) {
			if (chance(80))
				n = snprintf(buf, sizeof(buf), "%s drop=%u dup=%u corrupt=%u ackloss=%u\n",
					     names[rn(nnames)], rn(2) ? rn(1001) : r32(),
					     rn(1002), rn(1002), rn(2) ? rn(1001) : r32());
			else
				for (n = 0; n < (int)rn(sizeof(buf)); n++)
					buf[n] = (char)rnd();
			ret = write(fd, buf, n);
			lseek(fd, 0, SEEK_SET);
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		break;
	default:
		snprintf(ws->last, sizeof(ws->last), "fcntl/ioctl on other fd");
		ret = ioctl(other_fd, rcmd((unsigned int *)&n), rptr(64, 1, 50));
		break;
	}
	count(ws, ret);
}

static void worker(int w, uint64_t calls, double deadline)
{
	struct wstate *ws = &W[w];
	struct sigaction sa;
	char desc[128];
	unsigned int nr;
	unsigned long cmd;
	uint64_t arg, c;
	int fd, sig;
	long ret;
	struct timespec ts;

	wid = w;
	/* splitmix64 of seed and worker: every seed gives its own stream. */
	rs = opt_seed + 0x9E3779B97F4A7C15ULL * (w + 1);
	rs = (rs ^ (rs >> 30)) * 0xBF58476D1CE4E5B9ULL;
	rs = (rs ^ (rs >> 27)) * 0x94D049BB133111EBULL;
	rs = (rs ^ (rs >> 31)) | 1;

	/*
	 * Notification signals (any number the fuzzer registers) must
	 * neither kill nor stop us. A real fault still kills: the kernel
	 * restores the default action of a synchronous signal that is
	 * ignored. The C library keeps 32 and 33 to itself: ask the kernel
	 * directly for those.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (sig = 1; sig < 65; sig++) {
		struct { void *handler; unsigned long flags, restorer, mask; } ksa = {
			.handler = SIG_IGN,
		};

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &sa, NULL))
			syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8);
	}

	if (w > 0) {
		/* Unprivileged: quotas apply; worker 1 in its own user namespace. */
		if (setgid(65534) || setuid(65534)) {
			/* Not root to begin with: carry on as we are. */
		}
		if (w == 1)
			unshare(CLONE_NEWUSER);
	}
	arena_init();
	names_init();
	other_fd = open("/dev/null", O_RDWR);
	for (fd = 0; fd < NFDS; fd++)
		fds[fd] = chance(80) ? open_dev() : -1;

	for (c = 0; c < calls; c++) {
		if (!(c & 1023)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (deadline && ts.tv_sec + ts.tv_nsec / 1e9 > deadline)
				break;
		}
		if (chance(6)) {
			other_op(ws);
		} else {
			fd = pick_fd();
			cmd = rcmd(&nr);
			arg = build(nr, desc, sizeof(desc));
			snprintf(ws->last, sizeof(ws->last), "ioctl(%d, %#lx, %#llx) %s",
				 fd, cmd, (unsigned long long)arg, desc);
			if (opt_verbose)
				fprintf(stderr, "# w%d %llu: %s\n", w,
					(unsigned long long)c, ws->last);
			ret = ioctl(fd, cmd, (void *)(uintptr_t)arg);
			count(ws, ret);
			ws->ioctls++;
		}
		__atomic_store_n(&ws->calls, c + 1, __ATOMIC_RELAXED);
	}

	/* Leave nothing behind: our names, then our descriptors. */
	strcpy(ws->last, "cleanup");
	for (nr = 0; nr < NNAMES; nr++)
		msgbox_destroy(names[nr]);
	for (fd = 0; fd < NFDS; fd++)
		if (fds[fd] >= 0)
			close(fds[fd]);
	ws->done = 1;
	_exit(0);
}


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
