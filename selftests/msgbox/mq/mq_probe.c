// SPDX-License-Identifier: GPL-2.0
/*
 * mq_probe - does a msgbox mailbox of this name exist? Asks the module
 * through libmsgbox, independently of libmsgbox-mq, so that a test can
 * tell where a POSIX queue program really put its queue.
 *
 * Usage: mq_probe NAME      (a mailbox name, or a queue name with its '/')
 * Exit status: 0 it exists, 1 it does not, 2 the question failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "msgbox.h"

int main(int argc, char **argv)
{
	const char *name;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	name = argv[1][0] == '/' ? argv[1] + 1 : argv[1];
	fd = msgbox_open(name, O_RDONLY, NULL);
	if (fd >= 0) {
		msgbox_close(fd);
		printf("mq_probe: mailbox %s exists\n", name);
		return 0;
	}
	if (fd == -ENOENT) {
		printf("mq_probe: no mailbox %s\n", name);
		return 1;
	}
	fprintf(stderr, "mq_probe: %s: %s\n", name, strerror(-fd));
	return 2;
}
