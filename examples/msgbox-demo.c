// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * msgbox-demo - a guided tour of msgbox, checking itself as it goes.
 *
 * The parent creates two named mailboxes, "orders" (small, so that senders
 * block) and "done", and registers its own port. Three producers send
 * numbered orders with priorities to "orders"; with no consumer yet the
 * mailbox fills up and all three block. Two consumers then take the orders,
 * print each with the sender's PID as stamped by the kernel, and acknowledge
 * it on "done". The parent checks that every order was received exactly once
 * and by whom, destroys "orders" under the consumers blocked on it (they wake
 * with EIDRM and report to the parent's port by PID), shows a rendezvous
 * (a mailbox of capacity 0, where a send completes only when a receiver
 * took the message) and a symmetric receive (taking only one named
 * sender's messages from the port), shows EAGAIN on an empty O_NONBLOCK
 * mailbox, and removes what is left.
 *
 * Exit status 0 only when every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msgbox.h"

#define NR_PRODUCERS	3
#define NR_CONSUMERS	2
#define NR_ORDERS	4	/* per producer */
#define NR_TOTAL	(NR_PRODUCERS * NR_ORDERS)
#define ORDERS_CAP	3	/* below NR_ORDERS: every producer must block */
#define WAIT_SEC	30	/* generous: the VM may be emulated */
#define NR_CHECKS	16	/* checks on the path where all goes well */

struct order {
	uint32_t producer;
	uint32_t seq;
	int32_t pid;		/* the producer's own idea of its PID */
	char text[20];
};

struct ack {
	uint32_t producer;
	uint32_t seq;
	uint32_t consumer;
	int32_t sender_pid;	/* as stamped by the kernel on the order */
};

struct report {
	uint32_t consumer;
	uint32_t handled;
};

static pid_t parent_pid;
static pid_t producers[NR_PRODUCERS];
static pid_t consumers[NR_CONSUMERS];
static int producers_reaped[NR_PRODUCERS];
static int consumers_reaped[NR_CONSUMERS];
static int checks, failed;

static const char *errname(int err)
{
	switch (err < 0 ? -err : err) {
	case EAGAIN:	return "EAGAIN";
	case EIDRM:	return "EIDRM";
	case ENOENT:	return "ENOENT";
	case EEXIST:	return "EEXIST";
	case ETIMEDOUT:	return "ETIMEDOUT";
	case EBADMSG:	return "EBADMSG";
	case EMSGSIZE:	return "EMSGSIZE";
	case ESRCH:	return "ESRCH";
	case EBUSY:	return "EBUSY";
	case EINVAL:	return "EINVAL";
	case EPERM:	return "EPERM";
	case EACCES:	return "EACCES";
	case ENODEV:	return "ENODEV";
	case ENXIO:	return "ENXIO";
	case ENOTTY:	return "ENOTTY";
	case EINTR:	return "EINTR";
	default:	return strerror(err < 0 ? -err : err);
	}
}

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failed++;
	printf("[%s] ", ok ? " ok " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void child_setup(void)
{
	/* Never outlive the parent, whatever goes wrong there. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent_pid)
		_exit(1);
}

static pid_t spawn(void (*fn)(unsigned int), unsigned int idx)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		child_setup();
		fn(idx);
		_exit(0);
	}
	return pid;
}

static void run_producer(unsigned int idx)
{
	struct msgbox_send_opts opts = { .flags = MSGBOX_SO_CSUM };
	struct order o;
	unsigned int seq;
	int fd, ret;

	fd = msgbox_open("orders", O_WRONLY, NULL);
	if (fd < 0) {
		printf("  producer %u: open \"orders\": %s\n", idx, errname(fd));
		_exit(1);
	}
	for (seq = 0; seq < NR_ORDERS; seq++) {
		memset(&o, 0, sizeof(o));
		o.producer = idx;
		o.seq = seq;
		o.pid = getpid();
		snprintf(o.text, sizeof(o.text), "P%u-order-%u", idx, seq);
		opts.prio = seq;
		ret = msgbox_sendx(fd, &o, sizeof(o), &opts, NULL);
		if (ret < 0) {
			printf("  producer %u: send: %s\n", idx, errname(ret));
			_exit(1);
		}
	}
	printf("  producer %u (pid %d) sent %u orders\n", idx, (int)getpid(),
	       NR_ORDERS);
	msgbox_close(fd);
	_exit(0);
}

static void run_consumer(unsigned int idx)
{
	struct msgbox_msg_info info;
	struct report rep = { .consumer = idx };
	struct order o;
	struct ack a;
	int in, out, dev, ret, bad = 0;

	in = msgbox_open("orders", O_RDONLY, NULL);
	out = msgbox_open("done", O_WRONLY, NULL);
	if (in < 0 || out < 0) {
		printf("  consumer %u: open: %s\n", idx, errname(in < 0 ? in : out));
		_exit(1);
	}

	for (;;) {
		ret = msgbox_recvx(in, &o, sizeof(o), NULL, &info);
		if (ret == -EIDRM) {
			printf("  consumer %u: woken by %s in msgbox_recv(): \"orders\" destroyed\n",
			       idx, errname(ret));
			break;
		}
		if (ret < 0) {
			printf("  consumer %u: receive: %s\n", idx, errname(ret));
			_exit(1);
		}
		if (ret != sizeof(o) || info.pid != o.pid || !info.has_csum) {
			printf("  consumer %u: bad message (len %d, pid %d/%d)\n",
			       idx, ret, (int)info.pid, (int)o.pid);
			bad = 1;
		}
		o.text[sizeof(o.text) - 1] = '\0';
		printf("  consumer %u got %-13s prio %u  from pid %d\n", idx,
		       o.text, info.prio, (int)info.pid);

		memset(&a, 0, sizeof(a));
		a.producer = o.producer;
		a.seq = o.seq;
		a.consumer = idx;
		a.sender_pid = info.pid;
		ret = msgbox_send(out, &a, sizeof(a), 0);
		if (ret < 0) {
			printf("  consumer %u: ack: %s\n", idx, errname(ret));
			_exit(1);
		}
		rep.handled++;
	}

	/* Direct addressing: an unbound descriptor and the parent's PID. */
	dev = msgbox_dev_open(O_WRONLY);
	ret = dev < 0 ? dev : msgbox_send_to(dev, parent_pid, &rep, sizeof(rep), 0);
	if (ret < 0) {
		printf("  consumer %u: send to port of %d: %s\n", idx,
		       (int)parent_pid, errname(ret));
		_exit(1);
	}
	_exit(bad);
}

/* Poll @fd's state until @pred holds or WAIT_SEC pass. */
static int wait_for(int fd, int (*pred)(const struct msgbox_stat_args *),
		    struct msgbox_stat_args *st)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int i, ret;

	for (i = 0; i < WAIT_SEC * 100; i++) {
		ret = msgbox_stat(fd, st);
		if (ret < 0)
			return ret;
		if (pred(st))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

/* A rendezvous sender: blocks in msgbox_send() until the parent took it. */
static void run_meeter(unsigned int idx)
{
	char text[64];
	int fd, ret;

	(void)idx;
	fd = msgbox_open("meet", O_WRONLY, NULL);
	if (fd < 0)
		_exit(1);
	snprintf(text, sizeof(text), "hello from pid %d", (int)getpid());
	ret = msgbox_send(fd, text, strlen(text) + 1, 0);
	printf("  pid %d: msgbox_send() on \"meet\" returned %d, after the receiver took it\n",
	       (int)getpid(), ret);
	_exit(ret ? 1 : 0);
}

/* Two messages to the parent's port, named by PID, tagged with @idx. */
static void run_port_sender(unsigned int idx)
{
	char text[16];
	int fd, i;

	fd = msgbox_dev_open(O_WRONLY);
	if (fd < 0)
		_exit(1);
	for (i = 1; i <= 2; i++) {
		snprintf(text, sizeof(text), "%c%d", 'A' + idx, i);
		if (msgbox_send_to(fd, parent_pid, text, strlen(text) + 1, 0))
			_exit(1);
	}
	_exit(0);
}

static int sender_waiting(const struct msgbox_stat_args *st)
{
	return st->waiting_senders == 1;
}

static int four_queued(const struct msgbox_stat_args *st)
{
	return st->msgs == 4;
}

/* Rendezvous on "meet": capacity 0 buffers nothing. */
static void show_rendezvous(void)
{
	struct msgbox_attr attr = { .capacity = 0, .max_msg_size = 64 };
	struct msgbox_msg_info info;
	struct msgbox_stat_args st;
	int meet, wfd, ret, status;
	char text[64];
	pid_t pid;

	printf("--- rendezvous: \"meet\" has capacity 0, a send waits for its receiver\n");
	msgbox_destroy("meet");
	meet = msgbox_create("meet", &attr, O_RDONLY | O_CLOEXEC);
	wfd = msgbox_open("meet", O_WRONLY | O_NONBLOCK | O_CLOEXEC, NULL);
	ret = meet < 0 ? meet : wfd < 0 ? wfd : msgbox_send(wfd, "x", 1, 0);
	check(ret == -EAGAIN, "O_NONBLOCK send with no receiver waiting: %s",
	      ret < 0 ? errname(ret) : "sent");
	if (meet < 0 || wfd < 0)
		goto out;

	pid = spawn(run_meeter, 0);
	ret = wait_for(meet, sender_waiting, &st);
	ret = ret ? ret : msgbox_recvx(meet, text, sizeof(text), NULL, &info);
	if (ret > 0)
		printf("  parent took \"%s\" from pid %d (id %llu)\n", text,
		       (int)info.pid, (unsigned long long)info.id);
	status = -1;
	waitpid(pid, &status, 0);
	check(ret > 0 && info.pid == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status),
	      "the sender's msgbox_send() completed only after the receive");
out:
	if (wfd >= 0)
		msgbox_close(wfd);
	if (meet >= 0)
		msgbox_close(meet);
	msgbox_destroy("meet");
}

/* Symmetric receive: take only B's messages from the port, then A's. */
static void show_symmetric(int port)
{
	struct msgbox_recv_opts from_b = { .flags = MSGBOX_RO_FROM_PID };
	struct msgbox_msg_info info;
	struct msgbox_stat_args st;
	char got[4][16];
	pid_t a, b;
	int i, ret = 0, status, ok = 1;

	printf("--- symmetric receive: children A and B send to pid %d by PID; take B's first\n",
	       (int)parent_pid);
	a = spawn(run_port_sender, 0);
	b = spawn(run_port_sender, 1);
	waitpid(a, &status, 0);
	ok &= WIFEXITED(status) && !WEXITSTATUS(status);
	waitpid(b, &status, 0);
	ok &= WIFEXITED(status) && !WEXITSTATUS(status);
	ok &= !wait_for(port, four_queued, &st);

	from_b.pid = b;
	for (i = 0; i < 4 && ok; i++) {
		ret = msgbox_recvx(port, got[i], sizeof(got[i]),
				   i < 2 ? &from_b : NULL, &info);
		if (ret < 0)
			break;
		printf("  %s receive: \"%s\" from pid %d uid %u (id %llu)\n",
		       i < 2 ? "from B only" : "from anyone", got[i],
		       (int)info.pid, (unsigned int)info.uid,
		       (unsigned long long)info.id);
	}
	check(ok && ret > 0 && !strcmp(got[0], "B1") && !strcmp(got[1], "B2"),
	      "receive from pid %d took B1, B2 and left A's queued", (int)b);
	check(ok && ret > 0 && !strcmp(got[2], "A1") && !strcmp(got[3], "A2"),
	      "then a receive from anyone took A1, A2, in order");
}

static int orders_full(const struct msgbox_stat_args *st)
{
	return st->msgs == ORDERS_CAP && st->waiting_senders == NR_PRODUCERS;
}

static int consumers_waiting(const struct msgbox_stat_args *st)
{
	return st->msgs == 0 && st->waiting_receivers == NR_CONSUMERS;
}

/* Wait for the children in @pids not reaped yet: 1 if all exited with 0. */
static int reap(const pid_t *pids, int *reaped, int n)
{
	int i, status, all_ok = 1;

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0 || reaped[i])
			continue;
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			all_ok = 0;
		reaped[i] = 1;
	}
	return all_ok;
}

static void kill_all(void)
{
	int i;

	for (i = 0; i < NR_PRODUCERS; i++)
		if (producers[i] > 0 && !producers_reaped[i])
			kill(producers[i], SIGKILL);
	for (i = 0; i < NR_CONSUMERS; i++)
		if (consumers[i] > 0 && !consumers_reaped[i])
			kill(consumers[i], SIGKILL);
	reap(producers, producers_reaped, NR_PRODUCERS);
	reap(consumers, consumers_reaped, NR_CONSUMERS);
}

static int collect_acks(int done)
{
	struct msgbox_recv_opts opts = {
		.flags = MSGBOX_RO_TIMEOUT,
		.timeout = { .tv_sec = WAIT_SEC },
	};
	int seen[NR_PRODUCERS][NR_ORDERS] = { { 0 } };
	int per_consumer[NR_CONSUMERS] = { 0 };
	struct msgbox_msg_info info;
	int i, ret, ok = 1, pid_ok = 1;
	struct ack a;

	for (i = 0; i < NR_TOTAL; i++) {
		ret = msgbox_recvx(done, &a, sizeof(a), &opts, &info);
		if (ret != sizeof(a) || a.producer >= NR_PRODUCERS ||
		    a.seq >= NR_ORDERS || a.consumer >= NR_CONSUMERS) {
			printf("       ack %d: %s\n", i + 1,
			       ret < 0 ? errname(ret) : "malformed");
			return 0;
		}
		seen[a.producer][a.seq]++;
		per_consumer[a.consumer]++;
		if (a.sender_pid != producers[a.producer] ||
		    info.pid != consumers[a.consumer])
			pid_ok = 0;
	}
	for (i = 0; i < NR_TOTAL; i++)
		if (seen[i / NR_ORDERS][i % NR_ORDERS] != 1)
			ok = 0;
	check(ok && pid_ok,
	      "%d acks on \"done\": each order received once (consumer 0: %d, 1: %d), PIDs %s",
	      NR_TOTAL, per_consumer[0], per_consumer[1], pid_ok ? "match" : "WRONG");
	return ok && pid_ok;
}

static void collect_reports(int port)
{
	struct msgbox_recv_opts opts = {
		.flags = MSGBOX_RO_TIMEOUT,
		.timeout = { .tv_sec = WAIT_SEC },
	};
	struct msgbox_msg_info info;
	struct report rep;
	unsigned int total = 0;
	int i, ret, ok = 1;

	for (i = 0; i < NR_CONSUMERS; i++) {
		ret = msgbox_recvx(port, &rep, sizeof(rep), &opts, &info);
		if (ret != sizeof(rep) || rep.consumer >= NR_CONSUMERS) {
			printf("       port: %s\n", ret < 0 ? errname(ret) : "malformed");
			ok = 0;
			break;
		}
		printf("       port of pid %d: consumer %u (pid %d) handled %u of the orders\n",
		       (int)parent_pid, rep.consumer, (int)info.pid, rep.handled);
		if (info.pid != consumers[rep.consumer])
			ok = 0;
		total += rep.handled;
	}
	check(ok && total == NR_TOTAL,
	      "msgbox_send_to() by PID reached the parent's port (%u orders in all)",
	      total);
}

int main(void)
{
	struct msgbox_attr orders_attr = {
		.capacity = ORDERS_CAP, .max_msg_size = sizeof(struct order),
	};
	struct msgbox_attr done_attr = {
		.capacity = 2 * NR_TOTAL, .max_msg_size = sizeof(struct ack),
	};
	struct msgbox_stat_args st;
	int orders, done, port, fd, ret;
	unsigned int i;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parent_pid = getpid();
	/* A last resort; the children die with the parent. */
	alarm(5 * WAIT_SEC);

	printf("msgbox-demo: libmsgbox %s, parent pid %d\n", msgbox_version(),
	       (int)parent_pid);
	fd = msgbox_dev_open(O_RDWR);
	if (fd < 0) {
		printf("[FAIL] cannot open %s: %s (is msgbox.ko loaded?)\n",
		       MSGBOX_DEVICE, errname(fd));
		return 1;
	}
	msgbox_close(fd);

	/*
	 * Left over from an earlier run that was killed? Remove the names
	 * only, as mq_unlink() would: anyone who still has those mailboxes
	 * open keeps them until they close them.
	 */
	msgbox_unlink("orders");
	msgbox_unlink("done");

	orders = msgbox_create("orders", &orders_attr, O_RDONLY | O_CLOEXEC);
	done = msgbox_create("done", &done_attr, O_RDONLY | O_CLOEXEC);
	port = msgbox_port(NULL, O_CLOEXEC);
	check(orders >= 0 && done >= 0 && port >= 0,
	      "created \"orders\" (capacity %d), \"done\" (capacity %d), port of pid %d",
	      ORDERS_CAP, 2 * NR_TOTAL, (int)parent_pid);
	if (orders < 0 || done < 0 || port < 0) {
		printf("       errors: %s, %s, %s\n", errname(orders), errname(done),
		       errname(port));
		goto out;
	}

	printf("--- %d producers send %d orders each, priorities 0-%d, no consumer yet\n",
	       NR_PRODUCERS, NR_ORDERS, NR_ORDERS - 1);
	for (i = 0; i < NR_PRODUCERS; i++)
		producers[i] = spawn(run_producer, i);
	ret = wait_for(orders, orders_full, &st);
	check(!ret, "\"orders\" full: %u/%u queued, %u producers blocked in msgbox_send()",
	      st.msgs, st.capacity, st.waiting_senders);
	if (ret)
		goto out;

	printf("--- %d consumers start; highest priority first, sender PID from the kernel\n",
	       NR_CONSUMERS);
	for (i = 0; i < NR_CONSUMERS; i++)
		consumers[i] = spawn(run_consumer, i);
	if (!collect_acks(done))
		goto out;
	check(reap(producers, producers_reaped, NR_PRODUCERS),
	      "all producers finished their sends");

	printf("--- destroy \"orders\" while the consumers wait on it\n");
	ret = wait_for(orders, consumers_waiting, &st);
	check(!ret, "\"orders\" empty, %u consumers blocked in msgbox_recv()",
	      st.waiting_receivers);
	if (ret)
		goto out;
	ret = msgbox_destroy("orders");
	check(!ret, "msgbox_destroy(\"orders\") = %d", ret);
	check(reap(consumers, consumers_reaped, NR_CONSUMERS),
	      "both consumers woke with EIDRM and exited cleanly");
	collect_reports(port);

	show_rendezvous();
	show_symmetric(port);

	printf("--- more checks\n");
	fd = msgbox_open("done", O_RDONLY | O_NONBLOCK, NULL);
	ret = fd < 0 ? fd : msgbox_recv(fd, &c, sizeof(c), NULL);
	check(ret == -EAGAIN, "O_NONBLOCK receive on empty \"done\": %s",
	      ret < 0 ? errname(ret) : "got a message");
	if (fd >= 0)
		msgbox_close(fd);
	fd = msgbox_open("orders", O_RDONLY, NULL);
	check(fd == -ENOENT, "open of destroyed \"orders\": %s",
	      fd < 0 ? errname(fd) : "still there");
	if (fd >= 0)
		msgbox_close(fd);
	ret = msgbox_recv(orders, &c, sizeof(c), NULL);
	check(ret == -EIDRM, "old descriptor of \"orders\": %s", errname(ret));

out:
	kill_all();
	if (orders >= 0)
		msgbox_close(orders);
	if (done >= 0) {
		msgbox_close(done);
		ret = msgbox_destroy("done");
		check(!ret, "msgbox_destroy(\"done\") = %d", ret);
	}
	if (port >= 0)
		msgbox_close(port);
	msgbox_destroy("orders");

	ret = !failed && checks == NR_CHECKS;
	printf("msgbox-demo: %s (%d/%d checks passed)\n", ret ? "PASS" : "FAIL",
	       checks - failed, NR_CHECKS);
	return ret ? 0 : 1;
}
