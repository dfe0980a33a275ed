// SPDX-License-Identifier: GPL-2.0
/* direct_file.h: stdio over a file descriptor opened for O_DIRECT where that pays. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "block_io.h"
#include "direct_file.h"
#include "populated.h"

/*
 * Alignment of the buffer, the length and the file offset of a direct write: the page size,
 * a multiple of every logical block size in use. Where a device wants more, the kernel says
 * EINVAL and the file goes on through the page cache.
 */
#define DIO_ALIGN	4096u
/*
 * stdio's buffer is pinned by every direct write. Aligned to a huge page and advised to be
 * one, it is four folios to pin rather than 2,048 pages where the system has transparent huge
 * pages (madvise mode included): the text thread's system time on raw markers fell by about
 * half (bench/RESULTS.md, "compressed spools").
 */
#define HUGE_ALIGN	(2u << 20)
_Static_assert(DIRECT_FILE_BUF % HUGE_ALIGN == 0, "aligned_alloc() wants a multiple");

/* statfs() f_type of the local disk file systems (linux/magic.h). */
#define EXT4_MAGIC	0xEF53		/* ext2, ext3 and ext4 */
#define XFS_MAGIC	0x58465342
#define BTRFS_MAGIC	0x9123683E
#define F2FS_MAGIC	0xF2F52010

struct direct_file {
	FILE *f;
	int fd;
	bool direct;		/* the fd has O_DIRECT */
	uint64_t off;		/* bytes written (pwrite(): no file position to keep) */
	uint64_t direct_bytes;
	char *buf;		/* stdio's buffer */
};

static bool local_disk(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || fstatfs(fd, &sfs))
		return false;
	switch ((unsigned long)sfs.f_type) {
	case EXT4_MAGIC:
	case XFS_MAGIC:
	case BTRFS_MAGIC:
	case F2FS_MAGIC:
		return true;
	}
	return false;
}

static void go_buffered(struct direct_file *d)
{
	int fl = fcntl(d->fd, F_GETFL);

	d->direct = false;
	if (fl >= 0)
		fcntl(d->fd, F_SETFL, fl & ~O_DIRECT);
}

/* len bytes of buf at the file's end: 0 or -errno. */
static int df_put(struct direct_file *d, const char *buf, size_t len)
{
	int err;

	if (d->direct && (((uintptr_t)buf | len) & (DIO_ALIGN - 1)))
		go_buffered(d);
	err = pwrite_full(d->fd, buf, len, d->off);
	if (err == -EINVAL && d->direct) {
		go_buffered(d);
		err = pwrite_full(d->fd, buf, len, d->off);
	}
	if (err)
		return err;
	if (d->direct)
		d->direct_bytes += len;
	d->off += len;
	return 0;
}

/*
 * stdio takes a short count for an error, so everything is written here. Its full buffer
 * is aligned and a whole number of blocks: straight from it to the disk. Where the kernel
 * refuses, all of it again through the page cache, at the same offset. The last write (the
 * rest of the buffer at the close, megabytes) goes to the disk up to its last whole block:
 * through the page cache it cost a twentieth of a getpid text record.
 */
static ssize_t df_write(void *cookie, const char *buf, size_t len)
{
	struct direct_file *d = cookie;
	size_t whole = len & ~(size_t)(DIO_ALIGN - 1);
	int err = 0;

	if (d->direct && whole && whole < len && !((uintptr_t)buf & (DIO_ALIGN - 1)))
		err = df_put(d, buf, whole);
	else
		whole = 0;
	if (!err)
		err = df_put(d, buf + whole, len - whole);
	if (err) {
		errno = -err;
		return -1;
	}
	return len;
}

static int df_close(void *cookie)
{
	struct direct_file *d = cookie;

	return close(d->fd);
}

struct direct_file *direct_file_create(const char *path, size_t buffered)
{
	cookie_io_functions_t io = { .write = df_write, .close = df_close };
	struct direct_file *d = calloc(1, sizeof(*d));
	int fl, err;

	if (!d)
		return NULL;
	d->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (d->fd < 0)
		goto fail;
	fl = fcntl(d->fd, F_GETFL);
	d->direct = fl >= 0 && local_disk(d->fd) && !fcntl(d->fd, F_SETFL, fl | O_DIRECT);
	if (d->direct) {
		d->buf = aligned_alloc(HUGE_ALIGN, DIRECT_FILE_BUF);
		/* All of it is filled before the first write: its pages in at once. */
		if (d->buf) {
			madvise(d->buf, DIRECT_FILE_BUF, MADV_HUGEPAGE);
			populate_range(d->buf, DIRECT_FILE_BUF);
		}
		d->f = d->buf ? fopencookie(d, "w", io) : NULL;
	} else {
		d->buf = malloc(buffered);
		d->f = d->buf ? fdopen(d->fd, "w") : NULL;
	}
	if (!d->f)
		goto fail;
	/* glibc keeps its own st_blksize buffer when setvbuf() is given a size and no buffer. */
	setvbuf(d->f, d->buf, _IOFBF, d->direct ? DIRECT_FILE_BUF : buffered);
	return d;
fail:
	err = errno;
	if (d->fd >= 0)
		close(d->fd);
	free(d->buf);
	free(d);
	errno = err;
	return NULL;
}

FILE *direct_file_stream(const struct direct_file *d)
{
	return d->f;
}

uint64_t direct_file_direct_bytes(const struct direct_file *d)
{
	return d->direct_bytes;
}

int direct_file_close(struct direct_file *d)
{
	int rc = 0;

	if (!d)
		return 0;
	if (fclose(d->f))
		rc = -errno;
	free(d->buf);
	free(d);
	return rc;
}
