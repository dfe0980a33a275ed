/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events to text with libtraceevent, from the target's own events/header_page and format
 * files, in the layout of `trace-cmd report`:
 *   "            bash-1234  [001]   685.208295: sched_switch:         prev_comm=..."
 * Lost events show in place as "CPU:N [LOST n EVENTS]".
 */
#ifndef REMOTECTL_FORMAT_H
#define REMOTECTL_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "target.h"

struct text_format;

/* Returns NULL with a message in err when the target's events cannot be read. */
struct text_format *text_format_new(const struct target *t, char *err, size_t len);
void text_format_free(struct text_format *f);

/*
 * One event as a text line, newline included (not NUL-terminated: *line_len bytes, which may
 * hold a NUL as libtraceevent prints a %c of 0); valid until the next call. Events whose
 * format is unknown print their id and size. NULL when REMOTECTL_FASTFMT=check found the fast
 * path's line different from libtraceevent's (said with note_error()).
 */
const char *text_format_event(struct text_format *f, int cpu, uint64_t ts, const void *data,
			 uint32_t len, size_t *line_len);
/*
 * The next event's line (text_format_event()) is made in room, size bytes, when the fast path
 * makes it and it fits: the line returned is then room, and nothing need be copied. room may
 * hold anything afterwards when the line is somewhere else.
 */
void text_format_make_in(struct text_format *f, char *room, size_t size);
/*
 * Lines of several buffers (targets) start as trace-cmd's do: the buffer's name right-aligned
 * to width (the longest name) and ": ", or as many spaces for the top level's (""). Into buf;
 * returns its length.
 */
size_t text_format_prefix(char *buf, size_t size, const char *name, int width);
/* A loss line into buf: lost > 0 events, or -1 for an unknown number. Returns its length. */
size_t text_format_lost(char *buf, size_t size, int cpu, int64_t lost);

/*
 * From the text of events/header_page: the sub-buffer header size (offset of "data") and
 * the sub-buffer size (header + data size). Returns 0 or -EINVAL.
 */
/*
 * Lines made on jobs threads, out in the order their events came (format_jobs.c): record's
 * and stream's text. fmts are the formatters of the capture's targets, not used yet; each job
 * gets a twin of each, made now (some format files do not outlive the capture) from the
 * comms fmts started from. text_jobs_start() starts the threads (at the caller's nice
 * value). Then each event, loss or ready-made line goes in with text_jobs_add(): fmt is an
 * index into fmts, or TEXT_JOBS_LOSS (len is the count) or TEXT_JOBS_LINE (data is the line);
 * tag is the caller's. Finished lines come out through put(ctx, tag, line, len, lost), in
 * order, while events go in and at text_jobs_flush(); a put() that returns non-zero stops
 * the text, and so does a line that could not be made (-EIO, after a message): both return
 * that value from then on.
 */
#define TEXT_JOBS_LOSS	(-1)
#define TEXT_JOBS_LINE	(-2)

struct text_jobs;
typedef int (*text_jobs_put_fn)(void *ctx, uint32_t tag, const char *line, size_t len,
				bool lost);

struct text_jobs *text_jobs_new(int nr_jobs, struct text_format *const *fmts, int nr_fmts,
				char *err, size_t len);
int text_jobs_start(struct text_jobs *j);
int text_jobs_add(struct text_jobs *j, int fmt, int cpu, uint64_t ts, const void *data,
		  uint64_t len, uint32_t tag, text_jobs_put_fn put, void *ctx);
int text_jobs_flush(struct text_jobs *j, text_jobs_put_fn put, void *ctx);
/* Lines the fast path made, lines in all, lines made again by the caller's thread. */
void text_jobs_counts(const struct text_jobs *j, uint64_t *fast, uint64_t *lines,
		      uint64_t *remade);
void text_jobs_free(struct text_jobs *j);

int text_header_page_sizes(const char *text, unsigned int *hdr_size, unsigned int *subbuf_size);

#endif
