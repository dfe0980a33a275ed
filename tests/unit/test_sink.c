// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the text sinks. The stream sink on a remote's lines: merged by time stamp, a
 * LOST line placed before its CPU's next event (or at its last one when none follows), the
 * text cut on a line boundary at --max-size, which also stops the capture. The spool sink:
 * the text that follows the capture (stream) is the text made after it (record), line for
 * line, whenever the follower runs; units beyond --spool-size are dropped and shown as lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "capture_internal.h"
#include "subbuf_write.h"

static const int cpus[] = { 0, 1 };
static const int part_of[] = { 0, 0 };
static struct capture_target target;

/*
 * A sink of two streams writing to a fresh file (path), with lines for events: a remote's
 * stream sink, or a spool sink (o->live: following the capture, o->spool_max set).
 */
static struct sink *open_sink(struct capture_opts *o, struct target *t, char *path,
			      enum sink_kind kind)
{
	struct sink *k;
	int fd;

	strcpy(path, "/tmp/remotectl-test-sink-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	t->label = "test";
	target.t = t;
	o->targets = &target;
	o->nr_targets = 1;
	o->output = path;
	CHECK(sink_new(kind, o, 2, cpus, part_of, &k) == 0);
	k->parts[0].lines = true;
	k->parts[0].hdr_size = kind == SINK_SPOOL ? SUBBUF_HDR_SIZE : 0;
	CHECK(sink_open_data(k) == 0);
	return k;
}

static struct sink *new_sink(struct capture_opts *o, struct target *t, char *path)
{
	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	return open_sink(o, t, path, SINK_STREAM);
}

static void line(struct sink *k, int idx, uint64_t ts, const char *text)
{
	CHECK(k->ops->line(k, idx, ts, NULL, text, strlen(text)) == 0);
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return 0;
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

static void test_merge_and_losses(void)
{
	struct capture_opts o;
	struct target t;
	char path[64], text[1024];
	struct sink *k = new_sink(&o, &t, path);

	line(k, 0, 100, "a0\n");
	k->ops->lost(k, 1, 0, 3);
	line(k, 1, 150, "b1\n");
	line(k, 0, 200, "a2\n");
	k->ops->lost(k, 0, 200, 2);	/* no event after it on CPU 0 */
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	CHECK(k->ops->mark(k, 1, SINK_END, 0) == 0);
	CHECK(k->ops->flush(k, true) == 0);
	CHECK(sink_close(k) == 0);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "a0\nCPU:1 [LOST 3 EVENTS]\nb1\na2\nCPU:0 [LOST 2 EVENTS]\n");
	CHECK(k->written == 3);
	CHECK(!sink_full(k));
	sink_free(k);
	unlink(path);
}

static void test_max_size(void)
{
	struct capture_opts o;
	struct target t;
	char path[64], text[1024];
	struct sink *k = new_sink(&o, &t, path);

	o.max_bytes = 8;
	line(k, 0, 1, "one\n");
	line(k, 1, 2, "two\n");
	line(k, 0, 3, "three\n");
	line(k, 1, 4, "4\n");	/* would fit, but the text is cut already */
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	CHECK(k->ops->mark(k, 1, SINK_END, 0) == 0);
	CHECK(k->ops->flush(k, true) == 0);
	CHECK(sink_full(k));
	CHECK(sink_close(k) == 0);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "one\ntwo\n");
	CHECK(k->written == 2 && k->dropped_max == 2 && k->bytes == 8);
	sink_free(k);
	unlink(path);
}

/*
 * Spool sinks: sub-buffers whose events are 8-byte text lines ("c0-0001\n"), so that the
 * lines written are the events' payloads and no event format is needed.
 */
#define PAGE	256

struct units {
	uint8_t page[64][PAGE];
	int nr;
};

static int keep_page(void *ctx, const void *subbuf, size_t size)
{
	struct units *u = ctx;

	CHECK(size == PAGE && u->nr < 64);
	if (u->nr < 64)
		memcpy(u->page[u->nr++], subbuf, PAGE);
	return 0;
}

/* One sub-buffer of n events of CPU cpu at times ts, ts + step, ...; its lines numbered. */
static void make_unit(struct units *u, int cpu, int first, int n, uint64_t ts, uint64_t step)
{
	struct ring_subbuf_writer w;
	char line[9];

	ring_subbuf_writer_init(&w, PAGE, keep_page, u);
	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "c%d-%04d\n", cpu, first + i);
		CHECK(ring_subbuf_writer_add(&w, ts + i * step, line, 8) == 0);
	}
	CHECK(ring_subbuf_writer_flush(&w) == 0);
	ring_subbuf_writer_free(&w);
}

static struct sink *new_spool_sink(struct capture_opts *o, struct target *t, char *path,
				   bool follow, uint64_t spool_max)
{
	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	o->live = follow;
	o->spool_max = spool_max;
	return open_sink(o, t, path, SINK_SPOOL);
}

/* What a reader thread does in one round: stamps around its units, caught up at the end. */
static void reader_round(struct sink *k, int idx, const uint8_t (*pages)[PAGE], int n,
			 struct ring_subbuf_counts *cnt)
{
	struct source_unit u = { .len = PAGE, .end = PAGE };
	uint64_t before;

	sink_hold(k, idx);
	for (int i = 0; i < n; i++) {
		sink_next_seq(k);	/* the stamp before each read, as pull() takes it */
		u.buf = pages[i];
		CHECK(k->ops->unit(k, idx, &u, cnt) == 0);
	}
	before = sink_next_seq(k);
	CHECK(k->ops->mark(k, idx, SINK_CAUGHT_UP, before) == 0);
	sink_let_go(k, idx);
}

/*
 * The follower's rounds until it has taken everything it may: the records must be in the
 * files first, which the appenders' threads do in their own time.
 */
static void follow_all(struct sink *k)
{
	struct timespec ms = { 0, 1000 * 1000 };

	for (int i = 0; i < 100; i++) {
		CHECK(k->ops->flush(k, false) == 0);
		nanosleep(&ms, NULL);
	}
}

/*
 * One script of reader rounds: CPU 1's clock runs behind CPU 0's, so the order of the text
 * depends on when each CPU was found caught up, not only on the time stamps. follow: the
 * text follows the rounds (stream), with lines out as soon as the merge lets them go; else
 * it is made after the capture (record).
 */
static void run_script(bool follow, char *text, size_t size)
{
	static struct units u;
	struct ring_subbuf_counts cnt[2] = { 0 };
	struct capture_opts o;
	struct target t;
	char path[64];
	struct sink *k = new_spool_sink(&o, &t, path, follow, 0);

	u.nr = 0;
	make_unit(&u, 0, 0, 10, 1000, 10);	/* 0: CPU 0, 1000..1090 */
	make_unit(&u, 1, 0, 10, 995, 10);	/* 1: CPU 1, 995..1085 */
	make_unit(&u, 0, 10, 10, 1100, 10);	/* 2: CPU 0, 1100..1190 */
	make_unit(&u, 1, 10, 5, 900, 1);	/* 3: CPU 1, behind: 900..904 */
	make_unit(&u, 0, 20, 3, 1200, 5);	/* 4 */
	make_unit(&u, 1, 15, 3, 1150, 20);	/* 5 */
	reader_round(k, 0, &u.page[0], 1, &cnt[0]);
	if (follow)
		follow_all(k);
	reader_round(k, 1, &u.page[1], 1, &cnt[1]);
	if (follow) {
		follow_all(k);
		/* Both CPUs caught up after their first units: all of those are out. */
		CHECK(k->written == 20);
	}
	reader_round(k, 0, &u.page[2], 1, &cnt[0]);
	reader_round(k, 1, &u.page[3], 1, &cnt[1]);
	if (follow)
		follow_all(k);
	reader_round(k, 1, &u.page[5], 1, &cnt[1]);
	reader_round(k, 0, &u.page[4], 1, &cnt[0]);
	if (follow)
		follow_all(k);
	sink_hold(k, 0);
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	sink_let_go(k, 0);
	sink_hold(k, 1);
	CHECK(k->ops->mark(k, 1, SINK_END, 0) == 0);
	sink_let_go(k, 1);
	CHECK(k->ops->flush(k, true) == 0);
	CHECK(k->ops->finish(k) == 0);
	CHECK(sink_close(k) == 0);
	CHECK(cnt[0].events == 23 && cnt[1].events == 18);
	CHECK(k->written == 41);
	slurp(path, text, size);
	sink_free(k);
	unlink(path);
}

static void test_follow_is_after(void)
{
	static char after[4096], live[4096], want[4096];
	size_t n = 0;
	int i;

	run_script(false, after, sizeof(after));
	run_script(true, live, sizeof(live));
	CHECK_STR(live, after);
	/*
	 * The first units interleave by time; CPU 1's late unit (900..904) goes out as soon as
	 * it comes, before CPU 0's 1100s, which waited for CPU 1 to be found caught up again.
	 */
	for (i = 0; i < 10; i++)
		n += snprintf(want + n, sizeof(want) - n, "c1-%04d\nc0-%04d\n", i, i);
	for (i = 10; i < 15; i++)
		n += snprintf(want + n, sizeof(want) - n, "c1-%04d\n", i);
	for (i = 10; i < 20; i++)
		n += snprintf(want + n, sizeof(want) - n, "c0-%04d\n", i);
	for (i = 15; i < 18; i++)
		n += snprintf(want + n, sizeof(want) - n, "c1-%04d\n", i);
	for (i = 20; i < 23; i++)
		n += snprintf(want + n, sizeof(want) - n, "c0-%04d\n", i);
	CHECK_STR(after, want);
}

/*
 * --spool-size: a CPU's share of it is the most its spool may hold unread. With room for a
 * unit and a half, the second unit of a round is dropped; once the follower has read the
 * spool, the next unit is kept, after one loss line for what was dropped.
 */
static void test_spool_size(void)
{
	static struct units u;
	struct ring_subbuf_counts cnt = { 0 };
	struct capture_opts o;
	struct target t;
	char path[64], text[4096];
	/* Two CPUs: each may hold 1.5 units (with their record headers) unread. */
	struct sink *k = new_spool_sink(&o, &t, path, true, 2 * (PAGE + 40) * 3 / 2);

	u.nr = 0;
	make_unit(&u, 0, 0, 4, 100, 1);
	make_unit(&u, 0, 4, 4, 200, 1);
	make_unit(&u, 0, 8, 4, 300, 1);
	reader_round(k, 0, &u.page[0], 2, &cnt);
	CHECK(k->lagged[0] == 4 && k->lagged[1] == 0);
	sink_hold(k, 1);
	CHECK(k->ops->mark(k, 1, SINK_END, sink_next_seq(k)) == 0);
	sink_let_go(k, 1);
	follow_all(k);
	CHECK(k->written == 4);
	reader_round(k, 0, &u.page[2], 1, &cnt);
	sink_hold(k, 0);
	CHECK(k->ops->mark(k, 0, SINK_END, 0) == 0);
	sink_let_go(k, 0);
	CHECK(k->ops->finish(k) == 0);
	CHECK(sink_close(k) == 0);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "c0-0000\nc0-0001\nc0-0002\nc0-0003\nCPU:0 [LOST 4 EVENTS]\n"
		  "c0-0008\nc0-0009\nc0-0010\nc0-0011\n");
	CHECK(cnt.events == 12 && k->written == 8 && k->lagged[0] == 4);
	sink_free(k);
	unlink(path);
}

int main(void)
{
	test_merge_and_losses();
	test_max_size();
	test_follow_is_after();
	test_spool_size();
	CHECK_DONE();
}
