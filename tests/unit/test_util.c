// SPDX-License-Identifier: GPL-2.0
/*
 * Size and CPU-list parsing and formatting; messages from several threads; whole files; byte
 * order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "byteorder.h"
#include "check.h"
#include "cpulist.h"
#include "messages.h"
#include "note.h"
#include "util.h"

static void test_parse_size(void)
{
	uint64_t kib = 0;

	CHECK(parse_size_kib("512K", &kib) == 0 && kib == 512);
	CHECK(parse_size_kib("4M", &kib) == 0 && kib == 4096);
	CHECK(parse_size_kib("4m", &kib) == 0 && kib == 4096);
	CHECK(parse_size_kib("4MiB", &kib) == 0 && kib == 4096);
	CHECK(parse_size_kib("4MB", &kib) == 0 && kib == 4096);
	CHECK(parse_size_kib("1G", &kib) == 0 && kib == 1048576);
	CHECK(parse_size_kib("2T", &kib) == 0 && kib == 2ULL << 30);
	CHECK(parse_size_kib("1410", &kib) == 0 && kib == 1410);
	CHECK(parse_size_kib("0", &kib) == -EINVAL);
	CHECK(parse_size_kib("0M", &kib) == -EINVAL);
	CHECK(parse_size_kib("", &kib) == -EINVAL);
	CHECK(parse_size_kib("abc", &kib) == -EINVAL);
	CHECK(parse_size_kib("-1", &kib) == -EINVAL);
	CHECK(parse_size_kib("4X", &kib) == -EINVAL);
	CHECK(parse_size_kib("4MX", &kib) == -EINVAL);
	CHECK(parse_size_kib("1.5M", &kib) == -EINVAL);
	CHECK(parse_size_kib(" 4M", &kib) == -EINVAL);
	CHECK(parse_size_kib("99999999999G", &kib) == -ERANGE);
	CHECK(parse_size_kib("99999999999999999999999", &kib) == -ERANGE);
	/* The largest size whose bytes fit in 64 bits. */
	CHECK(parse_size_kib("18014398509481983", &kib) == 0);
	CHECK(parse_size_kib("18014398509481984", &kib) == -ERANGE);
}

static void test_format_size(void)
{
	char buf[32];

	CHECK_STR(format_size_kib(7, buf, sizeof(buf)), "7K");
	CHECK_STR(format_size_kib(1410, buf, sizeof(buf)), "1410K");
	CHECK_STR(format_size_kib(4096, buf, sizeof(buf)), "4M");
	CHECK_STR(format_size_kib(1048576, buf, sizeof(buf)), "1G");
	CHECK_STR(format_size_kib(1ULL << 30, buf, sizeof(buf)), "1T");
	CHECK_STR(format_size_kib(1ULL << 40, buf, sizeof(buf)), "1024T");
	CHECK_STR(format_size_kib(0, buf, sizeof(buf)), "0K");
}

static void test_cpulist(void)
{
	int *cpus = NULL, n;
	char buf[64];
	int list[] = { 0, 1, 2, 3, 6, 8, 9 };

	CHECK_STR(cpulist_format(list, 7, buf, sizeof(buf)), "0-3,6,8-9");
	CHECK_STR(cpulist_format(list, 1, buf, sizeof(buf)), "0");
	CHECK_STR(cpulist_format(list, 0, buf, sizeof(buf)), "none");

	n = cpulist_parse("3,0-1,1", 7, &cpus);
	CHECK(n == 3 && cpus[0] == 0 && cpus[1] == 1 && cpus[2] == 3);
	free(cpus);
	n = cpulist_parse("7", 7, &cpus);
	CHECK(n == 1 && cpus[0] == 7);
	free(cpus);
	CHECK(cpulist_parse("8", 7, &cpus) == -1);
	CHECK(cpulist_parse("3-1", 7, &cpus) == -1);
	CHECK(cpulist_parse("", 7, &cpus) == -1);
	CHECK(cpulist_parse("1,", 7, &cpus) == -1);
	CHECK(cpulist_parse("a", 7, &cpus) == -1);
	CHECK(cpulist_parse("1-", 7, &cpus) == -1);
	CHECK(cpulist_parse("99999999999999", 7, &cpus) == -1);
}

#define MSG_THREADS	4
#define MSG_EACH	3000

static void *say_many(void *arg)
{
	long t = (long)arg;

	for (int i = 0; i < MSG_EACH; i++)
		note_debug("thread %ld says %d of %d", t, i, MSG_EACH);
	return NULL;
}

/* Reader threads and the main thread print -v lines at once: each must stay one whole line. */
static void test_messages_whole_lines(void)
{
	char path[] = "/tmp/remotectl-test-msg-XXXXXX", line[128];
	int next[MSG_THREADS] = { 0 }, fd, saved, bad = 0, lines = 0, i;
	pthread_t th[MSG_THREADS];
	long t;
	FILE *f;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	messages_set_verbosity(1);
	for (t = 0; t < MSG_THREADS; t++)
		pthread_create(&th[t], NULL, say_many, (void *)t);
	for (t = 0; t < MSG_THREADS; t++)
		pthread_join(th[t], NULL);
	messages_set_verbosity(0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (sscanf(line, "remotectl: thread %ld says %d of", &t, &i) != 2 || t < 0 ||
		    t >= MSG_THREADS || i != next[t] || !strstr(line, " of 3000\n")) {
			bad++;
			continue;
		}
		next[t]++;
	}
	fclose(f);
	unlink(path);
	CHECK(bad == 0);
	CHECK(lines == MSG_THREADS * MSG_EACH);
	for (t = 0; t < MSG_THREADS; t++)
		CHECK(next[t] == MSG_EACH);
}

/* Files of unknown size: several reads and a grown buffer, room before, NUL after. */
static void test_read_whole_file(void)
{
	char path[] = "/tmp/remotectl-unit-XXXXXX", *buf;
	size_t len = 0, n = 100000, i;
	int fd = mkstemp(path), ok = 1;

	CHECK(fd >= 0);
	for (i = 0; i < n; i++)
		ok &= write(fd, &"0123456789"[i % 10], 1) == 1;
	CHECK(ok);
	close(fd);
	/* A first read of 16 bytes: the buffer grows many times. */
	buf = read_whole_file(path, 8, 16, &len);
	CHECK(buf && len == n && buf[8 + n] == 0);
	for (i = 0, ok = 1; buf && i < n; i++)
		ok &= buf[8 + i] == "0123456789"[i % 10];
	CHECK(ok);
	free(buf);
	buf = read_whole_file(path, 0, 1 << 20, &len);
	CHECK(buf && len == n && buf[0] == '0' && buf[n] == 0);
	free(buf);
	unlink(path);
	errno = 0;
	CHECK(!read_whole_file(path, 0, 16, &len) && errno == ENOENT && len == 0);
	/* A file that cannot be read as a whole (a directory): NULL and the reason. */
	errno = 0;
	CHECK(!read_whole_file("/", 0, 16, &len) && errno == EISDIR);
}

static void test_byteorder(void)
{
	uint8_t b[8];

	bo_put64(b, 0x0102030405060708ull, BO_LITTLE);
	CHECK(b[0] == 8 && b[7] == 1);
	CHECK(bo_get64(b, false) == 0x0102030405060708ull);
	CHECK(bo_get64(b, true) == 0x0807060504030201ull);
	CHECK(bo_get32(b + 1, false) == 0x04050607 && bo_get16(b + 3, true) == 0x0504);
	bo_put32(b + 1, 0xa1b2c3d4, true);
	CHECK(b[1] == 0xa1 && b[4] == 0xd4 && bo_get32(b + 1, true) == 0xa1b2c3d4);
	bo_put16(b + 5, 0x1234, BO_HOST);
	CHECK(bo_get16(b + 5, BO_HOST) == 0x1234 && bo_get16(b + 5, !BO_HOST) == 0x3412);
}

int main(void)
{
	test_parse_size();
	test_format_size();
	test_cpulist();
	test_messages_whole_lines();
	test_read_whole_file();
	test_byteorder();
	CHECK_DONE();
}
