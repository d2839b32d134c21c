/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the selftests that act as an ordinary user: what /dev/msgbox
 * (mode 0666) lets anyone do must keep to the limits and permissions the
 * README promises. The test process stays root, so that its teardown can
 * restore module parameters; the unprivileged part runs in a child that
 * drops every privilege first and reports back through a pipe.
 */
#ifndef _MSGBOX_SELFTEST_UNPRIV_H
#define _MSGBOX_SELFTEST_UNPRIV_H

#include "msgbox_util.h"

#include <grp.h>
#include <sys/resource.h>
#include <sys/syscall.h>

/* The user the unprivileged parts run as (nobody, nogroup). */
#define MB_NOBODY		65534

/*
 * Turns the calling process into @uid/@uid with no supplementary groups
 * and no capabilities. A change of credentials clears the parent-death
 * signal and dumpability: both are set again, so that the child still dies
 * with its parent and its /proc files stay its own. 0 or -errno.
 */
static inline int mb_drop_to(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

/*
 * Forks a child running as @uid (see mb_fork() for the pipe). In the
 * child, *@dropped is 0 or the -errno of dropping the privileges; the
 * child must report it rather than go on as root.
 */
static inline pid_t mb_fork_as(uid_t uid, int *rfd, int *wfd, int *dropped)
{
	pid_t pid = mb_fork(rfd, wfd);

	if (pid == 0)
		*dropped = mb_drop_to(uid);
	return pid;
}

/*
 * Runs @fn(@arg, @out) as @uid in a child and waits at most @timeout_ms
 * for it. @fn fills @out (@out_len bytes, zeroed first), which is copied
 * back. Returns what @fn returned, the -errno of dropping the privileges,
 * or -ECHILD when the child did not report in time (it is then killed).
 */
static inline int mb_run_as(uid_t uid, int (*fn)(void *arg, void *out),
			    void *arg, void *out, size_t out_len,
			    int timeout_ms)
{
	int rfd, wfd, dropped, ret = -ECHILD;
	pid_t pid;

	pid = mb_fork_as(uid, &rfd, &wfd, &dropped);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Its safety net: a little after the parent gives up. */
		alarm((unsigned int)(timeout_ms / 1000) + 5);
		memset(out, 0, out_len);
		ret = dropped ? dropped : fn(arg, out);
		mb_write_all(wfd, &ret, sizeof(ret));
		mb_write_all(wfd, out, out_len);
		_exit(0);
	}
	if (mb_read_all_timeout(rfd, &ret, sizeof(ret), timeout_ms) ||
	    mb_read_all(rfd, out, out_len)) {
		kill(pid, SIGKILL);
		ret = -ECHILD;
	}
	close(rfd);
	if (mb_wait_exit(pid) < 0)
		ret = -ECHILD;
	return ret;
}

/* A field of /proc/self/status in kB ("VmPin:"), or -1 when absent. */
static inline long mb_status_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long val = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static inline pid_t mb_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The state letter of thread @tid of this process, or 0. */
static inline char mb_thread_state(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	return mb_stat_state(path);
}

/* Sets both limits of @resource; 0 or -errno. */
static inline int mb_set_rlimit(int resource, rlim_t val)
{
	struct rlimit rl = { .rlim_cur = val, .rlim_max = val };

	return setrlimit(resource, &rl) ? -errno : 0;
}

#endif /* _MSGBOX_SELFTEST_UNPRIV_H */
