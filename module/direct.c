// SPDX-License-Identifier: GPL-2.0
/*
 * The direct hand-off: pinning receive buffers, charging the pins, and
 * the state machine between a sender and a waiting receiver.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/msgbox.h>

#include "direct.h"
#include "mailbox.h"
#include "message.h"
#include "queue.h"
#include "trace.h"
#include "wait.h"

/*
 * Charge @nr_pages pinned pages to the caller's user, against
 * RLIMIT_MEMLOCK, as io_uring charges its registered buffers: one limit
 * for every pin the user's processes hold, whatever made it. Callers with
 * CAP_IPC_LOCK are not charged (@d->user stays NULL). The pages also show
 * in the process's VmPin.
 */
static int msgbox_direct_charge(struct msgbox_direct *d)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = current_user();
	unsigned long cur, want;

	if (!capable(CAP_IPC_LOCK)) {
		cur = atomic_long_read(&user->locked_vm);
		do {
			want = cur + d->nr_pages;
			if (want > limit || want < cur)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
						  want));
		d->user = get_uid(user);
	}
	mmgrab(current->mm);
	d->mm = current->mm;
	atomic64_add(d->nr_pages, &d->mm->pinned_vm);
	return 0;
}

static void msgbox_direct_uncharge(struct msgbox_direct *d)
{
	if (d->user) {
		atomic_long_sub(d->nr_pages, &d->user->locked_vm);
		free_uid(d->user);
	}
	atomic64_sub(d->nr_pages, &d->mm->pinned_vm);
	mmdrop(d->mm);
}

/*
 * Only anonymous and shmem memory may stay pinned: writing through a
 * long-term pin of a file's page cache races with the filesystem's
 * writeback (Linux refuses such pins itself from 6.5 on).
 */
static bool msgbox_direct_pinnable(struct page **pages, u32 nr_pages)
{
	struct address_space *mapping;
	struct folio *folio;
	u32 i;

	for (i = 0; i < nr_pages; i++) {
		folio = page_folio(pages[i]);
		if (folio_test_anon(folio))
			continue;
		mapping = folio_mapping(folio);
		if (!mapping || !shmem_mapping(mapping))
			return false;
	}
	return true;
}

/**
 * msgbox_direct_new() - pin a receive buffer for a hand-off
 * @buf: the receive buffer
 * @len: the bytes to pin, at most MSGBOX_DIRECT_MAX
 *
 * The pages are charged to the caller's RLIMIT_MEMLOCK (see
 * msgbox_direct_charge()) for as long as they stay pinned.
 *
 * Context: process context, may sleep; no locks held.
 * Return: the registration with one reference, or NULL when the buffer
 * cannot be pinned: over the caller's RLIMIT_MEMLOCK, memory that is
 * neither anonymous nor shmem, or not mapped. The receiver then just
 * receives the usual way.
 */
struct msgbox_direct *msgbox_direct_new(void __user *buf, u32 len)
{
	unsigned long start = (unsigned long)buf;
	struct msgbox_direct *d;
	int pinned;

	len = min_t(u32, len, MSGBOX_DIRECT_MAX);
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return NULL;
	d->offset = offset_in_page(start);
	d->nr_pages = DIV_ROUND_UP(d->offset + len, PAGE_SIZE);
	d->pages = kvmalloc_array(d->nr_pages, sizeof(*d->pages),
				  GFP_KERNEL_ACCOUNT);
	if (!d->pages)
		goto err_free;
	if (msgbox_direct_charge(d))
		goto err_free_pages;

	/* Long-term: a receiver may wait for a long time. */
	pinned = pin_user_pages_fast(start & PAGE_MASK, d->nr_pages,
				     FOLL_WRITE | FOLL_LONGTERM, d->pages);
	if (pinned != d->nr_pages)
		goto err_unpin;
	if (!msgbox_direct_pinnable(d->pages, d->nr_pages))
		goto err_unpin;

	INIT_LIST_HEAD(&d->node);
	refcount_set(&d->ref, 1);
	d->state = MSGBOX_DIRECT_IDLE;
	d->task = get_task_struct(current);
	d->len = len;
	return d;

err_unpin:
	if (pinned > 0)
		unpin_user_pages(d->pages, pinned);
	msgbox_direct_uncharge(d);
err_free_pages:
	kvfree(d->pages);
err_free:
	kfree(d);
	return NULL;
}

/**
 * msgbox_direct_free() - unpin and free a registration
 * @d: the registration, whose last reference msgbox_direct_put() dropped
 *
 * Context: process context, may sleep; no mailbox lock held.
 */
void msgbox_direct_free(struct msgbox_direct *d)
{
	unpin_user_pages_dirty_lock(d->pages, d->nr_pages, true);
	msgbox_direct_uncharge(d);
	kvfree(d->pages);
	put_task_struct(d->task);
	msgbox_msg_put(d->msg);
	kfree(d);
}

/**
 * msgbox_direct_copy() - copy a sender's payload into the pinned buffer
 * @d: a registration the caller claimed
 * @src: the sender's payload, faulted in by the caller
 * @len: its length, at most @d->len
 *
 * Page faults are disabled: a claimed receiver waits for this copy, so it
 * must not wait on the sender's memory. A payload that is not resident
 * after all makes the copy come up short, and the caller queues the
 * message instead (taking the fault there).
 *
 * Context: process context of the sender; no locks held.
 * Return: 0, or -EFAULT when the copy came up short.
 */
int msgbox_direct_copy(struct msgbox_direct *d, const void __user *src,
		       u32 len)
{
	u32 done = 0, off = d->offset, chunk;
	unsigned int i = 0;
	int err;
	void *dst;

	while (done < len) {
		chunk = min_t(u32, len - done, PAGE_SIZE - off);
		dst = kmap_local_page(d->pages[i]);
		pagefault_disable();
		err = copy_from_user(dst + off, src + done, chunk) ? -EFAULT : 0;
		pagefault_enable();
		kunmap_local(dst);
		flush_dcache_page(d->pages[i]);
		if (err)
			return err;
		done += chunk;
		off = 0;
		i++;
	}
	return 0;
}

/**
 * msgbox_direct_prepare() - pin a receiver's buffer before it sleeps
 * @mb: the mailbox, locked; dropped while the buffer is pinned
 * @buf: the receive buffer
 * @buf_len: its size
 *
 * Only a plain receive of a large buffer, on a mailbox that carries large
 * messages, registers (msgbox_direct_wanted()).
 *
 * Context: process context, may sleep; called and returns with @mb->lock
 * held.
 * Return: the registration, IDLE, or NULL when there is none to make.
 */
struct msgbox_direct *msgbox_direct_prepare(struct msgbox_mailbox *mb,
					    void __user *buf, u32 buf_len)
	__must_hold(&mb->lock)
{
	struct msgbox_direct *d;

	if (!msgbox_direct_wanted(mb, buf_len))
		return NULL;
	spin_unlock(&mb->lock);
	d = msgbox_direct_new(buf, min(buf_len, mb->max_msg_size));
	spin_lock(&mb->lock);
	return d;
}

/**
 * msgbox_direct_arm() - put a receiver's registration on the mailbox
 * @mb: the mailbox, locked
 * @d: the registration, or NULL
 *
 * Once armed, a sender may claim it until the receiver leaves.
 */
void msgbox_direct_arm(struct msgbox_mailbox *mb, struct msgbox_direct *d)
{
	lockdep_assert_held(&mb->lock);
	if (d && d->state == MSGBOX_DIRECT_IDLE) {
		list_add_tail(&d->node, &mb->direct_waiters);
		d->state = MSGBOX_DIRECT_WAITING;
	}
}

/**
 * msgbox_direct_settle() - wait out a sender's claim
 * @mb: the mailbox, locked
 * @d: the receiver's registration, or NULL
 *
 * A claim lasts one bounded memcpy (see the DOC in direct.h), so the
 * receiver waits it out whatever signal comes.
 *
 * Context: process context; called and returns with @mb->lock held.
 * Return: true when a message was handed over: @d->msg describes it.
 */
bool msgbox_direct_settle(struct msgbox_mailbox *mb, struct msgbox_direct *d)
	__must_hold(&mb->lock)
{
	if (!d)
		return false;
	while (d->state == MSGBOX_DIRECT_CLAIMED)
		msgbox_wait_sleep(mb, &mb->recv_wq, 0, TASK_UNINTERRUPTIBLE,
				  false, false);
	return d->state == MSGBOX_DIRECT_DONE;
}

/**
 * msgbox_direct_leave() - a receiver is done with its registration
 * @d: the registration, or NULL
 *
 * Context: under the mailbox lock.
 */
void msgbox_direct_leave(struct msgbox_direct *d)
{
	if (!d)
		return;
	if (d->state == MSGBOX_DIRECT_WAITING)
		list_del_init(&d->node);
	if (d->state != MSGBOX_DIRECT_CLAIMED)
		d->state = MSGBOX_DIRECT_GONE;
}

/**
 * msgbox_direct_ok() - may this send try a direct hand-off?
 * @mb: the mailbox
 * @len: the payload length
 * @plain: no checksum, key or token to check, and no fault to inject
 *
 * Only plain large messages to an ordinary mailbox with a receiver
 * registered qualify.
 *
 * Return: true when msgbox_direct_send() is worth a try.
 */
bool msgbox_direct_ok(struct msgbox_mailbox *mb, u32 len, bool plain)
{
	if (len < MSGBOX_DIRECT_MIN || !plain || !mb->capacity)
		return false;
	/*
	 * Unlocked peek, a hint only: msgbox_direct_send() looks again
	 * under the lock, and a stale answer just queues the message.
	 */
	return !data_race(list_empty(&mb->direct_waiters));
}

/**
 * msgbox_direct_send() - copy a message into a waiting receiver
 * @mb: the mailbox
 * @hdr: a header-only message stamped for the sender, whose reference
 *	passes to this function
 * @ubuf: the sender's payload
 * @len: its length
 * @id: out: the message's id
 *
 * Succeeds only when the mailbox is empty, so that order is kept, and a
 * registered receiver's buffer is large enough.
 *
 * Context: process context, may sleep; takes the mailbox lock.
 * Return: 0 when delivered, 1 when it was not (no receiver, or the payload
 * was not resident: queue it the usual way), or -EIDRM.
 */
int msgbox_direct_send(struct msgbox_mailbox *mb, struct msgbox_msg *hdr,
		       const void __user *ubuf, u32 len, u64 *id)
{
	struct msgbox_direct *d = NULL, *pos;
	int err;

	/* Fault the payload in now: the copy below may not fault. */
	if (fault_in_readable(ubuf, len)) {
		err = 1;
		goto out_put;
	}

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
		goto out_unlock;
	}
	err = 1;
	/* Only into an empty mailbox, with room for one more (held ones). */
	if (mb->nr_msgs || mb->nr_inflight ||
	    (mb->capacity && mb->nr_held >= mb->capacity))
		goto out_unlock;
	list_for_each_entry(pos, &mb->direct_waiters, node) {
		if (pos->len >= len) {
			d = pos;
			break;
		}
	}
	if (!d)
		goto out_unlock;
	list_del_init(&d->node);
	d->state = MSGBOX_DIRECT_CLAIMED;
	refcount_inc(&d->ref);
	/* The id is taken at the claim, so ids follow the order of arrival. */
	hdr->id = mb->next_id++;
	spin_unlock(&mb->lock);

	err = msgbox_direct_copy(d, ubuf, len) ? 1 : 0;

	spin_lock(&mb->lock);
	if (err || mb->dead) {
		/* Nothing delivered: the receiver waits on, or learns. */
		d->state = MSGBOX_DIRECT_WAITING;
		if (!mb->dead)
			list_add(&d->node, &mb->direct_waiters);
		else
			err = -EIDRM;
	} else {
		/* @hdr has no payload: only its description is ever used. */
		hdr->len = len;
		mb->sent++;
		mb->received++;
		trace_msgbox_send(mb, hdr);
		trace_msgbox_recv(mb, hdr);
		d->msg = hdr;
		hdr = NULL;
		d->state = MSGBOX_DIRECT_DONE;
		*id = d->msg->id;
	}
	/* Under the lock: the receiver is still in its loop to see it. */
	wake_up_process(d->task);
	spin_unlock(&mb->lock);
	msgbox_direct_put(d);
	msgbox_msg_put(hdr);
	return err;

out_unlock:
	spin_unlock(&mb->lock);
out_put:
	msgbox_msg_put(hdr);
	return err;
}
