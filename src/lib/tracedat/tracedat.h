/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.dat constants shared by the writer, the reader and `recover`: magic, section and
 * option ids (trace-cmd's numbering), and little-endian encoding helpers.
 * Layout: docs/tracedat.md and trace-cmd.dat.v7(5).
 */
#ifndef REMOTECTL_TRACEDAT_H
#define REMOTECTL_TRACEDAT_H

#include <stdint.h>
#include <string.h>

#include "byteorder.h"

#define TD_MAGIC		"\x17\x08\x44tracing"
#define TD_MAGIC_LEN		10

/* Section and option ids (the same numbers are used for both in v7). */
enum td_id {
	TD_OPT_DONE = 0,		/* also: options section */
	TD_OPT_DATE = 1,
	TD_OPT_CPUSTAT = 2,
	TD_OPT_BUFFER = 3,		/* also: BUFFER (flyrecord) section */
	TD_OPT_TRACECLOCK = 4,
	TD_OPT_UNAME = 5,
	TD_OPT_HOOK = 6,
	TD_OPT_OFFSET = 7,
	TD_OPT_CPUCOUNT = 8,
	TD_OPT_VERSION = 9,
	TD_OPT_PROCMAPS = 10,
	TD_OPT_TRACEID = 11,
	TD_OPT_TIME_SHIFT = 12,
	TD_OPT_GUEST = 13,
	TD_OPT_TSC2NSEC = 14,
	TD_SEC_STRINGS = 15,
	TD_SEC_HEADER_INFO = 16,
	TD_SEC_FTRACE_EVENTS = 17,
	TD_SEC_EVENT_FORMATS = 18,
	TD_SEC_KALLSYMS = 19,
	TD_SEC_PRINTK = 20,
	TD_SEC_CMDLINES = 21,
	TD_OPT_BUFFER_TEXT = 22,
	/*
	 * remotectl's own: one compressed chunk of one CPU, appended while recording (the
	 * journal). Body: u32 cpu, u32 reserved (0), then the chunk exactly as it will sit in a
	 * BUFFER section: u32 stored size, u32 raw size, stored bytes (zstd) -- or for an
	 * uncompressed file u32 size, u32 size and the raw pages. trace-cmd ignores unknown
	 * section ids; `recover` and finishing a record turn the journal into a BUFFER section.
	 */
	TD_SEC_RC_CHUNK = 0x7263,
};

#define TD_SEC_FL_COMPRESS	1u
#define TD_SEC_HDR_SIZE		16	/* u16 id, u16 flags, u32 string id, u64 size */
#define TD_CHUNK_HDR_SIZE	8	/* u32 stored size, u32 raw size */
#define TD_RC_CHUNK_PREFIX	8	/* u32 cpu, u32 reserved */
#define TD_NO_STRING		0xffffffffu

/* trace-cmd puts 10 pages in a chunk; remotectl does the same (see tracedat_write.h). */
#define TD_PAGES_PER_CHUNK	10
/* Readers refuse chunks and metadata larger than this (damaged size fields). */
#define TD_MAX_CHUNK_RAW	(64u << 20)

#endif
