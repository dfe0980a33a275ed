// SPDX-License-Identifier: GPL-2.0
/* The library's messages, handed to the program's handler (note.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "note.h"

static note_fn handler;
static enum note_level most_wanted;

void note_set_handler(note_fn fn, enum note_level most)
{
	handler = fn;
	most_wanted = most;
}

bool note_wanted(enum note_level level)
{
	return handler && level <= most_wanted;
}

static void vnote(enum note_level level, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list again;
	int n;

	if (!note_wanted(level))
		return;
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	/* A message longer than small (a path, a list of CPUs) is formatted again, whole. */
	if (n >= (int)sizeof(small) && vasprintf(&msg, fmt, again) < 0)
		msg = small;
	va_end(again);
	handler(level, msg);
	if (msg != small)
		free(msg);
}

#define NOTE_AT(name, level)					\
	void name(const char *fmt, ...)				\
	{							\
		va_list ap;					\
								\
		va_start(ap, fmt);				\
		vnote(level, fmt, ap);				\
		va_end(ap);					\
	}

NOTE_AT(note_error, NOTE_ERROR)
NOTE_AT(note_warn, NOTE_WARN)
NOTE_AT(note_info, NOTE_INFO)
NOTE_AT(note_debug, NOTE_DEBUG)

int note_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(NOTE_ERROR, fmt, ap);
	va_end(ap);
	return -err;
}
