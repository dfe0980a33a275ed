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

/*
 * Go over to the child when that helps and is allowed (-v says so); returns in the child, or
 * in the only process when not. Call before the target is changed: the parent never returns.
 */
void own_session_enter(const struct reader_sched *rs);

#endif
