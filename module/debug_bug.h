/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: deliberate bugs for testing the debug kernel leg
 *
 * Built only with "make module MSGBOX_DEBUG_BUG=..." (see Kbuild), never in
 * a normal build, where every hook below is an empty inline function.
 * scripts/debug/check-debug.sh must fail on each of them:
 *
 *   uaf        read a message after its last reference is dropped (KASAN)
 *   leak       never free one message in 64 (kmemleak)
 *   sleep      a sleeping allocation under the mailbox spinlock
 *              (DEBUG_ATOMIC_SLEEP)
 *   lockorder  take two test locks in both orders, in stat and in poll
 *              (lockdep: possible circular locking dependency)
 *   ubsan      a shift by 32 or more (UBSAN shift-out-of-bounds)
 */
#ifndef _MSGBOX_DEBUG_BUG_H
#define _MSGBOX_DEBUG_BUG_H

#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "message.h"

#ifdef MSGBOX_DEBUG_BUG_LOCKORDER
/*
 * a and b are taken in both orders, always inside outer: lockdep reports
 * the inversion, yet it can never deadlock.
 */
static __maybe_unused DEFINE_SPINLOCK(msgbox_debug_bug_outer);
static __maybe_unused DEFINE_SPINLOCK(msgbox_debug_bug_a);
static __maybe_unused DEFINE_SPINLOCK(msgbox_debug_bug_b);

static inline void msgbox_debug_bug_nest(spinlock_t *first, spinlock_t *second)
{
	spin_lock(&msgbox_debug_bug_outer);
	spin_lock(first);
	spin_lock(second);
	spin_unlock(second);
	spin_unlock(first);
	spin_unlock(&msgbox_debug_bug_outer);
}
#endif

/* In msgbox_msg_free(): true to leak @msg instead of freeing it. */
static inline bool msgbox_debug_bug_leak(const struct msgbox_msg *msg)
{
#ifdef MSGBOX_DEBUG_BUG_LEAK
	return msg->id % 64 == 1;
#else
	return false;
#endif
}

/*
 * In msgbox_msg_keepable(): false to free every delivered message, so
 * that the uaf and leak bugs above reach freed (or leaked) memory. Every
 * other build, the debug kernel's included, keeps objects as users' do
 * (KASAN sees a kept object poisoned, see message.c).
 */
static inline bool msgbox_debug_bug_keep_spares(void)
{
#if defined(MSGBOX_DEBUG_BUG_UAF) || defined(MSGBOX_DEBUG_BUG_LEAK)
	return false;
#else
	return true;
#endif
}

/* In the receive core, after the receive dropped its reference. */
static inline void msgbox_debug_bug_after_put(struct msgbox_msg *msg,
					      bool dropped)
{
#ifdef MSGBOX_DEBUG_BUG_UAF
	if (dropped && READ_ONCE(msg->len) == U32_MAX)
		pr_info("unreachable\n");
#endif
}

/* In msgbox_queue_stat(), with the mailbox lock held. */
static inline void msgbox_debug_bug_locked(u32 nr_msgs)
{
#ifdef MSGBOX_DEBUG_BUG_SLEEP
	kfree(kmalloc(16, GFP_KERNEL));
#endif
#ifdef MSGBOX_DEBUG_BUG_LOCKORDER
	msgbox_debug_bug_nest(&msgbox_debug_bug_a, &msgbox_debug_bug_b);
#endif
#ifdef MSGBOX_DEBUG_BUG_UBSAN
	{
		u32 shift = 32 + nr_msgs % 8;

		/* Keep the compiler from seeing the shift is out of range. */
		OPTIMIZER_HIDE_VAR(shift);
		if ((1U << shift) == 12345)
			pr_info("unreachable\n");
	}
#endif
}

/* In msgbox_queue_poll(), before it takes the mailbox lock. */
static inline void msgbox_debug_bug_poll(void)
{
#ifdef MSGBOX_DEBUG_BUG_LOCKORDER
	msgbox_debug_bug_nest(&msgbox_debug_bug_b, &msgbox_debug_bug_a);
#endif
}

#endif /* _MSGBOX_DEBUG_BUG_H */
