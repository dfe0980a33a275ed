/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data part of a trace.dat being written: every CPU's sub-buffers gathered into chunks
 * of TD_PAGES_PER_CHUNK, compressed and appended to the file -- off the readers' threads.
 *
 * A reader thread only copies each sub-buffer into its CPU's current chunk, a slot of a
 * fixed pool. Full chunks go to a queue; one thread compresses them and hands the sections to
 * a file_appender (file_appender.h), which writes and syncs. With every CPU saturated by
 * writers, compressing on the readers made them lose far more events than trace-cmd, which
 * compresses only after the capture (bench/RESULTS.md, "Compression off the readers"); with
 * the readers doing nothing but copy, they keep up. When the queue is more than half full
 * the compressor drops to zstd level 1 until it has caught up, so that the readers wait (and
 * the kernel drops) only when even that cannot keep pace.
 *
 * The same thread writes out, once a second, the partial chunk of a CPU whose chunk began a
 * second ago or more, so that a killed record keeps an idle CPU's events too.
 *
 * Memory: the slot pool (16 MiB, at least two chunks per CPU), a compressed section buffer and
 * the appender's ring, whatever the capture length.
 */
#ifndef REMOTECTL_TRACEDAT_CHUNKS_H
#define REMOTECTL_TRACEDAT_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct td_chunks_opts {
	int fd;
	uint64_t pos;		/* the file offset the data starts at */
	uint32_t page_size;
	int nr_cpus;		/* to size the pool; any CPU number may come */
	bool zstd;
	int level;
	bool sync;		/* fdatasync() once a second (not for a spool) */
	size_t populate;	/* bytes of the slot pool to fault in now (populated.h) */
};

struct td_chunks;

/* Start the threads; NULL with errno on failure. */
struct td_chunks *td_chunks_start(const struct td_chunks_opts *o);

/* Copy one sub-buffer of len <= page_size bytes into cpu's chunk; 0 or -errno. */
int td_chunks_add(struct td_chunks *ch, int cpu, const void *data, size_t len);

/*
 * The same without the copy: the place of cpu's next sub-buffers in its chunk, room of them
 * (when room is not NULL) one after the other, for the caller to read() into; NULL with errno
 * on failure. cpu's chunk stays locked (the once-a-second write-out of partial chunks waits)
 * until td_chunks_commit() takes len bytes of it, whole sub-buffers but the last, or none
 * with len 0.
 */
uint8_t *td_chunks_reserve(struct td_chunks *ch, int cpu, unsigned int *room);
void td_chunks_commit(struct td_chunks *ch, int cpu, size_t len);

/* Queue every partial chunk and wait until everything is written; 0 or -errno. */
int td_chunks_flush(struct td_chunks *ch);

/* The file offset after everything written or queued (raw queued chunks count in full). */
uint64_t td_chunks_end(struct td_chunks *ch);

/* Sub-buffers taken so far. */
uint64_t td_chunks_pages(struct td_chunks *ch);

/* How often a reader waited for a free slot, and the writer for the disk. */
uint64_t td_chunks_stalls(struct td_chunks *ch);

/* Flush, stop the threads and free ch; *end is the file's end. 0 or -errno. */
int td_chunks_stop(struct td_chunks *ch, uint64_t *end);

#endif
