// SPDX-License-Identifier: GPL-2.0
/* naptctl save | restore; see saverestore.h for the file format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/napt.h>

#include "cli.h"
#include "saverestore.h"

#define ATTR_SPACE(n)	MNL_ALIGN(MNL_ATTR_HDRLEN + (n))

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One quoted part, *src just past the opening quote; copies to *dst. */
static int unquote(char **src, char **dst)
{
	char *s = *src, *d = *dst;
	int hi, lo;

	for (;;) {
		if (*s == '\0') {
			parse_fail("unterminated quote");
			return -1;
		}
		if (*s == '"')
			break;
		if (*s != '\\') {
			*d++ = *s++;
			continue;
		}
		s++;
		if (*s == '\0') {
			parse_fail("unterminated quote");
			return -1;
		}
		if (*s != 'x') {
			*d++ = *s++;
			continue;
		}
		hi = hex_digit(s[1]);
		lo = hi < 0 ? -1 : hex_digit(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0)) {
			parse_fail("bad escape '\\x%.2s' (expected \\x01 to \\xff)",
				   s + 1);
			return -1;
		}
		*d++ = (char)(hi << 4 | lo);
		s += 3;
	}
	*src = s + 1;
	*dst = d;
	return 0;
}

int tokenize_line(char *line, char **words, int max, int *count)
{
	char *src = line, *dst;
	bool at_end;
	int n = 0;

	*count = 0;
	for (;;) {
		while (is_blank(*src))
			src++;
		if (*src == '\0' || *src == '#')
			break;
		if (n == max) {
			parse_fail("too many words (at most %d on a line)", max);
			return -1;
		}
		/* words only shrink, so they are rewritten in place */
		words[n++] = dst = src;
		while (*src != '\0' && !is_blank(*src)) {
			if (*src == '"') {
				src++;
				if (unquote(&src, &dst))
					return -1;
			} else {
				*dst++ = *src++;
			}
		}
		at_end = *src == '\0';
		*dst = '\0';
		if (at_end)
			break;
		src++;
	}
	*count = n;
	return 0;
}

void save_word(FILE *out, const char *word, bool always_quote)
{
	const unsigned char *s = (const unsigned char *)word;
	bool quote = always_quote || *s == '\0';

	for (; *s && !quote; s++)
		quote = *s <= ' ' || *s == '"' || *s == '\\' || *s == '#' ||
			*s == 0x7f;
	if (!quote) {
		fputs(word, out);
		return;
	}
	fputc('"', out);
	for (s = (const unsigned char *)word; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < ' ' || *s == 0x7f)
			fprintf(out, "\\x%02x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void save_forward(FILE *out, const struct napt_forward *fwd)
{
	char ext[RANGE_STR_MAX], addr[ADDR_STR_MAX], from[PREFIX_STR_MAX];

	fprintf(out, "forward add %s %s:", format_port_range(fwd->ext, ext),
		format_ipv4(fwd->int_addr, addr));
	/*
	 * Always the explicit internal range for an external range: "P-P"
	 * (everything to one port) must not be read back as "P" (one to one).
	 */
	if (fwd->ext.min == fwd->ext.max)
		fprintf(out, "%u", fwd->int_ports.min);
	else
		fprintf(out, "%u-%u", fwd->int_ports.min, fwd->int_ports.max);
	if (fwd->proto)
		fprintf(out, " proto %s", forward_proto_name(fwd->proto, false));
	if (fwd->has_from)
		fprintf(out, " from %s", format_prefix(&fwd->from, from));
	if (fwd->has_descr) {
		fputs(" descr ", out);
		save_word(out, fwd->descr, true);
	}
	fputc('\n', out);
}

static void save_settings(FILE *out, const struct napt_settings *st)
{
	char range[RANGE_STR_MAX];
	const char *filtering = filtering_name(st->filtering);
	const char *sep = "set";

	if (st->present & SETTING_PORTS) {
		fprintf(out, "%s ports %s", sep, format_port_range(st->ports, range));
		sep = "";
	}
	if ((st->present & SETTING_FILTERING) && filtering) {
		fprintf(out, "%s filtering %s", sep, filtering);
		sep = "";
	}
	if (st->present & SETTING_MAX_MAPPINGS) {
		fprintf(out, "%s max-mappings %u", sep, st->max_mappings);
		sep = "";
	}
	if (st->present & SETTING_MAX_PER_HOST) {
		fprintf(out, "%s max-per-host %u", sep, st->max_per_host);
		sep = "";
	}
	if (!*sep)
		fputc('\n', out);

	sep = "set";
	for (int kind = 0; kind < TIMEOUT_KINDS; kind++) {
		if (!(st->present & SETTING_TIMEOUT(kind)))
			continue;
		fprintf(out, "%s timeout %s %u", sep, timeout_kinds[kind].name,
			st->timeout[kind]);
		sep = "";
	}
	if (!*sep)
		fputc('\n', out);
}

void save_write(FILE *out, const struct napt_config *cfg,
		const struct forward_list *list)
{
	char addr[ADDR_STR_MAX];

	fputs("# napt configuration, saved by naptctl " NAPT_VERSION "\n"
	      "# load it with: naptctl restore FILE\n", out);
	if (cfg->wan.enabled) {
		fputs("wan set dev ", out);
		save_word(out, cfg->wan.ifname, false);
		/* only a fixed address: otherwise it follows the interface */
		if (cfg->wan.addr_fixed && cfg->wan.has_addr)
			fprintf(out, " addr %s", format_ipv4(cfg->wan.addr, addr));
		fputc('\n', out);
	} else {
		fputs("# wan off\n", out);
	}
	save_settings(out, &cfg->settings);
	for (size_t i = 0; i < list->count; i++)
		save_forward(out, &list->items[i]);
}

int restore_parse(FILE *in, struct napt_config *cfg, struct forward_list *list,
		  unsigned int *line_no)
{
	char *words[LINE_WORDS_MAX], *line = NULL;
	unsigned int wan_line = 0;
	struct napt_forward fwd;
	size_t capacity = 0;
	ssize_t len;
	int count;

	*cfg = (struct napt_config){ 0 };
	*line_no = 0;
	while ((len = getline(&line, &capacity, in)) >= 0) {
		++*line_no;
		if (strlen(line) != (size_t)len) {
			parse_fail("NUL byte in the line");
			goto fail;
		}
		if (tokenize_line(line, words, LINE_WORDS_MAX, &count))
			goto fail;
		if (count == 0)
			continue;
		if (count >= 2 && word_is(words[0], "wan") &&
		    word_is(words[1], "set")) {
			if (wan_line) {
				parse_fail("a second 'wan set' (the first is on line %u)",
					   wan_line);
				goto fail;
			}
			if (wan_parse_set(count - 2, words + 2, &cfg->wan))
				goto fail;
			wan_line = *line_no;
		} else if (word_is(words[0], "set")) {
			if (settings_parse(count - 1, words + 1, &cfg->settings))
				goto fail;
		} else if (count >= 2 && word_is(words[0], "forward") &&
			   word_is(words[1], "add")) {
			if (forward_parse_add(count - 2, words + 2, &fwd))
				goto fail;
			if (forward_list_append(list, &fwd)) {
				parse_fail("out of memory");
				goto fail;
			}
		} else {
			parse_fail("only 'wan set', 'set' and 'forward add' lines are allowed, not '%s%s%s'",
				   words[0], count > 1 ? " " : "",
				   count > 1 ? words[1] : "");
			goto fail;
		}
	}
	if (ferror(in)) {
		parse_fail("read error: %s", strerror(errno));
		*line_no = 0;
		goto fail;
	}
	free(line);
	return 0;
fail:
	free(line);
	return -1;
}

size_t restore_msg_size(const struct forward_list *list)
{
	size_t settings = 2 * ATTR_SPACE(sizeof(uint16_t)) +
			  (TIMEOUT_KINDS + 2) * ATTR_SPACE(sizeof(uint32_t)) +
			  ATTR_SPACE(sizeof(uint8_t));
	size_t wan = ATTR_SPACE(IFNAMSIZ) + ATTR_SPACE(sizeof(uint32_t));

	return MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) + wan +
	       settings + list->count * forward_put_size();
}

struct nlmsghdr *restore_build(void *buf, uint16_t family,
			       const struct napt_config *cfg,
			       const struct forward_list *list)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, family, NAPT_CMD_RESTORE, 0);

	/* absent: NAPT off, the settings' defaults, no forwards */
	if (cfg->wan.enabled)
		wan_put(nlh, &cfg->wan);
	settings_put(nlh, &cfg->settings);
	for (size_t i = 0; i < list->count; i++)
		forward_put(nlh, &list->items[i]);
	return nlh;
}

static void save_usage(FILE *out)
{
	fputs("Usage: naptctl save > FILE\n"
	      "       naptctl restore [FILE | -]\n"
	      "save prints the running configuration as naptctl commands (wan set,\n"
	      "set, forward add). restore reads such a file (stdin without FILE or\n"
	      "with -) and replaces the whole configuration with it at once: all of\n"
	      "it or, on any error, none. Settings it leaves out return to their\n"
	      "defaults; without 'wan set', NAPT is off.\n", out);
}

int do_save(int argc, char **argv)
{
	struct forward_list list = { 0 };
	struct napt_config cfg;
	struct nl_session s;
	struct json_writer w;
	int ret = 0;

	if (argc == 1 && word_is_help(argv[0])) {
		save_usage(stdout);
		return 0;
	}
	if (cli_no_more_args("save", argc, argv))
		return 1;
	if (cli_open(&s, "save configuration"))
		return 1;
	if (config_get(&s, &cfg) || forward_dump(&s, &list)) {
		ret = cli_nl_failed("save configuration", &s);
	} else if (cli.json) {
		cli_json_start(&w);
		json_object_begin(&w);
		config_json_members(&w, &cfg);
		json_key(&w, "forwards");
		forward_json(&w, &list);
		json_object_end(&w);
	} else {
		save_write(stdout, &cfg, &list);
		if (fflush(stdout) || ferror(stdout)) {
			cli_error("cannot save configuration: %s", strerror(errno));
			ret = 1;
		}
	}
	nl_close(&s);
	forward_list_free(&list);
	return ret;
}

static int restore_send(const struct napt_config *cfg,
			const struct forward_list *list)
{
	const char *doing = "restore configuration";
	size_t size = restore_msg_size(list);
	struct nl_session s;
	struct nlmsghdr *nlh;
	void *buf;
	int ret = 0;

	buf = calloc(1, size);
	if (!buf) {
		cli_error("cannot %s: %s", doing, strerror(ENOMEM));
		return 1;
	}
	if (cli_open(&s, doing)) {
		free(buf);
		return 1;
	}
	nlh = restore_build(buf, s.family, cfg, list);
	nl_reserve_sndbuf(&s, nlh->nlmsg_len);
	if (nl_request(&s, nlh, NULL, NULL))
		ret = cli_nl_failed(doing, &s);
	nl_close(&s);
	free(buf);
	return ret;
}

int do_restore(int argc, char **argv)
{
	struct forward_list list = { 0 };
	const char *name = "<stdin>";
	struct napt_config cfg;
	unsigned int line_no;
	FILE *in = stdin;
	int ret;

	if (argc == 1 && word_is_help(argv[0])) {
		save_usage(stdout);
		return 0;
	}
	if (argc > 1)
		return cli_no_more_args("restore FILE", argc - 1, argv + 1);
	if (argc == 1 && !word_is(argv[0], "-")) {
		name = argv[0];
		in = fopen(name, "r");
		if (!in) {
			cli_error("cannot read '%s': %s", name, strerror(errno));
			return 1;
		}
	}
	/* all of the file is read and checked before anything is sent */
	ret = restore_parse(in, &cfg, &list, &line_no);
	if (in != stdin)
		fclose(in);
	if (ret) {
		if (line_no)
			cli_error("%s:%u: %s", name, line_no, parse_error());
		else
			cli_error("%s: %s", name, parse_error());
		forward_list_free(&list);
		return 1;
	}
	ret = restore_send(&cfg, &list);
	forward_list_free(&list);
	return ret;
}
