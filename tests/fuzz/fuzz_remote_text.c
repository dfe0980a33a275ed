// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: a remote's text lines are untrusted. The parser must never read outside the
 * line, and the re-encoder must never write outside its payload, whatever the line says,
 * against formats like the kernel's remotes print (integers, a symbol table, a string, and
 * the ones it repairs or learns a table for).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote_encode.h"
#include "remote_text.h"

static struct remote_encoder *enc;
static char dir[64];

/* The formats are read at start; leave no directory behind. */
static void cleanup(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

static void format(const char *root, const char *event, int id, const char *fields,
		   const char *fmt)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fz/%s", root, event);
	mkdir(path, 0700);
	strcat(path, "/format");
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "name: %s\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
		"%s\nprint fmt: %s\n", event, id, fields, fmt);
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[96];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/remotectl-fuzz-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/fz", dir);
	mkdir(dir, 0700);
	mkdir(path, 0700);
	format(dir, "a", 1, "\tfield:u64 id;\toffset:2;\tsize:8;\tsigned:0;\n",
	       "\"id=%llu\", REC->id");
	format(dir, "b", 2, "\tfield:s32 x;\toffset:2;\tsize:4;\tsigned:1;\n"
	       "\tfield:u64 y;\toffset:6;\tsize:8;\tsigned:0;\n",
	       "\"x=%d y=%#llx\", REC->x, REC->y");
	format(dir, "c", 3, "\tfield:u8 r;\toffset:2;\tsize:1;\tsigned:0;\n",
	       "\"r=%s\", __print_symbolic(REC->r, { 0, \"smc\" }, { 1, \"hvc\" })");
	format(dir, "d", 4, "\tfield:char s[8];\toffset:2;\tsize:8;\tsigned:0;\n",
	       "\"s=%s\", REC->s");
	/* The arm64 hypervisor's (Linux 7.2.13): a kernel function, a string quoted twice. */
	format(dir, "e", 5, "\tfield:u8 reason;\toffset:2;\tsize:1;\tsigned:0;\n"
	       "\tfield:pid_t vcpu;\toffset:3;\tsize:4;\tsigned:1;\n",
	       "\"reason=%s vcpu=%d\", __hyp_enter_exit_reason_str(REC->reason), REC->vcpu");
	format(dir, "f", 6, "\tfield:u64 id;\toffset:2;\tsize:8;\tsigned:0;\n",
	       "\"\"id=%llu\", REC->id\", ");
	/* A function no table is known for: every name learnt from the lines. */
	format(dir, "g", 7, "\tfield:u16 x;\toffset:2;\tsize:2;\tsigned:1;\n",
	       "\"x=%s.\", __x_str(REC->x)");
	if (remote_encoder_new(dir, "fz", &enc))
		abort();
	cleanup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t payload[REMOTE_PAYLOAD_MAX];
	char *line = malloc(size ? size : 1);
	struct remote_line r;
	size_t len;

	memcpy(line, data, size);
	if (remote_line_parse(line, size, &r) == REMOTE_LINE_EVENT &&
	    (r.name < line || r.name + r.name_len > line + size || r.args < line ||
	     r.args + r.args_len > line + size))
		abort();
	len = remote_encode(enc, &r, line, size, payload);
	if (len < 2 || len > REMOTE_PAYLOAD_MAX)
		abort();
	free(line);
	return 0;
}
