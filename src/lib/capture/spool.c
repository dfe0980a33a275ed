// SPDX-License-Identifier: GPL-2.0
/* The capture spool: an unlinked temporary file of fixed-header records (capture_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_appender.h"
#include "capture_internal.h"
#include "util.h"

/*
 * Records go to a file_appender while the capture runs: the reader thread that owns the
 * spool copies them into memory and goes back to its ring buffer, and the appender's thread
 * does the write() calls, so a reader never waits for the page cache or the disk.
 */
#define SPOOL_RING	(2u << 20)

/* On-disk record header; the unit's bytes follow for SPOOL_UNIT. */
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
	FILE *f;
	struct file_appender *app;	/* until spool_rewind() */
	uint64_t bytes;
	uint8_t *buf;		/* replay buffer */
	size_t buf_size;
};

struct spool *spool_new(const char *dir, char *err, size_t len)
{
	struct spool *sp;
	char *path;
	int fd;

	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	path = xasprintf("%s/remotectl-spool-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, len, "cannot create a spool file in %s: %s", dir, strerror(errno));
		free(path);
		return NULL;
	}
	unlink(path);
	free(path);
	sp = xcalloc(1, sizeof(*sp));
	sp->f = fdopen(fd, "w+");
	if (!sp->f) {
		snprintf(err, len, "spool: %s", strerror(errno));
		close(fd);
		free(sp);
		return NULL;
	}
	setvbuf(sp->f, NULL, _IOFBF, 1 << 20);
	sp->app = appender_start(fd, 0, SPOOL_RING, false, true);
	if (!sp->app) {
		snprintf(err, len, "spool: %s", strerror(errno));
		fclose(sp->f);
		free(sp);
		return NULL;
	}
	return sp;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	appender_stop(sp->app);
	fclose(sp->f);
	free(sp->buf);
	free(sp);
}

static int put(struct spool *sp, const struct rec_hdr *h, const void *data)
{
	int ret;

	if (!sp->app)
		return -EINVAL;	/* already being replayed */
	ret = appender_push(sp->app, h, sizeof(*h), true);
	if (!ret && h->len)
		ret = appender_push(sp->app, data, h->len, true);
	if (ret == -EMSGSIZE)
		ret = -EINVAL;
	if (!ret)
		sp->bytes += sizeof(*h) + h->len;
	return ret;
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
	static const uint8_t none[1];
	struct rec_hdr h = { kind, stream, 0, 0, 0, 0, 0, seq };

	return put(sp, &h, none);
}

uint64_t spool_bytes(const struct spool *sp)
{
	return sp->bytes;
}

int spool_rewind(struct spool *sp)
{
	int ret = 0;

	if (sp->app) {
		ret = appender_stop(sp->app);
		sp->app = NULL;
	}
	if (ret)
		return ret;
	if (fseeko(sp->f, 0, SEEK_SET))
		return -errno;
	return 0;
}

int spool_read(struct spool *sp, struct spool_rec *rec)
{
	struct rec_hdr h;

	if (fread(&h, sizeof(h), 1, sp->f) != 1)
		return ferror(sp->f) ? -EIO : 0;
	if (h.kind < SPOOL_UNIT || h.kind > SPOOL_END || h.len > (1U << 26))
		return -EBADMSG;
	if (h.len > sp->buf_size) {
		sp->buf_size = h.len;
		sp->buf = xrealloc(sp->buf, sp->buf_size);
	}
	if (h.len && fread(sp->buf, h.len, 1, sp->f) != 1)
		return -EIO;
	rec->kind = h.kind;
	rec->stream = h.stream;
	rec->unit.buf = sp->buf;
	rec->unit.len = h.len;
	rec->unit.skip = h.skip;
	rec->unit.end = h.end;
	rec->unit.partial = h.partial;
	rec->unit.whole = false;
	rec->seq = h.seq;
	return 1;
}
