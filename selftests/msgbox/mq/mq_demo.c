// SPDX-License-Identifier: GPL-2.0
/*
 * mq_demo - an ordinary POSIX message queue program: <mqueue.h> and
 * nothing of msgbox. Built against libmsgbox-mq.a, or against glibc (-lrt)
 * and run with LD_PRELOAD=libmsgbox-mq.so, it runs on msgbox; built
 * against glibc alone it runs on the kernel's POSIX queues.
 *
 * Two rounds, each with a forked producer that sends NR_MSGS messages of
 * mixed priorities to the empty queue while the consumer waits for the
 * arrival notification: by signal (SIGEV_SIGNAL, checking si_code and the
 * producer's PID) in the first round, by thread (SIGEV_THREAD) in the
 * second. Once the producer has finished, the consumer receives everything
 * and checks it came highest priority first and in sending order within a
 * priority.
 *
 * Usage: mq_demo [-k] [/NAME]     run (default /mq-demo); -k keeps the queue
 *        mq_demo -u /NAME         only remove the queue
 *
 * Exit status 0 only when every message arrived, in order, and both
 * notifications fired.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_MSGS		10	/* Linux's msg_max for unprivileged callers */
#define MSG_SIZE	128
#define WAIT_SEC	30	/* generous: the machine may be emulated */

struct msg {
	unsigned int seq;
	unsigned int prio;
	char text[32];
};

static const char *qname = "/mq-demo";
static int failures;

static void check(int ok, const char *what)
{
	printf("mq_demo: %-52s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failures++;
}

/* Priority of message @seq: a mix with repeats, none in sending order. */
static unsigned int prio_of(unsigned int seq)
{
	return (seq * 7 + 3) % 5 * 100;
}

static void producer(void)
{
	struct msg m;
	unsigned int i;
	mqd_t q;

	alarm(WAIT_SEC);
	q = mq_open(qname, O_WRONLY);
	if (q == (mqd_t)-1) {
		perror("mq_demo: producer: mq_open");
		_exit(1);
	}
	for (i = 0; i < NR_MSGS; i++) {
		memset(&m, 0, sizeof(m));
		m.seq = i;
		m.prio = prio_of(i);
		snprintf(m.text, sizeof(m.text), "message %u", i);
		if (mq_send(q, (const char *)&m, sizeof(m), m.prio)) {
			perror("mq_demo: producer: mq_send");
			_exit(1);
		}
	}
	mq_close(q);
	_exit(0);
}

static pid_t start_producer(void)
{
	pid_t pid = fork();

	if (pid == 0)
		producer();
	if (pid < 0)
		perror("mq_demo: fork");
	return pid;
}

static int wait_producer(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Receive all NR_MSGS; 1 when they came in priority order. */
static int consume(mqd_t q)
{
	unsigned int prio, last_prio = ~0U, last_seq = 0, n;
	char buf[MSG_SIZE];
	struct timespec ts;
	struct mq_attr a;
	struct msg m;
	ssize_t len;

	for (n = 0; n < NR_MSGS; n++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += WAIT_SEC;
		len = mq_timedreceive(q, buf, sizeof(buf), &prio, &ts);
		if (len != (ssize_t)sizeof(m)) {
			perror("mq_demo: mq_timedreceive");
			return 0;
		}
		memcpy(&m, buf, sizeof(m));
		printf("mq_demo:   prio %3u  %s\n", prio, m.text);
		if (prio != m.prio || prio > last_prio ||
		    (prio == last_prio && m.seq <= last_seq))
			return 0;
		last_prio = prio;
		last_seq = m.seq;
	}
	return !mq_getattr(q, &a) && a.mq_curmsgs == 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int thread_fired;

static void on_arrival(union sigval v)
{
	pthread_mutex_lock(&lock);
	thread_fired = v.sival_int;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

static void round_signal(mqd_t q)
{
	struct sigevent sev;
	struct timespec ts = { .tv_sec = WAIT_SEC };
	siginfo_t si;
	sigset_t set;
	pid_t pid;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 1;
	check(mq_notify(q, &sev) == 0, "round 1: mq_notify(SIGEV_SIGNAL)");

	pid = start_producer();
	if (pid < 0) {
		failures++;
		return;
	}
	sig = sigtimedwait(&set, &si, &ts);
	check(sig == SIGUSR1 && si.si_code == SI_MESGQ && si.si_pid == pid &&
	      si.si_value.sival_int == 1,
	      "round 1: SIGUSR1 from the producer, SI_MESGQ");
	check(wait_producer(pid), "round 1: producer sent all messages");
	check(consume(q), "round 1: all received in priority order");
}

static void round_thread(mqd_t q)
{
	struct sigevent sev;
	struct timespec ts;
	pid_t pid;
	int fired;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = on_arrival;
	sev.sigev_value.sival_int = 2;
	check(mq_notify(q, &sev) == 0, "round 2: mq_notify(SIGEV_THREAD)");

	pid = start_producer();
	if (pid < 0) {
		failures++;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_SEC;
	pthread_mutex_lock(&lock);
	while (!thread_fired)
		if (pthread_cond_timedwait(&cond, &lock, &ts))
			break;
	fired = thread_fired;
	pthread_mutex_unlock(&lock);
	check(fired == 2, "round 2: notification thread called");
	check(wait_producer(pid), "round 2: producer sent all messages");
	check(consume(q), "round 2: all received in priority order");
}

int main(int argc, char **argv)
{
	struct mq_attr attr = { .mq_maxmsg = NR_MSGS, .mq_msgsize = MSG_SIZE };
	int opt, keep = 0, unlink_only = 0;
	mqd_t q;

	while ((opt = getopt(argc, argv, "ku")) != -1) {
		switch (opt) {
		case 'k':
			keep = 1;
			break;
		case 'u':
			unlink_only = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-k] [/NAME] | -u /NAME\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		qname = argv[optind];

	if (unlink_only) {
		if (mq_unlink(qname)) {
			fprintf(stderr, "mq_demo: mq_unlink %s: %s\n", qname,
				strerror(errno));
			return 1;
		}
		return 0;
	}

	mq_unlink(qname);
	q = mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1) {
		fprintf(stderr, "mq_demo: mq_open %s: %s\n", qname, strerror(errno));
		return 1;
	}

	round_signal(q);
	round_thread(q);

	mq_close(q);
	if (!keep)
		mq_unlink(qname);
	printf("mq_demo: %s: %d messages x 2 rounds, %s\n", qname, NR_MSGS,
	       failures ? "FAILED" : "all in priority order, both notifications fired");
	return failures ? 1 : 0;
}
