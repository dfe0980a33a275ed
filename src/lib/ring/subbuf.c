// SPDX-License-Identifier: GPL-2.0
/*
 * Bounds-checked sub-buffer decoder. Written by hand rather than with libtraceevent's kbuffer
 * because kbuffer 1.7.1 (Debian 12) trusts the commit size and record lengths, cannot stop at
 * a reader offset below the commit (a page the writer still fills) and does not correct
 * absolute time stamps that wrapped; this module must be safe on any bytes (it is fuzzed).
 */
#include <errno.h>
#include <string.h>

#include "byteorder.h"
#include "ring_internal.h"

/* The 5 most significant bits an absolute TIME_STAMP record does not carry (59 bits do). */
#define TS_MSB_MASK	(0x1fULL << 59)
#define TS_LOW_BITS	59

/* In the writing kernel's byte order. */
static uint32_t get32(const struct ring_subbuf *sb, const uint8_t *p)
{
	return bo_get32(p, sb->swap != BO_HOST);
}

static uint64_t get64(const struct ring_subbuf *sb, const uint8_t *p)
{
	return bo_get64(p, sb->swap != BO_HOST);
}

/* Split a record header word; the bit-field order follows the writing kernel's byte order. */
static void split_header(const struct ring_subbuf *sb, uint32_t word, unsigned int *type_len,
			 uint32_t *delta)
{
	if (BO_HOST == sb->swap) {
		*type_len = word & 0x1f;
		*delta = word >> 5;
	} else {
		*type_len = word >> 27;
		*delta = word & 0x07ffffff;
	}
}

int ring_subbuf_init(struct ring_subbuf *sb, const void *buf, size_t len, unsigned int hdr_size)
{
	return ring_subbuf_init_order(sb, buf, len, hdr_size, false);
}

int ring_subbuf_init_order(struct ring_subbuf *sb, const void *buf, size_t len,
			   unsigned int hdr_size,
		      bool swap)
{
	const uint8_t *p = buf;
	uint64_t commit;
	uint32_t word, size, capacity;
	unsigned int long_size;

	memset(sb, 0, sizeof(*sb));
	sb->swap = swap;
	if (hdr_size != SUBBUF_HDR_SIZE_64 && hdr_size != SUBBUF_HDR_SIZE_32)
		return -EINVAL;
	long_size = hdr_size - 8;
	sb->data = p;
	if (len < hdr_size) {
		sb->corrupt = true;
		return -EBADMSG;
	}
	sb->data = p + hdr_size;
	sb->page_ts = get64(sb, p);
	sb->ts = sb->page_ts;
	capacity = len - hdr_size > UINT32_MAX ? UINT32_MAX : (uint32_t)(len - hdr_size);

	/*
	 * commit is a long. The kernel adds the flags as a negative int, so on 64-bit kernels a
	 * flagged commit is sign-extended: the upper half must copy bit 31.
	 */
	if (long_size == 8) {
		commit = get64(sb, p + 8);
		word = (uint32_t)commit;
		if ((commit >> 32) != ((word & SUBBUF_MISSED_EVENTS) ? 0xffffffffULL : 0)) {
			sb->corrupt = true;
			return -EBADMSG;
		}
	} else {
		word = get32(sb, p + 8);
	}
	size = word & SUBBUF_SIZE_MASK;
	if (size > capacity) {
		sb->corrupt = true;
		return -EBADMSG;
	}
	if (word & SUBBUF_MISSED_EVENTS) {
		sb->missed = true;
		sb->lost = -1;
		/* The count is stored only when a long fitted after the data. */
		if ((word & SUBBUF_MISSED_STORED) && capacity - size >= long_size) {
			int64_t n = long_size == 8 ? (int64_t)get64(sb, sb->data + size)
						   : (int32_t)get32(sb, sb->data + size);

			sb->lost = n > 0 ? n : -1;
		}
	} else if (word & SUBBUF_MISSED_STORED) {
		/* STORED without EVENTS is not something the kernel writes. */
		sb->corrupt = true;
		return -EBADMSG;
	}
	sb->size = size;
	sb->end = size;
	return 0;
}

void ring_subbuf_set_end(struct ring_subbuf *sb, uint32_t end)
{
	if (end < sb->end)
		sb->end = end;
}

/* Put the high bits back on a 59-bit absolute stamp the way the kernel's reader does. */
static uint64_t restore_abs_ts(uint64_t abs, uint64_t prev)
{
	if (!(prev & TS_MSB_MASK))
		return abs;
	abs |= prev & TS_MSB_MASK;
	if (abs < prev)		/* the low bits wrapped since prev */
		abs += 1ULL << TS_LOW_BITS;
	return abs;
}

/*
 * Decode the record at sb->pos. Returns 1 for a data event (ev filled), 2 for any other record
 * consumed, 0 at the end, -EBADMSG on a corrupt record.
 */
static int decode_one(struct ring_subbuf *sb, struct ring_subbuf_event *ev)
{
	uint32_t avail, word, delta, arg = 0, len;
	unsigned int type_len;
	const uint8_t *rec;

	if (sb->corrupt || sb->pos >= sb->end)
		return 0;
	avail = sb->end - sb->pos;
	if (avail < 4)
		goto corrupt;
	rec = sb->data + sb->pos;
	word = get32(sb, rec);
	split_header(sb, word, &type_len, &delta);

	if (type_len == 0 || type_len >= SUBBUF_TYPE_PADDING) {
		if (type_len == SUBBUF_TYPE_PADDING && delta == 0) {
			/* Filler up to the end of the sub-buffer. */
			sb->pos = sb->end;
			return 0;
		}
		if (avail < 8)
			goto corrupt;
		arg = get32(sb, rec + 4);
	}

	switch (type_len) {
	case SUBBUF_TYPE_PADDING:
		/* A discarded event: arg is its length after the header word. */
		if (arg > avail - 4)
			goto corrupt;
		/*
		 * The writer computed the next delta from the discarded event's time, so add its
		 * delta (as libtraceevent does; the kernel's own reader leaves it out).
		 */
		sb->ts += delta;
		sb->pos += 4 + arg;
		sb->discarded++;
		return 2;
	case SUBBUF_TYPE_TIME_EXTEND:
		sb->ts += ((uint64_t)arg << 27) + delta;
		sb->pos += 8;
		return 2;
	case SUBBUF_TYPE_TIME_STAMP:
		sb->ts = restore_abs_ts(((uint64_t)arg << 27) | delta, sb->ts);
		sb->pos += 8;
		return 2;
	case 0:
		/* arg is the length after the header word, itself included. */
		if (arg < 4 || arg > avail - 4)
			goto corrupt;
		len = arg - 4;
		sb->ts += delta;
		ev->ts = sb->ts;
		ev->payload = rec + 8;
		ev->len = len;
		sb->pos += 4 + arg;
		return 1;
	default:
		len = 4 * type_len;
		if (len > avail - 4)
			goto corrupt;
		sb->ts += delta;
		ev->ts = sb->ts;
		ev->payload = rec + 4;
		ev->len = len;
		sb->pos += 4 + len;
		return 1;
	}

corrupt:
	sb->corrupt = true;
	return -EBADMSG;
}

int ring_subbuf_decode(struct ring_subbuf *sb, struct ring_subbuf_event *ev)
{
	int ret;

	do {
		ret = decode_one(sb, ev);
	} while (ret == 2);
	return ret;
}

int ring_subbuf_skip(struct ring_subbuf *sb, uint32_t offset)
{
	struct ring_subbuf_event ev;
	int ret;

	while (sb->pos < offset) {
		ret = decode_one(sb, &ev);
		if (ret <= 0)
			return ret;
	}
	return 0;
}
