// SPDX-License-Identifier: GPL-2.0
/*
 * Re-encoding remote lines: exact round trips through formats written the way the kernel's
 * remote_event_format_show() writes them, and the text fallback for everything else.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <trace-seq.h>

#include "check.h"
#include "remote_encode.h"

static char dir[128];

static void write_format(const char *event, int id, const char *fields, const char *fmt)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/test/%s", dir, event);
	mkdir(path, 0700);
	strcat(path, "/format");
	f = fopen(path, "w");
	fprintf(f, "name: %s\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
		"%s\nprint fmt: %s\n", event, id, fields, fmt);
	fclose(f);
}

static void make_events(void)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/remotectl-unit-events-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/test", dir);
	mkdir(path, 0700);
	/* As remote_test registers it: offsets are running sums without alignment. */
	write_format("selftest", 1, "\tfield:u64 id;\toffset:2;\tsize:8;\tsigned:0;\n",
		     "\"id=%llu\", REC->id");
	write_format("pair", 2,
		     "\tfield:u32 a;\toffset:2;\tsize:4;\tsigned:0;\n"
		     "\tfield:s32 b;\toffset:6;\tsize:4;\tsigned:1;\n"
		     "\tfield:u64 addr;\toffset:10;\tsize:8;\tsigned:0;\n",
		     "\"a=%u b=%d addr=%#llx\", REC->a, REC->b, REC->addr");
	write_format("enter", 3, "\tfield:u8 reason;\toffset:2;\tsize:1;\tsigned:0;\n",
		     "\"reason=%s\", __print_symbolic(REC->reason, { 0, \"smc\" }, "
		     "{ 1, \"hvc\" }, { 2, \"host_abort\" })");
	write_format("named", 4, "\tfield:char comm[16];\toffset:2;\tsize:16;\tsigned:0;\n",
		     "\"comm=%s\", REC->comm");
}

static void remove_events(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Encode line, and print the payload back with libtraceevent into out. */
static size_t round_trip(struct remote_encoder *e, const char *line, uint8_t *buf, char *out)
{
	struct tep_record rec = { .data = buf };
	struct trace_seq seq;
	struct rline r;
	size_t len;

	rline_parse(line, strlen(line), &r);
	len = remote_encode(e, &r, line, strlen(line), buf);
	rec.size = len;
	trace_seq_init(&seq);
	tep_print_event(remote_encoder_tep(e), &seq, &rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&seq);
	strcpy(out, seq.buffer);
	trace_seq_destroy(&seq);
	return len;
}

int main(void)
{
	static uint8_t buf[REMOTE_PAYLOAD_MAX];
	struct remote_encode_stats st;
	struct remote_encoder *e;
	char out[8192], *big;
	uint64_t v;
	uint16_t id;
	size_t len;

	make_events();
	CHECK(remote_encoder_new(dir, "test", &e) == 0);
	CHECK(remote_encoder_text_id(e) == 5);

	len = round_trip(e, "[001]\t   12.000003: selftest id=18446744073709551615", buf, out);
	CHECK(len == 10);
	memcpy(&id, buf, 2);
	memcpy(&v, buf + 2, 8);
	CHECK(id == 1 && v == 18446744073709551615ULL);
	CHECK_STR(out, "id=18446744073709551615");

	len = round_trip(e, "[000]\t    1.000000: pair a=4000000000 b=-7 addr=0xffff0000", buf, out);
	CHECK(len == 18);
	CHECK_STR(out, "a=4000000000 b=-7 addr=0xffff0000");

	len = round_trip(e, "[000]\t    1.000000: enter reason=host_abort", buf, out);
	CHECK(len == 3 && buf[2] == 2);
	CHECK_STR(out, "reason=host_abort");

	remote_encoder_stats(e, &st);
	CHECK(st.exact == 3 && st.as_text == 0);

	/* Not invertible: a string field, a value that does not fit, an unknown name. */
	static const char *const text[] = {
		"[000]\t    1.000000: named comm=bash",
		"[000]\t    1.000000: pair a=4294967296 b=0 addr=0x0",
		"[000]\t    1.000000: pair a=1 b=2",
		"[000]\t    1.000000: selftest id=5 extra",
		"[000]\t    1.000000: nosuch x=1",
		"[002]\t    3.000000: UNKNOWN id=77",
		"CPU:1 [LOST 3 EVENTS]",
		"garbage",
	};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		len = round_trip(e, text[i], buf, out);
		memcpy(&id, buf, 2);
		CHECK(id == 5);
		CHECK(len == 8 + strlen(text[i]) + 1);
		CHECK_STR(out, text[i]);
	}
	remote_encoder_stats(e, &st);
	CHECK(st.exact == 3 && st.as_text == 8 && st.truncated == 0);

	/* A line longer than a payload can hold is cut, and counted. */
	big = malloc(5000);
	memset(big, 'z', 4999);
	big[4999] = '\0';
	len = round_trip(e, big, buf, out);
	CHECK(len == REMOTE_PAYLOAD_MAX);
	CHECK(strlen(out) == REMOTE_PAYLOAD_MAX - 9);
	remote_encoder_stats(e, &st);
	CHECK(st.truncated == 1);
	free(big);

	CHECK(strstr(remote_encoder_text_format(e), "ID: 5\n") != NULL);
	remote_encoder_free(e);
	CHECK(remote_encoder_new(dir, "nosuch", &e) < 0);
	remove_events();
	CHECK_DONE();
}
