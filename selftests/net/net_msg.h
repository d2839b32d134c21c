/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test messages of the bridge tests: "PRODUCER SEQ CRC" and padding,
 * CRC being the CRC32C of everything but itself.
 */
#ifndef _MSGBOX_NET_MSG_H
#define _MSGBOX_NET_MSG_H

#include <stdio.h>
#include <string.h>

#include <msgbox.h>

#define NET_MSG_MAX 4096

static inline uint32_t net_msg_crc(const char *head, size_t hlen,
				   const char *pad, size_t plen)
{
	char buf[NET_MSG_MAX];

	memcpy(buf, head, hlen);
	memcpy(buf + hlen, pad, plen);
	return msgbox_crc32c(buf, hlen + plen);
}

/* Returns the length written to @buf. */
static inline int net_msg_make(char *buf, size_t size, const char *prod,
			       unsigned int seq, unsigned int pad)
{
	char head[128], padding[NET_MSG_MAX];
	int hlen, len;
	unsigned int i;

	hlen = snprintf(head, sizeof(head), "%s %u", prod, seq);
	if (pad > sizeof(padding) - 256)
		pad = sizeof(padding) - 256;
	for (i = 0; i < pad; i++)
		padding[i] = 'a' + (seq + i) % 26;
	len = snprintf(buf, size, "%s %08x ", head,
		       net_msg_crc(head, hlen, padding, pad));
	memcpy(buf + len, padding, pad);
	return len + pad;
}

/* Returns 0 and fills @prod and @seq when @buf is a whole test message. */
static inline int net_msg_check(const char *buf, size_t len, char *prod,
				size_t psize, unsigned int *seq)
{
	char head[128], tmp[NET_MSG_MAX + 1];
	unsigned int crc;
	int hlen, off = 0;

	if (len > NET_MSG_MAX)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (sscanf(tmp, "%63s %u %8x %n", prod, seq, &crc, &off) != 3 || !off)
		return -1;
	(void)psize;
	hlen = snprintf(head, sizeof(head), "%s %u", prod, *seq);
	if (net_msg_crc(head, hlen, tmp + off, len - off) != crc)
		return -1;
	return 0;
}

#endif /* _MSGBOX_NET_MSG_H */
