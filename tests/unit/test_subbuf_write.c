// SPDX-License-Identifier: GPL-2.0
/*
 * The sub-buffer encoder, checked by an independent decoder: libtraceevent's kbuffer, which
 * trace-cmd uses to read the same pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kbuffer.h>

#include "check.h"
#include "subbuf_write.h"

#define PAGE 4096
#define MAX_PAGES 64

struct pages {
	uint8_t data[MAX_PAGES][PAGE];
	int nr;
};

static int collect(void *ctx, const void *subbuf, size_t size)
{
	struct pages *p = ctx;

	if (size != PAGE || p->nr == MAX_PAGES)
		return -1;
	memcpy(p->data[p->nr++], subbuf, size);
	return 0;
}

struct decoded {
	unsigned long long ts;
	int size;
	uint8_t first;
	int missed;
};

/* Every event of every page, in order; returns the count. */
static int decode(struct pages *p, struct decoded *out, int max)
{
	struct kbuffer *kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	int n = 0;

	for (int i = 0; i < p->nr; i++) {
		unsigned long long ts;
		void *ev;

		if (kbuffer_load_subbuffer(kb, p->data[i]) < 0)
			break;
		for (ev = kbuffer_read_event(kb, &ts); ev && n < max;
		     ev = kbuffer_next_event(kb, &ts)) {
			out[n].ts = ts;
			out[n].size = kbuffer_event_size(kb);
			out[n].first = *(uint8_t *)ev;
			out[n].missed = kbuffer_missed_events(kb);
			n++;
		}
	}
	kbuffer_free(kb);
	return n;
}

static void test_sizes_and_deltas(void)
{
	static const uint32_t sizes[] = { 1, 4, 5, 8, 111, 112, 113, 200, 1000 };
	struct pages *p = calloc(1, sizeof(*p));
	struct ring_subbuf_writer w;
	struct decoded d[64];
	uint8_t payload[1000];
	uint64_t ts = 1000;
	int n;

	ring_subbuf_writer_init(&w, PAGE, collect, p);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(payload, (int)i + 1, sizeof(payload));
		/* Every other event needs a TIME_EXTEND (delta over 27 bits). */
		ts += i % 2 ? 5ULL << 30 : 7;
		CHECK(ring_subbuf_writer_add(&w, ts, payload, sizes[i]) == 0);
	}
	CHECK(ring_subbuf_writer_flush(&w) == 0);
	CHECK(p->nr == 1);
	n = decode(p, d, 64);
	CHECK(n == 9);
	ts = 1000;
	for (int i = 0; i < n; i++) {
		ts += i % 2 ? 5ULL << 30 : 7;
		CHECK(d[i].ts == ts);
		CHECK(d[i].size == (int)((sizes[i] + 3) & ~3U));
		CHECK(d[i].first == i + 1);
		CHECK(d[i].missed == 0);
	}
	ring_subbuf_writer_free(&w);
	free(p);
}

static void test_page_boundaries(void)
{
	struct pages *p = calloc(1, sizeof(*p));
	struct ring_subbuf_writer w;
	struct decoded d[1000];
	uint8_t payload[64] = { 0 };
	int n;

	ring_subbuf_writer_init(&w, PAGE, collect, p);
	/* 68 bytes per event: 60 fit in 4080 bytes of data. */
	for (int i = 0; i < 150; i++) {
		payload[0] = i;
		CHECK(ring_subbuf_writer_add(&w, 100 + i, payload, 64) == 0);
	}
	CHECK(ring_subbuf_writer_flush(&w) == 0);
	CHECK(p->nr == 3);
	n = decode(p, d, 1000);
	CHECK(n == 150);
	for (int i = 0; i < n; i++)
		CHECK(d[i].ts == 100ULL + i && d[i].first == i);
	ring_subbuf_writer_free(&w);
	free(p);
}

static void test_lost(void)
{
	struct pages *p = calloc(1, sizeof(*p));
	struct ring_subbuf_writer w;
	struct decoded d[16];
	uint8_t payload[8] = { 9 };
	uint64_t commit;
	int n;

	ring_subbuf_writer_init(&w, PAGE, collect, p);
	CHECK(ring_subbuf_writer_add(&w, 10, payload, 8) == 0);
	ring_subbuf_writer_lost(&w, 1234, true);
	CHECK(ring_subbuf_writer_add(&w, 20, payload, 8) == 0);
	CHECK(ring_subbuf_writer_add(&w, 30, payload, 8) == 0);
	ring_subbuf_writer_lost(&w, 0, false);
	CHECK(ring_subbuf_writer_add(&w, 40, payload, 8) == 0);
	/* A loss at the very end still reaches a sub-buffer of its own. */
	ring_subbuf_writer_lost(&w, 5, true);
	CHECK(ring_subbuf_writer_flush(&w) == 0);
	CHECK(p->nr == 4);
	n = decode(p, d, 16);
	CHECK(n == 4);
	CHECK(d[0].missed == 0 && d[1].missed == 1234 && d[2].missed == 0);
	/* kbuffer gives -1 for "lost, count unknown". */
	CHECK(d[3].missed == -1);
	memcpy(&commit, p->data[1] + 8, 8);
	CHECK(commit == 0xffffffffc0000018ULL);
	memcpy(&commit, p->data[2] + 8, 8);
	CHECK(commit == 0xffffffff8000000cULL);
	memcpy(&commit, p->data[3] + 8, 8);
	CHECK(commit == 0xffffffffc0000000ULL);
	memcpy(&commit, p->data[3] + 16, 8);
	CHECK(commit == 5);
	ring_subbuf_writer_free(&w);
	free(p);
}

static void test_refused_and_backwards(void)
{
	struct pages *p = calloc(1, sizeof(*p));
	struct ring_subbuf_writer w;
	static uint8_t big[PAGE];
	struct decoded d[6];

	ring_subbuf_writer_init(&w, PAGE, collect, p);
	CHECK(ring_subbuf_writer_add(&w, 1, big, PAGE - 16) == -E2BIG);
	CHECK(ring_subbuf_writer_add(&w, 1, big, 4000) == 0);
	CHECK(ring_subbuf_writer_add(&w, 50, big, 4) == 0);
	CHECK(ring_subbuf_writer_add(&w, 40, big, 4) == 0);
	CHECK(w.backwards == 1);
	/* Stamps near 2^64 ns (a hypervisor's clock fault) and back: each kept as it came. */
	CHECK(ring_subbuf_writer_add(&w, 18446744073709551000ULL, big, 4) == 0);
	CHECK(ring_subbuf_writer_add(&w, 41, big, 4) == 0);
	CHECK(w.backwards == 2);
	CHECK(ring_subbuf_writer_flush(&w) == 0);
	CHECK(decode(p, d, 6) == 5);
	CHECK(d[1].ts == 50 && d[2].ts == 40 && d[3].ts == 18446744073709551000ULL &&
	      d[4].ts == 41);
	ring_subbuf_writer_free(&w);
	free(p);
}

int main(void)
{
	test_sizes_and_deltas();
	test_page_boundaries();
	test_lost();
	test_refused_and_backwards();
	CHECK_DONE();
}
