// SPDX-License-Identifier: GPL-2.0
/*
 * Populated anonymous mappings. The chunk pool and the write rings are megabytes that readers
 * write into while a burst fills the ring buffer; faulting them in page by page then took
 * milliseconds the readers did not have (bench raw2: events lost in the first ~10 ms of the
 * load). MAP_POPULATE pays for it once, before the capture starts.
 */
#include <errno.h>
#include <sys/mman.h>

#include "populated.h"

void *populated_alloc(size_t len)
{
	void *p;

	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void populated_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}
