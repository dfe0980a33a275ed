// SPDX-License-Identifier: GPL-2.0
/*
 * record -e bookkeeping on a plain directory tree: which enable files are read and written,
 * and that the undo log writes each back. A plain file does not pass a system's write on to
 * its events the way tracefs does; the host and guest Bats suites check that part.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "event_select.h"
#include "events.h"
#include "util.h"

static char root[128];

static void put(const char *rel, const char *value)
{
	char *path = xasprintf("%s/%s", root, rel);
	char *dir = xstrdup(path);
	char *cmd;
	FILE *f;

	*strrchr(dir, '/') = '\0';
	cmd = xasprintf("mkdir -p '%s'", dir);
	CHECK(system(cmd) == 0);
	f = fopen(path, "w");
	fprintf(f, "%s\n", value);
	fclose(f);
	free(cmd);
	free(dir);
	free(path);
}

static const char *get(const char *rel)
{
	static char buf[64];
	char *path = xasprintf("%s/%s", root, rel);

	if (read_line_file(path, buf, sizeof(buf)) < 0)
		strcpy(buf, "(none)");
	free(path);
	return buf;
}

static void event(const char *sys, const char *ev, const char *enable)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "events/%s/%s/id", sys, ev);
	put(rel, "1");
	if (enable) {
		snprintf(rel, sizeof(rel), "events/%s/%s/enable", sys, ev);
		put(rel, enable);
	}
}

/*
 * a: all on, one of five wanted: off as a system, then a1 on.
 * b: off: only b1, wanted, is read.
 * c: no system enable file (a remote): each event read.
 * d: reads 1, but d2 is in soft mode: one by one, d2 left.
 * e: all on, four of five wanted: one write per unwanted event is fewer.
 * ftrace: print has no enable file.
 */
static void make_tree(const char *top)
{
	char *cmd;

	snprintf(root, sizeof(root), "/tmp/remotectl-unit-select-%d", (int)getpid());
	cmd = xasprintf("rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	free(cmd);
	put("events/enable", top);
	put("events/a/enable", "1");
	event("a", "a1", "1");
	event("a", "a2", "1");
	event("a", "a3", "1");
	event("a", "a4", "1");
	event("a", "a5", "1");
	put("events/b/enable", "0");
	event("b", "b1", "0");
	event("b", "b2", "1");		/* not the kernel's truth: shows it is not read */
	event("c", "c1", "1");
	event("c", "c2", "0");
	put("events/d/enable", "1");
	event("d", "d1", "1");
	event("d", "d2", "1*");
	put("events/e/enable", "1");
	event("e", "e1", "1");
	event("e", "e2", "1");
	event("e", "e3", "1");
	event("e", "e4", "1");
	event("e", "e5", "1");
	event("ftrace", "print", NULL);
}

static void remove_tree(void)
{
	char *cmd = xasprintf("rm -rf '%s'", root);

	CHECK(system(cmd) == 0);
	free(cmd);
}

static const char *const files[] = {
	"events/enable", "events/a/enable", "events/a/a1/enable", "events/a/a2/enable",
	"events/b/b1/enable", "events/b/b2/enable", "events/c/c1/enable", "events/c/c2/enable",
	"events/d/enable", "events/d/d1/enable", "events/d/d2/enable", "events/e/enable",
	"events/e/e1/enable", "events/e/e5/enable",
};
#define NR_FILES (sizeof(files) / sizeof(files[0]))

static void snapshot(char saved[][16])
{
	for (size_t i = 0; i < NR_FILES; i++)
		snprintf(saved[i], 16, "%s", get(files[i]));
}

static void check_restored(char saved[][16])
{
	for (size_t i = 0; i < NR_FILES; i++)
		CHECK_STR(get(files[i]), saved[i]);
}

/* The events set_event lists, then the ftrace system's, from names alone. */
static void test_likely(const struct target *t)
{
	struct target_event_list l;
	char got[512] = "";

	event("ftrace", "raw_data", NULL);
	put("set_event", "a:a2\nd:d1\nftrace:print\nbad\n:x\ny:\n");
	CHECK(target_events_likely(t, &l) == 0);
	for (int i = 0; i < l.nr; i++) {
		size_t n = strlen(got);

		snprintf(got + n, sizeof(got) - n, "%s:%s:%d:%d ", l.ev[i].system, l.ev[i].name,
			 l.ev[i].id, l.ev[i].enabled);
	}
	/* readdir()'s order for the ftrace system. */
	CHECK(!strcmp(got, "a:a2:-1:1 d:d1:-1:1 ftrace:print:-1:-1 ftrace:raw_data:-1:-1 ") ||
	      !strcmp(got, "a:a2:-1:1 d:d1:-1:1 ftrace:raw_data:-1:-1 ftrace:print:-1:-1 "));
	target_events_free(&l);
	/* Without set_event: the ftrace system's alone. */
	put("set_event", "");
	CHECK(target_events_likely(t, &l) == 0 && l.nr == 2);
	target_events_free(&l);
}

/* set_event's one reader: sorted names, look-ups by event and by system, its limits. */
static void test_set_event(void)
{
	struct target_event_list l;
	char *path;
	FILE *f;

	put("set_event", "d:d1\nb:b2\na:a2\nb:b1\nbad\n:x\ny:\nsys/x:e\n");
	CHECK(target_set_event_read(root, &l) == 0 && l.nr == 4);
	CHECK_STR(l.ev[0].system, "a");
	CHECK_STR(l.ev[1].name, "b1");
	CHECK_STR(l.ev[2].name, "b2");
	CHECK_STR(l.ev[3].name, "d1");
	CHECK(target_event_listed(&l, "b", "b2") && target_event_listed(&l, "a", "a2"));
	CHECK(target_event_listed(&l, "d", "d1") && target_event_listed(&l, "b", NULL));
	CHECK(!target_event_listed(&l, "a", "a1") && !target_event_listed(&l, "c", NULL));
	CHECK(!target_event_listed(&l, "e", "d1") && !target_event_listed(&l, "bad", NULL));
	target_events_free(&l);
	/* Nothing enabled: known, and empty. */
	put("set_event", "");
	CHECK(target_set_event_read(root, &l) == 0 && l.nr == 0);
	CHECK(!target_event_listed(&l, "a", NULL));
	/* A last line without its newline (put() adds one): not the kernel's format. */
	path = xasprintf("%s/set_event", root);
	f = fopen(path, "w");
	fputs("a:a1\na:a2", f);
	fclose(f);
	CHECK(target_set_event_read(root, &l) == -EBADMSG && l.nr == 0);
	free(path);
}

int main(void)
{
	const char *globs[] = { "a:a1", "b1", "c2", "ftrace:print", "e:e[1-4]" };
	const char *typo[] = { "a1", "nosuch*" };
	struct target t = { .name = "unit", .label = "instances/unit" };
	struct target_event_selection *s;
	char saved[NR_FILES][16];
	struct target_undo_log *u;
	int bad = -1;

	make_tree("X");
	t.dir = root;
	snapshot(saved);

	/* A glob that matches nothing: found before anything is read or written. */
	CHECK(target_event_selection_new(&t, typo, 2, &s, &bad) == -EINVAL);
	CHECK(bad == 1);
	CHECK(s == NULL);
	check_restored(saved);

	CHECK(target_event_selection_new(&t, globs, 5, &s, &bad) == 0);
	CHECK(target_event_selection_matched(s) == 8);
	u = target_undo_new(&t);
	CHECK(target_event_selection_apply(s, u) == 0);
	/* a: 2, b: 1, c: 2, d: 1, e: 1 (e5 off). */
	CHECK(target_event_selection_writes(s) == 7);
	CHECK_STR(get("events/a/enable"), "0");
	CHECK_STR(get("events/a/a1/enable"), "1");
	CHECK_STR(get("events/a/a2/enable"), "1");	/* the system's write, in tracefs */
	CHECK_STR(get("events/b/b1/enable"), "1");
	CHECK_STR(get("events/b/b2/enable"), "1");	/* never read: b is off */
	CHECK_STR(get("events/c/c1/enable"), "0");
	CHECK_STR(get("events/c/c2/enable"), "1");
	CHECK_STR(get("events/d/enable"), "1");
	CHECK_STR(get("events/d/d1/enable"), "0");
	CHECK_STR(get("events/d/d2/enable"), "1*");
	CHECK_STR(get("events/e/enable"), "1");
	CHECK_STR(get("events/e/e1/enable"), "1");
	CHECK_STR(get("events/e/e5/enable"), "0");
	CHECK(target_undo_restore(u) == 0);
	check_restored(saved);
	target_undo_free(u);
	target_event_selection_free(s);

	/* events/enable reads 0: only the wanted events are looked at. */
	remove_tree();
	make_tree("0");
	snapshot(saved);
	CHECK(target_event_selection_new(&t, globs, 5, &s, &bad) == 0);
	u = target_undo_new(&t);
	CHECK(target_event_selection_apply(s, u) == 0);
	/* b1 and c2 were off; the others asked for read 1, the rest is not read. */
	CHECK(target_event_selection_writes(s) == 2);
	CHECK_STR(get("events/b/b1/enable"), "1");
	CHECK_STR(get("events/c/c2/enable"), "1");
	CHECK_STR(get("events/c/c1/enable"), "1");
	CHECK(target_undo_restore(u) == 0);
	check_restored(saved);
	target_undo_free(u);
	target_event_selection_free(s);

	test_likely(&t);
	test_set_event();
	remove_tree();
	CHECK_DONE();
}
