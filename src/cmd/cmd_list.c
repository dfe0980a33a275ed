// SPDX-License-Identifier: GPL-2.0
/* remotectl list, remotectl status: what the targets are and what state they are in. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli.h"
#include "cpulist.h"
#include "target_info.h"
#include "target_probe.h"
#include "messages.h"
#include "note.h"
#include "util.h"

struct view_args {
	const char *target;
	bool json;
	bool needs_target;
};

enum { OPT_JSON = 0x200 };

static error_t parse_view(int key, char *arg, struct argp_state *state)
{
	struct view_args *args = state->input;

	switch (key) {
	case OPT_JSON:
		args->json = true;
		return 0;
	default:
		return cli_target_arg(key, arg, state, &args->target, args->needs_target);
	}
}

static const char *tracing_text(int tracing)
{
	return tracing < 0 ? "-" : tracing ? "on" : "off";
}

static const char *loaded_text(int loaded)
{
	return loaded < 0 ? "-" : loaded ? "loaded" : "unloaded";
}

static const char *size_text(const struct target_info *info, char *buf, size_t size)
{
	if (info->size_err)
		return "-";
	if (info->size.per_cpu_differ)
		return "per-CPU";
	return format_size_kib(info->size.kib, buf, size);
}

static const char *events_text(const struct target_info *info, char *buf, size_t size)
{
	if (info->events_enabled < 0)
		snprintf(buf, size, "-/%d", info->events_available);
	else
		snprintf(buf, size, "%d/%d", info->events_enabled, info->events_available);
	return buf;
}

/* Why there is no remote: remotes/ appears with the first registration, in Linux 7.1+. */
static const char *remotes_note(const char *root, int nr_remotes, char *buf, size_t size)
{
	char *dir = xasprintf("%s/remotes", root);
	bool present = is_dir(dir);
	struct utsname u;
	int major = 0, minor = 0;

	free(dir);
	if (nr_remotes)
		return NULL;
	if (present) {
		snprintf(buf, size, "remotes/ is empty: no trace remote is registered");
		return buf;
	}
	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	if (major < 7 || (major == 7 && minor < 1))
		snprintf(buf, size, "no remotes/ directory: kernel %s is older than 7.1, which "
			 "added trace remotes", u.release);
	else
		snprintf(buf, size, "no remotes/ directory: no trace remote is registered "
			 "(the kernel creates it with the first)");
	return buf;
}

static void list_text(struct target **targets, int nr, const char *note)
{
	char size[32], cpus[128], events[32];

	if (verbosity >= 0)
		printf("%-10s %-20s %-7s %-7s %-8s %-6s %-11s %s\n", "KIND", "NAME", "TRACING",
		       "SIZE", "LOADED", "CPUS", "EVENTS", "TRANSPORT");
	for (int i = 0; i < nr; i++) {
		struct target *t = targets[i];
		struct target_info info;

		target_info_get(t, &info);
		printf("%-10s %-20s %-7s %-7s %-8s %-6s %-11s %s%s\n", target_kind_name(t->kind),
		       t->name, tracing_text(info.tracing), size_text(&info, size, sizeof(size)),
		       loaded_text(info.size.loaded),
		       cpulist_format(t->cpus, t->nr_cpus, cpus, sizeof(cpus)),
		       events_text(&info, events, sizeof(events)), target_transport_name(t->best),
		       t->read_only ? " (read-only)" : "");
	}
	if (note)
		printf("remotes: none (%s)\n", note);
}

static void list_json(const char *root, struct target **targets, int nr, int nr_remotes,
		      const char *note)
{
	struct json j;

	json_init(&j, stdout);
	json_begin(&j, NULL, '{');
	json_str(&j, "tracefs", root);
	json_begin(&j, "targets", '[');
	for (int i = 0; i < nr; i++) {
		struct target_info info;

		target_info_get(targets[i], &info);
		json_begin(&j, NULL, '{');
		target_info_json(&j, targets[i], &info);
		json_end(&j, '{');
	}
	json_end(&j, '[');
	json_begin(&j, "remotes", '{');
	json_int(&j, "count", nr_remotes);
	json_str(&j, "note", note);
	json_end(&j, '{');
	json_end(&j, '{');
}

int cmd_list(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "json", OPT_JSON, NULL, 0, "Print JSON", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_view, NULL,
					  "List trace targets: the top level, Android's "
					  "hypervisor/ and hyp/, instances and remotes.",
					  cli_children, NULL, NULL };
	struct view_args args = { 0 };
	struct target **targets;
	int nr, nr_remotes = 0, rc;
	const char *root, *note;
	char buf[256], err[TARGET_ERR_SIZE];

	rc = cli_parse(&argp, argc, argv, &args);
	if (rc)
		return rc;
	rc = target_list_all(&targets, &nr, err, sizeof(err));
	if (rc) {
		note_error("%s", err);
		return rc_from_errno(-rc);
	}
	target_tracefs_root_find(&root, err, sizeof(err));
	for (int i = 0; i < nr; i++)
		nr_remotes += targets[i]->kind == TARGET_REMOTE;
	note = remotes_note(root, nr_remotes, buf, sizeof(buf));
	if (args.json)
		list_json(root, targets, nr, nr_remotes, note);
	else
		list_text(targets, nr, note);
	for (int i = 0; i < nr; i++)
		target_free(targets[i]);
	free(targets);
	return RC_OK;
}

/* per_cpu/cpuN/stats lines "key: value"; the value of key, or -1. */
static long long stat_value(const char *stats, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = stats; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ':')
			return strtoll(p + len + 1, NULL, 10);
	return -1;
}

static const char *const stat_keys[] = {
	"entries", "overrun", "commit overrun", "bytes", "dropped events", "read events",
};
static const char *const stat_json[] = {
	"entries", "overrun", "commit_overrun", "bytes", "dropped", "read",
};
#define NR_STATS (sizeof(stat_keys) / sizeof(stat_keys[0]))

static bool cpu_stats(const struct target *t, int cpu, long long *val)
{
	char *path = target_cpu_path(t, cpu, "stats");
	char buf[1024];
	ssize_t n = read_file(path, buf, sizeof(buf));

	free(path);
	if (n < 0)
		return false;
	for (size_t k = 0; k < NR_STATS; k++)
		val[k] = stat_value(buf, stat_keys[k]);
	return true;
}

static void status_text(const struct target *t, const struct target_info *info)
{
	char buf[128], cpus[256];
	long long val[NR_STATS];

	printf("target:     %s\n", t->label);
	printf("kind:       %s\n", target_kind_name(t->kind));
	printf("directory:  %s\n", t->dir);
	printf("tracing:    %s\n", info->tracing < 0 ? "- (no tracing_on)" :
						   tracing_text(info->tracing));
	printf("buffer:     %s per CPU", size_text(info, buf, sizeof(buf)));
	if (info->size.loaded >= 0)
		printf(" (%s)", loaded_text(info->size.loaded));
	if (info->expanded_kib)
		printf(" (grows to %s when first used)",
		       format_size_kib(info->expanded_kib, buf, sizeof(buf)));
	printf("\n");
	printf("cpus:       %s\n", cpulist_format(t->cpus, t->nr_cpus, cpus, sizeof(cpus)));
	if (info->events_enabled >= 0)
		printf("events:     %d of %d enabled\n", info->events_enabled,
		       info->events_available);
	else
		printf("events:     %d (no enable files)\n", info->events_available);
	printf("clock:      %s\n", info->clock[0] ? info->clock : "- (no trace_clock)");
	printf("read-only:  %s\n", t->read_only ? "yes (backup instance)" : "no");
	printf("transport:  %s (%s)\n", target_transport_name(t->best),
	       target_transport_reason(t, buf, sizeof(buf)));
	if (!t->has_stats) {
		printf("statistics: none (the kernel gives no per_cpu/cpuN/stats here)\n");
		return;
	}
	printf("\n%-4s %12s %12s %14s %14s %12s %12s\n", "CPU", "ENTRIES", "OVERRUN",
	       "COMMIT_OVERRUN", "BYTES", "DROPPED", "READ");
	for (int i = 0; i < t->nr_cpus; i++) {
		if (!cpu_stats(t, t->cpus[i], val))
			continue;
		printf("%-4d", t->cpus[i]);
		for (size_t k = 0; k < NR_STATS; k++)
			printf(" %*lld", k == 2 || k == 3 ? 14 : 12, val[k]);
		printf("\n");
	}
}

static void status_json(const struct target *t, const struct target_info *info)
{
	long long val[NR_STATS];
	struct json j;

	json_init(&j, stdout);
	json_begin(&j, NULL, '{');
	target_info_json(&j, t, info);
	if (!t->has_stats) {
		json_null(&j, "stats");
	} else {
		json_begin(&j, "stats", '[');
		for (int i = 0; i < t->nr_cpus; i++) {
			if (!cpu_stats(t, t->cpus[i], val))
				continue;
			json_begin(&j, NULL, '{');
			json_int(&j, "cpu", t->cpus[i]);
			for (size_t k = 0; k < NR_STATS; k++)
				json_int(&j, stat_json[k], val[k]);
			json_end(&j, '{');
		}
		json_end(&j, '[');
	}
	json_end(&j, '{');
}

int cmd_status(int argc, char **argv)
{
	static const struct argp_option options[] = {
		CLI_TARGET_OPTION,
		{ "json", OPT_JSON, NULL, 0, "Print JSON", 0 },
		{ 0 }
	};
	static const struct argp argp = { options, parse_view, NULL,
					  "Show one target in detail, with per-CPU statistics "
					  "where the kernel gives them.", cli_children, NULL,
					  NULL };
	struct view_args args = { .needs_target = true };
	struct target_info info;
	struct target *t;
	int rc;

	rc = cli_parse(&argp, argc, argv, &args);
	if (rc)
		return rc;
	rc = cli_resolve_target(args.target, &t);
	if (rc)
		return rc;
	target_info_get(t, &info);
	if (args.json)
		status_json(t, &info);
	else
		status_text(t, &info);
	target_free(t);
	return RC_OK;
}
