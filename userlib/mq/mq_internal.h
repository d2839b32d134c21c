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
 The files, each with its own header, in the order they build on each
 * other (none calls into a file listed after it):
 *  - libmsgbox's sys.c and deadline.c: device, ioctl and deadline helpers
 *    shared with libmsgbox and linked in from it;
 *  - desc.c: binding a queue descriptor and asking for its attributes;
 *  - names.c: the mailbox name of every descriptor mq_open() returned, so
 *    that mq_notify() can open a second file on the same mailbox;
 *  - notify.c: mq_notify() and the SIGEV_THREAD registrations, one
 *    watcher thread each;
 *  - mq.c: the other calls of <mqueue.h>.
 *
 * Process-wide state is in names.c and notify.c, each behind its own mutex
 * and never both held. mq_send() and mq_receive() and their timed forms
 * take no lock.
 *
 * Internal functions return 0 or a negative errno; the exported mq_*
 * functions turn that into -1 and errno, as POSIX asks.
 */
#ifndef _MSGBOX_MQ_INTERNAL_H
#define _MSGBOX_MQ_INTERNAL_H

#include <mqueue.h>
#include <linux/msgbox.h>

/* The mq_* entry points; everything else stays inside the library. */
#define MQ_EXPORT	__attribute__((visibility("default")))

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

#endif /* _MSGBOX_MQ_INTERNAL_H */
