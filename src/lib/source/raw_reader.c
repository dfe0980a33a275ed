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
#include <sys/uio.h>

#include "populated.h"
#include "source_internal.h"
#include "subbuf.h"
#include "util.h"

struct raw_priv {
	struct read_batch *batch;	/* copies for raw_next() */
	int64_t stats0;		/* stats file losses at open */
};

/*
 * A readv() asks for at most this many sub-buffers: the kernel loops over them one read() at
 * a time inside one system call (trace_pipe_raw has .read, not .read_iter), and stops at the
 * first that comes back short or finds nothing. The system call is the dear part on some
 * hosts: on a 6.18 guest whose system calls go through its hypervisor, one readv() per run of
 * full sub-buffers cost a fifth to a third less CPU than a read() each (bench/RESULTS.md,
 * "readv").
 */
#define READ_BATCH_MAX		64
/* The copies next() reads ahead take no more memory than this (or one sub-buffer). */
#define READ_BATCH_BYTES	(256u << 10)

struct read_batch {
	uint8_t *buf;
	unsigned int room;	/* sub-buffers buf holds */
	unsigned int n;		/* read into it */
	unsigned int next;	/* handed out */
	struct source_unit u[READ_BATCH_MAX];
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
 * Up to room sub-buffers, one after the other in buf, in one readv() of whole sub-buffers: the
 * kernel swaps a full one for its spare page rather than copying it, and copies it out once
 * (splice() into a pipe cost more on 6.18: a page allocated and freed per sub-buffer, then the
 * pipe's copy). How many are asked for grows from one, doubling while they all come full, and
 * goes back to one when the reader catches up with the writer: sub-buffers read after the
 * writer's own in the same call would be fragments of a few events each (the writer's page
 * again, as it grows), so only a reader that is behind asks for many. What the call returned
 * is kept whatever it was; an error or the end is said only by a call that returned nothing,
 * so it comes alone.
 */
int raw_read_unit(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u)
{
	struct iovec iov[READ_BATCH_MAX];
	unsigned int i, asked = s->reads_next > 1 ? s->reads_next : 1, want = asked;
	bool whole = true;
	size_t len;
	ssize_t n;

	if (want > room)
		want = room;
	for (i = 0; i < want; i++) {
		iov[i].iov_base = buf + (size_t)i * s->p.subbuf_size;
		iov[i].iov_len = s->p.subbuf_size;
	}
	s->stats.ioctls++;
	do {
		n = readv(s->fd, iov, want);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		s->reads_next = 1;
		/*
		 * A live instance can return 0 under load with data still there (seen on 6.18):
		 * wait and retry. Only a drained read-only backup instance really ends. Linux
		 * 7.2 returns its EOF only once, on the one read that finds the whole buffer
		 * (every CPU) empty, and EAGAIN to every other non-blocking read, before and
		 * after; a drained backup may also vanish under us.
		 */
		if (n == 0)
			return s->p.eof_ends ? -ENODATA : 0;
		if (s->p.eof_ends && (errno == EAGAIN || errno == ENODEV))
			return -ENODATA;
		if (errno == EAGAIN) {
			s->caught_up = true;
			return 0;
		}
		return -errno;
	}
	for (i = 0; n > 0; i++, n -= len) {
		len = (size_t)n < s->p.subbuf_size ? (size_t)n : s->p.subbuf_size;
		copied_unit(s, buf + (size_t)i * s->p.subbuf_size, len, &u[i]);
		if (u[i].partial || len < s->p.subbuf_size)
			whole = false;
	}
	if (!whole || i < want)
		s->reads_next = 1;
	else if (want == asked)
		s->reads_next = want * 2 < READ_BATCH_MAX ? want * 2 : READ_BATCH_MAX;
	return i;
}

struct read_batch *read_batch_new(const struct source *s)
{
	struct read_batch *b = xcalloc(1, sizeof(*b));

	b->room = READ_BATCH_BYTES / s->p.subbuf_size;
	if (b->room < 1)
		b->room = 1;
	if (b->room > READ_BATCH_MAX)
		b->room = READ_BATCH_MAX;
	/* Page-aligned for the kernel's copies, and filled by the first burst (populated.h). */
	b->buf = populated_pages((size_t)b->room * s->p.subbuf_size);
	return b;
}

int read_batch_next(struct source *s, struct read_batch *b, struct source_unit *u)
{
	int ret;

	if (b->next == b->n) {
		b->n = b->next = 0;
		ret = raw_read_unit(s, b->buf, b->room, b->u);
		if (ret <= 0)
			return ret;
		b->n = ret;
	}
	*u = b->u[b->next++];
	/* More was read after it: no reason to rest, whatever it held. */
	if (b->next < b->n)
		u->partial = false;
	return 1;
}

void read_batch_free(struct read_batch *b)
{
	if (b) {
		free(b->buf);
		free(b);
	}
}

static int raw_next(struct source *s, struct source_unit *u)
{
	struct raw_priv *r = s->priv;

	return read_batch_next(s, r->batch, u);
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
		read_batch_free(r->batch);
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
	r->batch = read_batch_new(s);
	r->stats0 = stats_file_lost(p->stats_path);
	*out = s;
	return 0;
}
