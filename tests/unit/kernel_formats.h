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

#endif
