/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DOC: msgbox(1) internals
 *
 * The tool is one file per group of subcommands:
 *   msgbox.c    main(), the subcommand table and the general help
 *   common.c    diagnostics, number and timeout parsing, JSON output
 *   list.c      list: the kernel's table of mailboxes
 *   mailbox.c   create, destroy and stat: a mailbox's life
 *   message.c   send and recv: the messages
 */
#ifndef _MSGBOX_CLI_H
#define _MSGBOX_CLI_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgbox.h>

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	3

#define PROC_PATH	"/proc/driver/msgbox"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The largest message any mailbox may be created with (the hard limit of
 * the max_msg_size module parameter): a longer stdin cannot be sent.
 */
#define MSG_SIZE_HARD	(16U << 20)

/* Timeouts beyond this many seconds are clamped; it is over 30000 years. */
#define TIMEOUT_SEC_MAX	1000000000000ULL

/* msgbox.c */
extern const char *cmd;

/* message.c */
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);

/* common.c */
int fail(const char *what, int err);
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);
int bad_option(int c, char **argv);
int open_failed(const char *what, int err);
bool parse_num(const char *s, int base, unsigned long long max,
	       unsigned long long *out);
bool parse_size(const char *s, uint32_t *out);
bool parse_u32(const char *s, uint32_t *out);
bool parse_pid(const char *s, pid_t *out);
bool parse_timeout(const char *s, struct timespec *ts);
bool utf8_valid(const unsigned char *s, size_t len);
bool json_string(FILE *f, const void *data, size_t len);
int flush_stdout(void);

/* list.c */
int cmd_list(int argc, char **argv);

/* mailbox.c */
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_stat(int argc, char **argv);

#endif /* _MSGBOX_CLI_H */
