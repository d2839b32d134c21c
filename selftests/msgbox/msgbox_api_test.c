// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox API tests: the device, binding descriptors to mailboxes, creation
 * and destruction, name rules, limits, argument validation (flags, reserved
 * fields, the struct size matrix, bad pointers, unknown ioctls), access modes
 * and the library's error convention.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sched.h>

#include <msgbox.h>

FIXTURE(api) {
	int dev;
	char name[128];
};

FIXTURE_SETUP(api)
{
	self->dev = open(MB_DEV, O_RDWR);
	if (self->dev < 0 && (errno == ENOENT || errno == ENODEV ||
			      errno == ENXIO))
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	ASSERT_LE(0, self->dev);
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(api)
{
	mb_destroy_name(self->name);
	close(self->dev);
}

TEST_F(api, device_node)
{
	struct msgbox_stat_args st;
	struct stat sb;
	int fd, i;
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };

	ASSERT_EQ(0, stat(MB_DEV, &sb));
	EXPECT_TRUE(S_ISCHR(sb.st_mode));
	for (i = 0; i < (int)MB_ARRAY_SIZE(modes); i++) {
		fd = open(MB_DEV, modes[i]);
		ASSERT_LE(0, fd) TH_LOG("open mode %d: %s", modes[i],
					strerror(errno));
		/* A fresh descriptor is bound to nothing. */
		EXPECT_EQ(-ENOTCONN, mb_raw_stat(fd, &st));
		close(fd);
	}
}

TEST_F(api, create_open_destroy)
{
	struct msgbox_attr attr = { .capacity = 4, .max_msg_size = 128 };
	char buf[16];
	int fd, fd2;

	fd = msgbox_open(self->name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK,
			 &attr);
	ASSERT_LE(0, fd);
	fd2 = msgbox_open(self->name, O_RDWR | O_NONBLOCK, NULL);
	ASSERT_LE(0, fd2);

	/* Both descriptors are the same mailbox. */
	EXPECT_EQ(0, msgbox_send(fd, "x", 1, 0));
	EXPECT_EQ(1, msgbox_recv(fd2, buf, sizeof(buf), NULL));
	EXPECT_EQ('x', buf[0]);

	EXPECT_EQ(0, msgbox_destroy(self->name));
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	EXPECT_EQ(-ENOENT, msgbox_destroy(self->name));
	close(fd);
	close(fd2);
}

TEST_F(api, open_missing_enoent)
{
	struct msgbox_stat_args st;

	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	EXPECT_EQ(-ENOENT, mb_raw_open(self->dev, self->name, 0, 0, 0, 0));
	/* The failed OPEN left the descriptor unbound and usable. */
	EXPECT_EQ(-ENOTCONN, mb_raw_stat(self->dev, &st));
	EXPECT_EQ(0, mb_raw_open(self->dev, self->name, MSGBOX_OPEN_CREATE,
				 2, 32, 0600));
	EXPECT_EQ(0, mb_raw_stat(self->dev, &st));
	EXPECT_EQ(2U, st.capacity);
	EXPECT_EQ(32U, st.max_msg_size);
}

TEST_F(api, create_excl_eexist)
{
	struct msgbox_attr a1 = { .capacity = 3, .max_msg_size = 100 };
	struct msgbox_attr a2 = { .capacity = 9, .max_msg_size = 900 };
	struct msgbox_stat_args st;
	int fd, fd2;

	fd = msgbox_create(self->name, &a1, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, msgbox_create(self->name, &a2, O_RDWR));
	EXPECT_EQ(-EEXIST, msgbox_open(self->name,
				       O_RDWR | O_CREAT | O_EXCL, &a2));
	EXPECT_EQ(-EEXIST, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL,
				       9, 900, 0600));

	/* CREATE without EXCL opens the existing one, attributes ignored. */
	fd2 = msgbox_open(self->name, O_RDWR | O_CREAT, &a2);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, msgbox_stat(fd2, &st));
	EXPECT_EQ(3U, st.capacity);
	EXPECT_EQ(100U, st.max_msg_size);
	close(fd2);
	close(fd);
}

TEST_F(api, excl_without_create_einval)
{
	int fd;

	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_EXCL, 4, 64, 0600));
	/* ... also when the mailbox exists. */
	fd = mb_new(self->name, O_RDWR, 4, 64);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_EXCL, 4, 64, 0600));
	close(fd);
}

TEST_F(api, dedup_flag)
{
	struct msgbox_attr attr = {
		.capacity = 4, .max_msg_size = 64, .flags = MSGBOX_ATTR_DEDUP,
	};
	struct msgbox_stat_args st;
	char other[160];
	int fd;

	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_DEDUP, 4, 64, 0600));
	ASSERT_EQ(0, mb_raw_open(self->dev, self->name,
				 MSGBOX_OPEN_CREATE | MSGBOX_OPEN_DEDUP,
				 4, 64, 0600));
	ASSERT_EQ(0, mb_raw_stat(self->dev, &st));
	EXPECT_EQ(MSGBOX_STAT_DEDUP, st.mb_flags & MSGBOX_STAT_DEDUP);

	/* Through the library attribute, and without it. */
	snprintf(other, sizeof(other), "%s-lib", self->name);
	fd = msgbox_create(other, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(MSGBOX_STAT_DEDUP, st.mb_flags & MSGBOX_STAT_DEDUP);
	close(fd);
	EXPECT_EQ(0, msgbox_destroy(other));

	attr.flags = 0;
	fd = msgbox_create(other, &attr, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ(0U, st.mb_flags & MSGBOX_STAT_DEDUP);
	close(fd);
	EXPECT_EQ(0, msgbox_destroy(other));
}

TEST_F(api, port_flag_rules)
{
	struct msgbox_open_args a;
	struct msgbox_stat_args st;
	int fd;

	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_PORT, 4, 64, 0600));
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, NULL,
				       MSGBOX_OPEN_PORT | MSGBOX_OPEN_CREATE,
				       4, 64, 0600));
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, NULL,
				       MSGBOX_OPEN_PORT | MSGBOX_OPEN_EXCL,
				       4, 64, 0600));
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, NULL,
				       MSGBOX_OPEN_PORT | MSGBOX_OPEN_CREATE |
				       MSGBOX_OPEN_EXCL, 4, 64, 0600));
	/* None of these bound the descriptor. */
	EXPECT_EQ(-ENOTCONN, mb_raw_stat(self->dev, &st));

	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_OPEN_PORT;
	a.capacity = 4;
	a.max_msg_size = 64;
	ASSERT_EQ(0, mb_ioctl(fd, MSGBOX_IOC_OPEN, &a));
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(MSGBOX_STAT_PORT, st.mb_flags & MSGBOX_STAT_PORT);
	EXPECT_EQ(getpid(), st.owner_pid);
	EXPECT_EQ(4U, st.capacity);
	EXPECT_EQ(64U, st.max_msg_size);
	close(fd);
}

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

TEST_F(api, name_efault)
{
	char *page, *tail;

	EXPECT_EQ(-EFAULT, mb_raw_open(self->dev, NULL,
				       MSGBOX_OPEN_CREATE, 4, 64, 0600));
	EXPECT_EQ(-EFAULT, mb_raw_open(self->dev, NULL, 0, 0, 0, 0));
	EXPECT_EQ(-EFAULT, mb_raw_open(self->dev, mb_unmapped(),
				       MSGBOX_OPEN_CREATE, 4, 64, 0600));
	EXPECT_EQ(-EFAULT, mb_raw_destroy(self->dev, NULL));
	EXPECT_EQ(-EFAULT, mb_raw_destroy(self->dev, mb_unmapped()));

	/* A name running off the end of a mapping, no NUL before it. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	tail = page + 4096 - 8;
	memset(tail, 'q', 8);
	EXPECT_EQ(-EFAULT, mb_raw_open(self->dev, tail, MSGBOX_OPEN_CREATE,
				       4, 64, 0600));
	munmap(page, 4096);
}

TEST_F(api, capacity_limit)
{
	unsigned long maxcap = mb_param("max_capacity", MB_DEF_MAX_CAPACITY);
	struct msgbox_attr attr = { .max_msg_size = 64 };
	struct msgbox_stat_args st;
	int fd;

	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_CREATE, maxcap + 1, 64,
				       0600));
	attr.capacity = maxcap + 1;
	EXPECT_EQ(-EINVAL, msgbox_create(self->name, &attr, O_RDWR));
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_CREATE, 0xffffffffU, 64,
				       0600));
	/* Nothing was created by the refused calls. */
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));

	fd = mb_new(self->name, O_RDWR, maxcap, 64);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(maxcap, st.capacity);
	close(fd);
}

TEST_F(api, msg_size_limit)
{
	unsigned long maxsz = mb_param("max_msg_size", MB_DEF_MAX_MSG_SIZE);
	struct msgbox_attr attr = { .capacity = 2 };
	struct msgbox_stat_args st;
	int fd;

	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_CREATE, 2, maxsz + 1,
				       0600));
	attr.max_msg_size = maxsz + 1;
	EXPECT_EQ(-EINVAL, msgbox_create(self->name, &attr, O_RDWR));
	EXPECT_EQ(-EINVAL, mb_raw_open(self->dev, self->name,
				       MSGBOX_OPEN_CREATE, 2, 0xffffffffU,
				       0600));
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));

	fd = mb_new(self->name, O_RDWR, 2, maxsz);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(maxsz, st.max_msg_size);
	close(fd);
}

/* Tests that change module parameters and restore them in teardown. */
FIXTURE(params) {
	char name[128];
	unsigned long saved[5];
	int have_saved[5];
	int nextra;
};

/* The first three are required, the per-user quotas optional. */
static const char * const param_names[] = {
	"max_mailboxes", "max_msg_size", "max_capacity",
	"user_max_mailboxes", "user_max_bytes",
};

FIXTURE_SETUP(params)
{
	unsigned int i;

	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	if (geteuid() != 0)
		MB_SETUP_SKIP("changing module parameters needs root");
	for (i = 0; i < MB_ARRAY_SIZE(param_names); i++) {
		if (!mb_param_read(param_names[i], &self->saved[i]))
			self->have_saved[i] = 1;
		else if (i < 3)
			MB_SETUP_SKIP("cannot read %s/%s", MB_PARAM_DIR,
				      param_names[i]);
	}
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(params)
{
	char name[160];
	unsigned int i;
	int n;

	for (i = 0; i < MB_ARRAY_SIZE(param_names); i++)
		if (self->have_saved[i])
			mb_param_write(param_names[i], self->saved[i]);
	mb_destroy_name(self->name);
	for (n = 0; n < self->nextra; n++) {
		snprintf(name, sizeof(name), "%s-%d", self->name, n);
		mb_destroy_name(name);
	}
}

TEST_F(params, lowered_limits)
{
	int fd;

	ASSERT_EQ(0, mb_param_write("max_msg_size", 4096));
	ASSERT_EQ(0, mb_param_write("max_capacity", 8));

	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				       4, 4097, 0600));
	EXPECT_EQ(-EINVAL, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				       9, 64, 0600));
	EXPECT_EQ(0, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE,
				 8, 4096, 0600));
	close(fd);
	EXPECT_EQ(0, mb_destroy_name(self->name));

	/* Raising them again lets the larger mailbox be created. */
	ASSERT_EQ(0, mb_param_write("max_msg_size", 8192));
	ASSERT_EQ(0, mb_param_write("max_capacity", 16));
	fd = mb_new(self->name, O_RDWR, 16, 8192);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

TEST_F(params, max_mailboxes_enospc)
{
	const int limit = 8;
	char name[160];
	int fd, n, created = 0, full_at = -1;

	ASSERT_EQ(0, mb_param_write("max_mailboxes", limit));
	for (n = 0; n <= limit; n++) {
		snprintf(name, sizeof(name), "%s-%d", self->name, n);
		self->nextra = n + 1;
		fd = mb_new(name, O_RDWR, 1, 16);
		if (fd == -ENOSPC) {
			full_at = n;
			break;
		}
		ASSERT_LE(0, fd);
		close(fd);
		created++;
	}
	ASSERT_LT(0, created) TH_LOG("%d other mailboxes exist", limit);
	ASSERT_EQ(created, full_at) TH_LOG("no ENOSPC at the limit");

	/* Existing mailboxes can still be opened at the limit. */
	snprintf(name, sizeof(name), "%s-0", self->name);
	fd = msgbox_open(name, O_RDWR | O_CREAT, NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-ENOSPC, msgbox_create(self->name, NULL, O_RDWR));

	/* Destroying one frees a slot. */
	EXPECT_EQ(0, mb_destroy_name(name));
	fd = mb_new(name, O_RDWR, 1, 16);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	snprintf(name, sizeof(name), "%s-%d", self->name, full_at);
	EXPECT_EQ(-ENOSPC, mb_new(name, O_RDWR, 1, 16));

	/* Raising the limit again allows more. */
	ASSERT_EQ(0, mb_param_write("max_mailboxes", self->saved[0]));
	fd = mb_new(name, O_RDWR, 1, 16);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

/* What an unprivileged user (uid/gid 65534) got when creating mailboxes. */
struct quota_report {
	int drop;
	int ret[6];
};

static void quota_drop(struct quota_report *r)
{
	r->drop = setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		  setresuid(65534, 65534, 65534);
}

TEST_F(params, user_quota_mailboxes)
{
	struct msgbox_attr attr = { .capacity = 1, .max_msg_size = 16 };
	struct quota_report r;
	char n[3][160];
	int rfd, wfd, fd, i, port;
	pid_t pid;

	if (!self->have_saved[3])
		SKIP(return, "no user_max_mailboxes parameter");
	for (i = 0; i < 3; i++)
		snprintf(n[i], sizeof(n[i]), "%s-%d", self->name, i);
	self->nextra = 3;
	ASSERT_EQ(0, mb_param_write("user_max_mailboxes", 2));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		for (i = 0; i < 3; i++) {
			fd = msgbox_create(n[i], &attr, O_RDWR);
			r.ret[i] = fd < 0 ? fd : 0;
			if (fd >= 0)
				close(fd);
		}
		port = msgbox_port(&attr, 0);
		r.ret[3] = port < 0 ? port : 0;
		r.ret[4] = msgbox_destroy(n[0]);
		fd = msgbox_create(n[2], &attr, O_RDWR);
		r.ret[5] = fd < 0 ? fd : 0;
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(0, r.ret[0]);
	EXPECT_EQ(0, r.ret[1]);
	EXPECT_EQ(-EDQUOT, r.ret[2]);
	EXPECT_EQ(-EDQUOT, r.ret[3]);	/* ports count too */
	EXPECT_EQ(0, r.ret[4]);
	EXPECT_EQ(0, r.ret[5]);		/* destroy gave the slot back */

	/* Root (CAP_SYS_RESOURCE) is not held to it. */
	for (i = 0; i < 3; i++) {
		snprintf(n[i], sizeof(n[i]), "%s-root%d", self->name, i);
		fd = mb_new(n[i], O_RDWR, 1, 16);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < 3; i++)
		mb_destroy_name(n[i]);
}

TEST_F(params, user_quota_bytes)
{
	struct msgbox_attr big = { .capacity = 4, .max_msg_size = 4096 };
	struct msgbox_attr one = { .capacity = 1, .max_msg_size = 1 };
	struct quota_report r;
	char n[2][160];
	int rfd, wfd, fd, i;
	pid_t pid;

	if (!self->have_saved[4])
		SKIP(return, "no user_max_bytes parameter");
	for (i = 0; i < 2; i++)
		snprintf(n[i], sizeof(n[i]), "%s-%d", self->name, i);
	self->nextra = 2;
	/* Each slot costs its largest message plus a 64-byte header. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 4 * (4096 + 64)));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		fd = msgbox_create(n[0], &big, O_RDWR);	/* exactly the quota */
		r.ret[0] = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[1] = fd < 0 ? fd : 0;
		r.ret[2] = msgbox_destroy(n[0]);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[3] = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(0, r.ret[0]);
	EXPECT_EQ(-EDQUOT, r.ret[1]);
	EXPECT_EQ(0, r.ret[2]);
	EXPECT_EQ(0, r.ret[3]);
	mb_destroy_name(n[1]);

	/* 0 bytes: no unprivileged creation at all. */
	ASSERT_EQ(0, mb_param_write("user_max_bytes", 0));
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		quota_drop(&r);
		fd = msgbox_create(n[1], &one, O_RDWR);
		r.ret[0] = fd < 0 ? fd : 0;
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	ASSERT_EQ(0, r.drop);
	EXPECT_EQ(-EDQUOT, r.ret[0]);
}

/* Names live in the user namespace of their creator. */
struct userns_report {
	int unshared;
	int open_outer;
	int create_same;
	int create_own;
	int destroy_same;
	int destroy_own;
};

TEST_F(api, names_scoped_by_user_namespace)
{
	struct userns_report r;
	char own[160];
	int fd, rfd, wfd, d1, d2, d3;
	pid_t pid;

	snprintf(own, sizeof(own), "%s-inner", self->name);
	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, msgbox_send(fd, "outer", 5, 0));

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		/* Descriptors opened before, used after unshare. */
		d1 = mb_dev_open(O_RDWR);
		d2 = mb_dev_open(O_RDWR);
		d3 = mb_dev_open(O_RDWR);
		r.unshared = d1 >= 0 && d2 >= 0 && d3 >= 0 &&
			     !unshare(CLONE_NEWUSER);
		if (r.unshared) {
			r.open_outer = mb_raw_open(d1, self->name, 0, 0, 0, 0);
			r.create_same = mb_raw_open(d2, self->name,
						    MSGBOX_OPEN_CREATE |
						    MSGBOX_OPEN_EXCL,
						    2, 16, 0600);
			r.create_own = mb_raw_open(d3, own, MSGBOX_OPEN_CREATE |
						   MSGBOX_OPEN_EXCL,
						   2, 16, 0600);
			r.destroy_same = mb_raw_destroy_bound(d2);
			r.destroy_own = mb_raw_destroy_bound(d3);
		}
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(pid)));
	close(rfd);
	if (!r.unshared) {
		close(fd);
		SKIP(return, "cannot create a user namespace");
	}
	EXPECT_EQ(-ENOENT, r.open_outer);
	EXPECT_EQ(0, r.create_same);
	EXPECT_EQ(0, r.create_own);
	EXPECT_EQ(0, r.destroy_same);
	EXPECT_EQ(0, r.destroy_own);

	/* Ours was neither seen nor touched from inside. */
	EXPECT_EQ(1, mb_msgs(fd));
	EXPECT_EQ(-ENOENT, msgbox_open(own, O_RDWR, NULL));
	close(fd);
}

/* /proc/driver/msgbox lists the mailboxes the reader may open. */
static int proc_find(const char *name, char *line, size_t size)
{
	size_t nlen = strlen(name);
	FILE *f;
	int found = 0;

	f = fopen("/proc/driver/msgbox", "r");
	if (!f)
		return -errno;
	while (fgets(line, (int)size, f))
		if (!strncmp(line, name, nlen) && line[nlen] == ' ') {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

TEST_F(api, proc_listing)
{
	unsigned int uid, gid, mode, cap, msgsize, msgs;
	unsigned long long bytes;
	char line[512], type[16];
	int fd;

	if (access("/proc/driver/msgbox", R_OK))
		SKIP(return, "no /proc/driver/msgbox");
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mb_raw_open(fd, self->name, MSGBOX_OPEN_CREATE, 3, 77,
				 0640));
	ASSERT_EQ(0, mb_raw_send(fd, "abc", 3, 0));
	ASSERT_EQ(0, mb_raw_send(fd, "de", 2, 0));
	ASSERT_EQ(1, proc_find(self->name, line, sizeof(line)));
	ASSERT_EQ(8, sscanf(line + strlen(self->name), " %15s %u %u %o %u %u %u %llu",
			    type, &uid, &gid, &mode, &cap, &msgsize, &msgs,
			    &bytes)) TH_LOG("line: %s", line);
	EXPECT_STREQ("named", type);
	EXPECT_EQ(geteuid(), uid);
	EXPECT_EQ(getegid(), gid);
	EXPECT_EQ(0640U, mode & 0777);
	EXPECT_EQ(3U, cap);
	EXPECT_EQ(77U, msgsize);
	EXPECT_EQ(2U, msgs);
	EXPECT_EQ(5ULL, bytes);

	EXPECT_EQ(0, mb_raw_destroy_bound(fd));
	EXPECT_EQ(0, proc_find(self->name, line, sizeof(line)));
	close(fd);
}

TEST_F(api, unknown_ioctl_enotty)
{
	struct msgbox_stat_args st;
	char buf[64];
	int fd;

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-ENOTTY, mb_ioctl(self->dev, _IO(MSGBOX_IOC_MAGIC, 0x7f),
				    NULL));
	EXPECT_EQ(-ENOTTY, mb_ioctl(self->dev, _IO(MSGBOX_IOC_MAGIC, 0x00),
				    NULL));
	EXPECT_EQ(-ENOTTY, mb_ioctl(self->dev,
				    _IOWR(MSGBOX_IOC_MAGIC, 0xfe,
					  struct msgbox_stat_args), buf));
	/* Another driver's magic with the number of STAT. */
	EXPECT_EQ(-ENOTTY, mb_ioctl(self->dev,
				    _IOWR('x', 0x05, struct msgbox_stat_args),
				    buf));

	fd = mb_new(self->name, O_RDWR, 4, 64);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, mb_ioctl(fd, _IO(MSGBOX_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, mb_ioctl(fd, _IOWR('x', 0x05,
					      struct msgbox_stat_args), buf));
	EXPECT_EQ(0, mb_raw_stat(fd, &st));
	close(fd);
}

TEST_F(api, open_bound_ebusy)
{
	struct msgbox_open_args a;
	char other[160];

	snprintf(other, sizeof(other), "%s-other", self->name);
	ASSERT_EQ(0, mb_raw_open(self->dev, self->name, MSGBOX_OPEN_CREATE,
				 4, 64, 0600));
	EXPECT_EQ(-EBUSY, mb_raw_open(self->dev, self->name, 0, 0, 0, 0));
	EXPECT_EQ(-EBUSY, mb_raw_open(self->dev, other,
				      MSGBOX_OPEN_CREATE, 4, 64, 0600));
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = MSGBOX_OPEN_PORT;
	EXPECT_EQ(-EBUSY, mb_ioctl(self->dev, MSGBOX_IOC_OPEN, &a));
	/* The refused CREATE created nothing. */
	EXPECT_EQ(-ENOENT, msgbox_open(other, O_RDWR, NULL));
	/* Still bound to the first mailbox. */
	EXPECT_EQ(0, mb_raw_send(self->dev, "a", 1, 0));
	EXPECT_EQ(1, mb_msgs(self->dev));
}

TEST_F(api, unbound_enotconn)
{
	struct msgbox_stat_args st;
	char buf[8];

	EXPECT_EQ(-ENOTCONN, mb_raw_send(self->dev, "a", 1, 0));
	EXPECT_EQ(-ENOTCONN, mb_raw_recv(self->dev, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ENOTCONN, mb_raw_stat(self->dev, &st));
	EXPECT_EQ(-ENOTCONN, mb_raw_destroy_bound(self->dev));
	EXPECT_EQ(-ENOTCONN, msgbox_send(self->dev, "a", 1, 0));
	EXPECT_EQ(-ENOTCONN, msgbox_recv(self->dev, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ENOTCONN, msgbox_stat(self->dev, &st));
	EXPECT_EQ(-ENOTCONN, msgbox_destroy_fd(self->dev));
}

TEST_F(api, access_modes)
{
	struct msgbox_stat_args st;
	char buf[8];
	int rw, rd, wr;

	rw = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, rw);
	rd = msgbox_open(self->name, O_RDONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, rd);
	wr = msgbox_open(self->name, O_WRONLY | O_NONBLOCK, NULL);
	ASSERT_LE(0, wr);

	EXPECT_EQ(-EBADF, msgbox_send(rd, "r", 1, 0));
	EXPECT_EQ(-EBADF, mb_raw_send(rd, "r", 1, 0));
	EXPECT_EQ(0, mb_msgs(rw));		/* nothing was queued */
	EXPECT_EQ(0, msgbox_send(wr, "w", 1, 0));
	EXPECT_EQ(-EBADF, msgbox_recv(wr, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EBADF, mb_raw_recv(wr, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, mb_msgs(rw));		/* nothing was taken */
	EXPECT_EQ(1, msgbox_recv(rd, buf, sizeof(buf), NULL));
	EXPECT_EQ('w', buf[0]);

	/* Both may look at the mailbox. */
	EXPECT_EQ(0, msgbox_stat(rd, &st));
	EXPECT_EQ(0, msgbox_stat(wr, &st));
	EXPECT_EQ(O_RDONLY, fcntl(rd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, fcntl(wr, F_GETFL) & O_ACCMODE);
	close(rw);
	close(rd);
	close(wr);
}

TEST_F(api, destroy_bound)
{
	struct msgbox_stat_args st;
	char buf[8];
	int fd;

	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, msgbox_send(fd, "q", 1, 0));
	EXPECT_EQ(0, msgbox_destroy_fd(fd));
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	EXPECT_EQ(-EIDRM, msgbox_send(fd, "q", 1, 0));
	EXPECT_EQ(-EIDRM, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EIDRM, msgbox_destroy_fd(fd));
	EXPECT_EQ(-EIDRM, mb_raw_destroy_bound(fd));
	EXPECT_EQ(-EIDRM, msgbox_stat(fd, &st));
	close(fd);
}

TEST_F(api, mode_and_owner)
{
	struct msgbox_attr attr = { .capacity = 3, .max_msg_size = 77 };
	struct msgbox_stat_args st;
	char other[160];
	mode_t old;
	int fd;

	old = umask(022);
	attr.mode = 0666;
	fd = msgbox_create(self->name, &attr, O_RDWR);
	ASSERT_LE(0, fd) umask(old);
	ASSERT_EQ(0, msgbox_stat(fd, &st)) umask(old);
	EXPECT_EQ(0644U, st.mode & 0777);
	EXPECT_EQ(geteuid(), st.uid);
	EXPECT_EQ(getegid(), st.gid);
	EXPECT_EQ(0, st.owner_pid);
	EXPECT_EQ(3U, st.capacity);
	EXPECT_EQ(77U, st.max_msg_size);
	EXPECT_EQ(0U, st.msgs);
	EXPECT_EQ(0U, st.mb_flags);
	close(fd);

	/* mode 0 means 0600. */
	snprintf(other, sizeof(other), "%s-zero", self->name);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd) umask(old);
	EXPECT_EQ(0, mb_raw_open(fd, other, MSGBOX_OPEN_CREATE, 3, 77, 0));
	EXPECT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(0600U, st.mode & 0777);
	close(fd);
	mb_destroy_name(other);

	snprintf(other, sizeof(other), "%s-0640", self->name);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd) umask(old);
	EXPECT_EQ(0, mb_raw_open(fd, other, MSGBOX_OPEN_CREATE, 3, 77, 0640));
	EXPECT_EQ(0, mb_raw_stat(fd, &st));
	EXPECT_EQ(0640U, st.mode & 0777);
	close(fd);
	mb_destroy_name(other);
	umask(old);
}

/* Child of permissions: what a stranger (uid/gid 65534) may do. */
struct perm_report {
	int open_rd_0600, open_wr_0600, destroy_0600;
	int open_rd_0604, open_wr_0604;
	int open_rw_0666, send_0666;
};

TEST_F(api, permissions_enforced)
{
	char n0600[160], n0604[160], n0666[160];
	struct perm_report r;
	int rfd, wfd, fd, status;
	mode_t old;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "switching to another user needs root");
	snprintf(n0600, sizeof(n0600), "%s-0600", self->name);
	snprintf(n0604, sizeof(n0604), "%s-0604", self->name);
	snprintf(n0666, sizeof(n0666), "%s-0666", self->name);
	old = umask(0);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mb_raw_open(fd, n0600, MSGBOX_OPEN_CREATE, 4, 64, 0600));
	close(fd);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mb_raw_open(fd, n0604, MSGBOX_OPEN_CREATE, 4, 64, 0604));
	close(fd);
	fd = mb_dev_open(O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mb_raw_open(fd, n0666, MSGBOX_OPEN_CREATE, 4, 64, 0666));
	close(fd);
	umask(old);

	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		r.open_rd_0600 = msgbox_open(n0600, O_RDONLY, NULL);
		r.open_wr_0600 = msgbox_open(n0600, O_WRONLY, NULL);
		r.destroy_0600 = msgbox_destroy(n0600);
		r.open_rd_0604 = msgbox_open(n0604, O_RDONLY, NULL);
		r.open_wr_0604 = msgbox_open(n0604, O_WRONLY, NULL);
		r.open_rw_0666 = msgbox_open(n0666, O_RDWR | O_NONBLOCK, NULL);
		r.send_0666 = r.open_rw_0666 >= 0 ?
			msgbox_send(r.open_rw_0666, "s", 1, 0) : -EBADF;
		mb_write_all(wfd, &r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &r, sizeof(r)));
	status = mb_wait_exit(pid);
	EXPECT_TRUE(mb_exited_ok(status));
	close(rfd);

	EXPECT_EQ(-EACCES, r.open_rd_0600);
	EXPECT_EQ(-EACCES, r.open_wr_0600);
	EXPECT_EQ(-EPERM, r.destroy_0600);
	EXPECT_LE(0, r.open_rd_0604);
	EXPECT_EQ(-EACCES, r.open_wr_0604);
	EXPECT_LE(0, r.open_rw_0666);
	EXPECT_EQ(0, r.send_0666);

	/* The stranger's destroy did nothing. */
	fd = msgbox_open(n0600, O_RDWR, NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	mb_destroy_name(n0600);
	mb_destroy_name(n0604);
	mb_destroy_name(n0666);
}

TEST_F(api, library_errors)
{
	struct msgbox_stat_args st;
	char buf[8];
	int fd;

	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	EXPECT_EQ(-EINVAL, msgbox_open("bad/name", O_RDWR | O_CREAT, NULL));
	EXPECT_EQ(-ENOENT, msgbox_destroy(self->name));
	EXPECT_EQ(-EBADF, msgbox_close(-1));

	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EINVAL, msgbox_send(fd, "a", 1, MSGBOX_PRIO_MAX));
	ASSERT_EQ(0, msgbox_stat(fd, &st));
	EXPECT_EQ((unsigned int)MSGBOX_DEFAULT_CAPACITY, st.capacity);
	EXPECT_EQ((unsigned int)MSGBOX_DEFAULT_MSG_SIZE, st.max_msg_size);
	EXPECT_EQ(0600U, st.mode & 0777);
	EXPECT_EQ(0, msgbox_close(fd));
	EXPECT_EQ(-EBADF, msgbox_close(fd));
}

TEST_F(api, library_open_flags)
{
	int fd, fd2, fl;

	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFL);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(O_NONBLOCK, fl & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);

	fd2 = msgbox_open(self->name, O_WRONLY, NULL);
	ASSERT_LE(0, fd2);
	fl = fcntl(fd2, F_GETFL);
	EXPECT_EQ(O_WRONLY, fl & O_ACCMODE);
	EXPECT_EQ(0, fl & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	close(fd2);

	fd2 = msgbox_dev_open(O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(O_RDONLY, fcntl(fd2, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	close(fd2);
	close(fd);
}

/* Library tests that need no device. */
FIXTURE(lib) {
	int unused;
};

FIXTURE_SETUP(lib)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(lib)
{
}

TEST_F(lib, crc32c_and_version)
{
	const char *v = msgbox_version();
	static const unsigned char zeros[32];

	ASSERT_NE(NULL, v);
	EXPECT_TRUE(v[0] >= '0' && v[0] <= '9') TH_LOG("version '%s'", v);
	/* The standard CRC-32C check values (RFC 3720 B.4). */
	EXPECT_EQ(0xE3069283U, msgbox_crc32c("123456789", 9));
	EXPECT_EQ(0x8A9136AAU, msgbox_crc32c(zeros, sizeof(zeros)));
	EXPECT_EQ(0U, msgbox_crc32c("", 0));
}

/*
 * The struct size matrix, unknown flags, reserved fields and bad argument
 * pointers, for every ioctl. prep() builds a valid argument struct of
 * ksize bytes in a zeroed buffer and returns the descriptor to use.
 */
enum {
	OP_OPEN, OP_DESTROY, OP_SEND, OP_RECV, OP_STAT, OP_NOTIFY,
	OP_SEND_BATCH, OP_RECV_BATCH,
};

FIXTURE(sizes) {
	int dev;		/* unbound, for DESTROY by name */
	int mb;			/* bound to name */
	int fd;			/* fresh unbound descriptor for OPEN */
	char name[128];
	char name2[160];
	char rbuf[64];
	struct msgbox_send_args sent;	/* batch entries */
	struct msgbox_recv_args rent;
	unsigned char *buf;	/* 2 pages + slack for oversize structs */
};

FIXTURE_VARIANT(sizes) {
	int op;
	unsigned long cmd;
	size_t ver0;
	size_t ksize;
	unsigned int known_flags;
	size_t reserved_off;	/* 0: no __reserved field */
	int ok_ret;
};

FIXTURE_VARIANT_ADD(sizes, open) {
	.op = OP_OPEN, .cmd = MSGBOX_IOC_OPEN,
	.ver0 = MSGBOX_OPEN_SIZE_VER0,
	.ksize = sizeof(struct msgbox_open_args),
	.known_flags = MSGBOX_OPEN_FLAGS,
	.reserved_off = offsetof(struct msgbox_open_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, destroy) {
	.op = OP_DESTROY, .cmd = MSGBOX_IOC_DESTROY,
	.ver0 = MSGBOX_DESTROY_SIZE_VER0,
	.ksize = sizeof(struct msgbox_destroy_args),
	.known_flags = MSGBOX_DESTROY_FLAGS,
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, send) {
	.op = OP_SEND, .cmd = MSGBOX_IOC_SEND,
	.ver0 = MSGBOX_SEND_SIZE_VER0,
	.ksize = sizeof(struct msgbox_send_args),
	.known_flags = MSGBOX_SEND_FLAGS,
	.reserved_off = offsetof(struct msgbox_send_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, recv) {
	.op = OP_RECV, .cmd = MSGBOX_IOC_RECV,
	.ver0 = MSGBOX_RECV_SIZE_VER0,
	.ksize = sizeof(struct msgbox_recv_args),
	.known_flags = MSGBOX_RECV_FLAGS,
	.reserved_off = offsetof(struct msgbox_recv_args, __reserved),
	.ok_ret = 4,
};

FIXTURE_VARIANT_ADD(sizes, stat) {
	.op = OP_STAT, .cmd = MSGBOX_IOC_STAT,
	.ver0 = MSGBOX_STAT_SIZE_VER0,
	.ksize = sizeof(struct msgbox_stat_args),
	.known_flags = 0,
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, notify) {
	.op = OP_NOTIFY, .cmd = MSGBOX_IOC_NOTIFY,
	.ver0 = MSGBOX_NOTIFY_SIZE_VER0,
	.ksize = sizeof(struct msgbox_notify_args),
	.known_flags = MSGBOX_NOTIFY_FLAGS,
	.reserved_off = offsetof(struct msgbox_notify_args, __reserved),
	.ok_ret = 0,
};

FIXTURE_VARIANT_ADD(sizes, send_batch) {
	.op = OP_SEND_BATCH, .cmd = MSGBOX_IOC_SEND_BATCH,
	.ver0 = MSGBOX_BATCH_SIZE_VER0,
	.ksize = sizeof(struct msgbox_batch_args),
	.known_flags = MSGBOX_BATCH_FLAGS,
	.ok_ret = 1,
};

FIXTURE_VARIANT_ADD(sizes, recv_batch) {
	.op = OP_RECV_BATCH, .cmd = MSGBOX_IOC_RECV_BATCH,
	.ver0 = MSGBOX_BATCH_SIZE_VER0,
	.ksize = sizeof(struct msgbox_batch_args),
	.known_flags = MSGBOX_BATCH_FLAGS,
	.ok_ret = 1,
};

#define SIZES_BUF	(3 * 4096 + 65536)

FIXTURE_SETUP(sizes)
{
	if (!mb_dev_present())
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	mb_name(self->name, sizeof(self->name), _metadata->name);
	snprintf(self->name2, sizeof(self->name2), "%s-2", self->name);
	self->fd = -1;
	self->dev = open(MB_DEV, O_RDWR);
	ASSERT_LE(0, self->dev);
	self->mb = mb_new(self->name, O_RDWR | O_NONBLOCK, 64, 64);
	ASSERT_LE(0, self->mb);
	self->buf = calloc(1, SIZES_BUF);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(sizes)
{
	if (self->fd >= 0)
		close(self->fd);
	close(self->mb);
	close(self->dev);
	mb_destroy_name(self->name);
	mb_destroy_name(self->name2);
	free(self->buf);
}

/* Builds a valid struct of @variant in self->buf; returns the fd to use. */
static int sizes_prep(FIXTURE_DATA(sizes) *self,
		      const FIXTURE_VARIANT(sizes) *variant)
{
	struct msgbox_open_args *o = (void *)self->buf;
	struct msgbox_destroy_args *d = (void *)self->buf;
	struct msgbox_send_args *s = (void *)self->buf;
	struct msgbox_recv_args *r = (void *)self->buf;
	struct msgbox_stat_args *st = (void *)self->buf;
	struct msgbox_notify_args *n = (void *)self->buf;
	struct msgbox_batch_args *b = (void *)self->buf;
	struct msgbox_notify_args clear = {
		.size = sizeof(clear), .flags = MSGBOX_NOTIFY_CLEAR,
	};
	int fd;

	memset(self->buf, 0, SIZES_BUF);
	switch (variant->op) {
	case OP_OPEN:
		mb_destroy_name(self->name2);
		if (self->fd >= 0)
			close(self->fd);
		self->fd = open(MB_DEV, O_RDWR);
		o->size = variant->ksize;
		o->flags = MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL;
		o->name = (uintptr_t)self->name2;
		o->capacity = 4;
		o->max_msg_size = 64;
		o->mode = 0600;
		return self->fd;
	case OP_DESTROY:
		fd = mb_new(self->name2, O_RDWR, 4, 64);
		if (fd >= 0)
			close(fd);
		d->size = variant->ksize;
		d->name = (uintptr_t)self->name2;
		return self->dev;
	case OP_SEND:
		mb_send_args(s, "abc", 3, 0);
		s->size = variant->ksize;
		return self->mb;
	case OP_RECV:
		mb_raw_send(self->mb, "abcd", 4, 0);
		mb_recv_args(r, self->rbuf, sizeof(self->rbuf));
		r->size = variant->ksize;
		return self->mb;
	case OP_NOTIFY:
		/* Drop an earlier registration; signo 0 asks for EPOLLPRI. */
		mb_ioctl(self->mb, MSGBOX_IOC_NOTIFY, &clear);
		n->size = variant->ksize;
		return self->mb;
	case OP_SEND_BATCH:
		mb_send_args(&self->sent, "abc", 3, 0);
		b->size = variant->ksize;
		b->entries = (uintptr_t)&self->sent;
		b->count = 1;
		b->entry_size = sizeof(self->sent);
		return self->mb;
	case OP_RECV_BATCH:
		mb_raw_send(self->mb, "abcd", 4, 0);
		mb_recv_args(&self->rent, self->rbuf, sizeof(self->rbuf));
		b->size = variant->ksize;
		b->entries = (uintptr_t)&self->rent;
		b->count = 1;
		b->entry_size = sizeof(self->rent);
		return self->mb;
	default:
		st->size = variant->ksize;
		return self->mb;
	}
}

static void sizes_set_size(FIXTURE_DATA(sizes) *self, uint32_t size)
{
	memcpy(self->buf, &size, sizeof(size));
}

static void sizes_set_flags(FIXTURE_DATA(sizes) *self, uint32_t flags)
{
	memcpy(self->buf + 4, &flags, sizeof(flags));
}

TEST_F(sizes, size_ver0_ok)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	ASSERT_EQ(variant->ver0, variant->ksize);
	sizes_set_size(self, variant->ver0);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_zero_einval)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, 0);
	EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_below_ver0_einval)
{
	uint32_t sizes[] = { 1, 4, 8, variant->ver0 - 8, variant->ver0 - 1 };
	unsigned int i;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	for (i = 0; i < MB_ARRAY_SIZE(sizes); i++) {
		sizes_set_size(self, sizes[i]);
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("size %u", sizes[i]);
	}
	/* The refused calls had no effect: the valid one still works. */
	sizes_set_size(self, variant->ksize);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_larger_zero_tail_ok)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 64);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
	fd = sizes_prep(self, variant);
	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 1);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_larger_nonzero_tail_e2big)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, variant->ksize + 8);
	self->buf[variant->ksize + 7] = 1;
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	self->buf[variant->ksize + 7] = 0;
	self->buf[variant->ksize] = 0x80;
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	self->buf[variant->ksize] = 0;
	/* Zero again: accepted. */
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, size_page_limit)
{
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	sizes_set_size(self, 4097);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 65536);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 0xffffffffU);
	EXPECT_EQ(-E2BIG, mb_ioctl(fd, variant->cmd, self->buf));
	sizes_set_size(self, 4096);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, unknown_flags_einval)
{
	unsigned int bit;
	uint32_t flags;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	memcpy(&flags, self->buf + 4, sizeof(flags));
	for (bit = 0; bit < 32; bit++) {
		if (variant->known_flags & (1U << bit))
			continue;
		sizes_set_flags(self, 1U << bit);
		EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf))
			TH_LOG("flag bit %u", bit);
	}
	sizes_set_flags(self, flags);
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

/*
 * A struct with a __reserved field refuses a non-zero one. A struct without
 * one has only real fields: its out-only fields may hold garbage on the way
 * in, and the kernel overwrites them.
 */
TEST_F(sizes, reserved_or_out_fields)
{
	uint32_t one = 1, high = 0x80000000U;
	int fd;

	if (!variant->reserved_off) {
		struct msgbox_stat_args *st = (void *)self->buf;
		struct msgbox_batch_args *b = (void *)self->buf;

		fd = sizes_prep(self, variant);
		ASSERT_LE(0, fd);
		switch (variant->op) {
		case OP_STAT:
			memset(self->buf + 8, 0xa5, variant->ksize - 8);
			EXPECT_EQ(0, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(64U, st->capacity);
			EXPECT_EQ(64U, st->max_msg_size);
			EXPECT_EQ(0U, st->waiting_senders);
			break;
		case OP_SEND_BATCH:
		case OP_RECV_BATCH:
			b->done = 0xa5a5a5a5U;
			b->error = -1;
			EXPECT_EQ(1, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(1U, b->done);
			EXPECT_EQ(0, b->error);
			break;
		default:
			/* destroy: in-only fields, all set; a second call finds nothing */
			EXPECT_EQ(0, mb_ioctl(fd, variant->cmd, self->buf));
			EXPECT_EQ(-ENOENT, mb_ioctl(fd, variant->cmd, self->buf));
			break;
		}
		return;
	}
	fd = sizes_prep(self, variant);
	ASSERT_LE(0, fd);
	memcpy(self->buf + variant->reserved_off, &one, sizeof(one));
	EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf));
	memcpy(self->buf + variant->reserved_off, &high, sizeof(high));
	EXPECT_EQ(-EINVAL, mb_ioctl(fd, variant->cmd, self->buf));
	memset(self->buf + variant->reserved_off, 0, sizeof(uint32_t));
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_F(sizes, bad_pointer_efault)
{
	unsigned char *page;
	uint32_t size = variant->ksize;
	int fd = sizes_prep(self, variant);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, NULL));
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, mb_unmapped()));

	/* Only the size field is readable, the rest is not mapped. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memcpy(page + 4096 - 4, &size, sizeof(size));
	EXPECT_EQ(-EFAULT, mb_ioctl(fd, variant->cmd, page + 4096 - 4));
	munmap(page, 4096);

	/* The valid struct still works after the faults. */
	EXPECT_EQ(variant->ok_ret, mb_ioctl(fd, variant->cmd, self->buf));
}

TEST_HARNESS_MAIN
