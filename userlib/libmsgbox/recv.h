/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: receive arguments shared by msgbox.c and held.c
 *
 * The plain receives (msgbox.c) and the held ones (held.c) build the same
 * struct msgbox_recv_args and read the same fields back: a buffer length
 * clamped to 32 bits, the message info, and the check of the copy against
 * the sender's checksum. Written once here. Internal, like sys.h.
 */
#ifndef _MSGBOX_RECV_H
#define _MSGBOX_RECV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msgbox.h"
#include "sys.h"

/**
 * msgbox_recv_args_init() - plain receive arguments
 * @args: zeroed, its size set to sizeof()
 * @buf: the receive buffer
 * @len: its size; a buffer beyond 4 GiB holds any message, so clamping
 *	loses nothing
 */
static inline void msgbox_recv_args_init(struct msgbox_recv_args *args,
					 void *buf, size_t len)
{
	memset(args, 0, sizeof(*args));
	args->size = sizeof(*args);
	args->buf = msgbox_sys_ptr(buf);
	args->buf_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

/**
 * msgbox_msg_info_fill() - what a receive reports of its message
 * @info: filled
 * @args: the arguments the kernel wrote back
 */
static inline void msgbox_msg_info_fill(struct msgbox_msg_info *info,
					const struct msgbox_recv_args *args)
{
	info->id = args->id;
	info->key = args->key;
	info->prio = args->prio;
	info->pid = args->pid;
	info->uid = args->uid;
	info->gid = args->gid;
	info->len = args->len;
	info->has_key = !!(args->msg_flags & MSGBOX_MSG_KEY);
	info->has_csum = !!(args->msg_flags & MSGBOX_MSG_CSUM);
}

/**
 * msgbox_recv_csum_bad() - check the copy a receive got
 * @buf: the receive buffer
 * @len: its size
 * @ret: the receive's result, the message length (not negative)
 * @args: the arguments the kernel wrote back
 *
 * The kernel checked the sender's bytes against the checksum the sender
 * gave; this checks the copy the receiver got.
 *
 * Return: true when the message carries a checksum that the copy does not
 * match.
 */
static inline int msgbox_recv_csum_bad(const void *buf, size_t len, int ret,
				       const struct msgbox_recv_args *args)
{
	size_t copied = (size_t)ret < len ? (size_t)ret : len;

	return (args->msg_flags & MSGBOX_MSG_CSUM) &&
	       msgbox_crc32c(buf, copied) != args->csum;
}

#endif /* _MSGBOX_RECV_H */
