/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building ring-buffer sub-buffers the way the kernel writes them, for events that did not
 * come as binary (trace remotes give only text): 64-bit header, compact or explicit-length
 * events, TIME_EXTEND for large deltas, missed-event flags with the stored count.
 */
#ifndef REMOTECTL_SUBBUF_WRITE_H
#define REMOTECTL_SUBBUF_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SUBBUF_HDR_SIZE 16	/* u64 time_stamp, u64 commit (64-bit kernels) */

/* Called with each finished sub-buffer (size bytes, unused tail zeroed). */
typedef int (*ring_subbuf_emit_fn)(void *ctx, const void *subbuf, size_t size);

struct ring_subbuf_writer {
	uint8_t *page;
	size_t size;		/* sub-buffer size, header included */
	size_t used;		/* bytes of event data in page */
	uint64_t last_ts;	/* time of the last event written */
	bool started;		/* page holds a time stamp */
	bool missed;		/* this sub-buffer reports events lost before it */
	bool lost_known;	/* ... and lost is their count */
	uint64_t lost;
	uint64_t backwards;	/* events whose time went back (each starts a sub-buffer) */
	ring_subbuf_emit_fn emit;
	void *ctx;
	int err;		/* first error returned by emit */
};

/* size: the sub-buffer size (header_page's data size + 16), at least 64 bytes. */
void ring_subbuf_writer_init(struct ring_subbuf_writer *w, size_t size, ring_subbuf_emit_fn emit,
			     void *ctx);

/*
 * Append an event of len payload bytes at time ts (ns). Payloads are padded to 4 bytes; one
 * that cannot fit an empty sub-buffer is refused with -E2BIG. Returns 0 or an emit error.
 */
int ring_subbuf_writer_add(struct ring_subbuf_writer *w, uint64_t ts, const void *payload,
			   uint32_t len);

/* Events were lost before the next one: count them (known false: the count is unknown). */
void ring_subbuf_writer_lost(struct ring_subbuf_writer *w, uint64_t count, bool known);

/* Emit the current sub-buffer if it holds events or a loss. */
int ring_subbuf_writer_flush(struct ring_subbuf_writer *w);

void ring_subbuf_writer_free(struct ring_subbuf_writer *w);

#endif
