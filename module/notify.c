// SPDX-License-Identifier: GPL-2.0
/*
 * Arrival notification: a signal, or EPOLLPRI, when a message arrives on an
 * empty mailbox that no receiver waits on.
 */
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>

#include <linux/msgbox.h>

#include "mailbox.h"
#include "notify.h"

/**
 * msgbox_notify_due() - is arrival notification due for a message queued now?
 * @mb: the mailbox, locked
 *
 * Only for the first message, and only when no receiver is blocked to
 * take it.
 *
 * Return: true when msgbox_notify_take() should be called.
 */
bool msgbox_notify_due(const struct msgbox_mailbox *mb)
{
	lockdep_assert_held(&mb->lock);
	return mb->notify.pid && !mb->nr_msgs && !mb->nr_recv_waiting;
}

/**
 * msgbox_notify_take() - take the registration off a mailbox
 * @mb: the mailbox, locked
 * @n: where the registration goes, for msgbox_notify_fire()
 *
 * A registration for EPOLLPRI marks its file; a signal is sent by
 * msgbox_notify_fire() once the mailbox lock is dropped.
 */
void msgbox_notify_take(struct msgbox_mailbox *mb, struct msgbox_notify *n)
{
	lockdep_assert_held(&mb->lock);
	*n = mb->notify;
	if (!n->signo)
		mb->notify.fired = n->file;
	mb->notify.pid = NULL;
	mb->notify.file = NULL;
}

/*
 * send_sig_info() directs a signal at one thread, and no exported helper
 * sends a process-wide one with a chosen siginfo. Pick the thread the
 * kernel would: one that is not exiting and does not block @signo, or
 * failing that any live one, so the signal waits there until unblocked.
 */
static struct task_struct *msgbox_notify_target(struct task_struct *leader,
						int signo)
{
	struct task_struct *t, *live = NULL;

	for_each_thread(leader, t) {
		if (t->flags & PF_EXITING)
			continue;
		if (!sigismember(&t->blocked, signo))
			return t;
		if (!live)
			live = t;
	}
	return live;
}

/**
 * msgbox_notify_send() - send the signal of a registration taken
 * @n: the registration; its PID reference is dropped
 *
 * Context: process context, no mailbox lock held.
 */
void __cold msgbox_notify_send(struct msgbox_notify *n)
{
	struct kernel_siginfo info;
	struct task_struct *task;

	if (n->signo) {
		clear_siginfo(&info);
		info.si_signo = n->signo;
		info.si_code = SI_MESGQ;
		info.si_value.sival_ptr = (void __user *)(uintptr_t)n->value;

		rcu_read_lock();
		task = pid_task(n->pid, PIDTYPE_TGID);
		if (task)
			task = msgbox_notify_target(task, n->signo);
		if (task) {
			info.si_pid = task_tgid_nr_ns(current,
						      task_active_pid_ns(task));
			info.si_uid = from_kuid_munged(task_cred_xxx(task, user_ns),
						       current_uid());
			send_sig_info(n->signo, &info, task);
		}
		rcu_read_unlock();
	}
	put_pid(n->pid);
}

/**
 * msgbox_notify_register() - register or clear arrival notification
 * @mb: the mailbox
 * @file: the file the caller registers through
 * @args: the request, already checked
 *
 * Context: process context; takes the mailbox lock.
 * Return: 0, -EIDRM or -EBUSY (another registration exists).
 */
int msgbox_notify_register(struct msgbox_mailbox *mb, const struct file *file,
			   const struct msgbox_notify_args *args)
{
	struct pid *me = task_tgid(current), *old = NULL;
	int err = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
		goto out_unlock;
	}
	if (mb->notify.fired == file)
		mb->notify.fired = NULL;
	if (args->flags & MSGBOX_NOTIFY_CLEAR) {
		if (mb->notify.pid == me) {
			old = mb->notify.pid;
			mb->notify.pid = NULL;
			mb->notify.file = NULL;
		}
	} else if (mb->notify.pid) {
		err = -EBUSY;
	} else {
		mb->notify.pid = get_pid(me);
		mb->notify.file = file;
		mb->notify.signo = args->signo;
		mb->notify.value = args->value;
	}
out_unlock:
	spin_unlock(&mb->lock);
	put_pid(old);
	return err;
}

/**
 * msgbox_notify_release() - a file of @mb is being released
 * @mb: the mailbox
 * @file: the file
 *
 * Removes a registration made through @file, as closing a message queue
 * descriptor does.
 *
 * Context: process context; takes the mailbox lock.
 */
void msgbox_notify_release(struct msgbox_mailbox *mb, const struct file *file)
{
	struct pid *old = NULL;

	spin_lock(&mb->lock);
	if (mb->notify.file == file) {
		old = mb->notify.pid;
		mb->notify.pid = NULL;
		mb->notify.file = NULL;
	}
	if (mb->notify.fired == file)
		mb->notify.fired = NULL;
	spin_unlock(&mb->lock);
	put_pid(old);
}
