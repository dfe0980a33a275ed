/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event text, in trace-cmd report's layout, from a trace.dat's own formats (libtraceevent +
 * its plugins) for `report`; td_fmt_line() and td_fmt_lost() also make `record --format text`
 * lines (src/lib/text/format.c), so both print the same text.
 */
#ifndef REMOTECTL_TRACEDAT_FMT_H
#define REMOTECTL_TRACEDAT_FMT_H

#include <stdbool.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "tracedat_read.h"

struct td_fmt;

/* One event of a trace.dat buffer's CPU. */
struct td_event {
	uint64_t ts;
	int cpu;
	int buffer;		/* index into tdr_info()->buffers */
	const void *data;	/* payload */
	uint32_t size;
};

/*
 * libtraceevent set up from a file's metadata; a damaged header_page or format is left out
 * and warn (when not NULL) told about it. NULL when memory is short.
 */
struct td_fmt *td_fmt_new(const struct tdr_info *in, td_warn_fn warn, void *ctx);
void td_fmt_free(struct td_fmt *f);
/*
 * One line (with newline) for ev, or for a loss of lost events (td_fmt_lost()'s line) of a
 * CPU of a buffer. Lines start with "NAME: " only when more than one buffer of the file holds
 * data, NAME right-aligned to the longest buffer name as trace-cmd pads it (trace-cmd prefixes
 * the lines of any file with an instance; one target's capture prints as `record --format
 * text` does). The payload is read from a copy followed by zeros, so a damaged
 * record cannot lead libtraceevent outside memory.
 */
void td_fmt_event(struct td_fmt *f, struct trace_seq *s, const struct td_event *ev);
void td_fmt_loss(struct td_fmt *f, struct trace_seq *s, int buffer, int cpu, long long lost);

/*
 * The lines both `record --format text` and `report` print. Loss: the kernel's own trace_pipe
 * form "CPU:N [LOST n EVENTS]" ("CPU:N [LOST EVENTS]" when lost <= 0, count unknown), where
 * trace-cmd prints "CPU:N [n EVENTS DROPPED]". An event without a format prints as
 * td_fmt_line() prints it with e == NULL: libtraceevent's "[UNKNOWN EVENT]" line, as in
 * trace-cmd report.
 */
size_t td_fmt_lost(char *buf, size_t size, int cpu, long long lost);
/*
 * The layout both `report` and `record --format text` print, trace-cmd report's:
 *   "            bash-1234  [001]   685.208295: sched_switch:         prev_comm=..."
 * rec's event is e (NULL if unknown); raw_time prints clock counts instead of seconds (tep
 * must then have TEP_NSEC_OUTPUT set). Appends the line with its newline to s.
 */
void td_fmt_line(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec,
		 struct tep_event *e, bool raw_time);
/* Does the text show raw clock values (true) or seconds.microseconds? */
bool td_fmt_raw_time(const struct td_fmt *f);
/* "system:event" of ev, or NULL when unknown. */
const char *td_fmt_event_name(struct td_fmt *f, const struct td_event *ev, char *buf,
			      size_t size);

#endif
