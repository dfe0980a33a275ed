// SPDX-License-Identifier: GPL-2.0
/* The appending thread of file_appender.h: a byte ring, one consumer, many producers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "block_io.h"
#include "file_appender.h"
#include "monotonic.h"
#include "populated.h"

#define TICK_NS		1000000000ull
/*
 * The thread is woken when an eighth of the ring is pending, else it looks every BATCH_NS:
 * a wake-up per push cost a context switch per trace.dat chunk (bench/RESULTS.md, "Batched
 * writer wake-ups"), for no gain in how soon the bytes reach the file.
 */
#define BATCH_NS	100000000ull
/*
 * A write() takes at most WRITE_PART of the ring: its bytes make room only when the call
 * returns, and a producer finding the ring full waits meanwhile. Writing the whole pending
 * span at once, a 2 MiB write into ext4 took up to 4 ms while raw markers filled a spool's
 * 2 MiB ring in 7: stream and record's text lost events that trace.dat, with its small
 * writes, did not (bench/RESULTS.md, "Spool writes in eighths").
 */
#define WRITE_PART	8
/*
 * APPENDER_ZSTD's level: the fastest that still finds a trace's repeats (on a raw-marker
 * sample 3.6 GB/s and 58:1 against 2.5 GB/s and 60:1 at level 1).
 */
#define ZSTD_LEVEL	(-1)
/*
 * Compressing is not always the cheaper way to the file. Raw markers compress at ~3 GB/s,
 * getpid events at under 1; writing a MiB into the page cache took this project's guests 0.3
 * to 1.6 ms, dearer where its pages came fresh from the host (bench/RESULTS.md, "compressed
 * spools"). So the thread times both ways on its CPU clock, span by span, and writes each
 * span the way that cost less lately: compressed, or stored in zstd frames of raw blocks (a
 * header, then the ring's bytes, no copy). CPU time, not time: on two busy CPUs the thread is
 * preempted often enough that timing spans by the clock chose worse (bench/RESULTS.md). A
 * write that sleeps (a disk holding dirty pages back) is not counted, as before compressing
 * was tried at all. Reading compressed frames back costs about half of making them
 * (ZSTD_DCOST_HALVES); stored ones, a copy. Every EXPLORE-th span goes the other way, so
 * that a change in the data or the host is noticed.
 */
#define ZSTD_DCOST_HALVES	3
#define EXPLORE			32
/* "Lately": the time and bytes of a way are halved once it has this many bytes. */
#define RECENT_BYTES		(16u << 20)
/* A stored frame's header: magic, descriptor (single segment, 4-byte size), size, block. */
#define STORED_HDR		12

enum { STORED, COMPRESSED };

struct file_appender {
	int fd;
	bool sync;
	ZSTD_CCtx *cctx;	/* APPENDER_ZSTD: the thread's, with its frames' buffer */
	uint8_t *frames;
	size_t frames_cap;
	uint64_t fpos;		/* APPENDER_ZSTD: where the next frame goes */
	uint64_t ns[2], bytes[2];	/* spent on the spans lately, stored and compressed */
	uint64_t spans[2];	/* written each way */
	struct iovec *iov;	/* a stored span's headers and bytes */
	pthread_t thread;
	pthread_t syncer;
	bool syncing;		/* syncer started */
	bool sync_stop;		/* the writer is done: sync a last time and end */
	pthread_cond_t sync_wake;

	pthread_mutex_t lock;
	pthread_cond_t work;	/* to the thread: bytes queued, or stop */
	pthread_cond_t room;	/* to producers and drain: bytes written */
	uint8_t *ring;
	size_t size;
	bool populated;		/* ring from populated_alloc() */
	uint64_t head;		/* bytes written so far (ring positions are modulo size) */
	uint64_t tail;		/* bytes queued so far */
	uint64_t base;		/* the file offset of stream byte 0 */
	bool busy;		/* the thread holds bytes it took from head */
	bool stop;
	uint64_t synced;	/* head when the last fdatasync() began */
	int err;
	uint64_t stalls;
};

/* len bytes at p as zstd frames into a->frames: their size, or 0 if zstd failed. */
static size_t compress_span(struct file_appender *a, const uint8_t *p, size_t len)
{
	size_t out = 0, n, z;

	for (; len; p += n, len -= n) {
		n = len < APPENDER_FRAME ? len : APPENDER_FRAME;
		z = ZSTD_compressCCtx(a->cctx, a->frames + out, a->frames_cap - out, p, n,
				      ZSTD_LEVEL);
		if (ZSTD_isError(z))
			return 0;
		out += z;
	}
	return out;
}

/*
 * len bytes at p as stored frames: their headers into a->frames, listed in iov (room for two
 * per frame) with the bytes between them. Returns the number of iov entries.
 */
static int store_span(struct file_appender *a, const uint8_t *p, size_t len, struct iovec *iov)
{
	uint8_t *h = a->frames;
	uint32_t n, block;
	int nr = 0;

	for (; len; p += n, len -= n, h += STORED_HDR) {
		n = len < APPENDER_FRAME ? len : APPENDER_FRAME;
		/* Last block, type raw, n bytes (RFC 8878 3.1.1.2). */
		block = 1 | n << 3;
		memcpy(h, "\x28\xb5\x2f\xfd\xa0", 5);
		h[5] = n;
		h[6] = n >> 8;
		h[7] = n >> 16;
		h[8] = n >> 24;
		h[9] = block;
		h[10] = block >> 8;
		h[11] = block >> 16;
		iov[nr++] = (struct iovec){ .iov_base = h, .iov_len = STORED_HDR };
		iov[nr++] = (struct iovec){ .iov_base = (void *)p, .iov_len = n };
	}
	return nr;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ns per MiB written way lately; 0 before the first span. */
static uint64_t cost(const struct file_appender *a, int way)
{
	return a->bytes[way] ? a->ns[way] * (1 << 20) / a->bytes[way] + 1 : 0;
}

/* Which way the next span goes: each once first, then the one that cost less lately. */
static int next_way(const struct file_appender *a)
{
	uint64_t stored = cost(a, STORED), compressed = cost(a, COMPRESSED);
	int way;

	if (!stored || !compressed)
		return compressed ? STORED : COMPRESSED;
	way = compressed * ZSTD_DCOST_HALVES / 2 < stored ? COMPRESSED : STORED;
	if ((a->spans[STORED] + a->spans[COMPRESSED]) % EXPLORE == EXPLORE - 1)
		way = !way;
	return way;
}

/* len bytes at p as frames at a->fpos, the way that costs less: 0 or -errno. */
static int write_frames(struct file_appender *a, const uint8_t *p, size_t len)
{
	struct iovec *iov = a->iov;
	int way = next_way(a), nr, ret;
	uint64_t t = thread_cpu_ns(), out = 0;
	size_t z;

	if (way == COMPRESSED) {
		z = compress_span(a, p, len);
		ret = z ? pwrite_full(a->fd, a->frames, z, a->fpos) : -EIO;
		out = z;
	} else {
		nr = store_span(a, p, len, iov);
		out = len + (uint64_t)nr / 2 * STORED_HDR;
		ret = pwritev_full(a->fd, iov, nr, out, a->fpos);
	}
	a->fpos += out;
	a->ns[way] += thread_cpu_ns() - t;
	a->bytes[way] += len;
	if (a->bytes[way] > RECENT_BYTES) {
		a->ns[way] /= 2;
		a->bytes[way] /= 2;
	}
	a->spans[way]++;
	return ret;
}

/* Write the ring's oldest contiguous span; called with the lock held, returns with it. */
static void write_span(struct file_appender *a)
{
	size_t at = a->head % a->size, len = a->tail - a->head;
	uint64_t off = a->base + a->head;
	int ret;

	if (len > a->size - at)
		len = a->size - at;
	if (len > a->size / WRITE_PART && a->size >= WRITE_PART)
		len = a->size / WRITE_PART;
	a->busy = true;
	pthread_mutex_unlock(&a->lock);
	if (a->cctx)
		ret = write_frames(a, a->ring + at, len);
	else
		ret = pwrite_full(a->fd, a->ring + at, len, off);
	pthread_mutex_lock(&a->lock);
	a->busy = false;
	if (ret && !a->err)
		a->err = ret;
	a->head += len;
	pthread_cond_broadcast(&a->room);
}

static struct timespec deadline(uint64_t ns)
{
	uint64_t t = monotonic_ns() + ns;

	return (struct timespec){ .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };
}

static void *run(void *arg)
{
	struct file_appender *a = arg;
	struct timespec ts;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		if (a->head != a->tail) {
			write_span(a);
		} else if (a->stop) {
			break;
		} else {
			ts = deadline(BATCH_NS);
			pthread_cond_timedwait(&a->work, &a->lock, &ts);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/*
 * fdatasync() once a second on a thread of its own: it can take long on a busy disk, and the
 * writes must go on meanwhile (appending is not held up by writeback of earlier pages).
 */
static void *sync_run(void *arg)
{
	struct file_appender *a = arg;
	struct timespec ts;
	bool last;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		ts = deadline(TICK_NS);
		if (!a->sync_stop)
			pthread_cond_timedwait(&a->sync_wake, &a->lock, &ts);
		last = a->sync_stop;
		if (a->head != a->synced) {
			a->synced = a->head;
			pthread_mutex_unlock(&a->lock);
			fdatasync(a->fd);
			pthread_mutex_lock(&a->lock);
		}
		if (last)
			break;
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static void free_ring(struct file_appender *a)
{
	if (a->populated)
		populated_free(a->ring, a->size);
	else
		free(a->ring);
	ZSTD_freeCCtx(a->cctx);
	free(a->frames);
	free(a->iov);
}

/* The ring and, for APPENDER_ZSTD, the compressor: 0 or -ENOMEM. */
static int alloc_buffers(struct file_appender *a, size_t ring_size, unsigned int flags)
{
	/* The most one write_span() takes. */
	size_t part = ring_size >= WRITE_PART ? ring_size / WRITE_PART : ring_size;

	a->size = ring_size;
	a->populated = flags & APPENDER_POPULATE;
	a->ring = a->populated ? populated_alloc(ring_size, ring_size) : malloc(ring_size);
	if (!a->ring)
		return -ENOMEM;
	if (!(flags & APPENDER_ZSTD))
		return 0;
	/* A span is cut into frames of APPENDER_FRAME bytes, the last one shorter. */
	a->frames_cap = (part / APPENDER_FRAME + 1) * ZSTD_compressBound(APPENDER_FRAME);
	a->frames = malloc(a->frames_cap);
	a->iov = calloc(2 * (part / APPENDER_FRAME + 1), sizeof(*a->iov));
	a->cctx = ZSTD_createCCtx();
	return a->frames && a->iov && a->cctx ? 0 : -ENOMEM;
}

struct file_appender *appender_start(int fd, uint64_t pos, size_t ring_size, unsigned int flags)
{
	struct file_appender *a = calloc(1, sizeof(*a));
	pthread_condattr_t attr;
	int ret;

	if (!a)
		return NULL;
	if (alloc_buffers(a, ring_size, flags)) {
		free_ring(a);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->fd = fd;
	a->base = pos;
	a->fpos = pos;
	a->sync = flags & APPENDER_SYNC;
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->work, &attr);
	pthread_cond_init(&a->sync_wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&a->room, NULL);
	ret = pthread_create(&a->thread, NULL, run, a);
	if (!ret && a->sync) {
		ret = pthread_create(&a->syncer, NULL, sync_run, a);
		if (ret) {
			pthread_mutex_lock(&a->lock);
			a->stop = true;
			pthread_cond_signal(&a->work);
			pthread_mutex_unlock(&a->lock);
			pthread_join(a->thread, NULL);
		}
		a->syncing = !ret;
	}
	if (ret) {
		pthread_cond_destroy(&a->work);
		pthread_cond_destroy(&a->sync_wake);
		pthread_cond_destroy(&a->room);
		pthread_mutex_destroy(&a->lock);
		free_ring(a);
		free(a);
		errno = ret;
		return NULL;
	}
	return a;
}

int appender_push(struct file_appender *a, const void *buf, size_t len, bool wait)
{
	size_t at, first;
	int ret;

	if (len > a->size)
		return -EMSGSIZE;
	pthread_mutex_lock(&a->lock);
	if (!a->err && a->tail - a->head + len > a->size) {
		if (!wait) {
			pthread_mutex_unlock(&a->lock);
			return -EAGAIN;
		}
		a->stalls++;
		while (!a->err && a->tail - a->head + len > a->size)
			pthread_cond_wait(&a->room, &a->lock);
	}
	ret = a->err;
	if (!ret) {
		at = a->tail % a->size;
		first = len < a->size - at ? len : a->size - at;
		memcpy(a->ring + at, buf, first);
		memcpy(a->ring, (const uint8_t *)buf + first, len - first);
		a->tail += len;
		if (a->tail - a->head >= a->size / 8 && a->tail - a->head - len < a->size / 8)
			pthread_cond_signal(&a->work);
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}

uint64_t appender_end(struct file_appender *a)
{
	uint64_t end;

	pthread_mutex_lock(&a->lock);
	end = a->base + a->tail;
	pthread_mutex_unlock(&a->lock);
	return end;
}

uint64_t appender_written(struct file_appender *a)
{
	uint64_t end;

	pthread_mutex_lock(&a->lock);
	end = a->base + a->head;
	if (a->head != a->tail && !a->busy)
		pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
	return end;
}

int appender_drain(struct file_appender *a)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	pthread_cond_signal(&a->work);
	while (a->head != a->tail || a->busy)
		pthread_cond_wait(&a->room, &a->lock);
	ret = a->err;
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void appender_ways(struct file_appender *a, uint64_t *stored, uint64_t *compressed)
{
	pthread_mutex_lock(&a->lock);
	*stored = a->spans[STORED];
	*compressed = a->spans[COMPRESSED];
	pthread_mutex_unlock(&a->lock);
}

uint64_t appender_stalls(struct file_appender *a)
{
	uint64_t n;

	pthread_mutex_lock(&a->lock);
	n = a->stalls;
	pthread_mutex_unlock(&a->lock);
	return n;
}

int appender_stop(struct file_appender *a)
{
	int ret;

	if (!a)
		return 0;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	/* Its last round syncs everything written. */
	if (a->syncing) {
		pthread_mutex_lock(&a->lock);
		a->sync_stop = true;
		pthread_cond_signal(&a->sync_wake);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->syncer, NULL);
	}
	ret = a->err;
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->sync_wake);
	pthread_cond_destroy(&a->room);
	pthread_mutex_destroy(&a->lock);
	free_ring(a);
	free(a);
	return ret;
}
