// SPDX-License-Identifier: GPL-2.0
/*
 * The tables of one instance: mappings by internal and by external key
 * (port.c's map; a hash for address-only protocols), sessions by flow
 * (internal and remote endpoint), peers by (mapping, remote address) for
 * address-dependent filtering, hosts (for max-per-host), and the notes
 * of many-to-one forwards (reply.c). Every lookup is one probe; nothing
 * walks a list whose length a remote host controls.
 *
 * Lookups are lockless under RCU from any context. Every writer takes
 * tables->lock with BH disabled; objects are unlinked under it and freed
 * after a grace period. The invariants the lock keeps:
 * - a dynamic mapping is in int_ht and holds its external key (the port
 *   map, or ext_ht for an address-only protocol), and has nsessions >= 1,
 *   from its creation (with its first session) to its removal (with its
 *   last); nsessions == 0 marks a mapping that is gone;
 * - a session is in sess_ht and counted in its mapping, and for its
 *   remote address in the mapping's peer0 or in a peer, until it is
 *   marked NAPT_SESS_DEAD and unlinked; a peer is removed with its last
 *   session;
 * - a host's nmappings counts the dynamic mappings of its address; the
 *   host is removed when that reaches zero.
 */
#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include "napt.h"

/* Sessions the expiry work looks at per run before it yields. */
#define NAPT_GC_BUDGET		4096
/* Pause between runs while a pass is under way, and between passes. */
#define NAPT_GC_SLICE		(HZ / 10)
#define NAPT_GC_PERIOD		HZ

hsiphash_key_t napt_hash_secret __read_mostly;

void napt_hash_init(void)
{
	get_random_bytes(&napt_hash_secret, sizeof(napt_hash_secret));
}

/*
 * Key comparison for rhashtable: the default is a memcmp() of a length
 * read at run time; these compare a fixed number of words, inline.
 */
static int napt_int_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct napt_mapping *m = obj;

	return !napt_key_eq(arg->key, &m->ikey, sizeof(m->ikey));
}

static int napt_ext_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct napt_mapping *m = obj;

	return !napt_key_eq(arg->key, &m->ekey, sizeof(m->ekey));
}

/*
 * int_ht and sess_ht hash by napt_int_hash() and napt_flow_hash(), which
 * the packet path makes once and the objects keep: an insert, a removal
 * or a rehash does not hash the key again. The table's seed is mixed in
 * after: rhashtable renews it when it rehashes a table whose chains grew
 * long, which must then place entries afresh. The hash is a PRF's output
 * whose bits are independent, so turning it by the seed, which brings
 * other bits to the low ones that pick a bucket, does that.
 */
static inline u32 napt_hash_seeded(u32 hash, u32 seed)
{
	return rol32(hash, seed) ^ seed;
}

static u32 napt_int_lookup_hashfn(const void *data, u32 len, u32 seed)
{
	const struct napt_int_lookup *l = data;

	return napt_hash_seeded(l->hash, seed);
}

static u32 napt_mapping_hashfn(const void *data, u32 len, u32 seed)
{
	const struct napt_mapping *m = data;

	return napt_hash_seeded(m->ihash, seed);
}

static const struct rhashtable_params napt_int_params = {
	.head_offset = offsetof(struct napt_mapping, int_node),
	.key_offset = offsetof(struct napt_mapping, ikey),
	.key_len = sizeof(struct napt_int_key),
	.hashfn = napt_int_lookup_hashfn,	/* lookups: napt_int_lookup */
	.obj_hashfn = napt_mapping_hashfn,
	.obj_cmpfn = napt_int_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params napt_ext_params = {
	.head_offset = offsetof(struct napt_mapping, ext_node),
	.key_offset = offsetof(struct napt_mapping, ekey),
	.key_len = sizeof(struct napt_ext_key),
	.hashfn = napt_hashfn,
	.obj_cmpfn = napt_ext_cmp,
	.automatic_shrinking = true,
};

/* Lookup key, laid out as the object's key fields are. */
struct napt_peer_key {
	const struct napt_mapping *m;
	__be32 raddr;
};

#define NAPT_PEER_KEY_LEN	(offsetofend(struct napt_peer, raddr) - \
				 offsetof(struct napt_peer, m))

static int napt_sess_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct napt_session *s = obj;

	return !napt_key_eq(arg->key, &s->key, sizeof(s->key));
}

static int napt_peer_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct napt_peer *p = obj;

	return !napt_key_eq(arg->key, &p->m, NAPT_PEER_KEY_LEN);
}

static int napt_host_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct napt_host *h = obj;

	return !napt_key_eq(arg->key, &h->addr, sizeof(h->addr));
}

static u32 napt_flow_lookup_hashfn(const void *data, u32 len, u32 seed)
{
	const struct napt_flow_lookup *l = data;

	return napt_hash_seeded(l->hash, seed);
}

static u32 napt_session_hashfn(const void *data, u32 len, u32 seed)
{
	const struct napt_session *s = data;

	return napt_hash_seeded(s->hash, seed);
}

static const struct rhashtable_params napt_sess_params = {
	.head_offset = offsetof(struct napt_session, node),
	.key_offset = offsetof(struct napt_session, key),
	.key_len = sizeof(struct napt_flow_key),
	.hashfn = napt_flow_lookup_hashfn,	/* lookups: napt_flow_lookup */
	.obj_hashfn = napt_session_hashfn,
	.obj_cmpfn = napt_sess_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params napt_peer_params = {
	.head_offset = offsetof(struct napt_peer, node),
	.key_offset = offsetof(struct napt_peer, m),
	.key_len = NAPT_PEER_KEY_LEN,
	.hashfn = napt_hashfn,
	.obj_cmpfn = napt_peer_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params napt_host_params = {
	.head_offset = offsetof(struct napt_host, node),
	.key_offset = offsetof(struct napt_host, addr),
	.key_len = sizeof(__be32),
	.hashfn = napt_hashfn,
	.obj_cmpfn = napt_host_cmp,
	.automatic_shrinking = true,
};

static void napt_gc_work(struct work_struct *work);

/* Namespace creation: only what must exist before the tables do. */
void napt_tables_early_init(struct napt_tables *t)
{
	spin_lock_init(&t->lock);
	INIT_DELAYED_WORK(&t->gc_work, napt_gc_work);
}

/*
 * How many entries the mapping and session tables start sized for: what
 * the instance may hold, but one entry per 128 KiB of memory and 32 768
 * at most (from 4 GiB on: 64 Ki buckets of 8 bytes, 512 KiB a table),
 * much as conntrack sizes its hash by memory. A burst of new flows then
 * does not wait on rhashtable doubling and rehashing them, nor do they
 * shrink back below half that when idle; past it they grow as before.
 */
#define NAPT_TABLE_HINT_MAX	32768	/* nelem_hint, min_size: u16 */

static void napt_params_sized(struct rhashtable_params *p,
			      const struct rhashtable_params *tmpl,
			      const struct napt_cfg *cfg)
{
	unsigned long hint = totalram_pages() >> (17 - PAGE_SHIFT);

	hint = min3(hint, (unsigned long)cfg->max_mappings,
		    (unsigned long)NAPT_TABLE_HINT_MAX);
	*p = *tmpl;
	p->nelem_hint = hint;
	p->min_size = hint;	/* buckets: half the hint's table */
}

/*
 * Make the tables, sized for @cfg, the first time the instance is
 * configured (WAN or a forward): a namespace where napt is never set up
 * costs no tables. Under nn->cfg_mutex; process context.
 */
int napt_tables_prepare(struct napt_net *nn, const struct napt_cfg *cfg)
{
	struct napt_tables *t = &nn->tables;
	struct rhashtable_params p;
	int err;

	BUILD_BUG_ON(offsetof(struct napt_peer_key, raddr) !=
		     offsetof(struct napt_peer, raddr) -
		     offsetof(struct napt_peer, m));
	/* napt_hashfn() and napt_key_eq() read keys a word at a time. */
	BUILD_BUG_ON(sizeof(struct napt_int_key) != 12 ||
		     sizeof(struct napt_ext_key) % 4 ||
		     offsetof(struct napt_flow_key, proto) != 12 ||
		     sizeof(struct napt_flow_key) % 4 ||
		     NAPT_PEER_KEY_LEN % 4);
	/* rhashtable compares a lookup's key as an object's (napt.h). */
	BUILD_BUG_ON(offsetof(struct napt_int_lookup, k) ||
		     offsetof(struct napt_flow_lookup, k));

	lockdep_assert_held(&nn->cfg_mutex);
	if (t->ready)
		return 0;
	napt_params_sized(&p, &napt_int_params, cfg);
	err = rhashtable_init(&t->int_ht, &p);
	if (err)
		return err;
	err = napt_ports_init(t);
	if (err)
		goto err_ports;
	/* One mapping per protocol and remote address: few. */
	err = rhashtable_init(&t->ext_ht, &napt_ext_params);
	if (err)
		goto err_ext;
	napt_params_sized(&p, &napt_sess_params, cfg);
	err = rhashtable_init(&t->sess_ht, &p);
	if (err)
		goto err_sess;
	err = rhashtable_init(&t->peer_ht, &napt_peer_params);
	if (err)
		goto err_peer;
	err = rhashtable_init(&t->host_ht, &napt_host_params);
	if (err)
		goto err_host;
	err = napt_reply_init(t);
	if (err)
		goto err_reply;
	/* Dumps look without cfg_mutex: the tables before the flag. */
	smp_store_release(&t->ready, true);
	return 0;

err_reply:
	rhashtable_destroy(&t->host_ht);
err_host:
	rhashtable_destroy(&t->peer_ht);
err_peer:
	rhashtable_destroy(&t->sess_ht);
err_sess:
	rhashtable_destroy(&t->ext_ht);
err_ext:
	napt_ports_destroy(t);
err_ports:
	rhashtable_destroy(&t->int_ht);
	return err;
}

/*
 * What touches the tables on the packet path is __flatten: rhashtable's
 * lookup and insert are only inline, and GCC otherwise makes one
 * out-of-line copy of each for all tables, which calls the hash and
 * compare functions through pointers (retpolines and all). Flattened,
 * each table's hash and compare are direct calls or inline.
 */
__flatten
struct napt_mapping *napt_mapping_lookup_int(struct napt_tables *t,
					     const struct napt_int_lookup *l)
{
	return rhashtable_lookup(&t->int_ht, l, napt_int_params);
}

/* As napt_mapping_lookup_int(), for a key not hashed yet. */
struct napt_mapping *napt_mapping_lookup_ikey(struct napt_tables *t,
					      const struct napt_int_key *k)
{
	struct napt_int_lookup l = { .k = *k, .hash = napt_int_hash(k) };

	return napt_mapping_lookup_int(t, &l);
}

__flatten
struct napt_mapping *napt_mapping_lookup_ext(struct napt_tables *t,
					     const struct napt_ext_key *k)
{
	if (napt_proto_keyed_by_port(k->proto))
		return napt_port_lookup(t, k->proto, k->port);
	return rhashtable_lookup(&t->ext_ht, k, napt_ext_params);
}

/* Give up @m's external key. Under tables->lock. */
static void napt_ext_unlink(struct napt_tables *t, struct napt_mapping *m)
{
	lockdep_assert_held(&t->lock);
	if (napt_proto_keyed_by_port(m->ekey.proto))
		napt_port_replace(t, m, NULL);
	else
		rhashtable_remove_fast(&t->ext_ht, &m->ext_node,
				       napt_ext_params);
}

/*
 * The session with key @k, live or expired (the caller decides what an
 * expired one is worth), or NULL. Caller holds RCU.
 */
__flatten
struct napt_session *napt_session_lookup_key(struct napt_tables *t,
					     const struct napt_flow_lookup *l)
{
	return rhashtable_lookup(&t->sess_ht, l, napt_sess_params);
}

/*
 * The session of @m with the flow @l (of @m's internal key), or NULL. A
 * reader racing with a mapping's replacement may find the new mapping's
 * session under the old one's key: only @m's own count.
 */
static struct napt_session *napt_session_of(struct napt_tables *t,
					    const struct napt_mapping *m,
					    const struct napt_flow_lookup *l)
{
	struct napt_session *s = napt_session_lookup_key(t, l);

	return s && s->m == m ? s : NULL;
}

/* The session of @m with remote @raddr:@rport, or NULL. */
struct napt_session *napt_session_lookup(struct napt_tables *t,
					 const struct napt_mapping *m,
					 __be32 raddr, __be16 rport)
{
	struct napt_flow_lookup l;

	napt_flow_lookup_init(&l, &m->ikey, raddr, rport);
	return napt_session_of(t, m, &l);
}

/*
 * As napt_session_lookup(), trying the session @m made last first: the
 * inbound path's way in.
 */
struct napt_session *napt_session_find(struct napt_tables *t,
				       const struct napt_mapping *m,
				       __be32 raddr, __be16 rport)
{
	struct napt_session *s = rcu_dereference(m->last);

	if (s && s->key.raddr == raddr && s->key.rport == rport)
		return s;
	return napt_session_lookup(t, m, raddr, rport);
}

/*
 * Has @m sessions with @raddr (any port)? Expired ones count until
 * expiry reclaims them, about a second later. Caller holds RCU.
 */
__flatten
bool napt_peer_known(struct napt_tables *t, const struct napt_mapping *m,
		     __be32 raddr)
{
	struct napt_peer_key key = { .m = m, .raddr = raddr };

	if (READ_ONCE(m->peer0_n) && READ_ONCE(m->peer0) == raddr)
		return true;
	return rhashtable_lookup(&t->peer_ht, &key, napt_peer_params);
}

static void napt_session_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(napt_session_cache,
			container_of(head, struct napt_session, rcu));
}

static void napt_peer_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(napt_peer_cache,
			container_of(head, struct napt_peer, rcu));
}

/* A dynamic mapping goes with its first session (struct napt_flow). */
static void napt_mapping_free_rcu(struct rcu_head *head)
{
	struct napt_mapping *m = container_of(head, struct napt_mapping, rcu);

	kmem_cache_free(napt_flow_cache,
			container_of(m, struct napt_flow, m));
}

/* Fill zeroed session @s of @m with flow @l, of @m's internal key. */
static void napt_session_init(const struct napt_cfg *cfg,
			      struct napt_session *s, struct napt_mapping *m,
			      const struct napt_flow_lookup *l)
{
	s->m = m;
	s->key = l->k;
	s->hash = l->hash;
	/* Provisional; napt_session_update() sets the real one. */
	s->expires = jiffies + napt_session_timeout(cfg, m->ikey.proto, 0);
}

static struct napt_session *napt_session_alloc(const struct napt_cfg *cfg,
					       struct napt_mapping *m,
					       const struct napt_flow_lookup *l)
{
	struct napt_session *s;

	s = kmem_cache_zalloc(napt_session_cache, GFP_ATOMIC);
	if (s)
		napt_session_init(cfg, s, m, l);
	return s;
}

/* The host count of @addr, or NULL. Under tables->lock. */
static struct napt_host *napt_host_find(struct napt_tables *t, __be32 addr)
{
	struct napt_host *h = t->host_last;

	lockdep_assert_held(&t->lock);
	if (h && h->addr == addr)
		return h;
	h = rhashtable_lookup(&t->host_ht, &addr, napt_host_params);
	if (h)
		t->host_last = h;
	return h;
}

/* Drop one dynamic mapping from the host count. */
static void napt_host_put(struct napt_tables *t, __be32 addr)
{
	struct napt_host *h;

	lockdep_assert_held(&t->lock);
	h = napt_host_find(t, addr);
	if (WARN_ON_ONCE(!h))
		return;
	if (--h->nmappings)
		return;
	if (t->host_last == h)
		t->host_last = NULL;
	rhashtable_remove_fast(&t->host_ht, &h->node, napt_host_params);
	kfree_rcu(h, rcu);
}

/*
 * Take one dynamic mapping on the host count of @addr, or say why not:
 * -EDQUOT past max-per-host, -ENOMEM.
 */
static int napt_host_get(struct napt_tables *t, const struct napt_cfg *cfg,
			 __be32 addr)
{
	struct napt_host *h;
	int err;

	lockdep_assert_held(&t->lock);
	h = napt_host_find(t, addr);
	if (h) {
		if (h->nmappings >= cfg->max_per_host)
			return -EDQUOT;
		h->nmappings++;
		return 0;
	}
	if (!cfg->max_per_host)
		return -EDQUOT;
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		return -ENOMEM;
	h->addr = addr;
	h->nmappings = 1;
	err = rhashtable_insert_fast(&t->host_ht, &h->node, napt_host_params);
	if (err) {
		kfree(h);
		return -ENOMEM;
	}
	t->host_last = h;
	return 0;
}

/*
 * Count one more session of @m with @raddr: in the mapping when that is
 * free or already @raddr's, else in a peer, made if new.
 */
static int napt_peer_get(struct napt_tables *t, struct napt_mapping *m,
			 __be32 raddr)
{
	struct napt_peer_key key = { .m = m, .raddr = raddr };
	struct napt_peer *p;

	lockdep_assert_held(&t->lock);
	if (!m->peer0_n || m->peer0 == raddr) {
		WRITE_ONCE(m->peer0, raddr);
		WRITE_ONCE(m->peer0_n, m->peer0_n + 1);
		return 0;
	}
	p = rhashtable_lookup(&t->peer_ht, &key, napt_peer_params);
	if (p) {
		p->nsessions++;
		return 0;
	}
	p = kmem_cache_alloc(napt_peer_cache, GFP_ATOMIC);
	if (!p)
		return -ENOMEM;
	p->m = m;
	p->raddr = raddr;
	p->nsessions = 1;
	if (rhashtable_insert_fast(&t->peer_ht, &p->node, napt_peer_params)) {
		kmem_cache_free(napt_peer_cache, p);
		return -ENOMEM;
	}
	return 0;
}

static void napt_peer_put(struct napt_tables *t, struct napt_mapping *m,
			  __be32 raddr)
{
	struct napt_peer_key key = { .m = m, .raddr = raddr };
	struct napt_peer *p;

	lockdep_assert_held(&t->lock);
	if (m->peer0_n && m->peer0 == raddr) {
		WRITE_ONCE(m->peer0_n, m->peer0_n - 1);
		return;
	}
	p = rhashtable_lookup(&t->peer_ht, &key, napt_peer_params);
	if (WARN_ON_ONCE(!p) || --p->nsessions)
		return;
	rhashtable_remove_fast(&t->peer_ht, &p->node, napt_peer_params);
	call_rcu(&p->rcu, napt_peer_free_rcu);
}

/* Insert @s, already counted nowhere, under @m. */
static int napt_session_link(struct napt_tables *t, struct napt_mapping *m,
			     struct napt_session *s)
{
	int err;

	lockdep_assert_held(&t->lock);
	err = napt_peer_get(t, m, s->key.raddr);
	if (err)
		return err;
	err = rhashtable_insert_fast(&t->sess_ht, &s->node, napt_sess_params);
	if (err) {
		napt_peer_put(t, m, s->key.raddr);
		return err;
	}
	WRITE_ONCE(m->nsessions, m->nsessions + 1);
	t->nsessions++;
	rcu_assign_pointer(m->last, s);
	return 0;
}

static void napt_mapping_unlink(struct napt_net *nn, struct napt_mapping *m,
				bool expired)
{
	struct napt_tables *t = &nn->tables;

	lockdep_assert_held(&t->lock);
	rhashtable_remove_fast(&t->int_ht, &m->int_node, napt_int_params);
	napt_ext_unlink(t, m);
	napt_host_put(t, m->ikey.addr);
	t->nmappings--;
	if (expired)
		napt_stat_inc(nn, MAPPINGS_EXPIRED);
	call_rcu(&m->rcu, napt_mapping_free_rcu);
}

/* Unlink a session, and its mapping with its last session. */
__flatten
static void napt_session_unlink(struct napt_net *nn, struct napt_session *s,
				bool expired)
{
	struct napt_tables *t = &nn->tables;
	struct napt_mapping *m = s->m;

	lockdep_assert_held(&t->lock);
	atomic_or(NAPT_SESS_DEAD, &s->tcp);
	if (rcu_access_pointer(m->last) == s)
		RCU_INIT_POINTER(m->last, NULL);
	rhashtable_remove_fast(&t->sess_ht, &s->node, napt_sess_params);
	napt_peer_put(t, m, s->key.raddr);
	t->nsessions--;
	/* The first session's memory is the mapping's. */
	if (!napt_session_is_first(s))
		call_rcu(&s->rcu, napt_session_free_rcu);
	WRITE_ONCE(m->nsessions, m->nsessions - 1);
	if (!m->nsessions)
		napt_mapping_unlink(nn, m, expired);
}

/*
 * A new remote endpoint for a live dynamic mapping: the flow @l of its
 * internal key. Returns the session (another CPU's, if it won the race),
 * or an ERR_PTR: -ENOENT when @m went away meanwhile, -ENOMEM. Caller
 * holds RCU.
 */
__flatten
struct napt_session *napt_session_create(struct napt_net *nn,
					 struct napt_mapping *m,
					 const struct napt_flow_lookup *l)
{
	const struct napt_cfg *cfg = rcu_dereference(nn->cfg);
	struct napt_tables *t = &nn->tables;
	struct napt_session *s, *other;
	int err;

	s = napt_session_alloc(cfg, m, l);
	if (!s)
		return ERR_PTR(-ENOMEM);

	spin_lock_bh(&t->lock);
	if (!m->nsessions) {
		err = -ENOENT;
		goto err_unlock;
	}
	other = napt_session_of(t, m, l);
	if (other && !(atomic_read(&other->tcp) & NAPT_SESS_DEAD)) {
		spin_unlock_bh(&t->lock);
		kmem_cache_free(napt_session_cache, s);
		return other;
	}
	err = napt_session_link(t, m, s);
	if (err) {
		err = -ENOMEM;
		goto err_unlock;
	}
	spin_unlock_bh(&t->lock);
	return s;

err_unlock:
	spin_unlock_bh(&t->lock);
	kmem_cache_free(napt_session_cache, s);
	return ERR_PTR(err);
}

/*
 * Link new dynamic mapping @m and its first session @s into the tables.
 * Returns 0, or why not: -ENOSPC past max-mappings, -EDQUOT past
 * max-per-host, -EADDRINUSE with no free external port, -ENOMEM, or
 * -EEXIST with the mapping another CPU made for the same internal key in
 * *@otherp. *@seen says whether RCU readers may have found @m meanwhile
 * (its external key was claimed). Under tables->lock.
 */
static int napt_mapping_link(struct napt_tables *t, const struct napt_cfg *cfg,
			     struct napt_mapping *m, struct napt_session *s,
			     struct napt_mapping **otherp, bool *seen)
{
	struct napt_mapping *other;
	int err;

	lockdep_assert_held(&t->lock);
	*seen = false;
	if (t->nmappings >= cfg->max_mappings) {
		/* Full, unless another CPU has just made this very one. */
		*otherp = napt_mapping_lookup_ikey(t, &m->ikey);
		return *otherp ? -EEXIST : -ENOSPC;
	}
	err = napt_host_get(t, cfg, m->ikey.addr);
	if (err)
		return err;
	err = napt_port_alloc(t, cfg, m);
	if (err)
		goto err_host;
	*seen = true;
	/*
	 * One probe both inserts @m and finds a mapping another CPU made for
	 * the key since the caller's lookup. The _key variant, as the table
	 * hashes objects by their kept hash: the key is only compared.
	 */
	other = rhashtable_lookup_get_insert_key(&t->int_ht, &m->ikey,
						 &m->int_node, napt_int_params);
	if (other) {
		err = -ENOMEM;
		if (!IS_ERR(other)) {
			*otherp = other;
			err = -EEXIST;
		}
		goto err_ext;
	}
	err = napt_session_link(t, m, s);
	if (err) {
		err = -ENOMEM;
		goto err_int;
	}
	t->nmappings++;
	return 0;

err_int:
	rhashtable_remove_fast(&t->int_ht, &m->int_node, napt_int_params);
err_ext:
	napt_ext_unlink(t, m);
err_host:
	napt_host_put(t, m->ikey.addr);
	return err;
}

/*
 * A new dynamic mapping for internal key @il with its first session, the
 * flow @sl (of that key). Returns the mapping and its session in *@sp
 * (another CPU's, if it won the race to create it), or an ERR_PTR saying
 * why not: -ENOSPC past max-mappings, -EDQUOT past max-per-host,
 * -EADDRINUSE with no free external port, -ENOMEM. Caller holds RCU.
 */
__flatten
struct napt_mapping *napt_flow_create(struct napt_net *nn,
				      const struct napt_cfg *cfg,
				      const struct napt_int_lookup *il,
				      const struct napt_flow_lookup *sl,
				      struct napt_session **sp)
{
	struct napt_tables *t = &nn->tables;
	struct napt_mapping *m, *other = NULL;
	struct napt_session *s;
	struct napt_flow *f;
	bool seen;
	int err;

	f = kmem_cache_zalloc(napt_flow_cache, GFP_ATOMIC);
	if (!f)
		return ERR_PTR(-ENOMEM);
	m = &f->m;
	m->ikey = il->k;
	m->ihash = il->hash;
	m->ekey.proto = il->k.proto;
	m->ekey.raddr = il->k.raddr;
	s = &f->s;
	napt_session_init(cfg, s, m, sl);
	m->expires = s->expires;

	spin_lock_bh(&t->lock);
	err = napt_mapping_link(t, cfg, m, s, &other, &seen);
	spin_unlock_bh(&t->lock);
	if (!err) {
		napt_stat_inc(nn, MAPPINGS_CREATED);
		*sp = s;
		return m;
	}

	/* @s was never linked; @m may have held its external key a moment. */
	if (seen)
		call_rcu(&m->rcu, napt_mapping_free_rcu);
	else
		kmem_cache_free(napt_flow_cache, f);
	if (err != -EEXIST)
		return ERR_PTR(err);

	/* Another CPU won the race: its mapping, and a session in it. */
	if (napt_mapping_is_static(other)) {
		*sp = NULL;
		return other;
	}
	s = napt_session_of(t, other, sl);
	if (!s)
		s = napt_session_create(nn, other, sl);
	if (IS_ERR(s))
		return ERR_CAST(s);
	*sp = s;
	return other;
}

/*
 * Claim @m's external key, an address-only protocol's (port-keyed ones
 * are port.c's): -EEXIST if taken. For the port allocator, under
 * tables->lock.
 */
__flatten
int napt_ext_claim(struct napt_tables *t, struct napt_mapping *m)
{
	lockdep_assert_held(&t->lock);
	return rhashtable_lookup_insert_fast(&t->ext_ht, &m->ext_node,
					     napt_ext_params);
}

/*
 * Static mappings (forwards): link @m into one table (@ext: ext_ht, else
 * int_ht), in place of @old when given (same key, never fails), else as
 * a new entry (may fail). Under tables->lock.
 */
int napt_static_link(struct napt_tables *t, struct napt_mapping *m, bool ext,
		     struct napt_mapping *old)
{
	struct rhashtable *ht = ext ? &t->ext_ht : &t->int_ht;

	lockdep_assert_held(&t->lock);
	if (ext && napt_proto_keyed_by_port(m->ekey.proto)) {
		if (old) {
			napt_port_replace(t, old, m);
			return 0;
		}
		return napt_port_claim(t, m);
	}
	if (ext) {
		if (old)
			return rhashtable_replace_fast(ht, &old->ext_node,
						       &m->ext_node,
						       napt_ext_params);
		return rhashtable_insert_fast(ht, &m->ext_node,
					      napt_ext_params);
	}
	if (old)
		return rhashtable_replace_fast(ht, &old->int_node,
					       &m->int_node, napt_int_params);
	return rhashtable_insert_fast(ht, &m->int_node, napt_int_params);
}

void napt_static_unlink(struct napt_tables *t, struct napt_mapping *m,
			bool ext)
{
	lockdep_assert_held(&t->lock);
	if (ext)
		napt_ext_unlink(t, m);
	else
		rhashtable_remove_fast(&t->int_ht, &m->int_node,
				       napt_int_params);
}

/*
 * Look at up to @budget sessions from where @iter stands and unlink the
 * expired ones (all of them when @all). Returns true when the walk has
 * reached the end. Process context; the iterator may sleep between
 * sessions.
 */
static bool napt_sweep(struct napt_net *nn, struct rhashtable_iter *iter,
		       bool all, unsigned int budget)
{
	struct napt_tables *t = &nn->tables;
	struct napt_session *s;
	unsigned int n = 0;
	bool done = false;

	rhashtable_walk_start(iter);
	while (n++ < budget) {
		s = rhashtable_walk_next(iter);
		if (IS_ERR(s)) {
			if (PTR_ERR(s) == -EAGAIN)
				continue;	/* resized: rewound */
			done = true;
			break;
		}
		if (!s) {
			done = true;
			break;
		}
		if (!all && napt_session_alive(s))
			continue;
		spin_lock_bh(&t->lock);
		/* Packets may have refreshed it, or a flush unlinked it. */
		if (!(atomic_read(&s->tcp) & NAPT_SESS_DEAD) &&
		    (all || !napt_session_alive(s)))
			napt_session_unlink(nn, s, !all);
		spin_unlock_bh(&t->lock);
		if (!(n % 256)) {
			rhashtable_walk_stop(iter);
			cond_resched();
			rhashtable_walk_start(iter);
		}
	}
	rhashtable_walk_stop(iter);
	return done;
}

/*
 * Reclaim expired sessions (and mappings with them) a slice at a time, so
 * that the cost never lands on the packet path and never grows with the
 * table in one go. A full pass over a small table takes one run.
 */
static void napt_gc_work(struct work_struct *work)
{
	struct napt_tables *t = container_of(to_delayed_work(work),
					     struct napt_tables, gc_work);
	struct napt_net *nn = container_of(t, struct napt_net, tables);
	unsigned long delay = NAPT_GC_SLICE;

	if (!t->gc_walking) {
		rhashtable_walk_enter(&t->sess_ht, &t->gc_iter);
		t->gc_walking = true;
	}
	if (napt_sweep(nn, &t->gc_iter, false, NAPT_GC_BUDGET)) {
		rhashtable_walk_exit(&t->gc_iter);
		t->gc_walking = false;
		napt_reply_sweep(t, false);
		delay = NAPT_GC_PERIOD;
	}
	queue_delayed_work(system_power_efficient_wq, &t->gc_work, delay);
}

void napt_gc_start(struct napt_net *nn)
{
	queue_delayed_work(system_power_efficient_wq, &nn->tables.gc_work,
			   NAPT_GC_PERIOD);
}

void napt_gc_stop(struct napt_net *nn)
{
	struct napt_tables *t = &nn->tables;

	cancel_delayed_work_sync(&t->gc_work);
	if (t->gc_walking) {
		rhashtable_walk_exit(&t->gc_iter);
		t->gc_walking = false;
	}
}

/*
 * Unlink every dynamic mapping and session, and what many-to-one forwards
 * noted. Process context.
 *
 * One walk is not enough: napt_sweep() stops the walker every 256
 * sessions, right after unlinking the one it stands on, and a walker
 * whose entry is gone resumes by position in its bucket, skipping the
 * entry that moved into that position. Walk again until nothing is left
 * (bounded: packets may keep making sessions meanwhile).
 */
void napt_tables_flush(struct napt_net *nn)
{
	struct rhashtable_iter iter;
	unsigned int pass;

	if (!nn->tables.ready)
		return;
	for (pass = 0; pass < 8; pass++) {
		rhashtable_walk_enter(&nn->tables.sess_ht, &iter);
		while (!napt_sweep(nn, &iter, true, UINT_MAX))
			cond_resched();
		rhashtable_walk_exit(&iter);
		if (!atomic_read(&nn->tables.sess_ht.nelems))
			break;
	}
	napt_reply_sweep(&nn->tables, true);
}

static void napt_free_session(void *ptr, void *arg)
{
	/* The first session goes with its mapping, from int_ht. */
	if (!napt_session_is_first(ptr))
		kmem_cache_free(napt_session_cache, ptr);
}

static void napt_free_peer(void *ptr, void *arg)
{
	kmem_cache_free(napt_peer_cache, ptr);
}

static void napt_free_dynamic(void *ptr, void *arg)
{
	struct napt_mapping *m = ptr;

	if (!napt_mapping_is_static(m))
		kmem_cache_free(napt_flow_cache,
				container_of(m, struct napt_flow, m));
}

static void napt_free_host(void *ptr, void *arg)
{
	kfree(ptr);
}

/*
 * Free everything at once. Only when no reader is left: the hooks are
 * unregistered (and synchronized) and expiry is stopped. Static mappings
 * belong to their forwards and are freed with them.
 */
void napt_tables_destroy(struct napt_tables *t)
{
	if (!t->ready)
		return;
	rhashtable_free_and_destroy(&t->sess_ht, napt_free_session, NULL);
	rhashtable_free_and_destroy(&t->peer_ht, napt_free_peer, NULL);
	rhashtable_destroy(&t->ext_ht);
	napt_ports_destroy(t);
	rhashtable_free_and_destroy(&t->int_ht, napt_free_dynamic, NULL);
	rhashtable_free_and_destroy(&t->host_ht, napt_free_host, NULL);
	t->host_last = NULL;
	napt_reply_destroy(t);
}
