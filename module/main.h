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

/*
 * Marks the functions every send and receive runs through. GCC puts them in
 * .text.hot, which the module loader lays out as one block: the data path
 * spans a few adjacent pages of module text instead of most of them. Under
 * emulation that matters more than on hardware: each page the path touches
 * after a context switch costs a TLB refill and a lookup of translated code.
 */
#define __msgbox_hot	__attribute__((__hot__))

#endif /* _MSGBOX_MAIN_H */
