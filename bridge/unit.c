// SPDX-License-Identifier: GPL-2.0
/*
 * bridge-unit: the spool's and the journal's bookkeeping, on the host,
 * against a plain model of what each must remember. No broker, no module:
 * neither file needs them for what is tested here.
 *
 *   bridge-unit        run every case, print "N passed, N failed"
 *
 * The spool: thousands of messages published and confirmed in bursts, as
 * the bridge does it, keep the entries in record order, the unconfirmed
 * ones where bridge_spool_open_from() says, every record id findable while
 * kept, the last BRIDGE_HISTORY confirmed ones for re-sends, and all of it
 * again after the file is read back. The journal: rounds of deliveries
 * from several origins, some cut short, leave bridge_journal_seen() true
 * for what its ring holds, as a plain search of the ring finds it, also
 * after a reopen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

static int passed, failed, case_failed;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "  %s:%d: %s: ", __func__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			case_failed = 1;				\
			return;						\
		}							\
	} while (0)

/* spool.c and journal.c log through the daemon's logger. */
void bridge_log(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char dir[] = "/tmp/bridge-unit.XXXXXX";

static struct bridge_msg new_msg(uint64_t id)
{
	struct bridge_msg m;

	memset(&m, 0, sizeof(m));
	strcpy(m.origin, "a");
	m.id = id;
	m.pid = 100;
	m.len = 8;
	m.data = malloc(m.len);
	memcpy(m.data, &id, sizeof(id));
	return m;
}

/* Open spool @name of the test's directory, unsynced, into a zeroed @sp. */
static int spool_open(struct bridge_spool *sp, const char *name)
{
	memset(sp, 0, sizeof(*sp));
	return bridge_spool_open(sp, dir, name, 0, -1);
}

/* Entries in record id order, and the counters what the entries say. */
static int spool_sound(const struct bridge_spool *sp)
{
	size_t i, open = 0;

	for (i = 0; i < sp->n; i++) {
		if (i && sp->e[i].rid <= sp->e[i - 1].rid)
			return 0;
		open += sp->e[i].state != SPOOL_CONFIRMED;
	}
	if (open != sp->unconfirmed)
		return 0;
	for (i = 0; i < bridge_spool_open_from(sp); i++)
		if (sp->e[i].state != SPOOL_CONFIRMED)
			return 0;
	return 1;
}

/* Publish what is pending, as publish_pending() does: tags in order. */
static void publish(struct bridge_spool *sp, uint64_t *next_tag)
{
	size_t i;

	for (i = bridge_spool_open_from(sp); i < sp->n; i++) {
		if (sp->e[i].state != SPOOL_PENDING)
			continue;
		sp->e[i].state = SPOOL_INFLIGHT;
		sp->e[i].tag = (*next_tag)++;
	}
}

static void spool_stream(void)
{
	const unsigned int total = 5000;
	struct bridge_spool_entry *e;
	struct bridge_spool sp;
	uint64_t tag = 1, first_rid = 0, rid;
	struct bridge_msg m;
	unsigned int i;
	int ret;

	ret = spool_open(&sp, "stream");
	CHECK(!ret, "open: %s", strerror(-ret));
	for (i = 0; i < total; i++) {
		m = new_msg(i + 1);
		ret = bridge_spool_add(&sp, &m, 1, 0, &e);
		CHECK(!ret, "add %u: %s", i, strerror(-ret));
		CHECK(e == &sp.e[sp.n - 1] && e->msg.id == i + 1,
		      "add %u: the entry handed back is not the one added", i);
		if (!first_rid)
			first_rid = e->rid;
		rid = e->rid;
		CHECK(bridge_spool_find(&sp, rid) == e, "find %" PRIu64, rid);
		ret = bridge_spool_done(&sp, e);
		CHECK(!ret, "done: %s", strerror(-ret));
		/* Confirmed in bursts of 64, one frame covering each. */
		if (i % 64 == 63) {
			publish(&sp, &tag);
			ret = bridge_spool_confirm(&sp, tag - 1, 1);
			CHECK(ret == 64, "confirm after %u: %d entries", i, ret);
		}
		CHECK(spool_sound(&sp), "after message %u", i);
	}
	CHECK(sp.unconfirmed == total % 64, "%zu unconfirmed", sp.unconfirmed);
	CHECK(sp.n <= BRIDGE_HISTORY + 4 * BRIDGE_HISTORY,
	      "%zu entries kept", sp.n);
	CHECK(!bridge_spool_find(&sp, first_rid), "the first entry is kept");
	CHECK(bridge_spool_find(&sp, rid), "the last entry is gone");
	/* A re-send of a message confirmed of late: a new pending entry. */
	ret = bridge_spool_resend(&sp, sp.e[sp.n - 100].msg.seq);
	CHECK(!ret, "resend: %s", strerror(-ret));
	CHECK(sp.e[sp.n - 1].state == SPOOL_PENDING && sp.e[sp.n - 1].msg.resent,
	      "the re-send is not a pending entry at the end");
	CHECK(spool_sound(&sp), "after the re-send");
	CHECK(bridge_spool_resend(&sp, 1) == -ENOENT,
	      "a message long confirmed is sent again");
	/* A refusal puts what is in flight back; a later confirm takes it. */
	publish(&sp, &tag);
	for (i = bridge_spool_open_from(&sp); i < sp.n; i++)
		if (sp.e[i].state == SPOOL_INFLIGHT)
			sp.e[i].state = SPOOL_PENDING;
	CHECK(spool_sound(&sp), "after a refusal");
	publish(&sp, &tag);
	ret = bridge_spool_confirm(&sp, tag - 1, 1);
	CHECK(ret == (int)(total % 64) + 1, "confirm all: %d", ret);
	CHECK(!sp.unconfirmed && bridge_spool_open_from(&sp) == sp.n,
	      "%zu unconfirmed after the last confirm", sp.unconfirmed);
	bridge_spool_close(&sp);
}

static void spool_reopen(void)
{
	struct bridge_spool_entry *e;
	struct bridge_spool sp;
	uint64_t tag = 1, rids[300];
	struct bridge_msg m;
	unsigned int i;
	int ret;

	ret = spool_open(&sp, "reopen");
	CHECK(!ret, "open: %s", strerror(-ret));
	for (i = 0; i < 3000; i++) {
		m = new_msg(i + 1);
		ret = bridge_spool_add(&sp, &m, 0, 0, &e);
		CHECK(!ret, "add %u: %s", i, strerror(-ret));
		if (i >= 2700)
			rids[i - 2700] = e->rid;
		/* All but the last 300 confirmed, one at a time. */
		if (i < 2700) {
			publish(&sp, &tag);
			ret = bridge_spool_confirm(&sp, tag - 1, 0);
			CHECK(ret == 1, "confirm %u: %d", i, ret);
		}
	}
	bridge_spool_close(&sp);

	ret = spool_open(&sp, "reopen");
	CHECK(!ret, "open again: %s", strerror(-ret));
	CHECK(spool_sound(&sp), "read back");
	CHECK(sp.unconfirmed == 300, "%zu unconfirmed read back", sp.unconfirmed);
	for (i = 0; i < 300; i++) {
		e = bridge_spool_find(&sp, rids[i]);
		CHECK(e && e->state == SPOOL_PENDING && e->msg.id == 2701 + i,
		      "unconfirmed entry %u not read back", i);
	}
	CHECK(bridge_spool_open_from(&sp) == sp.n - 300,
	      "the unconfirmed start at %zu of %zu", bridge_spool_open_from(&sp),
	      sp.n);
	CHECK(sp.n - 300 <= BRIDGE_HISTORY, "%zu confirmed kept", sp.n - 300);
	bridge_spool_close(&sp);
}

/*
 * The journal against a model of its ring, searched the slow way: places
 * in a circle, a round empties the places its messages take and fills
 * those of the messages sent, a single delivery takes the next place.
 */
struct place {
	char origin[BRIDGE_STREAM_MAX + 1];
	uint64_t seq;
};

static struct place model[BRIDGE_RING];
static unsigned int model_next;

static void model_round(unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		memset(&model[(model_next + k) % BRIDGE_RING], 0, sizeof(model[0]));
}

static void model_add(const char *origin, uint64_t seq)
{
	snprintf(model[model_next].origin, sizeof(model[0].origin), "%s", origin);
	model[model_next].seq = seq;
	model_next = (model_next + 1) % BRIDGE_RING;
}

static int model_has(const char *origin, uint64_t seq)
{
	unsigned int i;

	for (i = 0; i < BRIDGE_RING; i++)
		if (model[i].seq == seq && !strcmp(model[i].origin, origin))
			return 1;
	return 0;
}

static const char *const origins[] = { "a#1", "b#1", "c#7" };

static void journal_rounds(void)
{
	const char *origin[BRIDGE_RING / 4];
	uint64_t seq[BRIDGE_RING / 4], next[3] = { 1, 1, 1 };
	struct bridge_journal *j = calloc(1, sizeof(*j));
	unsigned int r, k, n, sent;
	uint64_t s;
	int ret, o;

	CHECK(j, "no memory");
	ret = bridge_journal_open(j, dir, "rounds", 0, -1);
	CHECK(!ret, "open: %s", strerror(-ret));
	srand(7);
	for (r = 0; r < 400; r++) {
		n = 1 + rand() % (BRIDGE_RING / 4);
		for (k = 0; k < n; k++) {
			o = rand() % 3;
			origin[k] = origins[o];
			seq[k] = next[o]++;
		}
		ret = bridge_journal_round(j, n, origin, seq);
		CHECK(!ret, "round %u: %s", r, strerror(-ret));
		model_round(n);
		/* Some rounds meet a full mailbox part way. */
		sent = rand() % 4 ? n : rand() % (n + 1);
		ret = bridge_journal_end(j, sent);
		CHECK(!ret, "end of round %u: %s", r, strerror(-ret));
		for (k = 0; k < sent; k++)
			model_add(origin[k], seq[k]);
		/* Those not sent get their sequence numbers again. */
		for (k = sent; k < n; k++)
			for (o = 0; o < 3; o++)
				if (origin[k] == origins[o] && seq[k] < next[o])
					next[o] = seq[k];
		if (r % 20 != 19)
			continue;
		for (o = 0; o < 3; o++)
			for (s = next[o] > 1500 ? next[o] - 1500 : 1; s < next[o]; s++)
				CHECK(bridge_journal_seen(j, origins[o], s) ==
				      model_has(origins[o], s),
				      "round %u: %s/%" PRIu64 " seen %d", r,
				      origins[o], s, bridge_journal_seen(j, origins[o], s));
	}
	bridge_journal_close(j);

	memset(j, 0, sizeof(*j));
	ret = bridge_journal_open(j, dir, "rounds", 0, -1);
	CHECK(!ret, "open again: %s", strerror(-ret));
	for (o = 0; o < 3; o++)
		for (s = 1; s < next[o]; s++)
			CHECK(bridge_journal_seen(j, origins[o], s) ==
			      model_has(origins[o], s),
			      "read back: %s/%" PRIu64, origins[o], s);
	/* Deliveries one at a time (resends, direct ports) are in the ring too. */
	for (k = 0; k < BRIDGE_RING + 10; k++) {
		ret = bridge_journal_done(j, "d#2", k + 1);
		CHECK(!ret, "done %u: %s", k, strerror(-ret));
		model_add("d#2", k + 1);
	}
	for (o = 0; o < 3; o++)
		for (s = 1; s < next[o]; s++)
			CHECK(!bridge_journal_seen(j, origins[o], s),
			      "%s/%" PRIu64 " outlived the ring", origins[o], s);
	for (k = 0; k < BRIDGE_RING + 10; k++)
		CHECK(bridge_journal_seen(j, "d#2", k + 1) == (k >= 10),
		      "d#2/%u", k + 1);
	bridge_journal_close(j);
	free(j);
}

static void run(const char *name, void (*fn)(void))
{
	case_failed = 0;
	fn();
	printf("%s %s\n", case_failed ? "FAIL" : "ok", name);
	if (case_failed)
		failed++;
	else
		passed++;
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	run("spool.stream_keeps_order_and_history", spool_stream);
	run("spool.reopen_reads_back_what_is_open", spool_reopen);
	run("journal.seen_is_the_last_ring_of_deliveries", journal_rounds);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "bridge-unit: %s left behind\n", dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
