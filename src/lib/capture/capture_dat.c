// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat sink: a buffer of the file per target. The metadata first; then each ring
 * buffer's CPUs' sub-buffers as their reader threads take them, read() copies straight into
 * their place in the CPU's current chunk, and a remote's lines re-encoded (remote_dat.c); at
 * the end the CPUs' stats and, if needed, every system's formats.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "note.h"
#include "capture_internal.h"
#include "subbuf.h"
#include "tracedat_write.h"
#include "util.h"

/*
 * Beside the kernel's events a remote's ids start here: far above the ids a kernel hands out
 * (from a few dozen up, one per event; 2,300 on a 6.18 host), below the 16-bit limit.
 */
#define REMOTE_ID_BASE	60000

struct dat_priv {
	struct tdw *w;
	uint8_t **types;	/* per stream: event type ids seen (SUBBUF_TYPES_BYTES) */
	uint64_t *events;	/* per stream: events stored */
	int kernel;		/* the first part of the kernel's ring buffers, -1 for none */
	struct rdat_part **remote;	/* per part: a remote's, or NULL */
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

/* The kernel's ring buffers: the top level, instances; not a remote, not Android's hyp. */
static bool is_kernel(const struct target *t)
{
	return t->kind != TARGET_REMOTE && t->kind != TARGET_HYP;
}

/*
 * The file's event formats. The kernel's: those of the events enabled in any of the kernel's
 * targets (every format is megabytes of text the kernel generates: most of a short capture's
 * fixed cost, bench/RESULTS.md, "Formats of the enabled events only"); late (events of other
 * systems were met, or a remote learnt names), every system's. With a remote's system and
 * remotectl:text beside them. A remote alone: its own directory's formats, repaired where
 * needed. Android's hyp alone: its directory's, none from the root (its ids are its own and
 * collide with the kernel's ftrace events). With kallsyms, printk formats and comms for
 * kernel events.
 */
static int put_meta(struct sink *k, bool late)
{
	struct dat_priv *p = k->priv;
	const struct tdw_extra_system *extra = NULL;
	const struct target *t = k->parts[p->kernel >= 0 ? p->kernel : 0].t;
	const char **also = xcalloc(k->nr_parts + 1, sizeof(*also));
	unsigned int flags = 0;
	int i, n = 0, ret;

	for (i = k->nr_parts - 1; i >= 0; i--) {
		if (!p->remote[i])
			continue;
		extra = rdat_part_systems(p->remote[i], p->kernel < 0);
		/* One remote at most beside the kernel's (capture.c refuses more). */
		break;
	}
	for (i = p->kernel + 1; p->kernel >= 0 && i < k->nr_parts; i++)
		if (!p->remote[i] && is_kernel(k->parts[i].t))
			also[n++] = k->parts[i].t->dir;
	if (p->kernel >= 0)
		flags |= TDW_META_KERNEL;
	if (late && p->kernel >= 0)
		flags |= TDW_META_ALL_SYSTEMS;
	if (late)
		ret = tdw_replace_formats_extra(p->w, t->dir, flags, extra);
	else
		ret = tdw_meta_from_dir_extra(p->w, t->dir, also,
					      p->kernel >= 0 ? target_tracefs_root() : NULL, flags,
					      extra);
	free(also);
	return ret;
}

/* Buffer i's sub-buffer size. */
static uint32_t page_size(const struct sink *k, int i)
{
	const struct dat_priv *p = k->priv;

	return p->remote[i] ? rdat_part_page_size(p->remote[i]) : part_page_size(k->parts[i].t);
}

/* Every target a buffer of its own, named as trace-cmd names them; all on one clock. */
static int dat_open(struct sink *k)
{
	const struct capture_opts *o = k->o;
	const struct target *t = k->parts[0].t;
	struct tdw_opts wo = { .compression = o->compression, .level = o->level };
	struct dat_priv *p = xcalloc(1, sizeof(*p));
	char buf[1024], *trace_clock = NULL;
	int i, err;

	k->priv = p;
	p->types = xcalloc(k->nr, sizeof(*p->types));
	p->events = xcalloc(k->nr, sizeof(*p->events));
	for (i = 0; i < k->nr; i++)
		p->types[i] = xcalloc(1, SUBBUF_TYPES_BYTES);
	p->kernel = -1;
	p->remote = xcalloc(k->nr_parts, sizeof(*p->remote));
	for (i = 0; i < k->nr_parts; i++) {
		int first = 0, nr = 0;

		if (!k->parts[i].lines) {
			if (p->kernel < 0 && is_kernel(k->parts[i].t))
				p->kernel = i;
			continue;
		}
		for (int s = 0; s < k->nr; s++)
			if (k->part_of[s] == i && !nr++)
				first = s;
		err = rdat_part_new(k->parts[i].t, first, nr, &p->remote[i]);
		if (err)
			return err;
	}
	/* Beside the kernel's events, a remote's ids move out of their way. */
	for (i = 0; i < k->nr_parts && p->kernel >= 0; i++) {
		if (p->remote[i])
			rdat_part_shift_ids(p->remote[i], REMOTE_ID_BASE);
	}
	if (t->has_trace_clock && target_read(t, "trace_clock", buf, sizeof(buf)) > 0)
		trace_clock = xstrdup(buf);
	wo.page_size = page_size(k, 0);
	/* Like trace-cmd: the top level is the unnamed buffer, everything else by name. */
	wo.buffer_name = target_buffer_name(t);
	/* A remote without trace_clock: named global or boot, as it stamps (capture.c). */
	wo.clock = k->clock && k->clock[0] ? k->clock : "local";
	wo.trace_clock = trace_clock;
	wo.nr_cpus = t->nr_cpus;
	fflush(k->out);
	p->w = tdw_create(fileno(k->out), &wo);
	free(trace_clock);
	if (!p->w)
		return -EIO;
	for (i = 1; i < k->nr_parts; i++) {
		struct tdw_buffer_opts bo = {
			.name = target_buffer_name(k->parts[i].t),
			.clock = wo.clock,
			.page_size = page_size(k, i),
		};

		if (tdw_add_buffer(p->w, &bo) != i)
			return -EIO;
	}
	if (put_meta(k, false) || tdw_begin_data(p->w))
		return -EIO;
	for (i = 0; i < k->nr_parts; i++)
		if (p->remote[i])
			rdat_part_start(p->remote[i], p->w, i, k->cpus);
	return 0;
}

/* Count a stored unit's events, and the type ids finishing checks the formats against. */
static void count(struct sink *k, int idx, const struct source_unit *u,
		  struct ring_subbuf_counts *n)
{
	struct dat_priv *p = k->priv;
	uint64_t before = n->events;

	n->types = p->types[idx];
	ring_subbuf_merge(NULL, idx, u, sink_part_of(k, idx)->hdr_size, false, false, n);
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

/* A remote's line, re-encoded into its CPU's sub-buffers, until --max-size is reached. */
static int dat_line(struct sink *k, int idx, uint64_t ts, const struct remote_line *r,
		    const char *line, size_t len)
{
	struct dat_priv *p = k->priv;

	if (sink_full(k))
		return 0;
	rdat_part_line(p->remote[k->part_of[idx]], idx, ts, r, line, len);
	check_size(k);
	return 0;
}

static void dat_lost(struct sink *k, int idx, uint64_t ts, int64_t n)
{
	struct dat_priv *p = k->priv;

	(void)ts;
	rdat_part_lost(p->remote[k->part_of[idx]], idx, n);
}

static int dat_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	(void)k, (void)idx, (void)m, (void)seq;
	return 0;
}

static int dat_flush(struct sink *k, bool drain)
{
	struct dat_priv *p = k->priv;

	(void)drain;
	for (int i = 0; i < k->nr_parts; i++)
		if (p->remote[i] && rdat_part_failed(p->remote[i]))
			return -EIO;
	return 0;
}

static int dat_finish(struct sink *k)
{
	struct dat_priv *p = k->priv;
	uint8_t *types = xcalloc(1, SUBBUF_TYPES_BYTES);
	bool learnt, relearnt = false, uncovered;
	uint64_t events;
	char stats[4096];
	struct stat st;
	int i, rc = 0;

	for (i = 0; i < k->nr_parts; i++) {
		if (!p->remote[i])
			continue;
		if (rdat_part_finish(p->remote[i], &events, &learnt))
			rc = -EIO;
		k->written += events;
		relearnt |= learnt;
	}
	for (i = 0; i < k->nr; i++) {
		for (size_t b = 0; b < SUBBUF_TYPES_BYTES; b++)
			types[b] |= p->types[i][b];
		k->written += p->events[i];
	}
	/* A remote's events beside the kernel's are not counted by type: keep the symbols. */
	for (i = 0; i < k->nr_parts; i++)
		if (p->remote[i])
			tdw_note_types(p->w, NULL);
	tdw_note_types(p->w, types);
	k->bytes = tdw_bytes(p->w);
	/*
	 * Events the stored formats do not describe: of systems enabled only before or after
	 * the capture began. (A remote's symbol table learnt names after the formats were
	 * written: they go again, too.)
	 */
	uncovered = p->kernel >= 0 && !tdw_formats_cover(p->w, types);
	if (uncovered)
		note_debug("%s: the buffer held events of systems not enabled at the start: "
			   "storing every system's formats", k->parts[p->kernel].t->label);
	free(types);
	/* Without them those events print as unknown ones: the capture itself is whole. */
	if ((relearnt || uncovered) && put_meta(k, true)) {
		if (relearnt) {
			note_error("cannot store the event formats: %s", strerror(errno));
			rc = -EIO;
		} else {
			note_warn("%s: cannot store every system's formats: %s",
				  k->parts[p->kernel].t->label, strerror(errno));
		}
	}
	for (i = 0; i < k->nr; i++) {
		char *path = target_cpu_path(sink_part_of(k, i)->t, k->cpus[i], "stats");

		if (!sink_part_of(k, i)->lines && read_file(path, stats, sizeof(stats)) > 0)
			tdw_set_cpustat(p->w, k->part_of[i], k->cpus[i], stats);
		free(path);
	}
	if (tdw_finish(p->w))
		rc = -EIO;
	p->w = NULL;
	/* What finishing added (kernel symbols, the last options) counts too. */
	if (!rc && !fstat(fileno(k->out), &st) && S_ISREG(st.st_mode))
		k->bytes = st.st_size;
	return rc;
}

static void dat_destroy(struct sink *k)
{
	struct dat_priv *p = k->priv;

	if (!p)
		return;
	tdw_abort(p->w);	/* an error before the end: leave what was written recoverable */
	for (int i = 0; p->remote && i < k->nr_parts; i++)
		rdat_part_free(p->remote[i]);
	for (int i = 0; p->types && i < k->nr; i++)
		free(p->types[i]);
	free(p->remote);
	free(p->types);
	free(p->events);
	free(p);
}

const struct sink_ops sink_dat_ops = {
	.name = "dat",
	.open = dat_open,
	.take = dat_take,
	.unit = dat_unit,
	.line = dat_line,
	.lost = dat_lost,
	.mark = dat_mark,
	.flush = dat_flush,
	.finish = dat_finish,
	.destroy = dat_destroy,
};
