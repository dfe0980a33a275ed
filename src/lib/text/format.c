// SPDX-License-Identifier: GPL-2.0
/* Text output of events with libtraceevent, from the target's own format files. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>

#include "events.h"
#include "monotonic.h"
#include "format.h"
#include "note.h"
#include "tracedat_fmtcheck.h"
#include "text_internal.h"
#include "util.h"

#define PIDS_KEPT	4

struct text_format {
	struct tep_handle *tep;
	const struct target *t;
	struct target_event_list events;	/* id -> system/name, for lazy parsing */
	bool events_loaded;
	bool idless_parsed;
	bool likely_parsed;		/* parse_likely() was called */
	/*
	 * Per event id: the event once found, or that its format was looked for in vain; and
	 * where common_pid is. libtraceevent's lookups by id and of the pid (tep_find_event(),
	 * tep_data_pid()) for every line were ~8 % of a getpid text record.
	 */
	struct id_slot {
		struct tep_event *ev;
		bool tried;
	} *ids;
	int nr_ids;
	int pid_off, pid_size;		/* pid_size 0: not known (yet) */
	bool ns_clock;			/* print seconds.microseconds */
	struct trace_seq seq;
	struct tep_plugin_list *plugins;
	struct text_fast *fast;
	double cmdlines_read;		/* when saved_cmdlines was last read */
	bool cmdlines_reread;		/* read again since text_format_new() */
	char *cmdlines;			/* the text last read */
	struct text_comms comms;	/* a twin's, for text_format_event_deps() */
	bool kallsyms;			/* the kernel has /proc/kallsyms (user_events.c) */
	/*
	 * check_pid()'s memory, a few pids of each kind: the writers of a load on every CPU
	 * take turns line by line, and one pid of each made every line look again.
	 */
	int known_pid[PIDS_KEPT];	/* pids with a comm (never unregistered), or 0 */
	int unknown_pid[PIDS_KEPT];	/* pids found without one ... */
	unsigned int unknown_lines[PIDS_KEPT];	/* ... and their lines since then */
	unsigned int next_known, next_unknown;	/* the slots to reuse next */
};


static int field_value(const char *line, const char *key, unsigned int *val)
{
	const char *p = strstr(line, key);

	if (!p)
		return -EINVAL;
	*val = strtoul(p + strlen(key), NULL, 10);
	return 0;
}

int text_header_page_sizes(const char *text, unsigned int *hdr_size, unsigned int *subbuf_size)
{
	const char *line = strstr(text, " data;");
	unsigned int off, size;
	const char *eol;
	char buf[256];

	if (!line)
		return -EINVAL;
	eol = strchr(line, '\n');
	snprintf(buf, sizeof(buf), "%.*s", eol ? (int)(eol - line) : (int)strlen(line), line);
	if (field_value(buf, "offset:", &off) || field_value(buf, "size:", &size))
		return -EINVAL;
	if ((off != 12 && off != 16) || size < 64 || size > (1U << 24))
		return -EINVAL;
	*hdr_size = off;
	*subbuf_size = off + size;
	return 0;
}

static bool clock_in_ns(const struct target *t)
{
	static const char *const ns_clocks[] = { "local", "global", "perf", "mono", "mono_raw",
						 "boot", "tai" };
	char clock[64];
	size_t i;

	if (target_clock(t, clock, sizeof(clock)))
		return true;
	for (i = 0; i < sizeof(ns_clocks) / sizeof(ns_clocks[0]); i++)
		if (!strcmp(clock, ns_clocks[i]))
			return true;
	return false;
}

/*
 * libtraceevent parses formats with a tokenizer whose state is global: formatters on several
 * threads (format_jobs.c) parse one format at a time.
 */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

static char *read_cmdlines(void)
{
	char *path = xasprintf("%s/saved_cmdlines", target_tracefs_root());
	size_t len;
	char *buf = read_whole_file(path, 0, 65536, &len);

	free(path);
	return buf;
}

/* Process names the kernel saved (tracefs root, shared by all instances), or text's. */
static void load_cmdlines(struct text_format *f, const char *text)
{
	char *buf = text ? xstrdup(text) : read_cmdlines();

	text_comms_register_saved(f->tep, buf);
	text_comms_first_wins(f->tep);
	text_fast_comms_changed(f->fast);
	free(f->cmdlines);
	f->cmdlines = buf;
	f->cmdlines_read = monotonic_s();
}

/* Comms (cmdlines' or read now) and printk formats from the tracefs root; both optional. */
static void load_extras(struct text_format *f, const char *cmdlines)
{
	char *path, *buf;
	size_t len;

	load_cmdlines(f, cmdlines);
	path = xasprintf("%s/printk_formats", target_tracefs_root());
	buf = read_whole_file(path, 0, 65536, &len);
	if (buf)
		tep_parse_printk_formats(f->tep, buf);
	free(buf);
	free(path);
	/* Whether the kernel has symbols, which user events print differently (user_events.c). */
	f->kallsyms = access("/proc/kallsyms", R_OK) == 0;
}

/* Kernel symbols, optional, when the first line that may show one comes (text_fast_on_syms()). */
static void load_syms(void *ctx)
{
	struct text_format *f = ctx;
	size_t len;
	/* kallsyms is MiBs: one read */
	char *buf = read_whole_file("/proc/kallsyms", 0, 8 << 20, &len);

	if (buf)
		tep_parse_kallsyms(f->tep, buf);
	free(buf);
}

static bool is_user_event(const struct target_event_info *e)
{
	return !strcmp(e->system, "user_events");
}

static bool parsed(struct text_format *f, const struct target_event_info *e)
{
	return tep_find_event_by_name(f->tep, e->system, e->name) != NULL;
}

/* Was e, a user event, parsed already (parse_user_formats())? */
static bool user_event_parsed(struct text_format *f, const struct target_event_info *e)
{
	return is_user_event(e) && parsed(f, e);
}

/* Parse one event's format file from the target; a failure leaves the event unknown. */
static void parse_format(struct text_format *f, const struct target_event_info *e)
{
	char *rel = xasprintf("events/%s/%s/format", e->system, e->name);
	char *path = target_path(f->t, rel);
	size_t n, fields;
	char *buf = read_whole_file(path, 0, 65536, &n);

	/*
	 * The kernel's own formats, but libtraceevent cannot print all of them: some it gives up
	 * on, and those that divide by a field (6.1's devfreq events) raise SIGFPE when the field
	 * is 0. As report does, such an event prints its fields (tracedat_fmtcheck.h).
	 */
	if (buf && td_format_problem(buf, n, UINT32_MAX, &fields, NULL) && fields) {
		note_debug("%s: its print fmt is not used", path);
		buf[fields] = '\0';
		n = fields;
	}
	pthread_mutex_lock(&parse_lock);
	if (buf && tep_parse_event(f->tep, buf, n, e->system))
		note_debug("cannot parse %s", path);
	else if (buf && is_user_event(e))
		/* By name: a kernel without CONFIG_PERF_EVENTS has no id files. */
		text_user_event_register(f->tep, tep_find_event_by_name(f->tep, e->system,
									 e->name), f->kallsyms);
	pthread_mutex_unlock(&parse_lock);
	free(buf);
	free(path);
	free(rel);
}

static void load_events(struct text_format *f)
{
	if (f->events_loaded)
		return;
	if (target_events_load(f->t, &f->events))
		f->events.nr = 0;
	f->events_loaded = true;
}

/*
 * The user events' formats, now: the kernel deletes a user event once nothing holds it, and
 * the capture's own enable was the last hold once its program is gone, so their format files
 * go away with the restore, before record's text is written.
 */
static void parse_user_formats(struct text_format *f)
{
	char *dir = target_path(f->t, "events/user_events");
	bool any = access(dir, F_OK) == 0;
	int i;

	free(dir);
	if (!any)
		return;
	load_events(f);
	for (i = 0; i < f->events.nr; i++)
		if (is_user_event(&f->events.ev[i]) && !user_event_parsed(f, &f->events.ev[i]))
			parse_format(f, &f->events.ev[i]);
}

/* Every event's format, now (format files may not outlive the capture). */
static void parse_all_formats(struct text_format *f)
{
	int i;

	load_events(f);
	for (i = 0; i < f->events.nr; i++)
		parse_format(f, &f->events.ev[i]);
	f->idless_parsed = true;
}

static struct text_format *format_new(const struct target *t, const char *cmdlines, char *err,
				      size_t len)
{
	struct text_format *f = xcalloc(1, sizeof(*f));
	char *path, *buf;
	size_t n;

	f->t = t;
	f->tep = tep_alloc();
	if (!f->tep) {
		snprintf(err, len, "out of memory");
		free(f);
		return NULL;
	}
	tep_set_long_size(f->tep, sizeof(long));
	tep_set_page_size(f->tep, getpagesize());
	path = target_path(t, "events/header_page");
	buf = read_whole_file(path, 0, 65536, &n);
	free(path);
	if (buf) {
		tep_parse_header_page(f->tep, buf, n, sizeof(long));
		free(buf);
	}
	f->ns_clock = clock_in_ns(t);
	if (!f->ns_clock)
		tep_set_flag(f->tep, TEP_NSEC_OUTPUT);
	load_extras(f, cmdlines);
	/*
	 * A drained backup instance is removed by the kernel, its format files with it, before
	 * the text is written: parse every format now.
	 */
	if (t->read_only)
		parse_all_formats(f);
	else
		parse_user_formats(f);
	/* The same print helpers trace-cmd report uses (sched_switch, hrtimer, ...). */
	f->plugins = tep_load_plugins(f->tep);
	f->fast = text_fast_new(f->tep, text_fast_mode_env());
	text_fast_on_syms(f->fast, load_syms, f);
	trace_seq_init(&f->seq);
	return f;
}

struct text_format *text_format_new(const struct target *t, char *err, size_t len)
{
	return format_new(t, NULL, err, len);
}

struct text_format *text_format_twin(const struct text_format *f, char *err, size_t len)
{
	struct text_format *twin = format_new(f->t, f->cmdlines, err, len);

	/* Saved: the pids of the text both started from (their first registration wins). */
	if (twin)
		text_comms_set_saved(&twin->comms, twin->tep, twin->cmdlines, true);
	return twin;
}

void text_format_free(struct text_format *f)
{
	if (!f)
		return;
	trace_seq_destroy(&f->seq);
	text_fast_free(f->fast);
	if (f->plugins)
		tep_unload_plugins(f->plugins, f->tep);
	tep_free(f->tep);
	free(f->cmdlines);
	text_comms_free(&f->comms);
	if (f->events_loaded)
		target_events_free(&f->events);
	free(f->ids);
	free(f);
}

/*
 * The formats of the events a capture most likely meets (target_events_likely()), before
 * finding an id among all of the target's events: that reads an id and an enable file of
 * each (2,307 events on 6.18 here), ~15 % of a small-event text record's CPU.
 */
static void parse_likely(struct text_format *f)
{
	struct target_event_list l;

	f->likely_parsed = true;
	if (target_events_likely(f->t, &l))
		return;
	for (int i = 0; i < l.nr; i++)
		if (!parsed(f, &l.ev[i]))
			parse_format(f, &l.ev[i]);
	target_events_free(&l);
}

/* Event id's slot (0 <= id <= 65535), the table grown to hold it. */
static struct id_slot *id_slot(struct text_format *f, int id)
{
	if (id >= f->nr_ids) {
		int n = id + 256;

		f->ids = xrealloc(f->ids, n * sizeof(*f->ids));
		memset(f->ids + f->nr_ids, 0, (n - f->nr_ids) * sizeof(*f->ids));
		f->nr_ids = n;
	}
	return &f->ids[id];
}

/* Parse the format of event id the first time it is met. */
static struct tep_event *look_up_event(struct text_format *f, int id)
{
	struct tep_event *ev = tep_find_event(f->tep, id);
	struct id_slot *slot;
	int i;

	if (ev || id < 0 || id > 65535)
		return ev;
	slot = id_slot(f, id);
	if (slot->tried)
		return NULL;
	slot->tried = true;
	if (!f->likely_parsed) {
		parse_likely(f);
		ev = tep_find_event(f->tep, id);
		if (ev)
			return ev;
	}
	load_events(f);
	for (i = 0; i < f->events.nr; i++) {
		if (f->events.ev[i].id == id) {
			parse_format(f, &f->events.ev[i]);
			return tep_find_event(f->tep, id);
		}
	}
	/* Events with a format but no id file (ftrace:raw_data...): parse them all, once. */
	if (!f->idless_parsed) {
		f->idless_parsed = true;
		for (i = 0; i < f->events.nr; i++)
			if (f->events.ev[i].id < 0 && !parsed(f, &f->events.ev[i]))
				parse_format(f, &f->events.ev[i]);
	}
	return tep_find_event(f->tep, id);
}

/* The event of id, from the table or looked up (and then kept: tep never drops one). */
static struct tep_event *find_event(struct text_format *f, uint16_t id)
{
	struct tep_event *ev;

	if (id < f->nr_ids && f->ids[id].ev)
		return f->ids[id].ev;
	ev = look_up_event(f, id);
	if (ev)
		id_slot(f, id)->ev = ev;
	return ev;
}

/*
 * Before a line of a known event by pid: a process started since the saved names were read
 * gets them read again, once a second at most, but at once the first time: record formats
 * after the capture, and a short capture's programs (a test's writer) would otherwise all
 * print as <...>. A pid without a comm (a raw marker writer's, often) is looked up again
 * only every 1024 of its lines: a binary search and a clock read per line otherwise.
 */
static void check_pid(struct text_format *f, int pid)
{
	int i, u;

	if (pid <= 0)
		return;
	for (i = 0; i < PIDS_KEPT; i++)
		if (f->known_pid[i] == pid)
			return;
	for (u = 0; u < PIDS_KEPT && f->unknown_pid[u] != pid; u++)
		;
	if (u < PIDS_KEPT && ++f->unknown_lines[u] % 1024)
		return;
	if (tep_is_pid_registered(f->tep, pid)) {
		if (u < PIDS_KEPT)
			f->unknown_pid[u] = 0;
		f->known_pid[f->next_known++ % PIDS_KEPT] = pid;
		return;
	}
	if (u == PIDS_KEPT) {
		u = f->next_unknown++ % PIDS_KEPT;
		f->unknown_pid[u] = pid;
	}
	f->unknown_lines[u] = 0;
	if (!f->cmdlines_reread || monotonic_s() - f->cmdlines_read > 1.0) {
		load_cmdlines(f, NULL);
		f->cmdlines_reread = true;
	}
}

/* The record's common_pid, read where ev's format puts it. */
static int event_pid(struct text_format *f, struct tep_event *ev, struct tep_record *rec)
{
	struct tep_format_field *fl;
	int32_t pid;

	if (!f->pid_size) {
		fl = tep_find_common_field(ev, "common_pid");
		/* Another byte order than ours (never for a live target) goes the long way. */
		if (!fl || fl->size != 4 || tep_is_file_bigendian(f->tep) !=
		    tep_is_local_bigendian(f->tep)) {
			f->pid_size = -1;
		} else {
			f->pid_off = fl->offset;
			f->pid_size = 4;
		}
	}
	if (f->pid_size < 0 || rec->size < f->pid_off + 4)
		return tep_data_pid(f->tep, rec);
	memcpy(&pid, (const char *)rec->data + f->pid_off, 4);
	return pid;
}

/*
 * ev's line, and with d what it depends on (line_deps.c); NULL after an error message.
 * check: the line's pid goes through check_pid() first (not for a line format_jobs.c
 * makes again after doing that).
 */
static const char *format_event(struct text_format *f, int cpu, uint64_t ts, const void *data,
				uint32_t len, size_t *line_len, struct text_line_deps *d,
				bool check)
{
	struct tep_record rec = { 0 };
	struct trace_seq *seq = &f->seq;
	struct tep_event *ev;
	const char *line;
	uint16_t id = 0;
	int pids[2], nr_pids = 0;
	bool known[2];

	if (len >= 2)
		memcpy(&id, data, 2);
	ev = find_event(f, id);
	rec.ts = ts;
	rec.cpu = cpu;
	rec.size = len;
	rec.record_size = len;
	rec.data = (void *)data;
	/* Reset only when used: the fast path's lines are made in a buffer of its own. */
	if (seq->len || seq->readpos)
		trace_seq_reset(seq);
	if (ev && check)
		check_pid(f, event_pid(f, ev, &rec));
	if (d) {
		nr_pids = text_comms_before(&f->comms, f->tep, &rec, ev, d, pids, known);
		d->checked_pid = ev ? d->pid : 0;
		if (d->ordered) {
			text_fast_make_in(f->fast, NULL, 0);
			*line_len = 0;
			return "";
		}
	}
	/*
	 * The same line as `remotectl report` (and trace-cmd report) prints, known or not; the
	 * fast path's line is handed on from its own buffer, not copied into seq.
	 */
	if (text_fast_line_ref(f->fast, f->tep, seq, &rec, ev, !f->ns_clock, &line, line_len) < 0)
		return NULL;
	if (d)
		text_comms_after(f->tep, d, pids, known, nr_pids);
	return line;
}

const char *text_format_event(struct text_format *f, int cpu, uint64_t ts, const void *data,
			 uint32_t len, size_t *line_len)
{
	return format_event(f, cpu, ts, data, len, line_len, NULL, true);
}

void text_format_make_in(struct text_format *f, char *room, size_t size)
{
	text_fast_make_in(f->fast, room, size);
}

const char *text_format_event_checked(struct text_format *f, int cpu, uint64_t ts,
				      const void *data, uint32_t len, size_t *line_len)
{
	return format_event(f, cpu, ts, data, len, line_len, NULL, false);
}

void text_format_check_pid(struct text_format *f, int pid)
{
	check_pid(f, pid);
}

const char *text_format_event_deps(struct text_format *f, int cpu, uint64_t ts, const void *data,
				   uint32_t len, size_t *line_len, struct text_line_deps *d)
{
	return format_event(f, cpu, ts, data, len, line_len, d, true);
}

void text_format_counts(const struct text_format *f, uint64_t *fast_lines, uint64_t *lines)
{
	text_fast_counts(f->fast, fast_lines, lines);
}

const char *text_format_comm(struct text_format *f, int pid)
{
	return tep_data_comm_from_pid(f->tep, pid);
}

void text_format_register_comm(struct text_format *f, int pid, const char *comm)
{
	if (!tep_register_comm(f->tep, comm, pid))
		text_fast_comms_changed(f->fast);
}

size_t text_format_lost(char *buf, size_t size, int cpu, int64_t lost)
{
	return text_dat_fmt_lost(buf, size, cpu, lost);
}

size_t text_format_prefix(char *buf, size_t size, const char *name, int width)
{
	int n = snprintf(buf, size, "%*s%s", width, name, name[0] ? ": " : "  ");

	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}
