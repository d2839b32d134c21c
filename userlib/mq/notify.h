/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: mq_notify() registrations
 *
 * notify.c implements mq_notify(); this is what mq_close() needs of it: to
 * end the caller's registration on a mailbox, as Linux does on any close of
 * a queue descriptor. The watch lock guards the SIGEV_THREAD registrations
 * and is never held together with the names lock.
 */
#ifndef _MSGBOX_MQ_NOTIFY_H
#define _MSGBOX_MQ_NOTIFY_H

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

#endif /* _MSGBOX_MQ_NOTIFY_H */
