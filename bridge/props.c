// SPDX-License-Identifier: GPL-2.0
/*
 * The x-msgbox-* headers and the AMQP properties of what the bridge
 * publishes and reads, and the envelope line it puts before a payload.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

/**
 * bridge_table_add() - append a header to a table being built
 * @e: the entries
 * @n: entries used, incremented
 * @key: the header's name (not copied)
 * @kind: AMQP_FIELD_KIND_UTF8, _BOOLEAN or _I64
 * @v: the value, for _BOOLEAN and _I64
 * @s: the value, for _UTF8 (not copied)
 */
void bridge_table_add(amqp_table_entry_t *e, int *n, const char *key,
		      uint8_t kind, int64_t v, const char *s)
{
	e[*n].key = amqp_cstring_bytes(key);
	e[*n].value.kind = kind;
	if (kind == AMQP_FIELD_KIND_UTF8)
		e[*n].value.value.bytes = amqp_cstring_bytes(s);
	else if (kind == AMQP_FIELD_KIND_BOOLEAN)
		e[*n].value.value.boolean = !!v;
	else
		e[*n].value.value.i64 = v;
	(*n)++;
}

/**
 * bridge_header_int() - an integer header of a table
 * @t: the table
 * @key: the header's name
 * @v: its value, of whichever integer or boolean kind it was sent as
 *
 * Return: 0, or -1 when it is absent or no integer (@v untouched).
 */
int bridge_header_int(const amqp_table_t *t, const char *key, int64_t *v)
{
	int i;

	for (i = 0; i < t->num_entries; i++) {
		const amqp_table_entry_t *e = &t->entries[i];

		if (e->key.len != strlen(key) || memcmp(e->key.bytes, key, e->key.len))
			continue;
		switch (e->value.kind) {
		case AMQP_FIELD_KIND_I8: *v = e->value.value.i8; return 0;
		case AMQP_FIELD_KIND_U8: *v = e->value.value.u8; return 0;
		case AMQP_FIELD_KIND_I16: *v = e->value.value.i16; return 0;
		case AMQP_FIELD_KIND_U16: *v = e->value.value.u16; return 0;
		case AMQP_FIELD_KIND_I32: *v = e->value.value.i32; return 0;
		case AMQP_FIELD_KIND_U32: *v = e->value.value.u32; return 0;
		case AMQP_FIELD_KIND_I64: *v = e->value.value.i64; return 0;
		case AMQP_FIELD_KIND_U64: *v = e->value.value.u64; return 0;
		case AMQP_FIELD_KIND_BOOLEAN: *v = e->value.value.boolean; return 0;
		default: return -1;
		}
	}
	return -1;
}

/**
 * bridge_header_str() - a string header of a table
 * @t: the table
 * @key: the header's name
 * @buf: its value, NUL-terminated
 * @size: the size of @buf
 *
 * Return: 0, or -1 when it is absent, empty, no string or too long.
 */
int bridge_header_str(const amqp_table_t *t, const char *key, char *buf,
		      size_t size)
{
	int i;

	for (i = 0; i < t->num_entries; i++) {
		const amqp_table_entry_t *e = &t->entries[i];

		if (e->key.len != strlen(key) || memcmp(e->key.bytes, key, e->key.len))
			continue;
		if (e->value.kind != AMQP_FIELD_KIND_UTF8 &&
		    e->value.kind != AMQP_FIELD_KIND_BYTES)
			return -1;
		if (!e->value.value.bytes.len || e->value.value.bytes.len >= size)
			return -1;
		memcpy(buf, e->value.value.bytes.bytes, e->value.value.bytes.len);
		buf[e->value.value.bytes.len] = '\0';
		return 0;
	}
	return -1;
}

/**
 * bridge_prop_str() - a string property of a message
 * @flags: the properties' flags
 * @flag: the property's flag
 * @b: the property
 * @buf: its value, NUL-terminated
 * @size: the size of @buf
 *
 * Return: 0, or -1 when it is absent, empty or too long.
 */
int bridge_prop_str(amqp_flags_t flags, amqp_flags_t flag, amqp_bytes_t b,
		    char *buf, size_t size)
{
	if (!(flags & flag) || !b.len || b.len >= size)
		return -1;
	memcpy(buf, b.bytes, b.len);
	buf[b.len] = '\0';
	return 0;
}

/**
 * bridge_prop_user() - the broker login that published a message
 * @am: the message
 * @buf: the login as the broker validated it (AMQP user_id), or ""
 * @size: the size of @buf
 */
void bridge_prop_user(const amqp_message_t *am, char *buf, size_t size)
{
	if (bridge_prop_str(am->properties._flags, AMQP_BASIC_USER_ID_FLAG,
			    am->properties.user_id, buf, size))
		buf[0] = '\0';
}

/**
 * bridge_envelope_line() - the line the envelope option puts first
 * @buf: the line, "msgbox-from host=H pid=P uid=U gid=G id=I seq=S
 *	user=L\n"
 * @size: the size of @buf
 * @host: H
 * @pid: P
 * @uid: U
 * @gid: G
 * @id: I
 * @seq: S
 * @user: L, or "" for "-"
 *
 * Return: its length, or -EOVERFLOW.
 */
int bridge_envelope_line(char *buf, size_t size, const char *host, int pid,
			 uint32_t uid, uint32_t gid, uint64_t id, uint64_t seq,
			 const char *user)
{
	int n = snprintf(buf, size,
			 "msgbox-from host=%s pid=%d uid=%u gid=%u id=%" PRIu64 " seq=%" PRIu64 " user=%s\n",
			 host, pid, uid, gid, id, seq, user[0] ? user : "-");

	return n < 0 || (size_t)n >= size ? -EOVERFLOW : n;
}
