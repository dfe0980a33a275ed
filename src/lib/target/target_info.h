/* SPDX-License-Identifier: GPL-2.0 */
/* A target's current state, gathered once for list and status. */
#ifndef REMOTECTL_TARGET_INFO_H
#define REMOTECTL_TARGET_INFO_H

#include <stdint.h>

#include "json.h"
#include "target.h"

struct target_info {
	int tracing;		/* 1, 0, or -1 without tracing_on */
	struct buffer_size size;
	int size_err;		/* -errno reading buffer_size_kb, else 0 */
	uint64_t expanded_kib;	/* top level before first use: size it grows to */
	int events_enabled;	/* -1 when unknown (no enable files) */
	int events_available;
	char clock[64];		/* empty without trace_clock */
};

void target_info_get(const struct target *t, struct target_info *info);

/* The fields list and status share, as JSON members of the current object. */
void target_info_json(struct json *j, const struct target *t, const struct target_info *info);

#endif
