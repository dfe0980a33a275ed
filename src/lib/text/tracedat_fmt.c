// SPDX-License-Identifier: GPL-2.0
/* Event text for `report` with libtraceevent, laid out like trace-cmd report. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "note.h"
#include "text_internal.h"
#include "tracedat_fmtcheck.h"
#include "util.h"

/*
 * Zeros after a payload copy: libtraceevent follows a record's dynamic-array offsets and
 * lengths (16 bits each) and reads strings up to a NUL without checking them against the
 * record, so a damaged record may send it up to 128 KiB past its start.
 */
#define PAYLOAD_SLACK	(192u << 10)

struct text_dat_fmt {
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	const struct tdr_info *in;
	bool nsecs;
	bool prefix;	/* more than one buffer holds data: name each line's buffer */
	int prefix_width;	/* the longest buffer name */
	struct text_fast *fast;
	uint8_t *payload;	/* the record being printed, then zeros */
	uint32_t payload_max;
	struct text_comms comms;	/* for text_dat_fmt_event_deps() */
};

/* Buffers with data: trace-cmd -B files also hold an empty top-level buffer. */
static int buffers_with_data(const struct tdr_info *in)
{
	int b, i, n = 0;

	for (b = 0; b < in->nr_buffers; b++) {
		for (i = 0; i < in->buffers[b].nr_cpus; i++)
			if (in->buffers[b].cpus[i].size)
				break;
		n += i < in->buffers[b].nr_cpus;
	}
	return n;
}

/*
 * trace-cmd prints seconds.microseconds unless TRACECLOCK names a clock outside its list of
 * nanosecond clocks; then it prints raw counter values.
 */
static bool raw_timestamps(const char *trace_clock)
{
	static const char *const usecs[] = { "local", "global", "uptime", "perf", "mono",
					     "mono_raw", "tai", NULL };
	const char *a = trace_clock ? strchr(trace_clock, '[') : NULL;
	size_t len;
	int i;

	if (!a)
		return false;
	len = strcspn(a + 1, "]");
	for (i = 0; usecs[i]; i++)
		if (strlen(usecs[i]) == len && !strncmp(a + 1, usecs[i], len))
			return false;
	return true;
}

/* The most of a refused format's line a warning quotes. */
#define QUOTE_MAX	96

/* The file's kernel symbols, when the first line that may show one comes. */
static void load_syms(void *ctx)
{
	struct text_dat_fmt *f = ctx;

	if (f->in->kallsyms.data)
		tep_parse_kallsyms(f->tep, f->in->kallsyms.data);
}

struct text_dat_fmt *text_dat_fmt_new(const struct tdr_info *in, td_warn_fn warn, void *ctx)
{
	struct text_dat_fmt *f = xcalloc(1, sizeof(*f));
	const char *why;
	char msg[1024];
	int i;

	f->in = in;
	f->tep = tep_alloc();
	if (!f->tep) {
		free(f);
		return NULL;
	}
	tep_set_long_size(f->tep, in->long_size);
	tep_set_page_size(f->tep, in->page_size);
	tep_set_file_bigendian(f->tep, in->big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(f->tep, tep_is_bigendian() ? TEP_BIG_ENDIAN :
			       TEP_LITTLE_ENDIAN);
	/* The reader's copies are NUL-terminated; libtraceevent gets nothing else. */
	if (in->header_page.data) {
		why = td_header_page_problem(in->header_page.data, in->header_page.len,
					     in->page_size);
		if (why && warn) {
			snprintf(msg, sizeof(msg),
				 "header_page is damaged (%s); using default page layout", why);
			warn(ctx, msg);
		} else if (!why) {
			tep_parse_header_page(f->tep, in->header_page.data, in->header_page.len,
					      in->long_size);
		}
	}
	for (i = 0; i < in->nr_formats; i++) {
		const struct tdr_format *fm = &in->formats[i];

		size_t fields, at;

		why = td_format_problem(fm->text, fm->len, in->page_size, &fields, &at);
		if (why && !fields) {
			if (warn) {
				/* The line at fault, when there is one, as it is. */
				const char *nl = at < fm->len ?
						 memchr(fm->text + at, '\n', fm->len - at) : NULL;
				char *line = at < fm->len ?
					     text_printable(fm->text + at, (nl ? nl : fm->text +
							    fm->len) - (fm->text + at), QUOTE_MAX) :
					     NULL;

				snprintf(msg, sizeof(msg), "skipping event format %d of system %s: "
					 "%s%s%s%s; its events print as unknown", i, fm->system,
					 why, line ? " (\"" : "", line ? line : "",
					 line ? "\")" : "");
				free(line);
				warn(ctx, msg);
			}
			continue;
		}
		if (why) {
			/*
			 * The kernel's own formats include some libtraceevent cannot print
			 * (statement expressions): as trace-cmd, print their fields, quietly.
			 */
			char *head = xasprintf("%.*s", (int)fields, fm->text);

			note_debug("event format %d of system %s: %s; its events print their fields",
				   i, fm->system, why);
			tep_parse_event(f->tep, head, fields, fm->system);
			free(head);
		} else if (tep_parse_event(f->tep, fm->text, fm->len, fm->system)) {
			note_debug("cannot parse a format of system %s", fm->system);
		}
	}
	if (in->printk.data) {
		char *printk = td_printk_lines(in->printk.data, in->printk.len);

		tep_parse_printk_formats(f->tep, printk);
		free(printk);
	}
	if (in->cmdlines.data) {
		char *cmdlines = td_cmdline_lines(in->cmdlines.data, in->cmdlines.len);

		text_comms_register_saved(f->tep, cmdlines);
		free(cmdlines);
	}
	text_comms_first_wins(f->tep);
	f->plugins = tep_load_plugins(f->tep);
	text_user_events_register(f->tep, in->kallsyms.data && in->kallsyms.len);
	f->nsecs = raw_timestamps(in->trace_clock);
	f->prefix = buffers_with_data(in) > 1;
	for (i = 0; i < in->nr_buffers; i++)
		if ((int)strlen(in->buffers[i].name) > f->prefix_width)
			f->prefix_width = strlen(in->buffers[i].name);
	f->payload_max = in->page_size;
	for (i = 0; i < in->nr_buffers; i++)
		if (in->buffers[i].page_size > f->payload_max)
			f->payload_max = in->buffers[i].page_size;
	f->payload = xcalloc(1, (size_t)f->payload_max + PAYLOAD_SLACK);
	if (f->nsecs)
		tep_set_flag(f->tep, TEP_NSEC_OUTPUT);
	f->fast = text_fast_new(f->tep, text_fast_mode_env());
	text_fast_on_syms(f->fast, load_syms, f);
	return f;
}

void text_dat_fmt_free(struct text_dat_fmt *f)
{
	if (!f)
		return;
	text_fast_free(f->fast);
	if (f->plugins)
		tep_unload_plugins(f->plugins, f->tep);
	tep_free(f->tep);
	free(f->payload);
	text_comms_free(&f->comms);
	free(f);
}

/* ev as a record whose payload is our copy, followed by zeros; unload() clears it again. */
static void load(struct text_dat_fmt *f, const struct text_dat_event *ev, struct tep_record *rec)
{
	uint32_t len = ev->size < f->payload_max ? ev->size : f->payload_max;

	memcpy(f->payload, ev->data, len);
	memset(rec, 0, sizeof(*rec));
	rec->ts = ev->ts;
	rec->cpu = ev->cpu;
	rec->size = len;
	rec->data = f->payload;
}

static void unload(struct text_dat_fmt *f, const struct tep_record *rec)
{
	memset(f->payload, 0, rec->size);
}

static int min_size(const struct tep_event *e)
{
	const struct tep_format_field *fl;
	int need = 0;

	for (fl = e->format.common_fields; fl; fl = fl->next)
		if (fl->offset + fl->size > need)
			need = fl->offset + fl->size;
	for (fl = e->format.fields; fl; fl = fl->next)
		if (fl->offset + fl->size > need)
			need = fl->offset + fl->size;
	return need;
}

void text_dat_fmt_tep_line(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec,
			   struct tep_event *e, bool raw_time)
{
	unsigned int start;
	int len;

	tep_print_event(tep, s, rec, "%16s-%-5d [%03d]", TEP_PRINT_COMM, TEP_PRINT_PID,
			TEP_PRINT_CPU);
	/* Raw times follow the CPU without a space, as trace-cmd 3.1.6 prints them. */
	if (raw_time)
		tep_print_event(tep, s, rec, "%12d:", TEP_PRINT_TIME);
	else
		tep_print_event(tep, s, rec, " %6.1000d:", TEP_PRINT_TIME);
	/* trace-cmd pads "name: " so that the details start in one column. */
	len = e ? strlen(e->name) : 6;
	trace_seq_printf(s, " %s: %*s", e ? e->name : "(NULL)", len < 20 ? 20 - len : 0, "");
	start = s->len;
	tep_print_event(tep, s, rec, "%s", TEP_PRINT_INFO);
	/* ... and drops the newline a print event's text ends with. */
	while (s->len > start && s->buffer[s->len - 1] == '\n')
		s->len--;
	trace_seq_putc(s, '\n');
}

int text_dat_fmt_line(struct text_fast *fast, struct tep_handle *tep, struct trace_seq *s,
		      struct tep_record *rec, struct tep_event *e, bool raw_time)
{
	int ret = text_fast_line(fast, tep, s, rec, e, raw_time);

	return ret < 0 ? ret : 0;
}

size_t text_dat_fmt_lost(char *buf, size_t size, int cpu, long long lost)
{
	int n;

	if (lost > 0)
		n = snprintf(buf, size, "CPU:%d [LOST %lld EVENTS]\n", cpu, lost);
	else
		n = snprintf(buf, size, "CPU:%d [LOST EVENTS]\n", cpu);
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* With several buffers, trace-cmd's prefix (text_format_prefix()). */
static void put_prefix(const struct text_dat_fmt *f, struct trace_seq *s, int buffer)
{
	char prefix[80];

	if (!f->prefix)
		return;
	text_format_prefix(prefix, sizeof(prefix), f->in->buffers[buffer].name, f->prefix_width);
	trace_seq_puts(s, prefix);
}

void text_dat_fmt_loss(struct text_dat_fmt *f, struct trace_seq *s, int buffer, int cpu,
		       long long lost)
{
	char line[64];

	text_dat_fmt_lost(line, sizeof(line), cpu, lost);
	put_prefix(f, s, buffer);
	trace_seq_puts(s, line);
}

/*
 * The pids whose comms came from the file (the first registration wins, so theirs stay):
 * those of the saved cmdlines that tep knows before any line registered one.
 */
static void load_saved(struct text_dat_fmt *f)
{
	char *text = NULL;

	if (f->in->cmdlines.data)
		text = td_cmdline_lines(f->in->cmdlines.data, f->in->cmdlines.len);
	text_comms_set_saved(&f->comms, f->tep, text, text_comms_any_register(f->tep));
	free(text);
}

/* ev's line appended to s, or with line: handed on from the fast path's buffer if it made it. */
static int fmt_event(struct text_dat_fmt *f, struct trace_seq *s, const struct text_dat_event *ev,
		     const char **line, size_t *len, struct text_line_deps *d)
{
	unsigned int start = s->len;
	struct tep_record rec;
	struct tep_event *e;
	int size, ret, nr_pids = 0, pids[2];
	bool known[2];

	load(f, ev, &rec);
	size = rec.size;
	e = tep_find_event_by_record(f->tep, &rec);
	/*
	 * libtraceevent sizes trailing arrays as record size - field offset; a record cut short
	 * by damage would make that negative. Its fields lie inside a sub-buffer (checked when
	 * the format was read): the zeros after the copy stand in for the missing bytes.
	 */
	if (e && rec.size < min_size(e))
		rec.size = min_size(e);
	if (d) {
		if (!f->comms.ready)
			load_saved(f);
		nr_pids = text_comms_before(&f->comms, f->tep, &rec, e, d, pids, known);
		if (d->ordered) {
			*len = 0;
			rec.size = size;
			unload(f, &rec);
			return 0;
		}
	}
	if (line && !f->prefix) {
		ret = text_fast_line_ref(f->fast, f->tep, s, &rec, e, f->nsecs, line, len);
	} else {
		put_prefix(f, s, ev->buffer);
		ret = text_dat_fmt_line(f->fast, f->tep, s, &rec, e, f->nsecs);
		if (line) {
			*line = s->buffer + start;
			*len = s->len - start;
		}
	}
	if (d && ret >= 0)
		text_comms_after(f->tep, d, pids, known, nr_pids);
	rec.size = size;
	unload(f, &rec);
	return ret < 0 ? ret : 0;
}

int text_dat_fmt_event(struct text_dat_fmt *f, struct trace_seq *s,
		       const struct text_dat_event *ev)
{
	return fmt_event(f, s, ev, NULL, NULL, NULL);
}

int text_dat_fmt_event_ref(struct text_dat_fmt *f, struct trace_seq *s,
			   const struct text_dat_event *ev, const char **line, size_t *len)
{
	return fmt_event(f, s, ev, line, len, NULL);
}

int text_dat_fmt_event_deps(struct text_dat_fmt *f, struct trace_seq *s,
			    const struct text_dat_event *ev, const char **line, size_t *len,
			    struct text_line_deps *d)
{
	return fmt_event(f, s, ev, line, len, d);
}

const char *text_dat_fmt_comm(struct text_dat_fmt *f, int pid)
{
	return tep_data_comm_from_pid(f->tep, pid);
}

void text_dat_fmt_register_comm(struct text_dat_fmt *f, int pid, const char *comm)
{
	if (!tep_register_comm(f->tep, comm, pid))
		text_fast_comms_changed(f->fast);
}

const char *text_dat_fmt_event_name(struct text_dat_fmt *f, const struct text_dat_event *ev,
				    char *buf,
			      size_t size)
{
	struct tep_record rec;
	struct tep_event *e;

	load(f, ev, &rec);
	e = tep_find_event_by_record(f->tep, &rec);
	unload(f, &rec);
	if (!e)
		return NULL;
	snprintf(buf, size, "%s:%s", e->system, e->name);
	return buf;
}

void text_dat_fmt_counts(const struct text_dat_fmt *f, uint64_t *fast_lines, uint64_t *lines)
{
	text_fast_counts(f->fast, fast_lines, lines);
}

bool text_dat_fmt_raw_time(const struct text_dat_fmt *f)
{
	return f->nsecs;
}
