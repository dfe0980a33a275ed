/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the program speaks: every message, the commands' and the library's, goes through
 * note.h to the handler installed here ("remotectl: " and one whole line, whichever thread
 * speaks), as -q and -v allow; and the exit code a command ends with.
 */
#ifndef REMOTECTL_MESSAGES_H
#define REMOTECTL_MESSAGES_H

/* Exit codes; documented in man/remotectl.1. */
enum rc {
	RC_OK = 0,
	RC_FAIL = 1,	/* failure at run time */
	RC_USAGE = 2,	/* bad command line or value */
	RC_MISSING = 3,	/* target, file or kernel feature missing */
	RC_PERM = 4,	/* permission denied or read-only target */
	RC_BUSY = 5,	/* target busy (e.g. a loaded remote buffer) */
	RC_LOST = 6,	/* record --fail-on-loss: the capture lost events */
};

/*
 * The exit code for a library error, err an errno value (the library returns -err): 0 is
 * RC_OK.
 */
int rc_from_errno(int err);

/* -1 with -q, 0 by default, 1 or more with -v. */
extern int verbosity;

/* Set verbosity and install the handler with the levels it lets through. */
void messages_set_verbosity(int v);

#endif
