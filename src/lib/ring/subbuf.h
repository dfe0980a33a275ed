/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder of one ring-buffer sub-buffer (a page of trace_pipe_raw, read or mapped). The input
 * is untrusted: whatever its bytes say, nothing outside the given buffer is read, and every
 * call makes progress, so a corrupt sub-buffer ends the iteration instead of looping.
 *
 * Layout (docs/kernel-interface.md, section 7): a header of hdr_size bytes (16 on 64-bit kernels,
 * 12 on 32-bit ones) holding the page time stamp and the commit word, then the events, all in
 * the byte order of the kernel that wrote them (a trace.dat may come from another machine).
 */
#ifndef REMOTECTL_SUBBUF_H
#define REMOTECTL_SUBBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byteorder.h"

#define SUBBUF_HDR_SIZE_64	16
#define SUBBUF_HDR_SIZE_32	12

struct ring_subbuf {
	const uint8_t *data;	/* first event */
	uint32_t size;		/* bytes of events the header claims (flags removed) */
	uint32_t end;		/* decode up to here: size, or less (ring_subbuf_set_end()) */
	uint32_t pos;		/* offset of the next event header in data */
	uint64_t page_ts;	/* the sub-buffer's time stamp */
	uint64_t ts;		/* running time stamp */
	bool missed;		/* the commit word's missed-events flag was set */
	int64_t lost;		/* events lost before this sub-buffer: 0, a count, or -1 unknown */
	bool corrupt;		/* a bad header or event was met; decoding stopped there */
	uint32_t discarded;	/* padding records of discarded events skipped so far */
	bool swap;		/* written in the other byte order than this machine's */
};

struct ring_subbuf_event {
	uint64_t ts;		/* absolute time stamp, in trace clock units */
	const void *payload;	/* inside the caller's buffer */
	uint32_t len;		/* payload bytes (4-byte units for compact records) */
};

/*
 * Start decoding buf (len bytes: the whole sub-buffer or as much as was read). hdr_size is 16
 * or 12. Returns 0, or -EINVAL for a bad hdr_size, or -EBADMSG when the header is corrupt
 * (commit flags/size impossible for len); sb is then set up to yield nothing.
 */
int ring_subbuf_init(struct ring_subbuf *sb, const void *buf, size_t len, unsigned int hdr_size);

/* ring_subbuf_next() for every kind of record (the decoder itself). */
int ring_subbuf_decode(struct ring_subbuf *sb, struct ring_subbuf_event *ev);

/* Whether the inline steps below may decode sb: a little-endian one, not stopped. */
static inline bool ring_subbuf_fast(const struct ring_subbuf *sb)
{
	return sb->swap == BO_HOST && !sb->corrupt;
}

/*
 * The payload length of a compact data record, a little-endian data event of up to 112 bytes
 * (type_len 1-28) whose header word is word, with avail >= 4 bytes from its start; 0 for any
 * other record or one that does not fit.
 */
static inline uint32_t ring_subbuf_compact_len(uint32_t word, uint32_t avail)
{
	uint32_t type_len = word & 0x1f, len = 4 * type_len;

	if (type_len == 0 || type_len > 28 || len > avail - 4)
		return 0;
	return len;
}

/*
 * The bytes taken by a long data record at rec (type_len 0, its length in the next word;
 * avail >= 4 bytes from it) that fits, *len then its payload's length; 0 for any other.
 */
static inline uint32_t ring_subbuf_long_size(const uint8_t *rec, uint32_t avail, uint32_t *len)
{
	uint32_t arg;

	if ((bo_get32(rec, BO_LITTLE) & 0x1f) || avail < 8)
		return 0;
	/* The length after the header word, itself included. */
	arg = bo_get32(rec + 4, BO_LITTLE);
	if (arg < 4 || arg > avail - 4)
		return 0;
	*len = arg - 4;
	return 4 + arg;
}

/*
 * The bytes taken by the data record at rec (avail >= 4 bytes from it) when it is a compact
 * or a long one that fits; 0 for any other record. *len is then its payload's length, the
 * payload being the record's last *len bytes.
 */
static inline uint32_t ring_subbuf_data_size(const uint8_t *rec, uint32_t avail, uint32_t *len)
{
	*len = ring_subbuf_compact_len(bo_get32(rec, BO_LITTLE), avail);
	return *len ? 4 + *len : ring_subbuf_long_size(rec, avail, len);
}

/*
 * The next data event: 1 and *ev filled, 0 at the end, -EBADMSG when a corrupt record stops
 * decoding (sb->corrupt is set; later calls return 0).
 *
 * Inline for the common data records (ring_subbuf_data_size()), because callers take millions
 * of them: a call per event was about a tenth of a getpid trace.dat capture's CPU
 * (bench/RESULTS.md). Any other record, or less room than the record needs, goes to
 * ring_subbuf_decode(), which decides the same record the same way.
 */
static inline int ring_subbuf_next(struct ring_subbuf *sb, struct ring_subbuf_event *ev)
{
	uint32_t avail = sb->pos < sb->end ? sb->end - sb->pos : 0;
	uint32_t size, len;
	const uint8_t *rec;

	if (!ring_subbuf_fast(sb) || avail < 4)
		return ring_subbuf_decode(sb, ev);
	rec = sb->data + sb->pos;
	size = ring_subbuf_data_size(rec, avail, &len);
	if (!size)
		return ring_subbuf_decode(sb, ev);
	sb->ts += bo_get32(rec, BO_LITTLE) >> 5;
	ev->ts = sb->ts;
	ev->payload = rec + size - len;
	ev->len = len;
	sb->pos += size;
	return 1;
}

/*
 * Skip the events that end at or before offset bytes of data, keeping the running time
 * stamp right (bytes a previous reader consumed). Returns 0 or -EBADMSG.
 */
int ring_subbuf_skip(struct ring_subbuf *sb, uint32_t offset);

#endif
