// SPDX-License-Identifier: GPL-2.0
/*
 * Event lines without libtraceevent's printf machinery (see text_internal.h, text_fast_*).
 *
 * libtraceevent prints each line by walking the event's print format again, through
 * vsnprintf(), strchr() and strdup() for every record. Here each event's format is compiled
 * once, at its first record, into steps (literal text, a number, a string, a pointer) over
 * expressions (field reads, casts, operators) taken from libtraceevent's own parse of the
 * format (print_fmt.args); each step then writes its text straight into a buffer. What the
 * compiler does not know, or what a record would make it do differently from libtraceevent
 * (a field outside the record, a string without its NUL, a division by zero), sends the whole
 * event or record back to libtraceevent: a line is made by one or the other, never mixed.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "note.h"
#include "text_internal.h"
#include "util.h"

/* Event ids are the 16-bit common_type; others always go to libtraceevent. */
#define FP_MAX_IDS	65536
/* Wider conversions than this go to libtraceevent. */
#define FP_MAX_WIDTH	4096

enum fp_xkind { X_CONST, X_FIELD, X_DYNLEN, X_CAST, X_OP, X_TERN };

enum fp_opcode {
	O_NOT, O_NE, O_BNOT, O_OR, O_LOR, O_AND, O_LAND, O_LT, O_SHL, O_LE, O_GT, O_SHR,
	O_GE, O_EQ, O_SUB, O_ADD, O_DIV, O_MOD, O_MUL,
};

/* Where a __data_loc (or __rel_loc) word is, as libtraceevent reads it. */
struct fp_dyn {
	int off, size;
	bool rel;
};

/* A number, as libtraceevent's eval_num_arg() computes it (unsigned 64 bits). */
struct fp_expr {
	enum fp_xkind kind;
	enum fp_opcode op;
	uint64_t val;			/* X_CONST; X_CAST: the mask the type keeps */
	int off, size;			/* X_FIELD */
	struct fp_dyn dyn;		/* X_DYNLEN */
	struct fp_expr *a, *b, *c;	/* operands; X_TERN: condition, then, else */
};

enum fp_akind { A_NONE, A_ATOM, A_ARRAY, A_DYNSTR, A_FLAGS, A_SYMBOL, A_HEX, A_TERN };

struct fp_flag {
	int64_t val;
	const char *str;
};

/* A %s argument, as libtraceevent's print_str_arg() prints it. */
struct fp_sarg {
	enum fp_akind kind;
	const char *str;		/* A_ATOM */
	int off, size;			/* A_ARRAY (size 0: the rest of the record); static A_HEX */
	bool dynamic;			/* A_HEX: the bytes are dyn's */
	bool spaced;			/* A_HEX: __print_hex, not __print_hex_str */
	struct fp_dyn dyn;		/* A_DYNSTR, dynamic A_HEX */
	struct fp_expr *x;		/* the value; A_HEX: the length */
	struct fp_flag *flags;		/* A_FLAGS, A_SYMBOL */
	int nr_flags;
	const char *delim;		/* A_FLAGS, may be NULL */
	struct fp_sarg *yes, *no;	/* A_TERN */
};

enum fp_skind { S_LIT, S_INT, S_NUM, S_STR, S_PTR, S_SYM };

/*
 * A conversion's spec as printf reads it: S_INT and plain strings are written here, the
 * rest by vsnprintf() with spec, as libtraceevent does.
 */
struct fp_spec {
	char *spec;			/* "%08lx", NUL-terminated */
	bool left, zero;
	int width;			/* -1: none */
	bool simple;			/* only '-', '0' and a width: written here */
	char conv;
	int ls;				/* libtraceevent's length class: -2 char ... 2 long long */
};

struct fp_step {
	enum fp_skind kind;
	const char *text;		/* S_LIT */
	size_t len;
	struct fp_spec f;
	struct fp_expr *x;		/* S_INT, S_NUM, S_PTR, S_SYM */
	struct fp_expr *star;		/* a '*' width or precision, or NULL */
	struct fp_sarg *s;		/* S_STR */
};

/*
 * The fields libtraceevent's plugins print, in the slots of pf[]: the sched_switch plugin's
 * (prev_ and next_ pid, comm, prio; prev_state), its sched_wakeup's (pid, comm, prio,
 * target_cpu, success), the hrtimer plugin's (timer or hrtimer, function, then now, or
 * expires and softexpires), the function plugin's raw_data (id, and buf's offset).
 */
enum fp_pfield { PF_PID, PF_COMM, PF_PRIO, PF_STATE, PF_NPID, PF_NCOMM, PF_NPRIO, PF_MAX };
enum fp_wfield { WF_PID, WF_COMM, WF_PRIO, WF_CPU, WF_SUCCESS };
enum fp_hfield { HF_TIMER, HF_FUNC, HF_NOW, HF_EXPIRES = HF_NOW, HF_SOFT };
enum fp_rfield { RF_ID, RF_BUF };

enum fp_plugin { PL_NONE, PL_SWITCH, PL_WAKEUP, PL_HRSTART, PL_HREXPIRE, PL_RAW, PL_USER };

/* One event's compiled format; ok false: libtraceevent prints it. */
struct fp_prog {
	const struct tep_event *e;
	bool ok;
	enum fp_plugin plugin;		/* printed as a libtraceevent plugin prints it */
	tep_event_handler_func handler;	/* the plugin's, when compiled */
	struct { int off, size; } pf[PF_MAX];	/* size 0: no such field */
	int pid_off, pid_size;		/* common_pid, where libtraceevent reads it */
	char *name;			/* ": name: " and its padding, ... */
	size_t name_len;		/* ... this long */
	bool syms;			/* looks up kernel symbols */
	struct fp_step *steps;
	int nr_steps;
	void **mem;			/* every allocation, freed with the program */
	int nr_mem;
};

struct fp_buf {
	char *p;
	size_t len, cap;
	/* p is the caller's room (text_fast_make_in()); the buffer's own is kept here. */
	bool lent;
	char *own;
	size_t own_cap;
};

/* Line starts kept (text_fast.heads): a task per CPU of a 4-CPU load. */
#define HEADS_KEPT	4
#define HEAD_TEXT	48
#define SECS_TEXT	32
/* A line's head after its task: its whole kept text, the CPU, the seconds kept, the rest. */
#define HEAD_ROOM	(HEAD_TEXT + 8 + SECS_TEXT + 8)

struct text_fast {
	struct tep_handle *tep;
	bool swap;			/* the data's byte order is not the host's */
	enum text_fast_mode mode;
	struct fp_prog **progs;		/* by event id */
	int nr_progs;
	struct fp_buf line, tmp;
	/* text_fast_make_in()'s room for the next line, or NULL. */
	char *room;
	size_t room_size;
	/* The plugin's comms, registered once the line is done (its header looked them up). */
	struct fp_buf comm[2];
	int comm_pid[2], nr_comms;
	uint64_t fast, total;
	bool failed;			/* check mode met a difference */
	struct trace_seq user;		/* a user event's fields (user_events.c) */
	/*
	 * The starts of the last lines of a few tasks, "%16s-%-5d [" of their comms and pids:
	 * most lines follow one of the same task or of a task on another CPU, and libtraceevent
	 * finds a comm by a binary search. Forgotten whenever a comm may have been registered
	 * since (forget_heads()).
	 */
	struct {
		int pid;
		unsigned int len;	/* 0: none */
		char text[HEAD_TEXT];
	} heads[HEADS_KEPT];
	unsigned int next_head;		/* the slot to reuse next */
	/* The last line's " %5llu." of its seconds. */
	uint64_t secs;
	size_t secs_len;
	char secs_txt[SECS_TEXT];
	/* Kernel symbols into tep, called once before the first line that may need them. */
	void (*load_syms)(void *ctx);
	void *syms_ctx;
};

/* The record being printed. */
struct fp_run {
	struct tep_handle *tep;
	const uint8_t *data;
	int64_t size;
	bool swap;			/* the file's byte order is not ours */
	struct fp_buf *tmp;
};

/* Buffer */

static void __attribute__((noinline)) buf_grow(struct fp_buf *b, size_t more)
{
	size_t cap = (b->len + more + 1) * 2;

	if (!b->lent) {
		b->cap = cap;
		b->p = xrealloc(b->p, b->cap);
		return;
	}
	/* A line that does not fit the caller's room goes on in the buffer's own. */
	if (b->own_cap < cap) {
		b->own = xrealloc(b->own, cap);
		b->own_cap = cap;
	}
	memcpy(b->own, b->p, b->len);
	b->p = b->own;
	b->cap = b->own_cap;
	b->lent = false;
}

static void buf_lend(struct fp_buf *b, char *room, size_t size)
{
	b->own = b->p;
	b->own_cap = b->cap;
	b->p = room;
	b->cap = size;
	b->lent = true;
}

/* The buffer's own back after a line made in the caller's room. */
static void buf_unlend(struct fp_buf *b)
{
	if (b->lent) {
		b->p = b->own;
		b->cap = b->own_cap;
		b->lent = false;
	}
}

/* Room for more bytes (and a NUL) after the buffer's text. */
static inline void buf_reserve(struct fp_buf *b, size_t more)
{
	if (b->cap - b->len <= more)
		buf_grow(b, more);
}

static void buf_put(struct fp_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_putc(struct fp_buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}

static void buf_pad(struct fp_buf *b, char c, int n)
{
	if (n <= 0)
		return;
	buf_reserve(b, n);
	memset(b->p + b->len, c, n);
	b->len += n;
}

/* vsnprintf() appended, as trace_seq_printf() appends it (a %c of 0 included). */
static int buf_printf(struct fp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	buf_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, n + 1);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
	return 0;
}

/* "00" to "99": two decimal digits per division. */
static const char dec_pairs[200] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Digits of v in base 10 or 16, into the end of d[24]; returns the first. */
static char *digits(uint64_t v, int base, bool upper, char *d)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = d + 24;

	/* Constant divisors: the compiler's multiplications instead of divisions. */
	if (base == 16) {
		do {
			*--p = set[v & 15];
			v >>= 4;
		} while (v);
		return p;
	}
	while (v >= 100) {
		p -= 2;
		memcpy(p, dec_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, dec_pairs + 2 * v, 2);
	} else {
		*--p = '0' + v;
	}
	return p;
}

/* A number with sign, width, '-' and '0' as printf pads them. */
static void put_num(struct fp_buf *b, uint64_t mag, bool neg, int base, bool upper, int width,
		    bool left, bool zero)
{
	/* digits() ends at d + 24; the rest lets a fixed 24-byte copy read past the digits. */
	char d[48];
	char *p = digits(mag, base, upper, d), *q;
	int n = d + 24 - p, pad = width - n - neg;

	if (pad < 0)
		pad = 0;
	/* One reservation, then stores: these are most of a short line's text. */
	buf_reserve(b, n + neg + pad + 24);
	q = b->p + b->len;
	if (!left && !zero && pad) {
		memset(q, ' ', pad);
		q += pad;
	}
	if (neg)
		*q++ = '-';
	if (!left && zero && pad) {
		memset(q, '0', pad);
		q += pad;
	}
	/* A fixed-size copy into the slack reserved above instead of a call for n bytes. */
	memcpy(q, p, 24);
	q += n;
	if (left && pad) {
		memset(q, ' ', pad);
		q += pad;
	}
	b->len = q - b->p;
}

/* hex3[c]: a space and c's two lowercase hex digits (and a byte to make a 4-byte store). */
#define HEXD(d)		((d) < 10 ? '0' + (d) : 'a' - 10 + (d))
#define HEX3(c)		{ ' ', HEXD((c) >> 4), HEXD((c) & 15), 0 }
#define HEX3_16(h)	HEX3(h), HEX3(h + 1), HEX3(h + 2), HEX3(h + 3), HEX3(h + 4), \
			HEX3(h + 5), HEX3(h + 6), HEX3(h + 7), HEX3(h + 8), HEX3(h + 9), \
			HEX3(h + 10), HEX3(h + 11), HEX3(h + 12), HEX3(h + 13), HEX3(h + 14), \
			HEX3(h + 15)
static const char hex3[256][4] = {
	HEX3_16(0), HEX3_16(16), HEX3_16(32), HEX3_16(48), HEX3_16(64), HEX3_16(80),
	HEX3_16(96), HEX3_16(112), HEX3_16(128), HEX3_16(144), HEX3_16(160), HEX3_16(176),
	HEX3_16(192), HEX3_16(208), HEX3_16(224), HEX3_16(240),
};

#if defined(__x86_64__)
/*
 * n blocks of 16 bytes as " hh" each, 48 characters a block, with SSSE3's byte shuffle: raw
 * markers print every byte so, and the table loop below was the largest part of their text
 * (bench/RESULTS.md, "Hex of raw markers"). SSSE3 is not in the x86-64 baseline: used where
 * the CPU has it. The loop is in here, its constants loaded once: a call per block was a
 * third of the work (bench/RESULTS.md, twenty-fifth session).
 */
__attribute__((target("ssse3")))
static void hex16_spaced(char *q, const uint8_t *p, size_t n)
{
	const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
					      'a', 'b', 'c', 'd', 'e', 'f');
	const __m128i nibble = _mm_set1_epi8(0x0f);
	/* Digit pairs of bytes 0-7 and 8-15; index -1 (high bit) makes a 0 the space goes in. */
	const __m128i s0 = _mm_setr_epi8(-1, 0, 1, -1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1);
	const __m128i s1a = _mm_setr_epi8(10, 11, -1, 12, 13, -1, 14, 15, -1, -1, -1, -1, -1, -1,
					  -1, -1);
	const __m128i s1b = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, -1, 2, 3, -1,
					  4);
	const __m128i s2 = _mm_setr_epi8(5, -1, 6, 7, -1, 8, 9, -1, 10, 11, -1, 12, 13, -1, 14,
					 15);
	const __m128i sp0 = _mm_setr_epi8(' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0,
					  ' ');
	const __m128i sp1 = _mm_setr_epi8(0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ',
					  0);
	const __m128i sp2 = _mm_setr_epi8(0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0, 0, ' ', 0,
					  0);

	for (; n; n--, p += 16, q += 48) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		__m128i hi = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
		__m128i lo = _mm_shuffle_epi8(digits, _mm_and_si128(v, nibble));
		__m128i p0 = _mm_unpacklo_epi8(hi, lo), p1 = _mm_unpackhi_epi8(hi, lo);
		__m128i o0 = _mm_or_si128(_mm_shuffle_epi8(p0, s0), sp0);
		__m128i o1 = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(p0, s1a),
						       _mm_shuffle_epi8(p1, s1b)), sp1);
		__m128i o2 = _mm_or_si128(_mm_shuffle_epi8(p1, s2), sp2);

		_mm_storeu_si128((__m128i *)q, o0);
		_mm_storeu_si128((__m128i *)(q + 16), o1);
		_mm_storeu_si128((__m128i *)(q + 32), o2);
	}
}

static bool hex_ssse3(void)
{
	static int have = -1;	/* atomic: any thread may be the first, all find the same */
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		h = !!__builtin_cpu_supports("ssse3");
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}
#endif

/*
 * Bytes as two lowercase hex digits each, spaced: with a space between them, lead: before
 * the first too. The hex dumps of __print_hex and of raw markers are most of their lines:
 * table lookups and overlapping stores, no branch per byte.
 */
static void put_hex_bytes(struct fp_buf *b, const uint8_t *p, size_t n, bool spaced, bool lead)
{
	char *q;
	size_t i;

	if (!n)
		return;
	buf_reserve(b, 3 * n + 8);
	q = b->p + b->len;
	if (!spaced) {
		for (i = 0; i < n; i++, q += 2)
			memcpy(q, hex3[p[i]] + 1, 2);
		b->len = q - b->p;
		return;
	}
	i = 0;
	if (!lead) {
		memcpy(q, hex3[p[0]] + 1, 2);
		q += 2;
		i = 1;
	}
#if defined(__x86_64__)
	if (n - i >= 16 && hex_ssse3()) {
		hex16_spaced(q, p + i, (n - i) / 16);
		q += (n - i) / 16 * 48;
		i += (n - i) / 16 * 16;
	}
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Two bytes' six characters per 8-byte store (the next store overwrites the rest). */
	for (; i + 4 <= n; i += 4, q += 12) {
		uint32_t a, c, d, e;
		uint64_t w;

		memcpy(&a, hex3[p[i]], 4);
		memcpy(&c, hex3[p[i + 1]], 4);
		memcpy(&d, hex3[p[i + 2]], 4);
		memcpy(&e, hex3[p[i + 3]], 4);
		w = a | (uint64_t)c << 24;
		memcpy(q, &w, 8);
		w = d | (uint64_t)e << 24;
		memcpy(q + 6, &w, 8);
	}
#endif
	for (; i < n; i++, q += 3)
		memcpy(q, hex3[p[i]], 4);
	b->len = q - b->p;
}

static void put_str(struct fp_buf *b, const char *s, size_t n, int width, bool left)
{
	int pad = width > (int)n ? width - (int)n : 0;

	if (!left)
		buf_pad(b, ' ', pad);
	buf_put(b, s, n);
	if (left)
		buf_pad(b, ' ', pad);
}

/* Program memory */

static void *prog_alloc(struct fp_prog *p, size_t size)
{
	void *m = xcalloc(1, size);

	p->mem = xrealloc(p->mem, (p->nr_mem + 1) * sizeof(*p->mem));
	p->mem[p->nr_mem++] = m;
	return m;
}

static void prog_free(struct fp_prog *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nr_mem; i++)
		free(p->mem[i]);
	free(p->mem);
	free(p->steps);
	free(p);
}

static struct fp_step *add_step(struct fp_prog *p, enum fp_skind kind)
{
	struct fp_step *st;

	p->steps = xrealloc(p->steps, (p->nr_steps + 1) * sizeof(*p->steps));
	st = &p->steps[p->nr_steps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	return st;
}

/* Compiling arguments */

static struct tep_format_field *arg_field(struct tep_event *e, struct tep_print_arg *a)
{
	return a->field.field ? a->field.field : tep_find_any_field(e, a->field.name);
}

/* The bits of a value a cast keeps, by libtraceevent's reading of the type's name. */
static bool cast_mask(const char *type, uint64_t *mask)
{
	static const struct {
		const char *name;
		uint64_t mask;
	} types[] = {
		{ "u8", 0xff }, { "u16", 0xffff }, { "u32", 0xffffffff }, { "u64", ~0ull },
		{ "s64", ~0ull }, { "s8", 0xff }, { "s16", 0xffff }, { "s32", 0xffffffff },
	};
	size_t i, len = type ? strlen(type) : 0;

	if (!len)
		return false;
	*mask = ~0ull;
	if (type[len - 1] == '*' || !strncmp(type, "struct", 6))
		return true;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!strcmp(type, types[i].name)) {
			*mask = types[i].mask;
			return true;
		}
	}
	if (!strncmp(type, "unsigned ", 9))
		type += 9;
	if (!strcmp(type, "char"))
		*mask = 0xff;
	else if (!strcmp(type, "short"))
		*mask = 0xffff;
	else if (!strcmp(type, "int"))
		*mask = 0xffffffff;
	return true;
}

static bool op_code(const char *op, enum fp_opcode *code)
{
	switch (op[0]) {
	case '!':
		if (op[1] && op[1] != '=')
			return false;
		*code = op[1] ? O_NE : O_NOT;
		return true;
	case '~':
		*code = O_BNOT;
		return true;
	case '|':
		*code = op[1] ? O_LOR : O_OR;
		return true;
	case '&':
		*code = op[1] ? O_LAND : O_AND;
		return true;
	case '<':
	case '>':
		if (op[1] && op[1] != op[0] && op[1] != '=')
			return false;
		if (op[0] == '<')
			*code = !op[1] ? O_LT : op[1] == '=' ? O_LE : O_SHL;
		else
			*code = !op[1] ? O_GT : op[1] == '=' ? O_GE : O_SHR;
		return true;
	case '=':
		*code = O_EQ;
		return op[1] == '=';
	case '-':
		*code = O_SUB;
		return true;
	case '+':
		*code = O_ADD;
		return true;
	case '/':
		*code = O_DIV;
		return true;
	case '%':
		*code = O_MOD;
		return true;
	case '*':
		*code = O_MUL;
		return true;
	}
	return false;
}

static bool dyn_field(const struct tep_format_field *fl, struct fp_dyn *d)
{
	if (!fl || fl->offset < 0 || (fl->size != 2 && fl->size != 4))
		return false;
	d->off = fl->offset;
	d->size = fl->size;
	d->rel = fl->flags & TEP_FIELD_IS_RELATIVE;
	return true;
}

static struct fp_expr *cx_num(struct fp_prog *p, struct tep_event *e, struct tep_print_arg *a,
			      int depth)
{
	struct tep_format_field *fl;
	struct fp_expr *x;

	if (!a || depth > 32)
		return NULL;
	x = prog_alloc(p, sizeof(*x));
	switch (a->type) {
	case TEP_PRINT_NULL:
		x->kind = X_CONST;
		return x;
	case TEP_PRINT_ATOM:
		/* A name would be looked up among the kernel's symbols. */
		if (!a->atom.atom || !isdigit((unsigned char)a->atom.atom[0]))
			return NULL;
		x->kind = X_CONST;
		x->val = strtoull(a->atom.atom, NULL, 0);
		return x;
	case TEP_PRINT_FIELD:
		fl = arg_field(e, a);
		if (!fl || fl->offset < 0 ||
		    (fl->size != 1 && fl->size != 2 && fl->size != 4 && fl->size != 8))
			return NULL;
		x->kind = X_FIELD;
		x->off = fl->offset;
		x->size = fl->size;
		return x;
	case TEP_PRINT_DYNAMIC_ARRAY_LEN:
		if (!dyn_field(a->dynarray.field, &x->dyn))
			return NULL;
		x->kind = X_DYNLEN;
		return x;
	case TEP_PRINT_TYPE:
		x->kind = X_CAST;
		if (!cast_mask(a->typecast.type, &x->val))
			return NULL;
		x->a = cx_num(p, e, a->typecast.item, depth + 1);
		return x->a ? x : NULL;
	case TEP_PRINT_OP:
		if (!a->op.op || !a->op.left || !a->op.right)
			return NULL;
		if (!strcmp(a->op.op, "?")) {
			struct tep_print_arg *r = a->op.right;

			if (r->type != TEP_PRINT_OP || !r->op.op || strcmp(r->op.op, ":"))
				return NULL;
			x->kind = X_TERN;
			x->a = cx_num(p, e, a->op.left, depth + 1);
			x->b = cx_num(p, e, r->op.left, depth + 1);
			x->c = cx_num(p, e, r->op.right, depth + 1);
			return x->a && x->b && x->c ? x : NULL;
		}
		/* Array indexing reads by element size and address: libtraceevent's. */
		if (!strcmp(a->op.op, "[") || !op_code(a->op.op, &x->op))
			return NULL;
		x->kind = X_OP;
		x->a = cx_num(p, e, a->op.left, depth + 1);
		x->b = cx_num(p, e, a->op.right, depth + 1);
		return x->a && x->b ? x : NULL;
	default:
		return NULL;
	}
}

/*
 * A table entry's value as libtraceevent reads it: a number, or a name it looks up among a
 * few kernel enums and takes as -1 when it is not one of them. Those few stay its own.
 */
static bool flag_value(const char *v, int64_t *val)
{
	static const char *const known[] = {
		"HI_SOFTIRQ", "TIMER_SOFTIRQ", "NET_TX_SOFTIRQ", "NET_RX_SOFTIRQ", "BLOCK_SOFTIRQ",
		"IRQ_POLL_SOFTIRQ", "BLOCK_IOPOLL_SOFTIRQ", "TASKLET_SOFTIRQ", "SCHED_SOFTIRQ",
		"HRTIMER_SOFTIRQ", "RCU_SOFTIRQ", "HRTIMER_NORESTART", "HRTIMER_RESTART",
	};
	size_t i;

	if (isdigit((unsigned char)v[0])) {
		*val = (int64_t)strtoull(v, NULL, 0);
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(v, known[i]))
			return false;
	*val = -1;
	return true;
}

/*
 * __print_flags() and __print_symbolic() tables. Flags take numbers below 2^63 only: a name
 * would be -1, and libtraceevent gives negative flags meanings of their own.
 */
static bool cx_flags(struct fp_prog *p, struct tep_print_flag_sym *fs, struct fp_sarg *s)
{
	struct tep_print_flag_sym *f;
	int n = 0;

	for (f = fs; f; f = f->next)
		n++;
	s->flags = prog_alloc(p, (n ? n : 1) * sizeof(*s->flags));
	for (f = fs; f; f = f->next) {
		if (!f->value || !f->str || !flag_value(f->value, &s->flags[s->nr_flags].val) ||
		    (s->kind == A_FLAGS && (!isdigit((unsigned char)f->value[0]) ||
					    s->flags[s->nr_flags].val < 0)))
			return false;
		s->flags[s->nr_flags++].str = f->str;
	}
	return true;
}

/* The bytes of __print_hex(): a field, or a dynamic array. */
static bool cx_bytes(struct tep_event *e, struct tep_print_arg *a, struct fp_sarg *s)
{
	struct tep_format_field *fl;

	if (!a)
		return false;
	if (a->type == TEP_PRINT_DYNAMIC_ARRAY) {
		s->dynamic = true;
		return dyn_field(a->dynarray.field, &s->dyn);
	}
	if (a->type != TEP_PRINT_FIELD)
		return false;
	fl = arg_field(e, a);
	if (!fl || fl->offset < 0)
		return false;
	s->off = fl->offset;
	return true;
}

static struct fp_sarg *cx_str(struct fp_prog *p, struct tep_event *e, struct tep_print_arg *a,
			      int depth)
{
	struct tep_format_field *fl;
	struct fp_sarg *s;

	if (!a || depth > 32)
		return NULL;
	s = prog_alloc(p, sizeof(*s));
	switch (a->type) {
	case TEP_PRINT_NULL:
	case TEP_PRINT_TYPE:
		s->kind = A_NONE;
		return s;
	case TEP_PRINT_ATOM:
		if (!a->atom.atom)
			return NULL;
		s->kind = A_ATOM;
		s->str = a->atom.atom;
		return s;
	case TEP_PRINT_FIELD:
		fl = arg_field(e, a);
		/* A long-sized scalar is a pointer into the kernel's printk formats. */
		if (!fl || fl->offset < 0 || fl->size < 0 ||
		    (!(fl->flags & TEP_FIELD_IS_ARRAY) && fl->size == tep_get_long_size(e->tep)))
			return NULL;
		s->kind = A_ARRAY;
		s->off = fl->offset;
		s->size = fl->size;
		return s;
	case TEP_PRINT_STRING:
		fl = a->string.field ? a->string.field : tep_find_any_field(e, a->string.string);
		if (!fl) {
			s->kind = A_NONE;
			return s;
		}
		s->kind = A_DYNSTR;
		return dyn_field(fl, &s->dyn) ? s : NULL;
	case TEP_PRINT_FLAGS:
	case TEP_PRINT_SYMBOL:
		s->kind = a->type == TEP_PRINT_FLAGS ? A_FLAGS : A_SYMBOL;
		s->x = cx_num(p, e, a->type == TEP_PRINT_FLAGS ? a->flags.field : a->symbol.field,
			      depth + 1);
		if (a->type == TEP_PRINT_FLAGS)
			s->delim = a->flags.delim;
		if (!s->x || !cx_flags(p, a->type == TEP_PRINT_FLAGS ? a->flags.flags :
				       a->symbol.symbols, s))
			return NULL;
		return s;
	case TEP_PRINT_HEX:
	case TEP_PRINT_HEX_STR:
		s->kind = A_HEX;
		s->spaced = a->type == TEP_PRINT_HEX;
		s->x = cx_num(p, e, a->hex.size, depth + 1);
		return s->x && cx_bytes(e, a->hex.field, s) ? s : NULL;
	case TEP_PRINT_OP:
		if (!a->op.op)
			return NULL;
		/* Only "?:" prints a string; other operators print nothing. */
		if (a->op.op[0] != '?') {
			s->kind = A_NONE;
			return s;
		}
		if (!a->op.left || !a->op.right || a->op.right->type != TEP_PRINT_OP)
			return NULL;
		s->kind = A_TERN;
		s->x = cx_num(p, e, a->op.left, depth + 1);
		s->yes = cx_str(p, e, a->op.right->op.left, depth + 1);
		s->no = cx_str(p, e, a->op.right->op.right, depth + 1);
		return s->x && s->yes && s->no ? s : NULL;
	default:
		return NULL;
	}
}

/* Compiling the format */

/* Literal text up to the next conversion, with libtraceevent's escapes; -1 if odd. */
static int cx_lit(struct fp_prog *p, const char *f)
{
	struct fp_step *st;
	char *out = prog_alloc(p, strlen(f) + 1);
	int i = 0, n = 0;

	while (f[i]) {
		if (f[i] == '\\') {
			static const char from[] = "ntr\\", to[] = "\n\t\r\\";
			const char *c;

			if (!f[i + 1])
				return -1;
			c = strchr(from, f[i + 1]);
			out[n++] = c ? to[c - from] : f[i + 1];
			i += 2;
		} else if (f[i] == '%') {
			if (f[i + 1] != '%')
				break;
			out[n++] = '%';
			i += 2;
		} else {
			out[n++] = f[i++];
		}
	}
	if (n) {
		st = add_step(p, S_LIT);
		st->text = out;
		st->len = n;
	}
	return i;
}

/* How printf will read spec; simple when it is [-0]*[width] and a plain length. */
static void parse_spec(char *spec, char conv, int ls, struct fp_spec *f)
{
	const char *c = spec + 1;
	long w = -1;
	size_t m;

	f->spec = spec;
	f->conv = conv;
	f->ls = ls;
	for (; *c == '-' || *c == '0'; c++) {
		if (*c == '-')
			f->left = true;
		else
			f->zero = true;
	}
	if (*c >= '1' && *c <= '9') {
		w = strtol(c, (char **)&c, 10);
		if (w > FP_MAX_WIDTH)
			return;
	}
	f->width = w;
	m = strlen(c) - 1;
	/* Then at most a length printf reads as libtraceevent's cast, and the conversion. */
	if (c[m] != conv || (conv == 's' && (m || f->zero)))
		return;
	f->simple = !m || (m == 1 && (c[0] == 'h' || c[0] == 'l')) ||
		    (m == 2 && c[0] == c[1] && (c[0] == 'h' || c[0] == 'l'));
}

/* Is a width or precision in spec too wide to be worth it (or printf's limits)? */
static bool spec_too_wide(const char *spec)
{
	for (; *spec; spec++)
		if (isdigit((unsigned char)*spec) && strtol(spec, NULL, 10) > FP_MAX_WIDTH)
			return true;
	return false;
}

/* A conversion at f, consuming its arguments as libtraceevent's parse does; -1 if not ours. */
static int cx_conv(struct fp_prog *p, struct tep_event *e, const char *f,
		   struct tep_print_arg **arg)
{
	struct tep_print_arg *star = NULL, *a;
	struct fp_step *st;
	const char *c = f + 1;
	int ls = 0, ext = 0, len;
	char *spec;

	for (; *c; c++) {
		switch (*c) {
		/* libtraceevent 1.7.1 reads '+' and 'c' as literal text: its own. */
		case '#':
		case '.':
		case '-':
		case '0' ... '9':
			continue;
		case 'h':
			ls--;
			continue;
		case 'l':
			ls++;
			continue;
		case 'L':
			ls = 2;
			continue;
		case 'z':
		case 'Z':
			ls = 1;
			continue;
		case '*':
			if (!*arg || star)
				return -1;
			star = *arg;
			*arg = star->next;
			continue;
		case 'p':
			/* %pS and friends; MAC, IP, UUID and hex buffers stay libtraceevent's. */
			if (c[1] && strchr("FSfs", c[1]))
				ext = 1;
			else if (c[1] && strchr("MmIiUh", c[1]))
				return -1;
			break;
		case 'd':
		case 'u':
		case 'i':
		case 'x':
		case 'X':
		case 'o':
		case 's':
			break;
		default:
			return -1;
		}
		break;
	}
	a = *arg;
	if (!*c || !a)
		return -1;
	*arg = a->next;
	len = c + 1 + ext - f;
	if (len > 30 || ls < -2 || ls > 2)
		return -1;
	/* libtraceevent widens %l to %ll where the file's long is wider than ours. */
	if (*c != 's' && *c != 'p' && ls == 1 && sizeof(long) != 8 &&
	    tep_get_long_size(e->tep) == 8)
		return -1;
	spec = prog_alloc(p, len + 1);
	memcpy(spec, f, len);
	if (spec_too_wide(spec))
		return -1;
	if (*c == 'p') {
		/* Flags or a width before a 'p' are libtraceevent's to ignore or not. */
		if (a->type == TEP_PRINT_BSTRING || c != f + 1)
			return -1;
		st = add_step(p, ext ? S_SYM : S_PTR);
		p->syms |= ext;
		st->f.conv = ext ? c[1] : 'p';
		st->x = cx_num(p, e, a, 0);
		return st->x ? len : -1;
	}
	if (*c == 's') {
		if (strpbrk(spec, "hlLzZ#+"))
			return -1;
		st = add_step(p, S_STR);
		parse_spec(spec, 's', 0, &st->f);
		st->s = cx_str(p, e, a, 0);
		if (star && !(st->star = cx_num(p, e, star, 0)))
			return -1;
		return st->s ? len : -1;
	}
	st = add_step(p, S_NUM);
	parse_spec(spec, *c, ls, &st->f);
	if (st->f.simple && !star && strchr("diuxX", *c))
		st->kind = S_INT;
	st->x = cx_num(p, e, a, 0);
	if (star && !(st->star = cx_num(p, e, star, 0)))
		return -1;
	return st->x ? len : -1;
}

/* The line's head: the pid's place and the padding after the name. */
static bool compile_head(struct fp_prog *p, struct tep_event *e)
{
	struct tep_event *first = tep_get_first_event(e->tep);
	struct tep_format_field *pid;
	int len;

	if (!first || !e->name)
		return false;
	/* libtraceevent reads every record's pid where its first event keeps it. */
	pid = tep_find_common_field(first, "common_pid");
	if (!pid || pid->offset < 0 ||
	    (pid->size != 1 && pid->size != 2 && pid->size != 4 && pid->size != 8))
		return false;
	p->pid_off = pid->offset;
	p->pid_size = pid->size;
	len = strlen(e->name);
	/* trace-cmd pads "name: " so that the details start in one column. */
	p->name_len = 2 + len + 2 + (len < 20 ? 20 - len : 0);
	p->name = prog_alloc(p, p->name_len + 1);
	memset(p->name, ' ', p->name_len);
	memcpy(p->name, ": ", 2);
	memcpy(p->name + 2, e->name, len);
	p->name[2 + len] = ':';
	return true;
}

static bool compile(struct fp_prog *p, struct tep_event *e)
{
	struct tep_print_arg *arg = e->print_fmt.args;
	const char *f = e->print_fmt.format;
	int n;

	if (!f)
		return false;
	while (*f) {
		if (f[0] == '%' && f[1] != '%')
			n = cx_conv(p, e, f, &arg);
		else
			n = cx_lit(p, f);
		if (n <= 0)
			return false;
		f += n;
	}
	return true;
}

/* Running */

static int read_num(const struct fp_run *r, int64_t off, int size, uint64_t *v)
{
	uint8_t b1;
	uint16_t b2;
	uint32_t b4;
	uint64_t b8;

	if (off < 0 || off + size > r->size)
		return -1;
	switch (size) {
	case 1:
		b1 = r->data[off];
		*v = b1;
		return 0;
	case 2:
		memcpy(&b2, r->data + off, 2);
		*v = r->swap ? __builtin_bswap16(b2) : b2;
		return 0;
	case 4:
		memcpy(&b4, r->data + off, 4);
		*v = r->swap ? __builtin_bswap32(b4) : b4;
		return 0;
	case 8:
		memcpy(&b8, r->data + off, 8);
		*v = r->swap ? __builtin_bswap64(b8) : b8;
		return 0;
	}
	return -1;
}

/*
 * A __data_loc word: offset in the low 16 bits, length in the high (the rest of the record
 * for a 2-byte word), cleared as libtraceevent clears them when they point outside.
 */
static int dyn_loc(const struct fp_run *r, const struct fp_dyn *d, uint32_t *off, uint32_t *len)
{
	uint32_t o, l, size = r->size;
	uint64_t v;

	if (d->off + d->size > r->size) {
		*off = *len = 0;
		return 0;
	}
	if (read_num(r, d->off, d->size, &v))
		return -1;
	o = v & 0xffff;
	l = d->size == 2 ? size - o : (v >> 16) & 0xffff;
	*off = o > size ? 0 : o;
	*len = o + l > size ? 0 : l;
	if (d->rel)
		*off += d->off + d->size;
	return 0;
}

static int eval(const struct fp_run *r, const struct fp_expr *x, uint64_t *v)
{
	uint64_t a, b;
	uint32_t off, len;

	switch (x->kind) {
	case X_CONST:
		*v = x->val;
		return 0;
	case X_FIELD:
		return read_num(r, x->off, x->size, v);
	case X_DYNLEN:
		if (dyn_loc(r, &x->dyn, &off, &len))
			return -1;
		*v = len;
		return 0;
	case X_CAST:
		if (eval(r, x->a, &a))
			return -1;
		*v = a & x->val;
		return 0;
	case X_TERN:
		if (eval(r, x->a, &a))
			return -1;
		return eval(r, a ? x->b : x->c, v);
	case X_OP:
		break;
	}
	if (eval(r, x->a, &a) || eval(r, x->b, &b))
		return -1;
	switch (x->op) {
	case O_NOT:
		*v = !b;
		break;
	case O_NE:
		*v = a != b;
		break;
	case O_BNOT:
		*v = ~b;
		break;
	case O_OR:
		*v = a | b;
		break;
	case O_LOR:
		*v = a || b;
		break;
	case O_AND:
		*v = a & b;
		break;
	case O_LAND:
		*v = a && b;
		break;
	case O_LT:
		*v = a < b;
		break;
	case O_LE:
		*v = a <= b;
		break;
	case O_GT:
		*v = a > b;
		break;
	case O_GE:
		*v = a >= b;
		break;
	case O_EQ:
		*v = a == b;
		break;
	case O_SHL:
	case O_SHR:
		/* What C leaves undefined, libtraceevent's build decides: its to print. */
		if (b >= 64)
			return -1;
		*v = x->op == O_SHL ? a << b : a >> b;
		break;
	case O_SUB:
		*v = a - b;
		break;
	case O_ADD:
		*v = a + b;
		break;
	case O_MUL:
		*v = a * b;
		break;
	case O_DIV:
	case O_MOD:
		if (!b)
			return -1;
		*v = x->op == O_DIV ? a / b : a % b;
		break;
	}
	return 0;
}

/* A '*' argument, passed to printf as an int; a negative one would not be. */
static int eval_star(const struct fp_run *r, const struct fp_step *st, int *plen)
{
	uint64_t v;

	if (!st->star) {
		*plen = -1;
		return 0;
	}
	if (eval(r, st->star, &v) || (int)v < 0 || (int)v > FP_MAX_WIDTH)
		return -1;
	*plen = (int)v;
	return 0;
}

/* One string through a %s spec. */
static int emit_str(struct fp_buf *b, const struct fp_run *r, const struct fp_step *st,
		    int plen, const char *s, size_t n)
{
	if (st->f.simple && plen < 0) {
		put_str(b, s, n, st->f.width, st->f.left);
		return 0;
	}
	/* printf needs the string NUL-terminated. */
	r->tmp->len = 0;
	buf_put(r->tmp, s, n);
	buf_putc(r->tmp, 0);
	if (plen >= 0)
		return buf_printf(b, st->f.spec, plen, r->tmp->p);
	return buf_printf(b, st->f.spec, r->tmp->p);
}

static void put_hex0x(struct fp_buf *b, uint64_t v)
{
	char d[24];
	char *p = digits(v, 16, false, d);

	buf_put(b, "0x", 2);
	buf_put(b, p, d + 24 - p);
}

static int run_str(struct fp_buf *b, const struct fp_run *r, const struct fp_step *st, int plen,
		   const struct fp_sarg *s)
{
	const uint8_t *z;
	uint32_t off, len;
	uint64_t v;
	int64_t n;
	int k;
	bool any;

	switch (s->kind) {
	case A_NONE:
		return 0;
	case A_ATOM:
		return emit_str(b, r, st, plen, s->str, strlen(s->str));
	case A_ARRAY:
		/* A size 0 array is the rest of the record. */
		n = s->size ? s->size : r->size - s->off;
		if (n < 0 || s->off + n > r->size)
			return -1;
		z = memchr(r->data + s->off, 0, n);
		return emit_str(b, r, st, plen, (const char *)r->data + s->off,
				z ? z - (r->data + s->off) : n);
	case A_DYNSTR:
		if (dyn_loc(r, &s->dyn, &off, &len))
			return -1;
		if (!len)
			return 0;
		/* libtraceevent reads to the NUL, wherever it is: it must be in the record. */
		if (off >= r->size)
			return -1;
		z = memchr(r->data + off, 0, r->size - off);
		if (!z)
			return -1;
		return emit_str(b, r, st, plen, (const char *)r->data + off, z - (r->data + off));
	case A_SYMBOL:
		if (eval(r, s->x, &v))
			return -1;
		for (k = 0; k < s->nr_flags; k++)
			if ((int64_t)v == s->flags[k].val)
				return emit_str(b, r, st, plen, s->flags[k].str,
						strlen(s->flags[k].str));
		put_hex0x(b, v);
		return 0;
	case A_FLAGS:
		if (eval(r, s->x, &v))
			return -1;
		any = false;
		for (k = 0; k < s->nr_flags; k++) {
			int64_t fv = s->flags[k].val;

			if (fv > 0 && (v & fv) == (uint64_t)fv) {
				if (any && s->delim)
					buf_put(b, s->delim, strlen(s->delim));
				if (emit_str(b, r, st, plen, s->flags[k].str,
					     strlen(s->flags[k].str)))
					return -1;
				any = true;
				v &= ~fv;
			}
		}
		if (v) {
			if (any && s->delim)
				buf_put(b, s->delim, strlen(s->delim));
			put_hex0x(b, v);
		}
		return 0;
	case A_HEX:
		if (eval(r, s->x, &v))
			return -1;
		off = s->off;
		if (s->dynamic && dyn_loc(r, &s->dyn, &off, &len))
			return -1;
		/* libtraceevent counts in an unsigned int. */
		v = (uint32_t)v;
		if ((int64_t)off + (int64_t)v > r->size)
			return -1;
		put_hex_bytes(b, r->data + off, v, s->spaced, false);
		return 0;
	case A_TERN:
		if (eval(r, s->x, &v))
			return -1;
		return run_str(b, r, st, plen, v ? s->yes : s->no);
	}
	return -1;
}

/* A number through printf's spec with libtraceevent's cast. */
static int run_printf_num(struct fp_buf *b, const struct fp_spec *f, int plen, uint64_t v)
{
	const char *s = f->spec;

	switch (f->ls) {
	case -2:
		return plen >= 0 ? buf_printf(b, s, plen, (char)v) : buf_printf(b, s, (char)v);
	case -1:
		return plen >= 0 ? buf_printf(b, s, plen, (short)v) : buf_printf(b, s, (short)v);
	case 0:
		return plen >= 0 ? buf_printf(b, s, plen, (int)v) : buf_printf(b, s, (int)v);
	case 1:
		return plen >= 0 ? buf_printf(b, s, plen, (long)v) : buf_printf(b, s, (long)v);
	default:
		return plen >= 0 ? buf_printf(b, s, plen, (long long)v) :
				   buf_printf(b, s, (long long)v);
	}
}

static void run_int(struct fp_buf *b, const struct fp_spec *f, uint64_t v)
{
	bool sign = f->conv == 'd' || f->conv == 'i';
	int64_t sv;

	/* The value as printf sees it after libtraceevent's cast and the length modifier. */
	switch (f->ls) {
	case -2:
		sv = (int8_t)v;
		v &= 0xff;
		break;
	case -1:
		sv = (int16_t)v;
		v &= 0xffff;
		break;
	case 0:
		sv = (int32_t)v;
		v &= 0xffffffff;
		break;
	default:
		sv = (int64_t)v;
		break;
	}
	if (sign)
		put_num(b, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10, false, f->width,
			f->left, f->zero);
	else
		put_num(b, v, false, f->conv == 'u' ? 10 : 16, f->conv == 'X', f->width, f->left,
			f->zero);
}

static int run_step(struct fp_buf *b, const struct fp_run *r, const struct fp_step *st)
{
	const char *name;
	unsigned long long start;
	uint64_t v;
	int plen;

	switch (st->kind) {
	case S_LIT:
		buf_put(b, st->text, st->len);
		return 0;
	case S_INT:
		if (eval(r, st->x, &v))
			return -1;
		run_int(b, &st->f, v);
		return 0;
	case S_NUM:
		if (eval_star(r, st, &plen) || eval(r, st->x, &v))
			return -1;
		return run_printf_num(b, &st->f, plen, v);
	case S_STR:
		if (eval_star(r, st, &plen))
			return -1;
		return run_str(b, r, st, plen, st->s);
	case S_PTR:
		/* glibc's %p */
		if (eval(r, st->x, &v))
			return -1;
		if (v)
			put_hex0x(b, v);
		else
			buf_put(b, "(nil)", 5);
		return 0;
	case S_SYM:
		if (eval(r, st->x, &v))
			return -1;
		if (tep_find_function_info(r->tep, v, &name, &start, NULL)) {
			buf_put(b, name, strlen(name));
			if (st->f.conv == 'F' || st->f.conv == 'S') {
				buf_put(b, "+", 1);
				put_hex0x(b, v - start);
			}
		} else {
			put_hex0x(b, v);
		}
		return 0;
	}
	return -1;
}

/* libtraceevent's plugins */

/* Is handler a function of libtraceevent's plugin in the file named so? */
static bool from_plugin(tep_event_handler_func handler, const char *file)
{
	Dl_info info;
	const char *base;

	if (!dladdr((void *)handler, &info) || !info.dli_fname)
		return false;
	base = strrchr(info.dli_fname, '/');
	return !strcmp(base ? base + 1 : info.dli_fname, file);
}

/* A field as tep_get_field_val() finds and reads it; comm: a char array. */
static bool plugin_field(struct fp_prog *p, struct tep_event *e, int i, const char *name,
			 bool comm, bool optional)
{
	struct tep_format_field *fl = comm ? tep_find_any_field(e, name) : tep_find_field(e, name);

	if (!fl)
		return optional;
	if (fl->offset < 0 || (comm ? fl->size <= 0 || fl->size > FP_MAX_WIDTH :
			       fl->size != 1 && fl->size != 2 && fl->size != 4 && fl->size != 8))
		return false;
	p->pf[i].off = fl->offset;
	p->pf[i].size = fl->size;
	return true;
}

/*
 * The hrtimer plugin prints hrtimer_start as "hrtimer=0x... function=name/0x... expires=N
 * softexpires=N" and hrtimer_expire_entry as "hrtimer=0x... now=N function=name/0x...".
 */
static bool compile_hrtimer(struct fp_prog *p, struct tep_event *e)
{
	bool start = !strcmp(e->name, "hrtimer_start");

	if (!start && strcmp(e->name, "hrtimer_expire_entry"))
		return false;
	p->plugin = start ? PL_HRSTART : PL_HREXPIRE;
	p->syms = true;
	if (!plugin_field(p, e, HF_TIMER, "timer", false, true) ||
	    (!p->pf[HF_TIMER].size && !plugin_field(p, e, HF_TIMER, "hrtimer", false, false)))
		return false;
	if (!plugin_field(p, e, HF_FUNC, "function", false, false))
		return false;
	if (!start)
		return plugin_field(p, e, HF_NOW, "now", false, false);
	return plugin_field(p, e, HF_EXPIRES, "expires", false, false) &&
	       plugin_field(p, e, HF_SOFT, "softexpires", false, false);
}

/*
 * The sched_switch plugin prints sched_switch as "prev_comm:prev_pid [prev_prio] S ==>
 * next_comm:next_pid [next_prio]" and the wakeups as "comm:pid [prio] CPU:ccc", and
 * registers each comm it prints for its pid. Fields it would complain about go to
 * libtraceevent.
 */
/*
 * trace_marker_raw's events: the function plugin's handler prints "# ID" in hex and then every
 * byte from buf to the end of the record as " %02x".
 */
static bool compile_raw_data(struct fp_prog *p, struct tep_event *e)
{
	struct tep_format_field *buf = tep_find_any_field(e, "buf");

	p->plugin = PL_RAW;
	if (!buf || buf->offset < 0 || !plugin_field(p, e, RF_ID, "id", false, false))
		return false;
	p->pf[RF_BUF].off = buf->offset;
	return true;
}

enum text_line_kind text_line_kind(const struct tep_event *e)
{
	tep_event_handler_func h = e->flags & TEP_EVENT_FL_NOHANDLE ? NULL : e->handler;

	if (!h || text_user_event_handled(e))
		return TEXT_LINE_FREE;
	if (!e->system || !e->name)
		return TEXT_LINE_ORDERED;
	/* These plugins' handlers print fields and keep nothing between lines. */
	if ((!strcmp(e->system, "ftrace") && !strcmp(e->name, "raw_data") &&
	     from_plugin(h, "plugin_function.so")) ||
	    (!strcmp(e->system, "timer") && from_plugin(h, "plugin_hrtimer.so")))
		return TEXT_LINE_FREE;
	if (!strcmp(e->system, "sched") && from_plugin(h, "plugin_sched_switch.so")) {
		if (!strcmp(e->name, "sched_switch"))
			return TEXT_LINE_SWITCH;
		if (!strcmp(e->name, "sched_wakeup") || !strcmp(e->name, "sched_wakeup_new"))
			return TEXT_LINE_WAKEUP;
	}
	/* Any other plugin may keep state (the function plugin's call depth per CPU). */
	return TEXT_LINE_ORDERED;
}

bool text_line_may_register(const struct tep_event *e)
{
	enum text_line_kind k = text_line_kind(e);

	if (k != TEXT_LINE_ORDERED)
		return k != TEXT_LINE_FREE;
	/* The function plugin keeps call depths, not comms. */
	return !from_plugin(e->handler, "plugin_function.so");
}

static bool compile_plugin(struct fp_prog *p, struct tep_event *e)
{
	if (!e->system)
		return false;
	p->handler = e->handler;
	/* Our own handler: its text straight into the line, without tep_print_event(). */
	if (text_user_event_handled(e)) {
		p->plugin = PL_USER;
		return true;
	}
	if (!strcmp(e->system, "ftrace") && !strcmp(e->name, "raw_data") &&
	    from_plugin(e->handler, "plugin_function.so"))
		return compile_raw_data(p, e);
	if (!strcmp(e->system, "timer") && from_plugin(e->handler, "plugin_hrtimer.so"))
		return compile_hrtimer(p, e);
	if (strcmp(e->system, "sched") || !from_plugin(e->handler, "plugin_sched_switch.so"))
		return false;
	if (!strcmp(e->name, "sched_switch")) {
		p->plugin = PL_SWITCH;
		return plugin_field(p, e, PF_PID, "prev_pid", false, false) &&
		       plugin_field(p, e, PF_COMM, "prev_comm", true, false) &&
		       plugin_field(p, e, PF_PRIO, "prev_prio", false, false) &&
		       plugin_field(p, e, PF_STATE, "prev_state", false, false) &&
		       plugin_field(p, e, PF_NPID, "next_pid", false, false) &&
		       plugin_field(p, e, PF_NCOMM, "next_comm", true, false) &&
		       plugin_field(p, e, PF_NPRIO, "next_prio", false, false);
	}
	if (strcmp(e->name, "sched_wakeup") && strcmp(e->name, "sched_wakeup_new"))
		return false;
	p->plugin = PL_WAKEUP;
	return plugin_field(p, e, WF_PID, "pid", false, false) &&
	       plugin_field(p, e, WF_COMM, "comm", true, false) &&
	       plugin_field(p, e, WF_PRIO, "prio", false, false) &&
	       plugin_field(p, e, WF_CPU, "target_cpu", false, false) &&
	       plugin_field(p, e, WF_SUCCESS, "success", false, true);
}

static void put_lld(struct fp_buf *b, uint64_t v)
{
	put_num(b, (int64_t)v < 0 ? -v : v, (int64_t)v < 0, 10, false, 0, false, false);
}

/* "comm:" of a pid, the comm kept for registering after the line. */
static int plugin_comm(struct text_fast *ft, const struct fp_run *r, const struct fp_prog *p,
		       int i, uint64_t pid)
{
	const uint8_t *c = r->data + p->pf[i].off, *z;
	struct fp_buf *keep = &ft->comm[ft->nr_comms];
	size_t n;

	if (p->pf[i].off + p->pf[i].size > r->size)
		return -1;
	z = memchr(c, 0, p->pf[i].size);
	n = z ? (size_t)(z - c) : (size_t)p->pf[i].size;
	buf_put(&ft->line, c, n);
	buf_putc(&ft->line, ':');
	keep->len = 0;
	buf_put(keep, c, n);
	buf_putc(keep, 0);
	ft->comm_pid[ft->nr_comms++] = (int)pid;
	return 0;
}

/*
 * " function=name/0x..." as tep_print_func_field() prints it: the offset is the function's
 * start less the address, the text cut to its 127-byte buffer; "0x%08llx" when unknown.
 */
static void plugin_func(struct fp_buf *b, const struct fp_run *r, uint64_t v)
{
	unsigned long long start;
	const char *name;
	size_t at;

	buf_put(b, " function=", 10);
	if (!tep_find_function_info(r->tep, v, &name, &start, NULL)) {
		buf_put(b, "0x", 2);
		put_num(b, v, false, 16, false, 8, false, true);
		return;
	}
	at = b->len;
	buf_put(b, name, strlen(name));
	buf_putc(b, '/');
	put_hex0x(b, start - v);
	if (b->len - at > 127)
		b->len = at + 127;
}

static int run_plugin(struct text_fast *ft, const struct fp_run *r, const struct fp_prog *p)
{
	static const char states[] = "SDTtZXxW";
	struct fp_buf *b = &ft->line;
	uint64_t v[PF_MAX];
	bool any = false;
	int i;

	for (i = 0; i < PF_MAX; i++) {
		bool comm = p->plugin == PL_SWITCH ? i == PF_COMM || i == PF_NCOMM :
			    p->plugin == PL_WAKEUP && i == WF_COMM;

		if (p->pf[i].size && !comm && read_num(r, p->pf[i].off, p->pf[i].size, &v[i]))
			return -1;
	}
	if (p->plugin == PL_RAW) {
		buf_put(b, "# ", 2);
		put_num(b, v[RF_ID], false, 16, false, 0, false, false);
		if (p->pf[RF_BUF].off < r->size)
			put_hex_bytes(b, r->data + p->pf[RF_BUF].off, r->size - p->pf[RF_BUF].off,
				      true, true);
		return 0;
	}
	if (p->plugin == PL_HRSTART || p->plugin == PL_HREXPIRE) {
		buf_put(b, "hrtimer=", 8);
		put_hex0x(b, v[HF_TIMER]);
		if (p->plugin == PL_HREXPIRE) {
			buf_put(b, " now=", 5);
			put_num(b, v[HF_NOW], false, 10, false, 0, false, false);
		}
		plugin_func(b, r, v[HF_FUNC]);
		if (p->plugin == PL_HRSTART) {
			buf_put(b, " expires=", 9);
			put_num(b, v[HF_EXPIRES], false, 10, false, 0, false, false);
			buf_put(b, " softexpires=", 13);
			put_num(b, v[HF_SOFT], false, 10, false, 0, false, false);
		}
		return 0;
	}
	if (p->plugin == PL_WAKEUP) {
		if (plugin_comm(ft, r, p, WF_COMM, v[WF_PID]))
			return -1;
		put_lld(b, v[WF_PID]);
		buf_put(b, " [", 2);
		put_lld(b, v[WF_PRIO]);
		buf_putc(b, ']');
		if (p->pf[WF_SUCCESS].size) {
			buf_put(b, " success=", 9);
			put_lld(b, v[WF_SUCCESS]);
		}
		buf_put(b, " CPU:", 5);
		put_num(b, v[WF_CPU], false, 10, false, 3, false, true);
		return 0;
	}
	if (plugin_comm(ft, r, p, PF_COMM, v[PF_PID]))
		return -1;
	put_lld(b, v[PF_PID]);
	buf_put(b, " [", 2);
	put_num(b, (int)v[PF_PRIO] < 0 ? -(uint64_t)(int)v[PF_PRIO] : (uint64_t)(int)v[PF_PRIO],
		(int)v[PF_PRIO] < 0, 10, false, 0, false, false);
	buf_put(b, "] ", 2);
	for (i = 0; i < 8; i++) {
		if (!((int)v[PF_STATE] & (1 << i)))
			continue;
		if (any)
			buf_putc(b, '|');
		buf_putc(b, states[i]);
		any = true;
	}
	if (!any)
		buf_putc(b, 'R');
	buf_put(b, " ==> ", 5);
	if (plugin_comm(ft, r, p, PF_NCOMM, v[PF_NPID]))
		return -1;
	put_lld(b, v[PF_NPID]);
	buf_put(b, " [", 2);
	put_num(b, (int)v[PF_NPRIO] < 0 ? -(uint64_t)(int)v[PF_NPRIO] : (uint64_t)(int)v[PF_NPRIO],
		(int)v[PF_NPRIO] < 0, 10, false, 0, false, false);
	buf_putc(b, ']');
	return 0;
}

static void forget_heads(struct text_fast *ft)
{
	for (int i = 0; i < HEADS_KEPT; i++)
		ft->heads[i].len = 0;
}

/* The plugin's comms, registered as it registers them (a pid already known keeps its). */
static void register_comms(struct text_fast *ft)
{
	int i;

	for (i = 0; i < ft->nr_comms; i++)
		tep_register_comm(ft->tep, ft->comm[i].p, ft->comm_pid[i]);
	if (ft->nr_comms)
		forget_heads(ft);
	ft->nr_comms = 0;
}

/* The line */

static void need_syms(struct text_fast *ft)
{
	void (*load)(void *ctx) = ft->load_syms;

	ft->load_syms = NULL;
	if (load)
		load(ft->syms_ctx);
}

static void tep_line(struct text_fast *ft, struct tep_handle *tep, struct trace_seq *s,
		     struct tep_record *rec, struct tep_event *e, bool raw_time)
{
	if (ft)
		need_syms(ft);
	text_dat_fmt_tep_line(tep, s, rec, e, raw_time);
	/*
	 * A plugin of libtraceevent's may have registered the comms it printed: the line starts
	 * kept for later lines (of any of the HEADS_KEPT tasks) are forgotten after it.
	 */
	if (ft)
		text_fast_comms_changed(ft);
}

static struct fp_prog *prog_for(struct text_fast *ft, struct tep_event *e)
{
	struct fp_prog *p;

	if (e->id < 0 || e->id >= FP_MAX_IDS)
		return NULL;
	if (e->id >= ft->nr_progs) {
		int n = e->id + 256 < FP_MAX_IDS ? e->id + 256 : FP_MAX_IDS;

		ft->progs = xrealloc(ft->progs, n * sizeof(*ft->progs));
		memset(ft->progs + ft->nr_progs, 0, (n - ft->nr_progs) * sizeof(*ft->progs));
		ft->nr_progs = n;
	}
	p = ft->progs[e->id];
	if (p && p->e == e)
		return p;
	prog_free(p);
	p = xcalloc(1, sizeof(*p));
	p->e = e;
	if (e->handler && !(e->flags & TEP_EVENT_FL_NOHANDLE))
		p->ok = compile_head(p, e) && compile_plugin(p, e);
	else
		p->ok = compile_head(p, e) && compile(p, e);
	ft->progs[e->id] = p;
	if (!p->ok)
		note_debug("%s:%s: libtraceevent prints it (%s)", e->system, e->name,
			   e->handler ? "a plugin's" : "its print format is not compiled");
	return p;
}

/*
 * Would libtraceevent print e otherwise than p does: raw, after a failed parse, or by a
 * handler other than the one p was compiled for (plugins are loaded after some formats)?
 */
static bool not_as_compiled(const struct tep_event *e, const struct fp_prog *p)
{
	tep_event_handler_func h = e->flags & TEP_EVENT_FL_NOHANDLE ? NULL : e->handler;

	return (e->flags & (TEP_EVENT_FL_FAILED | TEP_EVENT_FL_PRINTRAW | TEP_EVENT_FL_ISBPRINT)) ||
	       h != p->handler;
}

/* The whole line into ft->line, as text_dat_fmt_tep_line() prints it; -1: not here. */
static int make_line(struct text_fast *ft, struct tep_record *rec, struct tep_event *e,
		     bool raw_time)
{
	struct fp_buf *b = &ft->line;
	struct fp_prog *p = prog_for(ft, e);
	struct fp_run r = { ft->tep, rec->data, rec->size, ft->swap, &ft->tmp };
	const char *comm;
	uint64_t pid, t, us;
	size_t start, at;
	char *q;
	int i;

	ft->nr_comms = 0;
	if (!p || !p->ok || not_as_compiled(e, p) || rec->size < 0 ||
	    read_num(&r, p->pid_off, p->pid_size, &pid))
		return -1;
	if (p->syms)
		need_syms(ft);
	/*
	 * The head's parts are copied whole from their fixed-size arrays into room reserved
	 * once, a few stores each instead of a call: they are most of a short line.
	 */
	b->len = 0;
	buf_reserve(b, HEAD_ROOM + p->name_len);
	for (i = 0; i < HEADS_KEPT && !(ft->heads[i].len && ft->heads[i].pid == (int)pid); i++)
		;
	if (i < HEADS_KEPT) {
		memcpy(b->p, ft->heads[i].text, sizeof(ft->heads[i].text));
		b->len = ft->heads[i].len;
	} else {
		comm = tep_data_comm_from_pid(ft->tep, (int)pid);
		put_str(b, comm, strlen(comm), 16, false);
		buf_putc(b, '-');
		put_num(b, (int)pid < 0 ? -(uint64_t)(int)pid : (uint64_t)(int)pid, (int)pid < 0,
			10, false, 5, true, false);
		buf_put(b, " [", 2);
		if (b->len <= sizeof(ft->heads[0].text)) {
			i = ft->next_head++ % HEADS_KEPT;
			ft->heads[i].pid = (int)pid;
			ft->heads[i].len = b->len;
			memcpy(ft->heads[i].text, b->p, b->len);
		}
		buf_reserve(b, HEAD_ROOM + p->name_len);
	}
	if (rec->cpu >= 0 && rec->cpu < 1000) {
		q = b->p + b->len;
		q[0] = '0' + rec->cpu / 100;
		memcpy(q + 1, dec_pairs + 2 * (rec->cpu % 100), 2);
		q[3] = ']';
		b->len += 4;
	} else {
		put_num(b, rec->cpu < 0 ? -(uint64_t)rec->cpu : (uint64_t)rec->cpu, rec->cpu < 0,
			10, false, 3, false, true);
		buf_putc(b, ']');
		buf_reserve(b, HEAD_ROOM + p->name_len);
	}
	if (raw_time) {
		put_num(b, rec->ts, false, 10, false, 12, false, false);
		buf_reserve(b, HEAD_ROOM + p->name_len);
	} else {
		/* Microseconds, rounded to the nearest as libtraceevent divides. */
		t = (rec->ts + 500) / 1000;
		us = t % 1000000;
		/* The seconds change rarely from one line to the next: kept as text. */
		if (ft->secs_len && ft->secs == t / 1000000) {
			memcpy(b->p + b->len, ft->secs_txt, sizeof(ft->secs_txt));
			b->len += ft->secs_len;
		} else {
			at = b->len;
			buf_putc(b, ' ');
			put_num(b, t / 1000000, false, 10, false, 5, false, false);
			buf_putc(b, '.');
			ft->secs = t / 1000000;
			ft->secs_len = b->len - at <= sizeof(ft->secs_txt) ? b->len - at : 0;
			memcpy(ft->secs_txt, b->p + at, ft->secs_len);
			buf_reserve(b, HEAD_ROOM + p->name_len);
		}
		q = b->p + b->len;
		memcpy(q, dec_pairs + 2 * (us / 10000), 2);
		memcpy(q + 2, dec_pairs + 2 * (us / 100 % 100), 2);
		memcpy(q + 4, dec_pairs + 2 * (us % 100), 2);
		b->len += 6;
	}
	buf_put(b, p->name, p->name_len);
	start = b->len;
	if (p->plugin == PL_USER) {
		trace_seq_reset(&ft->user);
		text_user_event_body(&ft->user, e, rec->data, rec->size);
		buf_put(b, ft->user.buffer, ft->user.len);
	} else if (p->plugin) {
		if (run_plugin(ft, &r, p))
			return -1;
	} else {
		for (i = 0; i < p->nr_steps; i++)
			if (run_step(b, &r, &p->steps[i]))
				return -1;
	}
	/* Whatever made the details: their newlines at the end go, as tracedat_fmt.c drops them. */
	while (b->len > start && b->p[b->len - 1] == '\n')
		b->len--;
	buf_putc(b, '\n');
	return 0;
}

/* The line into s, NULs (a %c of 0) included, as libtraceevent leaves them. */
static void put_line(struct trace_seq *s, struct fp_buf *b)
{
	size_t i = 0, n;

	buf_reserve(b, 1);
	b->p[b->len] = 0;
	while (i < b->len) {
		n = strlen(b->p + i);
		trace_seq_puts(s, b->p + i);
		i += n;
		if (i < b->len) {
			trace_seq_putc(s, 0);
			i++;
		}
	}
}

char *text_printable(const char *p, size_t n, size_t max)
{
	struct fp_buf b = { 0 };
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			buf_putc(&b, c);
		else
			buf_printf(&b, "\\x%02x", c);
	}
	if (i < n)
		buf_put(&b, "...", 3);
	buf_putc(&b, 0);
	return b.p;
}

/*
 * Check mode says the process's first difference only: with --jobs every thread's formatter
 * checks its own lines, and one line is what the tests and the developer need.
 */
static bool check_told;

int text_fast_line_ref(struct text_fast *ft, struct tep_handle *tep, struct trace_seq *s,
		       struct tep_record *rec, struct tep_event *e, bool raw_time,
		       const char **line, size_t *len)
{
	unsigned int start = s->len;
	char *mine, *theirs, *room = ft ? ft->room : NULL;
	int ok;

	if (!ft || ft->mode == TEXT_FAST_OFF || !e) {
		if (ft) {
			ft->room = NULL;
			ft->total++;
		}
		tep_line(ft, tep, s, rec, e, raw_time);
		goto theirs;
	}
	ft->room = NULL;
	ft->total++;
	if (room && ft->mode == TEXT_FAST_ON)
		buf_lend(&ft->line, room, ft->room_size);
	ok = !make_line(ft, rec, e, raw_time);
	if (ok && ft->mode == TEXT_FAST_ON) {
		ft->fast++;
		register_comms(ft);
		*line = ft->line.p;
		*len = ft->line.len;
		buf_unlend(&ft->line);
		return 1;
	}
	buf_unlend(&ft->line);
	tep_line(ft, tep, s, rec, e, raw_time);
	if (!ok)
		goto theirs;
	register_comms(ft);
	ft->fast++;
	if (s->len - start == ft->line.len && !memcmp(s->buffer + start, ft->line.p, ft->line.len)) {
		*line = s->buffer + start;
		*len = s->len - start;
		return 1;
	}
	if (!ft->failed && !__atomic_exchange_n(&check_told, true, __ATOMIC_RELAXED)) {
		mine = text_printable(ft->line.p, ft->line.len, 300);
		theirs = text_printable(s->buffer + start, s->len - start, 300);
		note_error("REMOTECTL_FASTFMT=check: %s:%s at %llu differs from libtraceevent's "
			   "line: fast \"%s\", libtraceevent \"%s\"", e->system, e->name,
			   (unsigned long long)rec->ts, mine, theirs);
		free(mine);
		free(theirs);
	}
	ft->failed = true;
	return -EPROTO;
theirs:
	*line = s->buffer + start;
	*len = s->len - start;
	return 0;
}

int text_fast_line(struct text_fast *ft, struct tep_handle *tep, struct trace_seq *s,
		   struct tep_record *rec, struct tep_event *e, bool raw_time)
{
	const char *line;
	size_t len;
	int ret = text_fast_line_ref(ft, tep, s, rec, e, raw_time, &line, &len);

	if (ret == 1 && ft->mode == TEXT_FAST_ON)
		put_line(s, &ft->line);
	return ret;
}

void text_fast_make_in(struct text_fast *ft, char *room, size_t size)
{
	if (ft) {
		ft->room = room;
		ft->room_size = size;
	}
}

void text_fast_on_syms(struct text_fast *ft, void (*load)(void *ctx), void *ctx)
{
	ft->load_syms = load;
	ft->syms_ctx = ctx;
}

void text_fast_comms_changed(struct text_fast *ft)
{
	if (ft)
		forget_heads(ft);
}

enum text_fast_mode text_fast_mode_env(void)
{
	const char *v = getenv("REMOTECTL_FASTFMT");

	if (v && !strcmp(v, "off"))
		return TEXT_FAST_OFF;
	if (v && !strcmp(v, "check"))
		return TEXT_FAST_CHECK;
	return TEXT_FAST_ON;
}

struct text_fast *text_fast_new(struct tep_handle *tep, enum text_fast_mode mode)
{
	struct text_fast *ft = xcalloc(1, sizeof(*ft));

	ft->tep = tep;
	ft->swap = tep_is_file_bigendian(tep) != tep_is_local_bigendian(tep);
	ft->mode = mode;
	trace_seq_init(&ft->user);
	return ft;
}

void text_fast_free(struct text_fast *ft)
{
	int i;

	if (!ft)
		return;
	for (i = 0; i < ft->nr_progs; i++)
		prog_free(ft->progs[i]);
	free(ft->progs);
	free(ft->line.p);
	free(ft->tmp.p);
	free(ft->comm[0].p);
	free(ft->comm[1].p);
	trace_seq_destroy(&ft->user);
	free(ft);
}

void text_fast_counts(const struct text_fast *ft, uint64_t *fast, uint64_t *total)
{
	*fast = ft ? ft->fast : 0;
	*total = ft ? ft->total : 0;
}
