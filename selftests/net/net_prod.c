// SPDX-License-Identifier: GPL-2.0
/*
 * net_prod: send COUNT numbered, CRC-tagged messages to a local mailbox.
 *
 * usage: net_prod MAILBOX PRODUCER COUNT [-n] [-p PRIO] [-s SIZE] [-f FIRST]
 *   -n       O_NONBLOCK: stop at the first EAGAIN and say after how many
 *   -p PRIO  priority of every message
 *   -s SIZE  pad each message to SIZE bytes
 *   -f FIRST first sequence number (default 1)
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
#include <unistd.h>

#include <msgbox.h>

#include "net_msg.h"

int main(int argc, char **argv)
{
	unsigned int prio = 0, size = 0, first = 1, count, i;
	int opt, nonblock = 0, fd, ret, len;
	char buf[NET_MSG_MAX];

	while ((opt = getopt(argc, argv, "np:s:f:")) != -1) {
		switch (opt) {
		case 'n': nonblock = 1; break;
		case 'p': prio = atoi(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'f': first = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: net_prod MAILBOX PRODUCER COUNT [-n] [-p PRIO] [-s SIZE] [-f FIRST]\n");
			return 2;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: net_prod MAILBOX PRODUCER COUNT [-n] [-p PRIO] [-s SIZE] [-f FIRST]\n");
		return 2;
	}
	count = atoi(argv[optind + 2]);
	fd = msgbox_open(argv[optind], O_WRONLY | (nonblock ? O_NONBLOCK : 0), NULL);
	if (fd < 0) {
		fprintf(stderr, "net_prod: open %s: %s\n", argv[optind], strerror(-fd));
		return 1;
	}
	for (i = 0; i < count; i++) {
		len = net_msg_make(buf, sizeof(buf), argv[optind + 1], first + i, size);
		ret = msgbox_send(fd, buf, len, prio);
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
	return 0;
}
