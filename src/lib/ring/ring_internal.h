/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring's internals, for src/lib/ring/ and its unit tests and fuzzer only. Other folders use
 * subbuf.h (decoding a sub-buffer), subbuf_merge.h (a sub-buffer into a merge),
 * subbuf_write.h (writing sub-buffers), merge.h and trace_mmap.h.
 */
#ifndef REMOTECTL_RING_INTERNAL_H
#define REMOTECTL_RING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merge.h"
#include "subbuf.h"

/* Flags of a sub-buffer's commit word (subbuf.h). */
#define SUBBUF_MISSED_EVENTS	(1U << 31)	/* events were lost before this sub-buffer */
#define SUBBUF_MISSED_STORED	(1U << 30)	/* ... and their number follows the data */
#define SUBBUF_SIZE_MASK	0x3fffffffU

/* Event types in the 5-bit type_len field. */
enum {
	SUBBUF_TYPE_DATA_MAX = 28,
	SUBBUF_TYPE_PADDING = 29,
	SUBBUF_TYPE_TIME_EXTEND = 30,
	SUBBUF_TYPE_TIME_STAMP = 31,
};

/* ring_subbuf_init() for a sub-buffer written in the other byte order when swap is true. */
int ring_subbuf_init_order(struct ring_subbuf *sb, const void *buf, size_t len,
			   unsigned int hdr_size,
		      bool swap);
/* Decode no further than end bytes of event data (a page the writer is still filling). */
void ring_subbuf_set_end(struct ring_subbuf *sb, uint32_t end);

/*
 * Queue sb's events from where it stands on stream, decoded one at a time as they are popped
 * (subbuf_merge.h): copied now, or with ref read where sb's data is, which the caller then
 * keeps as ring_merge_push_ref() says. Nothing is queued when no event is left: false.
 */
bool ring_merge_push_subbuf(struct ring_merge *m, int stream, const struct ring_subbuf *sb,
			    bool ref);

/* Entries queued in all streams (merge.h). */
uint64_t ring_merge_queued(const struct ring_merge *m);

#endif
