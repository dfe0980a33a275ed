// SPDX-License-Identifier: GPL-2.0
/*
 * The sinks' shared part (the output, the text writer) and the two text sinks: stream (merge
 * as the data comes) and spool (per-CPU spools, merged after the capture). See
 * capture_internal.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "monotonic.h"
#include "capture_internal.h"
#include "direct_file.h"
#include "line_out.h"
#include "merge.h"
#include "note.h"
#include "remote_text.h"
#include "util.h"

static const struct sink_ops *const kinds[] = {
	[SINK_STREAM] = &sink_stream_ops,
	[SINK_SPOOL] = &sink_spool_ops,
	[SINK_DAT] = &sink_dat_ops,
};

int sink_new(enum sink_kind kind, const struct capture_opts *o, int nr, const int *cpus,
	     const int *part_of, struct sink **out)
{
	struct sink *k = xcalloc(1, sizeof(*k));
	int err;

	k->ops = kinds[kind];
	k->o = o;
	k->nr = nr;
	k->cpus = cpus;
	k->part_of = part_of;
	k->nr_parts = o->nr_targets;
	k->parts = xcalloc(o->nr_targets ? o->nr_targets : 1, sizeof(*k->parts));
	for (int i = 0; i < o->nr_targets; i++)
		k->parts[i].t = o->targets[i].t;
	k->floor = xcalloc(nr ? nr : 1, sizeof(*k->floor));
	k->lagged = xcalloc(nr ? nr : 1, sizeof(*k->lagged));
	for (int i = 0; i < nr; i++)
		k->floor[i] = UINT64_MAX;
	*out = k;
	if (!o->output || !strcmp(o->output, "-")) {
		k->out = stdout;
		k->to_stdout = true;
	} else {
		/* record's text: large, written once, read later (direct_file.h). */
		if (kind == SINK_SPOOL) {
			k->direct = direct_file_create(o->output, SINK_OUT_BUF);
			k->out = k->direct ? direct_file_stream(k->direct) : NULL;
		} else {
			k->out = fopen(o->output, "we");
		}
		if (!k->out) {
			err = errno;
			note_error("cannot create %s: %s", o->output, strerror(err));
			/* A file that cannot be created is a failure, not a bad value. */
			return err == EINVAL || err == ERANGE ? -EIO : -err;
		}
	}
	/*
	 * stream's lines go out as they come; everything else in writes of SINK_OUT_BUF. glibc
	 * keeps its st_blksize buffer (4 KiB) when setvbuf() is given a size without a buffer.
	 */
	if (!o->live && !k->direct) {
		k->out_buf = xmalloc(SINK_OUT_BUF);
		setvbuf(k->out, k->out_buf, _IOFBF, SINK_OUT_BUF);
	}
	cache_behind_init(&k->out_cache, k->direct ? -1 : fileno(k->out));
	return 0;
}

int sink_open_data(struct sink *k)
{
	return k->ops->open ? k->ops->open(k) : 0;
}

uint64_t sink_next_seq(struct sink *k)
{
	return __atomic_add_fetch(&k->seq, 1, __ATOMIC_SEQ_CST);
}

/*
 * A reader stores a floor no greater than any stamp it will take before it takes one (the
 * counter only grows), and lifts it once all it stamped is spooled. The watermark reads the
 * counter first, then the floors: a stamp at or below the counter read was taken before, so
 * either it is spooled or its reader's floor, visible by then, is at or below it.
 */
void sink_hold(struct sink *k, int idx)
{
	__atomic_store_n(&k->floor[idx], __atomic_load_n(&k->seq, __ATOMIC_SEQ_CST) + 1,
			 __ATOMIC_SEQ_CST);
}

void sink_let_go(struct sink *k, int idx)
{
	__atomic_store_n(&k->floor[idx], UINT64_MAX, __ATOMIC_SEQ_CST);
}

uint64_t sink_watermark(struct sink *k)
{
	uint64_t w = __atomic_load_n(&k->seq, __ATOMIC_SEQ_CST), f;

	for (int i = 0; i < k->nr; i++) {
		f = __atomic_load_n(&k->floor[i], __ATOMIC_SEQ_CST);
		if (f - 1 < w)
			w = f - 1;
	}
	return w;
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
	int rc = 0, err;

	if (!k || !k->out)
		return 0;
	if (!k->closed && fflush(k->out)) {
		note_error("cannot write output: %s", strerror(errno));
		rc = -EIO;
	}
	if (k->direct) {
		note_debug("%s: %" PRIu64 " of %" PRIu64 " bytes written around the page cache "
			   "(O_DIRECT)", k->o->output, direct_file_direct_bytes(k->direct),
			   k->bytes);
		err = direct_file_close(k->direct);
		k->direct = NULL;
		if (err && !rc) {
			note_error("cannot write %s: %s", k->o->output, strerror(-err));
			rc = -EIO;
		}
	} else if (!k->to_stdout && fclose(k->out) && !rc) {
		note_error("cannot write %s: %s", k->o->output, strerror(errno));
		rc = -EIO;
	}
	k->out = NULL;
	return rc;
}

/*
 * The part whose formatter part i uses: the kernel's ring buffers, the top level's and the
 * instances', share the first one's (their formats are the same files); -1 for a remote's
 * lines.
 */
static int text_format_owner(const struct sink *k, int i)
{
	enum target_kind kind = k->parts[i].t->kind;

	if (k->parts[i].lines)
		return -1;
	if (kind == TARGET_REMOTE || kind == TARGET_HYP)
		return i;
	for (int j = 0; j < i; j++) {
		kind = k->parts[j].t->kind;
		if (!k->parts[j].lines && kind != TARGET_REMOTE && kind != TARGET_HYP)
			return j;
	}
	return i;
}

void sink_free(struct sink *k)
{
	if (!k)
		return;
	/* First: a trace.dat writer left recoverable writes what it holds to the output. */
	if (k->ops->destroy)
		k->ops->destroy(k);
	if (k->direct)
		direct_file_close(k->direct);
	else if (k->out && !k->to_stdout)
		fclose(k->out);
	/* stdout keeps its buffer until the process exits. */
	if (!k->to_stdout)
		free(k->out_buf);
	ring_merge_free(k->merge);
	text_jobs_free(k->jobs);
	for (int i = 0; i < k->nr_parts; i++)
		if (text_format_owner(k, i) == i)
			text_format_free(k->parts[i].fmt);
	free(k->parts);
	free(k->floor);
	free(k->lagged);
	free(k);
}

/*
 * The text on jobs threads (format_jobs.c), when some target's events are binary: the jobs'
 * formatters are made now, with the parts' own, while every format file is there.
 */
static int open_jobs(struct sink *k)
{
	struct text_format **fmts = xcalloc(k->nr_parts, sizeof(*fmts));
	char err[256];
	int i, n = 0;

	for (i = 0; i < k->nr_parts; i++) {
		struct sink_part *p = &k->parts[i];
		int owner = text_format_owner(k, i);

		if (owner == i) {
			p->fmt_idx = n;
			fmts[n++] = p->fmt;
		} else if (owner >= 0) {
			p->fmt_idx = k->parts[owner].fmt_idx;
		}
	}
	if (n)
		k->jobs = text_jobs_new(k->o->jobs, fmts, n, err, sizeof(err));
	free(fmts);
	if (n && !k->jobs) {
		note_error("%s", err);
		return -EIO;
	}
	return 0;
}

/* Text sinks: a formatter per target whose events are binary (text_format_owner()). */
static int text_open(struct sink *k)
{
	char err[256];
	int width = 0, i, owner;

	k->merge = ring_merge_new(k->nr);
	/* Several targets: trace-cmd's prefix of a buffer's lines, as `report` prints it. */
	for (i = 0; i < k->nr_parts && k->nr_parts > 1; i++)
		if ((int)strlen(target_buffer_name(k->parts[i].t)) > width)
			width = strlen(target_buffer_name(k->parts[i].t));
	for (i = 0; i < k->nr_parts && k->nr_parts > 1; i++)
		k->parts[i].prefix_len = text_format_prefix(k->parts[i].prefix,
							    sizeof(k->parts[i].prefix),
							    target_buffer_name(k->parts[i].t), width);
	for (i = 0; i < k->nr_parts; i++) {
		struct sink_part *p = &k->parts[i];

		owner = text_format_owner(k, i);
		if (owner < 0)
			continue;
		if (owner < i) {
			p->fmt = k->parts[owner].fmt;
			continue;
		}
		p->fmt = text_format_new(p->t, err, sizeof(err));
		if (!p->fmt) {
			note_error("%s: %s", p->t->label, err);
			return -EIO;
		}
	}
	return k->o->jobs > 1 ? open_jobs(k) : 0;
}

/* fwrite(), or with the output locked by the caller already, line_out(). */
static inline size_t put(const char *s, size_t len, FILE *out, bool locked)
{
	return locked ? line_out(s, len, out) : fwrite(s, 1, len, out);
}

struct emit {
	struct sink *k;
	bool batch;		/* the output is locked */
	int err;		/* errno of a failed write */
};

/*
 * One line of part p (a loss line when lost) out, or cut at --max-size: 0 or -EIO. made:
 * the line was made in place in the output's buffer (line_room()) after its prefix, and
 * only goes out now.
 */
static int out_line(struct emit *e, const struct sink_part *p, const char *line, size_t len,
		    bool lost, bool made)
{
	struct sink *k = e->k;
	uint64_t max = k->o->max_bytes;

	if (k->cut || (max && k->bytes + p->prefix_len + len > max)) {
		k->cut = true;
		set_full(k);
		if (!lost)
			k->dropped_max++;
		return 0;
	}
	if (made) {
		if (line_made(k->out, line - p->prefix_len, p->prefix_len + len) !=
		    p->prefix_len + len) {
			e->err = errno;
			return -EIO;
		}
	} else if ((p->prefix_len &&
		    put(p->prefix, p->prefix_len, k->out, e->batch) != p->prefix_len) ||
		   put(line, len, k->out, e->batch) != len) {
		e->err = errno;
		return -EIO;
	}
	k->bytes += p->prefix_len + len;
	if (!lost)
		k->written++;
	return 0;
}

static int emit_line(void *ctx, uint32_t idx, const char *line, size_t len, bool lost)
{
	struct emit *e = ctx;

	return out_line(e, sink_part_of(e->k, idx), line, len, lost, false);
}

/*
 * ev's line from the merge: made now, or given to the jobs (text_jobs_add()). With the
 * output locked, it is made in the output's buffer after its prefix: raw markers' lines are
 * ~830 bytes, and copying them was a tenth of their text.
 */
static int emit_event(struct sink *k, struct emit *e, const struct ring_merge_event *ev)
{
	int cpu = k->cpus[ev->stream];
	const struct sink_part *p = sink_part_of(k, ev->stream);
	const char *line;
	char lost[64], *room = NULL;
	size_t len, size;

	if (k->jobs_started) {
		if (ev->lost)
			return text_jobs_add(k->jobs, TEXT_JOBS_LOSS, cpu, ev->ts, NULL,
					     (uint64_t)ev->lost, ev->stream, emit_line, e);
		return text_jobs_add(k->jobs, p->fmt ? p->fmt_idx : TEXT_JOBS_LINE, cpu, ev->ts,
				     ev->data, ev->len, ev->stream, emit_line, e);
	}
	if (ev->lost) {
		len = text_format_lost(lost, sizeof(lost), cpu, ev->lost);
		return emit_line(e, ev->stream, lost, len, true);
	}
	if (!p->fmt)
		return emit_line(e, ev->stream, ev->data, ev->len, false);
	if (e->batch) {
		room = line_room(k->out, &size);
		if (room && size > p->prefix_len) {
			memcpy(room, p->prefix, p->prefix_len);
			room += p->prefix_len;
			text_format_make_in(p->fmt, room, size - p->prefix_len);
		} else {
			room = NULL;
		}
	}
	line = text_format_event(p->fmt, cpu, ev->ts, ev->data, ev->len, &len);
	if (!line)
		return -EIO;
	return out_line(e, p, line, len, false, room && line == room);
}

/*
 * The merge's lines out: what it releases (all with drain), and with flush every line the
 * jobs hold.
 */
static int emit(struct sink *k, bool drain, bool flush)
{
	const struct capture_opts *o = k->o;
	/*
	 * Other threads' messages flush stdout first (messages.c): the output stays locked while
	 * lines go out. record's text takes the lock once for all that is ready; stream's lines,
	 * which may wait for a slow reader of a pipe, once each, so that a reader saying
	 * something waits for one line at most.
	 */
	struct emit e = { .k = k, .batch = !o->live };
	struct ring_merge_event ev;
	int err, rc = 0;

	if (k->closed)
		return 0;
	if (e.batch)
		flockfile(k->out);
	while (!rc && ring_merge_pop(k->merge, drain, &ev) == 1)
		rc = emit_event(k, &e, &ev);
	if (!rc && flush && k->jobs_started)
		rc = text_jobs_flush(k->jobs, emit_line, &e);
	if (e.batch)
		funlockfile(k->out);
	if (e.err)
		note_error("cannot write output: %s", strerror(e.err));
	if (rc)
		return -EIO;
	if (o->live) {
		err = live_output_flush(k->out, &k->closed);
		if (err) {
			note_error("cannot write output: %s", strerror(-err));
			return -EIO;
		}
	}
	/* It looks at the file's offset, a system call: once a MiB of text is enough. */
	if (k->bytes - k->cache_at >= SINK_CACHE_STEP) {
		k->cache_at = k->bytes;
		cache_behind_wrote(&k->out_cache);
	}
	return 0;
}

int sink_emit(struct sink *k, bool drain)
{
	return emit(k, drain, drain);
}

/* The text's jobs threads, when asked for: started at the text's start, at its priority. */
static int start_jobs(struct sink *k)
{
	int rc;

	if (!k->jobs || k->jobs_started)
		return 0;
	rc = text_jobs_start(k->jobs);
	if (rc) {
		note_error("cannot start the text's threads: %s", strerror(-rc));
		return -EIO;
	}
	k->jobs_started = true;
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
	ring_subbuf_merge(k->merge, idx, u, sink_part_of(k, idx)->hdr_size, false, false, n);
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
 * is made after the capture (record) or follows it (stream): formatting costs far more than
 * reading (the spool in capture_internal.h). Every unit is stamped with the capture-wide
 * counter after it was read, and every "caught up" mark with the value taken before the call
 * that found the CPU caught up; the replay hands the stamps to the merge, which then releases
 * events exactly as a single loop would have. Following the capture, the replay takes only
 * records up to the watermark (sink_watermark()) once the appenders have put them in the
 * files, so it makes the same choices in the same order, and stream prints what record
 * prints.
 */

/* stream: unread spool bytes per CPU beyond which units are dropped, unless set. */
#define DEFAULT_SPOOL_MAX	(1ull << 30)
/* stream: a round of the text that follows, before the capture loop looks around again. */
#define FOLLOW_ROUND_S		0.05

struct spool_priv {
	struct spool **sp;
	uint64_t taken;		/* atomic: event bytes spooled, for --max-size */
	bool failed;		/* atomic: a spool could not be written */
	/* The replay: each spool's next record, held when have[i] is 1. */
	struct spool_rec *rec;
	int *have;
	/* stream: the text follows the capture. */
	bool follow;
	uint64_t unread_max;	/* per spool: beyond this units are dropped */
	uint64_t ready;		/* records stamped up to this are in the files */
	bool waiting;		/* a watermark waits for the appenders ... */
	uint64_t next_ready;	/* ... this one, once each spool has ... */
	uint64_t *need;		/* ... this much in its file */
	uint64_t *drop_pending;	/* per stream: events dropped since the last unit kept ... */
	uint64_t *drop_ts;	/* ... and the time of the last of them */
	/* A remote's lines: */
	int64_t *remote_lost;	/* per stream: a LOST line waiting for the CPU's next event */
	uint64_t *last_ts;	/* per stream: the last line's time */
	struct spool_mover *movers;	/* per stream: its spool's window is about to move */
};

/*
 * The replay queues a spool's events in the merge by reference into the spool's read
 * window, and the merge copies those still queued when the window is about to move: a CPU's
 * events wait there only until the other CPUs' records of the same time are replayed, so
 * most go out before; copying each into the merge was a third of the merge's cost
 * (bench/RESULTS.md, twenty-second session).
 */
struct spool_mover {
	struct sink *k;
	int stream;
};

static void spool_moving(void *ctx)
{
	struct spool_mover *mv = ctx;

	if (mv->k->merge)
		ring_merge_own(mv->k->merge, mv->stream);
}

static int spsink_open(struct sink *k)
{
	struct spool_priv *p = xcalloc(1, sizeof(*p));
	char err[256];
	int n = k->nr ? k->nr : 1, rc = text_open(k);

	k->priv = p;
	k->seq_stamps = true;
	k->after = true;
	p->follow = k->o->live;
	p->unread_max = k->o->spool_max ? k->o->spool_max / n : DEFAULT_SPOOL_MAX / n;
	p->sp = xcalloc(n, sizeof(*p->sp));
	p->rec = xcalloc(n, sizeof(*p->rec));
	p->have = xcalloc(n, sizeof(*p->have));
	p->need = xcalloc(n, sizeof(*p->need));
	p->drop_pending = xcalloc(n, sizeof(*p->drop_pending));
	p->drop_ts = xcalloc(n, sizeof(*p->drop_ts));
	p->remote_lost = xcalloc(n, sizeof(*p->remote_lost));
	p->last_ts = xcalloc(n, sizeof(*p->last_ts));
	p->movers = xcalloc(n, sizeof(*p->movers));
	for (int i = 0; i < k->nr && !rc; i++) {
		p->sp[i] = spool_new(NULL, err, sizeof(err));
		if (!p->sp[i]) {
			note_error("%s", err);
			rc = -EIO;
			break;
		}
		p->movers[i] = (struct spool_mover){ k, i };
		spool_on_move(p->sp[i], spool_moving, &p->movers[i]);
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

/* The events dropped since the last unit kept, as one loss where they were. */
static int spool_drops(struct sink *k, int idx)
{
	struct spool_priv *p = k->priv;
	uint64_t n = p->drop_pending[idx];

	if (!n)
		return 0;
	p->drop_pending[idx] = 0;
	return spsink_failed(p, spool_lost_seq(p->sp[idx], idx, p->drop_ts[idx], n,
					       sink_next_seq(k)));
}

/*
 * Spooling, the text is written later: stop on the raw size, which the text exceeds; the text
 * is then cut at the size on a line boundary. Following, a unit that would take the spool
 * beyond its share of --spool-size is dropped and counted: the loss shows in the text.
 */
/*
 * Whether stream idx's spool takes len more bytes holding events events up to time ts;
 * if not they are dropped and counted. Then the drops before it go in as a loss, and the
 * bytes count towards --max-size. 1: take it, 0: dropped, -errno.
 */
static int spool_room(struct sink *k, int idx, size_t len, uint64_t events, uint64_t bytes,
		      uint64_t ts)
{
	struct spool_priv *p = k->priv;
	uint64_t taken, unread = p->follow ? spool_unread(p->sp[idx]) : 0;
	int err;

	/* An empty spool takes a unit whatever its size: the text always moves on. */
	if (unread && unread + len > p->unread_max) {
		p->drop_pending[idx] += events;
		p->drop_ts[idx] = ts;
		__atomic_add_fetch(&k->lagged[idx], events, __ATOMIC_RELAXED);
		return 0;
	}
	err = spool_drops(k, idx);
	if (err)
		return err;
	taken = __atomic_add_fetch(&p->taken, bytes, __ATOMIC_RELAXED);
	if (k->o->max_bytes && taken >= k->o->max_bytes)
		set_full(k);
	return 1;
}

static int spsink_unit(struct sink *k, int idx, const struct source_unit *u,
		      struct ring_subbuf_counts *n)
{
	struct spool_priv *p = k->priv;
	uint64_t before = n->events;
	int ret;

	ring_subbuf_merge(NULL, idx, u, sink_part_of(k, idx)->hdr_size, false, false, n);
	ret = spool_room(k, idx, u->len, n->events - before, u->end - u->skip, n->last_ts);
	if (ret <= 0)
		return ret;
	return spsink_failed(p, spool_unit_seq(p->sp[idx], idx, u, sink_next_seq(k)));
}

/* A remote's LOST line, in the spool before the CPU's next event, at that one's time. */
static int spool_remote_lost(struct sink *k, int idx, uint64_t ts)
{
	struct spool_priv *p = k->priv;
	int64_t n = p->remote_lost[idx];

	if (!n)
		return 0;
	p->remote_lost[idx] = 0;
	return spsink_failed(p, spool_lost_seq(p->sp[idx], idx, ts, n, sink_next_seq(k)));
}

/* A remote's line (len with its '\n'), as the stream sink would merge it. */
static int spsink_line(struct sink *k, int idx, uint64_t ts, const struct remote_line *r,
		       const char *line, size_t len)
{
	struct spool_priv *p = k->priv;
	int ret;

	(void)r;
	p->last_ts[idx] = ts;
	ret = spool_remote_lost(k, idx, ts);
	if (!ret)
		ret = spool_room(k, idx, len, 1, len, ts);
	if (ret <= 0)
		return ret;
	return spsink_failed(p, spool_line_seq(p->sp[idx], idx, ts, line, len, sink_next_seq(k)));
}

static void spsink_lost(struct sink *k, int idx, uint64_t ts, int64_t n)
{
	struct spool_priv *p = k->priv;

	(void)ts;
	p->remote_lost[idx] += n;
}

static int spsink_mark(struct sink *k, int idx, enum sink_mark m, uint64_t seq)
{
	struct spool_priv *p = k->priv;
	int err;

	/* Caught up: stamped before the call that found it; the end: in order. */
	if (m == SINK_CAUGHT_UP)
		return spsink_failed(p, spool_mark_seq(p->sp[idx], SPOOL_CAUGHT_UP, idx, seq));
	/* A loss with no event after it still belongs in the output. */
	err = spool_remote_lost(k, idx, p->last_ts[idx]);
	if (!err)
		err = spool_drops(k, idx);
	if (err)
		return err;
	return spsink_failed(p, spool_mark_seq(p->sp[idx], SPOOL_END, idx, sink_next_seq(k)));
}

/*
 * A stamp as the merge's counter: room for 2^32 events per unit below the next stamp, so
 * every event of a unit stamped s sorts below a mark stamped s' > s.
 */
#define MERGE_SEQ(s)	((uint64_t)(s) << 32)

/* One record into the merge. 0, or -EBADMSG for a record of another stream. */
static int replay_one(struct sink *k, int i, const struct spool_rec *rec)
{
	if (rec->stream != i)
		return -EBADMSG;
	switch (rec->kind) {
	case SPOOL_UNIT:
		ring_merge_advance_seq(k->merge, MERGE_SEQ(rec->seq));
		ring_subbuf_merge(k->merge, i, &rec->unit, sink_part_of(k, i)->hdr_size, false,
				  rec->held, NULL);
		break;
	case SPOOL_LOST:
		ring_merge_advance_seq(k->merge, MERGE_SEQ(rec->seq));
		ring_merge_push_lost(k->merge, i, rec->ts, rec->lost);
		break;
	case SPOOL_LINE:
		ring_merge_advance_seq(k->merge, MERGE_SEQ(rec->seq));
		ring_merge_push(k->merge, i, rec->ts, rec->unit.buf, rec->unit.len);
		break;
	case SPOOL_CAUGHT_UP:
		ring_merge_caught_up_at(k->merge, i, MERGE_SEQ(rec->seq));
		break;
	default:
		ring_merge_end(k->merge, i);
		break;
	}
	return 0;
}

static int read_failed(int err)
{
	note_error("cannot read the spool file back: %s", strerror(-err));
	return -EIO;
}

/*
 * The per-CPU spools through the merge to text, interleaved by stamp (which keeps memory
 * bounded) with the stamps given to the merge (which keeps it exact): records stamped up to
 * upto, until done is reached (0: no limit). Returns 1 when it stopped with records left
 * that it may take, 0 when there are none (now), or -errno after a message.
 */
static int replay(struct sink *k, uint64_t upto, double done)
{
	struct spool_priv *p = k->priv;
	int i, best, ret, n = 0;

	for (i = 0; i < k->nr; i++) {
		if (p->have[i])
			continue;
		ret = p->have[i] = spool_read(p->sp[i], &p->rec[i]);
		if (ret < 0)
			return read_failed(ret);
	}
	for (;;) {
		best = -1;
		for (i = 0; i < k->nr; i++)
			if (p->have[i] && (best < 0 || p->rec[i].seq < p->rec[best].seq))
				best = i;
		if (best < 0 || p->rec[best].seq > upto)
			return 0;
		if (done && ++n % 64 == 0 && monotonic_s() >= done)
			return 1;
		ret = replay_one(k, best, &p->rec[best]);
		if (ret)
			return read_failed(ret);
		ret = sink_emit(k, false);
		if (ret)
			return ret;
		ret = p->have[best] = spool_read(p->sp[best], &p->rec[best]);
		if (ret < 0)
			return read_failed(ret);
		/*
		 * After the capture, what was read is given back as the replay goes: the text
		 * written next takes the page cache the spool frees instead of fresh memory.
		 */
		if (!p->follow)
			spool_release(p->sp[best]);
	}
}

/*
 * stream, while the capture runs: move the watermark on once the appenders have written
 * everything it covers (no waiting: the next round looks again), then replay up to it for a
 * round and give back the disk space read.
 */
static int follow(struct sink *k)
{
	struct spool_priv *p = k->priv;
	int i, ret;

	/*
	 * In a burst the readers come first, until a spool is three quarters of the way to its
	 * bound: the text then has that last quarter to start before units are dropped.
	 */
	if (k->burst) {
		for (i = 0; i < k->nr && spool_unread(p->sp[i]) < p->unread_max / 4 * 3; i++)
			;
		if (i == k->nr) {
			k->behind = false;
			return 0;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		if (!p->waiting) {
			p->next_ready = sink_watermark(k);
			for (i = 0; i < k->nr; i++)
				p->need[i] = spool_bytes(p->sp[i]);
			p->waiting = true;
		}
		for (i = 0; i < k->nr && spool_written(p->sp[i]) >= p->need[i]; i++)
			;
		if (i < k->nr)
			break;
		p->ready = p->next_ready;
		p->waiting = false;
	}
	ret = start_jobs(k);
	if (!ret)
		ret = replay(k, p->ready, monotonic_s() + FOLLOW_ROUND_S);
	/* The round's lines out, also those the jobs make. */
	if (ret >= 0 && k->jobs_started) {
		int rc = emit(k, false, true);

		ret = rc ? rc : ret;
	}
	if (ret < 0)
		return ret;
	k->behind = ret == 1;
	for (i = 0; i < k->nr; i++)
		spool_release(p->sp[i]);
	return 0;
}

static int spsink_flush(struct sink *k, bool drain)
{
	struct spool_priv *p = k->priv;

	if (__atomic_load_n(&p->failed, __ATOMIC_SEQ_CST))
		return -EIO;
	return p->follow && !drain && !k->closed ? follow(k) : 0;
}

/* Everything spooled (the rest of it, for stream) to text, after the capture. */
static int spsink_finish(struct sink *k)
{
	struct spool_priv *p = k->priv;
	double t0 = monotonic_s();
	int i, ret = 0, rc;

	/*
	 * The readers are done: drops after their last unit kept, and a remote's loss with no
	 * line after it, still need their loss line.
	 */
	for (i = 0; i < k->nr && !ret; i++) {
		ret = spool_remote_lost(k, i, p->last_ts[i]);
		if (!ret)
			ret = spool_drops(k, i);
	}
	if (ret)
		return ret;
	for (i = 0; i < k->nr && !ret; i++)
		ret = p->follow ? spool_close_writing(p->sp[i]) : spool_rewind(p->sp[i]);
	rc = ret ? read_failed(ret) : 0;
	if (!rc && !k->closed)
		rc = start_jobs(k);
	if (!rc && !k->closed)
		rc = replay(k, UINT64_MAX, 0);
	if (!rc)
		rc = sink_emit(k, true);
	k->format_secs = monotonic_s() - t0;
	if (k->jobs_started) {
		uint64_t fast, lines, remade;

		text_jobs_counts(k->jobs, &fast, &lines, &remade);
		note_debug("%llu of %llu lines made by the fast path on %d jobs, %llu made again "
			   "for their comm", (unsigned long long)fast, (unsigned long long)lines,
			   k->o->jobs, (unsigned long long)remade);
	}
	return rc;
}

static void spsink_destroy(struct sink *k)
{
	struct spool_priv *p = k->priv;

	if (!p)
		return;
	for (int i = 0; p->sp && i < k->nr; i++)
		spool_free(p->sp[i]);
	free(p->sp);
	free(p->rec);
	free(p->have);
	free(p->need);
	free(p->drop_pending);
	free(p->drop_ts);
	free(p->remote_lost);
	free(p->last_ts);
	free(p->movers);
	free(p);
}

const struct sink_ops sink_spool_ops = {
	.name = "spool",
	.open = spsink_open,
	.unit = spsink_unit,
	.line = spsink_line,
	.lost = spsink_lost,
	.mark = spsink_mark,
	.flush = spsink_flush,
	.finish = spsink_finish,
	.destroy = spsink_destroy,
};
