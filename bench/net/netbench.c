// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: throughput and round trips through msgbox-bridge, and through
 * the broker's own C client for comparison.
 *
 *   netbench msgbox-send MAILBOX N SIZE        send N messages
 *   netbench msgbox-recv MAILBOX N             receive N (or until 5 s pass
 *                                              without one), print the rate
 *   netbench msgbox-echo IN OUT N              receive from IN, send to OUT
 *   netbench msgbox-ping OUT IN N SIZE         N round trips, percentiles
 *   netbench amqp-send ADDR QUEUE N SIZE CONFIRM
 *   netbench amqp-recv ADDR QUEUE N ACK        (stops after 5 s without one)
 *   netbench amqp-echo ADDR IN OUT N CONFIRM
 *   netbench amqp-ping ADDR OUT IN N SIZE CONFIRM
 *
 * ADDR is HOST:PORT. With CONFIRM 1 the AMQP publisher waits for publisher
 * confirms (up to 64 outstanding when streaming, each one when pinging),
 * persistent messages; with ACK 1 the consumer acks each message with a
 * prefetch of 16, else it consumes with automatic acks. Queues are
 * declared durable with x-max-priority 10, as the bridge declares its own.
 * The receiving side prints "rate R msg/s" over the time from its first to
 * its last message; the pinging side prints "rtt p50 X us p99 Y us".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <msgbox.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_rtt(double *rtt, unsigned int n)
{
	qsort(rtt, n, sizeof(*rtt), cmp_double);
	printf("rtt p50 %.0f us p99 %.0f us\n", rtt[n / 2], rtt[(n * 99) / 100]);
}

/* ---- msgbox ---- */

static int mb_open(const char *name, int flags)
{
	int fd = msgbox_open(name, flags, NULL);

	if (fd < 0)
		die(name, -fd);
	return fd;
}

static void mb_send(int fd, const char *buf, size_t len)
{
	int ret = msgbox_send(fd, buf, len, 0);

	if (ret)
		die("msgbox_send", -ret);
}

static int mb_recv(int fd, char *buf, size_t len)
{
	int n = msgbox_recv(fd, buf, len, NULL);

	if (n < 0)
		die("msgbox_recv", -n);
	return n;
}

/* ---- AMQP ---- */

static amqp_connection_state_t amqp_up(const char *addr)
{
	char host[256], *colon;
	amqp_connection_state_t c;
	amqp_socket_t *s;
	amqp_rpc_reply_t r;
	int port = 5672;

	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	c = amqp_new_connection();
	s = c ? amqp_tcp_socket_new(c) : NULL;
	if (!s || amqp_socket_open(s, host, port))
		die("connecting to the broker", ECONNREFUSED);
	r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest",
		       "guest");
	if (r.reply_type != AMQP_RESPONSE_NORMAL || !amqp_channel_open(c, 1) ||
	    amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
		die("logging in", EPROTO);
	return c;
}

/* A clean close, so that nothing published is left behind. */
static void amqp_down(amqp_connection_state_t c)
{
	amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
}

static void amqp_queue(amqp_connection_state_t c, const char *q)
{
	amqp_table_entry_t e = {
		.key = amqp_cstring_bytes("x-max-priority"),
		.value = { .kind = AMQP_FIELD_KIND_I64, .value.i64 = 10 },
	};

	if (!amqp_queue_declare(c, 1, amqp_cstring_bytes(q), 0, 1, 0, 0,
				(amqp_table_t){ .num_entries = 1, .entries = &e }))
		die("declaring a queue", EPROTO);
}

static void amqp_pub(amqp_connection_state_t c, const char *q, const char *buf,
		     size_t len, int persistent)
{
	amqp_basic_properties_t p = {
		._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
		.delivery_mode = persistent ? 2 : 1,
	};

	if (amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(q), 0,
			       0, &p, (amqp_bytes_t){ .len = len,
						      .bytes = (void *)buf }))
		die("publishing", EIO);
}

/* Wait for confirms until at most @max publishes are outstanding. */
static void amqp_confirms(amqp_connection_state_t c, uint64_t *acked,
			  uint64_t sent, uint64_t max)
{
	amqp_frame_t f;

	while (sent - *acked > max) {
		if (amqp_simple_wait_frame(c, &f))
			die("waiting for a confirm", EIO);
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
			amqp_basic_ack_t *a = f.payload.method.decoded;

			*acked = a->delivery_tag;
		} else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
			die("the broker refused a message", EIO);
		}
	}
}

/*
 * Round trips with confirms: the reply may come before the confirm of the
 * request, so wait for both on the one stream of frames.
 */
static void amqp_reply_and_confirm(amqp_connection_state_t c, int ack,
				   uint64_t *acked, uint64_t sent)
{
	amqp_basic_deliver_t *d;
	amqp_message_t msg;
	int got = 0;
	amqp_frame_t f;

	while (!got || *acked < sent) {
		amqp_maybe_release_buffers(c);
		if (amqp_simple_wait_frame(c, &f))
			die("waiting for a reply", EIO);
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		switch (f.payload.method.id) {
		case AMQP_BASIC_ACK_METHOD:
			*acked = ((amqp_basic_ack_t *)f.payload.method.decoded)->delivery_tag;
			break;
		case AMQP_BASIC_NACK_METHOD:
			die("the broker refused a message", EIO);
			break;
		case AMQP_BASIC_DELIVER_METHOD:
			d = f.payload.method.decoded;
			if (amqp_read_message(c, 1, &msg, 0).reply_type !=
			    AMQP_RESPONSE_NORMAL)
				die("reading a reply", EIO);
			amqp_destroy_message(&msg);
			if (ack && amqp_basic_ack(c, 1, d->delivery_tag, 0))
				die("acking", EIO);
			got = 1;
			break;
		}
	}
}

static void amqp_sub(amqp_connection_state_t c, const char *q, int ack)
{
	if (ack && !amqp_basic_qos(c, 1, 0, 16, 0))
		die("qos", EPROTO);
	if (!amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0,
				!ack, 0, amqp_empty_table))
		die("consuming", EPROTO);
}

/* Returns the length, or -1 when nothing came within @timeout (if set). */
static ssize_t amqp_get(amqp_connection_state_t c, int ack, char *buf,
			size_t size, struct timeval *timeout)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	size_t len;

	amqp_maybe_release_buffers(c);
	r = amqp_consume_message(c, &env, timeout, 0);
	if (timeout && r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_TIMEOUT)
		return -1;
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		die("receiving", EIO);
	len = env.message.body.len < size ? env.message.body.len : size;
	memcpy(buf, env.message.body.bytes, len);
	if (ack && amqp_basic_ack(c, 1, env.delivery_tag, 0))
		die("acking", EIO);
	amqp_destroy_envelope(&env);
	return len;
}

int main(int argc, char **argv)
{
	char buf[65536];
	double t0 = 0, *rtt;
	unsigned int i, n;
	uint64_t acked = 0;
	amqp_connection_state_t c;
	int in, out;
	size_t size;

	memset(buf, 'x', sizeof(buf));
	if (argc >= 5 && !strcmp(argv[1], "msgbox-send")) {
		out = mb_open(argv[2], O_WRONLY);
		n = atoi(argv[3]);
		size = atoi(argv[4]);
		for (i = 0; i < n; i++)
			mb_send(out, buf, size);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "msgbox-recv")) {
		struct msgbox_recv_opts ro = {
			.flags = MSGBOX_RO_TIMEOUT,
			.timeout = { .tv_sec = 5 },
		};
		double t1 = 0;
		int ret;

		in = mb_open(argv[2], O_RDONLY);
		n = atoi(argv[3]);
		for (i = 0; i < n; i++) {
			ret = msgbox_recvx(in, buf, sizeof(buf), i ? &ro : NULL, NULL);
			if (ret == -ETIMEDOUT)
				break;
			if (ret < 0)
				die("msgbox_recvx", -ret);
			t1 = now_us();
			if (!i)
				t0 = t1;
		}
		printf("rate %.0f msg/s got %u of %u\n",
		       i > 1 ? (i - 1) / ((t1 - t0) / 1e6) : 0.0, i, n);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "msgbox-echo")) {
		in = mb_open(argv[2], O_RDONLY);
		out = mb_open(argv[3], O_WRONLY);
		n = atoi(argv[4]);
		for (i = 0; i < n; i++)
			mb_send(out, buf, mb_recv(in, buf, sizeof(buf)));
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "msgbox-ping")) {
		out = mb_open(argv[2], O_WRONLY);
		in = mb_open(argv[3], O_RDONLY);
		n = atoi(argv[4]);
		size = atoi(argv[5]);
		rtt = calloc(n, sizeof(*rtt));
		if (!rtt)
			die("calloc", ENOMEM);
		for (i = 0; i < n; i++) {
			t0 = now_us();
			mb_send(out, buf, size);
			mb_recv(in, buf, sizeof(buf));
			rtt[i] = now_us() - t0;
		}
		print_rtt(rtt, n);
		return 0;
	}
	if (argc >= 7 && !strcmp(argv[1], "amqp-send")) {
		int confirm = atoi(argv[6]);

		c = amqp_up(argv[2]);
		amqp_queue(c, argv[3]);
		if (confirm && !amqp_confirm_select(c, 1))
			die("confirm.select", EPROTO);
		n = atoi(argv[4]);
		size = atoi(argv[5]);
		for (i = 0; i < n; i++) {
			amqp_pub(c, argv[3], buf, size, confirm);
			if (confirm)
				amqp_confirms(c, &acked, i + 1, 64);
		}
		if (confirm)
			amqp_confirms(c, &acked, n, 0);
		amqp_down(c);
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "amqp-recv")) {
		int ack = atoi(argv[5]);

		c = amqp_up(argv[2]);
		amqp_queue(c, argv[3]);
		amqp_sub(c, argv[3], ack);
		struct timeval tv = { .tv_sec = 5 };
		double t1 = 0;

		n = atoi(argv[4]);
		for (i = 0; i < n; i++) {
			if (amqp_get(c, ack, buf, sizeof(buf), i ? &tv : NULL) < 0)
				break;
			t1 = now_us();
			if (!i)
				t0 = t1;
		}
		printf("rate %.0f msg/s got %u of %u\n",
		       i > 1 ? (i - 1) / ((t1 - t0) / 1e6) : 0.0, i, n);
		amqp_down(c);
		return 0;
	}
	if (argc >= 7 && !strcmp(argv[1], "amqp-echo")) {
		int confirm = atoi(argv[6]);

		c = amqp_up(argv[2]);
		amqp_queue(c, argv[3]);
		amqp_queue(c, argv[4]);
		amqp_sub(c, argv[3], confirm);
		if (confirm && !amqp_confirm_select(c, 1))
			die("confirm.select", EPROTO);
		n = atoi(argv[5]);
		for (i = 0; i < n; i++) {
			size = amqp_get(c, confirm, buf, sizeof(buf), NULL);
			amqp_pub(c, argv[4], buf, size, confirm);
			if (confirm)
				amqp_confirms(c, &acked, i + 1, 0);
		}
		return 0;
	}
	if (argc >= 8 && !strcmp(argv[1], "amqp-ping")) {
		int confirm = atoi(argv[7]);

		c = amqp_up(argv[2]);
		amqp_queue(c, argv[3]);
		amqp_queue(c, argv[4]);
		amqp_sub(c, argv[4], confirm);
		if (confirm && !amqp_confirm_select(c, 1))
			die("confirm.select", EPROTO);
		n = atoi(argv[5]);
		size = atoi(argv[6]);
		rtt = calloc(n, sizeof(*rtt));
		if (!rtt)
			die("calloc", ENOMEM);
		for (i = 0; i < n; i++) {
			t0 = now_us();
			amqp_pub(c, argv[3], buf, size, confirm);
			amqp_reply_and_confirm(c, confirm, &acked,
					       confirm ? i + 1 : 0);
			rtt[i] = now_us() - t0;
		}
		print_rtt(rtt, n);
		return 0;
	}
	fprintf(stderr, "usage: see the head of netbench.c\n");
	return 2;
}
