// SPDX-License-Identifier: GPL-2.0
/*
 * The clock of a capture of several targets: time stamps of different targets are comparable
 * only on one clock (capture_internal.h, clock_agree_check()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capture_internal.h"
#include "note.h"
#include "target_probe.h"
#include "undo.h"

/*
 * The clock a target stamps with (into clock), and whether it can be set. A remote without
 * trace_clock stamps with what its kernel documents: the hypervisor the boot clock,
 * remote_test trace_clock_global(). Remotes and backups keep theirs.
 */
static bool clock_of(const struct part *p, char *clock, size_t size)
{
	const struct target *t = p->t;

	clock[0] = 0;
	if (t->has_trace_clock && !target_clock(t, clock, size))
		return !p->remote && !t->read_only;
	if (p->remote)
		snprintf(clock, size, "%s", strcmp(t->name, "hypervisor") ? "global" : "boot");
	return false;
}

/* Whether the clock named is one of those the target's trace_clock offers. */
static bool offers_clock(const struct target *t, const char *clock)
{
	char line[1024], *tok, *save = NULL;

	if (target_read(t, "trace_clock", line, sizeof(line)) <= 0)
		return false;
	for (tok = strtok_r(line, " []\n", &save); tok; tok = strtok_r(NULL, " []\n", &save))
		if (!strcmp(tok, clock))
			return true;
	return false;
}

/*
 * Events of several targets merge by time stamp, which means something only on one clock:
 * the clock of a target that cannot change it (a remote, a backup), else the first target's.
 * Refused before anything changes: two fixed clocks that differ, a clock not known, or one a
 * target does not offer.
 */
int clock_agree_check(struct part *parts, int nr, char *agreed, size_t size)
{
	char clock[32];
	int i, chosen = -1;

	for (i = 0; i < nr && chosen < 0; i++)
		if (!clock_of(&parts[i], clock, sizeof(clock)) && nr > 1)
			chosen = i;
	if (chosen < 0)
		chosen = 0;
	clock_of(&parts[chosen], agreed, size);
	if (nr < 2)
		return 0;
	for (i = 0; i < nr; i++) {
		const struct part *p = &parts[i];
		bool settable = clock_of(p, clock, sizeof(clock));

		if (!clock[0] || !agreed[0]) {
			note_error("%s: cannot tell which clock it stamps with: its events cannot "
				   "be merged with %s's", p->t->label,
				   parts[i == chosen ? (i + 1) % nr : chosen].t->label);
			return -EINVAL;
		}
		if (!strcmp(clock, agreed))
			continue;
		if (!settable) {
			note_error("%s stamps with the %s clock and %s with %s: their events cannot "
				   "be merged", parts[chosen].t->label, agreed, p->t->label,
				   clock);
			return -EINVAL;
		}
		if (!offers_clock(p->t, agreed)) {
			note_error("%s has no %s clock (trace_clock) to stamp as %s does",
				   p->t->label, agreed, parts[chosen].t->label);
			return -EINVAL;
		}
	}
	note_debug("clock: %s for every target", agreed);
	return 0;
}

/*
 * Set the agreed clock where it differs, for the capture (the undo log puts it back). The
 * kernel empties a buffer whose clock changes: events older than the capture are gone.
 */
int clock_agree(struct part *parts, int nr, const char *agreed)
{
	char clock[32];
	int rc;

	for (int i = 0; i < nr && nr > 1; i++) {
		struct part *p = &parts[i];

		if (!clock_of(p, clock, sizeof(clock)) || !strcmp(clock, agreed))
			continue;
		rc = target_undo_write(p->undo, "trace_clock", agreed);
		if (rc)
			return rc;
		note_debug("%s: trace_clock %s for the capture (was %s; its buffer was emptied)",
			   p->t->label, agreed, clock);
	}
	return 0;
}
