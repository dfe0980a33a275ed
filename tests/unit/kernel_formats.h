/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What unit tests' event formats share with the kernel's: the "format:" line and the common
 * fields every event starts with, as a 64-bit kernel writes them.
 */
#ifndef REMOTECTL_TEST_KERNEL_FORMATS_H
#define REMOTECTL_TEST_KERNEL_FORMATS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KERNEL_FORMAT_HEAD						\
	"format:\n"							\
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"	\
	"\n"

/* The kernel's sched_switch (6.x) after the common fields, to the line before its print fmt. */
#define SCHED_SWITCH_FIELDS						\
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"	\
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"		\
	"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"		\
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"		\
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"	\
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"		\
	"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n"		\
	"\n"

/*
 * Whole formats of events whose lines register comms or keep state (tests of lines made on
 * several threads): sched_switch (id 300), sched_wakeup (301), function (1).
 */
#define SCHED_SWITCH_FORMAT_300						\
	"name: sched_switch\nID: 300\n" KERNEL_FORMAT_HEAD SCHED_SWITCH_FIELDS \
	"print fmt: \"prev_comm=%s prev_pid=%d\", REC->prev_comm, REC->prev_pid\n"
#define SCHED_WAKEUP_FORMAT_301						\
	"name: sched_wakeup\nID: 301\n" KERNEL_FORMAT_HEAD			\
	"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"		\
	"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"		\
	"\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"		\
	"\tfield:int target_cpu;\toffset:32;\tsize:4;\tsigned:1;\n\n"	\
	"print fmt: \"comm=%s pid=%d\", REC->comm, REC->pid\n"
#define FUNCTION_FORMAT_1						\
	"name: function\nID: 1\n" KERNEL_FORMAT_HEAD				\
	"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"		\
	"\tfield:unsigned long parent_ip;\toffset:16;\tsize:8;\tsigned:0;\n\n" \
	"print fmt: \" %ps <-- %ps\", (void *)REC->ip, (void *)REC->parent_ip\n"

/* Kinds of those events' records (test_event_record()); print is ftrace's print, id 5. */
enum test_event_kind { TEST_PRINT, TEST_SWITCH, TEST_WAKEUP, TEST_FUNC };

static inline void test_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A little-endian record of kind into p (64 bytes) by pid: print: "text\n"; switch: prev
 * text/pid, next comm2/pid2; wakeup: comm text, pid pid2; function: ip. Returns its length.
 */
static inline uint32_t test_event_record(uint8_t *p, enum test_event_kind kind, int pid,
					 const char *text, int pid2, const char *comm2,
					 uint64_t ip)
{
	static const uint16_t ids[] = { 5, 300, 301, 1 };

	memset(p, 0, 64);
	test_le(p, ids[kind], 2);
	test_le(p + 4, (uint32_t)pid, 4);
	switch (kind) {
	case TEST_PRINT:
		snprintf((char *)p + 16, 48, "%s\n", text);
		return 64;
	case TEST_SWITCH:
		snprintf((char *)p + 8, 16, "%s", text);
		test_le(p + 24, (uint32_t)pid, 4);
		test_le(p + 28, 120, 4);
		test_le(p + 32, 1, 8);
		snprintf((char *)p + 40, 16, "%s", comm2);
		test_le(p + 56, (uint32_t)pid2, 4);
		test_le(p + 60, 120, 4);
		return 64;
	case TEST_WAKEUP:
		snprintf((char *)p + 8, 16, "%s", text);
		test_le(p + 24, (uint32_t)pid2, 4);
		test_le(p + 28, 120, 4);
		test_le(p + 32, 1, 4);
		return 36;
	case TEST_FUNC:
		test_le(p + 8, ip, 8);
		test_le(p + 16, 0xffffffff81100000ull, 8);
		return 24;
	}
	return 0;
}

#endif
