// SPDX-License-Identifier: GPL-2.0
/*
 * The read() source: whole sub-buffers copied out of per_cpu/cpuN/trace_pipe_raw. For kernels
 * before 6.10, buffers that refuse mmap (read-only backup instances, memmap'ed buffers) and
 * whenever --transport read is asked for. The fd is non-blocking and polled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_internal.h"
#include "subbuf.h"
#include "util.h"

struct raw_priv {
	uint8_t *buf;		/* one sub-buffer */
	int64_t stats0;		/* stats file losses at open */
};

/* u for a sub-buffer copy of n bytes at buf. */
static void copied_unit(const struct source *s, const uint8_t *buf, size_t n,
			struct source_unit *u)
{
	uint32_t capacity = s->p.subbuf_size - s->p.hdr_size;
	struct ring_subbuf sb;

	u->buf = buf;
	u->len = n;
	u->skip = 0;
	u->end = 0;
	u->whole = true;
	/*
	 * A copy taken while the writer was on the page holds only part of it; reading again
	 * at once would chase the writer in fragments. Copies leave the end padding out, so a
	 * full page may look short by up to one event: call it partial only when at most half
	 * full (a page cut short by one huge event only costs a short wait).
	 */
	u->partial = true;
	if (ring_subbuf_init(&sb, buf, n, s->p.hdr_size) == 0) {
		u->end = sb.size;
		u->partial = sb.size <= capacity / 2;
	}
}

/*
 * Full sub-buffers in a batch (splice_batch.c): tried while the CPU keeps the reader busy
 * (the last unit was full) and as long as the pipe holds some. Not on a read-only backup,
 * whose end is read()'s EOF. Returns the bytes put in buf, 0 for "read() instead", -EIO when
 * the pipe failed.
 */
static ssize_t splice_units(struct source *s, uint8_t *buf, unsigned int room)
{
	ssize_t n;

	if (!splice_batch_pending(s->splice) && (!s->last_full || s->splice_refused))
		return 0;
	if (!s->splice) {
		s->splice = splice_batch_new(s->p.subbuf_size);
		if (!s->splice) {
			s->splice_refused = errno;
			return 0;
		}
	}
	s->stats.ioctls++;
	n = splice_batch_read(s->splice, s->fd, buf, (size_t)room * s->p.subbuf_size);
	if (n == -EIO)
		return n;
	if (n < 0) {
		s->splice_refused = -n;
		splice_batch_free(s->splice);
		s->splice = NULL;
		return 0;
	}
	s->stats.spliced += n / s->p.subbuf_size;
	return n;
}

int raw_read_unit(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u)
{
	ssize_t n = s->p.eof_ends ? 0 : splice_units(s, buf, room);
	unsigned int i;

	if (n < 0)
		return n;
	if (n > 0) {
		/* Whole, even when a large event left much of it empty: the writer has moved on. */
		for (i = 0; i < n / s->p.subbuf_size; i++) {
			copied_unit(s, buf + (size_t)i * s->p.subbuf_size, s->p.subbuf_size, &u[i]);
			u[i].partial = false;
		}
		return i;
	}
	s->stats.ioctls++;
	do {
		n = read(s->fd, buf, s->p.subbuf_size);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		/*
		 * Nothing now. A read-only backup has no writer: it is drained. Linux 7.2 returns
		 * EOF only once, on the one read that finds the whole buffer (every CPU) empty,
		 * and EAGAIN to every other non-blocking read, before and after.
		 */
		if (errno == EAGAIN && s->p.eof_ends)
			return -ENODATA;
		if (errno == EAGAIN) {
			s->caught_up = true;
			s->last_full = false;
			return 0;
		}
		/* A drained backup instance may vanish under us. */
		if (s->p.eof_ends && errno == ENODEV)
			return -ENODATA;
		return -errno;
	}
	if (n == 0) {
		/*
		 * Only a drained read-only backup instance really ends. A live instance can
		 * return 0 under load with data still there (seen on 6.18): wait and retry.
		 */
		return s->p.eof_ends ? -ENODATA : 0;
	}
	copied_unit(s, buf, n, u);
	s->last_full = !u->partial;
	return 1;
}

static int raw_next(struct source *s, struct source_unit *u)
{
	struct raw_priv *r = s->priv;

	return raw_read_unit(s, r->buf, 1, u);
}

static bool raw_copies(const struct source *s)
{
	(void)s;
	return true;
}

static int64_t raw_kernel_lost(struct source *s)
{
	struct raw_priv *r = s->priv;
	int64_t now;

	if (r->stats0 < 0)
		return -1;
	now = stats_file_lost(s->p.stats_path);
	return now < 0 ? -1 : now - r->stats0;
}

static void raw_close(struct source *s)
{
	struct raw_priv *r = s->priv;

	if (r) {
		free(r->buf);
		free(r);
	}
	if (s->fd >= 0)
		close(s->fd);
}

static const struct source_ops raw_ops = {
	.name = "read",
	.next = raw_next,
	.copies = raw_copies,
	.next_into = raw_read_unit,
	.kernel_lost = raw_kernel_lost,
	.close = raw_close,
};

int source_raw_open(const struct source_params *p, struct source **out, char *why, size_t len)
{
	struct raw_priv *r;
	struct source *s;
	int ret;

	if (p->subbuf_size < p->hdr_size + 8) {
		if (why)
			snprintf(why, len, "bad sub-buffer size %u", p->subbuf_size);
		return -EINVAL;
	}
	s = xcalloc(1, sizeof(*s));
	s->ops = &raw_ops;
	source_params_copy(&s->p, p);
	s->fd = open(p->raw_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		ret = -errno;
		if (why)
			snprintf(why, len, "cannot open %s: %s", p->raw_path, strerror(errno));
		source_close(s);
		return ret;
	}
	r = s->priv = xcalloc(1, sizeof(*r));
	r->buf = xmalloc(p->subbuf_size);
	r->stats0 = stats_file_lost(p->stats_path);
	*out = s;
	return 0;
}
