/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The journal: how remotectl writes per-CPU data so that an interrupted record can be
 * completed, and the steps that turn a journal into trace-cmd's BUFFER sections. Used when a
 * record finishes and by `remotectl recover`.
 *
 * A file being recorded is laid out as
 *
 *	header ("7", codec, u64 -> options 1)
 *	HEADER_INFO, FTRACE_EVENTS, EVENT_FORMATS, KALLSYMS, PRINTK, CMDLINES sections
 *	options 1 (their offsets, CPUCOUNT, TRACECLOCK, UNAME, VERSION; DONE -> 0 for now)
 *	RC_META section (buffer name, clock, sub-buffer size, codec) -- or, for a file of
 *	  several buffers, an RC_BUFFER section per buffer (the same and the buffer's number)
 *	RC_PAD section (room to finish in place: 64 KiB per buffer, a hole)
 *	RC_CHUNK sections, one per compressed chunk of 64 sub-buffers of one CPU of one buffer
 *	  (u32 cpu, u32 buffer), buffers and CPUs interleaved in capture order, each appended
 *	  with one write() as soon as it is full
 *
 * Several buffers only add to what a one-buffer journal meant: its RC_META and chunks are as
 * builds before them wrote (the chunk's buffer word was always 0), so their journals complete
 * as before. RC_BUFFER is not RC_META so that those builds refuse a journal of several buffers
 * instead of completing it without the chunks they cannot place.
 *
 * Every byte is an ordinary v7 section, so the file can be walked section by section at any
 * moment. Finishing appends options 2 (a BUFFER option per buffer, CPUSTAT, CMDLINES), a
 * fresh CMDLINES section and a BUFFER section per buffer (each CPU's chunks copied together,
 * as the format requires), points options 1's DONE at options 2, and then moves them down
 * over the journal, never over anything still referenced (in one copy, or in three when the
 * metadata outgrows the journal's slack), and truncates the file. A crash at any point leaves
 * either a complete file or a journal that `recover` completes, losing only chunks that were
 * never written. Options before data: a complete file cut short later still describes its
 * data, so the intact chunks stay readable.
 */
#ifndef REMOTECTL_TRACEDAT_JOURNAL_H
#define REMOTECTL_TRACEDAT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct td_cpu_data {
	int cpu;
	uint32_t chunks;
	uint64_t offset;	/* of the CPU's data in the BUFFER section */
	uint64_t size;		/* stored size */
};

/* One trace buffer (target) of the journal, as its RC_META section describes it. */
struct td_journal_buf {
	char *name;		/* "" = the top level */
	char *clock;
	uint32_t page_size;
	int nr_cpus;		/* CPUs with chunks */
	struct td_cpu_data *cpus;	/* ascending cpu */
	uint64_t sec;		/* its BUFFER section, once laid out */
};

struct td_journal {
	bool compressed;	/* the file's codec: the same for every buffer */
	uint64_t meta_off;	/* the first RC_META section: where the journal starts */
	uint64_t end;		/* end of the last complete chunk */
	uint64_t chunks;
	int nr_buffers;		/* at least 1 */
	int nr_multi;		/* of them described by RC_BUFFER sections (else an RC_META) */
	struct td_journal_buf *bufs;	/* in the order of their sections */
	char late_kallsyms_boot[40];	/* the boot of a capture with kallsyms at the end */
};

/* A file an interrupted record left, being completed by `recover`. */
struct td_recovery {
	int fd;
	uint64_t size;		/* as found */
	uint64_t done_pos;	/* where options 1 hold their DONE value */
	struct td_journal j;	/* j.end: where the last complete chunk ends */
	/*
	 * After td_recovery_finish(): 1 when the capture's kernel symbols were added (it ran in
	 * this boot), -1 when they are missing (another boot), 0 when not needed.
	 */
	int kallsyms;
};

/*
 * Open path read-write, find options 1 and scan the journal, every chunk decompressed.
 * Returns 0 with a journal to complete, 1 when the file is complete already, or -errno with
 * the line to show in err: the system's errno when the file cannot be opened, -EBADMSG when
 * it holds no journal that can be completed. td_recovery_close() in every case.
 */
int td_recovery_open(struct td_recovery *rec, const char *path, char *err, size_t errlen);
/*
 * Drop what follows the last complete chunk and complete the file: td_journal_finish()'s
 * 0, 1 (a warning in err) or -1 (the error in err).
 */
int td_recovery_finish(struct td_recovery *rec, const char *path, char *err, size_t errlen);
/* Free rec and close its file: 0, or -errno of close() (a write-back error). */
int td_recovery_close(struct td_recovery *rec);

#endif
