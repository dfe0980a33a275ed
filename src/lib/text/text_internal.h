/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text's internals, for src/lib/text/ and its unit tests and fuzzers only: the lines
 * `record --format text` (format.c) and `report` (tracedat_fmt.c) share. Other folders and
 * the commands use format.h, tracedat_fmt.h and tracedat_text.h.
 */
#ifndef REMOTECTL_TEXT_INTERNAL_H
#define REMOTECTL_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "tracedat_fmt.h"

/*
 * The lines both `record --format text` and `report` print. Loss: the kernel's own trace_pipe
 * form "CPU:N [LOST n EVENTS]" ("CPU:N [LOST EVENTS]" when lost <= 0, count unknown), where
 * trace-cmd prints "CPU:N [n EVENTS DROPPED]". An event without a format prints as
 * text_dat_fmt_line() prints it with e == NULL: libtraceevent's "[UNKNOWN EVENT]" line, as in
 * trace-cmd report.
 */
size_t text_dat_fmt_lost(char *buf, size_t size, int cpu, long long lost);
/*
 * The layout both `report` and `record --format text` print, trace-cmd report's:
 *   "            bash-1234  [001]   685.208295: sched_switch:         prev_comm=..."
 * rec's event is e (NULL if unknown); raw_time prints clock counts instead of seconds (tep
 * must then have TEP_NSEC_OUTPUT set). Appends the line with its newline to s.
 */
void text_dat_fmt_line(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec,
		 struct tep_event *e, bool raw_time);
/* Does the text show raw clock values (true) or seconds.microseconds? */
bool text_dat_fmt_raw_time(const struct text_dat_fmt *f);
/* "system:event" of ev, or NULL when unknown. */
const char *text_dat_fmt_event_name(struct text_dat_fmt *f, const struct text_dat_event *ev,
				    char *buf,
			      size_t size);

#endif
