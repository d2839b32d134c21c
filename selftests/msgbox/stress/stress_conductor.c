// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox_stress conductor: spawning and reaping workers, and the faults
 * injected while they run: destroying mailboxes, killing workers,
 * unloading the module.
 */
#include "stress.h"

/* --- Conductor ----------------------------------------------------------- */

void spawn(int w)
{
	struct worker *me = &S->workers[w];
	pid_t pid;

	me->blocked = 0;
	me->killed = 0;
	me->tx_n = 0;
	me->rx_n = 0;
	me->call_gid = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		got_stop = 0;
		worker_signals(me->restart);
		me->pid = getpid();
		if (me->kind == PRODUCER)
			producer(w);
		else if (me->kind == CONSUMER)
			consumer(w);
		else if (me->kind == CALLER)
			caller(w);
		else if (me->kind == SERVER)
			server(w);
		else
			port_owner(w);
		_exit(0);
	}
	me->pid = pid;
}

static int find_worker(pid_t pid)
{
	uint32_t w;

	for (w = 0; w < S->nworkers; w++)
		if (S->workers[w].pid == pid)
			return (int)w;
	return -1;
}

/* A worker died: account for what its call in progress may have done. */
static void worker_gone(int w, int status, int respawn)
{
	struct worker *me = &S->workers[w];
	uint32_t i;

	if (me->killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		for (i = 0; i < me->tx_n && i < MAX_BATCH; i++)
			S->msgs[me->tx_gid[i]].maybe = 1;
		if (me->rx_n)
			S->dests[me->rx_dest].gens[me->rx_gen % MAX_GENS].rx_allow += me->rx_n;
		/* A call under way: its caller's fate, or its reply's, is open. */
		if (me->call_gid && me->kind == CALLER)
			C[me->call_gid - 1].killed = 1;
		else if (me->call_gid && me->kind == SERVER)
			C[me->call_gid - 1].maybe = 1;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		   !load(&S->stop_send)) {
		inc(worker_died);
		if (WIFSIGNALED(status))
			report("worker %d (pid %d, kind %d) killed by signal %d",
			       w, (int)me->pid, me->kind, WTERMSIG(status));
		else
			report("worker %d (pid %d, kind %d) exited with %d early",
			       w, (int)me->pid, me->kind, WEXITSTATUS(status));
	}
	if (me->kind == PORT_OWNER) {
		struct dest *ds = &S->dests[me->dest];

		/*
		 * Its port went with it: what was queued is gone, unless it
		 * drained the port and exited as told.
		 */
		store(&ds->port_word, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		    !load(&S->drain))
			ds->gens[ds->gen % MAX_GENS].destroyed = 1;
		if (respawn)
			store(&ds->gen, ds->gen + 1);
	}
	me->pid = 0;
	if (respawn) {
		me->incarnation++;
		spawn(w);
	}
}

void reap(int respawn)
{
	int status, w;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		w = find_worker(pid);
		if (w >= 0)
			worker_gone(w, status, respawn);
	}
}

void settle(void)
{
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	sleep_ms(1500);
	write_file("/proc/sys/vm/drop_caches", "3");
}

/* delete_module() while descriptors are open must be refused. */
void try_rmmod(void)
{
	long ret;

	inc(rmmod_tries);
	ret = syscall(SYS_delete_module, "msgbox", O_NONBLOCK);
	if (ret == 0) {
		inc(bad_rmmod);
		report("delete_module(msgbox) succeeded while in use");
	} else if (errno == EWOULDBLOCK || errno == EBUSY) {
		inc(rmmod_refused);
	} else if (errno == EPERM || errno == ENOENT) {
		inc(rmmod_skipped);
	} else {
		inc(bad_rmmod);
		report("delete_module(msgbox): %s", strerror(errno));
	}
}

int create_dest(struct dest *ds)
{
	struct msgbox_attr attr = {
		.capacity = ds->capacity,
		.max_msg_size = ds->max_msg_size,
	};
	int fd = msgbox_create(ds->name, &attr, O_RDWR);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

void destroy_one(struct rng *r)
{
	struct dest *ds;
	uint32_t d;
	int ret;

	do {
		d = rndn(r, S->ndests);
	} while (S->dests[d].port);
	ds = &S->dests[d];
	if (ds->gen + 1 >= MAX_GENS)
		return;
	ret = msgbox_destroy(ds->name);
	if (ret) {
		inc(bad_setup);
		report("destroy %s: %s", ds->name, strerror(-ret));
		return;
	}
	ds->gens[ds->gen].destroyed = 1;
	store(&ds->gen, ds->gen + 1);
	ret = create_dest(ds);
	if (ret) {
		inc(bad_setup);
		report("re-create %s: %s", ds->name, strerror(-ret));
	}
	inc(destroys);
}

/* SIGKILL a worker, preferably one blocked in a call. */
void kill_one(struct rng *r)
{
	uint32_t start = rndn(r, S->nworkers), i, w = start;
	struct worker *me;

	for (i = 0; i < S->nworkers; i++) {
		w = (start + i) % S->nworkers;
		if (S->workers[w].pid && load(&S->workers[w].blocked))
			break;
	}
	me = &S->workers[w];
	if (!me->pid)
		return;
	me->killed = 1;
	kill(me->pid, SIGKILL);
	if (me->kind == PRODUCER)
		inc(kills_tx);
	else if (me->kind == CONSUMER)
		inc(kills_rx);
	else if (me->kind == CALLER)
		inc(kills_caller);
	else if (me->kind == SERVER)
		inc(kills_server);
	else
		inc(kills_port);
}

/* Send @sig to every live worker of @kind until all of them are gone. */
int stop_kind(int kind, int sig, double limit)
{
	double end = now_s() + limit;
	uint32_t w;
	int alive;

	for (;;) {
		alive = 0;
		reap(0);
		for (w = 0; w < S->nworkers; w++) {
			if (S->workers[w].kind != kind || !S->workers[w].pid)
				continue;
			alive++;
			kill(S->workers[w].pid, sig);
		}
		if (!alive)
			return 0;
		if (now_s() > end) {
			for (w = 0; w < S->nworkers; w++)
				if (S->workers[w].kind == kind && S->workers[w].pid) {
					report("worker %u (pid %d) did not stop", w,
					       (int)S->workers[w].pid);
					kill(S->workers[w].pid, SIGKILL);
				}
			sleep_ms(100);
			reap(0);
			return -1;
		}
		sleep_ms(20);
	}
}
