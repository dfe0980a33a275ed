// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path of event lines (fast_print.c) against libtraceevent: hand-written formats with
 * each conversion it compiles and their edge cases, each record printed both ways. The lines
 * must be the same bytes, the fast path must have made the ones it claims (text_fast_line()
 * returns 1), and the text after "name: " must be the one written here. Records it must leave
 * to libtraceevent (cut short, strings without their NUL) return 0 and still print the same.
 */
#include <byteswap.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernel_formats.h"
#include "text_internal.h"
#include "util.h"

/* Fields of every test event after the common ones. */
#define FIELDS								\
	"\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n"		\
	"\tfield:unsigned int b;\toffset:12;\tsize:4;\tsigned:0;\n"	\
	"\tfield:long c;\toffset:16;\tsize:8;\tsigned:1;\n"		\
	"\tfield:char comm[8];\toffset:24;\tsize:8;\tsigned:0;\n"	\
	"\tfield:__data_loc char[] name;\toffset:32;\tsize:4;\tsigned:0;\n" \
	"\tfield:unsigned char ch;\toffset:36;\tsize:1;\tsigned:0;\n"	\
	"\tfield:short s;\toffset:38;\tsize:2;\tsigned:1;\n"		\
	"\tfield:unsigned long long u;\toffset:40;\tsize:8;\tsigned:0;\n" \
	"\tfield:__data_loc u8[] buf;\toffset:48;\tsize:4;\tsigned:0;\n" \
	"\n"

/* The record every test prints, changed by each as it needs. */
struct rec {
	uint16_t type;
	uint8_t flags, pc;
	int32_t pid;
	int32_t a;
	uint32_t b;
	int64_t c;
	char comm[8];
	uint32_t name;		/* __data_loc: length << 16 | offset */
	uint8_t ch;
	uint8_t pad;
	int16_t s;
	uint64_t u;
	uint32_t buf;
	char tail[76];		/* dynamic data from offset 52 */
} __attribute__((packed));

static struct tep_handle *tep;
static struct text_fast *fast;
static int next_id = 100;

static struct tep_event *event(const char *name, const char *print)
{
	char *text = xasprintf("name: %s\nID: %d\n" KERNEL_FORMAT_HEAD FIELDS "print fmt: %s\n", name,
			       next_id, print);
	struct tep_event *e;

	CHECK(tep_parse_event(tep, text, strlen(text), "fz") == 0);
	e = tep_find_event(tep, next_id++);
	free(text);
	CHECK(e != NULL);
	return e;
}

static void base(struct rec *r, const struct tep_event *e)
{
	memset(r, 0, sizeof(*r));
	r->type = e->id;
	r->pid = 1234;
}

static void set_name(struct rec *r, const char *s, int len)
{
	memcpy(r->tail, s, strlen(s) + 1);
	r->name = (uint32_t)len << 16 | 52;
}

/*
 * Print r (size bytes of it, in a zeroed buffer as report gives them) both ways; the lines must
 * match. Returns text_fast_line()'s answer and the fast line's text after "name: " in info.
 */
static int both(struct tep_event *e, const void *r, int size, bool raw, char *info, size_t len)
{
	static uint8_t data[4096];
	struct tep_record rec = { 0 };
	struct trace_seq a, b;
	const char *p;
	int ret;

	memset(data, 0, sizeof(data));
	memcpy(data, r, size);
	rec.ts = 123456789012ull;
	rec.cpu = 3;
	rec.size = size;
	rec.data = data;
	trace_seq_init(&a);
	trace_seq_init(&b);
	ret = text_fast_line(fast, tep, &a, &rec, e, raw);
	text_dat_fmt_tep_line(tep, &b, &rec, e, raw);
	CHECK(a.len == b.len && !memcmp(a.buffer, b.buffer, a.len));
	if (a.len != b.len || memcmp(a.buffer, b.buffer, a.len))
		fprintf(stderr, "fast: %.*slibtraceevent: %.*s", (int)a.len, a.buffer, (int)b.len,
			b.buffer);
	trace_seq_terminate(&a);
	p = strstr(a.buffer, ": ");
	p = p ? strstr(p + 2, ": ") : NULL;
	snprintf(info, len, "%s", p ? p + 2 + 20 - strlen(e->name) : "");
	if (strlen(info) && info[strlen(info) - 1] == '\n')
		info[strlen(info) - 1] = 0;
	trace_seq_destroy(&a);
	trace_seq_destroy(&b);
	return ret;
}

/* r printed fast with the text expected after the name. */
static void expect(struct tep_event *e, const struct rec *r, const char *want)
{
	char info[512];

	CHECK(both(e, r, sizeof(*r), false, info, sizeof(info)) == 1);
	CHECK_STR(info, want);
	if (strcmp(info, want))
		fprintf(stderr, "  %s: got \"%s\" want \"%s\"\n", e->name, info, want);
}

static void test_header(void)
{
	struct tep_event *e = event("hdr", "\"a=%d\", REC->a");
	char line[512];
	struct tep_record rec = { 0 };
	struct trace_seq s;
	struct rec r;

	base(&r, e);
	r.a = 7;
	rec.ts = 123456789512ull;	/* rounds up */
	rec.cpu = 3;
	rec.size = sizeof(r);
	rec.data = &r;
	trace_seq_init(&s);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	trace_seq_terminate(&s);
	CHECK_STR(s.buffer,
		  "            bash-1234  [003]   123.456790: hdr:                  a=7\n");
	trace_seq_reset(&s);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, true) == 1);
	trace_seq_terminate(&s);
	CHECK_STR(s.buffer,
		  "            bash-1234  [003]123456789512: hdr:                  a=7\n");
	trace_seq_destroy(&s);
	/* pid 0 is <idle>, an unknown pid <...>, a negative CPU keeps its sign */
	r.pid = 0;
	CHECK(both(e, &r, sizeof(r), false, line, sizeof(line)) == 1);
	r.pid = 99999;
	CHECK(both(e, &r, sizeof(r), true, line, sizeof(line)) == 1);
	r.pid = -3;
	CHECK(both(e, &r, sizeof(r), false, line, sizeof(line)) == 1);
	/* The header kept for the last pid is dropped once comms are registered elsewhere. */
	r.pid = 5555;
	rec.data = &r;
	trace_seq_init(&s);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	tep_register_comm(tep, "late", 5555);
	text_fast_comms_changed(fast);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	trace_seq_terminate(&s);
	CHECK_STR(s.buffer,
		  "           <...>-5555  [003]   123.456790: hdr:                  a=7\n"
		  "           <...>-5555  [003]   123.456790: hdr:                  a=7\n"
		  "            late-5555  [003]   123.456790: hdr:                  a=7\n");
	trace_seq_destroy(&s);
	/*
	 * Headers of several pids taking turns: each line its own pid's comm, more pids than
	 * are kept, a comm registered between two turns seen at once (libtraceevent's line is
	 * compared with each).
	 */
	for (int round = 0; round < 5; round++) {
		for (int pid = 8001; pid <= (round < 3 ? 8003 : 8007); pid++) {
			r.pid = pid;
			CHECK(both(e, &r, sizeof(r), false, line, sizeof(line)) == 1);
		}
		if (round == 1) {
			tep_register_comm(tep, "turn", 8002);
			text_fast_comms_changed(fast);
		}
	}
	r.pid = 8002;
	trace_seq_init(&s);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	trace_seq_terminate(&s);
	CHECK_STR(s.buffer,
		  "            turn-8002  [003]   123.456790: hdr:                  a=7\n");
	trace_seq_destroy(&s);
}

static void test_numbers(void)
{
	struct tep_event *e = event("num", "\"a=%d b=%u x=%x X=%08X l=%-5d| c=%ld lx=%lx llu=%llu "
				    "i=%i s=%hd hx=%hx w=%5u z=%03d\", REC->a, REC->a, REC->a, "
				    "REC->b, REC->a, REC->c, REC->c, REC->u, REC->b, REC->s, "
				    "REC->s, REC->b, REC->a");
	struct rec r;

	base(&r, e);
	r.a = -5;
	r.b = 0xbeef;
	r.c = -1;
	r.u = 18446744073709551615ull;
	r.s = -2;
	expect(e, &r, "a=-5 b=4294967291 x=fffffffb X=0000BEEF l=-5   | c=-1 "
	       "lx=ffffffffffffffff llu=18446744073709551615 i=48879 s=-2 hx=fffe w=48879 z=-05");
	r.a = 0;
	r.b = 0;
	r.c = 0;
	r.u = 0;
	r.s = 0;
	expect(e, &r, "a=0 b=0 x=0 X=00000000 l=0    | c=0 lx=0 llu=0 i=0 s=0 hx=0 w=    0 z=000");
}

static void test_printf_specs(void)
{
	/* What the fast path hands to printf: precision, '#', '*', %o, %zu. */
	struct tep_event *e = event("spec", "\"p=%.3d h=%#x star=%*d| o=%o z=%zu L=%Lu Z=%Zd "
				    "hh=%hhd\", REC->a, REC->b, REC->s, REC->a, REC->b, REC->c, "
				    "REC->u, REC->c, REC->b");
	/* libtraceevent 1.7.1 prints %+d and %c as text, its own way */
	struct tep_event *own = event("own", "\"plus=%+d c=%c\", REC->a, REC->ch");
	char info[512];
	struct rec r;

	base(&r, e);
	r.a = 42;
	r.b = 255;
	r.s = 5;
	r.ch = 'q';
	r.c = 7;
	r.u = 1ull << 40;
	expect(e, &r, "p=042 h=0xff star=   42| o=377 z=7 L=1099511627776 Z=7 hh=-1");
	CHECK(both(own, &r, sizeof(r), false, info, sizeof(info)) == 0);
}

static void test_strings(void)
{
	struct tep_event *e = event("str", "\"comm=%s|%-10s|%10s| name=%s| lit=%s\", REC->comm, "
				    "REC->comm, REC->comm, __get_str(name), \"const\"");
	char info[512];
	struct rec r;

	base(&r, e);
	memcpy(r.comm, "abc", 4);
	set_name(&r, "hello", 6);
	expect(e, &r, "comm=abc|abc       |       abc| name=hello| lit=const");
	/* empty strings; a __data_loc of length 0 prints nothing */
	r.comm[0] = 0;
	set_name(&r, "", 0);
	expect(e, &r, "comm=|          |          | name=| lit=const");
	/* a char array filled to its end has no NUL: its size bounds it */
	memcpy(r.comm, "12345678", 8);
	set_name(&r, "x", 2);
	expect(e, &r, "comm=12345678|12345678  |  12345678| name=x| lit=const");
	/* a __data_loc string without NUL in the record: libtraceevent's */
	memset(r.tail, 'z', sizeof(r.tail));
	r.name = 4u << 16 | 52;
	CHECK(both(e, &r, sizeof(r), false, info, sizeof(info)) == 0);
	/* one pointing past the record is cleared, as libtraceevent clears it */
	r.name = 4u << 16 | 1000;
	expect(e, &r, "comm=12345678|12345678  |  12345678| name=| lit=const");
}

static void test_tables(void)
{
	struct tep_event *sym = event("sym", "\"v=%s\", __print_symbolic(REC->a, { 0, \"ZERO\" }, "
				      "{ 1, \"ONE\" }, { 0x10, \"SIXTEEN\" })");
	struct tep_event *fl = event("flg", "\"f=%s\", __print_flags(REC->b, \"|\", { 1, \"A\" }, "
				     "{ 2, \"B\" }, { 4, \"C\" })");
	struct tep_event *nd = event("flgnd", "\"f=%s\", __print_flags(REC->b, \"\", { 1, \"A\" }, "
				     "{ 6, \"BC\" })");
	/* a name libtraceevent does not know is -1; the few it knows stay its own */
	struct tep_event *named = event("named", "\"v=%s\", __print_symbolic(REC->c, "
					"{ SOME_ENUM, \"NAMED\" }, { 1, \"ONE\" })");
	struct tep_event *known = event("known", "\"v=%s\", __print_symbolic(REC->a, "
					"{ RCU_SOFTIRQ, \"RCU\" })");
	char info[512];
	struct rec r;

	base(&r, named);
	r.c = -1;
	expect(named, &r, "v=NAMED");
	r.c = 1;
	expect(named, &r, "v=ONE");
	r.c = 2;
	expect(named, &r, "v=0x2");
	base(&r, known);
	CHECK(both(known, &r, sizeof(r), false, info, sizeof(info)) == 0);
	base(&r, sym);
	r.a = 16;
	expect(sym, &r, "v=SIXTEEN");
	r.a = 0;
	expect(sym, &r, "v=ZERO");
	r.a = 5;
	expect(sym, &r, "v=0x5");
	r.a = -1;
	expect(sym, &r, "v=0xffffffff");
	base(&r, fl);
	r.b = 3;
	expect(fl, &r, "f=A|B");
	r.b = 0x15;
	expect(fl, &r, "f=A|C|0x10");
	r.b = 0x10;
	expect(fl, &r, "f=0x10");
	r.b = 0;
	expect(fl, &r, "f=");
	base(&r, nd);
	r.b = 7;
	expect(nd, &r, "f=ABC");
	r.b = 2;
	expect(nd, &r, "f=0x2");
}

static void test_exprs(void)
{
	struct tep_event *e = event("expr", "\"m=%u n=%d t=%s q=%d sh=%x\", (u8)REC->b, "
				    "(int)REC->a + 1, REC->a > 0 ? \"pos\" : \"neg\", "
				    "REC->a ? REC->b : 7, REC->b << 4");
	struct tep_event *div = event("div", "\"d=%u\", REC->b / REC->a");
	char info[512];
	struct rec r;

	base(&r, e);
	r.a = 3;
	r.b = 0x1ff;
	expect(e, &r, "m=255 n=4 t=pos q=511 sh=1ff0");
	r.a = -4;
	/* unsigned, as libtraceevent compares: -4 > 0 */
	expect(e, &r, "m=255 n=-3 t=pos q=511 sh=1ff0");
	r.a = 0;
	expect(e, &r, "m=255 n=1 t=neg q=7 sh=1ff0");
	base(&r, div);
	r.a = 3;
	r.b = 10;
	expect(div, &r, "d=3");
	/* division by zero: libtraceevent's to print (td_format_problem() keeps most away) */
	r.a = 0;
	(void)info;
}

static void test_arrays_pointers(void)
{
	struct tep_event *e = event("arr", "\"hex=%s str=%s p=%p sym=%pS\", "
				    "__print_hex(__get_dynamic_array(buf), "
				    "__get_dynamic_array_len(buf)), "
				    "__print_hex_str(REC->comm, 3), REC->u, REC->c");
	struct rec r;
	uint32_t v[2] = { 1, 0xabcdef };

	base(&r, e);
	memcpy(r.tail, v, sizeof(v));
	r.buf = 8u << 16 | 52;
	memcpy(r.comm, "\x01\x02\xff", 3);
	r.u = 0xffff888012345678ull;
	r.c = 0x1234;
	expect(e, &r, "hex=01 00 00 00 ef cd ab 00 str=0102ff p=0xffff888012345678 sym=0x1234");
	r.u = 0;
	r.buf = 0;
	expect(e, &r, "hex= str=0102ff p=(nil) sym=0x1234");
}

static void test_truncated(void)
{
	struct tep_event *e = event("cut", "\"a=%d u=%llu comm=%s\", REC->a, REC->u, REC->comm");
	char info[512];
	struct rec r;

	base(&r, e);
	r.a = 1;
	/* fields past the record's end: libtraceevent prints them (from the zeros after) */
	CHECK(both(e, &r, 20, false, info, sizeof(info)) == 0);
	CHECK(both(e, &r, 6, false, info, sizeof(info)) == 0);
	CHECK(both(e, &r, 0, false, info, sizeof(info)) == 0);
	CHECK(both(e, &r, sizeof(r), false, info, sizeof(info)) == 1);
}

static void test_fallbacks(void)
{
	/* a MAC address, a bitmask, an array: not compiled, libtraceevent prints them */
	struct tep_event *mac = event("mac", "\"m=%pM\", REC->comm");
	struct tep_event *bm = event("bm", "\"b=%s\", __get_bitmask(buf)");
	struct tep_event *ar = event("ar", "\"a=%s\", __print_array(__get_dynamic_array(buf), "
				     "__get_dynamic_array_len(buf) / 4, 4)");
	/* a flag of 2^63 or more: negative to libtraceevent, with a meaning of its own */
	struct tep_event *neg = event("negflag", "\"f=%s\", __print_flags(REC->u, \"|\", "
				      "{ 0x8000000000000000, \"TOP\" })");
	char info[512];
	struct rec r;

	base(&r, mac);
	CHECK(both(mac, &r, sizeof(r), false, info, sizeof(info)) == 0);
	base(&r, bm);
	r.buf = 8u << 16 | 52;
	CHECK(both(bm, &r, sizeof(r), false, info, sizeof(info)) == 0);
	base(&r, ar);
	r.buf = 8u << 16 | 52;
	CHECK(both(ar, &r, sizeof(r), false, info, sizeof(info)) == 0);
	base(&r, neg);
	CHECK(both(neg, &r, sizeof(r), false, info, sizeof(info)) == 0);
	r.u = 1ull << 63;
	CHECK(both(neg, &r, sizeof(r), false, info, sizeof(info)) == 0);
}

static void test_check_mode(void)
{
	struct text_fast *check = text_fast_new(tep, TEXT_FAST_CHECK);
	struct text_fast *off = text_fast_new(tep, TEXT_FAST_OFF);
	struct tep_event *e = event("chk", "\"a=%d\", REC->a");
	struct tep_record rec = { 0 };
	struct trace_seq s;
	uint64_t n, m;
	struct rec r;

	base(&r, e);
	rec.size = sizeof(r);
	rec.data = &r;
	trace_seq_init(&s);
	CHECK(text_fast_line(check, tep, &s, &rec, e, false) == 1);
	CHECK(text_fast_line(off, tep, &s, &rec, e, false) == 0);
	text_fast_counts(check, &n, &m);
	CHECK(n == 1 && m == 1);
	text_fast_counts(off, &n, &m);
	CHECK(n == 0 && m == 1);
	trace_seq_destroy(&s);
	text_fast_free(check);
	text_fast_free(off);
}

/*
 * A plugin's event through check mode (the plugin registers comms, so printing a record
 * twice is not printing it once): the fast line made and equal to libtraceevent's.
 */
static void plugin_line(struct tep_event *e, const void *r, int size, const char *want)
{
	struct tep_record rec = { 0 };
	struct trace_seq s;

	rec.ts = 123456789012ull;
	rec.cpu = 3;
	rec.size = size;
	rec.data = (void *)r;
	trace_seq_init(&s);
	CHECK(text_fast_line(fast, tep, &s, &rec, e, false) == 1);
	trace_seq_terminate(&s);
	/* want NULL: libtraceevent's line (the check mode compares them) */
	if (want) {
		CHECK_STR(s.buffer, want);
		if (strcmp(s.buffer, want))
			fprintf(stderr, "  got  %s  want %s", s.buffer, want);
	}
	trace_seq_destroy(&s);
}

/*
 * Events libtraceevent's plugins print (libtraceevent1-plugin, scripts/deps): sched_switch
 * (comms registered), hrtimer_start, and trace_marker_raw's raw_data (the function plugin).
 */
static void test_plugins(void)
{
	static const char sw[] =
		"name: sched_switch\nID: 300\n" KERNEL_FORMAT_HEAD SCHED_SWITCH_FIELDS
		"print fmt: \"prev_comm=%s prev_pid=%d\", REC->prev_comm, REC->prev_pid\n";
	static const char hr[] =
		"name: hrtimer_start\nID: 301\n" KERNEL_FORMAT_HEAD
		"\tfield:void * hrtimer;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:void * function;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:s64 expires;\toffset:24;\tsize:8;\tsigned:1;\n"
		"\tfield:s64 softexpires;\toffset:32;\tsize:8;\tsigned:1;\n\n"
		"print fmt: \"hrtimer=%p\", REC->hrtimer\n";
	static const char raw[] =
		"name: raw_data\nID: 302\n" KERNEL_FORMAT_HEAD
		"\tfield:unsigned int id;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:char buf[];\toffset:12;\tsize:0;\tsigned:0;\n\n"
		"print fmt: \"id:%04x %08x\", REC->id, (int)REC->buf[0]\n";
	struct tep_handle *t = tep_alloc();
	struct tep_plugin_list *plugins;
	struct text_fast *saved = fast;
	struct tep_handle *saved_tep = tep;
	struct tep_event *e;
	uint8_t r[64] = { 0 };
	int32_t pid;
	int64_t v;

	tep_set_long_size(t, 8);
	tep_parse_event(t, sw, strlen(sw), "sched");
	tep_parse_event(t, hr, strlen(hr), "timer");
	tep_parse_event(t, raw, strlen(raw), "ftrace");
	plugins = tep_load_plugins(t);
	tep = t;
	fast = text_fast_new(t, TEXT_FAST_CHECK);
	e = tep_find_event(t, 300);
	CHECK(e && e->handler);
	if (e && e->handler) {
		r[0] = 300 & 0xff;
		r[1] = 300 >> 8;
		pid = 4321;
		memcpy(r + 4, &pid, 4);
		memcpy(r + 8, "worker", 7);
		memcpy(r + 24, &pid, 4);
		v = 120;
		memcpy(r + 28, &v, 4);
		v = 0x12;	/* D|Z */
		memcpy(r + 32, &v, 8);
		memcpy(r + 40, "idle", 5);
		pid = 77;
		memcpy(r + 56, &pid, 4);
		v = -1;
		memcpy(r + 60, &v, 4);
		/* the first line's header does not know worker yet; the second does */
		plugin_line(e, r, 64, "           <...>-4321  [003]   123.456789: sched_switch:  "
			    "       worker:4321 [120] D|Z ==> idle:77 [-1]\n");
		plugin_line(e, r, 64, "          worker-4321  [003]   123.456789: sched_switch:  "
			    "       worker:4321 [120] D|Z ==> idle:77 [-1]\n");
	}
	e = tep_find_event(t, 301);
	CHECK(e && e->handler);
	if (e && e->handler) {
		memset(r, 0, sizeof(r));
		r[0] = 301 & 0xff;
		r[1] = 301 >> 8;
		v = 0x1234;
		memcpy(r + 8, &v, 8);
		v = 0xabc;
		memcpy(r + 16, &v, 8);
		v = 5;
		memcpy(r + 24, &v, 8);
		v = -6;
		memcpy(r + 32, &v, 8);
		plugin_line(e, r, 40, "          <idle>-0     [003]   123.456789: hrtimer_start:  "
			    "      hrtimer=0x1234 function=0x00000abc expires=5 "
			    "softexpires=18446744073709551610\n");
	}
	/* Every byte from buf to the end of the record, the padding too. */
	e = tep_find_event(t, 302);
	CHECK(e && e->handler);
	if (e && e->handler) {
		memset(r, 0, sizeof(r));
		r[0] = 302 & 0xff;
		r[1] = 302 >> 8;
		v = 0x1ab2c;
		memcpy(r + 8, &v, 4);
		memcpy(r + 12, "\x01\xfe\x7f", 3);
		plugin_line(e, r, 16, "          <idle>-0     [003]   123.456789: raw_data:       "
			    "      # 1ab2c 01 fe 7f 00\n");
		plugin_line(e, r, 12, "          <idle>-0     [003]   123.456789: raw_data:       "
			    "      # 1ab2c\n");
		/* 16 bytes at a time where the CPU can (SSSE3), the rest one by one. */
		for (int i = 0; i < 16; i++)
			r[12 + i] = (uint8_t)(i * 0x11);
		r[28] = 0x0e;
		plugin_line(e, r, 29, "          <idle>-0     [003]   123.456789: raw_data:       "
			    "      # 1ab2c 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 0e\n");
	}
	/* Every length up to 52 bytes of every byte value, as libtraceevent prints them. */
	if (e && e->handler) {
		uint8_t big[12 + 52];
		unsigned int x = 1;

		memcpy(big, r, 12);
		for (int len = 0; len <= 52; len++) {
			for (int i = 0; i < len; i++) {
				x = x * 1103515245 + 12345;
				big[12 + i] = (uint8_t)(len == 52 && i < 16 ? 0xf0u | (unsigned int)i : x >> 16);
			}
			plugin_line(e, big, 12 + len, NULL);
		}
	}
	text_fast_free(fast);
	tep_unload_plugins(plugins, t);
	tep_free(t);
	fast = saved;
	tep = saved_tep;
}

/* A file of the other byte order (set before the fast path is made): swapped as libtraceevent. */
static void test_other_byte_order(void)
{
	struct tep_handle *host = tep;
	struct text_fast *host_fast = fast;
	struct tep_event *e;
	struct rec r;

	tep = tep_alloc();
	tep_set_long_size(tep, 8);
	tep_set_page_size(tep, 4096);
	tep_set_file_bigendian(tep, tep_is_local_bigendian(host) ? TEP_LITTLE_ENDIAN :
							       TEP_BIG_ENDIAN);
	tep_register_comm(tep, "bash", 1234);
	fast = text_fast_new(tep, TEXT_FAST_ON);
	e = event("swapped", "\"a=%d b=%u c=%ld s=%hd u=%llx\", REC->a, REC->b, REC->c, REC->s, "
		  "REC->u");
	base(&r, e);
	r.type = bswap_16(r.type);
	r.pid = (int32_t)bswap_32(1234);
	r.a = (int32_t)bswap_32((uint32_t)-5);
	r.b = bswap_32(7);
	r.c = (int64_t)bswap_64((uint64_t)-9);
	r.s = (int16_t)bswap_16((uint16_t)-3);
	r.u = bswap_64(0x1234abcdull);
	expect(e, &r, "a=-5 b=7 c=-9 s=-3 u=1234abcd");
	text_fast_free(fast);
	tep_free(tep);
	tep = host;
	fast = host_fast;
}

/*
 * Saved cmdlines registered by hand (line_deps.c) as tep_parse_saved_cmdlines() registers
 * them: blanks before and after the pid, tabs, empty lines, a name with spaces, one longer
 * than a kernel's, a negative pid, no newline at the end; the first line without a name or
 * pid ends the text; before libtraceevent's first look-up and after it (the first
 * registration wins).
 */
static void test_saved_cmdlines(void)
{
	static const char *const texts[] = {
		"1 init\n  22 two words \n\n\t333\tbash\n-7 neg\n"
		"88 a-name-longer-than-sixty-four-characters-that-no-kernel-would-save-anyway\n"
		"4444\n55555 other\n",
		"66 six\n  \n77 seven\n",
		"x9 bad\n99 after",
		"22 other\n100 new\n\n101 \t new too",
	};
	static const int pids[] = { 1, 22, 333, -7, 88, 4444, 55555, 66, 77, 9, 99, 100, 101, 5 };
	struct tep_handle *mine = tep_alloc(), *theirs = tep_alloc();
	int bad = 0, known = 0;

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		text_comms_register_saved(mine, texts[t]);
		tep_parse_saved_cmdlines(theirs, texts[t]);
		for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
			if (!tep_is_pid_registered(theirs, pids[i])) {
				bad += tep_is_pid_registered(mine, pids[i]);
				continue;
			}
			known++;
			bad += !tep_is_pid_registered(mine, pids[i]) ||
			       strcmp(tep_data_comm_from_pid(mine, pids[i]),
				      tep_data_comm_from_pid(theirs, pids[i]));
		}
	}
	CHECK(bad == 0);
	/* 5, 6, 6 and 8 pids known after each text: the blank line stops the second. */
	CHECK(known == 25);
	CHECK(!strcmp(tep_data_comm_from_pid(mine, 22), "two words "));
	CHECK(!strcmp(tep_data_comm_from_pid(mine, 88), "a-name-longer-than-sixty-four-characters-"
		      "that-no-kernel-would-save-anyway"));
	CHECK(!strcmp(tep_data_comm_from_pid(mine, 101), "new too"));
	tep_free(mine);
	tep_free(theirs);
}

int main(void)
{
	tep = tep_alloc();
	tep_set_long_size(tep, 8);
	tep_set_page_size(tep, 4096);
	tep_register_comm(tep, "bash", 1234);
	fast = text_fast_new(tep, TEXT_FAST_ON);
	test_header();
	test_numbers();
	test_printf_specs();
	test_strings();
	test_tables();
	test_exprs();
	test_arrays_pointers();
	test_truncated();
	test_fallbacks();
	test_check_mode();
	test_plugins();
	test_other_byte_order();
	test_saved_cmdlines();
	text_fast_free(fast);
	tep_free(tep);
	CHECK_DONE();
}
