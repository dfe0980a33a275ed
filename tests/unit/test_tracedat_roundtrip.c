// SPDX-License-Identifier: GPL-2.0
/* Writer -> reader round trips: every event back, in order, both codecs; recover. */
#include <fcntl.h>
#include <stdbool.h>

#include "cli.h"
#include "messages.h"
#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_read.h"
#include "tracedat_synth.h"
#include "util.h"

static bool from_mem;	/* check_file() reads a copy in memory (tdr_open_mem()) */

/* path read into *mem and opened from there. */
static struct tdr *open_mem(const char *path, char **mem, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	long size = -1;

	if (f && !fseek(f, 0, SEEK_END))
		size = ftell(f);
	*mem = malloc(size > 0 ? size : 1);
	if (!f || size < 0 || fseek(f, 0, SEEK_SET) || fread(*mem, 1, size, f) != (size_t)size) {
		snprintf(err, errlen, "cannot read %s", path);
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	return tdr_open_mem(*mem, size, err, errlen);
}

/* Count events per CPU and check their order and timestamps; returns total or -1. */
static long check_file(const char *path, int ncpu, int nev, bool exact)
{
	char err[256], *mem = NULL;
	struct tdr *r = from_mem ? open_mem(path, &mem, err, sizeof(err)) :
			tdr_open(path, err, sizeof(err));
	const struct tdr_info *in;
	struct text_dat_fmt *f;
	struct trace_seq s;
	long total = 0;
	int i;

	if (!r) {
		printf("# open %s: %s\n", path, err);
		free(mem);
		return -1;
	}
	in = tdr_info(r);
	f = text_dat_fmt_new(in, NULL, NULL);
	trace_seq_init(&s);
	if (in->nr_buffers != 1 || strcmp(in->buffers[0].name, "synth") ||
	    in->buffers[0].nr_cpus != ncpu) {
		printf("# buffers %d cpus %d\n", in->nr_buffers,
		       in->nr_buffers ? in->buffers[0].nr_cpus : -1);
		total = -1;
	}
	for (i = 0; total >= 0 && i < in->buffers[0].nr_cpus; i++) {
		struct td_src *src = td_src_new(r, 0, i);
		struct ring_merge_event me;
		int k = 0;

		while (td_src_next(src, &me) > 0) {
			struct text_dat_event ev = { me.ts, td_src_cpu(src), 0, me.data, me.len };
			char want[128];

			if (me.lost) {
				printf("# cpu %d: a loss\n", i);
				total = -1;
				break;
			}

			if (ev.ts != SYNTH_TS0 + (uint64_t)k * SYNTH_DELTA) {
				printf("# cpu %d event %d ts %llu\n", i, k,
				       (unsigned long long)ev.ts);
				total = -1;
				break;
			}
			trace_seq_reset(&s);
			text_dat_fmt_event(f, &s, &ev);
			trace_seq_terminate(&s);
			/* No kallsyms here: the ip prints as 0x0. */
			snprintf(want, sizeof(want), "print: %*s0x0: msg %d.%d\n", 15, "", i, k);
			if (!strstr(s.buffer, want)) {
				printf("# got: %s", s.buffer);
				total = -1;
				break;
			}
			k++;
			total++;
		}
		if (exact && k != nev) {
			printf("# cpu %d: %d events\n", i, k);
			total = -1;
		}
		td_src_free(src);
	}
	trace_seq_destroy(&s);
	text_dat_fmt_free(f);
	tdr_close(r);
	free(mem);
	return total;
}

static int run_recover(const char *path)
{
	char *argv[] = { "remotectl recover", (char *)path, NULL };

	messages_set_verbosity(-1);
	return cmd_recover(2, argv);
}

/* With TRACEDAT_SEED_DIR set, also leave small files there (the fuzzer's seeds). */
static void write_seeds(void)
{
	const char *dir = getenv("TRACEDAT_SEED_DIR");
	int c, fd;

	for (c = TD_COMP_NONE; dir && c <= TD_COMP_ZSTD; c++) {
		char *path = xasprintf("%s/seed-%s.dat", dir, c == TD_COMP_NONE ? "none" : "zstd");

		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			synth_file(fd, c, 2, 200, true, false);
			close(fd);
		}
		free(path);
	}
}

/*
 * Units as an mmap source delivers them: each page in three pieces, the last page left
 * partial (the writer still on it) -- every event must be in the file exactly once.
 */
static void test_units(const char *path)
{
	uint8_t page[SYNTH_PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), cpu, p, n[2] = { 0 }, ok = 1;
	struct tdw *w = synth_writer(fd, TD_COMP_ZSTD, 2, NULL);
	const uint32_t ev = 68;	/* bytes per synthetic event */

	if (!w)
		ok = 0;
	for (p = 0; ok && p < 25; p++) {
		for (cpu = 0; cpu < 2; cpu++) {
			int events = synth_page(page, cpu, &n[cpu], 1500);
			uint32_t size = events * ev;

			/* First piece, with the commit word still growing past it. */
			ok &= !tdw_add_unit(w, 0, cpu, page, SYNTH_PAGE, 0, 20 * ev, false, 16);
			ok &= !tdw_add_unit(w, 0, cpu, page, SYNTH_PAGE, 20 * ev, 40 * ev, false,
					    16);
			if (p < 24)
				ok &= !tdw_add_unit(w, 0, cpu, page, SYNTH_PAGE, 40 * ev, size,
						    false, 16);
		}
	}
	ok &= w && !tdw_finish(w);
	close(fd);
	CHECK(ok, "units: written");
	/* ... and for units_after_reader(): see below. */
	/* The last page of each CPU stopped after 40 events: 24 * 60 + 40 per CPU. */
	CHECK(check_file(path, 2, 24 * 60 + 40, true) == 2 * (24 * 60 + 40),
	      "units: each delivered event exactly once");
}

/*
 * An mmap source opened after another reader consumed part of the current sub-buffer
 * starts with skip > 0: only the events from skip on belong to this capture, with their
 * own time stamps, also when the writer adds to that sub-buffer and it comes again (pieces
 * > 1: a second unit of the same sub-buffer, from where the first ended).
 */
static void test_units_after_reader(const char *path, int pieces)
{
	uint8_t page[SYNTH_PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n = 0, events, ok = 1;
	struct tdw *w = synth_writer(fd, TD_COMP_NONE, 1, NULL);
	struct ring_merge_event me;
	struct td_src *src;
	struct tdr *r;
	char err[256];
	long count = 0;
	int k = 25;

	if (!w)
		ok = 0;
	events = synth_page(page, 0, &n, 60);
	if (pieces > 1)
		ok &= !tdw_add_unit(w, 0, 0, page, SYNTH_PAGE, 25 * 68, 40 * 68, false, 16);
	ok &= !tdw_add_unit(w, 0, 0, page, SYNTH_PAGE, (pieces > 1 ? 40 : 25) * 68, events * 68,
			    false, 16);
	ok &= w && !tdw_finish(w);
	close(fd);
	r = tdr_open(path, err, sizeof(err));
	src = r ? td_src_new(r, 0, 0) : NULL;
	while (src && td_src_next(src, &me) > 0) {
		ok &= !me.lost && me.ts == SYNTH_TS0 + (uint64_t)k++ * SYNTH_DELTA;
		count++;
	}
	td_src_free(src);
	tdr_close(r);
	CHECK(ok && count == 35, "units after an earlier reader, %d piece(s): events 25..59 only "
	      "(%ld)", pieces, count);
}

/*
 * Units as the read() source delivers them (whole copies): straight to the chunks, in order,
 * beside a CPU fed in mmap pieces; a whole unit cut short by end still keeps only [0, end).
 */
static void test_whole_units(const char *path)
{
	uint8_t page[SYNTH_PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), p, n[2] = { 0 }, ok = 1;
	struct tdw *w = synth_writer(fd, TD_COMP_ZSTD, 2, NULL);
	const uint32_t ev = 68;
	int events;

	if (!w)
		ok = 0;
	for (p = 0; ok && p < 25; p++) {
		events = synth_page(page, 0, &n[0], 100000);
		ok &= !tdw_add_unit(w, 0, 0, page, SYNTH_PAGE, 0, events * ev, true, 16);
		events = synth_page(page, 1, &n[1], 100000);
		ok &= !tdw_add_unit(w, 0, 1, page, SYNTH_PAGE, 0, 30 * ev, false, 16);
		ok &= !tdw_add_unit(w, 0, 1, page, SYNTH_PAGE, 30 * ev, events * ev, false, 16);
	}
	/* The last page of CPU 0 delivered up to event 40 only: events 41..60 are not ours. */
	events = synth_page(page, 0, &n[0], 100000);
	ok &= !tdw_add_unit(w, 0, 0, page, SYNTH_PAGE, 0, 40 * ev, true, 16);
	events = synth_page(page, 1, &n[1], 100000);
	ok &= !tdw_add_unit(w, 0, 1, page, SYNTH_PAGE, 0, 40 * ev, false, 16);
	ok &= w && !tdw_finish(w);
	close(fd);
	CHECK(ok, "whole units: written");
	CHECK(check_file(path, 2, 25 * 60 + 40, true) == 2 * (25 * 60 + 40),
	      "whole units: each delivered event exactly once, in order");
}

/* One synthetic sub-buffer of cpu (events up to max) read straight into its chunk. */
static int reserved_page(struct tdw *w, int cpu, int *n, int max)
{
	uint8_t *slot = tdw_reserve_subbuf(w, 0, cpu, NULL);

	if (!slot)
		return 0;
	synth_page(slot, cpu, n, max);
	tdw_commit_subbuf(w, 0, cpu, SYNTH_PAGE);
	return 1;
}

/*
 * Sub-buffers read straight into their chunk (tdw_reserve_subbuf()): a reservation given back
 * empty adds nothing, and a held mmap unit goes to the file before the read() copy after it.
 */
static void test_reserved_subbufs(const char *path)
{
	uint8_t page[SYNTH_PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), p, n[2] = { 0 }, ok = 1;
	struct tdw *w = synth_writer(fd, TD_COMP_ZSTD, 2, NULL);
	const uint32_t ev = 68;
	int events;

	if (!w)
		ok = 0;
	for (p = 0; ok && p < 23; p++) {
		/* A read() that found nothing gives its place back. */
		ok &= tdw_reserve_subbuf(w, 0, 0, NULL) != NULL;
		if (ok)
			tdw_commit_subbuf(w, 0, 0, 0);
		ok = ok && reserved_page(w, 0, &n[0], 100000) &&
		     reserved_page(w, 0, &n[0], n[0] + 30);
		/* CPU 1: the first 30 events mapped (held), the page's rest read(). */
		events = synth_page(page, 1, &n[1], 100000);
		ok &= !tdw_add_unit(w, 0, 1, page, SYNTH_PAGE, 0, 30 * ev, false, 16);
		n[1] -= events - 30;
		ok = ok && reserved_page(w, 1, &n[1], 100000);
	}
	ok &= w && !tdw_finish(w);
	close(fd);
	CHECK(ok, "reserved sub-buffers: written");
	CHECK(check_file(path, 2, 23 * 90, true) == 2 * 23 * 90,
	      "reserved sub-buffers: each event exactly once, in order, held unit first");
}

/*
 * Several sub-buffers at once into a reservation (a splice() batch): room counts down to the
 * chunk's end, a run of whole sub-buffers and a short last one is taken in one commit, and a
 * run that fills the chunk sends it off (the next reservation has a whole chunk's room).
 */
static void test_reserved_runs(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n = 0, ok = 1, k, r;
	struct tdw *w = synth_writer(fd, TD_COMP_ZSTD, 1, NULL);
	unsigned int room, expect = TD_PAGES_PER_CHUNK;
	/* Runs of 1, 3, 6 (fills the chunk), 4, 2, 4 (fills), 10 (fills) sub-buffers. */
	static const int runs[] = { 1, 3, 6, 4, 2, 4, 10 };
	uint8_t *slot;

	if (!w)
		ok = 0;
	for (r = 0; ok && r < (int)(sizeof(runs) / sizeof(runs[0])); r++) {
		slot = tdw_reserve_subbuf(w, 0, 0, &room);
		ok &= slot && room == expect;
		for (k = 0; ok && k < runs[r]; k++)
			synth_page(slot + k * SYNTH_PAGE, 0, &n, n + 50);
		/* The last one of a run ends after 20 events: shorter than a page. */
		if (ok) {
			n -= 50;
			synth_page(slot + (runs[r] - 1) * SYNTH_PAGE, 0, &n, n + 20);
			tdw_commit_subbuf(w, 0, 0, (runs[r] - 1) * SYNTH_PAGE + 16 + 20 * 68);
		}
		expect = (expect - runs[r]) ? expect - runs[r] : TD_PAGES_PER_CHUNK;
	}
	ok &= w && !tdw_finish(w);
	close(fd);
	CHECK(ok, "reserved runs: room reported, runs committed at once");
	CHECK(check_file(path, 1, n, true) == n,
	      "reserved runs: %d events once, in order", n);
}

/* Copy src to dst (the state of a file at one moment, as a SIGKILL would leave it). */
static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[65536];
	ssize_t n;
	int ret = in >= 0 && out >= 0 ? 0 : -1;

	while (!ret && (n = read(in, buf, sizeof(buf))) > 0)
		ret = write(out, buf, n) == n ? 0 : -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/*
 * A CPU that stops after part of a chunk: the writer's thread writes that partial chunk
 * within about two seconds, without any flush, so a record killed then keeps it.
 */
static void test_idle_flush(const char *path)
{
	char copy[4096];
	uint8_t page[SYNTH_PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n = 0, i, ok = 1;
	struct tdw *w = synth_writer(fd, TD_COMP_ZSTD, 1, NULL);

	snprintf(copy, sizeof(copy), "%s.copy", path);
	if (!w)
		ok = 0;
	for (i = 0; ok && i < 3; i++) {
		synth_page(page, 0, &n, 60 * (i + 1));
		ok &= !tdw_add_subbuf(w, 0, 0, page, SYNTH_PAGE);
	}
	CHECK(ok, "idle flush: 3 pages written");
	/* Nothing yet: the chunk is 3 pages of 10. */
	CHECK(!copy_file(path, copy) && run_recover(copy) == 0 &&
	      check_file(copy, 1, 0, false) <= 0,
	      "idle flush: a fresh partial chunk is still in memory");
	usleep(2500 * 1000);
	CHECK(!copy_file(path, copy) && run_recover(copy) == 0, "idle flush: recover the copy");
	CHECK(check_file(copy, 1, 180, true) == 180, "idle flush: the 3 pages are on disk");
	tdw_abort(w);
	close(fd);
	unlink(copy);
}

/* The formats of "late" (one event, ID 77) that finishing stores in place of the first ones. */
static const char late_format[] =
	"name: latev\nID: 77\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"print fmt: \"late\"\n";

/*
 * Formats replaced at finishing: the reader sees the new section only, every event is still
 * there, and the ids the writer noted decide whether a replacement is needed.
 */
static void test_late_formats(const char *path)
{
	uint8_t page[SYNTH_PAGE], types[65536 / 8] = { 0 };
	struct tdbuf b = { 0 };
	char err[256];
	int c;

	for (c = TD_COMP_NONE; c <= TD_COMP_ZSTD; c++) {
		const char *name = c == TD_COMP_NONE ? "none" : "zstd";
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n = 0, ok = 1, i;
		struct tdw *w = synth_writer(fd, c, 1, NULL);
		const struct tdr_info *in;
		struct tdr *r;

		if (!w)
			ok = 0;
		/* What the metadata noted: ID 5 (print) covered, 77 not. */
		if (ok)
			tdw_format_ids(w)[5 >> 3] |= 1 << (5 & 7);
		types[5 >> 3] |= 1 << (5 & 7);
		CHECK(ok && tdw_formats_cover(w, types), "%s: print's id is covered", name);
		types[77 >> 3] |= 1 << (77 & 7);
		CHECK(ok && !tdw_formats_cover(w, types), "%s: id 77 is not covered", name);
		types[77 >> 3] = 0;
		/* 25 pages: compacting moves the sections down over the journal. */
		for (i = 0; ok && i < 25; i++) {
			synth_page(page, 0, &n, 40 * (i + 1));
			ok &= !tdw_add_subbuf(w, 0, 0, page, SYNTH_PAGE);
		}
		b.len = 0;
		tdbuf_u32(&b, 1);
		tdbuf_str(&b, "late");
		tdbuf_u32(&b, 1);
		tdbuf_u64(&b, strlen(late_format));
		tdbuf_put(&b, late_format, strlen(late_format));
		ok &= w && !tdw_set_late_formats(w, b.p, b.len);
		ok &= w && !tdw_finish(w);
		close(fd);
		CHECK(ok, "%s: file with replaced formats written", name);
		r = tdr_open(path, err, sizeof(err));
		in = r ? tdr_info(r) : NULL;
		CHECK(in && in->nr_formats == 2 && !strcmp(in->formats[0].system, "ftrace") &&
		      !strcmp(in->formats[1].system, "late") &&
		      in->formats[1].len == strlen(late_format) &&
		      !memcmp(in->formats[1].text, late_format, in->formats[1].len),
		      "%s: the reader has the replacing formats (%s)", name, r ? "" : err);
		tdr_close(r);
		CHECK(check_file(path, 1, 1000, true) == 1000, "%s: every event still read", name);
	}
	tdbuf_free(&b);
}

/* td_merge_cmdlines(): now's lines as they are, then before's of pids now lacks. */
static void test_merge_cmdlines(void)
{
	static const struct {
		const char *now, *before, *want;
	} t[] = {
		{ "20 new\n40 born\n", "10 bash\n20 old\n30 gone\n",
		  "20 new\n40 born\n10 bash\n30 gone\n" },
		/* A last line without its newline; before's too. */
		{ "20 new", "10 bash\n20 old", "20 new\n10 bash\n" },
		{ "", "10 bash\n", "10 bash\n" },
		{ "10 bash\n", "", "10 bash\n" },
		/* Not "PID COMM" lines: now's kept as they are, before's dropped. */
		{ "x y\n5 five\n", "5 old\n\n12\n7 seven\nabc 1\n", "x y\n5 five\n7 seven\n" },
		/* A pid of 1 is not one of 10 or 100. */
		{ "10 ten\n100 hundred\n", "1 one\n10 other\n", "10 ten\n100 hundred\n1 one\n" },
	};
	size_t i, len;
	char *m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = td_merge_cmdlines(t[i].now, strlen(t[i].now), t[i].before, strlen(t[i].before),
				      &len);
		CHECK(m && len == strlen(t[i].want) && !memcmp(m, t[i].want, len),
		      "merged comms, case %zu (%zu bytes)", i, m ? len : 0);
		free(m);
	}
	m = td_merge_cmdlines(NULL, 0, "", 0, &len);
	CHECK(!m && !len, "nothing merged from nothing");
}

/*
 * A capture's first CMDLINES (the comms at its start) and saved_cmdlines at its end: the
 * file's comms are the end's, with the start's of pids it no longer has.
 */
static void test_final_cmdlines(const char *path)
{
	const char *first = "10 bash\n20 old\n30 gone\n", *now = "20 new\n40 born\n";
	const char *want = "20 new\n40 born\n10 bash\n30 gone\n";
	char *end_path = xasprintf("%s.cmdlines", path), err[256];
	uint8_t page[SYNTH_PAGE];
	struct tdbuf b = { 0 };
	FILE *f = fopen(end_path, "w");
	int c;

	CHECK(f && fputs(now, f) >= 0 && !fclose(f), "saved_cmdlines of the end written");
	tdbuf_u64(&b, strlen(first));
	tdbuf_put(&b, first, strlen(first));
	for (c = TD_COMP_NONE; c <= TD_COMP_ZSTD; c++) {
		const char *name = c == TD_COMP_NONE ? "none" : "zstd";
		struct tdw_opts o = { .compression = c, .page_size = SYNTH_PAGE,
				      .buffer_name = "synth", .clock = "local", .nr_cpus = 1 };
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), n = 0, i, ok;
		struct tdw *w = tdw_create(fd, &o);
		const struct tdr_info *in;
		struct tdr *r;

		ok = w && !synth_meta(w) && !tdw_add_section(w, TD_SEC_CMDLINES, b.p, b.len);
		if (ok)
			tdw_set_cmdlines_path(w, end_path);
		ok = ok && !tdw_begin_data(w);
		/* 25 pages: compacting moves the sections down over the journal. */
		for (i = 0; ok && i < 25; i++) {
			synth_page(page, 0, &n, 40 * (i + 1));
			ok = !tdw_add_subbuf(w, 0, 0, page, SYNTH_PAGE);
		}
		ok = w && ok && !tdw_finish(w);
		close(fd);
		CHECK(ok, "%s: file with two comm tables written", name);
		r = tdr_open(path, err, sizeof(err));
		in = r ? tdr_info(r) : NULL;
		CHECK(in && in->cmdlines.data && in->cmdlines.len == strlen(want) &&
		      !memcmp(in->cmdlines.data, want, in->cmdlines.len),
		      "%s: the file's comms: the end's, then the start's forgotten ones (%s)", name,
		      r ? "" : err);
		tdr_close(r);
		CHECK(check_file(path, 1, 1000, true) == 1000, "%s: every event read", name);
	}
	tdbuf_free(&b);
	unlink(end_path);
	free(end_path);
}

int main(void)
{
	const char *path = synth_tmp("rt.dat");
	int fd, c;

	write_seeds();
	test_units(path);
	test_units_after_reader(path, 1);
	test_units_after_reader(path, 2);
	test_whole_units(path);
	test_reserved_subbufs(path);
	test_reserved_runs(path);
	test_idle_flush(path);
	test_late_formats(path);
	test_merge_cmdlines();
	test_final_cmdlines(path);

	for (c = TD_COMP_NONE; c <= TD_COMP_ZSTD; c++) {
		const char *name = c == TD_COMP_NONE ? "none" : "zstd";
		long n;

		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK(!synth_file(fd, c, 3, 2000, true, false), "%s: write 3 CPUs x 2000", name);
		close(fd);
		n = check_file(path, 3, 2000, true);
		CHECK(n == 6000, "%s: read back every event in order (%ld)", name, n);
		from_mem = true;
		n = check_file(path, 3, 2000, true);
		from_mem = false;
		CHECK(n == 6000, "%s: the same from memory (%ld)", name, n);

		/* Killed after a flush: recover keeps everything. */
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		synth_file(fd, c, 2, 1500, false, true);
		close(fd);
		CHECK(check_file(path, 2, 1500, true) < 0, "%s: killed file needs recover", name);
		CHECK(run_recover(path) == 0, "%s: recover", name);
		n = check_file(path, 2, 1500, true);
		CHECK(n == 3000, "%s: recovered every flushed event (%ld)", name, n);
		CHECK(run_recover(path) == 0, "%s: recover of a complete file is a no-op", name);

		/*
		 * Given up without a flush (an error during the capture): tdw_abort() still
		 * writes every queued and partial chunk, so recover finds every event. (A SIGKILL
		 * keeps whole chunks only: tests/bats/tracedat.bats kills a real writer.)
		 */
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		synth_file(fd, c, 2, 1500, false, false);
		close(fd);
		CHECK(run_recover(path) == 0, "%s: recover unflushed", name);
		n = check_file(path, 2, 1500, true);
		CHECK(n == 2 * 1500, "%s: abort keeps every chunk (%ld)", name, n);

		/*
		 * A half-written last chunk (power loss) is dropped: each CPU has a chunk and a
		 * half of pages of 60 events, so the other chunks stay.
		 */
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		synth_file(fd, c, 2, 60 * TD_PAGES_PER_CHUNK * 3 / 2, false, true);
		{
			off_t end = lseek(fd, 0, SEEK_END);

			CHECK(!ftruncate(fd, end - 100), "%s: cut the last chunk", name);
		}
		close(fd);
		CHECK(run_recover(path) == 0, "%s: recover a cut chunk", name);
		n = check_file(path, 2, 60 * TD_PAGES_PER_CHUNK * 3 / 2, false);
		CHECK(n >= 2 * 60 * TD_PAGES_PER_CHUNK && n < 2 * 60 * TD_PAGES_PER_CHUNK * 3 / 2,
		      "%s: cut chunk dropped (%ld)", name, n);
	}
	unlink(path);
	return fails ? 1 : 0;
}
