/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the threads that read ring buffers are scheduled. A burst can fill a small buffer in a
 * few milliseconds, and when the tasks being traced keep every CPU busy, a woken reader may
 * wait about that long for a CPU.
 *
 * By default a reader runs 10 nice levels below the process (about ten times the weight;
 * -10 for a process at 0), where the kernel allows it (CAP_SYS_NICE or RLIMIT_NICE): a
 * reader that used its share in a burst is otherwise kept waiting for the next tick (4 ms at
 * HZ=250) while the traced tasks run, and a fast writer fills a buffer in that time (losses
 * and wake-up delays: bench/RESULTS.md, "Readers' nice value"). A reader busy for long takes
 * at most its weight's share, unlike SCHED_FIFO. --reader-nice N sets the value. With
 * autogroup scheduling nice ranks threads within a session only: own_session.h takes the
 * capture into a session of its own whose autogroup gets the same value.
 *
 * Readers keep the default time slice. The fair scheduler's shortest custom slice (0.1 ms,
 * sched_setattr() sched_runtime, Linux 6.12+) lost more against writers of another session
 * (bench/RESULTS.md, "No custom slice"), probably because a group entity takes the smallest
 * slice of its tasks, so the reader's short slice shortens the whole group's turns.
 *
 * --rt-priority N runs readers at SCHED_FIFO N instead, as trace-cmd record -r runs its
 * recorders: the readers then preempt the traced tasks whenever they wake. Opt-in.
 */
#ifndef REMOTECTL_READER_PRIORITY_H
#define REMOTECTL_READER_PRIORITY_H

#include <stdbool.h>

struct source_sched {
	int rt_priority;	/* --rt-priority: SCHED_FIFO 1-99; 0: the fair scheduler */
	int nice;		/* --reader-nice N (-20..19) when nice_given */
	bool nice_given;	/* else 10 below the process's nice (READER_NICE_BOOST) */
};

/* The readers' nice value for a thread now at nice now (--reader-nice, else 10 below). */
int source_priority_nice(const struct source_sched *rs, int now);

/*
 * Schedule the calling thread as a reader: SCHED_FIFO (a refusal, no CAP_SYS_NICE or no
 * real-time runtime in the cgroup, is a warning) or the readers' nice value (a thread the
 * user put under another policy is left alone; a refused nice value is a warning when
 * --reader-nice asked for it, a -v message otherwise). Said once per process:
 * the capture goes on either way.
 */
void source_priority_apply(const struct source_sched *rs);

#endif
