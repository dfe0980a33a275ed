// SPDX-License-Identifier: GPL-2.0
/*
 * populated_alloc(): the asked-for start is resident before first use, the rest is not.
 * populate_range(): the whole pages inside the range become resident, bytes unchanged.
 * populated_pages(): page-aligned (where malloc() is not), all of it resident, free()d.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "populated.h"

/* How many of the first n pages of p are resident (mincore()). */
static size_t resident_pages(void *p, size_t n)
{
	unsigned char *vec = calloc(n, 1);
	size_t count = 0;

	if (!vec || mincore(p, n * getpagesize(), vec))
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

static void test_prefix(void)
{
	size_t page = getpagesize(), pages = 256;
	uint8_t *p = populated_alloc(pages * page, 40 * page + 1);
	size_t zero = 0;

	CHECK(p != NULL);
	if (!p)
		return;
	/* 40 pages and one byte: 41 pages, and nothing after them. */
	CHECK(resident_pages(p, 41) == 41);
	CHECK(resident_pages(p + 41 * page, pages - 41) == 0);
	for (size_t i = 0; i < pages * page; i++)
		zero += !p[i];
	CHECK(zero == pages * page);
	CHECK(resident_pages(p, pages) == pages);
	populated_free(p, pages * page);
}

static void test_edges(void)
{
	size_t page = getpagesize();
	uint8_t *p;

	/* More than the length: all of it, no more. */
	p = populated_alloc(8 * page, 100 * page);
	CHECK(p != NULL && resident_pages(p, 8) == 8);
	populated_free(p, 8 * page);
	/* Nothing asked: nothing resident. */
	p = populated_alloc(8 * page, 0);
	CHECK(p != NULL && resident_pages(p, 8) == 0);
	populated_free(p, 8 * page);
	errno = 0;
	CHECK(populated_alloc(0, 0) == NULL && errno == EINVAL);
	populated_free(NULL, 0);
}

static void test_range(void)
{
	size_t page = getpagesize(), pages = 16;
	uint8_t *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t same = 0;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	/* Written bytes in page 2; the range from inside page 1 to inside page 9. */
	for (size_t i = 0; i < page; i++)
		p[2 * page + i] = (uint8_t)(i * 7 + 1);
	populate_range(p + page + 1, 8 * page + 10);
	/* Pages 2-8: whole pages in the range. Page 1 and page 9 are only partly in it. */
	CHECK(resident_pages(p, 1) == 0);
	CHECK(resident_pages(p + page, 1) == 0);
	CHECK(resident_pages(p + 2 * page, 7) == 7);
	CHECK(resident_pages(p + 9 * page, pages - 9) == 0);
	for (size_t i = 0; i < page; i++)
		same += p[2 * page + i] == (uint8_t)(i * 7 + 1);
	CHECK(same == page);
	CHECK(p[5 * page] == 0);
	/* Less than a page: nothing; nothing at all: nothing. */
	populate_range(p + 12 * page + 1, page);
	populate_range(p + 14 * page, 0);
	CHECK(resident_pages(p + 12 * page, 4) == 0);
	munmap(p, pages * page);
}

static void test_pages(void)
{
	size_t page = getpagesize(), len = 64 * page + 100;
	uint8_t *m = malloc(len), *p = populated_pages(len);

	/* What it is for: malloc()'s block of this size does not start on a page. */
	CHECK(m && (uintptr_t)m % page != 0);
	free(m);
	CHECK(p && (uintptr_t)p % page == 0);
	if (!p)
		return;
	/* 64 whole pages; the last, partial one comes on first use. */
	CHECK(resident_pages(p, 64) == 64);
	p[len - 1] = 1;
	CHECK(p[len - 1] == 1);
	free(p);
	p = populated_pages(0);
	CHECK(p != NULL);
	free(p);
}

int main(void)
{
	test_prefix();
	test_edges();
	test_range();
	test_pages();
	CHECK_DONE();
}
