/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What unit tests' event formats share with the kernel's: the "format:" line and the common
 * fields every event starts with, as a 64-bit kernel writes them.
 */
#ifndef REMOTECTL_TEST_KERNEL_FORMATS_H
#define REMOTECTL_TEST_KERNEL_FORMATS_H

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

#endif
