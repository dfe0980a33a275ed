/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the trace.dat reader's files: the handle and a bounds-checked cursor. */
#ifndef REMOTECTL_TRACEDAT_READ_INT_H
#define REMOTECTL_TRACEDAT_READ_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>
#include <zstd.h>

#include "tracedat_read.h"

#define TDR_META_MAX	(128u << 20)	/* largest metadata section we inflate */
#define TDR_MAX_ITEMS	100000		/* formats, systems, CPUs, options */

enum tdr_codec { TDR_CODEC_NONE, TDR_CODEC_ZSTD, TDR_CODEC_ZLIB };

struct tdr {
	int fd;			/* -1 when reading from memory */
	const uint8_t *mem;	/* the whole file (tdr_open_mem()), or NULL */
	uint64_t size;
	struct tdr_info info;
	enum tdr_codec codec;
	ZSTD_DCtx *dctx;
	char err[256];
};

/* Reads from memory (mem != NULL) or from the file, never past end. */
struct cur {
	struct tdr *r;
	const uint8_t *mem;
	uint64_t pos;
	uint64_t end;
	const char *part;	/* named in errors */
};

int tdr_fail(struct tdr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A zstd decompression context (a reused one when there is one), or NULL. */
ZSTD_DCtx *tdr_dctx_get(void);
/* len bytes of the file at off, from memory or the fd: 0, or -1 when they are not all there. */
int tdr_pread(const struct tdr *r, void *buf, size_t len, uint64_t off);
int cur_read(struct cur *c, void *buf, uint64_t n);
int cur_u16(struct cur *c, uint16_t *v);
int cur_u32(struct cur *c, uint32_t *v);
int cur_u64(struct cur *c, uint64_t *v);
/* A NUL-terminated string of at most max bytes; malloc'd. */
char *cur_str(struct cur *c, size_t max);
/* n bytes as a NUL-terminated malloc'd copy; NULL when n exceeds what is left. */
char *cur_blob(struct cur *c, uint64_t n);
/*
 * Decompress one block (zstd frame or zlib stream, the file's codec) of exactly usize bytes.
 * Returns 0, or -1 with why naming the damage.
 */
int tdr_decompress(struct tdr *r, void *dst, size_t usize, const void *src, size_t csize,
		   const char **why);
/*
 * Why a block of csize bytes at src cannot hold usize bytes (checked before usize bytes are
 * allocated for it: a damaged size may claim megabytes), or NULL.
 */
const char *tdr_size_problem(const struct tdr *r, const void *src, size_t csize, size_t usize);
/* Inflate one block of csize bytes at the cursor into a malloc'd usize buffer. */
uint8_t *tdr_inflate(struct tdr *r, struct cur *c, uint32_t csize, uint32_t usize,
		     const char *part);

/* Metadata bodies (same in v6 and v7). */
int tdr_parse_header_info(struct cur *c);
int tdr_parse_ftrace_events(struct cur *c);
int tdr_parse_event_formats(struct cur *c);
int tdr_parse_text(struct cur *c, struct tdr_blob *b, bool size64);

int tdr_load_v6(struct tdr *r, struct cur *c);
/* v7's codec and version strings, and the u64 after them: the offset of options 1. */
int tdr_load_v7_header(struct tdr *r, struct cur *c, uint64_t *next);
int tdr_load_v7(struct tdr *r, struct cur *c);

#endif
