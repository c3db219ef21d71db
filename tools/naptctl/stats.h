/* SPDX-License-Identifier: GPL-2.0 */
/* naptctl stats: the counters of enum napt_stats_attr. */
#ifndef NAPTCTL_STATS_H
#define NAPTCTL_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <linux/napt.h>
#include <libmnl/libmnl.h>

#include "json.h"

struct napt_stats {
	uint64_t value[NAPT_STATS_A_MAX + 1];	/* by NAPT_STATS_A_* */
};

/* "xlate-out", "drop-no-mapping", ...; NULL for UNSPEC and PAD. */
const char *stats_name(unsigned int attr);
int stats_from_nest(const struct nlattr *nest, struct napt_stats *stats);

void stats_print(FILE *out, const struct napt_stats *stats);
void stats_json(struct json_writer *w, const struct napt_stats *stats);

int do_stats(int argc, char **argv);

#endif /* NAPTCTL_STATS_H */
