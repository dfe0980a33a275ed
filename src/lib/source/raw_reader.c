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
 * One read() of trace_pipe_raw: into buf, described in u. 1: a copy, 0: nothing now, else
 * as raw_read_unit().
 */
static int read_one(struct source *s, uint8_t *buf, struct source_unit *u)
{
	ssize_t n;

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
	return 1;
}

/*
 * Up to room sub-buffers, one read() each, one after the other in buf: the kernel hands a
 * reader one sub-buffer per read(), swapping a full one for its spare page rather than
 * copying it, and copies it out once. splice() into a pipe cost more on 6.18 (a page
 * allocated and freed per sub-buffer, then the pipe's copy): bench/RESULTS.md. Stops after a
 * partial sub-buffer (the reader has caught up with the writer) and after a short read (only
 * the last unit of a batch may be short); what a later read() finds is left to the next call,
 * so an error or the end comes alone.
 */
int raw_read_unit(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u)
{
	unsigned int i;
	int ret;

	for (i = 0; i < room; i++) {
		ret = read_one(s, buf + (size_t)i * s->p.subbuf_size, &u[i]);
		if (ret != 1)
			return i ? (int)i : ret;
		if (u[i].partial || u[i].len < s->p.subbuf_size)
			return i + 1;
	}
	return i;
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
