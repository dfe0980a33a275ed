// SPDX-License-Identifier: GPL-2.0
/*
 * Event formats from a damaged trace.dat must never reach libtraceevent's parser when they
 * could crash it. The three inputs below are flips of this kernel's formats that crashed
 * `remotectl report` inside tep_parse_event (SEGV on "__print_flags(REC->prev_s,ate", SEGV on
 * a NUL in "caller[8]", SIGFPE on "R/C->next_prio"): td_format_problem() must name each, and
 * text_dat_fmt_new() must survive them (run under ASan/UBSan with `make unit-asan`). Field shapes
 * that make it leak and printk lines that make it read outside a string follow.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernel_formats.h"
#include "tracedat_fmt.h"
#include "tracedat_fmtcheck.h"
#include "util.h"

static const char sched_switch[] =
	"name: sched_switch\nID: 372\n" KERNEL_FORMAT_HEAD SCHED_SWITCH_FIELDS
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm"
	"=%s next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, ("
	"REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x0000"
	"0008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(RE"
	"C->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x000000"
	"08 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), \"|\", { 0x00000001,"
	" \"S\" }, { 0x00000002, \"D\" }, { 0x00000004, \"T\" }, { 0x00000008, \"t\" }, {"
	" 0x00000010, \"X\" }, { 0x00000020, \"Z\" }, { 0x00000040, \"P\" }, { 0x00000080"
	", \"I\" }) : \"R\", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | "
	"0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? \"+"
	"\" : \"\", REC->next_comm, REC->next_pid, REC->next_prio\n";

static const char kernel_stack[] =
	"name: kernel_stack\n"
	"ID: 4\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int size;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;\n"
	"\n"
	"print fmt: \"\\t=> %ps\\n\\t=> %ps\\n\\t=> %ps\\n\" \"\\t=> %ps\\n\\t=> %ps\\n"
	"\\t=> %ps\\n\" \"\\t=> %ps\\n\\t=> %ps\\n\", (void *)REC->caller[0], (void *)REC"
	"->caller[1], (void *)REC->caller[2], (void *)REC->caller[3], (void *)REC->caller"
	"[4], (void *)REC->caller[5], (void *)REC->caller[6], (void *)REC->caller[7]\n";

static const char locs[] =
	"name: locs\nID: 9\nformat:\n"
	"\tfield:__data_loc char[] who;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:__rel_loc u8[] buf;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long v[4];\toffset:16;\tsize:32;\tsigned:0;\n"
	"\tfield:u8 z[];\toffset:48;\tsize:0;\tsigned:0;\n\n"
	"print fmt: \"%s %lx\", __get_str(who), REC->v[0]\n";

#define PF_SYNTAX	"the print format's arguments are not an expression"
#define SIZEOF		"the print format has sizeof where no kernel has it"
#define BACKSLASH	"the print format has a string ending in a backslash"
#define BYTES		"the print format prints bytes from something not a field"
#define WIDTH_REC	"the print format takes a field width from the record"
#define OWN_CALL	"the print format calls a function of its own inside an expression"
#define COUNT		"the print format's count of bytes to print may be negative or huge"

/* locs without its print format, for the print formats below. */
static const char locs_head[] =
	"name: locs\nID: 9\nformat:\n"
	"\tfield:__data_loc char[] who;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:__rel_loc u8[] buf;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long v[4];\toffset:16;\tsize:32;\tsigned:0;\n"
	"\tfield:u8 z[];\toffset:48;\tsize:0;\tsigned:0;\n\n"
	"print fmt: ";

static const struct {
	const char *text, *why;
} args[] = {
	{ "\"%d\" \"%s\"", "ok" },
	{ "\"%d %c\", (((u64)(REC)->v[1] << 32) | (REC)->v[0]), REC->v[0] ? 'F' : ' '", "ok" },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, \"a\" }, { (1UL << 2), \"b\" })", "ok" },
	{ "\"%s\", __print_array(__get_dynamic_array(buf), "
	  "__get_dynamic_array_len(buf) / sizeof(unsigned int), sizeof(u8 *))", "ok" },
	{ "\"%p %d\", (void *)REC->v[0], -(int)-~!REC->v[1] ? x : y ? 1 : 2", "ok" },
	{ "\"%d\", 7?7777 field:unsigned short", PF_SYNTAX },
	{ "\"%d\", REC->v[0] ? 1", PF_SYNTAX },
	{ "\"%d\", REC", PF_SYNTAX },
	{ "\"%d\", REC + 1", PF_SYNTAX },
	{ "\"%d\", REC->v(1)", PF_SYNTAX },
	{ "\"%d\", x->v", PF_SYNTAX },
	{ "\"%d\", a.b", PF_SYNTAX },
	{ "\"%d\", (*)REC->v[0]", PF_SYNTAX },
	{ "\"%d\", REC->v[]", PF_SYNTAX },
	{ "\"%d\", f(,)", PF_SYNTAX },
	{ "\"%d\", { 1 }", PF_SYNTAX },
	/* libtraceevent 1.7.1 leaked a table given to a function of another name. */
	{ "\"%d\", ~_print_flags(REC->v[0], \"|\", { 1, \"A\" })", OWN_CALL },
	{ "\"%d\", _print_flags(REC->v[0], \"|\", { 1, \"A\" })", PF_SYNTAX },
	/* ... and on a string as an operator's operand. */
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, !\"A\" })", PF_SYNTAX },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, \"A\", 2 })", PF_SYNTAX },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, !12 })", PF_SYNTAX },
	{ "\"%s\", __print_symbolic(REC->v[0], { 0, \"a\" }, C, { 1, \"b\" })", PF_SYNTAX },
	{ "\"%s\", +__print_symbolic(REC->v[0], { 0, \"a\" })", PF_SYNTAX },
	{ "\"%s\", -(__get_str(who))", PF_SYNTAX },
	{ "\"%d\", !(u64)~REC->v[0]", PF_SYNTAX },
	{ "\"%d\", RE[!0%1]", PF_SYNTAX },
	{ "\"%d\", !(void **)REC->v[0]", PF_SYNTAX },
	{ "\"%d\", REC->v[1 + 1]", PF_SYNTAX },
	{ "\"%d\", (REC->v)[1]", PF_SYNTAX },
	{ "\"%d\", (u64)-4095 + (unsigned long)+REC->v[0]", "ok" },
	{ "\"%s\", __print_flags(REC->v[0], { 0, \"a\" })", PF_SYNTAX },
	{ "\"%s\", __print_flags(REC->v[0], \"|\")", PF_SYNTAX },
	{ "\"%s\", __print_symbolic(REC->v[0])", PF_SYNTAX },
	{ "\"%s %s\", __print_flags(REC->v[0], \"|\", { 1, \"a\" }), (void *)__get_str(who)",
	 "ok" },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, 12 })", PF_SYNTAX },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, \"a\" }, { -1, 0 })", "ok" },
	{ "\"%s\", __print_symbolic(REC->v[0], { 1, \"A\" \"B\" }, { -1, ((void *)0) })", "ok" },
	{ "\"%s\", \"a\" + 1", PF_SYNTAX },
	/* A function of the kernel's own: a whole argument only (-f(1) leaked). */
	{ "\"%s %d\", f(REC->v[0], -1), 2", "ok" },
	{ "\"%s\", -f(1)", OWN_CALL },
	{ "\"%s\", REC->v[0] > f(1)", OWN_CALL },
	{ "\"%s\", f(1) + 1", OWN_CALL },
	{ "\"%s\", __print_symbolic(f(1), { 1, \"a\" })", OWN_CALL },
	{ "\"%s\", f(g(1))", OWN_CALL },
	{ "\"a\\tb\"", "ok" },
	{ "\"a\tb\"", "the print format has a tab inside a string" },
	/*
	 * found by make fuzz-long: leaks on "!sizeof(d)", "!(d)sizeof(R)", "!c != sizeof(R)",
	 * freed memory read on "-sizeof(int)": sizeof only as a divisor or a helper's argument
	 */
	{ "\"%d\", !sizeof(u64)", SIZEOF },
	{ "\"%d\", -(sizeof(int))", SIZEOF },
	{ "\"%d\", !(int)sizeof(u64)", SIZEOF },
	{ "\"%d\", !REC->v[0] != sizeof(u64)", SIZEOF },
	{ "\"%d\", REC->v[0] + sizeof(u64)", SIZEOF },
	{ "\"%d\", REC->v[0] / sizeof(u64)", "ok" },
	{ "\"%s\", __print_array(__get_dynamic_array(v), REC->v[0] / 4, !sizeof(u64))", SIZEOF },
	{ "\"%s\", __print_array(__get_dynamic_array(v), 4 / sizeof(u64), sizeof(u64))", "ok" },
	{ "\"%s\", __print_array(__get_dynamic_array(v), 4, sizeof(u64) + 1)", SIZEOF },
	/* found by fuzz_tracedat_fmt: "%*u" padded to a damaged record's 2^31 columns */
	{ "\"%*u\", REC->v[0], REC->v[1]", WIDTH_REC },
	{ "\"%.*d\", REC->v[0], REC->v[1]", WIDTH_REC },
	{ "\"%-*s\", REC->v[0], __get_str(who)", WIDTH_REC },
	{ "\"%*\", REC->v[0]", WIDTH_REC },
	{ "\"%.*s %*pbl %%*u\", REC->v[0], __get_str(who), REC->v[1], REC->v[2]", "ok" },
	{ "\"%5000d\", REC->v[0]", "the print format has a field width no kernel has" },
	{ "\"%.1001s\", __get_str(who)", "the print format has a field width no kernel has" },
	{ "\"%-16s %08lx %1000d\", __get_str(who), REC->v[0], REC->v[1]", "ok" },
	/* found by fuzz_tracedat_fmt: SEGV printing bytes of "RC-cE>omm" taken for a field */
	/* Counts of bytes libtraceevent reads unchecked (found by fuzz_tracedat_fmt). */
	{ "\"%s\", __print_hex_str(REC->v, -4)", COUNT },
	{ "\"%s\", __print_hex(REC->v, ~0)", COUNT },
	{ "\"%s\", __print_hex(REC->v, 65536)", COUNT },
	{ "\"%s\", __print_hex(REC->v, 65535)", "ok" },
	{ "\"%s\", __print_hex(REC->v, 256 * 256)", COUNT },
	{ "\"%s\", __print_hex(REC->v, 65535 + 65535 + 65535 + 65535)", COUNT },
	{ "\"%s\", __print_hex(REC->v, REC->v[0] * 4 * 65535)", COUNT },
	{ "\"%s\", __print_hex(REC->v, (4) << 30)", COUNT },
	/* host1x's: a field's value times a constant */
	{ "\"%s\", __print_hex(__get_dynamic_array(buf), REC->v ? REC->v[1] * 4 : 0)", "ok" },
	{ "\"%s\", __print_hex(REC->v, 1 << 20)", COUNT },
	{ "\"%s\", __print_hex(REC->v, 4 - 8)", COUNT },
	{ "\"%s\", __print_hex(REC->v, REC->v[0] ? 2 : -2)", COUNT },
	{ "\"%s\", __print_array(__get_dynamic_array(v), 4, -8)", COUNT },
	{ "\"%s\", __print_hex(__get_dynamic_array(buf), __get_dynamic_array_len(buf) + 2)",
	  "ok" },
	{ "\"%d %s\", -1, __print_hex(REC->v, (u32)REC->v[1])", "ok" },
	{ "\"%s\", __print_hex_str(RC-cE>omm, 3)", BYTES },
	{ "\"%s\", __print_hex(REC->v[0] + 1, 3)", BYTES },
	{ "\"%s\", __print_hex((u8 *)REC->v, 3)", BYTES },
	{ "\"%s\", __print_array(__get_str(who), 3, 1)", BYTES },
	{ "\"%s %s\", __print_hex(REC->v, 4), __print_hex_str(__get_rel_dynamic_array(buf), 2)",
	  "ok" },
	{ "\"%d\", -(long)__get_str(who)", PF_SYNTAX },
	{ "\"%d\", (long)__get_str(who)", "ok" },
	/* found by make fuzz-long: libtraceevent reads on past the quote after "\\" */
	{ "\"%s\", \"\\\\\", REC->v ? \"+\" : \"-\"", BACKSLASH },
	{ "\"a\\\\\", REC->v", BACKSLASH },
	{ "\"%c\", '\\\\'", BACKSLASH },
	{ "\"a\\\\b \\\"\", REC->v", "ok" },
	{ "\"%d\" 1", PF_SYNTAX },
	{ "\"%d\", 1,", PF_SYNTAX },
	{ "\"%d\", REC->nope", "the print format names an unknown field" },
	{ "\"%d\", REC->v[1](2)", "the print format has a damaged index" },
	{ "\"%d\", 'ab'", "the print format has a damaged character constant" },
	{ "\"%d\", ({ int x = 1; x; })", "the print format has a statement or an assignment" },
	{ "\"%d\", (((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))"
	  ")))))))))))))))))))))))", "the print format nests too deep" },
	{ "\"%d\", !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!1",
	  "the print format nests too deep" },
	{ "1, 2", "the print format does not start with a string" },
	{ "\"%d\", !x + y--z", "the print format has ++ or --" },
	{ "\"%d\", x - !&y", PF_SYNTAX },
	{ "\"%d\", *REC->v[0]", PF_SYNTAX },
	{ "\"%d\", !x + y - -z", "ok" },
	/* libtraceevent 1.7.1 folds 7 / (7 / 77) and raises SIGFPE (found by fuzz_remote_encode) */
	{ "\"%d\", 7 / 7 / 077", "the print format divides by something not a constant" },
	{ "\"%d\", REC->v[0] / 4 * 2", "the print format divides by something not a constant" },
	{ "\"%d\", (REC->v[0] / 4) * 2, REC->v[1] ? REC->v[2] / 1000L : 0", "ok" },
	/* libtraceevent 1.7.1 leaked on "REC->v[0]>-\nx" (found by fuzz_remote_encode). */
	{ "\"%d\", REC->v[0]>-\nx", "the print format has a line break outside a string" },
	{ "\"%d\", REC->v[0] \n\n", "ok" },
};

/* A copy of text with the first occurrence of from replaced by to (same length). */
static char *flip(const char *text, size_t len, const char *from, const char *to, size_t n)
{
	char *c = malloc(len + 1), *p;

	memcpy(c, text, len + 1);
	p = memmem(c, len, from, n);
	if (p)
		memcpy(p, to, n);
	return p ? c : NULL;
}

static const char *problem(const char *t, size_t len)
{
	const char *why = t ? td_format_problem(t, len, 4096, NULL, NULL) : "flip not applied";

	return why ? why : "ok";
}

static void keep_warning(void *ctx, const char *msg)
{
	snprintf(ctx, 1024, "%s", msg);
}

static void count_warning(void *ctx, const char *msg)
{
	if (strstr(msg, "skipping event format ") && strstr(msg, "; its events print as unknown"))
		++*(int *)ctx;
}

int main(void)
{
	size_t sw = sizeof(sched_switch) - 1, ks = sizeof(kernel_stack) - 1;
	char *bad[3], *good_sw = strdup(sched_switch), *good_ks = strdup(kernel_stack);
	struct tdr_format formats[5];
	struct tdr_info in;
	struct text_dat_fmt *f;
	int i, warnings = 0;

	CHECK_STR(problem(sched_switch, sw), "ok");
	CHECK_STR(problem(kernel_stack, ks), "ok");
	bad[0] = flip(sched_switch, sw, "__print_flags(REC->prev_state",
		      "__print_flags(REC->prev_s,ate", 29);
	bad[1] = flip(kernel_stack, ks, "caller[8]", "caller[\0]", 9);
	bad[2] = flip(sched_switch, sw, "REC->next_prio\n", "R/C->next_prio\n", 15);
	CHECK_STR(problem(bad[0], sw), "the print format names an unknown field");
	CHECK_STR(problem(bad[1], ks), "it is not text");
	CHECK_STR(problem(bad[2], sw), "the print format divides by something not a constant");
	/* More shapes the kernel never prints. */
	CHECK_STR(problem("name: x\nID: 1\nformat:\n", 22), "no print fmt: line");
	CHECK_STR(problem(sched_switch, 0), "its size is not plausible");
	{
		char *c = flip(sched_switch, sw, "offset:8;", "offset:x;", 9);

		CHECK_STR(problem(c, sw), "a field's offset or size is damaged");
		free(c);
		c = flip(sched_switch, sw, "offset:8;\ts", "offset:9999", 11);
		CHECK_STR(problem(c, sw), "a field's offset or size is damaged");
		free(c);
		c = flip(sched_switch, sw, "REC->prev_prio, (", "REC->prev_prio, )", 17);
		CHECK_STR(problem(c, sw), "the print format's brackets do not match");
		free(c);
		c = flip(sched_switch, sw, "ID: ", "ID:x", 4);
		CHECK_STR(problem(c, sw), "no ID: line");
		free(c);
		/* Fields libtraceevent 1.7.1 parses with a leak (found by fuzz_tracedat_read). */
		c = flip(sched_switch, sw, "char prev_comm[16]", "char p[ev_comm[1]]", 18);
		CHECK_STR(problem(c, sw), "a field declaration's brackets are damaged");
		free(c);
		c = flip(sched_switch, sw, "char prev_comm[16]", "char prev_comm]16[", 18);
		CHECK_STR(problem(c, sw), "a field declaration's brackets are damaged");
		free(c);
		c = flip(sched_switch, sw, "char prev_comm[16]", "char[16] prev_comm", 18);
		CHECK_STR(problem(c, sw), "a field declaration's brackets are damaged");
		free(c);
		c = flip(sched_switch, sw, "char prev_comm[16]", "char[] prev_comm[]", 18);
		CHECK_STR(problem(c, sw), "a field declaration's brackets are damaged");
		free(c);
		/* found by fuzz_tracedat_fmt once the leak suppression was gone */
		c = flip(sched_switch, sw, "char prev_comm[16]", "unsigned[] pr_comm", 18);
		CHECK_STR(problem(c, sw), "a field declaration's brackets are damaged");
		free(c);
		/* found by make fuzz-long (4.3 M inputs): "[]" without a type before it */
		c = flip(locs, sizeof(locs) - 1, "__data_loc char[] who", "__data_loc     [] who",
			 21);
		CHECK_STR(problem(c, sizeof(locs) - 1),
			  "a field declaration's brackets are damaged");
		free(c);
		c = flip(sched_switch, sw, "pid_t prev_pid;", "pid_t next_pid;", 15);
		CHECK_STR(problem(c, sw), "a field's name appears twice");
		free(c);
		/* a __data_loc of 2 bytes made libtraceevent print a string from far away (SEGV) */
		c = flip(locs, sizeof(locs) - 1, "offset:8;\tsize:4;", "offset:8;\tsize:2;", 17);
		CHECK_STR(problem(c, sizeof(locs) - 1), "a __data_loc field is not 4 bytes");
		free(c);
		c = flip(sched_switch, sw, "pid_t prev_pid;", "pidXtXprev_pid;", 15);
		CHECK_STR(problem(c, sw), "a field has no type");
		free(c);
		c = flip(kernel_stack, ks, "caller[0],", "caller[0];", 10);
		CHECK_STR(problem(c, ks), "the print format has a statement or an assignment");
		free(c);
		c = flip(kernel_stack, ks, "caller[1], ", "caller[1]->", 11);
		CHECK_STR(problem(c, ks), "the print format has a damaged index");
		free(c);
		c = flip(sched_switch, sw, "REC->next_prio\n", "REC->next_prio$", 15);
		CHECK_STR(problem(c, sw), "the print format has a character no expression has");
		free(c);
		c = flip(sched_switch, sw, "0x00000001 | 0x00000002", "0xfffffffffffffffffffff",
			 23);
		CHECK_STR(problem(c, sw), "the print format has a constant above 2^63 - 1");
		free(c);
		/* From fuzz_remote_encode: libtraceevent folded "77H..." as a number (SIGFPE). */
		c = flip(sched_switch, sw, "0x00000001 | 0x00000002", "0x00000001 | 77H0000002",
			 23);
		CHECK_STR(problem(c, sw), "the print format has a malformed number");
		free(c);
		c = flip(kernel_stack, ks, "caller[1], ", "caller[1]=B,", 11);
		CHECK_STR(problem(c, ks), "the print format has a statement or an assignment");
		free(c);
		c = flip(sched_switch, sw, "0x00000001 | 0x00000002", "0x00000001 == 2 != 3>=4",
			 23);
		CHECK_STR(problem(c, sw), "ok");
		free(c);
		c = flip(sched_switch, sw, "0x00000001 | 0x00000002", "0x00000001UL | 2ull    ",
			 23);
		CHECK_STR(problem(c, sw), "ok");
		free(c);
		c = flip(sched_switch, sw, "0x00000040) + 1)", "0x00000040) / 08", 16);
		CHECK_STR(problem(c, sw), "the print format has a malformed number");
		free(c);
		c = flip(sched_switch, sw, "0x00000040) + 1)", "0x00000040)/ 0) ", 16);
		CHECK_STR(problem(c, sw), "the print format divides by something not a constant");
		free(c);
		/* What the kernel prints for arrays and __data_loc/__rel_loc stays accepted. */
		CHECK_STR(problem(locs, sizeof(locs) - 1), "ok");
	}
	/*
	 * The grammar: what kernels print is accepted, anything else is refused whole, however
	 * libtraceevent would have taken it ("7?7777 x:y" made it dereference NULL).
	 */
	for (i = 0; i < (int)ARRAY_SIZE(args); i++) {
		char *t = xasprintf("%s%s\n", locs_head, args[i].text);

		CHECK_STR(problem(t, strlen(t)), args[i].why);
		if (strcmp(problem(t, strlen(t)), args[i].why))
			fprintf(stderr, "  %s: %s\n", args[i].text, problem(t, strlen(t)));
		free(t);
	}
	/*
	 * Debian 12's 6.1 kernel prints this for devfreq_frequency; libtraceevent 1.7.1 raises
	 * SIGFPE printing it when total_time is 0, the ternary notwithstanding. Its fields print.
	 */
	{
		static const char devfreq[] =
			"name: devfreq_frequency\nID: 7\nformat:\n"
			"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
			"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
			"\tfield:unsigned long busy_time;\toffset:8;\tsize:8;\tsigned:0;\n"
			"\tfield:unsigned long total_time;\toffset:16;\tsize:8;\tsigned:0;\n\n"
			"print fmt: \"load=%-2lu\", REC->total_time == 0 ? 0 : "
			"(100 * REC->busy_time) / REC->total_time\n";
		struct tdr_cpu cpu = { 0, 0, 1 };
		struct tdr_buffer buf = { "", "local", 4096, 1, &cpu };
		struct tdr_format fm = { "devfreq", (char *)devfreq, sizeof(devfreq) - 1 };
		uint8_t rec[24] = { 7, 0, 0, 0, 42, 0, 0, 0, 5 };
		struct text_dat_event ev = { 1000000000ull, 0, 0, rec, sizeof(rec) };
		struct tdr_info di;
		struct trace_seq seq;
		struct text_dat_fmt *df;

		memset(&di, 0, sizeof(di));
		di.long_size = 8;
		di.page_size = 4096;
		di.buffers = &buf;
		di.nr_buffers = 1;
		di.formats = &fm;
		di.nr_formats = 1;
		df = text_dat_fmt_new(&di, NULL, NULL);
		CHECK(df != NULL);
		trace_seq_init(&seq);
		text_dat_fmt_event(df, &seq, &ev);
		trace_seq_terminate(&seq);
		CHECK_STR(seq.buffer,
			  "           <...>-42    [000]     1.000000: devfreq_frequency:    "
				      "[FAILED TO PARSE] busy_time=0x5 total_time=0x0\n");
		trace_seq_destroy(&seq);
		text_dat_fmt_free(df);
	}
	/* A print format alone at fault leaves the fields to libtraceevent. */
	{
		char *t = xasprintf("%s\"%%d\", ({ 1; })\n", locs_head);
		size_t fields = 1;

		CHECK(td_format_problem(t, strlen(t), 4096, &fields, NULL) != NULL);
		CHECK(fields == strlen(locs_head) - strlen("print fmt: "));
		free(t);
		t = flip(sched_switch, sw, "offset:8;", "offset:x;", 9);
		CHECK(td_format_problem(t, sw, 4096, &fields, NULL) != NULL);
		CHECK(fields == 0);
		free(t);
	}
	/* The line at fault, which the warning quotes: the field's; the print format's; none. */
	{
		char *t = flip(sched_switch, sw, "pid_t prev_pid;", "pid_t prev\"p\\d;", 15);
		const char *line = strstr(sched_switch, "\tfield:pid_t prev_pid;");
		struct tdr_format fm = { "sched", t, sw };
		char msg[1024] = "";
		size_t at = 0;

		CHECK_STR(td_format_problem(t, sw, 4096, NULL, &at),
			  "a field declaration has odd characters");
		CHECK(at == (size_t)(line - sched_switch));
		memset(&in, 0, sizeof(in));
		in.long_size = 8;
		in.page_size = 4096;
		in.formats = &fm;
		in.nr_formats = 1;
		f = text_dat_fmt_new(&in, keep_warning, msg);
		CHECK(f != NULL);
		text_dat_fmt_free(f);
		CHECK_STR(msg, "skipping event format 0 of system sched: a field declaration has "
			  "odd characters (\"\\x09field:pid_t prev\\x22p\\x5cd;\\x09offset:24;\\x09size:4;"
			  "\\x09signed:1;\"); its events print as unknown");
		free(t);
		t = flip(kernel_stack, ks, "caller[0],", "caller[0];", 10);
		CHECK(td_format_problem(t, ks, 4096, NULL, &at) != NULL);
		CHECK(at == (size_t)(strstr(kernel_stack, "print fmt:") - kernel_stack));
		free(t);
		CHECK(td_format_problem(sched_switch, 0, 4096, NULL, &at) != NULL);
		CHECK(at == 0);
		CHECK(td_format_problem(sched_switch, sw, 4096, NULL, &at) == NULL);
		CHECK(at == sw);
	}

	/* text_dat_fmt_new() skips the damaged ones and parses the rest, without crashing. */
	memset(&in, 0, sizeof(in));
	in.long_size = 8;
	in.page_size = 4096;
	formats[0] = (struct tdr_format){ "sched", bad[0], sw };
	formats[1] = (struct tdr_format){ "ftrace", bad[1], ks };
	formats[2] = (struct tdr_format){ "sched", bad[2], sw };
	formats[3] = (struct tdr_format){ "sched", good_sw, sw };
	formats[4] = (struct tdr_format){ "ftrace", good_ks, ks };
	in.formats = formats;
	in.nr_formats = 5;
	/*
	 * printk lines libtraceevent 1.7.1 would read outside of (no ':', a format of fewer than
	 * two characters) are dropped; ASan (make unit-asan) sees any read outside.
	 */
	in.printk.data = strdup("0xffffffff81000000 : \"ok\"\n0x1\n0x2 : \"\"\n0x3 : \"a\"\n"
				":\n0x4 : \"\\n\"\n");
	in.printk.len = strlen(in.printk.data);
	f = text_dat_fmt_new(&in, count_warning, &warnings);
	CHECK(f != NULL);
	/*
	 * One warning for each format left out (bad[1], not text), for the caller to say;
	 * bad[0] and bad[2] lose only their print formats and keep their fields, quietly.
	 */
	CHECK(warnings == 1);
	text_dat_fmt_free(f);
	free(in.printk.data);
	for (i = 0; i < 3; i++)
		free(bad[i]);
	free(good_sw);
	free(good_ks);
	CHECK_DONE();
}
