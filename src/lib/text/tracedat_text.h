/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace.dat's events as text, as `report` prints them: every buffer's CPUs merged by time
 * stamp through the capture engine's merge, filtered by CPU, event name and time window, laid
 * out like `trace-cmd report` and identical to `record --format text` of the same data. Or,
 * instead of the events, per-CPU counts and the saved CPU statistics. Errors are returned;
 * nothing here prints to stderr or decides an exit status.
 */
#ifndef REMOTECTL_TRACEDAT_TEXT_H
#define REMOTECTL_TRACEDAT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tracedat_read.h"

#define TEXT_REPORT_MAX_CPUS	65536

struct text_report;

struct text_report_filter {
	const bool *cpus;		/* NULL (all), or a flag by CPU (TEXT_REPORT_MAX_CPUS) */
	const bool *buffers;		/* NULL (all), or a flag by buffer index */
	const char *const *globs;	/* events as system:event or event; none: all */
	int nr_globs;
	/* Inclusive, in text_report_parse_time()'s units; to: UINT64_MAX for no end. */
	uint64_t from, to;
	bool stat;			/* counts and statistics instead of events */
	int jobs;			/* threads making lines; 0 or 1: the caller's alone */
};

/*
 * Open the trace.dat at path and its event formats. Returns 0, -ENOMEM when libtraceevent
 * could not be set up, or -EBADMSG with the reader's reason in err (the file is missing,
 * unreadable or damaged). warn (may be NULL) hears of damage worked around, now or while
 * writing: a format left out, a chunk or page skipped.
 */
int text_report_open(struct text_report **out, const char *path, td_warn_fn warn, void *ctx,
		     char *err,
	     size_t errlen);
/*
 * Seconds as printed ("12.345678") into the units of text_report_filter's window: nanoseconds, or
 * the clock's raw value when the file prints raw values. 0, or -EINVAL.
 */
int text_report_parse_time(const struct text_report *t, const char *s, uint64_t *ns);
/*
 * The file's buffers (a capture's targets): how many, and buffer b's name as remotectl names
 * the target, "top" for the top level's unnamed one.
 */
int text_report_nr_buffers(const struct text_report *t);
const char *text_report_buffer_name(const struct text_report *t, int b);
/* Set the filter (its arrays must outlive t) and open the selected CPUs: 0, or -ENOMEM. */
int text_report_select(struct text_report *t, const struct text_report_filter *f);
/*
 * Write the merged lines (or the statistics) to out and flush it. Returns 0, -errno of the
 * failed write, or -EPROTO when REMOTECTL_FASTFMT=check found a line of the fast path
 * different from libtraceevent's (said with note_error(); the lines stop there). *errors:
 * chunks or pages that could not be read and were skipped. With -v, says how many lines the
 * fast path made.
 */
int text_report_write(struct text_report *t, FILE *out, uint64_t *errors);
void text_report_close(struct text_report *t);

#endif
