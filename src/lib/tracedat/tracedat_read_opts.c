// SPDX-License-Identifier: GPL-2.0
/* trace.dat reader: the v6 and v7 structure -- options, sections, buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedat_internal.h"
#include "util.h"

#define MAX_OPTION_SECTIONS	256
#define MAX_OPTIONS_SIZE	(16u << 20)

struct v6_buffer {
	uint64_t offset;
	char *name;
};

struct layout {
	uint64_t sec[TD_SEC_CMDLINES + 1];	/* v7 metadata section offsets, 0 = absent */
	struct v6_buffer *v6;
	int nr_v6;
};

static const char *const sec_names[] = {
	[TD_SEC_HEADER_INFO] = "HEADER_INFO section",
	[TD_SEC_FTRACE_EVENTS] = "FTRACE_EVENTS section",
	[TD_SEC_EVENT_FORMATS] = "EVENT_FORMATS section",
	[TD_SEC_KALLSYMS] = "KALLSYMS section",
	[TD_SEC_PRINTK] = "PRINTK section",
	[TD_SEC_CMDLINES] = "CMDLINES section",
};

static char *opt_string(const uint8_t *d, uint32_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, d, len);
	s[len] = 0;
	return s;
}

static struct tdr_buffer *new_buffer(struct tdr *r, const char *name, const char *clock,
				     uint32_t page_size)
{
	struct tdr_info *in = &r->info;
	struct tdr_buffer *b;

	in->buffers = xrealloc(in->buffers, (in->nr_buffers + 1) * sizeof(*b));
	b = &in->buffers[in->nr_buffers++];
	memset(b, 0, sizeof(*b));
	b->name = xstrdup(name);
	b->clock = xstrdup(clock);
	b->page_size = page_size;
	return b;
}

/* A CPU's data; sizes running past the end of the file are cut (the iterator reports it). */
static void add_cpu(struct tdr *r, struct tdr_buffer *b, int cpu, uint64_t off, uint64_t size)
{
	struct tdr_cpu *c;

	if (!size)
		return;
	if (off > r->size)
		off = size = 0;
	else if (size > r->size - off)
		size = r->size - off;
	b->cpus = xrealloc(b->cpus, (b->nr_cpus + 1) * sizeof(*c));
	c = &b->cpus[b->nr_cpus++];
	c->cpu = cpu;
	c->offset = off;
	c->size = size;
}

static int parse_buffer_v7(struct tdr *r, struct cur *c)
{
	uint32_t page_size, count, i;
	char *name = NULL, *clock = NULL;
	struct tdr_buffer *b;
	uint64_t off;
	int ret = -1;

	if (cur_u64(c, &off) || !(name = cur_str(c, 4096)) || !(clock = cur_str(c, 256)) ||
	    cur_u32(c, &page_size) || cur_u32(c, &count))
		goto out;
	if (page_size < 64 || page_size > (16u << 20) || count > TDR_MAX_ITEMS) {
		tdr_fail(r, "BUFFER option '%s': bad page size %u or CPU count %u", name,
			 page_size, count);
		goto out;
	}
	b = new_buffer(r, name, clock, page_size);
	for (i = 0; i < count; i++) {
		uint64_t coff, csize;
		uint32_t cpu;

		if (cur_u32(c, &cpu) || cur_u64(c, &coff) || cur_u64(c, &csize))
			goto out;
		add_cpu(r, b, cpu, coff, csize);
	}
	ret = 0;
out:
	free(name);
	free(clock);
	return ret;
}

static int parse_option(struct tdr *r, struct layout *l, uint16_t id, const uint8_t *d,
			uint32_t len)
{
	struct tdr_info *in = &r->info;
	struct cur c = { .r = r, .mem = d, .end = len, .part = "options" };

	switch (id) {
	case TD_OPT_CPUSTAT:
		if (in->nr_cpustats >= TDR_MAX_ITEMS)
			return 0;
		in->cpustats = xrealloc(in->cpustats, (in->nr_cpustats + 1) * sizeof(char *));
		in->cpustats[in->nr_cpustats++] = opt_string(d, len);
		return 0;
	case TD_OPT_TRACECLOCK:
		free(in->trace_clock);
		in->trace_clock = opt_string(d, len);
		return 0;
	case TD_OPT_UNAME:
		free(in->uname);
		in->uname = opt_string(d, len);
		return 0;
	case TD_OPT_VERSION:
		free(in->version_str);
		in->version_str = opt_string(d, len);
		return 0;
	case TD_OPT_CPUCOUNT:
		if (len >= 4 && cur_u32(&c, (uint32_t *)&in->cpu_count) == 0 &&
		    (in->cpu_count < 0 || in->cpu_count > TDR_MAX_ITEMS))
			in->cpu_count = 0;
		return 0;
	case TD_OPT_BUFFER:
		c.part = "BUFFER option";
		if (in->version == 7)
			return parse_buffer_v7(r, &c);
		l->v6 = xrealloc(l->v6, (l->nr_v6 + 1) * sizeof(*l->v6));
		if (cur_u64(&c, &l->v6[l->nr_v6].offset) ||
		    !(l->v6[l->nr_v6].name = cur_str(&c, 4096)))
			return -1;
		l->nr_v6++;
		return 0;
	case TD_SEC_HEADER_INFO ... TD_SEC_CMDLINES:
		if (in->version == 7 && cur_u64(&c, &l->sec[id]))
			return tdr_fail(r, "option %u: truncated offset", id);
		return 0;
	default:
		return 0;
	}
}

/* Options from c until DONE; *next = DONE's value (v7) or 0. */
static int parse_options(struct tdr *r, struct layout *l, struct cur *c, uint64_t *next)
{
	int n;

	*next = 0;
	for (n = 0; n < TDR_MAX_ITEMS; n++) {
		uint16_t id;
		uint32_t size;
		uint8_t *d;
		int ret;

		if (cur_u16(c, &id))
			return -1;
		if (!id && r->info.version == 6)
			return 0;
		if (cur_u32(c, &size))
			return -1;
		if (size > MAX_OPTIONS_SIZE)
			return tdr_fail(r, "%s: option %u has size %u", c->part, id, size);
		d = (uint8_t *)cur_blob(c, size);
		if (!d)
			return -1;
		if (!id) {
			struct cur dc = { .r = r, .mem = d, .end = size, .part = c->part };

			ret = size >= 8 ? cur_u64(&dc, next) : 0;
			free(d);
			return ret;
		}
		ret = parse_option(r, l, id, d, size);
		free(d);
		if (ret)
			return -1;
	}
	return tdr_fail(r, "%s: too many options", c->part);
}

/* Open a v7 section at off into a cursor (inflating it when compressed); *mem to free. */
static int open_section(struct tdr *r, uint64_t off, uint16_t want, const char *part,
			struct cur *out, uint8_t **mem)
{
	struct cur c = { .r = r, .pos = off, .end = r->size, .part = part };
	uint16_t id, flags;
	uint32_t str, csize, usize;
	uint64_t size;

	*mem = NULL;
	if (cur_u16(&c, &id) || cur_u16(&c, &flags) || cur_u32(&c, &str) || cur_u64(&c, &size))
		return -1;
	(void)str;
	if (id != want)
		return tdr_fail(r, "%s: offset %llu holds section %u, not %u", part,
				(unsigned long long)off, id, want);
	if (size > r->size - c.pos)
		return tdr_fail(r, "%s: size %llu runs past the end of the file", part,
				(unsigned long long)size);
	c.end = c.pos + size;
	*out = c;
	if (!(flags & TD_SEC_FL_COMPRESS))
		return 0;
	if (r->codec == TDR_CODEC_NONE)
		return tdr_fail(r, "%s: compressed, but the file has no codec", part);
	if (cur_u32(&c, &csize) || cur_u32(&c, &usize))
		return -1;
	*mem = tdr_inflate(r, &c, csize, usize, part);
	if (!*mem)
		return -1;
	out->mem = *mem;
	out->pos = 0;
	out->end = usize;
	return 0;
}

static int load_section(struct tdr *r, struct layout *l, uint16_t id)
{
	struct tdr_info *in = &r->info;
	uint8_t *mem;
	struct cur c;
	int ret;

	if (!l->sec[id])
		return 0;
	if (open_section(r, l->sec[id], id, sec_names[id], &c, &mem))
		return -1;
	switch (id) {
	case TD_SEC_HEADER_INFO:
		ret = tdr_parse_header_info(&c);
		break;
	case TD_SEC_FTRACE_EVENTS:
		ret = tdr_parse_ftrace_events(&c);
		break;
	case TD_SEC_EVENT_FORMATS:
		ret = tdr_parse_event_formats(&c);
		break;
	case TD_SEC_KALLSYMS:
		ret = tdr_parse_text(&c, &in->kallsyms, false);
		break;
	case TD_SEC_PRINTK:
		ret = tdr_parse_text(&c, &in->printk, false);
		break;
	default:
		ret = tdr_parse_text(&c, &in->cmdlines, true);
		break;
	}
	free(mem);
	return ret;
}

int tdr_load_v7_header(struct tdr *r, struct cur *c, uint64_t *next)
{
	struct tdr_info *in = &r->info;
	char *codec, *ver;

	c->part = "compression header";
	codec = cur_str(c, 63);
	ver = codec ? cur_str(c, 63) : NULL;
	if (!ver) {
		free(codec);
		return -1;
	}
	snprintf(in->compression, sizeof(in->compression), "%s", codec);
	free(codec);
	free(ver);
	if (!strcmp(in->compression, "zstd")) {
		r->codec = TDR_CODEC_ZSTD;
		r->dctx = tdr_dctx_get();
		if (!r->dctx)
			return tdr_fail(r, "out of memory for a zstd context");
	}
	else if (!strcmp(in->compression, "zlib"))
		r->codec = TDR_CODEC_ZLIB;
	else if (strcmp(in->compression, "none"))
		return tdr_fail(r, "compression '%s' is not supported (none, zstd and zlib are)",
				in->compression);
	return cur_u64(c, next);
}

int tdr_load_v7(struct tdr *r, struct cur *c)
{
	struct tdr_info *in = &r->info;
	struct layout l;
	uint64_t next, seen[MAX_OPTION_SECTIONS];
	int n = 0, i, id;

	memset(&l, 0, sizeof(l));
	if (tdr_load_v7_header(r, c, &next))
		return -1;
	if (!next)
		return tdr_fail(r, "file header: no options (an interrupted record? try 'remotectl recover')");
	while (next) {
		uint8_t *mem;
		struct cur oc;
		int ret;

		for (i = 0; i < n; i++)
			if (seen[i] == next)
				return tdr_fail(r, "options sections form a loop at offset %llu",
						(unsigned long long)next);
		if (n == MAX_OPTION_SECTIONS)
			return tdr_fail(r, "too many options sections");
		seen[n++] = next;
		if (open_section(r, next, TD_OPT_DONE, "options section", &oc, &mem))
			return -1;
		ret = parse_options(r, &l, &oc, &next);
		free(mem);
		if (ret)
			return -1;
	}
	if (!in->nr_buffers)
		return tdr_fail(r, "no trace data (no BUFFER option; an interrupted record? "
				   "try 'remotectl recover')");
	if (!l.sec[TD_SEC_HEADER_INFO])
		return tdr_fail(r, "no HEADER_INFO section (an interrupted record? try 'remotectl recover')");
	for (id = TD_SEC_HEADER_INFO; id <= TD_SEC_CMDLINES; id++)
		if (load_section(r, &l, id))
			return -1;
	return 0;
}

static const char *clock_from_text(const char *text, char *buf, size_t size)
{
	const char *a = text ? strchr(text, '[') : NULL, *b = a ? strchr(a, ']') : NULL;

	if (!a || !b || (size_t)(b - a) > size)
		return "";
	snprintf(buf, size, "%.*s", (int)(b - a - 1), a + 1);
	return buf;
}

/* "flyrecord\0" + cpus x (u64 offset, u64 size) at c. */
static int parse_flyrecord(struct tdr *r, struct cur *c, const char *name, int cpus)
{
	char tag[10], clock[64];
	struct tdr_buffer *b;
	int i;

	if (cur_read(c, tag, 10) || memcmp(tag, "flyrecord", 10))
		return tdr_fail(r, "%s: no flyrecord block", c->part);
	b = new_buffer(r, name, clock_from_text(r->info.trace_clock, clock, sizeof(clock)),
		       r->info.page_size);
	for (i = 0; i < cpus; i++) {
		uint64_t off, size;

		if (cur_u64(c, &off) || cur_u64(c, &size))
			return -1;
		add_cpu(r, b, i, off, size);
	}
	return 0;
}

int tdr_load_v6(struct tdr *r, struct cur *c)
{
	struct tdr_info *in = &r->info;
	struct layout l;
	uint64_t next;
	uint32_t cpus;
	char tag[10];
	int i, ret = -1;

	memset(&l, 0, sizeof(l));
	c->part = "header_page";
	if (tdr_parse_header_info(c))
		return -1;
	c->part = "ftrace event formats";
	if (tdr_parse_ftrace_events(c))
		return -1;
	c->part = "event formats";
	if (tdr_parse_event_formats(c))
		return -1;
	c->part = "kallsyms";
	if (tdr_parse_text(c, &in->kallsyms, false))
		return -1;
	c->part = "printk formats";
	if (tdr_parse_text(c, &in->printk, false))
		return -1;
	c->part = "saved cmdlines";
	if (tdr_parse_text(c, &in->cmdlines, true))
		return -1;
	c->part = "CPU count";
	if (cur_u32(c, &cpus))
		return -1;
	if (cpus > TDR_MAX_ITEMS)
		return tdr_fail(r, "CPU count %u is not plausible", cpus);
	in->cpu_count = cpus;
	for (;;) {
		c->part = "options";
		if (cur_read(c, tag, 10))
			goto out;
		if (!memcmp(tag, "options  ", 10)) {
			if (parse_options(r, &l, c, &next))
				goto out;
			continue;
		}
		if (!memcmp(tag, "latency  ", 10)) {
			tdr_fail(r, "latency-format (text) files are not supported");
			goto out;
		}
		c->pos -= 10;
		c->part = "flyrecord";
		if (parse_flyrecord(r, c, "", cpus))
			goto out;
		break;
	}
	for (i = 0; i < l.nr_v6; i++) {
		struct cur bc = { .r = r, .pos = l.v6[i].offset, .end = r->size,
				  .part = "BUFFER option data" };

		if (parse_flyrecord(r, &bc, l.v6[i].name, cpus))
			goto out;
	}
	ret = 0;
out:
	for (i = 0; i < l.nr_v6; i++)
		free(l.v6[i].name);
	free(l.v6);
	return ret;
}
