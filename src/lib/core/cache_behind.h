/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page cache of a large file written once (text on stdout or -o into a regular file),
 * let go behind the writer: every WINDOW bytes, writeback of the last window is started and
 * the window before it, written back by then, is dropped from the cache.
 *
 * Writing a gigabyte of text into the page cache cost four times the CPU of making it on
 * this project's guests (every page allocated fresh, and fresh pages of a guest cost its
 * host again; bench/RESULTS.md "stream's output"). Pages given back behind the writer come
 * back hot for its next writes. The file's bytes are the same: these are hints, so a file
 * shared with other writers (2>&1, >>) is only cached less.
 */
#ifndef REMOTECTL_CACHE_BEHIND_H
#define REMOTECTL_CACHE_BEHIND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CACHE_BEHIND_WINDOW	(8u << 20)
/* Any page size the kernel uses divides it. */
#define CACHE_BEHIND_PAGE	4096u

struct cache_behind {
	int fd;			/* -1: not a regular file, nothing to do */
	off_t started;		/* writeback started up to here */
	off_t dropped;		/* dropped from the cache up to here */
};

/* For fd; c->fd is -1 unless fd is a regular file. */
void cache_behind_init(struct cache_behind *c, int fd);
/* After writes to the fd (stdio flushed or not: the file's offset says how far it got). */
void cache_behind_wrote(struct cache_behind *c);

#endif
