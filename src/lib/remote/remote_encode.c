// SPDX-License-Identifier: GPL-2.0
/* Re-encoding remote text lines into binary events; see remote_encode.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "byteorder.h"
#include "remote_internal.h"
#include "tracedat_fmtcheck.h"
#include "util.h"

#define TEXT_SYSTEM "remotectl"
#define TEXT_EVENT "text"
#define TEXT_HDR 8		/* common_type, padding, __data_loc word */
#define FORMAT_MAX 65536
#define SYMBOLS_MAX 64		/* names one learnt table may hold */
#define SYMBOL_LEN_MAX 63

/*
 * Kernel functions that turn a number into a name, as the kernel defines them: the table
 * stored in place of the call numbers the names as the kernel does, so that the field holds
 * the kernel's value. Linux 7.2's enum hyp_enter_exit_reason (arch/arm64/include/asm/
 * kvm_hypevents.h); earlier versions had no "sys", which the lines cannot show.
 */
static const struct known_table {
	const char *func;
	const char *source;
	const char *const names[16];
} known_tables[] = {
	{ "__hyp_enter_exit_reason_str", "Linux 7.2's enum hyp_enter_exit_reason",
	  { "smc", "hvc", "sys", "psci", "host_abort", "guest_exit", "eret_host", "eret_guest",
	    "unknown" } },
};

struct symbol {
	unsigned long long value;
	char *name;
	bool seen;		/* in a line of this capture */
	bool learnt;		/* not from a known table */
};

/* One event of the remote: its format as read, and what it is stored as. */
struct revent {
	char *name;
	int id;
	char *orig;		/* the format file's text */
	char *text;		/* the text stored and parsed: orig, or its repair */
	enum remote_event_how how;
	char *why;		/* for -v: what is wrong with orig */
	/* REMOTE_SYMBOLS: orig's print fmt with arg `sym_arg` replaced by a symbol table. */
	char *head;		/* orig up to "print fmt: " included */
	char *fmt;		/* the quoted format string, quotes included */
	char **args;		/* the print args as written */
	int nr_args, sym_arg;
	char *fmt_plain;	/* the format string as libtraceevent read it */
	char *func, *field;
	const struct known_table *known;
	struct symbol *syms;
	int nr_syms;
	unsigned long long next_learnt;	/* the value the next learnt name gets */
	uint64_t exact, as_text;
};

struct remote_encoder {
	struct tep_handle *tep;
	char *system;
	int text_id;
	char *text_format;
	struct revent *ev;
	int nr_ev;
	bool learnt;		/* a table got a name since the encoder was made */
	int id_shift;		/* added to every id the payloads and stored formats carry */
	struct remote_encode_stats stats;
};

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A new tep with this encoder's byte order and word size. */
static struct tep_handle *new_tep(void)
{
	struct tep_handle *tep = tep_alloc();

	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	return tep;
}

/*
 * A remote's format files come from firmware or a hypervisor: the shapes libtraceevent
 * crashes or leaks on are refused first, by the check report applies to a file's formats
 * (an event's payload fits in REMOTE_PAYLOAD_MAX bytes).
 */
static bool parsable(const char *text)
{
	return !td_format_problem(text, strlen(text), REMOTE_PAYLOAD_MAX, NULL, NULL);
}

/*
 * Parse a format text alone. libtraceevent returns success for print formats it cannot use
 * (a function it does not know, a malformed string) and only flags the event FAILED: those
 * are no good here. Returns the scratch tep holding the event (the caller frees it), or NULL.
 */
static struct tep_handle *parse_alone(const char *text, const char *system, struct tep_event **ev)
{
	struct tep_handle *tep;

	*ev = NULL;
	if (!parsable(text))
		return NULL;
	tep = new_tep();
	if (tep_parse_format(tep, ev, text, strlen(text), system) || !*ev ||
	    ((*ev)->flags & TEP_EVENT_FL_FAILED) || !(*ev)->print_fmt.format) {
		tep_free(tep);
		*ev = NULL;
		return NULL;
	}
	return tep;
}

static bool usable(const char *text, const char *system)
{
	struct tep_event *ev;
	struct tep_handle *tep = parse_alone(text, system, &ev);

	if (tep)
		tep_free(tep);
	return tep != NULL;
}

/* The print fmt line of a format text: its start (after "print fmt: ") and length. */
static const char *print_fmt_of(const char *text, size_t *len)
{
	const char *p = strstr(text, "\nprint fmt: "), *nl;

	if (!p)
		return NULL;
	p += strlen("\nprint fmt: ");
	nl = strchr(p, '\n');
	*len = nl ? (size_t)(nl - p) : strlen(p);
	return p;
}

/* The end of the C string literal at p (just past its closing quote), or NULL. */
static const char *string_end(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/*
 * 7.2's kvm_hypevents.h applies the format macro twice, so the whole print fmt arrives as
 * one more string: ""id=%llu", REC->id", (quote, the real print fmt, quote, comma, nothing).
 * The repair is the inner text; NULL when pf is not of that shape.
 */
static char *unquote_twice(const char *pf, size_t len)
{
	while (len && pf[len - 1] == ' ')
		len--;
	if (len < 5 || pf[0] != '"' || pf[1] != '"' || pf[len - 1] != ',' || pf[len - 2] != '"')
		return NULL;
	/* Not a well-formed print fmt whose string is empty: "", args */
	if (pf[2] == ',' || pf[2] == '\0')
		return NULL;
	return xstrndup(pf + 1, len - 3);
}

static char *replace_print_fmt(const char *text, const char *pf_start, size_t pf_len,
			       const char *pf)
{
	const char *rest = pf_start + pf_len;

	return xasprintf("%.*s%s%s", (int)(pf_start - text), text, pf, rest);
}

/* Split "a, f(b, c), d" at its top-level commas; the pieces are trimmed copies. */
static int split_args(const char *p, const char *end, char ***out)
{
	char **v = NULL;
	int nr = 0, depth = 0;
	const char *start = p;

	for (;; p++) {
		if (p < end && *p == '"') {
			const char *q = string_end(p, end);

			if (!q)
				break;
			p = q - 1;
			continue;
		}
		if (p < end && strchr("([{", *p))
			depth++;
		else if (p < end && strchr(")]}", *p))
			depth--;
		if (p == end || (*p == ',' && !depth)) {
			const char *a = start, *b = p;

			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			v = xrealloc(v, (nr + 1) * sizeof(*v));
			v[nr++] = xstrndup(a, b - a);
			if (p == end)
				break;
			start = p + 1;
		}
	}
	*out = v;
	return nr;
}

static void free_args(char **v, int nr)
{
	while (nr-- > 0)
		free(v[nr]);
	free(v);
}

/* "func(REC->field)": the function's and the field's names (copies), or false. */
static bool call_of_field(const char *arg, char **func, char **field)
{
	const char *p = arg, *f;

	while (is_ident_char(*p))
		p++;
	if (p == arg || isdigit((unsigned char)*arg) || strncmp(p, "(REC->", 6))
		return false;
	f = p + 6;
	p = f;
	while (is_ident_char(*p))
		p++;
	if (p == f || strcmp(p, ")"))
		return false;
	*func = xstrndup(arg, strchr(arg, '(') - arg);
	*field = xstrndup(f, p - f);
	return true;
}

/* Append to a malloc'd string. */
static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **s, const char *fmt, ...)
{
	char *more, *all;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&more, fmt, ap) < 0)
		more = NULL;
	va_end(ap);
	if (!more)
		abort();
	all = xasprintf("%s%s", *s, more);
	free(more);
	free(*s);
	*s = all;
}

/* The text of ev's format with its symbol table in place of the call. */
static char *symbols_text(const struct revent *ev)
{
	char *s = xasprintf("%s%s", ev->head, ev->fmt);

	for (int i = 0; i < ev->nr_args; i++) {
		if (i != ev->sym_arg) {
			append(&s, ", %s", ev->args[i]);
			continue;
		}
		append(&s, ", __print_symbolic(REC->%s", ev->field);
		for (int k = 0; k < ev->nr_syms; k++)
			append(&s, ", { %llu, \"%s\" }", ev->syms[k].value, ev->syms[k].name);
		append(&s, ")");
	}
	append(&s, "\n");
	return s;
}

static void add_symbol(struct revent *ev, unsigned long long value, const char *name,
		       bool learnt)
{
	ev->syms = xrealloc(ev->syms, (ev->nr_syms + 1) * sizeof(*ev->syms));
	ev->syms[ev->nr_syms++] = (struct symbol){ value, xstrdup(name), false, learnt };
}

static bool has_value(const struct revent *ev, unsigned long long v)
{
	for (int k = 0; k < ev->nr_syms; k++)
		if (ev->syms[k].value == v)
			return true;
	return false;
}

/* The conversion of the n-th argument of fmt (as libtraceevent read it); 0 for '*' widths. */
static char conversion_type(const char *fmt, int n)
{
	for (const char *p = fmt; (p = strchr(p, '%')); ) {
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		p++;
		p += strspn(p, "-+ #0123456789.hlLzjt");
		if (*p == '*' || !*p)
			return 0;
		if (!n--)
			return *p;
	}
	return 0;
}

/*
 * A print fmt that calls a function libtraceevent does not know, on one integer field, for a
 * %s: stored with a __print_symbolic() table of the names the function gives, from
 * known_tables where the kernel's numbering is known, learnt from the lines otherwise.
 */
static bool try_symbols(struct revent *ev, const char *text, const char *system)
{
	struct tep_handle *tep = new_tep();
	const struct tep_format_field *field;
	struct tep_event *tev = NULL;
	const char *pf, *fend;
	size_t pf_len;
	bool ok = false;

	pf = print_fmt_of(text, &pf_len);
	fend = pf ? string_end(pf, pf + pf_len) : NULL;
	if (!fend || !parsable(text) ||
	    tep_parse_format(tep, &tev, text, strlen(text), system) || !tev ||
	    !tev->print_fmt.format)
		goto out;
	ev->head = xstrndup(text, pf - text);
	ev->fmt = xstrndup(pf, fend - pf);
	while (fend < pf + pf_len && *fend == ' ')
		fend++;
	if (fend < pf + pf_len && *fend++ != ',')
		goto out;
	ev->nr_args = fend < pf + pf_len ? split_args(fend, pf + pf_len, &ev->args) : 0;
	for (int i = 0; i < ev->nr_args; i++) {
		char *func, *fname;

		if (!call_of_field(ev->args[i], &func, &fname))
			continue;
		field = tep_find_field(tev, fname);
		if (conversion_type(tev->print_fmt.format, i) != 's' || !field ||
		    (field->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_STRING |
				     TEP_FIELD_IS_DYNAMIC | TEP_FIELD_IS_POINTER)) ||
		    (field->size != 1 && field->size != 2 && field->size != 4 &&
		     field->size != 8)) {
			free(func);
			free(fname);
			continue;
		}
		ev->sym_arg = i;
		ev->func = func;
		ev->field = fname;
		ev->fmt_plain = xstrdup(tev->print_fmt.format);
		ev->next_learnt = (1ULL << (field->size * 8 - 1)) - 1;
		break;
	}
	if (!ev->func)
		goto out;
	for (size_t k = 0; k < sizeof(known_tables) / sizeof(known_tables[0]); k++) {
		if (strcmp(known_tables[k].func, ev->func))
			continue;
		ev->known = &known_tables[k];
		for (int n = 0; ev->known->names[n]; n++)
			add_symbol(ev, n, ev->known->names[n], false);
	}
	ev->how = REMOTE_SYMBOLS;
	/* An empty table does not parse: the first name learnt makes one. */
	if (ev->nr_syms) {
		char *s = symbols_text(ev);

		if (!usable(s, system)) {
			free(s);
			ev->how = REMOTE_TEXT;
			goto out;
		}
		free(ev->text);
		ev->text = s;
	}
	ok = true;
out:
	tep_free(tep);
	return ok;
}

/* How ev's format is stored, and why. */
static void classify(struct revent *ev, const char *system)
{
	const char *pf;
	size_t pf_len;
	char *inner = NULL, *repaired = NULL;
	const char *problem;

	ev->text = xstrdup(ev->orig);
	if (usable(ev->orig, system)) {
		ev->how = REMOTE_FIELDS;
		return;
	}
	pf = print_fmt_of(ev->orig, &pf_len);
	if (pf)
		inner = unquote_twice(pf, pf_len);
	if (inner) {
		repaired = replace_print_fmt(ev->orig, pf, pf_len, inner);
		free(inner);
		if (usable(repaired, system)) {
			free(ev->text);
			ev->text = repaired;
			ev->how = REMOTE_REPAIRED;
			ev->why = xasprintf("print fmt is quoted twice (%.*s)", (int)pf_len, pf);
			return;
		}
	}
	if (try_symbols(ev, repaired ? repaired : ev->orig, system)) {
		ev->why = xasprintf("print fmt calls %s()", ev->func);
		if (repaired) {
			char *w = ev->why;

			ev->why = xasprintf("print fmt is quoted twice and calls %s()", ev->func);
			free(w);
		}
		free(repaired);
		return;
	}
	problem = td_format_problem(repaired ? repaired : ev->orig,
				    strlen(repaired ? repaired : ev->orig), REMOTE_PAYLOAD_MAX,
				    NULL, NULL);
	free(repaired);
	ev->how = REMOTE_TEXT;
	free(ev->why);
	if (problem)
		ev->why = xasprintf("its format is refused: %s", problem);
	else
		ev->why = xstrdup(pf ? "libtraceevent cannot use its print fmt" :
				       "its format has no print fmt");
}

static int load_format(struct remote_encoder *e, const char *name, const char *path)
{
	char *buf = xmalloc(FORMAT_MAX);
	ssize_t n = read_file(path, buf, FORMAT_MAX);
	struct revent *ev;
	const char *id;

	if (n < 0) {
		free(buf);
		return n;
	}
	e->ev = xrealloc(e->ev, (e->nr_ev + 1) * sizeof(*e->ev));
	ev = &e->ev[e->nr_ev++];
	memset(ev, 0, sizeof(*ev));
	ev->name = xstrdup(name);
	ev->orig = xrealloc(buf, n + 1);
	id = strstr(ev->orig, "\nID: ");
	ev->id = id ? atoi(id + 5) : -1;
	classify(ev, e->system);
	return 0;
}

/* (Re)build the tep from every event's stored text and the text event. */
static int build_tep(struct remote_encoder *e)
{
	if (e->tep)
		tep_free(e->tep);
	e->tep = new_tep();
	for (int i = 0; i < e->nr_ev; i++)
		if (parsable(e->ev[i].text))
			tep_parse_event(e->tep, e->ev[i].text, strlen(e->ev[i].text), e->system);
	if (!e->text_format)
		return 0;
	return tep_parse_event(e->tep, e->text_format, strlen(e->text_format), TEXT_SYSTEM) ?
	       -EINVAL : 0;
}

/* An id no event of the remote uses: one past the largest, else the first free one. */
static int free_id(struct tep_handle *tep)
{
	int max = -1, nr = tep_get_events_count(tep);

	for (int i = 0; i < nr; i++)
		if (tep_get_event(tep, i)->id > max)
			max = tep_get_event(tep, i)->id;
	if (max < 0xffff)
		return max + 1;
	for (int id = 0; id <= 0xffff; id++)
		if (!tep_find_event(tep, id))
			return id;
	return -1;
}

static int cmp_revent(const void *a, const void *b)
{
	return strcmp(((const struct revent *)a)->name, ((const struct revent *)b)->name);
}

int remote_encoder_new(const char *events_dir, const char *system, struct remote_encoder **out)
{
	struct remote_encoder *e = xcalloc(1, sizeof(*e));
	char *dir = xasprintf("%s/%s", events_dir, system);
	struct dirent *de;
	DIR *d;

	e->system = xstrdup(system);
	d = opendir(dir);
	if (!d) {
		int err = -errno;

		free(dir);
		remote_encoder_free(e);
		return err;
	}
	while ((de = readdir(d))) {
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s/format", dir, de->d_name);
		if (path_exists(path))
			load_format(e, de->d_name, path);
		free(path);
	}
	closedir(d);
	free(dir);
	if (e->nr_ev)
		qsort(e->ev, e->nr_ev, sizeof(*e->ev), cmp_revent);
	build_tep(e);
	e->text_id = free_id(e->tep);
	e->text_format = xasprintf(
		"name: " TEXT_EVENT "\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
		"\tfield:__data_loc char[] line;\toffset:4;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"%%s\", __get_str(line)\n", e->text_id);
	if (e->text_id < 0 || build_tep(e)) {
		remote_encoder_free(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

static void free_revent(struct revent *ev)
{
	free(ev->name);
	free(ev->orig);
	free(ev->text);
	free(ev->why);
	free(ev->head);
	free(ev->fmt);
	free(ev->fmt_plain);
	free_args(ev->args, ev->nr_args);
	free(ev->func);
	free(ev->field);
	for (int k = 0; k < ev->nr_syms; k++)
		free(ev->syms[k].name);
	free(ev->syms);
}

void remote_encoder_free(struct remote_encoder *e)
{
	if (!e)
		return;
	if (e->tep)
		tep_free(e->tep);
	for (int i = 0; i < e->nr_ev; i++)
		free_revent(&e->ev[i]);
	free(e->ev);
	free(e->system);
	free(e->text_format);
	free(e);
}

int remote_encoder_text_id(const struct remote_encoder *e)
{
	return e->text_id;
}

const char *remote_encoder_text_format(const struct remote_encoder *e)
{
	return e->text_format;
}

void remote_encoder_stats(const struct remote_encoder *e, struct remote_encode_stats *st)
{
	*st = e->stats;
}

struct tep_handle *remote_encoder_tep(struct remote_encoder *e)
{
	return e->tep;
}

static struct revent *find_revent(const struct remote_encoder *e, const char *name)
{
	struct revent key = { .name = (char *)name };

	if (!e->nr_ev)
		return NULL;
	return bsearch(&key, e->ev, e->nr_ev, sizeof(*e->ev), cmp_revent);
}

const char *remote_encoder_format(const struct remote_encoder *e, const char *event)
{
	const struct revent *ev = find_revent(e, event);

	return ev && strcmp(ev->text, ev->orig) ? ev->text : NULL;
}

bool remote_encoder_learnt(const struct remote_encoder *e)
{
	return e->learnt;
}

int remote_encoder_nr_events(const struct remote_encoder *e)
{
	return e->nr_ev;
}

void remote_encoder_event_info(const struct remote_encoder *e, int i,
			       struct remote_event_info *info)
{
	const struct revent *ev = &e->ev[i];

	memset(info, 0, sizeof(*info));
	info->name = ev->name;
	info->how = ev->how;
	info->why = ev->why;
	info->table_source = ev->known ? ev->known->source : NULL;
	info->names = ev->nr_syms;
	for (int k = 0; k < ev->nr_syms; k++) {
		info->names_seen += ev->syms[k].seen;
		info->names_learnt += ev->syms[k].learnt;
	}
	info->exact = ev->exact;
	info->as_text = ev->as_text;
}

static size_t encode_text(struct remote_encoder *e, struct revent *ev, const char *line,
			  size_t len, uint8_t *buf)
{
	uint32_t loc;

	if (len > REMOTE_PAYLOAD_MAX - TEXT_HDR - 1) {
		len = REMOTE_PAYLOAD_MAX - TEXT_HDR - 1;
		e->stats.truncated++;
	}
	memset(buf, 0, TEXT_HDR);
	bo_put16(buf, e->text_id, BO_HOST);
	loc = (uint32_t)(len + 1) << 16 | TEXT_HDR;
	memcpy(buf + 4, &loc, 4);
	memcpy(buf + TEXT_HDR, line, len);
	buf[TEXT_HDR + len] = '\0';
	e->stats.as_text++;
	if (ev)
		ev->as_text++;
	return TEXT_HDR + len + 1;
}
/* A conversion of the print format: "%#08llx" gives type 'x' and hash. */
struct conversion {
	char type;
	bool hash;	/* '#': 0x before hex */
};

/* Parse the conversion at *fmt (just after '%'); false for ones we do not invert. */
static bool parse_conversion(const char **fmt, struct conversion *c)
{
	const char *p = *fmt;

	memset(c, 0, sizeof(*c));
	while (*p && strchr("-+ #0", *p))
		c->hash |= *p++ == '#';
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	while (*p && strchr("hlLzjt", *p))
		p++;
	if (!*p || !strchr("diuxXocs", *p))
		return false;
	c->type = *p++;
	*fmt = p;
	return true;
}

static struct tep_print_arg *strip_casts(struct tep_print_arg *arg)
{
	while (arg && arg->type == TEP_PRINT_TYPE)
		arg = arg->typecast.item;
	return arg;
}

/* Read an integer as conversion c printed it. */
static bool read_number(const char **s, const char *end, const struct conversion *c,
			unsigned long long *val)
{
	const char *p = *s;
	bool neg = false;
	int base = 10, digits = 0;

	while (p < end && *p == ' ')
		p++;
	if (c->type == 'c') {
		if (p >= end)
			return false;
		*val = (unsigned char)*p++;
		*s = p;
		return true;
	}
	if ((c->type == 'd' || c->type == 'i') && p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (c->type == 'x' || c->type == 'X') {
		base = 16;
		if (c->hash && end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			p += 2;
	} else if (c->type == 'o') {
		base = 8;
	}
	*val = 0;
	for (; p < end; p++, digits++) {
		int dv = isdigit((unsigned char)*p) ? *p - '0' :
			 isxdigit((unsigned char)*p) ? tolower((unsigned char)*p) - 'a' + 10 : 99;

		if (dv >= base || *val > (~0ULL - dv) / base)
			break;
		*val = *val * base + dv;
	}
	if (!digits)
		return false;
	if (neg)
		*val = -*val;
	*s = p;
	return true;
}

static bool store_field(uint8_t *buf, size_t *len, const struct tep_format_field *f,
			unsigned long long val)
{
	if (!f || f->offset + f->size > REMOTE_PAYLOAD_MAX)
		return false;
	switch (f->size) {
	case 1: case 2: case 4: case 8:
		break;
	default:
		return false;
	}
	/* Little-endian: the low bytes of the value. */
	memcpy(buf + f->offset, &val, f->size);
	if ((size_t)(f->offset + f->size) > *len)
		*len = f->offset + f->size;
	return true;
}

/* __print_symbolic: the value whose name is at *s. */
static bool read_symbol(const char **s, const char *end, const struct tep_print_arg *arg,
			unsigned long long *val)
{
	const struct tep_print_flag_sym *sym, *best = NULL;

	for (sym = arg->symbol.symbols; sym; sym = sym->next) {
		size_t n = strlen(sym->str);

		if ((size_t)(end - *s) >= n && !strncmp(*s, sym->str, n) &&
		    (!best || n > strlen(best->str)))
			best = sym;
	}
	if (!best)
		return false;
	*val = strtoull(best->value, NULL, 0);
	*s += strlen(best->str);
	return true;
}

/*
 * One literal character of a print format (or "%%") against the line at *s: 1 and both
 * advanced when they match, -1 when they differ, 0 when *fmt starts a conversion.
 */
static int match_literal(const char **fmt, const char **s, const char *end)
{
	const char *f = *fmt;

	if (*f == '%' && f[1] != '%')
		return 0;
	if (*s >= end || **s != *f)
		return -1;
	(*s)++;
	*fmt = f + (*f == '%' ? 2 : 1);
	return 1;
}

/* Invert the event's print format over args; true when every part was matched. */
static bool invert(struct tep_event *ev, const char *args, size_t args_len, uint8_t *buf,
		   size_t *len)
{
	const char *fmt = ev->print_fmt.format, *s = args, *end = args + args_len;
	struct tep_print_arg *arg = ev->print_fmt.args;

	if (!fmt)
		return false;
	while (*fmt) {
		struct tep_print_arg *a;
		struct conversion c;
		unsigned long long val;
		int lit = match_literal(&fmt, &s, end);

		if (lit < 0)
			return false;
		if (lit)
			continue;
		fmt++;
		a = strip_casts(arg);
		if (!a || !parse_conversion(&fmt, &c))
			return false;
		arg = arg->next;
		if ((c.type == 's') != (a->type == TEP_PRINT_SYMBOL))
			return false;
		if (a->type == TEP_PRINT_SYMBOL) {
			struct tep_print_arg *fa = strip_casts(a->symbol.field);

			if (!fa || fa->type != TEP_PRINT_FIELD || !read_symbol(&s, end, a, &val))
				return false;
			a = fa;
		} else if (a->type != TEP_PRINT_FIELD || !read_number(&s, end, &c, &val)) {
			return false;
		}
		if (!store_field(buf, len, tep_find_field(ev, a->field.name), val))
			return false;
	}
	return s == end;
}

/* Does the payload print back as exactly args? */
static bool prints_as(struct remote_encoder *e, const uint8_t *buf, size_t len,
		      const char *args, size_t args_len)
{
	struct tep_record rec = { .data = (void *)buf, .size = len };
	struct trace_seq seq;
	bool same;

	trace_seq_init(&seq);
	tep_print_event(e->tep, &seq, &rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&seq);
	same = (size_t)seq.len == args_len && !memcmp(seq.buffer, args, args_len);
	trace_seq_destroy(&seq);
	return same;
}

/*
 * Where the name printed for ev's symbol table is in args (s to end): the text up to what
 * the print fmt says follows it. False when the line does not have the format's shape.
 */
static bool find_name(const struct revent *ev, const char *s, const char *end, const char **name,
		      size_t *len)
{
	const char *fmt = ev->fmt_plain;
	struct conversion c;
	unsigned long long val;

	for (int n = 0; *fmt; ) {
		size_t lit;
		const char *stop;
		int m = match_literal(&fmt, &s, end);

		if (m < 0)
			return false;
		if (m)
			continue;
		fmt++;
		if (!parse_conversion(&fmt, &c))
			return false;
		if (n++ != ev->sym_arg) {
			if (c.type == 's' || !read_number(&s, end, &c, &val))
				return false;
			continue;
		}
		lit = strcspn(fmt, "%");
		if (!lit && *fmt)
			return false;
		stop = lit ? memmem(s, end - s, fmt, lit) : end;
		if (!stop || stop == s)
			return false;
		*name = s;
		*len = stop - s;
		return true;
	}
	return false;
}

/* A name the table can take: printable, no quote or backslash, not there yet. */
static bool learnable(const struct revent *ev, const char *name, size_t len)
{
	if (!len || len > SYMBOL_LEN_MAX || ev->nr_syms >= SYMBOLS_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)name[i]) || name[i] == '"' || name[i] == '\\')
			return false;
	for (int k = 0; k < ev->nr_syms; k++)
		if (strlen(ev->syms[k].name) == len && !memcmp(ev->syms[k].name, name, len))
			return false;
	return true;
}

/*
 * A name the table does not have yet gets a value no name has, counting down from the
 * largest the field holds as a positive number: far from the kernel's own small enum values,
 * and the same whether libtraceevent reads the field as signed or not.
 */
static bool learn(struct remote_encoder *e, struct revent *ev, const char *args, size_t len)
{
	const char *name;
	size_t name_len;
	char *copy, *text;

	if (!find_name(ev, args, args + len, &name, &name_len) ||
	    !learnable(ev, name, name_len))
		return false;
	while (has_value(ev, ev->next_learnt))
		ev->next_learnt--;
	copy = xasprintf("%.*s", (int)name_len, name);
	add_symbol(ev, ev->next_learnt--, copy, true);
	free(copy);
	text = symbols_text(ev);
	if (!usable(text, e->system)) {
		free(text);
		free(ev->syms[--ev->nr_syms].name);
		return false;
	}
	free(ev->text);
	ev->text = text;
	e->learnt = true;
	return !build_tep(e);
}

/* The symbol whose value the payload's field holds was seen in a line. */
static void mark_seen(struct revent *ev, struct tep_event *tev, const uint8_t *buf)
{
	const struct tep_format_field *f = tep_find_field(tev, ev->field);
	unsigned long long v = 0;

	if (!f || f->size > 8 || f->offset + f->size > REMOTE_PAYLOAD_MAX)
		return;
	memcpy(&v, buf + f->offset, f->size);
	for (int k = 0; k < ev->nr_syms; k++)
		if (ev->syms[k].value == v)
			ev->syms[k].seen = true;
}

static bool encode_fields(struct remote_encoder *e, const char *name, const struct remote_line *r,
			  uint8_t *buf, size_t *plen)
{
	struct tep_event *ev = tep_find_event_by_name(e->tep, e->system, name);

	*plen = 2;
	if (!ev || (ev->flags & TEP_EVENT_FL_FAILED))
		return false;
	memset(buf, 0, REMOTE_PAYLOAD_MAX);
	bo_put16(buf, ev->id, BO_HOST);
	if (!invert(ev, r->args, r->args_len, buf, plen) ||
	    !prints_as(e, buf, *plen, r->args, r->args_len))
		return false;
	/* The record is as long as the format says, whatever the line printed. */
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		if ((size_t)f->offset + f->size > *plen &&
		    f->offset + f->size <= REMOTE_PAYLOAD_MAX)
			*plen = f->offset + f->size;
	return true;
}

static size_t encode(struct remote_encoder *e, const struct remote_line *r, const char *line,
		     size_t len, uint8_t *buf)
{
	struct revent *rev;
	char name[64];
	size_t plen;
	bool ok;

	if (r->kind != REMOTE_LINE_EVENT || r->name_len >= sizeof(name))
		return encode_text(e, NULL, line, len, buf);
	memcpy(name, r->name, r->name_len);
	name[r->name_len] = '\0';
	rev = find_revent(e, name);
	if (!rev || rev->how == REMOTE_TEXT)
		return encode_text(e, rev, line, len, buf);
	ok = encode_fields(e, name, r, buf, &plen);
	if (!ok && rev->how == REMOTE_SYMBOLS && learn(e, rev, r->args, r->args_len))
		ok = encode_fields(e, name, r, buf, &plen);
	if (!ok)
		return encode_text(e, rev, line, len, buf);
	if (rev->how == REMOTE_SYMBOLS)
		mark_seen(rev, tep_find_event_by_name(e->tep, e->system, name), buf);
	e->stats.exact++;
	rev->exact++;
	return plen;
}

/* Encoded and checked with the remote's own ids, then given the file's. */
size_t remote_encode(struct remote_encoder *e, const struct remote_line *r, const char *line,
		     size_t len, uint8_t *buf)
{
	size_t plen = encode(e, r, line, len, buf);
	uint16_t id;

	if (e->id_shift) {
		memcpy(&id, buf, sizeof(id));
		id += e->id_shift;
		memcpy(buf, &id, sizeof(id));
	}
	return plen;
}

int remote_encoder_max_id(const struct remote_encoder *e)
{
	int max = e->text_id;

	for (int i = 0; i < e->nr_ev; i++)
		if (e->ev[i].id > max)
			max = e->ev[i].id;
	return max;
}

void remote_encoder_shift_ids(struct remote_encoder *e, int shift)
{
	e->id_shift = shift;
}

char *remote_encoder_file_format(const struct remote_encoder *e, int i)
{
	const char *text = i < e->nr_ev ? e->ev[i].text : e->text_format;
	const char *id = strstr(text, "\nID: ");
	const char *end = id ? strchr(id + 5, '\n') : NULL;

	if (!end)
		return xstrdup(text);
	return xasprintf("%.*s\nID: %d%s", (int)(id - text), text, atoi(id + 5) + e->id_shift,
			 end);
}
