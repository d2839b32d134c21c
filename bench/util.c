// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench: small helpers (clocks, CPUs, files, sysctls).
 */
#include "bench.h"

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sleep_for(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* Seconds on the CPU clock @clock; NaN when it cannot be read. */
double cpu_secs(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return NANV;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values, NaNs ignored; sorts @v. NaN when none is left. */
double median(double *v, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (!IS_NAN(v[i]))
			v[k++] = v[i];
	if (!k)
		return NANV;
	qsort(v, k, sizeof(*v), cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* @a / @b, NaN when either is NaN or @b is 0. */
double ratio(double a, double b)
{
	if (IS_NAN(a) || IS_NAN(b) || b == 0)
		return NANV;
	return a / b;
}

/* A message buffer of @len bytes with HEADROOM writable bytes before it. */
char *buf_alloc(size_t len)
{
	char *p = aligned_alloc(64, HEADROOM + ((len + 63) & ~(size_t)63));

	if (!p) {
		fprintf(stderr, "msgbox-bench: out of memory\n");
		_exit(2);
	}
	memset(p, 0x5a, HEADROOM + len);
	return p + HEADROOM;
}

void buf_free(char *buf)
{
	free(buf - HEADROOM);
}

long futex_op(uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

long read_long(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

int write_str(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		r = -errno;
	close(fd);
	return r;
}
