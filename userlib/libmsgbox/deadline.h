/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: deadlines shared by libmsgbox and libmsgbox-mq
 *
 * The module takes a timeout as an absolute CLOCK_MONOTONIC deadline in
 * nanoseconds (deadline_ns of the send and receive arguments), so that a
 * call restarted after a signal does not wait longer than asked. libmsgbox
 * is given relative timeouts, libmsgbox-mq absolute CLOCK_REALTIME ones, as
 * POSIX has it; both become a deadline here. The kernel keeps a deadline as
 * a signed 64-bit ktime_t, so one too far away for that is clamped to the
 * largest, which means "never". Internal, like sys.h.
 */
#ifndef _MSGBOX_DEADLINE_H
#define _MSGBOX_DEADLINE_H

#include <time.h>
#include <linux/types.h>

#include "sys.h"

/**
 * msgbox_deadline_after() - the deadline a relative timeout from now gives
 * @ts: the timeout, tv_nsec below one second, nothing negative
 * @deadline: set on success, saturated at "never"
 *
 * Return: 0, or -EINVAL for a malformed @ts.
 */
MSGBOX_INTERNAL int msgbox_deadline_after(const struct timespec *ts,
					  __u64 *deadline);

/**
 * msgbox_timeout_ns() - a relative timeout in nanoseconds, as a duration
 * @ts: the timeout, tv_nsec below one second, nothing negative
 * @ns: set on success, saturated at the largest ktime_t
 *
 * For the durations the module takes as they are (hold_ns of the receive
 * arguments) rather than as deadlines.
 *
 * Return: 0, or -EINVAL for a malformed @ts.
 */
MSGBOX_INTERNAL int msgbox_timeout_ns(const struct timespec *ts, __u64 *ns);

/**
 * msgbox_deadline_realtime() - the deadline of an absolute CLOCK_REALTIME time
 * @abs: the time, checked as timespec64_valid() does
 * @deadline: set on success; a time already past becomes 1 ns (long past as
 *            well), one beyond the kernel's range "never"
 *
 * Return: 0, or -EINVAL for a malformed @abs.
 */
MSGBOX_INTERNAL int msgbox_deadline_realtime(const struct timespec *abs,
					     __u64 *deadline);

#endif /* _MSGBOX_DEADLINE_H */
