/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffers whose first pages are faulted in when they are allocated, not on first use: the
 * capture's staging memory is first written during the first burst of events, the moment a
 * reader has the least time to spare.
 */
#ifndef REMOTECTL_POPULATED_H
#define REMOTECTL_POPULATED_H

#include <stddef.h>

/*
 * len bytes of zeroed memory whose first populate bytes (at most len) are faulted in now;
 * NULL with errno set.
 */
void *populated_alloc(size_t len, size_t populate);
void populated_free(void *p, size_t len);

/*
 * len bytes from a page boundary, faulted in now, for free(): a buffer the kernel copies
 * into. Its copies (rep movsb) into malloc()'s large blocks, which start 16 bytes past a page,
 * took up to seven times as long here (bench/RESULTS.md, "aligned copies"). Out of memory,
 * the message and the end, as xmalloc().
 */
void *populated_pages(size_t len);

/*
 * Fault in now the whole pages of [p, p + len), memory of any private writable mapping (a
 * malloc()ed buffer just grown, say), leaving its bytes as they are; best effort.
 */
void populate_range(void *p, size_t len);

#endif
