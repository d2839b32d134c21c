// SPDX-License-Identifier: GPL-2.0
/*
 * libmsgbox-mq conformance: mq_notify() with SIGEV_SIGNAL and SIGEV_NONE:
 * delivery, one shot, busy, removal, and the cases Linux documents.
 */
#include "mq_fixture.h"

TEST_F(mq, notify_signal)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;
	pid_t child;

	mqt_block_signal(SIGUSR1);
	sev.sigev_value.sival_int = 4242;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	child = send_from_child(self->name, "n", 0);
	ASSERT_EQ(0, mqt_wait_child(child));

	ASSERT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(4242, si.si_value.sival_int);
	EXPECT_EQ(child, si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);
}

TEST_F(mq, notify_signal_pointer_value)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	static int cookie;
	siginfo_t si;

	mqt_block_signal(SIGRTMIN);
	sev.sigev_value.sival_ptr = &cookie;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "p", 1, 0));
	ASSERT_EQ(SIGRTMIN, mqt_wait_signal(SIGRTMIN, &si, MQT_WAIT_MS));
	EXPECT_EQ(&cookie, si.si_value.sival_ptr);
	EXPECT_EQ(getpid(), si.si_pid);
}

struct sig_waiter {
	pid_t tid;
	int sig;
	siginfo_t si;
	int started;	/* __atomic */
};

static void *sig_waiter_main(void *arg)
{
	struct sig_waiter *w = arg;

	w->tid = mqt_gettid();
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	w->sig = mqt_wait_signal(SIGUSR1, &w->si, MQT_WAIT_MS);
	return NULL;
}

/*
 * The notification is a signal to the process, not to one thread: a
 * thread waiting in sigtimedwait() gets it while every thread blocks it.
 */
TEST_F(mq, notify_signal_process_directed)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct sig_waiter w = { 0 };
	siginfo_t si;
	pthread_t t;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, pthread_create(&t, NULL, sig_waiter_main, &w));
	while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_EQ(0, mqt_wait_blocked(w.tid, SYS_rt_sigtimedwait));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(SIGUSR1, w.sig)
		TH_LOG("the waiting thread got no signal (sent to one thread only?)");
	if (w.sig != SIGUSR1)	/* then it is pending on the main thread */
		mqt_wait_signal(SIGUSR1, &si, 0);
}

TEST_F(mq, notify_one_shot)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	char buf[Q_MSGSIZE];
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));

	/* The registration is gone: no signal for the next empty->non-empty. */
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	/* And anyone may register again. */
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

TEST_F(mq, notify_busy)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* Even the registered process itself gets EBUSY. */
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_NONE));
}

TEST_F(mq, notify_null_removes)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	/* Not registered: still 0. */
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* mq_notify(NULL) by another process leaves the registration alone. */
TEST_F(mq, notify_null_other_process)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	siginfo_t si;
	pid_t pid;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	pid = fork();
	if (pid == 0) {
		alarm(MQT_CHILD_ALARM);
		_exit(mq_notify(self->q, NULL) ? 1 : 0);
	}
	EXPECT_EQ(0, mqt_wait_child(pid));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

/* Only an arrival on an empty queue notifies. */
TEST_F(mq, notify_nonempty_queue)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	char buf[Q_MSGSIZE];
	siginfo_t si;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mq_send(self->q, "3", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

/*
 * A receiver blocked in mq_receive() takes the message instead, and the
 * registration stays in effect.
 */
TEST_F(mq, notify_blocked_receiver)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct blocker b;
	siginfo_t si;
	pthread_t t;

	mqt_block_signal(SIGUSR1);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	ASSERT_EQ(0, start_blocked(&b, self->q, receiver_main, MQT_SYS_RECV, &t));
	ASSERT_EQ(0, mq_send(self->q, "r", 1, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(1, b.ret);
	EXPECT_EQ(-1, mqt_wait_signal(SIGUSR1, &si, MQT_QUIET_MS));

	ASSERT_EQ(0, mq_send(self->q, "s", 1, 0));
	EXPECT_EQ(SIGUSR1, mqt_wait_signal(SIGUSR1, &si, MQT_WAIT_MS));
}

TEST_F(mq, notify_none)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, notify_from_child(self->name, SIGEV_SIGNAL));
	/* The arrival ends the registration, silently. */
	ASSERT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

TEST_F(mq, notify_invalid)
{
	struct sigevent sev = { .sigev_notify = 99 };

	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	/* Checked before the descriptor. */
	EXPECT_EQ(-1, mq_notify(-1, &sev));
	EXPECT_EQ(EINVAL, errno);

	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 65;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	sev.sigev_signo = -1;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing got registered. */
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* Closing a descriptor of the queue ends the closer's registration. */
TEST_F(mq, notify_close_removes)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	mqd_t q2;

	mqt_block_signal(SIGUSR1);
	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(q2, &sev));
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_EQ(0, notify_from_child(self->name, SIGEV_SIGNAL));
}

/* Even a close of another descriptor of the same queue, as on Linux. */
TEST_F(mq, notify_close_other_descriptor)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	mqd_t q2;

	mqt_block_signal(SIGUSR1);
	q2 = mq_open(self->name, O_RDONLY);
	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_close(q2));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
}

/* SIGEV_THREAD: what the callback saw. */

TEST_HARNESS_MAIN
