/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace.dat sink of a capture: what capture.c calls instead of merging into text when
 * `record` writes trace.dat (--format dat, or an -o FILE ending in .dat).
 */
#ifndef REMOTECTL_CAPTURE_DAT_H
#define REMOTECTL_CAPTURE_DAT_H

#include "capture.h"
#include "source.h"
#include "tracedat_write.h"

/* Writer on fd with the target's metadata, data started; NULL after a message. */
struct tdw *capture_dat_open(const struct capture_opts *o, int fd);
/* One source unit of a CPU; 0 or -1 after a message. */
int capture_dat_unit(struct tdw *w, int cpu, const struct source_unit *u, unsigned int hdr);
/*
 * Save each captured CPU's stats and complete the file (frees w); 0 or an exit code. types:
 * the event type ids the capture decoded (SUBBUF_TYPES_BYTES), or NULL.
 */
int capture_dat_finish(struct tdw *w, const struct target *t, const int *cpus, int nr,
		       const uint8_t *types);

#endif
