// SPDX-License-Identifier: GPL-2.0
/*
 * record's text on several threads (format_jobs.c) is what one thread makes
 * (text_format_event() in order), byte for byte, over batches that different jobs make: a
 * comm a sched_switch or sched_wakeup line registered in one batch shown in a later one, a
 * registration that loses to an earlier one, a saved comm that stays, function-plugin lines
 * (made in order by the caller), loss lines and ready-made lines in between, a pid whose comm
 * is registered twice before any line looked one up, and pids that
 * saved_cmdlines names only once the formatters are made (read again at the first pid
 * without a comm, so the file's comm for 502 comes before a wakeup line's). The formats are
 * files of a directory laid out as tracefs; the sched_switch plugin must be installed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kernel_formats.h"
#include "text_internal.h"
#include "target.h"
#include "util.h"

#define PRINT_ID	5
#define FUNC_ID		1
#define SWITCH_ID	300
#define WAKEUP_ID	301
/* More than a batch (format_jobs.c: 4096 events) between a registration and its use. */
#define FILL		5000

static const char print_format[] =
	"name: print\nID: 5\n" KERNEL_FORMAT_HEAD
	"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n\n"
	"print fmt: \"%ps: %s\", (void *)REC->ip, REC->buf\n";
static const char func_format[] = FUNCTION_FORMAT_1;
static const char switch_format[] = SCHED_SWITCH_FORMAT_300;
static const char wakeup_format[] = SCHED_WAKEUP_FORMAT_301;
static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

enum kind { PRINT = TEST_PRINT, SWITCH = TEST_SWITCH, WAKEUP = TEST_WAKEUP, FUNC = TEST_FUNC,
	LOSS, LINE };

struct ev {
	enum kind kind;
	int cpu;
	int pid;		/* common_pid */
	const char *text;	/* print: its text; switch, wakeup: the comm they register */
	int pid2;		/* switch: next_pid; wakeup: pid */
	const char *comm2;	/* switch: next_comm */
	const char *shows;	/* print: "comm-pid" its line must show */
};

static struct ev *evs;
static int nr_evs;

static void add(enum kind kind, int cpu, int pid, const char *text, int pid2, const char *comm2,
		const char *shows)
{
	evs = xrealloc(evs, (nr_evs + 1) * sizeof(*evs));
	evs[nr_evs++] = (struct ev){ kind, cpu, pid, text, pid2, comm2, shows };
}

static void fill(int cpu)
{
	for (int i = 0; i < FILL; i++)
		add(PRINT, cpu, 100, "fill", 0, NULL, NULL);
}

/* The events in the merge's order, with the comm each checked line must show. */
static void scenario(void)
{
	/* Registered twice before any line looked a comm up (the idle task's need none). */
	add(SWITCH, 0, 0, "swapper/0", 700, "first", NULL);
	add(SWITCH, 1, 0, "swapper/1", 700, "second", NULL);
	add(PRINT, 2, 700, "c2 first", 0, NULL, "first-700");
	add(PRINT, 1, 500, "c1 a", 0, NULL, "<...>-500");
	add(PRINT, 0, 600, "c0 late", 0, NULL, "late-600");
	add(SWITCH, 0, 501, "early", 500, "bbb", NULL);
	add(PRINT, 1, 500, "c1 b", 0, NULL, "bbb-500");
	fill(2);
	add(PRINT, 0, 500, "c0 a", 0, NULL, "bbb-500");
	add(WAKEUP, 2, 0, "zzz", 502, NULL, NULL);
	add(SWITCH, 1, 500, "aaa", 502, "ccc", NULL);
	add(LOSS, 1, 0, NULL, 0, NULL, NULL);
	fill(0);
	add(PRINT, 2, 502, "c2 a", 0, NULL, "file502-502");
	add(PRINT, 2, 100, "c2 b", 0, NULL, "saved-100");
	add(SWITCH, 2, 100, "other", 503, "ddd", NULL);
	add(PRINT, 2, 100, "c2 c", 0, NULL, "saved-100");
	add(FUNC, 1, 502, NULL, 0, NULL, NULL);
	add(LINE, 0, 0, "a remote's line\n", 0, NULL, NULL);
	add(FUNC, 0, 500, NULL, 0, NULL, NULL);
	fill(1);
	add(PRINT, 2, 503, "c2 d", 0, NULL, "ddd-503");
	add(PRINT, 0, 501, "c0 b", 0, NULL, "early-501");
	add(FUNC, 1, 500, NULL, 0, NULL, NULL);
}

/* Event i's record into p: its length. */
static uint32_t record(int i, uint8_t *p)
{
	const struct ev *e = &evs[i];

	return test_event_record(p, (enum test_event_kind)e->kind, e->pid, e->text, e->pid2,
				 e->comm2, 0xffffffff81000000ull + 16 * (uint64_t)i);
}

static uint64_t ts_of(int i)
{
	return 1000000000ull + 1000ull * i;
}

struct text {
	char *p;
	size_t len, cap;
};

static void append(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = 2 * (t->len + n + 1);
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static int put(void *ctx, uint32_t tag, const char *line, size_t len, bool lost)
{
	(void)tag;
	(void)lost;
	append(ctx, line, len);
	return 0;
}

static void put_file(const char *dir, const char *rel, const char *text);

/* saved_cmdlines as the formatters start from it, and as they find it later. */
static void early_cmdlines(const char *dir)
{
	put_file(dir, "saved_cmdlines", "100 saved\n");
}

static void late_cmdlines(const char *dir)
{
	put_file(dir, "saved_cmdlines", "100 saved\n600 late\n502 file502\n");
}

/* The text on one thread, as the sink makes it without jobs. */
static char *one_thread(struct target *t)
{
	struct text out = { 0 };
	struct text_format *f = text_format_new(t, NULL, 0);
	uint8_t rec[64];
	char lost[64];

	late_cmdlines(t->dir);
	const char *line;
	size_t len;

	for (int i = 0; f && i < nr_evs; i++) {
		if (evs[i].kind == LOSS) {
			len = text_format_lost(lost, sizeof(lost), evs[i].cpu, 7);
			append(&out, lost, len);
		} else if (evs[i].kind == LINE) {
			append(&out, evs[i].text, strlen(evs[i].text));
		} else {
			uint32_t n = record(i, rec);

			line = text_format_event(f, evs[i].cpu, ts_of(i), rec, n, &len);
			CHECK(line != NULL);
			if (line)
				append(&out, line, len);
		}
	}
	text_format_free(f);
	return out.p;
}

static char *jobs_text(struct target *t, int jobs)
{
	struct text out = { 0 };
	struct text_format *f = text_format_new(t, NULL, 0);
	struct text_jobs *j = text_jobs_new(jobs, &f, 1, NULL, 0);
	uint8_t rec[64];
	int i, ret = 0;

	late_cmdlines(t->dir);
	CHECK(j && !text_jobs_start(j));
	for (i = 0; j && i < nr_evs && !ret; i++) {
		if (evs[i].kind == LOSS)
			ret = text_jobs_add(j, TEXT_JOBS_LOSS, evs[i].cpu, ts_of(i), NULL, 7, i,
					    put, &out);
		else if (evs[i].kind == LINE)
			ret = text_jobs_add(j, TEXT_JOBS_LINE, evs[i].cpu, ts_of(i), evs[i].text,
					    strlen(evs[i].text), i, put, &out);
		else
			ret = text_jobs_add(j, 0, evs[i].cpu, ts_of(i), rec, record(i, rec), i, put,
					    &out);
	}
	CHECK(ret == 0);
	CHECK(j && text_jobs_flush(j, put, &out) == 0);
	text_jobs_free(j);
	text_format_free(f);
	return out.p;
}

/* Does the line of print text show comm-pid? */
static bool shows(const char *text, const char *print, const char *comm_pid)
{
	const char *line = strstr(text, print), *start, *c;
	char want[64];

	if (!line)
		return false;
	for (start = line; start > text && start[-1] != '\n'; start--)
		;
	snprintf(want, sizeof(want), "%s ", comm_pid);
	c = strstr(start, want);
	return c && c < line;
}

static void put_file(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "w");

	CHECK(f && fputs(text, f) >= 0 && !fclose(f));
	free(path);
}

static void event_dir(const char *dir, const char *sys, const char *name, const char *format,
		      int id)
{
	char *p = xasprintf("%s/events/%s", dir, sys), buf[16];

	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/events/%s/%s", dir, sys, name);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(buf, sizeof(buf), "%d\n", id);
	put_file(p, "format", format);
	put_file(p, "id", buf);
	free(p);
}

int main(void)
{
	char dir[] = "/tmp/remotectl-test-fmtjobs-XXXXXX";
	struct target t = { .kind = TARGET_INSTANCE, .label = "test" };
	char *one, *many, *cmd;
	int i, jobs;

	CHECK(mkdtemp(dir) != NULL);
	t.dir = dir;
	cmd = xasprintf("%s/events", dir);
	CHECK(mkdir(cmd, 0755) == 0);
	free(cmd);
	put_file(dir, "events/header_page", header_page);
	put_file(dir, "trace_clock", "[local] global\n");
	event_dir(dir, "ftrace", "print", print_format, PRINT_ID);
	event_dir(dir, "ftrace", "function", func_format, FUNC_ID);
	event_dir(dir, "sched", "sched_switch", switch_format, SWITCH_ID);
	event_dir(dir, "sched", "sched_wakeup", wakeup_format, WAKEUP_ID);
	target_tracefs_root_use(dir);
	scenario();

	early_cmdlines(dir);
	one = one_thread(&t);
	CHECK(one != NULL);
	for (i = 0; one && i < nr_evs; i++)
		if (evs[i].shows && !shows(one, evs[i].text, evs[i].shows)) {
			CHECK(!"a line shows the comm expected");
			fprintf(stderr, "# \"%s\" should show %s\n", evs[i].text, evs[i].shows);
		}
	CHECK(one && strstr(one, "function:") && strstr(one, "sched_switch:") &&
	      strstr(one, "sched_wakeup:") && strstr(one, "CPU:1 [LOST 7 EVENTS]\n") &&
	      strstr(one, "a remote's line\n"));
	for (jobs = 1; jobs <= 4; jobs++) {
		early_cmdlines(dir);
		many = jobs_text(&t, jobs);
		CHECK(many && one && !strcmp(one, many));
		if (many && one && strcmp(one, many)) {
			size_t k = 0;

			while (one[k] == many[k])
				k++;
			while (k && one[k - 1] != '\n')
				k--;
			fprintf(stderr, "# %d jobs: first difference at byte %zu:\n# one: %.120s\n"
				"# jobs: %.120s\n", jobs, k, one + k, many + k);
		}
		free(many);
	}
	free(one);
	free(evs);
	cmd = xasprintf("rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	free(cmd);
	CHECK_DONE();
}
