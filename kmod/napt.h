/* SPDX-License-Identifier: GPL-2.0 */
/*
 * napt: the module's shared definitions.
 *
 * Who touches what, and under which rule:
 *
 * - struct napt_cfg: immutable once published. Readers (the packet path,
 *   softirq or process context) use rcu_dereference(nn->cfg) once per
 *   packet. Writers (netlink, notifiers: process context) build a copy,
 *   publish it with rcu_assign_pointer() under nn->cfg_mutex and free the
 *   old one after a grace period.
 *
 * - The tables (struct napt_tables): lookups are lockless under RCU, from
 *   any context. Every change to any of the tables, and to the counters
 *   kept beside them, happens under tables->lock, taken with BH disabled
 *   (the hooks also run in process context for locally generated
 *   packets). Objects are freed through RCU.
 *
 * - Forwards: the list and its objects belong to nn->cfg_mutex; their
 *   static mappings sit in the tables under the rule above.
 */
#ifndef _NAPT_H
#define _NAPT_H

#include <linux/types.h>
#include <linux/in.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/siphash.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <net/netns/generic.h>
#include <linux/napt.h>

#include "stats.h"

struct netlink_ext_ack;

enum napt_timeout {
	NAPT_TO_UDP,
	NAPT_TO_TCP_EST,
	NAPT_TO_TCP_TRANS,
	NAPT_TO_ICMP,
	NAPT_TO_OTHER,
	NAPT_TO_NR
};

/* One instance's settings and WAN binding; see the rule at the top. */
struct napt_cfg {
	bool wan_on;			/* NAPT configured (WAN_SET) */
	bool addr_fixed;		/* wan_addr set by hand */
	char wan_ifname[IFNAMSIZ];
	int wan_ifindex;		/* 0: the interface is missing */
	__be32 wan_addr;		/* effective W; 0: unknown */
	u16 port_min, port_max;		/* dynamic range, host order */
	u8 filtering;			/* enum napt_filtering */
	u32 timeout[NAPT_TO_NR];	/* seconds */
	u32 max_mappings, max_per_host;
	struct rcu_head rcu;
};

/* NAPT translates only while all of this holds. */
static inline bool napt_cfg_active(const struct napt_cfg *cfg)
{
	return cfg->wan_on && cfg->wan_ifindex && cfg->wan_addr;
}

static inline bool napt_cfg_port_dynamic(const struct napt_cfg *cfg, u16 port)
{
	return port >= cfg->port_min && port <= cfg->port_max;
}

/*
 * Keys. Padding is part of the key (rhashtable compares bytes), so keys are
 * always built zeroed: use the napt_*_key() helpers.
 */
struct napt_int_key {
	__be32 addr;		/* X */
	__be32 raddr;		/* address-only protocols: Y; else 0 */
	__be16 port;		/* x, or the ICMP query identifier; else 0 */
	u8 proto;
	u8 pad;
};

struct napt_ext_key {
	__be32 raddr;		/* address-only protocols: Y; else 0 */
	__be16 port;		/* w, or the ICMP query identifier; else 0 */
	u8 proto;
	u8 pad;
};

/*
 * A flow as the internal host sees it: its endpoint as its mapping's
 * internal key has it (X, x or 0, protocol) and the remote Y:y (y 0 where
 * the protocol has none). Sessions are hashed by it, so one probe finds
 * an outbound packet's session, and with it the mapping, however many
 * sessions the mapping has; so are the notes of many-to-one forwards.
 * Zeroed before it is filled (padding is key too).
 */
struct napt_flow_key {
	__be32 iaddr;
	__be32 raddr;
	__be16 iport;
	__be16 rport;
	u8 proto;
	u8 pad[3];
};

/* Protocols napt keys by port (ICMP: by query identifier). */
static inline bool napt_proto_keyed_by_port(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_ICMP;
}

/* The remote port a session is keyed by: 0 where there is none. */
static inline __be16 napt_remote_port(u8 proto, __be16 port)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ? port : 0;
}

static inline void napt_int_key_init(struct napt_int_key *k, u8 proto,
				     __be32 addr, __be16 port, __be32 raddr)
{
	bool by_port = napt_proto_keyed_by_port(proto);

	k->addr = addr;
	k->raddr = by_port ? 0 : raddr;
	k->port = by_port ? port : 0;
	k->proto = proto;
	k->pad = 0;
}

static inline void napt_ext_key_init(struct napt_ext_key *k, u8 proto,
				     __be16 port, __be32 raddr)
{
	bool by_port = napt_proto_keyed_by_port(proto);

	k->raddr = by_port ? 0 : raddr;
	k->port = by_port ? port : 0;
	k->proto = proto;
	k->pad = 0;
}

/* The flow of internal key @ik with remote @raddr:@rport. */
static inline void napt_flow_key_init(struct napt_flow_key *k,
				      const struct napt_int_key *ik,
				      __be32 raddr, __be16 rport)
{
	k->iaddr = ik->addr;
	k->raddr = raddr;
	k->iport = ik->port;
	k->rport = rport;
	k->proto = ik->proto;
	k->pad[0] = 0;
	k->pad[1] = 0;
	k->pad[2] = 0;
}

/*
 * A key with its hash (napt_int_hash(), napt_flow_hash() below): the
 * packet path hashes a key once, for its lookup and, on a miss, for the
 * insert, since the object keeps the hash (rhashtable asks the object
 * through obj_hashfn). The key comes first: rhashtable compares what it
 * is given as a key with an object's key, and an insert gives it the
 * object's own.
 */
struct napt_int_lookup {
	struct napt_int_key k;
	u32 hash;
};

struct napt_flow_lookup {
	struct napt_flow_key k;
	u32 hash;
};

/*
 * A mapping X:x <-> W:w for one protocol. Dynamic mappings live while they
 * have sessions; static ones (fwd != NULL) belong to their forward, have no
 * sessions and never expire. W is the instance's, not stored: mappings are
 * flushed when it changes.
 */
struct napt_mapping {
	struct rhash_head int_node;	/* tables->int_ht */
	struct rhash_head ext_node;	/* address-only: tables->ext_ht */
	struct napt_int_key ikey;
	struct napt_ext_key ekey;
	u32 ihash;			/* napt_int_hash(&ikey), set once */
	union {
		u32 nsessions;		/* dynamic: under tables->lock */
		u32 in_int;		/* static: holds ikey in int_ht */
	};
	unsigned long expires;		/* dynamic: jiffies, latest session's */
	/*
	 * Dynamic: the first remote address's sessions are counted here,
	 * any other's in a struct napt_peer, so a mapping that talks to one
	 * host (most of them) costs no peer object. An address may be
	 * counted here and in peer_ht at once; it is known while either
	 * count is. Written under tables->lock, read under RCU (a racing
	 * reader may pair the count with the address it replaces: one
	 * that had a session a moment ago).
	 */
	__be32 peer0;
	u32 peer0_n;
	/*
	 * Dynamic: the session made last, so that a mapping with one
	 * session (most of them) finds it without a second hash lookup.
	 * Set and cleared under tables->lock; read under RCU.
	 */
	struct napt_session __rcu *last;
	struct napt_forward *fwd;
	struct rcu_head rcu;
};

static inline bool napt_mapping_is_static(const struct napt_mapping *m)
{
	return m->fwd;
}

/* TCP state of a session: only as much as the timeouts need. */
#define NAPT_TCP_SYN_OUT	BIT(0)
#define NAPT_TCP_SYN_IN		BIT(1)
#define NAPT_TCP_FIN_OUT	BIT(2)
#define NAPT_TCP_FIN_IN		BIT(3)
#define NAPT_TCP_RST		BIT(4)
#define NAPT_TCP_PICKUP		BIT(5)	/* first packet was not a SYN */
#define NAPT_TCP_SEEN_IN	BIT(6)	/* a packet came in */
#define NAPT_SESS_DEAD		BIT(31)	/* unlinked, under tables->lock */

/* A session: one dynamic mapping talking to one remote Y:y. */
struct napt_session {
	struct rhash_head node;		/* tables->sess_ht */
	struct napt_flow_key key;
	struct napt_mapping *m;
	atomic_t tcp;			/* NAPT_TCP_* */
	u32 hash;			/* napt_flow_hash(&key), set once */
	unsigned long expires;		/* jiffies; WRITE_ONCE from packets */
	struct rcu_head rcu;		/* not the first's: see napt_flow */
};

/*
 * A dynamic mapping and its first session, made in one allocation. The
 * session may end before the mapping does; its memory goes with the
 * mapping's (freed after a grace period once the mapping is unlinked,
 * which is after the session was), so RCU readers that still hold it
 * are safe. Later sessions are allocated on their own.
 */
struct napt_flow {
	struct napt_mapping m;
	struct napt_session s;
};

static inline bool napt_session_is_first(const struct napt_session *s)
{
	return s == &container_of(s->m, struct napt_flow, m)->s;
}

/*
 * A remote address a dynamic mapping has sessions with, however many of
 * its ports: address-dependent filtering asks for it in one lookup,
 * whatever the number of sessions (a peer sending from many ports cannot
 * make anything longer to walk). Not for the mapping's first address
 * (napt_mapping.peer0).
 */
struct napt_peer {
	struct rhash_head node;		/* tables->peer_ht */
	const struct napt_mapping *m;	/* key: m, raddr */
	__be32 raddr;
	u32 nsessions;			/* under tables->lock */
	struct rcu_head rcu;
};

/* Dynamic mappings per internal address, for max-per-host. */
struct napt_host {
	struct rhash_head node;
	__be32 addr;
	u32 nmappings;			/* under tables->lock */
	struct rcu_head rcu;
};

/*
 * External ports of the port-keyed protocols (TCP, UDP, the ICMP query
 * identifier): the mapping holding each, indexed by port, not hashed. An
 * inbound packet finds its mapping in two loads, and the port allocator
 * tells a taken port from a free one as cheaply, however full the range.
 * Slots come in chunks of 256 ports made on first use and kept until the
 * tables go: an instance pays for the stretches of ports it uses (2 KiB
 * each, 1.5 MiB if every port of the three protocols were used). Chunk
 * pointers and slots are written under tables->lock, read under RCU.
 */
#define NAPT_PORT_CHUNK_SHIFT	8
#define NAPT_PORT_CHUNK		BIT(NAPT_PORT_CHUNK_SHIFT)

struct napt_port_chunk {
	struct napt_mapping __rcu *slot[NAPT_PORT_CHUNK];
};

enum { NAPT_PORTS_TCP, NAPT_PORTS_UDP, NAPT_PORTS_ICMP, NAPT_PORTS_NR };

struct napt_port_map {
	struct napt_port_chunk __rcu *chunk[NAPT_PORTS_NR]
					   [65536 >> NAPT_PORT_CHUNK_SHIFT];
};

struct napt_tables {
	/*
	 * Set once the tables below exist (napt_tables_prepare(), under
	 * cfg_mutex); read under cfg_mutex, or with acquire by dumps. The
	 * hooks are registered only after.
	 */
	bool ready;
	spinlock_t lock;		/* every writer; BH-safe */
	struct rhashtable int_ht;	/* mappings by napt_int_key */
	struct napt_port_map *ports;	/* mappings by external port */
	struct rhashtable ext_ht;	/* address-only protocols' mappings */
	struct rhashtable sess_ht;	/* sessions by (mapping, raddr, rport) */
	struct rhashtable peer_ht;	/* peers by (mapping, raddr) */
	struct rhashtable host_ht;	/* hosts by address */
	/*
	 * The host whose count changed last, under lock: new mappings come
	 * in bursts from one host (a page load, a download), which then
	 * skip the host_ht lookup. Cleared when that host goes.
	 */
	struct napt_host *host_last;
	struct rhashtable reply_ht;	/* napt_reply by what the host sees */
	u32 nmappings;			/* dynamic; under lock */
	u32 nsessions;			/* under lock */
	u32 nstatic;			/* static mappings; under lock */
	u32 nreplies;			/* under lock */

	/* Expiry: deferred work walks the sessions a slice at a time. */
	struct delayed_work gc_work;
	struct rhashtable_iter gc_iter;	/* only the gc work uses it */
	bool gc_walking;
};

static inline unsigned int napt_ports_index(u8 proto)
{
	return proto == IPPROTO_TCP ? NAPT_PORTS_TCP :
	       proto == IPPROTO_UDP ? NAPT_PORTS_UDP : NAPT_PORTS_ICMP;
}

/* Where the chunk of external @port of @proto hangs, and @port in it. */
static inline struct napt_port_chunk __rcu **
napt_port_chunkp(struct napt_tables *t, u8 proto, __be16 port)
{
	return &t->ports->chunk[napt_ports_index(proto)]
			       [ntohs(port) >> NAPT_PORT_CHUNK_SHIFT];
}

static inline unsigned int napt_port_in_chunk(__be16 port)
{
	return ntohs(port) & (NAPT_PORT_CHUNK - 1);
}

/*
 * The mapping that holds external @port of @proto (a port-keyed one), or
 * NULL. Under RCU or tables->lock.
 */
static inline struct napt_mapping *
napt_port_lookup(struct napt_tables *t, u8 proto, __be16 port)
{
	struct napt_port_chunk *c;

	c = rcu_dereference_check(*napt_port_chunkp(t, proto, port),
				  lockdep_is_held(&t->lock));
	if (!c)
		return NULL;
	return rcu_dereference_check(c->slot[napt_port_in_chunk(port)],
				     lockdep_is_held(&t->lock));
}

/*
 * A remote endpoint that came in on one port of a many-to-one forward (a
 * range of external ports onto one internal port): the internal host's
 * replies must leave from the port it came in on, not the forward's
 * first. Keyed by what the internal host sees (its endpoint and the
 * remote's), so nothing points at a forward: one replaced or deleted
 * leaves entries that the packet path ignores (port outside the new
 * range) and expiry reclaims. Linked and unlinked under tables->lock,
 * read under RCU, freed after a grace period.
 */
struct napt_reply {
	struct rhash_head node;		/* tables->reply_ht */
	struct napt_flow_key key;
	__be16 xport;			/* WRITE_ONCE from packets */
	bool dead;			/* unlinked; under tables->lock */
	unsigned long expires;		/* jiffies; WRITE_ONCE from packets */
	struct rcu_head rcu;
};

/* Forward protocol set. */
#define NAPT_FWD_TCP	BIT(0)
#define NAPT_FWD_UDP	BIT(1)

/*
 * A forward: external ports [ext_min, ext_max] of some protocols go to
 * int_addr's [int_min, int_max] (one to one, or all to int_min when the
 * internal range is a single port). maps[] holds one static mapping per
 * port and protocol, the ones the packet path finds.
 */
struct napt_forward {
	struct list_head list;		/* nn->forwards, by ext_min */
	u16 ext_min, ext_max;
	u16 int_min, int_max;
	__be32 int_addr;
	__be32 from_addr, from_mask;	/* mask 0: anyone */
	u8 from_plen;
	u8 protos;			/* NAPT_FWD_* */
	char descr[NAPT_DESCR_MAX];
	u64 __percpu *hits;
	u32 nmaps;
	bool live;			/* on nn->forwards */
	bool going;			/* live, leaving in this commit */
	struct rcu_head rcu;
	struct napt_mapping maps[];
};

/*
 * A range of external ports onto one internal port: its replies need
 * reply.c's notes. Asked on the packet path for every forwarded packet.
 */
static inline bool napt_forward_many_to_one(const struct napt_forward *f)
{
	return f->int_min == f->int_max && f->ext_min != f->ext_max;
}

#define NAPT_NR_HOOKS	2

/* Per network namespace. */
struct napt_net {
	struct net *net;
	struct mutex cfg_mutex;		/* every configuration change */
	struct napt_cfg __rcu *cfg;	/* published under cfg_mutex */
	bool hooks_on;			/* under cfg_mutex */
	/* Registered while hooks_on, priv = this instance. */
	struct nf_hook_ops hook_ops[NAPT_NR_HOOKS];
	struct list_head forwards;	/* under cfg_mutex */
	struct napt_tables tables;
	struct napt_stats __percpu *stats;
};

/* main.c */
extern unsigned int napt_net_id;
extern struct kmem_cache *napt_flow_cache, *napt_session_cache;
extern struct kmem_cache *napt_peer_cache;

static inline struct napt_net *napt_pernet(const struct net *net)
{
	return net_generic(net, napt_net_id);
}

/* netns.c */
extern struct pernet_operations napt_net_ops;
int napt_notifiers_register(void);
void napt_notifiers_unregister(void);
struct napt_cfg *napt_cfg_copy(struct napt_net *nn);
void napt_cfg_publish(struct napt_net *nn, struct napt_cfg *cfg);
int napt_wan_set(struct napt_net *nn, const char *ifname, __be32 addr,
		 struct netlink_ext_ack *extack);
bool napt_addr_unicast(__be32 addr);
int napt_wan_del(struct napt_net *nn, struct netlink_ext_ack *extack);
int napt_cfg_check_ports(struct napt_net *nn, u16 lo, u16 hi,
			 struct netlink_ext_ack *extack);
void napt_cfg_defaults(struct napt_cfg *cfg);
int napt_restore(struct napt_net *nn, struct napt_cfg *cfg,
		 struct napt_forward **fwds, unsigned int n,
		 struct netlink_ext_ack *extack);

/* table.c */
void napt_tables_early_init(struct napt_tables *t);
int napt_tables_prepare(struct napt_net *nn, const struct napt_cfg *cfg);
void napt_tables_destroy(struct napt_tables *t);
struct napt_mapping *napt_mapping_lookup_int(struct napt_tables *t,
					     const struct napt_int_lookup *l);
struct napt_mapping *napt_mapping_lookup_ikey(struct napt_tables *t,
					      const struct napt_int_key *k);
struct napt_mapping *napt_mapping_lookup_ext(struct napt_tables *t,
					     const struct napt_ext_key *k);
struct napt_session *napt_session_lookup_key(struct napt_tables *t,
					     const struct napt_flow_lookup *l);
struct napt_session *napt_session_lookup(struct napt_tables *t,
					 const struct napt_mapping *m,
					 __be32 raddr, __be16 rport);
struct napt_session *napt_session_find(struct napt_tables *t,
				       const struct napt_mapping *m,
				       __be32 raddr, __be16 rport);
bool napt_peer_known(struct napt_tables *t, const struct napt_mapping *m,
		     __be32 raddr);
struct napt_mapping *napt_flow_create(struct napt_net *nn,
				      const struct napt_cfg *cfg,
				      const struct napt_int_lookup *il,
				      const struct napt_flow_lookup *sl,
				      struct napt_session **sp);
struct napt_session *napt_session_create(struct napt_net *nn,
					 struct napt_mapping *m,
					 const struct napt_flow_lookup *sl);
void napt_tables_flush(struct napt_net *nn);
void napt_gc_start(struct napt_net *nn);
void napt_gc_stop(struct napt_net *nn);
int napt_static_link(struct napt_tables *t, struct napt_mapping *m, bool ext,
		     struct napt_mapping *old);
void napt_static_unlink(struct napt_tables *t, struct napt_mapping *m,
			bool ext);
int napt_ext_claim(struct napt_tables *t, struct napt_mapping *m);
void napt_hash_init(void);

/*
 * Packet-controlled keys are hashed with a keyed PRF, the module's secret.
 * rhashtable hands us a random seed per table (renewed on every rehash),
 * folded into the key's first word: one-to-one, so no two keys meet that
 * did not, and each table and rehash places entries afresh. Inline, so
 * that a table's lookups, whose key length is a constant, hash a fixed
 * number of words with the secret as it is, no copy of it to mix in.
 * int_ht and sess_ht, which the packet path both looks up and inserts
 * into, hash a key once instead (napt_int_hash(), napt_flow_hash()) and
 * take the seed after (table.c).
 */
extern hsiphash_key_t napt_hash_secret;

static inline u32 napt_hashfn(const void *data, u32 len, u32 seed)
{
	const hsiphash_key_t *key = &napt_hash_secret;
	const u32 *w = data;

	switch (len) {
	case 4:
		return hsiphash_1u32(w[0] ^ seed, key);
	case 8:
		return hsiphash_2u32(w[0] ^ seed, w[1], key);
	case 12:
		return hsiphash_3u32(w[0] ^ seed, w[1], w[2], key);
	case 16:
		return hsiphash_4u32(w[0] ^ seed, w[1], w[2], w[3], key);
	}
	{
		/* No key has another length; were one added, seed the key. */
		hsiphash_key_t seeded = *key;

		seeded.key[0] ^= seed;
		return hsiphash(data, len, &seeded);
	}
}

/*
 * The hashes of int_ht's and sess_ht's keys, without a table's seed
 * (table.c mixes that in): the packet path makes them once and the
 * objects keep them.
 */
static inline u32 napt_int_hash(const struct napt_int_key *k)
{
	const u32 *w = (const u32 *)k;

	return hsiphash_3u32(w[0], w[1], w[2], &napt_hash_secret);
}

/*
 * Without the protocol: 12 bytes hash in one SipHash round less than 16,
 * and the compare takes the whole key. Only a connection's TCP, UDP and
 * other-protocol twins share a hash.
 */
static inline u32 napt_flow_hash(const struct napt_flow_key *k)
{
	const u32 *w = (const u32 *)k;

	return hsiphash_3u32(w[0], w[1], w[2], &napt_hash_secret);
}

/* @l: the flow of internal key @ik with remote @raddr:@rport, hashed. */
static inline void napt_flow_lookup_init(struct napt_flow_lookup *l,
					 const struct napt_int_key *ik,
					 __be32 raddr, __be16 rport)
{
	napt_flow_key_init(&l->k, ik, raddr, rport);
	l->hash = napt_flow_hash(&l->k);
}

/*
 * Keys of @len bytes, a constant multiple of four up to 16, compared a
 * word at a time without a loop.
 */
static __always_inline bool napt_key_eq(const void *a, const void *b,
					u32 len)
{
	const u32 *x = a, *y = b;
	u32 diff = 0;

	BUILD_BUG_ON(len % 4 || len > 16);
	switch (len / 4) {
	case 4:
		diff |= x[3] ^ y[3];
		fallthrough;
	case 3:
		diff |= x[2] ^ y[2];
		fallthrough;
	case 2:
		diff |= x[1] ^ y[1];
		fallthrough;
	default:
		diff |= x[0] ^ y[0];
	}
	return !diff;
}

/* reply.c */
int napt_reply_init(struct napt_tables *t);
void napt_reply_destroy(struct napt_tables *t);
int napt_reply_note(struct napt_net *nn, const struct napt_cfg *cfg,
		    const struct napt_mapping *m, __be32 raddr, __be16 rport);
__be16 napt_reply_port(struct napt_tables *t, const struct napt_cfg *cfg,
		       const struct napt_mapping *m, __be32 raddr,
		       __be16 rport);
void napt_reply_sweep(struct napt_tables *t, bool all);

/* port.c */
int napt_ports_init(struct napt_tables *t);
void napt_ports_destroy(struct napt_tables *t);
int napt_port_claim(struct napt_tables *t, struct napt_mapping *m);
void napt_port_replace(struct napt_tables *t, struct napt_mapping *old,
		       struct napt_mapping *m);
int napt_port_alloc(struct napt_tables *t, const struct napt_cfg *cfg,
		    struct napt_mapping *m);

/* session.c */
unsigned long napt_session_timeout(const struct napt_cfg *cfg, u8 proto,
				   u32 tcp);
void napt_session_update(const struct napt_cfg *cfg, struct napt_mapping *m,
			 struct napt_session *s, u8 tcpflags, bool inbound);
bool napt_session_alive(const struct napt_session *s);
bool napt_mapping_alive(const struct napt_mapping *m);

/* forward.c */
struct napt_forward *napt_forward_new(u16 ext_min, u16 ext_max, u16 int_min,
				      u16 int_max, u8 protos);
void napt_forward_finish(struct napt_forward *f, __be32 int_addr,
			 __be32 from_addr, u8 from_plen, const char *descr);
void napt_forward_free(struct napt_forward *f);
int napt_forward_add(struct napt_net *nn, struct napt_forward *f,
		     struct netlink_ext_ack *extack);
int napt_forward_del(struct napt_net *nn, u16 ext_min, u8 protos,
		     struct netlink_ext_ack *extack);
int napt_forward_flush(struct napt_net *nn, struct netlink_ext_ack *extack);
int napt_forwards_replace(struct napt_net *nn, struct napt_forward **next,
			  unsigned int n, struct netlink_ext_ack *extack);
void napt_forwards_destroy(struct napt_net *nn);
bool napt_forward_admits(const struct napt_forward *f, __be32 saddr);
u64 napt_forward_hits(const struct napt_forward *f);

/* hooks.c */
struct sk_buff;
struct nf_hook_state;
struct napt_pkt;
unsigned int napt_drop(struct napt_net *nn, enum napt_stat why);
int napt_reroute(struct sk_buff *skb, __be32 saddr,
		 const struct nf_hook_state *state);
int napt_hooks_register(struct napt_net *nn);
void napt_hooks_unregister(struct napt_net *nn);
int napt_defrag_get(void);
void napt_defrag_put(void);

/* icmp.c */
unsigned int napt_icmp_error_in(struct napt_net *nn,
				const struct napt_cfg *cfg, struct sk_buff *skb,
				const struct napt_pkt *p,
				const struct nf_hook_state *state, bool hairpin);
unsigned int napt_icmp_error_out(struct napt_net *nn,
				 const struct napt_cfg *cfg,
				 struct sk_buff *skb, const struct napt_pkt *p,
				 bool local);

/* netlink.c */
int napt_genl_register(void);
void napt_genl_unregister(void);

#endif /* _NAPT_H */
