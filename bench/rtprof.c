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
#include "bench.h"

#define RT_SIZE		64
#define RT_MQ_REQ	"/msgbox-rtprof-req"
#define RT_MQ_REP	"/msgbox-rtprof-rep"
#define RT_MB_REQ	"msgbox-rtprof-req"
#define RT_MB_REP	"msgbox-rtprof-rep"

/* The mechanisms, by the names on the command line. */
enum rt_mech { RT_MQ, RT_MSGBOX, RT_CALL, RT_CALL_SR, NRT };

static const char *const rt_names[NRT] = {
	[RT_MQ] = "mq", [RT_MSGBOX] = "msgbox", [RT_CALL] = "call",
	[RT_CALL_SR] = "call-sr",
};

/* The mechanism of this run, parsed once: nothing compares in the loop. */
static enum rt_mech mech;

static void fail(const char *what, int err)
{
	fprintf(stderr, "msgbox-rtprof: %s: %s: %s\n", rt_names[mech], what,
		strerror(err));
	exit(1);
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

	if (mech == RT_MQ) {
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
	if (mech != RT_MSGBOX)
		return;
	rt->mb_rep = msgbox_create(RT_MB_REP, &mba, O_RDWR | O_CLOEXEC);
	if (rt->mb_rep < 0)
		fail("msgbox_create", -rt->mb_rep);
}

static void rt_teardown(void)
{
	if (mech == RT_MQ) {
		mq_unlink(RT_MQ_REQ);
		mq_unlink(RT_MQ_REP);
		return;
	}
	msgbox_destroy(RT_MB_REQ);
	if (mech == RT_MSGBOX)
		msgbox_destroy(RT_MB_REP);
}

/* The server: answers every request with its own bytes, until killed. */
static void serve(const struct rt *rt)
{
	struct msgbox_held_info info;
	char buf[RT_SIZE];
	ssize_t n;
	int err, r;

	if (mech == RT_MQ) {
		for (;;) {
			n = mq_receive(rt->mq_req, buf, sizeof(buf), NULL);
			if (n < 0)
				fail("server: mq_receive", errno);
			if (mq_send(rt->mq_rep, buf, (size_t)n, 0))
				fail("server: mq_send", errno);
		}
	}
	if (mech == RT_MSGBOX) {
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
		if (mech == RT_CALL_SR) {
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

	if (mech == RT_MQ) {
		if (mq_send(rt->mq_req, buf, RT_SIZE, 0))
			fail("mq_send", errno);
		n = mq_receive(rt->mq_rep, buf, RT_SIZE, NULL);
		if (n != RT_SIZE)
			fail("mq_receive", n < 0 ? errno : EMSGSIZE);
		return;
	}
	if (mech == RT_MSGBOX) {
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
	ssize_t r;

	(void)sig;
	/* Exit 1 whether or not the message could be written. */
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
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
	int r;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: msgbox-rtprof mq|msgbox|call|call-sr ROUND_TRIPS\n");
		return 2;
	}
	for (mech = 0; mech < NRT && strcmp(argv[1], rt_names[mech]); mech++)
		;
	if (mech == NRT) {
		fprintf(stderr, "msgbox-rtprof: unknown mechanism %s\n", argv[1]);
		return 2;
	}
	r = pin_cpu(0);
	if (r)
		fail("sched_setaffinity", -r);
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
	t0 = now();
	for (i = 0; i < n; i++)
		round_trip(&rt, buf);
	t1 = now();
	printf("rtprof mech=%s us_per_rt=%.2f client_switches=%.2f server_switches=%.2f\n",
	       rt_names[mech], (t1 - t0) / n * 1e6, (double)(switches(getpid()) - cli0) / n,
	       (double)(switches(pid) - srv0) / n);
	signal(SIGCHLD, SIG_DFL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	rt_teardown();
	return 0;
}
