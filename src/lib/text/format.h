/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events to text with libtraceevent, from the target's own events/header_page and format
 * files, in the layout of `trace-cmd report`:
 *   "            bash-1234  [001]   685.208295: sched_switch:         prev_comm=..."
 * Lost events show in place as "CPU:N [LOST n EVENTS]".
 */
#ifndef REMOTECTL_FORMAT_H
#define REMOTECTL_FORMAT_H

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
int text_header_page_sizes(const char *text, unsigned int *hdr_size, unsigned int *subbuf_size);

#endif
