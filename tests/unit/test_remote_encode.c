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
#include "remote_internal.h"

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
	struct remote_line r;
	size_t len;

	remote_line_parse(line, strlen(line), &r);
	len = remote_encode(e, &r, line, strlen(line), buf);
	rec.size = len;
	trace_seq_init(&seq);
	tep_print_event(remote_encoder_tep(e), &seq, &rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&seq);
	strcpy(out, seq.buffer);
	trace_seq_destroy(&seq);
	return len;
}

static const struct remote_event_info *info_of(struct remote_encoder *e, const char *name)
{
	static struct remote_event_info info;

	for (int i = 0; i < remote_encoder_nr_events(e); i++) {
		remote_encoder_event_info(e, i, &info);
		if (!strcmp(info.name, name))
			return &info;
	}
	return NULL;
}

/* The real hypervisor's formats (Linux 7.2.13), which libtraceevent cannot use as they are. */
static void hypervisor_formats(void)
{
	static uint8_t buf[REMOTE_PAYLOAD_MAX];
	const struct remote_event_info *in;
	struct remote_encode_stats st;
	struct remote_encoder *e;
	const char *f;
	char out[8192];
	int32_t vcpu;
	uint64_t v;
	uint16_t id;
	size_t len;

	CHECK(remote_encoder_new("tests/data/hypervisor-7.2.13/events", "hypervisor", &e) == 0);
	CHECK(remote_encoder_nr_events(e) == 3);
	CHECK(remote_encoder_text_id(e) == 3);
	in = info_of(e, "hyp_enter");
	CHECK(in && in->how == REMOTE_SYMBOLS && in->names == 9 && in->names_seen == 0);
	CHECK_STR(in->why, "print fmt calls __hyp_enter_exit_reason_str()");
	CHECK_STR(in->table_source, "Linux 7.2's enum hyp_enter_exit_reason");
	in = info_of(e, "selftest");
	CHECK(in && in->how == REMOTE_REPAIRED);
	CHECK_STR(in->why, "print fmt is quoted twice (\"\"id=%llu\", REC->id\", )");
	f = remote_encoder_format(e, "selftest");
	CHECK(f && strstr(f, "\n\nprint fmt: \"id=%llu\", REC->id\n"));
	f = remote_encoder_format(e, "hyp_exit");
	CHECK(f && strstr(f, "\n\nprint fmt: \"reason=%s vcpu=%d\", __print_symbolic(REC->reason, "
			"{ 0, \"smc\" }, { 1, \"hvc\" }, { 2, \"sys\" }, { 3, \"psci\" }, "
			"{ 4, \"host_abort\" }, { 5, \"guest_exit\" }, { 6, \"eret_host\" }, "
			"{ 7, \"eret_guest\" }, { 8, \"unknown\" }), REC->vcpu\n"));

	len = round_trip(e, "[001]\t   11.625125: hyp_enter reason=hvc vcpu=0", buf, out);
	memcpy(&id, buf, 2);
	memcpy(&vcpu, buf + 3, 4);
	CHECK(len == 7 && id == 0 && buf[2] == 1 && vcpu == 0);
	CHECK_STR(out, "reason=hvc vcpu=0");
	len = round_trip(e, "[000]\t   11.625130: hyp_exit reason=eret_guest vcpu=-1234", buf, out);
	memcpy(&id, buf, 2);
	memcpy(&vcpu, buf + 3, 4);
	CHECK(len == 7 && id == 1 && buf[2] == 7 && vcpu == -1234);
	CHECK_STR(out, "reason=eret_guest vcpu=-1234");
	len = round_trip(e, "[001]\t   11.625126: selftest id=18446744073709551615", buf, out);
	memcpy(&id, buf, 2);
	memcpy(&v, buf + 2, 8);
	CHECK(len == 10 && id == 2 && v == 18446744073709551615ULL);
	CHECK_STR(out, "id=18446744073709551615");
	CHECK(!remote_encoder_learnt(e));

	/* A name the kernel's enum did not have: a value of its own, from 127 down. */
	len = round_trip(e, "[001]\t   12.000000: hyp_enter reason=new_one vcpu=7", buf, out);
	CHECK(len == 7 && buf[2] == 127);
	CHECK_STR(out, "reason=new_one vcpu=7");
	CHECK(remote_encoder_learnt(e));
	f = remote_encoder_format(e, "hyp_enter");
	CHECK(f && strstr(f, "{ 8, \"unknown\" }, { 127, \"new_one\" }), REC->vcpu\n"));
	len = round_trip(e, "[001]\t   12.000001: hyp_enter reason=new_one vcpu=8", buf, out);
	CHECK(len == 7 && buf[2] == 127);
	len = round_trip(e, "[001]\t   12.000002: hyp_enter reason=hvc vcpu=9", buf, out);
	CHECK(len == 7 && buf[2] == 1);
	/* hyp_exit's table is its own. */
	len = round_trip(e, "[001]\t   12.000003: hyp_exit reason=new_one vcpu=1", buf, out);
	CHECK(len == 7 && buf[2] == 127);
	in = info_of(e, "hyp_enter");
	CHECK(in->names == 10 && in->names_seen == 2 && in->names_learnt == 1);
	CHECK(in->exact == 4 && in->as_text == 0);

	/* What a table cannot take, or a line of another shape: the line as text. */
	static const char *const text[] = {
		"[000]\t    1.000000: hyp_enter reason=a\"b vcpu=1",
		"[000]\t    1.000000: hyp_enter reason= vcpu=1",
		"[000]\t    1.000000: hyp_enter reason=hvc vcpu=x",
		"[000]\t    1.000000: hyp_enter reason=hvc",
		"[000]\t    1.000000: selftest id=-1",
	};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		len = round_trip(e, text[i], buf, out);
		memcpy(&id, buf, 2);
		CHECK(id == 3);
		CHECK_STR(out, text[i]);
	}
	in = info_of(e, "hyp_enter");
	CHECK(in->names == 10 && in->as_text == 4);
	remote_encoder_stats(e, &st);
	CHECK(st.exact == 7 && st.as_text == 5);
	remote_encoder_free(e);
}

/*
 * Beside the kernel's events: every id the payloads and stored formats carry moves by the
 * shift, after the encoder checked the payload with its own ids.
 */
static void shifted_ids(void)
{
	static uint8_t buf[REMOTE_PAYLOAD_MAX];
	struct remote_encode_stats st;
	struct remote_line r;
	struct remote_encoder *e;
	const char *line;
	char *f;
	uint16_t id;
	uint64_t v;

	CHECK(remote_encoder_new("tests/data/hypervisor-7.2.13/events", "hypervisor", &e) == 0);
	CHECK(remote_encoder_max_id(e) == 3);
	remote_encoder_shift_ids(e, 60000);
	line = "[001]\t   11.625126: selftest id=42";
	remote_line_parse(line, strlen(line), &r);
	CHECK(remote_encode(e, &r, line, strlen(line), buf) == 10);
	memcpy(&id, buf, 2);
	memcpy(&v, buf + 2, 8);
	CHECK(id == 60002 && v == 42);
	line = "[000]\t    1.000000: hyp_enter reason=hvc";
	remote_line_parse(line, strlen(line), &r);
	remote_encode(e, &r, line, strlen(line), buf);
	memcpy(&id, buf, 2);
	CHECK(id == 60003);
	remote_encoder_stats(e, &st);
	CHECK(st.exact == 1 && st.as_text == 1);
	/* Formats in name order (hyp_enter, hyp_exit, selftest), then the text event's. */
	f = remote_encoder_file_format(e, 2);
	CHECK(strstr(f, "name: selftest\nID: 60002\nformat:\n") &&
	      strstr(f, "print fmt: \"id=%llu\", REC->id\n"));
	free(f);
	f = remote_encoder_file_format(e, 0);
	CHECK(strstr(f, "\nID: 60000\n") != NULL);
	free(f);
	f = remote_encoder_file_format(e, 3);
	CHECK(strstr(f, "name: text\nID: 60003\n") != NULL);
	free(f);
	remote_encoder_free(e);
}

/* Formats no table can repair, and a function no table is known for. */
static void unknown_functions(void)
{
	static uint8_t buf[REMOTE_PAYLOAD_MAX];
	const struct remote_event_info *in;
	struct remote_encoder *e;
	char out[8192];
	size_t len;

	write_format("fn_num", 6, "\tfield:u32 x;\toffset:2;\tsize:4;\tsigned:0;\n",
		     "\"x=%u\", __kernel_only(REC->x)");
	write_format("fn_str", 7, "\tfield:u16 x;\toffset:2;\tsize:2;\tsigned:0;\n"
		     "\tfield:u32 y;\toffset:4;\tsize:4;\tsigned:0;\n",
		     "\"y=%u x=%s.\", REC->y, __x_str(REC->x)");
	CHECK(remote_encoder_new(dir, "test", &e) == 0);
	in = info_of(e, "fn_num");
	CHECK(in && in->how == REMOTE_TEXT);
	CHECK_STR(in->why, "libtraceevent cannot use its print fmt");
	in = info_of(e, "fn_str");
	CHECK(in && in->how == REMOTE_SYMBOLS && in->names == 0 && !in->table_source);
	CHECK(!remote_encoder_format(e, "fn_str"));
	in = info_of(e, "selftest");
	CHECK(in && in->how == REMOTE_FIELDS && !in->why);

	len = round_trip(e, "[000]\t    1.000000: fn_num x=3", buf, out);
	CHECK(len == 8 + strlen("[000]\t    1.000000: fn_num x=3") + 1);
	len = round_trip(e, "[000]\t    1.000000: fn_str y=5 x=a b.", buf, out);
	CHECK(len == 8 && buf[2] == 0xff && buf[3] == 0x7f && buf[4] == 5);
	CHECK_STR(out, "y=5 x=a b.");
	len = round_trip(e, "[000]\t    1.000000: fn_str y=6 x=c.", buf, out);
	CHECK(len == 8 && buf[2] == 0xfe && buf[3] == 0x7f && buf[4] == 6);
	CHECK(strstr(remote_encoder_format(e, "fn_str"),
		     "__print_symbolic(REC->x, { 32767, \"a b\" }, { 32766, \"c\" })\n"));
	remote_encoder_free(e);
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

	len = round_trip(e, "[000]\t    1.000000: pair a=4000000000 b=-7 addr=0xffff0000", buf,
			 out);
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
	unknown_functions();
	remove_events();
	hypervisor_formats();
	shifted_ids();
	CHECK_DONE();
}
