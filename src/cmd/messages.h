/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands say on stderr, and the library's messages (note.h) said the same way:
 * "remotectl: " and one whole line, whichever thread speaks.
 */
#ifndef REMOTECTL_MESSAGES_H
#define REMOTECTL_MESSAGES_H

/* -1 with -q, 0 by default, 1 or more with -v. */
extern int verbosity;

/* Set verbosity and let through the library's messages it asks for. */
void messages_set_verbosity(int v);

void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
