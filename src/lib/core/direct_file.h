/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A large text file written through stdio whose full buffers go to the disk with O_DIRECT.
 *
 * Writing hundreds of megabytes of text into the page cache cost more CPU than making the
 * text: every page is allocated and copied into, and on a guest whose free memory goes back
 * to its host each fresh page costs that again, so the same write took two or three times
 * longer from one run to the next (bench/RESULTS.md, "Text around the page cache"). With
 * O_DIRECT the device reads stdio's buffer itself, and the text does not push out of the
 * page cache what other programs keep there.
 *
 * Only regular files on local disk file systems (ext4, XFS, btrfs, f2fs) are written so: a
 * network file system would make every write a round trip. A write that is not a whole
 * number of aligned blocks (the file's last bytes; a line longer than the buffer) turns
 * O_DIRECT off for the rest of the file and goes through the page cache, as does everything
 * where the kernel refuses O_DIRECT: the bytes in the file are the same either way.
 */
#ifndef REMOTECTL_DIRECT_FILE_H
#define REMOTECTL_DIRECT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * stdio's buffer when O_DIRECT is used: each write is this many bytes. Every write waits for
 * the disk, and a thread that sleeps and wakes that often paid for it in CPU time on a guest:
 * 8 MiB made `record --format text` of raw markers ~14 % cheaper than 1 MiB did.
 */
#define DIRECT_FILE_BUF	(8u << 20)

struct direct_file;

/*
 * Create or truncate path (mode 0666 before the umask). buffered: the size of stdio's buffer
 * where O_DIRECT is not used. NULL with errno set.
 */
struct direct_file *direct_file_create(const char *path, size_t buffered);

/* The stream to write to; direct_file_close() closes it. */
FILE *direct_file_stream(const struct direct_file *d);

/* How many bytes went to the disk with O_DIRECT so far. */
uint64_t direct_file_direct_bytes(const struct direct_file *d);

/* fclose() the stream and free d: 0, or -errno of the last write or of the close. */
int direct_file_close(struct direct_file *d);

#endif
