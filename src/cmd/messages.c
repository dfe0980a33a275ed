// SPDX-License-Identifier: GPL-2.0
/*
 * The commands' messages, the handler that says the library's (note.h) the same way, and the
 * exit codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "messages.h"
#include "note.h"

int verbosity;

int rc_from_errno(int err)
{
	switch (err) {
	case 0:
		return RC_OK;
	case ENOENT:
	case ENODEV:
	case ENOTDIR:
		return RC_MISSING;
	case EACCES:
	case EPERM:
	case EROFS:
		return RC_PERM;
	case EBUSY:
		return RC_BUSY;
	case EINVAL:
	case ERANGE:
		return RC_USAGE;
	default:
		return RC_FAIL;
	}
}

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	/* Reader threads say things too: one whole line at a time, never mixed with another. */
	flockfile(stderr);
	fprintf(stderr, "remotectl: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

static void say(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(prefix, fmt, ap);
	va_end(ap);
}

static void say_note(enum note_level level, const char *msg)
{
	say(level == NOTE_WARN ? "warning: " : "", "%s", msg);
}

void messages_set_verbosity(int v)
{
	verbosity = v;
	note_set_handler(say_note, v < 0 ? NOTE_ERROR : v == 0 ? NOTE_INFO : NOTE_DEBUG);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void info_msg(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void debug_msg(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}
