// SPDX-License-Identifier: GPL-2.0
/*
 * The capture engine, for instances and remotes alike, one target or several (a part each,
 * capture_internal.h; their clocks made to agree, capture_clock.c): settings through the
 * undo log, one source per CPU (source.h: mmap, read() or a remote's text lines), the data
 * handed to one sink (sink.c: stream text, spooled text; capture_dat.c: trace.dat), the stop
 * conditions, the drain, the restore and the result. What differs for a remote is a small
 * plan, kept as data (p->remote): its settings go in the kernel selftests' order
 * (apply_remote_settings()), its lines are released by age because its readers cannot tell
 * when they have caught up (advance_watermark()), and a CPU is drained once its reader has
 * been idle longer than the kernel's poll interval (drain_lines()).
 *
 * An instance gives every CPU its own reader thread, the way trace-cmd runs a
 * recorder process per CPU: with every CPU busy writing events, one thread serving all of
 * them got too small a share of the machine and lost events (see bench/RESULTS.md). Each
 * thread owns its source and its CPU of the sink (a spool, or the trace.dat writer's chunks),
 * and shares nothing else but a sequence counter and a few flags; the main thread keeps the
 * stop conditions, the progress calls, the result and the restore.
 *
 * Exact order across threads: every spooled unit is stamped with the capture-wide counter
 * after it was read, and every "caught up" mark with the value taken before the call that
 * found the CPU caught up. A unit stamped below a mark's stamp was read before that check
 * began, so whatever that CPU delivers after the mark is newer; the replay hands the stamps
 * to the merge (ring_merge_advance_seq(), ring_merge_caught_up_at()), which then releases events
 * exactly as a single loop would have.
 *
 * stream runs the same threads, and the main thread makes the text from the spools as it
 * follows them (sink.c): the readers never wait for the formatting, which costs far more than
 * reading, so stream loses nothing where record loses nothing, and prints what record prints.
 *
 * Remotes keep the single loop below (their own text readers are threads already): it merges
 * as it reads, with a short interval that bounds the delay.
 *
 * Waiting: a source that delivered a full sub-buffer is asked again at once; one that had
 * nothing or only part of a sub-buffer (the reader caught up with the writer) rests until its
 * fd polls readable (the instance's buffer_percent, which we leave alone; a text reader's
 * eventfd) or the interval passes. So there is no busy loop and no chasing of the writer, and
 * an idle CPU is checked once per interval, which bounds how long it holds back the merged
 * output; for text, sooner while the other CPUs deliver (HOLD_BYTES).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "monotonic.h"
#include "event_select.h"
#include "events.h"
#include "format.h"
#include "capture_internal.h"
#include "note.h"
#include "reader_priority.h"
#include "source.h"
#include "merge.h"
#include "remote_text.h"
#include "stop_signal.h"
#include "subbuf.h"
#include "target_probe.h"
#include "undo.h"
#include "util.h"

#define RECORD_INTERVAL_MS	200
#define STREAM_INTERVAL_MS	50
#define BATCH_UNITS		64	/* units per CPU per round before looking at the others */
#define MIN_REST_S		0.001	/* shortest rest of a caught-up CPU */
/*
 * The text's merge holds the other CPUs' events back until a caught-up CPU says again that
 * it has caught up: it rests no longer than the others take to deliver HOLD_BYTES or
 * HOLD_EVENTS at their last rate, and no longer than stream's interval when they start after
 * a quiet spell. A 200 ms rest held up to 256 MB of raw1 in memory (bench/RESULTS.md, "Idle
 * CPUs"). The bytes bound what the merge copies when a spool's window moves (1 MiB), the
 * events its own memory (48 bytes each, fresh memory being dear on this project's guests).
 */
#define HOLD_BYTES		(1u << 20)
#define HOLD_EVENTS		16384
/*
 * Remotes: the kernel polls a remote every 100 ms per reader, so an event reaches us at most
 * that long (plus our own loop) after it was written. An event queued LATE_NS ago can go out:
 * anything older from another CPU was written before it and has arrived by now. The same
 * bound tells a drained CPU: no data for that long.
 */
#define LATE_NS			(500 * 1000 * 1000ULL)
#define SEQ_HISTORY		64
#define DRAIN_MAX_S		10.0
/* A remote's thread: a stamp noted this often, so many kept (LATE_NS worth and more). */
#define AGE_STEP_NS		(50 * 1000 * 1000ULL)
#define AGE_SLOTS		16

struct cpu_state {
	int cpu;
	struct part *p;		/* the target it belongs to */
	struct source *src;
	bool resting;		/* caught up: wait for POLLIN or the deadline */
	double deadline;	/* when resting ends */
	double cycle_start;	/* when the last rest began, and the bytes taken then */
	uint64_t cycle_bytes;
	double rate;		/* bytes a second lately (rest_time()) */
	uint64_t cycle_others;	/* text only: the other CPUs' bytes and events then, */
	uint64_t cycle_others_ev;
	double others_rate;	/* ... and their rates lately */
	double others_ev_rate;
	bool failed;
	struct ring_subbuf_counts n;	/* events captured, losses the sub-buffers counted */
	int64_t kernel_lost;	/* at the end: the kernel's count, -1 unknown */
	uint64_t bytes;		/* event bytes taken, kept when the source is closed */
	uint32_t switched_epp;	/* the mmap source went over to read() (source_stats) */
	int reader_refused;	/* ... because GET_READER failed (source_stats) */
	bool reader_told;	/* -v said so */
	bool switch_told;	/* -v said so */
	/* A remote's lines: */
	uint64_t unparsed;	/* lines kept as they were */
	uint64_t last_ts;	/* of the last line with a time stamp */
	struct remote_clock clock;	/* time going back */
	bool skipped;		/* not in the remote's buffer: no source */
	bool drained;
	struct {
		uint64_t ns, seq;
	} ages[AGE_SLOTS];	/* a remote's thread: stamps taken, and when (mark_by_age()) */
	int nr_ages;
	/* Threads: */
	struct capture *c;
	uint64_t seq_before;	/* stamp taken before the last source_next() */
	pthread_t thread;
	bool started;
	bool done;		/* atomic: the thread has drained and ends */
	uint64_t pub_events;	/* atomic copies for the main thread */
	uint64_t pub_bytes;
	uint64_t pub_lost;
	uint64_t burst_bytes;	/* main thread: pub_bytes at the last watch_bursts() */
};

/*
 * What differs between targets, as data: a remote (text lines, the kernel's selftests' order,
 * drained when idle, released by age) or a ring buffer read as sub-buffers (drained when
 * caught up, released by caught-up marks). Everything else is one engine. Remotes alone are
 * read by one loop; beside ring buffers, by a thread per CPU like theirs (mark_by_age()).
 */
struct capture {
	const struct capture_opts *o;
	struct part *parts;
	int nr_parts;
	bool remote;		/* every target is a remote */
	struct cpu_state *cs;
	int nr;			/* streams: every target's CPUs */
	int *part_of;		/* each stream's target, for the sink */
	char clock[32];		/* the clock every target stamps with, "" unknown */
	struct sink *k;		/* where the data goes */
	int *cpus;		/* each stream's CPU, for the sink */
	bool threaded;		/* one reader thread per CPU */
	bool stopping;		/* atomic: the threads drain and end */
	int stop_pipe[2];	/* readable once the threads are to stop */
	const char *stop_reason;
	double start, interval;
	double last_progress;	/* when o->progress was last called */
	double burst_at;	/* the last watch_bursts() */
	bool sink_failed;	/* atomic: the output could not be written */
	bool restored;		/* the undo logs were played */
	struct {
		uint64_t ns;	/* CLOCK_MONOTONIC */
		uint64_t seq;	/* ring_merge_seq() then */
	} hist[SEQ_HISTORY];	/* remotes: a ring, one entry per round of the loop */
	int hist_next;
};

/* The events of -e, nothing written yet. */
static int select_events(struct part *p)
{
	const struct capture_target *ct = p->ct;
	struct target *t = p->t;
	int rc, bad;

	/* A backup has no enable files: say so rather than capture what it holds anyway. */
	if (t->read_only && ct->nr_events) {
		note_error("%s is a read-only instance (a backup of an earlier boot): cannot "
			   "change events (-e)", t->label);
		return -EPERM;
	}
	rc = target_event_selection_new(t, ct->events, ct->nr_events, &p->sel, &bad);
	if (!rc)
		return 0;
	if (bad >= 0 && p->remote)
		note_error("no event of %s matches '%s' (see 'remotectl events -r %s')",
			   t->label, ct->events[bad], t->label);
	else if (bad >= 0)
		note_error("%s: no event matches '%s'", t->label, ct->events[bad]);
	else if (p->remote)
		note_error("%s has no events/ directory", t->label);
	else
		note_error("%s: cannot list events: %s", t->label, strerror(-rc));
	/* A remote without events/ is a kernel feature missing, whatever the error. */
	return bad < 0 && p->remote ? -ENOENT : rc;
}

/* Buffer size, events, buffer_percent, tracing on: each through the undo log. */
static int apply_settings(struct capture *c, struct part *p)
{
	const struct capture_opts *o = c->o;
	struct target *t = p->t;
	char kib[32];
	int rc;

	if (p->ct->buffer_kib) {
		snprintf(kib, sizeof(kib), "%" PRIu64, p->ct->buffer_kib);
		rc = target_undo_write(p->undo, "buffer_size_kb", kib);
		if (rc)
			return rc;
		note_debug("%s: buffer size %s KiB per CPU", t->label, kib);
	}
	if (p->sel) {
		rc = target_event_selection_apply(p->sel, p->undo);
		if (rc)
			return rc;
		note_debug("%s: events matching -e: %d; enable files written: %d", t->label,
			   target_event_selection_matched(p->sel),
			   target_event_selection_writes(p->sel));
	}
	if (o->buffer_percent >= 0) {
		snprintf(kib, sizeof(kib), "%d", o->buffer_percent);
		rc = target_undo_write(p->undo, "buffer_percent", kib);
		if (rc)
			return rc;
		p->percent_zero = o->buffer_percent == 0;
		note_debug("%s: buffer_percent %d", t->label, o->buffer_percent);
	}
	if (t->has_tracing_on && target_tracing_on(t) == 0) {
		rc = target_undo_write(p->undo, "tracing_on", "1");
		if (rc)
			return rc;
		note_debug("%s: tracing on", t->label);
	}
	if (!rc && o->clear) {
		rc = target_reset(t, -1);
		note_debug("%s: buffer cleared (--clear)", t->label);
	}
	return rc;
}

/* A remote without -e: what is enabled already is captured; say so when that is nothing. */
static int check_enabled(struct part *p)
{
	struct target_event_list list;
	int enabled = 0;

	if (target_events_load(p->t, &list)) {
		note_error("%s has no events/ directory", p->t->label);
		return -ENOENT;
	}
	for (int i = 0; i < list.nr; i++)
		enabled += list.ev[i].enabled > 0;
	if (!enabled)
		note_warn("%s: no event is enabled: nothing will be captured (use -e)",
			  p->t->label);
	target_events_free(&list);
	return 0;
}

/*
 * A remote, in the order of the kernel's selftests: tracing off, clear, resize while
 * unloaded, events, tracing on; all through the undo log.
 */
static int apply_remote_settings(struct part *p)
{
	struct target *t = p->t;
	struct buffer_size bs;
	char kib[32];
	int r;

	r = target_undo_write(p->undo, "tracing_on", "0");
	if (!r)
		r = target_reset(t, -1);
	if (r)
		return r;
	if (p->ct->buffer_kib) {
		if (!target_buffer_size(t, &bs) && bs.loaded == 1) {
			note_error("%s: cannot resize: the buffer stays loaded after stopping and "
				   "clearing it, so another reader has its trace_pipe or trace open",
				   t->label);
			return -EBUSY;
		}
		snprintf(kib, sizeof(kib), "%" PRIu64, p->ct->buffer_kib);
		r = target_undo_write(p->undo, "buffer_size_kb", kib);
		if (r)
			return r;
	}
	if (p->sel) {
		r = target_event_selection_apply(p->sel, p->undo);
		if (!r)
			note_debug("%s: events matching -e: %d; enable files written: %d", t->label,
				   target_event_selection_matched(p->sel),
				   target_event_selection_writes(p->sel));
	} else {
		r = check_enabled(p);
	}
	if (!r)
		r = target_undo_write(p->undo, "tracing_on", "1");
	return r;
}

/* Sub-buffer geometry from events/header_page, else the 64-bit defaults. */
static void subbuf_geometry(const struct target *t, unsigned int *hdr, unsigned int *size)
{
	char buf[1024];

	*hdr = SUBBUF_HDR_SIZE_64;
	*size = getpagesize();
	if (target_read(t, "events/header_page", buf, sizeof(buf)) > 0)
		text_header_page_sizes(buf, hdr, size);
	/* header_page shows one page; larger sub-buffers are set per instance. */
	if (target_read(t, "buffer_subbuf_size_kb", buf, sizeof(buf)) > 0 && atoi(buf) > 0)
		*size = atoi(buf) * 1024;
}

static int open_sources(struct capture *c, struct part *pt)
{
	const struct capture_opts *o = c->o;
	struct target *t = pt->t;
	struct source_params p = { 0 };
	unsigned int hdr, size;
	char why[256];
	int i, err, opened = 0;

	if (pt->remote) {
		for (i = pt->first; i < pt->first + pt->nr; i++) {
			struct cpu_state *cs = &c->cs[i];

			p.cpu = cs->cpu;
			p.raw_path = target_cpu_path(t, cs->cpu, "trace_pipe");
			err = source_text_open(&p, &o->sched, &cs->src, why, sizeof(why));
			source_params_free(&p);
			if (err == -ENODEV) {
				note_info("%s: CPU %d is not in the buffer (offline when it was "
					  "loaded): skipped", t->label, cs->cpu);
				cs->drained = cs->skipped = true;
				continue;
			}
			if (err) {
				note_error("%s: %s", t->label, why);
				return err;
			}
			opened++;
		}
		if (!opened) {
			note_error("%s: none of the CPUs asked for is in the buffer", t->label);
			return -ENODEV;
		}
		pt->transport = TARGET_TRANSPORT_TEXT;
		note_debug("%s: transport text, %d readers", t->label, opened);
		return 0;
	}
	/* Only --transport mmap or read gets here without trace_pipe_raw. */
	if (!t->has_raw) {
		note_error("%s: no per-CPU trace_pipe_raw: only the text transport (auto) reads it",
			   t->label);
		return -ENOENT;
	}
	pt->transport = o->transport != TARGET_TRANSPORT_NONE ? o->transport : t->best;
	if (pt->transport == TARGET_TRANSPORT_NONE)
		pt->transport = TARGET_TRANSPORT_READ;
	if (o->transport == TARGET_TRANSPORT_NONE && pt->transport == TARGET_TRANSPORT_READ &&
	    t->mmap_err)
		target_transport_reason(t, pt->fallback, sizeof(pt->fallback));
	subbuf_geometry(t, &hdr, &size);
	pt->hdr_size = hdr;
	for (i = pt->first; i < pt->first + pt->nr; i++) {
		struct cpu_state *cs = &c->cs[i];

		p.cpu = cs->cpu;
		p.raw_path = target_cpu_path(t, cs->cpu, "trace_pipe_raw");
		p.stats_path = t->has_stats ? target_cpu_path(t, cs->cpu, "stats") : NULL;
		p.subbuf_size = size;
		p.hdr_size = hdr;
		p.eof_ends = t->read_only;
		/* auto means the cheapest transport; a forced mmap stays mmap. */
		p.may_switch = o->transport == TARGET_TRANSPORT_NONE;
		err = -EINVAL;
		if (pt->transport == TARGET_TRANSPORT_MMAP) {
			err = source_mmap_open(&p, &cs->src, why, sizeof(why));
			if (err && o->transport == TARGET_TRANSPORT_MMAP) {
				note_error("%s: %s", t->label, why);
				source_params_free(&p);
				return err;
			}
			if (err) {
				/* Not an error with auto: fall back for every CPU. */
				snprintf(pt->fallback, sizeof(pt->fallback), "%s", why);
				note_debug("%s: %s; falling back to read()", t->label, why);
				pt->transport = TARGET_TRANSPORT_READ;
				for (int k = pt->first; k < i; k++) {
					source_close(c->cs[k].src);
					c->cs[k].src = NULL;
				}
				i = pt->first - 1;
				source_params_free(&p);
				continue;
			}
		} else {
			err = source_raw_open(&p, &cs->src, why, sizeof(why));
			if (err) {
				note_error("%s: %s", t->label, why);
				source_params_free(&p);
				return err;
			}
		}
		source_params_free(&p);
	}
	if (pt->fallback[0])
		note_debug("%s: transport read (%s)", t->label, pt->fallback);
	else
		note_debug("%s: transport %s", t->label, target_transport_name(pt->transport));
	return 0;
}

static void set_flag(bool *flag)
{
	__atomic_store_n(flag, true, __ATOMIC_SEQ_CST);
}

static bool get_flag(const bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

/* Wake the main thread (it polls the signal pipe). */
static void poke_main(void)
{
	stop_signal_wake();
}

/* One of a remote's lines (len with its '\n') to the sink, counted as the result shows it. */
static int take_line(struct capture *c, int idx, const char *line, size_t len)
{
	struct cpu_state *cs = &c->cs[idx];
	struct remote_line r;

	switch (remote_line_parse(line, len - 1, &r)) {
	case REMOTE_LINE_LOST:
		cs->n.stored_lost += r.lost;
		c->k->ops->lost(c->k, idx, cs->last_ts, r.lost);
		return 0;
	case REMOTE_LINE_EVENT:
	case REMOTE_LINE_UNKNOWN:
		remote_clock_note(&cs->clock, r.ts_ns);
		cs->n.events++;
		cs->last_ts = r.ts_ns;
		break;
	default:
		/* Kept in place, at the time of the line before it. */
		cs->unparsed++;
		break;
	}
	return c->k->ops->line(c->k, idx, cs->last_ts, &r, line, len);
}

/*
 * The next unit of a source, given to the sink: read straight into the sink's memory when it
 * can (trace.dat), else from the source's own; a text source's lines one by one.
 */
static int next_unit(struct capture *c, int idx, struct source_unit *u)
{
	struct cpu_state *cs = &c->cs[idx];
	const char *p, *nl, *end;
	int ret = -EAGAIN, err = 0;

	if (c->k->ops->take)
		ret = c->k->ops->take(c->k, idx, cs->src, u, &cs->n);
	if (ret != -EAGAIN)
		return ret;
	ret = source_next(cs->src, u);
	if (ret != 1)
		return ret;
	if (!u->lines) {
		err = c->k->ops->unit(c->k, idx, u, &cs->n);
	} else {
		end = (const char *)u->buf + u->len;
		for (p = u->buf; p < end && !err; p = nl + 1) {
			nl = memchr(p, '\n', end - p);
			err = take_line(c, idx, p, nl - p + 1);
		}
	}
	if (err)
		set_flag(&c->sink_failed);
	return ret;
}

static void mark(struct capture *c, enum sink_mark m, int idx)
{
	if (c->k->ops->mark(c->k, idx, m, c->cs[idx].seq_before))
		set_flag(&c->sink_failed);
}

/* Counters the main thread may read while the readers run. */
static void publish(struct cpu_state *cs)
{
	__atomic_store_n(&cs->pub_events, cs->n.events, __ATOMIC_RELAXED);
	__atomic_store_n(&cs->pub_bytes, cs->src->stats.bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&cs->pub_lost, cs->n.stored_lost, __ATOMIC_RELAXED);
}

/* A rate per second of the last cycle (delta in elapsed s), or half the one before if more. */
static double lately(double *rate, double delta, double elapsed)
{
	double r = elapsed > 0 ? delta / elapsed : 0;

	*rate = r > *rate / 2 ? r : *rate / 2;
	return *rate;
}

/*
 * How long a caught-up CPU may rest: the interval, or less when its writer would fill a
 * sixteenth of the buffer sooner at its recent rate. POLLIN (buffer_percent) wakes it earlier
 * anyway, but waiting for half a buffer leaves too little margin when the reader shares the
 * CPUs with busy writers; a short timer keeps it far from overflow without changing
 * buffer_percent and without chasing the writer. A quarter lost more on 2 CPUs saturated by
 * writers (bench/RESULTS.md, "Rest a sixteenth"), for a few more wake-ups.
 *
 * The recent rate is the last cycle's, but falls by half a cycle at most: a short cycle in
 * which the writer hardly ran (its CPU taken by the reader) made the next rest the whole
 * interval, and half of getpid1's buffer piled up in it every other cycle.
 */
static double rest_time(struct capture *c, struct cpu_state *cs, double now)
{
	uint64_t got = cs->src->stats.bytes - cs->cycle_bytes, others = 0, others_ev = 0;
	double elapsed = now - cs->cycle_start, rest = c->interval, fill;

	if (lately(&cs->rate, got, elapsed) > 0) {
		fill = cs->p->buffer_bytes / 16.0 / cs->rate;
		if (fill < rest)
			rest = fill > MIN_REST_S ? fill : MIN_REST_S;
	}
	/*
	 * While the others may deliver, a short rest keeps the merge small (HOLD_BYTES): also
	 * for a CPU with a few events of its own (a trickle of syscalls beside a busy CPU
	 * rested the whole record interval and held 2 M getpid events in the merge).
	 */
	if (c->k->merge) {
		for (int i = 0; i < c->nr; i++) {
			if (&c->cs[i] == cs)
				continue;
			others += __atomic_load_n(&c->cs[i].pub_bytes, __ATOMIC_RELAXED);
			others_ev += __atomic_load_n(&c->cs[i].pub_events, __ATOMIC_RELAXED);
		}
		if (rest > STREAM_INTERVAL_MS / 1000.0)
			rest = STREAM_INTERVAL_MS / 1000.0;
		/* Their rates, as the CPU's own, fall by half a cycle at most. */
		lately(&cs->others_ev_rate, others_ev - cs->cycle_others_ev, elapsed);
		if (lately(&cs->others_rate, others - cs->cycle_others, elapsed) > 0) {
			fill = HOLD_BYTES / cs->others_rate;
			if (cs->others_ev_rate > 0 && HOLD_EVENTS / cs->others_ev_rate < fill)
				fill = HOLD_EVENTS / cs->others_ev_rate;
			if (fill < rest)
				rest = fill > MIN_REST_S ? fill : MIN_REST_S;
		}
		cs->cycle_others = others;
		cs->cycle_others_ev = others_ev;
	}
	cs->cycle_start = now;
	cs->cycle_bytes = cs->src->stats.bytes;
	return rest;
}

/*
 * Ask one source for up to max units. Returns true when it still has more (it delivered full
 * sub-buffers only), false when it caught up, ended or failed.
 */
static bool pull_units(struct capture *c, int idx, int max, double now)
{
	struct cpu_state *cs = &c->cs[idx];
	struct source_unit u;
	int ret, n;

	for (n = 0; n < max; n++) {
		if (c->k->seq_stamps)
			cs->seq_before = sink_next_seq(c->k);
		ret = next_unit(c, idx, &u);
		if (cs->src->stats.switched_epp && !cs->switch_told) {
			cs->switch_told = true;
			note_debug("%s: CPU %d: %u events per sub-buffer: going over to read() "
				   "(GET_READER steps over every event)",
				   cs->p->t->label, cs->cpu, cs->src->stats.switched_epp);
		}
		if (cs->src->stats.reader_refused && !cs->reader_told) {
			cs->reader_told = true;
			note_debug("%s: CPU %d: GET_READER refused (%s): going over to read()",
				   cs->p->t->label, cs->cpu,
				   strerror(cs->src->stats.reader_refused));
		}
		if (ret == 1 && !u.partial)
			continue;
		if (ret < 0) {
			if (ret != -ENODATA) {
				const char *call = cs->src->failed_call;

				note_error("%s: CPU %d: %s%s%s", cs->p->t->label, cs->cpu,
					   call ? call : "",
					   call ? ": " : "", strerror(-ret));
				cs->failed = true;
			}
			mark(c, SINK_END, idx);
			publish(cs);
			return false;
		}
		/* Nothing, or part of the writer's sub-buffer: wait a little. */
		if (cs->src->caught_up)
			mark(c, SINK_CAUGHT_UP, idx);
		cs->resting = true;
		cs->deadline = now + rest_time(c, cs, now);
		publish(cs);
		return false;
	}
	cs->resting = false;
	publish(cs);
	return true;
}

/* pull_units(), holding back the watermark of the text that follows (sink_hold()). */
static bool pull(struct capture *c, int idx, int max, double now)
{
	bool more;

	if (c->k->seq_stamps)
		sink_hold(c->k, idx);
	more = pull_units(c, idx, max, now);
	if (c->k->seq_stamps)
		sink_let_go(c->k, idx);
	return more;
}

static uint64_t total_events(const struct capture *c)
{
	uint64_t n = 0;

	for (int i = 0; i < c->nr; i++)
		n += __atomic_load_n(&c->cs[i].pub_events, __ATOMIC_RELAXED);
	return n;
}

static uint64_t captured_bytes(const struct capture *c)
{
	uint64_t n = 0;

	for (int i = 0; i < c->nr; i++)
		n += __atomic_load_n(&c->cs[i].pub_bytes, __ATOMIC_RELAXED);
	return n;
}

/* The caller's progress line, once a second. */
static void report_progress(struct capture *c, double now)
{
	struct capture_progress p = { .secs = now - c->start };

	if (!c->o->progress || now - c->last_progress < 1.0)
		return;
	c->last_progress = now;
	for (int i = 0; i < c->nr; i++)
		p.lost += __atomic_load_n(&c->cs[i].pub_lost, __ATOMIC_RELAXED);
	p.events = total_events(c);
	p.bytes = captured_bytes(c);
	c->o->progress(&p);
}

static bool should_stop(struct capture *c, double now)
{
	if (stop_signal_pending()) {
		c->stop_reason = stop_signal_name();
		return true;
	}
	if (c->k->closed) {
		c->stop_reason = "output closed";
		return true;
	}
	if (c->o->duration > 0 && now - c->start >= c->o->duration) {
		c->stop_reason = "duration";
		return true;
	}
	if (sink_full(c->k)) {
		c->stop_reason = "max size";
		return true;
	}
	return false;
}

/* Every CPU is done: the data ended, or a reader failed (said already). */
static const char *all_ended_reason(const struct capture *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->cs[i].failed)
			return "error";
	return "end of data";
}

/* The CPU has a source that may still deliver. */
static bool reading(const struct cpu_state *cs)
{
	return cs->src && !cs->src->ended && !cs->failed;
}

/*
 * A remote's lines are released by age, its readers being unable to tell when they have
 * caught up: note this moment, and let go of what was queued LATE_NS ago or earlier.
 */
static void advance_watermark(struct capture *c)
{
	struct ring_merge *m = c->k->merge;
	uint64_t now = monotonic_ns(), seq = 0;
	bool found = false;

	if (!m)
		return;
	c->hist[c->hist_next].ns = now;
	c->hist[c->hist_next].seq = ring_merge_seq(m);
	c->hist_next = (c->hist_next + 1) % SEQ_HISTORY;
	for (int k = 0; k < SEQ_HISTORY; k++) {
		if (!c->hist[k].ns || now - c->hist[k].ns < LATE_NS)
			continue;
		if (!found || c->hist[k].seq > seq)
			seq = c->hist[k].seq;
		found = true;
	}
	if (!found)
		return;
	for (int i = 0; i < c->nr; i++)
		ring_merge_caught_up_at(m, i, seq);
}

static int run_loop(struct capture *c)
{
	struct pollfd *pfd = xcalloc(c->nr + 2, sizeof(*pfd));
	int *map = xcalloc(c->nr + 2, sizeof(*map));
	int i, n, rc = 0, timeout_ms;
	bool busy;
	double now, wake;

	for (;;) {
		now = monotonic_s();
		if (should_stop(c, now))
			break;
		/* Read every source that is not resting. */
		busy = false;
		for (i = 0; i < c->nr; i++) {
			struct cpu_state *cs = &c->cs[i];

			if (!reading(cs))
				continue;
			if (cs->resting && now < cs->deadline)
				continue;
			busy |= pull(c, i, BATCH_UNITS, now);
		}
		if (c->remote)
			advance_watermark(c);
		rc = c->k->ops->flush(c->k, false);
		if (get_flag(&c->sink_failed))
			rc = -EIO;
		if (rc)
			break;
		report_progress(c, now);
		for (i = 0, n = 0; i < c->nr; i++)
			n += reading(&c->cs[i]);
		if (!n) {
			c->stop_reason = all_ended_reason(c);
			break;
		}
		if (busy)
			continue;

		/* Sleep until a source polls readable, a rest ends or it is time to stop. */
		wake = now + c->interval;
		if (c->o->duration > 0 && c->start + c->o->duration < wake)
			wake = c->start + c->o->duration;
		for (i = 0, n = 0; i < c->nr; i++) {
			struct cpu_state *cs = &c->cs[i];

			if (!reading(cs))
				continue;
			if (cs->deadline < wake)
				wake = cs->deadline;
			/* With buffer_percent 0 POLLIN means "any data": the timer decides. */
			if (cs->p->percent_zero)
				continue;
			pfd[n].fd = cs->src->fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (stop_signal_fd() >= 0) {
			pfd[n].fd = stop_signal_fd();
			pfd[n].events = POLLIN;
			map[n++] = -1;
		}
		/* Its reader gone, a stream ends without waiting for an event to write. */
		if (c->o->live) {
			pfd[n] = live_output_pollfd(c->k->out);
			map[n++] = -2;
		}
		timeout_ms = (int)((wake - now) * 1000) + 1;
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
			note_error("poll: %s", strerror(errno));
			rc = -EIO;
			break;
		}
		for (i = 0; i < n; i++) {
			if (map[i] >= 0 && (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				c->cs[map[i]].resting = false;
			if (map[i] == -2)
				live_output_check(&pfd[i], &c->k->closed);
			pfd[i].revents = 0;
		}
	}
	free(pfd);
	free(map);
	return rc;
}

/*
 * A remote's streams [first, first + nr), tracing off and the kernel having polled it one last
 * time: what is left is in the kernel's buffer and a read returns it at once. A CPU is drained
 * once its reader has found nothing for longer than the kernel's poll interval; then the
 * readers stop and what they hold is taken to the end. By the loop for all of a remote-only
 * capture's CPUs, or by a CPU's own thread for itself.
 */
static void drain_lines(struct capture *c, int first, int nr)
{
	double until = monotonic_s() + DRAIN_MAX_S;
	int i, left;

	do {
		struct timespec pause = { 0, STREAM_INTERVAL_MS * 1000 * 1000 };

		left = -1;
		for (i = first; i < first + nr; i++) {
			struct cpu_state *cs = &c->cs[i];
			uint64_t units = cs->src ? cs->src->stats.units : 0;

			if (cs->drained || !cs->src)
				continue;
			pull(c, i, 1, monotonic_s());
			if (cs->src->stats.units != units || source_idle_ns(cs->src) <= LATE_NS)
				left = i;
			else
				cs->drained = true;
		}
		if (left >= 0)
			nanosleep(&pause, NULL);
	} while (left >= 0 && monotonic_s() < until);
	if (left >= 0)
		note_warn("%s: events kept arriving for %.0f s after tracing was turned off; "
			  "stopped reading", c->cs[left].p->t->label, DRAIN_MAX_S);
	for (i = first; i < first + nr; i++) {
		struct cpu_state *cs = &c->cs[i];

		if (!cs->src)
			continue;
		source_stop(cs->src);
		while (pull(c, i, 1 << 16, monotonic_s()) || reading(cs))
			;
	}
}

/*
 * A remote read by a thread of its own, beside ring buffers. Its reader cannot tell when it
 * has caught up, but whatever its CPU wrote before a moment has arrived LATE_NS after it (the
 * kernel polls every 100 ms): so a stamp taken at that moment marks the CPU caught up once
 * LATE_NS have passed and everything that came has been taken -- advance_watermark()'s rule,
 * per CPU. Other CPUs' units stamped below it were read, so written, before that moment.
 */
static void mark_by_age(struct capture *c, int idx)
{
	struct cpu_state *cs = &c->cs[idx];
	uint64_t now = monotonic_ns();
	int i, ripe = -1;

	if (!cs->nr_ages || (now - cs->ages[cs->nr_ages - 1].ns >= AGE_STEP_NS &&
			     cs->nr_ages < AGE_SLOTS)) {
		cs->ages[cs->nr_ages].ns = now;
		cs->ages[cs->nr_ages++].seq = sink_next_seq(c->k);
	}
	for (i = 0; i < cs->nr_ages; i++)
		if (now - cs->ages[i].ns >= LATE_NS)
			ripe = i;
	if (ripe < 0)
		return;
	cs->seq_before = cs->ages[ripe].seq;
	mark(c, SINK_CAUGHT_UP, idx);
	cs->nr_ages -= ripe + 1;
	memmove(cs->ages, cs->ages + ripe + 1, cs->nr_ages * sizeof(cs->ages[0]));
}

/*
 * The last reads of a CPU: until it is caught up (a sub-buffer less than half full ends a
 * pull() but need not be the last one), bounded in rounds in case a writer outruns us
 * (tracing stays on when it was on before the capture).
 */
static void final_drain(struct capture *c, int idx)
{
	struct cpu_state *cs = &c->cs[idx];

	if (cs->p->remote) {
		drain_lines(c, idx, 1);
		return;
	}
	for (int round = 0; round < 64; round++) {
		if (cs->src->ended || cs->failed || get_flag(&c->sink_failed))
			return;
		pull(c, idx, 1 << 16, monotonic_s());
		if (cs->src->caught_up)
			return;
	}
}

/*
 * One CPU's reader thread: the loop above for a single source, waiting on its fd (unless
 * buffer_percent is 0), its rest deadline and the stop pipe; then its own drain.
 */
static void *reader_main(void *arg)
{
	struct cpu_state *cs = arg;
	struct capture *c = cs->c;
	int idx = cs - c->cs, n, timeout_ms;
	struct pollfd pfd[2];
	bool busy;
	double now;

	source_priority_apply(&c->o->sched);
	for (;;) {
		if (get_flag(&c->stopping))
			break;
		now = monotonic_s();
		busy = false;
		if (!cs->resting || now >= cs->deadline)
			busy = pull(c, idx, BATCH_UNITS, now);
		if (cs->src->ended || cs->failed || get_flag(&c->sink_failed))
			break;
		if (cs->p->remote)
			mark_by_age(c, idx);
		if (sink_full(c->k)) {
			poke_main();
			break;
		}
		if (busy)
			continue;
		n = 0;
		pfd[n].fd = c->stop_pipe[0];
		pfd[n++].events = POLLIN;
		/* With buffer_percent 0 POLLIN means "any data": the timer decides. */
		if (!cs->p->percent_zero) {
			pfd[n].fd = cs->src->fd;
			pfd[n++].events = POLLIN;
		}
		timeout_ms = (int)((cs->deadline - now) * 1000) + 1;
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (cs->p->remote && timeout_ms > (int)(AGE_STEP_NS / 1000000))
			timeout_ms = AGE_STEP_NS / 1000000;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
			note_error("poll: %s", strerror(errno));
			cs->failed = true;
			break;
		}
		if (n > 1 && (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
			cs->resting = false;
	}
	final_drain(c, idx);
	__atomic_store_n(&cs->done, true, __ATOMIC_SEQ_CST);
	poke_main();
	return NULL;
}


static void stop_threads(struct capture *c)
{
	set_flag(&c->stopping);
	if (c->stop_pipe[1] >= 0 && write(c->stop_pipe[1], "x", 1) < 0) {
		/* Cannot happen on an empty pipe; the threads also see the flag. */
	}
	for (int i = 0; i < c->nr; i++) {
		if (c->cs[i].started)
			pthread_join(c->cs[i].thread, NULL);
		c->cs[i].started = false;
	}
}

/*
 * The capture is to end: if it turned tracing or events on, turn them off again now, before
 * the final drain, so that the drain takes everything written up to this moment and the
 * buffer is left as empty as it was found (restoring them later left the events of our own
 * exit behind: some fifty sched_wakeup events for the next capture to find). Events -e
 * turned off stay off until the restore: back on now, the drain would take them.
 */
static int stop_writing(struct capture *c)
{
	int r, rc = 0;

	for (int i = 0; i < c->nr_parts; i++) {
		struct part *p = &c->parts[i];

		/* A remote is always off: the kernel then polls every CPU one last time. */
		if (p->remote) {
			r = target_write(p->t, "tracing_on", "0");
			if (r && !rc)
				rc = r;
			continue;
		}
		r = target_undo_restore_one(p->undo, "tracing_on");
		if (r == 1)
			note_debug("%s: tracing off again before the final drain", p->t->label);
		else if (r < 0)
			note_error("%s: cannot turn tracing off again", p->t->label);
		r = target_undo_restore_matching(p->undo, "events/", "/enable", "0");
		if (r > 0)
			note_debug("%s: events off again before the final drain", p->t->label);
		else if (r < 0)
			note_error("%s: cannot turn the events off again", p->t->label);
	}
	return rc;
}

/*
 * stream's text is made on the main thread while the readers and the spools' writer threads
 * run: a few nice levels above them (lower priority), so that on busy CPUs formatting is
 * what waits, and the spool absorbs the lag. Nice values are per thread on Linux.
 */
#define FOLLOWER_NICE	5

static void follower_priority(void)
{
	pid_t tid = syscall(SYS_gettid);
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (!errno && setpriority(PRIO_PROCESS, tid, now + FOLLOWER_NICE > 19 ? 19 :
				  now + FOLLOWER_NICE))
		note_debug("cannot lower the text's priority: %s", strerror(errno));
}

/*
 * stream in a burst: formatting beside the readers delays them (a woken reader can wait for
 * the formatter's time slice) and costs the kernel's buffers events that record, which
 * formats afterwards, keeps. So while some CPU's writer would fill its buffer within
 * BURST_FILL_S at the rate its reader took over the last BURST_CHECK_S, the text waits and
 * the spool takes the data (up to 3/4 of its bound, sink.c); it catches up once the burst
 * is over. A capture that keeps that rate up is bounded by the spool as before.
 */
#define BURST_FILL_S	0.25
#define BURST_CHECK_S	0.02
#define BURST_POLL_MS	10

static void watch_bursts(struct capture *c, double now)
{
	double dt = now - c->burst_at;
	bool burst = false;

	if (dt < BURST_CHECK_S)
		return;
	if (c->k->burst)
		c->k->burst_secs += dt;
	for (int i = 0; i < c->nr; i++) {
		struct cpu_state *cs = &c->cs[i];
		uint64_t b = __atomic_load_n(&cs->pub_bytes, __ATOMIC_RELAXED);

		if (cs->p->buffer_bytes > 0 &&
		    b - cs->burst_bytes > cs->p->buffer_bytes * dt / BURST_FILL_S)
			burst = true;
		cs->burst_bytes = b;
	}
	c->burst_at = now;
	c->k->burst = burst;
}

/*
 * An instance: start a reader per CPU, then watch the stop conditions and show progress, and
 * for stream make the text as it follows the readers.
 */
static int run_threads(struct capture *c)
{
	struct pollfd pfd[2];
	sigset_t block, old;
	int i, n, err, rc = 0, timeout_ms;
	double now, wake;

	if (pipe2(c->stop_pipe, O_NONBLOCK | O_CLOEXEC)) {
		note_error("pipe: %s", strerror(errno));
		c->stop_pipe[0] = c->stop_pipe[1] = -1;
		return -EIO;
	}
	/* Signals go to the main thread only. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < c->nr; i++) {
		c->cs[i].c = c;
		err = pthread_create(&c->cs[i].thread, NULL, reader_main, &c->cs[i]);
		if (err) {
			note_error("cannot start a reader thread: %s", strerror(err));
			rc = -EIO;
			break;
		}
		c->cs[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c->o->live)
		follower_priority();
	while (!rc) {
		now = monotonic_s();
		if (should_stop(c, now))
			break;
		/* stream's text follows the readers, a round at a time. */
		if (c->o->live)
			watch_bursts(c, now);
		rc = c->k->ops->flush(c->k, false);
		if (!rc && get_flag(&c->sink_failed))
			rc = -EIO;
		if (rc)
			break;
		for (i = 0, n = 0; i < c->nr; i++)
			if (!__atomic_load_n(&c->cs[i].done, __ATOMIC_SEQ_CST))
				n++;
		if (!n) {
			c->stop_reason = all_ended_reason(c);
			break;
		}
		report_progress(c, now);
		wake = now + c->interval;
		if (c->o->duration > 0 && c->start + c->o->duration < wake)
			wake = c->start + c->o->duration;
		timeout_ms = (int)((wake - now) * 1000) + 1;
		if (timeout_ms < 0 || c->k->behind)
			timeout_ms = 0;
		if (c->k->burst && timeout_ms > BURST_POLL_MS)
			timeout_ms = BURST_POLL_MS;
		n = 0;
		if (stop_signal_fd() >= 0) {
			pfd[n].fd = stop_signal_fd();
			pfd[n++].events = POLLIN;
		}
		/* Its reader gone, a stream ends without waiting for an event to write. */
		if (c->o->live)
			pfd[n++] = live_output_pollfd(c->k->out);
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
			note_error("poll: %s", strerror(errno));
			rc = -EIO;
			break;
		}
		if (c->o->live)
			live_output_check(&pfd[n - 1], &c->k->closed);
		stop_signal_drain();
	}
	(void)stop_writing(c);
	stop_threads(c);
	if (!rc && get_flag(&c->sink_failed))
		rc = -EIO;
	return rc;
}

/*
 * After the stop: take what each CPU has, up to the writer's position at this moment (a busy
 * writer is not chased), then write everything out. The reader threads drained their own.
 */
static int drain(struct capture *c)
{
	int i;

	if (c->remote)
		drain_lines(c, 0, c->nr);
	for (i = 0; i < c->nr && !c->threaded && !c->remote; i++)
		final_drain(c, i);
	for (i = 0; i < c->nr; i++) {
		struct cpu_state *cs = &c->cs[i];

		if (cs->src)
			cs->kernel_lost = source_kernel_lost(cs->src);
	}
	if (c->sink_failed)
		return -EIO;
	return c->k->ops->flush(c->k, true);
}

/* Events the kernel lost from a target; *some also for losses of unknown size. */
static uint64_t lost_events(const struct capture *c, const struct part *p, bool *some)
{
	uint64_t lost = 0;

	*some = false;
	for (int i = p->first; i < p->first + p->nr; i++) {
		const struct cpu_state *cs = &c->cs[i];

		lost += cs->kernel_lost >= 0 ? (uint64_t)cs->kernel_lost : cs->n.stored_lost;
		if (cs->kernel_lost < 0 && cs->n.missed_pages)
			*some = true;
	}
	*some |= lost > 0;
	return lost;
}

/* After the readers closed, with tracing off, a drained remote unloads its buffer. */
static void check_unloaded(const struct part *p)
{
	struct buffer_size bs;

	if (!target_buffer_size(p->t, &bs) && bs.loaded == 1)
		note_warn("%s: the buffer is still loaded after the capture: another reader has "
			  "it open, or events were left unread", p->t->label);
}

/* What a target's capture came to. */
static void fill_target(const struct capture *c, const struct part *p,
			struct capture_target_result *tr)
{
	tr->t = p->t;
	tr->transport = p->transport;
	snprintf(tr->fallback, sizeof(tr->fallback), "%s", p->fallback);
	tr->remote = p->remote;
	tr->buffer_kib = p->buffer_kib;
	tr->nr_cpus = p->nr;
	tr->cpus = xcalloc(p->nr ? p->nr : 1, sizeof(*tr->cpus));
	for (int i = 0; i < p->nr; i++) {
		const struct cpu_state *cs = &c->cs[p->first + i];

		tr->cpus[i] = (struct capture_cpu){
			.cpu = cs->cpu,
			.skipped = cs->skipped,
			.events = cs->n.events,
			.bytes = cs->bytes,
			.stored_lost = cs->n.stored_lost,
			.missed_pages = cs->n.missed_pages,
			.corrupt = cs->n.corrupt,
			.kernel_lost = cs->kernel_lost,
			.switched_epp = cs->switched_epp,
			.reader_refused = cs->reader_refused,
			.unparsed = cs->unparsed,
			.clock_back_steps = cs->clock.back_steps,
			.clock_back_max = cs->clock.back_max,
			.lagged = c->k->lagged[p->first + i],
		};
		tr->lagged += c->k->lagged[p->first + i];
	}
	tr->lost = lost_events(c, p, &tr->lost_some);
}

/* What the capture came to, the sources closed and the output complete. */
static void fill_result(const struct capture *c, double secs, struct capture_result *r)
{
	r->ran = true;
	r->stop_reason = c->stop_reason;
	r->secs = secs;
	snprintf(r->clock, sizeof(r->clock), "%s", c->clock);
	r->nr_targets = c->nr_parts;
	r->targets = xcalloc(c->nr_parts, sizeof(*r->targets));
	for (int i = 0; i < c->nr_parts; i++) {
		struct capture_target_result *tr = &r->targets[i];

		fill_target(c, &c->parts[i], tr);
		r->lost += tr->lost;
		r->lost_some |= tr->lost_some;
		r->lagged += tr->lagged;
	}
	r->written = c->k->written;
	r->bytes = c->k->bytes;
	r->dropped_max = c->k->dropped_max;
	r->to_stdout = c->k->to_stdout;
	r->after = c->k->after;
	r->format_secs = c->k->format_secs;
	r->burst_secs = c->k->burst_secs;
}

void capture_result_free(struct capture_result *r)
{
	for (int i = 0; i < r->nr_targets; i++)
		free(r->targets[i].cpus);
	free(r->targets);
	r->targets = NULL;
	r->nr_targets = 0;
}

static int buffer_percent_is_zero(const struct target *t)
{
	char buf[32];

	return target_read(t, "buffer_percent", buf, sizeof(buf)) > 0 && atoi(buf) == 0;
}

/* Close the sources, keeping what the result needs. */
static void release(struct capture *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct cpu_state *cs = &c->cs[i];

		if (!cs->src)
			continue;
		cs->bytes = cs->src->stats.bytes;
		if (!cs->p->remote)
			note_debug("%s: CPU %d: %" PRIu64 " sub-buffers in %" PRIu64 " calls",
				   cs->p->t->label, cs->cpu, cs->src->stats.units,
				   cs->src->stats.ioctls);
		cs->switched_epp = cs->src->stats.switched_epp;
		cs->reader_refused = cs->src->stats.reader_refused;
		source_close(cs->src);
		cs->src = NULL;
	}
}

/* Per-CPU buffer size in KiB, 0 when unknown. */
static uint64_t buffer_kib(const struct target *t)
{
	struct buffer_size bs;

	return !target_buffer_size(t, &bs) ? bs.kib : 0;
}

/* Per-CPU buffer size in bytes, 1 MiB when unknown. */
static double buffer_bytes(const struct target *t)
{
	struct buffer_size bs;

	return !target_buffer_size(t, &bs) && bs.kib ? bs.kib * 1024.0 : 1 << 20;
}

/* What can be refused before anything changes: a target's options that cannot apply. */
static int check_target(const struct capture_opts *o, const struct capture_target *ct)
{
	struct target *t = ct->t;
	enum target_transport tr = o->transport != TARGET_TRANSPORT_NONE ? o->transport : t->best;
	char buf[64];

	/* Only ring buffers read through trace_pipe_raw wake their readers at a fill level. */
	if (o->buffer_percent >= 0 && t->read_only) {
		note_error("%s is a read-only instance (a backup of an earlier boot): cannot "
			   "change buffer_percent", t->label);
		return -EPERM;
	}
	if (o->buffer_percent >= 0 &&
	    (tr == TARGET_TRANSPORT_TEXT || target_read(t, "buffer_percent", buf, sizeof(buf)) <= 0)) {
		note_error("%s has no buffer_percent to set (--buffer-percent)", t->label);
		return -EINVAL;
	}
	/*
	 * The text transport is a remote's, and a capture through it runs as a remote's (cleared
	 * first, the selftests' order): an instance is read from trace_pipe_raw.
	 */
	if (o->transport == TARGET_TRANSPORT_TEXT && t->has_raw) {
		note_error("%s has trace_pipe_raw: --transport text is for remotes (auto, mmap or "
			   "read here)", t->label);
		return -EINVAL;
	}
	if (o->clear && t->read_only) {
		note_error("%s is a read-only instance (a backup of an earlier boot): --clear "
			   "would erase it", t->label);
		return -EPERM;
	}
	return 0;
}

/* The targets, their streams and the checks that need no change yet. */
static int set_up_parts(struct capture *c)
{
	const struct capture_opts *o = c->o;
	int i, j, n = 0, remotes = 0;

	c->nr_parts = o->nr_targets;
	c->parts = xcalloc(o->nr_targets ? o->nr_targets : 1, sizeof(*c->parts));
	for (i = 0; i < o->nr_targets; i++) {
		const struct capture_target *ct = &o->targets[i];
		struct part *p = &c->parts[i];
		enum target_transport tr = o->transport != TARGET_TRANSPORT_NONE ? o->transport :
					   ct->t->best;

		p->ct = ct;
		p->t = ct->t;
		/* Remotes offer only text, as lines their readers cannot tell are the last. */
		p->remote = tr == TARGET_TRANSPORT_TEXT;
		p->undo = target_undo_new(ct->t);
		p->first = n;
		p->nr = ct->cpus ? ct->nr_cpus : ct->t->nr_cpus;
		p->percent_zero = buffer_percent_is_zero(ct->t);
		n += p->nr;
		remotes += p->remote;
	}
	c->nr = n;
	c->cs = xcalloc(n ? n : 1, sizeof(*c->cs));
	c->cpus = xcalloc(n ? n : 1, sizeof(*c->cpus));
	c->part_of = xcalloc(n ? n : 1, sizeof(*c->part_of));
	for (i = 0; i < c->nr_parts; i++) {
		struct part *p = &c->parts[i];
		const struct capture_target *ct = p->ct;
		int rc;

		for (j = 0; j < p->nr; j++) {
			struct cpu_state *cs = &c->cs[p->first + j];

			cs->cpu = c->cpus[p->first + j] = ct->cpus ? ct->cpus[j] : ct->t->cpus[j];
			cs->p = p;
			cs->kernel_lost = -1;
			c->part_of[p->first + j] = i;
		}
		if (!p->nr) {
			note_error("%s: no CPUs to capture", p->t->label);
			return -ENODEV;
		}
		rc = check_target(o, ct);
		if (rc)
			return rc;
	}
	c->remote = remotes == c->nr_parts;
	/*
	 * Event ids of a trace.dat are the file's: a remote's re-encoded events move above the
	 * kernel's (capture_dat.c), which works for one remote, not for two, nor for Android's
	 * hyp, whose ring buffer carries its own ids.
	 */
	for (i = 0; i < c->nr_parts && o->dat && o->nr_targets > 1; i++) {
		const struct part *p = &c->parts[i];

		if (p->t->kind == TARGET_HYP && !p->remote) {
			note_error("%s: trace.dat of Android's hypervisor buffer with other targets is "
				   "not supported (its event ids are its own): record them as text",
				   p->t->label);
			return -EINVAL;
		}
	}
	if (o->dat && remotes > 1) {
		note_error("trace.dat of two remotes is not supported yet (their event ids "
			   "collide): record them as text");
		return -EINVAL;
	}
	return 0;
}

/* Every target put back as it was found, the last one first; once. */
static int restore(struct capture *c)
{
	int rc = 0, r;

	if (c->restored)
		return 0;
	c->restored = true;
	for (int i = c->nr_parts - 1; i >= 0; i--) {
		r = target_undo_restore(c->parts[i].undo);
		if (!rc)
			rc = r;
	}
	return rc;
}

int capture_run(const struct capture_opts *o, struct capture_result *r)
{
	struct capture c = { .o = o, .stop_pipe = { -1, -1 } };
	int i, rc, rc2;
	int64_t before;
	double end;

	memset(r, 0, sizeof(*r));
	stop_signal_install();
	rc = set_up_parts(&c);
	if (rc)
		goto out;
	/* A remote's lines go out by age, checked as often as stream's. */
	c.interval = (o->live || c.remote ? STREAM_INTERVAL_MS : RECORD_INTERVAL_MS) / 1000.0;
	/* Every glob checked before anything is changed or created. */
	for (i = 0; i < c.nr_parts && !rc; i++)
		if (c.parts[i].ct->nr_events)
			rc = select_events(&c.parts[i]);
	if (!rc)
		rc = clock_agree_check(c.parts, c.nr_parts, c.clock, sizeof(c.clock));
	if (rc)
		goto out;
	/*
	 * record: text formatted after the capture from per-CPU spools, or trace.dat; a remote's
	 * lines are text already (merged as they come) or re-encoded into trace.dat.
	 */
	if (c.remote)
		rc = sink_new(o->dat ? SINK_DAT : SINK_STREAM, o, c.nr, c.cpus, c.part_of, &c.k);
	else
		rc = sink_new(o->dat ? SINK_DAT : SINK_SPOOL, o, c.nr, c.cpus, c.part_of, &c.k);
	if (rc)
		goto out;
	/*
	 * A remote's output is complete before its buffer is cleared; an instance's trace.dat
	 * takes the formats of the events enabled and the size set.
	 */
	for (i = 0; i < c.nr_parts; i++)
		c.k->parts[i].lines = c.parts[i].remote;
	c.k->clock = c.clock;
	if (c.remote)
		rc = sink_open_data(c.k);
	if (!rc)
		rc = clock_agree(c.parts, c.nr_parts, c.clock);
	for (i = 0; i < c.nr_parts && !rc; i++)
		rc = c.parts[i].remote ? apply_remote_settings(&c.parts[i]) :
					 apply_settings(&c, &c.parts[i]);
	if (rc)
		goto out;
	/*
	 * Remotes alone: their readers are the text sources' own threads. With ring buffers,
	 * every CPU has a thread, a remote's marking what it delivers by age.
	 */
	c.threaded = !c.remote;
	for (i = 0; i < c.nr_parts && !rc; i++) {
		rc = open_sources(&c, &c.parts[i]);
		c.k->parts[i].hdr_size = c.parts[i].hdr_size;
	}
	if (!rc && !c.remote)
		rc = sink_open_data(c.k);
	if (rc)
		goto out;
	c.start = monotonic_s();
	c.last_progress = c.start;
	for (i = 0; i < c.nr; i++)
		c.cs[i].cycle_start = c.start;
	for (i = 0; i < c.nr_parts; i++) {
		struct part *p = &c.parts[i];

		p->buffer_bytes = buffer_bytes(p->t);
		p->buffer_kib = buffer_kib(p->t);
		/* Unlike trace-cmd, record does not clear the buffer first: say what predates it. */
		before = p->remote ? 0 : target_unread_entries(p->t);
		if (before > 0)
			note_debug("%s: %" PRId64 " events were in the buffer before the capture: "
				   "they are captured too", p->t->label, before);
	}
	/* Tests wait for this line: from here on the buffers are read. */
	note_debug("%s: capturing", c.parts[0].t->label);
	rc = c.threaded ? run_threads(&c) : run_loop(&c);
	if (!c.threaded) {
		rc2 = stop_writing(&c);
		if (!rc)
			rc = rc2;
	}
	rc2 = drain(&c);
	if (!rc)
		rc = rc2;
	/* trace.dat is complete before the target is restored: it keeps the CPUs' stats. */
	if (!c.k->after && c.k->ops->finish) {
		rc2 = c.k->ops->finish(c.k);
		if (!rc)
			rc = rc2;
	}
	end = monotonic_s();
	if (o->progress)
		o->progress(&(struct capture_progress){ .final = true });
	/*
	 * The capture is over: let go of the buffers and put the targets back before the
	 * (slower) text is written.
	 */
	release(&c);
	for (i = 0; i < c.nr_parts; i++)
		if (c.parts[i].remote)
			check_unloaded(&c.parts[i]);
	rc2 = restore(&c);
	if (!rc)
		rc = rc2;
	if (c.k->after && !rc)
		rc2 = c.k->ops->finish(c.k);
	if (!rc)
		rc = rc2;
	rc2 = sink_close(c.k);
	if (!rc)
		rc = rc2;
	for (i = 0; i < c.nr; i++)
		if (c.cs[i].failed && !rc)
			rc = -EIO;
	fill_result(&c, end - c.start, r);
out:
	release(&c);
	rc2 = restore(&c);
	if (!rc)
		rc = rc2;
	for (i = 0; i < c.nr_parts; i++) {
		target_undo_free(c.parts[i].undo);
		target_event_selection_free(c.parts[i].sel);
	}
	sink_free(c.k);
	if (c.stop_pipe[0] >= 0) {
		close(c.stop_pipe[0]);
		close(c.stop_pipe[1]);
	}
	free(c.parts);
	free(c.cs);
	free(c.cpus);
	free(c.part_of);
	stop_signal_restore();
	return rc;
}
