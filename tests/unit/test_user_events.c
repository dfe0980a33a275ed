// SPDX-License-Identifier: GPL-2.0
/*
 * user_events' text (src/lib/text/user_events.c) against what the Linux 7.2 guest's trace file
 * printed for the same payloads (user_events_writer -x, tests/vm/user_events.bats): the format
 * as that kernel writes it, records built here, the text after "name: " compared with the
 * kernel's, the fast line with libtraceevent's (both through the handler), and the format
 * checker letting both shapes of the kernel's __rel_loc line through.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernel_formats.h"
#include "text_internal.h"
#include "tracedat_fmtcheck.h"
#include "util.h"

/*
 * "u32 seq; u64 value; u8 letter; char[16] tag; __rel_loc char[] msg" as 7.2 prints it; MSG is
 * the __rel_loc line's array length, which that kernel prints from memory it never set (seen:
 * "msg[]" and "msg[7000736]" on two boots).
 */
#define UE_FORMAT(ID, MSG)						\
	"name: ue\nID: " #ID "\n" KERNEL_FORMAT_HEAD					\
	"\tfield:u32 seq;\toffset:8;\tsize:4;\tsigned:0;\n"		\
	"\tfield:u64 value;\toffset:12;\tsize:8;\tsigned:0;\n"		\
	"\tfield:u8 letter;\toffset:20;\tsize:1;\tsigned:0;\n"		\
	"\tfield:char tag[];\toffset:21;\tsize:16;\tsigned:1;\n"	\
	"\tfield:__rel_loc char msg[" MSG "];\toffset:37;\tsize:4;\tsigned:1;\n" \
	"\n"								\
	"print fmt: \"seq=%u value=%llu letter=%u tag=%s msg=%s\", REC->seq, REC->value, "	\
	"REC->letter, REC->tag, __get_rel_str(msg)\n"

struct rec {
	uint16_t type;
	uint8_t flags, pc;
	int32_t pid;
	uint32_t seq;
	uint64_t value;
	uint8_t letter;
	char tag[16];
	uint32_t msg_loc;
	char msg[40];
} __attribute__((packed));

static struct tep_handle *tep;
static struct text_fast *fast;

static struct tep_event *parse(const char *text, const char *system, int id)
{
	CHECK(td_format_problem(text, strlen(text), 4096, NULL, NULL) == NULL);
	CHECK(tep_parse_event(tep, text, strlen(text), system) == 0);
	return tep_find_event(tep, id);
}

static int fill(struct rec *r, int id, uint32_t seq, uint64_t value, uint8_t letter,
		const char *tag, size_t tag_len, const char *msg, size_t msg_len)
{
	memset(r, 0, sizeof(*r));
	r->type = id;
	r->pid = 49;
	r->seq = seq;
	r->value = value;
	r->letter = letter;
	memcpy(r->tag, tag, tag_len);
	memcpy(r->msg, msg, msg_len);
	r->msg_loc = (uint32_t)msg_len << 16;
	return (int)(offsetof(struct rec, msg) + msg_len);
}

/* The line both ways (the same), and its text after the padded "name: ". */
static void line(struct tep_event *e, const void *r, int size, char *body, size_t len)
{
	static uint8_t data[4096];
	struct tep_record rec = { 0 };
	struct trace_seq a, b;
	const char *p;

	memset(data, 0, sizeof(data));
	memcpy(data, r, size);
	rec.ts = 1275912000ull;
	rec.size = size;
	rec.data = data;
	trace_seq_init(&a);
	trace_seq_init(&b);
	CHECK(text_fast_line(fast, tep, &a, &rec, e, false) == 1);
	text_dat_fmt_tep_line(tep, &b, &rec, e, false);
	CHECK(a.len == b.len && !memcmp(a.buffer, b.buffer, a.len));
	trace_seq_terminate(&a);
	p = strstr(a.buffer, " ue: ");
	p = p ? p + 5 + strspn(p + 5, " ") : "";
	snprintf(body, len, "%.*s", (int)strcspn(p, "\n"), p);
	trace_seq_destroy(&a);
	trace_seq_destroy(&b);
}

static void expect(struct tep_event *e, const void *r, int size, const char *want)
{
	char body[512];

	line(e, r, size, body, sizeof(body));
	CHECK_STR(body, want);
	if (strcmp(body, want))
		fprintf(stderr, "  got  \"%s\"\n  want \"%s\"\n", body, want);
}

static void test_kernel_text(const char *format, int id)
{
	struct tep_event *e = parse(format, "user_events", id);
	struct rec r;
	int n;

	CHECK(e != NULL);
	if (!e)
		return;
	text_user_event_register(tep, e, true);
	CHECK(text_user_event_handled(e));

	n = fill(&r, id, 1, 1000000007, 'B', "remotectl", 10, "event 1", 8);
	expect(e, &r, n, "seq=0x1 (1) value=0x3b9aca07 (1000000007) letter='B'(66) "
	       "tag=remotectl msg=event 1");
	/* user_events_writer -x's first, second, fourth and eighth events */
	n = fill(&r, id, 0xffffffff, 1ull << 63, 0, "0123456789abcdef", 16,
		 "x\001y\351z\1770", 8);
	expect(e, &r, n, "seq=0xffffffff (-1) value=0x8000000000000000 (-9223372036854775808) "
	       "letter=(0) tag=0123456789abcdef msg=x.y.z.0. (78:01:79:e9:7a:7f:30:00)");
	n = fill(&r, id, 0xfffffffe, (1ull << 63) + 1, 0x1f, "ab\002c\0\001", 6,
		 "x\001y\351z\1771", 8);
	expect(e, &r, n, "seq=0xfffffffe (-2) value=0x8000000000000001 (-9223372036854775807) "
	       "letter=(31) tag=ab\002c msg=x.y.z.1. (78:01:79:e9:7a:7f:31:00)");
	n = fill(&r, id, 0xfffffffc, (1ull << 63) + 3, '~', "ab\002c\0\001", 6, "x", 2);
	expect(e, &r, n, "seq=0xfffffffc (-4) value=0x8000000000000003 (-9223372036854775805) "
	       "letter='~'(126) tag=ab\002c msg=x");
	n = fill(&r, id, 7, 7, 0xa0, "", 0, "", 1);
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter='\240'(160) tag= msg=");
	/* DEL and C1 controls are not printable, Latin-1's upper half is */
	n = fill(&r, id, 7, 7, 0x7f, "", 0, "", 1);
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter=(127) tag= msg=");
	n = fill(&r, id, 7, 7, 0x9f, "", 0, "", 1);
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter=(159) tag= msg=");
	n = fill(&r, id, 7, 7, 0xff, "", 0, "", 1);
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter='\377'(255) tag= msg=");
	/* a string's bytes after its NUL are not shown when the rest prints */
	n = fill(&r, id, 7, 7, 'a', "", 0, "ok\0no", 6);
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter='a'(97) tag= msg=ok");
	/* a loc past the record, and fields past it */
	n = fill(&r, id, 7, 7, 'a', "", 0, "long", 5);
	r.msg_loc = 40u << 16;
	expect(e, &r, n, "seq=0x7 (7) value=0x7 (7) letter='a'(97) tag= msg=<OVERFLOW>");
	expect(e, &r, 24, "seq=0x7 (7) value=0x7 (7) letter='a'(97) tag=<OVERFLOW> "
	       "msg=<OVERFLOW>");
}

/* Fields the writer has none of: 2 bytes, a __data_loc byte array, a size of no number. */
static void test_other_fields(void)
{
	static const char fmt[] =
		"name: ue\nID: 502\n" KERNEL_FORMAT_HEAD
		"\tfield:u16 a;\toffset:8;\tsize:2;\tsigned:0;\n"
		"\tfield:__data_loc u8[] b;\toffset:10;\tsize:4;\tsigned:0;\n"
		"\tfield:struct x c;\toffset:14;\tsize:3;\tsigned:0;\n"
		"\n"
		"print fmt: \"a=%u b=%s c=%s\", REC->a, __get_str(b), REC->c\n";
	static const char none[] =
		"name: ue\nID: 503\n" KERNEL_FORMAT_HEAD
		"\n"
		"print fmt: \"\"\n";
	struct tep_event *e;
	uint8_t r[24] = { 0 };

	CHECK(tep_parse_event(tep, fmt, strlen(fmt), "user_events") == 0);
	e = tep_find_event(tep, 502);
	CHECK(e != NULL);
	if (e) {
		text_user_event_register(tep, e, true);
		r[0] = 502 & 0xff;
		r[1] = 502 >> 8;
		r[8] = 0xff;
		r[9] = 0xff;
		r[10] = 17;		/* b: 3 bytes at 17 */
		r[12] = 3;
		r[17] = 0xde;
		r[18] = 0xad;
		r[19] = 0x01;
		expect(e, (void *)r, 20, "a=0xffff (65535) b=de,ad,01 c=<INVALID-SIZE>");
	}
	CHECK(tep_parse_event(tep, none, strlen(none), "user_events") == 0);
	e = tep_find_event(tep, 503);
	CHECK(e != NULL);
	if (e) {
		text_user_event_register(tep, e, true);
		memset(r, 0, sizeof(r));
		r[0] = 503 & 0xff;
		r[1] = 503 >> 8;
		expect(e, (void *)r, 8, "No fields found");
	}
}

/* An event of another system with the same fields keeps its print fmt. */
static void test_other_system(void)
{
	struct tep_event *e = parse(UE_FORMAT(504, ""), "mine", 504);
	struct rec r;
	char body[512];
	int n;

	CHECK(e != NULL);
	if (!e)
		return;
	text_user_event_register(tep, e, true);
	CHECK(!text_user_event_handled(e));
	n = fill(&r, 504, 1, 2, 'C', "t", 2, "m", 2);
	line(e, &r, n, body, sizeof(body));
	CHECK_STR(body, "seq=1 value=2 letter=67 tag=t msg=m");
}

/*
 * A kernel without kallsyms pads a long-sized field to the long's width (%pS: the arm64
 * guest's "value=0x000000003b9aca07 (1000000007)"); a 32-bit kernel's long is 4 bytes.
 */
static void test_no_kallsyms(void)
{
	struct tep_event *e = parse(UE_FORMAT(506, ""), "user_events", 506);
	struct tep_handle *saved = tep;
	struct text_fast *saved_fast = fast;
	struct rec r;
	int n;

	CHECK(e != NULL);
	if (!e)
		return;
	text_user_event_register(tep, e, false);
	n = fill(&r, 506, 1, 1000000007, 'B', "remotectl", 10, "event 1", 8);
	expect(e, &r, n, "seq=0x1 (1) value=0x000000003b9aca07 (1000000007) letter='B'(66) "
	       "tag=remotectl msg=event 1");

	tep = tep_alloc();
	tep_set_long_size(tep, 4);
	tep_set_page_size(tep, 4096);
	fast = text_fast_new(tep, TEXT_FAST_ON);
	e = parse(UE_FORMAT(507, ""), "user_events", 507);
	CHECK(e != NULL);
	if (e) {
		text_user_event_register(tep, e, false);
		n = fill(&r, 507, 1, 1000000007, 'B', "remotectl", 10, "event 1", 8);
		expect(e, &r, n, "seq=0x00000001 (1) value=0x3b9aca07 (1000000007) "
		       "letter='B'(66) tag=remotectl msg=event 1");
		text_user_event_register(tep, e, true);
		expect(e, &r, n, "seq=0x1 (1) value=0x3b9aca07 (1000000007) "
		       "letter='B'(66) tag=remotectl msg=event 1");
	}
	text_fast_free(fast);
	tep_free(tep);
	tep = saved;
	fast = saved_fast;
}

/*
 * A char array last that ends in a newline: both ways drop it, as they drop a print event's
 * (fuzz_tracedat_fmt found the fast line keeping it).
 */
static void test_trailing_newline(void)
{
	static const char fmt[] = "name: ue\nID: 510\n" KERNEL_FORMAT_HEAD
		"\tfield:char buf[8];\toffset:8;\tsize:8;\tsigned:0;\n"
		"\nprint fmt: \"%s\", REC->buf\n";
	struct tep_event *e = parse(fmt, "user_events", 510);
	struct {
		uint16_t type;
		uint8_t flags, pc;
		int32_t pid;
		char buf[8];
	} __attribute__((packed)) r = { .type = 510, .pid = 49, .buf = "0.0.0\n" };

	CHECK(e != NULL);
	if (!e)
		return;
	text_user_event_register(tep, e, true);
	expect(e, &r, sizeof(r), "buf=0.0.0");
}

/* report's path: every user_events event of a tep at once. */
static void test_register_all(void)
{
	struct tep_event *e = parse(UE_FORMAT(505, ""), "user_events", 505);

	CHECK(e && !text_user_event_handled(e));
	text_user_events_register(tep, true);
	CHECK(e && text_user_event_handled(e));
}

int main(void)
{
	tep = tep_alloc();
	tep_set_long_size(tep, 8);
	tep_set_page_size(tep, 4096);
	tep_register_comm(tep, "user_events_wri", 49);
	fast = text_fast_new(tep, TEXT_FAST_ON);
	test_kernel_text(UE_FORMAT(500, ""), 500);
	test_kernel_text(UE_FORMAT(501, "7000736"), 501);
	test_other_fields();
	test_other_system();
	test_no_kallsyms();
	test_trailing_newline();
	test_register_all();
	text_fast_free(fast);
	tep_free(tep);
	CHECK_DONE();
}
