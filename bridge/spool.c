// SPDX-License-Identifier: GPL-2.0
/*
 * The outbound spool: an append-only file per mailbox in the state
 * directory, of records
 *
 *   'B' the boot (the kernel's boot_id) the records after it were written in
 *   'H' a message the bridge holds in the out mailbox (MSGBOX_RECV_HOLD):
 *       spooled, and not yet known to be done there
 *   'D' the out mailbox was told that record rid's message is done
 *   'M' a message done in the out mailbox (a re-send, or a rewrite)
 *   'C' the broker confirmed record rid
 *
 * written with one write(2) each (and fsync(2) unless sync is off, except
 * 'D', see bridge_spool_done()); the 'C' records of one confirm from the
 * broker, which may cover many entries, share one write and one fsync. A torn last record is cut off when the
 * file is read back. The file is rewritten (temporary file, fsync, rename)
 * at start and when it grows, keeping the unconfirmed entries and the last
 * BRIDGE_HISTORY confirmed ones, which serve re-send requests.
 *
 * An 'H' without its 'D' is a message that may still be in the out
 * mailbox: a bridge killed while holding it gets it back from the mailbox
 * on restart, with the same id, marked redelivered, and must only say it
 * is done (bridge_spool_held()). Ids are unique in one mailbox while it
 * exists, and a mailbox does not outlive a reboot, so such an entry counts
 * only in the boot that wrote it.
 *
 * Spools written before held receives may end with an 'M' carrying the
 * out mailbox's "received" counter from before a take (the take happened
 * if the counter moved), and hold 'X' records that cancel an entry; both
 * are still read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#include "bridge.h"

#define REC_BOOT	'B'
#define REC_HELD	'H'
#define REC_DONE	'D'
#define REC_MSG		'M'
#define REC_CONFIRM	'C'
#define REC_CANCEL	'X'
#define TAKEN		UINT64_MAX
#define BOOT_ID_LEN	36	/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */

_Static_assert(sizeof(((struct bridge_spool *)0)->boot) > BOOT_ID_LEN,
	       "room for the boot_id");

struct rec_head {
	uint32_t type;
	uint32_t len;		/* bytes after the head */
};

struct rec_msg {
	uint64_t rid;
	uint64_t cancels;	/* old spools: rid of an 'M' this one replaces */
	uint64_t seq;
	uint64_t id;
	uint64_t received_before;	/* old spools; now always TAKEN */
	uint32_t crc;
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	uint32_t prio;
	uint32_t resent;
	int32_t to_pid;
	uint32_t pad0;
	char origin[BRIDGE_HOST_MAX + 1];
	uint32_t len;
	uint32_t pad;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int spool_write(struct bridge_spool *sp, int fd, uint32_t type,
		       const void *a, size_t alen, const void *b, size_t blen,
		       int sync)
{
	struct rec_head h = { .type = type, .len = alen + blen };
	size_t len = sizeof(h) + alen + blen;
	char stackbuf[4096], *buf = stackbuf;
	int ret;

	if (len > sizeof(stackbuf)) {
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	ret = write_all(fd, buf, len);
	if (buf != stackbuf)
		free(buf);
	if (!ret && sync && fsync(fd) < 0)
		ret = -errno;
	if (!ret)
		sp->records++;
	return ret;
}

static int write_msg(struct bridge_spool *sp, int fd,
		     const struct bridge_spool_entry *e, int sync)
{
	struct rec_msg r;

	memset(&r, 0, sizeof(r));
	r.rid = e->rid;
	r.seq = e->msg.seq;
	r.id = e->msg.id;
	r.received_before = TAKEN;
	r.crc = e->msg.crc;
	r.pid = e->msg.pid;
	r.uid = e->msg.uid;
	r.gid = e->msg.gid;
	r.prio = e->msg.prio;
	r.resent = e->msg.resent;
	r.to_pid = e->msg.to_pid;
	memcpy(r.origin, e->msg.origin, sizeof(r.origin));
	r.len = e->msg.len;
	return spool_write(sp, fd, e->held ? REC_HELD : REC_MSG, &r, sizeof(r),
			   e->msg.data, e->msg.len, sync);
}

/* The boot_id of the running kernel, or "" when it cannot be read. */
static void spool_boot_id(char *buf)
{
	ssize_t n = -1;
	int fd;

	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, BOOT_ID_LEN);
		close(fd);
	}
	buf[n == BOOT_ID_LEN ? BOOT_ID_LEN : 0] = '\0';
}

/* The entries are in record id order: a binary search finds one. */
static struct bridge_spool_entry *spool_find(struct bridge_spool *sp,
					     uint64_t rid)
{
	size_t lo = 0, hi = sp->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sp->e[mid].rid < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sp->n && sp->e[lo].rid == rid ? &sp->e[lo] : NULL;
}

static int rid_cmp(const void *a, const void *b)
{
	const struct bridge_spool_entry *x = a, *y = b;

	return x->rid < y->rid ? -1 : x->rid > y->rid;
}

static void spool_remove(struct bridge_spool *sp, struct bridge_spool_entry *e)
{
	size_t i = e - sp->e;

	if (e->state != SPOOL_CONFIRMED)
		sp->unconfirmed--;
	if (e->held)
		sp->nheld--;
	free(e->msg.data);
	memmove(e, e + 1, (sp->n - i - 1) * sizeof(*e));
	sp->n--;
}

static struct bridge_spool_entry *spool_append(struct bridge_spool *sp)
{
	struct bridge_spool_entry *e;

	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 64;

		e = realloc(sp->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		sp->e = e;
		sp->cap = cap;
	}
	e = &sp->e[sp->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Read the file back; returns the rid of the last 'M' and its counter. */
static int spool_load(struct bridge_spool *sp, int fd, uint64_t *last_rid,
		      uint64_t *last_received)
{
	char boot[BOOT_ID_LEN + 1] = "";
	struct bridge_spool_entry *e;
	struct rec_head h;
	struct rec_msg r;
	off_t good = 0;
	int unsorted = 0;
	uint64_t rid;
	ssize_t n;

	*last_rid = 0;
	*last_received = TAKEN;
	for (;;) {
		n = pread(fd, &h, sizeof(h), good);
		if (n < 0)
			return -errno;
		if (n < (ssize_t)sizeof(h))
			break;
		if (h.type == REC_MSG || h.type == REC_HELD) {
			if (h.len < sizeof(r))
				break;
			n = pread(fd, &r, sizeof(r), good + sizeof(h));
			if (n != sizeof(r) || r.len != h.len - sizeof(r))
				break;
			e = spool_append(sp);
			if (!e)
				return -ENOMEM;
			e->msg.data = malloc(r.len ? r.len : 1);
			if (!e->msg.data) {
				sp->n--;
				return -ENOMEM;
			}
			n = pread(fd, e->msg.data, r.len,
				  good + sizeof(h) + sizeof(r));
			if (n != (ssize_t)r.len) {
				free(e->msg.data);
				sp->n--;
				break;
			}
			if (sp->n > 1 && r.rid <= e[-1].rid)
				unsorted = 1;
			e->rid = r.rid;
			e->state = SPOOL_PENDING;
			/* Held in an earlier boot: that mailbox is gone. */
			e->held = h.type == REC_HELD && !strcmp(boot, sp->boot);
			sp->nheld += e->held;
			e->msg.seq = r.seq;
			e->msg.id = r.id;
			e->msg.crc = r.crc;
			e->msg.pid = r.pid;
			e->msg.uid = r.uid;
			e->msg.gid = r.gid;
			e->msg.prio = r.prio;
			e->msg.resent = 1;	/* may be in the queue already */
			e->msg.to_pid = r.to_pid;
			e->msg.epoch = sp->epoch;
			memcpy(e->msg.origin, r.origin, sizeof(r.origin));
			e->msg.origin[BRIDGE_HOST_MAX] = '\0';
			e->msg.len = r.len;
			sp->unconfirmed++;
			if (r.rid >= sp->next_rid)
				sp->next_rid = r.rid + 1;
			if (r.seq >= sp->next_seq)
				sp->next_seq = r.seq + 1;
			if (h.type == REC_MSG) {
				*last_rid = r.rid;
				*last_received = r.received_before;
			}
			if (unsorted) {
				/* Written out of order: put it in its place. */
				qsort(sp->e, sp->n, sizeof(*sp->e), rid_cmp);
				unsorted = 0;
			}
			if (r.cancels) {
				e = spool_find(sp, r.cancels);
				if (e)
					spool_remove(sp, e);
			}
		} else if (h.type == REC_CONFIRM || h.type == REC_CANCEL ||
			   h.type == REC_DONE) {
			if (h.len != sizeof(rid))
				break;
			if (pread(fd, &rid, sizeof(rid), good + sizeof(h)) !=
			    sizeof(rid))
				break;
			e = spool_find(sp, rid);
			if (e && h.type == REC_CANCEL) {
				spool_remove(sp, e);
			} else if (e && h.type == REC_DONE) {
				sp->nheld -= e->held;
				e->held = 0;
			} else if (e && e->state != SPOOL_CONFIRMED) {
				e->state = SPOOL_CONFIRMED;
				sp->unconfirmed--;
			}
		} else if (h.type == REC_BOOT) {
			if (h.len != BOOT_ID_LEN)
				break;
			if (pread(fd, boot, BOOT_ID_LEN, good + sizeof(h)) !=
			    BOOT_ID_LEN)
				break;
			boot[BOOT_ID_LEN] = '\0';
		} else {
			break;
		}
		good += sizeof(h) + h.len;
	}
	if (ftruncate(fd, good) < 0)
		return -errno;
	return 0;
}

/**
 * bridge_spool_compact() - rewrite the spool file with what still matters
 * @sp: the spool
 *
 * Keeps the unconfirmed entries, the held ones and the last BRIDGE_HISTORY
 * confirmed ones.
 *
 * Return: 0, or a negative errno.
 */
int bridge_spool_compact(struct bridge_spool *sp)
{
	char tmp[4096 + 8];
	size_t i, kept, confirmed = 0, skip;
	int fd, ret = 0;

	for (i = 0; i < sp->n; i++)
		confirmed += sp->e[i].state == SPOOL_CONFIRMED;
	skip = confirmed > BRIDGE_HISTORY ? confirmed - BRIDGE_HISTORY : 0;
	/* The oldest confirmed entries go, in one pass; a held one stays. */
	for (i = 0, kept = 0; i < sp->n; i++) {
		struct bridge_spool_entry *e = &sp->e[i];

		if (skip && e->state == SPOOL_CONFIRMED && !e->held) {
			free(e->msg.data);
			skip--;
			continue;
		}
		if (kept != i)
			sp->e[kept] = *e;
		kept++;
	}
	sp->n = kept;

	snprintf(tmp, sizeof(tmp), "%s.new", sp->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	sp->records = 0;
	if (sp->boot[0])
		ret = spool_write(sp, fd, REC_BOOT, sp->boot, BOOT_ID_LEN, NULL,
				  0, 0);
	for (i = 0; i < sp->n && !ret; i++) {
		ret = write_msg(sp, fd, &sp->e[i], 0);
		if (!ret && sp->e[i].state == SPOOL_CONFIRMED)
			ret = spool_write(sp, fd, REC_CONFIRM, &sp->e[i].rid,
					  sizeof(sp->e[i].rid), NULL, 0, 0);
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (!ret && rename(tmp, sp->path) < 0)
		ret = -errno;
	if (ret) {
		close(fd);
		unlink(tmp);
		return ret;
	}
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = fd;
	if (lseek(fd, 0, SEEK_END) < 0)
		return -errno;
	return 0;
}

/* NAME.epoch holds the spool's epoch; a missing one starts a new stream. */
static int spool_epoch(struct bridge_spool *sp, const char *dir,
		       const char *name)
{
	char path[4096 + 16], tmp[4096 + 32], buf[32];
	struct timespec ts;
	ssize_t n;
	int fd, len;

	snprintf(path, sizeof(path), "%s/%s.epoch", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			sp->epoch = strtoull(buf, NULL, 10);
			if (sp->epoch)
				return 0;
		}
	} else if (errno != ENOENT) {
		return -errno;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	sp->epoch = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)sp->epoch);
	if (write_all(fd, buf, len) || fsync(fd) < 0) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		return -errno;
	/* A spool without its epoch is of an old stream: start afresh. */
	if (unlink(sp->path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/**
 * bridge_spool_open() - open (or create) a mailbox's spool and recover it
 * @sp: the spool, zeroed by the caller
 * @dir: the state directory
 * @name: the bridged mailbox name
 * @sync: fsync every record
 * @out_fd: the out mailbox, to resolve a take that a crash interrupted
 *
 * Every unconfirmed entry comes back SPOOL_PENDING and marked re-sent.
 *
 * Return: 0, or a negative errno.
 */
int bridge_spool_open(struct bridge_spool *sp, const char *dir,
		      const char *name, int sync, int out_fd)
{
	struct msgbox_stat_args st;
	struct bridge_spool_entry *e;
	uint64_t last_rid, last_received;
	int fd, ret;

	sp->fd = -1;
	sp->sync = sync;
	sp->next_rid = 1;
	sp->next_seq = 1;
	spool_boot_id(sp->boot);
	if ((size_t)snprintf(sp->path, sizeof(sp->path), "%s/%s.spool", dir,
			     name) >= sizeof(sp->path))
		return -ENAMETOOLONG;
	ret = spool_epoch(sp, dir, name);
	if (ret)
		return ret;
	fd = open(sp->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = spool_load(sp, fd, &last_rid, &last_received);
	close(fd);
	if (ret)
		return ret;

	/*
	 * A spool of the peek-and-take days may end with a record written
	 * just before a take that never happened: the mailbox's counter did
	 * not move, and the message is still queued there. Forget the record.
	 */
	if (last_rid && last_received != TAKEN) {
		memset(&st, 0, sizeof(st));
		ret = msgbox_stat(out_fd, &st);
		if (ret)
			return ret;
		e = spool_find(sp, last_rid);
		if (e && st.received <= last_received) {
			sp->next_seq = e->msg.seq;
			spool_remove(sp, e);
		}
	}
	return bridge_spool_compact(sp);
}

/**
 * bridge_spool_add() - append a message
 * @sp: the spool
 * @msg: the message; the spool takes over @msg->data, and sets @msg->seq
 *	unless @msg->resent
 * @held: the out mailbox holds the message until bridge_spool_done()
 * @sync: fsync the record (if the spool syncs at all); without, the caller
 *	calls bridge_spool_sync() before it acts on the entry
 * @ep: the new entry (SPOOL_PENDING), valid until the spool next changes
 *
 * Return: 0, or a negative errno (the message is then not spooled, and
 * @msg->data is the caller's again).
 */
int bridge_spool_add(struct bridge_spool *sp, struct bridge_msg *msg,
		     int held, int sync, struct bridge_spool_entry **ep)
{
	struct bridge_spool_entry *e = spool_append(sp);
	int ret;

	if (!e)
		return -ENOMEM;
	e->rid = sp->next_rid;
	e->state = SPOOL_PENDING;
	e->held = !!held;
	e->msg = *msg;
	if (!msg->resent)
		e->msg.seq = sp->next_seq;
	ret = write_msg(sp, sp->fd, e, sync && sp->sync);
	if (ret) {
		sp->n--;
		return ret;
	}
	sp->next_rid++;
	if (!msg->resent)
		sp->next_seq++;
	sp->unconfirmed++;
	sp->nheld += e->held;
	msg->seq = e->msg.seq;
	*ep = e;
	return 0;
}

/**
 * bridge_spool_sync() - make the records written so far durable
 * @sp: the spool
 *
 * For entries added without their own sync (bridge_spool_add()): one
 * fsync(2) for all of them.
 *
 * Return: 0, or a negative errno.
 */
int bridge_spool_sync(struct bridge_spool *sp)
{
	if (sp->sync && fsync(sp->fd) < 0)
		return -errno;
	return 0;
}

/**
 * bridge_spool_open_from() - where the entries not confirmed start
 * @sp: the spool
 *
 * Entries are confirmed about in the order they were added, so the ones
 * not confirmed yet are near the end: counting them back from there spares
 * the callers a walk over the whole confirmed history.
 *
 * Return: an index before which every entry is confirmed (@sp->n when
 * none is left).
 */
size_t bridge_spool_open_from(const struct bridge_spool *sp)
{
	size_t i = sp->n, left = sp->unconfirmed;

	while (left && i > 0)
		left -= sp->e[--i].state != SPOOL_CONFIRMED;
	return left ? 0 : i;
}

/**
 * bridge_spool_find() - an entry by record id
 * @sp: the spool
 * @rid: its record id
 *
 * Return: the entry, or NULL when there is none (any longer).
 */
struct bridge_spool_entry *bridge_spool_find(struct bridge_spool *sp,
					     uint64_t rid)
{
	return spool_find(sp, rid);
}

/**
 * bridge_spool_done() - the out mailbox was told an entry's message is done
 * @sp: the spool
 * @e: the entry, held
 *
 * The record is not synced: it only matters while the kernel that holds
 * the out mailbox runs, and what a process wrote(2) outlives the process.
 *
 * Return: 0, or a negative errno.
 */
int bridge_spool_done(struct bridge_spool *sp, struct bridge_spool_entry *e)
{
	int ret;

	ret = spool_write(sp, sp->fd, REC_DONE, &e->rid, sizeof(e->rid),
			  NULL, 0, 0);
	if (ret)
		return ret;
	sp->nheld -= e->held;
	e->held = 0;
	return 0;
}

/**
 * bridge_spool_held() - the entry of a message the mailbox gave back
 * @sp: the spool
 * @id: the message's id in the out mailbox
 * @crc: CRC32C of its payload
 * @len: its length
 * @pid: its sender
 * @prio: its priority
 *
 * Looks for a held entry of that message: one spooled before the bridge
 * could record that it was done. The payload, sender and priority are
 * compared too, so that no other message is taken for it.
 *
 * Return: the entry, or NULL.
 */
struct bridge_spool_entry *bridge_spool_held(struct bridge_spool *sp,
					     uint64_t id, uint32_t crc,
					     size_t len, int32_t pid,
					     uint32_t prio)
{
	size_t i;

	for (i = 0; sp->nheld && i < sp->n; i++) {
		const struct bridge_msg *m = &sp->e[i].msg;

		if (sp->e[i].held && m->id == id && m->crc == crc &&
		    m->len == len && m->pid == pid && m->prio == prio)
			return &sp->e[i];
	}
	return NULL;
}

/**
 * bridge_spool_unhold() - no held entry can come back any more
 * @sp: the spool
 *
 * For when the out mailbox was seen empty with nothing held: whatever the
 * spool still counts as held was done before the bridge could record it.
 *
 * Return: the number of such entries, or a negative errno.
 */
int bridge_spool_unhold(struct bridge_spool *sp)
{
	size_t i;
	int n = 0, ret;

	for (i = 0; sp->nheld && i < sp->n; i++) {
		if (!sp->e[i].held)
			continue;
		ret = bridge_spool_done(sp, &sp->e[i]);
		if (ret)
			return ret;
		n++;
	}
	return n;
}

/**
 * bridge_spool_confirm() - the broker holds the messages of a confirm
 * @sp: the spool
 * @tag: the confirm's delivery tag
 * @multiple: it covers every entry in flight up to @tag, not @tag alone
 *
 * The 'C' records of all the entries it covers go in one write(2) and one
 * fsync(2): the broker confirms in bursts, with one frame for many.
 *
 * Return: the entries confirmed, or a negative errno.
 */
int bridge_spool_confirm(struct bridge_spool *sp, uint64_t tag, int multiple)
{
	const size_t one = sizeof(struct rec_head) + sizeof(uint64_t);
	size_t from = bridge_spool_open_from(sp), i, n = 0;
	char *buf, *p;
	int ret;

	buf = malloc((sp->n - from) * one + 1);
	if (!buf)
		return -ENOMEM;
	p = buf;
	for (i = from; i < sp->n; i++) {
		struct bridge_spool_entry *e = &sp->e[i];
		struct rec_head h = { .type = REC_CONFIRM, .len = sizeof(e->rid) };

		if (e->state != SPOOL_INFLIGHT ||
		    (multiple ? e->tag > tag : e->tag != tag))
			continue;
		memcpy(p, &h, sizeof(h));
		memcpy(p + sizeof(h), &e->rid, sizeof(e->rid));
		p += one;
		n++;
	}
	ret = n ? write_all(sp->fd, buf, n * one) : 0;
	free(buf);
	if (!ret && n && sp->sync && fsync(sp->fd) < 0)
		ret = -errno;
	if (ret)
		return ret;
	sp->records += n;
	for (i = from; i < sp->n; i++) {
		struct bridge_spool_entry *e = &sp->e[i];

		if (e->state != SPOOL_INFLIGHT ||
		    (multiple ? e->tag > tag : e->tag != tag))
			continue;
		e->state = SPOOL_CONFIRMED;
		sp->unconfirmed--;
	}
	if (sp->records > 4 * BRIDGE_HISTORY + 2 * sp->n) {
		ret = bridge_spool_compact(sp);
		if (ret)
			return ret;
	}
	return n;
}

/**
 * bridge_spool_resend() - queue a confirmed message again, by sequence
 * @sp: the spool
 * @seq: its sequence number
 *
 * The copy goes even when the original is not confirmed yet; the
 * distributor drops whichever of the two comes second.
 *
 * Return: 0, -ENOENT when it is no longer kept, or a negative errno.
 */
int bridge_spool_resend(struct bridge_spool *sp, uint64_t seq)
{
	struct bridge_spool_entry *e = NULL, *n;
	struct bridge_msg m;
	size_t i;

	for (i = sp->n; i-- > 0;) {
		if (sp->e[i].msg.seq == seq) {
			e = &sp->e[i];
			break;
		}
	}
	if (!e)
		return -ENOENT;
	m = e->msg;
	m.resent = 1;
	m.data = malloc(m.len ? m.len : 1);
	if (!m.data)
		return -ENOMEM;
	memcpy(m.data, e->msg.data, m.len);
	if (bridge_spool_add(sp, &m, 0, 1, &n)) {
		free(m.data);
		return -EIO;
	}
	return 0;
}

/**
 * bridge_spool_close() - close the file and free the entries
 * @sp: the spool (may be half-opened)
 */
void bridge_spool_close(struct bridge_spool *sp)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		free(sp->e[i].msg.data);
	free(sp->e);
	sp->e = NULL;
	sp->n = sp->cap = sp->nheld = 0;
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}
