/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --rt-priority: the threads that read ring buffers run at SCHED_FIFO, as trace-cmd record -r
 * runs its recorders, so that tasks keeping every CPU busy cannot hold a reader off its
 * buffer for the milliseconds a burst needs to fill it. Opt-in: the readers then preempt the
 * workload being traced whenever they wake.
 */
#ifndef REMOTECTL_READER_PRIORITY_H
#define REMOTECTL_READER_PRIORITY_H

/*
 * The calling thread at SCHED_FIFO prio (1-99); 0 leaves it alone. A refusal (no
 * CAP_SYS_NICE, no real-time runtime in the cgroup) is a warning, said once per process: the
 * capture goes on at normal priority.
 */
void reader_priority_apply(int prio);

/* The calling thread back to SCHED_OTHER, after reader_priority_apply(prio) with prio > 0. */
void reader_priority_reset(int prio);

#endif
