// SPDX-License-Identifier: GPL-2.0
/*
 * net_prod: send COUNT numbered, CRC-tagged messages to a local mailbox.
 *
 * usage: net_prod MAILBOX PRODUCER COUNT [-n] [-w MS] [-p PRIO] [-m N] [-s SIZE]
 *                 [-f FIRST] [-d PID] [-r MS]
 *   -n       O_NONBLOCK: stop at the first EAGAIN and say after how many
 *   -w MS    with -n, retry an EAGAIN every 50 ms, and stop only when
 *            sends failed with EAGAIN for MS milliseconds in a row
 *   -p PRIO  priority of every message
 *   -m N     mixed priorities instead: message SEQ gets one of 0 .. N-1,
 *            scattered by a hash of SEQ
 *   -s SIZE  pad each message to SIZE bytes
 *   -f FIRST first sequence number (default 1)
 *   -d PID   direct addressing through the bridge: MAILBOX is "@HOST",
 *            and each message carries PID, the destination on HOST, as
 *            its key
 *   -r MS    register a port first, and after sending wait up to MS
 *            milliseconds for a message on it and print it as
 *            "report PAYLOAD" (the bridge's report of a message it could
 *            not deliver)
 *
 * A message is "PRODUCER SEQ CRC" and padding, where CRC is the CRC32C of
 * "PRODUCER SEQ" and the padding, so that a consumer can tell a message it
 * got whole. Prints "sent N" or "eagain after N"; exit status 0 when every
 * message went (or -n stopped at EAGAIN), 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#include "net_msg.h"

int main(int argc, char **argv)
{
	unsigned int prio = 0, size = 0, first = 1, count, i, stall = 0, waited;
	unsigned int mix = 0;
	int opt, nonblock = 0, fd, ret, len, to_pid = 0, report = 0, port = -1;
	struct msgbox_send_opts so = { .flags = MSGBOX_SO_KEY };
	char buf[NET_MSG_MAX];

	while ((opt = getopt(argc, argv, "nw:p:m:s:f:d:r:")) != -1) {
		switch (opt) {
		case 'n': nonblock = 1; break;
		case 'w': stall = atoi(optarg); break;
		case 'p': prio = atoi(optarg); break;
		case 'm': mix = atoi(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'f': first = atoi(optarg); break;
		case 'd': to_pid = atoi(optarg); break;
		case 'r': report = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: net_prod MAILBOX PRODUCER COUNT [-n] [-w MS] [-p PRIO] [-m N] [-s SIZE] [-f FIRST] [-d PID] [-r MS]\n");
			return 2;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: net_prod MAILBOX PRODUCER COUNT [-n] [-w MS] [-p PRIO] [-m N] [-s SIZE] [-f FIRST] [-d PID] [-r MS]\n");
		return 2;
	}
	count = atoi(argv[optind + 2]);
	if (report) {
		port = msgbox_port(NULL, 0);
		if (port < 0) {
			fprintf(stderr, "net_prod: port: %s\n", strerror(-port));
			return 1;
		}
	}
	fd = msgbox_open(argv[optind], O_WRONLY | (nonblock ? O_NONBLOCK : 0), NULL);
	if (fd < 0) {
		fprintf(stderr, "net_prod: open %s: %s\n", argv[optind], strerror(-fd));
		return 1;
	}
	for (i = 0; i < count; i++) {
		len = net_msg_make(buf, sizeof(buf), argv[optind + 1], first + i, size);
		if (mix)
			prio = ((first + i) * 2654435761U >> 16) % mix;
		so.prio = prio;
		so.key = to_pid;
		ret = to_pid ? msgbox_sendx(fd, buf, len, &so, NULL) :
			       msgbox_send(fd, buf, len, prio);
		for (waited = 0; ret == -EAGAIN && nonblock && waited < stall;
		     waited += 50) {
			struct timespec ts = { .tv_nsec = 50 * 1000000L };

			nanosleep(&ts, NULL);
			ret = to_pid ? msgbox_sendx(fd, buf, len, &so, NULL) :
				       msgbox_send(fd, buf, len, prio);
		}
		if (ret == -EAGAIN && nonblock) {
			printf("eagain after %u\n", i);
			return 0;
		}
		if (ret) {
			fprintf(stderr, "net_prod: send %u: %s\n", first + i, strerror(-ret));
			printf("sent %u\n", i);
			return 1;
		}
	}
	printf("sent %u\n", count);
	if (report) {
		struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT };

		fflush(stdout);
		ro.timeout.tv_sec = report / 1000;
		ro.timeout.tv_nsec = (report % 1000) * 1000000L;
		len = msgbox_recvx(port, buf, sizeof(buf) - 1, &ro, NULL);
		if (len >= 0) {
			buf[len] = '\0';
			printf("report %s\n", buf);
		} else {
			printf("no report: %s\n", strerror(-len));
		}
	}
	return 0;
}
