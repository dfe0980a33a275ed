// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat sink of a remote's capture: the kernel's lines re-encoded as the binary events
 * their formats describe (remote_encode.c), in sub-buffers as the kernel writes them
 * (subbuf_write.c), one writer per CPU.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "note.h"
#include "remote_encode.h"
#include "remote_text.h"
#include "capture_internal.h"
#include "subbuf.h"
#include "subbuf_write.h"
#include "tracedat_write.h"
#include "util.h"

struct rdat_cpu {
	struct sink *k;
	int cpu;
	struct ring_subbuf_writer sbw;	/* the CPU's events re-encoded */
};

struct rdat_priv {
	struct tdw *w;
	struct remote_encoder *enc;
	struct tdw_extra_system extra;	/* how open() stored the formats */
	const char *text_format;
	struct rdat_cpu *c;
};

/* The trace.dat stores the encoder's repaired formats in place of the remote's own. */
static const char *stored_format(void *ctx, const char *system, const char *event)
{
	struct sink *k = ctx;
	struct rdat_priv *p = k->priv;

	return strcmp(system, k->parts[0].t->name) ? NULL : remote_encoder_format(p->enc, event);
}

static int emit_subbuf(void *ctx, const void *subbuf, size_t size)
{
	struct rdat_cpu *c = ctx;
	struct rdat_priv *p = c->k->priv;

	return tdw_add_subbuf(p->w, 0, c->cpu, subbuf, size);
}

/*
 * The remote's own header and event formats plus remotectl:text for lines kept as text, the
 * remote's name as the buffer name, and its trace_clock when it has one. Without one, the
 * clock is named "global": the test remote stamps with trace_clock_global(), and the name
 * makes trace-cmd print seconds as the kernel's text does.
 */
static int rdat_open(struct sink *k)
{
	const struct target *t = k->parts[0].t;
	struct tdw_opts wo = { .compression = k->o->compression, .level = k->o->level };
	char buf[1024], clock[64] = "global", *events, *trace_clock = NULL;
	unsigned int hdr = SUBBUF_HDR_SIZE, size = 4096;
	struct tdw_extra_system extra = { "remotectl", NULL, 1, stored_format, k };
	struct rdat_priv *p = xcalloc(1, sizeof(*p));
	int err;

	k->priv = p;
	p->c = xcalloc(k->nr ? k->nr : 1, sizeof(*p->c));
	events = target_path(t, "events");
	err = remote_encoder_new(events, t->name, &p->enc);
	free(events);
	if (err) {
		note_error("%s: cannot read events/%s: %s", t->label, t->name, strerror(-err));
		/* Whatever the error: the remote's format is missing. */
		return -ENOENT;
	}
	if (target_read(t, "events/header_page", buf, sizeof(buf)) > 0)
		text_header_page_sizes(buf, &hdr, &size);
	if (hdr != SUBBUF_HDR_SIZE) {
		note_error("%s: sub-buffer header of %u bytes: only 64-bit kernels are supported",
			   t->label, hdr);
		return -EIO;
	}
	if (t->has_trace_clock && target_read(t, "trace_clock", buf, sizeof(buf)) > 0) {
		trace_clock = xstrdup(buf);
		target_clock(t, clock, sizeof(clock));
	}
	wo.page_size = size;
	wo.buffer_name = t->name;
	wo.clock = clock;
	wo.trace_clock = trace_clock;
	wo.nr_cpus = t->nr_cpus;
	fflush(k->out);
	p->w = tdw_create(fileno(k->out), &wo);
	free(trace_clock);
	if (!p->w)
		return -EIO;
	p->text_format = remote_encoder_text_format(p->enc);
	extra.formats = &p->text_format;
	p->extra = extra;
	/* No root: the kernel's ftrace event ids would collide with the remote's own. */
	if (tdw_meta_from_dir_extra(p->w, t->dir, NULL, 0, &p->extra) || tdw_begin_data(p->w))
		return -EIO;
	for (int i = 0; i < k->nr; i++) {
		p->c[i].k = k;
		p->c[i].cpu = k->cpus[i];
		ring_subbuf_writer_init(&p->c[i].sbw, size, emit_subbuf, &p->c[i]);
	}
	return 0;
}

/* The line as a binary event of its CPU's sub-buffers, until --max-size is reached. */
static int rdat_line(struct sink *k, int idx, uint64_t ts, const struct remote_line *r,
		     const char *line, size_t len)
{
	struct rdat_priv *p = k->priv;
	uint8_t payload[REMOTE_PAYLOAD_MAX];
	size_t plen;

	if (k->max_reached)
		return 0;
	plen = remote_encode(p->enc, r, line, len - 1, payload);
	ring_subbuf_writer_add(&p->c[idx].sbw, ts, payload, plen);
	if (k->o->max_bytes && tdw_bytes(p->w) >= k->o->max_bytes)
		k->max_reached = true;
	return 0;
}

static void rdat_lost(struct sink *k, int idx, uint64_t ts, int64_t n)
{
	struct rdat_priv *p = k->priv;

	(void)ts;
	ring_subbuf_writer_lost(&p->c[idx].sbw, n, true);
}

static int rdat_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	(void)k, (void)idx, (void)m, (void)seq;
	return 0;
}

static int rdat_flush(struct sink *k, bool drain)
{
	struct rdat_priv *p = k->priv;

	(void)drain;
	for (int i = 0; i < k->nr; i++)
		if (p->c[i].sbw.err)
			return -EIO;
	return 0;
}

/* -v: how each event of the remote was stored, and why when not as its format says. */
static void describe_events(struct sink *k)
{
	struct rdat_priv *p = k->priv;
	struct remote_event_info in;

	if (!note_wanted(NOTE_DEBUG))
		return;
	for (int i = 0; i < remote_encoder_nr_events(p->enc); i++) {
		char how[256] = "";

		remote_encoder_event_info(p->enc, i, &in);
		switch (in.how) {
		case REMOTE_FIELDS:
			snprintf(how, sizeof(how), "stored with its fields");
			break;
		case REMOTE_REPAIRED:
			snprintf(how, sizeof(how), "%s; stored with its fields and the print fmt "
				 "repaired", in.why);
			break;
		case REMOTE_SYMBOLS:
			if (in.table_source)
				snprintf(how, sizeof(how),
					 "%s; stored with its fields and a symbol "
					 "table of %s (%d names, %d seen; %d more learnt from the "
					 "lines)", in.why, in.table_source,
					 in.names - in.names_learnt,
					 in.names_seen - in.names_learnt,
					 in.names_learnt);
			else
				snprintf(how, sizeof(how),
					 "%s; stored with its fields and a symbol "
					 "table learnt from the lines (%d names)", in.why,
					 in.names);
			break;
		case REMOTE_TEXT:
			snprintf(how, sizeof(how), "%s; its lines stored as remotectl:text",
				 in.why);
			break;
		}
		note_debug("%s:%s: %s: %" PRIu64 " events with their fields, %" PRIu64 " as text",
			   k->parts[0].t->name, in.name, how, in.exact, in.as_text);
	}
}

/* Write out every CPU's last sub-buffer and complete the file. */
static int rdat_finish(struct sink *k)
{
	struct rdat_priv *p = k->priv;
	struct remote_encode_stats st;
	int r = 0;

	for (int i = 0; i < k->nr; i++)
		if (ring_subbuf_writer_flush(&p->c[i].sbw))
			r = -EIO;
	k->bytes = tdw_bytes(p->w);
	remote_encoder_stats(p->enc, &st);
	k->written = st.exact + st.as_text;
	note_debug("%s: %" PRIu64 " events stored with their fields, %" PRIu64 " as text",
		   k->parts[0].t->label, st.exact, st.as_text);
	describe_events(k);
	/* A table learnt names after the formats were written: store them again. */
	if (remote_encoder_learnt(p->enc)) {
		p->text_format = remote_encoder_text_format(p->enc);
		p->extra.formats = &p->text_format;
		if (tdw_replace_formats_extra(p->w, k->parts[0].t->dir, 0, &p->extra)) {
			note_error("%s: cannot store the event formats: %s", k->parts[0].t->label,
				   strerror(errno));
			r = -EIO;
		}
	}
	if (tdw_finish(p->w))
		r = -EIO;
	p->w = NULL;
	return r;
}

static void rdat_destroy(struct sink *k)
{
	struct rdat_priv *p = k->priv;

	if (!p)
		return;
	/* A failed capture leaves what it wrote: `remotectl recover` completes it. */
	tdw_abort(p->w);
	for (int i = 0; i < k->nr; i++)
		ring_subbuf_writer_free(&p->c[i].sbw);
	remote_encoder_free(p->enc);
	free(p->c);
	free(p);
}

const struct sink_ops sink_remote_dat_ops = {
	.name = "remote dat",
	.open = rdat_open,
	.line = rdat_line,
	.lost = rdat_lost,
	.mark = rdat_mark,
	.flush = rdat_flush,
	.finish = rdat_finish,
	.destroy = rdat_destroy,
};
