// SPDX-License-Identifier: GPL-2.0
/*
 * net_cons: receive test messages from a local mailbox and list them.
 *
 * usage: net_cons MAILBOX IDLE_MS [MAX]
 *
 * MAILBOX "-" registers the process's port instead and prints
 * "port PID" first.
 * Receives until no message came for IDLE_MS milliseconds, or MAX
 * messages came. Prints "got PRODUCER SEQ key=KEY prio=PRIO" per whole
 * message, followed by " from=HOST/PID/USER" when the bridge put an envelope
 * line before it, and "bad LEN" per message whose CRC tag does not match, then
 * "received N bad M". Exit status 0 unless an error other than the idle
 * timeout ended it.
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
	struct msgbox_recv_opts ro = { .flags = MSGBOX_RO_TIMEOUT };
	unsigned int got = 0, bad = 0, max = 0, seq;
	struct msgbox_msg_info info;
	char buf[NET_MSG_MAX], prod[64], from[128], *body;
	int fd, n, idle, pid;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: net_cons MAILBOX IDLE_MS [MAX]\n");
		return 2;
	}
	idle = atoi(argv[2]);
	if (argc == 4)
		max = atoi(argv[3]);
	ro.timeout.tv_sec = idle / 1000;
	ro.timeout.tv_nsec = (idle % 1000) * 1000000L;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "-")) {
		fd = msgbox_port(NULL, 0);
		if (fd >= 0)
			printf("port %d\n", (int)getpid());
	} else {
		fd = msgbox_open(argv[1], O_RDONLY, NULL);
	}
	if (fd < 0) {
		fprintf(stderr, "net_cons: open %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	while (!max || got + bad < max) {
		n = msgbox_recvx(fd, buf, sizeof(buf), &ro, &info);
		if (n == -ETIMEDOUT)
			break;
		if (n < 0 && n != -EBADMSG) {
			fprintf(stderr, "net_cons: receive: %s\n", strerror(-n));
			printf("received %u bad %u\n", got, bad);
			return 1;
		}
		body = buf;
		from[0] = '\0';
		if (n > 0 && !strncmp(buf, "msgbox-from ", 12)) {
			char host[64], *nl = memchr(buf, '\n', n);

			if (!nl || sscanf(buf, "msgbox-from host=%63s pid=%d", host,
					  &pid) != 2) {
				printf("bad envelope\n");
				bad++;
				continue;
			}
			{
				char user[64] = "-", *u = strstr(buf, " user=");

				if (u && u < nl)
					sscanf(u, " user=%63s", user);
				snprintf(from, sizeof(from), " from=%s/%d/%s", host,
					 pid, user);
			}
			n -= nl + 1 - buf;
			body = nl + 1;
		}
		if (n < 0 || net_msg_check(body, n, prod, sizeof(prod), &seq)) {
			printf("bad %d\n", n);
			bad++;
			continue;
		}
		printf("got %s %u key=%llu prio=%u%s\n", prod, seq,
		       (unsigned long long)info.key, info.prio, from);
		got++;
	}
	printf("received %u bad %u\n", got, bad);
	return 0;
}
