// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress producers: send numbered messages of every stream to
 * every destination, by every kind of send, and account for each.
 */
#include "stress.h"

/* --- Producer ---------------------------------------------------------- */

struct pstream {
	int stream;		/* -1: none yet */
	uint32_t gen;
	uint32_t next_seq;
	int64_t pending;	/* gid of next_seq already built, or -1 */
};

static int new_stream(int d, int prio_idx, uint32_t gen)
{
	uint32_t i = __atomic_fetch_add(&S->nstreams, 1, __ATOMIC_RELAXED);

	if (i >= MAX_STREAMS)
		return -1;
	S->streams[i].dest = d;
	S->streams[i].prio_idx = prio_idx;
	S->streams[i].gen = gen;
	S->streams[i].pid = getpid();
	return (int)i;
}

static int64_t new_gid(int stream, uint32_t seq)
{
	uint32_t g = __atomic_fetch_add(&S->ngids, 1, __ATOMIC_RELAXED);

	if (g >= S->max_gids)
		return -1;
	S->msgs[g].stream = stream;
	S->msgs[g].seq = seq;
	return g;
}

int pick_mode(struct rng *r, int allow_batch)
{
	uint32_t k = rndn(r, 100);

	if (k < 30)
		return M_BLOCK;
	if (k < 55)
		return M_NONBLOCK;
	if (k < 80)
		return M_TIMED;
	if (k < 90)
		return M_ACK;
	return allow_batch ? M_BATCH : M_TIMED;
}

void producer(int w)
{
	struct worker *me = &S->workers[w];
	static struct pstream ps[MAX_DESTS][NPRIO];
	int fds[MAX_DESTS][2];
	uint32_t fdgen[MAX_DESTS][2];
	int devfd[2];
	struct msgbox_mmsg mm[MAX_BATCH];
	uint32_t gids[MAX_BATCH];
	uint8_t *buf;
	size_t slot = 65536 + 64;
	struct rng r;
	uint32_t d, i;

	rng_init(&r, 1000 + w, me->incarnation);
	buf = malloc(slot * MAX_BATCH);
	if (!buf)
		_exit(3);
	memset(buf, 0, slot * MAX_BATCH);
	for (d = 0; d < MAX_DESTS; d++) {
		fds[d][0] = fds[d][1] = -1;
		for (i = 0; i < NPRIO; i++)
			ps[d][i] = (struct pstream){ .stream = -1, .pending = -1 };
	}
	if (me->failslab)
		failslab_enter();
	devfd[0] = devfd[1] = -1;

	while (!got_stop && !load(&S->stop_send)) {
		struct msgbox_send_opts o = { 0 };
		struct dest *ds;
		struct pstream *st;
		uint32_t gen, k, len, prio_idx, c;
		int mode, nb, fd, ret;
		pid_t pid = 0;

		d = rndn(&r, S->ndests);
		ds = &S->dests[d];
		prio_idx = rndn(&r, NPRIO);
		mode = pick_mode(&r, !ds->port);
		nb = mode == M_NONBLOCK || (mode == M_BATCH && rndn(&r, 2));

		if (ds->port) {
			uint64_t word = load(&ds->port_word);

			if (!word) {
				sleep_ms(1);
				continue;
			}
			gen = word >> 32;
			pid = (pid_t)(word & 0xffffffffU);
			if (devfd[nb] < 0) {
				devfd[nb] = msgbox_dev_open(O_WRONLY | (nb ? O_NONBLOCK : 0));
				if (devfd[nb] < 0) {
					if (devfd[nb] == -ENOMEM && me->failslab) {
						inc(open_enomem);
					} else {
						inc(bad_open);
						report("open %s: %s", MSGBOX_DEVICE, strerror(-devfd[nb]));
					}
					devfd[nb] = -1;
					continue;
				}
			}
			fd = devfd[nb];
		} else {
			if (fds[d][nb] < 0) {
				fds[d][nb] = open_named(me, d, O_WRONLY | (nb ? O_NONBLOCK : 0),
							&fdgen[d][nb]);
				if (fds[d][nb] < 0)
					break;
			}
			fd = fds[d][nb];
			gen = fdgen[d][nb];
		}

		st = &ps[d][prio_idx];
		if (st->stream < 0 || st->gen != gen) {
			st->stream = new_stream(d, prio_idx, gen);
			if (st->stream < 0)
				break;
			st->gen = gen;
			st->next_seq = 0;
			st->pending = -1;
		}

		k = mode == M_BATCH ? 2 + rndn(&r, MAX_BATCH - 1) : 1;
		for (i = 0; i < k; i++) {
			int64_t g = i == 0 && st->pending >= 0 ? st->pending :
				    new_gid(st->stream, st->next_seq + i);

			if (g < 0)
				break;
			gids[i] = (uint32_t)g;
			len = pick_size(&r, k > 1 && ds->max_msg_size > 1024 ?
					1024 : ds->max_msg_size);
			build_msg(buf + i * slot, len, gids[i]);
			mm[i] = (struct msgbox_mmsg){ .buf = buf + i * slot,
						      .len = len,
						      .prio = prios[prio_idx] };
		}
		if (i < k) {
			/* The gid table is full: this run has sent enough. */
			store(&S->stop_send, 1);
			break;
		}
		st->pending = gids[0];

		memcpy(me->tx_gid, gids, k * sizeof(gids[0]));
		store(&me->tx_n, k);
		me->blocked = !nb;

		o.prio = prios[prio_idx];
		if (ds->port) {
			o.flags |= MSGBOX_SO_TO_PID;
			o.pid = pid;
		}
		if (rndn(&r, 4) == 0)
			o.flags |= MSGBOX_SO_CSUM;
		if (mode == M_TIMED || mode == M_ACK) {
			o.flags |= MSGBOX_SO_TIMEOUT;
			o.timeout = ms_ts(rndn(&r, mode == M_ACK ? 50 : 20));
		}
		if (mode == M_ACK)
			o.flags |= MSGBOX_SO_ACK;

		inc(send_calls);
		if (mode == M_BATCH) {
			inc(send_batches);
			ret = msgbox_send_batch(fd, mm, k);
		} else {
			if (mode == M_ACK)
				inc(send_acks);
			ret = msgbox_sendx(fd, mm[0].buf, mm[0].len, &o, NULL);
			if (ret == 0)
				ret = 1;
		}
		me->blocked = 0;

		if (ret > 0) {
			c = (uint32_t)ret;
			if (c > k) {
				inc(bad_errno);
				report("send_batch of %u returned %u", k, c);
				c = k;
			}
			for (i = 0; i < c; i++) {
				store(&S->msgs[gids[i]].accepted, 1);
				add(send_bytes, mm[i].len);
			}
			add(send_msgs, c);
			st->next_seq += c;
			st->pending = c < k ? (int64_t)gids[c] : -1;
			store(&me->tx_n, 0);
			continue;
		}
		store(&me->tx_n, 0);

		switch (ret) {
		case -EAGAIN:
			inc(send_eagain);
			break;
		case -ETIMEDOUT:
			inc(send_etimedout);
			break;
		case -EINTR:
			inc(send_eintr);
			break;
		case -EINPROGRESS:
			/*
			 * The timeout or a signal came while a receiver was
			 * copying the message out: it may be delivered, once,
			 * or not at all, and is not sent again. Its stream
			 * ends here, so that no later message's order is
			 * measured against it.
			 */
			inc(send_einprogress);
			store(&S->msgs[gids[0]].maybe, 1);
			st->stream = -1;
			break;
		case -EIDRM:
		case -ESRCH:
			if (ret == -EIDRM)
				inc(send_eidrm);
			else
				inc(send_esrch);
			if (ret == -ESRCH && !ds->port)
				goto bad;
			/* That generation is gone: its stream ends here. */
			st->stream = -1;
			if (!ds->port) {
				close(fds[d][nb]);
				fds[d][nb] = -1;
			}
			break;
		case -ENOMEM:
			if (me->failslab) {
				inc(send_enomem);
				break;
			}
			/* fall through */
		default:
bad:
			inc(bad_errno);
			report("send to %s (mode %d, %u msgs, fd gen %u): %s",
			       ds->name, mode, k, gen, strerror(-ret));
			sleep_ms(1);
			break;
		}
	}
	_exit(0);
}
