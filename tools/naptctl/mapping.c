// SPDX-License-Identifier: GPL-2.0
/* naptctl mapping: NAPT_CMD_MAPPING_GET (dump) and NAPT_CMD_MAPPING_FLUSH. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/napt.h>

#include "cli.h"
#include "mapping.h"
#include "parse.h"

#define MAP_PROTO	(1u << 0)
#define MAP_INTERNAL	(1u << 1)

#define DUMP_ATTEMPTS	3

int mapping_parse_filter(int argc, char **argv, struct mapping_filter *filter)
{
	unsigned int seen = 0;
	struct port_range ports;
	const char *value;
	bool has_ports;

	*filter = (struct mapping_filter){ 0 };
	for (int i = 0; i < argc; i++) {
		if (word_is(argv[i], "proto")) {
			if (parse_once(&seen, MAP_PROTO, "proto") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_ip_proto(value, &filter->proto))
				return -1;
			filter->has_proto = true;
		} else if (word_is(argv[i], "internal")) {
			if (parse_once(&seen, MAP_INTERNAL, "internal") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_endpoint(value, &filter->addr, &ports, &has_ports))
				return -1;
			if (has_ports && ports.min != ports.max) {
				parse_fail("bad endpoint '%s' (one port, not a range)",
					   value);
				return -1;
			}
			filter->has_addr = true;
			filter->has_port = has_ports;
			filter->port = ports.min;
		} else {
			parse_fail("unknown keyword '%s' for 'mapping list'; try 'naptctl mapping help'",
				   argv[i]);
			return -1;
		}
	}
	return 0;
}

void mapping_put_filter(struct nlmsghdr *nlh, const struct mapping_filter *filter)
{
	struct nlattr *nest;

	if (!filter->has_proto && !filter->has_addr)
		return;
	nest = mnl_attr_nest_start(nlh, NAPT_A_MAPPING);
	if (filter->has_proto)
		mnl_attr_put_u8(nlh, NAPT_MAP_A_PROTO, filter->proto);
	if (filter->has_addr)
		mnl_attr_put(nlh, NAPT_MAP_A_INT_ADDR, sizeof(filter->addr.s_addr),
			     &filter->addr.s_addr);
	if (filter->has_port)
		mnl_attr_put_u16(nlh, NAPT_MAP_A_INT_PORT, filter->port);
	mnl_attr_nest_end(nlh, nest);
}

int mapping_from_nest(const struct nlattr *nest, struct napt_mapping *map)
{
	const struct nlattr *tb[NAPT_MAP_A_MAX + 1];

	*map = (struct napt_mapping){ 0 };
	if (nl_parse_nest(nest, tb, NAPT_MAP_A_MAX) ||
	    nl_get_u8(tb[NAPT_MAP_A_PROTO], &map->proto) ||
	    nl_get_u32(tb[NAPT_MAP_A_INT_ADDR], &map->int_addr.s_addr) ||
	    nl_get_u32(tb[NAPT_MAP_A_EXT_ADDR], &map->ext_addr.s_addr))
		goto bad;
	if (tb[NAPT_MAP_A_INT_PORT] || tb[NAPT_MAP_A_EXT_PORT]) {
		if (nl_get_u16(tb[NAPT_MAP_A_INT_PORT], &map->int_port) ||
		    nl_get_u16(tb[NAPT_MAP_A_EXT_PORT], &map->ext_port))
			goto bad;
		map->has_ports = true;
	}
	if (tb[NAPT_MAP_A_REM_ADDR]) {
		if (nl_get_u32(tb[NAPT_MAP_A_REM_ADDR], &map->rem_addr.s_addr))
			goto bad;
		map->has_remote = true;
	}
	if ((tb[NAPT_MAP_A_SESSIONS] &&
	     nl_get_u32(tb[NAPT_MAP_A_SESSIONS], &map->sessions)) ||
	    (tb[NAPT_MAP_A_EXPIRES_MS] &&
	     nl_get_u64(tb[NAPT_MAP_A_EXPIRES_MS], &map->expires_ms)))
		goto bad;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

static int mapping_append(struct mapping_list *list,
			  const struct napt_mapping *map)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 64;
		struct napt_mapping *items;

		items = realloc(list->items, capacity * sizeof(*items));
		if (!items) {
			errno = ENOMEM;
			return -1;
		}
		list->items = items;
		list->capacity = capacity;
	}
	list->items[list->count++] = *map;
	return 0;
}

void mapping_list_free(struct mapping_list *list)
{
	free(list->items);
	*list = (struct mapping_list){ 0 };
}

static int mapping_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	struct napt_mapping map;

	if (nl_parse_attrs(nlh, tb, NAPT_A_MAX) || !tb[NAPT_A_MAPPING] ||
	    mapping_from_nest(tb[NAPT_A_MAPPING], &map)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return mapping_append(data, &map) ? MNL_CB_ERROR : MNL_CB_OK;
}

/*
 * The whole dump is read before anything is printed, so an interrupted
 * dump can be started over without printing a row twice.
 */
int mapping_dump(struct nl_session *s, const struct mapping_filter *filter,
		 struct mapping_list *list)
{
	char buf[NL_SEND_SIZE];
	struct nlmsghdr *nlh;

	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		list->count = 0;
		nlh = nl_msg_start(buf, s->family, NAPT_CMD_MAPPING_GET,
				   NLM_F_DUMP);
		mapping_put_filter(nlh, filter);
		if (nl_request(s, nlh, mapping_cb, list) == 0)
			return 0;
		if (s->error != EINTR)
			break;
	}
	return -1;
}

/* Seconds, rounded up so that a live mapping never shows 0s. */
static unsigned long long expires_seconds(uint64_t ms)
{
	return (ms + 999) / 1000;
}

#define MAPPING_ROW "%-8s %-21s %-21s %-15s %-8s %s\n"

void mapping_print_table(FILE *out, const struct mapping_list *list)
{
	fprintf(out, MAPPING_ROW, "PROTO", "INTERNAL", "EXTERNAL", "REMOTE",
		"SESSIONS", "EXPIRES");
	for (size_t i = 0; i < list->count; i++) {
		const struct napt_mapping *map = &list->items[i];
		char internal[ADDR_STR_MAX + 6], external[ADDR_STR_MAX + 6];
		char addr[ADDR_STR_MAX], remote[ADDR_STR_MAX];
		char proto[32], sessions[12], expires[24];

		format_ipv4(map->int_addr, addr);
		if (map->has_ports)
			snprintf(internal, sizeof(internal), "%s:%u", addr,
				 map->int_port);
		else
			snprintf(internal, sizeof(internal), "%s", addr);
		format_ipv4(map->ext_addr, addr);
		if (map->has_ports)
			snprintf(external, sizeof(external), "%s:%u", addr,
				 map->ext_port);
		else
			snprintf(external, sizeof(external), "%s", addr);
		if (map->has_remote)
			format_ipv4(map->rem_addr, remote);
		else
			strcpy(remote, "-");
		snprintf(sessions, sizeof(sessions), "%u", map->sessions);
		snprintf(expires, sizeof(expires), "%llus",
			 expires_seconds(map->expires_ms));
		fprintf(out, MAPPING_ROW,
			ip_proto_name(map->proto, proto, sizeof(proto)),
			internal, external, remote, sessions, expires);
	}
}

void mapping_json(struct json_writer *w, const struct mapping_list *list)
{
	char addr[ADDR_STR_MAX], proto[32];

	json_array_begin(w);
	for (size_t i = 0; i < list->count; i++) {
		const struct napt_mapping *map = &list->items[i];

		json_object_begin(w);
		json_kv_string(w, "proto",
			       ip_proto_name(map->proto, proto, sizeof(proto)));
		json_kv_string(w, "internal_addr", format_ipv4(map->int_addr, addr));
		if (map->has_ports)
			json_kv_uint(w, "internal_port", map->int_port);
		json_kv_string(w, "external_addr", format_ipv4(map->ext_addr, addr));
		if (map->has_ports)
			json_kv_uint(w, "external_port", map->ext_port);
		if (map->has_remote)
			json_kv_string(w, "remote_addr",
				       format_ipv4(map->rem_addr, addr));
		json_kv_uint(w, "sessions", map->sessions);
		json_kv_uint(w, "expires_ms", map->expires_ms);
		json_object_end(w);
	}
	json_array_end(w);
}

void mapping_usage(FILE *out)
{
	fputs("Usage: naptctl mapping list [proto {tcp|udp|icmp|NUMBER|NAME}]\n"
	      "                            [internal A.B.C.D[:PORT]]\n"
	      "       naptctl mapping flush\n"
	      "REMOTE is shown for address-only protocols (GRE, ESP, ...).\n"
	      "flush removes every dynamic mapping; forwards stay.\n", out);
}

static int mapping_list_cmd(int argc, char **argv)
{
	struct mapping_list list = { 0 };
	struct mapping_filter filter;
	struct nl_session s;
	struct json_writer w;
	int ret = 0;

	if (mapping_parse_filter(argc, argv, &filter))
		return cli_parse_failed();
	if (cli_open(&s, "list mappings"))
		return 1;
	if (mapping_dump(&s, &filter, &list)) {
		ret = cli_nl_failed("list mappings", &s);
	} else if (cli.json) {
		cli_json_start(&w);
		mapping_json(&w, &list);
	} else {
		mapping_print_table(stdout, &list);
	}
	nl_close(&s);
	mapping_list_free(&list);
	return ret;
}

static int mapping_flush(int argc, char **argv)
{
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct nlmsghdr *nlh;
	int ret;

	if (cli_no_more_args("mapping flush", argc, argv))
		return 1;
	if (cli_open(&s, "flush mappings"))
		return 1;
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_MAPPING_FLUSH, 0);
	ret = nl_request(&s, nlh, NULL, NULL) ?
	      cli_nl_failed("flush mappings", &s) : 0;
	nl_close(&s);
	return ret;
}

int do_mapping(int argc, char **argv)
{
	if (argc == 0)
		return mapping_list_cmd(0, argv);
	if (word_is_help(argv[0])) {
		mapping_usage(stdout);
		return 0;
	}
	if (word_is(argv[0], "list") || word_is(argv[0], "show") ||
	    word_is(argv[0], "ls"))
		return mapping_list_cmd(argc - 1, argv + 1);
	if (word_is(argv[0], "flush"))
		return mapping_flush(argc - 1, argv + 1);
	return cli_unknown_command("mapping", argv[0]);
}
