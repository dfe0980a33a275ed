// SPDX-License-Identifier: GPL-2.0
/*
 * A trace.dat's events as text (see tracedat_text.h).
 *
 * Each CPU's sub-buffers go into the capture engine's merge (src/lib/ring/merge.c) through the same
 * ring_subbuf_merge() record's text takes them through, one sub-buffer per CPU at a time, so memory
 * stays bounded and loss lines fall where record puts them; the lines come from tracedat_fmt.c,
 * which record's text output (src/lib/text/format.c) shares.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "line_out.h"
#include "merge.h"
#include "note.h"
#include "subbuf_merge.h"
#include "tracedat_events.h"
#include "text_internal.h"
#include "tracedat_read.h"
#include "tracedat_text.h"
#include "util.h"

int text_report_open(struct text_report **out, const char *path, td_warn_fn warn, void *ctx,
		     char *err,
	     size_t errlen)
{
	struct text_report *t;

	*out = NULL;
	t = xcalloc(1, sizeof(*t));
	t->f.to = UINT64_MAX;
	t->warn = warn;
	t->warn_ctx = ctx;
	t->r = tdr_open(path, err, errlen);
	if (!t->r) {
		free(t);
		return -EBADMSG;
	}
	t->fmt = text_dat_fmt_new(tdr_info(t->r), warn, ctx);
	if (!t->fmt) {
		text_report_close(t);
		return -ENOMEM;
	}
	t->raw = text_dat_fmt_raw_time(t->fmt);
	*out = t;
	return 0;
}

int text_report_parse_time(const struct text_report *t, const char *s, uint64_t *ns)
{
	unsigned long long sec, frac = 0;
	const char *p;
	char *end;
	int digits = 0;

	errno = 0;
	sec = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	if (t->raw) {
		*ns = sec;
		return *end ? -EINVAL : 0;
	}
	if (*end == '.') {
		for (p = end + 1; *p >= '0' && *p <= '9'; p++)
			if (digits++ < 9)
				frac = frac * 10 + (*p - '0');
		end = (char *)p;
	}
	while (digits++ < 9)
		frac *= 10;
	if (*end || sec > UINT64_MAX / 1000000000ull)
		return -EINVAL;
	*ns = sec * 1000000000ull + frac;
	return 0;
}

/* Inside the window, compared as printed: microseconds, rounded like libtraceevent. */
bool text_report_in_window(const struct text_report *t, uint64_t ts)
{
	if (t->raw)
		return ts >= t->f.from && ts <= t->f.to;
	return (ts + 500) / 1000 >= t->f.from / 1000 &&
	       (t->f.to == UINT64_MAX || (ts + 500) / 1000 <= t->f.to / 1000);
}

bool text_report_wanted(struct text_report *t, struct text_dat_fmt *fmt,
			const struct text_dat_event *ev)
{
	char name[256];
	const char *n, *colon;
	int i;

	if (!text_report_in_window(t, ev->ts))
		return false;
	if (!t->f.nr_globs)
		return true;
	n = text_dat_fmt_event_name(fmt, ev, name, sizeof(name));
	if (!n)
		return false;
	colon = strchr(n, ':');
	for (i = 0; i < t->f.nr_globs; i++)
		if (!fnmatch(t->f.globs[i], n, 0) || !fnmatch(t->f.globs[i], colon + 1, 0))
			return true;
	return false;
}

/* Queue stream i's next sub-buffer, or end the stream. */
static void refill(struct text_report *t, int i)
{
	if (!td_src_fill(t->src[i], t->merge, i))
		ring_merge_end(t->merge, i);
}

int text_report_nr_buffers(const struct text_report *t)
{
	return tdr_info(t->r)->nr_buffers;
}

const char *text_report_buffer_name(const struct text_report *t, int b)
{
	const char *name = tdr_info(t->r)->buffers[b].name;

	return name[0] ? name : "top";
}

static int by_size(const void *a, const void *b, void *ctx)
{
	const uint64_t *size = ctx;
	int x = *(const int *)a, y = *(const int *)b;

	return size[x] > size[y] ? -1 : size[x] < size[y] ? 1 : x - y;
}

/*
 * --jobs: no more jobs than streams with data worth a thread (a sixteenth of the largest's
 * at least; a job's setup and hand-overs cost more than an idle CPU's few lines), and the
 * streams dealt out by size, the largest to the job with the least so far. One job: none.
 */
static void share_jobs(struct text_report *t)
{
	uint64_t *size = xcalloc(t->nr + 1, sizeof(*size)), *load;
	int *order = xcalloc(t->nr + 1, sizeof(*order)), i, k, busy = 0;

	for (i = 0; i < t->nr; i++) {
		size[i] = td_src_size(t->src[i]);
		order[i] = i;
	}
	qsort_r(order, t->nr, sizeof(*order), by_size, size);
	for (i = 0; i < t->nr; i++)
		busy += size[order[i]] && size[order[i]] >= size[order[0]] / 16;
	if (t->f.jobs > busy) {
		note_debug("%d jobs asked for; %d of %d streams hold data worth a thread of "
			   "their own", t->f.jobs, busy, t->nr);
		t->f.jobs = busy;
	}
	if (t->f.jobs < 2) {
		t->f.jobs = 0;
	} else {
		load = xcalloc(t->f.jobs, sizeof(*load));
		t->job_of = xcalloc(t->nr, sizeof(*t->job_of));
		for (i = 0; i < t->nr; i++) {
			int least = 0;

			for (k = 1; k < t->f.jobs; k++)
				if (load[k] < load[least])
					least = k;
			t->job_of[order[i]] = least;
			load[least] += size[order[i]] + 1;
		}
		free(load);
	}
	free(size);
	free(order);
}

int text_report_select(struct text_report *t, const struct text_report_filter *f)
{
	const struct tdr_info *in = tdr_info(t->r);
	int b, i;

	t->f = *f;
	for (b = 0; b < in->nr_buffers; b++) {
		if (f->buffers && !f->buffers[b])
			continue;
		for (i = 0; i < in->buffers[b].nr_cpus; i++) {
			int cpu = in->buffers[b].cpus[i].cpu;
			struct td_src *s;

			/* A damaged file's CPU number may lie outside any list given. */
			if (f->cpus && (cpu < 0 || cpu >= TEXT_REPORT_MAX_CPUS || !f->cpus[cpu]))
				continue;
			s = td_src_new(t->r, b, i);
			if (!s)
				return -ENOMEM;
			td_src_on_damage(s, t->warn, t->warn_ctx);
			t->src = xrealloc(t->src, (t->nr + 1) * sizeof(*t->src));
			t->buffer = xrealloc(t->buffer, (t->nr + 1) * sizeof(*t->buffer));
			t->buffer[t->nr] = b;
			t->src[t->nr++] = s;
		}
	}
	t->shown = xcalloc(t->nr + 1, sizeof(*t->shown));
	if (f->stat || t->f.jobs < 2)
		t->f.jobs = 0;
	else
		share_jobs(t);
	if (t->f.jobs > 1) {
		/* Each job reads its streams itself (tracedat_text_jobs.c). */
		for (i = 0; i < t->nr; i++)
			td_src_private(t->src[i]);
		return 0;
	}
	t->merge = ring_merge_new(t->nr);
	for (i = 0; i < t->nr; i++)
		refill(t, i);
	return 0;
}

/* 64 bits: a damaged file may name CPU INT_MAX. */
static long long cpu_count(const struct tdr_info *in)
{
	long long n = in->cpu_count;
	int b, i;

	for (b = 0; b < in->nr_buffers; b++)
		for (i = 0; i < in->buffers[b].nr_cpus; i++)
			if (in->buffers[b].cpus[i].cpu >= n)
				n = in->buffers[b].cpus[i].cpu + 1LL;
	return n;
}

static uint64_t damaged(const struct td_src_stats *st)
{
	return st->n.corrupt + st->bad_chunks;
}

static void write_stat(struct text_report *t, FILE *out)
{
	const struct tdr_info *in = tdr_info(t->r);
	int i, last = -1;

	fprintf(out, "file: trace.dat v%d, compression %s, page size %u, cpus=%lld\n", in->version,
		in->compression, in->page_size, cpu_count(in));
	for (i = 0; i < t->nr; i++) {
		const struct td_src_stats *st = td_src_stats(t->src[i]);
		int b = t->buffer[i];

		if (b != last) {
			const struct tdr_buffer *buf = &in->buffers[b];

			fprintf(out, "\nbuffer: %s (clock %s)\n",
				buf->name[0] ? buf->name : "(top)",
				buf->clock[0] ? buf->clock : "?");
			fprintf(out, "%5s %12s %10s %12s %12s %8s\n", "CPU", "events", "pages",
				"lost", "loss-pages", "damaged");
			last = b;
		}
		fprintf(out, "%5d %12llu %10llu %12llu %12llu %8llu\n", td_src_cpu(t->src[i]),
			(unsigned long long)t->shown[i], (unsigned long long)st->pages,
			(unsigned long long)st->n.stored_lost,
			(unsigned long long)st->n.missed_pages, (unsigned long long)damaged(st));
	}
	if (in->nr_cpustats)
		fprintf(out, "\nsaved CPU statistics:\n");
	for (i = 0; i < in->nr_cpustats; i++) {
		size_t len = strlen(in->cpustats[i]);

		if (!len || !strcmp(in->cpustats[i], "\n"))
			continue;
		fprintf(out, "%s%s", in->cpustats[i],
			in->cpustats[i][len - 1] == '\n' ? "" : "\n");
	}
}

/*
 * One merged entry: a loss line (kept whatever the event globs select: the lost events could
 * have been any) or an event line. 0, or -EPROTO from the fast path's check.
 */
static int write_entry(struct text_report *t, FILE *out, struct trace_seq *s,
		       const struct ring_merge_event *me)
{
	int i = me->stream, cpu = td_src_cpu(t->src[i]);
	struct text_dat_event ev = { me->ts, cpu, t->buffer[i], me->data, me->len };
	const char *line;
	size_t len;

	trace_seq_reset(s);
	if (me->lost) {
		if (t->f.stat || !text_report_in_window(t, me->ts))
			return 0;
		text_dat_fmt_loss(t->fmt, s, ev.buffer, cpu, me->lost);
		line = s->buffer;
		len = s->len;
	} else {
		if (!text_report_wanted(t, t->fmt, &ev))
			return 0;
		t->shown[i]++;
		if (t->f.stat)
			return 0;
		if (text_dat_fmt_event_ref(t->fmt, s, &ev, &line, &len))
			return -EPROTO;
	}
	line_out(line, len, out);
	return 0;
}

int text_report_write(struct text_report *t, FILE *out, uint64_t *errors)
{
	struct ring_merge_event me;
	uint64_t fast, lines;
	struct trace_seq s;
	int i, ret = 0;

	*errors = 0;
	if (t->f.jobs > 1) {
		ret = text_report_write_jobs(t, out, t->f.jobs);
		goto written;
	}
	trace_seq_init(&s);
	/* Once for all the lines, not once for each (write_entry()'s fwrite_unlocked()). */
	flockfile(out);
	/* Every stream holds a sub-buffer or has ended, so the merge's order is final. */
	while (!ret && ring_merge_pop(t->merge, false, &me) == 1) {
		ret = write_entry(t, out, &s, &me);
		if (!ring_merge_stream_queued(t->merge, me.stream))
			refill(t, me.stream);
	}
	funlockfile(out);
	trace_seq_destroy(&s);
	text_dat_fmt_counts(t->fmt, &fast, &lines);
	if (lines)
		note_debug("%llu of %llu events formatted by the fast path",
			   (unsigned long long)fast, (unsigned long long)lines);
written:
	if (ret) {
		fflush(out);
		return ret;
	}
	if (t->f.stat)
		write_stat(t, out);
	for (i = 0; i < t->nr; i++)
		*errors += damaged(td_src_stats(t->src[i]));
	return fflush(out) ? -errno : 0;
}

void text_report_close(struct text_report *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->nr; i++)
		td_src_free(t->src[i]);
	free(t->src);
	free(t->buffer);
	free(t->job_of);
	ring_merge_free(t->merge);
	free(t->shown);
	text_dat_fmt_free(t->fmt);
	tdr_close(t->r);
	free(t);
}
