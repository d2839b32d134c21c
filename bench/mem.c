// SPDX-License-Identifier: GPL-2.0
/*
 * msgbox-bench section mem: kernel memory per queued message.
 */
#include "bench.h"

/*
 * Flush the per-CPU slabs of every cache, so that /proc/slabinfo counts
 * exactly the objects in use (SLUB counts the free objects of per-CPU slabs
 * as active). The shrink files are opened once and kept open for the whole
 * section: opening them anew each time would itself allocate (and free
 * after an RCU grace period) a few hundred objects. Aliases are symbolic
 * links and are skipped.
 */
static int shrink_fd[1024];
static int nshrink = -1;

static void slab_flush(void)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int i, fd;

	if (nshrink < 0) {
		nshrink = 0;
		dir = opendir("/sys/kernel/slab");
		if (!dir)
			return;
		while ((de = readdir(dir)) && nshrink < (int)ARRAY_SIZE(shrink_fd)) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 de->d_name);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0)
				shrink_fd[nshrink++] = fd;
		}
		closedir(dir);
	}
	/* A cache that cannot be shrunk only makes the figure coarser. */
	for (i = 0; i < nshrink; i++)
		if (pwrite(shrink_fd[i], "1", 1, 0) < 0)
			continue;
}

static void slab_flush_done(void)
{
	while (nshrink > 0)
		close(shrink_fd[--nshrink]);
	nshrink = -1;
}

/* Messages the mem section queues at @size: --mem-msgs, or fewer large ones. */
unsigned int mem_count(size_t size)
{
	size_t k = MEM_BYTES / size;

	if (k > opt.mem_msgs)
		k = opt.mem_msgs;
	return k < 16 ? 16 : (unsigned int)k;
}

/*
 * Kernel memory that queued messages can occupy, in bytes, or NaN: the live
 * objects of every slab cache (/proc/slabinfo after slab_flush(), exact),
 * plus the pages of kmallocs too large for a slab cache (the Slab line of
 * /proc/meminfo counts them with the slab pages; subtracting the slab pages
 * that /proc/slabinfo lists leaves them), plus vmalloc pages (VmallocUsed).
 * vm/stat_refresh first folds the per-CPU counters into /proc/meminfo.
 */
static double kmem_bytes(void)
{
	unsigned long active, num, objsize, perslab, pages, slabs, kb;
	double live = 0, slab_pages = 0, meminfo = 0;
	long page_size = sysconf(_SC_PAGESIZE);
	char line[512], name[128];
	int found = 0;
	FILE *f;

	slab_flush();
	write_str("/proc/sys/vm/stat_refresh", "1", 1);
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return NANV;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lu %lu %lu %lu %lu : tunables %*u %*u %*u "
			   ": slabdata %*u %lu", name, &active, &num, &objsize,
			   &perslab, &pages, &slabs) == 7) {
			live += (double)active * (double)objsize;
			slab_pages += (double)slabs * (double)pages * (double)page_size;
		}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return NANV;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lu kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lu kB", &kb) == 1) {
			meminfo += (double)kb * 1024;
			found++;
		}
	fclose(f);
	return found == 2 ? live + meminfo - slab_pages : NANV;
}

/*
 * Kernel memory of a queue of @m: the growth for creating and opening an
 * empty queue, then per message for mem_count(@size) messages of @size.
 */
static void run_mem(int m, size_t size, double *per_msg, double *per_queue)
{
	unsigned int i, k = mem_count(size);
	char *buf = buf_alloc(size);
	double s0, s1, s2;
	struct link l;
	int r = 0;

	*per_msg = *per_queue = NANV;
	pin_cpu(opt.cpu[0]);
	link_init(&l, &mechs[m], size, k);
	/* Let the RCU-deferred frees of earlier runs finish first. */
	kmem_bytes();
	sleep_for(0.2);
	s0 = kmem_bytes();
	r = l.m->create(&l, 1);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: create: %s\n",
			l.m->name, size, strerror(-r));
		goto out;
	}
	r = l.m->attach(&l, 0, -1);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: attach: %s\n",
			l.m->name, size, strerror(-r));
		goto destroy;
	}
	s1 = kmem_bytes();
	/* The queue holds them all; the alarm only guards against a hang. */
	alarm(time_limit());
	for (i = 0; i < k; i++) {
		r = l.m->send(&l, 0, buf, size);
		if (r < 0)
			break;
	}
	alarm(0);
	if (r < 0) {
		fprintf(stderr, "msgbox-bench: mem %s %zu: send %u: %s\n",
			l.m->name, size, i + 1, strerror(-r));
		goto destroy;
	}
	s2 = kmem_bytes();
	*per_queue = s1 - s0;
	*per_msg = (s2 - s1) / k;
destroy:
	l.m->destroy(&l);
out:
	unpin();
	buf_free(buf);
}

void section_mem(void)
{
	double per_msg, per_queue;
	int rep, s, m;

	for (rep = 0; rep < opt.repeats; rep++) {
		progress("mem: repeat %d/%d", rep + 1, opt.repeats);
		for (s = 0; s < opt.nsizes; s++)
			for (m = 0; m < NMECH; m++)
				if (mech_on(m) && (mechs[m].caps & MC_MEM)) {
					run_mem(m, opt.sizes[s], &per_msg, &per_queue);
					fig_add(&mem_fig[m][s], per_msg);
					fig_add(&memq_fig[m][s], per_queue);
				}
	}
	slab_flush_done();
}
