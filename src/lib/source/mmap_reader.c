// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap source: per_cpu/cpuN/trace_pipe_raw mapped into our address space, the kernel
 * handing sub-buffers to the reader with TRACE_MMAP_IOCTL_GET_READER (Linux 6.10+). No copy:
 * units point into the mapping. Protocol: docs/kernel-interface.md, section 5.
 *
 * Written by hand: Debian 12's libtracefs 1.6.4 has no mmap API (tracefs_cpu_open_mapped()
 * and friends arrived in 1.8 and work from 1.8.1, which also needs libtraceevent 1.8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source_internal.h"
#include "subbuf.h"
#include "trace_mmap.h"
#include "util.h"

/*
 * Small events make GET_READER dear: before it hands out a sub-buffer the kernel steps its
 * reader over every event in it, one rb_advance_reader() per event with interrupts off
 * (ring_buffer_map_get_reader()), while read() swaps a full sub-buffer out whole and copies
 * it. And a trace.dat or a spool copies the mapped sub-buffer anyway, so mapping saves no
 * copy there; read() cost less CPU already at a few events per sub-buffer (bench/RESULTS.md,
 * "mmap or read()"). So with --transport auto a CPU whose sub-buffers average more than
 * SWITCH_EPP events over a window of SWITCH_UNITS units goes over to read() on the same fd:
 * the mapping is dropped between two units and read() goes on where GET_READER left the
 * kernel's reader (nothing lost or repeated, also with the writer still on the reader
 * sub-buffer: tests/bats/record.bats).
 */
#define SWITCH_UNITS	16
#define SWITCH_EPP	8

/* The writer changes the meta page under us: read each field once. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

struct mmap_priv {
	struct trace_buffer_meta *meta;
	size_t meta_len;
	uint8_t *data;
	size_t data_len;
	uint32_t subbuf_size;
	uint32_t nr_subbufs;
	uint32_t id;		/* sub-buffer we read */
	uint32_t off;		/* event bytes of it already delivered (by us or earlier readers) */
	uint64_t overrun0;	/* meta overrun at open */
	int64_t stats0;		/* stats file losses at open */
	uint64_t win_read;	/* meta "read" (events consumed) when the window began */
	uint32_t win_units;	/* units handed out in the window */
	bool unmap_next;	/* go over to read() at the next call */
	bool reading;		/* gone over to read() */
	struct read_batch *batch;	/* read() copies, for mmap_next() */
};

static void unmap(struct mmap_priv *m)
{
	if (m->data)
		munmap(m->data, m->data_len);
	if (m->meta)
		munmap(m->meta, m->meta_len);
	m->data = NULL;
	m->meta = NULL;
}

/* Count the events of the units handed out; go over to read() when they are small. */
static void watch_event_size(struct source *s, struct mmap_priv *m)
{
	uint64_t read = READ_ONCE(m->meta->read), events = read - m->win_read;

	if (++m->win_units < SWITCH_UNITS)
		return;
	if (events > (uint64_t)SWITCH_EPP * SWITCH_UNITS) {
		m->unmap_next = true;
		s->stats.switched_epp = events / SWITCH_UNITS;
	}
	m->win_units = 0;
	m->win_read = read;
}

/* The caller is done with the last mapped unit: drop the mapping, read() from now on. */
static void go_over_to_read(struct mmap_priv *m)
{
	if (m->unmap_next) {
		unmap(m);
		m->unmap_next = false;
		m->reading = true;
	}
}

static bool mmap_copies(const struct source *s)
{
	const struct mmap_priv *m = s->priv;

	return m->reading || m->unmap_next;
}

static int mmap_next_into(struct source *s, uint8_t *buf, unsigned int room,
			  struct source_unit *u)
{
	go_over_to_read(s->priv);
	return raw_read_unit(s, buf, room, u);
}

static int mmap_next(struct source *s, struct source_unit *u)
{
	struct mmap_priv *m = s->priv;
	uint32_t id, rd, capacity = m->subbuf_size - s->p.hdr_size;
	bool more;

	go_over_to_read(m);
	if (m->reading) {
		if (!m->batch)
			m->batch = read_batch_new(s);
		return read_batch_next(s, m->batch, u);
	}
	s->stats.ioctls++;
	/*
	 * The fd is non-blocking, so the kernel does not wait for buffer_percent here; it hands
	 * out what it has and returns 0 also when it has nothing (the same id comes back).
	 */
	while (ioctl(s->fd, TRACE_MMAP_IOCTL_GET_READER) < 0) {
		if (errno == EINTR)
			continue;
		if (!s->p.may_switch) {
			s->failed_call = "GET_READER";
			return -errno;
		}
		/*
		 * Mapped, but refused the swap (a security module, a kernel whose ioctl differs):
		 * with auto, read() goes on where the kernel's reader is, as after a switch.
		 */
		s->stats.reader_refused = errno;
		unmap(m);
		m->reading = true;
		return mmap_next(s, u);
	}
	id = READ_ONCE(m->meta->reader.id);
	rd = READ_ONCE(m->meta->reader.read);
	if (id >= m->nr_subbufs || rd > capacity)
		return -EBADMSG;
	more = id == m->id;
	if (id != m->id) {
		/* A new sub-buffer: all of it is ours. */
		m->id = id;
		m->off = 0;
	} else if (rd < m->off) {
		/* The same sub-buffer emptied and refilled (a reset): start it again. */
		m->off = 0;
	}
	if (rd == m->off) {
		s->caught_up = true;
		return 0;
	}

	u->buf = m->data + (size_t)id * m->subbuf_size;
	u->len = m->subbuf_size;
	u->skip = m->off;
	u->whole = false;
	u->end = rd;
	/*
	 * Caught up, exactly, when every event written is either read or overwritten (the
	 * counters were refreshed by this ioctl): the merge relies on that.
	 *
	 * Whether to ask again at once is another matter. A busy writer adds events between
	 * the swap and the counters' update, so "caught up" is rarely true under load, yet
	 * asking again would only fetch the few events it wrote meanwhile on the same
	 * sub-buffer, event by event (measured: the reader never rested and fell behind). So
	 * wait after more of the same sub-buffer or after a sub-buffer at most half full (a
	 * full one may end short of its capacity by up to one event).
	 */
	s->caught_up = READ_ONCE(m->meta->entries) - READ_ONCE(m->meta->overrun) -
		       READ_ONCE(m->meta->read) == 0;
	u->partial = s->caught_up || more || rd <= capacity / 2;
	m->off = rd;
	if (s->p.may_switch)
		watch_event_size(s, m);
	return 1;
}

static int64_t mmap_kernel_lost(struct source *s)
{
	struct mmap_priv *m = s->priv;
	int64_t now;

	/* The stats file also counts drops in non-overwrite mode; the meta page does not. */
	if (m->stats0 >= 0) {
		now = stats_file_lost(s->p.stats_path);
		if (now >= 0)
			return now - m->stats0;
	}
	/* Refreshed by the last GET_READER, i.e. after the final drain. */
	if (!m->meta)
		return -1;	/* read() since: nothing counts its losses */
	return (int64_t)(READ_ONCE(m->meta->overrun) - m->overrun0);
}

static void mmap_close(struct source *s)
{
	struct mmap_priv *m = s->priv;

	if (m) {
		unmap(m);
		read_batch_free(m->batch);
		free(m);
	}
	if (s->fd >= 0)
		close(s->fd);
}

static const struct source_ops mmap_ops = {
	.name = "mmap",
	.next = mmap_next,
	.copies = mmap_copies,
	.next_into = mmap_next_into,
	.kernel_lost = mmap_kernel_lost,
	.close = mmap_close,
};

/* Map the meta page, with its real size; the sizes in it are checked before use. */
static int map_meta(struct source *s, struct mmap_priv *m, char *why, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t meta_size;
	void *p;

	p = mmap(NULL, page, PROT_READ, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap of %s refused: %s", s->p.raw_path, strerror(errno));
		return -errno;
	}
	m->meta = p;
	m->meta_len = page;
	meta_size = READ_ONCE(m->meta->meta_page_size);
	if (meta_size < sizeof(struct trace_buffer_meta) || meta_size % page) {
		snprintf(why, len, "bad meta page size %u in %s", meta_size, s->p.raw_path);
		return -EPROTO;
	}
	if (meta_size > (uint32_t)page) {
		munmap(m->meta, m->meta_len);
		m->meta = NULL;
		p = mmap(NULL, meta_size, PROT_READ, MAP_SHARED, s->fd, 0);
		if (p == MAP_FAILED) {
			snprintf(why, len, "mmap of %s meta area refused: %s", s->p.raw_path,
				 strerror(errno));
			return -errno;
		}
		m->meta = p;
		m->meta_len = meta_size;
	}
	return 0;
}

static int map_data(struct source *s, struct mmap_priv *m, char *why, size_t len)
{
	const struct trace_buffer_meta *meta = m->meta;
	uint32_t meta_size = READ_ONCE(meta->meta_page_size);
	void *p;

	m->subbuf_size = READ_ONCE(meta->subbuf_size);
	m->nr_subbufs = READ_ONCE(meta->nr_subbufs);
	if (READ_ONCE(meta->meta_struct_len) < TRACE_BUFFER_META_MIN_LEN ||
	    m->subbuf_size < s->p.hdr_size + 8 || m->subbuf_size > (1U << 24) ||
	    m->nr_subbufs < 2 || m->nr_subbufs > (1U << 24)) {
		snprintf(why, len, "unexpected meta page in %s (sub-buffer %u bytes x %u)",
			 s->p.raw_path, m->subbuf_size, m->nr_subbufs);
		return -EPROTO;
	}
	m->data_len = (size_t)m->subbuf_size * m->nr_subbufs;
	p = mmap(NULL, m->data_len, PROT_READ, MAP_SHARED, s->fd, meta_size);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap of %s data refused: %s", s->p.raw_path, strerror(errno));
		return -errno;
	}
	m->data = p;
	return 0;
}

int source_mmap_open(const struct source_params *p, struct source **out, char *why, size_t len)
{
	char dummy[1];
	struct mmap_priv *m;
	struct source *s;
	int ret;

	if (!why) {
		why = dummy;
		len = sizeof(dummy);
	}
	s = xcalloc(1, sizeof(*s));
	s->ops = &mmap_ops;
	source_params_copy(&s->p, p);
	s->fd = open(p->raw_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		ret = -errno;
		snprintf(why, len, "cannot open %s: %s", p->raw_path, strerror(errno));
		goto fail;
	}
	m = s->priv = xcalloc(1, sizeof(*m));
	ret = map_meta(s, m, why, len);
	if (!ret)
		ret = map_data(s, m, why, len);
	if (ret)
		goto fail;
	m->id = READ_ONCE(m->meta->reader.id);
	/* Earlier readers consumed this much of the current reader sub-buffer: skip it. */
	m->off = READ_ONCE(m->meta->reader.read);
	m->overrun0 = READ_ONCE(m->meta->overrun);
	m->win_read = READ_ONCE(m->meta->read);
	m->stats0 = stats_file_lost(p->stats_path);
	*out = s;
	return 0;
fail:
	source_close(s);
	return ret;
}
