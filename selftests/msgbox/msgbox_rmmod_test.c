// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox module unload tests. They unload and reload the module, so they
 * run last, as root, with MSGBOX_MODULE naming the msgbox.ko to reload:
 *
 *   MSGBOX_MODULE=/path/to/msgbox.ko ./msgbox_rmmod_test
 *
 * While any /dev/msgbox descriptor is open the module must refuse to go;
 * once they are all closed it must unload even with named mailboxes still
 * holding messages, and load again into a working state. A call pending
 * keeps it as its descriptors do, and leaves nothing behind once its
 * processes are gone.
 */
#include "hold_util.h"

#include <sys/syscall.h>

#include <msgbox.h>

#define MOD_NAME	"msgbox"
#define MOD_SYSFS	"/sys/module/" MOD_NAME

FIXTURE(rmmod) {
	const char *ko;
	char name[128];
	int fds[4];
	int nfds;
};

static int mod_loaded(void)
{
	return access(MOD_SYSFS, F_OK) == 0;
}

/* delete_module(2) without waiting; -errno. */
static int mod_unload(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
}

/* Loads @ko with finit_module(2), or init_module(2) where that is missing. */
static int mod_load(const char *ko)
{
	struct stat sb;
	void *img;
	int fd, ret;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	if (ret == -ENOSYS) {
		ret = -EIO;
		if (!fstat(fd, &sb)) {
			img = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE,
				   fd, 0);
			if (img != MAP_FAILED) {
				ret = syscall(SYS_init_module, img,
					      (unsigned long)sb.st_size, "") ?
					-errno : 0;
				munmap(img, sb.st_size);
			}
		}
	}
	close(fd);
	return ret;
}

/* Waits for /dev/msgbox to appear (devtmpfs creates it on load). */
static int wait_dev(void)
{
	uint64_t start = mb_now_ns();

	while (!mb_dev_present()) {
		if (mb_ms_since(start) > MB_WAIT_MS)
			return -ETIMEDOUT;
		mb_sleep_ms(10);
	}
	return 0;
}

FIXTURE_SETUP(rmmod)
{
	self->ko = getenv("MSGBOX_MODULE");
	if (geteuid() != 0)
		MB_SETUP_SKIP("unloading modules needs root");
	if (!self->ko || !*self->ko)
		MB_SETUP_SKIP("set MSGBOX_MODULE to the path of msgbox.ko");
	if (access(self->ko, R_OK))
		MB_SETUP_SKIP("MSGBOX_MODULE=%s is not readable", self->ko);
	if (!mod_loaded() || !mb_dev_present())
		MB_SETUP_SKIP("module %s is not loaded", MOD_NAME);
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(rmmod)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		close(self->fds[i]);
	if (mod_loaded())
		mb_destroy_name(self->name);
	else if (mod_load(self->ko) == 0)	/* leave it loaded */
		wait_dev();
}

TEST_F(rmmod, refused_while_open)
{
	int dev, named, port, ret;

	dev = mb_dev_open(O_RDWR);
	ASSERT_LE(0, dev);
	self->fds[self->nfds++] = dev;

	ret = mod_unload();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN || ret == -EBUSY)
		TH_LOG("delete_module with an open fd returned %d", ret);
	ASSERT_TRUE(mod_loaded());
	/* The descriptor still works. */
	EXPECT_EQ(0, mb_raw_open(dev, self->name, MSGBOX_OPEN_CREATE, 4, 64,
				 0600));
	EXPECT_EQ(0, mb_raw_send(dev, "x", 1, 0));
	EXPECT_EQ(1, mb_msgs(dev));

	/* Only bound and port descriptors open. */
	close(dev);
	self->nfds = 0;
	named = msgbox_open(self->name, O_RDONLY, NULL);
	ASSERT_LE(0, named);
	self->fds[self->nfds++] = named;
	port = msgbox_port(NULL, 0);
	ASSERT_LE(0, port);
	self->fds[self->nfds++] = port;
	ret = mod_unload();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN || ret == -EBUSY)
		TH_LOG("delete_module with bound fds returned %d", ret);
	ASSERT_TRUE(mod_loaded());
	close(named);
	ret = mod_unload();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN || ret == -EBUSY)
		TH_LOG("delete_module with a port fd returned %d", ret);
	ASSERT_TRUE(mod_loaded());
	close(port);
	self->nfds = 0;
	EXPECT_EQ(0, mb_destroy_name(self->name));
}

TEST_F(rmmod, unload_with_queued_messages_and_reload)
{
	char other[160], buf[8];
	int fd, fd2, i, dev;

	/* Two named mailboxes with messages, no descriptor left open. */
	snprintf(other, sizeof(other), "%s-b", self->name);
	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	fd2 = msgbox_create(other, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd2) close(fd);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, msgbox_send(fd, "q", 1, 0));
		EXPECT_EQ(0, msgbox_send(fd2, "q", 1, (unsigned int)i));
	}
	close(fd);
	close(fd2);

	ASSERT_EQ(0, mod_unload());
	EXPECT_FALSE(mod_loaded());
	dev = open(MB_DEV, O_RDWR);
	EXPECT_GT(0, dev);
	if (dev >= 0)
		close(dev);

	ASSERT_EQ(0, mod_load(self->ko));
	ASSERT_TRUE(mod_loaded());
	ASSERT_EQ(0, wait_dev());

	/* A fresh module: the old mailboxes are gone, new ones work. */
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
	EXPECT_EQ(-ENOENT, msgbox_open(other, O_RDWR, NULL));
	fd = msgbox_create(self->name, NULL, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	self->fds[self->nfds++] = fd;
	EXPECT_EQ(0, mb_msgs(fd));
	EXPECT_EQ(0, msgbox_send(fd, "new", 3, 0));
	EXPECT_EQ(3, msgbox_recv(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, memcmp(buf, "new", 3));
}

TEST_F(rmmod, unload_after_children_exit)
{
	int rfd, wfd, ret;
	pid_t pid;

	/* A child holding a blocked descriptor pins the module ... */
	pid = mb_fork(&rfd, &wfd);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[8];
		int fd;

		fd = msgbox_create(self->name, NULL, O_RDWR);
		mb_write_all(wfd, &fd, sizeof(fd));
		if (fd >= 0)
			msgbox_recv(fd, buf, sizeof(buf), NULL);
		_exit(0);
	}
	ASSERT_EQ(0, mb_read_all(rfd, &ret, sizeof(ret)));
	ASSERT_LE(0, ret);
	ASSERT_EQ(0, mb_wait_sleeping(pid));
	ret = mod_unload();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN || ret == -EBUSY)
		TH_LOG("delete_module with a blocked receiver returned %d",
		       ret);
	ASSERT_TRUE(mod_loaded());

	/* ... until it is gone. */
	kill(pid, SIGKILL);
	EXPECT_LE(0, mb_wait_exit(pid));
	close(rfd);
	ASSERT_EQ(0, mod_unload());
	EXPECT_FALSE(mod_loaded());
	ASSERT_EQ(0, mod_load(self->ko));
	ASSERT_EQ(0, wait_dev());
	EXPECT_EQ(-ENOENT, msgbox_open(self->name, O_RDWR, NULL));
}

TEST_F(rmmod, refused_while_call_pending)
{
	struct call_spec cs = {
		.name = self->name, .fd = -1, .buf = "call", .len = 4,
		.reply_buf_len = 16, .sigpipe = -1,
	};
	int fd, rfd, srfd, swfd, held, ret;
	struct call_res res;
	pid_t caller, server;
	char buf[64];

	fd = mb_new(self->name, O_RDWR | O_NONBLOCK, 4, 64);
	ASSERT_LE(0, fd);
	caller = call_spawn(&cs, &rfd);
	ASSERT_LT(0, caller);
	ASSERT_TRUE(call_started(rfd)) kill(caller, SIGKILL);
	ASSERT_EQ(0, mb_wait_counts(fd, 1, 0, 1, NULL)) kill(caller, SIGKILL);
	server = mb_fork(&srfd, &swfd);
	ASSERT_LE(0, server) kill(caller, SIGKILL);
	if (server == 0) {
		int s = mb_attach(self->name, O_RDWR | O_NONBLOCK);

		held = s < 0 ? s : mb_hold(s, buf, sizeof(buf), 0, NULL);
		mb_write_all(swfd, &held, sizeof(held));
		for (;;)
			pause();
	}
	ASSERT_EQ(0, mb_read_all(srfd, &held, sizeof(held))) {
		kill(caller, SIGKILL);
		kill(server, SIGKILL);
	}
	EXPECT_EQ(4, held);
	close(fd);

	/* Only the caller and the server hold descriptors now. */
	ret = mod_unload();
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN || ret == -EBUSY)
		TH_LOG("delete_module with a call pending returned %d", ret);
	ASSERT_TRUE(mod_loaded());

	kill(server, SIGKILL);
	EXPECT_LE(0, mb_wait_exit(server));
	ASSERT_EQ(0, call_result(rfd, &res)) kill(caller, SIGKILL);
	EXPECT_EQ(-ECONNRESET, res.ret);
	EXPECT_TRUE(mb_exited_ok(mb_wait_exit(caller)));
	close(rfd);
	close(srfd);

	ASSERT_EQ(0, mod_unload());
	EXPECT_FALSE(mod_loaded());
	ASSERT_EQ(0, mod_load(self->ko));
	ASSERT_EQ(0, wait_dev());
	EXPECT_EQ(-ENOENT, mb_attach(self->name, O_RDWR));
}

TEST_HARNESS_MAIN
