// SPDX-License-Identifier: GPL-2.0
/*
 * The inbound journal of a mailbox: a small file of fixed slots in the
 * state directory. Slots 1..BRIDGE_RING hold the last deliveries, as
 * (origin, sequence, order), in a ring; slot 0 says which of them are a
 * round of local sends whose outcome the ring does not know yet.
 *
 * A round is written before its first send: one slot per message, marked
 * pending, at the ring's next places, and in slot 0 the round's first order
 * number, its length and the in mailbox's "sent" counter from before it;
 * then one fdatasync(2) for all. The messages are sent in order, and a
 * round ends at the first send that did not happen (a full mailbox or an
 * error); slot 0 then gets how many were sent, with a second fdatasync(2),
 * and only then are the deliveries acknowledged. Two syncs per round, not
 * per message.
 *
 * At start the ring is resolved: a pending slot before the last round was
 * sent (the next round only begins after the previous one's sends); one of
 * the last round was sent if it is among the first "sent" of the round,
 * as slot 0 says or, if the bridge died before that was written, as the
 * in mailbox's counter tells (the bridge is its only sender, and sends in
 * order); any other pending slot is cleared. A redelivery found in the
 * ring is then acked without a second local send.
 *
 * Slot 0 of journals written before rounds held one pending send (valid
 * 1, the counter in @order); it is still resolved the old way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <msgbox.h>

#include "bridge.h"

/* journal_slot.valid */
#define SLOT_EMPTY	0
#define SLOT_DONE	1	/* delivered; in slot 0: the old single pending */
#define SLOT_PENDING	2	/* in a round, outcome not known */
#define SLOT_ROUND	3	/* slot 0: the last round */

#define ROUND_UNKNOWN	UINT64_MAX	/* journal_round.sent before the end */

struct journal_slot {
	char origin[BRIDGE_STREAM_MAX + 1];
	uint64_t seq;
	uint64_t order;		/* old single pending: the "sent" counter */
	uint64_t valid;
};

/* Slot 0 as a round's record, the same size, @valid at the same place. */
struct journal_round {
	uint64_t first;		/* order number of its first message */
	uint64_t n;		/* its messages */
	uint64_t sent_before;	/* the in mailbox's "sent" counter before */
	uint64_t sent;		/* how many were sent, or ROUND_UNKNOWN */
	char pad[sizeof(struct journal_slot) - 5 * sizeof(uint64_t)];
	uint64_t valid;		/* SLOT_ROUND */
};

_Static_assert(sizeof(struct journal_round) == sizeof(struct journal_slot),
	       "a round's record is one slot");

static int slot_put(struct bridge_journal *j, unsigned int i, const void *s)
{
	size_t len = sizeof(struct journal_slot);

	if (pwrite(j->fd, s, len, (off_t)i * len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

static int journal_sync(struct bridge_journal *j)
{
	if (j->sync && fdatasync(j->fd) < 0)
		return -errno;
	return 0;
}

static int slot_write(struct bridge_journal *j, unsigned int i,
		      const struct journal_slot *s)
{
	int ret = slot_put(j, i, s);

	return ret ? ret : journal_sync(j);
}

/* Was the slot of order @order, pending, sent? See the top of the file. */
static int round_sent(const struct journal_round *r, uint64_t in_sent,
		      uint64_t order)
{
	uint64_t k;

	if (order < r->first)
		return 1;
	if (r->sent != ROUND_UNKNOWN)
		k = r->sent;
	else
		k = in_sent > r->sent_before ? in_sent - r->sent_before : 0;
	if (k > r->n)
		k = r->n;
	return order - r->first < k;
}

/**
 * bridge_journal_open() - open a mailbox's journal and resolve it
 * @j: the journal
 * @dir: the state directory
 * @name: the bridged mailbox name
 * @sync: fdatasync what must last
 * @in_fd: the in mailbox, or -1 (direct addressing: nothing to resolve)
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_open(struct bridge_journal *j, const char *dir,
			const char *name, int sync, int in_fd)
{
	struct msgbox_stat_args st;
	struct journal_slot s, s0;
	struct journal_round r;
	uint64_t best = 0, in_sent = 0;
	char path[4096];
	unsigned int i;
	int ret, pending;

	memset(j, 0, sizeof(*j));
	j->sync = sync;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.journal", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return -errno;

	if (pread(j->fd, &s0, sizeof(s0), 0) != sizeof(s0))
		memset(&s0, 0, sizeof(s0));
	memcpy(&r, &s0, sizeof(r));
	if (in_fd >= 0 && r.valid != SLOT_EMPTY) {
		memset(&st, 0, sizeof(st));
		ret = msgbox_stat(in_fd, &st);
		if (ret)
			return ret;
		in_sent = st.sent;
	}
	if (r.valid != SLOT_ROUND) {
		/* No round: nothing pending in the ring was sent. */
		r.first = 0;
		r.n = 0;
		r.sent = 0;
	} else if (in_fd < 0) {
		/* A port cannot tell: what it does not say counts as not done. */
		if (r.sent == ROUND_UNKNOWN)
			r.sent = 0;
	}

	j->next = 0;
	for (i = 0; i < BRIDGE_RING; i++) {
		ssize_t n = pread(j->fd, &s, sizeof(s), (off_t)(i + 1) * sizeof(s));

		if (n < 0)
			return -errno;
		if (n != sizeof(s) || s.valid == SLOT_EMPTY)
			continue;
		pending = s.valid == SLOT_PENDING;
		if (pending && !round_sent(&r, in_sent, s.order)) {
			memset(&s, 0, sizeof(s));
			ret = slot_put(j, i + 1, &s);
			if (ret)
				return ret;
			continue;
		}
		if (s.valid != SLOT_DONE && !pending)
			continue;
		if (pending) {
			/* Sent: say so, for no round record will tell. */
			s.valid = SLOT_DONE;
			ret = slot_put(j, i + 1, &s);
			if (ret)
				return ret;
		}
		s.origin[BRIDGE_STREAM_MAX] = '\0';
		memcpy(j->ring_origin[i], s.origin, sizeof(s.origin));
		j->ring_seq[i] = s.seq;
		if (s.order >= best) {
			best = s.order;
			j->next = (i + 1) % BRIDGE_RING;
		}
	}
	j->order = best + 1;

	if (s0.valid == SLOT_DONE && in_fd >= 0) {
		/* The single pending send of an older journal. */
		s0.origin[BRIDGE_STREAM_MAX] = '\0';
		if (in_sent > s0.order) {
			ret = bridge_journal_done(j, s0.origin, s0.seq);
			if (ret)
				return ret;
		}
	}
	/* Every slot is resolved now: forget the round. */
	memset(&s, 0, sizeof(s));
	return slot_write(j, 0, &s);
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

/* Write the record of the round at hand, @sent of it sent or ROUND_UNKNOWN. */
static int round_put(struct bridge_journal *j, uint64_t sent)
{
	struct journal_round r;

	memset(&r, 0, sizeof(r));
	r.first = j->order;
	r.n = j->round_n;
	r.sent_before = j->round_sent_before;
	r.sent = sent;
	r.valid = SLOT_ROUND;
	return slot_put(j, 0, &r);
}

/**
 * bridge_journal_round() - record a round of local sends about to happen
 * @j: the journal
 * @n: how many, at most BRIDGE_RING / 4
 * @origin: their origin streams
 * @seq: their sequence numbers
 * @sent_before: the in mailbox's "sent" counter now
 *
 * Writes one pending slot per message and the round's record, with one
 * sync. The messages are to be sent in this order; bridge_journal_end()
 * says how many were.
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_round(struct bridge_journal *j, unsigned int n,
			 const char *const *origin, const uint64_t *seq,
			 uint64_t sent_before)
{
	struct journal_slot s;
	unsigned int i;
	int ret;

	if (n > BRIDGE_RING / 4)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		strncpy(s.origin, origin[i], BRIDGE_STREAM_MAX);
		s.seq = seq[i];
		s.order = j->order + i;
		s.valid = SLOT_PENDING;
		ret = slot_put(j, (j->next + i) % BRIDGE_RING + 1, &s);
		if (ret)
			return ret;
	}
	j->round_sent_before = sent_before;
	for (i = 0; i < n; i++) {
		strncpy(j->round_origin[i], origin[i], BRIDGE_STREAM_MAX);
		j->round_origin[i][BRIDGE_STREAM_MAX] = '\0';
		j->round_seq[i] = seq[i];
	}
	j->round_n = n;
	ret = round_put(j, ROUND_UNKNOWN);
	return ret ? ret : journal_sync(j);
}

/**
 * bridge_journal_end() - record how a round of local sends went
 * @j: the journal
 * @sent: how many of the round were sent, the first @sent of it
 *
 * Puts them in the ring and says so in the round's record, with one sync;
 * the deliveries may be acknowledged after it.
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_end(struct bridge_journal *j, unsigned int sent)
{
	unsigned int i;
	int ret;

	if (sent > j->round_n)
		sent = j->round_n;
	ret = round_put(j, sent);
	if (!ret)
		ret = journal_sync(j);
	if (ret)
		return ret;
	for (i = 0; i < sent; i++) {
		memcpy(j->ring_origin[j->next], j->round_origin[i],
		       sizeof(j->ring_origin[0]));
		j->ring_seq[j->next] = j->round_seq[i];
		j->next = (j->next + 1) % BRIDGE_RING;
	}
	j->order += sent;
	j->round_n = 0;
	return 0;
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
	s.valid = SLOT_DONE;
	ret = slot_write(j, j->next + 1, &s);
	if (ret)
		return ret;
	memcpy(j->ring_origin[j->next], s.origin, sizeof(s.origin));
	j->ring_seq[j->next] = seq;
	j->next = (j->next + 1) % BRIDGE_RING;
	return 0;
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
