// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat sink of an instance's capture: the target's metadata, then each CPU's
 * sub-buffers as its reader thread takes them, read() copies straight into their place in the
 * CPU's current chunk; at the end the CPUs' stats and, if needed, every system's formats.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "note.h"
#include "capture_internal.h"
#include "subbuf.h"
#include "tracedat_write.h"
#include "util.h"

struct dat_priv {
	struct tdw *w;
	uint8_t **types;	/* per stream: event type ids seen (SUBBUF_TYPES_BYTES) */
	uint64_t *events;	/* per stream: events stored */
};

/* A part's sub-buffer size: events/header_page, or buffer_subbuf_size_kb where set. */
static unsigned int part_page_size(const struct target *t)
{
	unsigned int hdr = 16, size = getpagesize();
	char buf[1024];

	if (target_read(t, "events/header_page", buf, sizeof(buf)) > 0)
		text_header_page_sizes(buf, &hdr, &size);
	if (target_read(t, "buffer_subbuf_size_kb", buf, sizeof(buf)) > 0 && atoi(buf) > 0)
		size = atoi(buf) * 1024;
	return size;
}

/* A burst after a quiet spell brings up to every captured CPU's buffer at once. */
static size_t part_populate(const struct sink *k, int part)
{
	struct buffer_size bs;
	size_t cpus = 0;

	for (int i = 0; i < k->nr; i++)
		cpus += k->part_of[i] == part;
	return !target_buffer_size(k->parts[part].t, &bs) ? bs.kib * 1024 * cpus : 0;
}

/* Every target a buffer of its own, named as trace-cmd names them; all on one clock. */
static int dat_open(struct sink *k)
{
	const struct capture_opts *o = k->o;
	const struct target *t = k->parts[0].t;
	struct tdw_opts wo = { .compression = o->compression, .level = o->level };
	char buf[1024], clock[64] = "local", *trace_clock = NULL;
	unsigned int flags = 0;
	struct dat_priv *p = xcalloc(1, sizeof(*p));

	k->priv = p;
	p->types = xcalloc(k->nr, sizeof(*p->types));
	p->events = xcalloc(k->nr, sizeof(*p->events));
	for (int i = 0; i < k->nr; i++)
		p->types[i] = xcalloc(1, SUBBUF_TYPES_BYTES);
	if (target_read(t, "trace_clock", buf, sizeof(buf)) > 0)
		trace_clock = xstrdup(buf);
	target_clock(t, clock, sizeof(clock));
	wo.page_size = part_page_size(t);
	/* Like trace-cmd: the top level is the unnamed buffer, everything else by name. */
	wo.buffer_name = target_buffer_name(t);
	wo.clock = clock;
	wo.trace_clock = trace_clock;
	wo.nr_cpus = t->nr_cpus;
	wo.populate = part_populate(k, 0);
	fflush(k->out);
	p->w = tdw_create(fileno(k->out), &wo);
	free(trace_clock);
	if (!p->w)
		return -EIO;
	for (int i = 1; i < k->nr_parts; i++) {
		const struct target *ti = k->parts[i].t;
		struct tdw_buffer_opts bo = {
			.name = target_buffer_name(ti),
			.clock = clock,
			.page_size = part_page_size(ti),
			.populate = part_populate(k, i),
		};

		if (tdw_add_buffer(p->w, &bo) != i)
			return -EIO;
	}
	/*
	 * Kernel events print with names (kallsyms, printk formats, comms). Formats: those of
	 * the enabled events. Every format is megabytes of text the kernel generates: most of a
	 * short capture's fixed cost (bench/RESULTS.md, "Formats of the enabled events only").
	 * Events of other systems written before the capture may still be in the buffer;
	 * finishing stores every format if it met one. Several targets enable different
	 * events: every system's formats then, once.
	 */
	if (t->kind != TARGET_REMOTE && t->kind != TARGET_HYP)
		flags |= TDW_META_KERNEL;
	if (k->nr_parts > 1)
		flags |= TDW_META_ALL_SYSTEMS;
	/*
	 * A hypervisor's event ids are its own and collide with the kernel's ftrace events:
	 * take no formats from the root for it.
	 */
	if (tdw_meta_from_dir(p->w, t->dir,
			      (flags & TDW_META_KERNEL) ? target_tracefs_root() : NULL,
			      flags) || tdw_begin_data(p->w))
		return -EIO;
	return 0;
}

/* Count a stored unit's events, and the type ids finishing checks the formats against. */
static void count(struct sink *k, int idx, const struct source_unit *u,
		  struct ring_subbuf_counts *n)
{
	struct dat_priv *p = k->priv;
	uint64_t before = n->events;

	n->types = p->types[idx];
	ring_subbuf_merge(NULL, idx, u, sink_part_of(k, idx)->hdr_size, false, n);
	p->events[idx] += n->events - before;
}

/* --max-size: the readers stop once the file holds that much. */
static void check_size(struct sink *k)
{
	struct dat_priv *p = k->priv;

	if (k->o->max_bytes && tdw_bytes(p->w) >= k->o->max_bytes)
		__atomic_store_n(&k->max_reached, true, __ATOMIC_SEQ_CST);
}

/*
 * read() copies are made straight into their place in the file's chunk (one copy of every
 * sub-buffer less: a few per cent of the CPU of small events), as many as the chunk has room
 * for when the source has them in a batch, counted before the chunk may go to the compressor.
 */
static int dat_take(struct sink *k, int idx, struct source *src, struct source_unit *u,
		    struct ring_subbuf_counts *n)
{
	struct source_unit units[TD_PAGES_PER_CHUNK];
	struct dat_priv *p = k->priv;
	int cpu = k->cpus[idx], buffer = k->part_of[idx];
	unsigned int room;
	uint8_t *slot;
	size_t len;
	int ret, i;

	if (!source_copies(src))
		return -EAGAIN;
	slot = tdw_reserve_subbuf(p->w, buffer, cpu, &room);
	if (!slot)
		return -EAGAIN;	/* the writer failed: unit() says so */
	if (room > TD_PAGES_PER_CHUNK)
		room = TD_PAGES_PER_CHUNK;
	/* Several at once only where the source's stride is the file's. */
	if (tdw_page_size(p->w, buffer) != src->p.subbuf_size)
		room = 1;
	ret = source_next_into(src, slot, room, units);
	for (i = 0; i < ret; i++)
		count(k, idx, &units[i], n);
	len = ret > 0 ? (size_t)(ret - 1) * src->p.subbuf_size + units[ret - 1].len : 0;
	tdw_commit_subbuf(p->w, buffer, cpu, len);
	if (ret <= 0)
		return ret;
	*u = units[ret - 1];
	check_size(k);
	return 1;
}

static int dat_unit(struct sink *k, int idx, const struct source_unit *u,
		    struct ring_subbuf_counts *n)
{
	struct dat_priv *p = k->priv;
	int err;

	err = tdw_add_unit(p->w, k->part_of[idx], k->cpus[idx], u->buf, u->len, u->skip, u->end, u->whole,
			   sink_part_of(k, idx)->hdr_size);
	check_size(k);
	count(k, idx, u, n);
	return err ? -EIO : 0;
}

static int dat_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	(void)k, (void)idx, (void)m, (void)seq;
	return 0;
}

static int dat_flush(struct sink *k, bool drain)
{
	(void)k, (void)drain;
	return 0;
}

static int dat_finish(struct sink *k)
{
	struct dat_priv *p = k->priv;
	const struct target *t = k->parts[0].t;
	uint8_t *types = xcalloc(1, SUBBUF_TYPES_BYTES);
	char stats[4096];
	int i, rc;

	for (i = 0; i < k->nr; i++) {
		for (size_t b = 0; b < SUBBUF_TYPES_BYTES; b++)
			types[b] |= p->types[i][b];
		k->written += p->events[i];
	}
	k->bytes = tdw_bytes(p->w);
	/* Events the stored formats do not describe: older ones, of systems disabled since. */
	if (t->kind != TARGET_REMOTE && t->kind != TARGET_HYP && !tdw_formats_cover(p->w, types)) {
		note_debug("%s: the buffer held events of systems not enabled now: storing every "
			   "system's formats", t->label);
		if (tdw_replace_formats(p->w, t->dir))
			note_warn("%s: cannot store every system's formats: %s", t->label,
				  strerror(errno));
	}
	free(types);
	for (i = 0; i < k->nr; i++) {
		char *path = target_cpu_path(sink_part_of(k, i)->t, k->cpus[i], "stats");

		if (read_file(path, stats, sizeof(stats)) > 0)
			tdw_set_cpustat(p->w, k->part_of[i], k->cpus[i], stats);
		free(path);
	}
	rc = tdw_finish(p->w) ? -EIO : 0;
	p->w = NULL;
	return rc;
}

static void dat_destroy(struct sink *k)
{
	struct dat_priv *p = k->priv;

	if (!p)
		return;
	tdw_abort(p->w);	/* an error before the end: leave what was written recoverable */
	for (int i = 0; p->types && i < k->nr; i++)
		free(p->types[i]);
	free(p->types);
	free(p->events);
	free(p);
}

const struct sink_ops sink_dat_ops = {
	.name = "dat",
	.open = dat_open,
	.take = dat_take,
	.unit = dat_unit,
	.mark = dat_mark,
	.flush = dat_flush,
	.finish = dat_finish,
	.destroy = dat_destroy,
};
