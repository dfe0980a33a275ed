// SPDX-License-Identifier: GPL-2.0
/*
 * Reader scheduling (reader_priority.h). glibc 2.36 has no sched_setattr() wrapper, hence the
 * syscalls, and <linux/sched/types.h> clashes with <sched.h>, hence the uapi struct sched_attr
 * (SCHED_ATTR_SIZE_VER1) spelled out here.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reader_priority.h"
#include "util.h"

#define READER_SLICE_NS	100000	/* the kernel's shortest custom slice (0.1 ms) */

struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static bool told;	/* atomic: the outcome of --rt-priority was said */

/* Ask for a slice of ns (0: the default one), keeping the policy and nice value the thread has. */
static void set_slice(uint64_t ns)
{
	struct sched_attr a;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0))
		return;
	if (a.sched_policy != SCHED_OTHER && a.sched_policy != SCHED_BATCH)
		return;
	a.size = sizeof(a);
	a.sched_flags = 0;
	a.sched_runtime = ns;
	/* Best effort: an older kernel ignores the slice, a refusal changes nothing. */
	syscall(SYS_sched_setattr, 0, &a, 0);
}

void reader_priority_apply(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	int err;

	if (prio <= 0) {
		set_slice(READER_SLICE_NS);
		return;
	}
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		return;
	if (err)
		warn_msg("cannot run the readers at SCHED_FIFO %d (%s): they run at normal "
			 "priority", prio, strerror(err));
	else
		debug_msg("readers at SCHED_FIFO %d", prio);
}

void reader_priority_reset(int prio)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (prio > 0)
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	else
		set_slice(0);
}
