// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgbox host tests: the checksum and version, and what msgbox_open(),
 * msgbox_create(), msgbox_port(), msgbox_dev_open(), msgbox_destroy() and
 * msgbox_unlink() hand the kernel.
 */
#include "lib_test.h"

void test_crc32c(void)
{
	static unsigned char buf[1100];
	int ok = 1;
	size_t off, len;

	CHECK(msgbox_crc32c("123456789", 9) == 0xE3069283U);
	CHECK(msgbox_crc32c(NULL, 0) == 0);
	/* RFC 3720 B.4: 32 bytes of zeroes, of 0xff. */
	memset(buf, 0, 32);
	CHECK(msgbox_crc32c(buf, 32) == 0x8A9136AAU);
	memset(buf, 0xff, 32);
	CHECK(msgbox_crc32c(buf, 32) == 0x62A8AB43U);

	srand(1);
	for (off = 0; off < sizeof(buf); off++)
		buf[off] = rand();
	for (off = 0; off < 9; off++)
		for (len = 0; len + off <= 1024; len += 1 + len / 8)
			if (msgbox_crc32c(buf + off, len) !=
			    crc32c_ref(buf + off, len))
				ok = 0;
	CHECK(ok);
}

void test_version(void)
{
	CHECK(!strcmp(msgbox_version(), MSGBOX_VERSION));
}

int answer_ok(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return 0;
}

int answer_eexist(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -EEXIST;
}

int answer_einval(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -EINVAL;
}

int answer_enotty(unsigned long cmd, void *arg)
{
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

void test_open(void)
{
	struct msgbox_attr attr = {
		.capacity = 5, .max_msg_size = 100, .mode = 0640,
		.flags = MSGBOX_ATTR_DEDUP,
	};
	struct msgbox_attr bad = { .flags = 2 };
	int fd;

	reset(answer_ok);
	CHECK(msgbox_open(NULL, O_RDWR, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_TRUNC, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_APPEND, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_ACCMODE, NULL) == -EINVAL);
	CHECK(msgbox_open("a", O_RDWR | O_CREAT, &bad) == -EINVAL);
	CHECK(msgbox_create(NULL, NULL, O_RDWR) == -EINVAL);
	CHECK(opens == 0 && ioctls == 0);

	reset(answer_ok);
	fd = msgbox_open("orders", O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC,
			 &attr);
	CHECK(fd >= 0 && fd == mock_fd);
	CHECK(last_oflags == (O_WRONLY | O_NONBLOCK | O_CLOEXEC));
	CHECK(last_cmd == MSGBOX_IOC_OPEN);
	CHECK(last.open.size == sizeof(struct msgbox_open_args));
	CHECK(last.open.flags == (MSGBOX_OPEN_CREATE | MSGBOX_OPEN_DEDUP));
	CHECK(last.open.name == (uintptr_t)"orders" ||
	      !strcmp((const char *)(uintptr_t)last.open.name, "orders"));
	CHECK(last.open.capacity == 5 && last.open.max_msg_size == 100 &&
	      last.open.mode == 0640 && last.open.__reserved == 0);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDONLY | O_CREAT, NULL);
	CHECK(last_oflags == O_RDONLY);
	CHECK(last.open.flags == MSGBOX_OPEN_CREATE);
	CHECK(last.open.capacity == MSGBOX_DEFAULT_CAPACITY &&
	      last.open.max_msg_size == MSGBOX_DEFAULT_MSG_SIZE &&
	      last.open.mode == MSGBOX_DEFAULT_MODE);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDWR, &attr);
	CHECK(last_oflags == O_RDWR);
	CHECK(last.open.flags == 0 && last.open.capacity == 0 &&
	      last.open.max_msg_size == 0 && last.open.mode == 0);
	close(fd);

	reset(answer_ok);
	fd = msgbox_open("orders", O_RDWR | O_EXCL, NULL);
	CHECK(last.open.flags == MSGBOX_OPEN_EXCL);
	close(fd);

	reset(answer_ok);
	fd = msgbox_create("orders", NULL, O_RDWR);
	CHECK(last.open.flags == (MSGBOX_OPEN_CREATE | MSGBOX_OPEN_EXCL));
	close(fd);

	reset(answer_eexist);
	CHECK(msgbox_create("orders", NULL, O_RDWR) == -EEXIST);
	CHECK(opens == 1 && !fd_is_open(mock_fd));
}

void test_port_dev(void)
{
	struct msgbox_attr attr = { .capacity = 7, .max_msg_size = 9 };
	int fd;

	reset(answer_ok);
	CHECK(msgbox_port(NULL, O_WRONLY) == -EINVAL);
	CHECK(msgbox_port(NULL, O_CREAT) == -EINVAL);
	CHECK(msgbox_dev_open(O_CREAT) == -EINVAL);
	CHECK(msgbox_dev_open(O_ACCMODE) == -EINVAL);
	CHECK(opens == 0);

	reset(answer_ok);
	fd = msgbox_port(&attr, O_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(last_oflags == (O_RDWR | O_NONBLOCK));
	CHECK(last.open.flags == MSGBOX_OPEN_PORT && last.open.name == 0);
	CHECK(last.open.capacity == 7 && last.open.max_msg_size == 9);
	close(fd);

	reset(answer_ok);
	fd = msgbox_port(NULL, O_RDWR | O_CLOEXEC);
	CHECK(last_oflags == (O_RDWR | O_CLOEXEC));
	CHECK(last.open.capacity == MSGBOX_DEFAULT_CAPACITY);
	close(fd);

	reset(answer_ok);
	fd = msgbox_dev_open(O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && last_oflags == (O_WRONLY | O_CLOEXEC) && ioctls == 0);
	close(fd);
}

void test_destroy(void)
{
	reset(answer_ok);
	CHECK(msgbox_destroy(NULL) == -EINVAL && opens == 0);
	CHECK(msgbox_destroy("done") == 0);
	CHECK(last_cmd == MSGBOX_IOC_DESTROY);
	CHECK(last.destroy.size == sizeof(struct msgbox_destroy_args) &&
	      last.destroy.flags == 0 && last.destroy.name != 0);
	CHECK(!fd_is_open(mock_fd));

	/* msgbox_unlink(): the same call, removing the name only. */
	reset(answer_ok);
	CHECK(msgbox_unlink(NULL) == -EINVAL && opens == 0);
	CHECK(msgbox_unlink("done") == 0);
	CHECK(last_cmd == MSGBOX_IOC_DESTROY);
	CHECK(last.destroy.size == sizeof(struct msgbox_destroy_args) &&
	      last.destroy.flags == MSGBOX_DESTROY_UNLINK &&
	      last.destroy.name != 0);
	CHECK(!fd_is_open(mock_fd));

	reset(answer_ok);
	mock_fd = open(MSGBOX_DEVICE, O_RDWR);
	CHECK(msgbox_destroy_fd(mock_fd) == 0);
	CHECK(last.destroy.flags == MSGBOX_DESTROY_BOUND && last.destroy.name == 0);
	hook = answer_enotty;
	CHECK(msgbox_destroy_fd(mock_fd) == -ENOTTY);
	close(mock_fd);
	CHECK(msgbox_close(mock_fd) == -EBADF);
}

int answer_send(unsigned long cmd, void *arg)
{
	struct msgbox_send_args *a = arg;

	(void)cmd;
	a->id = 42;
	a->result = MSGBOX_SENT_DUPLICATE | MSGBOX_SENT_DELIVERED;
	return 0;
}

