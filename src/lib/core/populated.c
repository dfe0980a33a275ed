// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous mappings with a populated start, and populating part of any buffer. The trace.dat
 * chunk pool and the text spools' rings are megabytes that readers copy sub-buffers into while
 * a burst fills the ring buffer; faulting them in page by page then took milliseconds the
 * readers did not have, and events were lost early in a burst (bench/RESULTS.md, "Populated
 * staging memory"). Faulting in is not free either, so callers populate what a first burst
 * fills, not everything they may ever use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "populated.h"
#include "util.h"

void *populated_alloc(size_t len, size_t populate)
{
	void *p;

	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (populate > len)
		populate = len;
	/* MADV_POPULATE_WRITE is Linux 5.14+; before it, touching every page does the same. */
	if (populate && madvise(p, populate, MADV_POPULATE_WRITE))
		memset(p, 0, populate);
	return p;
}

void populated_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

void populate_range(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);

	/* Without MADV_POPULATE_WRITE (before 5.14) the pages come on first use, as before. */
	if (end > start)
		madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void *populated_pages(size_t len)
{
	void *p;

	if (posix_memalign(&p, (size_t)sysconf(_SC_PAGESIZE), len ? len : 1))
		p = xmalloc(len);
	populate_range(p, len);
	return p;
}
