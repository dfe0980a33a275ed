// SPDX-License-Identifier: GPL-2.0
/* Capturing trace remotes through their text trace_pipe; see remote_capture.h. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_select.h"
#include "events.h"
#include "live_output.h"
#include "merge.h"
#include "remote_capture.h"
#include "remote_text.h"
#include "sink.h"
#include "stop_signal.h"
#include "text_reader.h"
#include "util.h"

/*
 * The kernel polls a remote every 100 ms per reader, so an event reaches us at most that long
 * (plus our own loop) after it was written. An event queued LATE_NS ago can go out: anything
 * older from another CPU was written before it and has arrived by now. The same bound tells
 * a drained CPU: no data for that long.
 */
#define LATE_NS		(500 * 1000 * 1000ULL)
#define SEQ_HISTORY	64
#define LOOP_MS		50
#define DRAIN_MAX_S	10.0

struct rcap;

struct rcpu {
	struct rcap *rc;
	int cpu;
	struct text_reader *r;
	uint64_t events;	/* event lines, UNKNOWN included */
	uint64_t lost;		/* from LOST lines */
	uint64_t unparsed;	/* lines kept as they were */
	uint64_t last_ts;
	struct rclock clock;	/* time going back */
	uint64_t bytes;		/* text read, noted when the reader closes */
	bool skipped;		/* not in the remote's buffer */
	bool drained;
};

struct rcap {
	const struct capture_opts *o;
	struct target *t;
	struct undo_log *undo;
	struct event_selection *sel;	/* -e */
	struct rcpu *c;
	int nr;
	int *cpus;		/* each stream's CPU, for the sink */
	struct sink *k;		/* where the lines go */
	const char *stop_reason;
	double start;
	int signal_fd;
	struct {
		uint64_t ns;	/* CLOCK_MONOTONIC */
		uint64_t seq;	/* merge_seq() then */
	} hist[SEQ_HISTORY];	/* a ring, one entry per loop */
	int hist_next;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The events of -e, nothing written yet. */
static int select_events(struct rcap *rc)
{
	const struct capture_opts *o = rc->o;
	int r, bad;

	r = event_selection_new(rc->t, o->events, o->nr_events, &rc->sel, &bad);
	if (r == RC_USAGE)
		err_msg("no event of %s matches '%s' (see 'remotectl events -r %s')",
			rc->t->label, o->events[bad], rc->t->label);
	else if (r < 0)
		err_msg("%s has no events/ directory", rc->t->label);
	return r < 0 ? RC_MISSING : r;
}

static int enable_events(struct rcap *rc)
{
	int r = event_selection_apply(rc->sel, rc->undo);

	if (!r)
		debug_msg("%s: events matching -e: %d; enable files written: %d", rc->t->label,
			  event_selection_matched(rc->sel), event_selection_writes(rc->sel));
	return r;
}

/* Without -e: what is enabled already is captured; say so when that is nothing. */
static int check_enabled(struct rcap *rc)
{
	struct event_list list;
	int enabled = 0;

	if (events_load(rc->t, &list)) {
		err_msg("%s has no events/ directory", rc->t->label);
		return RC_MISSING;
	}
	for (int i = 0; i < list.nr; i++)
		enabled += list.ev[i].enabled > 0;
	if (!enabled)
		warn_msg("%s: no event is enabled: nothing will be captured (use -e)",
			 rc->t->label);
	events_free(&list);
	return RC_OK;
}

/* Tracing off, clear, resize while unloaded, events, tracing on: all through the undo log. */
static int apply_settings(struct rcap *rc)
{
	struct buffer_size bs;
	char kib[32];
	int r;

	r = undo_write(rc->undo, "tracing_on", "0");
	if (!r)
		r = target_reset(rc->t, -1);
	if (r)
		return r;
	if (rc->o->buffer_kib) {
		if (!target_buffer_size(rc->t, &bs) && bs.loaded == 1) {
			err_msg("%s: cannot resize: the buffer stays loaded after stopping and "
				"clearing it, so another reader has its trace_pipe or trace open",
				rc->t->label);
			return RC_BUSY;
		}
		snprintf(kib, sizeof(kib), "%" PRIu64, rc->o->buffer_kib);
		r = undo_write(rc->undo, "buffer_size_kb", kib);
		if (r)
			return r;
	}
	r = rc->sel ? enable_events(rc) : check_enabled(rc);
	if (!r)
		r = undo_write(rc->undo, "tracing_on", "1");
	return r;
}

static int open_readers(struct rcap *rc)
{
	int opened = 0, r;

	for (int i = 0; i < rc->nr; i++) {
		char *path = target_cpu_path(rc->t, rc->c[i].cpu, "trace_pipe");

		r = text_reader_open(path, rc->c[i].cpu, &rc->c[i].r);
		free(path);
		if (r == -ENODEV) {
			info_msg("%s: CPU %d is not in the buffer (offline when it was loaded): "
				 "skipped", rc->t->label, rc->c[i].cpu);
			rc->c[i].drained = rc->c[i].skipped = true;
			continue;
		}
		if (r) {
			err_msg("%s: cannot open CPU %d's trace_pipe: %s", rc->t->label,
				rc->c[i].cpu, strerror(-r));
			return rc_from_errno(-r);
		}
		text_reader_sched(rc->c[i].r, &rc->o->sched);
		r = text_reader_start(rc->c[i].r);
		if (r) {
			err_msg("cannot start a reader thread: %s", strerror(-r));
			return RC_FAIL;
		}
		opened++;
	}
	if (!opened) {
		err_msg("%s: none of the CPUs asked for is in the buffer", rc->t->label);
		return RC_MISSING;
	}
	debug_msg("%s: transport text, %d readers", rc->t->label, opened);
	return RC_OK;
}

/* One line of CPU i to the sink. */
static void take_line(struct rcap *rc, int i, const char *line, size_t len)
{
	struct rcpu *c = &rc->c[i];
	struct rline r;

	switch (rline_parse(line, len - 1, &r)) {
	case RLINE_LOST:
		c->lost += r.lost;
		rc->k->ops->lost(rc->k, i, c->last_ts, r.lost);
		return;
	case RLINE_EVENT:
	case RLINE_UNKNOWN:
		rclock_note(&c->clock, r.ts_ns);
		c->events++;
		c->last_ts = r.ts_ns;
		break;
	default:
		/* Kept in place, at the time of the line before it. */
		c->unparsed++;
		break;
	}
	rc->k->ops->line(rc->k, i, c->last_ts, &r, line, len);
}

/* Take what CPU i's reader has; returns whether it had anything. */
static bool pull(struct rcap *rc, int i)
{
	char *buf, *p, *nl;
	size_t len;

	if (!rc->c[i].r)
		return false;
	len = text_reader_take(rc->c[i].r, &buf);
	for (p = buf; p && p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', buf + len - p);
		take_line(rc, i, p, nl - p + 1);
	}
	free(buf);
	return len > 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Release what was queued LATE_NS ago or earlier: note this moment, find that one. */
static void advance_watermark(struct rcap *rc)
{
	uint64_t now = mono_ns(), seq = 0;
	bool found = false;

	rc->hist[rc->hist_next].ns = now;
	rc->hist[rc->hist_next].seq = merge_seq(rc->k->merge);
	rc->hist_next = (rc->hist_next + 1) % SEQ_HISTORY;
	for (int k = 0; k < SEQ_HISTORY; k++) {
		if (!rc->hist[k].ns || now - rc->hist[k].ns < LATE_NS)
			continue;
		if (!found || rc->hist[k].seq > seq)
			seq = rc->hist[k].seq;
		found = true;
	}
	if (!found)
		return;
	for (int i = 0; i < rc->nr; i++)
		merge_caught_up_at(rc->k->merge, i, seq);
}

static bool should_stop(struct rcap *rc)
{
	if (stop_signal_pending())
		rc->stop_reason = stop_signal_name();
	else if (rc->o->duration > 0 && now_s() - rc->start >= rc->o->duration)
		rc->stop_reason = "duration";
	else if (sink_full(rc->k))
		rc->stop_reason = "max size";
	else if (rc->k->closed)
		rc->stop_reason = "output closed";
	return rc->stop_reason != NULL;
}

static int run_loop(struct rcap *rc)
{
	struct pollfd *pfd = xcalloc(rc->nr + 2, sizeof(*pfd));
	int r = RC_OK, out_idx;

	while (!r && !should_stop(rc)) {
		int n = 0, timeout = LOOP_MS;

		for (int i = 0; i < rc->nr; i++)
			if (rc->c[i].r)
				pfd[n++] = (struct pollfd){ text_reader_fd(rc->c[i].r), POLLIN, 0 };
		if (rc->signal_fd >= 0)
			pfd[n++] = (struct pollfd){ rc->signal_fd, POLLIN, 0 };
		out_idx = -1;
		if (rc->o->live && rc->k->merge) {
			out_idx = n;
			pfd[n++] = live_output_pollfd(rc->k->out);
		}
		if (rc->o->duration > 0) {
			double left = rc->o->duration - (now_s() - rc->start);

			if (left * 1000 < timeout)
				timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			err_msg("poll: %s", strerror(errno));
			r = RC_FAIL;
			break;
		}
		if (out_idx >= 0)
			live_output_check(&pfd[out_idx], &rc->k->closed);
		for (int i = 0; i < rc->nr; i++)
			pull(rc, i);
		if (rc->k->merge)
			advance_watermark(rc);
		r = rc->k->ops->flush(rc->k, false);
	}
	free(pfd);
	return r;
}

/*
 * Tracing is off and the kernel has polled the remote one last time: what is left is in the
 * kernel's buffer and a read returns it at once. A CPU is drained once its reader has found
 * nothing for longer than the kernel's poll interval.
 */
static int drain(struct rcap *rc)
{
	double until = now_s() + DRAIN_MAX_S;
	bool all;

	do {
		struct timespec pause = { 0, LOOP_MS * 1000 * 1000 };

		all = true;
		for (int i = 0; i < rc->nr; i++) {
			struct rcpu *c = &rc->c[i];

			if (c->drained)
				continue;
			if (pull(rc, i) || text_reader_idle_ns(c->r) <= LATE_NS)
				all = false;
			else
				c->drained = true;
		}
		if (!all)
			nanosleep(&pause, NULL);
	} while (!all && now_s() < until);
	if (!all)
		warn_msg("%s: events kept arriving for %.0f s after tracing was turned off; "
			 "stopped reading", rc->t->label, DRAIN_MAX_S);
	for (int i = 0; i < rc->nr; i++) {
		if (!rc->c[i].r)
			continue;
		text_reader_stop(rc->c[i].r);
		pull(rc, i);
		rc->k->ops->mark(rc->k, i, SINK_END, 0);
	}
	return rc->k->ops->flush(rc->k, true);
}

/* Losses with the default-sized buffer: say how much it cost and what -b would avoid it. */
static void warn_small_buffer(struct rcap *rc, uint64_t events, uint64_t lost, uint64_t kib)
{
	uint64_t want = 1024;
	char have[32], need[32];

	if (!lost || !kib)
		return;
	/* Room for what was lost as well, twice over, in whole MiB. */
	while (want < kib * 2 * (events + lost) / (events ? events : 1) && want < (1 << 20))
		want *= 2;
	warn_msg("%s: %" PRIu64 " events lost with %s per CPU; record with -b %s to keep them",
		 rc->t->label, lost, format_size_kib(kib, have, sizeof(have)),
		 format_size_kib(want, need, sizeof(need)));
}

static void summary(struct rcap *rc, double secs)
{
	uint64_t ev = 0, bytes = 0, lost = 0, unparsed = 0;
	struct buffer_size bs;

	if (verbosity < 0)
		return;
	fprintf(stderr, "remotectl: %s: %.2f s, stopped by %s, transport text\n", rc->t->label,
		secs, rc->stop_reason ? rc->stop_reason : "error");
	fprintf(stderr, "  %4s %12s %14s %12s %10s\n", "CPU", "events", "bytes", "lost",
		"unparsed");
	for (int i = 0; i < rc->nr; i++) {
		struct rcpu *c = &rc->c[i];
		uint64_t b = c->bytes;

		if (c->skipped) {
			fprintf(stderr, "  %4d %12s\n", c->cpu, "(not in the buffer)");
			continue;
		}
		fprintf(stderr, "  %4d %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n",
			c->cpu, c->events, b, c->lost, c->unparsed);
		ev += c->events;
		bytes += b;
		lost += c->lost;
		unparsed += c->unparsed;
	}
	fprintf(stderr, "  %4s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n", "all",
		ev, bytes, lost, unparsed);
	fprintf(stderr, "  output: %" PRIu64 " events, %" PRIu64 " bytes%s\n", rc->k->written,
		rc->k->bytes, rc->k->to_stdout ? " to stdout" : "");
	if (rc->k->dropped_max)
		fprintf(stderr, "  %" PRIu64 " events captured but not written (--max-size)\n",
			rc->k->dropped_max);
	if (!target_buffer_size(rc->t, &bs))
		warn_small_buffer(rc, ev, lost, bs.kib);
}

/*
 * Time going back on a CPU: once per CPU, with how often and how far. Every event is kept
 * once with its own stamp, each CPU's in the kernel's order; the merge goes by the stamps.
 */
static void warn_clock(struct rcap *rc)
{
	for (int i = 0; i < rc->nr; i++) {
		struct rcpu *c = &rc->c[i];
		char size[48];

		const struct rclock *k = &c->clock;

		if (!k->back_steps)
			continue;
		if (k->back_max >= 1000000000)
			snprintf(size, sizeof(size), "%" PRIu64 " s", k->back_max / 1000000000);
		else
			snprintf(size, sizeof(size), "%" PRIu64 " us", k->back_max / 1000);
		warn_msg("%s: CPU %d: time stamps went back %" PRIu64 " time%s, by up to %s (a "
			 "clock fault of the remote%s; the CPU's events kept in the kernel's order)",
			 rc->t->label, c->cpu, k->back_steps, k->back_steps == 1 ? "" : "s", size,
			 strcmp(rc->t->name, "hypervisor") ? "" :
			 ": arm64 nVHE stamps wrongly while a KVM vCPU is loaded");
	}
}

/* --fail-on-loss: a capture whose remote reported lost events ends with RC_LOST. */
static int check_loss(const struct rcap *rc, int r)
{
	uint64_t lost = 0;

	for (int i = 0; i < rc->nr; i++)
		lost += rc->c[i].lost;
	if (r || !rc->o->fail_on_loss || !lost)
		return r;
	err_msg("%s: %" PRIu64 " events lost (--fail-on-loss)", rc->t->label, lost);
	return RC_LOST;
}

/* After the readers closed, with tracing off, a drained remote unloads its buffer. */
static void check_unloaded(struct rcap *rc)
{
	struct buffer_size bs;

	if (!target_buffer_size(rc->t, &bs) && bs.loaded == 1)
		warn_msg("%s: the buffer is still loaded after the capture: another reader has "
			 "it open, or events were left unread", rc->t->label);
}

int remote_capture_run(const struct capture_opts *o)
{
	struct rcap rc = { .o = o, .t = o->t };
	double end;
	int r, r2;

	rc.signal_fd = stop_signal_install();
	rc.undo = undo_new(rc.t);
	rc.nr = o->cpus ? o->nr_cpus : rc.t->nr_cpus;
	rc.c = xcalloc(rc.nr ? rc.nr : 1, sizeof(*rc.c));
	rc.cpus = xcalloc(rc.nr ? rc.nr : 1, sizeof(*rc.cpus));
	for (int i = 0; i < rc.nr; i++)
		rc.c[i].cpu = rc.cpus[i] = o->cpus ? o->cpus[i] : rc.t->cpus[i];
	if (!rc.nr) {
		err_msg("%s: no CPUs to capture", rc.t->label);
		r = RC_MISSING;
		goto out;
	}
	/* Every glob checked before the buffer is cleared or the output created. */
	if (o->nr_events) {
		r = select_events(&rc);
		if (r)
			goto out;
	}
	/* Text in the kernel's own lines as they come, or re-encoded into trace.dat. */
	r = sink_new(o->dat ? SINK_REMOTE_DAT : SINK_STREAM, o, rc.nr, rc.cpus, &rc.k);
	if (!r) {
		rc.k->lines = true;
		r = sink_open_data(rc.k, 0);
	}
	if (r)
		goto out;
	r = apply_settings(&rc);
	if (r)
		goto out;
	r = open_readers(&rc);
	if (r)
		goto out;
	rc.start = now_s();
	r = run_loop(&rc);
	/* Tracing off first: the kernel then polls every CPU one last time. */
	r2 = target_write(rc.t, "tracing_on", "0");
	if (!r)
		r = r2;
	r2 = drain(&rc);
	if (!r)
		r = r2;
	end = now_s();
	if (rc.k->ops->finish) {
		r2 = rc.k->ops->finish(rc.k);
		if (!r)
			r = r2;
	}
	r2 = sink_close(rc.k);
	if (!r)
		r = r2;
	for (int i = 0; i < rc.nr; i++) {
		if (rc.c[i].r)
			rc.c[i].bytes = text_reader_bytes(rc.c[i].r);
		text_reader_close(rc.c[i].r);
		rc.c[i].r = NULL;
	}
	check_unloaded(&rc);
	summary(&rc, end - rc.start);
	warn_clock(&rc);
	r = check_loss(&rc, r);
out:
	for (int i = 0; i < rc.nr; i++)
		text_reader_close(rc.c[i].r);
	r2 = undo_restore(rc.undo);
	if (!r)
		r = r2;
	undo_free(rc.undo);
	event_selection_free(rc.sel);
	/* A failed capture leaves what it wrote: `remotectl recover` completes it. */
	sink_free(rc.k);
	free(rc.c);
	free(rc.cpus);
	stop_signal_restore();
	return r;
}
