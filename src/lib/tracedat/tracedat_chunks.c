// SPDX-License-Identifier: GPL-2.0
/* Chunks of sub-buffers per buffer and CPU, compressed and written by a thread of their own. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "file_appender.h"
#include "monotonic.h"
#include "populated.h"
#include "tracedat_internal.h"
#include "tracedat_journal.h"

#define MAX_CPU		65536
#define POOL_BYTES	(16u << 20)
/*
 * The pool is faulted in a step at a time as its slots are first taken, lowest first: a
 * burst pays ~0.7 us a page populated instead of ~11 us a page fault on this project's
 * guests, and a capture that never needs most of the pool does not populate and unmap it
 * (8 MiB up front were ~2 ms of every capture, idle or not).
 */
#define POPULATE_STEP	(1u << 20)
/*
 * The compressed chunks' way to the file, populated at the start: the compressor's copies
 * into it faulted it in page by page, a page fault per 4 KiB of output (perf of a getpid1
 * capture: half of its page faults), each dearer than populating many pages at once. Small,
 * because populating and unmapping cost too: it holds compressed chunks, and a slow disk is
 * absorbed by the chunk pool in front of the compressor.
 */
#define APPEND_RING	(2u << 20)
#define TICK_NS		1000000000ull
/*
 * The compressor is woken when an eighth of the slots are queued, else it looks every
 * BATCH_NS: a wake-up per chunk was a context switch per chunk (perf stat, 10-sub-buffer chunks).
 */
#define BATCH_NS	100000000ull
#define FAST_LEVEL	1
/* Section header, our CPU prefix, the chunk's sizes. */
#define CHUNK_PREFIX	(TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX + TD_CHUNK_HDR_SIZE)

struct chunk_cpu {
	pthread_mutex_t lock;	/* the feeding thread vs the tick and td_chunks_flush() */
	int slot;		/* the chunk being filled, -1 for none */
	unsigned int used;	/* sub-buffers in it */
	uint64_t first_ns;	/* when its first sub-buffer came */
	bool padded;		/* the compressor wrote its page of journal reserve */
	/* The compressor's alone: what went to the journal, for td_chunks_stop(). */
	uint32_t chunks;
	uint64_t stored;	/* their size in a BUFFER section (td_chunk_stored_size()) */
};

struct queued {
	int slot;
	int buffer;
	int cpu;
	unsigned int used;
};

/* One trace buffer (target) of the file: its sub-buffer size and its CPUs' chunks. */
struct chunk_buf {
	uint32_t page_size;
	struct chunk_cpu **cpus;
	int nr_cpus;
};

struct td_chunks {
	size_t slot_size;	/* TD_PAGES_PER_CHUNK of the largest sub-buffers */
	bool zstd;
	int level;
	struct file_appender *app;
	pthread_t thread;

	pthread_mutex_t lock;	/* everything below */
	pthread_cond_t work;	/* to the compressor: a chunk queued, or stop */
	pthread_cond_t freed;	/* to readers and flush: a slot is free again */
	uint8_t *pool;
	size_t populated;	/* the pool's first bytes, faulted in or being so */
	int nr_slots;
	int *free;		/* stack of free slot numbers */
	int nr_free;
	struct queued *queue;	/* ring of nr_slots entries */
	int q_head, q_len;
	bool compressing;	/* the compressor holds a chunk it took */
	bool stop;
	int err;
	uint64_t pages;
	uint64_t stalls;
	struct chunk_buf *bufs;	/* fixed at the start; their cpus arrays grow */
	int nr_bufs;
};

static void set_err(struct td_chunks *ch, int err)
{
	pthread_mutex_lock(&ch->lock);
	if (!ch->err)
		ch->err = err;
	pthread_cond_broadcast(&ch->freed);
	pthread_mutex_unlock(&ch->lock);
}

/* Queue c's chunk (locks: c's, then ch's). */
static void enqueue(struct td_chunks *ch, int buffer, int cpu, struct chunk_cpu *c)
{
	struct queued *q;

	if (c->slot < 0 || !c->used)
		return;
	pthread_mutex_lock(&ch->lock);
	q = &ch->queue[(ch->q_head + ch->q_len++) % ch->nr_slots];
	q->slot = c->slot;
	q->buffer = buffer;
	q->cpu = cpu;
	q->used = c->used;
	ch->pages += c->used;
	if (ch->q_len >= ch->nr_slots / 8)
		pthread_cond_signal(&ch->work);
	pthread_mutex_unlock(&ch->lock);
	c->slot = -1;
	c->used = 0;
}

static int push_pad(struct td_chunks *ch, uint32_t page_size)
{
	size_t len = TD_SEC_HDR_SIZE + (size_t)page_size;
	uint8_t *p = calloc(1, len);
	int ret;

	if (!p)
		return -ENOMEM;
	/*
	 * A page of journal reserve per CPU of each buffer (tracedat_write.c, append_pad()),
	 * as zeros: the alignment of that CPU's data in its BUFFER section.
	 */
	bo_put16(p, TD_SEC_RC_PAD, BO_LITTLE);
	bo_put32(p + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(p + 8, page_size, BO_LITTLE);
	ret = appender_push(ch->app, p, len, true);
	free(p);
	return ret;
}

/* Build the chunk's section in out; returns its length or 0. */
static size_t build_section(struct td_chunks *ch, ZSTD_CCtx *cctx, uint8_t *out, size_t cap,
			    const struct queued *q, int level)
{
	const uint8_t *raw = ch->pool + (size_t)q->slot * ch->slot_size;
	size_t len = (size_t)q->used * ch->bufs[q->buffer].page_size, n;

	if (ch->zstd) {
		ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
		n = ZSTD_compress2(cctx, out + CHUNK_PREFIX, cap - CHUNK_PREFIX, raw, len);
		if (ZSTD_isError(n))
			return 0;
	} else {
		memcpy(out + CHUNK_PREFIX, raw, len);
		n = len;
	}
	bo_put16(out, TD_SEC_RC_CHUNK, BO_LITTLE);
	bo_put16(out + 2, ch->zstd ? TD_SEC_FL_COMPRESS : 0, BO_LITTLE);
	bo_put32(out + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(out + 8, n + CHUNK_PREFIX - TD_SEC_HDR_SIZE, BO_LITTLE);
	bo_put32(out + 16, q->cpu, BO_LITTLE);
	bo_put32(out + 20, q->buffer, BO_LITTLE);
	bo_put32(out + 24, n, BO_LITTLE);
	bo_put32(out + 28, len, BO_LITTLE);
	return n + CHUNK_PREFIX;
}

/* Once a second: a chunk begun a second ago belongs to an idle or slow CPU; write it now. */
static void flush_idle(struct td_chunks *ch)
{
	uint64_t now = monotonic_ns();
	int b, i, n;

	for (b = 0; b < ch->nr_bufs; b++) {
		pthread_mutex_lock(&ch->lock);
		n = ch->bufs[b].nr_cpus;
		pthread_mutex_unlock(&ch->lock);
		for (i = 0; i < n; i++) {
			struct chunk_cpu *c;

			pthread_mutex_lock(&ch->lock);
			c = ch->bufs[b].cpus[i];
			pthread_mutex_unlock(&ch->lock);
			/* A reader holding the lock is busy: its chunk fills soon enough. */
			if (!c || pthread_mutex_trylock(&c->lock))
				continue;
			if (c->used && now - c->first_ns >= TICK_NS)
				enqueue(ch, b, i, c);
			pthread_mutex_unlock(&c->lock);
		}
	}
}

/*
 * One chunk of zeros compressed before the first real one: zstd allocates its tables on first
 * use, now rather than during the first burst. The zeros are populated, not faulted in page by
 * page (populated.c).
 */
static void warm_up(struct td_chunks *ch, ZSTD_CCtx *cctx, uint8_t *out, size_t cap)
{
	uint8_t *zeros = populated_alloc(ch->slot_size, ch->slot_size);

	if (!zeros)
		return;
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, ch->level);
	ZSTD_compress2(cctx, out, cap, zeros, ch->slot_size);
	populated_free(zeros, ch->slot_size);
}

static void *compressor(void *arg)
{
	struct td_chunks *ch = arg;
	size_t cap = CHUNK_PREFIX + ZSTD_compressBound(ch->slot_size);
	uint8_t *out = populated_alloc(cap, cap);
	ZSTD_CCtx *cctx = ch->zstd ? ZSTD_createCCtx() : NULL;
	uint64_t last_tick = monotonic_ns();

	if (!out || (ch->zstd && !cctx))
		set_err(ch, -ENOMEM);
	else if (cctx)
		warm_up(ch, cctx, out, cap);
	pthread_mutex_lock(&ch->lock);
	for (;;) {
		struct queued q;
		struct chunk_cpu *c;
		int level = ch->level, ret = 0;
		size_t n;

		if (monotonic_ns() - last_tick >= TICK_NS) {
			pthread_mutex_unlock(&ch->lock);
			flush_idle(ch);
			last_tick = monotonic_ns();
			pthread_mutex_lock(&ch->lock);
		}
		if (!ch->q_len) {
			struct timespec ts;
			uint64_t t = monotonic_ns() + BATCH_NS;

			if (ch->stop)
				break;
			if (t > last_tick + TICK_NS)
				t = last_tick + TICK_NS;
			ts.tv_sec = t / 1000000000ull;
			ts.tv_nsec = t % 1000000000ull;
			pthread_cond_timedwait(&ch->work, &ch->lock, &ts);
			continue;
		}
		q = ch->queue[ch->q_head];
		ch->q_head = (ch->q_head + 1) % ch->nr_slots;
		/* Falling behind: compress faster until the queue is short again. */
		if (ch->q_len-- > ch->nr_slots / 2 && level > FAST_LEVEL)
			level = FAST_LEVEL;
		c = ch->bufs[q.buffer].cpus[q.cpu];
		ch->compressing = true;
		pthread_mutex_unlock(&ch->lock);

		if (ch->err)
			ret = ch->err;
		else if (!c->padded)
			ret = push_pad(ch, ch->bufs[q.buffer].page_size);
		c->padded = true;
		n = ret ? 0 : build_section(ch, cctx, out, cap, &q, level);
		if (!ret && !n)
			ret = -EINVAL;
		if (!ret)
			ret = appender_push(ch->app, out, n, true);
		if (!ret) {
			c->chunks++;
			c->stored += td_chunk_stored_size(ch->zstd, n - CHUNK_PREFIX);
		}

		pthread_mutex_lock(&ch->lock);
		if (ret && !ch->err)
			ch->err = ret;
		ch->free[ch->nr_free++] = q.slot;
		ch->compressing = false;
		pthread_cond_broadcast(&ch->freed);
	}
	pthread_mutex_unlock(&ch->lock);
	ZSTD_freeCCtx(cctx);
	populated_free(out, cap);
	return NULL;
}

static void free_chunks(struct td_chunks *ch)
{
	int b, i;

	for (b = 0; ch->bufs && b < ch->nr_bufs; b++) {
		struct chunk_buf *cb = &ch->bufs[b];

		for (i = 0; i < cb->nr_cpus; i++) {
			if (!cb->cpus[i])
				continue;
			pthread_mutex_destroy(&cb->cpus[i]->lock);
			free(cb->cpus[i]);
		}
		free(cb->cpus);
	}
	pthread_cond_destroy(&ch->work);
	pthread_cond_destroy(&ch->freed);
	pthread_mutex_destroy(&ch->lock);
	free(ch->bufs);
	free(ch->queue);
	free(ch->free);
	populated_free(ch->pool, (size_t)ch->nr_slots * ch->slot_size);
	free(ch);
}

struct td_chunks *td_chunks_start(const struct td_chunks_opts *o)
{
	struct td_chunks *ch = calloc(1, sizeof(*ch));
	pthread_condattr_t attr;
	uint32_t max_page = 0;
	int i, ret, min_slots;

	if (!ch)
		return NULL;
	ch->nr_bufs = o->nr_buffers;
	ch->bufs = o->nr_buffers > 0 ? calloc(ch->nr_bufs, sizeof(*ch->bufs)) : NULL;
	for (i = 0; ch->bufs && i < ch->nr_bufs; i++) {
		ch->bufs[i].page_size = o->page_sizes[i];
		if (ch->bufs[i].page_size > max_page)
			max_page = ch->bufs[i].page_size;
	}
	/*
	 * One pool for every buffer, its slots sized for the largest sub-buffers: a chunk of a
	 * buffer with smaller ones leaves the rest of its slot unused.
	 */
	ch->slot_size = (size_t)max_page * TD_PAGES_PER_CHUNK;
	ch->zstd = o->zstd;
	ch->level = o->level;
	ch->nr_slots = ch->slot_size ? POOL_BYTES / ch->slot_size : 0;
	min_slots = 2 * (o->nr_cpus > 0 ? o->nr_cpus : 1) * ch->nr_bufs;
	if (ch->nr_slots < min_slots)
		ch->nr_slots = min_slots;
	pthread_mutex_init(&ch->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->work, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&ch->freed, NULL);
	/* Slots are taken lowest first (a stack): the pool is populated from its start on. */
	ch->pool = populated_alloc((size_t)ch->nr_slots * ch->slot_size, 0);
	ch->free = calloc(ch->nr_slots, sizeof(*ch->free));
	ch->queue = calloc(ch->nr_slots, sizeof(*ch->queue));
	if (!ch->bufs || !ch->pool || !ch->free || !ch->queue) {
		free_chunks(ch);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < ch->nr_slots; i++)
		ch->free[ch->nr_free++] = ch->nr_slots - 1 - i;
	ch->app = appender_start(o->fd, o->pos, APPEND_RING,
				 APPENDER_POPULATE | (o->sync ? APPENDER_SYNC : 0));
	if (!ch->app) {
		free_chunks(ch);
		return NULL;
	}
	ret = pthread_create(&ch->thread, NULL, compressor, ch);
	if (ret) {
		appender_stop(ch->app);
		free_chunks(ch);
		errno = ret;
		return NULL;
	}
	return ch;
}

static struct chunk_cpu *get_cpu(struct td_chunks *ch, int buffer, int cpu)
{
	struct chunk_buf *cb = &ch->bufs[buffer];
	struct chunk_cpu *c;

	pthread_mutex_lock(&ch->lock);
	if (cpu >= cb->nr_cpus) {
		struct chunk_cpu **p = realloc(cb->cpus, (cpu + 1) * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&ch->lock);
			return NULL;
		}
		memset(p + cb->nr_cpus, 0, (cpu + 1 - cb->nr_cpus) * sizeof(*p));
		cb->cpus = p;
		cb->nr_cpus = cpu + 1;
	}
	c = cb->cpus[cpu];
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (c) {
			pthread_mutex_init(&c->lock, NULL);
			c->slot = -1;
			cb->cpus[cpu] = c;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	return c;
}

/* A free slot for c (locks: c's, then ch's); waits while none is free. */
static int take_slot(struct td_chunks *ch, struct chunk_cpu *c)
{
	size_t from = 0, to = 0, end;
	int ret;

	pthread_mutex_lock(&ch->lock);
	if (!ch->nr_free && !ch->err)
		ch->stalls++;
	while (!ch->nr_free && !ch->err)
		pthread_cond_wait(&ch->freed, &ch->lock);
	ret = ch->err;
	if (!ret) {
		c->slot = ch->free[--ch->nr_free];
		end = (size_t)(c->slot + 1) * ch->slot_size;
		if (end > ch->populated) {
			from = ch->populated;
			to = (end + POPULATE_STEP - 1) / POPULATE_STEP * POPULATE_STEP;
			if (to > (size_t)ch->nr_slots * ch->slot_size)
				to = (size_t)ch->nr_slots * ch->slot_size;
			ch->populated = to;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	/* Outside the lock: another reader taking a slot of the step meanwhile faults it in. */
	if (to > from)
		populate_range(ch->pool + from, to - from);
	return ret;
}

int td_chunks_add(struct td_chunks *ch, int buffer, int cpu, const void *data, size_t len)
{
	struct chunk_cpu *c;
	uint32_t page_size;
	uint8_t *dst;
	int ret = 0;

	if (buffer < 0 || buffer >= ch->nr_bufs || cpu < 0 || cpu >= MAX_CPU)
		return -EINVAL;
	page_size = ch->bufs[buffer].page_size;
	if (len > page_size)
		return -EINVAL;
	c = get_cpu(ch, buffer, cpu);
	if (!c)
		return -ENOMEM;
	pthread_mutex_lock(&c->lock);
	if (c->slot < 0)
		ret = take_slot(ch, c);
	if (!ret) {
		if (!c->used)
			c->first_ns = monotonic_ns();
		dst = ch->pool + (size_t)c->slot * ch->slot_size + (size_t)c->used * page_size;
		memcpy(dst, data, len);
		memset(dst + len, 0, page_size - len);
		if (++c->used == TD_PAGES_PER_CHUNK)
			enqueue(ch, buffer, cpu, c);
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

uint8_t *td_chunks_reserve(struct td_chunks *ch, int buffer, int cpu, unsigned int *room)
{
	struct chunk_cpu *c;
	int ret = 0;

	if (buffer < 0 || buffer >= ch->nr_bufs || cpu < 0 || cpu >= MAX_CPU) {
		errno = EINVAL;
		return NULL;
	}
	c = get_cpu(ch, buffer, cpu);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	if (c->slot < 0)
		ret = take_slot(ch, c);
	if (ret) {
		pthread_mutex_unlock(&c->lock);
		errno = -ret;
		return NULL;
	}
	if (room)
		*room = TD_PAGES_PER_CHUNK - c->used;
	return ch->pool + (size_t)c->slot * ch->slot_size +
	       (size_t)c->used * ch->bufs[buffer].page_size;
}

void td_chunks_commit(struct td_chunks *ch, int buffer, int cpu, size_t len)
{
	/* Under ch->lock: another CPU's first sub-buffer may grow the buffer's cpus meanwhile. */
	struct chunk_cpu *c = get_cpu(ch, buffer, cpu);
	uint32_t page_size = ch->bufs[buffer].page_size;
	uint8_t *dst = ch->pool + (size_t)c->slot * ch->slot_size + (size_t)c->used * page_size;
	size_t room = (size_t)(TD_PAGES_PER_CHUNK - c->used) * page_size;
	unsigned int pages = (len + page_size - 1) / page_size;

	if (len) {
		if (len > room) {
			len = room;
			pages = TD_PAGES_PER_CHUNK - c->used;
		}
		if (!c->used)
			c->first_ns = monotonic_ns();
		/* Only the last sub-buffer may be short. */
		memset(dst + len, 0, (size_t)pages * page_size - len);
		c->used += pages;
		if (c->used == TD_PAGES_PER_CHUNK)
			enqueue(ch, buffer, cpu, c);
	}
	pthread_mutex_unlock(&c->lock);
}

int td_chunks_flush(struct td_chunks *ch)
{
	int b, i, n, ret;

	for (b = 0; b < ch->nr_bufs; b++) {
		pthread_mutex_lock(&ch->lock);
		n = ch->bufs[b].nr_cpus;
		pthread_mutex_unlock(&ch->lock);
		for (i = 0; i < n; i++) {
			struct chunk_cpu *c;

			pthread_mutex_lock(&ch->lock);
			c = ch->bufs[b].cpus[i];
			pthread_mutex_unlock(&ch->lock);
			if (!c)
				continue;
			pthread_mutex_lock(&c->lock);
			enqueue(ch, b, i, c);
			pthread_mutex_unlock(&c->lock);
		}
	}
	pthread_mutex_lock(&ch->lock);
	pthread_cond_signal(&ch->work);
	while ((ch->q_len || ch->compressing) && !ch->err)
		pthread_cond_wait(&ch->freed, &ch->lock);
	ret = ch->err;
	pthread_mutex_unlock(&ch->lock);
	if (!ret)
		ret = appender_drain(ch->app);
	return ret;
}

uint64_t td_chunks_end(struct td_chunks *ch)
{
	uint64_t queued;

	pthread_mutex_lock(&ch->lock);
	queued = (uint64_t)ch->q_len * ch->slot_size;
	pthread_mutex_unlock(&ch->lock);
	return appender_end(ch->app) + queued;
}

uint64_t td_chunks_pages(struct td_chunks *ch)
{
	uint64_t n;

	pthread_mutex_lock(&ch->lock);
	n = ch->pages;
	pthread_mutex_unlock(&ch->lock);
	return n;
}

uint64_t td_chunks_stalls(struct td_chunks *ch)
{
	uint64_t n;

	pthread_mutex_lock(&ch->lock);
	n = ch->stalls;
	pthread_mutex_unlock(&ch->lock);
	return n + appender_stalls(ch->app);
}

/* Every CPU's chunks into j (the compressor has ended); 0 or -errno. */
static int tally(const struct td_chunks *ch, struct td_journal *j)
{
	int b, i, ret = 0;

	for (b = 0; b < ch->nr_bufs && !ret; b++) {
		const struct chunk_buf *cb = &ch->bufs[b];

		for (i = 0; i < cb->nr_cpus && !ret; i++)
			if (cb->cpus[i] && cb->cpus[i]->chunks)
				ret = td_journal_add_chunks(j, b, i, cb->cpus[i]->chunks,
							    cb->cpus[i]->stored);
	}
	return ret;
}

int td_chunks_stop(struct td_chunks *ch, uint64_t *end, struct td_journal *j)
{
	int ret, ret2;

	ret = td_chunks_flush(ch);
	pthread_mutex_lock(&ch->lock);
	ch->stop = true;
	pthread_cond_signal(&ch->work);
	pthread_mutex_unlock(&ch->lock);
	pthread_join(ch->thread, NULL);
	if (!ret)
		ret = ch->err;
	*end = appender_end(ch->app);
	ret2 = appender_stop(ch->app);
	if (!ret)
		ret = ret2;
	if (!ret && j) {
		ret = tally(ch, j);
		/* A chunk ends the journal: a CPU's padding section goes just before its first. */
		if (!ret && j->chunks)
			j->end = *end;
	}
	free_chunks(ch);
	return ret;
}
