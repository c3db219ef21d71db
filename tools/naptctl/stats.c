// SPDX-License-Identifier: GPL-2.0
/* naptctl stats: NAPT_CMD_STATS_GET. */
#include <errno.h>
#include <inttypes.h>

#include "cli.h"
#include "nl.h"
#include "parse.h"
#include "stats.h"

/* The enum's names, lower case with dashes, so they are easy to guess. */
static const char *const stats_names[NAPT_STATS_A_MAX + 1] = {
	[NAPT_STATS_A_XLATE_OUT]	= "xlate-out",
	[NAPT_STATS_A_XLATE_IN]		= "xlate-in",
	[NAPT_STATS_A_HAIRPIN]		= "hairpin",
	[NAPT_STATS_A_ICMP_ERR]		= "icmp-err",
	[NAPT_STATS_A_DROP_NO_MAPPING]	= "drop-no-mapping",
	[NAPT_STATS_A_DROP_FILTERED]	= "drop-filtered",
	[NAPT_STATS_A_DROP_NO_PORT]	= "drop-no-port",
	[NAPT_STATS_A_DROP_TABLE_FULL]	= "drop-table-full",
	[NAPT_STATS_A_DROP_HOST_CAP]	= "drop-host-cap",
	[NAPT_STATS_A_DROP_MALFORMED]	= "drop-malformed",
	[NAPT_STATS_A_DROP_UNSUPPORTED]	= "drop-unsupported",
	[NAPT_STATS_A_DROP_NOMEM]	= "drop-nomem",
	[NAPT_STATS_A_MAPPINGS_CREATED]	= "mappings-created",
	[NAPT_STATS_A_MAPPINGS_EXPIRED]	= "mappings-expired",
	[NAPT_STATS_A_MAPPINGS]		= "mappings",
	[NAPT_STATS_A_SESSIONS]		= "sessions",
	[NAPT_STATS_A_FORWARD_HITS]	= "forward-hits",
};

const char *stats_name(unsigned int attr)
{
	return attr <= NAPT_STATS_A_MAX ? stats_names[attr] : NULL;
}

int stats_from_nest(const struct nlattr *nest, struct napt_stats *stats)
{
	const struct nlattr *tb[NAPT_STATS_A_MAX + 1];

	*stats = (struct napt_stats){ { 0 } };
	if (nl_parse_nest(nest, tb, NAPT_STATS_A_MAX))
		goto bad;
	for (unsigned int attr = 0; attr <= NAPT_STATS_A_MAX; attr++) {
		/* an absent counter reads 0; u32 gauges and u64 counters */
		if (stats_names[attr] && tb[attr] &&
		    nl_get_uint(tb[attr], &stats->value[attr]))
			goto bad;
	}
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

void stats_print(FILE *out, const struct napt_stats *stats)
{
	for (unsigned int attr = 0; attr <= NAPT_STATS_A_MAX; attr++)
		if (stats_names[attr])
			fprintf(out, "%s %" PRIu64 "\n", stats_names[attr],
				stats->value[attr]);
}

void stats_json(struct json_writer *w, const struct napt_stats *stats)
{
	json_object_begin(w);
	for (unsigned int attr = 0; attr <= NAPT_STATS_A_MAX; attr++)
		if (stats_names[attr])
			json_kv_uint(w, stats_names[attr], stats->value[attr]);
	json_object_end(w);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];

	if (nl_parse_attrs(nlh, tb, NAPT_A_MAX) || !tb[NAPT_A_STATS] ||
	    stats_from_nest(tb[NAPT_A_STATS], data)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int do_stats(int argc, char **argv)
{
	struct napt_stats stats = { { 0 } };
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct nlmsghdr *nlh;
	struct json_writer w;
	int ret = 0;

	if (argc == 1 && (word_is_help(argv[0]))) {
		fputs("Usage: naptctl stats\n"
		      "Prints every counter as NAME VALUE.\n", stdout);
		return 0;
	}
	/* "stats show" reads naturally too */
	if (argc >= 1 && (word_is(argv[0], "show") || word_is(argv[0], "list"))) {
		argc--;
		argv++;
	}
	if (cli_no_more_args("stats", argc, argv))
		return 1;
	if (cli_open(&s, "read statistics"))
		return 1;
	nlh = nl_msg_start(buf, s.family, NAPT_CMD_STATS_GET, 0);
	if (nl_request(&s, nlh, stats_cb, &stats)) {
		ret = cli_nl_failed("read statistics", &s);
	} else if (cli.json) {
		cli_json_start(&w);
		stats_json(&w, &stats);
	} else {
		stats_print(stdout, &stats);
	}
	nl_close(&s);
	return ret;
}
