/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning a trace remote's text lines back into binary events, so that a remote's capture is
 * an ordinary trace.dat. Each event line is parsed against its event's print format (read
 * from events/<remote>/<event>/format with libtraceevent) into the fields the format
 * declares; the result is printed back with libtraceevent and kept only if it gives the very
 * same text. Anything else (unknown events, formats that cannot be inverted, damaged lines)
 * is stored whole as a "remotectl:text" event, so nothing is lost.
 *
 * libtraceevent's success in parsing a format is not trusted: it also returns 0 for print
 * formats it cannot use (a kernel function it does not know, a malformed string), flagging
 * the event FAILED. Two such kernel formats are repaired, and the repair is the format the
 * trace.dat stores: a print fmt quoted twice (Linux 7.2's hypervisor selftest) becomes the
 * inner one, and a function of one integer field printed with %s (the hypervisor's
 * __hyp_enter_exit_reason_str()) becomes a __print_symbolic() table, numbered as the kernel
 * numbers the names where that is known, and growing by the names the lines show.
 */
#ifndef REMOTECTL_REMOTE_ENCODE_H
#define REMOTECTL_REMOTE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "remote_text.h"

/* The largest payload produced: fits a 4 KiB sub-buffer with room for its bookkeeping. */
#define REMOTE_PAYLOAD_MAX 4000

struct remote_encoder;

/* How an event's lines are stored. */
enum remote_event_how {
	REMOTE_FIELDS,		/* its own format: binary events with their fields */
	REMOTE_REPAIRED,	/* a repaired print fmt: binary events */
	REMOTE_SYMBOLS,		/* a symbol table in place of a kernel function: binary events */
	REMOTE_TEXT,		/* its format cannot be used: remotectl:text events */
};

struct remote_event_info {
	const char *name;
	enum remote_event_how how;
	const char *why;		/* what is wrong with its format; NULL for FIELDS */
	const char *table_source;	/* SYMBOLS: where the numbering comes from, or NULL */
	int names, names_seen, names_learnt;	/* SYMBOLS: the table's names */
	uint64_t exact, as_text;	/* lines stored with fields, as text */
};

struct remote_encode_stats {
	uint64_t exact;		/* events stored with their fields */
	uint64_t as_text;	/* lines stored as text events */
	uint64_t truncated;	/* text events cut to REMOTE_PAYLOAD_MAX */
};

/*
 * Load the events of system (the remote's name) from events_dir (".../events"). Returns 0 or
 * -errno; a format libtraceevent cannot parse only makes its events text events.
 */
int remote_encoder_new(const char *events_dir, const char *system, struct remote_encoder **out);
void remote_encoder_free(struct remote_encoder *e);

/*
 * Encode the event of a parsed line (line/len is its text, r the parse). Returns the payload
 * length written to buf (at least REMOTE_PAYLOAD_MAX bytes).
 */
size_t remote_encode(struct remote_encoder *e, const struct remote_line *r, const char *line,
		     size_t len, uint8_t *buf);

/* The text event's format file text, for the trace.dat's event formats. */
const char *remote_encoder_text_format(const struct remote_encoder *e);

/* How the lines encoded so far were stored. */
void remote_encoder_stats(const struct remote_encoder *e, struct remote_encode_stats *st);

/* The remote's events, in name order, and how each was stored so far. */
int remote_encoder_nr_events(const struct remote_encoder *e);
void remote_encoder_event_info(const struct remote_encoder *e, int i,
			       struct remote_event_info *info);

/* The format text stored for event when it is not the remote's own, else NULL. */
const char *remote_encoder_format(const struct remote_encoder *e, const char *event);
/* Whether a symbol table learnt a name since the encoder was made (formats changed). */
bool remote_encoder_learnt(const struct remote_encoder *e);

/*
 * Beside a kernel's events in one file, the remote's ids (its own, from 0 or 1 up) would
 * collide with the kernel's: the file gives them others. The largest id the encoder uses (the
 * text event's included); from now on every id in the payloads and in the formats below is
 * the remote's own plus shift.
 */
int remote_encoder_max_id(const struct remote_encoder *e);
void remote_encoder_shift_ids(struct remote_encoder *e, int shift);
/*
 * The format text the file stores for event i in remote_encoder_nr_events()' order, or with
 * i == nr events the text event's, ids shifted. Free it.
 */
char *remote_encoder_file_format(const struct remote_encoder *e, int i);

#endif
