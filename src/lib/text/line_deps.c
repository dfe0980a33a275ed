// SPDX-License-Identifier: GPL-2.0
/*
 * What a line made on one thread of several depends on beyond its record, and what it
 * changes (text_internal.h): report's jobs (tracedat_fmt.c) and record's (format.c) both
 * ask it here, so that both make the same lines as one thread.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "util.h"

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

bool text_comms_any_register(struct tep_handle *tep)
{
	struct tep_event **events = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int i;

	for (i = 0; events && events[i]; i++)
		if (text_line_may_register(events[i]))
			return true;
	return false;
}

void text_comms_first_wins(struct tep_handle *tep)
{
	/* Any pid but 0, which libtraceevent answers without looking. */
	tep_is_pid_registered(tep, 1);
}

/*
 * The next line of saved cmdlines from *p, as libtraceevent's parser reads one with
 * sscanf("%d %m[^\n]s"): a number, blanks, then a name of the rest of the line. Empty lines
 * are passed over, and like that parser it stops at a line that does not read so. 1 with
 * *pid, *comm and *len set, 0 at the end.
 */
static int next_cmdline(const char **p, int *pid, const char **comm, size_t *len)
{
	const char *q, *eol;
	char *end;
	long n;

	while (**p == '\n')
		(*p)++;
	eol = strchrnul(*p, '\n');
	for (q = *p; q < eol && isspace((unsigned char)*q); q++)
		;
	if (q == eol)
		return 0;
	n = strtol(q, &end, 10);
	if (end == q)
		return 0;
	for (q = end; q < eol && isspace((unsigned char)*q); q++)
		;
	if (q == eol)
		return 0;
	*pid = (int)n;
	*comm = q;
	*len = eol - q;
	*p = *eol ? eol + 1 : eol;
	return 1;
}

/*
 * By hand rather than with tep_parse_saved_cmdlines(), whose sscanf() costs ~2,800
 * instructions a line: a 6.18 kernel keeps 6,552 of them, and record reads them again when
 * a process it has no name for shows up (format.c).
 */
void text_comms_register_saved(struct tep_handle *tep, const char *cmdlines)
{
	const char *p = cmdlines, *comm;
	char name[64], *copy;
	size_t len;
	int pid;

	while (p && next_cmdline(&p, &pid, &comm, &len)) {
		if (len < sizeof(name)) {
			memcpy(name, comm, len);
			name[len] = 0;
			tep_register_comm(tep, name, pid);
			continue;
		}
		copy = xstrndup(comm, len);
		tep_register_comm(tep, copy, pid);
		free(copy);
	}
}

void text_comms_set_saved(struct text_comms *c, struct tep_handle *tep, const char *cmdlines,
			  bool registers)
{
	const char *p = cmdlines, *comm;
	size_t alloc = 0, len;
	int pid;

	c->ready = true;
	c->registers = registers;
	c->nr_saved = 0;
	while (p && next_cmdline(&p, &pid, &comm, &len)) {
		if (pid <= 0 || !tep_is_pid_registered(tep, pid))
			continue;
		if (c->nr_saved == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			c->saved = xrealloc(c->saved, alloc * sizeof(*c->saved));
		}
		c->saved[c->nr_saved++] = pid;
	}
	if (c->nr_saved)
		qsort(c->saved, c->nr_saved, sizeof(*c->saved), int_cmp);
}

void text_comms_free(struct text_comms *c)
{
	free(c->saved);
	free(c->kinds);
	memset(c, 0, sizeof(*c));
}

static enum text_line_kind kind_of(struct text_comms *c, const struct tep_event *e)
{
	if (e->id < 0 || e->id > 0xffff)
		return text_line_kind(e);
	if (!c->kinds)
		c->kinds = xcalloc(0x10000, 1);
	if (!c->kinds[e->id])
		c->kinds[e->id] = text_line_kind(e) + 1;
	return c->kinds[e->id] - 1;
}

static bool saved_pid(const struct text_comms *c, int pid)
{
	return !pid || (c->nr_saved &&
			bsearch(&pid, c->saved, c->nr_saved, sizeof(*c->saved), int_cmp));
}

static bool copy_comm(char *dst, const char *comm)
{
	size_t n = strlen(comm);

	if (n >= TEXT_COMM_MAX)
		return false;
	memcpy(dst, comm, n + 1);
	return true;
}

int text_comms_before(struct text_comms *c, struct tep_handle *tep, struct tep_record *rec,
		      struct tep_event *e, struct text_line_deps *d, int *pids, bool *known)
{
	static const char *const names[][2] = {
		[TEXT_LINE_SWITCH] = { "prev_pid", "next_pid" },
		[TEXT_LINE_WAKEUP] = { "pid", NULL },
	};
	enum text_line_kind k = e ? kind_of(c, e) : TEXT_LINE_FREE;
	unsigned long long val;
	int pid, i, n = 0;

	memset(d, 0, offsetof(struct text_line_deps, comm));
	d->nr_regs = 0;
	if (k == TEXT_LINE_ORDERED) {
		d->ordered = true;
		return 0;
	}
	pid = tep_data_pid(tep, rec);
	d->pid = pid;
	/* Without lines that register comms, every pid shows the same comm on every thread. */
	if (!saved_pid(c, pid) && c->registers) {
		d->dyn = true;
		if (!copy_comm(d->comm, tep_data_comm_from_pid(tep, pid)))
			d->ordered = true;
	}
	if (k != TEXT_LINE_SWITCH && k != TEXT_LINE_WAKEUP)
		return 0;
	for (i = 0; i < 2 && names[k][i]; i++) {
		/* As the plugin reads them: it stops at the first it cannot read. */
		if (tep_get_field_val(NULL, e, names[k][i], rec, &val, 0))
			break;
		pids[n] = (int)val;
		known[n++] = tep_is_pid_registered(tep, (int)val);
	}
	return n;
}

void text_comms_after(struct tep_handle *tep, struct text_line_deps *d, const int *pids,
		      const bool *known, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (known[i] || (i && pids[i] == pids[0]) || !tep_is_pid_registered(tep, pids[i]))
			continue;
		d->reg_pid[d->nr_regs] = pids[i];
		if (!copy_comm(d->reg_comm[d->nr_regs++], tep_data_comm_from_pid(tep, pids[i])))
			d->ordered = true;
	}
}
