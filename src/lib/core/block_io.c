// SPDX-License-Identifier: GPL-2.0
/* Buffered positional I/O (block_io.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "block_io.h"
#include "populated.h"
#include "util.h"

int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return pwritev_full(fd, &iov, 1, len, off);
}

int pwritev_full(int fd, struct iovec *iov, int nr, uint64_t len, uint64_t off)
{
	while (len) {
		/* One segment by pwrite(), as pwrite_full() has always written. */
		ssize_t n = nr == 1 ? pwrite(fd, iov->iov_base, iov->iov_len, off) :
			    pwritev(fd, iov, nr > IOV_MAX ? IOV_MAX : nr, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Nothing written and no error: it would only loop. */
		if (!n)
			return -EIO;
		len -= n;
		off += n;
		/* Past what was written; a short write leaves the rest of one segment. */
		while (nr && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

#define COPY_BLOCK	(256u << 10)

int file_copy_range(int fd, uint64_t from, uint64_t to, uint64_t len)
{
	uint8_t *buf;
	int err = 0;

	/* The kernel copies page cache to page cache; any refusal falls back to the copy below. */
	while (len) {
		loff_t in = from, out = to;
		ssize_t n = copy_file_range(fd, &in, fd, &out, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		from += n;
		to += n;
		len -= n;
	}
	if (!len)
		return 0;
	buf = xmalloc(len < COPY_BLOCK ? len : COPY_BLOCK);
	while (len && !err) {
		size_t n = len < COPY_BLOCK ? len : COPY_BLOCK;

		err = pread_full(fd, buf, n, from);
		if (!err)
			err = pwrite_full(fd, buf, n, to);
		from += n;
		to += n;
		len -= n;
	}
	free(buf);
	return err;
}

void block_reader_init(struct block_reader *r, int fd, uint64_t limit, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->limit = limit;
	r->cap = cap;
	/* Each window is read into whole: aligned, its pages in at once (populated.h). */
	r->buf = populated_pages(cap);
}

/* Where a frame of block_reader_init_frames()'s file starts, and where its bytes go. */
struct frame_at {
	uint64_t off;		/* of its first decompressed byte */
	uint64_t file;
};

struct block_frames {
	ZSTD_DCtx *dctx;
	uint8_t *in;		/* bytes of the file from in_file on */
	size_t in_cap, in_len;
	uint64_t in_file;
	struct frame_at *win;	/* the window's frames, in order */
	int nr, max;
	struct frame_at next;	/* the first frame after the window */
};

/* Compressed bytes are read this many at a time: a few hundred frames of a trace. */
#define FRAMES_IN	(256u << 10)

void block_reader_init_frames(struct block_reader *r, int fd, uint64_t limit, size_t cap)
{
	struct block_frames *fr = xcalloc(1, sizeof(*fr));

	block_reader_init(r, fd, limit, cap);
	fr->dctx = ZSTD_createDCtx();	/* NULL: refills fail with -ENOMEM */
	fr->in_cap = FRAMES_IN;
	fr->in = populated_pages(fr->in_cap);
	r->frames = fr;
}

uint64_t block_reader_file_below(const struct block_reader *r)
{
	const struct block_frames *fr = r->frames;

	if (!fr)
		return r->off;
	return fr->nr ? fr->win[0].file : fr->next.file;
}

void block_reader_attach(struct block_reader *r, struct block_writer *ws, int nr)
{
	r->writers = ws;
	r->nr_writers = nr;
}

void block_reader_on_move(struct block_reader *r, void (*fn)(void *ctx), void *ctx)
{
	r->moving = fn;
	r->moving_ctx = ctx;
}

void block_reader_free(struct block_reader *r)
{
	if (r->frames) {
		ZSTD_freeDCtx(r->frames->dctx);
		free(r->frames->in);
		free(r->frames->win);
		free(r->frames);
		r->frames = NULL;
	}
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
}

/*
 * The frame at file offset file, whole in the input buffer: its bytes (*csize of them) and
 * its decompressed size (*dsize, at most the window), or NULL with *err.
 */
static const uint8_t *frame_bytes(struct block_reader *r, uint64_t file, size_t *csize,
				  size_t *dsize, int *err)
{
	struct block_frames *fr = r->frames;
	unsigned long long d;
	const uint8_t *p;
	size_t avail, n;
	ssize_t got;

	for (;;) {
		if (file >= fr->in_file && file - fr->in_file <= fr->in_len) {
			p = fr->in + (file - fr->in_file);
			avail = fr->in_len - (file - fr->in_file);
			n = ZSTD_findFrameCompressedSize(p, avail);
			if (!ZSTD_isError(n))
				break;
			if (avail && ZSTD_getErrorCode(n) != ZSTD_error_srcSize_wrong)
				goto bad;
			/* Cut short by the end of what was read: the rest read after it. */
			memmove(fr->in, p, avail);
			fr->in_len = avail;
			if (avail == fr->in_cap) {
				if (fr->in_cap >= ZSTD_compressBound(r->cap))
					goto bad;
				fr->in_cap *= 2;
				fr->in = xrealloc(fr->in, fr->in_cap);
			}
		} else {
			fr->in_len = 0;
		}
		fr->in_file = file;
		got = pread(r->fd, fr->in + fr->in_len, fr->in_cap - fr->in_len,
			    fr->in_file + fr->in_len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*err = -errno;
			return NULL;
		}
		if (!got)
			goto bad;	/* a frame cut short by the end of the file */
		fr->in_len += got;
	}
	d = ZSTD_getFrameContentSize(p, n);
	if (d == ZSTD_CONTENTSIZE_UNKNOWN || d == ZSTD_CONTENTSIZE_ERROR || !d || d > r->cap)
		goto bad;
	*csize = n;
	*dsize = d;
	return p;
bad:
	*err = -EBADMSG;
	return NULL;
}

/*
 * refill() of a file of frames: the window from the start of the frame that holds off on,
 * whole frames decompressed into it while they fit. What of the window is still wanted is
 * moved to its start rather than decompressed again.
 */
static int refill_frames(struct block_reader *r, uint64_t off)
{
	struct block_frames *fr = r->frames;
	const uint8_t *p;
	size_t csize, dsize, n;
	uint64_t keep;
	int k, err;

	if (!fr->dctx)
		return -ENOMEM;
	if (off >= r->off && off - r->off < r->len) {
		for (k = fr->nr - 1; fr->win[k].off > off; k--)
			;
		keep = r->off + r->len - fr->win[k].off;
		memmove(r->buf, r->buf + (fr->win[k].off - r->off), keep);
		memmove(fr->win, fr->win + k, (fr->nr - k) * sizeof(*fr->win));
		fr->nr -= k;
		r->off = fr->win[0].off;
		r->len = keep;
	} else {
		if (off < r->off)
			fr->next = (struct frame_at){ 0, 0 };
		fr->nr = 0;
		r->len = 0;
		/* Frames that end before off are passed over without decompressing them. */
		while (fr->next.off < r->limit) {
			p = frame_bytes(r, fr->next.file, &csize, &dsize, &err);
			if (!p)
				return err;
			if (fr->next.off + dsize > off)
				break;
			fr->next.off += dsize;
			fr->next.file += csize;
		}
		r->off = fr->next.off;
	}
	while (fr->next.off < r->limit) {
		p = frame_bytes(r, fr->next.file, &csize, &dsize, &err);
		if (!p)
			return err;
		if (dsize > r->cap - r->len)
			break;
		n = ZSTD_decompressDCtx(fr->dctx, r->buf + r->len, dsize, p, csize);
		if (n != dsize)
			return -EBADMSG;
		if (fr->nr == fr->max) {
			fr->max = fr->max ? 2 * fr->max : 32;
			fr->win = xrealloc(fr->win, fr->max * sizeof(*fr->win));
		}
		fr->win[fr->nr++] = fr->next;
		r->len += dsize;
		fr->next.off += dsize;
		fr->next.file += csize;
	}
	return off >= r->off && off - r->off < r->len ? 0 : -EIO;
}

/* Make the window start at off (or before it, for frames): 0, or -errno (-EIO when nothing
 * is there). */
static int refill(struct block_reader *r, uint64_t off)
{
	size_t want = r->limit - off < r->cap ? r->limit - off : r->cap;
	int i, err;

	/* What the writers list of the window goes out before the window changes. */
	for (i = 0; i < r->nr_writers; i++) {
		err = block_flush(&r->writers[i]);
		if (err)
			return err;
	}
	if (r->moving)
		r->moving(r->moving_ctx);
	if (r->frames)
		return refill_frames(r, off);
	r->off = off;
	r->len = 0;
	while (r->len < want) {
		ssize_t n = pread(r->fd, r->buf + r->len, want - r->len, off + r->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		r->len += n;
	}
	return r->len ? 0 : -EIO;
}

/* A pointer to the bytes at off, *avail of them (at most len) in the window. */
static const uint8_t *window_at(struct block_reader *r, uint64_t off, uint64_t len,
				size_t *avail, int *err)
{
	uint64_t in;

	if (off < r->off || off - r->off >= r->len) {
		*err = refill(r, off);
		if (*err)
			return NULL;
	}
	in = r->len - (off - r->off);
	*avail = in < len ? in : len;
	return r->buf + (off - r->off);
}

int block_read(struct block_reader *r, void *dst, size_t len, uint64_t off)
{
	uint8_t *d = dst;
	int err = 0;

	if (off > r->limit || len > r->limit - off)
		return -EIO;
	while (len) {
		size_t n;
		const uint8_t *p = window_at(r, off, len, &n, &err);

		if (!p)
			return err;
		memcpy(d, p, n);
		d += n;
		off += n;
		len -= n;
	}
	return 0;
}

const void *block_peek(struct block_reader *r, size_t len, uint64_t off, int *err)
{
	*err = -EINVAL;
	if (len > r->cap)
		return NULL;
	*err = -EIO;
	if (off > r->limit || len > r->limit - off)
		return NULL;
	/* Nothing to read (a record without data at the very end): no window to refill. */
	if (!len)
		return r->buf;
	if (off < r->off || off + len > r->off + r->len) {
		*err = refill(r, off);
		if (*err)
			return NULL;
		if (off + len > r->off + r->len) {
			/* Frames: more to read, but not in a window that starts where off's does. */
			*err = r->frames && r->off + r->len < r->limit ? -EINVAL : -EIO;
			return NULL;
		}
	}
	return r->buf + (off - r->off);
}

void block_writer_init(struct block_writer *w, int fd, size_t cap)
{
	size_t iov = cap / 64;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = cap;
	w->buf = xmalloc(cap);
	/* A listed record is rarely under 64 bytes: the list fills with the buffer, or later. */
	w->max_iov = iov < 8 ? 8 : iov > IOV_MAX ? IOV_MAX : (int)iov;
	w->iov = xcalloc(w->max_iov, sizeof(*w->iov));
}

int block_flush(struct block_writer *w)
{
	int err = 0;

	if (w->nr_iov)
		err = pwritev_full(w->fd, w->iov, w->nr_iov, w->len, w->off);
	w->off += w->len;
	w->len = 0;
	w->used = 0;
	w->nr_iov = 0;
	return err;
}

/* Where what is gathered does not run on to off, it is written first. */
static int start_at(struct block_writer *w, uint64_t off)
{
	int err;

	if (w->len && off != w->off + w->len && (err = block_flush(w)))
		return err;
	if (!w->len)
		w->off = off;
	return 0;
}

/* List n bytes at p, next in the file (room in the list checked by the caller). */
static void list(struct block_writer *w, const uint8_t *p, size_t n)
{
	struct iovec *last = w->nr_iov ? &w->iov[w->nr_iov - 1] : NULL;

	if (last && (const uint8_t *)last->iov_base + last->iov_len == p)
		last->iov_len += n;
	else
		w->iov[w->nr_iov++] = (struct iovec){ .iov_base = (void *)p, .iov_len = n };
	w->len += n;
}

int block_write(struct block_writer *w, const void *src, size_t len, uint64_t off)
{
	const uint8_t *s = src;
	int err;

	if ((err = start_at(w, off)))
		return err;
	while (len) {
		size_t n = w->cap - w->used < len ? w->cap - w->used : len;

		if (!w->len && len >= w->cap)
			return pwrite_full(w->fd, s, len, off);
		if (w->nr_iov == w->max_iov) {
			if ((err = block_flush(w)))
				return err;
			w->off = off;
			continue;
		}
		memcpy(w->buf + w->used, s, n);
		list(w, w->buf + w->used, n);
		w->used += n;
		s += n;
		off += n;
		len -= n;
		if (w->used == w->cap) {
			if ((err = block_flush(w)))
				return err;
			w->off = off;
		}
	}
	return 0;
}

/* n bytes of an attached reader's window listed, not copied. */
static int write_ref(struct block_writer *w, const uint8_t *p, size_t n, uint64_t off)
{
	int err;

	if ((err = start_at(w, off)))
		return err;
	if (w->nr_iov == w->max_iov) {
		if ((err = block_flush(w)))
			return err;
		w->off = off;
	}
	list(w, p, n);
	return 0;
}

int block_copy(struct block_reader *r, struct block_writer *w, uint64_t from, uint64_t to,
	       uint64_t len)
{
	bool attached = w >= r->writers && w < r->writers + r->nr_writers;
	int err = 0;

	if (from > r->limit || len > r->limit - from)
		return -EIO;
	while (len) {
		size_t n;
		const uint8_t *p = window_at(r, from, len, &n, &err);

		if (!p)
			return err;
		err = attached ? write_ref(w, p, n, to) : block_write(w, p, n, to);
		if (err)
			return err;
		from += n;
		to += n;
		len -= n;
	}
	return 0;
}

int block_writer_close(struct block_writer *w)
{
	int err = block_flush(w);

	free(w->buf);
	free(w->iov);
	w->buf = NULL;
	w->iov = NULL;
	return err;
}
