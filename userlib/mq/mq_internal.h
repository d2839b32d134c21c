/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: libmsgbox-mq internals
 *
 * libmsgbox-mq implements the calls of <mqueue.h> over /dev/msgbox, so that
 * programs written for POSIX message queues run on msgbox unchanged: linked
 * against libmsgbox-mq.a instead of -lrt, or with libmsgbox-mq.so in
 * LD_PRELOAD.
 *
 * A message queue descriptor (mqd_t) is a /dev/msgbox file descriptor bound
 * to the mailbox whose name is the queue name without its leading '/'. The
 * descriptor's access mode and O_NONBLOCK are those of the queue
 * descriptor, mq_maxmsg is the mailbox capacity and mq_msgsize its largest
 * message. Every call checks its arguments in the order Linux does, so that a
 * call with several faults fails with the error the kernel's POSIX queues
 * would give.
 *
 * Process-wide state, each behind its own mutex and never both held:
 *  - names.c: the mailbox name of every descriptor mq_open() returned, so
 *    that mq_notify() can open a second file on the same mailbox;
 *  - notify.c: the SIGEV_THREAD registrations, one watcher thread each.
 * mq_send() and mq_receive() and their timed forms take no lock.
 *
 * Internal functions return 0 or a negative errno; the exported mq_*
 * functions turn that into -1 and errno, as POSIX asks.
 */
#ifndef _MSGBOX_MQ_INTERNAL_H
#define _MSGBOX_MQ_INTERNAL_H

#include <mqueue.h>
#include <stdint.h>
#include <linux/msgbox.h>

/* The mq_* entry points; everything else stays inside the library. */
#define MQ_EXPORT	__attribute__((visibility("default")))

/* The character device every call goes through. */
#define MSGBOX_MQ_DEVICE	"/dev/msgbox"

/* Linux's msg_default and msgsize_default: the attributes when attr is NULL. */
#define MSGBOX_MQ_DEF_MAXMSG	10
#define MSGBOX_MQ_DEF_MSGSIZE	8192

/* Where the module publishes the limits that apply to new mailboxes. */
#define MSGBOX_MQ_PARAM_DIR	"/sys/module/msgbox/parameters"

/*
 * What a two-argument mq_open() calls under _FORTIFY_SOURCE; <mqueue.h>
 * declares it only then.
 */
mqd_t __mq_open_2(const char *name, int oflag);

static inline uint64_t msgbox_mq_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/**
 * msgbox_mq_fd_err() - the POSIX error for a failed ioctl on a descriptor
 * @err: negative errno from the ioctl
 *
 * A descriptor that is not /dev/msgbox (ENOTTY) or not bound to a mailbox
 * (ENOTCONN) is not a message queue descriptor: EBADF.
 *
 * Return: the error to report, negative.
 */
int msgbox_mq_fd_err(int err);

/**
 * msgbox_mq_stat() - attributes of the mailbox behind a queue descriptor
 * @fd: the descriptor
 * @st: filled on success
 *
 * Return: 0, -EBADF (not a message queue descriptor) or -EIDRM.
 */
int msgbox_mq_stat(int fd, struct msgbox_stat_args *st);

/**
 * msgbox_mq_bind() - open /dev/msgbox and bind it to a named mailbox
 * @mbname: the mailbox name (the queue name without its '/')
 * @oflag: access mode and O_NONBLOCK of the new descriptor
 * @args: MSGBOX_IOC_OPEN arguments, @args->name is set here
 *
 * The descriptor is close-on-exec, as the kernel's queue descriptors are.
 *
 * Return: the descriptor, or a negative errno; -ENOSYS when the module is
 * not loaded.
 */
int msgbox_mq_bind(const char *mbname, int oflag, struct msgbox_open_args *args);

/**
 * msgbox_mq_names_set() - remember the mailbox name of a new descriptor
 * @fd: the descriptor mq_open() returns
 * @mbname: its mailbox name
 *
 * Best effort: without memory the name is not kept, and mq_notify() with
 * SIGEV_THREAD falls back to a duplicate of the descriptor.
 *
 * Context: takes the names lock.
 */
void msgbox_mq_names_set(int fd, const char *mbname);

/**
 * msgbox_mq_names_take() - forget a descriptor's name
 * @fd: the descriptor being closed
 *
 * Context: takes the names lock.
 * Return: the name, to be freed by the caller, or NULL if none is known.
 */
char *msgbox_mq_names_take(int fd);

/**
 * msgbox_mq_names_get() - a copy of a descriptor's mailbox name
 * @fd: the descriptor
 *
 * Context: takes the names lock.
 * Return: a copy to free, or NULL if none is known (or out of memory).
 */
char *msgbox_mq_names_get(int fd);

/**
 * msgbox_mq_notify_drop() - end this process's registration on a mailbox
 * @fd: a queue descriptor of the mailbox (being closed, or mq_notify(NULL))
 * @mbname: its name as from msgbox_mq_names_get(), or NULL if unknown
 *
 * Removes the kernel registration if this process holds it, as closing a
 * queue descriptor or mq_notify(fd, NULL) does, and stops the watcher
 * thread of a SIGEV_THREAD registration on the same mailbox.
 *
 * Context: takes the watch lock.
 * Return: 0, or a negative errno of the removal: -EBADF, -EIDRM.
 */
int msgbox_mq_notify_drop(int fd, const char *mbname);

#endif /* _MSGBOX_MQ_INTERNAL_H */
