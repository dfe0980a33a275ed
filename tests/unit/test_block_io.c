// SPDX-License-Identifier: GPL-2.0
/*
 * block_io: what is read and written is byte-exact across window and buffer edges, nothing
 * past the limit is read, and the syscalls are the few large ones the module exists for
 * (counted by wrapping pread(), pwrite(), pwritev() and copy_file_range(), which the
 * executable's definitions preempt; copy_file_range() also made to refuse, as some file
 * systems do, or to copy less).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block_io.h"
#include "check.h"
#include "file_appender.h"

static int preads, pwrites, copies;
static size_t pwrite_len[64];	/* the length of each pwrite() or pwritev() */
static size_t short_write;	/* pwritev() writes at most this much when set */
static bool refuse_copy;
static size_t short_copy;	/* copy_file_range() copies at most this much when set */

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	preads++;
	return syscall(SYS_pread64, fd, buf, len, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (pwrites < 64)
		pwrite_len[pwrites] = len;
	pwrites++;
	return syscall(SYS_pwrite64, fd, buf, len, off);
}

/* A short write stops inside a segment: the caller must go on from there. */
ssize_t pwritev(int fd, const struct iovec *iov, int nr, off_t off)
{
	struct iovec cut[64];
	size_t len = 0, room = short_write;
	int i;

	for (i = 0; i < nr; i++)
		len += iov[i].iov_len;
	if (pwrites < 64)
		pwrite_len[pwrites] = short_write && len > short_write ? short_write : len;
	pwrites++;
	if (!short_write || nr > 64)
		return syscall(SYS_pwritev, fd, iov, nr, (long)off, 0L);
	for (i = 0; i < nr && room; i++) {
		cut[i] = iov[i];
		if (cut[i].iov_len > room)
			cut[i].iov_len = room;
		room -= cut[i].iov_len;
	}
	return syscall(SYS_pwritev, fd, cut, i, (long)off, 0L);
}

ssize_t copy_file_range(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
			unsigned int flags)
{
	copies++;
	if (refuse_copy) {
		errno = EXDEV;
		return -1;
	}
	if (short_copy && len > short_copy)
		len = short_copy;
	return syscall(SYS_copy_file_range, in, in_off, out, out_off, len, flags);
}

#define FILE_LEN 10000

static uint8_t byte_at(uint64_t off)
{
	return (uint8_t)(off * 7 + 3) % 251;
}

static int make_file(void)
{
	uint8_t buf[FILE_LEN];
	int fd = memfd_create("block_io", 0);

	for (int i = 0; i < FILE_LEN; i++)
		buf[i] = byte_at(i);
	if (fd < 0 || pwrite_full(fd, buf, sizeof(buf), 0))
		abort();
	return fd;
}

static bool matches(const uint8_t *p, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != byte_at(off + i))
			return false;
	return true;
}

static void test_reads(void)
{
	struct block_reader r;
	uint8_t buf[3000];
	uint32_t seed = 1;
	int fd = make_file(), bad = 0;

	/* Sequential 16-byte records: one pread per 1000-byte window. */
	block_reader_init(&r, fd, 9000, 1000);
	preads = 0;
	for (uint64_t off = 0; off < 9000; off += 16) {
		size_t n = 9000 - off < 16 ? 9000 - off : 16;

		bad += block_read(&r, buf, n, off) || !matches(buf, off, n);
	}
	CHECK(bad == 0);
	CHECK(preads == 9);

	/* Anywhere, any length up to three windows, backwards too. */
	for (int i = 0; i < 2000; i++) {
		uint64_t off, len;

		seed = seed * 1103515245 + 12345;
		off = (seed >> 8) % 9000;
		seed = seed * 1103515245 + 12345;
		len = (seed >> 8) % 3000;
		if (len > 9000 - off)
			len = 9000 - off;
		bad += block_read(&r, buf, len, off) || !matches(buf, off, len);
	}
	CHECK(bad == 0);

	/* Nothing past the limit, even where the file has bytes. */
	CHECK(block_read(&r, buf, 10, 8990) == 0 && matches(buf, 8990, 10));
	CHECK(block_read(&r, buf, 10, 8995) == -EIO);
	CHECK(block_read(&r, buf, 0, 9000) == 0);
	CHECK(block_read(&r, buf, 0, 9001) == -EIO);
	CHECK(block_read(&r, buf, 1, UINT64_MAX) == -EIO);
	block_reader_free(&r);

	/* A limit past the end of the file: a read that runs off the end fails. */
	block_reader_init(&r, fd, 20000, 1000);
	CHECK(block_read(&r, buf, 20, 9980) == 0 && matches(buf, 9980, 20));
	CHECK(block_read(&r, buf, 20, 9990) == -EIO);
	CHECK(block_read(&r, buf, 1, 15000) == -EIO);
	block_reader_free(&r);
	close(fd);
}

/* Records used where they lie: one pread() per window, refilled at a record across its end. */
static void test_peeks(void)
{
	struct block_reader r;
	const uint8_t *p;
	int fd = make_file(), bad = 0, err;

	block_reader_init(&r, fd, 9000, 1000);
	preads = 0;
	/* 300-byte records: 0, 300, 600 in the first window, 900 across it (refilled at 900). */
	for (uint64_t off = 0; off < 9000; off += 300) {
		p = block_peek(&r, 300, off, &err);
		bad += !p || !matches(p, off, 300);
	}
	CHECK(bad == 0);
	/* Windows at 0, 900, 1800, ... 8100: ten. */
	CHECK(preads == 10);
	/* Already in the window: no read; backwards: read again. */
	preads = 0;
	p = block_peek(&r, 100, 8200, &err);
	CHECK(p && matches(p, 8200, 100) && preads == 0);
	p = block_peek(&r, 10, 5, &err);
	CHECK(p && matches(p, 5, 10) && preads == 1);
	/* Larger than the window, past the limit, past the end of the file. */
	CHECK(!block_peek(&r, 1001, 0, &err) && err == -EINVAL);
	CHECK(block_peek(&r, 1000, 0, &err) != NULL);
	CHECK(!block_peek(&r, 10, 8995, &err) && err == -EIO);
	/* No bytes at the limit, outside the window: nothing read, no error. */
	preads = 0;
	CHECK(block_peek(&r, 0, 9000, &err) != NULL && preads == 0);
	CHECK(!block_peek(&r, 1, UINT64_MAX, &err) && err == -EIO);
	block_reader_free(&r);
	block_reader_init(&r, fd, 20000, 1000);
	CHECK(!block_peek(&r, 20, 9990, &err) && err == -EIO);
	block_reader_free(&r);
	close(fd);
}

struct mover {
	struct block_reader *r;
	int calls, stale;	/* calls that found the window already changed */
	uint64_t off;		/* the window's offset at the last call */
};

static void moving(void *ctx)
{
	struct mover *mv = ctx;

	mv->calls++;
	mv->off = mv->r->off;
	mv->stale += mv->r->len && !matches(mv->r->buf, mv->r->off, mv->r->len);
}

/* The hook runs before every read into the window, while it still holds the old bytes. */
static void test_on_move(void)
{
	struct block_reader r;
	struct mover mv = { .r = &r };
	const uint8_t *p;
	uint8_t dst[2500];
	int fd = make_file(), err;

	block_reader_init(&r, fd, FILE_LEN, 1000);
	block_reader_on_move(&r, moving, &mv);
	p = block_peek(&r, 300, 0, &err);
	CHECK(p && matches(p, 0, 300) && mv.calls == 1);
	/* In the window: no move. */
	p = block_peek(&r, 300, 600, &err);
	CHECK(p && matches(p, 600, 300) && mv.calls == 1);
	preads = 0;
	p = block_peek(&r, 300, 900, &err);
	CHECK(p && matches(p, 900, 300) && mv.calls == 2 && mv.off == 0 && preads == 1);
	/* A read through the window moves it three times. */
	CHECK(block_read(&r, dst, sizeof(dst), 1900) == 0 && matches(dst, 1900, sizeof(dst)));
	CHECK(mv.calls == 5 && mv.off == 2900);
	CHECK(mv.stale == 0);
	block_reader_free(&r);
	close(fd);
}

static void test_writes(void)
{
	uint8_t model[2000] = { 0 }, back[2000], big[500];
	struct block_writer w;
	int fd = memfd_create("block_io", 0);

	CHECK(fd >= 0);
	block_writer_init(&w, fd, 100);
	pwrites = 0;
	/* Ten contiguous 30-byte writes: three full buffers of 100. */
	for (int i = 0; i < 10; i++) {
		uint8_t rec[30];

		for (int k = 0; k < 30; k++)
			rec[k] = model[1000 + i * 30 + k] = (uint8_t)(i * 31 + k);
		CHECK(block_write(&w, rec, sizeof(rec), 1000 + i * 30) == 0);
	}
	CHECK(pwrites == 3);
	/* A jump writes what is buffered first. */
	CHECK(block_write(&w, "ab", 2, 5) == 0);
	CHECK(pwrites == 3);
	CHECK(block_write(&w, "cd", 2, 50) == 0);
	CHECK(pwrites == 4);
	memcpy(model + 5, "ab", 2);
	memcpy(model + 50, "cd", 2);
	/* A write of at least the buffer goes out directly, after what was buffered. */
	for (size_t k = 0; k < sizeof(big); k++)
		big[k] = model[52 + k] = (uint8_t)(k ^ 0x5a);
	CHECK(block_write(&w, big, sizeof(big), 52) == 0);
	CHECK(pwrites == 6);
	CHECK(block_writer_close(&w) == 0);
	CHECK(pwrites == 6);
	CHECK(pread_full(fd, back, 1300, 0) == 0);
	CHECK(memcmp(back, model, 1300) == 0);
	close(fd);
}

static void test_copy(void)
{
	uint8_t back[5000];
	struct block_reader r;
	struct block_writer w;
	int fd = make_file();

	block_reader_init(&r, fd, FILE_LEN, 1000);
	block_writer_init(&w, fd, 300);
	preads = pwrites = 0;
	/* In pieces that cross the window and the buffer, to a place past the file's end. */
	for (uint64_t from = 100; from < 5100; from += 700) {
		uint64_t len = 5100 - from < 700 ? 5100 - from : 700;

		CHECK(block_copy(&r, &w, from, 30000 + from - 100, len) == 0);
	}
	CHECK(block_writer_close(&w) == 0);
	/* 5000 bytes in five windows; every write but the last at least a buffer full. */
	CHECK(preads == 5);
	CHECK(pwrites == 12);
	for (int i = 0, total = 0; i < pwrites && i < 64; i++) {
		CHECK(i == pwrites - 1 || pwrite_len[i] >= 300);
		total += pwrite_len[i];
		CHECK(i < pwrites - 1 || total == 5000);
	}
	CHECK(pread_full(fd, back, sizeof(back), 30000) == 0);
	CHECK(matches(back, 100, sizeof(back)));
	CHECK(block_copy(&r, &w, 9990, 40000, 11) == -EIO);
	block_reader_free(&r);
	close(fd);
}

/*
 * Copies from an attached reader go out as listed windows' bytes: the writers' buffers hold
 * only what block_write() gave them, each writer is flushed as the window moves, and the file
 * ends up as if every byte had been copied.
 */
static void test_attached_copy(void)
{
	uint8_t model[2][3000], back[3000];
	struct block_writer w[2];
	struct block_reader r;
	int fd = make_file(), i, k, writes;

	block_reader_init(&r, fd, FILE_LEN, 1000);
	/* Room for 64 segments: the list does not fill. */
	block_writer_init(&w[0], fd, 4096);
	block_writer_init(&w[1], fd, 4096);
	block_reader_attach(&r, w, 2);
	preads = pwrites = 0;
	/*
	 * Records of 90 bytes from 100 on, dealt to two places in turn (20000 and 30000), each
	 * after a 2-byte tag written through the writer's buffer: windows at 100, 1100 (record
	 * 11 from 1090 in two pieces), 2100 (record 22).
	 */
	for (i = 0, k = 0; i < 30; i++) {
		uint64_t from = 100 + 90 * i, to = (i % 2 ? 30000 : 20000) + 92 * (i / 2);
		uint8_t tag[2] = { (uint8_t)i, 0xee };

		CHECK(block_write(&w[i % 2], tag, 2, to) == 0);
		CHECK(block_copy(&r, &w[i % 2], from, to + 2, 90) == 0);
		memcpy(model[i % 2] + 92 * (i / 2), tag, 2);
		for (k = 0; k < 90; k++)
			model[i % 2][92 * (i / 2) + 2 + k] = byte_at(from + k);
	}
	/* Tags only in the buffers, those since the window last moved (24-28, 23-29). */
	CHECK(w[0].used == 2 * 3 && w[1].used == 2 * 4);
	writes = pwrites;
	CHECK(block_writer_close(&w[0]) == 0 && block_writer_close(&w[1]) == 0);
	/*
	 * A write per writer holding something as a window comes: the first tag alone as the
	 * first window came, two as each of the other two came; two now.
	 */
	CHECK(writes == 5 && pwrites == 7);
	CHECK(preads == 3);
	CHECK(pread_full(fd, back, 92 * 15, 20000) == 0 && !memcmp(back, model[0], 92 * 15));
	CHECK(pread_full(fd, back, 92 * 15, 30000) == 0 && !memcmp(back, model[1], 92 * 15));
	block_reader_free(&r);

	/* Short writes end inside a segment: the rest goes out from there. */
	block_reader_init(&r, fd, FILE_LEN, 4000);
	block_writer_init(&w[0], fd, 4096);
	block_reader_attach(&r, w, 1);
	for (i = 0; i < 20; i++) {
		CHECK(block_write(&w[0], "xy", 2, 40000 + 52 * i) == 0);
		CHECK(block_copy(&r, &w[0], 7 + 100 * i, 40000 + 52 * i + 2, 50) == 0);
		memcpy(model[0] + 52 * i, "xy", 2);
		for (k = 0; k < 50; k++)
			model[0][52 * i + 2 + k] = byte_at(7 + 100 * i + k);
	}
	short_write = 33;
	pwrites = 0;
	CHECK(block_writer_close(&w[0]) == 0);
	short_write = 0;
	/*
	 * The first tag went out as the window came: 1038 bytes, in 30 writes cut at 33 up to
	 * the last segment, which pwrite() writes whole (48 bytes left of it).
	 */
	CHECK(pwrites == 31 && pwrite_len[0] == 33 && pwrite_len[29] == 33 &&
	      pwrite_len[30] == 48);
	CHECK(pread_full(fd, back, 52 * 20, 40000) == 0 && !memcmp(back, model[0], 52 * 20));
	block_reader_free(&r);
	close(fd);
}

/* In the kernel, in pieces when it copies less, by read and write where it refuses. */
static void test_copy_range(void)
{
	uint8_t back[4000];
	int fd = make_file();

	copies = preads = pwrites = 0;
	CHECK(file_copy_range(fd, 1000, 20000, 4000) == 0);
	CHECK(copies == 1 && preads == 0 && pwrites == 0);
	CHECK(pread_full(fd, back, 4000, 20000) == 0 && matches(back, 1000, 4000));

	short_copy = 1500;
	copies = 0;
	CHECK(file_copy_range(fd, 2000, 30000, 4000) == 0);
	short_copy = 0;
	CHECK(copies == 3);
	CHECK(pread_full(fd, back, 4000, 30000) == 0 && matches(back, 2000, 4000));

	/* Moved down over itself (to below from): the kernel refuses; copied forward. */
	CHECK(file_copy_range(fd, 3000, 2500, 4000) == 0);
	CHECK(pread_full(fd, back, 4000, 2500) == 0 && matches(back, 3000, 4000));

	refuse_copy = true;
	copies = preads = pwrites = 0;
	CHECK(file_copy_range(fd, 6600, 50000, 3000) == 0);
	refuse_copy = false;
	CHECK(copies == 1 && preads == 1 && pwrites == 1);
	CHECK(pread_full(fd, back, 3000, 50000) == 0 && matches(back, 6600, 3000));
	/* Past the end of the file: an error, however copied. */
	CHECK(file_copy_range(fd, 60000, 70000, 10) == -EIO);
	close(fd);
}

/* A file of FRAMES_LEN bytes of byte_at() written as zstd frames by an appender. */
#define FRAMES_LEN	((1u << 20) + 12345)

static int make_frames(void)
{
	int fd = memfd_create("block_io_frames", 0);
	struct file_appender *a;
	uint8_t piece[1000];
	uint64_t done = 0;

	/* A 1 MiB ring: its writes of 128 KiB are two frames of 64 KiB each. */
	a = fd < 0 ? NULL : appender_start(fd, 0, 1 << 20, APPENDER_ZSTD);
	if (!a)
		abort();
	while (done < FRAMES_LEN) {
		size_t n = FRAMES_LEN - done < sizeof(piece) ? FRAMES_LEN - done : sizeof(piece);

		for (size_t i = 0; i < n; i++)
			piece[i] = byte_at(done + i);
		if (appender_push(a, piece, n, true))
			abort();
		done += n;
	}
	if (appender_stop(a))
		abort();
	return fd;
}

/*
 * A file of frames reads back byte-exact across frame and window edges, forwards and back;
 * a record that straddles frames is peeked whole; one that cannot fit from the start of its
 * frame is -EINVAL (for the caller's own buffer); what is past the limit is not read; a
 * frame that is damaged or cut short is -EBADMSG.
 */
static void test_frames(void)
{
	const size_t cap = 200 << 10;
	struct block_reader r;
	static uint8_t buf[100 << 10];
	uint64_t off, file_len;
	const uint8_t *p;
	int fd = make_frames(), bad = 0, err;

	/* Stored frames and compressed ones (file_appender.c tries both). */
	file_len = lseek(fd, 0, SEEK_END);
	CHECK(file_len > 0 && file_len < FRAMES_LEN);
	block_reader_init_frames(&r, fd, FRAMES_LEN, cap);
	for (off = 0; off < FRAMES_LEN; off += 7777) {
		size_t n = FRAMES_LEN - off < 7777 ? FRAMES_LEN - off : 7777;

		CHECK(block_read(&r, buf, n, off) == 0);
		bad += !matches(buf, off, n);
	}
	CHECK(bad == 0);
	CHECK(block_reader_file_below(&r) > 0 && block_reader_file_below(&r) < file_len);
	/* Back to the start, then across a frame's edge. */
	CHECK(block_read(&r, buf, 100, 0) == 0 && matches(buf, 0, 100));
	CHECK(block_reader_file_below(&r) == 0);
	p = block_peek(&r, 1000, (64 << 10) - 500, &err);
	CHECK(p && matches(p, (64 << 10) - 500, 1000));
	/* From inside a frame a window holds cap less a frame, not cap. */
	p = block_peek(&r, cap - (64 << 10), (128 << 10) + 1, &err);
	CHECK(p && matches(p, (128 << 10) + 1, cap - (64 << 10)));
	CHECK(!block_peek(&r, cap, (128 << 10) + 1, &err) && err == -EINVAL);
	CHECK(!block_peek(&r, cap + 1, 0, &err) && err == -EINVAL);
	CHECK(block_read(&r, buf, sizeof(buf), (128 << 10) + 1) == 0);
	CHECK(matches(buf, (128 << 10) + 1, sizeof(buf)));
	/* A limit below the end (a file still written): nothing past it. */
	r.limit = 300000;
	CHECK(!block_peek(&r, 2000, 299000, &err) && err == -EIO);
	CHECK(block_read(&r, buf, 1000, 299000) == 0 && matches(buf, 299000, 1000));
	block_reader_free(&r);

	/* Cut inside its last frame: the frames before it still read, that one is -EBADMSG. */
	CHECK(ftruncate(fd, file_len - 10) == 0);
	block_reader_init_frames(&r, fd, FRAMES_LEN, cap);
	CHECK(block_read(&r, buf, 1000, 0) == 0 && matches(buf, 0, 1000));
	CHECK(block_read(&r, buf, 1000, FRAMES_LEN - 1000) == -EBADMSG);
	block_reader_free(&r);
	/* A frame's magic number damaged. */
	CHECK(pwrite_full(fd, "XXXX", 4, 0) == 0);
	block_reader_init_frames(&r, fd, FRAMES_LEN, cap);
	CHECK(block_read(&r, buf, 1000, 0) == -EBADMSG);
	block_reader_free(&r);
	close(fd);
}

int main(void)
{
	test_reads();
	test_peeks();
	test_on_move();
	test_attached_copy();
	test_writes();
	test_copy();
	test_copy_range();
	test_frames();
	CHECK_DONE();
}
