/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: mailboxes, their lifetime and their locks
 *
 * A mailbox is either named (found by name, within the creator's user
 * namespace, in the global name table) or a port (found by its owner's
 * thread-group PID in the port table).
 *
 * Names are scoped by user namespace rather than by IPC namespace: a
 * module cannot drop a reference to an IPC namespace on Linux 6.1
 * (put_ipc_ns() is not exported there), so it could not keep one alive
 * for as long as a mailbox outlives its creator without leaking it, nor
 * notice its end without one.
 *
 * Files of /dev/msgbox bind to one mailbox each and hold a reference on it;
 * the name table holds one more for a named mailbox until it is destroyed.
 * Destroying marks the mailbox dead, unlinks it, discards its queue and
 * wakes every waiter; unlinking only takes the name away and leaves the
 * mailbox working for the files still bound to it. The memory, and any
 * message left, goes with the last reference, when the last bound file is
 * closed; until then the mailbox counts against max_mailboxes and its
 * creator's quotas, named or not. A port is destroyed when the file that
 * registered it is released; after its owner calls execve() it is no
 * longer found by PID, and is destroyed at the first send to that PID or
 * when the new program registers its own.
 *
 * Locks, in nesting order:
 *
 *   msgbox_file.bind_lock (mutex)  a descriptor's binding (file.h)
 *   msgbox_table_lock (mutex)  name table, port table, the count of
 *                              mailboxes and the per-user charges
 *                              (limits.h), struct msgbox_mailbox.linked,
 *                              .counted, .quota_user
 *   msgbox_mailbox.lock (spin) everything under "protected by @lock" below
 *
 * and, never nested with any other lock, msgbox_spares.lock (spin), the
 * spare message objects of a mailbox or of one batch (see spares.h).
 *
 * The wait queues' own locks, taken by wake-ups, nest inside a mailbox
 * lock.
 *
 * Nothing sleeps under a mailbox lock, and payloads are copied in before
 * it is taken. User memory is touched under it in one place: the receive
 * core copies a message of up to MSGBOX_COPY_LOCKED_MAX bytes out under
 * it with page faults disabled, so that a buffer that is not resident
 * makes the copy come up short instead of sleeping, and the receive then
 * copies with the lock dropped (see recv.h). A direct hand-off copies into
 * pages pinned beforehand, with the lock dropped (see direct.h).
 */
#ifndef _MSGBOX_MAILBOX_H
#define _MSGBOX_MAILBOX_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/msgbox.h>

#include "fault.h"
#include "notify.h"
#include "spares.h"

struct file;
struct pid;
struct msgbox_dedup;
struct msgbox_hold;
struct msgbox_user;

/* Protects the name and port tables; see the DOC above. */
extern struct mutex msgbox_table_lock;

/* Kernel-only bits of struct msgbox_mailbox.flags; immutable. */
#define MSGBOX_MBF_PORT		MSGBOX_STAT_PORT
#define MSGBOX_MBF_DEDUP	MSGBOX_STAT_DEDUP

/**
 * struct msgbox_mailbox - a mailbox
 * @ref: references: the name table (named mailboxes), each bound file, and
 *	short-lived lookups such as a send to a port
 * @capacity: the most messages queued at once, 0 for a rendezvous
 * @max_msg_size: the largest payload
 * @mode: permission bits
 * @flags: MSGBOX_MBF_* bits
 * @uid: owner UID
 * @gid: owner GID
 * @user_ns: the user namespace whose processes find it by name (a
 *	reference is held)
 * @owner: for a port, its owner's thread-group PID (a reference is held)
 * @owner_exec_id: for a port, its owner's self_exec_id when it registered
 *	it: the port ends with the program (see msgbox_port_new())
 * @owner_file: for a port, the file that registered it
 * @faults: injected fault rates, see fault.h
 * @hnode: entry in the name or port table; under msgbox_table_lock
 * @linked: whether @hnode is in a table; under msgbox_table_lock
 * @counted: counted in msgbox_nr_mailboxes and charged to @quota_user,
 *	from creation until the mailbox is freed (not until it is unlinked);
 *	under msgbox_table_lock
 * @quota_user: the user charged for this mailbox, NULL when exempt; under
 *	msgbox_table_lock
 * @quota_bytes: the bytes charged: what the mailbox can hold at most,
 *	headers included
 * @lock: protects every field below
 * @msgs: queued messages, highest priority first, FIFO within one
 * @nr_msgs: messages on @msgs
 * @nr_inflight: messages taken off @msgs and being copied out; they keep
 *	their slot until the copy succeeds or fails
 * @nr_held: messages held by receivers (@held); they keep their slot
 * @nr_returned: records on @returned
 * @nr_calls: calls not ended yet, queued, in flight or held
 * @bytes: payload bytes on @msgs and in flight
 * @nr_recv_waiting: receivers asleep waiting for a message
 * @nr_send_waiting: senders asleep waiting for room or acknowledgment
 * @next_id: id of the next message queued
 * @sent: messages queued since creation
 * @received: messages delivered since creation
 * @dead: destroyed: every operation fails with -EIDRM
 * @dedup: duplicate-detection window, or NULL
 * @notify: the registration for arrival notification, see notify.h
 * @direct_waiters: receivers registered for a direct hand-off, see direct.h
 * @held: records of held messages, oldest first, see hold.h
 * @returned: records of messages returned to the queue, see hold.h
 * @hold_next: with @hold_armed, the jiffies @hold_work is due at
 * @hold_armed: @hold_work is queued for a timed hold
 * @spares: objects of delivered messages kept for the next ones sent, with
 *	their own lock, see spares.h
 * @hold_work: returns messages whose hold timed out (hold.h); cancelled
 *	when the mailbox is freed
 * @spare_hold: a hold record kept for the next hold, or NULL; exchanged
 *	atomically, see msgbox_hold_free()
 * @recv_wq: receivers and pollers waiting for a message (or for death)
 * @send_wq: senders and pollers waiting for room (or for death), and
 *	senders waiting for their acknowledgment
 * @name_len: length of @name
 * @name: NUL-terminated name of a named mailbox, empty for a port
 */
struct msgbox_mailbox {
	struct kref ref;

	/* immutable after creation */
	u32 capacity;
	u32 max_msg_size;
	umode_t mode;
	u32 flags;
	kuid_t uid;
	kgid_t gid;
	struct user_namespace *user_ns;
	struct pid *owner;
	u64 owner_exec_id;
	const struct file *owner_file;

	/* read and written with READ_ONCE()/WRITE_ONCE() */
	struct msgbox_faults faults;

	/* protected by msgbox_table_lock */
	struct hlist_node hnode;
	bool linked;
	bool counted;
	struct msgbox_user *quota_user;
	u64 quota_bytes;

	spinlock_t lock;		/* protects the fields below */
	/* protected by @lock */
	struct list_head msgs;
	u32 nr_msgs;
	u32 nr_inflight;
	u32 nr_held;
	u32 nr_returned;
	u32 nr_calls;
	u64 bytes;
	u32 nr_recv_waiting;
	u32 nr_send_waiting;
	u64 next_id;
	u64 sent;
	u64 received;
	bool dead;
	struct msgbox_dedup *dedup;
	struct msgbox_notify notify;
	struct list_head direct_waiters;
	struct list_head held;
	struct list_head returned;
	unsigned long hold_next;
	bool hold_armed;

	/* has its own lock */
	struct msgbox_spares spares;

	/* queued and run by the system workqueue */
	struct delayed_work hold_work;

	/* exchanged atomically */
	struct msgbox_hold *spare_hold;

	/* wait queues, with their own locks */
	wait_queue_head_t recv_wq;
	wait_queue_head_t send_wq;

	u32 name_len;
	char name[];
};

int msgbox_mailbox_open(const char *name, u32 flags, u32 capacity,
			u32 max_msg_size, umode_t mode, fmode_t fmode,
			struct msgbox_mailbox **mbp);
int msgbox_port_new(const struct file *file, u32 flags, u32 capacity,
		    u32 max_msg_size, umode_t mode, struct msgbox_mailbox **mbp);
struct msgbox_mailbox *msgbox_port_find(pid_t nr);
struct msgbox_mailbox *msgbox_mailbox_find(const char *name);
int msgbox_mailbox_for_each(int (*fn)(struct msgbox_mailbox *mb, void *arg),
			    void *arg);
void msgbox_port_release(struct msgbox_mailbox *mb, const struct file *file);
int msgbox_mailbox_destroy_name(const char *name, bool unlink_only);
int msgbox_mailbox_destroy(struct msgbox_mailbox *mb, bool unlink_only);
int msgbox_mailbox_permission(const struct msgbox_mailbox *mb, fmode_t fmode);
bool msgbox_mailbox_mode_allows(const struct msgbox_mailbox *mb,
				fmode_t fmode);
void msgbox_mailbox_put(struct msgbox_mailbox *mb);
void msgbox_mailbox_destroy_all(void);
int msgbox_name_check(const char *name);

/**
 * msgbox_mailbox_get() - take a reference on a mailbox
 * @mb: the mailbox
 *
 * Return: @mb.
 */
static inline struct msgbox_mailbox *
msgbox_mailbox_get(struct msgbox_mailbox *mb)
{
	kref_get(&mb->ref);
	return mb;
}

#endif /* _MSGBOX_MAILBOX_H */
