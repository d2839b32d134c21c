// SPDX-License-Identifier: GPL-2.0
/*
 * The distributor's duplicate window: per origin host, every sequence
 * number up to a floor counts as seen, and a bitmap covers the next
 * BRIDGE_WINDOW. A number beyond the bitmap pushes the floor up, and the
 * numbers it passes over count as seen from then on: a message overtaken by
 * more than BRIDGE_WINDOW of its origin's later ones would be dropped.
 */
#include <errno.h>
#include <string.h>

#include "bridge.h"

static struct bridge_window *window_find(const struct bridge_windows *ws,
					 const char *origin)
{
	unsigned int i;

	for (i = 0; i < ws->n; i++)
		if (!strcmp(ws->w[i].origin, origin))
			return (struct bridge_window *)&ws->w[i];
	return NULL;
}

static int bit_get(const struct bridge_window *w, uint64_t seq)
{
	unsigned int b = seq % BRIDGE_WINDOW;

	return !!(w->bits[b / 64] & (1ULL << (b % 64)));
}

static void bit_set(struct bridge_window *w, uint64_t seq, int on)
{
	unsigned int b = seq % BRIDGE_WINDOW;

	if (on)
		w->bits[b / 64] |= 1ULL << (b % 64);
	else
		w->bits[b / 64] &= ~(1ULL << (b % 64));
}

/**
 * bridge_window_seen() - has (origin, seq) been distributed already?
 * @ws: the windows
 * @origin: origin host
 * @seq: sequence number
 *
 * Return: 1 if seen, 0 if not.
 */
int bridge_window_seen(const struct bridge_windows *ws, const char *origin,
		       uint64_t seq)
{
	const struct bridge_window *w = window_find(ws, origin);

	if (!w)
		return 0;
	if (seq <= w->floor)
		return 1;
	if (seq > w->floor + BRIDGE_WINDOW)
		return 0;
	return bit_get(w, seq);
}

/**
 * bridge_window_mark() - record (origin, seq) as distributed
 * @ws: the windows
 * @origin: origin host
 * @seq: sequence number, at least 1
 *
 * With BRIDGE_MAX_ORIGINS streams in use, the one recorded first is
 * forgotten.
 *
 * Return: 0.
 */
int bridge_window_mark(struct bridge_windows *ws, const char *origin,
		       uint64_t seq)
{
	struct bridge_window *w = window_find(ws, origin);

	if (!w) {
		if (ws->n == BRIDGE_MAX_ORIGINS) {
			/* Forget the stream seen first: the oldest epoch. */
			memmove(&ws->w[0], &ws->w[1], (ws->n - 1) * sizeof(ws->w[0]));
			ws->n--;
		}
		w = &ws->w[ws->n++];
		memset(w, 0, sizeof(*w));
		strncpy(w->origin, origin, BRIDGE_STREAM_MAX);
	}
	if (seq <= w->floor)
		return 0;
	while (seq > w->floor + BRIDGE_WINDOW) {
		bit_set(w, w->floor + 1, 0);
		w->floor++;
	}
	bit_set(w, seq, 1);
	while (bit_get(w, w->floor + 1)) {
		bit_set(w, w->floor + 1, 0);
		w->floor++;
	}
	return 0;
}

/* Encoding: per origin, 64 bytes of name, 8 of floor, the bitmap. */
#define WINDOW_REC	(BRIDGE_STREAM_MAX + 1 + 8 + BRIDGE_WINDOW / 8)

/**
 * bridge_window_size() - bytes bridge_window_encode() writes
 * @ws: the windows
 */
size_t bridge_window_size(const struct bridge_windows *ws)
{
	return 4 + (size_t)ws->n * WINDOW_REC;
}

/**
 * bridge_window_encode() - serialise the windows for the ledger
 * @ws: the windows
 * @buf: bridge_window_size() bytes
 */
void bridge_window_encode(const struct bridge_windows *ws, void *buf)
{
	unsigned char *p = buf;
	uint32_t n = ws->n;
	unsigned int i;

	memcpy(p, &n, 4);
	p += 4;
	for (i = 0; i < ws->n; i++) {
		memcpy(p, ws->w[i].origin, BRIDGE_STREAM_MAX + 1);
		p += BRIDGE_STREAM_MAX + 1;
		memcpy(p, &ws->w[i].floor, 8);
		p += 8;
		memcpy(p, ws->w[i].bits, BRIDGE_WINDOW / 8);
		p += BRIDGE_WINDOW / 8;
	}
}

/**
 * bridge_window_decode() - restore windows from a ledger message
 * @ws: filled
 * @buf: the ledger body
 * @len: its length
 *
 * Return: 0, or -EBADMSG when @buf is not a ledger.
 */
int bridge_window_decode(struct bridge_windows *ws, const void *buf,
			 size_t len)
{
	const unsigned char *p = buf;
	uint32_t n;
	unsigned int i;

	memset(ws, 0, sizeof(*ws));
	if (len < 4)
		return -EBADMSG;
	memcpy(&n, p, 4);
	p += 4;
	if (n > BRIDGE_MAX_ORIGINS || len != 4 + (size_t)n * WINDOW_REC)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		memcpy(ws->w[i].origin, p, BRIDGE_STREAM_MAX + 1);
		ws->w[i].origin[BRIDGE_STREAM_MAX] = '\0';
		p += BRIDGE_STREAM_MAX + 1;
		memcpy(&ws->w[i].floor, p, 8);
		p += 8;
		memcpy(ws->w[i].bits, p, BRIDGE_WINDOW / 8);
		p += BRIDGE_WINDOW / 8;
	}
	ws->n = n;
	return 0;
}
