/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffered positional I/O on one file: a read window and write-behind buffers, so that a pass
 * over thousands of small records (the journal's chunks when a trace.dat is finished) costs a
 * few large pread()/pwrite() calls instead of several per record: system calls are most of
 * what such a pass costs (bench/RESULTS.md, "Block I/O when finishing").
 */
#ifndef REMOTECTL_BLOCK_IO_H
#define REMOTECTL_BLOCK_IO_H

#include <stddef.h>
#include <stdint.h>

/* Full-length pread()/pwrite(): 0, or -errno (-EIO for a read past the end or a write of 0). */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* Reads of [0, limit) through a window of cap bytes; nothing past limit is ever read. */
struct block_reader {
	int fd;
	uint64_t limit;
	uint8_t *buf;
	size_t cap;
	uint64_t off;		/* of the window */
	size_t len;		/* bytes in the window */
};

void block_reader_init(struct block_reader *r, int fd, uint64_t limit, size_t cap);
void block_reader_free(struct block_reader *r);
/* len bytes at off into dst: 0, or -errno (-EIO past limit or the end of the file). */
int block_read(struct block_reader *r, void *dst, size_t len, uint64_t off);
/*
 * The len bytes at off where they lie in the window (read there first if they are not all in
 * it), valid until the next call on r: NULL with *err (-EINVAL when len exceeds the window).
 */
const void *block_peek(struct block_reader *r, size_t len, uint64_t off, int *err);

/* Writes gathered while they are contiguous, written when the buffer is full or on a jump. */
struct block_writer {
	int fd;
	uint8_t *buf;
	size_t cap;
	uint64_t off;		/* where buf[0] goes */
	size_t len;
};

void block_writer_init(struct block_writer *w, int fd, size_t cap);
/* Write len bytes at off (buffered): 0 or -errno. */
int block_write(struct block_writer *w, const void *src, size_t len, uint64_t off);
/* Copy len bytes at from (through r) to to (through w): 0 or -errno. */
int block_copy(struct block_reader *r, struct block_writer *w, uint64_t from, uint64_t to,
	       uint64_t len);
/* Write what is buffered: 0 or -errno. */
int block_flush(struct block_writer *w);
/* Flush and free: 0 or -errno of the flush. */
int block_writer_close(struct block_writer *w);

#endif
