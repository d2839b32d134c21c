/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: queue descriptors
 *
 * A message queue descriptor is a /dev/msgbox descriptor bound to a
 * mailbox (see mq_internal.h). These are the primitives on one that the
 * calls of mq.c and notify.c share. They return 0 or a descriptor, or a
 * negative errno, and take no lock.
 */
#ifndef _MSGBOX_MQ_DESC_H
#define _MSGBOX_MQ_DESC_H

#include "sys.h"

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
 * msgbox_mq_dev_open() - open an unbound descriptor of /dev/msgbox
 * @oflag: access mode and O_NONBLOCK of the new descriptor
 *
 * The descriptor is close-on-exec, as the kernel's queue descriptors are.
 *
 * Return: the descriptor, or a negative errno; -ENOSYS when the module is
 * not loaded.
 */
int msgbox_mq_dev_open(int oflag);

/**
 * msgbox_mq_bind() - open /dev/msgbox and bind it to a named mailbox
 * @mbname: the mailbox name (the queue name without its '/')
 * @oflag: access mode and O_NONBLOCK of the new descriptor
 * @args: MSGBOX_IOC_OPEN arguments, @args->size and @args->name are set here
 *
 * Return: the descriptor, or a negative errno as msgbox_mq_dev_open() and
 * MSGBOX_IOC_OPEN give.
 */
int msgbox_mq_bind(const char *mbname, int oflag, struct msgbox_open_args *args);

#endif /* _MSGBOX_MQ_DESC_H */
