/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the library tells its caller what happened. The library never prints: it hands each
 * message to the handler the program installed (as libbpf_set_print() does), and returns
 * errors as negative errno values. Without a handler it says nothing.
 */
#ifndef REMOTECTL_NOTE_H
#define REMOTECTL_NOTE_H

#include <stdbool.h>

enum note_level {
	NOTE_ERROR,	/* why the call that returns next failed */
	NOTE_WARN,	/* the call goes on, the result may not be what was asked */
	NOTE_INFO,	/* worth knowing by default */
	NOTE_DEBUG,	/* what was decided and why (-v) */
};

/* One whole message, without a trailing newline; called from any thread. */
typedef void (*note_fn)(enum note_level level, const char *msg);

/* Messages above most (less important) are not even formatted. */
void note_set_handler(note_fn fn, enum note_level most);
/* Would a message of this level reach the handler? */
bool note_wanted(enum note_level level);

void note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* note_error(), then -err for the caller to return. */
int note_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
