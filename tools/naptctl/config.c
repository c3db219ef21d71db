// SPDX-License-Identifier: GPL-2.0
/* naptctl set | show: NAPT_CMD_CONFIG_SET and NAPT_CMD_CONFIG_GET. */
#include <errno.h>
#include <stdlib.h>
#include <linux/napt.h>

#include "cli.h"
#include "config.h"
#include "nl.h"

const struct timeout_kind timeout_kinds[TIMEOUT_KINDS] = {
	{ "udp",	NAPT_A_TIMEOUT_UDP,	  NAPT_DEFAULT_TIMEOUT_UDP },
	{ "tcp-est",	NAPT_A_TIMEOUT_TCP_EST,	  NAPT_DEFAULT_TIMEOUT_TCP_EST },
	{ "tcp-trans",	NAPT_A_TIMEOUT_TCP_TRANS, NAPT_DEFAULT_TIMEOUT_TCP_TRANS },
	{ "icmp",	NAPT_A_TIMEOUT_ICMP,	  NAPT_DEFAULT_TIMEOUT_ICMP },
	{ "other",	NAPT_A_TIMEOUT_OTHER,	  NAPT_DEFAULT_TIMEOUT_OTHER },
};

static const char *const filtering_names[] = {
	[NAPT_FILTER_EIF] = "eif",
	[NAPT_FILTER_ADF] = "adf",
	[NAPT_FILTER_APDF] = "apdf",
};

const char *filtering_name(uint8_t filtering)
{
	return filtering <= NAPT_FILTER_MAX ? filtering_names[filtering] : NULL;
}

static int parse_filtering(const char *s, uint8_t *filtering)
{
	for (unsigned int i = 0; i <= NAPT_FILTER_MAX; i++) {
		if (word_is(s, filtering_names[i])) {
			*filtering = (uint8_t)i;
			return 0;
		}
	}
	parse_fail("bad filtering mode '%s' (expected eif, adf or apdf)", s);
	return -1;
}

static int parse_timeout(int argc, char **argv, int *i,
			 struct napt_settings *st)
{
	unsigned long long seconds;
	const char *kind_word, *value;
	char key[32];
	int kind;

	if (parse_value(argc, argv, i, &kind_word))
		return -1;
	for (kind = 0; kind < TIMEOUT_KINDS; kind++)
		if (word_is(kind_word, timeout_kinds[kind].name))
			break;
	if (kind == TIMEOUT_KINDS) {
		parse_fail("unknown timeout '%s' (expected udp, tcp-est, tcp-trans, icmp or other)",
			   kind_word);
		return -1;
	}
	snprintf(key, sizeof(key), "timeout %s", kind_word);
	if (parse_once(&st->present, SETTING_TIMEOUT(kind), key))
		return -1;
	if (*i + 1 >= argc) {
		parse_fail("missing seconds after '%s'", key);
		return -1;
	}
	value = argv[++*i];
	if (parse_uint(value, 1, NAPT_TIMEOUT_MAX, &seconds)) {
		parse_fail("bad timeout '%s' for '%s' (expected 1-%u seconds)",
			   value, key, NAPT_TIMEOUT_MAX);
		return -1;
	}
	st->timeout[kind] = (uint32_t)seconds;
	return 0;
}

static int parse_limit(const char *key, const char *value, uint32_t *limit)
{
	unsigned long long v;

	if (parse_uint(value, 1, NAPT_MAX_MAPPINGS_LIMIT, &v)) {
		parse_fail("bad value '%s' for '%s' (expected 1-%u)", value, key,
			   NAPT_MAX_MAPPINGS_LIMIT);
		return -1;
	}
	*limit = (uint32_t)v;
	return 0;
}

int settings_parse(int argc, char **argv, struct napt_settings *st)
{
	const char *value;

	if (argc == 0) {
		parse_fail("'set' needs a setting; try 'naptctl set help'");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		const char *key = argv[i];

		if (word_is(key, "timeout")) {
			if (parse_timeout(argc, argv, &i, st))
				return -1;
		} else if (word_is(key, "ports")) {
			if (parse_once(&st->present, SETTING_PORTS, key) ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_port_range(value, &st->ports))
				return -1;
		} else if (word_is(key, "max-mappings")) {
			if (parse_once(&st->present, SETTING_MAX_MAPPINGS, key) ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_limit(key, value, &st->max_mappings))
				return -1;
		} else if (word_is(key, "max-per-host")) {
			if (parse_once(&st->present, SETTING_MAX_PER_HOST, key) ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_limit(key, value, &st->max_per_host))
				return -1;
		} else if (word_is(key, "filtering")) {
			if (parse_once(&st->present, SETTING_FILTERING, key) ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_filtering(value, &st->filtering))
				return -1;
		} else {
			parse_fail("unknown setting '%s'; try 'naptctl set help'",
				   key);
			return -1;
		}
	}
	return 0;
}

void settings_put(struct nlmsghdr *nlh, const struct napt_settings *st)
{
	if (st->present & SETTING_PORTS) {
		mnl_attr_put_u16(nlh, NAPT_A_PORT_MIN, st->ports.min);
		mnl_attr_put_u16(nlh, NAPT_A_PORT_MAX, st->ports.max);
	}
	for (int kind = 0; kind < TIMEOUT_KINDS; kind++)
		if (st->present & SETTING_TIMEOUT(kind))
			mnl_attr_put_u32(nlh, timeout_kinds[kind].attr,
					 st->timeout[kind]);
	if (st->present & SETTING_MAX_MAPPINGS)
		mnl_attr_put_u32(nlh, NAPT_A_MAX_MAPPINGS, st->max_mappings);
	if (st->present & SETTING_MAX_PER_HOST)
		mnl_attr_put_u32(nlh, NAPT_A_MAX_PER_HOST, st->max_per_host);
	if (st->present & SETTING_FILTERING)
		mnl_attr_put_u8(nlh, NAPT_A_FILTERING, st->filtering);
}

int settings_from_attrs(const struct nlattr **tb, struct napt_settings *st)
{
	*st = (struct napt_settings){ 0 };
	if (tb[NAPT_A_PORT_MIN] && tb[NAPT_A_PORT_MAX]) {
		if (nl_get_u16(tb[NAPT_A_PORT_MIN], &st->ports.min) ||
		    nl_get_u16(tb[NAPT_A_PORT_MAX], &st->ports.max))
			return -1;
		st->present |= SETTING_PORTS;
	}
	for (int kind = 0; kind < TIMEOUT_KINDS; kind++) {
		const struct nlattr *a = tb[timeout_kinds[kind].attr];

		if (!a)
			continue;
		if (nl_get_u32(a, &st->timeout[kind]))
			return -1;
		st->present |= SETTING_TIMEOUT(kind);
	}
	if (tb[NAPT_A_MAX_MAPPINGS]) {
		if (nl_get_u32(tb[NAPT_A_MAX_MAPPINGS], &st->max_mappings))
			return -1;
		st->present |= SETTING_MAX_MAPPINGS;
	}
	if (tb[NAPT_A_MAX_PER_HOST]) {
		if (nl_get_u32(tb[NAPT_A_MAX_PER_HOST], &st->max_per_host))
			return -1;
		st->present |= SETTING_MAX_PER_HOST;
	}
	if (tb[NAPT_A_FILTERING]) {
		if (nl_get_u8(tb[NAPT_A_FILTERING], &st->filtering))
			return -1;
		st->present |= SETTING_FILTERING;
	}
	return 0;
}

int config_from_msg(const struct nlmsghdr *nlh, struct napt_config *cfg)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];

	if (nl_parse_attrs(nlh, tb, NAPT_A_MAX) ||
	    wan_from_attrs(tb, &cfg->wan) ||
	    settings_from_attrs(tb, &cfg->settings)) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	return config_from_msg(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

int config_get(struct nl_session *s, struct napt_config *cfg)
{
	char buf[NL_SEND_SIZE];
	struct nlmsghdr *nlh;

	*cfg = (struct napt_config){ 0 };
	nlh = nl_msg_start(buf, s->family, NAPT_CMD_CONFIG_GET, 0);
	return nl_request(s, nlh, config_cb, cfg);
}

int config_fetch(struct napt_config *cfg, const char *doing)
{
	struct nl_session s;
	int ret = 0;

	if (cli_open(&s, doing))
		return 1;
	if (config_get(&s, cfg))
		ret = cli_nl_failed(doing, &s);
	nl_close(&s);
	return ret;
}

void config_print(FILE *out, const struct napt_config *cfg)
{
	const struct napt_settings *st = &cfg->settings;
	char range[RANGE_STR_MAX];

	wan_print(out, &cfg->wan);
	if (st->present & SETTING_PORTS)
		fprintf(out, "ports %s\n", format_port_range(st->ports, range));
	if (st->present & SETTING_FILTERING) {
		const char *name = filtering_name(st->filtering);

		if (name)
			fprintf(out, "filtering %s\n", name);
		else
			fprintf(out, "filtering %u\n", st->filtering);
	}
	if (st->present & SETTING_MAX_MAPPINGS)
		fprintf(out, "max-mappings %u\n", st->max_mappings);
	if (st->present & SETTING_MAX_PER_HOST)
		fprintf(out, "max-per-host %u\n", st->max_per_host);
	for (int kind = 0; kind < TIMEOUT_KINDS; kind++)
		if (st->present & SETTING_TIMEOUT(kind))
			fprintf(out, "timeout %s %u\n", timeout_kinds[kind].name,
				st->timeout[kind]);
}

void config_json_members(struct json_writer *w, const struct napt_config *cfg)
{
	const struct napt_settings *st = &cfg->settings;

	json_key(w, "wan");
	wan_json(w, &cfg->wan);
	if (st->present & SETTING_PORTS) {
		json_kv_uint(w, "port_min", st->ports.min);
		json_kv_uint(w, "port_max", st->ports.max);
	}
	if (st->present & SETTING_FILTERING) {
		const char *name = filtering_name(st->filtering);

		if (name)
			json_kv_string(w, "filtering", name);
		else
			json_kv_uint(w, "filtering", st->filtering);
	}
	if (st->present & SETTING_MAX_MAPPINGS)
		json_kv_uint(w, "max_mappings", st->max_mappings);
	if (st->present & SETTING_MAX_PER_HOST)
		json_kv_uint(w, "max_per_host", st->max_per_host);
	json_key(w, "timeout");
	json_object_begin(w);
	for (int kind = 0; kind < TIMEOUT_KINDS; kind++)
		if (st->present & SETTING_TIMEOUT(kind))
			json_kv_uint(w, timeout_kinds[kind].name, st->timeout[kind]);
	json_object_end(w);
}

void set_usage(FILE *out)
{
	fprintf(out,
		"Usage: naptctl set KEY VALUE [KEY VALUE]...\n"
		"Keys (all given in one command are applied together):\n"
		"  ports LO-HI | PORT         dynamic port range (default %u-%u)\n"
		"  timeout udp SECONDS        (default %u)\n"
		"  timeout tcp-est SECONDS    (default %u)\n"
		"  timeout tcp-trans SECONDS  (default %u)\n"
		"  timeout icmp SECONDS       (default %u)\n"
		"  timeout other SECONDS      (default %u)\n"
		"  max-mappings N             (default %u, at most %u)\n"
		"  max-per-host N             (default %u, at most %u)\n"
		"  filtering {eif|adf|apdf}   (default adf)\n"
		"Timeouts are 1-%u seconds.\n",
		NAPT_DEFAULT_PORT_MIN, NAPT_DEFAULT_PORT_MAX,
		NAPT_DEFAULT_TIMEOUT_UDP, NAPT_DEFAULT_TIMEOUT_TCP_EST,
		NAPT_DEFAULT_TIMEOUT_TCP_TRANS, NAPT_DEFAULT_TIMEOUT_ICMP,
		NAPT_DEFAULT_TIMEOUT_OTHER,
		NAPT_DEFAULT_MAX_MAPPINGS, NAPT_MAX_MAPPINGS_LIMIT,
		NAPT_DEFAULT_MAX_PER_HOST, NAPT_MAX_MAPPINGS_LIMIT,
		NAPT_TIMEOUT_MAX);
}

int do_set(int argc, char **argv)
{
	struct napt_settings st = { 0 };
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct nlmsghdr *nlh;
	int ret;

	if (argc == 1 && word_is_help(argv[0])) {
		set_usage(stdout);
		return 0;
	}
	if (settings_parse(argc, argv, &st))
		return cli_parse_failed();
	if (cli_open(&s, "change settings"))
		return 1;
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_CONFIG_SET, 0);
	settings_put(nlh, &st);
	ret = nl_request(&s, nlh, NULL, NULL) ?
	      cli_nl_failed("change settings", &s) : 0;
	nl_close(&s);
	return ret;
}

int do_show(int argc, char **argv)
{
	struct napt_config cfg;
	struct json_writer w;

	if (argc == 1 && word_is_help(argv[0])) {
		fputs("Usage: naptctl show\n"
		      "Prints the WAN and every setting.\n", stdout);
		return 0;
	}
	if (cli_no_more_args("show", argc, argv))
		return 1;
	if (config_fetch(&cfg, "show configuration"))
		return 1;
	if (cli.json) {
		cli_json_start(&w);
		json_object_begin(&w);
		config_json_members(&w, &cfg);
		json_object_end(&w);
	} else {
		config_print(stdout, &cfg);
	}
	return 0;
}
