// SPDX-License-Identifier: GPL-2.0
/* Gathering a target's state for list and status. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "target_info.h"
#include "target_probe.h"
#include "util.h"

void target_info_get(const struct target *t, struct target_info *info)
{
	struct target_event_list events;
	char buf[128], *p;

	memset(info, 0, sizeof(*info));
	info->tracing = t->has_tracing_on ? target_tracing_on(t) : -1;
	if (info->tracing < -1)
		info->tracing = -1;
	info->size_err = target_buffer_size(t, &info->size);
	/*
	 * Older kernels (6.1) print "(expanded: N)" on every instance while the top level is
	 * unexpanded, though only the top level grows: an instance, allocated in full, reads
	 * "1410 (expanded: 1408)".
	 */
	if (t->kind == TARGET_TOP && target_read(t, "buffer_size_kb", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "(expanded: ")))
		info->expanded_kib = strtoull(p + 11, NULL, 10);
	info->events_enabled = -1;
	if (t->has_events && !target_events_load(t, &events)) {
		info->events_available = events.nr;
		for (int i = 0; i < events.nr; i++) {
			if (events.ev[i].enabled < 0)
				continue;
			if (info->events_enabled < 0)
				info->events_enabled = 0;
			info->events_enabled += events.ev[i].enabled;
		}
		if (!events.nr)
			info->events_enabled = 0;
		target_events_free(&events);
	}
	if (t->has_trace_clock && target_clock(t, info->clock, sizeof(info->clock)))
		info->clock[0] = '\0';
}

void target_info_json(struct json *j, const struct target *t, const struct target_info *info)
{
	char reason[128];

	json_str(j, "kind", target_kind_name(t->kind));
	json_str(j, "name", t->name);
	json_str(j, "label", t->label);
	json_str(j, "dir", t->dir);
	if (info->tracing >= 0)
		json_bool(j, "tracing_on", info->tracing);
	else
		json_null(j, "tracing_on");
	if (info->size_err || info->size.per_cpu_differ)
		json_null(j, "buffer_size_kb");
	else
		json_uint(j, "buffer_size_kb", info->size.kib);
	if (info->expanded_kib)
		json_uint(j, "expanded_size_kb", info->expanded_kib);
	if (info->size.loaded >= 0)
		json_bool(j, "loaded", info->size.loaded);
	else
		json_null(j, "loaded");
	json_begin(j, "cpus", '[');
	for (int i = 0; i < t->nr_cpus; i++)
		json_int(j, NULL, t->cpus[i]);
	json_end(j, '[');
	if (info->events_enabled >= 0)
		json_int(j, "events_enabled", info->events_enabled);
	else
		json_null(j, "events_enabled");
	json_int(j, "events_available", info->events_available);
	json_str(j, "clock", info->clock[0] ? info->clock : NULL);
	json_bool(j, "read_only", t->read_only);
	json_begin(j, "transports", '[');
	if (t->mmap_ok)
		json_str(j, NULL, "mmap");
	if (t->has_raw)
		json_str(j, NULL, "read");
	/* Only where there is no trace_pipe_raw: record refuses --transport text there. */
	if (t->has_text && !t->has_raw)
		json_str(j, NULL, "text");
	json_end(j, '[');
	json_str(j, "transport", target_transport_name(t->best));
	json_str(j, "transport_reason", target_transport_reason(t, reason, sizeof(reason)));
}
