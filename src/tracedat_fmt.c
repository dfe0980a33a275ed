// SPDX-License-Identifier: GPL-2.0
/* Event text for `report` with libtraceevent, laid out like trace-cmd report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_fmt.h"
#include "util.h"

struct td_fmt {
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	const struct tdr_info *in;
	bool nsecs;
};

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

/*
 * libtraceevent trusts a format's field offsets and sizes; a damaged file could make it read
 * far outside a record. Every field must lie inside a sub-buffer.
 */
static bool sane_format(const struct tdr_format *fm, uint32_t page_size)
{
	const char *p = fm->text, *end = fm->text + fm->len;

	/* Field lines: "\tfield:TYPE NAME;\toffset:N;\tsize:N;..."; stop at "print fmt:". */
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *o, *z;
		unsigned long off, size;

		if (!nl)
			nl = end;
		if (nl - p > 11 && !strncmp(p, "print fmt:", 10))
			break;
		o = memmem(p, nl - p, "offset:", 7);
		z = o ? memmem(o, nl - o, "size:", 5) : NULL;
		if (memmem(p, nl - p, "field:", 6) && o) {
			if (!z)
				return false;
			off = strtoul(o + 7, NULL, 10);
			size = strtoul(z + 5, NULL, 10);
			if (off > page_size || size > page_size || off + size > page_size)
				return false;
		}
		p = nl + 1;
	}
	return true;
}

struct td_fmt *td_fmt_new(const struct tdr_info *in)
{
	struct td_fmt *f = xcalloc(1, sizeof(*f));
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
	if (in->header_page.data)
		tep_parse_header_page(f->tep, in->header_page.data, in->header_page.len,
				      in->long_size);
	for (i = 0; i < in->nr_formats; i++) {
		if (!sane_format(&in->formats[i], in->page_size)) {
			warn_msg("skipping a damaged event format of system %s",
				 in->formats[i].system);
			continue;
		}
		if (tep_parse_event(f->tep, in->formats[i].text, in->formats[i].len,
				    in->formats[i].system))
			debug_msg("cannot parse a format of system %s", in->formats[i].system);
	}
	if (in->kallsyms.data)
		tep_parse_kallsyms(f->tep, in->kallsyms.data);
	if (in->printk.data)
		tep_parse_printk_formats(f->tep, in->printk.data);
	if (in->cmdlines.data)
		tep_parse_saved_cmdlines(f->tep, in->cmdlines.data);
	f->plugins = tep_load_plugins(f->tep);
	f->nsecs = raw_timestamps(in->trace_clock);
	if (f->nsecs)
		tep_set_flag(f->tep, TEP_NSEC_OUTPUT);
	return f;
}

void td_fmt_free(struct td_fmt *f)
{
	if (!f)
		return;
	if (f->plugins)
		tep_unload_plugins(f->plugins, f->tep);
	tep_free(f->tep);
	free(f);
}

static void to_record(const struct td_event *ev, struct tep_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->ts = ev->ts;
	rec->cpu = ev->cpu;
	rec->size = ev->size;
	rec->data = ev->data;
	rec->missed_events = ev->missed;
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

void td_fmt_event(struct td_fmt *f, struct trace_seq *s, const struct td_event *ev)
{
	const char *name = f->in->buffers[ev->buffer].name;
	struct tep_record rec;
	struct tep_event *e;
	unsigned int start;
	int len;

	to_record(ev, &rec);
	e = tep_find_event_by_record(f->tep, &rec);
	/*
	 * libtraceevent sizes trailing arrays as record size - field offset; a record cut short
	 * by damage would make that negative. The reader's slack keeps the extra bytes in bounds.
	 */
	if (e && rec.size < min_size(e))
		rec.size = min_size(e);
	/* trace-cmd puts the buffer name before a drop notice, not before the event after it. */
	if (name[0])
		trace_seq_printf(s, "%s: ", name);
	if (ev->missed > 0)
		trace_seq_printf(s, "CPU:%d [%lld EVENTS DROPPED]\n", ev->cpu, ev->missed);
	else if (ev->missed < 0)
		trace_seq_printf(s, "CPU:%d [EVENTS DROPPED]\n", ev->cpu);
	tep_print_event(f->tep, s, &rec, "%16s-%-5d [%03d]", TEP_PRINT_COMM, TEP_PRINT_PID,
			TEP_PRINT_CPU);
	/* Raw times follow the CPU without a space, as trace-cmd 3.1.6 prints them. */
	if (f->nsecs)
		tep_print_event(f->tep, s, &rec, "%12d:", TEP_PRINT_TIME);
	else
		tep_print_event(f->tep, s, &rec, " %6.1000d:", TEP_PRINT_TIME);
	/* trace-cmd pads "name: " so that the details start in one column. */
	len = e ? strlen(e->name) : 6;
	trace_seq_printf(s, " %s: %*s", e ? e->name : "(NULL)", len < 20 ? 20 - len : 0, "");
	start = s->len;
	tep_print_event(f->tep, s, &rec, "%s", TEP_PRINT_INFO);
	/* ... and drops the newline a print event's text ends with. */
	while (s->len > start && s->buffer[s->len - 1] == '\n')
		s->len--;
	trace_seq_putc(s, '\n');
}

const char *td_fmt_event_name(struct td_fmt *f, const struct td_event *ev, char *buf,
			      size_t size)
{
	struct tep_record rec;
	struct tep_event *e;

	to_record(ev, &rec);
	e = tep_find_event_by_record(f->tep, &rec);
	if (!e)
		return NULL;
	snprintf(buf, size, "%s:%s", e->system, e->name);
	return buf;
}

bool td_fmt_raw_time(const struct td_fmt *f)
{
	return f->nsecs;
}
