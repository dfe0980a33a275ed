// SPDX-License-Identifier: GPL-2.0
/* The source interface: dispatch and helpers shared by the readers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_internal.h"
#include "util.h"

/* The counters and flags of the units a reader delivered (or not). */
static int account(struct source *s, int ret, const struct source_unit *u)
{
	int i;

	for (i = 0; i < ret; i++) {
		s->stats.units++;
		s->stats.bytes += u[i].end - u[i].skip;
	}
	if (ret == 0) {
		s->stats.waits++;
	} else if (ret == -ENODATA) {
		s->ended = true;
		s->caught_up = true;
	}
	return ret;
}

int source_next(struct source *s, struct source_unit *u)
{
	if (s->ended)
		return -ENODATA;
	s->caught_up = false;
	/* Readers fill what they know; a field added later (lines) must not be stack garbage. */
	*u = (struct source_unit){ 0 };
	return account(s, s->ops->next(s, u), u);
}

bool source_copies(const struct source *s)
{
	return !s->ended && s->ops->copies && s->ops->copies(s);
}

int source_next_into(struct source *s, uint8_t *buf, unsigned int room, struct source_unit *u)
{
	if (s->ended)
		return -ENODATA;
	if (!source_copies(s))
		return -EOPNOTSUPP;
	s->caught_up = false;
	memset(u, 0, (room ? room : 1) * sizeof(*u));
	return account(s, s->ops->next_into(s, buf, room ? room : 1, u), u);
}

int64_t source_kernel_lost(struct source *s)
{
	return s->ops->kernel_lost ? s->ops->kernel_lost(s) : -1;
}

uint64_t source_idle_ns(struct source *s)
{
	return s->ops->idle_ns ? s->ops->idle_ns(s) : 0;
}

void source_stop(struct source *s)
{
	if (s->ops->stop)
		s->ops->stop(s);
}

void source_close(struct source *s)
{
	if (!s)
		return;
	s->ops->close(s);
	source_params_free(&s->p);
	free(s);
}

/*
 * Events the kernel could not keep: overwritten by the writer ("overrun"), dropped when the
 * writer lapped the commit page ("commit overrun") or dropped in non-overwrite mode ("dropped
 * events"). Lines missing from older kernels count as 0.
 */
int64_t stats_file_lost(const char *path)
{
	static const char *const keys[] = { "overrun:", "commit overrun:", "dropped events:" };
	char buf[1024], *line, *save;
	int64_t total = 0;
	bool found = false;
	size_t i;

	if (!path || read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i]);

			if (!strncmp(line, keys[i], n)) {
				total += strtoll(line + n, NULL, 10);
				found = true;
			}
		}
	}
	return found ? total : -1;
}

void source_params_copy(struct source_params *dst, const struct source_params *src)
{
	*dst = *src;
	dst->raw_path = xstrdup(src->raw_path);
	dst->stats_path = src->stats_path ? xstrdup(src->stats_path) : NULL;
}

void source_params_free(struct source_params *p)
{
	free(p->raw_path);
	free(p->stats_path);
	p->raw_path = p->stats_path = NULL;
}
