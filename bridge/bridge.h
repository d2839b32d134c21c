/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: msgbox-bridge, local mailboxes carried by an AMQP 0-9-1 broker
 *
 * One bridge runs per host. For every bridged mailbox NAME it may take
 * messages from a local "out" mailbox and publish them, and deliver into a
 * local "in" mailbox what the broker hands it. The broker objects, all
 * durable, are:
 *
 *   msgbox.NAME         the shared queue every producer host publishes to
 *                       (x-max-length, x-overflow=reject-publish,
 *                       x-max-priority, x-single-active-consumer)
 *   msgbox.NAME.@HOST   one per receiving host: what the distributor gave
 *                       to HOST; only HOST's bridge consumes it
 *   msgbox.NAME.ledger  x-max-length 1: the distributor's duplicate window
 *   msgbox.@HOST        HOST's control queue (re-send requests)
 *   msgbox.NAME.calls   calls to NAME (x-expires: gone a minute after its
 *                       last consumer); its messages are transient
 *   msgbox.@HOST.replies  replies to the calls from HOST (transient too)
 *
 * Reliable class, the path of one message:
 *
 *   1. out: receive the head of the out mailbox held (MSGBOX_RECV_HOLD),
 *      append it to the spool file, then, after one fsync for the
 *      messages held at once (up to 64), tell the mailbox it is done. A bridge killed while it holds the message gets it back from
 *      the mailbox on restart, with the same id, marked redelivered; the
 *      spool has it then, and it is only done (spool.c).
 *   2. publish to msgbox.NAME, persistent, mandatory, on a channel in
 *      confirm mode; the spool entry is marked confirmed only on the
 *      broker's ack. A nack (queue full) or a lost connection re-sends it
 *      later. After a crash every unconfirmed entry is re-sent with the
 *      same origin and sequence number, so the queue may hold a copy twice.
 *   3. distribute: of all the bridges receiving NAME, one at a time (the
 *      queue's single active consumer) takes from msgbox.NAME. It checks
 *      the CRC32C (a mismatch is dropped and a re-send is requested from
 *      the origin's control queue), drops what its duplicate window (per
 *      origin, 4096 sequence numbers) has seen, and moves the rest to one
 *      host's queue msgbox.NAME.@HOST. Publishing there, acking the shared
 *      queue and storing the new window in the ledger form one broker
 *      transaction: a bridge killed at any moment leaves either all of it
 *      or none. The next active distributor starts from the ledger.
 *   4. in: the host's bridge consumes msgbox.NAME.@HOST, which no other
 *      bridge does, so redeliveries come back to it. The deliveries at
 *      hand are sent to the local mailbox in rounds: before the first send
 *      of a round its journal gets every (origin, sequence) of the round,
 *      each with its order number, with one sync; after the last, how many
 *      were sent, with a second; then one ack for the round. Each send
 *      carries its order number as its token, and the in mailbox has
 *      duplicate detection. A restart after a round whose end was not
 *      recorded sends that round's messages again, as the broker delivers
 *      them again, with the same tokens, and the mailbox drops those it
 *      has; redeliveries found delivered in the ring of the last
 *      deliveries are skipped (journal.c).
 *
 * Why a spool at all, when the message could stay held in the out mailbox
 * until the broker confirms it: a message published again after a crash
 * must carry the same sequence number for the distributor to drop the
 * copy, and a msgbox id cannot be one, as ids start again whenever the
 * mailbox is created anew (every boot); corruption re-sends need the
 * payload after the confirm; and every held message keeps its slot, so
 * the broker's latency would throttle local senders at the mailbox's
 * capacity. The spool holds a message for one fsync and numbers it in a
 * stream of its own.
 *
 * Best-effort class: publish without confirms or spool, consume
 * msgbox.NAME directly with automatic acks; the CRC is checked and a
 * mismatch dropped; nothing is ever re-sent, so nothing is duplicated.
 *
 * Calls (MSGBOX_IOC_CALL) to an out mailbox, the AMQP RPC convention:
 *
 *   1. origin: the call is received held, like a message, through the
 *      descriptor the bridge receives with, which holds nothing else then;
 *      that descriptor goes with the call, and a new one takes its place.
 *      The request is published (transient, mandatory) to msgbox.NAME.calls
 *      with reply_to msgbox.@HOST.replies, a correlation_id unique to the
 *      call and the run, and an expiration of call-timeout.
 *   2. far end: every host with in= for NAME consumes msgbox.NAME.calls
 *      with a prefetch of calls=, so that at most that many are made at
 *      once. Each is made with msgbox_call() on the in mailbox, deadline
 *      call-timeout, in a thread of its own (call.c); the reply, or the
 *      error by name, goes to reply_to with the correlation_id, and only
 *      then is the request acknowledged. A request the broker delivers
 *      again was taken by a bridge that died making it, which may have
 *      made it: it is answered ECONNRESET, never made twice.
 *   3. origin: the reply answers the held call (msgbox_reply()); an error,
 *      a request the broker could not route, or no answer within
 *      call-timeout and a grace close the call's descriptor instead, which
 *      fails that caller alone with ECONNRESET.
 *
 * A call is not spooled: a bridge that dies closes the calls it holds,
 * their callers fail with ECONNRESET, and the replies that come later
 * find no correlation_id and are dropped.
 *
 * Everything but the far end's calls runs in one thread around poll(2):
 * the broker socket, the out mailboxes' descriptors (and in mailboxes
 * waiting for room) and the pipe that says a call thread finished.
 */
#ifndef _MSGBOX_BRIDGE_H
#define _MSGBOX_BRIDGE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include <amqp.h>

#define BRIDGE_NAME_MAX		255
#define BRIDGE_HOST_MAX		63
#define BRIDGE_STREAM_MAX	95	/* "HOST#EPOCH": one spool's messages */
#define BRIDGE_MAX_MAILBOXES	32
#define BRIDGE_MAX_HOSTS	16
#define BRIDGE_WINDOW		4096	/* sequence numbers per origin */
#define BRIDGE_MAX_ORIGINS	64
#define BRIDGE_RING		1024	/* recent local deliveries remembered */
#define BRIDGE_RING_HASH	2048	/* chains over them, a power of 2 */
#define BRIDGE_HISTORY		1024	/* confirmed messages kept for re-sends */
#define BRIDGE_CORR_MAX		127	/* correlation ids we make and accept */
#define BRIDGE_CALLS_MAX	64	/* calls= of a mailbox, each direction */

enum bridge_class {
	BRIDGE_RELIABLE,
	BRIDGE_BEST_EFFORT,
};

enum bridge_kind {
	BRIDGE_MAILBOX,		/* a bridged name */
	BRIDGE_DIRECT_OUT,	/* local mailbox "@HOST": to PIDs on HOST */
	BRIDGE_DIRECT_IN,	/* to PIDs on this host */
};

/**
 * struct bridge_msg - one message as the bridge carries it
 * @origin: host whose bridge took it from a local mailbox
 * @epoch: when that host's spool for the mailbox was created; with @origin
 *	it names the stream of sequence numbers ("HOST#EPOCH"), so that a
 *	host whose state was lost starts a new one rather than repeat old
 *	numbers
 * @seq: that bridge's sequence number for the mailbox, from 1
 * @id: the msgbox message id in the origin's mailbox
 * @crc: CRC32C of @data as it was taken
 * @pid: sending process on the origin host
 * @uid: its UID
 * @gid: its GID
 * @prio: msgbox priority
 * @resent: 1 on a re-send after a crash, a refusal or a corruption
 * @to_pid: direct addressing: the destination process on the far host
 * @user: the broker login the origin published with, as the broker
 *	validated it (AMQP user_id); empty when not known
 * @len: payload length
 * @data: payload (owned)
 */
struct bridge_msg {
	char origin[BRIDGE_HOST_MAX + 1];
	uint64_t epoch;
	uint64_t seq;
	uint64_t id;
	uint32_t crc;
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	uint32_t prio;
	int resent;
	int32_t to_pid;
	char user[BRIDGE_HOST_MAX + 1];
	size_t len;
	char *data;
};

/**
 * struct bridge_window - sequence numbers seen from one stream
 * @origin: the stream, "HOST#EPOCH"
 * @floor: every sequence number up to here has been seen
 * @bits: seen bits for floor+1 .. floor+BRIDGE_WINDOW, indexed by seq
 */
struct bridge_window {
	char origin[BRIDGE_STREAM_MAX + 1];
	uint64_t floor;
	uint64_t bits[BRIDGE_WINDOW / 64];
};

/**
 * struct bridge_windows - the distributor's duplicate state of a mailbox
 * @n: origins in use
 * @w: one window per origin
 */
struct bridge_windows {
	unsigned int n;
	struct bridge_window w[BRIDGE_MAX_ORIGINS];
};

/* window.c */
int bridge_window_seen(const struct bridge_windows *ws, const char *origin,
		       uint64_t seq);
int bridge_window_mark(struct bridge_windows *ws, const char *origin,
		       uint64_t seq);
size_t bridge_window_size(const struct bridge_windows *ws);
void bridge_window_encode(const struct bridge_windows *ws, void *buf);
int bridge_window_decode(struct bridge_windows *ws, const void *buf,
			 size_t len);

/* spool entry states */
enum bridge_spool_state {
	SPOOL_PENDING,		/* to be published */
	SPOOL_INFLIGHT,		/* published, confirm awaited */
	SPOOL_CONFIRMED,	/* the broker holds it; kept for re-sends */
};

/**
 * struct bridge_spool_entry - one message of the outbound spool
 * @rid: record id, unique in the spool file
 * @state: enum bridge_spool_state
 * @held: the out mailbox may still have the message: it was spooled while
 *	held, and its done is not recorded (see spool.c)
 * @tag: delivery tag of the publish while SPOOL_INFLIGHT
 * @msg: the message
 */
struct bridge_spool_entry {
	uint64_t rid;
	int state;
	int held;
	uint64_t tag;
	struct bridge_msg msg;
};

/**
 * struct bridge_spool - the durable outbound spool of one mailbox
 * @fd: the spool file, opened for append
 * @path: its path
 * @sync: fsync after every record
 * @epoch: creation time of the spool (microseconds), see bridge_msg
 * @next_rid: next record id
 * @next_seq: next sequence number
 * @e: entries in record id order: the confirmed ones kept for re-sends,
 *	then, about in that order too, those in flight and pending
 * @n: entries used
 * @cap: entries allocated
 * @unconfirmed: entries not SPOOL_CONFIRMED
 * @nheld: entries held
 * @records: records in the file, for compaction
 * @boot: the running kernel's boot_id ("" if unknown)
 */
struct bridge_spool {
	int fd;
	char path[4096];
	int sync;
	uint64_t epoch;
	uint64_t next_rid;
	uint64_t next_seq;
	struct bridge_spool_entry *e;
	size_t n;
	size_t cap;
	size_t unconfirmed;
	size_t nheld;
	size_t records;
	char boot[40];
};

/* spool.c */
int bridge_spool_open(struct bridge_spool *sp, const char *dir,
		      const char *name, int sync, int out_fd);
int bridge_spool_add(struct bridge_spool *sp, struct bridge_msg *msg,
		     int held, int sync, struct bridge_spool_entry **ep);
int bridge_spool_sync(struct bridge_spool *sp);
size_t bridge_spool_open_from(const struct bridge_spool *sp);
struct bridge_spool_entry *bridge_spool_find(struct bridge_spool *sp,
					     uint64_t rid);
int bridge_spool_done(struct bridge_spool *sp, struct bridge_spool_entry *e);
struct bridge_spool_entry *bridge_spool_held(struct bridge_spool *sp,
					     uint64_t id, uint32_t crc,
					     size_t len, int32_t pid,
					     uint32_t prio);
int bridge_spool_unhold(struct bridge_spool *sp);
int bridge_spool_confirm(struct bridge_spool *sp, uint64_t tag, int multiple);
int bridge_spool_resend(struct bridge_spool *sp, uint64_t seq);
int bridge_spool_compact(struct bridge_spool *sp);
void bridge_spool_close(struct bridge_spool *sp);

/**
 * struct bridge_journal - inbound delivery journal of one mailbox
 * @fd: the journal file
 * @sync: fdatasync before each round's sends, and after them
 * @next: next ring slot
 * @order: order number of the next ring entry
 * @ring_origin: origins of the last BRIDGE_RING local deliveries
 * @ring_seq: their sequence numbers (0: empty slot)
 * @ring_order: their order numbers, which were their tokens
 * @ring_resend: 1 for a message of a round whose end was not recorded, to
 *	be sent again with its token when the broker delivers it again
 * @ring_head: per hash of a sequence number, the first place + 1 of its
 *	chain through the places in use, 0 for none (journal.c)
 * @ring_next: per place, the next place + 1 on its chain, 0 at the end
 * @round_n: messages of the round of local sends under way (0: none)
 * @round_origin: their origins
 * @round_seq: their sequence numbers
 */
struct bridge_journal {
	int fd;
	int sync;
	unsigned int next;
	uint64_t order;
	char ring_origin[BRIDGE_RING][BRIDGE_STREAM_MAX + 1];
	uint64_t ring_seq[BRIDGE_RING];
	uint64_t ring_order[BRIDGE_RING];
	unsigned char ring_resend[BRIDGE_RING];
	uint16_t ring_head[BRIDGE_RING_HASH];
	uint16_t ring_next[BRIDGE_RING];
	unsigned int round_n;
	char round_origin[BRIDGE_RING / 4][BRIDGE_STREAM_MAX + 1];
	uint64_t round_seq[BRIDGE_RING / 4];
};

/* journal.c */
int bridge_journal_open(struct bridge_journal *j, const char *dir,
			const char *name, int sync, int in_fd);
int bridge_journal_seen(const struct bridge_journal *j, const char *origin,
			uint64_t seq);
int bridge_journal_resend(const struct bridge_journal *j, const char *origin,
			  uint64_t seq, uint64_t *token);
int bridge_journal_resent(struct bridge_journal *j, int i, int sent);
int bridge_journal_round(struct bridge_journal *j, unsigned int n,
			 const char *const *origin, const uint64_t *seq);
int bridge_journal_end(struct bridge_journal *j, unsigned int sent);
int bridge_journal_done(struct bridge_journal *j, const char *origin,
			uint64_t seq);
void bridge_journal_close(struct bridge_journal *j);

/* The token of message @k of the round recorded last (its order number). */
static inline uint64_t bridge_journal_token(const struct bridge_journal *j,
					    unsigned int k)
{
	return j->order + k;
}

/**
 * struct bridge_mbox_conf - one "mailbox" line of the configuration
 * @name: the bridged name (broker queue msgbox.NAME)
 * @out: local mailbox drained to the broker ("" for none)
 * @in: local mailbox the broker's messages go to ("" for none)
 * @class: enum bridge_class
 * @queue_length: x-max-length of the shared queue
 * @priorities: x-max-priority of the queues
 * @prefetch: unacknowledged deliveries per consumer
 * @create: create missing local mailboxes
 * @capacity: capacity of created local mailboxes
 * @max_size: largest message of created local mailboxes
 * @mode: mode of created local mailboxes
 * @spool: most unconfirmed messages taken from @out at once
 * @corrupt_every: test mode: corrupt every Nth first publish (0: never)
 * @kill_held: test mode: SIGKILL the bridge while it holds the Nth message
 *	taken from @out since it started, spooled and not yet done (0: never)
 * @kill_in: test mode: SIGKILL the bridge right after its Nth send into
 *	@in since it started, before the end of that round is recorded
 *	(0: never)
 * @envelope: prefix each local delivery, and each reply to a call, with a
 *	line naming its origin
 * @calls: calls carried at once in each direction (0: refused)
 * @call_timeout: seconds a call may take across hosts
 * @kind: enum bridge_kind
 */
struct bridge_mbox_conf {
	char name[BRIDGE_NAME_MAX + 1];
	char out[BRIDGE_NAME_MAX + 1];
	char in[BRIDGE_NAME_MAX + 1];
	int class;
	unsigned int queue_length;
	unsigned int priorities;
	unsigned int prefetch;
	int create;
	unsigned int capacity;
	unsigned int max_size;
	unsigned int mode;
	unsigned int spool;
	unsigned int corrupt_every;
	unsigned int kill_held;
	unsigned int kill_in;
	int envelope;
	unsigned int calls;
	unsigned int call_timeout;
	int kind;
};

/**
 * struct bridge_conf - the configuration file
 * @broker_host: broker address (numeric or name)
 * @broker_port: broker port
 * @vhost: virtual host
 * @user: login
 * @password: password
 * @host: this host's name in the bridge network
 * @hosts: every host that receives bridged mailboxes
 * @nhosts: entries in @hosts
 * @state: state directory (spools, journals)
 * @sync: fsync spool and journal writes
 * @heartbeat: AMQP heartbeat in seconds
 * @direct: serve direct addressing to and from the other @hosts
 * @mb: the bridged mailboxes
 * @nmb: entries in @mb
 */
struct bridge_conf {
	char broker_host[256];
	int broker_port;
	char vhost[256];
	char user[256];
	char password[256];
	char host[BRIDGE_HOST_MAX + 1];
	char hosts[BRIDGE_MAX_HOSTS][BRIDGE_HOST_MAX + 1];
	unsigned int nhosts;
	char state[4096];
	int sync;
	int heartbeat;
	int direct;
	struct bridge_mbox_conf mb[BRIDGE_MAX_MAILBOXES + BRIDGE_MAX_HOSTS];
	unsigned int nmb;
};

/* config.c */
int bridge_conf_load(struct bridge_conf *c, const char *path);

/* props.c */
void bridge_table_add(amqp_table_entry_t *e, int *n, const char *key,
		      uint8_t kind, int64_t v, const char *s);
int bridge_header_int(const amqp_table_t *t, const char *key, int64_t *v);
int bridge_header_str(const amqp_table_t *t, const char *key, char *buf,
		      size_t size);
int bridge_prop_str(amqp_flags_t flags, amqp_flags_t flag, amqp_bytes_t b,
		    char *buf, size_t size);
void bridge_prop_user(const amqp_message_t *am, char *buf, size_t size);
int bridge_envelope_line(char *buf, size_t size, const char *host, int pid,
			 uint32_t uid, uint32_t gid, uint64_t id, uint64_t seq,
			 const char *user);

/**
 * struct bridge_out_call - a local call carried to another host
 * @fd: the descriptor that holds the call, and nothing else; -1: unused
 * @corr: its correlation_id
 * @expires: time (ms, bridge_now_ms()) after which the call is failed
 * @published: the request went to the broker
 * @m: the request (@m.data freed once published); @m.id is the call's id
 */
struct bridge_out_call {
	int fd;
	char corr[BRIDGE_CORR_MAX + 1];
	uint64_t expires;
	int published;
	struct bridge_msg m;
};

/**
 * struct bridge_calls - the calls of one bridged mailbox, both ways
 * @c: the mailbox's configuration
 * @ch: the channel its requests go out on, and come in on with replies
 * @queue: msgbox.NAME.calls
 * @oc: calls from the out mailbox, @c->calls slots; NULL without out= or
 *	with calls=0
 * @noc: slots of @oc in use
 * @far_running: calls being made on the in mailbox, one thread each
 * @far_pending: requests waiting for a thread, oldest first
 * @far_last: the last of @far_pending
 * @n_calls: calls taken from the out mailbox
 * @n_answered: of those, answered from another host
 * @n_served: calls made on the in mailbox that got a reply
 *
 * Only the main thread touches it.
 */
struct bridge_calls {
	const struct bridge_mbox_conf *c;
	amqp_channel_t ch;
	char queue[BRIDGE_NAME_MAX + 16];
	struct bridge_out_call *oc;
	unsigned int noc;
	unsigned int far_running;
	struct bridge_call_job *far_pending;
	struct bridge_call_job *far_last;
	uint64_t n_calls;
	uint64_t n_answered;
	uint64_t n_served;
};

/**
 * struct bridge_call_job - a call made here for a caller on another host
 * @mailbox: the local mailbox to call (the in mailbox)
 * @owner: the calls of the bridged mailbox it came for
 * @gen: the broker connection it came on (bridge_broker_gen())
 * @tag: its delivery tag on that connection
 * @reply_to: the queue the reply goes to
 * @corr: the correlation_id the reply carries
 * @origin: the calling host
 * @prio: the call's priority
 * @timeout_ms: its deadline, relative to when the thread starts it
 * @len: request length
 * @data: the request (owned)
 * @err: out: 0, or the call's negative errno
 * @reply_len: out: the reply's length
 * @reply: out: the reply (owned)
 * @id: out: the call's id in @mailbox
 * @pid: out: the replier
 * @uid: out: its UID
 * @gid: out: its GID
 * @next: list link
 *
 * The main thread fills it, the call's thread has it until the call
 * ends, and gives it back through a list guarded by a mutex (call.c).
 */
struct bridge_call_job {
	char mailbox[BRIDGE_NAME_MAX + 1];
	struct bridge_calls *owner;
	uint64_t gen;
	uint64_t tag;
	char reply_to[256];
	char corr[BRIDGE_CORR_MAX + 1];
	char origin[BRIDGE_HOST_MAX + 1];
	uint32_t prio;
	unsigned int timeout_ms;
	size_t len;
	char *data;
	int err;
	size_t reply_len;
	char *reply;
	uint64_t id;
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	struct bridge_call_job *next;
};

/* call.c */
int bridge_calls_setup(const struct bridge_conf *c);
const char *bridge_calls_reply_queue(void);
int bridge_calls_add(struct bridge_calls *cs, const struct bridge_mbox_conf *c,
		     amqp_channel_t ch, int out);
void bridge_call_take(struct bridge_calls *cs, int fd, struct bridge_msg *m);
int bridge_calls_room(const struct bridge_calls *cs);
void bridge_calls_tick(struct bridge_calls *cs);
void bridge_call_reply(const amqp_message_t *am);
void bridge_call_returned(struct bridge_calls *cs, const amqp_message_t *am,
			  const char *reason);
void bridge_call_request(struct bridge_calls *cs, const amqp_message_t *am,
			 uint64_t tag, int redelivered);
void bridge_calls_run(void);
void bridge_calls_drop(struct bridge_calls *cs);
void bridge_calls_close(struct bridge_calls *cs);

/* main.c: logging to stderr or syslog */
void bridge_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int bridge_verbose;

/* main.c: the broker connection and the clock, for call.c */
amqp_connection_state_t bridge_broker(void);
uint64_t bridge_broker_gen(void);
void bridge_broker_drop(void);
uint64_t bridge_now_ms(void);

#endif /* _MSGBOX_BRIDGE_H */
