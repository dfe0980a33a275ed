// SPDX-License-Identifier: GPL-2.0
/* What record and stream say about a capture on stderr; see capture_summary.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capture_summary.h"
#include "messages.h"
#include "note.h"
#include "util.h"

void capture_progress_line(const struct capture_progress *p)
{
	if (p->final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[K%.0f s  %" PRIu64 " events  %.0f events/s  %.1f MB  %" PRIu64
		" lost", p->secs, p->events, p->secs > 0 ? p->events / p->secs : 0.0,
		p->bytes / 1e6, p->lost);
}

static void output_summary(const struct capture_result *r)
{
	fprintf(stderr, "  output: %" PRIu64 " events, %" PRIu64 " bytes%s", r->written,
		r->bytes, r->to_stdout ? " to stdout" : "");
	if (r->after)
		fprintf(stderr, ", formatted in %.2f s after the capture", r->format_secs);
	if (r->burst_secs > 0)
		fprintf(stderr, ", held back in bursts for %.2f s", r->burst_secs);
	fputc('\n', stderr);
	if (r->lagged)
		fprintf(stderr, "  %" PRIu64 " events captured but not shown: the text fell more "
			"than --spool-size behind (loss lines mark where)\n", r->lagged);
	if (r->dropped_max)
		fprintf(stderr, "  %" PRIu64 " events captured but not written (--max-size)\n",
			r->dropped_max);
}

/* Losses with the default-sized buffer: say how much it cost and what -b would avoid it. */
static void warn_small_buffer(const struct capture_target_result *r, uint64_t events,
			      uint64_t lost)
{
	uint64_t want = 1024, kib = r->buffer_kib;
	char have[32], need[32];

	if (!lost || !kib)
		return;
	/* Room for what was lost as well, twice over, in whole MiB. */
	while (want < kib * 2 * (events + lost) / (events ? events : 1) && want < (1 << 20))
		want *= 2;
	note_warn("%s: %" PRIu64 " events lost with %s per CPU; record with -b %s to keep them",
		  r->t->label, lost, format_size_kib(kib, have, sizeof(have)),
		  format_size_kib(want, need, sizeof(need)));
}

/* A remote's columns: the losses its lines reported, the lines kept as they were. */
static void remote_summary(const struct capture_target_result *r)
{
	uint64_t ev = 0, bytes = 0, lost = 0, unparsed = 0;

	fprintf(stderr, "  %4s %12s %14s %12s %10s\n", "CPU", "events", "bytes", "lost",
		"unparsed");
	for (int i = 0; i < r->nr_cpus; i++) {
		const struct capture_cpu *cs = &r->cpus[i];

		if (cs->skipped) {
			fprintf(stderr, "  %4d %12s\n", cs->cpu, "(not in the buffer)");
			continue;
		}
		fprintf(stderr, "  %4d %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n",
			cs->cpu, cs->events, cs->bytes, cs->stored_lost, cs->unparsed);
		ev += cs->events;
		bytes += cs->bytes;
		lost += cs->stored_lost;
		unparsed += cs->unparsed;
	}
	fprintf(stderr, "  %4s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n", "all",
		ev, bytes, lost, unparsed);
	warn_small_buffer(r, ev, lost);
}

/* An instance's columns: the kernel's count of losses where it has one. */
static void instance_summary(const struct capture_target_result *r)
{
	uint64_t ev = 0, bytes = 0, lost = 0;
	bool lost_known = true;

	fprintf(stderr, "  %4s %12s %14s %12s\n", "CPU", "events", "bytes", "lost");
	for (int i = 0; i < r->nr_cpus; i++) {
		const struct capture_cpu *cs = &r->cpus[i];
		int64_t l = cs->kernel_lost >= 0 ? cs->kernel_lost : (int64_t)cs->stored_lost;
		char lbuf[32];

		if (cs->kernel_lost < 0 && cs->missed_pages && !cs->stored_lost)
			snprintf(lbuf, sizeof(lbuf), "unknown");
		else
			snprintf(lbuf, sizeof(lbuf), "%" PRId64, l);
		if (cs->kernel_lost < 0)
			lost_known = false;
		fprintf(stderr, "  %4d %12" PRIu64 " %14" PRIu64 " %12s%s", cs->cpu, cs->events,
			cs->bytes, lbuf, cs->corrupt ? "  (corrupt sub-buffers!)" : "");
		if (cs->switched_epp)
			fprintf(stderr, "  (then read(): %u events per sub-buffer)",
				cs->switched_epp);
		if (cs->reader_refused)
			fprintf(stderr, "  (then read(): GET_READER refused)");
		fputc('\n', stderr);
		ev += cs->events;
		bytes += cs->bytes;
		lost += l;
	}
	fprintf(stderr, "  %4s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 "%s\n", "all", ev, bytes,
		lost, lost_known ? "" : " (at least)");
	/*
	 * record's losses come from a burst after a quiet spell (the reader slept until the
	 * kernel's wake level) or from readers kept off the CPUs by busy writers (bench/RESULTS.md,
	 * raw2); stream's readers are record's.
	 */
	if (lost && !r->t->read_only) {
		char pct[16] = "";

		target_read(r->t, "buffer_percent", pct, sizeof(pct));
		pct[strcspn(pct, "\n")] = 0;
		fprintf(stderr, "  hint: a larger -b, --buffer-percent below %s or --rt-priority "
			"gets the reader there before a burst fills the buffer\n",
			*pct ? pct : "the instance's");
	}
}

/*
 * A remote's time going back on a CPU: once per CPU, with how often and how far. Every event
 * is kept once with its own stamp, each CPU's in the kernel's order; the merge goes by the
 * stamps.
 */
static void warn_clock(const struct capture_target_result *r)
{
	for (int i = 0; i < r->nr_cpus; i++) {
		const struct capture_cpu *cs = &r->cpus[i];
		uint64_t max = cs->clock_back_max;
		char size[48];

		if (!cs->clock_back_steps)
			continue;
		if (max >= 1000000000)
			snprintf(size, sizeof(size), "%" PRIu64 " s", max / 1000000000);
		else
			snprintf(size, sizeof(size), "%" PRIu64 " us", max / 1000);
		note_warn("%s: CPU %d: time stamps went back %" PRIu64 " time%s, by up to %s (a "
			  "clock fault of the remote%s; the CPU's events kept in the kernel's order)",
			  r->t->label, cs->cpu, cs->clock_back_steps,
			  cs->clock_back_steps == 1 ? "" : "s", size,
			  strcmp(r->t->name, "hypervisor") ? "" :
			  ": arm64 nVHE stamps wrongly while a KVM vCPU is loaded");
	}
}

/* A target's part: a line, its CPUs, the warnings and hints about it. */
static void target_summary(const struct capture_result *r, const struct capture_target_result *tr)
{
	if (verbosity >= 0) {
		note_info("%s: %.2f s, stopped by %s, transport %s%s%s%s", tr->t->label, r->secs,
			  r->stop_reason ? r->stop_reason : "error",
			  target_transport_name(tr->transport),
			  tr->fallback[0] ? " (" : "", tr->fallback, tr->fallback[0] ? ")" : "");
		if (tr->remote)
			remote_summary(tr);
		else
			instance_summary(tr);
	}
	if (tr->remote)
		warn_clock(tr);
}

void capture_summary(const struct capture_result *r)
{
	if (!r->ran)
		return;
	for (int i = 0; i < r->nr_targets; i++)
		target_summary(r, &r->targets[i]);
	if (verbosity >= 0)
		output_summary(r);
}
