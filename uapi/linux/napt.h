/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * napt: a router's NAPT (RFC 3022 "traditional NAT") as a kernel module.
 *
 * This header is the whole protocol between the module and its tools. It
 * is carried over generic netlink, family NAPT_GENL_NAME, and it is the
 * documentation of that protocol: every command, every attribute, its
 * type, its range and what happens when it is absent are written here.
 *
 * Conventions
 * -----------
 * - One instance per network namespace: every command acts on the
 *   namespace of the socket that sends it.
 * - Every command but NAPT_CMD_VERSION_GET needs CAP_NET_ADMIN in the
 *   initial user namespace; without it the answer is -EPERM.
 * - Attributes are validated strictly: an attribute a command does not
 *   list below is refused with -EINVAL, as are wrong lengths and values
 *   outside the documented range. A refused request changes nothing; the
 *   extended ACK carries a message saying what was wrong.
 * - Addresses are IPv4, network byte order (__be32). Ports, counts and
 *   timeouts are host byte order.
 * - Dumps (NLM_F_DUMP) send one object per message.
 *
 * Words (see behaviour notes): an internal endpoint X:x is a LAN host and
 * port; W is the WAN (external) address; a mapping binds X:x to W:w for
 * one protocol; a session is a mapping talking to one remote Y:y; a
 * forward is a static mapping W:p -> X:x made by the administrator.
 */
#ifndef _UAPI_LINUX_NAPT_H
#define _UAPI_LINUX_NAPT_H

#define NAPT_GENL_NAME		"napt"
#define NAPT_GENL_VERSION	1

/* Defaults of every setting, restored by NAPT_CMD_RESTORE when absent. */
#define NAPT_DEFAULT_PORT_MIN		1024
#define NAPT_DEFAULT_PORT_MAX		32767
#define NAPT_DEFAULT_TIMEOUT_UDP	300	/* RFC 4787 REQ-5 */
#define NAPT_DEFAULT_TIMEOUT_TCP_EST	7440	/* RFC 5382 REQ-5 */
#define NAPT_DEFAULT_TIMEOUT_TCP_TRANS	240	/* RFC 5382 REQ-5 */
#define NAPT_DEFAULT_TIMEOUT_ICMP	60	/* RFC 5508 REQ-2 */
#define NAPT_DEFAULT_TIMEOUT_OTHER	600	/* as nf_conntrack's generic */
#define NAPT_DEFAULT_MAX_MAPPINGS	65536
#define NAPT_DEFAULT_MAX_PER_HOST	8192

/* Limits of the settings above. */
#define NAPT_TIMEOUT_MAX		604800	/* seconds, one week */
#define NAPT_MAX_MAPPINGS_LIMIT		16777216
#define NAPT_DESCR_MAX			64	/* bytes, with the NUL */
/* Static mappings (forward ports x protocols) per instance. */
#define NAPT_MAX_STATIC			65536

/**
 * enum napt_filtering - which inbound packets may use a dynamic mapping
 * @NAPT_FILTER_EIF: endpoint-independent: anyone, once the mapping exists
 *	("full cone", RFC 4787 section 5).
 * @NAPT_FILTER_ADF: address-dependent: only remote addresses the internal
 *	endpoint has sent to (the default).
 * @NAPT_FILTER_APDF: address- and port-dependent: only remote address and
 *	port pairs the internal endpoint has sent to.
 *
 * Forwards are not filtered this way; NAPT_FWD_A_FROM_* restricts them.
 */
enum napt_filtering {
	NAPT_FILTER_EIF,
	NAPT_FILTER_ADF,
	NAPT_FILTER_APDF,
	__NAPT_FILTER_MAX
};

#define NAPT_FILTER_MAX (__NAPT_FILTER_MAX - 1)

/**
 * enum napt_cmd - generic netlink commands
 * @NAPT_CMD_UNSPEC: never used.
 * @NAPT_CMD_VERSION_GET: no attributes. Reply: %NAPT_A_VERSION. The only
 *	command open to unprivileged callers.
 * @NAPT_CMD_WAN_SET: turn NAPT on for a WAN interface, or change it.
 *	%NAPT_A_WAN_IFNAME (required): the interface, which must exist
 *	(-ENODEV). napt holds it by name: if it goes away (a PPP link that
 *	comes and goes), NAPT pauses and resumes when an interface of that
 *	name appears again. %NAPT_A_WAN_ADDR (optional): a
 *	fixed external address; without it the address follows the
 *	interface's primary IPv4 address, like MASQUERADE (also after a
 *	fixed one: every WAN_SET says it all again). When the
 *	effective address changes, dynamic mappings are flushed; forwards
 *	stay.
 * @NAPT_CMD_WAN_DEL: turn NAPT off: no attributes. Dynamic mappings are
 *	flushed; forwards and settings are kept for the next WAN_SET.
 *	-ENOENT if NAPT is off.
 * @NAPT_CMD_CONFIG_GET: no attributes. Reply: every setting attribute
 *	below, and the WAN attributes when NAPT is on: %NAPT_A_WAN_IFNAME,
 *	%NAPT_A_WAN_IFINDEX (0 while the interface is missing),
 *	%NAPT_A_WAN_ADDR (the effective address; absent while unknown) and
 *	%NAPT_A_WAN_ADDR_FIXED.
 * @NAPT_CMD_CONFIG_SET: change settings: any non-empty subset of
 *	%NAPT_A_PORT_MIN and %NAPT_A_PORT_MAX (both together),
 *	%NAPT_A_TIMEOUT_*, %NAPT_A_MAX_MAPPINGS, %NAPT_A_MAX_PER_HOST,
 *	%NAPT_A_FILTERING. All applied or none. Live mappings are kept: a
 *	new port range, timeout or cap applies to what happens next.
 * @NAPT_CMD_MAPPING_GET: dump of dynamic mappings. Optional filter in a
 *	%NAPT_A_MAPPING nest: %NAPT_MAP_A_PROTO, %NAPT_MAP_A_INT_ADDR,
 *	%NAPT_MAP_A_INT_PORT (needs INT_ADDR: without it the dump ends at
 *	once in an NLMSG_DONE of -EINVAL, with an extack message). Each
 *	reply message holds one %NAPT_A_MAPPING nest.
 * @NAPT_CMD_MAPPING_FLUSH: delete every dynamic mapping and its sessions.
 *	No attributes. Forwards are not touched.
 * @NAPT_CMD_FORWARD_ADD: one %NAPT_A_FORWARD nest (see enum
 *	napt_forward_attr). Refused: a port range that overlaps an existing
 *	forward of the same protocol, an external port a live dynamic
 *	mapping holds (-EBUSY), an internal endpoint a live dynamic mapping
 *	holds (-EBUSY), an internal address that is not unicast, internal
 *	and external ranges of unequal length (unless the internal range is
 *	a single port), more than %NAPT_MAX_STATIC static mappings (-ENOSPC).
 * @NAPT_CMD_FORWARD_DEL: one %NAPT_A_FORWARD nest with
 *	%NAPT_FWD_A_EXT_PORT_MIN and, optionally, %NAPT_FWD_A_PROTO: deletes
 *	the forward whose external range starts at that port, for that
 *	protocol only (a forward for both keeps the other), or for both when
 *	absent. -ENOENT if none.
 * @NAPT_CMD_FORWARD_GET: dump of forwards, one %NAPT_A_FORWARD per message,
 *	in order of external port. A reply always carries both ends of both
 *	ranges; %NAPT_FWD_A_PROTO only when the forward is for one protocol.
 * @NAPT_CMD_FORWARD_FLUSH: delete every forward. No attributes.
 * @NAPT_CMD_STATS_GET: no attributes. Reply: one %NAPT_A_STATS nest.
 * @NAPT_CMD_RESTORE: replace the whole configuration at once: the WAN
 *	(%NAPT_A_WAN_IFNAME and optional %NAPT_A_WAN_ADDR; absent: NAPT off),
 *	every setting (absent: its default) and the forwards (any number of
 *	%NAPT_A_FORWARD nests; the old ones are dropped). Validated whole
 *	before anything changes: one bad part and nothing changes.
 */
enum napt_cmd {
	NAPT_CMD_UNSPEC,
	NAPT_CMD_VERSION_GET,
	NAPT_CMD_WAN_SET,
	NAPT_CMD_WAN_DEL,
	NAPT_CMD_CONFIG_GET,
	NAPT_CMD_CONFIG_SET,
	NAPT_CMD_MAPPING_GET,
	NAPT_CMD_MAPPING_FLUSH,
	NAPT_CMD_FORWARD_ADD,
	NAPT_CMD_FORWARD_DEL,
	NAPT_CMD_FORWARD_GET,
	NAPT_CMD_FORWARD_FLUSH,
	NAPT_CMD_STATS_GET,
	NAPT_CMD_RESTORE,
	__NAPT_CMD_MAX
};

#define NAPT_CMD_MAX (__NAPT_CMD_MAX - 1)

/**
 * enum napt_attr - top-level attributes
 * @NAPT_A_UNSPEC: never used.
 * @NAPT_A_PAD: padding for 64-bit attributes.
 * @NAPT_A_VERSION: string, the module's version.
 * @NAPT_A_WAN_IFNAME: string, less than IFNAMSIZ bytes.
 * @NAPT_A_WAN_IFINDEX: u32, reply only; 0 while the interface is missing.
 * @NAPT_A_WAN_ADDR: __be32; a unicast address. See the commands.
 * @NAPT_A_WAN_ADDR_FIXED: flag, reply only: the address was set by hand.
 * @NAPT_A_PORT_MIN: u16, 1..65535: the lowest port (and ICMP identifier)
 *	handed out to dynamic mappings. Default %NAPT_DEFAULT_PORT_MIN.
 * @NAPT_A_PORT_MAX: u16, PORT_MIN..65535: the highest one. The range may
 *	not overlap the namespace's net.ipv4.ip_local_port_range, so that
 *	the router's own connections never collide with mappings.
 * @NAPT_A_TIMEOUT_UDP: u32 seconds, 1..%NAPT_TIMEOUT_MAX: idle timeout
 *	of a UDP session.
 * @NAPT_A_TIMEOUT_TCP_EST: u32 seconds, 1..%NAPT_TIMEOUT_MAX: idle timeout
 *	of an established TCP session.
 * @NAPT_A_TIMEOUT_TCP_TRANS: u32 seconds, 1..%NAPT_TIMEOUT_MAX: idle
 *	timeout of a TCP session that is opening, closing or reset.
 * @NAPT_A_TIMEOUT_ICMP: u32 seconds, 1..%NAPT_TIMEOUT_MAX: ICMP queries.
 * @NAPT_A_TIMEOUT_OTHER: u32 seconds, 1..%NAPT_TIMEOUT_MAX: other IP
 *	protocols (address-only translation).
 * @NAPT_A_MAX_MAPPINGS: u32, 1..%NAPT_MAX_MAPPINGS_LIMIT: dynamic mappings
 *	per instance. Past it new flows are dropped and counted; live ones
 *	are never evicted.
 * @NAPT_A_MAX_PER_HOST: u32, 1..%NAPT_MAX_MAPPINGS_LIMIT: dynamic mappings
 *	per internal address, likewise.
 * @NAPT_A_FILTERING: u8, enum napt_filtering.
 * @NAPT_A_MAPPING: nest, enum napt_mapping_attr.
 * @NAPT_A_FORWARD: nest, enum napt_forward_attr.
 * @NAPT_A_STATS: nest, enum napt_stats_attr.
 */
enum napt_attr {
	NAPT_A_UNSPEC,
	NAPT_A_PAD,
	NAPT_A_VERSION,
	NAPT_A_WAN_IFNAME,
	NAPT_A_WAN_IFINDEX,
	NAPT_A_WAN_ADDR,
	NAPT_A_WAN_ADDR_FIXED,
	NAPT_A_PORT_MIN,
	NAPT_A_PORT_MAX,
	NAPT_A_TIMEOUT_UDP,
	NAPT_A_TIMEOUT_TCP_EST,
	NAPT_A_TIMEOUT_TCP_TRANS,
	NAPT_A_TIMEOUT_ICMP,
	NAPT_A_TIMEOUT_OTHER,
	NAPT_A_MAX_MAPPINGS,
	NAPT_A_MAX_PER_HOST,
	NAPT_A_FILTERING,
	NAPT_A_MAPPING,
	NAPT_A_FORWARD,
	NAPT_A_STATS,
	__NAPT_A_MAX
};

#define NAPT_A_MAX (__NAPT_A_MAX - 1)

/**
 * enum napt_mapping_attr - a dynamic mapping (in %NAPT_A_MAPPING)
 * @NAPT_MAP_A_UNSPEC: never used.
 * @NAPT_MAP_A_PAD: padding for 64-bit attributes.
 * @NAPT_MAP_A_PROTO: u8, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or any
 *	other IP protocol (address-only translation).
 * @NAPT_MAP_A_INT_ADDR: __be32, the internal address X.
 * @NAPT_MAP_A_INT_PORT: u16, the internal port x (ICMP: the query
 *	identifier). Absent for address-only protocols.
 * @NAPT_MAP_A_EXT_ADDR: __be32, the external address W.
 * @NAPT_MAP_A_EXT_PORT: u16, the external port w (ICMP: identifier).
 *	Absent for address-only protocols.
 * @NAPT_MAP_A_REM_ADDR: __be32, address-only protocols: the one remote
 *	address this mapping serves.
 * @NAPT_MAP_A_SESSIONS: u32, live sessions (remote endpoints) in use.
 * @NAPT_MAP_A_EXPIRES_MS: u64, milliseconds until the mapping expires if
 *	idle; 0 when it has expired and waits to be reclaimed.
 */
enum napt_mapping_attr {
	NAPT_MAP_A_UNSPEC,
	NAPT_MAP_A_PAD,
	NAPT_MAP_A_PROTO,
	NAPT_MAP_A_INT_ADDR,
	NAPT_MAP_A_INT_PORT,
	NAPT_MAP_A_EXT_ADDR,
	NAPT_MAP_A_EXT_PORT,
	NAPT_MAP_A_REM_ADDR,
	NAPT_MAP_A_SESSIONS,
	NAPT_MAP_A_EXPIRES_MS,
	__NAPT_MAP_A_MAX
};

#define NAPT_MAP_A_MAX (__NAPT_MAP_A_MAX - 1)

/**
 * enum napt_forward_attr - a forward (in %NAPT_A_FORWARD)
 * @NAPT_FWD_A_UNSPEC: never used.
 * @NAPT_FWD_A_PAD: padding for 64-bit attributes.
 * @NAPT_FWD_A_PROTO: u8, IPPROTO_TCP or IPPROTO_UDP; absent: both.
 * @NAPT_FWD_A_EXT_PORT_MIN: u16, 1..65535, required: first external port.
 * @NAPT_FWD_A_EXT_PORT_MAX: u16, EXT_PORT_MIN..65535; absent: EXT_PORT_MIN.
 * @NAPT_FWD_A_INT_ADDR: __be32, required on add: a unicast address.
 * @NAPT_FWD_A_INT_PORT_MIN: u16, 1..65535; absent: EXT_PORT_MIN.
 * @NAPT_FWD_A_INT_PORT_MAX: u16; absent: INT_PORT_MIN plus the external
 *	range's length. The internal range has the external range's length
 *	(ports map one to one) or is a single port (all external ports go
 *	to it; the host's own outbound traffic from that port leaves from
 *	EXT_PORT_MIN).
 * @NAPT_FWD_A_FROM_ADDR: __be32: admit only remote sources in this prefix.
 *	Absent: any source.
 * @NAPT_FWD_A_FROM_PLEN: u8, 0..32, with FROM_ADDR (required with it). The
 *	host bits of FROM_ADDR must be zero.
 * @NAPT_FWD_A_DESCR: string, less than %NAPT_DESCR_MAX bytes: the
 *	administrator's note.
 * @NAPT_FWD_A_HITS: u64, reply only: packets that came in through it.
 */
enum napt_forward_attr {
	NAPT_FWD_A_UNSPEC,
	NAPT_FWD_A_PAD,
	NAPT_FWD_A_PROTO,
	NAPT_FWD_A_EXT_PORT_MIN,
	NAPT_FWD_A_EXT_PORT_MAX,
	NAPT_FWD_A_INT_ADDR,
	NAPT_FWD_A_INT_PORT_MIN,
	NAPT_FWD_A_INT_PORT_MAX,
	NAPT_FWD_A_FROM_ADDR,
	NAPT_FWD_A_FROM_PLEN,
	NAPT_FWD_A_DESCR,
	NAPT_FWD_A_HITS,
	__NAPT_FWD_A_MAX
};

#define NAPT_FWD_A_MAX (__NAPT_FWD_A_MAX - 1)

/**
 * enum napt_stats_attr - counters (in %NAPT_A_STATS); all u64 unless said
 * @NAPT_STATS_A_UNSPEC: never used.
 * @NAPT_STATS_A_PAD: padding for 64-bit attributes.
 * @NAPT_STATS_A_XLATE_OUT: packets translated on the way out.
 * @NAPT_STATS_A_XLATE_IN: packets translated on the way in.
 * @NAPT_STATS_A_HAIRPIN: packets from the LAN to W sent back into the LAN.
 * @NAPT_STATS_A_ICMP_ERR: ICMP errors whose embedded packet was translated.
 * @NAPT_STATS_A_DROP_NO_MAPPING: inbound packets for napt's ports (or ICMP
 *	errors) that matched no mapping.
 * @NAPT_STATS_A_DROP_FILTERED: inbound packets refused by the filtering
 *	mode or by a forward's source prefix.
 * @NAPT_STATS_A_DROP_NO_PORT: new flows with no free external port.
 * @NAPT_STATS_A_DROP_TABLE_FULL: new flows past %NAPT_A_MAX_MAPPINGS.
 * @NAPT_STATS_A_DROP_HOST_CAP: new flows past %NAPT_A_MAX_PER_HOST.
 * @NAPT_STATS_A_DROP_MALFORMED: packets napt had to read and could not:
 *	truncated headers, bad embedded packets.
 * @NAPT_STATS_A_DROP_UNSUPPORTED: outbound packets napt cannot translate
 *	(an ICMP type that is neither a query nor an error, a fragment).
 * @NAPT_STATS_A_DROP_NOMEM: new flows refused for want of memory.
 * @NAPT_STATS_A_MAPPINGS_CREATED: dynamic mappings made.
 * @NAPT_STATS_A_MAPPINGS_EXPIRED: dynamic mappings reclaimed after expiry.
 * @NAPT_STATS_A_MAPPINGS: u32, dynamic mappings alive now.
 * @NAPT_STATS_A_SESSIONS: u32, sessions alive now.
 * @NAPT_STATS_A_FORWARD_HITS: packets that came in through any forward.
 */
enum napt_stats_attr {
	NAPT_STATS_A_UNSPEC,
	NAPT_STATS_A_PAD,
	NAPT_STATS_A_XLATE_OUT,
	NAPT_STATS_A_XLATE_IN,
	NAPT_STATS_A_HAIRPIN,
	NAPT_STATS_A_ICMP_ERR,
	NAPT_STATS_A_DROP_NO_MAPPING,
	NAPT_STATS_A_DROP_FILTERED,
	NAPT_STATS_A_DROP_NO_PORT,
	NAPT_STATS_A_DROP_TABLE_FULL,
	NAPT_STATS_A_DROP_HOST_CAP,
	NAPT_STATS_A_DROP_MALFORMED,
	NAPT_STATS_A_DROP_UNSUPPORTED,
	NAPT_STATS_A_DROP_NOMEM,
	NAPT_STATS_A_MAPPINGS_CREATED,
	NAPT_STATS_A_MAPPINGS_EXPIRED,
	NAPT_STATS_A_MAPPINGS,
	NAPT_STATS_A_SESSIONS,
	NAPT_STATS_A_FORWARD_HITS,
	__NAPT_STATS_A_MAX
};

#define NAPT_STATS_A_MAX (__NAPT_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_NAPT_H */
