// SPDX-License-Identifier: GPL-2.0
/* Buffered positional I/O (block_io.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Nothing written and no error: it would only loop. */
		if (!n)
			return -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

void block_reader_init(struct block_reader *r, int fd, uint64_t limit, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->limit = limit;
	r->cap = cap;
	r->buf = xmalloc(cap);
	/* Each window is read into whole: its pages in at once, not one fault at a time. */
	populate_range(r->buf, cap);
}

void block_reader_free(struct block_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
}

/* Make the window start at off: 0, or -errno (-EIO when nothing is there). */
static int refill(struct block_reader *r, uint64_t off)
{
	size_t want = r->limit - off < r->cap ? r->limit - off : r->cap;

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
		if (r->len < len) {
			*err = -EIO;
			return NULL;
		}
	}
	return r->buf + (off - r->off);
}

void block_writer_init(struct block_writer *w, int fd, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = cap;
	w->buf = xmalloc(cap);
}

int block_flush(struct block_writer *w)
{
	int err = w->len ? pwrite_full(w->fd, w->buf, w->len, w->off) : 0;

	w->off += w->len;
	w->len = 0;
	return err;
}

int block_write(struct block_writer *w, const void *src, size_t len, uint64_t off)
{
	const uint8_t *s = src;
	int err;

	if (w->len && off != w->off + w->len && (err = block_flush(w)))
		return err;
	if (!w->len)
		w->off = off;
	while (len) {
		size_t n = w->cap - w->len < len ? w->cap - w->len : len;

		if (!w->len && len >= w->cap)
			return pwrite_full(w->fd, s, len, off);
		memcpy(w->buf + w->len, s, n);
		w->len += n;
		s += n;
		off += n;
		len -= n;
		if (w->len == w->cap && (err = block_flush(w)))
			return err;
	}
	return 0;
}

int block_copy(struct block_reader *r, struct block_writer *w, uint64_t from, uint64_t to,
	       uint64_t len)
{
	int err = 0;

	if (from > r->limit || len > r->limit - from)
		return -EIO;
	while (len) {
		size_t n;
		const uint8_t *p = window_at(r, from, len, &n, &err);

		if (!p || (err = block_write(w, p, n, to)))
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
	w->buf = NULL;
	return err;
}
