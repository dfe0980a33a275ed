// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the file appender (file_appender.h) against a slow disk: pwrite() is
 * interposed here, so every write the appender's thread makes is seen and made to take a
 * while. The bytes must reach the file whole and in order, and no write may hold more than
 * an eighth of the ring (a producer waits for the room a write gives back only when it
 * returns).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zstd.h>

#include "check.h"
#include "file_appender.h"

static size_t max_write;	/* atomic */
static unsigned int writes;	/* atomic */
static unsigned int delay_us;

/* The appender's only way to the file: counted, slowed, then the system call itself. */
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	size_t seen = __atomic_load_n(&max_write, __ATOMIC_RELAXED);

	while (n > seen && !__atomic_compare_exchange_n(&max_write, &seen, n, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
	if (delay_us)
		usleep(delay_us);
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9));
}

/* Push total bytes in pieces of piece bytes through a ring of ring bytes; check the file. */
static void push_through(size_t ring, size_t piece, size_t total, unsigned int slow_us)
{
	char path[] = "/tmp/remotectl-test-appender-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *buf = malloc(piece), *back = malloc(total);
	struct file_appender *a;
	uint64_t done = 0, i;
	struct stat st;
	bool same = true;

	CHECK(fd >= 0 && buf && back);
	if (fd < 0 || !buf || !back)
		goto out;
	unlink(path);
	__atomic_store_n(&max_write, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&writes, 0, __ATOMIC_RELAXED);
	delay_us = slow_us;
	/* A header before the stream: the appender starts at the offset it is given. */
	CHECK(syscall(SYS_pwrite64, fd, "HDR!", 4, 0) == 4);
	a = appender_start(fd, 4, ring, 0);
	CHECK(a != NULL);
	if (!a)
		goto out;
	while (done < total) {
		size_t n = total - done < piece ? total - done : piece;

		for (i = 0; i < n; i++)
			buf[i] = pattern(done + i);
		CHECK(appender_push(a, buf, n, true) == 0);
		done += n;
	}
	CHECK(appender_end(a) == 4 + total);
	CHECK(appender_stop(a) == 0);
	CHECK(fstat(fd, &st) == 0 && (uint64_t)st.st_size == 4 + total);
	CHECK(pread(fd, back, total, 4) == (ssize_t)total);
	for (i = 0; i < total && same; i++)
		same = back[i] == pattern(i);
	CHECK(same);
	/* An eighth of the ring per write at most, so at least this many writes. */
	CHECK(__atomic_load_n(&max_write, __ATOMIC_RELAXED) <= ring / 8);
	CHECK(__atomic_load_n(&writes, __ATOMIC_RELAXED) >= total / (ring / 8));
out:
	delay_us = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	free(back);
}

/*
 * APPENDER_ZSTD: the file is zstd frames from pos on, each of at most APPENDER_FRAME bytes
 * and with its size in its header, that decompress to the stream; offsets are the stream's.
 * Both ways are tried (each at first, then every EXPLORE-th span), so the file holds stored
 * frames and compressed ones, and libzstd reads both.
 */
static void push_zstd(void)
{
	const size_t total = 3 << 20, piece = 40000;
	char path[] = "/tmp/remotectl-test-appender-XXXXXX";
	int fd = mkstemp(path), frames = 0, big = 0, sized = 0;
	uint8_t *buf = malloc(piece), *file = malloc(total), *back = malloc(total);
	struct file_appender *a;
	uint64_t done = 0, i, stored = 0, compressed = 0;
	size_t n, at, len = 0;
	ssize_t got;
	bool same = true;

	CHECK(fd >= 0 && buf && file && back);
	if (fd < 0 || !buf || !file || !back)
		goto out;
	unlink(path);
	CHECK(syscall(SYS_pwrite64, fd, "HDR!", 4, 0) == 4);
	a = appender_start(fd, 4, 1 << 20, APPENDER_ZSTD);
	CHECK(a != NULL);
	if (!a)
		goto out;
	while (done < total) {
		n = total - done < piece ? total - done : piece;
		for (i = 0; i < n; i++)
			buf[i] = pattern(done + i);
		CHECK(appender_push(a, buf, n, true) == 0);
		done += n;
		CHECK(appender_end(a) == 4 + done);
	}
	CHECK(appender_drain(a) == 0);
	CHECK(appender_written(a) == 4 + total);
	appender_ways(a, &stored, &compressed);
	/* Spans of 128 KiB (an eighth of the ring) at most: 24 or more. */
	CHECK(stored >= 1 && compressed >= 1 && stored + compressed >= 24);
	CHECK(appender_stop(a) == 0);
	got = pread(fd, file, total, 4);
	CHECK(got > 0 && got < (ssize_t)total);
	for (at = 0; got > 0 && at < (size_t)got; at += n, frames++) {
		unsigned long long size;

		n = ZSTD_findFrameCompressedSize(file + at, got - at);
		if (ZSTD_isError(n))
			break;
		size = ZSTD_getFrameContentSize(file + at, n);
		sized += size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR;
		big += size > APPENDER_FRAME;
	}
	CHECK(got > 0 && at == (size_t)got && frames >= (int)(total / APPENDER_FRAME));
	CHECK(sized == frames && big == 0);
	if (got > 0)
		len = ZSTD_decompress(back, total, file, got);
	CHECK(len == total);
	for (i = 0; i < total && same; i++)
		same = back[i] == pattern(i);
	CHECK(same);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(file);
	free(back);
}

int main(void)
{
	/*
	 * A slow disk: the ring fills while a write is under way, so without the limit the
	 * thread would take the whole ring (1 MiB here) in one write.
	 */
	push_through(1 << 20, 40000, 6 << 20, 2000);
	/* Pieces larger than a write: one push spans several writes. */
	push_through(1 << 20, 300000, 3 << 20, 1000);
	/* A fast disk, small pieces. */
	push_through(256 << 10, 1000, 2 << 20, 0);
	push_zstd();
	CHECK_DONE();
}
