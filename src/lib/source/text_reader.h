/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One CPU of a trace remote: per_cpu/cpuN/trace_pipe read by a thread of its own, because a
 * remote's trace_pipe blocks in read() whatever O_NONBLOCK says, has no poll() and never
 * returns EOF. The thread hands complete lines to the consumer and signals an eventfd the
 * capture loop can poll(). Stopping interrupts the read with a signal whose handler is
 * installed without SA_RESTART, repeated until the thread has left read().
 */
#ifndef REMOTECTL_TEXT_READER_H
#define REMOTECTL_TEXT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader_priority.h"

struct text_reader;

/*
 * Open path (a trace_pipe) for cpu. Returns 0, or -errno: -ENODEV when the CPU is not in the
 * remote's buffer (it was offline when the buffer was loaded).
 */
int text_reader_open(const char *path, int cpu, struct text_reader **out);

/* How the reading thread is scheduled (reader_priority.h); unset: the defaults. */
void text_reader_sched(struct text_reader *r, const struct reader_sched *rs);

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
