// SPDX-License-Identifier: GPL-2.0
/*
 * The text reader's own mechanics on a FIFO: line assembly across reads, and that stopping
 * ends a read() that would block forever (a remote's trace_pipe behaves so; that kernel
 * behaviour itself is tested in the Linux 7.x guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "source_internal.h"

static char fifo[64];

/* Wait for the eventfd, then take what is there. */
static size_t wait_take(struct text_reader *r, char **buf)
{
	struct pollfd p = { .fd = text_reader_fd(r), .events = POLLIN };

	poll(&p, 1, 2000);
	return text_reader_take(r, buf);
}

static void test_lines_and_stop(void)
{
	struct text_reader *r = NULL;
	struct timespec t0, t1;
	char *buf;
	size_t len;
	int wfd;

	snprintf(fifo, sizeof(fifo), "/tmp/remotectl-unit-fifo-%d", (int)getpid());
	unlink(fifo);
	CHECK(mkfifo(fifo, 0600) == 0);
	/* O_RDWR keeps a writer on the FIFO, so read() blocks instead of returning EOF. */
	wfd = open(fifo, O_RDWR);
	CHECK(wfd >= 0);
	CHECK(text_reader_open(fifo, 3, &r) == 0);
	CHECK(text_reader_cpu(r) == 3);
	CHECK(text_reader_start(r) == 0);

	CHECK(write(wfd, "[003]\t    1.000001: a id=1\n[003]\t    1.0", 40) == 40);
	len = wait_take(r, &buf);
	CHECK(len == 27 && !memcmp(buf, "[003]\t    1.000001: a id=1\n", 27));
	free(buf);
	CHECK(write(wfd, "00002: a id=2\n", 14) == 14);
	len = wait_take(r, &buf);
	CHECK(len == 27 && !memcmp(buf, "[003]\t    1.000002: a id=2\n", 27));
	free(buf);

	/* Nothing more comes: the reader is blocked in read(); stop must end it quickly. */
	CHECK(write(wfd, "tail without newline", 20) == 20);
	usleep(100 * 1000);
	CHECK(text_reader_idle_ns(r) >= 50 * 1000 * 1000ULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(text_reader_stop(r) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 2);
	len = text_reader_take(r, &buf);
	CHECK(len == 21 && !memcmp(buf, "tail without newline\n", 21));
	free(buf);
	CHECK(text_reader_bytes(r) == 40 + 14 + 20);
	text_reader_close(r);
	close(wfd);
	unlink(fifo);
}

static void test_stop_many_times(void)
{
	/* The stop signal may land before read(): repeat to catch a lost-signal race. */
	for (int i = 0; i < 200; i++) {
		struct text_reader *r;
		int wfd;

		unlink(fifo);
		mkfifo(fifo, 0600);
		wfd = open(fifo, O_RDWR);
		CHECK(text_reader_open(fifo, 0, &r) == 0);
		CHECK(text_reader_start(r) == 0);
		CHECK(text_reader_stop(r) == 0);
		text_reader_close(r);
		close(wfd);
	}
	unlink(fifo);
}

static void test_long_line(void)
{
	struct text_reader *r;
	char *big = malloc(10000), *buf;
	size_t len;
	int wfd;

	memset(big, 'x', 10000);
	big[9999] = '\n';
	unlink(fifo);
	mkfifo(fifo, 0600);
	wfd = open(fifo, O_RDWR);
	CHECK(text_reader_open(fifo, 0, &r) == 0);
	CHECK(text_reader_start(r) == 0);
	CHECK(write(wfd, big, 10000) == 10000);
	usleep(100 * 1000);
	CHECK(text_reader_stop(r) == 0);
	len = text_reader_take(r, &buf);
	/* Cut into pieces of at most 4096 characters plus a newline each: nothing is lost. */
	CHECK(len == 10000 + 2);
	CHECK(buf && buf[4096] == '\n' && buf[8193] == '\n' && buf[len - 1] == '\n');
	free(buf);
	free(big);
	text_reader_close(r);
	close(wfd);
	unlink(fifo);
}

int main(void)
{
	struct text_reader *r;

	CHECK(text_reader_open("/nonexistent/trace_pipe", 0, &r) == -ENOENT);
	test_lines_and_stop();
	test_stop_many_times();
	test_long_line();
	CHECK_DONE();
}
