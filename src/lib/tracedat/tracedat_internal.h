/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracedat's internals, for src/lib/tracedat/ and its unit tests and fuzzers only: the file
 * format's constants, the section builder, the chunks a writer compresses off the readers,
 * the reader's handle and cursor, and the parts of the reader, writer and journal nothing
 * outside needs. Other folders and the commands use tracedat_read.h, tracedat_events.h,
 * tracedat_write.h, tracedat_journal.h (recover) and tracedat_fmtcheck.h.
 */
#ifndef REMOTECTL_TRACEDAT_INTERNAL_H
#define REMOTECTL_TRACEDAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "byteorder.h"
#include "tracedat_journal.h"
#include "tracedat_read.h"
#include "tracedat_write.h"

/*
 * trace.dat constants shared by the writer, the reader and `recover`: magic, section and
 * option ids (trace-cmd's numbering), and little-endian encoding helpers.
 * Layout: docs/tracedat.md and trace-cmd.dat.v7(5).
 */
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
	 * journal). Body: u32 cpu, u32 buffer (the index of its RC_META; files of builds
	 * that wrote one buffer hold 0 there), then the chunk exactly as it will sit in a
	 * BUFFER section: u32 stored size, u32 raw size, stored bytes (zstd) -- or for an
	 * uncompressed file u32 size, u32 size and the raw pages. trace-cmd ignores unknown
	 * section ids; `recover` and finishing a record turn the journal into a BUFFER section.
	 */
	TD_SEC_RC_CHUNK = 0x7263,
};

#define TD_SEC_FL_COMPRESS	1u
#define TD_SEC_HDR_SIZE		16	/* u16 id, u16 flags, u32 string id, u64 size */
#define TD_CHUNK_HDR_SIZE	8	/* u32 stored size, u32 raw size */
#define TD_RC_CHUNK_PREFIX	8	/* u32 cpu, u32 buffer */
#define TD_NO_STRING		0xffffffffu

/* Readers refuse chunks and metadata larger than this (damaged size fields). */
#define TD_MAX_CHUNK_RAW	(64u << 20)

/* A growable byte buffer for building trace.dat sections and options (little-endian). */
struct tdbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void tdbuf_put(struct tdbuf *b, const void *data, size_t len);
void tdbuf_u16(struct tdbuf *b, uint16_t v);
void tdbuf_u32(struct tdbuf *b, uint32_t v);
void tdbuf_u64(struct tdbuf *b, uint64_t v);
/* The string with its NUL. */
void tdbuf_str(struct tdbuf *b, const char *s);
/* An option: u16 id, u32 size, data. */
void tdbuf_option(struct tdbuf *b, uint16_t id, const void *data, uint32_t len);
void tdbuf_option_u64(struct tdbuf *b, uint16_t id, uint64_t v);
void tdbuf_free(struct tdbuf *b);

/*
 * The data part of a trace.dat being written: every CPU's sub-buffers, of each trace buffer
 * (target) of the file, gathered into chunks of TD_PAGES_PER_CHUNK, compressed and appended
 * to the file -- off the readers' threads.
 *
 * A reader thread only copies each sub-buffer into its CPU's current chunk, a slot of a
 * fixed pool. Full chunks go to a queue; one thread compresses them and hands the sections to
 * a file_appender (file_appender.h), which writes and syncs. With every CPU saturated by
 * writers, compressing on the readers made them lose far more events than trace-cmd, which
 * compresses only after the capture (bench/RESULTS.md, "Compression off the readers"); with
 * the readers doing nothing but copy, they keep up. When the queue is more than half full
 * the compressor drops to zstd level 1 until it has caught up, so that the readers wait (and
 * the kernel drops) only when even that cannot keep pace.
 *
 * The same thread writes out, once a second, the partial chunk of a CPU whose chunk began a
 * second ago or more, so that a killed record keeps an idle CPU's events too.
 *
 * Memory: the slot pool (16 MiB, at least two chunks per CPU of each buffer; a slot holds a
 * chunk of the largest sub-buffers), a compressed section buffer and the appender's ring,
 * whatever the capture length.
 */
struct td_chunks_opts {
	int fd;
	uint64_t pos;		/* the file offset the data starts at */
	const uint32_t *page_sizes;	/* of each buffer */
	int nr_buffers;		/* at least 1 */
	int nr_cpus;		/* to size the pool; any CPU number may come */
	bool zstd;
	int level;
	bool sync;		/* fdatasync() once a second (not for a spool) */
};

struct td_chunks;

/* Start the threads; NULL with errno on failure. */
struct td_chunks *td_chunks_start(const struct td_chunks_opts *o);

/* Copy one sub-buffer of len <= the buffer's page_size into its cpu's chunk; 0 or -errno. */
int td_chunks_add(struct td_chunks *ch, int buffer, int cpu, const void *data, size_t len);

/*
 * The same without the copy: the place of cpu's next sub-buffers in its chunk, room of them
 * (when room is not NULL) one after the other, for the caller to read() into; NULL with errno
 * on failure. cpu's chunk stays locked (the once-a-second write-out of partial chunks waits)
 * until td_chunks_commit() takes len bytes of it, whole sub-buffers but the last, or none
 * with len 0.
 */
uint8_t *td_chunks_reserve(struct td_chunks *ch, int buffer, int cpu, unsigned int *room);
void td_chunks_commit(struct td_chunks *ch, int buffer, int cpu, size_t len);

/* Queue every partial chunk and wait until everything is written; 0 or -errno. */
int td_chunks_flush(struct td_chunks *ch);

/* The file offset after everything written or queued (raw queued chunks count in full). */
uint64_t td_chunks_end(struct td_chunks *ch);

/* Sub-buffers taken so far. */
uint64_t td_chunks_pages(struct td_chunks *ch);

/* How often a reader waited for a free slot, and the writer for the disk. */
uint64_t td_chunks_stalls(struct td_chunks *ch);

/*
 * Flush, stop the threads and free ch; *end is the file's end. With j (the journal's
 * descriptions, td_journal_read_meta()), every chunk written goes into it as
 * td_journal_scan() would find it, without reading the file back. 0 or -errno.
 */
int td_chunks_stop(struct td_chunks *ch, uint64_t *end, struct td_journal *j);

/* Internals shared by the trace.dat reader's files: the handle and a bounds-checked cursor. */
#define TDR_META_MAX	(128u << 20)	/* largest metadata section we inflate */
#define TDR_MAX_ITEMS	100000		/* formats, systems, CPUs, options */

enum tdr_codec { TDR_CODEC_NONE, TDR_CODEC_ZSTD, TDR_CODEC_ZLIB };

struct tdr {
	int fd;			/* -1 when reading from memory */
	const uint8_t *mem;	/* the whole file (tdr_open_mem()), or NULL */
	uint64_t size;
	struct tdr_info info;
	enum tdr_codec codec;
	ZSTD_DCtx *dctx;
	char err[256];
};

/* Reads from memory (mem != NULL) or from the file, never past end. */
struct cur {
	struct tdr *r;
	const uint8_t *mem;
	uint64_t pos;
	uint64_t end;
	const char *part;	/* named in errors */
};

int tdr_fail(struct tdr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A zstd decompression context (a reused one when there is one), or NULL. */
ZSTD_DCtx *tdr_dctx_get(void);
/* Done with d: kept for the next tdr_dctx_get() or freed. */
void tdr_dctx_put(ZSTD_DCtx *d);
/* len bytes of the file at off, from memory or the fd: 0, or -1 when they are not all there. */
int tdr_pread(const struct tdr *r, void *buf, size_t len, uint64_t off);
int cur_read(struct cur *c, void *buf, uint64_t n);
int cur_u16(struct cur *c, uint16_t *v);
int cur_u32(struct cur *c, uint32_t *v);
int cur_u64(struct cur *c, uint64_t *v);
/* A NUL-terminated string of at most max bytes; malloc'd. */
char *cur_str(struct cur *c, size_t max);
/* n bytes as a NUL-terminated malloc'd copy; NULL when n exceeds what is left. */
char *cur_blob(struct cur *c, uint64_t n);
/*
 * Decompress one block (zstd frame or zlib stream, the file's codec) of exactly usize bytes.
 * Returns 0, or -1 with why naming the damage.
 */
int tdr_decompress(struct tdr *r, void *dst, size_t usize, const void *src, size_t csize,
		   const char **why);
/* The same with a zstd context of the caller's (one per thread: r's is not shared). */
int tdr_decompress_in(struct tdr *r, ZSTD_DCtx *dctx, void *dst, size_t usize, const void *src,
		      size_t csize, const char **why);
/*
 * Why a block of csize bytes at src cannot hold usize bytes (checked before usize bytes are
 * allocated for it: a damaged size may claim megabytes), or NULL.
 */
const char *tdr_size_problem(const struct tdr *r, const void *src, size_t csize, size_t usize);
/* Inflate one block of csize bytes at the cursor into a malloc'd usize buffer. */
uint8_t *tdr_inflate(struct tdr *r, struct cur *c, uint32_t csize, uint32_t usize,
		     const char *part);

/* Metadata bodies (same in v6 and v7). */
int tdr_parse_header_info(struct cur *c);
int tdr_parse_ftrace_events(struct cur *c);
int tdr_parse_event_formats(struct cur *c);
int tdr_parse_text(struct cur *c, struct tdr_blob *b, bool size64);

int tdr_load_v6(struct tdr *r, struct cur *c);
/* v7's codec and version strings, and the u64 after them: the offset of options 1. */
int tdr_load_v7_header(struct tdr *r, struct cur *c, uint64_t *next);
int tdr_load_v7(struct tdr *r, struct cur *c);

/* More of the reader (tracedat_read.h): other ways to open a file, a v7 header alone. */
struct tdr *tdr_open_fd(int fd, char *err, size_t errlen);	/* takes fd */
/* A file already in memory (size bytes at data, which must outlive the handle). */
struct tdr *tdr_open_mem(const void *data, size_t size, char *err, size_t errlen);

/* What tdr_v7_options_at() found wrong with a file header. */
enum tdr_header_fault {
	TDR_HDR_NOT_TRACEDAT = -1,	/* no trace.dat magic, or too short for one */
	TDR_HDR_NOT_V7 = -2,		/* a trace.dat of another version */
	TDR_HDR_DAMAGED = -3,
};

/*
 * Only the header of a v7 file on fd (size bytes), for a file an interrupted record left,
 * which tdr_open() refuses: *options_at is where the header's u64 offset of options 1 sits.
 * Returns 0, or an enum tdr_header_fault. fd stays open.
 */
int tdr_v7_options_at(int fd, uint64_t size, uint64_t *options_at);

/*
 * More of the writer (tracedat_write.h). A metadata section (HEADER_INFO ... CMDLINES ids)
 * with its body; before tdw_begin_data.
 */
int tdw_add_section(struct tdw *w, uint16_t id, const void *body, size_t len);

/*
 * tdw_format_ids(): the bitmap (a bit per event type id, 65536 bits) of the formats stored;
 * tdw_set_late_formats(): tdw_replace_formats() with a ready body. 0 or -1 (errno).
 */
uint8_t *tdw_format_ids(struct tdw *w);
/*
 * A format text (with its "ID: N" line) of system sys the file stores: its id, and whether it
 * shows symbols.
 */
void tdw_note_format(struct tdw *w, const char *sys, const char *text, size_t len);
/*
 * /proc/kallsyms, or the file at path, is read at the end, and only when the data holds events
 * that can print a symbol (tdw_note_types()); the journal keeps the boot it belongs to.
 */
void tdw_set_kallsyms_path(struct tdw *w, const char *path);
int tdw_set_late_formats(struct tdw *w, const void *body, size_t len);
/* The file saved_cmdlines is read from at the end. */
void tdw_set_cmdlines_path(struct tdw *w, const char *path);
/* Sub-buffers written so far. */
uint64_t tdw_pages(const struct tdw *w);

/* More of the journal (tracedat_journal.h): the steps that write and complete it. */

#define TD_SEC_RC_META	0x7264
#define TD_SEC_RC_PAD	0x7265
/*
 * A buffer of a journal of several (the RC_META body and its u32 number). Not RC_META, so that
 * builds that knew one buffer refuse such a journal ("no recording journal") instead of
 * completing it without the chunks they cannot place.
 */
#define TD_SEC_RC_BUFFER	0x7266

/* Full-length pread/pwrite: 0, or -errno (-EIO for a short read). */
int td_pread(int fd, void *buf, size_t len, uint64_t off);
int td_pwrite(int fd, const void *buf, size_t len, uint64_t off);
/* Write a section header for a body of len bytes. */
int td_write_section_header(int fd, uint64_t off, uint16_t id, uint16_t flags, uint64_t len);

/* Buffers (targets) a file may hold: RC_META sections a journal may have. */
#define TD_MAX_BUFFERS	256

/*
 * The body of an RC_META section (index -1) or of the RC_BUFFER section of buffer number index:
 * name, clock, u32 sub-buffer size, u32 flags (bit 0: compressed; TD_META_FL_LATE_KALLSYMS),
 * for RC_BUFFER the u32 index, and with that flag the boot id string.
 */
#define TD_META_FL_LATE_KALLSYMS	2u	/* kallsyms come at the end; the boot follows */
void td_journal_meta(struct tdbuf *b, int index, const char *name, const char *clock,
		     uint32_t page_size, bool compressed, const char *boot_id);

/*
 * In a v7 file of size bytes on fd: options 1 (from the header) and where its DONE value
 * sits (*done_pos); the journal starts right after them (*journal). Returns 0, 1 when the
 * file is already complete, or -1 with the reason in err.
 */
int td_journal_find(int fd, uint64_t size, uint64_t *done_pos, uint64_t *journal, char *err,
		    size_t errlen);

/*
 * Read the RC_META section at meta_off (or the RC_BUFFER sections, one per buffer) into j,
 * with no chunks yet; j->end is where they end. Returns 0, or -1 with a message in err when
 * there is no journal or its descriptions are damaged.
 */
int td_journal_read_meta(int fd, uint64_t meta_off, uint64_t file_end, struct td_journal *j,
			 char *err, size_t errlen);
/* What a chunk of csize bytes takes in its CPU's data of a BUFFER section. */
static inline uint64_t td_chunk_stored_size(bool compressed, uint32_t csize)
{
	return compressed ? TD_CHUNK_HDR_SIZE + (uint64_t)csize : csize;
}
/*
 * Count chunks of cpu of buffer, size bytes in all as td_chunk_stored_size() says, into j:
 * 0, or -EINVAL for a buffer j does not describe or an impossible CPU.
 */
int td_journal_add_chunks(struct td_journal *j, int buffer, int cpu, uint32_t chunks,
			  uint64_t size);
/*
 * td_journal_read_meta(), then every complete chunk section after them, up to file_end: for
 * a file whose writer is gone (a finishing writer counts its own chunks). Stops quietly at
 * the first incomplete or malformed chunk (what a crash leaves; with verify, a chunk that
 * does not decompress counts as malformed, and so does a chunk of a buffer not described);
 * j->end says where.
 */
int td_journal_scan(int fd, uint64_t meta_off, uint64_t file_end, struct td_journal *j,
		    bool verify, char *err, size_t errlen);
void td_journal_free(struct td_journal *j);

/* What finishing adds besides the data. */
struct td_final {
	char **cpustats;	/* CPUSTAT texts in the order to store them; entries may be NULL */
	int nr_cpustats;
	const void *cmdlines;	/* saved_cmdlines text for a CMDLINES section, or NULL */
	size_t cmdlines_len;
	int level;		/* zstd level of the metadata sections */
	const void *formats;	/* body of an EVENT_FORMATS section replacing the first, or NULL */
	size_t formats_len;
	uint64_t formats_opt;	/* where options 1 hold the EVENT_FORMATS offset */
	uint64_t formats_old;	/* the section replaced: made padding */
	uint64_t cmdlines_opt;	/* where options 1 hold a CMDLINES offset, pointed at cmdlines
				 * too (0: none, options 1 keep theirs) */
	uint64_t cmdlines_old;	/* the section it pointed at: made padding */
	const void *kallsyms;	/* a KALLSYMS body (u32 size, the text), or NULL */
	size_t kallsyms_len;
};

/*
 * A metadata section's body compressed: [u32 compressed size][u32 size][zstd frame] in a
 * buffer of its own (*out, to free()); its length, 0 (and *out NULL) when it could not be.
 * *cctx is made on first use and kept for the next section (ZSTD_freeCCtx() it): a context
 * per section faulted its tables in again each time.
 */
size_t td_meta_compress(ZSTD_CCtx **cctx, int level, const void *body, size_t len,
			uint8_t **out);

/*
 * The body of a text section (KALLSYMS, PRINTK: u32 size; CMDLINES: u64) from the file at
 * path, its length in *len; NULL with errno when it cannot be read. The size goes in front of
 * the text in the same buffer, and the first read asks for 1 MiB: /proc/kallsyms is MiBs, and
 * copying it into a second buffer cost half as much again as reading it (page faults;
 * bench/RESULTS.md, "One buffer for kallsyms").
 */
char *td_read_text_body(const char *path, bool size64, size_t *len);
/*
 * saved_cmdlines texts ("PID COMM" lines) merged: every line of now, then those of before
 * whose pid now lacks. A new text (*len bytes), NULL when both are empty.
 */
char *td_merge_cmdlines(const char *now, size_t now_len, const char *before, size_t before_len,
			size_t *len);
/* fin's kallsyms from the file at path (nothing when it cannot be read). */
void td_final_read_kallsyms(struct td_final *fin, const char *path);

/* Where the sections after options 2 are: file offsets, 0 for none. */
struct td_tail {
	uint64_t cmdlines;
	uint64_t kallsyms;
};

/*
 * Complete a file whose journal was scanned into j and whose options 1 DONE value sits at
 * done_pos: append options 2 and a BUFFER section per buffer at j->end, link them, then
 * compact.
 * Returns 0; 1 when complete but a warning is in msg (the file could not be shortened); or
 * -1 with msg naming the step that failed.
 */
int td_journal_finish(int fd, uint64_t done_pos, struct td_journal *j,
		      const struct td_final *fin, char *msg, size_t msglen);

#endif
