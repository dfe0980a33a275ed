// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the sub-buffer decoder on handcrafted sub-buffers, in this machine's byte order
 * and again in the other one (a trace.dat written on another machine).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ring_internal.h"
#include "subbuf_merge.h"


#define PAGE 4096
#define HOST_BIG	(__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/* Build and decode sub-buffers in the other byte order. */
static bool other;

static int init(struct ring_subbuf *sb, const void *buf, size_t len, unsigned int hdr)
{
	return ring_subbuf_init_order(sb, buf, len, hdr, other);
}

static uint32_t order32(uint32_t v)
{
	return other ? __builtin_bswap32(v) : v;
}

static uint64_t order64(uint64_t v)
{
	return other ? __builtin_bswap64(v) : v;
}

/* A sub-buffer under construction. */
struct page {
	uint8_t buf[PAGE];
	unsigned int hdr;	/* header size */
	uint32_t len;		/* bytes of events written */
};

static void page_start(struct page *p, unsigned int hdr, uint64_t ts)
{
	memset(p->buf, 0, sizeof(p->buf));
	p->hdr = hdr;
	p->len = 0;
	ts = order64(ts);
	memcpy(p->buf, &ts, 8);
}

/* Set the commit word: size | flags, sign-extended like the kernel on 64-bit. */
static void page_commit(struct page *p, uint32_t word)
{
	if (p->hdr == 16) {
		uint64_t c = order64((uint64_t)(int64_t)(int32_t)word);

		memcpy(p->buf + 8, &c, 8);
	} else {
		word = order32(word);
		memcpy(p->buf + 8, &word, 4);
	}
}

static void put32(struct page *p, uint32_t v)
{
	v = order32(v);
	memcpy(p->buf + p->hdr + p->len, &v, 4);
	p->len += 4;
}

/* The header word's bit fields are laid out in the writer's byte order. */
static void put_hdr(struct page *p, unsigned int type_len, uint32_t delta)
{
	if (HOST_BIG != other)
		put32(p, type_len << 27 | delta);
	else
		put32(p, type_len | delta << 5);
}

/* A loss count after the data, a long of the page's kernel. */
static void put_lost(struct page *p, int64_t n)
{
	uint32_t n32 = order32((uint32_t)n);
	uint64_t n64 = order64((uint64_t)n);

	if (p->hdr == 16)
		memcpy(p->buf + 16 + p->len, &n64, 8);
	else
		memcpy(p->buf + 12 + p->len, &n32, 4);
}

/* A compact record: type_len 1..28, payload bytes filled with fill. */
static const uint8_t *put_compact(struct page *p, unsigned int type_len, uint32_t delta,
				  uint8_t fill)
{
	const uint8_t *payload;

	put_hdr(p, type_len, delta);
	payload = p->buf + p->hdr + p->len;
	memset(p->buf + p->hdr + p->len, fill, 4 * type_len);
	p->len += 4 * type_len;
	return payload;
}

/* A type_len 0 record with an explicit length; the next record starts right after it. */
static const uint8_t *put_long(struct page *p, uint32_t delta, uint32_t nbytes, uint8_t fill)
{
	const uint8_t *payload;

	put_hdr(p, 0, delta);
	put32(p, nbytes + 4);
	payload = p->buf + p->hdr + p->len;
	memset(p->buf + p->hdr + p->len, fill, nbytes);
	p->len += nbytes;
	return payload;
}

static void put_extend(struct page *p, uint64_t delta)
{
	put_hdr(p, 30, delta & 0x7ffffff);
	put32(p, delta >> 27);
}

static void put_abs(struct page *p, uint64_t ts)
{
	put_hdr(p, 31, ts & 0x7ffffff);
	put32(p, (ts >> 27) & 0xffffffff);
}

static void put_discarded(struct page *p, uint32_t delta, uint32_t nbytes)
{
	put_hdr(p, 29, delta);
	put32(p, nbytes);
	memset(p->buf + p->hdr + p->len, 0xee, nbytes - 4);
	p->len += nbytes - 4;
}

static void test_empty(void)
{
	struct ring_subbuf sb;
	struct ring_subbuf_event ev;
	struct page p;

	page_start(&p, 16, 1000);
	page_commit(&p, 0);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(sb.page_ts == 1000);
	CHECK(!sb.missed && sb.lost == 0 && !sb.corrupt);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);
}

static void test_every_compact_type(void)
{
	const uint8_t *payloads[29];
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;
	unsigned int t;
	uint64_t ts = 5000;

	page_start(&p, 16, ts);
	for (t = 1; t <= 28; t++)
		payloads[t] = put_compact(&p, t, t * 3, (uint8_t)t);
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	for (t = 1; t <= 28; t++) {
		ts += t * 3;
		CHECK(ring_subbuf_next(&sb, &ev) == 1);
		CHECK(ev.ts == ts);
		CHECK(ev.payload == payloads[t]);
		CHECK(ev.len == 4 * t);
		CHECK(((const uint8_t *)ev.payload)[ev.len - 1] == t);
	}
	CHECK(ring_subbuf_next(&sb, &ev) == 0);
	CHECK(!sb.corrupt);
}

static void test_long_records(void)
{
	const uint8_t *a, *b, *c;
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;

	page_start(&p, 16, 0);
	a = put_long(&p, 1, 200, 0xaa);
	b = put_long(&p, 2, 5, 0xbb);		/* unrounded, as simple_ring_buffer writes */
	c = put_long(&p, 3, 0, 0);		/* empty payload */
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.payload == a && ev.len == 200 && ev.ts == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.payload == b && ev.len == 5 && ev.ts == 3);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.payload == c && ev.len == 0 && ev.ts == 6);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);
}

static void test_time_extend(void)
{
	uint64_t big = (1ULL << 40) + 12345;
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;

	page_start(&p, 16, 100);
	put_compact(&p, 2, 7, 1);
	put_extend(&p, big);
	put_compact(&p, 2, 0, 2);
	put_extend(&p, (1ULL << 27));		/* exactly one unit of the high part */
	put_compact(&p, 2, 1, 3);
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 107);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 107 + big);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 107 + big + (1ULL << 27) + 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);
}

static void test_time_stamp(void)
{
	uint64_t high = 3ULL << 59;
	uint64_t page_ts = high + 1000;
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;

	/* Absolute stamps carry 59 bits; the top bits come from the page time stamp. */
	page_start(&p, 16, page_ts);
	put_abs(&p, 2000);
	put_compact(&p, 1, 0, 1);
	put_compact(&p, 1, 5, 2);
	/* Low bits went backwards: the high part has advanced by one. */
	put_abs(&p, 500);
	put_compact(&p, 1, 0, 3);
	/* An absolute stamp of 59 bits all ones. */
	put_abs(&p, (1ULL << 59) - 1);
	put_compact(&p, 1, 0, 4);
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == high + 2000);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == high + 2005);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == (4ULL << 59) + 500);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == (4ULL << 59) + (1ULL << 59) - 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);

	/* Without high bits in the previous stamp the value is taken as is. */
	page_start(&p, 16, 10);
	put_abs(&p, 7);
	put_compact(&p, 1, 0, 1);
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 7);
}

static void test_padding(void)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;
	const uint8_t *b;

	page_start(&p, 16, 0);
	put_compact(&p, 1, 10, 1);
	put_discarded(&p, 4, 12);		/* discarded event: its delta still counts */
	b = put_compact(&p, 1, 6, 2);
	put_hdr(&p, 29, 0);			/* filler: rest of page */
	put_compact(&p, 1, 1, 3);		/* never reached */
	page_commit(&p, p.len);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 10);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 20 && ev.payload == b);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);
	CHECK(sb.discarded == 1);
}

static void test_missed(void)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;

	/* Missed events, count unknown. */
	page_start(&p, 16, 0);
	put_compact(&p, 1, 0, 1);
	page_commit(&p, p.len | SUBBUF_MISSED_EVENTS);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(sb.missed && sb.lost == -1 && sb.size == 8);
	CHECK(ring_subbuf_next(&sb, &ev) == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);

	/* Missed events with the count stored after the data. */
	page_start(&p, 16, 0);
	put_compact(&p, 1, 0, 1);
	put_lost(&p, 4242);
	page_commit(&p, p.len | SUBBUF_MISSED_EVENTS | SUBBUF_MISSED_STORED);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(sb.missed && sb.lost == 4242 && sb.size == 8);
	CHECK(ring_subbuf_next(&sb, &ev) == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);

	/* A full page with the stored flag but no room for the count: unknown, not read. */
	page_start(&p, 16, 0);
	page_commit(&p, (PAGE - 16) | SUBBUF_MISSED_EVENTS | SUBBUF_MISSED_STORED);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(sb.missed && sb.lost == -1);

	/* The commit seen on 6.18: 0xffffffff80000ff0, a full page after a loss. */
	page_start(&p, 16, 0);
	page_commit(&p, 0x80000ff0);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(sb.missed && sb.lost == -1 && sb.size == 4080);

	/* 32-bit kernel layout: 12-byte header, 4-byte count. */
	page_start(&p, 12, 77);
	put_compact(&p, 2, 3, 9);
	put_lost(&p, 99);
	page_commit(&p, p.len | SUBBUF_MISSED_EVENTS | SUBBUF_MISSED_STORED);
	CHECK(init(&sb, p.buf, PAGE, 12) == 0);
	CHECK(sb.missed && sb.lost == 99 && sb.page_ts == 77);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 80 && ev.len == 8);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);
}

static void test_corrupt_commit(void)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;
	uint64_t c;

	/* Size beyond the buffer. */
	page_start(&p, 16, 0);
	page_commit(&p, PAGE - 16 + 1);
	CHECK(init(&sb, p.buf, PAGE, 16) == -EBADMSG);
	CHECK(sb.corrupt && ring_subbuf_next(&sb, &ev) == 0);

	/* A commit that fits a 4096-byte page but not the 100 bytes actually read. */
	page_start(&p, 16, 0);
	page_commit(&p, 200);
	CHECK(init(&sb, p.buf, 100, 16) == -EBADMSG);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);

	/* Upper half not a sign extension. */
	page_start(&p, 16, 0);
	c = 0x0000000100000010ULL;
	memcpy(p.buf + 8, &c, 8);
	CHECK(init(&sb, p.buf, PAGE, 16) == -EBADMSG);
	c = 0x0000000080000010ULL;		/* bit 31 without the extension */
	memcpy(p.buf + 8, &c, 8);
	CHECK(init(&sb, p.buf, PAGE, 16) == -EBADMSG);
	c = 0xffffffff00000010ULL;		/* extension without bit 31 */
	memcpy(p.buf + 8, &c, 8);
	CHECK(init(&sb, p.buf, PAGE, 16) == -EBADMSG);

	/* STORED without EVENTS. */
	page_start(&p, 16, 0);
	page_commit(&p, 8 | SUBBUF_MISSED_STORED);
	CHECK(init(&sb, p.buf, PAGE, 16) == -EBADMSG);

	/* Buffers shorter than the header, bad header sizes. */
	CHECK(init(&sb, p.buf, 15, 16) == -EBADMSG);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);
	CHECK(init(&sb, p.buf, 0, 16) == -EBADMSG);
	CHECK(init(&sb, p.buf, PAGE, 8) == -EINVAL);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);

	/* A size of exactly the capacity is fine. */
	page_start(&p, 16, 0);
	page_commit(&p, PAGE - 16);
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
}

/* Build a one-record page, then check that decoding stops with -EBADMSG. */
static void expect_corrupt_record(struct page *p, uint32_t commit, int good_before)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	int i;

	page_commit(p, commit);
	CHECK(init(&sb, p->buf, PAGE, 16) == 0);
	for (i = 0; i < good_before; i++)
		CHECK(ring_subbuf_next(&sb, &ev) == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == -EBADMSG);
	CHECK(sb.corrupt);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);
}

static void test_corrupt_records(void)
{
	struct page p;

	/* Compact record longer than the commit. */
	page_start(&p, 16, 0);
	put_compact(&p, 4, 0, 1);
	expect_corrupt_record(&p, 12, 0);

	/* A second record cut after 2 bytes. */
	page_start(&p, 16, 0);
	put_compact(&p, 1, 0, 1);
	put_compact(&p, 1, 0, 1);
	expect_corrupt_record(&p, 10, 1);

	/* type_len 0 whose length runs past the commit, or is huge, or below 4. */
	page_start(&p, 16, 0);
	put_long(&p, 0, 100, 1);
	expect_corrupt_record(&p, 50, 0);
	page_start(&p, 16, 0);
	put_hdr(&p, 0, 0);
	put32(&p, 0xfffffffc);
	expect_corrupt_record(&p, 64, 0);
	page_start(&p, 16, 0);
	put_hdr(&p, 0, 0);
	put32(&p, 3);
	expect_corrupt_record(&p, 64, 0);
	/* type_len 0 with no room for its length word. */
	page_start(&p, 16, 0);
	put_hdr(&p, 0, 0);
	expect_corrupt_record(&p, 4, 0);

	/* TIME_EXTEND and TIME_STAMP cut in half. */
	page_start(&p, 16, 0);
	put_extend(&p, 1ULL << 30);
	expect_corrupt_record(&p, 4, 0);
	page_start(&p, 16, 0);
	put_abs(&p, 1ULL << 30);
	expect_corrupt_record(&p, 6, 0);

	/* Discarded event longer than the data. */
	page_start(&p, 16, 0);
	put_hdr(&p, 29, 3);
	put32(&p, 4000);
	expect_corrupt_record(&p, 64, 0);
	page_start(&p, 16, 0);
	put_hdr(&p, 29, 3);
	put32(&p, 0xffffffff);
	expect_corrupt_record(&p, PAGE - 16, 0);
}

static void test_end_and_skip(void)
{
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;
	struct page p;

	page_start(&p, 16, 1000);
	put_compact(&p, 2, 1, 1);		/* 0..12 */
	put_extend(&p, 1ULL << 33);		/* 12..20 */
	put_compact(&p, 2, 2, 2);		/* 20..32 */
	put_long(&p, 3, 10, 3);			/* 32..50 */
	put_compact(&p, 1, 4, 4);		/* 50..58 */
	page_commit(&p, p.len);

	/* The writer is still on the page: only 32 bytes handed out so far. */
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	ring_subbuf_set_end(&sb, 32);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 1001);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 1003 + (1ULL << 33));
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt && sb.pos == 32);
	ring_subbuf_set_end(&sb, 100);		/* cannot grow past the commit */
	CHECK(sb.end == 32);

	/* Resume after 32 consumed bytes: stamps still count the skipped deltas. */
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_skip(&sb, 32) == 0 && sb.pos == 32);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 1006 + (1ULL << 33) && ev.len == 10);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 1010 + (1ULL << 33) && ev.len == 4);
	CHECK(ring_subbuf_next(&sb, &ev) == 0);

	/* Skipping to an offset inside a record stops after that record. */
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_skip(&sb, 40) == 0 && sb.pos == 50);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.len == 4);

	/* An end inside a record is a truncated record. */
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	ring_subbuf_set_end(&sb, 40);
	CHECK(ring_subbuf_next(&sb, &ev) == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == 1);
	CHECK(ring_subbuf_next(&sb, &ev) == -EBADMSG);

	/* Skipping beyond the end of a page: stops at the end. */
	CHECK(init(&sb, p.buf, PAGE, 16) == 0);
	CHECK(ring_subbuf_skip(&sb, 4000) == 0 && sb.pos == 58);
}

/* A sub-buffer a 64-bit big-endian kernel wrote, byte by byte (header word: type_len << 27). */
static void test_big_endian_bytes(void)
{
	static const uint8_t be[] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* time stamp */
		0xff, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x00, 0x14,	/* commit 20, loss stored */
		0x08, 0x00, 0x00, 0x05, 0xaa, 0xbb, 0xcc, 0xdd,	/* type_len 1, delta 5 */
		0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x08,	/* type_len 0, delta 32, len */
		0x11, 0x22, 0x33, 0x44,				/* ... 8 - 4 bytes */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,	/* 256 lost */
	};
	struct ring_subbuf_event ev;
	struct ring_subbuf sb;

	CHECK(ring_subbuf_init_order(&sb, be, sizeof(be), 16, !HOST_BIG) == 0);
	CHECK(sb.page_ts == 0x0102030405060708ULL && sb.size == 20);
	CHECK(sb.missed && sb.lost == 256);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 0x0102030405060708ULL + 5 && ev.len == 4);
	CHECK(((const uint8_t *)ev.payload)[0] == 0xaa);
	CHECK(ring_subbuf_next(&sb, &ev) == 1 && ev.ts == 0x0102030405060708ULL + 37 &&
	      ev.len == 4);
	CHECK(((const uint8_t *)ev.payload)[0] == 0x11);
	CHECK(ring_subbuf_next(&sb, &ev) == 0 && !sb.corrupt);
}

/* Random bytes, random lengths: must never read out of bounds (run under ASan). */
static void test_random(void)
{
	static uint8_t types[SUBBUF_TYPES_BYTES], cnt_types[SUBBUF_TYPES_BYTES];
	struct source_unit u = { .end = UINT32_MAX };
	struct ring_subbuf_counts cnt;
	struct ring_subbuf_event ev, ev2;
	struct ring_subbuf sb, sb2;
	uint64_t last_ts;
	uint8_t *buf;
	unsigned int seed = 1;
	int i, n, ret, ret2;
	size_t len, j;

	for (i = 0; i < 20000; i++) {
		len = rand_r(&seed) % 300;
		buf = malloc(len ? len : 1);
		for (j = 0; j < len; j++)
			buf[j] = rand_r(&seed);
		if (len >= 16 && (i & 1)) {
			/* Plausible commit so that decoding goes on. */
			int64_t c = rand_r(&seed) % (len - 15);

			memcpy(buf + 8, &c, 8);
		}
		other = i & 4;
		ret = init(&sb, buf, len, (i & 2) ? 12 : 16);
		init(&sb2, buf, len, (i & 2) ? 12 : 16);
		memset(types, 0, sizeof(types));
		last_ts = 0;
		n = 0;
		for (;;) {
			ret = ring_subbuf_next(&sb, &ev);
			/* The inline step and the whole decoder decide every record alike. */
			ret2 = ring_subbuf_decode(&sb2, &ev2);
			CHECK(ret == ret2 && sb.pos == sb2.pos && sb.ts == sb2.ts &&
			      sb.corrupt == sb2.corrupt);
			if (ret != 1)
				break;
			CHECK(ev.ts == ev2.ts && ev.payload == ev2.payload && ev.len == ev2.len);
			CHECK((const uint8_t *)ev.payload >= buf);
			CHECK((const uint8_t *)ev.payload + ev.len <= buf + len);
			if (ev.len >= 2) {
				uint16_t id;

				id = bo_get16(ev.payload, other != BO_HOST);
				types[id >> 3] |= 1 << (id & 7);
			}
			last_ts = ev.ts;
			n++;
		}
		CHECK(ret == 0 || ret == -EBADMSG);
		CHECK(n <= 300 / 4);
		/* Counting alone (a trace.dat capture) finds the same events, types and end. */
		memset(&cnt, 0, sizeof(cnt));
		cnt.types = cnt_types;
		memset(cnt_types, 0, sizeof(cnt_types));
		u.buf = buf;
		u.len = len;
		ring_subbuf_merge(NULL, 0, &u, (i & 2) ? 12 : 16, other, false, &cnt);
		CHECK(cnt.events == (uint64_t)n && (!n || cnt.last_ts == last_ts));
		CHECK(cnt.corrupt == (uint64_t)(sb.corrupt || ret < 0));
		CHECK(!memcmp(types, cnt_types, sizeof(types)));
		free(buf);
	}
	other = false;
}

int main(void)
{
	for (int i = 0; i < 2; i++) {
		other = i;
		test_empty();
		test_every_compact_type();
		test_long_records();
		test_time_extend();
		test_time_stamp();
		test_padding();
		test_missed();
		test_corrupt_records();
		test_end_and_skip();
	}
	other = false;
	/* Commit words written raw: this machine's order only. */
	test_corrupt_commit();
	test_big_endian_bytes();
	test_random();
	CHECK_DONE();
}
