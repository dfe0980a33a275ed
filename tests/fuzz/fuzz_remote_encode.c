// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the inversion of a remote's print formats (remote_encode.c): an
 * events directory and a line, both from the input. The formats are those a kernel could
 * print (td_format_problem() passes them: tracefs is not an attacker, and libtraceevent's
 * own parser is fuzzed by fuzz_tracedat_fmt); the line is anything. Whatever they say, the
 * payload stays inside REMOTE_PAYLOAD_MAX and every line is stored, with its fields or as text.
 *
 *	texts, NUL-separated	the line, then up to 8 format files (events e0, e1, ...)
 *
 * The directory is rewritten for every input, on tmpfs when there is one, under
 * $REMOTECTL_FUZZ_DIR when set.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote_encode.h"
#include "remote_text.h"
#include "tracedat_fmt.h"
#include "tracedat_fmtcheck.h"
#include "util.h"

#define MAX_EVENTS	8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[128], sys[160];
static int nr_dirs;

static void cleanup(void)
{
	char path[224];
	int i;

	for (i = 0; i < nr_dirs; i++) {
		snprintf(path, sizeof(path), "%s/e%d/format", sys, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/e%d", sys, i);
		rmdir(path);
	}
	rmdir(sys);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("REMOTECTL_FUZZ_DIR");

	(void)argc;
	(void)argv;
	if (!base)
		base = is_dir("/dev/shm") ? "/dev/shm" : "/tmp";
	/* A crash or a leak report ends the process without atexit(): tests/fuzz/run cleans. */
	snprintf(root, sizeof(root), "%s/remotectl-fuzz-XXXXXX", base);
	if (!mkdtemp(root))
		abort();
	snprintf(sys, sizeof(sys), "%s/fz", root);
	if (mkdir(sys, 0700))
		abort();
	atexit(cleanup);
	return 0;
}

/* Event directory i holds text (n bytes) as its format, or no format. */
static void put_format(int i, const uint8_t *text, size_t n)
{
	char path[224];
	FILE *f;

	snprintf(path, sizeof(path), "%s/e%d", sys, i);
	if (i >= nr_dirs) {
		mkdir(path, 0700);
		nr_dirs = i + 1;
	}
	strcat(path, "/format");
	if (!text) {
		unlink(path);
		return;
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	if (fwrite(text, 1, n, f) != n)
		abort();
	if (fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t payload[REMOTE_PAYLOAD_MAX + 64];
	const uint8_t *p = data, *end = data + size, *z;
	struct remote_encode_stats before, after;
	struct remote_encoder *enc;
	size_t line_len, len;
	struct remote_line r;
	char *line;
	int i = 0;

	z = memchr(p, 0, size);
	line_len = (z ? z : end) - p;
	line = xmalloc(line_len ? line_len : 1);
	memcpy(line, p, line_len);
	p += line_len + 1;
	for (; i < MAX_EVENTS && p < end; i++) {
		size_t n;

		z = memchr(p, 0, end - p);
		n = (z ? z : end) - p;
		/* What no kernel prints is not written (see above). */
		put_format(i, td_format_problem((const char *)p, n, 4096, NULL, NULL) ? NULL : p, n);
		p += n + 1;
	}
	for (; i < nr_dirs; i++)
		put_format(i, NULL, 0);
	if (remote_encoder_new(root, "fz", &enc)) {
		free(line);
		return 0;
	}
	if (remote_line_parse(line, line_len, &r) == REMOTE_LINE_EVENT &&
	    (r.name < line || r.name + r.name_len > line + line_len || r.args < line ||
	     r.args + r.args_len > line + line_len))
		abort();
	remote_encoder_stats(enc, &before);
	memset(payload + REMOTE_PAYLOAD_MAX, 0xa5, 64);
	len = remote_encode(enc, &r, line, line_len, payload);
	if (len < 2 || len > REMOTE_PAYLOAD_MAX)
		abort();
	for (i = 0; i < 64; i++)
		if (payload[REMOTE_PAYLOAD_MAX + i] != 0xa5)
			abort();
	remote_encoder_stats(enc, &after);
	if (after.exact + after.as_text != before.exact + before.as_text + 1)
		abort();
	remote_encoder_free(enc);
	free(line);
	return 0;
}
