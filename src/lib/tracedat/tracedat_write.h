/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing trace.dat (v7) while capturing. The capture engine creates a writer on the output
 * fd, adds the metadata (tdw_meta_from_dir() collects it from a tracefs target), starts the
 * data, hands over whole sub-buffers per buffer and CPU as they are read, and finishes.
 *
 * Buffers: a file holds one trace buffer per target captured, as trace-cmd's does for
 * `record -B NAME` (the top level is the buffer named ""). tdw_opts describes the first, number
 * 0; tdw_add_buffer() adds more before the data begins. Each gets a BUFFER option and a BUFFER
 * section of its own, in the order added; each has its own clock, sub-buffer size and CPUs.
 * The metadata (formats, kallsyms...) is the file's, shared by all buffers.
 *
 * Data: every CPU's sub-buffers are gathered into chunks of TD_PAGES_PER_CHUNK (64)
 * sub-buffers (trace-cmd's hold 10; larger ones cost less CPU, bench/RESULTS.md), compressed
 * with zstd (or stored) on the feeding thread and queued for a writer thread
 * (file_appender.h) as soon as a chunk is full, so that no reader ever waits for the disk.
 * The writer thread appends them, syncs once a second, and writes the partial chunk of a CPU
 * whose chunk started a second ago or more. A killed record thus loses at most what
 * came in the last second or so (the unfinished chunk of each CPU, and whatever was queued
 * behind a stalled disk); `remotectl recover` completes the file (layout in tracedat_journal.h).
 * tdw_flush() queues every partial chunk and waits.
 *
 * Memory: a pool of chunks (at least two per CPU of each buffer), one zstd context and an
 * 8 MiB queue, whatever the capture length.
 * Output: a regular file is written in place (reopened O_RDWR if needed); anything else (pipe,
 * socket, tty) is spooled to an unlinked temporary file and streamed out by tdw_finish().
 * Thread-safe: each CPU of each buffer may be fed from its own thread, and tdw_flush() called
 * from any thread. Create, buffers, metadata, begin and finish belong to one thread.
 */
#ifndef REMOTECTL_TRACEDAT_WRITE_H
#define REMOTECTL_TRACEDAT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sub-buffers per chunk (see above); bench/run CHUNKS="..." builds variants to measure. */
#ifndef TD_PAGES_PER_CHUNK
#define TD_PAGES_PER_CHUNK	64
#endif

/*
 * The default zstd level. On this project's loads and on a mixed capture (sched, irq, timer,
 * syscalls, kmem), level 1 over 64-sub-buffer chunks made files as small as level 3 or
 * smaller, for less CPU: bench/RESULTS.md. -z takes others.
 */
#define TD_ZSTD_LEVEL	1

enum td_compression {
	TD_COMP_NONE,
	TD_COMP_ZSTD,
};

struct tdw_opts {
	enum td_compression compression;
	int level;			/* zstd level, 0 = TD_ZSTD_LEVEL */
	uint32_t page_size;		/* the target's sub-buffer size */
	const char *buffer_name;	/* the target's name; "" = a top-level buffer */
	const char *clock;		/* current clock name ("local", "boot", ...) */
	const char *trace_clock;	/* text of trace_clock for TRACECLOCK, or NULL */
	int nr_cpus;			/* CPUs of the system, for CPUCOUNT */
};

struct tdw;

/* Parse "none"/"zstd"; returns 0 or -EINVAL. */
int tdw_parse_compression(const char *s, enum td_compression *c);

/* Start a file on fd (left open; the caller closes it). NULL after a message. */
struct tdw *tdw_create(int fd, const struct tdw_opts *opts);

/* A buffer after the first (the first is described by tdw_opts). */
struct tdw_buffer_opts {
	const char *name;		/* "" = the top level; unique in the file */
	const char *clock;		/* "local", "boot", ... */
	uint32_t page_size;		/* may differ from the first buffer's */
};
/*
 * Before tdw_begin_data(). Returns the buffer's number (1, 2, ...) for the data calls below,
 * or -1 after a message.
 */
int tdw_add_buffer(struct tdw *w, const struct tdw_buffer_opts *b);

enum {
	TDW_META_KERNEL = 1,	/* kallsyms (when needed), printk formats, saved cmdlines */
	TDW_META_ALL_SYSTEMS = 2,	/* every system's formats, not only enabled ones */
};
/*
 * HEADER_INFO, FTRACE_EVENTS and EVENT_FORMATS from the target directory dir (falling back to
 * root/events for header files and ftrace formats), plus the TDW_META_KERNEL files of root.
 */
int tdw_meta_from_dir(struct tdw *w, const char *dir, const char *root, unsigned int flags);

/*
 * A system of event formats that exists only in the file (remotectl's own events); and, with
 * replace, the text to store in place of a format file of the target (NULL: the file's).
 */
struct tdw_extra_system {
	const char *name;
	const char *const *formats;	/* texts of format files */
	int nr;
	const char *(*replace)(void *ctx, const char *system, const char *event);
	void *ctx;
	const struct tdw_extra_system *next;	/* more systems (their replace is not used) */
};
/*
 * tdw_meta_from_dir() with more systems in EVENT_FORMATS (extra may be NULL), and the events
 * enabled in the targets of also (NULL-ended, may be NULL) described besides dir's: several
 * instances share the kernel's formats but enable different events.
 */
int tdw_meta_from_dir_extra(struct tdw *w, const char *dir, const char *const *also,
			    const char *root, unsigned int flags,
			    const struct tdw_extra_system *extra);

/*
 * Event formats. The file's EVENT_FORMATS come from what is enabled when it begins; events of
 * other systems may be in the buffer from before. tdw_formats_cover() says whether the
 * formats stored cover the ids set in types (a bit per event type id, 65536 bits);
 * tdw_replace_formats() reads every system's formats of dir and has tdw_finish() store them
 * in a new section that the file then points to (the first one becomes padding). 0 or -1
 * (errno).
 */
bool tdw_formats_cover(const struct tdw *w, const uint8_t *types);
/*
 * The event type ids the data holds (a bit per id, OR-ed over calls), which decide whether
 * the file needs the kernel's symbols (TDW_META_KERNEL); NULL: not known, they are stored.
 */
void tdw_note_types(struct tdw *w, const uint8_t *types);
int tdw_replace_formats(struct tdw *w, const char *dir);
/* tdw_replace_formats() with the systems flags asks for, and extra. */
int tdw_replace_formats_extra(struct tdw *w, const char *dir, unsigned int flags,
			      const struct tdw_extra_system *extra);

/* Write options 1 and start the journal. */
int tdw_begin_data(struct tdw *w);

/*
 * The data calls take the buffer's number (0 for the first, tdw_add_buffer()'s for the others)
 * before the CPU.
 *
 * One sub-buffer of len <= the buffer's page_size bytes (zero-padded); returns 0 or -1 after a
 * message.
 */
int tdw_add_subbuf(struct tdw *w, int buffer, int cpu, const void *data, size_t len);
/*
 * A unit as the capture engine's sources deliver it (source.h): the sub-buffer buf of which
 * event bytes [skip, end) are new; hdr_size is the sub-buffer header size (16 on 64-bit).
 * read() units are distinct sub-buffers; an mmap reader hands out one sub-buffer in pieces
 * (skip > 0 continues the previous unit). A sub-buffer that may still grow is held back
 * (one page per CPU) and written once, complete, when the next one starts (skip == 0) or at
 * tdw_finish(); its commit is cut to end so the file holds exactly the events that were
 * delivered. whole (source.h) says no later unit continues this one: a read() copy goes to
 * its chunk at once, without the held copy.
 */
int tdw_add_unit(struct tdw *w, int buffer, int cpu, const void *buf, size_t len, uint32_t skip,
		 uint32_t end, bool whole, unsigned int hdr_size);

/*
 * A read() copy without copying it again: the place (page_size bytes) of cpu's next sub-buffer
 * in its chunk, NULL after a message; the caller reads into it, then hands tdw_commit_subbuf()
 * the bytes read (0: none). When room is not NULL it says how many sub-buffers fit there, one
 * after the other; the caller may fill several, all whole but the last. cpu's data stays
 * locked in between: nothing else may be added for cpu, and the call must not block.
 */
uint8_t *tdw_reserve_subbuf(struct tdw *w, int buffer, int cpu, unsigned int *room);
void tdw_commit_subbuf(struct tdw *w, int buffer, int cpu, size_t len);

/* Write every CPU's partial chunk now (held-back sub-buffers stay held). */
int tdw_flush(struct tdw *w);

/*
 * Saved at the end: a CPU's `stats` text (CPUSTAT), per buffer. With several buffers they are
 * stored as trace-cmd stores them: the top level's first, then each named buffer's after a
 * CPUSTAT "\nBuffer: NAME\n\n".
 */
void tdw_set_cpustat(struct tdw *w, int buffer, int cpu, const char *text);

/* The sub-buffer size of a buffer (0 for no such buffer). */
uint32_t tdw_page_size(const struct tdw *w, int buffer);
/* Bytes written so far. */
uint64_t tdw_bytes(const struct tdw *w);

/* Complete the file and free w; 0, or -1 after a message. */
int tdw_finish(struct tdw *w);
/* Free w, leaving what was written (a recoverable file). */
void tdw_abort(struct tdw *w);

#endif
