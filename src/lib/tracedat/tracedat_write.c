// SPDX-License-Identifier: GPL-2.0
/* trace.dat v7 writer: headers, metadata sections, journal chunks, finishing. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "note.h"
#include "subbuf.h"
#include "tracedat_internal.h"
#include "tracedat_journal.h"
#include "tracedat_write.h"
#include "util.h"

#define MAX_CPU		65536
#define JOURNAL_RESERVE	(64u << 10)

struct tdw_cpu {
	uint8_t *held;		/* a sub-buffer that may still grow (tdw_add_unit) */
	size_t held_len;
	uint32_t held_base;	/* event bytes of it an earlier reader took (rebase()) */
	pthread_mutex_t lock;	/* held: the feeding thread vs tdw_finish() */
};

/* One trace buffer (target) of the file: the first from tdw_opts, more by tdw_add_buffer(). */
struct tdw_buf {
	char *name;
	char *clock;
	uint32_t page_size;
	struct tdw_cpu **cpus;	/* grown under tdw.lock */
	int nr_slots;
	char **cpustats;	/* per CPU, "CPU: N" and the stats text */
	int nr_cpustats;
	char *marker;		/* the CPUSTAT naming it, when the file has several buffers */
};

struct tdw {
	int out_fd;
	int fd;
	bool spool;
	bool own_fd;	/* fd is our O_RDWR reopening of out_fd */
	enum td_compression comp;
	int level;
	struct tdw_buf *bufs;	/* fixed once the data begins */
	int nr_bufs;
	char *trace_clock;
	int nr_cpus;

	pthread_mutex_t lock;	/* pos, the file append, counters */
	uint64_t pos;
	uint64_t options_ptr;	/* where the header's u64 options offset is */
	uint64_t page_size_at;	/* where the header's page size is */
	struct tdbuf opts1;
	uint64_t done_pos;
	uint64_t meta_off;
	bool data;
	bool failed;
	uint64_t pages;
	struct td_chunks *chunks;	/* the data, from tdw_begin_data() to finishing */
	ZSTD_CCtx *meta_cctx;		/* the metadata sections' (td_meta_compress()) */

	char *cmdlines_path;
	char *kallsyms_path;	/* read at the end, when symbols_needed() */
	char boot_id[40];	/* of the kernel kallsyms_path describes (the journal keeps it) */
	bool types_noted;	/* tdw_note_types() was called: types says what the data holds */
	bool types_unknown;	/* tdw_note_types(NULL): keep the symbols */
	uint8_t types[65536 / 8];	/* event type ids the data holds */
	uint8_t symbol_ids[65536 / 8];	/* ids whose formats can print a kernel symbol */

	uint8_t format_ids[65536 / 8];	/* event type ids whose formats the file holds */
	uint64_t formats_sec;		/* the EVENT_FORMATS section, 0 for none */
	size_t formats_opt;		/* its option's value: offset in opts1, then in the file */
	struct tdbuf late_formats;	/* a replacing EVENT_FORMATS body, for tdw_finish() */
	uint64_t cmdlines_sec;		/* the first CMDLINES section, 0 for none */
	size_t cmdlines_opt;		/* as formats_opt */
	struct tdbuf first_cmdlines;	/* its text, merged into the last (tdw_finish()) */
};

int tdw_parse_compression(const char *s, enum td_compression *c)
{
	if (!strcmp(s, "none"))
		*c = TD_COMP_NONE;
	else if (!strcmp(s, "zstd"))
		*c = TD_COMP_ZSTD;
	else
		return -EINVAL;
	return 0;
}

static int fail(struct tdw *w, const char *what, int err)
{
	if (!w->failed)
		note_error("writing trace.dat (%s): %s", what, strerror(err));
	w->failed = true;
	return -1;
}

static int append(struct tdw *w, const void *buf, size_t len, const char *what)
{
	int ret = td_pwrite(w->fd, buf, len, w->pos);

	if (ret)
		return fail(w, what, -ret);
	w->pos += len;
	return 0;
}

static int open_spool(void)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/remotectl-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	else
		note_error("cannot create a spool file in %s: %s", dir && *dir ? dir : "/tmp",
			   strerror(errno));
	free(path);
	return fd;
}

static int write_header(struct tdw *w)
{
	struct tdbuf b = { 0 };
	int ret;

	tdbuf_put(&b, TD_MAGIC, TD_MAGIC_LEN);
	tdbuf_str(&b, "7");
	tdbuf_put(&b, "\0\x08", 2);	/* little endian, 8-byte long */
	/* The first buffer's for now: header_page_size() may change it. */
	w->page_size_at = b.len;
	tdbuf_u32(&b, w->bufs[0].page_size);
	if (w->comp == TD_COMP_ZSTD) {
		tdbuf_str(&b, "zstd");
		tdbuf_str(&b, ZSTD_versionString());
	} else {
		tdbuf_str(&b, "none");
		tdbuf_str(&b, "");
	}
	w->options_ptr = b.len;
	tdbuf_u64(&b, 0);
	ret = append(w, b.p, b.len, "header");
	tdbuf_free(&b);
	return ret;
}

static bool bad_page_size(uint32_t page_size)
{
	if (page_size >= 64 && page_size <= (16u << 20))
		return false;
	note_error("trace.dat: unsupported sub-buffer size %u", page_size);
	return true;
}

static int new_buf(struct tdw *w, const char *name, const char *clock, uint32_t page_size)
{
	struct tdw_buf *b;

	w->bufs = xrealloc(w->bufs, (w->nr_bufs + 1) * sizeof(*w->bufs));
	b = &w->bufs[w->nr_bufs];
	memset(b, 0, sizeof(*b));
	b->name = xstrdup(name ? name : "");
	b->clock = xstrdup(clock ? clock : "local");
	b->page_size = page_size;
	return w->nr_bufs++;
}

struct tdw *tdw_create(int fd, const struct tdw_opts *o)
{
	struct tdw *w = xcalloc(1, sizeof(*w));
	struct stat st;
	int fl;

	w->out_fd = fd;
	w->comp = o->compression;
	w->level = o->level ? o->level : TD_ZSTD_LEVEL;
	new_buf(w, o->buffer_name, o->clock, o->page_size);
	w->trace_clock = o->trace_clock ? xstrdup(o->trace_clock) : NULL;
	w->nr_cpus = o->nr_cpus;
	pthread_mutex_init(&w->lock, NULL);
	if (bad_page_size(o->page_size))
		goto err;
	/* In place needs reading back (finishing copies the journal): O_RDWR, no O_APPEND. */
	fl = fcntl(fd, F_GETFL);
	w->fd = -1;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && fl >= 0 && !(fl & O_APPEND)) {
		if ((fl & O_ACCMODE) == O_RDWR) {
			w->fd = fd;
		} else {
			char *p = xasprintf("/proc/self/fd/%d", fd);

			w->fd = open(p, O_RDWR | O_CLOEXEC);
			w->own_fd = w->fd >= 0;
			free(p);
		}
		if (w->fd >= 0 && ftruncate(w->fd, 0)) {
			if (w->own_fd)
				close(w->fd);
			w->fd = -1;
			w->own_fd = false;
		}
	}
	if (w->fd < 0) {
		w->fd = open_spool();
		w->spool = true;
		if (w->fd < 0)
			goto err;
	}
	if (write_header(w))
		goto err;
	return w;
err:
	tdw_abort(w);
	return NULL;
}

int tdw_add_buffer(struct tdw *w, const struct tdw_buffer_opts *b)
{
	const char *name = b->name ? b->name : "";
	int i;

	if (w->data || w->failed) {
		note_error("trace.dat: a buffer must be added before the data begins");
		return -1;
	}
	if (w->nr_bufs >= TD_MAX_BUFFERS) {
		note_error("trace.dat: more than %d buffers", TD_MAX_BUFFERS);
		return -1;
	}
	/* trace-cmd finds a buffer by its name: two of one name would be one. */
	for (i = 0; i < w->nr_bufs; i++) {
		if (!strcmp(w->bufs[i].name, name)) {
			note_error("trace.dat: two buffers named '%s'", name);
			return -1;
		}
	}
	if (bad_page_size(b->page_size))
		return -1;
	return new_buf(w, name, b->clock, b->page_size);
}

size_t td_meta_compress(ZSTD_CCtx **cctx, int level, const void *body, size_t len,
			uint8_t **out)
{
	size_t cap = ZSTD_compressBound(len) + TD_CHUNK_HDR_SIZE, n;
	uint8_t *z;

	*out = NULL;
	if (len >= UINT32_MAX || (!*cctx && !(*cctx = ZSTD_createCCtx())))
		return 0;
	z = xmalloc(cap);
	ZSTD_CCtx_reset(*cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_setParameter(*cctx, ZSTD_c_compressionLevel, level);
	n = ZSTD_compress2(*cctx, z + TD_CHUNK_HDR_SIZE, cap - TD_CHUNK_HDR_SIZE, body, len);
	if (ZSTD_isError(n)) {
		free(z);
		return 0;
	}
	bo_put32(z, n, BO_LITTLE);
	bo_put32(z + 4, len, BO_LITTLE);
	*out = z;
	return n + TD_CHUNK_HDR_SIZE;
}

int tdw_add_section(struct tdw *w, uint16_t id, const void *body, size_t len)
{
	uint8_t h[TD_SEC_HDR_SIZE];
	uint16_t flags = 0;
	uint8_t *z = NULL;
	uint64_t off = w->pos;
	int ret;

	if (w->data || w->failed)
		return -1;
	/* The body is the u64 size, then the text. */
	if (id == TD_SEC_CMDLINES && !w->cmdlines_sec && len >= 8) {
		w->first_cmdlines.len = 0;
		tdbuf_put(&w->first_cmdlines, (const uint8_t *)body + 8, len - 8);
	}
	if (w->comp == TD_COMP_ZSTD) {
		size_t n = td_meta_compress(&w->meta_cctx, w->level, body, len, &z);

		if (n) {
			body = z;
			len = n;
			flags = TD_SEC_FL_COMPRESS;
		}
	}
	bo_put16(h, id, BO_LITTLE);
	bo_put16(h + 2, flags, BO_LITTLE);
	bo_put32(h + 4, TD_NO_STRING, BO_LITTLE);
	bo_put64(h + 8, len, BO_LITTLE);
	ret = append(w, h, sizeof(h), "metadata");
	if (!ret)
		ret = append(w, body, len, "metadata");
	free(z);
	if (!ret && id == TD_SEC_EVENT_FORMATS) {
		w->formats_sec = off;
		w->formats_opt = w->opts1.len + 6;	/* past the option's u16 id, u32 size */
	}
	if (!ret && id == TD_SEC_CMDLINES && !w->cmdlines_sec) {
		w->cmdlines_sec = off;
		w->cmdlines_opt = w->opts1.len + 6;
	}
	if (!ret)
		tdbuf_option_u64(&w->opts1, id, off);
	return ret;
}

uint8_t *tdw_format_ids(struct tdw *w)
{
	return w->format_ids;
}

/*
 * Can events of this format print a kernel symbol? Through the print fmt's symbol
 * conversions (%pS, %ps and the older %pF, %pf, %pB: ftrace's print, function and stack
 * events, kmem's call_site, hrtimer's function...), or through a libtraceevent plugin that
 * looks fields of these names up (kmem and hrtimer of kernels that printed them with %lx).
 * User events: the kernel prints their long-sized fields with %pS whatever their print fmt
 * says, and readers take a file's KALLSYMS as the sign that the kernel had kallsyms (which
 * changes how those print: text/user_events.c). A false yes only costs the symbols' bytes.
 */
static bool format_shows_symbols(const char *sys, const char *text, size_t len)
{
	static const char *const fields[] = { " call_site;", " function;", " ip;", " parent_ip;" };
	const char *p = memmem(text, len, "print fmt:", 10), *end = text + len;

	if (!p || (sys && !strcmp(sys, "user_events")))
		return true;
	for (; p + 2 < end; p++)
		if (p[0] == '%' && p[1] == 'p' && p[2] && strchr("sSfFB", p[2]))
			return true;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (memmem(text, len, fields[i], strlen(fields[i])))
			return true;
	return false;
}

void tdw_note_format(struct tdw *w, const char *sys, const char *text, size_t len)
{
	const char *p = memmem(text, len, "\nID: ", 5);
	char num[8] = "";
	unsigned long id;
	char *end;

	if (!p)
		return;
	p += 5;
	memcpy(num, p, (size_t)(text + len - p) < sizeof(num) - 1 ? (size_t)(text + len - p) :
	       sizeof(num) - 1);
	id = strtoul(num, &end, 10);
	if (end == num || *end != '\n' || id > 0xffff)
		return;
	w->format_ids[id >> 3] |= 1 << (id & 7);
	if (format_shows_symbols(sys, text, len))
		w->symbol_ids[id >> 3] |= 1 << (id & 7);
}

void tdw_note_types(struct tdw *w, const uint8_t *types)
{
	if (!types) {
		w->types_unknown = true;
		return;
	}
	for (size_t i = 0; i < sizeof(w->types); i++)
		w->types[i] |= types[i];
	w->types_noted = true;
}

/* Kernel symbols: only when a type the data holds can print one (or is of no known format). */
static bool symbols_needed(const struct tdw *w)
{
	if (w->types_unknown || !w->types_noted)
		return true;
	for (size_t i = 0; i < sizeof(w->types); i++)
		if (w->types[i] & (w->symbol_ids[i] | ~w->format_ids[i]))
			return true;
	return false;
}

void tdw_set_kallsyms_path(struct tdw *w, const char *path)
{
	free(w->kallsyms_path);
	w->kallsyms_path = xstrdup(path);
	if (read_line_file("/proc/sys/kernel/random/boot_id", w->boot_id, sizeof(w->boot_id)) <= 0)
		w->boot_id[0] = 0;
}

bool tdw_formats_cover(const struct tdw *w, const uint8_t *types)
{
	size_t i;

	for (i = 0; i < sizeof(w->format_ids); i++)
		if (types[i] & ~w->format_ids[i])
			return false;
	return true;
}

int tdw_set_late_formats(struct tdw *w, const void *body, size_t len)
{
	if (!w->data || w->failed || !w->formats_sec || len >= UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	w->late_formats.len = 0;
	tdbuf_put(&w->late_formats, body, len);
	return 0;
}

/*
 * Room in the journal (a hole, costing no disk) for what finishing adds on top of the chunks:
 * options 2 and CMDLINES up front, a page of alignment per CPU. With it the final sections fit
 * below the journal's end and can be moved down over it, so the journal does not stay in the
 * file as dead weight.
 */
static int append_pad(struct tdw *w, uint64_t size)
{
	int ret = td_write_section_header(w->fd, w->pos, TD_SEC_RC_PAD, 0, size);

	if (ret)
		return fail(w, "journal", -ret);
	w->pos += TD_SEC_HDR_SIZE + size;
	return 0;
}

/*
 * The page size of the file header. Each BUFFER option has its own, but trace-cmd 3.1.6 reads
 * the top level's data with the header's (it finds nothing when they differ), and lays out the
 * compressed data of every other buffer from an offset aligned to it, where a buffer of larger
 * sub-buffers finds its first CPU misaligned and stops after one sub-buffer. So: the top
 * level's when there is one, else the largest. (With a top level, an instance of larger
 * sub-buffers still reads only in an uncompressed file: docs/tracedat.md, section 4.)
 */
static uint32_t header_page_size(const struct tdw *w)
{
	uint32_t max = 0;
	int i;

	for (i = 0; i < w->nr_bufs; i++) {
		if (!w->bufs[i].name[0])
			return w->bufs[i].page_size;
		if (w->bufs[i].page_size > max)
			max = w->bufs[i].page_size;
	}
	return max;
}

int tdw_begin_data(struct tdw *w)
{
	struct tdbuf meta = { 0 };
	struct utsname u;
	uint8_t ptr[8], n[4];
	uint64_t off = w->pos;
	uint32_t *page_sizes;
	char *s;
	int ret = 0, i;

	if (w->data || w->failed)
		return -1;
	bo_put32(n, header_page_size(w), BO_LITTLE);
	if (w->nr_bufs > 1 && td_pwrite(w->fd, n, 4, w->page_size_at))
		return fail(w, "header", EIO);
	bo_put32(n, w->nr_cpus, BO_LITTLE);
	if (w->nr_cpus > 0)
		tdbuf_option(&w->opts1, TD_OPT_CPUCOUNT, n, 4);
	/*
	 * TRACECLOCK: trace-cmd only formats seconds for the clocks it knows; with [boot] it
	 * prints raw nanoseconds. boot is a nanosecond clock, so leave TRACECLOCK out for it
	 * (the BUFFER option still names the clock) and trace-cmd prints seconds like ours.
	 */
	if (w->trace_clock && strcmp(w->bufs[0].clock, "boot"))
		tdbuf_option(&w->opts1, TD_OPT_TRACECLOCK, w->trace_clock,
			     strlen(w->trace_clock) + 1);
	if (!uname(&u)) {
		s = xasprintf("%s %s %s %s", u.sysname, u.nodename, u.release, u.machine);
		tdbuf_option(&w->opts1, TD_OPT_UNAME, s, strlen(s) + 1);
		free(s);
	}
	s = "remotectl " REMOTECTL_VERSION;
	tdbuf_option(&w->opts1, TD_OPT_VERSION, s, strlen(s) + 1);
	tdbuf_option_u64(&w->opts1, TD_OPT_DONE, 0);
	ret = td_write_section_header(w->fd, off, TD_OPT_DONE, 0, w->opts1.len);
	if (ret)
		return fail(w, "options", -ret);
	w->pos += TD_SEC_HDR_SIZE;
	if (append(w, w->opts1.p, w->opts1.len, "options"))
		return -1;
	w->done_pos = w->pos - 8;
	if (w->formats_sec)
		w->formats_opt += off + TD_SEC_HDR_SIZE;
	if (w->cmdlines_sec)
		w->cmdlines_opt += off + TD_SEC_HDR_SIZE;
	bo_put64(ptr, off, BO_LITTLE);
	ret = td_pwrite(w->fd, ptr, 8, w->options_ptr);
	if (ret)
		return fail(w, "header", -ret);

	/*
	 * The journal begins with the RC_META section of the only buffer, or with an RC_BUFFER
	 * section per buffer in the order they came.
	 */
	w->meta_off = w->pos;
	page_sizes = xcalloc(w->nr_bufs, sizeof(*page_sizes));
	for (i = 0; !ret && i < w->nr_bufs; i++) {
		struct tdw_buf *b = &w->bufs[i];

		page_sizes[i] = b->page_size;
		meta.len = 0;
		td_journal_meta(&meta, w->nr_bufs > 1 ? i : -1, b->name, b->clock, b->page_size,
				w->comp == TD_COMP_ZSTD, w->kallsyms_path ? w->boot_id : NULL);
		ret = td_write_section_header(w->fd, w->pos,
					      w->nr_bufs > 1 ? TD_SEC_RC_BUFFER : TD_SEC_RC_META, 0,
					      meta.len);
		if (!ret) {
			w->pos += TD_SEC_HDR_SIZE;
			ret = append(w, meta.p, meta.len, "journal");
		} else {
			fail(w, "journal", -ret);
		}
	}
	tdbuf_free(&meta);
	/* Each buffer adds a BUFFER option and section to what finishing writes. */
	if (!ret)
		ret = append_pad(w, (uint64_t)JOURNAL_RESERVE * w->nr_bufs);
	if (!ret) {
		struct td_chunks_opts co = {
			.fd = w->fd, .pos = w->pos, .page_sizes = page_sizes,
			.nr_buffers = w->nr_bufs,
			.nr_cpus = w->nr_cpus, .zstd = w->comp == TD_COMP_ZSTD, .level = w->level,
			/* A spool is read back at the end: no need to sync it. */
			.sync = !w->spool,
		};

		w->chunks = td_chunks_start(&co);
		if (!w->chunks)
			ret = fail(w, "starting the writer threads", errno);
	}
	free(page_sizes);
	w->data = true;
	return ret;
}

/* The buffer numbered buffer, or NULL. */
static struct tdw_buf *get_buf(const struct tdw *w, int buffer)
{
	return buffer >= 0 && buffer < w->nr_bufs ? &w->bufs[buffer] : NULL;
}

static struct tdw_cpu *get_cpu(struct tdw *w, int buffer, int cpu)
{
	struct tdw_buf *b = get_buf(w, buffer);
	struct tdw_cpu *c;

	if (!b || cpu < 0 || cpu >= MAX_CPU)
		return NULL;
	pthread_mutex_lock(&w->lock);
	if (cpu >= b->nr_slots) {
		int n = cpu + 1;

		b->cpus = xrealloc(b->cpus, n * sizeof(*b->cpus));
		memset(b->cpus + b->nr_slots, 0, (n - b->nr_slots) * sizeof(*b->cpus));
		b->nr_slots = n;
	}
	c = b->cpus[cpu];
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		pthread_mutex_init(&c->lock, NULL);
		b->cpus[cpu] = c;
	}
	pthread_mutex_unlock(&w->lock);
	return c;
}

static int add_locked(struct tdw *w, int buffer, int cpu, const void *data, size_t len)
{
	int ret = td_chunks_add(w->chunks, buffer, cpu, data, len);

	return ret ? fail(w, "data", -ret) : 0;
}

static int release_held(struct tdw *w, int buffer, int cpu, struct tdw_cpu *c)
{
	int ret = 0;

	if (c->held_len)
		ret = add_locked(w, buffer, cpu, c->held, c->held_len);
	c->held_len = 0;
	c->held_base = 0;
	return ret;
}

#define COMMIT_SIZE_MASK	((1ull << 30) - 1)
#define COMMIT_STORED		(1ull << 30)

static uint64_t commit_word(const uint8_t *page, unsigned int hdr_size)
{
	return hdr_size == 16 ? bo_get64(page + 8, BO_LITTLE) : bo_get32(page + 8, BO_LITTLE);
}

/* The event bytes the header of sub-buffer page commits (flag bits off). */
static uint64_t commit_size(const uint8_t *page, unsigned int hdr_size)
{
	return commit_word(page, hdr_size) & COMMIT_SIZE_MASK;
}

/* Cut the commit of a held copy to end event bytes; a stored lost count no longer fits. */
static void cut_commit(uint8_t *page, unsigned int hdr_size, uint32_t end)
{
	uint64_t commit = commit_word(page, hdr_size);

	if ((commit & COMMIT_SIZE_MASK) <= end)
		return;
	commit = (commit & ~COMMIT_SIZE_MASK & ~COMMIT_STORED) | end;
	if (hdr_size == 16)
		bo_put64(page + 8, commit, BO_LITTLE);
	else
		bo_put32(page + 8, commit, BO_LITTLE);
}

/*
 * Hold a copy of the sub-buffer with only the events at [skip, end): they move to the start,
 * the page time stamp becomes the running time before the first of them (the shared decoder
 * computes it), and the loss flags, which belonged to the earlier reader, are dropped.
 */
static int rebase(const struct tdw_buf *b, struct tdw_cpu *c, const uint8_t *buf, size_t len,
		  uint32_t skip, uint32_t end, unsigned int hdr_size)
{
	struct ring_subbuf sb;

	if (ring_subbuf_init(&sb, buf, len, hdr_size) || ring_subbuf_skip(&sb, skip) ||
	    sb.pos != skip ||
	    end < skip || hdr_size + (size_t)end > len)
		return 0;	/* nothing trustworthy to keep: the decoder saw the same */
	if (!c->held)
		c->held = xmalloc(b->page_size);
	memset(c->held, 0, len);
	bo_put64(c->held, sb.ts, BO_LITTLE);
	if (hdr_size == 16)
		bo_put64(c->held + 8, end - skip, BO_LITTLE);
	else
		bo_put32(c->held + 8, end - skip, BO_LITTLE);
	memcpy(c->held + hdr_size, buf + hdr_size + skip, end - skip);
	c->held_len = len;
	c->held_base = skip;
	return 0;
}

int tdw_add_unit(struct tdw *w, int buffer, int cpu, const void *buf, size_t len, uint32_t skip,
		 uint32_t end, bool whole, unsigned int hdr_size)
{
	struct tdw_buf *b = get_buf(w, buffer);
	struct tdw_cpu *c;
	int ret = 0;

	if (!w->data || w->failed)
		return -1;
	if (!b || len > b->page_size || (hdr_size != 16 && hdr_size != 12) || len < hdr_size)
		return fail(w, "data", EINVAL);
	c = get_cpu(w, buffer, cpu);
	if (!c)
		return fail(w, "data", EINVAL);
	pthread_mutex_lock(&c->lock);
	/* skip == 0 starts a new sub-buffer: the held one is complete. */
	if (!skip)
		ret = release_held(w, buffer, cpu, c);
	if (!ret && !skip && whole && (!end || commit_size(buf, hdr_size) <= end)) {
		ret = add_locked(w, buffer, cpu, buf, len);
	} else if (!ret && skip && (!c->held_len || c->held_base)) {
		/*
		 * The start of this sub-buffer was read before us: keep only [skip, end), and
		 * when it grows, still only what follows the earlier reader's part.
		 */
		ret = rebase(b, c, buf, len, c->held_len ? c->held_base : skip, end, hdr_size);
	} else if (!ret) {
		if (!c->held)
			c->held = xmalloc(b->page_size);
		memcpy(c->held, buf, len);
		c->held_len = len;
		if (end)
			cut_commit(c->held, hdr_size, end);
	}
	/*
	 * Even a unit called full may be continued (a reader cannot always tell a full page
	 * from one the writer is still on), so only the next sub-buffer releases it.
	 */
	pthread_mutex_unlock(&c->lock);
	return ret;
}

uint8_t *tdw_reserve_subbuf(struct tdw *w, int buffer, int cpu, unsigned int *room)
{
	struct tdw_cpu *c;
	uint8_t *dst;

	if (!w->data || w->failed)
		return NULL;
	c = get_cpu(w, buffer, cpu);
	if (!c) {
		fail(w, "data", EINVAL);
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	/* A held mmap unit is complete once a read() copy follows it. */
	if (release_held(w, buffer, cpu, c)) {
		pthread_mutex_unlock(&c->lock);
		return NULL;
	}
	dst = td_chunks_reserve(w->chunks, buffer, cpu, room);
	if (!dst) {
		fail(w, "data", errno);
		pthread_mutex_unlock(&c->lock);
	}
	return dst;
}

void tdw_commit_subbuf(struct tdw *w, int buffer, int cpu, size_t len)
{
	struct tdw_cpu *c = get_cpu(w, buffer, cpu);

	td_chunks_commit(w->chunks, buffer, cpu, len);
	pthread_mutex_unlock(&c->lock);
}

int tdw_add_subbuf(struct tdw *w, int buffer, int cpu, const void *data, size_t len)
{
	struct tdw_buf *b = get_buf(w, buffer);
	struct tdw_cpu *c;
	int ret = 0;

	if (!w->data || w->failed)
		return -1;
	if (b && len > b->page_size) {
		note_error("trace.dat: sub-buffer of %zu bytes is larger than %u", len,
			   b->page_size);
		return -1;
	}
	c = get_cpu(w, buffer, cpu);
	if (!c)
		return fail(w, "data", EINVAL);
	pthread_mutex_lock(&c->lock);
	ret = release_held(w, buffer, cpu, c);
	if (!ret)
		ret = add_locked(w, buffer, cpu, data, len);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int tdw_flush(struct tdw *w)
{
	int ret;

	if (!w->chunks)
		return w->failed ? -1 : 0;
	ret = td_chunks_flush(w->chunks);
	return ret ? fail(w, "data", -ret) : 0;
}

void tdw_set_cpustat(struct tdw *w, int buffer, int cpu, const char *text)
{
	struct tdw_buf *b = get_buf(w, buffer);

	if (!b || cpu < 0 || cpu >= MAX_CPU)
		return;
	if (cpu >= b->nr_cpustats) {
		b->cpustats = xrealloc(b->cpustats, (cpu + 1) * sizeof(*b->cpustats));
		memset(b->cpustats + b->nr_cpustats, 0,
		       (cpu + 1 - b->nr_cpustats) * sizeof(*b->cpustats));
		b->nr_cpustats = cpu + 1;
	}
	free(b->cpustats[cpu]);
	/* trace-cmd's CPUSTAT starts with the CPU's number. */
	b->cpustats[cpu] = xasprintf("CPU: %d\n%s", cpu, text);
}

void tdw_set_cmdlines_path(struct tdw *w, const char *path)
{
	free(w->cmdlines_path);
	w->cmdlines_path = path ? xstrdup(path) : NULL;
}

uint32_t tdw_page_size(const struct tdw *w, int buffer)
{
	const struct tdw_buf *b = get_buf(w, buffer);

	return b ? b->page_size : 0;
}

uint64_t tdw_pages(const struct tdw *w)
{
	return w->chunks ? td_chunks_pages(w->chunks) : w->pages;
}

uint64_t tdw_bytes(const struct tdw *w)
{
	return w->chunks ? td_chunks_end(w->chunks) : w->pos;
}

/*
 * Stop the writer threads; the file position is again the writer's own. With j, the chunks
 * they wrote go into it (td_chunks_stop()).
 */
static int stop_chunks(struct tdw *w, struct td_journal *j)
{
	uint64_t stalls;
	int ret;

	if (!w->chunks)
		return 0;
	stalls = td_chunks_stalls(w->chunks);
	if (stalls)
		note_debug("trace.dat: the compressor or the disk fell behind; %" PRIu64 " waits",
			   stalls);
	w->pages = td_chunks_pages(w->chunks);
	ret = td_chunks_stop(w->chunks, &w->pos, j);
	w->chunks = NULL;
	return ret ? fail(w, "data", -ret) : 0;
}

static int stream_out(struct tdw *w)
{
	uint64_t off = 0, size = w->pos;
	char *buf = xmalloc(1 << 20);
	int ret = 0;

	if (lseek(w->fd, 0, SEEK_END) >= 0)
		size = lseek(w->fd, 0, SEEK_END);
	while (off < size) {
		size_t n = size - off < (1 << 20) ? size - off : (1 << 20);
		const char *p = buf;

		ret = td_pread(w->fd, buf, n, off);
		if (ret)
			break;
		off += n;
		while (n) {
			ssize_t k = write(w->out_fd, p, n);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				ret = -errno;
				goto out;
			}
			p += k;
			n -= k;
		}
	}
out:
	free(buf);
	if (ret)
		note_error("writing the trace.dat output: %s", strerror(-ret));
	return ret ? -1 : 0;
}

/*
 * The CPUSTAT texts in trace-cmd's order: with one buffer, its CPUs'; with several, the top
 * level's first, then each instance's after a line naming it (trace-cmd report --stat and
 * ours print them in turn). The strings stay w's; *n gets the count.
 */
static char **cpustats(struct tdw *w, int *n)
{
	char **all = xcalloc(1, sizeof(*all));
	int i, k, first;

	*n = 0;
	for (first = 1; first >= 0; first--) {
		for (i = 0; i < w->nr_bufs; i++) {
			struct tdw_buf *b = &w->bufs[i];
			bool named = w->nr_bufs > 1 && b->name[0];

			/* The top level's (or the only buffer's) first, unnamed. */
			if (named == first)
				continue;
			all = xrealloc(all, (*n + b->nr_cpustats + 1) * sizeof(*all));
			if (named) {
				free(b->marker);
				b->marker = xasprintf("\nBuffer: %s\n\n", b->name);
				all[(*n)++] = b->marker;
			}
			for (k = 0; k < b->nr_cpustats; k++)
				all[(*n)++] = b->cpustats[k];
		}
	}
	return all;
}

/*
 * The comms at the end, with those the first CMDLINES had of tasks the kernel has forgotten
 * since (its table keeps a task's latest name, and as many tasks as it holds). The first
 * CMDLINES is then pointed at this one too: trace-cmd keeps the first name it reads for a
 * pid, remotectl the last, and a task renamed during the capture (a shell's child that ran
 * grep) read differently.
 */
static char *final_cmdlines(struct tdw *w, struct td_final *fin)
{
	size_t len = 0;
	char *now = read_whole_file(w->cmdlines_path, 0, 1 << 16, &len);
	char *all;

	if (!w->cmdlines_sec) {
		fin->cmdlines_len = len;
		return now;
	}
	all = td_merge_cmdlines(now, now ? len : 0, (const char *)w->first_cmdlines.p,
				w->first_cmdlines.len, &fin->cmdlines_len);
	free(now);
	fin->cmdlines_opt = w->cmdlines_opt;
	fin->cmdlines_old = w->cmdlines_sec;
	return all;
}

int tdw_finish(struct tdw *w)
{
	struct td_final fin = { .level = w->level };
	char err[256];
	struct td_journal j;
	int ret = -1, i, k;

	if (!w->data && !w->failed)
		tdw_begin_data(w);
	for (k = 0; !w->failed && k < w->nr_bufs; k++)
		for (i = 0; !w->failed && i < w->bufs[k].nr_slots; i++)
			if (w->bufs[k].cpus[i])
				release_held(w, k, i, w->bufs[k].cpus[i]);
	if (w->failed || tdw_flush(w))
		goto out;
	/*
	 * The descriptions from the file, the chunks from the writer's own count: reading the
	 * journal back for its chunk headers was a pass over every byte of the data.
	 */
	if (td_journal_read_meta(w->fd, w->meta_off, tdw_bytes(w), &j, err, sizeof(err))) {
		note_error("finishing trace.dat: %s", err);
		goto out;
	}
	if (j.nr_buffers != w->nr_bufs) {
		note_error("finishing trace.dat: the journal holds %d of %d buffers", j.nr_buffers,
			   w->nr_bufs);
		td_journal_free(&j);
		goto out;
	}
	if (stop_chunks(w, &j)) {
		td_journal_free(&j);
		goto out;
	}
	if (w->cmdlines_path)
		fin.cmdlines = final_cmdlines(w, &fin);
	if (w->kallsyms_path && symbols_needed(w))
		td_final_read_kallsyms(&fin, w->kallsyms_path);
	if (w->late_formats.len) {
		fin.formats = w->late_formats.p;
		fin.formats_len = w->late_formats.len;
		fin.formats_opt = w->formats_opt;
		fin.formats_old = w->formats_sec;
	}
	fin.cpustats = cpustats(w, &fin.nr_cpustats);
	ret = td_journal_finish(w->fd, w->done_pos, &j, &fin, err, sizeof(err));
	td_journal_free(&j);
	if (ret < 0)
		note_error("%s", err);
	else if (ret > 0)
		note_warn("%s", err);
	ret = ret < 0 ? -1 : 0;
	if (!ret && w->spool)
		ret = stream_out(w);
out:
	free((void *)fin.cmdlines);
	free((void *)fin.kallsyms);
	free(fin.cpustats);
	tdw_abort(w);
	return ret;
}

static void free_buf(struct tdw_buf *b)
{
	int i;

	for (i = 0; i < b->nr_slots; i++) {
		if (!b->cpus[i])
			continue;
		pthread_mutex_destroy(&b->cpus[i]->lock);
		free(b->cpus[i]->held);
		free(b->cpus[i]);
	}
	for (i = 0; i < b->nr_cpustats; i++)
		free(b->cpustats[i]);
	free(b->cpustats);
	free(b->cpus);
	free(b->marker);
	free(b->name);
	free(b->clock);
}

void tdw_abort(struct tdw *w)
{
	int i;

	if (!w)
		return;
	/* What was queued is written: it stays recoverable. */
	stop_chunks(w, NULL);
	for (i = 0; i < w->nr_bufs; i++)
		free_buf(&w->bufs[i]);
	if ((w->spool || w->own_fd) && w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->lock);
	tdbuf_free(&w->opts1);
	tdbuf_free(&w->late_formats);
	tdbuf_free(&w->first_cmdlines);
	free(w->bufs);
	free(w->trace_clock);
	free(w->cmdlines_path);
	free(w->kallsyms_path);
	ZSTD_freeCCtx(w->meta_cctx);
	free(w);
}
