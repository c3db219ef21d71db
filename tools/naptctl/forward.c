// SPDX-License-Identifier: GPL-2.0
/* naptctl forward: NAPT_CMD_FORWARD_ADD, _DEL, _GET (dump) and _FLUSH. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "forward.h"

#define FWD_PROTO	(1u << 0)
#define FWD_FROM	(1u << 1)
#define FWD_DESCR	(1u << 2)

/* Bytes an attribute of an n-byte payload takes in a message. */
#define ATTR_SPACE(n)	MNL_ALIGN(MNL_ATTR_HDRLEN + (n))

/* How often a dump the kernel marked inconsistent is tried again. */
#define DUMP_ATTEMPTS	3

static int parse_descr(const char *value, struct napt_forward *fwd)
{
	size_t len = strlen(value);

	if (len >= NAPT_DESCR_MAX) {
		parse_fail("descr too long (%zu bytes, at most %d)", len,
			   NAPT_DESCR_MAX - 1);
		return -1;
	}
	memcpy(fwd->descr, value, len + 1);
	fwd->has_descr = true;
	return 0;
}

int forward_parse_add(int argc, char **argv, struct napt_forward *fwd)
{
	unsigned int seen = 0;
	const char *value, *colon;

	*fwd = (struct napt_forward){ 0 };
	if (argc < 1) {
		parse_fail("'forward add' needs an external port; try 'naptctl forward help'");
		return -1;
	}
	if (parse_port_range(argv[0], &fwd->ext))
		return -1;
	if (argc < 2) {
		parse_fail("'forward add' needs an internal address, ADDR[:PORT]");
		return -1;
	}
	if (parse_endpoint(argv[1], &fwd->int_addr, &fwd->int_ports,
			   &fwd->has_int_port))
		return -1;
	/*
	 * ADDR:PORT after an external range means the whole range goes to
	 * that one port; ADDR alone keeps the external ports, one to one.
	 */
	colon = strchr(argv[1], ':');
	fwd->has_int_port_max = colon &&
				(strchr(colon, '-') || fwd->ext.max != fwd->ext.min);

	for (int i = 2; i < argc; i++) {
		if (word_is(argv[i], "proto")) {
			if (parse_once(&seen, FWD_PROTO, "proto") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_tcp_udp(value, &fwd->proto))
				return -1;
		} else if (word_is(argv[i], "from")) {
			if (parse_once(&seen, FWD_FROM, "from") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_prefix(value, &fwd->from))
				return -1;
			fwd->has_from = true;
		} else if (word_is(argv[i], "descr")) {
			if (parse_once(&seen, FWD_DESCR, "descr") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_descr(value, fwd))
				return -1;
		} else {
			parse_fail("unknown keyword '%s' for 'forward add'; try 'naptctl forward help'",
				   argv[i]);
			return -1;
		}
	}
	return 0;
}

int forward_parse_del(int argc, char **argv, struct napt_forward *fwd)
{
	unsigned int seen = 0;
	const char *value;

	*fwd = (struct napt_forward){ 0 };
	if (argc < 1) {
		parse_fail("'forward del' needs an external port; try 'naptctl forward help'");
		return -1;
	}
	/* the kernel finds a forward by its first port; a range is accepted
	 * so a line of "forward list" can be pasted */
	if (parse_port_range(argv[0], &fwd->ext))
		return -1;
	for (int i = 1; i < argc; i++) {
		if (word_is(argv[i], "proto")) {
			if (parse_once(&seen, FWD_PROTO, "proto") ||
			    parse_value(argc, argv, &i, &value) ||
			    parse_tcp_udp(value, &fwd->proto))
				return -1;
		} else {
			parse_fail("unknown keyword '%s' for 'forward del'; try 'naptctl forward help'",
				   argv[i]);
			return -1;
		}
	}
	return 0;
}

void forward_put(struct nlmsghdr *nlh, const struct napt_forward *fwd)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);

	/* absent attributes carry the defaults the header documents */
	if (fwd->proto)
		mnl_attr_put_u8(nlh, NAPT_FWD_A_PROTO, fwd->proto);
	mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MIN, fwd->ext.min);
	if (fwd->ext.max != fwd->ext.min)
		mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MAX, fwd->ext.max);
	mnl_attr_put(nlh, NAPT_FWD_A_INT_ADDR, sizeof(fwd->int_addr.s_addr),
		     &fwd->int_addr.s_addr);
	if (fwd->has_int_port)
		mnl_attr_put_u16(nlh, NAPT_FWD_A_INT_PORT_MIN, fwd->int_ports.min);
	if (fwd->has_int_port && fwd->has_int_port_max)
		mnl_attr_put_u16(nlh, NAPT_FWD_A_INT_PORT_MAX, fwd->int_ports.max);
	if (fwd->has_from) {
		mnl_attr_put(nlh, NAPT_FWD_A_FROM_ADDR,
			     sizeof(fwd->from.addr.s_addr), &fwd->from.addr.s_addr);
		mnl_attr_put_u8(nlh, NAPT_FWD_A_FROM_PLEN, fwd->from.len);
	}
	if (fwd->has_descr)
		mnl_attr_put_strz(nlh, NAPT_FWD_A_DESCR, fwd->descr);
	mnl_attr_nest_end(nlh, nest);
}

size_t forward_put_size(void)
{
	return MNL_ATTR_HDRLEN +		/* the nest */
	       ATTR_SPACE(sizeof(uint8_t)) +	/* proto */
	       4 * ATTR_SPACE(sizeof(uint16_t)) + /* ext and int ports */
	       2 * ATTR_SPACE(sizeof(uint32_t)) + /* int addr, from addr */
	       ATTR_SPACE(sizeof(uint8_t)) +	/* from plen */
	       ATTR_SPACE(NAPT_DESCR_MAX);
}

void forward_put_del(struct nlmsghdr *nlh, const struct napt_forward *fwd)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NAPT_A_FORWARD);

	if (fwd->proto)
		mnl_attr_put_u8(nlh, NAPT_FWD_A_PROTO, fwd->proto);
	mnl_attr_put_u16(nlh, NAPT_FWD_A_EXT_PORT_MIN, fwd->ext.min);
	mnl_attr_nest_end(nlh, nest);
}

int forward_from_nest(const struct nlattr *nest, struct napt_forward *fwd)
{
	const struct nlattr *tb[NAPT_FWD_A_MAX + 1];
	uint16_t span;

	*fwd = (struct napt_forward){ 0 };
	if (nl_parse_nest(nest, tb, NAPT_FWD_A_MAX) ||
	    (tb[NAPT_FWD_A_PROTO] && nl_get_u8(tb[NAPT_FWD_A_PROTO], &fwd->proto)) ||
	    nl_get_u16(tb[NAPT_FWD_A_EXT_PORT_MIN], &fwd->ext.min) ||
	    nl_get_u32(tb[NAPT_FWD_A_INT_ADDR], &fwd->int_addr.s_addr))
		goto bad;
	fwd->ext.max = fwd->ext.min;
	if (tb[NAPT_FWD_A_EXT_PORT_MAX] &&
	    nl_get_u16(tb[NAPT_FWD_A_EXT_PORT_MAX], &fwd->ext.max))
		goto bad;
	span = (uint16_t)(fwd->ext.max - fwd->ext.min);
	fwd->int_ports.min = fwd->ext.min;
	if (tb[NAPT_FWD_A_INT_PORT_MIN] &&
	    nl_get_u16(tb[NAPT_FWD_A_INT_PORT_MIN], &fwd->int_ports.min))
		goto bad;
	fwd->int_ports.max = (uint16_t)(fwd->int_ports.min + span);
	if (tb[NAPT_FWD_A_INT_PORT_MAX] &&
	    nl_get_u16(tb[NAPT_FWD_A_INT_PORT_MAX], &fwd->int_ports.max))
		goto bad;
	fwd->has_int_port = fwd->has_int_port_max = true;
	if (tb[NAPT_FWD_A_FROM_ADDR]) {
		if (nl_get_u32(tb[NAPT_FWD_A_FROM_ADDR], &fwd->from.addr.s_addr) ||
		    nl_get_u8(tb[NAPT_FWD_A_FROM_PLEN], &fwd->from.len))
			goto bad;
		fwd->has_from = true;
	}
	if (tb[NAPT_FWD_A_DESCR]) {
		if (nl_get_str(tb[NAPT_FWD_A_DESCR], fwd->descr, sizeof(fwd->descr)))
			goto bad;
		fwd->has_descr = fwd->descr[0] != '\0';
	}
	if (tb[NAPT_FWD_A_HITS] && nl_get_u64(tb[NAPT_FWD_A_HITS], &fwd->hits))
		goto bad;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

int forward_list_append(struct forward_list *list,
			const struct napt_forward *fwd)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? 2 * list->capacity : 16;
		struct napt_forward *items;

		items = realloc(list->items, capacity * sizeof(*items));
		if (!items) {
			errno = ENOMEM;
			return -1;
		}
		list->items = items;
		list->capacity = capacity;
	}
	list->items[list->count++] = *fwd;
	return 0;
}

void forward_list_free(struct forward_list *list)
{
	free(list->items);
	*list = (struct forward_list){ 0 };
}

static int forward_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NAPT_A_MAX + 1];
	struct napt_forward fwd;

	if (nl_parse_attrs(nlh, tb, NAPT_A_MAX) || !tb[NAPT_A_FORWARD] ||
	    forward_from_nest(tb[NAPT_A_FORWARD], &fwd)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return forward_list_append(data, &fwd) ? MNL_CB_ERROR : MNL_CB_OK;
}

int forward_dump(struct nl_session *s, struct forward_list *list)
{
	char buf[NL_SEND_SIZE];
	struct nlmsghdr *nlh;

	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		list->count = 0;
		nlh = nl_msg_start(buf, s->family, NAPT_CMD_FORWARD_GET,
				   NLM_F_DUMP);
		if (nl_request(s, nlh, forward_cb, list) == 0)
			return 0;
		if (s->error != EINTR)
			break;
	}
	return -1;
}

const char *forward_proto_name(uint8_t proto, bool json)
{
	static char other[4];

	switch (proto) {
	case 0:
		return json ? "both" : "tcp/udp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	}
	snprintf(other, sizeof(other), "%u", proto);
	return other;
}

/* The table must stay on its lines whatever the description holds. */
static void copy_printable(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}

#define FORWARD_ROW "%-11s %-7s %-27s %-18s %-10s %s"

static void print_row(FILE *out, const char *line)
{
	size_t len = strlen(line);

	while (len > 0 && line[len - 1] == ' ')
		len--;
	fprintf(out, "%.*s\n", (int)len, line);
}

void forward_print_table(FILE *out, const struct forward_list *list)
{
	char line[256];

	snprintf(line, sizeof(line), FORWARD_ROW, "EXT", "PROTO", "INTERNAL",
		 "FROM", "HITS", "DESCR");
	print_row(out, line);
	for (size_t i = 0; i < list->count; i++) {
		const struct napt_forward *fwd = &list->items[i];
		char ext[RANGE_STR_MAX], ports[RANGE_STR_MAX];
		char addr[ADDR_STR_MAX], from[PREFIX_STR_MAX];
		char internal[ADDR_STR_MAX + RANGE_STR_MAX + 1];
		char hits[24], descr[NAPT_DESCR_MAX];

		snprintf(internal, sizeof(internal), "%s:%s",
			 format_ipv4(fwd->int_addr, addr),
			 format_port_range(fwd->int_ports, ports));
		snprintf(hits, sizeof(hits), "%llu",
			 (unsigned long long)fwd->hits);
		copy_printable(descr, fwd->has_descr ? fwd->descr : "",
			       sizeof(descr));
		snprintf(line, sizeof(line), FORWARD_ROW,
			 format_port_range(fwd->ext, ext),
			 forward_proto_name(fwd->proto, false), internal,
			 fwd->has_from ? format_prefix(&fwd->from, from) : "any",
			 hits, descr);
		print_row(out, line);
	}
}

void forward_json(struct json_writer *w, const struct forward_list *list)
{
	char addr[ADDR_STR_MAX], from[PREFIX_STR_MAX];

	json_array_begin(w);
	for (size_t i = 0; i < list->count; i++) {
		const struct napt_forward *fwd = &list->items[i];

		json_object_begin(w);
		json_kv_uint(w, "ext_port_min", fwd->ext.min);
		json_kv_uint(w, "ext_port_max", fwd->ext.max);
		json_kv_string(w, "proto", forward_proto_name(fwd->proto, true));
		json_kv_string(w, "int_addr", format_ipv4(fwd->int_addr, addr));
		json_kv_uint(w, "int_port_min", fwd->int_ports.min);
		json_kv_uint(w, "int_port_max", fwd->int_ports.max);
		if (fwd->has_from)
			json_kv_string(w, "from", format_prefix(&fwd->from, from));
		else
			json_kv_null(w, "from");
		if (fwd->has_descr)
			json_kv_string(w, "descr", fwd->descr);
		else
			json_kv_null(w, "descr");
		json_kv_uint(w, "hits", fwd->hits);
		json_object_end(w);
	}
	json_array_end(w);
}

void forward_usage(FILE *out)
{
	fputs("Usage: naptctl forward add EXT[-EXT2] ADDR[:PORT[-PORT2]] [proto {tcp|udp}]\n"
	      "                           [from PREFIX] [descr TEXT]\n"
	      "       naptctl forward del EXT[-EXT2] [proto {tcp|udp}]\n"
	      "       naptctl forward list\n"
	      "       naptctl forward flush\n"
	      "Without proto, a forward is for TCP and UDP. Without :PORT, the\n"
	      "internal ports are the external ones; with :PORT, external ports map\n"
	      "one to one from PORT; :PORT-PORT (one port) sends them all to it.\n"
	      "PREFIX is A.B.C.D/LEN or an address (/32): only those sources may use it.\n",
	      out);
}

static int forward_send(uint8_t cmd, const struct napt_forward *fwd,
			const char *doing)
{
	char buf[NL_SEND_SIZE];
	struct nl_session s;
	struct nlmsghdr *nlh;
	int ret;

	if (cli_open(&s, doing))
		return 1;
	nlh = nl_msg_start(buf, s.family, cmd, 0);
	if (cmd == NAPT_CMD_FORWARD_ADD)
		forward_put(nlh, fwd);
	else if (cmd == NAPT_CMD_FORWARD_DEL)
		forward_put_del(nlh, fwd);
	ret = nl_request(&s, nlh, NULL, NULL) ? cli_nl_failed(doing, &s) : 0;
	nl_close(&s);
	return ret;
}

static int forward_list_cmd(int argc, char **argv)
{
	struct forward_list list = { 0 };
	struct nl_session s;
	struct json_writer w;
	int ret = 0;

	if (cli_no_more_args("forward list", argc, argv))
		return 1;
	if (cli_open(&s, "list forwards"))
		return 1;
	if (forward_dump(&s, &list)) {
		ret = cli_nl_failed("list forwards", &s);
	} else if (cli.json) {
		cli_json_start(&w);
		forward_json(&w, &list);
	} else {
		forward_print_table(stdout, &list);
	}
	nl_close(&s);
	forward_list_free(&list);
	return ret;
}

int do_forward(int argc, char **argv)
{
	struct napt_forward fwd;

	if (argc == 0)
		return forward_list_cmd(0, argv);
	if (word_is_help(argv[0])) {
		forward_usage(stdout);
		return 0;
	}
	if (word_is(argv[0], "add")) {
		if (forward_parse_add(argc - 1, argv + 1, &fwd))
			return cli_parse_failed();
		return forward_send(NAPT_CMD_FORWARD_ADD, &fwd, "add forward");
	}
	if (word_is(argv[0], "del") || word_is(argv[0], "delete")) {
		if (forward_parse_del(argc - 1, argv + 1, &fwd))
			return cli_parse_failed();
		return forward_send(NAPT_CMD_FORWARD_DEL, &fwd, "delete forward");
	}
	if (word_is(argv[0], "list") || word_is(argv[0], "show") ||
	    word_is(argv[0], "ls"))
		return forward_list_cmd(argc - 1, argv + 1);
	if (word_is(argv[0], "flush")) {
		if (cli_no_more_args("forward flush", argc - 1, argv + 1))
			return 1;
		return forward_send(NAPT_CMD_FORWARD_FLUSH, NULL, "flush forwards");
	}
	return cli_unknown_command("forward", argv[0]);
}
