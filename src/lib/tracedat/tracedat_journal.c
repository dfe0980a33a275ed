// SPDX-License-Identifier: GPL-2.0
/* The journal of a file being recorded, and turning it into a BUFFER section. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "block_io.h"
#include "tracedat_internal.h"
#include "tracedat_journal.h"
#include "tracedat_read.h"
#include "util.h"

#define JOURNAL_WINDOW	(1u << 20)	/* read-ahead over the journal's chunks */
#define CPU_WRITE_BEHIND (256u << 10)	/* per CPU, when the BUFFER section is filled */
#define META_MAX	4096

int td_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return pread_full(fd, buf, len, off);
}

int td_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	return pwrite_full(fd, buf, len, off);
}

int td_write_section_header(int fd, uint64_t off, uint16_t id, uint16_t flags, uint64_t len)
{
	uint8_t h[TD_SEC_HDR_SIZE];

	bo_put16(h, id, BO_LITTLE);
	bo_put16(h + 2, flags, BO_LITTLE);
	bo_put32(h + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(h + 8, len, BO_LITTLE);
	return td_pwrite(fd, h, sizeof(h), off);
}

void td_journal_meta(struct tdbuf *b, int index, const char *name, const char *clock,
		     uint32_t page_size, bool compressed, const char *boot_id)
{
	tdbuf_str(b, name);
	tdbuf_str(b, clock);
	tdbuf_u32(b, page_size);
	tdbuf_u32(b, compressed | (boot_id ? TD_META_FL_LATE_KALLSYMS : 0));
	if (index >= 0)
		tdbuf_u32(b, index);
	if (boot_id)
		tdbuf_str(b, boot_id);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* The entry of cpu in b, added when add is set (else NULL when there is none). */
static struct td_cpu_data *journal_cpu(struct td_journal_buf *b, int cpu, bool add)
{
	int i;

	for (i = 0; i < b->nr_cpus && b->cpus[i].cpu < cpu; i++)
		;
	if (i < b->nr_cpus && b->cpus[i].cpu == cpu)
		return &b->cpus[i];
	if (!add)
		return NULL;
	b->cpus = xrealloc(b->cpus, (b->nr_cpus + 1) * sizeof(*b->cpus));
	memmove(&b->cpus[i + 1], &b->cpus[i], (b->nr_cpus - i) * sizeof(*b->cpus));
	b->nr_cpus++;
	memset(&b->cpus[i], 0, sizeof(*b->cpus));
	b->cpus[i].cpu = cpu;
	return &b->cpus[i];
}

/*
 * The section at off describing buffer number j->nr_buffers: the RC_META of a file of one
 * buffer, or one of the RC_BUFFER sections of a file of several. 0 when it is one, 1 when there
 * is none (another section, or the file ends), -1 with a message in err when it is damaged.
 */
static int parse_meta(int fd, uint64_t off, uint64_t file_end, struct td_journal *j,
		      char *err, size_t errlen)
{
	uint8_t h[TD_SEC_HDR_SIZE], body[META_MAX];
	int index = j->nr_buffers;
	struct td_journal_buf *b;
	uint32_t page_size, flags;
	uint64_t size;
	size_t nlen, clen, fixed;
	bool multi;
	uint16_t id;

	if (off + sizeof(h) > file_end || td_pread(fd, h, sizeof(h), off)) {
		snprintf(err, errlen, "no recording journal (file ends before it)");
		return 1;
	}
	size = bo_get64(h + 8, BO_LITTLE);
	id = bo_get16(h, BO_LITTLE);
	/* An RC_META describes the only buffer; RC_BUFFER sections, from the first, several. */
	multi = id == TD_SEC_RC_BUFFER;
	if ((id != TD_SEC_RC_META || index) && (!multi || index != j->nr_multi)) {
		snprintf(err, errlen, "no recording journal (not a file left by remotectl record)");
		return 1;
	}
	if (size < 10 || size > META_MAX || off + sizeof(h) + size > file_end ||
	    td_pread(fd, body, size, off + sizeof(h))) {
		snprintf(err, errlen, "recording journal header is damaged");
		return -1;
	}
	nlen = strnlen((char *)body, size);
	clen = nlen < size ? strnlen((char *)body + nlen + 1, size - nlen - 1) : size;
	fixed = nlen + clen + 2;
	/* An RC_BUFFER section ends with its buffer's number. */
	if (nlen >= size || fixed + 8 > size || (multi && (fixed + 12 > size ||
	    bo_get32(body + fixed + 8, BO_LITTLE) != (uint32_t)index))) {
		snprintf(err, errlen, "recording journal header is damaged");
		return -1;
	}
	page_size = bo_get32(body + fixed, BO_LITTLE);
	flags = bo_get32(body + fixed + 4, BO_LITTLE);
	if (page_size < 64 || page_size > (16u << 20)) {
		snprintf(err, errlen, "recording journal header: bad sub-buffer size %u",
			 page_size);
		return -1;
	}
	if (index && (bool)(flags & 1) != j->compressed) {
		snprintf(err, errlen, "recording journal header: buffers of different codecs");
		return -1;
	}
	j->bufs = xrealloc(j->bufs, (index + 1) * sizeof(*j->bufs));
	b = &j->bufs[index];
	memset(b, 0, sizeof(*b));
	b->name = xstrdup((char *)body);
	b->clock = xstrdup((char *)body + nlen + 1);
	b->page_size = page_size;
	j->nr_buffers++;
	j->nr_multi += multi;
	if (!index) {
		size_t at = fixed + (multi ? 12 : 8);

		j->compressed = flags & 1;
		j->meta_off = off;
		/* Older files end here; a boot id that does not fit is no boot id. */
		if ((flags & TD_META_FL_LATE_KALLSYMS) && at < size &&
		    strnlen((char *)body + at, size - at) < size - at &&
		    strlen((char *)body + at) < sizeof(j->late_kallsyms_boot))
			strcpy(j->late_kallsyms_boot, (char *)body + at);
	}
	j->end = off + sizeof(h) + size;
	return 0;
}

static bool chunk_decompresses(int fd, uint64_t off, uint32_t csize, uint32_t usize)
{
	void *src = malloc(csize), *dst = malloc(usize);
	bool ok = false;

	if (src && dst && !td_pread(fd, src, csize, off)) {
		size_t r = ZSTD_decompress(dst, usize, src, csize);

		ok = !ZSTD_isError(r) && r == usize;
	}
	free(src);
	free(dst);
	return ok;
}

int td_journal_read_meta(int fd, uint64_t meta_off, uint64_t file_end, struct td_journal *j,
			 char *err, size_t errlen)
{
	int ret = 0;

	memset(j, 0, sizeof(*j));
	if (parse_meta(fd, meta_off, file_end, j, err, errlen)) {
		td_journal_free(j);
		return -1;
	}
	/* The RC_BUFFER sections of the other buffers, one after the other. */
	while (j->nr_multi && j->nr_buffers < TD_MAX_BUFFERS &&
	       (ret = parse_meta(fd, j->end, file_end, j, err, errlen)) == 0)
		;
	if (ret < 0) {
		td_journal_free(j);
		return -1;
	}
	return 0;
}

int td_journal_add_chunks(struct td_journal *j, int buffer, int cpu, uint32_t chunks,
			  uint64_t size)
{
	struct td_cpu_data *c;

	if (buffer < 0 || buffer >= j->nr_buffers || cpu < 0 || cpu >= 65536)
		return -EINVAL;
	c = journal_cpu(&j->bufs[buffer], cpu, true);
	c->chunks += chunks;
	c->size += size;
	j->chunks += chunks;
	return 0;
}

int td_journal_scan(int fd, uint64_t meta_off, uint64_t file_end, struct td_journal *j,
		    bool verify, char *err, size_t errlen)
{
	struct block_reader r;
	uint64_t pos;

	if (td_journal_read_meta(fd, meta_off, file_end, j, err, errlen))
		return -1;
	block_reader_init(&r, fd, file_end, JOURNAL_WINDOW);
	for (pos = j->end; pos + TD_SEC_HDR_SIZE <= file_end;) {
		uint8_t h[TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE];
		uint32_t cpu, buffer, csize, usize;
		struct td_journal_buf *b;
		uint64_t size;
		uint16_t id;

		if (block_read(&r, h, TD_SEC_HDR_SIZE, pos))
			break;
		id = bo_get16(h, BO_LITTLE);
		size = bo_get64(h + 8, BO_LITTLE);
		if (size > file_end - pos - TD_SEC_HDR_SIZE)
			break;
		if (id == TD_SEC_RC_PAD) {
			pos += TD_SEC_HDR_SIZE + size;
			continue;
		}
		if (id != TD_SEC_RC_CHUNK || size < TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE ||
		    block_read(&r, h, sizeof(h), pos))
			break;
		cpu = bo_get32(h + 16, BO_LITTLE);
		buffer = bo_get32(h + 20, BO_LITTLE);
		csize = bo_get32(h + 24, BO_LITTLE);
		usize = bo_get32(h + 28, BO_LITTLE);
		if (cpu >= 65536 || buffer >= (uint32_t)j->nr_buffers)
			break;
		b = &j->bufs[buffer];
		if (csize + 16ull != size || !usize || usize % b->page_size ||
		    usize > TD_MAX_CHUNK_RAW || (!j->compressed && csize != usize))
			break;
		if (verify && j->compressed &&
		    !chunk_decompresses(fd, pos + sizeof(h), csize, usize))
			break;
		td_journal_add_chunks(j, buffer, cpu, 1,
				      td_chunk_stored_size(j->compressed, csize));
		pos += TD_SEC_HDR_SIZE + size;
		j->end = pos;
	}
	block_reader_free(&r);
	return 0;
}

int td_journal_find(int fd, uint64_t size, uint64_t *done_pos, uint64_t *journal, char *err,
		    size_t errlen)
{
	uint8_t h[8], sh[TD_SEC_HDR_SIZE], o[6];
	uint64_t ptr_at, opts, pos, end, next;
	const char *why;

	switch (tdr_v7_options_at(fd, size, &ptr_at)) {
	case 0:
		break;
	case TDR_HDR_NOT_TRACEDAT:
		why = "not a trace.dat file";
		goto fail;
	case TDR_HDR_NOT_V7:
		why = "only trace.dat v7 files written by remotectl can be recovered";
		goto fail;
	default:
		why = "file header is damaged";
		goto fail;
	}
	if (td_pread(fd, h, sizeof(h), ptr_at)) {
		why = "file header is damaged";
		goto fail;
	}
	opts = bo_get64(h, BO_LITTLE);
	if (!opts || opts + TD_SEC_HDR_SIZE > size || td_pread(fd, sh, sizeof(sh), opts) ||
	    bo_get16(sh, BO_LITTLE) != TD_OPT_DONE || bo_get16(sh + 2, BO_LITTLE)) {
		why = "no usable options section: the record stopped before any data";
		goto fail;
	}
	end = opts + TD_SEC_HDR_SIZE + bo_get64(sh + 8, BO_LITTLE);
	if (end > size || end < opts) {
		why = "options section runs past the end of the file";
		goto fail;
	}
	for (pos = opts + TD_SEC_HDR_SIZE; pos + 6 <= end;) {
		if (td_pread(fd, o, 6, pos))
			break;
		if (bo_get16(o, BO_LITTLE) == TD_OPT_DONE && bo_get32(o + 2, BO_LITTLE) == 8) {
			uint8_t v[8];

			if (td_pread(fd, v, 8, pos + 6))
				break;
			next = bo_get64(v, BO_LITTLE);
			*done_pos = pos + 6;
			*journal = end;
			return next ? 1 : 0;
		}
		/* 64-bit: a size of 2^32 - 6 would otherwise add nothing, forever. */
		pos += 6 + (uint64_t)bo_get32(o + 2, BO_LITTLE);
	}
	why = "options section has no DONE entry";
fail:
	snprintf(err, errlen, "%s", why);
	return -1;
}

void td_journal_free(struct td_journal *j)
{
	int i;

	for (i = 0; i < j->nr_buffers; i++) {
		free(j->bufs[i].name);
		free(j->bufs[i].clock);
		free(j->bufs[i].cpus);
	}
	free(j->bufs);
	memset(j, 0, sizeof(*j));
}

/* Where a CPU's chunks start in its BUFFER section: after their count when compressed. */
static uint64_t chunks_start(const struct td_journal *j, const struct td_cpu_data *c)
{
	return c->offset + (j->compressed ? 4 : 0);
}

/* Write-behind per CPU: up to 256 KiB, less when there are many CPUs (16 MiB in all). */
static size_t write_behind(int nr_cpus)
{
	size_t cap = (16u << 20) / (nr_cpus ? nr_cpus : 1);

	return cap > CPU_WRITE_BEHIND ? CPU_WRITE_BEHIND : cap < 4096 ? 4096 : cap;
}

/*
 * Lay out and fill the BUFFER sections, one per buffer in journal order, from sec; returns
 * their end or 0 after a message. The journal is read a window at a time and each CPU's
 * chunks written from it in one pwritev() per window: a capture leaves thousands of chunks,
 * a pread() and a pwrite() for each cost more than the copy, and copying them into buffers
 * of our own cost as much again as writing them.
 */
static uint64_t write_buffer_sections(int fd, struct td_journal *j, uint64_t sec, int *failed)
{
	int *first = xcalloc(j->nr_buffers + 1, sizeof(*first));
	uint64_t *ends = xcalloc(j->nr_buffers, sizeof(*ends));
	uint32_t *copied;
	uint64_t cursor = sec, pos, *wr;
	struct block_writer *out;
	struct block_reader r;
	int b, i, n = 0, ret = 0, err;

	for (b = 0; b < j->nr_buffers; b++) {
		first[b] = n;
		n += j->bufs[b].nr_cpus;
	}
	first[b] = n;
	wr = xcalloc(n + 1, sizeof(*wr));
	copied = xcalloc(n + 1, sizeof(*copied));
	out = xcalloc(n + 1, sizeof(*out));
	block_reader_init(&r, fd, j->end, JOURNAL_WINDOW);
	for (b = 0; b < j->nr_buffers; b++) {
		struct td_journal_buf *jb = &j->bufs[b];

		jb->sec = cursor;
		cursor += TD_SEC_HDR_SIZE;
		for (i = 0; i < jb->nr_cpus; i++) {
			struct td_cpu_data *c = &jb->cpus[i];
			int k = first[b] + i;

			block_writer_init(&out[k], fd, write_behind(n));
			/* Like trace-cmd, the stored size leaves out the u32 chunk count. */
			c->offset = align_up(cursor, jb->page_size);
			wr[k] = chunks_start(j, c);
			cursor = wr[k] + c->size;
			if (j->compressed) {
				uint8_t cnt[4];

				bo_put32(cnt, c->chunks, BO_LITTLE);
				ret = ret ? ret : block_write(&out[k], cnt, 4, c->offset);
			}
		}
		ends[b] = cursor;
	}
	block_reader_attach(&r, out, n);
	/* Copy every chunk of the journal to its CPU's place, in journal order. */
	for (pos = j->meta_off; !ret && pos < j->end;) {
		uint8_t h[TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE];
		uint64_t size, stored;
		uint32_t buffer;

		ret = block_read(&r, h, sizeof(h) <= j->end - pos ? sizeof(h) : TD_SEC_HDR_SIZE,
				 pos);
		if (ret)
			break;
		size = bo_get64(h + 8, BO_LITTLE);
		if (bo_get16(h, BO_LITTLE) == TD_SEC_RC_CHUNK) {
			struct td_cpu_data *c = NULL;

			buffer = bo_get32(h + 20, BO_LITTLE);
			if (buffer < (uint32_t)j->nr_buffers)
				c = journal_cpu(&j->bufs[buffer], bo_get32(h + 16, BO_LITTLE),
						false);
			/*
			 * j counts every chunk (the scan's, or the writer's own count): one more,
			 * or a larger one, means the file is not what j describes.
			 */
			if (!c) {
				ret = -EIO;
				break;
			}
			i = first[buffer] + (c - j->bufs[buffer].cpus);
			/* Compressed, the chunk's two sizes go along. */
			stored = td_chunk_stored_size(j->compressed, bo_get32(h + 24, BO_LITTLE));
			if (copied[i] == c->chunks ||
			    wr[i] + stored > chunks_start(j, c) + c->size) {
				ret = -EIO;
				break;
			}
			ret = block_copy(&r, &out[i],
					 pos + sizeof(h) - (j->compressed ? TD_CHUNK_HDR_SIZE : 0),
					 wr[i], stored);
			wr[i] += stored;
			copied[i]++;
		}
		pos += TD_SEC_HDR_SIZE + size;
	}
	/* And none fewer: each CPU's data fills the room laid out for it. */
	for (b = 0; !ret && b < j->nr_buffers; b++)
		for (i = 0; !ret && i < j->bufs[b].nr_cpus; i++) {
			const struct td_cpu_data *c = &j->bufs[b].cpus[i];
			int k = first[b] + i;

			if (copied[k] != c->chunks || wr[k] != chunks_start(j, c) + c->size)
				ret = -EIO;
		}
	for (i = 0; i < n; i++) {
		err = block_writer_close(&out[i]);
		ret = ret ? ret : err;
	}
	block_reader_free(&r);
	/* Each section runs to the end of its last CPU's data (or of its header). */
	for (b = 0; !ret && b < j->nr_buffers; b++)
		ret = td_write_section_header(fd, j->bufs[b].sec, TD_OPT_BUFFER,
					      j->compressed ? TD_SEC_FL_COMPRESS : 0,
					      ends[b] - j->bufs[b].sec - TD_SEC_HDR_SIZE);
	free(ends);
	free(out);
	free(wr);
	free(copied);
	free(first);
	if (!ret && ftruncate(fd, cursor))
		ret = -errno;
	if (ret) {
		*failed = ret;
		return 0;
	}
	return cursor;
}

/*
 * The CPUSTAT texts of fin in the order given (the writer puts them in trace-cmd's order:
 * the top level's, then each instance's after a "Buffer: NAME" line).
 */
static void put_cpustats(struct tdbuf *b, const struct td_final *fin)
{
	int i;

	for (i = 0; fin && i < fin->nr_cpustats; i++)
		if (fin->cpustats[i])
			tdbuf_option(b, TD_OPT_CPUSTAT, fin->cpustats[i],
				     strlen(fin->cpustats[i]) + 1);
}

/*
 * Options 2: a BUFFER option per buffer (their sections laid out: j->bufs[].sec), CPUSTATs,
 * CMDLINES, KALLSYMS; the BUFFER sections' offsets lowered by delta, the others' by
 * tail_delta (modulo 2^64: a "lowering" may raise them).
 */
static void build_options2(struct tdbuf *b, const struct td_journal *j,
			   const struct td_tail *t, const struct td_final *fin, uint64_t delta,
			   uint64_t tail_delta)
{
	struct tdbuf o = { 0 };
	int i, k;

	b->len = 0;
	for (k = 0; k < j->nr_buffers; k++) {
		const struct td_journal_buf *jb = &j->bufs[k];

		o.len = 0;
		tdbuf_u64(&o, jb->sec ? jb->sec - delta : 0);
		tdbuf_str(&o, jb->name);
		tdbuf_str(&o, jb->clock);
		tdbuf_u32(&o, jb->page_size);
		tdbuf_u32(&o, jb->nr_cpus);
		for (i = 0; i < jb->nr_cpus; i++) {
			tdbuf_u32(&o, jb->cpus[i].cpu);
			tdbuf_u64(&o, jb->cpus[i].offset ? jb->cpus[i].offset - delta : 0);
			tdbuf_u64(&o, jb->cpus[i].size);
		}
		tdbuf_option(b, TD_OPT_BUFFER, o.p, o.len);
	}
	tdbuf_free(&o);
	put_cpustats(b, fin);
	if (t->cmdlines)
		tdbuf_option_u64(b, TD_SEC_CMDLINES, t->cmdlines - tail_delta);
	if (t->kallsyms)
		tdbuf_option_u64(b, TD_SEC_KALLSYMS, t->kallsyms - tail_delta);
	tdbuf_option_u64(b, TD_OPT_DONE, 0);
}

static int write_options(int fd, uint64_t off, const struct tdbuf *b)
{
	int ret = td_write_section_header(fd, off, TD_OPT_DONE, 0, b->len);

	return ret ? ret : td_pwrite(fd, b->p, b->len, off + TD_SEC_HDR_SIZE);
}

/* A metadata section, header included, of body (len bytes) in c; compressed with zstd. */
static void build_meta(struct tdbuf *c, uint16_t id, const void *body, size_t len,
		       ZSTD_CCtx **zstd, int level)
{
	uint8_t h[TD_SEC_HDR_SIZE], *z = NULL;
	uint16_t flags = 0;
	size_t n = zstd ? td_meta_compress(zstd, level, body, len, &z) : 0;

	if (n) {
		body = z;
		len = n;
		flags = TD_SEC_FL_COMPRESS;
	}
	bo_put16(h, id, BO_LITTLE);
	bo_put16(h + 2, flags, BO_LITTLE);
	bo_put32(h + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(h + 8, len, BO_LITTLE);
	tdbuf_put(c, h, sizeof(h));
	tdbuf_put(c, body, len);
	free(z);
}

/*
 * The CMDLINES and KALLSYMS sections (headers included) in c, in that order; where each
 * starts in c, +1 (0: absent) in t.
 */
static void build_tail(struct tdbuf *c, struct td_tail *t, const struct td_final *fin,
		       ZSTD_CCtx **zstd)
{
	struct tdbuf b = { 0 };

	if (fin && fin->cmdlines) {
		t->cmdlines = c->len + 1;
		tdbuf_u64(&b, fin->cmdlines_len);
		tdbuf_put(&b, fin->cmdlines, fin->cmdlines_len);
		build_meta(c, TD_SEC_CMDLINES, b.p, b.len, zstd, fin->level);
	}
	if (fin && fin->kallsyms) {
		t->kallsyms = c->len + 1;
		build_meta(c, TD_SEC_KALLSYMS, fin->kallsyms, fin->kallsyms_len, zstd, fin->level);
	}
	tdbuf_free(&b);
}

void td_final_read_kallsyms(struct td_final *fin, const char *path)
{
	fin->kallsyms = td_read_text_body(path, false, &fin->kallsyms_len);
}

/* A u64 file offset (of a DONE or a section option) and where it is to point. */
struct link {
	uint64_t pos;
	uint64_t target;
};

/*
 * Point each of n links at its target, durably: the targets reach the disk before the links
 * do. A crash may keep some of the links and not the others: each target must be complete,
 * and stay so until the links that replace these are durable too.
 */
static int link_options(int fd, const struct link *l, int n)
{
	uint8_t v[8];
	int i;

	if (fdatasync(fd) && errno != EINVAL)
		return -errno;
	for (i = 0; i < n; i++) {
		bo_put64(v, l[i].target, BO_LITTLE);
		if (td_pwrite(fd, v, 8, l[i].pos))
			return -EIO;
	}
	if (fdatasync(fd) && errno != EINVAL)
		return -errno;
	return 0;
}

/*
 * Options 1's links to the sections finishing replaces, in l: EVENT_FORMATS at formats and
 * CMDLINES at cmdlines (0: not replaced), lowered by delta; how many.
 */
static int first_links(const struct td_final *fin, uint64_t formats, uint64_t cmdlines,
		       uint64_t delta, struct link *l)
{
	int n = 0;

	if (formats)
		l[n++] = (struct link){ fin->formats_opt, formats - delta };
	if (cmdlines && fin && fin->cmdlines_opt)
		l[n++] = (struct link){ fin->cmdlines_opt, cmdlines - delta };
	return n;
}

/*
 * Make the EVENT_FORMATS and CMDLINES sections options 1 no longer name padding, once the
 * links to their replacements are durable: a file cut in between still names complete ones.
 */
static int pad_replaced(int fd, const struct td_final *fin, uint64_t formats, uint64_t cmdlines)
{
	uint8_t v[4];

	bo_put16(v, TD_SEC_RC_PAD, BO_LITTLE);
	bo_put16(v + 2, 0, BO_LITTLE);
	if (formats && td_pwrite(fd, v, 4, fin->formats_old))
		return -EIO;
	if (cmdlines && fin && fin->cmdlines_opt && td_pwrite(fd, v, 4, fin->cmdlines_old))
		return -EIO;
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * What a move keeps every buffer's data aligned with: the least common multiple of their
 * sub-buffer sizes (one of them, as they are powers of two); 0 when it grows absurd.
 */
static uint64_t move_unit(const struct td_journal *j)
{
	uint64_t unit = 1;
	int i;

	for (i = 0; i < j->nr_buffers && unit; i++) {
		unit = unit / gcd(unit, j->bufs[i].page_size) * j->bufs[i].page_size;
		if (unit > (1u << 30))
			unit = 0;
	}
	return unit;
}

/*
 * Where a block now at from lands when moved down to lo or above: the same place modulo
 * unit, with room for a padding section before it when it is not at lo. 0: it would not move.
 */
static uint64_t landing(uint64_t lo, uint64_t from, uint64_t unit)
{
	uint64_t at = lo + (from - lo) % unit;

	if (at != lo && at - lo < TD_SEC_HDR_SIZE)
		at += unit;
	return at < from ? at : 0;
}

/*
 * Options 2 (built with the offsets lowered by delta, tail_delta) at opts, then options 1's
 * DONE, EVENT_FORMATS and CMDLINES links pointed at what they describe, together: either copy
 * of the metadata is complete until the cut, so any of the links may land without the others.
 */
static int relink(int fd, uint64_t done_pos, const struct td_journal *j, const struct td_tail *t,
		  const struct td_final *fin, uint64_t formats, uint64_t opts, uint64_t delta,
		  uint64_t tail_delta)
{
	struct link l[3] = { { done_pos, opts } };
	struct tdbuf b = { 0 };
	int ret;

	build_options2(&b, j, t, fin, delta, tail_delta);
	ret = write_options(fd, opts, &b);
	tdbuf_free(&b);
	if (!ret)
		ret = link_options(fd, l, 1 + first_links(fin, formats, t->cmdlines, tail_delta,
							    l + 1));
	return ret;
}

/*
 * Move options 2, CMDLINES, KALLSYMS, EVENT_FORMATS (the metadata, from opts2 to sec) and the
 * BUFFER sections (from sec to end) down over the journal, keeping the data page-aligned,
 * never over a section the file still points at (options 1's links included), pointing
 * options 1 at the replacing EVENT_FORMATS and CMDLINES as it goes (*relinked once it did);
 * then cut the file. Where a step fails the file stays as the last link left it.
 *
 * In one copy when they fit below opts2. When they do not (kernel symbols, a few MB, or
 * uncompressed CMDLINES outgrow the journal's slack; the file was then the journal and its
 * copy, twice the data), in three: the metadata copied to the end and pointed at, the BUFFER
 * sections copied down, the metadata copied from the end in front of them and pointed at.
 */
static void compact(int fd, uint64_t done_pos, const struct td_journal *j, uint64_t opts2,
		    uint64_t sec, const struct td_tail *t, uint64_t end, const struct td_final *fin,
		    uint64_t formats, bool *relinked, int *cut_err)
{
	uint64_t base = j->meta_off, unit = move_unit(j), meta = sec - opts2, dst, delta;

	if (!unit)
		return;
	dst = landing(base, opts2, unit);
	if (dst && dst + (end - opts2) <= opts2) {
		delta = opts2 - dst;
		if (file_copy_range(fd, opts2, dst, end - opts2))
			return;
	} else {
		/* The BUFFER sections' place, the metadata right before it. */
		dst = landing(base + meta, sec, unit);
		if (!dst || dst + (end - sec) > sec)
			return;
		delta = sec - dst;
		if (file_copy_range(fd, opts2, end, meta) ||
		    relink(fd, done_pos, j, t, fin, formats, end, 0, opts2 - end))
			return;
		/* Options 1 name the copies at the end now, whatever fails below. */
		*relinked = true;
		if (file_copy_range(fd, sec, dst, end - sec) ||
		    file_copy_range(fd, end, dst - meta, meta))
			return;
		dst -= meta;
	}
	if ((dst != base && td_write_section_header(fd, base, TD_SEC_RC_PAD, 0,
						    dst - base - TD_SEC_HDR_SIZE)) ||
	    relink(fd, done_pos, j, t, fin, formats, dst, delta, delta))
		return;
	*relinked = true;
	if (ftruncate(fd, end - delta))
		*cut_err = errno;
}

/*
 * Final layout at j->end: options 2, CMDLINES, KALLSYMS, EVENT_FORMATS (when fin replaces
 * them), a BUFFER section per buffer. The options come first so that a file cut short later
 * (a partial copy) still describes its data and the intact chunks can be read.
 */
int td_journal_finish(int fd, uint64_t done_pos, struct td_journal *j,
		      const struct td_final *fin, char *msg, size_t msglen)
{
	uint64_t opts2 = j->end, tail = 0, formats = 0, sec, end;
	ZSTD_CCtx *cctx = NULL, **zstd = j->compressed ? &cctx : NULL;
	struct tdbuf b = { 0 }, c = { 0 }, f = { 0 };
	int ret, failed = 0, cut_err = 0, n;
	bool relinked = false;
	struct link l[2];
	struct td_tail t = { 0 };

	msg[0] = 0;
	build_tail(&c, &t, fin, zstd);
	if (fin && fin->formats)
		build_meta(&f, TD_SEC_EVENT_FORMATS, fin->formats, fin->formats_len, zstd,
			   fin->level);
	ZSTD_freeCCtx(cctx);
	/* The options' size does not depend on the offsets they hold. */
	build_options2(&b, j, &t, fin, 0, 0);
	sec = opts2 + TD_SEC_HDR_SIZE + b.len;
	if (c.len) {
		tail = sec;
		/* From places in c to file offsets. */
		t.cmdlines += t.cmdlines ? sec - 1 : 0;
		t.kallsyms += t.kallsyms ? sec - 1 : 0;
		sec += c.len;
	}
	if (f.len) {
		formats = sec;
		sec += f.len;
	}
	end = write_buffer_sections(fd, j, sec, &failed);
	ret = end ? 0 : -1;
	if (!ret && c.len)
		ret = td_pwrite(fd, c.p, c.len, tail);
	if (!ret && f.len)
		ret = td_pwrite(fd, f.p, f.len, formats);
	if (!ret) {
		build_options2(&b, j, &t, fin, 0, 0);
		ret = write_options(fd, opts2, &b);
	}
	if (!ret)
		ret = link_options(fd, &(struct link){ done_pos, opts2 }, 1);
	tdbuf_free(&b);
	tdbuf_free(&c);
	tdbuf_free(&f);
	if (ret) {
		if (end)
			snprintf(msg, msglen, "writing the final options: %s", strerror(-ret));
		else
			snprintf(msg, msglen, "writing the trace data section: %s",
				 strerror(-failed));
		return -1;
	}
	/*
	 * Options 1's EVENT_FORMATS and CMDLINES point at the replacing sections where compact()
	 * leaves them, or here where it moved nothing: only now that DONE is durable, since until
	 * then a recover cuts the file after the journal, where they are.
	 */
	compact(fd, done_pos, j, opts2, sec, &t, end, fin, formats, &relinked, &cut_err);
	n = relinked ? 0 : first_links(fin, formats, t.cmdlines, 0, l);
	ret = n ? link_options(fd, l, n) : 0;
	if (!ret)
		ret = pad_replaced(fd, fin, formats, t.cmdlines);
	if (ret) {
		snprintf(msg, msglen, "pointing the first options at the final sections: %s",
			 strerror(-ret));
		return -1;
	}
	if (cut_err) {
		snprintf(msg, msglen, "cannot shorten the file: %s", strerror(cut_err));
		return 1;
	}
	return 0;
}

int td_recovery_open(struct td_recovery *rec, const char *path, char *err, size_t errlen)
{
	uint64_t journal;
	char why[256];
	struct stat st;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->fd = open(path, O_RDWR | O_CLOEXEC);
	if (rec->fd < 0 || fstat(rec->fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	rec->size = st.st_size;
	ret = td_journal_find(rec->fd, rec->size, &rec->done_pos, &journal, err, errlen);
	if (ret)
		return ret > 0 ? 1 : -EBADMSG;
	if (td_journal_scan(rec->fd, journal, rec->size, &rec->j, true, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -EBADMSG;
	}
	return 0;
}

/*
 * The symbols a capture would have read at its end, when this is the boot it ran in (the
 * kernel, its modules' addresses and KASLR's offset are then those the data saw).
 */
static void recover_kallsyms(struct td_recovery *rec, struct td_final *fin)
{
	char boot[40];

	if (!rec->j.late_kallsyms_boot[0])
		return;
	rec->kallsyms = -1;
	if (read_line_file("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) <= 0 ||
	    strcmp(boot, rec->j.late_kallsyms_boot))
		return;
	td_final_read_kallsyms(fin, "/proc/kallsyms");
	if (fin->kallsyms)
		rec->kallsyms = 1;
}

int td_recovery_finish(struct td_recovery *rec, const char *path, char *err, size_t errlen)
{
	struct td_final fin = { .level = TD_ZSTD_LEVEL };
	int ret;

	if (ftruncate(rec->fd, rec->j.end)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	recover_kallsyms(rec, &fin);
	ret = td_journal_finish(rec->fd, rec->done_pos, &rec->j, &fin, err, errlen);
	free((void *)fin.kallsyms);
	return ret;
}

int td_recovery_close(struct td_recovery *rec)
{
	int ret = 0;

	td_journal_free(&rec->j);
	if (rec->fd >= 0 && close(rec->fd))
		ret = -errno;
	rec->fd = -1;
	return ret;
}
