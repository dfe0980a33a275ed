// SPDX-License-Identifier: GPL-2.0
/*
 * A remote's part of the trace.dat sink (capture_dat.c): the kernel's lines re-encoded as the
 * binary events their formats describe (remote_encode.c), in sub-buffers as the kernel writes
 * them (subbuf_write.c), one writer per CPU, into the remote's buffer of the file.
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
	struct rdat_part *r;
	int cpu;
	struct ring_subbuf_writer sbw;	/* the CPU's events re-encoded */
};

struct rdat_part {
	const struct target *t;
	struct tdw *w;
	int buffer;		/* the remote's buffer in the file */
	int first, nr;		/* its streams */
	struct remote_encoder *enc;
	uint32_t page_size;
	struct rdat_cpu *c;
	/* The formats as the file stores them (rdat_part_systems()). */
	struct tdw_extra_system sys, text;
	char **texts;
	int nr_texts;
	const char *text_format;
};

/* The trace.dat stores the encoder's repaired formats in place of the remote's own. */
static const char *stored_format(void *ctx, const char *system, const char *event)
{
	struct rdat_part *r = ctx;

	return strcmp(system, r->t->name) ? NULL : remote_encoder_format(r->enc, event);
}

static int emit_subbuf(void *ctx, const void *subbuf, size_t size)
{
	struct rdat_cpu *c = ctx;

	return tdw_add_subbuf(c->r->w, c->r->buffer, c->cpu, subbuf, size);
}

int rdat_part_new(const struct target *t, int first, int nr, struct rdat_part **out)
{
	struct rdat_part *r = xcalloc(1, sizeof(*r));
	unsigned int hdr = SUBBUF_HDR_SIZE, size = 4096;
	char buf[1024], *events;
	int err;

	*out = r;
	r->t = t;
	r->first = first;
	r->nr = nr;
	r->c = xcalloc(nr ? nr : 1, sizeof(*r->c));
	events = target_path(t, "events");
	err = remote_encoder_new(events, t->name, &r->enc);
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
	r->page_size = size;
	return 0;
}

uint32_t rdat_part_page_size(const struct rdat_part *r)
{
	return r->page_size;
}

int rdat_part_max_id(const struct rdat_part *r)
{
	return remote_encoder_max_id(r->enc);
}

void rdat_part_shift_ids(struct rdat_part *r, int shift)
{
	remote_encoder_shift_ids(r->enc, shift);
}

static void free_texts(struct rdat_part *r)
{
	for (int i = 0; i < r->nr_texts; i++)
		free(r->texts[i]);
	free(r->texts);
	r->texts = NULL;
	r->nr_texts = 0;
}

const struct tdw_extra_system *rdat_part_systems(struct rdat_part *r, bool own)
{
	int n = remote_encoder_nr_events(r->enc);

	free_texts(r);
	/* remotectl:text, for lines kept as text; the last of the encoder's formats. */
	r->texts = xcalloc(n + 1, sizeof(*r->texts));
	r->nr_texts = n + 1;
	for (int i = 0; i <= n; i++)
		r->texts[i] = remote_encoder_file_format(r->enc, i);
	r->text = (struct tdw_extra_system){ "remotectl", (const char *const *)&r->texts[n], 1,
					    NULL, NULL, NULL };
	if (own) {
		r->text.replace = stored_format;
		r->text.ctx = r;
		return &r->text;
	}
	r->sys = (struct tdw_extra_system){ r->t->name, (const char *const *)r->texts, n, NULL,
					   NULL, &r->text };
	return &r->sys;
}

void rdat_part_start(struct rdat_part *r, struct tdw *w, int buffer, const int *cpus)
{
	r->w = w;
	r->buffer = buffer;
	for (int i = 0; i < r->nr; i++) {
		r->c[i].r = r;
		r->c[i].cpu = cpus[r->first + i];
		ring_subbuf_writer_init(&r->c[i].sbw, r->page_size, emit_subbuf, &r->c[i]);
	}
}

void rdat_part_line(struct rdat_part *r, int idx, uint64_t ts, const struct remote_line *rl,
		    const char *line, size_t len)
{
	uint8_t payload[REMOTE_PAYLOAD_MAX];
	size_t plen;

	plen = remote_encode(r->enc, rl, line, len - 1, payload);
	ring_subbuf_writer_add(&r->c[idx - r->first].sbw, ts, payload, plen);
}

void rdat_part_lost(struct rdat_part *r, int idx, int64_t n)
{
	ring_subbuf_writer_lost(&r->c[idx - r->first].sbw, n, true);
}

bool rdat_part_failed(const struct rdat_part *r)
{
	for (int i = 0; i < r->nr; i++)
		if (r->c[i].sbw.err)
			return true;
	return false;
}

/* -v: how each event of the remote was stored, and why when not as its format says. */
static void describe_events(const struct rdat_part *r)
{
	struct remote_event_info in;

	if (!note_wanted(NOTE_DEBUG))
		return;
	for (int i = 0; i < remote_encoder_nr_events(r->enc); i++) {
		char how[256] = "";

		remote_encoder_event_info(r->enc, i, &in);
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
			   r->t->name, in.name, how, in.exact, in.as_text);
	}
}

int rdat_part_finish(struct rdat_part *r, uint64_t *events, bool *learnt)
{
	struct remote_encode_stats st;
	int rc = 0;

	for (int i = 0; i < r->nr; i++)
		if (ring_subbuf_writer_flush(&r->c[i].sbw))
			rc = -EIO;
	remote_encoder_stats(r->enc, &st);
	*events = st.exact + st.as_text;
	note_debug("%s: %" PRIu64 " events stored with their fields, %" PRIu64 " as text",
		   r->t->label, st.exact, st.as_text);
	describe_events(r);
	/* A table that learnt names after the formats were written: they are stored again. */
	*learnt = remote_encoder_learnt(r->enc);
	return rc;
}

void rdat_part_free(struct rdat_part *r)
{
	if (!r)
		return;
	for (int i = 0; r->w && i < r->nr; i++)
		ring_subbuf_writer_free(&r->c[i].sbw);
	remote_encoder_free(r->enc);
	free_texts(r);
	free(r->c);
	free(r);
}
