// SPDX-License-Identifier: GPL-2.0
/* The trace.dat sink of a capture: the target's metadata, sub-buffers, stats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_dat.h"
#include "format.h"
#include "util.h"

struct tdw *capture_dat_open(const struct capture_opts *o, int fd)
{
	const struct target *t = o->t;
	struct tdw_opts wo = { .compression = o->compression, .level = o->level };
	char buf[1024], clock[64] = "local", *trace_clock = NULL;
	unsigned int hdr = 16, size = getpagesize();
	unsigned int flags = 0;
	struct buffer_size bs;
	struct tdw *w;

	if (target_read(t, "events/header_page", buf, sizeof(buf)) > 0)
		header_page_sizes(buf, &hdr, &size);
	if (target_read(t, "buffer_subbuf_size_kb", buf, sizeof(buf)) > 0 && atoi(buf) > 0)
		size = atoi(buf) * 1024;
	if (target_read(t, "trace_clock", buf, sizeof(buf)) > 0)
		trace_clock = xstrdup(buf);
	target_clock(t, clock, sizeof(clock));
	wo.page_size = size;
	/* Like trace-cmd: the top level is the unnamed buffer, everything else by name. */
	wo.buffer_name = t->kind == TARGET_TOP ? "" : t->name;
	wo.clock = clock;
	wo.trace_clock = trace_clock;
	wo.nr_cpus = t->nr_cpus;
	/* A burst after a quiet spell brings up to every captured CPU's buffer at once. */
	if (!target_buffer_size(t, &bs))
		wo.populate = bs.kib * 1024 * (o->cpus ? o->nr_cpus : t->nr_cpus);
	w = tdw_create(fd, &wo);
	free(trace_clock);
	if (!w)
		return NULL;
	/*
	 * Kernel events print with names (kallsyms, printk formats, comms). Formats: those of
	 * the enabled events. Every format is megabytes of text the kernel generates: most of a
	 * short capture's fixed cost (bench/RESULTS.md, "Formats of the enabled events only").
	 * Events of other systems written before the capture may still be in the buffer;
	 * finishing stores every format if it met one.
	 */
	if (t->kind != TARGET_REMOTE && t->kind != TARGET_HYP)
		flags |= TDW_META_KERNEL;
	/*
	 * A hypervisor's event ids are its own and collide with the kernel's ftrace events:
	 * take no formats from the root for it.
	 */
	if (tdw_meta_from_dir(w, t->dir, (flags & TDW_META_KERNEL) ? tracefs_root() : NULL, flags) ||
	    tdw_begin_data(w)) {
		tdw_abort(w);
		return NULL;
	}
	return w;
}

int capture_dat_unit(struct tdw *w, int cpu, const struct source_unit *u, unsigned int hdr)
{
	return tdw_add_unit(w, cpu, u->buf, u->len, u->skip, u->end, u->whole, hdr);
}

int capture_dat_finish(struct tdw *w, const struct target *t, const int *cpus, int nr,
		       const uint8_t *types)
{
	char stats[4096];
	int i;

	/* Events the stored formats do not describe: older ones, of systems disabled since. */
	if (types && t->kind != TARGET_REMOTE && t->kind != TARGET_HYP &&
	    !tdw_formats_cover(w, types)) {
		debug_msg("%s: the buffer held events of systems not enabled now: storing every "
			  "system's formats", t->label);
		if (tdw_replace_formats(w, t->dir))
			warn_msg("%s: cannot store every system's formats: %s", t->label,
				 strerror(errno));
	}

	for (i = 0; i < nr; i++) {
		char *path = target_cpu_path(t, cpus[i], "stats");

		if (read_file(path, stats, sizeof(stats)) > 0)
			tdw_set_cpustat(w, cpus[i], stats);
		free(path);
	}
	return tdw_finish(w) ? RC_FAIL : RC_OK;
}
