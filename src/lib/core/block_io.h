/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffered positional I/O on one file: a read window and write-behind buffers, so that a pass
 * over thousands of small records (the journal's chunks when a trace.dat is finished) costs a
 * few large pread()/pwrite() calls instead of several per record: system calls are most of
 * what such a pass costs (bench/RESULTS.md, "Block I/O when finishing"). Where records are
 * copied from the file to elsewhere in it, writers that list the window's bytes instead of
 * copying them into buffers of their own save a copy through user space, which cost about
 * as much as the write itself on this project's guests. The window is read, not mapped:
 * mapped (and populated), it saved nothing more, and a file cut short meanwhile would fault.
 */
#ifndef REMOTECTL_BLOCK_IO_H
#define REMOTECTL_BLOCK_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Full-length pread()/pwrite(): 0, or -errno (-EIO for a read past the end or a write of 0). */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
/* pwritev() until all of iov (nr, len bytes in all) is written; iov is used up. */
int pwritev_full(int fd, struct iovec *iov, int nr, uint64_t len, uint64_t off);
/*
 * Copy len bytes of fd at from to to (ranges that do not overlap, or to below from): in the
 * kernel where it can, read and written otherwise. 0 or -errno.
 */
int file_copy_range(int fd, uint64_t from, uint64_t to, uint64_t len);

struct block_writer;
struct block_frames;

/*
 * Reads of [0, limit) through a window of cap bytes; nothing past limit is ever read. Offsets
 * are of the file, or for a file of zstd frames (block_reader_init_frames()) of what they
 * decompress to.
 */
struct block_reader {
	int fd;
	uint64_t limit;
	uint8_t *buf;
	size_t cap;
	uint64_t off;		/* of the window */
	size_t len;		/* bytes in the window */
	struct block_writer *writers;	/* flushed before the window moves */
	int nr_writers;
	void (*moving)(void *ctx);	/* called before the window moves */
	void *moving_ctx;
	struct block_frames *frames;	/* a file of zstd frames */
};

void block_reader_init(struct block_reader *r, int fd, uint64_t limit, size_t cap);
/*
 * The same for a file that is a sequence of zstd frames from its start (file_appender.h's
 * APPENDER_ZSTD), each with its size in its header and no larger than a window: the window
 * holds whole frames, decompressed. Made for reading forwards: moving back starts again from
 * the first frame. A frame that does not decompress is -EBADMSG. A record of up to cap less
 * the largest frame fits in one window wherever it starts.
 */
void block_reader_init_frames(struct block_reader *r, int fd, uint64_t limit, size_t cap);
/*
 * The file offset below which r reads nothing again unless it is moved back: what a caller
 * done with the bytes before the window may give back (FALLOC_FL_PUNCH_HOLE).
 */
uint64_t block_reader_file_below(const struct block_reader *r);
/*
 * block_copy() into one of the nr writers at ws then passes the window's bytes on without
 * copying them: each writer is flushed before the window moves, and must be closed before
 * r is freed.
 */
void block_reader_attach(struct block_reader *r, struct block_writer *ws, int nr);
/*
 * fn(ctx) is called before the window's bytes change, for a caller that keeps pointers into
 * it beyond the next call (block_peek()) and copies what it still needs then.
 */
void block_reader_on_move(struct block_reader *r, void (*fn)(void *ctx), void *ctx);
void block_reader_free(struct block_reader *r);
/* len bytes at off into dst: 0, or -errno (-EIO past limit or the end of the file). */
int block_read(struct block_reader *r, void *dst, size_t len, uint64_t off);
/*
 * The len bytes at off where they lie in the window (read there first if they are not all in
 * it), valid until the next call on r: NULL with *err (-EINVAL when len exceeds the window).
 */
const void *block_peek(struct block_reader *r, size_t len, uint64_t off, int *err);

/*
 * Writes gathered while they are contiguous, written when the buffer or the list is full or
 * on a jump: bytes given to block_write() are copied into buf, bytes passed on by
 * block_copy() from an attached reader's window only listed.
 */
struct block_writer {
	int fd;
	uint8_t *buf;
	size_t cap;
	size_t used;		/* of buf */
	struct iovec *iov;	/* what is gathered, in file order from off */
	int nr_iov, max_iov;
	uint64_t off;		/* where the first gathered byte goes */
	uint64_t len;		/* bytes gathered */
};

void block_writer_init(struct block_writer *w, int fd, size_t cap);
/* Write len bytes at off (buffered): 0 or -errno. */
int block_write(struct block_writer *w, const void *src, size_t len, uint64_t off);
/* Copy len bytes at from (through r) to to (through w): 0 or -errno. */
int block_copy(struct block_reader *r, struct block_writer *w, uint64_t from, uint64_t to,
	       uint64_t len);
/* Write what is gathered: 0 or -errno. */
int block_flush(struct block_writer *w);
/* Flush and free: 0 or -errno of the flush. */
int block_writer_close(struct block_writer *w);

#endif
