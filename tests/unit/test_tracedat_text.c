// SPDX-License-Identifier: GPL-2.0
/*
 * report's engine (tracedat_text.c) on a synthetic file: the CPU filter, and a damaged BUFFER
 * option whose CPU numbers lie outside any CPU list (run under ASan/UBSan with
 * `make unit-asan`: no read outside the list).
 */
#include <fcntl.h>
#include <stdbool.h>

#include "tracedat_synth.h"
#include "tracedat_text.h"
#include "util.h"

/*
 * The report of path (its --stat with stat) with only the CPUs in want (NULL: all), and its
 * line count in *lines.
 */
static int report(const char *path, const bool *want, bool stat, int *lines)
{
	struct text_report_filter f = { .cpus = want, .to = UINT64_MAX, .stat = stat };
	size_t size = 0;
	char *text;
	int ret;

	*lines = 0;
	text = synth_report(path, &f, &size, &ret);
	for (size_t i = 0; text && i < size; i++)
		*lines += text[i] == '\n';
	free(text);
	return ret;
}

/* Set the CPU numbers of the first BUFFER option of a v7 file in memory; false if none. */
static bool set_buffer_cpus(uint8_t *d, size_t len, uint32_t cpu0, uint32_t cpu1)
{
	size_t pos = 10, i;
	uint64_t next;

	pos += strlen((char *)d + pos) + 1 + 2 + 4;
	pos += strlen((char *)d + pos) + 1;
	pos += strlen((char *)d + pos) + 1;
	next = bo_get64(d + pos, BO_LITTLE);
	while (next && next + TD_SEC_HDR_SIZE <= len) {
		size_t p = next + TD_SEC_HDR_SIZE, end = p + bo_get64(d + next + 8, BO_LITTLE);

		next = 0;
		while (p + 6 <= end && end <= len) {
			uint16_t id = bo_get16(d + p, BO_LITTLE);
			uint32_t size = bo_get32(d + p + 2, BO_LITTLE);
			size_t q = p + 6 + 8;

			if (id == TD_OPT_DONE) {
				next = bo_get64(d + p + 6, BO_LITTLE);
				break;
			}
			if (id == TD_OPT_BUFFER) {
				/* Name, clock, page size, count, then u32 cpu, u64, u64. */
				q += strlen((char *)d + q) + 1;
				q += strlen((char *)d + q) + 1;
				if (bo_get32(d + q + 4, BO_LITTLE) != 2)
					return false;
				q += 8;
				for (i = 0; i < 2; i++, q += 20)
					bo_put32(d + q, i ? cpu1 : cpu0, BO_LITTLE);
				return true;
			}
			p += 6 + size;
		}
	}
	return false;
}

int main(void)
{
	const char *path = xstrdup(synth_tmp("text.dat"));
	const char *bad = synth_tmp("text-bad.dat");
	bool *want = xcalloc(TEXT_REPORT_MAX_CPUS, sizeof(*want));
	int fd, all, one, lines;
	uint8_t *d;
	size_t len;
	FILE *f;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && !synth_file(fd, TD_COMP_ZSTD, 2, 300, true, false), "synthetic file");
	CHECK(!report(path, NULL, false, &all) && all == 600, "all CPUs: %d lines", all);
	want[1] = true;
	CHECK(!report(path, want, false, &one) && one == 300, "CPU 1 only: %d lines", one);

	/* The same file saying its CPUs are INT_MAX and 2^32 - 1 (-1 as an int). */
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	d = xmalloc(len);
	CHECK(fread(d, 1, len, f) == len, "read back");
	fclose(f);
	CHECK(set_buffer_cpus(d, len, INT32_MAX, UINT32_MAX), "BUFFER option found");
	f = fopen(bad, "wb");
	CHECK(f && fwrite(d, 1, len, f) == len && !fclose(f), "damaged copy written");
	CHECK(!report(bad, NULL, false, &lines) && lines == 600, "damaged, all CPUs: %d lines",
	      lines);
	CHECK(!report(bad, want, false, &lines) && lines == 0, "damaged, CPU 1: none of them (%d)",
	      lines);
	/*
	 * The file's line (its CPUs counted without overflow: UBSan), one buffer's two lines and
	 * two CPUs, the saved statistics' five.
	 */
	CHECK(!report(bad, NULL, true, &lines) && lines == 11, "damaged, --stat: %d lines", lines);
	unlink(path);
	unlink(bad);
	free(d);
	free(want);
	free((char *)path);
	return fails ? 1 : 0;
}
