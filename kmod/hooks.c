// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path. Two netfilter hooks per instance, registered only while
 * NAPT is configured in the namespace:
 *
 * - PREROUTING at NF_IP_PRI_RAW: after nf_defrag_ipv4 has reassembled
 *   fragments, before nf_conntrack. Packets to W are translated back to
 *   the internal endpoint (replies, forwards) or dropped when they are for
 *   napt's ports and match nothing. LAN packets to W are hairpinned.
 * - POSTROUTING at NF_IP_PRI_NAT_SRC, on the WAN interface only: the
 *   source becomes W:w.
 *
 * So nf_conntrack, if the router runs it for its firewall, only ever sees
 * LAN-side addresses. The hooks run in softirq for forwarded packets and
 * in process context for locally generated ones, always under RCU; they
 * never sleep and every loop in them is bounded.
 */
#include <linux/ip.h>
#include <linux/icmp.h>
#include <net/tcp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include "napt.h"
#include "xlate.h"

unsigned int napt_drop(struct napt_net *nn, enum napt_stat why)
{
	napt_stat_inc_nr(nn, why);
	return NF_DROP;
}

/* Why a new flow could not be made, as a drop reason. */
static enum napt_stat napt_create_error(long err)
{
	switch (err) {
	case -ENOSPC:
		return NAPT_STAT_DROP_TABLE_FULL;
	case -EDQUOT:
		return NAPT_STAT_DROP_HOST_CAP;
	case -EADDRINUSE:
		return NAPT_STAT_DROP_NO_PORT;
	case -ENOENT:
		return NAPT_STAT_DROP_NO_MAPPING;
	}
	return NAPT_STAT_DROP_NOMEM;
}

/*
 * Could these flags start, or continue (a connection picked up after a
 * flush), a TCP connection? What nf_conntrack calls valid, less RST: no
 * SYN with FIN or RST, no segment without SYN or ACK. PSH, ECE and CWR
 * do not matter.
 */
static bool napt_tcp_may_open(u8 flags)
{
	flags &= ~(TCPHDR_PSH | TCPHDR_ECE | TCPHDR_CWR | TCPHDR_URG);
	switch (flags) {
	case TCPHDR_SYN:
	case TCPHDR_SYN | TCPHDR_ACK:
	case TCPHDR_ACK:
	case TCPHDR_FIN | TCPHDR_ACK:
		return true;
	}
	return false;
}

/*
 * May this outbound packet open a mapping? Not a RST, an invalid TCP
 * segment nor an ICMP reply.
 */
static bool napt_may_open(const struct napt_pkt *p)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		return napt_tcp_may_open(p->tcpflags);
	case IPPROTO_ICMP:
		return napt_icmp_is_request(p->icmp_type);
	}
	return true;
}

/* A new remote endpoint may open an inbound TCP session only with a SYN. */
static bool napt_may_open_inbound(const struct napt_pkt *p)
{
	return p->proto != IPPROTO_TCP ||
	       (napt_tcp_may_open(p->tcpflags) &&
		(p->tcpflags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN);
}

/*
 * The outbound half, for a packet without a live session: the mapping of
 * its source @il (found, or made with its first session) and a session,
 * the flow @sl. Returns the mapping, or an ERR_PTR with the drop counted,
 * and in @xport the external port the packet leaves from: the mapping's,
 * but for a many-to-one forward's the one its remote endpoint came in on.
 */
static noinline struct napt_mapping *
napt_snat_slow(struct napt_net *nn, const struct napt_cfg *cfg,
	       const struct napt_pkt *p, struct napt_int_lookup *il,
	       const struct napt_flow_lookup *sl, __be16 *xport)
{
	struct napt_session *s = NULL;
	struct napt_mapping *m;

	il->hash = napt_int_hash(&il->k);
	m = napt_mapping_lookup_int(&nn->tables, il);
	if (m && napt_mapping_is_static(m)) {
		*xport = napt_forward_many_to_one(m->fwd) ?
			 napt_reply_port(&nn->tables, cfg, m, p->daddr,
					 sl->k.rport) :
			 m->ekey.port;
		return m;
	}
	if (m) {
		/* A new remote endpoint (or one whose session just went). */
		s = napt_session_create(nn, m, sl);
		/* Gone meanwhile: make a new one below. */
		if (s == ERR_PTR(-ENOENT))
			m = NULL;
		else if (IS_ERR(s))
			goto err;
	}
	if (!m) {
		if (!napt_may_open(p)) {
			napt_stat_inc(nn, DROP_NO_MAPPING);
			return ERR_PTR(-ENOENT);
		}
		m = napt_flow_create(nn, cfg, il, sl, &s);
		if (IS_ERR(m)) {
			napt_stat_inc_nr(nn, napt_create_error(PTR_ERR(m)));
			return m;
		}
		if (!s) {	/* a forward's, made meanwhile */
			*xport = m->ekey.port;
			return m;
		}
	}
	napt_session_update(cfg, m, s, p->tcpflags, false);
	*xport = m->ekey.port;
	return m;

err:
	napt_stat_inc_nr(nn, napt_create_error(PTR_ERR(s)));
	return ERR_CAST(s);
}

/*
 * The outbound half: as napt_snat_slow(), but most packets find their
 * session, and its mapping, in one probe, inline.
 */
static __always_inline struct napt_mapping *
napt_snat(struct napt_net *nn, const struct napt_cfg *cfg,
	  const struct napt_pkt *p, __be16 *xport)
{
	struct napt_flow_lookup sl;
	struct napt_int_lookup il;
	struct napt_session *s;

	napt_int_key_init(&il.k, p->proto, p->saddr, p->sport, p->daddr);
	napt_flow_lookup_init(&sl, &il.k, p->daddr,
			      napt_remote_port(p->proto, p->dport));
	s = napt_session_lookup_key(&nn->tables, &sl);
	if (unlikely(!s || atomic_read(&s->tcp) & NAPT_SESS_DEAD))
		return napt_snat_slow(nn, cfg, p, &il, &sl, xport);
	napt_session_update(cfg, s->m, s, p->tcpflags, false);
	*xport = s->m->ekey.port;
	return s->m;
}

/*
 * The inbound half: may remote @raddr:@rport use mapping @m? A forward
 * asks only its source prefix; a dynamic mapping asks its session, or the
 * filtering mode for a new remote endpoint. Returns 0 with the session
 * refreshed, or an error with the drop counted.
 */
static int napt_dnat(struct napt_net *nn, const struct napt_cfg *cfg,
		     const struct napt_pkt *p, struct napt_mapping *m,
		     __be32 raddr, __be16 rport)
{
	struct napt_session *s;

	if (napt_mapping_is_static(m)) {
		int err;

		if (!napt_forward_admits(m->fwd, raddr)) {
			napt_stat_inc(nn, DROP_FILTERED);
			return -EPERM;
		}
		if (napt_forward_many_to_one(m->fwd)) {
			err = napt_reply_note(nn, cfg, m, raddr, rport);
			if (err) {
				napt_stat_inc_nr(nn, napt_create_error(err));
				return err;
			}
		}
		this_cpu_inc(*m->fwd->hits);
		napt_stat_inc(nn, FORWARD_HITS);
		return 0;
	}

	s = napt_session_find(&nn->tables, m, raddr, rport);
	if (!s || !napt_session_alive(s)) {
		bool admit;

		if (!napt_mapping_alive(m)) {
			napt_stat_inc(nn, DROP_NO_MAPPING);
			return -ENOENT;
		}
		switch (cfg->filtering) {
		case NAPT_FILTER_EIF:
			admit = true;
			break;
		case NAPT_FILTER_ADF:
			admit = napt_peer_known(&nn->tables, m, raddr);
			break;
		default:
			admit = false;
			break;
		}
		if (!admit || !napt_may_open_inbound(p)) {
			napt_stat_inc(nn, DROP_FILTERED);
			return -EPERM;
		}
		if (!s) {
			struct napt_flow_lookup sl;

			/*
			 * A session nobody inside asked for: under EIF (and
			 * ADF, with a spoofed known address) the Internet
			 * chooses how many. Bound them by max-mappings, the
			 * instance's cap on state; past it, drop and count.
			 */
			if (READ_ONCE(nn->tables.nsessions) >= cfg->max_mappings) {
				napt_stat_inc(nn, DROP_TABLE_FULL);
				return -ENOSPC;
			}
			napt_flow_lookup_init(&sl, &m->ikey, raddr, rport);
			s = napt_session_create(nn, m, &sl);
			if (IS_ERR(s)) {
				napt_stat_inc_nr(nn,
						 napt_create_error(PTR_ERR(s)));
				return PTR_ERR(s);
			}
		}
	}
	napt_session_update(cfg, m, s, p->tcpflags, true);
	return 0;
}

/*
 * Route a packet whose destination napt rewrote, with its old source
 * @saddr: a hairpinned packet's new source is W, a local address, which
 * input routing would refuse as a martian. The source is rewritten after.
 */
int napt_reroute(struct sk_buff *skb, __be32 saddr,
		 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	skb_dst_drop(skb);
	return ip_route_input_noref(skb, iph->daddr, saddr, iph->tos,
				    state->in);
}

/*
 * A LAN host sent to W:port, which maps to an internal endpoint: deliver it
 * there with the sender's external endpoint as source (RFC 4787 REQ-9,
 * RFC 5382 REQ-8), as if it had gone out and come back.
 */
static unsigned int napt_hairpin(struct napt_net *nn,
				 const struct napt_cfg *cfg,
				 struct sk_buff *skb, const struct napt_pkt *p,
				 struct napt_mapping *m,
				 const struct nf_hook_state *state)
{
	struct napt_mapping *src;
	__be16 xport;

	src = napt_snat(nn, cfg, p, &xport);
	if (IS_ERR(src))
		return NF_DROP;
	if (napt_dnat(nn, cfg, p, m, cfg->wan_addr, xport))
		return NF_DROP;
	if (napt_xlate(skb, p, false, m->ikey.addr, m->ikey.port))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	if (napt_reroute(skb, p->saddr, state))
		return napt_drop(nn, NAPT_STAT_DROP_UNSUPPORTED);
	if (napt_xlate(skb, p, true, cfg->wan_addr, xport))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	napt_stat_inc(nn, HAIRPIN);
	return NF_ACCEPT;
}

/*
 * May this LAN packet to W be hairpinned, and so open a mapping for its
 * source? Not from an address no LAN host can have (W itself, zeronet,
 * loopback, multicast, broadcast, the router's own), which input
 * routing would refuse as a martian after this hook; not with IP
 * options, which input would check after it too (and a hairpin would
 * carry to the other host): napt sees the packet before either.
 */
static bool napt_hairpin_ok(struct net *net, const struct napt_cfg *cfg,
			    const struct sk_buff *skb, __be32 saddr)
{
	if (ip_hdr(skb)->ihl > 5 || saddr == cfg->wan_addr ||
	    ipv4_is_zeronet(saddr) || ipv4_is_loopback(saddr) ||
	    ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr))
		return false;
	return inet_addr_type(net, saddr) == RTN_UNICAST;
}

/*
 * Nothing maps this packet to W. Ports napt hands out are napt's: drop and
 * count (behaviour notes, "unmatched inbound"). Anything else is the
 * router's own business, and its firewall's.
 */
static unsigned int napt_unmatched(struct napt_net *nn,
				   const struct napt_cfg *cfg,
				   const struct napt_pkt *p)
{
	if (napt_proto_has_ports(p->proto) &&
	    napt_cfg_port_dynamic(cfg, ntohs(p->dport)))
		return napt_drop(nn, NAPT_STAT_DROP_NO_MAPPING);
	return NF_ACCEPT;
}

static unsigned int napt_prerouting(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct napt_net *nn = priv;
	const struct napt_cfg *cfg = rcu_dereference(nn->cfg);
	const struct iphdr *iph = ip_hdr(skb);
	struct napt_mapping *m;
	struct napt_ext_key ek;
	struct napt_pkt p;
	bool hairpin;

	if (!napt_cfg_active(cfg) || iph->daddr != cfg->wan_addr)
		return NF_ACCEPT;
	/*
	 * Fragments only get here when defragmentation was bypassed; the
	 * router's own traffic over loopback is not napt's.
	 */
	if (ip_is_fragment(iph) || (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	if (napt_parse(skb, &p))
		return napt_drop(nn, NAPT_STAT_DROP_MALFORMED);
	hairpin = state->in->ifindex != cfg->wan_ifindex;

	if (p.proto == IPPROTO_ICMP) {
		if (icmp_is_err(p.icmp_type))
			return napt_icmp_error_in(nn, cfg, skb, &p, state,
						  hairpin);
		/* Requests to W are the router's to answer. */
		if (!napt_icmp_is_query(p.icmp_type) ||
		    napt_icmp_is_request(p.icmp_type) || hairpin)
			return NF_ACCEPT;
	}
	if (hairpin && !napt_proto_has_ports(p.proto))
		return NF_ACCEPT;

	napt_ext_key_init(&ek, p.proto, p.dport, p.saddr);
	m = napt_mapping_lookup_ext(&nn->tables, &ek);
	if (!m)
		return napt_unmatched(nn, cfg, &p);
	if (hairpin) {
		if (!napt_hairpin_ok(state->net, cfg, skb, p.saddr))
			return napt_drop(nn, NAPT_STAT_DROP_UNSUPPORTED);
		return napt_hairpin(nn, cfg, skb, &p, m, state);
	}

	if (napt_dnat(nn, cfg, &p, m, p.saddr,
		      napt_remote_port(p.proto, p.sport)))
		return NF_DROP;
	if (napt_xlate(skb, &p, false, m->ikey.addr, m->ikey.port))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	/* A route taken for W no longer holds. */
	skb_dst_drop(skb);
	napt_stat_inc(nn, XLATE_IN);
	return NF_ACCEPT;
}

static unsigned int napt_postrouting(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct napt_net *nn = priv;
	const struct napt_cfg *cfg = rcu_dereference(nn->cfg);
	const struct iphdr *iph = ip_hdr(skb);
	struct napt_mapping *m;
	struct napt_pkt p;
	__be16 xport;

	if (!napt_cfg_active(cfg) || state->out->ifindex != cfg->wan_ifindex)
		return NF_ACCEPT;
	/*
	 * Routed back out of the interface it came in by: not a LAN host's
	 * packet, so no mapping for it (an Internet host would otherwise
	 * make mappings at will, and use W as a relay).
	 */
	if (skb->skb_iif == cfg->wan_ifindex)
		return NF_ACCEPT;

	if (iph->saddr == cfg->wan_addr || ipv4_is_zeronet(iph->saddr)) {
		/*
		 * The router's own traffic. Only its ICMP errors about
		 * packets napt translated in need the embedded packet put
		 * back as the remote host knows it.
		 */
		if (iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph) ||
		    napt_parse(skb, &p) || !icmp_is_err(p.icmp_type))
			return NF_ACCEPT;
		return napt_icmp_error_out(nn, cfg, skb, &p, true);
	}

	if (ip_is_fragment(iph))
		return napt_drop(nn, NAPT_STAT_DROP_UNSUPPORTED);
	if (napt_parse(skb, &p))
		return napt_drop(nn, NAPT_STAT_DROP_MALFORMED);
	if (p.proto == IPPROTO_ICMP) {
		if (icmp_is_err(p.icmp_type))
			return napt_icmp_error_out(nn, cfg, skb, &p, false);
		if (!napt_icmp_is_query(p.icmp_type))
			return napt_drop(nn, NAPT_STAT_DROP_UNSUPPORTED);
	}

	m = napt_snat(nn, cfg, &p, &xport);
	if (IS_ERR(m))
		return NF_DROP;
	if (napt_xlate(skb, &p, true, cfg->wan_addr, xport))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	napt_stat_inc(nn, XLATE_OUT);
	return NF_ACCEPT;
}

/*
 * Each instance registers its own copy (napt_net.hook_ops), with itself as
 * priv: the hooks find their instance without net_generic()'s RCU
 * section on every packet.
 */
static const struct nf_hook_ops napt_nf_ops[NAPT_NR_HOOKS] = {
	{
		.hook = napt_prerouting,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW,
	},
	{
		.hook = napt_postrouting,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_NAT_SRC,
	},
};

/*
 * nf_defrag_ipv4 is taken at run time, not by symbol reference, so that a
 * plain `insmod napt.ko` works where it is a module nobody loaded yet:
 * insmod resolves no dependencies. symbol_get() also pins it while napt is
 * loaded.
 */
static int (*napt_defrag_enable)(struct net *net);
static void (*napt_defrag_disable)(struct net *net);

int napt_defrag_get(void)
{
	if (IS_MODULE(CONFIG_NF_DEFRAG_IPV4))
		request_module("nf_defrag_ipv4");
	napt_defrag_enable = symbol_get(nf_defrag_ipv4_enable);
	napt_defrag_disable = symbol_get(nf_defrag_ipv4_disable);
	if (napt_defrag_enable && napt_defrag_disable)
		return 0;
	napt_defrag_put();
	pr_err("nf_defrag_ipv4 is not available (CONFIG_NF_DEFRAG_IPV4)\n");
	return -ENOENT;
}

void napt_defrag_put(void)
{
	if (napt_defrag_enable)
		symbol_put(nf_defrag_ipv4_enable);
	if (napt_defrag_disable)
		symbol_put(nf_defrag_ipv4_disable);
	napt_defrag_enable = NULL;
	napt_defrag_disable = NULL;
}

/* Process context, under the instance's cfg_mutex. */
int napt_hooks_register(struct napt_net *nn)
{
	unsigned int i;
	int err;

	err = napt_defrag_enable(nn->net);
	if (err)
		return err;
	for (i = 0; i < NAPT_NR_HOOKS; i++) {
		nn->hook_ops[i] = napt_nf_ops[i];
		nn->hook_ops[i].priv = nn;
	}
	err = nf_register_net_hooks(nn->net, nn->hook_ops, NAPT_NR_HOOKS);
	if (err)
		napt_defrag_disable(nn->net);
	return err;
}

void napt_hooks_unregister(struct napt_net *nn)
{
	nf_unregister_net_hooks(nn->net, nn->hook_ops, NAPT_NR_HOOKS);
	napt_defrag_disable(nn->net);
}
