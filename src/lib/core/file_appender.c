// SPDX-License-Identifier: GPL-2.0
/* The appending thread of file_appender.h: a byte ring, one consumer, many producers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

struct file_appender {
	int fd;
	bool sync;
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
}

struct file_appender *appender_start(int fd, uint64_t pos, size_t ring_size, bool sync,
				     bool populate)
{
	struct file_appender *a = calloc(1, sizeof(*a));
	pthread_condattr_t attr;
	int ret;

	if (!a)
		return NULL;
	a->populated = populate;
	a->ring = populate ? populated_alloc(ring_size, ring_size) : malloc(ring_size);
	if (!a->ring) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->fd = fd;
	a->size = ring_size;
	a->base = pos;
	a->sync = sync;
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->work, &attr);
	pthread_cond_init(&a->sync_wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&a->room, NULL);
	ret = pthread_create(&a->thread, NULL, run, a);
	if (!ret && sync) {
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
