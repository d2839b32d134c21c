/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: /proc/driver/msgbox
 *
 * A read-only table of the mailboxes and ports the reader may see: those it
 * owns or may open for reading or writing, and ports whose owner is visible
 * in its PID namespace. One line per mailbox, after a header line:
 *
 *   name type uid gid mode capacity msgsize msgs bytes wsend wrecv sent recv
 *
 * where type is "named" or "port:<pid>".
 */
#ifndef _MSGBOX_PROC_H
#define _MSGBOX_PROC_H

int msgbox_proc_init(void);
void msgbox_proc_exit(void);

#endif /* _MSGBOX_PROC_H */
