/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning a trace remote's text lines back into binary events, so that a remote's capture is
 * an ordinary trace.dat. Each event line is parsed against its event's print format (read
 * from events/<remote>/<event>/format with libtraceevent) into the fields the format
 * declares; the result is printed back with libtraceevent and kept only if it gives the very
 * same text. Anything else (unknown events, formats that cannot be inverted, damaged lines)
 * is stored whole as a "remotectl:text" event, so nothing is lost.
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
size_t remote_encode(struct remote_encoder *e, const struct rline *r, const char *line,
		     size_t len, uint8_t *buf);

/* The text event: its id and its format file text, for the trace.dat's event formats. */
int remote_encoder_text_id(const struct remote_encoder *e);
const char *remote_encoder_text_format(const struct remote_encoder *e);

/* How the lines encoded so far were stored. */
void remote_encoder_stats(const struct remote_encoder *e, struct remote_encode_stats *st);

/* The libtraceevent handle with every format loaded (to print payloads back). */
struct tep_handle *remote_encoder_tep(struct remote_encoder *e);

#endif
