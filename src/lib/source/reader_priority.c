// SPDX-License-Identifier: GPL-2.0
/*
 * Reader scheduling (reader_priority.h, which also says why readers keep the default time
 * slice).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "note.h"
#include "source_internal.h"
#include "util.h"

static bool told;	/* atomic: the outcome of --rt-priority or the nice value was said */

/* A thread the user put under SCHED_IDLE or a real-time policy is left alone. */
static bool fair_policy(void)
{
	int policy = sched_getscheduler(0);

	return policy == SCHED_OTHER || policy == SCHED_BATCH;
}

int source_priority_nice(const struct source_sched *rs, int now)
{
	int want = rs->nice_given ? rs->nice : now - READER_NICE_BOOST;

	return want < -20 ? -20 : want;
}

/* Nice values are per thread on Linux: PRIO_PROCESS with a thread id sets only that one. */
static void set_nice(const struct source_sched *rs)
{
	pid_t tid = syscall(SYS_gettid);
	int now, want, err = 0;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (errno)
		return;
	want = source_priority_nice(rs, now);
	if (want != now && setpriority(PRIO_PROCESS, tid, want))
		err = errno;
	if (__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		return;
	if (!err)
		note_debug("readers at nice %d", want);
	else if (rs->nice_given)
		note_warn("cannot run the readers at nice %d (%s): they run at nice %d", want,
			  strerror(err), now);
	else
		note_debug("readers at nice %d: nice %d refused (%s)", now, want, strerror(err));
}

void source_priority_apply(const struct source_sched *rs)
{
	struct sched_param sp = { .sched_priority = rs->rt_priority };
	int err;

	if (rs->rt_priority <= 0) {
		if (fair_policy())
			set_nice(rs);
		return;
	}
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		return;
	if (err)
		note_warn("cannot run the readers at SCHED_FIFO %d (%s): they run at normal "
			  "priority", rs->rt_priority, strerror(err));
	else
		note_debug("readers at SCHED_FIFO %d", rs->rt_priority);
}
