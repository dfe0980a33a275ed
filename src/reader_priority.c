// SPDX-License-Identifier: GPL-2.0
/* Real-time priority for reader threads (reader_priority.h). */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "reader_priority.h"
#include "util.h"

static bool told;	/* atomic: the outcome was said */

void reader_priority_apply(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	int err;

	if (prio <= 0)
		return;
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
}
