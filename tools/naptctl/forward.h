/* SPDX-License-Identifier: GPL-2.0 */
/* naptctl forward add | del | list | flush: static mappings (port forwards). */
#ifndef NAPTCTL_FORWARD_H
#define NAPTCTL_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/napt.h>
#include <libmnl/libmnl.h>

#include "json.h"
#include "nl.h"
#include "parse.h"

struct napt_forward {
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, 0: both */
	struct port_range ext;
	struct in_addr int_addr;
	/*
	 * ADDR alone: the internal ports are the external ones (no
	 * INT_PORT_MIN sent). ADDR:P sends INT_PORT_MIN only (the kernel
	 * maps the range one to one from P); ADDR:P-Q sends both. Decoded
	 * replies always have both.
	 */
	bool has_int_port;
	bool has_int_port_max;
	struct port_range int_ports;
	bool has_from;
	struct ipv4_prefix from;
	bool has_descr;
	char descr[NAPT_DESCR_MAX];
	uint64_t hits;			/* reply only */
};

struct forward_list {
	struct napt_forward *items;
	size_t count;
	size_t capacity;
};

/* "forward add" words: EXT[-EXT2] ADDR[:PORT[-PORT2]] [proto P] [from PFX] [descr TEXT] */
int forward_parse_add(int argc, char **argv, struct napt_forward *fwd);
/* "forward del" words: EXT[-EXT2] [proto P] */
int forward_parse_del(int argc, char **argv, struct napt_forward *fwd);

/* One NAPT_A_FORWARD nest as FORWARD_ADD and RESTORE take it. */
void forward_put(struct nlmsghdr *nlh, const struct napt_forward *fwd);
/* The nest FORWARD_DEL takes: EXT_PORT_MIN and PROTO only. */
void forward_put_del(struct nlmsghdr *nlh, const struct napt_forward *fwd);
/* Worst-case bytes forward_put() adds. */
size_t forward_put_size(void);
/* A NAPT_A_FORWARD nest of a reply, absent attributes made explicit. */
int forward_from_nest(const struct nlattr *nest, struct napt_forward *fwd);

int forward_list_append(struct forward_list *list,
			const struct napt_forward *fwd);
void forward_list_free(struct forward_list *list);
/* FORWARD_GET dump into list; 0, or -1 with s->error set. */
int forward_dump(struct nl_session *s, struct forward_list *list);

/* "tcp", "udp", "tcp/udp" (table) or "both" (JSON). */
const char *forward_proto_name(uint8_t proto, bool json);
void forward_print_table(FILE *out, const struct forward_list *list);
void forward_json(struct json_writer *w, const struct forward_list *list);

void forward_usage(FILE *out);
int do_forward(int argc, char **argv);

#endif /* NAPTCTL_FORWARD_H */
