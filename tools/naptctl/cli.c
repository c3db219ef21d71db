// SPDX-License-Identifier: GPL-2.0
/* Output options and error lines shared by all commands; see cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <linux/napt.h>

#include "cli.h"
#include "parse.h"

struct cli_options cli;

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("naptctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_failed(void)
{
	cli_error("%s", parse_error());
	return 1;
}

int cli_unknown_command(const char *object, const char *command)
{
	cli_error("unknown command '%s' for '%s'; try 'naptctl %s help'",
		  command, object, object);
	return 1;
}

int cli_no_more_args(const char *command, int argc, char **argv)
{
	if (argc == 0)
		return 0;
	cli_error("unexpected argument '%s' after '%s'", argv[0], command);
	return 1;
}

int cli_nl_failed(const char *doing, const struct nl_session *s)
{
	const char *errtext = strerror(s->error);

	if (s->family_missing) {
		cli_error("cannot %s: napt module not loaded (no generic netlink family '%s')",
			  doing, NAPT_GENL_NAME);
	} else if (s->error == EPERM) {
		cli_error("cannot %s: %s%s%s (CAP_NET_ADMIN needed)", doing,
			  s->extack, s->extack[0] ? ": " : "", errtext);
	} else if (s->error == EINTR) {
		cli_error("cannot %s: the table kept changing while it was read; try again",
			  doing);
	} else if (!s->extack[0]) {
		cli_error("cannot %s: %s", doing, errtext);
	} else if (s->error == EINVAL || s->error == 0) {
		/* "Invalid argument" adds nothing to the kernel's own words */
		cli_error("cannot %s: %s", doing, s->extack);
	} else {
		cli_error("cannot %s: %s: %s", doing, s->extack, errtext);
	}
	return 1;
}

int cli_open(struct nl_session *s, const char *doing)
{
	if (nl_open(s) == 0)
		return 0;
	return cli_nl_failed(doing, s);
}

void cli_json_start(struct json_writer *w)
{
	json_init(w, stdout, cli.pretty);
}
