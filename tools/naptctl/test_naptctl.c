// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of naptctl, no napt module needed: every grammar form and
 * its refusals, the messages built for the kernel (walked back with
 * libmnl), reply decoding, tables and JSON, the restore file format and
 * a save -> restore round trip, and extended ACK parsing (from made-up
 * messages, and from the running kernel's genl controller when netlink
 * is there). Output is TAP; exit status 1 if anything failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/napt.h>
#include <linux/netlink.h>

#include "cli.h"
#include "config.h"
#include "forward.h"
#include "json.h"
#include "mapping.h"
#include "nl.h"
#include "parse.h"
#include "saverestore.h"
#include "stats.h"
#include "wan.h"

static int failures;	/* in the current test */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: failed: %s\n", __FILE__,	\
			       __LINE__, #cond);			\
			failures++;					\
		}							\
	} while (0)

#define CHECK_STR(got, expected)					\
	check_str(__FILE__, __LINE__, #got, (got), (expected))

#define CHECK_UINT(got, expected)					\
	check_uint(__FILE__, __LINE__, #got, (got), (expected))

static void check_str(const char *file, int line, const char *what,
		      const char *got, const char *expected)
{
	if (got && strcmp(got, expected) == 0)
		return;
	printf("#   %s:%d: %s\n#     got:      '%s'\n#     expected: '%s'\n",
	       file, line, what, got ? got : "(null)", expected);
	failures++;
}

static void check_uint(const char *file, int line, const char *what,
		       unsigned long long got, unsigned long long expected)
{
	if (got == expected)
		return;
	printf("#   %s:%d: %s: got %llu, expected %llu\n", file, line, what,
	       got, expected);
	failures++;
}

/* A parse must succeed; say why if it did not. */
#define PARSE_OK(call)							\
	do {								\
		if ((call) != 0) {					\
			printf("#   %s:%d: refused: %s: %s\n", __FILE__,	\
			       __LINE__, #call, parse_error());		\
			failures++;					\
		}							\
	} while (0)

/* A parse must fail with exactly this message. */
#define PARSE_FAILS(call, message)					\
	do {								\
		if ((call) == 0) {					\
			printf("#   %s:%d: accepted: %s\n", __FILE__,	\
			       __LINE__, #call);			\
			failures++;					\
		} else {						\
			CHECK_STR(parse_error(), message);		\
		}							\
	} while (0)

/* Words of a command line, split like a restore file line. */
static char **words(const char *line, int *argc)
{
	static char buf[4096];
	static char *argv[LINE_WORDS_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", line);
	if (tokenize_line(buf, argv, LINE_WORDS_MAX, argc)) {
		printf("# cannot split '%s': %s\n", line, parse_error());
		*argc = 0;
	}
	argv[*argc] = NULL;
	return argv;
}

static int fwd_add(const char *line, struct napt_forward *fwd)
{
	int argc;
	char **argv = words(line, &argc);

	return forward_parse_add(argc, argv, fwd);
}

static int fwd_del(const char *line, struct napt_forward *fwd)
{
	int argc;
	char **argv = words(line, &argc);

	return forward_parse_del(argc, argv, fwd);
}

static int wan_set(const char *line, struct napt_wan *wan)
{
	int argc;
	char **argv = words(line, &argc);

	return wan_parse_set(argc, argv, wan);
}

static int set(const char *line, struct napt_settings *st)
{
	int argc;
	char **argv = words(line, &argc);

	*st = (struct napt_settings){ 0 };
	return settings_parse(argc, argv, st);
}

static int map_filter(const char *line, struct mapping_filter *filter)
{
	int argc;
	char **argv = words(line, &argc);

	return mapping_parse_filter(argc, argv, filter);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* The attributes of one level of a message, in order. */
struct attrs {
	int count;
	uint16_t type[32];
	const struct nlattr *attr[32];
};

static int collect_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;

	if (a->count < 32) {
		a->type[a->count] = mnl_attr_get_type(attr);
		a->attr[a->count] = attr;
	}
	a->count++;
	return MNL_CB_OK;
}

static void collect_top(const struct nlmsghdr *nlh, struct attrs *a)
{
	*a = (struct attrs){ 0 };
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, a);
}

static void collect_nest(const struct nlattr *nest, struct attrs *a)
{
	*a = (struct attrs){ 0 };
	mnl_attr_parse_nested(nest, collect_cb, a);
}

static bool types_are(const struct attrs *a, int count, ...)
{
	va_list ap;
	bool same = a->count == count;

	va_start(ap, count);
	for (int i = 0; i < count && same; i++)
		same = a->type[i] == va_arg(ap, int);
	va_end(ap);
	if (!same) {
		printf("#     attribute types:");
		for (int i = 0; i < a->count && i < 32; i++)
			printf(" %u", a->type[i]);
		printf("\n");
	}
	return same;
}

/* What fn writes to a memory stream, as a string (caller frees). */
static char *output_of(void (*fn)(FILE *, const void *), const void *arg)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	fn(out, arg);
	fclose(out);
	return text;
}

/* ------------------------------------------------------------------ */

static void test_numbers(void)
{
	unsigned long long v;

	CHECK(parse_uint("0", 0, 10, &v) == 0 && v == 0);
	CHECK(parse_uint("65535", 1, 65535, &v) == 0 && v == 65535);
	CHECK(parse_uint("007", 0, 10, &v) == 0 && v == 7);
	CHECK(parse_uint("65536", 1, 65535, &v) < 0);
	CHECK(parse_uint("", 0, 10, &v) < 0);
	CHECK(parse_uint("+1", 0, 10, &v) < 0);
	CHECK(parse_uint("-1", 0, ~0ULL, &v) < 0);
	CHECK(parse_uint(" 1", 0, 10, &v) < 0);
	CHECK(parse_uint("1 ", 0, 10, &v) < 0);
	CHECK(parse_uint("1x", 0, 10, &v) < 0);
	CHECK(parse_uint("0x10", 0, 100, &v) < 0);
	CHECK(parse_uint("1e3", 0, 10000, &v) < 0);
	CHECK(parse_uint("18446744073709551615", 0, ~0ULL, &v) == 0 &&
	      v == ~0ULL);
	CHECK(parse_uint("18446744073709551616", 0, ~0ULL, &v) < 0);
	CHECK(parse_uint("99999999999999999999999", 0, ~0ULL, &v) < 0);
}

static void test_ports(void)
{
	struct port_range r;
	uint16_t p;

	PARSE_OK(parse_port("1", &p));
	CHECK_UINT(p, 1);
	PARSE_OK(parse_port("65535", &p));
	CHECK_UINT(p, 65535);
	PARSE_FAILS(parse_port("0", &p), "bad port '0' (expected 1-65535)");
	PARSE_FAILS(parse_port("70000", &p), "bad port '70000' (expected 1-65535)");
	PARSE_FAILS(parse_port("http", &p), "bad port 'http' (expected 1-65535)");
	PARSE_FAILS(parse_port("-5", &p), "bad port '-5' (expected 1-65535)");

	PARSE_OK(parse_port_range("80", &r));
	CHECK(r.min == 80 && r.max == 80);
	PARSE_OK(parse_port_range("1024-32767", &r));
	CHECK(r.min == 1024 && r.max == 32767);
	PARSE_OK(parse_port_range("80-80", &r));
	CHECK(r.min == 80 && r.max == 80);
	PARSE_FAILS(parse_port_range("90-80", &r),
		    "bad port range '90-80' (start above end)");
	PARSE_FAILS(parse_port_range("80-", &r), "bad port range '80-'");
	PARSE_FAILS(parse_port_range("-80", &r), "bad port range '-80'");
	PARSE_FAILS(parse_port_range("1-2-3", &r), "bad port range '1-2-3'");
	PARSE_FAILS(parse_port_range("0-10", &r), "bad port '0' (expected 1-65535)");
	PARSE_FAILS(parse_port_range("10-70000", &r),
		    "bad port '70000' (expected 1-65535)");
	PARSE_FAILS(parse_port_range("123456789-5", &r),
		    "bad port '123456789' (expected 1-65535)");
}

static void test_addresses(void)
{
	struct ipv4_prefix pfx;
	struct port_range r;
	struct in_addr a;
	bool has_ports;
	char buf[PREFIX_STR_MAX];

	PARSE_OK(parse_ipv4("192.168.10.2", &a));
	CHECK(a.s_addr == ip("192.168.10.2"));
	PARSE_FAILS(parse_ipv4("300.1.1.1", &a), "bad address '300.1.1.1'");
	PARSE_FAILS(parse_ipv4("1.2.3", &a), "bad address '1.2.3'");
	PARSE_FAILS(parse_ipv4("1.2.3.4.5", &a), "bad address '1.2.3.4.5'");
	PARSE_FAILS(parse_ipv4("", &a), "bad address ''");
	PARSE_FAILS(parse_ipv4("::1", &a), "bad address '::1'");

	PARSE_OK(parse_endpoint("192.168.10.2:80", &a, &r, &has_ports));
	CHECK(a.s_addr == ip("192.168.10.2") && has_ports && r.min == 80 &&
	      r.max == 80);
	PARSE_OK(parse_endpoint("10.0.0.1", &a, &r, &has_ports));
	CHECK(a.s_addr == ip("10.0.0.1") && !has_ports);
	PARSE_OK(parse_endpoint("10.0.0.1:8000-8010", &a, &r, &has_ports));
	CHECK(has_ports && r.min == 8000 && r.max == 8010);
	PARSE_FAILS(parse_endpoint("300.1.1.1:80", &a, &r, &has_ports),
		    "bad address '300.1.1.1'");
	PARSE_FAILS(parse_endpoint("10.0.0.1:", &a, &r, &has_ports),
		    "missing port after ':' in '10.0.0.1:'");
	PARSE_FAILS(parse_endpoint("10.0.0.1:0", &a, &r, &has_ports),
		    "bad port '0' (expected 1-65535)");
	PARSE_FAILS(parse_endpoint("10.0.0.1:90-80", &a, &r, &has_ports),
		    "bad port range '90-80' (start above end)");
	PARSE_FAILS(parse_endpoint("a-very-long-host-name.example:80", &a, &r,
				   &has_ports),
		    "bad address 'a-very-long-host-name.example'");

	PARSE_OK(parse_prefix("10.0.0.0/8", &pfx));
	CHECK(pfx.addr.s_addr == ip("10.0.0.0") && pfx.len == 8);
	PARSE_OK(parse_prefix("198.51.100.7", &pfx));
	CHECK(pfx.addr.s_addr == ip("198.51.100.7") && pfx.len == 32);
	PARSE_OK(parse_prefix("0.0.0.0/0", &pfx));
	CHECK(pfx.len == 0);
	CHECK_STR(format_prefix(&pfx, buf), "0.0.0.0/0");
	PARSE_FAILS(parse_prefix("10.0.0.1/8", &pfx),
		    "bad prefix '10.0.0.1/8' (host bits set; did you mean 10.0.0.0/8?)");
	PARSE_FAILS(parse_prefix("10.0.0.0/33", &pfx),
		    "bad prefix length '33' in '10.0.0.0/33' (expected 0-32)");
	PARSE_FAILS(parse_prefix("10.0.0.0/", &pfx),
		    "bad prefix length '' in '10.0.0.0/' (expected 0-32)");
	PARSE_FAILS(parse_prefix("10.0.0.0/x", &pfx),
		    "bad prefix length 'x' in '10.0.0.0/x' (expected 0-32)");
	PARSE_FAILS(parse_prefix("10.0.0/8", &pfx), "bad address '10.0.0'");
}

static void test_protocols_and_names(void)
{
	char ifname[IFNAMSIZ], buf[32];
	uint8_t proto;

	PARSE_OK(parse_ip_proto("tcp", &proto));
	CHECK_UINT(proto, IPPROTO_TCP);
	PARSE_OK(parse_ip_proto("udp", &proto));
	CHECK_UINT(proto, IPPROTO_UDP);
	PARSE_OK(parse_ip_proto("icmp", &proto));
	CHECK_UINT(proto, IPPROTO_ICMP);
	PARSE_OK(parse_ip_proto("47", &proto));
	CHECK_UINT(proto, 47);
	PARSE_OK(parse_ip_proto("0", &proto));
	CHECK_UINT(proto, 0);
	PARSE_FAILS(parse_ip_proto("256", &proto),
		    "bad protocol '256' (expected 0-255 or a name)");
	PARSE_FAILS(parse_ip_proto("no-such-protocol", &proto),
		    "unknown protocol 'no-such-protocol'");
	/* names beyond the built-in three come from /etc/protocols */
	if (access("/etc/protocols", R_OK) == 0) {
		PARSE_OK(parse_ip_proto("gre", &proto));
		CHECK_UINT(proto, 47);
		CHECK_STR(ip_proto_name(47, buf, sizeof(buf)), "gre");
	}
	CHECK_STR(ip_proto_name(IPPROTO_TCP, buf, sizeof(buf)), "tcp");
	CHECK_STR(ip_proto_name(IPPROTO_ICMP, buf, sizeof(buf)), "icmp");

	PARSE_OK(parse_tcp_udp("tcp", &proto));
	CHECK_UINT(proto, IPPROTO_TCP);
	PARSE_FAILS(parse_tcp_udp("icmp", &proto),
		    "bad protocol 'icmp' (expected tcp or udp)");

	PARSE_OK(parse_ifname("eth1", ifname, sizeof(ifname)));
	CHECK_STR(ifname, "eth1");
	PARSE_OK(parse_ifname("fifteen-bytes.x", ifname, sizeof(ifname)));
	PARSE_FAILS(parse_ifname("sixteen-bytes.xy", ifname, sizeof(ifname)),
		    "bad interface name 'sixteen-bytes.xy' (1-15 bytes)");
	PARSE_FAILS(parse_ifname("", ifname, sizeof(ifname)),
		    "bad interface name '' (1-15 bytes)");
	PARSE_FAILS(parse_ifname("eth0:1", ifname, sizeof(ifname)),
		    "bad interface name 'eth0:1'");
	PARSE_FAILS(parse_ifname("..", ifname, sizeof(ifname)),
		    "bad interface name '..'");
}

static void test_wan_grammar(void)
{
	struct napt_wan wan;

	PARSE_OK(wan_set("dev eth1", &wan));
	CHECK(wan.enabled && !wan.has_addr);
	CHECK_STR(wan.ifname, "eth1");
	PARSE_OK(wan_set("dev ppp0 addr 200.200.200.200", &wan));
	CHECK(wan.has_addr && wan.addr.s_addr == ip("200.200.200.200"));
	PARSE_OK(wan_set("addr 200.200.200.200 dev ppp0", &wan));
	CHECK_STR(wan.ifname, "ppp0");
	PARSE_FAILS(wan_set("", &wan), "'wan set' needs 'dev IFNAME'");
	PARSE_FAILS(wan_set("addr 1.2.3.4", &wan), "'wan set' needs 'dev IFNAME'");
	PARSE_FAILS(wan_set("dev", &wan), "missing value after 'dev'");
	PARSE_FAILS(wan_set("dev eth1 addr", &wan), "missing value after 'addr'");
	PARSE_FAILS(wan_set("dev eth1 addr 300.1.1.1", &wan),
		    "bad address '300.1.1.1'");
	PARSE_FAILS(wan_set("dev eth1 dev eth2", &wan), "'dev' given twice");
	PARSE_FAILS(wan_set("dev eth1 mtu 1500", &wan),
		    "unknown keyword 'mtu' for 'wan set'; try 'naptctl wan help'");
	PARSE_FAILS(wan_set("eth1", &wan),
		    "unknown keyword 'eth1' for 'wan set'; try 'naptctl wan help'");
}

static void test_set_grammar(void)
{
	struct napt_settings st;

	PARSE_OK(set("ports 2000-3000", &st));
	CHECK(st.present == SETTING_PORTS && st.ports.min == 2000 &&
	      st.ports.max == 3000);
	PARSE_OK(set("ports 5000", &st));
	CHECK(st.ports.min == 5000 && st.ports.max == 5000);
	PARSE_OK(set("timeout udp 30 timeout tcp-est 600 timeout tcp-trans 1 "
		     "timeout icmp 604800 timeout other 5", &st));
	CHECK(st.timeout[0] == 30 && st.timeout[1] == 600 &&
	      st.timeout[2] == 1 && st.timeout[3] == 604800 &&
	      st.timeout[4] == 5);
	CHECK_UINT(st.present, SETTING_TIMEOUT(0) | SETTING_TIMEOUT(1) |
		   SETTING_TIMEOUT(2) | SETTING_TIMEOUT(3) | SETTING_TIMEOUT(4));
	PARSE_OK(set("max-mappings 1 max-per-host 16777216 filtering eif", &st));
	CHECK(st.max_mappings == 1 && st.max_per_host == 16777216 &&
	      st.filtering == NAPT_FILTER_EIF);
	PARSE_OK(set("filtering adf", &st));
	CHECK_UINT(st.filtering, NAPT_FILTER_ADF);
	PARSE_OK(set("filtering apdf", &st));
	CHECK_UINT(st.filtering, NAPT_FILTER_APDF);

	PARSE_FAILS(set("", &st), "'set' needs a setting; try 'naptctl set help'");
	PARSE_FAILS(set("ports", &st), "missing value after 'ports'");
	PARSE_FAILS(set("ports 90-80", &st),
		    "bad port range '90-80' (start above end)");
	PARSE_FAILS(set("ports 0-100", &st), "bad port '0' (expected 1-65535)");
	PARSE_FAILS(set("timeout udp 0", &st),
		    "bad timeout '0' for 'timeout udp' (expected 1-604800 seconds)");
	PARSE_FAILS(set("timeout udp abc", &st),
		    "bad timeout 'abc' for 'timeout udp' (expected 1-604800 seconds)");
	PARSE_FAILS(set("timeout udp 604801", &st),
		    "bad timeout '604801' for 'timeout udp' (expected 1-604800 seconds)");
	PARSE_FAILS(set("timeout udp 30s", &st),
		    "bad timeout '30s' for 'timeout udp' (expected 1-604800 seconds)");
	PARSE_FAILS(set("timeout sctp 30", &st),
		    "unknown timeout 'sctp' (expected udp, tcp-est, tcp-trans, icmp or other)");
	PARSE_FAILS(set("timeout", &st), "missing value after 'timeout'");
	PARSE_FAILS(set("timeout udp", &st), "missing seconds after 'timeout udp'");
	PARSE_FAILS(set("timeout udp 30 timeout udp 40", &st),
		    "'timeout udp' given twice");
	PARSE_FAILS(set("ports 2000-3000 ports 4000-5000", &st),
		    "'ports' given twice");
	PARSE_FAILS(set("max-mappings 0", &st),
		    "bad value '0' for 'max-mappings' (expected 1-16777216)");
	PARSE_FAILS(set("max-per-host 16777217", &st),
		    "bad value '16777217' for 'max-per-host' (expected 1-16777216)");
	PARSE_FAILS(set("max-mappings 4294967297", &st),
		    "bad value '4294967297' for 'max-mappings' (expected 1-16777216)");
	PARSE_FAILS(set("filtering full-cone", &st),
		    "bad filtering mode 'full-cone' (expected eif, adf or apdf)");
	PARSE_FAILS(set("mtu 1500", &st),
		    "unknown setting 'mtu'; try 'naptctl set help'");
}

static void test_forward_grammar(void)
{
	struct napt_forward f;
	char descr[NAPT_DESCR_MAX + 16];

	/* the article's example, exactly as written */
	PARSE_OK(fwd_add("80 192.168.10.2:80", &f));
	CHECK(f.proto == 0 && f.ext.min == 80 && f.ext.max == 80);
	CHECK(f.int_addr.s_addr == ip("192.168.10.2"));
	CHECK(f.has_int_port && !f.has_int_port_max && f.int_ports.min == 80);
	CHECK(!f.has_from && !f.has_descr);

	PARSE_OK(fwd_add("8080 192.168.10.2", &f));
	CHECK(!f.has_int_port);
	/* a range onto a single internal port */
	PARSE_OK(fwd_add("8000-8010 10.0.0.2:9000", &f));
	CHECK(f.ext.min == 8000 && f.ext.max == 8010 && f.has_int_port &&
	      f.has_int_port_max && f.int_ports.min == 9000 &&
	      f.int_ports.max == 9000);
	PARSE_OK(fwd_add("8000-8010 10.0.0.2:9000-9010", &f));
	CHECK(f.has_int_port_max && f.int_ports.max == 9010);
	PARSE_OK(fwd_add("8000-8010 10.0.0.2:9000-9000", &f));
	CHECK(f.has_int_port_max && f.int_ports.min == 9000 &&
	      f.int_ports.max == 9000);
	PARSE_OK(fwd_add("53 10.0.0.3 proto udp", &f));
	CHECK_UINT(f.proto, IPPROTO_UDP);
	PARSE_OK(fwd_add("22 10.0.0.4:22 from 198.51.100.0/24 proto tcp "
			 "descr \"ssh from the office\"", &f));
	CHECK(f.proto == IPPROTO_TCP && f.has_from &&
	      f.from.addr.s_addr == ip("198.51.100.0") && f.from.len == 24);
	CHECK(f.has_descr);
	CHECK_STR(f.descr, "ssh from the office");
	PARSE_OK(fwd_add("22 10.0.0.4 descr x from 198.51.100.7", &f));
	CHECK(f.has_from && f.from.len == 32);

	memset(descr, 'a', NAPT_DESCR_MAX - 1);
	descr[NAPT_DESCR_MAX - 1] = '\0';
	PARSE_OK(forward_parse_add(4, (char *[]){ "80", "10.0.0.2", "descr",
						   descr, NULL }, &f));
	CHECK_UINT(strlen(f.descr), NAPT_DESCR_MAX - 1);
	memset(descr, 'a', NAPT_DESCR_MAX);
	descr[NAPT_DESCR_MAX] = '\0';
	PARSE_FAILS(forward_parse_add(4, (char *[]){ "80", "10.0.0.2", "descr",
						      descr, NULL }, &f),
		    "descr too long (64 bytes, at most 63)");

	PARSE_FAILS(fwd_add("", &f),
		    "'forward add' needs an external port; try 'naptctl forward help'");
	PARSE_FAILS(fwd_add("80", &f),
		    "'forward add' needs an internal address, ADDR[:PORT]");
	PARSE_FAILS(fwd_add("0 10.0.0.2", &f), "bad port '0' (expected 1-65535)");
	PARSE_FAILS(fwd_add("70000 10.0.0.2", &f),
		    "bad port '70000' (expected 1-65535)");
	PARSE_FAILS(fwd_add("90-80 10.0.0.2", &f),
		    "bad port range '90-80' (start above end)");
	PARSE_FAILS(fwd_add("80 300.1.1.1:80", &f), "bad address '300.1.1.1'");
	PARSE_FAILS(fwd_add("80 10.0.0.2:70000", &f),
		    "bad port '70000' (expected 1-65535)");
	PARSE_FAILS(fwd_add("80 10.0.0.2 proto icmp", &f),
		    "bad protocol 'icmp' (expected tcp or udp)");
	PARSE_FAILS(fwd_add("80 10.0.0.2 proto", &f),
		    "missing value after 'proto'");
	PARSE_FAILS(fwd_add("80 10.0.0.2 proto tcp proto udp", &f),
		    "'proto' given twice");
	PARSE_FAILS(fwd_add("80 10.0.0.2 descr a descr b", &f),
		    "'descr' given twice");
	PARSE_FAILS(fwd_add("80 10.0.0.2 from 10.0.0.0/33", &f),
		    "bad prefix length '33' in '10.0.0.0/33' (expected 0-32)");
	PARSE_FAILS(fwd_add("80 10.0.0.2 from 10.1.0.0/8", &f),
		    "bad prefix '10.1.0.0/8' (host bits set; did you mean 10.0.0.0/8?)");
	PARSE_FAILS(fwd_add("80 10.0.0.2 via eth0", &f),
		    "unknown keyword 'via' for 'forward add'; try 'naptctl forward help'");

	PARSE_OK(fwd_del("80", &f));
	CHECK(f.ext.min == 80 && f.proto == 0);
	PARSE_OK(fwd_del("8000-8010 proto udp", &f));
	CHECK(f.ext.min == 8000 && f.proto == IPPROTO_UDP);
	PARSE_FAILS(fwd_del("", &f),
		    "'forward del' needs an external port; try 'naptctl forward help'");
	PARSE_FAILS(fwd_del("80 10.0.0.2", &f),
		    "unknown keyword '10.0.0.2' for 'forward del'; try 'naptctl forward help'");
	PARSE_FAILS(fwd_del("80 proto gre", &f),
		    "bad protocol 'gre' (expected tcp or udp)");
}

static void test_mapping_grammar(void)
{
	struct mapping_filter mf;

	PARSE_OK(map_filter("", &mf));
	CHECK(!mf.has_proto && !mf.has_addr && !mf.has_port);
	PARSE_OK(map_filter("proto tcp", &mf));
	CHECK(mf.has_proto && mf.proto == IPPROTO_TCP);
	PARSE_OK(map_filter("proto 47 internal 192.168.1.2", &mf));
	CHECK(mf.proto == 47 && mf.has_addr && !mf.has_port &&
	      mf.addr.s_addr == ip("192.168.1.2"));
	PARSE_OK(map_filter("internal 192.168.1.2:50000 proto udp", &mf));
	CHECK(mf.has_port && mf.port == 50000 && mf.proto == IPPROTO_UDP);
	PARSE_FAILS(map_filter("internal 192.168.1.2:1-2", &mf),
		    "bad endpoint '192.168.1.2:1-2' (one port, not a range)");
	PARSE_FAILS(map_filter("proto 300", &mf),
		    "bad protocol '300' (expected 0-255 or a name)");
	PARSE_FAILS(map_filter("proto tcp proto udp", &mf), "'proto' given twice");
	PARSE_FAILS(map_filter("external 1.2.3.4", &mf),
		    "unknown keyword 'external' for 'mapping list'; try 'naptctl mapping help'");
}

/* ------------------------------------------------------------------ */

#define TEST_FAMILY 0x1234

static bool header_is(const struct nlmsghdr *nlh, uint8_t cmd)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_type == TEST_FAMILY &&
	       (nlh->nlmsg_flags & NLM_F_REQUEST) &&
	       mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len) &&
	       genl->cmd == cmd && genl->version == NAPT_GENL_VERSION;
}

static void test_forward_messages(void)
{
	char buf[NL_SEND_SIZE];
	struct napt_forward f;
	struct attrs top, nest;
	struct nlmsghdr *nlh;

	/* naptctl forward add 80 192.168.10.2:80 */
	PARSE_OK(fwd_add("80 192.168.10.2:80", &f));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_FORWARD_ADD, 0);
	forward_put(nlh, &f);
	CHECK(header_is(nlh, NAPT_CMD_FORWARD_ADD));
	collect_top(nlh, &top);
	CHECK(types_are(&top, 1, NAPT_A_FORWARD));
	CHECK(mnl_attr_get_type(top.attr[0]) == NAPT_A_FORWARD);
	collect_nest(top.attr[0], &nest);
	/* no PROTO (both), no EXT_PORT_MAX, no INT_PORT_MAX, no FROM, no DESCR */
	CHECK(types_are(&nest, 3, NAPT_FWD_A_EXT_PORT_MIN, NAPT_FWD_A_INT_ADDR,
			NAPT_FWD_A_INT_PORT_MIN));
	CHECK_UINT(mnl_attr_get_payload_len(nest.attr[0]), 2);
	CHECK_UINT(mnl_attr_get_u16(nest.attr[0]), 80);
	CHECK_UINT(mnl_attr_get_payload_len(nest.attr[1]), 4);
	CHECK(mnl_attr_get_u32(nest.attr[1]) == ip("192.168.10.2"));
	CHECK_UINT(mnl_attr_get_u16(nest.attr[2]), 80);

	/* everything */
	PARSE_OK(fwd_add("8000-8010 10.0.0.2:9000-9000 proto tcp "
			 "from 198.51.100.0/24 descr \"web farm\"", &f));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_FORWARD_ADD, 0);
	forward_put(nlh, &f);
	collect_top(nlh, &top);
	CHECK(types_are(&top, 1, NAPT_A_FORWARD));
	collect_nest(top.attr[0], &nest);
	CHECK(types_are(&nest, 9, NAPT_FWD_A_PROTO, NAPT_FWD_A_EXT_PORT_MIN,
			NAPT_FWD_A_EXT_PORT_MAX, NAPT_FWD_A_INT_ADDR,
			NAPT_FWD_A_INT_PORT_MIN, NAPT_FWD_A_INT_PORT_MAX,
			NAPT_FWD_A_FROM_ADDR, NAPT_FWD_A_FROM_PLEN,
			NAPT_FWD_A_DESCR));
	if (nest.count == 9) {
		CHECK_UINT(mnl_attr_get_u8(nest.attr[0]), IPPROTO_TCP);
		CHECK_UINT(mnl_attr_get_u16(nest.attr[1]), 8000);
		CHECK_UINT(mnl_attr_get_u16(nest.attr[2]), 8010);
		CHECK_UINT(mnl_attr_get_u16(nest.attr[4]), 9000);
		CHECK_UINT(mnl_attr_get_u16(nest.attr[5]), 9000);
		CHECK(mnl_attr_get_u32(nest.attr[6]) == ip("198.51.100.0"));
		CHECK_UINT(mnl_attr_get_u8(nest.attr[7]), 24);
		CHECK(mnl_attr_validate(nest.attr[8], MNL_TYPE_NUL_STRING) == 0);
		CHECK_STR(mnl_attr_get_str(nest.attr[8]), "web farm");
	}
	CHECK(mnl_attr_get_payload_len(top.attr[0]) + MNL_ATTR_HDRLEN <=
	      forward_put_size());

	/* longest possible forward still within forward_put_size() */
	memset(f.descr, 'x', NAPT_DESCR_MAX - 1);
	f.descr[NAPT_DESCR_MAX - 1] = '\0';
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_FORWARD_ADD, 0);
	forward_put(nlh, &f);
	collect_top(nlh, &top);
	CHECK_UINT(MNL_ALIGN(mnl_attr_get_len(top.attr[0])), forward_put_size());

	/* del sends EXT_PORT_MIN and PROTO only, as the header says */
	PARSE_OK(fwd_del("8000-8010 proto udp", &f));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_FORWARD_DEL, 0);
	forward_put_del(nlh, &f);
	collect_top(nlh, &top);
	CHECK(types_are(&top, 1, NAPT_A_FORWARD));
	collect_nest(top.attr[0], &nest);
	CHECK(types_are(&nest, 2, NAPT_FWD_A_PROTO, NAPT_FWD_A_EXT_PORT_MIN));
	PARSE_OK(fwd_del("80", &f));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_FORWARD_DEL, 0);
	forward_put_del(nlh, &f);
	collect_top(nlh, &top);
	collect_nest(top.attr[0], &nest);
	CHECK(types_are(&nest, 1, NAPT_FWD_A_EXT_PORT_MIN));
}

static void test_other_messages(void)
{
	char buf[NL_SEND_SIZE];
	struct mapping_filter mf;
	struct napt_settings st;
	struct napt_wan wan;
	struct attrs top, nest;
	struct nlmsghdr *nlh;

	PARSE_OK(wan_set("dev eth1", &wan));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_WAN_SET, 0);
	wan_put(nlh, &wan);
	CHECK(header_is(nlh, NAPT_CMD_WAN_SET));
	collect_top(nlh, &top);
	CHECK(types_are(&top, 1, NAPT_A_WAN_IFNAME));
	CHECK_STR(mnl_attr_get_str(top.attr[0]), "eth1");
	CHECK_UINT(mnl_attr_get_payload_len(top.attr[0]), 5);

	PARSE_OK(wan_set("dev eth1 addr 200.200.200.200", &wan));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_WAN_SET, 0);
	wan_put(nlh, &wan);
	collect_top(nlh, &top);
	CHECK(types_are(&top, 2, NAPT_A_WAN_IFNAME, NAPT_A_WAN_ADDR));
	CHECK(mnl_attr_get_u32(top.attr[1]) == ip("200.200.200.200"));

	/* one CONFIG_SET with all pairs */
	PARSE_OK(set("ports 2000 timeout icmp 10 filtering apdf max-per-host 7 "
		     "timeout udp 20 max-mappings 100", &st));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_CONFIG_SET, 0);
	settings_put(nlh, &st);
	collect_top(nlh, &top);
	CHECK(types_are(&top, 7, NAPT_A_PORT_MIN, NAPT_A_PORT_MAX,
			NAPT_A_TIMEOUT_UDP, NAPT_A_TIMEOUT_ICMP,
			NAPT_A_MAX_MAPPINGS, NAPT_A_MAX_PER_HOST,
			NAPT_A_FILTERING));
	if (top.count == 7) {
		CHECK_UINT(mnl_attr_get_u16(top.attr[0]), 2000);
		CHECK_UINT(mnl_attr_get_u16(top.attr[1]), 2000);
		CHECK_UINT(mnl_attr_get_payload_len(top.attr[2]), 4);
		CHECK_UINT(mnl_attr_get_u32(top.attr[2]), 20);
		CHECK_UINT(mnl_attr_get_u32(top.attr[3]), 10);
		CHECK_UINT(mnl_attr_get_u32(top.attr[4]), 100);
		CHECK_UINT(mnl_attr_get_u32(top.attr[5]), 7);
		CHECK_UINT(mnl_attr_get_payload_len(top.attr[6]), 1);
		CHECK_UINT(mnl_attr_get_u8(top.attr[6]), NAPT_FILTER_APDF);
	}

	/* mapping filter: a nest only when there is a filter */
	PARSE_OK(map_filter("", &mf));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_MAPPING_GET, NLM_F_DUMP);
	mapping_put_filter(nlh, &mf);
	collect_top(nlh, &top);
	CHECK(top.count == 0);
	CHECK((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
	PARSE_OK(map_filter("proto udp internal 192.168.1.2:5000", &mf));
	nlh = nl_msg_start(buf, TEST_FAMILY, NAPT_CMD_MAPPING_GET, NLM_F_DUMP);
	mapping_put_filter(nlh, &mf);
	collect_top(nlh, &top);
	CHECK(types_are(&top, 1, NAPT_A_MAPPING));
	collect_nest(top.attr[0], &nest);
	CHECK(types_are(&nest, 3, NAPT_MAP_A_PROTO, NAPT_MAP_A_INT_ADDR,
			NAPT_MAP_A_INT_PORT));
	CHECK_UINT(mnl_attr_get_u16(nest.attr[2]), 5000);
}

/* ------------------------------------------------------------------ */

/* A reply message as the kernel would build it. */
static struct nlmsghdr *reply_start(void *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, TEST_FAMILY, cmd, 0);

	nlh->nlmsg_flags = 0;
	return nlh;
}

static void test_decoding(void)
{
	char buf[NL_SEND_SIZE];
	const struct nlattr *tb[NAPT_A_MAX + 1];
	struct napt_forward f;
	struct napt_mapping m;
	struct napt_config cfg;
	struct napt_stats stats;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	/* a forward with only the required attributes: defaults applied */
	nlh = reply_start(buf, NAPT_CMD_FORWARD_GET);
	nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);
	mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MIN, 8000);
	mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MAX, 8010);
	mnl_attr_put_u32(nlh, NAPT_FWD_A_INT_ADDR, ip("10.0.0.2"));
	mnl_attr_put_u16(nlh, NAPT_FWD_A_INT_PORT_MIN, 9000);
	mnl_attr_put_u64(nlh, NAPT_FWD_A_HITS, 42);
	mnl_attr_put_u32(nlh, 200, 1);	/* from a newer kernel: ignored */
	mnl_attr_nest_end(nlh, nest);
	CHECK(nl_parse_attrs(nlh, tb, NAPT_A_MAX) == 0 && tb[NAPT_A_FORWARD]);
	CHECK(forward_from_nest(tb[NAPT_A_FORWARD], &f) == 0);
	CHECK(f.proto == 0 && f.ext.min == 8000 && f.ext.max == 8010);
	CHECK(f.int_ports.min == 9000 && f.int_ports.max == 9010);
	CHECK(f.hits == 42 && !f.has_from && !f.has_descr);

	/* a malformed one: a u16 sent as u32 */
	nlh = reply_start(buf, NAPT_CMD_FORWARD_GET);
	nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);
	mnl_attr_put_u32(nlh, NAPT_FWD_A_EXT_PORT_MIN, 80);
	mnl_attr_put_u32(nlh, NAPT_FWD_A_INT_ADDR, ip("10.0.0.2"));
	mnl_attr_nest_end(nlh, nest);
	CHECK(nl_parse_attrs(nlh, tb, NAPT_A_MAX) == 0);
	CHECK(forward_from_nest(tb[NAPT_A_FORWARD], &f) < 0 && errno == EBADMSG);

	/* a mapping of an address-only protocol */
	nlh = reply_start(buf, NAPT_CMD_MAPPING_GET);
	nest = mnl_attr_nest_start(nlh, NAPT_A_MAPPING);
	mnl_attr_put_u8(nlh, NAPT_MAP_A_PROTO, 47);
	mnl_attr_put_u32(nlh, NAPT_MAP_A_INT_ADDR, ip("192.168.1.2"));
	mnl_attr_put_u32(nlh, NAPT_MAP_A_EXT_ADDR, ip("200.200.200.200"));
	mnl_attr_put_u32(nlh, NAPT_MAP_A_REM_ADDR, ip("100.100.100.100"));
	mnl_attr_put_u32(nlh, NAPT_MAP_A_SESSIONS, 1);
	mnl_attr_put_u64(nlh, NAPT_MAP_A_EXPIRES_MS, 599001);
	mnl_attr_nest_end(nlh, nest);
	CHECK(nl_parse_attrs(nlh, tb, NAPT_A_MAX) == 0 && tb[NAPT_A_MAPPING]);
	CHECK(mapping_from_nest(tb[NAPT_A_MAPPING], &m) == 0);
	CHECK(m.proto == 47 && !m.has_ports && m.has_remote &&
	      m.rem_addr.s_addr == ip("100.100.100.100") && m.sessions == 1 &&
	      m.expires_ms == 599001);

	/* a CONFIG_GET reply */
	nlh = reply_start(buf, NAPT_CMD_CONFIG_GET);
	mnl_attr_put_strz(nlh, NAPT_A_WAN_IFNAME, "ppp0");
	mnl_attr_put_u32(nlh, NAPT_A_WAN_IFINDEX, 0);
	mnl_attr_put_u16(nlh, NAPT_A_PORT_MIN, 1024);
	mnl_attr_put_u16(nlh, NAPT_A_PORT_MAX, 32767);
	mnl_attr_put_u32(nlh, NAPT_A_TIMEOUT_UDP, 300);
	mnl_attr_put_u8(nlh, NAPT_A_FILTERING, NAPT_FILTER_ADF);
	CHECK(config_from_msg(nlh, &cfg) == 0);
	CHECK(cfg.wan.enabled && cfg.wan.ifindex == 0 && !cfg.wan.has_addr);
	CHECK_STR(cfg.wan.ifname, "ppp0");
	CHECK_UINT(cfg.settings.present, SETTING_PORTS | SETTING_TIMEOUT(0) |
		   SETTING_FILTERING);

	/* stats: u64 counters, u32 gauges */
	nlh = reply_start(buf, NAPT_CMD_STATS_GET);
	nest = mnl_attr_nest_start(nlh, NAPT_A_STATS);
	mnl_attr_put_u64(nlh, NAPT_STATS_A_XLATE_OUT, 12);
	mnl_attr_put_u64(nlh, NAPT_STATS_A_DROP_NO_MAPPING, 3);
	mnl_attr_put_u32(nlh, NAPT_STATS_A_MAPPINGS, 5);
	mnl_attr_nest_end(nlh, nest);
	CHECK(nl_parse_attrs(nlh, tb, NAPT_A_MAX) == 0 && tb[NAPT_A_STATS]);
	CHECK(stats_from_nest(tb[NAPT_A_STATS], &stats) == 0);
	CHECK(stats.value[NAPT_STATS_A_XLATE_OUT] == 12 &&
	      stats.value[NAPT_STATS_A_DROP_NO_MAPPING] == 3 &&
	      stats.value[NAPT_STATS_A_MAPPINGS] == 5 &&
	      stats.value[NAPT_STATS_A_XLATE_IN] == 0);
}

/* ------------------------------------------------------------------ */

static char *json_of(void (*fn)(struct json_writer *), bool pretty)
{
	struct json_writer w;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	json_init(&w, out, pretty);
	fn(&w);
	fclose(out);
	return text;
}

static char *escaped(const char *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	json_write_escaped(out, s);
	fclose(out);
	return text;
}

static void json_sample(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_string(w, "name", "a\"b");
	json_kv_uint(w, "n", 18446744073709551615ULL);
	json_key(w, "list");
	json_array_begin(w);
	json_uint(w, 1);
	json_null(w);
	json_bool(w, true);
	json_array_end(w);
	json_key(w, "empty");
	json_object_begin(w);
	json_object_end(w);
	json_key(w, "none");
	json_array_begin(w);
	json_array_end(w);
	json_object_end(w);
}

static void json_empty_array(struct json_writer *w)
{
	json_array_begin(w);
	json_array_end(w);
}

static void test_json(void)
{
	char *s;

#define ESC(in, out)					\
	do {						\
		s = escaped(in);			\
		CHECK_STR(s, out);			\
		free(s);				\
	} while (0)

	ESC("", "\"\"");
	ESC("plain text", "\"plain text\"");
	ESC("say \"hi\"", "\"say \\\"hi\\\"\"");
	ESC("back\\slash", "\"back\\\\slash\"");
	ESC("a/b", "\"a/b\"");
	ESC("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	ESC("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	ESC("bad \xff byte", "\"bad \\ufffd byte\"");
	ESC("cut \xe2\x82", "\"cut \\ufffd\\ufffd\"");
	ESC("overlong \xc0\xaf", "\"overlong \\ufffd\\ufffd\"");
	ESC("surrogate \xed\xa0\x80", "\"surrogate \\ufffd\\ufffd\\ufffd\"");
	ESC("too big \xf4\x90\x80\x80",
	    "\"too big \\ufffd\\ufffd\\ufffd\\ufffd\"");
#undef ESC

	s = json_of(json_sample, false);
	CHECK_STR(s, "{\"name\":\"a\\\"b\",\"n\":18446744073709551615,"
		     "\"list\":[1,null,true],\"empty\":{},\"none\":[]}\n");
	free(s);
	s = json_of(json_sample, true);
	CHECK_STR(s, "{\n"
		     "  \"name\": \"a\\\"b\",\n"
		     "  \"n\": 18446744073709551615,\n"
		     "  \"list\": [\n"
		     "    1,\n"
		     "    null,\n"
		     "    true\n"
		     "  ],\n"
		     "  \"empty\": {},\n"
		     "  \"none\": []\n"
		     "}\n");
	free(s);
	s = json_of(json_empty_array, false);
	CHECK_STR(s, "[]\n");
	free(s);
	s = json_of(json_empty_array, true);
	CHECK_STR(s, "[]\n");
	free(s);
}

/* ------------------------------------------------------------------ */

static struct forward_list sample_forwards(void)
{
	struct forward_list list = { 0 };
	struct napt_forward f = { 0 };

	f.ext = (struct port_range){ 80, 80 };
	f.int_addr.s_addr = ip("192.168.10.2");
	f.int_ports = (struct port_range){ 80, 80 };
	f.has_int_port = f.has_int_port_max = true;
	f.hits = 7;
	forward_list_append(&list, &f);

	f = (struct napt_forward){ 0 };
	f.proto = IPPROTO_UDP;
	f.ext = (struct port_range){ 8000, 8010 };
	f.int_addr.s_addr = ip("10.0.0.3");
	f.int_ports = (struct port_range){ 9000, 9000 };
	f.has_int_port = f.has_int_port_max = true;
	f.has_from = true;
	f.from = (struct ipv4_prefix){ .addr.s_addr = ip("198.51.100.0"),
				       .len = 24 };
	f.has_descr = true;
	strcpy(f.descr, "game \"server\"");
	forward_list_append(&list, &f);

	f = (struct napt_forward){ 0 };
	f.proto = IPPROTO_TCP;
	f.ext = (struct port_range){ 2000, 2002 };
	f.int_addr.s_addr = ip("10.0.0.4");
	f.int_ports = (struct port_range){ 3000, 3002 };
	f.has_int_port = f.has_int_port_max = true;
	f.has_descr = true;
	strcpy(f.descr, "tab\there, back\\slash, caf\xc3\xa9 # not a comment");
	forward_list_append(&list, &f);
	return list;
}

static void print_forward_table(FILE *out, const void *list)
{
	forward_print_table(out, list);
}

static void print_forward_json(struct json_writer *w, const void *list)
{
	forward_json(w, list);
}

static void test_forward_output(void)
{
	struct forward_list list = sample_forwards();
	struct forward_list empty = { 0 };
	struct json_writer w;
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	text = output_of(print_forward_table, &list);
	CHECK_STR(text,
		  "EXT         PROTO   INTERNAL                    FROM               HITS       DESCR\n"
		  "80          tcp/udp 192.168.10.2:80             any                7\n"
		  "8000-8010   udp     10.0.0.3:9000               198.51.100.0/24    0          game \"server\"\n"
		  "2000-2002   tcp     10.0.0.4:3000-3002          any                0          tab?here, back\\slash, caf\xc3\xa9 # not a comment\n");
	free(text);

	out = open_memstream(&text, &size);
	json_init(&w, out, false);
	print_forward_json(&w, &list);
	fclose(out);
	CHECK_STR(text,
		  "[{\"ext_port_min\":80,\"ext_port_max\":80,\"proto\":\"both\","
		  "\"int_addr\":\"192.168.10.2\",\"int_port_min\":80,\"int_port_max\":80,"
		  "\"from\":null,\"descr\":null,\"hits\":7},"
		  "{\"ext_port_min\":8000,\"ext_port_max\":8010,\"proto\":\"udp\","
		  "\"int_addr\":\"10.0.0.3\",\"int_port_min\":9000,\"int_port_max\":9000,"
		  "\"from\":\"198.51.100.0/24\",\"descr\":\"game \\\"server\\\"\",\"hits\":0},"
		  "{\"ext_port_min\":2000,\"ext_port_max\":2002,\"proto\":\"tcp\","
		  "\"int_addr\":\"10.0.0.4\",\"int_port_min\":3000,\"int_port_max\":3002,"
		  "\"from\":null,\"descr\":\"tab\\there, back\\\\slash, caf\xc3\xa9 # not a comment\","
		  "\"hits\":0}]\n");
	free(text);

	out = open_memstream(&text, &size);
	json_init(&w, out, true);
	forward_json(&w, &empty);
	fclose(out);
	CHECK_STR(text, "[]\n");
	free(text);

	text = output_of(print_forward_table, &empty);
	CHECK_STR(text, "EXT         PROTO   INTERNAL                    FROM               HITS       DESCR\n");
	free(text);
	forward_list_free(&list);
}

static void print_mapping_table(FILE *out, const void *list)
{
	mapping_print_table(out, list);
}

static void test_mapping_output(void)
{
	struct napt_mapping items[3] = {
		{ .proto = IPPROTO_TCP, .has_ports = true,
		  .int_addr.s_addr = ip("192.168.1.2"), .int_port = 50000,
		  .ext_addr.s_addr = ip("200.200.200.200"), .ext_port = 12345,
		  .sessions = 2, .expires_ms = 7439500 },
		{ .proto = 47, .int_addr.s_addr = ip("192.168.1.3"),
		  .ext_addr.s_addr = ip("200.200.200.200"), .has_remote = true,
		  .rem_addr.s_addr = ip("100.100.100.100"), .sessions = 1,
		  .expires_ms = 0 },
		{ .proto = IPPROTO_ICMP, .has_ports = true,
		  .int_addr.s_addr = ip("192.168.1.4"), .int_port = 7,
		  .ext_addr.s_addr = ip("200.200.200.200"), .ext_port = 1025,
		  .sessions = 1, .expires_ms = 1 },
	};
	struct mapping_list list = { .items = items, .count = 3 };
	struct mapping_list empty = { 0 };
	struct json_writer w;
	char *text = NULL, gre[32];
	size_t size = 0;
	FILE *out;

	/* the GRE row reads "gre" with /etc/protocols, "47" without */
	ip_proto_name(47, gre, sizeof(gre));
	text = output_of(print_mapping_table, &list);
	{
		char expected[1024];

		snprintf(expected, sizeof(expected),
			 "PROTO    INTERNAL              EXTERNAL              REMOTE          SESSIONS EXPIRES\n"
			 "tcp      192.168.1.2:50000     200.200.200.200:12345 -               2        7440s\n"
			 "%-8s 192.168.1.3           200.200.200.200       100.100.100.100 1        0s\n"
			 "icmp     192.168.1.4:7         200.200.200.200:1025  -               1        1s\n",
			 gre);
		CHECK_STR(text, expected);
	}
	free(text);

	out = open_memstream(&text, &size);
	json_init(&w, out, false);
	mapping_json(&w, &list);
	fclose(out);
	{
		char expected[1024];

		snprintf(expected, sizeof(expected),
			 "[{\"proto\":\"tcp\",\"internal_addr\":\"192.168.1.2\",\"internal_port\":50000,"
			 "\"external_addr\":\"200.200.200.200\",\"external_port\":12345,"
			 "\"sessions\":2,\"expires_ms\":7439500},"
			 "{\"proto\":\"%s\",\"internal_addr\":\"192.168.1.3\","
			 "\"external_addr\":\"200.200.200.200\",\"remote_addr\":\"100.100.100.100\","
			 "\"sessions\":1,\"expires_ms\":0},"
			 "{\"proto\":\"icmp\",\"internal_addr\":\"192.168.1.4\",\"internal_port\":7,"
			 "\"external_addr\":\"200.200.200.200\",\"external_port\":1025,"
			 "\"sessions\":1,\"expires_ms\":1}]\n", gre);
		CHECK_STR(text, expected);
	}
	free(text);

	out = open_memstream(&text, &size);
	json_init(&w, out, false);
	mapping_json(&w, &empty);
	fclose(out);
	CHECK_STR(text, "[]\n");
	free(text);
}

static void print_stats(FILE *out, const void *stats)
{
	stats_print(out, stats);
}

static void print_wan(FILE *out, const void *wan)
{
	wan_print(out, wan);
}

static void print_config(FILE *out, const void *cfg)
{
	config_print(out, cfg);
}

static void test_show_and_stats_output(void)
{
	struct napt_stats stats = { { 0 } };
	struct napt_wan wan = { 0 };
	struct napt_config cfg = { 0 };
	struct json_writer w;
	char *text, *p;
	size_t size = 0;
	FILE *out;
	int lines = 0;

	stats.value[NAPT_STATS_A_XLATE_OUT] = 12;
	stats.value[NAPT_STATS_A_DROP_NO_MAPPING] = 3;
	stats.value[NAPT_STATS_A_MAPPINGS] = 5;
	text = output_of(print_stats, &stats);
	CHECK(strncmp(text, "xlate-out 12\nxlate-in 0\nhairpin 0\n", 34) == 0);
	CHECK(strstr(text, "\ndrop-no-mapping 3\n") != NULL);
	CHECK(strstr(text, "\nmappings 5\n") != NULL);
	CHECK(strstr(text, "\nforward-hits 0\n") != NULL);
	for (p = text; *p; p++)
		lines += *p == '\n';
	/* every counter of the enum, nothing else */
	CHECK_UINT(lines, NAPT_STATS_A_MAX - 1);
	free(text);
	for (unsigned int a = NAPT_STATS_A_XLATE_OUT; a <= NAPT_STATS_A_MAX; a++)
		CHECK(stats_name(a) != NULL);
	CHECK(stats_name(NAPT_STATS_A_PAD) == NULL);

	out = open_memstream(&text, &size);
	json_init(&w, out, false);
	stats_json(&w, &stats);
	fclose(out);
	CHECK(strncmp(text, "{\"xlate-out\":12,\"xlate-in\":0,", 29) == 0);
	CHECK(strstr(text, "\"drop-no-mapping\":3,") != NULL);
	CHECK(strstr(text, "\"forward-hits\":0}\n") != NULL);
	free(text);

	text = output_of(print_wan, &wan);
	CHECK_STR(text, "wan off\n");
	free(text);
	strcpy(wan.ifname, "eth1");
	wan.enabled = wan.has_addr = true;
	wan.ifindex = 3;
	wan.addr.s_addr = ip("200.200.200.200");
	text = output_of(print_wan, &wan);
	CHECK_STR(text, "wan dev eth1 addr 200.200.200.200 (follows interface)\n");
	free(text);
	wan.addr_fixed = true;
	text = output_of(print_wan, &wan);
	CHECK_STR(text, "wan dev eth1 addr 200.200.200.200 (fixed)\n");
	free(text);
	wan = (struct napt_wan){ .enabled = true, .ifname = "ppp0" };
	text = output_of(print_wan, &wan);
	CHECK_STR(text, "wan dev ppp0 (interface missing)\n");
	free(text);

	cfg.wan = wan;
	cfg.settings = (struct napt_settings){
		.present = SETTING_PORTS | SETTING_FILTERING |
			   SETTING_MAX_MAPPINGS | SETTING_MAX_PER_HOST |
			   SETTING_TIMEOUT(0) | SETTING_TIMEOUT(1) |
			   SETTING_TIMEOUT(2) | SETTING_TIMEOUT(3) |
			   SETTING_TIMEOUT(4),
		.ports = { 1024, 32767 },
		.timeout = { 300, 7440, 240, 60, 600 },
		.max_mappings = 65536, .max_per_host = 8192,
		.filtering = NAPT_FILTER_ADF,
	};
	text = output_of(print_config, &cfg);
	CHECK_STR(text, "wan dev ppp0 (interface missing)\n"
			"ports 1024-32767\n"
			"filtering adf\n"
			"max-mappings 65536\n"
			"max-per-host 8192\n"
			"timeout udp 300\n"
			"timeout tcp-est 7440\n"
			"timeout tcp-trans 240\n"
			"timeout icmp 60\n"
			"timeout other 600\n");
	free(text);

	out = open_memstream(&text, &size);
	json_init(&w, out, false);
	json_object_begin(&w);
	config_json_members(&w, &cfg);
	json_object_end(&w);
	fclose(out);
	CHECK_STR(text, "{\"wan\":{\"enabled\":true,\"dev\":\"ppp0\",\"ifindex\":0,"
			"\"interface_present\":false,\"addr\":null,\"addr_fixed\":false},"
			"\"port_min\":1024,\"port_max\":32767,\"filtering\":\"adf\","
			"\"max_mappings\":65536,\"max_per_host\":8192,"
			"\"timeout\":{\"udp\":300,\"tcp-est\":7440,\"tcp-trans\":240,"
			"\"icmp\":60,\"other\":600}}\n");
	free(text);
}

/* ------------------------------------------------------------------ */

static void test_tokenizer(void)
{
	char line[256], *w[LINE_WORDS_MAX];
	int n;

#define TOKENIZE(text) (snprintf(line, sizeof(line), "%s", text),	\
			tokenize_line(line, w, LINE_WORDS_MAX, &n))

	CHECK(TOKENIZE("") == 0 && n == 0);
	CHECK(TOKENIZE("   \t \r\n") == 0 && n == 0);
	CHECK(TOKENIZE("# a comment") == 0 && n == 0);
	CHECK(TOKENIZE("   # indented comment \"unbalanced") == 0 && n == 0);
	CHECK(TOKENIZE("forward add 80 192.168.10.2:80\n") == 0 && n == 4);
	CHECK_STR(w[3], "192.168.10.2:80");
	CHECK(TOKENIZE("  set\tports  1024-2048  ") == 0 && n == 3);
	CHECK_STR(w[0], "set");
	CHECK_STR(w[2], "1024-2048");
	CHECK(TOKENIZE("descr \"my web server\" proto tcp") == 0 && n == 4);
	CHECK_STR(w[1], "my web server");
	CHECK_STR(w[2], "proto");
	CHECK(TOKENIZE("a \"\" b") == 0 && n == 3);
	CHECK_STR(w[1], "");
	CHECK(TOKENIZE("x\"y z\"w") == 0 && n == 1);
	CHECK_STR(w[0], "xy zw");
	CHECK(TOKENIZE("\"a \\\"quoted\\\" \\\\ word\"") == 0 && n == 1);
	CHECK_STR(w[0], "a \"quoted\" \\ word");
	CHECK(TOKENIZE("\"tab\\x09x \\x41\\x7e\"") == 0 && n == 1);
	CHECK_STR(w[0], "tab\tx A~");
	CHECK(TOKENIZE("\"# not a comment\" b # but this is") == 0 && n == 2);
	CHECK_STR(w[0], "# not a comment");
	CHECK(TOKENIZE("a#b c") == 0 && n == 2);
	CHECK_STR(w[0], "a#b");
	CHECK(TOKENIZE("back\\slash") == 0 && n == 1);
	CHECK_STR(w[0], "back\\slash");

	PARSE_FAILS(TOKENIZE("descr \"open"), "unterminated quote");
	PARSE_FAILS(TOKENIZE("descr \"open\\"), "unterminated quote");
	PARSE_FAILS(TOKENIZE("\"\\x0\""), "bad escape '\\x0\"' (expected \\x01 to \\xff)");
	PARSE_FAILS(TOKENIZE("\"\\x00\""), "bad escape '\\x00' (expected \\x01 to \\xff)");
	PARSE_FAILS(TOKENIZE("\"\\xg1\""), "bad escape '\\xg1' (expected \\x01 to \\xff)");
	{
		char many[LINE_WORDS_MAX * 2 + 8] = "";

		for (int i = 0; i <= LINE_WORDS_MAX; i++)
			strcat(many, "a ");
		PARSE_FAILS(TOKENIZE(many), "too many words (at most 64 on a line)");
	}
#undef TOKENIZE
}

static void save_to(FILE *out, const void *arg)
{
	const void *const *both = arg;

	save_write(out, both[0], both[1]);
}

static struct napt_config sample_config(void)
{
	struct napt_config cfg = { 0 };

	cfg.wan = (struct napt_wan){ .enabled = true, .ifname = "eth1",
				     .has_addr = true, .addr_fixed = true,
				     .ifindex = 2 };
	cfg.wan.addr.s_addr = ip("200.200.200.200");
	cfg.settings = (struct napt_settings){
		.present = SETTING_PORTS | SETTING_FILTERING |
			   SETTING_MAX_MAPPINGS | SETTING_MAX_PER_HOST |
			   SETTING_TIMEOUT(0) | SETTING_TIMEOUT(1) |
			   SETTING_TIMEOUT(2) | SETTING_TIMEOUT(3) |
			   SETTING_TIMEOUT(4),
		.ports = { 2000, 3000 },
		.timeout = { 30, 7440, 240, 60, 600 },
		.max_mappings = 1000, .max_per_host = 100,
		.filtering = NAPT_FILTER_EIF,
	};
	return cfg;
}

static bool same_forward(const struct napt_forward *a,
			 const struct napt_forward *b)
{
	return a->proto == b->proto && a->ext.min == b->ext.min &&
	       a->ext.max == b->ext.max &&
	       a->int_addr.s_addr == b->int_addr.s_addr &&
	       a->int_ports.min == b->int_ports.min &&
	       a->int_ports.max == b->int_ports.max &&
	       a->has_from == b->has_from &&
	       (!a->has_from || (a->from.addr.s_addr == b->from.addr.s_addr &&
				 a->from.len == b->from.len)) &&
	       a->has_descr == b->has_descr &&
	       (!a->has_descr || strcmp(a->descr, b->descr) == 0);
}

static void test_save_restore_round_trip(void)
{
	struct napt_config cfg = sample_config(), back, decoded;
	struct forward_list list = sample_forwards(), back_list = { 0 };
	const void *both[2] = { &cfg, &list };
	unsigned int line_no, forwards = 0;
	const struct nlattr *attr;
	struct nlmsghdr *nlh;
	char *text;
	void *buf;
	FILE *in;

	text = output_of(save_to, both);
	CHECK_STR(text,
		  "# napt configuration, saved by naptctl " NAPT_VERSION "\n"
		  "# load it with: naptctl restore FILE\n"
		  "wan set dev eth1 addr 200.200.200.200\n"
		  "set ports 2000-3000 filtering eif max-mappings 1000 max-per-host 100\n"
		  "set timeout udp 30 timeout tcp-est 7440 timeout tcp-trans 240 timeout icmp 60 timeout other 600\n"
		  "forward add 80 192.168.10.2:80\n"
		  "forward add 8000-8010 10.0.0.3:9000-9000 proto udp from 198.51.100.0/24 descr \"game \\\"server\\\"\"\n"
		  "forward add 2000-2002 10.0.0.4:3000-3002 proto tcp descr \"tab\\x09here, back\\\\slash, caf\xc3\xa9 # not a comment\"\n");

	in = fmemopen(text, strlen(text), "r");
	PARSE_OK(restore_parse(in, &back, &back_list, &line_no));
	fclose(in);
	CHECK(back.wan.enabled && back.wan.has_addr &&
	      back.wan.addr.s_addr == cfg.wan.addr.s_addr);
	CHECK_STR(back.wan.ifname, "eth1");
	CHECK(memcmp(&back.settings, &cfg.settings, sizeof(cfg.settings)) == 0);
	CHECK_UINT(back_list.count, list.count);

	/*
	 * The RESTORE message, read back the way the kernel reads it
	 * (absent attributes are defaults), holds what was saved.
	 */
	buf = calloc(1, restore_msg_size(&back_list));
	nlh = restore_build(buf, TEST_FAMILY, &back, &back_list);
	CHECK(header_is(nlh, NAPT_CMD_RESTORE));
	CHECK(nlh->nlmsg_len <= restore_msg_size(&back_list));
	CHECK(config_from_msg(nlh, &decoded) == 0);
	CHECK(decoded.wan.enabled && decoded.wan.has_addr &&
	      decoded.wan.addr.s_addr == cfg.wan.addr.s_addr);
	CHECK(memcmp(&decoded.settings, &cfg.settings, sizeof(cfg.settings)) == 0);
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		struct napt_forward f;

		if (mnl_attr_get_type(attr) != NAPT_A_FORWARD)
			continue;
		CHECK(forward_from_nest(attr, &f) == 0);
		CHECK(forwards < list.count &&
		      same_forward(&f, &list.items[forwards]));
		forwards++;
	}
	CHECK_UINT(forwards, list.count);
	free(buf);
	free(text);
	forward_list_free(&back_list);

	/* NAPT off and no settings: an empty RESTORE, i.e. all defaults */
	cfg = (struct napt_config){ 0 };
	list.count = 0;
	text = output_of(save_to, both);
	CHECK_STR(text,
		  "# napt configuration, saved by naptctl " NAPT_VERSION "\n"
		  "# load it with: naptctl restore FILE\n"
		  "# wan off\n");
	in = fmemopen(text, strlen(text), "r");
	PARSE_OK(restore_parse(in, &back, &back_list, &line_no));
	fclose(in);
	CHECK(!back.wan.enabled && back.settings.present == 0 &&
	      back_list.count == 0);
	buf = calloc(1, restore_msg_size(&back_list));
	nlh = restore_build(buf, TEST_FAMILY, &back, &back_list);
	CHECK_UINT(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + sizeof(struct genlmsghdr));
	free(buf);
	free(text);
	forward_list_free(&list);
	forward_list_free(&back_list);

	/* the follow-the-interface WAN saves without addr */
	cfg.wan = (struct napt_wan){ .enabled = true, .ifname = "ppp0",
				     .has_addr = true, .ifindex = 4 };
	text = output_of(save_to, both);
	CHECK(strstr(text, "\nwan set dev ppp0\n") != NULL);
	free(text);
}

static int restore_text(const char *text, unsigned int *line_no)
{
	struct forward_list list = { 0 };
	struct napt_config cfg;
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int ret;

	ret = restore_parse(in, &cfg, &list, line_no);
	fclose(in);
	forward_list_free(&list);
	return ret;
}

static void test_restore_refusals(void)
{
	unsigned int line_no;

#define REFUSED(text, line, message)					\
	do {								\
		PARSE_FAILS(restore_text(text, &line_no), message);	\
		CHECK_UINT(line_no, line);				\
	} while (0)

	PARSE_OK(restore_text("", &line_no));
	PARSE_OK(restore_text("# only\n\n   \n# comments\n", &line_no));
	PARSE_OK(restore_text("set ports 2000-3000\nset timeout udp 20\n"
			      "forward add 80 10.0.0.2\r\nwan set dev eth0", &line_no));
	REFUSED("# header\nforward del 80\n", 2,
		"only 'wan set', 'set' and 'forward add' lines are allowed, not 'forward del'");
	REFUSED("naptctl set ports 2000-3000\n", 1,
		"only 'wan set', 'set' and 'forward add' lines are allowed, not 'naptctl set'");
	REFUSED("stats\n", 1,
		"only 'wan set', 'set' and 'forward add' lines are allowed, not 'stats'");
	REFUSED("wan del\n", 1,
		"only 'wan set', 'set' and 'forward add' lines are allowed, not 'wan del'");
	REFUSED("\n\nset timeout udp 0\n", 3,
		"bad timeout '0' for 'timeout udp' (expected 1-604800 seconds)");
	REFUSED("set timeout udp 5\nset timeout udp 6\n", 2,
		"'timeout udp' given twice");
	REFUSED("wan set dev a\nwan set dev b\n", 2,
		"a second 'wan set' (the first is on line 1)");
	REFUSED("forward add 80 10.0.0.2 descr \"open\n", 1, "unterminated quote");
	REFUSED("forward add 80 10.0.0.2\nforward add 81 300.0.0.1\n", 2,
		"bad address '300.0.0.1'");
	REFUSED("set\n", 1, "'set' needs a setting; try 'naptctl set help'");
#undef REFUSED
}

/* ------------------------------------------------------------------ */

/* An NLMSG_ERROR as the kernel sends it, capped or with the request. */
static struct nlmsghdr *error_msg(void *buf, int error, const char *text,
				  bool capped, uint32_t offs)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *err;
	char request[64];
	struct nlmsghdr *req = mnl_nlmsg_put_header(request);

	mnl_nlmsg_put_extra_header(req, 8);	/* some request payload */
	nlh->nlmsg_type = NLMSG_ERROR;
	if (capped) {
		nlh->nlmsg_flags = NLM_F_CAPPED;
		err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
		err->msg = *req;
	} else {
		err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err) + 8);
		err->msg = *req;
	}
	err->error = error;
	if (text) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	}
	if (offs)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offs);
	return nlh;
}

static void test_extack_parsing(void)
{
	char buf[512], msg[NL_EXTACK_MAX];
	struct nlmsghdr *nlh;
	int error;

	nlh = error_msg(buf, -EBUSY, "external port 80 is held by a dynamic mapping",
			true, 0);
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) == 0);
	CHECK_UINT(error, EBUSY);
	CHECK_STR(msg, "external port 80 is held by a dynamic mapping");

	nlh = error_msg(buf, -EINVAL, "ports overlap net.ipv4.ip_local_port_range",
			false, 20);
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) == 0);
	CHECK_UINT(error, EINVAL);
	CHECK_STR(msg, "ports overlap net.ipv4.ip_local_port_range");

	nlh = error_msg(buf, -ENODEV, NULL, true, 0);
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) == 0);
	CHECK(error == ENODEV && msg[0] == '\0');

	nlh = error_msg(buf, 0, NULL, true, 0);
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) == 0);
	CHECK(error == 0 && msg[0] == '\0');

	/* the end of a dump: an int, then the TLVs */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -ENOBUFS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) == 0);
	CHECK_UINT(error, ENOBUFS);
	CHECK_STR(msg, "dump failed");

	/* a truncated error message is refused, not read past its end */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, 4);
	CHECK(nl_parse_ack(nlh, &error, msg, sizeof(msg)) < 0);
}

/* What the error line of a failed request reads. */
static char *error_line(const char *doing, const struct nl_session *s)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	static char line[512];
	size_t len;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	cli_nl_failed(doing, s);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	len = fread(line, 1, sizeof(line) - 1, tmp);
	line[len] = '\0';
	fclose(tmp);
	return line;
}

static void test_error_lines(void)
{
	struct nl_session s = { 0 };

	s.error = EBUSY;
	strcpy(s.extack, "external port 80 is held by a dynamic mapping");
	CHECK_STR(error_line("add forward", &s),
		  "naptctl: cannot add forward: external port 80 is held by a dynamic mapping: Device or resource busy\n");
	s.error = EINVAL;
	strcpy(s.extack, "forwards 80-90 and 85 overlap");
	CHECK_STR(error_line("add forward", &s),
		  "naptctl: cannot add forward: forwards 80-90 and 85 overlap\n");
	s.error = ENODEV;
	s.extack[0] = '\0';
	CHECK_STR(error_line("set wan", &s),
		  "naptctl: cannot set wan: No such device\n");
	s.error = EPERM;
	CHECK_STR(error_line("change settings", &s),
		  "naptctl: cannot change settings: Operation not permitted (CAP_NET_ADMIN needed)\n");
	s.error = ENOENT;
	s.family_missing = true;
	CHECK_STR(error_line("list forwards", &s),
		  "naptctl: cannot list forwards: napt module not loaded (no generic netlink family 'napt')\n");
}

/*
 * The real thing, against the kernel's own genl controller: the family
 * lookup, a missing family, and an extended ACK with the kernel's text.
 */
static void test_live_netlink(void)
{
	struct nl_session s;
	char buf[NL_SEND_SIZE], name[64];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (nl_open_family(&s, "nlctrl")) {
		printf("# SKIP no generic netlink here: %s\n", strerror(s.error));
		return;
	}
	CHECK_UINT(s.family, GENL_ID_CTRL);
	/* a name longer than the policy allows: refused with a message */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	CHECK(nl_request(&s, nlh, NULL, NULL) < 0);
	printf("# kernel said: errno %d (%s), extack '%s'\n", s.error,
	       strerror(s.error), s.extack);
	CHECK(s.error != 0);
	CHECK(s.extack[0] != '\0');
	/* the session still works after an error */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	CHECK(nl_request(&s, nlh, NULL, NULL) == 0);
	/* a dump: every family, ending with NLMSG_DONE */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_DUMP;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	CHECK(nl_request(&s, nlh, NULL, NULL) == 0);

	/*
	 * A message of megabytes, like a big restore, gets through once the
	 * send buffer is grown (SO_SNDBUFFORCE needs CAP_NET_ADMIN; without
	 * it only net.core.wmem_max is available).
	 */
	if (geteuid() == 0) {
		size_t count = 1 << 20;	/* 8 MiB of attributes */
		char *big = calloc(1, 64 + count * 8);

		nlh = mnl_nlmsg_put_header(big);
		nlh->nlmsg_type = GENL_ID_CTRL;
		genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
		genl->cmd = CTRL_CMD_GETFAMILY;
		genl->version = 1;
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
		/* unknown to the controller's lenient policy: ignored */
		for (size_t i = 0; i < count; i++)
			mnl_attr_put_u32(nlh, 100, (uint32_t)i);
		nl_reserve_sndbuf(&s, nlh->nlmsg_len);
		CHECK(nl_request(&s, nlh, NULL, NULL) == 0);
		if (s.error)
			printf("# big message: %s\n", strerror(s.error));
		free(big);
	} else {
		printf("# SKIP big message: not root\n");
	}
	nl_close(&s);

	CHECK(nl_open_family(&s, "napt-no-such") < 0);
	CHECK(s.family_missing && s.error == ENOENT);
}

/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "numbers", test_numbers },
	{ "ports and port ranges", test_ports },
	{ "addresses, endpoints, prefixes", test_addresses },
	{ "protocols and interface names", test_protocols_and_names },
	{ "wan set grammar", test_wan_grammar },
	{ "set grammar", test_set_grammar },
	{ "forward add/del grammar", test_forward_grammar },
	{ "mapping list grammar", test_mapping_grammar },
	{ "forward messages", test_forward_messages },
	{ "wan, set and mapping messages", test_other_messages },
	{ "reply decoding", test_decoding },
	{ "json writer and escaping", test_json },
	{ "forward table and json", test_forward_output },
	{ "mapping table and json", test_mapping_output },
	{ "show, wan show and stats output", test_show_and_stats_output },
	{ "restore file tokenizer", test_tokenizer },
	{ "save -> restore round trip", test_save_restore_round_trip },
	{ "restore file refusals", test_restore_refusals },
	{ "extended ack parsing", test_extack_parsing },
	{ "error lines", test_error_lines },
	{ "live netlink (genl controller)", test_live_netlink },
};

int main(void)
{
	size_t count = sizeof(tests) / sizeof(tests[0]);
	int failed = 0;

	printf("TAP version 13\n1..%zu\n", count);
	for (size_t i = 0; i < count; i++) {
		failures = 0;
		tests[i].run();
		printf("%s %zu - %s\n", failures ? "not ok" : "ok", i + 1,
		       tests[i].name);
		failed += failures != 0;
	}
	printf("# %d of %zu failed\n", failed, count);
	return failed ? 1 : 0;
}
