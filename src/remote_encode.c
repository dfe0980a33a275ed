// SPDX-License-Identifier: GPL-2.0
/* Re-encoding remote text lines into binary events; see remote_encode.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "remote_encode.h"
#include "util.h"

#define TEXT_SYSTEM "remotectl"
#define TEXT_EVENT "text"
#define TEXT_HDR 8		/* common_type, padding, __data_loc word */

struct remote_encoder {
	struct tep_handle *tep;
	char *system;
	int text_id;
	char *text_format;
	struct remote_encode_stats stats;
};

static int load_format(struct remote_encoder *e, const char *path)
{
	char *buf = xmalloc(65536);
	ssize_t n = read_file(path, buf, 65536);
	int err = 0;

	if (n < 0)
		err = n;
	else if (tep_parse_event(e->tep, buf, n, e->system))
		debug_msg("%s: libtraceevent cannot parse it; its events are kept as text", path);
	free(buf);
	return err;
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

int remote_encoder_new(const char *events_dir, const char *system, struct remote_encoder **out)
{
	struct remote_encoder *e = xcalloc(1, sizeof(*e));
	char *dir = xasprintf("%s/%s", events_dir, system);
	struct dirent *de;
	DIR *d;

	e->tep = tep_alloc();
	e->system = xstrdup(system);
	tep_set_long_size(e->tep, 8);
	tep_set_file_bigendian(e->tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(e->tep, TEP_LITTLE_ENDIAN);
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
			load_format(e, path);
		free(path);
	}
	closedir(d);
	free(dir);
	e->text_id = free_id(e->tep);
	e->text_format = xasprintf(
		"name: " TEXT_EVENT "\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
		"\tfield:__data_loc char[] line;\toffset:4;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"%%s\", __get_str(line)\n", e->text_id);
	if (e->text_id < 0 || tep_parse_event(e->tep, e->text_format, strlen(e->text_format),
					      TEXT_SYSTEM)) {
		remote_encoder_free(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

void remote_encoder_free(struct remote_encoder *e)
{
	if (!e)
		return;
	if (e->tep)
		tep_free(e->tep);
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

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static size_t encode_text(struct remote_encoder *e, const char *line, size_t len, uint8_t *buf)
{
	uint32_t loc;

	if (len > REMOTE_PAYLOAD_MAX - TEXT_HDR - 1) {
		len = REMOTE_PAYLOAD_MAX - TEXT_HDR - 1;
		e->stats.truncated++;
	}
	memset(buf, 0, TEXT_HDR);
	put16(buf, e->text_id);
	loc = (uint32_t)(len + 1) << 16 | TEXT_HDR;
	memcpy(buf + 4, &loc, 4);
	memcpy(buf + TEXT_HDR, line, len);
	buf[TEXT_HDR + len] = '\0';
	e->stats.as_text++;
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

		if (*fmt != '%' || fmt[1] == '%') {
			if (s >= end || *s != *fmt)
				return false;
			s++;
			fmt += *fmt == '%' ? 2 : 1;
			continue;
		}
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

size_t remote_encode(struct remote_encoder *e, const struct rline *r, const char *line,
		     size_t len, uint8_t *buf)
{
	struct tep_event *ev;
	char name[64];
	size_t plen = 2;

	if (r->kind != RLINE_EVENT || r->name_len >= sizeof(name))
		return encode_text(e, line, len, buf);
	memcpy(name, r->name, r->name_len);
	name[r->name_len] = '\0';
	ev = tep_find_event_by_name(e->tep, e->system, name);
	if (!ev)
		return encode_text(e, line, len, buf);
	memset(buf, 0, REMOTE_PAYLOAD_MAX);
	put16(buf, ev->id);
	if (!invert(ev, r->args, r->args_len, buf, &plen) ||
	    !prints_as(e, buf, plen, r->args, r->args_len))
		return encode_text(e, line, len, buf);
	/* The record is as long as the format says, whatever the line printed. */
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		if ((size_t)f->offset + f->size > plen && f->offset + f->size <= REMOTE_PAYLOAD_MAX)
			plen = f->offset + f->size;
	e->stats.exact++;
	return plen;
}
