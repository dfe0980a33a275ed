// SPDX-License-Identifier: GPL-2.0
/* A growable byte buffer for building trace.dat sections and options. */
#include <stdlib.h>
#include <string.h>

#include "tracedat_internal.h"
#include "util.h"

void tdbuf_put(struct tdbuf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + len)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

void tdbuf_u16(struct tdbuf *b, uint16_t v)
{
	uint8_t x[2];

	bo_put16(x, v, BO_LITTLE);
	tdbuf_put(b, x, sizeof(x));
}

void tdbuf_u32(struct tdbuf *b, uint32_t v)
{
	uint8_t x[4];

	bo_put32(x, v, BO_LITTLE);
	tdbuf_put(b, x, sizeof(x));
}

void tdbuf_u64(struct tdbuf *b, uint64_t v)
{
	uint8_t x[8];

	bo_put64(x, v, BO_LITTLE);
	tdbuf_put(b, x, sizeof(x));
}

void tdbuf_str(struct tdbuf *b, const char *s)
{
	tdbuf_put(b, s, strlen(s) + 1);
}

void tdbuf_option(struct tdbuf *b, uint16_t id, const void *data, uint32_t len)
{
	tdbuf_u16(b, id);
	tdbuf_u32(b, len);
	tdbuf_put(b, data, len);
}

void tdbuf_option_u64(struct tdbuf *b, uint16_t id, uint64_t v)
{
	uint8_t x[8];

	bo_put64(x, v, BO_LITTLE);
	tdbuf_option(b, id, x, sizeof(x));
}

void tdbuf_free(struct tdbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
