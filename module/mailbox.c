// SPDX-License-Identifier: GPL-2.0
/*
 * Mailbox lifetime, the name and port tables, and permissions.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/user_namespace.h>

#include "dedup.h"
#include "hold.h"
#include "limits.h"
#include "mailbox.h"
#include "queue.h"

#define MSGBOX_TABLE_BITS	8

/* Protects the tables and the limits' counts; see the DOC in mailbox.h. */
DEFINE_MUTEX(msgbox_table_lock);
static DEFINE_HASHTABLE(msgbox_names, MSGBOX_TABLE_BITS);
static DEFINE_HASHTABLE(msgbox_ports, MSGBOX_TABLE_BITS);

/*
 * Is @mb, a port, still its owner's? A port belongs to the program that
 * registered it: once the owner calls execve() (its exec id moves on), the
 * port is no longer found by the owner's PID, and the new program may
 * register its own. An owner that has gone has no other program running.
 */
static bool msgbox_port_current(const struct msgbox_mailbox *mb)
{
	struct task_struct *task;
	bool current_prog;

	rcu_read_lock();
	task = pid_task(mb->owner, PIDTYPE_TGID);
	current_prog = !task ||
		       READ_ONCE(task->self_exec_id) == mb->owner_exec_id;
	rcu_read_unlock();
	return current_prog;
}

static u32 msgbox_name_hash(const char *name, u32 len)
{
	return full_name_hash(current_user_ns(), name, len);
}

/**
 * msgbox_name_check() - check a name against the documented rules
 * @name: NUL-terminated name of at most MSGBOX_NAME_MAX bytes
 *
 * Return: 0, or -EINVAL for an empty name, "." or "..", '/', a control
 * byte, a space or DEL.
 */
int msgbox_name_check(const char *name)
{
	const unsigned char *p;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (p = name; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '/')
			return -EINVAL;
	return 0;
}

static struct msgbox_mailbox *msgbox_mailbox_new(const char *name, u32 flags,
						 u32 capacity, u32 max_msg_size,
						 umode_t mode)
{
	struct msgbox_mailbox *mb;
	size_t len = name ? strlen(name) : 0;

	mb = kzalloc(struct_size(mb, name, len + 1), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return NULL;

	kref_init(&mb->ref);
	mb->capacity = capacity;
	mb->max_msg_size = max_msg_size;
	mb->mode = mode;
	mb->flags = flags;
	mb->uid = current_fsuid();
	mb->gid = current_fsgid();
	mb->user_ns = get_user_ns(current_user_ns());
	INIT_HLIST_NODE(&mb->hnode);
	spin_lock_init(&mb->lock);
	INIT_LIST_HEAD(&mb->msgs);
	INIT_LIST_HEAD(&mb->direct_waiters);
	INIT_LIST_HEAD(&mb->held);
	INIT_LIST_HEAD(&mb->returned);
	INIT_DELAYED_WORK(&mb->hold_work, msgbox_hold_work);
	msgbox_spares_init(&mb->spares,
			   msgbox_spares_limit(capacity, max_msg_size));
	mb->next_id = 1;
	mb->quota_bytes = msgbox_quota_bytes(capacity, max_msg_size);
	init_waitqueue_head(&mb->recv_wq);
	init_waitqueue_head(&mb->send_wq);
	mb->name_len = len;
	if (len)
		memcpy(mb->name, name, len);

	if (flags & MSGBOX_MBF_DEDUP) {
		mb->dedup = msgbox_dedup_new();
		if (!mb->dedup) {
			put_user_ns(mb->user_ns);
			kfree(mb);
			return NULL;
		}
	}
	return mb;
}

static void msgbox_mailbox_release(struct kref *ref)
{
	struct msgbox_mailbox *mb = container_of(ref, struct msgbox_mailbox, ref);

	/* An unlinked mailbox may still hold messages: nobody can take them. */
	msgbox_queue_kill(mb);
	/* Nothing is held any more, so the work does not queue itself again. */
	cancel_delayed_work_sync(&mb->hold_work);
	msgbox_hold_drop_spare(mb);
	/* Counted and charged until now, not only while it had a name. */
	if (mb->counted) {
		mutex_lock(&msgbox_table_lock);
		msgbox_limits_uncount(mb);
		mutex_unlock(&msgbox_table_lock);
	}
	msgbox_dedup_free(mb->dedup);
	put_pid(mb->owner);
	put_user_ns(mb->user_ns);
	kfree(mb);
}

/**
 * msgbox_mailbox_put() - drop a reference on a mailbox
 * @mb: the mailbox, or NULL
 *
 * Context: process context, may sleep; never under msgbox_table_lock (the
 * last reference takes it to give back the mailbox's count and charge).
 */
void msgbox_mailbox_put(struct msgbox_mailbox *mb)
{
	if (mb)
		kref_put(&mb->ref, msgbox_mailbox_release);
}

/*
 * Take @mb out of its table; the caller then owns the table's reference.
 * It stays counted against the limits until it is freed.
 */
static bool msgbox_mailbox_unlink(struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&msgbox_table_lock);
	if (!mb->linked)
		return false;
	hash_del(&mb->hnode);
	mb->linked = false;
	return true;
}

/*
 * Kill an unlinked mailbox, unless @keep asks to leave it working for the
 * descriptors still open, and drop the table's reference.
 */
static void msgbox_mailbox_kill(struct msgbox_mailbox *mb, bool keep)
{
	if (!keep)
		msgbox_queue_kill(mb);
	msgbox_mailbox_put(mb);
}

static struct msgbox_mailbox *msgbox_name_lookup(const char *name, u32 len,
						 u32 hash)
{
	struct user_namespace *ns = current_user_ns();
	struct msgbox_mailbox *mb;

	lockdep_assert_held(&msgbox_table_lock);
	hash_for_each_possible(msgbox_names, mb, hnode, hash)
		if (mb->user_ns == ns && mb->name_len == len &&
		    !memcmp(mb->name, name, len))
			return mb;
	return NULL;
}

/**
 * msgbox_mailbox_permission() - may the caller open @mb with @fmode?
 * @mb: the mailbox
 * @fmode: FMODE_READ and/or FMODE_WRITE
 *
 * The owner, group and other bits of the mailbox's mode are checked as for
 * a file; CAP_DAC_OVERRIDE in the mailbox's user namespace overrides them.
 *
 * Return: 0 or -EACCES.
 */
int msgbox_mailbox_permission(const struct msgbox_mailbox *mb, fmode_t fmode)
{
	if (msgbox_mailbox_mode_allows(mb, fmode) ||
	    ns_capable(mb->user_ns, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

/**
 * msgbox_mailbox_mode_allows() - do the mode bits alone grant @fmode?
 * @mb: the mailbox
 * @fmode: FMODE_READ and/or FMODE_WRITE
 *
 * Return: true when the owner, group or other bits that apply to the
 * caller grant every access in @fmode.
 */
bool msgbox_mailbox_mode_allows(const struct msgbox_mailbox *mb,
				fmode_t fmode)
{
	unsigned int mask = 0, granted;

	if (fmode & FMODE_READ)
		mask |= 4;
	if (fmode & FMODE_WRITE)
		mask |= 2;

	if (uid_eq(current_fsuid(), mb->uid))
		granted = mb->mode >> 6;
	else if (in_group_p(mb->gid))
		granted = mb->mode >> 3;
	else
		granted = mb->mode;

	return !(mask & ~granted & 7);
}

/*
 * May the caller destroy @mb? Only its owner or CAP_IPC_OWNER in its user
 * namespace may.
 */
static int msgbox_mailbox_may_destroy(const struct msgbox_mailbox *mb)
{
	if (uid_eq(current_euid(), mb->uid) ||
	    ns_capable(mb->user_ns, CAP_IPC_OWNER))
		return 0;
	return -EPERM;
}

/**
 * msgbox_mailbox_open() - open, or create, a named mailbox
 * @name: a name that passed msgbox_name_check()
 * @flags: MSGBOX_OPEN_CREATE, MSGBOX_OPEN_EXCL and MSGBOX_OPEN_DEDUP
 * @capacity: with CREATE, the capacity of a new mailbox
 * @max_msg_size: with CREATE, its largest message size
 * @mode: with CREATE, the permission bits, umask applied
 * @fmode: the access asked for, checked against an existing mailbox's mode
 * @mbp: where to store the mailbox, with a reference for the caller
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * @capacity and @max_msg_size are checked against the limits only when the
 * mailbox is created: opening an existing one ignores them.
 *
 * Return: 0, or -ENOMEM, -EEXIST, -ENOENT, -EACCES, -EINVAL (limits),
 * -ENOSPC or -EDQUOT.
 */
int msgbox_mailbox_open(const char *name, u32 flags, u32 capacity,
			u32 max_msg_size, umode_t mode, fmode_t fmode,
			struct msgbox_mailbox **mbp)
{
	struct msgbox_mailbox *mb, *new = NULL;
	struct msgbox_user *spare = NULL;
	u32 len = strlen(name);
	u32 hash = msgbox_name_hash(name, len);
	int err = 0;

	/* Allocate before taking the lock; freed below if unused. */
	if (flags & MSGBOX_OPEN_CREATE) {
		new = msgbox_mailbox_new(name, flags & MSGBOX_OPEN_DEDUP ?
					 MSGBOX_MBF_DEDUP : 0,
					 capacity, max_msg_size, mode);
		spare = msgbox_user_spare();
		if (!new) {
			kfree(spare);
			return -ENOMEM;
		}
	}

	mutex_lock(&msgbox_table_lock);
	mb = msgbox_name_lookup(name, len, hash);
	if (mb) {
		if ((flags & MSGBOX_OPEN_CREATE) && (flags & MSGBOX_OPEN_EXCL))
			err = -EEXIST;
		else
			err = msgbox_mailbox_permission(mb, fmode);
		if (!err)
			*mbp = msgbox_mailbox_get(mb);
	} else if (!new) {
		err = -ENOENT;
	} else if (msgbox_limits_check(capacity, max_msg_size)) {
		err = -EINVAL;
	} else {
		err = msgbox_limits_count(new, &spare);
		if (!err) {
			hash_add(msgbox_names, &new->hnode, hash);
			new->linked = true;
			/* One reference for the table, one for the caller. */
			*mbp = msgbox_mailbox_get(new);
			new = NULL;
		}
	}
	mutex_unlock(&msgbox_table_lock);

	kfree(spare);
	msgbox_mailbox_put(new);
	return err;
}

/**
 * msgbox_port_new() - register the caller's port
 * @file: the file the port is bound to; the port dies with it
 * @flags: MSGBOX_OPEN_DEDUP or 0
 * @capacity: checked against the limits by the caller
 * @max_msg_size: checked against the limits by the caller
 * @mode: the permission bits, umask applied; senders need write permission
 * @mbp: where to store the port, with a reference for the caller
 *
 * A port left by the program the process ran before its last execve()
 * does not count: it is destroyed, and the new one takes its place.
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * Return: 0, or -ENOMEM, -EBUSY (the process has a port), -ENOSPC or
 * -EDQUOT.
 */
int msgbox_port_new(const struct file *file, u32 flags, u32 capacity,
		    u32 max_msg_size, umode_t mode, struct msgbox_mailbox **mbp)
{
	struct msgbox_mailbox *mb, *new, *stale = NULL;
	struct pid *owner = task_tgid(current);
	struct msgbox_user *spare;
	u32 hash = hash_ptr(owner, 32);
	int err = 0;

	new = msgbox_mailbox_new(NULL, MSGBOX_MBF_PORT |
				 (flags & MSGBOX_OPEN_DEDUP ? MSGBOX_MBF_DEDUP : 0),
				 capacity, max_msg_size, mode);
	if (!new)
		return -ENOMEM;
	new->owner = get_pid(owner);
	new->owner_exec_id = current->self_exec_id;
	new->owner_file = file;
	spare = msgbox_user_spare();

	mutex_lock(&msgbox_table_lock);
	hash_for_each_possible(msgbox_ports, mb, hnode, hash) {
		if (mb->owner != owner)
			continue;
		if (msgbox_port_current(mb)) {
			err = -EBUSY;
			goto out_unlock;
		}
		/* The port of the program before execve() ends now. */
		msgbox_mailbox_unlink(mb);
		stale = mb;
		break;
	}
	err = msgbox_limits_count(new, &spare);
	if (err)
		goto out_unlock;
	hash_add(msgbox_ports, &new->hnode, hash);
	new->linked = true;
	*mbp = msgbox_mailbox_get(new);
	new = NULL;
out_unlock:
	mutex_unlock(&msgbox_table_lock);
	kfree(spare);
	msgbox_mailbox_put(new);
	if (stale)
		msgbox_mailbox_kill(stale, false);
	return err;
}

/**
 * msgbox_mailbox_find() - find a named mailbox
 * @name: its name
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * Return: the mailbox with a reference for the caller, or ERR_PTR(-ENOENT).
 */
struct msgbox_mailbox *msgbox_mailbox_find(const char *name)
{
	struct msgbox_mailbox *mb;
	u32 len = strlen(name);

	mutex_lock(&msgbox_table_lock);
	mb = msgbox_name_lookup(name, len, msgbox_name_hash(name, len));
	mb = mb ? msgbox_mailbox_get(mb) : ERR_PTR(-ENOENT);
	mutex_unlock(&msgbox_table_lock);
	return mb;
}

/**
 * msgbox_mailbox_for_each() - call @fn for every named mailbox and port
 * @fn: the callback; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Context: process context, may sleep; @fn runs under msgbox_table_lock
 * and may take mailbox locks.
 * Return: the first non-zero value @fn returned, or 0.
 */
int msgbox_mailbox_for_each(int (*fn)(struct msgbox_mailbox *mb, void *arg),
			    void *arg)
{
	struct msgbox_mailbox *mb;
	unsigned int bkt;
	int ret = 0;

	mutex_lock(&msgbox_table_lock);
	hash_for_each(msgbox_names, bkt, mb, hnode) {
		ret = fn(mb, arg);
		if (ret)
			goto out_unlock;
	}
	hash_for_each(msgbox_ports, bkt, mb, hnode) {
		ret = fn(mb, arg);
		if (ret)
			goto out_unlock;
	}
out_unlock:
	mutex_unlock(&msgbox_table_lock);
	return ret;
}

/**
 * msgbox_port_find() - find the port of a process
 * @nr: the process's PID in the caller's PID namespace
 *
 * A port the process registered before its last execve() is not found:
 * it is destroyed, as it is when the new program registers its own.
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * Return: the port with a reference for the caller, or ERR_PTR(-ESRCH).
 */
struct msgbox_mailbox *msgbox_port_find(pid_t nr)
{
	struct msgbox_mailbox *mb, *stale = NULL, *found = ERR_PTR(-ESRCH);
	struct pid *pid;

	pid = find_get_pid(nr);
	if (!pid)
		return found;

	mutex_lock(&msgbox_table_lock);
	hash_for_each_possible(msgbox_ports, mb, hnode, hash_ptr(pid, 32)) {
		if (mb->owner != pid)
			continue;
		if (msgbox_port_current(mb)) {
			found = msgbox_mailbox_get(mb);
		} else {
			/* Left by the program before execve(): it ends now. */
			msgbox_mailbox_unlink(mb);
			stale = mb;
		}
		break;
	}
	mutex_unlock(&msgbox_table_lock);
	put_pid(pid);
	if (stale)
		msgbox_mailbox_kill(stale, false);
	return found;
}

/**
 * msgbox_port_release() - the file bound to a port is being released
 * @mb: the port
 * @file: the file
 *
 * Only the file that registered the port destroys it.
 *
 * Context: process context, may sleep.
 */
void msgbox_port_release(struct msgbox_mailbox *mb, const struct file *file)
{
	bool unlinked;

	if (mb->owner_file != file)
		return;
	mutex_lock(&msgbox_table_lock);
	unlinked = msgbox_mailbox_unlink(mb);
	mutex_unlock(&msgbox_table_lock);
	if (unlinked)
		msgbox_mailbox_kill(mb, false);
}

/**
 * msgbox_mailbox_destroy_name() - destroy a named mailbox
 * @name: a name that passed msgbox_name_check()
 * @unlink_only: remove the name and leave the mailbox working for the
 *	descriptors open on it, until the last is closed
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * Return: 0, -ENOENT or -EPERM.
 */
int msgbox_mailbox_destroy_name(const char *name, bool unlink_only)
{
	struct msgbox_mailbox *mb;
	u32 len = strlen(name);
	int err;

	mutex_lock(&msgbox_table_lock);
	mb = msgbox_name_lookup(name, len, msgbox_name_hash(name, len));
	err = mb ? msgbox_mailbox_may_destroy(mb) : -ENOENT;
	if (!err)
		msgbox_mailbox_unlink(mb);
	mutex_unlock(&msgbox_table_lock);

	if (!err)
		msgbox_mailbox_kill(mb, unlink_only);
	return err;
}

/**
 * msgbox_mailbox_destroy() - destroy a named mailbox through a bound file
 * @mb: the mailbox
 * @unlink_only: as for msgbox_mailbox_destroy_name()
 *
 * Context: process context, may sleep; takes msgbox_table_lock.
 * Return: 0, -EINVAL (a port), -EIDRM (already destroyed or unlinked) or
 * -EPERM.
 */
int msgbox_mailbox_destroy(struct msgbox_mailbox *mb, bool unlink_only)
{
	int err;

	if (mb->flags & MSGBOX_MBF_PORT)
		return -EINVAL;

	mutex_lock(&msgbox_table_lock);
	err = mb->linked ? msgbox_mailbox_may_destroy(mb) : -EIDRM;
	if (!err)
		msgbox_mailbox_unlink(mb);
	mutex_unlock(&msgbox_table_lock);

	if (!err)
		msgbox_mailbox_kill(mb, unlink_only);
	return err;
}

/**
 * msgbox_mailbox_destroy_all() - destroy every mailbox, at module exit
 *
 * No file of the device is open any more, so the table's references are
 * the last ones.
 *
 * Context: process context, may sleep.
 */
void msgbox_mailbox_destroy_all(void)
{
	struct msgbox_mailbox *mb;
	unsigned int bkt;

	/* The last put takes the table lock: drop it for each mailbox. */
	for (;;) {
		mb = NULL;
		mutex_lock(&msgbox_table_lock);
		hash_for_each(msgbox_names, bkt, mb, hnode)
			break;
		if (!mb)
			hash_for_each(msgbox_ports, bkt, mb, hnode)
				break;
		if (mb)
			msgbox_mailbox_unlink(mb);
		mutex_unlock(&msgbox_table_lock);
		if (!mb)
			break;
		msgbox_mailbox_kill(mb, false);
	}
}
