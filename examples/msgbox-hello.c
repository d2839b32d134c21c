// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox-hello - the first program to write against libmsgbox.
 *
 * It removes a name a crashed earlier run may have left (msgbox_unlink(),
 * as mq_unlink() would), creates a mailbox with its sizes written out
 * instead of left to the defaults, sends and receives, shows what happens
 * to a message larger than the mailbox takes, and cleans up: the name goes
 * first, so no new client finds the mailbox, and the mailbox itself goes
 * with the last descriptor.
 *
 * Every libmsgbox call returns a negative errno on failure; the program
 * prints it and stops. Build it with
 *   cc msgbox-hello.c $(pkg-config --cflags --libs msgbox)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgbox.h>

#define NAME		"hello"
#define CAPACITY	16	/* messages queued at most */
#define MAX_MSG_SIZE	512	/* bytes per message at most */

static int fail(const char *what, int err)
{
	fprintf(stderr, "msgbox-hello: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(void)
{
	struct msgbox_attr attr = {
		.capacity = CAPACITY,
		.max_msg_size = MAX_MSG_SIZE,
		.mode = 0600,
	};
	struct msgbox_stat_args st;
	char big[MAX_MSG_SIZE + 1];
	char buf[MAX_MSG_SIZE];
	unsigned int prio;
	int fd, ret;

	printf("msgbox-hello: libmsgbox %s\n", msgbox_version());
	printf("  without attributes a mailbox holds %d messages of %d bytes\n",
	       MSGBOX_DEFAULT_CAPACITY, MSGBOX_DEFAULT_MSG_SIZE);

	/* A name left by a run that crashed: remove it, if there is one. */
	ret = msgbox_unlink(NAME);
	if (ret < 0 && ret != -ENOENT)
		return fail("msgbox_unlink", ret);

	fd = msgbox_create(NAME, &attr, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail("msgbox_create", fd);
	ret = msgbox_stat(fd, &st);
	if (ret < 0)
		return fail("msgbox_stat", ret);
	printf("  created \"%s\": %u messages of %u bytes at most\n", NAME,
	       st.capacity, st.max_msg_size);

	ret = msgbox_send(fd, "hello, world", 13, 1);
	if (ret < 0)
		return fail("msgbox_send", ret);
	ret = msgbox_recv(fd, buf, sizeof(buf), &prio);
	if (ret < 0)
		return fail("msgbox_recv", ret);
	printf("  received %d bytes at priority %u: \"%s\"\n", ret, prio, buf);

	/* One byte over the mailbox's largest message. */
	memset(big, 'x', sizeof(big));
	ret = msgbox_send(fd, big, sizeof(big), 0);
	printf("  a %zu-byte send: %s\n", sizeof(big),
	       ret == -EMSGSIZE ? "EMSGSIZE, as expected" : "unexpected");
	if (ret != -EMSGSIZE)
		return fail("msgbox_send of a large message", ret ? ret : -EPROTO);

	/* Clean up: the name first, then the last descriptor. */
	ret = msgbox_unlink(NAME);
	if (ret < 0)
		return fail("msgbox_unlink", ret);
	ret = msgbox_open(NAME, O_RDWR, NULL);
	printf("  after msgbox_unlink() an open says: %s\n",
	       ret == -ENOENT ? "ENOENT" : "unexpected");
	if (ret != -ENOENT)
		return fail("msgbox_open after unlink", ret < 0 ? ret : -EEXIST);
	ret = msgbox_send(fd, "still here", 11, 0);
	if (ret < 0)
		return fail("msgbox_send after unlink", ret);
	printf("  the open descriptor still works until it is closed\n");
	ret = msgbox_close(fd);
	if (ret < 0)
		return fail("msgbox_close", ret);
	printf("msgbox-hello: done\n");
	return 0;
}
