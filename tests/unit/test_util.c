// SPDX-License-Identifier: GPL-2.0
/* Size and CPU-list parsing and formatting. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

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

int main(void)
{
	test_parse_size();
	test_format_size();
	test_cpulist();
	CHECK_DONE();
}
