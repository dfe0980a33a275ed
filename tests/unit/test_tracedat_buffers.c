// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat files of several buffers: written through every data call, read back buffer by
 * buffer and merged as report prints them; given up half-way or cut, then recovered; the
 * journals of one buffer that earlier builds wrote, recovered as before; and finishing: with
 * counts that do not match the journal, with kernel symbols larger than the journal's slack,
 * and stopped by a crash after each of its writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"
#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_journal.h"
#include "tracedat_read.h"
#include "tracedat_synth.h"
#include "tracedat_text.h"
#include "util.h"

/*
 * A crash simulated in finishing: once crash_after writes (pwrite(), pwritev(),
 * copy_file_range()) have been made, every write and ftruncate() fails, so the file stays as
 * the crash left it. -1: no crash.
 */
static int crash_after = -1;

/* Whether the crash came: otherwise one more write counted. */
static bool crashed(void)
{
	if (!__atomic_load_n(&crash_after, __ATOMIC_RELAXED)) {
		errno = EIO;
		return true;
	}
	if (__atomic_load_n(&crash_after, __ATOMIC_RELAXED) > 0)
		__atomic_sub_fetch(&crash_after, 1, __ATOMIC_RELAXED);
	return false;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return crashed() ? -1 : syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int nr, off_t off)
{
	return crashed() ? -1 : syscall(SYS_pwritev, fd, iov, nr, (long)off, 0L);
}

ssize_t copy_file_range(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
			unsigned int flags)
{
	return crashed() ? -1 : syscall(SYS_copy_file_range, in, in_off, out, out_off, len, flags);
}

int ftruncate(int fd, off_t len)
{
	if (!__atomic_load_n(&crash_after, __ATOMIC_RELAXED)) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_ftruncate, fd, len);
}

#define NB	2	/* buffers */
#define NC	2	/* CPUs of each */

/* Buffer 0 is the top level, 4 KiB sub-buffers; buffer 1 an instance with 8 KiB ones. */
static const char *const names[NB] = { "", "inst" };
static const char *const clocks[NB] = { "local", "global" };
static const uint32_t pages[NB] = { 4096, 8192 };
static const int cpus[NB][NC] = { { 0, 1 }, { 1, 3 } };
/* Every event of the file has a time of its own: the merged order is known. */
static const uint64_t starts[NB][NC] = { { 0, 100 }, { 600, 800 } };
/* Events a full sub-buffer of each buffer holds (68 bytes each). */
static const int per_page[NB] = { 60, 120 };
/* What each buffer's events say first. */
static const char *const tags[NB] = { "b0", "b1" };

struct feed {
	struct tdw *w;
	int n[NB][NC];
};

/*
 * One sub-buffer of buffer b's CPU index i, through a different data call for each: a copy,
 * a whole unit, a reservation, and a unit in two pieces.
 */
static int feed_page(struct feed *f, int b, int i, int max)
{
	static uint8_t page[8192];
	int cpu = cpus[b][i], events, k = b * NC + i;
	uint8_t *slot;

	if (k == 2) {
		slot = tdw_reserve_subbuf(f->w, b, cpu, NULL);
		if (!slot)
			return -1;
		synth_page_at(slot, pages[b], SYNTH_TS0 + starts[b][i], tags[b], cpu, &f->n[b][i],
			      max);
		tdw_commit_subbuf(f->w, b, cpu, pages[b]);
		return 0;
	}
	events = synth_page_at(page, pages[b], SYNTH_TS0 + starts[b][i], tags[b], cpu, &f->n[b][i],
			       max);
	if (k == 0)
		return tdw_add_subbuf(f->w, b, cpu, page, pages[b]);
	if (k == 1)
		return tdw_add_unit(f->w, b, cpu, page, pages[b], 0, events * 68, true, 16);
	if (tdw_add_unit(f->w, b, cpu, page, pages[b], 0, 10 * 68, false, 16))
		return -1;
	return tdw_add_unit(f->w, b, cpu, page, pages[b], 10 * 68, events * 68, false, 16);
}

/* Every CPU of every buffer up to event max[b], a sub-buffer of each in turn. */
static int feed_all(struct feed *f, const int max[NB])
{
	int b, i, more = 1;

	while (more) {
		more = 0;
		for (b = 0; b < NB; b++) {
			for (i = 0; i < NC; i++) {
				if (f->n[b][i] >= max[b])
					continue;
				if (feed_page(f, b, i, max[b]))
					return -1;
				more = 1;
			}
		}
	}
	return 0;
}

/* A writer of the two buffers on a new file at path; NULL on failure. */
/* The comms writer() stores at the start, and saved_cmdlines for the end (NULL: none). */
static const char *first_comms, *end_comms_path;

static struct tdw *writer(const char *path, enum td_compression c, int *fd)
{
	struct tdw_opts o = { .compression = c, .page_size = pages[0], .buffer_name = names[0],
			      .clock = clocks[0], .trace_clock = "[local] global boot",
			      .nr_cpus = 4 };
	struct tdw_buffer_opts bo = { .name = names[1], .clock = clocks[1],
				      .page_size = pages[1] };
	struct tdbuf comms = { 0 };
	struct tdw *w;
	int ret;

	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	w = *fd >= 0 ? tdw_create(*fd, &o) : NULL;
	if (!w)
		return NULL;
	ret = tdw_add_buffer(w, &bo) != 1 || synth_meta(w);
	if (!ret && first_comms) {
		tdbuf_u64(&comms, strlen(first_comms));
		tdbuf_put(&comms, first_comms, strlen(first_comms));
		ret = tdw_add_section(w, TD_SEC_CMDLINES, comms.p, comms.len);
		tdbuf_free(&comms);
	}
	if (end_comms_path)
		tdw_set_cmdlines_path(w, end_comms_path);
	if (ret || tdw_begin_data(w)) {
		tdw_abort(w);
		return NULL;
	}
	return w;
}

/*
 * Check each buffer of the file against what was written: names, clocks, sub-buffer sizes,
 * CPU lists, and of each CPU want[b][i] events in order with their times and texts. Returns
 * the events read, or -1.
 */
static long check_buffers(const char *path, const int want[NB][NC])
{
	char err[256];
	struct tdr *r = tdr_open(path, err, sizeof(err));
	const struct tdr_info *in;
	struct text_dat_fmt *fmt;
	struct trace_seq s;
	long total = 0;
	int b, i;

	if (!r) {
		printf("# open %s: %s\n", path, err);
		return -1;
	}
	in = tdr_info(r);
	fmt = text_dat_fmt_new(in, NULL, NULL);
	trace_seq_init(&s);
	if (in->nr_buffers != NB || in->page_size != pages[0]) {
		printf("# %d buffers, header page size %u\n", in->nr_buffers, in->page_size);
		total = -1;
	}
	for (b = 0; total >= 0 && b < NB; b++) {
		const struct tdr_buffer *tb = &in->buffers[b];

		if (strcmp(tb->name, names[b]) || strcmp(tb->clock, clocks[b]) ||
		    tb->page_size != pages[b] || tb->nr_cpus != NC ||
		    tb->cpus[0].cpu != cpus[b][0] || tb->cpus[1].cpu != cpus[b][1]) {
			printf("# buffer %d: '%s' %s %u, %d CPUs\n", b, tb->name, tb->clock,
			       tb->page_size, tb->nr_cpus);
			total = -1;
			break;
		}
		for (i = 0; total >= 0 && i < NC; i++) {
			struct td_src *src = td_src_new(r, b, i);
			struct ring_merge_event me;
			int k = 0;

			while (td_src_next(src, &me) > 0) {
				struct text_dat_event ev = { me.ts, td_src_cpu(src), b, me.data,
							     me.len };
				char text[64];

				trace_seq_reset(&s);
				text_dat_fmt_event(fmt, &s, &ev);
				trace_seq_terminate(&s);
				snprintf(text, sizeof(text), "0x0: b%d %d.%d\n", b, cpus[b][i], k);
				if (me.lost || ev.cpu != cpus[b][i] ||
				    ev.ts != SYNTH_TS0 + starts[b][i] + (uint64_t)k * SYNTH_DELTA ||
				    !strstr(s.buffer, text)) {
					printf("# buffer %d cpu %d event %d: %s", b, cpus[b][i], k,
					       s.buffer);
					total = -1;
					break;
				}
				k++;
			}
			td_src_free(src);
			if (total >= 0 && k != want[b][i]) {
				printf("# buffer %d cpu %d: %d events, not %d\n", b, cpus[b][i], k,
				       want[b][i]);
				total = -1;
			}
			if (total >= 0)
				total += k;
		}
	}
	trace_seq_destroy(&s);
	text_dat_fmt_free(fmt);
	tdr_close(r);
	return total;
}

/*
 * report's text of the file: every line in time order, the instance's prefixed "inst: " and the
 * top level's by as many spaces (trace-cmd's layout), want[b][i] events of each CPU. Returns
 * the lines.
 */
static long check_merged(const char *path, const int want[NB][NC])
{
	char *text, *line, *save = NULL;
	int ret, k = 0, next = -1, b = 0, i = 0;
	long lines = 0;

	text = synth_report(path, NULL, NULL, &ret);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); !ret && line; line = strtok_r(NULL, "\n", &save)) {
		char expect[64];

		/* The next CPU, in time order, that still has event k (else k + 1). */
		do {
			if (++next == NB * NC) {
				next = 0;
				k++;
			}
			b = next / NC;
			i = next % NC;
		} while (k < 100000 && k >= want[b][i]);
		snprintf(expect, sizeof(expect), "0x0: b%d %d.%d", b, cpus[b][i], k);
		if (strncmp(line, b ? "inst: " : "      ", 6) || !strstr(line, expect)) {
			printf("# line %ld: %s\n", lines, line);
			ret = -1;
		}
		lines++;
	}
	free(text);
	return ret || lines != (long)want[0][0] + want[0][1] + want[1][0] + want[1][1] ? -1 : lines;
}

/* The CPUSTATs in trace-cmd's order: the top level's, then "Buffer: inst" and its CPUs'. */
static bool check_cpustats(const char *path)
{
	static const char *const want[] = {
		"CPU: 0\nentries: 0.0\n", "CPU: 1\nentries: 0.1\n", "\nBuffer: inst\n\n",
		"CPU: 1\nentries: 1.1\n", "CPU: 3\nentries: 1.3\n",
	};
	char err[256];
	struct tdr *r = tdr_open(path, err, sizeof(err));
	const struct tdr_info *in = r ? tdr_info(r) : NULL;
	bool ok = in && in->nr_cpustats == 5;
	int i;

	for (i = 0; ok && i < 5; i++)
		ok = !strcmp(in->cpustats[i], want[i]);
	tdr_close(r);
	return ok;
}

/*
 * The first section of the journal of the killed file at path: its id and size; and the first
 * chunk's buffer word.
 */
static bool journal_words(const char *path, uint16_t *id, uint64_t *meta_size, uint32_t *buffer)
{
	uint8_t h[TD_SEC_HDR_SIZE + TD_RC_CHUNK_PREFIX];
	uint64_t done, pos, size;
	int fd = open(path, O_RDONLY);
	bool ok = false;
	char err[256];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) || td_journal_find(fd, st.st_size, &done, &pos, err,
							 sizeof(err)))
		goto out;
	if (td_pread(fd, h, TD_SEC_HDR_SIZE, pos))
		goto out;
	*id = bo_get16(h, BO_LITTLE);
	*meta_size = bo_get64(h + 8, BO_LITTLE);
	/* The first chunk, after the padding sections. */
	for (pos += TD_SEC_HDR_SIZE + *meta_size; !td_pread(fd, h, sizeof(h), pos);
	     pos += TD_SEC_HDR_SIZE + size) {
		size = bo_get64(h + 8, BO_LITTLE);
		if (bo_get16(h, BO_LITTLE) == TD_SEC_RC_CHUNK) {
			*buffer = bo_get32(h + 20, BO_LITTLE);
			ok = true;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

static int run_recover(const char *path)
{
	char *argv[] = { "remotectl recover", (char *)path, NULL };

	messages_set_verbosity(-1);
	return cmd_recover(2, argv);
}

static void test_roundtrip(const char *path, enum td_compression c, const char *cname)
{
	/* 2 chunks of the 4 KiB buffer's CPUs, 1 of the 8 KiB one's. */
	const int max[NB] = { 5000, 5000 };
	const int want[NB][NC] = { { 5000, 5000 }, { 5000, 5000 } };
	struct feed f = { 0 };
	int fd, b, i, ok;

	f.w = writer(path, c, &fd);
	ok = f.w && !feed_all(&f, max);
	for (b = 0; ok && b < NB; b++) {
		for (i = 0; i < NC; i++) {
			char stats[64];

			snprintf(stats, sizeof(stats), "entries: %d.%d\n", b, cpus[b][i]);
			tdw_set_cpustat(f.w, b, cpus[b][i], stats);
		}
	}
	ok = ok && tdw_page_size(f.w, 0) == 4096 && tdw_page_size(f.w, 1) == 8192 &&
	     !tdw_page_size(f.w, 2);
	ok = ok && !tdw_finish(f.w);
	close(fd);
	CHECK(ok, "%s: 2 buffers written through every data call", cname);
	CHECK(check_buffers(path, want) == 20000,
	      "%s: each buffer read back: names, clocks, page sizes, CPUs, every event in order",
	      cname);
	CHECK(check_merged(path, want) == 20000,
	      "%s: report merges the buffers in time order, instance lines prefixed", cname);
	CHECK(check_cpustats(path), "%s: CPUSTATs in trace-cmd's order", cname);
	CHECK(run_recover(path) == 0 && check_buffers(path, want) == 20000,
	      "%s: recover leaves the complete file alone", cname);
}

/* ~2 MB of symbol lines at ks, compressing to well over the journal's slack; the text. */
static char *write_symbols(const char *ks, size_t *len)
{
	uint64_t x = 88172645463325252ull;
	size_t cap = 3u << 20;
	char *text = xmalloc(cap);
	FILE *out;
	bool ok;

	*len = 0;
	while (*len + 64 < cap - (1u << 20)) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		*len += snprintf(text + *len, cap - *len, "ffffffff%08llx T sym_%llx\n",
				 (unsigned long long)(x & 0xffffffff),
				 (unsigned long long)(x >> 20));
	}
	out = fopen(ks, "w");
	ok = out && fwrite(text, 1, *len, out) == *len;
	if (out)
		ok = !fclose(out) && ok;
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * A writer of the two buffers with symbols from ks and every sub-buffer whole, everything
 * flushed to the journal: nothing is held back for tdw_finish() to write.
 */
static struct tdw *journal_with_symbols(const char *path, enum td_compression c,
					const char *ks, int *fd)
{
	static uint8_t page[8192];
	const int max[NB] = { 5000, 5000 };
	struct feed f = { 0 };
	int b, i, more = 1;

	f.w = writer(path, c, fd);
	if (!f.w)
		return NULL;
	tdw_set_kallsyms_path(f.w, ks);
	while (more) {
		more = 0;
		for (b = 0; b < NB; b++)
			for (i = 0; i < NC; i++) {
				if (f.n[b][i] >= max[b])
					continue;
				synth_page_at(page, pages[b], SYNTH_TS0 + starts[b][i], tags[b],
					      cpus[b][i], &f.n[b][i], max[b]);
				if (tdw_add_subbuf(f.w, b, cpus[b][i], page, pages[b])) {
					tdw_abort(f.w);
					return NULL;
				}
				more = 1;
			}
	}
	if (tdw_flush(f.w)) {
		tdw_abort(f.w);
		return NULL;
	}
	return f.w;
}

/* Where options 1 point (options 2 of a complete file, 0 for a journal), and the journal. */
static bool done_link(const char *path, uint64_t *opts2, uint64_t *journal)
{
	int fd = open(path, O_RDONLY), ret = -1;
	uint64_t done;
	char err[256];
	struct stat st;
	uint8_t v[8];

	if (fd >= 0 && !fstat(fd, &st))
		ret = td_journal_find(fd, st.st_size, &done, journal, err, sizeof(err));
	*opts2 = 0;
	if (ret == 1 && !td_pread(fd, v, 8, done))
		*opts2 = bo_get64(v, BO_LITTLE);
	if (fd >= 0)
		close(fd);
	return ret >= 0;
}

/* The file's comms are want's. */
static bool comms_read_back(const char *path, const char *want)
{
	char err[256];
	struct tdr *r = tdr_open(path, err, sizeof(err));
	bool ok = r && tdr_info(r)->cmdlines.len == strlen(want) &&
		  !memcmp(tdr_info(r)->cmdlines.data, want, strlen(want));

	if (r)
		tdr_close(r);
	return ok;
}

static bool symbols_read_back(const char *path, const char *text, size_t len)
{
	struct tdr *r;
	char err[256];
	bool ok;

	r = tdr_open(path, err, sizeof(err));
	ok = r && tdr_info(r)->kallsyms.len == len &&
	     !memcmp(tdr_info(r)->kallsyms.data, text, len);
	if (r)
		tdr_close(r);
	return ok;
}

/*
 * Kernel symbols larger than the journal's slack: finishing still moves everything down over
 * the journal (in three copies: compact() in tracedat_journal.c), where the file used to keep
 * the journal and its copy. Options 2 then sit where the journal began, the symbols read back
 * whole and every event is there, with the comms of the start merged into the end's. And a
 * crash after any write of finishing leaves a file that is complete, with its symbols and
 * either table of comms, or that recover completes: every event survives.
 */
static void test_big_tail(const char *path, enum td_compression c, const char *cname)
{
	const int want[NB][NC] = { { 5000, 5000 }, { 5000, 5000 } };
	char *ks = xasprintf("%s.kallsyms", path);	/* synth_tmp()'s buffer holds path */
	char *comms = xasprintf("%s.comms", path);
	const char *first = "7 sh\n8 old\n", *end = "8 new\n9 born\n";
	const char *merged = "8 new\n9 born\n7 sh\n";
	int fd, n, complete = 0, recovered = 0, bad = 0, finished = -1;
	FILE *f = fopen(comms, "w");
	uint64_t opts2 = 0, journal = 0;
	struct tdw *w;
	size_t len;
	char *text = write_symbols(ks, &len);

	CHECK(f && fputs(end, f) >= 0 && !fclose(f), "%s: saved_cmdlines of the end", cname);
	first_comms = first;
	end_comms_path = comms;
	w = text ? journal_with_symbols(path, c, ks, &fd) : NULL;
	CHECK(w && !tdw_finish(w) && done_link(path, &opts2, &journal) && opts2 >= journal &&
	      opts2 - journal < 8192,
	      "%s: %zu bytes of symbols: options 2 where the journal began (%" PRIu64 " after it)",
	      cname, len, opts2 - journal);
	if (w)
		close(fd);
	CHECK(check_buffers(path, want) == 20000, "%s: big symbols: every event read back", cname);
	CHECK(text && symbols_read_back(path, text, len),
	      "%s: big symbols: the KALLSYMS section reads back whole", cname);
	CHECK(comms_read_back(path, merged), "%s: big symbols: the comms merged", cname);

	for (n = 0; text && n < 400 && finished < 0; n++) {
		w = journal_with_symbols(path, c, ks, &fd);
		if (!w) {
			bad++;
			break;
		}
		__atomic_store_n(&crash_after, n, __ATOMIC_RELAXED);
		tdw_finish(w);
		if (__atomic_load_n(&crash_after, __ATOMIC_RELAXED))
			finished = n;
		__atomic_store_n(&crash_after, -1, __ATOMIC_RELAXED);
		close(fd);
		if (!done_link(path, &opts2, &journal)) {
			bad++;
		} else if (opts2) {
			complete++;
			bad += check_buffers(path, want) != 20000 ||
			       !symbols_read_back(path, text, len) ||
			       !comms_read_back(path, merged);
		} else {
			recovered++;
			bad += run_recover(path) || check_buffers(path, want) != 20000;
		}
	}
	CHECK(finished > 10 && !bad && complete && recovered,
	      "%s: a crash after each of finishing's %d writes: %d complete files with their "
	      "symbols, %d journals recover completes, %d wrong", cname, finished, complete,
	      recovered, bad);
	first_comms = end_comms_path = NULL;
	unlink(comms);
	free(comms);
	unlink(ks);
	free(ks);
	free(text);
}

/*
 * Given up half-way (tdw_abort() after a flush and more data): recover keeps every event but
 * those of the sub-buffer held back for the instance's CPU 3, fed in pieces (tdw_add_unit():
 * only the next sub-buffer or tdw_finish() writes it) -- its last 100 events.
 */
static void test_aborted(const char *path, enum td_compression c, const char *cname)
{
	const int half[NB] = { 2500, 2500 }, max[NB] = { 5000, 5000 };
	const int want[NB][NC] = { { 5000, 5000 }, { 5000, 4900 } };
	struct feed f = { 0 };
	uint32_t buffer;
	uint64_t size;
	uint16_t id;
	int fd, ok;

	f.w = writer(path, c, &fd);
	ok = f.w && !feed_all(&f, half) && !tdw_flush(f.w) && !feed_all(&f, max);
	if (f.w)
		tdw_abort(f.w);
	close(fd);
	CHECK(ok, "%s: aborted 2-buffer write", cname);
	/* Not RC_META: builds that knew one buffer refuse this journal rather than lose data. */
	CHECK(journal_words(path, &id, &size, &buffer) && id == TD_SEC_RC_BUFFER &&
	      size == strlen("") + 1 + strlen("local") + 1 + 12,
	      "%s: the journal begins with an RC_BUFFER section per buffer", cname);
	CHECK(check_buffers(path, want) < 0, "%s: the aborted file needs recover", cname);
	CHECK(run_recover(path) == 0, "%s: recover the aborted file", cname);
	CHECK(check_buffers(path, want) == 19900,
	      "%s: recovered every event of both buffers but the held sub-buffer's", cname);
	CHECK(check_merged(path, want) == 19900, "%s: recovered file merges as written", cname);
}

/*
 * Finishing lays each CPU's data out by the counts it is given (since the writer counts its
 * own chunks, not only by a scan): counts that do not match the journal fail the step, and
 * the journal stays for recover. It keeps every event but the instance's CPU 3's last 80
 * (5000 = 41 * 120 + 80), held back unwritten as in test_aborted().
 */
static void test_miscounted(const char *path, enum td_compression c, const char *cname)
{
	const int max[NB] = { 5000, 5000 };
	const int want[NB][NC] = { { 5000, 5000 }, { 5000, 4920 } };
	static const char *const how[] = { "one chunk more", "8 bytes fewer" };
	struct feed f = { 0 };
	int fd, ok, v;

	for (v = 0; v < 2; v++) {
		uint64_t done, journal;
		struct td_journal j;
		struct stat st;
		char err[256];

		f = (struct feed){ 0 };
		f.w = writer(path, c, &fd);
		ok = f.w && !feed_all(&f, max) && !tdw_flush(f.w);
		if (f.w)
			tdw_abort(f.w);
		ok = ok && !fstat(fd, &st) &&
		     !td_journal_find(fd, st.st_size, &done, &journal, err, sizeof(err)) &&
		     !td_journal_scan(fd, journal, st.st_size, &j, false, err, sizeof(err));
		if (ok) {
			struct td_cpu_data *d = &j.bufs[1].cpus[0];

			if (v == 0) {
				d->chunks++;
				d->size += td_chunk_stored_size(j.compressed, 100);
			} else {
				d->size -= 8;
			}
			ok = td_journal_finish(fd, done, &j, NULL, err, sizeof(err)) == -1 &&
			     !strcmp(err, "writing the trace data section: Input/output error");
			td_journal_free(&j);
		}
		close(fd);
		CHECK(ok, "%s: %s than the journal holds: finishing fails", cname, how[v]);
		CHECK(run_recover(path) == 0 && check_buffers(path, want) == 19920,
		      "%s: %s: the journal is intact, recover completes it", cname, how[v]);
	}
}

/*
 * A power loss in the last chunk: every CPU of each buffer has a full chunk and 10 sub-buffers
 * more, the partial chunks flushed in buffer and CPU order, so the one cut is the instance's
 * CPU 3's: it loses its last 10 (9 in that chunk, and the one held back as in test_aborted()).
 */
static void test_cut(const char *path, enum td_compression c, const char *cname)
{
	const int max[NB] = { (TD_PAGES_PER_CHUNK + 10) * per_page[0],
			      (TD_PAGES_PER_CHUNK + 10) * per_page[1] };
	const int want[NB][NC] = { { max[0], max[0] },
				   { max[1], TD_PAGES_PER_CHUNK * per_page[1] } };
	struct feed f = { 0 };
	int fd, ok;

	f.w = writer(path, c, &fd);
	ok = f.w && !feed_all(&f, max) && !tdw_flush(f.w);
	if (f.w)
		tdw_abort(f.w);
	ok = ok && !ftruncate(fd, lseek(fd, 0, SEEK_END) - 100);
	close(fd);
	CHECK(ok, "%s: 2-buffer journal cut in its last chunk", cname);
	CHECK(run_recover(path) == 0, "%s: recover the cut file", cname);
	CHECK(check_buffers(path, want) == 2 * max[0] + max[1] + want[1][1],
	      "%s: only the cut chunk (instance CPU 3, 10 sub-buffers) is lost", cname);
}

/*
 * Journals of one buffer: the RC_META body and the chunks' buffer word stay what earlier
 * builds wrote (name, clock, u32 page size, u32 codec; 0), and the journals those builds left
 * (the fuzzer's seeds, tests/fuzz/corpus/journal, from before buffers were added) recover with
 * every event.
 */
static void test_old_journals(const char *path)
{
	static const char *const seeds[] = { "tests/fuzz/corpus/journal/seed-killed-none.dat",
					     "tests/fuzz/corpus/journal/seed-killed-zstd.dat" };
	uint64_t meta_size = 0;
	uint32_t buffer = 1;
	uint16_t id = 0;
	int fd, s;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	synth_file(fd, TD_COMP_ZSTD, 2, 1500, false, true);
	close(fd);
	CHECK(journal_words(path, &id, &meta_size, &buffer) && id == TD_SEC_RC_META &&
	      meta_size == strlen("synth") + 1 + strlen("local") + 1 + 8 && buffer == 0,
	      "one buffer: RC_META and RC_CHUNK as earlier builds wrote them (%llu, %u)",
	      (unsigned long long)meta_size, buffer);
	for (s = 0; s < 2; s++) {
		char *mem, err[256];
		size_t len = 0;
		struct tdr *r = NULL;
		long events = 0, losses = 0;
		int i;

		mem = read_whole_file(seeds[s], 0, 1 << 20, &len);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (!mem || fd < 0 || write(fd, mem, len) != (ssize_t)len) {
			CHECK(0, "%s copied (the tests run from the repository)", seeds[s]);
			free(mem);
			if (fd >= 0)
				close(fd);
			continue;
		}
		free(mem);
		close(fd);
		CHECK(run_recover(path) == 0, "old journal %d: recovered", s);
		r = tdr_open(path, err, sizeof(err));
		for (i = 0; r && i < tdr_info(r)->buffers[0].nr_cpus; i++) {
			struct td_src *src = td_src_new(r, 0, i);
			struct ring_merge_event me;

			while (td_src_next(src, &me) > 0) {
				if (me.lost)
					losses++;
				else
					events++;
			}
			td_src_free(src);
		}
		CHECK(r && tdr_info(r)->nr_buffers == 1 &&
		      !strcmp(tdr_info(r)->buffers[0].name, "seed") &&
		      tdr_info(r)->buffers[0].nr_cpus == 2 && events == 12 && losses == 1,
		      "old journal %d: 1 buffer, 2 CPUs, 12 events and the loss (%ld, %ld)", s,
		      events, losses);
		tdr_close(r);
	}
}

/* What tdw_add_buffer() and the data calls refuse. */
static void test_refusals(const char *path)
{
	struct tdw_opts o = { .compression = TD_COMP_NONE, .page_size = 4096, .buffer_name = "",
			      .clock = "local", .nr_cpus = 1 };
	struct tdw_buffer_opts same = { .name = "", .clock = "local", .page_size = 4096 };
	struct tdw_buffer_opts small = { .name = "x", .clock = "local", .page_size = 16 };
	struct tdw_buffer_opts late = { .name = "late", .clock = "local", .page_size = 4096 };
	uint8_t page[4096] = { 0 };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct tdw *w = tdw_create(fd, &o);

	messages_set_verbosity(-1);
	CHECK(w && tdw_add_buffer(w, &same) == -1, "a second top level is refused");
	CHECK(w && tdw_add_buffer(w, &small) == -1, "a 16-byte sub-buffer is refused");
	CHECK(w && !synth_meta(w) && !tdw_begin_data(w) && tdw_add_buffer(w, &late) == -1,
	      "a buffer after the data began is refused");
	CHECK(w && tdw_add_subbuf(w, 1, 0, page, sizeof(page)) == -1,
	      "data of a buffer never added is refused");
	tdw_abort(w);
	close(fd);
}

int main(void)
{
	const char *path = synth_tmp("buffers.dat");
	int c;

	for (c = TD_COMP_NONE; c <= TD_COMP_ZSTD; c++) {
		const char *name = c == TD_COMP_NONE ? "none" : "zstd";

		test_roundtrip(path, c, name);
		test_aborted(path, c, name);
		test_cut(path, c, name);
		test_miscounted(path, c, name);
		test_big_tail(path, c, name);
	}
	test_old_journals(path);
	test_refusals(path);
	unlink(path);
	return fails ? 1 : 0;
}
