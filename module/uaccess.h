/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: word-at-a-time user copies
 *
 * Argument structures and payloads move between user and kernel memory
 * eight bytes at a time, inside one user_access_begin() section per page,
 * much as the kernel's own unrolled copy routine does on CPUs without fast
 * string instructions.
 *
 * copy_from_user() and copy_to_user() use "rep movsb" for anything of 64
 * bytes or more on CPUs that advertise ERMS. Where that instruction is
 * slow per byte, as under binary translation (QEMU TCG emulates it one
 * byte per step), every 64-byte argument structure and every payload pays
 * for it, and these copies cost a fraction of that. On hardware a loop of
 * 8-byte moves runs at about the same speed as the string instruction for
 * the sizes that matter here.
 *
 * Both helpers return 0 or -EFAULT; on -EFAULT part of the destination may
 * have been written. They may fault and sleep unless the caller disabled
 * page faults, in which case a missing page is -EFAULT too.
 */
#ifndef _MSGBOX_UACCESS_H
#define _MSGBOX_UACCESS_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/* A kernel-side word that may be unaligned (a receive buffer's offset). */
struct msgbox_uword {
	u64 v;
} __packed;

/*
 * Copy in inside a user-access section the caller opened; on a fault,
 * -EFAULT, and the caller still closes the section.
 */
static __always_inline int msgbox_copy_in_words(u8 *dst,
						const u8 __user *src,
						size_t len)
{
	struct msgbox_uword *d = (struct msgbox_uword *)dst;
	const u64 __user *s = (const u64 __user *)src;
	u64 w0, w1, w2, w3;
	u8 b;

	for (; len >= 4 * sizeof(u64); len -= 4 * sizeof(u64)) {
		unsafe_get_user(w0, s, efault);
		unsafe_get_user(w1, s + 1, efault);
		unsafe_get_user(w2, s + 2, efault);
		unsafe_get_user(w3, s + 3, efault);
		d[0].v = w0;
		d[1].v = w1;
		d[2].v = w2;
		d[3].v = w3;
		d += 4;
		s += 4;
	}
	for (; len >= sizeof(u64); len -= sizeof(u64)) {
		unsafe_get_user(w0, s, efault);
		d->v = w0;
		d++;
		s++;
	}
	dst = (u8 *)d;
	src = (const u8 __user *)s;
	while (len) {
		unsafe_get_user(b, src, efault);
		*dst++ = b;
		src++;
		len--;
	}
	return 0;

efault:
	return -EFAULT;
}

/* One section of msgbox_copy_from_user(): @len is at most a page. */
static __always_inline int msgbox_copy_in_chunk(u8 *dst, const u8 __user *src,
						size_t len)
{
	int err;

	if (!user_access_begin(src, len))
		return -EFAULT;
	err = msgbox_copy_in_words(dst, src, len);
	user_access_end();
	return err;
}

/*
 * Copy out inside a user-access section the caller opened; on a fault,
 * -EFAULT, and the caller still closes the section.
 */
static __always_inline int msgbox_copy_out_words(u8 __user *dst,
						 const u8 *src, size_t len)
{
	const struct msgbox_uword *s = (const struct msgbox_uword *)src;
	u64 __user *d = (u64 __user *)dst;

	for (; len >= 4 * sizeof(u64); len -= 4 * sizeof(u64)) {
		unsafe_put_user(s[0].v, d, efault);
		unsafe_put_user(s[1].v, d + 1, efault);
		unsafe_put_user(s[2].v, d + 2, efault);
		unsafe_put_user(s[3].v, d + 3, efault);
		d += 4;
		s += 4;
	}
	for (; len >= sizeof(u64); len -= sizeof(u64)) {
		unsafe_put_user(s->v, d, efault);
		d++;
		s++;
	}
	dst = (u8 __user *)d;
	src = (const u8 *)s;
	while (len) {
		unsafe_put_user(*src, dst, efault);
		dst++;
		src++;
		len--;
	}
	return 0;

efault:
	return -EFAULT;
}

/* One section of msgbox_copy_to_user(): @len is at most a page. */
static __always_inline int msgbox_copy_out_chunk(u8 __user *dst,
						 const u8 *src, size_t len)
{
	int err;

	if (!user_access_begin(dst, len))
		return -EFAULT;
	err = msgbox_copy_out_words(dst, src, len);
	user_access_end();
	return err;
}

/**
 * msgbox_copy_words() - copy @len bytes between kernel buffers
 * @dst: destination
 * @src: source
 * @len: bytes to copy, a few hundred at most
 *
 * For a short payload already copied in: eight bytes per access, where
 * memcpy() of a length not known at compile time takes the string
 * instruction.
 */
static __always_inline void msgbox_copy_words(void *dst, const void *src,
					      size_t len)
{
	struct msgbox_uword *d = dst;
	const struct msgbox_uword *s = src;
	u8 *db;
	const u8 *sb;

	for (; len >= sizeof(u64); len -= sizeof(u64))
		(d++)->v = (s++)->v;
	db = (u8 *)d;
	sb = (const u8 *)s;
	while (len--)
		*db++ = *sb++;
}

/**
 * msgbox_copy_to_user_pair() - copy two buffers out in one section
 * @dst1: user destination of the first
 * @src1: the first, at most a page
 * @len1: its length
 * @dst2: user destination of the second
 * @src2: the second, at most a page
 * @len2: its length
 *
 * For a message and the arguments that describe it: one user-access
 * section instead of two.
 *
 * Return: 0, or -EFAULT.
 */
static inline int msgbox_copy_to_user_pair(void __user *dst1,
					   const void *src1, size_t len1,
					   void __user *dst2,
					   const void *src2, size_t len2)
{
	int err;

	if (WARN_ON_ONCE(len1 > PAGE_SIZE || len2 > PAGE_SIZE))
		return -EFAULT;
	if (!access_ok(dst2, len2))
		return -EFAULT;
	if (!user_access_begin(dst1, len1))
		return -EFAULT;
	err = msgbox_copy_out_words(dst1, src1, len1);
	if (!err)
		err = msgbox_copy_out_words(dst2, src2, len2);
	user_access_end();
	return err;
}

/**
 * msgbox_copy_from_user() - copy @len bytes in from user memory
 * @dst: kernel destination
 * @src: user source
 * @len: bytes to copy
 *
 * Return: 0, or -EFAULT.
 */
static inline int msgbox_copy_from_user(void *dst, const void __user *src,
					size_t len)
{
	const u8 __user *s = src;
	u8 *d = dst;
	size_t chunk;

	while (len) {
		chunk = min_t(size_t, len, PAGE_SIZE);
		if (msgbox_copy_in_chunk(d, s, chunk))
			return -EFAULT;
		d += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

/**
 * msgbox_copy_to_user() - copy @len bytes out to user memory
 * @dst: user destination
 * @src: kernel source
 * @len: bytes to copy
 *
 * Return: 0, or -EFAULT.
 */
static inline int msgbox_copy_to_user(void __user *dst, const void *src,
				      size_t len)
{
	const u8 *s = src;
	u8 __user *d = dst;
	size_t chunk;

	while (len) {
		chunk = min_t(size_t, len, PAGE_SIZE);
		if (msgbox_copy_out_chunk(d, s, chunk))
			return -EFAULT;
		d += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

#endif /* _MSGBOX_UACCESS_H */
