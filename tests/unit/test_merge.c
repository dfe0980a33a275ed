// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the per-CPU merge and its release rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ring_internal.h"


static void push_u32(struct merge *m, int stream, uint64_t ts, uint32_t v)
{
	merge_push(m, stream, ts, &v, sizeof(v));
}

static uint32_t val(const struct merge_event *ev)
{
	uint32_t v;

	memcpy(&v, ev->data, sizeof(v));
	return v;
}

/* merge_caught_up_at(): only what was queued by then may pass an empty stream. */
static void test_caught_up_at(void)
{
	struct merge *m = merge_new(2);
	struct merge_event ev;
	uint64_t then;

	push_u32(m, 0, 10, 1);
	then = merge_seq(m);
	push_u32(m, 0, 20, 2);
	merge_caught_up_at(m, 1, then);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 10);
	CHECK(merge_pop(m, false, &ev) == 0);
	/* A later, older event of stream 1 still goes out first. */
	push_u32(m, 1, 15, 3);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 15 && ev.stream == 1);
	merge_caught_up_at(m, 1, merge_seq(m));
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 20);
	/* An older mark never takes back a newer one. */
	merge_caught_up_at(m, 1, 0);
	push_u32(m, 0, 30, 4);
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_free(m);
}

/*
 * Stamps from reader threads (capture.c's replay): units stamped 1 and 3 on stream 0, stream 1
 * found caught up at stamp 2 -- only the unit stamped 1 may pass it.
 */
static void test_advance_seq(void)
{
	struct merge *m = merge_new(2);
	struct merge_event ev;

	merge_advance_seq(m, 1ULL << 32);
	push_u32(m, 0, 10, 1);
	push_u32(m, 0, 11, 2);
	merge_advance_seq(m, 3ULL << 32);
	push_u32(m, 0, 30, 3);
	CHECK(merge_seq(m) == (3ULL << 32) + 1);
	merge_advance_seq(m, 2ULL << 32);	/* never back */
	CHECK(merge_seq(m) == (3ULL << 32) + 1);
	merge_caught_up_at(m, 1, 2ULL << 32);
	CHECK(merge_pop(m, false, &ev) == 1 && val(&ev) == 1);
	CHECK(merge_pop(m, false, &ev) == 1 && val(&ev) == 2);
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_caught_up_at(m, 1, 4ULL << 32);
	CHECK(merge_pop(m, false, &ev) == 1 && val(&ev) == 3);
	merge_free(m);
}

static void test_order_and_rule(void)
{
	struct merge *m = merge_new(3);
	struct merge_event ev;

	push_u32(m, 0, 10, 100);
	push_u32(m, 0, 30, 101);
	push_u32(m, 1, 20, 200);
	/* Stream 2 has never been checked: nothing may go out. */
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_caught_up(m, 2);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 10 && ev.stream == 0 && val(&ev) == 100);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 20 && ev.stream == 1 && val(&ev) == 200);
	/* Stream 1 is empty now and was never found caught up. */
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_caught_up(m, 1);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 30 && val(&ev) == 101);
	CHECK(merge_pop(m, false, &ev) == 0);
	CHECK(merge_queued(m) == 0);

	/* An event queued after a stream's last check waits for the next check. */
	push_u32(m, 0, 40, 102);
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_caught_up(m, 1);
	CHECK(merge_pop(m, false, &ev) == 0);	/* stream 2 still old */
	merge_end(m, 2);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.ts == 40);
	merge_free(m);
}

/* Equal stamps on several streams: the lower stream first, whatever arrived first. */
static void test_ties(void)
{
	struct merge *m = merge_new(3);
	struct merge_event ev;

	push_u32(m, 2, 10, 1);
	push_u32(m, 1, 10, 2);
	push_u32(m, 2, 10, 3);
	merge_push_lost(m, 0, 10, 5);
	push_u32(m, 0, 10, 4);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.stream == 0 && ev.lost == 5);
	CHECK(merge_pop(m, false, &ev) == 1 && ev.stream == 0 && val(&ev) == 4);
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 1 && val(&ev) == 2);
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 2 && val(&ev) == 1);
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 2 && val(&ev) == 3);
	CHECK(merge_pop(m, true, &ev) == 0);
	merge_free(m);
}

static void test_drain_and_lost(void)
{
	struct merge *m = merge_new(2);
	struct merge_event ev;

	merge_push_lost(m, 1, 50, 7);
	push_u32(m, 1, 50, 1);
	merge_push_lost(m, 0, 60, -1);
	push_u32(m, 0, 60, 2);
	push_u32(m, 0, 55, 3);			/* out of order within a stream: kept FIFO */
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 1 && ev.lost == 7 && ev.len == 0);
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 1 && ev.lost == 0 && val(&ev) == 1);
	CHECK(merge_pop(m, true, &ev) == 1 && ev.stream == 0 && ev.lost == -1);
	CHECK(merge_pop(m, true, &ev) == 1 && val(&ev) == 2);
	CHECK(merge_pop(m, true, &ev) == 1 && val(&ev) == 3);
	CHECK(merge_pop(m, true, &ev) == 0);
	merge_free(m);
}

/*
 * A stream whose stamps jump near 2^64 and back (a hypervisor's clock fault): every event out
 * once, the stream's own order kept; the jump waits for the other stream's older events, and
 * live it goes out once that stream was found caught up after it arrived.
 */
static void test_clock_jump(void)
{
	static const uint32_t order[] = { 1, 10, 11, 2, 3, 12 };
	struct merge *m = merge_new(2);
	struct merge_event ev;

	push_u32(m, 1, 10, 1);
	push_u32(m, 1, 18446744073709551000ULL, 2);
	push_u32(m, 1, 20, 3);
	push_u32(m, 0, 15, 10);
	push_u32(m, 0, 25, 11);
	merge_caught_up(m, 0);
	for (int i = 0; i < 5; i++)
		CHECK(merge_pop(m, false, &ev) == 1 && val(&ev) == order[i]);
	push_u32(m, 0, 30, 12);
	CHECK(merge_pop(m, false, &ev) == 0);
	merge_caught_up(m, 1);
	CHECK(merge_pop(m, false, &ev) == 1 && val(&ev) == 12);
	CHECK(merge_pop(m, true, &ev) == 0);
	merge_free(m);
}

/* Events written in time order on random streams, read in batches: sorted and complete. */
static void test_many(void)
{
	enum { STREAMS = 5, PER = 20000 };
	struct merge *m = merge_new(STREAMS);
	struct merge_event ev;
	uint64_t ts = 0, last = 0, n = 0;
	unsigned int seed = 7;
	int i, s;
	char big[300];
	bool sorted = true, sizes_ok = true;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < PER * STREAMS; i++) {
		s = rand_r(&seed) % STREAMS;
		ts += rand_r(&seed) % 3;	/* written in time order, equal stamps too */
		merge_push(m, s, ts, big, 1 + ts % sizeof(big));
		if (i % 1000 == 999) {
			for (s = 0; s < STREAMS; s++)
				merge_caught_up(m, s);
			while (merge_pop(m, false, &ev) == 1) {
				sorted &= ev.ts >= last;
				sizes_ok &= ev.len == 1 + ev.ts % sizeof(big);
				last = ev.ts;
				n++;
			}
		}
	}
	while (merge_pop(m, true, &ev) == 1) {
		sorted &= ev.ts >= last;
		last = ev.ts;
		n++;
	}
	CHECK(n == (uint64_t)PER * STREAMS);
	CHECK(sizes_ok);
	CHECK(sorted);
	merge_free(m);
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
	CHECK_DONE();
}
