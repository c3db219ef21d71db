// SPDX-License-Identifier: GPL-2.0
/* A tiny streaming JSON writer; see json.h. */
#include <inttypes.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *out, bool pretty)
{
	*w = (struct json_writer){ .out = out, .pretty = pretty };
}

static void newline_indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (unsigned int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Everything a value or a key needs written before it. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_members[w->depth])
		fputc(',', w->out);
	w->has_members[w->depth] = true;
	newline_indent(w);
}

/* A value at the top level is the whole document: end it with a newline. */
static void after_value(struct json_writer *w)
{
	if (w->depth == 0)
		fputc('\n', w->out);
}

static void container_begin(struct json_writer *w, char open)
{
	before_item(w);
	fputc(open, w->out);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->has_members[w->depth] = false;
}

static void container_end(struct json_writer *w, char close)
{
	bool had_members = w->has_members[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had_members)
		newline_indent(w);
	fputc(close, w->out);
	after_value(w);
}

void json_object_begin(struct json_writer *w)
{
	container_begin(w, '{');
}

void json_object_end(struct json_writer *w)
{
	container_end(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	container_begin(w, '[');
}

void json_array_end(struct json_writer *w)
{
	container_end(w, ']');
}

void json_key(struct json_writer *w, const char *key)
{
	before_item(w);
	json_write_escaped(w->out, key);
	fputs(w->pretty ? ": " : ":", w->out);
	w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
	before_item(w);
	json_write_escaped(w->out, s);
	after_value(w);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRIu64, v);
	after_value(w);
}

void json_bool(struct json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->out);
	after_value(w);
}

void json_null(struct json_writer *w)
{
	before_item(w);
	fputs("null", w->out);
	after_value(w);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static unsigned int utf8_sequence_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the second byte */
	unsigned int len;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (unsigned int i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void json_write_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		unsigned char c = *s;
		unsigned int len;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, out);
			} else {
				len = utf8_sequence_len(s);
				if (len == 0) {
					fputs("\\ufffd", out);
					break;
				}
				fwrite(s, 1, len, out);
				s += len;
				continue;
			}
		}
		s++;
	}
	fputc('"', out);
}
