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
	a = appender_start(fd, 4, ring, false, false);
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
	CHECK_DONE();
}
