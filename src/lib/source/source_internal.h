/* SPDX-License-Identifier: GPL-2.0 */
/*
 * source's internals, for src/lib/source/ and its unit tests only: the readers' operations
 * and helpers and a remote's text reader. Other folders use source.h (a
 * CPU's source) and reader_priority.h (how readers are scheduled).
 */
#ifndef REMOTECTL_SOURCE_INTERNAL_H
#define REMOTECTL_SOURCE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader_priority.h"
#include "source.h"

/*
 * A source's reader: mmap_reader.c, raw_reader.c, text_reader.c's source (source.c
 * dispatches to these).
 */
struct source_ops {
	const char *name;	/* "mmap", "read" */
	int (*next)(struct source *s, struct source_unit *u);
	/* Optional: the next unit will be a read() copy, which next_into() puts in buf. */
	bool (*copies)(const struct source *s);
	int (*next_into)(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u);
	/* Events the kernel reports lost since open (overrun deltas), or -1 if unknown. */
	int64_t (*kernel_lost)(struct source *s);
	/*
	 * Optional, for sources that cannot tell when they are caught up (text): nanoseconds
	 * since data last came, and stop reading (next() then returns what is left, then ends).
	 */
	uint64_t (*idle_ns)(struct source *s);
	void (*stop)(struct source *s);
	void (*close)(struct source *s);
};

/* Helpers for the readers. */
/*
 * Up to room whole sub-buffers into buf, in one readv(): the read() source's step, also taken
 * by the mmap source once it has gone over to read(). Returns as source_next_into().
 */
int raw_read_unit(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u);
/*
 * For next(), which hands out one unit per call: the copies of one raw_read_unit() call,
 * handed out in turn, each valid until the next call.
 */
struct read_batch;
struct read_batch *read_batch_new(const struct source *s);
int read_batch_next(struct source *s, struct read_batch *b, struct source_unit *u);
void read_batch_free(struct read_batch *b);
/* Sum of "overrun" and "dropped events" in a per-CPU stats file, or -1. */
int64_t stats_file_lost(const char *path);
void source_params_copy(struct source_params *dst, const struct source_params *src);

/* How readers are scheduled by default (reader_priority.h). */
#define READER_NICE_BOOST	10	/* default: this many nice levels below the process */

/*
 * One CPU of a trace remote: per_cpu/cpuN/trace_pipe read by a thread of its own, because a
 * remote's trace_pipe blocks in read() whatever O_NONBLOCK says, has no poll() and never
 * returns EOF. The thread hands complete lines to the consumer and signals an eventfd the
 * capture loop can poll(). Stopping interrupts the read with a signal whose handler is
 * installed without SA_RESTART, repeated until the thread has left read().
 */
struct text_reader;

/*
 * Open path (a trace_pipe) for cpu. Returns 0, or -errno: -ENODEV when the CPU is not in the
 * remote's buffer (it was offline when the buffer was loaded).
 */
int text_reader_open(const char *path, int cpu, struct text_reader **out);

/* How the reading thread is scheduled (reader_priority.h); unset: the defaults. */
void text_reader_sched(struct text_reader *r, const struct source_sched *rs);

/* Start the reading thread. Returns 0 or -errno. */
int text_reader_start(struct text_reader *r);

/* The eventfd that becomes readable when lines are waiting. */
int text_reader_fd(const struct text_reader *r);

/*
 * Take the complete lines read so far (each ending in '\n') into a malloc'd buffer the caller
 * frees; returns its length (0: nothing, *buf NULL). Clears the eventfd.
 */
size_t text_reader_take(struct text_reader *r, char **buf);

/* Nanoseconds (CLOCK_MONOTONIC) since read() last returned data, or since the start. */
uint64_t text_reader_idle_ns(struct text_reader *r);

/*
 * Stop the thread and wait for it. What it had read stays available to text_reader_take(),
 * including a last line without a newline. Returns the errno that ended reading early, or 0.
 */
int text_reader_stop(struct text_reader *r);

int text_reader_cpu(const struct text_reader *r);
uint64_t text_reader_bytes(struct text_reader *r);

void text_reader_close(struct text_reader *r);

#endif
