/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One sub-buffer into a merge stream: its loss marker, at the sub-buffer's time stamp and on
 * its first delivery only, then its events. `record --format text` (capture.c) and `report`
 * (cmd_report.c) both queue sub-buffers through here, so the same data merges into the same
 * lines in the same order.
 */
#ifndef REMOTECTL_SUBBUF_MERGE_H
#define REMOTECTL_SUBBUF_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "merge.h"
#include "source.h"

struct ring_subbuf_counts {
	uint64_t events;
	uint64_t missed_pages;	/* sub-buffers flagged with a loss */
	uint64_t stored_lost;	/* the losses they counted */
	uint64_t corrupt;	/* sub-buffers that failed to decode completely */
	uint64_t last_ts;	/* the time stamp of the last event decoded */
	uint8_t *types;		/* optional: a bit per event type id (common_type) decoded */
};

#define SUBBUF_TYPES_BYTES	(65536 / 8)

/*
 * Decode unit u (hdr_size 16 or 12; swap: written in the other byte order), add to cnt and,
 * when m is not NULL, queue the loss marker and events on stream. Either may be NULL (with m,
 * the events are counted only for a cnt given: the merge decodes them as they are popped).
 * ref: the events are queued by reference into u->buf, which the caller keeps until they are
 * popped or it calls ring_merge_own() on the stream. Returns the number of entries queued:
 * the loss marker, and the sub-buffer when an event is left in it.
 */
int ring_subbuf_merge(struct ring_merge *m, int stream, const struct source_unit *u,
		      unsigned int hdr_size, bool swap, bool ref, struct ring_subbuf_counts *cnt);

#endif
