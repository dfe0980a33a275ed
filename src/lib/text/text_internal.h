/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text's internals, for src/lib/text/ and its unit tests and fuzzers only: the lines
 * `record --format text` (format.c) and `report` (tracedat_fmt.c) share. Other folders and
 * the commands use format.h, tracedat_fmt.h and tracedat_text.h.
 */
#ifndef REMOTECTL_TEXT_INTERNAL_H
#define REMOTECTL_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "format.h"
#include "merge.h"
#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_text.h"

struct text_fast;

/*
 * The lines both `record --format text` and `report` print. Loss: the kernel's own trace_pipe
 * form "CPU:N [LOST n EVENTS]" ("CPU:N [LOST EVENTS]" when lost <= 0, count unknown), where
 * trace-cmd prints "CPU:N [n EVENTS DROPPED]". An event without a format prints as
 * text_dat_fmt_line() prints it with e == NULL: libtraceevent's "[UNKNOWN EVENT]" line, as in
 * trace-cmd report.
 */
size_t text_dat_fmt_lost(char *buf, size_t size, int cpu, long long lost);
/*
 * The layout both `report` and `record --format text` print, trace-cmd report's:
 *   "            bash-1234  [001]   685.208295: sched_switch:         prev_comm=..."
 * rec's event is e (NULL if unknown); raw_time prints clock counts instead of seconds (tep
 * must then have TEP_NSEC_OUTPUT set). Appends the line with its newline to s, made by fast
 * (when not NULL, see below) or by libtraceevent. Returns 0, or -EPROTO when fast checks
 * itself and its line differs (said with note_error(); s holds libtraceevent's line).
 */
int text_dat_fmt_line(struct text_fast *fast, struct tep_handle *tep, struct trace_seq *s,
		      struct tep_record *rec, struct tep_event *e, bool raw_time);
/* That line from libtraceevent alone. */
void text_dat_fmt_tep_line(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec,
			   struct tep_event *e, bool raw_time);

/*
 * The fast path (fast_print.c): each event's print format compiled once into steps that write
 * the same line as libtraceevent without its printf machinery; sched_switch, sched_wakeup and
 * the hrtimer events as libtraceevent's plugins print them. Events it cannot print exactly
 * (another plugin's, a print format it does not know, a failed parse) and records that would
 * lead outside the record go to libtraceevent, whole lines at a time.
 * REMOTECTL_FASTFMT=off: libtraceevent only; =check: both, compared (text_fast_mode_env()).
 */
enum text_fast_mode { TEXT_FAST_OFF, TEXT_FAST_ON, TEXT_FAST_CHECK };

enum text_fast_mode text_fast_mode_env(void);
/* Lines of tep's events; tep must outlive it, its byte order set before (read once here). */
struct text_fast *text_fast_new(struct tep_handle *tep, enum text_fast_mode mode);
void text_fast_free(struct text_fast *fast);
/*
 * text_dat_fmt_line() with the fast path (fast may be NULL: libtraceevent's line): 1 when the
 * fast path made the line (in check mode: and libtraceevent's is the same), 0 when
 * libtraceevent made it, -EPROTO as above.
 */
int text_fast_line(struct text_fast *fast, struct tep_handle *tep, struct trace_seq *s,
		   struct tep_record *rec, struct tep_event *e, bool raw_time);
/*
 * user_events (user_events.c): every event of the user_events system prints its fields as the
 * kernel's trace file does, not by its print fmt (which the kernel does not use for them).
 * text_user_event_register(): e's handler, when e is one; text_user_events_register(): every
 * such event of tep. kallsyms: the kernel has them (/proc/kallsyms, a trace.dat's KALLSYMS),
 * which changes how it prints fields of a long's size. text_user_event_body(): the text after
 * "name: " for a record of size bytes. text_user_event_handled(): does e print so?
 */
bool text_is_user_event(const struct tep_event *e);
void text_user_event_register(struct tep_handle *tep, struct tep_event *e, bool kallsyms);
void text_user_events_register(struct tep_handle *tep, bool kallsyms);
bool text_user_event_handled(const struct tep_event *e);
void text_user_event_body(struct trace_seq *s, struct tep_event *e, const void *record,
			  int size);
/*
 * text_fast_line() without copying the fast path's line into s: *line and *len give the line
 * (the fast path's own buffer, or libtraceevent's line appended to s), valid until the next
 * call or until s changes.
 */
int text_fast_line_ref(struct text_fast *fast, struct tep_handle *tep, struct trace_seq *s,
		       struct tep_record *rec, struct tep_event *e, bool raw_time,
		       const char **line, size_t *len);
/*
 * The next line text_fast_line_ref() makes (that one only) is made in room, size bytes, when
 * the fast path makes it (not in check mode) and it fits: *line is then room. A line that
 * does not fit goes on in the fast path's own buffer; room may then hold part of it.
 */
void text_fast_make_in(struct text_fast *fast, char *room, size_t size);
/*
 * text_dat_fmt_event() without copying the fast path's line into s: the line (a buffer
 * name's prefix included) in *line and *len, valid until the next call or until s changes.
 */
int text_dat_fmt_event_ref(struct text_dat_fmt *f, struct trace_seq *s,
			   const struct text_dat_event *ev, const char **line, size_t *len);
/*
 * Kernel symbols are parsed (MiBs of kallsyms through sscanf()) only for a text that shows
 * them: load(ctx) gives them to tep, called once before the first line that may need them
 * (a symbol in the fast path, any line libtraceevent prints).
 */
void text_fast_on_syms(struct text_fast *fast, void (*load)(void *ctx), void *ctx);
/* Comms were registered with tep outside the fast path (saved_cmdlines read again). */
void text_fast_comms_changed(struct text_fast *fast);
/*
 * The first max of n bytes as a message may quote them (malloc'd): bytes outside printable
 * ASCII, backslashes and double quotes as \xNN, "..." when cut. Lines and formats come from
 * files and kernels that are not trusted.
 */
char *text_printable(const char *p, size_t n, size_t max);
/* Lines made so far: by the fast path, and in all. */
void text_fast_counts(const struct text_fast *fast, uint64_t *fast_lines, uint64_t *lines);
/*
 * Lines made on several threads (tracedat_text_jobs.c), each thread with a formatter of its
 * own: what a line depends on beyond its record, and what it changes. A comm shown for a pid
 * of the file's saved cmdlines never changes (the first registration of a pid wins); any
 * other is whatever the sched_switch plugin registered on earlier lines of the whole merge.
 * text_line_kind(): FREE lines depend on their record and comms only; SWITCH and WAKEUP
 * lines register comms; ORDERED lines come from a plugin that may keep state, and only the
 * merge's own thread makes them, in order.
 */
enum text_line_kind { TEXT_LINE_FREE, TEXT_LINE_SWITCH, TEXT_LINE_WAKEUP, TEXT_LINE_ORDERED };

enum text_line_kind text_line_kind(const struct tep_event *e);
/* May e's lines register comms (SWITCH, WAKEUP, a plugin not known to leave them)? */
bool text_line_may_register(const struct tep_event *e);

#define TEXT_COMM_MAX	64

struct text_line_deps {
	bool ordered;		/* not made: the merge's thread makes it */
	bool dyn;		/* comm is what the line showed for pid, not a saved one */
	int pid;		/* the record's */
	int checked_pid;	/* format.c: the pid its comm policy saw (0: none) */
	char comm[TEXT_COMM_MAX];
	int nr_regs;		/* comms the line registered that this formatter lacked */
	int reg_pid[2];
	char reg_comm[2][TEXT_COMM_MAX];
};

/*
 * The comms side of those lines (line_deps.c), for each formatter that makes them: the pids
 * whose comms came with the data (saved cmdlines registered before any line, sorted), event
 * kinds by id, and whether any event's line may register a comm (without such lines a pid
 * shows the same comm on every thread).
 */
struct text_comms {
	int *saved;
	size_t nr_saved;
	bool ready;		/* text_comms_set_saved() was called */
	bool registers;
	uint8_t *kinds;		/* text_line_kind() + 1, 0 not yet known */
};

/* Does any event tep knows print lines that may register comms? */
bool text_comms_any_register(struct tep_handle *tep);
/*
 * Make the first comm registered for a pid the one it keeps, from now on. libtraceevent keeps
 * the comms registered before its first look-up in a list that takes a pid twice; that look-up
 * sorts the list into an array and then finds either comm of such a pid (which one depends on
 * how many others there are), so a formatter that registered a pid's comm twice before looking
 * one up (the jobs' main thread, or lines of the idle task) showed the second. After it, a
 * second registration of a pid fails. Called once the saved cmdlines are in.
 */
void text_comms_first_wins(struct tep_handle *tep);
/* The comms of saved cmdlines ("pid comm" lines), as tep_parse_saved_cmdlines() reads them. */
void text_comms_register_saved(struct tep_handle *tep, const char *cmdlines);
/* The saved pids: those of cmdlines that tep has a comm for. */
void text_comms_set_saved(struct text_comms *c, struct tep_handle *tep, const char *cmdlines,
			  bool registers);
void text_comms_free(struct text_comms *c);
/*
 * Before rec's line (e its event, NULL if unknown): d's comm part, and the pids (at most 2)
 * the sched_switch plugin may register, with whether tep knew them. Returns their number.
 */
int text_comms_before(struct text_comms *c, struct tep_handle *tep, struct tep_record *rec,
		      struct tep_event *e, struct text_line_deps *d, int *pids, bool *known);
/* After the line: the comms it registered for pids tep did not know, into d. */
void text_comms_after(struct tep_handle *tep, struct text_line_deps *d, const int *pids,
		      const bool *known, int n);

/* text_dat_fmt_event_ref() that also fills d (*len is 0 when d->ordered). */
int text_dat_fmt_event_deps(struct text_dat_fmt *f, struct trace_seq *s,
			    const struct text_dat_event *ev, const char **line, size_t *len,
			    struct text_line_deps *d);
/* pid's comm as f's next line would show it. */
const char *text_dat_fmt_comm(struct text_dat_fmt *f, int pid);
/* A comm registered as the sched_switch plugin registers it (a known pid keeps its own). */
void text_dat_fmt_register_comm(struct text_dat_fmt *f, int pid, const char *comm);

/*
 * record's and stream's formatter (format.c) on several threads (format_jobs.c). A twin
 * reads the same formats and starts from the same comms as f; the pids of the saved cmdlines
 * both started from are its saved ones. Every formatter reads saved_cmdlines again as it
 * meets pids it has no comm for; the lines of f's thread must follow that rule in their
 * order: text_format_check_pid() applies it for a line a twin made (d->checked_pid),
 * text_format_event_checked() makes a line again after that. text_format_event_deps():
 * text_format_event() that also fills d; with d->ordered no line, the merge's thread makes
 * it.
 */
struct text_format *text_format_twin(const struct text_format *f, char *err, size_t len);
const char *text_format_event_deps(struct text_format *f, int cpu, uint64_t ts, const void *data,
				   uint32_t len, size_t *line_len, struct text_line_deps *d);
void text_format_check_pid(struct text_format *f, int pid);
const char *text_format_event_checked(struct text_format *f, int cpu, uint64_t ts,
				      const void *data, uint32_t len, size_t *line_len);
const char *text_format_comm(struct text_format *f, int pid);
void text_format_register_comm(struct text_format *f, int pid, const char *comm);
void text_format_counts(const struct text_format *f, uint64_t *fast_lines, uint64_t *lines);

/* Does the text show raw clock values (true) or seconds.microseconds? */
bool text_dat_fmt_raw_time(const struct text_dat_fmt *f);
/* How many of f's lines the fast path made, and how many in all. */
void text_dat_fmt_counts(const struct text_dat_fmt *f, uint64_t *fast_lines, uint64_t *lines);
/* "system:event" of ev, or NULL when unknown. */
const char *text_dat_fmt_event_name(struct text_dat_fmt *f, const struct text_dat_event *ev,
				    char *buf,
			      size_t size);

/* report's state (tracedat_text.c), shared with its threads (tracedat_text_jobs.c). */
struct text_report {
	struct text_report_filter f;
	struct tdr *r;
	struct text_dat_fmt *fmt;
	struct td_src **src;	/* one stream of the merge per buffer and CPU */
	int *buffer;		/* each stream's buffer */
	int *job_of;		/* with jobs: each stream's job */
	struct ring_merge *merge;
	int nr;
	bool raw;		/* the file prints raw clock values */
	uint64_t *shown;	/* per stream, events passing the filters */
	td_warn_fn warn;	/* damage worked around */
	void *warn_ctx;
};

/* Inside the --from/--to window, compared as printed. */
bool text_report_in_window(const struct text_report *t, uint64_t ts);
/* ev passes the window and the event globs (fmt names its event). */
bool text_report_wanted(struct text_report *t, struct text_dat_fmt *fmt,
			const struct text_dat_event *ev);
/*
 * The lines of text_report_write() made by jobs threads, each formatting whole CPUs with a
 * formatter of its own, merged here as finished lines: the same bytes in the same order.
 * Returns as text_report_write() does, before the statistics and the final flush.
 */
int text_report_write_jobs(struct text_report *t, FILE *out, int jobs);

#endif
