// SPDX-License-Identifier: GPL-2.0
/* Temporary: commands not written yet. */
#include "cli.h"
#include "util.h"
#define STUB(n) int cmd_##n(int argc, char **argv) { (void)argc; (void)argv; err_msg("not yet"); return RC_FAIL; }
STUB(list) STUB(status) STUB(start) STUB(stop) STUB(size) STUB(reset) STUB(events) STUB(clock)
