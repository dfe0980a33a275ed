// SPDX-License-Identifier: GPL-2.0
/* Parsing the text lines of trace remotes; see remote_text.h for the forms. */
#include <stdbool.h>
#include <string.h>

#include "remote_text.h"

struct cursor {
	const char *p;
	const char *end;
};

static bool eat(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

/* A decimal number of at most max_digits digits; false if none or too long. */
static bool number(struct cursor *c, uint64_t *val, int max_digits)
{
	int digits = 0;

	*val = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++digits > max_digits)
			return false;
		*val = *val * 10 + (*c->p++ - '0');
	}
	return digits > 0;
}

static void skip_spaces(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

/* "CPU:N [LOST n EVENTS]" */
static bool parse_lost(struct cursor c, struct remote_line *out)
{
	uint64_t cpu, lost;

	if (!eat(&c, "CPU:") || !number(&c, &cpu, 7) || !eat(&c, " [LOST ") ||
	    !number(&c, &lost, 20) || !eat(&c, " EVENTS]") || c.p != c.end)
		return false;
	out->cpu = cpu;
	out->lost = lost;
	return true;
}

/* "[EVENT id PRINT TOO BIG]" */
static bool parse_too_big(struct cursor c, struct remote_line *out)
{
	uint64_t id;

	if (!eat(&c, "[EVENT ") || !number(&c, &id, 5) || id > 0xffff ||
	    !eat(&c, " PRINT TOO BIG]") || c.p != c.end)
		return false;
	out->id = id;
	return true;
}

/* "[CCC]\tSSSSS.UUUUUU: " then "UNKNOWN id=N" or "name[ args]" */
static enum remote_line_kind parse_event(struct cursor c, struct remote_line *out)
{
	uint64_t cpu, sec, usec, id;
	const char *usec_start;

	if (!eat(&c, "[") || !number(&c, &cpu, 7) || !eat(&c, "]\t"))
		return REMOTE_LINE_UNPARSED;
	skip_spaces(&c);
	/* Seconds of a u64 of ns fit in 11 digits; the fraction is always 6. */
	if (!number(&c, &sec, 11) || !eat(&c, "."))
		return REMOTE_LINE_UNPARSED;
	usec_start = c.p;
	if (!number(&c, &usec, 6) || c.p - usec_start != 6 || !eat(&c, ": "))
		return REMOTE_LINE_UNPARSED;
	/* The largest stamp is UINT64_MAX ns, 18446744073.709551 s: anything past it is not
	 * the kernel's %llu of a u64, and would wrap. */
	if (sec > UINT64_MAX / 1000000000ULL ||
	    usec * 1000 > UINT64_MAX - sec * 1000000000ULL)
		return REMOTE_LINE_UNPARSED;
	out->cpu = cpu;
	out->ts_ns = sec * 1000000000ULL + usec * 1000;
	if (eat(&c, "UNKNOWN id=")) {
		if (!number(&c, &id, 5) || id > 0xffff || c.p != c.end)
			return REMOTE_LINE_UNPARSED;
		out->id = id;
		return REMOTE_LINE_UNKNOWN;
	}
	out->name = c.p;
	while (c.p < c.end && is_name_char(*c.p))
		c.p++;
	out->name_len = c.p - out->name;
	if (!out->name_len || (c.p < c.end && *c.p != ' '))
		return REMOTE_LINE_UNPARSED;
	if (c.p < c.end)
		c.p++;
	out->args = c.p;
	out->args_len = c.end - c.p;
	return REMOTE_LINE_EVENT;
}

enum remote_line_kind remote_line_parse(const char *line, size_t len, struct remote_line *out)
{
	struct cursor c = { line, line + len };

	memset(out, 0, sizeof(*out));
	if (len > REMOTE_LINE_MAX)
		out->kind = REMOTE_LINE_UNPARSED;
	else if (len && line[0] == 'C')
		out->kind = parse_lost(c, out) ? REMOTE_LINE_LOST : REMOTE_LINE_UNPARSED;
	else if (len > 1 && line[0] == '[' && line[1] == 'E')
		out->kind = parse_too_big(c, out) ? REMOTE_LINE_TOO_BIG : REMOTE_LINE_UNPARSED;
	else
		out->kind = parse_event(c, out);
	return out->kind;
}

void remote_clock_note(struct remote_clock *c, uint64_t ts_ns)
{
	if (c->events++ && ts_ns < c->last) {
		c->back_steps++;
		if (c->last - ts_ns > c->back_max)
			c->back_max = c->last - ts_ns;
	}
	c->last = ts_ns;
}
