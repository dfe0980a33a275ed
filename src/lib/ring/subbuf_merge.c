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

/*
 * Count the events left in sb (nothing to merge): the common records with the position, time
 * stamp and count in registers, the decoder called only for the others. Through
 * ring_subbuf_next() they went through memory for every event (the decoder may change sb,
 * and the type id's byte store may alias anything), a visible part of a trace.dat capture of
 * small events (bench/RESULTS.md, fifteenth session).
 */
static int count_events(struct ring_subbuf *sb, bool swap, struct ring_subbuf_counts *cnt)
{
	uint8_t *types = cnt->types;
	uint32_t last_id = UINT32_MAX;	/* noted already: a run of one event type stores once */
	struct ring_subbuf_event ev;
	int ret;

	for (;;) {
		const uint8_t *data = sb->data;
		uint32_t pos = sb->pos, end = sb->end, size, len, id;
		uint64_t ts = sb->ts, n = 0;
		bool fast = ring_subbuf_fast(sb);

		while (fast && pos < end && end - pos >= 4) {
			uint32_t word = bo_get32(data + pos, BO_LITTLE), off = 4;

			/* Compact records first: small events, the most per byte, skip the rest. */
			len = ring_subbuf_compact_len(word, end - pos);
			size = 4 + len;
			if (!len) {
				size = ring_subbuf_long_size(data + pos, end - pos, &len);
				if (!size)
					break;
				off = 8;
			}
			ts += word >> 5;
			if (types && len >= 2) {
				id = bo_get16(data + pos + off, BO_LITTLE);
				if (id != last_id) {
					types[id >> 3] |= 1 << (id & 7);
					last_id = id;
				}
			}
			pos += size;
			n++;
		}
		if (n) {
			sb->pos = pos;
			sb->ts = ts;
			cnt->events += n;
			cnt->last_ts = ts;
		}
		ret = ring_subbuf_decode(sb, &ev);
		if (ret != 1)
			return ret;
		if (types && ev.len >= 2)
			note_type(types, ev.payload, swap);
		cnt->events++;
		cnt->last_ts = ev.ts;
	}
}

int ring_subbuf_merge(struct ring_merge *m, int stream, const struct source_unit *u,
		      unsigned int hdr_size, bool swap, bool ref, struct ring_subbuf_counts *cnt)
{
	struct ring_subbuf_counts none = { 0 };
	struct ring_subbuf sb;
	int queued = 0;

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
	/* Counted ahead (the merge decodes the events only as they go out), when asked. */
	if (cnt != &none || !m) {
		struct ring_subbuf ahead = sb;

		if (count_events(&ahead, swap, cnt) < 0)
			cnt->corrupt++;
	}
	if (m && ring_merge_push_subbuf(m, stream, &sb, ref))
		queued++;
	return queued;
}
