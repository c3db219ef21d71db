// SPDX-License-Identifier: GPL-2.0
/*
 * External ports: the map of which mapping holds each port of the
 * port-keyed protocols (napt.h, struct napt_port_map), and the choice of
 * a free port (or ICMP identifier) for a new dynamic mapping: a random
 * one from the instance's dynamic range, found in a bounded number of
 * probes so that softirq work never grows with the range. Forwards' ports
 * are in the same map, so they are never handed out.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include "napt.h"

/* Probes per new mapping; a range this small is searched whole. */
#define NAPT_PORT_PROBES	128

/* With the other tables, under nn->cfg_mutex; process context. */
int napt_ports_init(struct napt_tables *t)
{
	t->ports = kvzalloc(sizeof(*t->ports), GFP_KERNEL);
	return t->ports ? 0 : -ENOMEM;
}

/* No reader left (napt_tables_destroy()). */
void napt_ports_destroy(struct napt_tables *t)
{
	unsigned int i, j;

	if (!t->ports)
		return;
	for (i = 0; i < NAPT_PORTS_NR; i++)
		for (j = 0; j < ARRAY_SIZE(t->ports->chunk[i]); j++)
			kfree(rcu_access_pointer(t->ports->chunk[i][j]));
	kvfree(t->ports);
	t->ports = NULL;
}

/*
 * The slot of external @port of @proto, or NULL when its chunk is missing
 * and not to be made (@make false) or there is no memory for it. Under
 * tables->lock (BH off: GFP_ATOMIC).
 */
static struct napt_mapping __rcu **napt_port_slot(struct napt_tables *t,
						  u8 proto, __be16 port,
						  bool make)
{
	struct napt_port_chunk __rcu **cp = napt_port_chunkp(t, proto, port);
	struct napt_port_chunk *c;

	lockdep_assert_held(&t->lock);
	c = rcu_dereference_protected(*cp, lockdep_is_held(&t->lock));
	if (!c && make) {
		c = kzalloc(sizeof(*c), GFP_ATOMIC);
		if (c)
			rcu_assign_pointer(*cp, c);
	}
	return c ? &c->slot[napt_port_in_chunk(port)] : NULL;
}

/*
 * Give @m (port-keyed) its external port: -EEXIST if another mapping
 * holds it, -ENOMEM. Under tables->lock.
 */
int napt_port_claim(struct napt_tables *t, struct napt_mapping *m)
{
	struct napt_mapping __rcu **slot;

	slot = napt_port_slot(t, m->ekey.proto, m->ekey.port, true);
	if (!slot)
		return -ENOMEM;
	if (rcu_access_pointer(*slot))
		return -EEXIST;
	rcu_assign_pointer(*slot, m);
	return 0;
}

/*
 * Hand the external port @old holds to @m (same key), or free it (@m
 * NULL). Never fails, and does nothing when @old does not hold it.
 * Under tables->lock.
 */
void napt_port_replace(struct napt_tables *t, struct napt_mapping *old,
		       struct napt_mapping *m)
{
	struct napt_mapping __rcu **slot;

	slot = napt_port_slot(t, old->ekey.proto, old->ekey.port, false);
	if (slot && rcu_access_pointer(*slot) == old)
		rcu_assign_pointer(*slot, m);
}

/*
 * A uniform draw below @range (1 to 65 536) from the 16-bit batch, half
 * a 32-bit draw's share of the generator's work: the multiply-and-reject
 * that get_random_u32_below() does for a constant bound below 2^16.
 */
static u32 napt_random_below(u32 range)
{
	u32 mult;

	do {
		mult = range * get_random_u16();
	} while (unlikely((u16)mult < (u32)(1U << 16) % range));
	return mult >> 16;
}

/*
 * Give @m a free external key and claim it. Returns 0, -EADDRINUSE when
 * none was found, -ENOMEM. Under tables->lock.
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
	start = napt_random_below(range);
	for (i = 0; i < probes; i++) {
		m->ekey.port = htons(cfg->port_min + (start + i) % range);
		err = napt_port_claim(t, m);
		if (err != -EEXIST)
			return err;
	}
	return -EADDRINUSE;
}
