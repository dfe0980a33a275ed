/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading trace.dat v6 and v7 (compression none, zstd or zlib), remotectl's and trace-cmd's files.
 * Every offset and size is checked against the file; a damaged file gives one line naming
 * the broken part (tdr_error()). Metadata is loaded at open; per-CPU data is streamed one
 * compressed chunk (or one page) at a time, so memory stays bounded by the biggest chunk.
 */
#ifndef REMOTECTL_TRACEDAT_READ_H
#define REMOTECTL_TRACEDAT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tdr;
struct tdr_iter;

/*
 * Told one line about damage that is worked around (a chunk skipped, a format left out): the
 * caller decides whether and how to say it.
 */
typedef void (*td_warn_fn)(void *ctx, const char *msg);

struct tdr_cpu {
	int cpu;
	uint64_t offset;
	uint64_t size;		/* as stored */
};

struct tdr_buffer {
	char *name;		/* "" = top level */
	char *clock;		/* may be "" when the file does not say */
	uint32_t page_size;
	int nr_cpus;
	struct tdr_cpu *cpus;
};

struct tdr_format {
	char *system;		/* "ftrace" for FTRACE_EVENTS */
	char *text;
	size_t len;
};

struct tdr_blob {
	char *data;		/* NUL-terminated copy, or NULL when absent */
	size_t len;
};

struct tdr_info {
	int version;
	bool big_endian;
	int long_size;
	uint32_t page_size;
	char compression[32];	/* "none", "zstd" or "zlib" */
	struct tdr_blob header_page;
	struct tdr_blob header_event;
	int nr_formats;
	struct tdr_format *formats;
	struct tdr_blob kallsyms;
	struct tdr_blob printk;
	struct tdr_blob cmdlines;
	int cpu_count;		/* CPUCOUNT, or v6's CPU count; 0 if unknown */
	int nr_buffers;
	struct tdr_buffer *buffers;
	char *trace_clock;	/* TRACECLOCK text or NULL */
	char *uname;
	char *version_str;
	int nr_cpustats;
	char **cpustats;
};

/* Open and load the metadata. NULL with the reason in err (one line). */
struct tdr *tdr_open(const char *path, char *err, size_t errlen);
void tdr_close(struct tdr *r);

const struct tdr_info *tdr_info(const struct tdr *r);

/*
 * The sub-buffers of one CPU of one buffer, in file order. tdr_iter_next() returns 1 with
 * *page pointing at page_size bytes, 0 at the end, or -1 for a damaged chunk or page (message
 * in tdr_iter_error()); iteration may continue after -1 with the next intact chunk.
 */
struct tdr_iter *tdr_iter_new(struct tdr *r, int buffer, int cpu_index);
int tdr_iter_next(struct tdr_iter *it, const uint8_t **page);
const char *tdr_iter_error(const struct tdr_iter *it);
/*
 * The iterator will run on a thread of its own: it decompresses with a context of its own
 * (the file's is one for all). Iterators of one file on different threads are then independent.
 */
void tdr_iter_private(struct tdr_iter *it);
void tdr_iter_free(struct tdr_iter *it);

#endif
