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

#define COPY_BLOCK	(256u << 10)
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

void td_journal_meta(struct tdbuf *b, const char *name, const char *clock, uint32_t page_size,
		     bool compressed)
{
	tdbuf_str(b, name);
	tdbuf_str(b, clock);
	tdbuf_u32(b, page_size);
	tdbuf_u32(b, compressed);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static struct td_cpu_data *journal_cpu(struct td_journal *j, int cpu)
{
	int i;

	for (i = 0; i < j->nr_cpus && j->cpus[i].cpu < cpu; i++)
		;
	if (i < j->nr_cpus && j->cpus[i].cpu == cpu)
		return &j->cpus[i];
	j->cpus = xrealloc(j->cpus, (j->nr_cpus + 1) * sizeof(*j->cpus));
	memmove(&j->cpus[i + 1], &j->cpus[i], (j->nr_cpus - i) * sizeof(*j->cpus));
	j->nr_cpus++;
	memset(&j->cpus[i], 0, sizeof(*j->cpus));
	j->cpus[i].cpu = cpu;
	return &j->cpus[i];
}

static int parse_meta(int fd, uint64_t off, uint64_t file_end, struct td_journal *j,
		      char *err, size_t errlen)
{
	uint8_t h[TD_SEC_HDR_SIZE], body[META_MAX];
	uint64_t size;
	size_t nlen, clen;

	if (off + sizeof(h) > file_end || td_pread(fd, h, sizeof(h), off)) {
		snprintf(err, errlen, "no recording journal (file ends before it)");
		return -1;
	}
	size = bo_get64(h + 8, BO_LITTLE);
	if (bo_get16(h, BO_LITTLE) != TD_SEC_RC_META || size < 10 || size > META_MAX ||
	    off + sizeof(h) + size > file_end || td_pread(fd, body, size, off + sizeof(h))) {
		snprintf(err, errlen, "no recording journal (not a file left by remotectl record)");
		return -1;
	}
	nlen = strnlen((char *)body, size);
	clen = nlen < size ? strnlen((char *)body + nlen + 1, size - nlen - 1) : size;
	if (nlen >= size || nlen + 1 + clen + 1 + 8 > size) {
		snprintf(err, errlen, "recording journal header is damaged");
		return -1;
	}
	j->name = xstrdup((char *)body);
	j->clock = xstrdup((char *)body + nlen + 1);
	j->page_size = bo_get32(body + nlen + clen + 2, BO_LITTLE);
	j->compressed = bo_get32(body + nlen + clen + 6, BO_LITTLE) & 1;
	if (j->page_size < 64 || j->page_size > (16u << 20)) {
		snprintf(err, errlen, "recording journal header: bad sub-buffer size %u",
			 j->page_size);
		return -1;
	}
	j->meta_off = off;
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

int td_journal_scan(int fd, uint64_t meta_off, uint64_t file_end, struct td_journal *j,
		    bool verify, char *err, size_t errlen)
{
	struct block_reader r;
	uint64_t pos;

	memset(j, 0, sizeof(*j));
	if (parse_meta(fd, meta_off, file_end, j, err, errlen)) {
		td_journal_free(j);
		return -1;
	}
	block_reader_init(&r, fd, file_end, JOURNAL_WINDOW);
	for (pos = j->end; pos + TD_SEC_HDR_SIZE <= file_end;) {
		uint8_t h[TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE];
		uint32_t cpu, csize, usize;
		struct td_cpu_data *c;
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
		csize = bo_get32(h + 24, BO_LITTLE);
		usize = bo_get32(h + 28, BO_LITTLE);
		if (cpu >= 65536 || csize + 16ull != size || !usize || usize % j->page_size ||
		    usize > TD_MAX_CHUNK_RAW || (!j->compressed && csize != usize))
			break;
		if (verify && j->compressed &&
		    !chunk_decompresses(fd, pos + sizeof(h), csize, usize))
			break;
		c = journal_cpu(j, cpu);
		c->chunks++;
		c->size += j->compressed ? TD_CHUNK_HDR_SIZE + csize : csize;
		j->chunks++;
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
	free(j->name);
	free(j->clock);
	free(j->cpus);
	memset(j, 0, sizeof(*j));
}

static int copy_range(int fd, uint64_t from, uint64_t to, uint64_t len, uint8_t *buf)
{
	while (len) {
		size_t n = len < COPY_BLOCK ? len : COPY_BLOCK;
		int ret = td_pread(fd, buf, n, from);

		if (!ret)
			ret = td_pwrite(fd, buf, n, to);
		if (ret)
			return ret;
		from += n;
		to += n;
		len -= n;
	}
	return 0;
}

/* Write-behind per CPU: up to 256 KiB, less when there are many CPUs (16 MiB in all). */
static size_t write_behind(int nr_cpus)
{
	size_t cap = (16u << 20) / (nr_cpus ? nr_cpus : 1);

	return cap > CPU_WRITE_BEHIND ? CPU_WRITE_BEHIND : cap < 4096 ? 4096 : cap;
}

/*
 * Lay out and fill the BUFFER section at sec; returns its end or 0 after a message. The
 * journal is read ahead and each CPU's data written behind: a capture leaves thousands of
 * chunks, and a pread() and a pwrite() for each cost more than the copy.
 */
static uint64_t write_buffer_section(int fd, struct td_journal *j, uint64_t sec, int *failed)
{
	uint64_t *wr = xcalloc(j->nr_cpus + 1, sizeof(*wr));
	struct block_writer *out = xcalloc(j->nr_cpus + 1, sizeof(*out));
	uint64_t cursor = sec + TD_SEC_HDR_SIZE, pos;
	struct block_reader r;
	int i, ret = 0, err, nr_cpus = j->nr_cpus;

	block_reader_init(&r, fd, j->end, JOURNAL_WINDOW);
	for (i = 0; i < nr_cpus; i++) {
		struct td_cpu_data *c = &j->cpus[i];

		block_writer_init(&out[i], fd, write_behind(j->nr_cpus));
		/* Like trace-cmd, the stored size leaves out the u32 chunk count. */
		c->offset = align_up(cursor, j->page_size);
		wr[i] = c->offset + (j->compressed ? 4 : 0);
		cursor = wr[i] + c->size;
		if (j->compressed) {
			uint8_t n[4];

			bo_put32(n, c->chunks, BO_LITTLE);
			ret = ret ? ret : block_write(&out[i], n, 4, c->offset);
		}
	}
	/* Copy every chunk of the journal to its CPU's place, in journal order. */
	for (pos = j->meta_off; !ret && pos < j->end;) {
		uint8_t h[TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE];
		uint64_t size;
		uint32_t csize;

		ret = block_read(&r, h, sizeof(h) <= j->end - pos ? sizeof(h) : TD_SEC_HDR_SIZE,
				 pos);
		if (ret)
			break;
		size = bo_get64(h + 8, BO_LITTLE);
		if (bo_get16(h, BO_LITTLE) == TD_SEC_RC_CHUNK) {
			struct td_cpu_data *c = journal_cpu(j, bo_get32(h + 16, BO_LITTLE));

			i = c - j->cpus;
			/* The scan saw every CPU: one more means the file changed since. */
			if (i >= nr_cpus) {
				ret = -EIO;
				break;
			}
			csize = bo_get32(h + 24, BO_LITTLE);
			if (j->compressed)
				ret = block_copy(&r, &out[i], pos + 24, wr[i], 8 + (uint64_t)csize);
			else
				ret = block_copy(&r, &out[i], pos + 32, wr[i], csize);
			wr[i] += j->compressed ? 8 + (uint64_t)csize : csize;
		}
		pos += TD_SEC_HDR_SIZE + size;
	}
	for (i = 0; i < nr_cpus; i++) {
		err = block_writer_close(&out[i]);
		ret = ret ? ret : err;
	}
	block_reader_free(&r);
	free(out);
	free(wr);
	if (!ret)
		ret = td_write_section_header(fd, sec, TD_OPT_BUFFER,
					      j->compressed ? TD_SEC_FL_COMPRESS : 0,
					      cursor - sec - TD_SEC_HDR_SIZE);
	if (!ret && ftruncate(fd, cursor))
		ret = -errno;
	if (ret) {
		*failed = ret;
		return 0;
	}
	return cursor;
}

/* Options 2: BUFFER (data at sec), CPUSTATs, CMDLINES; offsets lowered by delta. */
static void build_options2(struct tdbuf *b, const struct td_journal *j, uint64_t sec,
			   uint64_t cmdlines, const struct td_final *fin, uint64_t delta)
{
	struct tdbuf o = { 0 };
	int i;

	b->len = 0;
	tdbuf_u64(&o, sec - delta);
	tdbuf_str(&o, j->name);
	tdbuf_str(&o, j->clock);
	tdbuf_u32(&o, j->page_size);
	tdbuf_u32(&o, j->nr_cpus);
	for (i = 0; i < j->nr_cpus; i++) {
		tdbuf_u32(&o, j->cpus[i].cpu);
		tdbuf_u64(&o, j->cpus[i].offset ? j->cpus[i].offset - delta : 0);
		tdbuf_u64(&o, j->cpus[i].size);
	}
	tdbuf_option(b, TD_OPT_BUFFER, o.p, o.len);
	tdbuf_free(&o);
	for (i = 0; fin && i < fin->nr_cpustats; i++)
		if (fin->cpustats[i])
			tdbuf_option(b, TD_OPT_CPUSTAT, fin->cpustats[i],
				     strlen(fin->cpustats[i]) + 1);
	if (cmdlines)
		tdbuf_option_u64(b, TD_SEC_CMDLINES, cmdlines - delta);
	tdbuf_option_u64(b, TD_OPT_DONE, 0);
}

static int write_options(int fd, uint64_t off, const struct tdbuf *b)
{
	int ret = td_write_section_header(fd, off, TD_OPT_DONE, 0, b->len);

	return ret ? ret : td_pwrite(fd, b->p, b->len, off + TD_SEC_HDR_SIZE);
}

/* A metadata section, header included, of body (len bytes) in c; compressed with zstd. */
static void build_meta(struct tdbuf *c, uint16_t id, const void *body, size_t len, bool zstd,
		       int level)
{
	uint8_t h[TD_SEC_HDR_SIZE], *z = NULL;
	uint16_t flags = 0;

	if (zstd) {
		size_t cap = ZSTD_compressBound(len), n;

		z = xmalloc(cap + 8);
		n = ZSTD_compress(z + 8, cap, body, len, level ? level : 3);
		if (!ZSTD_isError(n)) {
			bo_put32(z, n, BO_LITTLE);
			bo_put32(z + 4, len, BO_LITTLE);
			body = z;
			len = n + 8;
			flags = TD_SEC_FL_COMPRESS;
		}
	}
	bo_put16(h, id, BO_LITTLE);
	bo_put16(h + 2, flags, BO_LITTLE);
	bo_put32(h + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(h + 8, len, BO_LITTLE);
	tdbuf_put(c, h, sizeof(h));
	tdbuf_put(c, body, len);
	free(z);
}

/* The CMDLINES section (header included) in c; c->len = 0 when there is none. */
static void build_cmdlines(struct tdbuf *c, const struct td_final *fin, bool zstd)
{
	struct tdbuf b = { 0 };

	if (!fin || !fin->cmdlines)
		return;
	tdbuf_u64(&b, fin->cmdlines_len);
	tdbuf_put(&b, fin->cmdlines, fin->cmdlines_len);
	build_meta(c, TD_SEC_CMDLINES, b.p, b.len, zstd, fin->level);
	tdbuf_free(&b);
}

/* Make the u64 file offset at pos (a DONE or section option) point at target, durably. */
static int link_options(int fd, uint64_t pos, uint64_t target)
{
	uint8_t v[8];

	bo_put64(v, target, BO_LITTLE);
	if (fdatasync(fd) && errno != EINVAL)
		return -errno;
	if (td_pwrite(fd, v, 8, pos))
		return -EIO;
	if (fdatasync(fd) && errno != EINVAL)
		return -errno;
	return 0;
}

/*
 * Point options 1 at the replacing EVENT_FORMATS section (at formats), then make the one it
 * replaces padding: a file cut in between still names a complete section.
 */
static int relink_formats(int fd, const struct td_final *fin, uint64_t formats)
{
	uint8_t v[4];
	int ret = link_options(fd, fin->formats_opt, formats);

	if (ret)
		return ret;
	bo_put16(v, TD_SEC_RC_PAD, BO_LITTLE);
	bo_put16(v + 2, 0, BO_LITTLE);
	return td_pwrite(fd, v, 4, fin->formats_old) ? -EIO : 0;
}

/*
 * Move options 2, CMDLINES, EVENT_FORMATS and BUFFER down over the journal (keeping the data
 * page-aligned) when the copy does not overlap the copy the file still points at; then cut
 * the file. Returns how far they moved (0: not at all).
 */
static uint64_t compact(int fd, uint64_t done_pos, const struct td_journal *j, uint64_t opts2,
			uint64_t cmdlines, uint64_t sec, uint64_t end, const struct td_final *fin,
			uint8_t *buf, int *cut_err)
{
	uint64_t base = j->meta_off, dst, delta;
	struct tdbuf b = { 0 };

	dst = base + (opts2 - base) % j->page_size;
	if (dst != base && dst - base < TD_SEC_HDR_SIZE)
		dst += j->page_size;
	if (dst >= opts2 || dst + (end - opts2) > opts2)
		return 0;
	delta = opts2 - dst;
	if (dst != base && td_write_section_header(fd, base, TD_SEC_RC_PAD, 0,
						   dst - base - TD_SEC_HDR_SIZE))
		return 0;
	if (copy_range(fd, opts2, dst, end - opts2, buf))
		return 0;
	build_options2(&b, j, sec, cmdlines, fin, delta);
	if (write_options(fd, dst, &b) || link_options(fd, done_pos, dst)) {
		tdbuf_free(&b);
		return 0;
	}
	if (ftruncate(fd, end - delta))
		*cut_err = errno;
	tdbuf_free(&b);
	return delta;
}

/*
 * Final layout at j->end: options 2, CMDLINES, EVENT_FORMATS (when fin replaces them),
 * BUFFER. The options come first so that a file cut short later (a partial copy) still
 * describes its data and the intact chunks can be read.
 */
int td_journal_finish(int fd, uint64_t done_pos, struct td_journal *j,
		      const struct td_final *fin, char *msg, size_t msglen)
{
	uint8_t *buf = xmalloc(COPY_BLOCK);
	uint64_t opts2 = j->end, cmdlines = 0, formats = 0, sec, end, delta;
	struct tdbuf b = { 0 }, c = { 0 }, f = { 0 };
	int ret, failed = 0, cut_err = 0;

	msg[0] = 0;
	build_cmdlines(&c, fin, j->compressed);
	if (fin && fin->formats)
		build_meta(&f, TD_SEC_EVENT_FORMATS, fin->formats, fin->formats_len,
			   j->compressed, fin->level);
	/* The options' size does not depend on the offsets they hold. */
	build_options2(&b, j, 0, c.len ? 1 : 0, fin, 0);
	sec = opts2 + TD_SEC_HDR_SIZE + b.len;
	if (c.len) {
		cmdlines = sec;
		sec += c.len;
	}
	if (f.len) {
		formats = sec;
		sec += f.len;
	}
	end = write_buffer_section(fd, j, sec, &failed);
	ret = end ? 0 : -1;
	if (!ret && c.len)
		ret = td_pwrite(fd, c.p, c.len, cmdlines);
	if (!ret && f.len)
		ret = td_pwrite(fd, f.p, f.len, formats);
	if (!ret) {
		build_options2(&b, j, sec, cmdlines, fin, 0);
		ret = write_options(fd, opts2, &b);
	}
	if (!ret)
		ret = link_options(fd, done_pos, opts2);
	tdbuf_free(&b);
	tdbuf_free(&c);
	tdbuf_free(&f);
	if (ret) {
		if (end)
			snprintf(msg, msglen, "writing the final options: %s", strerror(-ret));
		else
			snprintf(msg, msglen, "writing the trace data section: %s",
				 strerror(-failed));
		free(buf);
		return -1;
	}
	delta = compact(fd, done_pos, j, opts2, cmdlines, sec, end, fin, buf, &cut_err);
	free(buf);
	ret = formats ? relink_formats(fd, fin, formats - delta) : 0;
	if (ret) {
		snprintf(msg, msglen, "pointing the file at every system's event formats: %s",
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

int td_recovery_finish(struct td_recovery *rec, const char *path, char *err, size_t errlen)
{
	if (ftruncate(rec->fd, rec->j.end)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return td_journal_finish(rec->fd, rec->done_pos, &rec->j, NULL, err, errlen);
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
