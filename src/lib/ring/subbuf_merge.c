// SPDX-License-Identifier: GPL-2.0
/* Sub-buffers into the merge, for record's text and for report alike (see subbuf_merge.h). */
#include <string.h>

#include "byteorder.h"
#include "ring_internal.h"
#include "subbuf_merge.h"

/* Every event starts with its u16 common_type. */
static void note_type(uint8_t *types, const void *payload, bool swap)
{
	uint16_t id = bo_get16(payload, swap != BO_HOST);

	types[id >> 3] |= 1 << (id & 7);
}

int ring_subbuf_merge(struct ring_merge *m, int stream, const struct source_unit *u,
		      unsigned int hdr_size,
		 bool swap, struct ring_subbuf_counts *cnt)
{
	struct ring_subbuf_counts none = { 0 };
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	int ret, queued = 0;

	if (!cnt)
		cnt = &none;
	if (ring_subbuf_init_order(&sb, u->buf, u->len, hdr_size, swap)) {
		cnt->corrupt++;
		return 0;
	}
	/* A sub-buffer's loss flag belongs to its first delivery only. */
	if (u->skip == 0 && sb.missed) {
		cnt->missed_pages++;
		if (sb.lost > 0)
			cnt->stored_lost += sb.lost;
		if (m) {
			ring_merge_push_lost(m, stream, sb.page_ts, sb.lost);
			queued++;
		}
	}
	ring_subbuf_set_end(&sb, u->end);
	if (u->skip && ring_subbuf_skip(&sb, u->skip)) {
		cnt->corrupt++;
		return queued;
	}
	while ((ret = ring_subbuf_next(&sb, &ev)) == 1) {
		if (cnt->types && ev.len >= 2)
			note_type(cnt->types, ev.payload, swap);
		if (m) {
			ring_merge_push(m, stream, ev.ts, ev.payload, ev.len);
			queued++;
		}
		cnt->events++;
		cnt->last_ts = ev.ts;
	}
	if (ret < 0)
		cnt->corrupt++;
	return queued;
}
