// SPDX-License-Identifier: GPL-2.0
/* cache_behind.h: writeback started and pages dropped a window behind the writer. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_behind.h"

void cache_behind_init(struct cache_behind *c, int fd)
{
	struct stat st;
	off_t pos;

	c->fd = -1;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return;
	c->fd = fd;
	/* What was in the file before is not ours to drop. */
	c->started = c->dropped = pos;
}

void cache_behind_wrote(struct cache_behind *c)
{
	off_t pos;

	if (c->fd < 0)
		return;
	/*
	 * Windows end on a page boundary: the kernel drops whole pages only, and the page the
	 * writer is in belongs to the next window.
	 */
	pos = lseek(c->fd, 0, SEEK_CUR) & ~(off_t)(CACHE_BEHIND_PAGE - 1);
	if (pos < 0 || pos < c->started || pos - c->started < CACHE_BEHIND_WINDOW)
		return;
	/*
	 * Start writing the last window; drop the one before, whose writeback started a window
	 * ago (pages still under writeback are kept by the kernel and stay cached).
	 */
	sync_file_range(c->fd, c->started, pos - c->started, SYNC_FILE_RANGE_WRITE);
	if (c->started > c->dropped)
		posix_fadvise(c->fd, c->dropped, c->started - c->dropped, POSIX_FADV_DONTNEED);
	c->dropped = c->started;
	c->started = pos;
}
