// SPDX-License-Identifier: GPL-2.0
/*
 * Many-to-one forwards: a range of external ports onto one internal port
 * ("forward add 6000-6009 192.168.1.3:7000"). Inbound, every port of the
 * range leads to the same internal endpoint; the internal host's replies
 * then need the port each remote endpoint came in on, which the static
 * mapping alone cannot tell. napt notes it per remote endpoint, keyed by
 * what the internal host sees, and expires the note like a session.
 *
 * Only these forwards pay for it; a one-to-one forward stays stateless.
 */
#include <linux/slab.h>
#include "napt.h"

/* As table.c's tables: compared inline, the packet path __flatten. */
static int napt_reply_cmp(struct rhashtable_compare_arg *arg,
			  const void *obj)
{
	const struct napt_reply *r = obj;

	return !napt_key_eq(arg->key, &r->key, sizeof(r->key));
}

static const struct rhashtable_params napt_reply_params = {
	.head_offset = offsetof(struct napt_reply, node),
	.key_offset = offsetof(struct napt_reply, key),
	.key_len = sizeof(struct napt_flow_key),
	.hashfn = napt_hashfn,
	.obj_cmpfn = napt_reply_cmp,
	.automatic_shrinking = true,
};

int napt_reply_init(struct napt_tables *t)
{
	return rhashtable_init(&t->reply_ht, &napt_reply_params);
}

static void napt_reply_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* No reader left (see napt_tables_destroy()). */
void napt_reply_destroy(struct napt_tables *t)
{
	rhashtable_free_and_destroy(&t->reply_ht, napt_reply_free, NULL);
}

static unsigned long napt_reply_timeout(const struct napt_cfg *cfg, u8 proto)
{
	/* No TCP state here: the longest a live connection may idle. */
	return napt_session_timeout(cfg, proto, NAPT_TCP_SYN_OUT |
					       NAPT_TCP_SYN_IN);
}

/*
 * Remote @raddr:@rport came in on static mapping @m of a many-to-one
 * forward: note (or refresh) the port. Softirq, under RCU. Returns 0, or
 * -ENOSPC past max-mappings notes, or -ENOMEM.
 */
__flatten
int napt_reply_note(struct napt_net *nn, const struct napt_cfg *cfg,
		    const struct napt_mapping *m, __be32 raddr, __be16 rport)
{
	unsigned long expires = jiffies +
				napt_reply_timeout(cfg, m->ikey.proto);
	struct napt_tables *t = &nn->tables;
	struct napt_flow_key k;
	struct napt_reply *r, *old;

	napt_flow_key_init(&k, &m->ikey, raddr, rport);
	r = rhashtable_lookup(&t->reply_ht, &k, napt_reply_params);
	if (r) {
		if (READ_ONCE(r->xport) != m->ekey.port)
			WRITE_ONCE(r->xport, m->ekey.port);
		if (READ_ONCE(r->expires) != expires)
			WRITE_ONCE(r->expires, expires);
		return 0;
	}

	r = kzalloc(sizeof(*r), GFP_ATOMIC);
	if (!r)
		return -ENOMEM;
	r->key = k;
	r->xport = m->ekey.port;
	r->expires = expires;

	spin_lock_bh(&t->lock);
	if (t->nreplies >= cfg->max_mappings) {
		spin_unlock_bh(&t->lock);
		kfree(r);
		return -ENOSPC;
	}
	old = rhashtable_lookup_get_insert_fast(&t->reply_ht, &r->node,
						napt_reply_params);
	if (!old)
		t->nreplies++;
	spin_unlock_bh(&t->lock);
	if (old) {
		kfree(r);
		/* Another CPU noted it first; its port is as good. */
		return IS_ERR(old) ? PTR_ERR(old) : 0;
	}
	return 0;
}

/*
 * The port the internal host's packet to @raddr:@rport leaves from, for
 * static mapping @m (found by the internal endpoint): the noted one if
 * the forward still covers it, else @m's own. Softirq, under RCU.
 */
__flatten
__be16 napt_reply_port(struct napt_tables *t, const struct napt_cfg *cfg,
		       const struct napt_mapping *m, __be32 raddr,
		       __be16 rport)
{
	const struct napt_forward *f = m->fwd;
	struct napt_flow_key k;
	struct napt_reply *r;
	unsigned long expires;
	u16 port;

	napt_flow_key_init(&k, &m->ikey, raddr, rport);
	r = rhashtable_lookup(&t->reply_ht, &k, napt_reply_params);
	if (!r || time_after(jiffies, READ_ONCE(r->expires)))
		return m->ekey.port;
	port = ntohs(READ_ONCE(r->xport));
	if (port < f->ext_min || port > f->ext_max)
		return m->ekey.port;
	expires = jiffies + napt_reply_timeout(cfg, m->ikey.proto);
	if (READ_ONCE(r->expires) != expires)
		WRITE_ONCE(r->expires, expires);
	return htons(port);
}

/*
 * Unlink the expired notes (all of them when @all). Process context; the
 * table holds at most max-mappings notes, and the walk reschedules.
 */
void napt_reply_sweep(struct napt_tables *t, bool all)
{
	struct rhashtable_iter iter;
	struct napt_reply *r;
	unsigned int n = 0;

	rhashtable_walk_enter(&t->reply_ht, &iter);
	rhashtable_walk_start(&iter);
	while ((r = rhashtable_walk_next(&iter))) {
		if (IS_ERR(r)) {
			if (PTR_ERR(r) == -EAGAIN)
				continue;	/* resized: rewound */
			break;
		}
		if (!all && !time_after(jiffies, READ_ONCE(r->expires)))
			continue;
		spin_lock_bh(&t->lock);
		if (!r->dead) {
			r->dead = true;
			rhashtable_remove_fast(&t->reply_ht, &r->node,
					       napt_reply_params);
			t->nreplies--;
			kfree_rcu(r, rcu);
		}
		spin_unlock_bh(&t->lock);
		if (!(++n % 256)) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}
