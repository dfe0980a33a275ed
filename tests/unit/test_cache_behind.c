// SPDX-License-Identifier: GPL-2.0
/*
 * cache_behind: a window behind the writer, the file's pages leave the page cache and the
 * newest window stays; the file holds exactly what was written; what the file held before
 * is left alone; a pipe is not touched. The test syncs the file before each call, so that
 * the dropped pages are clean (the kernel keeps pages under writeback) and the result does
 * not depend on the disk's speed.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cache_behind.h"
#include "check.h"

/* CHECK, saying what it found when it fails. */
#define CHECK_SAY(cond, ...)							\
	do {								\
		bool ok_ = (cond);						\
		CHECK(ok_);							\
		if (!ok_)							\
			fprintf(stderr, "  " __VA_ARGS__), fputc('\n', stderr); \
	} while (0)

#define W	CACHE_BEHIND_WINDOW
#define PAGE	4096u

/* Resident pages of fd's bytes [from, to). */
static size_t resident(int fd, off_t from, off_t to)
{
	size_t len = to - from, n = 0, i;
	unsigned char *vec = malloc(len / PAGE + 1);
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, from);

	if (m == MAP_FAILED || !vec || mincore(m, len, vec))
		n = SIZE_MAX;
	for (i = 0; n != SIZE_MAX && i < len / PAGE; i++)
		n += vec[i] & 1;
	if (m != MAP_FAILED)
		munmap(m, len);
	free(vec);
	return n;
}

/* Byte i of the text written after a head of head bytes. */
static char byte_at(size_t i)
{
	return i % 97 == 96 ? '\n' : 'a' + i % 26;
}

static void test_in(const char *dir)
{
	char path[300], chunk[65536];
	const size_t head = 5000;
	struct cache_behind c;
	bool same = true;
	off_t start;
	size_t i, k;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/remotectl-unit-cache-%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_SAY(fd >= 0, "%s created", path);
	if (fd < 0)
		return;
	/* Someone else's bytes first: not ours to drop. */
	memset(chunk, 'h', head);
	CHECK_SAY(write(fd, chunk, head) == (ssize_t)head, "head written");
	f = fdopen(fd, "w");
	cache_behind_init(&c, fd);
	CHECK_SAY(c.fd == fd && c.started == (off_t)head && c.dropped == (off_t)head,
	      "a regular file: from its offset %lld", (long long)c.started);
	for (i = 0; i < 5 * (size_t)W; i += sizeof(chunk)) {
		for (k = 0; k < sizeof(chunk); k++)
			chunk[k] = byte_at(i + k);
		fwrite(chunk, 1, sizeof(chunk), f);
		if ((i + sizeof(chunk)) % W)
			continue;
		fflush(f);
		fdatasync(fd);
		cache_behind_wrote(&c);
	}
	fflush(f);
	/* Windows end on page boundaries: the page the writer is in goes with the next one. */
	start = head / PAGE * PAGE;
	CHECK_SAY(c.started == start + 5 * (off_t)W && c.dropped == start + 4 * (off_t)W,
		  "five windows: writeback started to %lld, dropped to %lld", (long long)c.started,
		  (long long)c.dropped);
	/* The head's own page stays with the first window, which is not dropped. */
	k = resident(fd, start + PAGE, c.dropped);
	CHECK_SAY(k == 0, "the windows behind are out of the page cache (%zu pages in)", k);
	k = resident(fd, c.dropped, c.started);
	CHECK_SAY(k == W / PAGE, "the newest window is in (%zu of %u pages)", k, W / PAGE);
	k = resident(fd, 0, PAGE);
	CHECK_SAY(k == 1, "the page with the bytes before is in");
	/* The file holds the head and every byte written, in order. */
	lseek(fd, 0, SEEK_SET);
	for (i = 0; same && i < head + 5 * (size_t)W; i += k) {
		k = read(fd, chunk, sizeof(chunk));
		if ((ssize_t)k <= 0)
			break;
		for (size_t j = 0; j < k && same; j++)
			same = chunk[j] == (i + j < head ? 'h' : byte_at(i + j - head));
	}
	CHECK_SAY(same && i == head + 5 * (size_t)W, "the file holds exactly what was written");
	fclose(f);
	unlink(path);
}

int main(void)
{
	struct cache_behind c;
	struct statfs s;
	int p[2];

	CHECK_SAY(!pipe(p), "pipe");
	cache_behind_init(&c, p[1]);
	CHECK_SAY(c.fd == -1, "a pipe: nothing to do");
	cache_behind_wrote(&c);
	close(p[0]);
	close(p[1]);
	/* tmpfs keeps its pages whatever it is told: a disk's file system is needed. */
	if (!statfs("/var/tmp", &s) && (unsigned long)s.f_type != 0x01021994)
		test_in("/var/tmp");
	else
		printf("test_cache_behind: /var/tmp is tmpfs or missing: no file part\n");
	CHECK_DONE();
}
