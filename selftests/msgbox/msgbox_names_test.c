// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox name rules: every name the rules refuse, with the error it gets,
 * and the unusual names they accept.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sched.h>

#include <msgbox.h>

/* Names that must be refused, with the error. */
FIXTURE(badname) {
	int dev;
	char *name;
};

FIXTURE_VARIANT(badname) {
	const char *name;	/* NULL: genlen bytes of 'n' */
	size_t genlen;
	int err;
};

FIXTURE_VARIANT_ADD(badname, empty) { .name = "", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, dot) { .name = ".", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, dotdot) { .name = "..", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, slash_inside) { .name = "a/b", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, slash_only) { .name = "/", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, slash_lead) { .name = "/st-x", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, space) { .name = "a b", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, tab) { .name = "a\tb", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, newline) { .name = "ab\n", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, ctrl_01) { .name = "\x01", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, ctrl_1f) { .name = "a\x1f", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, del_7f) { .name = "a\x7f\x62", .err = EINVAL };
FIXTURE_VARIANT_ADD(badname, len_256) { .genlen = 256, .err = ENAMETOOLONG };
FIXTURE_VARIANT_ADD(badname, len_5000) { .genlen = 5000, .err = ENAMETOOLONG };

FIXTURE_SETUP(badname)
{
	self->dev = open(MB_DEV, O_RDWR);
	if (self->dev < 0 && (errno == ENOENT || errno == ENODEV ||
			      errno == ENXIO))
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	ASSERT_LE(0, self->dev);
	if (variant->name) {
		self->name = strdup(variant->name);
	} else {
		self->name = malloc(variant->genlen + 1);
		ASSERT_NE(NULL, self->name);
		memset(self->name, 'n', variant->genlen);
		self->name[variant->genlen] = '\0';
	}
	ASSERT_NE(NULL, self->name);
}

FIXTURE_TEARDOWN(badname)
{
	free(self->name);
	close(self->dev);
}

TEST_F(badname, refused)
{
	struct msgbox_stat_args st;
	int err = variant->err;

	EXPECT_EQ(-err, mb_raw_open(self->dev, self->name,
				    MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL,
				    4, 64, 0600));
	EXPECT_EQ(-err, mb_raw_open(self->dev, self->name,
				    MSGBOX_OPEN_CREATE, 4, 64, 0600));
	EXPECT_EQ(-err, mb_raw_open(self->dev, self->name, 0, 0, 0, 0));
	EXPECT_EQ(-err, mb_raw_destroy(self->dev, self->name));
	EXPECT_EQ(-ENOTCONN, mb_raw_stat(self->dev, &st));
	EXPECT_EQ(-err, msgbox_open(self->name, O_RDWR | O_CREAT, NULL));
	EXPECT_EQ(-err, msgbox_destroy(self->name));
}

/* Edge names that must be accepted. */
FIXTURE(goodname) {
	char *name;
};

FIXTURE_VARIANT(goodname) {
	const char *name;	/* NULL: unique name of genlen bytes */
	size_t genlen;
};

FIXTURE_VARIANT_ADD(goodname, one_byte_21) { .name = "!" };
FIXTURE_VARIANT_ADD(goodname, one_byte_7e) { .name = "~" };
FIXTURE_VARIANT_ADD(goodname, one_byte_80) { .name = "\x80" };
FIXTURE_VARIANT_ADD(goodname, one_byte_ff) { .name = "\xff" };
FIXTURE_VARIANT_ADD(goodname, dot_prefix) { .name = ".st-hidden" };
FIXTURE_VARIANT_ADD(goodname, three_dots) { .name = "..." };
FIXTURE_VARIANT_ADD(goodname, punctuation) { .name = "st:a.b-c_d@e+f=g,h" };
FIXTURE_VARIANT_ADD(goodname, len_255) { .genlen = 255 };

FIXTURE_SETUP(goodname)
{
	char prefix[32];
	size_t plen;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (variant->name) {
		self->name = strdup(variant->name);
		ASSERT_NE(NULL, self->name);
		/* Short shared names: clear a leftover of an earlier run. */
		mb_destroy_name(self->name);
		return;
	}
	plen = (size_t)snprintf(prefix, sizeof(prefix), "st-%d-",
				(int)getpid());
	self->name = malloc(variant->genlen + 1);
	ASSERT_NE(NULL, self->name);
	memset(self->name, 'L', variant->genlen);
	memcpy(self->name, prefix, plen);
	self->name[variant->genlen] = '\0';
}

FIXTURE_TEARDOWN(goodname)
{
	mb_destroy_name(self->name);
	free(self->name);
}

TEST_F(goodname, accepted)
{
	char buf[8];
	int fd, fd2;

	ASSERT_EQ(variant->name ? strlen(variant->name) : variant->genlen,
		  strlen(self->name));
	fd = mb_new(self->name, O_RDWR | O_NONBLOCK, 4, 64);
	ASSERT_LE(0, fd);
	fd2 = mb_attach(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, mb_raw_send(fd, "ok", 2, 0));
	EXPECT_EQ(2, mb_raw_recv(fd2, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
	EXPECT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-ENOENT, mb_attach(self->name, O_RDWR));
	close(fd);
	close(fd2);
}

TEST_HARNESS_MAIN
