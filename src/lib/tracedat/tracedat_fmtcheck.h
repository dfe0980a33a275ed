/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What of a trace.dat's or a remote's format text libtraceevent may see: its parser trusts
 * its input, and files and remotes are not to be trusted.
 */
#ifndef REMOTECTL_TRACEDAT_FMTCHECK_H
#define REMOTECTL_TRACEDAT_FMTCHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Why an event format is unfit for libtraceevent (not the kernel's shape, not printable, a
 * field outside a page_size sub-buffer, a print format outside the grammar of the kernel's),
 * or NULL when it may be parsed. When only its print format is at fault and fields_len is not
 * NULL, *fields_len is the length of the text before "print fmt:" (else 0): libtraceevent may
 * parse that much, and prints the event's fields without a print format, as it does for a
 * kernel format it cannot use. When line_at is not NULL, *line_at is the offset of the line at
 * fault (a field's, or "print fmt:"), or len when the fault is in no one line.
 */
const char *td_format_problem(const char *text, size_t len, uint32_t page_size,
			      size_t *fields_len, size_t *line_at);
/* The same for a header_page text: field lines only. */
const char *td_header_page_problem(const char *text, size_t len, uint32_t page_size);
/* The printk-format and saved-cmdline lines libtraceevent may parse (malloc'd, NUL-ended). */
char *td_printk_lines(const char *text, size_t len);
char *td_cmdline_lines(const char *text, size_t len);

#endif
