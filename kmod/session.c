// SPDX-License-Identifier: GPL-2.0
/*
 * Session lifetime: which timeout applies (RFC 4787 REQ-5, RFC 5382 REQ-5,
 * RFC 5508 REQ-2) and the little TCP state the timeouts need. Runs on the
 * packet path, locklessly: a session's state word changes with atomic
 * operations, its expiry with WRITE_ONCE.
 */
#include <net/tcp.h>
#include "napt.h"

static bool napt_tcp_established(u32 st)
{
	if (st & (NAPT_TCP_FIN_OUT | NAPT_TCP_FIN_IN | NAPT_TCP_RST))
		return false;
	if ((st & NAPT_TCP_SYN_OUT) && (st & NAPT_TCP_SYN_IN))
		return true;
	/* Picked up mid-stream (after a flush, say): once both sides talk. */
	return (st & NAPT_TCP_PICKUP) && (st & NAPT_TCP_SEEN_IN);
}

unsigned long napt_session_timeout(const struct napt_cfg *cfg, u8 proto,
				   u32 tcp)
{
	enum napt_timeout to;

	switch (proto) {
	case IPPROTO_TCP:
		to = napt_tcp_established(tcp) ? NAPT_TO_TCP_EST :
						 NAPT_TO_TCP_TRANS;
		break;
	case IPPROTO_UDP:
		to = NAPT_TO_UDP;
		break;
	case IPPROTO_ICMP:
		to = NAPT_TO_ICMP;
		break;
	default:
		to = NAPT_TO_OTHER;
		break;
	}
	return (unsigned long)cfg->timeout[to] * HZ;
}

/* The TCP state after a segment with @flags, from @old. */
static u32 napt_tcp_next(u32 old, u8 flags, bool inbound)
{
	u32 st = old;

	/* A fresh SYN on a closed or reset session opens a new connection. */
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN &&
	    (st & (NAPT_TCP_FIN_OUT | NAPT_TCP_FIN_IN | NAPT_TCP_RST)))
		st &= NAPT_SESS_DEAD;
	if (!(st & (NAPT_TCP_SYN_OUT | NAPT_TCP_SYN_IN | NAPT_TCP_PICKUP)) &&
	    !(flags & TCPHDR_SYN))
		st |= NAPT_TCP_PICKUP;
	if (flags & TCPHDR_SYN)
		st |= inbound ? NAPT_TCP_SYN_IN : NAPT_TCP_SYN_OUT;
	if (flags & TCPHDR_FIN)
		st |= inbound ? NAPT_TCP_FIN_IN : NAPT_TCP_FIN_OUT;
	if (flags & TCPHDR_RST)
		st |= NAPT_TCP_RST;
	if (inbound)
		st |= NAPT_TCP_SEEN_IN;
	return st;
}

/*
 * A packet of session @s went through (@inbound or out) with TCP flags
 * @flags (0 for other protocols): advance the state and push the expiry of
 * the session and of its mapping. Both directions refresh (RFC 4787
 * REQ-6 allows inbound refresh; users expect it).
 */
void napt_session_update(const struct napt_cfg *cfg, struct napt_mapping *m,
			 struct napt_session *s, u8 flags, bool inbound)
{
	u8 proto = m->ikey.proto;
	unsigned long expires;
	u32 st = 0;

	if (proto == IPPROTO_TCP) {
		u32 old = atomic_read(&s->tcp);

		st = napt_tcp_next(old, flags, inbound);
		/*
		 * One attempt: a lost race with the other direction only
		 * delays a state change to the next segment.
		 */
		if (st != old)
			atomic_cmpxchg(&s->tcp, old, st);
	}
	expires = jiffies + napt_session_timeout(cfg, proto, st);
	if (READ_ONCE(s->expires) != expires)
		WRITE_ONCE(s->expires, expires);
	/*
	 * The mapping lives as long as its longest-lived session. With one
	 * session (most mappings) that is exactly the session's expiry, so
	 * a closing connection shortens it too; with several it is the
	 * latest seen, which may outlast a session that closed since, until
	 * expiry reclaims that one.
	 */
	if (READ_ONCE(m->nsessions) == 1 ||
	    time_after(expires, READ_ONCE(m->expires)))
		WRITE_ONCE(m->expires, expires);
}

bool napt_session_alive(const struct napt_session *s)
{
	return time_before(jiffies, READ_ONCE(s->expires)) &&
	       !(atomic_read(&s->tcp) & NAPT_SESS_DEAD);
}

/* A dynamic mapping is alive while one of its sessions is. */
bool napt_mapping_alive(const struct napt_mapping *m)
{
	if (napt_mapping_is_static(m))
		return true;
	return READ_ONCE(m->nsessions) &&
	       time_before(jiffies, READ_ONCE(m->expires));
}
