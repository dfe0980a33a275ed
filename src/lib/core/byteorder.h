/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integers at any alignment in a given byte order: trace.dat fields (always little-endian
 * as written here, either order when read), sub-buffers (the writing kernel's order).
 */
#ifndef REMOTECTL_BYTEORDER_H
#define REMOTECTL_BYTEORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Values for the big argument. */
#define BO_LITTLE	false
#define BO_HOST		(__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/* memcpy() and a byte swap compile to a plain load or store (plus bswap) at any alignment. */
static inline uint16_t bo_get16(const void *p, bool big)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return big != BO_HOST ? __builtin_bswap16(v) : v;
}

static inline uint32_t bo_get32(const void *p, bool big)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return big != BO_HOST ? __builtin_bswap32(v) : v;
}

static inline uint64_t bo_get64(const void *p, bool big)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return big != BO_HOST ? __builtin_bswap64(v) : v;
}

static inline void bo_put16(void *p, uint16_t v, bool big)
{
	if (big != BO_HOST)
		v = __builtin_bswap16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bo_put32(void *p, uint32_t v, bool big)
{
	if (big != BO_HOST)
		v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bo_put64(void *p, uint64_t v, bool big)
{
	if (big != BO_HOST)
		v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof(v));
}

#endif
