/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by msgbox_stress and msgbox_fuzz.
 */
#ifndef _MSGBOX_STRESS_UTIL_H
#define _MSGBOX_STRESS_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The @field ("Slab", "MemTotal", ...) of /proc/meminfo in kB, or -1. */
static inline long meminfo_kb(const char *field)
{
	size_t n = strlen(field);
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif /* _MSGBOX_STRESS_UTIL_H */
