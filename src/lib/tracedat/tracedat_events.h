/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One CPU of a trace.dat buffer as a stream of a merge: its sub-buffers in file order, queued
 * by ring_subbuf_merge() -- the decoding and loss markers of `record --format text` -- whatever
 * the file's byte order.
 */
#ifndef REMOTECTL_TRACEDAT_EVENTS_H
#define REMOTECTL_TRACEDAT_EVENTS_H

#include <stdint.h>

#include "merge.h"
#include "subbuf_merge.h"
#include "tracedat_read.h"

struct td_src_stats {
	uint64_t pages;
	struct ring_subbuf_counts n;	/* events, losses and damaged sub-buffers */
	uint64_t bad_chunks;	/* chunks or pages the reader could not give */
};

struct td_src;

/* NULL when the file's long size or byte order cannot be read. */
struct td_src *td_src_new(struct tdr *r, int buffer, int cpu_index);
/* The bytes of s's data in the file (compressed, for a compressed file). */
uint64_t td_src_size(const struct td_src *s);
/* s will be read on a thread of its own, next to other sources of the same file. */
void td_src_private(struct td_src *s);
/*
 * fn hears the reader's one-line reason for each damaged chunk or page, which is then skipped
 * (and counted in the stats whether or not anyone is told).
 */
void td_src_on_damage(struct td_src *s, td_warn_fn fn, void *ctx);
/*
 * Queue the next sub-buffer that holds an event or a loss on stream of m: 1, or 0 at the end.
 * A damaged chunk is skipped (see td_src_on_damage()).
 */
int td_src_fill(struct td_src *s, struct ring_merge *m, int stream);
/*
 * This CPU alone, entry by entry, through a merge of its own (tools, tests, the fuzzer): 1 with
 * *me filled (a loss when me->lost), 0 at the end. Not to be mixed with td_src_fill().
 */
int td_src_next(struct td_src *s, struct ring_merge_event *me);
const struct td_src_stats *td_src_stats(const struct td_src *s);
int td_src_cpu(const struct td_src *s);
void td_src_free(struct td_src *s);

#endif
