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

/* The least important level said at this verbosity: -q errors only, -v everything. */
static enum note_level most_said(void)
{
	return verbosity < 0 ? NOTE_ERROR : verbosity == 0 ? NOTE_INFO : NOTE_DEBUG;
}

static void vsay(enum note_level level, const char *fmt, va_list ap)
{
	if (level > most_said())
		return;
	fflush(stdout);
	/* Reader threads say things too: one whole line at a time, never mixed with another. */
	flockfile(stderr);
	fprintf(stderr, "remotectl: %s", level == NOTE_WARN ? "warning: " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

#define SAY_AT(name, level)					\
	void name(const char *fmt, ...)				\
	{							\
		va_list ap;					\
								\
		va_start(ap, fmt);				\
		vsay(level, fmt, ap);				\
		va_end(ap);					\
	}

SAY_AT(err_msg, NOTE_ERROR)
SAY_AT(warn_msg, NOTE_WARN)
SAY_AT(info_msg, NOTE_INFO)
SAY_AT(debug_msg, NOTE_DEBUG)

/* The library's messages, said as the commands' own of the same level. */
static void say_note(enum note_level level, const char *msg)
{
	static void (*const say_at[])(const char *fmt, ...) = {
		[NOTE_ERROR] = err_msg,
		[NOTE_WARN] = warn_msg,
		[NOTE_INFO] = info_msg,
		[NOTE_DEBUG] = debug_msg,
	};

	say_at[level]("%s", msg);
}

void messages_set_verbosity(int v)
{
	verbosity = v;
	note_set_handler(say_note, most_said());
}
