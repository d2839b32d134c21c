/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: the mailbox name behind each queue descriptor
 *
 * mq_notify() with SIGEV_THREAD opens a file of its own on a queue's
 * mailbox and needs its name for that; mq_close() and mq_notify(NULL) use
 * it to find the registration to end. The table is guarded by the names
 * lock, a leaf: nothing else is taken under it.
 */
#ifndef _MSGBOX_MQ_NAMES_H
#define _MSGBOX_MQ_NAMES_H

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

#endif /* _MSGBOX_MQ_NAMES_H */
