// SPDX-License-Identifier: GPL-2.0
/*
 * Calls across hosts, both ends (the model is in bridge.h).
 *
 * Origin: a call taken from an out mailbox arrives here with the
 * descriptor that holds it and nothing else. It waits in one of the
 * mailbox's calls= slots while its request goes to msgbox.NAME.calls, and
 * leaves when the reply comes (msgbox_reply()), or when the call fails:
 * then closing its descriptor fails the caller with ECONNRESET.
 *
 * Far end: a request for the in mailbox is made by a thread of its own,
 * at most calls= per mailbox at once, the rest waiting in arrival order.
 * The main thread owns the broker connection (a rabbitmq-c connection is
 * not thread-safe), so a thread only opens the mailbox, makes the call
 * with msgbox_call() and a deadline, and hands the job back on a list the
 * main thread takes, woken through a pipe it polls. The main thread then
 * publishes the reply and acks the request.
 *
 * Errors travel between bridges by name (x-msgbox-error), not by number,
 * since numbers differ between architectures.
 */
#define _GNU_SOURCE	/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#include "bridge.h"

#define CALL_STACK	(128 * 1024)
#define CALL_GRACE_MS	5000	/* the far end's deadline, then the way back */

static const struct bridge_conf *conf;
static char replyq[BRIDGE_HOST_MAX + 24];	/* msgbox.@HOST.replies */
static uint64_t run_id;	/* start time (us): correlation ids of this run */
static uint64_t call_seq;
static struct bridge_calls *all[BRIDGE_MAX_MAILBOXES + BRIDGE_MAX_HOSTS];
static unsigned int nall;

static pthread_mutex_t finished_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bridge_call_job *finished;	/* guarded by finished_lock */
static int wake[2] = { -1, -1 };

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EACCES, "EACCES" }, { EAGAIN, "EAGAIN" }, { EBADMSG, "EBADMSG" },
	{ ECANCELED, "ECANCELED" }, { ECONNRESET, "ECONNRESET" },
	{ EIDRM, "EIDRM" }, { EINTR, "EINTR" }, { EINVAL, "EINVAL" },
	{ EIO, "EIO" }, { EMSGSIZE, "EMSGSIZE" }, { ENOENT, "ENOENT" },
	{ ENOMEM, "ENOMEM" }, { EPERM, "EPERM" }, { ESRCH, "ESRCH" },
	{ ETIMEDOUT, "ETIMEDOUT" },
};

/* The name of the positive errno value @err; "EIO" for others. */
static const char *errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

/**
 * bridge_calls_setup() - prepare for calls
 * @c: the configuration, kept
 *
 * Return: the descriptor the main loop polls for calls made here that
 * ended, or a negative errno.
 */
int bridge_calls_setup(const struct bridge_conf *c)
{
	struct timespec ts;

	conf = c;
	snprintf(replyq, sizeof(replyq), "msgbox.@%s.replies", c->host);
	clock_gettime(CLOCK_REALTIME, &ts);
	run_id = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	return wake[0];
}

/**
 * bridge_calls_reply_queue() - this host's reply queue
 *
 * Return: its name.
 */
const char *bridge_calls_reply_queue(void)
{
	return replyq;
}

/**
 * bridge_calls_add() - the calls of one bridged mailbox
 * @cs: to fill
 * @c: the mailbox's configuration
 * @ch: the channel of its calls
 * @out: it has an out mailbox, so calls come from here
 *
 * Return: 0, or -ENOMEM.
 */
int bridge_calls_add(struct bridge_calls *cs, const struct bridge_mbox_conf *c,
		     amqp_channel_t ch, int out)
{
	unsigned int k;

	memset(cs, 0, sizeof(*cs));
	cs->c = c;
	cs->ch = ch;
	snprintf(cs->queue, sizeof(cs->queue), "msgbox.%s.calls", c->name);
	if (out && c->calls) {
		cs->oc = calloc(c->calls, sizeof(*cs->oc));
		if (!cs->oc)
			return -ENOMEM;
		for (k = 0; k < c->calls; k++)
			cs->oc[k].fd = -1;
	}
	all[nall++] = cs;
	return 0;
}

/* ---- origin ---- */

/*
 * Publish a request to the far ends: transient (a call does not outlive
 * the broker), mandatory (no queue: nobody serves the name), expiring
 * with the call.
 */
static void call_publish(struct bridge_calls *cs, struct bridge_out_call *oc)
{
	amqp_connection_state_t conn = bridge_broker();
	unsigned int ms = cs->c->call_timeout * 1000;
	const struct bridge_msg *m = &oc->m;
	amqp_basic_properties_t p;
	amqp_table_entry_t e[8];
	char id[32], exp[16];
	amqp_bytes_t body;
	int n = 0, ret;

	if (!conn || oc->published)
		return;
	snprintf(id, sizeof(id), "%" PRIu64, m->id);
	snprintf(exp, sizeof(exp), "%u", ms);
	bridge_table_add(e, &n, "x-msgbox-origin", AMQP_FIELD_KIND_UTF8, 0,
			 m->origin);
	bridge_table_add(e, &n, "x-msgbox-crc32c", AMQP_FIELD_KIND_I64, m->crc,
			 NULL);
	bridge_table_add(e, &n, "x-msgbox-pid", AMQP_FIELD_KIND_I64, m->pid, NULL);
	bridge_table_add(e, &n, "x-msgbox-uid", AMQP_FIELD_KIND_I64, m->uid, NULL);
	bridge_table_add(e, &n, "x-msgbox-gid", AMQP_FIELD_KIND_I64, m->gid, NULL);
	bridge_table_add(e, &n, "x-msgbox-prio", AMQP_FIELD_KIND_I64, m->prio,
			 NULL);
	bridge_table_add(e, &n, "x-msgbox-timeout-ms", AMQP_FIELD_KIND_I64, ms,
			 NULL);
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
		   AMQP_BASIC_PRIORITY_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
		   AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_REPLY_TO_FLAG |
		   AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_EXPIRATION_FLAG |
		   AMQP_BASIC_USER_ID_FLAG;
	p.headers.num_entries = n;
	p.headers.entries = e;
	p.message_id = amqp_cstring_bytes(id);
	p.priority = m->prio > 255 ? 255 : m->prio;
	p.delivery_mode = 1;
	p.content_type = amqp_cstring_bytes("application/octet-stream");
	p.reply_to = amqp_cstring_bytes(replyq);
	p.correlation_id = amqp_cstring_bytes(oc->corr);
	p.expiration = amqp_cstring_bytes(exp);
	p.user_id = amqp_cstring_bytes(conf->user);
	body.len = m->len;
	body.bytes = m->data;
	ret = amqp_basic_publish(conn, cs->ch, amqp_empty_bytes,
				 amqp_cstring_bytes(cs->queue), 1, 0, &p, body);
	if (ret) {
		bridge_log(LOG_ERR, "publishing to %s: %s", cs->queue,
			   amqp_error_string2(ret));
		bridge_broker_drop();
		return;
	}
	oc->published = 1;
	free(oc->m.data);
	oc->m.data = NULL;
}

/* The call is over: close its descriptor, which fails a caller still there. */
static void call_end(struct bridge_calls *cs, struct bridge_out_call *oc)
{
	close(oc->fd);
	oc->fd = -1;
	free(oc->m.data);
	oc->m.data = NULL;
	cs->noc--;
}

/* Fail a call: its caller gets ECONNRESET. */
static void call_fail(struct bridge_calls *cs, struct bridge_out_call *oc,
		      const char *why)
{
	bridge_log(LOG_NOTICE, "%s: call %" PRIu64 " from pid %d: %s; its caller gets ECONNRESET",
		   cs->c->name, oc->m.id, (int)oc->m.pid, why);
	call_end(cs, oc);
}

static struct bridge_out_call *call_find(const char *corr,
					 struct bridge_calls **csp)
{
	unsigned int i, k;

	for (i = 0; i < nall; i++) {
		for (k = 0; all[i]->oc && k < all[i]->c->calls; k++) {
			if (all[i]->oc[k].fd >= 0 &&
			    !strcmp(all[i]->oc[k].corr, corr)) {
				*csp = all[i];
				return &all[i]->oc[k];
			}
		}
	}
	return NULL;
}

/**
 * bridge_call_take() - carry a call taken from the out mailbox
 * @cs: the mailbox's calls, with a free slot (bridge_calls_room())
 * @fd: the descriptor that holds the call and nothing else; taken over
 * @m: the request, @m->id the call's id; @m->data is taken over
 */
void bridge_call_take(struct bridge_calls *cs, int fd, struct bridge_msg *m)
{
	struct bridge_out_call *oc = NULL;
	unsigned int k;

	for (k = 0; cs->oc && k < cs->c->calls && !oc; k++)
		if (cs->oc[k].fd < 0)
			oc = &cs->oc[k];
	if (!oc) {
		bridge_log(LOG_ERR, "%s: call %" PRIu64 " from pid %d: no free slot; its caller gets ECONNRESET",
			   cs->c->name, m->id, (int)m->pid);
		free(m->data);
		close(fd);
		return;
	}
	oc->m = *m;
	oc->fd = fd;
	oc->published = 0;
	snprintf(oc->corr, sizeof(oc->corr), "%s.%" PRIx64 ".%" PRIu64,
		 conf->host, run_id, ++call_seq);
	oc->expires = bridge_now_ms() + cs->c->call_timeout * 1000ULL +
		      CALL_GRACE_MS;
	cs->noc++;
	cs->n_calls++;
	call_publish(cs, oc);
}

/**
 * bridge_calls_room() - may the out mailbox give one more call?
 * @cs: the mailbox's calls
 *
 * Return: 1 when a slot is free or calls are refused anyway, else 0.
 */
int bridge_calls_room(const struct bridge_calls *cs)
{
	return !cs->oc || cs->noc < cs->c->calls;
}

/**
 * bridge_calls_tick() - publish what waited for the broker, fail what
 *	waited too long
 * @cs: the mailbox's calls
 */
void bridge_calls_tick(struct bridge_calls *cs)
{
	uint64_t now = bridge_now_ms();
	unsigned int k;

	for (k = 0; cs->oc && k < cs->c->calls; k++) {
		struct bridge_out_call *oc = &cs->oc[k];

		if (oc->fd < 0)
			continue;
		if (now >= oc->expires)
			call_fail(cs, oc, "no reply in time");
		else
			call_publish(cs, oc);
	}
}

/**
 * bridge_call_reply() - a reply, or a far end's error, to a call from here
 * @am: the message from this host's reply queue
 */
void bridge_call_reply(const amqp_message_t *am)
{
	const amqp_table_t *t = &am->properties.headers;
	char corr[BRIDGE_CORR_MAX + 1], err[32], why[128];
	char host[BRIDGE_HOST_MAX + 1] = "?", user[BRIDGE_HOST_MAX + 1];
	char head[2 * BRIDGE_HOST_MAX + 192], *copy = NULL;
	int64_t pid = 0, uid = 0, gid = 0, id = 0, crc = -1;
	const char *buf = am->body.bytes;
	struct bridge_out_call *oc;
	struct bridge_calls *cs;
	size_t len = am->body.len;
	int hlen = 0, ret;

	if (bridge_prop_str(am->properties._flags,
			    AMQP_BASIC_CORRELATION_ID_FLAG,
			    am->properties.correlation_id, corr, sizeof(corr))) {
		bridge_log(LOG_WARNING, "a reply without a correlation_id dropped");
		return;
	}
	oc = call_find(corr, &cs);
	if (!oc) {
		bridge_log(LOG_DEBUG, "a reply to call %s, which is over, dropped",
			   corr);
		return;
	}
	if (am->properties._flags & AMQP_BASIC_HEADERS_FLAG) {
		bridge_header_str(t, "x-msgbox-origin", host, sizeof(host));
		if (!bridge_header_str(t, "x-msgbox-error", err, sizeof(err))) {
			snprintf(why, sizeof(why), "%s on host %s", err, host);
			call_fail(cs, oc, why);
			return;
		}
		bridge_header_int(t, "x-msgbox-pid", &pid);
		bridge_header_int(t, "x-msgbox-uid", &uid);
		bridge_header_int(t, "x-msgbox-gid", &gid);
		bridge_header_int(t, "x-msgbox-id", &id);
		bridge_header_int(t, "x-msgbox-crc32c", &crc);
	}
	if (crc != msgbox_crc32c(buf, len)) {
		snprintf(why, sizeof(why), "the reply from host %s is corrupted",
			 host);
		call_fail(cs, oc, why);
		return;
	}
	if (cs->c->envelope) {
		bridge_prop_user(am, user, sizeof(user));
		hlen = bridge_envelope_line(head, sizeof(head), host, pid, uid,
					    gid, id, 0, user);
		copy = hlen < 0 ? NULL : malloc(hlen + len);
		if (!copy) {
			call_fail(cs, oc, strerror(hlen < 0 ? -hlen : ENOMEM));
			return;
		}
		memcpy(copy, head, hlen);
		memcpy(copy + hlen, buf, len);
		buf = copy;
	}
	ret = msgbox_reply(oc->fd, oc->m.id, buf, hlen + len);
	free(copy);
	if (ret == -ECANCELED) {
		bridge_log(LOG_INFO, "%s: call %" PRIu64 " from pid %d: the caller gave up before host %s answered",
			   cs->c->name, oc->m.id, (int)oc->m.pid, host);
	} else if (ret) {
		snprintf(why, sizeof(why), "the reply from host %s: %s", host,
			 strerror(-ret));
		call_fail(cs, oc, why);
		return;
	} else {
		cs->n_answered++;
	}
	call_end(cs, oc);
}

/**
 * bridge_call_returned() - the broker could not route a request
 * @cs: the calls of the mailbox it was for
 * @am: the request, returned
 * @reason: the broker's reply code and text
 *
 * No host consumes the name's calls: the call fails.
 */
void bridge_call_returned(struct bridge_calls *cs, const amqp_message_t *am,
			  const char *reason)
{
	char corr[BRIDGE_CORR_MAX + 1], why[BRIDGE_NAME_MAX + 192];
	struct bridge_out_call *oc;
	struct bridge_calls *owner;

	if (bridge_prop_str(am->properties._flags,
			    AMQP_BASIC_CORRELATION_ID_FLAG,
			    am->properties.correlation_id, corr, sizeof(corr)))
		return;
	oc = call_find(corr, &owner);
	if (!oc || owner != cs)
		return;
	snprintf(why, sizeof(why), "no host serves calls to %s (%s)",
		 cs->c->name, reason);
	call_fail(cs, oc, why);
}

/* ---- far end ---- */

static void *call_thread(void *arg)
{
	struct bridge_call_job *job = arg;
	struct msgbox_call_opts co = {
		.flags = MSGBOX_CO_TIMEOUT,
		.prio = job->prio,
		.timeout = {
			.tv_sec = job->timeout_ms / 1000,
			.tv_nsec = (long)(job->timeout_ms % 1000) * 1000000,
		},
	};
	struct msgbox_call_info info;
	struct msgbox_stat_args st;
	char byte = 0;
	int fd, ret;

	/* Opened per call: a mailbox removed since shows as ENOENT. */
	fd = msgbox_open(job->mailbox, O_WRONLY | O_CLOEXEC, NULL);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	memset(&st, 0, sizeof(st));
	ret = msgbox_stat(fd, &st);
	if (!ret) {
		/* No reply can be longer than the mailbox's largest message. */
		job->reply = malloc(st.max_msg_size ? st.max_msg_size : 1);
		if (!job->reply)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = msgbox_call(fd, job->data, job->len, job->reply,
				  st.max_msg_size, &co, &info);
	close(fd);
	if (ret >= 0) {
		job->reply_len = ret;
		job->id = info.id;
		job->pid = info.pid;
		job->uid = info.uid;
		job->gid = info.gid;
		ret = 0;
	}
out:
	job->err = ret;
	pthread_mutex_lock(&finished_lock);
	job->next = finished;
	finished = job;
	pthread_mutex_unlock(&finished_lock);
	/* A full pipe has a wake-up pending already. */
	if (write(wake[1], &byte, 1) < 0 && errno != EAGAIN)
		abort();
	return NULL;
}

/*
 * Make @job's call in a thread of its own: 0, or a negative errno (no
 * thread). The thread blocks every signal: a signal delivered to it
 * during the call would cancel the call.
 */
static int call_start(struct bridge_call_job *job)
{
	pthread_attr_t attr;
	sigset_t all_sigs, old;
	pthread_t t;
	int ret;

	ret = pthread_attr_init(&attr);
	if (ret)
		return -ret;
	ret = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!ret)
		ret = pthread_attr_setstacksize(&attr, CALL_STACK);
	if (!ret) {
		sigfillset(&all_sigs);
		pthread_sigmask(SIG_SETMASK, &all_sigs, &old);
		ret = pthread_create(&t, &attr, call_thread, job);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_attr_destroy(&attr);
	return -ret;
}

static void job_free(struct bridge_call_job *job)
{
	free(job->data);
	free(job->reply);
	free(job);
}

/* Send a finished job's reply, or its error, and let its request go. */
static void far_finish(struct bridge_call_job *job)
{
	amqp_connection_state_t conn = bridge_broker();
	struct bridge_calls *cs = job->owner;
	amqp_basic_properties_t p;
	amqp_table_entry_t e[7];
	amqp_bytes_t body = { 0 };
	int n = 0;

	if (job->err)
		bridge_log(LOG_NOTICE, "%s: call from host %s: %s", cs->c->name,
			   job->origin, errno_name(-job->err));
	else
		cs->n_served++;
	if (!conn) {
		bridge_log(LOG_NOTICE, "%s: the answer to a call from host %s is lost: no broker connection",
			   cs->c->name, job->origin);
		job_free(job);
		return;
	}
	bridge_table_add(e, &n, "x-msgbox-origin", AMQP_FIELD_KIND_UTF8, 0,
			 conf->host);
	if (job->err) {
		bridge_table_add(e, &n, "x-msgbox-error", AMQP_FIELD_KIND_UTF8,
				 0, errno_name(-job->err));
	} else {
		body.len = job->reply_len;
		body.bytes = job->reply;
		bridge_table_add(e, &n, "x-msgbox-pid", AMQP_FIELD_KIND_I64,
				 job->pid, NULL);
		bridge_table_add(e, &n, "x-msgbox-uid", AMQP_FIELD_KIND_I64,
				 job->uid, NULL);
		bridge_table_add(e, &n, "x-msgbox-gid", AMQP_FIELD_KIND_I64,
				 job->gid, NULL);
		bridge_table_add(e, &n, "x-msgbox-id", AMQP_FIELD_KIND_I64,
				 job->id, NULL);
		bridge_table_add(e, &n, "x-msgbox-crc32c", AMQP_FIELD_KIND_I64,
				 msgbox_crc32c(job->reply, job->reply_len), NULL);
	}
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
		   AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_USER_ID_FLAG |
		   AMQP_BASIC_CONTENT_TYPE_FLAG;
	p.headers.num_entries = n;
	p.headers.entries = e;
	p.delivery_mode = 1;
	p.correlation_id = amqp_cstring_bytes(job->corr);
	p.user_id = amqp_cstring_bytes(conf->user);
	p.content_type = amqp_cstring_bytes("application/octet-stream");
	if (amqp_basic_publish(conn, cs->ch, amqp_empty_bytes,
			       amqp_cstring_bytes(job->reply_to), 0, 0, &p,
			       body) ||
	    /* A request of an earlier connection comes again by itself. */
	    (job->gen == bridge_broker_gen() &&
	     amqp_basic_ack(conn, cs->ch, job->tag, 0)))
		bridge_broker_drop();
	job_free(job);
}

/* Start waiting requests while fewer than calls= are being made. */
static void far_start(struct bridge_calls *cs)
{
	struct bridge_call_job *job;
	int ret;

	while (cs->far_pending && cs->far_running < cs->c->calls) {
		job = cs->far_pending;
		cs->far_pending = job->next;
		if (!cs->far_pending)
			cs->far_last = NULL;
		job->next = NULL;
		ret = call_start(job);
		if (ret) {
			job->err = ret;
			far_finish(job);
			continue;
		}
		cs->far_running++;
	}
}

/**
 * bridge_calls_run() - answer the calls whose threads finished, and start
 *	what waited for a thread
 *
 * For when the descriptor bridge_calls_setup() gave is readable.
 */
void bridge_calls_run(void)
{
	struct bridge_call_job *list, *rev = NULL, *next;
	unsigned int i;
	char buf[64];

	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&finished_lock);
	list = finished;
	finished = NULL;
	pthread_mutex_unlock(&finished_lock);
	for (; list; list = next) {
		next = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev; rev = next) {
		next = rev->next;
		rev->owner->far_running--;
		far_finish(rev);
	}
	for (i = 0; i < nall; i++)
		far_start(all[i]);
}

/**
 * bridge_call_request() - a request from another host's caller
 * @cs: the calls of the mailbox it is for, which has an in mailbox
 * @am: the request
 * @tag: its delivery tag on the connection of now
 * @redelivered: the broker delivered it before
 */
void bridge_call_request(struct bridge_calls *cs, const amqp_message_t *am,
			 uint64_t tag, int redelivered)
{
	const amqp_table_t *t = &am->properties.headers;
	int64_t pid = 0, uid = 0, gid = 0, prio = 0, crc = -1, ms = 0;
	char user[BRIDGE_HOST_MAX + 1], head[2 * BRIDGE_HOST_MAX + 192];
	amqp_connection_state_t conn = bridge_broker();
	struct bridge_call_job *job;
	char id[32] = "0";
	int hlen = 0;

	job = calloc(1, sizeof(*job));
	if (!job ||
	    bridge_prop_str(am->properties._flags, AMQP_BASIC_REPLY_TO_FLAG,
			    am->properties.reply_to, job->reply_to,
			    sizeof(job->reply_to)) ||
	    bridge_prop_str(am->properties._flags,
			    AMQP_BASIC_CORRELATION_ID_FLAG,
			    am->properties.correlation_id, job->corr,
			    sizeof(job->corr))) {
		bridge_log(LOG_WARNING, "%s: a call without reply_to or correlation_id dropped",
			   cs->c->name);
		free(job);
		if (conn && amqp_basic_ack(conn, cs->ch, tag, 0))
			bridge_broker_drop();
		return;
	}
	strcpy(job->mailbox, cs->c->in);
	strcpy(job->origin, "?");
	job->owner = cs;
	job->gen = bridge_broker_gen();
	job->tag = tag;
	if (am->properties._flags & AMQP_BASIC_HEADERS_FLAG) {
		bridge_header_str(t, "x-msgbox-origin", job->origin,
				  sizeof(job->origin));
		bridge_header_int(t, "x-msgbox-pid", &pid);
		bridge_header_int(t, "x-msgbox-uid", &uid);
		bridge_header_int(t, "x-msgbox-gid", &gid);
		bridge_header_int(t, "x-msgbox-prio", &prio);
		bridge_header_int(t, "x-msgbox-crc32c", &crc);
		bridge_header_int(t, "x-msgbox-timeout-ms", &ms);
	}
	bridge_prop_str(am->properties._flags, AMQP_BASIC_MESSAGE_ID_FLAG,
			am->properties.message_id, id, sizeof(id));
	job->prio = prio >= 0 && prio < MSGBOX_PRIO_MAX ? prio : 0;
	job->timeout_ms = cs->c->call_timeout * 1000;
	if (ms > 0 && ms < job->timeout_ms)
		job->timeout_ms = ms;
	if (redelivered) {
		/* Its bridge stopped while making it: it may have been made. */
		job->err = -ECONNRESET;
	} else if (crc != msgbox_crc32c(am->body.bytes, am->body.len)) {
		job->err = -EBADMSG;
	} else if (cs->c->envelope) {
		bridge_prop_user(am, user, sizeof(user));
		hlen = bridge_envelope_line(head, sizeof(head), job->origin,
					    pid, uid, gid,
					    strtoull(id, NULL, 10), 0, user);
		if (hlen < 0)
			job->err = hlen;
	}
	if (!job->err) {
		job->len = hlen + am->body.len;
		job->data = malloc(job->len ? job->len : 1);
		if (job->data) {
			memcpy(job->data, head, hlen);
			memcpy(job->data + hlen, am->body.bytes, am->body.len);
		} else {
			job->err = -ENOMEM;
		}
	}
	if (job->err) {
		far_finish(job);
		return;
	}
	if (cs->far_last)
		cs->far_last->next = job;
	else
		cs->far_pending = job;
	cs->far_last = job;
	far_start(cs);
}

/**
 * bridge_calls_drop() - the broker connection is lost
 * @cs: the mailbox's calls
 *
 * Requests not started yet are forgotten: the broker gives them again.
 * Calls from here wait for their replies, which the reply queue keeps.
 */
void bridge_calls_drop(struct bridge_calls *cs)
{
	struct bridge_call_job *job;

	while (cs->far_pending) {
		job = cs->far_pending;
		cs->far_pending = job->next;
		job_free(job);
	}
	cs->far_last = NULL;
}

/**
 * bridge_calls_close() - the bridge stops
 * @cs: the mailbox's calls
 *
 * The calls from here fail (ECONNRESET); the threads of calls made here
 * end with the process.
 */
void bridge_calls_close(struct bridge_calls *cs)
{
	unsigned int k;

	for (k = 0; cs->oc && k < cs->c->calls; k++)
		if (cs->oc[k].fd >= 0)
			call_end(cs, &cs->oc[k]);
	free(cs->oc);
	cs->oc = NULL;
	bridge_calls_drop(cs);
}
