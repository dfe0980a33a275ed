/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwrite_unlocked() of one line of text, for the loops that print millions of them.
 *
 * glibc's fwrite_unlocked() takes the general path (_IO_sputn()) for every call: with the copy
 * it was ~8 % of a getpid text record, for lines of ~66 bytes. While the stream's buffer has
 * room the line is copied into it here, as glibc's own putc_unlocked() does with the same
 * public fields of its FILE; a line-buffered or unbuffered stream never shows room there, so
 * it still flushes as it should. Other C libraries take fwrite_unlocked(). Lines can also be
 * made straight in that room (line_room()), which spares even the copy.
 */
#ifndef REMOTECTL_LINE_OUT_H
#define REMOTECTL_LINE_OUT_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The caller holds the stream's lock (flockfile()) or is its only user. Returns n or less. */
static inline size_t line_out(const char *s, size_t n, FILE *f)
{
#ifdef __GLIBC__
	/* Signed: a line-buffered stream's end can be below its write pointer. */
	if (f->_IO_write_end - f->_IO_write_ptr >= (ptrdiff_t)n) {
		memcpy(f->_IO_write_ptr, s, n);
		f->_IO_write_ptr += n;
		return n;
	}
#endif
	return fwrite_unlocked(s, 1, n, f);
}

/*
 * Where a line may be made in place, in the free part of the stream's buffer (*size bytes,
 * never 0), or NULL; line_made() then puts out what was made there. The caller holds the
 * lock from one to the other.
 */
static inline char *line_room(FILE *f, size_t *size)
{
#ifdef __GLIBC__
	if (f->_IO_write_end - f->_IO_write_ptr > 0) {
		*size = f->_IO_write_end - f->_IO_write_ptr;
		return f->_IO_write_ptr;
	}
#endif
	(void)f;
	*size = 0;
	return NULL;
}

/*
 * The n bytes made at room (line_room()) go out. Only a flush may come between (a message
 * flushes stdout first, and the lock is recursive): it leaves the bytes where they are but
 * moves the write pointer back to the buffer's start, with at least as much room after it,
 * and the bytes are moved there. Returns n, or 0 with errno EIO where there is less room
 * than that (the stream written meanwhile: not something to do).
 */
static inline size_t line_made(FILE *f, const char *room, size_t n)
{
#ifdef __GLIBC__
	if (f->_IO_write_ptr != room) {
		if (f->_IO_write_end - f->_IO_write_ptr < (ptrdiff_t)n) {
			errno = EIO;
			return 0;
		}
		memmove(f->_IO_write_ptr, room, n);
	}
	f->_IO_write_ptr += n;
#else
	(void)f;
	(void)room;
#endif
	return n;
}

#endif
