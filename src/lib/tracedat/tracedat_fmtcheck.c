// SPDX-License-Identifier: GPL-2.0
/*
 * What of a trace.dat's or a remote's format text libtraceevent may see.
 *
 * libtraceevent's format parser trusts its input: a NUL inside the text, a flipped byte in a
 * helper's arguments or a field outside the record can make it dereference NULL, divide by
 * zero or read past a record. A file or a remote is untrusted, so a format reaches
 * libtraceevent only when it has the shape the kernel prints:
 *
 *	name: NAME
 *	ID: N
 *	format:
 *	\tfield:DECL;\toffset:N;\tsize:N;[\tsigned:N;]	(blank lines allowed between)
 *	print fmt: "...", ARGS	(to the end; strings may hold newlines)
 *
 * all of it printable ASCII, bounded in length, fields inside a sub-buffer. The print format's
 * arguments are checked against the grammar kernel print formats are written in (an
 * allow-list, see parse_unary() and below) rather than against each shape that once crashed
 * the library: those were found one at a time by the fuzzers and would not have ended.
 * docs/fuzzing.md lists them.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_fmtcheck.h"
#include "util.h"

#define TD_FORMAT_MAX	(64 * 1024)
#define TD_FIELDS_MAX	256
/* Deeper than any kernel's format; libtraceevent's parser recurses as this one does. */
#define PF_DEPTH_MAX	48

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
		/*
		 * "TYPE[] NAME" only after __data_loc or __rel_loc, with a TYPE: libtraceevent
		 * leaks TYPE, or "[]" when there is none.
		 */
		if (*n != ' ' || n[-2] != '[' || n - 3 < p || !is_ident(n[-3]) ||
		    !((decl_end - p > 11 && !memcmp(p, "__data_loc ", 11)) ||
		      (decl_end - p > 10 && !memcmp(p, "__rel_loc ", 10))) ||
		    n - 3 < p + (p[2] == 'd' ? 11 : 10))
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
	/* The kernel's are 4 bytes (offset and length); libtraceevent reads 4 whatever it says. */
	if (size != 4 && ((decl_end - l->p > 18 && !memcmp(l->p + 7, "__data_loc ", 11)) ||
			  (decl_end - l->p > 17 && !memcmp(l->p + 7, "__rel_loc ", 10))))
		return "a __data_loc field is not 4 bytes";
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
 * The print format's arguments, read as tokens of C. Kernel print formats are C expressions
 * over REC->FIELD: constants, strings, casts, unary and binary operators, ?:, calls of helpers
 * (__print_symbolic(x, { 1, "a" }, ...), __get_str(f), ...) and an index after a value.
 */
enum pf_tok { PF_END, PF_IDENT, PF_NUM, PF_STR, PF_CHAR, PF_OP };

/*
 * What an operand is: REC may only be followed by ->, only a name may be called, and a string
 * is no operand of an operator (libtraceevent 1.7.1 leaked on "!\"hvc\"" in a table).
 */
enum pf_kind { PF_VALUE, PF_REC, PF_NAME, PF_STRING, PF_CALLED, PF_FIELD };

struct pf {
	const char *p, *end;	/* the text not yet read */
	enum pf_tok tok;	/* the current token */
	const char *t;
	size_t len;
	unsigned long long num;	/* its value, when a number */
	int depth;
	const char *name;	/* the last name read, when it is called */
	size_t name_len;
	const char *why;	/* the first problem found */
	bool sizeof_here;	/* the next sizeof is a divisor or a whole helper argument */
	bool count;		/* reading how many bytes or elements a helper prints */
	bool last_num;		/* the last primary read was a number or a character */
	const char *const *names;	/* the format's fields */
	const size_t *lens;
	int nr_names;
};

#define PF_SYNTAX	"the print format's arguments are not an expression"
#define PF_OWN_CALL	"the print format calls a function of its own inside an expression"
/*
 * libtraceevent 1.7.1 reads as many bytes as __print_hex(), __print_hex_str() or
 * __print_array() are told, unchecked: "__print_hex_str(REC->comm, -4)" read 4 GiB (SEGV,
 * found by fuzz_tracedat_fmt). A record is followed by 192 KiB of zeros (tracedat_fmt.c), so
 * a count made of constants is kept within 64 Ki: constants up to that, no negation, no
 * difference, and a sum, product or shift only of a field's value or a call's ("REC->words *
 * 4", as host1x's events write it), which only a damaged record can make huge.
 */
#define PF_COUNT	"the print format's count of bytes to print may be negative or huge"
#define PF_COUNT_MAX	65535

static void pf_fail(struct pf *s, const char *why)
{
	if (!s->why)
		s->why = why;
	s->tok = PF_END;
	s->p = s->end;
}

/*
 * A constant as libtraceevent reads it (strtoull(s, NULL, 0): "0851" would be octal 0).
 * libtraceevent 1.7.1 folds constants while parsing: one above 2^63 - 1 (no kernel prints
 * one) raised SIGFPE there, and it folds "77H7" as a number too.
 */
static const char *pf_number(const char *p, const char *end, unsigned long long *v)
{
	unsigned int base = 10, d;

	*v = 0;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (*p == '0') {
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
	while (p < end && strchr("uUlL", *p))
		p++;
	return p < end ? "the print format has a malformed number" : NULL;
}

static void pf_next(struct pf *s)
{
	static const char *const ops2[] = { "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||" };
	const char *p = s->p;
	size_t i;

	while (p < s->end && (*p == ' ' || *p == '\t'))
		p++;
	s->t = p;
	s->len = 0;
	if (p < s->end && *p == '\n' && !s->why) {
		/* libtraceevent reads a line break as a token of its own: only the last is kept. */
		while (p < s->end && isspace((unsigned char)*p))
			p++;
		if (p < s->end)
			return pf_fail(s, "the print format has a line break outside a string");
	}
	if (p == s->end || s->why) {
		s->tok = PF_END;
		return;
	}
	if (is_ident(*p)) {
		while (p < s->end && is_ident(*p))
			p++;
		s->tok = isdigit((unsigned char)*s->t) ? PF_NUM : PF_IDENT;
		if (s->tok == PF_NUM) {
			const char *why = pf_number(s->t, p, &s->num);

			if (why)
				return pf_fail(s, why);
		}
	} else if (*p == '"' || *p == '\'') {
		for (p++; p < s->end && *p != *s->t; p++)
			if (*p == '\\' && ++p == s->end)
				break;
		if (p >= s->end)
			return pf_fail(s, "the print format has an unclosed string");
		/* A tab, not "\t", inside a string: libtraceevent gives up (and leaked then). */
		if (memchr(s->t, '\t', p - s->t))
			return pf_fail(s, "the print format has a tab inside a string");
		/*
		 * libtraceevent takes the quote after an escaped backslash ("\\") as escaped too
		 * and reads on into the next arguments (and leaked then).
		 */
		if (p[-1] == '\\' && p - 1 > s->t)
			return pf_fail(s, "the print format has a string ending in a backslash");
		p++;
		s->tok = *s->t == '"' ? PF_STR : PF_CHAR;
		/* 'c' or '\c': libtraceevent takes longer ones as they come. */
		if (s->tok == PF_CHAR && p - s->t != 3 && !(p - s->t == 4 && s->t[1] == '\\'))
			return pf_fail(s, "the print format has a damaged character constant");
	} else {
		s->tok = PF_OP;
		for (i = 0; i < ARRAY_SIZE(ops2); i++)
			if (s->end - p >= 2 && !memcmp(p, ops2[i], 2))
				break;
		if (i < ARRAY_SIZE(ops2))
			p += 2;
		else if (s->end - p >= 2 && (*p == '+' || *p == '-') && p[1] == *p)
			/* libtraceevent reads "--" as one operator it does not know (and leaks). */
			return pf_fail(s, "the print format has ++ or --");
		else if (*p == '=' || *p == ';')
			/* Statement expressions: libtraceevent cannot print them anyway. */
			return pf_fail(s, "the print format has a statement or an assignment");
		else if (strchr("()[]{},?:.!~*/%+-<>&^|", *p))
			p++;
		else
			/* "1 ? \"\" : \"\"$" made libtraceevent 1.7.1 dereference NULL. */
			return pf_fail(s, "the print format has a character no expression has");
	}
	s->len = p - s->t;
	s->p = p;
}

static bool pf_is(const struct pf *s, const char *op)
{
	return s->tok == PF_OP && s->len == strlen(op) && !memcmp(s->t, op, s->len);
}

static bool pf_accept(struct pf *s, const char *op)
{
	if (!pf_is(s, op))
		return false;
	pf_next(s);
	return true;
}

static void pf_expect(struct pf *s, const char *op)
{
	if (!pf_accept(s, op))
		pf_fail(s, PF_SYNTAX);
}

static bool pf_ident_is(const struct pf *s, const char *id)
{
	return s->tok == PF_IDENT && s->len == strlen(id) && !memcmp(s->t, id, s->len);
}

/* Every token read, brackets matched: the problems named before the grammar's. */
static const char *pf_lex(struct pf s)
{
	char stack[PF_DEPTH_MAX];
	int depth = 0;

	for (pf_next(&s); s.tok != PF_END; pf_next(&s)) {
		char c = s.tok == PF_OP && s.len == 1 ? *s.t : 0;

		if (c == '(' || c == '[' || c == '{') {
			if (depth == PF_DEPTH_MAX)
				return "the print format nests too deep";
			stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
		} else if (c == ')' || c == ']' || c == '}') {
			if (!depth || stack[--depth] != c)
				return "the print format's brackets do not match";
		}
	}
	if (s.why)
		return s.why;
	return depth ? "the print format's brackets do not match" : NULL;
}

/*
 * "(TYPE WORDS *)" ahead (s is at the '('); for a cast (operand) it must be followed by an
 * operand, as "(x) - 1" is read as a cast of -1 and "(x) < 1" as a comparison.
 */
static bool pf_type_ahead(const struct pf *s, bool operand)
{
	struct pf a = *s;
	bool words = false, stars = false;

	for (pf_next(&a); a.tok == PF_IDENT || pf_is(&a, "*"); pf_next(&a)) {
		if (a.tok == PF_IDENT && (stars || pf_ident_is(&a, "REC") ||
					  pf_ident_is(&a, "sizeof")))
			return false;
		/* One star, as the kernel's: libtraceevent fails on "(void **)" (and leaked). */
		if (a.tok != PF_IDENT && stars)
			return false;
		words |= a.tok == PF_IDENT;
		stars |= a.tok != PF_IDENT;
	}
	if (!words || !pf_is(&a, ")"))
		return false;
	if (!operand)
		return true;
	pf_next(&a);
	/* Not ! or ~: libtraceevent cannot take them after a cast (and leaked). */
	return a.tok == PF_IDENT || a.tok == PF_NUM || a.tok == PF_STR || a.tok == PF_CHAR ||
	       pf_is(&a, "(") || pf_is(&a, "-") || pf_is(&a, "+");
}

static enum pf_kind pf_expr(struct pf *s);
static enum pf_kind pf_primary(struct pf *s);

/* A value is wanted: REC alone is not one. */
static void pf_value(struct pf *s, enum pf_kind k)
{
	if (k == PF_REC)
		pf_fail(s, PF_SYNTAX);
}

/* An operand of an operator is wanted: neither REC alone nor a string. */
static void pf_operand(struct pf *s, enum pf_kind k)
{
	if (k == PF_REC || k == PF_STRING)
		pf_fail(s, PF_SYNTAX);
}

/*
 * { VALUE, "NAME" } as __print_symbolic() and __print_flags() take their tables; the kernel
 * ends some with { -1, 0 } or { 0, ((void *)0) }. Nothing else as a name: libtraceevent
 * leaked on { 1, !12 }.
 */
static void pf_table(struct pf *s)
{
	static const char *const null[] = { "(", "(", "void", "*", ")", "0", ")" };
	size_t i;

	pf_expect(s, "{");
	pf_value(s, pf_expr(s));
	pf_expect(s, ",");
	if (s->tok == PF_STR) {
		while (s->tok == PF_STR)
			pf_next(s);
	} else if (s->tok == PF_NUM && !s->num) {
		pf_next(s);
	} else {
		for (i = 0; i < ARRAY_SIZE(null); i++, pf_next(s))
			if (s->len != strlen(null[i]) || memcmp(s->t, null[i], s->len))
				return pf_fail(s, PF_SYNTAX);
	}
	pf_expect(s, "}");
}

static bool pf_one_of(const char *const *names, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return true;
	return false;
}

/*
 * The kernel's helpers that take tables; libtraceevent 1.7.1 leaks a table given to any other
 * function.
 */
static bool pf_takes_tables(const char *name, size_t len)
{
	static const char *const helpers[] = { "__print_flags", "__print_symbolic" };

	return pf_one_of(helpers, ARRAY_SIZE(helpers), name, len);
}

/*
 * The helpers libtraceevent 1.7.1 parses itself. Any other function (one a plugin registers,
 * or one it does not know: the event is then FAILED) may only be a whole argument of the print
 * format: it leaked on "-f(1)" and "-x > f(1)", a unary operator pending when it gave up.
 */
static bool pf_known_helper(const char *name, size_t len)
{
	static const char *const helpers[] = {
		"__print_flags", "__print_symbolic", "__print_hex", "__print_hex_str",
		"__print_array", "__get_str", "__get_rel_str", "__get_bitmask",
		"__get_rel_bitmask", "__get_cpumask", "__get_rel_cpumask", "__get_dynamic_array",
		"__get_rel_dynamic_array", "__get_dynamic_array_len", "__get_rel_dynamic_array_len",
		"__get_sockaddr", "__get_sockaddr_rel", "__builtin_expect",
	};

	return pf_one_of(helpers, ARRAY_SIZE(helpers), name, len);
}

/* The helpers that print bytes from memory: from a field, or from a dynamic array. */
static bool pf_takes_bytes(const char *name, size_t len)
{
	static const char *const helpers[] = { "__print_hex", "__print_hex_str", "__print_array" };

	return pf_one_of(helpers, ARRAY_SIZE(helpers), name, len);
}

/*
 * Their memory as the kernel names it, REC->FIELD or __get_dynamic_array(FIELD): libtraceevent
 * 1.7.1 takes anything else for a field and dereferences what it finds there (SEGV on
 * "__print_hex_str(RC-cE>omm, 3)").
 */
static void pf_bytes(struct pf *s)
{
	bool dyn = pf_ident_is(s, "__get_dynamic_array") ||
		   pf_ident_is(s, "__get_rel_dynamic_array");
	bool rec = pf_ident_is(s, "REC");
	enum pf_kind k = pf_expr(s);

	if (!((rec && k == PF_FIELD) || (dyn && k == PF_CALLED)) || !pf_is(s, ","))
		pf_fail(s, "the print format prints bytes from something not a field");
}

/*
 * A call's arguments. __print_symbolic(VALUE, TABLE...) and __print_flags(VALUE, "DELIM",
 * TABLE...) as the kernel writes them: libtraceevent leaked on a table list with something
 * else in it.
 */
static void pf_call(struct pf *s)
{
	bool tables = pf_takes_tables(s->name, s->name_len);
	bool flags = tables && s->name_len == 13 && !memcmp(s->name, "__print_flags", 13);
	bool bytes = pf_takes_bytes(s->name, s->name_len);
	int i = 0;

	pf_expect(s, "(");
	if (!tables && pf_accept(s, ")"))
		return;
	do {
		if (tables && i > flags) {
			pf_table(s);
		} else if (tables && i == 1) {
			if (s->tok != PF_STR)
				return pf_fail(s, PF_SYNTAX);
			while (s->tok == PF_STR)
				pf_next(s);
		} else if (bytes && !i) {
			pf_bytes(s);
		} else if (pf_ident_is(s, "sizeof")) {
			s->sizeof_here = true;
			pf_primary(s);
			if (!pf_is(s, ",") && !pf_is(s, ")"))
				pf_fail(s, "the print format has sizeof where no kernel has it");
		} else {
			bool was = s->count;

			/* After a memory helper's first argument: how much of it to print. */
			s->count = bytes;
			pf_value(s, pf_expr(s));
			s->count = was;
		}
		i++;
	} while (pf_accept(s, ","));
	if (tables && i <= 1 + flags)
		pf_fail(s, PF_SYNTAX);
	pf_expect(s, ")");
}

static enum pf_kind pf_primary(struct pf *s)
{
	/* The flag is for this primary only: a constant divisor must not leave it set. */
	bool sizeof_here = s->sizeof_here;
	enum pf_kind k;

	s->sizeof_here = false;
	s->last_num = s->tok == PF_NUM || s->tok == PF_CHAR;
	switch (s->tok) {
	case PF_NUM:
	case PF_CHAR:
		if (s->count && s->tok == PF_NUM && s->num > PF_COUNT_MAX)
			pf_fail(s, PF_COUNT);
		pf_next(s);
		return PF_VALUE;
	case PF_STR:
		while (s->tok == PF_STR)
			pf_next(s);
		return PF_STRING;
	case PF_IDENT:
		if (pf_ident_is(s, "REC")) {
			pf_next(s);
			return PF_REC;
		}
		if (pf_ident_is(s, "sizeof")) {
			/*
			 * Only where kernels put it: a divisor, or a helper's whole argument.
			 * libtraceevent 1.7.1 leaked on "!c != sizeof(R)" and read freed memory
			 * on "-sizeof(int)".
			 */
			if (!sizeof_here) {
				pf_fail(s, "the print format has sizeof where no kernel has it");
				return PF_VALUE;
			}
			pf_next(s);
			if (!pf_is(s, "("))
				return pf_fail(s, PF_SYNTAX), PF_VALUE;
			if (pf_type_ahead(s, false)) {
				while (!pf_is(s, ")") && s->tok != PF_END)
					pf_next(s);
			} else {
				pf_next(s);
				pf_value(s, pf_expr(s));
			}
			pf_expect(s, ")");
			return PF_VALUE;
		}
		s->name = s->t;
		s->name_len = s->len;
		pf_next(s);
		return PF_NAME;
	case PF_OP:
		if (pf_accept(s, "(")) {
			k = pf_expr(s);
			pf_expect(s, ")");
			return k == PF_REC || k == PF_STRING || k == PF_CALLED ? k : PF_VALUE;
		}
		break;
	case PF_END:
		break;
	}
	pf_fail(s, PF_SYNTAX);
	return PF_VALUE;
}

static enum pf_kind pf_postfix(struct pf *s)
{
	enum pf_kind k = pf_primary(s);

	for (;;) {
		if (pf_accept(s, "->")) {
			if (k != PF_REC)
				return pf_fail(s, PF_SYNTAX), PF_VALUE;
			if (s->tok != PF_IDENT ||
			    !known_field(s->names, s->lens, s->nr_names, s->t, s->len))
				return pf_fail(s, "the print format names an unknown field"),
				       PF_VALUE;
			pf_next(s);
			k = PF_FIELD;
		} else if (pf_is(s, "(")) {
			if (k != PF_NAME)
				return pf_fail(s, PF_SYNTAX), PF_VALUE;
			if (!pf_known_helper(s->name, s->name_len))
				return pf_fail(s, PF_OWN_CALL), PF_VALUE;
			pf_call(s);
			k = PF_CALLED;
		} else if (pf_accept(s, "[")) {
			/*
			 * REC->FIELD[N] only, as in every kernel's format: libtraceevent leaked on
			 * "RE[!0%1]" when it gave up with the ! pending.
			 */
			if (k != PF_FIELD || s->tok != PF_NUM)
				return pf_fail(s, PF_SYNTAX), PF_VALUE;
			pf_next(s);
			pf_expect(s, "]");
			/*
			 * libtraceevent 1.7.1 dereferences NULL on "x[1]->y", "x[1].y", "x[1][2]"
			 * and "x[1](": an index ends an operand.
			 */
			if (pf_is(s, "[") || pf_is(s, "->") || pf_is(s, ".") || pf_is(s, "("))
				return pf_fail(s, "the print format has a damaged index"), PF_VALUE;
			return PF_VALUE;
		} else {
			return k;
		}
	}
}

static enum pf_kind pf_unary(struct pf *s)
{
	/* Not * or &: libtraceevent cannot print them (and leaked on "!&y"). */
	static const char *const prefix[] = { "!", "~", "-", "+" };
	enum pf_kind k = PF_VALUE;
	size_t i;

	if (++s->depth > PF_DEPTH_MAX) {
		pf_fail(s, "the print format nests too deep");
		return k;
	}
	for (i = 0; i < ARRAY_SIZE(prefix); i++)
		if (pf_is(s, prefix[i]))
			break;
	if (i < ARRAY_SIZE(prefix)) {
		if (s->count && (pf_is(s, "-") || pf_is(s, "~")))
			pf_fail(s, PF_COUNT);
		pf_next(s);
		/* No kernel puts one before a call; libtraceevent leaked when the call failed. */
		k = pf_unary(s);
		pf_operand(s, k);
		if (k == PF_CALLED)
			pf_fail(s, PF_SYNTAX);
		k = PF_VALUE;
	} else if (pf_is(s, "(") && pf_type_ahead(s, true)) {
		while (!pf_is(s, ")") && s->tok != PF_END)
			pf_next(s);
		pf_next(s);
		/* (char *)"text" is no kernel's; a cast of a string is refused as an operator's. */
		k = pf_unary(s);
		pf_operand(s, k);
		/* A cast keeps a call a call for a unary operator before it ("!(d)sizeof(R)"). */
		k = k == PF_CALLED ? PF_CALLED : PF_VALUE;
	} else {
		k = pf_postfix(s);
	}
	s->depth--;
	return k;
}

static bool pf_binary_op(const struct pf *s)
{
	static const char *const ops[] = { "*", "/", "%", "+", "-", "<<", ">>", "<", ">", "<=",
					   ">=", "==", "!=", "&", "^", "|", "&&", "||" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (pf_is(s, ops[i]))
			return true;
	return false;
}

/*
 * A divisor is a non-zero constant or sizeof(...), as in the kernel's formats: libtraceevent
 * folds constants while parsing, and x / 0 is SIGFPE there.
 */
static bool pf_divisor_ok(const struct pf *s)
{
	return (s->tok == PF_NUM && s->num) || pf_ident_is(s, "sizeof");
}

static enum pf_kind pf_expr(struct pf *s)
{
	enum pf_kind k = pf_unary(s);

	while (pf_binary_op(s)) {
		bool div = pf_is(s, "/") || pf_is(s, "%");

		if (s->count && (pf_is(s, "-") || ((pf_is(s, "*") || pf_is(s, "<<") ||
						    pf_is(s, "+")) && s->last_num)))
			pf_fail(s, PF_COUNT);
		pf_operand(s, k);
		pf_next(s);
		if (div && !pf_divisor_ok(s))
			pf_fail(s, "the print format divides by something not a constant");
		s->sizeof_here = div;
		k = pf_unary(s);
		pf_operand(s, k);
		/*
		 * libtraceevent 1.7.1 groups "a / b / c" as a / (b / c), and folds constants: a
		 * division ends its expression, as in every kernel's format.
		 */
		if (div && !(pf_is(s, ",") || pf_is(s, ")") || pf_is(s, "]") || pf_is(s, "}") ||
			     pf_is(s, ":") || s->tok == PF_END))
			pf_fail(s, "the print format divides by something not a constant");
	}
	if (pf_accept(s, "?")) {
		pf_operand(s, k);
		pf_value(s, pf_expr(s));
		pf_expect(s, ":");
		pf_value(s, pf_expr(s));
		k = PF_VALUE;
	}
	return k;
}

/* The widest field width or precision a print format may write: kernels use up to 16. */
#define PF_WIDTH_MAX	1000

/*
 * The conversions of the format string (its quoted pieces, fmt[0..len), concatenated as
 * libtraceevent does): a width or precision libtraceevent would pad to. One taken from the
 * record ('*') only as the kernel takes them, "%.*s" (a string's length) and "%*p...";
 * libtraceevent padded a "%*u" to a damaged record's 2^31 columns, minutes per line.
 */
static const char *check_conversions(const char *fmt, size_t len)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (fmt[i] == '\\') {
			i++;
			continue;
		}
		if (fmt[i] != '%')
			continue;
		if (i + 1 < len && fmt[i + 1] == '%') {
			i++;
			continue;
		}
		for (j = i + 1; j < len && strchr("#-+ 0123456789.*hlLzZ", fmt[j]); j++) {
			bool prec = fmt[j - 1] == '.';

			if (isdigit((unsigned char)fmt[j]) &&
			    strtoul(fmt + j, NULL, 10) > PF_WIDTH_MAX)
				return "the print format has a field width no kernel has";
			if (fmt[j] == '*' &&
			    (j + 1 >= len || fmt[j + 1] != (prec ? 's' : 'p')))
				return "the print format takes a field width from the record";
		}
		i = j;
	}
	return NULL;
}

/* The arguments after "print fmt: ": "FORMAT" ["MORE"...] [, EXPR]... */
static const char *check_print_fmt(const char *p, const char *end, const char *const *names,
				   const size_t *lens, int n)
{
	struct pf s = { .p = p, .end = end, .names = names, .lens = lens, .nr_names = n };
	const char *why = pf_lex(s);
	char *fmt;
	size_t len = 0;

	if (why)
		return why;
	pf_next(&s);
	if (s.tok != PF_STR)
		return "the print format does not start with a string";
	fmt = xmalloc(end - p + 1);
	while (s.tok == PF_STR) {
		memcpy(fmt + len, s.t + 1, s.len - 2);
		len += s.len - 2;
		pf_next(&s);
	}
	why = check_conversions(fmt, len);
	free(fmt);
	if (why)
		return why;
	while (pf_accept(&s, ",")) {
		struct pf a = s;

		pf_next(&a);
		if (s.tok == PF_IDENT && pf_is(&a, "(") && !pf_known_helper(s.t, s.len)) {
			/* f(...) alone, as the kernel prints "%s", kernel_function(REC->x) */
			pf_primary(&s);
			pf_call(&s);
			if (!pf_is(&s, ",") && s.tok != PF_END)
				pf_fail(&s, PF_OWN_CALL);
		} else {
			pf_value(&s, pf_expr(&s));
		}
	}
	if (s.tok != PF_END)
		pf_fail(&s, PF_SYNTAX);
	return s.why;
}

const char *td_format_problem(const char *text, size_t len, uint32_t page_size,
			      size_t *fields_len, size_t *line_at)
{
	const char *names[TD_FIELDS_MAX];
	size_t lens[TD_FIELDS_MAX];
	const char *p = text, *end = text + len, *why, *q;
	struct fline l;
	unsigned long id;
	int nf = 0;
	size_t i;

	if (fields_len)
		*fields_len = 0;
	if (line_at)
		*line_at = len;
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
			if (line_at)
				*line_at = l.p - text;
			if (!nf)
				return "no fields";
			/* Its strings may hold newlines: it runs to the end of the text. */
			why = check_print_fmt(q, end, names, lens, nf);
			if (why && fields_len)
				*fields_len = l.p - text;
			if (!why && line_at)
				*line_at = len;
			return why;
		}
		if (nf == TD_FIELDS_MAX)
			return "too many fields";
		why = check_field(&l, page_size, &names[nf], &lens[nf]);
		if (!why && known_field(names, lens, nf, names[nf], lens[nf]))
			why = "a field's name appears twice";
		if (why) {
			if (line_at)
				*line_at = l.p - text;
			return why;
		}
		nf++;
	}
	return "no print fmt: line";
}

/* header_page: field lines only (no name, ID or print format). */
const char *td_header_page_problem(const char *text, size_t len, uint32_t page_size)
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


char *td_printk_lines(const char *text, size_t len)
{
	return keep_lines(text, len, printk_line_ok);
}

char *td_cmdline_lines(const char *text, size_t len)
{
	return keep_lines(text, len, cmdline_ok);
}
