// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Timeouts to the module's CLOCK_MONOTONIC deadlines; see deadline.h.
 */
#include <errno.h>
#include <stdint.h>

#include "deadline.h"

#define NSEC_PER_SEC	1000000000LL

/* The largest deadline a signed 64-bit ktime_t holds: "never". */
#define DEADLINE_MAX	((uint64_t)INT64_MAX)

/* timespec64_valid(): what Linux checks before anything else. */
static int ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       (uint64_t)ts->tv_nsec < NSEC_PER_SEC;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

/* @sec s and @nsec ns (below a second) after @now, saturating at "never". */
static uint64_t deadline_add(const struct timespec *now, uint64_t sec,
			     uint64_t nsec)
{
	uint64_t now_ns = ts_ns(now), rel_ns;

	if (now_ns >= DEADLINE_MAX || sec > (DEADLINE_MAX - now_ns) / NSEC_PER_SEC)
		return DEADLINE_MAX;
	rel_ns = sec * NSEC_PER_SEC + nsec;
	return rel_ns > DEADLINE_MAX - now_ns ? DEADLINE_MAX : now_ns + rel_ns;
}

int msgbox_deadline_after(const struct timespec *ts, __u64 *deadline)
{
	struct timespec now;

	if (!ts_valid(ts))
		return -EINVAL;
	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return -errno;
	*deadline = deadline_add(&now, (uint64_t)ts->tv_sec,
				 (uint64_t)ts->tv_nsec);
	return 0;
}

int msgbox_timeout_ns(const struct timespec *ts, __u64 *ns)
{
	if (!ts_valid(ts))
		return -EINVAL;
	if ((uint64_t)ts->tv_sec > (DEADLINE_MAX - (uint64_t)ts->tv_nsec) /
				   NSEC_PER_SEC)
		*ns = DEADLINE_MAX;
	else
		*ns = ts_ns(ts);
	return 0;
}

int msgbox_deadline_realtime(const struct timespec *abs, __u64 *deadline)
{
	struct timespec rt, mono;
	uint64_t abs_ns, rt_ns, rel_ns, sec;
	long nsec;

	if (!ts_valid(abs))
		return -EINVAL;
	if (clock_gettime(CLOCK_REALTIME, &rt) < 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &mono) < 0)
		return -errno;

	/* Far ahead, in whole seconds first: ts_ns() of @abs may overflow. */
	if ((uint64_t)abs->tv_sec > (uint64_t)rt.tv_sec + 1) {
		sec = (uint64_t)abs->tv_sec - (uint64_t)rt.tv_sec;
		nsec = abs->tv_nsec - rt.tv_nsec;
		if (nsec < 0) {
			sec--;
			nsec += NSEC_PER_SEC;
		}
		*deadline = deadline_add(&mono, sec, (uint64_t)nsec);
		return 0;
	}
	abs_ns = ts_ns(abs);
	rt_ns = ts_ns(&rt);
	if (abs_ns <= rt_ns) {
		*deadline = 1;
		return 0;
	}
	rel_ns = abs_ns - rt_ns;
	*deadline = deadline_add(&mono, rel_ns / NSEC_PER_SEC,
				 rel_ns % NSEC_PER_SEC);
	return 0;
}
