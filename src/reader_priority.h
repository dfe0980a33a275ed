/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the threads that read ring buffers are scheduled. A burst can fill a small buffer in a
 * few milliseconds, and when the tasks being traced keep every CPU busy, a woken reader may
 * wait about that long for a CPU.
 *
 * By default a reader asks the fair scheduler for a short time slice (sched_setattr()
 * sched_runtime, Linux 6.12+: EEVDF gives it an earlier deadline, so it runs soon after it
 * wakes): same weight and share of the CPU, only less waiting; unprivileged, and ignored by
 * older kernels. bench raw2 (12 runs each): events lost in 3 runs against 9.
 *
 * --rt-priority N runs readers at SCHED_FIFO N instead, as trace-cmd record -r runs its
 * recorders: the readers then preempt the traced tasks whenever they wake. Opt-in.
 */
#ifndef REMOTECTL_READER_PRIORITY_H
#define REMOTECTL_READER_PRIORITY_H

/*
 * Schedule the calling thread as a reader: SCHED_FIFO prio (1-99), or with prio 0 the short
 * slice (a thread the user put under another policy is left alone). A refused SCHED_FIFO (no
 * CAP_SYS_NICE, no real-time runtime in the cgroup) is a warning, said once per process: the
 * capture goes on at normal priority.
 */
void reader_priority_apply(int prio);

/* Undo reader_priority_apply(prio) for the calling thread: SCHED_OTHER, the default slice. */
void reader_priority_reset(int prio);

#endif
