// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CRC32C (Castagnoli): reflected polynomial 0x82F63B78, seed ~0, final
 * inversion, the checksum MSGBOX_SEND_CSUM carries. Slice-by-8 over
 * generated tables; the check value of "123456789" is 0xE3069283.
 */
#include <stdint.h>
#include <stddef.h>

#include "msgbox.h"
#include "crc32c-table.h"

static inline uint32_t load_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32c_update(uint32_t crc, const unsigned char *p, size_t len)
{
	const uint32_t (*t)[256] = crc32c_table;

	/* Byte-wise up to 8-byte alignment, so the word loads stay aligned. */
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
		len--;
	}

	while (len >= 8) {
		uint32_t lo = crc ^ load_le32(p);
		uint32_t hi = load_le32(p + 4);

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}

	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];

	return crc;
}

uint32_t msgbox_crc32c(const void *buf, size_t len)
{
	return ~crc32c_update(~0U, buf, len);
}
