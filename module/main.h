/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: the msgbox module
 *
 * main.c registers the misc device /dev/msgbox and its file operations and
 * owns module init and exit. Every open file of the device holds a
 * reference on the module (fops.owner), so the module cannot be removed
 * while a mailbox descriptor is open; named mailboxes left without
 * descriptors are destroyed at exit.
 */
#ifndef _MSGBOX_MAIN_H
#define _MSGBOX_MAIN_H

#define MSGBOX_DEVICE_NAME	"msgbox"

#endif /* _MSGBOX_MAIN_H */
