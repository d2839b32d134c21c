// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mq_notify() over MSGBOX_IOC_NOTIFY.
 *
 * SIGEV_SIGNAL and SIGEV_NONE map onto the module directly: the signal
 * number (0 for SIGEV_NONE, which only holds the registration) and
 * sigev_value go to the kernel, which sends the signal with si_code
 * SI_MESGQ when a message arrives on the empty mailbox and drops the
 * registration.
 *
 * SIGEV_THREAD has no kernel counterpart; a "watch" stands in for it:
 *  1. mq_notify() opens a file of its own on the mailbox (by the name
 *     mq_open() was given, checked to be the same mailbox; a duplicate of
 *     the descriptor when the name is unknown) and registers it with
 *     signal 0, which asks the module for EPOLLPRI on that file instead of
 *     a signal.
 *  2. A watcher thread, with every signal blocked, polls that file for
 *     POLLPRI and an eventfd for cancellation.
 *  3. On POLLPRI it starts a detached thread with the caller's
 *     sigev_notify_attributes (copied at registration; the signal mask is
 *     emptied unless the attributes set one, as glibc does) that calls
 *     sigev_notify_function(sigev_value), then closes its file and ends.
 *     POLLERR/POLLHUP (the mailbox was destroyed) ends it quietly.
 *  4. mq_notify(NULL) and mq_close() on the mailbox remove the kernel
 *     registration and cancel a watch that has not fired.
 *
 * Watches live on a list guarded by watch_lock. A watch is freed by its
 * watcher thread, after taking it off the list itself or finding it
 * cancelled (taken off by the canceller) under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "desc.h"
#include "mq_internal.h"
#include "names.h"
#include "notify.h"

/* The kernel's valid_signal(): 0 to _NSIG - 1, where _NSIG is 64 on Linux. */
#define MQ_SIG_MAX	64

/**
 * struct watch - a SIGEV_THREAD registration
 * @next: next on watch_list, guarded by watch_lock
 * @cancelled: set with @next cleared by a canceller, guarded by watch_lock
 * @fd: the file registered for EPOLLPRI, owned by the watch
 * @cancel_fd: eventfd the canceller writes to, owned by the watch
 * @orig_fd: the queue descriptor mq_notify() was given
 * @name: the mailbox name, or NULL when unknown
 * @fn: sigev_notify_function
 * @value: sigev_value
 * @attr: attributes of the notification thread
 *
 * Fields other than @next and @cancelled are set before the watch is
 * published and read-only afterwards.
 */
struct watch {
	struct watch *next;
	bool cancelled;

	int fd;
	int cancel_fd;
	int orig_fd;
	char *name;
	void (*fn)(union sigval value);
	union sigval value;
	pthread_attr_t attr;
};

/* What the notification thread needs, so that the watch can go at once. */
struct watch_call {
	void (*fn)(union sigval value);
	union sigval value;
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watch *watch_list;	/* guarded by watch_lock */

static void watch_free(struct watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->cancel_fd >= 0)
		close(w->cancel_fd);
	pthread_attr_destroy(&w->attr);
	free(w->name);
	free(w);
}

static void watch_fork_prepare(void)
{
	pthread_mutex_lock(&watch_lock);
}

static void watch_fork_parent(void)
{
	pthread_mutex_unlock(&watch_lock);
}

/*
 * The child has no watcher threads and no registrations (the kernel's is
 * the parent's): drop the copies of the watches and their descriptors.
 */
static void watch_fork_child(void)
{
	struct watch *w, *next;

	for (w = watch_list; w; w = next) {
		next = w->next;
		watch_free(w);
	}
	watch_list = NULL;
	pthread_mutex_unlock(&watch_lock);
}

__attribute__((constructor)) static void watch_init(void)
{
	pthread_atfork(watch_fork_prepare, watch_fork_parent, watch_fork_child);
}

static void watch_unlink(struct watch *w)
{
	struct watch **pp;

	for (pp = &watch_list; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			return;
		}
	}
}

static int notify_ioctl(int fd, uint32_t flags, int signo, union sigval value)
{
	struct msgbox_notify_args args;
	int err;

	memset(&args, 0, sizeof(args));
	args.size = sizeof(args);
	args.flags = flags;
	args.signo = signo;
	args.value = msgbox_sys_ptr(value.sival_ptr);
	err = msgbox_sys_ioctl(fd, MSGBOX_IOC_NOTIFY, &args);
	return err < 0 ? msgbox_mq_fd_err(err) : 0;
}

/* Has the registration of @w fired (POLLPRI is up on its file)? */
static bool watch_fired(const struct watch *w)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLPRI };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLPRI);
}

/*
 * Is @w on the mailbox of @fd? By name when both names are known: two
 * live mailboxes never share a name, and @alive says @fd's is live. By
 * descriptor number otherwise.
 */
static bool watch_match(const struct watch *w, int fd, const char *mbname,
			bool alive)
{
	struct msgbox_stat_args st;

	if (mbname && w->name)
		return alive && !strcmp(mbname, w->name) &&
		       !msgbox_mq_stat(w->fd, &st);
	return w->orig_fd == fd;
}

/*
 * Cancel the watches on the mailbox of @fd whose registration is gone
 * without having fired; one that fired still delivers, as the kernel's
 * queues deliver a notification sent before the descriptor was closed.
 */
static void watch_cancel_stale(int fd, const char *mbname, bool alive)
{
	struct watch **pp, *w;
	uint64_t one = 1;

	pthread_mutex_lock(&watch_lock);
	pp = &watch_list;
	while ((w = *pp)) {
		if (!watch_match(w, fd, mbname, alive) ||
		    watch_fired(w)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->next = NULL;
		w->cancelled = true;
		/* An eventfd write of 1 cannot fail short of a bug. */
		if (write(w->cancel_fd, &one, sizeof(one)) < 0)
			abort();
	}
	pthread_mutex_unlock(&watch_lock);
}

int msgbox_mq_notify_drop(int fd, const char *mbname)
{
	union sigval none = { .sival_ptr = NULL };
	int err;

	err = notify_ioctl(fd, MSGBOX_NOTIFY_CLEAR, 0, none);
	if (err && err != -EIDRM)
		return err;
	watch_cancel_stale(fd, mbname, !err);
	return err;
}

static void *watch_call_main(void *arg)
{
	struct watch_call call = *(struct watch_call *)arg;

	free(arg);
	call.fn(call.value);
	return NULL;
}

static void watch_call(struct watch *w)
{
	struct watch_call *call;
	pthread_t thread;

	call = malloc(sizeof(*call));
	if (!call)
		return;
	call->fn = w->fn;
	call->value = w->value;
	/* Like glibc, a notification whose thread cannot start is lost. */
	if (pthread_create(&thread, &w->attr, watch_call_main, call))
		free(call);
}

static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct pollfd pfd[2] = {
		{ .fd = w->fd, .events = POLLPRI },
		{ .fd = w->cancel_fd, .events = POLLIN },
	};
	bool fired = false, cancelled;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLPRI) {
			fired = true;
			break;
		}
		/* POLLERR | POLLHUP: the mailbox was destroyed. */
		if (pfd[0].revents || pfd[1].revents)
			break;
	}

	pthread_mutex_lock(&watch_lock);
	cancelled = w->cancelled;
	if (!cancelled)
		watch_unlink(w);
	pthread_mutex_unlock(&watch_lock);

	if (fired && !cancelled) {
		watch_call(w);
	} else if (!cancelled) {
		union sigval none = { .sival_ptr = NULL };

		/* Matters for a duplicated descriptor, which outlives us. */
		notify_ioctl(w->fd, MSGBOX_NOTIFY_CLEAR, 0, none);
	}
	watch_free(w);
	return NULL;
}

/*
 * Copy the caller's thread attributes: POSIX leaves the attributes object
 * to the caller once mq_notify() returns. The copy is detached (nobody
 * joins the notification thread) and, unless the caller set a signal mask,
 * starts with every signal unblocked, as glibc's notification threads do.
 */
static int attr_copy(pthread_attr_t *dst, const pthread_attr_t *src)
{
	struct sched_param sp;
	cpu_set_t cpus, all;
	sigset_t mask;
	void *addr;
	size_t size;
	int v, err;

	err = pthread_attr_init(dst);
	if (err)
		return -err;
	sigemptyset(&mask);

	if (src) {
		if (!pthread_attr_getguardsize(src, &size))
			err = pthread_attr_setguardsize(dst, size);
		if (!err && !pthread_attr_getschedpolicy(src, &v))
			err = pthread_attr_setschedpolicy(dst, v);
		if (!err && !pthread_attr_getschedparam(src, &sp))
			err = pthread_attr_setschedparam(dst, &sp);
		if (!err && !pthread_attr_getinheritsched(src, &v))
			err = pthread_attr_setinheritsched(dst, v);
		if (!err && !pthread_attr_getscope(src, &v))
			err = pthread_attr_setscope(dst, v);

		/*
		 * glibc reports a stack address that was never set as NULL
		 * minus the stack size: copy only one the caller gave.
		 */
		if (!err && !pthread_attr_getstack(src, &addr, &size) && size &&
		    (uintptr_t)addr + size != 0)
			err = pthread_attr_setstack(dst, addr, size);
		else if (!err && !pthread_attr_getstacksize(src, &size))
			err = pthread_attr_setstacksize(dst, size);

		/* glibc reports "no affinity set" as every CPU. */
		memset(&all, 0xff, sizeof(all));
		if (!err && !pthread_attr_getaffinity_np(src, sizeof(cpus), &cpus) &&
		    memcmp(&cpus, &all, sizeof(cpus)))
			err = pthread_attr_setaffinity_np(dst, sizeof(cpus), &cpus);

		if (pthread_attr_getsigmask_np(src, &mask) ==
		    PTHREAD_ATTR_NO_SIGMASK_NP)
			sigemptyset(&mask);
		if (err)
			goto err_destroy;
	}

	err = pthread_attr_setsigmask_np(dst, &mask);
	if (!err)
		err = pthread_attr_setdetachstate(dst, PTHREAD_CREATE_DETACHED);
	if (err)
		goto err_destroy;
	return 0;

err_destroy:
	pthread_attr_destroy(dst);
	return -err;
}

/* Two descriptors bound to the same mailbox, @fresh opened after @fd. */
static bool same_mailbox(int fd, int fresh)
{
	struct msgbox_stat_args a, b;

	/*
	 * @fresh was opened by the name @fd's mailbox was opened by. If that
	 * mailbox is still alive after @fresh was opened, it held the name
	 * then, and names are unique. The attributes are compared as well.
	 */
	if (msgbox_mq_stat(fresh, &b) || msgbox_mq_stat(fd, &a))
		return false;
	return a.capacity == b.capacity && a.max_msg_size == b.max_msg_size &&
	       a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
	       a.mb_flags == b.mb_flags;
}

/* A file of the watch's own on the mailbox of @fd; see the top comment. */
static int watch_open(int fd, const char *mbname)
{
	struct msgbox_open_args args;
	int fl, fresh;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (mbname) {
		memset(&args, 0, sizeof(args));
		fresh = msgbox_mq_bind(mbname, fl & O_ACCMODE, &args);
		if (fresh >= 0) {
			if (same_mailbox(fd, fresh))
				return fresh;
			close(fresh);
		}
	}
	fresh = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return fresh < 0 ? -errno : fresh;
}

static int notify_thread(mqd_t mqdes, const struct sigevent *sevp)
{
	union sigval none = { .sival_ptr = NULL };
	pthread_attr_t wattr;
	sigset_t all;
	pthread_t thread;
	struct watch *w;
	int err;

	/* glibc would call through the null pointer later; refuse it now. */
	if (!sevp->sigev_notify_function)
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->cancel_fd = -1;
	w->orig_fd = mqdes;
	w->fn = sevp->sigev_notify_function;
	w->value = sevp->sigev_value;
	err = attr_copy(&w->attr, sevp->sigev_notify_attributes);
	if (err) {
		free(w);
		return err;
	}

	w->name = msgbox_mq_names_get(mqdes);
	w->fd = watch_open(mqdes, w->name);
	if (w->fd < 0) {
		err = w->fd;
		goto err_free;
	}
	w->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->cancel_fd < 0) {
		err = -errno;
		goto err_free;
	}

	err = pthread_attr_init(&wattr);
	if (err) {
		err = -err;
		goto err_free;
	}
	sigfillset(&all);
	pthread_attr_setsigmask_np(&wattr, &all);
	pthread_attr_setdetachstate(&wattr, PTHREAD_CREATE_DETACHED);

	err = notify_ioctl(w->fd, 0, 0, none);
	if (err)
		goto err_attr;

	/* Any older watch of ours on this mailbox lost its registration. */
	watch_cancel_stale(mqdes, w->name, true);

	pthread_mutex_lock(&watch_lock);
	w->next = watch_list;
	watch_list = w;
	err = pthread_create(&thread, &wattr, watch_main, w);
	if (err) {
		watch_unlink(w);
		pthread_mutex_unlock(&watch_lock);
		notify_ioctl(w->fd, MSGBOX_NOTIFY_CLEAR, 0, none);
		err = -err;
		goto err_attr;
	}
	pthread_mutex_unlock(&watch_lock);
	pthread_attr_destroy(&wattr);
	return 0;

err_attr:
	pthread_attr_destroy(&wattr);
err_free:
	watch_free(w);
	return err;
}

MQ_EXPORT int mq_notify(mqd_t mqdes, const struct sigevent *sevp)
{
	char *mbname;
	int err;

	if (!sevp) {
		/* Nothing is registered on a destroyed mailbox: not an error. */
		mbname = msgbox_mq_names_get(mqdes);
		err = msgbox_mq_notify_drop(mqdes, mbname);
		free(mbname);
		if (err == -EIDRM)
			err = 0;
		goto out;
	}

	switch (sevp->sigev_notify) {
	case SIGEV_NONE:
		err = notify_ioctl(mqdes, 0, 0, sevp->sigev_value);
		break;
	case SIGEV_SIGNAL:
		/* Linux takes signal 0 too, and then sends nothing, as here. */
		if (sevp->sigev_signo < 0 || sevp->sigev_signo > MQ_SIG_MAX) {
			err = -EINVAL;
			goto out;
		}
		err = notify_ioctl(mqdes, 0, sevp->sigev_signo, sevp->sigev_value);
		break;
	case SIGEV_THREAD:
		err = notify_thread(mqdes, sevp);
		goto out;
	default:
		err = -EINVAL;
		goto out;
	}
	if (!err) {
		/* Any watch of ours on this mailbox lost its registration. */
		mbname = msgbox_mq_names_get(mqdes);
		watch_cancel_stale(mqdes, mbname, true);
		free(mbname);
	}
out:
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}
