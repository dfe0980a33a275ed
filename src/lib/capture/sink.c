// SPDX-License-Identifier: GPL-2.0
/*
 * The sinks' shared part (the output, the text writer) and the two text sinks: stream (merge
 * as the data comes) and spool (per-CPU spools, merged after the capture). See
 * capture_internal.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "monotonic.h"
#include "capture_internal.h"
#include "merge.h"
#include "note.h"
#include "remote_text.h"
#include "util.h"

static const struct sink_ops *const kinds[] = {
	[SINK_STREAM] = &sink_stream_ops,
	[SINK_SPOOL] = &sink_spool_ops,
	[SINK_DAT] = &sink_dat_ops,
	[SINK_REMOTE_DAT] = &sink_remote_dat_ops,
};

int sink_new(enum sink_kind kind, const struct capture_opts *o, int nr, const int *cpus,
	     struct sink **out)
{
	struct sink *k = xcalloc(1, sizeof(*k));
	int err;

	k->ops = kinds[kind];
	k->o = o;
	k->t = o->t;
	k->nr = nr;
	k->cpus = cpus;
	*out = k;
	if (!o->output || !strcmp(o->output, "-")) {
		k->out = stdout;
		k->to_stdout = true;
	} else {
		k->out = fopen(o->output, "we");
		if (!k->out) {
			err = errno;
			note_error("cannot create %s: %s", o->output, strerror(err));
			/* A file that cannot be created is a failure, not a bad value. */
			return err == EINVAL || err == ERANGE ? -EIO : -err;
		}
	}
	/* stream's lines go out as they come; everything else in large writes. */
	if (!o->live)
		setvbuf(k->out, NULL, _IOFBF, 1 << 20);
	return 0;
}

int sink_open_data(struct sink *k, unsigned int hdr_size)
{
	k->hdr_size = hdr_size;
	return k->ops->open ? k->ops->open(k) : 0;
}

uint64_t sink_next_seq(struct sink *k)
{
	return __atomic_add_fetch(&k->seq, 1, __ATOMIC_SEQ_CST);
}

bool sink_full(const struct sink *k)
{
	return __atomic_load_n(&k->max_reached, __ATOMIC_SEQ_CST);
}

static void set_full(struct sink *k)
{
	__atomic_store_n(&k->max_reached, true, __ATOMIC_SEQ_CST);
}

int sink_close(struct sink *k)
{
	int rc = 0;

	if (!k || !k->out)
		return 0;
	if (!k->closed && fflush(k->out)) {
		note_error("cannot write output: %s", strerror(errno));
		rc = -EIO;
	}
	if (!k->to_stdout && fclose(k->out) && !rc) {
		note_error("cannot write %s: %s", k->o->output, strerror(errno));
		rc = -EIO;
	}
	k->out = NULL;
	return rc;
}

void sink_free(struct sink *k)
{
	if (!k)
		return;
	/* First: a trace.dat writer left recoverable writes what it holds to the output. */
	if (k->ops->destroy)
		k->ops->destroy(k);
	if (k->out && !k->to_stdout)
		fclose(k->out);
	ring_merge_free(k->merge);
	text_format_free(k->fmt);
	free(k);
}

/* Text sinks: the formatter of a target whose events are binary; a remote's are lines. */
static int text_open(struct sink *k)
{
	char err[256];

	k->merge = ring_merge_new(k->nr);
	if (k->lines)
		return 0;
	k->fmt = text_format_new(k->t, err, sizeof(err));
	if (!k->fmt) {
		note_error("%s: %s", k->t->label, err);
		return -EIO;
	}
	return 0;
}

int sink_emit(struct sink *k, bool drain)
{
	const struct capture_opts *o = k->o;
	struct ring_merge_event ev;
	char lost[64];
	const char *line;
	size_t len;

	if (k->closed)
		return 0;
	while (ring_merge_pop(k->merge, drain, &ev) == 1) {
		int cpu = k->cpus[ev.stream];

		if (ev.lost) {
			len = text_format_lost(lost, sizeof(lost), cpu, ev.lost);
			line = lost;
		} else if (k->fmt) {
			line = text_format_event(k->fmt, cpu, ev.ts, ev.data, ev.len, &len);
		} else {
			line = ev.data;
			len = ev.len;
		}
		if (k->cut || (o->max_bytes && k->bytes + len > o->max_bytes)) {
			k->cut = true;
			set_full(k);
			if (!ev.lost)
				k->dropped_max++;
			continue;
		}
		if (fwrite(line, 1, len, k->out) != len) {
			note_error("cannot write output: %s", strerror(errno));
			return -EIO;
		}
		k->bytes += len;
		if (!ev.lost)
			k->written++;
	}
	if (o->live) {
		int err = live_output_flush(k->out, &k->closed);

		if (err) {
			note_error("cannot write output: %s", strerror(-err));
			return -EIO;
		}
	}
	return 0;
}

/* stream text: everything into the merge now, out as it is released. */

struct stream_priv {
	int64_t *pending_lost;	/* a remote's LOST line waiting for its CPU's next event */
	uint64_t *last_ts;	/* each CPU's last line */
};

static int stream_open(struct sink *k)
{
	struct stream_priv *p = xcalloc(1, sizeof(*p));

	p->pending_lost = xcalloc(k->nr ? k->nr : 1, sizeof(*p->pending_lost));
	p->last_ts = xcalloc(k->nr ? k->nr : 1, sizeof(*p->last_ts));
	k->priv = p;
	return text_open(k);
}

static int stream_unit(struct sink *k, int idx, const struct source_unit *u,
		       struct ring_subbuf_counts *n)
{
	ring_subbuf_merge(k->merge, idx, u, k->hdr_size, false, n);
	return 0;
}

/* The kernel prints a remote's loss before the event after it: queue it at that one's time. */
static void stream_lost(struct sink *k, int idx, uint64_t ts, int64_t n)
{
	struct stream_priv *p = k->priv;

	(void)ts;
	p->pending_lost[idx] += n;
}

static void push_pending(struct sink *k, int idx, uint64_t ts)
{
	struct stream_priv *p = k->priv;

	if (p->pending_lost[idx]) {
		ring_merge_push_lost(k->merge, idx, ts, p->pending_lost[idx]);
		p->pending_lost[idx] = 0;
	}
}

static int stream_line(struct sink *k, int idx, uint64_t ts, const struct remote_line *r,
		       const char *line, size_t len)
{
	struct stream_priv *p = k->priv;

	(void)r;
	p->last_ts[idx] = ts;
	push_pending(k, idx, ts);
	ring_merge_push(k->merge, idx, ts, line, len);
	return 0;
}

static int stream_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	struct stream_priv *p = k->priv;

	(void)seq;
	if (m == SINK_CAUGHT_UP) {
		ring_merge_caught_up(k->merge, idx);
		return 0;
	}
	/* A loss with no event after it still belongs in the output. */
	push_pending(k, idx, p->last_ts[idx]);
	ring_merge_end(k->merge, idx);
	return 0;
}

static int stream_flush(struct sink *k, bool drain)
{
	return sink_emit(k, drain);
}

static void stream_destroy(struct sink *k)
{
	struct stream_priv *p = k->priv;

	if (p) {
		free(p->pending_lost);
		free(p->last_ts);
	}
	free(p);
}

const struct sink_ops sink_stream_ops = {
	.name = "stream",
	.open = stream_open,
	.unit = stream_unit,
	.line = stream_line,
	.lost = stream_lost,
	.mark = stream_mark,
	.flush = stream_flush,
	.destroy = stream_destroy,
};

/*
 * spool text: each CPU's reader thread copies its units into a spool of its own, and the text
 * is made after the capture (formatting costs far more than reading: the spool in
 * capture_internal.h). Every unit is stamped with the capture-wide counter after it was read,
 * and every "caught up" mark with the value taken before the call that found the CPU caught
 * up; the replay hands the stamps to the merge, which then releases events exactly as a
 * single loop would have.
 */

struct spool_priv {
	struct spool **sp;
	uint64_t taken;		/* atomic: event bytes spooled, for --max-size */
	bool failed;		/* atomic: a spool could not be written */
};

static int spsink_open(struct sink *k)
{
	struct spool_priv *p = xcalloc(1, sizeof(*p));
	char err[256];
	int rc = text_open(k);

	k->priv = p;
	k->seq_stamps = true;
	k->after = true;
	p->sp = xcalloc(k->nr, sizeof(*p->sp));
	for (int i = 0; i < k->nr && !rc; i++) {
		p->sp[i] = spool_new(NULL, err, sizeof(err));
		if (!p->sp[i]) {
			note_error("%s", err);
			rc = -EIO;
		}
	}
	return rc;
}

static int spsink_failed(struct spool_priv *p, int err)
{
	if (err) {
		note_error("cannot write the spool file: %s", strerror(-err));
		__atomic_store_n(&p->failed, true, __ATOMIC_SEQ_CST);
	}
	return err;
}

/*
 * Spooling, the text is written later: stop on the raw size, which the text exceeds; the text
 * is then cut at the size on a line boundary.
 */
static int spsink_unit(struct sink *k, int idx, const struct source_unit *u,
		      struct ring_subbuf_counts *n)
{
	struct spool_priv *p = k->priv;
	uint64_t taken;

	ring_subbuf_merge(NULL, idx, u, k->hdr_size, false, n);
	taken = __atomic_add_fetch(&p->taken, u->end - u->skip, __ATOMIC_RELAXED);
	if (k->o->max_bytes && taken >= k->o->max_bytes)
		set_full(k);
	return spsink_failed(p, spool_unit_seq(p->sp[idx], idx, u, sink_next_seq(k)));
}

static int spsink_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	struct spool_priv *p = k->priv;

	/* Caught up: stamped before the call that found it; the end: in order. */
	if (m == SINK_CAUGHT_UP)
		return spsink_failed(p, spool_mark_seq(p->sp[idx], SPOOL_CAUGHT_UP, idx, seq));
	return spsink_failed(p, spool_mark_seq(p->sp[idx], SPOOL_END, idx, sink_next_seq(k)));
}

static int spsink_flush(struct sink *k, bool drain)
{
	struct spool_priv *p = k->priv;

	(void)drain;
	return __atomic_load_n(&p->failed, __ATOMIC_SEQ_CST) ? -EIO : 0;
}

/*
 * A stamp as the merge's counter: room for 2^32 events per unit below the next stamp, so
 * every event of a unit stamped s sorts below a mark stamped s' > s.
 */
#define MERGE_SEQ(s)	((uint64_t)(s) << 32)

/*
 * The per-CPU spools through the merge to text, interleaved by stamp (which keeps memory
 * bounded) with the stamps given to the merge (which keeps it exact).
 */
static int spsink_finish(struct sink *k)
{
	struct spool_priv *p = k->priv;
	struct spool_rec *rec = xcalloc(k->nr, sizeof(*rec));
	int *have = xcalloc(k->nr, sizeof(*have));
	double t0 = monotonic_s();
	int i, best, ret = 0, rc = 0;

	for (i = 0; i < k->nr && ret >= 0; i++) {
		ret = spool_rewind(p->sp[i]);
		if (!ret)
			ret = have[i] = spool_read(p->sp[i], &rec[i]);
	}
	while (ret >= 0) {
		best = -1;
		for (i = 0; i < k->nr; i++)
			if (have[i] == 1 && (best < 0 || rec[i].seq < rec[best].seq))
				best = i;
		if (best < 0)
			break;
		if (rec[best].stream != best) {
			ret = -EBADMSG;
			break;
		}
		if (rec[best].kind == SPOOL_UNIT) {
			ring_merge_advance_seq(k->merge, MERGE_SEQ(rec[best].seq));
			ring_subbuf_merge(k->merge, best, &rec[best].unit, k->hdr_size, false,
					  NULL);
		} else if (rec[best].kind == SPOOL_CAUGHT_UP) {
			ring_merge_caught_up_at(k->merge, best, MERGE_SEQ(rec[best].seq));
		} else {
			ring_merge_end(k->merge, best);
		}
		rc = sink_emit(k, false);
		if (rc)
			break;
		ret = have[best] = spool_read(p->sp[best], &rec[best]);
	}
	free(rec);
	free(have);
	if (ret < 0) {
		note_error("cannot read the spool file back: %s", strerror(-ret));
		rc = -EIO;
	}
	if (!rc)
		rc = sink_emit(k, true);
	k->format_secs = monotonic_s() - t0;
	return rc;
}

static void spsink_destroy(struct sink *k)
{
	struct spool_priv *p = k->priv;

	for (int i = 0; p && p->sp && i < k->nr; i++)
		spool_free(p->sp[i]);
	if (p)
		free(p->sp);
	free(p);
}

const struct sink_ops sink_spool_ops = {
	.name = "spool",
	.open = spsink_open,
	.unit = spsink_unit,
	.mark = spsink_mark,
	.flush = spsink_flush,
	.finish = spsink_finish,
	.destroy = spsink_destroy,
};
