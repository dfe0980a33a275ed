// SPDX-License-Identifier: GPL-2.0
/* remotectl events: list a target's events, enable or disable them by glob. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "json.h"
#include "messages.h"
#include "note.h"
#include "util.h"

struct change {
	const char *glob;
	bool enable;
};

struct events_args {
	const char *target;
	struct change *changes;
	int nr_changes;
	bool json;
};

enum { OPT_ENABLE = 0x400, OPT_DISABLE, OPT_JSON };

static error_t parse_events(int key, char *arg, struct argp_state *state)
{
	struct events_args *args = state->input;

	switch (key) {
	case OPT_ENABLE:
	case OPT_DISABLE:
		args->changes = xrealloc(args->changes,
					 (args->nr_changes + 1) * sizeof(*args->changes));
		args->changes[args->nr_changes].glob = arg;
		args->changes[args->nr_changes++].enable = key == OPT_ENABLE;
		return 0;
	case OPT_JSON:
		args->json = true;
		return 0;
	default:
		return cli_target_arg(key, arg, state, &args->target, true);
	}
}

static const char *state_text(int enabled)
{
	return enabled < 0 ? "-" : enabled ? "on" : "off";
}

static void print_events(const struct target_event_list *list, bool json)
{
	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_begin(&j, NULL, '[');
		for (int i = 0; i < list->nr; i++) {
			const struct target_event_info *ev = &list->ev[i];

			json_begin(&j, NULL, '{');
			json_str(&j, "system", ev->system);
			json_str(&j, "name", ev->name);
			json_int(&j, "id", ev->id);
			if (ev->enabled < 0)
				json_null(&j, "enabled");
			else
				json_bool(&j, "enabled", ev->enabled);
			json_end(&j, '{');
		}
		json_end(&j, '[');
		return;
	}
	if (verbosity >= 0)
		printf("%6s  %-5s  %s\n", "ID", "STATE", "EVENT");
	for (int i = 0; i < list->nr; i++)
		printf("%6d  %-5s  %s:%s\n", list->ev[i].id, state_text(list->ev[i].enabled),
		       list->ev[i].system, list->ev[i].name);
}

/* Apply one --enable/--disable to every matching event. */
static int apply_change(const struct target *t, const struct target_event_list *list,
			const struct change *c)
{
	int rc = RC_OK;

	for (int i = 0; i < list->nr && !rc; i++) {
		char *rel;

		if (!target_event_matches(&list->ev[i], c->glob))
			continue;
		rel = target_event_enable_rel(&list->ev[i]);
		rc = rc_from_errno(-target_write(t, rel, c->enable ? "1" : "0"));
		free(rel);
		if (!rc)
			note_debug("%s: %s %s:%s", t->label, c->enable ? "enabled" : "disabled",
				   list->ev[i].system, list->ev[i].name);
	}
	return rc;
}

int cmd_events(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CLI_TARGET_OPTION,
		{ "enable", OPT_ENABLE, "GLOB", 0,
		  "Enable matching events: SYSTEM:EVENT, or a name matching an event or a whole "
		  "system (repeatable)", 0 },
		{ "disable", OPT_DISABLE, "GLOB", 0, "Disable matching events (repeatable)", 0 },
		{ "json", OPT_JSON, NULL, 0, "Print JSON", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_events, NULL,
					  "List a target's events with id and state, or enable and "
					  "disable them by glob, in the order given.",
					  cli_children, NULL, NULL };
	struct events_args args = { 0 };
	struct target_event_list list;
	struct target *t;
	int rc, err;

	rc = cli_parse(&argp, argc, argv, &args);
	if (rc)
		return rc;
	rc = cli_resolve_target(args.target, &t);
	if (rc)
		goto out;
	err = t->has_events ? target_events_load(t, &list) : -ENOENT;
	if (err) {
		note_error("%s has no events/ directory", t->label);
		rc = RC_MISSING;
		goto out_target;
	}
	if (!args.nr_changes)
		print_events(&list, args.json);
	/* Check every glob before changing anything, so a typo changes nothing. */
	for (int i = 0; i < args.nr_changes && !rc; i++) {
		int matched = 0;

		for (int e = 0; e < list.nr; e++)
			matched += target_event_matches(&list.ev[e], args.changes[i].glob);
		if (!matched) {
			note_error("no event of %s matches '%s' (see 'remotectl events -r %s')",
				   t->label, args.changes[i].glob, t->label);
			rc = RC_USAGE;
		}
	}
	for (int i = 0; i < args.nr_changes && !rc; i++)
		rc = apply_change(t, &list, &args.changes[i]);
	target_events_free(&list);
out_target:
	target_free(t);
out:
	free(args.changes);
	return rc;
}
