/* SPDX-License-Identifier: GPL-2.0 */
/*
 * naptctl save | restore: the configuration as a file of naptctl commands
 * (wan set, set, forward add), and NAPT_CMD_RESTORE, which replaces the
 * whole configuration with one message.
 */
#ifndef NAPTCTL_SAVERESTORE_H
#define NAPTCTL_SAVERESTORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <libmnl/libmnl.h>

#include "config.h"
#include "forward.h"

/* Words on one line of a restore file. */
#define LINE_WORDS_MAX 64

/*
 * Splits line in place into at most max words. Blanks separate words;
 * double quotes group ("my web server"); inside quotes a backslash takes
 * the next character as it is, and \xHH is the byte HH; a word that
 * starts with an unquoted # starts a comment that ends the line.
 */
int tokenize_line(char *line, char **words, int max, int *count);

/* Writes word, in double quotes when it needs them (or always). */
void save_word(FILE *out, const char *word, bool always_quote);
void save_forward(FILE *out, const struct napt_forward *fwd);
void save_write(FILE *out, const struct napt_config *cfg,
		const struct forward_list *list);

/*
 * Parses a whole restore file. On failure *line_no is the line at fault
 * (0: not a line's fault) and parse_error() says what is wrong.
 */
int restore_parse(FILE *in, struct napt_config *cfg, struct forward_list *list,
		  unsigned int *line_no);
/* Worst-case size of the RESTORE message, and the message itself. */
size_t restore_msg_size(const struct forward_list *list);
struct nlmsghdr *restore_build(void *buf, uint16_t family,
			       const struct napt_config *cfg,
			       const struct forward_list *list);

int do_save(int argc, char **argv);
int do_restore(int argc, char **argv);

#endif /* NAPTCTL_SAVERESTORE_H */
