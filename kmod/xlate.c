// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and rewriting IPv4 headers. Every rewrite keeps every checksum
 * right, incrementally, for whatever skb the stack hands over: checksum
 * offloaded (CHECKSUM_PARTIAL, GSO aggregates), CHECKSUM_COMPLETE,
 * non-linear or cloned (made writable first). Any context; no locks.
 */
#include <linux/ip.h>
#include <net/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/checksum.h>
#include "xlate.h"

/* Protocols whose first four bytes are source and destination ports. */
bool napt_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* ICMP queries napt translates: their identifier works like a port. */
bool napt_icmp_is_query(u8 type)
{
	switch (type) {
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
	case ICMP_TIMESTAMP:
	case ICMP_TIMESTAMPREPLY:
		return true;
	}
	return false;
}

bool napt_icmp_is_request(u8 type)
{
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP;
}

/*
 * Protocols without ports that napt still translates by address, whose
 * checksum covers the IP pseudo-header: where that checksum sits.
 */
static int napt_pseudo_csum_offset(u8 proto)
{
	switch (proto) {
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		return 6;
	}
	return -1;
}

/* The bytes of transport header napt reads, or must be able to write. */
static unsigned int napt_l4_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
		return sizeof(struct icmphdr);
	}
	return napt_pseudo_csum_offset(proto) < 0 ? 0 : 8;
}

/*
 * Fill @p from @skb's headers. -EINVAL when the transport header napt
 * needs is not all there.
 */
int napt_parse(const struct sk_buff *skb, struct napt_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);
	union {
		struct tcphdr tcp;
		struct udphdr udp;
		struct icmphdr icmp;
	} buf;
	const void *l4;

	p->thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	p->proto = iph->protocol;
	p->saddr = iph->saddr;
	p->daddr = iph->daddr;
	p->sport = 0;
	p->dport = 0;
	p->tcpflags = 0;
	p->icmp_type = 0;

	if (!napt_l4_len(p->proto))
		return 0;
	l4 = skb_header_pointer(skb, p->thoff, napt_l4_len(p->proto), &buf);
	if (!l4)
		return -EINVAL;

	switch (p->proto) {
	case IPPROTO_TCP:
		p->tcpflags = tcp_flag_byte((const struct tcphdr *)l4);
		fallthrough;
	case IPPROTO_UDP:
		p->sport = ((const __be16 *)l4)[0];
		p->dport = ((const __be16 *)l4)[1];
		break;
	case IPPROTO_ICMP: {
		const struct icmphdr *ih = l4;

		p->icmp_type = ih->type;
		if (napt_icmp_is_query(ih->type)) {
			p->sport = ih->un.echo.id;
			p->dport = ih->un.echo.id;
		}
		break;
	}
	}
	return 0;
}

/*
 * Fill @in from the packet embedded in the ICMP error @p. -EINVAL when it
 * is not an IPv4 packet with eight bytes of transport header (RFC 792), or
 * is itself an ICMP error (RFC 1122 forbids errors about errors);
 * -ENOENT when it is a later fragment, which carries no ports.
 */
int napt_parse_inner(const struct sk_buff *skb, const struct napt_pkt *p,
		     struct napt_inner *in)
{
	struct iphdr _iph;
	const struct iphdr *iph;
	__be16 _ports[2];
	const __be16 *ports;
	struct icmphdr _ih;
	const struct icmphdr *ih;

	in->ioff = p->thoff + sizeof(struct icmphdr);
	iph = skb_header_pointer(skb, in->ioff, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -EINVAL;
	if (ntohs(iph->frag_off) & IP_OFFSET)
		return -ENOENT;
	in->thoff = in->ioff + iph->ihl * 4;
	if (skb->len < in->thoff + 8)
		return -EINVAL;
	in->len = skb->len - in->thoff;
	in->proto = iph->protocol;
	in->saddr = iph->saddr;
	in->daddr = iph->daddr;
	in->sport = 0;
	in->dport = 0;

	switch (in->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		ports = skb_header_pointer(skb, in->thoff, sizeof(_ports),
					   _ports);
		if (!ports)
			return -EINVAL;
		in->sport = ports[0];
		in->dport = ports[1];
		break;
	case IPPROTO_ICMP:
		ih = skb_header_pointer(skb, in->thoff, sizeof(_ih), &_ih);
		if (!ih || !napt_icmp_is_query(ih->type))
			return -EINVAL;
		in->sport = ih->un.echo.id;
		in->dport = ih->un.echo.id;
		break;
	}
	return 0;
}

/* Account in the transport header for one endpoint becoming @addr:@port. */
static void napt_xlate_l4(struct sk_buff *skb, void *l4, u8 proto, bool src,
			  __be32 old_addr, __be32 addr, __be16 port)
{
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;
		__be16 *portp = src ? &th->source : &th->dest;

		inet_proto_csum_replace4(&th->check, skb, old_addr, addr, true);
		inet_proto_csum_replace2(&th->check, skb, *portp, port, false);
		*portp = port;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;
		__be16 *portp = src ? &uh->source : &uh->dest;

		/* A zero UDP checksum means none, and stays so. */
		if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
			inet_proto_csum_replace4(&uh->check, skb, old_addr,
						 addr, true);
			inet_proto_csum_replace2(&uh->check, skb, *portp, port,
						 false);
			if (!uh->check)
				uh->check = CSUM_MANGLED_0;
		}
		*portp = port;
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih = l4;

		/* ICMP's checksum has no pseudo-header. */
		if (napt_icmp_is_query(ih->type)) {
			inet_proto_csum_replace2(&ih->checksum, skb,
						 ih->un.echo.id, port, false);
			ih->un.echo.id = port;
		}
		break;
	}
	default: {
		int off = napt_pseudo_csum_offset(proto);

		if (off >= 0)
			inet_proto_csum_replace4((__sum16 *)(l4 + off), skb,
						 old_addr, addr, true);
		break;
	}
	}
}

/*
 * Rewrite the source (@src) or destination of the packet @p describes to
 * @addr:@port (@port unused for protocols without ports). -ENOMEM when
 * the headers could not be made writable.
 */
int napt_xlate(struct sk_buff *skb, const struct napt_pkt *p, bool src,
	       __be32 addr, __be16 port)
{
	struct iphdr *iph;
	__be32 *addrp;

	if (skb_ensure_writable(skb, p->thoff + napt_l4_len(p->proto)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	addrp = src ? &iph->saddr : &iph->daddr;
	napt_xlate_l4(skb, skb->data + p->thoff, p->proto, src, *addrp, addr,
		      port);
	csum_replace4(&iph->check, *addrp, addr);
	*addrp = addr;
	return 0;
}

/* Rewrite only the outer IP address (ICMP errors; no pseudo-header). */
void napt_xlate_outer_addr(struct sk_buff *skb, bool src, __be32 addr)
{
	struct iphdr *iph = ip_hdr(skb);
	__be32 *addrp = src ? &iph->saddr : &iph->daddr;

	csum_replace4(&iph->check, *addrp, addr);
	*addrp = addr;
}

/*
 * Rewrite one endpoint of the packet embedded in an ICMP error. It may be
 * truncated: a transport checksum it does not carry is left alone. The
 * caller made the whole skb writable and fixes the ICMP checksum after.
 */
void napt_xlate_inner(struct sk_buff *skb, const struct napt_inner *in,
		      bool src, __be32 addr, __be16 port)
{
	struct iphdr *iph = (struct iphdr *)(skb->data + in->ioff);
	void *l4 = skb->data + in->thoff;
	__be32 *addrp = src ? &iph->saddr : &iph->daddr;

	switch (in->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;
		__be16 *portp = src ? &th->source : &th->dest;

		if (in->len >= offsetofend(struct tcphdr, check)) {
			csum_replace4(&th->check, *addrp, addr);
			csum_replace2(&th->check, *portp, port);
		}
		*portp = port;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;
		__be16 *portp = src ? &uh->source : &uh->dest;

		if (uh->check) {
			csum_replace4(&uh->check, *addrp, addr);
			csum_replace2(&uh->check, *portp, port);
			if (!uh->check)
				uh->check = CSUM_MANGLED_0;
		}
		*portp = port;
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih = l4;

		csum_replace2(&ih->checksum, ih->un.echo.id, port);
		ih->un.echo.id = port;
		break;
	}
	default: {
		int off = napt_pseudo_csum_offset(in->proto);

		if (off >= 0 && in->len >= off + 2)
			csum_replace4((__sum16 *)(l4 + off), *addrp, addr);
		break;
	}
	}
	csum_replace4(&iph->check, *addrp, addr);
	*addrp = addr;
}

/*
 * Recompute an ICMP error's checksum over the whole message, as the
 * embedded packet changed. The message's sum stays what it was (a valid
 * checksum makes it zero), so a CHECKSUM_COMPLETE skb->csum stays right.
 */
void napt_icmp_csum_fix(struct sk_buff *skb, const struct napt_pkt *p)
{
	struct icmphdr *ih = (struct icmphdr *)(skb->data + p->thoff);

	ih->checksum = 0;
	ih->checksum = csum_fold(skb_checksum(skb, p->thoff,
					      skb->len - p->thoff, 0));
}
