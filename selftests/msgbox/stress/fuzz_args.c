// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_fuzz arguments: an argument structure and a command for each
 * ioctl, valid or nearly so or not at all.
 */
#include "fuzz.h"

/* --- Argument structures --------------------------------------------- */

/*
 * Choose the size field of a structure whose current size is @cur and
 * first published size @ver0; @buf, with @room bytes writable, gets a zero
 * or non-zero tail accordingly.
 */
static uint32_t rsize(uint8_t *buf, uint32_t room, uint32_t cur, uint32_t ver0)
{
	uint32_t sz, at;
	int k = rn(100);

	if (k < 75)
		return cur;
	if (k < 80)
		return ver0;
	if (k < 87)
		return rn(ver0);
	if (k < 97) {
		sz = cur + 1 + rn(4096 - cur);
		at = cur + rn(sz - cur);
		if (chance(50) && at < room)
			buf[at] = (uint8_t)(1 + rn(255));
		return sz;
	}
	return chance(50) ? 4097 + rn(100000) : r32();
}

static uint32_t rprio(void)
{
	return chance(90) ? rn(8) : chance(50) ? MSGBOX_PRIO_MAX - 1 + rn(3) : r32();
}

static uint32_t rlen(void)
{
	uint32_t k = rn(100);

	if (k < 40)
		return rn(65);
	if (k < 80)
		return rn(4097);
	if (k < 95)
		return rn(65537);
	if (k < 99)
		return rn((1U << 20) + 2);
	return r32();
}

static uint64_t rdeadline(void)
{
	struct timespec ts;

	switch (rn(4)) {
	case 0:
		return 0;
	case 1:
		return r64();
	default:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec +
		       (rn(2) ? rn(1000000) : 0);
	}
}

static uint32_t rflags(uint32_t valid)
{
	if (chance(75))
		return (uint32_t)rnd() & valid;
	if (chance(50))
		return 1U << rn(32);
	return (uint32_t)rnd();
}

static void fill_send(struct msgbox_send_args *a)
{
	uint64_t buf;

	a->flags = rflags(MSGBOX_SEND_FLAGS);
	a->len = rlen();
	buf = rptr(a->len, 0, 92);
	a->buf = buf;
	a->prio = rprio();
	a->deadline_ns = rdeadline();
	a->key = chance(50) ? rn(16) : r64();
	a->pid = rpid();
	if ((a->flags & MSGBOX_SEND_CSUM) && chance(70) && a->len <= DATA_SIZE &&
	    buf >= (uint64_t)(uintptr_t)data &&
	    buf - (uint64_t)(uintptr_t)data <= DATA_SIZE - a->len)
		a->csum = msgbox_crc32c((void *)(uintptr_t)buf, a->len);
	else
		a->csum = (uint32_t)rnd();
	a->id = r64();
	a->result = chance(90) ? 0 : r32();
	a->__reserved = chance(95) ? 0 : r32();
}

static void fill_recv(struct msgbox_recv_args *a)
{
	a->flags = rflags(MSGBOX_RECV_FLAGS);
	a->buf_len = chance(80) ? rlen() : r32();
	a->buf = rptr(a->buf_len, 1, 90);
	a->len = r32();
	a->deadline_ns = rdeadline();
	a->from_pid = rpid();
	a->prio = r32();
	a->id = r64();
	a->__reserved = chance(95) ? 0 : r32();
	a->hold_ns = chance(60) ? 0 : chance(70) ? rn(50000000) : r64();
	a->deliveries = r32();
	a->__reserved2 = chance(95) ? 0 : r32();
}

/* --- Held messages and calls -------------------------------------------- */

/*
 * Ids this worker received, with the descriptor it received them on: a
 * settle mostly names one of them, on that descriptor or another.
 */
#define NHELD	32
static struct { uint64_t id; int fd; } held[NHELD];
static unsigned int nheld;
static uint64_t settle_id;	/* the id build() puts in the next SETTLE */

static void held_add(int fd, uint64_t id)
{
	held[nheld % NHELD].id = id;
	held[nheld % NHELD].fd = fd;
	nheld++;
}

/* The descriptor for the next SETTLE, choosing its id too. */
int settle_fd(void)
{
	unsigned int i;

	if (!nheld || chance(20)) {
		settle_id = r64();
		return pick_fd();
	}
	i = rn(nheld < NHELD ? nheld : NHELD);
	settle_id = chance(95) ? held[i].id : held[i].id + rn(3) - 1;
	return chance(80) ? held[i].fd : pick_fd();
}

/*
 * Where the built structure was: observe() reads back what the kernel
 * wrote there, @nested the receive of a SETTLE|RECV.
 */
static uint8_t *built;
static uint8_t *nested;

/* Learn the ids of what a call received. */
void observe(unsigned int nr, int fd, uint64_t arg, long ret)
{
	struct msgbox_recv_args r;

	if (ret < 0 || arg != (uint64_t)(uintptr_t)built)
		return;
	if (nr == 4) {
		memcpy(&r, built, sizeof(r));
		held_add(fd, r.id);
	} else if (nr == 11 && nested) {
		memcpy(&r, nested, sizeof(r));
		held_add(fd, r.id);
	}
}

/* A deadline for a call: mostly a few milliseconds away. */
static uint64_t rcall_deadline(void)
{
	struct timespec ts;

	if (chance(10))
		return rdeadline();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec + rn(3000000);
}

/*
 * Build the argument of @nr in scratch and return the pointer to pass,
 * which is usually it. @desc gets a short description.
 */
uint64_t build(unsigned int nr, char *desc, size_t dlen)
{
	uint8_t *p = scratch + SCRATCH_SIZE - 2 * PAGE - 4096 - 64;
	uint32_t sz = 0, i;

	memset(p, 0, 4096 + 64);
	built = NULL;
	nested = NULL;
	switch (nr) {
	case 1: {
		struct msgbox_open_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_OPEN_SIZE_VER0);
		a->flags = rflags(MSGBOX_OPEN_FLAGS);
		if (chance(60))
			a->flags |= MSGBOX_OPEN_CREATE;
		a->name = (a->flags & MSGBOX_OPEN_PORT) && chance(70) ? 0 : rname();
		a->capacity = chance(80) ? rn(65) : r32();
		a->max_msg_size = chance(80) ? rn(70000) : r32();
		a->mode = chance(80) ? 0600 | (chance(50) ? 0066 : 0) : r32();
		/*
		 * Root has no quota: keep what its mailboxes may pin within
		 * reach of a small VM; invalid limits still go through.
		 */
		if (!wid && a->capacity <= 65536 && a->max_msg_size <= (16U << 20) &&
		    (uint64_t)a->capacity * a->max_msg_size > (32U << 20))
			a->capacity = (32U << 20) / a->max_msg_size;
		a->__reserved = chance(95) ? 0 : r32();
		a->size = sz;
		snprintf(desc, dlen, "OPEN size %u flags %#x cap %u max %u", sz,
			 a->flags, a->capacity, a->max_msg_size);
		break;
	}
	case 2: {
		struct msgbox_destroy_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_DESTROY_SIZE_VER0);
		a->flags = rflags(MSGBOX_DESTROY_FLAGS);
		a->name = (a->flags & MSGBOX_DESTROY_BOUND) && chance(70) ? 0 : rname();
		a->size = sz;
		snprintf(desc, dlen, "DESTROY size %u flags %#x", sz, a->flags);
		break;
	}
	case 3: {
		struct msgbox_send_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_SEND_SIZE_VER0);
		fill_send(a);
		a->size = sz;
		snprintf(desc, dlen, "SEND size %u flags %#x len %u prio %u pid %d",
			 sz, a->flags, a->len, a->prio, a->pid);
		break;
	}
	case 4: {
		struct msgbox_recv_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_RECV_SIZE_VER0);
		fill_recv(a);
		/* A done first: mostly of a message held, as a settle is. */
		if ((a->flags & MSGBOX_RECV_DONE) && chance(80))
			a->id = settle_id;
		a->size = sz;
		snprintf(desc, dlen, "RECV size %u flags %#x buf_len %u from %d",
			 sz, a->flags, a->buf_len, a->from_pid);
		break;
	}
	case 5: {
		struct msgbox_stat_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_STAT_SIZE_VER0);
		a->flags = chance(90) ? 0 : rflags(0xffffffff);
		a->size = sz;
		snprintf(desc, dlen, "STAT size %u flags %#x", sz, a->flags);
		break;
	}
	case 6: {
		struct msgbox_notify_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_NOTIFY_SIZE_VER0);
		a->flags = rflags(MSGBOX_NOTIFY_FLAGS);
		/* Never SIGKILL or SIGSTOP to ourselves; the rest is ignored. */
		do {
			a->signo = chance(90) ? (int32_t)rn(70) : (int32_t)r32();
		} while (a->signo == SIGKILL || a->signo == SIGSTOP);
		a->__reserved = chance(95) ? 0 : r32();
		a->value = r64();
		a->size = sz;
		snprintf(desc, dlen, "NOTIFY size %u flags %#x signo %d", sz,
			 a->flags, a->signo);
		break;
	}
	case 7:
	case 8: {
		struct msgbox_batch_args *a = (void *)p;
		uint32_t esz, cur = nr == 7 ? sizeof(struct msgbox_send_args) :
					      sizeof(struct msgbox_recv_args);
		uint8_t *e;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_BATCH_SIZE_VER0);
		a->flags = rflags(MSGBOX_BATCH_FLAGS);
		a->count = chance(80) ? rn(17) : chance(80) ? rn(MSGBOX_BATCH_MAX + 2) : r32();
		esz = chance(80) ? cur : chance(50) ? cur + 8 * rn(64) : r32() % (PAGE + 64);
		a->entry_size = esz;
		/* Place the array so that a long one runs into PROT_NONE. */
		if (esz && a->count && (uint64_t)esz * a->count < ENTRIES_SIZE && chance(80))
			e = entries + ENTRIES_SIZE - (uint64_t)esz * a->count;
		else
			e = entries + 8 * rn(64);
		if (esz >= 16) {
			for (i = 0; i < a->count && e + (uint64_t)(i + 1) * esz <=
				    entries + ENTRIES_SIZE && i < 64; i++) {
				uint8_t *ent = e + (uint64_t)i * esz;
				union {
					struct msgbox_send_args s;
					struct msgbox_recv_args r;
				} u;
				uint32_t esize;

				/* Entries may be misaligned: build, then copy. */
				memset(&u, 0, sizeof(u));
				if (nr == 7)
					fill_send(&u.s);
				else
					fill_recv(&u.r);
				memset(ent, 0, esz);
				memcpy(ent, &u, esz < cur ? esz : cur);
				esize = chance(90) ? cur : rsize(ent, esz, cur, cur) % (esz + 1);
				memcpy(ent, &esize, sizeof(esize));
				if (esz > cur && chance(10))
					ent[cur + rn(esz - cur)] = 1;
			}
		}
		a->entries = chance(90) ? (uint64_t)(uintptr_t)e : rptr(64, 0, 0);
		a->done = r32();
		a->error = (int32_t)r32();
		a->size = sz;
		snprintf(desc, dlen, "%s size %u flags %#x count %u entry_size %u",
			 nr == 7 ? "SEND_BATCH" : "RECV_BATCH", sz, a->flags, a->count,
			 a->entry_size);
		break;
	}
	case 10: {
		struct msgbox_call_args *a = (void *)p;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_CALL_SIZE_VER0);
		a->flags = rflags(MSGBOX_CALL_FLAGS);
		if (chance(70))
			a->flags |= MSGBOX_CALL_DEADLINE;
		a->len = rlen();
		a->buf = rptr(a->len, 0, 92);
		a->prio = rprio();
		a->deadline_ns = rcall_deadline();
		a->reply_buf_len = chance(80) ? rn(4097) : r32();
		a->reply_buf = rptr(a->reply_buf_len, 1, 85);
		a->pid = rpid();
		a->id = r64();
		a->reply_len = r32();
		a->reply_pid = (int32_t)r32();
		a->size = sz;
		snprintf(desc, dlen, "CALL size %u flags %#x len %u reply_buf_len %u pid %d",
			 sz, a->flags, a->len, a->reply_buf_len, a->pid);
		break;
	}
	case 11: {
		struct msgbox_settle_args *a = (void *)p;
		struct msgbox_recv_args *r;
		uint32_t rsz;

		sz = rsize(p, 4096 + 64, sizeof(*a), MSGBOX_SETTLE_SIZE_VER0);
		a->flags = rflags(MSGBOX_SETTLE_FLAGS);
		if (chance(40))
			a->flags |= MSGBOX_SETTLE_RECV;
		a->id = settle_id;
		a->len = chance(50) ? 0 : rlen();
		a->buf = rptr(a->len, 0, 90);
		a->settle_error = (int32_t)r32();
		if (a->flags & MSGBOX_SETTLE_RECV) {
			if (chance(85)) {
				/* A receive of its own, in front of the structure. */
				r = (void *)(scratch + 8 * rn(64));
				memset(r, 0, 4096 + 64);
				fill_recv(r);
				if (chance(60))
					r->flags |= MSGBOX_RECV_HOLD;
				rsz = rsize((uint8_t *)r, 4096 + 64, sizeof(*r),
					    MSGBOX_RECV_SIZE_VER0);
				r->size = rsz;
				nested = (uint8_t *)r;
				if (chance(10)) {
					/* Its tail in the PROT_NONE page. */
					size_t cut = 1 + rn(sizeof(*r));

					memcpy(scratch + SCRATCH_SIZE - cut, r, cut);
					nested = NULL;
					a->recv = (uint64_t)(uintptr_t)(scratch +
							SCRATCH_SIZE - cut);
				} else {
					a->recv = (uint64_t)(uintptr_t)r;
				}
			} else {
				a->recv = rptr(sizeof(*r), 1, 0);
			}
		} else {
			a->recv = chance(95) ? 0 : rptr(sizeof(*r), 1, 50);
		}
		a->size = sz;
		snprintf(desc, dlen, "SETTLE size %u flags %#x id %llu len %u",
			 sz, a->flags, (unsigned long long)a->id, a->len);
		break;
	}
	default:
		for (i = 0; i < 64; i++)
			p[i] = (uint8_t)rnd();
		snprintf(desc, dlen, "nr %u", nr);
		break;
	}

	/* Where the kernel finds it. */
	if (chance(88)) {
		built = p;
		return (uint64_t)(uintptr_t)p;
	}
	if (chance(40)) {
		/* Straddling: the tail of the structure is PROT_NONE. */
		size_t cut = 1 + rn(sz && sz < 200 ? sz : 64);
		uint8_t *q = scratch + SCRATCH_SIZE - cut;

		memcpy(q, p, cut);
		return (uint64_t)(uintptr_t)q;
	}
	if (chance(30)) {
		/* Misaligned copy. */
		uint8_t *q = p - 1 - rn(7);

		memmove(q, p, 256);
		return (uint64_t)(uintptr_t)q;
	}
	return rptr(sz, 1, 0);
}

unsigned long rcmd(unsigned int *nr)
{
	static const struct { unsigned int nr; unsigned long cmd; } cmds[] = {
		{ 1, MSGBOX_IOC_OPEN }, { 2, MSGBOX_IOC_DESTROY },
		{ 3, MSGBOX_IOC_SEND }, { 4, MSGBOX_IOC_RECV },
		{ 5, MSGBOX_IOC_STAT }, { 6, MSGBOX_IOC_NOTIFY },
		{ 7, MSGBOX_IOC_SEND_BATCH }, { 8, MSGBOX_IOC_RECV_BATCH },
		{ 10, MSGBOX_IOC_CALL }, { 11, MSGBOX_IOC_SETTLE },
	};
	static const unsigned long others[] = {
		FIONREAD, FIOCLEX, FIONCLEX, TCGETS, 0x1261 /* BLKFLSBUF */,
		0x80086601 /* FS_IOC_GETFLAGS */, 0xc0185879, 0, 0xffffffff,
	};
	unsigned long cmd;
	int k = rn(100), i;

	if (k < 80) {
		i = rn(sizeof(cmds) / sizeof(cmds[0]));
		/* Weight the calls that move messages, and settles. */
		if (chance(30))
			i = chance(40) ? 2 : chance(60) ? 3 : 9;
		*nr = cmds[i].nr;
		return cmds[i].cmd;
	}
	if (k < 88) {
		/* The right number, the wrong direction or size. */
		*nr = 1 + rn(11);
		return _IOC(rn(4), MSGBOX_IOC_MAGIC, *nr, rn(1U << 14));
	}
	if (k < 95) {
		*nr = chance(50) ? rn(256) : 12 + rn(8);
		return _IOC(rn(4), MSGBOX_IOC_MAGIC, *nr, rn(1U << 14));
	}
	*nr = 0;
	cmd = chance(50) ? others[rn(sizeof(others) / sizeof(others[0]))] :
			   (unsigned long)(uint32_t)rnd();
	/* Never FIONBIO or FIOASYNC: descriptors stay non-blocking. */
	if (cmd == FIONBIO || cmd == FIOASYNC)
		cmd = FIONREAD;
	return cmd;
}
