// SPDX-License-Identifier: GPL-2.0
/* Size and CPU-list parsing and formatting; messages from several threads. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cpulist.h"
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
		debug_msg("thread %ld says %d of %d", t, i, MSG_EACH);
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
	verbosity = 1;
	for (t = 0; t < MSG_THREADS; t++)
		pthread_create(&th[t], NULL, say_many, (void *)t);
	for (t = 0; t < MSG_THREADS; t++)
		pthread_join(th[t], NULL);
	verbosity = 0;
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

int main(void)
{
	test_parse_size();
	test_format_size();
	test_cpulist();
	test_messages_whole_lines();
	CHECK_DONE();
}
