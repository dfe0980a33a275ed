// SPDX-License-Identifier: GPL-2.0
/* Encoding events into ring-buffer sub-buffers; see subbuf_write.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "subbuf_write.h"
#include "util.h"

#define TYPE_TIME_EXTEND 30
#define MAX_COMPACT_WORDS 28		/* type_len 1..28: payload of 4..112 bytes */
#define DELTA_BITS 27
#define MISSED_EVENTS (1U << 31)
#define MISSED_STORED (1U << 30)
#define LOST_COUNT_SIZE 8		/* a long after the data */

void ring_subbuf_writer_init(struct ring_subbuf_writer *w, size_t size, ring_subbuf_emit_fn emit,
			     void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->size = size;
	w->page = xcalloc(1, size);
	w->emit = emit;
	w->ctx = ctx;
	w->lost_known = true;
}

/* The header word: type_len in bits 0-4, time_delta in bits 5-31 (little-endian layout). */
static uint32_t event_word(uint32_t type_len, uint32_t delta)
{
	return type_len | delta << 5;
}

/* Bytes of event data this sub-buffer can hold, keeping room for a stored lost count. */
static size_t capacity(const struct ring_subbuf_writer *w)
{
	return w->size - SUBBUF_HDR_SIZE - (w->missed && w->lost_known ? LOST_COUNT_SIZE : 0);
}

int ring_subbuf_writer_flush(struct ring_subbuf_writer *w)
{
	uint32_t commit;
	int err;

	if (!w->started && !w->missed)
		return w->err;
	if (!w->started)
		bo_put64(w->page, w->last_ts, BO_HOST);
	commit = w->used;
	if (w->missed) {
		commit |= MISSED_EVENTS;
		if (w->lost_known) {
			bo_put64(w->page + SUBBUF_HDR_SIZE + w->used, w->lost, BO_HOST);
			commit |= MISSED_STORED;
		}
	}
	/* The kernel adds the flags as an int to a long: the stored commit is sign-extended. */
	bo_put64(w->page + 8, (uint64_t)(int64_t)(int32_t)commit, BO_HOST);
	err = w->emit(w->ctx, w->page, w->size);
	if (err && !w->err)
		w->err = err;
	memset(w->page, 0, w->size);
	w->used = 0;
	w->started = false;
	w->missed = false;
	w->lost_known = true;
	w->lost = 0;
	return w->err;
}

void ring_subbuf_writer_lost(struct ring_subbuf_writer *w, uint64_t count, bool known)
{
	/* The kernel reports a loss on the sub-buffer that follows it. */
	if (w->started)
		ring_subbuf_writer_flush(w);
	w->missed = true;
	w->lost += count;
	if (!known)
		w->lost_known = false;
}

int ring_subbuf_writer_add(struct ring_subbuf_writer *w, uint64_t ts, const void *payload,
			   uint32_t len)
{
	uint32_t padded = (len + 3) & ~3U;
	bool compact = padded && padded / 4 <= MAX_COMPACT_WORDS;
	size_t need = 4 + (compact ? 0 : 4) + (size_t)padded;
	uint64_t delta = 0;
	uint8_t *p;

	/* Even an empty sub-buffer with a stored count and a time extend must take it. */
	if (need + 8 > w->size - SUBBUF_HDR_SIZE - LOST_COUNT_SIZE || len > padded)
		return -E2BIG;
	/*
	 * A delta cannot be negative: a time that went back (a faulty remote clock) starts a new
	 * sub-buffer, whose header carries it whole, so every event keeps the stamp it came
	 * with and its place in the CPU's order.
	 */
	if (w->started && ts < w->last_ts) {
		w->backwards++;
		ring_subbuf_writer_flush(w);
	}
	if (w->started)
		delta = ts - w->last_ts;
	/* A TIME_EXTEND holds 59 bits; beyond that a new sub-buffer carries the full time. */
	if (w->started && ((delta >> (DELTA_BITS + 32)) ||
			   w->used + (delta >> DELTA_BITS ? 8 : 0) + need > capacity(w))) {
		ring_subbuf_writer_flush(w);
		delta = 0;
	}
	if (!w->started) {
		bo_put64(w->page, ts, BO_HOST);
		w->started = true;
	}
	p = w->page + SUBBUF_HDR_SIZE + w->used;
	if (delta >> DELTA_BITS) {
		bo_put32(p, event_word(TYPE_TIME_EXTEND, delta & ((1U << DELTA_BITS) - 1)),
			 BO_HOST);
		bo_put32(p + 4, delta >> DELTA_BITS, BO_HOST);
		p += 8;
		w->used += 8;
		delta = 0;
	}
	if (compact) {
		bo_put32(p, event_word(padded / 4, delta), BO_HOST);
		memcpy(p + 4, payload, len);
	} else {
		bo_put32(p, event_word(0, delta), BO_HOST);
		bo_put32(p + 4, padded + 4, BO_HOST);
		memcpy(p + 8, payload, len);
	}
	w->used += need;
	w->last_ts = ts;
	return w->err;
}

void ring_subbuf_writer_free(struct ring_subbuf_writer *w)
{
	free(w->page);
	w->page = NULL;
}
