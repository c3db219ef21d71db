// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors (destination unreachable, time exceeded, parameter problem,
 * ...) about translated packets. The packet embedded in the error is
 * translated back too, IP and transport headers with their checksums, the
 * outer address follows, type and code stay (RFC 5508 REQ-3 to REQ-5).
 * An error only ever looks mappings up: it never creates, refreshes or
 * deletes one (RFC 4787 REQ-12, RFC 5508 REQ-6). It must also match a
 * session, so that a forged error cannot reach a host a flow does not
 * involve. Packet path: any context, under RCU, no locks.
 */
#include <linux/ip.h>
#include <linux/icmp.h>
#include <linux/netfilter.h>
#include <net/dst.h>
#include "napt.h"
#include "xlate.h"

/* Is there a session of @m with @raddr:@rport (forwards have none)? */
static bool napt_icmp_session_ok(struct napt_net *nn,
				 const struct napt_mapping *m, __be32 raddr,
				 __be16 rport)
{
	return napt_mapping_is_static(m) ||
	       napt_session_lookup(&nn->tables, m, raddr, rport);
}

/*
 * An error sent to W about a packet that left from W:w: it goes to the
 * internal endpoint behind W:w, about the packet as that host sent it.
 * When the sender is itself on the LAN (@hairpin), the packet spoke of
 * was hairpinned to it, and its own address in there becomes its
 * external endpoint too.
 */
unsigned int napt_icmp_error_in(struct napt_net *nn,
				const struct napt_cfg *cfg, struct sk_buff *skb,
				const struct napt_pkt *p,
				const struct nf_hook_state *state, bool hairpin)
{
	struct napt_mapping *m, *peer = NULL;
	struct napt_inner in;
	struct napt_ext_key ek;
	__be32 raddr;
	__be16 rport;
	int err;

	err = napt_parse_inner(skb, p, &in);
	if (err == -ENOENT)	/* about a later fragment: no ports */
		return NF_ACCEPT;
	if (err)
		return napt_drop(nn, NAPT_STAT_DROP_MALFORMED);
	/* Not about a packet that left from W: the router's own business. */
	if (in.saddr != cfg->wan_addr)
		return NF_ACCEPT;
	if (hairpin && !napt_proto_keyed_by_port(in.proto))
		return NF_ACCEPT;

	napt_ext_key_init(&ek, in.proto, in.sport, in.daddr);
	m = napt_mapping_lookup_ext(&nn->tables, &ek);
	if (!m) {
		if (napt_proto_has_ports(in.proto) &&
		    napt_cfg_port_dynamic(cfg, ntohs(in.sport)))
			return napt_drop(nn, NAPT_STAT_DROP_NO_MAPPING);
		return NF_ACCEPT;
	}

	raddr = in.daddr;
	rport = napt_remote_port(in.proto, in.dport);
	if (hairpin) {
		struct napt_int_key ik;

		napt_int_key_init(&ik, in.proto, in.daddr, in.dport, 0);
		peer = napt_mapping_lookup_ikey(&nn->tables, &ik);
		if (!peer)
			return napt_drop(nn, NAPT_STAT_DROP_NO_MAPPING);
		raddr = cfg->wan_addr;
		rport = napt_remote_port(in.proto, peer->ekey.port);
	}
	if (!napt_icmp_session_ok(nn, m, raddr, rport))
		return napt_drop(nn, NAPT_STAT_DROP_NO_MAPPING);

	/* ICMP errors are small (RFC 1812: at most 576 bytes). */
	if (skb_ensure_writable(skb, skb->len))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	napt_xlate_inner(skb, &in, true, m->ikey.addr, m->ikey.port);
	if (peer)
		napt_xlate_inner(skb, &in, false, cfg->wan_addr,
				 peer->ekey.port);
	napt_icmp_csum_fix(skb, p);
	napt_xlate_outer_addr(skb, false, m->ikey.addr);

	if (hairpin) {
		if (napt_reroute(skb, p->saddr, state))
			return napt_drop(nn, NAPT_STAT_DROP_UNSUPPORTED);
		napt_xlate_outer_addr(skb, true, cfg->wan_addr);
		napt_stat_inc(nn, HAIRPIN);
	} else {
		skb_dst_drop(skb);
		napt_stat_inc(nn, XLATE_IN);
	}
	napt_stat_inc(nn, ICMP_ERR);
	return NF_ACCEPT;
}

/*
 * An error leaving through the WAN about a packet that came in through
 * napt: from an internal host (its source becomes W), or from the router
 * itself (@local; say, fragmentation needed on the way to the LAN). The
 * embedded packet went to X:x; the remote host knows it as W:w.
 */
unsigned int napt_icmp_error_out(struct napt_net *nn,
				 const struct napt_cfg *cfg,
				 struct sk_buff *skb, const struct napt_pkt *p,
				 bool local)
{
	struct napt_int_key ik;
	struct napt_mapping *m;
	struct napt_inner in;
	int err;

	err = napt_parse_inner(skb, p, &in);
	if (err) {
		if (local)
			return NF_ACCEPT;
		return napt_drop(nn, err == -ENOENT ?
				 NAPT_STAT_DROP_NO_MAPPING :
				 NAPT_STAT_DROP_MALFORMED);
	}
	if (local && in.daddr == cfg->wan_addr)
		return NF_ACCEPT;

	napt_int_key_init(&ik, in.proto, in.daddr, in.dport, in.saddr);
	m = napt_mapping_lookup_ikey(&nn->tables, &ik);
	if (!m || !napt_icmp_session_ok(nn, m, in.saddr,
					napt_remote_port(in.proto, in.sport)))
		return local ? NF_ACCEPT :
			       napt_drop(nn, NAPT_STAT_DROP_NO_MAPPING);

	if (skb_ensure_writable(skb, skb->len))
		return napt_drop(nn, NAPT_STAT_DROP_NOMEM);
	napt_xlate_inner(skb, &in, false, cfg->wan_addr, m->ekey.port);
	napt_icmp_csum_fix(skb, p);
	if (!local)
		napt_xlate_outer_addr(skb, true, cfg->wan_addr);
	napt_stat_inc(nn, XLATE_OUT);
	napt_stat_inc(nn, ICMP_ERR);
	return NF_ACCEPT;
}
