/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A source delivers the trace data of one CPU: ring-buffer sub-buffers (the mmap reader, the
 * read() reader) or, for trace remotes, the kernel's text lines (the text source over a text
 * reader, source_internal.h). capture.c polls every source's fd, asks each for its next unit
 * and hands it to the sink; only a unit's kind (lines or not) tells it how to decode it.
 */
#ifndef REMOTECTL_SOURCE_H
#define REMOTECTL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One unit of data: a sub-buffer (header included) of which the event bytes [skip, end) are
 * new. A whole sub-buffer has skip 0 and end at least its commit size. A text source's unit
 * has lines set: buf holds len bytes of complete lines, each ending in '\n', and end - skip is
 * what was read from the kernel for them. Valid until the next source_next() or
 * source_close() on the same source.
 */
struct source_unit {
	const void *buf;
	size_t len;		/* bytes of buf that may be read */
	uint32_t skip;		/* event bytes handed out before */
	uint32_t end;		/* decode no further than this many event bytes */
	bool partial;		/* the sub-buffer was not full: the reader has caught up */
	bool whole;		/* a copy (read()): no later unit continues it */
	bool lines;		/* text lines (a text source), not a sub-buffer */
};

struct source_stats {
	uint64_t units;		/* units delivered */
	uint64_t bytes;		/* new event bytes delivered */
	uint64_t ioctls;	/* GET_READER and readv() calls */
	uint64_t waits;		/* times the source asked to wait */
	uint32_t switched_epp;	/* mmap went over to read() at this many events per sub-buffer */
	int reader_refused;	/* errno of a failed GET_READER: mmap went over to read() */
};

struct source_params {
	char *raw_path;		/* per_cpu/cpuN/trace_pipe_raw */
	char *stats_path;	/* per_cpu/cpuN/stats, NULL if absent */
	int cpu;
	uint32_t subbuf_size;	/* bytes per sub-buffer (read(): bytes per read) */
	unsigned int hdr_size;	/* sub-buffer header size: 16 on 64-bit kernels */
	bool eof_ends;		/* a read-only backup: EOF means drained, not "nothing yet" */
	bool may_switch;	/* mmap: go over to read() when the events are small */
};

struct source;

struct source_ops;	/* the reader's operations (source_internal.h) */

struct source {
	const struct source_ops *ops;
	struct source_params p;
	int fd;			/* poll() it for POLLIN */
	bool ended;		/* no more data will ever come */
	/*
	 * Set by each source_next(): everything this CPU had written when the call was made
	 * has now been delivered (what comes later is newer). The merge relies on it, so a
	 * reader sets it only when sure; "partial" is only a hint to wait.
	 */
	bool caught_up;
	unsigned int reads_next;	/* read(): sub-buffers the next call asks for */
	struct source_stats stats;
	const char *failed_call;	/* the call behind an error next() returned, if named */
	void *priv;
};

/*
 * Open one CPU with the mmap reader or the read() reader. On failure returns -errno (the
 * mmap reader's errno tells why mapping was refused: ENODEV, EINVAL, EPERM...) and, when why
 * is not NULL, a short reason in why.
 */
int source_mmap_open(const struct source_params *p, struct source **out, char *why, size_t len);
int source_raw_open(const struct source_params *p, struct source **out, char *why, size_t len);
/*
 * Open one CPU of a remote with the text reader on p->raw_path (its trace_pipe) and start its
 * thread, scheduled as sched says. -ENODEV: the CPU is not in the remote's buffer.
 */
struct source_sched;
int source_text_open(const struct source_params *p, const struct source_sched *sched,
		     struct source **out, char *why, size_t len);

/*
 * The next unit: 1 (u filled), 0 nothing new now (wait with poll() on s->fd, or a timer after
 * a partial unit), -ENODATA the source has ended for good, else -errno.
 */
int source_next(struct source *s, struct source_unit *u);

/*
 * Whether the next unit will be a copy (read()), and source_next() reading it into the
 * caller's buf of room sub-buffers (subbuf_size bytes each) instead of the source's own: the
 * trace.dat writer reads straight into its chunk, saving a copy per sub-buffer. Only when
 * source_copies() says so. Returns the number of units put in buf, one after the other, and
 * described in u[0..n-1] (room entries), else as source_next().
 */
bool source_copies(const struct source *s);
int source_next_into(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u);

/* See source_ops.kernel_lost (source_internal.h). */
int64_t source_kernel_lost(struct source *s);
/* See source_ops.idle_ns (0 when the source cannot tell) and source_ops.stop. */
uint64_t source_idle_ns(struct source *s);
void source_stop(struct source *s);

void source_close(struct source *s);

void source_params_free(struct source_params *p);

#endif
