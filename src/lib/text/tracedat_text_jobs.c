// SPDX-License-Identifier: GPL-2.0
/*
 * report's lines made on several threads. Each job thread owns some of the merge's streams
 * (a buffer's CPU) and a formatter of its own, reads its streams' sub-buffers and formats
 * their events, in each stream's order, into blocks of finished lines; this thread merges the
 * lines of all streams by time stamp and writes them.
 *
 * The result is the single thread's, byte for byte:
 *  - Order: every event of a stream becomes an entry, a filtered one too (a stream's stamps
 *    need not rise, and the merge compares heads), so the line merge pops the same sequence.
 *  - Comms: a pid's comm comes from the saved cmdlines or from the first sched_switch or
 *    wakeup line of the whole merge that registered one. A job knows its own streams' lines
 *    only. A line whose pid is not a saved one carries the comm it showed and a copy of its
 *    record; this thread keeps the registrations of all lines in merge order, and makes the
 *    line again when it would show another comm.
 *  - Lines of plugins that keep state between lines (text_line_kind()) are made here, in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "line_out.h"
#include "note.h"
#include "text_internal.h"
#include "util.h"

#define BLOCK_BYTES	(1u << 20)
#define BLOCK_LINES	16384u
#define BLOCKS		3	/* per stream, between its job and the merge */
#define NONE		UINT32_MAX

enum jline_kind { JL_SKIP, JL_LINE, JL_LOSS, JL_ERROR };

/* An entry of a stream, in its order; offsets into its block's bytes. */
struct jline {
	uint64_t ts;
	uint32_t off, len;	/* the line */
	uint32_t rec, rec_len;	/* a copy of the record, when this thread may need it */
	uint32_t warn;		/* damage messages before it (NUL-separated, "" ends) or NONE */
	uint32_t comm;		/* the comm it showed for pid (dyn) */
	uint32_t reg[2];	/* comms it registered */
	int pid;
	int reg_pid[2];
	uint8_t kind;
	uint8_t nr_regs;
	bool dyn;
	bool ordered;
};

/* Blocks grow to BLOCK_LINES and BLOCK_BYTES: a CPU with little data keeps little. */
struct jblock {
	struct jline *lines;
	uint32_t nr, alloc;
	char *bytes;
	size_t len, cap;
	uint32_t tail_warn;	/* messages after the last line, or NONE */
	bool last;		/* the stream ends with it */
};

struct jstream {
	struct jblock blocks[BLOCKS];
	unsigned int head, filled;	/* filled blocks from head on (under the lock) */
	bool done;		/* the job sent the last block */
	uint32_t pending_warn;	/* messages waiting for the stream's next entry */
	char *warn_buf;
	size_t warn_len, warn_cap;
};

struct jobs;

struct job {
	struct jobs *js;
	int idx;
	pthread_t thread;
	bool started;
	struct text_dat_fmt *fmt;
	struct trace_seq s;
};

struct jobs {
	struct text_report *t;
	struct jstream *st;
	struct job *job;
	int nr_jobs;
	pthread_mutex_t lock;
	pthread_cond_t filled;	/* to the merge: a block is ready */
	pthread_cond_t freed;	/* to the jobs: a block is free again, or stop */
	bool stop;
};

static size_t put_bytes(struct jblock *b, const void *p, size_t n)
{
	size_t off = b->len;

	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 65536;
		b->bytes = xrealloc(b->bytes, b->cap);
	}
	memcpy(b->bytes + off, p, n);
	b->len += n;
	return off;
}

static size_t put_str(struct jblock *b, const char *s)
{
	return put_bytes(b, s, strlen(s) + 1);
}

/* td_src's damage message, kept in the stream until its next entry (called on its job). */
static void keep_warning(void *ctx, const char *msg)
{
	struct jstream *st = ctx;
	size_t n = strlen(msg) + 1;

	if (st->warn_len + n + 1 > st->warn_cap) {
		while (st->warn_len + n + 1 > st->warn_cap)
			st->warn_cap = st->warn_cap ? 2 * st->warn_cap : 1024;
		st->warn_buf = xrealloc(st->warn_buf, st->warn_cap);
	}
	memcpy(st->warn_buf + st->warn_len, msg, n);
	st->warn_len += n;
}

/* Messages kept so far into the block: their offset, or NONE. */
static uint32_t take_warnings(struct jstream *st, struct jblock *b)
{
	uint32_t off;

	if (!st->warn_len)
		return NONE;
	off = put_bytes(b, st->warn_buf, st->warn_len);
	put_bytes(b, "", 1);
	st->warn_len = 0;
	return off;
}

/* One merge entry of stream i into b; false at the stream's end. */
static bool make_entry(struct jobs *js, struct job *jb, int i, struct jblock *b)
{
	struct text_report *t = js->t;
	struct jstream *st = &js->st[i];
	struct ring_merge_event me;
	struct text_line_deps d;
	struct jline *jl;
	const char *line;
	size_t len;
	int cpu, ret;

	if (!td_src_next(t->src[i], &me))
		return false;
	cpu = td_src_cpu(t->src[i]);
	if (b->nr == b->alloc) {
		b->alloc = b->alloc ? 2 * b->alloc : 256;
		b->lines = xrealloc(b->lines, b->alloc * sizeof(*b->lines));
	}
	jl = &b->lines[b->nr++];
	memset(jl, 0, sizeof(*jl));
	jl->ts = me.ts;
	jl->kind = JL_SKIP;
	jl->rec = jl->comm = NONE;
	jl->warn = take_warnings(st, b);
	trace_seq_reset(&jb->s);
	if (me.lost) {
		if (!text_report_in_window(t, me.ts))
			return true;
		text_dat_fmt_loss(jb->fmt, &jb->s, t->buffer[i], cpu, me.lost);
		jl->kind = JL_LOSS;
		jl->len = jb->s.len;
		jl->off = put_bytes(b, jb->s.buffer, jb->s.len);
		return true;
	}
	{
		struct text_dat_event ev = { me.ts, cpu, t->buffer[i], me.data, me.len };

		if (!text_report_wanted(t, jb->fmt, &ev))
			return true;
		t->shown[i]++;
		jl->kind = JL_LINE;
		ret = text_dat_fmt_event_deps(jb->fmt, &jb->s, &ev, &line, &len, &d);
	}
	if (ret) {
		jl->kind = JL_ERROR;
		return false;
	}
	jl->ordered = d.ordered;
	jl->dyn = d.dyn;
	if (d.ordered || d.dyn) {
		jl->rec = put_bytes(b, me.data, me.len);
		jl->rec_len = me.len;
	}
	if (d.ordered)
		return true;
	jl->off = put_bytes(b, line, len);
	jl->len = len;
	if (d.dyn) {
		jl->pid = d.pid;
		jl->comm = put_str(b, d.comm);
	}
	for (; jl->nr_regs < d.nr_regs; jl->nr_regs++) {
		jl->reg_pid[jl->nr_regs] = d.reg_pid[jl->nr_regs];
		jl->reg[jl->nr_regs] = put_str(b, d.reg_comm[jl->nr_regs]);
	}
	return true;
}

/* Fill b with stream i's next entries. */
static void fill_block(struct jobs *js, struct job *jb, int i, struct jblock *b)
{
	b->nr = 0;
	b->len = 0;
	b->last = false;
	b->tail_warn = NONE;
	while (b->nr < BLOCK_LINES && b->len < BLOCK_BYTES) {
		if (!make_entry(js, jb, i, b)) {
			b->last = true;
			break;
		}
	}
	if (b->last)
		b->tail_warn = take_warnings(&js->st[i], b);
}

static void *job_main(void *arg)
{
	struct job *jb = arg;
	struct jobs *js = jb->js;
	int i, n = js->t->nr;

	pthread_mutex_lock(&js->lock);
	for (;;) {
		bool open = false, found = false;

		if (js->stop)
			break;
		for (i = 0; i < n; i++) {
			struct jstream *st = &js->st[i];

			if (st->done || js->t->job_of[i] != jb->idx)
				continue;
			open = true;
			if (st->filled == BLOCKS)
				continue;
			found = true;
			{
				struct jblock *b = &st->blocks[(st->head + st->filled) % BLOCKS];

				pthread_mutex_unlock(&js->lock);
				fill_block(js, jb, i, b);
				pthread_mutex_lock(&js->lock);
				st->filled++;
				st->done = b->last;
				pthread_cond_signal(&js->filled);
			}
		}
		if (!open)
			break;
		if (!found)
			pthread_cond_wait(&js->freed, &js->lock);
	}
	pthread_mutex_unlock(&js->lock);
	return NULL;
}

/* Wait for stream i's next block: NULL when the jobs stopped. */
static struct jblock *next_block(struct jobs *js, int i)
{
	struct jstream *st = &js->st[i];
	struct jblock *b = NULL;

	pthread_mutex_lock(&js->lock);
	while (!st->filled && !js->stop)
		pthread_cond_wait(&js->filled, &js->lock);
	if (st->filled)
		b = &st->blocks[st->head];
	pthread_mutex_unlock(&js->lock);
	return b;
}

static void release_block(struct jobs *js, int i)
{
	struct jstream *st = &js->st[i];

	pthread_mutex_lock(&js->lock);
	st->head = (st->head + 1) % BLOCKS;
	st->filled--;
	pthread_cond_broadcast(&js->freed);
	pthread_mutex_unlock(&js->lock);
}

static void say_warnings(struct text_report *t, const struct jblock *b, uint32_t off)
{
	const char *w;

	if (off == NONE || !t->warn)
		return;
	for (w = b->bytes + off; *w; w += strlen(w) + 1)
		t->warn(t->warn_ctx, w);
}

/* Queue stream i's next block of entries in the line merge, or end the stream. */
static void queue_block(struct jobs *js, struct ring_merge *m, int i)
{
	struct jblock *b = next_block(js, i);
	uint32_t k;

	if (!b) {
		ring_merge_end(m, i);
		return;
	}
	for (k = 0; k < b->nr; k++)
		ring_merge_push_ref(m, i, b->lines[k].ts, &b->lines[k], sizeof(b->lines[k]));
	if (b->nr)
		return;
	/* The stream ended with the block before. */
	say_warnings(js->t, b, b->tail_warn);
	release_block(js, i);
	ring_merge_end(m, i);
}

/* A line this thread makes, from the record's copy: 0 or -EPROTO. */
static int remake(struct text_report *t, struct trace_seq *s, int i, const struct jblock *b,
		  const struct jline *jl, const char **line, size_t *len)
{
	struct text_dat_event ev = { jl->ts, td_src_cpu(t->src[i]), t->buffer[i],
				     b->bytes + jl->rec, jl->rec_len };

	trace_seq_reset(s);
	return text_dat_fmt_event_ref(t->fmt, s, &ev, line, len) ? -EPROTO : 0;
}

/* Write one merged entry: 0, or -EPROTO. *remade counts the lines made here. */
static int write_line(struct text_report *t, FILE *out, struct trace_seq *s, int i,
		      const struct jblock *b, const struct jline *jl, uint64_t *remade)
{
	const char *line = b->bytes + jl->off;
	size_t len = jl->len;
	int k;

	say_warnings(t, b, jl->warn);
	if (jl->kind == JL_SKIP)
		return 0;
	if (jl->kind == JL_ERROR)
		return -EPROTO;
	if (jl->kind == JL_LINE) {
		if (jl->ordered ||
		    (jl->dyn && strcmp(text_dat_fmt_comm(t->fmt, jl->pid), b->bytes + jl->comm))) {
			/* Made here, registering its comms as it goes. */
			if (remake(t, s, i, b, jl, &line, &len))
				return -EPROTO;
			(*remade)++;
		} else {
			for (k = 0; k < jl->nr_regs; k++)
				text_dat_fmt_register_comm(t->fmt, jl->reg_pid[k],
							   b->bytes + jl->reg[k]);
		}
	}
	line_out(line, len, out);
	return 0;
}

static void jobs_stop(struct jobs *js)
{
	int i, k;

	pthread_mutex_lock(&js->lock);
	js->stop = true;
	pthread_cond_broadcast(&js->freed);
	pthread_cond_broadcast(&js->filled);
	pthread_mutex_unlock(&js->lock);
	for (i = 0; i < js->nr_jobs; i++) {
		if (js->job[i].started)
			pthread_join(js->job[i].thread, NULL);
		trace_seq_destroy(&js->job[i].s);
		text_dat_fmt_free(js->job[i].fmt);
	}
	for (i = 0; i < js->t->nr; i++) {
		for (k = 0; k < BLOCKS; k++) {
			free(js->st[i].blocks[k].lines);
			free(js->st[i].blocks[k].bytes);
		}
		free(js->st[i].warn_buf);
	}
	pthread_mutex_destroy(&js->lock);
	pthread_cond_destroy(&js->filled);
	pthread_cond_destroy(&js->freed);
	free(js->job);
	free(js->st);
}

int text_report_write_jobs(struct text_report *t, FILE *out, int nr_jobs)
{
	struct jobs js = { .t = t };
	struct ring_merge_event me;
	struct ring_merge *m;
	struct trace_seq s;
	uint64_t fast = 0, lines = 0, remade = 0, f1, l1;
	int i, ret = 0;

	js.nr_jobs = nr_jobs;
	js.st = xcalloc(t->nr ? t->nr : 1, sizeof(*js.st));
	js.job = xcalloc(nr_jobs ? nr_jobs : 1, sizeof(*js.job));
	pthread_mutex_init(&js.lock, NULL);
	pthread_cond_init(&js.filled, NULL);
	pthread_cond_init(&js.freed, NULL);
	for (i = 0; i < t->nr; i++)
		td_src_on_damage(t->src[i], keep_warning, &js.st[i]);
	/* Formatters are set up here: libtraceevent's format parser is not thread-safe. */
	for (i = 0; i < nr_jobs; i++) {
		js.job[i].js = &js;
		js.job[i].idx = i;
		trace_seq_init(&js.job[i].s);
		js.job[i].fmt = text_dat_fmt_new(tdr_info(t->r), NULL, NULL);
		if (!js.job[i].fmt)
			ret = -ENOMEM;
	}
	for (i = 0; i < nr_jobs && !ret; i++) {
		ret = -pthread_create(&js.job[i].thread, NULL, job_main, &js.job[i]);
		js.job[i].started = !ret;
	}
	if (ret) {
		jobs_stop(&js);
		return ret;
	}
	m = ring_merge_new(t->nr);
	for (i = 0; i < t->nr; i++)
		queue_block(&js, m, i);
	trace_seq_init(&s);
	flockfile(out);
	while (!ret && ring_merge_pop(m, false, &me) == 1) {
		const struct jline *jl = me.data;
		struct jstream *st = &js.st[me.stream];

		ret = write_line(t, out, &s, me.stream, &st->blocks[st->head], jl, &remade);
		if (!ring_merge_stream_queued(m, me.stream)) {
			const struct jblock *b = &st->blocks[st->head];
			bool last = b->last;

			if (last)
				say_warnings(t, b, b->tail_warn);
			release_block(&js, me.stream);
			if (last)
				ring_merge_end(m, me.stream);
			else
				queue_block(&js, m, me.stream);
		}
	}
	funlockfile(out);
	trace_seq_destroy(&s);
	ring_merge_free(m);
	for (i = 0; i < nr_jobs; i++) {
		text_dat_fmt_counts(js.job[i].fmt, &f1, &l1);
		fast += f1;
		lines += l1;
	}
	jobs_stop(&js);
	/* The main thread's lines: the jobs' made again and the ones they left to it. */
	text_dat_fmt_counts(t->fmt, &f1, &l1);
	if (lines + l1)
		note_debug("%llu of %llu lines made by the fast path, on %d jobs; %llu made again "
			   "by the main thread for their comm", (unsigned long long)(fast + f1),
			   (unsigned long long)(lines + l1), nr_jobs, (unsigned long long)remade);
	return ret;
}
