// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-rtprof: 64 B request/reply round trips with client and server on
 * CPU 0, for bench/profile.sh to run under perf. One mechanism per run:
 *
 *   mq       a POSIX mq request queue and a reply queue
 *   msgbox   msgbox_send() and msgbox_recv() on two mailboxes
 *   call     msgbox_call(); the server takes it with msgbox_recv_held()
 *            and answers with msgbox_reply()
 *   call-sr  msgbox_call(); the server answers each call and takes the
 *            next with msgbox_reply_recv()
 *
 * Usage: msgbox-rtprof MECH ROUND_TRIPS
 *
 * It prints one line, "rtprof mech=M us_per_rt=T client_switches=C
 * server_switches=S", the last two per round trip (voluntary plus
 * involuntary context switches of each process). Any failure is reported
 * and the exit status is 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msgbox.h"

#define RT_SIZE		64
#define RT_MQ_REQ	"/msgbox-rtprof-req"
#define RT_MQ_REP	"/msgbox-rtprof-rep"
#define RT_MB_REQ	"msgbox-rtprof-req"
#define RT_MB_REP	"msgbox-rtprof-rep"

static const char *mech;

static void fail(const char *what, int err)
{
	fprintf(stderr, "msgbox-rtprof: %s: %s: %s\n", mech, what,
		strerror(err));
	exit(1);
}

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity", errno);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Both queues of a mechanism: mq descriptors or msgbox descriptors. */
struct rt {
	mqd_t mq_req, mq_rep;
	int mb_req, mb_rep;
};

static void rt_setup(struct rt *rt)
{
	struct mq_attr mqa = { .mq_maxmsg = 8, .mq_msgsize = RT_SIZE };
	struct msgbox_attr mba = {
		.capacity = 8, .max_msg_size = RT_SIZE, .mode = 0600,
	};

	if (!strcmp(mech, "mq")) {
		mq_unlink(RT_MQ_REQ);
		mq_unlink(RT_MQ_REP);
		rt->mq_req = mq_open(RT_MQ_REQ, O_RDWR | O_CREAT | O_EXCL, 0600,
				     &mqa);
		if (rt->mq_req == (mqd_t)-1)
			fail("mq_open", errno);
		rt->mq_rep = mq_open(RT_MQ_REP, O_RDWR | O_CREAT | O_EXCL, 0600,
				     &mqa);
		if (rt->mq_rep == (mqd_t)-1)
			fail("mq_open", errno);
		return;
	}
	msgbox_destroy(RT_MB_REQ);
	msgbox_destroy(RT_MB_REP);
	rt->mb_req = msgbox_create(RT_MB_REQ, &mba, O_RDWR | O_CLOEXEC);
	if (rt->mb_req < 0)
		fail("msgbox_create", -rt->mb_req);
	if (strcmp(mech, "msgbox"))
		return;
	rt->mb_rep = msgbox_create(RT_MB_REP, &mba, O_RDWR | O_CLOEXEC);
	if (rt->mb_rep < 0)
		fail("msgbox_create", -rt->mb_rep);
}

static void rt_teardown(void)
{
	if (!strcmp(mech, "mq")) {
		mq_unlink(RT_MQ_REQ);
		mq_unlink(RT_MQ_REP);
		return;
	}
	msgbox_destroy(RT_MB_REQ);
	if (!strcmp(mech, "msgbox"))
		msgbox_destroy(RT_MB_REP);
}

/* The server: answers every request with its own bytes, until killed. */
static void serve(const struct rt *rt)
{
	struct msgbox_held_info info;
	char buf[RT_SIZE];
	ssize_t n;
	int err, r;

	if (!strcmp(mech, "mq")) {
		for (;;) {
			n = mq_receive(rt->mq_req, buf, sizeof(buf), NULL);
			if (n < 0)
				fail("server: mq_receive", errno);
			if (mq_send(rt->mq_rep, buf, (size_t)n, 0))
				fail("server: mq_send", errno);
		}
	}
	if (!strcmp(mech, "msgbox")) {
		for (;;) {
			r = msgbox_recv(rt->mb_req, buf, sizeof(buf), NULL);
			if (r < 0)
				fail("server: msgbox_recv", -r);
			r = msgbox_send(rt->mb_rep, buf, (size_t)r, 0);
			if (r < 0)
				fail("server: msgbox_send", -r);
		}
	}
	r = msgbox_recv_held(rt->mb_req, buf, sizeof(buf), NULL, &info);
	for (;;) {
		if (r < 0)
			fail("server: receive", -r);
		if (!strcmp(mech, "call-sr")) {
			r = msgbox_reply_recv(rt->mb_req, info.msg.id, buf,
					      (size_t)r, &err, buf, sizeof(buf),
					      NULL, &info);
			if (err)
				fail("server: msgbox_reply_recv", -err);
			continue;
		}
		err = msgbox_reply(rt->mb_req, info.msg.id, buf, (size_t)r);
		if (err)
			fail("server: msgbox_reply", -err);
		r = msgbox_recv_held(rt->mb_req, buf, sizeof(buf), NULL, &info);
	}
}

/* One round trip from the client's side. */
static void round_trip(const struct rt *rt, char *buf)
{
	ssize_t n;
	int r;

	if (!strcmp(mech, "mq")) {
		if (mq_send(rt->mq_req, buf, RT_SIZE, 0))
			fail("mq_send", errno);
		n = mq_receive(rt->mq_rep, buf, RT_SIZE, NULL);
		if (n != RT_SIZE)
			fail("mq_receive", n < 0 ? errno : EMSGSIZE);
		return;
	}
	if (!strcmp(mech, "msgbox")) {
		r = msgbox_send(rt->mb_req, buf, RT_SIZE, 0);
		if (r < 0)
			fail("msgbox_send", -r);
		r = msgbox_recv(rt->mb_rep, buf, RT_SIZE, NULL);
		if (r != RT_SIZE)
			fail("msgbox_recv", r < 0 ? -r : EMSGSIZE);
		return;
	}
	r = msgbox_call(rt->mb_req, buf, RT_SIZE, buf, RT_SIZE, NULL, NULL);
	if (r != RT_SIZE)
		fail("msgbox_call", r < 0 ? -r : EMSGSIZE);
}

/* A server that fails says why and exits: so does the client, at once. */
static void server_died(int sig)
{
	static const char msg[] = "msgbox-rtprof: the server exited\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Voluntary plus involuntary context switches of @pid so far. */
static long switches(pid_t pid)
{
	char path[64], line[128];
	long v, total = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		fail("/proc/PID/status", errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			total += v;
	fclose(f);
	return total;
}

int main(int argc, char **argv)
{
	char buf[RT_SIZE] = "msgbox-rtprof";
	long i, n, cli0, srv0;
	double t0, t1;
	struct rt rt = { 0 };
	pid_t pid;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: msgbox-rtprof mq|msgbox|call|call-sr ROUND_TRIPS\n");
		return 2;
	}
	mech = argv[1];
	if (strcmp(mech, "mq") && strcmp(mech, "msgbox") &&
	    strcmp(mech, "call") && strcmp(mech, "call-sr")) {
		fprintf(stderr, "msgbox-rtprof: unknown mechanism %s\n", mech);
		return 2;
	}
	pin_cpu0();
	rt_setup(&rt);
	signal(SIGCHLD, server_died);
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (!pid)
		serve(&rt);
	/* A first round trip starts the server before anything is counted. */
	round_trip(&rt, buf);
	cli0 = switches(getpid());
	srv0 = switches(pid);
	t0 = now_us();
	for (i = 0; i < n; i++)
		round_trip(&rt, buf);
	t1 = now_us();
	printf("rtprof mech=%s us_per_rt=%.2f client_switches=%.2f server_switches=%.2f\n",
	       mech, (t1 - t0) / n, (double)(switches(getpid()) - cli0) / n,
	       (double)(switches(pid) - srv0) / n);
	signal(SIGCHLD, SIG_DFL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	rt_teardown();
	return 0;
}
