/* SPDX-License-Identifier: GPL-2.0 */
/* Synthetic trace.dat files for the unit tests: print events in 4 KiB sub-buffers. */
#ifndef TRACEDAT_SYNTH_H
#define TRACEDAT_SYNTH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracedat_internal.h"
#include "tracedat_text.h"
#include "tracedat_write.h"

#define SYNTH_PAGE	4096
#define SYNTH_PRINT_ID	5
#define SYNTH_TS0	1000000000ull	/* 1 s */
#define SYNTH_DELTA	1000ull		/* 1 us between events of a CPU */

/* Unused by the tools that build files with these helpers only. */
static int fails __attribute__((unused));

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - " __VA_ARGS__);				\
	} else {							\
		printf("not ok - " __VA_ARGS__);			\
		fails++;						\
	}								\
	printf("\n");							\
} while (0)

static const char synth_header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";
static const char synth_header_event[] =
	"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n";
static const char synth_print_format[] =
	"name: print\nID: 5\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n\n"
	"print fmt: \"%ps: %s\", (void *)REC->ip, REC->buf\n";

/*
 * Fill a sub-buffer of page_size bytes with print events "TAG CPU.N" starting at event number
 * *n; ts of event k on a CPU = ts0 + k * SYNTH_DELTA. Returns the number of events in the page.
 * (Static inline, as everything here: the tools use some of it.)
 */
static inline int synth_page_at(uint8_t *page, size_t page_size, uint64_t ts0, const char *tag,
				int cpu, int *n, int max)
{
	size_t off = 16;
	int count = 0;

	memset(page, 0, page_size);
	bo_put64(page, ts0 + (uint64_t)*n * SYNTH_DELTA, BO_LITTLE);
	while (*n < max) {
		uint8_t payload[64] = { 0 };
		uint32_t hdr, delta = count ? SYNTH_DELTA : 0;

		if (off + 4 + sizeof(payload) > page_size)
			break;
		bo_put16(payload, SYNTH_PRINT_ID, BO_LITTLE);
		bo_put32(payload + 4, 100 + cpu, BO_LITTLE);
		bo_put64(payload + 8, 0, BO_LITTLE);
		snprintf((char *)payload + 16, sizeof(payload) - 16, "%s %d.%d\n", tag, cpu, *n);
		hdr = (sizeof(payload) / 4) | delta << 5;
		bo_put32(page + off, hdr, BO_LITTLE);
		memcpy(page + off + 4, payload, sizeof(payload));
		off += 4 + sizeof(payload);
		(*n)++;
		count++;
	}
	bo_put64(page + 8, off - 16, BO_LITTLE);
	return count;
}

/* synth_page_at() of SYNTH_PAGE bytes, "msg CPU.N" from SYNTH_TS0. */
static inline int synth_page(uint8_t *page, int cpu, int *n, int max)
{
	return synth_page_at(page, SYNTH_PAGE, SYNTH_TS0, "msg", cpu, n, max);
}

static inline void synth_put_format(struct tdbuf *b, const char *text)
{
	tdbuf_u64(b, strlen(text));
	tdbuf_put(b, text, strlen(text));
}

/*
 * Metadata the way tdw_meta_from_dir() would build it: the header texts above, the ftrace
 * system's formats (nr_ftrace of them) and one more system's (NULL: none).
 */
static inline int synth_meta_formats(struct tdw *w, const char *const *ftrace, int nr_ftrace,
				     const char *system, const char *const *formats, int nr)
{
	struct tdbuf b = { 0 };
	int ret, i;

	tdbuf_str(&b, "header_page");
	synth_put_format(&b, synth_header_page);
	tdbuf_str(&b, "header_event");
	synth_put_format(&b, synth_header_event);
	ret = tdw_add_section(w, TD_SEC_HEADER_INFO, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, nr_ftrace);
	for (i = 0; i < nr_ftrace; i++)
		synth_put_format(&b, ftrace[i]);
	ret = ret ? ret : tdw_add_section(w, TD_SEC_FTRACE_EVENTS, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, system ? 1 : 0);
	if (system) {
		tdbuf_str(&b, system);
		tdbuf_u32(&b, nr);
		for (i = 0; i < nr; i++)
			synth_put_format(&b, formats[i]);
	}
	ret = ret ? ret : tdw_add_section(w, TD_SEC_EVENT_FORMATS, b.p, b.len);
	tdbuf_free(&b);
	return ret;
}

/* The print event's format only. */
static inline int synth_meta(struct tdw *w)
{
	const char *const ftrace[] = { synth_print_format };

	return synth_meta_formats(w, ftrace, 1, NULL, NULL, 0);
}

/* A writer on fd of ncpu CPUs: metadata written, data begun; NULL on failure. */
static inline struct tdw *synth_writer(int fd, enum td_compression c, int ncpu,
					const char *trace_clock)
{
	struct tdw_opts o = { .compression = c, .page_size = SYNTH_PAGE, .buffer_name = "synth",
			      .clock = "local", .trace_clock = trace_clock, .nr_cpus = ncpu };
	struct tdw *w = fd >= 0 ? tdw_create(fd, &o) : NULL;

	if (w && (synth_meta(w) || tdw_begin_data(w))) {
		tdw_abort(w);
		return NULL;
	}
	return w;
}

/*
 * Write a file on fd with ncpu CPUs x nev events each. finish=0 leaves it as a killed
 * record would (after flushing partial chunks when flush is set).
 */
static inline int synth_file(int fd, enum td_compression c, int ncpu, int nev, bool finish,
			     bool flush)
{
	uint8_t page[SYNTH_PAGE];
	int *n = calloc(ncpu, sizeof(int)), cpu, more = 1;
	struct tdw *w = synth_writer(fd, c, ncpu, "[local] global boot");

	if (!w)
		return -1;
	/* Interleave the CPUs a page at a time, as a capture would. */
	while (more) {
		more = 0;
		for (cpu = 0; cpu < ncpu; cpu++) {
			if (n[cpu] >= nev)
				continue;
			synth_page(page, cpu, &n[cpu], nev);
			if (tdw_add_subbuf(w, 0, cpu, page, SYNTH_PAGE))
				return -1;
			more = 1;
		}
	}
	free(n);
	if (finish) {
		tdw_set_cpustat(w, 0, 0, "entries: 0\noverrun: 0\n");
		return tdw_finish(w);
	}
	if (flush)
		tdw_flush(w);
	tdw_abort(w);
	return 0;
}

static inline char *synth_tmp(const char *tag)
{
	const char *dir = getenv("TMPDIR");
	static char path[256];

	snprintf(path, sizeof(path), "%s/remotectl-unit-%d-%s", dir ? dir : "/tmp", getpid(), tag);
	return path;
}

/*
 * report's text of path with filter f (NULL: everything), malloc'd, its length in *len
 * (may be NULL); NULL when the file cannot be opened, else *ret holds text_report_write()'s
 * return (or select's).
 */
static inline char *synth_report(const char *path, const struct text_report_filter *f,
				 size_t *len, int *ret)
{
	struct text_report_filter all = { .to = UINT64_MAX };
	char err[256], *text = NULL;
	struct text_report *t;
	uint64_t errors;
	size_t size = 0;
	FILE *out;

	*ret = text_report_open(&t, path, NULL, NULL, err, sizeof(err));
	if (*ret)
		return NULL;
	out = open_memstream(&text, &size);
	*ret = text_report_select(t, f ? f : &all);
	if (!*ret)
		*ret = text_report_write(t, out, &errors);
	fclose(out);
	text_report_close(t);
	if (len)
		*len = size;
	return text;
}

#endif
