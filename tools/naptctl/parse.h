/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of the command line: numbers, ports, port ranges, addresses,
 * endpoints, prefixes, protocols, interface names, and the bookkeeping of
 * keyword lists (values, duplicates).
 *
 * Every parser returns 0, or -1 after parse_fail() has recorded one line
 * saying what is wrong. The caller decides how to print it: the command
 * line prints "naptctl: <why>", restore prints "naptctl: FILE:LINE: <why>".
 * Nothing here touches the network.
 */
#ifndef NAPTCTL_PARSE_H
#define NAPTCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct port_range {
	uint16_t min;
	uint16_t max;
};

struct ipv4_prefix {
	struct in_addr addr;
	uint8_t len;
};

void parse_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *parse_error(void);

/* Decimal only, no sign, no blanks, no trailing junk, min..max. No message. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *value);

int parse_port(const char *s, uint16_t *port);
/* "LO-HI" or "P" (= P-P). */
int parse_port_range(const char *s, struct port_range *range);
int parse_ipv4(const char *s, struct in_addr *addr);
/* "A.B.C.D", "A.B.C.D:P" or "A.B.C.D:P-P2"; *has_ports says which. */
int parse_endpoint(const char *s, struct in_addr *addr,
		   struct port_range *ports, bool *has_ports);
/* "A.B.C.D/LEN" or a bare address (= /32); host bits must be zero. */
int parse_prefix(const char *s, struct ipv4_prefix *prefix);
/* tcp, udp, icmp, a number 0-255 or a name from /etc/protocols. */
int parse_ip_proto(const char *s, uint8_t *proto);
/* tcp or udp only (forwards). */
int parse_tcp_udp(const char *s, uint8_t *proto);
/* 1 to IFNAMSIZ-1 bytes, no '/', ':' or blanks; copied into ifname. */
int parse_ifname(const char *s, char *ifname, size_t size);

/* "tcp", "udp", "icmp", the /etc/protocols name or the number. */
const char *ip_proto_name(uint8_t proto, char *buf, size_t size);

/* Formatters shared by tables, save and JSON. */
#define ADDR_STR_MAX	16	/* "255.255.255.255" */
#define RANGE_STR_MAX	12	/* "65535-65535" */
#define PREFIX_STR_MAX	19	/* "255.255.255.255/32" */
const char *format_ipv4(struct in_addr addr, char *buf);
const char *format_port_range(struct port_range range, char *buf);
const char *format_prefix(const struct ipv4_prefix *prefix, char *buf);

bool word_is(const char *arg, const char *word);
bool word_is_help(const char *arg);

/*
 * Keyword lists. parse_value() takes the word after argv[*i] as the
 * keyword's value and advances *i; parse_once() refuses a keyword given
 * twice (bit is the keyword's own bit in *seen).
 */
int parse_value(int argc, char **argv, int *i, const char **value);
int parse_once(unsigned int *seen, unsigned int bit, const char *keyword);

#endif /* NAPTCTL_PARSE_H */
