// SPDX-License-Identifier: GPL-2.0
/*
 * napt: a router's NAPT (dynamic source NAPT for LAN hosts, and port
 * forwards) on netfilter's PREROUTING and POSTROUTING hooks, with its own
 * state in RCU hash tables: no nf_conntrack, no nf_nat.
 *
 * Module setup and teardown only. The parts, one file per job:
 *   netns.c    per-namespace instance, settings, WAN binding
 *   hooks.c    the packet path: netfilter hooks, hairpinning
 *   icmp.c     ICMP errors and the packets embedded in them
 *   xlate.c    header parsing and checksum-exact rewriting
 *   table.c    mapping, session and host tables; expiry
 *   session.c  timeouts and TCP state
 *   port.c     the external port map, and port allocation
 *   forward.c  forwards (static mappings), committed all or nothing
 *   netlink.c  the "napt" generic netlink family
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include "napt.h"

unsigned int napt_net_id __read_mostly;
struct kmem_cache *napt_flow_cache __read_mostly;
struct kmem_cache *napt_session_cache __read_mostly;
struct kmem_cache *napt_peer_cache __read_mostly;

static int __init napt_init(void)
{
	int err;

	napt_hash_init();
	err = napt_defrag_get();
	if (err)
		return err;

	err = -ENOMEM;
	napt_flow_cache = KMEM_CACHE(napt_flow, 0);
	if (!napt_flow_cache)
		goto err_flow_cache;
	napt_session_cache = KMEM_CACHE(napt_session, 0);
	if (!napt_session_cache)
		goto err_session_cache;
	napt_peer_cache = KMEM_CACHE(napt_peer, 0);
	if (!napt_peer_cache)
		goto err_peer_cache;

	err = register_pernet_subsys(&napt_net_ops);
	if (err)
		goto err_pernet;
	err = napt_notifiers_register();
	if (err)
		goto err_notifiers;
	err = napt_genl_register();
	if (err)
		goto err_genl;

	pr_info("version %s loaded\n", NAPT_VERSION);
	return 0;

err_genl:
	napt_notifiers_unregister();
err_notifiers:
	unregister_pernet_subsys(&napt_net_ops);
err_pernet:
	rcu_barrier();
	kmem_cache_destroy(napt_peer_cache);
err_peer_cache:
	kmem_cache_destroy(napt_session_cache);
err_session_cache:
	kmem_cache_destroy(napt_flow_cache);
err_flow_cache:
	napt_defrag_put();
	return err;
}

static void __exit napt_exit(void)
{
	napt_genl_unregister();
	napt_notifiers_unregister();
	unregister_pernet_subsys(&napt_net_ops);
	/* Objects freed through call_rcu() need these caches and this code. */
	rcu_barrier();
	kmem_cache_destroy(napt_peer_cache);
	kmem_cache_destroy(napt_session_cache);
	kmem_cache_destroy(napt_flow_cache);
	napt_defrag_put();
}

module_init(napt_init);
module_exit(napt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NAPT for home and office routers, without conntrack");
MODULE_VERSION(NAPT_VERSION);
MODULE_ALIAS_GENL_FAMILY(NAPT_GENL_NAME);
MODULE_SOFTDEP("pre: nf_defrag_ipv4");
