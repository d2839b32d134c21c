// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress - many producers and consumers over named mailboxes and
 * ports, with faults injected while they run, and every message accounted.
 *
 * DOC: model
 *
 * Workers are processes, so that each can be killed on its own: producers
 * send to every destination (named mailboxes, and ports reached by PID),
 * consumers receive from every named mailbox, and one port owner per port
 * receives from its own port. Blocking, O_NONBLOCK, timed, acknowledged and
 * batched calls are mixed at random. Beside them, callers make
 * MSGBOX_IOC_CALLs to a mailbox of their own that servers answer
 * (stress_calls.c has their model). All bookkeeping lives in shared
 * anonymous mappings.
 *
 * Every message carries a header (global message number "gid", stream,
 * sequence number, length) and a CRC32C of its body. A stream is one
 * producer incarnation's messages to one generation of one destination at
 * one priority, numbered from 0; a failed send is retried with the same
 * gid and sequence number, so sequence numbers stay dense and any second
 * delivery of the same message shows up. For each gid the table records
 * whether its send succeeded ("accepted") and how often it was received.
 *
 * While it runs, the conductor (the parent) injects faults: storms of
 * SIGUSR1 at the workers (half of them with SA_RESTART), SIGKILL of
 * workers blocked in a call (respawned as new incarnations), destroy and
 * re-create of named mailboxes and of the calls mailbox, delete_module()
 * attempts (must be refused)
 * and, through failslab with a task filter, failed kernel allocations in a
 * few workers (ENOMEM, never anything else, never a lost message).
 *
 * At the end producers stop, consumers drain every destination, and the
 * table is checked: no message received twice, none corrupted or delivered
 * to the wrong mailbox, per-consumer order increasing within each stream,
 * no message delivered whose send failed, and accepted messages missing
 * only where a destroy (at most its capacity per generation) or a killed
 * receiver (at most what its call was taking) explains it. Callers stop,
 * servers drain the calls mailbox, and every call is held to the contract
 * of calls. Finally the mailboxes are destroyed and kernel slab memory
 * must be back near its baseline.
 *
 * A destroyed mailbox gets a new generation. The conductor destroys it,
 * then bumps the generation, then creates it again; a worker reads the
 * generation before and after opening by name and retries when the two
 * differ, so the generation it records is the one of the mailbox it got.
 */
#include "stress.h"

struct shared *S;
struct callrec *C;

/* Options. */
static unsigned int opt_producers = 8, opt_consumers = 8, opt_ports = 2;
static unsigned int opt_callers = 3, opt_servers = 2;
static unsigned int opt_seconds = 60, opt_messages = 1000000;
static unsigned int opt_failslab = 10;	/* percent, 0: off */
/* percent, 0: off */
static unsigned int opt_slab_slack_kb;	/* 0: MemTotal / 32 + 8 MiB */
/* 0: MemTotal / 32 + 8 MiB */
static int opt_rmmod = 1, opt_kill = 1, opt_destroy = 1, opt_signals = 1;
uint64_t opt_seed;

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seconds N] [--messages N] [--producers N] [--consumers N]\n"
		"          [--ports N] [--callers N] [--servers N] [--seed N]\n"
		"          [--failslab PERCENT] [--slab-slack KB]\n"
		"          [--no-kill] [--no-destroy] [--no-rmmod] [--no-signals]\n"
		"Many producers and consumers over named mailboxes and ports, callers and\n"
		"servers over a calls mailbox, with faults injected; every message and\n"
		"every call is checked and accounted. Needs root for\n"
		"failslab and delete_module; prints TAP.\n", argv0);
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", 1, NULL, 's' }, { "messages", 1, NULL, 'm' },
		{ "producers", 1, NULL, 'p' }, { "consumers", 1, NULL, 'c' },
		{ "ports", 1, NULL, 'P' }, { "seed", 1, NULL, 'S' },
		{ "callers", 1, NULL, 'C' }, { "servers", 1, NULL, 'V' },
		{ "failslab", 1, NULL, 'f' }, { "slab-slack", 1, NULL, 'k' },
		{ "no-kill", 0, NULL, 'K' }, { "no-destroy", 0, NULL, 'D' },
		{ "no-rmmod", 0, NULL, 'R' }, { "no-signals", 0, NULL, 'G' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	int o;

	opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	while ((o = getopt_long(argc, argv, "s:m:p:c:P:S:C:V:f:k:KDRGh", lo, NULL)) != -1) {
		switch (o) {
		case 's': opt_seconds = strtoul(optarg, NULL, 0); break;
		case 'm': opt_messages = strtoul(optarg, NULL, 0); break;
		case 'p': opt_producers = strtoul(optarg, NULL, 0); break;
		case 'c': opt_consumers = strtoul(optarg, NULL, 0); break;
		case 'P': opt_ports = strtoul(optarg, NULL, 0); break;
		case 'S': opt_seed = strtoull(optarg, NULL, 0); break;
		case 'C': opt_callers = strtoul(optarg, NULL, 0); break;
		case 'V': opt_servers = strtoul(optarg, NULL, 0); break;
		case 'f': opt_failslab = strtoul(optarg, NULL, 0); break;
		case 'k': opt_slab_slack_kb = strtoul(optarg, NULL, 0); break;
		case 'K': opt_kill = 0; break;
		case 'D': opt_destroy = 0; break;
		case 'R': opt_rmmod = 0; break;
		case 'G': opt_signals = 0; break;
		default: usage(argv[0]);
		}
	}
	if (!opt_producers || !opt_consumers || opt_consumers <= opt_ports ||
	    opt_producers + opt_consumers + opt_callers + opt_servers > MAX_WORKERS ||
	    (opt_callers && !opt_servers) || opt_ports > 4 ||
	    !opt_messages || opt_messages > 100000000 || opt_failslab > 100)
		usage(argv[0]);
}

/* Named mailboxes and ports: capacity, largest message. */
static const struct { const char *tag; uint32_t cap, size; } named_cfg[] = {
	{ "small", 256, 256 },
	{ "mid", 64, 4096 },
	{ "big", 8, 65536 },
	{ "rendezvous", 0, 1024 },
};
static const struct { uint32_t cap, size; } port_cfg[] = {
	{ 32, 8192 }, { 4, 512 }, { 128, 1024 }, { 1, 65536 },
};

static int tap_n;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct counters *c;
	uint64_t accepted = 0, received = 0, lost = 0, lost_destroy = 0;
	uint64_t lost_kill = 0, excess = 0, phantom = 0, maybe_seen = 0;
	uint64_t allow_destroy = 0, allow_kill = 0;
	uint64_t calls_answered = 0, calls_failed = 0, calls_bad = 0;
	long slab_base, slab_peak, slab_after, slack;
	double start, next_kill, next_destroy, next_rmmod, next_slab, next_calls, t;
	int failslab_on = 0, rmmod_on, i, fd;
	size_t shm_size;
	struct rng r;
	uint32_t d, w, g;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	block_usr(SIG_BLOCK);

	fd = open(MSGBOX_DEVICE, O_RDWR);
	if (fd < 0) {
		printf("1..0 # SKIP %s: %s\n", MSGBOX_DEVICE, strerror(errno));
		return 4;
	}
	close(fd);

	shm_size = sizeof(struct shared) + (size_t)(opt_messages + 65536) * sizeof(struct msgrec);
	S = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(S, 0, shm_size);
	S->max_gids = opt_messages;
	C = mmap(NULL, MAX_CALLS * sizeof(*C), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (C == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	c = &S->c;
	rng_init(&r, 0, 0);

	printf("# msgbox_stress: seed %llu, %u producers, %u consumers (%u port owners), "
	       "%u named mailboxes + %u ports, %u callers, %u servers, %u s, "
	       "at most %u messages\n",
	       (unsigned long long)opt_seed, opt_producers, opt_consumers, opt_ports,
	       (unsigned)(sizeof(named_cfg) / sizeof(named_cfg[0])), opt_ports,
	       opt_callers, opt_servers, opt_seconds, opt_messages);

	settle();
	slab_base = slab_peak = meminfo_kb("Slab");

	for (d = 0; d < sizeof(named_cfg) / sizeof(named_cfg[0]); d++) {
		struct dest *ds = &S->dests[S->ndests++];

		snprintf(ds->name, sizeof(ds->name), "stress-%d-%s", (int)getpid(),
			 named_cfg[d].tag);
		ds->capacity = named_cfg[d].cap;
		ds->max_msg_size = named_cfg[d].size;
		i = create_dest(ds);
		if (i) {
			printf("not ok 1 create %s: %s\n", ds->name, strerror(-i));
			return 1;
		}
	}
	snprintf(S->calls.name, sizeof(S->calls.name), "stress-%d-calls", (int)getpid());
	if (opt_callers) {
		i = calls_create();
		if (i) {
			printf("not ok 1 create %s: %s\n", S->calls.name, strerror(-i));
			return 1;
		}
	}
	for (d = 0; d < opt_ports; d++) {
		struct dest *ds = &S->dests[S->ndests++];

		snprintf(ds->name, sizeof(ds->name), "port%u", d);
		ds->port = 1;
		ds->capacity = port_cfg[d].cap;
		ds->max_msg_size = port_cfg[d].size;
	}

	if (opt_failslab && getuid() == 0 && access(FAILSLAB, F_OK) == 0) {
		if (failslab_setup(opt_failslab) == 0)
			failslab_on = 1;
		else
			failslab_off();
	}
	rmmod_on = opt_rmmod && getuid() == 0;

	/* Workers: port owners, consumers, producers. */
	for (i = 0; i < (int)opt_consumers; i++) {
		struct worker *me = &S->workers[S->nworkers++];

		me->kind = i < (int)opt_ports ? PORT_OWNER : CONSUMER;
		me->dest = i < (int)opt_ports ? (int)(S->ndests - opt_ports + i) : -1;
		me->restart = i & 1;
		me->failslab = failslab_on && i == (int)opt_ports;
	}
	for (i = 0; i < (int)opt_producers; i++) {
		struct worker *me = &S->workers[S->nworkers++];

		me->kind = PRODUCER;
		me->restart = i & 1;
		me->failslab = failslab_on && i == 0;
	}
	for (i = 0; i < (int)(opt_callers + opt_servers); i++) {
		struct worker *me = &S->workers[S->nworkers++];
		int k = i < (int)opt_callers ? i : i - (int)opt_callers;

		me->kind = i < (int)opt_callers ? CALLER : SERVER;
		me->restart = k & 1;
		me->failslab = failslab_on && k == 0;
	}
	for (w = 0; w < S->nworkers; w++)
		spawn(w);

	start = now_s();
	next_kill = start + 1.0;
	next_destroy = start + 1.5;
	next_rmmod = start + 0.5;
	next_slab = start;
	next_calls = start + 2.0;
	for (;;) {
		t = now_s();
		reap(1);
		if (t - start >= opt_seconds || load(&S->stop_send) ||
		    load(&S->ngids) >= S->max_gids)
			break;
		if (opt_signals) {
			for (i = 0; i < 4; i++) {
				w = rndn(&r, S->nworkers);
				if (S->workers[w].pid && !kill(S->workers[w].pid, SIGUSR1))
					inc(signals);
			}
		}
		if (opt_kill && t >= next_kill) {
			kill_one(&r);
			next_kill = t + 0.5 + rndn(&r, 1500) / 1000.0;
		}
		if (opt_destroy && t >= next_destroy) {
			destroy_one(&r);
			next_destroy = t + 1.0 + rndn(&r, 2000) / 1000.0;
		}
		if (opt_callers && opt_destroy && t >= next_calls) {
			calls_destroy();
			next_calls = t + 2.0 + rndn(&r, 3000) / 1000.0;
		}
		if (rmmod_on && t >= next_rmmod) {
			try_rmmod();
			next_rmmod = t + 0.5;
		}
		if (t >= next_slab) {
			long kb = meminfo_kb("Slab");

			if (kb > slab_peak)
				slab_peak = kb;
			next_slab = t + 0.5;
		}
		sleep_ms(5);
	}
	t = now_s() - start;

	/* Stop producers, then let the consumers drain everything. */
	store(&S->stop_send, 1);
	stop_kind(PRODUCER, SIGUSR2, 30);
	if (rmmod_on)
		try_rmmod();
	store(&S->drain, 1);
	stop_kind(CONSUMER, SIGUSR2, 60);
	stop_kind(PORT_OWNER, SIGUSR2, 60);
	/* Callers first; then the servers answer what is left and end. */
	stop_kind(CALLER, SIGUSR2, 30);
	store(&S->calls_drain, 1);
	stop_kind(SERVER, SIGUSR2, 60);
	reap(0);
	if (failslab_on)
		failslab_off();

	/* Whatever is still queued was lost by the drain. */
	for (d = 0; d < S->ndests; d++) {
		struct dest *ds = &S->dests[d];
		struct msgbox_stat_args st;

		if (ds->port) {
			if (ds->drained_left) {
				inc(left_queued);
				report("%s: %llu messages left after its owner drained it",
				       ds->name, (unsigned long long)ds->drained_left);
			}
			continue;
		}
		fd = open_named(&S->workers[0], d, O_RDONLY, &g);
		if (fd < 0 || msgbox_stat(fd, &st)) {
			inc(bad_setup);
			report("%s: cannot stat after the drain", ds->name);
		} else if (st.msgs) {
			inc(left_queued);
			report("%s: %u messages left after the drain", ds->name, st.msgs);
		}
		if (fd >= 0)
			close(fd);
	}

	if (opt_callers)
		calls_left();

	/* The books. */
	calls_bad = calls_books(&calls_answered, &calls_failed);
	for (g = 0; g < load(&S->ngids); g++) {
		struct msgrec *m = &S->msgs[g];
		struct stream *s = &S->streams[m->stream];
		struct gen_state *gs = &S->dests[s->dest].gens[s->gen % MAX_GENS];

		if (m->accepted) {
			accepted++;
			gs->accepted++;
			if (!m->seen)
				gs->lost++;
		} else if (m->seen) {
			if (m->maybe) {
				maybe_seen++;
			} else {
				phantom++;
				if (phantom <= 5)
					report("gid %u (stream %u seq %u to %s gen %u) was "
					       "received but its send failed", g, m->stream,
					       m->seq, S->dests[s->dest].name, s->gen);
			}
		}
		if (m->seen)
			received++;
	}
	for (d = 0; d < S->ndests; d++) {
		struct dest *ds = &S->dests[d];

		for (g = 0; g < MAX_GENS; g++) {
			struct gen_state *gs = &ds->gens[g];
			/*
			 * A destroy discards what is queued: at most the
			 * capacity, and on a rendezvous mailbox what
			 * non-blocking sends handed to receivers that were
			 * waiting then but left before taking it.
			 */
			uint64_t allow_d = !gs->destroyed ? 0 :
					   ds->capacity ? ds->capacity : opt_consumers;
			uint64_t allow = allow_d + gs->rx_allow;

			allow_destroy += allow_d;
			allow_kill += gs->rx_allow;
			lost += gs->lost;
			if (gs->lost > allow) {
				excess += gs->lost - allow;
				report("%s gen %u: %llu accepted messages lost, at most %llu "
				       "explained (%s, %u taken by killed receivers)",
				       ds->name, g, (unsigned long long)gs->lost,
				       (unsigned long long)allow,
				       gs->destroyed ? "destroyed" : "alive", gs->rx_allow);
			}
			if (gs->destroyed)
				lost_destroy += gs->lost;
			else
				lost_kill += gs->lost;
		}
	}

	/* Cleanup, then kernel memory. */
	for (d = 0; d < S->ndests; d++)
		if (!S->dests[d].port)
			msgbox_destroy(S->dests[d].name);
	if (opt_callers)
		msgbox_destroy(S->calls.name);
	settle();
	slab_after = meminfo_kb("Slab");
	slack = opt_slab_slack_kb ? (long)opt_slab_slack_kb : meminfo_kb("MemTotal") / 32 + 8192;

	printf("# messages: %llu accepted, %llu received (%.0f msg/s), %llu MiB sent, "
	       "%llu MiB received\n",
	       (unsigned long long)accepted, (unsigned long long)received,
	       received / (t > 0 ? t : 1), (unsigned long long)(c->send_bytes >> 20),
	       (unsigned long long)(c->recv_bytes >> 20));
	printf("# lost: %llu in destroyed generations (bound %llu), %llu to killed "
	       "receivers (bound %llu), %llu in flight of killed or EINPROGRESS senders "
	       "delivered\n",
	       (unsigned long long)lost_destroy, (unsigned long long)allow_destroy,
	       (unsigned long long)lost_kill, (unsigned long long)allow_kill,
	       (unsigned long long)maybe_seen);
	printf("# send calls %llu (batches %llu, acknowledged %llu): EAGAIN %llu, "
	       "ETIMEDOUT %llu, EINTR %llu, EINPROGRESS %llu, EIDRM %llu, ESRCH %llu, "
	       "ENOMEM %llu\n",
	       (unsigned long long)c->send_calls, (unsigned long long)c->send_batches,
	       (unsigned long long)c->send_acks, (unsigned long long)c->send_eagain,
	       (unsigned long long)c->send_etimedout, (unsigned long long)c->send_eintr,
	       (unsigned long long)c->send_einprogress,
	       (unsigned long long)c->send_eidrm, (unsigned long long)c->send_esrch,
	       (unsigned long long)c->send_enomem);
	printf("# recv calls %llu (batches %llu): EAGAIN %llu, ETIMEDOUT %llu, "
	       "EINTR %llu, EIDRM %llu, ENOMEM %llu; open ENOMEM %llu\n",
	       (unsigned long long)c->recv_calls, (unsigned long long)c->recv_batches,
	       (unsigned long long)c->recv_eagain, (unsigned long long)c->recv_etimedout,
	       (unsigned long long)c->recv_eintr, (unsigned long long)c->recv_eidrm,
	       (unsigned long long)c->recv_enomem, (unsigned long long)c->open_enomem);
	printf("# calls: %u made, %llu answered, %llu failed: ETIMEDOUT %llu, EINTR %llu, "
	       "ECONNRESET %llu, EAGAIN %llu, EIDRM %llu, ENOMEM %llu\n",
	       load(&S->ncalls) < MAX_CALLS ? load(&S->ncalls) : MAX_CALLS,
	       (unsigned long long)calls_answered, (unsigned long long)calls_failed,
	       (unsigned long long)c->call_etimedout, (unsigned long long)c->call_eintr,
	       (unsigned long long)c->call_econnreset, (unsigned long long)c->call_eagain,
	       (unsigned long long)c->call_eidrm, (unsigned long long)c->call_enomem);
	printf("# serving: %llu received, %llu replies, %llu ECANCELED, %llu released, "
	       "%llu holds expired, %llu EMSGSIZE, %llu SETTLE|RECV, %llu ENOMEM\n",
	       (unsigned long long)c->serve_recv, (unsigned long long)c->serve_replies,
	       (unsigned long long)c->serve_ecanceled, (unsigned long long)c->serve_releases,
	       (unsigned long long)c->serve_expired, (unsigned long long)c->serve_emsgsize,
	       (unsigned long long)c->serve_chained, (unsigned long long)c->serve_enomem);
	printf("# faults: %llu signals, SIGKILL of %llu senders, %llu receivers, "
	       "%llu port owners, %llu callers, %llu servers; %llu destroys, %llu of "
	       "the calls mailbox; %llu delete_module refused of %llu; failslab %s\n",
	       (unsigned long long)c->signals, (unsigned long long)c->kills_tx,
	       (unsigned long long)c->kills_rx, (unsigned long long)c->kills_port,
	       (unsigned long long)c->kills_caller, (unsigned long long)c->kills_server,
	       (unsigned long long)c->destroys, (unsigned long long)c->calls_destroys,
	       (unsigned long long)c->rmmod_refused, (unsigned long long)c->rmmod_tries,
	       failslab_on ? "on" : "off");
	printf("# slab: baseline %ld kB, peak %ld kB, after cleanup %ld kB (slack %ld kB)\n",
	       slab_base, slab_peak, slab_after, slack);
	printf("# stress: %llu messages, %llu calls, %.1f seconds\n",
	       (unsigned long long)received,
	       (unsigned long long)(c->send_calls + c->recv_calls), t);

	printf("1..11\n");
	tap(accepted > 0 && received > 0, "traffic: %llu messages accepted, %llu received",
	    (unsigned long long)accepted, (unsigned long long)received);
	tap(!c->bad_payload && !c->bad_route && !c->bad_cred,
	    "payloads intact and delivered where sent (%llu corrupted, %llu misrouted, "
	    "%llu bad credentials)", (unsigned long long)c->bad_payload,
	    (unsigned long long)c->bad_route, (unsigned long long)c->bad_cred);
	tap(!c->dup, "no message received twice (%llu duplicates)",
	    (unsigned long long)c->dup);
	tap(!c->order, "per-producer order kept within a priority (%llu inversions)",
	    (unsigned long long)c->order);
	tap(!excess && !c->left_queued,
	    "nothing accepted lost beyond destroys and killed receivers "
	    "(%llu unexplained, %llu left queued)", (unsigned long long)excess,
	    (unsigned long long)c->left_queued);
	tap(!phantom, "no delivery of a failed send (%llu)", (unsigned long long)phantom);
	if (opt_callers)
		tap(calls_answered > 0 && !calls_bad && !c->bad_call,
		    "calls: %llu answered, each by one reply to its own caller, none "
		    "to a failed call (%llu violations, %llu bad replies or requests)",
		    (unsigned long long)calls_answered, (unsigned long long)calls_bad,
		    (unsigned long long)c->bad_call);
	else
		printf("ok %d # SKIP calls (--callers 0)\n", ++tap_n);
	tap(!c->bad_errno && !c->bad_open && !c->bad_setup && !c->worker_died,
	    "only documented errors (%llu unexpected errno, %llu open, %llu setup, "
	    "%llu workers died)", (unsigned long long)c->bad_errno,
	    (unsigned long long)c->bad_open, (unsigned long long)c->bad_setup,
	    (unsigned long long)c->worker_died);
	if (rmmod_on && c->rmmod_skipped < c->rmmod_tries)
		tap(!c->bad_rmmod, "delete_module refused under load (%llu of %llu)",
		    (unsigned long long)c->rmmod_refused, (unsigned long long)c->rmmod_tries);
	else
		printf("ok %d # SKIP delete_module under load (not root or no module)\n", ++tap_n);
	if (failslab_on)
		tap(c->send_enomem + c->recv_enomem + c->open_enomem > 0,
		    "failslab: %llu ENOMEM, all other outcomes as without it",
		    (unsigned long long)(c->send_enomem + c->recv_enomem + c->open_enomem));
	else
		printf("ok %d # SKIP failslab (needs root and %s)\n", ++tap_n, FAILSLAB);
	tap(slab_after >= 0 && slab_after - slab_base <= slack,
	    "slab back near baseline (%+ld kB, slack %ld kB)", slab_after - slab_base, slack);

	return c->bad_payload || c->bad_route || c->bad_cred || c->dup || c->order ||
	       (opt_callers && (!calls_answered || calls_bad || c->bad_call)) ||
	       excess || c->left_queued || phantom || c->bad_errno || c->bad_open ||
	       c->bad_setup || c->worker_died || c->bad_rmmod || !accepted ||
	       (failslab_on && !(c->send_enomem + c->recv_enomem + c->open_enomem)) ||
	       slab_after < 0 || slab_after - slab_base > slack;
}
