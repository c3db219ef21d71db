// SPDX-License-Identifier: GPL-2.0
/*
 * naptctl: configure and inspect napt, the kernel's NAPT module, over
 * generic netlink. iproute2 style: naptctl [OPTIONS] OBJECT COMMAND [ARGS].
 * This file: options, dispatch, usage and "version"; each object lives in
 * a file of its own.
 */
#include <string.h>
#include <linux/napt.h>

#include "cli.h"
#include "config.h"
#include "forward.h"
#include "mapping.h"
#include "nl.h"
#include "parse.h"
#include "saverestore.h"
#include "stats.h"
#include "wan.h"

static void usage(FILE *out)
{
	fputs("Usage: naptctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
	      "Options: -j, --json     JSON output\n"
	      "         -p, --pretty   indented JSON output (implies -j)\n"
	      "         -V, --version  print naptctl's version\n"
	      "         -h, --help     print this help\n"
	      "\n"
	      "  naptctl version\n"
	      "  naptctl wan set dev IFNAME [addr A.B.C.D]\n"
	      "  naptctl wan show\n"
	      "  naptctl wan del\n"
	      "  naptctl set KEY VALUE [KEY VALUE]...\n"
	      "          keys: ports LO-HI, timeout {udp|tcp-est|tcp-trans|icmp|other} SECONDS,\n"
	      "                max-mappings N, max-per-host N, filtering {eif|adf|apdf}\n"
	      "  naptctl show\n"
	      "  naptctl mapping list [proto PROTO] [internal A.B.C.D[:PORT]]\n"
	      "  naptctl mapping flush\n"
	      "  naptctl forward add EXT[-EXT2] ADDR[:PORT[-PORT2]] [proto {tcp|udp}]\n"
	      "                      [from PREFIX] [descr TEXT]\n"
	      "  naptctl forward del EXT[-EXT2] [proto {tcp|udp}]\n"
	      "  naptctl forward list\n"
	      "  naptctl forward flush\n"
	      "  naptctl stats\n"
	      "  naptctl save > FILE\n"
	      "  naptctl restore [FILE | -]\n"
	      "\n"
	      "'naptctl OBJECT help' describes an object's commands.\n", out);
}

static int dispatch(int argc, char **argv);

/* "naptctl help", and "naptctl help OBJECT" = "naptctl OBJECT help" */
static int do_help(int argc, char **argv)
{
	char *object_help[] = { argc ? argv[0] : NULL, "help", NULL };

	if (argc == 1 && !word_is_help(argv[0]))
		return dispatch(2, object_help);
	if (cli_no_more_args("help", argc > 1 ? argc - 1 : 0, argv + 1))
		return 1;
	usage(stdout);
	return 0;
}

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];

	if (nl_parse_attrs(nlh, tb, NAPT_A_MAX) || !tb[NAPT_A_VERSION] ||
	    nl_get_str(tb[NAPT_A_VERSION], data, 64))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* module: its version, or NULL with why ("not loaded", "unknown"). */
static void print_versions(const char *module, const char *why)
{
	struct json_writer w;

	if (cli.json) {
		cli_json_start(&w);
		json_object_begin(&w);
		json_kv_string(&w, "naptctl", NAPT_VERSION);
		if (module)
			json_kv_string(&w, "module", module);
		else
			json_kv_null(&w, "module");
		json_object_end(&w);
	} else if (module) {
		printf("naptctl %s, napt module %s\n", NAPT_VERSION, module);
	} else {
		printf("naptctl %s, napt module: %s\n", NAPT_VERSION, why);
	}
}

static int do_version(int argc, char **argv)
{
	char buf[NL_SEND_SIZE], module[64] = "";
	struct nl_session s;
	struct nlmsghdr *nlh;
	int ret = 0;

	if (argc == 1 && word_is_help(argv[0])) {
		fputs("Usage: naptctl version\n"
		      "Prints naptctl's version and the loaded module's.\n", stdout);
		return 0;
	}
	if (cli_no_more_args("version", argc, argv))
		return 1;
	if (nl_open(&s)) {
		if (s.family_missing) {
			print_versions(NULL, "not loaded");
			return 1;
		}
		print_versions(NULL, "unknown");
		return cli_nl_failed("get module version", &s);
	}
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_VERSION_GET, 0);
	if (nl_request(&s, nlh, version_cb, module)) {
		print_versions(NULL, "unknown");
		ret = cli_nl_failed("get module version", &s);
	} else {
		print_versions(module, NULL);
	}
	nl_close(&s);
	return ret;
}

struct object {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct object objects[] = {
	{ "help",	do_help },
	{ "version",	do_version },
	{ "wan",	do_wan },
	{ "set",	do_set },
	{ "show",	do_show },
	{ "mapping",	do_mapping },
	{ "forward",	do_forward },
	{ "stats",	do_stats },
	{ "save",	do_save },
	{ "restore",	do_restore },
};

/* -j -p -V -h, also bundled ("-jp"), and their long forms. */
static int parse_option(const char *arg, bool *exit_now, int *status)
{
	if (word_is(arg, "--json")) {
		cli.json = true;
	} else if (word_is(arg, "--pretty")) {
		cli.json = cli.pretty = true;
	} else if (word_is(arg, "--help")) {
		usage(stdout);
		*exit_now = true;
	} else if (word_is(arg, "--version")) {
		printf("naptctl %s\n", NAPT_VERSION);
		*exit_now = true;
	} else if (arg[1] != '-' && arg[1] != '\0') {
		for (const char *c = arg + 1; *c; c++) {
			switch (*c) {
			case 'j':
				cli.json = true;
				break;
			case 'p':
				cli.json = cli.pretty = true;
				break;
			case 'h':
				usage(stdout);
				*exit_now = true;
				return 0;
			case 'V':
				printf("naptctl %s\n", NAPT_VERSION);
				*exit_now = true;
				return 0;
			default:
				goto unknown;
			}
		}
	} else {
		goto unknown;
	}
	return 0;
unknown:
	cli_error("unknown option '%s'; try 'naptctl help'", arg);
	*status = 1;
	*exit_now = true;
	return -1;
}

static int dispatch(int argc, char **argv)
{
	for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++)
		if (word_is(argv[0], objects[o].name))
			return objects[o].run(argc - 1, argv + 1);
	cli_error("unknown object '%s'; try 'naptctl help'", argv[0]);
	return 1;
}

int main(int argc, char **argv)
{
	bool exit_now = false;
	int status = 0;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		parse_option(argv[i], &exit_now, &status);
		if (exit_now)
			return status;
	}
	if (i == argc) {
		usage(stderr);
		return 1;
	}
	return dispatch(argc - i, argv + i);
}
