// SPDX-License-Identifier: GPL-2.0
/*
 * Reader scheduling (reader_priority.h). glibc 2.36 has no sched_setattr() wrapper, hence the
 * syscalls, and <linux/sched/types.h> clashes with <sched.h>, hence the uapi struct sched_attr
 * (SCHED_ATTR_SIZE_VER1) spelled out here.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
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

static bool told;	/* atomic: the outcome of --rt-priority or the nice value was said */
static __thread int nice_before;	/* the thread's nice value before reader_priority_apply() */
static __thread bool nice_changed;

/* Ask for a slice of ns (0: the default one), keeping the policy and nice value the thread has. */
static bool set_slice(uint64_t ns)
{
	struct sched_attr a;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0))
		return false;
	if (a.sched_policy != SCHED_OTHER && a.sched_policy != SCHED_BATCH)
		return false;
	a.size = sizeof(a);
	a.sched_flags = 0;
	a.sched_runtime = ns;
	/* Best effort: an older kernel ignores the slice, a refusal changes nothing. */
	syscall(SYS_sched_setattr, 0, &a, 0);
	return true;
}

/* Nice values are per thread on Linux: PRIO_PROCESS with a thread id sets only that one. */
static void set_nice(const struct reader_sched *rs)
{
	pid_t tid = syscall(SYS_gettid);
	int now, want, err = 0;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (errno)
		return;
	want = rs->nice_given ? rs->nice : now - READER_NICE_BOOST;
	if (want < -20)
		want = -20;
	if (want != now) {
		if (setpriority(PRIO_PROCESS, tid, want)) {
			err = errno;
		} else {
			nice_before = now;
			nice_changed = true;
		}
	}
	if (__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		return;
	if (!err)
		debug_msg("readers at nice %d", want);
	else if (rs->nice_given)
		warn_msg("cannot run the readers at nice %d (%s): they run at nice %d", want,
			 strerror(err), now);
	else
		debug_msg("readers at nice %d: nice %d refused (%s)", now, want, strerror(err));
}

void reader_priority_apply(const struct reader_sched *rs)
{
	struct sched_param sp = { .sched_priority = rs->rt_priority };
	int err;

	if (rs->rt_priority <= 0) {
		if (set_slice(READER_SLICE_NS))
			set_nice(rs);
		return;
	}
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		return;
	if (err)
		warn_msg("cannot run the readers at SCHED_FIFO %d (%s): they run at normal "
			 "priority", rs->rt_priority, strerror(err));
	else
		debug_msg("readers at SCHED_FIFO %d", rs->rt_priority);
}

void reader_priority_reset(const struct reader_sched *rs)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (rs->rt_priority > 0) {
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
		return;
	}
	set_slice(0);
	/* Back to a higher nice value: always allowed. */
	if (nice_changed && !setpriority(PRIO_PROCESS, syscall(SYS_gettid), nice_before))
		nice_changed = false;
}
