// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_fuzz values: random numbers, the memory a worker points the
 * kernel at, interesting integers and pointers, names and descriptors.
 */
#include "fuzz.h"

uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545F4914F6CDD1DULL;
}

uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* True with probability @pct percent. */
int chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* Memory the worker points the kernel at. */
uint8_t *data;		/* DATA_SIZE, random bytes */
/* DATA_SIZE, random bytes */
static uint8_t *rodata;		/* 4 pages, read-only */
/* 4 pages, read-only */
uint8_t *entries;	/* ENTRIES_SIZE, then a PROT_NONE page */
/* ENTRIES_SIZE, then a PROT_NONE page */
uint8_t *scratch;	/* SCRATCH_SIZE, then a PROT_NONE page */
/* SCRATCH_SIZE, then a PROT_NONE page */
static uint8_t *edge;		/* last page before a PROT_NONE page */
/* last page before a PROT_NONE page */
static uint8_t *unmapped;	/* was mapped, no longer is */
/* was mapped, no longer is */

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

void arena_init(void)
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

uint32_t r32(void)
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

uint64_t r64(void)
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
uint64_t rptr(size_t len, int out, int valid_pct)
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

int wid;		/* worker number */
/* worker number */

char names[NNAMES + 12][300];
unsigned int nnames;

void names_init(void)
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

uint64_t rname(void)
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

int fds[NFDS];
int other_fd = -1;	/* not a msgbox file */
/* not a msgbox file */
pid_t peers[MAX_WORKERS];

int open_dev(void)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR, 3 };

	return open(MSGBOX_DEVICE, acc[rn(5)] | O_NONBLOCK |
		    (chance(20) ? O_CLOEXEC : 0));
}

int pick_fd(void)
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

pid_t rpid(void)
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
