// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for what `remotectl report` hands libtraceevent from a trace.dat: the
 * format checks (td_format_problem(), header_page, printk lines), libtraceevent's parse of
 * what passes them (formats, header_page, kallsyms, printk formats, saved cmdlines, with its
 * plugins), and the text of records printed with them (text_dat_fmt_event(), and every other
 * pair as report's jobs print them, text_dat_fmt_event_deps()). The input is laid
 * out for the mutator, not as a file (fuzz_tracedat_read covers the file):
 *
 *	u8 flags		bit 0 big endian, bit 1 4-byte longs, bit 2 raw clock,
 *				bit 3 sub-buffers of 256 bytes instead of 4096
 *	u16 n, n bytes		records, each a u8 length and that many bytes
 *	texts, NUL-separated	header_page, kallsyms, printk, cmdlines, then event formats
 *				(of the systems in systems[], in turn: plugins pick events
 *				by system and name, and the seventh is user_events)
 *
 * Every record is printed both by libtraceevent and by the fast path (REMOTECTL_FASTFMT=check,
 * text_internal.h): a line of the fast path that differs from libtraceevent's is a finding.
 * A REMOTECTL_FASTFMT already set wins: =off replays an input through libtraceevent alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "text_internal.h"
#include "util.h"

#define MAX_TEXTS	36

/* user_events last: its events print through remotectl's own handler (user_events.c). */
static const char *const systems[] = { "ftrace", "sched", "fz", "timer", "kmem", "kvm",
				       "user_events" };
#define NR_SYSTEMS	(sizeof(systems) / sizeof(systems[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tep_handle *plugin_tep;
static struct tep_plugin_list *plugins;

/* The check's message says which line differed. */
static void say_error(enum note_level level, const char *msg)
{
	if (level == NOTE_ERROR)
		fprintf(stderr, "%s\n", msg);
}

/*
 * text_dat_fmt_new() loads libtraceevent's plugins for every file, as report does once. Holding
 * them loaded here makes each later dlopen() a reference count instead of mapping ~20 shared
 * objects per input; their handlers still run on every input.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("REMOTECTL_FASTFMT", "check", 0);
	note_set_handler(say_error, NOTE_ERROR);
	plugin_tep = tep_alloc();
	if (plugin_tep)
		plugins = tep_load_plugins(plugin_tep);
	return 0;
}

/* A NUL-terminated copy of n bytes (the reader's blobs are NUL-terminated too). */
static char *copy(const uint8_t *p, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdr_format formats[MAX_TEXTS];
	struct tdr_cpu cpus[2] = { { 0, 0, 1 }, { 1, 0, 1 } };
	struct tdr_buffer bufs[2] = { { "", "local", 0, 1, &cpus[0] },
				      { "fz", "local", 0, 1, &cpus[1] } };
	struct tdr_blob *blobs[4];
	const uint8_t *rec, *p, *end = data + size;
	struct trace_seq seq;
	struct tdr_info in;
	struct text_dat_fmt *f;
	size_t nrec, i;
	int nt = 0, k;

	if (size < 3)
		return 0;
	memset(&in, 0, sizeof(in));
	in.version = 7;
	in.big_endian = data[0] & 1;
	in.long_size = data[0] & 2 ? 4 : 8;
	in.page_size = data[0] & 8 ? 256 : 4096;
	in.trace_clock = data[0] & 4 ? "[x86-tsc] local" : "[local] global";
	bufs[0].page_size = bufs[1].page_size = in.page_size;
	in.buffers = bufs;
	in.nr_buffers = 2;
	nrec = data[1] | data[2] << 8;
	rec = data + 3;
	if (nrec > size - 3)
		nrec = size - 3;
	blobs[0] = &in.header_page;
	blobs[1] = &in.kallsyms;
	blobs[2] = &in.printk;
	blobs[3] = &in.cmdlines;
	for (p = rec + nrec; p < end && nt < 4 + MAX_TEXTS;) {
		const uint8_t *z = memchr(p, 0, end - p);
		size_t n = (z ? z : end) - p;

		if (nt < 4) {
			blobs[nt]->data = copy(p, n);
			blobs[nt]->len = n;
		} else {
			formats[nt - 4].system = (char *)systems[(nt - 4) % NR_SYSTEMS];
			formats[nt - 4].text = copy(p, n);
			formats[nt - 4].len = n;
		}
		nt++;
		p += n + 1;
	}
	in.formats = formats;
	in.nr_formats = nt > 4 ? nt - 4 : 0;
	f = text_dat_fmt_new(&in, NULL, NULL);
	trace_seq_init(&seq);
	for (i = 0, k = 0; f && i < nrec; k++) {
		size_t len = rec[i];
		struct text_dat_event ev = { 1000000000ull + k, k & 1, k & 1, rec + i + 1, 0 };
		char name[128];

		if (len > nrec - i - 1)
			len = nrec - i - 1;
		ev.size = len;
		trace_seq_reset(&seq);
		if (k & 2) {
			/* As report's jobs make lines: what the line depends on, too. */
			struct text_line_deps d;
			const char *line;
			size_t line_len;

			if (text_dat_fmt_event_deps(f, &seq, &ev, &line, &line_len, &d) ||
			    d.nr_regs < 0 || d.nr_regs > 2 || (d.ordered && line_len) ||
			    (d.dyn && strlen(d.comm) >= TEXT_COMM_MAX) ||
			    (!d.ordered && (!line_len || line[line_len - 1] != '\n')))
				abort();
		} else if (text_dat_fmt_event(f, &seq, &ev)) {
			abort();
		}
		text_dat_fmt_event_name(f, &ev, name, sizeof(name));
		i += 1 + len;
	}
	if (f) {
		trace_seq_reset(&seq);
		text_dat_fmt_loss(f, &seq, 1, 1, nrec);
	}
	trace_seq_destroy(&seq);
	text_dat_fmt_free(f);
	for (k = 0; k < 4; k++)
		free(blobs[k]->data);
	for (k = 0; k < in.nr_formats; k++)
		free(formats[k].text);
	return 0;
}
