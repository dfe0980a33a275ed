// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds of the fuzz harnesses, small so that each input costs microseconds: trace.dat files
 * with 256-byte sub-buffers, two CPUs and a handful of events (v7 from the project's writer,
 * one with a second buffer of 512-byte sub-buffers,
 * none and zstd -- the zlib seed is made from the zstd one by tests/tools/dat_zlib.py --, v6
 * laid out here as trace-cmd writes one), files a killed record leaves (journal), and the
 * same formats and records in the layouts of the other harnesses.
 *   build/fuzz/tracedat_seeds DIR	(make fuzz-seeds writes tests/fuzz/corpus/NAME/seed-*)
 *   build/fuzz/tracedat_seeds --fmt-from TRACE.DAT OUT
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The unit tests' kernel format texts: the seeds are made of the same. */
#include "../unit/kernel_formats.h"
#include "tracedat_internal.h"
#include "tracedat_events.h"
#include "tracedat_journal.h"
#include "tracedat_read.h"
#include "tracedat_write.h"
#include "util.h"

#define PAGE		256
#define PRINT_ID	5
#define SAMPLE_ID	300

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:240;\tsigned:0;\n";
static const char header_event[] =
	"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n";
static const char print_format[] =
	"name: print\nID: 5\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n\n"
	"print fmt: \"%ps: %s\", (void *)REC->ip, REC->buf\n";
/* An event of a system: a symbolic value, a flag set, a dynamic string, hex and a division. */
static const char sample_format[] =
	"name: sample\nID: 300\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u8 kind;\toffset:8;\tsize:1;\tsigned:0;\n"
	"\tfield:u32 flags;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 ns;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] who;\toffset:24;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"kind=%s flags=%s us=%llu who=%s\", "
	"__print_symbolic(REC->kind, { 0, \"smc\" }, { 1, \"hvc\" }), "
	"__print_flags(REC->flags, \"|\", { 1, \"A\" }, { 2, \"B\" }), "
	"REC->ns / 1000, __get_str(who)\n";
/* The kernel's sched_switch (6.x), whose text libtraceevent's sched_switch plugin prints. */
static const char sched_switch_format[] =
	"name: sched_switch\nID: 372\n" KERNEL_FORMAT_HEAD SCHED_SWITCH_FIELDS
	"print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s "
	"next_pid=%d next_prio=%d\", REC->prev_comm, REC->prev_pid, REC->prev_prio, "
	"(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002) + 1) << 1) - 1)) ? "
	"__print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002) + 1) << 1) - 1)"
	", "
	"\"|\", { 0x00000001, \"S\" }, { 0x00000002, \"D\" }) : \"R\", REC->prev_state & "
	"(((0x00000000 | 0x00000001 | 0x00000002) + 1) << 1) ? \"+\" : \"\", REC->next_comm, "
	"REC->next_pid, REC->next_prio\n";
static const char kallsyms[] =
	"ffffffff81000000 T _stext\nffffffff81000100 t seed_fn\t[seed]\n";
static const char printk[] = "0xffffffff81000200 : \"seed printk\\n\"\n";
static const char cmdlines[] = "100 bash\n101 seed-task\n";

/* One event: header word (+ length word when needed) and payload; returns bytes used. */
static size_t put_event(uint8_t *p, uint32_t delta, const uint8_t *payload, size_t len)
{
	size_t words = (len + 3) / 4;

	bo_put32(p, (uint32_t)words | delta << 5, BO_LITTLE);
	memcpy(p + 4, payload, len);
	memset(p + 4 + len, 0, words * 4 - len);
	return 4 + words * 4;
}

/*
 * A sub-buffer of cpu: print events, a sample event, a time extend; page k of a CPU starts
 * at 1 s + k ms. missed: the commit word says events were lost before it (with a count).
 */
static void make_page(uint8_t *page, int cpu, int k, bool missed)
{
	uint8_t pl[64];
	size_t off = 16, n;
	int i;

	memset(page, 0, PAGE);
	bo_put64(page, 1000000000ull + k * 1000000ull, BO_LITTLE);
	for (i = 0; i < 2; i++) {
		memset(pl, 0, sizeof(pl));
		bo_put16(pl, PRINT_ID, BO_LITTLE);
		bo_put32(pl + 4, 100 + cpu, BO_LITTLE);
		bo_put64(pl + 8, 0xffffffff81000100ull, BO_LITTLE);
		n = 16 + snprintf((char *)pl + 16, sizeof(pl) - 16, "m%d.%d.%d\n", cpu, k, i) + 1;
		off += put_event(page + off, i ? 1000 : 0, pl, n);
	}
	/* A time extend (type 30) of 5 us. */
	bo_put32(page + off, 30 | 5000u << 5, BO_LITTLE);
	bo_put32(page + off + 4, 0, BO_LITTLE);
	off += 8;
	memset(pl, 0, sizeof(pl));
	bo_put16(pl, SAMPLE_ID, BO_LITTLE);
	bo_put32(pl + 4, 101, BO_LITTLE);
	pl[8] = k & 1;
	bo_put32(pl + 12, 3, BO_LITTLE);
	bo_put64(pl + 16, 123456789, BO_LITTLE);
	bo_put32(pl + 24, 28 | 5 << 16, BO_LITTLE);	/* who: 5 bytes at offset 28 */
	memcpy(pl + 28, "seed", 5);
	off += put_event(page + off, 0, pl, 33);
	/* As a 64-bit kernel adds the flags: an int, sign-extended into the long. */
	bo_put64(page + 8, (off - 16) | (missed ? 0xffffffffc0000000ull : 0), BO_LITTLE);
	if (missed)
		bo_put64(page + off, 7, BO_LITTLE);	/* the count, after the data */
}

/* data into dir/name (name alone when dir is NULL). */
static int put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fwrite(data, 1, len, f) == len ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

static int meta(struct tdw *w)
{
	struct tdbuf b = { 0 };
	int ret;

	tdbuf_str(&b, "header_page");
	tdbuf_u64(&b, strlen(header_page));
	tdbuf_put(&b, header_page, strlen(header_page));
	tdbuf_str(&b, "header_event");
	tdbuf_u64(&b, strlen(header_event));
	tdbuf_put(&b, header_event, strlen(header_event));
	ret = tdw_add_section(w, TD_SEC_HEADER_INFO, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, 1);
	tdbuf_u64(&b, strlen(print_format));
	tdbuf_put(&b, print_format, strlen(print_format));
	ret = ret ? ret : tdw_add_section(w, TD_SEC_FTRACE_EVENTS, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, 1);
	tdbuf_str(&b, "seed");
	tdbuf_u32(&b, 1);
	tdbuf_u64(&b, strlen(sample_format));
	tdbuf_put(&b, sample_format, strlen(sample_format));
	ret = ret ? ret : tdw_add_section(w, TD_SEC_EVENT_FORMATS, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, strlen(kallsyms));
	tdbuf_put(&b, kallsyms, strlen(kallsyms));
	ret = ret ? ret : tdw_add_section(w, TD_SEC_KALLSYMS, b.p, b.len);
	b.len = 0;
	tdbuf_u32(&b, strlen(printk));
	tdbuf_put(&b, printk, strlen(printk));
	ret = ret ? ret : tdw_add_section(w, TD_SEC_PRINTK, b.p, b.len);
	b.len = 0;
	tdbuf_u64(&b, strlen(cmdlines));
	tdbuf_put(&b, cmdlines, strlen(cmdlines));
	ret = ret ? ret : tdw_add_section(w, TD_SEC_CMDLINES, b.p, b.len);
	tdbuf_free(&b);
	return ret;
}

/* A file's end: finished, or with finish false the journal a killed record leaves. */
static int end_file(struct tdw *w, int fd, bool finish)
{
	if (!finish) {
		if (tdw_flush(w))
			return -1;
		tdw_abort(w);
		return close(fd);
	}
	if (tdw_finish(w))
		return -1;
	return close(fd);
}

/* A v7 file; finish = false leaves it as a killed record does (journal, flushed chunks). */
static int write_v7(const char *path, enum td_compression c, bool finish)
{
	struct tdw_opts o = { .compression = c, .page_size = PAGE, .buffer_name = "seed",
			      .clock = "local", .trace_clock = "[local] global boot",
			      .nr_cpus = 2 };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), cpu, k;
	uint8_t page[PAGE];
	struct tdw *w;

	w = fd >= 0 ? tdw_create(fd, &o) : NULL;
	if (!w || meta(w) || tdw_begin_data(w))
		return -1;
	for (k = 0; k < 2; k++)
		for (cpu = 0; cpu < 2; cpu++) {
			make_page(page, cpu, k, cpu == 1 && k == 1);
			if (tdw_add_subbuf(w, 0, cpu, page, PAGE))
				return -1;
		}
	tdw_set_cpustat(w, 0, 0, "entries: 4\noverrun: 0\n");
	return end_file(w, fd, finish);
}

/*
 * A v7 file of two buffers: the top level (256-byte sub-buffers, CPUs 0 and 1) and "seed"
 * (512-byte ones, CPU 1 only); finish = false leaves the journal a killed record does.
 */
static int write_v7_buffers(const char *path, enum td_compression c, bool finish)
{
	struct tdw_opts o = { .compression = c, .page_size = PAGE, .buffer_name = "",
			      .clock = "local", .trace_clock = "[local] global boot",
			      .nr_cpus = 2 };
	struct tdw_buffer_opts bo = { .name = "seed", .clock = "global", .page_size = 2 * PAGE };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), cpu, k;
	uint8_t page[2 * PAGE];
	struct tdw *w;

	w = fd >= 0 ? tdw_create(fd, &o) : NULL;
	if (!w || tdw_add_buffer(w, &bo) != 1 || meta(w) || tdw_begin_data(w))
		return -1;
	for (k = 0; k < 2; k++) {
		for (cpu = 0; cpu < 2; cpu++) {
			make_page(page, cpu, k, false);
			if (tdw_add_subbuf(w, 0, cpu, page, PAGE))
				return -1;
		}
		/* The rest of the larger sub-buffer stays zero. */
		memset(page, 0, sizeof(page));
		make_page(page, 1, k, k == 1);
		if (tdw_add_subbuf(w, 1, 1, page, 2 * PAGE))
			return -1;
	}
	tdw_set_cpustat(w, 0, 0, "entries: 4\noverrun: 0\n");
	tdw_set_cpustat(w, 1, 1, "entries: 2\noverrun: 0\n");
	return end_file(w, fd, finish);
}

static void pad_to(struct tdbuf *b, size_t align)
{
	static const uint8_t zero[PAGE];

	tdbuf_put(b, zero, (align - b->len % align) % align);
}

/* v6 as trace-cmd lays it out: metadata, CPU count, options, flyrecord, page-aligned data. */
static int write_v6(const char *path)
{
	struct tdbuf b = { 0 };
	uint8_t page[PAGE];
	size_t table;
	int cpu, k, ret;
	FILE *f;

	tdbuf_put(&b, TD_MAGIC, TD_MAGIC_LEN);
	tdbuf_str(&b, "6");
	tdbuf_put(&b, "\0\x08", 2);
	tdbuf_u32(&b, PAGE);
	tdbuf_str(&b, "header_page");
	tdbuf_u64(&b, strlen(header_page));
	tdbuf_put(&b, header_page, strlen(header_page));
	tdbuf_str(&b, "header_event");
	tdbuf_u64(&b, strlen(header_event));
	tdbuf_put(&b, header_event, strlen(header_event));
	tdbuf_u32(&b, 1);
	tdbuf_u64(&b, strlen(print_format));
	tdbuf_put(&b, print_format, strlen(print_format));
	tdbuf_u32(&b, 1);
	tdbuf_str(&b, "seed");
	tdbuf_u32(&b, 1);
	tdbuf_u64(&b, strlen(sample_format));
	tdbuf_put(&b, sample_format, strlen(sample_format));
	tdbuf_u32(&b, strlen(kallsyms));
	tdbuf_put(&b, kallsyms, strlen(kallsyms));
	tdbuf_u32(&b, strlen(printk));
	tdbuf_put(&b, printk, strlen(printk));
	tdbuf_u64(&b, strlen(cmdlines));
	tdbuf_put(&b, cmdlines, strlen(cmdlines));
	tdbuf_u32(&b, 2);
	tdbuf_put(&b, "options  ", 10);
	tdbuf_option(&b, TD_OPT_TRACECLOCK, "[local] global boot\n", 21);
	tdbuf_option(&b, TD_OPT_CPUSTAT, "CPU: 0\nentries: 4\n", 19);
	tdbuf_u16(&b, 0);
	tdbuf_put(&b, "flyrecord", 10);
	table = b.len;
	for (cpu = 0; cpu < 2; cpu++) {
		tdbuf_u64(&b, 0);
		tdbuf_u64(&b, 2 * PAGE);
	}
	for (cpu = 0; cpu < 2; cpu++) {
		pad_to(&b, PAGE);
		bo_put64((uint8_t *)b.p + table + cpu * 16, b.len, BO_LITTLE);
		for (k = 0; k < 2; k++) {
			make_page(page, cpu, k, cpu == 0 && k == 1);
			tdbuf_put(&b, page, PAGE);
		}
	}
	f = fopen(path, "w");
	ret = f && fwrite(b.p, 1, b.len, f) == b.len ? 0 : -1;
	if (f && fclose(f))
		ret = -1;
	tdbuf_free(&b);
	return ret;
}

/*
 * The journal begins with a padding section of 64 KiB per buffer (room to finish in place); an
 * empty one is as valid, and keeps the seed small.
 */
static int shrink_pad(const char *path, uint64_t pad)
{
	uint8_t h[TD_SEC_HDR_SIZE], *d, *p;
	FILE *f = fopen(path, "r");
	size_t n;
	int ret;

	if (!f)
		return -1;
	d = xmalloc(1 << 20);
	n = fread(d, 1, 1 << 20, f);
	fclose(f);
	bo_put16(h, TD_SEC_RC_PAD, BO_LITTLE);
	bo_put16(h + 2, 0, BO_LITTLE);
	bo_put32(h + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(h + 8, pad, BO_LITTLE);
	p = memmem(d, n, h, sizeof(h));
	if (!p || (size_t)(p - d) + sizeof(h) + pad > n) {
		free(d);
		return -1;
	}
	bo_put64(p + 8, 0, BO_LITTLE);
	memmove(p + sizeof(h), p + sizeof(h) + pad, n - (p - d) - sizeof(h) - pad);
	ret = put_file(NULL, path, d, n - pad);
	free(d);
	return ret;
}

/* fuzz_subbuf: five option bytes (both header sizes), then a sub-buffer. */
static int subbuf_seeds(const char *dir)
{
	uint8_t b[5 + PAGE] = { 0 };

	make_page(b + 5, 0, 0, false);
	if (put_file(dir, "seed-page", b, sizeof(b)))
		return -1;
	make_page(b + 5, 1, 1, true);
	return put_file(dir, "seed-page-missed", b, sizeof(b));
}

/*
 * An input of fuzz_tracedat_fmt: a zero byte, the records' length (u16) and records, then the
 * texts (header_page, kallsyms, printk formats, cmdlines, event formats), NUL between them.
 */
static int put_fmt_input(const char *dir, const char *name, const struct tdbuf *records,
			 const char *const *texts, size_t nr)
{
	struct tdbuf b = { 0 };
	size_t i;
	int ret;

	tdbuf_put(&b, (uint8_t[]){ 0 }, 1);
	tdbuf_u16(&b, records->len);
	tdbuf_put(&b, records->p, records->len);
	for (i = 0; i < nr; i++) {
		if (i)
			tdbuf_put(&b, "", 1);
		tdbuf_put(&b, texts[i], strlen(texts[i]));
	}
	ret = put_file(dir, name, b.p, b.len);
	tdbuf_free(&b);
	return ret;
}

/* fuzz_tracedat_fmt: flags, records, then header_page, kallsyms, printk, cmdlines, formats. */
static int fmt_seed(const char *dir)
{
	const char *texts[] = { header_page, kallsyms, printk, cmdlines, print_format,
				sched_switch_format, sample_format };
	uint8_t page[PAGE], sw[64] = { 0 };
	struct tdbuf r = { 0 };
	uint32_t w;
	size_t off = 16;
	int ret;

	/* The events of a sub-buffer as records: each header word gives the length. */
	make_page(page, 0, 0, false);
	while (off + 4 <= PAGE && (w = bo_get32(page + off, BO_LITTLE)) != 0) {
		size_t len = (w & 31) * 4;

		if ((w & 31) == 30) {
			off += 8;
			continue;
		}
		tdbuf_put(&r, (uint8_t[]){ len }, 1);
		tdbuf_put(&r, page + off + 4, len);
		off += 4 + len;
	}
	bo_put16(sw, 372, BO_LITTLE);
	bo_put32(sw + 4, 100, BO_LITTLE);
	memcpy(sw + 8, "bash", 5);
	bo_put32(sw + 24, 100, BO_LITTLE);
	bo_put32(sw + 28, 120, BO_LITTLE);
	bo_put64(sw + 32, 1, BO_LITTLE);
	memcpy(sw + 40, "seed-task", 10);
	bo_put32(sw + 56, 101, BO_LITTLE);
	bo_put32(sw + 60, 120, BO_LITTLE);
	tdbuf_put(&r, (uint8_t[]){ sizeof(sw) }, 1);
	tdbuf_put(&r, sw, sizeof(sw));
	ret = put_fmt_input(dir, "seed-formats", &r, texts, sizeof(texts) / sizeof(texts[0]));
	tdbuf_free(&r);
	return ret;
}

/*
 * fuzz_tracedat_fmt with a user event (the seventh format's system is user_events, whose
 * events print their fields through remotectl's handler): the format as Linux 7.2 writes it
 * and two records, user_events_writer's event 1 and its -x event 0.
 */
static const char user_event_format[] =
	"name: ue\nID: 400\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u32 seq;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 value;\toffset:12;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 letter;\toffset:20;\tsize:1;\tsigned:0;\n"
	"\tfield:char tag[];\toffset:21;\tsize:16;\tsigned:1;\n"
	"\tfield:__rel_loc char msg[];\toffset:37;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"seq=%u value=%llu letter=%u tag=%s msg=%s\", REC->seq, REC->value, "
	"REC->letter, REC->tag, __get_rel_str(msg)\n";

static void user_record(struct tdbuf *r, uint32_t seq, uint64_t value, uint8_t letter,
			const char *tag, size_t tag_len, const char *msg, size_t msg_len)
{
	uint8_t e[41 + 16] = { 0 };

	bo_put16(e, 400, BO_LITTLE);
	bo_put32(e + 4, 100, BO_LITTLE);
	bo_put32(e + 8, seq, BO_LITTLE);
	bo_put64(e + 12, value, BO_LITTLE);
	e[20] = letter;
	memcpy(e + 21, tag, tag_len);
	bo_put32(e + 37, (uint32_t)msg_len << 16, BO_LITTLE);
	memcpy(e + 41, msg, msg_len);
	tdbuf_put(r, (uint8_t[]){ 41 + msg_len }, 1);
	tdbuf_put(r, e, 41 + msg_len);
}

static int user_events_seed(const char *dir)
{
	struct tdbuf r = { 0 };
	const char *texts[] = { header_page, kallsyms, printk, cmdlines, "", "", "", "", "", "",
				user_event_format };
	int ret;

	user_record(&r, 1, 1000000007, 'B', "remotectl", 10, "event 1", 8);
	user_record(&r, 0xffffffff, 1ull << 63, 0, "0123456789abcdef", 16, "x\001y\351z\1770", 8);
	ret = put_fmt_input(dir, "seed-user-events", &r, texts, sizeof(texts) / sizeof(texts[0]));
	tdbuf_free(&r);
	return ret;
}

/* fuzz_remote_encode: a line, then the formats of the remote's events. */
static const char *const remote_formats[] = {
	"name: a\nID: 1\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:u64 id;\toffset:8;\tsize:8;\tsigned:0;\n\nprint fmt: \"id=%llu\", REC->id\n",
	"name: b\nID: 2\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:s32 x;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\tfield:u64 y;\toffset:8;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"x=%d y=%#llx\", REC->x, REC->y\n",
	"name: c\nID: 3\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:u8 r;\toffset:2;\tsize:1;\tsigned:0;\n\n"
	"print fmt: \"r=%s\", __print_symbolic(REC->r, { 0, \"smc\" }, { 1, \"hvc\" })\n",
	"name: d\nID: 4\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:char s[8];\toffset:2;\tsize:8;\tsigned:0;\n\nprint fmt: \"s=%s\", REC->s\n",
};
static const char *const remote_lines[] = {
	"[001]\t   12.000003: a id=5",
	"[000]\t    1.000000: b x=-7 y=0xff",
	"[002]\t    1.000000: c r=hvc",
	"[003]\t    2.500000: d s=abc",
	"CPU:1 [LOST 3 EVENTS]",
};

static int remote_seeds(const char *enc_dir, const char *text_dir)
{
	char name[32];
	size_t i, k;

	for (i = 0; i < sizeof(remote_lines) / sizeof(remote_lines[0]); i++) {
		struct tdbuf b = { 0 };
		int ret;

		tdbuf_put(&b, remote_lines[i], strlen(remote_lines[i]));
		for (k = 0; k < sizeof(remote_formats) / sizeof(remote_formats[0]); k++) {
			tdbuf_put(&b, "", 1);
			tdbuf_put(&b, remote_formats[k], strlen(remote_formats[k]));
		}
		snprintf(name, sizeof(name), "seed-%zu", i);
		ret = put_file(enc_dir, name, b.p, b.len) ||
		      put_file(text_dir, name, remote_lines[i], strlen(remote_lines[i]));
		tdbuf_free(&b);
		if (ret)
			return -1;
	}
	return 0;
}

/*
 * A trace.dat's texts and first records in fuzz_tracedat_fmt's layout: how an input that
 * failed in report's libtraceevent path is kept as that harness's regression.
 */
static int fmt_from(const char *in_path, const char *out_path)
{
	const struct tdr_blob *blobs[4];
	const struct tdr_info *in;
	struct tdbuf b = { 0 }, r = { 0 };
	struct ring_merge_event me;
	struct td_src *src;
	char err[256];
	struct tdr *t;
	int i, n = 0;

	t = tdr_open(in_path, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "%s: %s\n", in_path, err);
		return 1;
	}
	in = tdr_info(t);
	src = in->nr_buffers && in->buffers[0].nr_cpus ? td_src_new(t, 0, 0) : NULL;
	while (src && n++ < 32 && td_src_next(src, &me) > 0)
		if (!me.lost && me.len < 256 && r.len + 1 + me.len < 65536) {
			tdbuf_put(&r, (uint8_t[]){ me.len }, 1);
			tdbuf_put(&r, me.data, me.len);
		}
	td_src_free(src);
	tdbuf_put(&b, (uint8_t[]){ (in->big_endian ? 1 : 0) | (in->long_size == 4 ? 2 : 0) |
				   (in->page_size <= 256 ? 8 : 0) }, 1);
	tdbuf_u16(&b, r.len);
	tdbuf_put(&b, r.p, r.len);
	blobs[0] = &in->header_page;
	blobs[1] = &in->kallsyms;
	blobs[2] = &in->printk;
	blobs[3] = &in->cmdlines;
	for (i = 0; i < 4; i++) {
		if (blobs[i]->data)
			tdbuf_put(&b, blobs[i]->data, blobs[i]->len);
		tdbuf_put(&b, "", 1);
	}
	for (i = 0; i < in->nr_formats; i++) {
		tdbuf_put(&b, in->formats[i].text, in->formats[i].len);
		if (i + 1 < in->nr_formats)
			tdbuf_put(&b, "", 1);
	}
	i = put_file(NULL, out_path, b.p, b.len);
	tdbuf_free(&b);
	tdbuf_free(&r);
	tdr_close(t);
	return i ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const dirs[] = { "tracedat_read", "tracedat_fmt", "journal", "subbuf",
					    "remote_encode", "remote_text" };
	char d[6][2048], path[4096];
	int i;

	if (argc == 4 && !strcmp(argv[1], "--fmt-from"))
		return fmt_from(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR | --fmt-from TRACE.DAT OUT\n", argv[0]);
		return 2;
	}
	for (i = 0; i < 6; i++) {
		snprintf(d[i], sizeof(d[i]), "%s/%s", argv[1], dirs[i]);
		mkdir(d[i], 0755);
	}
	snprintf(path, sizeof(path), "%s/seed-v7-none.dat", d[0]);
	if (write_v7(path, TD_COMP_NONE, true))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-v7-zstd.dat", d[0]);
	if (write_v7(path, TD_COMP_ZSTD, true))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-v6-none.dat", d[0]);
	if (write_v6(path))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-v7-buffers-zstd.dat", d[0]);
	if (write_v7_buffers(path, TD_COMP_ZSTD, true))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-killed-none.dat", d[2]);
	if (write_v7(path, TD_COMP_NONE, false) || shrink_pad(path, 65536))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-killed-zstd.dat", d[2]);
	if (write_v7(path, TD_COMP_ZSTD, false) || shrink_pad(path, 65536))
		return 1;
	snprintf(path, sizeof(path), "%s/seed-killed-buffers-zstd.dat", d[2]);
	if (write_v7_buffers(path, TD_COMP_ZSTD, false) || shrink_pad(path, 2 * 65536))
		return 1;
	return fmt_seed(d[1]) || user_events_seed(d[1]) || subbuf_seeds(d[3]) ||
	       remote_seeds(d[4], d[5]) ? 1 : 0;
}
