// SPDX-License-Identifier: GPL-2.0
/*
 * line_out(): the bytes of every line reach the file in order, whether the stream's buffer
 * had room (the copy) or not (fwrite_unlocked()); a line-buffered stream still hands each
 * line to the kernel at its newline, and an unbuffered one each line at once. line_room() and
 * line_made(): lines made in the buffer go out once, in order, also when the stream was
 * flushed between the two (a message flushing stdout first).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "line_out.h"

/* Lines of 1 to 300 bytes, and one of 40,000 (more than the 4 KiB buffer) every 500th. */
static size_t make_line(char *buf, unsigned int i)
{
	size_t n = i % 500 == 499 ? 40000 : 1 + (i * 37) % 300;

	for (size_t k = 0; k + 1 < n; k++)
		buf[k] = 'a' + (i + k) % 26;
	buf[n - 1] = '\n';
	return n;
}

static void test_full_buffer(void)
{
	static char line[40000], want[4 << 20];
	size_t total = 0, n, got = 0;
	FILE *f = tmpfile();
	char *back = malloc(sizeof(want));
	ssize_t r;

	CHECK(f && back);
	if (!f || !back)
		return;
	setvbuf(f, NULL, _IOFBF, 4096);
	for (unsigned int i = 0; i < 3000; i++) {
		n = make_line(line, i);
		CHECK(line_out(line, n, f) == n);
		memcpy(want + total, line, n);
		total += n;
	}
	CHECK(fflush(f) == 0);
	while ((r = pread(fileno(f), back + got, sizeof(want) - got, got)) > 0)
		got += r;
	CHECK(got == total);
	CHECK(memcmp(back, want, total) == 0);
	fclose(f);
	free(back);
}

/* What the read end of a pipe holds now (non-blocking), NUL-terminated. */
static const char *pending(int fd)
{
	static char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void test_flushing(int mode)
{
	int p[2];
	FILE *f;

	CHECK(pipe(p) == 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	f = fdopen(p[1], "w");
	CHECK(f != NULL);
	if (!f)
		return;
	setvbuf(f, NULL, mode, mode == _IONBF ? 0 : 4096);
	line_out("one\n", 4, f);
	line_out("two\n", 4, f);
	CHECK_STR(pending(p[0]), "one\ntwo\n");
	line_out("three", 5, f);
	/* Line-buffered: no newline, nothing yet; unbuffered: there already. */
	CHECK_STR(pending(p[0]), mode == _IOLBF ? "" : "three");
	line_out("\n", 1, f);
	CHECK_STR(pending(p[0]), mode == _IOLBF ? "three\n" : "\n");
	fclose(f);
	close(p[0]);
}

/* The file's bytes after a flush, NUL-terminated. */
static const char *file_text(FILE *f)
{
	static char buf[8192];
	ssize_t n;

	fflush(f);
	n = pread(fileno(f), buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void test_made_in_place(void)
{
	FILE *f = tmpfile();
	char *room;
	size_t size;

	CHECK(f != NULL);
	if (!f)
		return;
	setvbuf(f, NULL, _IOFBF, 4096);
	line_out("first\n", 6, f);
	room = line_room(f, &size);
	CHECK(room && size == 4096 - 6);
	memcpy(room, "made\n", 5);
	CHECK(line_made(f, room, 5) == 5);
	/* Flushed between: the bytes move to the buffer's start. */
	room = line_room(f, &size);
	memcpy(room, "after a flush\n", 14);
	CHECK(fflush(f) == 0);
	CHECK(line_made(f, room, 14) == 14);
	room = line_room(f, &size);
	CHECK(room && size == 4096 - 14);
	memcpy(room, "last\n", 5);
	CHECK(line_made(f, room, 5) == 5);
	CHECK_STR(file_text(f), "first\nmade\nafter a flush\nlast\n");
	fclose(f);
}

int main(void)
{
	test_full_buffer();
	test_flushing(_IOLBF);
	test_flushing(_IONBF);
	test_made_in_place();
	CHECK_DONE();
}
