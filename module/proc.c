// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/driver/msgbox listing.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>

#include "mailbox.h"
#include "proc.h"
#include "queue.h"

#define MSGBOX_PROC_NAME	"driver/msgbox"

/* May the reader (with the opener's credentials) see @mb at all? */
static bool msgbox_proc_visible(const struct msgbox_mailbox *mb)
{
	if (mb->owner) {
		if (!pid_has_task(mb->owner, PIDTYPE_TGID) || !pid_vnr(mb->owner))
			return false;
	} else if (mb->user_ns != current_user_ns()) {
		return false;
	}
	if (uid_eq(current_fsuid(), mb->uid))
		return true;
	/* A listing is no access attempt: check capabilities quietly. */
	return msgbox_mailbox_mode_allows(mb, FMODE_READ) ||
	       msgbox_mailbox_mode_allows(mb, FMODE_WRITE) ||
	       ns_capable_noaudit(mb->user_ns, CAP_DAC_OVERRIDE);
}

static int msgbox_proc_show_one(struct msgbox_mailbox *mb, void *arg)
{
	struct msgbox_stat_args st = { };
	struct seq_file *m = arg;

	if (!msgbox_proc_visible(mb))
		return 0;
	msgbox_queue_stat(mb, &st);
	if (st.owner_pid)
		seq_printf(m, "- port:%d", st.owner_pid);
	else
		seq_printf(m, "%s named", mb->name);
	seq_printf(m, " %u %u %04o %u %u %u %llu %u %u %llu %llu %u %u\n",
		   st.uid, st.gid, st.mode, st.capacity, st.max_msg_size,
		   st.msgs, st.bytes, st.waiting_senders, st.waiting_receivers,
		   st.sent, st.received, st.held, st.calls);
	return 0;
}

/*
 * What a reader sees is decided by the credentials of whoever opened the
 * file, as for every procfs file, not by those of whoever reads it: a
 * descriptor passed to, or kept across the execve() of, a privileged
 * program shows what its opener may see.
 */
static int msgbox_proc_show(struct seq_file *m, void *v)
{
	const struct cred *old;
	int ret;

	seq_puts(m, "name type uid gid mode capacity msgsize msgs bytes wsend wrecv sent recv held calls\n");
	old = override_creds(m->file->f_cred);
	ret = msgbox_mailbox_for_each(msgbox_proc_show_one, m);
	revert_creds(old);
	return ret;
}

/**
 * msgbox_proc_init() - create /proc/driver/msgbox
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int msgbox_proc_init(void)
{
	if (!proc_create_single(MSGBOX_PROC_NAME, 0444, NULL, msgbox_proc_show))
		return -ENOMEM;
	return 0;
}

/**
 * msgbox_proc_exit() - remove /proc/driver/msgbox
 *
 * Context: module exit.
 */
void msgbox_proc_exit(void)
{
	remove_proc_entry(MSGBOX_PROC_NAME, NULL);
}
