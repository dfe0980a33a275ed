/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A background thread that appends a byte stream to a file and pushes it towards the disk.
 *
 * Capture threads must never wait for the disk: a reader that sits in write() or fdatasync()
 * while the kernel's ring buffer fills loses events (bench/RESULTS.md, "Writes off the
 * readers"). Producers copy their bytes
 * into a bounded ring in memory and go back to reading; the thread writes them at consecutive
 * file offsets and, unless told not to, a second thread runs fdatasync() once a second (the
 * writes go on meanwhile) so that a power loss keeps what was captured a second or so ago.
 *
 * A producer only waits when the ring is full, i.e. when the disk cannot keep up for longer
 * than the ring lasts; then the ring buffer in the kernel takes the strain, and any loss is
 * counted there, as it would be without this thread.
 */
#ifndef REMOTECTL_FILE_APPENDER_H
#define REMOTECTL_FILE_APPENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file_appender;

/* What appender_start() is asked for. */
enum {
	/* fdatasync() once a second. */
	APPENDER_SYNC = 1 << 0,
	/* Fault the ring in now, for producers that push while a burst fills a ring buffer
	 * (populated.h). */
	APPENDER_POPULATE = 1 << 1,
	/*
	 * Write the stream as zstd frames of at most APPENDER_FRAME bytes each, for a reader
	 * that decompresses it (block_reader_init_frames()): compressed, or stored where that
	 * costs less CPU (measured as it goes). Offsets given by appender_end() and
	 * appender_written() are then of the stream as pushed.
	 */
	APPENDER_ZSTD = 1 << 2,
};

/* The most stream bytes one zstd frame holds. */
#define APPENDER_FRAME	(64u << 10)

/*
 * Start appending to fd at offset pos, with a ring of ring_size bytes (no single push may be
 * larger), as flags ask. NULL (with errno) if the thread cannot start.
 */
struct file_appender *appender_start(int fd, uint64_t pos, size_t ring_size, unsigned int flags);

/*
 * Queue len bytes to follow everything queued before. wait: block while the ring is full;
 * otherwise a full ring gives -EAGAIN.
 * Returns 0, -EAGAIN, -EMSGSIZE, or the -errno a write has already failed with.
 */
int appender_push(struct file_appender *a, const void *buf, size_t len, bool wait);

/* The file offset after everything queued so far. */
uint64_t appender_end(struct file_appender *a);

/*
 * The file offset up to which everything queued is in the file (readable with pread()).
 * Bytes still queued are handed to the thread now rather than at its next batch, for a reader
 * that follows the file as it grows.
 */
uint64_t appender_written(struct file_appender *a);

/* Wait until everything queued is written; 0 or the -errno of a failed write. */
int appender_drain(struct file_appender *a);

/* APPENDER_ZSTD: how many spans were written stored, and how many compressed. */
void appender_ways(struct file_appender *a, uint64_t *stored, uint64_t *compressed);

/* How often a producer found the ring full. */
uint64_t appender_stalls(struct file_appender *a);

/* Drain, stop the thread and free a; 0 or the -errno of a failed write. */
int appender_stop(struct file_appender *a);

#endif
