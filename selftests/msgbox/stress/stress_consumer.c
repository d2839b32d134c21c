// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress consumers and port owners: receive, check each message
 * against its stream's record, and account for it.
 */
#include "stress.h"

/* --- Consumer ---------------------------------------------------------- */

/* Per stream, the last message this consumer took from it. */
struct last {
	int32_t seq;		/* -1: none yet */
	uint32_t gid;
	uint64_t id;		/* kernel message id, 0 from a batch */
};
static struct last *last_seq;

static void last_init(void)
{
	uint32_t i;

	last_seq = malloc(MAX_STREAMS * sizeof(*last_seq));
	if (!last_seq)
		_exit(3);
	for (i = 0; i < MAX_STREAMS; i++)
		last_seq[i] = (struct last){ .seq = -1 };
}

static void check_msg(int d, uint32_t gen, const uint8_t *buf, int len,
		      unsigned int prio, const struct msgbox_msg_info *info)
{
	struct hdr h;
	struct msgrec *m;
	struct stream *s;
	uint8_t seen;

	if (len < (int)sizeof(h)) {
		inc(bad_payload);
		report("%s: message of %d bytes, shorter than the header",
		       S->dests[d].name, len);
		return;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != HDR_MAGIC || h.len != (uint32_t)len ||
	    h.gid >= load(&S->ngids) || h.stream >= MAX_STREAMS) {
		inc(bad_payload);
		report("%s: bad header (magic %#x gid %u len %u, got %d bytes)",
		       S->dests[d].name, h.magic, h.gid, h.len, len);
		return;
	}
	m = &S->msgs[h.gid];
	if (m->stream != h.stream || m->seq != h.seq ||
	    msgbox_crc32c(buf + sizeof(h), len - sizeof(h)) != h.crc) {
		inc(bad_payload);
		report("%s: gid %u corrupted (stream %u/%u seq %u/%u, crc)",
		       S->dests[d].name, h.gid, h.stream, m->stream, h.seq, m->seq);
		return;
	}
	s = &S->streams[h.stream];
	if (s->dest != d || s->gen != gen || prios[s->prio_idx] != prio ||
	    h.prio != prio) {
		inc(bad_route);
		report("gid %u for %s gen %u prio %u arrived at %s gen %u prio %u",
		       h.gid, S->dests[s->dest].name, s->gen, prios[s->prio_idx],
		       S->dests[d].name, gen, prio);
	}
	if (info && (info->pid != s->pid || info->uid != getuid() ||
		     info->gid != getgid())) {
		inc(bad_cred);
		report("gid %u: sender pid %d uid %u gid %u, expected pid %d",
		       h.gid, (int)info->pid, (unsigned)info->uid,
		       (unsigned)info->gid, (int)s->pid);
	}
	seen = __atomic_fetch_add(&m->seen, 1, __ATOMIC_SEQ_CST);
	if (seen) {
		inc(dup);
		report("gid %u (stream %u seq %u to %s) received %u times",
		       h.gid, h.stream, h.seq, S->dests[d].name, seen + 1);
	}
	if (last_seq[h.stream].seq >= (int32_t)h.seq) {
		inc(order);
		report("stream %u to %s gen %u prio %u: seq %u (gid %u, id %llu) "
		       "after seq %d (gid %u, id %llu)", h.stream, S->dests[d].name,
		       gen, prio, h.seq, h.gid,
		       (unsigned long long)(info ? info->id : 0),
		       last_seq[h.stream].seq, last_seq[h.stream].gid,
		       (unsigned long long)last_seq[h.stream].id);
	}
	last_seq[h.stream] = (struct last){ .seq = (int32_t)h.seq, .gid = h.gid,
					    .id = info ? info->id : 0 };
	inc(recv_msgs);
	add(recv_bytes, len);
}

/*
 * One receive from @fd (bound to generation @gen of @d). Returns 1 when
 * something was received, 0 when nothing was (EAGAIN and the like), -1 on
 * EIDRM (the caller reopens).
 */
static int consume_one(struct worker *me, struct rng *r, int d, int fd,
		       uint32_t gen, int mode, uint8_t *buf, size_t slot)
{
	struct msgbox_recv_opts o = { 0 };
	struct msgbox_msg_info info;
	struct msgbox_mmsg mm[MAX_BATCH];
	uint32_t k = 1, i;
	int ret;

	if (mode == M_BATCH) {
		k = 2 + rndn(r, MAX_BATCH - 1);
		for (i = 0; i < k; i++)
			mm[i] = (struct msgbox_mmsg){ .buf = buf + i * slot, .len = slot };
	}
	if (mode == M_TIMED) {
		o.flags = MSGBOX_RO_TIMEOUT;
		o.timeout = ms_ts(rndn(r, 30));
	}
	me->rx_dest = d;
	me->rx_gen = gen;
	store(&me->rx_n, k);
	me->blocked = mode == M_BLOCK || mode == M_TIMED;

	inc(recv_calls);
	if (mode == M_BATCH) {
		inc(recv_batches);
		ret = msgbox_recv_batch(fd, mm, k);
		me->blocked = 0;
		for (i = 0; ret > 0 && i < (uint32_t)ret && i < k; i++)
			check_msg(d, gen, mm[i].buf, (int)mm[i].msg_len, mm[i].prio, NULL);
	} else {
		ret = msgbox_recvx(fd, buf, slot, &o, &info);
		me->blocked = 0;
		if (ret >= 0)
			check_msg(d, gen, buf, ret, info.prio, &info);
	}
	store(&me->rx_n, 0);
	if (ret >= 0)
		return 1;

	switch (ret) {
	case -EAGAIN:
		inc(recv_eagain);
		return 0;
	case -ETIMEDOUT:
		inc(recv_etimedout);
		return 0;
	case -EINTR:
		inc(recv_eintr);
		return 0;
	case -EIDRM:
		inc(recv_eidrm);
		return -1;
	case -ENOMEM:
		if (me->failslab) {
			inc(recv_enomem);
			return 0;
		}
		break;
	}
	inc(bad_errno);
	report("recv from %s (mode %d, gen %u): %s", S->dests[d].name, mode,
	       gen, strerror(-ret));
	sleep_ms(1);
	return 0;
}

void consumer(int w)
{
	struct worker *me = &S->workers[w];
	int fds[MAX_DESTS][2];
	uint32_t fdgen[MAX_DESTS][2];
	size_t slot = 65536 + 64;
	uint8_t *buf;
	struct rng r;
	uint32_t d;
	int nb, mode, ret, fd;

	rng_init(&r, 2000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	last_init();
	for (d = 0; d < MAX_DESTS; d++)
		fds[d][0] = fds[d][1] = -1;
	if (me->failslab)
		failslab_enter();

	while (!load(&S->drain)) {
		do {
			d = rndn(&r, S->ndests);
		} while (S->dests[d].port);
		mode = pick_mode(&r, 1);
		if (mode == M_ACK)
			mode = M_BLOCK;
		nb = mode == M_NONBLOCK || mode == M_BATCH;
		if (fds[d][nb] < 0) {
			fds[d][nb] = open_named(me, d, O_RDONLY | (nb ? O_NONBLOCK : 0),
						&fdgen[d][nb]);
			if (fds[d][nb] < 0)
				break;
		}
		ret = consume_one(me, &r, d, fds[d][nb], fdgen[d][nb], mode, buf, slot);
		if (ret < 0) {
			close(fds[d][nb]);
			fds[d][nb] = -1;
		}
		if (got_stop && !load(&S->drain))
			got_stop = 0;
	}

	/* Drain: producers are gone; empty every named mailbox. */
	for (;;) {
		int busy = 0;

		for (d = 0; d < S->ndests; d++) {
			if (S->dests[d].port)
				continue;
			if (fds[d][1] < 0) {
				got_stop = 0;
				fds[d][1] = open_named(me, d, O_RDONLY | O_NONBLOCK, &fdgen[d][1]);
				if (fds[d][1] < 0) {
					busy = 1;
					continue;
				}
			}
			fd = fds[d][1];
			while ((ret = consume_one(me, &r, d, fd, fdgen[d][1],
						  M_NONBLOCK, buf, slot)) > 0)
				busy = 1;
			if (ret < 0) {
				close(fd);
				fds[d][1] = -1;
				busy = 1;
			}
		}
		if (!busy)
			break;
	}
	_exit(0);
}

void port_owner(int w)
{
	struct worker *me = &S->workers[w];
	struct dest *ds = &S->dests[me->dest];
	struct msgbox_attr attr = {
		.capacity = ds->capacity,
		.max_msg_size = ds->max_msg_size,
	};
	struct msgbox_stat_args st;
	size_t slot = 65536 + 64;
	uint32_t gen = load(&ds->gen);
	uint8_t *buf;
	struct rng r;
	int fd, mode, nb, ret;

	rng_init(&r, 3000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	last_init();
	if (me->failslab)
		failslab_enter();

	while ((fd = msgbox_port(&attr, O_RDONLY)) < 0) {
		if (fd != -ENOMEM || !me->failslab) {
			inc(bad_open);
			report("msgbox_port: %s", strerror(-fd));
			_exit(4);
		}
		inc(open_enomem);
	}
	store(&ds->port_word, (uint64_t)gen << 32 | (uint32_t)getpid());

	while (!load(&S->drain)) {
		mode = pick_mode(&r, 1);
		if (mode == M_ACK)
			mode = M_BLOCK;
		nb = mode == M_NONBLOCK || mode == M_BATCH;
		if (nb)
			fcntl(fd, F_SETFL, O_NONBLOCK);
		ret = consume_one(me, &r, me->dest, fd, gen, mode, buf, slot);
		if (nb)
			fcntl(fd, F_SETFL, 0);
		if (ret < 0) {
			inc(bad_errno);
			report("port of %d reports EIDRM to its owner", (int)getpid());
			sleep_ms(10);
		}
		if (got_stop && !load(&S->drain))
			got_stop = 0;
	}

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (consume_one(me, &r, me->dest, fd, gen, M_NONBLOCK, buf, slot) > 0)
		;
	if (msgbox_stat(fd, &st) == 0)
		store(&ds->drained_left, st.msgs);
	_exit(0);
}
