// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the capture spool and of header_page parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "format.h"
#include "capture_internal.h"

/* Bytes that do not compress, the same for the same seed: a spool file as large as its data. */
static void noise(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	while (len--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		*p++ = x >> 24;
	}
}

/* Blocks on disk of the one spool file open (unlinked), in bytes; -1 when not found. */
static long long spool_disk_bytes(void)
{
	char link[64], target[256];
	struct stat st;
	long long found = -1;
	ssize_t n;

	for (int fd = 3; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strstr(target, "/remotectl-spool-") && !fstat(fd, &st))
			found = (long long)st.st_blocks * 512;
	}
	return found;
}

static void test_roundtrip(void)
{
	uint8_t page[4096], small[100];
	struct source_unit u = { 0 };
	struct spool_rec rec;
	struct spool *sp;
	char err[256];
	int i;

	sp = spool_new(NULL, err, sizeof(err));
	CHECK(sp != NULL);
	if (!sp)
		return;
	for (i = 0; i < 1000; i++) {
		memset(page, i & 0xff, sizeof(page));
		u.buf = page;
		u.len = sizeof(page);
		u.skip = i;
		u.end = 4000 - i;
		u.partial = i & 1;
		CHECK(spool_unit_seq(sp, i % 3, &u, 2 * i + 1) == 0);
		if (i % 10 == 0)
			CHECK(spool_mark_seq(sp, SPOOL_CAUGHT_UP, i % 3, 2 * i) == 0);
	}
	u.buf = small;
	u.len = sizeof(small);
	memset(small, 0x5a, sizeof(small));
	CHECK(spool_unit(sp, 7, &u) == 0);
	CHECK(spool_mark(sp, SPOOL_END, 2) == 0);
	CHECK(spool_bytes(sp) == 1000 * (40 + 4096) + 100 * 40 + 40 + 100 + 40);
	/* Written as zstd frames, some compressed: less than the records on disk. */
	CHECK(spool_close_writing(sp) == 0);
	CHECK(spool_disk_bytes() > 0 && spool_disk_bytes() < 1000 * (40 + 4096));

	CHECK(spool_rewind(sp) == 0);
	for (i = 0; i < 1000; i++) {
		CHECK(spool_read(sp, &rec) == 1);
		CHECK(rec.kind == SPOOL_UNIT && rec.stream == i % 3);
		CHECK(rec.seq == (uint64_t)(2 * i + 1));
		CHECK(rec.unit.len == 4096 && rec.unit.skip == (uint32_t)i);
		CHECK(rec.unit.end == (uint32_t)(4000 - i) && rec.unit.partial == (i & 1));
		CHECK(((const uint8_t *)rec.unit.buf)[4095] == (i & 0xff));
		if (i % 10 == 0) {
			CHECK(spool_read(sp, &rec) == 1);
			CHECK(rec.kind == SPOOL_CAUGHT_UP && rec.stream == i % 3);
			CHECK(rec.seq == (uint64_t)(2 * i));
		}
	}
	CHECK(spool_read(sp, &rec) == 1 && rec.stream == 7 && rec.unit.len == 100);
	CHECK(rec.seq == 0);
	CHECK(((const uint8_t *)rec.unit.buf)[99] == 0x5a);
	CHECK(spool_read(sp, &rec) == 1 && rec.kind == SPOOL_END && rec.stream == 2);
	CHECK(spool_read(sp, &rec) == 0);
	spool_free(sp);

	CHECK(spool_new("/nonexistent-dir", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "/nonexistent-dir") != NULL);
}

static void test_header_page(void)
{
	static const char live[] =
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
		"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";
	static const char k32[] =
		"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		"\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
		"\tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;\n";
	unsigned int hdr = 0, size = 0;

	CHECK(text_header_page_sizes(live, &hdr, &size) == 0 && hdr == 16 && size == 4096);
	CHECK(text_header_page_sizes(k32, &hdr, &size) == 0 && hdr == 12 && size == 4096);
	CHECK(text_header_page_sizes("", &hdr, &size) < 0);
	CHECK(text_header_page_sizes("\tfield: char data;\toffset:20;\tsize:4080;\n", &hdr,
				     &size) < 0);
	CHECK(text_header_page_sizes("\tfield: char data;\toffset:16;\n", &hdr, &size) < 0);
}

/*
 * Read while written (stream): records appear once the appender has put them in the file, a
 * record not yet whole is not there yet (0, not an error), the end is 0 too; a loss record
 * keeps its time and count; what was read is given back to the file system.
 */
static void test_follow(void)
{
	static uint8_t page[4096];
	struct source_unit u = { .buf = page, .len = sizeof(page) };
	struct timespec ms = { 0, 1000 * 1000 };
	struct spool_rec rec;
	struct spool *sp;
	long long before, after;
	char err[256];
	int i, got = 0, tries, ret;

	sp = spool_new(NULL, err, sizeof(err));
	CHECK(sp != NULL);
	if (!sp)
		return;
	CHECK(spool_read(sp, &rec) == 0);
	for (i = 0; i < 6000; i++) {
		page[0] = i & 0xff;
		noise(page + 1, sizeof(page) - 1, i);
		CHECK(spool_unit_seq(sp, 1, &u, i + 1) == 0);
		if (i == 2999)
			CHECK(spool_lost_seq(sp, 1, 123456789, 1ull << 40, 10000) == 0);
		/* The reader keeps up as it can, never waiting. */
		while ((ret = spool_read(sp, &rec)) == 1) {
			if (got == 3000) {
				CHECK(rec.kind == SPOOL_LOST && rec.seq == 10000);
				CHECK(rec.ts == 123456789 && rec.lost == 1ull << 40);
			} else {
				CHECK(rec.kind == SPOOL_UNIT && rec.unit.len == sizeof(page));
				CHECK(((const uint8_t *)rec.unit.buf)[0] ==
				      ((got > 3000 ? got - 1 : got) & 0xff));
			}
			got++;
		}
		CHECK(ret == 0);
	}
	for (tries = 0; got < 6001 && tries < 5000; tries++) {
		ret = spool_read(sp, &rec);
		CHECK(ret >= 0);
		if (ret == 1)
			got++;
		else
			nanosleep(&ms, NULL);
	}
	CHECK(got == 6001);
	CHECK(spool_unread(sp) == 0);
	CHECK(spool_read(sp, &rec) == 0);
	/*
	 * 24.8 MB (23.7 MiB) that do not compress written and read: its first two 8 MiB steps
	 * are holes now (the last window, ~1 MiB, stays).
	 */
	before = spool_disk_bytes();
	CHECK(before >= 6000 * 4136);
	spool_release(sp);
	after = spool_disk_bytes();
	CHECK(after >= 0 && before - after == 16 << 20);
	CHECK(spool_close_writing(sp) == 0);
	CHECK(spool_read(sp, &rec) == 0);
	CHECK(spool_rewind(sp) == -EINVAL);
	spool_free(sp);
}

struct held {
	const uint8_t *last;	/* the last record read, held in the window */
	int value;		/* its bytes */
	int moves, stale;	/* window moves, and those that found the record changed */
};

static void spool_moving(void *ctx)
{
	struct held *h = ctx;

	h->moves++;
	if (h->last)
		h->stale += h->last[0] != h->value || h->last[4095] != h->value;
}

/*
 * Records in the read window are held there until it moves, and the hook hears of the move
 * while they are; a record larger than the window is in a buffer of its own, not held.
 */
static void test_held(void)
{
	static uint8_t page[4096], big[3 << 19];
	struct source_unit u = { .buf = page, .len = sizeof(page) };
	struct held h = { 0 };
	struct spool_rec rec;
	struct spool *sp;
	char err[256];
	int i, held = 0;

	sp = spool_new(NULL, err, sizeof(err));
	CHECK(sp != NULL);
	if (!sp)
		return;
	spool_on_move(sp, spool_moving, &h);
	/* 600 records of 4136 bytes: 2.4 MiB, three windows. */
	for (i = 0; i < 600; i++) {
		memset(page, i & 0xff, sizeof(page));
		CHECK(spool_unit_seq(sp, 0, &u, i + 1) == 0);
	}
	memset(big, 0x77, sizeof(big));
	u.buf = big;
	u.len = sizeof(big);
	CHECK(spool_unit_seq(sp, 0, &u, 601) == 0);
	CHECK(spool_rewind(sp) == 0);
	for (i = 0; i < 600; i++) {
		CHECK(spool_read(sp, &rec) == 1 && rec.unit.len == sizeof(page));
		held += rec.held;
		h.last = rec.unit.buf;
		h.value = i & 0xff;
	}
	CHECK(held == 600);
	CHECK(h.moves == 3 && h.stale == 0);
	CHECK(spool_read(sp, &rec) == 1 && rec.unit.len == sizeof(big) && !rec.held);
	CHECK(((const uint8_t *)rec.unit.buf)[sizeof(big) - 1] == 0x77);
	spool_free(sp);
}

/*
 * After the capture the replay uses records where they lie in its read window: giving back
 * the space read must spare what the window will still be refilled from. Nothing is given
 * back while the window starts below 8 MiB of file, and every record reads back whole after
 * each release.
 */
static void test_release_spares_last(void)
{
	static uint8_t page[4096], want[4096];
	struct source_unit u = { .buf = page, .len = sizeof(page) };
	/* Records of 40 + 4096 bytes that do not compress: 20 MiB of file. */
	const int n = (20 << 20) / 4136;
	struct spool_rec rec;
	struct spool *sp;
	long long before, after = 0;
	char err[256];
	int i, whole = 0, early = 0;

	sp = spool_new(NULL, err, sizeof(err));
	CHECK(sp != NULL);
	if (!sp)
		return;
	for (i = 0; i < n; i++) {
		noise(page, sizeof(page), i);
		CHECK(spool_unit_seq(sp, 0, &u, i + 1) == 0);
	}
	CHECK(spool_rewind(sp) == 0);
	before = spool_disk_bytes();
	CHECK(before >= (long long)n * 4136);
	for (i = 0; i < n; i++) {
		CHECK(spool_read(sp, &rec) == 1 && rec.unit.len == sizeof(page));
		spool_release(sp);
		noise(want, sizeof(want), i);
		whole += !memcmp(rec.unit.buf, want, sizeof(want));
		after = spool_disk_bytes();
		/* Records that end 1 MiB + 64 KiB below 8 MiB: the window is below it too. */
		if ((i + 1) * 4136 < (8 << 20) - (1 << 20) - (64 << 10))
			early += before != after;
	}
	CHECK(whole == n);
	CHECK(early == 0);
	/* The window at the end starts past 16 MiB of file, not past 24. */
	CHECK(before - after == 16 << 20);
	CHECK(spool_read(sp, &rec) == 0);
	spool_free(sp);
}

int main(void)
{
	test_roundtrip();
	test_release_spares_last();
	test_held();
	test_follow();
	test_header_page();
	CHECK_DONE();
}
