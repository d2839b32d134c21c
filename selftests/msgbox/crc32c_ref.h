/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: reference CRC32C for the tests
 *
 * The tests check the checksums of libmsgbox and of the module against this
 * bitwise CRC32C (Castagnoli, reflected polynomial 0x82F63B78, initial value
 * and final xor ~0), which shares nothing with the library's table-driven
 * one. It is the only copy the tests use.
 */
#ifndef _MSGBOX_CRC32C_REF_H
#define _MSGBOX_CRC32C_REF_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t crc32c_ref(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = ~0U;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78U & -(crc & 1));
	}
	return ~crc;
}

#endif /* _MSGBOX_CRC32C_REF_H */
