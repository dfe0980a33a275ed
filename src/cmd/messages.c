// SPDX-License-Identifier: GPL-2.0
/* The handler every message goes through (note.h), and the exit codes. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

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

/*
 * Every message, the commands' and the library's: "remotectl: " and one whole line, after what
 * the main thread wrote to stdout. Only the main thread flushes stdout: a reader thread (-v
 * says when one goes over to read()) waited there for stdout's lock while the main thread sat
 * in write() to a stream nobody was reading yet, and its CPU's buffer overflowed meanwhile.
 */
static void say(enum note_level level, const char *msg)
{
	if (gettid() == getpid())
		fflush(stdout);
	/* Reader threads say things too: one whole line at a time, never mixed with another. */
	flockfile(stderr);
	fprintf(stderr, "remotectl: %s%s\n", level == NOTE_WARN ? "warning: " : "", msg);
	funlockfile(stderr);
}

void messages_set_verbosity(int v)
{
	verbosity = v;
	note_set_handler(say, most_said());
}
