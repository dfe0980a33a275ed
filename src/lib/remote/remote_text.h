/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text lines of a trace remote's trace and trace_pipe (Linux 7.1+ trace_remote.c):
 *   "[CCC]\tSSSSS.UUUUUU: name args"   an event (CPU, µs timestamp, the event's own print)
 *   "[CCC]\tSSSSS.UUUUUU: UNKNOWN id=N" an event whose id the kernel does not know
 *   "CPU:N [LOST n EVENTS]"            events lost before the next event of CPU N
 *   "[EVENT id PRINT TOO BIG]"         an event too long to print (trace only)
 * Remote data is untrusted: anything else is reported as unparsed, never dropped.
 */
#ifndef REMOTECTL_REMOTE_TEXT_H
#define REMOTECTL_REMOTE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The longest line the kernel prints: its trace_seq is one page. */
#define REMOTE_LINE_MAX 4096

enum remote_line_kind {
	REMOTE_LINE_EVENT,
	REMOTE_LINE_UNKNOWN,
	REMOTE_LINE_LOST,
	REMOTE_LINE_TOO_BIG,
	REMOTE_LINE_UNPARSED,
};

struct remote_line {
	enum remote_line_kind kind;
	int cpu;		/* EVENT, UNKNOWN, LOST */
	uint64_t ts_ns;		/* EVENT, UNKNOWN: the printed µs, in ns */
	const char *name;	/* EVENT: the event name, not NUL-terminated */
	size_t name_len;
	const char *args;	/* EVENT: what follows the name and one space */
	size_t args_len;
	uint64_t lost;		/* LOST */
	uint32_t id;		/* UNKNOWN, TOO_BIG */
};

/*
 * A CPU's events come in the order they were written, so a stamp before the one before it is
 * a clock fault (arm64 nVHE's hypervisor while a KVM vCPU is loaded: ~2^59 ns and back).
 */
struct remote_clock {
	uint64_t last;		/* the last stamp seen */
	uint64_t events;
	uint64_t back_steps;	/* stamps before the one before them */
	uint64_t back_max;	/* the largest such step, ns */
};
void remote_clock_note(struct remote_clock *c, uint64_t ts_ns);

/*
 * Parse one line of len bytes (no newline). Never reads past len. Returns the kind, also
 * stored in out->kind; pointers in out point into line.
 */
enum remote_line_kind remote_line_parse(const char *line, size_t len, struct remote_line *out);

#endif
