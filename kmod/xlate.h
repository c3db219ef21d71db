/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet parsing and header rewriting: what the hooks know of a packet,
 * and the checksum-exact rewrite of one of its endpoints.
 */
#ifndef _NAPT_XLATE_H
#define _NAPT_XLATE_H

#include <linux/skbuff.h>

/* What napt reads of an IPv4 packet. Offsets are from skb->data. */
struct napt_pkt {
	unsigned int thoff;	/* transport header */
	u8 proto;
	u8 tcpflags;		/* TCP: the flags byte */
	u8 icmp_type;		/* ICMP */
	__be32 saddr, daddr;
	__be16 sport, dport;	/* ICMP query: the identifier in both */
};

/* An ICMP error's embedded packet: the one it speaks of. */
struct napt_inner {
	unsigned int ioff;	/* its IP header */
	unsigned int thoff;	/* its transport header */
	unsigned int len;	/* bytes of transport header present */
	u8 proto;
	__be32 saddr, daddr;
	__be16 sport, dport;	/* ICMP query: the identifier in both */
};

bool napt_proto_has_ports(u8 proto);
bool napt_icmp_is_query(u8 type);
bool napt_icmp_is_request(u8 type);
int napt_parse(const struct sk_buff *skb, struct napt_pkt *p);
int napt_parse_inner(const struct sk_buff *skb, const struct napt_pkt *p,
		     struct napt_inner *in);
int napt_xlate(struct sk_buff *skb, const struct napt_pkt *p, bool src,
	       __be32 addr, __be16 port);
void napt_xlate_inner(struct sk_buff *skb, const struct napt_inner *in,
		      bool src, __be32 addr, __be16 port);
void napt_xlate_outer_addr(struct sk_buff *skb, bool src, __be32 addr);
void napt_icmp_csum_fix(struct sk_buff *skb, const struct napt_pkt *p);

#endif /* _NAPT_XLATE_H */
