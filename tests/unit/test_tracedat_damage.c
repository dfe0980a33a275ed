// SPDX-License-Identifier: GPL-2.0
/*
 * Damaged files: cut at every section boundary (and every 251 bytes), and random byte flips.
 * The reader must fail with one line or deliver what is intact -- never crash or overrun
 * (run under ASan/UBSan with `make unit-asan`).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "tracedat_events.h"
#include "tracedat_fmt.h"
#include "tracedat_read.h"
#include "tracedat_synth.h"
#include "util.h"

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len);
	if (fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

struct outcome {
	int opened, refused, multiline, events;
};

/* Read everything a report would; returns events decoded. */
static void exercise(const uint8_t *data, size_t len, struct outcome *o)
{
	int fd = memfd_create("tracedat", 0), b, i;
	struct trace_seq s;
	struct tdr *r;
	struct text_dat_fmt *f;
	char err[256];

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return;
	r = tdr_open_fd(fd, err, sizeof(err));
	if (!r) {
		o->refused++;
		if (strchr(err, '\n') || !err[0])
			o->multiline++;
		return;
	}
	o->opened++;
	f = text_dat_fmt_new(tdr_info(r), NULL, NULL);
	trace_seq_init(&s);
	for (b = 0; b < tdr_info(r)->nr_buffers; b++) {
		for (i = 0; i < tdr_info(r)->buffers[b].nr_cpus; i++) {
			struct td_src *src = td_src_new(r, b, i);
			struct ring_merge_event me;

			while (src && td_src_next(src, &me) > 0) {
				struct text_dat_event ev = { me.ts, td_src_cpu(src), b, me.data,
							    me.len };

				trace_seq_reset(&s);
				if (me.lost)
					text_dat_fmt_loss(f, &s, b, ev.cpu, me.lost);
				else
					text_dat_fmt_event(f, &s, &ev);
				o->events += !me.lost;
			}
			td_src_free(src);
		}
	}
	trace_seq_destroy(&s);
	text_dat_fmt_free(f);
	tdr_close(r);
}

/* Section starts, header ends and ends, walking from the first section. */
static int boundaries(const uint8_t *d, size_t len, size_t *out, int max)
{
	size_t pos = TD_MAGIC_LEN + 2 + 2 + 4;
	int n = 0;

	pos += strnlen((const char *)d + pos, len - pos) + 1;
	pos += strnlen((const char *)d + pos, len - pos) + 1;
	pos += 8;
	while (pos + TD_SEC_HDR_SIZE <= len && n + 3 < max) {
		uint64_t size = bo_get64(d + pos + 8, BO_LITTLE);

		out[n++] = pos;
		out[n++] = pos + TD_SEC_HDR_SIZE;
		if (size > len - pos - TD_SEC_HDR_SIZE)
			break;
		pos += TD_SEC_HDR_SIZE + size;
		out[n++] = pos;
	}
	return n;
}

static void damage(const char *name, enum td_compression c)
{
	const char *path = synth_tmp("damage.dat");
	struct outcome cut = { 0 }, flip = { 0 }, whole = { 0 };
	size_t len, b[4096], i;
	uint8_t *d, *copy;
	int fd, n;
	unsigned int seed = 12345;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	synth_file(fd, c, 2, 700, true, false);
	close(fd);
	d = load(path, &len);
	unlink(path);
	if (!d) {
		CHECK(0, "%s: synthetic file", name);
		return;
	}
	exercise(d, len, &whole);
	CHECK(whole.opened == 1 && whole.events == 1400, "%s: intact file reads (%d events)",
	      name, whole.events);

	n = boundaries(d, len, b, 4096);
	CHECK(n >= 12, "%s: %d section boundaries found", name, n);
	for (i = 0; i < (size_t)n; i++) {
		if (b[i] > 0)
			exercise(d, b[i] - 1, &cut);
		exercise(d, b[i], &cut);
		if (b[i] + 1 < len)
			exercise(d, b[i] + 1, &cut);
	}
	for (i = 0; i < len; i += 251)
		exercise(d, i, &cut);
	CHECK(cut.multiline == 0, "%s: cut files: %d refused with one line, %d opened", name,
	      cut.refused, cut.opened);

	copy = malloc(len);
	for (i = 0; i < 1500; i++) {
		size_t at = rand_r(&seed) % len;
		int k, flips = 1 + rand_r(&seed) % 4;

		memcpy(copy, d, len);
		for (k = 0; k < flips; k++, at = rand_r(&seed) % len)
			copy[at] ^= 1 + rand_r(&seed) % 255;
		exercise(copy, len, &flip);
	}
	CHECK(flip.multiline == 0, "%s: flipped files: %d refused with one line, %d opened "
	      "(%d events)", name, flip.refused, flip.opened, flip.events);
	free(copy);
	free(d);
}

/* Under ASan: libtraceevent leaks when it rejects damaged format text; not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

int main(void)
{
	damage("none", TD_COMP_NONE);
	damage("zstd", TD_COMP_ZSTD);
	return fails ? 1 : 0;
}
