// SPDX-License-Identifier: GPL-2.0
/*
 * net_call: the calls of the bridge tests.
 *
 * usage: net_call call MAILBOX TEXT TIMEOUT_MS
 *        net_call serve MAILBOX echo|hold COUNT
 *        net_call unlink NAME
 *
 * call: call MAILBOX with TEXT and a deadline TIMEOUT_MS from now. Prints
 *   "reply from=HOST/PID/USER body=BODY after MS ms" when it is answered,
 *   HOST, PID and USER read from the envelope line the bridge puts before
 *   the reply ("from=-" without one), or "error NAME after MS ms". Exit
 *   status 0 either way, the line says how it went; 1 when the mailbox
 *   cannot be opened.
 * serve: prints "serving PID", then receives COUNT calls (1 to 10000) from
 *   MAILBOX, and for each prints
 *   "call ID from=HOST/PID/USER body=BODY" and, in mode
 *     echo   replies "echo BODY by PID"
 *     hold   never replies: keeps the call held and sleeps until killed
 * unlink: removes the mailbox NAME; prints "unlinked NAME" or the error.
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgbox.h>

#define BUF_SIZE 8192

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Split @buf of @len bytes (NUL-terminated) into the sender named by an
 * envelope line, if any, and the body after it.
 */
static const char *split(char *buf, int len, char *from, size_t size)
{
	char host[64], user[64] = "-", *nl, *u;
	int pid;

	snprintf(from, size, "-");
	if (len <= 0 || strncmp(buf, "msgbox-from ", 12))
		return buf;
	nl = strchr(buf, '\n');
	if (!nl || sscanf(buf, "msgbox-from host=%63s pid=%d", host, &pid) != 2)
		return buf;
	*nl = '\0';
	u = strstr(buf, " user=");
	if (u)
		sscanf(u, " user=%63s", user);
	snprintf(from, size, "%s/%d/%s", host, pid, user);
	return nl + 1;
}

static int do_call(const char *name, const char *text, int timeout_ms)
{
	struct msgbox_call_opts co = { .flags = MSGBOX_CO_TIMEOUT };
	char buf[BUF_SIZE + 1], from[160];
	const char *body;
	long long start;
	int fd, n;

	fd = msgbox_open(name, O_WRONLY, NULL);
	if (fd < 0) {
		fprintf(stderr, "net_call: open %s: %s\n", name, strerror(-fd));
		return 1;
	}
	co.timeout.tv_sec = timeout_ms / 1000;
	co.timeout.tv_nsec = (timeout_ms % 1000) * 1000000L;
	start = now_ms();
	n = msgbox_call(fd, text, strlen(text), buf, BUF_SIZE, &co, NULL);
	if (n < 0) {
		printf("error %s after %lld ms\n", strerrorname_np(-n),
		       now_ms() - start);
		return 0;
	}
	buf[n] = '\0';
	body = split(buf, n, from, sizeof(from));
	printf("reply from=%s body=%s after %lld ms\n", from, body,
	       now_ms() - start);
	return 0;
}

static int do_serve(const char *name, const char *mode, int count)
{
	char buf[BUF_SIZE + 1], from[160], reply[BUF_SIZE + 64];
	struct msgbox_held_info info;
	const char *body;
	int fd, n, ret, i;

	fd = msgbox_open(name, O_RDONLY, NULL);
	if (fd < 0) {
		fprintf(stderr, "net_call: open %s: %s\n", name, strerror(-fd));
		return 1;
	}
	printf("serving %d\n", (int)getpid());
	for (i = 0; i < count; i++) {
		n = msgbox_recv_held(fd, buf, BUF_SIZE, NULL, &info);
		if (n < 0) {
			fprintf(stderr, "net_call: receive: %s\n", strerror(-n));
			return 1;
		}
		buf[n] = '\0';
		body = split(buf, n, from, sizeof(from));
		printf("call %llu from=%s body=%s%s\n",
		       (unsigned long long)info.msg.id, from, body,
		       info.call ? "" : " (no call)");
		if (!info.call) {
			msgbox_done(fd, info.msg.id);
			continue;
		}
		if (!strcmp(mode, "hold")) {
			for (;;)
				pause();
		}
		n = snprintf(reply, sizeof(reply), "echo %s by %d", body,
			     (int)getpid());
		ret = msgbox_reply(fd, info.msg.id, reply, n);
		if (ret)
			printf("reply %llu: %s\n", (unsigned long long)info.msg.id,
			       strerrorname_np(-ret));
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "call"))
		return do_call(argv[2], argv[3], atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "serve") &&
	    (!strcmp(argv[3], "echo") || !strcmp(argv[3], "hold")) &&
	    atoi(argv[4]) > 0 && atoi(argv[4]) <= 10000)
		return do_serve(argv[2], argv[3], atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "unlink")) {
		ret = msgbox_unlink(argv[2]);
		if (ret) {
			printf("unlink %s: %s\n", argv[2], strerrorname_np(-ret));
			return 1;
		}
		printf("unlinked %s\n", argv[2]);
		return 0;
	}
	fprintf(stderr, "usage: net_call call MAILBOX TEXT TIMEOUT_MS\n"
		"       net_call serve MAILBOX echo|hold COUNT\n"
		"       net_call unlink NAME\n");
	return 2;
}
