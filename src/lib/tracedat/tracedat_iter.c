// SPDX-License-Identifier: GPL-2.0
/* trace.dat reader: one CPU's sub-buffers, streamed a compressed chunk (or a page) at a time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_internal.h"
#include "tracedat_journal.h"
#include "util.h"

struct tdr_iter {
	struct tdr *r;
	int cpu;
	uint32_t page;
	bool chunked;		/* compressed: chunks of pages */
	bool started;
	bool done;
	uint64_t pos;
	uint64_t end;
	uint32_t nr_chunks;
	uint32_t chunk_idx;
	uint8_t *chunk;
	size_t chunk_cap;
	uint32_t chunk_len;
	uint32_t chunk_off;
	uint8_t *src;
	size_t src_cap;
	uint8_t *page_buf;
	uint32_t dirty;		/* page_buf is zero from here on */
	ZSTD_DCtx *dctx;	/* its own (tdr_iter_private()), else the file's */
	bool private;
	char err[256];
};

struct tdr_iter *tdr_iter_new(struct tdr *r, int buffer, int cpu_index)
{
	const struct tdr_buffer *b;
	struct tdr_iter *it;

	if (buffer < 0 || buffer >= r->info.nr_buffers)
		return NULL;
	b = &r->info.buffers[buffer];
	if (cpu_index < 0 || cpu_index >= b->nr_cpus)
		return NULL;
	it = xcalloc(1, sizeof(*it));
	it->r = r;
	it->cpu = b->cpus[cpu_index].cpu;
	it->page = b->page_size;
	it->chunked = r->codec != TDR_CODEC_NONE;
	it->pos = b->cpus[cpu_index].offset;
	it->end = it->pos + b->cpus[cpu_index].size;
	/* trace-cmd's stored size of compressed data leaves out the u32 chunk count. */
	if (it->chunked)
		it->end = it->end + 4 < r->size ? it->end + 4 : r->size;
	it->page_buf = xcalloc(1, it->page);
	return it;
}

static int iter_fail(struct tdr_iter *it, bool fatal, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(it->err, sizeof(it->err), "CPU %d data", it->cpu);
	if (it->chunked && it->started)
		n += snprintf(it->err + n, sizeof(it->err) - n, ", chunk %u of %u",
			      it->chunk_idx + 1, it->nr_chunks);
	n += snprintf(it->err + n, sizeof(it->err) - n, " (offset %llu): ",
		      (unsigned long long)it->pos);
	va_start(ap, fmt);
	vsnprintf(it->err + n, sizeof(it->err) - n, fmt, ap);
	va_end(ap);
	if (fatal)
		it->done = true;
	return -1;
}

/*
 * page_buf holds n bytes of data and zeros to the end. Only what earlier data dirtied is
 * cleared: a file may claim sub-buffers of megabytes and hold a few bytes.
 */
static void zero_tail(struct tdr_iter *it, uint32_t n)
{
	if (it->dirty > n)
		memset(it->page_buf + n, 0, it->dirty - n);
	it->dirty = n;
}

static int next_raw(struct tdr_iter *it, const uint8_t **page)
{
	uint64_t n = it->end - it->pos;

	if (it->pos >= it->end)
		return 0;
	if (n > it->page)
		n = it->page;
	if (tdr_pread(it->r, it->page_buf, n, it->pos)) {
		it->dirty = it->page;	/* a short read may have left bytes anywhere */
		return iter_fail(it, true, "cannot read");
	}
	zero_tail(it, n);
	it->pos += it->page;
	if (n < it->page)
		it->done = true;	/* a cut file: hand out what is there */
	*page = it->page_buf;
	return 1;
}

static int grow(uint8_t **p, size_t *cap, size_t want)
{
	uint8_t *q;

	if (want <= *cap)
		return 0;
	q = realloc(*p, want);
	if (!q)
		return -1;
	*p = q;
	*cap = want;
	return 0;
}

/* Load the next chunk; 1 loaded, 0 end, -1 damaged (skipped when possible). */
static int load_chunk(struct tdr_iter *it)
{
	uint8_t h[TD_CHUNK_HDR_SIZE];
	uint32_t csize, usize;
	const char *why;
	uint64_t next;

	if (!it->started) {
		it->started = true;
		if (it->end - it->pos < 4 || tdr_pread(it->r, h, 4, it->pos))
			return iter_fail(it, true, "no chunk count");
		it->nr_chunks = bo_get32(h, it->r->info.big_endian);
		it->pos += 4;
	}
	if (it->chunk_idx >= it->nr_chunks)
		return 0;
	if (it->end - it->pos < TD_CHUNK_HDR_SIZE || tdr_pread(it->r, h, sizeof(h), it->pos))
		return iter_fail(it, true, "truncated chunk header");
	csize = bo_get32(h, it->r->info.big_endian);
	usize = bo_get32(h + 4, it->r->info.big_endian);
	if (csize > it->end - it->pos - TD_CHUNK_HDR_SIZE)
		return iter_fail(it, true, "chunk of %u bytes runs past the data", csize);
	next = it->pos + TD_CHUNK_HDR_SIZE + csize;
	if (!usize || usize > TD_MAX_CHUNK_RAW) {
		iter_fail(it, false, "bad uncompressed size %u", usize);
		goto skip;
	}
	if (grow(&it->src, &it->src_cap, csize ? csize : 1)) {
		iter_fail(it, true, "out of memory");
		goto skip;
	}
	if (tdr_pread(it->r, it->src, csize, it->pos + TD_CHUNK_HDR_SIZE))
		return iter_fail(it, true, "cannot read");
	why = tdr_size_problem(it->r, it->src, csize, usize);
	if (why) {
		iter_fail(it, false, "damaged compressed data (%s), chunk skipped", why);
		goto skip;
	}
	if (grow(&it->chunk, &it->chunk_cap, usize)) {
		iter_fail(it, true, "out of memory");
		goto skip;
	}
	if (it->private && !it->dctx && it->r->codec == TDR_CODEC_ZSTD)
		it->dctx = tdr_dctx_get();
	if (tdr_decompress_in(it->r, it->private ? it->dctx : it->r->dctx, it->chunk, usize,
			      it->src, csize, &why)) {
		iter_fail(it, false, "damaged compressed data (%s), chunk skipped", why);
		goto skip;
	}
	it->chunk_len = usize;
	it->chunk_off = 0;
	it->chunk_idx++;
	it->pos = next;
	return 1;
skip:
	it->chunk_idx++;
	it->pos = next;
	return -1;
}

static int next_chunked(struct tdr_iter *it, const uint8_t **page)
{
	while (it->chunk_off >= it->chunk_len) {
		int ret = load_chunk(it);

		if (ret <= 0)
			return ret;
	}
	{
		uint32_t n = it->chunk_len - it->chunk_off;

		if (n > it->page)
			n = it->page;
		memcpy(it->page_buf, it->chunk + it->chunk_off, n);
		zero_tail(it, n);
		it->chunk_off += it->page;
	}
	*page = it->page_buf;
	return 1;
}

int tdr_iter_next(struct tdr_iter *it, const uint8_t **page)
{
	if (it->done)
		return 0;
	it->err[0] = 0;
	return it->chunked ? next_chunked(it, page) : next_raw(it, page);
}

void tdr_iter_private(struct tdr_iter *it)
{
	it->private = true;
}

const char *tdr_iter_error(const struct tdr_iter *it)
{
	return it->err;
}

void tdr_iter_free(struct tdr_iter *it)
{
	if (!it)
		return;
	free(it->chunk);
	free(it->src);
	free(it->page_buf);
	if (it->dctx)
		tdr_dctx_put(it->dctx);
	free(it);
}
