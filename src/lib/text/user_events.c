// SPDX-License-Identifier: GPL-2.0
/*
 * Events of user programs (user_events, CONFIG_USER_EVENTS) as the kernel prints them.
 *
 * The kernel generates a print fmt for a user event ("seq=%u tag=%s", ...) but never uses
 * it: its trace file prints user events field by field, as the "fields" trace option prints
 * any event (print_event_fields() in kernel/trace/trace_output.c), in the order of the format
 * file. libtraceevent (and so trace-cmd report) would follow the print fmt instead, so every
 * user_events event gets a handler that writes the kernel's text. What it writes, per field,
 * as checked on the Linux 7.2 guests (docs/kernel-interface.md, section 12):
 *
 *	a field past the end of the record	<OVERFLOW>
 *	a char array				its bytes up to the first NUL, as they are
 *	a __data_loc/__rel_loc char string	the same; but when a byte other than NUL is not
 *						printable ASCII, every byte (NUL too) with '.'
 *						for those, then " (" its bytes as %02x joined by
 *						':' ")"
 *	another __data_loc/__rel_loc array	its bytes as %02x joined by ','
 *	1 byte					'c' when the kernel's isprint() takes it
 *						(ASCII and Latin-1 0xa0-0xff), then (u)
 *	2, 4, 8 bytes				0x%x (%d), signed at the field's size
 *	anything else				<INVALID-SIZE>
 *
 * but a field of the size of the kernel's long goes through %pS: the same 0x%x where the
 * kernel has kallsyms (CONFIG_KALLSYMS) and the value is no kernel text address, zero-padded
 * to the long's width where it has none (0x0000000000000001 on the arm64 guest). A loc out
 * of the record prints <OVERFLOW>. An event without fields prints "No fields found".
 * Not done: a value that is a kernel text address, which the kernel prints as its symbol
 * ("schedule+0x1/0x47"): kallsyms' sizes and text bounds are not all in a trace.dat.
 */
#include <stdio.h>
#include <string.h>

#include "text_internal.h"

/* The kernel's isprint() of a byte: its ctype table counts Latin-1's upper half in. */
static bool kernel_isprint(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e) || c >= 0xa0;
}

static bool ascii_print(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* A string of len bytes that may hold a NUL: up to it, as trace_seq's %.*s would. */
static void put_bytes(struct trace_seq *s, const unsigned char *p, int len)
{
	int n = 0;

	while (n < len && p[n])
		n++;
	trace_seq_printf(s, "%.*s", n, (const char *)p);
}

static void put_dyn_string(struct trace_seq *s, const unsigned char *p, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (p[i] && !ascii_print(p[i]))
			break;
	if (i == len) {
		put_bytes(s, p, len);
		return;
	}
	for (i = 0; i < len; i++)
		trace_seq_putc(s, ascii_print(p[i]) ? p[i] : '.');
	trace_seq_puts(s, " (");
	for (i = 0; i < len; i++)
		trace_seq_printf(s, "%s%02x", i ? ":" : "", p[i]);
	trace_seq_putc(s, ')');
}

/* A __data_loc or __rel_loc field at off: its data's place, or false past the record. */
static bool dyn_place(struct tep_handle *tep, const struct tep_format_field *f,
		      const unsigned char *data, int size, int *off, int *len)
{
	unsigned int loc = (unsigned int)tep_read_number(tep, data + f->offset, 4);

	*off = loc & 0xffff;
	*len = loc >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		*off += f->offset + 4;
	return *off + *len <= size;
}

/* The context of the handler of a target or file without kallsyms: see %pS above. */
static const char no_kallsyms;

static void put_number(struct trace_seq *s, struct tep_event *e, const unsigned char *p,
		       int size)
{
	unsigned long long v = tep_read_number(e->tep, p, size);

	if (size == tep_get_long_size(e->tep) && e->context == &no_kallsyms) {
		if (size == 4)
			trace_seq_printf(s, "0x%08x (%d)", (unsigned int)v, (int)(unsigned int)v);
		else
			trace_seq_printf(s, "0x%016llx (%lld)", v, (long long)v);
		return;
	}
	switch (size) {
	case 1:
		if (kernel_isprint((unsigned char)v))
			trace_seq_printf(s, "'%c'", (int)v);
		trace_seq_printf(s, "(%d)", (int)v);
		break;
	case 2:
		trace_seq_printf(s, "0x%x (%d)", (unsigned int)v, (int)v);
		break;
	case 4:
		trace_seq_printf(s, "0x%x (%d)", (unsigned int)v, (int)(unsigned int)v);
		break;
	default:
		trace_seq_printf(s, "0x%llx (%lld)", v, (long long)v);
		break;
	}
}

void text_user_event_body(struct trace_seq *s, struct tep_event *e, const void *record,
			  int size)
{
	const unsigned char *data = record;
	struct tep_format_field *f;
	int off, len, i;

	if (!e->format.fields) {
		trace_seq_puts(s, "No fields found");
		return;
	}
	for (f = e->format.fields; f; f = f->next) {
		trace_seq_printf(s, "%s%s=", f == e->format.fields ? "" : " ", f->name);
		if (f->offset < 0 || f->size < 0 || f->offset + f->size > size) {
			trace_seq_puts(s, "<OVERFLOW>");
			continue;
		}
		if (f->flags & TEP_FIELD_IS_DYNAMIC) {
			/* The format checker lets no other size through; a file is untrusted. */
			if (f->size != 4) {
				trace_seq_puts(s, "<INVALID-SIZE>");
				continue;
			}
			if (!dyn_place(e->tep, f, data, size, &off, &len) || off < 0) {
				trace_seq_puts(s, "<OVERFLOW>");
				continue;
			}
			if (f->type && strstr(f->type, "char")) {
				put_dyn_string(s, data + off, len);
				continue;
			}
			for (i = 0; i < len; i++)
				trace_seq_printf(s, "%s%02x", i ? "," : "", data[off + i]);
			continue;
		}
		if ((f->flags & TEP_FIELD_IS_ARRAY) && f->type && strstr(f->type, "char")) {
			put_bytes(s, data + f->offset, f->size);
			continue;
		}
		if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8)
			put_number(s, e, data + f->offset, f->size);
		else
			trace_seq_puts(s, "<INVALID-SIZE>");
	}
}

static int user_event_handler(struct trace_seq *s, struct tep_record *rec, struct tep_event *e,
			      void *context)
{
	(void)context;
	text_user_event_body(s, e, rec->data, rec->size);
	return 0;
}

bool text_is_user_event(const struct tep_event *e)
{
	return e->system && !strcmp(e->system, "user_events");
}

bool text_user_event_handled(const struct tep_event *e)
{
	return e->handler == user_event_handler && !(e->flags & TEP_EVENT_FL_NOHANDLE);
}

void text_user_event_register(struct tep_handle *tep, struct tep_event *e, bool kallsyms)
{
	if (e && text_is_user_event(e))
		tep_register_event_handler(tep, e->id, e->system, e->name, user_event_handler,
					   kallsyms ? NULL : (void *)&no_kallsyms);
}

void text_user_events_register(struct tep_handle *tep, bool kallsyms)
{
	struct tep_event **events = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int i;

	for (i = 0; events && events[i]; i++)
		text_user_event_register(tep, events[i], kallsyms);
}
