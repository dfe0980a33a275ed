/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture's internals, for src/lib/capture/ and its unit tests only: the sinks a capture's
 * data goes to, the spool record's text is made from, and stream's output. Other folders and
 * the commands use capture.h (a capture) and own_session.h (a session of its own).
 */
#ifndef REMOTECTL_CAPTURE_INTERNAL_H
#define REMOTECTL_CAPTURE_INTERNAL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cache_behind.h"
#include "capture.h"
#include "source.h"
#include "subbuf_merge.h"

/*
 * One target of the capture: its settings (undone at the end), its transport and its streams,
 * cs[first] to cs[first + nr - 1].
 */
struct part {
	const struct capture_target *ct;
	struct target *t;
	bool remote;		/* the text transport: a remote's trace_pipe lines */
	struct target_undo_log *undo;
	struct target_event_selection *sel;	/* -e */
	enum target_transport transport;
	char fallback[256];	/* why the transport is not the best one */
	unsigned int hdr_size;	/* sub-buffer header size */
	uint64_t buffer_kib;	/* the buffer size during the capture, 0 unknown */
	double buffer_bytes;	/* per-CPU buffer size */
	bool percent_zero;	/* buffer_percent is 0: POLLIN would mean "any data" */
	int first, nr;
};

/*
 * Events of several targets merge by time stamp, which means something only on one clock
 * (capture_clock.c). clock_agree_check(), before anything changes: the clock every target is
 * to stamp with into agreed -- that of a target that cannot change its own (a remote, a
 * backup), else the first target's -- or, after a one-line message, -EINVAL when two fixed
 * clocks differ, a clock is unknown, or a target does not offer it. With one target, its
 * clock (or ""). clock_agree(): the others set to it through their undo logs; 0 or -errno.
 */
int clock_agree_check(struct part *parts, int nr, char *agreed, size_t size);
int clock_agree(struct part *parts, int nr, const char *agreed);

/*
 * Where a capture's data goes: one table of operations, so that the capture loop never asks
 * which output it writes. Four sinks:
 *
 *   stream text   a remote's lines into a merge now, text out as the merge releases it
 *                 (stream and record --format text of a remote)
 *   spool text    each CPU's units into a spool of its own, text made after the capture
 *                 (record --format text on an instance) or following it (stream)
 *   trace.dat     each CPU's units straight into its chunks of the file (capture_dat.c)
 *   remote dat    a remote's lines re-encoded as binary events (remote_dat.c)
 *
 * What every sink shares is here once: creating the output, the text writer and its
 * --max-size cut, and the counters the summary prints. Units and marks come from each CPU's
 * reader thread (one thread per stream index); everything else from the main thread.
 */
struct sink;
struct ring_merge;
struct text_format;
struct remote_line;

enum sink_mark { SINK_CAUGHT_UP = 1, SINK_END };

struct sink_ops {
	const char *name;
	/* The output exists: write its head (trace.dat metadata). 0 or -errno. */
	int (*open)(struct sink *k);
	/*
	 * Optional: read stream idx's next units from src into the sink's own memory (the
	 * trace.dat chunk), counting their events in n; returns as source_next(), u the last.
	 * NULL, or -EAGAIN from it: the caller takes source_next() and passes the unit to unit().
	 */
	int (*take)(struct sink *k, int idx, struct source *src, struct source_unit *u,
		    struct ring_subbuf_counts *n);
	/* A sub-buffer unit of stream idx; its events counted in n. 0 or -errno. */
	int (*unit)(struct sink *k, int idx, const struct source_unit *u,
		    struct ring_subbuf_counts *n);
	/* A remote's line of stream idx at time ts (r parsed from it, len with its '\n'). */
	int (*line)(struct sink *k, int idx, uint64_t ts, const struct remote_line *r,
		    const char *line, size_t len);
	/* A remote's loss of n events on stream idx, known at time ts. */
	void (*lost)(struct sink *k, int idx, uint64_t ts, int64_t n);
	/* Stream idx caught up (as of the stamp seq) or ended. 0 or -errno. */
	int (*mark)(struct sink *k, int idx, enum sink_mark m, uint64_t seq);
	/* Write out what may go out now; everything with drain. 0 or -errno. */
	int (*flush)(struct sink *k, bool drain);
	/* The capture is over and the target restored: complete the output. 0 or -errno. */
	int (*finish)(struct sink *k);
	/* Free everything; after an error, leave what was written recoverable. */
	void (*destroy)(struct sink *k);
};

/* A target's streams in a sink. */
struct sink_part {
	struct target *t;
	bool lines;		/* its events are a remote's text lines, not binary */
	unsigned int hdr_size;	/* sub-buffer header size (0: lines), before sink_open_data() */
	struct text_format *fmt;	/* text of binary events (may be another part's) */
	int fmt_idx;		/* with jobs: fmt's index among the jobs' formatters */
	char prefix[80];	/* text of several targets: the target's name before each line */
	size_t prefix_len;
};

struct sink {
	const struct sink_ops *ops;
	const struct capture_opts *o;
	int nr;			/* streams */
	const int *cpus;	/* each stream's CPU */
	const int *part_of;	/* each stream's target: an index into parts */
	int nr_parts;
	struct sink_part *parts;	/* one per target of the capture, in o->targets' order */
	const char *clock;	/* the clock every target stamps with (before sink_open_data()) */
	/* The output. */
	FILE *out;
	char *out_buf;		/* out's stdio buffer, SINK_OUT_BUF bytes (not stream's) */
	struct direct_file *direct;	/* record's text: out and its buffer (direct_file.h) */
	struct cache_behind out_cache;	/* out's pages let go behind it, when not direct */
	uint64_t cache_at;	/* bytes when out_cache last looked */
	bool to_stdout;
	bool closed;		/* stream: the reader of the output went away (| head) */
	/* Text: the merge of every stream; the parts' formatters. */
	struct ring_merge *merge;
	struct text_jobs *jobs;	/* record's text on jobs threads (format.h), or NULL */
	bool jobs_started;	/* the text goes through them */
	bool seq_stamps;	/* units are stamped (spool): the readers take a stamp first */
	/* Counters for the summary. */
	uint64_t bytes;		/* output bytes */
	uint64_t written;	/* events written */
	uint64_t dropped_max;	/* events not written because of --max-size */
	double format_secs;	/* text made after the capture */
	bool after;		/* the text is made after the capture */
	bool max_reached;	/* atomic: --max-size reached, the capture stops */
	bool cut;		/* the text is cut at --max-size: nothing more is written */
	uint64_t seq;		/* atomic: stamps of spooled records */
	/*
	 * Per stream, atomic: no stamp below this is still to be spooled (UINT64_MAX: none
	 * held); what the text that follows a capture waits for (sink_watermark()).
	 */
	uint64_t *floor;
	uint64_t *lagged;	/* per stream: events not kept, the text being too far behind */
	bool behind;		/* the text that follows the capture has more to do now */
	bool burst;		/* stream: the text that follows waits while its spool has room */
	double burst_secs;	/* how long burst was set */
	void *priv;
};

enum sink_kind { SINK_STREAM, SINK_SPOOL, SINK_DAT };

/*
 * The output's writes, but for stream's live text: fewer system calls than 4 KiB, but not so
 * large that the page cache takes large folios for them, which cost more system time to
 * fill than the calls they save (on a guest, memory given back to the host: bench/RESULTS.md).
 */
#define SINK_OUT_BUF	(16u << 10)
/* Text between two looks of out_cache (cache_behind.h) at the output's offset. */
#define SINK_CACHE_STEP	(1u << 20)

/*
 * Create the output (o->output, or stdout) for a sink of kind over nr streams, stream i
 * reading CPU cpus[i] of target part_of[i] (o->targets). 0, or -errno after a message. Then
 * the kind's open() (sink_open_data()) when the capture is ready for it, the parts' hdr_size
 * set.
 */
int sink_new(enum sink_kind kind, const struct capture_opts *o, int nr, const int *cpus,
	     const int *part_of, struct sink **out);
int sink_open_data(struct sink *k);
/* Stream idx's target. */
static inline struct sink_part *sink_part_of(const struct sink *k, int idx)
{
	return &k->parts[k->part_of[idx]];
}
/* The next capture-wide stamp (from 1). */
uint64_t sink_next_seq(struct sink *k);
/*
 * Stream idx's reader is about to take stamps and spool what they stamp (hold), or has
 * spooled everything it stamped (let go). Around every round of a reader.
 */
void sink_hold(struct sink *k, int idx);
void sink_let_go(struct sink *k, int idx);
/* Every record stamped up to the value returned has been handed to its spool. */
uint64_t sink_watermark(struct sink *k);
/* Whether --max-size was reached. */
bool sink_full(const struct sink *k);
/* The sink's output and counters done: flush, close (stdout stays open). 0 or -errno. */
int sink_close(struct sink *k);
/* Free it (NULL is fine). */
void sink_free(struct sink *k);

/* The text writer the text sinks share: pop the merge, format, cut at --max-size. */
int sink_emit(struct sink *k, bool drain);

/* The kinds' tables. */
extern const struct sink_ops sink_stream_ops, sink_spool_ops, sink_dat_ops;

/*
 * A remote's part of the trace.dat sink (remote_dat.c), streams [first, first + nr): its
 * lines re-encoded into binary events in the remote's buffer of the file. New (0, or -errno
 * after a message; free it either way), the formats the file is to store for it (own: the
 * remote alone, its system read from its directory with the repairs in replace; else its
 * system and remotectl:text as fixed texts, ids shifted), then started on the file's buffer.
 */
struct rdat_part;
struct tdw;
struct tdw_extra_system;
int rdat_part_new(const struct target *t, int first, int nr, struct rdat_part **out);
uint32_t rdat_part_page_size(const struct rdat_part *r);
int rdat_part_max_id(const struct rdat_part *r);
void rdat_part_shift_ids(struct rdat_part *r, int shift);
const struct tdw_extra_system *rdat_part_systems(struct rdat_part *r, bool own);
void rdat_part_start(struct rdat_part *r, struct tdw *w, int buffer, const int *cpus);
void rdat_part_line(struct rdat_part *r, int idx, uint64_t ts, const struct remote_line *rl,
		    const char *line, size_t len);
void rdat_part_lost(struct rdat_part *r, int idx, int64_t n);
bool rdat_part_failed(const struct rdat_part *r);
/* Every CPU's last sub-buffer written; the events stored, and whether formats changed. */
int rdat_part_finish(struct rdat_part *r, uint64_t *events, bool *learnt);
void rdat_part_free(struct rdat_part *r);

/*
 * A spool: what a capture reader saw, in order (sub-buffer units, "caught up" and "ended"
 * marks per stream), kept in an unlinked temporary file and replayed after the capture or,
 * for stream, while it runs. record and stream keep one spool per CPU, written by that CPU's
 * reader thread only and read by one other thread.
 *
 * Why: turning events into text costs far more than taking them (bench/RESULTS.md, "Spool,
 * format later"), so the readers copy the raw sub-buffers while the kernel is writing and the
 * text follows behind -- the same split as trace-cmd's raw per-CPU files. Replaying the
 * marks makes the merge release events exactly as it would have live, so memory stays
 * bounded whatever the length of the capture.
 */
enum spool_kind { SPOOL_UNIT = 1, SPOOL_CAUGHT_UP, SPOOL_END, SPOOL_LOST, SPOOL_LINE };

struct spool;

struct spool_rec {
	enum spool_kind kind;
	int stream;
	struct source_unit unit;	/* SPOOL_UNIT, SPOOL_LINE (buf, len): valid until the next
					 * spool_read() ... */
	bool held;			/* ... or, when set, until the read window moves */
	uint64_t seq;		/* the writer's stamp (0 when none was given) */
	uint64_t ts;		/* SPOOL_LINE: the line's time; SPOOL_LOST: the time of the last
				 * event missing ... */
	uint64_t lost;		/* ... and how many */
};

/* A spool in dir (NULL: $TMPDIR or /tmp). Returns NULL with a message in err. */
struct spool *spool_new(const char *dir, char *err, size_t len);
void spool_free(struct spool *sp);

/* Append; 0 or -errno (a full disk). */
int spool_unit(struct spool *sp, int stream, const struct source_unit *u);
int spool_mark(struct spool *sp, enum spool_kind kind, int stream);
/*
 * The same with a stamp kept in the record: per-CPU spools written by one thread each carry
 * a capture-wide sequence so that the replay can interleave them and keep the merge exact.
 */
int spool_unit_seq(struct spool *sp, int stream, const struct source_unit *u, uint64_t seq);
int spool_mark_seq(struct spool *sp, enum spool_kind kind, int stream, uint64_t seq);
/* Events the writer did not keep (the text was too far behind), from time ts on. */
int spool_lost_seq(struct spool *sp, int stream, uint64_t ts, uint64_t lost, uint64_t seq);
/* A remote's text line of len bytes (its '\n' included) at time ts. */
int spool_line_seq(struct spool *sp, int stream, uint64_t ts, const char *line, size_t len,
		   uint64_t seq);

/* Bytes appended so far, and of them not read yet (any thread). */
uint64_t spool_bytes(const struct spool *sp);
uint64_t spool_unread(const struct spool *sp);
/* Bytes in the file, readable (the reader's thread; asks the appender to hurry). */
uint64_t spool_written(struct spool *sp);

/*
 * Read the next record: 1, 0 when there is none (yet, while the spool is still written), or
 * -errno. A spool can be read while it is written (stream): records appear once the
 * appender has put them in the file. spool_close_writing() ends the writing (everything
 * appended is then readable); spool_rewind() does so and starts over at the first record.
 */
int spool_read(struct spool *sp, struct spool_rec *rec);
int spool_close_writing(struct spool *sp);
int spool_rewind(struct spool *sp);
/* Give the disk space of the records read back to the file system, where it can. */
void spool_release(struct spool *sp);
/*
 * fn(ctx) is called before the window records are read through moves: the data of a held
 * record (spool_rec.held) stays where spool_read() said until then.
 */
void spool_on_move(struct spool *sp, void (*fn)(void *ctx), void *ctx);

/*
 * stream's output on stdout: when its reader goes away (`remotectl stream | head`), the
 * capture ends as a clean stop, as cat would end, instead of running on until a signal.
 * The capture loop (capture.c) and the text sink (sink.c) use it.
 */
/* Flush what was written; a reader gone (EPIPE) sets *closed. 0, or -errno on another error. */
int live_output_flush(FILE *out, bool *closed);

/* A poll() entry that wakes when the output's reader is gone (a pipe polls POLLERR). */
struct pollfd live_output_pollfd(FILE *out);

/* After poll(): sets *closed when that entry says so. */
void live_output_check(const struct pollfd *p, bool *closed);

#endif
