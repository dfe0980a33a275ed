// SPDX-License-Identifier: GPL-2.0
/* The capture spool: an unlinked temporary file of fixed-header records (capture_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block_io.h"
#include "file_appender.h"
#include "capture_internal.h"
#include "util.h"

/*
 * Records go to a file_appender while the capture runs: the reader thread that owns the
 * spool copies them into memory and goes back to its ring buffer, and the appender's thread
 * does the write() calls, so a reader never waits for the page cache or the disk. It writes
 * them as zstd frames, compressed where that costs less CPU than writing the bytes as they are
 * (file_appender.c): raw markers compress at GB/s and tens of times, and on this project's
 * guests every page the page cache takes anew can cost more than that (bench/RESULTS.md,
 * "compressed spools").
 */
#define SPOOL_RING	(2u << 20)
/*
 * The spool is read back through a window this large, records used where they lie in it.
 * Not mapped: on a host whose page tables cost a trip through its hypervisor, touching a
 * mapped spool cost eight times as much as pread() into a window that stays in the cache
 * (bench/RESULTS.md, eighteenth session).
 */
#define SPOOL_WINDOW	(1u << 20)
/* The disk space of what was read is given back in steps this large. */
#define SPOOL_RELEASE_STEP	(8u << 20)

/*
 * On-disk record header; the unit's bytes follow for SPOOL_UNIT, the time (u64) and the loss
 * count (u64) for SPOOL_LOST, the time (u64) and the line for SPOOL_LINE.
 */
struct rec_hdr {
	uint32_t kind;
	uint32_t stream;
	uint32_t len;		/* bytes that follow */
	uint32_t skip;
	uint32_t end;
	uint32_t partial;
	uint32_t pad;
	uint64_t seq;
};

struct spool {
	int fd;
	struct file_appender *app;	/* while records may still come */
	uint64_t bytes;		/* appended */
	struct block_reader rd;
	uint64_t rpos;		/* atomic: the next record to read */
	uint64_t released;	/* disk space given back below this offset */
	uint8_t *buf;		/* the last record read, when larger than the window */
	size_t buf_size;
};

/* An unlinked file in dir, or -errno. */
static int spool_file(const char *dir)
{
	char *path = xasprintf("%s/remotectl-spool-XXXXXX", dir);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd < 0)
		fd = -errno;
	else
		unlink(path);
	free(path);
	return fd;
}

struct spool *spool_new(const char *dir, char *err, size_t len)
{
	struct spool *sp;
	int fd;

	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir) {
		dir = "/tmp";
		/* Android has no /tmp; its shell's scratch directory is this one. */
		if (access(dir, F_OK) && !access("/data/local/tmp", W_OK))
			dir = "/data/local/tmp";
	}
	fd = spool_file(dir);
	if (fd < 0) {
		errno = -fd;
		snprintf(err, len, "cannot create a spool file in %s: %s", dir, strerror(errno));
		return NULL;
	}
	sp = xcalloc(1, sizeof(*sp));
	sp->fd = fd;
	sp->app = appender_start(fd, 0, SPOOL_RING, APPENDER_POPULATE | APPENDER_ZSTD);
	if (!sp->app) {
		snprintf(err, len, "spool: %s", strerror(errno));
		close(fd);
		free(sp);
		return NULL;
	}
	/* Room for a record of SPOOL_WINDOW bytes that starts anywhere in a frame. */
	block_reader_init_frames(&sp->rd, fd, 0, SPOOL_WINDOW + APPENDER_FRAME);
	return sp;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	appender_stop(sp->app);
	block_reader_free(&sp->rd);
	close(sp->fd);
	free(sp->buf);
	free(sp);
}

/* The header and h->len bytes of data after it: a head of head_len, then the rest. */
static int put_two(struct spool *sp, const struct rec_hdr *h, const void *head, size_t head_len,
		   const void *rest)
{
	int ret;

	if (!sp->app)
		return -EINVAL;	/* no longer written */
	ret = appender_push(sp->app, h, sizeof(*h), true);
	if (!ret && head_len)
		ret = appender_push(sp->app, head, head_len, true);
	if (!ret && h->len > head_len)
		ret = appender_push(sp->app, rest, h->len - head_len, true);
	if (ret == -EMSGSIZE)
		ret = -EINVAL;
	if (!ret)
		__atomic_add_fetch(&sp->bytes, sizeof(*h) + h->len, __ATOMIC_RELAXED);
	return ret;
}

static int put(struct spool *sp, const struct rec_hdr *h, const void *data)
{
	return put_two(sp, h, data, h->len, NULL);
}

int spool_unit(struct spool *sp, int stream, const struct source_unit *u)
{
	return spool_unit_seq(sp, stream, u, 0);
}

int spool_mark(struct spool *sp, enum spool_kind kind, int stream)
{
	return spool_mark_seq(sp, kind, stream, 0);
}

int spool_unit_seq(struct spool *sp, int stream, const struct source_unit *u, uint64_t seq)
{
	struct rec_hdr h = { SPOOL_UNIT, stream, u->len, u->skip, u->end, u->partial, 0, seq };

	if (u->len > UINT32_MAX)
		return -EINVAL;
	return put(sp, &h, u->buf);
}

int spool_mark_seq(struct spool *sp, enum spool_kind kind, int stream, uint64_t seq)
{
	struct rec_hdr h = { kind, stream, 0, 0, 0, 0, 0, seq };

	return put(sp, &h, NULL);
}

int spool_lost_seq(struct spool *sp, int stream, uint64_t ts, uint64_t lost, uint64_t seq)
{
	uint64_t what[2] = { ts, lost };
	struct rec_hdr h = { SPOOL_LOST, stream, sizeof(what), 0, 0, 0, 0, seq };

	return put(sp, &h, what);
}

int spool_line_seq(struct spool *sp, int stream, uint64_t ts, const char *line, size_t len,
		   uint64_t seq)
{
	struct rec_hdr h = { SPOOL_LINE, stream, sizeof(ts) + len, 0, 0, 0, 0, seq };

	if (len > UINT32_MAX - sizeof(ts))
		return -EINVAL;
	return put_two(sp, &h, &ts, sizeof(ts), line);
}

uint64_t spool_bytes(const struct spool *sp)
{
	return __atomic_load_n(&sp->bytes, __ATOMIC_RELAXED);
}

uint64_t spool_unread(const struct spool *sp)
{
	return spool_bytes(sp) - __atomic_load_n(&sp->rpos, __ATOMIC_RELAXED);
}

int spool_close_writing(struct spool *sp)
{
	int ret = 0;

	if (sp->app) {
		ret = appender_stop(sp->app);
		sp->app = NULL;
	}
	return ret;
}

int spool_rewind(struct spool *sp)
{
	int ret = spool_close_writing(sp);

	if (ret)
		return ret;
	if (sp->released)
		return -EINVAL;	/* given back already */
	__atomic_store_n(&sp->rpos, 0, __ATOMIC_RELAXED);
	return 0;
}

uint64_t spool_written(struct spool *sp)
{
	return sp->app ? appender_written(sp->app) : spool_bytes(sp);
}

/*
 * len bytes at pos: where they lie in the window, or copied into buf (a record larger than
 * the window). 0 or -errno.
 */
static int bytes_at(struct spool *sp, uint64_t pos, size_t len, uint8_t *buf,
		    const uint8_t **at)
{
	int err;

	*at = block_peek(&sp->rd, len, pos, &err);
	if (*at || err != -EINVAL)
		return *at ? 0 : err;
	*at = buf;
	return block_read(&sp->rd, buf, len, pos);
}

int spool_read(struct spool *sp, struct spool_rec *rec)
{
	uint64_t pos = sp->rpos, avail;
	const uint8_t *data;
	struct rec_hdr h;
	int ret;

	avail = spool_written(sp);
	if (avail - pos < sizeof(h))
		return avail == pos || sp->app ? 0 : -EBADMSG;
	sp->rd.limit = avail;
	ret = bytes_at(sp, pos, sizeof(h), (uint8_t *)&h, &data);
	if (ret)
		return ret;
	if (data != (const uint8_t *)&h)
		memcpy(&h, data, sizeof(h));
	if (h.kind < SPOOL_UNIT || h.kind > SPOOL_LINE || h.len > (1U << 26) ||
	    (h.kind == SPOOL_LOST && h.len != 2 * sizeof(uint64_t)) ||
	    (h.kind == SPOOL_LINE && h.len < sizeof(uint64_t)))
		return -EBADMSG;
	if (avail - pos - sizeof(h) < h.len)
		return sp->app ? 0 : -EBADMSG;
	if (h.len > SPOOL_WINDOW && h.len > sp->buf_size) {
		sp->buf_size = h.len;
		sp->buf = xrealloc(sp->buf, sp->buf_size);
	}
	ret = bytes_at(sp, pos + sizeof(h), h.len, sp->buf, &data);
	if (ret)
		return ret;
	memset(rec, 0, sizeof(*rec));
	rec->held = data != sp->buf;
	rec->kind = h.kind;
	rec->stream = h.stream;
	rec->seq = h.seq;
	if (h.kind == SPOOL_LOST) {
		memcpy(&rec->ts, data, sizeof(rec->ts));
		memcpy(&rec->lost, data + sizeof(rec->ts), sizeof(rec->lost));
	} else if (h.kind == SPOOL_LINE) {
		memcpy(&rec->ts, data, sizeof(rec->ts));
		rec->unit.buf = data + sizeof(rec->ts);
		rec->unit.len = h.len - sizeof(rec->ts);
		rec->unit.lines = true;
	} else {
		rec->unit.buf = data;
		rec->unit.len = h.len;
		rec->unit.skip = h.skip;
		rec->unit.end = h.end;
		rec->unit.partial = h.partial;
	}
	__atomic_store_n(&sp->rpos, pos + sizeof(h) + h.len, __ATOMIC_RELAXED);
	return 1;
}

void spool_release(struct spool *sp)
{
	/* Below the window nothing is read again (the record last read is in it, or copied). */
	uint64_t upto = block_reader_file_below(&sp->rd) & ~(uint64_t)(SPOOL_RELEASE_STEP - 1);

	if (upto <= sp->released)
		return;
	/* Where holes cannot be punched the file keeps its size: the space comes back at the end. */
	if (fallocate(sp->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, upto) == 0)
		sp->released = upto;
	else
		sp->released = UINT64_MAX;
}

void spool_on_move(struct spool *sp, void (*fn)(void *ctx), void *ctx)
{
	block_reader_on_move(&sp->rd, fn, ctx);
}
