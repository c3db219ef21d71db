// SPDX-License-Identifier: GPL-2.0
/*
 * External port (or ICMP identifier) allocation for new dynamic mappings:
 * a random free one from the instance's dynamic range, found in a bounded
 * number of probes so that softirq work never grows with the range.
 * Forwards' ports are in the same table, so they are never handed out.
 */
#include <linux/random.h>
#include "napt.h"

/* Probes per new mapping; a range this small is searched whole. */
#define NAPT_PORT_PROBES	128

/*
 * Give @m a free external key and claim it in ext_ht. Returns 0,
 * -EADDRINUSE when none was found, -ENOMEM. Under tables->lock.
 */
int napt_port_alloc(struct napt_tables *t, const struct napt_cfg *cfg,
		    struct napt_mapping *m)
{
	u32 range, start, probes, i;
	int err;

	/* Address-only protocols: one internal host per remote address. */
	if (m->ekey.raddr) {
		err = napt_ext_claim(t, m);
		return err == -EEXIST ? -EADDRINUSE : err ? -ENOMEM : 0;
	}

	range = cfg->port_max - cfg->port_min + 1;
	probes = min_t(u32, range, NAPT_PORT_PROBES);
	/*
	 * A random start, then neighbours: a small range is covered
	 * exactly, a large one sparsely used finds a port at once.
	 */
	start = get_random_u32_below(range);
	for (i = 0; i < probes; i++) {
		m->ekey.port = htons(cfg->port_min + (start + i) % range);
		err = napt_ext_claim(t, m);
		if (err != -EEXIST)
			return err ? -ENOMEM : 0;
	}
	return -EADDRINUSE;
}
