/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: kernel range and compatibility shims
 *
 * msgbox supports Linux 6.1 to 6.12, the two Debian LTS kernels it is tested
 * on; Kbuild refuses other versions. This header is force-included into
 * every object (see Kbuild), and with the header probes in Kbuild it is the
 * only place that knows about differences between kernel versions or about
 * helpers the kernel does not export to modules.
 */
#ifndef _MSGBOX_COMPAT_H
#define _MSGBOX_COMPAT_H

#include <linux/crc32.h>
#include <linux/ktime.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/time_namespace.h>

/**
 * msgbox_compat_crc32c() - CRC32C (Castagnoli) as userspace computes it
 * @buf: data
 * @len: its length
 *
 * Seed ~0 and final inversion, so the check value of "123456789" is
 * 0xe3069283. __crc32c_le() is built in on every supported kernel, which
 * keeps the module free of a dependency on libcrc32c.
 *
 * Return: the checksum.
 */
static inline u32 msgbox_compat_crc32c(const void *buf, size_t len)
{
	return ~__crc32c_le(~0U, buf, len);
}

/**
 * msgbox_compat_monotonic_to_host() - a CLOCK_MONOTONIC time from the
 *	caller's time namespace, in the host's CLOCK_MONOTONIC
 * @tim: the time as the caller reads it
 *
 * timens_ktime_to_host() calls a helper that is not exported to modules;
 * for CLOCK_MONOTONIC it is only the subtraction of the namespace's offset.
 *
 * Context: process context.
 * Return: the time on the host's clock.
 */
static inline ktime_t msgbox_compat_monotonic_to_host(ktime_t tim)
{
#ifdef CONFIG_TIME_NS
	ktime_t offset;

	/* init_time_ns is not exported either: its offsets are zero. */
	offset = timespec64_to_ktime(current->nsproxy->time_ns->offsets.monotonic);
	if (likely(!offset))
		return tim;
	if (tim < offset)
		return 0;
	return ktime_sub(tim, offset);
#else
	return tim;
#endif
}

/*
 * Poisoning message objects kept for reuse (see message.c), so that the
 * generic KASAN of a debug kernel reports a use of one as a use after
 * free. kasan_poison() is exported by every supported kernel but declared
 * only in mm/kasan's own header; a shadow value of zero marks memory
 * valid again. Both are no-ops without KASAN.
 */
#ifdef CONFIG_KASAN_GENERIC
void kasan_poison(const void *addr, size_t size, u8 value, bool init);

#define MSGBOX_KASAN_FREED	0xFB	/* KASAN's "freed slab object" */

static inline void msgbox_compat_poison(void *addr, size_t size)
{
	kasan_poison(addr, size, MSGBOX_KASAN_FREED, false);
}

static inline void msgbox_compat_unpoison(void *addr, size_t size)
{
	kasan_poison(addr, size, 0, false);
}
#else
static inline void msgbox_compat_poison(void *addr, size_t size) { }
static inline void msgbox_compat_unpoison(void *addr, size_t size) { }
#endif

/*
 * Trace events: since 6.10 __assign_str() takes only the field, the source
 * being the one given to __string(). Kbuild probes the trace headers.
 */
#ifdef MSGBOX_HAVE_ASSIGN_STR_1
#define msgbox_compat_assign_str(dst, src)	__assign_str(dst)
#else
#define msgbox_compat_assign_str(dst, src)	__assign_str(dst, src)
#endif

#endif /* _MSGBOX_COMPAT_H */
