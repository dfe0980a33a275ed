// SPDX-License-Identifier: GPL-2.0
/* Event text for `report` with libtraceevent, laid out like trace-cmd report. */
#include <inttypes.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_fmt.h"
#include "util.h"

/*
 * Zeros after a payload copy: libtraceevent follows a record's dynamic-array offsets and
 * lengths (16 bits each) and reads strings up to a NUL without checking them against the
 * record, so a damaged record may send it up to 128 KiB past its start.
 */
#define PAYLOAD_SLACK	(192u << 10)

struct td_fmt {
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	const struct tdr_info *in;
	bool nsecs;
	bool prefix;	/* more than one buffer holds data: name each line's buffer */
	int prefix_width;	/* the longest buffer name */
	uint8_t *payload;	/* the record being printed, then zeros */
	uint32_t payload_max;
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

/*
 * libtraceevent's format parser trusts its input: a NUL inside the text, a flipped byte in a
 * helper's arguments or a field outside the record can make it dereference NULL or read past
 * a record. A file is untrusted, so a format reaches libtraceevent only when it has the shape
 * the kernel prints:
 *
 *	name: NAME
 *	ID: N
 *	format:
 *	\tfield:DECL;\toffset:N;\tsize:N;[\tsigned:N;]	(blank lines allowed between)
 *	print fmt: "...", ARGS	(to the end; strings may hold newlines)
 *
 * all of it printable ASCII, bounded in length, fields inside a sub-buffer, the print format's
 * strings closed, its brackets balanced, every REC->NAME naming one of its own fields,
 * every divisor a non-zero constant and no index followed by a member or another index.
 */
#define TD_FORMAT_MAX	(64 * 1024)
#define TD_FIELDS_MAX	256

struct fline {
	const char *p, *end;
};

static bool next_line(const char **p, const char *end, struct fline *l)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', end - *p);
	l->p = *p;
	l->end = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	return true;
}

static bool is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "KEY:N;" at *p with N decimal and at most 9 digits; advances past the ';'. */
static bool key_num(const char **p, const char *end, const char *key, unsigned long *v)
{
	size_t kl = strlen(key);
	int digits = 0;

	if ((size_t)(end - *p) < kl || memcmp(*p, key, kl))
		return false;
	*p += kl;
	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9' && digits < 9) {
		*v = *v * 10 + (unsigned long)(**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || *p >= end || **p != ';')
		return false;
	(*p)++;
	return true;
}

static int count_char(const char *p, const char *end, char c)
{
	int n = 0;

	for (; p < end; p++)
		n += *p == c;
	return n;
}

/* A field line; *name and *nlen get the field's name (the last identifier before '[' or ';'). */
static const char *check_field(const struct fline *l, uint32_t page_size, const char **name,
			       size_t *nlen)
{
	const char *p = l->p + 7, *decl_end, *n;
	unsigned long off, size, sgn;

	if (l->end - l->p < 8 || memcmp(l->p, "\tfield:", 7))
		return "a field line is damaged";
	decl_end = memchr(p, ';', l->end - p);
	if (!decl_end || decl_end == p || decl_end - p > 256)
		return "a field declaration is damaged";
	for (n = p; n < decl_end; n++)
		if (!is_ident(*n) && !strchr(" *[]", *n))
			return "a field declaration has odd characters";
	/*
	 * Brackets as the kernel prints them: "TYPE NAME[N]" or "TYPE[] NAME" (__data_loc),
	 * N decimal or empty. libtraceevent 1.7.1 leaks the text of other bracket sequences
	 * ("c[ar buf[]") when it gives up on them.
	 */
	if (count_char(p, decl_end, '[') != count_char(p, decl_end, ']'))
		return "a field declaration's brackets are damaged";
	for (n = memchr(p, '[', decl_end - p); n; n = memchr(n, '[', decl_end - n)) {
		for (n++; n < decl_end && *n >= '0' && *n <= '9'; n++)
			;
		if (n == decl_end || *n != ']')
			return "a field declaration's brackets are damaged";
		if (++n == decl_end)
			break;
		if (*n != ' ' || n[-2] != '[')
			return "a field declaration's brackets are damaged";
		for (n++; n < decl_end && is_ident(*n); n++)
			;
		if (n != decl_end)
			return "a field declaration's brackets are damaged";
	}
	/* The name: skip a trailing "[N]", then take the identifier before it. */
	n = decl_end;
	if (n[-1] == ']') {
		n = memrchr(p, '[', decl_end - p);
		if (!n)
			return "a field declaration is damaged";
	}
	*nlen = 0;
	while (n > p && is_ident(n[-1])) {
		n--;
		(*nlen)++;
	}
	*name = n;
	if (!*nlen)
		return "a field has no name";
	/* ... after a type: libtraceevent 1.7.1 leaks a lone word ("field:x;"). */
	while (n > p && !is_ident(n[-1]))
		n--;
	if (n == p)
		return "a field has no type";
	p = decl_end + 1;
	if (!key_num(&p, l->end, "\toffset:", &off) || !key_num(&p, l->end, "\tsize:", &size))
		return "a field's offset or size is damaged";
	if (p < l->end && !key_num(&p, l->end, "\tsigned:", &sgn))
		return "a field's sign is damaged";
	if (p != l->end)
		return "a field line has trailing text";
	if (off > page_size || size > page_size || off + size > page_size)
		return "a field lies outside the sub-buffer";
	return NULL;
}

static bool known_field(const char *const *names, const size_t *lens, int n, const char *id,
			size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (lens[i] == len && !memcmp(names[i], id, len))
			return true;
	return false;
}

/*
 * The constant at p into *v as libtraceevent reads it (strtoull(s, NULL, 0): "0851" is octal
 * 0); why it is unfit, or NULL. Above 2^63 - 1 (no kernel prints one) libtraceevent 1.7.1
 * raised SIGFPE while folding constants, and it folds "77H7" or "0851" as numbers too.
 */
static const char *read_const(const char *p, const char *end, unsigned long long *v)
{
	unsigned int base = 10, d;

	*v = 0;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p < end && *p == '0') {
		base = 8;
	}
	for (; p < end && isxdigit((unsigned char)*p); p++) {
		d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a') + 10;
		if (d >= base)
			break;
		if (*v > (0x7fffffffffffffffull - d) / base)
			return "the print format has a constant above 2^63 - 1";
		*v = *v * base + d;
	}
	while (p < end && *p && strchr("uUlL", *p))
		p++;
	if (p < end && is_ident(*p))
		return "the print format has a malformed number";
	return NULL;
}

/* What follows a '/' or '%': sizeof(...) or a non-zero constant, as in the kernel's formats. */
static bool sane_divisor(const char *p, const char *end)
{
	unsigned long long v;

	while (p < end && *p == ' ')
		p++;
	if (end - p > 6 && !memcmp(p, "sizeof", 6) && !is_ident(p[6]))
		return true;
	return !read_const(p, end, &v) && v != 0;
}

/*
 * What follows an index "x[N]": libtraceevent 1.7.1 dereferences NULL on "x[1]->y", "x[1].y",
 * "x[1][2]", "x[1];", "x[1] }" and "x[1]=y". No kernel's format has any of these; an empty
 * index may be assigned ("static const char *s[] = { ... }" in kvmmmu's formats).
 */
static bool after_index_ok(const char *p, const char *end, bool empty)
{
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return true;
	if (*p == '.' || *p == '[' || *p == ';' || *p == '}')
		return false;
	if (*p == '=' && !(end - p >= 2 && p[1] == '=') && !empty)
		return false;
	return !(end - p >= 2 && p[0] == '-' && p[1] == '>');
}

/* The arguments after "print fmt: ": strings closed, brackets balanced, REC-> fields known. */
static const char *check_print_fmt(const char *p, const char *end, const char *const *names,
				   const size_t *lens, int n)
{
	const char *start = p;
	unsigned long long v;
	char stack[64];
	int depth = 0;

	if (p >= end || *p != '"')
		return "the print format does not start with a string";
	while (p < end) {
		char c = *p;

		if (!is_ident(c) && c != ' ' && c != '\t' && c != '\n' &&
		    !strchr("\"'!%&()*+,-./:;<=>?[]^{|}~", c))
			/* "1 ? \"\" : \"\"$" makes libtraceevent 1.7.1 dereference NULL. */
			return "the print format has a character no expression has";
		if (c == '"' || c == '\'') {
			for (p++; p < end && *p != c; p++)
				if (*p == '\\' && ++p >= end)
					break;
			if (p >= end)
				return "the print format has an unclosed string";
			p++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			if (depth == (int)sizeof(stack))
				return "the print format nests too deep";
			stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
		} else if (c == ')' || c == ']' || c == '}') {
			if (!depth || stack[--depth] != c)
				return "the print format's brackets do not match";
			if (c == ']' && !after_index_ok(p + 1, end, p > start && p[-1] == '['))
				return "the print format has a damaged index";
		} else if (c >= '0' && c <= '9' && (p == start || !is_ident(p[-1]))) {
			const char *why = read_const(p, end, &v);

			if (why)
				return why;
		} else if (c == '/' || c == '%') {
			/* libtraceevent folds constants while parsing: x / 0 is SIGFPE. */
			if (!sane_divisor(p + 1, end))
				return "the print format divides by something not a constant";
		} else if (c == 'R' && end - p > 5 && !memcmp(p, "REC->", 5) &&
			   (p == start || !is_ident(p[-1]))) {
			const char *id = p + 5;

			for (p = id; p < end && is_ident(*p); p++)
				;
			if (!known_field(names, lens, n, id, p - id))
				return "the print format names an unknown field";
			continue;
		}
		p++;
	}
	return depth ? "the print format's brackets do not match" : NULL;
}

const char *td_format_problem(const char *text, size_t len, uint32_t page_size)
{
	const char *names[TD_FIELDS_MAX];
	size_t lens[TD_FIELDS_MAX];
	const char *p = text, *end = text + len, *why, *q;
	struct fline l;
	unsigned long id;
	int nf = 0;
	size_t i;

	if (!len || len > TD_FORMAT_MAX)
		return "its size is not plausible";
	for (i = 0; i < len; i++)
		if ((text[i] < 0x20 || text[i] > 0x7e) && text[i] != '\t' && text[i] != '\n')
			return "it is not text";
	if (!next_line(&p, end, &l) || l.end - l.p < 7 || memcmp(l.p, "name: ", 6))
		return "no name: line";
	for (q = l.p + 6; q < l.end; q++)
		if (!is_ident(*q) && *q != '.' && *q != '-')
			return "the event name has odd characters";
	if (!next_line(&p, end, &l))
		return "no ID: line";
	q = l.p;
	if (l.end - l.p < 5 || memcmp(l.p, "ID: ", 4))
		return "no ID: line";
	q += 4;
	for (id = 0; q < l.end && *q >= '0' && *q <= '9' && id <= 0xffff; q++)
		id = id * 10 + (unsigned long)(*q - '0');
	if (q != l.end || q == l.p + 4 || id > 0xffff)
		return "the ID is damaged";
	if (!next_line(&p, end, &l) || l.end - l.p != 7 || memcmp(l.p, "format:", 7))
		return "no format: line";
	while (next_line(&p, end, &l)) {
		if (l.p == l.end)
			continue;
		if (l.end - l.p >= 10 && !memcmp(l.p, "print fmt:", 10)) {
			q = l.p + 10;
			if (q < l.end && *q == ' ')
				q++;
			if (!nf)
				return "no fields";
			/* Its strings may hold newlines: it runs to the end of the text. */
			return check_print_fmt(q, end, names, lens, nf);
		}
		if (nf == TD_FIELDS_MAX)
			return "too many fields";
		why = check_field(&l, page_size, &names[nf], &lens[nf]);
		if (why)
			return why;
		nf++;
	}
	return "no print fmt: line";
}

/* header_page: field lines only (no name, ID or print format). */
static const char *header_page_problem(const char *text, size_t len, uint32_t page_size)
{
	const char *p = text, *end = text + len, *name, *why;
	struct fline l;
	size_t i, nlen;
	int nf = 0;

	if (!len || len > 4096)
		return "its size is not plausible";
	for (i = 0; i < len; i++)
		if ((text[i] < 0x20 || text[i] > 0x7e) && text[i] != '\t' && text[i] != '\n')
			return "it is not text";
	while (next_line(&p, end, &l)) {
		if (l.p == l.end)
			continue;
		why = check_field(&l, page_size, &name, &nlen);
		if (why)
			return why;
		nf++;
	}
	return nf ? NULL : "no fields";
}

/*
 * printk formats: libtraceevent 1.7.1 splits each line at its first ':', skips one more byte
 * and strips a quote and a trailing "\n" by looking two bytes back, so a line without ':' or
 * with fewer than two characters between the quotes makes it read outside the string. The
 * kernel prints `0xADDR : "FORMAT"`; lines of that shape with a format of two characters or
 * more are kept (a shorter one only loses the text of a trace_printk() that used it).
 */
static bool printk_line_ok(const char *p, const char *end)
{
	const char *h = p;

	if (end - p < 2 || memcmp(p, "0x", 2))
		return false;
	for (p += 2; p < end && isxdigit((unsigned char)*p); p++)
		;
	if (p - h < 3 || p - h > 18 || end - p < 7 || memcmp(p, " : \"", 4) || end[-1] != '"')
		return false;
	for (h = p + 4; h < end - 1; h++)
		if ((*h < 0x20 || *h > 0x7e) && *h != '\t')
			return false;
	return true;
}

/*
 * saved_cmdlines: the kernel prints "PID COMM". libtraceevent 1.7.1 leaks the name of a line
 * whose pid overflows a long; pids are kept to what an int holds, names to printable text.
 */
static bool cmdline_ok(const char *p, const char *end)
{
	unsigned long long pid = 0;
	const char *d = p;

	for (; p < end && *p >= '0' && *p <= '9' && p - d < 10; p++)
		pid = pid * 10 + (unsigned long long)(*p - '0');
	if (p == d || pid > 0x7fffffff || end - p < 2 || *p != ' ')
		return false;
	for (p++; p < end; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* The lines of text that ok() accepts, NUL-terminated (malloc'd). */
static char *keep_lines(const char *text, size_t len, bool (*ok)(const char *, const char *))
{
	const char *p = text, *end = text + len;
	char *out = xmalloc(len + 2), *o = out;	/* a newline may be added to the last line */
	struct fline l;

	while (next_line(&p, end, &l)) {
		if (!ok(l.p, l.end))
			continue;
		memcpy(o, l.p, l.end - l.p);
		o += l.end - l.p;
		*o++ = '\n';
	}
	*o = 0;
	return out;
}

struct td_fmt *td_fmt_new(const struct tdr_info *in, td_warn_fn warn, void *ctx)
{
	struct td_fmt *f = xcalloc(1, sizeof(*f));
	const char *why;
	char msg[512];
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
		why = header_page_problem(in->header_page.data, in->header_page.len,
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

		why = td_format_problem(fm->text, fm->len, in->page_size);
		if (why) {
			if (warn) {
				snprintf(msg, sizeof(msg), "skipping event format %d of system %s: "
					 "%s; its events print as unknown", i, fm->system, why);
				warn(ctx, msg);
			}
			continue;
		}
		if (tep_parse_event(f->tep, fm->text, fm->len, fm->system))
			debug_msg("cannot parse a format of system %s", fm->system);
	}
	if (in->kallsyms.data)
		tep_parse_kallsyms(f->tep, in->kallsyms.data);
	if (in->printk.data) {
		char *printk = keep_lines(in->printk.data, in->printk.len, printk_line_ok);

		tep_parse_printk_formats(f->tep, printk);
		free(printk);
	}
	if (in->cmdlines.data) {
		char *cmdlines = keep_lines(in->cmdlines.data, in->cmdlines.len, cmdline_ok);

		tep_parse_saved_cmdlines(f->tep, cmdlines);
		free(cmdlines);
	}
	f->plugins = tep_load_plugins(f->tep);
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
	return f;
}

void td_fmt_free(struct td_fmt *f)
{
	if (!f)
		return;
	if (f->plugins)
		tep_unload_plugins(f->plugins, f->tep);
	tep_free(f->tep);
	free(f->payload);
	free(f);
}

/* ev as a record whose payload is our copy, followed by zeros; unload() clears it again. */
static void load(struct td_fmt *f, const struct td_event *ev, struct tep_record *rec)
{
	uint32_t len = ev->size < f->payload_max ? ev->size : f->payload_max;

	memcpy(f->payload, ev->data, len);
	memset(rec, 0, sizeof(*rec));
	rec->ts = ev->ts;
	rec->cpu = ev->cpu;
	rec->size = len;
	rec->data = f->payload;
}

static void unload(struct td_fmt *f, const struct tep_record *rec)
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

void td_fmt_line(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec,
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

size_t td_fmt_lost(char *buf, size_t size, int cpu, long long lost)
{
	int n;

	if (lost > 0)
		n = snprintf(buf, size, "CPU:%d [LOST %lld EVENTS]\n", cpu, lost);
	else
		n = snprintf(buf, size, "CPU:%d [LOST EVENTS]\n", cpu);
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/*
 * With several buffers, trace-cmd's prefix: the buffer's name right-aligned to the longest
 * name and ": ", or as many spaces for the top level's lines.
 */
static void put_prefix(const struct td_fmt *f, struct trace_seq *s, int buffer)
{
	const char *name = f->in->buffers[buffer].name;

	if (f->prefix)
		trace_seq_printf(s, "%*s%s", f->prefix_width, name, name[0] ? ": " : "  ");
}

void td_fmt_loss(struct td_fmt *f, struct trace_seq *s, int buffer, int cpu, long long lost)
{
	char line[64];

	td_fmt_lost(line, sizeof(line), cpu, lost);
	put_prefix(f, s, buffer);
	trace_seq_puts(s, line);
}

void td_fmt_event(struct td_fmt *f, struct trace_seq *s, const struct td_event *ev)
{
	struct tep_record rec;
	struct tep_event *e;
	int size;

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
	put_prefix(f, s, ev->buffer);
	td_fmt_line(f->tep, s, &rec, e, f->nsecs);
	rec.size = size;
	unload(f, &rec);
}

const char *td_fmt_event_name(struct td_fmt *f, const struct td_event *ev, char *buf,
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

bool td_fmt_raw_time(const struct td_fmt *f)
{
	return f->nsecs;
}
