/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer: objects, arrays, strings, unsigned
 * numbers, booleans and null, compact or pretty (two-space indent).
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so the output is valid JSON whatever the kernel sends.
 */
#ifndef NAPTCTL_JSON_H
#define NAPTCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	bool pretty;
	unsigned int depth;
	bool has_members[JSON_MAX_DEPTH];	/* a comma is due at this depth */
	bool after_key;				/* the next value follows a key */
};

void json_init(struct json_writer *w, FILE *out, bool pretty);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);

void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_uint(struct json_writer *w, uint64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value in one call */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
void json_kv_null(struct json_writer *w, const char *key);

/* The escaped, quoted form of s (exposed for the tests). */
void json_write_escaped(FILE *out, const char *s);

#endif /* NAPTCTL_JSON_H */
