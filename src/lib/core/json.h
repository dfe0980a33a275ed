/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer for --json output. */
#ifndef REMOTECTL_JSON_H
#define REMOTECTL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* Open an object ('{') or array ('['), as the value of key (NULL inside arrays / at top). */
void json_begin(struct json *j, const char *key, char kind);
void json_end(struct json *j, char kind);
void json_str(struct json *j, const char *key, const char *val);	/* NULL: null */
void json_int(struct json *j, const char *key, long long val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);

#endif
