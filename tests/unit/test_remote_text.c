// SPDX-License-Identifier: GPL-2.0
/* The remote text-line parser on every form the kernel prints, and on damaged lines. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "remote_text.h"

static enum remote_line_kind parse(const char *s, struct remote_line *r)
{
	/* A private copy without the NUL, so reading past len is caught by ASan. */
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	enum remote_line_kind kind;

	memcpy(copy, s, len);
	kind = remote_line_parse(copy, len, r);
	/* Pointers must stay inside the copy: rebase them onto s for the checks. */
	if (r->name)
		r->name = s + (r->name - copy);
	if (r->args)
		r->args = s + (r->args - copy);
	free(copy);
	return kind;
}

static void test_event(void)
{
	struct remote_line r;

	CHECK(parse("[001]\t  123.456789: selftest id=42", &r) == REMOTE_LINE_EVENT);
	CHECK(r.cpu == 1 && r.ts_ns == 123456789000ULL);
	CHECK(r.name_len == 8 && !strncmp(r.name, "selftest", 8));
	CHECK(r.args_len == 5 && !strncmp(r.args, "id=42", 5));

	/* Large timestamps push the seconds past the 5-column width. */
	CHECK(parse("[000]\t18446744073.709551: hyp_enter reason=hvc", &r) == REMOTE_LINE_EVENT);
	CHECK(r.cpu == 0 && r.ts_ns == 18446744073709551000ULL);
	CHECK(r.args_len == 10 && !strncmp(r.args, "reason=hvc", 10));
	/* A hypervisor's clock fault (~2^59 ns) and the very last stamps before 2^64. */
	CHECK(parse("[001]\t576460752.303423: hyp_exit reason=eret_guest vcpu=5", &r) ==
	      REMOTE_LINE_EVENT);
	CHECK(r.ts_ns == 576460752303423000ULL);
	CHECK(parse("[001]\t18446744072.999999: selftest id=1", &r) == REMOTE_LINE_EVENT);
	CHECK(r.ts_ns == 18446744072999999000ULL);
	CHECK(parse("[001]\t    0.000000: selftest id=1", &r) == REMOTE_LINE_EVENT && !r.ts_ns);

	/* An event that prints no arguments, with and without the space. */
	CHECK(parse("[1023]\t    0.000001: hyp_exit", &r) == REMOTE_LINE_EVENT);
	CHECK(r.cpu == 1023 && r.ts_ns == 1000 && r.name_len == 8 && r.args_len == 0);
	CHECK(parse("[002]\t    5.000000: hyp_exit ", &r) == REMOTE_LINE_EVENT);
	CHECK(r.args_len == 0);
}

static void test_special(void)
{
	struct remote_line r;

	CHECK(parse("[003]\t   10.000100: UNKNOWN id=65535", &r) == REMOTE_LINE_UNKNOWN);
	CHECK(r.cpu == 3 && r.id == 65535 && r.ts_ns == 10000100000ULL);
	CHECK(parse("[003]\t   10.000100: UNKNOWN id=65536", &r) == REMOTE_LINE_UNPARSED);
	CHECK(parse("CPU:2 [LOST 1234 EVENTS]", &r) == REMOTE_LINE_LOST);
	CHECK(r.cpu == 2 && r.lost == 1234);
	CHECK(parse("CPU:2 [LOST 18446744073709551615 EVENTS]", &r) == REMOTE_LINE_LOST);
	CHECK(r.lost == 18446744073709551615ULL);
	CHECK(parse("[EVENT 7 PRINT TOO BIG]", &r) == REMOTE_LINE_TOO_BIG);
	CHECK(r.id == 7);
}

static void test_damaged(void)
{
	static const char *const bad[] = {
		"", "[", "[001]", "[001]\t", "[001]\t  1.5: x", "[001]\t  1.1234567: x",
		"[001]\t  1.123456:x", "[001]\t  1.123456: ", "[001]\t  1.123456: na-me x",
		"[001] 1.123456: x", "[x01]\t  1.123456: x", "[12345678]\t  1.123456: x",
		"[001]\t123456789012.000000: x", "[001]\t18446744073.709552: x",
		"[001]\t18446744073.999999: x", "[001]\t18446744074.000000: x",
		"[001]\t99999999999.999999: x", "CPU:", "CPU:1 [LOST EVENTS]",
		"CPU:1 [LOST 5 EVENTS] ", "CPU:1 [LOST 5 EVENTS", "[EVENT 1 PRINT TOO BIG] x",
		"[EVENT  PRINT TOO BIG]", "# tracer: nop", "random text",
		"[001]\t  1.123456: UNKNOWN id=", "[001]\t  1.123456: UNKNOWN id=5 extra",
	};
	struct remote_line r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i], &r) == REMOTE_LINE_UNPARSED);
		if (r.kind != REMOTE_LINE_UNPARSED)
			fprintf(stderr, "  parsed: '%s'\n", bad[i]);
	}
}

static void test_too_long(void)
{
	size_t len = REMOTE_LINE_MAX + 1;
	char *line = malloc(len);
	struct remote_line r;

	memcpy(line, "[000]\t    1.000000: x ", 22);
	memset(line + 22, 'a', len - 22);
	CHECK(remote_line_parse(line, len, &r) == REMOTE_LINE_UNPARSED);
	CHECK(remote_line_parse(line, len - 1, &r) == REMOTE_LINE_EVENT);
	CHECK(r.args_len == len - 1 - 22);
	free(line);
}

/* Stamps of one CPU: a jump to near 2^64 ns and back, twice, and an honest clock. */
static void test_clock(void)
{
	static const char *const lines[] = {
		"[001]\t   11.625125: hyp_enter reason=hvc vcpu=0",
		"[001]\t18446744073.709551: hyp_enter reason=guest_exit vcpu=77",
		"[001]\t18446744073.709551: hyp_exit reason=eret_guest vcpu=77",
		"[001]\t   11.625200: hyp_exit reason=eret_host vcpu=0",
		"[001]\t576460763.000000: hyp_enter reason=guest_exit vcpu=77",
		"[001]\t   11.625300: hyp_exit reason=eret_host vcpu=0",
	};
	struct remote_clock c = { 0 }, ok = { 0 };
	struct remote_line r;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK(parse(lines[i], &r) == REMOTE_LINE_EVENT);
		remote_clock_note(&c, r.ts_ns);
	}
	CHECK(c.events == 6 && c.back_steps == 2);
	CHECK(c.back_max == 18446744073709551000ULL - 11625200000ULL);
	CHECK(c.last == 11625300000ULL);
	remote_clock_note(&ok, 5);
	remote_clock_note(&ok, 5);
	remote_clock_note(&ok, 6);
	CHECK(ok.back_steps == 0 && ok.back_max == 0);
}

int main(void)
{
	test_clock();
	test_event();
	test_special();
	test_damaged();
	test_too_long();
	CHECK_DONE();
}
