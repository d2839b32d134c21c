// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection through debugfs.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fault.h"
#include "mailbox.h"
#include "message.h"

/* Longest line accepted: a name and four settings. */
#define MSGBOX_FAULT_LINE_MAX	(MSGBOX_NAME_MAX + 64)

static struct dentry *msgbox_debugfs_dir;

/* Does fault @f hit the current message? With the probability set. */
static bool msgbox_fault_hit(const struct msgbox_mailbox *mb,
			     enum msgbox_fault f)
{
	u16 rate;

	switch (f) {
	case MSGBOX_FAULT_DROP:
		rate = READ_ONCE(mb->faults.drop);
		break;
	case MSGBOX_FAULT_DUP:
		rate = READ_ONCE(mb->faults.dup);
		break;
	case MSGBOX_FAULT_CORRUPT:
		rate = READ_ONCE(mb->faults.corrupt);
		break;
	default:
		rate = READ_ONCE(mb->faults.ackloss);
		break;
	}
	return rate && get_random_u32_below(1000) < rate;
}

/**
 * msgbox_fault_on_send() - the faults of a message on its way in
 * @mb: the mailbox, with some fault set (msgbox_faults_set())
 * @msg: the message, copied in, its checksum not yet verified
 * @dup: out: whether a copy is to arrive after it
 *
 * A dropped message is left to the caller to free; a corrupted one has a
 * bit flipped, before its checksum is checked as the wire would; for a
 * duplicated one the caller sends a copy once it is checked.
 *
 * Context: process context, may sleep; no locks held.
 * Return: true when the message is dropped.
 */
bool msgbox_fault_on_send(const struct msgbox_mailbox *mb,
			  struct msgbox_msg *msg, bool *dup)
{
	u32 bit;

	if (msgbox_fault_hit(mb, MSGBOX_FAULT_DROP))
		return true;
	if (msg->len && msgbox_fault_hit(mb, MSGBOX_FAULT_CORRUPT)) {
		bit = get_random_u32_below(msg->len * 8);
		msgbox_msg_data(msg)[bit / 8] ^= 1U << (bit % 8);
	}
	*dup = msgbox_fault_hit(mb, MSGBOX_FAULT_DUP);
	return false;
}

/**
 * msgbox_fault_on_ack() - is the acknowledgment of a delivered send lost?
 * @mb: the mailbox, with some fault set
 *
 * Return: true when the sender is to be told -ETIMEDOUT.
 */
bool msgbox_fault_on_ack(const struct msgbox_mailbox *mb)
{
	return msgbox_fault_hit(mb, MSGBOX_FAULT_ACKLOSS);
}

/* A snapshot of @mb's fault rates; true when any is set. */
static bool msgbox_fault_read(const struct msgbox_mailbox *mb,
			      struct msgbox_faults *f)
{
	f->drop = READ_ONCE(mb->faults.drop);
	f->dup = READ_ONCE(mb->faults.dup);
	f->corrupt = READ_ONCE(mb->faults.corrupt);
	f->ackloss = READ_ONCE(mb->faults.ackloss);
	return msgbox_faults_set(f);
}

static int msgbox_fault_show_one(struct msgbox_mailbox *mb, void *arg)
{
	struct seq_file *m = arg;
	struct msgbox_faults f;

	if (msgbox_fault_read(mb, &f))
		seq_printf(m, "%s drop=%u dup=%u corrupt=%u ackloss=%u\n",
			   mb->name, f.drop, f.dup, f.corrupt, f.ackloss);
	return 0;
}

static int msgbox_fault_show(struct seq_file *m, void *v)
{
	return msgbox_mailbox_for_each(msgbox_fault_show_one, m);
}

/* Parse "<name> key=value..." in place; -EINVAL on any bad token. */
static int msgbox_fault_parse(char *line, char **name, struct msgbox_faults *f)
{
	char *tok, *val;
	unsigned int n;

	line = strim(line);
	*name = strsep(&line, " \t");
	if (!**name || msgbox_name_check(*name))
		return -EINVAL;
	memset(f, 0, sizeof(*f));

	while ((tok = strsep(&line, " \t"))) {
		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (kstrtouint(val, 10, &n) || n > 1000)
			return -EINVAL;
		if (!strcmp(tok, "drop"))
			f->drop = n;
		else if (!strcmp(tok, "dup"))
			f->dup = n;
		else if (!strcmp(tok, "corrupt"))
			f->corrupt = n;
		else if (!strcmp(tok, "ackloss"))
			f->ackloss = n;
		else
			return -EINVAL;
	}
	return 0;
}

static ssize_t msgbox_fault_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct msgbox_mailbox *mb;
	struct msgbox_faults f;
	char *line, *name;
	int err;

	if (count > MSGBOX_FAULT_LINE_MAX)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);

	err = msgbox_fault_parse(line, &name, &f);
	if (err)
		goto out_free;
	mb = msgbox_mailbox_find(name);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		goto out_free;
	}
	WRITE_ONCE(mb->faults.drop, f.drop);
	WRITE_ONCE(mb->faults.dup, f.dup);
	WRITE_ONCE(mb->faults.corrupt, f.corrupt);
	WRITE_ONCE(mb->faults.ackloss, f.ackloss);
	msgbox_mailbox_put(mb);
out_free:
	kfree(line);
	return err ? err : count;
}

static int msgbox_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, msgbox_fault_show, NULL);
}

static const struct file_operations msgbox_fault_fops = {
	.owner = THIS_MODULE,
	.open = msgbox_fault_open,
	.read = seq_read,
	.write = msgbox_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * msgbox_fault_init() - create /sys/kernel/debug/msgbox/faults
 *
 * A kernel without debugfs simply has no fault injection.
 *
 * Context: module init.
 * Return: 0.
 */
int msgbox_fault_init(void)
{
	msgbox_debugfs_dir = debugfs_create_dir("msgbox", NULL);
	debugfs_create_file("faults", 0600, msgbox_debugfs_dir, NULL,
			    &msgbox_fault_fops);
	return 0;
}

/**
 * msgbox_fault_exit() - remove the debugfs files
 *
 * Context: module exit.
 */
void msgbox_fault_exit(void)
{
	debugfs_remove(msgbox_debugfs_dir);
}
