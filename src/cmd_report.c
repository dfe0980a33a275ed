// SPDX-License-Identifier: GPL-2.0
/*
 * remotectl report FILE: a trace.dat as text, merged by timestamp, laid out like `trace-cmd
 * report` and identical to `record --format text` of the same data.
 *
 * Each CPU's sub-buffers go into the capture engine's merge (src/merge.c) through the same
 * subbuf_merge() record's text takes them through, one sub-buffer per CPU at a time, so memory
 * stays bounded and loss lines fall where record puts them; the lines come from tracedat_fmt.c,
 * which record's text output (src/format.c) shares.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpulist.h"
#include "merge.h"
#include "subbuf_merge.h"
#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_read.h"
#include "util.h"

#define MAX_CPUS	65536
#define MAX_GLOBS	64

struct report_args {
	const char *file;
	const char *cpus;
	const char *globs[MAX_GLOBS];
	int nr_globs;
	const char *from;
	const char *to;
	bool stat;
};

enum { OPT_FROM = 0x100, OPT_TO, OPT_STAT, OPT_CPU, OPT_EVENT };

static const struct argp_option options[] = {
	{ "cpu", OPT_CPU, "LIST", 0, "Only these CPUs (e.g. 0,2-3)", 0 },
	{ "event", OPT_EVENT, "GLOB", 0, "Only events matching GLOB (system:event or event; "
	  "repeatable)", 0 },
	{ "from", OPT_FROM, "T", 0, "Only events at or after T (seconds, as printed)", 0 },
	{ "to", OPT_TO, "T", 0, "Only events at or before T", 0 },
	{ "stat", OPT_STAT, NULL, 0, "Print per-CPU event and loss counts and the saved CPU "
	  "statistics instead of events", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_args *a = state->input;

	switch (key) {
	case OPT_CPU:
		a->cpus = arg;
		return 0;
	case OPT_EVENT:
		if (a->nr_globs == MAX_GLOBS)
			argp_error(state, "too many --event options");
		a->globs[a->nr_globs++] = arg;
		return 0;
	case OPT_FROM:
		a->from = arg;
		return 0;
	case OPT_TO:
		a->to = arg;
		return 0;
	case OPT_STAT:
		a->stat = true;
		return 0;
	default:
		return cli_file_arg(key, arg, state, &a->file);
	}
}

/* Seconds ("12.345678") into nanoseconds, or a raw value when the file shows raw times. */
static int parse_time(const char *s, bool raw, uint64_t *ns)
{
	unsigned long long sec, frac = 0;
	const char *p;
	char *end;
	int digits = 0;

	errno = 0;
	sec = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	if (raw) {
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

struct report {
	struct report_args *a;
	struct tdr *r;
	struct td_fmt *fmt;
	struct td_src **src;	/* one stream of the merge per buffer and CPU */
	int *buffer;		/* each stream's buffer */
	struct merge *merge;
	int nr;
	uint64_t from, to;
	bool raw;		/* the file prints raw clock values */
	uint64_t *shown;	/* per stream, events passing the filters */
};

/* Inside --from/--to, compared as printed: microseconds, rounded like libtraceevent. */
static bool in_window(const struct report *rp, uint64_t ts)
{
	if (rp->raw)
		return ts >= rp->from && ts <= rp->to;
	return (ts + 500) / 1000 >= rp->from / 1000 &&
	       (rp->to == UINT64_MAX || (ts + 500) / 1000 <= rp->to / 1000);
}

static bool wanted(struct report *rp, const struct td_event *ev)
{
	char name[256];
	const char *n, *colon;
	int i;

	if (!in_window(rp, ev->ts))
		return false;
	if (!rp->a->nr_globs)
		return true;
	n = td_fmt_event_name(rp->fmt, ev, name, sizeof(name));
	if (!n)
		return false;
	colon = strchr(n, ':');
	for (i = 0; i < rp->a->nr_globs; i++)
		if (!fnmatch(rp->a->globs[i], n, 0) || !fnmatch(rp->a->globs[i], colon + 1, 0))
			return true;
	return false;
}

/* Queue stream i's next sub-buffer, or end the stream. */
static void refill(struct report *rp, int i)
{
	if (!td_src_fill(rp->src[i], rp->merge, i))
		merge_end(rp->merge, i);
}

static int open_sources(struct report *rp, const bool *cpus)
{
	const struct tdr_info *in = tdr_info(rp->r);
	int b, i;

	for (b = 0; b < in->nr_buffers; b++) {
		for (i = 0; i < in->buffers[b].nr_cpus; i++) {
			struct td_src *s;

			if (cpus && !cpus[in->buffers[b].cpus[i].cpu])
				continue;
			s = td_src_new(rp->r, b, i);
			if (!s)
				return -1;
			rp->src = xrealloc(rp->src, (rp->nr + 1) * sizeof(*rp->src));
			rp->buffer = xrealloc(rp->buffer, (rp->nr + 1) * sizeof(*rp->buffer));
			rp->buffer[rp->nr] = b;
			rp->src[rp->nr++] = s;
		}
	}
	rp->shown = xcalloc(rp->nr + 1, sizeof(*rp->shown));
	rp->merge = merge_new(rp->nr);
	for (i = 0; i < rp->nr; i++)
		refill(rp, i);
	return 0;
}

static int cpu_count(const struct tdr_info *in)
{
	int b, i, n = in->cpu_count;

	for (b = 0; b < in->nr_buffers; b++)
		for (i = 0; i < in->buffers[b].nr_cpus; i++)
			if (in->buffers[b].cpus[i].cpu >= n)
				n = in->buffers[b].cpus[i].cpu + 1;
	return n;
}

static uint64_t damaged(const struct td_src_stats *st)
{
	return st->n.corrupt + st->bad_chunks;
}

static void print_stat(struct report *rp)
{
	const struct tdr_info *in = tdr_info(rp->r);
	int i, last = -1;

	printf("file: trace.dat v%d, compression %s, page size %u, cpus=%d\n", in->version,
	       in->compression, in->page_size, cpu_count(in));
	for (i = 0; i < rp->nr; i++) {
		const struct td_src_stats *st = td_src_stats(rp->src[i]);
		int b = rp->buffer[i];

		if (b != last) {
			const struct tdr_buffer *buf = &in->buffers[b];

			printf("\nbuffer: %s (clock %s)\n", buf->name[0] ? buf->name : "(top)",
			       buf->clock[0] ? buf->clock : "?");
			printf("%5s %12s %10s %12s %12s %8s\n", "CPU", "events", "pages",
			       "lost", "loss-pages", "damaged");
			last = b;
		}
		printf("%5d %12llu %10llu %12llu %12llu %8llu\n", td_src_cpu(rp->src[i]),
		       (unsigned long long)rp->shown[i], (unsigned long long)st->pages,
		       (unsigned long long)st->n.stored_lost,
		       (unsigned long long)st->n.missed_pages, (unsigned long long)damaged(st));
	}
	if (in->nr_cpustats)
		printf("\nsaved CPU statistics:\n");
	for (i = 0; i < in->nr_cpustats; i++) {
		size_t len = strlen(in->cpustats[i]);

		if (!len || !strcmp(in->cpustats[i], "\n"))
			continue;
		printf("%s%s", in->cpustats[i], in->cpustats[i][len - 1] == '\n' ? "" : "\n");
	}
}

/*
 * One merged entry: a loss line (kept whatever --event selects: the lost events could have
 * been any) or an event line.
 */
static void print_entry(struct report *rp, struct trace_seq *s, const struct merge_event *me)
{
	int i = me->stream, cpu = td_src_cpu(rp->src[i]);
	struct td_event ev = { me->ts, cpu, rp->buffer[i], me->data, me->len };

	if (me->lost) {
		if (rp->a->stat || !in_window(rp, me->ts))
			return;
		trace_seq_reset(s);
		td_fmt_loss(rp->fmt, s, ev.buffer, cpu, me->lost);
	} else {
		if (!wanted(rp, &ev))
			return;
		rp->shown[i]++;
		if (rp->a->stat)
			return;
		trace_seq_reset(s);
		td_fmt_event(rp->fmt, s, &ev);
	}
	fwrite(s->buffer, 1, s->len, stdout);
}

static int run(struct report *rp)
{
	struct merge_event me;
	struct trace_seq s;
	uint64_t errors = 0;
	int i;

	trace_seq_init(&s);
	/* Every stream holds a sub-buffer or has ended, so the merge's order is final. */
	while (merge_pop(rp->merge, false, &me) == 1) {
		print_entry(rp, &s, &me);
		if (!merge_stream_queued(rp->merge, me.stream))
			refill(rp, me.stream);
	}
	trace_seq_destroy(&s);
	if (rp->a->stat)
		print_stat(rp);
	for (i = 0; i < rp->nr; i++)
		errors += damaged(td_src_stats(rp->src[i]));
	if (fflush(stdout)) {
		err_msg("writing the report: %s", strerror(errno));
		return RC_FAIL;
	}
	if (errors) {
		err_msg("%s: %llu damaged chunks or pages skipped", rp->a->file,
			(unsigned long long)errors);
		return RC_FAIL;
	}
	return RC_OK;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "FILE",
					  "Print a trace.dat file as text, merged by timestamp, "
					  "like trace-cmd report.", cli_children, NULL, NULL };
	struct report_args a = { 0 };
	struct report rp = { .a = &a, .to = UINT64_MAX };
	bool *cpus = NULL;
	char err[300];
	int ret, i;

	ret = cli_parse(&argp, argc, argv, &a);
	if (ret)
		return ret;
	if (a.cpus) {
		int *list, n = cpulist_parse(a.cpus, MAX_CPUS - 1, &list);

		if (n < 0) {
			err_msg("bad CPU list '%s'", a.cpus);
			return RC_USAGE;
		}
		cpus = xcalloc(MAX_CPUS, sizeof(*cpus));
		for (i = 0; i < n; i++)
			cpus[list[i]] = true;
		free(list);
	}
	rp.r = tdr_open(a.file, err, sizeof(err));
	if (!rp.r) {
		err_msg("%s: %s", a.file, err);
		free(cpus);
		return access(a.file, F_OK) ? RC_MISSING : RC_FAIL;
	}
	rp.fmt = td_fmt_new(tdr_info(rp.r));
	rp.raw = rp.fmt && td_fmt_raw_time(rp.fmt);
	ret = RC_USAGE;
	if (!rp.fmt) {
		err_msg("out of memory");
		ret = RC_FAIL;
	} else if (a.from && parse_time(a.from, rp.raw, &rp.from)) {
		err_msg("bad --from time '%s'", a.from);
	} else if (a.to && parse_time(a.to, rp.raw, &rp.to)) {
		err_msg("bad --to time '%s'", a.to);
	} else if (open_sources(&rp, cpus)) {
		err_msg("out of memory");
		ret = RC_FAIL;
	} else {
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
		ret = run(&rp);
	}
	for (i = 0; i < rp.nr; i++)
		td_src_free(rp.src[i]);
	free(rp.src);
	free(rp.buffer);
	merge_free(rp.merge);
	free(rp.shown);
	td_fmt_free(rp.fmt);
	tdr_close(rp.r);
	free(cpus);
	return ret;
}
