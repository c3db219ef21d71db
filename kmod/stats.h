/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counters of every outcome of the packet path. Bumped locklessly
 * on the local CPU from any context; summed over CPUs when read (netlink,
 * process context). On 32-bit machines a reader may see a torn 64-bit
 * value; the counters are statistics, not state.
 */
#ifndef _NAPT_STATS_H
#define _NAPT_STATS_H

#include <linux/percpu.h>

enum napt_stat {
	NAPT_STAT_XLATE_OUT,
	NAPT_STAT_XLATE_IN,
	NAPT_STAT_HAIRPIN,
	NAPT_STAT_ICMP_ERR,
	NAPT_STAT_DROP_NO_MAPPING,
	NAPT_STAT_DROP_FILTERED,
	NAPT_STAT_DROP_NO_PORT,
	NAPT_STAT_DROP_TABLE_FULL,
	NAPT_STAT_DROP_HOST_CAP,
	NAPT_STAT_DROP_MALFORMED,
	NAPT_STAT_DROP_UNSUPPORTED,
	NAPT_STAT_DROP_NOMEM,
	NAPT_STAT_MAPPINGS_CREATED,
	NAPT_STAT_MAPPINGS_EXPIRED,
	NAPT_STAT_FORWARD_HITS,
	NAPT_STAT_NR
};

struct napt_stats {
	u64 cnt[NAPT_STAT_NR];
};

#define napt_stat_inc(nn, what) this_cpu_inc((nn)->stats->cnt[NAPT_STAT_##what])
#define napt_stat_inc_nr(nn, nr) this_cpu_inc((nn)->stats->cnt[nr])

#endif /* _NAPT_STATS_H */
