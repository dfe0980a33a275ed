/* SPDX-License-Identifier: GPL-2.0 */
/*
 * remote's internals, for src/lib/remote/ and its unit tests and fuzzers only. Other folders
 * use remote_text.h (a remote's lines) and remote_encode.h (lines back to binary events).
 */
#ifndef REMOTECTL_REMOTE_INTERNAL_H
#define REMOTECTL_REMOTE_INTERNAL_H

#include "remote_encode.h"

/* The text event's id (remote_encode.h). */
int remote_encoder_text_id(const struct remote_encoder *e);

/*
 * The libtraceevent handle with every stored format (to print payloads back); it changes
 * when a name is learnt.
 */
struct tep_handle *remote_encoder_tep(struct remote_encoder *e);

#endif
