// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox API tests: the device, binding descriptors to mailboxes, creation
 * and destruction, limits, unknown ioctls, bound and unbound descriptors,
 * access modes, and the library's error convention and checksum.
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

TEST_HARNESS_MAIN
