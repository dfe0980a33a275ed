// SPDX-License-Identifier: GPL-2.0
/* trace.dat reader: opening, the initial format, cursors and metadata bodies. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracedat_internal.h"
#include "tracedat_journal.h"
#include "util.h"

int tdr_fail(struct tdr *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->err[0]) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * One idle zstd context kept from a closed file for the next: a context is ~160 KiB that
 * would otherwise be mapped and faulted in again for every file opened (the unit tests and
 * the fuzzer open thousands).
 */
static ZSTD_DCtx *idle_dctx;

ZSTD_DCtx *tdr_dctx_get(void)
{
	ZSTD_DCtx *d = __atomic_exchange_n(&idle_dctx, NULL, __ATOMIC_ACQ_REL);

	return d ? d : ZSTD_createDCtx();
}

void tdr_dctx_put(ZSTD_DCtx *d)
{
	if (!d)
		return;
	ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
	ZSTD_freeDCtx(__atomic_exchange_n(&idle_dctx, d, __ATOMIC_ACQ_REL));
}

int tdr_pread(const struct tdr *r, void *buf, size_t len, uint64_t off)
{
	if (!r->mem)
		return td_pread(r->fd, buf, len, off) ? -1 : 0;
	if (off > r->size || len > r->size - off)
		return -1;
	memcpy(buf, r->mem + off, len);
	return 0;
}

int cur_read(struct cur *c, void *buf, uint64_t n)
{
	if (n > c->end - c->pos || c->pos > c->end)
		return tdr_fail(c->r, "%s: truncated (needs %llu bytes at offset %llu, has %llu)",
				c->part, (unsigned long long)n, (unsigned long long)c->pos,
				(unsigned long long)(c->end > c->pos ? c->end - c->pos : 0));
	if (c->mem)
		memcpy(buf, c->mem + c->pos, n);
	else if (tdr_pread(c->r, buf, n, c->pos))
		return tdr_fail(c->r, "%s: cannot read at offset %llu", c->part,
				(unsigned long long)c->pos);
	c->pos += n;
	return 0;
}

int cur_u16(struct cur *c, uint16_t *v)
{
	uint8_t b[2];

	if (cur_read(c, b, 2))
		return -1;
	*v = bo_get16(b, c->r->info.big_endian);
	return 0;
}

int cur_u32(struct cur *c, uint32_t *v)
{
	uint8_t b[4];

	if (cur_read(c, b, 4))
		return -1;
	*v = bo_get32(b, c->r->info.big_endian);
	return 0;
}

int cur_u64(struct cur *c, uint64_t *v)
{
	uint8_t b[8];

	if (cur_read(c, b, 8))
		return -1;
	*v = bo_get64(b, c->r->info.big_endian);
	return 0;
}

char *cur_str(struct cur *c, size_t max)
{
	char *s = xmalloc(max + 1);
	size_t i;

	for (i = 0; i <= max; i++) {
		if (cur_read(c, s + i, 1)) {
			free(s);
			return NULL;
		}
		if (!s[i])
			return s;
	}
	free(s);
	tdr_fail(c->r, "%s: string longer than %zu bytes at offset %llu", c->part, max,
		 (unsigned long long)c->pos);
	return NULL;
}

char *cur_blob(struct cur *c, uint64_t n)
{
	char *s;

	if (c->pos > c->end || n > c->end - c->pos) {
		tdr_fail(c->r, "%s: size %llu runs past the end (offset %llu)", c->part,
			 (unsigned long long)n, (unsigned long long)c->pos);
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		tdr_fail(c->r, "%s: out of memory for %llu bytes", c->part, (unsigned long long)n);
		return NULL;
	}
	if (cur_read(c, s, n)) {
		free(s);
		return NULL;
	}
	s[n] = 0;
	return s;
}

int tdr_decompress(struct tdr *r, void *dst, size_t usize, const void *src, size_t csize,
		   const char **why)
{
	return tdr_decompress_in(r, r->dctx, dst, usize, src, csize, why);
}

int tdr_decompress_in(struct tdr *r, ZSTD_DCtx *dctx, void *dst, size_t usize, const void *src,
		      size_t csize, const char **why)
{
	uLongf zlen = usize;
	size_t n;
	int ret;

	if (r->codec == TDR_CODEC_ZLIB) {
		/* trace-cmd's zlib blocks are whole zlib streams (compress2()). */
		ret = uncompress(dst, &zlen, src, csize);
		if (ret != Z_OK || zlen != usize) {
			*why = ret != Z_OK ? zError(ret) : "short";
			return -1;
		}
		return 0;
	}
	if (!dctx) {
		*why = "out of memory";
		return -1;
	}
	n = ZSTD_decompressDCtx(dctx, dst, usize, src, csize);
	if (ZSTD_isError(n) || n != usize) {
		*why = ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short";
		return -1;
	}
	return 0;
}

const char *tdr_size_problem(const struct tdr *r, const void *src, size_t csize, size_t usize)
{
	unsigned long long n;

	if (r->codec == TDR_CODEC_ZLIB)
		return usize / 1032 > csize ? "more than deflate can expand to" : NULL;
	/* trace-cmd and remotectl write one frame per block, with its size in the header. */
	n = ZSTD_getFrameContentSize(src, csize);
	if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR && n != usize)
		return "its frame holds another size";
	return NULL;
}

uint8_t *tdr_inflate(struct tdr *r, struct cur *c, uint32_t csize, uint32_t usize,
		     const char *part)
{
	uint8_t *src, *dst;
	const char *why;

	if (usize > TDR_META_MAX) {
		tdr_fail(r, "%s: uncompressed size %u too large", part, usize);
		return NULL;
	}
	src = (uint8_t *)cur_blob(c, csize);
	if (!src)
		return NULL;
	why = tdr_size_problem(r, src, csize, usize);
	if (why) {
		free(src);
		tdr_fail(r, "%s: compressed data is damaged (%s)", part, why);
		return NULL;
	}
	dst = malloc(usize ? usize : 1);
	if (!dst) {
		free(src);
		tdr_fail(r, "%s: out of memory", part);
		return NULL;
	}
	if (tdr_decompress(r, dst, usize, src, csize, &why)) {
		free(src);
		free(dst);
		tdr_fail(r, "%s: compressed data is damaged (%s)", part, why);
		return NULL;
	}
	free(src);
	return dst;
}

int tdr_parse_header_info(struct cur *c)
{
	struct tdr_info *in = &c->r->info;
	char name[13];
	uint64_t size;

	if (cur_read(c, name, 12) || memcmp(name, "header_page", 12))
		return tdr_fail(c->r, "%s: no header_page", c->part);
	if (cur_u64(c, &size) || !(in->header_page.data = cur_blob(c, size)))
		return -1;
	in->header_page.len = size;
	if (cur_read(c, name, 13) || memcmp(name, "header_event", 13))
		return tdr_fail(c->r, "%s: no header_event", c->part);
	if (cur_u64(c, &size) || !(in->header_event.data = cur_blob(c, size)))
		return -1;
	in->header_event.len = size;
	return 0;
}

static int add_formats(struct cur *c, const char *system, uint32_t count)
{
	struct tdr_info *in = &c->r->info;
	uint32_t i;

	if (count > TDR_MAX_ITEMS || in->nr_formats + count > TDR_MAX_ITEMS)
		return tdr_fail(c->r, "%s: %u formats is not plausible", c->part, count);
	for (i = 0; i < count; i++) {
		struct tdr_format *f;
		uint64_t size;
		char *text;

		if (cur_u64(c, &size) || !(text = cur_blob(c, size)))
			return -1;
		in->formats = xrealloc(in->formats, (in->nr_formats + 1) * sizeof(*f));
		f = &in->formats[in->nr_formats++];
		f->system = xstrdup(system);
		f->text = text;
		f->len = size;
	}
	return 0;
}

int tdr_parse_ftrace_events(struct cur *c)
{
	uint32_t count;

	if (cur_u32(c, &count))
		return -1;
	return add_formats(c, "ftrace", count);
}

int tdr_parse_event_formats(struct cur *c)
{
	uint32_t systems, count, i;

	if (cur_u32(c, &systems))
		return -1;
	if (systems > TDR_MAX_ITEMS)
		return tdr_fail(c->r, "%s: %u systems is not plausible", c->part, systems);
	for (i = 0; i < systems; i++) {
		char *name = cur_str(c, 1024);
		int ret;

		if (!name)
			return -1;
		ret = cur_u32(c, &count) ? -1 : add_formats(c, name, count);
		free(name);
		if (ret)
			return -1;
	}
	return 0;
}

int tdr_parse_text(struct cur *c, struct tdr_blob *b, bool size64)
{
	uint64_t size;
	uint32_t s32;

	if (size64 ? cur_u64(c, &size) : cur_u32(c, &s32))
		return -1;
	if (!size64)
		size = s32;
	free(b->data);
	b->data = cur_blob(c, size);
	b->len = b->data ? size : 0;
	return b->data ? 0 : -1;
}

/* Magic, version, byte order, long size and page size: the part v6 and v7 share. */
static int load_header(struct tdr *r, struct cur *c)
{
	struct tdr_info *in = &r->info;
	uint8_t magic[TD_MAGIC_LEN], b[2];
	char *ver;

	if (cur_read(c, magic, sizeof(magic)) || memcmp(magic, TD_MAGIC, sizeof(magic))) {
		r->err[0] = 0;
		return tdr_fail(r, "not a trace.dat file (bad magic)");
	}
	ver = cur_str(c, 15);
	if (!ver)
		return -1;
	in->version = atoi(ver);
	free(ver);
	if (in->version < 6 || in->version > 7)
		return tdr_fail(r, "file header: unsupported trace.dat version %d", in->version);
	if (cur_read(c, b, 2))
		return -1;
	in->big_endian = b[0];
	in->long_size = b[1];
	if (b[0] > 1 || (b[1] != 4 && b[1] != 8))
		return tdr_fail(r, "file header: bad endianness %u or long size %u", b[0], b[1]);
	if (cur_u32(c, &in->page_size))
		return -1;
	if (in->page_size < 64 || in->page_size > (16u << 20))
		return tdr_fail(r, "file header: bad page size %u", in->page_size);
	strcpy(in->compression, "none");
	return 0;
}

static int load(struct tdr *r)
{
	struct cur c = { .r = r, .end = r->size, .part = "file header" };

	if (load_header(r, &c))
		return -1;
	return r->info.version == 6 ? tdr_load_v6(r, &c) : tdr_load_v7(r, &c);
}

int tdr_v7_options_at(int fd, uint64_t size, uint64_t *options_at)
{
	struct tdr r = { .fd = fd, .size = size };
	struct cur c = { .r = &r, .end = size, .part = "file header" };
	uint8_t magic[TD_MAGIC_LEN];
	uint64_t next;
	int ret = TDR_HDR_DAMAGED;

	/* Too short for magic, version and byte order: not one of ours, not a damaged one. */
	if (size < TD_MAGIC_LEN + 8 || tdr_pread(&r, magic, sizeof(magic), 0) ||
	    memcmp(magic, TD_MAGIC, sizeof(magic)))
		return TDR_HDR_NOT_TRACEDAT;
	if (load_header(&r, &c)) {
		if (r.info.version != 7)
			ret = TDR_HDR_NOT_V7;
	} else if (r.info.version != 7) {
		ret = TDR_HDR_NOT_V7;
	} else if (!tdr_load_v7_header(&r, &c, &next)) {
		*options_at = c.pos - 8;
		ret = 0;
	}
	tdr_dctx_put(r.dctx);
	return ret;
}

/* Load r (its fd or mem and size set); NULL, with err, after closing it. */
static struct tdr *open_loaded(struct tdr *r, char *err, size_t errlen)
{
	if (load(r)) {
		snprintf(err, errlen, "%s", r->err[0] ? r->err : "out of memory");
		tdr_close(r);
		return NULL;
	}
	return r;
}

struct tdr *tdr_open_fd(int fd, char *err, size_t errlen)
{
	struct tdr *r = xcalloc(1, sizeof(*r));
	struct stat st;

	r->fd = fd;
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		tdr_close(r);
		return NULL;
	}
	r->size = st.st_size;
	return open_loaded(r, err, errlen);
}

struct tdr *tdr_open_mem(const void *data, size_t size, char *err, size_t errlen)
{
	struct tdr *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	r->mem = data;
	r->size = size;
	return open_loaded(r, err, errlen);
}

struct tdr *tdr_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	return tdr_open_fd(fd, err, errlen);
}

const struct tdr_info *tdr_info(const struct tdr *r)
{
	return &r->info;
}

void tdr_close(struct tdr *r)
{
	struct tdr_info *in;
	int i;

	if (!r)
		return;
	in = &r->info;
	for (i = 0; i < in->nr_formats; i++) {
		free(in->formats[i].system);
		free(in->formats[i].text);
	}
	for (i = 0; i < in->nr_buffers; i++) {
		free(in->buffers[i].name);
		free(in->buffers[i].clock);
		free(in->buffers[i].cpus);
	}
	for (i = 0; i < in->nr_cpustats; i++)
		free(in->cpustats[i]);
	free(in->cpustats);
	free(in->formats);
	free(in->buffers);
	free(in->header_page.data);
	free(in->header_event.data);
	free(in->kallsyms.data);
	free(in->printk.data);
	free(in->cmdlines.data);
	free(in->trace_clock);
	free(in->uname);
	free(in->version_str);
	tdr_dctx_put(r->dctx);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}
