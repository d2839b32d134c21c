/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: msgbox_fuzz internals
 *
 * msgbox_fuzz is one program in several files (msgbox_fuzz.c has the
 * model):
 *   msgbox_fuzz.c    options, the workers' shared state, the command line
 *                    and the run
 *   fuzz_values.c    random numbers, the memory the kernel is pointed at,
 *                    interesting values, names and descriptors
 *   fuzz_args.c      argument structures and commands for each ioctl
 *   fuzz_worker.c    a worker: calls, counts, the other system calls
 */
#ifndef _MSGBOX_FUZZ_H
#define _MSGBOX_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "msgbox.h"
#include "stress_util.h"

#define MAX_WORKERS	8
#define NFDS		16
#define NNAMES		8
#define MAX_ERRNO	134
#define PAGE		4096UL
#define DATA_SIZE	(2UL << 20)		/* payloads and receive buffers */
#define ENTRIES_SIZE	(1UL << 20)		/* batch entries, then PROT_NONE */
#define SCRATCH_SIZE	(16 * PAGE)		/* argument structures */
#define HANG_SECONDS	60

#define FAULTS_FILE	"/sys/kernel/debug/msgbox/faults"
#define PROC_FILE	"/proc/driver/msgbox"

/* Per worker, in shared memory: progress and what it is doing. */
struct wstate {
	uint64_t calls;
	uint64_t ioctls;
	uint64_t ok;
	uint64_t err[MAX_ERRNO + 1];	/* last slot: anything larger */
	char last[160];			/* the call in progress */
	pid_t pid;
	int done;
};

/* msgbox_fuzz.c */
extern struct wstate *W;
extern unsigned int opt_workers, opt_seconds;
extern uint64_t opt_calls, opt_seed;
extern int opt_verbose;
extern uint64_t rs;

/* fuzz_values.c */
uint64_t rnd(void);
uint32_t rn(uint32_t n);
int chance(unsigned int pct);
extern uint8_t *data;
extern uint8_t *entries;
extern uint8_t *scratch;
void arena_init(void);
uint32_t r32(void);
uint64_t r64(void);
uint64_t rptr(size_t len, int out, int valid_pct);
extern int wid;
extern char names[NNAMES + 12][300];
extern unsigned int nnames;
void names_init(void);
uint64_t rname(void);
extern int fds[NFDS];
extern int other_fd;
extern pid_t peers[MAX_WORKERS];
int open_dev(void);
int pick_fd(void);
pid_t rpid(void);

/* fuzz_args.c */
uint64_t build(unsigned int nr, char *desc, size_t dlen);
unsigned long rcmd(unsigned int *nr);
void observe(unsigned int nr, int fd, uint64_t arg, long ret);
int settle_fd(void);

/* fuzz_worker.c */
void count(struct wstate *ws, long ret);
void worker(int w, uint64_t calls, double deadline);

#endif /* _MSGBOX_FUZZ_H */
