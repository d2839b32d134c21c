// SPDX-License-Identifier: GPL-2.0
/*
 * The inbound journal of a mailbox: a small file of fixed slots in the
 * state directory. Slot 0 holds the local send in progress, with the in
 * mailbox's "sent" counter from before it; slots 1..BRIDGE_RING hold the
 * last deliveries made, as (origin, sequence, order). Each slot is written
 * with one pwrite(2), and fsync(2)ed unless sync is off.
 *
 * At start a pending send is resolved: if the mailbox's counter moved, the
 * send happened (the bridge is the in mailbox's only sender) and the
 * message goes into the ring; a redelivery found in the ring is acked
 * without a second local send.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <msgbox.h>

#include "bridge.h"

struct journal_slot {
	char origin[BRIDGE_STREAM_MAX + 1];
	uint64_t seq;
	uint64_t order;		/* pending: the "sent" counter */
	uint64_t valid;
};

static int slot_write(struct bridge_journal *j, unsigned int i,
		      const struct journal_slot *s)
{
	if (pwrite(j->fd, s, sizeof(*s), (off_t)i * sizeof(*s)) != sizeof(*s))
		return errno ? -errno : -EIO;
	if (j->sync && fdatasync(j->fd) < 0)
		return -errno;
	return 0;
}

/**
 * bridge_journal_open() - open a mailbox's journal and resolve it
 * @j: the journal
 * @dir: the state directory
 * @name: the bridged mailbox name
 * @sync: fsync every write
 * @in_fd: the in mailbox, or -1 (direct addressing: nothing to resolve)
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_open(struct bridge_journal *j, const char *dir,
			const char *name, int sync, int in_fd)
{
	struct msgbox_stat_args st;
	struct journal_slot s;
	uint64_t best = 0;
	char path[4096];
	unsigned int i;
	int ret;

	memset(j, 0, sizeof(*j));
	j->sync = sync;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.journal", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return -errno;

	j->next = 0;
	for (i = 0; i < BRIDGE_RING; i++) {
		ssize_t n = pread(j->fd, &s, sizeof(s), (off_t)(i + 1) * sizeof(s));

		if (n < 0)
			return -errno;
		if (n != sizeof(s) || !s.valid)
			continue;
		s.origin[BRIDGE_STREAM_MAX] = '\0';
		memcpy(j->ring_origin[i], s.origin, sizeof(s.origin));
		j->ring_seq[i] = s.seq;
		if (s.order >= best) {
			best = s.order;
			j->next = (i + 1) % BRIDGE_RING;
		}
	}
	j->order = best + 1;

	if (in_fd < 0) {
		/* A port cannot tell: the send counts as not done. */
		memset(&s, 0, sizeof(s));
		return slot_write(j, 0, &s);
	}
	if (pread(j->fd, &s, sizeof(s), 0) == sizeof(s) && s.valid) {
		s.origin[BRIDGE_STREAM_MAX] = '\0';
		memset(&st, 0, sizeof(st));
		ret = msgbox_stat(in_fd, &st);
		if (ret)
			return ret;
		if (st.sent > s.order) {
			ret = bridge_journal_done(j, s.origin, s.seq);
			if (ret)
				return ret;
		} else {
			memset(&s, 0, sizeof(s));
			ret = slot_write(j, 0, &s);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * bridge_journal_seen() - was (origin, seq) delivered locally of late?
 * @j: the journal
 * @origin: origin host
 * @seq: sequence number
 *
 * Return: 1 if it is in the ring, else 0.
 */
int bridge_journal_seen(const struct bridge_journal *j, const char *origin,
			uint64_t seq)
{
	unsigned int i;

	for (i = 0; i < BRIDGE_RING; i++)
		if (j->ring_seq[i] == seq && !strcmp(j->ring_origin[i], origin))
			return 1;
	return 0;
}

/**
 * bridge_journal_begin() - record a local send about to happen
 * @j: the journal
 * @origin: origin host
 * @seq: sequence number
 * @sent_before: the in mailbox's "sent" counter now
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_begin(struct bridge_journal *j, const char *origin,
			 uint64_t seq, uint64_t sent_before)
{
	struct journal_slot s;

	memset(&s, 0, sizeof(s));
	strncpy(s.origin, origin, BRIDGE_STREAM_MAX);
	s.seq = seq;
	s.order = sent_before;
	s.valid = 1;
	return slot_write(j, 0, &s);
}

/**
 * bridge_journal_done() - record a local send that happened
 * @j: the journal
 * @origin: origin host
 * @seq: sequence number
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_done(struct bridge_journal *j, const char *origin,
			uint64_t seq)
{
	struct journal_slot s;
	int ret;

	memset(&s, 0, sizeof(s));
	strncpy(s.origin, origin, BRIDGE_STREAM_MAX);
	s.seq = seq;
	s.order = j->order++;
	s.valid = 1;
	ret = slot_write(j, j->next + 1, &s);
	if (ret)
		return ret;
	memcpy(j->ring_origin[j->next], s.origin, sizeof(s.origin));
	j->ring_seq[j->next] = seq;
	j->next = (j->next + 1) % BRIDGE_RING;
	memset(&s, 0, sizeof(s));
	return slot_write(j, 0, &s);
}

/**
 * bridge_journal_close() - close the journal
 * @j: the journal
 */
void bridge_journal_close(struct bridge_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}
