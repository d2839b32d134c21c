// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bridge: the daemon. See bridge.h for the model and
 * msgbox-bridge(8) for its use.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <amqp_tcp_socket.h>
#include <msgbox.h>

#include "bridge.h"

#define CTL_CHANNEL	1	/* declarations and ledger reads */
#define CONS_CHANNEL	2	/* this host's control queue */
#define REPLY_CHANNEL	3	/* this host's replies to its calls */
#define MAX_INFLIGHT	256
#define TAKE_BATCH	64	/* messages held at once, spooled with one sync */
#define DIST_BATCH	1024	/* the distributor's prefetch: one transaction */
#define DIST_WAIT_MS	10	/* how long a batch may wait to fill up */
#define EXIT_CONFIG	2	/* configuration or broker refused us */
#define EXIT_BROKER	3	/* broker unreachable at start */
#define CALLS_EXPIRE_MS	60000	/* a calls queue without consumers goes */

int bridge_verbose;
static int use_syslog;
static volatile sig_atomic_t stop;
static volatile sig_atomic_t want_stats;

void bridge_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !bridge_verbose)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("msgbox-bridge: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/**
 * struct held - a delivery held until it can be passed on
 * @tag: the broker's delivery tag
 * @crc_ok: the payload matches its CRC32C
 * @stream: "ORIGIN#EPOCH", the key of duplicate detection with the seq
 * @m: the message
 */
struct held {
	uint64_t tag;
	int crc_ok;
	char stream[BRIDGE_STREAM_MAX + 1];
	struct bridge_msg m;
};

/**
 * struct mbox - a bridged mailbox at run time
 * @c: its configuration
 * @out_fd: the out mailbox, or -1
 * @in_fd: the in mailbox, or -1
 * @out_size: largest message of the out mailbox
 * @q: the shared queue's name
 * @qself: this host's queue for the mailbox
 * @ledger: the ledger queue
 * @ch_out: publishing channel
 * @ch_dist: distributor channel (transactional)
 * @ch_in: receiving channel
 * @spool: outbound spool (reliable)
 * @journal: inbound journal (reliable)
 * @next_tag: next publish's confirm tag on @ch_out
 * @retry_at: no publishing before this time (ms) after a refusal
 * @seq: next sequence number (best-effort)
 * @win: the distributor's duplicate windows
 * @win_loaded: @win was read from the ledger on this connection
 * @dist: deliveries the distributor holds
 * @ndist: entries in @dist
 * @dist_since: time (ms) the oldest entry of @dist arrived
 * @commit_pending: a transaction was sent and its commit-ok is awaited
 * @tgt_msgs: messages in each host's queue at the last look, plus since
 * @tgt_cons: consumers of each host's queue at the last look
 * @tgt_at: time (ms) of the last look
 * @self_host: index of this host in conf.hosts, or -1: its count in
 *	@tgt_msgs goes down with each delivery from @qself
 * @rr: round-robin position among hosts
 * @in: deliveries waiting for the local send
 * @nin: entries in @in
 * @in_blocked: the in mailbox was full at the last try
 * @ack_upto: the last of the deliveries let go from @in whose
 *	acknowledgement is still to be sent (0: none), see release_head()
 * @corrupt_count: first publishes so far (test mode)
 * @full_logged: a "queue full" was logged and not yet cleared
 * @n_taken: messages taken from @out_fd
 * @n_put: messages sent to @in_fd in rounds (for test-kill-in)
 * @n_confirmed: publishes the broker confirmed
 * @n_refused: publishes the broker refused (queue full)
 * @n_moved: messages the distributor moved
 * @n_dups: duplicates the distributor dropped
 * @n_commits: distributor transactions
 * @n_delivered: messages sent to @in_fd
 * @calls: its calls, both ways (call.c)
 */
struct mbox {
	struct bridge_mbox_conf *c;
	int out_fd;
	int in_fd;
	uint32_t out_size;
	char q[BRIDGE_NAME_MAX + 16];
	char qself[BRIDGE_NAME_MAX + BRIDGE_HOST_MAX + 16];
	char ledger[BRIDGE_NAME_MAX + 16];
	amqp_channel_t ch_out;
	amqp_channel_t ch_dist;
	amqp_channel_t ch_in;
	struct bridge_spool spool;
	struct bridge_journal journal;
	uint64_t next_tag;
	uint64_t retry_at;
	uint64_t seq;
	struct bridge_windows win;
	int win_loaded;
	struct held dist[DIST_BATCH];
	unsigned int ndist;
	uint64_t dist_since;
	int commit_pending;
	uint32_t tgt_msgs[BRIDGE_MAX_HOSTS];
	uint32_t tgt_cons[BRIDGE_MAX_HOSTS];
	uint64_t tgt_at;
	int self_host;
	unsigned int rr;
	struct held in[BRIDGE_RING / 4];
	unsigned int nin;
	int in_blocked;
	uint64_t ack_upto;
	uint64_t corrupt_count;
	int full_logged;
	uint64_t n_taken;
	uint64_t n_put;
	uint64_t n_confirmed;
	uint64_t n_refused;
	uint64_t n_moved;
	uint64_t n_dups;
	uint64_t n_commits;
	uint64_t n_delivered;
	struct bridge_calls calls;
};

static struct bridge_conf conf;
static struct mbox mbs[BRIDGE_MAX_MAILBOXES + BRIDGE_MAX_HOSTS];
static int dev_fd = -1;	/* unbound, for reports to senders' ports */
static amqp_connection_state_t conn;
static int connected;
static char ctlq[BRIDGE_HOST_MAX + 16];
static uint64_t conn_gen;	/* broker connections made so far */
static int calls_fd = -1;	/* readable when a call made here ended */
static char *scratch;
static size_t scratch_size;

/**
 * bridge_now_ms() - the monotonic clock
 *
 * Return: milliseconds since some fixed point.
 */
uint64_t bridge_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		stop = 1;
}

static void log_stats(void)
{
	unsigned int i;

	for (i = 0; i < conf.nmb; i++) {
		struct mbox *mb = &mbs[i];

		bridge_log(LOG_INFO, "%s: taken %" PRIu64 " confirmed %" PRIu64 " refused %" PRIu64 " moved %" PRIu64 " in %" PRIu64 " transactions, duplicates %" PRIu64 ", delivered %" PRIu64 ", spool %zu unconfirmed, calls %" PRIu64 " out (%" PRIu64 " answered, %u open), %" PRIu64 " served (%u running)",
			   mb->c->name, mb->n_taken, mb->n_confirmed,
			   mb->n_refused, mb->n_moved, mb->n_commits,
			   mb->n_dups, mb->n_delivered, mb->spool.unconfirmed,
			   mb->calls.n_calls, mb->calls.n_answered,
			   mb->calls.noc, mb->calls.n_served,
			   mb->calls.far_running);
	}
}

/* ---- broker helpers ---- */

enum { RPC_OK = 0, RPC_RETRY = -1, RPC_FATAL = -2 };

static int reply_check(amqp_rpc_reply_t r, const char *what)
{
	amqp_connection_close_t *cc;
	amqp_channel_close_t *ch;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return RPC_OK;
	case AMQP_RESPONSE_NONE:
		bridge_log(LOG_ERR, "%s: no reply from the broker", what);
		return RPC_RETRY;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		bridge_log(LOG_ERR, "%s: %s", what,
			   amqp_error_string2(r.library_error));
		return RPC_RETRY;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			bridge_log(LOG_ERR, "%s: broker closed the connection: %d %.*s",
				   what, cc->reply_code, (int)cc->reply_text.len,
				   (char *)cc->reply_text.bytes);
			return cc->reply_code == 403 || cc->reply_code == 530 ?
				RPC_FATAL : RPC_RETRY;
		}
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			bridge_log(LOG_ERR, "%s: broker refused: %d %.*s", what,
				   ch->reply_code, (int)ch->reply_text.len,
				   (char *)ch->reply_text.bytes);
			return ch->reply_code == 406 || ch->reply_code == 403 ?
				RPC_FATAL : RPC_RETRY;
		}
		bridge_log(LOG_ERR, "%s: unexpected broker method 0x%08x", what,
			   r.reply.id);
		return RPC_RETRY;
	}
	return RPC_RETRY;
}

static int rpc_check(const char *what)
{
	return reply_check(amqp_get_rpc_reply(conn), what);
}

/**
 * bridge_broker_drop() - give up the broker connection
 *
 * What was received and not acknowledged the broker gives again; what was
 * published and not confirmed is sent again after the next connection.
 */
void bridge_broker_drop(void)
{
	unsigned int i, k;

	if (!conn)
		return;
	amqp_destroy_connection(conn);
	conn = NULL;
	if (connected)
		bridge_log(LOG_WARNING, "disconnected from the broker");
	connected = 0;
	for (i = 0; i < conf.nmb; i++) {
		struct mbox *mb = &mbs[i];

		for (k = 0; k < mb->ndist; k++)
			free(mb->dist[k].m.data);
		for (k = 0; k < mb->nin; k++)
			free(mb->in[k].m.data);
		mb->ndist = mb->nin = 0;
		bridge_calls_drop(&mb->calls);
		mb->win_loaded = 0;
		mb->commit_pending = 0;
		mb->in_blocked = 0;
		mb->ack_upto = 0;
		for (k = 0; k < mb->spool.n; k++)
			if (mb->spool.e[k].state == SPOOL_INFLIGHT)
				mb->spool.e[k].state = SPOOL_PENDING;
	}
}

/**
 * bridge_broker() - the broker connection
 *
 * Return: it, or NULL while there is none.
 */
amqp_connection_state_t bridge_broker(void)
{
	return connected ? conn : NULL;
}

/**
 * bridge_broker_gen() - which broker connection this is
 *
 * Return: the number of connections made so far; delivery tags belong to
 * one.
 */
uint64_t bridge_broker_gen(void)
{
	return conn_gen;
}

/* Messages per distributor transaction: no more than the queue holds. */
static unsigned int dist_batch(const struct mbox *mb)
{
	return mb->c->queue_length < DIST_BATCH ? mb->c->queue_length :
						  DIST_BATCH;
}

static int declare(const char *queue, amqp_table_t args, uint32_t *msgs,
		   uint32_t *cons)
{
	amqp_queue_declare_ok_t *ok;
	char what[600];

	ok = amqp_queue_declare(conn, CTL_CHANNEL, amqp_cstring_bytes(queue),
				0, 1, 0, 0, args);
	snprintf(what, sizeof(what), "declaring queue %s", queue);
	if (!ok)
		return rpc_check(what);
	if (msgs)
		*msgs = ok->message_count;
	if (cons)
		*cons = ok->consumer_count;
	return RPC_OK;
}

static int declare_shared(struct mbox *mb)
{
	amqp_table_entry_t e[4];
	int n = 0;

	bridge_table_add(e, &n, "x-max-length", AMQP_FIELD_KIND_I64,
		  mb->c->queue_length, NULL);
	bridge_table_add(e, &n, "x-overflow", AMQP_FIELD_KIND_UTF8, 0,
		  "reject-publish");
	bridge_table_add(e, &n, "x-max-priority", AMQP_FIELD_KIND_I64,
		  mb->c->priorities, NULL);
	if (mb->c->class == BRIDGE_RELIABLE && mb->c->kind == BRIDGE_MAILBOX)
		bridge_table_add(e, &n, "x-single-active-consumer",
			  AMQP_FIELD_KIND_BOOLEAN, 1, NULL);
	return declare(mb->q, (amqp_table_t){ .num_entries = n, .entries = e },
		       NULL, NULL);
}

static int declare_host(struct mbox *mb, unsigned int h)
{
	char name[sizeof(mb->qself)];
	amqp_table_entry_t e[1];
	int n = 0;

	snprintf(name, sizeof(name), "%s.@%s", mb->q, conf.hosts[h]);
	bridge_table_add(e, &n, "x-max-priority", AMQP_FIELD_KIND_I64,
		  mb->c->priorities, NULL);
	return declare(name, (amqp_table_t){ .num_entries = n, .entries = e },
		       &mb->tgt_msgs[h], &mb->tgt_cons[h]);
}

static int declare_ledger(struct mbox *mb)
{
	amqp_table_entry_t e[2];
	int n = 0;

	bridge_table_add(e, &n, "x-max-length", AMQP_FIELD_KIND_I64, 1, NULL);
	bridge_table_add(e, &n, "x-overflow", AMQP_FIELD_KIND_UTF8, 0, "drop-head");
	return declare(mb->ledger,
		       (amqp_table_t){ .num_entries = n, .entries = e },
		       NULL, NULL);
}

/* The queue of NAME's calls, gone once no host has consumed it a while. */
static int declare_calls(struct mbox *mb)
{
	amqp_table_entry_t e[1];
	int n = 0;

	bridge_table_add(e, &n, "x-expires", AMQP_FIELD_KIND_I64, CALLS_EXPIRE_MS,
		  NULL);
	return declare(mb->calls.queue,
		       (amqp_table_t){ .num_entries = n, .entries = e },
		       NULL, NULL);
}

/* Does @mb carry calls, from here or to here? */
static int carries_calls(const struct mbox *mb)
{
	return mb->c->calls && mb->c->kind == BRIDGE_MAILBOX;
}

static int channel_open(amqp_channel_t ch)
{
	if (!amqp_channel_open(conn, ch))
		return rpc_check("opening a channel");
	return RPC_OK;
}

static int consume(amqp_channel_t ch, const char *queue, int no_ack,
		   unsigned int prefetch)
{
	char what[600];

	snprintf(what, sizeof(what), "consuming from %s", queue);
	if (prefetch && !amqp_basic_qos(conn, ch, 0, prefetch, 0))
		return rpc_check(what);
	if (!amqp_basic_consume(conn, ch, amqp_cstring_bytes(queue),
				amqp_empty_bytes, 0, no_ack, 0,
				amqp_empty_table))
		return rpc_check(what);
	return RPC_OK;
}

/* Connect, log in, declare and subscribe. */
static int broker_connect(void)
{
	struct timeval tv = { .tv_sec = 5 };
	amqp_rpc_reply_t r;
	amqp_socket_t *sock;
	unsigned int i, h;
	int ret, status;

	conn = amqp_new_connection();
	if (!conn) {
		bridge_log(LOG_ERR, "out of memory");
		return RPC_RETRY;
	}
	sock = amqp_tcp_socket_new(conn);
	if (!sock) {
		bridge_log(LOG_ERR, "cannot create a socket");
		goto err_drop;
	}
	status = amqp_socket_open_noblock(sock, conf.broker_host,
					  conf.broker_port, &tv);
	if (status) {
		bridge_log(LOG_ERR, "broker %s:%d unreachable: %s",
			   conf.broker_host, conf.broker_port,
			   amqp_error_string2(status));
		goto err_drop;
	}
	r = amqp_login(conn, conf.vhost, 0, 131072, conf.heartbeat,
		       AMQP_SASL_METHOD_PLAIN, conf.user, conf.password);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		const char *why = "the broker closed the connection";
		amqp_connection_close_t *cc;
		int len = (int)strlen(why);

		if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
		    r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			why = cc->reply_text.bytes;
			len = cc->reply_text.len;
		} else if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
			bridge_log(LOG_ERR, "broker %s:%d unreachable: logging in: %s",
				   conf.broker_host, conf.broker_port,
				   amqp_error_string2(r.library_error));
			goto err_drop;
		}
		bridge_log(LOG_ERR, "broker %s:%d refused the login of user '%s' on vhost '%s': %.*s",
			   conf.broker_host, conf.broker_port, conf.user,
			   conf.vhost, len, why);
		amqp_destroy_connection(conn);
		conn = NULL;
		return RPC_FATAL;
	}
	ret = channel_open(CTL_CHANNEL);
	if (!ret)
		ret = channel_open(CONS_CHANNEL);
	if (ret)
		goto err;
	ret = declare(ctlq, amqp_empty_table, NULL, NULL);
	if (ret)
		goto err;
	for (i = 0; i < conf.nmb; i++)
		if (carries_calls(&mbs[i]) && mbs[i].out_fd >= 0)
			break;
	if (i < conf.nmb) {
		ret = channel_open(REPLY_CHANNEL);
		if (!ret)
			ret = declare(bridge_calls_reply_queue(),
				      amqp_empty_table, NULL, NULL);
		if (!ret)
			ret = consume(REPLY_CHANNEL, bridge_calls_reply_queue(),
				      1, 0);
		if (ret)
			goto err;
	}

	for (i = 0; i < conf.nmb; i++) {
		struct mbox *mb = &mbs[i];

		ret = declare_shared(mb);
		if (ret)
			goto err;
		if (mb->out_fd >= 0) {
			ret = channel_open(mb->ch_out);
			if (ret)
				goto err;
			if (mb->c->class == BRIDGE_RELIABLE) {
				if (!amqp_confirm_select(conn, mb->ch_out)) {
					ret = rpc_check("selecting confirms");
					goto err;
				}
				mb->next_tag = 1;
			}
		}
		if (carries_calls(mb) && (mb->out_fd >= 0 || mb->in_fd >= 0)) {
			ret = channel_open(mb->calls.ch);
			if (ret)
				goto err;
		}
		if (carries_calls(mb) && mb->in_fd >= 0) {
			/* The prefetch bounds the calls made here at once. */
			ret = declare_calls(mb);
			if (!ret)
				ret = consume(mb->calls.ch, mb->calls.queue,
					      0, mb->c->calls);
			if (ret)
				goto err;
		}
		if (mb->in_fd < 0)
			continue;
		ret = channel_open(mb->ch_in);
		if (ret)
			goto err;
		if (mb->c->class == BRIDGE_BEST_EFFORT) {
			ret = consume(mb->ch_in, mb->q, 1, 0);
			if (ret)
				goto err;
			continue;
		}
		if (mb->c->kind == BRIDGE_DIRECT_IN) {
			ret = consume(mb->ch_in, mb->q, 0, mb->c->prefetch);
			if (ret)
				goto err;
			continue;
		}
		for (h = 0; h < conf.nhosts; h++) {
			ret = declare_host(mb, h);
			if (ret)
				goto err;
		}
		ret = declare_ledger(mb);
		if (ret)
			goto err;
		ret = consume(mb->ch_in, mb->qself, 0, mb->c->prefetch);
		if (ret)
			goto err;
		ret = channel_open(mb->ch_dist);
		if (ret)
			goto err;
		if (!amqp_tx_select(conn, mb->ch_dist)) {
			ret = rpc_check("selecting transactions");
			goto err;
		}
		ret = consume(mb->ch_dist, mb->q, 0, dist_batch(mb));
		if (ret)
			goto err;
	}
	ret = consume(CONS_CHANNEL, ctlq, 0, 16);
	if (ret)
		goto err;
	connected = 1;
	conn_gen++;
	bridge_log(LOG_INFO, "connected to broker %s:%d as host %s",
		   conf.broker_host, conf.broker_port, conf.host);
	return RPC_OK;

err_drop:
	ret = RPC_RETRY;
err:
	amqp_destroy_connection(conn);
	conn = NULL;
	return ret;
}

/* ---- message encoding ---- */

static int publish_msg(amqp_channel_t ch, const char *queue,
		       const struct bridge_msg *m, int mandatory, int persistent,
		       int corrupt)
{
	amqp_basic_properties_t p;
	amqp_table_entry_t e[11];
	char id[32];
	amqp_bytes_t body;
	int n = 0, ret;
	char *copy = NULL;

	snprintf(id, sizeof(id), "%" PRIu64, m->id);
	bridge_table_add(e, &n, "x-msgbox-origin", AMQP_FIELD_KIND_UTF8, 0, m->origin);
	bridge_table_add(e, &n, "x-msgbox-epoch", AMQP_FIELD_KIND_I64, m->epoch, NULL);
	bridge_table_add(e, &n, "x-msgbox-seq", AMQP_FIELD_KIND_I64, m->seq, NULL);
	bridge_table_add(e, &n, "x-msgbox-crc32c", AMQP_FIELD_KIND_I64, m->crc, NULL);
	bridge_table_add(e, &n, "x-msgbox-pid", AMQP_FIELD_KIND_I64, m->pid, NULL);
	bridge_table_add(e, &n, "x-msgbox-uid", AMQP_FIELD_KIND_I64, m->uid, NULL);
	bridge_table_add(e, &n, "x-msgbox-gid", AMQP_FIELD_KIND_I64, m->gid, NULL);
	bridge_table_add(e, &n, "x-msgbox-prio", AMQP_FIELD_KIND_I64, m->prio, NULL);
	bridge_table_add(e, &n, "x-msgbox-resent", AMQP_FIELD_KIND_BOOLEAN, m->resent,
		  NULL);
	if (m->user[0])
		bridge_table_add(e, &n, "x-msgbox-user", AMQP_FIELD_KIND_UTF8, 0, m->user);
	if (m->to_pid)
		bridge_table_add(e, &n, "x-msgbox-to-pid", AMQP_FIELD_KIND_I64,
			  m->to_pid, NULL);
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
		   AMQP_BASIC_PRIORITY_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
		   AMQP_BASIC_CONTENT_TYPE_FLAG;
	p.headers.num_entries = n;
	p.headers.entries = e;
	p.message_id = amqp_cstring_bytes(id);
	p.priority = m->prio > 255 ? 255 : m->prio;
	p.delivery_mode = persistent ? 2 : 1;
	p.content_type = amqp_cstring_bytes("application/octet-stream");
	if (!strcmp(m->origin, conf.host) && !m->user[0]) {
		/* Our own message: the broker checks it is our login. */
		p._flags |= AMQP_BASIC_USER_ID_FLAG;
		p.user_id = amqp_cstring_bytes(conf.user);
	}
	body.len = m->len;
	body.bytes = m->data;
	if (corrupt && m->len) {
		copy = malloc(m->len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, m->data, m->len);
		copy[m->len / 2] ^= 0x20;
		body.bytes = copy;
	}
	ret = amqp_basic_publish(conn, ch, amqp_empty_bytes,
				 amqp_cstring_bytes(queue), mandatory, 0, &p,
				 body);
	free(copy);
	if (ret) {
		bridge_log(LOG_ERR, "publishing to %s: %s", queue,
			   amqp_error_string2(ret));
		return -EIO;
	}
	return 0;
}

/* Turn a broker message into a bridge_msg; -1 if it is not one of ours. */
static int decode_msg(const amqp_message_t *am, struct held *h)
{
	const amqp_table_t *t = &am->properties.headers;
	struct bridge_msg *m = &h->m;
	int64_t seq, crc, pid, uid, gid, prio, resent = 0, to_pid = 0, epoch = 0;
	char id[32];

	memset(m, 0, sizeof(*m));
	if (!(am->properties._flags & AMQP_BASIC_HEADERS_FLAG) ||
	    bridge_header_str(t, "x-msgbox-origin", m->origin, sizeof(m->origin)) ||
	    bridge_header_int(t, "x-msgbox-seq", &seq) ||
	    bridge_header_int(t, "x-msgbox-crc32c", &crc) ||
	    bridge_header_int(t, "x-msgbox-pid", &pid) ||
	    bridge_header_int(t, "x-msgbox-uid", &uid) ||
	    bridge_header_int(t, "x-msgbox-gid", &gid) ||
	    bridge_header_int(t, "x-msgbox-prio", &prio))
		return -1;
	bridge_header_int(t, "x-msgbox-resent", &resent);
	bridge_header_int(t, "x-msgbox-to-pid", &to_pid);
	bridge_header_int(t, "x-msgbox-epoch", &epoch);
	if ((am->properties._flags & AMQP_BASIC_USER_ID_FLAG) &&
	    am->properties.user_id.len && am->properties.user_id.len < sizeof(m->user)) {
		memcpy(m->user, am->properties.user_id.bytes,
		       am->properties.user_id.len);
		m->user[am->properties.user_id.len] = '\0';
	} else if (bridge_header_str(t, "x-msgbox-user", m->user, sizeof(m->user))) {
		m->user[0] = '\0';
	}
	if ((am->properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) &&
	    am->properties.message_id.len < sizeof(id)) {
		memcpy(id, am->properties.message_id.bytes,
		       am->properties.message_id.len);
		id[am->properties.message_id.len] = '\0';
		m->id = strtoull(id, NULL, 10);
	}
	if (seq < 1 || prio < 0 || prio >= MSGBOX_PRIO_MAX)
		return -1;
	m->seq = seq;
	m->epoch = epoch;
	snprintf(h->stream, sizeof(h->stream), "%s#%" PRIu64, m->origin, m->epoch);
	m->crc = crc;
	m->pid = pid;
	m->uid = uid;
	m->gid = gid;
	m->prio = prio;
	m->resent = !!resent;
	m->to_pid = to_pid > 0 && to_pid <= INT32_MAX ? to_pid : 0;
	m->len = am->body.len;
	m->data = malloc(m->len ? m->len : 1);
	if (!m->data)
		return -ENOMEM;
	memcpy(m->data, am->body.bytes, m->len);
	h->crc_ok = msgbox_crc32c(m->data, m->len) == m->crc;
	return 0;
}

/* ---- outbound ---- */

static int ensure_scratch(size_t size)
{
	char *p;

	if (size <= scratch_size)
		return 0;
	p = realloc(scratch, size);
	if (!p)
		return -ENOMEM;
	scratch = p;
	scratch_size = size;
	return 0;
}

/* A message of the out mailbox as the bridge carries it. */
static void msg_from_local(struct mbox *mb, struct bridge_msg *m,
			   const struct msgbox_msg_info *info, char *data,
			   size_t len)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->origin, conf.host);
	m->epoch = mb->spool.epoch;
	if (mb->c->kind == BRIDGE_DIRECT_OUT)
		m->to_pid = info->key;
	m->id = info->id;
	m->pid = info->pid;
	m->uid = info->uid;
	m->gid = info->gid;
	m->prio = info->prio;
	m->len = len;
	m->data = data;
	m->crc = msgbox_crc32c(data, len);
}

/* Tell the out mailbox that message @id, held, is done: 0 or -errno. */
static int out_done(struct mbox *mb, uint64_t id)
{
	int ret = msgbox_done(mb->out_fd, id);

	if (ret)
		bridge_log(LOG_ERR, "mailbox %s: done with message %" PRIu64 ": %s",
			   mb->c->out, id, strerror(-ret));
	return ret;
}

/*
 * The out mailbox is empty: if nothing is held there either, no message the
 * spool counts as held can come back (see spool.c).
 */
static int out_empty(struct mbox *mb)
{
	struct msgbox_stat_args st;
	int ret;

	if (!mb->spool.nheld)
		return 0;
	memset(&st, 0, sizeof(st));
	ret = msgbox_stat(mb->out_fd, &st);
	if (ret || st.held)
		return ret;
	ret = bridge_spool_unhold(&mb->spool);
	if (ret > 0)
		bridge_log(LOG_INFO, "%s: %d spooled messages were done before the bridge stopped",
			   mb->c->name, ret);
	return ret < 0 ? ret : 0;
}

/*
 * Give the out mailbox a new descriptor, and return the old one, which
 * holds what it held: -errno if none can be opened.
 */
static int out_swap(struct mbox *mb)
{
	int fd, old;

	fd = msgbox_open(mb->c->out, O_RDONLY | O_NONBLOCK | O_CLOEXEC, NULL);
	if (fd < 0) {
		bridge_log(LOG_ERR, "mailbox %s: %s", mb->c->out, strerror(-fd));
		return fd;
	}
	old = mb->out_fd;
	mb->out_fd = fd;
	return old;
}

/*
 * A call in the out mailbox, held by out_fd alone (messages are done one
 * at a time): that descriptor goes with the call (call.c) and a new one
 * takes its place. Closing the call's descriptor is how its caller is
 * failed, with ECONNRESET, and it fails no one else. take_all() takes
 * nothing while every slot is in use.
 */
static int take_call(struct mbox *mb, const struct msgbox_held_info *hi,
		     int len)
{
	struct bridge_msg m;
	int fd;

	fd = out_swap(mb);
	if (fd < 0) {
		msgbox_release(mb->out_fd, hi->msg.id);
		return fd;
	}
	if (!mb->c->calls) {
		bridge_log(LOG_NOTICE, "%s: call %" PRIu64 " from pid %d refused: %s; its caller gets ECONNRESET",
			   mb->c->name, hi->msg.id, (int)hi->msg.pid,
			   mb->c->kind != BRIDGE_MAILBOX ?
			   "calls are not carried to ports" : "calls=0");
		close(fd);
		return 1;
	}
	m.data = malloc(len ? len : 1);
	if (!m.data) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(m.data, scratch, len);
	msg_from_local(mb, &m, &hi->msg, m.data, len);
	bridge_call_take(&mb->calls, fd, &m);
	return 1;
}

/**
 * struct take_batch - messages held in the out mailbox, spooled, not synced
 * @n: entries used
 * @rid: their spool records
 * @id: their ids in the out mailbox
 * @kill: test mode: kill the bridge before this one is done
 */
struct take_batch {
	unsigned int n;
	uint64_t rid[TAKE_BATCH];
	uint64_t id[TAKE_BATCH];
	int kill[TAKE_BATCH];
};

/*
 * Group commit of a batch of taken messages: one fsync for their spool
 * records, then the mailbox is told each is done. Until the sync nothing
 * of them is done or published. Returns 0 or a negative errno (the bridge
 * stops when the sync fails: the messages stay held, and come back to
 * the mailbox when it exits).
 */
static int take_flush(struct mbox *mb, struct take_batch *b)
{
	struct bridge_spool_entry *e;
	unsigned int i;
	int ret;

	if (!b->n)
		return 0;
	ret = bridge_spool_sync(&mb->spool);
	if (ret) {
		bridge_log(LOG_ERR, "mailbox %s: spool: %s", mb->c->name,
			   strerror(-ret));
		stop = 1;
		b->n = 0;
		return ret;
	}
	for (i = 0; i < b->n && !ret; i++) {
		e = bridge_spool_find(&mb->spool, b->rid[i]);
		if (b->kill[i] && e) {
			bridge_log(LOG_NOTICE, "test mode: killed holding message %" PRIu64 " of %s, spooled as %" PRIu64,
				   b->id[i], mb->c->out, e->msg.seq);
			raise(SIGKILL);
		}
		ret = out_done(mb, b->id[i]);
		if (!ret && e)
			ret = bridge_spool_done(&mb->spool, e);
	}
	b->n = 0;
	return ret;
}

/*
 * Take one message from the out mailbox into the spool: receive it held
 * (MSGBOX_RECV_HOLD) and append it to the spool; take_flush() syncs the
 * spool for the whole batch and then tells the mailbox each is done. A
 * bridge killed before the done gets the message back from the mailbox,
 * with the same id and marked redelivered: found in the spool then, it
 * is only done, neither spooled nor published a second time. Every
 * message is held by its own receive, so a higher-priority one that
 * arrives meanwhile cannot take its place. A call is held alone: the
 * batch is flushed before it is taken.
 *
 * Returns 1 when one was taken, 0 when the mailbox is empty, a negative
 * errno on failure.
 */
static int take_reliable(struct mbox *mb, struct take_batch *b)
{
	struct bridge_spool_entry *e;
	struct msgbox_held_info hi;
	struct bridge_msg m;
	uint32_t crc;
	int n, ret;

	ret = ensure_scratch(mb->out_size ? mb->out_size : 1);
	if (ret)
		return ret;
	n = msgbox_recv_held(mb->out_fd, scratch, mb->out_size, NULL, &hi);
	if (n == -EAGAIN)
		return out_empty(mb);
	if (n == -EBADMSG) {
		/* The copy is not what was sent: leave it for another try. */
		bridge_log(LOG_ERR, "mailbox %s: message %" PRIu64 " copied wrong; released",
			   mb->c->out, hi.msg.id);
		msgbox_release(mb->out_fd, hi.msg.id);
		return n;
	}
	if (n < 0) {
		bridge_log(LOG_ERR, "mailbox %s: receive: %s", mb->c->out,
			   strerror(-n));
		return n;
	}
	if (hi.call) {
		ret = take_flush(mb, b);
		if (ret) {
			msgbox_release(mb->out_fd, hi.msg.id);
			return ret;
		}
		return take_call(mb, &hi, n);
	}
	if (hi.redelivered) {
		crc = msgbox_crc32c(scratch, n);
		e = bridge_spool_held(&mb->spool, hi.msg.id, crc, n, hi.msg.pid,
				      hi.msg.prio);
		if (e) {
			bridge_log(LOG_NOTICE, "%s: message %" PRIu64 " came back to mailbox %s, spooled already as %" PRIu64 ": done with it",
				   mb->c->name, hi.msg.id, mb->c->out,
				   e->msg.seq);
			ret = out_done(mb, hi.msg.id);
			if (ret)
				return ret;
			ret = bridge_spool_done(&mb->spool, e);
			return ret ? ret : 1;
		}
	}
	if (mb->c->kind == BRIDGE_DIRECT_OUT &&
	    (!hi.msg.has_key || !hi.msg.key || hi.msg.key > INT32_MAX)) {
		bridge_log(LOG_ERR, "%s: a message from pid %d without a destination PID as its key dropped",
			   mb->c->name, (int)hi.msg.pid);
		ret = out_done(mb, hi.msg.id);
		return ret ? ret : 1;
	}
	m.data = malloc(n ? n : 1);
	if (!m.data) {
		msgbox_release(mb->out_fd, hi.msg.id);
		return -ENOMEM;
	}
	memcpy(m.data, scratch, n);
	msg_from_local(mb, &m, &hi.msg, m.data, n);
	ret = bridge_spool_add(&mb->spool, &m, 1, 0, &e);
	if (ret) {
		free(m.data);
		bridge_log(LOG_ERR, "mailbox %s: spool: %s", mb->c->name,
			   strerror(-ret));
		msgbox_release(mb->out_fd, hi.msg.id);
		return ret;
	}
	mb->n_taken++;
	b->rid[b->n] = e->rid;
	b->id[b->n] = hi.msg.id;
	b->kill[b->n] = mb->c->kill_held && mb->n_taken == mb->c->kill_held;
	b->n++;
	return 1;
}

/*
 * Best-effort: take and publish at once; nothing kept. The receive holds
 * only so that a call can be told from a message; the message is done
 * before it is published, so that a bridge killed in between loses it
 * rather than send it twice.
 */
static int take_best_effort(struct mbox *mb)
{
	struct msgbox_held_info hi;
	struct bridge_msg m;
	int n, ret;

	ret = ensure_scratch(mb->out_size ? mb->out_size : 1);
	if (ret)
		return ret;
	n = msgbox_recv_held(mb->out_fd, scratch, mb->out_size, NULL, &hi);
	if (n == -EAGAIN)
		return 0;
	if (n < 0 && n != -EBADMSG)
		return n;
	if (n >= 0 && hi.call)
		return take_call(mb, &hi, n);
	ret = out_done(mb, hi.msg.id);
	if (ret)
		return ret;
	if (n < 0)
		return 1;	/* copied wrong: dropped */
	msg_from_local(mb, &m, &hi.msg, scratch, n);
	m.seq = ++mb->seq;
	mb->corrupt_count++;
	mb->n_taken++;
	ret = publish_msg(mb->ch_out, mb->q, &m, 0, 0, mb->c->corrupt_every &&
			  mb->corrupt_count % mb->c->corrupt_every == 0);
	if (ret)
		bridge_broker_drop();
	return 1;
}

/* Room for one more call: the next message may be one. */
static int may_take(const struct mbox *mb)
{
	return bridge_calls_room(&mb->calls);
}

static void take_all(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < conf.nmb; i++) {
		struct mbox *mb = &mbs[i];
		struct take_batch b = { 0 };

		if (mb->out_fd < 0 || !may_take(mb))
			continue;
		if (mb->c->class == BRIDGE_BEST_EFFORT) {
			int k;

			for (k = 0; connected && k < 64 && may_take(mb); k++)
				if (take_best_effort(mb) <= 0)
					break;
			continue;
		}
		while (mb->spool.unconfirmed < mb->c->spool && may_take(mb) &&
		       b.n < TAKE_BATCH) {
			ret = take_reliable(mb, &b);
			if (ret <= 0)
				break;
		}
		take_flush(mb, &b);
	}
}

/*
 * Hold back partial segments while a batch of frames is written (on), and
 * send what is left at the end (off): a batch of publishes goes out in as
 * few segments as fit, not three frames a segment. Only an optimisation:
 * the frames go either way, so a socket that refuses it is left as it is.
 */
static void broker_cork(int on)
{
	int fd = conn ? amqp_get_sockfd(conn) : -1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

static void publish_pending(struct mbox *mb)
{
	unsigned int inflight = 0;
	int corrupt, corked = 0;
	size_t from, i;

	if (stop || !connected || mb->out_fd < 0 ||
	    mb->c->class != BRIDGE_RELIABLE)
		return;
	if (bridge_now_ms() < mb->retry_at)
		return;
	from = bridge_spool_open_from(&mb->spool);
	for (i = from; i < mb->spool.n; i++)
		inflight += mb->spool.e[i].state == SPOOL_INFLIGHT;
	for (i = from; i < mb->spool.n && inflight < MAX_INFLIGHT; i++) {
		struct bridge_spool_entry *e = &mb->spool.e[i];

		if (e->state != SPOOL_PENDING)
			continue;
		if (!corked) {
			broker_cork(1);
			corked = 1;
		}
		corrupt = 0;
		if (!e->msg.resent && mb->c->corrupt_every &&
		    ++mb->corrupt_count % mb->c->corrupt_every == 0) {
			corrupt = 1;
			bridge_log(LOG_NOTICE, "test mode: corrupting %s seq %" PRIu64,
				   mb->c->name, e->msg.seq);
		}
		if (publish_msg(mb->ch_out, mb->q, &e->msg, 1, 1, corrupt)) {
			bridge_broker_drop();
			return;
		}
		e->state = SPOOL_INFLIGHT;
		e->tag = mb->next_tag++;
		inflight++;
	}
	if (corked)
		broker_cork(0);
}

/* Confirms: ack (taken) or nack (refused, the queue is full). */
static void on_confirm(struct mbox *mb, uint64_t tag, int multiple, int ack)
{
	size_t i;
	int ret;

	if (ack) {
		ret = bridge_spool_confirm(&mb->spool, tag, multiple);
		if (ret < 0) {
			bridge_log(LOG_ERR, "spool of %s: %s", mb->c->name,
				   strerror(-ret));
			stop = 1;
			return;
		}
		mb->n_confirmed += ret;
		if (mb->full_logged) {
			mb->full_logged = 0;
			bridge_log(LOG_NOTICE, "queue %s takes messages again",
				   mb->q);
		}
		return;
	}
	/*
	 * Refused: the queue is full. Back off, keep the order: everything
	 * in flight is published again, and what the nack names counts as
	 * refused.
	 */
	for (i = bridge_spool_open_from(&mb->spool); i < mb->spool.n; i++) {
		struct bridge_spool_entry *e = &mb->spool.e[i];

		if (e->state != SPOOL_INFLIGHT)
			continue;
		e->state = SPOOL_PENDING;
		if (multiple ? e->tag <= tag : e->tag == tag)
			mb->n_refused++;
	}
	mb->retry_at = bridge_now_ms() + 100;
	if (!mb->full_logged)
		bridge_log(LOG_NOTICE, "queue %s is full: holding back", mb->q);
	mb->full_logged = 1;
}

/* ---- distributor ---- */

static int load_ledger(struct mbox *mb)
{
	amqp_basic_get_ok_t *ok;
	amqp_rpc_reply_t r;
	amqp_message_t am;
	int ret;

	memset(&mb->win, 0, sizeof(mb->win));
	r = amqp_basic_get(conn, CTL_CHANNEL, amqp_cstring_bytes(mb->ledger), 0);
	if (reply_check(r, "reading the ledger"))
		return -EIO;
	if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) {
		mb->win_loaded = 1;
		return 0;
	}
	ok = r.reply.decoded;
	r = amqp_read_message(conn, CTL_CHANNEL, &am, 0);
	if (reply_check(r, "reading the ledger"))
		return -EIO;
	ret = bridge_window_decode(&mb->win, am.body.bytes, am.body.len);
	amqp_destroy_message(&am);
	if (amqp_basic_reject(conn, CTL_CHANNEL, ok->delivery_tag, 1))
		return -EIO;
	if (ret) {
		bridge_log(LOG_ERR, "ledger %s is damaged; starting afresh",
			   mb->ledger);
		memset(&mb->win, 0, sizeof(mb->win));
	}
	mb->win_loaded = 1;
	bridge_log(LOG_DEBUG, "%s: ledger loaded, %u origins", mb->c->name,
		   mb->win.n);
	return 0;
}

static int refresh_targets(struct mbox *mb)
{
	unsigned int h;

	for (h = 0; h < conf.nhosts; h++)
		if (declare_host(mb, h))
			return -EIO;
	mb->tgt_at = bridge_now_ms();
	return 0;
}

static int pick_target(struct mbox *mb)
{
	unsigned int k, h, limit = dist_batch(mb) + 2 * mb->c->prefetch;

	for (k = 0; k < conf.nhosts; k++) {
		h = (mb->rr + k) % conf.nhosts;
		if (mb->tgt_cons[h] && mb->tgt_msgs[h] < limit) {
			mb->rr = h + 1;
			return h;
		}
	}
	return -1;
}

/*
 * Did another host than this one consume its queue at the last look? Our
 * own queue's count is kept here (on_deliver()), and asking the broker
 * waits behind the queue's commits, with the deliveries of this bridge.
 */
static int others_consume(const struct mbox *mb)
{
	unsigned int h;

	for (h = 0; h < conf.nhosts; h++)
		if ((int)h != mb->self_host && mb->tgt_cons[h])
			return 1;
	return 0;
}

static int request_resend(amqp_channel_t ch, const struct bridge_msg *m,
			  const char *name)
{
	amqp_basic_properties_t p;
	char q[BRIDGE_HOST_MAX + 16], body[BRIDGE_NAME_MAX + 32];
	amqp_bytes_t b;

	snprintf(q, sizeof(q), "msgbox.@%s", m->origin);
	b.len = snprintf(body, sizeof(body), "resend %s %" PRIu64, name, m->seq);
	b.bytes = body;
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.delivery_mode = 2;
	bridge_log(LOG_NOTICE, "%s: message %s/%" PRIu64 " is corrupted; asking for it again",
		   name, m->origin, m->seq);
	return amqp_basic_publish(conn, ch, amqp_empty_bytes,
				  amqp_cstring_bytes(q), 0, 0, &p, b) ? -EIO : 0;
}

static void distribute(struct mbox *mb)
{
	unsigned int done = 0, k;
	uint64_t now = bridge_now_ms();
	int h, ret = 0;

	if (!connected || !mb->ndist || mb->commit_pending)
		return;
	/* A transaction costs a broker round trip and a sync: fill it. */
	if (mb->ndist < dist_batch(mb) && now - mb->dist_since < DIST_WAIT_MS)
		return;
	if (!mb->win_loaded && load_ledger(mb)) {
		bridge_broker_drop();
		return;
	}
	if (now - mb->tgt_at > 200 && refresh_targets(mb)) {
		bridge_broker_drop();
		return;
	}
	/* The moves, the ack, the ledger and the commit: one write burst. */
	broker_cork(1);
	for (k = 0; k < mb->ndist; k++) {
		struct held *d = &mb->dist[k];

		if (!d->crc_ok) {
			ret = request_resend(mb->ch_dist, &d->m, mb->c->name);
		} else if (bridge_window_seen(&mb->win, d->stream, d->m.seq)) {
			bridge_log(LOG_DEBUG, "%s: duplicate %s/%" PRIu64 " dropped",
				   mb->c->name, d->m.origin, d->m.seq);
			mb->n_dups++;
		} else {
			char q[sizeof(mb->qself)];

			h = pick_target(mb);
			if (h < 0 && others_consume(mb) &&
			    bridge_now_ms() - mb->tgt_at >= 10) {
				/* Every host looked full: look again. */
				broker_cork(0);
				if (refresh_targets(mb)) {
					ret = -EIO;
					break;
				}
				broker_cork(1);
				h = pick_target(mb);
			}
			if (h < 0)
				break;
			snprintf(q, sizeof(q), "%s.@%s", mb->q, conf.hosts[h]);
			ret = publish_msg(mb->ch_dist, q, &d->m, 0, 1, 0);
			if (!ret)
				ret = bridge_window_mark(&mb->win, d->stream,
							 d->m.seq);
			mb->tgt_msgs[h]++;
			mb->n_moved++;
		}
		if (ret)
			break;
		done++;
	}
	/*
	 * One acknowledgement for the batch: the channel's unacknowledged
	 * deliveries are @dist, in the order of their tags, and the batch is
	 * its head.
	 */
	if (!ret && done &&
	    amqp_basic_ack(conn, mb->ch_dist, mb->dist[done - 1].tag, 1))
		ret = -EIO;
	if (!ret && done) {
		size_t len = bridge_window_size(&mb->win);
		amqp_basic_properties_t p;
		amqp_bytes_t b;

		if (ensure_scratch(len)) {
			ret = -ENOMEM;
		} else {
			bridge_window_encode(&mb->win, scratch);
			b.len = len;
			b.bytes = scratch;
			memset(&p, 0, sizeof(p));
			p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
			p.delivery_mode = 2;
			if (amqp_basic_publish(conn, mb->ch_dist, amqp_empty_bytes,
					       amqp_cstring_bytes(mb->ledger), 0,
					       0, &p, b))
				ret = -EIO;
		}
		/*
		 * The commit is sent without waiting for its answer, so that
		 * the local deliveries go on meanwhile; the next batch waits
		 * for it (read_frames()). If the connection fails first, the
		 * broker rolls the transaction back and the window is read
		 * from the ledger again.
		 */
		if (!ret) {
			amqp_tx_commit_t req = { 0 };

			if (amqp_send_method(conn, mb->ch_dist,
					     AMQP_TX_COMMIT_METHOD, &req))
				ret = -EIO;
			mb->commit_pending = 1;
		}
		mb->n_commits++;
	}
	broker_cork(0);
	if (ret) {
		/* Rolled back by the broker; the window is read again. */
		bridge_broker_drop();
		return;
	}
	for (k = 0; k < done; k++)
		free(mb->dist[k].m.data);
	memmove(mb->dist, mb->dist + done, (mb->ndist - done) * sizeof(mb->dist[0]));
	mb->ndist -= done;
	mb->dist_since = now;
}

/* ---- inbound ---- */

/* Send to the in mailbox, with @token unless it is NULL. */
static int send_in(struct mbox *mb, const void *buf, size_t len,
		   const struct msgbox_send_opts *so, const uint64_t *token,
		   struct msgbox_send_info *info)
{
	if (!token)
		return msgbox_sendx(mb->in_fd, buf, len, so, info);
	return msgbox_sendx_token(mb->in_fd, buf, len, so, *token, info);
}

/*
 * With "envelope", the local receiver gets a first line naming the
 * original sender, then the payload:
 * "msgbox-from host=H pid=P uid=U gid=G id=I seq=S\n".
 * The reliable class sends with a token (journal.c), the others without
 * (@token NULL).
 */
static int put_local(struct mbox *mb, struct bridge_msg *m,
		     const uint64_t *token, struct msgbox_send_info *info)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_KEY | MSGBOX_SO_CSUM,
		.prio = m->prio,
		.key = m->id,
	};
	char head[2 * BRIDGE_HOST_MAX + 192];
	int hlen, ret;

	if (!mb->c->envelope)
		return send_in(mb, m->data, m->len, &so, token, info);
	hlen = bridge_envelope_line(head, sizeof(head), m->origin, m->pid, m->uid,
			     m->gid, m->id, m->seq, m->user);
	if (hlen < 0)
		return hlen;
	ret = ensure_scratch(hlen + m->len);
	if (ret)
		return ret;
	memcpy(scratch, head, hlen);
	memcpy(scratch + hlen, m->data, m->len);
	return send_in(mb, scratch, hlen + m->len, &so, token, info);
}

/* Record @d as delivered in the journal: 0, or -1 once the bridge stops. */
static int journal_done(struct mbox *mb, const struct held *d)
{
	int ret = bridge_journal_done(&mb->journal, d->stream, d->m.seq);

	if (ret) {
		bridge_log(LOG_ERR, "%s: journal: %s", mb->c->name,
			   strerror(-ret));
		stop = 1;
		return -1;
	}
	return 0;
}

/*
 * Let the first @n messages held from the broker go; their acknowledgement
 * is sent by ack_released(), with those of the others let go in the same
 * round. Until then the broker may deliver them again, after a lost
 * connection, and the journal's ring knows them: it holds more than the
 * prefetch, and so more than @in.
 */
static void release_head(struct mbox *mb, unsigned int n)
{
	unsigned int k;

	if (!n)
		return;
	mb->ack_upto = mb->in[n - 1].tag;
	for (k = 0; k < n; k++)
		free(mb->in[k].m.data);
	/* One move for the lot: @in holds up to a prefetch of deliveries. */
	memmove(mb->in, mb->in + n, (mb->nin - n) * sizeof(mb->in[0]));
	mb->nin -= n;
	mb->in_blocked = 0;
}

/*
 * Acknowledge every message let go so far in one frame: the receiving
 * channel's unacknowledged deliveries are @in, in the order of their
 * tags, and those let go are its head.
 */
static void ack_released(struct mbox *mb)
{
	uint64_t tag = mb->ack_upto;

	mb->ack_upto = 0;
	if (connected && tag && amqp_basic_ack(conn, mb->ch_in, tag, 1))
		bridge_broker_drop();
}

/*
 * How many of @in, from its head, can go in one round of local sends:
 * sound, not delivered of late, not twice in the round, and no more than
 * @limit.
 */
static unsigned int round_size(struct mbox *mb, unsigned int limit)
{
	unsigned int n, k;

	for (n = 0; n < mb->nin && n < limit; n++) {
		const struct held *d = &mb->in[n];

		uint64_t token;

		if (!d->crc_ok ||
		    bridge_journal_seen(&mb->journal, d->stream, d->m.seq) ||
		    bridge_journal_resend(&mb->journal, d->stream, d->m.seq,
					  &token) >= 0)
			break;
		for (k = 0; k < n; k++)
			if (mb->in[k].m.seq == d->m.seq &&
			    !strcmp(mb->in[k].stream, d->stream))
				break;
		if (k < n)
			break;
	}
	return n;
}

/*
 * Room in the in mailbox for a round: what its capacity leaves beside the
 * messages queued and held there. A round sized to it is written to the
 * journal for messages that are sent, not for a prefetch's worth that
 * meet a full mailbox; a receiver that takes one message at a time then
 * costs one small round, not a large one each time. Other senders may
 * take the room first: the round then stops at EAGAIN, as ever. A
 * rendezvous, or a mailbox whose state cannot be read, is sent to and
 * finds out.
 */
static unsigned int in_room(struct mbox *mb)
{
	struct msgbox_stat_args st;
	unsigned int used;

	memset(&st, 0, sizeof(st));
	if (msgbox_stat(mb->in_fd, &st) || !st.capacity)
		return BRIDGE_RING / 4;
	used = st.msgs + st.held;
	return used < st.capacity ? st.capacity - used : 0;
}

/*
 * Send a round of deliveries to the in mailbox, each with its order number
 * as its token: the journal records the round, with one sync, before the
 * first send and how many were sent, with one more, after the last
 * (journal.c); the acknowledgements follow. Returns 0 to go on, 1 when the
 * mailbox is full, -1 when the bridge stops.
 */
static int deliver_round(struct mbox *mb, unsigned int n)
{
	const char *origin[BRIDGE_RING / 4];
	uint64_t seq[BRIDGE_RING / 4];
	struct msgbox_send_info info;
	unsigned int k, sent = 0, failed = 0;
	uint64_t token;
	int ret, full = 0;

	for (k = 0; k < n; k++) {
		origin[k] = mb->in[k].stream;
		seq[k] = mb->in[k].m.seq;
	}
	ret = bridge_journal_round(&mb->journal, n, origin, seq);
	for (k = 0; !ret && k < n; k++) {
		struct held *d = &mb->in[k];

		token = bridge_journal_token(&mb->journal, k);
		ret = put_local(mb, &d->m, &token, &info);
		if (ret == -EAGAIN) {
			full = 1;
			ret = 0;
			break;
		}
		if (ret) {
			/* Not sent: the round ends here (journal.c). */
			bridge_log(LOG_ERR, "%s: sending to mailbox %s: %s; message %s/%" PRIu64 " dropped",
				   mb->c->name, mb->c->in, strerror(-ret),
				   d->m.origin, d->m.seq);
			failed = 1;
			ret = 0;
			break;
		}
		sent++;
		if (mb->c->kill_in && ++mb->n_put == mb->c->kill_in) {
			bridge_log(LOG_NOTICE, "test mode: killed in a round of %s, after sending message %u of %u",
				   mb->c->in, k + 1, n);
			raise(SIGKILL);
		}
	}
	if (!ret)
		ret = bridge_journal_end(&mb->journal, sent);
	if (ret) {
		bridge_log(LOG_ERR, "%s: journal: %s", mb->c->name,
			   strerror(-ret));
		stop = 1;
		return -1;
	}
	mb->n_delivered += sent;
	release_head(mb, sent + failed);
	if (full)
		mb->in_blocked = 1;
	return full;
}

/*
 * Send again, alone, with the token it had, a delivery of a round whose
 * end the journal did not record (the bridge was killed in it): the
 * mailbox queues it unless it has it already. Returns as deliver_round().
 */
static int deliver_again(struct mbox *mb, int slot, uint64_t token)
{
	struct held *d = &mb->in[0];
	struct msgbox_send_info info;
	int ret;

	ret = put_local(mb, &d->m, &token, &info);
	if (ret == -EAGAIN) {
		mb->in_blocked = 1;
		return 1;
	}
	if (ret)
		bridge_log(LOG_ERR, "%s: sending to mailbox %s: %s; message %s/%" PRIu64 " dropped",
			   mb->c->name, mb->c->in, strerror(-ret),
			   d->m.origin, d->m.seq);
	else if (info.duplicate)
		bridge_log(LOG_NOTICE, "%s: message %s/%" PRIu64 " sent again with token %" PRIu64 ": mailbox %s had it",
			   mb->c->name, d->m.origin, d->m.seq, token, mb->c->in);
	else
		mb->n_delivered++;
	ret = bridge_journal_resent(&mb->journal, slot, !ret);
	if (ret) {
		bridge_log(LOG_ERR, "%s: journal: %s", mb->c->name,
			   strerror(-ret));
		stop = 1;
		return -1;
	}
	release_head(mb, 1);
	return 0;
}

static void deliver(struct mbox *mb)
{
	uint64_t token;
	unsigned int n;
	int slot;

	while (connected && mb->nin) {
		struct held *d = &mb->in[0];

		if (!d->crc_ok) {
			if (request_resend(mb->ch_in, &d->m, mb->c->name))
				goto drop;
		} else if ((slot = bridge_journal_resend(&mb->journal, d->stream,
							 d->m.seq, &token)) >= 0) {
			if (deliver_again(mb, slot, token))
				break;
			continue;
		} else if (!bridge_journal_seen(&mb->journal, d->stream,
						 d->m.seq)) {
			n = in_room(mb);
			if (!n) {
				mb->in_blocked = 1;
				break;
			}
			if (deliver_round(mb, round_size(mb, n)))
				break;
			continue;
		}
		release_head(mb, 1);
	}
	ack_released(mb);
	return;
drop:
	bridge_broker_drop();
}

/* Tell the origin that a direct message could not be delivered. */
static int report_failure(amqp_channel_t ch, const struct bridge_msg *m, int err)
{
	amqp_basic_properties_t p;
	char q[BRIDGE_HOST_MAX + 16], body[160];
	amqp_bytes_t b;

	snprintf(q, sizeof(q), "msgbox.@%s", m->origin);
	b.len = snprintf(body, sizeof(body), "fail %d %" PRIu64 " %d %d %s", err,
			 m->id, (int)m->to_pid, (int)m->pid, conf.host);
	b.bytes = body;
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.delivery_mode = 2;
	return amqp_basic_publish(conn, ch, amqp_empty_bytes,
				  amqp_cstring_bytes(q), 0, 0, &p, b) ? -EIO : 0;
}

/* Direct addressing, the far end: send to the port of the PID named. */
static void deliver_direct(struct mbox *mb)
{
	int ret;

	while (connected && mb->nin) {
		struct held *d = &mb->in[0];
		struct msgbox_send_opts so = {
			.flags = MSGBOX_SO_TO_PID | MSGBOX_SO_KEY | MSGBOX_SO_CSUM,
			.prio = d->m.prio,
			.pid = d->m.to_pid,
			.key = d->m.id,
		};

		if (!d->crc_ok) {
			if (request_resend(mb->ch_in, &d->m, mb->c->name))
				goto drop;
		} else if (!bridge_journal_seen(&mb->journal, d->stream,
						 d->m.seq)) {
			ret = d->m.to_pid ? msgbox_sendx(mb->in_fd, d->m.data,
							 d->m.len, &so, NULL) :
					    -ESRCH;
			if (ret == -EAGAIN) {
				mb->in_blocked = 1;
				break;
			}
			if (ret) {
				bridge_log(LOG_NOTICE, "%s: message %s/%" PRIu64 " to pid %d: %s; telling its sender",
					   mb->c->name, d->m.origin, d->m.seq,
					   (int)d->m.to_pid, strerror(-ret));
				if (report_failure(mb->ch_in, &d->m, -ret))
					goto drop;
			}
			if (!ret)
				mb->n_delivered++;
			if (journal_done(mb, d))
				break;
		}
		release_head(mb, 1);
	}
	ack_released(mb);
	return;
drop:
	bridge_broker_drop();
}

/* The far end could not deliver a direct message: tell its sender. */
static void on_failure(int err, unsigned long long id, int to_pid, int from_pid,
		       const char *host)
{
	struct msgbox_send_opts so = {
		.flags = MSGBOX_SO_TO_PID | MSGBOX_SO_KEY,
		.pid = from_pid,
		.key = id,
	};
	char body[160];
	int len, ret;

	len = snprintf(body, sizeof(body), "%s host=%s pid=%d id=%llu",
		       err == ESRCH ? "ESRCH" : strerror(err), host, to_pid, id);
	ret = dev_fd < 0 ? -EBADF :
	      msgbox_sendx(dev_fd, body, len, &so, NULL);
	if (ret)
		bridge_log(LOG_NOTICE, "message %llu from pid %d to %s pid %d: %s (the sender has no port to be told: %s)",
			   id, from_pid, host, to_pid, strerror(err),
			   strerror(-ret));
	else
		bridge_log(LOG_INFO, "message %llu from pid %d to %s pid %d: %s; sender told",
			   id, from_pid, host, to_pid, strerror(err));
}

static void deliver_best_effort(struct mbox *mb, struct held *d)
{
	int ret;

	if (!d->crc_ok) {
		bridge_log(LOG_NOTICE, "%s: corrupted message %s/%" PRIu64 " dropped",
			   mb->c->name, d->m.origin, d->m.seq);
		return;
	}
	ret = put_local(mb, &d->m, NULL, NULL);
	if (ret)
		bridge_log(LOG_NOTICE, "%s: message %s/%" PRIu64 " dropped: %s",
			   mb->c->name, d->m.origin, d->m.seq, strerror(-ret));
}

static void on_control(amqp_message_t *am, uint64_t tag)
{
	char body[BRIDGE_NAME_MAX + 64], name[BRIDGE_NAME_MAX + 1];
	char host[BRIDGE_HOST_MAX + 1];
	int ret, err, to_pid, from_pid;
	unsigned long long seq;
	unsigned int i;

	if (am->body.len < sizeof(body)) {
		memcpy(body, am->body.bytes, am->body.len);
		body[am->body.len] = '\0';
		if (sscanf(body, "fail %d %llu %d %d %63s", &err, &seq, &to_pid,
			   &from_pid, host) == 5)
			on_failure(err, seq, to_pid, from_pid, host);
		if (sscanf(body, "resend %255s %llu", name, &seq) == 2) {
			for (i = 0; i < conf.nmb; i++) {
				if (strcmp(mbs[i].c->name, name) || mbs[i].out_fd < 0)
					continue;
				ret = bridge_spool_resend(&mbs[i].spool, seq);
				if (ret)
					bridge_log(LOG_ERR, "%s: cannot send %llu again: %s",
						   name, seq, strerror(-ret));
				else
					bridge_log(LOG_NOTICE, "%s: sending %llu again",
						   name, seq);
			}
		}
	}
	if (amqp_basic_ack(conn, CONS_CHANNEL, tag, 0))
		bridge_broker_drop();
}

static struct mbox *mbox_by_channel(amqp_channel_t ch, int *role)
{
	unsigned int i;

	for (i = 0; i < conf.nmb; i++) {
		if (mbs[i].ch_out == ch) {
			*role = 0;
			return &mbs[i];
		}
		if (mbs[i].ch_dist == ch) {
			*role = 1;
			return &mbs[i];
		}
		if (mbs[i].ch_in == ch) {
			*role = 2;
			return &mbs[i];
		}
		if (mbs[i].calls.ch == ch) {
			*role = 3;
			return &mbs[i];
		}
	}
	return NULL;
}

static void on_deliver(amqp_frame_t *f)
{
	amqp_basic_deliver_t *d = f->payload.method.decoded;
	amqp_channel_t ch = f->channel;
	uint64_t tag = d->delivery_tag;
	int redelivered = d->redelivered;
	amqp_message_t am;
	struct held h;
	struct mbox *mb;
	int role = -1;

	if (reply_check(amqp_read_message(conn, ch, &am, 0), "reading a message")) {
		bridge_broker_drop();
		return;
	}
	if (ch == CONS_CHANNEL) {
		on_control(&am, tag);
		amqp_destroy_message(&am);
		return;
	}
	if (ch == REPLY_CHANNEL) {
		bridge_call_reply(&am);
		amqp_destroy_message(&am);
		return;
	}
	mb = mbox_by_channel(ch, &role);
	if (mb && role == 3)
		bridge_call_request(&mb->calls, &am, tag, redelivered);
	if (!mb || role == 0 || role == 3) {
		amqp_destroy_message(&am);
		return;
	}
	if (decode_msg(&am, &h)) {
		amqp_destroy_message(&am);
		bridge_log(LOG_WARNING, "%s: a message without msgbox headers dropped",
			   mb->c->name);
		if (mb->c->class == BRIDGE_RELIABLE &&
		    amqp_basic_ack(conn, ch, tag, 0))
			bridge_broker_drop();
		return;
	}
	amqp_destroy_message(&am);
	h.tag = tag;
	if (mb->c->class == BRIDGE_BEST_EFFORT) {
		deliver_best_effort(mb, &h);
		free(h.m.data);
		return;
	}
	if (role == 1 && mb->ndist < DIST_BATCH) {
		if (!mb->ndist)
			mb->dist_since = bridge_now_ms();
		mb->dist[mb->ndist++] = h;
	} else if (role == 2 && mb->nin < BRIDGE_RING / 4) {
		mb->in[mb->nin++] = h;
		/* One fewer ready in our own queue: no need to ask the broker. */
		if (mb->self_host >= 0 && mb->tgt_msgs[mb->self_host])
			mb->tgt_msgs[mb->self_host]--;
	} else {
		bridge_log(LOG_ERR, "%s: more deliveries than the prefetch", mb->c->name);
		free(h.m.data);
		bridge_broker_drop();
	}
}

/* Handle every frame that is ready, waiting at most @ms for the first. */
static void read_frames(int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	amqp_frame_t f;
	struct mbox *mb;
	int ret, role, first = 1;

	while (connected) {
		struct timeval zero = { 0 };

		ret = amqp_simple_wait_frame_noblock(conn, &f, first ? &tv : &zero);
		first = 0;
		if (ret == AMQP_STATUS_TIMEOUT)
			break;
		if (ret) {
			bridge_log(LOG_ERR, "broker connection: %s",
				   amqp_error_string2(ret));
			bridge_broker_drop();
			return;
		}
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		switch (f.payload.method.id) {
		case AMQP_BASIC_DELIVER_METHOD:
			on_deliver(&f);
			break;
		case AMQP_BASIC_ACK_METHOD: {
			amqp_basic_ack_t *a = f.payload.method.decoded;

			mb = mbox_by_channel(f.channel, &role);
			if (mb && role == 0)
				on_confirm(mb, a->delivery_tag, a->multiple, 1);
			break;
		}
		case AMQP_BASIC_NACK_METHOD: {
			amqp_basic_nack_t *a = f.payload.method.decoded;

			mb = mbox_by_channel(f.channel, &role);
			if (mb && role == 0)
				on_confirm(mb, a->delivery_tag, a->multiple, 0);
			break;
		}
		case AMQP_TX_COMMIT_OK_METHOD:
			mb = mbox_by_channel(f.channel, &role);
			if (mb && role == 1)
				mb->commit_pending = 0;
			break;
		case AMQP_BASIC_RETURN_METHOD: {
			amqp_basic_return_t *r = f.payload.method.decoded;
			char why[128];
			amqp_message_t am;

			/* The method's memory may be reused by the next read. */
			snprintf(why, sizeof(why), "%d %.*s", r->reply_code,
				 (int)r->reply_text.len, (char *)r->reply_text.bytes);
			if (reply_check(amqp_read_message(conn, f.channel, &am, 0),
					"reading a returned message")) {
				bridge_broker_drop();
				return;
			}
			mb = mbox_by_channel(f.channel, &role);
			if (mb && role == 3) {
				bridge_call_returned(&mb->calls, &am, why);
				amqp_destroy_message(&am);
				break;
			}
			/* Else only when the queue was deleted under us. */
			amqp_destroy_message(&am);
			bridge_log(LOG_ERR, "a message was returned: its queue is gone; reconnecting");
			bridge_broker_drop();
			return;
		}
		case AMQP_CHANNEL_CLOSE_METHOD: {
			amqp_channel_close_t *c = f.payload.method.decoded;

			bridge_log(LOG_ERR, "broker closed channel %u: %d %.*s",
				   f.channel, c->reply_code, (int)c->reply_text.len,
				   (char *)c->reply_text.bytes);
			bridge_broker_drop();
			return;
		}
		case AMQP_CONNECTION_CLOSE_METHOD: {
			amqp_connection_close_t *c = f.payload.method.decoded;

			bridge_log(LOG_ERR, "broker closed the connection: %d %.*s",
				   c->reply_code, (int)c->reply_text.len,
				   (char *)c->reply_text.bytes);
			bridge_broker_drop();
			return;
		}
		default:
			break;
		}
	}
	if (conn)
		amqp_maybe_release_buffers(conn);
}

/* ---- set-up ---- */

static int open_local(struct mbox *mb, const char *name, int wr)
{
	struct msgbox_attr attr = {
		.capacity = mb->c->capacity,
		.max_msg_size = mb->c->max_size,
		.mode = mb->c->mode,
	};
	struct msgbox_stat_args st;
	int fd, flags = (wr ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC;
	mode_t old;

	if (mb->c->create)
		flags |= O_CREAT;
	/* The reliable class's tokens need duplicate detection (journal.c). */
	if (wr && mb->c->class == BRIDGE_RELIABLE)
		attr.flags |= MSGBOX_ATTR_DEDUP;
	old = umask(0);
	fd = msgbox_open(name, flags, &attr);
	umask(old);
	if (fd == -ENOENT && !mb->c->create) {
		bridge_log(LOG_ERR, "mailbox '%s' does not exist (create it, or add 'create' to its line)",
			   name);
		return fd;
	}
	if (fd < 0) {
		bridge_log(LOG_ERR, "mailbox '%s': %s", name, strerror(-fd));
		return fd;
	}
	memset(&st, 0, sizeof(st));
	if (msgbox_stat(fd, &st) == 0 && !wr)
		mb->out_size = st.max_msg_size;
	if (wr && mb->c->class == BRIDGE_RELIABLE &&
	    !(st.mb_flags & MSGBOX_STAT_DEDUP)) {
		bridge_log(LOG_ERR, "mailbox '%s' has no duplicate detection, which a reliable in mailbox needs (destroy it and let 'create' make it, or create it with duplicate detection)",
			   name);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Open @mb's delivery journal, beside the local mailbox @in_fd or none. */
static int open_journal(struct mbox *mb, int in_fd)
{
	int ret = bridge_journal_open(&mb->journal, conf.state, mb->c->name,
				      conf.sync, in_fd);

	if (ret)
		bridge_log(LOG_ERR, "journal of %s in %s: %s", mb->c->name,
			   conf.state, strerror(-ret));
	return ret;
}

static int setup(void)
{
	unsigned int i, k;
	int ret;

	if (mkdir(conf.state, 0700) < 0 && errno != EEXIST) {
		bridge_log(LOG_ERR, "state directory %s: %s", conf.state,
			   strerror(errno));
		return -1;
	}
	snprintf(ctlq, sizeof(ctlq), "msgbox.@%s", conf.host);
	dev_fd = msgbox_dev_open(O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (dev_fd < 0) {
		bridge_log(LOG_ERR, "%s: %s", MSGBOX_DEVICE, strerror(-dev_fd));
		return -1;
	}
	calls_fd = bridge_calls_setup(&conf);
	if (calls_fd < 0) {
		bridge_log(LOG_ERR, "calls: %s", strerror(-calls_fd));
		return -1;
	}
	for (i = 0; i < conf.nmb; i++) {
		struct mbox *mb = &mbs[i];

		mb->c = &conf.mb[i];
		mb->out_fd = mb->in_fd = -1;
		mb->self_host = -1;
		for (k = 0; k < conf.nhosts; k++)
			if (!strcmp(conf.hosts[k], conf.host))
				mb->self_host = k;
		mb->spool.fd = mb->journal.fd = -1;
		snprintf(mb->q, sizeof(mb->q), mb->c->kind == BRIDGE_MAILBOX ?
			 "msgbox.%s" : "msgbox.%s.direct", mb->c->name);
		snprintf(mb->qself, sizeof(mb->qself), "msgbox.%s.@%s",
			 mb->c->name, conf.host);
		snprintf(mb->ledger, sizeof(mb->ledger), "msgbox.%s.ledger",
			 mb->c->name);
		mb->ch_out = 10 + 4 * i;
		mb->ch_dist = 11 + 4 * i;
		mb->ch_in = 12 + 4 * i;
		if (bridge_calls_add(&mb->calls, mb->c, 13 + 4 * i,
				     mb->c->out[0] != '\0')) {
			bridge_log(LOG_ERR, "out of memory");
			return -1;
		}
		if (mb->c->out[0]) {
			mb->out_fd = open_local(mb, mb->c->out, 0);
			if (mb->out_fd < 0)
				return -1;
			if (mb->c->class == BRIDGE_RELIABLE) {
				ret = bridge_spool_open(&mb->spool, conf.state,
							mb->c->name, conf.sync,
							mb->out_fd);
				if (ret) {
					bridge_log(LOG_ERR, "spool of %s in %s: %s",
						   mb->c->name, conf.state,
						   strerror(-ret));
					return -1;
				}
				if (mb->spool.unconfirmed)
					bridge_log(LOG_INFO, "%s: %zu messages from the spool to send again",
						   mb->c->name, mb->spool.unconfirmed);
			}
		}
		if (mb->c->kind == BRIDGE_DIRECT_IN) {
			mb->in_fd = msgbox_dev_open(O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (mb->in_fd < 0) {
				bridge_log(LOG_ERR, "%s: %s", MSGBOX_DEVICE,
					   strerror(-mb->in_fd));
				return -1;
			}
			if (open_journal(mb, -1))
				return -1;
		} else if (mb->c->in[0]) {
			mb->in_fd = open_local(mb, mb->c->in, 1);
			if (mb->in_fd < 0)
				return -1;
			if (mb->c->class == BRIDGE_RELIABLE &&
			    open_journal(mb, mb->in_fd))
				return -1;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: msgbox-bridge [-c FILE] [-p PIDFILE] [-w] [-s] [-v] [-t]\n"
		"  -c FILE     configuration (default /etc/msgbox-bridge.conf)\n"
		"  -p PIDFILE  write the process ID there\n"
		"  -w          wait for the broker at start instead of failing\n"
		"  -s          log to syslog instead of stderr\n"
		"  -v          log more\n"
		"  -t          check the configuration and the broker, then exit\n");
}

int main(int argc, char **argv)
{
	const char *path = "/etc/msgbox-bridge.conf", *pidfile = NULL;
	struct pollfd pfd[2 * (BRIDGE_MAX_MAILBOXES + BRIDGE_MAX_HOSTS) + 2];
	int opt, wait_broker = 0, test_only = 0, ret, backoff = 0, first = 1;
	int wait_ms;
	uint64_t next_try = 0;
	struct sigaction sa;
	unsigned int i, n;

	while ((opt = getopt(argc, argv, "c:p:wsvth")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'w': wait_broker = 1; break;
		case 's': use_syslog = 1; break;
		case 'v': bridge_verbose = 1; break;
		case 't': test_only = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (use_syslog)
		openlog("msgbox-bridge", LOG_PID, LOG_DAEMON);
	if (bridge_conf_load(&conf, path))
		return EXIT_CONFIG;
	if (setup())
		return EXIT_CONFIG;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pidfile) {
		FILE *f = fopen(pidfile, "we");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			bridge_log(LOG_ERR, "pid file %s: %s", pidfile,
				   strerror(errno));
			return EXIT_CONFIG;
		}
	}

	while (!stop) {
		if (!connected && bridge_now_ms() >= next_try) {
			ret = broker_connect();
			if (ret == RPC_FATAL)
				return EXIT_CONFIG;
			if (ret) {
				if (first && !wait_broker)
					return EXIT_BROKER;
				backoff = backoff ? (backoff * 2 > 5000 ? 5000 : backoff * 2) : 250;
				next_try = bridge_now_ms() + backoff;
			} else {
				backoff = 0;
				if (first && test_only) {
					bridge_broker_drop();
					bridge_log(LOG_INFO, "configuration and broker are fine");
					return 0;
				}
				first = 0;
			}
		}

		if (want_stats) {
			want_stats = 0;
			log_stats();
		}
		bridge_calls_run();
		take_all();
		for (i = 0; i < conf.nmb; i++) {
			bridge_calls_tick(&mbs[i].calls);
			publish_pending(&mbs[i]);
			if (mbs[i].c->kind == BRIDGE_DIRECT_IN) {
				deliver_direct(&mbs[i]);
			} else if (mbs[i].c->class == BRIDGE_RELIABLE &&
				   mbs[i].in_fd >= 0) {
				distribute(&mbs[i]);
				deliver(&mbs[i]);
			}
		}

		n = 0;
		wait_ms = 100;
		pfd[n++] = (struct pollfd){ .fd = calls_fd, .events = POLLIN };
		for (i = 0; i < conf.nmb; i++) {
			struct mbox *mb = &mbs[i];

			if (mb->ndist || mb->in_blocked)
				wait_ms = DIST_WAIT_MS / 2;

			if (mb->out_fd >= 0 && may_take(mb) &&
			    (mb->c->class == BRIDGE_BEST_EFFORT ? connected :
			     mb->spool.unconfirmed < mb->c->spool))
				pfd[n++] = (struct pollfd){ .fd = mb->out_fd,
							    .events = POLLIN };
			if (mb->in_fd >= 0 && mb->in_blocked &&
			    mb->c->kind != BRIDGE_DIRECT_IN)
				pfd[n++] = (struct pollfd){ .fd = mb->in_fd,
							    .events = POLLOUT };
		}
		if (connected) {
			int busy = amqp_frames_enqueued(conn) ||
				   amqp_data_in_buffer(conn);

			pfd[n++] = (struct pollfd){ .fd = amqp_get_sockfd(conn),
						    .events = POLLIN };
			ret = poll(pfd, n, busy ? 0 : wait_ms);
			if (ret < 0 && errno != EINTR) {
				bridge_log(LOG_ERR, "poll: %s", strerror(errno));
				break;
			}
			read_frames(0);
		} else {
			ret = poll(pfd, n, 100);
			if (ret < 0 && errno != EINTR) {
				bridge_log(LOG_ERR, "poll: %s", strerror(errno));
				break;
			}
		}
	}

	if (conn) {
		amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
		amqp_destroy_connection(conn);
	}
	for (i = 0; i < conf.nmb; i++) {
		bridge_calls_close(&mbs[i].calls);
		bridge_spool_close(&mbs[i].spool);
		bridge_journal_close(&mbs[i].journal);
		if (mbs[i].out_fd >= 0)
			close(mbs[i].out_fd);
		if (mbs[i].in_fd >= 0)
			close(mbs[i].in_fd);
	}
	free(scratch);
	if (pidfile)
		unlink(pidfile);
	bridge_log(LOG_INFO, "stopped");
	return 0;
}
