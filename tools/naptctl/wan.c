// SPDX-License-Identifier: GPL-2.0
/* naptctl wan: NAPT_CMD_WAN_SET, NAPT_CMD_WAN_DEL, and the WAN part of
 * NAPT_CMD_CONFIG_GET. */
#include <string.h>
#include <linux/napt.h>

#include "cli.h"
#include "config.h"
#include "nl.h"
#include "parse.h"
#include "wan.h"

#define WAN_DEV		(1u << 0)
#define WAN_ADDR	(1u << 1)

int wan_parse_set(int argc, char **argv, struct napt_wan *wan)
{
	unsigned int seen = 0;
	const char *value;

	*wan = (struct napt_wan){ .enabled = true };
	for (int i = 0; i < argc; i++) {
		if (word_is(argv[i], "dev")) {
			if (parse_once(&seen, WAN_DEV, "dev") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_ifname(value, wan->ifname, sizeof(wan->ifname)))
				return -1;
		} else if (word_is(argv[i], "addr")) {
			if (parse_once(&seen, WAN_ADDR, "addr") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_ipv4(value, &wan->addr))
				return -1;
			wan->has_addr = true;
		} else {
			parse_fail("unknown keyword '%s' for 'wan set'; try 'naptctl wan help'",
				   argv[i]);
			return -1;
		}
	}
	if (!(seen & WAN_DEV)) {
		parse_fail("'wan set' needs 'dev IFNAME'");
		return -1;
	}
	return 0;
}

void wan_put(struct nlmsghdr *nlh, const struct napt_wan *wan)
{
	mnl_attr_put_strz(nlh, NAPT_A_WAN_IFNAME, wan->ifname);
	if (wan->has_addr)
		mnl_attr_put(nlh, NAPT_A_WAN_ADDR, sizeof(wan->addr.s_addr),
			     &wan->addr.s_addr);
}

int wan_from_attrs(const struct nlattr **tb, struct napt_wan *wan)
{
	*wan = (struct napt_wan){ 0 };
	if (!tb[NAPT_A_WAN_IFNAME])
		return 0;	/* NAPT is off */
	wan->enabled = true;
	if (nl_get_str(tb[NAPT_A_WAN_IFNAME], wan->ifname, sizeof(wan->ifname)) ||
	    (tb[NAPT_A_WAN_IFINDEX] &&
	     nl_get_u32(tb[NAPT_A_WAN_IFINDEX], &wan->ifindex)) ||
	    (tb[NAPT_A_WAN_ADDR] &&
	     nl_get_u32(tb[NAPT_A_WAN_ADDR], &wan->addr.s_addr)))
		return -1;
	wan->has_addr = tb[NAPT_A_WAN_ADDR] != NULL;
	wan->addr_fixed = tb[NAPT_A_WAN_ADDR_FIXED] != NULL;
	return 0;
}

void wan_print(FILE *out, const struct napt_wan *wan)
{
	char addr[ADDR_STR_MAX];

	if (!wan->enabled) {
		fputs("wan off\n", out);
		return;
	}
	fprintf(out, "wan dev %s", wan->ifname);
	if (wan->has_addr)
		fprintf(out, " addr %s", format_ipv4(wan->addr, addr));
	if (wan->addr_fixed)
		fputs(wan->ifindex ? " (fixed)" : " (fixed, interface missing)",
		      out);
	else if (!wan->ifindex)
		fputs(" (interface missing)", out);
	else if (wan->has_addr)
		fputs(" (follows interface)", out);
	else
		fputs(" (follows interface, which has no address)", out);
	fputc('\n', out);
}

void wan_json(struct json_writer *w, const struct napt_wan *wan)
{
	char addr[ADDR_STR_MAX];

	json_object_begin(w);
	json_kv_bool(w, "enabled", wan->enabled);
	if (wan->enabled) {
		json_kv_string(w, "dev", wan->ifname);
		json_kv_uint(w, "ifindex", wan->ifindex);
		json_kv_bool(w, "interface_present", wan->ifindex != 0);
		if (wan->has_addr)
			json_kv_string(w, "addr", format_ipv4(wan->addr, addr));
		else
			json_kv_null(w, "addr");
		json_kv_bool(w, "addr_fixed", wan->addr_fixed);
	}
	json_object_end(w);
}

void wan_usage(FILE *out)
{
	fputs("Usage: naptctl wan set dev IFNAME [addr A.B.C.D]\n"
	      "       naptctl wan show\n"
	      "       naptctl wan del\n"
	      "Without addr, the WAN address follows the interface's primary\n"
	      "IPv4 address (like MASQUERADE).\n", out);
}

static int wan_set(int argc, char **argv)
{
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct napt_wan wan;
	struct nlmsghdr *nlh;
	int ret;

	if (wan_parse_set(argc, argv, &wan))
		return cli_parse_failed();
	if (cli_open(&s, "set wan"))
		return 1;
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_WAN_SET, 0);
	wan_put(nlh, &wan);
	ret = nl_request(&s, nlh, NULL, NULL) ? cli_nl_failed("set wan", &s) : 0;
	nl_close(&s);
	return ret;
}

static int wan_del(int argc, char **argv)
{
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct nlmsghdr *nlh;
	int ret;

	if (cli_no_more_args("wan del", argc, argv))
		return 1;
	if (cli_open(&s, "delete wan"))
		return 1;
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_WAN_DEL, 0);
	ret = nl_request(&s, nlh, NULL, NULL) ? cli_nl_failed("delete wan", &s) : 0;
	nl_close(&s);
	return ret;
}

static int wan_show(int argc, char **argv)
{
	struct napt_config cfg;
	struct json_writer w;

	if (cli_no_more_args("wan show", argc, argv))
		return 1;
	if (config_fetch(&cfg, "show wan"))
		return 1;
	if (cli.json) {
		cli_json_start(&w);
		wan_json(&w, &cfg.wan);
	} else {
		wan_print(stdout, &cfg.wan);
	}
	return 0;
}

int do_wan(int argc, char **argv)
{
	if (argc == 0)
		return wan_show(0, argv);
	if (word_is_help(argv[0])) {
		wan_usage(stdout);
		return 0;
	}
	if (word_is(argv[0], "set"))
		return wan_set(argc - 1, argv + 1);
	if (word_is(argv[0], "del") || word_is(argv[0], "delete"))
		return wan_del(argc - 1, argv + 1);
	if (word_is(argv[0], "show") || word_is(argv[0], "list"))
		return wan_show(argc - 1, argv + 1);
	return cli_unknown_command("wan", argv[0]);
}
