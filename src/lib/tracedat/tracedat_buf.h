/* SPDX-License-Identifier: GPL-2.0 */
/* A growable byte buffer for building trace.dat sections and options (little-endian). */
#ifndef REMOTECTL_TRACEDAT_BUF_H
#define REMOTECTL_TRACEDAT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct tdbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void tdbuf_put(struct tdbuf *b, const void *data, size_t len);
void tdbuf_u16(struct tdbuf *b, uint16_t v);
void tdbuf_u32(struct tdbuf *b, uint32_t v);
void tdbuf_u64(struct tdbuf *b, uint64_t v);
/* The string with its NUL. */
void tdbuf_str(struct tdbuf *b, const char *s);
/* An option: u16 id, u32 size, data. */
void tdbuf_option(struct tdbuf *b, uint16_t id, const void *data, uint32_t len);
void tdbuf_option_u64(struct tdbuf *b, uint16_t id, uint64_t v);
void tdbuf_free(struct tdbuf *b);

#endif
