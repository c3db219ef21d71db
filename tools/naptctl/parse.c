// SPDX-License-Identifier: GPL-2.0
/* The words of the command line; see parse.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static char last_error[512];

void parse_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *parse_error(void)
{
	return last_error[0] ? last_error : "invalid input";
}

int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *value)
{
	unsigned long long v;
	char *end;

	/* strtoull alone would take blanks, signs and "" */
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

int parse_port(const char *s, uint16_t *port)
{
	unsigned long long v;

	if (parse_uint(s, 1, 65535, &v)) {
		parse_fail("bad port '%s' (expected 1-65535)", s);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int parse_port_range(const char *s, struct port_range *range)
{
	char first[8], *dash;
	const char *second;
	size_t len;

	dash = strchr(s, '-');
	if (!dash) {
		if (parse_port(s, &range->min))
			return -1;
		range->max = range->min;
		return 0;
	}
	len = (size_t)(dash - s);
	second = dash + 1;
	if (len == 0 || *second == '\0' || strchr(second, '-')) {
		parse_fail("bad port range '%s'", s);
		return -1;
	}
	if (len >= sizeof(first)) {
		parse_fail("bad port '%.*s' (expected 1-65535)", (int)len, s);
		return -1;
	}
	memcpy(first, s, len);
	first[len] = '\0';
	if (parse_port(first, &range->min) || parse_port(second, &range->max))
		return -1;
	if (range->min > range->max) {
		parse_fail("bad port range '%s' (start above end)", s);
		return -1;
	}
	return 0;
}

int parse_ipv4(const char *s, struct in_addr *addr)
{
	/* inet_pton takes exactly four dotted decimals: no "10.1", no hex */
	if (inet_pton(AF_INET, s, addr) != 1) {
		parse_fail("bad address '%s'", s);
		return -1;
	}
	return 0;
}

int parse_endpoint(const char *s, struct in_addr *addr,
		   struct port_range *ports, bool *has_ports)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	if (len >= sizeof(host)) {
		parse_fail("bad address '%.*s'", (int)len, s);
		return -1;
	}
	memcpy(host, s, len);
	host[len] = '\0';
	if (parse_ipv4(host, addr))
		return -1;
	*has_ports = colon != NULL;
	if (!colon)
		return 0;
	if (colon[1] == '\0') {
		parse_fail("missing port after ':' in '%s'", s);
		return -1;
	}
	return parse_port_range(colon + 1, ports);
}

int parse_prefix(const char *s, struct ipv4_prefix *prefix)
{
	char host[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long long plen = 32;
	uint32_t mask;

	if (len >= sizeof(host)) {
		parse_fail("bad address '%.*s'", (int)len, s);
		return -1;
	}
	memcpy(host, s, len);
	host[len] = '\0';
	if (parse_ipv4(host, &prefix->addr))
		return -1;
	if (slash && parse_uint(slash + 1, 0, 32, &plen)) {
		parse_fail("bad prefix length '%s' in '%s' (expected 0-32)",
			   slash + 1, s);
		return -1;
	}
	prefix->len = (uint8_t)plen;
	mask = plen ? htonl(~0U << (32 - plen)) : 0;
	if (prefix->addr.s_addr & ~mask) {
		struct ipv4_prefix network = {
			.addr.s_addr = prefix->addr.s_addr & mask,
			.len = prefix->len,
		};
		char buf[PREFIX_STR_MAX];

		parse_fail("bad prefix '%s' (host bits set; did you mean %s?)",
			   s, format_prefix(&network, buf));
		return -1;
	}
	return 0;
}

int parse_ip_proto(const char *s, uint8_t *proto)
{
	unsigned long long v;
	struct protoent *pe;

	if (word_is(s, "tcp")) {
		*proto = IPPROTO_TCP;
	} else if (word_is(s, "udp")) {
		*proto = IPPROTO_UDP;
	} else if (word_is(s, "icmp")) {
		*proto = IPPROTO_ICMP;
	} else if (isdigit((unsigned char)s[0])) {
		if (parse_uint(s, 0, 255, &v)) {
			parse_fail("bad protocol '%s' (expected 0-255 or a name)", s);
			return -1;
		}
		*proto = (uint8_t)v;
	} else {
		pe = getprotobyname(s);
		endprotoent();
		if (!pe || pe->p_proto < 0 || pe->p_proto > 255) {
			parse_fail("unknown protocol '%s'", s);
			return -1;
		}
		*proto = (uint8_t)pe->p_proto;
	}
	return 0;
}

int parse_tcp_udp(const char *s, uint8_t *proto)
{
	if (word_is(s, "tcp")) {
		*proto = IPPROTO_TCP;
	} else if (word_is(s, "udp")) {
		*proto = IPPROTO_UDP;
	} else {
		parse_fail("bad protocol '%s' (expected tcp or udp)", s);
		return -1;
	}
	return 0;
}

int parse_ifname(const char *s, char *ifname, size_t size)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ || len >= size) {
		parse_fail("bad interface name '%s' (1-%d bytes)", s, IFNAMSIZ - 1);
		return -1;
	}
	/* what the kernel's dev_valid_name() refuses */
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\v\f")) {
		parse_fail("bad interface name '%s'", s);
		return -1;
	}
	memcpy(ifname, s, len + 1);
	return 0;
}

const char *ip_proto_name(uint8_t proto, char *buf, size_t size)
{
	struct protoent *pe;

	/* built in, so a system without /etc/protocols still says "tcp" */
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	pe = getprotobynumber(proto);
	if (pe && pe->p_name)
		snprintf(buf, size, "%s", pe->p_name);
	else
		snprintf(buf, size, "%u", proto);
	endprotoent();
	return buf;
}

const char *format_ipv4(struct in_addr addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, ADDR_STR_MAX);
}

const char *format_port_range(struct port_range range, char *buf)
{
	if (range.min == range.max)
		snprintf(buf, RANGE_STR_MAX, "%u", range.min);
	else
		snprintf(buf, RANGE_STR_MAX, "%u-%u", range.min, range.max);
	return buf;
}

const char *format_prefix(const struct ipv4_prefix *prefix, char *buf)
{
	char addr[ADDR_STR_MAX];

	snprintf(buf, PREFIX_STR_MAX, "%s/%u",
		 format_ipv4(prefix->addr, addr), prefix->len);
	return buf;
}

bool word_is(const char *arg, const char *word)
{
	return strcmp(arg, word) == 0;
}

bool word_is_help(const char *arg)
{
	return word_is(arg, "help") || word_is(arg, "-h") ||
	       word_is(arg, "--help");
}

int parse_value(int argc, char **argv, int *i, const char **value)
{
	if (*i + 1 >= argc) {
		parse_fail("missing value after '%s'", argv[*i]);
		return -1;
	}
	*i += 1;
	*value = argv[*i];
	return 0;
}

int parse_once(unsigned int *seen, unsigned int bit, const char *keyword)
{
	if (*seen & bit) {
		parse_fail("'%s' given twice", keyword);
		return -1;
	}
	*seen |= bit;
	return 0;
}
