/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every command shares: the output options (-j, -p) and the error
 * lines, "naptctl: <what>" on stderr. Commands return their exit status.
 */
#ifndef NAPTCTL_CLI_H
#define NAPTCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "nl.h"

#ifndef NAPT_VERSION
#define NAPT_VERSION "unknown"
#endif

struct cli_options {
	bool json;
	bool pretty;
};

extern struct cli_options cli;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints parse_error(); returns 1. */
int cli_parse_failed(void);
/* "unknown command 'x' for 'object'; try 'naptctl object help'"; returns 1. */
int cli_unknown_command(const char *object, const char *command);
/* Refuses words left over after a command that takes none; 0 if none. */
int cli_no_more_args(const char *command, int argc, char **argv);
/*
 * "cannot <doing>: <kernel's message>[: <errno text>]"; returns 1.
 * doing: "add forward", "change settings", ...
 */
int cli_nl_failed(const char *doing, const struct nl_session *s);
/* nl_open(), reporting failure as "cannot <doing>: ..."; 0 or 1. */
int cli_open(struct nl_session *s, const char *doing);
/* A JSON writer on stdout with the -p choice. */
void cli_json_start(struct json_writer *w);

#endif /* NAPTCTL_CLI_H */
