// SPDX-License-Identifier: GPL-2.0
/*
 * direct_file: the bytes in the file are those written, whichever way they went; full
 * buffers go with O_DIRECT on a local disk file system, a partial one (a flush, the close)
 * up to its last whole block, and the first write that cannot (unaligned, or longer than
 * the buffer) turns it off for the rest; tmpfs never uses it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "check.h"
#include "direct_file.h"

/* stdio's buffer: every whole one goes to the disk with O_DIRECT. */
#define BUF	DIRECT_FILE_BUF

/* The expected bytes: lines of 1..200 characters, each ending in '\n'. */
static char *pattern(size_t len)
{
	char *p = malloc(len);
	size_t at = 0, n = 1;

	while (p && at < len) {
		size_t k = n < len - at ? n : len - at;

		for (size_t i = 0; i < k; i++)
			p[at + i] = 'a' + (at + i) % 26;
		p[at + k - 1] = '\n';
		at += k;
		n = n % 200 + 1;
	}
	return p;
}

static bool file_is(const char *path, const char *want, size_t len)
{
	FILE *f = fopen(path, "r");
	char *got = malloc(len + 1);
	size_t n = f && got ? fread(got, 1, len + 1, f) : 0;
	bool same = n == len && !memcmp(got, want, len);

	if (f)
		fclose(f);
	free(got);
	return same;
}

/* Small writes of len bytes of p, as the text's lines go out. */
static void put_lines(FILE *f, const char *p, size_t len)
{
	size_t at = 0;
	bool ok = true;

	while (at < len) {
		const char *nl = memchr(p + at, '\n', len - at);
		size_t k = nl ? (size_t)(nl - (p + at)) + 1 : len - at;

		ok &= fwrite_unlocked(p + at, 1, k, f) == k;
		at += k;
	}
	CHECK(ok);
}

static bool local_disk(const char *dir)
{
	struct statfs s;

	if (statfs(dir, &s))
		return false;
	switch ((unsigned long)s.f_type) {
	case 0xEF53: case 0x58465342: case 0x9123683E: case 0xF2F52010:
		return true;
	}
	return false;
}

/*
 * In dir: 2 buffers and 100 bytes of lines; 2 buffers, 2 blocks and 100 bytes flushed, then
 * 100 more; 3.5 buffers, a 2.5-buffer write, 1000 bytes.
 */
static void test_in(const char *dir, bool direct)
{
	char tmpl[256], path[300];
	size_t len = 2 * BUF + 100, long_len = 3 * BUF + BUF / 2 + 5 * BUF / 2 + 1000;
	char *p = pattern(long_len + 1);
	struct direct_file *d;
	FILE *f;

	snprintf(tmpl, sizeof(tmpl), "%s/remotectl-unit-XXXXXX", dir);
	if (!p || !mkdtemp(tmpl)) {
		CHECK(!"a scratch directory");
		free(p);
		return;
	}
	snprintf(path, sizeof(path), "%s/out", tmpl);

	d = direct_file_create(path, 16384);
	CHECK(d != NULL);
	if (d) {
		put_lines(direct_file_stream(d), p, len);
		CHECK(direct_file_direct_bytes(d) == (direct ? 2 * BUF : 0));
		CHECK(direct_file_close(d) == 0);
		CHECK(file_is(path, p, len));
	}

	/* The flush: the whole blocks with O_DIRECT, the rest and everything after without. */
	d = direct_file_create(path, 16384);
	CHECK(d != NULL);
	if (d) {
		f = direct_file_stream(d);
		put_lines(f, p, 2 * BUF + 8192 + 100);
		CHECK(fflush(f) == 0);
		CHECK(direct_file_direct_bytes(d) == (direct ? 2 * BUF + 8192 : 0));
		put_lines(f, p + 2 * BUF + 8192 + 100, 100);
		CHECK(fflush(f) == 0);
		CHECK(direct_file_direct_bytes(d) == (direct ? 2 * BUF + 8192 : 0));
		CHECK(direct_file_close(d) == 0);
		CHECK(file_is(path, p, 2 * BUF + 8192 + 200));
	}

	/* The 2.5-buffer write starts one byte past an aligned address: O_DIRECT is over. */
	d = direct_file_create(path, 16384);
	CHECK(d != NULL);
	if (d) {
		char *big = aligned_alloc(4096, 3 * BUF);

		f = direct_file_stream(d);
		put_lines(f, p, 3 * BUF + BUF / 2);
		memcpy(big + 1, p + 3 * BUF + BUF / 2, 5 * BUF / 2);
		CHECK(fwrite_unlocked(big + 1, 1, 5 * BUF / 2, f) == 5 * BUF / 2);
		put_lines(f, p + 6 * BUF, 1000);
		CHECK(direct_file_direct_bytes(d) == (direct ? 4 * BUF : 0));
		CHECK(direct_file_close(d) == 0);
		CHECK(file_is(path, p, long_len));
		free(big);
	}
	unlink(path);
	rmdir(tmpl);
	free(p);
}

int main(void)
{
	if (local_disk("/var/tmp"))
		test_in("/var/tmp", true);
	else
		printf("test_direct_file: /var/tmp is not on a local disk file system: O_DIRECT "
		       "not checked\n");
	test_in("/dev/shm", false);
	errno = 0;
	CHECK(direct_file_create("/nonexistent-dir/out", 16384) == NULL && errno == ENOENT);
	CHECK(direct_file_close(NULL) == 0);
	CHECK_DONE();
}
