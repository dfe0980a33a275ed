// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the per-CPU merge and its release rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ring_internal.h"
#include "subbuf_merge.h"
#include "subbuf_write.h"


static void push_u32(struct ring_merge *m, int stream, uint64_t ts, uint32_t v)
{
	ring_merge_push(m, stream, ts, &v, sizeof(v));
}

static uint32_t val(const struct ring_merge_event *ev)
{
	uint32_t v;

	memcpy(&v, ev->data, sizeof(v));
	return v;
}

/* ring_merge_caught_up_at(): only what was queued by then may pass an empty stream. */
static void test_caught_up_at(void)
{
	struct ring_merge *m = ring_merge_new(2);
	struct ring_merge_event ev;
	uint64_t then;

	push_u32(m, 0, 10, 1);
	then = ring_merge_seq(m);
	push_u32(m, 0, 20, 2);
	ring_merge_caught_up_at(m, 1, then);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 10);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	/* A later, older event of stream 1 still goes out first. */
	push_u32(m, 1, 15, 3);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 15 && ev.stream == 1);
	ring_merge_caught_up_at(m, 1, ring_merge_seq(m));
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 20);
	/* An older mark never takes back a newer one. */
	ring_merge_caught_up_at(m, 1, 0);
	push_u32(m, 0, 30, 4);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_free(m);
}

/*
 * Stamps from reader threads (capture.c's replay): units stamped 1 and 3 on stream 0, stream 1
 * found caught up at stamp 2 -- only the unit stamped 1 may pass it.
 */
static void test_advance_seq(void)
{
	struct ring_merge *m = ring_merge_new(2);
	struct ring_merge_event ev;

	ring_merge_advance_seq(m, 1ULL << 32);
	push_u32(m, 0, 10, 1);
	push_u32(m, 0, 11, 2);
	ring_merge_advance_seq(m, 3ULL << 32);
	push_u32(m, 0, 30, 3);
	CHECK(ring_merge_seq(m) == (3ULL << 32) + 1);
	ring_merge_advance_seq(m, 2ULL << 32);	/* never back */
	CHECK(ring_merge_seq(m) == (3ULL << 32) + 1);
	ring_merge_caught_up_at(m, 1, 2ULL << 32);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && val(&ev) == 1);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && val(&ev) == 2);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up_at(m, 1, 4ULL << 32);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && val(&ev) == 3);
	ring_merge_free(m);
}

static void test_order_and_rule(void)
{
	struct ring_merge *m = ring_merge_new(3);
	struct ring_merge_event ev;

	push_u32(m, 0, 10, 100);
	push_u32(m, 0, 30, 101);
	push_u32(m, 1, 20, 200);
	/* Stream 2 has never been checked: nothing may go out. */
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up(m, 2);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 10 && ev.stream == 0 &&
	      val(&ev) == 100);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 20 && ev.stream == 1 &&
	      val(&ev) == 200);
	/* Stream 1 is empty now and was never found caught up. */
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up(m, 1);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 30 && val(&ev) == 101);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	CHECK(ring_merge_queued(m) == 0);

	/* An event queued after a stream's last check waits for the next check. */
	push_u32(m, 0, 40, 102);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up(m, 1);
	CHECK(ring_merge_pop(m, false, &ev) == 0);	/* stream 2 still old */
	ring_merge_end(m, 2);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.ts == 40);
	ring_merge_free(m);
}

/* Equal stamps on several streams: the lower stream first, whatever arrived first. */
static void test_ties(void)
{
	struct ring_merge *m = ring_merge_new(3);
	struct ring_merge_event ev;

	push_u32(m, 2, 10, 1);
	push_u32(m, 1, 10, 2);
	push_u32(m, 2, 10, 3);
	ring_merge_push_lost(m, 0, 10, 5);
	push_u32(m, 0, 10, 4);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.stream == 0 && ev.lost == 5);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.stream == 0 && val(&ev) == 4);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 1 && val(&ev) == 2);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 2 && val(&ev) == 1);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 2 && val(&ev) == 3);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	ring_merge_free(m);
}

static void test_drain_and_lost(void)
{
	struct ring_merge *m = ring_merge_new(2);
	struct ring_merge_event ev;

	ring_merge_push_lost(m, 1, 50, 7);
	push_u32(m, 1, 50, 1);
	ring_merge_push_lost(m, 0, 60, -1);
	push_u32(m, 0, 60, 2);
	push_u32(m, 0, 55, 3);			/* out of order within a stream: kept FIFO */
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 1 && ev.lost == 7 && ev.len == 0);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 1 && ev.lost == 0 && val(&ev) == 1);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 0 && ev.lost == -1);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == 2);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == 3);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	ring_merge_free(m);
}

/*
 * A stream whose stamps jump near 2^64 and back (a hypervisor's clock fault): every event out
 * once, the stream's own order kept; the jump waits for the other stream's older events, and
 * live it goes out once that stream was found caught up after it arrived.
 */
static void test_clock_jump(void)
{
	static const uint32_t order[] = { 1, 10, 11, 2, 3, 12 };
	struct ring_merge *m = ring_merge_new(2);
	struct ring_merge_event ev;

	push_u32(m, 1, 10, 1);
	push_u32(m, 1, 18446744073709551000ULL, 2);
	push_u32(m, 1, 20, 3);
	push_u32(m, 0, 15, 10);
	push_u32(m, 0, 25, 11);
	ring_merge_caught_up(m, 0);
	for (int i = 0; i < 5; i++)
		CHECK(ring_merge_pop(m, false, &ev) == 1 && val(&ev) == order[i]);
	push_u32(m, 0, 30, 12);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up(m, 1);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && val(&ev) == 12);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	ring_merge_free(m);
}

/*
 * Events queued by reference keep their payloads once owned, whatever the caller's memory
 * holds afterwards; a copied event queued between two references keeps its own, also when
 * the store is compacted after the older reference went out (each pop gives back the bytes
 * below the popped entry's).
 */
static void test_own(void)
{
	struct ring_merge *m = ring_merge_new(2);
	struct ring_merge_event ev;
	uint32_t src[3] = { 1, 0, 3 }, v;
	char big[1000];
	int i, bad = 0;

	ring_merge_push_ref(m, 0, 10, &src[0], sizeof(v));
	push_u32(m, 0, 11, 2);
	ring_merge_push_lost(m, 0, 12, 5);
	ring_merge_push_ref(m, 0, 13, &src[2], sizeof(v));
	ring_merge_own(m, 0);
	memset(src, 0xee, sizeof(src));
	/* Stream 1 empty and not caught up: nothing goes out yet. */
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	push_u32(m, 1, 1000, 100);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.stream == 0 && val(&ev) == 1);
	/* 100 KB more on stream 0: the store grows, moving what is queued to its start. */
	memset(big, 'b', sizeof(big));
	for (i = 0; i < 100; i++)
		ring_merge_push(m, 0, 20 + i, big, sizeof(big));
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.stream == 0 && val(&ev) == 2);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.lost == 5 && ev.len == 0);
	CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.len == sizeof(v) && val(&ev) == 3);
	for (i = 0; i < 100; i++) {
		CHECK(ring_merge_pop(m, false, &ev) == 1 && ev.stream == 0);
		bad += ev.len != sizeof(big) || memcmp(ev.data, big, sizeof(big));
	}
	CHECK(bad == 0);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 1 && val(&ev) == 100);
	/* Nothing by reference: owning changes nothing. */
	push_u32(m, 0, 200, 7);
	ring_merge_own(m, 0);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == 7);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	ring_merge_free(m);
}

/* Events written in time order on random streams, read in batches: sorted and complete. */
static void test_many(void)
{
	enum { STREAMS = 5, PER = 20000 };
	struct ring_merge *m = ring_merge_new(STREAMS);
	struct ring_merge_event ev;
	uint64_t ts = 0, last = 0, n = 0;
	unsigned int seed = 7;
	int i, s;
	char big[300];
	bool sorted = true, sizes_ok = true;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < PER * STREAMS; i++) {
		s = rand_r(&seed) % STREAMS;
		ts += rand_r(&seed) % 3;	/* written in time order, equal stamps too */
		ring_merge_push(m, s, ts, big, 1 + ts % sizeof(big));
		if (i % 1000 == 999) {
			for (s = 0; s < STREAMS; s++)
				ring_merge_caught_up(m, s);
			while (ring_merge_pop(m, false, &ev) == 1) {
				sorted &= ev.ts >= last;
				sizes_ok &= ev.len == 1 + ev.ts % sizeof(big);
				last = ev.ts;
				n++;
			}
		}
	}
	while (ring_merge_pop(m, true, &ev) == 1) {
		sorted &= ev.ts >= last;
		last = ev.ts;
		n++;
	}
	CHECK(n == (uint64_t)PER * STREAMS);
	CHECK(sizes_ok);
	CHECK(sorted);
	ring_merge_free(m);
}

/* Sub-buffers of PAGE bytes (ring_subbuf_writer): 29 events of 4 bytes each. */
#define PAGE		256
#define PER_PAGE	((PAGE - SUBBUF_HDR_SIZE) / 8)

struct pages {
	uint8_t *p[16];
	int n;
};

static int keep_page(void *ctx, const void *sb, size_t size)
{
	struct pages *pg = ctx;

	if (pg->n == 16 || size != PAGE)
		return -1;
	pg->p[pg->n] = malloc(PAGE);
	memcpy(pg->p[pg->n++], sb, PAGE);
	return 0;
}

/* n events of values first.. at ts0, ts0 + step, ...; a loss of 7 before the first with lost. */
static void make_pages(struct pages *pg, uint64_t ts0, uint64_t step, uint32_t first, int n,
		       bool lost)
{
	struct ring_subbuf_writer w;

	ring_subbuf_writer_init(&w, PAGE, keep_page, pg);
	if (lost)
		ring_subbuf_writer_lost(&w, 7, true);
	for (int i = 0; i < n; i++) {
		uint32_t v = first + i;

		ring_subbuf_writer_add(&w, ts0 + i * step, &v, sizeof(v));
	}
	ring_subbuf_writer_flush(&w);
	CHECK(w.err == 0);
	ring_subbuf_writer_free(&w);
}

static void free_pages(struct pages *pg)
{
	for (int i = 0; i < pg->n; i++)
		free(pg->p[i]);
	pg->n = 0;
}

static int merge_page(struct ring_merge *m, int stream, const uint8_t *page, uint32_t skip,
		      bool ref, struct ring_subbuf_counts *n)
{
	struct source_unit u = { .buf = page, .len = PAGE, .skip = skip, .end = UINT32_MAX };

	return ring_subbuf_merge(m, stream, &u, SUBBUF_HDR_SIZE, false, ref, n);
}

/*
 * Sub-buffers queued whole and decoded as they go out: stream 0's by reference (owned half
 * way through one, then its pages overwritten), stream 1's copied, one of them after a loss;
 * every event out once, in time order, with its payload, the loss before its sub-buffer's
 * events, and the counts as a decoder of the whole sub-buffers gives them.
 */
static void test_subbufs(void)
{
	enum { N = 3 * PER_PAGE };
	struct ring_merge *m = ring_merge_new(2);
	struct ring_subbuf_counts n0 = { 0 }, n1 = { 0 };
	struct pages a = { 0 }, b = { 0 };
	struct ring_merge_event ev;
	int i, q0 = 0, q1 = 0, bad = 0, out = 0, lost = 0;
	uint64_t last = 0;

	make_pages(&a, 100, 20, 0, N, false);
	make_pages(&b, 110, 20, 1000, N, true);
	/* The loss's count takes room in stream 1's first sub-buffer: one more. */
	CHECK(a.n == 3 && b.n == 4);
	for (i = 0; i < a.n; i++)
		q0 += merge_page(m, 0, a.p[i], 0, true, &n0);
	for (i = 0; i < b.n; i++)
		q1 += merge_page(m, 1, b.p[i], 0, false, &n1);
	CHECK(q0 == 3 && q1 == 5);
	CHECK(n0.events == N && n1.events == N && n1.missed_pages == 1 && n1.stored_lost == 7);
	CHECK(n0.last_ts == 100 + 20 * (N - 1));
	CHECK(ring_merge_stream_queued(m, 0) == 3 && ring_merge_stream_queued(m, 1) == 5);
	/* Stream 1's loss first (at its sub-buffer's time), then the events by time. */
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 0 && ev.ts == 100);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.stream == 1 && ev.lost == 7);
	while (ring_merge_pop(m, true, &ev) == 1) {
		uint32_t want = ev.stream ? 1000 + (ev.ts - 110) / 20 : (ev.ts - 100) / 20;

		lost += ev.lost != 0;
		bad += ev.ts < last || ev.len != 4 || val(&ev) != want;
		last = ev.ts;
		/* Half way through stream 0's second sub-buffer: its events owned. */
		if (++out == PER_PAGE * 3) {
			ring_merge_own(m, 0);
			for (i = 0; i < a.n; i++)
				memset(a.p[i], 0xee, PAGE);
		}
	}
	CHECK(out == 2 * N - 1 && lost == 0 && bad == 0);
	CHECK(ring_merge_queued(m) == 0);
	free_pages(&a);
	free_pages(&b);
	ring_merge_free(m);
}

/*
 * A copied sub-buffer whose events are going out while the stream's store grows and moves;
 * a unit read on from an offset (skip) starts where it says.
 */
static void test_subbuf_moves(void)
{
	struct ring_merge *m = ring_merge_new(1);
	struct ring_merge_event ev;
	struct pages a = { 0 };
	char big[1000];
	int i, bad = 0;

	make_pages(&a, 100, 1, 0, PER_PAGE, false);
	push_u32(m, 0, 50, 77);
	CHECK(merge_page(m, 0, a.p[0], 0, false, NULL) == 1);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == 77);
	for (i = 0; i < 10; i++)
		CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == (uint32_t)i);
	memset(big, 'b', sizeof(big));
	for (i = 0; i < 100; i++)
		ring_merge_push(m, 0, 1000 + i, big, sizeof(big));
	for (i = 10; i < PER_PAGE; i++) {
		CHECK(ring_merge_pop(m, true, &ev) == 1);
		bad += ev.ts != 100 + (uint64_t)i || val(&ev) != (uint32_t)i;
	}
	for (i = 0; i < 100; i++) {
		CHECK(ring_merge_pop(m, true, &ev) == 1);
		bad += ev.len != sizeof(big) || memcmp(ev.data, big, sizeof(big));
	}
	CHECK(bad == 0);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	/* The events after the first 5 (8 bytes each), by reference. */
	CHECK(merge_page(m, 0, a.p[0], 5 * 8, true, NULL) == 1);
	CHECK(ring_merge_pop(m, true, &ev) == 1 && ev.ts == 105 && val(&ev) == 5);
	/* Nothing left after a skip to the end: nothing queued. */
	CHECK(merge_page(m, 0, a.p[0], PER_PAGE * 8, true, NULL) == 0);
	free_pages(&a);
	ring_merge_free(m);
}

/*
 * Release by stamp for sub-buffers (the replay): every event of a sub-buffer stamped 1 passes
 * a mark stamped 2, none of one stamped 3; a sub-buffer corrupt half way gives the events
 * before the bad record, as the counting decoder says.
 */
static void test_subbuf_rule_and_corrupt(void)
{
	struct ring_merge *m = ring_merge_new(2);
	struct ring_subbuf_counts n = { 0 };
	struct ring_merge_event ev;
	struct pages a = { 0 };
	int i, got = 0;

	make_pages(&a, 100, 1, 0, 10, false);
	make_pages(&a, 200, 1, 100, 10, false);
	ring_merge_advance_seq(m, 1ULL << 32);
	merge_page(m, 0, a.p[0], 0, true, NULL);
	ring_merge_advance_seq(m, 3ULL << 32);
	merge_page(m, 0, a.p[1], 0, true, NULL);
	ring_merge_caught_up_at(m, 1, 2ULL << 32);
	while (ring_merge_pop(m, false, &ev) == 1)
		got += ev.ts == 100 + (uint64_t)got;
	CHECK(got == 10);
	ring_merge_caught_up_at(m, 1, 3ULL << 32);
	CHECK(ring_merge_pop(m, false, &ev) == 0);
	ring_merge_caught_up_at(m, 1, 4ULL << 32);
	while (ring_merge_pop(m, false, &ev) == 1)
		got += ev.ts == 190 + (uint64_t)got;
	CHECK(got == 20);
	/* The fourth record: a long one whose length runs past the end. */
	memset(a.p[1] + SUBBUF_HDR_SIZE + 3 * 8, 0, 4);
	memset(a.p[1] + SUBBUF_HDR_SIZE + 3 * 8 + 4, 0xff, 4);
	CHECK(merge_page(m, 0, a.p[1], 0, false, &n) == 1);
	CHECK(n.events == 3 && n.corrupt == 1);
	for (i = 0; i < 3; i++)
		CHECK(ring_merge_pop(m, true, &ev) == 1 && val(&ev) == 100 + (uint32_t)i);
	CHECK(ring_merge_pop(m, true, &ev) == 0);
	free_pages(&a);
	ring_merge_free(m);
}

int main(void)
{
	test_order_and_rule();
	test_caught_up_at();
	test_advance_seq();
	test_drain_and_lost();
	test_clock_jump();
	test_ties();
	test_many();
	test_own();
	test_subbufs();
	test_subbuf_moves();
	test_subbuf_rule_and_corrupt();
	CHECK_DONE();
}
