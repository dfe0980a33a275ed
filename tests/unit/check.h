/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal unit-test helpers: CHECK prints a failure with its line and counts it. */
#ifndef REMOTECTL_CHECK_H
#define REMOTECTL_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		check_count++;                                                      \
		if (!(cond)) {                                                      \
			check_failures++;                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                   \
		}                                                                   \
	} while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

/* End of main(): one summary line, exit status 1 on any failure. */
#define CHECK_DONE()                                                                \
	do {                                                                        \
		printf("%s: %d checks, %d failed\n", __FILE__, check_count,         \
		       check_failures);                                             \
		return check_failures ? 1 : 0;                                      \
	} while (0)

#endif
