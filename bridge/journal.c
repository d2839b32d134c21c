// SPDX-License-Identifier: GPL-2.0
/*
 * The inbound journal of a mailbox: a small file of fixed slots in the
 * state directory. Slots 1..BRIDGE_RING hold the last deliveries, as
 * (origin, sequence, order), in a ring; slot 0 says which of them are a
 * round of local sends whose outcome the ring does not know yet.
 *
 * Every local send carries its order number as its token
 * (MSGBOX_SEND_TOKEN): the in mailbox, created with duplicate detection,
 * recognises a message sent with the same token before, by this bridge or
 * by the one it replaced, and queues nothing the second time.
 *
 * A round is written before its first send: one slot per message, marked
 * pending, at the ring's next places, and in slot 0 the round's first order
 * number and its length; then one fdatasync(2) for all. The messages are
 * sent in order, and a round ends at the first send that did not happen (a
 * full mailbox or an error; neither queued anything, so the orders of
 * those not sent are used again by the next round). Slot 0 then gets how
 * many were sent, with a second fdatasync(2), and only then are the
 * deliveries acknowledged. Two syncs per round, not per message.
 *
 * At start the ring is resolved. A pending slot before the last round was
 * sent (the next round only begins after the previous one's end). One of
 * the last round was sent if it is among the first "sent" of the round,
 * as slot 0 says, and not sent otherwise: it is cleared. If the bridge
 * died before slot 0 said how many were sent, every slot of the round is
 * marked "resend": the broker delivers those messages again (none was
 * acknowledged), and each is then sent once more with the token it had,
 * alone, the mailbox dropping those it had accepted; then its slot says
 * delivered. A redelivery found delivered in the ring is acked without a
 * second local send.
 *
 * This holds as long as the mailbox's window (MSGBOX_DEDUP_WINDOW, 1024)
 * still remembers the round's tokens when they come again: a round is at
 * most BRIDGE_RING / 4 messages, and the redeliveries come first.
 *
 * Journals written by bridges without tokens are resolved once, when they
 * are first opened, the way those bridges did: from the in mailbox's
 * "sent" counter (a round of slot 0 marked SLOT_ROUND, or a single pending
 * send marked SLOT_DONE, the counter in @order).
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
#define SLOT_ROUND	3	/* slot 0: the last round, sent without tokens */
#define SLOT_RESEND	4	/* sent or not: send again with its token */
#define SLOT_TROUND	5	/* slot 0: the last round, its orders tokens */

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
	uint64_t sent_before;	/* SLOT_ROUND: the in mailbox's "sent" before */
	uint64_t sent;		/* how many were sent, or ROUND_UNKNOWN */
	char pad[sizeof(struct journal_slot) - 5 * sizeof(uint64_t)];
	uint64_t valid;		/* SLOT_TROUND, or SLOT_ROUND */
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

/*
 * What became of the slot of order @order, pending: SLOT_DONE, SLOT_EMPTY
 * (not sent), or SLOT_RESEND. See the top of the file.
 */
static int round_outcome(const struct journal_round *r, uint64_t in_sent,
			 uint64_t order)
{
	uint64_t k;

	if (order < r->first)
		return SLOT_DONE;
	if (r->valid == SLOT_TROUND && r->sent == ROUND_UNKNOWN)
		return order - r->first < r->n ? SLOT_RESEND : SLOT_EMPTY;
	if (r->sent != ROUND_UNKNOWN)
		k = r->sent;
	else
		k = in_sent > r->sent_before ? in_sent - r->sent_before : 0;
	if (k > r->n)
		k = r->n;
	return order - r->first < k ? SLOT_DONE : SLOT_EMPTY;
}

/*
 * The ring is looked up by (origin, seq) for every delivery, so each
 * place in use is also on a chain of a hash table by seq: @ring_head[b]
 * and @ring_next[i] hold place + 1, 0 ending a chain. A place is on its
 * chain exactly when its origin is not empty; ring_set() keeps it so.
 */
_Static_assert(BRIDGE_RING < UINT16_MAX, "a place + 1 fits a chain link");
_Static_assert((BRIDGE_RING_HASH & (BRIDGE_RING_HASH - 1)) == 0,
	       "the hash is masked");

static unsigned int ring_bucket(uint64_t seq)
{
	return (unsigned int)(seq ^ (seq >> 16)) & (BRIDGE_RING_HASH - 1);
}

static void ring_set(struct bridge_journal *j, unsigned int i,
		     const char *origin, uint64_t seq, uint64_t order,
		     int resend)
{
	uint16_t *link;

	if (j->ring_origin[i][0]) {
		link = &j->ring_head[ring_bucket(j->ring_seq[i])];
		while (*link && *link != i + 1)
			link = &j->ring_next[*link - 1];
		if (*link)
			*link = j->ring_next[i];
	}
	strncpy(j->ring_origin[i], origin, BRIDGE_STREAM_MAX);
	j->ring_origin[i][BRIDGE_STREAM_MAX] = '\0';
	j->ring_seq[i] = seq;
	j->ring_order[i] = order;
	j->ring_resend[i] = !!resend;
	if (j->ring_origin[i][0]) {
		link = &j->ring_head[ring_bucket(seq)];
		j->ring_next[i] = *link;
		*link = i + 1;
	}
}

/* Empty place @i of the ring. */
static void ring_clear(struct bridge_journal *j, unsigned int i)
{
	ring_set(j, i, "", 0, 0, 0);
}

/* Put slot @i + 1, as read, into the ring in memory. */
static void ring_load(struct bridge_journal *j, unsigned int i,
		      const struct journal_slot *s)
{
	char origin[BRIDGE_STREAM_MAX + 1];

	memcpy(origin, s->origin, BRIDGE_STREAM_MAX);
	origin[BRIDGE_STREAM_MAX] = '\0';
	ring_set(j, i, origin, s->seq, s->order, s->valid == SLOT_RESEND);
}

/* Add a delivery made, of order @order, at the ring's next place. */
static void ring_push(struct bridge_journal *j,
		      const char origin[BRIDGE_STREAM_MAX + 1], uint64_t seq,
		      uint64_t order)
{
	ring_set(j, j->next, origin, seq, order, 0);
	j->next = (j->next + 1) % BRIDGE_RING;
}

/* The place of (@origin, @seq) in the ring, to send again or not, or -1. */
static int ring_find(const struct bridge_journal *j, const char *origin,
		     uint64_t seq, int resend)
{
	unsigned int i;

	for (i = j->ring_head[ring_bucket(seq)]; i; i = j->ring_next[i - 1])
		if (j->ring_seq[i - 1] == seq &&
		    j->ring_resend[i - 1] == resend &&
		    !strcmp(j->ring_origin[i - 1], origin))
			return (int)i - 1;
	return -1;
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
	int ret, state;

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
	/* Only a journal of a bridge without tokens needs the counter. */
	if (in_fd >= 0 && (r.valid == SLOT_ROUND || r.valid == SLOT_DONE)) {
		memset(&st, 0, sizeof(st));
		ret = msgbox_stat(in_fd, &st);
		if (ret)
			return ret;
		in_sent = st.sent;
	}
	if (r.valid != SLOT_ROUND && r.valid != SLOT_TROUND) {
		/* No round: nothing pending in the ring was sent. */
		memset(&r, 0, sizeof(r));
	} else if (in_fd < 0 && r.valid == SLOT_ROUND) {
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
		state = s.valid;
		if (state == SLOT_PENDING)
			state = round_outcome(&r, in_sent, s.order);
		if (state != SLOT_DONE && state != SLOT_RESEND) {
			memset(&s, 0, sizeof(s));
			ret = slot_put(j, i + 1, &s);
			if (ret)
				return ret;
			continue;
		}
		if (state != (int)s.valid) {
			/* Resolved: say so, for no round record will tell. */
			s.valid = state;
			ret = slot_put(j, i + 1, &s);
			if (ret)
				return ret;
		}
		ring_load(j, i, &s);
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
 * Return: 1 if it is in the ring, delivered, else 0.
 */
int bridge_journal_seen(const struct bridge_journal *j, const char *origin,
			uint64_t seq)
{
	return ring_find(j, origin, seq, 0) >= 0;
}

/**
 * bridge_journal_resend() - is (origin, seq) to be sent again?
 * @j: the journal
 * @origin: origin host
 * @seq: sequence number
 * @token: out: the token it was sent with, if it was
 *
 * A message of a round whose end was not recorded: send it again with
 * @token, then tell bridge_journal_resent().
 *
 * Return: its place in the ring, or -1 when it is not to be sent again.
 */
int bridge_journal_resend(const struct bridge_journal *j, const char *origin,
			  uint64_t seq, uint64_t *token)
{
	int i = ring_find(j, origin, seq, 1);

	if (i >= 0)
		*token = j->ring_order[i];
	return i;
}

/**
 * bridge_journal_resent() - record how a message sent again went
 * @j: the journal
 * @i: its place, from bridge_journal_resend()
 * @sent: 1 when the mailbox has it now (queued now or before), 0 when the
 *	send failed and the message is dropped
 *
 * Writes its slot, with one sync; the delivery may be acknowledged after
 * it.
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_resent(struct bridge_journal *j, int i, int sent)
{
	struct journal_slot s;
	int ret;

	memset(&s, 0, sizeof(s));
	if (sent) {
		memcpy(s.origin, j->ring_origin[i], sizeof(s.origin));
		s.seq = j->ring_seq[i];
		s.order = j->ring_order[i];
		s.valid = SLOT_DONE;
	}
	ret = slot_write(j, (unsigned int)i + 1, &s);
	if (ret)
		return ret;
	j->ring_resend[i] = 0;
	if (!sent)
		ring_clear(j, (unsigned int)i);
	return 0;
}

/* Write the record of the round at hand, @sent of it sent or ROUND_UNKNOWN. */
static int round_put(struct bridge_journal *j, uint64_t sent)
{
	struct journal_round r;

	memset(&r, 0, sizeof(r));
	r.first = j->order;
	r.n = j->round_n;
	r.sent = sent;
	r.valid = SLOT_TROUND;
	return slot_put(j, 0, &r);
}

/**
 * bridge_journal_round() - record a round of local sends about to happen
 * @j: the journal
 * @n: how many, at most BRIDGE_RING / 4
 * @origin: their origin streams
 * @seq: their sequence numbers
 *
 * Writes one pending slot per message and the round's record, with one
 * sync. The messages are to be sent in this order, message k with token
 * bridge_journal_token(@j, k); bridge_journal_end() says how many were.
 *
 * Return: 0, or a negative errno.
 */
int bridge_journal_round(struct bridge_journal *j, unsigned int n,
			 const char *const *origin, const uint64_t *seq)
{
	struct journal_slot s;
	unsigned int i, at;
	int ret;

	if (n > BRIDGE_RING / 4)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		strncpy(s.origin, origin[i], BRIDGE_STREAM_MAX);
		s.seq = seq[i];
		s.order = j->order + i;
		s.valid = SLOT_PENDING;
		at = (j->next + i) % BRIDGE_RING;
		ret = slot_put(j, at + 1, &s);
		if (ret)
			return ret;
		/* What the ring held there is gone from the file. */
		ring_clear(j, at);
	}
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
	for (i = 0; i < sent; i++)
		ring_push(j, j->round_origin[i], j->round_seq[i], j->order + i);
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
	ring_push(j, s.origin, seq, s.order);
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
