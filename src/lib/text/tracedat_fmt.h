/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event text, in trace-cmd report's layout, from a trace.dat's own formats (libtraceevent +
 * its plugins) for `report`; the same line layout (text_internal.h) also makes `record
 * --format text` lines (src/lib/text/format.c), so both print the same text.
 */
#ifndef REMOTECTL_TRACEDAT_FMT_H
#define REMOTECTL_TRACEDAT_FMT_H

#include <stdbool.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "tracedat_read.h"

struct text_dat_fmt;

/* One event of a trace.dat buffer's CPU. */
struct text_dat_event {
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
struct text_dat_fmt *text_dat_fmt_new(const struct tdr_info *in, td_warn_fn warn, void *ctx);
void text_dat_fmt_free(struct text_dat_fmt *f);
/*
 * One line (with newline) for ev, or for a loss of lost events (text_dat_fmt_lost()'s line) of a
 * CPU of a buffer. Lines start with "NAME: " only when more than one buffer of the file holds
 * data, NAME right-aligned to the longest buffer name as trace-cmd pads it (trace-cmd prefixes
 * the lines of any file with an instance; one target's capture prints as `record --format
 * text` does). The payload is read from a copy followed by zeros, so a damaged
 * record cannot lead libtraceevent outside memory. Returns 0, or -EPROTO when
 * REMOTECTL_FASTFMT=check found the fast path's line different from libtraceevent's (said
 * with note_error(); s holds libtraceevent's).
 */
int text_dat_fmt_event(struct text_dat_fmt *f, struct trace_seq *s,
		       const struct text_dat_event *ev);
void text_dat_fmt_loss(struct text_dat_fmt *f, struct trace_seq *s, int buffer, int cpu,
		       long long lost);

#endif
