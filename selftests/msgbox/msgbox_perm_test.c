// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox ownership and permissions: names scoped by user namespace, the
 * /proc listing, a new mailbox's mode and owner, and access and destroy
 * checked against them for another user.
 */
#include "msgbox_util.h"

#include <grp.h>
#include <sched.h>

#include <msgbox.h>

FIXTURE(perm) {
	int dev;
	char name[128];
};

FIXTURE_SETUP(perm)
{
	self->dev = open(MB_DEV, O_RDWR);
	if (self->dev < 0 && (errno == ENOENT || errno == ENODEV ||
			      errno == ENXIO))
		MB_SETUP_SKIP("%s missing: module not loaded", MB_DEV);
	ASSERT_LE(0, self->dev);
	mb_name(self->name, sizeof(self->name), _metadata->name);
}

FIXTURE_TEARDOWN(perm)
{
	mb_destroy_name(self->name);
	close(self->dev);
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

TEST_F(perm, names_scoped_by_user_namespace)
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

TEST_F(perm, proc_listing)
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

TEST_F(perm, mode_and_owner)
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

TEST_F(perm, permissions_enforced)
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

TEST_HARNESS_MAIN
