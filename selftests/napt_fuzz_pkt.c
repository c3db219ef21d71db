// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile IPv4 packets for napt_fuzz_pkt.sh: from a seed, COUNT frames
 * sent on an interface with AF_PACKET (so malformed IP headers reach the
 * peer as they are: a raw IP socket would have the local stack fix or
 * refuse them), in batches of sendmmsg().
 *
 *   napt_fuzz_pkt -i IF -m DSTMAC -s SEED -n COUNT --side wan|lan
 *                 [--only valid|dubious|invalid] [--live SPEC]...
 *                 [--wan A] [--srv A] [--ports LO-HI] [--pcap FILE]
 *                 [--frag-seq N]
 *
 * --side wan: the Internet's side, towards the router's WAN address W:
 *	to live mapped ports, to unmapped ports in napt's dynamic range and
 *	outside it; ICMP errors about live sessions, about nothing, truncated,
 *	nested; every fragment shape; bad IP headers and options; TCP flag
 *	combinations; bad checksums; other protocols; random mutations.
 *	Sources: 203.0.113.0/24 mostly (the "fuzz net"), the real remote
 *	host (--srv), martians.
 * --side lan: a LAN host's side, towards remote hosts (198.51.100.0/24,
 *	--srv) and W (hairpin). The source address says what the packet is,
 *	so that the test can tell which packets made a mapping:
 *	  192.168.1.100-115  valid: may open a mapping
 *	  192.168.1.150-165  dubious: malformed in ways napt does not check
 *			     (bad L4 checksum, odd TCP flags) or randomly
 *			     mutated into something that might be valid
 *	  192.168.1.200-215  invalid: must never open a mapping (truncated
 *			     headers, RSTs, ICMP errors and replies, broken
 *			     fragments, TTL expiring, bad IP headers)
 *	  martians (W, 0.0.0.0, 127.0.0.1, ...): invalid too
 *	A model of what may open a mapping checks every "invalid" packet
 *	before it goes; one that might is sent from the dubious range.
 *
 * --live PROTO:EXTPORT:INTADDR:INTPORT:REMADDR:REMPORT (tcp, udp, icmp)
 *	a live mapping to aim at (WAN: at W:EXTPORT; LAN: errors about it).
 * --pcap FILE: write the frames to FILE (pcap) instead of sending them.
 * --frag-seq N: the first fragmented datagram's number: its id is the low
 *	16 bits, and on the LAN side the next 4 pick its source address, so
 *	that runs given ranges apart never share a (source, id).
 *
 * Prints "seed N", "class NAME N" per class, "total N", and for the WAN
 * side what napt must count at least: "expect drop-no-mapping N" (TCP/UDP
 * to unmapped ports of the dynamic range, ICMP errors about them),
 * "expect drop-malformed N" (headers napt must read and cannot), and
 * "expect icmp-err-live N" (well-formed errors from the fuzz net about a
 * live session: the most that may reach the LAN from there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/types.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define FRAME_MAX	1514
#define PKT_MAX		(FRAME_MAX - ETH_HLEN)
#define MAX_LIVE	8
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define P_ICMP		1
#define P_IPIP		4
#define P_TCP		6
#define P_UDP		17
#define P_GRE		47
#define P_ESP		50
#define P_DCCP		33
#define P_SCTP		132
#define P_UDPLITE	136

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20

#define IP_MF_BIT	0x2000
#define IP_DF_BIT	0x4000
#define IP_OFF_MASK	0x1fff

/* Where a LAN-side packet's source comes from: what it is. */
enum range { R_VALID, R_DUBIOUS, R_INVALID, R_MARTIAN, R_NR };

static const char * const range_name[] = {
	"valid", "dubious", "invalid", "martian",
};

struct live {
	__u8 proto;
	__u16 ext, iport, rport;
	__u32 iaddr, raddr;		/* network order */
};

struct gen;

struct class {
	const char *name;
	void (*fn)(struct gen *g);
	unsigned int weight;
	enum range range;		/* LAN: what the class means to be */
	unsigned long sent;
};

struct gen {
	__u64 rng;
	bool lan;
	int only;			/* LAN: -1, or the one range to send */
	__u32 wan, srv;
	__u16 port_lo, port_hi;
	struct live live[MAX_LIVE];
	int nlive;
	__u32 frag_seq;		/* datagram ids: unique per source */
	bool frag_seq_set;
	unsigned long frag_dgrams;

	/* the packet being built, and its class */
	__u8 pkt[PKT_MAX + 64];
	struct class *cls;
	enum range range;		/* LAN: set by the class, may be raised */
	__u32 cur_src;		/* LAN: the source of this class call */
	bool no_model;			/* LAN: the class knows better */

	/* output */
	int fd;
	FILE *pcap;
	__u8 eth[ETH_HLEN];
	__u8 frames[BATCH][FRAME_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	int nbatch;
	unsigned long total, sent_by_range[R_NR], reclassified, skipped;
	unsigned long send_errors;
	unsigned long exp_nomap, exp_malformed, icmperr_live;
};

/* ------------------------------------------------------------------ */
/* Random numbers: xorshift64*, reproducible from the seed. */

static __u32 rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (g->rng * 0x2545F4914F6CDD1DULL) >> 32;
}

static __u32 rn(struct gen *g, __u32 n)
{
	return n ? rnd(g) % n : 0;
}

/* True with probability @pct percent. */
static bool pct(struct gen *g, unsigned int p)
{
	return rn(g, 100) < p;
}

static void rfill(struct gen *g, __u8 *p, unsigned int len)
{
	while (len--)
		*p++ = rnd(g);
}

/* ------------------------------------------------------------------ */
/* Checksums */

static __u32 csum_add(__u32 sum, const void *buf, unsigned int len)
{
	const __u8 *p = buf;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static __u16 get16(const __u8 *p)
{
	return (p[0] << 8) | p[1];
}

static __u32 get32n(const __u8 *p)	/* network order as stored */
{
	__u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void put32n(__u8 *p, __u32 v)
{
	memcpy(p, &v, 4);
}

/* The IP header checksum of the header at @ip. */
static void ip_csum(__u8 *ip)
{
	unsigned int hl = (ip[0] & 15) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
}

static bool ip_csum_ok(const __u8 *ip, unsigned int hl)
{
	return csum_fold(csum_add(0, ip, hl)) == 0;
}

/* Where the L4 checksum sits, or -1. */
static int l4_csum_off(__u8 proto)
{
	switch (proto) {
	case P_TCP:
		return 16;
	case P_UDP:
	case P_UDPLITE:
	case P_DCCP:
		return 6;
	case P_ICMP:
		return 2;
	}
	return -1;
}

/* Set the L4 checksum of the @len bytes at @l4 (pseudo-header from @ip). */
static void l4_csum(const __u8 *ip, __u8 *l4, unsigned int len)
{
	__u8 proto = ip[9];
	int off = l4_csum_off(proto);
	__u32 sum = 0;
	__u16 c;

	if (off < 0 || len < (unsigned int)off + 2)
		return;
	put16(l4 + off, 0);
	if (proto != P_ICMP) {
		sum = csum_add(sum, ip + 12, 8);
		sum += proto;
		sum += len;
	}
	c = csum_fold(csum_add(sum, l4, len));
	if (!c && proto == P_UDP)
		c = 0xffff;
	put16(l4 + off, c);
}

/* ------------------------------------------------------------------ */
/* Addresses and ports */

static __u32 a4(__u8 a, __u8 b, __u8 c, __u8 d)
{
	return htonl((__u32)a << 24 | b << 16 | c << 8 | d);
}

static __u32 fuzz_net_addr(struct gen *g)
{
	return a4(203, 0, 113, 1 + rn(g, 254));
}

static bool in_fuzz_net(__u32 a)
{
	return (ntohl(a) >> 8) == (203u << 16 | 0 << 8 | 113);
}

static const __u32 martian_host[] = {
	0,			/* 0.0.0.0 */
	0x7f000001,		/* 127.0.0.1 */
	0xe0000001,		/* 224.0.0.1 */
	0xffffffff,		/* broadcast */
	0xc0a80101,		/* the router's LAN address */
	0xc0a801ff,		/* the LAN's broadcast */
};

static __u32 martian_addr(struct gen *g)
{
	unsigned int n = ARRAY_SIZE(martian_host);
	unsigned int i = rn(g, n + 1);

	return i == n ? g->wan : htonl(martian_host[i]);
}

/* The @i-th (0-15) address of range @r (martians: a random one). */
static __u32 lan_addr_nr(struct gen *g, enum range r, unsigned int i)
{
	switch (r) {
	case R_VALID:
		return a4(192, 168, 1, 100 + i);
	case R_DUBIOUS:
		return a4(192, 168, 1, 150 + i);
	case R_INVALID:
		return a4(192, 168, 1, 200 + i);
	default:
		return martian_addr(g);
	}
}

static __u32 lan_addr(struct gen *g, enum range r)
{
	return lan_addr_nr(g, r, rn(g, 16));
}

static struct live *live_pick(struct gen *g, __u8 proto)
{
	int i, n = 0, k;

	for (i = 0; i < g->nlive; i++)
		n += !proto || g->live[i].proto == proto;
	if (!n)
		return NULL;
	k = rn(g, n);
	for (i = 0; i < g->nlive; i++)
		if ((!proto || g->live[i].proto == proto) && !k--)
			return &g->live[i];
	return NULL;
}

static struct live *live_find(struct gen *g, __u8 proto, __u16 ext)
{
	int i;

	for (i = 0; i < g->nlive; i++)
		if (g->live[i].proto == proto && g->live[i].ext == ext)
			return &g->live[i];
	return NULL;
}

static bool port_dynamic(struct gen *g, __u16 port)
{
	return port >= g->port_lo && port <= g->port_hi;
}

/* A WAN-side destination port for @proto: live, unmapped, outside, edge. */
static __u16 wan_dport(struct gen *g, __u8 proto)
{
	static const __u16 edge[] = { 0, 1, 7, 1023, 1024, 32767, 32768,
					 65535 };
	struct live *l;
	__u32 r = rn(g, 100);

	if (r < 30) {
		l = live_pick(g, proto);
		if (l)
			return l->ext;
	}
	if (r < 75)
		return g->port_lo + rn(g, g->port_hi - g->port_lo + 1);
	if (r < 92)
		return pct(g, 30) ? rn(g, g->port_lo) :
			g->port_hi + 1 + rn(g, 65535 - g->port_hi);
	return edge[rn(g, ARRAY_SIZE(edge))];
}

/* A LAN-side source port (a small pool: valid packets make mappings). */
static __u16 lan_sport(struct gen *g)
{
	return 20000 + rn(g, 64);
}

/* ------------------------------------------------------------------ */
/* Building packets. Every builder writes an IPv4 packet at g->pkt with
 * right lengths and checksums; the classes break them afterwards.
 */

struct ipspec {
	__u32 saddr, daddr;
	__u8 proto, ttl, tos;
	__u16 id, frag;		/* frag: flags and offset, host order */
	const __u8 *opts;
	unsigned int optlen;		/* a multiple of 4, at most 40 */
};

/* The IP header; returns its length. Total length and checksum: ip_done. */
static unsigned int ip_put(__u8 *ip, const struct ipspec *s)
{
	unsigned int hl = 20 + s->optlen;

	ip[0] = 0x40 | (hl / 4);
	ip[1] = s->tos;
	put16(ip + 4, s->id);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	put32n(ip + 12, s->saddr);
	put32n(ip + 16, s->daddr);
	if (s->optlen)
		memcpy(ip + 20, s->opts, s->optlen);
	return hl;
}

/* Set total length @len, the L4 checksum over it, the IP checksum. */
static unsigned int ip_done(__u8 *ip, unsigned int len)
{
	unsigned int hl = (ip[0] & 15) * 4;

	put16(ip + 2, len);
	l4_csum(ip, ip + hl, len - hl);
	ip_csum(ip);
	return len;
}

static unsigned int tcp_put(struct gen *g, __u8 *l4, __u16 sport,
			    __u16 dport, __u8 flags, unsigned int paylen)
{
	memset(l4, 0, 20);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put32n(l4 + 4, rnd(g));
	put32n(l4 + 8, flags & TH_ACK ? rnd(g) : 0);
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 1024 + rn(g, 64512));
	rfill(g, l4 + 20, paylen);
	return 20 + paylen;
}

static unsigned int udp_put(struct gen *g, __u8 *l4, __u16 sport,
			    __u16 dport, unsigned int paylen)
{
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, 8 + paylen);
	put16(l4 + 6, 0);
	rfill(g, l4 + 8, paylen);
	return 8 + paylen;
}

static unsigned int icmp_put(struct gen *g, __u8 *l4, __u8 type,
			     __u8 code, __u16 id, unsigned int paylen)
{
	l4[0] = type;
	l4[1] = code;
	put16(l4 + 2, 0);
	put16(l4 + 4, id);
	put16(l4 + 6, rnd(g));
	rfill(g, l4 + 8, paylen);
	return 8 + paylen;
}

/* A whole TCP, UDP, ICMP query or other-protocol packet. */
static unsigned int pkt_l4(struct gen *g, __u8 *ip, struct ipspec *s,
			   __u16 sport, __u16 dport, __u8 tcpflags,
			   unsigned int paylen)
{
	unsigned int hl = ip_put(ip, s), l4len;
	__u8 *l4 = ip + hl;

	switch (s->proto) {
	case P_TCP:
		l4len = tcp_put(g, l4, sport, dport, tcpflags, paylen);
		break;
	case P_UDP:
		l4len = udp_put(g, l4, sport, dport, paylen);
		break;
	case P_ICMP:
		l4len = icmp_put(g, l4, tcpflags, 0, sport, paylen);
		break;
	case P_UDPLITE:
	case P_DCCP:
		l4len = udp_put(g, l4, sport, dport, paylen);
		if (s->proto == P_DCCP)
			l4[4] = 2 + rn(g, 4);	/* data offset */
		break;
	default:
		l4len = paylen;
		rfill(g, l4, paylen);
		break;
	}
	return ip_done(ip, hl + l4len);
}

/* ------------------------------------------------------------------ */
/* The model: what napt must do with a packet (WAN: for the counts it must
 * reach at least; LAN: whether it may open a mapping at all). It follows
 * the behaviour napt promises, on what reaches it after ip_rcv's checks.
 */

enum verdict { V_OTHER, V_STACK_DROP, V_MALFORMED, V_NOMAP };

/* ip_rcv's checks, before PREROUTING: is the header one it passes? */
static bool ip_passes_rcv(const __u8 *ip, unsigned int len)
{
	unsigned int hl, tot;

	if (len < 20 || (ip[0] >> 4) != 4 || (ip[0] & 15) < 5)
		return false;
	hl = (ip[0] & 15) * 4;
	if (len < hl || !ip_csum_ok(ip, hl))
		return false;
	tot = get16(ip + 2);
	return tot <= len && tot >= hl;
}

static bool is_frag(const __u8 *ip)
{
	return get16(ip + 6) & (IP_MF_BIT | IP_OFF_MASK);
}

/* The bytes of transport header napt needs to read for @proto. */
static unsigned int l4_need(__u8 proto)
{
	switch (proto) {
	case P_TCP:
		return 20;
	case P_UDP:
	case P_ICMP:
	case P_UDPLITE:
	case P_DCCP:
		return 8;
	}
	return 0;
}

static bool icmp_is_err(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool icmp_is_query(__u8 type)
{
	return type == 0 || type == 8 || type == 13 || type == 14;
}

/* An error sent to W, about the packet in @l4 (@len bytes of ICMP). */
static enum verdict model_icmp_err_in(struct gen *g, const __u8 *l4,
				      unsigned int len, bool *live_sess)
{
	const __u8 *in = l4 + 8, *ith;
	unsigned int ihl;
	__u16 sport;
	struct live *l;

	if (len < 8 + 20 || (in[0] >> 4) != 4 || (in[0] & 15) < 5)
		return V_MALFORMED;
	if (get16(in + 6) & IP_OFF_MASK)
		return V_OTHER;
	ihl = (in[0] & 15) * 4;
	if (len < 8 + ihl + 8)
		return V_MALFORMED;
	ith = in + ihl;
	if (in[9] == P_ICMP && !icmp_is_query(ith[0]))
		return V_MALFORMED;
	if (get32n(in + 12) != g->wan)
		return V_OTHER;
	if (in[9] == P_ICMP) {
		l = live_find(g, P_ICMP, get16(ith + 4));
		*live_sess = l && get32n(in + 16) == l->raddr;
		return V_OTHER;
	}
	if (in[9] != P_TCP && in[9] != P_UDP)
		return V_OTHER;
	sport = get16(ith);
	l = live_find(g, in[9], sport);
	if (!l)
		return port_dynamic(g, sport) ? V_NOMAP : V_OTHER;
	/*
	 * Sessions with the real remote host's other ports come and go (it
	 * is a known peer): count them as possibly admitted.
	 */
	if (get32n(in + 16) == l->raddr) {
		*live_sess = true;
		return V_OTHER;
	}
	/* Only remote hosts the LAN never talked to have no session. */
	if (in_fuzz_net(get32n(in + 16)))
		return V_NOMAP;
	return V_OTHER;
}

static enum verdict model_wan(struct gen *g, const __u8 *ip,
			      unsigned int len, bool *live_sess)
{
	unsigned int hl, l4len;
	const __u8 *l4;
	__u16 port;
	__u8 proto;

	*live_sess = false;
	if (!ip_passes_rcv(ip, len))
		return V_STACK_DROP;
	if (get32n(ip + 16) != g->wan || is_frag(ip))
		return V_OTHER;
	hl = (ip[0] & 15) * 4;
	l4 = ip + hl;
	l4len = get16(ip + 2) - hl;
	proto = ip[9];
	if (l4len < l4_need(proto))
		return V_MALFORMED;
	if (proto == P_ICMP && icmp_is_err(l4[0]))
		return model_icmp_err_in(g, l4, l4len, live_sess);
	if (proto != P_TCP && proto != P_UDP)
		return V_OTHER;
	port = get16(l4 + 2);
	if (port_dynamic(g, port) && !live_find(g, proto, port))
		return V_NOMAP;
	return V_OTHER;
}

/* Clearly broken IP options (ip_options_compile refuses them). */
static bool ip_opts_broken(const __u8 *ip)
{
	unsigned int hl = (ip[0] & 15) * 4, i = 20, l;

	while (i < hl) {
		if (ip[i] == 0)
			return false;
		if (ip[i] == 1) {
			i++;
			continue;
		}
		if (hl - i < 2)
			return true;
		l = ip[i + 1];
		if (l < 2 || l > hl - i)
			return true;
		i += l;
	}
	return false;
}

/*
 * Flags a TCP connection can open with (or be picked up from after a
 * flush): SYN, SYN+ACK, ACK, FIN+ACK; PSH, URG, ECE and CWR aside.
 */
static bool tcp_may_open(__u8 flags)
{
	flags &= ~(TH_PSH | TH_URG | 0xc0);
	return flags == TH_SYN || flags == (TH_SYN | TH_ACK) ||
	       flags == TH_ACK || flags == (TH_FIN | TH_ACK);
}

/*
 * May this LAN-side packet open a mapping? False only when it surely
 * must not: the router's input drops it, it is a fragment, it is not
 * forwarded to the WAN nor sent to W, or napt has nothing to open a
 * mapping with (truncated header, RST, ICMP other than a request).
 */
static bool model_lan_may_open(struct gen *g, const __u8 *ip,
			       unsigned int len)
{
	unsigned int hl, l4len;
	__u32 daddr, h;
	const __u8 *l4;
	__u8 proto;

	/*
	 * The source is not judged: lan_set_source() puts a LAN address in
	 * its place (a mutated one that was martian is martian no more).
	 */
	if (!ip_passes_rcv(ip, len))
		return false;
	if (is_frag(ip))
		return true;	/* a later datagram might complete it */
	daddr = get32n(ip + 16);
	h = ntohl(daddr);
	if (daddr != g->wan) {
		/* Linux routes 0/8 and 240/4 (but 0.0.0.0) since 5.3 */
		if (!h || h >> 24 == 127 || (h >> 28) == 0xe ||
		    h == 0xffffffff || (h >> 8) == 0xc0a801)
			return false;
		if (ip[8] <= 1)
			return false;
	}
	if (ip_opts_broken(ip))
		return false;
	hl = (ip[0] & 15) * 4;
	l4 = ip + hl;
	l4len = get16(ip + 2) - hl;
	proto = ip[9];
	if (l4len < l4_need(proto))
		return false;
	if (proto == P_TCP && !tcp_may_open(l4[13]))
		return false;
	if (proto == P_ICMP && l4[0] != 8 && l4[0] != 13)
		return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Output */

static void flush(struct gen *g)
{
	int done = 0, n;

	while (done < g->nbatch) {
		n = sendmmsg(g->fd, g->msg + done, g->nbatch - done, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				usleep(100);
				continue;
			}
			/* A frame the device refuses: skip it. */
			g->send_errors++;
			done++;
			continue;
		}
		done += n;
	}
	g->nbatch = 0;
}

static void pcap_write(struct gen *g, const __u8 *frame, unsigned int len)
{
	__u32 rec[4] = { 0, 0, len, len };

	rec[0] = g->total;
	fwrite(rec, sizeof(rec), 1, g->pcap);
	fwrite(frame, len, 1, g->pcap);
}

/* Send the @len bytes at @ip as one frame of the current class. */
static void emit(struct gen *g, const __u8 *ip, unsigned int len)
{
	__u8 *f = g->frames[g->nbatch];
	bool live_sess;

	if (len > PKT_MAX)
		len = PKT_MAX;
	memcpy(f, g->eth, ETH_HLEN);
	memcpy(f + ETH_HLEN, ip, len);
	g->cls->sent++;
	g->total++;
	if (g->lan) {
		g->sent_by_range[g->range]++;
	} else {
		switch (model_wan(g, ip, len, &live_sess)) {
		case V_NOMAP:
			g->exp_nomap++;
			break;
		case V_MALFORMED:
			g->exp_malformed++;
			break;
		default:
			if (live_sess && in_fuzz_net(get32n(ip + 12)))
				g->icmperr_live++;
			break;
		}
	}
	if (g->pcap) {
		pcap_write(g, f, ETH_HLEN + len);
		return;
	}
	g->iov[g->nbatch].iov_base = f;
	g->iov[g->nbatch].iov_len = ETH_HLEN + len;
	if (++g->nbatch == BATCH)
		flush(g);
}

/*
 * LAN side: give the packet at @ip its source from the class's range,
 * after the model had its say, keeping its checksums as right (or as
 * wrong) as they were. False: do not send it (--only invalid, and the
 * model cannot vouch for it).
 */
/*
 * Account in the 16-bit checksum at @c for four bytes that were @o and
 * are @n (RFC 1624, eqn. 3): a right checksum stays right, and a wrong
 * one stays wrong by as much.
 */
static void csum_replace4(__u8 *c, __u32 o, __u32 n)
{
	__u32 sum = (~get16(c)) & 0xffff;
	__u8 ob[4], nb[4];

	memcpy(ob, &o, 4);
	memcpy(nb, &n, 4);
	sum += (~get16(ob) & 0xffff) + (~get16(ob + 2) & 0xffff);
	sum += get16(nb) + get16(nb + 2);
	put16(c, csum_fold(sum));
}

static bool lan_set_source(struct gen *g, __u8 *ip, unsigned int len)
{
	__u32 old, new;
	unsigned int hl;
	int off;

	if (len < 20)
		return true;
	if (g->range == R_INVALID && !g->no_model &&
	    model_lan_may_open(g, ip, len)) {
		if (g->only == R_INVALID) {
			g->skipped++;
			return false;
		}
		g->range = R_DUBIOUS;
		g->reclassified++;
		g->cur_src = 0;
	}
	hl = (ip[0] & 15) * 4;
	old = get32n(ip + 12);
	if (!g->cur_src)
		g->cur_src = lan_addr(g, g->range);
	new = g->cur_src;
	put32n(ip + 12, new);
	/*
	 * Incrementally, not recomputed: a header the model judged by its
	 * bad checksum must not become good by chance (seen: 1 in 65 536
	 * made a mapping from the "invalid" range).
	 */
	csum_replace4(ip + 10, old, new);
	/* The L4 pseudo-header likewise. */
	off = l4_csum_off(ip[9]);
	if (off < 0 || ip[9] == P_ICMP || is_frag(ip) || hl < 20 ||
	    len < hl + off + 2)
		return true;
	if (ip[9] == P_UDP && !get16(ip + hl + off))
		return true;
	csum_replace4(ip + hl + off, old, new);
	if (ip[9] == P_UDP && !get16(ip + hl + off))
		put16(ip + hl + off, 0xffff);
	return true;
}

/* Emit one packet, with its LAN source put in on the LAN side. */
static void send_pkt(struct gen *g, __u8 *ip, unsigned int len)
{
	if (g->lan && !lan_set_source(g, ip, len))
		return;
	emit(g, ip, len);
}

/* ------------------------------------------------------------------ */
/* The packets' common parts */

/* Source and destination for this side; sets the range on the LAN. */
static void addrs(struct gen *g, struct ipspec *s, bool to_w)
{
	__u32 r = rn(g, 100);

	memset(s, 0, sizeof(*s));
	s->ttl = pct(g, 90) ? 64 : 2 + rn(g, 254);
	s->id = rnd(g);
	if (pct(g, 20))
		s->frag = IP_DF_BIT;
	if (!g->lan) {
		s->daddr = g->wan;
		if (r < 70)
			s->saddr = fuzz_net_addr(g);
		else if (r < 92)
			s->saddr = g->srv;
		else if (r < 97)
			s->saddr = a4(200, 200, 200, 1);
		else
			s->saddr = martian_addr(g);
		return;
	}
	/* LAN: the source is set at send time (lan_set_source). */
	s->saddr = a4(192, 168, 1, 100);
	if (to_w || r < 15)
		s->daddr = g->wan;
	else if (r < 35)
		s->daddr = g->srv;
	else
		s->daddr = a4(198, 51, 100, 1 + rn(g, 254));
}

/* A port to send to: WAN, napt's; LAN, the remote's. */
static __u16 dport_for(struct gen *g, const struct ipspec *s, __u8 proto)
{
	struct live *l;

	if (!g->lan || s->daddr == g->wan) {
		if (g->lan && pct(g, 70)) {
			l = live_pick(g, proto);
			if (l)
				return l->ext;
		}
		return wan_dport(g, proto);
	}
	return pct(g, 50) ? 7 : 1 + rn(g, 65535);
}

static __u16 sport_for(struct gen *g, const struct ipspec *s, __u8 proto)
{
	struct live *l;

	if (g->lan)
		return lan_sport(g);
	if (s->saddr == g->srv && pct(g, 60)) {
		l = live_pick(g, proto);
		if (l)
			return l->rport;
	}
	return 1 + rn(g, 65535);
}

/* Valid TCP flags, and the combinations a TCP never sends. */
static const __u8 good_flags[] = {
	TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_ACK | TH_PSH, TH_FIN | TH_ACK,
	TH_ACK | TH_URG,
};

static const __u8 odd_flags[] = {
	0, TH_FIN, TH_SYN | TH_FIN, TH_FIN | TH_PSH | TH_URG, TH_URG,
	TH_PSH, 0xff & ~TH_RST, TH_SYN | TH_FIN | TH_PSH | TH_URG, 0xc2,
	TH_SYN | TH_URG,
};

static const __u8 rst_flags[] = {
	TH_RST, TH_RST | TH_ACK, TH_SYN | TH_RST, 0xff, TH_RST | TH_FIN,
};

static __u8 pick(struct gen *g, const __u8 *set, unsigned int n)
{
	return set[rn(g, n)];
}

/* @a: an array of __u8, so its size is its length */
#define PICK(g, a)	pick(g, a, sizeof(a))

static unsigned int payload_len(struct gen *g)
{
	__u32 r = rn(g, 100);

	if (r < 50)
		return rn(g, 32);
	if (r < 90)
		return rn(g, 512);
	return rn(g, 1400);
}

/* A well-formed packet of @proto (TCP flags / ICMP type in @x). */
static unsigned int make_basic(struct gen *g, __u8 *ip, __u8 proto,
			       __u8 x, bool to_w)
{
	struct ipspec s;
	__u16 id;

	addrs(g, &s, to_w);
	s.proto = proto;
	if (proto == P_ICMP) {
		struct live *l = live_pick(g, P_ICMP);

		id = l && pct(g, 50) ? (g->lan ? l->iport : l->ext) : rnd(g);
		if (g->lan)
			id = lan_sport(g);
		return pkt_l4(g, ip, &s, id, id, x, payload_len(g));
	}
	return pkt_l4(g, ip, &s, sport_for(g, &s, proto),
		      dport_for(g, &s, proto), x, payload_len(g) % 1200);
}

/* ------------------------------------------------------------------ */
/* Classes: well-formed traffic */

static void c_tcp(struct gen *g)
{
	__u8 f = g->lan ? PICK(g, good_flags) :
		pct(g, 50) ? PICK(g, good_flags) : rnd(g);

	send_pkt(g, g->pkt, make_basic(g, g->pkt, P_TCP, f, false));
}

static void c_udp(struct gen *g)
{
	unsigned int len = make_basic(g, g->pkt, P_UDP, 0, false);

	/* No checksum is a valid UDP checksum. */
	if (pct(g, 20))
		put16(g->pkt + 20 + 6, 0);
	send_pkt(g, g->pkt, len);
}

static void c_icmp_query(struct gen *g)
{
	static const __u8 req[] = { 8, 13 }, rep[] = { 0, 14 },
		any[] = { 0, 8, 13, 14 };
	__u8 t = !g->lan ? PICK(g, any) :
		g->range == R_VALID ? PICK(g, req) : PICK(g, rep);

	send_pkt(g, g->pkt, make_basic(g, g->pkt, P_ICMP, t, false));
}

/* ICMP types that are neither queries nor errors (and replies). */
static void c_icmp_other(struct gen *g)
{
	static const __u8 t[] = { 0, 14, 9, 10, 15, 16, 17, 18, 1, 2, 6,
				     7, 19, 30, 37, 40, 42, 43, 253, 255 };

	send_pkt(g, g->pkt, make_basic(g, g->pkt, P_ICMP, PICK(g, t), false));
}

static void c_other_proto(struct gen *g)
{
	static const __u8 valid[] = { P_GRE, P_ESP, P_SCTP, P_UDPLITE,
					 P_DCCP, P_IPIP, 41, 51, 103, 115 };
	__u8 proto = g->range == R_VALID || pct(g, 50) ?
		PICK(g, valid) : rnd(g);
	struct ipspec s;
	__u16 port;

	if (proto == P_TCP || proto == P_UDP || proto == P_ICMP)
		proto = P_GRE;
	addrs(g, &s, false);
	s.proto = proto;
	port = dport_for(g, &s, P_UDP);
	send_pkt(g, g->pkt, pkt_l4(g, g->pkt, &s, rnd(g), port, 0,
				   8 + rn(g, 200)));
}

/* Every TCP flag combination and odd data offsets, WAN side. */
static void c_tcp_flags(struct gen *g)
{
	unsigned int len = make_basic(g, g->pkt, P_TCP, rnd(g), false);
	__u8 *ip = g->pkt, *th = ip + (ip[0] & 15) * 4;

	if (pct(g, 30)) {
		th[12] = (rn(g, 16) << 4) | (th[12] & 15);
		ip_done(ip, len);
	}
	send_pkt(g, ip, len);
}

/* LAN: flags a TCP never sends, but no RST: napt does not check them. */
static void c_tcp_odd(struct gen *g)
{
	unsigned int len = make_basic(g, g->pkt, P_TCP, PICK(g, odd_flags),
				      false);
	__u8 *ip = g->pkt, *th = ip + (ip[0] & 15) * 4;

	if (pct(g, 30)) {
		th[12] = (rn(g, 16) << 4) | (th[12] & 15);
		ip_done(ip, len);
	}
	send_pkt(g, ip, len);
}

static void c_tcp_rst(struct gen *g)
{
	send_pkt(g, g->pkt, make_basic(g, g->pkt, P_TCP, PICK(g, rst_flags),
				       false));
}

/* TCP options: random kinds with bad lengths. */
static void c_tcp_opts(struct gen *g)
{
	__u8 *ip = g->pkt, *th;
	unsigned int len, hl, olen = 4 * (1 + rn(g, 10)), i;
	__u8 f = g->lan ? PICK(g, good_flags) : rnd(g);

	len = make_basic(g, ip, P_TCP, f, false);
	hl = (ip[0] & 15) * 4;
	th = ip + hl;
	if (len + olen > PKT_MAX)
		len = hl + 20;
	memmove(th + 20 + olen, th + 20, len - hl - 20);
	for (i = 0; i < olen; i++)
		th[20 + i] = rnd(g);
	if (pct(g, 50)) {
		static const __u8 kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 29,
						 30, 34, 253, 254 };

		for (i = 0; i + 1 < olen; i += 2 + rn(g, 4)) {
			th[20 + i] = PICK(g, kinds);
			th[20 + i + 1] = rn(g, 3) ? rn(g, 12) : rnd(g);
		}
	}
	th[12] = ((20 + olen) / 4) << 4;
	send_pkt(g, ip, ip_done(ip, len + olen));
}

/* Zero and wrong L4 checksums, wrong UDP lengths. */
static void c_csum_bad(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP };
	__u8 proto = PICK(g, protos);
	__u8 x = proto == P_TCP ? PICK(g, good_flags) :
		proto == P_ICMP ? 8 : 0;
	unsigned int len = make_basic(g, g->pkt, proto, x, false);
	__u8 *ip = g->pkt, *l4 = ip + (ip[0] & 15) * 4;
	int off = l4_csum_off(proto);

	switch (rn(g, 4)) {
	case 0:			/* zero: "none" for UDP, wrong for the rest */
		put16(l4 + off, 0);
		break;
	case 1:
		put16(l4 + off, get16(l4 + off) ^ (1 + rn(g, 0xfffe)));
		break;
	case 2:
		put16(l4 + off, rnd(g));
		break;
	default:
		if (proto == P_UDP)
			put16(l4 + 4, rn(g, 3) ? rn(g, 8) : rnd(g));
		else
			put16(l4 + off, get16(l4 + off) + 1);
		break;
	}
	send_pkt(g, ip, len);
}

/* IP options: valid ones, and broken lengths and pointers. */
static void c_ip_opts(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP };
	__u8 opts[40], proto = PICK(g, protos), *o = opts;
	unsigned int n = 0, l, i;
	bool broken = g->range >= R_INVALID || (!g->lan && pct(g, 40));
	__u32 k;
	struct ipspec s;
	__u16 port;

	memset(opts, 1, sizeof(opts));
	while (n < 36) {
		k = rn(g, 7);
		l = 0;
		switch (k) {
		case 0:			/* record route */
		case 1:			/* loose source route, outside */
			l = 7 + 4 * rn(g, 3);
			if (n + l > 40)
				break;
			o[n] = k ? 131 : 7;
			o[n + 1] = l;
			o[n + 2] = 4;
			for (i = 3; i + 4 <= l; i += 4)
				put32n(o + n + i, fuzz_net_addr(g));
			break;
		case 2:			/* timestamp */
			l = 12;
			if (n + l > 40)
				break;
			o[n] = 68;
			o[n + 1] = l;
			o[n + 2] = 5;
			o[n + 3] = rn(g, 4);
			break;
		case 3:			/* router alert */
			l = 4;
			o[n] = 148;
			o[n + 1] = 4;
			o[n + 2] = 0;
			o[n + 3] = 0;
			break;
		case 4:			/* unknown option */
			l = 2 + rn(g, 6);
			if (n + l > 40)
				break;
			o[n] = 30 + rn(g, 200);
			if (o[n] < 2)
				o[n] = 30;
			o[n + 1] = l;
			break;
		default:		/* NOPs */
			l = 1 + rn(g, 3);
			break;
		}
		if (!l || n + l > 40)
			break;
		n += l;
		if (pct(g, 30))
			break;
	}
	if (broken) {
		/* A length that runs off the header, or below 2. */
		opts[0] = 7;
		opts[1] = pct(g, 50) ? rn(g, 2) : 41 + rn(g, 200);
		if (n < 4)
			n = 4;
	} else if (pct(g, 30)) {
		opts[n < 40 ? n : 39] = 0;	/* end of list */
	}
	n = (n + 3) & ~3u;
	if (!n)
		n = 4;
	addrs(g, &s, g->lan && pct(g, 40));
	s.proto = proto;
	s.opts = opts;
	s.optlen = n;
	port = dport_for(g, &s, proto);
	send_pkt(g, g->pkt, pkt_l4(g, g->pkt, &s, sport_for(g, &s, proto),
				   port, proto == P_ICMP ? 8 :
				   proto == P_TCP ? TH_SYN : 0,
				   rn(g, 64)));
}

/* ------------------------------------------------------------------ */
/* Classes: broken headers */

/* IP headers ip_rcv refuses: version, IHL, total length, checksum. */
static void c_ip_bad(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP };
	__u8 *ip = g->pkt;
	unsigned int len = make_basic(g, ip, PICK(g, protos), TH_SYN, false);

	switch (rn(g, 7)) {
	case 0:		/* IHL below 5 */
		ip[0] = 0x40 | rn(g, 5);
		ip_csum(ip);
		break;
	case 1:		/* IHL past the packet or the total length */
		ip[0] = 0x40 | (6 + rn(g, 10));
		if (pct(g, 50))
			len = 20 + rn(g, 4 * (ip[0] & 15) - 20);
		ip_csum(ip);
		break;
	case 2:		/* total length beyond the frame */
		put16(ip + 2, len + 1 + rn(g, 2000));
		ip_csum(ip);
		break;
	case 3:		/* total length below the header */
		put16(ip + 2, rn(g, 20));
		ip_csum(ip);
		break;
	case 4:		/* version */
		ip[0] = (rn(g, 16) << 4) | 5;
		if ((ip[0] >> 4) == 4)
			ip[0] = 0x65;
		ip_csum(ip);
		break;
	case 5:		/* checksum */
		put16(ip + 10, get16(ip + 10) ^ (1 + rn(g, 0xfffe)));
		break;
	default:	/* frame shorter than an IP header */
		len = rn(g, 20);
		break;
	}
	send_pkt(g, ip, len);
}

/* Good IP header, transport header cut short (napt must read it). */
static void c_l4_trunc(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP, P_UDPLITE,
					  P_DCCP };
	__u8 proto = PICK(g, protos), *ip = g->pkt;
	__u8 x = proto == P_TCP ? TH_SYN : proto == P_ICMP ?
		(pct(g, 50) ? 8 : 3) : 0;
	unsigned int len, hl, cut;

	len = make_basic(g, ip, proto, x, pct(g, 30));
	hl = (ip[0] & 15) * 4;
	cut = rn(g, l4_need(proto));
	len = hl + cut;
	ip_done(ip, len);
	if (pct(g, 30))
		len += rn(g, 16);	/* the frame is longer than the IP */
	send_pkt(g, ip, len);
}

/* A well-formed packet with random bits flipped, bytes set, cut, grown. */
static void c_mutate(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP, P_GRE,
					  P_UDPLITE };
	__u8 proto = PICK(g, protos), *ip = g->pkt;
	unsigned int len, n = 1 + rn(g, 4), i, at, hdr;

	len = make_basic(g, ip, proto, proto == P_TCP ? rnd(g) :
			 proto == P_ICMP ? rn(g, 20) : 0, false);
	hdr = len < 64 ? len : 64;
	for (i = 0; i < n; i++) {
		at = rn(g, hdr);
		switch (rn(g, 5)) {
		case 0:
			ip[at] ^= 1 << rn(g, 8);
			break;
		case 1:
			ip[at] = rnd(g);
			break;
		case 2:
			len = rn(g, len + 1);
			hdr = len < 64 ? len : 64;
			if (!hdr)
				hdr = 1;
			break;
		case 3:
			if (len + 16 <= PKT_MAX) {
				rfill(g, ip + len, 16);
				len += rn(g, 17);
			}
			break;
		default:
			ip[at] = pct(g, 50) ? 0 : 0xff;
			break;
		}
	}
	/* Mostly with an IP header checksum the router accepts. */
	if (len >= 20 && pct(g, 70) && (ip[0] & 15) >= 5 &&
	    (ip[0] & 15) * 4u <= len)
		ip_csum(ip);
	send_pkt(g, ip, len);
}

/* ------------------------------------------------------------------ */
/* Classes: ICMP errors */

static const __u8 err_types[] = { 3, 3, 3, 11, 12, 4, 5 };

/*
 * The packet an error speaks of, at @in: WAN side, one that left from W
 * (a live tuple, a mutated one, an unmapped port, a stranger's);
 * LAN side, one that came in to a LAN host.
 */
static unsigned int inner_packet(struct gen *g, __u8 *in, bool *live)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_UDP, P_ICMP,
					  P_GRE };
	struct ipspec s;
	__u16 sp, dp;
	struct live *l = NULL;
	__u32 r = rn(g, 100);

	memset(&s, 0, sizeof(s));
	s.ttl = 1 + rn(g, 64);
	s.id = rnd(g);
	s.proto = PICK(g, protos);
	*live = false;
	if (r < 50)
		l = live_pick(g, s.proto == P_ICMP ? P_ICMP : 0);
	if (l) {
		s.proto = l->proto;
		sp = g->lan ? l->rport : l->ext;
		dp = g->lan ? l->iport : l->rport;
		s.saddr = g->lan ? l->raddr : g->wan;
		s.daddr = g->lan ? l->iaddr : l->raddr;
		*live = true;
		if (pct(g, 40)) {	/* mutate the real tuple */
			*live = false;
			switch (rn(g, 4)) {
			case 0:
				dp ^= 1 << rn(g, 16);
				break;
			case 1:
				s.daddr = g->lan ? a4(192, 168, 1, 2 + rn(g, 3))
					: fuzz_net_addr(g);
				break;
			case 2:
				s.proto = s.proto == P_TCP ? P_UDP : P_TCP;
				break;
			default:
				sp ^= 1 << rn(g, 16);
				break;
			}
		}
	} else {
		sp = g->lan ? 1 + rn(g, 65535) : wan_dport(g, s.proto);
		dp = 1 + rn(g, 65535);
		s.saddr = g->lan ? fuzz_net_addr(g) :
			pct(g, 85) ? g->wan : fuzz_net_addr(g);
		s.daddr = g->lan ? a4(192, 168, 1, 2 + rn(g, 3)) :
			pct(g, 50) ? g->srv : fuzz_net_addr(g);
	}
	if (pct(g, 5))
		s.frag = (pct(g, 50) ? IP_MF_BIT : 0) | (1 + rn(g, 100));
	if (s.proto == P_ICMP)
		return pkt_l4(g, in, &s, sp, sp, pct(g, 70) ? 8 : 0,
			      rn(g, 64));
	return pkt_l4(g, in, &s, sp, dp, TH_SYN, rn(g, 64));
}

/* An ICMP error about @inner (@ilen bytes of it), whole packet at @ip. */
static unsigned int error_about(struct gen *g, __u8 *ip,
				const __u8 *inner, unsigned int ilen,
				bool to_w)
{
	struct ipspec s;
	unsigned int hl;
	__u8 *l4;

	addrs(g, &s, to_w);
	s.proto = P_ICMP;
	s.frag = 0;
	if (g->lan && !to_w) {
		/* back to whoever sent the packet in */
		s.daddr = get32n(inner + 12);
	}
	hl = ip_put(ip, &s);
	l4 = ip + hl;
	l4[0] = PICK(g, err_types);
	l4[1] = rn(g, 16);
	put32n(l4 + 4, l4[0] == 3 && l4[1] == 4 ? htonl(rn(g, 1500)) : 0);
	if (l4[0] == 12)
		l4[4] = rn(g, 60);
	if (ilen > PKT_MAX - hl - 8)
		ilen = PKT_MAX - hl - 8;
	memcpy(l4 + 8, inner, ilen);
	return ip_done(ip, hl + 8 + ilen);
}

/* Well-formed errors: about live sessions, mutated tuples, nothing. */
static void c_icmp_err(struct gen *g)
{
	__u8 inner[PKT_MAX];
	unsigned int ilen, hl;
	bool live;

	ilen = inner_packet(g, inner, &live);
	hl = (inner[0] & 15) * 4;
	/* RFC 792: the header and 8 bytes; RFC 1812: as much as fits. */
	if (pct(g, 60) && ilen > hl + 8)
		ilen = hl + 8;
	send_pkt(g, g->pkt, error_about(g, g->pkt, inner, ilen,
					g->lan && pct(g, 30)));
}

/* Errors whose embedded packet is cut short or bent out of shape. */
static void c_icmp_err_trunc(struct gen *g)
{
	__u8 inner[PKT_MAX];
	unsigned int ilen;
	bool live;

	ilen = inner_packet(g, inner, &live);
	switch (rn(g, 5)) {
	case 0:		/* inside the IP header */
		ilen = rn(g, 20);
		break;
	case 1:		/* fewer than 8 bytes of transport header */
		ilen = 20 + rn(g, 8);
		break;
	case 2:		/* IHL below 5, or claiming more than is there */
		inner[0] = 0x40 | (pct(g, 50) ? rn(g, 5) : 6 + rn(g, 10));
		ilen = 20 + rn(g, 12);
		break;
	case 3:		/* not IPv4 */
		inner[0] = (pct(g, 50) ? 0x60 : rnd(g) & 0xf0) | 5;
		if ((inner[0] >> 4) == 4)
			inner[0] = 0x65;
		ilen = 28;
		break;
	default:	/* total length and checksum that lie */
		put16(inner + 2, rnd(g));
		put16(inner + 10, rnd(g));
		break;
	}
	send_pkt(g, g->pkt, error_about(g, g->pkt, inner, ilen,
					g->lan && pct(g, 30)));
}

/* An error about an error about a packet (and deeper). */
static void c_icmp_err_nested(struct gen *g)
{
	__u8 a[PKT_MAX], b[PKT_MAX];
	unsigned int len, depth = 1 + rn(g, 3), i;
	bool live;

	len = inner_packet(g, a, &live);
	for (i = 0; i < depth; i++) {
		if (pct(g, 50) && len > 28 + 20)
			len = 28 + 20 + rn(g, len - 48);
		len = error_about(g, b, a, len, false);
		if (!g->lan) {
			/* the inner error left from W */
			put32n(b + 12, g->wan);
			put32n(b + 16, pct(g, 50) ? g->srv : fuzz_net_addr(g));
			ip_csum(b);
		}
		memcpy(a, b, len);
	}
	send_pkt(g, g->pkt, error_about(g, g->pkt, a, len,
					g->lan && pct(g, 30)));
}

/* ------------------------------------------------------------------ */
/* Classes: fragments */

enum shape {
	F_INORDER, F_REVERSE, F_SHUFFLE, F_TINY, F_DUP,		/* complete */
	F_OVERLAP, F_MISS_FIRST, F_MISS_LAST, F_MISS_MID,	/* never */
	F_OVERSIZE, F_TWO_LAST, F_FIRST_ONLY,
	F_ODD,							/* maybe */
	F_NR
};

struct piece {
	unsigned int off, len;	/* in bytes of the datagram's payload */
	bool mf;
	bool corrupt;
};

/* One fragment of datagram @dg (IP header @hl bytes) as a packet. */
static void send_piece(struct gen *g, const __u8 *dg, unsigned int hl,
		       const struct piece *p)
{
	__u8 *ip = g->pkt;
	__u16 frag = (p->mf ? IP_MF_BIT : 0) | ((p->off / 8) & IP_OFF_MASK);

	memcpy(ip, dg, hl);
	memcpy(ip + hl, dg + hl + p->off, p->len);
	if (p->corrupt)
		rfill(g, ip + hl, p->len);
	put16(ip + 6, frag);
	put16(ip + 2, hl + p->len);
	ip_csum(ip);
	send_pkt(g, ip, hl + p->len);
}

static void shuffle(struct gen *g, struct piece *p, unsigned int n)
{
	struct piece t;
	unsigned int i, j;

	for (i = n; i > 1; i--) {
		j = rn(g, i);
		t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
}

static void c_frag(struct gen *g, enum shape sh)
{
	static const __u8 protos[] = { P_UDP, P_UDP, P_TCP, P_ICMP };
	__u8 dg[PKT_MAX + 64], proto = PICK(g, protos), *ip = g->pkt;
	__u8 x = proto == P_TCP ? PICK(g, good_flags) : 8;
	struct piece p[72], t;
	unsigned int len, hl, plen, n = 0, off, step, i;
	bool to_w = !g->lan || pct(g, 20);
	__u32 seq = g->frag_seq++;

	/*
	 * Every datagram has its own (source, id): a piece left over from a
	 * broken one never completes another. On the LAN the source is
	 * picked from the id's high bits, not at random.
	 */
	g->no_model = true;
	g->frag_dgrams++;
	if (g->lan)
		g->cur_src = lan_addr_nr(g, g->range, (seq >> 16) & 15);
	do {
		len = make_basic(g, dg, proto, x, to_w);
		hl = (dg[0] & 15) * 4;
	} while (len - hl < 24);
	put16(dg + 4, seq);
	put16(dg + 6, 0);
	ip_done(dg, len);
	plen = len - hl;

	step = sh == F_TINY ? 8 : 8 * (1 + rn(g, plen / 24));
	while (plen / step > 60)
		step *= 2;
	for (off = 0; off < plen; off += step) {
		p[n].off = off;
		p[n].len = off + step < plen ? step : plen - off;
		p[n].mf = off + step < plen;
		p[n].corrupt = false;
		n++;
	}
	if (n < 2) {			/* two pieces at least */
		p[0] = (struct piece){ 0, 8, true, false };
		p[1] = (struct piece){ 8, plen - 8, false, false };
		n = 2;
	}

	switch (sh) {
	case F_REVERSE:
		for (i = 0; i < n / 2; i++) {
			t = p[i];
			p[i] = p[n - 1 - i];
			p[n - 1 - i] = t;
		}
		break;
	case F_SHUFFLE:
		shuffle(g, p, n);
		break;
	case F_DUP:
		p[n] = p[rn(g, n)];
		n++;
		shuffle(g, p, n);
		break;
	case F_OVERLAP:
		/*
		 * The first piece, then other bytes over part of it and
		 * beyond: the queue dies there. The rest, with no offset 0,
		 * never completes.
		 */
		memmove(p + 2, p + 1, (n - 1) * sizeof(*p));
		p[1] = (struct piece){ p[0].len > 8 ? 8 : 0, p[0].len + 8,
				       true, true };
		if (p[1].off + p[1].len > plen)
			p[1].len = plen - p[1].off;
		n++;
		break;
	case F_MISS_FIRST:
		memmove(p, p + 1, (n - 1) * sizeof(*p));
		n--;
		shuffle(g, p, n);
		break;
	case F_MISS_LAST:
		n--;
		shuffle(g, p, n);
		break;
	case F_MISS_MID:
		if (n < 3) {
			n = 1;
			break;
		}
		i = 1 + rn(g, n - 2);
		memmove(p + i, p + i + 1, (n - i - 1) * sizeof(*p));
		n--;
		shuffle(g, p, n);
		break;
	case F_OVERSIZE:
		/* The last piece ends past 65535: reassembly refuses it. */
		p[n - 1].off = 65528 - 8 * rn(g, 4);
		p[n - 1].len = 16 + rn(g, 64);
		p[n - 1].corrupt = true;
		shuffle(g, p, n);
		break;
	case F_TWO_LAST: {
		/*
		 * Two last pieces that disagree on the end, before anything
		 * else (the shorter one could complete the datagram else).
		 */
		struct piece last = p[n - 1];

		t = last;
		if (t.len > 8)
			t.len -= 8;
		else
			t.off -= 8;
		memmove(p + 2, p, (n - 1) * sizeof(*p));
		p[0] = t;
		p[1] = last;
		n++;
		shuffle(g, p + 2, n - 2);
		break;
	}
	case F_FIRST_ONLY:
		n = 1;
		break;
	case F_ODD:
		/* A piece that is not the last, of a length not a multiple of 8 */
		if (p[0].len > 3)
			p[0].len -= 1 + rn(g, 3);
		shuffle(g, p, n);
		break;
	default:
		break;
	}
	for (i = 0; i < n; i++) {
		if (p[i].off + p[i].len <= plen) {
			send_piece(g, dg, hl, &p[i]);
			continue;
		}
		memcpy(ip, dg, hl);
		rfill(g, ip + hl, p[i].len);
		put16(ip + 6, (p[i].mf ? IP_MF_BIT : 0) | (p[i].off / 8));
		put16(ip + 2, hl + p[i].len);
		ip_csum(ip);
		send_pkt(g, ip, hl + p[i].len);
	}
}

/* Fragment shapes that complete, and those that never do. */
static void c_frag_complete(struct gen *g)
{
	c_frag(g, F_INORDER + rn(g, F_DUP - F_INORDER + 1));
}

static void c_frag_broken(struct gen *g)
{
	c_frag(g, F_OVERLAP + rn(g, F_FIRST_ONLY - F_OVERLAP + 1));
}

static void c_frag_odd(struct gen *g)
{
	c_frag(g, F_ODD);
}

/* LAN: packets whose TTL runs out at the router. */
static void c_ttl(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP };
	__u8 proto = PICK(g, protos), *ip = g->pkt;
	unsigned int len;

	do {
		len = make_basic(g, ip, proto, proto == P_TCP ? TH_SYN : 8,
				 false);
	} while (get32n(ip + 16) == g->wan);
	ip[8] = rn(g, 2);
	ip_csum(ip);
	send_pkt(g, ip, len);
}

/* LAN: valid packets to W's live ports from martian sources. */
static void c_martian(struct gen *g)
{
	static const __u8 protos[] = { P_TCP, P_UDP, P_ICMP };
	__u8 proto = PICK(g, protos);

	send_pkt(g, g->pkt, make_basic(g, g->pkt, proto,
				       proto == P_TCP ? TH_SYN : 8,
				       pct(g, 70)));
}

/* ------------------------------------------------------------------ */

#define CL(n, f, w, r)	{ .name = n, .fn = f, .weight = w, .range = r }

static struct class wan_classes[] = {
	CL("tcp", c_tcp, 12, R_VALID),
	CL("udp", c_udp, 12, R_VALID),
	CL("icmp-query", c_icmp_query, 4, R_VALID),
	CL("icmp-other", c_icmp_other, 2, R_VALID),
	CL("other-proto", c_other_proto, 4, R_VALID),
	CL("tcp-flags", c_tcp_flags, 8, R_VALID),
	CL("tcp-opts", c_tcp_opts, 3, R_VALID),
	CL("csum-bad", c_csum_bad, 5, R_VALID),
	CL("ip-opts", c_ip_opts, 4, R_VALID),
	CL("ip-bad", c_ip_bad, 5, R_VALID),
	CL("l4-trunc", c_l4_trunc, 6, R_VALID),
	CL("icmp-err", c_icmp_err, 8, R_VALID),
	CL("icmp-err-trunc", c_icmp_err_trunc, 5, R_VALID),
	CL("icmp-err-nested", c_icmp_err_nested, 3, R_VALID),
	CL("frag-complete", c_frag_complete, 2, R_VALID),
	CL("frag-broken", c_frag_broken, 2, R_VALID),
	CL("frag-odd", c_frag_odd, 1, R_VALID),
	CL("mutate", c_mutate, 10, R_VALID),
	{ }
};

static struct class lan_classes[] = {
	CL("tcp", c_tcp, 8, R_VALID),
	CL("udp", c_udp, 8, R_VALID),
	CL("icmp-request", c_icmp_query, 3, R_VALID),
	CL("other-proto", c_other_proto, 3, R_VALID),
	CL("tcp-opts", c_tcp_opts, 2, R_VALID),
	CL("ip-opts", c_ip_opts, 2, R_VALID),
	CL("frag-complete", c_frag_complete, 2, R_VALID),
	CL("tcp-odd-flags", c_tcp_odd, 4, R_INVALID),
	CL("csum-bad", c_csum_bad, 4, R_DUBIOUS),
	CL("frag-odd", c_frag_odd, 1, R_DUBIOUS),
	CL("mutate", c_mutate, 8, R_INVALID),
	CL("tcp-rst", c_tcp_rst, 5, R_INVALID),
	CL("icmp-reply", c_icmp_query, 2, R_INVALID),
	CL("icmp-other", c_icmp_other, 3, R_INVALID),
	CL("ip-bad", c_ip_bad, 4, R_INVALID),
	CL("ip-opts-bad", c_ip_opts, 3, R_INVALID),
	CL("l4-trunc", c_l4_trunc, 6, R_INVALID),
	CL("icmp-err", c_icmp_err, 6, R_INVALID),
	CL("icmp-err-trunc", c_icmp_err_trunc, 4, R_INVALID),
	CL("icmp-err-nested", c_icmp_err_nested, 3, R_INVALID),
	/*
	 * Whether a broken shape completes is the kernel's defragmenter's
	 * call (a piece within what it holds is a duplicate, not an
	 * overlap): reported, not judged.
	 */
	CL("frag-broken", c_frag_broken, 3, R_DUBIOUS),
	CL("ttl-expired", c_ttl, 2, R_INVALID),
	CL("martian-src", c_martian, 3, R_MARTIAN),
	{ }
};

static int parse_live(struct gen *g, const char *arg)
{
	char proto[8], ia[16], ra[16];
	unsigned int ext, ip, rp;
	struct live *l;

	if (g->nlive == MAX_LIVE)
		return -1;
	if (sscanf(arg, "%7[a-z]:%u:%15[0-9.]:%u:%15[0-9.]:%u", proto, &ext,
		   ia, &ip, ra, &rp) != 6 || ext > 65535 || ip > 65535 ||
	    rp > 65535)
		return -1;
	l = &g->live[g->nlive];
	if (!strcmp(proto, "tcp"))
		l->proto = P_TCP;
	else if (!strcmp(proto, "udp"))
		l->proto = P_UDP;
	else if (!strcmp(proto, "icmp"))
		l->proto = P_ICMP;
	else
		return -1;
	if (inet_pton(AF_INET, ia, &l->iaddr) != 1 ||
	    inet_pton(AF_INET, ra, &l->raddr) != 1)
		return -1;
	l->ext = ext;
	l->iport = ip;
	l->rport = rp;
	g->nlive++;
	return 0;
}

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int m[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}

static int open_out(struct gen *g, const char *ifname, const char *pcap)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int one = 1, sndbuf = 4 << 20, i;

	for (i = 0; i < BATCH; i++) {
		g->msg[i].msg_hdr.msg_iov = &g->iov[i];
		g->msg[i].msg_hdr.msg_iovlen = 1;
	}
	g->eth[12] = 0x08;
	g->eth[13] = 0x00;
	if (pcap) {
		static const __u32 hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0,
						 65535, 1 };

		g->pcap = fopen(pcap, "w");
		if (!g->pcap)
			return -1;
		fwrite(hdr, sizeof(hdr), 1, g->pcap);
		return 0;
	}
	g->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (g->fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(g->fd, SIOCGIFINDEX, &ifr) < 0)
		return -1;
	sll.sll_ifindex = ifr.ifr_ifindex;
	sll.sll_protocol = 0;	/* send only: receive nothing */
	if (bind(g->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	if (ioctl(g->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(g->eth + 6, ifr.ifr_hwaddr.sa_data, 6);
	setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(g->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s -i IF -m DSTMAC -s SEED -n COUNT --side wan|lan\n"
		"       [--only valid|dubious|invalid] [--live PROTO:EXT:IADDR:IPORT:RADDR:RPORT]...\n"
		"       [--wan A] [--srv A] [--ports LO-HI] [--pcap FILE] [--frag-seq N]\n",
		program_invocation_short_name);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "mac", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "side", required_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'o' },
		{ "live", required_argument, NULL, 'l' },
		{ "wan", required_argument, NULL, 'w' },
		{ "srv", required_argument, NULL, 'r' },
		{ "ports", required_argument, NULL, 'p' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "frag-seq", required_argument, NULL, 'F' },
		{ }
	};
	static struct gen gen;
	struct gen *g = &gen;
	const char *ifname = NULL, *pcap = NULL, *mac = NULL;
	unsigned long count = 1000, seed = 0, wsum = 0, w;
	unsigned int lo, hi;
	struct class *classes, *c;
	bool seeded = false;
	int o;

	g->only = -1;
	g->wan = a4(200, 200, 200, 200);
	g->srv = a4(100, 100, 100, 100);
	g->port_lo = 1024;
	g->port_hi = 32767;
	while ((o = getopt_long(argc, argv, "i:m:s:n:", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			mac = optarg;
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			if (!strcmp(optarg, "lan"))
				g->lan = true;
			else if (strcmp(optarg, "wan"))
				usage();
			break;
		case 'o':
			for (g->only = 0; g->only < R_MARTIAN; g->only++)
				if (!strcmp(optarg, range_name[g->only]))
					break;
			if (g->only == R_MARTIAN)
				usage();
			break;
		case 'l':
			if (parse_live(g, optarg))
				usage();
			break;
		case 'w':
			if (inet_pton(AF_INET, optarg, &g->wan) != 1)
				usage();
			break;
		case 'r':
			if (inet_pton(AF_INET, optarg, &g->srv) != 1)
				usage();
			break;
		case 'p':
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || lo > hi ||
			    hi > 65535)
				usage();
			g->port_lo = lo;
			g->port_hi = hi;
			break;
		case 'P':
			pcap = optarg;
			break;
		case 'F':
			g->frag_seq = strtoul(optarg, NULL, 0);
			g->frag_seq_set = true;
			break;
		default:
			usage();
		}
	}
	if ((!ifname && !pcap) || optind != argc)
		usage();
	if (!seeded)
		seed = time(NULL) ^ getpid();
	g->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	if (!g->frag_seq_set)
		g->frag_seq = rnd(g) & 0xffff;
	if (mac && parse_mac(mac, g->eth))
		usage();
	if (open_out(g, ifname, pcap)) {
		perror("napt_fuzz_pkt: cannot open the output");
		return 1;
	}

	classes = g->lan ? lan_classes : wan_classes;
	for (c = classes; c->name; c++) {
		/* --only invalid also takes the martians */
		if (g->only >= 0 && (int)c->range != g->only &&
		    !(g->only == R_INVALID && c->range == R_MARTIAN))
			c->weight = 0;
		wsum += c->weight;
	}
	if (!wsum)
		usage();
	printf("seed %lu\n", seed);
	fflush(stdout);
	while (g->total < count) {
		w = rn(g, wsum);
		for (c = classes; w >= c->weight; c++)
			w -= c->weight;
		g->cls = c;
		g->range = c->range;
		g->cur_src = 0;
		g->no_model = false;
		c->fn(g);
	}
	if (g->pcap)
		fclose(g->pcap);
	else if (g->nbatch)
		flush(g);

	printf("side %s\n", g->lan ? "lan" : "wan");
	for (c = classes; c->name; c++)
		if (c->weight)
			printf("class %s %lu\n", c->name, c->sent);
	printf("fragmented-datagrams %lu\n", g->frag_dgrams);
	if (g->lan) {
		for (o = 0; o < R_NR; o++)
			printf("range %s %lu\n", range_name[o],
			       g->sent_by_range[o]);
		printf("reclassified %lu\n", g->reclassified);
		printf("skipped %lu\n", g->skipped);
		printf("frag-seq-next %lu\n", (unsigned long)g->frag_seq);
	} else {
		printf("expect drop-no-mapping %lu\n", g->exp_nomap);
		printf("expect drop-malformed %lu\n", g->exp_malformed);
		printf("expect icmp-err-live %lu\n", g->icmperr_live);
	}
	printf("send-errors %lu\n", g->send_errors);
	printf("total %lu\n", g->total);
	return 0;
}
