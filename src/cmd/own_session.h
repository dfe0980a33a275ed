/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A capture in a session of its own. With autogroup scheduling (CONFIG_SCHED_AUTOGROUP,
 * kernel.sched_autogroup_enabled = 1, tasks in the root cpu cgroup) the fair scheduler shares
 * each CPU between sessions first, and a thread's nice value ranks it only within its session:
 * the readers' nice (reader_priority.h) does nothing against traced tasks started from another
 * session, the usual case. Those writers then kept a woken reader waiting for milliseconds,
 * long enough to lose events where trace-cmd lost none (bench/RESULTS.md, "Session of its
 * own").
 *
 * So when the readers are to run below the session's autogroup nice value, the capture runs in
 * a child process that calls setsid() and gives its new autogroup the readers' nice value
 * (/proc/self/autogroup; CAP_SYS_NICE or RLIMIT_NICE). Only remotectl is in that session, and
 * it ends with the capture: nothing outlives us.
 *
 * Not needed in the root autogroup (init's session, kept by commands nobody started with
 * setsid(), e.g. a CI runner's): its threads weigh against other sessions' whole groups, so the
 * readers' nice counts there as it is.
 *
 * The parent stays where the user started it, in the terminal's foreground: it passes SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT on, stops and continues the child with itself (SIGTSTP, SIGCONT),
 * and exits as the child did. Killed, it takes the child along, stopped or not: the child's
 * parent-death signal is SIGCONT, on which it stops as on SIGTERM, restoring the target.
 */
#ifndef REMOTECTL_OWN_SESSION_H
#define REMOTECTL_OWN_SESSION_H

#include "reader_priority.h"

enum own_session_role {
	OWN_SESSION_NONE,	/* capture here, in the caller's session */
	OWN_SESSION_CHILD,	/* capture here, in the child's session */
	OWN_SESSION_PARENT,	/* the child captured and ended: end as it did */
	OWN_SESSION_ORPHAN,	/* the child, its parent gone already: end, change nothing */
};

struct own_session {
	char why[200];	/* the decision, for -v; may be empty */
	int status;	/* OWN_SESSION_PARENT: the child's wait status, or -errno of waitpid() */
};

/*
 * Go over to a child when that helps and is allowed; call before the target is changed.
 * Returns the caller's role; os->why says what was decided and why.
 */
int own_session_enter(const struct source_sched *rs, struct own_session *os);
/* The parent's end, as the child's wait status says: its exit status, or its signal. */
void own_session_end_as(int status) __attribute__((noreturn));

#endif
