/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: the host tests of libmsgbox
 *
 * One program in several files (msgbox_lib_test.c has the model):
 *   msgbox_lib_test.c   the TAP checks and main()
 *   mock.c              the mock device: open() and ioctl() interposed,
 *                       what the library handed the kernel, the answer
 *   calls.c             checksum, version, open, port, device, destroy
 *   io.c                send, receive, stat, and the real system's errors
 *   held.c              held receives, settling and calls
 */
#ifndef _MSGBOX_LIB_TEST_H
#define _MSGBOX_LIB_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "msgbox.h"
#include "crc32c_ref.h"

/* The arguments of the last ioctl the mock answered, by command. */
union mock_last {
	struct msgbox_open_args open;
	struct msgbox_destroy_args destroy;
	struct msgbox_send_args send;
	struct msgbox_recv_args recv;
	struct msgbox_stat_args stat;
	struct msgbox_call_args call;
	struct msgbox_settle_args settle;
	unsigned char raw[256];
};

/* msgbox_lib_test.c */
extern int failures, testno;
void check(int cond, const char *what, int line);
#define CHECK(cond)	check(!!(cond), #cond, __LINE__)

/* mock.c */
extern int mock_on;
extern int mock_fd;
extern int opens, last_oflags;
extern int ioctls;
extern unsigned long last_cmd;
extern union mock_last last;
extern int (*hook)(unsigned long cmd, void *arg);
void reset(int (*h)(unsigned long, void *));
int fd_is_open(int fd);
uint64_t now_ns(void);


/* calls.c */
void test_crc32c(void);
void test_version(void);
int answer_ok(unsigned long cmd, void *arg);
int answer_eexist(unsigned long cmd, void *arg);
int answer_einval(unsigned long cmd, void *arg);
int answer_enotty(unsigned long cmd, void *arg);
void test_open(void);
void test_port_dev(void);
void test_destroy(void);
int answer_send(unsigned long cmd, void *arg);

/* io.c */
void test_send(void);
void test_recv(void);
void test_stat(void);
void test_no_device(void);
void test_not_msgbox(void);

/* held.c */
void test_held(void);

#endif /* _MSGBOX_LIB_TEST_H */
