// SPDX-License-Identifier: GPL-2.0
/*
 * Forwards (static NAPT, "port forwarding"). A forward is a set of static
 * mappings, one per external port and protocol, that live in the same
 * tables as dynamic mappings: the packet path finds either in one lookup.
 *
 * Every change to the set of forwards (add, delete, flush, restore) is one
 * commit from the current set to the next: validated whole, then applied
 * under tables->lock; if any step fails, every step already taken is
 * undone, so a change happens whole or not at all. Forwards in both sets
 * are left alone: their ports never blink. Entries that pass from an old
 * forward to a new one are replaced in place (rhashtable_replace_fast(),
 * which cannot fail), so undoing never needs memory either.
 *
 * The list of forwards and the forwards themselves belong to
 * nn->cfg_mutex; readers on the packet path reach them only through their
 * static mappings, under RCU.
 */
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/inetdevice.h>
#include <linux/vmalloc.h>
#include "napt.h"

/*
 * A forward with its static mappings filled in, not yet anywhere. The
 * internal range is the external one's length, or a single port that
 * every external port goes to; then only the first external port holds
 * the internal endpoint, for the host's own outbound traffic.
 */
struct napt_forward *napt_forward_new(u16 ext_min, u16 ext_max, u16 int_min,
				      u16 int_max, u8 protos)
{
	static const u8 proto_of[] = { IPPROTO_TCP, IPPROTO_UDP };
	unsigned int nports = ext_max - ext_min + 1;
	bool single = int_min == int_max;
	struct napt_forward *f;
	unsigned int i, p, n;

	f = kvzalloc(struct_size(f, maps, nports * hweight8(protos)),
		     GFP_KERNEL);
	if (!f)
		return NULL;
	f->hits = alloc_percpu(u64);
	if (!f->hits) {
		kvfree(f);
		return NULL;
	}
	INIT_LIST_HEAD(&f->list);
	f->ext_min = ext_min;
	f->ext_max = ext_max;
	f->int_min = int_min;
	f->int_max = int_max;
	f->protos = protos;

	n = 0;
	for (p = 0; p < ARRAY_SIZE(proto_of); p++) {
		if (!(protos & BIT(p)))
			continue;
		for (i = 0; i < nports; i++) {
			struct napt_mapping *m = &f->maps[n++];

			m->fwd = f;
			napt_ext_key_init(&m->ekey, proto_of[p],
					  htons(ext_min + i), 0);
			m->in_int = !single || !i;
		}
	}
	f->nmaps = n;
	return f;
}

/* Set the internal address (after napt_forward_new()). */
static void napt_forward_set_int(struct napt_forward *f)
{
	bool single = f->int_min == f->int_max;
	unsigned int i;

	for (i = 0; i < f->nmaps; i++) {
		struct napt_mapping *m = &f->maps[i];
		u16 off = ntohs(m->ekey.port) - f->ext_min;

		napt_int_key_init(&m->ikey, m->ekey.proto, f->int_addr,
				  htons(single ? f->int_min : f->int_min + off),
				  0);
		m->ihash = napt_int_hash(&m->ikey);
	}
}

void napt_forward_free(struct napt_forward *f)
{
	free_percpu(f->hits);
	kvfree(f);
}

static void napt_forward_free_rcu(struct rcu_head *head)
{
	napt_forward_free(container_of(head, struct napt_forward, rcu));
}

bool napt_forward_admits(const struct napt_forward *f, __be32 saddr)
{
	return (saddr & f->from_mask) == f->from_addr;
}

u64 napt_forward_hits(const struct napt_forward *f)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(f->hits, cpu);
	return sum;
}

/* The same forward, to the last field an administrator sets? */
static bool napt_forward_equal(const struct napt_forward *a,
			       const struct napt_forward *b)
{
	return a->ext_min == b->ext_min && a->ext_max == b->ext_max &&
	       a->int_min == b->int_min && a->int_max == b->int_max &&
	       a->int_addr == b->int_addr && a->protos == b->protos &&
	       a->from_addr == b->from_addr && a->from_plen == b->from_plen &&
	       !strcmp(a->descr, b->descr);
}

static bool napt_ranges_meet(u16 a_min, u16 a_max, u16 b_min, u16 b_max)
{
	return a_min <= b_max && b_min <= a_max;
}

static int napt_cmp_ext(const void *a, const void *b)
{
	const struct napt_forward *x = *(const struct napt_forward **)a;
	const struct napt_forward *y = *(const struct napt_forward **)b;

	if (x->ext_min != y->ext_min)
		return (int)x->ext_min - (int)y->ext_min;
	return (int)x->protos - (int)y->protos;
}

static int napt_cmp_int(const void *a, const void *b)
{
	const struct napt_forward *x = *(const struct napt_forward **)a;
	const struct napt_forward *y = *(const struct napt_forward **)b;

	if (x->int_addr != y->int_addr)
		return ntohl(x->int_addr) < ntohl(y->int_addr) ? -1 : 1;
	return (int)x->int_min - (int)y->int_min;
}

/*
 * No two forwards of a protocol may share an external port, nor an
 * internal endpoint (a static mapping binds one to the other). @v is
 * sorted by external port on return. Sorting makes both checks a look at
 * neighbours only, whatever the number of forwards.
 */
static int napt_forwards_check(struct napt_forward **v, unsigned int n,
			       struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	sort(v, n, sizeof(*v), napt_cmp_int, NULL);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n && v[j]->int_addr == v[i]->int_addr &&
		     v[j]->int_min <= v[i]->int_max; j++) {
			if (!(v[i]->protos & v[j]->protos))
				continue;
			NL_SET_ERR_MSG(extack,
				       "internal endpoint already forwarded");
			return -EEXIST;
		}
	}

	sort(v, n, sizeof(*v), napt_cmp_ext, NULL);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n && v[j]->ext_min <= v[i]->ext_max; j++) {
			if (!(v[i]->protos & v[j]->protos) ||
			    !napt_ranges_meet(v[i]->ext_min, v[i]->ext_max,
					      v[j]->ext_min, v[j]->ext_max))
				continue;
			NL_SET_ERR_MSG(extack, "external port already forwarded");
			return -EEXIST;
		}
	}
	return 0;
}

/* One step of a commit, so that it can be undone. */
struct napt_step {
	struct napt_mapping *m;		/* linked */
	struct napt_mapping *old;	/* replaced, or NULL: inserted */
	bool ext;
};

struct napt_commit {
	struct napt_tables *t;
	struct napt_step *steps;
	unsigned int nsteps;
};

/*
 * Who holds @m's key in one table now, and may @m take it? Only from a
 * static mapping of a forward that is going away: the staying ones cannot
 * overlap the next set (checked before), and a live dynamic mapping is
 * the administrator's to clear first (behaviour notes).
 */
static int napt_commit_owner(struct napt_tables *t, struct napt_mapping *m,
			     bool ext, struct napt_mapping **owner,
			     struct netlink_ext_ack *extack)
{
	struct napt_mapping *cur;

	cur = ext ? napt_mapping_lookup_ext(t, &m->ekey) :
		    napt_mapping_lookup_ikey(t, &m->ikey);
	*owner = cur;
	if (!cur || (napt_mapping_is_static(cur) && cur->fwd->going))
		return 0;
	if (napt_mapping_is_static(cur)) {
		NL_SET_ERR_MSG(extack, "port already forwarded");
		return -EEXIST;
	}
	if (ext)
		NL_SET_ERR_MSG(extack,
			       "external port is held by a live dynamic mapping; flush mappings or let it expire");
	else
		NL_SET_ERR_MSG(extack,
			       "internal endpoint has a live dynamic mapping; flush mappings or let it expire");
	return -EBUSY;
}

/* Link one static mapping into one table, logging the step. */
static int napt_commit_link(struct napt_commit *c, struct napt_mapping *m,
			    bool ext, struct netlink_ext_ack *extack)
{
	struct napt_mapping *old;
	int err;

	err = napt_commit_owner(c->t, m, ext, &old, extack);
	if (err)
		return err;
	if (napt_static_link(c->t, m, ext, old)) {
		NL_SET_ERR_MSG(extack, "out of memory for the forward tables");
		return -ENOMEM;
	}
	c->steps[c->nsteps++] = (struct napt_step){ m, old, ext };
	return 0;
}

/* Every step back, in reverse; none of them can fail. */
static void napt_commit_undo(struct napt_commit *c)
{
	while (c->nsteps) {
		struct napt_step *st = &c->steps[--c->nsteps];

		if (st->old)
			napt_static_link(c->t, st->old, st->ext, st->m);
		else
			napt_static_unlink(c->t, st->m, st->ext);
	}
}

/* Unlink what a going forward still holds (what nobody took over). */
static void napt_commit_release(struct napt_tables *t, struct napt_forward *f)
{
	unsigned int i;

	for (i = 0; i < f->nmaps; i++) {
		struct napt_mapping *m = &f->maps[i];

		if (napt_mapping_lookup_ext(t, &m->ekey) == m)
			napt_static_unlink(t, m, true);
		if (m->in_int && napt_mapping_lookup_ikey(t, &m->ikey) == m)
			napt_static_unlink(t, m, false);
	}
}

/* Link the new forwards of @next and release the going ones. */
static int napt_commit_apply(struct napt_net *nn, struct napt_commit *c,
			     struct napt_forward **next, unsigned int n,
			     struct netlink_ext_ack *extack)
{
	struct napt_tables *t = &nn->tables;
	struct napt_forward *f;
	unsigned int i, j;
	int err = 0;

	rcu_read_lock();
	spin_lock_bh(&t->lock);
	for (i = 0; i < n && !err; i++) {
		f = next[i];
		if (f->live)
			continue;
		for (j = 0; j < f->nmaps && !err; j++) {
			err = napt_commit_link(c, &f->maps[j], true, extack);
			if (!err && f->maps[j].in_int)
				err = napt_commit_link(c, &f->maps[j], false,
						       extack);
		}
	}
	if (err) {
		napt_commit_undo(c);
	} else {
		list_for_each_entry(f, &nn->forwards, list)
			if (f->going)
				napt_commit_release(t, f);
	}
	spin_unlock_bh(&t->lock);
	rcu_read_unlock();
	return err;
}

/*
 * Make @next (@n forwards, some of them the current ones) the set of
 * forwards. The current forwards in @next stay untouched, the others go
 * in, the current ones missing from @next go away. All of it or, with an
 * error in @extack, nothing. Takes @next over: frees the array, and the
 * new forwards on failure. Under nn->cfg_mutex.
 */
static int napt_commit(struct napt_net *nn, struct napt_forward **next,
		       unsigned int n, struct netlink_ext_ack *extack)
{
	struct napt_commit c = { .t = &nn->tables };
	const struct napt_cfg *cfg;
	struct napt_forward *f, *tmp;
	unsigned int i, nsteps = 0, nstatic = 0;
	LIST_HEAD(list);
	int err;

	lockdep_assert_held(&nn->cfg_mutex);

	cfg = rcu_dereference_protected(nn->cfg,
					lockdep_is_held(&nn->cfg_mutex));
	err = napt_tables_prepare(nn, cfg);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory for the tables");
		goto out;
	}
	err = napt_forwards_check(next, n, extack);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		nstatic += next[i]->nmaps;
		if (!next[i]->live)
			nsteps += 2 * next[i]->nmaps;
	}
	if (nstatic > NAPT_MAX_STATIC) {
		NL_SET_ERR_MSG(extack, "too many forwarded ports");
		err = -ENOSPC;
		goto out;
	}
	c.steps = kvmalloc_array(max(nsteps, 1U), sizeof(*c.steps),
				 GFP_KERNEL);
	if (!c.steps) {
		err = -ENOMEM;
		goto out;
	}

	list_for_each_entry(f, &nn->forwards, list)
		f->going = true;
	for (i = 0; i < n; i++)
		next[i]->going = false;

	err = napt_commit_apply(nn, &c, next, n, extack);
	kvfree(c.steps);
	if (err) {
		list_for_each_entry(f, &nn->forwards, list)
			f->going = false;
		goto out;
	}

	/* The next set, in external port order; then free the going. */
	for (i = 0; i < n; i++) {
		if (next[i]->live)
			list_del(&next[i]->list);
		next[i]->live = true;
		list_add_tail(&next[i]->list, &list);
	}
	list_for_each_entry_safe(f, tmp, &nn->forwards, list) {
		list_del(&f->list);
		call_rcu(&f->rcu, napt_forward_free_rcu);
	}
	list_splice(&list, &nn->forwards);
	nn->tables.nstatic = nstatic;
	kfree(next);
	return 0;

out:
	/* New forwards may have been seen by readers before the undo. */
	for (i = 0; i < n; i++)
		if (!next[i]->live)
			call_rcu(&next[i]->rcu, napt_forward_free_rcu);
	kfree(next);
	return err;
}

/* The current forwards in an array with room for @extra more. */
static struct napt_forward **napt_forwards_array(struct napt_net *nn,
						 unsigned int extra,
						 unsigned int *n,
						 const struct napt_forward *skip)
{
	struct napt_forward **v, *f;
	unsigned int count = 0;

	list_for_each_entry(f, &nn->forwards, list)
		count++;
	v = kmalloc_array(count + extra ?: 1, sizeof(*v), GFP_KERNEL);
	if (!v)
		return NULL;
	*n = 0;
	list_for_each_entry(f, &nn->forwards, list)
		if (f != skip)
			v[(*n)++] = f;
	return v;
}

/* Finish a forward napt_forward_new() made: internal keys, from, descr. */
void napt_forward_finish(struct napt_forward *f, __be32 int_addr,
			 __be32 from_addr, u8 from_plen, const char *descr)
{
	f->int_addr = int_addr;
	f->from_plen = from_plen;
	f->from_mask = from_plen ? inet_make_mask(from_plen) : 0;
	f->from_addr = from_addr & f->from_mask;
	strscpy(f->descr, descr ?: "", sizeof(f->descr));
	napt_forward_set_int(f);
}

/* Add @f (taken over) to the forwards. Under nn->cfg_mutex. */
int napt_forward_add(struct napt_net *nn, struct napt_forward *f,
		     struct netlink_ext_ack *extack)
{
	struct napt_forward **v;
	unsigned int n;

	v = napt_forwards_array(nn, 1, &n, NULL);
	if (!v) {
		napt_forward_free(f);
		return -ENOMEM;
	}
	v[n++] = f;
	return napt_commit(nn, v, n, extack);
}

/*
 * Delete the forward whose external range starts at @ext_min, for the
 * protocols in @protos only; what remains of it stays, as a new forward.
 */
int napt_forward_del(struct napt_net *nn, u16 ext_min, u8 protos,
		     struct netlink_ext_ack *extack)
{
	struct napt_forward **v, *f, *rest = NULL;
	unsigned int n;
	u8 left;

	list_for_each_entry(f, &nn->forwards, list)
		if (f->ext_min == ext_min && (f->protos & protos))
			goto found;
	NL_SET_ERR_MSG(extack, "no such forward");
	return -ENOENT;

found:
	left = f->protos & ~protos;
	if (left) {
		rest = napt_forward_new(f->ext_min, f->ext_max, f->int_min,
					f->int_max, left);
		if (!rest)
			return -ENOMEM;
		napt_forward_finish(rest, f->int_addr, f->from_addr,
				    f->from_plen, f->descr);
	}
	v = napt_forwards_array(nn, 1, &n, f);
	if (!v) {
		if (rest)
			napt_forward_free(rest);
		return -ENOMEM;
	}
	if (rest)
		v[n++] = rest;
	return napt_commit(nn, v, n, extack);
}

int napt_forward_flush(struct napt_net *nn, struct netlink_ext_ack *extack)
{
	struct napt_forward **v = kmalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return -ENOMEM;
	return napt_commit(nn, v, 0, extack);
}

/*
 * Replace every forward with @next (@n new forwards, taken over with the
 * array). Those equal to a current one keep the current one, its counter
 * and its place in the tables.
 */
int napt_forwards_replace(struct napt_net *nn, struct napt_forward **next,
			  unsigned int n, struct netlink_ext_ack *extack)
{
	struct napt_forward *f;
	unsigned int i;

	for (i = 0; i < n; i++) {
		list_for_each_entry(f, &nn->forwards, list) {
			if (napt_forward_equal(f, next[i])) {
				napt_forward_free(next[i]);
				next[i] = f;
				break;
			}
		}
	}
	return napt_commit(nn, next, n, extack);
}

/* Namespace exit: no reader is left; the tables are gone already. */
void napt_forwards_destroy(struct napt_net *nn)
{
	struct napt_forward *f, *tmp;

	list_for_each_entry_safe(f, tmp, &nn->forwards, list) {
		list_del(&f->list);
		napt_forward_free(f);
	}
}
